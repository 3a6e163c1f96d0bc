/* FUNCTION and FCALL: libraries as replicated state, FCALL as one log entry resolved in apply (or a read for FCALL_RO and no-writes functions). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strutil.h"
#include "engine/engine_internal.h"
#include "engine/script_busy.h"
#include "engine/function_dump.h"
#include "engine/script_entry.h"
#include "engine/script_run.h"
#include "store/aux.h"
#include "store/txn.h"

/*
 * Libraries are cluster state, as scripts are: FUNCTION LOAD, DELETE, FLUSH
 * and RESTORE are `__function` log entries, and apply keeps two record
 * namespaces (store/aux.h), outside the keyspace and inside snapshots:
 * SS_AUX_LIBRARY (library name -> its code) and SS_AUX_FUNCTION (lowercase
 * function name -> library name: function names are case-insensitive, as
 * in Redis, and unique across libraries).
 *
 * A library runs in a Lua env once, to register its functions
 * (ss_script_library_load); each env (apply's, read's) holds the libraries
 * it was given and the engine (re)loads one from its record whenever the env
 * does not hold that code (ensure_library): after a restart, a snapshot
 * install, or a FUNCTION LOAD applied elsewhere. Loading is deterministic
 * (its globals are the load API only: no redis.call, no random), so an env
 * rebuilt that way computes what the others do.
 *
 * FCALL of a function that may write is one `__fcall` entry naming the
 * function; apply resolves the name to its library, so, as for EVALSHA
 * (scripts.c), every node runs the same code and a function loaded through
 * any node is callable through every other at once. FCALL_RO and functions
 * flagged no-writes are `__fcall_ro` reads after the ReadIndex barrier.
 */

#define MAX_FUNCTIONS 4096 /* functions one LOAD or RESTORE may bring (bounds the work in apply) */

static const char *const function_help[] = {
    "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
    "HELP",
    "    Prints this help.",
    NULL,
};

/* ------------------------------------------------------------ the records */

static void lower_copy(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
}

/* The library of a function: SS_OK with *lib (valid as ss_aux_get's). */
static int function_library(ss_txn *txn, const char *fname, size_t len, ss_slice *lib)
{
    char lower[256];
    if (len == 0 || len > sizeof lower)
        return SS_ENOTFOUND;
    lower_copy(lower, fname, len);
    return ss_aux_get(txn, SS_AUX_FUNCTION, lower, len, lib);
}

/* Makes env hold the library's current code. SS_OK, SS_ENOTFOUND, or the
 * store's or the load's error. */
static int ensure_library(ss_script_env *env, ss_txn *txn, const char *lib, size_t lib_len,
                          const ss_script_limits *limits)
{
    ss_slice code;
    int rc = ss_aux_get(txn, SS_AUX_LIBRARY, lib, lib_len, &code);
    if (rc != SS_OK)
        return rc;
    if (ss_script_library_loaded(env, lib, lib_len, code.data, code.len))
        return SS_OK;
    char err[512];
    ss_script_env_set_limits(env, limits);
    return ss_script_library_load(env, code.data, code.len, err, sizeof err);
}

/* Names of records of ns whose value is val (NULL: every one), copied. */
typedef struct name_list {
    char **names;
    size_t *lens;
    size_t n, cap;
    const char *val;
    size_t vlen;
} name_list;

static int collect_name(void *ud, ss_slice name, ss_slice val)
{
    name_list *l = ud;
    if (l->val && (val.len != l->vlen || memcmp(val.data, l->val, l->vlen) != 0))
        return 0;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->names = realloc(l->names, l->cap * sizeof(*l->names));
        l->lens = realloc(l->lens, l->cap * sizeof(*l->lens));
        if (!l->names || !l->lens)
            abort(); /* the loop's small allocations abort when memory is gone */
    }
    l->names[l->n] = malloc(name.len + 1);
    if (!l->names[l->n])
        abort();
    memcpy(l->names[l->n], name.data, name.len);
    l->names[l->n][name.len] = '\0';
    l->lens[l->n++] = name.len;
    return 0;
}

static void name_list_release(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    free(l->lens);
}

/* Deletes the function records of a library. */
static int unlink_functions(ss_txn *txn, const char *lib, size_t lib_len)
{
    name_list l = {.val = lib, .vlen = lib_len};
    int rc = ss_aux_each(txn, SS_AUX_FUNCTION, collect_name, &l);
    for (size_t i = 0; rc == SS_OK && i < l.n; i++)
        rc = ss_aux_del(txn, SS_AUX_FUNCTION, l.names[i], l.lens[i]);
    name_list_release(&l);
    return rc;
}

/* ------------------------------------------------------------ installing */

/* A library about to be installed: its name and its functions' names. */
typedef struct staged_lib {
    const char *code;
    size_t len;
    char name[256];
    size_t name_len;
    name_list fns; /* lowercase function names */
} staged_lib;

static void add_function_name(void *ud, const ss_script_function_info *fi)
{
    staged_lib *sl = ud;
    char lower[256];
    size_t n = fi->name_len < sizeof lower ? fi->name_len : sizeof lower;
    lower_copy(lower, fi->name, n);
    collect_name(&sl->fns, (ss_slice){lower, n}, (ss_slice){NULL, 0});
}

/* Runs the library in the apply env and lists its functions. On failure the
 * reply text is in err. */
static bool stage_library(ss_engine *e, staged_lib *sl, const char *code, size_t len, char *err, size_t errlen)
{
    memset(sl, 0, sizeof(*sl));
    sl->code = code;
    sl->len = len;
    ss_script_library_meta md;
    if (ss_script_library_meta_parse(code, len, &md, err, errlen) != SS_OK)
        return false;
    if (md.name_len >= sizeof sl->name) {
        snprintf(err, errlen, "ERR Library name is too long");
        return false;
    }
    memcpy(sl->name, md.name, md.name_len);
    sl->name_len = md.name_len;
    if (ss_script_library_load(e->lua_apply, code, len, err, errlen) != SS_OK)
        return false;
    ss_script_library_functions(e->lua_apply, sl->name, sl->name_len, add_function_name, sl);
    if (sl->fns.n > MAX_FUNCTIONS) {
        snprintf(err, errlen, "ERR Library '%s' has more than %d functions", sl->name, MAX_FUNCTIONS);
        ss_script_library_drop(e->lua_apply, sl->name, sl->name_len);
        return false;
    }
    return true;
}

static void staged_release(staged_lib *libs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        name_list_release(&libs[i].fns);
}

/* Is lib one of those being (re)installed? */
static bool among(const staged_lib *libs, size_t n, const char *lib, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (libs[i].name_len == len && memcmp(libs[i].name, lib, len) == 0)
            return true;
    return false;
}

/*
 * Installs staged libraries after Redis's checks: a library that exists
 * (unless replace) answers "Library 'x' already exists" (restore_words: the
 * RESTORE wording without quotes), and a function that another library keeps
 * "Function x already exists". Nothing is written unless every check passes.
 * Returns SS_OK, SS_EINVAL with err, or the store's error.
 */
static int install(ss_exec_ctx *x, staged_lib *libs, size_t n, bool replace, bool restore_words, char *err,
                   size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            if (libs[j].name_len == libs[i].name_len && !memcmp(libs[j].name, libs[i].name, libs[i].name_len)) {
                snprintf(err, errlen, "ERR Library '%s' already exists", libs[i].name);
                return SS_EINVAL;
            }
        ss_slice old;
        int rc = ss_aux_get(x->txn, SS_AUX_LIBRARY, libs[i].name, libs[i].name_len, &old);
        if (rc != SS_OK && rc != SS_ENOTFOUND)
            return rc;
        if (rc == SS_OK && !replace) {
            snprintf(err, errlen, restore_words ? "ERR Library %s already exists" : "ERR Library '%s' already exists",
                     libs[i].name);
            return SS_EINVAL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t f = 0; f < libs[i].fns.n; f++) {
            const char *fn = libs[i].fns.names[f];
            size_t fl = libs[i].fns.lens[f];
            ss_slice owner;
            int rc = ss_aux_get(x->txn, SS_AUX_FUNCTION, fn, fl, &owner);
            if (rc != SS_OK && rc != SS_ENOTFOUND)
                return rc;
            bool clash = rc == SS_OK && !among(libs, n, owner.data, owner.len);
            for (size_t j = 0; !clash && j < i; j++)
                for (size_t g = 0; !clash && g < libs[j].fns.n; g++)
                    clash = libs[j].fns.lens[g] == fl && !memcmp(libs[j].fns.names[g], fn, fl);
            if (clash) {
                snprintf(err, errlen, "ERR Function %s already exists", fn);
                return SS_EINVAL;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        int rc = unlink_functions(x->txn, libs[i].name, libs[i].name_len);
        if (rc == SS_OK)
            rc = ss_aux_put(x->txn, SS_AUX_LIBRARY, libs[i].name, libs[i].name_len, libs[i].code, libs[i].len);
        for (size_t f = 0; rc == SS_OK && f < libs[i].fns.n; f++)
            rc = ss_aux_put(x->txn, SS_AUX_FUNCTION, libs[i].fns.names[f], libs[i].fns.lens[f], libs[i].name,
                            libs[i].name_len);
        if (rc != SS_OK)
            return rc;
    }
    return SS_OK;
}

/* A failed install leaves the apply env holding staged code: drop it (the
 * next use reloads the recorded one). */
static void unstage(ss_engine *e, staged_lib *libs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (libs[i].name_len)
            ss_script_library_drop(e->lua_apply, libs[i].name, libs[i].name_len);
}

static void reply_status(ss_exec_ctx *x, int rc, const char *err)
{
    if (rc == SS_EINVAL) {
        resp_add_error(x->out, err);
    } else if (rc != SS_OK) {
        x->status = rc;
        ss_reply_err(x->out, RERR_INTERNAL, ss_strerror(rc));
    }
}

/* __function load 0|1 CODE */
static void apply_load(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    char err[1024];
    bool replace = a->argvlen[2] == 1 && a->argv[2][0] == '1';
    staged_lib sl = {0};
    int rc = SS_EINVAL;
    /* Redis looks for the library before it runs the code */
    ss_script_library_meta md;
    if (!replace && ss_script_library_meta_parse(a->argv[3], a->argvlen[3], &md, err, sizeof err) == SS_OK) {
        ss_slice old;
        rc = ss_aux_get(x->txn, SS_AUX_LIBRARY, md.name, md.name_len, &old);
        if (rc == SS_OK) {
            snprintf(err, sizeof err, "ERR Library '%.*s' already exists", (int)md.name_len, md.name);
            rc = SS_EINVAL;
        }
        if (rc != SS_ENOTFOUND) {
            reply_status(x, rc, err);
            return;
        }
        rc = SS_EINVAL;
    }
    if (stage_library(e, &sl, a->argv[3], a->argvlen[3], err, sizeof err)) {
        rc = install(x, &sl, 1, replace, false, err, sizeof err);
        if (rc == SS_OK)
            resp_add_bulk(x->out, sl.name, sl.name_len);
        else
            unstage(e, &sl, 1);
    }
    reply_status(x, rc, err);
    staged_release(&sl, 1);
}

/* __function delete NAME */
static void apply_delete(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    ss_slice old;
    int rc = ss_aux_get(x->txn, SS_AUX_LIBRARY, a->argv[2], a->argvlen[2], &old);
    if (rc == SS_ENOTFOUND) {
        resp_add_error(x->out, "ERR Library not found");
        return;
    }
    if (rc == SS_OK)
        rc = unlink_functions(x->txn, a->argv[2], a->argvlen[2]);
    if (rc == SS_OK)
        rc = ss_aux_del(x->txn, SS_AUX_LIBRARY, a->argv[2], a->argvlen[2]);
    if (rc == SS_OK) {
        ss_script_library_drop(e->lua_apply, a->argv[2], a->argvlen[2]);
        ss_busy_read_env_drop(e, a->argv[2], a->argvlen[2]);
        resp_add_shared(x->out, RESP_SH_OK);
    }
    reply_status(x, rc, NULL);
}

static int flush_all(ss_engine *e, ss_exec_ctx *x)
{
    int rc = ss_aux_clear(x->txn, SS_AUX_LIBRARY, NULL);
    if (rc == SS_OK)
        rc = ss_aux_clear(x->txn, SS_AUX_FUNCTION, NULL);
    ss_script_library_drop(e->lua_apply, NULL, 0);
    ss_busy_read_env_drop(e, NULL, 0);
    return rc;
}

typedef struct restore_ctx {
    ss_engine *e;
    staged_lib *libs;
    size_t n, cap;
    char *err;
    size_t errlen;
    size_t nfns;
} restore_ctx;

static int restore_one(void *ud, const char *code, size_t len)
{
    restore_ctx *r = ud;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->libs = realloc(r->libs, r->cap * sizeof(*r->libs));
        if (!r->libs)
            abort();
    }
    /* The code must outlive the walk (LZF strings are freed after fn). */
    char *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, code, len);
    staged_lib *sl = &r->libs[r->n];
    if (!stage_library(r->e, sl, copy, len, r->err, r->errlen)) {
        name_list_release(&sl->fns);
        free(copy);
        return SS_EINVAL;
    }
    r->n++;
    r->nfns += sl->fns.n;
    if (r->nfns > MAX_FUNCTIONS) {
        snprintf(r->err, r->errlen, "ERR a payload may bring at most %d functions", MAX_FUNCTIONS);
        return SS_EINVAL;
    }
    return SS_OK;
}

/* __function restore flush|append|replace PAYLOAD */
static void apply_restore(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    char err[1024];
    restore_ctx r = {.e = e, .err = err, .errlen = sizeof err};
    const char *why = NULL;
    int rc = ss_function_dump_walk(a->argv[3], a->argvlen[3], (size_t)e->cfg->proto_max_bulk_len, restore_one, &r,
                                   &why);
    if (rc != SS_OK && why)
        snprintf(err, sizeof err, "ERR %s", why);
    bool flush = !strcmp(a->argv[2], "flush"), replace = !strcmp(a->argv[2], "replace");
    if (rc == SS_OK && flush)
        rc = flush_all(e, x);
    if (rc == SS_OK)
        rc = install(x, r.libs, r.n, replace, true, err, sizeof err);
    if (rc == SS_OK)
        resp_add_shared(x->out, RESP_SH_OK);
    else
        unstage(e, r.libs, r.n);
    reply_status(x, rc, err);
    for (size_t i = 0; i < r.n; i++)
        free((char *)r.libs[i].code);
    staged_release(r.libs, r.n);
    free(r.libs);
}

static void apply_function(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    const char *op = a->argc >= 2 ? a->argv[1] : "";
    if (a->argc == 4 && !strcmp(op, "load"))
        apply_load(e, x, a);
    else if (a->argc == 3 && !strcmp(op, "delete"))
        apply_delete(e, x, a);
    else if (a->argc == 2 && !strcmp(op, "flush")) {
        int rc = flush_all(e, x);
        if (rc == SS_OK)
            resp_add_shared(x->out, RESP_SH_OK);
        reply_status(x, rc, NULL);
    } else if (a->argc == 4 && !strcmp(op, "restore"))
        apply_restore(e, x, a);
    else
        ss_reply_err(x->out, RERR_INTERNAL, "malformed function entry");
}

/* ------------------------------------------------------------ reads */

typedef struct list_ctx {
    ss_engine *e;
    ss_exec_ctx *x;
    const char *pattern;
    size_t plen;
    bool withcode;
    size_t count;
    ss_buf body;
} list_ctx;

static void list_function(void *ud, const ss_script_function_info *fi)
{
    list_ctx *l = ud;
    resp_proto proto = l->x->proto;
    resp_add_map_len(&l->body, proto, 3);
    resp_add_bulk(&l->body, "name", 4);
    resp_add_bulk(&l->body, fi->name, fi->name_len);
    resp_add_bulk(&l->body, "description", 11);
    if (fi->desc)
        resp_add_bulk(&l->body, fi->desc, fi->desc_len);
    else
        resp_add_null_bulk(&l->body, proto);
    resp_add_bulk(&l->body, "flags", 5);
    static const struct {
        uint32_t flag;
        const char *name;
    } names[] = {{SS_SCRIPT_FLAG_NO_WRITES, "no-writes"},
                 {SS_SCRIPT_FLAG_ALLOW_OOM, "allow-oom"},
                 {SS_SCRIPT_FLAG_ALLOW_STALE, "allow-stale"},
                 {SS_SCRIPT_FLAG_NO_CLUSTER, "no-cluster"},
                 {SS_SCRIPT_FLAG_ALLOW_CROSS_SLOT, "allow-cross-slot-keys"}};
    size_t n = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        n += (fi->flags & names[i].flag) != 0;
    resp_add_set_len(&l->body, proto, n);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (fi->flags & names[i].flag)
            resp_add_simple(&l->body, names[i].name);
}

static void count_function(void *ud, const ss_script_function_info *fi)
{
    (void)fi;
    (*(size_t *)ud)++;
}

/* One library of the list (the walk over the records is done first: loading
 * a library reads the store, which must not happen inside ss_aux_each). */
static int list_library(list_ctx *l, const char *name, size_t name_len)
{
    if (l->pattern && !ss_stringmatch(l->pattern, l->plen, name, name_len, true))
        return SS_OK;
    ss_script_limits limits = ss_script_config_limits(l->e);
    int rc = ensure_library(l->e->lua_read, l->x->txn, name, name_len, &limits);
    if (rc != SS_OK)
        return rc;
    resp_proto proto = l->x->proto;
    l->count++;
    resp_add_map_len(&l->body, proto, l->withcode ? 4 : 3);
    resp_add_bulk(&l->body, "library_name", 12);
    resp_add_bulk(&l->body, name, name_len);
    resp_add_bulk(&l->body, "engine", 6);
    resp_add_bulk(&l->body, "LUA", 3);
    resp_add_bulk(&l->body, "functions", 9);
    size_t count = 0;
    ss_script_library_functions(l->e->lua_read, name, name_len, count_function, &count);
    resp_add_array_len(&l->body, count);
    ss_script_library_functions(l->e->lua_read, name, name_len, list_function, l);
    if (l->withcode) {
        ss_slice code;
        rc = ss_aux_get(l->x->txn, SS_AUX_LIBRARY, name, name_len, &code);
        if (rc != SS_OK)
            return rc;
        resp_add_bulk(&l->body, "library_code", 12);
        resp_add_bulk(&l->body, code.data, code.len);
    }
    return SS_OK;
}

/* FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE] */
static void function_list(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    list_ctx l = {.e = e, .x = x};
    for (int i = 2; i < a->argc; i++) {
        if (!l.withcode && !strcasecmp(a->argv[i], "withcode")) {
            l.withcode = true;
            continue;
        }
        if (!l.pattern && !strcasecmp(a->argv[i], "libraryname")) {
            if (i >= a->argc - 1) {
                resp_add_error(x->out, "ERR library name argument was not given");
                return;
            }
            i++;
            l.pattern = a->argv[i];
            l.plen = a->argvlen[i];
            continue;
        }
        ss_buf_appendf(x->out, "-ERR Unknown argument %.*s\r\n", (int)(a->argvlen[i] > 128 ? 128 : a->argvlen[i]),
                       a->argv[i]);
        return;
    }
    ss_buf_init(&l.body, 0);
    name_list names = {0};
    int rc = ss_aux_each(x->txn, SS_AUX_LIBRARY, collect_name, &names);
    for (size_t i = 0; rc == SS_OK && i < names.n; i++)
        rc = list_library(&l, names.names[i], names.lens[i]);
    name_list_release(&names);
    if (rc != SS_OK) {
        if (rc != SS_EINVAL)
            x->status = rc;
        ss_reply_err(x->out, RERR_INTERNAL, ss_strerror(rc));
    } else {
        resp_add_array_len(x->out, l.count);
        ss_buf_append(x->out, ss_buf_data(&l.body), ss_buf_len(&l.body));
    }
    ss_buf_release(&l.body);
}

static int dump_library(void *ud, ss_slice name, ss_slice code)
{
    (void)name;
    ss_function_dump_add(ud, code.data, code.len);
    return 0;
}

static void function_read(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    const char *sub = a->argv[1];
    if (!strcasecmp(sub, "list")) {
        function_list(e, x, a);
    } else if (!strcasecmp(sub, "dump")) {
        ss_buf payload;
        ss_buf_init(&payload, 0);
        int rc = ss_aux_each(x->txn, SS_AUX_LIBRARY, dump_library, &payload);
        ss_function_dump_finish(&payload);
        if (rc != SS_OK) {
            x->status = rc;
            ss_reply_err(x->out, RERR_INTERNAL, ss_strerror(rc));
        } else {
            resp_add_bulk(x->out, ss_buf_data(&payload), ss_buf_len(&payload));
        }
        ss_buf_release(&payload);
    } else { /* stats */
        /* functions counted per library: Redis keeps "f" and "F" of one
         * library apart, while FCALL finds the first of them */
        name_list names = {0};
        size_t fns = 0;
        int rc = ss_aux_each(x->txn, SS_AUX_LIBRARY, collect_name, &names);
        ss_script_limits limits = ss_script_config_limits(e);
        for (size_t i = 0; rc == SS_OK && i < names.n; i++) {
            rc = ensure_library(e->lua_read, x->txn, names.names[i], names.lens[i], &limits);
            if (rc == SS_OK)
                ss_script_library_functions(e->lua_read, names.names[i], names.lens[i], count_function, &fns);
        }
        long long libs = (long long)names.n;
        name_list_release(&names);
        if (rc != SS_OK) {
            x->status = rc;
            ss_reply_err(x->out, RERR_INTERNAL, ss_strerror(rc));
            return;
        }
        resp_proto proto = x->proto;
        resp_add_map_len(x->out, proto, 2);
        resp_add_bulk(x->out, "running_script", 14);
        resp_add_null_bulk(x->out, proto);
        resp_add_bulk(x->out, "engines", 7);
        resp_add_map_len(x->out, proto, 1);
        resp_add_bulk(x->out, "LUA", 3);
        resp_add_map_len(x->out, proto, 2);
        resp_add_bulk(x->out, "libraries_count", 15);
        resp_add_int(x->out, libs);
        resp_add_bulk(x->out, "functions_count", 15);
        resp_add_int(x->out, (long long)fns);
    }
}

/* ------------------------------------------------------------ FCALL */

/* __fcall / __fcall_ro */
static void run_fcall(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    ss_script_entry ent;
    if (!ss_script_entry_parse(a, &ent) || ent.naming != SS_SCRIPT_BY_FUNCTION) {
        ss_reply_err(x->out, RERR_INTERNAL, "malformed script entry");
        return;
    }
    ss_slice lib;
    int rc = function_library(x->txn, ent.script, ent.script_len, &lib);
    if (rc == SS_ENOTFOUND) {
        resp_add_error(x->out, "ERR Function not found");
        return;
    }
    /* lib points into the store's buffer: keep a copy across the loads */
    char libname[256];
    size_t lib_len = lib.len < sizeof libname ? lib.len : sizeof libname;
    if (rc == SS_OK)
        memcpy(libname, lib.data, lib_len);
    ss_script_env *env = x->is_apply ? e->lua_apply : e->lua_read;
    ss_script_limits limits = x->is_apply ? ent.limits : ss_script_config_limits(e);
    if (rc == SS_OK)
        rc = ensure_library(env, x->txn, libname, lib_len, &limits);
    uint32_t flags = 0;
    if (rc == SS_OK)
        rc = ss_script_function_flags(env, libname, lib_len, ent.script, ent.script_len, &flags);
    if (rc != SS_OK) {
        if (rc != SS_EINVAL && rc != SS_ENOTFOUND)
            x->status = rc;
        ss_reply_err(x->out, RERR_INTERNAL, ss_strerror(rc));
        return;
    }
    bool ro_call = (ent.callflags & SS_SCRIPT_CALL_RO) != 0;
    if (ro_call && !(flags & SS_SCRIPT_FLAG_NO_WRITES)) {
        resp_add_error(x->out, "ERR Can not execute a script with write flag using *_ro command.");
        return;
    }
    ss_script_run run = {.e = e, .x = x, .db = x->db, .limits = limits, .user = ent.user, .user_len = ent.user_len,
                         .lib = libname, .lib_len = lib_len, .fname = ent.script, .fname_len = ent.script_len};
    ss_script_call call = {
        .nkeys = ent.nkeys, .keys = ent.keys, .keylens = ent.keylens,
        .nargs = ent.nargs, .args = ent.args, .arglens = ent.arglens,
        .proto = x->is_apply ? ent.proto : x->proto,
        .allow_writes = x->is_apply && !ro_call && !(flags & SS_SCRIPT_FLAG_NO_WRITES),
    };
    ss_script_result res;
    ss_script_run_code(&run, &call, &res);
}

void ss_function_service(ss_engine *e, ss_exec_ctx *x, const ss_args *a)
{
    const char *name = a->argv[0];
    if (!strcasecmp(name, "__fcall") || !strcasecmp(name, "__fcall_ro"))
        run_fcall(e, x, a);
    else if (!strcasecmp(name, "__function"))
        apply_function(e, x, a);
    else if (!strcasecmp(name, "function") && a->argc >= 2)
        function_read(e, x, a);
    else
        ss_reply_err(x->out, RERR_INTERNAL, "malformed function entry");
}

/* ------------------------------------------------------------ from clients */

/* The flags of a function as this node knows it; false if it does not. */
static bool local_function_flags(ss_engine *e, const char *fname, size_t len, uint32_t *flags)
{
    ss_txn *txn = ss_txn_begin(e->store);
    ss_slice lib;
    bool found = false;
    if (function_library(txn, fname, len, &lib) == SS_OK) {
        char libname[256];
        size_t lib_len = lib.len < sizeof libname ? lib.len : sizeof libname;
        memcpy(libname, lib.data, lib_len);
        ss_script_limits limits = ss_script_config_limits(e);
        found = ensure_library(e->lua_read, txn, libname, lib_len, &limits) == SS_OK &&
                ss_script_function_flags(e->lua_read, libname, lib_len, fname, len, flags) == SS_OK;
    }
    ss_txn_abort(txn);
    return found;
}

ss_dispatch_result ss_fcall_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                    ss_buf *out)
{
    uint32_t flags = 0;
    bool known = local_function_flags(e, a->argv[1], a->argvlen[1], &flags);
    long long numkeys;
    /* Redis looks the function up first; an unknown one with a bad numkeys
     * answers here (a known one goes on to apply, which decides). */
    if (!ss_parse_ll(a->argv[2], a->argvlen[2], &numkeys)) {
        resp_add_error(out, known ? "ERR Bad number of keys provided" : "ERR Function not found");
        return SS_DISPATCH_DONE;
    }
    if (numkeys > a->argc - 3 || numkeys < 0) {
        resp_add_error(out, !known ? "ERR Function not found"
                            : numkeys < 0 ? "ERR Number of keys can't be negative"
                                          : "ERR Number of keys can't be greater than number of args");
        return SS_DISPATCH_DONE;
    }
    bool ro = (cmd->flags & CMD_READONLY) != 0;
    bool write = !ro && !(known && (flags & SS_SCRIPT_FLAG_NO_WRITES));
    ss_script_entry_args ea;
    ss_script_entry_build(&ea, write ? "__fcall" : "__fcall_ro", SS_SCRIPT_BY_FUNCTION, ro ? SS_SCRIPT_CALL_RO : 0,
                          s->proto, ss_script_config_limits(e), a, 1, numkeys);
    ss_script_entry_set_user(&ea, s->user, s->user_len);
    ss_dispatch_result r = ss_script_route(e, s, &ea.args, write, out);
    ss_script_entry_release(&ea);
    return r;
}

static ss_dispatch_result route_internal(ss_engine *e, ss_session *s, int argc, const char **argv,
                                         const size_t *argvlen, ss_buf *out)
{
    ss_args internal = {argc, (char **)argv, (size_t *)argvlen};
    return ss_script_route(e, s, &internal, true, out);
}

ss_dispatch_result ss_function_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                       ss_buf *out)
{
    const char *sub = cmd->name + strlen("function|");
    if (!strcmp(sub, "load")) {
        bool replace = false;
        int pos = 2;
        while (pos < a->argc - 1) {
            if (!strcasecmp(a->argv[pos], "replace")) {
                replace = true;
                pos++;
                continue;
            }
            ss_buf_appendf(out, "-ERR Unknown option given: %.*s\r\n",
                           (int)(a->argvlen[pos] > 128 ? 128 : a->argvlen[pos]), a->argv[pos]);
            return SS_DISPATCH_DONE;
        }
        if (pos >= a->argc) {
            resp_add_error(out, "ERR Function code is missing");
            return SS_DISPATCH_DONE;
        }
        const char *argv[4] = {"__function", "load", replace ? "1" : "0", a->argv[pos]};
        size_t argvlen[4] = {10, 4, 1, a->argvlen[pos]};
        return route_internal(e, s, 4, argv, argvlen, out);
    }
    if (!strcmp(sub, "delete")) {
        const char *argv[3] = {"__function", "delete", a->argv[2]};
        size_t argvlen[3] = {10, 6, a->argvlen[2]};
        return route_internal(e, s, 3, argv, argvlen, out);
    }
    if (!strcmp(sub, "flush")) {
        if (a->argc > 3) {
            ss_buf_appendf(out, "-ERR unknown subcommand or wrong number of arguments for '%s'. Try FUNCTION HELP.\r\n",
                           a->argv[1]);
            return SS_DISPATCH_DONE;
        }
        if (a->argc == 3 && strcasecmp(a->argv[2], "sync") && strcasecmp(a->argv[2], "async")) {
            resp_add_error(out, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
            return SS_DISPATCH_DONE;
        }
        const char *argv[2] = {"__function", "flush"};
        size_t argvlen[2] = {10, 5};
        return route_internal(e, s, 2, argv, argvlen, out);
    }
    if (!strcmp(sub, "restore")) {
        if (a->argc > 4) {
            ss_buf_appendf(out, "-ERR unknown subcommand or wrong number of arguments for '%s'. Try FUNCTION HELP.\r\n",
                           a->argv[1]);
            return SS_DISPATCH_DONE;
        }
        const char *policy = "append";
        if (a->argc == 4) {
            if (!strcasecmp(a->argv[3], "append"))
                policy = "append";
            else if (!strcasecmp(a->argv[3], "replace"))
                policy = "replace";
            else if (!strcasecmp(a->argv[3], "flush"))
                policy = "flush";
            else {
                resp_add_error(out, "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
                return SS_DISPATCH_DONE;
            }
        }
        const char *argv[4] = {"__function", "restore", policy, a->argv[2]};
        size_t argvlen[4] = {10, 7, strlen(policy), a->argvlen[2]};
        return route_internal(e, s, 4, argv, argvlen, out);
    }
    if (!strcmp(sub, "list") || !strcmp(sub, "dump") || !strcmp(sub, "stats"))
        return ss_script_route(e, s, a, false, out);
    if (!strcmp(sub, "kill")) {
        ss_busy_kill(e, false, out);
        return SS_DISPATCH_DONE;
    }
    ss_script_reply_help(out, function_help);
    return SS_DISPATCH_DONE;
}

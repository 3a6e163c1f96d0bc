/* A test bench for command semantics: runs commands against a real store, in process. */
#include "cmdtest.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "common/config.h"
#include "store/txn.h"
#include "common/strutil.h"

int64_t ct_now = 1700000000000LL;
uint64_t ct_seed = 42;

static char dir[64];
static ss_config cfg;
static ss_store *store;
static ss_engine *engine;
static uv_loop_t loop;
static ss_buf reply;
static char *reply_str;
static ss_session session;
static resp_proto run_proto = RESP2;
static char events_text[4096];
static bool run_writes; /* the run holds a write: ct_key_events records it */

/* The events listener: appends each event to events_text. */
static void all_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void all_append(const char *fmt, ...)
{
    size_t used = strlen(events_text);
    if (used && used < sizeof events_text - 1)
        events_text[used++] = ' ';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(events_text + used, sizeof events_text - used, fmt, ap);
    va_end(ap);
}

static const char *all_class(int type)
{
    static const struct { int bit; const char *name; } names[] = {
        {SS_NOTIFY_GENERIC, "generic"}, {SS_NOTIFY_STRING, "string"}, {SS_NOTIFY_LIST, "list"},
        {SS_NOTIFY_SET, "set"}, {SS_NOTIFY_HASH, "hash"}, {SS_NOTIFY_ZSET, "zset"},
        {SS_NOTIFY_EXPIRED, "expired"}, {SS_NOTIFY_STREAM, "stream"}, {SS_NOTIFY_NEW, "new"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (type == names[i].bit)
            return names[i].name;
    return "other";
}

static void all_modified(int db, const char *key, size_t klen)
{
    (void)db;
    all_append("modified:%.*s", (int)klen, key);
}

static void all_notify(int db, int type, const char *event, const char *key, size_t klen)
{
    (void)db;
    all_append("%s:%s:%.*s", all_class(type), event, (int)klen, key);
}

static void all_ready(int db, const char *key, size_t klen)
{
    (void)db;
    all_append("ready:%.*s", (int)klen, key);
}

static void all_flushed(int db)
{
    all_append("flushed:%d", db);
}

void ct_resp3(bool on) { run_proto = on ? RESP3 : RESP2; }
const char *ct_key_events(void) { return events_text; }

/* ------------------------------------------------- recorded key events */

static ss_buf ev_notify, ev_modified, ev_ready;
static char *ev_str[3];

static void add_word(ss_buf *b, const char *word, const char *key, size_t klen, int db)
{
    if (ss_buf_len(b))
        ss_buf_append(b, " ", 1);
    if (word)
        ss_buf_appendf(b, "%s:", word);
    ss_buf_append(b, key, klen);
    if (db)
        ss_buf_appendf(b, "@%d", db);
}

static void rec_modified(void *c, int db, const char *key, size_t klen)
{
    (void)c;
    add_word(&ev_modified, NULL, key, klen, db);
    if (run_writes)
        all_modified(db, key, klen);
}

static void rec_notify(void *c, int db, int type, const char *event, const char *key, size_t klen)
{
    (void)c;
    add_word(&ev_notify, event, key, klen, db);
    if (run_writes)
        all_notify(db, type, event, key, klen);
}

static void rec_ready(void *c, int db, const char *key, size_t klen)
{
    (void)c;
    add_word(&ev_ready, NULL, key, klen, db);
    if (run_writes)
        all_ready(db, key, klen);
}

static void rec_flushed(void *c, int db)
{
    (void)c;
    if (run_writes)
        all_flushed(db);
    if (ss_buf_len(&ev_modified))
        ss_buf_append(&ev_modified, " ", 1);
    if (db < 0)
        ss_buf_appendf(&ev_modified, "*all");
    else
        ss_buf_appendf(&ev_modified, "*%d", db);
}

static const ss_exec_events recorder = {.modified = rec_modified, .notify = rec_notify, .ready = rec_ready,
                                        .flushed = rec_flushed};

static const char *ev_get(int i, ss_buf *b)
{
    free(ev_str[i]);
    ev_str[i] = strndup(ss_buf_len(b) ? ss_buf_data(b) : "", ss_buf_len(b));
    return ev_str[i];
}

const char *ct_events(void) { return ev_get(0, &ev_notify); }
const char *ct_modified(void) { return ev_get(1, &ev_modified); }
const char *ct_ready(void) { return ev_get(2, &ev_ready); }

static void *no_async(void *ctx, ss_session *s) { return NULL; }
static void no_complete(void *ctx, ss_session *s, void *cookie, const char *r, size_t len) {}
static void no_info(void *ctx, ss_buf *out) {}

void ct_setup(void) { ct_setup_with(NULL); }

void ct_setup_with(const ss_store_options *opts)
{
    snprintf(dir, sizeof dir, "/tmp/ss-cmdtest-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    ss_config_init(&cfg);
    ss_errmsg err = "";
    cr_assert_eq(ss_store_open(dir, opts, &store, err), SS_OK, "%s", err);
    uv_loop_init(&loop);
    ss_engine_hooks hooks = {.begin_async = no_async, .complete = no_complete, .client_list = no_info,
                             .info_clients = no_info, .info_server = no_info};
    cr_assert_eq(ss_engine_new(&loop, &cfg, store, &engine, err), SS_OK, "%s", err);
    ss_engine_set_hooks(engine, &hooks);
    ss_engine_session_init(engine, &session, 1);
    ss_buf_init(&reply, 0);
    ss_buf_init(&ev_notify, 0);
    ss_buf_init(&ev_modified, 0);
    ss_buf_init(&ev_ready, 0);
    ct_now = 1700000000000LL;
    ct_seed = 42;
    run_proto = RESP2;
}

void ct_teardown(void)
{
    ss_engine_session_release(engine, &session);
    ss_engine_free(engine);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    ss_store_close(store);
    ss_config_release(&cfg);
    ss_buf_release(&reply);
    ss_buf_release(&ev_notify);
    ss_buf_release(&ev_modified);
    ss_buf_release(&ev_ready);
    for (int i = 0; i < 3; i++) {
        free(ev_str[i]);
        ev_str[i] = NULL;
    }
    free(reply_str);
    reply_str = NULL;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static const char *finish_reply(void)
{
    free(reply_str);
    reply_str = malloc(ss_buf_len(&reply) + 1);
    if (ss_buf_len(&reply) > 0)
        memcpy(reply_str, ss_buf_data(&reply), ss_buf_len(&reply));
    reply_str[ss_buf_len(&reply)] = '\0';
    return reply_str;
}

size_t ct_reply_len(void) { return ss_buf_len(&reply); }
ss_engine *ct_engine(void) { return engine; }
uint64_t ct_applied_index(void) { return ss_store_applied_index(store); }

static void run_cmds(ss_args *cmds, uint32_t n, bool multi)
{
    bool write = false;
    for (uint32_t i = 0; i < n; i++) {
        const ss_command *c = ss_command_find(&cmds[i], NULL);
        if (c && ss_command_writes(c, &cmds[i]))
            write = true;
    }
    ss_buf_reset(&reply);
    ss_buf_reset(&ev_notify);
    ss_buf_reset(&ev_modified);
    ss_buf_reset(&ev_ready);
    events_text[0] = '\0';
    run_writes = write;
    ss_exec_ctx ctx = {
        .node = &engine->node,
        .events = &recorder,
        .txn = ss_txn_begin(store),
        .db = 0,
        .now_ms = ct_now,
        .index = ss_store_applied_index(store) + 1,
        .rng = ct_seed,
        .proto = run_proto,
        .out = &reply,
        .is_apply = write,
        .deny_blocking = multi, /* as apply and reads do for MULTI */
    };
    if (multi)
        resp_add_array_len(&reply, n);
    for (uint32_t i = 0; i < n; i++) {
        const ss_command *c = ss_command_find(&cmds[i], NULL);
        if (c && !ss_command_arity_ok(c, cmds[i].argc))
            ss_reply_err(&reply, RERR_ARITY, c->name);
        else if (c && c->prepare && !multi && !c->prepare(NULL, &cmds[i], &reply))
            continue;
        else
            ss_exec_one(&ctx, &cmds[i]);
    }
    cr_assert_eq(ctx.status, SS_OK, "a storage error: %s", ss_strerror(ctx.status));
    if (write) {
        ss_errmsg err = "";
        cr_assert_eq(ss_txn_commit(ctx.txn, ctx.index, err), SS_OK, "%s", err);
    } else {
        ss_txn_abort(ctx.txn);
    }
}

const char *ct_runv(int argc, const char **argv, const size_t *argvlen)
{
    ss_args a = {argc, (char **)argv, (size_t *)argvlen};
    run_cmds(&a, 1, false);
    return finish_reply();
}

/* The arguments of a test line, with their lengths: "\x00" in quotes is a
 * byte like any other. */
typedef struct split_acc {
    char **argv;
    size_t *lens;
    int argc;
} split_acc;

static int split_emit(void *arg, const char *tok, size_t toklen, size_t rest)
{
    split_acc *acc = arg;
    (void)rest;
    acc->argv = realloc(acc->argv, sizeof *acc->argv * (size_t)(acc->argc + 2));
    acc->lens = realloc(acc->lens, sizeof *acc->lens * (size_t)(acc->argc + 1));
    cr_assert(acc->argv && acc->lens);
    char *copy = malloc(toklen + 1);
    cr_assert_not_null(copy);
    memcpy(copy, tok, toklen + 1);
    acc->argv[acc->argc] = copy;
    acc->lens[acc->argc++] = toklen;
    acc->argv[acc->argc] = NULL;
    return 0;
}

/* Splits a test line like redis-cli into a (free with free_line). */
static void split_line(const char *line, ss_args *a)
{
    split_acc acc = {NULL, NULL, 0};
    int rc = ss_split_line(line, strlen(line), split_emit, &acc);
    cr_assert_eq(rc, 0, "bad test line: %s", line);
    cr_assert_gt(acc.argc, 0);
    *a = (ss_args){acc.argc, acc.argv, acc.lens};
}

static void free_line(ss_args *a)
{
    free(a->argvlen);
    ss_split_free(a->argv, a->argc);
}

const char *ct_run(const char *line)
{
    ss_args a;
    split_line(line, &a);
    run_cmds(&a, 1, false);
    free_line(&a);
    return finish_reply();
}

const char *ct_exec(const char *first, ...)
{
    ss_args cmds[64];
    uint32_t n = 0;
    va_list ap;
    va_start(ap, first);
    for (const char *line = first; line && n < 64; line = va_arg(ap, const char *))
        split_line(line, &cmds[n++]);
    va_end(ap);
    run_cmds(cmds, n, true);
    for (uint32_t i = 0; i < n; i++)
        free_line(&cmds[i]);
    return finish_reply();
}

const char *ct_dispatch(const char *line)
{
    ss_args a;
    split_line(line, &a);
    ss_buf_reset(&reply);
    cr_assert_eq(ss_engine_dispatch(engine, &session, &a, &reply), SS_DISPATCH_DONE,
                 "%s: only commands answered at once can be dispatched here", line);
    free_line(&a);
    return finish_reply();
}

void ct_keyspace_stats(uint64_t *hits, uint64_t *misses)
{
    *hits = engine->node.stats.keyspace_hits;
    *misses = engine->node.stats.keyspace_misses;
}

void ct_dispatch_resp3(bool on)
{
    session.proto = on ? RESP3 : RESP2;
}

void ct_require_password(const char *pass)
{
    char *v = (char *)pass;
    cr_assert_eq(ss_config_set(&cfg, "requirepass", 1, &v, NULL), SS_OK);
    ss_engine_session_release(engine, &session);
    ss_engine_session_init(engine, &session, 1);
}

const ss_session *ct_session(void) { return &session; }

void ct_apply_batch(const void *const *entries, const size_t *lens, size_t n)
{
    ss_state_machine sm = ss_engine_state_machine(engine);
    ss_applied_entry batch[64];
    cr_assert_leq(n, 64);
    for (size_t i = 0; i < n; i++)
        batch[i] = (ss_applied_entry){ss_store_applied_index(store) + 1 + i, 1, SS_ENTRY_COMMAND, entries[i],
                                      lens[i]};
    cr_assert_eq(sm.apply_batch(sm.ctx, batch, n), SS_OK, "the apply stopped the node");
}

const char *ct_apply(const void *entry, size_t len)
{
    ss_state_machine sm = ss_engine_state_machine(engine);
    ss_applied_entry ae = {
        .index = ss_store_applied_index(store) + 1,
        .term = 1,
        .type = SS_ENTRY_COMMAND,
        .data = entry,
        .len = len,
    };
    cr_assert_eq(sm.apply_batch(sm.ctx, &ae, 1), SS_OK, "the apply stopped the node");
    ss_buf_reset(&reply);
    if (ss_buf_len(&engine->scratch) > 0)
        ss_buf_append(&reply, ss_buf_data(&engine->scratch), ss_buf_len(&engine->scratch));
    return finish_reply();
}

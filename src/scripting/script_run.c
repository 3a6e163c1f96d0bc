/* Running one script: compile (cached by sha), KEYS/ARGV, the protected call, its reply. */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/sha1.h"
#include "scripting/script_internal.h"

/* ------------------------------------------------------------- shebang */

static const struct {
    const char *name;
    uint32_t flag;
} shebang_flags[] = {
    {"no-writes", SS_SCRIPT_FLAG_NO_WRITES},
    {"allow-oom", SS_SCRIPT_FLAG_ALLOW_OOM},
    {"allow-stale", SS_SCRIPT_FLAG_ALLOW_STALE},
    {"no-cluster", SS_SCRIPT_FLAG_NO_CLUSTER},
    {"allow-cross-slot-keys", SS_SCRIPT_FLAG_ALLOW_CROSS_SLOT},
};

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* One flag of "flags=a,b,c"; returns false with the error written. */
static bool parse_flag(const char *f, size_t n, uint32_t *flags, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof(shebang_flags) / sizeof(shebang_flags[0]); i++) {
        if (strlen(shebang_flags[i].name) == n && memcmp(shebang_flags[i].name, f, n) == 0) {
            *flags |= shebang_flags[i].flag;
            return true;
        }
    }
    snprintf(err, errlen, "ERR Unexpected flag in script shebang: %.*s", (int)n, f);
    return false;
}

int ss_script_shebang(const char *body, size_t len, uint32_t *flags, size_t *skip, char *err,
                      size_t errlen)
{
    *flags = 0;
    *skip = 0;
    if (len < 2 || body[0] != '#' || body[1] != '!')
        return SS_OK;
    const char *nl = memchr(body, '\n', len);
    if (!nl) {
        snprintf(err, errlen, "ERR Invalid script shebang");
        return SS_EINVAL;
    }
    *flags = SS_SCRIPT_FLAG_SHEBANG;
    const char *p = body, *end = nl;
    int part = 0;
    while (p < end) {
        while (p < end && is_space(*p))
            p++;
        if (p == end)
            break;
        const char *w = p;
        while (p < end && !is_space(*p))
            p++;
        size_t wl = (size_t)(p - w);
        if (part++ == 0) {
            if (wl != 5 || memcmp(w, "#!lua", 5) != 0) {
                snprintf(err, errlen, "ERR Unexpected engine in script shebang: %.*s", (int)wl,
                         w);
                return SS_EINVAL;
            }
        } else if (wl >= 6 && memcmp(w, "flags=", 6) == 0) {
            const char *f = w + 6, *fend = p;
            while (f < fend) {
                const char *comma = memchr(f, ',', (size_t)(fend - f));
                const char *stop = comma ? comma : fend;
                if (!parse_flag(f, (size_t)(stop - f), flags, err, errlen))
                    return SS_EINVAL;
                f = comma ? comma + 1 : fend;
            }
        } else {
            snprintf(err, errlen, "ERR Unknown lua shebang option: %.*s", (int)wl, w);
            return SS_EINVAL;
        }
    }
    *skip = (size_t)(nl - body); /* the newline stays: line numbers match Redis's */
    return SS_OK;
}

/* ------------------------------------------------------------- compile */

static void push_registry(lua_State *L, const char *key)
{
    lua_pushlightuserdata(L, (void *)key);
    lua_rawget(L, LUA_REGISTRYINDEX);
}

/* Pushes the compiled function for sha, compiling body if needed. On failure
 * pushes nothing and writes the error reply text. */
static bool push_function(ss_script_env *env, const char *body, size_t len, const char *sha,
                          char *err, size_t errlen)
{
    lua_State *L = env->L;
    push_registry(L, &script_key_cache);
    lua_getfield(L, -1, sha);
    if (lua_isfunction(L, -1)) {
        lua_remove(L, -2);
        return true;
    }
    lua_pop(L, 1);

    uint32_t flags;
    size_t skip;
    if (ss_script_shebang(body, len, &flags, &skip, err, errlen) != SS_OK) {
        lua_pop(L, 1);
        return false;
    }
    if (luaL_loadbuffer(L, body + skip, len - skip, "@user_script") != 0) {
        const char *msg = lua_tostring(L, -1);
        snprintf(err, errlen, "%s%s", ss_script_strerror(SS_SCRIPT_ERR_COMPILE), msg ? msg : "?");
        lua_pop(L, 2);
        return false;
    }
    /* stack: cache, fn */
    if (env->ncached >= env->limits.max_cached) {
        /* Bounded: start a new cache rather than grow without end. */
        lua_remove(L, -2);
        lua_pushlightuserdata(L, (void *)&script_key_cache);
        lua_newtable(L);
        lua_rawset(L, LUA_REGISTRYINDEX);
        env->ncached = 0;
        push_registry(L, &script_key_cache);
        lua_insert(L, -2);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, sha);
    env->ncached++;
    lua_remove(L, -2);
    return true;
}

int ss_script_compile_check(ss_script_env *env, const char *body, size_t len, char sha[41],
                            char *err, size_t errlen)
{
    ss_sha1_hex(body, len, sha);
    if (!push_function(env, body, len, sha, err, errlen))
        return SS_EINVAL;
    lua_pop(env->L, 1);
    return SS_OK;
}

/* ------------------------------------------------------------- running */

static void set_array(lua_State *L, const char *name, int n, const char *const *v,
                      const size_t *lens)
{
    push_registry(L, &script_key_globals);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushlstring(L, v[i], lens[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, name); /* the real globals: rawset would do as well */
    lua_pop(L, 1);
}

/* KEYS and ARGV, under lua_cpcall: building them allocates. */
static int set_arrays(lua_State *L)
{
    const ss_script_call *call = lua_touserdata(L, 1);
    set_array(L, "KEYS", call->nkeys, call->keys, call->keylens);
    set_array(L, "ARGV", call->nargs, call->args, call->arglens);
    return 0;
}

typedef struct conv_args {
    ss_buf *out;
    resp_proto proto;
    int script_resp;
} conv_args;

/* Under lua_cpcall (a C function gets a fresh stack, so the value waits in
 * the registry): converting allocates, and an allocation failure outside a
 * protected call would be a Lua panic. */
static int conv_protected(lua_State *L)
{
    conv_args *a = lua_touserdata(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, "ss_script_result");
    script_lua_to_resp(L, a->out, a->proto, a->script_resp);
    return 0;
}

/* Error text from the handler's table on top: Redis's luaCallFunction. */
static void add_script_error(lua_State *L, ss_buf *out, const char *sha)
{
    const char *msg = NULL, *source = NULL;
    size_t msglen = 0;
    lua_Integer line = 0;
    bool have_line = false;
    if (lua_istable(L, -1)) {
        /* Raw reads: this runs outside any protected call, and the error
         * object is the script's own table, metatables and all. */
        lua_pushliteral(L, "err");
        lua_rawget(L, -2);
        if (lua_isstring(L, -1))
            msg = lua_tolstring(L, -1, &msglen);
        lua_pushliteral(L, "source");
        lua_rawget(L, -3);
        if (lua_isstring(L, -1))
            source = lua_tostring(L, -1);
        lua_pushliteral(L, "line");
        lua_rawget(L, -4);
        if (lua_isnumber(L, -1)) {
            line = lua_tointeger(L, -1);
            have_line = true;
        }
    } else if (lua_isstring(L, -1)) {
        msg = lua_tolstring(L, -1, &msglen);
    }
    ss_buf text;
    ss_buf_init(&text, 0);
    if (msg)
        ss_buf_append(&text, msg, msglen);
    else
        ss_buf_appendf(&text, "%s script: %s", ss_script_strerror(SS_SCRIPT_ERR_UNKNOWN), sha);
    if (msg && source && have_line)
        ss_buf_appendf(&text, " script: %s, on %s:%lld.", sha, source, (long long)line);
    /* Redis prints "-%s": a message without a code stays as it is. */
    ss_buf_append(out, "-", 1);
    for (size_t i = 0; i < ss_buf_len(&text); i++)
        if (text.data[i] == '\r' || text.data[i] == '\n')
            text.data[i] = ' ';
    ss_buf_append(out, ss_buf_data(&text), ss_buf_len(&text));
    ss_buf_append(out, "\r\n", 2);
    ss_buf_release(&text);
}

void script_run_begin(ss_script_env *env, const ss_script_call *call, const char *sha)
{
    env->call = call;
    env->sha = sha;
    env->resp = 2;
    env->calls = 0;
    env->instructions = 0;
    env->over_budget = false;
    env->over_memory = false;
    env->killed = false;
    env->killable = !call->allow_writes;
    atomic_store(&env->kill, false);
    script_random_seed(env, (int32_t)(uint32_t)call->seed);
    env->peak = 0;
    env->start_heap = env->heap;
    env->capping = true;
    lua_sethook(env->L, script_count_hook, LUA_MASKCOUNT, SS_SCRIPT_HOOK_STEP);
}

void script_run_end(ss_script_env *env)
{
    env->capping = false;
    lua_sethook(env->L, NULL, 0, 0);
    env->call = NULL;
    env->sha = NULL;
    script_sandbox_reset(env);
}

/* After the protected call (rc its result, the value or the error on top):
 * ends the run and appends the reply; name is the sha (EVAL) or the
 * function's name (FCALL), as Redis's error replies show it. */
void script_run_finish(ss_script_env *env, const ss_script_call *call, const char *name, int rc,
                       ss_buf *reply, ss_script_result *res)
{
    lua_State *L = env->L;
    const char *sha = name;
    res->instructions = env->instructions;
    res->peak_memory = env->peak;
    res->calls = env->calls;
    int script_resp = env->resp;
    bool over_budget = env->over_budget, over_memory = env->over_memory, killed = env->killed;
    script_run_end(env);

    if (over_budget || over_memory) {
        res->outcome = over_budget ? SS_SCRIPT_BUDGET : SS_SCRIPT_MEMORY;
        ss_buf_appendf(reply, "-%s script: %s\r\n",
                       ss_script_strerror(over_budget ? SS_SCRIPT_ERR_BUDGET : SS_SCRIPT_ERR_MEMORY),
                       sha);
    } else if (rc != 0) {
        res->outcome = killed ? SS_SCRIPT_KILLED : SS_SCRIPT_ERROR;
        add_script_error(L, reply, sha);
    } else {
        res->outcome = SS_SCRIPT_OK;
        ss_buf_reset(&env->result);
        env->result.max = env->limits.max_reply;
        conv_args a = {&env->result, call->proto, script_resp};
        lua_setfield(L, LUA_REGISTRYINDEX, "ss_script_result");
        int crc = lua_cpcall(L, conv_protected, &a);
        lua_pushnil(L);
        lua_setfield(L, LUA_REGISTRYINDEX, "ss_script_result");
        if (ss_buf_error(&env->result) == SS_ETOOBIG) {
            res->outcome = SS_SCRIPT_ERROR;
            ss_buf_appendf(reply, "-%s script: %s\r\n",
                           ss_script_strerror(SS_SCRIPT_ERR_REPLY_TOO_BIG), sha);
        } else if (crc != 0 || ss_buf_error(&env->result)) {
            /* Only a real out-of-memory gets here: the cap is off. */
            reply->err = reply->err ? reply->err : SS_ENOMEM;
        } else {
            ss_buf_append(reply, ss_buf_data(&env->result), ss_buf_len(&env->result));
        }
        if (ss_buf_len(&env->result) > (1u << 20)) { /* do not keep a big one around */
            ss_buf_release(&env->result);
            ss_buf_init(&env->result, 0);
        }
    }
}

int ss_script_eval(ss_script_env *env, const ss_script_call *call, ss_buf *reply,
                   ss_script_result *res)
{
    lua_State *L = env->L;
    char shabuf[SS_SHA1_HEX_LEN + 1];
    const char *sha = call->sha;
    if (!sha) {
        ss_sha1_hex(call->body, call->body_len, shabuf);
        sha = shabuf;
    }
    *res = (ss_script_result){.outcome = SS_SCRIPT_ERROR};
    lua_settop(L, 0);

    char err[512];
    script_run_begin(env, call, sha); /* compiling is under the memory cap too */
    lua_pushcfunction(L, script_error_handler);
    if (!push_function(env, call->body, call->body_len, sha, err, sizeof(err))) {
        script_run_end(env);
        lua_settop(L, 0);
        resp_add_error(reply, err);
        return ss_buf_error(reply);
    }
    int rc = lua_cpcall(L, set_arrays, (void *)call);
    if (rc == 0)
        rc = lua_pcall(L, 0, 1, 1);
    script_run_finish(env, call, sha, rc, reply, res);
    lua_settop(L, 0);
    /* KEYS and ARGV stay until the next script, as in Redis. */
    return ss_buf_error(reply);
}

/* The redis table scripts call (redis.call, redis.pcall, redis.log, ...), pcall, math.random. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/sha1.h"
#include "scripting/script_internal.h"

/* Redis's luaPushErrorBuff: "-CODE msg" keeps its code, "msg" gets ERR; line
 * ends are trimmed from both ends of the message. */
void script_push_error(lua_State *L, const char *text, size_t len)
{
    const char *code = "ERR";
    size_t codelen = 3;
    const char *msg = text;
    size_t msglen = len;
    if (len > 0 && text[0] == '-') {
        const char *sp = memchr(text, ' ', len);
        if (sp) {
            code = text + 1;
            codelen = (size_t)(sp - text) - 1;
            msg = sp + 1;
            msglen = len - (size_t)(sp + 1 - text);
        } else {
            msg = text + 1;
            msglen = len - 1;
        }
    }
    while (msglen && (msg[0] == '\r' || msg[0] == '\n'))
        msg++, msglen--;
    while (msglen && (msg[msglen - 1] == '\r' || msg[msglen - 1] == '\n'))
        msglen--;
    lua_newtable(L);
    lua_pushlstring(L, code, codelen);
    lua_pushliteral(L, " ");
    lua_pushlstring(L, msg, msglen);
    lua_concat(L, 3);
    lua_setfield(L, -2, "err");
}

static int raise_error(lua_State *L, const char *msg)
{
    script_push_error(L, msg, strlen(msg));
    return lua_error(L);
}

/* --------------------------------------------------------- redis.call */

static int args_to_argv(lua_State *L, ss_script_env *env, int argc)
{
    if (argc > env->argv_cap) {
        int cap = argc < 16 ? 16 : argc;
        const char **argv = realloc(env->argv, sizeof(*argv) * (size_t)cap);
        if (argv)
            env->argv = argv;
        size_t *lens = realloc(env->argvlen, sizeof(*lens) * (size_t)cap);
        if (lens)
            env->argvlen = lens;
        if (!argv || !lens)
            return -1;
        env->argv_cap = cap;
    }
    for (int j = 1; j <= argc; j++) {
        if (lua_type(L, j) == LUA_TNUMBER) {
            /* Not lua_tolstring: Lua's "%.14g" loses precision; Redis
             * formats numbers with "%.17g". The string replaces the number
             * on the stack, which keeps it alive for the call. */
            char dbuf[64];
            int n = snprintf(dbuf, sizeof(dbuf), "%.17g", lua_tonumber(L, j));
            lua_pushlstring(L, dbuf, (size_t)n);
            lua_replace(L, j);
        }
        env->argv[j - 1] = lua_tolstring(L, j, &env->argvlen[j - 1]);
        if (!env->argv[j - 1])
            return -2;
    }
    return 0;
}

static int redis_command(lua_State *L, bool raise)
{
    ss_script_env *env = script_env_of(L);
    if (!env->call || !env->call->call)
        return raise_error(L, "redis.call/pcall can only be called inside a script invocation");
    int argc = lua_gettop(L);
    const char *fail = NULL;
    if (argc == 0)
        fail = "Please specify at least one argument for this redis lib call";
    else {
        int rc = args_to_argv(L, env, argc);
        if (rc == -1)
            return luaL_error(L, "not enough memory");
        if (rc == -2)
            fail = "Lua redis lib command arguments must be strings or integers";
    }
    if (fail) {
        script_push_error(L, fail, strlen(fail));
        return raise ? lua_error(L) : 1;
    }

    env->calls++;
    ss_buf_reset(&env->cmdreply);
    int rc = env->call->call(env->call->call_ctx, argc, env->argv, env->argvlen,
                             env->resp == 3 ? RESP3 : RESP2, env->call->allow_writes,
                             &env->cmdreply);
    if (rc != 0 || ss_buf_error(&env->cmdreply))
        return luaL_error(L, "not enough memory");
    lua_settop(L, 0);
    int err = script_reply_to_lua(L, ss_buf_data(&env->cmdreply), ss_buf_len(&env->cmdreply));
    if (err < 0) { /* never from a correct engine; still not a crash */
        static const char bad[] = "the command's reply is not valid RESP";
        script_push_error(L, bad, sizeof(bad) - 1);
        return raise ? lua_error(L) : 1;
    }
    if (err == 1) {
        /* As Redis: the command already counted its error. */
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "ignore_error_stats_update");
        if (raise)
            return lua_error(L);
    }
    return 1;
}

static int redis_call(lua_State *L) { return redis_command(L, true); }
static int redis_pcall(lua_State *L) { return redis_command(L, false); }

/* Redis 7.0's pcall: an error table with an err string comes back as that
 * string, as errors were strings before Redis 7. */
static int script_pcall(lua_State *L)
{
    int argc = lua_gettop(L);
    if (argc == 0) { /* Redis ends up calling its own placeholder, true */
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "attempt to call a boolean value");
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
        lua_remove(L, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1))
                lua_replace(L, -2);
            else
                lua_pop(L, 1);
        }
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

/* ------------------------------------------------------------ the rest */

static int redis_sha1hex(lua_State *L)
{
    if (lua_gettop(L) != 1)
        return raise_error(L, "wrong number of arguments");
    size_t len = 0;
    const char *s = lua_tolstring(L, 1, &len);
    char hex[SS_SHA1_HEX_LEN + 1];
    ss_sha1_hex(s ? s : "", s ? len : 0, hex);
    lua_pushstring(L, hex);
    return 1;
}

static int redis_error_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        script_push_error(L, "wrong number or type of arguments", 33);
        return 1;
    }
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    if (len > 0 && s[0] == '-') {
        script_push_error(L, s, len);
    } else {
        lua_pushliteral(L, "-");
        lua_pushvalue(L, 1);
        lua_concat(L, 2);
        s = lua_tolstring(L, -1, &len);
        script_push_error(L, s, len);
    }
    return 1;
}

static int redis_status_reply(lua_State *L)
{
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        script_push_error(L, "wrong number or type of arguments", 33);
        return 1;
    }
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "ok");
    return 1;
}

/* Redis's levels (LL_DEBUG 0 .. LL_WARNING 3) onto ours. */
static const ss_log_level log_levels[] = {SS_LOG_DEBUG, SS_LOG_VERBOSE, SS_LOG_NOTICE,
                                          SS_LOG_WARNING};
#define SCRIPT_LOG_MAX 4096 /* bytes of one redis.log line that reach the log */

static int redis_log(lua_State *L)
{
    int argc = lua_gettop(L);
    if (argc < 2)
        return raise_error(L, "redis.log() requires two arguments or more.");
    if (!lua_isnumber(L, 1))
        return raise_error(L, "First argument must be a number (log level).");
    lua_Number level = lua_tonumber(L, 1);
    if (!(level > -1 && level < 4)) /* truncated, as Redis's int */
        return raise_error(L, "Invalid debug level.");
    ss_log_level ours = log_levels[(int)level];
    if (!ss_log_enabled(ours))
        return 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    bool first = true;
    for (int j = 2; j <= argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, j, &len);
        if (!s)
            continue;
        if (!first)
            luaL_addchar(&b, ' ');
        luaL_addlstring(&b, s, len);
        first = false;
    }
    luaL_pushresult(&b);
    size_t len;
    const char *line = lua_tolstring(L, -1, &len);
    ss_log(ours, "script: %.*s", (int)(len > SCRIPT_LOG_MAX ? SCRIPT_LOG_MAX : len), line);
    return 0;
}

static int redis_setresp(lua_State *L)
{
    if (lua_gettop(L) != 1)
        return raise_error(L, "redis.setresp() requires one argument.");
    lua_Number resp = lua_tonumber(L, 1); /* truncated, as Redis's int */
    if (!(resp >= 2 && resp < 4))
        return raise_error(L, "RESP version must be 2 or 3.");
    script_env_of(L)->resp = (int)resp;
    return 0;
}

/* Accepted for compatibility and without effect: Redis uses it to leave some
 * of a script's writes out of AOF or replication, but sandstore replicates the
 * whole script as one log entry and every node runs all of it, so there is no
 * per-command propagation to switch. The flags are still checked as Redis
 * checks them, so scripts see the same errors. */
static int redis_set_repl(lua_State *L)
{
    if (lua_gettop(L) != 1)
        return raise_error(L, "redis.set_repl() requires two arguments.");
    lua_Number flags = lua_tonumber(L, 1);
    if (!(flags > -2147483648.0 && flags < 2147483648.0) || ((int)flags & ~3) != 0)
        return raise_error(
            L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    return 0;
}

static int redis_replicate_commands(lua_State *L)
{
    lua_pushboolean(L, 1);
    return 1;
}

/* No debugger: redis.breakpoint() answers false as outside a debug session. */
static int redis_breakpoint(lua_State *L)
{
    lua_pushboolean(L, 0);
    return 1;
}

static int redis_debug(lua_State *L) { return 0; }

/* Whether the script's caller may run the command line, by its ACL user's rules. */
static int redis_acl_check_cmd(lua_State *L)
{
    ss_script_env *env = script_env_of(L);
    if (!env->call)
        return raise_error(L, "redis.acl_check_cmd can only be called inside a script invocation");
    int argc = lua_gettop(L);
    if (argc == 0)
        return raise_error(L, "Please specify at least one argument for this redis lib call");
    int rc = args_to_argv(L, env, argc);
    if (rc == -1)
        return luaL_error(L, "not enough memory");
    if (rc == -2)
        return raise_error(L, "Lua redis lib command arguments must be strings or integers");
    int allowed = env->call->acl_check ? env->call->acl_check(env->call->call_ctx, argc, env->argv, env->argvlen) : 1;
    if (allowed < 0)
        return raise_error(L, "Invalid command passed to redis.acl_check_cmd()");
    lua_pushboolean(L, allowed);
    return 1;
}

/* ----------------------------------------------------------- math.random */

/*
 * Redis's redisLrand48 (src/rand.c): the 48-bit linear congruential generator
 * of drand48, x' = (0x5DEECE66D x + 0xB) mod 2^48, 31 bits out. It is the same
 * on every platform, and seeded from the call before each script.
 */
void script_random_seed(ss_script_env *env, int32_t seed)
{
    env->rand_state = ((uint64_t)(uint32_t)seed << 16) | 0x330e;
}

static int32_t lrand48_next(ss_script_env *env)
{
    env->rand_state = (env->rand_state * 0x5deece66dULL + 0xb) & ((1ULL << 48) - 1);
    return (int32_t)(env->rand_state >> 17);
}

#define LRAND48_MAX INT32_MAX

static int math_random(lua_State *L)
{
    ss_script_env *env = script_env_of(L);
    lua_Number r = (lua_Number)(lrand48_next(env) % LRAND48_MAX) / (lua_Number)LRAND48_MAX;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int math_randomseed(lua_State *L)
{
    script_random_seed(script_env_of(L), (int32_t)luaL_checkint(L, 1));
    return 0;
}

/* ---------------------------------------------------------- registration */

static void set_number(lua_State *L, const char *name, lua_Number v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
}

void script_redis_register(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"call", redis_call},
        {"pcall", redis_pcall},
        {"log", redis_log},
        {"setresp", redis_setresp},
        {"sha1hex", redis_sha1hex},
        {"error_reply", redis_error_reply},
        {"status_reply", redis_status_reply},
        {"set_repl", redis_set_repl},
        {"replicate_commands", redis_replicate_commands},
        {"breakpoint", redis_breakpoint},
        {"debug", redis_debug},
        {"acl_check_cmd", redis_acl_check_cmd},
        {NULL, NULL},
    };
    lua_newtable(L);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    set_number(L, "LOG_DEBUG", 0);
    set_number(L, "LOG_VERBOSE", 1);
    set_number(L, "LOG_NOTICE", 2);
    set_number(L, "LOG_WARNING", 3);
    set_number(L, "REPL_NONE", 0);
    set_number(L, "REPL_AOF", 1);
    set_number(L, "REPL_SLAVE", 2);
    set_number(L, "REPL_REPLICA", 2);
    set_number(L, "REPL_ALL", 3);
    lua_pushstring(L, SS_SCRIPT_REDIS_VERSION);
    lua_setfield(L, -2, "REDIS_VERSION");
    set_number(L, "REDIS_VERSION_NUM", SS_SCRIPT_REDIS_VERSION_NUM);
    lua_setfield(L, LUA_GLOBALSINDEX, "redis");

    lua_pushcfunction(L, script_pcall);
    lua_setfield(L, LUA_GLOBALSINDEX, "pcall");

    lua_getfield(L, LUA_GLOBALSINDEX, "math");
    lua_pushcfunction(L, math_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, math_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
}

/* Function libraries: FUNCTION LOAD's metadata, redis.register_function, and FCALL's run (Redis 7.0's function engine "LUA"). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "common/sha1.h"
#include "scripting/script_internal.h"

/*
 * As in Redis's function_lua.c, every library's code runs with the same
 * globals table FG: an empty, read-only table whose metatable's __index is
 * switched. While a library loads, __index is the load API (a table with
 * `redis` = {register_function, log, LOG_*, REDIS_VERSION...} that raises
 * "Script attempted to access nonexistent global variable" for anything
 * else); between loads it is the globals scripts see, so the functions a
 * library registered (closures with FG as their environment) find string,
 * redis.call and the rest when FCALL runs them.
 *
 * The registry keeps libs[name] = {sha=, fns={[lowercase name]={name=, f=,
 * flags=, desc=}}, order={names in registration order}, lower={lowercase
 * name -> name}}.
 */

static const char key_fmeta;   /* FG's metatable */
static const char key_fglobals;
static const char key_loadapi;
static const char key_fruntime; /* FG's __index between loads */
static const char key_libs;
static const char key_loading; /* the library being loaded: {fns=, order=} */

#define NAME_ERR "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"

static void push_registry(lua_State *L, const char *key)
{
    lua_pushlightuserdata(L, (void *)key);
    lua_rawget(L, LUA_REGISTRYINDEX);
}

static void set_registry(lua_State *L, const char *key) /* pops the value */
{
    lua_pushlightuserdata(L, (void *)key);
    lua_insert(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

/* Pushes the lowercase copy of a function name (names are case-insensitive). */
static void push_lower(lua_State *L, const char *s, size_t n)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < n; i++)
        luaL_addchar(&b, (char)tolower((unsigned char)s[i]));
    luaL_pushresult(&b);
}

/* ---------------------------------------------------------------- metadata */

static bool meta_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

int ss_script_library_meta_parse(const char *payload, size_t len, ss_script_library_meta *md, char *err,
                                 size_t errlen)
{
    memset(md, 0, sizeof(*md));
    if (len < 2 || memcmp(payload, "#!", 2) != 0) {
        snprintf(err, errlen, "ERR Missing library metadata");
        return SS_EINVAL;
    }
    const char *nl = memchr(payload, '\n', len);
    if (!nl) {
        snprintf(err, errlen, "ERR Invalid library metadata");
        return SS_EINVAL;
    }
    const char *p = payload, *end = nl, *engine = NULL;
    size_t engine_len = 0;
    while (p < end) {
        while (p < end && meta_space(*p))
            p++;
        if (p == end)
            break;
        const char *w = p;
        while (p < end && !meta_space(*p))
            p++;
        size_t wl = (size_t)(p - w);
        if (!engine) {
            engine = w + 2;
            engine_len = wl - 2;
        } else if (wl >= 5 && strncasecmp(w, "name=", 5) == 0) {
            if (md->name) {
                snprintf(err, errlen, "ERR Invalid metadata value, name argument was given multiple times");
                return SS_EINVAL;
            }
            md->name = w + 5;
            md->name_len = wl - 5;
        } else {
            snprintf(err, errlen, "ERR Invalid metadata value given: %.*s", (int)wl, w);
            return SS_EINVAL;
        }
    }
    if (!md->name) {
        snprintf(err, errlen, "ERR Library name was not given");
        return SS_EINVAL;
    }
    if (!valid_name(md->name, md->name_len)) {
        snprintf(err, errlen, "ERR " NAME_ERR);
        return SS_EINVAL;
    }
    if (engine_len != 3 || strncasecmp(engine, "lua", 3) != 0) {
        snprintf(err, errlen, "ERR Engine '%.*s' not found", (int)(engine_len > 64 ? 64 : engine_len), engine);
        return SS_EINVAL;
    }
    md->code_off = (size_t)(nl - payload);
    return SS_OK;
}

/* ------------------------------------------------------ register_function */

static int register_error(lua_State *L, const char *msg)
{
    script_push_error(L, msg, strlen(msg));
    return lua_error(L);
}

static const struct {
    const char *name;
    uint32_t flag;
} function_flags[] = {
    {"no-writes", SS_SCRIPT_FLAG_NO_WRITES},
    {"allow-oom", SS_SCRIPT_FLAG_ALLOW_OOM},
    {"allow-stale", SS_SCRIPT_FLAG_ALLOW_STALE},
    {"no-cluster", SS_SCRIPT_FLAG_NO_CLUSTER},
    {"allow-cross-slot-keys", SS_SCRIPT_FLAG_ALLOW_CROSS_SLOT},
};
#define NFLAGS (sizeof(function_flags) / sizeof(function_flags[0]))

/* flags={...} at the top: Redis reads the array part up to its first nil. */
static bool read_flags(lua_State *L, uint32_t *flags)
{
    for (int j = 1; j <= 64; j++) { /* five flags; past that only repeats */
        lua_rawgeti(L, -1, j);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            return true;
        }
        bool found = false;
        if (lua_isstring(L, -1)) {
            const char *f = lua_tostring(L, -1);
            for (size_t i = 0; i < NFLAGS && !found; i++)
                if (!strcasecmp(f, function_flags[i].name)) {
                    *flags |= function_flags[i].flag;
                    found = true;
                }
        }
        lua_pop(L, 1);
        if (!found)
            return false;
    }
    return true;
}

/* redis.register_function(name, fn) or redis.register_function{function_name=,
 * callback=, flags=, description=}: Redis's argument checks and words. Leaves
 * name, fn, desc (or nil) and flags at stack slots 2..5 of a fresh frame. */
static int register_function(lua_State *L)
{
    push_registry(L, &key_loading);
    if (lua_isnil(L, -1))
        return register_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
    int loading = lua_gettop(L);
    int argc = loading - 1;
    if (argc < 1 || argc > 2)
        return register_error(L, "wrong number of arguments to redis.register_function");
    uint32_t flags = 0;
    int name = 0, fn = 0, desc = 0;
    if (argc == 2) {
        if (!lua_isstring(L, 1))
            return register_error(L, "first argument to redis.register_function must be a string");
        if (!lua_isfunction(L, 2))
            return register_error(L, "second argument to redis.register_function must be a function");
        name = 1;
        fn = 2;
    } else {
        if (!lua_istable(L, 1))
            return register_error(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
        lua_pushnil(L);
        while (lua_next(L, 1)) {
            if (lua_type(L, -2) != LUA_TSTRING && lua_type(L, -2) != LUA_TNUMBER)
                return register_error(L, "named argument key given to redis.register_function is not a string");
            lua_pushvalue(L, -2);
            const char *key = lua_tostring(L, -1); /* on a copy: lua_next needs the key as it is */
            lua_pop(L, 1);
            if (!strcasecmp(key, "function_name")) {
                if (!lua_isstring(L, -1))
                    return register_error(L, "function_name argument given to redis.register_function must be a string");
                lua_pushvalue(L, -1);
                lua_insert(L, -3); /* kept below the key */
                name = lua_gettop(L) - 2;
            } else if (!strcasecmp(key, "description")) {
                if (!lua_isstring(L, -1))
                    return register_error(L, "description argument given to redis.register_function must be a string");
                lua_pushvalue(L, -1);
                lua_insert(L, -3);
                desc = lua_gettop(L) - 2;
            } else if (!strcasecmp(key, "callback")) {
                if (!lua_isfunction(L, -1))
                    return register_error(L, "callback argument given to redis.register_function must be a function");
                lua_pushvalue(L, -1);
                lua_insert(L, -3);
                fn = lua_gettop(L) - 2;
            } else if (!strcasecmp(key, "flags")) {
                if (!lua_istable(L, -1))
                    return register_error(L, "flags argument to redis.register_function must be a table representing function flags");
                if (!read_flags(L, &flags))
                    return register_error(L, "unknown flag given");
            } else {
                return register_error(L, "unknown argument given to redis.register_function");
            }
            lua_pop(L, 1);
        }
        if (!name)
            return register_error(L, "redis.register_function must get a function name argument");
        if (!fn)
            return register_error(L, "redis.register_function must get a callback argument");
    }
    size_t nlen;
    const char *n = lua_tolstring(L, name, &nlen);
    if (!valid_name(n, nlen))
        return register_error(L, NAME_ERR);
    lua_getfield(L, loading, "fns");
    int fns = lua_gettop(L);
    lua_pushvalue(L, name);
    int lname = lua_gettop(L); /* the exact name: Redis's library dict is case-sensitive */
    lua_pushvalue(L, lname);
    lua_rawget(L, fns);
    if (!lua_isnil(L, -1))
        return register_error(L, "Function already exists in the library");
    lua_pop(L, 1);
    /* FCALL's lookup is case-insensitive: the first of a case-folded name wins */
    lua_getfield(L, loading, "lower");
    push_lower(L, n, nlen);
    lua_pushvalue(L, -1);
    lua_rawget(L, -3);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushvalue(L, lname);
        lua_rawset(L, -3);
    } else {
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    lua_createtable(L, 0, 4);
    lua_pushvalue(L, name);
    lua_setfield(L, -2, "name");
    lua_pushvalue(L, fn);
    lua_setfield(L, -2, "f");
    lua_pushnumber(L, flags);
    lua_setfield(L, -2, "flags");
    if (desc) {
        lua_pushvalue(L, desc);
        lua_setfield(L, -2, "desc");
    }
    lua_pushvalue(L, lname);
    lua_insert(L, -2);
    lua_rawset(L, fns);
    lua_getfield(L, loading, "order");
    lua_pushvalue(L, lname);
    lua_rawseti(L, -2, (int)lua_objlen(L, -2) + 1);
    return 0;
}

/* ------------------------------------------------------------------- setup */

/* FG's __index between loads: the scripts' globals, less KEYS and ARGV (EVAL
 * sets them; a function, in Redis a separate Lua state, never sees them). */
static int function_global(lua_State *L)
{
    const char *k = lua_tostring(L, 2);
    if (k && (!strcmp(k, "KEYS") || !strcmp(k, "ARGV")))
        return script_missing_global(L);
    lua_settop(L, 2);
    lua_gettable(L, lua_upvalueindex(1));
    return 1;
}

int script_function_setup(lua_State *L)
{
    /* The load API: redis = {register_function, log, constants}. */
    lua_newtable(L);
    lua_newtable(L);
    lua_pushcfunction(L, register_function);
    lua_setfield(L, -2, "register_function");
    lua_getfield(L, LUA_GLOBALSINDEX, "redis");
    static const char *const copied[] = {"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
                                         "REDIS_VERSION", "REDIS_VERSION_NUM", NULL};
    for (int i = 0; copied[i]; i++) {
        lua_getfield(L, -1, copied[i]);
        lua_setfield(L, -3, copied[i]);
    }
    lua_pop(L, 1);
    lua_newtable(L); /* redis.call and the rest: "nonexistent global variable", as Redis */
    lua_pushcfunction(L, script_missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    script_make_proxy(L, -1);
    lua_setfield(L, -2, "redis");
    lua_newtable(L);
    lua_pushcfunction(L, script_missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    set_registry(L, &key_loadapi);

    /* FG and its metatable, whose __index is the scripts' globals. */
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_pushcclosure(L, function_global, 1);
    set_registry(L, &key_fruntime);
    lua_newtable(L);
    lua_newtable(L);
    push_registry(L, &key_fruntime);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, script_readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushvalue(L, -1);
    set_registry(L, &key_fmeta);
    lua_setmetatable(L, -2);
    set_registry(L, &key_fglobals);

    lua_newtable(L);
    set_registry(L, &key_libs);
    lua_settop(L, 0);
    return 0;
}

/* ------------------------------------------------------------------ load */

/* FG's __index: the load API while loading, the globals otherwise. Existing
 * key, so rawset allocates nothing. */
static void set_load_mode(lua_State *L, bool loading)
{
    push_registry(L, &key_fmeta);
    lua_pushliteral(L, "__index");
    if (loading)
        push_registry(L, &key_loadapi);
    else
        push_registry(L, &key_fruntime);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static int load_prepare(lua_State *L)
{
    lua_createtable(L, 0, 2);
    lua_newtable(L);
    lua_setfield(L, -2, "fns");
    lua_newtable(L);
    lua_setfield(L, -2, "order");
    lua_newtable(L);
    lua_setfield(L, -2, "lower");
    set_registry(L, &key_loading);
    return 0;
}

typedef struct keep_args {
    const ss_script_library_meta *md;
    const char *sha;
} keep_args;

/* libs[name] = loading + {sha=}. */
static int load_keep(lua_State *L)
{
    keep_args *k = lua_touserdata(L, 1);
    push_registry(L, &key_libs);
    lua_pushlstring(L, k->md->name, k->md->name_len);
    push_registry(L, &key_loading);
    lua_pushstring(L, k->sha);
    lua_setfield(L, -2, "sha");
    lua_rawset(L, -3);
    return 0;
}

static void loading_clear(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&key_loading);
    lua_pushnil(L);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

/* The message of the error object on top (the handler's table or a string). */
static const char *error_text(lua_State *L)
{
    if (lua_istable(L, -1)) {
        lua_pushliteral(L, "err");
        lua_rawget(L, -2);
        const char *m = lua_isstring(L, -1) ? lua_tostring(L, -1) : NULL;
        lua_pop(L, 1); /* the table keeps the string alive */
        return m ? m : "ERR unknown error";
    }
    return lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
}

int ss_script_library_load(ss_script_env *env, const char *payload, size_t len, char *err, size_t errlen)
{
    ss_script_library_meta md;
    if (ss_script_library_meta_parse(payload, len, &md, err, errlen) != SS_OK)
        return SS_EINVAL;
    lua_State *L = env->L;
    char sha[SS_SHA1_HEX_LEN + 1];
    ss_sha1_hex(payload, len, sha);
    /* Not killable, as a write script: a load runs in apply on every node. */
    ss_script_call dummy = {.allow_writes = true};
    lua_settop(L, 0);
    script_run_begin(env, &dummy, "");
    lua_pushcfunction(L, script_error_handler);
    int rc = luaL_loadbuffer(L, payload + md.code_off, len - md.code_off, "@user_function");
    if (rc != 0) {
        script_run_end(env);
        snprintf(err, errlen, "ERR Error compiling function: %s",
                 lua_isstring(L, -1) ? lua_tostring(L, -1) : "out of memory");
        lua_settop(L, 0);
        return SS_EINVAL;
    }
    push_registry(L, &key_fglobals);
    lua_setfenv(L, -2);
    rc = lua_cpcall(L, load_prepare, NULL);
    if (rc == 0) {
        set_load_mode(L, true);
        rc = lua_pcall(L, 0, 0, 1);
        set_load_mode(L, false);
    }
    bool over_budget = env->over_budget, over_memory = env->over_memory;
    script_run_end(env);
    if (over_budget || over_memory) {
        snprintf(err, errlen, "ERR Error registering functions: %s",
                 ss_script_strerror(over_budget ? SS_SCRIPT_ERR_BUDGET : SS_SCRIPT_ERR_MEMORY));
    } else if (rc != 0) {
        snprintf(err, errlen, "ERR Error registering functions: %s", error_text(L));
    } else {
        push_registry(L, &key_loading);
        lua_getfield(L, -1, "order");
        bool none = lua_objlen(L, -1) == 0;
        lua_pop(L, 2);
        keep_args k = {&md, sha};
        if (none) {
            snprintf(err, errlen, "ERR No functions registered");
            rc = 1;
        } else if (lua_cpcall(L, load_keep, &k) != 0) {
            snprintf(err, errlen, "ERR Error registering functions: out of memory");
            rc = 1;
        }
    }
    if (rc != 0 || over_budget || over_memory) {
        loading_clear(L);
        lua_settop(L, 0);
        return SS_EINVAL;
    }
    loading_clear(L);
    lua_settop(L, 0);
    return SS_OK;
}

/* Pushes libs[name] (or nil). */
static void push_library(lua_State *L, const char *name, size_t name_len)
{
    push_registry(L, &key_libs);
    lua_pushlstring(L, name, name_len);
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

bool ss_script_library_loaded(ss_script_env *env, const char *name, size_t name_len, const char *payload,
                              size_t len)
{
    lua_State *L = env->L;
    char sha[SS_SHA1_HEX_LEN + 1];
    ss_sha1_hex(payload, len, sha);
    push_library(L, name, name_len);
    bool same = false;
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "sha");
        same = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), sha) == 0;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return same;
}

void ss_script_library_drop(ss_script_env *env, const char *name, size_t name_len)
{
    lua_State *L = env->L;
    if (name == NULL) {
        lua_pushlightuserdata(L, (void *)&key_libs);
        lua_newtable(L); /* can fail only when the allocator does: then the old stays */
        lua_rawset(L, LUA_REGISTRYINDEX);
    } else {
        push_registry(L, &key_libs);
        lua_pushlstring(L, name, name_len);
        lua_pushnil(L);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    lua_gc(L, LUA_GCCOLLECT, 0);
}

int ss_script_library_functions(ss_script_env *env, const char *name, size_t name_len, ss_script_function_fn fn,
                                void *ud)
{
    lua_State *L = env->L;
    push_library(L, name, name_len);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return SS_ENOTFOUND;
    }
    lua_getfield(L, -1, "fns");
    lua_getfield(L, -2, "order");
    int n = (int)lua_objlen(L, -1);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        lua_rawget(L, -3);
        ss_script_function_info fi = {0};
        lua_getfield(L, -1, "name");
        fi.name = lua_tolstring(L, -1, &fi.name_len);
        lua_getfield(L, -2, "desc");
        if (lua_isstring(L, -1))
            fi.desc = lua_tolstring(L, -1, &fi.desc_len);
        lua_getfield(L, -3, "flags");
        fi.flags = (uint32_t)lua_tonumber(L, -1);
        fn(ud, &fi);
        lua_pop(L, 4);
    }
    lua_pop(L, 3);
    return SS_OK;
}

/* Pushes the function's record {name=, f=, flags=} or nothing (false). */
static bool push_function_record(lua_State *L, const char *lib, size_t lib_len, const char *fname,
                                 size_t fname_len)
{
    push_library(L, lib, lib_len);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return false;
    }
    lua_getfield(L, -1, "fns");
    lua_getfield(L, -2, "lower");
    push_lower(L, fname, fname_len);
    lua_rawget(L, -2); /* the exact name */
    lua_rawget(L, -3);
    lua_replace(L, -4);
    lua_pop(L, 2);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return false;
    }
    return true;
}

int ss_script_function_flags(ss_script_env *env, const char *lib, size_t lib_len, const char *fname,
                             size_t fname_len, uint32_t *flags)
{
    lua_State *L = env->L;
    if (!push_function_record(L, lib, lib_len, fname, fname_len))
        return SS_ENOTFOUND;
    lua_getfield(L, -1, "flags");
    *flags = (uint32_t)lua_tonumber(L, -1);
    lua_pop(L, 2);
    return SS_OK;
}

static void push_strings(lua_State *L, int n, const char *const *v, const size_t *lens)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushlstring(L, v[i], lens[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

/* (f, call) -> f(keys, args): building the tables allocates, so it runs
 * inside the protected call, and the error handler still sees f's frame. */
static int fcall_trampoline(lua_State *L)
{
    const ss_script_call *call = lua_touserdata(L, 2);
    lua_settop(L, 1);
    push_strings(L, call->nkeys, call->keys, call->keylens);
    push_strings(L, call->nargs, call->args, call->arglens);
    lua_call(L, 2, 1);
    return 1;
}

int ss_script_fcall(ss_script_env *env, const char *lib, size_t lib_len, const char *fname, size_t fname_len,
                    const ss_script_call *call, ss_buf *reply, ss_script_result *res)
{
    lua_State *L = env->L;
    *res = (ss_script_result){.outcome = SS_SCRIPT_ERROR};
    lua_settop(L, 0);
    if (!push_function_record(L, lib, lib_len, fname, fname_len)) {
        resp_add_error(reply, "ERR Function not found");
        return ss_buf_error(reply);
    }
    lua_getfield(L, 1, "name");
    char name[256];
    snprintf(name, sizeof name, "%s", lua_tostring(L, -1));
    lua_settop(L, 1);
    script_run_begin(env, call, name);
    lua_pushcfunction(L, script_error_handler); /* 2 */
    lua_pushcfunction(L, fcall_trampoline);
    lua_getfield(L, 1, "f");
    lua_pushlightuserdata(L, (void *)call);
    int rc = lua_pcall(L, 2, 1, 2);
    script_run_finish(env, call, name, rc, reply, res);
    lua_settop(L, 0);
    return ss_buf_error(reply);
}

/* The Lua state of one env: its allocator (memory cap), count hook (budget, kill), libraries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "scripting/script_internal.h"

/* Debian's headers for the two modules declare luaopen_* without including
 * lua.h themselves. */
#include <lua-bitop.h>
#include <lua-cjson.h>
#include <lualib.h>

const char script_key_cache;
const char script_key_globals;
const char script_key_proxies;
const char script_key_cjson;

#define SS_SCRIPT_ERROR_TEXT(name, text) text,
static const char *const error_texts[] = {SS_SCRIPT_ERRORS(SS_SCRIPT_ERROR_TEXT)};
#undef SS_SCRIPT_ERROR_TEXT

const char *ss_script_strerror(ss_script_error e)
{
    if ((unsigned)e >= SS_SCRIPT_ERROR_COUNT)
        return "ERR unknown scripting error";
    return error_texts[e];
}

/*
 * Every byte of the state goes through here. While a script runs, growth past
 * max_memory over the heap at its start is refused: Lua raises "not enough
 * memory", and the hook then stops the script for good (a pcall inside the
 * script may catch the first error, not the hook's). Shrinking never fails,
 * as Lua requires.
 */
static void *env_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    ss_script_env *env = ud;
    if (nsize == 0) {
        free(ptr);
        env->heap -= osize;
        return NULL;
    }
    if (env->capping && nsize > osize && env->limits.max_memory) {
        size_t after = env->heap - osize + nsize;
        if (env->over_memory ||
            (after > env->start_heap && after - env->start_heap > env->limits.max_memory)) {
            env->over_memory = true;
            return NULL;
        }
    }
    void *p = realloc(ptr, nsize);
    if (!p)
        return NULL;
    env->heap = env->heap - osize + nsize;
    if (env->capping && env->heap > env->start_heap && env->heap - env->start_heap > env->peak)
        env->peak = env->heap - env->start_heap;
    return p;
}

static void stop_script(lua_State *L, const char *why, bool as_table)
{
    /* From now on every instruction of every thread of this script raises:
     * a pcall that catches one error cannot run on. */
    lua_sethook(L, script_count_hook, LUA_MASKCOUNT, 1);
    if (as_table) {
        char text[128];
        int n = snprintf(text, sizeof(text), "-%s", why); /* keeps its ERR code */
        script_push_error(L, text, (size_t)n);
    } else
        lua_pushstring(L, why);
    lua_error(L);
}

void script_count_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    ss_script_env *env = script_env_of(L);
    if (env->over_budget)
        stop_script(L, "instruction budget exhausted", false);
    if (env->over_memory)
        stop_script(L, "memory limit reached", false);
    if (env->killed)
        stop_script(L, ss_script_strerror(SS_SCRIPT_ERR_KILLED), true);

    env->instructions += SS_SCRIPT_HOOK_STEP;
    if (env->limits.max_instructions && env->instructions > env->limits.max_instructions) {
        env->over_budget = true;
        stop_script(L, "instruction budget exhausted", false);
    }
    if (env->killable && atomic_load(&env->kill)) {
        env->killed = true;
        stop_script(L, ss_script_strerror(SS_SCRIPT_ERR_KILLED), true);
    }
    if (env->call && env->call->progress)
        env->call->progress(env->call->progress_ctx, env->instructions);
}

void script_charge(lua_State *L, uint64_t steps)
{
    ss_script_env *env = script_env_of(L);
    if (!env->call)
        return;
    env->instructions += steps;
    if (env->limits.max_instructions && env->instructions > env->limits.max_instructions) {
        env->over_budget = true;
        stop_script(L, "instruction budget exhausted", false);
    }
    if (env->killable && atomic_load(&env->kill)) {
        env->killed = true;
        stop_script(L, ss_script_strerror(SS_SCRIPT_ERR_KILLED), true);
    }
}

/* Opens a library and makes sure it is the global of that name: Debian's
 * cjson returns its table without setting a global (Redis's copy sets one). */
static void load_lib(lua_State *L, const char *name, lua_CFunction open)
{
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    if (*name && lua_istable(L, -1))
        lua_setfield(L, LUA_GLOBALSINDEX, name);
    else
        lua_pop(L, 1);
}

/* Runs inside lua_cpcall so that an allocation failure while building the
 * state is an error code, not a panic. */
static int env_setup(lua_State *L)
{
    /* Redis 7.0's set (script_lua.c luaLoadLibraries): no package, os, io;
     * debug is not opened at all (the error handler is C). */
    load_lib(L, "", luaopen_base);
    load_lib(L, LUA_TABLIBNAME, luaopen_table);
    load_lib(L, LUA_STRLIBNAME, luaopen_string);
    load_lib(L, LUA_MATHLIBNAME, luaopen_math);
    load_lib(L, "cjson", luaopen_cjson);
    load_lib(L, "struct", luaopen_struct);
    load_lib(L, "cmsgpack", luaopen_cmsgpack);
    load_lib(L, "bit", luaopen_bit);
    lua_settop(L, 0);

    lua_pushlightuserdata(L, (void *)&script_key_cache);
    lua_newtable(L);
    lua_rawset(L, LUA_REGISTRYINDEX);

    script_redis_register(L);
    return script_sandbox_setup(L);
}

ss_script_env *ss_script_env_new(const ss_script_limits *limits)
{
    ss_script_env *env = calloc(1, sizeof(*env));
    if (!env)
        return NULL;
    atomic_init(&env->kill, false);
    env->resp = 2;
    ss_buf_init(&env->cmdreply, 0);
    ss_buf_init(&env->result, 0);
    env->L = lua_newstate(env_alloc, env);
    if (!env->L) {
        free(env);
        return NULL;
    }
    if (lua_cpcall(env->L, env_setup, NULL) != 0) {
        ss_script_env_free(env);
        return NULL;
    }
    ss_script_env_set_limits(env, limits);
    return env;
}

void ss_script_env_free(ss_script_env *env)
{
    if (!env)
        return;
    if (env->L)
        lua_close(env->L);
    ss_buf_release(&env->cmdreply);
    ss_buf_release(&env->result);
    free(env->argv);
    free(env->argvlen);
    free(env);
}

void ss_script_env_set_limits(ss_script_env *env, const ss_script_limits *limits)
{
    ss_script_limits l = limits ? *limits : (ss_script_limits){0};
    if (!l.max_cached)
        l.max_cached = SS_SCRIPT_CACHE_DEFAULT;
    if (!l.max_reply)
        l.max_reply = SS_SCRIPT_REPLY_DEFAULT;
    env->limits = l;
}

void ss_script_env_flush(ss_script_env *env)
{
    lua_pushlightuserdata(env->L, (void *)&script_key_cache);
    lua_newtable(env->L);
    lua_rawset(env->L, LUA_REGISTRYINDEX);
    env->ncached = 0;
    lua_gc(env->L, LUA_GCCOLLECT, 0);
}

size_t ss_script_env_memory(const ss_script_env *env) { return env->heap; }

size_t ss_script_env_cached(const ss_script_env *env) { return env->ncached; }

void ss_script_kill(ss_script_env *env) { atomic_store(&env->kill, true); }

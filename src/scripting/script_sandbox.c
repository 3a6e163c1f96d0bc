/* The sandbox: read-only globals and libraries, and the builtins wrapped to keep them so. */
#include <string.h>

#include "scripting/script_internal.h"

/*
 * Redis 7.0 marks every table reachable from the globals read-only inside its
 * own copy of Lua (lua_enablereadonlytable). Debian's Lua has no such flag, so
 * the same effect is built from metatables:
 *
 *   - every library table (string, math, redis, cjson, ...) is replaced by an
 *     empty proxy whose __index is the real table and whose __newindex raises
 *     "Attempt to modify a readonly table";
 *   - the globals a script sees (LUA_GLOBALSINDEX, _G) are such a proxy of the
 *     real globals table, and the real one raises Redis's "Script attempted to
 *     access nonexistent global variable" for names it lacks;
 *   - the builtins that bypass metatables (rawset, rawget, next, pairs,
 *     setmetatable, getmetatable, table.insert/remove/sort) look through or
 *     refuse proxies; getfenv/setfenv, which would reach the real tables, are
 *     not offered (Redis 7.0.15 removed them too), nor is loading bytecode.
 *
 * For a replicated store this is also what keeps nodes equal: read-only
 * scripts run on one node only, and if one could change a library function or
 * a cjson setting, later write scripts would compute differently there.
 */

#define READONLY_MSG "Attempt to modify a readonly table"

static void push_registry(lua_State *L, const char *key)
{
    lua_pushlightuserdata(L, (void *)key);
    lua_rawget(L, LUA_REGISTRYINDEX);
}

static bool is_proxy(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        return false;
    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    push_registry(L, &script_key_proxies);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    bool yes = !lua_isnil(L, -1);
    lua_pop(L, 2);
    return yes;
}

void script_sandbox_push_real(lua_State *L, int idx)
{
    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    if (lua_type(L, idx) == LUA_TTABLE) {
        push_registry(L, &script_key_proxies);
        lua_pushvalue(L, idx);
        lua_rawget(L, -2);
        lua_remove(L, -2);
        if (!lua_isnil(L, -1))
            return;
        lua_pop(L, 1);
    }
    lua_pushvalue(L, idx);
}

/* Raised by the VM on assignment: luaL_error adds "user_script:N: " as
 * Redis's does; the builtins below raise without a position, as Redis's
 * lua_rawset does. */
static int readonly_newindex(lua_State *L) { return luaL_error(L, READONLY_MSG); }

static int readonly_error(lua_State *L)
{
    lua_pushstring(L, READONLY_MSG);
    return lua_error(L);
}

static int missing_global(lua_State *L)
{
    if (!lua_isstring(L, 2))
        return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
    return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                      lua_tostring(L, 2));
}

/* Replaces the table at idx with a read-only proxy of it. */
static void make_proxy(lua_State *L, int idx)
{
    idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
    lua_newtable(L);              /* proxy */
    lua_newtable(L);              /* its metatable */
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readonly_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    push_registry(L, &script_key_proxies);
    lua_pushvalue(L, -2);
    lua_pushvalue(L, idx);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_replace(L, idx);
}

/* ---------------------------------------------------------------- builtins */

/*
 * Calls the wrapped original (upvalue 1) with every argument and returns all
 * it returns. An error it raises is raised again as if the script had called
 * the original itself: called from C, the original saw no position to prefix
 * ("user_script:1: ") and no name for itself ("bad argument #1 to '?'").
 */
static int call_original(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    if (lua_pcall(L, n, LUA_MULTRET, 0) == 0)
        return lua_gettop(L);
    if (!lua_isstring(L, -1))
        return lua_error(L); /* error tables (SCRIPT KILL) as they are */
    const char *msg = lua_tostring(L, -1);
    /* Raised by the VM inside the C API (lua_rawset): never positioned. */
    if (strncmp(msg, "table index is ", 15) == 0)
        return lua_error(L);
    luaL_where(L, 1);
    const char *q = strstr(msg, " to '?'");
    lua_Debug ar;
    if (q && strncmp(msg, "bad argument #", 14) == 0 && lua_getstack(L, 0, &ar) &&
        lua_getinfo(L, "n", &ar) && ar.name) {
        lua_pushlstring(L, msg, (size_t)(q - msg));
        lua_pushfstring(L, " to '%s'%s", ar.name, q + 7);
        lua_concat(L, 3);
    } else {
        lua_pushvalue(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

/* A guard: refuses a proxy as first argument, else calls the original. */
static int guard_first(lua_State *L)
{
    if (is_proxy(L, 1))
        return readonly_error(L);
    return call_original(L);
}

static int sandbox_rawget(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    script_sandbox_push_real(L, 1);
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int sandbox_next(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2);
    script_sandbox_push_real(L, 1);
    lua_pushvalue(L, 2);
    if (lua_next(L, -2))
        return 2;
    lua_pushnil(L);
    return 1;
}

static int sandbox_pairs(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushvalue(L, lua_upvalueindex(1)); /* our next */
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int sandbox_getmetatable(lua_State *L)
{
    if (is_proxy(L, 1)) {
        lua_pushnil(L);
        return 1;
    }
    lua_settop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 1, 1);
    return 1;
}

static bool is_bytecode(const char *s, size_t len) { return len > 0 && s[0] == LUA_SIGNATURE[0]; }

/* Compiles source as loadstring/load do: the function, or nil and the
 * message. Binary chunks are refused: Lua 5.1 does not verify bytecode, and a
 * crafted chunk escapes any sandbox. */
static int load_source(lua_State *L, const char *s, size_t len, const char *name)
{
    if (is_bytecode(s, len)) {
        lua_pushnil(L);
        lua_pushstring(L, "loading bytecode is not allowed");
        return 2;
    }
    if (luaL_loadbuffer(L, s, len, name) == 0)
        return 1;
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

static int sandbox_loadstring(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    return load_source(L, s, len, luaL_optstring(L, 2, s));
}

static int sandbox_load(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    const char *name = luaL_optstring(L, 2, "=(load)");
    luaL_Buffer b;
    lua_settop(L, 2);
    luaL_buffinit(L, &b);
    for (;;) {
        lua_pushvalue(L, 1);
        lua_call(L, 0, 1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
        }
        if (!lua_isstring(L, -1))
            return luaL_error(L, "reader function must return a string");
        size_t n;
        lua_tolstring(L, -1, &n);
        if (n == 0) {
            lua_pop(L, 1);
            break;
        }
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    return load_source(L, s, len, name);
}

/*
 * Lua 5.1's pattern matcher recurses once per quantified item or capture, with
 * no limit (5.2 added one): string.find(s, string.rep('a?', 300000)) overflows
 * the C stack, and Redis 7.0.15 dies of it. Here a pattern with more than
 * PATTERN_MAX_ITEMS such items is refused with Lua 5.2's words. The count is
 * conservative (a '-' inside a set counts too).
 */
#define PATTERN_MAX_ITEMS 200

static int pattern_guard(lua_State *L)
{
    size_t len;
    const char *p = lua_tolstring(L, 2, &len);
    bool plain = lua_toboolean(L, 4) && lua_tocfunction(L, lua_upvalueindex(2)) != NULL;
    if (p && !plain) {
        int items = 0;
        for (size_t i = 0; i < len; i++) {
            if (p[i] == '%') {
                if (i + 1 < len && (p[i + 1] == 'b' || p[i + 1] == 'f'))
                    items++;
                i++;
            } else if (strchr("?*+-()", p[i]) && p[i] != '\0') {
                items++;
            }
        }
        if (items > PATTERN_MAX_ITEMS)
            return luaL_error(L, "pattern too complex");
    }
    return call_original(L);
}

/* bit.tohex(x, n) with n = -2^31 writes past its buffer in bitop 1.0.2
 * (CVE-2024-31449); Redis's fixed copy reads it as -2^31 + 1, so does this. */
static int bit_tohex_guard(lua_State *L)
{
    if (lua_gettop(L) >= 2 && lua_isnumber(L, 2)) {
        lua_pushvalue(L, lua_upvalueindex(2)); /* bit.tobit */
        lua_pushvalue(L, 2);
        lua_call(L, 1, 1);
        if (lua_tonumber(L, -1) == -2147483648.0) {
            lua_pushnumber(L, -2147483647.0);
            lua_replace(L, 2);
        }
        lua_pop(L, 1);
    }
    return call_original(L);
}

/* collectgarbage("stop") or a new pause would outlive the script: note it,
 * and script_sandbox_reset puts the collector back. */
static int sandbox_collectgarbage(lua_State *L)
{
    script_env_of(L)->gc_dirty = true;
    return call_original(L);
}

static const char *const cjson_settings[] = {
    "encode_sparse_array", "encode_max_depth", "decode_max_depth", "encode_number_precision",
    "encode_keep_buffer", "encode_invalid_numbers", "decode_invalid_numbers", NULL};

static int cjson_setting(lua_State *L)
{
    if (lua_gettop(L) > 0)
        script_env_of(L)->cjson_dirty = true;
    return call_original(L);
}

/*
 * cjson builds its output with plain malloc, outside the state's allocator and
 * so outside the memory cap, and exits the process when malloc fails. A table
 * that holds one big string many times is small in Lua and huge in JSON. So
 * before encoding, the output's least size is summed (strings, numbers and
 * separators; shared values count each time): past the cap the script stops
 * as it would over memory. What cjson may still take outside the cap is
 * bounded by a few times the cap (escaping, buffer doubling).
 */
#define JSON_WALK_DEPTH 1100 /* past cjson's own depth limit, which then errors */

static double json_least_size(lua_State *L, int depth, double limit)
{
    switch (lua_type(L, -1)) {
    case LUA_TSTRING:
        return (double)lua_objlen(L, -1) + 2;
    case LUA_TTABLE: {
        if (depth > JSON_WALK_DEPTH || !lua_checkstack(L, 3))
            return 2;
        double total = 2;
        lua_pushnil(L);
        while (total <= limit && lua_next(L, -2)) {
            total += json_least_size(L, depth + 1, limit) + 1;
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING)
                total += (double)lua_objlen(L, -1) + 3;
        }
        if (total > limit)
            lua_pop(L, 1); /* the key of the stopped walk */
        return total;
    }
    default:
        return 1;
    }
}

static int cjson_encode_guard(lua_State *L)
{
    ss_script_env *env = script_env_of(L);
    if (env->capping && env->limits.max_memory && lua_gettop(L) >= 1) {
        double limit = (double)env->limits.max_memory;
        lua_pushvalue(L, 1);
        double least = json_least_size(L, 0, limit);
        lua_pop(L, 1);
        if (least > limit) {
            env->over_memory = true;
            return luaL_error(L, "not enough memory");
        }
    }
    return call_original(L);
}

/* Wraps cjson's setters (the table is on top) and records their defaults:
 * each setter called with no argument returns the current values. */
static void wrap_cjson(lua_State *L)
{
    int cj = lua_gettop(L);
    /* Kept, the encoder's buffer would hold the largest JSON any script ever
     * made for the life of the env: off, before the defaults are recorded. */
    lua_getfield(L, cj, "encode_keep_buffer");
    lua_pushboolean(L, 0);
    lua_call(L, 1, 0);
    lua_pushlightuserdata(L, (void *)&script_key_cjson);
    lua_newtable(L); /* name -> {original, defaults...} */
    for (int i = 0; cjson_settings[i]; i++) {
        lua_getfield(L, cj, cjson_settings[i]);
        if (!lua_isfunction(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        int fn = lua_gettop(L);
        lua_newtable(L);
        lua_pushvalue(L, fn);
        lua_rawseti(L, -2, 1);
        int top = lua_gettop(L);
        lua_pushvalue(L, fn);
        lua_call(L, 0, LUA_MULTRET);
        int nres = lua_gettop(L) - top;
        for (int k = nres; k >= 1; k--)
            lua_rawseti(L, top, k + 1);
        lua_setfield(L, -3, cjson_settings[i]);
        lua_pushcclosure(L, cjson_setting, 1); /* upvalue: the original */
        lua_setfield(L, cj, cjson_settings[i]);
    }
    lua_rawset(L, LUA_REGISTRYINDEX);
}

void script_sandbox_reset(ss_script_env *env)
{
    lua_State *L = env->L;
    if (env->cjson_dirty) {
        push_registry(L, &script_key_cjson);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            int n = (int)lua_objlen(L, -1);
            for (int k = 1; k <= n; k++)
                lua_rawgeti(L, -k, k);
            lua_pcall(L, n - 1, 0, 0); /* the original with its defaults */
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        env->cjson_dirty = false;
    }
    if (env->gc_dirty) {
        lua_gc(L, LUA_GCRESTART, 0);
        lua_gc(L, LUA_GCSETPAUSE, 200);   /* Lua 5.1's LUAI_GCPAUSE */
        lua_gc(L, LUA_GCSETSTEPMUL, 200); /* ... and LUAI_GCMUL */
        env->gc_dirty = false;
    }
}

/* ------------------------------------------------------------ error handler */

/* Redis's __redis__err__handler, in C so that the debug library need not be
 * opened: a non-table error becomes {err="ERR <message>"}, and the position of
 * the Lua code that raised it (the caller, when a C function raised) is added
 * as source and line. */
int script_error_handler(lua_State *L)
{
    lua_Debug ar;
    bool have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar);
    if (have && strcmp(ar.what, "C") == 0)
        have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar);
    if (!lua_istable(L, 1)) {
        lua_settop(L, 1);
        lua_newtable(L);
        lua_pushliteral(L, "ERR ");
        if (lua_isnil(L, 1))
            lua_pushliteral(L, "nil");
        else if (lua_isstring(L, 1))
            lua_pushvalue(L, 1);
        else if (lua_isboolean(L, 1))
            lua_pushstring(L, lua_toboolean(L, 1) ? "true" : "false");
        else
            lua_pushfstring(L, "%s: %p", luaL_typename(L, 1), lua_topointer(L, 1));
        lua_concat(L, 2);
        lua_setfield(L, -2, "err");
        lua_replace(L, 1);
    }
    lua_settop(L, 1);
    if (have) { /* raw: the error object may be the script's own table */
        lua_pushliteral(L, "source");
        lua_pushstring(L, ar.source);
        lua_rawset(L, 1);
        lua_pushliteral(L, "line");
        lua_pushinteger(L, ar.currentline);
        lua_rawset(L, 1);
    }
    return 1;
}

/* ------------------------------------------------------------------ setup */

static void wrap(lua_State *L, int tbl, const char *name, lua_CFunction fn)
{
    lua_getfield(L, tbl, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, tbl, name);
}

static void protect_tables(lua_State *L, int g)
{
    /* Collect the names first: replacing values while iterating is allowed
     * in Lua, but a plain list is easier to reason about. */
    static const char *const libs[] = {"string", "math", "table", "coroutine", "cjson",
                                       "struct", "cmsgpack", "bit", "redis", NULL};
    for (int i = 0; libs[i]; i++) {
        lua_getfield(L, g, libs[i]);
        if (lua_istable(L, -1)) {
            make_proxy(L, -1);
            lua_setfield(L, g, libs[i]);
        } else {
            lua_pop(L, 1);
        }
    }
}

int script_sandbox_setup(lua_State *L)
{
    lua_pushlightuserdata(L, (void *)&script_key_proxies);
    lua_newtable(L);
    lua_rawset(L, LUA_REGISTRYINDEX);

    lua_pushvalue(L, LUA_GLOBALSINDEX);
    int g = lua_gettop(L);
    lua_pushlightuserdata(L, (void *)&script_key_globals);
    lua_pushvalue(L, g);
    lua_rawset(L, LUA_REGISTRYINDEX);

    /* Redis's deny list and what Redis 7.0.15 no longer offers. */
    static const char *const removed[] = {"dofile", "loadfile", "print", "getfenv", "setfenv",
                                          "newproxy", "require", "module", NULL};
    for (int i = 0; removed[i]; i++) {
        lua_pushnil(L);
        lua_setfield(L, g, removed[i]);
    }

    lua_pushcfunction(L, sandbox_next);
    lua_pushvalue(L, -1);
    lua_setfield(L, g, "next");
    lua_pushcclosure(L, sandbox_pairs, 1);
    lua_setfield(L, g, "pairs");
    lua_pushcfunction(L, sandbox_rawget);
    lua_setfield(L, g, "rawget");
    lua_pushcfunction(L, sandbox_loadstring);
    lua_setfield(L, g, "loadstring");
    lua_pushcfunction(L, sandbox_load);
    lua_setfield(L, g, "load");
    lua_pushcfunction(L, script_error_handler);
    lua_setfield(L, g, "__redis__err__handler");
    wrap(L, g, "rawset", guard_first);
    wrap(L, g, "setmetatable", guard_first);
    wrap(L, g, "getmetatable", sandbox_getmetatable);
    wrap(L, g, "collectgarbage", sandbox_collectgarbage);

    lua_getfield(L, g, "table");
    int t = lua_gettop(L);
    wrap(L, t, "insert", guard_first);
    wrap(L, t, "remove", guard_first);
    wrap(L, t, "sort", guard_first);
    wrap(L, t, "setn", guard_first);
    lua_pop(L, 1);

    lua_getfield(L, g, "cjson");
    wrap_cjson(L);
    wrap(L, lua_gettop(L), "encode", cjson_encode_guard);
    lua_pop(L, 1);

    static const char *const matchers[] = {"find", "match", "gmatch", "gfind", "gsub", NULL};
    lua_getfield(L, g, "string");
    script_match_register(L, lua_gettop(L)); /* the budgeted matcher, under the guard */
    for (int i = 0; matchers[i]; i++) {
        lua_getfield(L, -1, matchers[i]);
        /* upvalue 2 marks find, whose 4th argument means "plain" */
        if (strcmp(matchers[i], "find") == 0)
            lua_pushcfunction(L, pattern_guard);
        else
            lua_pushnil(L);
        lua_pushcclosure(L, pattern_guard, 2);
        lua_setfield(L, -2, matchers[i]);
    }
    lua_pop(L, 1);

    lua_getfield(L, g, "bit");
    lua_getfield(L, -1, "tohex");
    lua_getfield(L, -2, "tobit");
    lua_pushcclosure(L, bit_tohex_guard, 2);
    lua_setfield(L, -2, "tohex");
    lua_pop(L, 1);

    protect_tables(L, g);

    /* Strings' metatable: methods look through the string proxy, and
     * getmetatable("") answers a read-only view of it. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    int smt = lua_gettop(L);
    lua_getfield(L, g, "string");
    lua_setfield(L, smt, "__index");
    lua_pushvalue(L, smt);
    make_proxy(L, -1);
    lua_setfield(L, smt, "__metatable");
    lua_pop(L, 2);

    /* The real globals answer Redis's error for names they lack. */
    lua_newtable(L);
    lua_pushcfunction(L, missing_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, g);

    /* Scripts, loadstring'ed chunks and coroutines see a proxy of them. */
    lua_pushvalue(L, g);
    make_proxy(L, -1);
    lua_pushvalue(L, -1);
    lua_setfield(L, g, "_G");
    lua_replace(L, LUA_GLOBALSINDEX);
    lua_settop(L, 0);
    return 0;
}

/* Shared between the scripting files: the env and the helpers each file exports. */
#ifndef SS_SCRIPT_INTERNAL_H
#define SS_SCRIPT_INTERNAL_H

#include <lauxlib.h>
#include <lua.h>
#include <stdatomic.h>

#include "scripting/script.h"

struct ss_script_env {
    lua_State *L;
    ss_script_limits limits;

    /* The allocator's books (script_env.c). */
    size_t heap;        /* bytes the state holds */
    size_t start_heap;  /* ... when the running script started */
    size_t peak;        /* largest growth over start_heap seen */
    bool capping;       /* a script runs: max_memory applies */
    bool over_memory;   /* an allocation was refused */

    /* The count hook's state. */
    uint64_t instructions;
    bool over_budget;
    bool killable;
    bool killed;
    atomic_bool kill;

    /* The running script (NULL between scripts). */
    const ss_script_call *call;
    const char *sha;
    int resp;            /* redis.setresp: 2 or 3 */
    int calls;
    uint64_t rand_state; /* math.random: Redis's drand48 */
    bool cjson_dirty;    /* a cjson setting was changed */
    bool gc_dirty;       /* collectgarbage was called */

    ss_buf cmdreply;     /* redis.call's reply, reused */
    ss_buf result;       /* the script's converted reply, capped at max_reply */
    const char **argv;   /* redis.call's argv, reused (never freed mid-call: */
    size_t *argvlen;     /* Lua errors unwind through longjmp) */
    int argv_cap;
    size_t ncached;
};

/* The env a state belongs to (the allocator's user data). */
static inline ss_script_env *script_env_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* Registry keys (light userdata addresses are unique). */
extern const char script_key_cache;   /* sha -> compiled function */
extern const char script_key_globals; /* the real globals table */
extern const char script_key_proxies; /* read-only proxy -> real table */
extern const char script_key_cjson;   /* cjson's default settings */

/* script_sandbox.c: read-only globals and libraries, the wrapped builtins. */
int script_sandbox_setup(lua_State *L);
/* Pushes the real table behind a read-only proxy, or the value itself. */
void script_sandbox_push_real(lua_State *L, int idx);
/* Puts cjson's and the collector's settings back after a script changed them. */
void script_sandbox_reset(ss_script_env *env);
/* The message handler scripts run under: {err=, source=, line=}. */
int script_error_handler(lua_State *L);

/* script_env.c: the count hook (budget, kill, progress). */
void script_count_hook(lua_State *L, lua_Debug *ar);
/* Charges work done in C (the pattern matcher's steps) to the instruction
 * budget as that many instructions; raises as the hook does when it is
 * exhausted (or the script was killed). */
void script_charge(lua_State *L, uint64_t steps);

/* script_match.c: string.find/match/gmatch/gsub with Lua 5.1's semantics,
 * every step of the matcher charged to the budget. */
void script_match_register(lua_State *L, int string_table);

/* script_redis.c: the redis table, pcall, math.random. */
void script_redis_register(lua_State *L);
void script_random_seed(ss_script_env *env, int32_t seed);
/* Pushes {err="CODE msg"} from "-CODE msg" or "msg" (Redis's luaPushErrorBuff). */
void script_push_error(lua_State *L, const char *text, size_t len);

/* script_reply.c: one RESP reply -> a Lua value (redis.call's result).
 * Returns 1 if the reply was an error reply (pushed as {err=...}), 0 if not,
 * -1 if the bytes are not one well-formed reply (pushes nothing). */
int script_reply_to_lua(lua_State *L, const char *data, size_t len);

/* script_conv.c: the Lua value on top -> one RESP reply for proto. */
void script_lua_to_resp(lua_State *L, ss_buf *out, resp_proto proto, int script_resp);

/* lua_cmsgpack.c, lua_struct.c */
int luaopen_cmsgpack(lua_State *L);
int luaopen_struct(lua_State *L);

#endif

/* Lua scripting: Redis 7.0's EVAL environment (sandbox, redis.*, reply conversion, budget). */
#ifndef SS_SCRIPT_H
#define SS_SCRIPT_H

/*
 * The engine owns one (or more) ss_script_env and drives it; this component
 * knows nothing of the store, Raft or sockets. Everything a script does to the
 * data goes through the engine's call-back (redis.call / redis.pcall), and
 * everything it returns comes back as RESP bytes.
 *
 * How phase 2 wires it (the engine's side):
 *
 *   EVAL / EVALSHA (prepare, on the node that received the command)
 *     - EVALSHA: look the body up in the cluster's script table (SCRIPT LOAD
 *       state); unknown sha -> "-NOSCRIPT No matching script. Please use EVAL."
 *       (SS_SCRIPT_NOSCRIPT_ERR below).
 *     - ss_script_shebang() on the body: its flags (no-writes, ...) and
 *       errors decide read-only vs write and the shebang error replies.
 *     - A write script becomes one log entry carrying body, keys, args, the
 *       entry's time and seed.
 *   EVAL (apply, on every node): ss_script_eval(env, &call, reply, &res) with
 *       call.allow_writes = true and call.call = the engine's command runner
 *       (executing against the entry's time and seed). res.outcome says whether
 *       the script ran to its end, raised an error, or was stopped by the budget
 *       (SS_SCRIPT_BUDGET, SS_SCRIPT_MEMORY): the engine decides what becomes of
 *       partial writes (document it there; this component only reports).
 *   EVAL_RO / EVALSHA_RO / no-writes scripts: after the ReadIndex barrier, on
 *       the node that holds the connection, call.allow_writes = false; the
 *       engine's call-back refuses writes with SS_SCRIPT_RO_WRITE_ERR. These
 *       runs are killable: ss_script_kill() (SCRIPT KILL), and
 *       call.progress lets the engine answer BUSY meanwhile (busy-reply-threshold).
 *   SCRIPT LOAD: ss_script_compile_check() validates the body (and gives its
 *       sha) without running it; the engine replicates the body as cluster state.
 *   SCRIPT FLUSH: ss_script_env_flush() drops the compiled-function cache (the
 *       bodies are the engine's).
 *   FUNCTION LOAD / FCALL: not in phase 1. They need a second entry point:
 *       a library load that runs the code once with only redis.register_function,
 *       redis.log and the constants, keeps the registered functions in the env's
 *       registry under the library's name, and a call that passes (keys, args)
 *       as arguments instead of KEYS/ARGV, with "@user_function" positions.
 *       ss_script_call carries everything else FCALL needs.
 *   The call-back runs ordinary commands only: scripting commands (EVAL,
 *   FCALL, SCRIPT, FUNCTION), blocking commands and MULTI/EXEC answer errors
 *   from inside a script (ss_script_eval is not re-entrant).
 *
 * Determinism. Every node applies the same entries, so a write script must
 * compute the same on all of them:
 *   - math.random/math.randomseed are Redis's drand48 generator, seeded from
 *     call.seed before every script (Redis 7.0 seeds it once per process and
 *     lets it run on, which a replica cannot reproduce); no clock, no os, no io.
 *   - The instruction budget counts Lua VM instructions (a count hook), which
 *     are the same for the same script, inputs and replies on every node. A
 *     script over budget stops with SS_SCRIPT_ERR_BUDGET, and pcall cannot
 *     swallow it (the hook raises on every instruction from then on).
 *   - The memory cap limits the Lua heap's growth during one script (a custom
 *     allocator). The heap's growth depends on when the garbage collector runs,
 *     which depends on what the state held before the script: see
 *     ss_script_limits.max_memory for what that means across nodes.
 *   - Shared state cannot be changed by a script: globals and every library
 *     table are read-only (Redis 7.0's "Attempt to modify a readonly table"),
 *     cjson's settings are reset after each script, so a read-only script run
 *     on one node cannot change what a later write script computes there.
 *   - What stays node-local, as in Redis: tostring() of a table or function
 *     (an address), pairs() order over tables keyed by tables or functions,
 *     collectgarbage("count") and gcinfo(). A write script that stores these
 *     makes replicas differ; Redis has the same hole.
 *   - Lua's pattern matcher (string.find/match/gmatch/gsub) runs in C, where
 *     the count hook never fires: it is replaced by script_match.c, the same
 *     semantics with every matcher step charged to the instruction budget, so
 *     "a*a*a*...b" on a long subject fails with the budget error at the same
 *     step on every node instead of running for hours. Its recursion stays
 *     bounded (script_sandbox.c). Other C work (string.rep, table.concat,
 *     table.sort, cjson) is bounded by the memory cap, not by instructions.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resp/buf.h"
#include "resp/resp.h"

/* Redis 7.0's version, as scripts see it (redis.REDIS_VERSION, _NUM). */
#define SS_SCRIPT_REDIS_VERSION "7.0.15"
#define SS_SCRIPT_REDIS_VERSION_NUM 0x0007000f

/*
 * Error replies this component produces itself, in one table. Those marked
 * "Redis" are Redis 7.0's words; the budget ones are ours (Redis has no
 * budget) and are fixed text so that every node answers the same bytes. The
 * reply adds " script: <sha1 hex>" to those marked "+ sha", and the compiler's
 * message to SS_SCRIPT_ERR_COMPILE.
 */
#define SS_SCRIPT_ERRORS(X)                                                                  \
    X(SS_SCRIPT_ERR_BUDGET, /* + sha */                                                     \
      "ERR Script exceeded the instruction limit (script-max-instructions)")                \
    X(SS_SCRIPT_ERR_MEMORY, /* + sha */                                                     \
      "ERR Script exceeded the memory limit (script-max-memory)")                           \
    X(SS_SCRIPT_ERR_KILLED, /* Redis; + sha and position */                                 \
      "ERR Script killed by user with SCRIPT KILL...")                                      \
    X(SS_SCRIPT_ERR_COMPILE, /* Redis; + Lua's message */                                   \
      "ERR Error compiling script (new function): ")                                        \
    X(SS_SCRIPT_ERR_REPLY_DEPTH, /* Redis */                                                \
      "ERR reached lua stack limit")                                                        \
    X(SS_SCRIPT_ERR_REPLY_TOO_BIG, /* + sha */                                              \
      "ERR Script reply is larger than the reply limit (script-max-reply)")                 \
    X(SS_SCRIPT_ERR_UNKNOWN, /* + sha */                                                    \
      "ERR Error running script, the error object has no message")

#define SS_SCRIPT_ERROR_ENUM(name, text) name,
typedef enum { SS_SCRIPT_ERRORS(SS_SCRIPT_ERROR_ENUM) SS_SCRIPT_ERROR_COUNT } ss_script_error;
#undef SS_SCRIPT_ERROR_ENUM
const char *ss_script_strerror(ss_script_error e);

/* Replies the engine gives from its side, in Redis 7.0's words. */
#define SS_SCRIPT_NOSCRIPT_ERR "NOSCRIPT No matching script. Please use EVAL."
#define SS_SCRIPT_RO_WRITE_ERR "ERR Write commands are not allowed from read-only scripts."
#define SS_SCRIPT_UNKNOWN_CMD_ERR "ERR Unknown Redis command called from script"

/* ------------------------------------------------------------ environment */

typedef struct ss_script_env ss_script_env;

typedef struct ss_script_limits {
    /* Lua VM instructions one script may execute (0: no limit). Counted in
     * steps of SS_SCRIPT_HOOK_STEP, so a script stops within that many
     * instructions past the limit, at the same instruction on every node. */
    uint64_t max_instructions;
    /* Bytes the Lua heap may grow by during one script, measured from its
     * start (0: no limit). An allocation past it fails and the script stops
     * with SS_SCRIPT_ERR_MEMORY. The heap's growth includes garbage not yet
     * collected, and when the collector runs depends on the state's history
     * (what earlier scripts left). A script far over or far under the cap gets
     * the same outcome everywhere; one whose peak is close to it may not. To
     * make the outcome depend on the entry alone, phase 2 should run write
     * scripts in their own env (only log entries touch it) and read-only
     * scripts in another; a restarted node still differs in history, so the
     * instruction budget, which is exact, is the primary guard. cjson builds
     * its output with plain malloc, outside this count: an encode whose least
     * output size exceeds the cap is refused up front, so what cjson can take
     * beyond the cap stays within a few times the cap. */
    size_t max_memory;
    /* Compiled functions kept by sha (0: SS_SCRIPT_CACHE_DEFAULT). Past it the
     * cache is emptied; a body is recompiled on its next use (microseconds). */
    size_t max_cached;
    /* Bytes of one converted reply (0: SS_SCRIPT_REPLY_DEFAULT). A returned
     * table is walked after the script ended, outside the instruction budget,
     * and a table that refers to itself from two fields doubles at each level:
     * this bounds that walk. Past it the reply is SS_SCRIPT_ERR_REPLY_TOO_BIG. */
    size_t max_reply;
} ss_script_limits;

#define SS_SCRIPT_HOOK_STEP 1000
#define SS_SCRIPT_CACHE_DEFAULT 1000
#define SS_SCRIPT_REPLY_DEFAULT (64u << 20)

/* A new Lua state with the sandbox, the libraries and redis.*. NULL if out of
 * memory (or if the Lua libraries fail to open, which they do not). */
ss_script_env *ss_script_env_new(const ss_script_limits *limits);
void ss_script_env_free(ss_script_env *env);
/* New limits take effect from the next script (CONFIG SET). */
void ss_script_env_set_limits(ss_script_env *env, const ss_script_limits *limits);
/* Drops every cached compiled function (SCRIPT FLUSH) and collects garbage. */
void ss_script_env_flush(ss_script_env *env);
/* Bytes the Lua heap holds now (INFO used_memory_lua). */
size_t ss_script_env_memory(const ss_script_env *env);
/* Compiled functions in the cache (number_of_cached_scripts). */
size_t ss_script_env_cached(const ss_script_env *env);

/*
 * Asks the running read-only script to stop (SCRIPT KILL). Safe from any
 * thread; checked every SS_SCRIPT_HOOK_STEP instructions. Honoured only by
 * runs with allow_writes == false: a write script runs in apply on every node
 * and only its budget may stop it. The flag is cleared when the next script
 * starts.
 */
void ss_script_kill(ss_script_env *env);

/* ------------------------------------------------------------ running */

/*
 * redis.call / redis.pcall: the engine runs argv[0..argc) as a command and
 * appends its reply, as RESP in protocol proto (what the script chose with
 * redis.setresp, 2 by default), to reply. Error replies are replies ("-ERR
 * ..."), not failures. Unknown commands answer SS_SCRIPT_UNKNOWN_CMD_ERR; when
 * allow_writes is false, write commands answer SS_SCRIPT_RO_WRITE_ERR.
 * Return 0, or -1 if the reply could not be produced at all (out of memory):
 * the script then fails. The reply may hold at most one RESP value.
 */
typedef int (*ss_script_call_fn)(void *ctx, int argc, const char *const *argv,
                                 const size_t *argvlen, resp_proto proto,
                                 bool allow_writes, ss_buf *reply);

/* Called every SS_SCRIPT_HOOK_STEP instructions with the instructions run so
 * far; the engine may serve other clients (BUSY) from it. Optional. It must not
 * re-enter the env. */
typedef void (*ss_script_progress_fn)(void *ctx, uint64_t instructions);

typedef struct ss_script_call {
    const char *body;   /* the script (EVALSHA: resolved by the engine) */
    size_t body_len;
    const char *sha;    /* its sha1 hex if the engine has it, else NULL */
    int nkeys;          /* KEYS */
    const char *const *keys;
    const size_t *keylens;
    int nargs;          /* ARGV */
    const char *const *args;
    const size_t *arglens;
    resp_proto proto;   /* the calling client's protocol (HELLO) */
    bool allow_writes;  /* false: EVAL_RO, no-writes, and killable */
    uint64_t seed;      /* math.random starts as Redis's srand48(low 32 bits of
                           seed): the entry's seed for a write script, so every
                           node draws the same numbers (0: Redis 6's sequence) */
    ss_script_call_fn call;
    void *call_ctx;
    /* redis.acl_check_cmd: 1 if the caller's ACL user may run the command
     * line, 0 if not, -1 for an unknown command (optional: NULL allows all). */
    int (*acl_check)(void *call_ctx, int argc, const char *const *argv, const size_t *argvlen);
    ss_script_progress_fn progress;
    void *progress_ctx;
} ss_script_call;

typedef enum {
    SS_SCRIPT_OK = 0,      /* ran to its end; reply holds its converted result
                              (which may itself be an error reply: {err=...}) */
    SS_SCRIPT_ERROR,       /* raised an error (or failed to compile); reply holds it */
    SS_SCRIPT_BUDGET,      /* instruction budget exhausted */
    SS_SCRIPT_MEMORY,      /* memory cap reached */
    SS_SCRIPT_KILLED       /* SCRIPT KILL */
} ss_script_outcome;

typedef struct ss_script_result {
    ss_script_outcome outcome;
    uint64_t instructions; /* executed, in steps of SS_SCRIPT_HOOK_STEP */
    size_t peak_memory;    /* largest heap growth seen during the script */
    int calls;             /* redis.call/pcall invocations */
} ss_script_result;

/*
 * Runs one script: appends exactly one RESP reply (for call->proto) to reply
 * and fills *res. Returns SS_OK, or SS_ENOMEM / SS_ETOOBIG if reply could not
 * take the answer (reply's sticky error). Never raises, never aborts on what a
 * script does. Not re-entrant: one script at a time per env.
 */
int ss_script_eval(ss_script_env *env, const ss_script_call *call, ss_buf *reply,
                   ss_script_result *res);

/* SCRIPT LOAD: compiles body without running it. Returns SS_OK and writes the
 * sha (41 bytes), or SS_EINVAL with the exact error reply text in err (no
 * leading '-'). The compiled function is cached. */
int ss_script_compile_check(ss_script_env *env, const char *body, size_t len, char sha[41],
                            char *err, size_t errlen);

/* --------------------------------------------------------- shebang flags */

/* "#!lua flags=no-writes,allow-oom,..." (Redis 7.0 scripts_flags_def). */
enum {
    SS_SCRIPT_FLAG_NO_WRITES = 1 << 0,
    SS_SCRIPT_FLAG_ALLOW_OOM = 1 << 1,
    SS_SCRIPT_FLAG_ALLOW_STALE = 1 << 2,
    SS_SCRIPT_FLAG_NO_CLUSTER = 1 << 3,
    SS_SCRIPT_FLAG_ALLOW_CROSS_SLOT = 1 << 4,
    SS_SCRIPT_FLAG_SHEBANG = 1 << 30 /* the body has a shebang line at all */
};

/*
 * Parses an optional shebang line. On success returns SS_OK with the flags and
 * *skip = the bytes of the shebang line (the Lua code starts there, on the same
 * line number as Redis counts). On a bad shebang returns SS_EINVAL with
 * Redis's error text in err ("Unexpected engine in script shebang: #!python").
 */
int ss_script_shebang(const char *body, size_t len, uint32_t *flags, size_t *skip, char *err,
                      size_t errlen);

/* ------------------------------------------------------------ functions */

/*
 * FUNCTION LOAD and FCALL (Redis 7.0's function engine "LUA"). A library is
 * "#!lua name=<name>\n" and code that calls redis.register_function; it
 * runs once, in globals where only the load API (redis.register_function,
 * redis.log, the constants) is visible, and its functions stay in the env
 * under the library's name. The env holds what it was given: the replicated
 * library table is the engine's, which (re)loads a library into an env when
 * the env does not hold that code (ss_script_library_loaded), so an env
 * rebuilt after a restart or a snapshot computes the same.
 */
typedef struct ss_script_library_meta {
    const char *name; /* into the payload */
    size_t name_len;
    size_t code_off;  /* where the Lua code starts (the shebang's newline) */
} ss_script_library_meta;

/* Redis's functionExtractLibMetaData and name checks: SS_OK, or SS_EINVAL
 * with the reply text (with its "ERR ") in err. */
int ss_script_library_meta_parse(const char *payload, size_t len, ss_script_library_meta *md, char *err,
                                 size_t errlen);

/* Runs a library under the env's limits and keeps it (replacing the one of
 * its name). SS_OK, or SS_EINVAL with Redis's reply text in err (the library
 * is then not kept). sha (41 bytes) identifies the payload for _loaded. */
int ss_script_library_load(ss_script_env *env, const char *payload, size_t len, char *err, size_t errlen);
bool ss_script_library_loaded(ss_script_env *env, const char *name, size_t name_len, const char *payload,
                              size_t len);
/* Forgets one library (name NULL: every library). */
void ss_script_library_drop(ss_script_env *env, const char *name, size_t name_len);

typedef struct ss_script_function_info {
    const char *name;
    size_t name_len;
    const char *desc; /* NULL: none */
    size_t desc_len;
    uint32_t flags;   /* SS_SCRIPT_FLAG_* */
} ss_script_function_info;
/* Calls fn for each function of a kept library in registration order;
 * SS_ENOTFOUND if the env does not hold the library. */
typedef void (*ss_script_function_fn)(void *ud, const ss_script_function_info *fi);
int ss_script_library_functions(ss_script_env *env, const char *name, size_t name_len, ss_script_function_fn fn,
                                void *ud);
/* A function's flags: SS_OK or SS_ENOTFOUND (names are case-insensitive). */
int ss_script_function_flags(ss_script_env *env, const char *lib, size_t lib_len, const char *fname,
                             size_t fname_len, uint32_t *flags);
/* FCALL: runs a function of a kept library as ss_script_eval runs a script
 * (call->body unused; keys and args become its two arguments). A function
 * the env does not hold answers "ERR Function not found". */
int ss_script_fcall(ss_script_env *env, const char *lib, size_t lib_len, const char *fname, size_t fname_len,
                    const ss_script_call *call, ss_buf *reply, ss_script_result *res);

#endif

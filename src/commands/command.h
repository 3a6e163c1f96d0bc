/* The command table: name, arity, flags and handlers of every command sandstore knows. */
#ifndef SS_COMMAND_H
#define SS_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands/node.h"
#include "commands/reply_errors.h"
#include "commands/session.h"
#include "resp/buf.h"
#include "resp/resp.h"

typedef struct ss_txn ss_txn;

/*
 * Three kinds of command, by which handler the table gives:
 *  - local:  connection and server commands (PING, SELECT, CONFIG, INFO...). They
 *            run at once on the node the client is connected to and never touch
 *            the keyspace.
 *  - read:   `exec` with CMD_READONLY. Runs after the read barrier (ReadIndex)
 *            against the node's applied state.
 *  - write:  `exec` with CMD_WRITE. The optional `prepare` half validates on the
 *            node that received the command (syntax errors never reach the log);
 *            then the command goes into a Raft log entry, and `exec` is the
 *            deterministic *apply* half that runs on every node. Apply never
 *            reads the local clock or a random source: time and a random seed
 *            come in the entry (ss_exec_ctx.now_ms, ss_exec_rand).
 */
enum {
    CMD_WRITE    = 1u << 0,  /* changes the keyspace: goes through the Raft log */
    CMD_READONLY = 1u << 1,  /* reads the keyspace */
    CMD_ADMIN    = 1u << 2,
    CMD_NOAUTH   = 1u << 3,  /* allowed before AUTH */
    CMD_NOMULTI  = 1u << 4,  /* not queued by MULTI: runs at once (or is refused) */
    CMD_FAST     = 1u << 5,
    CMD_DENYOOM  = 1u << 6,
    CMD_INTERNAL = 1u << 7,  /* only ever produced by the server itself (e.g. active expiry) */
    CMD_RANDOM   = 1u << 8,  /* uses the entry's random seed */
    CMD_LOCAL_ONLY = 1u << 9,/* served by the receiving node even in redirect mode */
    CMD_LOADING  = 1u << 10, /* redis' "loading"/"stale": fine while not leader */
    CMD_TXN      = 1u << 11, /* MULTI EXEC DISCARD WATCH UNWATCH: the engine's transaction code runs them */
    CMD_NOQUEUE  = 1u << 12, /* runs at once even inside MULTI (EXEC, DISCARD, QUIT, RESET...) */
};

/* Where a read or an apply runs. */
typedef struct ss_exec_ctx {
    ss_node *node;
    ss_txn *txn;       /* reads: a read-only txn; apply: the batch's txn */
    int db;
    int64_t now_ms;    /* apply: the entry's time; reads: the local clock */
    uint64_t index;    /* apply: the Raft index of the entry (collection versions); reads: 0 */
    uint64_t rng;      /* PRNG state: seeded from the entry (apply) or locally (reads) */
    resp_proto proto;
    ss_buf *out;
    bool is_apply;
    int status;        /* SS_OK, or a storage error that must stop the node */
    uint32_t versions; /* collection versions handed out in this entry (ss_exec_new_version) */
} ss_exec_ctx;

/* A deterministic PRNG over ctx->rng (splitmix64). */
uint64_t ss_exec_rand(ss_exec_ctx *ctx);

typedef struct ss_args {
    int argc;
    char **argv;      /* NUL-terminated after argvlen[i] bytes */
    size_t *argvlen;
} ss_args;

typedef void (*ss_exec_fn)(ss_exec_ctx *ctx, const ss_args *a);
/* Returns true when the command may go to the log; false when it replied an error. */
typedef bool (*ss_prepare_fn)(ss_session *s, const ss_args *a, ss_buf *out);
typedef void (*ss_local_fn)(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);

typedef struct ss_command {
    const char *name;     /* lowercase */
    int arity;            /* argc including the name; negative: at least -arity */
    uint32_t flags;
    ss_exec_fn exec;
    ss_prepare_fn prepare;
    ss_local_fn local;
    int first_key, last_key, key_step; /* COMMAND INFO key spec (0 = no keys, -1 last = to the end) */
    const char *group;    /* COMMAND DOCS */
    const char *summary;
    const char *since;
    const char *complexity;
} ss_command;

/* Case-insensitive lookup; NULL if unknown. */
const ss_command *ss_command_lookup(const char *name, size_t len);
/* The whole table, for COMMAND. */
const ss_command *ss_command_table(size_t *count);
/* Whether argc fits the arity. */
bool ss_command_arity_ok(const ss_command *cmd, int argc);

/* Handlers, one file per family (declared here so the table can name them). */
#define SS_DECLARE_EXEC(fn) void fn(ss_exec_ctx *ctx, const ss_args *a);
#define SS_DECLARE_LOCAL(fn) void fn(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out);
#define SS_DECLARE_PREPARE(fn) bool fn(ss_session *s, const ss_args *a, ss_buf *out);

/* Parses a whole signed 64-bit integer like redis' string2ll (no spaces, no "+"). */
bool ss_parse_ll(const char *s, size_t len, long long *out);
/* Parses a finite or infinite double like redis' string2ld (no NaN, no spaces). */
bool ss_parse_double(const char *s, size_t len, double *out);

/* INCRBYFLOAT and HINCRBYFLOAT work in long double, as Redis does. Parses like
 * redis' string2ld (no NaN, no spaces, no overflow or underflow). */
#define SS_LONG_DOUBLE_CHARS (5 * 1024) /* redis' MAX_LONG_DOUBLE_CHARS */
bool ss_parse_long_double(const char *s, size_t len, long double *out);
/* redis' ld2string in human mode: "%.17Lf" without trailing zeros, so 10.5 is
 * "10.5", 5e3 is "5000", no exponent ever appears and -0 is "0". Writes a NUL;
 * returns the length (0 if cap is too small). */
size_t ss_format_long_double(char *buf, size_t cap, long double v);

#endif

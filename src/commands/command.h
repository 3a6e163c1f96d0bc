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

/*
 * One row of the table: the routing facts of a command. Its COMMAND DOCS
 * text (summary, group, complexity...) lives apart, in commands/docs/.
 * Which handlers a row has says how the command travels (the kinds above):
 * `local` runs at once on the receiving node; `exec` is a read, or with
 * CMD_WRITE the apply half of a write, whose optional `prepare` half checks
 * the syntax on the receiving node first. A row may have both `local` and
 * `exec` (PING and ECHO also run inside MULTI).
 */
typedef struct ss_command {
    const char *name;     /* lowercase */
    int arity;            /* argc including the name; negative: at least -arity */
    uint32_t flags;
    ss_local_fn local;
    ss_exec_fn exec;
    ss_prepare_fn prepare;
    struct { int first, last, step; } keys; /* COMMAND INFO key range (0 = no keys, last -1 = to the end) */
    /* A container (CONFIG, CLIENT, COMMAND...): its subcommands, rows named
     * "container|sub", ended by a row without a name. argv[1] picks one;
     * each has its own arity, flags and handler. */
    const struct ss_command *subcommands;
} ss_command;

/*
 * A row is one line: the kind of command, then name, arity, flags beyond
 * those the kind implies, the handler, and any optional fields by name:
 *
 *     SS_READ("get", 2, CMD_FAST, getExec, .keys = {1, 1, 1}),
 *     SS_WRITE("set", -3, CMD_DENYOOM, setExec, .prepare = setPrepare, .keys = {1, 1, 1}),
 *     SS_LOCAL("time", 1, CMD_FAST, timeCommand),
 */
#define SS_ROW(nm, ar, fl, ...) {.name = (nm), .arity = (ar), .flags = (fl), __VA_ARGS__}
/* Answered at once by the node the client is connected to. */
#define SS_LOCAL(nm, ar, fl, fn, ...) SS_ROW(nm, ar, CMD_LOCAL_ONLY | (fl), .local = (fn), __VA_ARGS__)
/* Reads the keyspace after the read barrier. */
#define SS_READ(nm, ar, fl, fn, ...) SS_ROW(nm, ar, CMD_READONLY | (fl), .exec = (fn), __VA_ARGS__)
/* Changes the keyspace through the Raft log; fn is the apply half. */
#define SS_WRITE(nm, ar, fl, fn, ...) SS_ROW(nm, ar, CMD_WRITE | (fl), .exec = (fn), __VA_ARGS__)
/* MULTI EXEC DISCARD WATCH UNWATCH: src/engine/multi.c runs them. */
#define SS_TXN(nm, ar, fl, ...) SS_ROW(nm, ar, CMD_TXN | CMD_LOCAL_ONLY | (fl), __VA_ARGS__)
/* Proposed by the server itself, never accepted from a client. */
#define SS_INTERNAL(nm, ar, fn, ...) SS_ROW(nm, ar, CMD_INTERNAL | CMD_WRITE, .exec = (fn), __VA_ARGS__)
/* A container: argv[1] names one of its subcommands, whose row runs it. It
 * has a handler of its own only if it may run alone (COMMAND). */
#define SS_CONTAINER(nm, ar, fl, subs, ...) SS_ROW(nm, ar, fl, .subcommands = (subs), __VA_ARGS__)
/* Ends a container's list of subcommands. */
#define SS_END {.name = NULL}

/* Case-insensitive lookup by full name ("get", "config|get"); NULL if unknown. */
const ss_command *ss_command_lookup(const char *name, size_t len);
/*
 * The row that runs a command line, as Redis's lookupCommand: argv[0]'s, or
 * for a container given a subcommand, the subcommand's. NULL if unknown;
 * *container (may be NULL) is then argv[0]'s row when argv[0] is a container
 * and argv[1] none of its subcommands (answer ss_reply_unknown_subcommand).
 */
const ss_command *ss_command_find(const ss_args *a, const ss_command **container);
/* "ERR unknown subcommand 'x'. Try CONFIG HELP." for a's argv[1]. */
void ss_reply_unknown_subcommand(ss_buf *out, const ss_args *a);
/* The top-level rows, for COMMAND (subcommands hang off their containers). */
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

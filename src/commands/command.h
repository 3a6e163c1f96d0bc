/* The command table: each command's routing facts (arity, flags, ACL categories, key specs) and the handlers that run it. */
#ifndef SS_COMMAND_H
#define SS_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands/node.h"
#include "commands/numbers.h"
#include "commands/reply_errors.h"
#include "commands/session.h"
#include "resp/buf.h"
#include "resp/resp.h"

typedef struct ss_txn ss_txn;

/*
 * Kinds of command, by which handler the table gives (see the row macros):
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

/* Redis 7.0's command flags (redis src/server.h CMD_*), in the order COMMAND
 * INFO lists them. A row carries exactly Redis's; sandstore's routing reads
 * CMD_WRITE, CMD_NOAUTH and CMD_NOMULTI of them, and its own below. */
enum {
    CMD_WRITE             = 1u << 0,
    CMD_READONLY          = 1u << 1,
    CMD_DENYOOM           = 1u << 2,
    CMD_MODULE            = 1u << 3,  /* never set: sandstore has no modules */
    CMD_ADMIN             = 1u << 4,
    CMD_PUBSUB            = 1u << 5,
    CMD_NOSCRIPT          = 1u << 6,
    CMD_BLOCKING          = 1u << 7,
    CMD_LOADING           = 1u << 8,
    CMD_STALE             = 1u << 9,
    CMD_SKIP_MONITOR      = 1u << 10,
    CMD_SKIP_SLOWLOG      = 1u << 11,
    CMD_ASKING            = 1u << 12,
    CMD_FAST              = 1u << 13,
    CMD_NOAUTH            = 1u << 14, /* allowed before AUTH */
    CMD_NO_MANDATORY_KEYS = 1u << 15,
    CMD_NO_ASYNC_LOADING  = 1u << 16,
    CMD_NOMULTI           = 1u << 17, /* refused inside MULTI */
    CMD_MOVABLE_KEYS      = 1u << 18, /* derived from the key specs (ss_command_flags), never in a row */
    CMD_ALLOW_BUSY        = 1u << 19,
    CMD_ACL               = 1u << 20, /* sandstore's: ACL SETUSER DELUSER LOAD, routed by engine/acl.c through the log; never shown */
    CMD_ENGINE_ASYNC      = 1u << 21, /* sandstore's: WAIT WAITAOF CONFIG REWRITE, answered later by the engine (wait.c, config_rewrite.c); never shown */
    /* sandstore's own, never shown */
    CMD_MIGRATE           = 1u << 22, /* MIGRATE: the engine's migrate.c runs it (a read, the target, then a delete through the log) */
    CMD_INTERNAL          = 1u << 24, /* only ever produced by the server itself (active expiry) */
    CMD_LOCAL_ONLY        = 1u << 25, /* served by the receiving node even in redirect mode */
    CMD_TXN               = 1u << 26, /* MULTI EXEC DISCARD WATCH UNWATCH: the engine's transaction code runs them */
    CMD_NOQUEUE           = 1u << 27, /* runs at once even inside MULTI (EXEC, DISCARD, QUIT, RESET...) */
    CMD_NO_LOG            = 1u << 28, /* never part of a log entry: refused inside MULTI, although Redis queues it */
    CMD_SCRIPTING         = 1u << 29, /* EVAL SCRIPT FUNCTION FCALL: the engine's scripting code (engine/scripts.c) routes them */
    CMD_LOGGED            = 1u << 30, /* goes through the log like a write although Redis does not call it one (PUBLISH) */
    CMD_MEMBERSHIP        = 1u << 31, /* RAFT.NODE, RAFT.TRANSFER_LEADER: the engine's membership code (engine/membership.c) runs them */
};

/* Whether a command travels through the Raft log (its exec is an apply half). */
#define SS_CMD_LOGGED(cmd) (((cmd)->flags & (CMD_WRITE | CMD_LOGGED)) != 0)

/* Redis 7.0's ACL categories, in the order COMMAND INFO lists them. A row
 * names the ones Redis's command table names; ss_command_acl adds those the
 * flags imply, as Redis does (write, read, admin + dangerous, pubsub, fast,
 * blocking, and slow for whatever is not fast). */
enum {
    ACL_KEYSPACE    = 1u << 0,
    ACL_READ        = 1u << 1,
    ACL_WRITE       = 1u << 2,
    ACL_SET         = 1u << 3,
    ACL_SORTEDSET   = 1u << 4,
    ACL_LIST        = 1u << 5,
    ACL_HASH        = 1u << 6,
    ACL_STRING      = 1u << 7,
    ACL_BITMAP      = 1u << 8,
    ACL_HYPERLOGLOG = 1u << 9,
    ACL_GEO         = 1u << 10,
    ACL_STREAM      = 1u << 11,
    ACL_PUBSUB      = 1u << 12,
    ACL_ADMIN       = 1u << 13,
    ACL_FAST        = 1u << 14,
    ACL_SLOW        = 1u << 15,
    ACL_BLOCKING    = 1u << 16,
    ACL_DANGEROUS   = 1u << 17,
    ACL_CONNECTION  = 1u << 18,
    ACL_TRANSACTION = 1u << 19,
    ACL_SCRIPTING   = 1u << 20,
    ACL_COUNT       = 21,
};

/* The name of category bit i ("keyspace"...), or NULL past the last. */
const char *ss_acl_category_name(int i);
/* The bit of a category name (case-insensitive), 0 if none. */
uint32_t ss_acl_category(const char *name, size_t len);

/*
 * Key specs, as Redis 7.0 declares them: where a command's keys are and
 * what it does to them. The search begins at an argument index (or after a
 * keyword), then finds keys as a range (lastkey relative to the start, -1:
 * to the end; every keystep-th; limit > 1: only the first 1/limit of what
 * is left) or as a count (the argument keynumidx after the start holds how
 * many keys follow, from firstkey after the start).
 *
 * Flags: exactly one of RO (read only), RW (read and modified), OW (overwritten
 * without being read), RM (removed); then what happens to the value: ACCESS
 * (returned or its content used), UPDATE, INSERT, DELETE.
 */
enum {
    KS_RO             = 1u << 0,
    KS_RW             = 1u << 1,
    KS_OW             = 1u << 2,
    KS_RM             = 1u << 3,
    KS_ACCESS         = 1u << 4,
    KS_UPDATE         = 1u << 5,
    KS_INSERT         = 1u << 6,
    KS_DELETE         = 1u << 7,
    KS_NOT_KEY        = 1u << 8,
    KS_INCOMPLETE     = 1u << 9,
    KS_VARIABLE_FLAGS = 1u << 10, /* the flags depend on the arguments: the row's getkeys tells */
};

enum { SS_KS_INDEX = 1, SS_KS_KEYWORD = 2, SS_KS_BEGIN_UNKNOWN = 3 };  /* begin_search */
enum { SS_KS_RANGE = 1, SS_KS_KEYNUM = 2, SS_KS_FIND_UNKNOWN = 3 };     /* find_keys */

typedef struct ss_keyspec {
    uint16_t flags;           /* KS_* */
    uint8_t begin;            /* SS_KS_INDEX or SS_KS_KEYWORD; 0: no spec */
    uint8_t find;             /* SS_KS_RANGE or SS_KS_KEYNUM */
    int index;                /* INDEX: the argument the search begins at */
    const char *keyword;      /* KEYWORD: the search begins after it... */
    int startfrom;            /* ...looked for from this argument (negative: from the end, backwards) */
    int lastkey, keystep, limit; /* RANGE (keystep also KEYNUM) */
    int keynumidx, firstkey;  /* KEYNUM */
} ss_keyspec;

#define SS_KEYSPECS_MAX 4

/* Spec parts: {.flags = KS_RW, KS_BEGIN_INDEX(1), KS_FIND_RANGE(0, 1, 0)}. */
#define KS_BEGIN_INDEX(i) .begin = SS_KS_INDEX, .index = (i)
#define KS_BEGIN_KEYWORD(kw, from) .begin = SS_KS_KEYWORD, .keyword = (kw), .startfrom = (from)
#define KS_FIND_RANGE(last, step, lim) .find = SS_KS_RANGE, .lastkey = (last), .keystep = (step), .limit = (lim)
#define KS_FIND_KEYNUM(idx, first, step) .find = SS_KS_KEYNUM, .keynumidx = (idx), .firstkey = (first), .keystep = (step)
/* Keys the arguments cannot locate (SORT's BY/GET and STORE): "unknown". */
#define KEYS_UNKNOWN(fl) {.flags = (fl), .begin = SS_KS_BEGIN_UNKNOWN, .find = SS_KS_FIND_UNKNOWN}
/* The usual specs. One key at argument i: */
#define KEY(i, fl) {.flags = (fl), KS_BEGIN_INDEX(i), KS_FIND_RANGE(0, 1, 0)}
/* Every step-th argument from i to the end (DEL, MSET): */
#define KEYS_TO_END(i, step, fl) {.flags = (fl), KS_BEGIN_INDEX(i), KS_FIND_RANGE(-1, step, 0)}
/* numkeys at argument i, then that many keys (SINTERCARD, ZUNIONSTORE): */
#define KEYNUM(i, fl) {.flags = (fl), KS_BEGIN_INDEX(i), KS_FIND_KEYNUM(0, 1, 1)}

/* A key a command line names: its argument index and key spec flags. */
typedef struct ss_keyref {
    int pos;
    uint16_t flags;
} ss_keyref;

/* Where a read or an apply runs. */
/*
 * What apply tells the node about each change it makes, as Redis's
 * signalModifiedKey, notifyKeyspaceEvent and signalKeyAsReady do; the engine
 * turns them into keyspace notifications, client-tracking invalidations,
 * wake-ups of clients blocked on a key and WATCH outcomes, on every node
 * alike (apply is deterministic, so every node raises the same events in the
 * same order). Commands raise them through ss_exec_modified/notify/ready/
 * flushed (keyhelpers.h); in a read, or with no listener, they do nothing.
 */
enum {
    /* notify-keyspace-events classes (Redis's NOTIFY_* bits). */
    SS_NOTIFY_KEYSPACE = 1 << 0,  /* K */
    SS_NOTIFY_KEYEVENT = 1 << 1,  /* E */
    SS_NOTIFY_GENERIC  = 1 << 2,  /* g: DEL, EXPIRE, RENAME... */
    SS_NOTIFY_STRING   = 1 << 3,  /* $ */
    SS_NOTIFY_LIST     = 1 << 4,  /* l */
    SS_NOTIFY_SET      = 1 << 5,  /* s */
    SS_NOTIFY_HASH     = 1 << 6,  /* h */
    SS_NOTIFY_ZSET     = 1 << 7,  /* z */
    SS_NOTIFY_EXPIRED  = 1 << 8,  /* x */
    SS_NOTIFY_EVICTED  = 1 << 9,  /* e */
    SS_NOTIFY_STREAM   = 1 << 10, /* t */
    SS_NOTIFY_KEY_MISS = 1 << 11, /* m (raised by reads: node-local, not through apply) */
    SS_NOTIFY_LOADED   = 1 << 12, /* module only */
    SS_NOTIFY_MODULE   = 1 << 13, /* d */
    SS_NOTIFY_NEW      = 1 << 14, /* n */
};

typedef struct ss_exec_events {
    void *ctx;
    /* A key's value changed or it was deleted (WATCH, tracking). */
    void (*modified)(void *ctx, int db, const char *key, size_t klen);
    /* notifyKeyspaceEvent(type, event, key, db). */
    void (*notify)(void *ctx, int db, int type, const char *event, const char *key, size_t klen);
    /* A list, sorted set or stream key may now serve clients blocked on it. */
    void (*ready)(void *ctx, int db, const char *key, size_t klen);
    /* A whole database changed (FLUSHDB: db; FLUSHALL: -1). */
    void (*flushed)(void *ctx, int db);
    /* SWAPDB db1 db2 (db1 != db2), once the store has swapped them:
     * Redis's dbSwapDatabases touches watchers, answers XREADGROUPs on
     * streams gone and serves waiters on keys now there. */
    void (*swapped)(void *ctx, int db1, int db2);
    /* PUBLISH / SPUBLISH (shard): delivered to this node's subscribers once
     * the entry is committed; returns how many of them receive it (the count
     * Redis Cluster answers: the receiving node's). */
    long long (*publish)(void *ctx, const char *ch, size_t chlen, const char *msg, size_t mlen, bool shard);
} ss_exec_events;

typedef struct ss_exec_ctx {
    ss_node *node;
    const ss_exec_events *events; /* apply: the engine's listener (or NULL); reads: NULL */
    ss_txn *txn;       /* reads: a read-only txn; apply: the batch's txn */
    int db;
    int64_t now_ms;    /* apply: the entry's time; reads: the local clock */
    uint64_t index;    /* apply: the Raft index of the entry (collection versions); reads: 0 */
    uint64_t rng;      /* PRNG state: seeded from the entry (apply) or locally (reads) */
    resp_proto proto;
    ss_buf *out;
    bool is_apply;
    bool deny_blocking; /* MULTI or a script: a blocking command answers at once (CLIENT_DENY_BLOCKING) */
    bool from_script;   /* called by a script (CLIENT_SCRIPT) */
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
/* Redis's getkeys_proc, for key specs that cannot say it all (variable
 * flags, a count that does not parse): fills keys (room for a->argc) and
 * returns how many. */
typedef int (*ss_getkeys_fn)(const ss_args *a, ss_keyref *keys);

/*
 * One row of the table: the routing facts of a command. Its COMMAND DOCS
 * text (summary, group, complexity, arguments, tips...) lives apart, in
 * commands/docs/. Which handlers a row has says how the command travels (the
 * kinds above): `local` runs at once on the receiving node; `exec` is a
 * read, or with CMD_WRITE the apply half of a write, whose optional
 * `prepare` half checks the syntax on the receiving node first. A row may
 * have both `local` and `exec` (PING and ECHO also run inside MULTI).
 */
typedef struct ss_command {
    const char *name;     /* lowercase; a subcommand's is "container|sub" */
    int arity;            /* argc including the name; negative: at least -arity */
    uint32_t flags;       /* CMD_* */
    uint32_t acl;         /* ACL_* categories beyond those the flags imply */
    ss_keyspec keys[SS_KEYSPECS_MAX];
    ss_local_fn local;
    ss_exec_fn exec;
    ss_prepare_fn prepare;
    ss_getkeys_fn getkeys;
    /* A container (CONFIG, CLIENT, COMMAND...): its subcommands, rows named
     * "container|sub", ended by SS_END. argv[1] picks one; each has its own
     * arity, flags and handler. */
    const struct ss_command *subcommands;
    /* A CMD_WRITE row some of whose lines only read (SORT without STORE,
     * GEORADIUS without STORE): false for those, which then run as reads,
     * not through the log. NULL: every line of a CMD_WRITE row writes. */
    bool (*writes)(const ss_args *a);
} ss_command;

/*
 * A row is one line: the kind of command, then name, arity, the flags beyond
 * those the kind implies, the ACL categories beyond those the flags imply,
 * the handler, and any optional field by name (.prepare, .keys, .getkeys):
 *
 *     SS_READ("get", 2, CMD_FAST, ACL_STRING, getExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
 *     SS_LOCAL("time", 1, CMD_LOADING | CMD_STALE | CMD_FAST, 0, timeCommand),
 */
#define SS_ROW(nm, ar, fl, cats, ...) {.name = (nm), .arity = (ar), .flags = (fl), .acl = (cats), __VA_ARGS__}
/* Answered at once by the node the client is connected to. */
#define SS_LOCAL(nm, ar, fl, cats, fn, ...) SS_ROW(nm, ar, CMD_LOCAL_ONLY | (fl), cats, .local = (fn), __VA_ARGS__)
/* Reads the keyspace after the read barrier. */
#define SS_READ(nm, ar, fl, cats, fn, ...) SS_ROW(nm, ar, CMD_READONLY | (fl), cats, .exec = (fn), __VA_ARGS__)
/* Changes the keyspace through the Raft log; fn is the apply half. */
#define SS_WRITE(nm, ar, fl, cats, fn, ...) SS_ROW(nm, ar, CMD_WRITE | (fl), cats, .exec = (fn), __VA_ARGS__)
/* Not a write in Redis's eyes, but it must reach every node in order, so it
 * travels through the log (PUBLISH); fn is the apply half. */
#define SS_LOGGED(nm, ar, fl, cats, fn, ...) SS_ROW(nm, ar, CMD_LOGGED | (fl), cats, .exec = (fn), __VA_ARGS__)
/* MULTI EXEC DISCARD WATCH UNWATCH: src/engine/multi.c runs them. */
#define SS_TXN(nm, ar, fl, cats, ...) SS_ROW(nm, ar, CMD_TXN | CMD_LOCAL_ONLY | (fl), cats, __VA_ARGS__)
/* EVAL, SCRIPT, FUNCTION, FCALL and their subcommands: src/engine/scripts.c
 * decides how each travels (a script's flags say read or write). */
#define SS_SCRIPTING(nm, ar, fl, cats, ...) SS_ROW(nm, ar, CMD_SCRIPTING | (fl), cats, __VA_ARGS__)
/* RAFT.NODE and RAFT.TRANSFER_LEADER: src/engine/membership.c runs them on
 * the leader (they change the cluster, not the keyspace). */
#define SS_MEMBERSHIP(nm, ar, fl, cats) SS_ROW(nm, ar, CMD_MEMBERSHIP | CMD_NO_LOG | (fl), cats)
/* Proposed by the server itself, never accepted from a client. */
#define SS_INTERNAL(nm, ar, fn, ...) SS_ROW(nm, ar, CMD_INTERNAL | CMD_WRITE, 0, .exec = (fn), __VA_ARGS__)
/* A container: argv[1] names one of its subcommands, whose row runs it. It
 * has a handler of its own only if it may run alone (COMMAND). */
#define SS_CONTAINER(nm, ar, fl, cats, subs, ...) SS_ROW(nm, ar, fl, cats, .subcommands = (subs), __VA_ARGS__)
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
/* Whether this command line goes through the log: a write (CMD_WRITE)
 * unless the row's `writes` says this line only reads (SORT without
 * STORE), or a logged row (CMD_LOGGED: PUBLISH). */
bool ss_command_writes(const ss_command *cmd, const ss_args *a);
/* Whether argc fits the arity. */
bool ss_command_arity_ok(const ss_command *cmd, int argc);

/* What Redis derives from a row (commands/keyspecs.c). */
/* The flags, with movablekeys when the keys are not one plain range. */
uint32_t ss_command_flags(const ss_command *c);
/* The categories, with those the flags imply. */
uint32_t ss_command_acl(const ss_command *c);
/* The number of key specs. */
int ss_command_nkeyspecs(const ss_command *c);
/* COMMAND INFO's first key, last key and step (0 0 0: none), from the specs. */
void ss_command_key_range(const ss_command *c, int *first, int *last, int *step);
/* Whether any spec names real keys (COMMAND GETKEYS). */
bool ss_command_has_keys(const ss_command *c);
/*
 * The keys of a command line, as Redis's getKeysFromCommandWithSpecs: from
 * the key specs, or the row's getkeys when the specs cannot tell. keys has
 * room for SS_KEYSPECS_MAX * a->argc. Returns how many; 0 when the
 * arguments do not hold the keys the command needs.
 */
int ss_command_getkeys(const ss_command *c, const ss_args *a, ss_keyref *keys);
/* The Redis Cluster slot of the command line's first key (the one a cluster
 * client routes by), or -1 when it names none. */
int ss_command_slot(const ss_command *c, const ss_args *a);
/*
 * A getkeys for "[store] numkeys key [key ...]" (Redis's genericGetKeys):
 * the count at count_at, read with atoi as Redis does, the keys from first
 * every step-th, then the store key (0: none). No flags: the key specs have
 * them.
 */
int ss_getkeys_counted(const ss_args *a, int store, int count_at, int first, int step, ss_keyref *keys);

#endif

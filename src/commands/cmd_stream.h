/* The stream family's shared parts: IDs, a stream's layout in the store (entries, Redis's macro nodes, consumer groups and their PELs) and the family's errors, for the commands in cmd_stream*.c. */
#ifndef SS_CMD_STREAM_H
#define SS_CMD_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "commands/keyhelpers.h"

/*
 * Layout: a stream is a collection (SS_TYPE_STREAM) whose meta.count is its
 * length and whose meta.hdr holds what every XADD changes (last ID, entries
 * added, the tail macro node); everything else is a sub-key under the key's
 * version, so DEL is O(1) and nothing is ever loaded whole:
 *
 *   'e' id(16)                       an entry: node(8) nfields(4) {len(4) bytes}*2n
 *   'n' seq(8)                       a macro node (below)
 *   'm'                              first ID, max deleted ID, number of groups
 *   'g' group                        a group: last ID, entries read, PEL size, consumers
 *   'c' glen(4) group consumer       a consumer: seen time, PEL size
 *   'p' glen(4) group id(16)         the group's PEL: delivery time, count, consumer
 *   'q' glen(4) group clen(4) consumer id(16)   the consumer's PEL (an index)
 *
 * IDs are 16 bytes big-endian (ms, seq), so entries, PELs and XRANGE, XTRIM
 * and XREADGROUP are range scans in ID order. Groups and consumers sort by
 * name as Redis's radix trees do.
 *
 * Macro nodes: Redis keeps a stream as listpacks of at most 100 entries or
 * 4096 bytes, and MAXLEN/MINID with ~ trims whole listpacks only, so what an
 * approximate trim removes depends on where they begin. sandstore stores
 * entries one per sub-key but keeps a record per listpack Redis would have
 * (its first ID, last ID, live and deleted entries, the bytes Redis's
 * listpack would take), so `~` removes exactly what Redis removes and XINFO
 * STREAM reports Redis's radix-tree-keys and radix-tree-nodes.
 */

/* ------------------------------------------------------------ IDs (cmd_stream_id.c) */

typedef struct sid {
    uint64_t ms, seq;
} sid;

#define SID_LEN 16      /* encoded */
#define SID_STR_MAX 44  /* "ms-seq" and a NUL */
#define SID_MIN ((sid){0, 0})
#define SID_MAX ((sid){UINT64_MAX, UINT64_MAX})

int sid_cmp(sid a, sid b);
static inline bool sid_is_zero(sid a) { return a.ms == 0 && a.seq == 0; }
/* The next (previous) ID; false, leaving 0-0 (max), past the last (first). */
bool sid_incr(sid *id);
bool sid_decr(sid *id);
void sid_encode(sid id, unsigned char out[SID_LEN]);
sid sid_decode(const void *in);
size_t sid_format(sid id, char out[SID_STR_MAX]);
void sid_reply(ss_buf *out, sid id);

/* 4-byte big-endian lengths inside records. */
static inline uint32_t get_u32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Parses argument i as streamGenericParseIDOrReply does: "ms-seq", "ms"
 * (seq = missing_seq), "-" and "+" unless strict, and with seq_given (XADD)
 * "ms-*" (*seq_given false). False when invalid (nothing replied). */
bool sid_parse(const ss_args *a, int i, uint64_t missing_seq, bool strict, bool *seq_given, sid *out);
/* The same, replying the error. */
bool sid_parse_or_reply(ss_buf *out, const ss_args *a, int i, uint64_t missing_seq, bool strict, sid *id);
/* A range bound: "(" makes it exclusive (then strict), which moves it one ID
 * in (start: up, end: down); replies the error and returns false. */
bool sid_parse_range(ss_buf *out, const ss_args *a, int i, bool is_end, sid *id);

/* ------------------------------------------------------------ errors (cmd_stream_id.c) */

#define STREAM_ERRORS(X)                                                                                 \
    X(SERR_INVALID_ID, "ERR Invalid stream ID specified as stream command argument")                    \
    X(SERR_XADD_ZERO, "ERR The ID specified in XADD must be greater than 0-0")                          \
    X(SERR_XADD_SMALL, "ERR The ID specified in XADD is equal or smaller than the target stream top item") \
    X(SERR_EXHAUSTED, "ERR The stream has exhausted the last possible ID, unable to add more items")     \
    X(SERR_MAXLEN_NEG, "ERR The MAXLEN argument must be >= 0.")                                          \
    X(SERR_LIMIT_NEG, "ERR The LIMIT argument must be >= 0.")                                            \
    X(SERR_MAXLEN_MINID, "ERR syntax error, MAXLEN and MINID options at the same time are not compatible") \
    X(SERR_LIMIT_NO_STRATEGY, "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy") \
    X(SERR_XTRIM_NO_STRATEGY, "ERR syntax error, XTRIM must be called with a trimming strategy")         \
    X(SERR_LIMIT_NO_APPROX, "ERR syntax error, LIMIT cannot be used without the special ~ option")       \
    X(SERR_START_INTERVAL, "ERR invalid start ID for the interval")                                      \
    X(SERR_END_INTERVAL, "ERR invalid end ID for the interval")                                          \
    X(SERR_UNBALANCED, "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.") \
    X(SERR_GROUP_XREAD, "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.") \
    X(SERR_NOACK_XREAD, "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.") \
    X(SERR_MISSING_GROUP, "ERR Missing GROUP option for XREADGROUP")                                     \
    X(SERR_NOGROUP_READ, "NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with GROUP option") \
    X(SERR_DOLLAR_GROUP, "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.") \
    X(SERR_GT_XREAD, "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.") \
    X(SERR_TIMEOUT_NOTINT, "ERR timeout is not an integer or out of range")                              \
    X(SERR_TIMEOUT_NEG, "ERR timeout is negative")                                                       \
    X(SERR_TIMEOUT_RANGE, "ERR timeout is out of range")                                                 \
    X(SERR_BLOCK_SCRIPT, "ERR %s command is not allowed with BLOCK option from scripts")                \
    X(SERR_BUSYGROUP, "BUSYGROUP Consumer Group name already exists")                                    \
    X(SERR_NOGROUP, "NOGROUP No such consumer group '%s' for key name '%s'")                             \
    X(SERR_NOGROUP_KEY, "NOGROUP No such key '%s' or consumer group '%s'")                               \
    X(SERR_XGROUP_NOKEY, "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.") \
    X(SERR_ENTRIESREAD, "ERR value for ENTRIESREAD must be positive or -1")                              \
    X(SERR_SUBCMD_SYNTAX, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.") \
    X(SERR_ENTRIES_ADDED_NEG, "ERR entries_added must be positive")                                      \
    X(SERR_XSETID_MAXDEL_ARG, "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id") \
    X(SERR_XSETID_TOP, "ERR The ID specified in XSETID is smaller than the target stream top item")      \
    X(SERR_XSETID_ADDED, "ERR The entries_added specified in XSETID is smaller than the target stream length") \
    X(SERR_XCLAIM_MINIDLE, "ERR Invalid min-idle-time argument for XCLAIM")                              \
    X(SERR_XCLAIM_IDLE, "ERR Invalid IDLE option argument for XCLAIM")                                   \
    X(SERR_XCLAIM_TIME, "ERR Invalid TIME option argument for XCLAIM")                                   \
    X(SERR_XCLAIM_RETRY, "ERR Invalid RETRYCOUNT option argument for XCLAIM")                            \
    X(SERR_XCLAIM_OPTION, "ERR Unrecognized XCLAIM option '%s'")                                         \
    X(SERR_XAUTOCLAIM_MINIDLE, "ERR Invalid min-idle-time argument for XAUTOCLAIM")                      \
    X(SERR_XAUTOCLAIM_COUNT, "ERR COUNT must be > 0")

#define STREAM_ERROR_ENUM(name, text) name,
typedef enum { STREAM_ERRORS(STREAM_ERROR_ENUM) SERR_COUNT } stream_err;
#undef STREAM_ERROR_ENUM

/* Appends "-<text>\r\n" with the table text's directives filled in. The
 * family's words live here, with the family, rather than in the shared
 * reply_errors.h, so that families written side by side do not collide. */
void stream_reply_err(ss_buf *out, stream_err code, ...);

/* addReplySubcommandSyntaxError: "unknown subcommand or wrong number of
 * arguments for 'create'. Try XGROUP HELP." */
void stream_reply_subcommand_syntax(ss_buf *out, const ss_args *a);

/* Replies whose length is known only at the end: the elements are written
 * into body, then the header and the body go to out. */
void sreply_begin(const ss_buf *out, ss_buf *body);
void sreply_end(ss_buf *out, ss_buf *body, long long n);
void sreply_end_map(ss_buf *out, resp_proto proto, ss_buf *body, long long n);

/* Options taking integers, as getLongLongFromObjectOrReply. */
bool stream_arg_ll(ss_buf *out, const ss_args *a, int i, long long *v);

/* ------------------------------------------------------------ a stream (cmd_stream_store.c) */

typedef struct stream {
    ss_key k;               /* meta.count is the length */
    sid last_id;            /* hdr */
    uint64_t entries_added; /* hdr */
    uint64_t tail_node;     /* hdr: seq of the tail macro node, 0: none */
    /* The 'm' record, read on demand (stream_info). */
    bool info_loaded, info_dirty;
    sid first_id, max_deleted;
    uint64_t ngroups;
} stream;

static inline uint64_t stream_len(const stream *s) { return s->k.meta.count; }

/* Opens argument argi (or a name) as a stream: ss_key_open's results. */
ss_lookup stream_open(ss_exec_ctx *ctx, const ss_args *a, int argi, stream *s);
/* stream_open for a command that answers a missing key with one fixed reply
 * (XLEN-like :0, XRANGE's *0, XINFO's "no such key"): true when the stream
 * is open; otherwise the command is done, its reply given. */
bool stream_open_or_reply(ss_exec_ctx *ctx, const ss_args *a, int argi, stream *s, resp_shared missing);
/* Makes an opened, missing key a new empty stream (written by stream_save). */
void stream_create(ss_exec_ctx *ctx, stream *s);
/* Reads the 'm' record; SS_OK or a storage error. */
int stream_info(ss_exec_ctx *ctx, stream *s);
/* Writes the metadata (an empty stream stays: streams are never deleted for
 * being empty) and the 'm' record when changed. */
int stream_save(ss_exec_ctx *ctx, stream *s);

/* Sub-keys: the tag, then the parts, in an inline buffer or on the heap. */
typedef struct skey {
    unsigned char inl[96];
    unsigned char *p;
    size_t len, cap;
} skey;

void skey_init(skey *k, char tag);
void skey_add(skey *k, const void *p, size_t n);
void skey_add_u32(skey *k, uint32_t v);
void skey_add_u64(skey *k, uint64_t v);
void skey_add_id(skey *k, sid id);
/* Whether the builder ran out of memory (the key is then unusable). */
static inline bool skey_bad(const skey *k) { return k->p == NULL; }
void skey_release(skey *k);
/* Gets, puts and deletes a sub-key of s (SS_ENOMEM for a bad key). */
int stream_sub_get(ss_exec_ctx *ctx, const stream *s, const skey *k, ss_slice *val);
int stream_sub_put(ss_exec_ctx *ctx, const stream *s, const skey *k, const void *v, size_t vlen);
int stream_sub_del(ss_exec_ctx *ctx, const stream *s, const skey *k);
/* An iterator over the sub-keys of s that begin with prefix (positioned at
 * the first, or at sub if given: the first >= sub, or with for_prev the last
 * <= sub); valid while stream_sub_iter_valid. Free with ss_ks_subiter_free. */
int stream_sub_iter(ss_exec_ctx *ctx, const stream *s, ss_ks_subiter **it);
bool stream_sub_has_prefix(const ss_ks_subiter *it, const skey *prefix);

/* Entries. A decoded entry value: its macro node and field/value pairs. */
typedef struct sentry {
    uint64_t node;
    uint32_t nfields;
    const unsigned char *pairs, *end;
} sentry;

bool sentry_decode(ss_slice v, sentry *e);
/* Replies [id, [field, value, ...]]. */
void sentry_reply(ss_buf *out, sid id, const sentry *e);
/* Gets one entry: SS_OK, SS_ENOTFOUND or a storage error. */
int stream_entry_get(ss_exec_ctx *ctx, const stream *s, sid id, ss_slice *val);
/* The last entry's ID (streamLastValidID); false when empty. */
int stream_last_entry(ss_exec_ctx *ctx, const stream *s, sid *id, bool *found);
/* The first entry's ID; false when empty. */
int stream_first_entry(ss_exec_ctx *ctx, const stream *s, sid *id, bool *found);

/* Walks entries in [start, end] forward (or backward with rev). */
typedef struct swalk {
    ss_ks_subiter *it;
    sid start, end;
    bool rev;
    bool primed; /* positioned on the first candidate, not yet returned */
    sid id;
    ss_slice val;
} swalk;

int swalk_start(ss_exec_ctx *ctx, const stream *s, sid start, sid end, bool rev, swalk *w);
/* Moves to the next entry in range: false at the end. */
bool swalk_next(swalk *w);
void swalk_stop(swalk *w);
/* Replies the entries of [start, end] (count 0: all) as an array; returns
 * how many (streamReplyWithRange without a group). */
int stream_reply_range(ss_exec_ctx *ctx, ss_buf *out, const stream *s, sid start, sid end, long long count,
                       bool rev, size_t *emitted);

/* Appends an entry of the nfields pairs at a->argv[first...] with id (known
 * to be greater than the last ID). Keeps length, last ID, entries added,
 * first ID and the macro nodes. */
int stream_append(ss_exec_ctx *ctx, stream *s, sid id, const ss_args *a, int first, int nfields);
/* Writes the entry record alone (id in macro node `node`): no counter moves. */
int stream_put_entry(ss_exec_ctx *ctx, const stream *s, sid id, uint64_t node, const ss_args *a, int first,
                     int nfields);
/* XDEL of one ID: *deleted when it existed. */
int stream_delete(ss_exec_ctx *ctx, stream *s, sid id, bool *deleted);

/* XADD's and XTRIM's trimming (streamAddTrimArgs). */
enum { TRIM_NONE, TRIM_MAXLEN, TRIM_MINID };
typedef struct strim {
    int strategy;
    bool approx;
    long long maxlen;
    sid minid;
    long long limit; /* 0: none */
} strim;

int stream_trim(ss_exec_ctx *ctx, stream *s, const strim *t, int64_t *deleted);

/* ------------------------------------------------------------ macro nodes (cmd_stream_node.c) */

/* Redis's defaults: stream-node-max-entries and stream-node-max-bytes. */
#define STREAM_NODE_MAX_ENTRIES 100
#define STREAM_NODE_MAX_BYTES 4096

typedef struct snode {
    uint64_t seq;
    sid master, last;
    uint64_t live, deleted, bytes;
    uint32_t nfields;
    unsigned char *fields; /* the master entry's fields: {len(4) bytes}*nfields (malloc'd) */
    size_t fields_len;
} snode;

int snode_get(ss_exec_ctx *ctx, const stream *s, uint64_t seq, snode *n);
int snode_put(ss_exec_ctx *ctx, const stream *s, const snode *n);
int snode_del(ss_exec_ctx *ctx, stream *s, uint64_t seq);
void snode_release(snode *n);
/* The node an entry with id joins as Redis's streamAppendItem decides (a new
 * one when the tail is full), with its counters and bytes updated and
 * written; *seq names it. */
int snode_append(ss_exec_ctx *ctx, stream *s, sid id, const ss_args *a, int first, int nfields, uint64_t *seq);
/* removed live entries of node n were deleted but stay in Redis's listpack,
 * flagged: the counters (and the bytes they take) change. */
void snode_count_removed(snode *n, uint64_t removed);
/* XINFO STREAM's radix-tree-keys and radix-tree-nodes of Redis's rax over
 * the nodes' first IDs. O(nodes). */
int snode_rax_stats(ss_exec_ctx *ctx, const stream *s, uint64_t *keys, uint64_t *nodes);
/* The last node before seq (for a tail that went): 0 if none. */
int snode_prev(ss_exec_ctx *ctx, const stream *s, uint64_t seq, uint64_t *prev);

/* ------------------------------------------------------------ consumer groups (cmd_stream_group.c) */

#define SCG_INVALID_ENTRIES_READ (-1LL)

typedef struct sgroup {
    const char *name;
    size_t nlen;
    sid last_id;
    long long entries_read; /* SCG_INVALID_ENTRIES_READ: unknown */
    uint64_t pel_count;
    uint64_t consumers;
} sgroup;

typedef struct sconsumer {
    const char *name;
    size_t nlen;
    int64_t seen_time;
    uint64_t pel_count;
} sconsumer;

/* A PEL entry; its consumer's name is copied (inline when short). */
typedef struct snack {
    int64_t delivery_time;
    uint64_t delivery_count;
    char *consumer;
    size_t clen;
    char inl[64];
} snack;

ss_lookup sgroup_get(ss_exec_ctx *ctx, const stream *s, const char *name, size_t len, sgroup *g);
/* Opens the stream at argument keyarg and its group named by argument
 * grouparg: SS_FOUND when both exist, SS_MISSING when either does not (the
 * caller answers: XACK 0, NOGROUP...), SS_REPLIED on an error. */
ss_lookup stream_group_open(ss_exec_ctx *ctx, const ss_args *a, int keyarg, int grouparg, stream *s, sgroup *g);
/* stream_group_open of argv[1] and argv[2] for XPENDING, XCLAIM and
 * XAUTOCLAIM: true when both are open; otherwise the command is done, NOGROUP
 * replied for either missing. */
bool stream_group_open_or_reply(ss_exec_ctx *ctx, const ss_args *a, stream *s, sgroup *g);
int sgroup_put(ss_exec_ctx *ctx, const stream *s, const sgroup *g);
/* A new group (the caller checked it is missing); counts it in 'm'. */
int sgroup_create(ss_exec_ctx *ctx, stream *s, const sgroup *g);
/* Deletes the group with its consumers and PEL: O(consumers + PEL). */
int sgroup_destroy(ss_exec_ctx *ctx, stream *s, const sgroup *g);
/* Calls cb for each group in name order (cb returning nonzero stops). */
typedef int (*sgroup_cb)(void *ud, const sgroup *g);
int sgroup_each(ss_exec_ctx *ctx, const stream *s, sgroup_cb cb, void *ud);

ss_lookup sconsumer_get(ss_exec_ctx *ctx, const stream *s, const sgroup *g, const char *name, size_t len,
                        sconsumer *c);
int sconsumer_put(ss_exec_ctx *ctx, const stream *s, const sgroup *g, const sconsumer *c);
/* Creates a consumer (counted in g, written with g by the caller) with
 * seen_time now, raising "xgroup-createconsumer". */
int sconsumer_create(ss_exec_ctx *ctx, const stream *s, sgroup *g, const char *name, size_t len, sconsumer *c);
/* Deletes a consumer with its pending entries (g's counters change). */
int sconsumer_delete(ss_exec_ctx *ctx, const stream *s, sgroup *g, const sconsumer *c);
typedef int (*sconsumer_cb)(void *ud, const sconsumer *c);
int sconsumer_each(ss_exec_ctx *ctx, const stream *s, const sgroup *g, sconsumer_cb cb, void *ud);

void snack_release(snack *n);
ss_lookup snack_get(ss_exec_ctx *ctx, const stream *s, const sgroup *g, sid id, snack *n);
/* Delivers id to consumer c (in memory, written by the caller, as is g): a
 * new PEL entry, or one taken from its previous owner, with delivery time now
 * and count 1 (streamReplyWithRange with a group). */
int spel_deliver(ss_exec_ctx *ctx, const stream *s, sgroup *g, sconsumer *c, sid id, int64_t now);
/* Gives id to consumer c with n's time and count: n is its PEL entry when
 * existed, else a new one (XCLAIM FORCE). */
int spel_claim(ss_exec_ctx *ctx, const stream *s, sgroup *g, sconsumer *c, sid id, const snack *n, bool existed);
/* Removes a PEL entry (XACK, claims of deleted entries): *found. held (may
 * be NULL) is a consumer the caller holds in memory: its count changes
 * there rather than in its record. */
int spel_remove(ss_exec_ctx *ctx, const stream *s, sgroup *g, sid id, sconsumer *held, bool *found);
/* Updates a PEL entry's time and count in place. */
int spel_touch(ss_exec_ctx *ctx, const stream *s, const sgroup *g, sid id, const snack *n);

/* Walks a PEL in ID order from start: the group's (consumer NULL) or one
 * consumer's. */
typedef struct spelwalk {
    ss_ks_subiter *it;
    skey prefix;
    sid id;
} spelwalk;

int spelwalk_start(ss_exec_ctx *ctx, const stream *s, const sgroup *g, const char *consumer, size_t clen, sid start,
                   bool from_end, spelwalk *w);
bool spelwalk_valid(spelwalk *w);
void spelwalk_next(spelwalk *w);
void spelwalk_prev(spelwalk *w);
void spelwalk_stop(spelwalk *w);
/* The value of the current group PEL entry (valid until the walk moves). */
bool spelwalk_nack(spelwalk *w, snack *n);

/* Redis's lag bookkeeping (streamRangeHasTombstones, streamEstimateDistance-
 * FromFirstEverEntry, streamReplyWithCGLag); s's info must be loaded. */
bool stream_range_has_tombstones(const stream *s, sid start);
long long stream_estimate_distance(const stream *s, sid id);
void stream_reply_lag(ss_exec_ctx *ctx, ss_buf *out, const stream *s, const sgroup *g);
/* A group read up to id: last ID and entries read move as Redis moves them. */
void sgroup_advance(const stream *s, sgroup *g, sid id);

/* ------------------------------------------------------------ the handlers */

/* cmd_stream_read.c */
void xreadExec(ss_exec_ctx *ctx, const ss_args *a);
void xreadgroupExec(ss_exec_ctx *ctx, const ss_args *a);
bool xreadgroupPrepare(ss_session *s, const ss_args *a, ss_buf *out);
/* cmd_stream_group.c */
extern const ss_command stream_xgroup_subcommands[];
void xackExec(ss_exec_ctx *ctx, const ss_args *a);
void xpendingExec(ss_exec_ctx *ctx, const ss_args *a);
/* cmd_stream_claim.c */
void xclaimExec(ss_exec_ctx *ctx, const ss_args *a);
void xautoclaimExec(ss_exec_ctx *ctx, const ss_args *a);
bool xautoclaimPrepare(ss_session *s, const ss_args *a, ss_buf *out);
/* cmd_stream_info.c */
extern const ss_command stream_xinfo_subcommands[];
/* cmd_stream_restore.c: RESTORE's stream (v decoded by ss_rdb_load_value)
 * as k (opened, no longer present). SS_OK or a storage error. */
struct ss_rdb_value;
int stream_restore(ss_exec_ctx *ctx, ss_key *k, const struct ss_rdb_value *v, uint64_t expire_ms);
/* cmd_stream_dump.c: DUMP's payload of stream argument argi (found) into
 * out, footer included: Redis 7.0's type 19. SS_OK or a storage error. */
int stream_dump(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_buf *out);

#endif

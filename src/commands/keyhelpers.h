/* Helpers shared by the keyspace command families: the typed key lookup (ss_key_open and friends), versions, arguments. */
#ifndef SS_KEYHELPERS_H
#define SS_KEYHELPERS_H

#include <string.h>
#include <strings.h>

#include "commands/access.h"
#include "commands/command.h"
#include "store/keyspace.h"
#include "store/strval.h"

/*
 * The one way a command opens a key, as Redis's lookupKeyReadOrReply /
 * lookupKeyWriteOrReply with checkType: a named result, and every error
 * already answered.
 */
typedef enum ss_lookup {
    SS_MISSING = 0, /* no such key (or it expired); no such element */
    SS_FOUND,       /* found, holding the type asked for */
    SS_REPLIED,     /* the key holds another type (WRONGTYPE was replied) or the store
                     * failed (recorded in ctx->status and replied): the command is done */
} ss_lookup;

/* A key as a command holds it. */
typedef struct ss_key {
    const char *name;
    size_t len;
    int db;
    ss_keymeta meta;
    ss_slice value;  /* a string's bytes, valid until the key is written (empty for a
                      * big string opened with SS_OPEN_NOVALUE: see ss_key_str) */
} ss_key;

/*
 * Opens argument argi of a in ctx->db at ctx->now_ms, wanting type
 * (SS_TYPE_NONE: any). k's name and db are set whatever the result; its meta
 * and value when SS_FOUND. A read counts a keyspace hit or miss, as Redis's
 * lookupKeyRead does (a hit even when the type is wrong), and raises
 * "keymiss" (class m) for a missing key; apply counts none. In apply, a key
 * whose time has passed is deleted on the spot with an "expired" event, as
 * Redis's expireIfNeeded does on a master (deterministic: the time is the
 * entry's).
 */
ss_lookup ss_key_open(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_type type, ss_key *k);
/* The same for a name in any db (COPY's and MOVE's destinations). */
ss_lookup ss_key_open_name(ss_exec_ctx *ctx, int db, const char *name, size_t len, ss_type type, ss_key *k);

/*
 * Options of ss_key_open_ex. A string over SS_STR_INLINE_MAX bytes is
 * stored in chunks (store/strval.h); opening it as a string (or any type)
 * assembles its bytes into k->value, unless SS_OPEN_NOVALUE says the command
 * needs none or reads them through ss_key_str (DEL, TTL, STRLEN, SETBIT...).
 */
enum { SS_OPEN_NOVALUE = 1, SS_OPEN_NOTOUCH = 2 };
/*
 * A hint that the command's first key is about to be opened: asks the CPU
 * for the record cache's and the access table's buckets (!deep), then for
 * their first entries (deep). A batch of pipelined reads hints every
 * command, shallow then deep, before running any: the cache misses of the
 * batch's lookups (two tables, a bucket and an entry each, on keys spread
 * over a large keyspace) then overlap. Changes nothing.
 */
void ss_key_prefetch(ss_exec_ctx *ctx, const ss_args *a, bool deep);
ss_lookup ss_key_open_ex(ss_exec_ctx *ctx, int db, const char *name, size_t len, ss_type type, int flags,
                         ss_key *k);
/* ss_key_open with SS_OPEN_NOVALUE. */
ss_lookup ss_key_open_meta(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_type type, ss_key *k);
/*
 * Access tracking (commands/access.h): every lookup that finds its key
 * records an access on this node, as Redis's lookupKey does, unless opened
 * with SS_OPEN_NOTOUCH (Redis's LOOKUP_NOTOUCH: EXISTS, TYPE, TTL and its
 * kin, OBJECT, MEMORY USAGE). ss_key_open_probe is ss_key_open_meta with it.
 */
ss_lookup ss_key_open_probe(ss_exec_ctx *ctx, const ss_args *a, int argi, ss_type type, ss_key *k);
/* OBJECT ENCODING's and OBJECT REFCOUNT's answers for k (opened and found;
 * a small string's value read): the encoding Redis 7.0 would choose, or
 * *rc a storage error (commands/cmd_object.c; DEBUG OBJECT's too). */
const char *ss_object_describe(ss_exec_ctx *ctx, const ss_key *k, long long *refcount, int *rc);
/* The access policy of the node's configuration now. */
struct ss_access_policy ss_exec_access_policy(const ss_node *node);

/* A string key (opened, found or missing) as the store's string layer takes it. */
static inline ss_strval ss_key_str(const ss_key *k)
{
    return (ss_strval){k->db, k->name, k->len, k->meta, k->value};
}

/* The length of string k (opened and found). */
static inline uint64_t ss_key_strlen(const ss_key *k)
{
    return ss_str_len(&k->meta, k->value);
}

/* Writes string value val (n bytes) as name in db with expire_ms (0: none),
 * replacing whatever it held, in the representation its size calls for.
 * SS_OK or a storage error (not replied). */
int ss_str_store(ss_exec_ctx *ctx, int db, const char *name, size_t len, const void *val, size_t n,
                 uint64_t expire_ms);
/* Writes n bytes at off into string k (opened: found, or missing to create
 * it), growing it with zeros as needed and keeping its expiry; only the
 * chunks touched are rewritten. k then describes the new value. The caller
 * checks the size against the largest string. SS_OK or a storage error. */
int ss_str_write(ss_exec_ctx *ctx, ss_key *k, uint64_t off, const void *data, size_t n);
/* Makes k (opened, missing) a new empty collection of type, under a version
 * unique to this entry; nothing is written until ss_key_save. */
void ss_key_create(ss_exec_ctx *ctx, ss_type type, ss_key *k);
/* Writes a collection's metadata back, or deletes the key once it holds no
 * element. SS_OK or a storage error (not replied). */
int ss_key_save(ss_exec_ctx *ctx, const ss_key *k);
/* ss_key_save, replying a storage error; false then. */
bool ss_key_save_or_reply(ss_exec_ctx *ctx, const ss_key *k);
/* Deletes a key's record, if any (an expired leftover included). SS_OK or a
 * storage error (not replied). */
int ss_key_drop(ss_exec_ctx *ctx, int db, const char *name, size_t len);
/* The element of collection k under sub-key sub: SS_FOUND with its value,
 * SS_MISSING, or SS_REPLIED after a storage failure. */
ss_lookup ss_key_element(ss_exec_ctx *ctx, const ss_key *k, const void *sub, size_t sublen, ss_slice *val);

/* A collection version unique to this entry and call ((index << 20) + n), so a
 * key deleted and recreated inside one entry never shares sub-keys. */
uint64_t ss_exec_new_version(ss_exec_ctx *ctx);

/* Keyspace events (see ss_exec_events in command.h): call them where Redis's
 * t_*.c calls signalModifiedKey, notifyKeyspaceEvent and signalKeyAsReady,
 * with Redis's event names ("set", "lpush", "expired", ...), for the key of
 * argument / name given, in ctx->db. No-ops outside apply. */
void ss_exec_modified(ss_exec_ctx *ctx, const char *key, size_t klen);
void ss_exec_notify(ss_exec_ctx *ctx, int type, const char *event, const char *key, size_t klen);
void ss_exec_ready(ss_exec_ctx *ctx, const char *key, size_t klen);
/* What XREAD / XREADGROUP with BLOCK answer when they found nothing and may
 * wait, followed by " <id>" per stream (the IDs resolved, "$" included) and
 * CRLF: the engine's blocking.c takes it and parks the client; it never
 * reaches a client. */
#define SS_STREAM_WAIT_REPLY "-__XBLOCK"
void ss_exec_flushed(ss_exec_ctx *ctx, int db);
/* SWAPDB: db1 and db2 exchanged their keys (ss_exec_events.swapped). */
void ss_exec_swapped(ss_exec_ctx *ctx, int db1, int db2);
/* The same for a key of another db (COPY ... DB n, MOVE). */
void ss_exec_modified_db(ss_exec_ctx *ctx, int db, const char *key, size_t klen);
void ss_exec_notify_db(ss_exec_ctx *ctx, int db, int type, const char *event, const char *key, size_t klen);
void ss_exec_ready_db(ss_exec_ctx *ctx, int db, const char *key, size_t klen);
/* A write that reads a key as Redis's lookupKeyRead does (GETSET, COPY's
 * source, SINTERSTORE's sources...) raises "keymiss" (class m) for a missing
 * one; ss_key_open raises it in reads. */
void ss_exec_read_miss(ss_exec_ctx *ctx, const char *key, size_t klen);
/* A key comes into existence: Redis's dbAdd raises "new" (class n) before
 * the command's own event. */
void ss_exec_new(ss_exec_ctx *ctx, int db, const char *key, size_t klen);
/*
 * A key a command changed, deleted if it was emptied: signalModifiedKey, then
 * the command's event (Redis's order), then "del" if `deleted` (a collection
 * left without elements). For the many commands of the shape
 *     signalModifiedKey(key); notifyKeyspaceEvent(type, event, key);
 *     if (emptied) notifyKeyspaceEvent(NOTIFY_GENERIC, "del", key);
 */
void ss_exec_changed(ss_exec_ctx *ctx, int type, const char *event, const char *key, size_t klen, bool deleted);

/*
 * ss_key_save, then what a collection command raises once it changed k:
 * "new" if it created the key (Redis's dbAdd), signalModifiedKey, the
 * command's event (class type), and "del" if the save deleted the emptied
 * key. False after replying a storage error (no event then).
 */
bool ss_key_save_notify(ss_exec_ctx *ctx, const ss_key *k, bool created, int type, const char *event);

/* PUBLISH's apply half: see ss_exec_events.publish. 0 without a listener. */
long long ss_exec_publish(ss_exec_ctx *ctx, const char *ch, size_t chlen, const char *msg, size_t mlen, bool shard);

/* DEBUG DIGEST-VALUE's digest of one key as of now_ms (type, expiry and
 * value; all zeros when missing or expired): what WATCH compares. */
int ss_key_digest(ss_txn *txn, int db, const char *key, size_t klen, int64_t now_ms,
                  unsigned char out[SS_KEY_DIGEST_LEN]);

/* LMPOP / ZMPOP (and their blocking forms): numkeys at a->argv[at], the
 * keys, then one of two words (`first` true for w1), then [COUNT n], as
 * Redis 7.0 parses them; replies the error and returns false when wrong. */
bool ss_mpop_parse(const ss_args *a, int at, const char *w1, const char *w2, long long *numkeys, bool *first,
                   long long *count, ss_buf *out);

/* A blocking command's timeout (seconds, fractions allowed; 0 = forever) as
 * an absolute deadline in ms (0 = none) from now_ms, in Redis's words when
 * wrong (getTimeoutFromObjectOrReply). out may be NULL. */
bool ss_parse_timeout(const char *s, size_t len, int64_t now_ms, int64_t *deadline_ms, ss_buf *out);

/* Records a storage failure (the node must stop) and replies an error. */
void ss_exec_fail(ss_exec_ctx *ctx, int rc);

/* Case-insensitive comparison of argument i with a lowercase word. */
static inline bool ss_arg_is(const ss_args *a, int i, const char *word)
{
    size_t n = strlen(word);
    return a->argvlen[i] == n && strncasecmp(a->argv[i], word, n) == 0;
}

/* Replies a HELP text: an array of simple strings (Redis's addReplyHelp). */
void ss_reply_help(ss_buf *out, const char *const *lines, size_t n);
#define SS_REPLY_HELP(out, lines) ss_reply_help(out, lines, sizeof lines / sizeof lines[0])

/* Parses argument i as an integer; replies "not an integer" on failure. */
bool ss_arg_ll_or_reply(ss_exec_ctx *ctx, const ss_args *a, int i, long long *out);

#endif

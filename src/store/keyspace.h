/* The Redis keyspace on top of store transactions: typed keys with expiry, collection sub-keys, counters, flush, scan, sweep. */
#ifndef SS_KEYSPACE_H
#define SS_KEYSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/encode.h"
#include "store/keys.h"
#include "store/store.h"
#include "store/txn.h"

/*
 * Every function takes db in 0..SS_KS_DBS-1 (else SS_EINVAL) and works inside
 * a txn, so reads see the txn's own earlier writes (several Raft entries may
 * be applied in one txn). Apply code is deterministic: time comes in as
 * now_ms from the log entry, versions from the Raft index.
 *
 * Slices returned (string values, sub-key values) follow ss_txn_get's rule:
 * valid until the txn ends or the same key is written again in the txn.
 */

typedef enum {
    SS_TYPE_NONE = 0,
    SS_TYPE_STRING = 1,
    SS_TYPE_HASH = 2,
    SS_TYPE_LIST = 3,
    SS_TYPE_SET = 4,
    SS_TYPE_ZSET = 5,
    SS_TYPE_STREAM = 6,
    /* Room for more: the type is one byte in the metadata record. */
} ss_type;

#define SS_KS_HDR_MAX 32

/*
 * A key's metadata record.
 *   version: identifies one incarnation of a collection: its sub-keys live
 *     under (db, key, version). Pass the Raft index of the entry creating the
 *     key; it must differ from the version of any earlier incarnation of the
 *     same key, so when one entry deletes and recreates a key (MULTI/EXEC),
 *     make it unique, e.g. index * 64 + a per-entry counter.
 *   count: element count, maintained by the command layer (the keyspace only
 *     stores it).
 *   hdr: opaque type-specific bytes (list head/tail sequence numbers...).
 */
typedef struct {
    ss_type type;
    uint64_t expire_ms; /* absolute unix ms; 0 = no expiry */
    uint64_t version;
    uint64_t count;
    uint8_t hdr_len;
    uint8_t hdr[SS_KS_HDR_MAX];
} ss_keymeta;

/*
 * SS_OK with *meta (and *value for a string; may be NULL) filled, or
 * SS_ENOTFOUND when the key is missing or expired: a key with expire_ms <=
 * now_ms is invisible to reads at once, before its deletion is applied.
 */
int ss_ks_lookup(ss_txn *txn, int db, const void *key, size_t klen, uint64_t now_ms,
                 ss_keymeta *meta, ss_slice *value);
/* The same, ignoring expiry (for the expiry sweep and apply-side deletes). */
/* A hint that (db, key)'s record is about to be looked up (ss_ks_lookup):
 * asks the CPU for the record cache's bucket (!entry), then its entry; a
 * batch of reads hints every key before running any, so the cache misses
 * of the batch overlap instead of coming one after the other. Changes
 * nothing. */
void ss_ks_prefetch(ss_txn *txn, int db, const void *key, size_t klen, bool entry);
int ss_ks_lookup_any(ss_txn *txn, int db, const void *key, size_t klen,
                     ss_keymeta *meta, ss_slice *value);

/*
 * Creates or overwrites a key (value is a string's bytes; ignored for other
 * types). Overwriting keeps the key's sub-keys only when the old record is a
 * collection with the same version (an update of count, hdr or expiry);
 * otherwise the old collection's sub-keys are orphaned and queued for the
 * sweeper. Keeps the expiry index and DBSIZE in step. SS_EINVAL on a bad
 * db, type or hdr_len, or a collection changing type under the same
 * version; SS_EEXIST if a new collection reuses a version of the
 * same key that is still queued for sweeping (see version above).
 */
int ss_ks_set(ss_txn *txn, int db, const void *key, size_t klen, const ss_keymeta *meta,
              const void *value, size_t vlen);

/*
 * Deletes a key in O(1) whatever its size: removes the record and its expiry
 * index entry, decrements DBSIZE, queues a collection's sub-keys for the
 * sweeper. Expired keys are deleted too. SS_ENOTFOUND if there is no record.
 */
int ss_ks_delete(ss_txn *txn, int db, const void *key, size_t klen);

/* Sets (expire_ms > 0) or removes (0) a key's expiry, ignoring whether it
 * has already expired. SS_ENOTFOUND if there is no record. */
int ss_ks_set_expire(ss_txn *txn, int db, const void *key, size_t klen, uint64_t expire_ms);

/* Number of key records in db, expired-but-not-yet-deleted ones included
 * (as Redis' DBSIZE). */
int ss_ks_dbsize(ss_txn *txn, int db, uint64_t *out);

/* Keys of db with an expiry (expired-but-not-yet-deleted ones included) and
 * the mean of their time left at now_ms (0 when none): INFO keyspace's
 * expires and avg_ttl, from counters kept with the expiry index. */
int ss_ks_volatile(ss_txn *txn, int db, uint64_t now_ms, uint64_t *n, uint64_t *avg_ttl_ms);

/* Empties db (FLUSHDB) or every db (FLUSHALL) in O(1): the db moves to a new
 * epoch; the old epoch's keys become unreachable and are queued for the
 * sweeper. */
int ss_ks_flushdb(ss_txn *txn, int db);
int ss_ks_flushall(ss_txn *txn);

/*
 * SWAPDB: from now on db1 names what db2 named and the other way round, in
 * O(1): the store keeps which physical db each logical one maps to (every
 * function here takes the logical db), persisted in the same batch and
 * carried by snapshots. db1 == db2 is a no-op. SS_EINVAL out of range.
 */
int ss_ks_swapdb(ss_txn *txn, int db1, int db2);

/*
 * Collection sub-keys under (db, key, version). The command layer chooses
 * the bytes of sub (e.g. one namespace byte + member), so one collection can
 * hold several orderings. These do not check that the key exists or touch
 * its count: look it up first and keep the count with ss_ks_set.
 */
int ss_ks_sub_get(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version,
                  const void *sub, size_t sublen, ss_slice *val);
int ss_ks_sub_put(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version,
                  const void *sub, size_t sublen, const void *val, size_t vlen);
/* SS_OK whether or not the sub-key existed. */
int ss_ks_sub_del(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version,
                  const void *sub, size_t sublen);

/* An iterator over one collection's sub-keys in sub byte order. Not
 * positioned until a seek. sub() and value() are valid until it moves. */
typedef struct ss_ks_subiter ss_ks_subiter;

int ss_ks_subiter_new(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version,
                      ss_ks_subiter **out);
void ss_ks_subiter_free(ss_ks_subiter *it);
void ss_ks_subiter_seek_first(ss_ks_subiter *it);
void ss_ks_subiter_seek_last(ss_ks_subiter *it);
void ss_ks_subiter_seek(ss_ks_subiter *it, const void *sub, size_t sublen);          /* first >= sub */
void ss_ks_subiter_seek_for_prev(ss_ks_subiter *it, const void *sub, size_t sublen); /* last <= sub */
bool ss_ks_subiter_valid(const ss_ks_subiter *it);
void ss_ks_subiter_next(ss_ks_subiter *it);
void ss_ks_subiter_prev(ss_ks_subiter *it);
ss_slice ss_ks_subiter_sub(const ss_ks_subiter *it);
ss_slice ss_ks_subiter_value(const ss_ks_subiter *it);

/*
 * The live (unexpired at now_ms) keys of one db in key byte order. For KEYS
 * and SCAN: a SCAN cursor is the last key returned; resume with seek_after,
 * which returns every key that existed throughout the scan exactly once.
 */
typedef struct ss_ks_keyiter ss_ks_keyiter;

int ss_ks_keyiter_new(ss_txn *txn, int db, uint64_t now_ms, ss_ks_keyiter **out);
void ss_ks_keyiter_free(ss_ks_keyiter *it);
void ss_ks_keyiter_seek(ss_ks_keyiter *it, const void *key, size_t klen);       /* first >= key */
void ss_ks_keyiter_seek_after(ss_ks_keyiter *it, const void *key, size_t klen); /* first > key */
bool ss_ks_keyiter_valid(const ss_ks_keyiter *it);
void ss_ks_keyiter_next(ss_ks_keyiter *it);
ss_slice ss_ks_keyiter_key(const ss_ks_keyiter *it);
/* The current key's metadata (and string value if value is not NULL). */
int ss_ks_keyiter_meta(const ss_ks_keyiter *it, ss_keymeta *meta, ss_slice *value);

/*
 * RANDOMKEY: picks a live key from rnd (a random value supplied by the
 * caller); the same rnd over the same state picks the same key. Copies the
 * key into buf (SS_ETOOBIG if it does not fit, with *klen set to the size
 * needed). The choice is spread over the key space, not exactly uniform.
 * SS_ENOTFOUND if the db has no live key.
 */
int ss_ks_random_key(ss_txn *txn, int db, uint64_t now_ms, uint64_t rnd, char *buf,
                     size_t cap, size_t *klen);

/*
 * Calls cb for keys (of every db) whose expiry is <= now_ms, in expiry
 * order (then db, then key), at most limit of them; cb returning nonzero
 * stops early. For the leader, to propose their deletion. Returns the number
 * of keys passed to cb, or a negative ss_err. Entries left by a flush that
 * the sweeper has not reached yet are skipped, a bounded number per call
 * (4096), so a call may list fewer keys than are due: call again later.
 */
typedef int (*ss_ks_expired_cb)(void *ud, int db, const char *key, size_t klen,
                                uint64_t expire_ms);
int ss_ks_expired(ss_txn *txn, uint64_t now_ms, size_t limit, ss_ks_expired_cb cb, void *ud);

/*
 * Background sweep: deletes up to about budget unreachable LevelDB records
 * (sub-keys of deleted or overwritten collections, keys of flushed epochs) in
 * one commit that leaves the applied index alone. Never changes anything a
 * read can see; safe to interrupt anywhere (the queue is durable and
 * idempotent). *more says whether work remains. SS_EBUSY if a txn with
 * pending writes is open.
 */
int ss_store_sweep(ss_store *s, size_t budget, bool *more, char *errmsg);

#endif

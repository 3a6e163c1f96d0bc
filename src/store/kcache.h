/* A bounded LRU cache of committed LevelDB records in front of point reads (internal to store/). */
#ifndef SS_STORE_KCACHE_H
#define SS_STORE_KCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What the cache holds is what leveldb_get would answer for a raw store key
 * at the last commit: a value, or "absent" (a negative entry). It is exact by
 * construction, because every change to the committed state goes through one
 * of three places, each of which keeps it so:
 *   - txn_commit_internal, after its batch is written, sets every written
 *     key's entry to the key's new value (puts) or to absent (deletes of a
 *     cached key); a failed batch clears the cache;
 *   - ss_store_adopt (snapshot install) swaps in the staged store's cache with
 *     its database;
 *   - a miss fills the entry from leveldb_get, on the same thread, with no
 *     commit in between.
 * Pending writes never reach it: a txn's own overlay is read first.
 *
 * Complete: while the cache holds every cacheable record of the database
 * (kcache_mark_complete, when the store opens with few enough of them to
 * load), a lookup that finds no entry is answered "absent" without LevelDB:
 * writing a key of a new name, the common SET, then never reaches leveldb_get,
 * whose memtable walk costs as much as the write. The first time the cache
 * forgets a record it knows is in the database (an eviction, a value too big
 * to keep, a bulk txn's put of an uncached key, out of memory, a clear), it
 * stops being complete for good (until the next open), and misses go to
 * LevelDB again.
 *
 * Bounded: entries, their keys and values and the bucket array are all
 * charged to `bytes`, which never stays above the capacity after a call
 * returns; the least recently used entries go first. An entry bigger than an
 * eighth of the capacity or KCACHE_ENTRY_MAX is not kept. Capacity 0 turns
 * the cache off (every lookup misses, nothing is kept, nothing is counted).
 * One thread at a time (the store's).
 */

/* Big enough for a string value stored inline in its metadata record
 * (SS_STR_INLINE_MAX, store/strval.h) with its header and a long key. */
#define KCACHE_ENTRY_MAX (16384 + 1024)

typedef struct kc_entry kc_entry;

typedef struct kcache {
    kc_entry **buckets;
    size_t nbuckets;          /* 0 until the first insert, then a power of two */
    size_t count;
    size_t bytes;             /* charged bytes: entries and the bucket array */
    size_t capacity;
    kc_entry *lru_head;       /* most recently used */
    kc_entry *lru_tail;
    /* Counters (INFO): lookups answered, lookups that went to LevelDB,
     * entries dropped to stay within the capacity. */
    uint64_t hits, misses, evictions;
    bool complete;            /* every cacheable record is here (see the top) */
} kcache;

typedef enum { KC_MISS = 0, KC_HIT = 1, KC_ABSENT = 2 } kc_result;

void kcache_init(kcache *kc, size_t capacity);
/* Frees every entry; kc may be initialized again. */
void kcache_release(kcache *kc);

/* Looks key up, counting a hit or a miss. KC_HIT: *val and *vlen describe
 * the value, valid until the next call that changes the cache. */
kc_result kcache_get(kcache *kc, const void *key, size_t klen, const char **val, size_t *vlen);
/* A hint that key is about to be looked up: !entry asks the CPU for its
 * bucket, entry (later, the bucket by then at hand) for the bucket's first
 * entry. Changes nothing. */
void kcache_prefetch(const kcache *kc, const void *key, size_t klen, bool entry);

/* Records key's committed state: its value, or absent when val is NULL.
 * allocate: add the key if it is not cached (otherwise only an existing
 * entry is changed). A value too big to keep drops the key's entry. Out of
 * memory drops it too: the cache may forget, never lie. */
void kcache_set(kcache *kc, const void *key, size_t klen, const char *val, size_t vlen,
                bool allocate);

/* Declares that kc now holds every cacheable record of its database (the
 * caller loaded them all, or there are none), so that a missing entry means
 * absent. Ignored when the cache is off. */
void kcache_mark_complete(kcache *kc);

/* Forgets key's entry, if any (the key is gone from the database too). */
void kcache_del(kcache *kc, const void *key, size_t klen);

/* Forgets every entry (the counters stay). */
void kcache_clear(kcache *kc);

/* Changes the capacity, evicting down to it; 0 empties and disables. */
void kcache_resize(kcache *kc, size_t capacity);

#endif

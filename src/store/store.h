/* The applied state machine's storage: a LevelDB database plus the Raft index it reflects. */
#ifndef SS_STORE_H
#define SS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/*
 * One ss_store per node, used from the loop thread only. Writes go through
 * transactions (store/txn.h); the keyspace layer (store/keyspace.h) encodes
 * Redis keys on top of them. LevelDB's own sync stays off: the Raft log is the
 * write-ahead log, and every commit records the Raft index it applied in the
 * same atomic batch, so after a crash the store is at some consistent applied
 * index and the log replays from there.
 */
typedef struct ss_store ss_store;

/* A borrowed byte range. Who owns the bytes and for how long is said by the
 * function that returns it. */
typedef struct {
    const char *data;
    size_t len;
} ss_slice;

typedef struct {
    size_t cache_bytes;        /* LevelDB block cache; 0 = default (64 MiB) */
    size_t write_buffer_bytes; /* LevelDB memtable size; 0 = default (4 MiB) */
    int bloom_bits_per_key;    /* bloom filter; 0 = default (10), negative = off */
    size_t max_txn_bytes;      /* cap on one txn's pending writes; 0 = default (1 GiB) */
    /* The record cache in front of LevelDB's point reads (store/kcache.h);
     * 0 = default (64 MiB), SS_STORE_CACHE_OFF = none. */
    size_t record_cache_bytes;
} ss_store_options;

#define SS_STORE_CACHE_OFF SIZE_MAX

/* Fills opts with the defaults. */
void ss_store_options_init(ss_store_options *opts);

/*
 * Opens the store in dir (created if missing). The LevelDB lives in the
 * subdirectory named by the file dir/STATE when it exists ("state-<index>",
 * after a snapshot was staged, see store/snapfile.h; the directory must exist),
 * else in dir/state (created if missing). SS_ECORRUPT if STATE names anything
 * else. Other state directories (dir/state, dir/state-<digits>) and
 * dir/STATE.tmp, leftovers of an interrupted stage or of a replaced state,
 * are removed. opts may be NULL for defaults. On failure *out is NULL and
 * errmsg (may be NULL) says why. A directory can be open only once at a time
 * (SS_EIO from LevelDB's lock).
 */
int ss_store_open(const char *dir, const ss_store_options *opts, ss_store **out,
                  char *errmsg);

/* Closes the store. Every txn, iterator and snapshot must be finished first.
 * NULL is a no-op. */
void ss_store_close(ss_store *s);

/* The LevelDB directory currently open ("<dir>/state-42"), for logs; valid
 * until the next ss_store_adopt or the close. */
const char *ss_store_path(const ss_store *s);

/* The Raft index of the last committed txn (0 for a fresh store). */
uint64_t ss_store_applied_index(const ss_store *s);
/* The Raft term of the entry at the applied index, as recorded by
 * ss_txn_commit_term; 0 if unknown. */
uint64_t ss_store_applied_term(const ss_store *s);

/* LevelDB's own estimate of the memory it holds (memtables and block cache),
 * in bytes; 0 if it cannot tell. */
uint64_t ss_store_memory_usage(ss_store *s);
/* Bytes of LevelDB's table files, summed from its in-memory file list (no
 * disk access: the loop thread may ask); the write-ahead log not included. */
uint64_t ss_store_disk_bytes(ss_store *s);

/* Sets the record cache's capacity in bytes (keyspace-cache-size), evicting
 * down to it at once; 0 empties and disables it. */
void ss_store_set_cache_size(ss_store *s, size_t bytes);

typedef struct {
    uint64_t hits;       /* point reads answered by the cache */
    uint64_t misses;     /* point reads that went to LevelDB */
    uint64_t evictions;  /* entries dropped to stay within the capacity */
    uint64_t keys;       /* entries held (negative ones included) */
    uint64_t bytes;      /* bytes charged, never above capacity */
    uint64_t capacity;
} ss_store_cache_stats;

void ss_store_cache_stats_get(const ss_store *s, ss_store_cache_stats *out);
/* Zeroes hits, misses and evictions (CONFIG RESETSTAT). */
void ss_store_cache_stats_reset(ss_store *s);

/*
 * A consistent point-in-time view of every key in the store (all internal
 * prefixes included), for building Raft snapshots. The view is unaffected by
 * later commits. Raw keys and values are valid until the next move or free.
 *
 * Threads: ss_store_snapshot_new runs on the loop thread; the view may then be
 * handed to one worker thread (through something that orders memory, such as
 * uv_queue_work) which iterates and frees it while the loop thread keeps using
 * the store. One thread at a time per view. The store counts live views:
 * ss_store_adopt refuses while any is alive, and the store must outlive them.
 */
typedef struct ss_store_snapshot ss_store_snapshot;

int ss_store_snapshot_new(ss_store *s, ss_store_snapshot **out);
/* The applied index the view reflects. */
uint64_t ss_store_snapshot_index(const ss_store_snapshot *snap);
void ss_store_snapshot_seek_first(ss_store_snapshot *snap);
bool ss_store_snapshot_valid(const ss_store_snapshot *snap);
void ss_store_snapshot_next(ss_store_snapshot *snap);
ss_slice ss_store_snapshot_key(const ss_store_snapshot *snap);
ss_slice ss_store_snapshot_value(const ss_store_snapshot *snap);
/* SS_OK, or SS_EIO if the underlying iteration hit an error. */
int ss_store_snapshot_status(const ss_store_snapshot *snap, char *errmsg);
void ss_store_snapshot_free(ss_store_snapshot *snap);

#endif

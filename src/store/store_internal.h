/* Internal layout of the store, shared by the files of src/store/ only (LevelDB types live here). */
#ifndef SS_STORE_INTERNAL_H
#define SS_STORE_INTERNAL_H

#include <leveldb/c.h>
#include <stdatomic.h>

#include "common/fsutil.h"
#include "store/kcache.h"
#include "store/keys.h"
#include "store/overlay.h"
#include "store/store.h"
#include "store/txn.h"

/* A db's keys with an expiry: how many, and the sum of their expiry times
 * (INFO keyspace's expires and avg_ttl without a scan). */
typedef struct ks_volatile {
    uint64_t n;
    unsigned __int128 sum_ms;
} ks_volatile;

struct ss_store {
    /* The LevelDB directory and what is tied to it: ss_store_adopt swaps
     * these (with applied_index and the ks_ arrays) for a staged store's. */
    leveldb_t *db;
    leveldb_options_t *opts;
    leveldb_cache_t *cache;
    leveldb_filterpolicy_t *filter;
    char *path;                        /* the directory db lives in */
    leveldb_readoptions_t *ropts;
    leveldb_readoptions_t *bulk_ropts; /* fill_cache off: sweeps don't evict hot blocks */
    leveldb_writeoptions_t *wopts;     /* sync = false: the Raft log is the WAL */
    uint64_t applied_index;
    uint64_t applied_term;             /* 0: unknown (written by an older version) */
    size_t max_txn_bytes;
    /* Committed records of the hot keys (store/kcache.h): tied to db, swapped
     * with it by ss_store_adopt. */
    kcache kc;
    ss_txn *writer;                    /* the txn holding pending writes, if any */
    ss_txn *spare;                     /* a finished txn kept for reuse */
    int open_txns;
    /* Live ss_store_snapshot views; atomic because a view may be freed on a
     * worker thread. */
    atomic_int live_snaps;
    /* Keyspace state, mirrored from the epoch and counter records. */
    uint64_t ks_epoch[SS_KS_DBS];
    uint64_t ks_count[SS_KS_DBS];
    ks_volatile ks_vol[SS_KS_DBS];
    /* SWAPDB's indirection: the db number (region byte) where the keys of
     * each logical db live (ks_map[logical] = physical, a permutation;
     * identity until a swap). Every ss_ks_* function takes a logical db and
     * resolves it here, so counters, epochs and records are physical. */
    unsigned char ks_map[SS_KS_DBS];
};

struct ss_txn {
    ss_store *s;
    ss_overlay ov;
    char **held;          /* values read from LevelDB, freed when the txn ends */
    size_t nheld, capheld;
    struct txn_chunk *copies; /* cache hits' copies, newest chunk first, freed when the txn ends */
    int live_iters;
    bool bulk;            /* a sweep: its iterators bypass the block cache */
    /* A view txn (ss_txn_begin_view): reads see LevelDB as of its begin. */
    const leveldb_snapshot_t *view;
    leveldb_readoptions_t *view_ropts;
    bool ks_dirty;        /* ks_epoch/ks_count changed: publish on commit */
    uint64_t ks_epoch[SS_KS_DBS];
    uint64_t ks_count[SS_KS_DBS];
    ks_volatile ks_vol[SS_KS_DBS];
    unsigned char ks_map[SS_KS_DBS];
    /* The keyspace counters when the savepoint was taken (ss_txn_savepoint). */
    bool sp_ks_dirty;
    uint64_t sp_ks_epoch[SS_KS_DBS];
    uint64_t sp_ks_count[SS_KS_DBS];
    ks_volatile sp_ks_vol[SS_KS_DBS];
    unsigned char sp_ks_map[SS_KS_DBS];
};

/* The read options of txn's iterators: its view's, the sweep's or the store's. */
leveldb_readoptions_t *txn_iter_ropts(const ss_txn *txn);

/* Whether point reads of key go through the record cache: key metadata,
 * collection sub-keys and aux records. The store's own records, the counters
 * (mirrored in ss_store anyway), the expiry index and the garbage queues are
 * only scanned or written, so they stay out of it. */
static inline bool store_cacheable(const void *key, size_t klen)
{
    if (klen == 0)
        return false;
    unsigned char r = *(const unsigned char *)key;
    return r == SS_KP_META || r == SS_KP_SUB || r == SS_KP_AUX;
}

/* Commits without touching the applied index (the sweeper's path). */
int txn_commit_internal(ss_txn *txn, bool set_index, uint64_t applied_index,
                        uint64_t applied_term, char *errmsg);

/* ss_txn_get for reads internal to the store: the value is not held by the
 * txn; leveldb_free(*to_free) when done (it may be NULL). */
int txn_get_owned(ss_txn *txn, const void *key, size_t klen, ss_slice *val, char **to_free);
/* As txn_get_owned, but a record the cache holds is not copied: *val is good
 * only until the next call into the store (for a read decoded at once). */
int txn_get_peek(ss_txn *txn, const void *key, size_t klen, ss_slice *val, char **to_free);

/* Frees the txn kept for reuse (ss_store's spare) and what it holds. */
void txn_free_spare(ss_txn *txn);

/* Makes the txn free buf (malloc'd) when it ends, as it does the values
 * ss_txn_get returns. SS_ENOMEM (buf not taken) if it cannot. */
int txn_hold(ss_txn *txn, char *buf);

/* ss_txn_put taking ownership of val (malloc'd), saving a copy of big values.
 * val is freed on failure too. */
int txn_put_owned(ss_txn *txn, const void *key, size_t klen, char *val, size_t vlen);

/* Loads the keyspace's epochs and counters at open. */
int ks_load(ss_store *s, char *errmsg);

/* Allocates a store and opens the LevelDB at path with opts (NULL for
 * defaults); create: create if missing; must_be_new: fail if it exists. Reads
 * nothing from it (see store_load_meta). */
int store_new(const char *path, const ss_store_options *opts, bool create, bool must_be_new,
              ss_store **out, char *errmsg);
/* Checks (or stamps) the format, reads the applied index and the keyspace
 * counters. */
int store_load_meta(ss_store *s, char *errmsg);
/* Closes the LevelDB and frees s with everything it owns. */
void store_free(ss_store *s);

/* The name of dir's state directory: what <dir>/STATE names ("state-<digits>"
 * or "state"), else "state". *named: a STATE file exists (its directory must
 * then exist too). SS_ECORRUPT if STATE holds anything else. */
#define STORE_STATE_NAME_MAX 32
int store_state_name(const char *dir, char name[STORE_STATE_NAME_MAX], bool *named,
                     char *errmsg);
/* Removes the state directories in dir other than keep, and STATE.tmp:
 * leftovers of an interrupted stage or of a replaced state. */
void store_state_cleanup(const char *dir, const char *keep);

/* Removes dir, which must hold only regular files (a LevelDB directory);
 * a missing dir is fine. Bounded: one directory level, never recursing. */
int store_remove_dir(const char *dir, char *errmsg);

/* Called for each record by snapfile_read; a non-SS_OK return stops the read. */
typedef int (*snapfile_record_fn)(void *ud, const char *key, size_t klen, const char *val,
                                  size_t vlen, char *errmsg);
/* Reads and checks a whole snapshot file, streaming; calls fn (if not NULL)
 * with every record. fn's byte ranges are valid during the call only.
 * *records is the record count (may be NULL). */
int snapfile_read(const char *path, snapfile_record_fn fn, void *ud, uint64_t *index,
                  uint64_t *term, uint64_t *records, char *errmsg);

/* Copies a LevelDB error into errmsg, frees it, returns code. */
int store_leveldb_err(char *errmsg, int code, const char *what, char *lerr);

#endif

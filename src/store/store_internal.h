/* Internal layout of the store, shared by the files of src/store/ only (LevelDB types live here). */
#ifndef SS_STORE_INTERNAL_H
#define SS_STORE_INTERNAL_H

#include <leveldb/c.h>

#include "store/keys.h"
#include "store/overlay.h"
#include "store/store.h"
#include "store/txn.h"

struct ss_store {
    leveldb_t *db;
    leveldb_options_t *opts;
    leveldb_cache_t *cache;
    leveldb_filterpolicy_t *filter;
    leveldb_readoptions_t *ropts;
    leveldb_readoptions_t *bulk_ropts; /* fill_cache off: sweeps don't evict hot blocks */
    leveldb_writeoptions_t *wopts;     /* sync = false: the Raft log is the WAL */
    uint64_t applied_index;
    size_t max_txn_bytes;
    ss_txn *writer;                    /* the txn holding pending writes, if any */
    ss_txn *spare;                     /* a finished txn kept for reuse */
    int open_txns;
    /* Keyspace state, mirrored from the epoch and counter records. */
    uint64_t ks_epoch[SS_KS_DBS];
    uint64_t ks_count[SS_KS_DBS];
};

struct ss_txn {
    ss_store *s;
    ss_overlay ov;
    char **held;          /* values read from LevelDB, freed when the txn ends */
    size_t nheld, capheld;
    int live_iters;
    bool bulk;            /* a sweep: its iterators bypass the block cache */
    bool ks_dirty;        /* ks_epoch/ks_count changed: publish on commit */
    uint64_t ks_epoch[SS_KS_DBS];
    uint64_t ks_count[SS_KS_DBS];
};

/* Commits without touching the applied index (the sweeper's path). */
int txn_commit_internal(ss_txn *txn, bool set_index, uint64_t applied_index, char *errmsg);

/* ss_txn_get for reads internal to the store: the value is not held by the
 * txn; leveldb_free(*to_free) when done (it may be NULL). */
int txn_get_owned(ss_txn *txn, const void *key, size_t klen, ss_slice *val, char **to_free);

/* ss_txn_put taking ownership of val (malloc'd), saving a copy of big values.
 * val is freed on failure too. */
int txn_put_owned(ss_txn *txn, const void *key, size_t klen, char *val, size_t vlen);

/* Loads the keyspace's epochs and counters at open. */
int ks_load(ss_store *s, char *errmsg);

/* Copies a LevelDB error into errmsg, frees it, returns code. */
int store_leveldb_err(char *errmsg, int code, const char *what, char *lerr);

#endif

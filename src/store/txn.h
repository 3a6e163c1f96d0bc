/* Transactions over the store: pending writes kept in order in memory, merged with LevelDB on read. */
#ifndef SS_TXN_H
#define SS_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/*
 * A txn reads the latest committed state plus its own pending writes (puts
 * and deletes), and commits them together with the Raft index they apply as
 * one atomic LevelDB batch (sync=false). A read-only use (begin, reads,
 * abort) allocates nothing beyond one copy of each value read. Point reads
 * of committed records go through the store's record cache (store/kcache.h)
 * before LevelDB; commits keep it exact.
 *
 * Any number of txns may be open, but only one at a time may hold pending
 * writes (the apply path): a write from a second txn fails with SS_EBUSY.
 * commit and abort always end the txn. Every iterator of a txn must be freed
 * before the txn ends.
 *
 * Lifetime of returned bytes: a value returned by ss_txn_get stays valid
 * until the txn ends or the same key is written again in this txn.
 */
typedef struct ss_txn ss_txn;

/* Never fails (aborts the process on out of memory, like the rest of the
 * loop's small allocations). */
ss_txn *ss_txn_begin(ss_store *s);
/*
 * A read-only txn whose reads (gets and iterators) see LevelDB as it is now,
 * unaffected by later commits (a LevelDB snapshot), with the keyspace
 * counters of now. Begin and end it on the loop thread; between them another
 * thread may read through it while the loop commits (a read-only script on
 * its worker, engine/script_busy.c). It must end before ss_store_adopt.
 */
ss_txn *ss_txn_begin_view(ss_store *s);

/* SS_OK with *val set, SS_ENOTFOUND (missing or deleted in this txn), SS_EIO. */
int ss_txn_get(ss_txn *txn, const void *key, size_t klen, ss_slice *val);

/* SS_OK, SS_EBUSY (another txn holds pending writes), SS_ETOOBIG (the txn's
 * pending bytes would exceed max_txn_bytes), SS_ENOMEM. Keys may be empty;
 * keys and values may hold any bytes. */
int ss_txn_put(ss_txn *txn, const void *key, size_t klen, const void *val, size_t vlen);
int ss_txn_del(ss_txn *txn, const void *key, size_t klen);

/* Number of distinct keys with pending writes (puts and deletes). */
size_t ss_txn_pending(const ss_txn *txn);

/*
 * Writes every pending write plus applied_index atomically, then frees the
 * txn. applied_index must not be below ss_store_applied_index (SS_EINVAL).
 * On SS_EIO nothing was written.
 */
int ss_txn_commit(ss_txn *txn, uint64_t applied_index, char *errmsg);
/* The same, also recording applied_term, the Raft term of the entry at
 * applied_index (ss_store_applied_term), in the same batch. */
int ss_txn_commit_term(ss_txn *txn, uint64_t applied_index, uint64_t applied_term, char *errmsg);

/*
 * A savepoint: ss_txn_rollback drops every write made since ss_txn_savepoint
 * (the keyspace counters included) and keeps those before it;
 * ss_txn_release_savepoint keeps them all. One at a time (a new one releases
 * the old); no iterator may be live across a rollback. A script's effects
 * are discarded this way when it is stopped by its budget, while the other
 * entries of the batch stay in the txn. Changed keys keep their prior value
 * until release: a savepoint costs at most the txn's own size again.
 */
int ss_txn_savepoint(ss_txn *txn);
void ss_txn_rollback(ss_txn *txn);
void ss_txn_release_savepoint(ss_txn *txn);

/* Drops the pending writes and frees the txn. NULL is a no-op. */
void ss_txn_abort(ss_txn *txn);

/*
 * An iterator over keys in [lo, hi) (lo NULL = from the start, hi NULL = to
 * the end), merging the txn's pending writes with LevelDB: own puts are seen,
 * own deletes hide keys, both directions. The LevelDB side is a view as of the
 * iterator's creation; the pending side is read live, so writes made by the
 * txn while iterating show up when the iterator moves over their position.
 * key() and value() are valid until the iterator moves or the key is written.
 * A new iterator is not positioned: call a seek first.
 */
typedef struct ss_txn_iter ss_txn_iter;

ss_txn_iter *ss_txn_iter_new(ss_txn *txn, const void *lo, size_t lolen,
                             const void *hi, size_t hilen);
void ss_txn_iter_free(ss_txn_iter *it);
void ss_txn_iter_seek_first(ss_txn_iter *it);
void ss_txn_iter_seek_last(ss_txn_iter *it);
/* First key >= key. */
void ss_txn_iter_seek(ss_txn_iter *it, const void *key, size_t klen);
/* Last key <= key. */
void ss_txn_iter_seek_for_prev(ss_txn_iter *it, const void *key, size_t klen);
bool ss_txn_iter_valid(const ss_txn_iter *it);
void ss_txn_iter_next(ss_txn_iter *it);
void ss_txn_iter_prev(ss_txn_iter *it);
ss_slice ss_txn_iter_key(const ss_txn_iter *it);
ss_slice ss_txn_iter_value(const ss_txn_iter *it);
/* SS_OK, or SS_EIO if LevelDB reported an error while iterating (the
 * iterator then reads as invalid). */
int ss_txn_iter_status(const ss_txn_iter *it, char *errmsg);

#endif

/* The durable Raft log and hard state: segment files, CRCs, group-committed fsync on a worker. */
#ifndef SS_RAFT_IO_STORAGE_H
#define SS_RAFT_IO_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/histogram.h"

/*
 * Layout under <dir>/raft/:
 *   LOCK              flock'd while open: one storage per directory (SS_EBUSY)
 *   meta              term, vote, commit, first index, term before it (CRC, version;
 *                     replaced atomically: meta.tmp, fsync, rename, fsync dir)
 *   seg-<first index> segment files: a 32-byte header (magic, version, first
 *                     index, CRC) then records, each a 32-byte header (length,
 *                     index, term, type, payload CRC, header CRC) and payload.
 *
 * The storage knows nothing of Raft's rules: it stores what it is told, checks
 * only that indexes stay contiguous, and reports when it is durable.
 *
 * Crash ordering (fsync "always"): a round's hard state (meta) is durable
 * before its entries are written, so the persisted term is never behind the
 * term of a logged entry; a full segment is fsynced before the next
 * one is created, so only the last segment can have a torn tail; a truncation
 * (and the directory, when it removed segments) is fsynced before anything is
 * appended after it; a compaction makes the new first index durable in meta
 * before removing segments, and open finishes one that was cut short.
 *
 * Threads: every function here is called on the loop thread; writes, fsyncs,
 * truncations and deletions run on libuv's worker pool, one round at a time.
 * Requests that arrive while a round is in flight are written and fsynced
 * together in the next round (group commit). Completions run on the loop
 * thread, in request order.
 */

typedef struct ss_storage ss_storage;

typedef enum {
    SS_FSYNC_ALWAYS = 0, /* fsync before every completion (default) */
    SS_FSYNC_NO,         /* write but never fsync: benchmarks only, unsafe */
} ss_fsync_mode;

typedef struct {
    uint64_t segment_size;      /* roll to a new segment past this (default 64 MiB) */
    uint64_t max_entry_size;    /* largest entry payload accepted (default 512 MiB) */
    uint64_t max_pending_bytes; /* bytes queued or in flight before SS_EBUSY (default 1 GiB) */
    ss_fsync_mode fsync;
} ss_storage_opts;

/* Fills opts with the defaults above. */
void ss_storage_opts_init(ss_storage_opts *opts);

typedef struct {
    uint64_t index;
    uint64_t term;
    uint8_t type;
    uint32_t len;
    uint8_t *data; /* in ss_storage_state: malloc'd per entry, see below */
} ss_log_entry;

/*
 * What a restarting node needs. The log holds entries first_index..last_index
 * (empty when n_entries is 0, then last_index = first_index - 1); prev_term is
 * the term of entry first_index - 1 (0 when first_index is 1).
 * Each entries[i].data is its own malloc'd block (NULL when len is 0): the
 * caller may take one (set the pointer to NULL) before ss_storage_state_release.
 */
typedef struct {
    uint64_t term;
    uint64_t vote; /* node id voted for in term; 0 means none */
    uint64_t commit; /* as last persisted with the hard state (0 if never) */
    uint64_t first_index;
    uint64_t prev_term;
    ss_log_entry *entries;
    size_t n_entries;
} ss_storage_state;

void ss_storage_state_release(ss_storage_state *state);

/*
 * Opens (or creates) the log under dir/raft/, recovers it and fills *state.
 * Runs synchronously on the calling thread (start-up, before the loop serves
 * anything): it reads the whole log into memory. A torn tail of the last
 * segment (an incomplete record, or one with a sector that reads as zeros,
 * with no valid record after it) is cut off with a warning; any other damage
 * (a complete last record that fails its checksum, a bad record followed by
 * valid ones or in a segment that is not the last, an index gap, a damaged
 * meta file) returns SS_ECORRUPT with the file and byte offset in errmsg. Entries below the first
 * index (compacted, in a segment that straddles it) are not returned. A
 * compaction interrupted by a crash is finished here. opts may be NULL for
 * the defaults. On failure *out is NULL and *state empty.
 */
int ss_storage_open(uv_loop_t *loop, const char *dir, const ss_storage_opts *opts,
                    ss_storage **out, ss_storage_state *state, char *errmsg);

/*
 * status is SS_OK once everything in the request is durable (with fsync "no":
 * written); otherwise the storage has failed for good (SS_EIO: a write or
 * fsync failed, errmsg says which file and is valid during the call only) and
 * the caller must stop: every later request fails the same way, nothing more
 * is written. last_index is the log's last index as of this request (a later
 * request may since have truncated it: match terms).
 */
typedef void (*ss_persist_cb)(void *arg, int status, uint64_t last_index, const char *errmsg);

typedef struct {
    bool set_hard_state;     /* persist term, vote and commit */
    uint64_t term;
    uint64_t vote;
    uint64_t commit;         /* optional: a commit index to find on restart */
    bool truncate;           /* drop entries >= truncate_from before appending */
    uint64_t truncate_from;
    const ss_log_entry *entries; /* appended in order; must continue the log */
    size_t n_entries;
    ss_persist_cb cb;        /* may be NULL */
    void *arg;
} ss_persist_req;

/*
 * Queues a request. The entry bytes are copied: the caller may free its
 * buffers (and req) as soon as this returns. Returns SS_OK (cb will be called
 * exactly once), or without calling cb: SS_EINVAL (indexes not contiguous,
 * truncate_from outside the log), SS_ETOOBIG (an entry above max_entry_size),
 * SS_EBUSY (max_pending_bytes already queued: retry after a completion),
 * SS_ECLOSED (closing), SS_ENOMEM, or the error that failed the storage.
 */
int ss_storage_persist(ss_storage *s, const ss_persist_req *req);

/*
 * Forgets entries <= upto_index (a snapshot now covers them) and records
 * upto_term as the term before the new first index; upto_index may be past the
 * last index (the log then restarts empty at upto_index + 1). Runs in order
 * with persist requests; cb (may be NULL) reports when the new first index is
 * durable and the whole segments below it are deleted. Same errors as persist.
 */
int ss_storage_compact(ss_storage *s, uint64_t upto_index, uint64_t upto_term,
                       ss_persist_cb cb, void *arg);

/* Log bounds as of the requests accepted so far (queued ones included). */
uint64_t ss_storage_first_index(const ss_storage *s);
uint64_t ss_storage_last_index(const ss_storage *s);
/* Bytes of segment files on disk after the last completed round. */
uint64_t ss_storage_bytes(const ss_storage *s);

typedef struct {
    uint64_t rounds;        /* write rounds completed (group commits) */
    uint64_t fsyncs;        /* fsync/fdatasync calls made */
    uint64_t requests;      /* persist/compact requests completed */
    uint64_t bytes_written; /* record bytes written */
    uint64_t last_durable;  /* last index known durable */
    ss_hist fsync_ns;       /* segment fdatasync durations, ns */
} ss_storage_stats;

void ss_storage_get_stats(const ss_storage *s, ss_storage_stats *stats);
/* The slowest segment fsync (µs) since the last call, and starts again
 * (LATENCY's fsync event). */
uint64_t ss_storage_take_fsync_max_us(ss_storage *s);

/*
 * Stops accepting requests (SS_ECLOSED), lets queued and in-flight ones finish
 * (their callbacks run first), then frees s and calls cb (may be NULL) on the
 * loop. May be called from a completion callback; a second call is ignored.
 */
typedef void (*ss_storage_close_cb)(void *arg);
void ss_storage_close(ss_storage *s, ss_storage_close_cb cb, void *arg);

#endif

/* The snapshot component's shared state, for its own files only (taking, sending, receiving, restart). */
#ifndef SS_CLUSTER_SNAP_INTERNAL_H
#define SS_CLUSTER_SNAP_INTERNAL_H

#include "cluster/cluster_raft.h"
#include "cluster/cluster_snap_files.h"
#include "cluster/cluster_snap_worker.h"
#include "cluster/cluster_snapshot.h"

/*
 * Who owns what: everything here is the loop thread's, except `incoming`
 * (the snapshot worker's, see cluster_snap_recv.c). The files of the
 * component:
 *   cluster_snapshot.c      lifecycle, taking snapshots, compacting the log, INFO
 *   cluster_snap_recv.c     follower: chunks to disk, install, log reset
 *   cluster_snap_send.c     leader: reading chunks for followers
 *   cluster_snap_restart.c  start-up: the state machine and the log agree again
 *   cluster_snap_policy.c   when to take and when to compact (pure)
 *   cluster_snap_files.c    the files under <dir>/snapshots
 *   cluster_snap_worker.c   the thread the file work runs on, in order
 */

/* Received chunks queued for the disk beyond this pause the core. */
#define SNAP_MAX_QUEUED_CHUNK_BYTES ((size_t)256 << 20)
/* A failed take is tried again after this long. */
#define SNAP_RETRY_MS 5000

struct cluster_snap {
    ss_cluster *c;
    snap_dir dir;
    snap_worker *worker;

    /* The newest durable snapshot this node holds. */
    uint64_t index, term, bytes;
    int64_t time;                /* unix seconds it was taken or received */
    int64_t start_time;

    /* Taking (cluster_snapshot.c). */
    uint64_t applied_term;       /* the term of entry term_index */
    uint64_t term_index;
    uint64_t bytes_since;        /* entry bytes applied since the last take started */
    bool taking, want;
    bool holding_for_peer;       /* compaction waits for a follower (logged once) */
    int64_t retry_after_ms;
    uint64_t taken;

    /* Receiving (cluster_snap_recv.c). */
    snap_incoming incoming;      /* the worker's */
    bool receiving, installing;
    bool paused;                 /* the core is held while chunks wait for the disk */
    uint64_t install_index, install_term;
    size_t queued_chunk_bytes;
    uint64_t installed, chunks_received;

    /* Sending (cluster_snap_send.c). */
    raft_snapshot_request *reqs; /* asked for in a ready, started after it */
    size_t nreqs, capreqs;
    int reads_in_flight;
    uint64_t chunks_sent;

    int storage_pending;         /* our storage requests whose callback is due */
    bool closing;
    void (*close_cb)(void *arg);
    void *close_arg;
};

int64_t snap_wall_s(void);
/* Queues the removal of snapshot files nothing can use any more. */
void snap_cleanup(cluster_snap *sn);
/* Counts a storage callback of ours; true if closing (the caller returns). */
bool snap_storage_done(cluster_snap *sn);
/* Closing: frees sn once the worker, the reads and our storage requests are done. */
void snap_maybe_finish_close(cluster_snap *sn);

/* cluster_snap_recv.c */
void snap_recv_chunk(cluster_snap *sn, const raft_chunk *ch);

/* cluster_snap_send.c */
void snap_send_queue(cluster_snap *sn, const raft_ready *rd);
void snap_send_start(cluster_snap *sn);

#endif

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
/* After a bad snapshot, the next transfer waits this long, doubling with
 * every failure in a row up to the cap. */
#define SNAP_BAD_RETRY_MS 1000
#define SNAP_BAD_RETRY_MAX_MS 60000

typedef struct snap_backoff {
    int failures;        /* in a row */
    int64_t until_ms;    /* no transfer before this */
} snap_backoff;

/* Counts a failure; returns the wait before the next attempt. */
int64_t snap_backoff_fail(snap_backoff *b, int64_t now);

/* The leader's view of one follower's transfers (cluster_snap_send.c). */
typedef struct snap_peer {
    uint64_t id;
    snap_backoff backoff;        /* after it reported a bad snapshot */
    bool parked;                 /* the core's read request waits (back-off, suspect file) */
    raft_snapshot_request req;
} snap_peer;

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
    uint64_t install_index, install_term, install_from;
    size_t queued_chunk_bytes;
    uint64_t installed, chunks_received;
    snap_backoff recv_backoff;   /* after a bad snapshot: chunks are not accepted */
    uint64_t rejected;           /* snapshots refused (damaged, over the caps, not stageable) */
    int64_t recv_start_ms;       /* monotonic: when the first chunk of this one came */

    /* Sending (cluster_snap_send.c). */
    raft_snapshot_request *reqs; /* asked for in a ready, started after it */
    size_t nreqs, capreqs;
    int reads_in_flight;
    uint64_t chunks_sent;
    snap_peer peers[SS_MAX_PEERS];
    int npeers;
    bool suspect;                /* a follower found the file at the log's base damaged: */
    uint64_t suspect_index, suspect_term; /* it is not sent again, and replaced */
    uint64_t peer_reports;       /* bad-snapshot reports received from followers */

    /* For the metrics endpoint: sizes (bytes) and durations (ns). */
    ss_hist size_hist, save_ns, install_ns;

    int storage_pending;         /* our storage requests whose callback is due */
    bool closing;
    void (*close_cb)(void *arg);
    void *close_arg;
};

int64_t snap_wall_s(void);
/* The newest durable snapshot is now (index, term), bytes long. */
void snap_set_newest(cluster_snap *sn, uint64_t index, uint64_t term, uint64_t bytes);
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
/* Each round: starts the reads whose wait is over, forgets what is done. */
void snap_send_retry(cluster_snap *sn);

#endif

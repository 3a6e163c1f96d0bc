/* Snapshots and log compaction, as the driver sees them: the hooks it calls around each ready, start-up, INFO. */
#ifndef SS_CLUSTER_SNAPSHOT_H
#define SS_CLUSTER_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/cluster.h"
#include "raft/raft.h"
#include "raft_io/storage.h"

typedef struct ss_cluster ss_cluster;
typedef struct cluster_snap cluster_snap;

/*
 * The newest snapshot is the one the next compaction moves the log's base
 * to; the file at the current base stays until the base moves past it,
 * because the leader sends the base's snapshot to followers that need it
 * (the files: cluster_snap_files.h).
 *
 * What the component asks of the driver goes through explicit calls
 * (cluster_raft.h): ss_cluster_hold_core while received chunks wait for the
 * disk, cluster_log_hold / cluster_log_reset / cluster_log_release around an
 * install's log reset, ss_cluster_fatal, ss_cluster_kick.
 */

/* Start-up, before raft_restore: scans the snapshot directory and reconciles
 * the state machine with the log (cluster_snap_restart.c). Fills the log the
 * core restarts from. */
typedef struct {
    uint64_t first_index, prev_term; /* the log the core restores */
    const ss_log_entry *entries;
    size_t n_entries;
    uint64_t applied, applied_term;
} snap_restart;

int cluster_snap_new(ss_cluster *c, cluster_snap **out, char *errmsg);
int cluster_snap_reconcile(cluster_snap *sn, const ss_storage_state *st, snap_restart *out,
                           char *errmsg);
/* Starts the worker thread (after the loop handles exist). */
int cluster_snap_start(cluster_snap *sn, char *errmsg);

/* Inside a ready (before raft_ready_advance): takes rd.snapshot_chunk (to
 * disk, installing after the last) and rd.snapshot_reads (started after). */
void cluster_snap_ready(cluster_snap *sn, const raft_ready *rd);
/* After raft_ready_advance: starts the reads that ready asked for. */
void cluster_snap_after_ready(cluster_snap *sn);
/* Committed entries through index (of term, bytes of data) were applied. */
void cluster_snap_applied(cluster_snap *sn, uint64_t index, uint64_t term, uint64_t bytes);
/* After the ready loop: takes a snapshot and compacts the log when due. */
void cluster_snap_after_run(cluster_snap *sn);

/* Follower, before a SNAPSHOT message is stepped into the core: false to
 * drop it (over snapshot-max-chunk-bytes or snapshot-max-bytes: refused and
 * reported to the leader; or in the back-off after a bad snapshot). */
bool cluster_snap_admit(cluster_snap *sn, const raft_msg *m);
/* Leader: a follower's report (PEER_SNAP_BAD, the whole payload) that it
 * could not install a snapshot this node sent. */
void cluster_snap_peer_report(cluster_snap *sn, uint64_t from, const uint8_t *payload,
                              size_t len);

/* BGSAVE: SS_OK (started or due), SS_EBUSY (one is being taken or installed). */
int cluster_snap_request(cluster_snap *sn);
int64_t cluster_snap_time(const cluster_snap *sn);
int cluster_snap_taking(const cluster_snap *sn);

typedef void (*cluster_snap_line_fn)(void *arg, const char *line);
void cluster_snap_info(const cluster_snap *sn, cluster_snap_line_fn fn, void *arg);
/* The snapshot figures of the metrics endpoint, into out. */
void cluster_snap_metrics(const cluster_snap *sn, ss_cluster_metrics *out);

/* Lets the worker finish its queue and the reads in flight, then frees sn and
 * calls cb on the loop. */
void cluster_snap_close(cluster_snap *sn, void (*cb)(void *arg), void *arg);

#endif

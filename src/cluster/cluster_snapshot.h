/* Snapshots and log compaction: when to take one, the worker that writes and installs them, restart. */
#ifndef SS_CLUSTER_SNAPSHOT_H
#define SS_CLUSTER_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "raft/raft.h"
#include "raft_io/storage.h"

typedef struct ss_cluster ss_cluster;
typedef struct cluster_snap cluster_snap;

/*
 * Files under <dir>/snapshots/:
 *   <index>-<term>.snap       a complete, fsynced snapshot (the state machine's
 *                             format; the leader streams these bytes as is)
 *   <index>-<term>.snap.tmp   one being written (removed at start)
 *   incoming.tmp              one being received from the leader
 *
 * The newest snapshot is the one the next compaction moves the log's base to;
 * the file at the current base stays until the base moves past it, because
 * the leader sends the base's snapshot to followers that need it.
 */

/* Start-up, before raft_restore: scans the snapshot directory and reconciles
 * the state machine with the log (see the comment in the .c file). Fills the
 * log the core restarts from. */
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

/* Inside a ready (before raft_ready_advance): takes rd.snapshot_chunk and
 * rd.snapshot_reads (cluster_snap_paused then says whether the driver must
 * stop running the core while received chunks wait for the disk). */
void cluster_snap_ready(cluster_snap *sn, const raft_ready *rd);
/* After raft_ready_advance: starts the reads that ready asked for. */
void cluster_snap_after_ready(cluster_snap *sn);
/* After the ready loop: counts applied bytes, takes and compacts when due. */
void cluster_snap_applied(cluster_snap *sn, uint64_t index, uint64_t term, uint64_t bytes);
void cluster_snap_after_run(cluster_snap *sn);
/* True while received chunks wait for the disk: the driver stops acknowledging. */
bool cluster_snap_paused(const cluster_snap *sn);
/* True from the last chunk of a snapshot until the log reset after installing
 * it is queued: log writes are deferred (ss_cluster_persist_deferred). */
bool cluster_snap_holding(const cluster_snap *sn);

int cluster_snap_request(cluster_snap *sn);
int64_t cluster_snap_time(const cluster_snap *sn);
int cluster_snap_taking(const cluster_snap *sn);

typedef void (*cluster_snap_line_fn)(void *arg, const char *line);
void cluster_snap_info(const cluster_snap *sn, cluster_snap_line_fn fn, void *arg);

/* Lets the worker finish its queue and the reads in flight, then frees sn and
 * calls cb on the loop. */
void cluster_snap_close(cluster_snap *sn, void (*cb)(void *arg), void *arg);

#endif

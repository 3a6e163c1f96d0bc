/* Receiving snapshots (follower): chunks to disk in order, then verify, stage, adopt, and reset the log after it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster/cluster_snap_internal.h"
#include "common/log.h"

/*
 * The core hands out the chunks of a transfer in order (raft.h), one per
 * ready. Each is copied into a job for the snapshot worker, which writes it
 * at its offset of incoming.tmp; the loop goes on meanwhile. Should the disk
 * fall behind by SNAP_MAX_QUEUED_CHUNK_BYTES, the core is held (its
 * acknowledgements wait, so the leader slows down) until half of it is
 * written.
 *
 * The last chunk makes the core drop its log for the snapshot's (it hands out
 * nothing more until raft_snapshot_installed). From then on the log writes
 * the core asks for are held (cluster_log_hold): they belong after the log
 * reset that ends the install. The install job, after the last chunk on the
 * same thread: fsync, rename to <index>-<term>.snap, check the header against
 * what the leader announced, and let the state machine stage it (verify every
 * byte, build the new state beside the old one, switch to it durably: the
 * commit point). Back on the loop the state machine adopts it (quick), the
 * log is reset to start after the snapshot, the held writes follow, and once
 * the reset is durable the core is told the snapshot is installed.
 *
 * A bad snapshot is not the end of the node. A chunk over
 * snapshot-max-chunk-bytes, or reaching past snapshot-max-bytes, is refused
 * before the core sees it (cluster_snap_admit). A snapshot that is damaged
 * (its header disagrees with the leader, a checksum fails) or that the state
 * machine cannot stage for any reason but a disk error has its file removed
 * and the node rebuilds its core from disk (ss_cluster_reload: the core had
 * dropped its log for the snapshot). Either way the follower tells the leader
 * (PEER_SNAP_BAD) and accepts no chunk for a while (1 s, doubling while it
 * keeps failing, up to a minute), so a bad file is neither a crash loop nor a
 * busy loop; the leader waits as long before it offers a snapshot again, and
 * replaces its own file if it was the one damaged (cluster_snap_send.c). Disk
 * errors still stop the node: they are not the leader's to fix.
 */

typedef struct chunk_job {
    snap_job job;
    cluster_snap *sn;
    uint64_t offset;
    uint8_t *data;
    size_t len;
    int status;
    ss_errmsg err;
} chunk_job;

typedef struct install_job {
    snap_job job;
    cluster_snap *sn;
    uint64_t index, term;
    uint64_t bytes;
    void *staged;
    int status;
    ss_errmsg err;
} install_job;

typedef struct retire_job {
    snap_job job;
    cluster_snap *sn;
    void *retired;
} retire_job;

/* Tells the leader, and waits before accepting a snapshot again. */
static void refuse(cluster_snap *sn, uint64_t leader, uint64_t index, uint64_t term, int code,
                   const char *why)
{
    ss_cluster *c = sn->c;
    sn->rejected++;
    int64_t wait = snap_backoff_fail(&sn->recv_backoff, ss_cluster_now_ms());
    LOG_WARNING("raft: refused snapshot %" PRIu64 "-%" PRIu64 " from leader %" PRIu64 ": %s (%s); "
                "told the leader, and no snapshot is accepted for %" PRId64 " ms",
                index, term, leader, why, ss_strerror(code), wait);
    if (!c->transport || leader == 0)
        return;
    uint8_t msg[PEER_SNAP_BAD_HEAD + PEER_SNAP_BAD_WHY];
    size_t n = peer_snap_bad_encode(msg, index, term, code, why);
    ss_transport_send(c->transport, leader, msg, n); /* if lost, the back-off still spaces retries */
}

static void set_paused(cluster_snap *sn, bool paused)
{
    if (sn->paused == paused)
        return;
    sn->paused = paused;
    ss_cluster_hold_core(sn->c, paused);
}

/* -------------------------------------------------------------- chunks */

static void chunk_run(snap_job *job)
{
    chunk_job *j = (chunk_job *)job;
    j->status = snap_incoming_write(&j->sn->incoming, j->offset, j->data, j->len, j->err);
}

static void chunk_done(snap_job *job)
{
    chunk_job *j = (chunk_job *)job;
    cluster_snap *sn = j->sn;
    sn->queued_chunk_bytes -= j->len;
    if (j->status != SS_OK)
        ss_cluster_fatal(sn->c, j->status, j->err);
    else if (sn->paused && sn->queued_chunk_bytes <= SNAP_MAX_QUEUED_CHUNK_BYTES / 2)
        set_paused(sn, false);
    free(j->data);
    free(j);
}

static void chunk_dropped(snap_job *job)
{
    chunk_job *j = (chunk_job *)job;
    free(j->data);
    free(j);
}

/* ------------------------------------------------------------- install */

static void install_run(snap_job *job)
{
    install_job *j = (install_job *)job;
    cluster_snap *sn = j->sn;
    const ss_state_machine *sm = &sn->c->sm;
    char final[SNAP_PATH_MAX];
    j->status = snap_incoming_publish(&sn->incoming, j->index, j->term, final, sizeof final, j->err);
    if (j->status != SS_OK)
        return;
    struct stat st;
    j->bytes = stat(final, &st) == 0 ? (uint64_t)st.st_size : 0;
    uint64_t index = 0, term = 0;
    j->status = sm->snapshot_info(final, &index, &term, j->err);
    if (j->status == SS_OK && (index != j->index || term != j->term))
        j->status = ss_errf(j->err, SS_ECORRUPT,
                            "snapshot '%s' holds index %" PRIu64 " term %" PRIu64
                            ", the leader announced index %" PRIu64 " term %" PRIu64,
                            final, index, term, j->index, j->term);
    if (j->status == SS_OK)
        j->status = sm->snapshot_stage(sm->ctx, final, &j->staged, j->err);
    if (j->status == SS_OK || j->status == SS_EIO)
        return;
    /* A bad file: nothing may take it for a snapshot of this node's. */
    ss_errmsg err = "";
    if (snap_dir_remove(&sn->dir, j->index, j->term, err) != SS_OK)
        j->status = ss_errf(j->err, SS_EIO, "%s", err);
}

static void retire_run(snap_job *job)
{
    retire_job *j = (retire_job *)job;
    j->sn->c->sm.snapshot_retire(j->retired);
    j->retired = NULL;
}

/* Closing: the worker is gone, the old state is released here. */
static void retire_dropped(snap_job *job)
{
    retire_job *j = (retire_job *)job;
    j->sn->c->sm.snapshot_retire(j->retired);
    free(j);
}

static void retire(cluster_snap *sn, void *retired)
{
    retire_job *r = calloc(1, sizeof *r);
    if (!r) {
        sn->c->sm.snapshot_retire(retired);
        return;
    }
    *r = (retire_job){{.run = retire_run, .done = snap_job_free, .dropped = retire_dropped},
                      sn, retired};
    snap_worker_submit(sn->worker, &r->job);
}

static void on_install_reset(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    (void)last_index;
    cluster_snap *sn = arg;
    ss_cluster *c = sn->c;
    if (snap_storage_done(sn) || status == SS_ECLOSED)
        return; /* closing, or dropped by a reload */
    if (status != SS_OK) {
        ss_cluster_fatal(c, status, errmsg && errmsg[0] ? errmsg : "log reset after install failed");
        return;
    }
    /* The snapshot's state machine, adopted by now, says who the members are. */
    raft_conf *conf = cluster_applied_conf(c);
    raft_snapshot_installed(c->r, sn->install_index, sn->install_term, conf);
    free(conf);
    sn->recv_backoff.failures = 0;
    sn->installing = false;
    sn->receiving = false;
    set_paused(sn, sn->queued_chunk_bytes > SNAP_MAX_QUEUED_CHUNK_BYTES);
    sn->installed++;
    ss_hist_observe(&sn->install_ns, (uint64_t)(ss_cluster_now_ms() - sn->recv_start_ms) * 1000000);
    LOG_NOTICE("raft: snapshot %" PRIu64 "-%" PRIu64 " installed: the state machine and the log now "
               "start after index %" PRIu64 "; replication resumes from there",
               sn->install_index, sn->install_term, sn->install_index);
    snap_cleanup(sn);
    ss_cluster_kick(c);
}

static void install_done(snap_job *job)
{
    install_job *j = (install_job *)job;
    cluster_snap *sn = j->sn;
    ss_cluster *c = sn->c;
    if (j->status == SS_EIO) {
        ss_cluster_fatal(c, j->status, j->err); /* the disk, not the snapshot */
        free(j);
        return;
    }
    if (j->status != SS_OK) {
        sn->installing = sn->receiving = false;
        set_paused(sn, false);
        refuse(sn, sn->install_from, j->index, j->term, j->status, j->err);
        free(j);
        /* The core already dropped its log for this snapshot. */
        ss_cluster_reload(c, "a snapshot received from the leader could not be installed");
        return;
    }
    void *retired = NULL;
    ss_errmsg err = "";
    int rc = c->sm.snapshot_adopt(c->sm.ctx, j->staged, &retired, err);
    j->staged = NULL;
    if (rc != SS_OK) {
        ss_cluster_fatal(c, rc, err[0] ? err : "could not switch to the installed snapshot");
        free(j);
        return;
    }
    snap_set_newest(sn, j->index, j->term, j->bytes);
    sn->applied_term = j->term;
    sn->term_index = j->index;
    sn->bytes_since = 0;
    if (retired)
        retire(sn, retired);
    if (sn->closing || c->closing) {
        free(j);
        return; /* the log is reset at the next start (see cluster_snap_restart.c) */
    }
    LOG_NOTICE("raft: the state machine now holds snapshot %" PRIu64 "-%" PRIu64 " (built in "
               "%" PRId64 " ms); resetting the log to start after it",
               j->index, j->term, j->job.ms);
    rc = cluster_log_reset(c, j->index, j->term, on_install_reset, sn);
    free(j);
    if (rc != SS_OK) {
        ss_cluster_fatal(c, rc, "could not queue the log reset after installing a snapshot");
        return;
    }
    sn->storage_pending++;
    /* What the core asked to persist meanwhile goes after the reset. */
    cluster_log_release(c);
}

/* ------------------------------------------------------- from the ready */

void snap_recv_chunk(cluster_snap *sn, const raft_chunk *ch)
{
    ss_cluster *c = sn->c;
    if (ch->offset == 0) {
        sn->receiving = true;
        sn->recv_start_ms = ss_cluster_now_ms();
        LOG_NOTICE("raft: receiving the snapshot at index %" PRIu64 " (term %" PRIu64 ") from "
                   "leader %" PRIu64 ": it compacted away entries this node still needs",
                   ch->index, ch->term, ch->from);
    }
    chunk_job *j = calloc(1, sizeof *j);
    uint8_t *data = ch->len ? malloc(ch->len) : NULL;
    if (!j || (ch->len && !data)) {
        free(j);
        free(data);
        ss_cluster_fatal(c, SS_ENOMEM, "out of memory receiving a snapshot");
        return;
    }
    if (ch->len)
        memcpy(data, ch->data, ch->len);
    *j = (chunk_job){{.run = chunk_run, .done = chunk_done, .dropped = chunk_dropped}, sn,
                     ch->offset, data, ch->len, SS_OK, ""};
    sn->queued_chunk_bytes += ch->len;
    sn->chunks_received++;
    snap_worker_submit(sn->worker, &j->job);
    if (sn->queued_chunk_bytes > SNAP_MAX_QUEUED_CHUNK_BYTES)
        set_paused(sn, true); /* acknowledgements wait until the disk caught up */
    if (!ch->done)
        return;
    install_job *ij = calloc(1, sizeof *ij);
    if (!ij) {
        ss_cluster_fatal(c, SS_ENOMEM, "out of memory installing a snapshot");
        return;
    }
    *ij = (install_job){{.run = install_run, .done = install_done, .dropped = snap_job_free},
                        sn, ch->index, ch->term, 0, NULL, SS_OK, ""};
    sn->installing = true;
    cluster_log_hold(c);
    sn->install_index = ch->index;
    sn->install_term = ch->term;
    sn->install_from = ch->from;
    LOG_NOTICE("raft: snapshot %" PRIu64 "-%" PRIu64 " received (%" PRIu64 " bytes); verifying it "
               "and building the new state beside the old one; this node's log is replaced by it",
               ch->index, ch->term, ch->offset + ch->len);
    snap_worker_submit(sn->worker, &ij->job);
}

/* ------------------------------------------------- before the core */

bool cluster_snap_admit(cluster_snap *sn, const raft_msg *m)
{
    if (ss_cluster_now_ms() < sn->recv_backoff.until_ms)
        return false; /* like a lost message: the leader sends again */
    const ss_config *cfg = sn->c->cfg;
    uint64_t cap = (uint64_t)cfg->snapshot_max_bytes;
    char why[PEER_SNAP_BAD_WHY];
    if (m->len > (uint64_t)cfg->snapshot_max_chunk_bytes)
        snprintf(why, sizeof why, "a chunk of %zu bytes is over snapshot-max-chunk-bytes (%lld)",
                 m->len, cfg->snapshot_max_chunk_bytes);
    else if (cap > 0 && (m->offset > cap || m->len > cap - m->offset))
        snprintf(why, sizeof why, "its bytes up to %" PRIu64 " are over snapshot-max-bytes (%lld)",
                 m->offset + m->len, cfg->snapshot_max_bytes);
    else
        return true;
    refuse(sn, m->from, m->snap_index, m->snap_term, SS_ETOOBIG, why);
    return false;
}

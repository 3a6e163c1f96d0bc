/* Snapshots and log compaction: the component's lifecycle, taking snapshots, compacting the log, INFO. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster/cluster_snap_internal.h"
#include "cluster/cluster_snap_policy.h"
#include "common/clock.h"
#include "common/log.h"

/*
 * Why the state machine and the log always agree again after a crash
 * ------------------------------------------------------------------
 * The state machine (LevelDB) records the index it applied in the same batch
 * as the data, and never syncs: the Raft log is the write-ahead log. A
 * snapshot file is fsynced (and its directory) before anything depends on it:
 *
 *  - Taking (here): file written and renamed; only then raft_compact + storage
 *    compaction, which deletes log entries the file covers. A machine crash
 *    that loses recent LevelDB writes leaves applied < the log's base: the
 *    store is rebuilt from the newest snapshot file at start
 *    (cluster_snap_restart.c).
 *  - Installing (cluster_snap_recv.c): chunks go to incoming.tmp; on the last
 *    one the file is fsynced, renamed to <index>-<term>.snap, the state
 *    machine builds the new state and durably switches to it (its commit
 *    point), and only then is the log reset to start after the snapshot. A
 *    crash before the switch restarts on the old state and old log (the
 *    leader sends again); after the switch but before the log reset, the
 *    state is ahead of (or disagrees with) the log: the log is reset at
 *    start, with the term from the file.
 */

int64_t snap_wall_s(void) { return ss_clock_wall_ms() / 1000; }

void snap_set_newest(cluster_snap *sn, uint64_t index, uint64_t term, uint64_t bytes)
{
    sn->index = index;
    sn->term = term;
    sn->bytes = bytes;
    sn->time = snap_wall_s();
}

int64_t snap_backoff_fail(snap_backoff *b, int64_t now)
{
    int64_t wait = SNAP_BAD_RETRY_MS;
    for (int i = 1; i < b->failures && wait < SNAP_BAD_RETRY_MAX_MS; i++)
        wait *= 2;
    if (wait > SNAP_BAD_RETRY_MAX_MS)
        wait = SNAP_BAD_RETRY_MAX_MS;
    b->failures++;
    b->until_ms = now + wait;
    return wait;
}

/* ------------------------------------------------------------ clean-up */

typedef struct cleanup_job {
    snap_job job;
    cluster_snap *sn;
    uint64_t base, keep;
    int removed;
} cleanup_job;

static void cleanup_run(snap_job *job)
{
    cleanup_job *j = (cleanup_job *)job;
    j->removed = snap_dir_cleanup(&j->sn->dir, j->base, j->keep);
}

static void cleanup_done(snap_job *job)
{
    cleanup_job *j = (cleanup_job *)job;
    if (j->removed > 0)
        LOG_VERBOSE("raft: removed %d snapshot file(s) other than the log's base %" PRIu64
                    " and the newest %" PRIu64, j->removed, j->base, j->keep);
    free(j);
}

void snap_cleanup(cluster_snap *sn)
{
    uint64_t base, base_term;
    raft_snapshot_base(sn->c->r, &base, &base_term);
    cleanup_job *j = calloc(1, sizeof *j);
    if (!j)
        return; /* tried again after the next snapshot */
    *j = (cleanup_job){{.run = cleanup_run, .done = cleanup_done, .dropped = snap_job_free}, sn, base,
                       sn->index, 0};
    snap_worker_submit(sn->worker, &j->job);
}

/* -------------------------------------------------------------- taking */

typedef struct take_job {
    snap_job job;
    cluster_snap *sn;
    uint64_t index, term;
    void *view;
    int status;
    ss_errmsg err;
    uint64_t bytes;
} take_job;

static void take_run(snap_job *job)
{
    take_job *j = (take_job *)job;
    cluster_snap *sn = j->sn;
    char tmp[SNAP_PATH_MAX], final[SNAP_PATH_MAX];
    snap_dir_file(&sn->dir, tmp, sizeof tmp, j->index, j->term, ".tmp");
    snap_dir_file(&sn->dir, final, sizeof final, j->index, j->term, "");
    j->status = sn->c->sm.snapshot_write(j->view, j->term, tmp, &j->bytes, j->err);
    j->view = NULL;
    if (j->status != SS_OK) {
        unlink(tmp);
        return;
    }
    j->status = snap_dir_publish(&sn->dir, tmp, final, j->err);
}

static void maybe_compact(cluster_snap *sn);

static void take_done(snap_job *job)
{
    take_job *j = (take_job *)job;
    cluster_snap *sn = j->sn;
    sn->taking = false;
    if (j->status != SS_OK) {
        sn->retry_after_ms = ss_cluster_now_ms() + SNAP_RETRY_MS;
        LOG_WARNING("raft: snapshot at index %" PRIu64 " failed: %s; retrying in %d s", j->index,
                    j->err, SNAP_RETRY_MS / 1000);
        free(j);
        return;
    }
    snap_set_newest(sn, j->index, j->term, j->bytes);
    sn->taken++;
    ss_hist_observe(&sn->size_hist, j->bytes);
    ss_hist_observe(&sn->save_ns, (uint64_t)j->job.ms * 1000000);
    if (sn->suspect && j->index == sn->suspect_index && j->term == sn->suspect_term) {
        sn->suspect = false; /* rewritten in place: it may be sent again */
        LOG_NOTICE("raft: snapshot %" PRIu64 "-%" PRIu64 " rewritten; it is sent again",
                   j->index, j->term);
    }
    LOG_NOTICE("raft: snapshot of the state at index %" PRIu64 " (term %" PRIu64 ") written in "
               "%" PRId64 " ms, %" PRIu64 " bytes; the log before it is deleted once %lld more "
               "entries are applied (snapshot-trailing-entries), so slightly slow followers still "
               "catch up by appends",
               j->index, j->term, j->job.ms, j->bytes, sn->c->cfg->snapshot_trailing_entries);
    free(j);
    snap_cleanup(sn); /* a snapshot between the base and this one is never used */
    maybe_compact(sn);
}

static void maybe_take(cluster_snap *sn)
{
    ss_cluster *c = sn->c;
    if (sn->taking || sn->installing || sn->closing || !ss_cluster_running(c))
        return;
    uint64_t applied = c->sm.applied_index(c->sm.ctx);
    snap_take_input in = {
        .applied = applied,
        .applied_term_known = sn->term_index == applied,
        .newest = sn->index,
        .bytes_since = sn->bytes_since,
        .requested = sn->want,
        .replace = sn->suspect && sn->index == sn->suspect_index,
        .failed_recently = ss_cluster_now_ms() < sn->retry_after_ms,
        .threshold = c->cfg->snapshot_threshold,
        .threshold_bytes = c->cfg->snapshot_threshold_bytes,
    };
    snap_take why = snap_policy_take(&in);
    if (why == SNAP_TAKE_NOTHING_NEW)
        sn->want = false;
    if (why != SNAP_TAKE_REQUESTED && why != SNAP_TAKE_BY_COUNT && why != SNAP_TAKE_BY_BYTES &&
        why != SNAP_TAKE_REPLACE)
        return;
    take_job *j = calloc(1, sizeof *j);
    ss_errmsg err = "";
    int rc = j ? c->sm.snapshot_begin(c->sm.ctx, &j->view, err) : SS_ENOMEM;
    if (rc != SS_OK) {
        free(j);
        sn->retry_after_ms = ss_cluster_now_ms() + SNAP_RETRY_MS;
        LOG_WARNING("raft: could not start a snapshot: %s", err[0] ? err : ss_strerror(rc));
        return;
    }
    /* Dropped only when closing, and then nothing is taken: no view is lost. */
    j->job = (snap_job){.run = take_run, .done = take_done, .dropped = snap_job_free};;
    j->sn = sn;
    j->index = applied;
    j->term = sn->applied_term;
    LOG_NOTICE("raft: taking a snapshot at applied index %" PRIu64 " (term %" PRIu64 "): %s; "
               "written on a worker thread while this node keeps serving",
               applied, j->term, snap_take_reason(why));
    sn->want = false;
    sn->taking = true;
    sn->bytes_since = 0;
    snap_worker_submit(sn->worker, &j->job);
}

/* ---------------------------------------------------------- compacting */

bool snap_storage_done(cluster_snap *sn)
{
    sn->storage_pending--;
    if (!sn->closing)
        return false;
    snap_maybe_finish_close(sn);
    return true;
}

static void on_compacted(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    (void)last_index;
    cluster_snap *sn = arg;
    if (snap_storage_done(sn))
        return;
    if (status != SS_OK) {
        ss_cluster_fatal(sn->c, status, errmsg && errmsg[0] ? errmsg : "log compaction failed");
        return;
    }
    snap_cleanup(sn);
}

/* What the leader knows of each follower, for the policy. */
static size_t followers(const ss_cluster *c, snap_follower *out)
{
    size_t n = 0;
    for (int i = 0; i < c->npeers; i++) {
        uint64_t match = 0, next = 0;
        const char *state = "";
        ss_transport_stats ts = {0};
        if (c->transport)
            ss_transport_peer_stats(c->transport, c->peers[i].id, &ts);
        bool known = raft_peer_progress(c->r, c->peers[i].id, &match, &next, &state);
        out[n++] = (snap_follower){c->peers[i].id, match, ts.connected,
                                   known && strcmp(state, "replicate") == 0};
    }
    return n;
}

/* Moves the log's base to the newest snapshot when the policy says so. */
static void maybe_compact(cluster_snap *sn)
{
    ss_cluster *c = sn->c;
    if (sn->installing || !ss_cluster_running(c))
        return;
    uint64_t base, base_term;
    raft_snapshot_base(c->r, &base, &base_term);
    if (sn->index <= base)
        return;
    snap_follower fs[SS_MAX_PEERS];
    bool leader = raft_role_get(c->r) == RAFT_LEADER;
    snap_compact_input in = {
        .newest = sn->index,
        .base = base,
        .applied = c->sm.applied_index(c->sm.ctx),
        .trailing = c->cfg->snapshot_trailing_entries,
        .threshold = c->cfg->snapshot_threshold,
        .threshold_bytes = c->cfg->snapshot_threshold_bytes,
        .log_bytes = ss_storage_bytes(c->storage),
        .leader = leader,
        .urgent = sn->suspect,
        .followers = fs,
        .n_followers = leader ? followers(c, fs) : 0,
    };
    uint64_t held_for = 0;
    switch (snap_policy_compact(&in, &held_for)) {
    case SNAP_COMPACT_HOLD:
        for (size_t i = 0; i < in.n_followers && !sn->holding_for_peer; i++)
            if (fs[i].id == held_for)
                LOG_VERBOSE("raft: log compaction to %" PRIu64 " waits for node %" PRIu64
                            " (at %" PRIu64 "), which is catching up by appends",
                            sn->index, held_for, fs[i].match);
        sn->holding_for_peer = true;
        return;
    case SNAP_COMPACT_NOW:
        sn->holding_for_peer = false;
        break;
    default:
        return;
    }
    if (raft_compact(c->r, sn->index) != SS_OK)
        return; /* not durable here yet: try after the next round */
    uint64_t first = ss_storage_first_index(c->storage);
    int rc = ss_storage_compact(c->storage, sn->index, sn->term, on_compacted, sn);
    if (rc != SS_OK) {
        ss_cluster_fatal(c, rc, "could not queue log compaction");
        return;
    }
    sn->storage_pending++;
    LOG_NOTICE("raft: log compacted: entries %" PRIu64 "..%" PRIu64 " are covered by the "
               "snapshot at index %" PRIu64 " and dropped; a follower that needs them gets the "
               "snapshot instead",
               first, sn->index, sn->index);
}

/* ------------------------------------------------ the driver's hooks */

void cluster_snap_ready(cluster_snap *sn, const raft_ready *rd)
{
    snap_send_queue(sn, rd);
    if (rd->snapshot_chunk && !sn->c->fatal)
        snap_recv_chunk(sn, rd->snapshot_chunk);
}

void cluster_snap_after_ready(cluster_snap *sn) { snap_send_start(sn); }

void cluster_snap_applied(cluster_snap *sn, uint64_t index, uint64_t term, uint64_t bytes)
{
    sn->applied_term = term;
    sn->term_index = index;
    sn->bytes_since += bytes;
    /* Entries arrive by appends again: a transfer that was under way was
     * abandoned (its leader went away and the next one did not need it). */
    if (!sn->installing)
        sn->receiving = false;
}

void cluster_snap_after_run(cluster_snap *sn)
{
    maybe_take(sn);
    maybe_compact(sn);
    snap_send_retry(sn);
}

int cluster_snap_request(cluster_snap *sn)
{
    if (sn->taking || sn->installing)
        return SS_EBUSY;
    sn->want = true;
    maybe_take(sn);
    return SS_OK;
}

/* LASTSAVE: like Redis, the start time counts as the last save until one is taken. */
int64_t cluster_snap_time(const cluster_snap *sn) { return sn->time ? sn->time : sn->start_time; }
int cluster_snap_taking(const cluster_snap *sn) { return sn->taking ? 1 : 0; }

/* ----------------------------------------------------------- lifecycle */

static void after_jobs(void *arg)
{
    cluster_snap *sn = arg;
    if (!sn->closing)
        ss_cluster_kick(sn->c);
    else
        snap_maybe_finish_close(sn);
}

int cluster_snap_new(ss_cluster *c, cluster_snap **out, char *errmsg)
{
    cluster_snap *sn = calloc(1, sizeof *sn);
    if (!sn)
        return ss_errf(errmsg, SS_ENOMEM, "snapshots: out of memory");
    sn->c = c;
    sn->start_time = snap_wall_s();
    int rc = snap_dir_init(&sn->dir, c->cfg->dir, errmsg);
    if (rc == SS_OK)
        rc = snap_worker_new(c->loop, after_jobs, sn, &sn->worker, errmsg);
    if (rc != SS_OK) {
        free(sn);
        return rc;
    }
    snap_incoming_init(&sn->incoming, &sn->dir);
    for (int i = 0; i < c->npeers; i++)
        sn->peers[sn->npeers++].id = c->peers[i].id;
    *out = sn;
    return SS_OK;
}

int cluster_snap_start(cluster_snap *sn, char *errmsg) { return snap_worker_start(sn->worker, errmsg); }

static void on_worker_freed(void *arg)
{
    cluster_snap *sn = arg;
    void (*cb)(void *) = sn->close_cb;
    void *cb_arg = sn->close_arg;
    free(sn->reqs);
    free(sn);
    if (cb)
        cb(cb_arg);
}

void snap_maybe_finish_close(cluster_snap *sn)
{
    if (sn->reads_in_flight > 0 || sn->storage_pending > 0 || !snap_worker_finished(sn->worker))
        return;
    /* The worker has exited: what was its is the loop's now. */
    snap_incoming_release(&sn->incoming);
    snap_worker_free(sn->worker, on_worker_freed, sn);
}

void cluster_snap_close(cluster_snap *sn, void (*cb)(void *arg), void *arg)
{
    if (sn->closing)
        return;
    sn->closing = true;
    sn->close_cb = cb;
    sn->close_arg = arg;
    snap_worker_stop(sn->worker);
    snap_maybe_finish_close(sn); /* else once the worker, the reads and storage are done */
}

/* ---------------------------------------------------------------- INFO */

void cluster_snap_info(const cluster_snap *sn, cluster_snap_line_fn fn, void *arg)
{
    char line[256];
#define LINE(...) do { snprintf(line, sizeof line, __VA_ARGS__); fn(arg, line); } while (0)
    LINE("raft_snapshot_index:%" PRIu64, sn->index);
    LINE("raft_snapshot_term:%" PRIu64, sn->term);
    LINE("raft_snapshot_bytes:%" PRIu64, sn->bytes);
    LINE("raft_snapshot_time:%" PRId64, sn->time);
    LINE("raft_snapshots_taken:%" PRIu64, sn->taken);
    LINE("raft_snapshots_installed:%" PRIu64, sn->installed);
    LINE("raft_snapshot_in_progress:%d", sn->taking ? 1 : 0);
    LINE("raft_snapshot_installing:%d", sn->receiving || sn->installing ? 1 : 0);
    LINE("raft_snapshot_chunks_sent:%" PRIu64, sn->chunks_sent);
    LINE("raft_snapshot_chunks_received:%" PRIu64, sn->chunks_received);
    LINE("raft_snapshots_rejected:%" PRIu64, sn->rejected);
    LINE("raft_snapshot_peer_reports:%" PRIu64, sn->peer_reports);
    LINE("raft_snapshot_base_suspect:%d", sn->suspect ? 1 : 0);
#undef LINE
}

void cluster_snap_metrics(const cluster_snap *sn, ss_cluster_metrics *out)
{
    out->snapshot_index = sn->index;
    out->snapshot_bytes = sn->bytes;
    out->snapshots_taken = sn->taken;
    out->snapshots_installed = sn->installed;
    out->snapshot_bytes_hist = sn->size_hist;
    out->snapshot_save_ns = sn->save_ns;
    out->snapshot_install_ns = sn->install_ns;
}

/* Snapshots and log compaction: when to take one, the worker that writes and installs them, restart. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster/cluster_raft.h"
#include "cluster/cluster_snapshot.h"
#include "common/fsutil.h"
#include "common/log.h"

/*
 * Why the state machine and the log always agree again after a crash
 * ------------------------------------------------------------------
 * The state machine (LevelDB) records the index it applied in the same batch
 * as the data, and never syncs: the Raft log is the write-ahead log. A
 * snapshot file is fsynced (and its directory) before anything depends on it:
 *
 *  - Taking: file written and renamed; only then raft_compact + storage
 *    compaction, which deletes log entries the file covers. A machine crash
 *    that loses recent LevelDB writes leaves applied < the log's base: the
 *    store is rebuilt from the newest snapshot file at start.
 *  - Installing: chunks go to incoming.tmp; on the last one the file is
 *    fsynced, renamed to <index>-<term>.snap, the state machine builds the new
 *    state and durably switches to it (its commit point), and only then is
 *    the log reset to start after the snapshot. A crash before the switch
 *    restarts on the old state and old log (the leader sends again); after
 *    the switch but before the log reset, the state is ahead of (or disagrees
 *    with) the log: the log is reset at start, with the term from the file.
 *    Meanwhile the core keeps running (heartbeats are answered, reads
 *    forwarded); what it asks to persist is held back and queued after the
 *    reset, and the messages that depend on it wait for it, as always.
 */

#define MAX_QUEUED_CHUNK_BYTES ((size_t)256 << 20)
#define RETRY_MS 5000

typedef enum { JOB_TAKE, JOB_CHUNK, JOB_INSTALL, JOB_RETIRE, JOB_CLEANUP } job_kind;

typedef struct snap_job {
    struct snap_job *next;
    job_kind kind;
    uint64_t index, term;
    void *view;      /* TAKE */
    void *retired;   /* RETIRE */
    uint64_t keep;   /* CLEANUP: the newest snapshot's index (kept with the base, j->index) */
    uint64_t offset; /* CHUNK */
    uint8_t *data;
    size_t len;
    /* Results, back on the loop. */
    int status;
    ss_errmsg err;
    uint64_t bytes;
    void *staged;    /* INSTALL */
    int64_t ms;
} snap_job;

struct cluster_snap {
    ss_cluster *c;
    char dir[4096];  /* <dir>/snapshots */

    /* Worker thread and its queues (mu guards the queues and stop). */
    uv_thread_t thread;
    bool thread_started;
    uv_mutex_t mu;
    uv_cond_t cv;
    snap_job *todo_head, *todo_tail;
    snap_job *done_head, *done_tail;
    bool stop, worker_exited;
    uv_async_t async;
    int incoming_fd; /* the worker's */

    /* Loop thread state. */
    uint64_t index, term, bytes; /* the newest durable snapshot */
    int64_t time;                /* unix seconds it was taken or received */
    int64_t start_time;
    uint64_t applied_term;       /* the term of entry term_index */
    uint64_t term_index;
    uint64_t bytes_since;        /* entry bytes applied since the last take started */
    bool taking, receiving, installing, paused, want;
    bool holding;                /* log writes wait until the install reset the log */
    bool holding_for_peer;       /* compaction waits for a follower (logged once) */
    uint64_t install_index, install_term;
    int64_t retry_after_ms;
    size_t queued_chunk_bytes;
    int reads_in_flight;
    int storage_pending;         /* our storage requests whose callback is due */
    raft_snapshot_request *reqs; /* asked for in a ready, started after it */
    size_t nreqs, capreqs;
    uint64_t taken, installed, chunks_sent, chunks_received;

    bool closing;
    void (*close_cb)(void *arg);
    void *close_arg;
};

static int64_t wall_s(void) { return (int64_t)time(NULL); }

static void snap_path(const cluster_snap *sn, char *out, size_t size, uint64_t index,
                      uint64_t term, const char *suffix)
{
    snprintf(out, size, "%s/%" PRIu64 "-%" PRIu64 ".snap%s", sn->dir, index, term, suffix);
}

/* "<index>-<term>.snap" exactly. */
static bool parse_name(const char *name, uint64_t *index, uint64_t *term)
{
    char tail[8];
    unsigned long long i, t;
    int used = 0;
    if (sscanf(name, "%llu-%llu%n", &i, &t, &used) != 2 || used <= 0)
        return false;
    if (snprintf(tail, sizeof tail, "%s", name + used) >= (int)sizeof tail ||
        strcmp(tail, ".snap") != 0 || name[0] < '0' || name[0] > '9')
        return false;
    *index = i;
    *term = t;
    return true;
}

/* ------------------------------------------------------------- worker */

static void job_take(cluster_snap *sn, snap_job *j)
{
    char tmp[4200], final[4200];
    snap_path(sn, tmp, sizeof tmp, j->index, j->term, ".tmp");
    snap_path(sn, final, sizeof final, j->index, j->term, "");
    j->status = sn->c->sm.snapshot_write(j->view, j->term, tmp, &j->bytes, j->err);
    j->view = NULL;
    if (j->status != SS_OK) {
        unlink(tmp);
        return;
    }
    if (rename(tmp, final) != 0 || ss_fsync_dir(sn->dir, NULL) != SS_OK)
        j->status = ss_errf(j->err, SS_EIO, "publish snapshot '%s': %s", final, strerror(errno));
}

static void job_chunk(cluster_snap *sn, snap_job *j)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/incoming.tmp", sn->dir);
    if (j->offset == 0 && sn->incoming_fd >= 0) {
        close(sn->incoming_fd);
        sn->incoming_fd = -1;
    }
    if (sn->incoming_fd < 0) {
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (j->offset == 0 ? O_TRUNC : 0);
        sn->incoming_fd = open(path, flags, 0644);
        if (sn->incoming_fd < 0) {
            j->status = ss_errf(j->err, SS_EIO, "open '%s': %s", path, strerror(errno));
            return;
        }
    }
    size_t done = 0;
    while (done < j->len) {
        ssize_t n = pwrite(sn->incoming_fd, j->data + done, j->len - done,
                           (off_t)(j->offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            j->status = ss_errf(j->err, SS_EIO, "write '%s': %s", path, strerror(errno));
            return;
        }
        done += (size_t)n;
    }
    j->status = SS_OK;
}

static void job_install(cluster_snap *sn, snap_job *j)
{
    char path[4200], final[4200];
    snprintf(path, sizeof path, "%s/incoming.tmp", sn->dir);
    snap_path(sn, final, sizeof final, j->index, j->term, "");
    if (sn->incoming_fd < 0) {
        j->status = ss_errf(j->err, SS_EIO, "install snapshot %" PRIu64 ": no data received", j->index);
        return;
    }
    int rc = fsync(sn->incoming_fd);
    close(sn->incoming_fd);
    sn->incoming_fd = -1;
    if (rc != 0 || rename(path, final) != 0 || ss_fsync_dir(sn->dir, NULL) != SS_OK) {
        j->status = ss_errf(j->err, SS_EIO, "make snapshot '%s' durable: %s", final, strerror(errno));
        return;
    }
    struct stat stt;
    j->bytes = stat(final, &stt) == 0 ? (uint64_t)stt.st_size : 0;
    uint64_t index = 0, term = 0;
    j->status = sn->c->sm.snapshot_info(final, &index, &term, j->err);
    if (j->status == SS_OK && (index != j->index || term != j->term))
        j->status = ss_errf(j->err, SS_ECORRUPT,
                            "snapshot '%s' holds index %" PRIu64 " term %" PRIu64
                            ", the leader announced index %" PRIu64 " term %" PRIu64,
                            final, index, term, j->index, j->term);
    if (j->status == SS_OK)
        j->status = sn->c->sm.snapshot_stage(sn->c->sm.ctx, final, &j->staged, j->err);
}

/* Deletes every snapshot file but the one at the log's base (j->index: the
 * leader sends it to followers that need what the log dropped) and the newest
 * (j->keep: the base the next compaction moves to). */
static void job_cleanup(cluster_snap *sn, snap_job *j)
{
    DIR *d = opendir(sn->dir);
    if (!d)
        return;
    struct dirent *de;
    char path[4200];
    int removed = 0;
    while ((de = readdir(d)) != NULL) {
        uint64_t index, term;
        if (!parse_name(de->d_name, &index, &term) || index == j->index || index >= j->keep)
            continue;
        snprintf(path, sizeof path, "%s/%s", sn->dir, de->d_name);
        if (unlink(path) == 0)
            removed++;
    }
    closedir(d);
    j->bytes = (uint64_t)removed;
    j->status = SS_OK;
}

static void worker_main(void *arg)
{
    cluster_snap *sn = arg;
    uv_mutex_lock(&sn->mu);
    for (;;) {
        while (!sn->todo_head && !sn->stop)
            uv_cond_wait(&sn->cv, &sn->mu);
        snap_job *j = sn->todo_head;
        if (!j)
            break; /* stop, and nothing left to do */
        sn->todo_head = j->next;
        if (!sn->todo_head)
            sn->todo_tail = NULL;
        uv_mutex_unlock(&sn->mu);

        uint64_t t0 = uv_hrtime();
        switch (j->kind) {
        case JOB_TAKE: job_take(sn, j); break;
        case JOB_CHUNK: job_chunk(sn, j); break;
        case JOB_INSTALL: job_install(sn, j); break;
        case JOB_RETIRE: sn->c->sm.snapshot_retire(j->retired); j->retired = NULL; break;
        case JOB_CLEANUP: job_cleanup(sn, j); break;
        }
        j->ms = (int64_t)((uv_hrtime() - t0) / 1000000);

        uv_mutex_lock(&sn->mu);
        j->next = NULL;
        if (sn->done_tail)
            sn->done_tail->next = j;
        else
            sn->done_head = j;
        sn->done_tail = j;
        uv_async_send(&sn->async);
    }
    if (sn->incoming_fd >= 0)
        close(sn->incoming_fd);
    sn->incoming_fd = -1;
    sn->worker_exited = true;
    uv_mutex_unlock(&sn->mu);
    uv_async_send(&sn->async);
}

static void submit(cluster_snap *sn, snap_job *j)
{
    j->next = NULL;
    uv_mutex_lock(&sn->mu);
    if (sn->worker_exited) {
        /* Closing: what is left is clean-up; a retired state is released here. */
        uv_mutex_unlock(&sn->mu);
        if (j->kind == JOB_RETIRE)
            sn->c->sm.snapshot_retire(j->retired);
        free(j->data);
        free(j);
        return;
    }
    if (sn->todo_tail)
        sn->todo_tail->next = j;
    else
        sn->todo_head = j;
    sn->todo_tail = j;
    uv_cond_signal(&sn->cv);
    uv_mutex_unlock(&sn->mu);
}

static snap_job *job_new(job_kind kind)
{
    snap_job *j = calloc(1, sizeof *j);
    if (j)
        j->kind = kind;
    return j;
}

/* ---------------------------------------------------- taking, compacting */

static void maybe_compact(cluster_snap *sn);

/* Queues the removal of snapshot files nothing can use any more. */
static void cleanup(cluster_snap *sn)
{
    uint64_t base, base_term;
    raft_snapshot_base(sn->c->r, &base, &base_term);
    snap_job *j = job_new(JOB_CLEANUP);
    if (!j)
        return; /* tried again after the next snapshot */
    j->index = base;
    j->keep = sn->index;
    submit(sn, j);
}

static void take_done(cluster_snap *sn, snap_job *j)
{
    sn->taking = false;
    if (j->status != SS_OK) {
        sn->retry_after_ms = ss_cluster_now_ms() + RETRY_MS;
        LOG_WARNING("raft: snapshot at index %" PRIu64 " failed: %s; retrying in %d s", j->index,
                    j->err, RETRY_MS / 1000);
        return;
    }
    sn->index = j->index;
    sn->term = j->term;
    sn->bytes = j->bytes;
    sn->time = wall_s();
    sn->taken++;
    LOG_NOTICE("raft: snapshot of the state at index %" PRIu64 " (term %" PRIu64 ") written in "
               "%" PRId64 " ms, %" PRIu64 " bytes; the log before it is deleted once %lld more "
               "entries are applied (snapshot-trailing-entries), so slightly slow followers still "
               "catch up by appends",
               j->index, j->term, j->ms, j->bytes, sn->c->cfg->snapshot_trailing_entries);
    cleanup(sn); /* a snapshot between the base and this one is never used */
    maybe_compact(sn);
}

static void maybe_take(cluster_snap *sn)
{
    ss_cluster *c = sn->c;
    if (sn->taking || sn->installing || sn->closing || c->closing || c->fatal)
        return;
    uint64_t applied = c->sm.applied_index(c->sm.ctx);
    if (applied <= sn->index) {
        sn->want = false;
        return;
    }
    if (sn->term_index != applied)
        return; /* the term of the applied entry is not known yet (see reconcile) */
    const ss_config *cfg = c->cfg;
    bool by_count = cfg->snapshot_threshold > 0 &&
                    applied - sn->index >= (uint64_t)cfg->snapshot_threshold;
    bool by_bytes = cfg->snapshot_threshold_bytes > 0 &&
                    sn->bytes_since >= (uint64_t)cfg->snapshot_threshold_bytes;
    if (!sn->want && !by_count && !by_bytes)
        return;
    if (!sn->want && ss_cluster_now_ms() < sn->retry_after_ms)
        return;
    snap_job *j = job_new(JOB_TAKE);
    ss_errmsg err = "";
    int rc = j ? c->sm.snapshot_begin(c->sm.ctx, &j->view, err) : SS_ENOMEM;
    if (rc != SS_OK) {
        free(j);
        sn->retry_after_ms = ss_cluster_now_ms() + RETRY_MS;
        LOG_WARNING("raft: could not start a snapshot: %s", err[0] ? err : ss_strerror(rc));
        return;
    }
    j->index = applied;
    j->term = sn->applied_term;
    LOG_NOTICE("raft: taking a snapshot at applied index %" PRIu64 " (term %" PRIu64 "): %s; "
               "written on a worker thread while this node keeps serving",
               applied, j->term,
               sn->want ? "requested (BGSAVE)"
               : by_count ? "snapshot-threshold entries applied since the last one"
                          : "snapshot-threshold-bytes of entries applied since the last one");
    sn->want = false;
    sn->taking = true;
    sn->bytes_since = 0;
    submit(sn, j);
}

/* A storage request of ours completed; true if closing (finish that instead). */
static bool storage_done(cluster_snap *sn)
{
    sn->storage_pending--;
    if (!sn->closing)
        return false;
    cluster_snap_close(sn, sn->close_cb, sn->close_arg);
    return true;
}

static void on_compacted(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    (void)last_index;
    cluster_snap *sn = arg;
    if (storage_done(sn))
        return;
    if (status != SS_OK) {
        ss_cluster_fatal(sn->c, status, errmsg && errmsg[0] ? errmsg : "log compaction failed");
        return;
    }
    cleanup(sn);
}

/* Leader: a follower that is keeping up (replicating) but has not reached
 * upto yet would need a whole snapshot if the log were compacted now; wait
 * for it while the log stays under twice the snapshot thresholds. */
static bool follower_still_needs(cluster_snap *sn, uint64_t upto, uint64_t base, uint64_t applied)
{
    ss_cluster *c = sn->c;
    if (raft_role_get(c->r) != RAFT_LEADER)
        return false;
    const ss_config *cfg = c->cfg;
    if ((cfg->snapshot_threshold > 0 && applied - base >= 2 * (uint64_t)cfg->snapshot_threshold) ||
        (cfg->snapshot_threshold_bytes > 0 &&
         ss_storage_bytes(c->storage) >= 2 * (uint64_t)cfg->snapshot_threshold_bytes))
        return false;
    for (int i = 0; i < c->npeers; i++) {
        uint64_t match = 0, next = 0;
        const char *state = "";
        ss_transport_stats ts = {0};
        if (c->transport)
            ss_transport_peer_stats(c->transport, c->peers[i].id, &ts);
        if (ts.connected && raft_peer_progress(c->r, c->peers[i].id, &match, &next, &state) &&
            strcmp(state, "replicate") == 0 && match < upto) {
            if (!sn->holding_for_peer)
                LOG_VERBOSE("raft: log compaction to %" PRIu64 " waits for node %" PRIu64
                            " (at %" PRIu64 "), which is catching up by appends",
                            upto, c->peers[i].id, match);
            sn->holding_for_peer = true;
            return true;
        }
    }
    sn->holding_for_peer = false;
    return false;
}

/* Moves the log's base to the newest snapshot once the trailing window of
 * entries after it has been applied. */
static void maybe_compact(cluster_snap *sn)
{
    ss_cluster *c = sn->c;
    if (sn->installing || c->closing || c->fatal)
        return;
    uint64_t base, base_term;
    raft_snapshot_base(c->r, &base, &base_term);
    if (sn->index <= base)
        return;
    uint64_t applied = c->sm.applied_index(c->sm.ctx);
    if (applied < sn->index + (uint64_t)c->cfg->snapshot_trailing_entries ||
        follower_still_needs(sn, sn->index, base, applied))
        return;
    if (raft_compact(c->r, sn->index) != SS_OK)
        return; /* not durable here yet: try after the next round */
    uint64_t first = ss_storage_first_index(c->storage);
    int rc = ss_storage_compact(c->storage, sn->index, sn->term, on_compacted, sn);
    if (rc == SS_OK)
        sn->storage_pending++;
    if (rc != SS_OK) {
        ss_cluster_fatal(c, rc, "could not queue log compaction");
        return;
    }
    LOG_NOTICE("raft: log compacted: entries %" PRIu64 "..%" PRIu64 " are covered by the "
               "snapshot at index %" PRIu64 " and dropped; a follower that needs them gets the "
               "snapshot instead",
               first, sn->index, sn->index);
}

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
bool cluster_snap_paused(const cluster_snap *sn) { return sn->paused; }
bool cluster_snap_holding(const cluster_snap *sn) { return sn->holding; }

/* ------------------------------------------------- sending (leader side) */

typedef struct snap_read {
    uv_work_t req;
    cluster_snap *sn;
    uint64_t peer, index, term, offset;
    size_t max, len;
    bool done;
    int status;
    uint8_t buf[];
} snap_read;

static void read_work(uv_work_t *req)
{
    snap_read *rd = req->data;
    char path[4200];
    snap_path(rd->sn, path, sizeof path, rd->index, rd->term, "");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        rd->status = SS_ENOTFOUND;
        if (fd >= 0)
            close(fd);
        return;
    }
    uint64_t size = (uint64_t)st.st_size;
    size_t want = rd->offset >= size ? 0
                  : (size - rd->offset < rd->max ? (size_t)(size - rd->offset) : rd->max);
    rd->status = SS_OK;
    while (rd->len < want) {
        ssize_t n = pread(fd, rd->buf + rd->len, want - rd->len, (off_t)(rd->offset + rd->len));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rd->status = SS_EIO;
            break;
        }
        rd->len += (size_t)n;
    }
    close(fd);
    rd->done = rd->offset + rd->len >= size;
}

static void read_done(uv_work_t *req, int status)
{
    snap_read *rd = req->data;
    cluster_snap *sn = rd->sn;
    ss_cluster *c = sn->c;
    sn->reads_in_flight--;
    if (!sn->closing && !c->closing && !c->fatal) {
        if (status != 0 || rd->status != SS_OK) {
            LOG_WARNING("raft: snapshot %" PRIu64 "-%" PRIu64 " for node %" PRIu64 " can't be "
                        "read (%s); the transfer starts over from the current log base",
                        rd->index, rd->term, rd->peer,
                        ss_strerror(rd->status != SS_OK ? rd->status : SS_EIO));
            raft_snapshot_failed(c->r, rd->peer);
        } else {
            int rc = raft_snapshot_chunk(c->r, rd->peer, rd->index, rd->term, rd->offset, rd->buf,
                                         rd->len, rd->done);
            if (rc == SS_ENOMEM)
                raft_snapshot_failed(c->r, rd->peer);
            else if (rc == SS_OK)
                sn->chunks_sent++;
        }
        ss_cluster_kick(c);
    }
    free(rd);
    if (sn->closing)
        cluster_snap_close(sn, sn->close_cb, sn->close_arg);
}

static void start_read(cluster_snap *sn, const raft_snapshot_request *q)
{
    snap_read *rd = malloc(sizeof *rd + q->max);
    if (rd) {
        *rd = (snap_read){.sn = sn, .peer = q->peer, .index = q->index, .term = q->term,
                          .offset = q->offset, .max = q->max};
        rd->req.data = rd;
        if (uv_queue_work(sn->c->loop, &rd->req, read_work, read_done) == 0) {
            sn->reads_in_flight++;
            return;
        }
        free(rd);
    }
    raft_snapshot_failed(sn->c->r, q->peer); /* every request gets an answer */
}

void cluster_snap_after_ready(cluster_snap *sn)
{
    for (size_t i = 0; i < sn->nreqs; i++)
        start_read(sn, &sn->reqs[i]);
    sn->nreqs = 0;
}

/* ---------------------------------------------- receiving (follower side) */

void cluster_snap_ready(cluster_snap *sn, const raft_ready *rd)
{
    ss_cluster *c = sn->c;
    if (rd->n_snapshot_reads > 0) {
        size_t need = sn->nreqs + rd->n_snapshot_reads;
        if (need > sn->capreqs) {
            raft_snapshot_request *q = realloc(sn->reqs, need * 2 * sizeof *q);
            if (!q) {
                ss_cluster_fatal(c, SS_ENOMEM, "out of memory queuing snapshot reads");
                return;
            }
            sn->reqs = q;
            sn->capreqs = need * 2;
        }
        memcpy(sn->reqs + sn->nreqs, rd->snapshot_reads,
               rd->n_snapshot_reads * sizeof *rd->snapshot_reads);
        sn->nreqs = need;
    }
    const raft_chunk *ch = rd->snapshot_chunk;
    if (!ch)
        return;
    if (ch->offset == 0) {
        sn->receiving = true;
        LOG_NOTICE("raft: receiving the snapshot at index %" PRIu64 " (term %" PRIu64 ") from "
                   "leader %" PRIu64 ": it compacted away entries this node still needs",
                   ch->index, ch->term, ch->from);
    }
    snap_job *j = job_new(JOB_CHUNK);
    uint8_t *data = ch->len ? malloc(ch->len) : NULL;
    if (!j || (ch->len && !data)) {
        free(j);
        free(data);
        ss_cluster_fatal(c, SS_ENOMEM, "out of memory receiving a snapshot");
        return;
    }
    if (ch->len)
        memcpy(data, ch->data, ch->len);
    j->index = ch->index;
    j->term = ch->term;
    j->offset = ch->offset;
    j->data = data;
    j->len = ch->len;
    sn->queued_chunk_bytes += ch->len;
    sn->chunks_received++;
    submit(sn, j);
    if (sn->queued_chunk_bytes > MAX_QUEUED_CHUNK_BYTES)
        sn->paused = true; /* acknowledgements wait until the disk caught up */
    if (!ch->done)
        return;
    j = job_new(JOB_INSTALL);
    if (!j) {
        ss_cluster_fatal(c, SS_ENOMEM, "out of memory installing a snapshot");
        return;
    }
    j->index = ch->index;
    j->term = ch->term;
    sn->installing = true;
    sn->holding = true;
    sn->install_index = ch->index;
    sn->install_term = ch->term;
    LOG_NOTICE("raft: snapshot %" PRIu64 "-%" PRIu64 " received (%" PRIu64 " bytes); verifying it "
               "and building the new state beside the old one; this node's log is replaced by it",
               ch->index, ch->term, ch->offset + ch->len);
    submit(sn, j);
}

static void on_install_reset(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    (void)last_index;
    cluster_snap *sn = arg;
    ss_cluster *c = sn->c;
    if (storage_done(sn))
        return;
    if (status != SS_OK) {
        ss_cluster_fatal(c, status, errmsg && errmsg[0] ? errmsg : "log reset after install failed");
        return;
    }
    raft_snapshot_installed(c->r, sn->install_index, sn->install_term);
    sn->installing = false;
    sn->receiving = false;
    sn->paused = sn->queued_chunk_bytes > MAX_QUEUED_CHUNK_BYTES;
    sn->installed++;
    LOG_NOTICE("raft: snapshot %" PRIu64 "-%" PRIu64 " installed: the state machine and the log now "
               "start after index %" PRIu64 "; replication resumes from there",
               sn->install_index, sn->install_term, sn->install_index);
    cleanup(sn);
    ss_cluster_kick(c);
}

/* The log after an install (or a crash in the middle of one): nothing but
 * the base (index, term). Ordered with every other storage request. */
static int reset_log(cluster_snap *sn, uint64_t index, uint64_t term, ss_persist_cb cb)
{
    ss_storage *st = sn->c->storage;
    uint64_t first = ss_storage_first_index(st), last = ss_storage_last_index(st);
    if (last >= first) {
        ss_persist_req req = {.truncate = true, .truncate_from = first};
        int rc = ss_storage_persist(st, &req);
        if (rc != SS_OK)
            return rc;
    }
    int rc = ss_storage_compact(st, index, term, cb, sn);
    if (rc == SS_OK && cb)
        sn->storage_pending++;
    return rc;
}

static void install_done(cluster_snap *sn, snap_job *j)
{
    ss_cluster *c = sn->c;
    if (j->status != SS_OK) {
        /* The core already dropped its log for this snapshot: only a restart
         * (which forgets the transfer; the leader sends again) is safe. */
        ss_cluster_fatal(c, j->status, j->err);
        return;
    }
    void *retired = NULL;
    ss_errmsg err = "";
    int rc = c->sm.snapshot_adopt(c->sm.ctx, j->staged, &retired, err);
    j->staged = NULL;
    if (rc != SS_OK) {
        ss_cluster_fatal(c, rc, err[0] ? err : "could not switch to the installed snapshot");
        return;
    }
    sn->index = j->index;
    sn->term = j->term;
    sn->bytes = j->bytes;
    sn->time = wall_s();
    sn->applied_term = j->term;
    sn->term_index = j->index;
    sn->bytes_since = 0;
    if (retired) {
        snap_job *r = job_new(JOB_RETIRE);
        if (r) {
            r->retired = retired;
            submit(sn, r);
        } else {
            c->sm.snapshot_retire(retired);
        }
    }
    if (sn->closing || c->closing)
        return; /* the log is reset at the next start (see the top of this file) */
    LOG_NOTICE("raft: the state machine now holds snapshot %" PRIu64 "-%" PRIu64 " (built in "
               "%" PRId64 " ms); resetting the log to start after it",
               j->index, j->term, j->ms);
    rc = reset_log(sn, j->index, j->term, on_install_reset);
    if (rc != SS_OK) {
        ss_cluster_fatal(c, rc, "could not queue the log reset after installing a snapshot");
        return;
    }
    /* What the core asked to persist meanwhile goes after the reset. */
    sn->holding = false;
    ss_cluster_persist_deferred(c);
}

static void finish_close(cluster_snap *sn);

static void on_async(uv_async_t *h)
{
    cluster_snap *sn = h->data;
    uv_mutex_lock(&sn->mu);
    snap_job *j = sn->done_head;
    sn->done_head = sn->done_tail = NULL;
    bool exited = sn->worker_exited;
    uv_mutex_unlock(&sn->mu);
    while (j) {
        snap_job *next = j->next;
        switch (j->kind) {
        case JOB_TAKE: take_done(sn, j); break;
        case JOB_CHUNK:
            sn->queued_chunk_bytes -= j->len;
            if (j->status != SS_OK)
                ss_cluster_fatal(sn->c, j->status, j->err);
            else if (sn->paused && sn->queued_chunk_bytes <= MAX_QUEUED_CHUNK_BYTES / 2)
                sn->paused = false;
            break;
        case JOB_INSTALL: install_done(sn, j); break;
        case JOB_RETIRE: break;
        case JOB_CLEANUP:
            if (j->bytes > 0)
                LOG_VERBOSE("raft: removed %" PRIu64 " snapshot file(s) other than the log's base "
                            "%" PRIu64 " and the newest %" PRIu64, j->bytes, j->index, j->keep);
            break;
        }
        free(j->data);
        free(j);
        j = next;
    }
    if (!sn->closing)
        ss_cluster_kick(sn->c);
    else if (exited)
        finish_close(sn);
}

/* ------------------------------------------------------------- restart */

typedef struct {
    uint64_t index, term;
    bool found;
} snap_name;

/* Removes leftovers of interrupted writes and finds the newest complete
 * snapshot and the one at index `at` (if any). */
static int scan_dir(cluster_snap *sn, uint64_t at, snap_name *newest, snap_name *exact,
                    char *errmsg)
{
    *newest = *exact = (snap_name){0};
    DIR *d = opendir(sn->dir);
    if (!d)
        return ss_errf(errmsg, SS_EIO, "open '%s': %s", sn->dir, strerror(errno));
    struct dirent *de;
    char path[4200];
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        snprintf(path, sizeof path, "%s/%s", sn->dir, de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".tmp") == 0) {
            LOG_NOTICE("raft: removing '%s', a snapshot cut short by a restart", path);
            unlink(path);
            continue;
        }
        uint64_t index, term, hi, ht;
        if (!parse_name(de->d_name, &index, &term))
            continue;
        ss_errmsg err = "";
        if (sn->c->sm.snapshot_info(path, &hi, &ht, err) != SS_OK || hi != index || ht != term) {
            LOG_WARNING("raft: ignoring snapshot '%s': %s", path,
                        err[0] ? err : "its header does not match its name");
            continue;
        }
        if (!newest->found || index > newest->index)
            *newest = (snap_name){index, term, true};
        if (index == at)
            *exact = (snap_name){index, term, true};
    }
    closedir(d);
    return SS_OK;
}

static int restore_from_file(cluster_snap *sn, const snap_name *f, char *errmsg)
{
    ss_cluster *c = sn->c;
    char path[4200];
    snap_path(sn, path, sizeof path, f->index, f->term, "");
    void *staged = NULL, *retired = NULL;
    int rc = c->sm.snapshot_stage(c->sm.ctx, path, &staged, errmsg);
    if (rc == SS_OK)
        rc = c->sm.snapshot_adopt(c->sm.ctx, staged, &retired, errmsg);
    if (rc != SS_OK)
        return ss_errwrap(errmsg, rc, "load snapshot '%s'", path);
    if (retired)
        c->sm.snapshot_retire(retired);
    return SS_OK;
}

/*
 * The state machine is at A; the log holds base = first_index - 1 (with
 * prev_term) and entries up to L. Three cases:
 *   A < base:  LevelDB lost writes the log no longer has (a machine crash
 *              after a compaction): rebuild it from the newest snapshot.
 *   A > L, or the log's term at A differs from the snapshot file at A: an
 *              install switched the state but the log was not reset yet.
 *   otherwise: the usual case; committed entries after A are applied again.
 */
int cluster_snap_reconcile(cluster_snap *sn, const ss_storage_state *st, snap_restart *out,
                           char *errmsg)
{
    ss_cluster *c = sn->c;
    uint64_t base = st->first_index - 1;
    uint64_t last = base + st->n_entries;
    uint64_t applied = c->sm.applied_index(c->sm.ctx);
    snap_name newest, exact;
    int rc = scan_dir(sn, applied, &newest, &exact, errmsg);
    if (rc != SS_OK)
        return rc;
    if (applied < base) {
        if (!newest.found || newest.index < base)
            return ss_errf(errmsg, SS_ECORRUPT,
                           "the state machine has applied through index %" PRIu64 " but the raft "
                           "log starts after %" PRIu64 ", and '%s' holds no snapshot at or after "
                           "it: the entries in between are gone",
                           applied, base, sn->dir);
        LOG_WARNING("raft: the state machine has applied through index %" PRIu64 ", behind the "
                    "log's start %" PRIu64 " (its last writes were lost in a crash); loading the "
                    "snapshot at %" PRIu64 " instead", applied, base + 1, newest.index);
        if ((rc = restore_from_file(sn, &newest, errmsg)) != SS_OK)
            return rc;
        applied = c->sm.applied_index(c->sm.ctx);
        exact = newest;
    }
    uint64_t log_term = applied == base ? st->prev_term
                        : applied <= last ? st->entries[applied - st->first_index].term : 0;
    /* The term of the applied entry: recorded with it by the state machine,
     * or the snapshot file's (a store written by an older version). */
    uint64_t state_term = c->sm.applied_term(c->sm.ctx);
    if (state_term == 0 && exact.found)
        state_term = exact.term;
    bool reset = false;
    if (applied > last) {
        if (state_term == 0)
            return ss_errf(errmsg, SS_ECORRUPT,
                           "the state machine has applied through index %" PRIu64 " but the raft "
                           "log ends at %" PRIu64 ", and the term of entry %" PRIu64 " is not "
                           "known (no snapshot file for it in '%s')",
                           applied, last, applied, sn->dir);
        reset = true; /* an install cut short, or a log tail lost after it was applied */
    } else if (applied > 0 && state_term != 0 && log_term != state_term) {
        reset = true;
    }
    *out = (snap_restart){st->first_index, st->prev_term, st->entries, st->n_entries, applied,
                          log_term};
    if (reset) {
        LOG_NOTICE("raft: the state machine holds entry %" PRIu64 " (term %" PRIu64 ") that the log "
                   "(%" PRIu64 "..%" PRIu64 ") does not continue (an install cut short by a crash, "
                   "or a lost log tail); the log restarts after it", applied, state_term,
                   st->first_index, last);
        *out = (snap_restart){applied + 1, state_term, NULL, 0, applied, state_term};
        if ((rc = reset_log(sn, applied, state_term, NULL)) != SS_OK)
            return ss_errf(errmsg, rc, "reset the raft log after index %" PRIu64, applied);
    }
    sn->applied_term = out->applied_term;
    sn->term_index = out->applied;
    if (newest.found) {
        char path[4200];
        struct stat stt;
        snap_path(sn, path, sizeof path, newest.index, newest.term, "");
        sn->index = newest.index;
        sn->term = newest.term;
        if (stat(path, &stt) == 0) {
            sn->bytes = (uint64_t)stt.st_size;
            sn->time = (int64_t)stt.st_mtime;
        }
    }
    return SS_OK;
}

/* ---------------------------------------------------------- lifecycle */

int cluster_snap_new(ss_cluster *c, cluster_snap **out, char *errmsg)
{
    cluster_snap *sn = calloc(1, sizeof *sn);
    if (!sn)
        return ss_errf(errmsg, SS_ENOMEM, "snapshots: out of memory");
    sn->c = c;
    sn->incoming_fd = -1;
    sn->start_time = wall_s();
    if (snprintf(sn->dir, sizeof sn->dir, "%s/snapshots", c->cfg->dir) >= (int)sizeof sn->dir) {
        free(sn);
        return ss_errf(errmsg, SS_ECONFIG, "dir '%s' is too long", c->cfg->dir);
    }
    if (mkdir(sn->dir, 0755) != 0 && errno != EEXIST) {
        int e = errno;
        free(sn);
        return ss_errf(errmsg, SS_EIO, "create '%s/snapshots': %s", c->cfg->dir, strerror(e));
    }
    ss_fsync_dir(c->cfg->dir, NULL);
    uv_mutex_init(&sn->mu);
    uv_cond_init(&sn->cv);
    uv_async_init(c->loop, &sn->async, on_async);
    sn->async.data = sn;
    *out = sn;
    return SS_OK;
}

int cluster_snap_start(cluster_snap *sn, char *errmsg)
{
    if (uv_thread_create(&sn->thread, worker_main, sn) != 0)
        return ss_errf(errmsg, SS_EIO, "snapshots: can't start the worker thread");
    sn->thread_started = true;
    return SS_OK;
}

static void on_async_closed(uv_handle_t *h)
{
    cluster_snap *sn = h->data;
    void (*cb)(void *) = sn->close_cb;
    void *arg = sn->close_arg;
    uv_mutex_destroy(&sn->mu);
    uv_cond_destroy(&sn->cv);
    free(sn->reqs);
    free(sn);
    if (cb)
        cb(arg);
}

static void finish_close(cluster_snap *sn)
{
    if (sn->reads_in_flight > 0 || sn->storage_pending > 0 ||
        uv_is_closing((uv_handle_t *)&sn->async))
        return;
    if (sn->thread_started) {
        uv_thread_join(&sn->thread);
        sn->thread_started = false;
    }
    uv_close((uv_handle_t *)&sn->async, on_async_closed);
}

void cluster_snap_close(cluster_snap *sn, void (*cb)(void *arg), void *arg)
{
    if (!sn->closing) {
        sn->closing = true;
        sn->close_cb = cb;
        sn->close_arg = arg;
        uv_mutex_lock(&sn->mu);
        sn->stop = true;
        if (!sn->thread_started)
            sn->worker_exited = true;
        uv_cond_signal(&sn->cv);
        uv_mutex_unlock(&sn->mu);
    }
    uv_mutex_lock(&sn->mu);
    bool exited = sn->worker_exited && sn->done_head == NULL;
    uv_mutex_unlock(&sn->mu);
    if (exited)
        finish_close(sn);
    /* else on_async finishes once the worker has drained its queue */
}

/* -------------------------------------------------------------- INFO */

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
#undef LINE
}

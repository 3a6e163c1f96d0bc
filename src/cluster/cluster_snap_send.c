/* Sending snapshots (leader): the core asks for chunks of a snapshot file; they are read on libuv's pool and handed back. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster_snap_internal.h"
#include "common/log.h"

/*
 * The core asks, in a ready, for bytes [offset, offset + max) of the snapshot
 * at (index, term) for a peer (raft.h: one chunk in flight per follower).
 * The requests are copied out of the ready and started after it, each read
 * on libuv's pool (reads need no order) and answered with
 * raft_snapshot_chunk, or raft_snapshot_failed when the file cannot be read:
 * every request gets an answer, or the transfer would wait for it forever.
 *
 * An answer may also wait. A follower that could not install a snapshot says
 * so (PEER_SNAP_BAD, cluster_snap_recv.c): its transfer starts over
 * (raft_snapshot_failed), and the core's next request for it is parked until
 * a back-off has passed (1 s, doubling while it keeps failing, up to a
 * minute). If the follower found the file damaged and it is the one at this
 * node's log base, the file is suspect: no request for it is answered, the
 * node takes a fresh snapshot (in place, if nothing was applied since) and
 * moves its base to it at once (cluster_snapshot.c); the parked requests are
 * then answered from the new file, or dropped when the base moved (the core
 * has asked again for the new one).
 */

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
    rd->status = snap_dir_read(&rd->sn->dir, rd->index, rd->term, rd->offset, rd->buf, rd->max,
                               &rd->len, &rd->done);
}

static void read_done(uv_work_t *req, int status)
{
    snap_read *rd = req->data;
    cluster_snap *sn = rd->sn;
    ss_cluster *c = sn->c;
    sn->reads_in_flight--;
    if (!sn->closing && ss_cluster_running(c)) {
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
        snap_maybe_finish_close(sn);
}

static snap_peer *find(cluster_snap *sn, uint64_t id)
{
    for (int i = 0; i < sn->npeers; i++)
        if (sn->peers[i].id == id)
            return &sn->peers[i];
    return NULL;
}

static bool is_suspect(const cluster_snap *sn, uint64_t index, uint64_t term)
{
    return sn->suspect && index == sn->suspect_index && term == sn->suspect_term;
}

static void start_read(cluster_snap *sn, const raft_snapshot_request *q)
{
    snap_peer *p = find(sn, q->peer);
    if (p && (ss_cluster_now_ms() < p->backoff.until_ms || is_suspect(sn, q->index, q->term))) {
        p->parked = true; /* answered by snap_send_retry */
        p->req = *q;
        return;
    }
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

/* Inside the ready: the requests belong to the core until it advances. */
void snap_send_queue(cluster_snap *sn, const raft_ready *rd)
{
    if (rd->n_snapshot_reads == 0)
        return;
    size_t need = sn->nreqs + rd->n_snapshot_reads;
    if (need > sn->capreqs) {
        raft_snapshot_request *q = realloc(sn->reqs, need * 2 * sizeof *q);
        if (!q) {
            ss_cluster_fatal(sn->c, SS_ENOMEM, "out of memory queuing snapshot reads");
            return;
        }
        sn->reqs = q;
        sn->capreqs = need * 2;
    }
    memcpy(sn->reqs + sn->nreqs, rd->snapshot_reads,
           rd->n_snapshot_reads * sizeof *rd->snapshot_reads);
    sn->nreqs = need;
}

/* After the ready: raft_snapshot_chunk/failed may be called again. */
void snap_send_start(cluster_snap *sn)
{
    for (size_t i = 0; i < sn->nreqs; i++)
        start_read(sn, &sn->reqs[i]);
    sn->nreqs = 0;
}

void snap_send_retry(cluster_snap *sn)
{
    ss_cluster *c = sn->c;
    bool leader = raft_role_get(c->r) == RAFT_LEADER;
    uint64_t base, base_term;
    raft_snapshot_base(c->r, &base, &base_term);
    if (sn->suspect && !is_suspect(sn, base, base_term)) {
        sn->suspect = false;
        LOG_NOTICE("raft: the log's base moved past the damaged snapshot %" PRIu64 "-%" PRIu64
                   "; followers get the one at %" PRIu64, sn->suspect_index, sn->suspect_term,
                   base);
    }
    int64_t now = ss_cluster_now_ms();
    for (int i = 0; i < sn->npeers; i++) {
        snap_peer *p = &sn->peers[i];
        uint64_t match, next;
        const char *state = "";
        if (p->backoff.failures > 0 && leader &&
            raft_peer_progress(c->r, p->id, &match, &next, &state) && strcmp(state, "replicate") == 0)
            p->backoff.failures = 0; /* it caught up: the next failure starts the back-off over */
        if (!p->parked || (leader && now < p->backoff.until_ms))
            continue;
        if (leader && is_suspect(sn, p->req.index, p->req.term))
            continue;
        p->parked = false;
        /* No longer leader, or the base moved (the core asked for the new
         * one): the request is void, and answering it would disturb what
         * replaced it. */
        if (leader && p->req.index == base && p->req.term == base_term)
            start_read(sn, &p->req);
    }
}

void cluster_snap_peer_report(cluster_snap *sn, uint64_t from, const uint8_t *payload,
                              size_t len)
{
    ss_cluster *c = sn->c;
    snap_peer *p = find(sn, from);
    uint64_t index, term;
    int code;
    char why[PEER_SNAP_BAD_WHY + 1];
    if (!p || !peer_snap_bad_decode(payload, len, &index, &term, &code, why)) {
        LOG_WARNING("raft: dropped a malformed snapshot report from node %" PRIu64, from);
        return;
    }
    sn->peer_reports++;
    if (raft_role_get(c->r) != RAFT_LEADER || !ss_cluster_running(c)) {
        LOG_VERBOSE("raft: node %" PRIu64 " could not install snapshot %" PRIu64 "-%" PRIu64
                    " (%s); this node no longer leads", from, index, term, why);
        return;
    }
    int64_t wait = snap_backoff_fail(&p->backoff, ss_cluster_now_ms());
    uint64_t base, base_term;
    raft_snapshot_base(c->r, &base, &base_term);
    bool ours = code == SS_ECORRUPT && index == base && term == base_term;
    LOG_WARNING("raft: node %" PRIu64 " could not install snapshot %" PRIu64 "-%" PRIu64 ": %s "
                "(%s); it is offered a snapshot again in %" PRId64 " ms%s",
                from, index, term, why, ss_strerror(code), wait,
                ours ? "; this node's file may be damaged: it is not sent again, and a fresh "
                       "snapshot replaces it" : "");
    if (ours && !sn->suspect) {
        sn->suspect = true;
        sn->suspect_index = index;
        sn->suspect_term = term;
    }
    raft_snapshot_failed(c->r, from); /* starts over; its next request waits (start_read) */
    ss_cluster_kick(c);
}

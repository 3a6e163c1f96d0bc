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
        snap_maybe_finish_close(sn);
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

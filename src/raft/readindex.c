/* Linearizable reads without log writes: ReadIndex (thesis §6.4). */
#include <stdlib.h>
#include <string.h>

#include "raft/internal.h"

int readindex_push_done(raft *r, uint64_t ctx, uint64_t index, int status)
{
    if (r->n_done_reads == r->cap_done_reads) {
        /* The app drains these every ready; a flood of answers is dropped. */
        if (r->cap_done_reads >= 2 * r->cfg.max_pending_reads)
            return SS_EBUSY;
        size_t cap = r->cap_done_reads < 16 ? 16 : r->cap_done_reads * 2;
        raft_read_result *p = realloc(r->done_reads, cap * sizeof *p);
        if (p == NULL)
            return SS_ENOMEM;
        r->done_reads = p;
        r->cap_done_reads = cap;
    }
    r->done_reads[r->n_done_reads++] = (raft_read_result){ ctx, index, status };
    return SS_OK;
}

static void answer(raft *r, const pending_read *rd, uint64_t index, int status)
{
    if (rd->from == r->id) {
        readindex_push_done(r, rd->ctx, index, status);
        return;
    }
    out_msg *o = outbox_push(r, RAFT_MSG_READ_INDEX_RESP, rd->from);
    if (o != NULL) {
        o->m.ctx = rd->ctx;
        o->m.index = index;
        o->m.reject = status != SS_OK;
    }
}

static int enqueue(raft *r, uint64_t ctx, uint64_t from)
{
    if (r->n_reads == r->cfg.max_pending_reads)
        return SS_EBUSY;
    r->reads[r->n_reads++] = (pending_read){ ctx, from, 0, 0 };
    return SS_OK;
}

int raft_read_index(raft *r, uint64_t ctx)
{
    RAFT_ASSERT(r, !r->in_ready);
    if (r->role == RAFT_LEADER)
        return enqueue(r, ctx, r->id);
    if (r->role != RAFT_FOLLOWER || r->leader == 0)
        return SS_ENOLEADER;
    out_msg *o = outbox_push(r, RAFT_MSG_READ_INDEX, r->leader);
    if (o == NULL)
        return SS_ENOMEM;
    o->m.ctx = ctx;
    RLOG(r, SS_LOG_VERBOSE,
         "raft: node %llu asks leader %llu for a read index (read %llu): only the leader knows "
         "what is committed (§6.4)",
         (unsigned long long)r->id, (unsigned long long)r->leader, (unsigned long long)ctx);
    return SS_OK;
}

/* Leader: a follower's reader waits for the next heartbeat round like ours. */
void readindex_recv_request(raft *r, const raft_msg *m)
{
    if (enqueue(r, m->ctx, m->from) == SS_OK)
        return;
    RLOG(r, SS_LOG_VERBOSE,
         "raft: node %llu refused a read index to node %llu: %zu reads wait already",
         (unsigned long long)r->id, (unsigned long long)m->from, r->n_reads);
    pending_read rd = { m->ctx, m->from, 0, 0 };
    answer(r, &rd, 0, SS_EBUSY);
}

/* Not the leader (any more): the follower that asked retries elsewhere. */
void readindex_refuse(raft *r, const raft_msg *m)
{
    pending_read rd = { m->ctx, m->from, 0, 0 };
    answer(r, &rd, 0, SS_ENOTLEADER);
}

void readindex_recv_response(raft *r, const raft_msg *m)
{
    if (m->reject)
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu: node %llu refused a read index (read %llu): it is not the leader "
             "or is too busy",
             (unsigned long long)r->id, (unsigned long long)m->from, (unsigned long long)m->ctx);
    else
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu got read index %llu from leader %llu (read %llu): the read runs "
             "once this node has applied that far (§6.4)",
             (unsigned long long)r->id, (unsigned long long)m->index,
             (unsigned long long)m->from, (unsigned long long)m->ctx);
    readindex_push_done(r, m->ctx, m->index, m->reject ? SS_ENOTLEADER : SS_OK);
}

/* Answers the reads whose heartbeat round a majority has acknowledged. */
static void complete(raft *r)
{
    /* Only voters confirm leadership: a learner's answer never counts. */
    uint64_t confirmed = 0;
    for_each_progress(r, pi) {
        uint64_t v = pi->id == r->id ? r->read_seq : pi->read_ack;
        size_t count = 0;
        for_each_progress(r, pj)
            count += pj->voter && (pj->id == r->id ? r->read_seq : pj->read_ack) >= v;
        if (pi->voter && count >= raft_quorum(r) && v > confirmed)
            confirmed = v;
    }
    size_t kept = 0, answered = 0;
    uint64_t index = 0;
    for (size_t i = 0; i < r->n_reads; i++) {
        pending_read *rd = &r->reads[i];
        if (rd->seq != 0 && rd->seq <= confirmed) {
            answer(r, rd, rd->index, SS_OK);
            answered++;
            index = rd->index > index ? rd->index : index;
        } else {
            r->reads[kept++] = *rd;
        }
    }
    r->n_reads = kept;
    if (answered > 0)
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu still leads: a majority answered ReadIndex round %llu, so %zu "
             "read%s may run at read index %llu once applied (§6.4)",
             (unsigned long long)r->id, (unsigned long long)confirmed, answered,
             answered == 1 ? "" : "s", (unsigned long long)index);
}

/* Starts one heartbeat round shared by every read waiting for one. The read
 * index is our commit index, usable once we committed an entry of our term:
 * before that it may lag entries committed by earlier leaders. */
void readindex_flush(raft *r)
{
    if (r->role != RAFT_LEADER || rlog_term_at(&r->log, r->commit) != r->term)
        return;
    bool waiting = false;
    for (size_t i = 0; i < r->n_reads && !waiting; i++)
        waiting = r->reads[i].seq == 0;
    if (!waiting)
        return;
    r->read_seq++;
    size_t n = 0;
    for (size_t i = 0; i < r->n_reads; i++) {
        if (r->reads[i].seq == 0) {
            r->reads[i].seq = r->read_seq;
            r->reads[i].index = r->commit;
            n++;
        }
    }
    RLOG(r, SS_LOG_VERBOSE,
         "raft: node %llu starts ReadIndex round %llu for %zu read%s at commit index %llu: a "
         "heartbeat answered by a majority will show it still leads (§6.4)",
         (unsigned long long)r->id, (unsigned long long)r->read_seq, n, n == 1 ? "" : "s",
         (unsigned long long)r->commit);
    replication_heartbeat(r);
    complete(r);
}

void readindex_ack(raft *r, uint64_t from, uint64_t seq)
{
    raft_progress *pr = progress_get(r, from);
    if (pr == NULL || seq <= pr->read_ack || seq > r->read_seq)
        return;
    pr->read_ack = seq;
    complete(r);
}

void readindex_fail_all(raft *r, int status)
{
    for (size_t i = 0; i < r->n_reads; i++)
        answer(r, &r->reads[i], 0, status);
    r->n_reads = 0;
}

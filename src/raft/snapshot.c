/* InstallSnapshot (thesis §5, paper §7): the leader streams the snapshot its log
 * starts after to a follower that needs compacted entries, one chunk at a time;
 * the follower hands the chunks to the caller and installs once it is durable.
 * The core holds at most one chunk per transfer: the caller does all the I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft/internal.h"

static const char *human_bytes(uint64_t n, char *buf, size_t cap)
{
    if (n >= 1000 * 1000)
        snprintf(buf, cap, "%.1f MB", (double)n / 1e6);
    else if (n >= 1000)
        snprintf(buf, cap, "%.1f KB", (double)n / 1e3);
    else
        snprintf(buf, cap, "%llu bytes", (unsigned long long)n);
    return buf;
}

/* ---- leader ---- */

void snapshot_start(raft *r, raft_progress *pr)
{
    RLOG(r, SS_LOG_NOTICE,
         "raft: leader %llu sends snapshot at %llu/%llu to node %llu: its next entry %llu was "
         "compacted away (§7)",
         (unsigned long long)r->id, (unsigned long long)r->log.snap_index,
         (unsigned long long)r->log.snap_term, (unsigned long long)pr->id,
         (unsigned long long)pr->next);
    progress_snapshot_clear(pr);
    pr->state = PR_SNAPSHOT;
    pr->probe_sent = false;
    pr->infl_start = pr->infl_count = 0;
    pr->snap_index = r->log.snap_index;
    pr->snap_term = r->log.snap_term;
    pr->snap_want = true;
}

/* The log's base moved: a transfer the follower has acknowledged nothing of
 * (it is down, or just starting) switches to the new snapshot, so it does not
 * receive an old one and then need a second transfer for what was compacted
 * since. A transfer under way keeps going: its follower would lose what it
 * already has. */
void snapshot_rebase(raft *r)
{
    for_each_progress(r, pr) {
        if (pr->id == r->id || pr->state != PR_SNAPSHOT || pr->snap_index >= r->log.snap_index ||
            pr->snap_offset != 0 || pr->snap_bytes != 0 || pr->chunk_acked)
            continue;
        snapshot_start(r, pr);
    }
}

static void push_chunk(raft *r, raft_progress *pr)
{
    out_msg *o = outbox_push(r, RAFT_MSG_SNAPSHOT, pr->id);
    if (o == NULL)
        return; /* resent at the next heartbeat */
    o->is_chunk = true;
    o->m.snap_index = pr->snap_index;
    o->m.snap_term = pr->snap_term;
    o->m.offset = pr->snap_offset;
    o->m.len = pr->chunk_len;
    o->m.done = pr->chunk_done;
}

/* The bytes an outgoing chunk message carries, if its transfer still holds them. */
const void *snapshot_chunk_of(raft *r, const raft_msg *m)
{
    raft_progress *pr = r->role == RAFT_LEADER ? progress_get(r, m->to) : NULL;
    if (pr == NULL || pr->state != PR_SNAPSHOT || pr->chunk == NULL ||
        pr->snap_index != m->snap_index || pr->snap_term != m->snap_term ||
        pr->snap_offset != m->offset || pr->chunk_len != m->len)
        return NULL;
    return pr->chunk;
}

/* A lost chunk or acknowledgement is repaired by sending the chunk again. Once
 * the last one arrived, an empty chunk at the end asks whether the follower
 * still has the transfer while it installs (a restart makes it answer 0). */
void snapshot_heartbeat(raft *r, raft_progress *pr)
{
    if (pr->chunk == NULL)
        return;
    if (!pr->chunk_acked) {
        push_chunk(r, pr);
        return;
    }
    out_msg *o = outbox_push(r, RAFT_MSG_SNAPSHOT, pr->id);
    if (o == NULL)
        return;
    o->m.snap_index = pr->snap_index;
    o->m.snap_term = pr->snap_term;
    o->m.offset = pr->snap_offset + pr->chunk_len;
}

/* The follower holds the snapshot (or more): back to appending after pr->match. */
void snapshot_acked(raft *r, raft_progress *pr)
{
    char size[32];
    RLOG(r, SS_LOG_NOTICE,
         "raft: leader %llu: node %llu holds snapshot %llu/%llu (%s sent); replicating from %llu",
         (unsigned long long)r->id, (unsigned long long)pr->id,
         (unsigned long long)pr->snap_index, (unsigned long long)pr->snap_term,
         human_bytes(pr->snap_bytes, size, sizeof size), (unsigned long long)pr->match + 1);
    pr->next = pr->match + 1;
    progress_become_probe(r, pr);
    replication_send_append(r, pr, true);
}

int raft_snapshot_chunk(raft *r, uint64_t peer, uint64_t index, uint64_t term, uint64_t offset,
                        const void *data, size_t len, bool done)
{
    RAFT_ASSERT(r, !r->in_ready);
    raft_progress *pr = r->role == RAFT_LEADER ? progress_get(r, peer) : NULL;
    if (pr == NULL || pr->id == r->id || pr->state != PR_SNAPSHOT || !pr->snap_asked ||
        pr->snap_index != index || pr->snap_term != term || pr->snap_offset != offset ||
        len > r->cfg.max_snapshot_chunk || (len == 0 && !done) || (len > 0 && data == NULL))
        return SS_EINVAL; /* stale (the transfer moved on) or malformed: ignored */
    uint8_t *copy = malloc(len > 0 ? len : 1);
    if (copy == NULL)
        return SS_ENOMEM;
    if (len > 0)
        memcpy(copy, data, len);
    pr->chunk = copy;
    pr->chunk_len = len;
    pr->chunk_done = done;
    pr->chunk_acked = false;
    pr->snap_asked = false;
    push_chunk(r, pr);
    return SS_OK;
}

void raft_snapshot_failed(raft *r, uint64_t peer)
{
    RAFT_ASSERT(r, !r->in_ready);
    raft_progress *pr = r->role == RAFT_LEADER ? progress_get(r, peer) : NULL;
    if (pr == NULL || pr->state != PR_SNAPSHOT)
        return;
    RLOG(r, SS_LOG_WARNING,
         "raft: leader %llu could not read snapshot %llu/%llu for node %llu: starting over at "
         "the next heartbeat",
         (unsigned long long)r->id, (unsigned long long)pr->snap_index,
         (unsigned long long)pr->snap_term, (unsigned long long)pr->id);
    progress_become_probe(r, pr); /* the heartbeat's probe starts a transfer again */
}

void recv_snapshot_resp(raft *r, const raft_msg *m)
{
    raft_progress *pr = progress_get(r, m->from);
    if (pr == NULL)
        return; /* not a member (any more) */
    pr->recent_active = true;
    if (pr->state != PR_SNAPSHOT || m->snap_index != pr->snap_index ||
        m->snap_term != pr->snap_term)
        return; /* about another transfer */
    if (m->reject) {
        /* It needs no snapshot: it holds everything up to m->index durably. */
        if (m->index > pr->match && m->index <= rlog_last_index(&r->log))
            pr->match = m->index;
        snapshot_acked(r, pr);
        if (replication_maybe_commit(r))
            replication_broadcast(r);
        return;
    }
    /* Only the answer to the chunk in flight counts (m->index echoes the offset
     * it answers): older answers, reordered or duplicated, say nothing of now. */
    uint64_t end = pr->snap_offset + pr->chunk_len;
    if (pr->chunk == NULL || m->index != (pr->chunk_acked ? end : pr->snap_offset))
        return;
    if (m->offset == end) {
        if (pr->chunk_acked)
            return; /* still installing */
        pr->snap_bytes += pr->chunk_len;
        if (pr->chunk_done) {
            pr->chunk_acked = true; /* kept until the install is acknowledged */
            return;
        }
    } else {
        /* It holds a different prefix than we thought (a restart lost it, or it
         * kept more than we did): carry on from where it is. */
        RLOG(r, SS_LOG_NOTICE,
             "raft: leader %llu continues snapshot %llu/%llu to node %llu from offset %llu "
             "(was at %llu)%s",
             (unsigned long long)r->id, (unsigned long long)pr->snap_index,
             (unsigned long long)pr->snap_term, (unsigned long long)pr->id,
             (unsigned long long)m->offset, (unsigned long long)pr->snap_offset,
             m->offset == 0 ? ": it lost the transfer (restart?)" : "");
        if (m->offset == 0)
            pr->snap_bytes = 0;
        pr->chunk_acked = false;
    }
    free(pr->chunk);
    pr->chunk = NULL;
    pr->chunk_len = 0;
    pr->snap_offset = m->offset;
    pr->snap_want = true;
    pr->snap_asked = false;
}

/* ---- follower ---- */

static void respond(raft *r, const raft_msg *m, uint64_t offset, bool reject)
{
    /* index: the offset answered (so the leader can tell stale answers), or on
     * a refusal the durable commit index. */
    out_msg *o = outbox_push(r, RAFT_MSG_SNAPSHOT_RESP, m->from);
    if (o == NULL)
        return;
    o->m.snap_index = m->snap_index;
    o->m.snap_term = m->snap_term;
    o->m.offset = offset;
    o->m.reject = reject;
    o->m.index = m->offset;
    if (reject) /* only what is durable here: the leader counts it as a match */
        o->m.index = r->commit < r->persisted ? r->commit : r->persisted;
}

/* The last chunk arrived: the log now starts after the snapshot, with nothing
 * durable agreeing with it until the caller reports the install. */
static void reset_to_snapshot(raft *r)
{
    uint64_t index = r->in_snap_index, term = r->in_snap_term;
    char size[32];
    RLOG(r, SS_LOG_NOTICE,
         "raft: node %llu received snapshot %llu/%llu from node %llu (%s in %u chunks): "
         "replacing its log %llu..%llu (commit %llu)",
         (unsigned long long)r->id, (unsigned long long)index, (unsigned long long)term,
         (unsigned long long)r->in_snap_from,
         human_bytes(r->in_snap_offset, size, sizeof size), r->in_snap_chunks,
         (unsigned long long)rlog_first_index(&r->log),
         (unsigned long long)rlog_last_index(&r->log), (unsigned long long)r->commit);
    rlog_release(&r->log);
    r->log.snap_index = index;
    r->log.snap_term = term;
    r->commit = index;
    r->persisted = 0;
    r->unstable_from = index + 1;
    r->truncate_from = 0;
    r->snap_pending = true;
    /* Acknowledgements waiting for durability speak of the old log: never past
     * the snapshot, which is the durable truth once installed. */
    for (size_t i = 0; i < r->n_out; i++)
        if (r->out[i].is_ack && r->out[i].m.index > index)
            r->out[i].m.index = index;
}

static bool accept_chunk(raft *r, const raft_msg *m)
{
    if (r->in_chunk_ready)
        return false; /* the previous one is not handed out yet: the leader resends */
    void *copy = malloc(m->len > 0 ? m->len : 1);
    if (copy == NULL)
        return false;
    if (m->len > 0)
        memcpy(copy, m->data, m->len);
    r->in_chunk = (raft_chunk){ .from = m->from, .index = m->snap_index, .term = m->snap_term,
                                .offset = m->offset, .data = copy, .len = m->len,
                                .done = m->done };
    r->in_chunk_ready = true;
    r->in_snap_offset += m->len;
    r->in_snap_chunks++;
    if (m->done)
        reset_to_snapshot(r);
    return true;
}

void recv_snapshot(raft *r, const raft_msg *m)
{
    if (!recv_follow(r, m))
        return;
    bool same = m->snap_index == r->in_snap_index && m->snap_term == r->in_snap_term;
    if (r->snap_pending) {
        /* Installing: only re-acknowledge the last chunk; the install ack follows. */
        if (same)
            respond(r, m, r->in_snap_offset, false);
        else
            respond(r, m, 0, true);
        return;
    }
    /* §7: a log that holds the snapshot's last entry keeps what follows it (it
     * may have acknowledged those entries: dropping them could lose committed
     * ones); the snapshot only tells it that much is committed. */
    bool holds = m->snap_index <= rlog_last_index(&r->log) &&
                 rlog_term_at(&r->log, m->snap_index) == m->snap_term;
    if (m->snap_index <= r->commit || holds) {
        if (holds)
            raft_set_commit(r, m->snap_index);
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu refused snapshot %llu/%llu from node %llu: %s, so it keeps its log "
             "(§7), committed up to %llu",
             (unsigned long long)r->id, (unsigned long long)m->snap_index,
             (unsigned long long)m->snap_term, (unsigned long long)m->from,
             holds ? "it holds the snapshot's last entry" : "it has committed that far",
             (unsigned long long)r->commit);
        respond(r, m, 0, true);
        return;
    }
    if (!same) {
        if (m->offset != 0) {
            respond(r, m, 0, false); /* we hold none of it: start over */
            return;
        }
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu receives snapshot %llu/%llu from node %llu: the leader no longer "
             "holds the entries it lacks (§7)",
             (unsigned long long)r->id, (unsigned long long)m->snap_index,
             (unsigned long long)m->snap_term, (unsigned long long)m->from);
        r->in_snap_index = m->snap_index;
        r->in_snap_term = m->snap_term;
        r->in_snap_offset = 0;
        r->in_snap_chunks = 0;
    }
    r->in_snap_from = m->from;
    bool empty = m->len == 0 && !m->done; /* the leader asking whether we still follow */
    if (m->offset == r->in_snap_offset && !empty && !accept_chunk(r, m))
        return;
    respond(r, m, r->in_snap_offset, false); /* next wanted; repeats for duplicates */
}

void raft_snapshot_installed(raft *r, uint64_t index, uint64_t term, const raft_conf *conf)
{
    RAFT_ASSERT(r, !r->in_ready);
    if (!r->snap_pending || index != r->in_snap_index || term != r->in_snap_term)
        return;
    char size[32];
    RLOG(r, SS_LOG_NOTICE, "raft: node %llu installed snapshot %llu/%llu (%s in %u chunks)",
         (unsigned long long)r->id, (unsigned long long)index, (unsigned long long)term,
         human_bytes(r->in_snap_offset, size, sizeof size), r->in_snap_chunks);
    r->snap_pending = false;
    r->persisted = index;
    r->applied_out = index;
    membership_installed(r, index, conf);
    uint64_t to = r->leader != 0 ? r->leader : r->in_snap_from;
    if (r->role == RAFT_FOLLOWER && to != 0)
        outbox_ack(r, to, index, 0);
    r->in_snap_index = r->in_snap_term = r->in_snap_offset = 0;
    r->in_snap_chunks = 0;
    raft_invariants(r);
}

void raft_snapshot_base(const raft *r, uint64_t *index, uint64_t *term)
{
    *index = r->log.snap_index;
    *term = r->log.snap_term;
}

/* ---- the ready ---- */

void snapshot_ready(raft *r, raft_ready *rd)
{
    r->n_snap_reqs = 0;
    for (size_t i = 0; r->role == RAFT_LEADER && i < r->n_prs; i++) {
        raft_progress *pr = &r->prs[i];
        if (pr->state == PR_SNAPSHOT && pr->snap_want)
            r->snap_reqs[r->n_snap_reqs++] = (raft_snapshot_request){
                pr->id, pr->snap_index, pr->snap_term, pr->snap_offset, r->cfg.max_snapshot_chunk
            };
    }
    rd->snapshot_reads = r->snap_reqs;
    rd->n_snapshot_reads = r->n_snap_reqs;
    rd->snapshot_chunk = r->in_chunk_ready ? &r->in_chunk : NULL;
}

void snapshot_advance(raft *r, raft_ready *rd)
{
    for (size_t i = 0; i < rd->n_snapshot_reads; i++) {
        raft_progress *pr = progress_get(r, rd->snapshot_reads[i].peer);
        if (pr != NULL) {
            pr->snap_want = false;
            pr->snap_asked = true;
        }
    }
    r->n_snap_reqs = 0;
    if (rd->snapshot_chunk != NULL) {
        free((void *)r->in_chunk.data);
        memset(&r->in_chunk, 0, sizeof r->in_chunk);
        r->in_chunk_ready = false;
    }
}

void snapshot_release(raft *r)
{
    if (r->prs != NULL)
        for (size_t i = 0; i < RAFT_MAX_MEMBERS; i++)
            progress_snapshot_clear(&r->prs[i]);
    free((void *)r->in_chunk.data);
    free(r->snap_reqs);
}

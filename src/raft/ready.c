/* The ready: outputs handed to the I/O layer, and the outbox that holds each
 * message back until what it depends on is durable. */
#include <stdlib.h>
#include <string.h>

#include "raft/internal.h"

out_msg *outbox_push(raft *r, uint8_t type, uint64_t to)
{
    if (r->n_out == r->cap_out) {
        size_t cap = r->cap_out < 16 ? 16 : r->cap_out * 2;
        out_msg *p = realloc(r->out, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        r->out = p;
        r->cap_out = cap;
    }
    out_msg *o = &r->out[r->n_out++];
    memset(o, 0, sizeof *o);
    o->m.type = type;
    o->m.from = r->id;
    o->m.to = to;
    o->m.term = r->term;
    o->need_term = r->term; /* never reveal a term that could be forgotten */
    return o;
}

/* An acknowledgement of entries up to index, sent as they become durable here.
 * One per leader waits at a time, growing as more arrives, so a slow disk cannot
 * grow the queue, and a disk that is always a little behind still lets the
 * durable part through. */
void outbox_ack(raft *r, uint64_t to, uint64_t index, uint64_t read_seq)
{
    out_msg *o = NULL;
    for (size_t i = r->n_out; i-- > 0;) {
        out_msg *p = &r->out[i];
        if (p->is_ack && p->m.to == to && p->m.term == r->term) {
            o = p;
            break;
        }
    }
    if (o == NULL) {
        if ((o = outbox_push(r, RAFT_MSG_APPEND_RESP, to)) == NULL)
            return;
        /* What this leader heard from us already in this term: telling it
         * again (a partial ack of the entries before the ones just received,
         * which the previous ack covered) would only cost it a round. */
        if (r->ack_to == to && r->ack_term == r->term) {
            o->acked = r->ack_index;
            o->acked_seq = r->ack_seq;
        }
    }
    o->is_ack = true;
    if (index > o->m.index)
        o->m.index = index;
    if (read_seq > o->m.read_seq)
        o->m.read_seq = read_seq;
}

enum { WAIT, SEND, DROP };

/* Whether an ack may go now, and with which index. Within one term, every entry
 * we verified against the leader stays ours (its later messages only append
 * after it), so the durable prefix of what we verified is a truthful answer. It
 * goes when it is whole, when more became durable, or when it confirms a newer
 * ReadIndex round; not otherwise, lest the leader resend what the disk is still
 * writing. */
static bool ack_ready(const raft *r, const out_msg *o, uint64_t *index)
{
    if (r->durable_term < o->need_term)
        return false;
    *index = o->m.index < r->persisted ? o->m.index : r->persisted;
    return (*index == o->m.index && !o->sent) || *index > o->acked ||
           o->m.read_seq > o->acked_seq;
}

static int gate(const raft *r, const out_msg *o)
{
    if (o->is_ack)
        return o->m.term != r->term ? DROP : WAIT; /* sent by release_messages */
    if (o->need_vote != 0) {
        if (r->durable_term > o->need_term ||
            (r->durable_term == o->need_term && r->durable_vote != 0 &&
             r->durable_vote != o->need_vote))
            return DROP; /* superseded before it became durable */
        if (r->durable_term < o->need_term || r->durable_vote != o->need_vote)
            return WAIT;
    } else if (r->durable_term < o->need_term) {
        return WAIT;
    }
    if (o->is_chunk && snapshot_chunk_of((raft *)r, &o->m) == NULL)
        return DROP; /* its transfer moved on */
    if (o->m.n_entries > 0) {
        const raft_entry *last = rlog_get(&r->log, o->ent_first + o->m.n_entries - 1);
        if (rlog_get(&r->log, o->ent_first) == NULL || last == NULL ||
            last->term != o->ent_last_term)
            return DROP; /* entries gone from memory (overwritten) since it was built */
    }
    return SEND;
}

void outbox_trace(raft *r, const raft_msg *m, const char *dir)
{
    RLOG(r, SS_LOG_TRACE,
         "raft: node %llu %s %s %llu->%llu term %llu prev %llu/%llu n %zu commit %llu "
         "index %llu hint %llu/%llu last %llu/%llu%s%s%s%s ctx %llu seq %llu snap %llu/%llu "
         "offset %llu len %zu%s",
         (unsigned long long)r->id, dir, raft_msg_type_name(m->type),
         (unsigned long long)m->from, (unsigned long long)m->to, (unsigned long long)m->term,
         (unsigned long long)m->prev_index, (unsigned long long)m->prev_term, m->n_entries,
         (unsigned long long)m->commit, (unsigned long long)m->index,
         (unsigned long long)m->hint_index, (unsigned long long)m->hint_term,
         (unsigned long long)m->last_index, (unsigned long long)m->last_term,
         m->reject ? " reject" : "", m->pre_vote ? " pre" : "", m->transfer ? " transfer" : "",
         m->notice ? " notice" : "",
         (unsigned long long)m->ctx, (unsigned long long)m->read_seq,
         (unsigned long long)m->snap_index, (unsigned long long)m->snap_term,
         (unsigned long long)m->offset, m->len, m->done ? " done" : "");
}

static void release_messages(raft *r, raft_ready *rd)
{
    size_t kept = 0, n = 0;
    if (r->cap_rd_msgs < r->n_out) {
        raft_msg *p = realloc(r->rd_msgs, r->n_out * sizeof *p);
        if (p == NULL)
            return; /* try again at the next ready */
        r->rd_msgs = p;
        r->cap_rd_msgs = r->n_out;
    }
    for (size_t i = 0; i < r->n_out; i++) {
        out_msg *o = &r->out[i];
        int verdict = gate(r, o);
        uint64_t index;
        if (verdict == WAIT && o->is_ack && ack_ready(r, o, &index)) {
            r->rd_msgs[n] = o->m;
            r->rd_msgs[n].index = index;
            outbox_trace(r, &r->rd_msgs[n], "send");
            n++;
            o->acked = index;
            o->acked_seq = o->m.read_seq;
            o->sent = true;
            r->ack_to = o->m.to;
            r->ack_term = o->m.term;
            r->ack_index = index;
            r->ack_seq = o->m.read_seq;
            if (index == o->m.index)
                continue; /* all of it went */
        }
        switch (verdict) {
        case WAIT:
            r->out[kept++] = *o;
            break;
        case SEND:
            r->rd_msgs[n] = o->m;
            if (o->m.n_entries > 0)
                r->rd_msgs[n].entries = rlog_get(&r->log, o->ent_first);
            if (o->is_chunk)
                r->rd_msgs[n].data = snapshot_chunk_of(r, &o->m);
            outbox_trace(r, &r->rd_msgs[n], "send");
            n++;
            break;
        case DROP:
            break;
        }
    }
    r->n_out = kept;
    rd->messages = r->rd_msgs;
    rd->n_messages = n;
}

/* Work batched over a round of inputs: entries proposed since the last ready go
 * out in shared messages, and waiting reads share one heartbeat round. */
void raft_flush(raft *r)
{
    membership_flush(r); /* may promote a learner, or step down */
    if (r->role != RAFT_LEADER)
        return;
    if (r->bcast_pending) {
        r->bcast_pending = false;
        replication_broadcast(r);
    }
    readindex_flush(r);
}

bool raft_ready_get(raft *r, raft_ready *rd)
{
    RAFT_ASSERT(r, !r->in_ready);
    raft_invariants(r);
    raft_flush(r);
    memset(rd, 0, sizeof *rd);

    uint64_t durable_commit = r->commit < r->persisted ? r->commit : r->persisted;
    if (r->snap_pending)
        durable_commit = r->last_hs.commit; /* nothing of the new log is durable yet */
    rd->hs = (raft_hard_state){ r->term, r->vote, durable_commit };
    rd->hs_changed = rd->hs.term != r->last_hs.term || rd->hs.vote != r->last_hs.vote ||
                     rd->hs.commit != r->last_hs.commit;

    uint64_t last = rlog_last_index(&r->log);
    rd->truncate_from = r->truncate_from;
    if (r->unstable_from <= last) {
        rd->entries = rlog_get(&r->log, r->unstable_from);
        rd->n_entries = last - r->unstable_from + 1;
    }

    release_messages(r, rd);

    /* Applied only once durable here too, so the state machine never runs ahead
     * of the log it would be rebuilt from. */
    if (!r->snap_pending && r->applied_out < durable_commit) {
        rd->committed = rlog_get(&r->log, r->applied_out + 1);
        rd->n_committed = durable_commit - r->applied_out;
    }

    rd->reads = r->done_reads;
    rd->n_reads = r->n_done_reads;
    rd->role_changed = r->role_changed;
    rd->role = r->role;
    rd->leader_id = r->leader;
    rd->term = r->term;
    rd->lost = r->lost;
    rd->n_lost = r->n_lost;
    snapshot_ready(r, rd);

    bool any = rd->hs_changed || rd->truncate_from != 0 || rd->n_entries > 0 ||
               rd->n_messages > 0 || rd->n_committed > 0 || rd->n_reads > 0 ||
               rd->role_changed || rd->n_lost > 0 || rd->n_snapshot_reads > 0 ||
               rd->snapshot_chunk != NULL;
    r->in_ready = any;
    return any;
}

void raft_ready_advance(raft *r, raft_ready *rd)
{
    RAFT_ASSERT(r, r->in_ready);
    if (rd->hs_changed)
        r->last_hs = rd->hs;
    if (rd->n_entries > 0)
        r->unstable_from = rd->entries[rd->n_entries - 1].index + 1;
    r->truncate_from = 0;
    r->applied_out += rd->n_committed;
    r->n_done_reads = 0;
    r->role_changed = false;
    r->n_lost = 0;
    snapshot_advance(r, rd);
    r->in_ready = false;
    raft_invariants(r);
}

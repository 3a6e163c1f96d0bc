/* A message's way in: is it well formed, what does its term say (§5.1), then
 * the step routine of the role we are in. A role is the routines it runs:
 * convert.c installs r->step and r->tick on every role change (etcd's
 * r.step / r.tick), so what a follower does with any message is all in
 * step_follower, and nothing below asks which role it is in. */
#include "raft/internal.h"

static bool msg_well_formed(const raft *r, const raft_msg *m)
{
    if (m->type < RAFT_MSG_APPEND || m->type >= RAFT_MSG_TYPE_END || m->to != r->id ||
        m->from == 0 || m->from == r->id || progress_get((raft *)r, m->from) == NULL)
        return false;
    if (m->type == RAFT_MSG_SNAPSHOT &&
        (m->snap_index == 0 || m->snap_term == 0 || m->snap_term > m->term ||
         (m->len > 0 && m->data == NULL) || m->offset > UINT64_MAX - m->len))
        return false;
    if (m->type == RAFT_MSG_APPEND) {
        if (m->n_entries > 0 && m->entries == NULL)
            return false;
        for (size_t i = 0; i < m->n_entries; i++)
            if (m->entries[i].index != m->prev_index + 1 + i || m->entries[i].term > m->term ||
                m->entries[i].term < (i == 0 ? m->prev_term : m->entries[i - 1].term))
                return false;
    }
    return true;
}

/* §5.1: every message carries a term; a higher one makes us a follower of it,
 * except where pre-vote and leader stickiness say it must not (thesis §9.6). */
static bool handle_term(raft *r, const raft_msg *m)
{
    if (m->term > r->term) {
        bool vote_req = m->type == RAFT_MSG_VOTE;
        if (vote_req && !m->transfer && election_in_lease(r)) {
            RLOG(r, SS_LOG_VERBOSE,
                 "raft: node %llu ignored %svote request from node %llu for term %llu: "
                 "leader %llu was heard from %u ms ago",
                 (unsigned long long)r->id, m->pre_vote ? "pre-" : "",
                 (unsigned long long)m->from, (unsigned long long)m->term,
                 (unsigned long long)r->leader, r->election_elapsed);
            return false;
        }
        if (vote_req && m->pre_vote)
            return true; /* a pre-vote changes nobody's term */
        if (m->type == RAFT_MSG_VOTE_RESP && m->pre_vote && !m->reject)
            return true; /* a grant for the term our pre-vote proposed */
        uint64_t leader = (m->type == RAFT_MSG_APPEND || m->type == RAFT_MSG_SNAPSHOT ||
                           m->type == RAFT_MSG_TIMEOUT_NOW)
                              ? m->from : 0;
        ss_errmsg why;
        ss_errf(why, 0, "node %llu sent %s with higher term %llu", (unsigned long long)m->from,
                raft_msg_type_name(m->type), (unsigned long long)m->term);
        convert_to_follower(r, m->term, leader, why);
        return true;
    }
    if (m->term < r->term) {
        /* Tell a stale leader or pre-candidate about our term so it steps down;
         * other stale messages are dropped (§5.1). */
        if (m->type == RAFT_MSG_APPEND || m->type == RAFT_MSG_SNAPSHOT) {
            out_msg *o = outbox_push(r, RAFT_MSG_APPEND_RESP, m->from);
            if (o != NULL)
                o->m.reject = true;
        } else if (m->type == RAFT_MSG_VOTE && m->pre_vote) {
            out_msg *o = outbox_push(r, RAFT_MSG_VOTE_RESP, m->from);
            if (o != NULL) {
                o->m.reject = true;
                o->m.pre_vote = true;
            }
        }
        RLOG(r, SS_LOG_DEBUG, "raft: node %llu ignored %s from node %llu: stale term %llu < %llu",
             (unsigned long long)r->id, raft_msg_type_name(m->type),
             (unsigned long long)m->from, (unsigned long long)m->term,
             (unsigned long long)r->term);
        return false;
    }
    return true;
}

int raft_step(raft *r, const raft_msg *m)
{
    RAFT_ASSERT(r, !r->in_ready);
    raft_invariants(r);
    if (!msg_well_formed(r, m)) {
        RLOG(r, SS_LOG_WARNING, "raft: node %llu dropped malformed %s from node %llu",
             (unsigned long long)r->id, raft_msg_type_name(m->type), (unsigned long long)m->from);
        return SS_EINVAL;
    }
    outbox_trace(r, m, "recv");
    if (handle_term(r, m))
        r->step(r, m); /* the message is of our term now: the role decides */
    raft_invariants(r);
    return SS_OK;
}

/* The follower (§5.2, §5.3, §7): takes entries and snapshots from the leader of
 * its term, votes, campaigns at once when the leader hands over (thesis §3.10),
 * and points readers at the leader (thesis §6.4). Answers meant for a role it
 * left (AppendEntries, vote and snapshot results) say nothing to it now. */
void step_follower(raft *r, const raft_msg *m)
{
    switch (m->type) {
    case RAFT_MSG_APPEND: recv_append(r, m); break;
    case RAFT_MSG_SNAPSHOT: recv_snapshot(r, m); break;
    case RAFT_MSG_VOTE: recv_vote(r, m); break;
    case RAFT_MSG_TIMEOUT_NOW: recv_timeout_now(r, m); break;
    case RAFT_MSG_READ_INDEX: readindex_refuse(r, m); break;
    case RAFT_MSG_READ_INDEX_RESP: readindex_recv_response(r, m); break;
    default: break;
    }
}

/* A leader of our term won the election we (pre-)campaign in (§5.2): we become
 * its follower, and the message is the follower's to handle. */
static void lost_to_leader(raft *r, const raft_msg *m)
{
    ss_errmsg why;
    ss_errf(why, 0, "node %llu is leader for this term", (unsigned long long)m->from);
    convert_to_follower(r, m->term, m->from, why);
    r->step(r, m);
}

/* The pre-candidate (thesis §9.6): counts answers to "would you vote for me in
 * the next term?", without having changed its term. */
void step_precandidate(raft *r, const raft_msg *m)
{
    switch (m->type) {
    case RAFT_MSG_APPEND:
    case RAFT_MSG_SNAPSHOT: lost_to_leader(r, m); break;
    case RAFT_MSG_VOTE: recv_vote(r, m); break;
    case RAFT_MSG_VOTE_RESP: recv_prevote_resp(r, m); break;
    case RAFT_MSG_READ_INDEX: readindex_refuse(r, m); break;
    case RAFT_MSG_READ_INDEX_RESP: readindex_recv_response(r, m); break;
    default: break;
    }
}

/* The candidate (§5.2): counts votes for its term. */
void step_candidate(raft *r, const raft_msg *m)
{
    switch (m->type) {
    case RAFT_MSG_APPEND:
    case RAFT_MSG_SNAPSHOT: lost_to_leader(r, m); break;
    case RAFT_MSG_VOTE: recv_vote(r, m); break;
    case RAFT_MSG_VOTE_RESP: recv_vote_resp(r, m); break;
    case RAFT_MSG_READ_INDEX: readindex_refuse(r, m); break;
    case RAFT_MSG_READ_INDEX_RESP: readindex_recv_response(r, m); break;
    default: break;
    }
}

/* The leader (§5.3, §7, thesis §6.4): learns from its followers' answers how
 * far their logs match, serves ReadIndex requests, and still answers votes
 * (a pre-vote for a later term may be granted when check-quorum is off). */
void step_leader(raft *r, const raft_msg *m)
{
    switch (m->type) {
    case RAFT_MSG_APPEND_RESP: recv_append_resp(r, m); break;
    case RAFT_MSG_SNAPSHOT_RESP: recv_snapshot_resp(r, m); break;
    case RAFT_MSG_VOTE: recv_vote(r, m); break;
    case RAFT_MSG_READ_INDEX: readindex_recv_request(r, m); break;
    case RAFT_MSG_READ_INDEX_RESP: readindex_recv_response(r, m); break;
    case RAFT_MSG_APPEND:
    case RAFT_MSG_SNAPSHOT:
        RAFT_ASSERT(r, !"a second leader in our term (§5.2)");
        break;
    default: break;
    }
}

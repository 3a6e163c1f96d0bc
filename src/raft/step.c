/* A message's way in: is it well formed, what does its term say (§5.1), then
 * the step routine of the role we are in. A role is the routines it runs:
 * convert.c installs r->step and r->tick on every role change (etcd's
 * r.step / r.tick), so what a follower does with any message is all in
 * step_follower, and nothing below asks which role it is in. */
#include <stdarg.h>
#include <stdio.h>

#include "raft/internal.h"

/* No honest cluster's term or index gets near 2^64 (it would take 2^63
 * elections or entries), and the core adds 1 to them: refusing anything from
 * 2^63 up keeps every such sum from wrapping. */
#define MAX_TERM_OR_INDEX (UINT64_C(1) << 63)

static bool config_entry_ok(const raft_entry *e)
{
    raft_conf c;
    return raft_conf_decode(e->data, e->len, &c) == SS_OK && raft_conf_voters(&c) > 0;
}

/* Why m cannot be a message of our cluster, or NULL. */
static const char *malformed(const raft *r, const raft_msg *m)
{
    if (m->type < RAFT_MSG_APPEND || m->type >= RAFT_MSG_TYPE_END)
        return "unknown type";
    if (m->to != r->id)
        return "addressed to another node";
    /* Thesis §4.1: servers process messages without consulting their
     * configuration (a new leader may be a node we do not know of yet). */
    if (m->from == 0 || m->from == r->id)
        return "from no node, or from this node";
    const uint64_t v[] = { m->term, m->prev_index, m->prev_term, m->commit, m->index,
                           m->hint_index, m->hint_term, m->last_index, m->last_term,
                           m->snap_index, m->snap_term };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (v[i] >= MAX_TERM_OR_INDEX)
            return "a term or index from 2^63 up";
    if (m->type == RAFT_MSG_SNAPSHOT &&
        (m->snap_index == 0 || m->snap_term == 0 || m->snap_term > m->term ||
         (m->len > 0 && m->data == NULL) || m->offset > UINT64_MAX - m->len))
        return "a snapshot chunk out of bounds";
    if (m->type == RAFT_MSG_APPEND) {
        if (m->n_entries > 0 && m->entries == NULL)
            return "entries missing";
        for (size_t i = 0; i < m->n_entries; i++) {
            const raft_entry *e = &m->entries[i];
            if (e->index != m->prev_index + 1 + i || e->term > m->term ||
                e->term < (i == 0 ? m->prev_term : m->entries[i - 1].term))
                return "entries out of order";
            if (e->type == RAFT_ENTRY_CONFIG && !config_entry_ok(e))
                return "a configuration entry that does not decode, or has no voter";
        }
    }
    return NULL;
}

/* Input from the network is never an assertion. A message no honest peer
 * sends (a bug in a peer, a corrupted frame that passed the checksum, an
 * impostor holding the cluster secret) is dropped and counted; a warning says
 * so at once, then at most once per RAFT_INVALID_LOG_MS of ticks with how many
 * more came, so a flood cannot flood the log. */
void raft_drop_invalid(raft *r, const raft_msg *m, const char *fmt, ...)
{
    r->invalid_msgs++;
    if (r->invalid_logged && r->clock_ms - r->invalid_logged_at < RAFT_INVALID_LOG_MS) {
        r->invalid_unlogged++;
        return;
    }
    if (r->cfg.log != NULL && SS_LOG_WARNING >= r->cfg.log_level) {
        char why[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        RLOG(r, SS_LOG_WARNING,
             "raft: node %llu dropped an invalid %s from node %llu (term %llu): %s (invalid "
             "messages: %llu in all, %llu since the last report)",
             (unsigned long long)r->id, raft_msg_type_name(m->type),
             (unsigned long long)m->from, (unsigned long long)m->term, why,
             (unsigned long long)r->invalid_msgs, (unsigned long long)r->invalid_unlogged + 1);
    }
    r->invalid_logged = true;
    r->invalid_logged_at = r->clock_ms;
    r->invalid_unlogged = 0;
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
        /* Tell a stale leader or candidate about our term so it steps down
         * (Figure 2: "reply false if term < currentTerm"): a candidate that
         * never hears of the term others moved to, because what moved them
         * was a node it does not listen to (one it removed), would campaign
         * in a stale term for ever. Other stale messages are dropped (§5.1). */
        if (m->type == RAFT_MSG_APPEND || m->type == RAFT_MSG_SNAPSHOT) {
            out_msg *o = outbox_push(r, RAFT_MSG_APPEND_RESP, m->from);
            if (o != NULL)
                o->m.reject = true;
        } else if (m->type == RAFT_MSG_VOTE) {
            out_msg *o = outbox_push(r, RAFT_MSG_VOTE_RESP, m->from);
            if (o != NULL) {
                o->m.reject = true;
                o->m.pre_vote = m->pre_vote;
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
    const char *why = malformed(r, m);
    if (why != NULL) {
        raft_drop_invalid(r, m, "malformed: %s", why);
        return SS_EINVAL;
    }
    uint64_t invalid = r->invalid_msgs;
    outbox_trace(r, m, "recv");
    /* Thesis §4.2.2: the one exception is the leader that removed itself,
     * handing over in its own term once its removal committed. */
    bool handover = m->type == RAFT_MSG_TIMEOUT_NOW && m->from == r->leader && m->term == r->term;
    if (membership_removed(r, m->from) && !handover) {
        /* Thesis §4.2.3: a node whose removal is committed here may not know
         * it; whatever it says (votes above all) is not heard. */
        RLOG(r, SS_LOG_DEBUG, "raft: node %llu ignored %s from node %llu: it was removed",
             (unsigned long long)r->id, raft_msg_type_name(m->type), (unsigned long long)m->from);
        return SS_OK;
    }
    if (handle_term(r, m))
        r->step(r, m); /* the message is of our term now: the role decides */
    raft_invariants(r);
    return r->invalid_msgs == invalid ? SS_OK : SS_EINVAL;
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
 * (a pre-vote for a later term may be granted when check-quorum is off).
 * Another node's AppendEntries or InstallSnapshot of our term claims the
 * leadership we hold: no honest peer sends it. */
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
        raft_drop_invalid(r, m, "we lead this term, and a term has at most one leader (§5.2)");
        break;
    default: break;
    }
}

/* RequestVote and pre-vote: granting votes and receiving answers (§5.2, §5.4.1). */
#include "raft/internal.h"

void recv_vote(raft *r, const raft_msg *m)
{
    bool pre = m->pre_vote;
    /* One vote per term (§5.2): repeat it to the same candidate, give it only when
     * no leader is known; a pre-vote promises nothing, so any later term may ask. */
    bool can_vote = r->vote == m->from || (r->vote == 0 && r->leader == 0) ||
                    (pre && m->term > r->term);
    bool up_to_date = log_up_to_date(r, m->last_index, m->last_term);
    out_msg *o = outbox_push(r, RAFT_MSG_VOTE_RESP, m->from);
    if (o == NULL)
        return;
    o->m.pre_vote = pre;
    if (can_vote && up_to_date) {
        if (pre) {
            o->m.term = m->term; /* so the pre-candidate counts it for the term it asked */
        } else {
            r->vote = m->from;
            o->need_vote = m->from; /* granted only once the vote is durable */
            election_reset_timer(r);
        }
        RLOG(r, SS_LOG_NOTICE, "raft: node %llu granted %svote to node %llu for term %llu",
             (unsigned long long)r->id, pre ? "pre-" : "", (unsigned long long)m->from,
             (unsigned long long)m->term);
        return;
    }
    o->m.reject = true;
    if (!up_to_date)
        RLOG(r, SS_LOG_NOTICE,
             "raft: node %llu refused %svote to node %llu for term %llu: its log ends at "
             "%llu (term %llu), ours at %llu (term %llu)",
             (unsigned long long)r->id, pre ? "pre-" : "", (unsigned long long)m->from,
             (unsigned long long)m->term, (unsigned long long)m->last_index,
             (unsigned long long)m->last_term, (unsigned long long)rlog_last_index(&r->log),
             (unsigned long long)rlog_last_term(&r->log));
    else
        RLOG(r, SS_LOG_NOTICE,
             "raft: node %llu refused %svote to node %llu for term %llu: we voted for "
             "node %llu in this term (leader %llu)",
             (unsigned long long)r->id, pre ? "pre-" : "", (unsigned long long)m->from,
             (unsigned long long)m->term, (unsigned long long)r->vote,
             (unsigned long long)r->leader);
}

static void count(raft *r, const raft_msg *m)
{
    RLOG(r, SS_LOG_DEBUG, "raft: node %llu got %svote %s from node %llu for term %llu",
         (unsigned long long)r->id, m->pre_vote ? "pre-" : "",
         m->reject ? "refusal" : "grant", (unsigned long long)m->from,
         (unsigned long long)m->term);
    election_record_vote(r, m->from, !m->reject, m->pre_vote);
}

/* Pre-candidate: a grant counts only for the term our pre-vote proposed (a
 * refusal carries the voter's own term, ours or it would have made us follow). */
void recv_prevote_resp(raft *r, const raft_msg *m)
{
    if (!m->pre_vote || (!m->reject && m->term != r->term + 1))
        return; /* an answer to a real vote, or to some other pre-vote round */
    count(r, m);
}

/* Candidate: answers for the term we campaign in. */
void recv_vote_resp(raft *r, const raft_msg *m)
{
    if (m->pre_vote || m->term != r->term)
        return; /* an answer to our pre-vote, or a grant for a later term's pre-vote */
    count(r, m);
}

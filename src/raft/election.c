/* Election timers, campaigning and counting votes (§5.2, thesis §9.6 pre-vote). */
#include "raft/internal.h"

void election_reset_timer(raft *r)
{
    unsigned t = r->cfg.election_timeout_ms;
    r->election_elapsed = 0;
    r->timeout = t + (unsigned)(raft_random(r) % t); /* [T, 2T): split votes stay rare */
}

/* Leader stickiness (thesis §4.2.3, §9.6): while we heard from a live leader within
 * the minimum election timeout, a disruptive candidate is ignored. */
bool election_in_lease(const raft *r)
{
    return r->cfg.check_quorum && r->leader != 0 &&
           r->election_elapsed < r->cfg.election_timeout_ms;
}

/* §5.4.1: a voter refuses a candidate whose log is less up to date than its own. */
bool log_up_to_date(const raft *r, uint64_t last_index, uint64_t last_term)
{
    uint64_t our_term = rlog_last_term(&r->log);
    return last_term > our_term ||
           (last_term == our_term && last_index >= rlog_last_index(&r->log));
}

static void tally(raft *r, bool pre)
{
    size_t granted = 0, refused = 0;
    for (size_t i = 0; i < r->n_voters; i++) {
        granted += r->votes[i] > 0;
        refused += r->votes[i] < 0;
    }
    if (granted >= raft_quorum(r)) {
        RLOG(r, SS_LOG_NOTICE, "raft: node %llu won the %s for term %llu with %zu of %zu votes",
             (unsigned long long)r->id, pre ? "pre-vote" : "election",
             (unsigned long long)r->term + pre, granted, r->n_voters);
        if (pre)
            convert_to_candidate(r, false);
        else
            convert_to_leader(r);
    } else if (refused >= raft_quorum(r)) {
        ss_errmsg why;
        ss_errf(why, 0, "lost the %s for term %llu: %zu of %zu voters refused",
                pre ? "pre-vote" : "election", (unsigned long long)r->term + pre, refused,
                r->n_voters);
        convert_to_follower(r, r->term, 0, why);
    }
}

void election_record_vote(raft *r, uint64_t from, bool granted, bool pre)
{
    for (size_t i = 0; i < r->n_voters; i++)
        if (r->voters[i] == from && r->votes[i] == 0)
            r->votes[i] = granted ? 1 : -1;
    tally(r, pre);
}

void election_start(raft *r, bool pre_vote, bool transfer)
{
    RAFT_ASSERT(r, r->role == (pre_vote ? RAFT_PRECANDIDATE : RAFT_CANDIDATE));
    uint64_t last_index = rlog_last_index(&r->log), last_term = rlog_last_term(&r->log);
    for (size_t i = 0; i < r->n_voters; i++) {
        if (r->voters[i] == r->id)
            continue;
        out_msg *o = outbox_push(r, RAFT_MSG_VOTE, r->voters[i]);
        if (o == NULL)
            continue;
        o->m.term = r->term + pre_vote; /* a pre-vote asks about the next term */
        o->m.last_index = last_index;
        o->m.last_term = last_term;
        o->m.pre_vote = pre_vote;
        o->m.transfer = transfer;
        if (!pre_vote)
            o->need_vote = r->id; /* our vote for ourselves must be durable first */
    }
    election_record_vote(r, r->id, true, pre_vote);
}

void election_tick(raft *r, unsigned ms)
{
    r->election_elapsed += ms;
    if (r->election_elapsed < r->timeout)
        return;
    if (r->snap_pending) {
        r->election_elapsed = 0; /* a log without its snapshot on disk cannot lead */
        return;
    }
    if (r->cfg.pre_vote)
        convert_to_precandidate(r);
    else
        convert_to_candidate(r, false);
}

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

/* Only the voters of our configuration count (thesis §4.1: a server uses the
 * latest configuration in its log); a learner's answer, if any, never does. */
static void tally(raft *r, bool pre)
{
    size_t granted = 0, refused = 0, voters = raft_conf_voters(&r->conf);
    for_each_progress(r, pr) {
        granted += pr->voter && pr->vote > 0;
        refused += pr->voter && pr->vote < 0;
    }
    if (granted >= raft_quorum(r)) {
        /* A candidate leads only once its own vote is durable: a restart
         * before that forgets the term, and it might vote for another in
         * it. Other grants come after it (our requests waited for it), but
         * a quorum of one, or of voters that do not count us, does not. */
        if (!pre && (r->durable_term != r->term || r->durable_vote != r->id))
            return; /* raft_persisted_hard_state counts again */
        RLOG(r, SS_LOG_NOTICE, "raft: node %llu won the %s for term %llu with %zu of %zu votes",
             (unsigned long long)r->id, pre ? "pre-vote" : "election",
             (unsigned long long)r->term + pre, granted, voters);
        if (pre)
            convert_to_candidate(r, false);
        else
            convert_to_leader(r);
    } else if (refused >= raft_quorum(r)) {
        ss_errmsg why;
        ss_errf(why, 0, "lost the %s for term %llu: %zu of %zu voters refused",
                pre ? "pre-vote" : "election", (unsigned long long)r->term + pre, refused,
                voters);
        convert_to_follower(r, r->term, 0, why);
    }
}

void election_recount(raft *r)
{
    if (r->role == RAFT_CANDIDATE)
        tally(r, false);
}

void election_record_vote(raft *r, uint64_t from, bool granted, bool pre)
{
    raft_progress *pr = progress_get(r, from);
    if (pr != NULL && pr->voter && pr->vote == 0)
        pr->vote = granted ? 1 : -1;
    tally(r, pre);
}

void election_start(raft *r, bool pre_vote, bool transfer)
{
    RAFT_ASSERT(r, r->role == (pre_vote ? RAFT_PRECANDIDATE : RAFT_CANDIDATE));
    uint64_t last_index = rlog_last_index(&r->log), last_term = rlog_last_term(&r->log);
    for_each_progress(r, pr) {
        if (pr->id == r->id || !pr->voter)
            continue;
        out_msg *o = outbox_push(r, RAFT_MSG_VOTE, pr->id);
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
    if (!membership_may_campaign(r)) {
        /* Nor can a learner or a node outside the configuration (thesis
         * §4.2.3: a removed node that knows it stays quiet). The time keeps
         * counting, short of wrapping, so its leader's lease still ends. */
        r->election_elapsed = r->timeout;
        return;
    }
    if (r->cfg.pre_vote)
        convert_to_precandidate(r);
    else
        convert_to_candidate(r, false);
}

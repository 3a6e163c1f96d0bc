/* Role changes: the one place that stops a role's duties and starts the next one's. */
#include <string.h>

#include "raft/internal.h"

/* Legal edges. Re-entering candidate or pre-candidate is a new election round. */
static bool legal(int from, int to)
{
    switch (to) {
    case RAFT_FOLLOWER: return true; /* anyone steps down on a higher term */
    case RAFT_PRECANDIDATE: return from != RAFT_LEADER;
    case RAFT_CANDIDATE: return from != RAFT_LEADER;
    case RAFT_LEADER: return from == RAFT_CANDIDATE;
    }
    return false;
}

/* Leaving leader: proposals not known committed become "outcome unknown" for
 * their clients, waiting reads fail, a transfer stops. */
static void stop_leader(raft *r)
{
    transfer_abort(r, "leadership lost");
    readindex_fail_all(r, SS_ELEADERLOST);
    uint64_t last = rlog_last_index(&r->log);
    uint64_t first = r->commit + 1;
    while (first <= last && rlog_term_at(&r->log, first) != r->term)
        first++;
    if (first <= last) {
        if (r->n_lost == RAFT_MAX_LOST) { /* merge into the newest rather than grow */
            r->n_lost--;
            first = r->lost[r->n_lost].first < first ? r->lost[r->n_lost].first : first;
        }
        r->lost[r->n_lost++] = (raft_lost){ r->term, first, last };
        RLOG(r, SS_LOG_NOTICE,
             "raft: node %llu stepped down with entries %llu..%llu of term %llu not known "
             "committed: their outcome is unknown",
             (unsigned long long)r->id, (unsigned long long)first, (unsigned long long)last,
             (unsigned long long)r->term);
    }
    r->bcast_pending = false;
    r->uncommitted_bytes = 0;
}

static void start_leader(raft *r)
{
    for_each_progress(r, pr)
        progress_reset(r, pr);
    r->heartbeat_elapsed = 0;
    r->election_elapsed = 0;
    r->transfer_target = 0;
    r->uncommitted_bytes = 0;
    r->read_seq = 0;
    r->held_back = 0;
}

/* A role is the routines it runs (etcd's becomeFollower sets r.step and
 * r.tick): what it does with each message (step.c), and with time: followers
 * and candidates wait for an election timeout, the leader sends heartbeats. */
static const struct {
    void (*step)(raft *r, const raft_msg *m);
    void (*tick)(raft *r, unsigned ms);
} routines[] = {
    [RAFT_FOLLOWER] = { step_follower, election_tick },
    [RAFT_PRECANDIDATE] = { step_precandidate, election_tick },
    [RAFT_CANDIDATE] = { step_candidate, election_tick },
    [RAFT_LEADER] = { step_leader, replication_tick },
};

static void set_role(raft *r, int to)
{
    RAFT_ASSERT(r, legal(r->role, to));
    if (r->role == RAFT_LEADER)
        stop_leader(r);
    if (r->role != to)
        r->role_changed = true;
    r->role = to;
    r->step = routines[to].step;
    r->tick = routines[to].tick;
    election_reset_timer(r);
    for_each_progress(r, pr)
        pr->vote = 0;
    if (to == RAFT_LEADER)
        start_leader(r);
}

/* Every node starts as a follower (§5.2). */
void convert_init(raft *r)
{
    set_role(r, RAFT_FOLLOWER);
}

void convert_to_follower(raft *r, uint64_t term, uint64_t leader, const char *why)
{
    int was = r->role;
    uint64_t old_term = r->term;
    unsigned elapsed = r->election_elapsed, timeout = r->timeout;
    set_role(r, RAFT_FOLLOWER); /* first: leaving leader reports entries of its term */
    if (was == RAFT_FOLLOWER && leader == 0) {
        /* Figure 2: only a leader's AppendEntries, a granted vote or our own
         * campaign restart the election timer, not a newer term. Otherwise a
         * voter whose stale log loses every election, timing out first each
         * round, keeps the up-to-date voter that would win from ever timing
         * out (a simulated seed did, once removals left two voters). */
        r->election_elapsed = elapsed;
        r->timeout = timeout;
    }
    if (term > r->term)
        raft_set_term(r, term);
    if (was != RAFT_FOLLOWER || term != old_term)
        RLOG(r, SS_LOG_NOTICE, "raft: node %llu became follower in term %llu (was %s in term %llu): %s",
             (unsigned long long)r->id, (unsigned long long)r->term, raft_role_name(was),
             (unsigned long long)old_term, why);
    if (r->leader != leader)
        r->role_changed = true;
    r->leader = leader;
}

void convert_to_precandidate(raft *r)
{
    RLOG(r, SS_LOG_NOTICE,
         "raft: node %llu became pre-candidate for term %llu: no leader heard from in %u ms",
         (unsigned long long)r->id, (unsigned long long)r->term + 1, r->election_elapsed);
    set_role(r, RAFT_PRECANDIDATE);
    if (r->leader != 0)
        r->role_changed = true;
    r->leader = 0;
    election_start(r, true, false);
}

void convert_to_candidate(raft *r, bool transfer)
{
    raft_set_term(r, r->term + 1);
    r->vote = r->id;
    RLOG(r, SS_LOG_NOTICE, "raft: node %llu became candidate for term %llu: %s",
         (unsigned long long)r->id, (unsigned long long)r->term,
         transfer ? "leadership transfer (TimeoutNow)"
                  : r->cfg.pre_vote ? "won the pre-vote" : "election timeout");
    set_role(r, RAFT_CANDIDATE);
    r->leader = 0;
    election_start(r, false, transfer);
}

void convert_to_leader(raft *r)
{
    RLOG(r, SS_LOG_NOTICE, "raft: node %llu became leader for term %llu (log ends at %llu, term %llu)",
         (unsigned long long)r->id, (unsigned long long)r->term,
         (unsigned long long)rlog_last_index(&r->log),
         (unsigned long long)rlog_last_term(&r->log));
    set_role(r, RAFT_LEADER);
    r->leader = r->id;
    /* §5.4.2 / §6.4: an entry of our own term lets earlier ones commit and tells
     * ReadIndex when our commit index is current. */
    if (rlog_append(&r->log, r->term, RAFT_ENTRY_NOOP, NULL, 0) != SS_OK)
        RLOG(r, SS_LOG_WARNING, "raft: node %llu could not append its no-op: out of memory",
             (unsigned long long)r->id);
    else
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu appended a no-op as entry %llu of its term %llu: once it commits, "
             "so do the entries before it (§5.4.2), and reads can be served (§6.4)",
             (unsigned long long)r->id, (unsigned long long)rlog_last_index(&r->log),
             (unsigned long long)r->term);
    raft_progress *self = progress_get(r, r->id);
    if (self != NULL) /* else our removal is pending: we lead to commit it, then leave */
        self->match = r->persisted;
    replication_broadcast(r);
    if (replication_maybe_commit(r)) /* a single voter commits alone */
        replication_broadcast(r);
}

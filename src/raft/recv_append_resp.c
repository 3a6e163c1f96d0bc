/* AppendEntries results on the leader: progress, conflict hints, commit. */
#include "raft/internal.h"

/* Where to probe next after a rejection: skip the follower's whole conflicting
 * term, or jump to its end when it is short. */
static uint64_t next_from_hint(raft *r, const raft_msg *m)
{
    uint64_t next;
    if (m->hint_term == 0) {
        next = m->hint_index;
    } else {
        uint64_t j = rlog_last_of_term(&r->log, m->hint_term, m->index);
        next = j != 0 ? j + 1 : m->hint_index;
    }
    if (next > m->index)
        next = m->index; /* always move back past the rejected prev */
    if (next < 1)
        next = 1;
    return next;
}

/* An append anchored at the follower's match index was rejected by a follower
 * whose log ends below it: it has lost entries it acknowledged (its data was
 * wiped, which Raft's model excludes). Its match index is wrong, and trusting
 * it would probe the same index forever; start over from where its log ends
 * (a snapshot if that was compacted away). Lowering a match index never
 * lowers the commit index. A delayed answer to an older probe can look the
 * same: the cost is one extra probe round. */
static bool lost_its_log(raft *r, raft_progress *pr, const raft_msg *m)
{
    if (pr->state == PR_SNAPSHOT || m->index != pr->match || m->index + 1 != pr->next ||
        m->hint_term != 0 || m->hint_index > pr->match)
        return false;
    RLOG(r, SS_LOG_WARNING,
         "raft: node %llu: node %llu says its log ends at %llu but it acknowledged %llu: it lost "
         "its log (wiped data directory?); replicating to it from %llu again",
         (unsigned long long)r->id, (unsigned long long)pr->id,
         (unsigned long long)m->hint_index - 1, (unsigned long long)pr->match,
         (unsigned long long)(m->hint_index > 0 ? m->hint_index : 1));
    pr->match = m->hint_index > 0 ? m->hint_index - 1 : 0;
    pr->next = pr->match + 1;
    progress_become_probe(r, pr);
    replication_send_append(r, pr, true);
    return true;
}

static void on_reject(raft *r, raft_progress *pr, const raft_msg *m)
{
    if (lost_its_log(r, pr, m))
        return;
    /* Stale answers: to an older probe, or below what is known to match; and
     * none matter while a snapshot is on its way. */
    if (pr->state == PR_SNAPSHOT || m->index <= pr->match || (pr->state == PR_PROBE && m->index != pr->next - 1))
        return;
    uint64_t next = next_from_hint(r, m);
    if (next <= pr->match)
        next = pr->match + 1;
    if (m->hint_term == 0)
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu backs node %llu's nextIndex off to %llu: it rejected entries after "
             "%llu because its log ends at %llu (§5.3)",
             (unsigned long long)r->id, (unsigned long long)pr->id, (unsigned long long)next,
             (unsigned long long)m->index, (unsigned long long)m->hint_index - 1);
    else
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu backs node %llu's nextIndex off to %llu: it rejected entries after "
             "%llu, holding term %llu there since entry %llu, and the hint skips that whole "
             "term (§5.3)",
             (unsigned long long)r->id, (unsigned long long)pr->id, (unsigned long long)next,
             (unsigned long long)m->index, (unsigned long long)m->hint_term,
             (unsigned long long)m->hint_index);
    pr->next = next;
    progress_become_probe(r, pr);
    replication_send_append(r, pr, true);
}

void recv_append_resp(raft *r, const raft_msg *m)
{
    /* Acknowledged or rejected entries after our last: we never sent them (our
     * log only grows while we lead). */
    if (m->index > rlog_last_index(&r->log)) {
        raft_drop_invalid(r, m, "it answers for entry %llu, but our log ends at %llu",
                          (unsigned long long)m->index,
                          (unsigned long long)rlog_last_index(&r->log));
        return;
    }
    raft_progress *pr = progress_get(r, m->from);
    if (pr == NULL)
        return; /* not a member (any more): nothing we wait for */
    pr->recent_active = true;
    readindex_ack(r, m->from, m->read_seq); /* any answer in our term confirms leadership */
    if (m->reject) {
        on_reject(r, pr, m);
        return;
    }
    if (m->index > pr->match) {
        pr->match = m->index;
        if (pr->next <= pr->match)
            pr->next = pr->match + 1;
        if (pr->state == PR_PROBE)
            progress_become_replicate(r, pr);
        else if (pr->state == PR_SNAPSHOT && pr->match >= pr->snap_index)
            snapshot_acked(r, pr); /* installed (or caught up some other way) */
        else
            progress_infl_free_upto(pr, pr->match);
        if (replication_maybe_commit(r))
            replication_broadcast(r);
        transfer_maybe_send_timeout_now(r, pr);
    } else if (pr->state == PR_REPLICATE && progress_paused(pr)) {
        /* No progress while the window is full: appends were lost. Free a slot so
         * the next append goes out and, if the gap is real, gets rejected. */
        progress_infl_free_first(pr);
    } else if (pr->state == PR_PROBE) {
        pr->probe_sent = false;
    }
    if (!replication_send_append(r, pr, false))
        replication_send_commit(r, pr);
}

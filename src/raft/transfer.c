/* Leadership transfer (thesis §3.10) and the TimeoutNow message. */
#include "raft/internal.h"

int raft_transfer_leadership(raft *r, uint64_t target)
{
    RAFT_ASSERT(r, !r->in_ready);
    if (r->role != RAFT_LEADER)
        return SS_ENOTLEADER;
    raft_progress *pr = progress_get(r, target);
    if (pr == NULL || !pr->voter || target == r->id)
        return SS_EINVAL; /* a learner cannot lead */
    if (r->transfer_target != 0)
        return SS_EBUSY;
    RLOG(r, SS_LOG_NOTICE,
         "raft: node %llu hands leadership to node %llu (it holds up to %llu of %llu); "
         "proposals paused",
         (unsigned long long)r->id, (unsigned long long)target, (unsigned long long)pr->match,
         (unsigned long long)rlog_last_index(&r->log));
    r->transfer_target = target;
    r->transfer_elapsed = 0;
    transfer_maybe_send_timeout_now(r, pr);
    if (r->transfer_target != 0 && pr->match != rlog_last_index(&r->log))
        replication_send_append(r, pr, false);
    return SS_OK;
}

/* Once the target holds our whole log, it may start an election at once. */
void transfer_maybe_send_timeout_now(raft *r, raft_progress *pr)
{
    if (r->transfer_target != pr->id || pr->match != rlog_last_index(&r->log))
        return;
    RLOG(r, SS_LOG_NOTICE, "raft: node %llu sent TimeoutNow to node %llu: its log is up to date",
         (unsigned long long)r->id, (unsigned long long)pr->id);
    outbox_push(r, RAFT_MSG_TIMEOUT_NOW, pr->id);
}

void transfer_abort(raft *r, const char *why)
{
    if (r->transfer_target == 0)
        return;
    RLOG(r, SS_LOG_NOTICE, "raft: node %llu stopped handing leadership to node %llu: %s",
         (unsigned long long)r->id, (unsigned long long)r->transfer_target, why);
    r->transfer_target = 0;
}

void recv_timeout_now(raft *r, const raft_msg *m)
{
    if (m->from != r->leader || r->snap_pending || !membership_may_campaign(r))
        return;
    RLOG(r, SS_LOG_NOTICE, "raft: node %llu got TimeoutNow from leader %llu: campaigning at once",
         (unsigned long long)r->id, (unsigned long long)m->from);
    convert_to_candidate(r, true); /* skips pre-vote: the leader asked for it */
}

/* Per-follower replication progress: probing for a match, then pipelining. */
#include <stdlib.h>
#include <string.h>

#include "raft/internal.h"

const char *progress_state_name(int state)
{
    switch (state) {
    case PR_PROBE: return "probe";
    case PR_REPLICATE: return "replicate";
    case PR_SNAPSHOT: return "snapshot";
    }
    return "?";
}

raft_progress *progress_get(raft *r, uint64_t id)
{
    for_each_progress(r, pr)
        if (pr->id == id)
            return pr;
    return NULL;
}

/* A new leader knows nothing of its followers: optimistic next, no match (§5.3). */
void progress_reset(raft *r, raft_progress *pr)
{
    pr->match = 0;
    pr->next = rlog_last_index(&r->log) + 1;
    pr->state = PR_PROBE;
    pr->probe_sent = false;
    pr->recent_active = pr->id == r->id;
    pr->read_ack = 0;
    pr->infl_start = pr->infl_count = 0;
    progress_snapshot_clear(pr);
}

/* Forgets the snapshot transfer, if any, and the chunk it holds. */
void progress_snapshot_clear(raft_progress *pr)
{
    free(pr->chunk);
    pr->chunk = NULL;
    pr->chunk_len = 0;
    pr->chunk_done = pr->chunk_acked = false;
    pr->snap_index = pr->snap_term = pr->snap_offset = pr->snap_bytes = 0;
    pr->snap_want = pr->snap_asked = false;
}

void progress_become_probe(raft *r, raft_progress *pr)
{
    if (pr->state != PR_PROBE)
        RLOG(r, SS_LOG_DEBUG, "raft: node %llu probes node %llu from index %llu (was %s)",
             (unsigned long long)r->id, (unsigned long long)pr->id,
             (unsigned long long)pr->next, progress_state_name(pr->state));
    pr->state = PR_PROBE;
    pr->probe_sent = false;
    pr->infl_start = pr->infl_count = 0;
    progress_snapshot_clear(pr);
}

void progress_become_replicate(raft *r, raft_progress *pr)
{
    RLOG(r, SS_LOG_DEBUG, "raft: node %llu pipelines to node %llu from index %llu",
         (unsigned long long)r->id, (unsigned long long)pr->id, (unsigned long long)pr->match + 1);
    pr->state = PR_REPLICATE;
    pr->next = pr->match + 1;
    pr->infl_start = pr->infl_count = 0;
    progress_snapshot_clear(pr);
}

bool progress_paused(const raft_progress *pr)
{
    switch (pr->state) {
    case PR_PROBE: return pr->probe_sent;
    case PR_REPLICATE: return pr->infl_count == pr->infl_cap;
    default: return true;
    }
}

void progress_infl_add(raft_progress *pr, uint64_t last)
{
    if (pr->infl_count == pr->infl_cap)
        return;
    pr->infl[(pr->infl_start + pr->infl_count) % pr->infl_cap] = last;
    pr->infl_count++;
}

void progress_infl_free_upto(raft_progress *pr, uint64_t index)
{
    while (pr->infl_count > 0 && pr->infl[pr->infl_start] <= index) {
        pr->infl_start = (pr->infl_start + 1) % pr->infl_cap;
        pr->infl_count--;
    }
}

void progress_infl_free_first(raft_progress *pr)
{
    if (pr->infl_count > 0) {
        pr->infl_start = (pr->infl_start + 1) % pr->infl_cap;
        pr->infl_count--;
    }
}

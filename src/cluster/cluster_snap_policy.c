/* Snapshot policy: when to take a snapshot and when to compact the log to it; pure decisions, no I/O. */
#include "cluster/cluster_snap_policy.h"

snap_take snap_policy_take(const snap_take_input *in)
{
    if (in->applied < in->newest || (in->applied == in->newest && !in->replace))
        return SNAP_TAKE_NOTHING_NEW;
    if (!in->applied_term_known)
        return SNAP_TAKE_TERM_UNKNOWN;
    if (in->requested)
        return SNAP_TAKE_REQUESTED;
    if (in->replace)
        return in->failed_recently ? SNAP_TAKE_NOT_DUE : SNAP_TAKE_REPLACE;
    bool by_count = in->threshold > 0 && in->applied - in->newest >= (uint64_t)in->threshold;
    bool by_bytes = in->threshold_bytes > 0 && in->bytes_since >= (uint64_t)in->threshold_bytes;
    if ((!by_count && !by_bytes) || in->failed_recently)
        return SNAP_TAKE_NOT_DUE;
    return by_count ? SNAP_TAKE_BY_COUNT : SNAP_TAKE_BY_BYTES;
}

const char *snap_take_reason(snap_take t)
{
    switch (t) {
    case SNAP_TAKE_REQUESTED: return "requested (BGSAVE)";
    case SNAP_TAKE_REPLACE: return "a follower found the file this node sends damaged";
    case SNAP_TAKE_BY_COUNT: return "snapshot-threshold entries applied since the last one";
    case SNAP_TAKE_BY_BYTES: return "snapshot-threshold-bytes of entries applied since the last one";
    default: return "not due";
    }
}

/* The log may grow to twice the thresholds while a follower catches up. */
static bool log_within_twice_thresholds(const snap_compact_input *in)
{
    if (in->threshold > 0 && in->applied - in->base >= 2 * (uint64_t)in->threshold)
        return false;
    if (in->threshold_bytes > 0 && in->log_bytes >= 2 * (uint64_t)in->threshold_bytes)
        return false;
    return true;
}

snap_compact snap_policy_compact(const snap_compact_input *in, uint64_t *held_for)
{
    if (in->newest <= in->base)
        return SNAP_COMPACT_NO;
    if (in->urgent)
        return SNAP_COMPACT_NOW;
    if (in->applied < in->newest + (uint64_t)in->trailing)
        return SNAP_COMPACT_TRAILING;
    if (in->leader && log_within_twice_thresholds(in)) {
        for (size_t i = 0; i < in->n_followers; i++) {
            const snap_follower *f = &in->followers[i];
            if (f->connected && f->replicating && f->match < in->newest) {
                *held_for = f->id;
                return SNAP_COMPACT_HOLD;
            }
        }
    }
    return SNAP_COMPACT_NOW;
}

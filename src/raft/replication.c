/* Log replication from the leader: AppendEntries, heartbeats, commit (§5.3, §5.4.2). */
#include "raft/internal.h"

static out_msg *push_append(raft *r, raft_progress *pr, uint64_t prev, size_t n)
{
    RAFT_ASSERT(r, prev >= r->log.snap_index); /* its term must be known */
    out_msg *o = outbox_push(r, RAFT_MSG_APPEND, pr->id);
    if (o == NULL)
        return NULL;
    o->m.prev_index = prev;
    o->m.prev_term = rlog_term_at(&r->log, prev);
    o->m.commit = r->commit;
    o->m.read_seq = r->read_seq;
    o->m.n_entries = n;
    o->ent_first = prev + 1;
    o->ent_last_term = n > 0 ? rlog_term_at(&r->log, prev + n) : 0;
    /* What the follower can adopt from this message: Figure 2 caps its commit
     * at the last entry the message vouches for, prev + n. */
    pr->sent_commit = r->commit < prev + n ? r->commit : prev + n;
    return o;
}

/* A commit notice: an empty AppendEntries anchored at the follower's match,
 * sent when the commit index passed what it was told. Unlike a heartbeat it
 * asks for no answer: its success would tell us nothing (the follower acked
 * that match already, and any ReadIndex round has its own heartbeats), and at
 * one write in flight that answer was a third of the follower's messages. A
 * follower that cannot take it (a log that no longer matches) still refuses
 * it, which starts the repair as a refused heartbeat would. */
static void push_notice(raft *r, raft_progress *pr)
{
    out_msg *o = push_append(r, pr, pr->match, 0);
    if (o != NULL)
        o->m.notice = true;
}

/* Sends what pr->next calls for, within the per-message limits; returns whether a
 * message went out. Probe: one at a time. Replicate: up to max_inflight. */
bool replication_send_append(raft *r, raft_progress *pr, bool allow_empty)
{
    RAFT_ASSERT(r, r->role == RAFT_LEADER);
    if (pr->id == r->id || progress_paused(pr))
        return false;
    uint64_t prev = pr->next - 1;
    if (prev < r->log.snap_index) {
        snapshot_start(r, pr); /* what it needs is compacted away */
        return false;
    }
    uint64_t last = rlog_last_index(&r->log);
    size_t n = 0, bytes = 0;
    for (uint64_t i = pr->next; i <= last && n < r->cfg.max_append_entries; i++) {
        size_t len = rlog_get(&r->log, i)->len;
        if (n > 0 && bytes + len > r->cfg.max_append_bytes)
            break;
        n++;
        bytes += len;
    }
    if (n == 0 && !allow_empty)
        return false;
    if (push_append(r, pr, prev, n) == NULL)
        return false;
    if (pr->state == PR_REPLICATE) {
        if (n > 0) {
            pr->next = prev + n + 1; /* optimistic: pipelined behind earlier messages */
            progress_infl_add(pr, prev + n);
        }
    } else {
        pr->probe_sent = true;
    }
    return true;
}

/* A heartbeat is an empty AppendEntries. Pipelined followers get one anchored at
 * their match (always accepted, carries the commit index); probed ones get the
 * probe again, in case it was lost. */
void replication_send_heartbeat(raft *r, raft_progress *pr)
{
    if (pr->id == r->id)
        return;
    if (pr->state == PR_SNAPSHOT) {
        snapshot_heartbeat(r, pr);
        return;
    }
    if (pr->state == PR_REPLICATE && pr->match < r->log.snap_index)
        progress_become_probe(r, pr); /* its match was compacted away: find where it is */
    /* Appends in flight but no progress for a few heartbeats: they were lost,
     * and with no new entries nothing else would resend them. */
    pr->stalled_hbs = pr->match == pr->hb_match ? pr->stalled_hbs + 1 : 0;
    pr->hb_match = pr->match;
    if (pr->state == PR_REPLICATE && pr->next > pr->match + 1 && pr->stalled_hbs >= 3 &&
        pr->match < rlog_last_index(&r->log)) {
        pr->next = pr->match + 1;
        progress_become_probe(r, pr);
    }
    if (pr->state != PR_REPLICATE) {
        pr->probe_sent = false;
        replication_send_append(r, pr, true);
        return;
    }
    push_append(r, pr, pr->match, 0);
}

void replication_heartbeat(raft *r)
{
    for_each_progress(r, pr)
        replication_send_heartbeat(r, pr);
}

/* A follower whose match has passed what our last message let it commit gets
 * the commit index now rather than at the next heartbeat. This matters for the
 * follower that proposed the entry: the leader often commits on another
 * follower's ack, while this one is still writing, so the commit message it
 * gets is anchored below the entry and can only carry the commit up to there. */
void replication_send_commit(raft *r, raft_progress *pr)
{
    if (pr->state == PR_REPLICATE && pr->sent_commit < r->commit && pr->match > pr->sent_commit &&
        pr->match >= r->log.snap_index)
        push_notice(r, pr);
}

/* New entries to everyone who can take them; a newer commit index to the others.
 * A notice anchored at a follower's match carries the commit only up to there:
 * one that still writes the entry just committed would learn nothing from it
 * now, and gets it when it acknowledges the entry (replication_send_commit). */
void replication_broadcast(raft *r)
{
    for_each_progress(r, pr) {
        if (pr->id == r->id || replication_send_append(r, pr, false))
            continue;
        uint64_t can_adopt = r->commit < pr->match ? r->commit : pr->match;
        if (pr->state == PR_REPLICATE && pr->sent_commit < can_adopt &&
            pr->match >= r->log.snap_index)
            push_notice(r, pr);
    }
}

/* What a member holds durably; the leader counts itself only for what its
 * own disk confirmed (thesis §10.2.1). */
static uint64_t durable_on(const raft *r, const raft_progress *pr)
{
    return pr->id == r->id ? r->persisted : pr->match;
}

/* How many voters of the latest configuration hold index durably: learners
 * never count, nor does a leader that removed itself (thesis §4.2.2). */
static size_t stored_on(const raft *r, uint64_t index)
{
    size_t count = 0;
    for_each_progress((raft *)r, pr)
        count += pr->voter && durable_on(r, pr) >= index;
    return count;
}

/* The highest index a majority of the voters holds durably. */
static uint64_t quorum_match(raft *r)
{
    uint64_t best = 0;
    for_each_progress(r, pr) {
        uint64_t v = durable_on(r, pr);
        if (pr->voter && v > best && stored_on(r, v) >= raft_quorum(r))
            best = v;
    }
    return best;
}

bool replication_maybe_commit(raft *r)
{
    RAFT_ASSERT(r, r->role == RAFT_LEADER);
    uint64_t q = quorum_match(r);
    if (q <= r->commit)
        return false;
    /* §5.4.2: only entries of the leader's own term are committed by counting
     * replicas; earlier ones commit with them (Figure 8). */
    if (rlog_term_at(&r->log, q) != r->term) {
        if (q > r->held_back) /* once per index, not at every acknowledgement */
            RLOG(r, SS_LOG_VERBOSE,
                 "raft: node %llu does not commit entry %llu yet, though %zu of %zu voters store "
                 "it: it is of term %llu, not ours (%llu); it commits with our first entry "
                 "(§5.4.2, Figure 8)",
                 (unsigned long long)r->id, (unsigned long long)q, stored_on(r, q),
                 raft_conf_voters(&r->conf), (unsigned long long)rlog_term_at(&r->log, q),
                 (unsigned long long)r->term);
        r->held_back = q;
        return false;
    }
    for (uint64_t i = r->commit + 1; i <= q; i++) {
        const raft_entry *e = rlog_get(&r->log, i);
        if (e->term == r->term)
            r->uncommitted_bytes -= e->len < r->uncommitted_bytes ? e->len : r->uncommitted_bytes;
    }
    char span[RAFT_SPAN_SIZE];
    RLOG(r, SS_LOG_VERBOSE,
         "raft: node %llu committed %s: %zu of %zu voters store entry %llu, a majority, and it "
         "is of our term %llu (§5.3, §5.4.2)",
         (unsigned long long)r->id,
         raft_span(span, sizeof span, "entry", "entries", r->commit + 1, q),
         stored_on(r, q), raft_conf_voters(&r->conf), (unsigned long long)q,
         (unsigned long long)r->term);
    raft_set_commit(r, q);
    return true;
}

void replication_tick(raft *r, unsigned ms)
{
    r->heartbeat_elapsed += ms;
    r->election_elapsed += ms;
    if (r->transfer_target != 0) {
        r->transfer_elapsed += ms;
        if (r->transfer_elapsed >= r->cfg.election_timeout_ms)
            transfer_abort(r, "the target did not take over within an election timeout");
    }
    if (r->election_elapsed >= r->cfg.election_timeout_ms) {
        r->election_elapsed = 0;
        if (r->cfg.check_quorum) {
            size_t active = 0;
            for_each_progress(r, pr) {
                active += pr->voter && pr->recent_active;
                pr->recent_active = pr->id == r->id;
            }
            if (active < raft_quorum(r)) {
                ss_errmsg why;
                ss_errf(why, 0, "check-quorum: heard from only %zu of %zu voters in %u ms",
                        active, raft_conf_voters(&r->conf), r->cfg.election_timeout_ms);
                convert_to_follower(r, r->term, 0, why);
                return;
            }
        }
    }
    if (r->heartbeat_elapsed >= r->cfg.heartbeat_ms) {
        r->heartbeat_elapsed = 0;
        replication_heartbeat(r);
    }
}

/* AppendEntries on the follower: consistency check, conflict repair, commit (§5.3). */
#include "raft/internal.h"

/* Term-aware hint: the term we hold at prev and where it starts, so the leader
 * can skip back a whole term per round trip; or our last index + 1 if we are short. */
static void reject(raft *r, const raft_msg *m)
{
    out_msg *o = outbox_push(r, RAFT_MSG_APPEND_RESP, m->from);
    if (o == NULL)
        return;
    uint64_t last = rlog_last_index(&r->log);
    o->m.reject = true;
    o->m.index = m->prev_index;
    o->m.read_seq = m->read_seq;
    if (m->prev_index > last) {
        o->m.hint_term = 0;
        o->m.hint_index = last + 1;
    } else {
        o->m.hint_term = rlog_term_at(&r->log, m->prev_index);
        o->m.hint_index = rlog_first_of_term(&r->log, m->prev_index);
    }
    if (m->prev_index > last)
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu rejected AppendEntries from leader %llu after entry %llu (term "
             "%llu): our log ends at %llu, so we hint it to go on from %llu (§5.3 consistency "
             "check)",
             (unsigned long long)r->id, (unsigned long long)m->from,
             (unsigned long long)m->prev_index, (unsigned long long)m->prev_term,
             (unsigned long long)last, (unsigned long long)last + 1);
    else
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu rejected AppendEntries from leader %llu after entry %llu (term "
             "%llu): we hold term %llu there, since entry %llu, and hint it to skip that term "
             "(§5.3 consistency check)",
             (unsigned long long)r->id, (unsigned long long)m->from,
             (unsigned long long)m->prev_index, (unsigned long long)m->prev_term,
             (unsigned long long)o->m.hint_term, (unsigned long long)o->m.hint_index);
}

/* §5.3: an existing entry that conflicts with a new one (same index, different
 * term) is deleted with all that follow it. Committed entries never conflict. */
static void truncate(raft *r, const raft_entry *e, uint64_t leader)
{
    RAFT_ASSERT(r, e->index > r->commit);
    char span[RAFT_SPAN_SIZE];
    RLOG(r, SS_LOG_NOTICE,
         "raft: node %llu dropped its %s: leader %llu has term %llu at %llu where we hold term "
         "%llu (§5.3: a conflicting entry is deleted with all that follow it)",
         (unsigned long long)r->id,
         raft_span(span, sizeof span, "entry", "entries", e->index,
                   rlog_last_index(&r->log)),
         (unsigned long long)leader, (unsigned long long)e->term, (unsigned long long)e->index,
         (unsigned long long)rlog_term_at(&r->log, e->index));
    rlog_truncate_from(&r->log, e->index);
    membership_truncated(r, e->index);
    if (r->persisted >= e->index)
        r->persisted = e->index - 1;
    if (e->index < r->unstable_from) {
        if (r->truncate_from == 0 || e->index < r->truncate_from)
            r->truncate_from = e->index;
        r->unstable_from = e->index;
    }
}

/* A follower's message from the leader of our term: follow it, and its lease
 * starts over. False if we follow another leader in this term: its sender
 * claims a leadership that is not its own (§5.2), and the message is dropped. */
bool recv_follow(raft *r, const raft_msg *m)
{
    if (r->leader != 0 && r->leader != m->from) {
        raft_drop_invalid(r, m, "node %llu leads this term, and a term has at most one leader "
                          "(§5.2)", (unsigned long long)r->leader);
        return false;
    }
    if (r->leader != m->from) {
        RLOG(r, SS_LOG_NOTICE, "raft: node %llu follows leader %llu in term %llu",
             (unsigned long long)r->id, (unsigned long long)m->from, (unsigned long long)r->term);
        r->leader = m->from;
        r->role_changed = true;
    }
    r->election_elapsed = 0;
    return true;
}

void recv_append(raft *r, const raft_msg *m)
{
    if (!recv_follow(r, m))
        return;
    uint64_t prev = m->prev_index;
    const raft_entry *ents = m->entries;
    size_t n = m->n_entries;
    /* A commit notice is answered only if refused (replication.c, push_notice). */
    bool answer = !(m->notice && n == 0);
    /* Entries up to our commit index are agreed already: skip them (they may be
     * compacted away here, so they cannot be compared). The one at our commit
     * index we hold (or its term, as the snapshot's): a leader holds every
     * committed entry (§5.4, Leader Completeness), so a different term there
     * is no honest leader's. */
    if (prev < r->commit) {
        uint64_t skip = r->commit - prev;
        if (skip >= n) {
            if (answer)
                outbox_ack(r, m->from, r->commit, m->read_seq);
            return;
        }
        if (ents[skip - 1].term != rlog_term_at(&r->log, r->commit)) {
            raft_drop_invalid(r, m, "its entry %llu has term %llu, but we committed term %llu "
                              "there (§5.4)", (unsigned long long)r->commit,
                              (unsigned long long)ents[skip - 1].term,
                              (unsigned long long)rlog_term_at(&r->log, r->commit));
            return;
        }
        ents += skip;
        n -= skip;
        prev = r->commit;
    } else if (prev > rlog_last_index(&r->log) || rlog_term_at(&r->log, prev) != m->prev_term) {
        reject(r, m);
        return;
    }
    uint64_t first_added = 0;
    for (size_t i = 0; i < n; i++) {
        const raft_entry *e = &ents[i];
        if (e->index <= rlog_last_index(&r->log)) {
            if (rlog_term_at(&r->log, e->index) == e->term)
                continue;
            truncate(r, e, m->from);
        }
        if (rlog_append(&r->log, e->term, e->type, e->data, e->len) != SS_OK) {
            RLOG(r, SS_LOG_WARNING, "raft: node %llu could not append entry %llu: out of memory",
                 (unsigned long long)r->id, (unsigned long long)e->index);
            return;
        }
        if (e->type == RAFT_ENTRY_CONFIG) /* in effect once appended (thesis §4.1) */
            membership_appended(r, rlog_get(&r->log, e->index));
        if (first_added == 0)
            first_added = e->index;
    }
    char span[RAFT_SPAN_SIZE], terms[RAFT_SPAN_SIZE];
    if (first_added != 0)
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu appended %s (%s) from leader %llu: our logs agree up to entry "
             "%llu (term %llu) (§5.3)",
             (unsigned long long)r->id,
             raft_span(span, sizeof span, "entry", "entries", first_added,
                       rlog_last_index(&r->log)),
             raft_span(terms, sizeof terms, "term", "terms",
                       rlog_term_at(&r->log, first_added), rlog_last_term(&r->log)),
             (unsigned long long)m->from, (unsigned long long)first_added - 1,
             (unsigned long long)rlog_term_at(&r->log, first_added - 1));
    uint64_t last_new = prev + n;
    /* Figure 2: commitIndex = min(leaderCommit, index of last new entry). */
    uint64_t commit = m->commit < last_new ? m->commit : last_new;
    if (commit > r->commit) {
        RLOG(r, SS_LOG_VERBOSE,
             "raft: node %llu committed %s: leader %llu has committed up to %llu and our log "
             "matches its up to %llu (§5.3, Figure 2: min(leaderCommit, last new entry))",
             (unsigned long long)r->id,
             raft_span(span, sizeof span, "entry", "entries", r->commit + 1, commit),
             (unsigned long long)m->from, (unsigned long long)m->commit,
             (unsigned long long)last_new);
        raft_set_commit(r, commit);
    }
    if (answer)
        outbox_ack(r, m->from, last_new, m->read_seq);
}

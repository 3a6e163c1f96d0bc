/* Lifecycle, time, client requests and shared helpers of the Raft core (messages: step.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft/internal.h"

void raft_config_init(raft_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->election_timeout_ms = 1000;
    cfg->heartbeat_ms = 100;
    cfg->max_append_entries = 64;
    cfg->max_append_bytes = 1 << 20;
    cfg->max_inflight = 32;
    cfg->max_uncommitted_bytes = 64 << 20;
    cfg->max_pending_reads = 4096;
    cfg->max_snapshot_chunk = 1 << 20;
    cfg->pre_vote = true;
    cfg->check_quorum = true;
    cfg->log_level = SS_LOG_NOTICE;
}

const char *raft_role_name(int role)
{
    static const char *const names[] = { "follower", "pre-candidate", "candidate", "leader" };
    return role >= 0 && role <= RAFT_LEADER ? names[role] : "?";
}

_Noreturn void raft_assert_fail(const raft *r, const char *what, const char *file, int line)
{
    RLOG(r, SS_LOG_WARNING, "raft: node %llu broke invariant '%s' at %s:%d (term %llu, %s)",
         (unsigned long long)r->id, what, file, line, (unsigned long long)r->term,
         raft_role_name(r->role));
    abort();
}

static int check_config(const raft_config *c, char *errmsg)
{
    if (c->id == 0)
        return ss_errf(errmsg, SS_ECONFIG, "raft: node id must be nonzero");
    if (c->n_voters > 0 && c->voters == NULL)
        return ss_errf(errmsg, SS_ECONFIG, "raft: no voters");
    bool self = c->n_voters == 0; /* a node waiting to be added */
    for (size_t i = 0; i < c->n_voters; i++) {
        if (c->voters[i] == 0)
            return ss_errf(errmsg, SS_ECONFIG, "raft: voter id 0");
        for (size_t j = 0; j < i; j++)
            if (c->voters[j] == c->voters[i])
                return ss_errf(errmsg, SS_ECONFIG, "raft: voter %llu listed twice",
                               (unsigned long long)c->voters[i]);
        self |= c->voters[i] == c->id;
    }
    if (!self)
        return ss_errf(errmsg, SS_ECONFIG, "raft: node %llu is not among the voters",
                       (unsigned long long)c->id);
    if (c->election_timeout_ms == 0 || c->heartbeat_ms == 0 ||
        c->heartbeat_ms >= c->election_timeout_ms)
        return ss_errf(errmsg, SS_ECONFIG,
                       "raft: need 0 < heartbeat (%u ms) < election timeout (%u ms)",
                       c->heartbeat_ms, c->election_timeout_ms);
    if (c->max_append_entries == 0 || c->max_append_bytes == 0 || c->max_inflight == 0 ||
        c->max_pending_reads == 0 || c->max_snapshot_chunk == 0)
        return ss_errf(errmsg, SS_ECONFIG, "raft: limits must be nonzero");
    if (c->max_append_entries > RAFT_MAX_MSG_ENTRIES)
        return ss_errf(errmsg, SS_ECONFIG,
                       "raft: max_append_entries %zu is over %d, the most a peer decodes",
                       c->max_append_entries, RAFT_MAX_MSG_ENTRIES);
    return SS_OK;
}

int raft_new(const raft_config *cfg, raft **out, char *errmsg)
{
    int rv = check_config(cfg, errmsg);
    if (rv != SS_OK)
        return rv;
    raft *r = calloc(1, sizeof *r);
    if (r == NULL)
        return ss_errf(errmsg, SS_ENOMEM, "raft: allocate node");
    r->cfg = *cfg;
    r->id = cfg->id;
    r->prs = calloc(RAFT_MAX_MEMBERS, sizeof *r->prs);
    r->reads = calloc(cfg->max_pending_reads, sizeof *r->reads);
    r->snap_reqs = calloc(RAFT_MAX_MEMBERS, sizeof *r->snap_reqs);
    if (r->prs == NULL || r->reads == NULL || r->snap_reqs == NULL)
        goto err_after_alloc;
    for (size_t i = 0; i < RAFT_MAX_MEMBERS; i++) {
        r->prs[i].infl_cap = cfg->max_inflight;
        r->prs[i].infl = calloc(cfg->max_inflight, sizeof(uint64_t));
        if (r->prs[i].infl == NULL)
            goto err_after_alloc;
    }
    rlog_init(&r->log);
    /* splitmix64 state: distinct per node even with one cluster-wide seed.
     * The id is mixed first: with seed ^ id * step, where every draw adds
     * step, node id + 1's timeouts were node id's one draw later, and two
     * nodes could time out together in every round (a simulated seed did). */
    r->rng = 0x5DEECE66Dull ^ cfg->id;
    r->rng = cfg->seed ^ raft_random(r);
    r->unstable_from = 1;
    if ((rv = membership_init(r, errmsg)) != SS_OK) {
        raft_free(r);
        return rv;
    }
    r->cfg.voters = NULL; /* the caller's: raft_new copied them into boot_conf */
    r->cfg.voter_addrs = NULL;
    convert_init(r);
    *out = r;
    return SS_OK;

err_after_alloc:
    raft_free(r);
    return ss_errf(errmsg, SS_ENOMEM, "raft: allocate node tables");
}

void raft_free(raft *r)
{
    if (r == NULL)
        return;
    snapshot_release(r);
    if (r->prs != NULL)
        for (size_t i = 0; i < RAFT_MAX_MEMBERS; i++)
            free(r->prs[i].infl);
    rlog_release(&r->log);
    free(r->prs);
    free(r->reads);
    free(r->out);
    free(r->rd_msgs);
    free(r->done_reads);
    free(r);
}

int raft_restore(raft *r, const raft_hard_state *hs, uint64_t first_index, uint64_t prev_term,
                 const raft_entry *entries, size_t n, uint64_t applied, const raft_conf *conf)
{
    RAFT_ASSERT(r, !r->in_ready);
    if (first_index == 0 || (first_index == 1 && prev_term != 0))
        return SS_EINVAL;
    rlog_release(&r->log);
    r->log.snap_index = first_index - 1;
    r->log.snap_term = prev_term;
    for (size_t i = 0; i < n; i++) {
        if (entries[i].index != first_index + i || entries[i].term < prev_term ||
            (i > 0 && entries[i].term < entries[i - 1].term))
            return SS_EINVAL;
        if (rlog_append(&r->log, entries[i].term, entries[i].type, entries[i].data,
                        entries[i].len) != SS_OK)
            return SS_ENOMEM;
    }
    uint64_t last = rlog_last_index(&r->log);
    if (hs->term < rlog_last_term(&r->log))
        return SS_EINVAL;
    r->term = r->durable_term = hs->term;
    r->vote = r->durable_vote = hs->vote;
    r->persisted = last;
    r->unstable_from = last + 1;
    r->commit = hs->commit < last ? hs->commit : last;
    if (applied > r->commit)
        r->commit = applied < last ? applied : last;
    if (r->commit < r->log.snap_index)
        r->commit = r->log.snap_index;
    r->applied_out = applied > r->log.snap_index ? applied : r->log.snap_index;
    if (r->applied_out > r->commit)
        r->applied_out = r->commit;
    r->last_hs = (raft_hard_state){ r->term, r->vote, r->commit };
    if (membership_restore(r, conf, r->applied_out) != SS_OK)
        return SS_EINVAL; /* a config entry that does not decode: a corrupt log */
    RLOG(r, SS_LOG_NOTICE,
         "raft: node %llu restored term %llu vote %llu, log %llu..%llu, commit %llu, applied %llu",
         (unsigned long long)r->id, (unsigned long long)r->term, (unsigned long long)r->vote,
         (unsigned long long)first_index, (unsigned long long)last,
         (unsigned long long)r->commit, (unsigned long long)r->applied_out);
    raft_invariants(r);
    return SS_OK;
}

int raft_compact(raft *r, uint64_t upto_index)
{
    RAFT_ASSERT(r, !r->in_ready);
    if (upto_index > r->applied_out || upto_index >= r->unstable_from)
        return SS_EINVAL;
    membership_compacting(r, upto_index);
    rlog_compact(&r->log, upto_index);
    RLOG(r, SS_LOG_VERBOSE,
         "raft: node %llu compacted its log: entries up to %llu are in a snapshot, so the log "
         "now starts after %llu (term %llu) (§7)",
         (unsigned long long)r->id, (unsigned long long)upto_index,
         (unsigned long long)r->log.snap_index, (unsigned long long)r->log.snap_term);
    if (r->role == RAFT_LEADER)
        snapshot_rebase(r);
    raft_invariants(r);
    return SS_OK;
}

/* SQLite's assert_pager_state(): what every entry point relies on. */
void raft_invariants(const raft *r)
{
    uint64_t last = rlog_last_index(&r->log);
    RAFT_ASSERT(r, r->commit <= last);
    RAFT_ASSERT(r, r->commit >= r->log.snap_index);
    RAFT_ASSERT(r, r->applied_out <= r->commit);
    RAFT_ASSERT(r, r->persisted <= last);
    RAFT_ASSERT(r, r->unstable_from <= last + 1);
    RAFT_ASSERT(r, r->durable_term <= r->term);
    RAFT_ASSERT(r, rlog_last_term(&r->log) <= r->term);
    RAFT_ASSERT(r, r->role != RAFT_LEADER || (r->leader == r->id && r->vote == r->id));
    RAFT_ASSERT(r, r->role != RAFT_CANDIDATE || r->vote == r->id);
    RAFT_ASSERT(r, r->role == RAFT_LEADER || r->transfer_target == 0);
    RAFT_ASSERT(r, r->role == RAFT_LEADER || r->n_reads == 0);
    RAFT_ASSERT(r, !r->snap_pending || (r->persisted == 0 && r->role == RAFT_FOLLOWER));
    membership_invariants(r);
}

uint64_t raft_random(raft *r)
{
    uint64_t z = (r->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

size_t raft_quorum(const raft *r)
{
    return raft_conf_voters(&r->conf) / 2 + 1;
}

void raft_set_term(raft *r, uint64_t term)
{
    RAFT_ASSERT(r, term > r->term);
    r->term = term;
    r->vote = 0;
    r->role_changed = true;
}

/* "entry 7" or "entries 5..7" (one = "entry", many = "entries"), for the log's sentences. */
const char *raft_span(char *buf, size_t cap, const char *one, const char *many, uint64_t first,
                      uint64_t last)
{
    if (first == last)
        snprintf(buf, cap, "%s %llu", one, (unsigned long long)first);
    else
        snprintf(buf, cap, "%s %llu..%llu", many, (unsigned long long)first,
                 (unsigned long long)last);
    return buf;
}

/* Callers log why, at verbose, each with the rule that allows it. */
void raft_set_commit(raft *r, uint64_t commit)
{
    if (commit > r->commit)
        r->commit = commit;
}

void raft_set_log_level(raft *r, int level)
{
    r->cfg.log_level = level;
}

void raft_tick(raft *r, unsigned elapsed_ms)
{
    RAFT_ASSERT(r, !r->in_ready);
    raft_invariants(r);
    r->clock_ms += elapsed_ms;
    r->tick(r, elapsed_ms); /* the role's routine: election or heartbeat timer (convert.c) */
    raft_invariants(r);
}

int raft_propose(raft *r, uint8_t type, const void *data, size_t len, uint64_t *index_out)
{
    RAFT_ASSERT(r, !r->in_ready);
    raft_invariants(r);
    if (r->role != RAFT_LEADER)
        return SS_ENOTLEADER;
    if (r->transfer_target != 0)
        return SS_EBUSY;
    if (type != RAFT_ENTRY_NORMAL && type != RAFT_ENTRY_NOOP)
        return SS_EINVAL;
    /* max_append_bytes bounds batching, not entries: a message always carries
     * at least one entry. An entry is too big only if it could never fit in
     * the uncommitted budget. */
    if (len > r->cfg.max_uncommitted_bytes)
        return SS_ETOOBIG;
    if (r->uncommitted_bytes > 0 && r->uncommitted_bytes + len > r->cfg.max_uncommitted_bytes)
        return SS_EBUSY;
    if (rlog_append(&r->log, r->term, type, data, len) != SS_OK)
        return SS_ENOMEM;
    r->uncommitted_bytes += len;
    r->bcast_pending = true; /* sent at the next flush, so a batch shares messages */
    RLOG(r, SS_LOG_VERBOSE,
         "raft: node %llu appended entry %llu (term %llu, %zu bytes) for a client: it commits "
         "once a majority stores it (§5.3)",
         (unsigned long long)r->id, (unsigned long long)rlog_last_index(&r->log),
         (unsigned long long)r->term, len);
    if (index_out != NULL)
        *index_out = rlog_last_index(&r->log);
    return SS_OK;
}

void raft_persisted(raft *r, uint64_t last_index, uint64_t last_term)
{
    RAFT_ASSERT(r, !r->in_ready);
    if (r->snap_pending || last_index <= r->persisted || last_index >= r->unstable_from ||
        rlog_term_at(&r->log, last_index) != last_term)
        return; /* stale: those entries were overwritten since, or already known */
    r->persisted = last_index;
    if (r->role == RAFT_LEADER && replication_maybe_commit(r))
        replication_broadcast(r);
}

void raft_persisted_hard_state(raft *r, uint64_t term, uint64_t vote)
{
    RAFT_ASSERT(r, !r->in_ready);
    if (term > r->durable_term) {
        r->durable_term = term;
        r->durable_vote = vote;
    } else if (term == r->durable_term && r->durable_vote == 0) {
        r->durable_vote = vote;
    }
    RAFT_ASSERT(r, r->durable_term <= r->term);
    election_recount(r);
}

raft_status raft_status_get(const raft *r)
{
    return (raft_status){ .id = r->id, .role = r->role, .term = r->term, .leader = r->leader,
                          .commit = r->commit, .first_index = rlog_first_index(&r->log),
                          .last_index = rlog_last_index(&r->log),
                          .invalid_messages = r->invalid_msgs };
}

uint64_t raft_id(const raft *r) { return r->id; }
int raft_role_get(const raft *r) { return r->role; }
uint64_t raft_term(const raft *r) { return r->term; }
uint64_t raft_leader(const raft *r) { return r->leader; }
uint64_t raft_commit_index(const raft *r) { return r->commit; }
uint64_t raft_last_index(const raft *r) { return rlog_last_index(&r->log); }
uint64_t raft_last_term(const raft *r) { return rlog_last_term(&r->log); }
uint64_t raft_first_index(const raft *r) { return rlog_first_index(&r->log); }
uint64_t raft_transfer_target(const raft *r) { return r->transfer_target; }

bool raft_peer_progress(const raft *r, uint64_t id, uint64_t *match, uint64_t *next,
                        const char **state)
{
    if (r->role != RAFT_LEADER)
        return false;
    raft_progress *pr = progress_get((raft *)r, id);
    if (pr == NULL)
        return false;
    *match = pr->match;
    *next = pr->next;
    *state = progress_state_name(pr->state);
    return true;
}

const raft_entry *raft_entry_at(const raft *r, uint64_t index)
{
    return rlog_get(&r->log, index);
}

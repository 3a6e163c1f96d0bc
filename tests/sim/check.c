/* The simulator's safety checks: Raft's Figure 3 properties, linearizable reads,
 * and the core's durability contract. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "sim/sim_int.h"

#define entry_payload(e) sim_entry_payload(s, (e))

/* ---- (index, term) registry: Log Matching ---- */

static size_t reg_hash(uint64_t index, uint64_t term, size_t cap)
{
    uint64_t h = index * 0x9E3779B97F4A7C15ull ^ term * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static reg_slot *reg_slot_for(reg_slot *tab, size_t cap, uint64_t index, uint64_t term)
{
    for (size_t i = reg_hash(index, term, cap);; i = (i + 1) & (cap - 1))
        if (tab[i].index == 0 || (tab[i].index == index && tab[i].term == term))
            return &tab[i];
}

static reg_slot *reg_find(sim *s, uint64_t index, uint64_t term)
{
    if ((s->n_reg + 1) * 2 > s->cap_reg) {
        size_t cap = s->cap_reg ? s->cap_reg * 2 : 1024;
        reg_slot *tab = calloc(cap, sizeof *tab);
        for (size_t i = 0; i < s->cap_reg; i++)
            if (s->reg[i].index != 0)
                *reg_slot_for(tab, cap, s->reg[i].index, s->reg[i].term) = s->reg[i];
        free(s->reg);
        s->reg = tab;
        s->cap_reg = cap;
    }
    return reg_slot_for(s->reg, s->cap_reg, index, term);
}

/* Log Matching (§5.3) by induction: whoever holds (index, term) holds the same
 * entry there and the same term just before it. */
static void check_entry(sim *s, unsigned i, const raft_entry *e, uint64_t prev_term)
{
    reg_slot *slot = reg_find(s, e->index, e->term);
    uint64_t payload = entry_payload(e);
    if (slot->index == 0) {
        *slot = (reg_slot){ e->index, e->term, payload, prev_term };
        s->n_reg++;
        return;
    }
    if (slot->payload != payload || slot->prev_term != prev_term)
        sim_failf(s, "log matching: node %u holds %llu/%llu with payload %llu after term %llu, "
                  "another log has payload %llu after term %llu",
                  i + 1, (unsigned long long)e->term, (unsigned long long)e->index,
                  (unsigned long long)payload, (unsigned long long)prev_term,
                  (unsigned long long)slot->payload, (unsigned long long)slot->prev_term);
}

/* ---- applying: State Machine Safety, Leader Completeness ---- */

static void check_leader_has(sim *s, unsigned j, uint64_t index, const committed_rec *c)
{
    raft *r = s->nodes[j].r;
    if (r == NULL || raft_role_get(r) != RAFT_LEADER || raft_term(r) <= c->seen_term)
        return;
    const raft_entry *e = raft_entry_at(r, index);
    if (index < raft_first_index(r))
        return; /* compacted: it was committed there */
    if (e == NULL || e->term != c->term || entry_payload(e) != c->payload)
        sim_failf(s, "leader completeness: leader %u of term %llu lacks committed entry %llu/%llu",
                  j + 1, (unsigned long long)raft_term(r), (unsigned long long)c->term,
                  (unsigned long long)index);
}

/* Records entry e as committed (first time) or checks it against the record:
 * State Machine Safety, and Leader Completeness for leaders of later terms. */
static void commit_seen(sim *s, unsigned i, const raft_entry *e, const char *how)
{
    uint64_t payload = entry_payload(e);
    if (e->index <= s->n_committed) {
        committed_rec *c = &s->committed[e->index - 1];
        if (c->term != e->term || c->payload != payload)
            sim_failf(s, "state machine safety: node %u %s %llu/%llu payload %llu, but "
                      "term %llu payload %llu was committed there",
                      i + 1, how, (unsigned long long)e->term, (unsigned long long)e->index,
                      (unsigned long long)payload, (unsigned long long)c->term,
                      (unsigned long long)c->payload);
        return;
    }
    if (e->index != s->n_committed + 1) {
        sim_failf(s, "commit: node %u %s %llu with only %zu known committed", i + 1, how,
                  (unsigned long long)e->index, s->n_committed);
        return;
    }
    if (s->n_committed == s->cap_committed) {
        s->cap_committed = s->cap_committed ? 2 * s->cap_committed : 256;
        s->committed = sim_xrealloc(s->committed, s->cap_committed * sizeof *s->committed);
    }
    committed_rec *c = &s->committed[s->n_committed++];
    *c = (committed_rec){ e->term, payload, raft_term(s->nodes[i].r) };
    for (unsigned j = 0; j < sim_total(s); j++)
        check_leader_has(s, j, e->index, c);
    if (payload & SIM_CONF) {
        /* A removal committed is for good: that node never leads again. */
        raft_conf conf;
        size_t len;
        const void *data = sim_payload_data(s, &payload, &len);
        if (raft_conf_decode(data, len, &conf) != SS_OK || raft_conf_voters(&conf) == 0) {
            sim_failf(s, "membership: committed configuration %llu does not decode, or has no "
                      "voter", (unsigned long long)e->index);
            return;
        }
        s->conf_changes++;
        for (size_t k = 0; k < conf.n_removed; k++)
            if (conf.removed[k] <= SIM_MAX_NODES)
                s->retired[conf.removed[k]] = true;
    }
}

static void check_apply(sim *s, unsigned i, const raft_entry *e)
{
    node *nd = &s->nodes[i];
    if (e->index != nd->n_applied + 1) {
        sim_failf(s, "apply order: node %u applied %llu after %zu", i + 1,
                  (unsigned long long)e->index, nd->n_applied);
        return;
    }
    if (nd->n_applied == nd->cap_applied) {
        nd->cap_applied = nd->cap_applied ? 2 * nd->cap_applied : 64;
        nd->applied = sim_xrealloc(nd->applied, nd->cap_applied * sizeof *nd->applied);
    }
    nd->applied[nd->n_applied++] = (applied_rec){ e->index, e->term, entry_payload(e) };
    commit_seen(s, i, e, "applied");
}

/* State Machine Safety across InstallSnapshot: the snapshot is a committed
 * sequence, and what the node had applied is a prefix of it. */
void check_snapshot_installed(sim *s, unsigned i, const applied_rec *recs, size_t n)
{
    node *nd = &s->nodes[i];
    if (nd->n_applied > n)
        sim_failf(s, "snapshot: node %u installed snapshot %zu over %zu applied entries", i + 1, n,
                  nd->n_applied);
    for (size_t k = 0; k < n; k++) {
        uint64_t payload = recs[k].payload;
        raft_entry e = { recs[k].index, recs[k].term, RAFT_ENTRY_NORMAL,
                         payload ? &payload : NULL, payload ? sizeof payload : 0 };
        if (recs[k].index != k + 1) {
            sim_failf(s, "snapshot: node %u got record %llu at position %zu", i + 1,
                      (unsigned long long)recs[k].index, k + 1);
            return;
        }
        commit_seen(s, i, &e, "installed");
        if (k < nd->n_applied && memcmp(&nd->applied[k], &recs[k], sizeof recs[k]) != 0)
            sim_failf(s, "state machine safety: node %u had applied %llu/%llu payload %llu, its "
                      "snapshot holds %llu/%llu payload %llu", i + 1,
                      (unsigned long long)nd->applied[k].term, (unsigned long long)(k + 1),
                      (unsigned long long)nd->applied[k].payload,
                      (unsigned long long)recs[k].term, (unsigned long long)(k + 1),
                      (unsigned long long)recs[k].payload);
    }
}

/* A node's commit index is a claim that everything up to it is committed: check
 * it as soon as it is made, before any apply. */
static void check_commit_claims(sim *s)
{
    for (unsigned i = 0; i < sim_total(s); i++) {
        node *nd = &s->nodes[i];
        if (nd->r == NULL)
            continue;
        uint64_t c = raft_commit_index(nd->r);
        for (uint64_t k = nd->commit_checked + 1; k <= c; k++) {
            const raft_entry *e = raft_entry_at(nd->r, k);
            if (e != NULL)
                commit_seen(s, i, e, "claims committed");
        }
        nd->commit_checked = c;
    }
}

static void check_read_done(sim *s, unsigned i, const raft_read_result *rr)
{
    if (rr->ctx == 0 || rr->ctx > s->n_reads) {
        sim_failf(s, "reads: node %u got an answer for unknown read %llu", i + 1,
                  (unsigned long long)rr->ctx);
        return;
    }
    if (rr->status != SS_OK || s->read_done[rr->ctx - 1])
        return;
    s->read_done[rr->ctx - 1] = 1;
    s->reads_ok++;
    if (rr->index > s->read_max_index)
        s->read_max_index = rr->index;
    uint64_t need = s->read_need[rr->ctx - 1];
    if (rr->index < need)
        sim_failf(s, "linearizable read: read %llu at node %u got index %llu, but %llu was known "
                  "committed before it was issued",
                  (unsigned long long)rr->ctx, i + 1, (unsigned long long)rr->index,
                  (unsigned long long)need);
}

void check_read_issued(sim *s, uint64_t ctx)
{
    if (ctx > s->cap_reads) {
        s->cap_reads = s->cap_reads ? 2 * s->cap_reads : 256;
        s->read_need = sim_xrealloc(s->read_need, s->cap_reads * sizeof *s->read_need);
        s->read_done = sim_xrealloc(s->read_done, s->cap_reads);
    }
    s->read_need[ctx - 1] = s->n_committed;
    s->read_done[ctx - 1] = 0;
    s->n_reads = ctx;
}

/* ---- proposals: each is committed, or its leader says its outcome is unknown ---- */

void check_proposed(sim *s, unsigned i, uint64_t payload, uint64_t index)
{
    if (s->n_props == s->cap_props) {
        s->cap_props = s->cap_props ? 2 * s->cap_props : 64;
        s->props = sim_xrealloc(s->props, s->cap_props * sizeof *s->props);
    }
    s->props[s->n_props++] = (proposal){ payload, index, raft_term(s->nodes[i].r), i, false };
}

void check_crashed(sim *s, unsigned i)
{
    for (size_t k = 0; k < s->n_props; k++)
        if (s->props[k].node == i)
            s->props[k].lost = true; /* its clients saw the connection drop */
}

static void check_lost(sim *s, unsigned i, const raft_lost *l)
{
    for (size_t k = 0; k < s->n_props; k++) {
        proposal *p = &s->props[k];
        if (p->node == i && p->term == l->term && p->index >= l->first && p->index <= l->last)
            p->lost = true;
    }
}

static void check_proposals(sim *s)
{
    size_t kept = 0;
    for (size_t k = 0; k < s->n_props; k++) {
        proposal *p = &s->props[k];
        raft *r = s->nodes[p->node].r;
        bool committed = p->index <= s->n_committed &&
                         s->committed[p->index - 1].payload == p->payload;
        if (committed || p->lost)
            continue;
        if (r == NULL || raft_role_get(r) != RAFT_LEADER || raft_term(r) != p->term) {
            sim_failf(s, "lost proposal: node %u accepted payload %llu at %llu in term %llu, "
                      "stopped leading, and neither committed it nor reported it lost",
                      p->node + 1, (unsigned long long)p->payload, (unsigned long long)p->index,
                      (unsigned long long)p->term);
            continue;
        }
        s->props[kept++] = *p;
    }
    s->n_props = kept;
}

void check_ready(sim *s, unsigned i, const raft_ready *rd)
{
    for (size_t k = 0; k < rd->n_lost; k++)
        check_lost(s, i, &rd->lost[k]);
    raft *r = s->nodes[i].r;
    if (rd->truncate_from != 0 && raft_role_get(r) == RAFT_LEADER)
        sim_failf(s, "leader append-only: leader %u truncates its log from %llu", i + 1,
                  (unsigned long long)rd->truncate_from);
    for (size_t k = 0; k < rd->n_entries; k++) {
        const raft_entry *e = &rd->entries[k];
        const raft_entry *before = raft_entry_at(r, e->index - 1);
        uint64_t prev_term = e->index == 1 ? 0 : before != NULL ? before->term : UINT64_MAX;
        if (prev_term != UINT64_MAX)
            check_entry(s, i, e, prev_term);
    }
    for (size_t k = 0; k < rd->n_committed; k++)
        check_apply(s, i, &rd->committed[k]);
    for (size_t k = 0; k < rd->n_reads; k++)
        check_read_done(s, i, &rd->reads[k]);
}

/* The durability contract, seen from the wire: what a message claims is on disk. */
void check_sent(sim *s, unsigned i, const raft_msg *m)
{
    if (!s->contract_checks)
        return;
    node *nd = &s->nodes[i];
    uint64_t term_needed = m->term;
    if (m->type == RAFT_MSG_VOTE && m->pre_vote)
        term_needed = m->term - 1; /* a pre-vote asks about the next term */
    if (m->type == RAFT_MSG_VOTE_RESP && m->pre_vote && !m->reject)
        term_needed = 0;           /* a pre-vote grant carries the asked term */
    if (nd->disk_hs.term < term_needed)
        sim_failf(s, "durability: node %u sent %s in term %llu with term %llu on disk", i + 1,
                  raft_msg_type_name(m->type), (unsigned long long)m->term,
                  (unsigned long long)nd->disk_hs.term);
    if (m->type == RAFT_MSG_VOTE_RESP && !m->reject && !m->pre_vote &&
        (nd->disk_hs.term != m->term || nd->disk_hs.vote != m->to))
        sim_failf(s, "durability: node %u granted its vote to %llu for term %llu before "
                  "persisting it (disk: term %llu vote %llu)",
                  i + 1, (unsigned long long)m->to, (unsigned long long)m->term,
                  (unsigned long long)nd->disk_hs.term, (unsigned long long)nd->disk_hs.vote);
    /* An acknowledgement, or a snapshot refused as already held, claims a durable log. */
    if (((m->type == RAFT_MSG_APPEND_RESP && !m->reject) ||
         (m->type == RAFT_MSG_SNAPSHOT_RESP && m->reject)) && m->index > 0) {
        const raft_entry *e = raft_entry_at(nd->r, m->index);
        if (m->index > nd->disk_base + nd->n_disk ||
            (m->index > nd->disk_base && e != NULL &&
             nd->disk[m->index - nd->disk_base - 1].term != e->term))
            sim_failf(s, "durability: node %u acknowledged index %llu with %llu entries on disk",
                      i + 1, (unsigned long long)m->index,
                      (unsigned long long)(nd->disk_base + nd->n_disk));
    }
}

/* Does node j hold entry index of term durably (on disk, or in its installed snapshot)? */
static bool durable_at(const sim *s, unsigned j, uint64_t index, uint64_t term)
{
    const node *nd = &s->nodes[j];
    if (index <= nd->disk_base)
        return true;
    return index - nd->disk_base <= nd->n_disk && nd->disk[index - nd->disk_base - 1].term == term;
}

/* A learner never counted: whenever a leader's commit index moves to c, a
 * majority of the voters of its configuration hold entry c durably (the
 * leader itself only if it is one of them). */
static void check_commit_quorum(sim *s, unsigned i, uint64_t from, uint64_t to)
{
    raft *r = s->nodes[i].r;
    const raft_entry *e = raft_entry_at(r, to);
    if (e == NULL || to <= from)
        return;
    const raft_conf *conf = raft_conf_get(r, NULL, NULL);
    size_t voters = raft_conf_voters(conf), holding = 0;
    for (size_t k = 0; k < conf->n; k++) {
        const raft_member *m = &conf->members[k];
        if (m->role == RAFT_VOTER && m->id >= 1 && m->id <= sim_total(s) &&
            durable_at(s, (unsigned)m->id - 1, to, e->term))
            holding++;
    }
    if (holding < voters / 2 + 1)
        sim_failf(s, "membership: leader %u committed entry %llu (term %llu) held durably by %zu "
                  "of its %zu voters: not a majority (was a learner counted?)", i + 1,
                  (unsigned long long)to, (unsigned long long)e->term, holding, voters);
}

static void check_leaders(sim *s)
{
    for (unsigned i = 0; i < sim_total(s); i++) {
        node *nd = &s->nodes[i];
        if (nd->r == NULL || raft_role_get(nd->r) != RAFT_LEADER)
            continue;
        uint64_t term = raft_term(nd->r);
        if (term >= s->cap_terms) {
            size_t cap = s->cap_terms ? s->cap_terms : 64;
            while (cap <= term)
                cap *= 2;
            s->leader_of_term = sim_xrealloc(s->leader_of_term, cap * sizeof(uint64_t));
            memset(s->leader_of_term + s->cap_terms, 0, (cap - s->cap_terms) * sizeof(uint64_t));
            s->cap_terms = cap;
        }
        if (s->leader_of_term[term] != 0 && s->leader_of_term[term] != i + 1) {
            sim_failf(s, "election safety: nodes %llu and %u both lead term %llu",
                      (unsigned long long)s->leader_of_term[term], i + 1,
                      (unsigned long long)term);
            return;
        }
        uint64_t last = raft_last_index(nd->r), commit = raft_commit_index(nd->r);
        if (nd->lead_term == term) {
            check_commit_quorum(s, i, nd->lead_commit, commit);
            const raft_entry *e = raft_entry_at(nd->r, nd->lead_last);
            if (last < nd->lead_last || (e == NULL && nd->lead_last >= raft_first_index(nd->r)))
                sim_failf(s, "leader append-only: leader %u of term %llu lost entries "
                          "(last %llu, was %llu)", i + 1, (unsigned long long)term,
                          (unsigned long long)last, (unsigned long long)nd->lead_last);
        } else {
            /* A new leader: it must hold everything committed before its term,
             * and be a voter of the configuration it was elected under. */
            bool settled;
            const raft_conf *conf = raft_conf_get(nd->r, NULL, &settled);
            const raft_member *self = raft_conf_find(conf, i + 1);
            if ((self == NULL && settled) || (self != NULL && self->role != RAFT_VOTER))
                sim_failf(s, "membership: node %u leads term %llu but is no voter of its "
                          "configuration (nor leaving it)", i + 1, (unsigned long long)term);
            /* A stale leader may still lead the term it had; a node whose
             * removal was committed never wins another (thesis §4.2.3). */
            if (s->retired[i + 1])
                sim_failf(s, "membership: node %u won term %llu, after its removal was committed",
                          i + 1, (unsigned long long)term);
            s->leader_of_term[term] = i + 1;
            for (size_t k = 0; k < s->n_committed; k++)
                check_leader_has(s, i, k + 1, &s->committed[k]);
        }
        nd->lead_term = term;
        nd->lead_last = last;
        nd->lead_commit = commit;
    }
}

void check_after_event(sim *s)
{
    check_commit_claims(s);
    check_leaders(s);
    check_proposals(s);
    /* A read index must itself be committed (known once claims are checked). */
    if (s->read_max_index > s->n_committed)
        sim_failf(s, "linearizable read: answered with index %llu, only %zu committed",
                  (unsigned long long)s->read_max_index, s->n_committed);
    s->read_max_index = 0;
}

void check_release(sim *s)
{
    free(s->leader_of_term);
    free(s->committed);
    free(s->reg);
    free(s->read_need);
    free(s->read_done);
    free(s->props);
}

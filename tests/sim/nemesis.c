/* What happens to the simulated cluster: clients, faults (the nemesis), options drawn from a seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "sim/sim_int.h"

/* ---- clients ---- */

int sim_propose(sim *s, unsigned i, uint64_t *payload_out)
{
    raft *r = s->nodes[i].r;
    if (r == NULL)
        return SS_ECLOSED;
    uint64_t payload = ++s->next_payload, index;
    int rv = raft_propose(r, RAFT_ENTRY_NORMAL, &payload, sizeof payload, &index);
    if (rv == SS_ENOTLEADER && raft_leader(r) != 0 && s->nodes[raft_leader(r) - 1].r != NULL) {
        i = (unsigned)raft_leader(r) - 1; /* the server would forward it */
        r = s->nodes[i].r;
        rv = raft_propose(r, RAFT_ENTRY_NORMAL, &payload, sizeof payload, &index);
    }
    if (rv == SS_OK)
        check_proposed(s, i, payload, index);
    if (rv == SS_OK && payload_out != NULL)
        *payload_out = payload;
    sim_pump(s, i);
    return rv;
}

int sim_read(sim *s, unsigned i)
{
    raft *r = s->nodes[i].r;
    if (r == NULL)
        return SS_ECLOSED;
    uint64_t ctx = s->n_reads + 1;
    check_read_issued(s, ctx);
    int rv = raft_read_index(r, ctx);
    if (rv != SS_OK)
        s->read_done[ctx - 1] = 1; /* never answered: nothing to check */
    sim_pump(s, i);
    return rv;
}

uint64_t sim_reads_done(const sim *s)
{
    return s->reads_ok;
}

/* ---- faults ---- */

void sim_isolate(sim *s, unsigned i)
{
    for (unsigned k = 0; k < sim_total(s); k++)
        if (k != i)
            s->blocked[i][k] = s->blocked[k][i] = true;
}

void sim_block(sim *s, unsigned from, unsigned to)
{
    s->blocked[from][to] = true;
}

void sim_set_chaos(sim *s, bool on)
{
    s->chaos = on;
}

void sim_heal(sim *s)
{
    memset(s->blocked, 0, sizeof s->blocked);
    s->o.faults = (sim_faults){ .delay_min_ms = 1, .delay_max_ms = 5, .disk_min_ms = 1,
                                .disk_max_ms = 5 };
    s->chaos = false;
    for (unsigned i = 0; i < sim_total(s); i++) {
        /* Without pre-vote, a removed node that never learnt of its removal
         * campaigns in ever higher terms, and a voter as stale as it grants
         * it votes: no leader is elected while it runs (thesis §4.2.3, the
         * reason for pre-vote). So an operator stops a node once its removal
         * is committed; with pre-vote it may run on, and disrupts nobody. */
        if (!s->o.pre_vote && s->retired[i + 1]) {
            sim_crash(s, i);
            s->nodes[i].stopped = true;
        }
        sim_restart(s, i);
    }
}

/* ---- membership ---- */

int sim_change(sim *s, int op, unsigned i)
{
    int l = sim_leader(s);
    if (l < 0)
        return SS_ENOLEADER;
    char addr[16];
    snprintf(addr, sizeof addr, "n%u", i + 1);
    ss_errmsg err;
    uint64_t index;
    int rv = raft_change_conf(s->nodes[l].r, op, i + 1, addr, &index, err);
    if (s->o.verbose)
        fprintf(stderr, "%6llu ms  SIM     change %d of node %u at leader %d: %s\n",
                (unsigned long long)s->now, op, i + 1, l + 1, rv == SS_OK ? "proposed" : err);
    sim_pump(s, (unsigned)l);
    return rv;
}

unsigned sim_members(sim *s, unsigned *out, bool voters_only)
{
    int l = sim_leader(s);
    if (l < 0)
        return 0;
    const raft_conf *c = raft_conf_get(s->nodes[l].r, NULL, NULL);
    unsigned n = 0;
    for (size_t k = 0; k < c->n; k++)
        if ((!voters_only || c->members[k].role == RAFT_VOTER) && c->members[k].id <= sim_total(s))
            out[n++] = (unsigned)c->members[k].id - 1;
    return n;
}

uint64_t sim_conf_changes(const sim *s)
{
    return s->conf_changes;
}

/* The leader is asked to add a node, promote a learner or remove a member
 * (itself included), as an operator would; it refuses whatever breaks the
 * rules (a change pending, the last voter, an id removed before). */
static void member_change(sim *s)
{
    int l = sim_leader(s);
    if (l < 0)
        return;
    const raft_conf *c = raft_conf_get(s->nodes[l].r, NULL, NULL);
    unsigned outside[SIM_MAX_NODES], n_outside = 0, learners[SIM_MAX_NODES], n_learners = 0;
    for (unsigned i = 0; i < sim_total(s); i++) {
        const raft_member *m = raft_conf_find(c, i + 1);
        if (m == NULL && !raft_conf_removed(c, i + 1))
            outside[n_outside++] = i;
        else if (m != NULL && m->role == RAFT_LEARNER)
            learners[n_learners++] = i;
    }
    unsigned pick = sim_rnd(s, 10);
    if (pick < 4 && n_outside > 0)
        sim_change(s, sim_rnd(s, 2) ? RAFT_CONF_ADD : RAFT_CONF_ADD_LEARNER,
                   outside[sim_rnd(s, n_outside)]);
    else if (pick < 6 && n_learners > 0)
        sim_change(s, RAFT_CONF_PROMOTE, learners[sim_rnd(s, n_learners)]);
    else if (c->n > 0)
        sim_change(s, RAFT_CONF_REMOVE, (unsigned)c->members[sim_rnd(s, (unsigned)c->n)].id - 1);
}

void sim_chaos_step(sim *s)
{
    sim_faults *f = &s->o.faults;
    unsigned n = sim_total(s);
    if (sim_rnd(s, 10000) < f->crash_per_s) {
        unsigned i = sim_rnd(s, n);
        if (s->nodes[i].up) {
            sim_crash(s, i);
            sim_schedule(s, s->now + sim_rnd_range(s, 20, 10 * s->o.election_ms), EV_RESTART, i);
        }
    }
    /* Crashes in the middle of an InstallSnapshot transfer: the chunks received
     * are lost, and the leader must start over. */
    for (unsigned i = 0; i < n; i++) {
        if (s->nodes[i].up && s->nodes[i].n_snap_in > 0 && sim_rnd(s, 100) < f->crash_per_s / 10) {
            sim_crash(s, i);
            sim_schedule(s, s->now + sim_rnd_range(s, 5, 2 * s->o.election_ms), EV_RESTART, i);
        }
    }
    int l = sim_leader(s);
    if (l >= 0 && sim_rnd(s, 10000) < f->leader_crash_per_s) {
        /* short outages: the old leader is back, with its tail, for the next election */
        sim_crash(s, (unsigned)l);
        sim_schedule(s, s->now + sim_rnd_range(s, 5, 2 * s->o.election_ms), EV_RESTART, (unsigned)l);
    }
    if (sim_rnd(s, 10000) < f->partition_per_s) {
        switch (sim_rnd(s, 6)) {
        case 0:
        case 4:
            memset(s->blocked, 0, sizeof s->blocked);
            break;
        case 1:
            sim_isolate(s, sim_rnd(s, n));
            break;
        case 5: /* a leader cut off with its clients keeps appending: divergent tails */
            if (l >= 0)
                sim_isolate(s, (unsigned)l);
            break;
        case 2: { /* a random split into two sides */
            unsigned side = (unsigned)sim_rand(s);
            for (unsigned a = 0; a < n; a++)
                for (unsigned b = 0; b < n; b++)
                    s->blocked[a][b] = ((side >> a) & 1) != ((side >> b) & 1);
            break;
        }
        default:
            sim_block(s, sim_rnd(s, n), sim_rnd(s, n));
            break;
        }
    }
    l = sim_leader(s);
    if (l >= 0 && sim_rnd(s, 10000) < f->transfer_per_s) {
        raft_transfer_leadership(s->nodes[l].r, sim_rnd(s, n) + 1);
        sim_pump(s, (unsigned)l);
    }
    if (sim_rnd(s, 10000) < f->member_per_s)
        member_change(s);
}

/* Each node takes a snapshot at a random point of what it applied (its applied
 * sequence up to there) and drops the log before it from memory: followers
 * that fall behind a leader's compaction are brought back by InstallSnapshot. */
void sim_compact_logs(sim *s)
{
    for (unsigned i = 0; i < sim_total(s); i++) {
        raft *r = s->nodes[i].r;
        uint64_t applied = s->nodes[i].n_applied, keep = sim_rnd(s, s->o.compact_keep + 1);
        if (r == NULL || applied <= keep || sim_rnd(s, 2) == 0)
            continue;
        uint64_t upto = applied - keep;
        if (upto >= raft_first_index(r) && raft_compact(r, upto) != SS_OK)
            sim_failf(s, "compact: node %u refused to drop entries up to %llu", i + 1,
                      (unsigned long long)upto);
    }
}

void sim_options_calm(sim_options *o, unsigned n_nodes, uint64_t seed)
{
    memset(o, 0, sizeof *o);
    o->n_nodes = n_nodes;
    o->seed = seed;
    o->pre_vote = o->check_quorum = true;
    o->election_ms = 100;
    o->heartbeat_ms = 20;
    o->tick_ms = 10;
    o->max_append_entries = 4;
    o->max_inflight = 4;
    o->max_snapshot_chunk = 256;
    o->compact_keep = 1000; /* calm scenarios keep their logs */
    o->faults = (sim_faults){ .delay_min_ms = 1, .delay_max_ms = 5, .disk_min_ms = 1,
                              .disk_max_ms = 5 };
    o->verbose = getenv("SIM_VERBOSE") != NULL;
}

void sim_options_random(sim_options *o, unsigned n_nodes, uint64_t seed)
{
    sim_options_calm(o, n_nodes, seed);
    sim tmp = { .rng = seed * 0x2545F4914F6CDD1Dull + 1 }; /* its own stream */
    o->pre_vote = sim_rnd(&tmp, 3) != 0;     /* mostly on, as configured in production */
    o->check_quorum = sim_rnd(&tmp, 3) != 0;
    o->propose_every_ms = sim_rnd_range(&tmp, 5, 40);
    o->read_every_ms = sim_rnd_range(&tmp, 10, 60);
    o->max_append_entries = sim_rnd(&tmp, 2) == 0 ? 1 : sim_rnd_range(&tmp, 2, 8);
    o->max_inflight = sim_rnd_range(&tmp, 1, 4);
    o->max_snapshot_chunk = sim_rnd_range(&tmp, 20, 80) * 12; /* records split across chunks */
    o->compact_keep = sim_rnd(&tmp, 3) == 0 ? 200 : sim_rnd(&tmp, 16);
    sim_faults *f = &o->faults;
    f->loss_pct = sim_rnd(&tmp, 15);
    f->dup_pct = sim_rnd(&tmp, 10);
    f->delay_min_ms = sim_rnd_range(&tmp, 1, 5);
    f->delay_max_ms = f->delay_min_ms + sim_rnd(&tmp, sim_rnd(&tmp, 4) == 0 ? 200 : 30);
    f->disk_min_ms = sim_rnd_range(&tmp, 0, 5);
    f->disk_max_ms = f->disk_min_ms + sim_rnd(&tmp, sim_rnd(&tmp, 4) == 0 ? 150 : 20);
    f->crash_per_s = sim_rnd(&tmp, 300);
    f->leader_crash_per_s = sim_rnd(&tmp, 3) == 0 ? 0 : sim_rnd(&tmp, 500);
    f->partition_per_s = sim_rnd(&tmp, 800);
    f->transfer_per_s = sim_rnd(&tmp, 100);
    f->cut_leader_pct = sim_rnd(&tmp, 2) == 0 ? 0 : sim_rnd(&tmp, 60);
    /* Membership changes in every schedule, and spare nodes to add. */
    o->n_spare = n_nodes + 2 <= SIM_MAX_NODES ? 2 : SIM_MAX_NODES - n_nodes;
    f->member_per_s = sim_rnd_range(&tmp, 100, 600);
}

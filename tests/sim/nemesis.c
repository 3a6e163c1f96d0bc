/* What happens to the simulated cluster: clients, faults (the nemesis), options drawn from a seed. */
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
    for (unsigned k = 0; k < s->o.n_nodes; k++)
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
    for (unsigned i = 0; i < s->o.n_nodes; i++)
        sim_restart(s, i);
}

void sim_chaos_step(sim *s)
{
    sim_faults *f = &s->o.faults;
    unsigned n = s->o.n_nodes;
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
}

/* Each node takes a snapshot at a random point of what it applied (its applied
 * sequence up to there) and drops the log before it from memory: followers
 * that fall behind a leader's compaction are brought back by InstallSnapshot. */
void sim_compact_logs(sim *s)
{
    for (unsigned i = 0; i < s->o.n_nodes; i++) {
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
}

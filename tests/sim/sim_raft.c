/* The Raft core in simulated clusters: random faults over many seeds, and scripted scenarios.
 *
 *   SIM_SEED=1234 [SIM_NODES=3] ./tests/sim_raft      replay one seed (SIM_VERBOSE=1: full trace)
 *   SIM_SEEDS=N ./sim_raft                      N seeds per cluster size (soak)
 *   SIM_LONG=1 ./sim_raft                       20000 seeds per cluster size
 *   SIM_MAX_FAILURES=1                          stop at the first failing seed (default 3)
 *   SIM_NO_CONTRACT=1                           only the Raft safety properties, not the
 *                                               durability contract checked on the wire
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "sim/sim.h"

static uint64_t current_seed;
static unsigned current_nodes;

static void print_replay(FILE *f)
{
    fprintf(f, "  replay: SIM_SEED=%llu SIM_NODES=%u ./tests/sim_raft "
               "(SIM_VERBOSE=1 for the trace)\n",
            (unsigned long long)current_seed, current_nodes);
}

/* A broken invariant inside the core aborts: still say which seed did it. */
static void on_abort(int sig)
{
    fprintf(stderr, "sim: seed %llu (%u nodes) crashed with signal %d\n",
            (unsigned long long)current_seed, current_nodes, sig);
    print_replay(stderr);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Committed, and applied by a majority of the voters of the leader's
 * configuration (a far-behind node may still be catching up). */
static bool majority_applied(sim *s, uint64_t payload)
{
    unsigned voters[SIM_MAX_NODES], n = sim_members(s, voters, true), count = 0;
    for (unsigned k = 0; k < n; k++)
        count += sim_payload_applied(s, voters[k], payload);
    return n > 0 && count > n / 2;
}

/* Chaos for 3 s, then heal: a leader must be elected and a new proposal applied
 * on a majority within 2 s of simulated time. A proposal may be lost with its
 * leader's term, so the client proposes again every 200 ms, like a real one. */
static bool run_seed(unsigned n, uint64_t seed, char *why, size_t cap, uint64_t *reads,
                     uint64_t *commits, uint64_t *snapshots, uint64_t *changes)
{
    current_seed = seed;
    current_nodes = n;
    sim_options o;
    sim_options_random(&o, n, seed);
    sim *s = sim_new(&o);
    sim_set_chaos(s, true);
    bool ok = sim_run_until(s, 3000), live = false;
    if (ok) {
        sim_heal(s);
        uint64_t healed = sim_now(s), deadline = healed + 20 * o.election_ms, last_try = 0;
        uint64_t payloads[16];
        size_t n_payloads = 0, live_k = 0;
        while (ok && !live && sim_now(s) < deadline) {
            ok = sim_run_until(s, sim_now(s) + 10);
            int l = sim_leader(s);
            if (ok && l >= 0 && n_payloads < 16 && (n_payloads == 0 || sim_now(s) - last_try >= 200) &&
                sim_propose(s, (unsigned)l, &payloads[n_payloads]) == SS_OK) {
                n_payloads++;
                last_try = sim_now(s);
            }
            for (size_t k = 0; k < n_payloads && !live; k++)
                if ((live = majority_applied(s, payloads[k])))
                    live_k = k;
        }
        if (ok && !live)
            snprintf(why, cap, "liveness: %s within %u ms of healing",
                     n_payloads ? "no proposal applied on a majority" : "no leader accepted a proposal",
                     20 * o.election_ms);
        /* Then every member (learners too) catches up, by appends or
         * InstallSnapshot, however far behind the leader's compaction it
         * fell. Nodes outside the configuration are not waited for. */
        enum { ALL_CAUGHT_UP = SIM_MAX_NODES, NO_LEADER = SIM_MAX_NODES + 1 };
        unsigned behind = NO_LEADER;
        for (deadline = sim_now(s) + 20 * o.election_ms; ok && live && behind != ALL_CAUGHT_UP;) {
            unsigned members[SIM_MAX_NODES], nm = sim_members(s, members, false);
            behind = nm > 0 ? ALL_CAUGHT_UP : NO_LEADER; /* no leader for a moment: look again */
            for (unsigned k = 0; k < nm; k++)
                if (!sim_payload_applied(s, members[k], payloads[live_k]))
                    behind = members[k];
            if (behind == NO_LEADER && sim_now(s) >= deadline) {
                snprintf(why, cap, "liveness: no leader within %u ms", 20 * o.election_ms);
                live = false;
            } else if (behind < SIM_MAX_NODES && sim_now(s) >= deadline) {
                snprintf(why, cap, "liveness: node %u did not catch up within %u ms", behind + 1,
                         20 * o.election_ms);
                live = false;
            } else if (behind != ALL_CAUGHT_UP) {
                ok = sim_run_until(s, sim_now(s) + 10);
            }
        }
    }
    if (!ok)
        snprintf(why, cap, "%s", sim_failure(s));
    *reads += sim_reads_done(s);
    *commits += sim_max_applied(s);
    *snapshots += sim_snapshots_installed(s);
    *changes += sim_conf_changes(s);
    sim_free(s);
    return ok && live;
}

static void run_seeds(unsigned n, uint64_t first, uint64_t count)
{
    const char *one = getenv("SIM_SEED"), *nodes = getenv("SIM_NODES");
    if (nodes != NULL && (unsigned)atoi(nodes) != n)
        return;
    if (one != NULL) {
        first = strtoull(one, NULL, 10);
        count = 1;
    } else if (getenv("SIM_SEEDS") != NULL) {
        count = strtoull(getenv("SIM_SEEDS"), NULL, 10);
    } else if (getenv("SIM_LONG") != NULL) {
        count = 20000;
    }
    uint64_t max_failures = getenv("SIM_MAX_FAILURES") ? strtoull(getenv("SIM_MAX_FAILURES"), NULL, 10) : 3;
    signal(SIGABRT, on_abort);
    signal(SIGSEGV, on_abort);
    uint64_t reads = 0, commits = 0, snapshots = 0, changes = 0, failed = 0, ran = 0;
    for (uint64_t seed = first; seed < first + count; seed++) {
        char why[600] = "";
        ran++;
        if (!run_seed(n, seed, why, sizeof why, &reads, &commits, &snapshots, &changes)) {
            fprintf(stderr, "sim: seed %llu (%u nodes) FAILED: %s\n", (unsigned long long)seed, n,
                    why);
            print_replay(stderr);
            if (++failed == max_failures)
                break;
        }
    }
    fprintf(stderr, "sim: %u nodes: %llu seeds, %llu entries committed, %llu reads checked, "
            "%llu snapshots installed, %llu configuration changes committed, %llu failed\n",
            n, (unsigned long long)ran, (unsigned long long)commits, (unsigned long long)reads,
            (unsigned long long)snapshots, (unsigned long long)changes,
            (unsigned long long)failed);
    cr_expect_eq(failed, 0, "%llu of the seeds failed (see above)", (unsigned long long)failed);
    /* A simulator whose reads never complete checks nothing about them. */
    cr_expect(count < 20 || reads > count, "only %llu linearizable reads completed",
              (unsigned long long)reads);
    /* Nor does one that never brings a follower back by InstallSnapshot. */
    cr_expect(count < 20 || snapshots > count / 20, "only %llu snapshots installed",
              (unsigned long long)snapshots);
    /* Nor one whose configuration never changes about anything. */
    cr_expect(count < 20 || changes > count, "only %llu configuration changes committed",
              (unsigned long long)changes);
}

Test(sim, three_node_clusters_stay_safe_and_live_under_random_faults, .timeout = 600)
{
    run_seeds(3, 1, 10000);
}

Test(sim, five_node_clusters_stay_safe_and_live_under_random_faults, .timeout = 600)
{
    run_seeds(5, 100001, 5000);
}

/* Scripted scenarios in a calm simulated cluster: one behaviour each. */
#include <criterion/criterion.h>

#include "common/error.h"
#include "sim/sim.h"

static sim *calm(unsigned n, uint64_t seed)
{
    sim_options o;
    sim_options_calm(&o, n, seed);
    return sim_new(&o);
}

static void run(sim *s, uint64_t until)
{
    cr_assert(sim_run_until(s, until), "%s", sim_failure(s));
}

static bool applied_everywhere(sim *s, unsigned n, uint64_t payload)
{
    for (unsigned i = 0; i < n; i++)
        if (!sim_payload_applied(s, i, payload))
            return false;
    return true;
}

Test(sim_scenario, a_calm_cluster_elects_one_leader_and_commits)
{
    sim *s = calm(3, 7);
    run(s, 1000);
    int l = sim_leader(s);
    cr_assert_geq(l, 0);
    uint64_t p;
    cr_assert_eq(sim_propose(s, (unsigned)l, &p), SS_OK);
    run(s, 1200);
    cr_expect(applied_everywhere(s, 3, p));
    sim_free(s);
}

Test(sim_scenario, an_isolated_leader_steps_down_and_the_majority_moves_on)
{
    sim *s = calm(5, 11);
    run(s, 1000);
    int old = sim_leader(s);
    cr_assert_geq(old, 0);
    uint64_t old_term = raft_term(sim_raft(s, (unsigned)old));
    sim_isolate(s, (unsigned)old);
    run(s, 2000);
    cr_expect_neq(raft_role_get(sim_raft(s, (unsigned)old)), RAFT_LEADER,
                  "check-quorum should have made the isolated leader step down");
    int l = sim_leader(s);
    cr_assert_geq(l, 0);
    cr_expect_neq(l, old);
    cr_expect_gt(raft_term(sim_raft(s, (unsigned)l)), old_term);
    sim_free(s);
}

Test(sim_scenario, a_rejoining_partitioned_follower_does_not_disrupt_the_leader)
{
    sim *s = calm(3, 5);
    run(s, 1000);
    int l = sim_leader(s);
    cr_assert_geq(l, 0);
    unsigned f = ((unsigned)l + 1) % 3;
    uint64_t term = raft_term(sim_raft(s, (unsigned)l));
    sim_isolate(s, f);
    run(s, 3000); /* many election timeouts: pre-vote keeps its term from growing */
    cr_expect_eq(raft_term(sim_raft(s, f)), term);
    sim_heal(s);
    run(s, 4000);
    cr_expect_eq(sim_leader(s), l);
    cr_expect_eq(raft_term(sim_raft(s, (unsigned)l)), term);
    sim_free(s);
}

Test(sim_scenario, leadership_transfer_hands_over_to_the_target)
{
    sim *s = calm(3, 9);
    run(s, 1000);
    int l = sim_leader(s);
    cr_assert_geq(l, 0);
    unsigned target = ((unsigned)l + 2) % 3;
    cr_assert_eq(raft_transfer_leadership(sim_raft(s, (unsigned)l), target + 1), SS_OK);
    run(s, 1100); /* well under an election timeout of 100-200 ms after it */
    cr_expect_eq(sim_leader(s), (int)target);
    sim_free(s);
}

Test(sim_scenario, reads_at_followers_complete_through_the_leader)
{
    sim *s = calm(3, 3);
    run(s, 1000);
    int l = sim_leader(s);
    cr_assert_geq(l, 0);
    for (unsigned i = 0; i < 3; i++)
        cr_assert_eq(sim_read(s, i), SS_OK);
    run(s, 1200);
    cr_expect_eq(sim_reads_done(s), 3);
    sim_free(s);
}

Test(sim_scenario, a_whole_cluster_restart_keeps_every_committed_entry)
{
    sim *s = calm(3, 13);
    run(s, 1000);
    uint64_t p[10];
    for (int k = 0; k < 10; k++)
        cr_assert_eq(sim_propose(s, (unsigned)sim_leader(s), &p[k]), SS_OK);
    run(s, 1200);
    cr_assert(applied_everywhere(s, 3, p[9]));
    for (unsigned i = 0; i < 3; i++)
        sim_crash(s, i);
    sim_heal(s);
    run(s, 2500);
    int l = sim_leader(s);
    cr_assert_geq(l, 0);
    uint64_t q;
    cr_assert_eq(sim_propose(s, (unsigned)l, &q), SS_OK);
    run(s, 2700);
    cr_expect(applied_everywhere(s, 3, q));
    /* q applied in order after them everywhere: nothing committed was lost (and
     * the simulator checked every node applied the same entries at each index). */
    for (unsigned i = 0; i < 3; i++)
        cr_expect_gt(sim_applied(s, i), 11);
    sim_free(s);
}

/* A follower cut off while the leader compacts its log is brought back by
 * InstallSnapshot, then by appends; after a crash it restarts from the snapshot. */
Test(sim_scenario, a_follower_behind_the_leaders_compaction_catches_up_by_snapshot)
{
    sim *s = calm(3, 17);
    run(s, 1000);
    int l = sim_leader(s);
    cr_assert_geq(l, 0);
    unsigned f = ((unsigned)l + 1) % 3;
    sim_isolate(s, f);
    uint64_t p = 0;
    for (int k = 0; k < 40; k++) {
        cr_assert_eq(sim_propose(s, (unsigned)l, &p), SS_OK);
        run(s, sim_now(s) + 5);
    }
    run(s, sim_now(s) + 200);
    cr_assert(sim_payload_applied(s, (unsigned)l, p));
    raft *lr = sim_raft(s, (unsigned)l);
    cr_assert_eq(raft_compact(lr, sim_applied(s, (unsigned)l)), SS_OK);
    cr_assert_gt(raft_first_index(lr), raft_last_index(sim_raft(s, f)) + 1,
                 "the follower now needs entries the leader dropped");
    sim_heal(s);
    run(s, sim_now(s) + 1000);
    cr_expect_geq(sim_snapshots_installed(s), 1);
    cr_expect(sim_payload_applied(s, f, p), "the snapshot brought the follower's state up to date");
    cr_expect_gt(raft_first_index(sim_raft(s, f)), 40, "its log starts after the snapshot");

    uint64_t q;
    l = sim_leader(s);
    cr_assert_geq(l, 0);
    cr_assert_eq(sim_propose(s, (unsigned)l, &q), SS_OK);
    run(s, sim_now(s) + 200);
    cr_expect(applied_everywhere(s, 3, q), "appends follow the snapshot");

    sim_crash(s, f);
    sim_restart(s, f);
    cr_expect_gt(raft_first_index(sim_raft(s, f)), 40, "it restarts from its snapshot");
    cr_assert_eq(sim_propose(s, (unsigned)l, &q), SS_OK);
    run(s, sim_now(s) + 500);
    cr_expect(applied_everywhere(s, 3, q));
    sim_free(s);
}

static unsigned voters(sim *s)
{
    unsigned out[SIM_MAX_NODES];
    return sim_members(s, out, true);
}

/* Grow 3 -> 4 by a learner, promote it, remove the leader itself; the learner's and the
 * remaining voters' configuration survives a compaction and a restart. */
Test(sim_scenario, a_cluster_grows_by_a_learner_promotes_it_and_removes_its_leader)
{
    sim_options o;
    sim_options_calm(&o, 3, 19);
    o.n_spare = 1; /* node index 3 (id 4) starts outside the configuration */
    sim *s = sim_new(&o);
    run(s, 1000);
    int l = sim_leader(s);
    cr_assert_geq(l, 0);
    uint64_t p;
    cr_assert_eq(sim_propose(s, (unsigned)l, &p), SS_OK);
    run(s, 1200);

    cr_assert_eq(sim_change(s, RAFT_CONF_ADD_LEARNER, 3), SS_OK);
    cr_expect_eq(sim_change(s, RAFT_CONF_PROMOTE, 3), SS_EBUSY, "one change at a time");
    run(s, 1500);
    cr_expect(sim_payload_applied(s, 3, p), "the learner got the log");
    cr_expect_eq(voters(s), 3);
    cr_expect_eq(raft_role_get(sim_raft(s, 3)), RAFT_FOLLOWER);

    cr_assert_eq(sim_change(s, RAFT_CONF_PROMOTE, 3), SS_OK);
    run(s, 1800);
    cr_expect_eq(voters(s), 4);

    uint64_t old_term = raft_term(sim_raft(s, (unsigned)l));
    cr_assert_eq(sim_change(s, RAFT_CONF_REMOVE, (unsigned)l), SS_OK);
    run(s, 2500);
    int nl = sim_leader(s);
    cr_assert_geq(nl, 0);
    cr_expect_neq(nl, l, "the removed leader stepped down");
    cr_expect_gt(raft_term(sim_raft(s, (unsigned)nl)), old_term);
    cr_expect_eq(voters(s), 3);
    uint64_t q;
    cr_assert_eq(sim_propose(s, (unsigned)nl, &q), SS_OK);
    run(s, 2800);
    for (unsigned i = 0; i < 4; i++)
        if (i != (unsigned)l)
            cr_expect(sim_payload_applied(s, i, q), "node %u applied the write", i + 1);
    cr_expect_not(sim_payload_applied(s, (unsigned)l, q), "the removed node gets no more entries");
    cr_expect_neq(raft_role_get(sim_raft(s, (unsigned)l)), RAFT_LEADER);

    raft *r4 = sim_raft(s, 3);
    cr_assert_eq(raft_compact(r4, sim_applied(s, 3)), SS_OK);
    sim_crash(s, 3);
    sim_restart(s, 3);
    const raft_member *m = raft_conf_find(raft_conf_get(sim_raft(s, 3), NULL, NULL), 4);
    cr_assert_not_null(m, "node 4 restarts knowing it is a member");
    cr_expect_eq(m->role, RAFT_VOTER);
    /* Node 4 may have been the new leader: whoever leads after its restart
     * takes the write (the two others elect one without it if need be). */
    run(s, 3300);
    nl = sim_leader(s);
    cr_assert_geq(nl, 0);
    cr_assert_eq(sim_propose(s, (unsigned)nl, &q), SS_OK);
    run(s, 3800);
    cr_expect(sim_payload_applied(s, 3, q));
    sim_free(s);
}

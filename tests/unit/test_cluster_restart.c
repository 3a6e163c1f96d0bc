/* Restart reconciliation: a node opens its log and a state machine that is behind it, ahead of it, or gone. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit/test_cluster_util.h"

static uv_loop_t loop;
static char dir[256];
static tc_node node;

static void setup(void)
{
    uv_loop_init(&loop);
    tc_dir_make(dir, sizeof dir);
    tc_node_init(&node, &loop, dir, "");
}

static void teardown(void)
{
    tc_node_release(&node);
    cr_expect_eq(uv_loop_close(&loop), 0, "every handle is closed");
    tc_dir_remove(dir);
}

TestSuite(cluster_restart, .init = setup, .fini = teardown, .timeout = 120);

static void snapshot_file(uint64_t index, uint64_t term, uint64_t digest)
{
    char path[512];
    snprintf(path, sizeof path, "%s/snapshots", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/snapshots/%llu-%llu.snap", dir, (unsigned long long)index,
             (unsigned long long)term);
    cr_assert_eq(fake_snap_write(path, index, term, digest, 16), SS_OK);
}

static bool exists(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/snapshots/%s", dir, name);
    return access(path, F_OK) == 0;
}

static void open_ok(void)
{
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_OK, "%s", err);
}

static void expect_log(uint64_t first, uint64_t last)
{
    cr_expect_eq(tc_info(&node, "raft_log_first_index"), (long long)first, "log starts at %llu",
                 (unsigned long long)first);
    cr_expect_eq(tc_info(&node, "raft_log_last_index"), (long long)last, "log ends at %llu",
                 (unsigned long long)last);
}

/* Starts the one-member cluster and waits until it has applied through index. */
static void run_until_applied(uint64_t index)
{
    tc_node_start(&node);
    cr_assert(TC_WAIT(&loop, node.sm.applied >= index, 30000), "applied %llu, want %llu",
              (unsigned long long)node.sm.applied, (unsigned long long)index);
}

Test(cluster_restart, a_state_within_the_log_applies_the_entries_after_it_again)
{
    tc_log_write(&loop, dir, 0, 0, 10, 2);
    node.sm.applied = 4;
    node.sm.applied_term = 2;
    open_ok();
    expect_log(1, 10);
    cr_expect_eq(node.sm.stage_calls, 0, "no snapshot is loaded");
    run_until_applied(11); /* 5..10, then the new leader's no-op */
    cr_expect_eq(node.sm.commands, 6, "entries 5..10 are applied, each once");
    cr_expect_eq(node.fatal_count, 0);
}

Test(cluster_restart, a_state_behind_the_log_start_is_rebuilt_from_the_newest_snapshot)
{
    tc_log_write(&loop, dir, 20, 2, 30, 2);
    snapshot_file(20, 2, 111);
    snapshot_file(25, 2, 222);
    node.sm.applied = 3; /* a machine crash lost LevelDB's last writes */
    node.sm.applied_term = 1;
    open_ok();
    cr_expect_eq(node.sm.stage_calls, 1);
    cr_expect_eq(node.sm.adopt_calls, 1);
    cr_expect(strstr(node.sm.staged_path, "/snapshots/25-2.snap") != NULL, "staged %s",
              node.sm.staged_path);
    cr_expect_eq(node.sm.applied, 25);
    cr_expect_eq(node.sm.digest, 222);
    expect_log(21, 30);
    cr_expect_eq(tc_info(&node, "raft_snapshot_index"), 25);
    run_until_applied(31);
    cr_expect_eq(node.sm.commands, 5, "entries 26..30 are applied after the snapshot");
}

Test(cluster_restart, a_lost_state_directory_is_rebuilt_from_the_snapshot_at_the_log_base)
{
    tc_log_write(&loop, dir, 20, 2, 24, 2);
    snapshot_file(20, 2, 333);
    open_ok(); /* the fake starts empty: applied 0, as a new LevelDB would */
    cr_expect_eq(node.sm.stage_calls, 1);
    cr_expect_eq(node.sm.applied, 20);
    cr_expect_eq(node.sm.digest, 333);
    expect_log(21, 24);
    run_until_applied(25);
}

Test(cluster_restart, a_state_behind_the_log_with_no_snapshot_to_cover_the_gap_refuses_to_start)
{
    tc_log_write(&loop, dir, 20, 2, 30, 2);
    snapshot_file(10, 1, 1); /* older than the log's base: entries 11..20 are gone */
    node.sm.applied = 3;
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_ECORRUPT);
    cr_expect(strstr(err, "the entries in between are gone") != NULL, "%s", err);
    cr_expect_eq(node.sm.stage_calls, 0);
}

Test(cluster_restart, a_damaged_snapshot_needed_to_rebuild_the_state_refuses_to_start)
{
    tc_log_write(&loop, dir, 20, 2, 30, 2);
    snapshot_file(20, 2, 1);
    atomic_store(&node.sm.fail_stage, SS_ECORRUPT);
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_ECORRUPT);
    cr_expect(strstr(err, "load snapshot") != NULL && strstr(err, "20-2.snap") != NULL, "%s", err);
}

Test(cluster_restart, a_state_ahead_of_the_log_resets_the_log_to_start_after_it)
{
    /* An install switched the state (its commit point) and the process died
     * before the log was reset. */
    tc_log_write(&loop, dir, 0, 0, 10, 2);
    node.sm.applied = 50;
    node.sm.applied_term = 3;
    open_ok();
    cr_expect_eq(node.sm.stage_calls, 0);
    expect_log(51, 50);
    run_until_applied(51); /* the next leader's no-op follows the state */
    tc_node_close(&node);
    uint64_t first, last;
    tc_log_bounds(&loop, dir, &first, &last);
    cr_expect_eq(first, 51, "the log on disk starts after the state");
    cr_expect_eq(last, 51);
}

Test(cluster_restart, a_state_ahead_of_the_log_takes_the_term_from_its_snapshot_file_if_unrecorded)
{
    tc_log_write(&loop, dir, 0, 0, 10, 2);
    snapshot_file(50, 3, 7);
    node.sm.applied = 50; /* a store of an older version: no term recorded */
    open_ok();
    expect_log(51, 50);
    run_until_applied(51);
}

Test(cluster_restart, a_state_ahead_of_the_log_with_an_unknown_term_refuses_to_start)
{
    tc_log_write(&loop, dir, 0, 0, 10, 2);
    node.sm.applied = 50;
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_ECORRUPT);
    cr_expect(strstr(err, "the term of entry 50 is not known") != NULL, "%s", err);
}

Test(cluster_restart, a_state_whose_term_disagrees_with_the_log_resets_the_log)
{
    tc_log_write(&loop, dir, 0, 0, 10, 2);
    node.sm.applied = 8;
    node.sm.applied_term = 3; /* the snapshot's entry 8 is of term 3, the log's of term 2 */
    open_ok();
    expect_log(9, 8);
    run_until_applied(9);
    cr_expect_eq(node.sm.commands, 0, "nothing of the old log is applied");
}

Test(cluster_restart, leftovers_are_removed_and_a_snapshot_whose_header_disagrees_is_ignored)
{
    tc_log_write(&loop, dir, 0, 0, 40, 2);
    snapshot_file(20, 2, 1);
    char path[512];
    snprintf(path, sizeof path, "%s/snapshots/30-2.snap", dir);
    cr_assert_eq(fake_snap_write(path, 29, 2, 1, 0), SS_OK); /* named 30, holds 29 */
    snprintf(path, sizeof path, "%s/snapshots/35-2.snap.tmp", dir);
    cr_assert_eq(fake_snap_write(path, 35, 2, 1, 0), SS_OK);
    snprintf(path, sizeof path, "%s/snapshots/incoming.tmp", dir);
    cr_assert_eq(fake_snap_write(path, 36, 2, 1, 0), SS_OK);
    node.sm.applied = 40;
    node.sm.applied_term = 2;
    open_ok();
    cr_expect(!exists("35-2.snap.tmp") && !exists("incoming.tmp"), "leftovers are removed");
    cr_expect(exists("30-2.snap"), "a file not understood is left alone");
    cr_expect_eq(tc_info(&node, "raft_snapshot_index"), 20, "the newest good snapshot counts");
    expect_log(1, 40);
}

/* The state machine recorded a configuration: voters 1 and 9, learner 5. */
static void record_conf(void)
{
    raft_conf conf = {.n = 3};
    conf.members[0] = (raft_member){.id = 1, .role = RAFT_VOTER};
    conf.members[1] = (raft_member){.id = 9, .role = RAFT_VOTER};
    conf.members[2] = (raft_member){.id = 5, .role = RAFT_LEARNER};
    strcpy(conf.members[0].addr, "127.0.0.1:7001");
    strcpy(conf.members[1].addr, "127.0.0.1:7009");
    strcpy(conf.members[2].addr, "127.0.0.1:7005");
    cr_assert_eq(raft_conf_encode(&conf, node.sm.conf, sizeof node.sm.conf, &node.sm.conf_len), SS_OK);
}

Test(cluster_restart, the_configuration_the_state_machine_recorded_is_in_effect_again)
{
    tc_log_write(&loop, dir, 0, 0, 10, 2);
    node.sm.applied = 10;
    node.sm.applied_term = 2;
    record_conf();
    open_ok();
    /* Before, the bootstrap configuration (this node alone) came back. */
    cr_expect_eq(tc_info(&node, "raft_voters"), 2, "voters 1 and 9, as recorded");
    cr_expect_eq(tc_info(&node, "raft_learners"), 1, "learner 5, as recorded");
}

Test(cluster_restart, without_a_recorded_configuration_the_bootstrap_one_is_in_effect)
{
    tc_log_write(&loop, dir, 0, 0, 10, 2);
    node.sm.applied = 10;
    node.sm.applied_term = 2;
    open_ok();
    cr_expect_eq(tc_info(&node, "raft_voters"), 1, "this node alone (no peers)");
    cr_expect_eq(tc_info(&node, "raft_learners"), 0);
    run_until_applied(11); /* it leads itself */
}

/* --- the peers follow the restored configuration, not the peers directive --- */

static tc_peer fake4;

static void setup_bare(void)
{
    uv_loop_init(&loop);
    tc_dir_make(dir, sizeof dir);
}

static void teardown_peers(void)
{
    tc_peer_close(&fake4);
    teardown();
}

TestSuite(cluster_restart_members, .init = setup_bare, .fini = teardown_peers, .timeout = 120);

Test(cluster_restart_members, a_restored_configuration_decides_which_peers_are_dialled)
{
    int port = tc_free_port();
    memset(&fake4, 0, sizeof fake4);
    tc_peer_start(&fake4, &loop, 4, port);
    int port2 = tc_free_port(), port3 = tc_free_port();
    char text[1024];
    snprintf(text, sizeof text,
             "peers 1@127.0.0.1:%d,2@127.0.0.1:%d,3@127.0.0.1:%d\nraft-port %d\n"
             "election-timeout 200\nheartbeat-interval 20\n",
             port, port2, port3, port);
    tc_node_init(&node, &loop, dir, text);
    /* Node 3 was removed and node 4 added since the cluster was bootstrapped. */
    raft_conf conf = {.n = 3, .n_removed = 1, .removed = {3}};
    conf.members[0] = (raft_member){.id = 1, .role = RAFT_VOTER};
    conf.members[1] = (raft_member){.id = 2, .role = RAFT_VOTER};
    conf.members[2] = (raft_member){.id = 4, .role = RAFT_VOTER};
    snprintf(conf.members[0].addr, sizeof conf.members[0].addr, "127.0.0.1:%d", port);
    snprintf(conf.members[1].addr, sizeof conf.members[1].addr, "127.0.0.1:%d", port2);
    snprintf(conf.members[2].addr, sizeof conf.members[2].addr, "127.0.0.1:%d", fake4.port);
    cr_assert_eq(raft_conf_encode(&conf, node.sm.conf, sizeof node.sm.conf, &node.sm.conf_len), SS_OK);
    tc_log_write(&loop, dir, 0, 0, 10, 2);
    node.sm.applied = 10;
    node.sm.applied_term = 2;
    open_ok();
    cr_expect_eq(tc_info(&node, "raft_peer_4"), 0, "node 4 is a peer");
    cr_expect_eq(tc_info(&node, "raft_peer_3"), -1, "node 3 is not");
    cr_expect_eq(tc_info(&node, "raft_peer_2"), 0, "node 2 still is");
    tc_node_start(&node);
    cr_assert(TC_WAIT(&loop, fake4.info, 30000), "node 1 dials node 4, which `peers` does not name");
}

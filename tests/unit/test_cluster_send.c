/* Sending snapshots: a leader whose follower (a fake, over a real transport) reports a snapshot it could not install. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit/test_cluster_util.h"

/*
 * Node 1 is the ss_cluster under test, one of three voters; its log starts
 * after a snapshot at 50 (50-1.snap) and holds 51..60. The test plays node 2:
 * it votes for node 1, answers every append "my log is empty" (so node 1
 * must send it the snapshot), and answers every snapshot chunk as received.
 */

static uv_loop_t loop;
static char dir[256];
static tc_node node;
static tc_peer follower;

static void follower_answers(tc_peer *p, const raft_msg *m)
{
    raft_msg r = {.from = 2, .to = 1, .term = m->term};
    switch (m->type) {
    case RAFT_MSG_VOTE:
        r.type = RAFT_MSG_VOTE_RESP;
        r.pre_vote = m->pre_vote;
        break;
    case RAFT_MSG_APPEND:
        r.type = RAFT_MSG_APPEND_RESP;
        r.reject = true;
        r.index = m->prev_index;
        r.hint_index = 1; /* empty: it needs everything from index 1 */
        break;
    case RAFT_MSG_SNAPSHOT:
        r.type = RAFT_MSG_SNAPSHOT_RESP;
        r.snap_index = m->snap_index;
        r.snap_term = m->snap_term;
        r.index = m->offset;
        r.offset = m->offset + m->len;
        break;
    default:
        return;
    }
    tc_peer_send(p, &r);
}

static void setup(void)
{
    uv_loop_init(&loop);
    tc_dir_make(dir, sizeof dir);
    tc_log_write(&loop, dir, 50, 1, 60, 1);
    char path[512];
    snprintf(path, sizeof path, "%s/snapshots", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/snapshots/50-1.snap", dir);
    cr_assert_eq(fake_snap_write(path, 50, 1, 5050, 16), SS_OK);

    int port = tc_free_port();
    memset(&follower, 0, sizeof follower);
    follower.on_raft = follower_answers;
    tc_peer_start(&follower, &loop, 2, port);
    char text[1024];
    snprintf(text, sizeof text,
             "peers 1@127.0.0.1:%d,2@127.0.0.1:%d,3@127.0.0.1:%d\nraft-port %d\n"
             "election-timeout 200\nheartbeat-interval 20\n",
             port, follower.port, tc_free_port(), port);
    tc_node_init(&node, &loop, dir, text);
    node.sm.applied = 60;
    node.sm.applied_term = 1;
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_OK, "%s", err);
    tc_node_start(&node);
    cr_assert(TC_WAIT(&loop, node.leader_id == 1, 30000), "node 1 leads with node 2's vote");
    cr_assert(TC_WAIT(&loop, follower.snapshots > 0, 30000), "node 1 sends node 2 its snapshot");
    cr_expect_eq(follower.snapshot.snap_index, 50);
}

static void teardown(void)
{
    tc_node_release(&node);
    tc_peer_close(&follower);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&loop), 0, "every handle is closed");
    tc_dir_remove(dir);
}

TestSuite(cluster_send, .init = setup, .fini = teardown, .timeout = 120);

static bool file_exists(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/snapshots/%s", dir, name);
    return access(path, F_OK) == 0;
}

Test(cluster_send, a_file_a_follower_found_damaged_is_not_sent_again_and_a_fresh_snapshot_replaces_it)
{
    tc_peer_report(&follower, 50, 1, SS_ECORRUPT, "crc mismatch");
    cr_assert(TC_WAIT(&loop, tc_info(&node, "raft_snapshot_peer_reports") == 1, 30000));
    cr_assert(TC_WAIT(&loop, follower.snapshot.snap_index > 50, 30000),
              "node 2 is offered a new snapshot");
    uint64_t fresh = follower.snapshot.snap_index;
    cr_expect_eq(fresh, 60, "taken at node 1's applied index (its no-op cannot commit)");
    cr_expect_geq(node.sm.begin_calls, 1, "a fresh snapshot was taken");
    cr_expect_eq(tc_info(&node, "raft_log_first_index"), (long long)fresh + 1,
                 "the log's base moved to it at once");
    cr_expect_eq(tc_info(&node, "raft_snapshot_base_suspect"), 0);
    cr_assert(TC_WAIT(&loop, !file_exists("50-1.snap"), 30000), "the damaged file goes");
    cr_expect_eq(node.fatal_count, 0);
}

Test(cluster_send, after_any_other_failure_the_same_snapshot_is_offered_again_later)
{
    int before = follower.snapshots;
    tc_peer_report(&follower, 50, 1, SS_ENOMEM, "no memory to stage it");
    cr_assert(TC_WAIT(&loop, tc_info(&node, "raft_snapshot_peer_reports") == 1, 30000));
    cr_assert(TC_WAIT(&loop, follower.snapshots > before && follower.snapshot.offset == 0, 30000),
              "the transfer starts over");
    cr_expect_eq(follower.snapshot.snap_index, 50, "the same file: nothing is wrong with it");
    cr_expect_eq(node.sm.begin_calls, 0, "no snapshot is taken for it");
    cr_expect_eq(tc_info(&node, "raft_snapshot_base_suspect"), 0);
    cr_expect(file_exists("50-1.snap"));
}

Test(cluster_send, a_malformed_report_is_dropped)
{
    uint8_t junk[] = {'B', 1, 2, 3};
    cr_assert_eq(ss_transport_send(follower.t, 1, junk, sizeof junk), SS_OK);
    tc_peer_report(&follower, 50, 1, SS_ENOMEM, "after the junk");
    cr_assert(TC_WAIT(&loop, tc_info(&node, "raft_snapshot_peer_reports") == 1, 30000),
              "only the well-formed one counts");
    cr_expect_eq(node.fatal_count, 0);
}

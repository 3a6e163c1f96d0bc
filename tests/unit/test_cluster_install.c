/* Installing a snapshot: a follower fed by a fake leader over a real transport, with a fake state machine. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster/cluster_raft.h"
#include "unit/test_cluster_util.h"

/*
 * Node 1 is the ss_cluster under test, one of three voters; the test plays
 * node 2, its leader, through a transport of its own (node 3 never comes).
 * Node 1's election timeout is long, so it follows whoever speaks with the
 * highest term and never campaigns during a test.
 */

#define TERM 5

static uv_loop_t loop;
static char dir[256];
static tc_node node;
static tc_peer leader;
static int ports[3];

static void config(tc_node *n, const char *extra)
{
    char text[1024];
    snprintf(text, sizeof text,
             "peers 1@127.0.0.1:%d,2@127.0.0.1:%d,3@127.0.0.1:%d\nraft-port %d\n"
             "election-timeout 30000\nheartbeat-interval 100\n%s",
             ports[0], ports[1], ports[2], ports[0], extra);
    tc_node_init(n, &loop, dir, text);
}

/* Heartbeats from the fake leader until node 1 answers one: it follows the
 * fake (an append after index 0 matches any log). */
static void leader_hello(void)
{
    raft_msg m = {.type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = TERM};
    int before = leader.append_resps;
    cr_assert(TC_WAIT(&loop, (tc_peer_send(&leader, &m), leader.append_resps > before), 30000),
              "node 1 answers a heartbeat");
}

static void setup_with(const char *conf)
{
    uv_loop_init(&loop);
    tc_dir_make(dir, sizeof dir);
    ports[0] = tc_free_port();
    ports[2] = tc_free_port();
    memset(&leader, 0, sizeof leader);
    tc_peer_start(&leader, &loop, 2, ports[0]);
    ports[1] = leader.port;
    config(&node, conf);
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_OK, "%s", err);
    tc_node_start(&node);
    cr_assert(TC_WAIT(&loop, leader.info && ss_transport_peer_connected(leader.t, 1), 30000),
              "node 1 and the fake leader are connected both ways");
    leader_hello();
}

static void setup(void) { setup_with(""); }

static void teardown(void)
{
    tc_node_release(&node);
    tc_peer_close(&leader);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_expect_eq(uv_loop_close(&loop), 0, "every handle is closed");
    tc_dir_remove(dir);
}

TestSuite(cluster_install, .init = setup, .fini = teardown, .timeout = 120);

/* Sends bytes [offset, offset + len) of the snapshot (index, term); unless
 * it is the last, waits for node 1's answer to it: the next offset it wants. */
static uint64_t send_chunk(uint64_t index, uint64_t term, const uint8_t *data, uint64_t offset,
                           size_t len, bool done)
{
    raft_msg m = {.type = RAFT_MSG_SNAPSHOT, .from = 2, .to = 1, .term = TERM,
                  .snap_index = index, .snap_term = term, .offset = offset,
                  .data = data + offset, .len = len, .done = done};
    int before = leader.snap_resps;
    tc_peer_send(&leader, &m);
    if (done)
        return offset + len; /* acknowledged once installed (or never) */
    cr_assert(TC_WAIT(&loop, leader.snap_resps > before && leader.snap_resp.index == offset, 30000),
              "node 1 answers the chunk at %llu", (unsigned long long)offset);
    return leader.snap_resp.offset;
}

/* The whole snapshot in chunks of `chunk` bytes. */
static void send_snapshot(uint64_t index, uint64_t term, const uint8_t *data, size_t len,
                          size_t chunk)
{
    uint64_t off = 0;
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        uint64_t next = send_chunk(index, term, data, off, n, off + n == len);
        cr_assert_eq(next, off + n, "node 1 wants the next chunk");
        off = next;
    }
}

/* Waits for the acknowledgement of an install (an APPEND_RESP at index). */
static bool wait_install_ack(uint64_t index)
{
    return TC_WAIT(&loop, leader.append_resps > 0 && !leader.append_resp.reject &&
                              leader.append_resp.index == index, 30000);
}

static bool snapshot_file_exists(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/snapshots/%s", dir, name);
    return access(path, F_OK) == 0;
}

Test(cluster_install, a_snapshot_is_written_staged_adopted_and_the_log_restarts_after_it)
{
    size_t len;
    uint8_t *snap = fake_snap_bytes(100, 4, 777, 3000, &len);
    send_snapshot(100, 4, snap, len, 1000);
    cr_assert(wait_install_ack(100), "the install is acknowledged");
    cr_expect_eq(node.sm.stage_calls, 1);
    cr_expect(strstr(node.sm.staged_path, "/snapshots/100-4.snap") != NULL, "%s",
              node.sm.staged_path);
    cr_expect_eq(node.sm.applied, 100);
    cr_expect_eq(node.sm.digest, 777);
    cr_expect_eq(tc_info(&node, "raft_snapshots_installed"), 1);
    cr_expect_eq(tc_info(&node, "raft_snapshot_index"), 100);
    cr_expect_eq(tc_info(&node, "raft_snapshot_bytes"), (long long)len);
    cr_expect_eq(tc_info(&node, "raft_snapshot_chunks_received"), 4);
    cr_expect_eq(tc_info(&node, "raft_log_first_index"), 101);
    cr_expect(snapshot_file_exists("100-4.snap") && !snapshot_file_exists("incoming.tmp"));
    cr_expect_eq(node.fatal_count, 0);

    /* Replication continues after the snapshot. */
    raft_entry e = {101, TERM, RAFT_ENTRY_NORMAL, (void *)"after", 5};
    raft_msg m = {.type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = TERM, .prev_index = 100,
                  .prev_term = 4, .commit = 101, .entries = &e, .n_entries = 1};
    tc_peer_send(&leader, &m);
    cr_assert(TC_WAIT(&loop, node.sm.applied == 101, 30000), "entry 101 is applied");
    cr_expect_eq(node.sm.commands, 1);
    free(snap);
}

Test(cluster_install, a_new_transfer_from_offset_zero_starts_the_received_file_over)
{
    size_t alen, blen;
    uint8_t *a = fake_snap_bytes(100, 4, 1, 3000, &alen);
    uint8_t *b = fake_snap_bytes(120, 5, 2, 1500, &blen);
    cr_assert_eq(send_chunk(100, 4, a, 0, 1000, false), 1000);
    cr_assert_eq(send_chunk(100, 4, a, 1000, 1000, false), 2000);
    send_snapshot(120, 5, b, blen, 1000); /* a newer one replaces the partial transfer */
    cr_assert(wait_install_ack(120));
    cr_expect_eq(node.sm.applied, 120);
    cr_expect_eq(node.sm.digest, 2, "the file holds b's bytes only (a's tail is gone)");
    free(a);
    free(b);
}

/* After a refused snapshot: node 1 told the leader, keeps running on its old
 * state, follows heartbeats, and takes a good snapshot once its back-off is
 * over. */
static void expect_refused_then_recovers(uint64_t index, uint64_t term, int code)
{
    cr_assert(TC_WAIT(&loop, leader.reports == 1, 30000), "node 1 reports the bad snapshot");
    cr_expect_eq(leader.report_index, index);
    cr_expect_eq(leader.report_term, term);
    cr_expect_eq(leader.report_code, code, "code %d: %s", leader.report_code, leader.report_why);
    cr_expect_eq(node.fatal_count, 0, "not fatal: %s", node.fatal_msg);
    cr_expect_eq(tc_info(&node, "raft_snapshots_rejected"), 1);
    cr_expect_eq(node.sm.applied, 0, "the old state stays");
    cr_expect_eq(node.sm.adopt_calls, 0);
    leader_hello(); /* running, and following */
    raft_entry e = {1, TERM, RAFT_ENTRY_NORMAL, (void *)"one", 3};
    raft_msg m = {.type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = TERM, .commit = 1,
                  .entries = &e, .n_entries = 1};
    tc_peer_send(&leader, &m);
    cr_assert(TC_WAIT(&loop, node.sm.applied == 1, 30000), "its log takes entries again");

    atomic_store(&node.sm.fail_stage, SS_OK);
    size_t len;
    uint8_t *good = fake_snap_bytes(130, 5, 4242, 2000, &len);
    raft_msg first = {.type = RAFT_MSG_SNAPSHOT, .from = 2, .to = 1, .term = TERM,
                      .snap_index = 130, .snap_term = 5, .data = good, .len = 1000};
    /* The leader keeps offering (as a heartbeat would) until the back-off
     * is over and the chunk is taken. */
    cr_assert(TC_WAIT(&loop, (tc_peer_send(&leader, &first), leader.snap_resps > 0 &&
                                                                leader.snap_resp.snap_index == 130),
                      30000), "a snapshot is accepted again");
    send_snapshot(130, 5, good, len, 1000);
    cr_assert(wait_install_ack(130));
    cr_expect_eq(node.sm.applied, 130);
    cr_expect_eq(node.sm.digest, 4242);
    cr_expect_eq(node.fatal_count, 0);
    free(good);
}

Test(cluster_install, a_damaged_snapshot_is_reported_to_the_leader_and_the_node_keeps_running)
{
    size_t len;
    uint8_t *snap = fake_snap_bytes(100, 4, 777, 3000, &len);
    snap[1500] ^= 0x40; /* its checksum fails when staged */
    send_snapshot(100, 4, snap, len, 1000);
    expect_refused_then_recovers(100, 4, SS_ECORRUPT);
    cr_expect(!snapshot_file_exists("100-4.snap"), "the damaged file is removed");
    free(snap);
}

Test(cluster_install, a_snapshot_the_state_machine_cannot_stage_is_refused_not_fatal)
{
    atomic_store(&node.sm.fail_stage, SS_ENOMEM);
    size_t len;
    uint8_t *snap = fake_snap_bytes(100, 4, 777, 100, &len);
    send_snapshot(100, 4, snap, len, 1000);
    expect_refused_then_recovers(100, 4, SS_ENOMEM);
    free(snap);
}

Test(cluster_install, a_snapshot_whose_header_disagrees_with_the_leader_is_refused)
{
    size_t len;
    uint8_t *snap = fake_snap_bytes(99, 4, 777, 100, &len); /* holds 99, announced as 100 */
    send_snapshot(100, 4, snap, len, 1000);
    expect_refused_then_recovers(100, 4, SS_ECORRUPT);
    free(snap);
}

static void setup_small_cap(void) { setup_with("snapshot-max-bytes 2500\n"); }

TestSuite(cluster_install_cap, .init = setup_small_cap, .fini = teardown, .timeout = 120);

Test(cluster_install_cap, a_snapshot_over_snapshot_max_bytes_is_refused_before_it_is_written)
{
    size_t len;
    uint8_t *snap = fake_snap_bytes(100, 4, 777, 3000, &len);
    cr_assert_eq(send_chunk(100, 4, snap, 0, 1000, false), 1000);
    cr_assert_eq(send_chunk(100, 4, snap, 1000, 1000, false), 2000);
    raft_msg third = {.type = RAFT_MSG_SNAPSHOT, .from = 2, .to = 1, .term = TERM,
                      .snap_index = 100, .snap_term = 4, .offset = 2000, .data = snap + 2000,
                      .len = 1000}; /* would end at 3000 > 2500 */
    tc_peer_send(&leader, &third);
    cr_assert(TC_WAIT(&loop, leader.reports == 1, 30000), "node 1 reports it");
    cr_expect_eq(leader.report_code, SS_ETOOBIG);
    cr_expect(strstr(leader.report_why, "snapshot-max-bytes") != NULL, "%s", leader.report_why);
    cr_expect_eq(tc_info(&node, "raft_snapshot_chunks_received"), 2, "the third never got in");
    cr_expect_eq(node.fatal_count, 0);
    leader_hello();
    free(snap);
}

Test(cluster_install, a_chunk_over_snapshot_max_chunk_bytes_is_refused)
{
    size_t len = ((size_t)16 << 20) + 1; /* the default cap is 16mb */
    uint8_t *big = calloc(1, len);
    raft_msg m = {.type = RAFT_MSG_SNAPSHOT, .from = 2, .to = 1, .term = TERM, .snap_index = 100,
                  .snap_term = 4, .data = big, .len = len};
    tc_peer_send(&leader, &m);
    cr_assert(TC_WAIT(&loop, leader.reports == 1, 30000), "node 1 reports it");
    cr_expect_eq(leader.report_code, SS_ETOOBIG);
    cr_expect(strstr(leader.report_why, "snapshot-max-chunk-bytes") != NULL, "%s",
              leader.report_why);
    cr_expect_eq(tc_info(&node, "raft_snapshot_chunks_received"), 0);
    cr_expect_eq(node.fatal_count, 0);
    free(big);
}

/* Sends snapshot 100-4 and waits for node 1 to stop with code. */
static void send_and_expect_stop(int code)
{
    size_t len;
    uint8_t *snap = fake_snap_bytes(100, 4, 777, 100, &len);
    send_snapshot(100, 4, snap, len, 1000);
    free(snap);
    cr_assert(TC_WAIT(&loop, node.fatal_count > 0, 30000), "the node stops");
    cr_expect_eq(node.fatal_code, code);
}

Test(cluster_install, a_disk_error_while_staging_still_stops_the_node)
{
    atomic_store(&node.sm.fail_stage, SS_EIO);
    send_and_expect_stop(SS_EIO);
    cr_expect_eq(leader.reports, 0, "the disk is not the leader's to fix");
}

Test(cluster_install, an_adopt_failure_stops_the_node_and_the_restart_completes_the_install)
{
    atomic_store(&node.sm.fail_adopt, SS_EBUSY);
    send_and_expect_stop(SS_EBUSY);
    tc_node_release(&node);
    /* The stage was the commit point: the restarted state machine holds the
     * snapshot, and the log is reset to follow it. */
    config(&node, "");
    node.sm.applied = 100;
    node.sm.applied_term = 4;
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_OK, "%s", err);
    cr_expect_eq(tc_info(&node, "raft_log_first_index"), 101);
    cr_expect_eq(tc_info(&node, "raft_snapshot_index"), 100, "the received file is kept");
}

static void setup_small_frames(void) { setup_with("proto-max-bulk-len 1mb\n"); } /* 5 MiB frames */

TestSuite(cluster_install_frames, .init = setup_small_frames, .fini = teardown, .timeout = 120);

Test(cluster_install_frames, an_append_carrying_an_entry_too_big_to_store_is_dropped_not_stepped)
{
    size_t len = ((size_t)5 << 20) - 1024; /* fits the frame, not the entry limit */
    char *big = calloc(1, len);
    raft_entry e = {1, TERM, RAFT_ENTRY_NORMAL, big, len};
    raft_msg m = {.type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = TERM, .commit = 1,
                  .entries = &e, .n_entries = 1};
    tc_peer_send(&leader, &m);
    cr_assert(TC_WAIT(&loop, tc_info(&node, "raft_oversized_dropped") == 1, 30000));
    free(big);
    raft_entry small = {1, TERM, RAFT_ENTRY_NORMAL, (void *)"ok", 2};
    m.entries = &small;
    tc_peer_send(&leader, &m);
    cr_assert(TC_WAIT(&loop, node.sm.applied == 1, 30000), "the next append is taken");
    cr_expect_eq(node.sm.commands, 1);
    cr_expect_eq(node.fatal_count, 0);
}

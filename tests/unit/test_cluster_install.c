/* Installing a snapshot: a follower fed by a fake leader over a real transport, with a fake state machine. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cluster/cluster_raft.h"
#include "unit/test_cluster_util.h"

/*
 * Node 1 is the ss_cluster under test, one of three voters; the test plays
 * node 2, its leader, through a transport of its own (node 3 never comes).
 * Node 1's election timeout is long, so it follows whoever speaks with the
 * highest term and never campaigns during a test.
 */

typedef struct fake_leader {
    ss_transport *t;
    uint64_t term;
    bool info;                  /* node 1's PEER_INFO arrived: its connection to us is up */
    /* The last answers of node 1. */
    int snap_resps;
    raft_msg snap_resp;
    int append_resps;
    raft_msg append_resp;
} fake_leader;

static uv_loop_t loop;
static char dir[256];
static tc_node node;
static fake_leader fl;
static int ports[3];

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void on_leader_message(void *ctx, uint64_t from, const uint8_t *payload, size_t len)
{
    fake_leader *f = ctx;
    cr_assert_eq(from, 1);
    if (len == 0)
        return;
    if (payload[0] == PEER_INFO) {
        f->info = true;
        return;
    }
    if (payload[0] != PEER_RAFT)
        return;
    raft_msg m;
    cr_assert_eq(raft_msg_decode(payload + 1, len - 1, &m), SS_OK);
    if (m.type == RAFT_MSG_SNAPSHOT_RESP) {
        f->snap_resps++;
        f->snap_resp = m;
    } else if (m.type == RAFT_MSG_APPEND_RESP) {
        f->append_resps++;
        f->append_resp = m;
    }
    raft_msg_release(&m);
}

static void leader_send(const raft_msg *m)
{
    size_t size = raft_msg_encoded_size(m) + 1, len = 0;
    uint8_t *buf = malloc(size);
    buf[0] = PEER_RAFT;
    cr_assert_eq(raft_msg_encode(m, buf + 1, size - 1, &len), SS_OK);
    cr_assert_eq(ss_transport_send(fl.t, 1, buf, len + 1), SS_OK);
    free(buf);
}

/* A heartbeat from the fake leader: node 1 follows it (its log is empty,
 * so an append after index 0 matches). */
static void leader_hello(void)
{
    raft_msg m = {.type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = fl.term};
    int before = fl.append_resps;
    leader_send(&m);
    cr_assert(TC_WAIT(&loop, fl.append_resps > before, 30000), "node 1 answers the heartbeat");
}

static void setup_with(const char *conf)
{
    uv_loop_init(&loop);
    tc_dir_make(dir, sizeof dir);
    ports[0] = free_port();
    ports[2] = free_port();
    fl = (fake_leader){.term = 5};
    ss_transport_peer peer = {1, "127.0.0.1", ports[0]};
    ss_transport_config tc = {.node_id = 2, .bind_host = "127.0.0.1", .port = 0, .peers = &peer,
                              .npeers = 1, .on_message = on_leader_message, .ctx = &fl,
                              .reconnect_max_ms = 100};
    ss_errmsg err = "";
    cr_assert_eq(ss_transport_new(&loop, &tc, &fl.t, err), SS_OK, "%s", err);
    ports[1] = ss_transport_port(fl.t);
    char text[1024];
    snprintf(text, sizeof text,
             "peers 1@127.0.0.1:%d,2@127.0.0.1:%d,3@127.0.0.1:%d\nraft-port %d\n"
             "election-timeout 30000\nheartbeat-interval 100\n%s",
             ports[0], ports[1], ports[2], ports[0], conf);
    tc_node_init(&node, &loop, dir, text);
}

static void start_node(void)
{
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_OK, "%s", err);
    tc_node_start(&node);
    cr_assert(TC_WAIT(&loop, fl.info && ss_transport_peer_connected(fl.t, 1), 30000),
              "node 1 and the fake leader are connected both ways");
}

static void setup(void)
{
    setup_with("");
    start_node();
    leader_hello();
}

static void teardown(void)
{
    tc_node_release(&node);
    ss_transport_close(fl.t, NULL);
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
    raft_msg m = {.type = RAFT_MSG_SNAPSHOT, .from = 2, .to = 1, .term = fl.term,
                  .snap_index = index, .snap_term = term, .offset = offset,
                  .data = data + offset, .len = len, .done = done};
    int before = fl.snap_resps;
    leader_send(&m);
    if (done)
        return offset + len; /* acknowledged once installed (or never) */
    cr_assert(TC_WAIT(&loop, fl.snap_resps > before && fl.snap_resp.index == offset, 30000),
              "node 1 answers the chunk at %llu", (unsigned long long)offset);
    return fl.snap_resp.offset;
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
    return TC_WAIT(&loop, fl.append_resps > 0 && !fl.append_resp.reject &&
                              fl.append_resp.index == index, 30000);
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
    raft_entry e = {101, 5, RAFT_ENTRY_NORMAL, (void *)"after", 5};
    raft_msg m = {.type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = fl.term, .prev_index = 100,
                  .prev_term = 4, .commit = 101, .entries = &e, .n_entries = 1};
    leader_send(&m);
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

Test(cluster_install, a_snapshot_the_state_machine_cannot_stage_stops_the_node)
{
    atomic_store(&node.sm.fail_stage, SS_ECORRUPT);
    size_t len;
    uint8_t *snap = fake_snap_bytes(100, 4, 777, 100, &len);
    send_snapshot(100, 4, snap, len, 1000);
    cr_assert(TC_WAIT(&loop, node.fatal_count > 0, 30000), "the node stops");
    cr_expect_eq(node.fatal_code, SS_ECORRUPT);
    cr_expect_eq(node.sm.adopt_calls, 0);
    cr_expect_eq(node.sm.applied, 0);
    free(snap);
}

Test(cluster_install, an_adopt_failure_stops_the_node_and_the_restart_completes_the_install)
{
    atomic_store(&node.sm.fail_adopt, SS_EBUSY);
    size_t len;
    uint8_t *snap = fake_snap_bytes(100, 4, 777, 100, &len);
    send_snapshot(100, 4, snap, len, 1000);
    cr_assert(TC_WAIT(&loop, node.fatal_count > 0, 30000), "the node stops");
    cr_expect_eq(node.fatal_code, SS_EBUSY);
    tc_node_close(&node);
    /* The stage was the commit point: the restarted state machine holds the
     * snapshot, and the log is reset to follow it. */
    ss_config_release(&node.cfg);
    char text[1024];
    snprintf(text, sizeof text,
             "peers 1@127.0.0.1:%d,2@127.0.0.1:%d,3@127.0.0.1:%d\nraft-port %d\n"
             "election-timeout 30000\nheartbeat-interval 100\n",
             ports[0], ports[1], ports[2], ports[0]);
    tc_node_init(&node, &loop, dir, text);
    node.sm.applied = 100;
    node.sm.applied_term = 4;
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_OK, "%s", err);
    cr_expect_eq(tc_info(&node, "raft_log_first_index"), 101);
    cr_expect_eq(tc_info(&node, "raft_snapshot_index"), 100, "the received file is kept");
    free(snap);
}

static void setup_small_frames(void)
{
    setup_with("proto-max-bulk-len 1mb\n"); /* peer frames of 5 MiB */
    start_node();
    leader_hello();
}

Test(cluster_install, an_append_carrying_an_entry_too_big_to_store_is_dropped_not_stepped,
     .init = setup_small_frames)
{
    size_t len = ((size_t)5 << 20) - 1024; /* fits the frame, not the entry limit */
    char *big = calloc(1, len);
    raft_entry e = {1, 5, RAFT_ENTRY_NORMAL, big, len};
    raft_msg m = {.type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = fl.term, .commit = 1,
                  .entries = &e, .n_entries = 1};
    leader_send(&m);
    cr_assert(TC_WAIT(&loop, tc_info(&node, "raft_oversized_dropped") == 1, 30000));
    free(big);
    raft_entry small = {1, 5, RAFT_ENTRY_NORMAL, (void *)"ok", 2};
    m.entries = &small;
    leader_send(&m);
    cr_assert(TC_WAIT(&loop, node.sm.applied == 1, 30000), "the next append is taken");
    cr_expect_eq(node.sm.commands, 1);
    cr_expect_eq(node.fatal_count, 0);
}

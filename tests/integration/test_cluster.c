/* Multi-process Raft clusters on loopback: replication, redirects, crashes, pauses, quorum loss, secrets. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;

static void teardown(void) { hc_cleanup(&cl); }
TestSuite(cluster, .fini = teardown, .timeout = 300);

static void expect_value_at(h_cluster *c, int i, const char *key, const char *want)
{
    redisReply *r = h_node_cmd(&c->nodes[i], "GET %s", key);
    cr_assert_not_null(r, "node %d unreachable", i + 1);
    cr_expect_eq(r->type, REDIS_REPLY_STRING, "node %d GET %s: type %d %s", i + 1, key, r->type,
                 r->str ? r->str : "");
    if (r->type == REDIS_REPLY_STRING)
        cr_expect_str_eq(r->str, want, "node %d GET %s", i + 1, key);
    freeReplyObject(r);
}

/* ----------------------------------------------------------------- tests */

Test(cluster, a_write_at_any_node_is_readable_at_every_node)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    cr_assert_geq(hc_wait_leader(&cl, 15000), 0, "no leader elected");
    for (int i = 0; i < 3; i++) {
        char key[16], val[16];
        snprintf(key, sizeof key, "k%d", i);
        snprintf(val, sizeof val, "v%d", i);
        cr_assert(hc_set_retry(&cl, i, key, val, 10000), "SET through node %d", i + 1);
    }
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            char key[16], val[16];
            snprintf(key, sizeof key, "k%d", k);
            snprintf(val, sizeof val, "v%d", k);
            expect_value_at(&cl, i, key, val);
        }
    /* INFO raft has the fields others depend on. */
    redisReply *r = h_node_cmd(&cl.nodes[0], "INFO raft");
    cr_assert_not_null(r);
    const char *fields[] = {"raft_node_id:", "raft_role:", "raft_leader_id:", "raft_leader_addr:127.0.0.1:",
                            "raft_current_term:", "raft_commit_index:", "raft_last_applied_index:"};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
        cr_expect(strstr(r->str, fields[f]) != NULL, "missing %s in %s", fields[f], r->str);
    freeReplyObject(r);
    /* The leader reports each follower's replication progress. */
    int leader = hc_wait_leader(&cl, 5000);
    cr_assert_geq(leader, 0);
    r = h_node_cmd(&cl.nodes[leader], "INFO raft");
    cr_assert_not_null(r);
    cr_expect(strstr(r->str, "replication=replicate") != NULL, "%s", r->str);
    cr_expect(strstr(r->str, "match_index=0,") == NULL, "followers have matched entries: %s", r->str);
    freeReplyObject(r);
}

/* Pipelines 64 GETs of r:0..63 on one connection to node i and checks every
 * reply; returns how many ReadIndex requests node i made for them. */
static long long pipelined_reads(h_cluster *c, int i)
{
    enum { N = 64 };
    long long before = hc_info_int(c, i, "raft_read_requests");
    long long confirmed = hc_info_int(c, i, "raft_reads_confirmed");
    cr_assert_geq(before, 0, "node %d: INFO raft has raft_read_requests", i + 1);
    redisContext *ctx = h_connect(&c->nodes[i]);
    cr_assert_not_null(ctx);
    for (int k = 0; k < N; k++)
        redisAppendCommand(ctx, "GET r:%d", k);
    for (int k = 0; k < N; k++) {
        redisReply *r = NULL;
        cr_assert_eq(redisGetReply(ctx, (void **)&r), REDIS_OK, "node %d: reply %d", i + 1, k);
        char want[16];
        snprintf(want, sizeof want, "v%d", k);
        cr_expect(r->type == REDIS_REPLY_STRING && !strcmp(r->str, want), "node %d: GET r:%d: %s", i + 1,
                  k, r->str ? r->str : "(not a string)");
        freeReplyObject(r);
    }
    redisFree(ctx);
    cr_expect_geq(hc_info_int(c, i, "raft_reads_confirmed") - confirmed, 1,
                  "node %d: the reads passed a confirmed barrier", i + 1);
    return hc_info_int(c, i, "raft_read_requests") - before;
}

/* A pipeline's reads arrive in one piece of input here, so they share one
 * ReadIndex request: one heartbeat round on the leader, one question to the
 * leader from a follower, instead of one each (a few if the input came in
 * pieces; 64 before reads were batched). */
Test(cluster, a_pipeline_of_reads_shares_one_read_index_request)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 15000);
    cr_assert_geq(leader, 0, "no leader elected");
    for (int k = 0; k < 64; k++) {
        char key[16], val[16];
        snprintf(key, sizeof key, "r:%d", k);
        snprintf(val, sizeof val, "v%d", k);
        cr_assert(hc_set_retry(&cl, leader, key, val, 10000), "SET %s", key);
    }
    long long on_leader = pipelined_reads(&cl, leader);
    long long on_follower = pipelined_reads(&cl, (leader + 1) % 3);
    cr_expect(on_leader >= 1 && on_leader <= 4, "leader: %lld ReadIndex requests for 64 reads", on_leader);
    cr_expect(on_follower >= 1 && on_follower <= 4, "follower: %lld ReadIndex requests for 64 reads",
              on_follower);
}

/* Reads that share a request still answer in the order sent, around the
 * commands between them: a PING's reply, a SELECT's db, a write. */
static void mixed_pipeline(h_cluster *c, int i)
{
    static const char *const cmds[][3] = {
        {"GET", "r:0", "v0"}, {"GET", "r:1", "v1"}, {"PING", NULL, "PONG"}, {"GET", "r:2", "v2"},
        {"ECHO", "e", "e"}, {"GET", "r:3", "v3"}, {"SELECT", "1", "OK"}, {"GET", "r:4", NULL},
        {"SELECT", "0", "OK"}, {"GET", "r:5", "v5"}, {"SET", "r:6", "OK"}, {"GET", "r:6", "r:6"},
        {"GET", "r:7", "v7"},
    };
    enum { N = sizeof cmds / sizeof cmds[0] };
    redisContext *ctx = h_connect(&c->nodes[i]);
    cr_assert_not_null(ctx);
    for (int k = 0; k < N; k++) {
        if (!strcmp(cmds[k][0], "SET"))
            redisAppendCommand(ctx, "SET %s %s", cmds[k][1], cmds[k][1]);
        else if (cmds[k][1])
            redisAppendCommand(ctx, "%s %s", cmds[k][0], cmds[k][1]);
        else
            redisAppendCommand(ctx, "%s", cmds[k][0]);
    }
    for (int k = 0; k < N; k++) {
        redisReply *r = NULL;
        cr_assert_eq(redisGetReply(ctx, (void **)&r), REDIS_OK, "node %d: reply %d", i + 1, k);
        if (cmds[k][2] == NULL)
            cr_expect_eq(r->type, REDIS_REPLY_NIL, "node %d: %s %s in db 1", i + 1, cmds[k][0], cmds[k][1]);
        else
            cr_expect(r->str && !strcmp(r->str, cmds[k][2]), "node %d: %s %s: want %s, got %s", i + 1,
                      cmds[k][0], cmds[k][1] ? cmds[k][1] : "", cmds[k][2], r->str ? r->str : "(none)");
        freeReplyObject(r);
    }
    redisFree(ctx);
}

Test(cluster, pipelined_reads_answer_in_order_around_other_commands)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 15000);
    cr_assert_geq(leader, 0, "no leader elected");
    for (int k = 0; k < 8; k++) {
        char key[16], val[16];
        snprintf(key, sizeof key, "r:%d", k);
        snprintf(val, sizeof val, "v%d", k);
        cr_assert(hc_set_retry(&cl, leader, key, val, 10000), "SET %s", key);
    }
    mixed_pipeline(&cl, leader);
    mixed_pipeline(&cl, (leader + 1) % 3);
}

Test(cluster, redirect_mode_answers_moved_with_the_keys_slot_and_the_leaders_address)
{
    hc_init(&cl, 3, "--follower-mode redirect");
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 15000);
    cr_assert_geq(leader, 0);
    int follower = (leader + 1) % 3;
    /* 7629 is CLUSTER KEYSLOT k on a redis-server in cluster mode: a cluster
     * client updates exactly that slot. */
    char want[64];
    snprintf(want, sizeof want, "MOVED 7629 127.0.0.1:%d", cl.nodes[leader].port);
    /* The follower may not have heard the leader's client address yet. */
    redisReply *r = NULL;
    for (int i = 0; i < 100; i++) {
        r = h_node_cmd(&cl.nodes[follower], "SET k v");
        if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "MOVED", 5) == 0)
            break;
        if (r)
            freeReplyObject(r);
        r = NULL;
        usleep(50 * 1000);
    }
    cr_assert_not_null(r);
    cr_expect_str_eq(r->str, want);
    freeReplyObject(r);
    r = h_node_cmd(&cl.nodes[follower], "GET k");
    cr_expect_eq(r->type, REDIS_REPLY_ERROR);
    cr_expect_str_eq(r->str, want);
    freeReplyObject(r);
    /* A hash tag: the slot of "user" alone, 5474. */
    r = h_node_cmd(&cl.nodes[follower], "GET {user}a");
    snprintf(want, sizeof want, "MOVED 5474 127.0.0.1:%d", cl.nodes[leader].port);
    cr_expect_str_eq(r->str, want);
    freeReplyObject(r);
    /* A write that names no key goes to the leader too, as slot 0. */
    r = h_node_cmd(&cl.nodes[follower], "FLUSHALL");
    snprintf(want, sizeof want, "MOVED 0 127.0.0.1:%d", cl.nodes[leader].port);
    cr_expect_str_eq(r->str, want);
    freeReplyObject(r);
    r = h_node_cmd(&cl.nodes[follower], "PING");
    cr_expect_eq(r->type, REDIS_REPLY_STATUS, "connection commands are still served");
    freeReplyObject(r);
    r = h_node_cmd(&cl.nodes[leader], "SET k v");
    cr_expect_eq(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    /* Reads that name no key are served by the follower, as by a Redis
     * replica; so are all reads once the connection said READONLY. */
    redisContext *c = h_connect(&cl.nodes[follower]);
    cr_assert(c && !c->err);
    r = redisCommand(c, "DBSIZE");
    cr_expect(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1, "DBSIZE on the follower");
    freeReplyObject(r);
    r = redisCommand(c, "READONLY");
    cr_expect(r && r->type == REDIS_REPLY_STATUS);
    freeReplyObject(r);
    r = redisCommand(c, "GET k");
    cr_expect(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "v"), "GET after READONLY: the follower reads");
    freeReplyObject(r);
    r = redisCommand(c, "SET k w");
    cr_expect(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "MOVED 7629 ", 11), "writes still move");
    freeReplyObject(r);
    r = redisCommand(c, "READWRITE");
    freeReplyObject(r);
    r = redisCommand(c, "GET k");
    cr_expect(r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "MOVED 7629 ", 11), "READWRITE: reads move again");
    freeReplyObject(r);
    redisFree(c);
}

Test(cluster, nodes_started_in_any_order_form_a_cluster)
{
    hc_init(&cl, 3, NULL);
    hc_spawn(&cl, 2);
    usleep(500 * 1000);
    hc_spawn(&cl, 0);
    cr_assert_geq(hc_wait_leader(&cl, 15000), 0, "two of three must elect a leader");
    cr_assert(hc_set_retry(&cl, 2, "early", "1", 10000));
    hc_spawn(&cl, 1);
    cr_assert(h_node_wait_ready(&cl.nodes[1], 20000));
    long long applied = hc_info_int(&cl, 2, "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, applied, 15000), "the late node must catch up");
    expect_value_at(&cl, 1, "early", "1");
}

Test(cluster, killing_the_leader_loses_no_acknowledged_write)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 15000);
    cr_assert_geq(leader, 0);
    hc_writer *w = hc_writer_start(&cl, NULL, 0);
    usleep(1500 * 1000);
    h_node_kill9(&cl.nodes[leader]);
    long long killed_at = h_now_ms();
    int next = hc_wait_leader(&cl, 15000);
    cr_expect_geq(next, 0, "a new leader must be elected");
    cr_expect_neq(next, leader);
    fprintf(stderr, "cluster: new leader after %lld ms\n", h_now_ms() - killed_at);
    usleep(1500 * 1000);
    hc_writer_stop(w);
    cr_assert_gt(hc_writer_acked(w), 10, "writes must continue; only %d acknowledged", hc_writer_acked(w));
    for (int i = 0; i < 3; i++)
        if (i != leader)
            cr_expect_eq(hc_writer_missing_at(&cl, i, w), 0, "node %d lost acknowledged writes", i + 1);
    /* The killed node restarts and catches up. */
    cr_assert(h_node_start(&cl.nodes[leader]));
    long long applied = hc_info_int(&cl, next, "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, applied, 20000), "the restarted node must catch up");
    cr_expect_eq(hc_writer_missing_at(&cl, leader, w), 0, "node %d lost acknowledged writes", leader + 1);
    hc_writer_free(w);
}

static void tear_last_segment(const h_node *n)
{
    char out[1024];
    /* Cut a few bytes off the newest log segment: a torn last record. */
    h_sh(out, sizeof out,
         "f=$(ls -1 %s/raft/seg-* 2>/dev/null | tail -1); [ -n \"$f\" ] && "
         "s=$(stat -c %%s \"$f\") && [ \"$s\" -gt 100 ] && truncate -s $((s - 7)) \"$f\" && echo torn",
         n->dir);
    fprintf(stderr, "cluster: tear %s: %s\n", n->dir, out);
}

Test(cluster, killing_every_node_loses_no_acknowledged_write)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    cr_assert_geq(hc_wait_leader(&cl, 15000), 0);
    hc_writer *w = hc_writer_start(&cl, NULL, 0);
    usleep(2000 * 1000);
    for (int i = 0; i < 3; i++)
        kill(cl.nodes[i].pid, SIGKILL);
    for (int i = 0; i < 3; i++)
        h_node_kill9(&cl.nodes[i]);
    hc_writer_stop(w);
    cr_assert_gt(hc_writer_acked(w), 10);
    /* A torn tail on one node is repaired at start-up, not refused. */
    tear_last_segment(&cl.nodes[0]);
    for (int i = 0; i < 3; i++)
        hc_spawn(&cl, i);
    for (int i = 0; i < 3; i++)
        cr_assert(h_node_wait_ready(&cl.nodes[i], 20000), "node %d must restart; see %s", i + 1,
                  cl.nodes[i].dir);
    cr_assert_geq(hc_wait_leader(&cl, 15000), 0);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(hc_writer_missing_at(&cl, i, w), 0, "node %d lost acknowledged writes", i + 1);
    hc_writer_free(w);
}

Test(cluster, a_paused_leader_steps_down_and_serves_no_stale_read)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 15000);
    cr_assert_geq(leader, 0);
    cr_assert(hc_set_retry(&cl, leader, "x", "old", 5000));
    /* Connect to the old leader before pausing it. */
    redisContext *old = h_connect(&cl.nodes[leader]);
    cr_assert(old && !old->err);
    redisSetTimeout(old, (struct timeval){20, 0});
    kill(cl.nodes[leader].pid, SIGSTOP);
    usleep(1500 * 1000); /* several election timeouts */
    int next = -1;
    long long deadline = h_now_ms() + 15000;
    while (h_now_ms() < deadline && next < 0) {
        for (int i = 0; i < 3; i++)
            if (i != leader && hc_info_int(&cl, i, "raft_role") == -1)
                continue;
        for (int i = 0; i < 3 && next < 0; i++) {
            if (i == leader)
                continue;
            redisReply *r = h_node_cmd(&cl.nodes[i], "INFO raft");
            if (r && r->str && strstr(r->str, "raft_role:leader"))
                next = i;
            if (r)
                freeReplyObject(r);
        }
        usleep(50 * 1000);
    }
    cr_assert_geq(next, 0, "the majority must elect a new leader");
    cr_assert(hc_set_retry(&cl, next, "x", "new", 10000));
    kill(cl.nodes[leader].pid, SIGCONT);
    /* The old leader answers the read only through a current leader's
     * ReadIndex: "new", or an error; never the stale "old". */
    redisReply *r = redisCommand(old, "GET x");
    cr_assert_not_null(r);
    if (r->type == REDIS_REPLY_STRING)
        cr_expect_str_eq(r->str, "new", "stale read from the old leader");
    else
        cr_expect_eq(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    redisFree(old);
    /* And it steps down. */
    deadline = h_now_ms() + 10000;
    bool follower = false;
    while (h_now_ms() < deadline && !follower) {
        redisReply *i = h_node_cmd(&cl.nodes[leader], "INFO raft");
        follower = i && i->str && strstr(i->str, "raft_role:follower");
        if (i)
            freeReplyObject(i);
        usleep(50 * 1000);
    }
    cr_expect(follower, "the old leader must step down");
    expect_value_at(&cl, leader, "x", "new");
}

Test(cluster, five_nodes_survive_two_failures_and_stop_without_a_majority)
{
    hc_init(&cl, 5, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 15000);
    cr_assert_geq(leader, 0);
    h_node_kill9(&cl.nodes[leader]);
    h_node_kill9(&cl.nodes[(leader + 1) % 5]);
    int alive = (leader + 2) % 5;
    cr_assert(hc_set_retry(&cl, alive, "a", "1", 15000), "3 of 5 must keep serving writes");
    h_node_kill9(&cl.nodes[alive]);
    int probe = (leader + 3) % 5;
    redisReply *r = h_node_cmd(&cl.nodes[probe], "SET b 2");
    cr_assert_not_null(r);
    cr_expect_eq(r->type, REDIS_REPLY_ERROR, "2 of 5 must not accept writes");
    if (r->type == REDIS_REPLY_ERROR)
        cr_expect(!strncmp(r->str, "CLUSTERDOWN", 11) || !strncmp(r->str, "TRYAGAIN", 8), "%s", r->str);
    freeReplyObject(r);
    cr_assert(h_node_start(&cl.nodes[alive]));
    cr_expect(hc_set_retry(&cl, probe, "b", "2", 20000), "writes resume once a majority is back");
    expect_value_at(&cl, probe, "a", "1");
}

Test(cluster, a_peer_with_the_wrong_secret_is_refused)
{
    hc_init(&cl, 3, "--cluster-secret right");
    /* Node 3 knows a different secret. */
    char *extra = cl.nodes[2].extra;
    char *p = strstr(extra, "--cluster-secret right");
    memcpy(p, "--cluster-secret wrong", strlen("--cluster-secret wrong"));
    hc_start_all(&cl);
    /* Nodes 1 and 2 are a majority on their own. */
    int leader = -1;
    long long deadline = h_now_ms() + 15000;
    while (leader < 0 && h_now_ms() < deadline) {
        for (int i = 0; i < 3; i++) {
            redisReply *r = h_node_cmd(&cl.nodes[i], "INFO raft");
            if (r && r->str && strstr(r->str, "raft_role:leader"))
                leader = i;
            if (r)
                freeReplyObject(r);
        }
        usleep(50 * 1000);
    }
    cr_assert_geq(leader, 0);
    cr_expect_neq(leader, 2);
    cr_assert(hc_set_retry(&cl, leader, "k", "v", 10000));
    usleep(1000 * 1000);
    /* Node 3 never joined: it knows no leader and applied nothing. */
    cr_expect_eq(hc_info_int(&cl, 2, "raft_last_applied_index"), 0);
    char out[65536];
    h_sh(out, sizeof out, "cat %s/sandstore.log %s/sandstore.log", cl.nodes[0].dir, cl.nodes[1].dir);
    cr_expect(strstr(out, "bad cluster secret") != NULL || strstr(out, "refused") != NULL,
              "the refusal must be logged");
}

/* A node whose newest log records were lost after it applied them (here the
 * last one is torn by hand, as a disk that dropped a synced write would):
 * its state machine is ahead of its log. It restarts from its state, with
 * the log continuing after it (the state records the term of its last
 * entry), and new writes apply once, on top of what it had. Before, it
 * refused to start (or, earlier still, failed applying the next entry). */
Test(cluster, a_node_whose_log_lost_an_applied_tail_restarts_from_its_state)
{
    h_node n;
    h_node_init(&n, 1, "%s", "");
    cr_assert(h_node_start(&n), "start; see %s", n.dir);
    redisContext *ctx = h_connect(&n);
    cr_assert(ctx && !ctx->err);
    for (int i = 0; i < 50; i++) {
        redisReply *r = h_cmd(ctx, "SET k%d v%d", i, i);
        cr_assert(r && r->type == REDIS_REPLY_STATUS);
        freeReplyObject(r);
    }
    for (int i = 1; i <= 5; i++) {
        redisReply *r = h_cmd(ctx, "INCR ctr");
        cr_assert(r && r->type == REDIS_REPLY_INTEGER && r->integer == i);
        freeReplyObject(r);
    }
    redisFree(ctx);
    h_node_kill9(&n);
    tear_last_segment(&n); /* the last INCR, applied and acknowledged */
    cr_assert(h_node_start(&n), "the node must restart; see %s", n.dir);
    ctx = h_connect(&n);
    cr_assert(ctx && !ctx->err);
    redisReply *r = h_cmd(ctx, "GET ctr");
    cr_expect(r && r->type == REDIS_REPLY_STRING && strcmp(r->str, "5") == 0,
              "the acknowledged INCRs are all there");
    freeReplyObject(r);
    r = h_cmd(ctx, "INCR ctr");
    cr_expect(r && r->type == REDIS_REPLY_INTEGER && r->integer == 6, "a new INCR applies once");
    freeReplyObject(r);
    r = h_cmd(ctx, "GET k49");
    cr_expect(r && r->type == REDIS_REPLY_STRING && strcmp(r->str, "v49") == 0);
    freeReplyObject(r);
    redisFree(ctx);
    h_node_cleanup(&n);
}

/* Whether a line of node n's sandstore.log contains what. */
static bool log_says(const h_node *n, const char *what)
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/sandstore.log", n->dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool found = false;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, what) != NULL;
    fclose(f);
    return found;
}

Test(cluster, a_leader_whose_followers_are_gone_stops_without_waiting_out_the_handoff)
{
    /* Election timeouts of 2 s, so that the leader still leads (check-quorum
     * has not stepped it down) when its SIGTERM comes right after its
     * followers went. */
    hc_init(&cl, 3, "--election-timeout 2000 --heartbeat-interval 100");
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 30000);
    cr_assert_geq(leader, 0, "no leader elected");
    for (int i = 0; i < 3; i++)
        if (i != leader)
            h_node_kill9(&cl.nodes[i]);
    /* Its handoff can reach no voter. Before, it tried until its deadline
     * (two election timeouts and a second: 5 s here, for every stop of a
     * whole cluster) and then stopped as leader; now it stops at once. */
    cr_assert_eq(h_node_stop(&cl.nodes[leader], SIGTERM), 0, "the leader's exit status");
    if (!log_says(&cl.nodes[leader], "handing leadership to node"))
        cr_skip_test("node %d no longer led at its SIGTERM (a loaded machine): nothing to hand over", leader + 1);
    cr_expect(log_says(&cl.nodes[leader], "no other voter is reachable; stopping without a handoff"),
              "node %d waited for a handoff nobody could take (see %s/sandstore.log)", leader + 1,
              cl.nodes[leader].dir);
    cr_expect(!log_says(&cl.nodes[leader], "was not handed over in time"));
}

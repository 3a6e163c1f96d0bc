/* The operator's membership recipes on real processes: grow 3 -> 5 by RAFT.CLUSTER JOIN and the join directive and shrink back (the leader removed) under writes, replace a node whose disk is gone, a learner that serves reads but never counts, a one-member cluster that grows, bad input that changes nothing, and a rolling restart under redis-benchmark with zero errors. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;

static const char *auth_pw;
static void teardown(void)
{
    hc_cleanup(&cl);
    auth_pw = NULL;
}
TestSuite(membership_ops, .fini = teardown, .timeout = 900);

#define TIMING "--election-timeout 300 --heartbeat-interval 50 --leader-wait-timeout 3000"

/* Sends a command to node i; its status or error text in buf ("" for other replies). */
static void at(int i, char *buf, size_t size, const char *fmt, ...)
{
    redisContext *ctx = h_connect(&cl.nodes[i]);
    redisReply *r = NULL;
    if (ctx && !ctx->err) {
        va_list ap;
        va_start(ap, fmt);
        r = redisvCommand(ctx, fmt, ap);
        va_end(ap);
    }
    if (ctx)
        redisFree(ctx);
    snprintf(buf, size, "%s",
             r && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR) ? r->str
             : r                                                                  ? "(other)"
                                                                                  : "(no reply)");
    freeReplyObject(r);
}

/* auth_pw: the password the nodes require, once a test set one (NULL: none). */

/* A command on node i, authenticated when the nodes require it. */
static redisReply *node_cmd(int i, const char *fmt, ...)
{
    redisContext *ctx = h_connect(&cl.nodes[i]);
    redisReply *r = NULL;
    if (ctx && !ctx->err) {
        if (auth_pw)
            freeReplyObject(redisCommand(ctx, "AUTH %s", auth_pw));
        va_list ap;
        va_start(ap, fmt);
        r = redisvCommand(ctx, fmt, ap);
        va_end(ap);
    }
    if (ctx)
        redisFree(ctx);
    return r;
}

/* RAFT.NODE LIST of node i: how many voters and learners. */
static void members(int i, int *voters, int *learners)
{
    *voters = *learners = 0;
    redisReply *r = node_cmd(i, "RAFT.NODE LIST");
    for (size_t k = 0; r && r->type == REDIS_REPLY_ARRAY && k < r->elements; k++) {
        redisReply *m = r->element[k];
        if (m->type == REDIS_REPLY_ARRAY && m->elements == 12 && m->element[9]->type == REDIS_REPLY_STRING)
            (*(strcmp(m->element[9]->str, "voter") ? learners : voters))++;
    }
    freeReplyObject(r);
}

/* Waits (bounded, ends as soon as it holds) until node i lists this many voters and learners. */
static bool wait_members(int i, int voters, int learners)
{
    for (int k = 0; k < 600; k++) {
        int v, l;
        members(i, &v, &l);
        if (v == voters && l == learners)
            return true;
        if (k == 599)
            cr_log_info("node %d lists %d voters and %d learners (leader %lld)", cl.nodes[i].id, v, l,
                        hc_info_int(&cl, i, "raft_leader_id"));
        usleep(50 * 1000);
    }
    return false;
}

/* Every node of idx returns every write w acknowledged and holds the same data. */
static void check_all(const int *idx, int n, int leader, const hc_writer *w)
{
    char *ref = NULL;
    for (int k = 0; k < n; k++) {
        int i = idx[k];
        cr_expect(hc_caught_up(&cl, i, leader), "node %d catches up", cl.nodes[i].id);
        cr_expect_eq(hc_writer_missing_at(&cl, i, w), 0, "node %d returns every acknowledged write",
                     cl.nodes[i].id);
        char *d = hc_digest(&cl, i);
        if (ref == NULL) {
            ref = d;
        } else {
            cr_expect_str_eq(d, ref, "node %d holds the same data", cl.nodes[i].id);
            free(d);
        }
    }
    free(ref);
}

/* Node slot i: a new node (id) that joins through the given member's client port. */
static void init_joiner(int i, int id, const char *how, int member)
{
    h_node *n = &cl.nodes[i];
    h_node_init(n, id, NULL);
    snprintf(n->extra, sizeof n->extra, "--raft-bootstrap no %s " TIMING, how);
    if (!strcmp(how, "--join"))
        snprintf(n->extra, sizeof n->extra, "--join 127.0.0.1:%d,127.0.0.1:%d " TIMING,
                 cl.nodes[member].port, cl.nodes[(member + 1) % 3].port);
    if (i >= cl.n)
        cl.n = i + 1;
}

Test(membership_ops, grow_three_to_five_by_join_and_shrink_back_removing_the_leader_under_writes)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert(leader >= 0, "a leader is elected");
    int writers[] = {0, 1, 2, 3, 4};
    hc_writer *w = hc_writer_start(&cl, writers, 5);

    /* Node 4 joins with the directive (through a follower's port, which
     * forwards to the leader); node 5 with RAFT.CLUSTER JOIN. */
    int follower = (leader + 1) % 3;
    init_joiner(3, 4, "--join", follower);
    init_joiner(4, 5, "", 0);
    cr_assert(h_node_start(&cl.nodes[3]) && h_node_start(&cl.nodes[4]));
    char buf[512];
    at(4, buf, sizeof buf, "RAFT.CLUSTER JOIN 127.0.0.1:%d", cl.nodes[follower].port);
    cr_expect_str_eq(buf, "OK");
    cr_assert(wait_members(leader, 5, 0), "five voters once both caught up and were promoted");
    usleep(300 * 1000);

    /* Shrink: remove the leader itself (it hands over once its removal
     * commits), then one of the new nodes, each through a follower. */
    int old = leader;
    at(follower, buf, sizeof buf, "RAFT.NODE REMOVE %d", old + 1);
    cr_expect_str_eq(buf, "OK", "the leader's removal, sent to a follower");
    cr_expect(wait_members(follower, 4, 0));
    h_node_stop(&cl.nodes[old], SIGTERM);
    cr_assert(hc_wait_leader(&cl, 20000) >= 0, "the others elect a leader among themselves");
    at(follower, buf, sizeof buf, "RAFT.NODE REMOVE 5");
    cr_expect_str_eq(buf, "OK");
    cr_expect(wait_members(follower, 3, 0));
    h_node_stop(&cl.nodes[4], SIGTERM);
    leader = hc_wait_leader(&cl, 20000);
    cr_assert(leader >= 0 && leader != old, "a remaining voter leads");
    usleep(300 * 1000);
    hc_writer_stop(w);
    cr_log_info("%d of %d writes acknowledged", hc_writer_acked(w), hc_writer_attempted(w));
    cr_expect_gt(hc_writer_acked(w), 0);
    int rest[3], n = 0;
    for (int i = 0; i < 4; i++)
        if (i != old)
            rest[n++] = i;
    check_all(rest, n, leader, w);
    hc_writer_free(w);
}

Test(membership_ops, a_node_whose_data_is_gone_is_replaced_by_a_new_id_at_a_new_port)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert(leader >= 0);
    int writers[] = {0, 1, 2, 3};
    hc_writer *w = hc_writer_start(&cl, writers, 4);
    usleep(300 * 1000);

    /* A follower dies with its disk. */
    int dead = (leader + 2) % 3;
    h_node_kill9(&cl.nodes[dead]);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cl.nodes[dead].dir);
    cr_assert_eq(system(cmd), 0);
    char buf[512];
    at(leader, buf, sizeof buf, "RAFT.NODE REMOVE %d", dead + 1);
    cr_expect_str_eq(buf, "OK");
    at(leader, buf, sizeof buf, "RAFT.NODE ADD %d 127.0.0.1:%d", dead + 1, cl.nodes[dead].raft_port);
    cr_expect(!strncmp(buf, "ERR ", 4), "a removed id is never reused: %s", buf);

    /* Its replacement: a new id, new ports, an empty directory. */
    init_joiner(3, 4, "", 0);
    cr_assert(h_node_start(&cl.nodes[3]));
    at(3, buf, sizeof buf, "RAFT.CLUSTER JOIN 127.0.0.1:%d 127.0.0.1:%d", cl.nodes[dead].port,
       cl.nodes[(dead + 1) % 3].port);
    cr_expect_str_eq(buf, "OK", "the dead address is skipped, the next one adds it");
    cr_assert(wait_members(leader, 3, 0), "three voters again");
    leader = hc_wait_leader(&cl, 20000);
    usleep(300 * 1000);
    hc_writer_stop(w);
    cr_assert(leader >= 0);
    int live[3], n = 0;
    for (int i = 0; i < 4; i++)
        if (i != dead)
            live[n++] = i;
    check_all(live, n, leader, w);
    hc_writer_free(w);
}

Test(membership_ops, a_learner_serves_reads_and_never_counts_for_commit)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert(leader >= 0);
    h_node *n4 = &cl.nodes[3];
    init_joiner(3, 4, "", 0);
    snprintf(n4->extra, sizeof n4->extra, "--raft-bootstrap no --peers 1@127.0.0.1:%d,2@127.0.0.1:%d,3@127.0.0.1:%d,4@127.0.0.1:%d " TIMING,
             cl.nodes[0].raft_port, cl.nodes[1].raft_port, cl.nodes[2].raft_port, n4->raft_port);
    cr_assert(h_node_start(n4));
    char buf[512];
    at(leader, buf, sizeof buf, "RAFT.NODE ADD 4 127.0.0.1:%d LEARNER", n4->raft_port);
    cr_assert_str_eq(buf, "OK");
    cr_assert(hc_set_retry(&cl, leader, "k", "v1", 20000));
    redisReply *r = h_node_get_retrying(n4, "k", 20000);
    cr_expect(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "v1"), "the learner serves reads");
    freeReplyObject(r);
    at(3, buf, sizeof buf, "SET k v2");
    cr_expect_str_eq(buf, "OK", "and takes writes for the leader");

    /* With both other voters gone, leader and learner are no majority. */
    long long commit = hc_info_int(&cl, leader, "raft_commit_index");
    for (int i = 0; i < 3; i++)
        if (i != leader)
            h_node_stop(&cl.nodes[i], SIGKILL);
    at(leader, buf, sizeof buf, "SET k v3");
    cr_expect_neq(strcmp(buf, "OK"), 0, "a write is not acknowledged: %s", buf);
    cr_expect_eq(hc_info_int(&cl, leader, "raft_commit_index"), commit,
                 "the learner's acknowledgement commits nothing");
}

Test(membership_ops, a_one_member_cluster_grows_and_bad_input_changes_nothing)
{
    /* Node 1 alone: no peers, the raft port opens on the first addition.
     * Every node requires a password (set once it answers PING). */
    memset(&cl, 0, sizeof cl);
    /* Node 1's long election timeout keeps it leading (check-quorum) for a
     * while after node 4 stops, long enough to see a change pending. */
    h_node_init(&cl.nodes[0], 1, "--cluster-secret s3cret --election-timeout 3000 "
                "--heartbeat-interval 100 --leader-wait-timeout 10000");
    h_node_init(&cl.nodes[1], 2, "--raft-bootstrap no --cluster-secret wrong " TIMING);
    h_node_init(&cl.nodes[2], 3, "--raft-bootstrap no --cluster-secret s3cret --cluster-id other " TIMING);
    h_node_init(&cl.nodes[3], 4, "--raft-bootstrap no --cluster-secret s3cret " TIMING);
    cl.n = 4;
    for (int i = 0; i < 4; i++) {
        cr_assert(h_node_start(&cl.nodes[i]));
        freeReplyObject(h_node_cmd(&cl.nodes[i], "CONFIG SET requirepass pw"));
    }
    auth_pw = "pw";
    char buf[512];
    redisContext *c1 = h_connect(&cl.nodes[0]);
    redisReply *r = h_cmd(c1, "AUTH pw");
    freeReplyObject(r);
    r = h_cmd(c1, "RAFT.NODE REMOVE 1");
    cr_expect(r && r->type == REDIS_REPLY_ERROR, "removing the last voter is refused");
    freeReplyObject(r);
    r = h_cmd(c1, "SET before grow");
    freeReplyObject(r);

    /* Joiners: one with the wrong secret, one with the wrong cluster id,
     * then the right one. */
    const char *expect[] = {NULL, "ERR the joining node does not hold this cluster's cluster-secret",
                            "ERR wrong cluster id 'other': this cluster is 'sandstore'", "OK"};
    for (int i = 1; i < 4; i++) {
        redisContext *ci = h_connect(&cl.nodes[i]);
        freeReplyObject(h_cmd(ci, "AUTH pw"));
        r = h_cmd(ci, "RAFT.CLUSTER JOIN 127.0.0.1:%d", cl.nodes[0].port);
        snprintf(buf, sizeof buf, "%s", r && r->str ? r->str : "(none)");
        cr_expect_str_eq(buf, expect[i], "joiner %d", i + 1);
        freeReplyObject(r);
        redisFree(ci);
        if (i < 3) {
            int v, l;
            members(0, &v, &l);
            cr_expect(v == 1 && l == 0, "a refused join changes nothing");
        }
    }
    /* Existing id or address. */
    r = h_cmd(c1, "RAFT.NODE ADD 4 127.0.0.1:%d", cl.nodes[1].raft_port);
    cr_expect(r && r->type == REDIS_REPLY_ERROR, "an existing id is refused");
    freeReplyObject(r);
    r = h_cmd(c1, "RAFT.NODE ADD 9 127.0.0.1:%d", cl.nodes[3].raft_port);
    cr_expect(r && r->type == REDIS_REPLY_ERROR, "an existing address is refused");
    freeReplyObject(r);
    redisContext *c4 = h_connect(&cl.nodes[3]);
    freeReplyObject(h_cmd(c4, "AUTH pw"));
    r = h_cmd(c4, "RAFT.CLUSTER JOIN 127.0.0.1:%d", cl.nodes[0].port);
    cr_expect(r && r->type == REDIS_REPLY_ERROR, "a member does not join again");
    freeReplyObject(r);
    cr_expect(wait_members(0, 2, 0), "two voters once the new one is promoted");
    /* The promotion counts from when it is appended; a write acknowledged
     * under it needs node 4's copy, so once it is, the promotion committed
     * too (log order) and the next change is not refused as premature. */
    r = h_cmd(c1, "SET after promote");
    cr_expect(r && r->type == REDIS_REPLY_STATUS && !strcmp(r->str, "OK"), "a write commits with both voters");
    freeReplyObject(r);
    r = h_cmd(c4, "GET before");
    cr_expect(r && r->type == REDIS_REPLY_STRING && !strcmp(r->str, "grow"), "the new member holds the data");
    freeReplyObject(r);

    /* A second change while one is pending: node 4 down, an addition cannot
     * commit (its client gives up waiting; the change stays pending). */
    /* (logged in first: AUTH takes a read barrier, which a leader without
     * its quorum cannot pass until it gives up) */
    redisContext *slow = h_connect(&cl.nodes[0]);
    freeReplyObject(h_cmd(slow, "AUTH pw"));
    h_node_stop(&cl.nodes[3], SIGKILL);
    int spare = h_free_port();
    redisSetTimeout(slow, (struct timeval){0, 500 * 1000});
    r = redisCommand(slow, "RAFT.NODE ADD 9 127.0.0.1:%d LEARNER", spare);
    cr_expect_null(r, "the first change waits for a commit that cannot come");
    freeReplyObject(r);
    redisFree(slow);
    r = h_cmd(c1, "RAFT.NODE ADD 10 127.0.0.1:%d LEARNER", h_free_port());
    cr_expect(r && r->type == REDIS_REPLY_ERROR && strstr(r->str, "in progress"),
              "a second change is refused: %s", r && r->str ? r->str : "(none)");
    freeReplyObject(r);
    cr_assert(h_node_start(&cl.nodes[3]), "node 4 restarts");
    cr_expect(wait_members(0, 2, 1), "the first change commits once node 4 is back; the second never happened");
    redisFree(c4);
    redisFree(c1);
}

/* redis-benchmark against node `via` in the background; its output in out. */
static FILE *bench_start(int via, char *out)
{
    snprintf(out, 300, "%s/bench.out", cl.nodes[via].dir);
    char cmd[800];
    snprintf(cmd, sizeof cmd,
             "timeout 300 redis-benchmark -p %d -t set -n 100000000 -c 8 -r 100000 --csv "
             ">%s 2>&1 & echo $!", cl.nodes[via].port, out);
    return popen(cmd, "r");
}

Test(membership_ops, a_rolling_restart_under_redis_benchmark_costs_no_error)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    cr_assert(hc_wait_leader(&cl, 20000) >= 0);
    /* Each node in turn stops (SIGTERM: a leader hands over first) and comes
     * back, while redis-benchmark writes through another node. */
    int leaders_restarted = 0;
    for (int k = 0; k < 3; k++) {
        int via = (k + 1) % 3;
        char out[300];
        FILE *p = bench_start(via, out);
        int pid = 0;
        cr_assert(p && fscanf(p, "%d", &pid) == 1 && pid > 0);
        pclose(p);
        long long before = hc_info_int(&cl, via, "raft_commit_index");
        usleep(1000 * 1000);
        bool was_leader = hc_info_int(&cl, k, "raft_leader_id") == k + 1;
        leaders_restarted += was_leader;
        int status = h_node_stop(&cl.nodes[k], SIGTERM);
        cr_expect_eq(status, 0, "node %d stops cleanly", k + 1);
        cr_assert(h_node_start(&cl.nodes[k]), "node %d restarts", k + 1);
        int leader = hc_wait_leader(&cl, 20000);
        cr_assert(leader >= 0);
        cr_expect(hc_caught_up(&cl, k, leader), "node %d catches up", k + 1);
        usleep(500 * 1000);
        long long after = hc_info_int(&cl, via, "raft_commit_index");
        cr_expect_gt(after - before, 100, "redis-benchmark wrote throughout (%lld entries)", after - before);
        cr_log_info("node %d (%s) restarted under %lld writes through node %d", k + 1,
                    was_leader ? "the leader" : "a follower", after - before, via + 1);
        kill(pid, SIGINT);
        for (int t = 0; t < 100 && kill(pid, 0) == 0; t++)
            usleep(100 * 1000);
        char cmd[400], res[4096] = "";
        snprintf(cmd, sizeof cmd, "grep -i -c -E 'error|closed|refused' %s", out);
        h_sh(res, sizeof res, "%s", cmd);
        cr_expect_eq(atoi(res), 0, "redis-benchmark through node %d reported no error while node %d restarted",
                     via + 1, k + 1);
        if (atoi(res) != 0) {
            snprintf(cmd, sizeof cmd, "grep -i -m 5 -E 'error|closed|refused' %s", out);
            h_sh(res, sizeof res, "%s", cmd);
            cr_log_error("%s", res);
        }
    }
    cr_expect_gt(leaders_restarted, 0, "the leader was among the nodes restarted (it hands over first)");
}

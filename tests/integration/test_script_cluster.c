/* Scripts as cluster state: a script loaded through any node runs by EVALSHA through every node, after every node restarts, and on a follower rebuilt from a snapshot. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;

static void teardown(void) { hc_cleanup(&cl); }

TestSuite(script_cluster, .fini = teardown, .timeout = 600);

static const char *body = "return redis.call('incrby', KEYS[1], ARGV[1])";

/* EVALSHA through node i, retrying while the cluster elects or catches up
 * (TRYAGAIN, CLUSTERDOWN): the reply's integer, or -1 on NOSCRIPT. */
static long long evalsha_at(int i, const char *sha, const char *key, int by)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        redisReply *r = h_node_cmd(&cl.nodes[i], "EVALSHA %s 1 %s %d", sha, key, by);
        if (r && r->type == REDIS_REPLY_INTEGER) {
            long long v = r->integer;
            freeReplyObject(r);
            return v;
        }
        bool noscript = r && r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "NOSCRIPT", 8);
        if (r)
            freeReplyObject(r);
        if (noscript)
            return -1;
        usleep(100 * 1000);
    }
    cr_assert_fail("node %d never answered EVALSHA", i + 1);
    return -2;
}

static void load_through(int i, char *sha)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        redisReply *r = h_node_cmd(&cl.nodes[i], "SCRIPT LOAD %s", body);
        if (r && r->type == REDIS_REPLY_STRING) {
            snprintf(sha, 41, "%s", r->str);
            freeReplyObject(r);
            return;
        }
        if (r)
            freeReplyObject(r);
        usleep(100 * 1000);
    }
    cr_assert_fail("SCRIPT LOAD through node %d never succeeded", i + 1);
}

Test(script_cluster, a_script_loaded_through_one_node_runs_everywhere_and_after_restarts)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    int f = (leader + 1) % 3;
    char sha[41];
    load_through(f, sha); /* through a follower */
    /* an EVALSHA right after, through each node: linearizable, never NOSCRIPT */
    long long total = 0;
    for (int i = 0; i < 3; i++) {
        total += i + 1;
        cr_expect_eq(evalsha_at(i, sha, "n", i + 1), total, "node %d", i + 1);
    }
    /* every node killed and restarted: the table is in LevelDB */
    for (int i = 0; i < 3; i++)
        h_node_kill9(&cl.nodes[i]);
    hc_start_all(&cl);
    cr_assert_geq(hc_wait_leader(&cl, 30000), 0);
    for (int i = 0; i < 3; i++) {
        total += 10;
        cr_expect_eq(evalsha_at(i, sha, "n", 10), total, "node %d after the restart", i + 1);
    }
    /* SCRIPT FLUSH through one node reaches all of them */
    redisReply *r = h_node_cmd(&cl.nodes[leader], "SCRIPT FLUSH");
    cr_assert(r && r->type == REDIS_REPLY_STATUS);
    freeReplyObject(r);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(evalsha_at(i, sha, "n", 1), -1, "node %d after SCRIPT FLUSH", i + 1);
}

Test(script_cluster, a_follower_rebuilt_from_a_snapshot_has_the_scripts)
{
    hc_init(&cl, 3, "--snapshot-threshold 2000 --snapshot-trailing-entries 200 --raft-segment-size 256kb");
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    int f = (leader + 1) % 3;
    h_node_kill9(&cl.nodes[f]);
    char sha[41];
    load_through(leader, sha);
    /* enough writes that the log before the load is compacted away */
    redisContext *c = h_connect(&cl.nodes[leader]);
    cr_assert(c);
    for (int i = 0; i < 12000; i++)
        redisAppendCommand(c, "EVALSHA %s 1 w 1", sha);
    for (int i = 0; i < 12000; i++) {
        redisReply *r;
        cr_assert_eq(redisGetReply(c, (void **)&r), REDIS_OK);
        cr_assert_eq(r->type, REDIS_REPLY_INTEGER, "%s", r->type == REDIS_REPLY_ERROR ? r->str : "?");
        freeReplyObject(r);
    }
    redisFree(c);
    cr_assert(h_node_start(&cl.nodes[f]));
    long long applied = hc_info_int(&cl, leader, "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, applied, 120000));
    cr_expect_geq(hc_info_int(&cl, f, "raft_snapshots_installed"), 1, "the follower must come back by a snapshot");
    cr_expect_eq(evalsha_at(f, sha, "w", 1), 12001);
    redisReply *ex = h_node_cmd(&cl.nodes[f], "SCRIPT EXISTS %s", sha);
    cr_assert(ex && ex->type == REDIS_REPLY_ARRAY && ex->elements == 1);
    cr_expect_eq(ex->element[0]->integer, 1);
    freeReplyObject(ex);
}

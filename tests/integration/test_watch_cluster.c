/* WATCH across a 3-node cluster: EXEC aborts when a watched key was changed through another node, expired or flushed, runs otherwise, and answers as redis-server 7.0 does. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;

static void teardown(void) { hc_cleanup(&cl); }

TestSuite(watch_cluster, .fini = teardown, .timeout = 600);

/* A command through c, again while the cluster elects (TRYAGAIN...). */
static redisReply *retrying(redisContext *c, const char *cmd)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        redisReply *r = h_cmd(c, cmd);
        if (r->type != REDIS_REPLY_ERROR)
            return r;
        freeReplyObject(r);
        usleep(100 * 1000);
    }
    cr_assert_fail("%s never succeeded", cmd);
    return NULL;
}

static void ok(redisContext *c, const char *cmd)
{
    redisReply *r = retrying(c, cmd);
    freeReplyObject(r);
}

/* WATCH k on a, then `meddle` through b (NULL: nothing), then MULTI INCR k
 * EXEC on a: whether EXEC ran. */
static bool exec_runs(redisContext *a, redisContext *b, const char *meddle)
{
    ok(a, "WATCH k");
    if (meddle)
        ok(b, meddle);
    ok(a, "MULTI");
    freeReplyObject(h_cmd(a, "INCR k"));
    redisReply *r = h_cmd(a, "EXEC");
    cr_assert(r->type == REDIS_REPLY_ARRAY || r->type == REDIS_REPLY_NIL, "EXEC: an array or null");
    bool ran = r->type == REDIS_REPLY_ARRAY;
    freeReplyObject(r);
    return ran;
}

Test(watch_cluster, exec_aborts_when_another_node_changed_a_watched_key)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    redisContext *a = h_connect(&cl.nodes[(leader + 1) % 3]); /* a follower */
    redisContext *b = h_connect(&cl.nodes[(leader + 2) % 3]); /* the other one */
    redisContext *l = h_connect(&cl.nodes[leader]);
    ok(b, "SET k 10");
    cr_expect(exec_runs(a, b, NULL), "nothing changed: EXEC runs");
    cr_expect_not(exec_runs(a, b, "SET k 20"), "written through another follower");
    cr_expect_not(exec_runs(a, l, "DEL k"), "deleted through the leader");
    cr_expect(exec_runs(a, b, "SET other 1"), "another key changed");
    cr_expect_not(exec_runs(a, b, "FLUSHALL"), "flushed");
    ok(b, "SET k 1");
    cr_expect_not(exec_runs(a, b, "PEXPIRE k 1"), "given a TTL");
    /* expired between WATCH and EXEC */
    ok(b, "SET k 1 PX 300");
    ok(a, "WATCH k");
    usleep(600 * 1000);
    ok(a, "MULTI");
    freeReplyObject(h_cmd(a, "GET k"));
    redisReply *r = h_cmd(a, "EXEC");
    cr_expect_eq(r->type, REDIS_REPLY_NIL, "expired after WATCH: EXEC aborts");
    freeReplyObject(r);
    /* UNWATCH forgets */
    ok(a, "WATCH k");
    ok(b, "SET k 2");
    ok(a, "UNWATCH");
    ok(a, "MULTI");
    freeReplyObject(h_cmd(a, "INCR k"));
    r = h_cmd(a, "EXEC");
    cr_assert_eq(r->type, REDIS_REPLY_ARRAY);
    cr_expect_eq(r->element[0]->integer, 3);
    freeReplyObject(r);
    /* a watched EXEC of reads only is decided in apply too */
    ok(a, "WATCH k");
    ok(b, "SET k 9");
    ok(a, "MULTI");
    freeReplyObject(h_cmd(a, "GET k"));
    r = h_cmd(a, "EXEC");
    cr_expect_eq(r->type, REDIS_REPLY_NIL, "a read-only EXEC aborts as well");
    freeReplyObject(r);
    redisFree(a);
    redisFree(b);
    redisFree(l);
}

/* Two clients on different followers race an optimistic increment loop:
 * every successful EXEC counts once, none is lost or doubled. */
Test(watch_cluster, optimistic_increments_from_two_nodes_are_never_lost)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    redisContext *c[2] = {h_connect(&cl.nodes[(leader + 1) % 3]), h_connect(&cl.nodes[(leader + 2) % 3])};
    ok(c[0], "SET n 0");
    int done[2] = {0, 0}, aborted = 0;
    for (int round = 0; round < 200 && (done[0] < 25 || done[1] < 25); round++) {
        for (int i = 0; i < 2; i++) {
            if (done[i] >= 25)
                continue;
            ok(c[i], "WATCH n");
            redisReply *g = retrying(c[i], "GET n");
            long long v = atoll(g->str);
            freeReplyObject(g);
            /* the other client writes in between every other round */
            bool meddled = false;
            if (round % 2 == 0 && done[1 - i] < 25) {
                ok(c[1 - i], "INCR n");
                done[1 - i]++;
                meddled = true;
            }
            ok(c[i], "MULTI");
            char set[64];
            snprintf(set, sizeof set, "SET n %lld", v + 1);
            freeReplyObject(h_cmd(c[i], set));
            redisReply *r = h_cmd(c[i], "EXEC");
            /* An INCR acknowledged after WATCH is before the EXEC in the
             * log: the EXEC must abort, whatever node each went through. */
            cr_expect(!meddled || r->type != REDIS_REPLY_ARRAY,
                      "round %d: client %d's EXEC ran although the other client's INCR (acknowledged) "
                      "came after its WATCH and GET read %lld",
                      round, i, v);
            if (r->type == REDIS_REPLY_ARRAY)
                done[i]++;
            else
                aborted++;
            freeReplyObject(r);
        }
    }
    redisReply *r = retrying(c[0], "GET n");
    cr_expect_eq(atoll(r->str), done[0] + done[1], "every acknowledged increment counted once: n is %s, %d + %d acknowledged, %d aborted",
                 r->str, done[0], done[1], aborted);
    cr_expect_gt(aborted, 0, "the interleaved writes made some EXECs abort");
    freeReplyObject(r);
    redisFree(c[0]);
    redisFree(c[1]);
}

/* Blocking commands across a 3-node cluster: clients blocked on followers are served by pushes through other nodes, each element to exactly one of them, in the order they blocked; timeouts and CLIENT UNBLOCK answer as Redis. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;

static void teardown(void) { hc_cleanup(&cl); }

TestSuite(blocking_cluster, .fini = teardown, .timeout = 600);

static redisContext *connect_to(const h_node *n)
{
    redisContext *c = h_connect(n);
    cr_assert(c && !c->err);
    struct timeval tv = {20, 0};
    redisSetTimeout(c, tv);
    return c;
}

static redisReply *next_reply(redisContext *c)
{
    void *r = NULL;
    return redisGetReply(c, &r) == REDIS_OK ? r : NULL;
}

static void write_retrying(int i, const char *cmd)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        redisReply *r = h_node_cmd(&cl.nodes[i], cmd);
        bool ok = r && r->type != REDIS_REPLY_ERROR;
        if (r)
            freeReplyObject(r);
        if (ok)
            return;
        usleep(100 * 1000);
    }
    cr_assert_fail("%s never succeeded", cmd);
}

Test(blocking_cluster, clients_blocked_on_followers_get_each_element_once)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    int f1 = (leader + 1) % 3, f2 = (leader + 2) % 3;
    write_retrying(f1, "DEL q");
    /* 6 clients block: 3 on each follower */
    enum { N = 6 };
    redisContext *c[N];
    for (int i = 0; i < N; i++) {
        c[i] = connect_to(&cl.nodes[i % 2 ? f2 : f1]);
        redisAppendCommand(c[i], i % 3 == 2 ? "BLMOVE q done LEFT RIGHT 0" : "BLPOP q 0");
        int done = 0;
        redisBufferWrite(c[i], &done);
    }
    usleep(300 * 1000);
    /* the elements come through the leader and the other follower */
    for (int e = 0; e < N; e++) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "RPUSH q e%d", e);
        write_retrying(e % 2 ? leader : f2, cmd);
    }
    bool seen[N] = {false};
    for (int i = 0; i < N; i++) {
        redisReply *r = next_reply(c[i]);
        cr_assert(r, "client %d was served", i);
        const char *el = r->type == REDIS_REPLY_ARRAY ? r->element[1]->str : r->str;
        cr_assert(el && el[0] == 'e', "client %d got an element", i);
        int k = atoi(el + 1);
        cr_expect_not(seen[k], "e%d delivered twice", k);
        seen[k] = true;
        freeReplyObject(r);
        redisFree(c[i]);
    }
    redisReply *r = h_node_get_retrying(&cl.nodes[leader], "q", 5000);
    cr_expect_eq(r->type, REDIS_REPLY_NIL, "every element went to a waiter");
    freeReplyObject(r);
}

Test(blocking_cluster, timeouts_unblock_and_a_pop_that_lost_its_race_blocks_again)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    int f = (leader + 1) % 3;
    redisContext *a = connect_to(&cl.nodes[f]);
    redisReply *r = h_cmd(a, "BLPOP nothing 0.2");
    cr_expect_eq(r->type, REDIS_REPLY_NIL, "timed out");
    freeReplyObject(r);
    r = h_cmd(a, "CLIENT ID");
    long long id = r->integer;
    freeReplyObject(r);
    redisAppendCommand(a, "BZPOPMIN z 0");
    int done = 0;
    redisBufferWrite(a, &done);
    usleep(300 * 1000);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "CLIENT UNBLOCK %lld", id);
    r = h_node_cmd(&cl.nodes[f], cmd);
    cr_expect_eq(r->integer, 1);
    freeReplyObject(r);
    r = next_reply(a);
    cr_expect_eq(r->type, REDIS_REPLY_NIL, "unblocked as by a timeout");
    freeReplyObject(r);
    /* a waiter whose element another client takes first keeps waiting */
    redisAppendCommand(a, "BLPOP race 0");
    redisBufferWrite(a, &done);
    usleep(300 * 1000);
    redisContext *t = connect_to(&cl.nodes[leader]);
    freeReplyObject(h_cmd(t, "MULTI"));
    freeReplyObject(h_cmd(t, "RPUSH race stolen"));
    freeReplyObject(h_cmd(t, "LPOP race"));
    freeReplyObject(h_cmd(t, "EXEC"));
    write_retrying((leader + 2) % 3, "RPUSH race mine");
    r = next_reply(a);
    cr_assert(r && r->type == REDIS_REPLY_ARRAY);
    cr_expect_str_eq(r->element[1]->str, "mine");
    freeReplyObject(r);
    redisFree(t);
    redisFree(a);
}

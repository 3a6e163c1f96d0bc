/* Pub/sub across a 3-node cluster: a message published through any node reaches the subscribers of every node, in order, once; keyspace events too; the subscribed-mode replies match redis-server 7.0 byte for byte. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;
static h_node redis;
static bool redis_up;

static void teardown(void)
{
    hc_cleanup(&cl);
    if (redis_up) {
        h_node_stop(&redis, 15);
        h_node_cleanup(&redis);
    }
}

TestSuite(pubsub_cluster, .fini = teardown, .timeout = 600);

/* A connection whose reads give up after 10 s rather than hang the test. */
static redisContext *connect_to(const h_node *n)
{
    redisContext *c = h_connect(n);
    cr_assert(c && !c->err, "connect to port %d", n->port);
    struct timeval tv = {10, 0};
    redisSetTimeout(c, tv);
    return c;
}

static redisReply *next_reply(redisContext *c)
{
    void *r = NULL;
    if (redisGetReply(c, &r) != REDIS_OK)
        return NULL;
    return r;
}

/* A write through node i, again while the cluster elects (TRYAGAIN...). */
static redisReply *write_retrying(int i, const char *fmt, const char *a, const char *b)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        redisReply *r = h_node_cmd(&cl.nodes[i], fmt, a, b);
        if (r && r->type != REDIS_REPLY_ERROR)
            return r;
        if (r)
            freeReplyObject(r);
        usleep(100 * 1000);
    }
    cr_assert_fail("node %d never took %s", i + 1, fmt);
    return NULL;
}

/* Reads the next push of c and checks it is [kind, (pattern,) channel, payload]. */
static void expect_push(redisContext *c, const char *who, const char *kind, const char *pattern, const char *channel,
                        const char *payload)
{
    redisReply *r = next_reply(c);
    cr_assert(r, "%s: no %s %s", who, kind, payload);
    size_t n = pattern ? 4 : 3;
    cr_assert(r->type == REDIS_REPLY_ARRAY && r->elements == n, "%s: a %zu-element array", who, n);
    size_t i = 0;
    cr_expect_str_eq(r->element[i++]->str, kind, "%s", who);
    if (pattern)
        cr_expect_str_eq(r->element[i++]->str, pattern, "%s", who);
    cr_expect_str_eq(r->element[i++]->str, channel, "%s", who);
    cr_expect_str_eq(r->element[i]->str, payload, "%s: in order, once", who);
    freeReplyObject(r);
}

static void subscribe_all(redisContext *subs[3])
{
    for (int i = 0; i < 3; i++) {
        subs[i] = connect_to(&cl.nodes[i]);
        redisAppendCommand(subs[i], "SUBSCRIBE ch");
        redisAppendCommand(subs[i], "PSUBSCRIBE c*");
        for (int k = 0; k < 2; k++) {
            redisReply *r = next_reply(subs[i]);
            cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3, "node %d subscribes", i + 1);
            cr_expect_eq(r->element[2]->integer, k + 1);
            freeReplyObject(r);
        }
    }
}

Test(pubsub_cluster, a_message_published_through_any_node_reaches_every_nodes_subscribers_in_order)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    redisContext *subs[3];
    subscribe_all(subs);
    /* 20 messages through each node in turn (two followers and the leader) */
    for (int m = 0; m < 60; m++) {
        char msg[32];
        snprintf(msg, sizeof msg, "m%d", m);
        redisReply *r = write_retrying(m % 3, "PUBLISH %s %s", "ch", msg);
        /* the receivers on the node the client is connected to: one channel
         * and one pattern subscription (Redis Cluster's count) */
        cr_expect_eq(r->type, REDIS_REPLY_INTEGER);
        cr_expect_eq(r->integer, 2, "PUBLISH through node %d", m % 3 + 1);
        freeReplyObject(r);
    }
    for (int i = 0; i < 3; i++) {
        char who[32];
        snprintf(who, sizeof who, "node %d", i + 1);
        for (int m = 0; m < 60; m++) {
            char msg[32];
            snprintf(msg, sizeof msg, "m%d", m);
            /* each message once per subscription: the channel's, then the pattern's */
            expect_push(subs[i], who, "message", NULL, "ch", msg);
            expect_push(subs[i], who, "pmessage", "c*", "ch", msg);
        }
        redisFree(subs[i]);
    }
}

Test(pubsub_cluster, publish_inside_multi_and_keyspace_events_reach_every_node)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    int f = (leader + 1) % 3;
    redisContext *subs[3];
    for (int i = 0; i < 3; i++) {
        redisReply *r = h_node_cmd(&cl.nodes[i], "CONFIG SET notify-keyspace-events KEA");
        cr_assert(r && r->type == REDIS_REPLY_STATUS);
        freeReplyObject(r);
        subs[i] = connect_to(&cl.nodes[i]);
        redisReply *s = h_cmd(subs[i], "SUBSCRIBE __keyspace@0__:k jobs");
        freeReplyObject(s);
        s = next_reply(subs[i]);
        cr_assert(s);
        freeReplyObject(s);
    }
    redisReply *r = write_retrying(f, "SET %s %s", "k", "v");
    freeReplyObject(r);
    /* MULTI through a follower: the PUBLISH is part of the EXEC's entry */
    redisContext *c = connect_to(&cl.nodes[f]);
    freeReplyObject(h_cmd(c, "MULTI"));
    freeReplyObject(h_cmd(c, "PUBLISH jobs done"));
    freeReplyObject(h_cmd(c, "DEL k"));
    r = h_cmd(c, "EXEC");
    cr_assert(r->type == REDIS_REPLY_ARRAY && r->elements == 2, "EXEC ran");
    cr_expect_eq(r->element[0]->integer, 1, "one receiver on the follower");
    cr_expect_eq(r->element[1]->integer, 1);
    freeReplyObject(r);
    redisFree(c);
    for (int i = 0; i < 3; i++) {
        char who[32];
        snprintf(who, sizeof who, "node %d", i + 1);
        expect_push(subs[i], who, "message", NULL, "__keyspace@0__:k", "set");
        expect_push(subs[i], who, "message", NULL, "jobs", "done");
        expect_push(subs[i], who, "message", NULL, "__keyspace@0__:k", "del");
        redisFree(subs[i]);
    }
}

/* One connection's whole session, the replies (and pushes) in the order they
 * come: each command appended, then `expect` replies read. */
typedef struct step {
    const char *cmd;
    int replies;
} step;

static const step session[] = {
    {"SUBSCRIBE a b", 2},
    {"GET x", 1},
    {"PING", 1},
    {"PING hi", 1},
    {"CLIENT ID", 1},
    {"PSUBSCRIBE p*", 1},
    {"SSUBSCRIBE s", 1},
    {"PUBSUB NUMSUB a b zz", 1},
    {"PUBSUB NUMPAT", 1},
    {"PUBSUB SHARDNUMSUB s", 1},
    {"UNSUBSCRIBE a nosuch", 2},
    {"PUNSUBSCRIBE", 1},
    {"SUNSUBSCRIBE", 1},
    {"UNSUBSCRIBE", 1},
    {"UNSUBSCRIBE", 1},
    {"PUNSUBSCRIBE", 1},
    {"SUNSUBSCRIBE s", 1},
    {"PING", 1},
    {"PUBSUB CHANNELS", 1},
    {"PUBSUB HELP", 1},
    {"PUBSUB NOSUCH", 1},
    {"SUBSCRIBE", 1},
    {"PUBLISH a", 1},
    {"PUBLISH nobody m", 1},
    {"MULTI", 1},
    {"SUBSCRIBE a", 1},
    {"DISCARD", 1},
};

static redisReply **run_session(const h_node *n, size_t *count)
{
    redisContext *c = connect_to(n);
    redisReply **out = calloc(64, sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < sizeof session / sizeof session[0]; i++) {
        redisAppendCommand(c, session[i].cmd);
        for (int j = 0; j < session[i].replies; j++) {
            out[k] = next_reply(c);
            cr_assert(out[k], "port %d: no reply %d to %s", n->port, j, session[i].cmd);
            k++;
        }
    }
    redisFree(c);
    *count = k;
    return out;
}

Test(pubsub_cluster, subscribed_mode_replies_match_redis)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    h_node_init(&redis, 99, "%s", "");
    redis_up = h_redis_start(&redis);
    cr_assert(redis_up, "redis-server 7.0 runs");
    size_t nr, ns;
    redisReply **want = run_session(&redis, &nr);
    /* through a follower: everything but PUBLISH is answered there */
    redisReply **got = run_session(&cl.nodes[(leader + 1) % 3], &ns);
    cr_assert_eq(nr, ns);
    size_t r = 0;
    for (size_t i = 0; i < sizeof session / sizeof session[0]; i++) {
        for (int j = 0; j < session[i].replies; j++, r++) {
            char where[256];
            /* CLIENT ID numbers differ, but in subscribed mode both refuse it */
            bool same = h_reply_same(want[r], got[r], where, sizeof where);
            cr_expect(same, "%s (reply %d): %s", session[i].cmd, j, where);
        }
    }
    for (size_t i = 0; i < nr; i++) {
        freeReplyObject(want[i]);
        freeReplyObject(got[i]);
    }
    free(want);
    free(got);
}

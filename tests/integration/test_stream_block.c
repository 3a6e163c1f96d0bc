/* XREAD and XREADGROUP with BLOCK across a 3-node cluster, side by side with redis-server 7.0: clients blocked on followers are served by an XADD through another node, "$" keeps its meaning, a group's waiter gets the entry into its pending list, every XREAD waiter gets a new entry and each entry goes to one group waiter, timeouts and CLIENT UNBLOCK answer as Redis. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;
static h_node redis;

static void teardown(void)
{
    hc_cleanup(&cl);
    h_node_cleanup(&redis);
}

TestSuite(stream_block, .fini = teardown, .timeout = 600);

/* The replies of one run, as text. */
typedef struct transcript {
    char text[32768];
    size_t len;
} transcript;

static void put(transcript *t, const char *s)
{
    size_t n = strlen(s);
    cr_assert(t->len + n < sizeof t->text);
    memcpy(t->text + t->len, s, n + 1);
    t->len += n;
}

static void show(transcript *t, const redisReply *r)
{
    char one[512];
    if (!r) {
        put(t, "(no reply)");
        return;
    }
    switch (r->type) {
    case REDIS_REPLY_ARRAY:
        put(t, "[");
        for (size_t i = 0; i < r->elements; i++) {
            if (i)
                put(t, " ");
            show(t, r->element[i]);
        }
        put(t, "]");
        return;
    case REDIS_REPLY_NIL: put(t, "nil"); return;
    case REDIS_REPLY_INTEGER: snprintf(one, sizeof one, ":%lld", r->integer); break;
    case REDIS_REPLY_ERROR: snprintf(one, sizeof one, "-%s", r->str); break;
    case REDIS_REPLY_STATUS: snprintf(one, sizeof one, "+%s", r->str); break;
    default: snprintf(one, sizeof one, "\"%s\"", r->str); break;
    }
    put(t, one);
}

static void note(transcript *t, const char *label, redisReply *r)
{
    put(t, label);
    put(t, " -> ");
    show(t, r);
    put(t, "\n");
    if (r)
        freeReplyObject(r);
}

/* Where a run sends its commands: redis-server for every role, or the
 * cluster (two followers: clients block on one, writes go through the other). */
typedef struct target {
    const h_node *waiters, *writer;
    bool cluster;
} target;

static redisContext *connect_to(const h_node *n)
{
    redisContext *c = h_connect(n);
    cr_assert(c && !c->err);
    struct timeval tv = {30, 0};
    redisSetTimeout(c, tv);
    return c;
}

static void send_only(redisContext *c, const char *cmd)
{
    cr_assert_eq(redisAppendCommand(c, cmd), REDIS_OK);
    int done = 0;
    while (!done)
        cr_assert_eq(redisBufferWrite(c, &done), REDIS_OK);
}

static redisReply *next_reply(redisContext *c)
{
    void *r = NULL;
    return redisGetReply(c, &r) == REDIS_OK ? r : NULL;
}

/* Clients parked waiting: sandstore's waiting_clients (its blocked_clients
 * also counts a pop or read still on its way through the log, which a write
 * sent now could overtake: the flake where FLUSHALL reached the log before
 * the XREADGROUP and the waiter got NOGROUP), Redis's blocked_clients. */
static long long blocked_clients(const h_node *n)
{
    redisReply *r = h_node_cmd(n, "INFO clients");
    long long v = -1;
    const char *s = r && r->type == REDIS_REPLY_STRING ? r->str : NULL;
    const char *p = s ? strstr(s, "waiting_clients:") : NULL;
    if (p)
        v = atoll(p + strlen("waiting_clients:"));
    else if (s && (p = strstr(s, "blocked_clients:")) != NULL)
        v = atoll(p + strlen("blocked_clients:"));
    if (r)
        freeReplyObject(r);
    return v;
}

/* Until the node reports n blocked clients (they wait before the write). */
static void wait_blocked(const h_node *n, long long want)
{
    for (int i = 0; i < 1000; i++) {
        if (blocked_clients(n) >= want)
            return;
        usleep(10 * 1000);
    }
    cr_assert_fail("never %lld blocked clients on port %d", want, n->port);
}

/* A write through the writer, again while the cluster elects (TRYAGAIN...). */
static redisReply *write_cmd(const target *t, const char *cmd)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        redisReply *r = h_node_cmd(t->writer, cmd);
        if (r && (r->type != REDIS_REPLY_ERROR || !t->cluster ||
                  (strncmp(r->str, "TRYAGAIN", 8) && strncmp(r->str, "CLUSTERDOWN", 11))))
            return r;
        if (r)
            freeReplyObject(r);
        usleep(100 * 1000);
    }
    cr_assert_fail("%s never succeeded", cmd);
    return NULL;
}

/* CLIENT UNBLOCK answers 0 for a client whose read or pop is in flight
 * (counted blocked already, not yet waiting: see README): again until 1. */
static redisReply *unblock(redisContext *c, const char *cmd)
{
    for (int i = 0; i < 500; i++) {
        redisReply *r = redisCommand(c, cmd);
        if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 0)
            return r;
        freeReplyObject(r);
        usleep(10 * 1000);
    }
    return redisCommand(c, cmd);
}

static void scenario(const target *t, transcript *out)
{
    note(out, "DEL", write_cmd(t, "DEL s other"));
    note(out, "XADD 1-1", write_cmd(t, "XADD s 1-1 f v1"));

    /* two XREAD waiters ("$" and an explicit ID) and one that times out */
    redisContext *a = connect_to(t->waiters), *b = connect_to(t->waiters), *c = connect_to(t->waiters);
    send_only(a, "XREAD BLOCK 0 STREAMS s $");
    send_only(b, "XREAD COUNT 5 BLOCK 0 STREAMS s 1-1");
    wait_blocked(t->waiters, 2);
    note(out, "XREAD BLOCK 200 (times out)", redisCommand(c, "XREAD BLOCK 200 STREAMS s $"));
    note(out, "XADD 2-1", write_cmd(t, "XADD s 2-1 f v2"));
    note(out, "XREAD $ waiter", next_reply(a));
    note(out, "XREAD 1-1 waiter", next_reply(b));

    /* two consumers of the group block; each entry goes to one of them, in
     * the order they blocked, and into its pending list */
    note(out, "XGROUP CREATE", write_cmd(t, "XGROUP CREATE s g $"));
    send_only(a, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >");
    wait_blocked(t->waiters, 1);
    send_only(b, "XREADGROUP GROUP g bob COUNT 1 BLOCK 0 STREAMS s >");
    wait_blocked(t->waiters, 2);
    note(out, "XADD 3-1", write_cmd(t, "XADD s 3-1 f v3"));
    note(out, "alice", next_reply(a));
    note(out, "XADD 4-1", write_cmd(t, "XADD s 4-1 f v4"));
    note(out, "bob", next_reply(b));
    note(out, "XPENDING", write_cmd(t, "XPENDING s g"));

    /* CLIENT UNBLOCK, both ways */
    redisReply *id = redisCommand(a, "CLIENT ID");
    long long aid = id->integer;
    freeReplyObject(id);
    id = redisCommand(b, "CLIENT ID");
    long long bid = id->integer;
    freeReplyObject(id);
    send_only(a, "XREAD BLOCK 0 STREAMS s $");
    send_only(b, "XREADGROUP GROUP g bob BLOCK 0 STREAMS s >");
    wait_blocked(t->waiters, 2);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "CLIENT UNBLOCK %lld", aid);
    note(out, "CLIENT UNBLOCK", unblock(c, cmd));
    note(out, "unblocked XREAD", next_reply(a));
    snprintf(cmd, sizeof cmd, "CLIENT UNBLOCK %lld ERROR", bid);
    note(out, "CLIENT UNBLOCK ERROR", unblock(c, cmd));
    note(out, "unblocked XREADGROUP", next_reply(b));
    note(out, "XPENDING after", write_cmd(t, "XPENDING s g"));

    /* the group goes while a consumer waits; an XREAD waits on when its key
     * becomes a list (Redis 7.0 keeps it blocked) */
    send_only(b, "XREADGROUP GROUP g bob BLOCK 0 STREAMS s >");
    send_only(a, "XREAD BLOCK 0 STREAMS other $");
    wait_blocked(t->waiters, 2);
    note(out, "XGROUP DESTROY", write_cmd(t, "XGROUP DESTROY s g"));
    note(out, "the group's waiter", next_reply(b));
    note(out, "LPUSH other", write_cmd(t, "LPUSH other x"));
    note(out, "DEL other", write_cmd(t, "DEL other"));
    note(out, "XADD other", write_cmd(t, "XADD other 7-1 f v"));
    note(out, "the XREAD waiter", next_reply(a));
    redisFree(a);
    redisFree(b);
    redisFree(c);
}

/* One way a stream key goes while an XREADGROUP and an XREAD block on it
 * (Redis 7.0.15: the XREADGROUP answers -UNBLOCKED at once, the XREAD waits
 * on and takes the first entry of the stream made again). */
static void gone_round(const target *t, transcript *out, const char *label, const char *const *cmds, int ncmds)
{
    note(out, label, write_cmd(t, "DEL s s2 t"));
    note(out, "XADD", write_cmd(t, "XADD s 1-1 f v1"));
    note(out, "XGROUP CREATE", write_cmd(t, "XGROUP CREATE s g $"));
    redisContext *a = connect_to(t->waiters), *b = connect_to(t->waiters);
    send_only(a, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >");
    send_only(b, "XREAD BLOCK 0 STREAMS s $");
    wait_blocked(t->waiters, 2);
    for (int i = 0; i < ncmds; i++)
        note(out, cmds[i], write_cmd(t, cmds[i]));
    note(out, "XREADGROUP waiter", next_reply(a));
    note(out, "DEL", write_cmd(t, "DEL s"));
    note(out, "XADD again", write_cmd(t, "XADD s 5-1 f v5"));
    note(out, "XREAD waiter", next_reply(b));
    redisFree(a);
    redisFree(b);
}

static void gone_scenario(const target *t, transcript *out)
{
    static const char *const del[] = {"DEL s"}, *const unlink_[] = {"UNLINK s"}, *const flushall[] = {"FLUSHALL"},
                             *const flushdb[] = {"FLUSHDB"}, *const rename_[] = {"RENAME s s2"},
                             *const set[] = {"SET s x"}, *const expire[] = {"PEXPIRE s 1"},
                             *const copy[] = {"SET t x", "COPY t s REPLACE"},
                             *const sunionstore[] = {"SADD t x", "SUNIONSTORE s t"};
    gone_round(t, out, "DEL", del, 1);
    gone_round(t, out, "UNLINK", unlink_, 1);
    gone_round(t, out, "FLUSHALL", flushall, 1);
    gone_round(t, out, "FLUSHDB", flushdb, 1);
    gone_round(t, out, "RENAME away", rename_, 1);
    gone_round(t, out, "SET over it", set, 1);
    gone_round(t, out, "expiry", expire, 1);
    gone_round(t, out, "COPY REPLACE over it", copy, 2);
    gone_round(t, out, "SUNIONSTORE over it", sunionstore, 2);

    /* a waiter on two streams answers when either goes */
    note(out, "two keys", write_cmd(t, "DEL s t"));
    note(out, "XADD s", write_cmd(t, "XADD s 1-1 f v1"));
    note(out, "XADD t", write_cmd(t, "XADD t 1-1 f v1"));
    note(out, "XGROUP s", write_cmd(t, "XGROUP CREATE s g $"));
    note(out, "XGROUP t", write_cmd(t, "XGROUP CREATE t g $"));
    redisContext *a = connect_to(t->waiters);
    send_only(a, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s t > >");
    wait_blocked(t->waiters, 1);
    note(out, "DEL t", write_cmd(t, "DEL t"));
    note(out, "two-key waiter", next_reply(a));

    /* Redis decides after EXEC, from what the key is then: deleted and made
     * again with the group inside one MULTI, the stream serves the waiter */
    send_only(a, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >");
    wait_blocked(t->waiters, 1);
    redisContext *w = connect_to(t->writer);
    note(out, "MULTI", redisCommand(w, "MULTI"));
    note(out, "DEL s", redisCommand(w, "DEL s"));
    note(out, "XADD s 9-1", redisCommand(w, "XADD s 9-1 f v9"));
    note(out, "XGROUP CREATE s g 0", redisCommand(w, "XGROUP CREATE s g 0"));
    note(out, "EXEC", redisCommand(w, "EXEC"));
    note(out, "waiter after MULTI", next_reply(a));

    /* a stream renamed over the one waited on: still a stream with the
     * group, the waiter waits on and takes the next entry */
    note(out, "XADD s2", write_cmd(t, "XADD s2 1-1 f v1"));
    note(out, "XGROUP s2", write_cmd(t, "XGROUP CREATE s2 g $"));
    send_only(a, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >");
    wait_blocked(t->waiters, 1);
    note(out, "RENAME s2 s", write_cmd(t, "RENAME s2 s"));
    note(out, "XADD s 10-1", write_cmd(t, "XADD s 10-1 f v10"));
    note(out, "waiter after RENAME", next_reply(a));
    redisFree(w);
    redisFree(a);
}

Test(stream_block, blocked_stream_reads_on_a_follower_are_served_as_redis_serves_them)
{
    cr_assert(h_redis_start(&redis), "redis-server did not start");
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    target r = {&redis, &redis, false};
    target s = {&cl.nodes[(leader + 1) % 3], &cl.nodes[(leader + 2) % 3], true};
    transcript want = {0}, got = {0};
    scenario(&r, &want);
    scenario(&s, &got);
    cr_expect_str_eq(got.text, want.text);

    /* the stream waited on goes, through the other follower */
    transcript want_gone = {0}, got_gone = {0};
    gone_scenario(&r, &want_gone);
    gone_scenario(&s, &got_gone);
    cr_expect_str_eq(got_gone.text, want_gone.text);
}

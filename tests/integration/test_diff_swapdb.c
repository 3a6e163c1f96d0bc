/* SWAPDB against redis-server 7.0: replies, what every db holds after swaps, waiters and watchers, on every node. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "integration/diff_harness.h"

static void same(dh_run *r, const char *line) { cr_expect(dh_cmd(r, DH_EXACT, line), "%s", line); }
static void same_unordered(dh_run *r, const char *line) { cr_expect(dh_cmd(r, DH_UNORDERED, line), "%s", line); }

static void same_argv(dh_run *r, int argc, const char **argv)
{
    size_t lens[8];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    cr_expect(dh_cmdv(r, DH_EXACT, argc, argv, lens), "%s %s", argv[0], argv[1]);
}

/* Every db's size and keys on both sides (the connection ends in db 0). */
static void same_dbs(dh_run *r, int ndbs)
{
    char line[32];
    for (int d = 0; d < ndbs; d++) {
        snprintf(line, sizeof line, "SELECT %d", d);
        same(r, line);
        same(r, "DBSIZE");
        same_unordered(r, "KEYS *");
    }
    same(r, "SELECT 0");
}

Test(diff_swapdb, replies_and_data_match_redis_and_every_node_agrees, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    dh_pin(r, (int)dh_below(r, 3));
    const char *const setup[] = {
        "SET a 0a", "RPUSH l x y z", "HSET h f v", "SADD s m1 m2", "ZADD z 1 a 2 b", "XADD x 1-1 f v",
        "SET t v EX 100000", "SELECT 1", "SET a 1a", "SET only1 v", "SELECT 0",
    };
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
        same(r, setup[i]);
    /* Redis's words for every bad call; a db with itself is OK */
    const char *const errors[] = {
        "SWAPDB", "SWAPDB 0", "SWAPDB 0 1 2", "SWAPDB a 1", "SWAPDB 0 b", "SWAPDB a b", "SWAPDB 0 16",
        "SWAPDB 16 0", "SWAPDB -1 0", "SWAPDB 1.5 0", "SWAPDB 2147483648 0", "SWAPDB 0 -2147483649",
        "SWAPDB 3 3", "SWAPDB 15 15",
    };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        same(r, errors[i]);
    const char *const lines[] = {
        "SWAPDB 0 1", "GET a", "EXISTS only1", "DBSIZE", "SELECT 1", "GET a", "LRANGE l 0 -1", "HGET h f",
        "SISMEMBER s m2", "ZRANGE z 0 -1 WITHSCORES", "XRANGE x - +", "TYPE t", "PERSIST t", "DBSIZE",
        /* MOVE and COPY ... DB name the logical dbs */
        "MOVE a 0", "MOVE l 2", "COPY h h2 DB 2", "SELECT 2", "LRANGE l 0 -1", "HGET h2 f",
        "SWAPDB 2 0", "DBSIZE", "SELECT 0", "DBSIZE", "GET only1", "LPOP l", "SELECT 2", "GET only1",
        /* FLUSHDB empties the db the connection names */
        "FLUSHDB", "DBSIZE", "SELECT 0", "DBSIZE",
        /* in MULTI: later commands see the swap; bad indexes fail alone */
        "MULTI", "SET m 1", "SWAPDB 0 5", "GET m", "SWAPDB 0 99", "SWAPDB x 0", "SWAPDB 0 y", "EXEC",
        "GET m", "SELECT 5", "GET m", "SELECT 0",
        /* and back */
        "SWAPDB 5 0", "GET m", "SWAPDB 1 0", "SWAPDB 0 1", "GET a",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        same(r, lines[i]);
    /* scripts may swap */
    const char *eval1[] = {"EVAL", "return redis.call('swapdb', 0, 7)", "0"};
    same_argv(r, 3, eval1);
    const char *eval2[] = {"EVAL", "return redis.pcall('swapdb', 0, 99)", "0"};
    same_argv(r, 3, eval2);
    const char *eval3[] = {"EVAL", "redis.call('swapdb', 7, 0); return redis.call('get', 'm')", "0"};
    same_argv(r, 3, eval3);
    same_dbs(r, 8);

    /* Random writes and swaps among four dbs, the connection moving too. */
    int rounds = dh_rounds(300);
    char line[64];
    for (int i = 0; i < rounds; i++) {
        int k = (int)dh_below(r, 6), d1 = (int)dh_below(r, 4), d2 = (int)dh_below(r, 4);
        switch (dh_below(r, 9)) {
        case 0: snprintf(line, sizeof line, "SWAPDB %d %d", d1, d2); break;
        case 1: snprintf(line, sizeof line, "SELECT %d", d1); break;
        case 2: snprintf(line, sizeof line, "SET k%d v%d", k, i); break;
        case 3: snprintf(line, sizeof line, "RPUSH q%d e%d", k, i); break;
        case 4: snprintf(line, sizeof line, "DEL k%d", k); break;
        case 5: snprintf(line, sizeof line, "MOVE k%d %d", k, d1); break;
        case 6: snprintf(line, sizeof line, "GET k%d", k); break;
        case 7: snprintf(line, sizeof line, "LRANGE q%d 0 -1", k); break;
        default: snprintf(line, sizeof line, "DBSIZE"); break;
        }
        same(r, line);
    }
    same_dbs(r, 4);
    dh_expect_nodes_equal(r);
    dh_stop(r);
}

/* Replies of one command sent to a connection earlier (a waiter's). */
static redisReply *reply_of(redisContext *c)
{
    void *rep = NULL;
    cr_assert_eq(redisGetReply(c, &rep), REDIS_OK, "no reply: %s", c->errstr);
    return rep;
}

static void run(redisContext *c, const char *cmd)
{
    redisReply *rep = redisCommand(c, cmd);
    cr_assert_not_null(rep, "%s: %s", cmd, c->errstr);
    freeReplyObject(rep);
}

static redisContext *connect_to(h_node *n)
{
    redisContext *c = h_connect(n);
    cr_assert(c && !c->err);
    struct timeval tv = {60, 0}; /* a waiter never served fails the test instead of hanging it */
    redisSetTimeout(c, tv);
    return c;
}

/* What a blocked client, a watcher and the writer see, on one side. The
 * replies are printed into out. */
static void waiters_side(h_node *waiter_node, h_node *writer_node, char *out, size_t cap)
{
    redisContext *w = connect_to(waiter_node), *g = connect_to(waiter_node), *x = connect_to(waiter_node);
    redisContext *c = connect_to(writer_node);
    run(c, "FLUSHALL");
    run(c, "SET w in0");
    run(c, "SELECT 1");
    run(c, "SET w in1");
    run(c, "XGROUP CREATE st grp $ MKSTREAM");
    run(c, "SELECT 0");
    /* a watcher of a key that differs, one of a key in neither db */
    run(x, "WATCH w nowhere");
    run(w, "SELECT 1");
    redisAppendCommand(w, "BLPOP q 0");
    redisBufferWrite(w, &(int){0});
    run(g, "SELECT 1");
    redisAppendCommand(g, "XREADGROUP GROUP grp c1 BLOCK 0 STREAMS st >");
    redisBufferWrite(g, &(int){0});
    /* make sure both wait before the swap: a round trip behind each */
    run(c, "RPUSH q one");
    redisReply *wr = NULL;
    for (int i = 0; i < 1000; i++) {
        redisReply *cl = redisCommand(c, "CLIENT LIST");
        cr_assert_not_null(cl);
        int blocked = 0;
        for (const char *p = cl->str; (p = strstr(p, "cmd=blpop")) != NULL; p++)
            blocked++;
        for (const char *p = cl->str; (p = strstr(p, "cmd=xreadgroup")) != NULL; p++)
            blocked++;
        freeReplyObject(cl);
        if (blocked >= 2)
            break;
        usleep(10 * 1000);
    }
    run(c, "SWAPDB 0 1");
    wr = reply_of(w);
    redisReply *gr = reply_of(g);
    run(x, "MULTI");
    run(x, "GET w");
    redisReply *xr = redisCommand(x, "EXEC");
    run(x, "WATCH nowhere");
    run(c, "SWAPDB 1 0");
    run(x, "MULTI");
    run(x, "GET w");
    redisReply *xr2 = redisCommand(x, "EXEC");
    cr_assert(wr && gr && xr && xr2);
    snprintf(out, cap, "blpop %d %zu %s %s | xreadgroup %d %s | exec %d %zu | exec2 %d %zu %s", wr->type,
             wr->elements, wr->elements == 2 ? wr->element[0]->str : "-",
             wr->elements == 2 ? wr->element[1]->str : "-", gr->type, gr->str ? gr->str : "-", xr->type,
             xr->elements, xr2->type, xr2->elements, xr2->elements == 1 ? xr2->element[0]->str : "-");
    freeReplyObject(wr);
    freeReplyObject(gr);
    freeReplyObject(xr);
    freeReplyObject(xr2);
    redisFree(w);
    redisFree(g);
    redisFree(x);
    redisFree(c);
}

Test(diff_swapdb, waiters_are_served_and_watchers_fail_as_in_redis, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    char want[512], got[512];
    waiters_side(dh_redis_node(r), dh_redis_node(r), want, sizeof want);
    /* sandstore: the waiters on one node, the writer on another */
    int a = (int)dh_below(r, 3);
    waiters_side(dh_node(r, a), dh_node(r, a + 1), got, sizeof got);
    fprintf(stderr, "swapdb: redis:     %s\nswapdb: sandstore: %s\n", want, got);
    cr_expect_str_eq(got, want);
    dh_expect_nodes_equal(r);
    dh_stop(r);
}

/* Redis 7.0 tells tracking clients nothing on SWAPDB (their caches of both
 * dbs go stale); sandstore sends the flush invalidation (a null), as FLUSHDB. */
Test(diff_swapdb, tracking_clients_hear_a_flush_on_swapdb, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    int a = (int)dh_below(r, 3);
    redisContext *sub = connect_to(dh_node(r, a)), *t = connect_to(dh_node(r, a));
    redisContext *c = connect_to(dh_node(r, a + 1));
    redisReply *id = redisCommand(sub, "CLIENT ID");
    cr_assert(id && id->type == REDIS_REPLY_INTEGER);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "CLIENT TRACKING on REDIRECT %lld", id->integer);
    freeReplyObject(id);
    run(sub, "SUBSCRIBE __redis__:invalidate");
    run(c, "SET a 1");
    run(t, cmd);
    run(t, "GET a");
    run(c, "SWAPDB 0 3");
    redisReply *m = reply_of(sub);
    cr_assert(m->type == REDIS_REPLY_ARRAY && m->elements == 3, "an invalidation message");
    cr_expect_str_eq(m->element[1]->str, "__redis__:invalidate");
    cr_expect_eq(m->element[2]->type, REDIS_REPLY_NIL, "a flush: every tracked key");
    freeReplyObject(m);
    redisFree(sub);
    redisFree(t);
    redisFree(c);
    dh_stop(r);
}

/* MIGRATE from a 3-node sandstore cluster (through a follower) to redis-server and back, every reply compared with a redis-server source, and the write that lands between DUMP and the delete kept. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;
static h_node target, source_redis;

static void teardown(void)
{
    hc_cleanup(&cl);
    if (target.pid > 0)
        h_node_stop(&target, 9);
    h_node_cleanup(&target);
    if (source_redis.pid > 0)
        h_node_stop(&source_redis, 9);
    h_node_cleanup(&source_redis);
}

TestSuite(migrate, .fini = teardown, .timeout = 600);

/* A command through c, again while the cluster elects (TRYAGAIN...). */
static void ok(redisContext *c, const char *cmd)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        redisReply *r = h_cmd(c, cmd);
        bool good = r->type != REDIS_REPLY_ERROR;
        freeReplyObject(r);
        if (good)
            return;
        usleep(100 * 1000);
    }
    cr_assert_fail("%s never succeeded", cmd);
}

/* The cluster, a follower's connection; the target redis-server (with
 * extra arguments) and a redis-server source to compare with. */
static redisContext *start(const char *const *target_args, redisContext **tgt, redisContext **ref)
{
    hc_init(&cl, 3, NULL);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    cr_assert(h_redis_start_args(&target, target_args), "target redis-server starts");
    cr_assert(h_redis_start(&source_redis), "source redis-server starts");
    *tgt = h_connect(&target);
    *ref = h_connect(&source_redis);
    cr_assert(*tgt && !(*tgt)->err && *ref && !(*ref)->err);
    redisContext *f = h_connect(&cl.nodes[(leader + 1) % 3]);
    cr_assert(f && !f->err);
    ok(f, "PING");
    return f;
}

/* Runs the same command on sandstore and on the redis-server source, each
 * preceded by `setup` (NULL: none) on both and `reset` on the target:
 * the replies must be the same. Returns sandstore's (caller frees). */
static redisReply *same(redisContext *f, redisContext *ref, redisContext *tgt, const char *setup,
                        const char *reset, const char *cmd)
{
    redisReply *r[2];
    redisContext *src[2] = {ref, f};
    for (int i = 0; i < 2; i++) {
        if (reset)
            ok(tgt, reset);
        if (setup)
            ok(src[i], setup);
        r[i] = h_cmd(src[i], cmd);
        cr_assert(r[i], "%s: a reply", cmd);
    }
    char where[256] = "";
    cr_expect(h_reply_same(r[0], r[1], where, sizeof where), "%s: redis and sandstore differ at %s (%s vs %s)",
              cmd, where, r[0]->str ? r[0]->str : "-", r[1]->str ? r[1]->str : "-");
    freeReplyObject(r[0]);
    return r[1];
}

static void expect_status(redisReply *r, const char *what, const char *words)
{
    cr_expect(r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR, "%s: status or error", what);
    cr_expect(r->str && !strcmp(r->str, words), "%s: '%s', not '%s'", what, words, r->str ? r->str : "");
    freeReplyObject(r);
}

static long long int_of(redisContext *c, const char *cmd)
{
    redisReply *r = h_cmd(c, cmd);
    cr_assert_eq(r->type, REDIS_REPLY_INTEGER, "%s: an integer", cmd);
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}

/* The value of key as one comparable string (its type's natural reading). */
static char *view(redisContext *c, const char *key)
{
    redisReply *t = h_cmd(c, "TYPE %s", key);
    char cmd[256];
    if (!strcmp(t->str, "string"))
        snprintf(cmd, sizeof cmd, "GET %s", key);
    else if (!strcmp(t->str, "list"))
        snprintf(cmd, sizeof cmd, "LRANGE %s 0 -1", key);
    else if (!strcmp(t->str, "set"))
        snprintf(cmd, sizeof cmd, "SORT %s ALPHA", key);
    else if (!strcmp(t->str, "hash"))
        snprintf(cmd, sizeof cmd, "HGETALL %s", key); /* the same small hash reads back in one order */
    else if (!strcmp(t->str, "zset"))
        snprintf(cmd, sizeof cmd, "ZRANGE %s 0 -1 WITHSCORES", key);
    else
        snprintf(cmd, sizeof cmd, "TYPE %s", key);
    freeReplyObject(t);
    redisReply *r = h_cmd(c, cmd);
    char *out = calloc(1, 65536);
    size_t used = 0;
    if (r->type == REDIS_REPLY_ARRAY) {
        char **items = calloc(r->elements + 1, sizeof *items);
        for (size_t i = 0; i < r->elements; i++)
            items[i] = r->element[i]->str;
        for (size_t i = 0; i < r->elements; i++)
            used += (size_t)snprintf(out + used, 65536 - used, "%s|", items[i] ? items[i] : "");
        free(items);
    } else if (r->str) {
        snprintf(out, 65536, "%s", r->str);
    } else {
        snprintf(out, 65536, "(nil)");
    }
    freeReplyObject(r);
    return out;
}

static const char *const type_setup[] = {
    "SET m:int 12345",
    "SET m:str hello-world",
    "RPUSH m:list a b c 1 2 3",
    "SADD m:set x y z 7",
    "HSET m:hash f1 v1 f2 v2",
    "ZADD m:zset 1 one 2.5 two -3 three",
    "SET m:ttl v PX 600000",
};
static const char *const type_keys[] = {"m:int", "m:str", "m:list", "m:set", "m:hash", "m:zset", "m:ttl"};
#define NTYPES (sizeof type_keys / sizeof type_keys[0])

Test(migrate, every_type_goes_to_redis_and_back_through_a_follower)
{
    redisContext *tgt, *ref;
    redisContext *f = start(NULL, &tgt, &ref);
    char *before[NTYPES];
    for (size_t i = 0; i < NTYPES; i++) {
        ok(f, type_setup[i]);
        ok(ref, type_setup[i]);
        before[i] = view(f, type_keys[i]);
    }
    /* A string stored in chunks and a list past Redis's listpack size. */
    ok(f, "SETRANGE m:big 40000 x");
    for (int i = 0; i < 300; i++) {
        redisReply *p = h_cmd(f, "RPUSH m:long element-%d", i);
        freeReplyObject(p);
    }
    /* One key, then the rest with KEYS (a missing one among them). */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "MIGRATE 127.0.0.1 %d m:int 0 5000", target.port);
    expect_status(same(f, ref, tgt, NULL, "FLUSHALL", cmd), "one key", "OK");
    redisReply *r = redisCommand(f, "MIGRATE 127.0.0.1 %d %s 0 5000 KEYS m:str m:list nosuch m:set m:hash m:zset m:ttl "
                                 "m:big m:long", target.port, "");
    expect_status(r, "KEYS", "OK");
    for (size_t i = 0; i < NTYPES; i++) {
        char *there = view(tgt, type_keys[i]);
        cr_expect_str_eq(there, before[i], "%s on the target", type_keys[i]);
        free(there);
        char ex[64];
        snprintf(ex, sizeof ex, "EXISTS %s", type_keys[i]);
        cr_expect_eq(int_of(f, ex), 0, "%s deleted from sandstore", type_keys[i]);
    }
    cr_expect_eq(int_of(tgt, "STRLEN m:big"), 40001, "the chunked string arrives whole");
    cr_expect_eq(int_of(tgt, "LLEN m:long"), 300, "the long list arrives whole");
    redisReply *x = h_cmd(tgt, "GETRANGE m:big 40000 -1");
    cr_expect(x->type == REDIS_REPLY_STRING && !strcmp(x->str, "x"));
    freeReplyObject(x);
    x = h_cmd(tgt, "LINDEX m:long 299");
    cr_expect(x->type == REDIS_REPLY_STRING && !strcmp(x->str, "element-299"));
    freeReplyObject(x);
    snprintf(cmd, sizeof cmd, "PTTL m:ttl");
    long long ttl = int_of(tgt, cmd);
    cr_expect(ttl > 0 && ttl <= 600000, "the TTL travels (%lld)", ttl);
    /* The deletion went through the log: every node agrees. */
    for (int n = 0; n < 3; n++) {
        redisContext *c = h_connect(&cl.nodes[n]);
        ok(c, "PING");
        cr_expect_eq(int_of(c, "EXISTS m:int m:list m:zset"), 0, "node %d: the keys are gone", n);
        redisFree(c);
    }
    /* And back: redis-server migrates them to the follower. */
    r = redisCommand(tgt, "MIGRATE 127.0.0.1 %d %s 0 5000 KEYS m:int m:str m:list m:set m:hash m:zset m:ttl m:big m:long",
                     cl.nodes[(hc_wait_leader(&cl, 20000) + 1) % 3].port, "");
    expect_status(r, "redis to sandstore", "OK");
    for (size_t i = 0; i < NTYPES; i++) {
        char *back = view(f, type_keys[i]);
        cr_expect_str_eq(back, before[i], "%s back on sandstore", type_keys[i]);
        free(back);
        free(before[i]);
    }
    cr_expect_gt(int_of(f, "PTTL m:ttl"), 0, "the TTL came back");
    cr_expect_eq(int_of(f, "STRLEN m:big"), 40001, "the big string came back (Redis sends it LZF-compressed)");
    cr_expect_eq(int_of(f, "LLEN m:long"), 300, "the long list came back (a quicklist from Redis)");
    x = h_cmd(f, "LINDEX m:long 150");
    cr_expect(x->type == REDIS_REPLY_STRING && !strcmp(x->str, "element-150"));
    freeReplyObject(x);

    /* NOKEY, COPY, REPLACE and the target's BUSYKEY, side by side. */
    snprintf(cmd, sizeof cmd, "MIGRATE 127.0.0.1 %d nosuch 0 5000", target.port);
    expect_status(same(f, ref, tgt, NULL, "FLUSHALL", cmd), "missing key", "NOKEY");
    snprintf(cmd, sizeof cmd, "MIGRATE 127.0.0.1 %d c 0 5000 COPY", target.port);
    expect_status(same(f, ref, tgt, "SET c original", "FLUSHALL", cmd), "COPY", "OK");
    cr_expect_eq(int_of(f, "EXISTS c"), 1, "COPY keeps the source key");
    snprintf(cmd, sizeof cmd, "MIGRATE 127.0.0.1 %d c 0 5000", target.port);
    expect_status(same(f, ref, tgt, "SET c newer", NULL, cmd), "BUSYKEY",
                  "ERR Target instance replied with error: BUSYKEY Target key name already exists.");
    cr_expect_eq(int_of(f, "EXISTS c"), 1, "a refused key stays");
    snprintf(cmd, sizeof cmd, "MIGRATE 127.0.0.1 %d c 0 5000 REPLACE", target.port);
    expect_status(same(f, ref, tgt, "SET c newer", "SET c old", cmd), "REPLACE", "OK");
    cr_expect_eq(int_of(f, "EXISTS c"), 0, "moved with REPLACE");
    r = h_cmd(tgt, "GET c");
    cr_expect_str_eq(r->str, "newer", "REPLACE overwrote the target's key");
    freeReplyObject(r);
    /* Part refused, part taken: the taken keys go, the error is Redis's. */
    r = redisCommand(f, "MSET p1 a p2 b");
    freeReplyObject(r);
    ok(tgt, "FLUSHALL");
    ok(tgt, "SET p2 there");
    r = redisCommand(f, "MIGRATE 127.0.0.1 %d %s 0 5000 KEYS p1 p2", target.port, "");
    expect_status(r, "one of two refused", "ERR Target instance replied with error: BUSYKEY Target key name already exists.");
    cr_expect_eq(int_of(f, "EXISTS p1"), 0, "the key the target took is deleted");
    cr_expect_eq(int_of(f, "EXISTS p2"), 1, "the refused one stays");
    /* The argument errors, in Redis's words. */
    const char *bad[] = {"MIGRATE 127.0.0.1 1 k x 100", "MIGRATE 127.0.0.1 1 k 0 x", "MIGRATE 127.0.0.1 1 k 0 100 KEYS a",
                         "MIGRATE 127.0.0.1 1 k 0 100 AUTH", "MIGRATE 127.0.0.1 1 k 0 100 AUTH2 u",
                         "MIGRATE 127.0.0.1 1 k 0 100 FOO", "MIGRATE 127.0.0.1 1 k 0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        freeReplyObject(same(f, ref, tgt, NULL, NULL, bad[i]));
    /* A target nobody listens on. */
    int dead = h_free_port();
    snprintf(cmd, sizeof cmd, "MIGRATE 127.0.0.1 %d k 0 1000", dead);
    expect_status(same(f, ref, tgt, "SET k v", NULL, cmd), "no target",
                  "IOERR error or timeout writing to target instance");
    cr_expect_eq(int_of(f, "EXISTS k"), 1, "the key stays when the target is unreachable");
    /* A SELECT the target refuses. */
    snprintf(cmd, sizeof cmd, "MIGRATE 127.0.0.1 %d k 99 1000", target.port);
    expect_status(same(f, ref, tgt, "SET k v", NULL, cmd), "bad db",
                  "ERR Target instance replied with error: ERR DB index is out of range");
    redisFree(f);
    redisFree(tgt);
    redisFree(ref);
}

Test(migrate, auth_and_auth2_to_a_target_with_requirepass_and_an_acl_user)
{
    redisContext *tgt, *ref;
    redisContext *f = start(NULL, &tgt, &ref);
    /* requirepass once started (the harness's readiness check sends PING) */
    ok(tgt, "ACL SETUSER mover on >pw ~* &* +@all");
    ok(tgt, "CONFIG SET requirepass sekret");
    ok(tgt, "AUTH sekret");
    char cmd[256];
    struct {
        const char *auth, *reply;
    } cases[] = {
        {"", "ERR Target instance replied with error: NOAUTH Authentication required."},
        {"AUTH wrong", "ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled."},
        {"AUTH sekret", "OK"},
        {"AUTH2 mover pw", "OK"},
        {"AUTH2 mover nope", "ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, "MIGRATE 127.0.0.1 %d k 0 5000 %s", target.port, cases[i].auth);
        expect_status(same(f, ref, tgt, "SET k v", "DEL k", cmd), cmd, cases[i].reply);
        cr_expect_eq(int_of(f, "EXISTS k"), !strcmp(cases[i].reply, "OK") ? 0 : 1, "%s: the key %s", cmd,
                     !strcmp(cases[i].reply, "OK") ? "moved" : "stays");
    }
    redisFree(f);
    redisFree(tgt);
    redisFree(ref);
}

/* A listening socket on loopback that the test answers by hand. */
static int listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(listen(fd, 4), 0);
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Accepts on lfd and reads until n whole commands arrived: the connection
 * (the commands in *got, caller frees each). */
static int receive_commands(int lfd, int n, redisReply **got)
{
    struct pollfd p = {lfd, POLLIN, 0};
    cr_assert_eq(poll(&p, 1, 60000), 1, "sandstore connects to the target");
    int fd = accept(lfd, NULL, NULL);
    cr_assert_geq(fd, 0);
    redisReader *rd = redisReaderCreate();
    int have = 0;
    while (have < n) {
        void *r = NULL;
        cr_assert_eq(redisReaderGetReply(rd, &r), REDIS_OK);
        if (r) {
            got[have++] = r;
            continue;
        }
        struct pollfd q = {fd, POLLIN, 0};
        cr_assert_eq(poll(&q, 1, 60000), 1, "the commands arrive");
        char buf[65536];
        ssize_t k = read(fd, buf, sizeof buf);
        cr_assert_gt(k, 0, "the connection stays open");
        redisReaderFeed(rd, buf, (size_t)k);
    }
    redisReaderFree(rd);
    return fd;
}

/* MIGRATE k to the hand-answered target through f, with `after` (NULL:
 * none) pipelined behind it on the same connection: the dump arrives, then
 * `meddle` (NULL: none) is written through another node while MIGRATE
 * waits for the target, then the target says OK. MIGRATE's reply (after's
 * must be OK). */
static redisReply *migrate_with_write_between(redisContext *f, redisContext *other, const char *meddle,
                                              const char *after)
{
    int port;
    int lfd = listener(&port);
    redisReply *dump = h_cmd(f, "DUMP k");
    cr_assert_eq(dump->type, REDIS_REPLY_STRING);
    cr_assert_eq(redisAppendCommand(f, "MIGRATE 127.0.0.1 %d k 0 60000", port), REDIS_OK);
    if (after)
        cr_assert_eq(redisAppendCommand(f, after), REDIS_OK);
    int done = 0;
    while (!done)
        cr_assert_eq(redisBufferWrite(f, &done), REDIS_OK);
    redisReply *got[2];
    int fd = receive_commands(lfd, 2, got);
    cr_expect(got[0]->elements == 2 && !strcasecmp(got[0]->element[0]->str, "SELECT"), "SELECT first");
    cr_expect(got[1]->elements == 4 && !strcasecmp(got[1]->element[0]->str, "RESTORE"), "then RESTORE");
    cr_expect(got[1]->element[3]->len == dump->len && !memcmp(got[1]->element[3]->str, dump->str, dump->len),
              "the payload is DUMP's");
    freeReplyObject(got[0]);
    freeReplyObject(got[1]);
    freeReplyObject(dump);
    /* The loop serves others while MIGRATE waits. */
    ok(other, "PING");
    if (meddle)
        ok(other, meddle);
    cr_assert_eq(write(fd, "+OK\r\n+OK\r\n", 10), 10);
    void *r = NULL;
    cr_assert_eq(redisGetReply(f, &r), REDIS_OK);
    if (after) {
        void *ar = NULL;
        cr_assert_eq(redisGetReply(f, &ar), REDIS_OK);
        expect_status(ar, after, "OK");
    }
    close(fd);
    close(lfd);
    return r;
}

Test(migrate, a_write_between_dump_and_delete_is_kept)
{
    redisContext *tgt, *ref;
    redisContext *f = start(NULL, &tgt, &ref);
    int leader = hc_wait_leader(&cl, 20000);
    redisContext *l = h_connect(&cl.nodes[leader]);
    ok(l, "PING");
    /* Control: nothing written in between, the key goes. */
    ok(f, "SET k v1");
    expect_status(migrate_with_write_between(f, l, NULL, NULL), "no write between", "OK");
    cr_expect_eq(int_of(f, "EXISTS k"), 0, "migrated: deleted");
    /* The client's own next write waits for MIGRATE (its connection is
     * held, as in Redis): it lands after the delete, not before it. */
    ok(f, "SET k v1");
    expect_status(migrate_with_write_between(f, l, NULL, "SET k after"), "pipelined write", "OK");
    redisReply *g = h_cmd(f, "GET k");
    cr_expect(g->type == REDIS_REPLY_STRING && !strcmp(g->str, "after"), "the pipelined SET ran after MIGRATE");
    freeReplyObject(g);
    /* A write through the leader after the dump: kept, and said. */
    ok(f, "SET k v1");
    expect_status(migrate_with_write_between(f, l, "SET k v2", NULL), "write between",
                  "ERR 1 of the migrated keys changed here during MIGRATE and were kept: the target holds them as they were dumped");
    redisReply *r = h_cmd(f, "GET k");
    cr_expect(r->type == REDIS_REPLY_STRING && !strcmp(r->str, "v2"), "the later write is not lost");
    freeReplyObject(r);
    /* Deleted in between: nothing to keep, plain OK. */
    expect_status(migrate_with_write_between(f, l, "DEL k", NULL), "deleted between", "OK");
    redisFree(l);
    redisFree(f);
    redisFree(tgt);
    redisFree(ref);
}

Test(migrate, a_target_that_never_answers_times_out)
{
    redisContext *tgt, *ref;
    redisContext *f = start(NULL, &tgt, &ref);
    int port;
    int lfd = listener(&port); /* the kernel accepts; nobody ever answers */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "MIGRATE 127.0.0.1 %d k 0 300", port);
    expect_status(same(f, ref, tgt, "SET k v", NULL, cmd), "silent target",
                  "IOERR error or timeout reading to target instance");
    cr_expect_eq(int_of(f, "EXISTS k"), 1, "the key stays");
    /* The connection is usable after. */
    ok(f, "PING");
    close(lfd);
    redisFree(f);
    redisFree(tgt);
    redisFree(ref);
}

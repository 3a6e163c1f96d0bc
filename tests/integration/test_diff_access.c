/* Access tracking against redis-server 7.0: which commands count as an access (OBJECT FREQ with lfu-log-factor 0 counts them exactly), OBJECT IDLETIME and FREQ under each policy, RESTORE IDLETIME/FREQ, and that each node keeps its own. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/diff_harness.h"

/* The run of the test in progress, stopped by the suite's fini too, so a
 * failed assertion leaves no redis-server or node behind. */
static dh_run *run;

static void stop_run(void)
{
    if (run)
        dh_stop(run);
    run = NULL;
}

TestSuite(diff_access, .fini = stop_run);

/* Sets a directive on redis-server and on the three nodes (CONFIG SET is per node). */
static void config_everywhere(dh_run *r, const char *name, const char *value)
{
    redisReply *x = redisCommand(dh_redis(r), "CONFIG SET %s %s", name, value);
    cr_assert(x && x->type == REDIS_REPLY_STATUS, "redis: CONFIG SET %s %s", name, value);
    freeReplyObject(x);
    for (int i = 0; i < 3; i++) {
        x = redisCommand(dh_sandstore(r, i), "CONFIG SET %s %s", name, value);
        cr_assert(x && x->type == REDIS_REPLY_STATUS, "node %d: CONFIG SET %s %s: %s", i + 1, name, value,
                  x && x->str ? x->str : "no reply");
        freeReplyObject(x);
    }
}

/* An integer reply of c (asserted). */
static long long int_of(redisContext *c, const char *fmt, const char *key)
{
    redisReply *x = redisCommand(c, fmt, key);
    cr_assert(x && x->type == REDIS_REPLY_INTEGER, "%s %s: %s", fmt, key, x && x->str ? x->str : "not an integer");
    long long v = x->integer;
    freeReplyObject(x);
    return v;
}

/*
 * With lfu-log-factor 0 every increment happens (p = 1) and with
 * lfu-decay-time 0 none decays: OBJECT FREQ is then LFU_INIT_VAL (5) plus
 * the number of lookups Redis's lookupKey counted. Each line runs on a
 * fresh `k` (SET k v first, or the setup given), then OBJECT FREQ k is
 * compared: the commands that do not count (EXISTS, TYPE, TTL, OBJECT,
 * MEMORY USAGE, KEYS, SCAN) leave 5, the others add one per lookup (LCS k k
 * adds two).
 */
Test(diff_access, every_lookup_counts_as_in_redis, .timeout = 600)
{
    dh_run *r = run = dh_start(NULL);
    dh_pin(r, 1); /* a follower: its reads are its own, writes reach it through the log */
    config_everywhere(r, "maxmemory-policy", "allkeys-lfu");
    config_everywhere(r, "lfu-log-factor", "0");
    config_everywhere(r, "lfu-decay-time", "0");
    static const char *const lines[][2] = {
        {NULL, "EXISTS k"},
        {NULL, "TYPE k"},
        {NULL, "TTL k"},
        {NULL, "PTTL k"},
        {NULL, "EXPIRETIME k"},
        {NULL, "OBJECT ENCODING k"},
        {NULL, "OBJECT FREQ k"},
        {NULL, "MEMORY USAGE k"},
        {NULL, "KEYS *"},
        {NULL, "SCAN 0"},
        {NULL, "TOUCH k"},
        {NULL, "TOUCH k k nokey"},
        {NULL, "GET k"},
        {NULL, "STRLEN k"},
        {NULL, "GETRANGE k 0 1"},
        {NULL, "EXPIRE k 100"},
        {NULL, "PERSIST k"},
        {NULL, "SET k v2"},
        {NULL, "SET k v2 NX"},
        {NULL, "APPEND k x"},
        {NULL, "GETEX k"},
        {NULL, "LCS k k"},
        {NULL, "COPY k c"},
        {NULL, "RENAME k k"},
        {NULL, "RENAME c k"},
        {"SET c w", "OBJECT FREQ c"},
        {NULL, "LPUSH k x"},
        {NULL, "MGET k k"},
        {"RPUSH k a b c", "LRANGE k 0 -1"},
        {"RPUSH k a b c", "LPUSH k d"},
        {"RPUSH k a b c", "LLEN k"},
        {"HSET k f v", "HGET k f"},
        {"HSET k f v", "HSET k g w"},
        {"SADD k a b", "SISMEMBER k a"},
        {"SADD k a b", "SINTER k k"},
        {"ZADD k 1 a", "ZSCORE k a"},
        {"ZADD k 1 a", "ZINCRBY k 2 a"},
        {"XADD k 1-1 f v", "XLEN k"},
        {"XADD k 1-1 f v", "XRANGE k - +"},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        bad += !dh_cmd(r, DH_EXACT, "DEL k c");
        bad += !dh_cmd(r, DH_EXACT, lines[i][0] ? lines[i][0] : "SET k v");
        bad += !dh_cmd(r, DH_EXACT, "OBJECT FREQ k");
        bad += !dh_cmd(r, DH_TYPE_ONLY, lines[i][1]);
        if (!dh_cmd(r, DH_EXACT, "OBJECT FREQ k")) {
            fprintf(stderr, "  after %s\n", lines[i][1]);
            bad++;
        }
    }
    /* RENAME and MOVE carry the count to the new name, COPY does not. */
    static const char *const moves[] = {"SET k v", "GET k", "RENAME k r", "OBJECT FREQ r", "GET r",
                                        "MOVE r 3", "SELECT 3", "OBJECT FREQ r", "GET r", "COPY r c",
                                        "OBJECT FREQ r", "OBJECT FREQ c", "SET d x", "GET d", "GET d",
                                        "RENAME r d", "OBJECT FREQ d", "FLUSHDB", "SELECT 0"};
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        bad += !dh_cmd(r, DH_EXACT, moves[i]);
    /* A deleted key's count goes with it; a flush's too. */
    bad += !dh_cmd(r, DH_EXACT, "SET k v");
    bad += !dh_cmd(r, DH_EXACT, "GET k");
    bad += !dh_cmd(r, DH_EXACT, "GET k");
    bad += !dh_cmd(r, DH_EXACT, "OBJECT FREQ k");
    bad += !dh_cmd(r, DH_EXACT, "DEL k");
    bad += !dh_cmd(r, DH_EXACT, "SET k v");
    bad += !dh_cmd(r, DH_EXACT, "OBJECT FREQ k");
    bad += !dh_cmd(r, DH_EXACT, "GET k");
    bad += !dh_cmd(r, DH_EXACT, "FLUSHALL");
    bad += !dh_cmd(r, DH_EXACT, "SET k v");
    bad += !dh_cmd(r, DH_EXACT, "OBJECT FREQ k");
    stop_run();
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}

/* OBJECT IDLETIME under an LFU policy, OBJECT FREQ under any other: Redis's
 * errors, byte for byte; a missing key is a null reply under both. */
Test(diff_access, the_wrong_policy_answers_redis_errors, .timeout = 600)
{
    dh_run *r = run = dh_start(NULL);
    int bad = 0;
    bad += !dh_cmd(r, DH_EXACT, "SET k v");
    static const char *const policies[] = {"noeviction", "allkeys-lru", "volatile-lru", "volatile-ttl",
                                           "allkeys-random", "allkeys-lfu", "volatile-lfu"};
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
        config_everywhere(r, "maxmemory-policy", policies[i]);
        bad += !dh_cmd(r, DH_EXACT, "CONFIG GET maxmemory-policy");
        bad += !dh_cmd(r, i < 5 ? DH_EXACT : DH_TYPE_ONLY, "OBJECT IDLETIME k");
        bad += !dh_cmd(r, i < 5 ? DH_EXACT : DH_TYPE_ONLY, "OBJECT FREQ k");
        bad += !dh_cmd(r, DH_EXACT, "OBJECT IDLETIME nokey");
        bad += !dh_cmd(r, DH_EXACT, "OBJECT FREQ nokey");
    }
    stop_run();
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}

/* RESTORE ... FREQ (under LFU) and IDLETIME (under LRU) go through the log:
 * every node then reports them, as redis-server does. */
Test(diff_access, restore_sets_freq_and_idletime_on_every_node, .timeout = 600)
{
    dh_run *r = run = dh_start(NULL);
    config_everywhere(r, "maxmemory-policy", "allkeys-lfu");
    config_everywhere(r, "lfu-decay-time", "0");
    int bad = 0;
    bad += !dh_cmd(r, DH_EXACT, "SET src hello");
    redisReply *d = redisCommand(dh_redis(r), "DUMP src");
    cr_assert(d && d->type == REDIS_REPLY_STRING, "DUMP");
    const char *argv[] = {"RESTORE", "k", "0", d->str, "FREQ", "100"};
    size_t lens[] = {7, 1, 1, d->len, 4, 3};
    bad += !dh_cmdv(r, DH_EXACT, 6, argv, lens);
    bad += !dh_cmd(r, DH_EXACT, "OBJECT FREQ k");
    /* IDLETIME is ignored under LFU (Redis's objectSetLRUOrLFU), FREQ under LRU */
    const char *argv2[] = {"RESTORE", "j", "0", d->str, "IDLETIME", "1000"};
    size_t lens2[] = {7, 1, 1, d->len, 8, 4};
    bad += !dh_cmdv(r, DH_EXACT, 6, argv2, lens2);
    bad += !dh_cmd(r, DH_EXACT, "OBJECT FREQ j");
    for (int i = 0; i < 3; i++)
        cr_expect_eq(int_of(dh_sandstore(r, i), "OBJECT FREQ %s", "k"), 100, "node %d", i + 1);
    config_everywhere(r, "maxmemory-policy", "allkeys-lru");
    const char *argv3[] = {"RESTORE", "old", "0", d->str, "IDLETIME", "100000"};
    size_t lens3[] = {7, 3, 1, d->len, 8, 6};
    bad += !dh_cmdv(r, DH_EXACT, 6, argv3, lens3);
    const char *argv4[] = {"RESTORE", "f", "0", d->str, "FREQ", "100"};
    size_t lens4[] = {7, 1, 1, d->len, 4, 3};
    bad += !dh_cmdv(r, DH_EXACT, 6, argv4, lens4);
    bad += !dh_cmd(r, DH_EXACT, "OBJECT IDLETIME f");
    long long want = int_of(dh_redis(r), "OBJECT IDLETIME %s", "old");
    cr_expect(want >= 100000 && want < 100000 + 600, "redis: %lld", want);
    for (int i = 0; i < 3; i++) {
        long long idle = int_of(dh_sandstore(r, i), "OBJECT IDLETIME %s", "old");
        cr_expect(idle >= 100000 && idle < 100000 + 600, "node %d: %lld", i + 1, idle);
    }
    /* ...until the key is read: then it was accessed now, where it was read */
    long long before = int_of(dh_sandstore(r, 2), "OBJECT IDLETIME %s", "old");
    redisReply *g = redisCommand(dh_sandstore(r, 0), "GET old");
    cr_assert(g && g->type == REDIS_REPLY_STRING, "GET old");
    freeReplyObject(g);
    cr_expect_lt(int_of(dh_sandstore(r, 0), "OBJECT IDLETIME %s", "old"), 100000, "node 1 read it");
    cr_expect_geq(int_of(dh_sandstore(r, 2), "OBJECT IDLETIME %s", "old"), before, "node 3 did not");
    freeReplyObject(d);
    stop_run();
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}

/* Polls node i until key's idle time there is at least secs (bounded). */
static long long wait_idle(dh_run *r, int i, const char *key, long long secs)
{
    long long idle = -1;
    for (int t = 0; t < 600 && (idle = int_of(dh_sandstore(r, i), "OBJECT IDLETIME %s", key)) < secs; t++)
        usleep(100 * 1000);
    cr_assert_geq(idle, secs, "node %d: %s idle for %lld s after a minute", i + 1, key, idle);
    return idle;
}

/*
 * Idle time grows while a key is untouched and a read resets it, on the node
 * that served the read only; a write resets it on every node. No timing is
 * assumed: `b` is written before `a`, so whatever the machine's delays,
 * once `a` was read after both were idle 2 s, `a`'s idle time must be below
 * `b`'s (measured after it) on the node that read it.
 */
Test(diff_access, idle_time_is_each_nodes_own_and_reads_reset_it, .timeout = 600)
{
    dh_run *r = run = dh_start(NULL);
    config_everywhere(r, "maxmemory-policy", "allkeys-lru");
    redisContext *n1 = dh_sandstore(r, 0), *n3 = dh_sandstore(r, 2);
    redisReply *x = redisCommand(n1, "SET b 1");
    freeReplyObject(x);
    x = redisCommand(n1, "SET a 1");
    freeReplyObject(x);
    /* both nodes applied the writes once n3 reads them */
    x = redisCommand(n3, "GET a");
    freeReplyObject(x);
    long long was1 = wait_idle(r, 0, "a", 2);
    /* EXISTS, TYPE, TTL, OBJECT are no access: the idle time only grew */
    const char *probes[] = {"EXISTS %s", "TYPE %s", "TTL %s", "PTTL %s", "OBJECT ENCODING %s", "MEMORY USAGE %s"};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        x = redisCommand(n1, probes[i], "a");
        freeReplyObject(x);
    }
    cr_expect_geq(int_of(n1, "OBJECT IDLETIME %s", "a"), was1, "probes are no access");
    long long was3 = wait_idle(r, 2, "a", 2);
    cr_expect_eq(int_of(n1, "TOUCH %s", "a"), 1, "TOUCH counts the key");
    long long a1 = int_of(n1, "OBJECT IDLETIME %s", "a"), b1 = int_of(n1, "OBJECT IDLETIME %s", "b");
    cr_expect_lt(a1, b1, "node 1 served TOUCH a: a (%lld s) is fresher than b (%lld s)", a1, b1);
    cr_expect_geq(int_of(n3, "OBJECT IDLETIME %s", "a"), was3, "node 3 served nothing: a's idle time only grew");
    /* a write is applied on every node: an access everywhere */
    wait_idle(r, 2, "b", 2);
    x = redisCommand(n1, "APPEND a x");
    freeReplyObject(x);
    x = redisCommand(n3, "GET nokey"); /* after the read barrier: node 3 applied the APPEND */
    freeReplyObject(x);
    long long a3 = int_of(n3, "OBJECT IDLETIME %s", "a"), b3 = int_of(n3, "OBJECT IDLETIME %s", "b");
    cr_expect_lt(a3, b3, "node 3 applied APPEND a: a (%lld s) is fresher than b (%lld s)", a3, b3);
    stop_run();
}

/* TOUCH is a read: through node 2 it counts on node 2 only (a logged
 * command would count on every node). Under LFU with factor 0. */
Test(diff_access, touch_is_a_read_of_the_node_that_serves_it, .timeout = 600)
{
    dh_run *r = run = dh_start(NULL);
    config_everywhere(r, "maxmemory-policy", "allkeys-lfu");
    config_everywhere(r, "lfu-log-factor", "0");
    config_everywhere(r, "lfu-decay-time", "0");
    redisReply *x = redisCommand(dh_sandstore(r, 0), "SET k v");
    freeReplyObject(x);
    for (int i = 0; i < 3; i++) /* each node applied the SET once it reads k */
        cr_expect_eq(int_of(dh_sandstore(r, i), "EXISTS %s", "k"), 1, "node %d", i + 1);
    cr_expect_eq(int_of(dh_sandstore(r, 1), "TOUCH %s", "k"), 1);
    cr_expect_eq(int_of(dh_sandstore(r, 1), "TOUCH %s", "k"), 1);
    cr_expect_eq(int_of(dh_sandstore(r, 0), "OBJECT FREQ %s", "k"), 5, "node 1");
    cr_expect_eq(int_of(dh_sandstore(r, 1), "OBJECT FREQ %s", "k"), 7, "node 2");
    cr_expect_eq(int_of(dh_sandstore(r, 2), "OBJECT FREQ %s", "k"), 5, "node 3");
    /* and with Redis's default factor (10) the count still rises with reads */
    config_everywhere(r, "lfu-log-factor", "10");
    long long last = 7;
    for (int i = 0; i < 300; i++) {
        x = redisCommand(dh_sandstore(r, 1), "GET k");
        freeReplyObject(x);
        long long f = int_of(dh_sandstore(r, 1), "OBJECT FREQ %s", "k");
        cr_assert_geq(f, last, "never falls without decay");
        last = f;
    }
    cr_expect_gt(last, 7, "300 reads raised the counter (each from 7 has p = 1/21)");
    stop_run();
}

/* The figure a field of a DEBUG OBJECT line holds (asserted present). */
static long long debug_field(const char *line, const char *field)
{
    const char *p = strstr(line, field);
    cr_assert(p, "%s in %s", field, line);
    return strtoll(p + strlen(field), NULL, 10);
}

/* DEBUG OBJECT's line has Redis 7.0's fields in its order; lru_seconds_idle
 * is OBJECT IDLETIME's figure (on every node after a RESTORE IDLETIME), and
 * like OBJECT it is no access. */
Test(diff_access, debug_object_agrees_with_object_idletime, .timeout = 600)
{
    dh_run *r = run = dh_start(NULL);
    config_everywhere(r, "maxmemory-policy", "allkeys-lru");
    redisContext *n1 = dh_sandstore(r, 0);
    redisReply *x = redisCommand(n1, "SET src hello");
    freeReplyObject(x);
    redisReply *d = redisCommand(n1, "DUMP src");
    cr_assert(d && d->type == REDIS_REPLY_STRING, "DUMP");
    x = redisCommand(n1, "RESTORE k 0 %b IDLETIME 5000", d->str, d->len);
    cr_assert(x && x->type == REDIS_REPLY_STATUS, "RESTORE");
    freeReplyObject(x);
    freeReplyObject(d);
    for (int i = 0; i < 3; i++) {
        redisContext *c = dh_sandstore(r, i);
        x = redisCommand(c, "GET nokey"); /* the read barrier: the RESTORE is applied here */
        freeReplyObject(x);
        x = redisCommand(c, "DEBUG OBJECT k");
        cr_assert(x && x->type == REDIS_REPLY_STATUS, "node %d: DEBUG OBJECT: %s", i + 1, x ? x->str : "no reply");
        const char *fields[] = {"Value at:", " refcount:", " encoding:", " serializedlength:", " lru:",
                                " lru_seconds_idle:"};
        const char *at = x->str;
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            const char *p = strstr(at, fields[f]);
            cr_expect(p != NULL, "node %d: %s after the fields before it in %s", i + 1, fields[f], x->str);
            at = p ? p : at;
        }
        cr_expect(strstr(x->str, "refcount:1 encoding:embstr serializedlength:6 ") != NULL, "%s", x->str);
        long long dbg = debug_field(x->str, " lru_seconds_idle:");
        freeReplyObject(x);
        long long idle = int_of(c, "OBJECT IDLETIME %s", "k");
        cr_expect(dbg >= 5000 && dbg <= idle, "node %d: DEBUG OBJECT %lld s, then OBJECT IDLETIME %lld s", i + 1, dbg,
                  idle);
    }
    x = redisCommand(n1, "DEBUG OBJECT nokey");
    cr_expect(x && x->type == REDIS_REPLY_ERROR && strcmp(x->str, "ERR no such key") == 0, "Redis's nokeyerr");
    freeReplyObject(x);
    stop_run();
}

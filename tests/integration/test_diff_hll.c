/* HyperLogLog (PFADD PFCOUNT PFMERGE) against redis-server 7.0: replies, the registers' bytes, and values moved both ways by GET/SET. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "integration/diff_harness.h"

static const char *key(dh_run *r)
{
    static const char *const keys[] = {"h0", "h1", "h2", "h3"};
    return keys[dh_below(r, 4)];
}

/* PFADD of 1..n elements from a pool small or large: many adds drive a
 * value from sparse to dense. */
static void line_pfadd(dh_run *r, char *b, size_t n, const char *k, int most)
{
    int len = snprintf(b, n, "PFADD %s", k);
    int count = (int)dh_below(r, (uint64_t)most + 1);
    uint64_t pool = dh_below(r, 2) ? 30 : 200000;
    for (int i = 0; i < count && len < (int)n - 24; i++)
        len += snprintf(b + len, n - (size_t)len, " e%llu", (unsigned long long)dh_below(r, pool));
}

static void line(dh_run *r, char *b, size_t n)
{
    const char *k = key(r);
    switch (dh_below(r, 14)) {
    case 0: case 1: case 2: case 3: line_pfadd(r, b, n, k, 4); break;
    case 4: case 5: line_pfadd(r, b, n, k, 60); break;
    case 6: case 7: snprintf(b, n, "PFCOUNT %s", k); break;
    case 8: snprintf(b, n, "PFCOUNT %s %s %s", k, key(r), key(r)); break;
    case 9: snprintf(b, n, "PFMERGE %s %s %s", k, key(r), key(r)); break;
    /* The encoding and the registers (the cached estimate in bytes 8-15
     * differs by design: see cmd_hll.c). */
    case 10: snprintf(b, n, "GETRANGE %s 0 4", k); break;
    case 11: snprintf(b, n, "GETRANGE %s 16 -1", k); break;
    case 12: snprintf(b, n, "STRLEN %s", k); break;
    default: snprintf(b, n, dh_below(r, 6) ? "TYPE %s" : dh_below(r, 2) ? "DEL %s" : "SET %s nothll", k); break;
    }
}

Test(diff_hll, random_hll_commands_answer_as_redis_does, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    int rounds = dh_rounds(1500), bad = 0;
    for (int i = 0; i < rounds && bad < 5; i++) {
        char b[2048];
        line(r, b, sizeof b);
        bad += !dh_cmd(r, DH_EXACT, b);
    }
    dh_stop(r);
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}

/* GET of key from one side, SET as dst on the other. */
static void move_value(redisContext *from, redisContext *to, const char *key, const char *dst)
{
    redisReply *v = redisCommand(from, "GET %s", key);
    cr_assert(v && v->type == REDIS_REPLY_STRING, "GET %s", key);
    redisReply *s = redisCommand(to, "SET %s %b", dst, v->str, (size_t)v->len);
    cr_assert(s && s->type == REDIS_REPLY_STATUS, "SET %s", dst);
    freeReplyObject(s);
    freeReplyObject(v);
}

static long long count_of(redisContext *c, const char *key)
{
    redisReply *v = redisCommand(c, "PFCOUNT %s", key);
    cr_assert(v && v->type == REDIS_REPLY_INTEGER, "PFCOUNT %s", key);
    long long n = v->integer;
    freeReplyObject(v);
    return n;
}

Test(diff_hll, values_moved_by_get_and_set_keep_their_estimate_both_ways, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    /* Sizes that leave the value sparse, near the sparse limit, dense. */
    static const int sizes[] = {3, 200, 900, 5000, 60000};
    int bad = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        char cmd[4096];
        for (int done = 0; done < sizes[s];) {
            int len = snprintf(cmd, sizeof cmd, "PFADD src%zu", s);
            for (int i = 0; i < 200 && done < sizes[s]; i++, done++)
                len += snprintf(cmd + len, sizeof cmd - (size_t)len, " m%d", done);
            bad += !dh_cmd(r, DH_EXACT, cmd);
        }
        char src[16], a[16], b[16];
        snprintf(src, sizeof src, "src%zu", s);
        snprintf(a, sizeof a, "fromredis%zu", s);
        snprintf(b, sizeof b, "fromss%zu", s);
        /* Redis's value into sandstore, sandstore's into Redis. */
        move_value(dh_redis(r), dh_sandstore(r, 0), src, a);
        move_value(dh_sandstore(r, 0), dh_redis(r), src, b);
        long long want = count_of(dh_redis(r), src);
        cr_expect_eq(count_of(dh_sandstore(r, 1), a), want, "%s: Redis's value counted by sandstore", src);
        cr_expect_eq(count_of(dh_redis(r), b), want, "%s: sandstore's value counted by Redis", src);
        /* Both go on living as HLLs on the other side. */
        snprintf(cmd, sizeof cmd, "PFADD %s extra1 extra2", a);
        redisReply *x = redisCommand(dh_sandstore(r, 2), cmd);
        cr_expect(x && x->type == REDIS_REPLY_INTEGER, "%s", cmd);
        freeReplyObject(x);
        snprintf(cmd, sizeof cmd, "PFMERGE both%zu %s %s", s, src, src);
        bad += !dh_cmd(r, DH_EXACT, cmd);
        snprintf(cmd, sizeof cmd, "GETRANGE both%zu 0 4", s);
        bad += !dh_cmd(r, DH_EXACT, cmd);
        snprintf(cmd, sizeof cmd, "GETRANGE both%zu 16 -1", s);
        bad += !dh_cmd(r, DH_EXACT, cmd);
    }
    dh_stop(r);
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}

/* The existing families (strings, keys, hashes, lists, sets, sorted sets) against redis-server 7.0: random commands, every reply compared. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "integration/diff_harness.h"

static const char *key(dh_run *r)
{
    static const char *const keys[] = {"k0", "k1", "k2", "k3"};
    return keys[dh_below(r, 4)];
}

static const char *member(dh_run *r)
{
    static const char *const m[] = {"a", "b", "c", "d", "e", "10", "-3", "2.5", ""};
    return m[dh_below(r, 9)];
}

static long long num(dh_run *r) { return (long long)dh_below(r, 21) - 10; }

/* One random command line of a family (some are deliberately wrong: wrong
 * type, bad numbers, out of range) and how to compare its reply. */
static int line_string(dh_run *r, char *b, size_t n)
{
    const char *k = key(r);
    switch (dh_below(r, 12)) {
    case 0: snprintf(b, n, "SET %s %s", k, member(r)); break;
    case 1: snprintf(b, n, "GET %s", k); break;
    case 2: snprintf(b, n, "INCRBY %s %lld", k, num(r)); break;
    case 3: snprintf(b, n, "APPEND %s %s", k, member(r)); break;
    case 4: snprintf(b, n, "GETRANGE %s %lld %lld", k, num(r), num(r)); break;
    case 5: snprintf(b, n, "SETRANGE %s %lld %s", k, num(r) + 10, member(r)); break;
    case 6: snprintf(b, n, "STRLEN %s", k); break;
    case 7: snprintf(b, n, "MSET %s %s %s %s", k, member(r), key(r), member(r)); break;
    case 8: snprintf(b, n, "MGET %s %s %s", k, key(r), key(r)); break;
    case 9: snprintf(b, n, "SET %s %s %s", k, member(r), dh_below(r, 2) ? "NX GET" : "XX"); break;
    case 10: snprintf(b, n, "INCRBYFLOAT %s %s", k, member(r)); break;
    default: snprintf(b, n, "GETDEL %s", k); break;
    }
    return DH_EXACT;
}

static int line_keys(dh_run *r, char *b, size_t n)
{
    switch (dh_below(r, 7)) {
    case 0: snprintf(b, n, "DEL %s %s", key(r), key(r)); return DH_EXACT;
    case 1: snprintf(b, n, "EXISTS %s %s", key(r), key(r)); return DH_EXACT;
    case 2: snprintf(b, n, "TYPE %s", key(r)); return DH_EXACT;
    case 3: snprintf(b, n, "RENAME %s %s", key(r), key(r)); return DH_EXACT;
    case 4: snprintf(b, n, "COPY %s %s%s", key(r), key(r), dh_below(r, 2) ? " REPLACE" : ""); return DH_EXACT;
    case 5: snprintf(b, n, "KEYS *"); return DH_UNORDERED;
    default: snprintf(b, n, "DBSIZE"); return DH_EXACT;
    }
}

static int line_hash(dh_run *r, char *b, size_t n)
{
    const char *k = key(r);
    switch (dh_below(r, 9)) {
    case 0: snprintf(b, n, "HSET %s %s %s %s %s", k, member(r), member(r), member(r), member(r)); return DH_EXACT;
    case 1: snprintf(b, n, "HGET %s %s", k, member(r)); return DH_EXACT;
    case 2: snprintf(b, n, "HDEL %s %s %s", k, member(r), member(r)); return DH_EXACT;
    case 3: snprintf(b, n, "HINCRBY %s %s %lld", k, member(r), num(r)); return DH_EXACT;
    case 4: snprintf(b, n, "HGETALL %s", k); return DH_UNORDERED_PAIRS;
    case 5: snprintf(b, n, "HLEN %s", k); return DH_EXACT;
    case 6: snprintf(b, n, "HMGET %s %s %s", k, member(r), member(r)); return DH_EXACT;
    case 7: snprintf(b, n, "HKEYS %s", k); return DH_UNORDERED;
    default: snprintf(b, n, "HSETNX %s %s %s", k, member(r), member(r)); return DH_EXACT;
    }
}

static int line_list(dh_run *r, char *b, size_t n)
{
    const char *k = key(r);
    switch (dh_below(r, 10)) {
    case 0: snprintf(b, n, "LPUSH %s %s %s", k, member(r), member(r)); break;
    case 1: snprintf(b, n, "RPUSH %s %s", k, member(r)); break;
    case 2: snprintf(b, n, "LPOP %s%s", k, dh_below(r, 2) ? " 2" : ""); break;
    case 3: snprintf(b, n, "RPOP %s", k); break;
    case 4: snprintf(b, n, "LRANGE %s %lld %lld", k, num(r), num(r)); break;
    case 5: snprintf(b, n, "LINDEX %s %lld", k, num(r)); break;
    case 6: snprintf(b, n, "LREM %s %lld %s", k, num(r) / 3, member(r)); break;
    case 7: snprintf(b, n, "LTRIM %s %lld %lld", k, num(r), num(r)); break;
    case 8: snprintf(b, n, "LMOVE %s %s LEFT RIGHT", k, key(r)); break;
    default: snprintf(b, n, "LPOS %s %s", k, member(r)); break;
    }
    return DH_EXACT;
}

static int line_set(dh_run *r, char *b, size_t n)
{
    const char *k = key(r);
    switch (dh_below(r, 8)) {
    case 0: snprintf(b, n, "SADD %s %s %s %s", k, member(r), member(r), member(r)); return DH_EXACT;
    case 1: snprintf(b, n, "SREM %s %s", k, member(r)); return DH_EXACT;
    case 2: snprintf(b, n, "SMEMBERS %s", k); return DH_UNORDERED;
    case 3: snprintf(b, n, "SISMEMBER %s %s", k, member(r)); return DH_EXACT;
    case 4: snprintf(b, n, "SCARD %s", k); return DH_EXACT;
    case 5: snprintf(b, n, "SINTER %s %s", k, key(r)); return DH_UNORDERED;
    case 6: snprintf(b, n, "SUNIONSTORE %s %s %s", k, key(r), key(r)); return DH_EXACT;
    default: snprintf(b, n, "SMOVE %s %s %s", k, key(r), member(r)); return DH_EXACT;
    }
}

static int line_zset(dh_run *r, char *b, size_t n)
{
    const char *k = key(r);
    switch (dh_below(r, 9)) {
    case 0: snprintf(b, n, "ZADD %s %lld %s %lld %s", k, num(r), member(r), num(r), member(r)); break;
    case 1: snprintf(b, n, "ZINCRBY %s %lld %s", k, num(r), member(r)); break;
    case 2: snprintf(b, n, "ZRANGE %s %lld %lld WITHSCORES", k, num(r), num(r)); break;
    case 3: snprintf(b, n, "ZRANGEBYSCORE %s %lld %lld", k, num(r), num(r)); break;
    case 4: snprintf(b, n, "ZSCORE %s %s", k, member(r)); break;
    case 5: snprintf(b, n, "ZRANK %s %s", k, member(r)); break;
    case 6: snprintf(b, n, "ZREM %s %s %s", k, member(r), member(r)); break;
    case 7: snprintf(b, n, "ZPOPMIN %s", k); break;
    default: snprintf(b, n, "ZCOUNT %s %lld +inf", k, num(r)); break;
    }
    return DH_EXACT;
}

Test(diff_core, random_commands_answer_as_redis_does, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    int (*const families[])(dh_run *, char *, size_t) = {line_string, line_keys, line_hash,
                                                          line_list, line_set, line_zset};
    int rounds = dh_rounds(3000), bad = 0;
    for (int i = 0; i < rounds && bad < 5; i++) {
        char line[512];
        int mode = families[dh_below(r, 6)](r, line, sizeof line);
        bad += !dh_cmd(r, mode, line);
    }
    dh_stop(r);
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}

/* The typed key lookup every family uses: keyspace hits and misses counted as Redis counts them, WRONGTYPE, expiry. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdtest.h"

TestSuite(lookup, .init = ct_setup, .fini = ct_teardown);

/* Runs line and checks how many hits and misses it added. */
static void expect_counts(const char *line, uint64_t hits, uint64_t misses)
{
    uint64_t h0, m0, h1, m1;
    ct_keyspace_stats(&h0, &m0);
    const char *r = ct_run(line);
    ct_keyspace_stats(&h1, &m1);
    cr_expect(h1 - h0 == hits && m1 - m0 == misses, "%s: %llu hits %llu misses, want %llu %llu (reply %.60s)",
              line, (unsigned long long)(h1 - h0), (unsigned long long)(m1 - m0), (unsigned long long)hits,
              (unsigned long long)misses, r);
}

static void fill(void)
{
    ct_run("SET s v");
    ct_run("HSET h f v");
    ct_run("RPUSH l a b c");
    ct_run("SADD t x y");
    ct_run("SADD u y z");
    ct_run("ZADD z 1 a 2 b");
}

Test(lookup, a_read_counts_one_hit_or_miss_per_key_it_opens)
{
    fill();
    expect_counts("GET s", 1, 0);
    expect_counts("GET nosuch", 0, 1);
    expect_counts("GET h", 1, 0); /* WRONGTYPE still found the key, as in Redis */
    expect_counts("MGET s nosuch h", 2, 1);
    expect_counts("STRLEN s", 1, 0);
    expect_counts("GETRANGE nosuch 0 1", 0, 1);
    expect_counts("EXISTS s nosuch s", 2, 1);
    expect_counts("TYPE l", 1, 0);
    expect_counts("TTL nosuch", 0, 1);
    expect_counts("PTTL s", 1, 0);
    expect_counts("HGET h nofield", 1, 0);
    expect_counts("HGETALL nosuch", 0, 1);
    expect_counts("HMGET h f g", 1, 0);
    expect_counts("HLEN s", 1, 0);
    expect_counts("LRANGE l 0 -1", 1, 0);
    expect_counts("LINDEX nosuch 0", 0, 1);
    expect_counts("LPOS l b", 1, 0);
    expect_counts("SMEMBERS t", 1, 0);
    expect_counts("SISMEMBER nosuch x", 0, 1);
    expect_counts("SINTER t u nosuch", 2, 1);
    expect_counts("SUNION t u", 2, 0);
    expect_counts("SINTERCARD 2 t nosuch", 1, 1);
    expect_counts("SRANDMEMBER t", 1, 0);
    expect_counts("SSCAN t 0", 1, 0);
    expect_counts("ZSCORE z a", 1, 0);
    expect_counts("ZRANGE z 0 -1", 1, 0);
    expect_counts("ZRANGEBYSCORE nosuch 0 1", 0, 1);
    expect_counts("ZCOUNT z 0 1", 1, 0);
    expect_counts("ZRANK z b", 1, 0);
    expect_counts("ZSCAN z 0", 1, 0);
    expect_counts("HRANDFIELD h", 1, 0);
    expect_counts("HSCAN nosuch 0", 0, 1);
}

Test(lookup, syntax_errors_keyspace_wide_reads_and_debug_count_nothing)
{
    fill();
    expect_counts("GETRANGE s x 1", 0, 0);
    expect_counts("LRANGE l x 1", 0, 0);
    expect_counts("ZRANGE z 0 1 BYLEX", 0, 0);
    expect_counts("KEYS *", 0, 0);
    expect_counts("SCAN 0", 0, 0);
    expect_counts("RANDOMKEY", 0, 0);
    expect_counts("DBSIZE", 0, 0);
    expect_counts("DEBUG DIGEST-VALUE s nosuch", 0, 0);
}

Test(lookup, writes_count_nothing_as_they_are_applied)
{
    fill();
    expect_counts("SET s w", 0, 0);
    expect_counts("INCR n", 0, 0);
    expect_counts("HSET h g v", 0, 0);
    expect_counts("LPUSH l q", 0, 0);
    expect_counts("SMOVE t u x", 0, 0);
    expect_counts("ZADD z 3 c", 0, 0);
    expect_counts("RENAME s s2", 0, 0);
    expect_counts("DEL nosuch l", 0, 0);
    expect_counts("SINTERSTORE d t u", 0, 0);
}

Test(lookup, an_expired_key_is_a_miss_and_a_wrong_type_is_wrongtype_everywhere)
{
    ct_run("SET e v PX 100");
    ct_now += 200;
    expect_counts("GET e", 0, 1);
    cr_expect_str_eq(ct_run("GET e"), "$-1\r\n");
    fill();
    static const char *const wrong[] = {
        "GET h", "APPEND h x", "INCR h", "HGET s f", "HSET s f v", "LPUSH s x", "LRANGE s 0 1",
        "SADD s x", "SMEMBERS s", "SINTER t s", "ZADD s 1 a", "ZRANGE s 0 1", "SMOVE t s x", "LMOVE l s left left",
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++)
        cr_expect_str_eq(ct_run(wrong[i]), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                         "%s", wrong[i]);
}

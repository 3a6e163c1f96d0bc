/* Sorted set algebra (ZUNION ZINTER ZDIFF, their STORE forms, ZINTERCARD), ZRANGESTORE and ZRANDMEMBER, checked against the replies Redis 7.0 sends. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"

static void setup(void)
{
    ct_setup();
    ct_run("ZADD a 1 x 2 y 3 z");
    ct_run("ZADD b 10 y 20 z 30 w");
    ct_run("SADD s y w q");
    ct_run("SET str v");
}

TestSuite(zsetop, .init = setup, .fini = ct_teardown);

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define SYNTAX "-ERR syntax error\r\n"

Test(zsetop, zunion_sums_scores_and_counts_set_members_as_one)
{
    cr_expect_str_eq(ct_run("ZUNION 3 a b s WITHSCORES"),
                     "*10\r\n$1\r\nq\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n13\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n31\r\n");
    cr_expect_str_eq(ct_run("ZUNION 2 a b"), "*4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n");
    cr_expect_str_eq(ct_run("ZUNION 2 a nosuch WITHSCORES"),
                     "*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n");
}

Test(zsetop, weights_and_aggregate_apply_per_input)
{
    cr_expect_str_eq(ct_run("ZUNION 2 a b WEIGHTS 2 0.5 AGGREGATE MAX WITHSCORES"),
                     "*8\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n5\r\n$1\r\nz\r\n$2\r\n10\r\n$1\r\nw\r\n$2\r\n15\r\n");
    cr_expect_str_eq(ct_run("ZINTER 2 a b AGGREGATE MIN WITHSCORES"),
                     "*4\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n");
    cr_expect_str_eq(ct_run("ZINTER 3 a b s WITHSCORES"), "*2\r\n$1\r\ny\r\n$2\r\n13\r\n");
    cr_expect_str_eq(ct_run("ZINTER 2 a a WEIGHTS 1 -1 WITHSCORES"),
                     "*6\r\n$1\r\nx\r\n$1\r\n0\r\n$1\r\ny\r\n$1\r\n0\r\n$1\r\nz\r\n$1\r\n0\r\n");
}

Test(zsetop, infinities_that_cancel_sum_to_zero_as_redis)
{
    ct_run("ZADD i 1 x +inf p");
    ct_run("ZADD n 1 x -inf p");
    cr_expect_str_eq(ct_run("ZUNION 2 i n WITHSCORES"), "*4\r\n$1\r\np\r\n$1\r\n0\r\n$1\r\nx\r\n$1\r\n2\r\n");
    /* 0 * inf is NaN, which starts from 0; then -inf is added. */
    cr_expect_str_eq(ct_run("ZINTER 2 i n WEIGHTS 0 1 WITHSCORES"),
                     "*4\r\n$1\r\np\r\n$4\r\n-inf\r\n$1\r\nx\r\n$1\r\n1\r\n");
}

Test(zsetop, zdiff_keeps_the_first_inputs_scores)
{
    cr_expect_str_eq(ct_run("ZDIFF 2 b a WITHSCORES"), "*2\r\n$1\r\nw\r\n$2\r\n30\r\n");
    cr_expect_str_eq(ct_run("ZDIFF 3 b a s"), "*0\r\n");
    cr_expect_str_eq(ct_run("ZDIFF 2 a a"), "*0\r\n");
    cr_expect_str_eq(ct_run("ZDIFF 2 nosuch a"), "*0\r\n");
    cr_expect_str_eq(ct_run("ZDIFF 2 a b WEIGHTS 1 1"), SYNTAX);
}

Test(zsetop, zintercard_counts_up_to_the_limit)
{
    cr_expect_str_eq(ct_run("ZINTERCARD 2 a b"), ":2\r\n");
    cr_expect_str_eq(ct_run("ZINTERCARD 2 a b LIMIT 1"), ":1\r\n");
    cr_expect_str_eq(ct_run("ZINTERCARD 2 a b LIMIT 0"), ":2\r\n");
    cr_expect_str_eq(ct_run("ZINTERCARD 3 a b s"), ":1\r\n");
    cr_expect_str_eq(ct_run("ZINTERCARD 2 a b LIMIT -1"), "-ERR LIMIT can't be negative\r\n");
    cr_expect_str_eq(ct_run("ZINTERCARD 2 a b LIMIT x"), "-ERR LIMIT can't be negative\r\n");
    cr_expect_str_eq(ct_run("ZINTERCARD 2 a b WITHSCORES"), SYNTAX);
}

Test(zsetop, arguments_are_checked_as_redis_does)
{
    cr_expect_str_eq(ct_run("ZUNION 0 a"), "-ERR at least 1 input key is needed for 'zunion' command\r\n");
    cr_expect_str_eq(ct_run("ZINTERCARD 0 a"), "-ERR at least 1 input key is needed for 'zintercard' command\r\n");
    cr_expect_str_eq(ct_run("ZUNIONSTORE d 0 a"), "-ERR at least 1 input key is needed for 'zunionstore' command\r\n");
    cr_expect_str_eq(ct_run("ZUNION x a"), "-ERR value is not an integer or out of range\r\n");
    cr_expect_str_eq(ct_run("ZUNION 3 a b"), SYNTAX);
    cr_expect_str_eq(ct_run("ZUNION 2 a b WEIGHTS 1"), SYNTAX);
    cr_expect_str_eq(ct_run("ZUNION 2 a b WEIGHTS 1 x"), "-ERR weight value is not a float\r\n");
    cr_expect_str_eq(ct_run("ZUNION 2 a b AGGREGATE avg"), SYNTAX);
    cr_expect_str_eq(ct_run("ZUNIONSTORE d 2 a b WITHSCORES"), SYNTAX);
    /* Every key is type-checked before the options are read. */
    cr_expect_str_eq(ct_run("ZUNION 2 a str AGGREGATE avg"), WRONGTYPE);
    cr_expect_str_eq(ct_run("ZINTER 2 nosuch str"), WRONGTYPE);
}

Test(zsetop, store_forms_replace_the_destination_and_raise_redis_events)
{
    ct_run("SET d old");
    cr_expect_str_eq(ct_run("ZUNIONSTORE d 2 a b WEIGHTS 1 2"), ":4\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d zset:zunionstore:d");
    cr_expect_str_eq(ct_run("ZRANGE d 0 -1 WITHSCORES"),
                     "*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n22\r\n$1\r\nz\r\n$2\r\n43\r\n$1\r\nw\r\n$2\r\n60\r\n");
    cr_expect_str_eq(ct_run("ZINTERSTORE e 2 a b"), ":2\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:e zset:zinterstore:e ready:e");
    cr_expect_str_eq(ct_run("ZDIFFSTORE d 2 a b"), ":1\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d zset:zdiffstore:d");
    cr_expect_str_eq(ct_run("ZRANGE d 0 -1 WITHSCORES"), "*2\r\n$1\r\nx\r\n$1\r\n1\r\n");
    /* An empty result deletes the destination ("del" only if it existed). */
    cr_expect_str_eq(ct_run("ZINTERSTORE d 2 a nosuch"), ":0\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d generic:del:d");
    cr_expect_str_eq(ct_run("EXISTS d"), ":0\r\n");
    cr_expect_str_eq(ct_run("ZINTERSTORE d 2 a nosuch"), ":0\r\n");
    cr_expect_str_eq(ct_key_events(), "");
    /* The destination may be an input. */
    cr_expect_str_eq(ct_run("ZUNIONSTORE a 2 a a"), ":3\r\n");
    cr_expect_str_eq(ct_run("ZSCORE a z"), "$1\r\n6\r\n");
}

Test(zsetop, withscores_nest_pairs_in_resp3)
{
    ct_resp3(true);
    cr_expect_str_eq(ct_run("ZUNION 2 a b WITHSCORES"),
                     "*4\r\n*2\r\n$1\r\nx\r\n,1\r\n*2\r\n$1\r\ny\r\n,12\r\n*2\r\n$1\r\nz\r\n,23\r\n*2\r\n$1\r\nw\r\n,30\r\n");
    cr_expect_str_eq(ct_run("ZRANDMEMBER a 5 WITHSCORES"),
                     "*3\r\n*2\r\n$1\r\nz\r\n,3\r\n*2\r\n$1\r\ny\r\n,2\r\n*2\r\n$1\r\nx\r\n,1\r\n");
    cr_expect_str_eq(ct_run("ZRANDMEMBER nosuch"), "_\r\n");
}

Test(zsetop, zrangestore_copies_any_zrange_range)
{
    cr_expect_str_eq(ct_run("ZRANGESTORE d b (10 +inf BYSCORE LIMIT 0 1"), ":1\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d zset:zrangestore:d ready:d");
    cr_expect_str_eq(ct_run("ZRANGE d 0 -1 WITHSCORES"), "*2\r\n$1\r\nz\r\n$2\r\n20\r\n");
    cr_expect_str_eq(ct_run("ZRANGESTORE d b +inf -inf BYSCORE REV"), ":3\r\n");
    cr_expect_str_eq(ct_run("ZRANGE d 0 -1"), "*3\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n");
    cr_expect_str_eq(ct_run("ZRANGESTORE d a [y + BYLEX"), ":2\r\n");
    cr_expect_str_eq(ct_run("ZRANGESTORE d b 0 -1 WITHSCORES"), SYNTAX);
    cr_expect_str_eq(ct_run("ZRANGESTORE d b 0 -1 LIMIT 0 1"),
                     "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n");
    cr_expect_str_eq(ct_run("ZRANGESTORE d str 0 -1"), WRONGTYPE);
    cr_expect_str_eq(ct_run("ZRANGESTORE d nosuch 0 -1"), ":0\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d generic:del:d");
}

Test(zsetop, zrandmember_counts_as_redis_does)
{
    cr_expect_str_eq(ct_run("ZRANDMEMBER nosuch"), "$-1\r\n");
    cr_expect_str_eq(ct_run("ZRANDMEMBER nosuch 3"), "*0\r\n");
    cr_expect_str_eq(ct_run("ZRANDMEMBER a 0"), "*0\r\n");
    /* The whole set, from the highest score down, as Redis replies it. */
    cr_expect_str_eq(ct_run("ZRANDMEMBER a 5 WITHSCORES"),
                     "*6\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nx\r\n$1\r\n1\r\n");
    const char *one = ct_run("ZRANDMEMBER a");
    cr_expect(!strcmp(one, "$1\r\nx\r\n") || !strcmp(one, "$1\r\ny\r\n") || !strcmp(one, "$1\r\nz\r\n"), "%s", one);
    cr_expect_eq(strncmp(ct_run("ZRANDMEMBER a -7"), "*7\r\n", 4), 0);
    cr_expect_eq(strncmp(ct_run("ZRANDMEMBER a -7 WITHSCORES"), "*14\r\n", 5), 0);
    cr_expect_eq(strncmp(ct_run("ZRANDMEMBER a 2"), "*2\r\n", 4), 0);
    cr_expect_str_eq(ct_run("ZRANDMEMBER a 1 WITHSCORES WITHSCORES"), SYNTAX);
    cr_expect_str_eq(ct_run("ZRANDMEMBER a x"), "-ERR value is not an integer or out of range\r\n");
    cr_expect_str_eq(ct_run("ZRANDMEMBER a -9223372036854775808"),
                     "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    cr_expect_str_eq(ct_run("ZRANDMEMBER a 9223372036854775807 WITHSCORES"), "-ERR value is out of range\r\n");
    cr_expect_str_eq(ct_run("ZRANDMEMBER str"), WRONGTYPE);
}

/* Counts the distinct members in a flat array reply of bulk strings. */
static int distinct_members(const char *r, int n)
{
    char seen[1024][16];
    int k = 0;
    const char *p = strchr(r, '\n') + 1;
    for (int i = 0; i < n; i++) {
        int len = atoi(p + 1);
        p = strchr(p, '\n') + 1;
        char m[16];
        snprintf(m, sizeof m, "%.*s", len, p);
        p += len + 2;
        bool dup = false;
        for (int j = 0; j < k && !dup; j++)
            dup = strcmp(seen[j], m) == 0;
        if (!dup && k < 1024)
            snprintf(seen[k++], sizeof seen[0], "%s", m);
    }
    return k;
}

Test(zsetop, zrandmember_picks_distinct_members_of_a_large_set_and_depends_on_the_seed)
{
    char cmd[64];
    for (int i = 0; i < 1000; i += 100) {
        char line[4096] = "ZADD big";
        for (int j = i; j < i + 100; j++) {
            snprintf(cmd, sizeof cmd, " %d m%d", j, j);
            strcat(line, cmd);
        }
        ct_run(line);
    }
    cr_expect_eq(distinct_members(ct_run("ZRANDMEMBER big 50"), 50), 50);
    cr_expect_eq(distinct_members(ct_run("ZRANDMEMBER big 600"), 600), 600);
    char first[4096];
    snprintf(first, sizeof first, "%s", ct_run("ZRANDMEMBER big -20"));
    cr_expect_str_eq(ct_run("ZRANDMEMBER big -20"), first, "the same seed picks the same members");
    ct_seed = 7;
    cr_expect_str_neq(ct_run("ZRANDMEMBER big -20"), first, "another seed picks others");
}

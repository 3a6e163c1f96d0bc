/* Set commands, checked against Redis 7.0's replies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/command.h"

TestSuite(set, .init = ct_setup, .fini = ct_teardown);

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define EMPTY "*0\r\n"
#define ABC "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"

Test(set, sadd_counts_new_members)
{
    cr_expect_str_eq(ct_run("SADD s a b a"), ":2\r\n");
    cr_expect_str_eq(ct_run("SADD s b c"), ":1\r\n");
    cr_expect_str_eq(ct_run("SCARD s"), ":3\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS s"), ABC);
    cr_expect_str_eq(ct_run("TYPE s"), "+set\r\n");
    cr_expect_str_eq(ct_run("SADD s"), "-ERR wrong number of arguments for 'sadd' command\r\n");
}

Test(set, srem_removes_members_and_the_emptied_key)
{
    ct_run("SADD s a b c");
    cr_expect_str_eq(ct_run("SREM s a zz a"), ":1\r\n");
    cr_expect_str_eq(ct_run("SCARD s"), ":2\r\n");
    cr_expect_str_eq(ct_run("SREM nokey a"), ":0\r\n");
    cr_expect_str_eq(ct_run("SREM s b c"), ":2\r\n");
    cr_expect_str_eq(ct_run("EXISTS s"), ":0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
    cr_expect_str_eq(ct_run("SREM s"), "-ERR wrong number of arguments for 'srem' command\r\n");
}

Test(set, membership_queries)
{
    ct_run("SADD s a b");
    cr_expect_str_eq(ct_run("SISMEMBER s a"), ":1\r\n");
    cr_expect_str_eq(ct_run("SISMEMBER s z"), ":0\r\n");
    cr_expect_str_eq(ct_run("SISMEMBER nokey a"), ":0\r\n");
    cr_expect_str_eq(ct_run("SMISMEMBER s a z b"), "*3\r\n:1\r\n:0\r\n:1\r\n");
    cr_expect_str_eq(ct_run("SMISMEMBER nokey a b"), "*2\r\n:0\r\n:0\r\n");
    cr_expect_str_eq(ct_run("SMISMEMBER s"), "-ERR wrong number of arguments for 'smismember' command\r\n");
    cr_expect_str_eq(ct_run("SCARD nokey"), ":0\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS nokey"), EMPTY);
}

Test(set, members_are_binary_safe)
{
    const char *add[] = {"SADD", "s", "a\0b", ""};
    size_t addl[] = {4, 1, 3, 0};
    cr_expect_str_eq(ct_runv(4, add, addl), ":2\r\n");
    const char *is[] = {"SISMEMBER", "s", ""};
    size_t isl[] = {9, 1, 0};
    cr_expect_str_eq(ct_runv(3, is, isl), ":1\r\n");
    ct_run("SMEMBERS s");
    cr_expect_eq(ct_reply_len(), 4 + 6 + 9);
}

Test(set, every_command_refuses_other_types)
{
    ct_run("SET str x");
    ct_run("RPUSH l x");
    ct_run("HSET h f v");
    ct_run("ZADD z 1 x");
    ct_run("SADD s a");
    const char *keys[] = {"str", "l", "h", "z"};
    for (int i = 0; i < 4; i++) {
        const char *cmds[][2] = {{"SADD", "a"}, {"SREM", "a"}, {"SMEMBERS", ""}, {"SISMEMBER", "a"},
                                 {"SMISMEMBER", "a"}, {"SCARD", ""}, {"SPOP", ""}, {"SPOP", "2"},
                                 {"SRANDMEMBER", ""}, {"SRANDMEMBER", "-2"}, {"SINTER", "s"},
                                 {"SUNION", "s"}, {"SDIFF", "s"}, {"SINTERSTORE", "s"},
                                 {"SUNIONSTORE", "s"}, {"SDIFFSTORE", "s"}, {"SSCAN", "0"},
                                 {"SMOVE", "s a"}, {"SINTERCARD 1", ""}};
        for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
            char line[64];
            snprintf(line, sizeof line, "%s %s %s", cmds[c][0], keys[i], cmds[c][1]);
            if (strstr(cmds[c][0], "STORE")) /* the source is the wrong type */
                snprintf(line, sizeof line, "%s dst s %s", cmds[c][0], keys[i]);
            cr_expect_str_eq(ct_run(line), WRONGTYPE, "%s", line);
        }
    }
    cr_expect_str_eq(ct_run("SMOVE s str a"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SMEMBERS s"), "*1\r\n$1\r\na\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":5\r\n");
}

Test(set, expired_set_is_invisible_and_replaced)
{
    ct_run("SADD s a b");
    ct_run("PEXPIRE s 100");
    ct_now += 100;
    cr_expect_str_eq(ct_run("SCARD s"), ":0\r\n");
    cr_expect_str_eq(ct_run("SISMEMBER s a"), ":0\r\n");
    cr_expect_str_eq(ct_run("SPOP s"), "$-1\r\n");
    cr_expect_str_eq(ct_run("SADD s c"), ":1\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS s"), "*1\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("TTL s"), ":-1\r\n");
}

Test(set, writes_keep_the_expiry)
{
    ct_run("SADD s a b c");
    ct_run("PEXPIRE s 100");
    ct_run("SADD s d");
    ct_run("SREM s a");
    ct_run("SPOP s");
    cr_expect_str_eq(ct_run("PTTL s"), ":100\r\n");
}

Test(set, a_recreated_set_does_not_see_old_members)
{
    cr_expect_str_eq(ct_exec("SADD s a b", "DEL s", "SADD s c", "SMEMBERS s", NULL),
                     "*4\r\n:2\r\n:1\r\n:1\r\n*1\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("SCARD s"), ":1\r\n");
}

/* ----------------------------------------------------------------- SPOP */

Test(set, spop_removes_what_it_returns)
{
    ct_run("SADD s a b c");
    const char *r = ct_run("SPOP s");
    cr_assert_eq(strncmp(r, "$1\r\n", 4), 0, "%s", r);
    char m[2] = {r[4], 0};
    char line[32];
    snprintf(line, sizeof line, "SISMEMBER s %s", m);
    cr_expect_str_eq(ct_run(line), ":0\r\n");
    cr_expect_str_eq(ct_run("SCARD s"), ":2\r\n");
    ct_run("SPOP s");
    ct_run("SPOP s");
    cr_expect_str_eq(ct_run("EXISTS s"), ":0\r\n");
    cr_expect_str_eq(ct_run("SPOP s"), "$-1\r\n");
}

Test(set, spop_is_deterministic_for_the_entry_seed)
{
    ct_run("SADD s a b c d e f g h");
    ct_run("SADD t a b c d e f g h");
    ct_seed = 99;
    char first[128];
    snprintf(first, sizeof first, "%s", ct_run("SPOP s 3"));
    cr_expect_str_eq(ct_run("SPOP t 3"), first);
    char left[128];
    snprintf(left, sizeof left, "%s", ct_run("SMEMBERS s"));
    cr_expect_str_eq(ct_run("SMEMBERS t"), left);
    cr_expect_str_eq(ct_run("SCARD t"), ":5\r\n");
}

Test(set, spop_with_count)
{
    ct_run("SADD s a b c d e");
    const char *r = ct_run("SPOP s 2");
    cr_expect_eq(strncmp(r, "*2\r\n", 4), 0, "%s", r);
    cr_expect_str_eq(ct_run("SCARD s"), ":3\r\n");
    cr_expect_str_eq(ct_run("SPOP s 0"), EMPTY);
    cr_expect_str_eq(ct_run("SCARD s"), ":3\r\n");
    r = ct_run("SPOP s 10");
    cr_expect_eq(strncmp(r, "*3\r\n", 4), 0, "%s", r);
    cr_expect_str_eq(ct_run("EXISTS s"), ":0\r\n");
    cr_expect_str_eq(ct_run("SPOP s 3"), EMPTY);
    cr_expect_str_eq(ct_run("SPOP nokey 0"), EMPTY);
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
}

Test(set, spop_count_pops_distinct_members)
{
    for (int s = 0; s < 20; s++) {
        ct_run("DEL s");
        ct_run("SADD s a b c d e f");
        ct_seed = (uint64_t)s;
        const char *r = ct_run("SPOP s 4");
        cr_assert_eq(strncmp(r, "*4\r\n", 4), 0);
        char m[4] = {r[8], r[15], r[22], r[29]};
        for (int i = 0; i < 4; i++)
            for (int j = i + 1; j < 4; j++)
                cr_expect_neq(m[i], m[j], "%s", r);
        cr_expect_str_eq(ct_run("SCARD s"), ":2\r\n");
    }
}

Test(set, spop_argument_errors)
{
    ct_run("SADD s a");
    cr_expect_str_eq(ct_run("SPOP s -1"), "-ERR value is out of range, must be positive\r\n");
    cr_expect_str_eq(ct_run("SPOP s x"), "-ERR value is out of range, must be positive\r\n");
    cr_expect_str_eq(ct_run("SPOP nokey -1"), "-ERR value is out of range, must be positive\r\n");
    cr_expect_str_eq(ct_run("SPOP s 1 2"), SYNTAX);
    cr_expect_str_eq(ct_run("SCARD s"), ":1\r\n");
    cr_expect_str_eq(ct_exec("SPOP s -1", "SCARD s", NULL),
                     "*2\r\n-ERR value is out of range, must be positive\r\n:1\r\n");
}

/* ---------------------------------------------------------- SRANDMEMBER */

Test(set, srandmember_returns_members_without_removing)
{
    ct_run("SADD s a b c");
    for (int i = 0; i < 10; i++) {
        ct_seed = (uint64_t)i;
        const char *r = ct_run("SRANDMEMBER s");
        cr_expect(r[4] >= 'a' && r[4] <= 'c' && strlen(r) == 7, "%s", r);
    }
    cr_expect_str_eq(ct_run("SCARD s"), ":3\r\n");
    cr_expect_str_eq(ct_run("SRANDMEMBER nokey"), "$-1\r\n");
    cr_expect_str_eq(ct_run("SRANDMEMBER nokey 3"), EMPTY);
    cr_expect_str_eq(ct_run("SRANDMEMBER nokey -3"), EMPTY);
}

Test(set, srandmember_counts)
{
    ct_run("SADD s a b c");
    cr_expect_str_eq(ct_run("SRANDMEMBER s 0"), EMPTY);
    cr_expect_str_eq(ct_run("SRANDMEMBER s 3"), ABC);
    cr_expect_str_eq(ct_run("SRANDMEMBER s 9223372036854775807"), ABC);
    const char *r = ct_run("SRANDMEMBER s 2");
    cr_assert_eq(strncmp(r, "*2\r\n", 4), 0);
    cr_expect_neq(r[8], r[15]);
    r = ct_run("SRANDMEMBER s -7");
    cr_expect_eq(strncmp(r, "*7\r\n", 4), 0, "%s", r);
    ct_run("SADD one x");
    cr_expect_str_eq(ct_run("SRANDMEMBER one -3"), "*3\r\n$1\r\nx\r\n$1\r\nx\r\n$1\r\nx\r\n");
}

Test(set, srandmember_argument_errors)
{
    ct_run("SADD s a");
    cr_expect_str_eq(ct_run("SRANDMEMBER s x"), NOTINT);
    cr_expect_str_eq(ct_run("SRANDMEMBER s 1 2"), SYNTAX);
    cr_expect_str_eq(ct_run("SRANDMEMBER s -9223372036854775808"),
                     "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    /* Redis would try to build the reply and run out of memory; we refuse. */
    cr_expect_str_eq(ct_run("SRANDMEMBER s -9223372036854775807"), "-ERR value is out of range\r\n");
}

Test(set, srandmember_is_deterministic_for_a_seed)
{
    ct_run("SADD s a b c d e f g h i j");
    ct_seed = 5;
    char first[256];
    snprintf(first, sizeof first, "%s", ct_run("SRANDMEMBER s -20"));
    cr_expect_str_eq(ct_run("SRANDMEMBER s -20"), first);
}

static void add_range(const char *key, int from, int to)
{
    for (int i = from; i < to; i += 100) {
        char line[4096];
        int n = snprintf(line, sizeof line, "SADD %s", key);
        for (int j = i; j < i + 100 && j < to; j++)
            n += snprintf(line + n, sizeof line - (size_t)n, " m%04d", j);
        ct_run(line);
    }
}

Test(set, random_picks_over_a_large_set_are_members)
{
    add_range("big", 0, 1000);
    cr_expect_str_eq(ct_run("SCARD big"), ":1000\r\n");
    int hits[10] = {0};
    for (int s = 0; s < 200; s++) {
        ct_seed = (uint64_t)s * 104729;
        const char *r = ct_run("SRANDMEMBER big");
        int m;
        cr_assert_eq(sscanf(r, "$5\r\nm%d\r\n", &m), 1, "%s", r);
        cr_assert(m >= 0 && m < 1000);
        hits[m / 100]++;
    }
    /* Spread over the whole set, not stuck at one end. */
    for (int i = 0; i < 10; i++)
        cr_expect_gt(hits[i], 0, "bucket %d", i);
    const char *r = ct_run("SPOP big");
    int m;
    cr_assert_eq(sscanf(r, "$5\r\nm%d\r\n", &m), 1, "%s", r);
    cr_expect_str_eq(ct_run("SCARD big"), ":999\r\n");
    r = ct_run("SRANDMEMBER big -3");
    cr_expect_eq(strncmp(r, "*3\r\n", 4), 0);
}

/* Checks r is an array of n distinct members "mNNNN" of a 1000-member set. */
static void expect_distinct_members(const char *r, int n)
{
    char head[16];
    snprintf(head, sizeof head, "*%d\r\n", n);
    cr_assert_eq(strncmp(r, head, strlen(head)), 0, "%.20s", r);
    const char *p = r + strlen(head);
    int seen[1000] = {0};
    for (int i = 0; i < n; i++, p += 11) {
        int m;
        cr_assert_eq(sscanf(p, "$5\r\nm%d\r\n", &m), 1, "%.20s", p);
        cr_assert(m >= 0 && m < 1000);
        cr_expect_eq(seen[m]++, 0, "m%04d twice", m);
    }
}

Test(set, counted_picks_over_a_large_set_are_distinct)
{
    add_range("big", 0, 1000);
    for (int s = 0; s < 10; s++) {
        ct_seed = (uint64_t)s;
        expect_distinct_members(ct_run("SRANDMEMBER big 10"), 10);
        expect_distinct_members(ct_run("SRANDMEMBER big 600"), 600); /* a walk */
    }
    ct_seed = 3;
    const char *r = ct_run("SPOP big 5");
    char popped[128];
    snprintf(popped, sizeof popped, "%s", r);
    expect_distinct_members(popped, 5);
    cr_expect_str_eq(ct_run("SCARD big"), ":995\r\n");
    for (int i = 0; i < 5; i++) {
        char line[32];
        snprintf(line, sizeof line, "SISMEMBER big %.5s", popped + 8 + i * 11);
        cr_expect_str_eq(ct_run(line), ":0\r\n", "%s", line);
    }
    r = ct_run("SPOP big 400");
    cr_expect_eq(strncmp(r, "*400\r\n", 6), 0);
    cr_expect_str_eq(ct_run("SCARD big"), ":595\r\n");
}

Test(set, small_sets_scan_whole_in_one_call)
{
    ct_run("SADD s a b c");
    cr_expect_str_eq(ct_run("SSCAN s 0 COUNT 1"), "*2\r\n$1\r\n0\r\n" ABC);
}

/* ---------------------------------------------------------------- SMOVE */

Test(set, smove_moves_a_member)
{
    ct_run("SADD src a b");
    ct_run("SADD dst c");
    cr_expect_str_eq(ct_run("SMOVE src dst a"), ":1\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS src"), "*1\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS dst"), "*2\r\n$1\r\na\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("SMOVE src dst zz"), ":0\r\n");
    cr_expect_str_eq(ct_run("SMOVE nokey dst a"), ":0\r\n");
    cr_expect_str_eq(ct_run("SMOVE src new b"), ":1\r\n");
    cr_expect_str_eq(ct_run("EXISTS src"), ":0\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS new"), "*1\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":2\r\n");
}

Test(set, smove_to_a_set_already_holding_the_member)
{
    ct_run("SADD src a b");
    ct_run("SADD dst a");
    cr_expect_str_eq(ct_run("SMOVE src dst a"), ":1\r\n");
    cr_expect_str_eq(ct_run("SCARD src"), ":1\r\n");
    cr_expect_str_eq(ct_run("SCARD dst"), ":1\r\n");
}

Test(set, smove_onto_itself_reports_membership)
{
    ct_run("SADD s a");
    cr_expect_str_eq(ct_run("SMOVE s s a"), ":1\r\n");
    cr_expect_str_eq(ct_run("SMOVE s s zz"), ":0\r\n");
    cr_expect_str_eq(ct_run("SCARD s"), ":1\r\n");
}

Test(set, smove_type_checks)
{
    ct_run("SADD s a");
    ct_run("SET str x");
    cr_expect_str_eq(ct_run("SMOVE nokey str a"), ":0\r\n"); /* Redis: missing source first */
    cr_expect_str_eq(ct_run("SMOVE str s a"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SMOVE s str a"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SMOVE s str zz"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SCARD s"), ":1\r\n");
}

/* ------------------------------------------------------ algebra of sets */

Test(set, sinter_sunion_sdiff)
{
    ct_run("SADD x a b c d");
    ct_run("SADD y c d e");
    ct_run("SADD z d e f");
    cr_expect_str_eq(ct_run("SINTER x y"), "*2\r\n$1\r\nc\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_run("SINTER x y z"), "*1\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_run("SINTER x"), "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_run("SINTER x nokey"), EMPTY);
    cr_expect_str_eq(ct_run("SUNION x y"),
                     "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
    cr_expect_str_eq(ct_run("SUNION y nokey z"), "*4\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n");
    cr_expect_str_eq(ct_run("SUNION nokey"), EMPTY);
    cr_expect_str_eq(ct_run("SDIFF x y"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("SDIFF x y z"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("SDIFF x nokey"), "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_run("SDIFF nokey x"), EMPTY);
    cr_expect_str_eq(ct_run("SDIFF x x"), EMPTY);
}

Test(set, algebra_type_checks_every_key_even_after_a_missing_one)
{
    ct_run("SADD s a");
    ct_run("SET str x");
    cr_expect_str_eq(ct_run("SINTER nokey str"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SINTER str nokey"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SUNION nokey str"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SDIFF nokey str"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SDIFF s str"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SINTERCARD 2 nokey str"), WRONGTYPE);
    cr_expect_str_eq(ct_run("SINTERSTORE d nokey str"), WRONGTYPE);
    cr_expect_str_eq(ct_run("EXISTS d"), ":0\r\n");
}

Test(set, store_variants_write_the_destination)
{
    ct_run("SADD x a b c");
    ct_run("SADD y b c d");
    cr_expect_str_eq(ct_run("SINTERSTORE d x y"), ":2\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS d"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("SUNIONSTORE d x y"), ":4\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS d"), "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_run("SCARD d"), ":4\r\n");
    cr_expect_str_eq(ct_run("SDIFFSTORE d x y"), ":1\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS d"), "*1\r\n$1\r\na\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":3\r\n");
}

Test(set, store_with_an_empty_result_deletes_the_destination)
{
    ct_run("SADD x a");
    ct_run("SADD y b");
    ct_run("SET d old");
    cr_expect_str_eq(ct_run("SINTERSTORE d x y"), ":0\r\n");
    cr_expect_str_eq(ct_run("EXISTS d"), ":0\r\n");
    ct_run("SADD d z");
    cr_expect_str_eq(ct_run("SDIFFSTORE d nokey x"), ":0\r\n");
    cr_expect_str_eq(ct_run("EXISTS d"), ":0\r\n");
    cr_expect_str_eq(ct_run("SUNIONSTORE d nokey"), ":0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":2\r\n");
}

Test(set, store_overwrites_any_type_and_clears_its_expiry)
{
    ct_run("SADD x a b");
    ct_run("SET str v");
    ct_run("PEXPIRE str 1000");
    cr_expect_str_eq(ct_run("SUNIONSTORE str x"), ":2\r\n");
    cr_expect_str_eq(ct_run("TYPE str"), "+set\r\n");
    cr_expect_str_eq(ct_run("TTL str"), ":-1\r\n");
}

Test(set, store_into_one_of_its_sources)
{
    ct_run("SADD x a b c");
    ct_run("SADD y b");
    cr_expect_str_eq(ct_run("SDIFFSTORE x x y"), ":2\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS x"), "*2\r\n$1\r\na\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("SUNIONSTORE y x y"), ":3\r\n");
    cr_expect_str_eq(ct_run("SMEMBERS y"), ABC);
    cr_expect_str_eq(ct_run("SINTERSTORE y y"), ":3\r\n");
    cr_expect_str_eq(ct_run("SCARD y"), ":3\r\n");
}

Test(set, sintercard_counts_with_a_limit)
{
    ct_run("SADD x a b c d");
    ct_run("SADD y b c d e");
    cr_expect_str_eq(ct_run("SINTERCARD 2 x y"), ":3\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 2 x y LIMIT 2"), ":2\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 2 x y LIMIT 0"), ":3\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 2 x y limit 10"), ":3\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 1 x"), ":4\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 2 x nokey"), ":0\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 1 x LIMIT 1 LIMIT 3"), ":3\r\n");
}

Test(set, sintercard_argument_errors)
{
    ct_run("SADD a x");
    cr_expect_str_eq(ct_run("SINTERCARD 0 a"), "-ERR numkeys should be greater than 0\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD -1 a"), "-ERR numkeys should be greater than 0\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD x a"), "-ERR numkeys should be greater than 0\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 2 a"), "-ERR Number of keys can't be greater than number of args\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 9223372036854775807 a"),
                     "-ERR Number of keys can't be greater than number of args\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 1 a LIMIT -1"), "-ERR LIMIT can't be negative\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 1 a LIMIT x"), "-ERR LIMIT can't be negative\r\n");
    cr_expect_str_eq(ct_run("SINTERCARD 1 a LIMIT"), SYNTAX);
    cr_expect_str_eq(ct_run("SINTERCARD 1 a foo"), SYNTAX);
    cr_expect_str_eq(ct_run("SINTERCARD 1"), "-ERR wrong number of arguments for 'sintercard' command\r\n");
}

/* ---------------------------------------------------------------- SSCAN */

Test(set, sscan_basics_and_errors)
{
    ct_run("SADD s a b c");
    cr_expect_str_eq(ct_run("SSCAN s 0"), "*2\r\n$1\r\n0\r\n" ABC);
    cr_expect_str_eq(ct_run("SSCAN s 0 MATCH b"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("SSCAN s 0 MATCH * COUNT 1000"), "*2\r\n$1\r\n0\r\n" ABC);
    cr_expect_str_eq(ct_run("SSCAN nokey 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
    cr_expect_str_eq(ct_run("SSCAN s x"), "-ERR invalid cursor\r\n");
    cr_expect_str_eq(ct_run("SSCAN s 0 COUNT 0"), SYNTAX);
    cr_expect_str_eq(ct_run("SSCAN s 0 COUNT x"), NOTINT);
    cr_expect_str_eq(ct_run("SSCAN s 0 TYPE set"), SYNTAX);
    cr_expect_str_eq(ct_run("SSCAN s 0 MATCH"), SYNTAX);
}

Test(set, sscan_cursor_walks_the_set_in_steps)
{
    add_range("s", 0, 500);
    int seen[500] = {0}, calls = 0;
    char cursor[32] = "0";
    do {
        char line[96];
        snprintf(line, sizeof line, "SSCAN s %s COUNT 10", cursor);
        const char *r = ct_run(line);
        int clen, items, off;
        cr_assert_eq(sscanf(r, "*2\r\n$%d\r\n%31[0-9]\r\n*%d\r\n%n", &clen, cursor, &items, &off), 3, "%s", r);
        const char *p = r + off;
        for (int i = 0; i < items; i++) {
            int m;
            cr_assert_eq(sscanf(p, "$5\r\nm%d\r\n", &m), 1);
            seen[m]++;
            p += 11;
        }
        calls++;
        cr_assert(calls < 1000);
    } while (strcmp(cursor, "0") != 0);
    for (int i = 0; i < 500; i++)
        cr_expect_eq(seen[i], 1, "m%04d seen %d times", i, seen[i]);
    cr_expect_geq(calls, 10); /* COUNT 10 over 500 members of distinct 7-byte prefixes... in runs */
}

Test(set, sscan_keeps_going_while_members_change)
{
    add_range("s", 0, 300);
    const char *r = ct_run("SSCAN s 0 COUNT 10");
    char cursor[32];
    cr_assert_eq(sscanf(r, "*2\r\n$%*d\r\n%31[0-9]\r\n", cursor), 1);
    cr_assert_str_neq(cursor, "0");
    /* Members deleted behind the cursor and added ahead of it. */
    ct_run("SREM s m0000 m0001");
    ct_run("SADD s zzz");
    int found_zzz = 0, calls = 0;
    do {
        char line[96];
        snprintf(line, sizeof line, "SSCAN s %s COUNT 50", cursor);
        r = ct_run(line);
        cr_assert_eq(sscanf(r, "*2\r\n$%*d\r\n%31[0-9]\r\n", cursor), 1);
        if (strstr(r, "zzz"))
            found_zzz++;
        cr_assert(++calls < 100);
    } while (strcmp(cursor, "0") != 0);
    cr_expect_eq(found_zzz, 1);
}

Test(set, dbsize_tracks_set_keys)
{
    ct_run("SADD a x");
    ct_run("SADD b x");
    cr_expect_str_eq(ct_run("DBSIZE"), ":2\r\n");
    ct_run("SPOP a");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
    ct_run("SMOVE b c x");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
    cr_expect_str_eq(ct_run("SUNIONSTORE d c"), ":1\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":2\r\n");
}

Test(set, syntax_errors_never_reach_the_log)
{
    const ss_command *c = ss_command_lookup("spop", 4);
    cr_assert_not_null(c);
    cr_assert_not_null(c->prepare);
    const char *argv[] = {"spop", "s", "-5", "x"};
    size_t lens[] = {4, 1, 2, 1};
    ss_buf out;
    ss_buf_init(&out, 0);
    ss_args a = {3, (char **)argv, lens};
    cr_expect_not(c->prepare(NULL, &a, &out));
    a.argc = 4;
    cr_expect_not(c->prepare(NULL, &a, &out));
    a.argc = 2;
    cr_expect(c->prepare(NULL, &a, &out));
    cr_expect_eq(ss_buf_len(&out), strlen("-ERR value is out of range, must be positive\r\n" SYNTAX));
    cr_expect_eq(memcmp(ss_buf_data(&out), "-ERR value is out of range, must be positive\r\n" SYNTAX,
                        ss_buf_len(&out)), 0);
    ss_buf_release(&out);
}

Test(set, exec_sees_its_own_writes)
{
    cr_expect_str_eq(ct_exec("SADD s a b", "SMOVE s t a", "SINTERSTORE u s t", "SUNIONSTORE u s t",
                             "SMEMBERS u", "SPOP s 5", "SCARD s", NULL),
                     "*7\r\n:2\r\n:1\r\n:0\r\n:2\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\n$1\r\nb\r\n:0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":2\r\n");
}

/* Builds the expected reply for the members i (0..63) with bit i set, in
 * byte order of their names "xNN". */
static void expected_reply(uint64_t bits, char *out, size_t cap)
{
    int n = __builtin_popcountll(bits);
    size_t len = (size_t)snprintf(out, cap, "*%d\r\n", n);
    for (int i = 0; i < 64; i++)
        if (bits >> i & 1)
            len += (size_t)snprintf(out + len, cap - len, "$3\r\nx%02d\r\n", i);
}

Test(set, algebra_matches_a_model_over_random_sets)
{
    uint64_t rng = 12345;
    for (int round = 0; round < 30; round++) {
        uint64_t bits[3];
        ct_run("DEL a b c");
        for (int k = 0; k < 3; k++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            bits[k] = rng >> 1 & (rng << 7); /* sparser than half */
            if (round % 5 == 0 && k == 2)
                bits[k] = 0; /* a missing key */
            char line[1024];
            int n = snprintf(line, sizeof line, "SADD %c", 'a' + k);
            for (int i = 0; i < 64; i++)
                if (bits[k] >> i & 1)
                    n += snprintf(line + n, sizeof line - (size_t)n, " x%02d", i);
            if (bits[k])
                ct_run(line);
        }
        char want[2048], line[64];
        expected_reply(bits[0] & bits[1] & bits[2], want, sizeof want);
        cr_expect_str_eq(ct_run("SINTER a b c"), want);
        expected_reply(bits[0] | bits[1] | bits[2], want, sizeof want);
        cr_expect_str_eq(ct_run("SUNION a b c"), want);
        expected_reply(bits[0] & ~bits[1] & ~bits[2], want, sizeof want);
        cr_expect_str_eq(ct_run("SDIFF a b c"), want);
        snprintf(line, sizeof line, ":%d\r\n", __builtin_popcountll(bits[0] & bits[1]));
        cr_expect_str_eq(ct_run("SINTERCARD 2 a b"), line);
        snprintf(line, sizeof line, ":%d\r\n", __builtin_popcountll(bits[0] | bits[2]));
        cr_expect_str_eq(ct_run("SUNIONSTORE d a c"), line);
        snprintf(line, sizeof line, ":%d\r\n", __builtin_popcountll(bits[0] | bits[2]));
        cr_expect_str_eq(ct_run("SCARD d"), line);
    }
}

Test(set, crowded_members_still_give_distinct_counted_picks)
{
    /* Two members far from 400 crowded ones: single picks land on a few
     * members only, so counted picks fall back to a walk. */
    ct_run("SADD crowd a b");
    for (int i = 0; i < 400; i += 100) {
        char line[2048];
        int n = snprintf(line, sizeof line, "SADD crowd");
        for (int j = i; j < i + 100; j++)
            n += snprintf(line + n, sizeof line - (size_t)n, " z%03d", j);
        ct_run(line);
    }
    for (int s = 0; s < 5; s++) {
        ct_seed = (uint64_t)s;
        const char *r = ct_run("SRANDMEMBER crowd 20");
        cr_assert_eq(strncmp(r, "*20\r\n", 5), 0, "%.20s", r);
        /* Distinct: no member line appears twice. */
        const char *p = r + 5;
        char seen[20][8];
        for (int i = 0; i < 20; i++) {
            int len;
            cr_assert_eq(sscanf(p, "$%d\r\n", &len), 1);
            p = strchr(p, '\n') + 1;
            snprintf(seen[i], sizeof seen[i], "%.*s", len, p);
            for (int j = 0; j < i; j++)
                cr_expect_str_neq(seen[i], seen[j]);
            p += len + 2;
        }
    }
    ct_seed = 1;
    const char *r = ct_run("SPOP crowd 20");
    cr_expect_eq(strncmp(r, "*20\r\n", 5), 0);
    cr_expect_str_eq(ct_run("SCARD crowd"), ":382\r\n");
}

Test(set, any_cursor_is_safe_and_ends_at_zero)
{
    add_range("s", 0, 300);
    const char *cursors[] = {"12345", "-1", "18446744073709551615", "576460752303423487", "7", ""};
    for (size_t c = 0; c < sizeof cursors / sizeof cursors[0]; c++) {
        char cursor[32];
        snprintf(cursor, sizeof cursor, "%s", cursors[c]);
        int calls = 0;
        do {
            char line[96];
            snprintf(line, sizeof line, "SSCAN s \"%s\" COUNT 100", cursor);
            const char *r = ct_run(line);
            cr_assert_eq(sscanf(r, "*2\r\n$%*d\r\n%31[0-9]\r\n", cursor), 1, "%s: %.40s", line, r);
            cr_assert(++calls < 100);
        } while (strcmp(cursor, "0") != 0);
    }
}

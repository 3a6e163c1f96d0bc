/* Hash commands, checked against Redis 7.0's replies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/command.h"

TestSuite(hash, .init = ct_setup, .fini = ct_teardown);

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define SYNTAX "-ERR syntax error\r\n"

Test(hash, hset_counts_new_fields_and_hget_reads_them)
{
    cr_expect_str_eq(ct_run("HSET h a 1 b 2"), ":2\r\n");
    cr_expect_str_eq(ct_run("HSET h a 3 c 4"), ":1\r\n");
    cr_expect_str_eq(ct_run("HGET h a"), "$1\r\n3\r\n");
    cr_expect_str_eq(ct_run("HGET h c"), "$1\r\n4\r\n");
    cr_expect_str_eq(ct_run("HGET h zz"), "$-1\r\n");
    cr_expect_str_eq(ct_run("HGET nokey a"), "$-1\r\n");
    cr_expect_str_eq(ct_run("HLEN h"), ":3\r\n");
    cr_expect_str_eq(ct_run("TYPE h"), "+hash\r\n");
}

Test(hash, hset_with_a_repeated_field_counts_it_once)
{
    cr_expect_str_eq(ct_run("HSET h a 1 a 2"), ":1\r\n");
    cr_expect_str_eq(ct_run("HGET h a"), "$1\r\n2\r\n");
    cr_expect_str_eq(ct_run("HLEN h"), ":1\r\n");
}

Test(hash, hset_and_hmset_need_field_value_pairs)
{
    cr_expect_str_eq(ct_run("HSET h a"), "-ERR wrong number of arguments for 'hset' command\r\n");
    cr_expect_str_eq(ct_run("HSET h a 1 b"), "-ERR wrong number of arguments for 'hset' command\r\n");
    cr_expect_str_eq(ct_run("HMSET h a 1 b"), "-ERR wrong number of arguments for 'hmset' command\r\n");
    cr_expect_str_eq(ct_run("HMSET h a"), "-ERR wrong number of arguments for 'hmset' command\r\n");
    cr_expect_str_eq(ct_run("EXISTS h"), ":0\r\n");
}

Test(hash, hmset_replies_ok)
{
    cr_expect_str_eq(ct_run("HMSET h a 1 b 2"), "+OK\r\n");
    cr_expect_str_eq(ct_run("HMGET h a b c"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n");
}

Test(hash, hmget_of_a_missing_key_is_all_nils)
{
    cr_expect_str_eq(ct_run("HMGET nokey a b"), "*2\r\n$-1\r\n$-1\r\n");
    cr_expect_str_eq(ct_run("HMGET h"), "-ERR wrong number of arguments for 'hmget' command\r\n");
}

Test(hash, hsetnx_sets_only_new_fields)
{
    cr_expect_str_eq(ct_run("HSETNX h a 1"), ":1\r\n");
    cr_expect_str_eq(ct_run("HSETNX h a 2"), ":0\r\n");
    cr_expect_str_eq(ct_run("HSETNX h b 3"), ":1\r\n");
    cr_expect_str_eq(ct_run("HGET h a"), "$1\r\n1\r\n");
    cr_expect_str_eq(ct_run("HLEN h"), ":2\r\n");
}

Test(hash, hdel_removes_fields_and_the_emptied_key)
{
    ct_run("HSET h a 1 b 2 c 3");
    ct_run("SET other x");
    cr_expect_str_eq(ct_run("HDEL h a zz a"), ":1\r\n");
    cr_expect_str_eq(ct_run("HLEN h"), ":2\r\n");
    cr_expect_str_eq(ct_run("HDEL nokey a"), ":0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":2\r\n");
    cr_expect_str_eq(ct_run("HDEL h b c"), ":2\r\n");
    cr_expect_str_eq(ct_run("EXISTS h"), ":0\r\n");
    cr_expect_str_eq(ct_run("HLEN h"), ":0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
    cr_expect_str_eq(ct_run("HDEL h"), "-ERR wrong number of arguments for 'hdel' command\r\n");
}

Test(hash, a_recreated_hash_does_not_see_old_fields)
{
    ct_run("HSET h a 1 b 2");
    ct_run("DEL h");
    cr_expect_str_eq(ct_run("HSET h c 3"), ":1\r\n");
    cr_expect_str_eq(ct_run("HGETALL h"), "*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    cr_expect_str_eq(ct_exec("HSET g a 1", "DEL g", "HSET g b 2", "HGETALL g", NULL),
                     "*4\r\n:1\r\n:1\r\n:1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    cr_expect_str_eq(ct_run("HLEN g"), ":1\r\n");
}

Test(hash, hexists_and_hstrlen)
{
    ct_run("HSET h a hello e \"\"");
    cr_expect_str_eq(ct_run("HEXISTS h a"), ":1\r\n");
    cr_expect_str_eq(ct_run("HEXISTS h b"), ":0\r\n");
    cr_expect_str_eq(ct_run("HEXISTS nokey a"), ":0\r\n");
    cr_expect_str_eq(ct_run("HSTRLEN h a"), ":5\r\n");
    cr_expect_str_eq(ct_run("HSTRLEN h e"), ":0\r\n");
    cr_expect_str_eq(ct_run("HSTRLEN h zz"), ":0\r\n");
    cr_expect_str_eq(ct_run("HSTRLEN nokey a"), ":0\r\n");
    cr_expect_str_eq(ct_run("HGET h e"), "$0\r\n\r\n");
}

Test(hash, hgetall_hkeys_hvals_in_field_order)
{
    ct_run("HSET h b 2 a 1 c 3");
    cr_expect_str_eq(ct_run("HGETALL h"),
                     "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    cr_expect_str_eq(ct_run("HKEYS h"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("HVALS h"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
    cr_expect_str_eq(ct_run("HGETALL nokey"), "*0\r\n");
    cr_expect_str_eq(ct_run("HKEYS nokey"), "*0\r\n");
    cr_expect_str_eq(ct_run("HVALS nokey"), "*0\r\n");
}

Test(hash, fields_and_values_are_binary_safe)
{
    const char *set[] = {"HSET", "h", "f\0x", "v\0\r\n"};
    size_t setl[] = {4, 1, 3, 4};
    cr_expect_str_eq(ct_runv(4, set, setl), ":1\r\n");
    const char *get[] = {"HGET", "h", "f\0x"};
    size_t getl[] = {4, 1, 3};
    ct_runv(3, get, getl);
    cr_expect_eq(ct_reply_len(), 10);
    cr_expect_eq(memcmp(ct_run("HSTRLEN h f"), ":0\r\n", 4), 0);
}

Test(hash, every_command_refuses_other_types)
{
    ct_run("SET s x");
    ct_run("RPUSH l x");
    ct_run("SADD st x");
    ct_run("ZADD z 1 x");
    const char *keys[] = {"s", "l", "st", "z"};
    for (int i = 0; i < 4; i++) {
        const char *cmds[][2] = {{"HSET", "a 1"}, {"HSETNX", "a 1"}, {"HMSET", "a 1"}, {"HGET", "a"},
                                 {"HMGET", "a"}, {"HDEL", "a"}, {"HLEN", ""}, {"HEXISTS", "a"},
                                 {"HGETALL", ""}, {"HKEYS", ""}, {"HVALS", ""}, {"HINCRBY", "a 1"},
                                 {"HINCRBYFLOAT", "a 1"}, {"HSTRLEN", "a"}, {"HRANDFIELD", ""},
                                 {"HRANDFIELD", "2"}, {"HRANDFIELD", "-2 WITHVALUES"}, {"HSCAN", "0"}};
        for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
            char line[64];
            snprintf(line, sizeof line, "%s %s %s", cmds[c][0], keys[i], cmds[c][1]);
            cr_expect_str_eq(ct_run(line), WRONGTYPE, "%s", line);
        }
    }
    cr_expect_str_eq(ct_run("GET s"), "$1\r\nx\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":4\r\n");
}

Test(hash, hincrby_adds_and_creates)
{
    cr_expect_str_eq(ct_run("HINCRBY h n 5"), ":5\r\n");
    cr_expect_str_eq(ct_run("HINCRBY h n -7"), ":-2\r\n");
    cr_expect_str_eq(ct_run("HGET h n"), "$2\r\n-2\r\n");
    cr_expect_str_eq(ct_run("HINCRBY h m 0"), ":0\r\n");
    cr_expect_str_eq(ct_run("HLEN h"), ":2\r\n");
}

Test(hash, hincrby_errors)
{
    ct_run("HSET h s abc sp \" 1\" big 9223372036854775807 small -9223372036854775808 f 1.5");
    cr_expect_str_eq(ct_run("HINCRBY h s 1"), "-ERR hash value is not an integer\r\n");
    cr_expect_str_eq(ct_run("HINCRBY h sp 1"), "-ERR hash value is not an integer\r\n");
    cr_expect_str_eq(ct_run("HINCRBY h f 1"), "-ERR hash value is not an integer\r\n");
    cr_expect_str_eq(ct_run("HINCRBY h big 1"), "-ERR increment or decrement would overflow\r\n");
    cr_expect_str_eq(ct_run("HINCRBY h small -1"), "-ERR increment or decrement would overflow\r\n");
    cr_expect_str_eq(ct_run("HINCRBY h big -1"), ":9223372036854775806\r\n");
    cr_expect_str_eq(ct_run("HINCRBY h x 1.5"), NOTINT);
    cr_expect_str_eq(ct_run("HINCRBY h x abc"), NOTINT);
    cr_expect_str_eq(ct_run("HINCRBY h x 9223372036854775808"), NOTINT);
    cr_expect_str_eq(ct_run("HINCRBY nokey x abc"), NOTINT);
    cr_expect_str_eq(ct_run("EXISTS nokey"), ":0\r\n");
    cr_expect_str_eq(ct_run("HEXISTS h x"), ":0\r\n");
}

Test(hash, hincrbyfloat_formats_like_redis)
{
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h n 1.1"), "$3\r\n1.1\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h n -0.1"), "$1\r\n1\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h z 3.0e3"), "$4\r\n3000\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h z 1e-20"), "$4\r\n3000\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h y -0"), "$1\r\n0\r\n");
    cr_expect_str_eq(ct_run("HGET h y"), "$1\r\n0\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h w 10.5"), "$4\r\n10.5\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h w 0.1"), "$4\r\n10.6\r\n");
    ct_run("HSET h i 5");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h i 0.25"), "$4\r\n5.25\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h i -5.25"), "$1\r\n0\r\n");
}

Test(hash, hincrbyfloat_takes_long_double_range)
{
    /* Redis 7.0 computes in long double: 1e400 is a valid increment. */
    const char *r = ct_run("HINCRBYFLOAT h c 1e400");
    cr_expect_eq(strncmp(r, "$401\r\n1", 7), 0, "%.20s", r);
    cr_expect_str_eq(ct_run("HSTRLEN h c"), ":401\r\n");
}

Test(hash, hincrbyfloat_errors)
{
    ct_run("HSET h s abc sp \" 1\"");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h s 1"), "-ERR hash value is not a float\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h sp 1"), "-ERR hash value is not a float\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h x nan"), "-ERR value is not a valid float\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h x abc"), "-ERR value is not a valid float\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h x \" 1\""), "-ERR value is not a valid float\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h x \"\""), "-ERR value is not a valid float\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h x inf"), "-ERR value is NaN or Infinity\r\n");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h x -inf"), "-ERR value is NaN or Infinity\r\n");
    ct_run("HSET h i inf");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h i 1"), "-ERR increment would produce NaN or Infinity\r\n");
    ct_run("HSET h m 1e4932");
    cr_expect_str_eq(ct_run("HINCRBYFLOAT h m 1e4932"), "-ERR increment would produce NaN or Infinity\r\n");
    cr_expect_str_eq(ct_run("HGET h m"), "$6\r\n1e4932\r\n");
    cr_expect_str_eq(ct_run("HEXISTS h x"), ":0\r\n");
}

Test(hash, expired_hash_is_invisible_and_replaced)
{
    ct_run("HSET h a 1 b 2");
    ct_run("PEXPIRE h 100");
    ct_now += 100;
    cr_expect_str_eq(ct_run("HGET h a"), "$-1\r\n");
    cr_expect_str_eq(ct_run("HLEN h"), ":0\r\n");
    cr_expect_str_eq(ct_run("HGETALL h"), "*0\r\n");
    cr_expect_str_eq(ct_run("HSCAN h 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD h"), "$-1\r\n");
    cr_expect_str_eq(ct_run("HSET h c 3"), ":1\r\n");
    cr_expect_str_eq(ct_run("HGETALL h"), "*2\r\n$1\r\nc\r\n$1\r\n3\r\n");
    cr_expect_str_eq(ct_run("TTL h"), ":-1\r\n");
}

Test(hash, writes_keep_the_expiry)
{
    ct_run("HSET h a 1");
    ct_run("PEXPIRE h 100");
    ct_run("HSET h b 2");
    ct_run("HINCRBY h c 1");
    ct_run("HDEL h a");
    cr_expect_str_eq(ct_run("PTTL h"), ":100\r\n");
}

/* ---------------------------------------------------------- HRANDFIELD */

Test(hash, hrandfield_single_returns_a_field)
{
    ct_run("HSET h a 1 b 2 c 3");
    for (int i = 0; i < 20; i++) {
        ct_seed = (uint64_t)i;
        const char *r = ct_run("HRANDFIELD h");
        cr_expect(strcmp(r, "$1\r\na\r\n") == 0 || strcmp(r, "$1\r\nb\r\n") == 0 ||
                  strcmp(r, "$1\r\nc\r\n") == 0, "%s", r);
    }
    cr_expect_str_eq(ct_run("HRANDFIELD nokey"), "$-1\r\n");
}

Test(hash, hrandfield_is_deterministic_for_a_seed)
{
    ct_run("HSET h a 1 b 2 c 3 d 4 e 5");
    ct_seed = 7;
    char first[256];
    snprintf(first, sizeof first, "%s", ct_run("HRANDFIELD h -10 WITHVALUES"));
    cr_expect_str_eq(ct_run("HRANDFIELD h -10 WITHVALUES"), first);
}

Test(hash, hrandfield_positive_count_gives_distinct_fields)
{
    ct_run("HSET h a 1 b 2 c 3 d 4 e 5");
    for (int s = 0; s < 20; s++) {
        ct_seed = (uint64_t)s;
        const char *r = ct_run("HRANDFIELD h 3");
        cr_assert_eq(strncmp(r, "*3\r\n", 4), 0);
        char f[3] = {r[8], r[15], r[22]};
        cr_expect(f[0] != f[1] && f[1] != f[2] && f[0] != f[2], "%s", r);
    }
    cr_expect_str_eq(ct_run("HRANDFIELD h 5"),
                     "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD h 100"),
                     "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD h 9223372036854775807"),
                     "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
}

Test(hash, hrandfield_withvalues_pairs_fields_with_their_values)
{
    ct_run("HSET h a 1 b 2");
    cr_expect_str_eq(ct_run("HRANDFIELD h 2 WITHVALUES"),
                     "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD h 5 withvalues"),
                     "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    const char *r = ct_run("HRANDFIELD h -3 WITHVALUES");
    cr_assert_eq(strncmp(r, "*6\r\n", 4), 0, "%s", r);
    /* Each pick is a field followed by its own value. */
    for (int i = 0; i < 3; i++) {
        const char *p = r + 4 + i * 14;
        cr_expect((p[4] == 'a' && p[11] == '1') || (p[4] == 'b' && p[11] == '2'), "%s", r);
    }
}

Test(hash, hrandfield_negative_count_repeats)
{
    ct_run("HSET h a 1");
    cr_expect_str_eq(ct_run("HRANDFIELD h -3"), "*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD h 0"), "*0\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD h 0 WITHVALUES"), "*0\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD nokey 5"), "*0\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD nokey -5 WITHVALUES"), "*0\r\n");
}

Test(hash, hrandfield_argument_errors)
{
    ct_run("HSET h a 1");
    cr_expect_str_eq(ct_run("HRANDFIELD h x"), NOTINT);
    cr_expect_str_eq(ct_run("HRANDFIELD h WITHVALUES"), NOTINT);
    cr_expect_str_eq(ct_run("HRANDFIELD h 1 foo"), SYNTAX);
    cr_expect_str_eq(ct_run("HRANDFIELD h 1 WITHVALUES x"), SYNTAX);
    cr_expect_str_eq(ct_run("HRANDFIELD h -9223372036854775808"),
                     "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD nokey -9223372036854775808"),
                     "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD h -9223372036854775807 WITHVALUES"), "-ERR value is out of range\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD h 4611686018427387904 WITHVALUES"), "-ERR value is out of range\r\n");
    /* Redis would try to build the reply and run out of memory; we refuse. */
    cr_expect_str_eq(ct_run("HRANDFIELD h -4611686018427387903"), "-ERR value is out of range\r\n");
    cr_expect_str_eq(ct_run("HRANDFIELD h 4611686018427387903 WITHVALUES"), "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
}

Test(hash, hrandfield_over_a_large_hash_picks_existing_fields)
{
    for (int i = 0; i < 600; i += 100) {
        char line[4096];
        int n = snprintf(line, sizeof line, "HSET big");
        for (int j = i; j < i + 100; j++)
            n += snprintf(line + n, sizeof line - (size_t)n, " f%04d v%d", j, j);
        ct_run(line);
    }
    cr_expect_str_eq(ct_run("HLEN big"), ":600\r\n");
    for (int s = 0; s < 50; s++) {
        ct_seed = (uint64_t)s * 7919;
        const char *r = ct_run("HRANDFIELD big -2 WITHVALUES");
        int a, b, c, d;
        cr_assert_eq(sscanf(r, "*4\r\n$5\r\nf%d\r\n$%*d\r\nv%d\r\n$5\r\nf%d\r\n$%*d\r\nv%d", &a, &b, &c, &d), 4,
                     "%s", r);
        cr_expect(a == b && c == d && a < 600 && c < 600);
    }
    const char *r = ct_run("HRANDFIELD big 599");
    cr_expect_eq(strncmp(r, "*599\r\n", 6), 0);
}

/* ---------------------------------------------------------------- HSCAN */

Test(hash, hscan_returns_pairs_and_a_zero_cursor_at_the_end)
{
    ct_run("HSET h a 1 b 2");
    cr_expect_str_eq(ct_run("HSCAN h 0"),
                     "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    cr_expect_str_eq(ct_run("HSCAN h 0 MATCH b*"), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    cr_expect_str_eq(ct_run("HSCAN h 0 MATCH zz COUNT 100"), "*2\r\n$1\r\n0\r\n*0\r\n");
    cr_expect_str_eq(ct_run("HSCAN nokey 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
}

Test(hash, hscan_option_errors)
{
    ct_run("HSET h a 1");
    cr_expect_str_eq(ct_run("HSCAN h x"), "-ERR invalid cursor\r\n");
    cr_expect_str_eq(ct_run("HSCAN h 18446744073709551616"), "-ERR invalid cursor\r\n");
    cr_expect_str_eq(ct_run("HSCAN nokey x"), "-ERR invalid cursor\r\n");
    cr_expect_str_eq(ct_run("HSCAN h 0 COUNT 0"), SYNTAX);
    cr_expect_str_eq(ct_run("HSCAN h 0 COUNT -1"), SYNTAX);
    cr_expect_str_eq(ct_run("HSCAN h 0 COUNT x"), NOTINT);
    cr_expect_str_eq(ct_run("HSCAN h 0 MATCH"), SYNTAX);
    cr_expect_str_eq(ct_run("HSCAN h 0 foo bar"), SYNTAX);
    cr_expect_str_eq(ct_run("HSCAN h 0 NOVALUES"), SYNTAX);
    /* Redis looks the key up before parsing options. */
    cr_expect_str_eq(ct_run("HSCAN nokey 0 COUNT 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
}

/* Scans with COUNT c from cursor 0 to the end; returns the number of fields
 * seen and checks each of the n fields "f<i>" is seen exactly once. */
static int full_scan(int n, int count, const char *extra)
{
    int seen[1000] = {0};
    char cursor[32] = "0";
    int calls = 0, total = 0;
    do {
        char line[128];
        snprintf(line, sizeof line, "HSCAN h %s COUNT %d %s", cursor, count, extra);
        const char *r = ct_run(line);
        int clen, items, off;
        cr_assert_eq(sscanf(r, "*2\r\n$%d\r\n%31[0-9]\r\n*%d\r\n%n", &clen, cursor, &items, &off), 3, "%s", r);
        const char *p = r + off;
        for (int i = 0; i < items; i += 2) {
            int flen, f;
            cr_assert_eq(sscanf(p, "$%d\r\n", &flen), 1);
            p = strchr(p, '\n') + 1;
            cr_assert_eq(sscanf(p, "f%d", &f), 1);
            cr_assert(f >= 0 && f < n);
            seen[f]++;
            total++;
            p = strchr(p, '\n') + 1;
            p = strchr(p, '\n') + 1; /* value header */
            p = strchr(p, '\n') + 1; /* value */
        }
        cr_assert(++calls < 10000);
    } while (strcmp(cursor, "0") != 0);
    for (int i = 0; i < n; i++)
        if (!extra[0])
            cr_expect_eq(seen[i], 1, "field f%d seen %d times", i, seen[i]);
    return total;
}

Test(hash, hscan_cursor_visits_every_field_once)
{
    for (int i = 0; i < 300; i++) {
        char line[64];
        snprintf(line, sizeof line, "HSET h f%d v", i);
        ct_run(line);
    }
    cr_expect_eq(full_scan(300, 7, ""), 300);
    cr_expect_eq(full_scan(300, 1, ""), 300);
    cr_expect_eq(full_scan(300, 1000, ""), 300);
    /* f1, f10-f19, f100-f199 */
    cr_expect_eq(full_scan(300, 5, "MATCH f1*"), 111);
}

Test(hash, hscan_makes_progress_over_long_shared_prefixes)
{
    for (int i = 0; i < 200; i++) {
        char line[96];
        snprintf(line, sizeof line, "HSET h longprefix%03d v", i);
        ct_run(line);
    }
    /* All 200 share their first 7 bytes: one call returns them all. */
    const char *r = ct_run("HSCAN h 0 COUNT 2");
    cr_expect_eq(strncmp(r, "*2\r\n$1\r\n0\r\n*400\r\n", 17), 0, "%.40s", r);
    ct_run("HSET h zzz v");
    r = ct_run("HSCAN h 0 COUNT 2");
    /* The run, then a cursor pointing at "zzz". */
    cr_expect_neq(strncmp(r, "*2\r\n$1\r\n0\r\n", 11), 0, "%.40s", r);
    cr_expect_not_null(strstr(r, "\r\n*400\r\n"), "%.40s", r);
    char cursor[32], line[64];
    cr_assert_eq(sscanf(r, "*2\r\n$%*d\r\n%31[0-9]", cursor), 1);
    snprintf(line, sizeof line, "HSCAN h %s COUNT 2", cursor);
    cr_expect_str_eq(ct_run(line), "*2\r\n$1\r\n0\r\n*2\r\n$3\r\nzzz\r\n$1\r\nv\r\n");
}

Test(hash, small_hashes_scan_whole_in_one_call)
{
    ct_run("HSET h a 1 b 2 c 3");
    cr_expect_str_eq(ct_run("HSCAN h 0 COUNT 1"),
                     "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
}

Test(hash, dbsize_tracks_hash_keys)
{
    ct_run("HSET a f 1");
    ct_run("HSET b f 1");
    cr_expect_str_eq(ct_run("DBSIZE"), ":2\r\n");
    ct_run("HDEL a f");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
    ct_run("HINCRBY c f 1");
    cr_expect_str_eq(ct_run("DBSIZE"), ":2\r\n");
}

/* Runs a command's prepare half alone: false (and the reply) when it refuses
 * the command before any log entry. */
static bool prepare_ok(const char *name, int argc, const char **argv, char *reply, size_t cap)
{
    const ss_command *c = ss_command_lookup(name, strlen(name));
    cr_assert_not_null(c);
    cr_assert_not_null(c->prepare, "%s has no prepare half", name);
    size_t lens[8];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    ss_args a = {argc, (char **)argv, lens};
    ss_buf out;
    ss_buf_init(&out, 0);
    bool ok = c->prepare(NULL, &a, &out);
    snprintf(reply, cap, "%.*s", (int)ss_buf_len(&out), ss_buf_data(&out));
    ss_buf_release(&out);
    return ok;
}

Test(hash, syntax_errors_never_reach_the_log)
{
    char r[128];
    const char *hset[] = {"hset", "h", "a", "1", "b"};
    cr_expect_not(prepare_ok("hset", 5, hset, r, sizeof r));
    cr_expect_str_eq(r, "-ERR wrong number of arguments for 'hset' command\r\n");
    const char *hmset[] = {"HMSET", "h", "a", "1", "b"};
    cr_expect_not(prepare_ok("hmset", 5, hmset, r, sizeof r));
    cr_expect_str_eq(r, "-ERR wrong number of arguments for 'hmset' command\r\n");
    const char *incr[] = {"hincrby", "h", "a", "x"};
    cr_expect_not(prepare_ok("hincrby", 4, incr, r, sizeof r));
    cr_expect_str_eq(r, NOTINT);
    const char *incrf[] = {"hincrbyfloat", "h", "a", "inf"};
    cr_expect_not(prepare_ok("hincrbyfloat", 4, incrf, r, sizeof r));
    cr_expect_str_eq(r, "-ERR value is NaN or Infinity\r\n");
    incrf[3] = "nan";
    cr_expect_not(prepare_ok("hincrbyfloat", 4, incrf, r, sizeof r));
    cr_expect_str_eq(r, "-ERR value is not a valid float\r\n");
    const char *good[] = {"hset", "h", "a", "1"};
    cr_expect(prepare_ok("hset", 4, good, r, sizeof r));
    cr_expect_str_eq(r, "");
}

Test(hash, errors_inside_exec_do_not_stop_the_rest)
{
    cr_expect_str_eq(ct_exec("HSET h a x", "HINCRBY h a 1", "HINCRBY h b 2", "HMSET h c", "HLEN h", NULL),
                     "*5\r\n:1\r\n-ERR hash value is not an integer\r\n:2\r\n"
                     "-ERR wrong number of arguments for 'hmset' command\r\n:2\r\n");
    cr_expect_str_eq(ct_run("HGETALL h"), "*4\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nb\r\n$1\r\n2\r\n");
}

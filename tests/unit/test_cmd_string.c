/* String commands, checked against Redis's documented replies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cmdtest.h"

TestSuite(string, .init = ct_setup, .fini = ct_teardown);

Test(string, set_then_get_round_trips)
{
    cr_expect_str_eq(ct_run("SET k v"), "+OK\r\n");
    cr_expect_str_eq(ct_run("GET k"), "$1\r\nv\r\n");
    cr_expect_str_eq(ct_run("GET missing"), "$-1\r\n");
}

Test(string, set_nx_and_xx_follow_existence)
{
    cr_expect_str_eq(ct_run("SET k v XX"), "$-1\r\n");
    cr_expect_str_eq(ct_run("SET k v NX"), "+OK\r\n");
    cr_expect_str_eq(ct_run("SET k w NX"), "$-1\r\n");
    cr_expect_str_eq(ct_run("SET k w XX"), "+OK\r\n");
    cr_expect_str_eq(ct_run("GET k"), "$1\r\nw\r\n");
    cr_expect_str_eq(ct_run("SET k x NX XX"), "-ERR syntax error\r\n");
}

Test(string, set_get_returns_the_old_value)
{
    cr_expect_str_eq(ct_run("SET k v GET"), "$-1\r\n");
    cr_expect_str_eq(ct_run("SET k w GET"), "$1\r\nv\r\n");
    cr_expect_str_eq(ct_run("SET k x NX GET"), "$1\r\nw\r\n");
    cr_expect_str_eq(ct_run("GET k"), "$1\r\nw\r\n");
}

Test(string, expiry_options_make_the_key_vanish_at_their_time)
{
    cr_expect_str_eq(ct_run("SET a 1 EX 10"), "+OK\r\n");
    cr_expect_str_eq(ct_run("SET b 1 PX 500"), "+OK\r\n");
    cr_expect_str_eq(ct_run("SET c 1 PXAT 1700000002000"), "+OK\r\n");
    cr_expect_str_eq(ct_run("SET d 1 EXAT 1700000003"), "+OK\r\n");
    ct_now += 499;
    cr_expect_str_eq(ct_run("GET b"), "$1\r\n1\r\n");
    ct_now += 1;
    cr_expect_str_eq(ct_run("GET b"), "$-1\r\n");
    ct_now = 1700000002000LL;
    cr_expect_str_eq(ct_run("GET c"), "$-1\r\n");
    cr_expect_str_eq(ct_run("GET d"), "$1\r\n1\r\n");
    ct_now = 1700000010000LL;
    cr_expect_str_eq(ct_run("GET a"), "$-1\r\n");
    cr_expect_str_eq(ct_run("EXISTS a b c d"), ":0\r\n");
}

Test(string, keepttl_keeps_and_plain_set_clears_the_expiry)
{
    ct_run("SET k v PX 100");
    ct_run("SET k w KEEPTTL");
    ct_now += 100;
    cr_expect_str_eq(ct_run("GET k"), "$-1\r\n");
    ct_run("SET j v PX 100");
    ct_run("SET j w");
    ct_now += 100;
    cr_expect_str_eq(ct_run("GET j"), "$1\r\nw\r\n");
}

Test(string, bad_expire_times_are_refused)
{
    cr_expect_str_eq(ct_run("SET k v EX 0"), "-ERR invalid expire time in 'set' command\r\n");
    cr_expect_str_eq(ct_run("SET k v PX -1"), "-ERR invalid expire time in 'set' command\r\n");
    cr_expect_str_eq(ct_run("SET k v EX 9223372036854775807"), "-ERR invalid expire time in 'set' command\r\n");
    cr_expect_str_eq(ct_run("SET k v EX ten"), "-ERR value is not an integer or out of range\r\n");
    cr_expect_str_eq(ct_run("SET k v EX 10 PX 10"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("SET k v EX 10 KEEPTTL"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("SET k v EX"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("GET k"), "$-1\r\n");
}

Test(string, a_pxat_in_the_past_deletes_the_key)
{
    ct_run("SET k v");
    cr_expect_str_eq(ct_run("SET k w PXAT 1000"), "+OK\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
}

Test(string, values_are_binary_safe)
{
    const char *argv[] = {"SET", "k\0ey", "v\0a\r\nl"};
    size_t lens[] = {3, 4, 7};
    cr_expect_str_eq(ct_runv(3, argv, lens), "+OK\r\n");
    const char *get[] = {"GET", "k\0ey"};
    size_t glens[] = {3, 4};
    ct_runv(2, get, glens);
    cr_expect_eq(ct_reply_len(), 13);
}

Test(string, del_and_exists_count_keys)
{
    ct_run("SET a 1");
    ct_run("SET b 2");
    cr_expect_str_eq(ct_run("EXISTS a b c a"), ":3\r\n");
    cr_expect_str_eq(ct_run("DEL a c"), ":1\r\n");
    cr_expect_str_eq(ct_run("DEL a"), ":0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
}

Test(string, del_of_an_expired_key_counts_nothing)
{
    ct_run("SET a 1 PX 10");
    ct_now += 10;
    cr_expect_str_eq(ct_run("DEL a"), ":0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
}

Test(string, flushdb_empties_the_database)
{
    ct_run("SET a 1");
    ct_run("SET b 1");
    cr_expect_str_eq(ct_run("FLUSHDB"), "+OK\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
    cr_expect_str_eq(ct_run("GET a"), "$-1\r\n");
    cr_expect_str_eq(ct_run("FLUSHALL ASYNC"), "+OK\r\n");
    cr_expect_str_eq(ct_run("FLUSHALL LATER"), "-ERR syntax error\r\n");
}

Test(string, exec_applies_commands_atomically_in_order)
{
    cr_expect_str_eq(ct_exec("SET a 1", "GET a", "SET a 2 GET", NULL),
                     "*3\r\n+OK\r\n$1\r\n1\r\n$1\r\n1\r\n");
    cr_expect_str_eq(ct_run("GET a"), "$1\r\n2\r\n");
}

Test(string, active_expiry_deletes_only_keys_still_expired)
{
    ct_run("SET a 1 PX 10");
    ct_run("SET b 1 PX 10");
    ct_now += 20;
    ct_run("SET b 2"); /* b was rewritten without expiry */
    cr_expect_str_eq(ct_run("__expire 0 a 0 b"), ":1\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
    cr_expect_str_eq(ct_run("GET b"), "$1\r\n2\r\n");
}

#define EXPECT(cmd, reply) cr_expect_str_eq(ct_run(cmd), reply, "%s", cmd)
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

/* A key of another type for WRONGTYPE checks (lists exist in every build of
 * this test; the list family owns RPUSH). */
static bool make_list(const char *key)
{
    char line[64];
    snprintf(line, sizeof line, "RPUSH %s x", key);
    return ct_run(line)[0] == ':';
}

/* ------------------------------------------------------------ SET options */

Test(string, set_options_repeat_as_in_redis)
{
    EXPECT("SET k v EX 10 EX 20", "+OK\r\n");
    EXPECT("TTL k", ":20\r\n");
    EXPECT("SET k v NX NX", "$-1\r\n");
    EXPECT("SET k w GET GET", "$1\r\nv\r\n");
    EXPECT("SET k v KEEPTTL KEEPTTL", "+OK\r\n");
    EXPECT("SET k v PX 10 EXAT 10", "-ERR syntax error\r\n");
    EXPECT("SET k v KEEPTTL PX 10", "-ERR syntax error\r\n");
    EXPECT("SET k v PERSIST", "-ERR syntax error\r\n");
}

Test(string, set_reports_syntax_before_a_bad_number)
{
    EXPECT("SET k v EX ten FOO", "-ERR syntax error\r\n");
    EXPECT("SET k v PXAT 0", "-ERR invalid expire time in 'set' command\r\n");
    EXPECT("SET k v EXAT 9223372036854776", "-ERR invalid expire time in 'set' command\r\n");
}

Test(string, set_get_on_another_type_is_wrongtype)
{
    cr_assert(make_list("l"));
    EXPECT("SET l v GET", WRONGTYPE);
    EXPECT("SET l v", "+OK\r\n");
    EXPECT("GET l", "$1\r\nv\r\n");
    EXPECT("DBSIZE", ":1\r\n");
}

/* --------------------------------------------------- GETSET GETDEL GETEX */

Test(string, getset_returns_the_old_value_and_clears_the_ttl)
{
    EXPECT("GETSET k v", "$-1\r\n");
    ct_run("EXPIRE k 100");
    EXPECT("GETSET k w", "$1\r\nv\r\n");
    EXPECT("GET k", "$1\r\nw\r\n");
    EXPECT("TTL k", ":-1\r\n");
    cr_assert(make_list("l"));
    EXPECT("GETSET l v", WRONGTYPE);
    EXPECT("GETSET k", "-ERR wrong number of arguments for 'getset' command\r\n");
}

Test(string, getdel_returns_and_deletes)
{
    ct_run("SET k v");
    EXPECT("GETDEL k", "$1\r\nv\r\n");
    EXPECT("GETDEL k", "$-1\r\n");
    EXPECT("DBSIZE", ":0\r\n");
    cr_assert(make_list("l"));
    EXPECT("GETDEL l", WRONGTYPE);
    EXPECT("EXISTS l", ":1\r\n");
}

Test(string, getex_sets_and_removes_the_expiry)
{
    ct_run("SET k v");
    EXPECT("GETEX k", "$1\r\nv\r\n");
    EXPECT("TTL k", ":-1\r\n");
    EXPECT("GETEX k EX 100", "$1\r\nv\r\n");
    EXPECT("TTL k", ":100\r\n");
    EXPECT("GETEX k PX 5000", "$1\r\nv\r\n");
    EXPECT("PTTL k", ":5000\r\n");
    EXPECT("GETEX k EXAT 1700000300", "$1\r\nv\r\n");
    EXPECT("TTL k", ":300\r\n");
    EXPECT("GETEX k PXAT 1700000000400", "$1\r\nv\r\n");
    EXPECT("PTTL k", ":400\r\n");
    EXPECT("GETEX k PERSIST", "$1\r\nv\r\n");
    EXPECT("TTL k", ":-1\r\n");
    EXPECT("GETEX k ex 5 ex 7", "$1\r\nv\r\n");
    EXPECT("TTL k", ":7\r\n");
}

Test(string, getex_with_a_past_time_deletes_after_replying)
{
    ct_run("SET k v");
    EXPECT("GETEX k PXAT 1", "$1\r\nv\r\n");
    EXPECT("EXISTS k", ":0\r\n");
    EXPECT("DBSIZE", ":0\r\n");
}

Test(string, getex_errors_follow_redis_order)
{
    ct_run("SET k v");
    EXPECT("GETEX k EX 5 PX 7", "-ERR syntax error\r\n");
    EXPECT("GETEX k EX 5 PERSIST", "-ERR syntax error\r\n");
    EXPECT("GETEX k KEEPTTL", "-ERR syntax error\r\n");
    EXPECT("GETEX k NX", "-ERR syntax error\r\n");
    EXPECT("GETEX k EX", "-ERR syntax error\r\n");
    EXPECT("GETEX nokey EX abc", "$-1\r\n"); /* the time is read only for an existing key */
    EXPECT("GETEX k EX abc", "-ERR value is not an integer or out of range\r\n");
    EXPECT("GETEX k EX 0", "-ERR invalid expire time in 'getex' command\r\n");
    EXPECT("GETEX k PX -5", "-ERR invalid expire time in 'getex' command\r\n");
    EXPECT("GETEX k EX 9223372036854775807", "-ERR invalid expire time in 'getex' command\r\n");
    EXPECT("TTL k", ":-1\r\n");
    cr_assert(make_list("l"));
    EXPECT("GETEX l", WRONGTYPE);
    EXPECT("GETEX l EX 10", WRONGTYPE);
}

/* ------------------------------------------------- SETNX SETEX PSETEX */

Test(string, setnx_sets_only_missing_keys)
{
    EXPECT("SETNX k v", ":1\r\n");
    EXPECT("SETNX k w", ":0\r\n");
    EXPECT("GET k", "$1\r\nv\r\n");
    cr_assert(make_list("l"));
    EXPECT("SETNX l v", ":0\r\n");
    ct_run("SET e v PX 5");
    ct_now += 5;
    EXPECT("SETNX e w", ":1\r\n");
    EXPECT("GET e", "$1\r\nw\r\n");
    EXPECT("PTTL e", ":-1\r\n");
}

Test(string, setex_and_psetex_set_value_and_ttl)
{
    EXPECT("SETEX k 10 v", "+OK\r\n");
    EXPECT("TTL k", ":10\r\n");
    EXPECT("PSETEX p 1500 v", "+OK\r\n");
    EXPECT("PTTL p", ":1500\r\n");
    cr_assert(make_list("l"));
    EXPECT("SETEX l 10 v", "+OK\r\n");
    EXPECT("TYPE l", "+string\r\n");
    ct_now += 1500;
    EXPECT("GET p", "$-1\r\n");
}

Test(string, setex_rejects_bad_times)
{
    EXPECT("SETEX k 0 v", "-ERR invalid expire time in 'setex' command\r\n");
    EXPECT("SETEX k -1 v", "-ERR invalid expire time in 'setex' command\r\n");
    EXPECT("SETEX k 9223372036854775807 v", "-ERR invalid expire time in 'setex' command\r\n");
    EXPECT("SETEX k abc v", "-ERR value is not an integer or out of range\r\n");
    EXPECT("PSETEX k 0 v", "-ERR invalid expire time in 'psetex' command\r\n");
    EXPECT("PSETEX k 9223372036854775807 v", "-ERR invalid expire time in 'psetex' command\r\n");
    EXPECT("SETEX k 10", "-ERR wrong number of arguments for 'setex' command\r\n");
    EXPECT("DBSIZE", ":0\r\n");
}

/* ------------------------------------------------------ MGET MSET MSETNX */

Test(string, mget_returns_nil_for_missing_and_other_types)
{
    ct_run("MSET a 1 b 2");
    cr_assert(make_list("l"));
    EXPECT("MGET a l nokey b", "*4\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n2\r\n");
    EXPECT("MGET", "-ERR wrong number of arguments for 'mget' command\r\n");
}

Test(string, mset_sets_all_and_clears_ttls)
{
    ct_run("SET a old EX 100");
    cr_assert(make_list("l"));
    EXPECT("MSET a 1 b 2 l 3 a 4", "+OK\r\n");
    EXPECT("MGET a b l", "*3\r\n$1\r\n4\r\n$1\r\n2\r\n$1\r\n3\r\n");
    EXPECT("TTL a", ":-1\r\n");
    EXPECT("DBSIZE", ":3\r\n");
    EXPECT("MSET a 1 b", "-ERR wrong number of arguments for 'mset' command\r\n");
    EXPECT("MSET a", "-ERR wrong number of arguments for 'mset' command\r\n");
}

Test(string, msetnx_sets_all_or_nothing)
{
    EXPECT("MSETNX a 1 b 2", ":1\r\n");
    EXPECT("MSETNX b 3 c 4", ":0\r\n");
    EXPECT("EXISTS c", ":0\r\n");
    EXPECT("GET b", "$1\r\n2\r\n");
    EXPECT("MSETNX x 1 x 2", ":1\r\n");
    EXPECT("GET x", "$1\r\n2\r\n");
    EXPECT("MSETNX c 1 d", "-ERR wrong number of arguments for 'msetnx' command\r\n");
    cr_assert(make_list("l"));
    EXPECT("MSETNX l 1 e 2", ":0\r\n");
}

/* --------------------------------------------------------------- INCR */

Test(string, incr_family_counts_from_zero)
{
    EXPECT("INCR n", ":1\r\n");
    EXPECT("INCRBY n 10", ":11\r\n");
    EXPECT("DECR n", ":10\r\n");
    EXPECT("DECRBY n 20", ":-10\r\n");
    EXPECT("INCRBY n -5", ":-15\r\n");
    EXPECT("DECRBY n -15", ":0\r\n");
    EXPECT("GET n", "$1\r\n0\r\n");
    EXPECT("DECR m", ":-1\r\n");
}

Test(string, incr_keeps_the_ttl)
{
    ct_run("SET n 5 EX 100");
    EXPECT("INCR n", ":6\r\n");
    EXPECT("TTL n", ":100\r\n");
    ct_now += 100000;
    EXPECT("INCR n", ":1\r\n");
    EXPECT("TTL n", ":-1\r\n");
}

Test(string, incr_refuses_values_that_are_not_strict_integers)
{
    const char *bad[] = {" 1", "1 ", "+1", "01", "1.0", "abc", "", "9223372036854775808", "1e3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *set[] = {"SET", "n", bad[i]};
        size_t lens[] = {3, 1, strlen(bad[i])};
        ct_runv(3, set, lens);
        cr_expect_str_eq(ct_run("INCR n"), "-ERR value is not an integer or out of range\r\n",
                         "value '%s'", bad[i]);
        cr_expect_str_eq(ct_run("GET n")[0] == '$' ? "ok" : "changed", "ok");
    }
    EXPECT("INCRBY n abc", "-ERR value is not an integer or out of range\r\n");
    EXPECT("INCRBY n 1.5", "-ERR value is not an integer or out of range\r\n");
    EXPECT("DECRBY n 9223372036854775808", "-ERR value is not an integer or out of range\r\n");
}

Test(string, incr_detects_overflow)
{
    ct_run("SET n 9223372036854775807");
    EXPECT("INCR n", "-ERR increment or decrement would overflow\r\n");
    EXPECT("INCRBY n 0", ":9223372036854775807\r\n");
    ct_run("SET n -9223372036854775808");
    EXPECT("DECR n", "-ERR increment or decrement would overflow\r\n");
    EXPECT("INCRBY n -1", "-ERR increment or decrement would overflow\r\n");
    EXPECT("INCRBY n 9223372036854775807", ":-1\r\n");
    EXPECT("DECRBY n -9223372036854775808", "-ERR decrement would overflow\r\n");
    EXPECT("DECRBY n 9223372036854775807", ":-9223372036854775808\r\n");
    EXPECT("GET n", "$20\r\n-9223372036854775808\r\n");
}

Test(string, incr_on_another_type_is_wrongtype)
{
    cr_assert(make_list("l"));
    EXPECT("INCR l", WRONGTYPE);
    EXPECT("DECRBY l 2", WRONGTYPE);
    EXPECT("INCRBYFLOAT l 2", WRONGTYPE);
    EXPECT("APPEND l x", WRONGTYPE);
    EXPECT("STRLEN l", WRONGTYPE);
    EXPECT("GETRANGE l 0 -1", WRONGTYPE);
    EXPECT("SETRANGE l 0 x", WRONGTYPE);
    EXPECT("GET l", WRONGTYPE);
}

/* -------------------------------------------------------- INCRBYFLOAT */

Test(string, incrbyfloat_prints_like_redis)
{
    EXPECT("INCRBYFLOAT f 10.5", "$4\r\n10.5\r\n");
    EXPECT("INCRBYFLOAT f 4989.5", "$4\r\n5000\r\n");
    EXPECT("INCRBYFLOAT f 1.1", "$22\r\n5001.10000000000000009\r\n");
    ct_run("SET f 5.0e3");
    EXPECT("INCRBYFLOAT f 0", "$4\r\n5000\r\n");
    ct_run("SET f 0.1");
    EXPECT("INCRBYFLOAT f 0.2", "$3\r\n0.3\r\n");
    EXPECT("INCRBYFLOAT f -0.3", "$1\r\n0\r\n");
    ct_run("SET f 1");
    EXPECT("INCRBYFLOAT f -1.5", "$4\r\n-0.5\r\n");
    EXPECT("INCRBYFLOAT f 0x10", "$4\r\n15.5\r\n");
    ct_run("SET f 3.0");
    EXPECT("INCRBYFLOAT f 1", "$1\r\n4\r\n");
}

Test(string, incrbyfloat_never_uses_an_exponent)
{
    ct_run("SET f 1e20");
    EXPECT("INCRBYFLOAT f 1", "$21\r\n100000000000000000000\r\n"); /* 64-bit mantissa */
    ct_run("SET f 1e300");
    const char *r = ct_run("INCRBYFLOAT f 0");
    cr_expect_eq(strncmp(r, "$301\r\n1000000000000000000008997", 31), 0, "%s", r);
    /* Long double range: 1e400 is a valid increment. */
    ct_run("SET f 1");
    r = ct_run("INCRBYFLOAT f 1e400");
    cr_expect_eq(strncmp(r, "$401\r\n1", 7), 0, "%.20s", r);
}

Test(string, incrbyfloat_keeps_the_ttl)
{
    ct_run("SET f 1 EX 100");
    EXPECT("INCRBYFLOAT f 0.5", "$3\r\n1.5\r\n");
    EXPECT("TTL f", ":100\r\n");
}

Test(string, incrbyfloat_rejects_bad_numbers_and_infinity)
{
    ct_run("SET f 1");
    EXPECT("INCRBYFLOAT f abc", "-ERR value is not a valid float\r\n");
    EXPECT("INCRBYFLOAT f \" 1\"", "-ERR value is not a valid float\r\n");
    EXPECT("INCRBYFLOAT f 1e", "-ERR value is not a valid float\r\n");
    EXPECT("INCRBYFLOAT f nan", "-ERR value is not a valid float\r\n");
    EXPECT("INCRBYFLOAT f \"\"", "-ERR value is not a valid float\r\n");
    EXPECT("INCRBYFLOAT f 1e99999", "-ERR value is not a valid float\r\n");
    EXPECT("INCRBYFLOAT f inf", "-ERR increment would produce NaN or Infinity\r\n");
    EXPECT("INCRBYFLOAT f -inf", "-ERR increment would produce NaN or Infinity\r\n");
    EXPECT("GET f", "$1\r\n1\r\n");
    ct_run("SET g abc");
    EXPECT("INCRBYFLOAT g 1", "-ERR value is not a valid float\r\n");
    ct_run("SET g \"1 \"");
    EXPECT("INCRBYFLOAT g 1", "-ERR value is not a valid float\r\n");
}

/* ---------------------------------------------------- APPEND STRLEN */

Test(string, append_creates_and_extends)
{
    EXPECT("APPEND k hello", ":5\r\n");
    EXPECT("APPEND k \" world\"", ":11\r\n");
    EXPECT("GET k", "$11\r\nhello world\r\n");
    EXPECT("APPEND k \"\"", ":11\r\n");
    EXPECT("APPEND e \"\"", ":0\r\n");
    EXPECT("EXISTS e", ":1\r\n");
    EXPECT("STRLEN k", ":11\r\n");
    EXPECT("STRLEN e", ":0\r\n");
    EXPECT("STRLEN nokey", ":0\r\n");
}

Test(string, append_keeps_the_ttl)
{
    ct_run("SET k a EX 100");
    EXPECT("APPEND k b", ":2\r\n");
    EXPECT("TTL k", ":100\r\n");
}

Test(string, append_is_binary_safe)
{
    const char *argv[] = {"APPEND", "k", "a\0b"};
    size_t lens[] = {6, 1, 3};
    ct_runv(3, argv, lens);
    ct_runv(3, argv, lens);
    EXPECT("STRLEN k", ":6\r\n");
    ct_run("GET k");
    cr_expect_eq(memcmp(ct_run("GET k"), "$6\r\na\0ba\0b\r\n", 12), 0);
}

/* -------------------------------------------------- GETRANGE SUBSTR */

Test(string, getrange_clamps_like_redis_7)
{
    ct_run("SET s hello");
    EXPECT("GETRANGE s 0 -1", "$5\r\nhello\r\n");
    EXPECT("GETRANGE s -3 -1", "$3\r\nllo\r\n");
    EXPECT("GETRANGE s 1 100", "$4\r\nello\r\n");
    EXPECT("GETRANGE s -100 -50", "$1\r\nh\r\n");
    EXPECT("GETRANGE s 5 3", "$0\r\n\r\n");
    EXPECT("GETRANGE s -1 -5", "$0\r\n\r\n");
    EXPECT("GETRANGE s 4 4", "$1\r\no\r\n");
    EXPECT("GETRANGE s 10 20", "$0\r\n\r\n");
    EXPECT("GETRANGE s -100 2", "$3\r\nhel\r\n");
    EXPECT("GETRANGE s 0 -100", "$1\r\nh\r\n");
    EXPECT("GETRANGE s 9223372036854775807 -9223372036854775808", "$0\r\n\r\n");
    EXPECT("GETRANGE s -9223372036854775808 9223372036854775807", "$5\r\nhello\r\n");
    EXPECT("SUBSTR s 1 3", "$3\r\nell\r\n");
}

Test(string, getrange_of_missing_and_empty_strings_is_empty)
{
    EXPECT("GETRANGE nokey 0 -1", "$0\r\n\r\n");
    ct_run("SET e \"\"");
    EXPECT("GETRANGE e 0 -1", "$0\r\n\r\n");
    EXPECT("GETRANGE e 0 0", "$0\r\n\r\n");
}

Test(string, getrange_checks_its_numbers_first)
{
    EXPECT("GETRANGE nokey a 1", "-ERR value is not an integer or out of range\r\n");
    EXPECT("GETRANGE nokey 0 1.5", "-ERR value is not an integer or out of range\r\n");
    EXPECT("GETRANGE nokey 0", "-ERR wrong number of arguments for 'getrange' command\r\n");
}

/* ----------------------------------------------------------- SETRANGE */

Test(string, setrange_overwrites_and_pads_with_zero_bytes)
{
    ct_run("SET k \"Hello World\"");
    EXPECT("SETRANGE k 6 Redis", ":11\r\n");
    EXPECT("GET k", "$11\r\nHello Redis\r\n");
    EXPECT("SETRANGE k 9 xyz", ":12\r\n");
    EXPECT("GET k", "$12\r\nHello Redxyz\r\n");
    EXPECT("SETRANGE n 3 ab", ":5\r\n");
    cr_expect_eq(memcmp(ct_run("GET n"), "$5\r\n\0\0\0ab\r\n", 11), 0);
}

Test(string, setrange_with_an_empty_value_changes_nothing)
{
    EXPECT("SETRANGE nokey 0 \"\"", ":0\r\n");
    EXPECT("SETRANGE nokey 100 \"\"", ":0\r\n");
    EXPECT("EXISTS nokey", ":0\r\n");
    ct_run("SET k abc");
    EXPECT("SETRANGE k 100 \"\"", ":3\r\n");
    EXPECT("GET k", "$3\r\nabc\r\n");
}

Test(string, setrange_keeps_the_ttl)
{
    ct_run("SET k abc EX 100");
    EXPECT("SETRANGE k 1 X", ":3\r\n");
    EXPECT("TTL k", ":100\r\n");
    EXPECT("GET k", "$3\r\naXc\r\n");
}

Test(string, setrange_refuses_bad_and_huge_offsets)
{
    EXPECT("SETRANGE k -1 a", "-ERR offset is out of range\r\n");
    EXPECT("SETRANGE k x a", "-ERR value is not an integer or out of range\r\n");
    EXPECT("SETRANGE k 536870912 a", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    EXPECT("SETRANGE k 536870911 ab", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    EXPECT("SETRANGE k 9223372036854775807 a", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    EXPECT("EXISTS k", ":0\r\n");
    cr_assert(make_list("l"));
    EXPECT("SETRANGE l -1 a", "-ERR offset is out of range\r\n");
}

Test(string, string_commands_work_inside_a_transaction)
{
    cr_expect_str_eq(ct_exec("INCR n", "APPEND n 5", "INCRBY n 1", "GETDEL n", "EXISTS n", NULL),
                     "*5\r\n:1\r\n:2\r\n:16\r\n$2\r\n16\r\n:0\r\n");
}

/* APPEND, SETRANGE, GETRANGE and STRLEN against a byte-array model. */
Test(string, range_commands_agree_with_a_model_over_random_edits)
{
    enum { CAP = 4096 };
    static char model[CAP];
    size_t len = 0;
    uint64_t x = 99;
    char line[256];
    for (int step = 0; step < 400; step++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned r = (unsigned)(x >> 33);
        char val[9];
        size_t vlen = 1 + r % 8;
        for (size_t i = 0; i < vlen; i++)
            val[i] = (char)('a' + (r >> (i + 3)) % 26);
        val[vlen] = '\0';
        long long a = (long long)(r % 97) - 48, b = (long long)((r >> 7) % 97) - 48;
        switch (r % 3) {
        case 0:
            if (len + vlen > CAP)
                break;
            snprintf(line, sizeof line, "APPEND k %s", val);
            memcpy(model + len, val, vlen);
            len += vlen;
            cr_assert_eq(atoll(ct_run(line) + 1), (long long)len, "%s", line);
            break;
        case 1: {
            size_t off = (size_t)(r >> 11) % (len + 16);
            if (off + vlen > CAP)
                break;
            snprintf(line, sizeof line, "SETRANGE k %zu %s", off, val);
            if (off > len)
                memset(model + len, 0, off - len);
            memcpy(model + off, val, vlen);
            if (off + vlen > len)
                len = off + vlen;
            cr_assert_eq(atoll(ct_run(line) + 1), (long long)len, "%s", line);
            break;
        }
        default: {
            snprintf(line, sizeof line, "GETRANGE k %lld %lld", a, b);
            long long s = a, e = b, L = (long long)len;
            size_t n = 0;
            if (!(s < 0 && e < 0 && s > e)) {
                s = s < 0 ? (L + s < 0 ? 0 : L + s) : s;
                e = e < 0 ? (L + e < 0 ? 0 : L + e) : e;
                if (e >= L)
                    e = L - 1;
                if (s <= e && L > 0)
                    n = (size_t)(e - s + 1);
            }
            char want[64];
            int h = snprintf(want, sizeof want, "$%zu\r\n", n);
            const char *got = ct_run(line);
            cr_assert_eq(ct_reply_len(), (size_t)h + n + 2, "%s", line);
            cr_assert_eq(memcmp(got, want, (size_t)h), 0, "%s", line);
            cr_assert_eq(n ? memcmp(got + h, model + s, n) : 0, 0, "%s", line);
        }
        }
    }
    snprintf(line, sizeof line, ":%zu\r\n", len);
    cr_expect_str_eq(ct_run("STRLEN k"), line);
}

Test(string, minus_zero_is_not_an_integer)
{
    /* Regression: "-0" passed as an integer where Redis refuses it. */
    ct_run("SET n -0");
    cr_expect_str_eq(ct_run("INCR n"), "-ERR value is not an integer or out of range\r\n");
    ct_run("SET m -01");
    cr_expect_str_eq(ct_run("INCR m"), "-ERR value is not an integer or out of range\r\n");
    ct_run("SET z 0");
    cr_expect_str_eq(ct_run("INCR z"), ":1\r\n");
}

Test(string, float_underflow_is_not_a_valid_float)
{
    /* Regression: a double that underflows to 0 ("1e-400") or overflows
     * passed as a valid float; redis' string2ld refuses both. */
    cr_expect_str_eq(ct_run("ZADD z 1e-400 a"), "-ERR value is not a valid float\r\n");
    cr_expect_str_eq(ct_run("ZADD z 1e400 a"), "-ERR value is not a valid float\r\n");
    cr_expect_str_eq(ct_run("ZADD z 4.9e-324 a"), ":1\r\n"); /* a denormal is fine */
    cr_expect_str_eq(ct_run("ZADD z inf b"), ":1\r\n");
}

/* A value holding a NUL byte is never a number (Redis's string2ll and
 * string2ld read the whole length): found by the differential test, where
 * SETRANGE of an absent key followed by INCRBY answered -1 instead of an error. */
Test(string, a_value_with_a_nul_byte_is_not_a_number)
{
    ct_run("SETRANGE k 11 e");
    cr_expect_str_eq(ct_run("INCRBY k -1"), "-ERR value is not an integer or out of range\r\n");
    cr_expect_str_eq(ct_run("INCRBYFLOAT k 1"), "-ERR value is not a valid float\r\n");
    const char *argv[] = {"SET", "n", "1\0"};
    const size_t lens[] = {3, 1, 2};
    ct_runv(3, argv, lens);
    cr_expect_str_eq(ct_run("INCR n"), "-ERR value is not an integer or out of range\r\n");
    cr_expect_str_eq(ct_run("INCRBYFLOAT n 1"), "-ERR value is not a valid float\r\n");
    const char *zadd[] = {"ZADD", "z", "1\0", "m"};
    const size_t zlens[] = {4, 1, 2, 1};
    cr_expect_str_eq(ct_runv(4, zadd, zlens), "-ERR value is not a valid float\r\n");
}

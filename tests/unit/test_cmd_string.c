/* String commands, checked against Redis's documented replies. */
#include <criterion/criterion.h>

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

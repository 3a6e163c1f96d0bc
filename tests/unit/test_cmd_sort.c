/* SORT and SORT_RO, checked against the replies Redis 7.0 sends. */
#include <criterion/criterion.h>
#include <string.h>

#include "cmdtest.h"

static void setup(void)
{
    ct_setup();
    ct_run("RPUSH l 3 1 2 10 -5");
}

TestSuite(sort, .init = setup, .fini = ct_teardown);

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define SYNTAX "-ERR syntax error\r\n"

Test(sort, numbers_by_default_bytes_with_alpha)
{
    cr_expect_str_eq(ct_run("SORT l"), "*5\r\n$2\r\n-5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n");
    cr_expect_str_eq(ct_run("SORT l DESC LIMIT 1 2"), "*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
    cr_expect_str_eq(ct_run("SORT l ALPHA"), "*5\r\n$2\r\n-5\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n");
    cr_expect_str_eq(ct_run("SORT_RO l LIMIT 3 100"), "*2\r\n$1\r\n3\r\n$2\r\n10\r\n");
    cr_expect_str_eq(ct_run("SORT l LIMIT 100 1"), "*0\r\n");
    cr_expect_str_eq(ct_run("SORT nosuch"), "*0\r\n");
}

Test(sort, a_pattern_without_star_keeps_the_stored_order)
{
    cr_expect_str_eq(ct_run("SORT l BY nosort DESC"), "*5\r\n$2\r\n-5\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n");
    ct_run("ZADD z 3 a 1 b 2 c");
    cr_expect_str_eq(ct_run("SORT z BY nosort DESC LIMIT 0 2"), "*2\r\n$1\r\na\r\n$1\r\nc\r\n");
    /* Nothing is converted when nothing is sorted. */
    ct_run("RPUSH bad 1 x");
    cr_expect_str_eq(ct_run("SORT bad BY nosort"), "*2\r\n$1\r\n1\r\n$1\r\nx\r\n");
    cr_expect_str_eq(ct_run("SORT bad"), "-ERR One or more scores can't be converted into double\r\n");
}

Test(sort, by_and_get_read_other_keys_and_hash_fields)
{
    ct_run("MSET w_3 30 w_1 10 w_2 20 w_10 5 w_-5 50");
    cr_expect_str_eq(ct_run("SORT l BY w_* GET # GET w_*"),
                     "*10\r\n$2\r\n10\r\n$1\r\n5\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$2\r\n20\r\n$1\r\n3\r\n$2\r\n30\r\n$2\r\n-5\r\n$2\r\n50\r\n");
    ct_run("HSET h_3 f a");
    ct_run("HSET h_1 f c");
    /* Missing values sort first, in the list's order. */
    cr_expect_str_eq(ct_run("SORT l BY h_*->f ALPHA GET h_*->f GET #"),
                     "*10\r\n$-1\r\n$1\r\n2\r\n$-1\r\n$2\r\n10\r\n$-1\r\n$2\r\n-5\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n1\r\n");
    ct_resp3(true);
    cr_expect_str_eq(ct_run("SORT l GET nosuch_* LIMIT 0 2"), "*2\r\n_\r\n_\r\n");
}

Test(sort, store_writes_a_list_and_raises_sortstore)
{
    ct_run("SADD s b a c");
    /* An unsorted set is sorted before it is stored. */
    cr_expect_str_eq(ct_run("SORT s BY nosort STORE d"), ":3\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d list:sortstore:d ready:d");
    cr_expect_str_eq(ct_run("LRANGE d 0 -1"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("SORT l GET nosuch_* GET # STORE d LIMIT 0 1"), ":2\r\n");
    cr_expect_str_eq(ct_run("LRANGE d 0 -1"), "*2\r\n$0\r\n\r\n$2\r\n-5\r\n");
    cr_expect_str_eq(ct_run("RPUSH d x"), ":3\r\n");
    cr_expect_str_eq(ct_run("SORT l LIMIT 0 0 STORE d"), ":0\r\n");
    cr_expect_str_eq(ct_key_events(), "modified:d generic:del:d");
    cr_expect_str_eq(ct_run("EXISTS d"), ":0\r\n");
}

Test(sort, options_and_types_are_checked_as_redis_does)
{
    cr_expect_str_eq(ct_run("SORT l LIMIT 1"), SYNTAX);
    cr_expect_str_eq(ct_run("SORT l STORE"), SYNTAX);
    cr_expect_str_eq(ct_run("SORT_RO l STORE d"), SYNTAX);
    cr_expect_str_eq(ct_run("SORT l LIMIT x 1"), "-ERR value is not an integer or out of range\r\n");
    ct_run("SET str x");
    cr_expect_str_eq(ct_run("SORT str"), WRONGTYPE);
    /* Options are read before the key. */
    cr_expect_str_eq(ct_run("SORT str FOO"), SYNTAX);
}

Test(sort, only_a_store_makes_sort_a_write)
{
    cr_expect_str_eq(ct_dispatch("COMMAND GETKEYS SORT l BY w_* STORE d"), "*2\r\n$1\r\nl\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_dispatch("COMMAND GETKEYS SORT l LIMIT STORE d"), "*1\r\n$1\r\nl\r\n");
    uint64_t before = ct_applied_index();
    ct_run("SORT l BY w_*");
    cr_expect_eq(ct_applied_index(), before, "SORT without STORE is a read");
    ct_run("SORT l STORE d");
    cr_expect_eq(ct_applied_index(), before + 1, "SORT ... STORE is applied");
}

/* LMPOP and ZMPOP: the first non-empty key of several, its replies in both protocols and the events Redis 7.0 raises. */
#include <criterion/criterion.h>

#include "unit/cmdtest.h"

TestSuite(mpop, .init = ct_setup, .fini = ct_teardown);

Test(mpop, lmpop_pops_from_the_first_non_empty_list)
{
    ct_run("RPUSH b 1 2 3");
    cr_expect_str_eq(ct_run("LMPOP 2 a b LEFT"), "*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n");
    cr_expect_str_eq(ct_events(), "lpop:b");
    cr_expect_str_eq(ct_run("LMPOP 2 a b RIGHT COUNT 10"), "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
    cr_expect_str_eq(ct_events(), "rpop:b del:b", "emptied: deleted");
    cr_expect_str_eq(ct_run("LMPOP 2 a b LEFT"), "*-1\r\n");
    ct_run("SET s x");
    cr_expect_str_eq(ct_run("LMPOP 2 s b LEFT"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

Test(mpop, zmpop_nests_member_score_pairs_in_both_protocols)
{
    ct_run("ZADD z 1 a 2 b 3 c");
    cr_expect_str_eq(ct_run("ZMPOP 2 y z MAX COUNT 2"),
                     "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
    cr_expect_str_eq(ct_events(), "zpopmax:z");
    cr_expect_str_eq(ct_run("ZMPOP 1 z MIN"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    cr_expect_str_eq(ct_events(), "zpopmin:z del:z");
    cr_expect_str_eq(ct_run("ZMPOP 1 z MIN"), "*-1\r\n");
}

Test(mpop, bad_arguments_answer_in_redis_words)
{
    cr_expect_str_eq(ct_run("LMPOP 0 a LEFT"), "-ERR numkeys should be greater than 0\r\n");
    /* a numkeys near LLONG_MAX is a syntax error, not a signed overflow (fuzz entry_apply) */
    cr_expect_str_eq(ct_run("LMPOP 9223372036854775807 a LEFT"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("ZMPOP 9223372036854775806 z MIN"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("LMPOP 2 a LEFT"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("ZMPOP 1 z LEFT"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("ZMPOP 1 z MIN COUNT 0"), "-ERR count should be greater than 0\r\n");
    cr_expect_str_eq(ct_run("LMPOP 1 a LEFT COUNT 1 COUNT 2"), "-ERR syntax error\r\n");
}

/* The blocking forms' apply half never blocks: it pops, or answers what
 * Redis answers on a timeout (the engine makes the client wait on that). */
Test(mpop, blocking_forms_pop_or_answer_the_timeout_reply)
{
    ct_run("RPUSH l a b");
    ct_run("ZADD z 1 m 2 n");
    cr_expect_str_eq(ct_run("BLPOP none l 0"), "*2\r\n$1\r\nl\r\n$1\r\na\r\n");
    cr_expect_str_eq(ct_events(), "lpop:l");
    cr_expect_str_eq(ct_run("BRPOP l 1.5"), "*2\r\n$1\r\nl\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_events(), "rpop:l del:l");
    cr_expect_str_eq(ct_run("BLPOP l 0"), "*-1\r\n");
    cr_expect_str_eq(ct_run("BLMOVE l d LEFT RIGHT 0"), "$-1\r\n");
    cr_expect_str_eq(ct_run("BZPOPMAX z 0"), "*3\r\n$1\r\nz\r\n$1\r\nn\r\n$1\r\n2\r\n");
    cr_expect_str_eq(ct_run("BZMPOP 0 1 z MIN COUNT 3"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nm\r\n$1\r\n1\r\n");
    cr_expect_str_eq(ct_run("BZPOPMIN z 0"), "*-1\r\n");
    ct_run("RPUSH l x");
    cr_expect_str_eq(ct_run("BLMPOP 0 1 l RIGHT"), "*2\r\n$1\r\nl\r\n*1\r\n$1\r\nx\r\n");
}

Test(mpop, blocking_timeouts_are_checked_as_redis_does)
{
    cr_expect_str_eq(ct_dispatch("BLPOP l -1"), "-ERR timeout is negative\r\n");
    cr_expect_str_eq(ct_dispatch("BLPOP l x"), "-ERR timeout is not a float or out of range\r\n");
    cr_expect_str_eq(ct_dispatch("BZMPOP nan 1 z MIN"), "-ERR timeout is not a float or out of range\r\n");
    cr_expect_str_eq(ct_dispatch("BLMPOP 0 0 l LEFT"), "-ERR numkeys should be greater than 0\r\n");
    cr_expect_str_eq(ct_dispatch("BLMOVE a b UP DOWN 0"), "-ERR syntax error\r\n");
}

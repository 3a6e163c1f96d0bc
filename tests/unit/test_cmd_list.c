/* List commands, checked against the replies Redis 7.0 sends. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"

TestSuite(list, .init = ct_setup, .fini = ct_teardown);

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"

Test(list, push_returns_the_new_length_and_keeps_order)
{
    cr_expect_str_eq(ct_run("RPUSH l a b"), ":2\r\n");
    cr_expect_str_eq(ct_run("LPUSH l x y"), ":4\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*4\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("LLEN l"), ":4\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
}

Test(list, pushx_only_touches_existing_lists)
{
    cr_expect_str_eq(ct_run("LPUSHX l a"), ":0\r\n");
    cr_expect_str_eq(ct_run("RPUSHX l a b"), ":0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
    ct_run("RPUSH l m");
    cr_expect_str_eq(ct_run("LPUSHX l a"), ":2\r\n");
    cr_expect_str_eq(ct_run("RPUSHX l y z"), ":4\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*4\r\n$1\r\na\r\n$1\r\nm\r\n$1\r\ny\r\n$1\r\nz\r\n");
}

Test(list, push_needs_an_element)
{
    cr_expect_str_eq(ct_run("LPUSH l"), "-ERR wrong number of arguments for 'lpush' command\r\n");
    cr_expect_str_eq(ct_run("RPUSHX l"), "-ERR wrong number of arguments for 'rpushx' command\r\n");
}

Test(list, pop_without_count_replies_one_element_or_nil)
{
    ct_run("RPUSH l a b c");
    cr_expect_str_eq(ct_run("LPOP l"), "$1\r\na\r\n");
    cr_expect_str_eq(ct_run("RPOP l"), "$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("LPOP l"), "$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("LPOP l"), "$-1\r\n");
    cr_expect_str_eq(ct_run("RPOP l"), "$-1\r\n");
    cr_expect_str_eq(ct_run("EXISTS l"), ":0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
}

Test(list, pop_with_count_replies_an_array)
{
    ct_run("RPUSH l a b c d");
    cr_expect_str_eq(ct_run("LPOP l 2"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("RPOP l 1"), "*1\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_run("LPOP l 0"), "*0\r\n");
    cr_expect_str_eq(ct_run("RPOP l 9223372036854775807"), "*1\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
    cr_expect_str_eq(ct_run("LPOP l 2"), "*-1\r\n");
    cr_expect_str_eq(ct_run("RPOP l 0"), "*-1\r\n");
}

Test(list, pop_count_must_be_a_non_negative_integer)
{
    ct_run("RPUSH l a");
    cr_expect_str_eq(ct_run("LPOP l -1"), "-ERR value is out of range, must be positive\r\n");
    cr_expect_str_eq(ct_run("RPOP l x"), "-ERR value is out of range, must be positive\r\n");
    cr_expect_str_eq(ct_run("LPOP l 1 2"), "-ERR wrong number of arguments for 'lpop' command\r\n");
    cr_expect_str_eq(ct_run("LPOP nokey -1"), "-ERR value is out of range, must be positive\r\n");
    ct_run("SET s v");
    cr_expect_str_eq(ct_run("RPOP s -1"), "-ERR value is out of range, must be positive\r\n");
    cr_expect_str_eq(ct_run("LLEN l"), ":1\r\n");
}

Test(list, commands_refuse_other_types)
{
    ct_run("SET s v");
    const char *cmds[] = {"LPUSH s a", "RPUSH s a", "LPUSHX s a", "RPUSHX s a", "LPOP s", "RPOP s 2",
                          "LLEN s", "LRANGE s 0 -1", "LINDEX s 0", "LSET s 0 a", "LINSERT s BEFORE a b",
                          "LREM s 0 a", "LTRIM s 0 1", "LPOS s a", "LMOVE s d LEFT RIGHT",
                          "RPOPLPUSH s d", NULL};
    for (int i = 0; cmds[i]; i++)
        cr_expect_str_eq(ct_run(cmds[i]), WRONGTYPE, "%s", cmds[i]);
    cr_expect_str_eq(ct_run("GET s"), "$1\r\nv\r\n");
    ct_run("ZADD z 1 a");
    cr_expect_str_eq(ct_run("LLEN z"), WRONGTYPE);
    cr_expect_str_eq(ct_run("RPUSH z a"), WRONGTYPE);
}

Test(list, llen_of_a_missing_key_is_zero)
{
    cr_expect_str_eq(ct_run("LLEN nokey"), ":0\r\n");
}

Test(list, lrange_normalizes_indexes_like_redis)
{
    ct_run("RPUSH l a b c");
    cr_expect_str_eq(ct_run("LRANGE l 1 1"), "*1\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("LRANGE l -2 -1"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("LRANGE l -100 100"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 9223372036854775807"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("LRANGE l -9223372036854775808 -9223372036854775808"), "*0\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 2 1"), "*0\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 3 10"), "*0\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 1 -3"), "*0\r\n");
    cr_expect_str_eq(ct_run("LRANGE nokey 0 -1"), "*0\r\n");
    cr_expect_str_eq(ct_run("LRANGE l x 1"), NOTINT);
    cr_expect_str_eq(ct_run("LRANGE l 0 1.5"), NOTINT);
}

Test(list, lindex_reads_by_position_from_either_end)
{
    ct_run("RPUSH l a b c");
    cr_expect_str_eq(ct_run("LINDEX l 0"), "$1\r\na\r\n");
    cr_expect_str_eq(ct_run("LINDEX l -1"), "$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("LINDEX l -3"), "$1\r\na\r\n");
    cr_expect_str_eq(ct_run("LINDEX l 3"), "$-1\r\n");
    cr_expect_str_eq(ct_run("LINDEX l -4"), "$-1\r\n");
    cr_expect_str_eq(ct_run("LINDEX l -9223372036854775808"), "$-1\r\n");
    cr_expect_str_eq(ct_run("LINDEX nokey 0"), "$-1\r\n");
    cr_expect_str_eq(ct_run("LINDEX l x"), NOTINT);
    cr_expect_str_eq(ct_run("LINDEX nokey x"), "$-1\r\n");
    ct_run("SET s v");
    cr_expect_str_eq(ct_run("LINDEX s x"), WRONGTYPE);
}

Test(list, lset_replaces_or_reports_missing_key_and_range)
{
    ct_run("RPUSH l a b c");
    cr_expect_str_eq(ct_run("LSET l 1 B"), "+OK\r\n");
    cr_expect_str_eq(ct_run("LSET l -1 C"), "+OK\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*3\r\n$1\r\na\r\n$1\r\nB\r\n$1\r\nC\r\n");
    cr_expect_str_eq(ct_run("LSET l 3 x"), "-ERR index out of range\r\n");
    cr_expect_str_eq(ct_run("LSET l -4 x"), "-ERR index out of range\r\n");
    cr_expect_str_eq(ct_run("LSET nokey 0 x"), "-ERR no such key\r\n");
    cr_expect_str_eq(ct_run("LSET l x x"), NOTINT);
    cr_expect_str_eq(ct_run("LSET nokey x x"), "-ERR no such key\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
}

Test(list, linsert_before_and_after_the_first_pivot)
{
    ct_run("RPUSH l a b c b");
    cr_expect_str_eq(ct_run("LINSERT l BEFORE b X"), ":5\r\n");
    cr_expect_str_eq(ct_run("LINSERT l after b Y"), ":6\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"),
                     "*6\r\n$1\r\na\r\n$1\r\nX\r\n$1\r\nb\r\n$1\r\nY\r\n$1\r\nc\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("LINSERT l AFTER b Z"), ":7\r\n");
    cr_expect_str_eq(ct_run("LINSERT l BEFORE a H"), ":8\r\n");
    cr_expect_str_eq(ct_run("LINSERT l AFTER c T"), ":9\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"),
                     "*9\r\n$1\r\nH\r\n$1\r\na\r\n$1\r\nX\r\n$1\r\nb\r\n$1\r\nZ\r\n$1\r\nY\r\n$1\r\nc\r\n$1\r\nT\r\n$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("LINDEX l 8"), "$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("LLEN l"), ":9\r\n");
}

Test(list, linsert_at_the_tail_end_and_misses)
{
    ct_run("RPUSH l a b c");
    cr_expect_str_eq(ct_run("LINSERT l AFTER c d"), ":4\r\n");
    cr_expect_str_eq(ct_run("LINSERT l BEFORE c x"), ":5\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nx\r\n$1\r\nc\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_run("LINSERT l AFTER zz y"), ":-1\r\n");
    cr_expect_str_eq(ct_run("LINSERT nokey AFTER a y"), ":0\r\n");
    cr_expect_str_eq(ct_run("LINSERT l MIDDLE a y"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
}

Test(list, lrem_counts_from_head_tail_or_all)
{
    ct_run("RPUSH l a b a c a b a");
    cr_expect_str_eq(ct_run("LREM l 2 a"), ":2\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\na\r\n");
    cr_expect_str_eq(ct_run("LREM l -1 b"), ":1\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\na\r\n");
    cr_expect_str_eq(ct_run("LINDEX l 3"), "$1\r\na\r\n");
    cr_expect_str_eq(ct_run("LREM l 0 a"), ":2\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("LREM l 0 zz"), ":0\r\n");
    cr_expect_str_eq(ct_run("LREM l -9223372036854775808 b"), ":1\r\n");
    cr_expect_str_eq(ct_run("LREM l 9223372036854775807 c"), ":1\r\n");
    cr_expect_str_eq(ct_run("EXISTS l"), ":0\r\n");
    cr_expect_str_eq(ct_run("LREM nokey 0 a"), ":0\r\n");
    cr_expect_str_eq(ct_run("LREM l x a"), NOTINT);
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
}

Test(list, lrem_then_push_keeps_positions_dense)
{
    ct_run("RPUSH l a x b x c");
    cr_expect_str_eq(ct_run("LREM l -5 x"), ":2\r\n");
    cr_expect_str_eq(ct_run("LPUSH l h"), ":4\r\n");
    cr_expect_str_eq(ct_run("RPUSH l t"), ":5\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*5\r\n$1\r\nh\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nt\r\n");
    cr_expect_str_eq(ct_run("LINDEX l 2"), "$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("LPOS l t"), ":4\r\n");
}

Test(list, ltrim_keeps_the_range_and_deletes_when_empty)
{
    ct_run("RPUSH l a b c d e");
    cr_expect_str_eq(ct_run("LTRIM l 1 -2"), "+OK\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_run("LTRIM l -100 100"), "+OK\r\n");
    cr_expect_str_eq(ct_run("LLEN l"), ":3\r\n");
    cr_expect_str_eq(ct_run("LTRIM l 0 9223372036854775807"), "+OK\r\n");
    cr_expect_str_eq(ct_run("LLEN l"), ":3\r\n");
    cr_expect_str_eq(ct_run("LTRIM l -1 -1"), "+OK\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*1\r\n$1\r\nd\r\n");
    cr_expect_str_eq(ct_run("LTRIM l 5 1"), "+OK\r\n");
    cr_expect_str_eq(ct_run("EXISTS l"), ":0\r\n");
    cr_expect_str_eq(ct_run("LTRIM nokey 0 1"), "+OK\r\n");
    cr_expect_str_eq(ct_run("LTRIM l 0 x"), NOTINT);
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
}

Test(list, lpos_finds_matches_with_rank_count_and_maxlen)
{
    ct_run("RPUSH l a b c a b c a");
    cr_expect_str_eq(ct_run("LPOS l a"), ":0\r\n");
    cr_expect_str_eq(ct_run("LPOS l c"), ":2\r\n");
    cr_expect_str_eq(ct_run("LPOS l z"), "$-1\r\n");
    cr_expect_str_eq(ct_run("LPOS l a RANK 2"), ":3\r\n");
    cr_expect_str_eq(ct_run("LPOS l a RANK -1"), ":6\r\n");
    cr_expect_str_eq(ct_run("LPOS l a RANK -3"), ":0\r\n");
    cr_expect_str_eq(ct_run("LPOS l a RANK 4"), "$-1\r\n");
    cr_expect_str_eq(ct_run("LPOS l a COUNT 0"), "*3\r\n:0\r\n:3\r\n:6\r\n");
    cr_expect_str_eq(ct_run("LPOS l a COUNT 2"), "*2\r\n:0\r\n:3\r\n");
    cr_expect_str_eq(ct_run("LPOS l a COUNT 0 RANK -1"), "*3\r\n:6\r\n:3\r\n:0\r\n");
    cr_expect_str_eq(ct_run("LPOS l z COUNT 0"), "*0\r\n");
    cr_expect_str_eq(ct_run("LPOS l a RANK 2 MAXLEN 3"), "$-1\r\n");
    cr_expect_str_eq(ct_run("LPOS l a RANK 2 MAXLEN 4"), ":3\r\n");
    cr_expect_str_eq(ct_run("LPOS l a COUNT 0 MAXLEN 1 RANK -1"), "*1\r\n:6\r\n");
    cr_expect_str_eq(ct_run("LPOS l a RANK -9223372036854775808"), ":6\r\n");
    cr_expect_str_eq(ct_run("LPOS nokey a"), "$-1\r\n");
    cr_expect_str_eq(ct_run("LPOS nokey a COUNT 1"), "*0\r\n");
}

Test(list, lpos_option_errors)
{
    ct_run("RPUSH l a");
    cr_expect_str_eq(ct_run("LPOS l a RANK 0"),
                     "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n");
    cr_expect_str_eq(ct_run("LPOS l a COUNT -1"), "-ERR COUNT can't be negative\r\n");
    cr_expect_str_eq(ct_run("LPOS l a MAXLEN -1"), "-ERR MAXLEN can't be negative\r\n");
    cr_expect_str_eq(ct_run("LPOS l a RANK x"), NOTINT);
    cr_expect_str_eq(ct_run("LPOS l a FOO 1"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("LPOS l a RANK"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("LPOS nokey a RANK 0"),
                     "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n");
}

Test(list, lmove_moves_between_ends_and_lists)
{
    ct_run("RPUSH src a b c");
    cr_expect_str_eq(ct_run("LMOVE src dst LEFT RIGHT"), "$1\r\na\r\n");
    cr_expect_str_eq(ct_run("LMOVE src dst right left"), "$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("LRANGE dst 0 -1"), "*2\r\n$1\r\nc\r\n$1\r\na\r\n");
    cr_expect_str_eq(ct_run("RPOPLPUSH src dst"), "$1\r\nb\r\n");
    cr_expect_str_eq(ct_run("EXISTS src"), ":0\r\n");
    cr_expect_str_eq(ct_run("LRANGE dst 0 -1"), "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n");
    cr_expect_str_eq(ct_run("LMOVE src dst LEFT LEFT"), "$-1\r\n");
    cr_expect_str_eq(ct_run("RPOPLPUSH src dst"), "$-1\r\n");
    cr_expect_str_eq(ct_run("LMOVE dst dst UP LEFT"), "-ERR syntax error\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
}

Test(list, lmove_onto_the_same_list_rotates)
{
    ct_run("RPUSH l a b c");
    cr_expect_str_eq(ct_run("RPOPLPUSH l l"), "$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("LMOVE l l LEFT RIGHT"), "$1\r\nc\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    ct_run("RPUSH one x");
    cr_expect_str_eq(ct_run("LMOVE one one LEFT LEFT"), "$1\r\nx\r\n");
    cr_expect_str_eq(ct_run("LRANGE one 0 -1"), "*1\r\n$1\r\nx\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":2\r\n");
}

Test(list, lmove_checks_the_destination_type_before_popping)
{
    ct_run("RPUSH l a");
    ct_run("SET s v");
    cr_expect_str_eq(ct_run("LMOVE l s LEFT LEFT"), WRONGTYPE);
    cr_expect_str_eq(ct_run("RPOPLPUSH l s"), WRONGTYPE);
    cr_expect_str_eq(ct_run("LLEN l"), ":1\r\n");
    cr_expect_str_eq(ct_run("LMOVE nokey s LEFT LEFT"), "$-1\r\n");
}

Test(list, an_expired_list_is_gone_and_recreated_fresh)
{
    ct_run("RPUSH l a b");
    if (ct_run("PEXPIRE l 100")[0] == '-')
        cr_skip_test("PEXPIRE is not implemented yet");
    ct_now += 100;
    cr_expect_str_eq(ct_run("LLEN l"), ":0\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*0\r\n");
    cr_expect_str_eq(ct_run("LPUSHX l z"), ":0\r\n");
    cr_expect_str_eq(ct_run("RPUSH l c"), ":1\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*1\r\n$1\r\nc\r\n");
}

Test(list, binary_elements_round_trip)
{
    const char *argv[] = {"RPUSH", "l", "a\0b", ""};
    size_t len[] = {5, 1, 3, 0};
    cr_expect_str_eq(ct_runv(4, argv, len), ":2\r\n");
    const char *r = ct_run("LRANGE l 0 -1");
    cr_expect_eq(ct_reply_len(), 19u);
    cr_expect_eq(memcmp(r, "*2\r\n$3\r\na\0b\r\n$0\r\n\r\n", 19), 0);
    cr_expect_str_eq(ct_run("LPOS l \"\""), ":1\r\n");
}

Test(list, a_multi_exec_entry_sees_its_own_list_writes)
{
    cr_expect_str_eq(ct_exec("RPUSH l a b", "LPOP l", "RPUSH l c", "LRANGE l 0 -1", "DEL l", "RPUSH l z", "LLEN l", NULL),
                     "*7\r\n:2\r\n$1\r\na\r\n:2\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n:1\r\n:1\r\n:1\r\n");
    cr_expect_str_eq(ct_run("LRANGE l 0 -1"), "*1\r\n$1\r\nz\r\n");
}

/* Many elements pushed at both ends (f99..f0 e0..e99), then edited in the
 * middle: positions stay exact. */
Test(list, long_list_matches_a_model)
{
    char cmd[64];
    for (int i = 0; i < 100; i++) {
        snprintf(cmd, sizeof cmd, "RPUSH l e%d", i);
        ct_run(cmd);
        snprintf(cmd, sizeof cmd, "LPUSH l f%d", i);
        ct_run(cmd);
    }
    /* Insert near the tail and near the head, and delete from the middle. */
    cr_expect_str_eq(ct_run("LINSERT l AFTER e90 m1"), ":201\r\n");
    cr_expect_str_eq(ct_run("LINSERT l BEFORE f90 m2"), ":202\r\n");
    cr_expect_str_eq(ct_run("LREM l 0 e50"), ":1\r\n");
    cr_expect_str_eq(ct_run("LINDEX l 9"), "$2\r\nm2\r\n");
    cr_expect_str_eq(ct_run("LINDEX l 10"), "$3\r\nf90\r\n");
    cr_expect_str_eq(ct_run("LINDEX l 150"), "$3\r\ne49\r\n");
    cr_expect_str_eq(ct_run("LINDEX l 151"), "$3\r\ne51\r\n");
    cr_expect_str_eq(ct_run("LPOS l m1"), ":191\r\n");
    cr_expect_str_eq(ct_run("LINDEX l -1"), "$3\r\ne99\r\n");
    cr_expect_str_eq(ct_run("LINDEX l 0"), "$3\r\nf99\r\n");
    cr_expect_str_eq(ct_run("LLEN l"), ":201\r\n");
}

/* ------------------------------------------------------------ model check */

typedef struct model {
    char el[512];
    int n;
} model;

static uint64_t rng_state;
static int rnd(int n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (int)((rng_state >> 33) % (uint64_t)n);
}

static void model_insert(model *m, int pos, char c)
{
    memmove(m->el + pos + 1, m->el + pos, (size_t)(m->n - pos));
    m->el[pos] = c;
    m->n++;
}

static void model_remove(model *m, int pos)
{
    memmove(m->el + pos, m->el + pos + 1, (size_t)(m->n - pos - 1));
    m->n--;
}

static void expect_list(const model *m, const char *after)
{
    static char want[8192];
    int off = snprintf(want, sizeof want, "*%d\r\n", m->n);
    for (int i = 0; i < m->n; i++)
        off += snprintf(want + off, sizeof want - (size_t)off, "$1\r\n%c\r\n", m->el[i]);
    cr_assert_str_eq(ct_run("LRANGE l 0 -1"), want, "after %s", after);
    snprintf(want, sizeof want, ":%d\r\n", m->n);
    cr_assert_str_eq(ct_run("LLEN l"), want, "after %s", after);
    cr_assert_str_eq(ct_run("DBSIZE"), m->n ? ":1\r\n" : ":0\r\n", "after %s", after);
}

static void random_edits(uint64_t seed);

/* Random pushes, pops, inserts, removals, sets and trims against an array. */
Test(list, random_edits_match_a_model)
{
    static const uint64_t seeds[] = {12345, 777, 4242};
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        ct_run("DEL l");
        random_edits(seeds[k]);
    }
}

static void random_edits(uint64_t seed)
{
    model m = {.n = 0};
    rng_state = seed;
    char cmd[64], want[64];
    for (int step = 0; step < 500; step++) {
        char x = (char)('a' + rnd(4));
        int op = rnd(m.n < 8 ? 4 : 11);
        if (op <= 1) {
            snprintf(cmd, sizeof cmd, "%s l %c", op ? "RPUSH" : "LPUSH", x);
            model_insert(&m, op ? m.n : 0, x);
            snprintf(want, sizeof want, ":%d\r\n", m.n);
        } else if (op == 2) {
            char p = (char)('a' + rnd(5));
            bool after = rnd(2);
            snprintf(cmd, sizeof cmd, "LINSERT l %s %c %c", after ? "AFTER" : "BEFORE", p, x);
            const char *hit = m.n ? memchr(m.el, p, (size_t)m.n) : NULL;
            if (m.n == 0) {
                snprintf(want, sizeof want, ":0\r\n");
            } else if (!hit) {
                snprintf(want, sizeof want, ":-1\r\n");
            } else {
                model_insert(&m, (int)(hit - m.el) + after, x);
                snprintf(want, sizeof want, ":%d\r\n", m.n);
            }
        } else if (op == 3 || op == 4) {
            snprintf(cmd, sizeof cmd, "%s l", op == 3 ? "LPOP" : "RPOP");
            if (m.n == 0) {
                snprintf(want, sizeof want, "$-1\r\n");
            } else {
                int pos = op == 3 ? 0 : m.n - 1;
                snprintf(want, sizeof want, "$1\r\n%c\r\n", m.el[pos]);
                model_remove(&m, pos);
            }
        } else if (op <= 6) {
            int count = rnd(5) - 2;
            snprintf(cmd, sizeof cmd, "LREM l %d %c", count, x);
            int removed = 0, limit = count == 0 ? m.n : abs(count);
            if (count >= 0) {
                for (int i = 0; i < m.n && removed < limit;)
                    if (m.el[i] == x) {
                        model_remove(&m, i);
                        removed++;
                    } else {
                        i++;
                    }
            } else {
                for (int i = m.n - 1; i >= 0 && removed < limit; i--)
                    if (m.el[i] == x) {
                        model_remove(&m, i);
                        removed++;
                    }
            }
            snprintf(want, sizeof want, ":%d\r\n", removed);
        } else if (op == 7) {
            int i = rnd(2 * m.n + 2) - m.n - 1;
            snprintf(cmd, sizeof cmd, "LSET l %d %c", i, x);
            int pos = i < 0 ? i + m.n : i;
            if (pos < 0 || pos >= m.n) {
                snprintf(want, sizeof want, "-ERR index out of range\r\n");
            } else {
                m.el[pos] = x;
                snprintf(want, sizeof want, "+OK\r\n");
            }
        } else if (op == 8) {
            int i = rnd(2 * m.n + 2) - m.n - 1;
            snprintf(cmd, sizeof cmd, "LINDEX l %d", i);
            int pos = i < 0 ? i + m.n : i;
            if (pos < 0 || pos >= m.n)
                snprintf(want, sizeof want, "$-1\r\n");
            else
                snprintf(want, sizeof want, "$1\r\n%c\r\n", m.el[pos]);
        } else {
            /* Trims that mostly keep a good part of the list. */
            int s = rnd(3) - 1, e = m.n - rnd(4);
            if (rnd(10) == 0)
                e = -rnd(3) - 1;
            snprintf(cmd, sizeof cmd, "LTRIM l %d %d", s, e);
            int start = s < 0 ? s + m.n : s, end = e < 0 ? e + m.n : e;
            if (start < 0)
                start = 0;
            if (start > end || start >= m.n) {
                m.n = 0;
            } else {
                if (end >= m.n)
                    end = m.n - 1;
                memmove(m.el, m.el + start, (size_t)(end - start + 1));
                m.n = end - start + 1;
            }
            snprintf(want, sizeof want, "+OK\r\n");
        }
        cr_assert_str_eq(ct_run(cmd), want, "seed %llu step %d: %s", (unsigned long long)seed, step, cmd);
        expect_list(&m, cmd);
        cr_assert_lt(m.n, 500);
    }
}

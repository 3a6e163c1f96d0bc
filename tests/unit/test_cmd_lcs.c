/* LCS: the subsequence, LEN, IDX with MINMATCHLEN and WITHMATCHLEN, as redis-server 7.0 replies. */
#include <criterion/criterion.h>
#include <string.h>

#include "cmdtest.h"

TestSuite(lcs, .init = ct_setup, .fini = ct_teardown);

#define EXPECT CT_EXPECT

Test(lcs, lcs_replies_the_subsequence_its_length_or_its_ranges)
{
    EXPECT("MSET key1 ohmytext key2 mynewtext", "+OK\r\n");
    EXPECT("LCS key1 key2", "$6\r\nmytext\r\n");
    EXPECT("LCS key1 key2 LEN", ":6\r\n");
    EXPECT("LCS key1 key2 IDX", "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
    EXPECT("LCS key1 key2 IDX MINMATCHLEN 4", "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n");
    EXPECT("LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN", "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n");
    EXPECT("LCS key1 key2 IDX WITHMATCHLEN MINMATCHLEN -5", "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n");
    EXPECT("LCS key1 missing", "$0\r\n\r\n");
    EXPECT("LCS missing key1 IDX", "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
    EXPECT("LCS missing other LEN", ":0\r\n");
    EXPECT("SET a abcabcabc", "+OK\r\n");
    EXPECT("SET b cbacbaxabc", "+OK\r\n");
    EXPECT("LCS a b", "$6\r\ncbcabc\r\n");
    EXPECT("LCS a b IDX WITHMATCHLEN", "*4\r\n$7\r\nmatches\r\n*4\r\n*3\r\n*2\r\n:6\r\n:8\r\n*2\r\n:7\r\n:9\r\n:3\r\n*3\r\n*2\r\n:5\r\n:5\r\n*2\r\n:3\r\n:3\r\n:1\r\n*3\r\n*2\r\n:4\r\n:4\r\n*2\r\n:1\r\n:1\r\n:1\r\n*3\r\n*2\r\n:2\r\n:2\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
    EXPECT("LCS b a IDX", "*4\r\n$7\r\nmatches\r\n*4\r\n*2\r\n*2\r\n:7\r\n:9\r\n*2\r\n:6\r\n:8\r\n*2\r\n*2\r\n:5\r\n:5\r\n*2\r\n:3\r\n:3\r\n*2\r\n*2\r\n:4\r\n:4\r\n*2\r\n:1\r\n:1\r\n*2\r\n*2\r\n:2\r\n:2\r\n*2\r\n:0\r\n:0\r\n$3\r\nlen\r\n:6\r\n");
}

Test(lcs, lcs_refuses_bad_options_and_non_strings)
{
    EXPECT("MSET key1 ohmytext key2 mynewtext", "+OK\r\n");
    EXPECT("LCS key1 key2 LEN IDX", "-ERR If you want both the length and indexes, please just use IDX.\r\n");
    EXPECT("LCS key1 key2 FOO", "-ERR syntax error\r\n");
    EXPECT("LCS key1 key2 MINMATCHLEN", "-ERR syntax error\r\n");
    EXPECT("LCS key1 key2 MINMATCHLEN x", "-ERR value is not an integer or out of range\r\n");
    EXPECT("LPUSH l x", ":1\r\n");
    EXPECT("LCS key1 l", "-ERR The specified keys must contain string values\r\n");
    EXPECT("LCS l key1 FOO", "-ERR The specified keys must contain string values\r\n");
    EXPECT("LCS key1", "-ERR wrong number of arguments for 'lcs' command\r\n");
}

Test(lcs, a_table_over_512mb_is_refused_before_it_is_built)
{
    /* 12,000 x 12,000 cells of 4 bytes: 576 MB. */
    EXPECT("SETRANGE a 11999 x", ":12000\r\n");
    EXPECT("SETRANGE b 11999 y", ":12000\r\n");
    EXPECT("LCS a b LEN", "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n");
}

/* HyperLogLog commands (PFADD PFCOUNT PFMERGE): replies and bytes as redis-server 7.0 gives them. */
#include <criterion/criterion.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/hll.h"

TestSuite(hll, .init = ct_setup, .fini = ct_teardown);

#define EXPECT CT_EXPECT

Test(hll, pfadd_creates_and_reports_changes)
{
    EXPECT("PFADD h a b c", ":1\r\n");
    EXPECT("PFADD h a b c", ":0\r\n");
    EXPECT("PFADD h", ":0\r\n");
    EXPECT("PFADD e", ":1\r\n");
    EXPECT("GET h", "$27\r\nHYLL\x01""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x80""`\xf3""\x80""P\xb1""\x84""K\xfb""\x80""BZ\r\n");
    EXPECT("PFCOUNT e", ":0\r\n");
    EXPECT("PFCOUNT h", ":3\r\n");
    EXPECT("STRLEN h", ":27\r\n");
    EXPECT("GETRANGE h 0 4", "$5\r\nHYLL\x01\r\n");
    EXPECT("PFADD h d", ":1\r\n");
    EXPECT("PFCOUNT h", ":4\r\n");
    EXPECT("GETRANGE h 16 -1", "$14\r\n\\{\x80""Dv\x80""P\xb1""\x84""K\xfb""\x80""BZ\r\n");
    EXPECT("TYPE h", "+string\r\n");
}

Test(hll, pfcount_of_several_keys_is_the_union)
{
    EXPECT("PFADD a 1 2 3 4 5", ":1\r\n");
    EXPECT("PFADD b 4 5 6 7", ":1\r\n");
    EXPECT("PFCOUNT a b", ":7\r\n");
    EXPECT("PFCOUNT a b missing", ":7\r\n");
    EXPECT("PFCOUNT missing", ":0\r\n");
    EXPECT("PFCOUNT missing other", ":0\r\n");
}

Test(hll, values_that_are_not_hlls_are_refused)
{
    EXPECT("SET s hello", "+OK\r\n");
    EXPECT("PFADD s x", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
    EXPECT("PFCOUNT s", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
    EXPECT("PFCOUNT s missing", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
    EXPECT("PFMERGE d s", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
    EXPECT("SET n 12345678901234567890", "+OK\r\n");
    EXPECT("PFCOUNT n", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
    EXPECT("LPUSH l x", ":1\r\n");
    EXPECT("PFADD l x", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT("PFCOUNT l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT("PFMERGE l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT("SET bad \"HYLL\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\"", "+OK\r\n");
    EXPECT("PFCOUNT bad", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
    EXPECT("SET dn \"HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00xx\"", "+OK\r\n");
    EXPECT("PFCOUNT dn", "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n");
    EXPECT("SET sp \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xfe\"", "+OK\r\n");
    EXPECT("PFCOUNT sp", "-INVALIDOBJ Corrupted HLL object detected\r\n");
    EXPECT("PFADD sp a", ":1\r\n");
    EXPECT("PFMERGE x sp", "-INVALIDOBJ Corrupted HLL object detected\r\n");
    EXPECT("SET sp2 \"HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\\xff\"", "+OK\r\n");
    EXPECT("PFCOUNT sp2", "-INVALIDOBJ Corrupted HLL object detected\r\n");
    EXPECT("PFADD wrong", ":1\r\n");
    EXPECT("PFCOUNT", "-ERR wrong number of arguments for 'pfcount' command\r\n");
}

Test(hll, pfmerge_unions_into_the_destination)
{
    EXPECT("PFADD a x y z", ":1\r\n");
    EXPECT("PFADD b z w", ":1\r\n");
    EXPECT("PFMERGE d a b", "+OK\r\n");
    EXPECT("GET d", "$29\r\nHYLL\x01""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x80""PG\x84""Q;\x80""X\xcd""\x88""E\xa0""\x84""\x08\r\n");
    EXPECT("PFCOUNT d", ":4\r\n");
    EXPECT("PFMERGE d", "+OK\r\n");
    EXPECT("PFCOUNT d", ":4\r\n");
    EXPECT("PFMERGE e2", "+OK\r\n");
    EXPECT("EXISTS e2", ":1\r\n");
    EXPECT("GET e2", "$18\r\nHYLL\x01""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x00""\x80""\x7f""\xff\r\n");
    EXPECT("PFMERGE a b", "+OK\r\n");
    EXPECT("PFCOUNT a", ":4\r\n");
    EXPECT("PFADD t q", ":1\r\n");
    EXPECT("PEXPIRE t 100000", ":1\r\n");
    EXPECT("PFADD t r", ":1\r\n");
    EXPECT("PFMERGE t a", "+OK\r\n");
    EXPECT("TTL t", ":100\r\n");
}


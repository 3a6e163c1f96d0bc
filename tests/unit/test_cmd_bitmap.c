/* Bitmap commands (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO), replies as redis-server 7.0 gives them. */
#include <criterion/criterion.h>
#include <string.h>

#include "cmdtest.h"

TestSuite(bitmap, .init = ct_setup, .fini = ct_teardown);

#define EXPECT CT_EXPECT

Test(bitmap, setbit_and_getbit_read_back_and_grow_the_string)
{
    EXPECT("SETBIT b 7 1", ":0\r\n");
    EXPECT("SETBIT b 7 1", ":1\r\n");
    EXPECT("SETBIT b 7 0", ":1\r\n");
    EXPECT("GETBIT b 7", ":0\r\n");
    EXPECT("GETBIT b 100", ":0\r\n");
    EXPECT("GET b", "$1\r\n\x00\r\n");
    EXPECT("SETBIT b 20 1", ":0\r\n");
    EXPECT("GET b", "$3\r\n\x00""\x00""\x08\r\n");
    EXPECT("GETBIT missing 3", ":0\r\n");
}

Test(bitmap, bad_offsets_and_bits_are_refused_before_the_key_is_read)
{
    EXPECT("SETBIT b -1 1", "-ERR bit offset is not an integer or out of range\r\n");
    EXPECT("SETBIT b 4294967296 1", "-ERR bit offset is not an integer or out of range\r\n");
    EXPECT("SETBIT b x 1", "-ERR bit offset is not an integer or out of range\r\n");
    EXPECT("SETBIT b 1 2", "-ERR bit is not an integer or out of range\r\n");
    EXPECT("SETBIT b 1 -1", "-ERR bit is not an integer or out of range\r\n");
    EXPECT("GETBIT b 4294967296", "-ERR bit offset is not an integer or out of range\r\n");
    EXPECT("EXISTS b", ":0\r\n");
    EXPECT("LPUSH l a", ":1\r\n");
    EXPECT("SETBIT l 0 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT("GETBIT l 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT("BITCOUNT l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT("BITPOS l 1", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT("BITFIELD l GET u8 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    EXPECT("BITFIELD_RO l GET u8 0", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

Test(bitmap, a_bit_at_the_largest_offset_makes_a_512mb_string_that_reads_right)
{
    EXPECT("SETBIT b 4294967295 1", ":0\r\n");
    EXPECT("STRLEN b", ":536870912\r\n");
    EXPECT("GETBIT b 4294967295", ":1\r\n");
    EXPECT("GETBIT b 4294967294", ":0\r\n");
    EXPECT("BITCOUNT b", ":1\r\n");
    EXPECT("BITCOUNT b -1 -1", ":1\r\n");
    EXPECT("BITCOUNT b 0 -1 BIT", ":1\r\n");
    EXPECT("BITPOS b 1", ":4294967295\r\n");
    EXPECT("BITPOS b 0", ":0\r\n");
    EXPECT("BITPOS b 1 2", ":4294967295\r\n");
    EXPECT("BITPOS b 0 536870911 -1", ":4294967288\r\n");
    EXPECT("BITPOS b 0 -1 -1", ":4294967288\r\n");
    EXPECT("GETRANGE b 536870910 -1", "$2\r\n\x00""\x01\r\n");
    EXPECT("GETRANGE b 0 3", "$4\r\n\x00""\x00""\x00""\x00\r\n");
    EXPECT("SETRANGE b 536870908 ab", ":536870912\r\n");
    EXPECT("GETRANGE b 536870907 -1", "$5\r\n\x00""ab\x00""\x01\r\n");
    EXPECT("APPEND b xy", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
    EXPECT("STRLEN b", ":536870912\r\n");
    EXPECT("GETRANGE b -4 -1", "$4\r\nab\x00""\x01\r\n");
    EXPECT("SETBIT b 4294967295 0", ":1\r\n");
    EXPECT("STRLEN b", ":536870912\r\n");
    EXPECT("BITCOUNT b", ":6\r\n");
    EXPECT("SETBIT b 100000 1", ":0\r\n");
    EXPECT("BITPOS b 1", ":100000\r\n");
    EXPECT("BITPOS b 1 12501", ":4294967265\r\n");
}

Test(bitmap, bitcount_counts_bytes_or_bits_in_a_range)
{
    EXPECT("SET s foobar", "+OK\r\n");
    EXPECT("BITCOUNT s", ":26\r\n");
    EXPECT("BITCOUNT s 1 1", ":6\r\n");
    EXPECT("BITCOUNT s 5 30 BIT", ":17\r\n");
    EXPECT("BITCOUNT s -2 -1", ":7\r\n");
    EXPECT("BITCOUNT s -2 -1 BIT", ":1\r\n");
    EXPECT("BITCOUNT s 3 1", ":0\r\n");
    EXPECT("BITCOUNT s -1 -3", ":0\r\n");
    EXPECT("BITCOUNT s 0 100", ":26\r\n");
    EXPECT("BITCOUNT s 1 2 x", "-ERR syntax error\r\n");
    EXPECT("BITCOUNT s 1", "-ERR syntax error\r\n");
    EXPECT("BITCOUNT s a 1", "-ERR value is not an integer or out of range\r\n");
    EXPECT("BITCOUNT missing 0 1", ":0\r\n");
    EXPECT("BITCOUNT missing", ":0\r\n");
}

Test(bitmap, bitpos_finds_the_first_bit_in_a_range)
{
    EXPECT("SET s foobar", "+OK\r\n");
    EXPECT("BITPOS s 0 2 -1 BIT", ":3\r\n");
    EXPECT("BITPOS s 1 2", ":17\r\n");
    EXPECT("BITPOS s 1 7 15 BIT", ":9\r\n");
    EXPECT("BITPOS s 2", "-ERR The bit argument must be 1 or 0.\r\n");
    EXPECT("BITPOS s 1 2 x y", "-ERR syntax error\r\n");
    EXPECT("SET f \"\\xff\\xf0\\x00\"", "+OK\r\n");
    EXPECT("BITPOS f 0", ":12\r\n");
    EXPECT("BITPOS f 1 2 -1 BYTE", ":-1\r\n");
    EXPECT("BITPOS f 0 0 0", ":-1\r\n");
    EXPECT("SET g \"\\xff\\xff\\xff\"", "+OK\r\n");
    EXPECT("BITPOS g 0", ":24\r\n");
    EXPECT("BITPOS g 0 0", ":24\r\n");
    EXPECT("BITPOS g 0 0 -1", ":-1\r\n");
    EXPECT("BITPOS g 0 1 10 BIT", ":-1\r\n");
    EXPECT("SET z \"\\x00\\x00\"", "+OK\r\n");
    EXPECT("BITPOS z 1", ":-1\r\n");
    EXPECT("BITPOS z 1 0 -1 BIT", ":-1\r\n");
    EXPECT("BITPOS missing 1", ":-1\r\n");
    EXPECT("BITPOS missing 0", ":0\r\n");
    EXPECT("BITPOS g 1 5 2", ":-1\r\n");
}

Test(bitmap, bitop_combines_sources_padded_with_zeros)
{
    EXPECT("SET a abc", "+OK\r\n");
    EXPECT("SET c xyz12", "+OK\r\n");
    EXPECT("BITOP AND d a c", ":5\r\n");
    EXPECT("GET d", "$5\r\n``b\x00""\x00\r\n");
    EXPECT("BITOP OR d a c", ":5\r\n");
    EXPECT("GET d", "$5\r\ny{{12\r\n");
    EXPECT("BITOP XOR d a c missing", ":5\r\n");
    EXPECT("GET d", "$5\r\n\x19""\x1b""\x19""12\r\n");
    EXPECT("BITOP NOT d a", ":3\r\n");
    EXPECT("GET d", "$3\r\n\x9e""\x9d""\x9c\r\n");
    EXPECT("BITOP NOT d a c", "-ERR BITOP NOT must be called with a single source key.\r\n");
    EXPECT("BITOP FOO d a", "-ERR syntax error\r\n");
    EXPECT("SET d x PX 100000", "+OK\r\n");
    EXPECT("BITOP OR d a", ":3\r\n");
    EXPECT("TTL d", ":-1\r\n");
    EXPECT("BITOP AND d m1 m2", ":0\r\n");
    EXPECT("EXISTS d", ":0\r\n");
    EXPECT("LPUSH l x", ":1\r\n");
    EXPECT("BITOP OR d a l", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

Test(bitmap, bitfield_gets_sets_and_increments_fields_with_overflow_modes)
{
    EXPECT("BITFIELD bf SET i8 0 100 INCRBY i8 0 100 GET u4 0", "*3\r\n:0\r\n:-56\r\n:12\r\n");
    EXPECT("BITFIELD bf OVERFLOW SAT INCRBY i8 0 100 OVERFLOW FAIL INCRBY i8 0 1 GET i8 0", "*3\r\n:44\r\n:45\r\n:45\r\n");
    EXPECT("BITFIELD bf SET u8 #1 255 GET u8 8 INCRBY u2 100 1 OVERFLOW WRAP INCRBY u2 100 3", "*4\r\n:0\r\n:255\r\n:1\r\n:0\r\n");
    EXPECT("BITFIELD bf GET i64 0", "*1\r\n:3314367850767974400\r\n");
    EXPECT("BITFIELD bf OVERFLOW SAT INCRBY u8 8 10 INCRBY i16 24 -40000 INCRBY u63 #2 9223372036854775807 INCRBY u63 #2 1", "*4\r\n:255\r\n:-32768\r\n:9223372036854775807\r\n:9223372036854775807\r\n");
    EXPECT("BITFIELD bf OVERFLOW FAIL INCRBY u8 8 10 INCRBY i3 4 -5 GET i3 4 SET i1 0 -1", "*4\r\n$-1\r\n$-1\r\n:-2\r\n:0\r\n");
    EXPECT("STRLEN bf", ":24\r\n");
    EXPECT("BITFIELD bf", "*0\r\n");
    EXPECT("BITFIELD bf OVERFLOW WRAP SET i64 7 -1 GET i64 7 INCRBY i64 7 -9223372036854775807 INCRBY i64 7 -9223372036854775807", "*4\r\n:-35958428274786304\r\n:-1\r\n:-9223372036854775808\r\n:1\r\n");
    EXPECT("BITFIELD bf GET u1 0 GET i1 0 GET u63 1", "*3\r\n:1\r\n:-1\r\n:3170534137668829184\r\n");
    EXPECT("BITFIELD_RO bf GET i5 3 GET u16 #3", "*2\r\n:12\r\n:0\r\n");
    EXPECT("BITFIELD nw OVERFLOW FAIL INCRBY u8 100 300", "*1\r\n$-1\r\n");
    EXPECT("STRLEN nw", ":14\r\n");
    EXPECT("BITFIELD nr GET u8 100", "*1\r\n:0\r\n");
    EXPECT("EXISTS nr", ":0\r\n");
}

Test(bitmap, bitfield_refuses_bad_operations_with_redis_words)
{
    EXPECT("BITFIELD bf GET u64 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n");
    EXPECT("BITFIELD bf GET i65 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n");
    EXPECT("BITFIELD bf GET i0 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n");
    EXPECT("BITFIELD bf GET x8 0", "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n");
    EXPECT("BITFIELD bf OVERFLOW XX", "-ERR Invalid OVERFLOW type specified\r\n");
    EXPECT("BITFIELD bf SET i8 0", "-ERR syntax error\r\n");
    EXPECT("BITFIELD bf FOO", "-ERR syntax error\r\n");
    EXPECT("BITFIELD bf GET i8 -1", "-ERR bit offset is not an integer or out of range\r\n");
    EXPECT("BITFIELD bf GET i8 #-1", "-ERR bit offset is not an integer or out of range\r\n");
    EXPECT("BITFIELD bf GET i8 4294967296", "-ERR bit offset is not an integer or out of range\r\n");
    EXPECT("BITFIELD bf SET i8 0 foo", "-ERR value is not an integer or out of range\r\n");
    EXPECT("BITFIELD bf INCRBY i8 0 1 GET", "-ERR syntax error\r\n");
    EXPECT("BITFIELD_RO bf GET u8 0 SET u8 0 1", "-ERR BITFIELD_RO only supports the GET subcommand\r\n");
    EXPECT("BITFIELD_RO bf OVERFLOW SAT GET u8 0", "*1\r\n:0\r\n");
    EXPECT("EXISTS bf", ":0\r\n");
}


/* DUMP and RESTORE of strings in Redis 7.0's RDB value format: payloads and replies as redis-server 7.0.15 gives them. */
#include <criterion/criterion.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/rdb.h"

TestSuite(dump, .init = ct_setup, .fini = ct_teardown);

#define EXPECT CT_EXPECT

Test(dump, crc64_is_redis_crc64)
{
    cr_expect_eq(ss_crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
}

Test(dump, collections_are_refused_until_they_are_encoded)
{
    EXPECT("RPUSH l a", ":1\r\n");
    EXPECT("DUMP l", "-ERR DUMP of a list value is not supported yet\r\n");
    EXPECT("XADD st 1-1 f v", "$3\r\n1-1\r\n");
    EXPECT("DUMP st", "-ERR DUMP of a stream value is not supported yet\r\n");
    /* Redis 7.0's DUMP of that list (a quicklist of one listpack). */
    EXPECT("RESTORE l2 0 \"\\x12\\x01\\x02\\x0a\\x0a\\x00\\x00\\x00\\x01\\x00\\x81\\x61\\x02\\xff\\x0a\\x00\\x09\\xb9\\xed\\xf5\\x94\\xde\\xd9\\x95\"",
           "-ERR RESTORE of RDB object type 18 is not supported yet\r\n");
    EXPECT("EXISTS l2", ":0\r\n");
}

Test(dump, a_dumped_string_restores_whole_whatever_its_size)
{
    /* Past the inline limit: the value is chunked and assembled. */
    EXPECT("SETRANGE big 20000 x", ":20001\r\n");
    const char *dump = ct_run("DUMP big");
    size_t n = ct_reply_len();
    cr_assert_gt(n, 20000);
    const char *body = strchr(dump, '\n') + 1;
    size_t plen = n - (size_t)(body - dump) - 2;
    char *payload = malloc(plen);
    memcpy(payload, body, plen);
    const char *argv[] = {"RESTORE", "copy", "0", payload};
    size_t lens[] = {7, 4, 1, plen};
    EXPECT("SET dummy 1", "+OK\r\n");
    cr_expect_str_eq(ct_runv(4, argv, lens), "+OK\r\n");
    free(payload);
    EXPECT("STRLEN copy", ":20001\r\n");
    EXPECT("GETRANGE copy 19999 -1", "$2\r\n\x00x\r\n");
}

Test(dump, dump_encodes_strings_as_redis_does)
{
    EXPECT("SET s hello", "+OK\r\n");
    EXPECT("DUMP s", "$17\r\n\x00""\x05""hello\n\x00""cr\xdf""ve4 \n\r\n");
    EXPECT("SET i 123", "+OK\r\n");
    EXPECT("DUMP i", "$13\r\n\x00""\xc0""{\n\x00""H\xe2""S\xe1""\x00""zg\xb9\r\n");
    EXPECT("SET n -5", "+OK\r\n");
    EXPECT("DUMP n", "$13\r\n\x00""\xc0""\xfb""\n\x00""I\xc4""\xc6""\xf4""\xd7""&?h\r\n");
    EXPECT("SET m 70000", "+OK\r\n");
    EXPECT("DUMP m", "$16\r\n\x00""\xc2""p\x11""\x01""\x00""\n\x00""\x01""\xa4""\x08""\xfe""\x95""0\x95""\xa5\r\n");
    EXPECT("SET big 12345678901", "+OK\r\n");
    EXPECT("DUMP big", "$23\r\n\x00""\x0b""12345678901\n\x00""0NR\xd7""'\x17""e\x10\r\n");
    EXPECT("SET z 007", "+OK\r\n");
    EXPECT("DUMP z", "$15\r\n\x00""\x03""007\n\x00""rX\xe2""{Li\xba""\xd9\r\n");
    EXPECT("SET e \"\"", "+OK\r\n");
    EXPECT("DUMP e", "$12\r\n\x00""\x00""\n\x00""]\x9b""\\@\x0f""\x7f""\xa2""\xda\r\n");
    EXPECT("DUMP missing", "$-1\r\n");
}

Test(dump, restore_takes_redis_payloads_raw_int_and_lzf)
{
    EXPECT("RESTORE a 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\"", "+OK\r\n");
    EXPECT("GET a", "$5\r\nhello\r\n");
    EXPECT("RESTORE a 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\"", "-BUSYKEY Target key name already exists.\r\n");
    EXPECT("RESTORE a 0 \"\\x00\\xc0\\x7b\\x0a\\x00\\x48\\xe2\\x53\\xe1\\x00\\x7a\\x67\\xb9\" REPLACE", "+OK\r\n");
    EXPECT("GET a", "$3\r\n123\r\n");
    EXPECT("RESTORE b 0 \"\\x00\\xc3\\x09\\x28\\x01\\x61\\x61\\xe0\\x1b\\x00\\x01\\x61\\x61\\x0a\\x00\\xcf\\x09\\x2f\\xaa\\xae\\x25\\x83\\x1d\"", "+OK\r\n");
    EXPECT("GET b", "$40\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    EXPECT("RESTORE m 0 \"\\x00\\xc3\\x11\\x2a\\x03\\x61\\x62\\x63\\x61\\xe0\\x11\\x02\\x02\\x78\\x79\\x7a\\xa0\\x02\\x01\\x79\\x7a\\x0a\\x00\\xdb\\xac\\x97\\x3d\\x08\\x35\\xa0\\x8d\"", "+OK\r\n");
    EXPECT("GET m", "$42\r\nabcabcabcabcabcabcabcabcabcabcxyzxyzxyzxyz\r\n");
    EXPECT("RESTORE d 100000 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\"", "+OK\r\n");
    EXPECT("TTL d", ":100\r\n");
    EXPECT("RESTORE a 1000 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\" REPLACE ABSTTL", "+OK\r\n");
    EXPECT("EXISTS a", ":0\r\n");
    EXPECT("RESTORE e 1000 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\" ABSTTL", "+OK\r\n");
    EXPECT("EXISTS e", ":0\r\n");
}

Test(dump, restore_refuses_bad_payloads_and_options_in_redis_order)
{
    EXPECT("SET k v", "+OK\r\n");
    EXPECT("RESTORE c 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0b\"", "-ERR DUMP payload version or checksum are wrong\r\n");
    EXPECT("RESTORE c 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0b\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\"", "-ERR DUMP payload version or checksum are wrong\r\n");
    EXPECT("RESTORE c 0 \"abc\"", "-ERR DUMP payload version or checksum are wrong\r\n");
    EXPECT("RESTORE c -1 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\"", "-ERR Invalid TTL value, must be >= 0\r\n");
    EXPECT("RESTORE k -1 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\"", "-BUSYKEY Target key name already exists.\r\n");
    EXPECT("RESTORE c x \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\"", "-ERR value is not an integer or out of range\r\n");
    EXPECT("RESTORE c 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\" FOO", "-ERR syntax error\r\n");
    EXPECT("RESTORE k 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\" FOO", "-ERR syntax error\r\n");
    EXPECT("RESTORE c 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\" IDLETIME -1", "-ERR Invalid IDLETIME value, must be >= 0\r\n");
    EXPECT("RESTORE c 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\" FREQ 256", "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n");
    EXPECT("RESTORE c 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\" FREQ 5 IDLETIME 5", "-ERR syntax error\r\n");
    EXPECT("RESTORE c 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\" IDLETIME 5", "+OK\r\n");
    EXPECT("GET c", "$5\r\nhello\r\n");
    EXPECT("RESTORE c 0 \"\\x00\\x05\\x68\\x65\\x6c\\x6c\\x6f\\x0a\\x00\\x63\\x72\\xdf\\x76\\x65\\x34\\x20\\x0a\" FREQ 5 REPLACE", "+OK\r\n");
    EXPECT("EXISTS c", ":1\r\n");
}


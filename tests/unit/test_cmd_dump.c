/* DUMP and RESTORE in Redis 7.0's RDB value format: payloads and replies as redis-server 7.0.15 gives them, and the collection loader (listpacks, intsets) on good and hostile payloads. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/rdb.h"

TestSuite(dump, .init = ct_setup, .fini = ct_teardown);

#define EXPECT CT_EXPECT

Test(dump, crc64_is_redis_crc64)
{
    cr_expect_eq(ss_crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
}

Test(dump, a_dumped_stream_restores_whole_and_redis_collections_restore)
{
    EXPECT("XADD st 1-1 f v", "$3\r\n1-1\r\n");
    EXPECT("XADD st 2-1 f 7 g x", "$3\r\n2-1\r\n");
    EXPECT("XGROUP CREATE st grp 0", "+OK\r\n");
    ct_run("XREADGROUP GROUP grp c1 COUNT 1 STREAMS st >");
    ct_run("XDEL st 1-1");
    /* sandstore's own payload (Redis 7.0's type 19) restores the same stream */
    const char *d = ct_run("DUMP st");
    cr_assert_eq(d[0], '$', "%s", d);
    size_t n = strtoul(d + 1, NULL, 10);
    const char *payload = strstr(d, "\r\n") + 2;
    cr_assert_eq((unsigned char)payload[0], SS_RDB_TYPE_STREAM_LISTPACKS_2);
    char *copy = malloc(n);
    memcpy(copy, payload, n);
    const char *argv[] = {"RESTORE", "st2", "0", copy};
    size_t lens[] = {7, 3, 1, n};
    cr_expect_str_eq(ct_runv(4, argv, lens), "+OK\r\n");
    free(copy);
    char want[2048];
    snprintf(want, sizeof want, "%s", ct_run("XINFO STREAM st FULL"));
    cr_expect_str_eq(ct_run("XINFO STREAM st2 FULL"), want);
    snprintf(want, sizeof want, "%s", ct_run("XPENDING st grp - + 10"));
    cr_expect_str_eq(ct_run("XPENDING st2 grp - + 10"), want);
    /* Redis 7.0's DUMP of RPUSH l a (a quicklist of one listpack). */
    EXPECT("RESTORE l2 0 \"\\x12\\x01\\x02\\x0a\\x0a\\x00\\x00\\x00\\x01\\x00\\x81\\x61\\x02\\xff\\x0a\\x00\\x09\\xb9\\xed\\xf5\\x94\\xde\\xd9\\x95\"",
           "+OK\r\n");
    EXPECT("LRANGE l2 0 -1", "*1\r\n$1\r\na\r\n");
    EXPECT("TYPE l2", "+list\r\n");
}

/* ------------------------------------------------ payloads built by hand */

typedef struct rdbpayload {
    unsigned char b[4096];
    size_t n;
} rdbpayload;

static void put(rdbpayload *p, const void *s, size_t n)
{
    cr_assert_leq(p->n + n, sizeof p->b);
    memcpy(p->b + p->n, s, n);
    p->n += n;
}

static void put_byte(rdbpayload *p, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(p, &c, 1);
}

/* The footer: RDB version 10, then the CRC-64 of everything before. */
static void seal(rdbpayload *p)
{
    put_byte(p, 10);
    put_byte(p, 0);
    uint64_t crc = ss_crc64(0, p->b, p->n);
    for (int i = 0; i < 8; i++)
        put_byte(p, (unsigned)(crc >> (8 * i)) & 0xff);
}

/* A listpack under construction: entries with their back-lengths. */
typedef struct lp {
    unsigned char b[2048];
    size_t n;
    unsigned count;
} lp;

static void lp_entry(lp *l, const unsigned char *e, size_t n)
{
    memcpy(l->b + 6 + l->n, e, n);
    l->n += n;
    /* The back-length of entries under 128 bytes is one byte. */
    cr_assert_lt(n, 128);
    l->b[6 + l->n++] = (unsigned char)n;
    l->count++;
}

static void lp_str(lp *l, const char *s)
{
    unsigned char e[128];
    size_t n = strlen(s);
    e[0] = (unsigned char)(0x80 | n); /* 6-bit string */
    memcpy(e + 1, s, n);
    lp_entry(l, e, n + 1);
}

/* Seals the listpack (header, 0xff) and writes it as an RDB string. */
static void lp_put(rdbpayload *p, lp *l, int declared)
{
    size_t total = 6 + l->n + 1;
    unsigned cnt = declared >= 0 ? (unsigned)declared : l->count;
    for (int i = 0; i < 4; i++)
        l->b[i] = (unsigned char)(total >> (8 * i));
    l->b[4] = (unsigned char)cnt;
    l->b[5] = (unsigned char)(cnt >> 8);
    l->b[total - 1] = 0xff;
    cr_assert_lt(total, 16384);
    put_byte(p, 0x40 | (unsigned)(total >> 8)); /* a 14-bit length */
    put_byte(p, (unsigned)total & 0xff);
    put(p, l->b, total);
}

static ss_rdb_status load(rdbpayload *p, ss_rdb_value *v)
{
    return ss_rdb_load_value(p->b, p->n, 1 << 20, 1 << 20, v);
}

static void expect_items(const ss_rdb_value *v, const char *const *want, size_t n)
{
    cr_assert_eq(v->items.n, n, "%zu items, want %zu", v->items.n, n);
    for (size_t i = 0; i < n; i++) {
        ss_slice s = ss_strvec_at(&v->items, i);
        cr_expect(s.len == strlen(want[i]) && memcmp(s.data, want[i], s.len) == 0, "item %zu: %.*s, want %s", i,
                  (int)s.len, s.data, want[i]);
    }
}

Test(dump, listpack_entries_decode_in_every_encoding)
{
    lp l = {0};
    static const unsigned char u7[] = {0x05};                                      /* 5 */
    static const unsigned char i13[] = {0xdf, 0xff};                               /* -1 */
    static const unsigned char i16[] = {0xf1, 0x00, 0x80};                         /* -32768 */
    static const unsigned char i24[] = {0xf2, 0x40, 0x42, 0x0f};                   /* 1000000 */
    static const unsigned char i32[] = {0xf3, 0x00, 0x00, 0x00, 0x80};             /* INT32_MIN */
    static const unsigned char i64[] = {0xf4, 1, 0, 0, 0, 0, 0, 0, 0x80};          /* INT64_MIN + 1 */
    static const unsigned char s12[] = {0xe0, 0x02, 'h', 'i'};                     /* 12-bit length */
    static const unsigned char s32[] = {0xf0, 0x03, 0x00, 0x00, 0x00, 'a', 'b', 'c'};
    lp_entry(&l, u7, sizeof u7);
    lp_entry(&l, i13, sizeof i13);
    lp_entry(&l, i16, sizeof i16);
    lp_entry(&l, i24, sizeof i24);
    lp_entry(&l, i32, sizeof i32);
    lp_entry(&l, i64, sizeof i64);
    lp_entry(&l, s12, sizeof s12);
    lp_entry(&l, s32, sizeof s32);
    lp_str(&l, "");
    rdbpayload p = {0};
    put_byte(&p, SS_RDB_TYPE_LIST_QUICKLIST_2);
    put_byte(&p, 1);  /* one node */
    put_byte(&p, 2);  /* PACKED */
    lp_put(&p, &l, -1);
    seal(&p);
    ss_rdb_value v;
    cr_assert_eq(load(&p, &v), SS_RDB_OK);
    static const char *const want[] = {"5", "-1", "-32768", "1000000", "-2147483648", "-9223372036854775807",
                                       "hi", "abc", ""};
    expect_items(&v, want, 9);
    ss_rdb_value_release(&v);
}

Test(dump, intsets_and_zset_listpacks_decode)
{
    rdbpayload p = {0};
    static const unsigned char is[] = {SS_RDB_TYPE_SET_INTSET, 8 + 3 * 2, 2, 0, 0, 0, 3, 0, 0, 0,
                                       0xff, 0xff, 0x07, 0x00, 0x10, 0x27};
    put(&p, is, sizeof is);
    seal(&p);
    ss_rdb_value v;
    cr_assert_eq(load(&p, &v), SS_RDB_OK);
    cr_expect_eq(v.type, SS_TYPE_SET);
    static const char *const ints[] = {"-1", "7", "10000"};
    expect_items(&v, ints, 3);
    ss_rdb_value_release(&v);

    lp l = {0};
    lp_str(&l, "a");
    lp_str(&l, "1.5");
    lp_str(&l, "b");
    static const unsigned char three[] = {0x03};
    lp_entry(&l, three, 1);
    rdbpayload z = {0};
    put_byte(&z, SS_RDB_TYPE_ZSET_LISTPACK);
    lp_put(&z, &l, -1);
    seal(&z);
    cr_assert_eq(load(&z, &v), SS_RDB_OK);
    static const char *const members[] = {"a", "b"};
    expect_items(&v, members, 2);
    cr_assert_eq(v.nscores, 2);
    cr_expect(v.scores[0] == 1.5 && v.scores[1] == 3);
    ss_rdb_value_release(&v);
}

/* A payload of type then the bytes given, sealed, expected to load as st. */
static void expect_status(ss_rdb_status st, int type, const unsigned char *b, size_t n)
{
    rdbpayload p = {0};
    put_byte(&p, (unsigned)type);
    put(&p, b, n);
    seal(&p);
    ss_rdb_value v;
    cr_expect_eq(load(&p, &v), st, "type %d: got %d, want %d", type, load(&p, &v), st);
    ss_rdb_value_release(&v);
}

Test(dump, hostile_collection_payloads_are_bad_data_never_a_stray_read)
{
    /* Empty collections, as Redis refuses them. */
    static const unsigned char zero[] = {0};
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_SET, zero, 1);
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_LIST_QUICKLIST_2, zero, 1);
    /* A count beyond the bytes present. */
    static const unsigned char many[] = {0x80, 0x7f, 0xff, 0xff, 0xff, 0x01, 'a'};
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_LIST, many, sizeof many);
    /* Duplicate members and fields. */
    static const unsigned char dupset[] = {2, 1, 'a', 1, 'a'};
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_SET, dupset, sizeof dupset);
    static const unsigned char duphash[] = {2, 1, 'f', 1, 'x', 1, 'f', 1, 'y'};
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_HASH, duphash, sizeof duphash);
    static const unsigned char okhash[] = {2, 1, 'f', 1, 'x', 1, 'g', 1, 'x'};
    expect_status(SS_RDB_OK, SS_RDB_TYPE_HASH, okhash, sizeof okhash);
    /* A NaN score (ZSET: 253 is nan), a truncated binary score. */
    static const unsigned char nan[] = {1, 1, 'm', 253};
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_ZSET, nan, sizeof nan);
    static const unsigned char shortscore[] = {1, 1, 'm', 0, 0, 0};
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_ZSET_2, shortscore, sizeof shortscore);
    /* An intset whose size disagrees with its count, or of encoding 3. */
    static const unsigned char badis[] = {8 + 4, 2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 2, 0};
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_SET_INTSET, badis, sizeof badis);
    static const unsigned char enc3[] = {8 + 3, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0};
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_SET_INTSET, enc3, sizeof enc3);
    /* A stream cut short, module types not loaded. */
    expect_status(SS_RDB_BAD, SS_RDB_TYPE_STREAM_LISTPACKS_2, zero, 1);
    expect_status(SS_RDB_UNSUPPORTED, 7, zero, 1);
}

Test(dump, hostile_listpacks_are_bad_data)
{
    /* A listpack whose declared count lies, whose total lies, whose
     * string runs past its end, or with an odd number of hash entries. */
    lp l = {0};
    lp_str(&l, "f");
    lp_str(&l, "v");
    rdbpayload p = {0};
    put_byte(&p, SS_RDB_TYPE_HASH_LISTPACK);
    lp_put(&p, &l, 3);
    seal(&p);
    ss_rdb_value v;
    cr_expect_eq(load(&p, &v), SS_RDB_BAD);
    ss_rdb_value_release(&v);

    lp odd = {0};
    lp_str(&odd, "f");
    rdbpayload q = {0};
    put_byte(&q, SS_RDB_TYPE_HASH_LISTPACK);
    lp_put(&q, &odd, -1);
    seal(&q);
    cr_expect_eq(load(&q, &v), SS_RDB_BAD);
    ss_rdb_value_release(&v);

    lp over = {0};
    static const unsigned char runs[] = {0x85, 'a'}; /* says 5 bytes, has 1 */
    lp_entry(&over, runs, sizeof runs);
    rdbpayload r = {0};
    put_byte(&r, SS_RDB_TYPE_LIST_QUICKLIST_2);
    put_byte(&r, 1);
    put_byte(&r, 2);
    lp_put(&r, &over, -1);
    seal(&r);
    cr_expect_eq(load(&r, &v), SS_RDB_BAD);
    ss_rdb_value_release(&v);

    /* Every truncation of a good payload is refused or loads less, never read past. */
    lp good = {0};
    lp_str(&good, "x");
    lp_str(&good, "yy");
    rdbpayload g = {0};
    put_byte(&g, SS_RDB_TYPE_LIST_QUICKLIST_2);
    put_byte(&g, 1);
    put_byte(&g, 2);
    lp_put(&g, &good, -1);
    for (size_t cut = 1; cut < g.n; cut++) {
        rdbpayload t = {0};
        put(&t, g.b, cut);
        seal(&t);
        cr_expect_eq(load(&t, &v), SS_RDB_BAD, "cut at %zu", cut);
        ss_rdb_value_release(&v);
    }
}

Test(dump, decoded_elements_are_bounded)
{
    /* 40 elements of 64 bytes against a budget of 1 KiB: too big. */
    rdbpayload p = {0};
    put_byte(&p, SS_RDB_TYPE_LIST);
    put_byte(&p, 40);
    char e[64];
    memset(e, 'x', sizeof e);
    for (int i = 0; i < 40; i++) {
        put_byte(&p, 0x40); /* a 14-bit length: 64 */
        put_byte(&p, 64);
        put(&p, e, sizeof e);
    }
    seal(&p);
    ss_rdb_value v;
    cr_expect_eq(ss_rdb_load_value(p.b, p.n, 1 << 20, 1024, &v), SS_RDB_TOOBIG);
    ss_rdb_value_release(&v);
    cr_expect_eq(ss_rdb_load_value(p.b, p.n, 1 << 20, 1 << 20, &v), SS_RDB_OK);
    cr_expect_eq(v.items.n, 40);
    ss_rdb_value_release(&v);
}

/* The payload of DUMP key, copied out of the bulk reply. */
static char *dump_of(const char *key, size_t *plen)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "DUMP %s", key);
    const char *rep = ct_run(cmd);
    size_t n = ct_reply_len();
    cr_assert(rep[0] == '$', "DUMP %s: %s", key, rep);
    const char *body = strchr(rep, '\n') + 1;
    *plen = n - (size_t)(body - rep) - 2;
    char *p = malloc(*plen);
    memcpy(p, body, *plen);
    return p;
}

static void restore_as(const char *from, const char *to, const char *ttl, const char *want)
{
    size_t plen;
    char *p = dump_of(from, &plen);
    const char *argv[] = {"RESTORE", to, ttl, p};
    size_t lens[] = {7, strlen(to), strlen(ttl), plen};
    cr_expect_str_eq(ct_runv(4, argv, lens), want);
    free(p);
}

Test(dump, every_collection_round_trips_through_dump_and_restore)
{
    EXPECT("RPUSH l b c 12", ":3\r\n");
    EXPECT("LPUSH l a", ":4\r\n");
    restore_as("l", "l2", "0", "+OK\r\n");
    EXPECT("LRANGE l2 0 -1", "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$2\r\n12\r\n");
    EXPECT("RPUSH l2 d", ":5\r\n"); /* the restored list's ends are usable */
    EXPECT("LPOP l2", "$1\r\na\r\n");
    EXPECT("SADD s x y 3", ":3\r\n");
    restore_as("s", "s2", "100000", "+OK\r\n");
    EXPECT("SCARD s2", ":3\r\n");
    EXPECT("SISMEMBER s2 3", ":1\r\n");
    EXPECT("TTL s2", ":100\r\n");
    EXPECT("HSET h f1 v1 f2 22", ":2\r\n");
    restore_as("h", "h2", "0", "+OK\r\n");
    EXPECT("HGETALL h2", "*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\n22\r\n");
    EXPECT("ZADD z -inf lo 1.5 mid +inf hi 0 zero", ":4\r\n");
    restore_as("z", "z2", "0", "+OK\r\n");
    EXPECT("ZRANGE z2 0 -1 WITHSCORES", "*8\r\n$2\r\nlo\r\n$4\r\n-inf\r\n$4\r\nzero\r\n$1\r\n0\r\n$3\r\nmid\r\n$3\r\n1.5\r\n$2\r\nhi\r\n$3\r\ninf\r\n");
    EXPECT("ZSCORE z2 mid", "$3\r\n1.5\r\n");
    EXPECT("ZCARD z2", ":4\r\n");
    /* Over another type with REPLACE: the old value is gone whole. */
    EXPECT("SET str v", "+OK\r\n");
    size_t plen;
    char *p = dump_of("h", &plen);
    const char *argv[] = {"RESTORE", "l2", "0", p, "REPLACE"};
    size_t lens[] = {7, 2, 1, plen, 7};
    cr_expect_str_eq(ct_runv(5, argv, lens), "+OK\r\n");
    free(p);
    EXPECT("TYPE l2", "+hash\r\n");
    EXPECT("HLEN l2", ":2\r\n");
    /* The restored hash is the same data as its source. */
    const char *d = ct_run("DEBUG DIGEST-VALUE l2 h");
    const char *first = strchr(d, '+'), *second = first ? strchr(first + 1, '+') : NULL;
    cr_assert(first && second, "%s", d);
    size_t flen = (size_t)(strchr(first, '\r') - first);
    cr_expect(strncmp(first, second, flen) == 0, "%s", d);
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


Test(dump, a_failed_lzf_string_leaves_nothing_to_free_twice)
{
    /* Found by fuzz values: an LZF string whose stream ends early was freed
     * by the loader and again by ss_rdb_value_release. */
    static const unsigned char lzf[] = {0xc3, 0x09, 0x28, 0xf9, 0x9e, 0x61, 0xe0, 0x1b, 0x00, 0x01, 0x61, 0x61};
    rdbpayload p = {0};
    put_byte(&p, SS_RDB_TYPE_STRING);
    put(&p, lzf, sizeof lzf);
    seal(&p);
    ss_rdb_value v;
    cr_expect_eq(load(&p, &v), SS_RDB_BAD);
    cr_expect_null(v.str);
    ss_rdb_value_release(&v);
}

/* ------------------------------------------------------------ streams */

/* redis-server 7.0.15's DUMP of: XADD s 1-1 a 1 b 2; XADD s 2-1 a 3 b 4;
 * XADD s 3-1 c x; XADD s 4-1 a 5 b 6; XDEL s 2-1; XGROUP CREATE s g 0;
 * XGROUP CREATE s h $; XREADGROUP GROUP g alice COUNT 2 STREAMS s >;
 * XREADGROUP GROUP g bob COUNT 1 STREAMS s >; XGROUP CREATECONSUMER s h
 * carol (type 19, its listpack LZF-compressed), without type and footer. */
static const unsigned char redis_stream[] = {0x01, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc3, 0x40, 0x43, 0x40, 0x49, 0x12, 0x49, 0x00, 0x00, 0x00, 0x1f, 0x00, 0x03, 0x01, 0x01, 0x01, 0x02, 0x01, 0x81, 0x61, 0x02, 0x81, 0x62, 0x02, 0x00, 0x20, 0x09, 0x00, 0x00, 0x20, 0x01, 0x40, 0x11, 0x01, 0x05, 0x01, 0x40, 0x19, 0x00, 0x00, 0x20, 0x05, 0x00, 0x04, 0x20, 0x0b, 0x80, 0x19, 0x08, 0x01, 0x01, 0x81, 0x63, 0x02, 0x81, 0x78, 0x02, 0x06, 0x20, 0x27, 0x00, 0x03, 0x20, 0x13, 0x02, 0x05, 0x01, 0x06, 0x20, 0x03, 0x00, 0xff, 0x03, 0x04, 0x01, 0x01, 0x01, 0x02, 0x01, 0x04, 0x02, 0x01, 0x67, 0x04, 0x01, 0x04, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x37, 0xfc, 0x5b, 0x3d, 0xa2, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x37, 0xfc, 0x5b, 0x3d, 0xa2, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x50, 0xfc, 0x5b, 0x3d, 0xa2, 0x01, 0x00, 0x00, 0x01, 0x02, 0x05, 0x61, 0x6c, 0x69, 0x63, 0x65, 0x37, 0xfc, 0x5b, 0x3d, 0xa2, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x62, 0x6f, 0x62, 0x4f, 0xfc, 0x5b, 0x3d, 0xa2, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x68, 0x04, 0x01, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x05, 0x63, 0x61, 0x72, 0x6f, 0x6c, 0x64, 0xfc, 0x5b, 0x3d, 0xa2, 0x01, 0x00, 0x00, 0x00};

static ss_rdb_status load_stream_body(const unsigned char *b, size_t n, ss_rdb_value *v)
{
    rdbpayload p = {0};
    put_byte(&p, SS_RDB_TYPE_STREAM_LISTPACKS_2);
    put(&p, b, n);
    seal(&p);
    return load(&p, v);
}

Test(dump, a_redis_stream_payload_decodes_with_its_groups)
{
    ss_rdb_value v;
    cr_assert_eq(load_stream_body(redis_stream, sizeof redis_stream, &v), SS_RDB_OK);
    const ss_rdb_stream *s = v.stream;
    cr_assert_eq(s->nentries, 3); /* 2-1 was deleted: flagged in the listpack, not loaded */
    cr_expect_eq(s->entries[1].ms, 3);
    cr_expect_eq(s->entries[1].nfields, 1);
    cr_expect_eq(s->last_ms, 4);
    cr_expect_eq(s->entries_added, 4);
    cr_expect_eq(s->maxdel_ms, 2);
    cr_assert_eq(s->ngroups, 2);
    cr_expect_eq(s->groups[0].npel, 3);
    cr_expect_eq(s->groups[0].nconsumers, 2);
    cr_expect_eq(s->groups[0].pel[2].consumer, 1); /* 4-1 is bob's */
    cr_expect_eq(s->groups[1].entries_read, -1);
    cr_expect_eq(s->groups[1].nconsumers, 1);
    ss_rdb_value_release(&v);
}

Test(dump, a_redis_stream_restores_with_its_groups_pels_and_consumers)
{
    char cmd[4096] = "RESTORE s 0 \"";
    size_t n = strlen(cmd);
    static const unsigned char footer_type[] = {SS_RDB_TYPE_STREAM_LISTPACKS_2};
    rdbpayload p = {0};
    put(&p, footer_type, 1);
    put(&p, redis_stream, sizeof redis_stream);
    seal(&p);
    for (size_t i = 0; i < p.n; i++)
        n += (size_t)snprintf(cmd + n, sizeof cmd - n, "\\x%02x", p.b[i]);
    snprintf(cmd + n, sizeof cmd - n, "\"");
    EXPECT(cmd, "+OK\r\n");
    EXPECT("XRANGE s - +", "*3\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
                           "*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\nx\r\n"
                           "*2\r\n$3\r\n4-1\r\n*4\r\n$1\r\na\r\n$1\r\n5\r\n$1\r\nb\r\n$1\r\n6\r\n");
    EXPECT("XPENDING s g", "*4\r\n:3\r\n$3\r\n1-1\r\n$3\r\n4-1\r\n*2\r\n*2\r\n$5\r\nalice\r\n$1\r\n2\r\n"
                           "*2\r\n$3\r\nbob\r\n$1\r\n1\r\n");
    EXPECT("XINFO GROUPS s", "*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7\r\npending\r\n:3\r\n"
                             "$17\r\nlast-delivered-id\r\n$3\r\n4-1\r\n$12\r\nentries-read\r\n:4\r\n$3\r\nlag\r\n:0\r\n"
                             "*12\r\n$4\r\nname\r\n$1\r\nh\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:0\r\n"
                             "$17\r\nlast-delivered-id\r\n$3\r\n4-1\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:0\r\n");
    EXPECT("XADD s 4-1 a 1", "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n");
    EXPECT("TYPE s", "+stream\r\n");
}

Test(dump, a_stream_payload_cut_anywhere_is_bad_data)
{
    for (size_t cut = 0; cut < sizeof redis_stream; cut++) {
        ss_rdb_value v;
        ss_rdb_status st = load_stream_body(redis_stream, cut, &v);
        cr_expect_neq(st, SS_RDB_OK, "cut at %zu loaded", cut);
        ss_rdb_value_release(&v);
    }
}

Test(dump, every_byte_of_a_stream_payload_changed_never_reads_astray)
{
    /* Most changes are bad data, some still a stream; none may crash or
     * read past the payload (ASan). */
    unsigned char b[sizeof redis_stream];
    for (size_t i = 0; i < sizeof b; i++) {
        for (unsigned x = 1; x < 256; x += 7) {
            memcpy(b, redis_stream, sizeof b);
            b[i] ^= (unsigned char)x;
            ss_rdb_value v;
            load_stream_body(b, sizeof b, &v);
            ss_rdb_value_release(&v);
        }
    }
}

/* The stream payload with byte at `at` set to v. */
static ss_rdb_status with_byte(size_t at, unsigned char val)
{
    unsigned char b[sizeof redis_stream];
    memcpy(b, redis_stream, sizeof b);
    b[at] = val;
    ss_rdb_value v;
    ss_rdb_status st = load_stream_body(b, sizeof b, &v);
    ss_rdb_value_release(&v);
    return st;
}

Test(dump, lying_stream_counts_are_bad_data)
{
    /* offsets in redis_stream: 0 the node count, 90 the length (3), 91
     * the last ID's ms, 98 the group count (2), 104 group g's PEL count
     * (3), 180 its consumer count, 195 alice's PEL count (2) */
    cr_assert_eq(redis_stream[90], 3);
    cr_assert_eq(redis_stream[98], 2);
    cr_assert_eq(redis_stream[104], 3);
    cr_assert_eq(redis_stream[180], 2);
    cr_assert_eq(redis_stream[195], 2);
    cr_expect_eq(with_byte(0, 2), SS_RDB_BAD);      /* two nodes, one there */
    cr_expect_eq(with_byte(0, 0), SS_RDB_BAD);      /* no node: the length disagrees */
    cr_expect_eq(with_byte(90, 4), SS_RDB_BAD);     /* a length the entries do not add up to */
    cr_expect_eq(with_byte(91, 3), SS_RDB_BAD);     /* a last ID below the last entry */
    cr_expect_eq(with_byte(98, 0x3f), SS_RDB_BAD);  /* 63 groups */
    cr_expect_eq(with_byte(104, 0x3f), SS_RDB_BAD); /* 63 PEL entries */
    cr_expect_eq(with_byte(104, 2), SS_RDB_BAD);    /* a consumer owning an entry the PEL lacks */
    cr_expect_eq(with_byte(195, 1), SS_RDB_BAD);    /* a PEL entry nobody owns */
    /* a PEL entry twice: alice's second ID made her first */
    unsigned char b[sizeof redis_stream];
    memcpy(b, redis_stream, sizeof b);
    memcpy(b + 196 + 16, b + 196, 16);
    ss_rdb_value v;
    cr_expect_eq(load_stream_body(b, sizeof b, &v), SS_RDB_BAD);
    ss_rdb_value_release(&v);
}

Test(dump, listpack_entries_at_the_backlen_bounds_round_trip)
{
    /* Values whose listpack entries take 127/128 and 16382/16383 bytes
     * (header included): lpEncodeBacklen changes width at 128 and 16383. */
    static const size_t sizes[] = {125, 126, 16377, 16378, 16379};
    static char big[16400];
    memset(big, 'v', sizeof big);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const char *argv[] = {"XADD", "bl", "*", "f", big};
        size_t lens[] = {4, 2, 1, 1, sizes[i]};
        const char *r = ct_runv(5, argv, lens);
        cr_assert_eq(r[0], '$', "%s", r);
    }
    const char *d = ct_run("DUMP bl");
    cr_assert_eq(d[0], '$', "%s", d);
    size_t n = strtoul(d + 1, NULL, 10);
    char *copy = malloc(n);
    memcpy(copy, strstr(d, "\r\n") + 2, n);
    const char *argv[] = {"RESTORE", "bl2", "0", copy};
    size_t lens[] = {7, 3, 1, n};
    cr_expect_str_eq(ct_runv(4, argv, lens), "+OK\r\n");
    free(copy);
    cr_expect_str_eq(ct_run("XLEN bl2"), ":5\r\n");
}

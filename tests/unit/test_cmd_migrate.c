/* MIGRATE's arguments as Redis 7.0 reads them, its read half (dump, TTL, digest) and its conditional delete in apply. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"
#include "commands/migrate.h"
#include "resp/buf.h"

TestSuite(migrate, .init = ct_setup, .fini = ct_teardown);

#define EXPECT CT_EXPECT

/* Parses a MIGRATE line; the error replied, or "" when it parsed. */
static const char *parse(const char *const *argv, int argc, ss_migrate_args *m)
{
    static char err[256];
    size_t lens[32];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    ss_args a = {argc, (char **)argv, lens};
    ss_buf out;
    ss_buf_init(&out, 0);
    bool ok = ss_migrate_parse(&a, m, &out);
    snprintf(err, sizeof err, "%.*s", (int)ss_buf_len(&out), ss_buf_data(&out));
    ss_buf_release(&out);
    cr_assert_eq(ok, err[0] == '\0');
    return err;
}

Test(migrate, arguments_parse_in_redis_order_and_words)
{
    ss_migrate_args m;
    const char *plain[] = {"migrate", "h", "6380", "k", "3", "0"};
    cr_expect_str_eq(parse(plain, 6, &m), "");
    cr_expect(m.port == 6380 && m.dbid == 3 && m.timeout_ms == 1000 && m.first_key == 3 && m.nkeys == 1,
              "timeout <= 0 is Redis's 1000 ms");
    cr_expect(!m.copy && !m.replace && !m.pass);
    const char *all[] = {"migrate", "h", "1", "", "0", "50", "copy", "REPLACE", "auth2", "u", "p", "KEYS", "a", "b"};
    cr_expect_str_eq(parse(all, 14, &m), "");
    cr_expect(m.copy && m.replace && m.user == 9 && m.pass == 10 && m.first_key == 12 && m.nkeys == 2 &&
              m.timeout_ms == 50);
    const char *keys_with_key[] = {"migrate", "h", "1", "k", "0", "50", "KEYS", "a"};
    cr_expect_str_eq(parse(keys_with_key, 8, &m),
                     "-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n");
    /* Options come first: a bad option wins over a bad timeout. */
    const char *bad_opt[] = {"migrate", "h", "1", "k", "x", "x", "nope"};
    cr_expect_str_eq(parse(bad_opt, 7, &m), "-ERR syntax error\r\n");
    const char *auth_short[] = {"migrate", "h", "1", "k", "0", "5", "AUTH2", "u"};
    cr_expect_str_eq(parse(auth_short, 8, &m), "-ERR syntax error\r\n");
    const char *bad_db[] = {"migrate", "h", "1", "k", "x", "5"};
    cr_expect_str_eq(parse(bad_db, 6, &m), "-ERR value is not an integer or out of range\r\n");
}

/* The read half's [digest, ttl, dump] for key. */
static void dump_of(const char *key, char *digest, long long *ttl, char *payload, size_t *plen)
{
    const char *argv[] = {SS_MIGRATE_DUMP, key};
    size_t lens[] = {strlen(SS_MIGRATE_DUMP), strlen(key)};
    const char *r = ct_runv(2, argv, lens);
    size_t n = ct_reply_len();
    cr_assert(n > 32 && !memcmp(r, "*3\r\n$20\r\n", 9), "an array of three, the digest first");
    memcpy(digest, r + 9, 20);
    const char *p = r + 9 + 22;
    cr_assert_eq(*p, ':');
    char *end;
    *ttl = strtoll(p + 1, &end, 10);
    p = end + 2;
    *plen = (size_t)(n - (size_t)(p - r));
    memcpy(payload, p, *plen);
}

Test(migrate, the_read_half_gives_dumps_ttl_and_digest)
{
    EXPECT("SET k hello", "+OK\r\n");
    char d1[20], d2[20], pay[512], dump[512];
    long long ttl;
    size_t plen;
    dump_of("k", d1, &ttl, pay, &plen);
    cr_expect_eq(ttl, 0, "no TTL: 0");
    const char *r = ct_run("DUMP k");
    cr_expect(ct_reply_len() == plen && !memcmp(r, pay, plen), "DUMP's reply, as it is");
    memcpy(dump, r, plen);
    EXPECT("PEXPIRE k 5000", ":1\r\n");
    dump_of("k", d2, &ttl, pay, &plen);
    cr_expect(ttl > 0 && ttl <= 5000, "the time left (%lld)", ttl);
    cr_expect(memcmp(d1, d2, 20) != 0, "a TTL changes the digest");
    dump_of("missing", d1, &ttl, pay, &plen);
    static const char zero[20];
    cr_expect(!memcmp(d1, zero, 20) && plen == 5 && !memcmp(pay, "$-1\r\n", 5), "missing: zeros and a null");
    EXPECT("XADD st 1-1 f v", "$3\r\n1-1\r\n");
    dump_of("st", d1, &ttl, pay, &plen);
    cr_expect(plen > 1 && pay[0] == '$', "a stream dumps too (its payload passes through)");
    r = ct_run("DUMP st");
    cr_expect(ct_reply_len() == plen && !memcmp(r, pay, plen), "DUMP's reply, as it is");
}

/* SS_MIGRATE_DEL target-error key digest. */
static const char *del(const char *target_err, const char *key, const char *digest)
{
    const char *argv[] = {SS_MIGRATE_DEL, target_err, key, digest};
    size_t lens[] = {strlen(SS_MIGRATE_DEL), strlen(target_err), strlen(key), 20};
    return ct_runv(4, argv, lens);
}

Test(migrate, the_delete_removes_only_an_unchanged_key)
{
    char d[20], pay[512];
    long long ttl;
    size_t plen;
    EXPECT("RPUSH l a b c", ":3\r\n");
    dump_of("l", d, &ttl, pay, &plen);
    cr_expect_str_eq(del("", "l", d), "+OK\r\n");
    cr_expect_str_eq(ct_events(), "del:l");
    EXPECT("EXISTS l", ":0\r\n");
    /* Written after the dump: kept, and said. */
    EXPECT("RPUSH l a b c", ":3\r\n");
    dump_of("l", d, &ttl, pay, &plen);
    EXPECT("RPUSH l d", ":4\r\n");
    cr_expect_str_eq(del("", "l", d),
                     "-ERR 1 of the migrated keys changed here during MIGRATE and were kept: the target holds them as they were dumped\r\n");
    EXPECT("LLEN l", ":4\r\n");
    /* Gone in between: nothing kept; the target's error still told. */
    dump_of("l", d, &ttl, pay, &plen);
    EXPECT("DEL l", ":1\r\n");
    cr_expect_str_eq(del("BUSYKEY Target key name already exists.", "l", d),
                     "-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n");
    /* A malformed entry is refused, not trusted. */
    const char *argv[] = {SS_MIGRATE_DEL, "", "k", "short"};
    size_t lens[] = {strlen(SS_MIGRATE_DEL), 0, 1, 5};
    cr_expect_str_eq(ct_runv(4, argv, lens), "-ERR command '__migrate_del' is not allowed in a raft log entry\r\n");
}

/* Generic key commands, checked against Redis 7.0's documented replies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"

TestSuite(keys, .init = ct_setup, .fini = ct_teardown);

#define EXPECT(cmd, reply) cr_expect_str_eq(ct_run(cmd), reply, "%s", cmd)

/* Skips a test whose collection commands another family has not built yet. */
static void need(const char *probe)
{
    const char *r = ct_run(probe);
    if (strncmp(r, "-ERR unknown command", 20) == 0)
        cr_skip_test("%s is not implemented yet", probe);
}

/* ------------------------------------------------------- DEL UNLINK TYPE */

Test(keys, unlink_deletes_like_del)
{
    ct_run("MSET a 1 b 2 c 3");
    EXPECT("UNLINK a b x a", ":2\r\n");
    EXPECT("DBSIZE", ":1\r\n");
    EXPECT("UNLINK", "-ERR wrong number of arguments for 'unlink' command\r\n");
}

Test(keys, type_names_strings_and_missing_keys)
{
    ct_run("SET s v");
    EXPECT("TYPE s", "+string\r\n");
    EXPECT("TYPE nokey", "+none\r\n");
    ct_run("SET e v PX 5");
    ct_now += 5;
    EXPECT("TYPE e", "+none\r\n");
}

Test(keys, type_names_every_collection)
{
    need("HSET h f v");
    EXPECT("TYPE h", "+hash\r\n");
    need("RPUSH l a");
    EXPECT("TYPE l", "+list\r\n");
    need("SADD st a");
    EXPECT("TYPE st", "+set\r\n");
    need("ZADD z 1 a");
    EXPECT("TYPE z", "+zset\r\n");
}

Test(keys, touch_counts_existing_keys)
{
    ct_run("MSET a 1 b 2");
    EXPECT("TOUCH a b c a", ":3\r\n");
    EXPECT("TOUCH c", ":0\r\n");
}

/* ----------------------------------------------------------- KEYS */

Test(keys, keys_matches_globs_in_byte_order)
{
    ct_run("MSET hello 1 hallo 2 hxllo 3 heeeello 4 hllo 5 other 6");
    EXPECT("KEYS h?llo", "*3\r\n$5\r\nhallo\r\n$5\r\nhello\r\n$5\r\nhxllo\r\n");
    EXPECT("KEYS h*llo", "*5\r\n$5\r\nhallo\r\n$8\r\nheeeello\r\n$5\r\nhello\r\n$4\r\nhllo\r\n$5\r\nhxllo\r\n");
    EXPECT("KEYS h[ae]llo", "*2\r\n$5\r\nhallo\r\n$5\r\nhello\r\n");
    EXPECT("KEYS h[^e]llo", "*2\r\n$5\r\nhallo\r\n$5\r\nhxllo\r\n");
    EXPECT("KEYS h[a-b]llo", "*1\r\n$5\r\nhallo\r\n");
    EXPECT("KEYS hello", "*1\r\n$5\r\nhello\r\n");
    EXPECT("KEYS Hello", "*0\r\n");
    EXPECT("KEYS nothing*", "*0\r\n");
    EXPECT("KEYS *", "*6\r\n$5\r\nhallo\r\n$8\r\nheeeello\r\n$5\r\nhello\r\n$4\r\nhllo\r\n$5\r\nhxllo\r\n$5\r\nother\r\n");
}

Test(keys, keys_escapes_and_skips_expired_keys)
{
    ct_run("MSET a*b 1 axb 2");
    EXPECT("KEYS a\\*b", "*1\r\n$3\r\na*b\r\n");
    ct_run("SET t 1 PX 10");
    ct_now += 10;
    EXPECT("KEYS *", "*2\r\n$3\r\na*b\r\n$3\r\naxb\r\n");
    EXPECT("KEYS", "-ERR wrong number of arguments for 'keys' command\r\n");
}

Test(keys, keys_with_a_prefix_stops_at_the_prefix_end)
{
    ct_run("MSET user:1 a user:2 b users c usea d");
    EXPECT("KEYS user:*", "*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n");
    EXPECT("KEYS user*", "*3\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n$5\r\nusers\r\n");
}

/* ----------------------------------------------------------- SCAN */

/* Parses a SCAN reply "*2 $n cursor *k keys..."; returns the key count and
 * copies the cursor. */
static int scan_reply(const char *r, char *cursor, size_t cap, char keys[][64], int maxkeys)
{
    int clen, n;
    cr_assert_eq(sscanf(r, "*2\r\n$%d\r\n", &clen), 1, "bad reply %s", r);
    const char *p = strstr(r + 4, "\r\n") + 2;
    cr_assert_lt((size_t)clen, cap);
    memcpy(cursor, p, (size_t)clen);
    cursor[clen] = '\0';
    p += clen + 2;
    cr_assert_eq(sscanf(p, "*%d\r\n", &n), 1, "bad reply %s", r);
    p = strstr(p, "\r\n") + 2;
    for (int i = 0; i < n; i++) {
        int len;
        cr_assert_eq(sscanf(p, "$%d\r\n", &len), 1);
        p = strstr(p, "\r\n") + 2;
        if (i < maxkeys) {
            memcpy(keys[i], p, (size_t)len);
            keys[i][len] = '\0';
        }
        p += len + 2;
    }
    return n;
}

Test(keys, scan_visits_every_key_once_in_steps_of_count)
{
    char line[128];
    for (int i = 0; i < 25; i++) {
        snprintf(line, sizeof line, "SET key:%02d v", i);
        ct_run(line);
    }
    char cursor[256] = "0", keys[32][64];
    int seen[25] = {0}, calls = 0, total = 0;
    do {
        snprintf(line, sizeof line, "SCAN %s COUNT 10", cursor);
        int n = scan_reply(ct_run(line), cursor, sizeof cursor, keys, 32);
        cr_assert_leq(n, 10);
        for (int i = 0; i < n; i++) {
            int k = atoi(keys[i] + 4);
            seen[k]++;
        }
        total += n;
        calls++;
    } while (strcmp(cursor, "0") != 0 && calls < 10);
    cr_expect_eq(calls, 3);
    cr_expect_eq(total, 25);
    for (int i = 0; i < 25; i++)
        cr_expect_eq(seen[i], 1, "key %d seen %d times", i, seen[i]);
}

Test(keys, scan_cursor_is_a_decimal_naming_the_last_key)
{
    ct_run("MSET a 1 b 2 c 3");
    /* "1" then the bytes of "b" (98) as three digits. */
    EXPECT("SCAN 0 COUNT 2", "*2\r\n$4\r\n1098\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    EXPECT("SCAN 1098 COUNT 2", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nc\r\n");
    /* The last key examined ends the scan at once. */
    EXPECT("SCAN 0 COUNT 3", "*2\r\n$1\r\n0\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    EXPECT("SCAN 0", "*2\r\n$1\r\n0\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
}

Test(keys, scan_resumes_after_a_deleted_cursor_key)
{
    ct_run("MSET a 1 b 2 c 3 d 4");
    EXPECT("SCAN 0 COUNT 2", "*2\r\n$4\r\n1098\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    ct_run("DEL b");
    ct_run("SET bb 1");
    EXPECT("SCAN 1098 COUNT 10", "*2\r\n$1\r\n0\r\n*3\r\n$2\r\nbb\r\n$1\r\nc\r\n$1\r\nd\r\n");
}

Test(keys, scan_match_filters_and_count_counts_examined_keys)
{
    ct_run("MSET a1 1 b1 2 a2 3 b2 4");
    /* Examines a1 and a2 (the pattern's prefix narrows the walk). */
    EXPECT("SCAN 0 MATCH a* COUNT 5", "*2\r\n$1\r\n0\r\n*2\r\n$2\r\na1\r\n$2\r\na2\r\n");
    EXPECT("SCAN 0 MATCH *2 COUNT 2", "*2\r\n$7\r\n1097050\r\n*1\r\n$2\r\na2\r\n");
    EXPECT("SCAN 1097050 MATCH *2 COUNT 2", "*2\r\n$1\r\n0\r\n*1\r\n$2\r\nb2\r\n");
    EXPECT("SCAN 0 MATCH zz*", "*2\r\n$1\r\n0\r\n*0\r\n");
    EXPECT("SCAN 0 MATCH * COUNT 1", "*2\r\n$7\r\n1097049\r\n*1\r\n$2\r\na1\r\n");
}

Test(keys, scan_with_a_cursor_before_the_prefix_starts_at_the_prefix)
{
    ct_run("MSET a 1 m1 2 m2 3 z 4");
    EXPECT("SCAN 1097 MATCH m*", "*2\r\n$1\r\n0\r\n*2\r\n$2\r\nm1\r\n$2\r\nm2\r\n");
    EXPECT("SCAN 1122 MATCH m*", "*2\r\n$1\r\n0\r\n*0\r\n");
}

Test(keys, scan_type_filters_case_insensitively)
{
    ct_run("MSET a 1 b 2");
    EXPECT("SCAN 0 TYPE STRING", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    EXPECT("SCAN 0 TYPE hash", "*2\r\n$1\r\n0\r\n*0\r\n");
    /* Redis 7.0 filters everything out for an unknown type name. */
    EXPECT("SCAN 0 TYPE nosuchtype", "*2\r\n$1\r\n0\r\n*0\r\n");
}

Test(keys, scan_type_picks_collections)
{
    need("HSET h f v");
    ct_run("SET s v");
    EXPECT("SCAN 0 TYPE hash", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nh\r\n");
}

Test(keys, scan_rejects_bad_cursors_and_options)
{
    ct_run("SET a 1");
    EXPECT("SCAN abc", "-ERR invalid cursor\r\n");
    EXPECT("SCAN -1", "-ERR invalid cursor\r\n");
    EXPECT("SCAN 12", "-ERR invalid cursor\r\n");     /* not 1 + 3n digits */
    EXPECT("SCAN 1256", "-ERR invalid cursor\r\n");   /* 256 is not a byte */
    EXPECT("SCAN 2097", "-ERR invalid cursor\r\n");
    EXPECT("SCAN abc COUNT 0", "-ERR invalid cursor\r\n");
    EXPECT("SCAN 0 COUNT 0", "-ERR syntax error\r\n");
    EXPECT("SCAN 0 COUNT -1", "-ERR syntax error\r\n");
    EXPECT("SCAN 0 COUNT x", "-ERR value is not an integer or out of range\r\n");
    EXPECT("SCAN 0 COUNT", "-ERR syntax error\r\n");
    EXPECT("SCAN 0 FOO bar", "-ERR syntax error\r\n");
    EXPECT("SCAN 0 MATCH", "-ERR syntax error\r\n");
    EXPECT("SCAN", "-ERR wrong number of arguments for 'scan' command\r\n");
}

Test(keys, scan_with_a_huge_count_returns_everything)
{
    ct_run("MSET a 1 b 2");
    EXPECT("SCAN 0 COUNT 9223372036854775807", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
}

Test(keys, scan_cursor_round_trips_binary_and_empty_keys)
{
    const char *set[] = {"SET", "\xff\x00k", "v"};
    size_t lens[] = {3, 3, 1};
    ct_runv(3, set, lens);
    ct_run("SET \"\" v");
    ct_run("SET a v");
    /* The empty key sorts first; its cursor is "1". */
    EXPECT("SCAN 0 COUNT 1", "*2\r\n$1\r\n1\r\n*1\r\n$0\r\n\r\n");
    EXPECT("SCAN 1 COUNT 1", "*2\r\n$4\r\n1097\r\n*1\r\n$1\r\na\r\n");
    cr_expect_str_eq(ct_run("SCAN 1097 COUNT 1"), "*2\r\n$1\r\n0\r\n*1\r\n$3\r\n\xff");
    cr_expect_eq(ct_reply_len(), 24);
}

Test(keys, scan_skips_expired_keys)
{
    ct_run("MSET a 1 c 3");
    ct_run("SET b 2 PX 10");
    ct_now += 10;
    EXPECT("SCAN 0", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nc\r\n");
}

/* ------------------------------------------------------- RANDOMKEY */

Test(keys, randomkey_returns_nil_on_an_empty_db_and_a_live_key_otherwise)
{
    EXPECT("RANDOMKEY", "$-1\r\n");
    ct_run("SET only v");
    EXPECT("RANDOMKEY", "$4\r\nonly\r\n");
    ct_run("SET gone v PX 1");
    ct_now += 1;
    for (int i = 0; i < 20; i++) {
        ct_seed = (uint64_t)i * 7919;
        EXPECT("RANDOMKEY", "$4\r\nonly\r\n");
    }
}

Test(keys, randomkey_reaches_several_keys)
{
    ct_run("MSET a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8");
    int hits[256] = {0}, distinct = 0;
    for (int i = 0; i < 64; i++) {
        ct_seed = (uint64_t)i * 0x9E3779B97F4A7C15ULL;
        const char *r = ct_run("RANDOMKEY");
        cr_assert_eq(strncmp(r, "$1\r\n", 4), 0, "%s", r);
        if (hits[(unsigned char)r[4]]++ == 0)
            distinct++;
    }
    cr_expect_geq(distinct, 3);
}

Test(keys, randomkey_handles_long_keys)
{
    char line[1100] = "SET ";
    memset(line + 4, 'k', 1000);
    strcpy(line + 1004, " v");
    ct_run(line);
    ct_run("RANDOMKEY");
    cr_expect_eq(ct_reply_len(), 1000 + 9);
}

/* ------------------------------------------------------ RENAME */

Test(keys, rename_moves_the_value_and_the_expiry)
{
    ct_run("SET a v EX 100");
    EXPECT("RENAME a b", "+OK\r\n");
    EXPECT("GET a", "$-1\r\n");
    EXPECT("GET b", "$1\r\nv\r\n");
    EXPECT("TTL b", ":100\r\n");
    EXPECT("DBSIZE", ":1\r\n");
}

Test(keys, rename_overwrites_and_renamenx_does_not)
{
    ct_run("SET a 1");
    ct_run("SET b 2 EX 50");
    EXPECT("RENAMENX a b", ":0\r\n");
    EXPECT("GET a", "$1\r\n1\r\n");
    EXPECT("RENAME a b", "+OK\r\n");
    EXPECT("GET b", "$1\r\n1\r\n");
    EXPECT("TTL b", ":-1\r\n");
    EXPECT("RENAMENX b c", ":1\r\n");
    EXPECT("EXISTS b", ":0\r\n");
    EXPECT("DBSIZE", ":1\r\n");
}

Test(keys, rename_of_a_missing_key_is_an_error)
{
    EXPECT("RENAME nokey x", "-ERR no such key\r\n");
    EXPECT("RENAMENX nokey x", "-ERR no such key\r\n");
    EXPECT("RENAME nokey nokey", "-ERR no such key\r\n");
    ct_run("SET e v PX 5");
    ct_now += 5;
    EXPECT("RENAME e x", "-ERR no such key\r\n");
}

Test(keys, rename_to_itself_keeps_the_key)
{
    ct_run("SET a v EX 10");
    EXPECT("RENAME a a", "+OK\r\n");
    EXPECT("RENAMENX a a", ":0\r\n");
    EXPECT("GET a", "$1\r\nv\r\n");
    EXPECT("TTL a", ":10\r\n");
}

Test(keys, rename_over_an_expired_leftover_succeeds_for_renamenx)
{
    ct_run("SET a 1");
    ct_run("SET b 2 PX 5");
    ct_now += 5;
    EXPECT("RENAMENX a b", ":1\r\n");
    EXPECT("GET b", "$1\r\n1\r\n");
    EXPECT("PTTL b", ":-1\r\n");
    EXPECT("DBSIZE", ":1\r\n");
}

Test(keys, rename_carries_a_hash)
{
    need("HSET h f1 v1 f2 v2");
    ct_run("PEXPIRE h 5000");
    EXPECT("RENAME h h2", "+OK\r\n");
    EXPECT("EXISTS h", ":0\r\n");
    EXPECT("HGET h2 f1", "$2\r\nv1\r\n");
    EXPECT("HGET h2 f2", "$2\r\nv2\r\n");
    EXPECT("HLEN h2", ":2\r\n");
    EXPECT("PTTL h2", ":5000\r\n");
    /* The old name is free and empty again. */
    ct_run("HSET h x y");
    EXPECT("HLEN h", ":1\r\n");
    EXPECT("HGET h f1", "$-1\r\n");
}

Test(keys, rename_carries_a_list_over_another_list)
{
    need("RPUSH l a b c");
    ct_run("RPUSH d x");
    EXPECT("RENAME l d", "+OK\r\n");
    EXPECT("LRANGE d 0 -1", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
    EXPECT("LLEN d", ":3\r\n");
    EXPECT("DBSIZE", ":1\r\n");
    /* Pushes still work at both ends after the copy. */
    ct_run("LPUSH d z");
    ct_run("RPUSH d y");
    EXPECT("LRANGE d 0 -1", "*5\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\ny\r\n");
}

Test(keys, rename_carries_sets_and_sorted_sets)
{
    need("SADD s a b");
    EXPECT("RENAME s s2", "+OK\r\n");
    EXPECT("SCARD s2", ":2\r\n");
    EXPECT("SISMEMBER s2 b", ":1\r\n");
    need("ZADD z 1 a 2 b");
    EXPECT("RENAMENX z z2", ":1\r\n");
    EXPECT("ZRANGE z2 0 -1 WITHSCORES", "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
    EXPECT("ZSCORE z2 b", "$1\r\n2\r\n");
}

Test(keys, rename_twice_in_one_transaction_keeps_the_data)
{
    need("SADD s a b c");
    cr_expect_str_eq(ct_exec("RENAME s t", "RENAME t s", "SCARD s", NULL),
                     "*3\r\n+OK\r\n+OK\r\n:3\r\n");
    EXPECT("SCARD s", ":3\r\n");
    EXPECT("EXISTS t", ":0\r\n");
}

/* -------------------------------------------------------------- COPY */

Test(keys, copy_duplicates_a_string_with_its_expiry)
{
    ct_run("SET a v PX 3000");
    EXPECT("COPY a b", ":1\r\n");
    EXPECT("GET a", "$1\r\nv\r\n");
    EXPECT("GET b", "$1\r\nv\r\n");
    EXPECT("PTTL b", ":3000\r\n");
    EXPECT("DBSIZE", ":2\r\n");
}

Test(keys, copy_needs_replace_to_overwrite)
{
    ct_run("MSET a 1 b 2");
    EXPECT("COPY a b", ":0\r\n");
    EXPECT("GET b", "$1\r\n2\r\n");
    EXPECT("COPY a b REPLACE", ":1\r\n");
    EXPECT("GET b", "$1\r\n1\r\n");
    EXPECT("COPY nokey b REPLACE", ":0\r\n");
    EXPECT("GET b", "$1\r\n1\r\n");
}

Test(keys, copy_to_another_db)
{
    ct_run("SET a v");
    EXPECT("COPY a a DB 1", ":1\r\n");
    EXPECT("COPY a a DB 1", ":0\r\n");
    EXPECT("COPY a a db 1 replace", ":1\r\n");
    EXPECT("COPY a a DB 0", "-ERR source and destination objects are the same\r\n");
    EXPECT("COPY a a", "-ERR source and destination objects are the same\r\n");
    EXPECT("DBSIZE", ":1\r\n");
    /* db 1 now holds "a": moving it there fails. */
    EXPECT("MOVE a 1", ":0\r\n");
}

Test(keys, copy_rejects_bad_options)
{
    ct_run("SET a v");
    EXPECT("COPY a b DB", "-ERR syntax error\r\n");
    EXPECT("COPY a b DB x", "-ERR value is not an integer or out of range\r\n");
    EXPECT("COPY a b DB 16", "-ERR DB index is out of range\r\n");
    EXPECT("COPY a b DB -1", "-ERR DB index is out of range\r\n");
    EXPECT("COPY a b FOO", "-ERR syntax error\r\n");
    EXPECT("COPY a", "-ERR wrong number of arguments for 'copy' command\r\n");
    EXPECT("EXISTS b", ":0\r\n");
}

Test(keys, copy_of_a_collection_is_independent)
{
    need("HSET h f v g w");
    EXPECT("COPY h h2", ":1\r\n");
    ct_run("HDEL h f");
    EXPECT("HLEN h", ":1\r\n");
    EXPECT("HLEN h2", ":2\r\n");
    EXPECT("HGET h2 f", "$1\r\nv\r\n");
    ct_run("HSET h2 x y");
    EXPECT("HLEN h", ":1\r\n");
    EXPECT("COPY h h2 REPLACE", ":1\r\n");
    EXPECT("HLEN h2", ":1\r\n");
    EXPECT("HGET h2 x", "$-1\r\n");
}

Test(keys, copy_replaces_across_types)
{
    need("RPUSH l a b");
    ct_run("SET s str");
    EXPECT("COPY s l REPLACE", ":1\r\n");
    EXPECT("TYPE l", "+string\r\n");
    ct_run("RPUSH l2 x y z");
    EXPECT("COPY l2 s REPLACE", ":1\r\n");
    EXPECT("LRANGE s 0 -1", "*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n");
    EXPECT("DBSIZE", ":3\r\n");
}

/* ------------------------------------------------------------- MOVE */

Test(keys, move_takes_the_key_to_another_db)
{
    ct_run("SET a v EX 100");
    EXPECT("MOVE a 1", ":1\r\n");
    EXPECT("EXISTS a", ":0\r\n");
    EXPECT("DBSIZE", ":0\r\n");
    EXPECT("MOVE a 1", ":0\r\n");
    /* Db 1 holds "a" now, so another "a" cannot follow it there... */
    ct_run("SET a w");
    EXPECT("MOVE a 1", ":0\r\n");
    EXPECT("COPY a a DB 1", ":0\r\n");
    EXPECT("GET a", "$1\r\nw\r\n");
    /* ...until the moved key's expiry, which travelled with it, passes. */
    ct_now += 100000;
    EXPECT("MOVE a 1", ":1\r\n");
    EXPECT("DBSIZE", ":0\r\n");
}

Test(keys, a_copy_to_another_db_keeps_the_expiry)
{
    ct_run("SET a v PX 50");
    EXPECT("COPY a a DB 3", ":1\r\n");
    EXPECT("COPY a a DB 3", ":0\r\n");
    ct_now += 50;
    ct_run("SET a w");
    EXPECT("COPY a a DB 3", ":1\r\n"); /* the copy in db 3 expired */
}

Test(keys, move_carries_a_list_and_its_elements)
{
    need("RPUSH l a b c");
    EXPECT("MOVE l 1", ":1\r\n");
    EXPECT("EXISTS l", ":0\r\n");
    EXPECT("LLEN l", ":0\r\n");
    ct_run("RPUSH l z");
    EXPECT("MOVE l 1", ":0\r\n");
    EXPECT("COPY l l DB 1 REPLACE", ":1\r\n");
    EXPECT("LRANGE l 0 -1", "*1\r\n$1\r\nz\r\n");
}

Test(keys, rename_of_a_list_made_in_the_same_transaction)
{
    need("RPUSH probe x");
    cr_expect_str_eq(ct_exec("RPUSH a x y", "RENAME a b", "COPY b c", "RENAME c a", "LRANGE a 0 -1",
                             "LRANGE b 0 -1", NULL),
                     "*6\r\n:2\r\n+OK\r\n:1\r\n+OK\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n"
                     "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
    EXPECT("DBSIZE", ":3\r\n");
    ct_run("RPOP a");
    EXPECT("LRANGE b 0 -1", "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
    EXPECT("LRANGE a 0 -1", "*1\r\n$1\r\nx\r\n");
}

Test(keys, a_deleted_source_leaves_its_copy_whole)
{
    need("RPUSH l a b");
    EXPECT("COPY l l2", ":1\r\n");
    EXPECT("DEL l", ":1\r\n");
    EXPECT("LRANGE l2 0 -1", "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    /* A new "l" starts empty, not with the old elements. */
    ct_run("RPUSH l c");
    EXPECT("LRANGE l 0 -1", "*1\r\n$1\r\nc\r\n");
}

Test(keys, move_rejects_bad_dbs)
{
    ct_run("SET a v");
    EXPECT("MOVE a 0", "-ERR source and destination objects are the same\r\n");
    EXPECT("MOVE a 16", "-ERR DB index is out of range\r\n");
    EXPECT("MOVE a -1", "-ERR DB index is out of range\r\n");
    EXPECT("MOVE a x", "-ERR value is not an integer or out of range\r\n");
    EXPECT("MOVE a 4294967296", "-ERR value is not an integer or out of range\r\n");
    EXPECT("MOVE nokey 1", ":0\r\n");
    EXPECT("GET a", "$1\r\nv\r\n");
}

Test(keys, move_carries_a_set)
{
    need("SADD s a b c");
    EXPECT("MOVE s 2", ":1\r\n");
    EXPECT("EXISTS s", ":0\r\n");
    EXPECT("COPY s s DB 2", ":0\r\n"); /* gone from db 0 */
}

/* ------------------------------------------------------------ EXPIRE */

Test(keys, expire_sets_ttls_in_each_unit)
{
    ct_run("MSET a 1 b 2 c 3 d 4");
    EXPECT("EXPIRE a 100", ":1\r\n");
    EXPECT("PEXPIRE b 1500", ":1\r\n");
    EXPECT("EXPIREAT c 1700000200", ":1\r\n");
    EXPECT("PEXPIREAT d 1700000000250", ":1\r\n");
    EXPECT("TTL a", ":100\r\n");
    EXPECT("PTTL a", ":100000\r\n");
    EXPECT("TTL b", ":2\r\n"); /* 1.5 s rounds to 2 */
    EXPECT("PTTL b", ":1500\r\n");
    EXPECT("TTL c", ":200\r\n");
    EXPECT("EXPIRETIME c", ":1700000200\r\n");
    EXPECT("PEXPIRETIME c", ":1700000200000\r\n");
    EXPECT("PTTL d", ":250\r\n");
    EXPECT("EXPIRETIME d", ":1700000000\r\n");
    ct_now += 250;
    EXPECT("EXISTS d", ":0\r\n");
}

Test(keys, expire_on_a_missing_key_returns_zero)
{
    EXPECT("EXPIRE nokey 10", ":0\r\n");
    EXPECT("PEXPIREAT nokey 1", ":0\r\n");
    EXPECT("DBSIZE", ":0\r\n");
}

Test(keys, a_past_expiry_deletes_the_key)
{
    ct_run("MSET a 1 b 2 c 3");
    EXPECT("EXPIRE a -1", ":1\r\n");
    EXPECT("EXPIRE b 0", ":1\r\n");
    EXPECT("PEXPIREAT c 1700000000000", ":1\r\n");
    EXPECT("DBSIZE", ":0\r\n");
    EXPECT("EXISTS a b c", ":0\r\n");
}

Test(keys, expire_nx_xx_gt_lt_follow_redis_rules)
{
    ct_run("SET k v");
    EXPECT("EXPIRE k 100 XX", ":0\r\n");
    EXPECT("EXPIRE k 100 GT", ":0\r\n"); /* no expiry counts as infinite */
    EXPECT("EXPIRE k 100 LT", ":1\r\n");
    EXPECT("EXPIRE k 50 NX", ":0\r\n");
    EXPECT("EXPIRE k 200 XX", ":1\r\n");
    EXPECT("EXPIRE k 100 GT", ":0\r\n");
    EXPECT("EXPIRE k 200 GT", ":0\r\n");
    EXPECT("EXPIRE k 300 GT", ":1\r\n");
    EXPECT("EXPIRE k 300 LT", ":0\r\n");
    EXPECT("EXPIRE k 10 lt xx", ":1\r\n");
    EXPECT("TTL k", ":10\r\n");
    ct_run("SET j v");
    EXPECT("EXPIRE j 10 NX", ":1\r\n");
    EXPECT("TTL j", ":10\r\n");
}

Test(keys, expire_rejects_conflicting_and_unknown_options)
{
    ct_run("SET k v");
    EXPECT("EXPIRE k 10 NX XX", "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    EXPECT("EXPIRE k 10 NX GT", "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    EXPECT("PEXPIRE k 10 LT NX", "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
    EXPECT("EXPIRE k 10 GT LT", "-ERR GT and LT options at the same time are not compatible\r\n");
    EXPECT("EXPIRE k 10 foo", "-ERR Unsupported option foo\r\n");
    EXPECT("EXPIRE k ten foo", "-ERR Unsupported option foo\r\n");
    EXPECT("EXPIRE k ten", "-ERR value is not an integer or out of range\r\n");
    EXPECT("EXPIRE k 1.5", "-ERR value is not an integer or out of range\r\n");
    EXPECT("EXPIRE k", "-ERR wrong number of arguments for 'expire' command\r\n");
    EXPECT("TTL k", ":-1\r\n");
}

Test(keys, expire_overflow_is_an_invalid_expire_time)
{
    ct_run("SET k v");
    EXPECT("EXPIRE k 9223372036854775807", "-ERR invalid expire time in 'expire' command\r\n");
    EXPECT("EXPIRE k -9223372036854775808", "-ERR invalid expire time in 'expire' command\r\n");
    EXPECT("PEXPIRE k 9223372036854775807", "-ERR invalid expire time in 'pexpire' command\r\n");
    EXPECT("EXPIREAT k 9223372036854775807", "-ERR invalid expire time in 'expireat' command\r\n");
    EXPECT("EXISTS k", ":1\r\n");
    /* The largest absolute time fits. */
    EXPECT("PEXPIREAT k 9223372036854775807", ":1\r\n");
    EXPECT("PEXPIRETIME k", ":9223372036854775807\r\n");
}

Test(keys, expire_works_on_collections)
{
    need("RPUSH l a b");
    EXPECT("PEXPIRE l 100", ":1\r\n");
    EXPECT("PTTL l", ":100\r\n");
    ct_now += 100;
    EXPECT("EXISTS l", ":0\r\n");
    EXPECT("LLEN l", ":0\r\n");
}

Test(keys, ttl_family_reports_missing_and_persistent_keys)
{
    ct_run("SET k v");
    EXPECT("TTL nokey", ":-2\r\n");
    EXPECT("PTTL nokey", ":-2\r\n");
    EXPECT("EXPIRETIME nokey", ":-2\r\n");
    EXPECT("PEXPIRETIME nokey", ":-2\r\n");
    EXPECT("TTL k", ":-1\r\n");
    EXPECT("PTTL k", ":-1\r\n");
    EXPECT("EXPIRETIME k", ":-1\r\n");
    EXPECT("PEXPIRETIME k", ":-1\r\n");
}

Test(keys, ttl_rounds_to_the_nearest_second)
{
    ct_run("SET k v PX 1499");
    EXPECT("TTL k", ":1\r\n");
    ct_run("SET k v PX 1500");
    EXPECT("TTL k", ":2\r\n");
    ct_now += 1499;
    EXPECT("TTL k", ":0\r\n");
    EXPECT("PTTL k", ":1\r\n");
    ct_now += 1;
    EXPECT("TTL k", ":-2\r\n");
}

Test(keys, persist_removes_the_expiry)
{
    ct_run("SET k v EX 10");
    ct_run("SET p v");
    EXPECT("PERSIST k", ":1\r\n");
    EXPECT("PERSIST k", ":0\r\n");
    EXPECT("PERSIST p", ":0\r\n");
    EXPECT("PERSIST nokey", ":0\r\n");
    EXPECT("TTL k", ":-1\r\n");
    ct_now += 20000;
    EXPECT("GET k", "$1\r\nv\r\n");
}

Test(keys, persist_of_an_expired_key_returns_zero)
{
    ct_run("SET k v PX 10");
    ct_now += 10;
    EXPECT("PERSIST k", ":0\r\n");
    EXPECT("GET k", "$-1\r\n");
}

Test(keys, expiry_changes_in_a_transaction_apply_in_order)
{
    ct_run("SET k v");
    cr_expect_str_eq(ct_exec("EXPIRE k 10", "TTL k", "PERSIST k", "TTL k", NULL),
                     "*4\r\n:1\r\n:10\r\n:1\r\n:-1\r\n");
}

/* A SCAN under churn: keys present for the whole scan come back exactly
 * once, and nothing comes back that never existed. */
Test(keys, scan_under_random_churn_keeps_its_guarantees)
{
    enum { N = 200 };
    bool present[N] = {0}, always[N], ever[N];
    int seen[N] = {0};
    char line[128], cursor[1024] = "0", keys[64][64];
    uint64_t x = 12345;
    for (int i = 0; i < N; i += 2) {
        snprintf(line, sizeof line, "SET k%03d v", i);
        ct_run(line);
        present[i] = true;
    }
    for (int i = 0; i < N; i++)
        always[i] = ever[i] = present[i];
    int calls = 0;
    do {
        snprintf(line, sizeof line, "SCAN %s COUNT 7", cursor);
        int n = scan_reply(ct_run(line), cursor, sizeof cursor, keys, 64);
        for (int i = 0; i < n; i++) {
            int k = atoi(keys[i] + 1);
            cr_assert(k >= 0 && k < N && ever[k], "returned %s", keys[i]);
            seen[k]++;
        }
        for (int j = 0; j < 5; j++) { /* churn between calls */
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            int k = (int)((x >> 33) % N);
            snprintf(line, sizeof line, present[k] ? "DEL k%03d" : "SET k%03d v", k);
            ct_run(line);
            present[k] = !present[k];
            ever[k] = true;
            always[k] = false;
        }
        calls++;
    } while (strcmp(cursor, "0") != 0 && calls < 1000);
    cr_assert_str_eq(cursor, "0");
    for (int i = 0; i < N; i++) {
        if (always[i])
            cr_expect_eq(seen[i], 1, "k%03d seen %d times", i, seen[i]);
        cr_expect_leq(seen[i], 1, "k%03d seen %d times", i, seen[i]);
    }
}

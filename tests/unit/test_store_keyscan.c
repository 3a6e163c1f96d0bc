/* The keyspace's walks: SCAN cursors, RANDOMKEY, the expiry index, sub-key iterators. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/keyspace.h"
#include "test_store_util.h"

static store_fixture f;
static uint64_t next_index;

static void setup(void)
{
    fixture_open(&f);
    next_index = 1;
}

static void teardown(void) { fixture_close(&f); }

TestSuite(keyscan, .init = setup, .fini = teardown);

static void commit(ss_txn *t)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_txn_commit(t, next_index++, err), SS_OK, "commit: %s", err);
}

static void set_string(ss_txn *t, int db, const char *k, uint64_t expire_ms)
{
    ss_keymeta m;
    memset(&m, 0, sizeof m);
    m.type = SS_TYPE_STRING;
    m.expire_ms = expire_ms;
    cr_assert_eq(ss_ks_set(t, db, k, strlen(k), &m, "v", 1), SS_OK);
}

static bool slice_is(ss_slice s, const char *str)
{
    return s.len == strlen(str) && memcmp(s.data, str, s.len) == 0;
}

Test(keyscan, keys_come_in_byte_order_without_expired_ones)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 0, "b", 0);
    set_string(t, 0, "a", 0);
    set_string(t, 0, "ab", 50); /* expired at now = 100 */
    set_string(t, 0, "c", 500);
    set_string(t, 1, "other-db", 0);
    commit(t);
    t = ss_txn_begin(f.s);
    ss_ks_keyiter *ki;
    cr_assert_eq(ss_ks_keyiter_new(t, 0, 100, &ki), SS_OK);
    const char *want[] = { "a", "b", "c" };
    int n = 0;
    ss_ks_keyiter_seek(ki, "", 0);
    for (; ss_ks_keyiter_valid(ki); ss_ks_keyiter_next(ki), n++) {
        cr_assert_lt(n, 3);
        cr_expect(slice_is(ss_ks_keyiter_key(ki), want[n]), "key %d", n);
        ss_keymeta m;
        cr_expect_eq(ss_ks_keyiter_meta(ki, &m, NULL), SS_OK);
    }
    cr_expect_eq(n, 3);
    ss_ks_keyiter_free(ki);
    ss_txn_abort(t);
}

Test(keyscan, scan_cursor_resumes_while_keys_are_added)
{
    ss_txn *t = ss_txn_begin(f.s);
    char k[32];
    for (int i = 0; i < 100; i += 2) {
        snprintf(k, sizeof k, "key%03d", i);
        set_string(t, 0, k, 0);
    }
    commit(t);
    bool seen[100] = { false };
    char cursor[32] = "";
    size_t curlen = 0;
    bool started = false;
    int added = 1;
    for (int page = 0; page < 100; page++) {
        t = ss_txn_begin(f.s);
        ss_ks_keyiter *ki;
        cr_assert_eq(ss_ks_keyiter_new(t, 0, 0, &ki), SS_OK);
        if (started)
            ss_ks_keyiter_seek_after(ki, cursor, curlen);
        else
            ss_ks_keyiter_seek(ki, "", 0);
        started = true;
        int got = 0;
        for (; ss_ks_keyiter_valid(ki) && got < 7; ss_ks_keyiter_next(ki), got++) {
            ss_slice key = ss_ks_keyiter_key(ki);
            /* The slice is not NUL-terminated: what follows it in memory
             * may be digits too. */
            cr_assert_eq(key.len, 6);
            char num[4] = { key.data[3], key.data[4], key.data[5], 0 };
            int i = atoi(num);
            cr_expect_not(seen[i], "key%03d returned twice", i);
            seen[i] = true;
            memcpy(cursor, key.data, key.len);
            curlen = key.len;
        }
        bool done = !ss_ks_keyiter_valid(ki);
        ss_ks_keyiter_free(ki);
        ss_txn_abort(t);
        if (done)
            break;
        /* Between pages, add odd keys on both sides of the cursor. */
        t = ss_txn_begin(f.s);
        for (int j = 0; j < 3 && added < 100; j++, added += 2) {
            snprintf(k, sizeof k, "key%03d", added);
            set_string(t, 0, k, 0);
        }
        commit(t);
    }
    for (int i = 0; i < 100; i += 2)
        cr_expect(seen[i], "key%03d, present throughout, was never returned", i);
}

Test(keyscan, random_key_is_deterministic_and_live)
{
    char buf[64];
    size_t len;
    ss_txn *t = ss_txn_begin(f.s);
    cr_expect_eq(ss_ks_random_key(t, 0, 0, 42, buf, sizeof buf, &len), SS_ENOTFOUND);
    char k[32];
    for (int i = 0; i < 200; i++) {
        snprintf(k, sizeof k, "user:%d", i * 37 % 1000);
        set_string(t, 0, k, i % 3 == 0 ? 10 : 0); /* a third expire at 10 */
    }
    commit(t);
    t = ss_txn_begin(f.s);
    int distinct = 0;
    char prev[64] = "";
    for (uint64_t r = 0; r < 50; r++) {
        uint64_t rnd = r * 0x9E3779B97F4A7C15ull;
        cr_assert_eq(ss_ks_random_key(t, 0, 100, rnd, buf, sizeof buf, &len), SS_OK);
        buf[len] = '\0';
        ss_keymeta m;
        cr_expect_eq(ss_ks_lookup(t, 0, buf, len, 100, &m, NULL), SS_OK, "'%s' is live", buf);
        char again[64];
        size_t len2;
        cr_assert_eq(ss_ks_random_key(t, 0, 100, rnd, again, sizeof again, &len2), SS_OK);
        cr_expect(len2 == len && memcmp(again, buf, len) == 0, "same rnd, same key");
        if (strcmp(prev, buf) != 0)
            distinct++;
        strcpy(prev, buf);
    }
    cr_expect_gt(distinct, 10, "the choice spreads over the keys");
    cr_expect_eq(ss_ks_random_key(t, 0, 100, 1, buf, 2, &len), SS_ETOOBIG);
    ss_txn_abort(t);
}

typedef struct {
    int n;
    int db[16];
    char key[16][16];
    uint64_t ms[16];
    int stop_after;
} listing;

static int collect(void *ud, int db, const char *key, size_t klen, uint64_t expire_ms)
{
    listing *l = ud;
    l->db[l->n] = db;
    memcpy(l->key[l->n], key, klen);
    l->key[l->n][klen] = '\0';
    l->ms[l->n] = expire_ms;
    l->n++;
    return l->n == l->stop_after;
}

Test(keyscan, expired_keys_are_listed_in_expiry_order)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 2, "late", 300);
    set_string(t, 1, "b", 100);
    set_string(t, 0, "z", 100);
    set_string(t, 1, "a", 100);
    set_string(t, 0, "early", 50);
    set_string(t, 0, "future", 10000);
    set_string(t, 0, "forever", 0);
    set_string(t, 3, "flushed", 60);
    commit(t);
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_flushdb(t, 3), SS_OK);
    cr_assert_eq(ss_ks_set_expire(t, 0, "forever", 7, 200), SS_OK);
    cr_assert_eq(ss_ks_set_expire(t, 2, "late", 4, 0), SS_OK); /* PERSIST */
    listing l = { .stop_after = -1 };
    cr_assert_eq(ss_ks_expired(t, 300, 10, collect, &l), 5);
    const char *keys[] = { "early", "z", "a", "b", "forever" };
    const int dbs[] = { 0, 0, 1, 1, 0 };
    const uint64_t ms[] = { 50, 100, 100, 100, 200 };
    for (int i = 0; i < 5; i++) {
        cr_expect_str_eq(l.key[i], keys[i]);
        cr_expect_eq(l.db[i], dbs[i]);
        cr_expect_eq(l.ms[i], ms[i]);
    }
    l.n = 0;
    cr_expect_eq(ss_ks_expired(t, 300, 2, collect, &l), 2, "limit");
    l.n = 0;
    l.stop_after = 1;
    cr_expect_eq(ss_ks_expired(t, 300, 10, collect, &l), 1, "callback stops");
    l.n = 0;
    l.stop_after = -1;
    cr_expect_eq(ss_ks_expired(t, 49, 10, collect, &l), 0);
    ss_txn_abort(t);
}

Test(keyscan, sub_keys_iterate_in_order_both_ways_per_collection)
{
    ss_txn *t = ss_txn_begin(f.s);
    /* "a" and "ab" must not see each other's sub-keys, nor two versions. */
    const char *subs[] = { "\x01" "b", "\x01" "d", "\x02", "\x02" "c" };
    for (int i = 0; i < 4; i++)
        cr_assert_eq(ss_ks_sub_put(t, 0, "a", 1, 1, subs[i], strlen(subs[i]), "x", 1), SS_OK);
    cr_assert_eq(ss_ks_sub_put(t, 0, "ab", 2, 1, "\x01" "a", 2, "y", 1), SS_OK);
    cr_assert_eq(ss_ks_sub_put(t, 0, "a", 1, 2, "\x01" "a", 2, "z", 1), SS_OK);
    commit(t);
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_sub_put(t, 0, "a", 1, 1, "\x01" "c", 2, "p", 1), SS_OK); /* pending */
    cr_assert_eq(ss_ks_sub_del(t, 0, "a", 1, 1, "\x02", 1), SS_OK);
    ss_ks_subiter *si;
    cr_assert_eq(ss_ks_subiter_new(t, 0, "a", 1, 1, &si), SS_OK);
    const char *fwd[] = { "\x01" "b", "\x01" "c", "\x01" "d", "\x02" "c" };
    int n = 0;
    for (ss_ks_subiter_seek_first(si); ss_ks_subiter_valid(si); ss_ks_subiter_next(si), n++)
        cr_expect(n < 4 && slice_is(ss_ks_subiter_sub(si), fwd[n]), "forward %d", n);
    cr_expect_eq(n, 4);
    for (ss_ks_subiter_seek_last(si); ss_ks_subiter_valid(si); ss_ks_subiter_prev(si))
        n--;
    cr_expect_eq(n, 0);
    /* A namespace walk: seek to "\x01", stop when the namespace ends. */
    ss_ks_subiter_seek(si, "\x01" "c", 2);
    cr_assert(ss_ks_subiter_valid(si));
    cr_expect(slice_is(ss_ks_subiter_value(si), "p"));
    ss_ks_subiter_seek_for_prev(si, "\x01" "z", 2);
    cr_assert(ss_ks_subiter_valid(si));
    cr_expect(slice_is(ss_ks_subiter_sub(si), "\x01" "d"));
    ss_ks_subiter_seek_for_prev(si, "\x00", 1);
    cr_expect_not(ss_ks_subiter_valid(si));
    ss_ks_subiter_free(si);
    ss_slice v;
    cr_assert_eq(ss_ks_sub_get(t, 0, "a", 1, 2, "\x01" "a", 2, &v), SS_OK);
    cr_expect(slice_is(v, "z"));
    cr_expect_eq(ss_ks_sub_get(t, 0, "a", 1, 1, "\x01" "a", 2, &v), SS_ENOTFOUND);
    ss_txn_abort(t);
}

/* The keyspace layer: typed keys, expiry, DBSIZE, O(1) delete and flush, sub-keys, scans, sweeping. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
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

TestSuite(keyspace, .init = setup, .fini = teardown);

static void commit(ss_txn *t)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_txn_commit(t, next_index++, err), SS_OK, "commit: %s", err);
}

static ss_keymeta meta_of(ss_type type, uint64_t version, uint64_t expire_ms)
{
    ss_keymeta m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.version = version;
    m.expire_ms = expire_ms;
    return m;
}

static void set_string(ss_txn *t, int db, const char *k, const char *v, uint64_t expire_ms)
{
    ss_keymeta m = meta_of(SS_TYPE_STRING, 0, expire_ms);
    cr_assert_eq(ss_ks_set(t, db, k, strlen(k), &m, v, strlen(v)), SS_OK);
}

static uint64_t dbsize(ss_txn *t, int db)
{
    uint64_t n = 0;
    cr_assert_eq(ss_ks_dbsize(t, db, &n), SS_OK);
    return n;
}

/* Records of one region (first key byte), read through a fresh txn. */
static size_t count_region(int region)
{
    ss_txn *t = ss_txn_begin(f.s);
    char lo = (char)region, hi = (char)(region + 1);
    ss_txn_iter *it = ss_txn_iter_new(t, &lo, 1, &hi, 1);
    size_t n = 0;
    for (ss_txn_iter_seek_first(it); ss_txn_iter_valid(it); ss_txn_iter_next(it))
        n++;
    ss_txn_iter_free(it);
    ss_txn_abort(t);
    return n;
}

static void sweep_all(void)
{
    bool more = true;
    for (int i = 0; more && i < 100000; i++) {
        ss_errmsg err = "";
        cr_assert_eq(ss_store_sweep(f.s, 1000, &more, err), SS_OK, "sweep: %s", err);
    }
    cr_assert_not(more);
}

/* A set with members m0..m(n-1) under version v. */
static void make_set(ss_txn *t, int db, const char *k, uint64_t v, int n)
{
    char sub[32];
    for (int i = 0; i < n; i++) {
        int len = snprintf(sub, sizeof sub, "m%d", i);
        cr_assert_eq(ss_ks_sub_put(t, db, k, strlen(k), v, sub, (size_t)len, "", 0), SS_OK);
    }
    ss_keymeta m = meta_of(SS_TYPE_SET, v, 0);
    m.count = (uint64_t)n;
    cr_assert_eq(ss_ks_set(t, db, k, strlen(k), &m, NULL, 0), SS_OK);
}

static int count_members(ss_txn *t, int db, const char *k, uint64_t v)
{
    ss_ks_subiter *si;
    cr_assert_eq(ss_ks_subiter_new(t, db, k, strlen(k), v, &si), SS_OK);
    int n = 0;
    for (ss_ks_subiter_seek_first(si); ss_ks_subiter_valid(si); ss_ks_subiter_next(si))
        n++;
    ss_ks_subiter_free(si);
    return n;
}

Test(keyspace, string_set_get_and_overwrite)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 0, "k", "v1", 0);
    ss_keymeta m;
    ss_slice v;
    cr_assert_eq(ss_ks_lookup(t, 0, "k", 1, 1000, &m, &v), SS_OK);
    cr_expect(v.len == 2 && memcmp(v.data, "v1", 2) == 0);
    commit(t);
    t = ss_txn_begin(f.s);
    set_string(t, 0, "k", "second value", 0);
    cr_assert_eq(ss_ks_lookup(t, 0, "k", 1, 1000, &m, &v), SS_OK);
    cr_expect(v.len == 12 && memcmp(v.data, "second value", 12) == 0);
    cr_expect_eq(ss_ks_lookup(t, 1, "k", 1, 1000, &m, &v), SS_ENOTFOUND, "dbs are separate");
    cr_expect_eq(ss_ks_lookup(t, 16, "k", 1, 1000, &m, &v), SS_EINVAL);
    commit(t);
    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_lookup(t, 0, "k", 1, 1000, &m, &v), SS_OK);
    cr_expect_eq(m.type, SS_TYPE_STRING);
    cr_expect(v.len == 12 && memcmp(v.data, "second value", 12) == 0);
    ss_txn_abort(t);
}

Test(keyspace, set_with_a_value_read_from_the_same_key_is_safe)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 0, "k", "payload", 0);
    ss_slice v;
    cr_assert_eq(ss_ks_lookup(t, 0, "k", 1, 0, NULL, &v), SS_OK);
    ss_keymeta m = meta_of(SS_TYPE_STRING, 0, 5000);
    cr_assert_eq(ss_ks_set(t, 0, "k", 1, &m, v.data, v.len), SS_OK);
    cr_assert_eq(ss_ks_lookup(t, 0, "k", 1, 0, NULL, &v), SS_OK);
    cr_expect(v.len == 7 && memcmp(v.data, "payload", 7) == 0);
    ss_txn_abort(t);
}

Test(keyspace, expired_key_is_invisible_exactly_at_expire_ms)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 3, "session", "x", 5000);
    commit(t);
    t = ss_txn_begin(f.s);
    ss_keymeta m;
    cr_expect_eq(ss_ks_lookup(t, 3, "session", 7, 4999, &m, NULL), SS_OK);
    cr_expect_eq(m.expire_ms, 5000);
    cr_expect_eq(ss_ks_lookup(t, 3, "session", 7, 5000, &m, NULL), SS_ENOTFOUND);
    cr_expect_eq(ss_ks_lookup(t, 3, "session", 7, 9999, &m, NULL), SS_ENOTFOUND);
    cr_expect_eq(ss_ks_lookup_any(t, 3, "session", 7, &m, NULL), SS_OK);
    ss_txn_abort(t);
}

Test(keyspace, type_version_count_and_header_are_preserved)
{
    ss_txn *t = ss_txn_begin(f.s);
    ss_keymeta m = meta_of(SS_TYPE_LIST, 77, 123456789012ull);
    m.count = 3;
    m.hdr_len = SS_KS_HDR_MAX;
    for (int i = 0; i < SS_KS_HDR_MAX; i++)
        m.hdr[i] = (uint8_t)(i * 7);
    cr_assert_eq(ss_ks_set(t, 2, "list", 4, &m, NULL, 0), SS_OK);
    m.hdr_len = SS_KS_HDR_MAX + 1;
    cr_expect_eq(ss_ks_set(t, 2, "bad", 3, &m, NULL, 0), SS_EINVAL);
    commit(t);
    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    ss_keymeta got;
    cr_assert_eq(ss_ks_lookup(t, 2, "list", 4, 0, &got, NULL), SS_OK);
    cr_expect_eq(got.type, SS_TYPE_LIST);
    cr_expect_eq(got.version, 77);
    cr_expect_eq(got.count, 3);
    cr_expect_eq(got.expire_ms, 123456789012ull);
    cr_expect_eq(got.hdr_len, SS_KS_HDR_MAX);
    for (int i = 0; i < SS_KS_HDR_MAX; i++)
        cr_expect_eq(got.hdr[i], (uint8_t)(i * 7));
    ss_txn_abort(t);
}

Test(keyspace, deleting_a_100k_member_set_is_o1_and_the_sweep_removes_every_member)
{
    ss_txn *t = ss_txn_begin(f.s);
    make_set(t, 0, "big", 10, 100000);
    make_set(t, 0, "small", 11, 3);
    commit(t);
    cr_assert_eq(count_region(SS_KP_SUB), 100003);

    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_delete(t, 0, "big", 3), SS_OK);
    /* The metadata record, the counter and one garbage queue entry. */
    cr_expect_leq(ss_txn_pending(t), 3);
    cr_expect_eq(ss_ks_lookup(t, 0, "big", 3, 0, NULL, NULL), SS_ENOTFOUND);
    cr_expect_eq(ss_ks_delete(t, 0, "big", 3), SS_ENOTFOUND);
    commit(t);
    cr_expect_eq(count_region(SS_KP_SUB), 100003, "deletion leaves members to the sweeper");

    sweep_all();
    cr_expect_eq(count_region(SS_KP_SUB), 3);
    cr_expect_eq(count_region(SS_KP_GC_VER), 0);
    t = ss_txn_begin(f.s);
    cr_expect_eq(count_members(t, 0, "small", 11), 3, "the sweep leaves live members");
    ss_txn_abort(t);
}

Test(keyspace, recreated_key_does_not_see_old_members)
{
    ss_txn *t = ss_txn_begin(f.s);
    make_set(t, 0, "s", 5, 10);
    commit(t);
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_delete(t, 0, "s", 1), SS_OK);
    make_set(t, 0, "s", 6, 2);
    cr_expect_eq(count_members(t, 0, "s", 6), 2);
    cr_expect_eq(ss_ks_sub_get(t, 0, "s", 1, 6, "m5", 2, NULL), SS_ENOTFOUND);
    commit(t);
    t = ss_txn_begin(f.s);
    cr_expect_eq(count_members(t, 0, "s", 6), 2, "before the sweep too");
    ss_txn_abort(t);
    sweep_all();
    cr_expect_eq(count_region(SS_KP_SUB), 2);
}

Test(keyspace, overwriting_a_collection_with_a_string_orphans_its_members)
{
    ss_txn *t = ss_txn_begin(f.s);
    make_set(t, 0, "s", 5, 10);
    commit(t);
    t = ss_txn_begin(f.s);
    set_string(t, 0, "s", "now a string", 0);
    cr_expect_eq(dbsize(t, 0), 1);
    commit(t);
    sweep_all();
    cr_expect_eq(count_region(SS_KP_SUB), 0);
    /* Updating a collection's metadata under the same version keeps its members. */
    t = ss_txn_begin(f.s);
    make_set(t, 0, "t", 9, 4);
    ss_keymeta m = meta_of(SS_TYPE_SET, 9, 0);
    m.count = 4;
    cr_assert_eq(ss_ks_set(t, 0, "t", 1, &m, NULL, 0), SS_OK);
    commit(t);
    sweep_all();
    cr_expect_eq(count_region(SS_KP_SUB), 4);
}

Test(keyspace, dbsize_stays_exact)
{
    ss_txn *t = ss_txn_begin(f.s);
    cr_expect_eq(dbsize(t, 0), 0);
    set_string(t, 0, "a", "1", 0);
    set_string(t, 0, "b", "1", 100);
    set_string(t, 1, "a", "1", 0);
    cr_expect_eq(dbsize(t, 0), 2);
    set_string(t, 0, "a", "2", 0); /* overwrite */
    cr_expect_eq(dbsize(t, 0), 2);
    commit(t);
    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    cr_expect_eq(dbsize(t, 0), 2);
    cr_expect_eq(dbsize(t, 1), 1);
    /* b expired at 100 but counts until its deletion is applied. */
    cr_expect_eq(ss_ks_delete(t, 0, "b", 1), SS_OK);
    cr_expect_eq(dbsize(t, 0), 1);
    cr_expect_eq(ss_ks_delete(t, 0, "zz", 2), SS_ENOTFOUND);
    cr_expect_eq(dbsize(t, 0), 1);
    ss_txn_abort(t);
    t = ss_txn_begin(f.s);
    cr_expect_eq(dbsize(t, 0), 2, "abort discards the count change");
    cr_assert_eq(ss_ks_flushdb(t, 0), SS_OK);
    cr_expect_eq(dbsize(t, 0), 0);
    cr_expect_eq(dbsize(t, 1), 1);
    set_string(t, 0, "c", "1", 0);
    commit(t);
    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    cr_expect_eq(dbsize(t, 0), 1);
    cr_assert_eq(ss_ks_flushall(t), SS_OK);
    for (int db = 0; db < SS_KS_DBS; db++)
        cr_expect_eq(dbsize(t, db), 0);
    commit(t);
    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    cr_expect_eq(dbsize(t, 1), 0);
    ss_txn_abort(t);
}

Test(keyspace, flushdb_is_o1_and_the_sweep_cleans_the_old_epoch)
{
    ss_txn *t = ss_txn_begin(f.s);
    char k[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof k, "key%d", i);
        set_string(t, 4, k, "v", 1000 + (uint64_t)i);
    }
    make_set(t, 4, "set", 3, 5000);
    set_string(t, 5, "other", "v", 777);
    commit(t);
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_flushdb(t, 4), SS_OK);
    /* The epoch, the two counters (keys, keys with an expiry) and one
     * garbage queue entry. */
    cr_expect_leq(ss_txn_pending(t), 4);
    cr_expect_eq(ss_ks_lookup(t, 4, "key1", 4, 0, NULL, NULL), SS_ENOTFOUND);
    commit(t);
    sweep_all();
    cr_expect_eq(count_region(SS_KP_META), 1);
    cr_expect_eq(count_region(SS_KP_SUB), 0);
    cr_expect_eq(count_region(SS_KP_EXPIRE), 1);
    cr_expect_eq(count_region(SS_KP_GC_EPOCH), 0);
    t = ss_txn_begin(f.s);
    cr_expect_eq(ss_ks_lookup(t, 5, "other", 5, 0, NULL, NULL), SS_OK);
    ss_txn_abort(t);
}

Test(keyspace, sweep_resumes_after_interruption)
{
    ss_txn *t = ss_txn_begin(f.s);
    make_set(t, 0, "s", 1, 3000);
    commit(t);
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_delete(t, 0, "s", 1), SS_OK);
    commit(t);
    bool more = true;
    ss_errmsg err = "";
    cr_assert_eq(ss_store_sweep(f.s, 1000, &more, err), SS_OK, "%s", err);
    cr_expect(more);
    size_t left = count_region(SS_KP_SUB);
    cr_expect(left > 0 && left < 3000);
    fixture_reopen(&f);
    cr_expect_eq(count_region(SS_KP_SUB), left);
    sweep_all();
    cr_expect_eq(count_region(SS_KP_SUB), 0);
    cr_expect_eq(count_region(SS_KP_GC_VER), 0);
}

Test(keyspace, sweep_waits_while_a_txn_holds_writes)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 0, "a", "1", 0);
    bool more = false;
    cr_expect_eq(ss_store_sweep(f.s, 10, &more, NULL), SS_EBUSY);
    commit(t);
    cr_expect_eq(ss_store_sweep(f.s, 10, &more, NULL), SS_OK);
    cr_expect_not(more);
    cr_expect_eq(ss_store_applied_index(f.s), 1, "the sweep leaves the applied index");
}

static int cmp_bytes(const unsigned char *a, const unsigned char *b)
{
    return memcmp(a, b, 8);
}

Test(keyspace, double_encoding_orders_like_numbers)
{
    const double v[] = { -INFINITY, -DBL_MAX, -1e300, -2.5, -1.0, -DBL_MIN, -4.9e-324,
                         0.0, 4.9e-324, 2.2e-308, DBL_MIN, 1e-10, 1.0, 1.0000000000000002,
                         2.5, 1e300, DBL_MAX, INFINITY };
    size_t n = sizeof v / sizeof v[0];
    unsigned char a[8], b[8];
    for (size_t i = 0; i < n; i++) {
        ss_encode_double(v[i], a);
        double back = ss_decode_double(a);
        cr_expect(back == v[i], "round trip of %g", v[i]);
        for (size_t j = i + 1; j < n; j++) {
            ss_encode_double(v[j], b);
            cr_expect_lt(cmp_bytes(a, b), 0, "%g < %g", v[i], v[j]);
        }
    }
    /* -0.0 is numerically equal to 0.0 and encodes identically. */
    ss_encode_double(-0.0, a);
    ss_encode_double(0.0, b);
    cr_expect_eq(cmp_bytes(a, b), 0);
    cr_expect_not(signbit(ss_decode_double(a)));
}

Test(keyspace, i64_and_u64_encodings_order_like_numbers)
{
    const int64_t v[] = { INT64_MIN, INT64_MIN + 1, -1000000, -256, -1, 0, 1, 255, 256,
                          1000000, INT64_MAX - 1, INT64_MAX };
    size_t n = sizeof v / sizeof v[0];
    unsigned char a[8], b[8];
    for (size_t i = 0; i < n; i++) {
        ss_encode_i64(v[i], a);
        cr_expect_eq(ss_decode_i64(a), v[i]);
        for (size_t j = i + 1; j < n; j++) {
            ss_encode_i64(v[j], b);
            cr_expect_lt(cmp_bytes(a, b), 0, "%lld < %lld", (long long)v[i], (long long)v[j]);
        }
    }
    ss_encode_u64_be(255, a);
    ss_encode_u64_be(256, b);
    cr_expect_lt(cmp_bytes(a, b), 0);
    cr_expect_eq(ss_decode_u64_be(b), 256);
}

Test(keyspace, reusing_a_deleted_version_is_refused)
{
    ss_txn *t = ss_txn_begin(f.s);
    make_set(t, 0, "s", 5, 3);
    commit(t);
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_delete(t, 0, "s", 1), SS_OK);
    ss_keymeta m = meta_of(SS_TYPE_SET, 5, 0);
    cr_expect_eq(ss_ks_set(t, 0, "s", 1, &m, NULL, 0), SS_EEXIST);
    m.version = 6;
    cr_expect_eq(ss_ks_set(t, 0, "s", 1, &m, NULL, 0), SS_OK);
    commit(t);
}

Test(keyspace, a_50mb_string_round_trips)
{
    size_t len = 50u << 20;
    char *big = malloc(len);
    cr_assert_not_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)(i * 2654435761u >> 11);
    ss_txn *t = ss_txn_begin(f.s);
    ss_keymeta m = meta_of(SS_TYPE_STRING, 0, 0);
    cr_assert_eq(ss_ks_set(t, 0, "big", 3, &m, big, len), SS_OK);
    commit(t);
    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    ss_slice v;
    cr_assert_eq(ss_ks_lookup(t, 0, "big", 3, 0, NULL, &v), SS_OK);
    cr_expect_eq(v.len, len);
    cr_expect_eq(memcmp(v.data, big, len), 0);
    /* Changing only the expiry rewrites the record around the same value. */
    cr_assert_eq(ss_ks_set_expire(t, 0, "big", 3, 99), SS_OK);
    cr_assert_eq(ss_ks_lookup_any(t, 0, "big", 3, &m, &v), SS_OK);
    cr_expect_eq(m.expire_ms, 99);
    cr_expect(v.len == len && memcmp(v.data, big, len) == 0);
    ss_txn_abort(t);
    free(big);
}

/* Random sets, deletes, expiry changes and flushes against a model; after
 * each commit DBSIZE matches the records, and once swept, the sub-key and
 * expiry regions hold exactly what live keys own. */
#define MODEL_KEYS 40

typedef struct {
    bool exists;
    bool is_set;
    uint64_t version;
    int members;
    uint64_t expire_ms;
} mkey;

static uint64_t rng = 0xfeedfacecafebeefull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void check_model(mkey (*m)[MODEL_KEYS], bool swept)
{
    ss_txn *t = ss_txn_begin(f.s);
    size_t members = 0, expiring = 0, records = 0;
    for (int db = 0; db < 2; db++) {
        uint64_t want = 0;
        for (int i = 0; i < MODEL_KEYS; i++) {
            mkey *k = &m[db][i];
            if (!k->exists)
                continue;
            want++;
            records++;
            members += k->is_set ? (size_t)k->members : 0;
            expiring += k->expire_ms != 0;
            char name[16];
            int len = snprintf(name, sizeof name, "k%d", i);
            ss_keymeta meta;
            cr_assert_eq(ss_ks_lookup_any(t, db, name, (size_t)len, &meta, NULL), SS_OK);
            cr_assert_eq(meta.expire_ms, k->expire_ms);
            if (k->is_set)
                cr_assert_eq(count_members(t, db, name, k->version), k->members);
        }
        cr_assert_eq(dbsize(t, db), want, "db %d", db);
        ss_ks_keyiter *ki;
        cr_assert_eq(ss_ks_keyiter_new(t, db, 0, &ki), SS_OK);
        uint64_t n = 0;
        for (ss_ks_keyiter_seek(ki, "", 0); ss_ks_keyiter_valid(ki); ss_ks_keyiter_next(ki))
            n++;
        ss_ks_keyiter_free(ki);
        cr_assert_eq(n, want, "db %d records", db);
    }
    ss_txn_abort(t);
    if (swept) {
        cr_assert_eq(count_region(SS_KP_SUB), members);
        cr_assert_eq(count_region(SS_KP_EXPIRE), expiring);
        cr_assert_eq(count_region(SS_KP_META), records);
    }
}

Test(keyspace, counters_and_regions_match_a_model_over_random_operations)
{
    static mkey m[2][MODEL_KEYS];
    memset(m, 0, sizeof m);
    for (int round = 0; round < 150; round++) {
        ss_txn *t = ss_txn_begin(f.s);
        mkey saved[2][MODEL_KEYS];
        memcpy(saved, m, sizeof m);
        uint64_t index = next_index;
        int ops = 1 + (int)rnd(12);
        for (int op = 0; op < ops; op++) {
            int db = (int)rnd(2), i = (int)rnd(MODEL_KEYS);
            mkey *k = &m[db][i];
            char name[16];
            int len = snprintf(name, sizeof name, "k%d", i);
            uint32_t what = rnd(20);
            if (what < 6) { /* SET string, maybe with expiry */
                ss_keymeta meta = meta_of(SS_TYPE_STRING, 0, rnd(2) ? 0 : 1000 + rnd(5));
                cr_assert_eq(ss_ks_set(t, db, name, (size_t)len, &meta, "v", 1), SS_OK);
                *k = (mkey){ true, false, 0, 0, meta.expire_ms };
            } else if (what < 11) { /* replace with a fresh set */
                uint64_t version = index * 64 + (uint64_t)op;
                int n = (int)rnd(30);
                char sub[16];
                for (int j = 0; j < n; j++) {
                    int sl = snprintf(sub, sizeof sub, "m%d", j);
                    cr_assert_eq(ss_ks_sub_put(t, db, name, (size_t)len, version, sub,
                                               (size_t)sl, "", 0), SS_OK);
                }
                ss_keymeta meta = meta_of(SS_TYPE_SET, version, 0);
                meta.count = (uint64_t)n;
                cr_assert_eq(ss_ks_set(t, db, name, (size_t)len, &meta, NULL, 0), SS_OK);
                *k = (mkey){ true, true, version, n, 0 };
            } else if (what < 13 && k->is_set && k->exists) { /* remove one member */
                if (k->members > 0) {
                    char sub[16];
                    int sl = snprintf(sub, sizeof sub, "m%d", k->members - 1);
                    cr_assert_eq(ss_ks_sub_del(t, db, name, (size_t)len, k->version, sub,
                                               (size_t)sl), SS_OK);
                    k->members--;
                }
            } else if (what < 17) { /* DEL */
                int rc = ss_ks_delete(t, db, name, (size_t)len);
                cr_assert_eq(rc, k->exists ? SS_OK : SS_ENOTFOUND);
                k->exists = false;
            } else if (what < 19) { /* EXPIRE / PERSIST */
                uint64_t ms = rnd(2) ? 0 : 2000 + rnd(5);
                int rc = ss_ks_set_expire(t, db, name, (size_t)len, ms);
                cr_assert_eq(rc, k->exists ? SS_OK : SS_ENOTFOUND);
                if (k->exists)
                    k->expire_ms = ms;
            } else { /* FLUSHDB */
                cr_assert_eq(ss_ks_flushdb(t, db), SS_OK);
                for (int j = 0; j < MODEL_KEYS; j++)
                    m[db][j].exists = false;
            }
        }
        if (rnd(5) == 0) {
            ss_txn_abort(t);
            memcpy(m, saved, sizeof m);
        } else {
            commit(t);
        }
        if (rnd(4) == 0) {
            bool more;
            cr_assert_eq(ss_store_sweep(f.s, 1 + rnd(50), &more, NULL), SS_OK);
        }
        if (round % 40 == 39)
            fixture_reopen(&f);
        check_model(m, false);
    }
    sweep_all();
    check_model(m, true);
}

Test(keyspace, a_collection_cannot_change_type_under_the_same_version)
{
    ss_txn *t = ss_txn_begin(f.s);
    make_set(t, 0, "c", 8, 2);
    ss_keymeta m = meta_of(SS_TYPE_ZSET, 8, 0);
    cr_expect_eq(ss_ks_set(t, 0, "c", 1, &m, NULL, 0), SS_EINVAL);
    m.version = 9;
    cr_expect_eq(ss_ks_set(t, 0, "c", 1, &m, NULL, 0), SS_OK);
    cr_expect_eq(count_members(t, 0, "c", 9), 0);
    ss_txn_abort(t);
}

/* INFO keyspace's expires and avg_ttl for db, at now_ms. */
static void volatile_of(ss_txn *t, int db, uint64_t now_ms, uint64_t *n, uint64_t *ttl)
{
    cr_assert_eq(ss_ks_volatile(t, db, now_ms, n, ttl), SS_OK);
}

Test(keyspace, keys_with_an_expiry_are_counted_with_their_mean_time_left)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 2, "a", "v", 0);
    set_string(t, 2, "b", "v", 10000);
    set_string(t, 2, "c", "v", 30000);
    set_string(t, 3, "d", "v", 5000);
    uint64_t n, ttl;
    volatile_of(t, 2, 1000, &n, &ttl);
    cr_expect_eq(n, 2);
    cr_expect_eq(ttl, 19000); /* (10000 + 30000) / 2 - 1000 */
    /* A new expiry replaces the old one; PERSIST and DEL take it away. */
    cr_assert_eq(ss_ks_set_expire(t, 2, "b", 1, 20000), SS_OK);
    volatile_of(t, 2, 0, &n, &ttl);
    cr_expect_eq(n, 2);
    cr_expect_eq(ttl, 25000);
    cr_assert_eq(ss_ks_set_expire(t, 2, "c", 1, 0), SS_OK);
    cr_assert_eq(ss_ks_set_expire(t, 2, "a", 1, 40000), SS_OK);
    cr_assert_eq(ss_ks_delete(t, 2, "b", 1), SS_OK);
    volatile_of(t, 2, 0, &n, &ttl);
    cr_expect_eq(n, 1);
    cr_expect_eq(ttl, 40000);
    /* Overwriting a key without an expiry, as SET does. */
    set_string(t, 2, "a", "w", 0);
    volatile_of(t, 2, 0, &n, &ttl);
    cr_expect_eq(n, 0);
    cr_expect_eq(ttl, 0);
    volatile_of(t, 3, 9000, &n, &ttl);
    cr_expect_eq(n, 1);
    cr_expect_eq(ttl, 0, "a key past its time counts as none left");
    commit(t);
}

Test(keyspace, expiry_counters_survive_reopen_flush_and_rollback)
{
    ss_txn *t = ss_txn_begin(f.s);
    for (int i = 0; i < 10; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        set_string(t, 1, k, "v", i % 2 ? 1000 : 0);
    }
    commit(t);
    fixture_reopen(&f);
    uint64_t n, ttl;
    t = ss_txn_begin(f.s);
    volatile_of(t, 1, 0, &n, &ttl);
    cr_expect_eq(n, 5);
    cr_expect_eq(ttl, 1000);
    cr_assert_eq(ss_txn_savepoint(t), SS_OK);
    cr_assert_eq(ss_ks_delete(t, 1, "k1", 2), SS_OK);
    ss_txn_rollback(t);
    ss_txn_release_savepoint(t);
    volatile_of(t, 1, 0, &n, &ttl);
    cr_expect_eq(n, 5);
    cr_assert_eq(ss_ks_flushdb(t, 1), SS_OK);
    volatile_of(t, 1, 0, &n, &ttl);
    cr_expect_eq(n, 0);
    commit(t);
    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    volatile_of(t, 1, 0, &n, &ttl);
    cr_expect_eq(n, 0);
    ss_txn_abort(t);
}

Test(keyspace, a_store_without_expiry_counters_counts_its_expiry_index_at_open)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 0, "x", "v", 0);
    set_string(t, 0, "y", "v", 4000);
    set_string(t, 0, "z", "v", 6000);
    set_string(t, 7, "w", "v", 100);
    commit(t);
    /* As a store written before the counters: their records removed. */
    t = ss_txn_begin(f.s);
    for (int db = 0; db < SS_KS_DBS; db++) {
        char k[2] = {(char)SS_KP_VOLATILE, (char)db};
        cr_assert_eq(ss_txn_del(t, k, 2), SS_OK);
    }
    commit(t);
    cr_assert_eq(count_region(SS_KP_VOLATILE), 0);
    fixture_reopen(&f);
    uint64_t n, ttl;
    t = ss_txn_begin(f.s);
    volatile_of(t, 0, 0, &n, &ttl);
    cr_expect_eq(n, 2);
    cr_expect_eq(ttl, 5000);
    volatile_of(t, 7, 0, &n, &ttl);
    cr_expect_eq(n, 1);
    ss_txn_abort(t);
}

static int collect_expired(void *ud, int db, const char *key, size_t klen, uint64_t expire_ms)
{
    (void)key;
    (void)klen;
    (void)expire_ms;
    int *dbs = ud;
    dbs[dbs[0] + 1] = db;
    dbs[0]++;
    return 0;
}

static size_t keys_of(ss_txn *t, int db)
{
    ss_ks_keyiter *ki;
    cr_assert_eq(ss_ks_keyiter_new(t, db, 0, &ki), SS_OK);
    size_t n = 0;
    for (ss_ks_keyiter_seek(ki, "", 0); ss_ks_keyiter_valid(ki); ss_ks_keyiter_next(ki))
        n++;
    ss_ks_keyiter_free(ki);
    return n;
}

Test(keyspace, swapdb_exchanges_keys_members_counters_and_expiry_of_two_dbs)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 0, "a", "in0", 5000);
    make_set(t, 0, "s", 7, 3);
    set_string(t, 3, "b", "in3", 0);
    cr_assert_eq(ss_ks_swapdb(t, 0, 3), SS_OK);
    /* the same txn sees the swap at once (SWAPDB then GET in one EXEC) */
    ss_slice v;
    cr_assert_eq(ss_ks_lookup(t, 3, "a", 1, 0, NULL, &v), SS_OK);
    cr_expect(v.len == 3 && !memcmp(v.data, "in0", 3));
    cr_expect_eq(ss_ks_lookup(t, 0, "a", 1, 0, NULL, NULL), SS_ENOTFOUND);
    commit(t);

    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_lookup(t, 0, "b", 1, 0, NULL, &v), SS_OK);
    cr_expect(v.len == 3 && !memcmp(v.data, "in3", 3));
    cr_expect_eq(count_members(t, 3, "s", 7), 3);
    cr_expect_eq(count_members(t, 0, "s", 7), 0);
    cr_expect_eq(dbsize(t, 3), 2);
    cr_expect_eq(dbsize(t, 0), 1);
    cr_expect_eq(keys_of(t, 3), 2);
    cr_expect_eq(keys_of(t, 0), 1);
    uint64_t n, ttl;
    volatile_of(t, 3, 0, &n, &ttl);
    cr_expect_eq(n, 1);
    volatile_of(t, 0, 0, &n, &ttl);
    cr_expect_eq(n, 0);
    int dbs[8] = {0};
    cr_assert_eq(ss_ks_expired(t, 10000, 10, collect_expired, dbs), 1);
    cr_expect_eq(dbs[1], 3, "the expiry index names the db a client selects");
    /* writes and FLUSHDB land in the db the client names */
    set_string(t, 3, "c", "new", 0);
    cr_assert_eq(ss_ks_flushdb(t, 0), SS_OK);
    cr_expect_eq(dbsize(t, 0), 0);
    cr_expect_eq(dbsize(t, 3), 3);
    commit(t);

    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    cr_expect_eq(dbsize(t, 3), 3, "the map survives a reopen");
    cr_expect_eq(ss_ks_lookup(t, 3, "c", 1, 0, NULL, NULL), SS_OK);
    /* swapping back restores the first layout; a db with itself is a no-op */
    cr_assert_eq(ss_ks_swapdb(t, 3, 0), SS_OK);
    cr_assert_eq(ss_ks_swapdb(t, 5, 5), SS_OK);
    cr_expect_eq(ss_ks_swapdb(t, 0, SS_KS_DBS), SS_EINVAL);
    cr_expect_eq(ss_ks_swapdb(t, -1, 0), SS_EINVAL);
    cr_expect_eq(dbsize(t, 0), 3);
    cr_expect_eq(dbsize(t, 3), 0);
    commit(t);
}

Test(keyspace, a_rolled_back_swapdb_leaves_the_map_as_it_was)
{
    ss_txn *t = ss_txn_begin(f.s);
    set_string(t, 1, "k", "v", 0);
    cr_assert_eq(ss_txn_savepoint(t), SS_OK);
    cr_assert_eq(ss_ks_swapdb(t, 1, 2), SS_OK);
    cr_expect_eq(dbsize(t, 2), 1);
    ss_txn_rollback(t);
    ss_txn_release_savepoint(t);
    cr_expect_eq(dbsize(t, 1), 1);
    cr_expect_eq(dbsize(t, 2), 0);
    commit(t);
    /* an aborted txn's swap is not published either */
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_swapdb(t, 1, 2), SS_OK);
    ss_txn_abort(t);
    t = ss_txn_begin(f.s);
    cr_expect_eq(dbsize(t, 1), 1);
    ss_txn_abort(t);
}

Test(keyspace, a_swapdb_map_that_is_no_permutation_is_refused_at_open)
{
    ss_txn *t = ss_txn_begin(f.s);
    unsigned char bad[SS_KS_DBS] = {0}; /* every db on physical 0 */
    cr_assert_eq(ss_txn_put(t, SS_STORE_DBMAP_KEY, sizeof SS_STORE_DBMAP_KEY - 1, bad, sizeof bad), SS_OK);
    commit(t);
    ss_store_close(f.s);
    f.s = NULL;
    ss_errmsg err = "";
    ss_store *s = NULL;
    cr_expect_eq(ss_store_open(f.dir, NULL, &s, err), SS_ECORRUPT, "%s", err);
    ss_store_close(s);
}

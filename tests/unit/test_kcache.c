/* The record cache: its byte bound and LRU order, and that a store reading through it answers exactly as LevelDB would. */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/kcache.h"
#include "store/keys.h"
#include "store/keyspace.h"
#include "store/snapfile.h"
#include "store/txn.h"

/* ---- the cache alone ---- */

static kcache kc;

static void cache_teardown(void) { kcache_release(&kc); }

TestSuite(kcache, .fini = cache_teardown);

static void set(const char *k, const char *v)
{
    kcache_set(&kc, k, strlen(k), v, v ? strlen(v) : 0, true);
}

static void expect_cached(const char *k, const char *v)
{
    const char *got = NULL;
    size_t len = 0;
    kc_result r = kcache_get(&kc, k, strlen(k), &got, &len);
    if (v == NULL) {
        cr_expect_eq(r, KC_ABSENT, "'%s' should be cached absent", k);
        return;
    }
    cr_assert_eq(r, KC_HIT, "'%s' should be cached", k);
    cr_expect_eq(len, strlen(v));
    cr_expect_eq(memcmp(got, v, len), 0, "'%s'", k);
}

static bool is_cached(const char *k)
{
    const char *got;
    size_t len;
    return kcache_get(&kc, k, strlen(k), &got, &len) != KC_MISS;
}

Test(kcache, an_empty_cache_misses_and_counts_it)
{
    kcache_init(&kc, 1 << 20);
    cr_expect(!is_cached("a"));
    cr_expect_eq(kc.misses, 1);
    cr_expect_eq(kc.hits, 0);
}

Test(kcache, a_prefetch_changes_nothing_cached_or_counted)
{
    kcache_init(&kc, 0);
    kcache_prefetch(&kc, "a", 1, false); /* off: no buckets at all */
    kcache_prefetch(&kc, "a", 1, true);
    kcache_release(&kc);
    kcache_init(&kc, 1 << 20);
    kcache_prefetch(&kc, "a", 1, false); /* empty: none allocated yet */
    kcache_prefetch(&kc, "a", 1, true);
    set("a", "1");
    for (int deep = 0; deep < 2; deep++) {
        kcache_prefetch(&kc, "a", 1, deep);
        kcache_prefetch(&kc, "b", 1, deep);
        kcache_prefetch(&kc, "", 0, deep);
    }
    cr_expect_eq(kc.hits + kc.misses, 0, "a hint is no lookup");
    expect_cached("a", "1");
    cr_expect(!is_cached("b"));
}

Test(kcache, values_and_absent_keys_are_answered_and_counted_as_hits)
{
    kcache_init(&kc, 1 << 20);
    set("a", "1");
    set("gone", NULL);
    set("empty", "");
    expect_cached("a", "1");
    expect_cached("gone", NULL);
    expect_cached("empty", "");
    cr_expect_eq(kc.hits, 3);
    cr_expect_eq(kc.misses, 0);
    cr_expect_eq(kc.count, 3);
}

Test(kcache, an_overwrite_replaces_the_value_and_del_forgets)
{
    kcache_init(&kc, 1 << 20);
    set("a", "old");
    set("a", "a much longer new value");
    expect_cached("a", "a much longer new value");
    set("a", NULL);
    expect_cached("a", NULL);
    kcache_del(&kc, "a", 1);
    cr_expect(!is_cached("a"));
    cr_expect_eq(kc.count, 0);
}

Test(kcache, a_set_without_allocate_changes_only_cached_keys)
{
    kcache_init(&kc, 1 << 20);
    kcache_set(&kc, "new", 3, NULL, 0, false);
    cr_expect(!is_cached("new"));
    set("old", "1");
    kcache_set(&kc, "old", 3, NULL, 0, false);
    expect_cached("old", NULL);
}

Test(kcache, a_value_too_big_to_keep_drops_the_stale_entry)
{
    kcache_init(&kc, 1 << 20);
    set("k", "small");
    size_t big = KCACHE_ENTRY_MAX + 1;
    char *v = malloc(big);
    memset(v, 'x', big);
    kcache_set(&kc, "k", 1, v, big, true);
    free(v);
    /* Keeping "small" would answer a stale value. */
    cr_expect(!is_cached("k"));
}

Test(kcache, an_entry_over_an_eighth_of_the_capacity_is_not_kept)
{
    kcache_init(&kc, 8192);
    char v[2048];
    memset(v, 'y', sizeof v);
    kcache_set(&kc, "k", 1, v, sizeof v, true);
    cr_expect(!is_cached("k"));
    kcache_set(&kc, "k", 1, v, 512, true);
    cr_expect(is_cached("k"));
}

Test(kcache, the_charge_never_exceeds_the_capacity_and_the_oldest_go_first)
{
    kcache_init(&kc, 64 * 1024);
    char k[32], v[100];
    memset(v, 'v', sizeof v);
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "key:%d", i);
        kcache_set(&kc, k, strlen(k), v, (size_t)(i % 100), true);
        /* key:0 is read all along: it stays the most recently used. */
        cr_assert(is_cached("key:0"), "key:0 evicted at %d", i);
        cr_assert_leq(kc.bytes, kc.capacity, "at %d", i);
    }
    cr_expect_gt(kc.evictions, 0);
    cr_expect(!is_cached("key:1"), "the least recently used were evicted");
    cr_expect(is_cached("key:19999"));
    cr_expect_lt(kc.count, 20000);
}

Test(kcache, a_tiny_capacity_stays_bounded)
{
    for (size_t cap = 1; cap < 400; cap += 37) {
        kcache_init(&kc, cap);
        for (int i = 0; i < 50; i++) {
            char k[8];
            snprintf(k, sizeof k, "%d", i);
            set(k, "v");
            cr_assert_leq(kc.bytes, cap, "capacity %zu", cap);
        }
        kcache_release(&kc);
    }
}

Test(kcache, resize_evicts_down_to_the_new_capacity_and_zero_disables)
{
    kcache_init(&kc, 1 << 20);
    char k[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "k%d", i);
        set(k, "some value bytes");
    }
    size_t full = kc.bytes;
    kcache_resize(&kc, full / 4);
    cr_expect_leq(kc.bytes, full / 4);
    cr_expect(is_cached("k999"));
    kcache_resize(&kc, 0);
    cr_expect_eq(kc.count, 0);
    cr_expect_eq(kc.bytes, 0);
    uint64_t hits = kc.hits, misses = kc.misses;
    set("k1", "v");
    cr_expect(!is_cached("k1"));
    cr_expect_eq(kc.hits, hits, "a disabled cache counts nothing");
    cr_expect_eq(kc.misses, misses);
}

Test(kcache, clear_forgets_everything_but_the_counters)
{
    kcache_init(&kc, 1 << 20);
    set("a", "1");
    expect_cached("a", "1");
    kcache_clear(&kc);
    cr_expect_eq(kc.count, 0);
    cr_expect_eq(kc.bytes, 0);
    cr_expect_eq(kc.hits, 1);
    cr_expect(!is_cached("a"));
}

Test(kcache, a_complete_cache_answers_absent_for_what_it_does_not_hold)
{
    kcache_init(&kc, 1 << 20);
    set("a", "1");
    kcache_mark_complete(&kc);
    expect_cached("a", "1");
    expect_cached("never", NULL);
    cr_expect_eq(kc.misses, 0);
    set("a", NULL); /* a delete leaves no entry: none means absent */
    expect_cached("a", NULL);
    cr_expect_eq(kc.count, 0);
}

Test(kcache, completeness_ends_when_the_cache_drops_a_stored_record)
{
    /* an eviction */
    kcache_init(&kc, 4096);
    kcache_mark_complete(&kc);
    char k[16];
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof k, "k%d", i);
        set(k, "value");
    }
    cr_assert_gt(kc.evictions, 0);
    cr_expect(!kc.complete);
    cr_expect(!is_cached("k0"), "evicted, so a miss, not absent");
    kcache_release(&kc);

    /* a value too big to keep */
    kcache_init(&kc, 1 << 20);
    kcache_mark_complete(&kc);
    static char big[KCACHE_ENTRY_MAX + 1];
    memset(big, 'x', sizeof big - 1);
    set("big", big);
    cr_expect(!kc.complete);
    cr_expect(!is_cached("big"));
    kcache_release(&kc);

    /* a put of an uncached key that may not allocate (a bulk txn's) */
    kcache_init(&kc, 1 << 20);
    kcache_mark_complete(&kc);
    kcache_set(&kc, "b", 1, "v", 1, false);
    cr_expect(!is_cached("b"));
    kcache_release(&kc);

    /* a clear (a failed batch) */
    kcache_init(&kc, 1 << 20);
    kcache_mark_complete(&kc);
    kcache_clear(&kc);
    cr_expect(!is_cached("c"));
}

Test(kcache, a_disabled_cache_is_never_complete)
{
    kcache_init(&kc, 0);
    kcache_mark_complete(&kc);
    cr_expect(!is_cached("a"));
}

/* ---- through the store ---- */

static char tmpdir[64];
static uint64_t next_index;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void store_setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ss-kcache-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    next_index = 1;
}

static void store_teardown(void) { nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

TestSuite(kcache_store, .init = store_setup, .fini = store_teardown);

static ss_store *open_in(const char *sub, size_t cache_bytes)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, sub);
    ss_store_options o;
    ss_store_options_init(&o);
    o.record_cache_bytes = cache_bytes;
    ss_store *s = NULL;
    ss_errmsg err = "";
    cr_assert_eq(ss_store_open(dir, &o, &s, err), SS_OK, "open: %s", err);
    return s;
}

static void commit(ss_txn *t)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_txn_commit(t, next_index++, err), SS_OK, "commit: %s", err);
}

static ss_store_cache_stats stats(ss_store *s)
{
    ss_store_cache_stats st;
    ss_store_cache_stats_get(s, &st);
    return st;
}

static void set_string(ss_txn *t, const char *k, const char *v, uint64_t expire_ms)
{
    ss_keymeta m;
    memset(&m, 0, sizeof m);
    m.type = SS_TYPE_STRING;
    m.expire_ms = expire_ms;
    cr_assert_eq(ss_ks_set(t, 0, k, strlen(k), &m, v, strlen(v)), SS_OK);
}

/* key's string value as ss_ks_lookup sees it at now_ms in a fresh txn; NULL
 * when missing. Returns a static buffer. */
static const char *lookup_at(ss_store *s, const char *k, uint64_t now_ms)
{
    static char buf[256];
    ss_txn *t = ss_txn_begin(s);
    ss_keymeta m;
    ss_slice v;
    int rc = ss_ks_lookup(t, 0, k, strlen(k), now_ms, &m, &v);
    const char *out = NULL;
    if (rc == SS_OK) {
        cr_assert_lt(v.len, sizeof buf);
        memcpy(buf, v.data, v.len);
        buf[v.len] = 0;
        out = buf;
    } else {
        cr_assert_eq(rc, SS_ENOTFOUND);
    }
    ss_txn_abort(t);
    return out;
}

static const char *lookup(ss_store *s, const char *k) { return lookup_at(s, k, 1); }

Test(kcache_store, a_read_after_a_write_never_reaches_leveldb)
{
    ss_store *s = open_in("n", 1 << 20);
    ss_txn *t = ss_txn_begin(s);
    set_string(t, "k", "v1", 0);
    commit(t);
    ss_store_cache_stats before = stats(s);
    for (int i = 0; i < 10; i++)
        cr_expect_str_eq(lookup(s, "k"), "v1");
    ss_store_cache_stats after = stats(s);
    cr_expect_eq(after.misses, before.misses, "every read was answered by the cache");
    cr_expect_eq(after.hits, before.hits + 10);
    ss_store_close(s);
}

Test(kcache_store, a_new_store_answers_unknown_keys_without_leveldb)
{
    ss_store *s = open_in("n", 1 << 20);
    for (int i = 0; i < 10; i++)
        cr_expect_null(lookup(s, "nothing"));
    ss_txn *t = ss_txn_begin(s);
    set_string(t, "k", "v1", 0); /* SET of a new key: its lookups too */
    commit(t);
    cr_expect_str_eq(lookup(s, "k"), "v1");
    cr_expect_eq(stats(s).misses, 0, "no read went to LevelDB");
    ss_store_close(s);
}

Test(kcache_store, a_reopened_store_loads_a_few_records_and_stays_exact)
{
    ss_store *s = open_in("n", 1 << 20);
    ss_txn *t = ss_txn_begin(s);
    set_string(t, "k", "v1", 0);
    set_string(t, "gone", "x", 0);
    commit(t);
    t = ss_txn_begin(s);
    cr_assert_eq(ss_ks_delete(t, 0, "gone", 4), SS_OK);
    commit(t);
    ss_store_close(s);
    s = open_in("n", 1 << 20);
    cr_expect_str_eq(lookup(s, "k"), "v1");
    cr_expect_null(lookup(s, "gone"));
    cr_expect_null(lookup(s, "never"));
    cr_expect_eq(stats(s).misses, 0, "the records were loaded at the open");
    ss_store_close(s);
}

Test(kcache_store, a_store_opened_with_many_records_reads_misses_from_leveldb)
{
    ss_store *s = open_in("n", 16 << 20);
    ss_txn *t = ss_txn_begin(s);
    char k[32];
    for (int i = 0; i < 5000; i++) { /* more than an open loads */
        snprintf(k, sizeof k, "key:%d", i);
        set_string(t, k, "v", 0);
    }
    commit(t);
    ss_store_close(s);
    s = open_in("n", 16 << 20);
    cr_expect_str_eq(lookup(s, "key:4999"), "v");
    cr_expect_null(lookup(s, "never"));
    cr_expect_gt(stats(s).misses, 0, "not complete: an unknown key is looked up");
    ss_store_close(s);
}

Test(kcache_store, overwrite_delete_and_recreate_read_the_committed_value)
{
    ss_store *s = open_in("n", 1 << 20);
    ss_txn *t = ss_txn_begin(s);
    set_string(t, "k", "v1", 0);
    commit(t);
    cr_expect_str_eq(lookup(s, "k"), "v1");
    t = ss_txn_begin(s);
    set_string(t, "k", "v2", 0);
    commit(t);
    cr_expect_str_eq(lookup(s, "k"), "v2");
    t = ss_txn_begin(s);
    cr_assert_eq(ss_ks_delete(t, 0, "k", 1), SS_OK);
    commit(t);
    cr_expect_null(lookup(s, "k"));
    t = ss_txn_begin(s);
    set_string(t, "k", "v3", 0);
    commit(t);
    cr_expect_str_eq(lookup(s, "k"), "v3");
    /* Reopened without the cache: LevelDB holds what the cache answered. */
    ss_store_close(s);
    s = open_in("n", SS_STORE_CACHE_OFF);
    cr_expect_str_eq(lookup(s, "k"), "v3");
    cr_expect_eq(stats(s).hits, 0);
    ss_store_close(s);
}

Test(kcache_store, a_txn_reads_its_own_writes_over_the_cache_and_an_abort_leaves_it)
{
    ss_store *s = open_in("n", 1 << 20);
    ss_txn *t = ss_txn_begin(s);
    set_string(t, "k", "committed", 0);
    commit(t);
    cr_expect_str_eq(lookup(s, "k"), "committed");
    t = ss_txn_begin(s);
    set_string(t, "k", "pending", 0);
    ss_keymeta m;
    ss_slice v;
    cr_assert_eq(ss_ks_lookup(t, 0, "k", 1, 1, &m, &v), SS_OK);
    cr_expect_eq(v.len, 7);
    cr_expect_eq(memcmp(v.data, "pending", 7), 0);
    /* Another txn still sees the committed state. */
    cr_expect_str_eq(lookup(s, "k"), "committed");
    cr_assert_eq(ss_ks_delete(t, 0, "k", 1), SS_OK);
    cr_expect_eq(ss_ks_lookup(t, 0, "k", 1, 1, &m, &v), SS_ENOTFOUND);
    ss_txn_abort(t);
    cr_expect_str_eq(lookup(s, "k"), "committed");
    ss_store_close(s);
}

Test(kcache_store, a_value_read_stays_valid_while_another_txn_commits_over_it)
{
    ss_store *s = open_in("n", 1 << 20);
    ss_txn *t = ss_txn_begin(s);
    set_string(t, "k", "first value", 0);
    commit(t);
    cr_expect_str_eq(lookup(s, "k"), "first value"); /* now cached */
    ss_txn *reader = ss_txn_begin(s);
    ss_keymeta m;
    ss_slice v;
    cr_assert_eq(ss_ks_lookup(reader, 0, "k", 1, 1, &m, &v), SS_OK);
    t = ss_txn_begin(s);
    set_string(t, "k", "second", 0);
    commit(t);
    /* The reader's bytes are its own (ASan would see a use after free). */
    cr_expect_eq(v.len, 11);
    cr_expect_eq(memcmp(v.data, "first value", 11), 0);
    ss_txn_abort(reader);
    cr_expect_str_eq(lookup(s, "k"), "second");
    ss_store_close(s);
}

Test(kcache_store, flushall_and_expiry_hide_cached_keys)
{
    ss_store *s = open_in("n", 1 << 20);
    ss_txn *t = ss_txn_begin(s);
    set_string(t, "k", "v", 0);
    set_string(t, "ttl", "t", 1000);
    commit(t);
    cr_expect_str_eq(lookup_at(s, "ttl", 999), "t");
    cr_expect_null(lookup_at(s, "ttl", 1000), "expired: invisible at once");
    cr_expect_str_eq(lookup(s, "k"), "v");
    t = ss_txn_begin(s);
    cr_assert_eq(ss_ks_delete(t, 0, "ttl", 3), SS_OK); /* the expiry's delete */
    cr_assert_eq(ss_ks_flushall(t), SS_OK);
    commit(t);
    cr_expect_null(lookup(s, "k"));
    cr_expect_null(lookup_at(s, "ttl", 1));
    bool more = true;
    for (int i = 0; i < 100 && more; i++) {
        ss_errmsg err = "";
        cr_assert_eq(ss_store_sweep(s, 1000, &more, err), SS_OK, "%s", err);
    }
    cr_expect_null(lookup(s, "k"));
    t = ss_txn_begin(s);
    set_string(t, "k", "after", 0);
    commit(t);
    cr_expect_str_eq(lookup(s, "k"), "after");
    ss_store_close(s);
}

Test(kcache_store, a_snapshot_install_replaces_what_the_cache_knew)
{
    /* The source: k = "theirs", only_ours missing, at index 50. */
    ss_store *src = open_in("src", 1 << 20);
    ss_txn *t = ss_txn_begin(src);
    set_string(t, "k", "theirs", 0);
    set_string(t, "only_theirs", "x", 0);
    ss_errmsg err = "";
    cr_assert_eq(ss_txn_commit(t, 50, err), SS_OK, "%s", err);
    ss_store_snapshot *view = NULL;
    cr_assert_eq(ss_store_snapshot_new(src, &view), SS_OK);
    char snap[128];
    snprintf(snap, sizeof snap, "%s/a.snap", tmpdir);
    cr_assert_eq(ss_store_snapshot_write(view, 2, snap, NULL, NULL, err), SS_OK, "%s", err);
    ss_store_snapshot_free(view);
    ss_store_close(src);

    /* The node: its own values, all cached, at a smaller capacity. */
    ss_store *s = open_in("node", 1 << 20);
    ss_store_set_cache_size(s, 512 * 1024);
    t = ss_txn_begin(s);
    set_string(t, "k", "ours", 0);
    set_string(t, "only_ours", "y", 0);
    commit(t);
    cr_expect_str_eq(lookup(s, "k"), "ours");
    cr_expect_null(lookup(s, "only_theirs")); /* cached absent */
    cr_expect_str_eq(lookup(s, "only_ours"), "y");
    uint64_t hits = stats(s).hits;

    char dir[128];
    snprintf(dir, sizeof dir, "%s/node", tmpdir);
    ss_store_staged *st = NULL;
    cr_assert_eq(ss_store_stage_snapshot(dir, snap, NULL, &st, err), SS_OK, "stage: %s", err);
    ss_store_retired *old = NULL;
    cr_assert_eq(ss_store_adopt(s, st, &old, err), SS_OK, "adopt: %s", err);
    ss_store_retired_free(old);

    cr_expect_str_eq(lookup(s, "k"), "theirs");
    cr_expect_str_eq(lookup(s, "only_theirs"), "x");
    cr_expect_null(lookup(s, "only_ours"));
    ss_store_cache_stats after = stats(s);
    cr_expect_geq(after.hits, hits, "the counters carry over");
    cr_expect_eq(after.capacity, 512 * 1024, "so does the capacity");
    cr_expect_str_eq(lookup(s, "k"), "theirs");
    cr_expect_gt(stats(s).hits, after.hits);
    ss_store_close(s);
}

/* A deterministic generator for the differential run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Raw records read from two stores, one with a cache small enough to evict
 * all the time and one without: every read must agree. */
static void expect_same_get(ss_txn *a, ss_txn *b, const char *k, size_t klen)
{
    ss_slice va, vb;
    int ra = ss_txn_get(a, k, klen, &va), rb = ss_txn_get(b, k, klen, &vb);
    cr_assert_eq(ra, rb, "key %.*s", (int)klen - 1, k + 1);
    if (ra == SS_OK) {
        cr_assert_eq(va.len, vb.len, "key %.*s", (int)klen - 1, k + 1);
        cr_assert_eq(memcmp(va.data, vb.data, va.len), 0);
    }
}

/* The same random writes, commits, aborts and reads on a store with a cache
 * of cache_bytes and on one without: every read must agree. */
static void random_run(size_t cache_bytes)
{
    ss_store *cached = open_in("cached", cache_bytes);
    ss_store *plain = open_in("plain", SS_STORE_CACHE_OFF);
    char k[16], v[600];
    for (int round = 0; round < 400; round++) {
        ss_txn *a = ss_txn_begin(cached), *b = ss_txn_begin(plain);
        /* A reader open alongside the writer, as a GET during apply. */
        ss_txn *ra = ss_txn_begin(cached), *rb = ss_txn_begin(plain);
        int ops = 1 + (int)(next_rand() % 20);
        bool sp = false;
        for (int i = 0; i < ops; i++) {
            uint64_t r = next_rand();
            int klen = snprintf(k, sizeof k, "%ck%d", SS_KP_META, (int)(r % 300));
            switch ((r >> 16) % 6) {
            case 0:
            case 1: {
                size_t vlen = (size_t)((r >> 24) % sizeof v);
                memset(v, 'a' + (int)(r % 26), vlen);
                cr_assert_eq(ss_txn_put(a, k, (size_t)klen, v, vlen), SS_OK);
                cr_assert_eq(ss_txn_put(b, k, (size_t)klen, v, vlen), SS_OK);
                break;
            }
            case 2:
                cr_assert_eq(ss_txn_del(a, k, (size_t)klen), SS_OK);
                cr_assert_eq(ss_txn_del(b, k, (size_t)klen), SS_OK);
                break;
            case 3:
                expect_same_get(ra, rb, k, (size_t)klen);
                break;
            case 4:
                if (!sp) {
                    cr_assert_eq(ss_txn_savepoint(a), SS_OK);
                    cr_assert_eq(ss_txn_savepoint(b), SS_OK);
                    sp = true;
                } else {
                    ss_txn_rollback(a);
                    ss_txn_rollback(b);
                    sp = false;
                }
                break;
            default:
                expect_same_get(a, b, k, (size_t)klen);
                break;
            }
        }
        ss_txn_abort(ra);
        ss_txn_abort(rb);
        if (next_rand() % 4 == 0) {
            ss_txn_abort(a);
            ss_txn_abort(b);
        } else {
            ss_errmsg err = "";
            cr_assert_eq(ss_txn_commit(a, (uint64_t)round + 1, err), SS_OK, "%s", err);
            cr_assert_eq(ss_txn_commit(b, (uint64_t)round + 1, err), SS_OK, "%s", err);
        }
        ss_store_cache_stats st = stats(cached);
        cr_assert_leq(st.bytes, st.capacity);
    }
    ss_txn *a = ss_txn_begin(cached), *b = ss_txn_begin(plain);
    for (int i = 0; i < 300; i++) {
        int klen = snprintf(k, sizeof k, "%ck%d", SS_KP_META, i);
        expect_same_get(a, b, k, (size_t)klen);
    }
    ss_txn_abort(a);
    ss_txn_abort(b);
    ss_store_cache_stats st = stats(cached);
    cr_expect_gt(st.hits, 0);
    if (cache_bytes < 64 * 1024)
        cr_expect_gt(st.evictions, 0, "the run exercised eviction");
    else
        cr_expect_eq(st.misses, 0, "the cache stayed complete: no read reached LevelDB");
    ss_store_close(cached);
    ss_store_close(plain);
}

Test(kcache_store, random_writes_commits_and_aborts_read_as_without_the_cache)
{
    random_run(16 * 1024);
}

Test(kcache_store, a_complete_cache_reads_as_without_the_cache)
{
    random_run(16 << 20);
}

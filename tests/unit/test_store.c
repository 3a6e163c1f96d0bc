/* The store and its transactions: durability, the applied index, own-write reads, the merged iterator. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/txn.h"
#include "test_store_util.h"

static store_fixture f;

static void setup(void) { fixture_open(&f); }
static void teardown(void) { fixture_close(&f); }

TestSuite(store, .init = setup, .fini = teardown);

static void put_str(ss_txn *t, const char *k, const char *v)
{
    cr_assert_eq(ss_txn_put(t, k, strlen(k), v, strlen(v)), SS_OK);
}

static void expect_value(ss_txn *t, const char *k, const char *v)
{
    ss_slice got;
    int rc = ss_txn_get(t, k, strlen(k), &got);
    if (v == NULL) {
        cr_expect_eq(rc, SS_ENOTFOUND, "key '%s' should be missing", k);
        return;
    }
    cr_assert_eq(rc, SS_OK, "key '%s' should be present", k);
    cr_expect_eq(got.len, strlen(v));
    cr_expect_eq(memcmp(got.data, v, got.len), 0, "key '%s'", k);
}

static void commit(ss_txn *t, uint64_t index)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_txn_commit(t, index, err), SS_OK, "commit: %s", err);
}

Test(store, fresh_store_has_applied_index_zero)
{
    cr_expect_eq(ss_store_applied_index(f.s), 0);
}

/* One commit at (index, term) of a key of its own, then a reopen. */
static void commit_term_and_reopen(uint64_t index, uint64_t term)
{
    ss_txn *t = ss_txn_begin(f.s);
    char k[32];
    snprintf(k, sizeof k, "k%llu", (unsigned long long)index);
    put_str(t, k, "v");
    ss_errmsg err = "";
    cr_assert_eq(ss_txn_commit_term(t, index, term, err), SS_OK, "%s", err);
    cr_expect_eq(ss_store_applied_term(f.s), term);
    fixture_reopen(&f);
}

Test(store, the_applied_term_survives_reopens_when_it_stays_and_when_it_grows)
{
    commit_term_and_reopen(5, 2);
    cr_expect_eq(ss_store_applied_term(f.s), 2);
    commit_term_and_reopen(6, 2); /* unchanged: the record is not rewritten */
    cr_expect_eq(ss_store_applied_index(f.s), 6);
    cr_expect_eq(ss_store_applied_term(f.s), 2);
    commit_term_and_reopen(7, 3);
    cr_expect_eq(ss_store_applied_term(f.s), 3);
    ss_txn *t = ss_txn_begin(f.s);
    put_str(t, "x", "y");
    commit(t, 8); /* no term given: the last one stays */
    fixture_reopen(&f);
    cr_expect_eq(ss_store_applied_index(f.s), 8);
    cr_expect_eq(ss_store_applied_term(f.s), 3);
}

Test(store, reopen_keeps_data_and_applied_index)
{
    ss_txn *t = ss_txn_begin(f.s);
    put_str(t, "a", "1");
    put_str(t, "b", "2");
    commit(t, 7);
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_txn_del(t, "a", 1), SS_OK);
    commit(t, 9);
    fixture_reopen(&f);
    cr_expect_eq(ss_store_applied_index(f.s), 9);
    t = ss_txn_begin(f.s);
    expect_value(t, "a", NULL);
    expect_value(t, "b", "2");
    ss_txn_abort(t);
}

/* The overlay's filter of written keys (overlay.h: seen) may say "maybe",
 * never "no" for a key written: past its capacity, under a savepoint's
 * rollback, and for keys committed before (read through the cache). */
Test(store, a_txn_of_many_keys_reads_back_each_and_only_those)
{
    ss_txn *t = ss_txn_begin(f.s);
    put_str(t, "old", "committed");
    commit(t, 1);
    t = ss_txn_begin(f.s);
    char k[32], v[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "key:%d", i);
        snprintf(v, sizeof v, "v%d", i);
        put_str(t, k, v);
    }
    cr_assert_eq(ss_txn_savepoint(t), SS_OK);
    put_str(t, "undone", "x");
    ss_txn_rollback(t);
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "key:%d", i);
        snprintf(v, sizeof v, "v%d", i);
        expect_value(t, k, v);
        snprintf(k, sizeof k, "other:%d", i);
        expect_value(t, k, NULL);
    }
    expect_value(t, "undone", NULL);
    expect_value(t, "old", "committed");
    commit(t, 2);
    t = ss_txn_begin(f.s);
    expect_value(t, "key:19999", "v19999");
    ss_txn_abort(t);
}

Test(store, txn_reads_its_own_writes_and_deletes)
{
    ss_txn *t = ss_txn_begin(f.s);
    put_str(t, "gone", "x");
    put_str(t, "kept", "old");
    commit(t, 1);
    t = ss_txn_begin(f.s);
    put_str(t, "kept", "new");
    put_str(t, "fresh", "f");
    cr_assert_eq(ss_txn_del(t, "gone", 4), SS_OK);
    expect_value(t, "kept", "new");
    expect_value(t, "fresh", "f");
    expect_value(t, "gone", NULL);
    /* A delete then a put of the same key in one txn revives it. */
    cr_assert_eq(ss_txn_del(t, "fresh", 5), SS_OK);
    expect_value(t, "fresh", NULL);
    put_str(t, "fresh", "again");
    expect_value(t, "fresh", "again");
    commit(t, 2);
    t = ss_txn_begin(f.s);
    expect_value(t, "kept", "new");
    expect_value(t, "fresh", "again");
    expect_value(t, "gone", NULL);
    ss_txn_abort(t);
}

/* A read-only script reads through a view on its own thread while apply
 * commits: the view sees the state of its begin, by get and by iterator. */
Test(store, a_view_txn_reads_the_state_of_its_begin_while_later_commits_land)
{
    ss_txn *t = ss_txn_begin(f.s);
    put_str(t, "a", "1");
    put_str(t, "b", "1");
    commit(t, 1);
    ss_txn *view = ss_txn_begin_view(f.s);
    t = ss_txn_begin(f.s);
    put_str(t, "a", "2");
    cr_assert_eq(ss_txn_del(t, "b", 1), SS_OK);
    put_str(t, "c", "2");
    commit(t, 2);
    expect_value(view, "a", "1");
    expect_value(view, "b", "1");
    expect_value(view, "c", NULL);
    int n = 0;
    ss_txn_iter *it = ss_txn_iter_new(view, "a", 1, "d", 1);
    for (ss_txn_iter_seek_first(it); ss_txn_iter_valid(it); ss_txn_iter_next(it)) {
        ss_slice v = ss_txn_iter_value(it);
        cr_expect(v.len == 1 && v.data[0] == '1');
        n++;
    }
    ss_txn_iter_free(it);
    cr_expect_eq(n, 2);
    ss_txn_abort(view);
    t = ss_txn_begin(f.s); /* an ordinary txn sees the commit */
    expect_value(t, "a", "2");
    expect_value(t, "b", NULL);
    ss_txn_abort(t);
}

Test(store, abort_leaves_nothing)
{
    ss_txn *t = ss_txn_begin(f.s);
    put_str(t, "k", "v");
    commit(t, 3);
    t = ss_txn_begin(f.s);
    put_str(t, "other", "v");
    cr_assert_eq(ss_txn_del(t, "k", 1), SS_OK);
    ss_txn_abort(t);
    cr_expect_eq(ss_store_applied_index(f.s), 3);
    fixture_reopen(&f);
    cr_expect_eq(ss_store_applied_index(f.s), 3);
    t = ss_txn_begin(f.s);
    expect_value(t, "k", "v");
    expect_value(t, "other", NULL);
    ss_txn_abort(t);
}

Test(store, commit_applies_all_writes_and_the_index_together)
{
    ss_txn *t = ss_txn_begin(f.s);
    char k[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "k%04d", i);
        put_str(t, k, k);
    }
    commit(t, 42);
    fixture_reopen(&f);
    cr_expect_eq(ss_store_applied_index(f.s), 42);
    t = ss_txn_begin(f.s);
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "k%04d", i);
        expect_value(t, k, k);
    }
    ss_txn_abort(t);
}

Test(store, commit_below_the_applied_index_writes_nothing)
{
    ss_txn *t = ss_txn_begin(f.s);
    commit(t, 10);
    t = ss_txn_begin(f.s);
    put_str(t, "k", "v");
    ss_errmsg err = "";
    cr_expect_eq(ss_txn_commit(t, 9, err), SS_EINVAL);
    cr_expect_eq(ss_store_applied_index(f.s), 10);
    t = ss_txn_begin(f.s);
    expect_value(t, "k", NULL);
    ss_txn_abort(t);
}

Test(store, only_one_txn_may_hold_pending_writes)
{
    ss_txn *a = ss_txn_begin(f.s);
    ss_txn *b = ss_txn_begin(f.s);
    put_str(a, "a", "1");
    cr_expect_eq(ss_txn_put(b, "b", 1, "2", 1), SS_EBUSY);
    cr_expect_eq(ss_txn_del(b, "a", 1), SS_EBUSY);
    expect_value(b, "a", NULL); /* b does not see a's pending write */
    ss_txn_abort(b);
    commit(a, 1);
    b = ss_txn_begin(f.s);
    put_str(b, "b", "2"); /* the write lock was released */
    commit(b, 2);
}

Test(store, binary_keys_and_values_keep_every_byte)
{
    const char k1[] = { 'k', 0, 'b' }, k2[] = { 'k', 0 };
    const char v1[] = { 0, 0, 1, 0 }, v2[] = { (char)0xff, 0 };
    ss_txn *t = ss_txn_begin(f.s);
    cr_assert_eq(ss_txn_put(t, k1, 3, v1, 4), SS_OK);
    cr_assert_eq(ss_txn_put(t, k2, 2, v2, 2), SS_OK);
    cr_assert_eq(ss_txn_put(t, "k", 1, "", 0), SS_OK);
    cr_assert_eq(ss_txn_put(t, "", 0, "empty key", 9), SS_OK);
    commit(t, 1);
    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    ss_slice v;
    cr_assert_eq(ss_txn_get(t, k1, 3, &v), SS_OK);
    cr_expect(v.len == 4 && memcmp(v.data, v1, 4) == 0);
    cr_assert_eq(ss_txn_get(t, k2, 2, &v), SS_OK);
    cr_expect(v.len == 2 && memcmp(v.data, v2, 2) == 0);
    cr_assert_eq(ss_txn_get(t, "k", 1, &v), SS_OK);
    cr_expect_eq(v.len, 0);
    cr_assert_eq(ss_txn_get(t, "", 0, &v), SS_OK);
    cr_expect(v.len == 9 && memcmp(v.data, "empty key", 9) == 0);
    cr_expect_eq(ss_txn_get(t, "k\0c", 3, &v), SS_ENOTFOUND);
    /* Bytewise order: "k" < "k\0" < "k\0b"; and "" is below every other key. */
    ss_txn_iter *it = ss_txn_iter_new(t, "k", 1, "l", 1);
    size_t n = 0;
    for (ss_txn_iter_seek_first(it); ss_txn_iter_valid(it); ss_txn_iter_next(it), n++)
        cr_expect_eq(ss_txn_iter_key(it).len, n + 1);
    cr_expect_eq(n, 3);
    ss_txn_iter_free(it);
    it = ss_txn_iter_new(t, NULL, 0, NULL, 0);
    ss_txn_iter_seek_first(it);
    cr_assert(ss_txn_iter_valid(it));
    cr_expect_eq(ss_txn_iter_key(it).len, 0);
    ss_txn_iter_free(it);
    ss_txn_abort(t);
}

Test(store, a_50mb_value_survives_commit_and_reopen)
{
    size_t len = 50u << 20;
    char *big = malloc(len);
    cr_assert_not_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)(i * 2654435761u >> 13);
    ss_txn *t = ss_txn_begin(f.s);
    cr_assert_eq(ss_txn_put(t, "big", 3, big, len), SS_OK);
    commit(t, 1);
    fixture_reopen(&f);
    t = ss_txn_begin(f.s);
    ss_slice v;
    cr_assert_eq(ss_txn_get(t, "big", 3, &v), SS_OK);
    cr_expect_eq(v.len, len);
    cr_expect_eq(memcmp(v.data, big, len), 0);
    ss_txn_abort(t);
    free(big);
}

Test(store, txn_bigger_than_the_cap_is_refused)
{
    ss_store_close(f.s);
    ss_store_options o;
    ss_store_options_init(&o);
    o.max_txn_bytes = 1000;
    ss_errmsg err = "";
    cr_assert_eq(ss_store_open(f.dir, &o, &f.s, err), SS_OK, "%s", err);
    char v[600] = { 0 };
    ss_txn *t = ss_txn_begin(f.s);
    cr_expect_eq(ss_txn_put(t, "a", 1, v, sizeof v), SS_OK);
    cr_expect_eq(ss_txn_put(t, "b", 1, v, sizeof v), SS_ETOOBIG);
    ss_txn_abort(t);
}

Test(store, snapshot_is_unaffected_by_later_commits)
{
    ss_txn *t = ss_txn_begin(f.s);
    put_str(t, "a", "1");
    commit(t, 5);
    ss_store_snapshot *snap;
    cr_assert_eq(ss_store_snapshot_new(f.s, &snap), SS_OK);
    t = ss_txn_begin(f.s);
    put_str(t, "b", "2");
    cr_assert_eq(ss_txn_del(t, "a", 1), SS_OK);
    commit(t, 6);
    cr_expect_eq(ss_store_snapshot_index(snap), 5);
    bool saw_a = false, saw_b = false, saw_index = false;
    for (ss_store_snapshot_seek_first(snap); ss_store_snapshot_valid(snap);
         ss_store_snapshot_next(snap)) {
        ss_slice k = ss_store_snapshot_key(snap);
        ss_slice v = ss_store_snapshot_value(snap);
        if (k.len == 1 && k.data[0] == 'a')
            saw_a = v.len == 1 && v.data[0] == '1';
        if (k.len == 1 && k.data[0] == 'b')
            saw_b = true;
        if (k.len > 1 && k.data[0] == 0 && memcmp(k.data + 1, "applied_index", k.len - 1) == 0)
            saw_index = v.len == 8 && v.data[7] == 5;
    }
    cr_expect_eq(ss_store_snapshot_status(snap, NULL), SS_OK);
    cr_expect(saw_a);
    cr_expect_not(saw_b);
    cr_expect(saw_index);
    ss_store_snapshot_free(snap);
}

Test(store, open_refuses_a_directory_already_open)
{
    ss_store *again = NULL;
    ss_errmsg err = "";
    cr_expect_neq(ss_store_open(f.dir, NULL, &again, err), SS_OK);
    cr_expect_null(again);
    cr_expect_neq(err[0], '\0');
}

Test(store, rollback_to_a_savepoint_drops_only_the_writes_after_it)
{
    ss_txn *t = ss_txn_begin(f.s);
    put_str(t, "before", "1");
    put_str(t, "changed", "old");
    cr_assert_eq(ss_txn_savepoint(t), SS_OK);
    put_str(t, "changed", "new");
    put_str(t, "changed", "newer");
    put_str(t, "created", "x");
    cr_assert_eq(ss_txn_del(t, "before", 6), SS_OK);
    cr_assert_eq(ss_txn_del(t, "committed", 9), SS_OK);
    expect_value(t, "created", "x");
    ss_txn_rollback(t);
    expect_value(t, "before", "1");
    expect_value(t, "changed", "old");
    expect_value(t, "created", NULL);
    cr_expect_eq(ss_txn_pending(t), 2);
    /* The txn goes on after a rollback, and a second savepoint can be kept. */
    cr_assert_eq(ss_txn_savepoint(t), SS_OK);
    put_str(t, "kept", "k");
    ss_txn_release_savepoint(t);
    commit(t, 3);
    t = ss_txn_begin(f.s);
    expect_value(t, "before", "1");
    expect_value(t, "changed", "old");
    expect_value(t, "created", NULL);
    expect_value(t, "kept", "k");
    ss_txn_abort(t);
}

Test(store, rollback_keeps_an_iterable_order_of_many_keys)
{
    ss_txn *t = ss_txn_begin(f.s);
    char k[16];
    for (int i = 0; i < 200; i += 2) {
        snprintf(k, sizeof k, "k%03d", i);
        put_str(t, k, "a");
    }
    cr_assert_eq(ss_txn_savepoint(t), SS_OK);
    for (int i = 0; i < 200; i++) {
        snprintf(k, sizeof k, "k%03d", i);
        put_str(t, k, "b");
    }
    ss_txn_rollback(t);
    ss_txn_iter *it = ss_txn_iter_new(t, "k", 1, "l", 1);
    int n = 0;
    for (ss_txn_iter_seek_first(it); ss_txn_iter_valid(it); ss_txn_iter_next(it), n++) {
        snprintf(k, sizeof k, "k%03d", 2 * n);
        ss_slice key = ss_txn_iter_key(it), val = ss_txn_iter_value(it);
        cr_assert_eq(key.len, strlen(k));
        cr_assert_eq(memcmp(key.data, k, key.len), 0);
        cr_assert_eq(val.len, 1);
        cr_assert_eq(val.data[0], 'a');
    }
    cr_expect_eq(n, 100);
    for (ss_txn_iter_seek_last(it), n = 99; ss_txn_iter_valid(it); ss_txn_iter_prev(it), n--) {
        snprintf(k, sizeof k, "k%03d", 2 * n);
        cr_assert_eq(memcmp(ss_txn_iter_key(it).data, k, strlen(k)), 0);
    }
    cr_expect_eq(n, -1);
    ss_txn_iter_free(it);
    ss_txn_abort(t);
}

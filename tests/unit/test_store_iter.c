/* The merged txn iterator against a simple model: pending writes over LevelDB, both directions, bounds. */
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

TestSuite(store_iter, .init = setup, .fini = teardown);

/* The model's key universe: 'm' then every string of length 0..3 over four
 * symbols, including NUL and 0xff, in bytewise order. The 'm' keeps clear of
 * the store's own records (region 0x00); the "unbounded" ends of the walks
 * are 'm' and 'n'. */
#define NSYM 4
#define NKEYS (1 + NSYM + NSYM * NSYM + NSYM * NSYM * NSYM)
static const char syms[NSYM] = { 0, 'a', 'b', (char)0xff };

typedef struct {
    char k[4];
    size_t len;
} mkey;

static mkey keys[NKEYS];

static int keycmp(const void *a, const void *b)
{
    const mkey *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->k, y->k, n);
    return c ? c : (int)x->len - (int)y->len;
}

static void make_keys(void)
{
    int n = 0;
    for (int len = 0; len <= 3; len++) {
        int total = 1;
        for (int i = 0; i < len; i++)
            total *= NSYM;
        for (int v = 0; v < total; v++) {
            int x = v;
            keys[n].len = (size_t)len + 1;
            keys[n].k[0] = 'm';
            for (int i = 0; i < len; i++, x /= NSYM)
                keys[n].k[i + 1] = syms[x % NSYM];
            n++;
        }
    }
    qsort(keys, NKEYS, sizeof keys[0], keycmp);
}

/* Value per key: -1 absent, otherwise a small number written as the value. */
typedef struct {
    int committed[NKEYS];
    int pending[NKEYS];      /* -2 = no pending write, -1 = pending delete */
} model;

static int visible(const model *m, int i)
{
    return m->pending[i] != -2 ? m->pending[i] : m->committed[i];
}

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static void expect_at(ss_txn_iter *it, const model *m, int i)
{
    if (i < 0) {
        cr_assert_not(ss_txn_iter_valid(it), "iterator should be exhausted");
        return;
    }
    cr_assert(ss_txn_iter_valid(it), "iterator should be at model key %d", i);
    ss_slice k = ss_txn_iter_key(it);
    cr_assert(k.len == keys[i].len && memcmp(k.data, keys[i].k, k.len) == 0,
              "iterator key differs from model key %d", i);
    ss_slice v = ss_txn_iter_value(it);
    char want[16];
    int wl = snprintf(want, sizeof want, "%d", visible(m, i));
    cr_assert(v.len == (size_t)wl && memcmp(v.data, want, v.len) == 0, "value of key %d", i);
}

/* Expected index after a move within [lo, hi) (indices into keys[]). */
static int next_visible(const model *m, int from, int hi)
{
    for (int i = from; i < hi; i++)
        if (visible(m, i) >= 0)
            return i;
    return -1;
}

static int prev_visible(const model *m, int from, int lo)
{
    for (int i = from; i >= lo; i--)
        if (visible(m, i) >= 0)
            return i;
    return -1;
}

/* A random walk of seeks, nexts and prevs inside random bounds. */
static void check_walk(ss_txn *t, const model *m)
{
    int lo = rnd(3) == 0 ? 0 : (int)rnd(NKEYS);
    int hi = rnd(3) == 0 ? NKEYS : lo + (int)rnd(NKEYS - lo + 1);
    bool hi_end = hi == NKEYS;
    ss_txn_iter *it = ss_txn_iter_new(t, keys[lo].k, keys[lo].len,
                                      hi_end ? "n" : keys[hi].k, hi_end ? 1 : keys[hi].len);
    int pos = -1;
    for (int step = 0; step < 40; step++) {
        int op = (int)rnd(8);
        if (op == 0) {
            ss_txn_iter_seek_first(it);
            pos = next_visible(m, lo, hi);
        } else if (op == 1) {
            ss_txn_iter_seek_last(it);
            pos = prev_visible(m, hi - 1, lo);
        } else if (op == 2) {
            int k = (int)rnd(NKEYS);
            ss_txn_iter_seek(it, keys[k].k, keys[k].len);
            pos = next_visible(m, k > lo ? k : lo, hi);
        } else if (op == 3) {
            int k = (int)rnd(NKEYS);
            ss_txn_iter_seek_for_prev(it, keys[k].k, keys[k].len);
            pos = prev_visible(m, k < hi - 1 ? k : hi - 1, lo);
        } else if (pos < 0) {
            continue; /* moving an invalid iterator is not defined */
        } else if (op < 6) {
            ss_txn_iter_next(it);
            pos = next_visible(m, pos + 1, hi);
        } else {
            ss_txn_iter_prev(it);
            pos = prev_visible(m, pos - 1, lo);
        }
        expect_at(it, m, pos);
    }
    ss_txn_iter_free(it);
}

static void full_scans(ss_txn *t, const model *m)
{
    ss_txn_iter *it = ss_txn_iter_new(t, "m", 1, "n", 1);
    ss_txn_iter_seek_first(it);
    for (int i = next_visible(m, 0, NKEYS); i >= 0; i = next_visible(m, i + 1, NKEYS)) {
        expect_at(it, m, i);
        ss_txn_iter_next(it);
    }
    expect_at(it, m, -1);
    ss_txn_iter_seek_last(it);
    for (int i = prev_visible(m, NKEYS - 1, 0); i >= 0; i = prev_visible(m, i - 1, 0)) {
        expect_at(it, m, i);
        ss_txn_iter_prev(it);
    }
    expect_at(it, m, -1);
    ss_txn_iter_free(it);
}

Test(store_iter, matches_a_model_over_random_puts_and_deletes)
{
    make_keys();
    rng_state = 0x5eed1234abcdull;
    model m;
    for (int i = 0; i < NKEYS; i++)
        m.committed[i] = -1;
    uint64_t index = 0;
    for (int round = 0; round < 300; round++) {
        ss_txn *t = ss_txn_begin(f.s);
        for (int i = 0; i < NKEYS; i++)
            m.pending[i] = -2;
        int ops = (int)rnd(30);
        for (int op = 0; op < ops; op++) {
            int k = (int)rnd(NKEYS);
            if (rnd(3) == 0) {
                cr_assert_eq(ss_txn_del(t, keys[k].k, keys[k].len), SS_OK);
                m.pending[k] = -1;
            } else {
                int v = (int)rnd(1000);
                char buf[16];
                int n = snprintf(buf, sizeof buf, "%d", v);
                cr_assert_eq(ss_txn_put(t, keys[k].k, keys[k].len, buf, (size_t)n), SS_OK);
                m.pending[k] = v;
            }
            if (rnd(8) == 0)
                check_walk(t, &m);
        }
        full_scans(t, &m);
        for (int w = 0; w < 5; w++)
            check_walk(t, &m);
        if (rnd(4) == 0) {
            ss_txn_abort(t);
        } else {
            cr_assert_eq(ss_txn_commit(t, ++index, NULL), SS_OK);
            for (int i = 0; i < NKEYS; i++)
                if (m.pending[i] != -2)
                    m.committed[i] = m.pending[i];
        }
        if (round % 50 == 49)
            fixture_reopen(&f);
    }
}

Test(store_iter, sees_writes_made_while_iterating)
{
    ss_txn *t = ss_txn_begin(f.s);
    cr_assert_eq(ss_txn_put(t, "a", 1, "1", 1), SS_OK);
    cr_assert_eq(ss_txn_put(t, "c", 1, "3", 1), SS_OK);
    cr_assert_eq(ss_txn_commit(t, 1, NULL), SS_OK);
    t = ss_txn_begin(f.s);
    ss_txn_iter *it = ss_txn_iter_new(t, "a", 1, "z", 1);
    ss_txn_iter_seek_first(it);
    cr_assert(ss_txn_iter_valid(it));
    cr_expect_eq(ss_txn_iter_key(it).data[0], 'a');
    /* Insert ahead of the cursor and delete the committed key after it. */
    cr_assert_eq(ss_txn_put(t, "b", 1, "2", 1), SS_OK);
    cr_assert_eq(ss_txn_del(t, "c", 1), SS_OK);
    ss_txn_iter_next(it);
    cr_assert(ss_txn_iter_valid(it));
    cr_expect_eq(ss_txn_iter_key(it).data[0], 'b');
    ss_txn_iter_next(it);
    cr_expect_not(ss_txn_iter_valid(it));
    /* Deleting the current key while walking forward does not lose the walk. */
    ss_txn_iter_seek_first(it);
    cr_assert_eq(ss_txn_del(t, "a", 1), SS_OK);
    ss_txn_iter_next(it);
    cr_assert(ss_txn_iter_valid(it));
    cr_expect_eq(ss_txn_iter_key(it).data[0], 'b');
    ss_txn_iter_free(it);
    ss_txn_abort(t);
}

Test(store_iter, bounds_exclude_the_upper_key)
{
    ss_txn *t = ss_txn_begin(f.s);
    const char *ks[] = { "p", "p\x01", "pa", "pz", "q" };
    for (int i = 0; i < 5; i++)
        cr_assert_eq(ss_txn_put(t, ks[i], strlen(ks[i]), "v", 1), SS_OK);
    cr_assert_eq(ss_txn_commit(t, 1, NULL), SS_OK);
    t = ss_txn_begin(f.s);
    ss_txn_iter *it = ss_txn_iter_new(t, "p\x01", 2, "q", 1);
    int n = 0;
    for (ss_txn_iter_seek_first(it); ss_txn_iter_valid(it); ss_txn_iter_next(it))
        n++;
    cr_expect_eq(n, 3);
    ss_txn_iter_seek_last(it);
    cr_assert(ss_txn_iter_valid(it));
    cr_expect_eq(ss_txn_iter_key(it).len, 2);
    cr_expect_eq(memcmp(ss_txn_iter_key(it).data, "pz", 2), 0);
    ss_txn_iter_seek(it, "a", 1); /* below lo: clamps to lo */
    cr_assert(ss_txn_iter_valid(it));
    cr_expect_eq(memcmp(ss_txn_iter_key(it).data, "p\x01", 2), 0);
    ss_txn_iter_free(it);
    ss_txn_abort(t);
}

/* The string layer (store/strval.h): big strings in chunks, sparse writes that store what they write, reads that see zeros in the gaps. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "store/strval.h"
#include "test_store_util.h"

static store_fixture f;
static uint64_t next_index;

static void setup(void)
{
    fixture_open(&f);
    next_index = 1;
}

static void teardown(void) { fixture_close(&f); }

TestSuite(strval, .init = setup, .fini = teardown);

static void commit(ss_txn *t)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_txn_commit(t, next_index++, err), SS_OK, "commit: %s", err);
}

/* The value of key k as a caller holds it (missing: type NONE). */
static ss_strval open_str(ss_txn *t, const char *k)
{
    ss_strval v = {0, k, strlen(k), {0}, {NULL, 0}};
    int rc = ss_ks_lookup(t, 0, k, strlen(k), 0, &v.meta, &v.inl);
    cr_assert(rc == SS_OK || rc == SS_ENOTFOUND);
    if (rc == SS_ENOTFOUND)
        memset(&v.meta, 0, sizeof v.meta);
    return v;
}

typedef struct runs {
    int n;
    uint64_t bytes, zeros;
} runs;

static int count_runs(void *ud, uint64_t off, const char *data, size_t n)
{
    runs *r = ud;
    (void)off;
    r->n++;
    if (data)
        r->bytes += n;
    else
        r->zeros += n;
    return 0;
}

Test(strval, a_write_far_out_stores_one_small_chunk)
{
    ss_txn *t = ss_txn_begin(f.s);
    ss_strval v = open_str(t, "b");
    cr_assert_eq(ss_ks_str_write(t, &v, 400000000, "\x01", 1, 7), SS_OK);
    commit(t);
    t = ss_txn_begin(f.s);
    v = open_str(t, "b");
    cr_expect(ss_str_chunked(&v.meta));
    cr_expect_eq(ss_str_len(&v.meta, v.inl), 400000001);
    runs r = {0};
    cr_assert_eq(ss_ks_str_scan(t, &v, 0, 400000001, false, count_runs, &r), SS_OK);
    cr_expect_eq(r.n, 1, "only the chunk written is stored");
    /* A chunk stores the prefix of its span up to its last nonzero byte. */
    cr_expect_eq(r.bytes, 400000000 % SS_STR_CHUNK + 1, "got %llu", (unsigned long long)r.bytes);
    runs g = {0};
    cr_assert_eq(ss_ks_str_scan(t, &v, 0, 400000001, true, count_runs, &g), SS_OK);
    cr_expect_eq(g.bytes + g.zeros, 400000001, "gaps and data cover the whole string");
    char buf[4];
    cr_assert_eq(ss_ks_str_read(t, &v, 399999999, 4, buf), SS_OK);
    cr_expect(memcmp(buf, "\0\x01\0\0", 4) == 0, "zeros before, the byte, zeros past the end");
    ss_txn_abort(t);
}

Test(strval, a_string_that_grows_past_the_inline_limit_keeps_its_bytes)
{
    size_t n = SS_STR_INLINE_MAX - 2;
    char *val = malloc(n);
    for (size_t i = 0; i < n; i++)
        val[i] = (char)('a' + i % 26);
    ss_txn *t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_str_set(t, 0, "s", 1, 0, 3, val, n), SS_OK);
    commit(t);
    t = ss_txn_begin(f.s);
    ss_strval v = open_str(t, "s");
    cr_expect_not(ss_str_chunked(&v.meta));
    cr_assert_eq(ss_ks_str_write(t, &v, n, "XYZW", 4, 9), SS_OK);
    commit(t);
    t = ss_txn_begin(f.s);
    v = open_str(t, "s");
    cr_expect(ss_str_chunked(&v.meta));
    ss_slice all;
    cr_assert_eq(ss_ks_str_get(t, &v, &all), SS_OK);
    cr_assert_eq(all.len, n + 4);
    cr_expect(memcmp(all.data, val, n) == 0 && memcmp(all.data + n, "XYZW", 4) == 0);
    ss_txn_abort(t);
    free(val);
}

Test(strval, overwriting_a_chunked_string_with_a_short_one_drops_its_chunks)
{
    ss_txn *t = ss_txn_begin(f.s);
    ss_strval v = open_str(t, "b");
    cr_assert_eq(ss_ks_str_write(t, &v, 100000, "x", 1, 5), SS_OK);
    commit(t);
    t = ss_txn_begin(f.s);
    cr_assert_eq(ss_ks_str_set(t, 0, "b", 1, 0, 6, "short", 5), SS_OK);
    commit(t);
    t = ss_txn_begin(f.s);
    v = open_str(t, "b");
    cr_expect_not(ss_str_chunked(&v.meta));
    ss_slice all;
    cr_assert_eq(ss_ks_str_get(t, &v, &all), SS_OK);
    cr_expect(all.len == 5 && memcmp(all.data, "short", 5) == 0);
    ss_txn_abort(t);
}

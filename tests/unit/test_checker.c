/* The linearizability checker: what it must accept, what it must reject, its budget, its file format. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fault/checker.h"
#include "fault/history.h"

/* Each test builds one history (Criterion runs every test in its own process). */
static history h;

static void setup(void)
{
    history_init(&h);
}

static void teardown(void)
{
    history_release(&h);
}

TestSuite(checker, .init = setup, .fini = teardown);
TestSuite(history, .init = setup, .fini = teardown);

#define MS 1000000 /* times below are in ms, stored as ns */

static void add(int client, hist_kind kind, const char *key, const char *value, int64_t inv,
                int64_t comp, hist_outcome outcome, hist_result result)
{
    hist_op op = { .client = client, .kind = kind, .key = (char *)key, .value = (char *)value,
                   .invoke = inv * MS, .complete = comp * MS, .outcome = outcome,
                   .result = result };
    if (outcome == HIST_UNKNOWN)
        op.complete = INT64_MAX;
    ss_errmsg err = "";
    cr_assert_eq(history_add(&h, &op, err), SS_OK, "add: %s", err);
}

static const hist_result R_NONE = { HIST_R_NONE, 0, NULL };
static const hist_result R_OK = { HIST_R_OK, 0, NULL };
static const hist_result R_NIL = { HIST_R_NIL, 0, NULL };
static const hist_result R_ERR = { HIST_R_ERR, 0, NULL };

static hist_result r_int(int64_t i)
{
    return (hist_result){ HIST_R_INT, i, NULL };
}

static void set(int c, const char *k, const char *v, int64_t inv, int64_t comp)
{
    add(c, HIST_SET, k, v, inv, comp, HIST_OK, R_OK);
}

static void set_unknown(int c, const char *k, const char *v, int64_t inv)
{
    add(c, HIST_SET, k, v, inv, 0, HIST_UNKNOWN, R_NONE);
}

static void set_failed(int c, const char *k, const char *v, int64_t inv, int64_t comp)
{
    add(c, HIST_SET, k, v, inv, comp, HIST_FAILED, R_NONE);
}

/* v == NULL: the read returned nil. */
static void get(int c, const char *k, const char *v, int64_t inv, int64_t comp)
{
    hist_result r = v ? (hist_result){ HIST_R_STR, 0, (char *)v } : R_NIL;
    add(c, HIST_GET, k, NULL, inv, comp, HIST_OK, r);
}

static void setnx(int c, const char *k, const char *v, int64_t inv, int64_t comp, int won)
{
    add(c, HIST_SET_NX, k, v, inv, comp, HIST_OK, r_int(won));
}

static void del(int c, const char *k, int64_t inv, int64_t comp, int removed)
{
    add(c, HIST_DEL, k, NULL, inv, comp, HIST_OK, r_int(removed));
}

static void incr(int c, const char *k, int64_t inv, int64_t comp, int64_t result)
{
    add(c, HIST_INCR, k, NULL, inv, comp, HIST_OK, r_int(result));
}

static void incr_unknown(int c, const char *k, int64_t inv)
{
    add(c, HIST_INCR, k, NULL, inv, 0, HIST_UNKNOWN, R_NONE);
}

/* Checks h; keeps the report for failure messages. */
static check_verdict check_with(check_opts opts, char **report)
{
    check_result r;
    ss_errmsg err = "";
    cr_assert_eq(checker_check(&h, &opts, &r, err), SS_OK, "check: %s", err);
    check_verdict v = r.verdict;
    if (report)
        *report = strdup(r.report);
    check_result_release(&r);
    return v;
}

static void expect_verdict(check_verdict want)
{
    char *report = NULL;
    check_opts opts = { .max_states = 1000000 };
    check_verdict v = check_with(opts, &report);
    cr_expect_eq(v, want, "want %s, got:\n%s", checker_verdict_name(want), report);
    free(report);
}

#define expect_linearizable() expect_verdict(CHECK_LINEARIZABLE)
#define expect_not_linearizable() expect_verdict(CHECK_NOT_LINEARIZABLE)

/* ---- accepts ---- */

Test(checker, accepts_an_empty_history)
{
    expect_linearizable();
}

Test(checker, accepts_a_sequential_history)
{
    get(1, "k", NULL, 0, 1);
    set(1, "k", "a", 2, 3);
    get(2, "k", "a", 4, 5);
    set(2, "k", "b", 6, 7);
    get(1, "k", "b", 8, 9);
    del(1, "k", 10, 11, 1);
    get(2, "k", NULL, 12, 13);
    del(2, "k", 14, 15, 0);
    expect_linearizable();
}

Test(checker, accepts_overlapping_writes_with_reads_that_see_either_order)
{
    set(1, "k", "a", 0, 10);
    set(2, "k", "b", 1, 9);
    get(3, "k", "a", 11, 12); /* b then a */
    get(4, "k", "a", 13, 14);
    expect_linearizable();
}

Test(checker, accepts_the_other_order_of_overlapping_writes)
{
    set(1, "k", "a", 0, 10);
    set(2, "k", "b", 1, 9);
    get(3, "k", "b", 11, 12); /* a then b */
    expect_linearizable();
}

Test(checker, accepts_a_read_concurrent_with_a_write_seeing_the_old_value)
{
    set(1, "k", "old", 0, 1);
    set(1, "k", "new", 2, 10);
    get(2, "k", "old", 3, 5);
    expect_linearizable();
}

Test(checker, accepts_a_read_concurrent_with_a_write_seeing_the_new_value)
{
    set(1, "k", "old", 0, 1);
    set(1, "k", "new", 2, 10);
    get(2, "k", "new", 3, 5);
    get(3, "k", "new", 6, 7); /* once seen, it stays */
    expect_linearizable();
}

Test(checker, accepts_ops_whose_times_only_touch_as_concurrent)
{
    set(1, "k", "a", 0, 5);
    get(2, "k", NULL, 5, 6); /* ties count as overlapping */
    expect_linearizable();
}

Test(checker, accepts_an_unknown_write_that_later_appears)
{
    set(1, "k", "a", 0, 1);
    set_unknown(2, "k", "b", 2);
    get(3, "k", "a", 100, 101);
    get(3, "k", "b", 200, 201); /* it took effect late, after a timeout */
    get(1, "k", "b", 300, 301);
    expect_linearizable();
}

Test(checker, accepts_an_unknown_write_that_never_appears)
{
    set(1, "k", "a", 0, 1);
    set_unknown(2, "k", "b", 2);
    get(3, "k", "a", 100, 101);
    get(3, "k", "a", 200, 201);
    expect_linearizable();
}

Test(checker, drops_failed_writes)
{
    set(1, "k", "a", 0, 1);
    set_failed(2, "k", "b", 2, 3);
    get(3, "k", "a", 4, 5);
    expect_linearizable();
}

Test(checker, drops_unknown_reads)
{
    set(1, "k", "a", 0, 1);
    add(2, HIST_GET, "k", NULL, 2, 0, HIST_UNKNOWN, R_NONE);
    get(3, "k", "a", 4, 5);
    expect_linearizable();
}

Test(checker, accepts_unknown_incrs_with_a_total_between_acknowledged_and_attempted)
{
    incr(1, "n", 0, 1, 1);
    incr_unknown(2, "n", 2);
    incr_unknown(3, "n", 3);
    incr(1, "n", 4, 5, 3); /* one of the two unknown ones took effect */
    get(4, "n", "4", 100, 101); /* and then the other */
    expect_linearizable();
}

Test(checker, accepts_a_set_nx_race_with_exactly_one_winner)
{
    setnx(1, "lock", "c1", 0, 10, 0);
    setnx(2, "lock", "c2", 1, 9, 1);
    setnx(3, "lock", "c3", 2, 8, 0);
    get(4, "lock", "c2", 11, 12);
    expect_linearizable();
}

Test(checker, accepts_set_nx_winning_again_after_a_del)
{
    setnx(1, "lock", "c1", 0, 1, 1);
    del(1, "lock", 2, 3, 1);
    setnx(2, "lock", "c2", 4, 5, 1);
    get(3, "lock", "c2", 6, 7);
    expect_linearizable();
}

Test(checker, accepts_del_counting_only_existing_keys)
{
    del(1, "k", 0, 1, 0);
    set(1, "k", "a", 2, 3);
    del(2, "k", 4, 10, 1);
    del(3, "k", 5, 9, 0); /* concurrent DELs: one removes it */
    get(1, "k", NULL, 11, 12);
    expect_linearizable();
}

Test(checker, accepts_incr_errors_on_non_integers)
{
    set(1, "k", "abc", 0, 1);
    add(1, HIST_INCR, "k", NULL, 2, 3, HIST_OK, R_ERR);
    get(1, "k", "abc", 4, 5);
    set(1, "k", "41", 6, 7);
    incr(1, "k", 8, 9, 42);
    get(1, "k", "42", 10, 11);
    expect_linearizable();
}

Test(checker, treats_keys_independently)
{
    set(1, "a", "1", 0, 10);
    set(2, "b", "2", 0, 10);
    get(3, "a", "1", 11, 12);
    get(3, "b", "2", 11, 12);
    get(4, "c", NULL, 0, 1);
    expect_linearizable();
}

/* The linearizability checker: what it must accept, what it must reject, its budget, its file format. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static const hist_result RES_NONE = { HIST_R_NONE, 0, NULL };
static const hist_result RES_OK = { HIST_R_OK, 0, NULL };
static const hist_result RES_NIL = { HIST_R_NIL, 0, NULL };
static const hist_result RES_ERR = { HIST_R_ERR, 0, NULL };

static hist_result r_int(int64_t i)
{
    return (hist_result){ HIST_R_INT, i, NULL };
}

static void set(int c, const char *k, const char *v, int64_t inv, int64_t comp)
{
    add(c, HIST_SET, k, v, inv, comp, HIST_OK, RES_OK);
}

static void set_unknown(int c, const char *k, const char *v, int64_t inv)
{
    add(c, HIST_SET, k, v, inv, 0, HIST_UNKNOWN, RES_NONE);
}

static void set_failed(int c, const char *k, const char *v, int64_t inv, int64_t comp)
{
    add(c, HIST_SET, k, v, inv, comp, HIST_FAILED, RES_NONE);
}

/* v == NULL: the read returned nil. */
static void get(int c, const char *k, const char *v, int64_t inv, int64_t comp)
{
    hist_result r = v ? (hist_result){ HIST_R_STR, 0, (char *)v } : RES_NIL;
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
    add(c, HIST_INCR, k, NULL, inv, 0, HIST_UNKNOWN, RES_NONE);
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
    add(2, HIST_GET, "k", NULL, 2, 0, HIST_UNKNOWN, RES_NONE);
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
    add(1, HIST_INCR, "k", NULL, 2, 3, HIST_OK, RES_ERR);
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

/* ---- rejects ---- */

Test(checker, rejects_a_stale_read)
{
    set(1, "k", "v1", 0, 1);
    set(1, "k", "v2", 2, 3);
    get(2, "k", "v1", 4, 5); /* starts after v2 was acknowledged */
    expect_not_linearizable();
}

Test(checker, rejects_a_lost_write)
{
    set(1, "k", "before", 0, 1);
    set(2, "k", "lost", 2, 3); /* acknowledged, never visible */
    get(3, "k", "before", 10, 11);
    get(3, "k", "before", 20, 21);
    expect_not_linearizable();
}

Test(checker, rejects_a_read_of_a_value_never_written)
{
    set(1, "k", "a", 0, 10);
    get(2, "k", "zzz", 1, 9);
    expect_not_linearizable();
}

Test(checker, rejects_a_read_of_a_failed_write)
{
    set(1, "k", "a", 0, 1);
    set_failed(2, "k", "b", 2, 3);
    get(3, "k", "b", 4, 5);
    expect_not_linearizable();
}

Test(checker, rejects_a_read_before_the_write_was_invoked)
{
    get(1, "k", "a", 0, 1);
    set(2, "k", "a", 2, 3);
    expect_not_linearizable();
}

Test(checker, rejects_an_unknown_write_seen_before_it_was_invoked)
{
    get(1, "k", "b", 0, 1);
    set_unknown(2, "k", "b", 2);
    expect_not_linearizable();
}

Test(checker, rejects_two_set_nx_winners_without_a_del_between)
{
    setnx(1, "lock", "c1", 0, 10, 1);
    setnx(2, "lock", "c2", 1, 9, 1);
    expect_not_linearizable();
}

Test(checker, rejects_set_nx_losing_on_a_missing_key)
{
    setnx(1, "lock", "c1", 0, 1, 0);
    expect_not_linearizable();
}

Test(checker, rejects_incr_results_that_skip)
{
    incr(1, "n", 0, 1, 1);
    incr(2, "n", 2, 3, 3);
    expect_not_linearizable();
}

Test(checker, rejects_incr_results_that_repeat)
{
    incr(1, "n", 0, 10, 1);
    incr(2, "n", 1, 9, 1); /* concurrent, but both cannot see nil */
    expect_not_linearizable();
}

Test(checker, rejects_an_incr_total_above_what_was_attempted)
{
    incr(1, "n", 0, 1, 1);
    incr_unknown(2, "n", 2);
    get(3, "n", "3", 10, 11); /* at most 2 */
    expect_not_linearizable();
}

Test(checker, rejects_an_incr_that_succeeds_on_a_non_integer)
{
    set(1, "k", "abc", 0, 1);
    incr(1, "k", 2, 3, 1);
    expect_not_linearizable();
}

Test(checker, rejects_a_del_that_removes_a_missing_key)
{
    del(1, "k", 0, 1, 1);
    expect_not_linearizable();
}

Test(checker, rejects_a_write_visible_then_invisible_then_visible)
{
    set(1, "k", "old", 0, 1);
    set(2, "k", "new", 2, 100); /* long write: either value may be read while it runs */
    get(3, "k", "new", 10, 11);
    get(3, "k", "old", 20, 21);
    get(3, "k", "new", 30, 31);
    expect_not_linearizable();
}

Test(checker, rejects_one_bad_key_among_good_ones)
{
    set(1, "a", "1", 0, 1);
    get(1, "a", "1", 2, 3);
    set(1, "b", "1", 0, 1);
    set(1, "b", "2", 2, 3);
    get(2, "b", "1", 4, 5);
    set(1, "c", "x", 0, 1);
    check_result r;
    ss_errmsg err = "";
    cr_assert_eq(checker_check(&h, NULL, &r, err), SS_OK, "%s", err);
    cr_expect_eq(r.verdict, CHECK_NOT_LINEARIZABLE);
    cr_expect_eq(r.keys, 3);
    cr_expect_eq(r.keys_failed, 1);
    cr_expect_str_eq(r.failing_key, "b");
    check_result_release(&r);
}

Test(checker, rejects_invalid_ops_with_an_error)
{
    hist_op op = { .client = 1, .kind = HIST_SET, .key = "k", .value = "v", .invoke = 5,
                   .complete = 4, .outcome = HIST_OK, .result = RES_OK };
    /* history_add would refuse it; build the history by hand as a harness might. */
    h.ops = &op;
    h.len = 1;
    check_result r;
    ss_errmsg err = "";
    cr_expect_eq(checker_check(&h, NULL, &r, err), SS_EINVAL);
    cr_expect(strstr(err, "op #1") != NULL, "%s", err);
    h.ops = NULL;
    h.len = 0;
}

/* ---- lost writes ---- */

Test(checker, rejects_an_unknown_write_seen_then_unseen)
{
    set(1, "k", "old", 0, 1);
    set_unknown(2, "k", "new", 2);
    get(3, "k", "new", 10, 11); /* it took effect by t=11 */
    get(3, "k", "old", 20, 21); /* so "old" cannot come back */
    expect_not_linearizable();
}

Test(checker, accepts_a_repeated_value_written_by_an_unknown_and_an_acknowledged_write)
{
    /* Values are not relied on to be unique: either write may explain the reads. */
    set(1, "k", "a", 0, 1);
    set_unknown(2, "k", "same", 2);
    get(3, "k", "same", 10, 11);
    set(1, "k", "b", 12, 13);
    set(1, "k", "same", 14, 15);
    get(3, "k", "same", 16, 17);
    expect_linearizable();
}

Test(checker, proves_a_stale_read_after_many_lost_writes_within_a_small_budget)
{
    /* 60 lost writes that nobody saw, each of which may or may not have taken
     * effect: 2^60 subsets unless interchangeable lost writes are counted. */
    char v[16];
    int64_t t = 0;
    set(1, "k", "first", t, t + 1);
    for (int i = 0; i < 20; i++, t += 10) {
        snprintf(v, sizeof v, "lost%d", i);
        set_unknown(2, "k", v, t + 2);
        incr_unknown(3, "k", t + 3);
        add(4, HIST_DEL, "k", NULL, t + 4, 0, HIST_UNKNOWN, RES_NONE);
    }
    set(1, "k", "acked", t, t + 1);
    get(5, "k", "first", t + 10, t + 11);
    char *report = NULL;
    check_opts opts = { .max_states = 100000 };
    cr_expect_eq(check_with(opts, &report), CHECK_NOT_LINEARIZABLE, "%s", report);
    free(report);
}

Test(checker, accepts_many_lost_writes_one_of_which_explains_a_read)
{
    char v[16];
    int64_t t = 0;
    for (int i = 0; i < 30; i++, t += 10) {
        snprintf(v, sizeof v, "lost%d", i);
        set_unknown(2, "k", v, t);
        incr_unknown(3, "k", t + 1);
    }
    get(5, "k", "lost7", t, t + 1);
    add(5, HIST_INCR, "k", NULL, t + 2, t + 3, HIST_OK, RES_ERR); /* INCR on "lost7" */
    expect_linearizable();
}

/* ---- the report ---- */

Test(checker, reports_the_stuck_read_and_the_write_it_missed)
{
    set(1, "k3", "v7", 0, 100);
    set(2, "k3", "v9", 1000, 1150);
    get(2, "k3", "v7", 1204, 1209);
    for (int i = 0; i < 50; i++) /* later traffic the report can leave out */
        set(3, "k3", "w", 2000 + 10 * i, 2005 + 10 * i);
    set(3, "other", "x", 0, 1);
    char *report = NULL;
    check_opts opts = { 0 };
    cr_assert_eq(check_with(opts, &report), CHECK_NOT_LINEARIZABLE);
    cr_log_info("%s", report);
    cr_expect(strstr(report, "key \"k3\": not linearizable") != NULL, "%s", report);
    cr_expect(strstr(report, "shortest failing prefix: the 3 ops") != NULL, "%s", report);
    cr_expect(strstr(report, "ends before:\n    #3 client 2 GET \"k3\" -> \"v7\" "
                             "[t=1.204000s..1.209000s]") != NULL, "%s", report);
    cr_expect(strstr(report, "register after that prefix: \"v9\"") != NULL, "%s", report);
    cr_expect(strstr(report, "the value it returned was written by #1 client 1 SET \"k3\" "
                             "\"v7\" -> OK [t=0.000000s..0.100000s]") != NULL, "%s", report);
    cr_expect(strstr(report, "latest write acknowledged before #3 was invoked: #2 client 2 SET "
                             "\"k3\" \"v9\" -> OK [t=1.000000s..1.150000s] (acknowledged at "
                             "1.150000s)") != NULL, "%s", report);
    cr_expect(strstr(report, "\"w\"") == NULL, "later ops are not part of the failure:\n%s",
              report);
    free(report);
}

Test(checker, reports_the_whole_key_when_not_minimising)
{
    set(1, "k", "a", 0, 1);
    get(2, "k", "b", 2, 3);
    set(1, "k", "c", 4, 5);
    char *report = NULL;
    check_opts opts = { .no_minimise = 1 };
    cr_assert_eq(check_with(opts, &report), CHECK_NOT_LINEARIZABLE);
    cr_expect(strstr(report, "shortest failing prefix") == NULL, "%s", report);
    cr_expect(strstr(report, "#3 client 1 SET") != NULL, "%s", report);
    free(report);
}

/* ---- the search budget ---- */

/* n SETs all concurrent, then a read of `seen`. When no SET wrote it, proving
 * that needs every subset of the SETs: about 2^n states. */
static void hard_history(int n, const char *seen)
{
    char v[16];
    for (int i = 0; i < n; i++) {
        snprintf(v, sizeof v, "v%d", i);
        set(i, "k", v, 0, 1000);
    }
    get(99, "k", seen, 0, 1001);
}

Test(checker, returns_unknown_when_the_state_budget_runs_out)
{
    hard_history(12, "never");
    check_opts opts = { .max_states = 50 };
    cr_expect_eq(check_with(opts, NULL), CHECK_UNKNOWN);
    opts.max_states = 0; /* and with no limit the truth comes out */
    cr_expect_eq(check_with(opts, NULL), CHECK_NOT_LINEARIZABLE);
}

Test(checker, returns_unknown_for_a_linearizable_history_it_could_not_finish)
{
    /* The search places v0..v11 in order first, so finding v3 last takes more
     * than a handful of states; it must not guess either way. */
    hard_history(12, "v3");
    check_opts opts = { .max_states = 5 };
    cr_expect_eq(check_with(opts, NULL), CHECK_UNKNOWN);
    opts.max_states = 0;
    cr_expect_eq(check_with(opts, NULL), CHECK_LINEARIZABLE);
}

Test(checker, returns_unknown_when_the_time_budget_runs_out)
{
    hard_history(40, "never"); /* 2^40 states: no machine finishes this in a millisecond */
    check_opts opts = { .max_ms = 1 };
    cr_expect_eq(check_with(opts, NULL), CHECK_UNKNOWN);
}

/* ---- randomised: real sequential executions with random overlaps ---- */

typedef struct {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
    uint64_t x = (r->s += 0x9e3779b97f4a7c15ull);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static int64_t below(rng *r, int64_t n)
{
    return (int64_t)(rnd(r) % (uint64_t)n);
}

typedef struct {
    int nops, nkeys;
    int64_t spread;  /* ms an op may start before / end after its linearization point */
    int unknown_pct; /* writes whose outcome is lost; half of them take effect */
    int failed_pct;
    bool get_set_only;
} gen_params;

/* Applies ops in order at linearization points 10 ms apart and records each
 * with an interval around its point: linearizable by construction. SET and
 * SET_NX values are unique ("v<i>", "x<i>"), INCR values are integers. */
static void random_history(uint64_t seed, gen_params p)
{
    rng r = { seed };
    char vals[8][32];
    bool present[8] = { false };
    cr_assert(p.nkeys <= 8);
    for (int i = 0; i < p.nops; i++) {
        int k = (int)below(&r, p.nkeys);
        char key[8], value[32];
        snprintf(key, sizeof key, "k%d", k);
        int64_t lin = 10 * (int64_t)i + 100;
        int64_t inv = lin - below(&r, p.spread + 1), comp = lin + below(&r, p.spread + 1);
        int dice = (int)below(&r, 100);
        hist_kind kind = dice < 30 ? HIST_GET : dice < 60 ? HIST_SET : dice < 70 ? HIST_SET_NX
                         : dice < 80 ? HIST_DEL : HIST_INCR;
        if (p.get_set_only)
            kind = dice < 50 ? HIST_GET : HIST_SET;
        hist_outcome outcome = HIST_OK;
        dice = (int)below(&r, 100);
        if (dice < p.unknown_pct)
            outcome = HIST_UNKNOWN;
        else if (dice < p.unknown_pct + p.failed_pct)
            outcome = HIST_FAILED;
        bool applies = outcome == HIST_OK || (outcome == HIST_UNKNOWN && below(&r, 2));
        hist_result res = RES_OK;
        const char *arg = NULL;
        switch (kind) {
        case HIST_GET:
            res = present[k] ? (hist_result){ HIST_R_STR, 0, vals[k] } : RES_NIL;
            break;
        case HIST_SET:
        case HIST_SET_NX:
            snprintf(value, sizeof value, "%c%d", kind == HIST_SET ? 'v' : 'x', i);
            arg = value;
            if (kind == HIST_SET_NX)
                res = r_int(!present[k]);
            if (applies && (kind == HIST_SET || !present[k])) {
                strcpy(vals[k], value);
                present[k] = true;
            }
            break;
        case HIST_DEL:
            res = r_int(present[k]);
            if (applies)
                present[k] = false;
            break;
        case HIST_INCR: {
            char *end;
            long long n = present[k] ? strtoll(vals[k], &end, 10) : 0;
            if (present[k] && (*end != '\0' || vals[k][0] == '\0')) {
                res = RES_ERR;
                break;
            }
            res = r_int(n + 1);
            if (applies) {
                snprintf(vals[k], sizeof vals[k], "%lld", n + 1);
                present[k] = true;
            }
            break;
        }
        }
        add((int)below(&r, 6), kind, key, arg, inv, comp, outcome,
            outcome == HIST_OK ? res : RES_NONE);
    }
}

static bool effective_write(const hist_op *op)
{
    if (op->outcome != HIST_OK)
        return false;
    switch (op->kind) {
    case HIST_GET:    return false;
    case HIST_SET_NX: return op->result.i == 1;
    case HIST_INCR:   return op->result.type == HIST_R_INT;
    default:          return true;
    }
}

/* Makes a read see a value overwritten before it started: SET v (acked), then
 * another acknowledged write, then the read begins. False if there is none. */
static bool make_stale_read(rng *r)
{
    size_t start = (size_t)below(r, (int64_t)h.len);
    for (size_t n = 0; n < h.len; n++) {
        hist_op *g = &h.ops[(start + n) % h.len];
        if (g->kind != HIST_GET || g->outcome != HIST_OK)
            continue;
        for (size_t i = 0; i < h.len; i++) {
            const hist_op *s = &h.ops[i];
            if (s->kind != HIST_SET || s->outcome != HIST_OK || strcmp(s->key, g->key) != 0)
                continue;
            for (size_t j = 0; j < h.len; j++) {
                const hist_op *w = &h.ops[j];
                if (j != i && effective_write(w) && strcmp(w->key, g->key) == 0 &&
                    s->complete < w->invoke && w->complete < g->invoke) {
                    free(g->result.s);
                    g->result.type = HIST_R_STR;
                    g->result.s = strdup(s->value);
                    return true;
                }
            }
        }
    }
    return false;
}

/* Makes a read return a value that nothing ever wrote. */
static bool make_phantom_read(rng *r)
{
    size_t start = (size_t)below(r, (int64_t)h.len);
    for (size_t n = 0; n < h.len; n++) {
        hist_op *g = &h.ops[(start + n) % h.len];
        if (g->kind == HIST_GET && g->outcome == HIST_OK) {
            free(g->result.s);
            g->result.type = HIST_R_STR;
            g->result.s = strdup("phantom");
            return true;
        }
    }
    return false;
}

/* Every generated history must be accepted; after corruption, rejected. When
 * strict is false a corrupted history may also come back UNKNOWN (the budget
 * ran out proving it), never LINEARIZABLE. */
static void random_round_trip(gen_params p, int seeds, bool (*corrupt)(rng *), bool strict)
{
    int corrupted = 0, proven = 0;
    for (int seed = 1; seed <= seeds; seed++) {
        history_release(&h);
        history_init(&h);
        random_history((uint64_t)seed, p);
        char *report = NULL;
        check_opts opts = { .max_states = 1000000 };
        cr_assert_eq(check_with(opts, &report), CHECK_LINEARIZABLE, "seed %d:\n%s", seed,
                     report);
        free(report);
        rng r = { (uint64_t)seed * 7919 };
        if (!corrupt(&r))
            continue;
        corrupted++;
        /* Bisecting for the shortest failing prefix costs a few more searches:
         * the strict runs pay for it, so the report code runs on them too. */
        opts.max_states = strict ? 1000000 : 50000;
        opts.no_minimise = !strict;
        check_verdict v = check_with(opts, &report);
        if (strict)
            cr_assert_eq(v, CHECK_NOT_LINEARIZABLE, "seed %d, corrupted:\n%s", seed, report);
        else
            cr_assert_neq(v, CHECK_LINEARIZABLE, "seed %d, corrupted:\n%s", seed, report);
        proven += v == CHECK_NOT_LINEARIZABLE;
        free(report);
    }
    cr_expect_gt(corrupted, seeds / 2, "only %d of %d histories could be corrupted", corrupted,
                 seeds);
    if (!strict)
        cr_log_info("%d of %d corrupted histories proven not linearizable, the rest unknown",
                    proven, corrupted);
}

Test(checker, accepts_random_linearizable_histories_and_rejects_phantom_reads)
{
    gen_params p = { .nops = 120, .nkeys = 3, .spread = 25, .unknown_pct = 10,
                     .failed_pct = 5 };
    random_round_trip(p, 300, make_phantom_read, true);
}

Test(checker, accepts_random_linearizable_histories_and_rejects_stale_reads)
{
    gen_params p = { .nops = 120, .nkeys = 2, .spread = 15, .unknown_pct = 10,
                     .failed_pct = 5 };
    random_round_trip(p, 300, make_stale_read, true);
}

/* About ten ops in flight and a fifth of them lost: accepting is still cheap,
 * proving a violation may exceed the budget. */
Test(checker, accepts_random_highly_concurrent_histories)
{
    gen_params p = { .nops = 200, .nkeys = 1, .spread = 60, .unknown_pct = 20,
                     .failed_pct = 5 };
    random_round_trip(p, 30, make_phantom_read, false);
}

static double check_and_time(check_verdict want, const char *what)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    check_result r;
    ss_errmsg err = "";
    check_opts opts = { .max_states = 10000000 };
    cr_assert_eq(checker_check(&h, &opts, &r, err), SS_OK, "%s", err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    cr_expect_eq(r.verdict, want, "%s", r.report);
    fprintf(stderr, "benchmark: %s: %s in %.1f ms, %" PRIu64 " states\n", what,
            checker_verdict_name(r.verdict), ms, r.states);
    check_result_release(&r);
    return ms;
}

/* Not assertions on time: the figures go to the test output. */
Test(checker, benchmark_a_10k_op_history)
{
    gen_params p = { .nops = 10000, .nkeys = 4, .spread = 30, .unknown_pct = 5,
                     .failed_pct = 2 };
    random_history(42, p);
    check_and_time(CHECK_LINEARIZABLE, "10000 ops, 4 keys, ~6 in flight, 5% lost, all kinds");
}

Test(checker, benchmark_a_10k_op_history_with_a_stale_read)
{
    gen_params p = { .nops = 10000, .nkeys = 1, .spread = 30, .unknown_pct = 5,
                     .failed_pct = 2, .get_set_only = true };
    random_history(43, p);
    check_and_time(CHECK_LINEARIZABLE, "10000 ops, 1 key, GET/SET, 5% lost");
    rng r = { 7 };
    cr_assert(make_stale_read(&r));
    check_and_time(CHECK_NOT_LINEARIZABLE, "the same with one stale read, minimised report");
}

/* ---- the file format ---- */

static void expect_same_op(const hist_op *a, const hist_op *b, size_t i)
{
    cr_expect_eq(a->client, b->client, "op %zu", i);
    cr_expect_eq(a->kind, b->kind, "op %zu", i);
    cr_expect_str_eq(a->key, b->key, "op %zu", i);
    cr_expect_eq(a->value == NULL, b->value == NULL, "op %zu", i);
    if (a->value && b->value)
        cr_expect_str_eq(a->value, b->value, "op %zu", i);
    cr_expect_eq(a->invoke, b->invoke, "op %zu", i);
    cr_expect_eq(a->complete, b->complete, "op %zu", i);
    cr_expect_eq(a->outcome, b->outcome, "op %zu", i);
    cr_expect_eq(a->result.type, b->result.type, "op %zu", i);
    cr_expect_eq(a->result.i, b->result.i, "op %zu", i);
    cr_expect_eq(a->result.s == NULL, b->result.s == NULL, "op %zu", i);
    if (a->result.s && b->result.s)
        cr_expect_str_eq(a->result.s, b->result.s, "op %zu", i);
}

Test(history, round_trips_every_kind_outcome_and_awkward_value)
{
    set(1, "plain", "v17", 0, 1);
    set(2, "with space", "a b\"c\\d\ne\tf\x01\xff", 2, 3);
    get(3, "with space", "a b\"c\\d\ne\tf\x01\xff", 4, 5);
    get(3, "plain", NULL, 4, 5);
    setnx(4, "lock", "x", 6, 7, 1);
    del(5, "lock", 8, 9, 1);
    incr(6, "n", 10, 11, -3);
    add(6, HIST_INCR, "n", NULL, 12, 13, HIST_OK, RES_ERR);
    incr_unknown(7, "n", 14);
    set_failed(8, "k", "nope", 15, 16);
    add(9, HIST_GET, "k", NULL, 17, 18, HIST_UNKNOWN, RES_NONE); /* unknown with a time */
    h.ops[h.len - 1].complete = 18 * MS;

    FILE *f = tmpfile();
    cr_assert_not_null(f);
    ss_errmsg err = "";
    cr_assert_eq(history_write(&h, f, err), SS_OK, "%s", err);
    rewind(f);
    history back;
    history_init(&back);
    cr_assert_eq(history_read(&back, f, err), SS_OK, "%s", err);
    fclose(f);
    cr_assert_eq(back.len, h.len);
    for (size_t i = 0; i < h.len; i++)
        expect_same_op(&h.ops[i], &back.ops[i], i);
    history_release(&back);
}

Test(history, writes_one_readable_line_per_op)
{
    set(3, "k1", "v17", 0, 1);
    char line[256];
    size_t n = history_format_op(&h.ops[0], line, sizeof line);
    cr_expect_str_eq(line, "client=3 op=SET key=\"k1\" value=\"v17\" invoke=0 complete=1000000 "
                           "outcome=ok result=OK\n");
    cr_expect_eq(n, strlen(line));
    char tiny[8];
    cr_expect_eq(history_format_op(&h.ops[0], tiny, sizeof tiny), n, "reports the length needed");
    cr_expect_eq(strlen(tiny), sizeof tiny - 1);
}

Test(history, reads_bare_words_comments_and_blank_lines)
{
    const char *text = "# a comment\n"
                       "\n"
                       "client=3 op=SET key=k1 value=v17 invoke=123 complete=456 outcome=ok "
                       "result=OK\n"
                       "  outcome=ok result=\"v17\" op=GET client=4 key=k1 invoke=500 complete=600\n"
                       "client=5 op=INCR key=n invoke=700 outcome=unknown\r\n";
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    ss_errmsg err = "";
    cr_assert_eq(history_read(&h, f, err), SS_OK, "%s", err);
    fclose(f);
    cr_assert_eq(h.len, 3);
    cr_expect_str_eq(h.ops[0].value, "v17");
    cr_expect_eq(h.ops[0].invoke, 123);
    cr_expect_eq(h.ops[1].client, 4);
    cr_expect_str_eq(h.ops[1].result.s, "v17");
    cr_expect_eq(h.ops[2].outcome, HIST_UNKNOWN);
    cr_expect_eq(h.ops[2].complete, INT64_MAX);
}

Test(history, rejects_malformed_lines_with_a_clear_error)
{
    static const struct {
        const char *line;
        const char *error;
    } cases[] = {
        { "client=1 op=GETT key=k invoke=1 complete=2 outcome=ok result=nil", "unknown op 'GETT'" },
        { "client=1 op=GET invoke=1 complete=2 outcome=ok result=nil", "missing 'key'" },
        { "client=1 op=GET key=k invoke=1 outcome=ok result=nil", "missing 'complete'" },
        { "client=1 op=GET key=k invoke=1 complete=2 outcome=ok", "missing 'result'" },
        { "client=1 op=GET key=k invoke=1 complete=2 outcome=maybe", "unknown outcome 'maybe'" },
        { "client=1 op=GET key=k invoke=1 complete=2 outcome=ok result=OK",
          "result does not fit GET" },
        { "client=1 op=SET key=k invoke=1 complete=2 outcome=ok result=OK", "SET needs a 'value'" },
        { "client=1 op=SET_NX key=k value=v invoke=1 complete=2 outcome=ok result=2",
          "result does not fit SET_NX" },
        { "client=1 op=GET key=k invoke=5 complete=2 outcome=ok result=nil",
          "complete 2 is before invoke 5" },
        { "client=1 op=GET key=k invoke=1 complete=2 outcome=failed result=nil",
          "outcome=failed takes no 'result'" },
        { "client=1 op=GET key=\"k invoke=1", "key: unterminated string" },
        { "client=1 op=GET key=\"a\\qb\" invoke=1", "key: bad escape '\\q'" },
        { "client=1 op=GET key=\"a\\x0\" invoke=1", "key: bad \\x escape" },
        { "client=1 op=GET key=\"a\\x00\" invoke=1", "key: NUL bytes are not supported" },
        { "client=1 op=GET key=\"k\"x invoke=1", "key: text after closing quote" },
        { "client=1 op=GET key=k invoke=soon", "invoke: 'soon' is not an integer" },
        { "client=1 op=GET key=k key=j invoke=1", "duplicate field 'key'" },
        { "client=1 op=GET key=k colour=red invoke=1", "unknown field 'colour'" },
        { "client=1 op=GET key=k invoke=1 complete=2 outcome=ok result=maybe",
          "result: 'maybe' is not nil, OK, error, an integer or a quoted string" },
        { "client=1 op=GET stray key=k", "expected name=value at 'stray" },
        { "client=-1 op=GET key=k invoke=1", "client: -1 is out of range" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hist_op op;
        ss_errmsg err = "";
        cr_expect_eq(history_parse_line(cases[i].line, &op, err), SS_EINVAL, "%s",
                     cases[i].line);
        cr_expect(strstr(err, cases[i].error) != NULL, "'%s': got '%s', want '%s'",
                  cases[i].line, err, cases[i].error);
    }
}

Test(history, names_the_line_of_a_bad_op_in_a_file)
{
    const char *text = "client=1 op=GET key=k invoke=1 complete=2 outcome=ok result=nil\n"
                       "# fine so far\n"
                       "client=1 op=PUT key=k invoke=1 complete=2 outcome=ok result=nil\n";
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    ss_errmsg err = "";
    cr_expect_eq(history_read(&h, f, err), SS_EINVAL);
    fclose(f);
    cr_expect_str_eq(err, "line 3: unknown op 'PUT'");
}

Test(history, refuses_overlong_lines)
{
    size_t n = 70 * 1024;
    char *text = malloc(n + 1);
    memset(text, 'a', n);
    memcpy(text, "client=1 op=GET key=\"", 21);
    text[n] = '\0';
    FILE *f = fmemopen(text, n, "r");
    ss_errmsg err = "";
    cr_expect_eq(history_read(&h, f, err), SS_ETOOBIG);
    cr_expect(strstr(err, "line 1: longer than") != NULL, "%s", err);
    fclose(f);
    free(text);
}

Test(history, load_reports_a_missing_file)
{
    ss_errmsg err = "";
    cr_expect_eq(history_load(&h, "/nonexistent/history.txt", err), SS_EIO);
    cr_expect(strstr(err, "open '/nonexistent/history.txt'") != NULL, "%s", err);
}

/* ---- the check_history tool ---- */

/* Saves h to a temporary file and runs the tool on it; returns its exit status
 * and the first line of its output in first_line. */
static int run_tool(const char *args, char *first_line, size_t size)
{
    const char *tool = getenv("CHECK_HISTORY");
    cr_assert_not_null(tool, "CHECK_HISTORY names the check_history binary (set by CTest)");
    char path[] = "/tmp/ss-history-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    ss_errmsg err = "";
    cr_assert_eq(history_save(&h, path, err), SS_OK, "%s", err);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' '%s' %s 2>&1", tool, path, args);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    first_line[0] = '\0';
    if (fgets(first_line, (int)size, p) == NULL)
        first_line[0] = '\0';
    char rest[4096];
    while (fread(rest, 1, sizeof rest, p) > 0)
        ;
    int status = pclose(p);
    unlink(path);
    cr_assert(WIFEXITED(status), "%s", cmd);
    return WEXITSTATUS(status);
}

Test(history, tool_exits_0_for_a_linearizable_history)
{
    set(1, "k", "a", 0, 1);
    get(2, "k", "a", 2, 3);
    char line[256];
    cr_expect_eq(run_tool("", line, sizeof line), 0, "%s", line);
    cr_expect(strncmp(line, "verdict: linearizable", 21) == 0, "%s", line);
}

Test(history, tool_exits_1_for_a_violation)
{
    set(1, "k", "a", 0, 1);
    set(1, "k", "b", 2, 3);
    get(2, "k", "a", 4, 5);
    char line[256];
    cr_expect_eq(run_tool("", line, sizeof line), 1, "%s", line);
    cr_expect(strncmp(line, "verdict: not linearizable", 25) == 0, "%s", line);
}

Test(history, tool_exits_2_when_the_budget_runs_out)
{
    hard_history(12, "never");
    char line[256];
    cr_expect_eq(run_tool("--budget 10", line, sizeof line), 2, "%s", line);
    cr_expect(strncmp(line, "verdict: unknown", 16) == 0, "%s", line);
}

Test(history, tool_exits_2_for_bad_input)
{
    char line[256];
    cr_expect_eq(run_tool("--budget lots", line, sizeof line), 2, "%s", line);
    cr_expect(strstr(line, "'lots' is not a count") != NULL, "%s", line);

    const char *tool = getenv("CHECK_HISTORY");
    cr_assert_not_null(tool);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' /nonexistent/h.txt >/dev/null 2>&1", tool);
    int status = system(cmd);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 2);
}

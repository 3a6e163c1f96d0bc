/* The per-node access table (commands/access.h): bounds, Redis's LFU increment and decay, and entries following their keys. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "commands/access.h"

#define MIN (60 * 1000LL)
#define T0 (1000 * MIN) /* a whole minute, far from the 16-bit wrap */

static ss_access_policy lru(size_t max) { return (ss_access_policy){false, 10, 1, max}; }
static ss_access_policy lfu(long long factor, long long decay) { return (ss_access_policy){true, factor, decay, 100}; }

Test(access, a_key_never_accessed_reports_its_dbs_load_time)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lfu(10, 1);
    cr_expect_eq(ss_access_time(t, 0, "k", 1), T0);
    cr_expect_eq(ss_access_freq(t, 0, "k", 1, T0, &p), SS_ACCESS_LFU_INIT_VAL);
    cr_expect_eq(ss_access_freq(t, 0, "k", 1, T0 + 3 * MIN, &p), SS_ACCESS_LFU_INIT_VAL - 3,
                 "decays from the load minute");
    cr_expect_eq(ss_access_size(t), 0);
    ss_access_free(t);
}

Test(access, a_touch_records_the_time_of_that_key_in_that_db_only)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lru(100);
    ss_access_touch(t, 3, "k", 1, T0 + 5000, &p);
    cr_expect_eq(ss_access_time(t, 3, "k", 1), T0 + 5000);
    cr_expect_eq(ss_access_time(t, 4, "k", 1), T0, "another db");
    cr_expect_eq(ss_access_time(t, 3, "kk", 2), T0, "another key");
    cr_expect_eq(ss_access_time(t, 3, "", 0), T0, "the empty key is a key");
    ss_access_touch(t, 3, "", 0, T0 + 7000, &p);
    cr_expect_eq(ss_access_time(t, 3, "", 0), T0 + 7000);
    ss_access_free(t);
}

Test(access, the_table_drops_the_least_recently_accessed_past_its_limit)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lru(3);
    ss_access_touch(t, 0, "a", 1, T0 + 1, &p);
    ss_access_touch(t, 0, "b", 1, T0 + 2, &p);
    ss_access_touch(t, 0, "c", 1, T0 + 3, &p);
    ss_access_touch(t, 0, "a", 1, T0 + 4, &p); /* a is the most recent now: b the oldest */
    ss_access_touch(t, 0, "d", 1, T0 + 5, &p);
    cr_expect_eq(ss_access_size(t), 3);
    cr_expect_eq(ss_access_time(t, 0, "b", 1), T0, "b dropped: back to the load time");
    cr_expect_eq(ss_access_time(t, 0, "a", 1), T0 + 4);
    cr_expect_eq(ss_access_time(t, 0, "c", 1), T0 + 3);
    cr_expect_eq(ss_access_time(t, 0, "d", 1), T0 + 5);
    /* a lowered limit applies at the next new entry */
    p.max = 1;
    ss_access_touch(t, 0, "e", 1, T0 + 6, &p);
    cr_expect_eq(ss_access_size(t), 1);
    cr_expect_eq(ss_access_time(t, 0, "e", 1), T0 + 6);
    /* 0: nothing is kept */
    p.max = 0;
    ss_access_touch(t, 0, "f", 1, T0 + 7, &p);
    cr_expect_eq(ss_access_time(t, 0, "f", 1), T0);
    cr_expect_eq(ss_access_size(t), 0, "and what it held is gone");
    cr_expect_eq(ss_access_time(t, 0, "e", 1), T0);
    ss_access_free(t);
}

Test(access, many_keys_stay_within_the_limit)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lru(1000);
    char k[32];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf(k, sizeof k, "key:%d", i);
        ss_access_touch(t, i % 16, k, (size_t)n, T0 + i, &p);
        cr_assert_leq(ss_access_size(t), 1000);
    }
    int n = snprintf(k, sizeof k, "key:%d", 19999);
    cr_expect_eq(ss_access_time(t, 19999 % 16, k, (size_t)n), T0 + 19999, "the newest kept");
    ss_access_free(t);
}

Test(access, a_deleted_key_forgets_its_access_and_counter)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lfu(0, 0);
    for (int i = 0; i < 4; i++)
        ss_access_touch(t, 0, "k", 1, T0 + 100, &p);
    cr_expect_eq(ss_access_freq(t, 0, "k", 1, T0 + 200, &p), SS_ACCESS_LFU_INIT_VAL + 4);
    ss_access_forget(t, 0, "k", 1);
    cr_expect_eq(ss_access_size(t), 0);
    cr_expect_eq(ss_access_time(t, 0, "k", 1), T0);
    ss_access_written(t, 0, "k", 1, T0 + 300, 7, &p); /* created again */
    cr_expect_eq(ss_access_freq(t, 0, "k", 1, T0 + 300, &p), SS_ACCESS_LFU_INIT_VAL, "a new key starts over");
    ss_access_forget(t, 0, "nokey", 5); /* no entry: nothing happens */
    ss_access_free(t);
}

Test(access, an_overwrite_keeps_the_lfu_counter_and_resets_the_time)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lfu(0, 0);
    ss_access_touch(t, 0, "k", 1, T0 + 100, &p);
    ss_access_touch(t, 0, "k", 1, T0 + 200, &p);
    ss_access_written(t, 0, "k", 1, T0 + 900, 8, &p);
    cr_expect_eq(ss_access_freq(t, 0, "k", 1, T0 + 900, &p), SS_ACCESS_LFU_INIT_VAL + 2, "dbOverwrite keeps it");
    cr_expect_eq(ss_access_time(t, 0, "k", 1), T0 + 900);
    ss_access_free(t);
}

Test(access, restore_sets_time_or_counter_and_the_entrys_own_write_keeps_them)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lru(100);
    ss_access_set(t, 0, "k", 1, T0 - 1000 * 1000, -1, T0, 42, &p);
    ss_access_written(t, 0, "k", 1, T0 + 50, 42, &p); /* the end of the same entry */
    cr_expect_eq(ss_access_time(t, 0, "k", 1), T0 - 1000 * 1000, "IDLETIME 1000 stays");
    ss_access_written(t, 0, "k", 1, T0 + 60, 43, &p); /* a later write */
    cr_expect_eq(ss_access_time(t, 0, "k", 1), T0 + 60);
    ss_access_policy f = lfu(10, 0);
    ss_access_set(t, 0, "j", 1, T0, 200, T0, 44, &f);
    ss_access_written(t, 0, "j", 1, T0 + 50, 44, &f);
    cr_expect_eq(ss_access_freq(t, 0, "j", 1, T0 + 50, &f), 200);
    ss_access_free(t);
}

Test(access, a_flush_resets_its_db_only)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lru(100);
    ss_access_touch(t, 1, "k", 1, T0 + 10, &p);
    ss_access_touch(t, 2, "k", 1, T0 + 20, &p);
    ss_access_reset_db(t, 1, T0 + 30);
    cr_expect_eq(ss_access_time(t, 1, "k", 1), T0 + 30, "db 1: its keys loaded at the flush");
    cr_expect_eq(ss_access_time(t, 2, "k", 1), T0 + 20, "db 2 untouched");
    cr_expect_eq(ss_access_size(t), 1);
    ss_access_reset_db(t, -1, T0 + 40);
    cr_expect_eq(ss_access_size(t), 0);
    cr_expect_eq(ss_access_time(t, 2, "k", 1), T0 + 40);
    ss_access_free(t);
}

Test(access, lfu_increments_are_logarithmic_as_redis_computes_them)
{
    /* at or below LFU_INIT_VAL every access counts */
    cr_expect_eq(ss_access_log_incr(0, 10, 0.999), 1);
    cr_expect_eq(ss_access_log_incr(5, 10, 0.999), 6);
    /* above it p = 1 / ((counter - 5) * factor + 1): 1/11 at 6 with factor 10 */
    cr_expect_eq(ss_access_log_incr(6, 10, 0.09), 7);
    cr_expect_eq(ss_access_log_incr(6, 10, 0.091), 6);
    cr_expect_eq(ss_access_log_incr(100, 0, 0.999), 101, "factor 0: always");
    cr_expect_eq(ss_access_log_incr(255, 0, 0.0), 255, "saturates");
    /* and through the table: with factor 10, 10000 touches stay far below 255 */
    ss_access *t = ss_access_new(T0, 12345);
    ss_access_policy p = lfu(10, 0);
    int last = SS_ACCESS_LFU_INIT_VAL;
    for (int i = 0; i < 10000; i++) {
        ss_access_touch(t, 0, "k", 1, T0, &p);
        int f = ss_access_freq(t, 0, "k", 1, T0, &p);
        cr_assert_geq(f, last);
        last = f;
    }
    cr_expect(last > 20 && last < 100, "10000 hits at factor 10: %d (Redis's table says about 50)", last);
    ss_access_free(t);
}

Test(access, lfu_counters_decay_one_per_decay_time_minutes)
{
    unsigned ldt = ss_access_minutes(T0);
    cr_expect_eq(ss_access_decay(10, ldt, T0 + 59 * 1000, 1), 10, "within the minute");
    cr_expect_eq(ss_access_decay(10, ldt, T0 + 3 * MIN, 1), 7);
    cr_expect_eq(ss_access_decay(10, ldt, T0 + 3 * MIN, 2), 9, "one period of two minutes");
    cr_expect_eq(ss_access_decay(10, ldt, T0 + 30 * MIN, 1), 0, "never below zero");
    cr_expect_eq(ss_access_decay(10, ldt, T0 + 30 * MIN, 0), 10, "decay time 0: none");
    /* the 16-bit minute clock wraps as Redis's does */
    cr_expect_eq(ss_access_decay(10, 65534, 2 * MIN, 1), 7, "65535 - 65534 + 2 minutes");
    /* a touch applies the decay before it increments */
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lfu(0, 1);
    for (int i = 0; i < 5; i++)
        ss_access_touch(t, 0, "k", 1, T0, &p);
    cr_expect_eq(ss_access_freq(t, 0, "k", 1, T0, &p), 10);
    ss_access_touch(t, 0, "k", 1, T0 + 4 * MIN, &p);
    cr_expect_eq(ss_access_freq(t, 0, "k", 1, T0 + 4 * MIN, &p), 7, "10 - 4 + 1");
    ss_access_free(t);
}

Test(access, swapdb_trades_the_two_dbs_entries_and_load_times)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lru(100);
    ss_access_reset_db(t, 2, T0 + 1);
    ss_access_touch(t, 1, "k", 1, T0 + 10, &p);
    ss_access_touch(t, 2, "k", 1, T0 + 20, &p);
    ss_access_touch(t, 2, "only2", 5, T0 + 30, &p);
    ss_access_touch(t, 3, "k", 1, T0 + 40, &p);
    ss_access_swap_db(t, 1, 2);
    cr_expect_eq(ss_access_time(t, 1, "k", 1), T0 + 20);
    cr_expect_eq(ss_access_time(t, 2, "k", 1), T0 + 10);
    cr_expect_eq(ss_access_time(t, 1, "only2", 5), T0 + 30);
    cr_expect_eq(ss_access_time(t, 2, "only2", 5), T0, "db 2 now has db 1's load time");
    cr_expect_eq(ss_access_time(t, 1, "nokey", 5), T0 + 1, "db 1 now has db 2's load time");
    cr_expect_eq(ss_access_time(t, 3, "k", 1), T0 + 40, "db 3 untouched");
    cr_expect_eq(ss_access_size(t), 4);
    ss_access_forget(t, 1, "only2", 5); /* the map and the list still agree */
    cr_expect_eq(ss_access_size(t), 3);
    ss_access_free(t);
}

/* Every entry reachable by name and counted once while the table grows,
 * swaps dbs, empties and grows again (the hash resizes both ways). */
static void expect_all(ss_access *t, int from, int to, int dbshift, int64_t base)
{
    char k[32];
    for (int i = from; i < to; i++) {
        int n = snprintf(k, sizeof k, "key:%d", i);
        cr_assert_eq(ss_access_time(t, (i + dbshift) % 4, k, (size_t)n), base + i, "key:%d", i);
    }
}

Test(access, every_entry_stays_findable_through_growth_swaps_and_flushes)
{
    ss_access *t = ss_access_new(T0, 1);
    ss_access_policy p = lru(5000);
    char k[32];
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(k, sizeof k, "key:%d", i);
        ss_access_touch(t, i % 4, k, (size_t)n, T0 + i, &p);
    }
    cr_assert_eq(ss_access_size(t), 3000);
    expect_all(t, 0, 3000, 0, T0);
    /* dbs 0 and 1 trade places: key:i of db 0 is now in db 1 and back */
    ss_access_swap_db(t, 0, 1);
    cr_assert_eq(ss_access_size(t), 3000);
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(k, sizeof k, "key:%d", i);
        int db = i % 4 == 0 ? 1 : i % 4 == 1 ? 0 : i % 4;
        cr_assert_eq(ss_access_time(t, db, k, (size_t)n), T0 + i, "key:%d", i);
    }
    ss_access_reset_db(t, -1, T0 + 5);
    cr_assert_eq(ss_access_size(t), 0);
    for (int i = 0; i < 4000; i++) {
        int n = snprintf(k, sizeof k, "key:%d", i);
        ss_access_touch(t, (i + 1) % 4, k, (size_t)n, T0 + 10 + i, &p);
        if (i == 9) /* a few entries in many buckets: the next insert shrinks */
            expect_all(t, 0, 10, 1, T0 + 10);
    }
    cr_assert_eq(ss_access_size(t), 4000);
    expect_all(t, 0, 4000, 1, T0 + 10);
    for (int i = 0; i < 4000; i += 2) {
        int n = snprintf(k, sizeof k, "key:%d", i);
        ss_access_forget(t, (i + 1) % 4, k, (size_t)n);
    }
    cr_assert_eq(ss_access_size(t), 2000);
    for (int i = 1; i < 4000; i += 2) {
        int n = snprintf(k, sizeof k, "key:%d", i);
        cr_assert_eq(ss_access_time(t, (i + 1) % 4, k, (size_t)n), T0 + 10 + i, "key:%d", i);
    }
    ss_access_free(t);
}

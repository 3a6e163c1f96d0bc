/* The fixed histogram (common/histogram.h): which bucket a value falls in, bounds, merging. */
#include <criterion/criterion.h>

#include "common/histogram.h"

Test(histogram, a_bound_falls_in_its_own_bucket_and_one_more_in_the_next)
{
    cr_assert_eq(ss_hist_bucket(0), 0);
    cr_assert_eq(ss_hist_bucket(1), 0);
    cr_assert_eq(ss_hist_bucket(1024), 0);
    cr_assert_eq(ss_hist_bucket(1025), 1);
    cr_assert_eq(ss_hist_bucket(2048), 1);
    cr_assert_eq(ss_hist_bucket(2049), 2);
    for (unsigned i = 0; i + 1 < SS_HIST_BUCKETS; i++) {
        cr_assert_eq(ss_hist_bound(i), (uint64_t)1024 << i);
        cr_assert_eq(ss_hist_bucket(ss_hist_bound(i)), i);
        cr_assert_eq(ss_hist_bucket(ss_hist_bound(i) + 1), i + 1);
    }
}

Test(histogram, everything_past_the_last_bound_is_in_the_infinite_bucket)
{
    cr_assert_eq(ss_hist_bound(SS_HIST_BUCKETS - 1), UINT64_MAX);
    cr_assert_eq(ss_hist_bucket(UINT64_MAX), SS_HIST_BUCKETS - 1);
    cr_assert_eq(ss_hist_bucket(ss_hist_bound(SS_HIST_BUCKETS - 2) * 4), SS_HIST_BUCKETS - 1);
}

Test(histogram, observe_counts_and_sums_and_merge_adds)
{
    ss_hist a = {0}, b = {0};
    ss_hist_observe(&a, 1000);
    ss_hist_observe(&a, 5000);
    ss_hist_observe(&b, 5000);
    cr_assert_eq(a.count, 2);
    cr_assert_eq(a.sum, 6000);
    cr_assert_eq(a.buckets[0], 1);
    cr_assert_eq(a.buckets[3], 1); /* 4096 < 5000 <= 8192 */
    ss_hist_merge(&a, &b);
    cr_assert_eq(a.count, 3);
    cr_assert_eq(a.buckets[3], 2);
    cr_assert_eq(a.sum, 11000);
}

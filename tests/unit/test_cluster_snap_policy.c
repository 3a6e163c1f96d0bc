/* The snapshot policy: when a node takes a snapshot and when it compacts its log to one. */
#include <criterion/criterion.h>

#include "cluster/cluster_snap_policy.h"

/* 100 applied past a snapshot at 1000, thresholds 100 entries / 1 MB. */
static snap_take_input due(void)
{
    return (snap_take_input){.applied = 1100, .applied_term_known = true, .newest = 1000,
                             .bytes_since = 10, .threshold = 100, .threshold_bytes = 1 << 20};
}

Test(snap_policy, takes_one_once_threshold_entries_are_applied_since_the_last)
{
    snap_take_input in = due();
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_BY_COUNT);
    in.applied = 1099;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_NOT_DUE);
}

Test(snap_policy, takes_one_once_threshold_bytes_are_applied_since_the_last)
{
    snap_take_input in = due();
    in.applied = 1001;
    in.bytes_since = 1 << 20;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_BY_BYTES);
    in.bytes_since = (1 << 20) - 1;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_NOT_DUE);
}

Test(snap_policy, a_zero_threshold_never_triggers_by_itself)
{
    snap_take_input in = due();
    in.threshold = 0;
    in.applied = 1000000;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_NOT_DUE);
    in.threshold_bytes = 0;
    in.bytes_since = 1ULL << 40;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_NOT_DUE);
}

Test(snap_policy, waits_out_the_back_off_after_a_failure_unless_asked)
{
    snap_take_input in = due();
    in.failed_recently = true;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_NOT_DUE);
    in.requested = true;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_REQUESTED, "BGSAVE does not wait");
}

Test(snap_policy, a_request_is_honoured_below_the_thresholds)
{
    snap_take_input in = due();
    in.applied = 1001;
    in.requested = true;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_REQUESTED);
}

Test(snap_policy, never_takes_twice_at_the_same_index_even_when_asked)
{
    snap_take_input in = due();
    in.applied = 1000;
    in.requested = true;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_NOTHING_NEW);
}

Test(snap_policy, waits_until_the_term_of_the_applied_entry_is_known)
{
    snap_take_input in = due();
    in.applied_term_known = false;
    in.requested = true;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_TERM_UNKNOWN);
}

Test(snap_policy, every_reason_to_take_one_names_itself)
{
    cr_expect_str_eq(snap_take_reason(SNAP_TAKE_REQUESTED), "requested (BGSAVE)");
    cr_expect(strstr(snap_take_reason(SNAP_TAKE_BY_COUNT), "snapshot-threshold entries") != NULL);
    cr_expect(strstr(snap_take_reason(SNAP_TAKE_BY_BYTES), "snapshot-threshold-bytes") != NULL);
}

/* A snapshot at 1000, the log from 501, 1200 applied; trailing 100. */
static snap_compact_input compactable(void)
{
    return (snap_compact_input){.newest = 1000, .base = 500, .applied = 1200, .trailing = 100,
                                .threshold = 1000, .threshold_bytes = 1 << 30,
                                .log_bytes = 1 << 20};
}

Test(snap_policy, compacts_to_a_newer_snapshot_once_the_trailing_entries_are_applied)
{
    snap_compact_input in = compactable();
    uint64_t held = 0;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_NOW);
    in.applied = 1099;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_TRAILING);
    in.applied = 1100;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_NOW);
}

Test(snap_policy, does_not_compact_without_a_snapshot_newer_than_the_base)
{
    snap_compact_input in = compactable();
    in.base = 1000;
    uint64_t held = 0;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_NO);
}

Test(snap_policy, a_leader_holds_compaction_for_a_connected_follower_catching_up_by_appends)
{
    snap_follower fs[] = {{2, 1200, true, true}, {3, 900, true, true}};
    snap_compact_input in = compactable();
    in.leader = true;
    in.followers = fs;
    in.n_followers = 2;
    uint64_t held = 0;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_HOLD);
    cr_expect_eq(held, 3);
}

Test(snap_policy, a_follower_that_is_not_replicating_or_not_connected_does_not_hold_compaction)
{
    snap_follower fs[] = {{2, 10, false, true}, {3, 10, true, false}, {4, 1000, true, true}};
    snap_compact_input in = compactable();
    in.leader = true;
    in.followers = fs;
    in.n_followers = 3;
    uint64_t held = 0;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_NOW,
                 "down, probing, or past the snapshot: it needs the snapshot anyway");
}

Test(snap_policy, only_a_leader_holds_compaction_for_a_follower)
{
    snap_follower fs[] = {{3, 900, true, true}};
    snap_compact_input in = compactable();
    in.followers = fs;
    in.n_followers = 1;
    uint64_t held = 0;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_NOW);
}

Test(snap_policy, the_hold_ends_when_the_log_reaches_twice_a_threshold)
{
    snap_follower fs[] = {{3, 900, true, true}};
    snap_compact_input in = compactable();
    in.leader = true;
    in.followers = fs;
    in.n_followers = 1;
    uint64_t held = 0;
    in.applied = in.base + 2 * 1000 - 1;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_HOLD);
    in.applied = in.base + 2 * 1000;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_NOW, "by count");
    in.applied = 1200;
    in.log_bytes = 2ULL << 30;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_NOW, "by bytes");
}

Test(snap_policy, a_file_reported_damaged_is_replaced_even_at_the_same_index)
{
    snap_take_input in = due();
    in.applied = 1000; /* nothing applied since: the same index, a new file */
    in.replace = true;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_REPLACE);
    in.applied = 1001;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_REPLACE, "below both thresholds too");
    in.failed_recently = true;
    cr_expect_eq(snap_policy_take(&in), SNAP_TAKE_NOT_DUE, "a failed attempt waits its back-off");
    cr_expect(strstr(snap_take_reason(SNAP_TAKE_REPLACE), "damaged") != NULL);
}

Test(snap_policy, a_suspect_base_is_compacted_past_at_once)
{
    snap_follower fs[] = {{3, 900, true, true}};
    snap_compact_input in = compactable();
    in.leader = true;
    in.followers = fs;
    in.n_followers = 1;
    in.applied = 1001; /* trailing entries not applied yet, and a follower holds */
    uint64_t held = 0;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_TRAILING);
    in.urgent = true;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_NOW);
    in.newest = in.base;
    cr_expect_eq(snap_policy_compact(&in, &held), SNAP_COMPACT_NO, "but only to a newer one");
}

/* Messages no honest peer sends: the core drops them (SS_EINVAL), counts them and keeps going; none may abort it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "test_raft_helpers.h"

static fx f;
static fx_msg s;

static void teardown(void)
{
    fx_release(&f);
}

TestSuite(raft_invalid, .fini = teardown);

static void leader(void)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
}

/* Still leading, and still committing: node 2 acknowledges a new entry. */
static void expect_still_leading(void)
{
    cr_assert_eq(raft_role_get(f.r), RAFT_LEADER);
    uint64_t index;
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, "v", 1, &index), SS_OK);
    fx_drain(&f);
    raft_msg ack = fx_append_resp(2, 1, raft_term(f.r), index, 0);
    fx_step(&f, &ack);
    cr_expect_eq(raft_commit_index(f.r), index);
}

/* Issue 18 item 4: this killed the leader (RAFT_ASSERT in recv_append.c). */
Test(raft_invalid, a_leader_drops_an_append_of_its_own_term_and_keeps_leading)
{
    leader();
    uint64_t terms[] = { 1 };
    raft_msg m = fx_append(&s, 2, 1, raft_term(f.r), 0, 0, 1, terms, 1);
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    fx_drain(&f);
    cr_expect_eq(raft_last_index(f.r), 1, "our own no-op, not node 2's entry");
    cr_expect_eq(fx_count(&f, RAFT_MSG_APPEND_RESP), 0, "no answer to an impostor");
    expect_still_leading();
}

/* The same through InstallSnapshot (the same assertion, reached from snapshot.c). */
Test(raft_invalid, a_leader_drops_an_install_snapshot_of_its_own_term)
{
    leader();
    raft_msg m = { .type = RAFT_MSG_SNAPSHOT, .from = 3, .to = 1, .term = raft_term(f.r),
                   .snap_index = 50, .snap_term = raft_term(f.r), .data = "x", .len = 1,
                   .done = true };
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    fx_drain(&f);
    cr_expect_eq(f.n_chunks, 0);
    expect_still_leading();
}

/* A term of 2^64 - 1 was adopted; the next election's term + 1 wrapped to 0 and
 * raft_set_term's assertion killed the node. */
Test(raft_invalid, a_term_near_2_64_is_refused_so_no_election_can_wrap_it)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    raft_msg m = fx_append(&s, 2, 1, UINT64_MAX, 0, 0, 0, NULL, 0);
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    m = fx_vote(3, 1, UINT64_MAX - 1, 0, 0, false);
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    fx_tick(&f, 2 * FX_T);
    cr_expect_eq(raft_role_get(f.r), RAFT_CANDIDATE);
    cr_expect_eq(raft_term(f.r), 1);
}

/* A snapshot ending at index 2^64 - 1 made the log's next index wrap to 0. */
Test(raft_invalid, a_snapshot_at_the_top_of_the_index_range_is_refused)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    raft_msg m = { .type = RAFT_MSG_SNAPSHOT, .from = 2, .to = 1, .term = 1,
                   .snap_index = UINT64_MAX, .snap_term = 1, .data = "x", .len = 1,
                   .done = true };
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    fx_drain(&f);
    cr_expect_eq(f.n_chunks, 0);
    uint64_t terms[] = { 1 };
    m = fx_append(&s, 2, 1, 1, 0, 0, 1, terms, 1);
    cr_expect_eq(raft_step(f.r, &m), SS_OK);
    cr_expect_eq(raft_commit_index(f.r), 1);
}

Test(raft_invalid, a_follower_drops_an_append_from_a_second_leader_of_its_term)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    uint64_t terms[] = { 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 0, terms, 1);
    fx_step(&f, &m);
    cr_assert_eq(raft_leader(f.r), 2);
    uint64_t other[] = { 1, 1 };
    m = fx_append(&s, 3, 1, 1, 0, 0, 0, other, 2);
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    fx_drain(&f);
    cr_expect_eq(raft_leader(f.r), 2, "still following the leader it knows");
    cr_expect_eq(raft_last_index(f.r), 1);
}

/* Leader Completeness (§5.4): a leader holds every committed entry. */
Test(raft_invalid, a_follower_drops_entries_that_contradict_a_committed_one)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t log[] = { 1, 1, 1 };
    fx_restore_log(&f, 1, log, 3, 3);
    f.auto_persist = true;
    uint64_t terms[] = { 2, 2, 2 }; /* entries 2..4 of term 2: 2 and 3 are committed as term 1 */
    raft_msg m = fx_append(&s, 2, 1, 2, 1, 1, 4, terms, 3);
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    fx_drain(&f);
    cr_expect_eq(raft_last_index(f.r), 3);
    cr_expect_eq(raft_last_term(f.r), 1);
    uint64_t honest[] = { 1, 1, 2 };
    m = fx_append(&s, 2, 1, 2, 1, 1, 4, honest, 3);
    cr_expect_eq(raft_step(f.r, &m), SS_OK);
    cr_expect_eq(raft_last_index(f.r), 4);
}

Test(raft_invalid, a_leader_drops_answers_about_entries_it_never_had)
{
    leader();
    raft_msg ack = fx_append_resp(2, 1, raft_term(f.r), 1000, 0);
    cr_expect_eq(raft_step(f.r, &ack), SS_EINVAL);
    ack.reject = true;
    cr_expect_eq(raft_step(f.r, &ack), SS_EINVAL);
    fx_drain(&f);
    uint64_t match, next;
    const char *state;
    cr_assert(raft_peer_progress(f.r, 2, &match, &next, &state));
    cr_expect_eq(match, 0);
    cr_expect_leq(next, raft_last_index(f.r) + 1);
    expect_still_leading();
}

/* ---- counting and logging ---- */

static unsigned warnings;
static char last_warning[SS_ERRMSG_SIZE];

static void count_warnings(void *ctx, int level, const char *line)
{
    (void)ctx;
    if (level >= SS_LOG_WARNING) {
        warnings++;
        snprintf(last_warning, sizeof last_warning, "%s", line);
    }
}

Test(raft_invalid, invalid_messages_are_counted_and_logged_at_most_once_a_minute)
{
    fx_init_log(&f, 1, 3, count_warnings, SS_LOG_NOTICE);
    fx_make_leader(&f, 3);
    warnings = 0;
    raft_msg m = fx_append(&s, 2, 1, raft_term(f.r), 0, 0, 0, NULL, 0);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(raft_step(f.r, &m), SS_EINVAL);
    raft_msg self = fx_vote(1, 1, 1, 0, 0, false);
    cr_assert_eq(raft_step(f.r, &self), SS_EINVAL, "from this node itself");
    cr_expect_eq(raft_status_get(f.r).invalid_messages, 1001);
    cr_expect_eq(warnings, 1, "one line for 1001 messages");
    cr_expect(strstr(last_warning, "dropped an invalid AppendEntries from node 2") != NULL, "%s",
              last_warning);
    cr_expect(strstr(last_warning, "at most one leader (§5.2)") != NULL, "%s", last_warning);
    /* A minute of ticks later the next one is told, with the count since. Node 2
     * and 3 answer meanwhile so check-quorum keeps us leading. */
    for (int t = 0; t < 60000 / FX_HB; t++) {
        raft_tick(f.r, FX_HB);
        for (uint64_t p = 2; p <= 3; p++) {
            raft_msg a = fx_append_resp(p, 1, raft_term(f.r), 0, 0);
            raft_step(f.r, &a);
        }
        fx_clear(&f);
        fx_drain(&f);
    }
    cr_assert_eq(raft_role_get(f.r), RAFT_LEADER);
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    cr_expect_eq(warnings, 2);
    cr_expect(strstr(last_warning, "(invalid messages: 1002 in all, 1001 since the last report)")
              != NULL, "%s", last_warning);
}

Test(raft_invalid, a_flood_before_the_first_tick_is_logged_once)
{
    fx_init_log(&f, 1, 3, count_warnings, SS_LOG_NOTICE);
    warnings = 0;
    raft_msg m = fx_vote(2, 3, 1, 0, 0, false); /* addressed to node 3 */
    for (int i = 0; i < 100; i++)
        cr_assert_eq(raft_step(f.r, &m), SS_EINVAL);
    cr_expect_eq(warnings, 1);
    cr_expect(strstr(last_warning, "malformed: addressed to another node") != NULL, "%s",
              last_warning);
    cr_expect_eq(raft_status_get(f.r).invalid_messages, 100);
}

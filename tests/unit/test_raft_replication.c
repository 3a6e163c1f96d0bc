/* Log replication, one rule each: Figure 2 "AppendEntries RPC", §5.3, §5.4.2, thesis §10.2.1. */
#include <criterion/criterion.h>
#include <string.h>

#include "common/error.h"
#include "test_raft_helpers.h"

static fx f;
static fx_msg s;

static void teardown(void)
{
    fx_release(&f);
}

TestSuite(raft_replication, .fini = teardown);

static const raft_msg *last_resp(uint64_t to)
{
    const raft_msg *m = NULL;
    for (unsigned i = 0; fx_find(&f, RAFT_MSG_APPEND_RESP, to, i) != NULL; i++)
        m = fx_find(&f, RAFT_MSG_APPEND_RESP, to, i);
    return m;
}

static void follower_with_log(const uint64_t *terms, size_t n, uint64_t term, uint64_t commit)
{
    fx_init(&f, 1, 3, false, true);
    fx_restore_log(&f, term, terms, n, commit);
    f.auto_persist = true;
}

Test(raft_replication, a_follower_rejects_an_append_whose_previous_entry_does_not_match)
{
    uint64_t log[] = { 1, 1, 2, 2 };
    follower_with_log(log, 4, 2, 0);
    raft_msg m = fx_append(&s, 2, 1, 3, 4, 3, 0, NULL, 0);
    fx_step(&f, &m);
    const raft_msg *r = last_resp(2);
    cr_assert_not_null(r);
    cr_expect(r->reject);
    cr_expect_eq(r->index, 4);
    cr_expect_eq(r->hint_term, 2, "the term it holds at prev");
    cr_expect_eq(r->hint_index, 3, "the first index it holds of that term");
    cr_expect_eq(raft_last_index(f.r), 4, "a rejected append changes nothing");
}

Test(raft_replication, a_follower_with_a_short_log_hints_where_it_ends)
{
    uint64_t log[] = { 1, 1 };
    follower_with_log(log, 2, 1, 0);
    raft_msg m = fx_append(&s, 2, 1, 3, 5, 3, 0, NULL, 0);
    fx_step(&f, &m);
    const raft_msg *r = last_resp(2);
    cr_assert_not_null(r);
    cr_expect(r->reject);
    cr_expect_eq(r->hint_term, 0);
    cr_expect_eq(r->hint_index, 3);
}

Test(raft_replication, a_follower_replaces_conflicting_entries_and_everything_after_them)
{
    uint64_t log[] = { 1, 1, 2, 2 };
    follower_with_log(log, 4, 2, 1);
    uint64_t terms[] = { 3 };
    raft_msg m = fx_append(&s, 2, 1, 3, 2, 1, 1, terms, 1);
    fx_step(&f, &m);
    cr_expect_eq(raft_last_index(f.r), 3);
    cr_expect_eq(raft_last_term(f.r), 3);
    cr_expect_eq(f.truncated_from, 3, "the durable log must drop 3 and 4 before appending");
    cr_expect_not(last_resp(2)->reject);
    cr_expect_eq(last_resp(2)->index, 3);
}

Test(raft_replication, a_follower_keeps_entries_it_already_holds)
{
    uint64_t log[] = { 1, 1, 2 };
    follower_with_log(log, 3, 2, 0);
    uint64_t terms[] = { 1 };
    raft_msg m = fx_append(&s, 2, 1, 2, 1, 1, 0, terms, 1); /* an old, reordered append */
    fx_step(&f, &m);
    cr_expect_eq(raft_last_index(f.r), 3, "matching entries are not a conflict");
    cr_expect_eq(f.truncated_from, 0);
    cr_expect_eq(last_resp(2)->index, 2, "acknowledges what the message proved, no more");
}

Test(raft_replication, a_follower_acknowledges_entries_only_once_they_are_durable)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t terms[] = { 1, 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 0, terms, 2);
    fx_step(&f, &m);
    raft_persisted_hard_state(f.r, 1, 0);
    fx_drain(&f);
    cr_expect_null(last_resp(2), "acknowledged before the entries were durable");
    raft_persisted(f.r, 1, 1);
    fx_drain(&f);
    cr_assert_not_null(last_resp(2));
    cr_expect_eq(last_resp(2)->index, 1, "only what is durable so far");
    raft_persisted(f.r, 2, 1);
    fx_drain(&f);
    cr_expect_eq(last_resp(2)->index, 2);
}

Test(raft_replication, a_stale_write_completion_for_overwritten_entries_is_ignored)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t t1[] = { 1, 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 0, t1, 2);
    fx_step(&f, &m);
    uint64_t t2[] = { 2 };
    m = fx_append(&s, 3, 1, 2, 1, 1, 0, t2, 1); /* a new leader overwrites index 2 */
    fx_step(&f, &m);
    raft_persisted_hard_state(f.r, 2, 0);
    raft_persisted(f.r, 2, 1); /* the old write of 2/1 completing late */
    fx_drain(&f);
    const raft_msg *r = last_resp(3);
    cr_expect(r == NULL || r->index < 2, "acknowledged 2/2 on the strength of 2/1");
}

Test(raft_replication, a_follower_commits_up_to_the_leaders_commit_but_not_past_its_new_entries)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    uint64_t terms[] = { 1, 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 5, terms, 2);
    fx_step(&f, &m);
    cr_expect_eq(raft_commit_index(f.r), 2);
}

Test(raft_replication, committed_entries_are_handed_out_once_and_in_order)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    uint64_t terms[] = { 1, 1, 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 2, terms, 3);
    fx_step(&f, &m);
    m = fx_append(&s, 2, 1, 1, 3, 1, 3, NULL, 0);
    fx_step(&f, &m);
    fx_step(&f, &m);
    cr_assert_eq(f.n_committed, 3);
    for (size_t i = 0; i < 3; i++)
        cr_expect_eq(f.committed[i], i + 1);
}

Test(raft_replication, a_leader_commits_older_terms_only_through_an_entry_of_its_own)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t log[] = { 1, 1 };
    fx_restore_log(&f, 1, log, 2, 0);
    fx_make_leader(&f, 3); /* term 2, no-op at 3 */
    cr_assert_eq(raft_last_index(f.r), 3);
    raft_msg r = fx_append_resp(2, 1, 2, 2, 0);
    fx_step(&f, &r);
    cr_expect_eq(raft_commit_index(f.r), 0, "§5.4.2: entries of term 1 counted as replicated");
    r = fx_append_resp(2, 1, 2, 3, 0);
    fx_step(&f, &r);
    cr_expect_eq(raft_commit_index(f.r), 3);
}

Test(raft_replication, a_leader_sends_entries_before_its_own_write_completes_but_counts_itself_after)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    raft_msg r = fx_append_resp(2, 1, 1, 1, 0);
    fx_step(&f, &r);
    cr_assert_eq(raft_commit_index(f.r), 1);
    f.auto_persist = false;
    fx_clear(&f);
    uint64_t idx, payload = 7;
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, &idx), SS_OK);
    fx_drain(&f);
    const raft_msg *a = fx_find(&f, RAFT_MSG_APPEND, 2, 0);
    cr_assert_not_null(a, "followers wait for the leader's disk");
    cr_expect_eq(a->n_entries, 1);
    r = fx_append_resp(2, 1, 1, idx, 0);
    fx_step(&f, &r);
    cr_expect_eq(raft_commit_index(f.r), 1, "counted its own undurable entry");
    fx_persist(&f);
    cr_expect_eq(raft_commit_index(f.r), idx);
}

Test(raft_replication, the_conflict_hint_skips_back_a_whole_term)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t log[] = { 1, 1, 1, 4, 4 };
    fx_restore_log(&f, 4, log, 5, 0);
    fx_make_leader(&f, 3); /* term 5, no-op at 6; probes prev 5 */
    raft_msg r = fx_append_resp(3, 1, 5, 5, 0);
    r.reject = true;
    r.hint_term = 2; /* node 3 holds term 2 from index 2 on; we hold no term 2 */
    r.hint_index = 2;
    fx_step(&f, &r);
    const raft_msg *a = fx_find(&f, RAFT_MSG_APPEND, 3, 0);
    cr_assert_not_null(a);
    cr_expect_eq(a->prev_index, 1);
    fx_clear(&f);
    r = fx_append_resp(2, 1, 5, 5, 0);
    r.reject = true;
    r.hint_term = 1; /* node 2 holds term 1 at 5: skip to the end of our term 1 */
    r.hint_index = 1;
    fx_step(&f, &r);
    a = fx_find(&f, RAFT_MSG_APPEND, 2, 0);
    cr_assert_not_null(a);
    cr_expect_eq(a->prev_index, 3);
    cr_expect_eq(a->prev_term, 1);
}

Test(raft_replication, probing_sends_one_message_then_pipelining_respects_the_limits)
{
    fx_init_limits(&f, 1, 3, 2, 2);
    fx_make_leader(&f, 3);
    uint64_t payload = 1;
    for (int i = 0; i < 9; i++)
        cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, NULL), SS_OK);
    fx_drain(&f);
    cr_expect_eq(fx_count(&f, RAFT_MSG_APPEND), 0, "a probe is outstanding to each follower");
    raft_msg r = fx_append_resp(2, 1, 1, 1, 0); /* the probe of the no-op matched */
    fx_step(&f, &r);
    cr_expect_eq(fx_find(&f, RAFT_MSG_APPEND, 3, 0), NULL);
    cr_expect_eq(fx_count(&f, RAFT_MSG_APPEND), 2, "two messages in flight at most");
    for (unsigned i = 0; i < 2; i++)
        cr_expect_eq(fx_find(&f, RAFT_MSG_APPEND, 2, i)->n_entries, 2);
}

Test(raft_replication, followers_refuse_proposals)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t payload = 1;
    cr_expect_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, NULL), SS_ENOTLEADER);
}

Test(raft_replication, a_leader_stepping_down_reports_its_uncommitted_entries_as_lost)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    uint64_t payload = 1;
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, NULL), SS_OK);
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, NULL), SS_OK);
    fx_drain(&f);
    raft_msg m = fx_append(&s, 2, 1, 2, 0, 0, 0, NULL, 0);
    fx_step(&f, &m);
    cr_assert_eq(f.n_lost, 1);
    cr_expect_eq(f.lost[0].term, 1);
    cr_expect_eq(f.lost[0].first, 1);
    cr_expect_eq(f.lost[0].last, 3);
}

Test(raft_replication, heartbeats_go_out_every_interval_with_the_commit_index)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    raft_msg r = fx_append_resp(2, 1, 1, 1, 0);
    fx_step(&f, &r);
    fx_clear(&f);
    fx_tick(&f, FX_HB - 1);
    cr_expect_eq(fx_count(&f, RAFT_MSG_APPEND), 0);
    fx_tick(&f, 1);
    const raft_msg *hb = fx_find(&f, RAFT_MSG_APPEND, 2, 0);
    cr_assert_not_null(hb);
    cr_expect_eq(hb->n_entries, 0);
    cr_expect_eq(hb->commit, 1);
    cr_expect_not(hb->notice, "a heartbeat asks for an answer");
    cr_expect_not_null(fx_find(&f, RAFT_MSG_APPEND, 3, 0));
}

Test(raft_replication, an_entry_larger_than_a_message_goes_alone_and_only_the_budget_refuses_it)
{
    raft_config cfg;
    raft_config_init(&cfg);
    uint64_t voters[] = { 1, 2, 3 };
    cfg.id = 1, cfg.voters = voters, cfg.n_voters = 3, cfg.pre_vote = false;
    cfg.election_timeout_ms = FX_T, cfg.heartbeat_ms = FX_HB;
    cfg.max_append_bytes = 16;
    cfg.max_uncommitted_bytes = 64;
    memset(&f, 0, sizeof f);
    cr_assert_eq(raft_new(&cfg, &f.r, NULL), SS_OK);
    fx_make_leader(&f, 3);
    raft_msg r = fx_append_resp(2, 1, 1, 1, 0);
    fx_step(&f, &r);
    fx_clear(&f);
    static uint8_t big[65];
    cr_expect_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, big, 65, NULL), SS_ETOOBIG);
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, big, 40, NULL), SS_OK);
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, big, 8, NULL), SS_OK);
    fx_drain(&f);
    const raft_msg *a = fx_find(&f, RAFT_MSG_APPEND, 2, 0);
    cr_assert_not_null(a);
    cr_expect_eq(a->n_entries, 1, "the 40-byte entry travels alone");
    cr_expect_eq(a->entries[0].len, 40);
    cr_expect_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, big, 20, NULL), SS_EBUSY,
                 "48 bytes uncommitted: 20 more would pass the budget");
}

Test(raft_replication, appends_lost_while_idle_are_resent_after_a_few_heartbeats)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    raft_msg ack = fx_append_resp(2, 1, raft_term(f.r), 1, 0);
    fx_step(&f, &ack);
    uint64_t p = 7;
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &p, sizeof p, NULL), SS_OK);
    fx_drain(&f); /* the append carrying entry 2 to node 2 is lost */
    fx_clear(&f);
    for (int k = 0; k < 5; k++) {
        fx_tick(&f, FX_HB);
        ack = fx_append_resp(2, 1, raft_term(f.r), 1, 0); /* heartbeat answers: still at 1 */
        fx_step(&f, &ack);
    }
    bool resent = false;
    for (unsigned k = 0; fx_find(&f, RAFT_MSG_APPEND, 2, k) != NULL; k++) {
        const raft_msg *m = fx_find(&f, RAFT_MSG_APPEND, 2, k);
        resent |= m->prev_index == 1 && m->n_entries == 1;
    }
    cr_expect(resent, "entry 2 is sent to node 2 again");
}

/* Regression: the leader committed an entry on node 2's ack while node 3 was
 * still writing it; the commit message node 3 got was anchored below the entry
 * (prev = its old match), so Figure 2 let it commit only up to the anchor, and
 * it learned the commit (and could answer the client that proposed through it)
 * only at the next heartbeat. Its ack must bring the commit index at once. */
Test(raft_replication, a_follower_acking_after_the_commit_gets_the_commit_index_at_once)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    raft_msg r = fx_append_resp(2, 1, 1, 1, 0);
    fx_step(&f, &r);
    r = fx_append_resp(3, 1, 1, 1, 0);
    fx_step(&f, &r);
    uint64_t idx, payload = 7;
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, &idx), SS_OK);
    fx_persist(&f);
    fx_clear(&f);
    r = fx_append_resp(2, 1, 1, idx, 0);
    fx_step(&f, &r);
    cr_assert_eq(raft_commit_index(f.r), idx);
    cr_expect_null(fx_find(&f, RAFT_MSG_APPEND, 3, 0),
                   "a notice node 3 could adopt only up to what it knows already");
    fx_clear(&f);
    r = fx_append_resp(3, 1, 1, idx, 0); /* node 3's write finished just after */
    fx_step(&f, &r);
    const raft_msg *m = fx_find(&f, RAFT_MSG_APPEND, 3, 0);
    cr_assert_not_null(m, "node 3 must hear the commit without waiting for a heartbeat");
    cr_expect_eq(m->commit, idx);
    cr_expect_geq(m->prev_index + m->n_entries, idx, "anchored where node 3 can adopt it");
    cr_expect(m->notice, "a commit notice asks for no answer");
    /* And no such message for a follower that already has it. */
    fx_clear(&f);
    r = fx_append_resp(3, 1, 1, idx, 0);
    fx_step(&f, &r);
    cr_expect_null(fx_find(&f, RAFT_MSG_APPEND, 3, 0));
}

Test(raft_replication, a_follower_answers_a_heartbeat_but_not_a_commit_notice_unless_it_refuses_it)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    uint64_t terms[] = { 1, 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 0, terms, 2);
    fx_step(&f, &m);
    cr_assert_not_null(last_resp(2));
    fx_clear(&f);
    m = fx_append(&s, 2, 1, 1, 2, 1, 2, NULL, 0);
    m.notice = true;
    fx_step(&f, &m);
    cr_expect_eq(raft_commit_index(f.r), 2, "the notice's commit index is adopted");
    cr_expect_null(last_resp(2), "a commit notice was answered");
    m.notice = false; /* the same message as a heartbeat */
    fx_step(&f, &m);
    cr_assert_not_null(last_resp(2), "a heartbeat must be answered");
    cr_expect_eq(last_resp(2)->index, 2);
    fx_clear(&f);
    m = fx_append(&s, 2, 1, 1, 5, 1, 2, NULL, 0); /* anchored past our log */
    m.notice = true;
    fx_step(&f, &m);
    cr_assert_not_null(last_resp(2), "a notice we cannot take is refused");
    cr_expect(last_resp(2)->reject);
}

Test(raft_replication, a_follower_does_not_acknowledge_again_what_it_acknowledged_already)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t t2[] = { 1, 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 0, t2, 2);
    fx_step(&f, &m);
    raft_persisted_hard_state(f.r, 1, 0);
    raft_persisted(f.r, 2, 1);
    fx_drain(&f);
    cr_assert_not_null(last_resp(2));
    cr_expect_eq(last_resp(2)->index, 2);
    fx_clear(&f);
    uint64_t t1[] = { 1 };
    m = fx_append(&s, 2, 1, 1, 2, 1, 0, t1, 1);
    fx_step(&f, &m);
    fx_drain(&f);
    cr_expect_null(last_resp(2), "entry 3 is not durable and 2 was acknowledged already");
    raft_persisted(f.r, 3, 1);
    fx_drain(&f);
    cr_assert_not_null(last_resp(2));
    cr_expect_eq(last_resp(2)->index, 3);
}

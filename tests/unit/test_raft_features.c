/* ReadIndex (thesis §6.4), leadership transfer (§3.10), restart and compaction, configuration. */
#include <criterion/criterion.h>

#include "common/error.h"
#include "test_raft_helpers.h"

static fx f;
static fx_msg s;

static void teardown(void)
{
    fx_release(&f);
}

TestSuite(raft_features, .fini = teardown);

/* Leader of term 1 in a 3-node cluster whose no-op (index 1) is committed. */
static void committed_leader(void)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    raft_msg r = fx_append_resp(2, 1, 1, 1, 0);
    fx_step(&f, &r);
    cr_assert_eq(raft_commit_index(f.r), 1);
    fx_clear(&f);
}

static uint64_t round_sent_to(uint64_t to)
{
    uint64_t seq = 0;
    for (unsigned i = 0; fx_find(&f, RAFT_MSG_APPEND, to, i) != NULL; i++)
        if (fx_find(&f, RAFT_MSG_APPEND, to, i)->read_seq > seq)
            seq = fx_find(&f, RAFT_MSG_APPEND, to, i)->read_seq;
    return seq;
}

Test(raft_features, a_read_waits_for_the_leader_to_commit_an_entry_of_its_term)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    cr_assert_eq(raft_read_index(f.r, 7), SS_OK);
    fx_drain(&f);
    cr_expect_eq(round_sent_to(2), 0, "no heartbeat round before the no-op commits");
    raft_msg r = fx_append_resp(2, 1, 1, 1, 0);
    fx_step(&f, &r);
    cr_expect_eq(f.n_reads, 0);
    cr_expect_eq(round_sent_to(2), 1);
    r = fx_append_resp(3, 1, 1, 1, 1);
    fx_step(&f, &r);
    cr_assert_eq(f.n_reads, 1);
    cr_expect_eq(f.reads[0].ctx, 7);
    cr_expect_eq(f.reads[0].index, 1);
    cr_expect_eq(f.reads[0].status, SS_OK);
}

Test(raft_features, reads_waiting_together_share_one_heartbeat_round)
{
    committed_leader();
    cr_assert_eq(raft_read_index(f.r, 1), SS_OK);
    cr_assert_eq(raft_read_index(f.r, 2), SS_OK);
    fx_drain(&f);
    cr_expect_eq(fx_count(&f, RAFT_MSG_APPEND), 2, "one heartbeat per follower");
    raft_msg r = fx_append_resp(2, 1, 1, 1, 1);
    fx_step(&f, &r);
    cr_expect_eq(f.n_reads, 2);
}

Test(raft_features, a_read_arriving_after_a_round_started_waits_for_the_next_round)
{
    committed_leader();
    cr_assert_eq(raft_read_index(f.r, 1), SS_OK);
    fx_drain(&f);
    cr_assert_eq(raft_read_index(f.r, 2), SS_OK);
    fx_drain(&f);
    raft_msg r = fx_append_resp(2, 1, 1, 1, 1);
    fx_step(&f, &r);
    cr_assert_eq(f.n_reads, 1);
    cr_expect_eq(f.reads[0].ctx, 1);
    r = fx_append_resp(2, 1, 1, 1, 2);
    fx_step(&f, &r);
    cr_assert_eq(f.n_reads, 2);
    cr_expect_eq(f.reads[1].ctx, 2);
}

Test(raft_features, the_leader_answers_a_forwarded_read_with_its_index)
{
    committed_leader();
    raft_msg q = { .type = RAFT_MSG_READ_INDEX, .from = 3, .to = 1, .term = 1, .ctx = 99 };
    fx_step(&f, &q);
    raft_msg r = fx_append_resp(2, 1, 1, 1, 1);
    fx_step(&f, &r);
    const raft_msg *a = fx_find(&f, RAFT_MSG_READ_INDEX_RESP, 3, 0);
    cr_assert_not_null(a);
    cr_expect_eq(a->ctx, 99);
    cr_expect_eq(a->index, 1);
    cr_expect_not(a->reject);
}

Test(raft_features, a_follower_forwards_reads_to_its_leader_and_reports_the_answer)
{
    fx_init(&f, 2, 3, false, true);
    f.auto_persist = true;
    cr_expect_eq(raft_read_index(f.r, 5), SS_ENOLEADER);
    raft_msg hb = fx_append(&s, 1, 2, 1, 0, 0, 0, NULL, 0);
    fx_step(&f, &hb);
    cr_assert_eq(raft_read_index(f.r, 5), SS_OK);
    fx_drain(&f);
    const raft_msg *q = fx_find(&f, RAFT_MSG_READ_INDEX, 1, 0);
    cr_assert_not_null(q);
    cr_expect_eq(q->ctx, 5);
    raft_msg a = { .type = RAFT_MSG_READ_INDEX_RESP, .from = 1, .to = 2, .term = 1, .ctx = 5,
                   .index = 12 };
    fx_step(&f, &a);
    cr_assert_eq(f.n_reads, 1);
    cr_expect_eq(f.reads[0].index, 12);
    cr_expect_eq(f.reads[0].status, SS_OK);
}

Test(raft_features, waiting_reads_fail_when_the_leader_steps_down)
{
    committed_leader();
    cr_assert_eq(raft_read_index(f.r, 3), SS_OK);
    fx_drain(&f);
    raft_msg m = fx_append(&s, 2, 1, 2, 0, 0, 0, NULL, 0);
    fx_step(&f, &m);
    cr_assert_eq(f.n_reads, 1);
    cr_expect_eq(f.reads[0].status, SS_ELEADERLOST);
}

Test(raft_features, transfer_sends_timeout_now_once_the_target_has_the_whole_log)
{
    committed_leader();
    uint64_t payload = 1;
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, NULL), SS_OK);
    fx_drain(&f);
    cr_assert_eq(raft_transfer_leadership(f.r, 3), SS_OK);
    fx_drain(&f);
    cr_expect_eq(fx_count(&f, RAFT_MSG_TIMEOUT_NOW), 0, "target 3 lacks entry 2");
    raft_msg r = fx_append_resp(3, 1, 1, 2, 0);
    fx_step(&f, &r);
    const raft_msg *t = fx_find(&f, RAFT_MSG_TIMEOUT_NOW, 3, 0);
    cr_assert_not_null(t);
    cr_expect_eq(t->term, 1);
}

Test(raft_features, proposals_are_refused_during_a_transfer_until_it_times_out)
{
    committed_leader();
    cr_assert_eq(raft_transfer_leadership(f.r, 2), SS_OK);
    uint64_t payload = 1;
    cr_expect_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, NULL), SS_EBUSY);
    cr_expect_eq(raft_transfer_leadership(f.r, 3), SS_EBUSY);
    /* keep a majority in touch so check-quorum does not interfere */
    for (int i = 0; i < 10; i++) {
        raft_msg r = fx_append_resp(2, 1, 1, 1, 0);
        fx_step(&f, &r);
        fx_tick(&f, FX_T / 10);
    }
    cr_expect_eq(raft_role_get(f.r), RAFT_LEADER);
    cr_expect_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, NULL), SS_OK);
}

Test(raft_features, transfer_is_refused_when_not_leader_or_to_a_stranger)
{
    fx_init(&f, 1, 3, false, true);
    cr_expect_eq(raft_transfer_leadership(f.r, 2), SS_ENOTLEADER);
    fx_make_leader(&f, 3);
    cr_expect_eq(raft_transfer_leadership(f.r, 9), SS_EINVAL);
    cr_expect_eq(raft_transfer_leadership(f.r, 1), SS_EINVAL);
}

Test(raft_features, a_restarted_node_resumes_from_a_log_that_starts_after_a_snapshot)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    uint64_t payload[3] = { 10, 11, 12 };
    raft_entry ents[3];
    for (int i = 0; i < 3; i++)
        ents[i] = (raft_entry){ 10 + (uint64_t)i, 3, RAFT_ENTRY_NORMAL, &payload[i], 8 };
    raft_hard_state hs = { 4, 2, 11 };
    cr_assert_eq(raft_restore(f.r, &hs, 10, 3, ents, 3, 10, NULL), SS_OK);
    cr_expect_eq(raft_first_index(f.r), 10);
    cr_expect_eq(raft_last_index(f.r), 12);
    cr_expect_eq(raft_term(f.r), 4);
    cr_expect_null(raft_entry_at(f.r, 9));
    fx_drain(&f);
    cr_assert_eq(f.n_committed, 1, "only 11: 10 was applied before the restart");
    cr_expect_eq(f.committed[0], 11);
    uint64_t terms[] = { 3, 3, 3, 4 };
    raft_msg m = fx_append(&s, 2, 1, 4, 9, 3, 13, terms, 4);
    fx_step(&f, &m);
    cr_expect_eq(raft_last_index(f.r), 13);
    cr_expect_eq(raft_commit_index(f.r), 13);
}

Test(raft_features, restore_rejects_a_log_whose_indexes_do_not_follow)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t payload = 0;
    raft_entry ents[2] = { { 1, 1, RAFT_ENTRY_NORMAL, &payload, 8 },
                           { 3, 1, RAFT_ENTRY_NORMAL, &payload, 8 } };
    raft_hard_state hs = { 1, 0, 0 };
    cr_expect_eq(raft_restore(f.r, &hs, 1, 0, ents, 2, 0, NULL), SS_EINVAL);
}

Test(raft_features, compaction_drops_applied_entries_only)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    uint64_t terms[] = { 1, 1, 1, 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 3, terms, 4);
    fx_step(&f, &m);
    cr_assert_eq(f.n_committed, 3);
    cr_expect_eq(raft_compact(f.r, 4), SS_EINVAL, "4 was not applied");
    cr_expect_eq(raft_compact(f.r, 2), SS_OK);
    cr_expect_eq(raft_first_index(f.r), 3);
    cr_expect_null(raft_entry_at(f.r, 2));
    /* an append from before the compaction point is still understood */
    uint64_t more[] = { 1, 1, 1 };
    m = fx_append(&s, 2, 1, 1, 1, 1, 5, more, 3);
    fx_step(&f, &m);
    cr_expect_eq(raft_last_index(f.r), 4);
}

Test(raft_features, the_configuration_is_checked)
{
    raft_config cfg;
    raft_config_init(&cfg);
    uint64_t voters[] = { 1, 2, 2 };
    raft *r = NULL;
    ss_errmsg err = "";
    cfg.id = 1;
    cfg.voters = voters;
    cfg.n_voters = 3;
    cr_expect_eq(raft_new(&cfg, &r, err), SS_ECONFIG, "duplicate voter");
    cr_expect_neq(err[0], '\0');
    cfg.n_voters = 2;
    cfg.id = 5;
    cr_expect_eq(raft_new(&cfg, &r, err), SS_ECONFIG, "not among the voters");
    cfg.id = 1;
    cfg.heartbeat_ms = cfg.election_timeout_ms;
    cr_expect_eq(raft_new(&cfg, &r, err), SS_ECONFIG, "heartbeat not below the timeout");
    cfg.heartbeat_ms = 10;
    cr_expect_eq(raft_new(&cfg, &r, err), SS_OK);
    raft_free(r);
    fx_init(&f, 1, 1, true, true);
}

Test(raft_features, a_single_node_cluster_commits_once_its_own_write_is_durable)
{
    fx_init(&f, 1, 1, true, true);
    fx_tick(&f, 2 * FX_T);
    fx_persist(&f);
    cr_assert_eq(raft_role_get(f.r), RAFT_LEADER);
    uint64_t payload = 5, idx;
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &payload, 8, &idx), SS_OK);
    fx_drain(&f);
    cr_expect_lt(raft_commit_index(f.r), idx);
    fx_persist(&f);
    cr_expect_eq(raft_commit_index(f.r), idx);
    cr_expect_eq(f.committed[f.n_committed - 1], idx);
}

Test(raft_features, malformed_messages_are_refused)
{
    fx_init(&f, 1, 3, false, true);
    raft_msg m = fx_vote(1, 1, 1, 0, 0, false); /* from ourselves */
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    m = fx_vote(0, 1, 1, 0, 0, false); /* from no node */
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    m = fx_vote(2, 3, 1, 0, 0, false); /* not for us */
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    uint64_t terms[] = { 2, 1 }; /* terms going down */
    m = fx_append(&s, 2, 1, 2, 0, 0, 0, terms, 2);
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    cr_expect_eq(raft_term(f.r), 0);
}

/* Raft elections, one rule each: Figure 2 "RequestVote RPC" and "Rules for Servers", pre-vote,
 * leader stickiness, check-quorum. */
#include <criterion/criterion.h>

#include "common/error.h"
#include "test_raft_helpers.h"

static fx f;

static void teardown(void)
{
    fx_release(&f);
}

TestSuite(raft_election, .fini = teardown);

Test(raft_election, starts_as_a_follower_of_term_zero)
{
    fx_init(&f, 1, 3, true, true);
    cr_expect_eq(raft_role_get(f.r), RAFT_FOLLOWER);
    cr_expect_eq(raft_term(f.r), 0);
    cr_expect_eq(raft_leader(f.r), 0);
}

Test(raft_election, election_timeout_is_drawn_from_t_to_2t)
{
    for (uint64_t seed = 1; seed <= 50; seed++) {
        raft_config cfg;
        raft_config_init(&cfg);
        uint64_t voters[] = { 1, 2, 3 };
        cfg.id = 1;
        cfg.voters = voters;
        cfg.n_voters = 3;
        cfg.election_timeout_ms = FX_T;
        cfg.heartbeat_ms = FX_HB;
        cfg.seed = seed;
        raft *r;
        cr_assert_eq(raft_new(&cfg, &r, NULL), SS_OK);
        unsigned waited = 0;
        while (raft_role_get(r) == RAFT_FOLLOWER && waited < 3 * FX_T) {
            raft_tick(r, 1);
            waited++;
        }
        cr_expect(waited >= FX_T && waited < 2 * FX_T, "seed %llu: timed out after %u ms",
                  (unsigned long long)seed, waited);
        raft_free(r);
    }
    fx_init(&f, 1, 3, true, true); /* for teardown */
}

Test(raft_election, a_follower_that_times_out_becomes_candidate_and_votes_for_itself)
{
    fx_init(&f, 1, 3, false, true);
    fx_tick(&f, 2 * FX_T);
    cr_expect_eq(raft_role_get(f.r), RAFT_CANDIDATE);
    cr_expect_eq(raft_term(f.r), 1);
    cr_expect_eq(f.hs.term, 1);
    cr_expect_eq(f.hs.vote, 1);
}

Test(raft_election, vote_requests_wait_until_the_candidates_own_vote_is_durable)
{
    fx_init(&f, 1, 3, false, true);
    fx_tick(&f, 2 * FX_T);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE), 0, "sent before its term and vote were durable");
    fx_persist(&f);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE), 2);
    const raft_msg *m = fx_find(&f, RAFT_MSG_VOTE, 2, 0);
    cr_assert_not_null(m);
    cr_expect_eq(m->term, 1);
    cr_expect_not(m->pre_vote);
}

Test(raft_election, a_candidate_with_a_majority_becomes_leader_and_appends_a_noop)
{
    fx_init(&f, 1, 5, false, true);
    fx_make_leader(&f, 5);
    cr_expect_eq(raft_leader(f.r), 1);
    const raft_entry *e = raft_entry_at(f.r, raft_last_index(f.r));
    cr_assert_not_null(e);
    cr_expect_eq(e->type, RAFT_ENTRY_NOOP);
    cr_expect_eq(e->term, raft_term(f.r));
}

Test(raft_election, a_candidate_refused_by_a_majority_returns_to_follower)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    fx_tick(&f, 2 * FX_T);
    raft_msg m = fx_vote_resp(2, 1, 1, false, false);
    fx_step(&f, &m);
    cr_expect_eq(raft_role_get(f.r), RAFT_CANDIDATE); /* one refusal of three is not enough */
    m = fx_vote_resp(3, 1, 1, false, false);
    fx_step(&f, &m);
    cr_expect_eq(raft_role_get(f.r), RAFT_FOLLOWER);
    cr_expect_eq(raft_term(f.r), 1);
}

Test(raft_election, grants_at_most_one_vote_per_term)
{
    fx_init(&f, 1, 3, false, true);
    f.auto_persist = true;
    raft_msg m = fx_vote(2, 1, 5, 0, 0, false);
    fx_step(&f, &m);
    m = fx_vote(3, 1, 5, 0, 0, false);
    fx_step(&f, &m);
    const raft_msg *to2 = fx_find(&f, RAFT_MSG_VOTE_RESP, 2, 0);
    const raft_msg *to3 = fx_find(&f, RAFT_MSG_VOTE_RESP, 3, 0);
    cr_assert(to2 && to3);
    cr_expect_not(to2->reject);
    cr_expect(to3->reject);
    cr_expect_eq(f.hs.vote, 2);
    /* Asking again (a retransmission) gets the same answer. */
    m = fx_vote(2, 1, 5, 0, 0, false);
    fx_step(&f, &m);
    cr_expect_not(fx_find(&f, RAFT_MSG_VOTE_RESP, 2, 1)->reject);
}

Test(raft_election, a_vote_grant_is_sent_only_once_the_vote_is_durable)
{
    fx_init(&f, 1, 3, false, true);
    raft_msg m = fx_vote(2, 1, 5, 0, 0, false);
    fx_step(&f, &m);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE_RESP), 0);
    cr_expect_eq(f.hs.vote, 2);
    raft_persisted_hard_state(f.r, 5, 0); /* the term alone is not enough */
    fx_drain(&f);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE_RESP), 0);
    fx_persist(&f);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE_RESP), 1);
}

Test(raft_election, refuses_a_candidate_whose_last_term_is_older)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t terms[] = { 1, 2 };
    fx_restore_log(&f, 2, terms, 2, 0);
    f.auto_persist = true;
    raft_msg m = fx_vote(2, 1, 3, 9, 1, false); /* longer, but of an older term (§5.4.1) */
    fx_step(&f, &m);
    cr_expect(fx_find(&f, RAFT_MSG_VOTE_RESP, 2, 0)->reject);
}

/* Figure 2: the timer restarts on a leader's AppendEntries, a granted vote or our own
 * campaign; a stale candidate's newer term is none of these. Failed before the fix: the
 * follower restarted its timer at each refused candidate and never campaigned itself. */
Test(raft_election, a_refused_candidates_newer_term_does_not_restart_the_election_timer)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t terms[] = { 1, 2 };
    fx_restore_log(&f, 2, terms, 2, 0);
    f.auto_persist = true;
    for (uint64_t term = 3; term < 10; term++) {
        fx_tick(&f, FX_T / 4);
        if (raft_role_get(f.r) != RAFT_FOLLOWER)
            break;
        raft_msg m = fx_vote(2, 1, term, 1, 1, false); /* a log older than ours */
        fx_step(&f, &m);
    }
    cr_expect_eq(raft_role_get(f.r), RAFT_CANDIDATE,
                 "it times out within 2T however many stale candidates it refuses");
}

Test(raft_election, refuses_a_candidate_with_the_same_last_term_and_a_shorter_log)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t terms[] = { 1, 2, 2 };
    fx_restore_log(&f, 2, terms, 3, 0);
    f.auto_persist = true;
    raft_msg m = fx_vote(2, 1, 3, 2, 2, false);
    fx_step(&f, &m);
    cr_expect(fx_find(&f, RAFT_MSG_VOTE_RESP, 2, 0)->reject);
    m = fx_vote(3, 1, 3, 3, 2, false); /* as long: granted */
    fx_step(&f, &m);
    cr_expect_not(fx_find(&f, RAFT_MSG_VOTE_RESP, 3, 0)->reject);
}

Test(raft_election, a_higher_term_makes_a_leader_step_down)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    fx_msg s;
    raft_msg m = fx_append(&s, 2, 1, 7, 0, 0, 0, NULL, 0);
    fx_step(&f, &m);
    cr_expect_eq(raft_role_get(f.r), RAFT_FOLLOWER);
    cr_expect_eq(raft_term(f.r), 7);
    cr_expect_eq(raft_leader(f.r), 2);
}

Test(raft_election, answers_a_stale_term_with_its_own_term)
{
    fx_init(&f, 1, 3, false, true);
    uint64_t terms[] = { 1 };
    fx_restore_log(&f, 4, terms, 1, 0);
    f.auto_persist = true;
    fx_msg s;
    raft_msg m = fx_append(&s, 2, 1, 3, 0, 0, 0, NULL, 0);
    fx_step(&f, &m);
    const raft_msg *r = fx_find(&f, RAFT_MSG_APPEND_RESP, 2, 0);
    cr_assert_not_null(r);
    cr_expect_eq(r->term, 4);
    cr_expect_eq(raft_term(f.r), 4);
    cr_expect_eq(raft_leader(f.r), 0, "a stale leader is not followed");
}

Test(raft_election, pre_vote_asks_for_the_next_term_without_taking_it)
{
    fx_init(&f, 1, 3, true, true);
    f.auto_persist = true;
    fx_tick(&f, 2 * FX_T);
    cr_expect_eq(raft_role_get(f.r), RAFT_PRECANDIDATE);
    cr_expect_eq(raft_term(f.r), 0);
    const raft_msg *m = fx_find(&f, RAFT_MSG_VOTE, 2, 0);
    cr_assert_not_null(m);
    cr_expect(m->pre_vote);
    cr_expect_eq(m->term, 1);
    raft_msg g = fx_vote_resp(2, 1, 1, true, true);
    fx_step(&f, &g);
    cr_expect_eq(raft_role_get(f.r), RAFT_CANDIDATE);
    cr_expect_eq(raft_term(f.r), 1);
}

Test(raft_election, a_pre_vote_grant_leaves_the_voters_term_and_vote_alone)
{
    fx_init(&f, 1, 3, true, true);
    f.auto_persist = true;
    raft_msg m = fx_vote(2, 1, 1, 0, 0, true);
    fx_step(&f, &m);
    const raft_msg *r = fx_find(&f, RAFT_MSG_VOTE_RESP, 2, 0);
    cr_assert_not_null(r);
    cr_expect_not(r->reject);
    cr_expect(r->pre_vote);
    cr_expect_eq(raft_term(f.r), 0);
    cr_expect_eq(f.hs.vote, 0);
}

Test(raft_election, a_follower_with_a_live_leader_ignores_vote_requests)
{
    fx_init(&f, 1, 3, true, true);
    f.auto_persist = true;
    fx_msg s;
    raft_msg hb = fx_append(&s, 2, 1, 1, 0, 0, 0, NULL, 0);
    fx_step(&f, &hb);
    fx_clear(&f);
    raft_msg v = fx_vote(3, 1, 2, 5, 1, false);
    fx_step(&f, &v);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE_RESP), 0);
    cr_expect_eq(raft_term(f.r), 1, "leader stickiness: the disruptive term is not adopted");
    /* Once the leader is silent for an election timeout, it listens again. */
    raft_tick(f.r, FX_T);
    fx_step(&f, &v);
    cr_expect_eq(raft_term(f.r), 2);
}

Test(raft_election, a_leader_without_a_majority_for_an_election_timeout_steps_down)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    fx_tick(&f, FX_T / 2);
    raft_msg r = fx_append_resp(2, 1, raft_term(f.r), 0, 0);
    fx_step(&f, &r);
    fx_tick(&f, FX_T / 2); /* first check: heard from 2 of 3 */
    cr_expect_eq(raft_role_get(f.r), RAFT_LEADER);
    fx_tick(&f, FX_T); /* second check: only itself */
    cr_expect_eq(raft_role_get(f.r), RAFT_FOLLOWER);
}

Test(raft_election, timeout_now_starts_an_election_at_once_without_pre_vote)
{
    fx_init(&f, 2, 3, true, true);
    f.auto_persist = true;
    fx_msg s;
    raft_msg hb = fx_append(&s, 1, 2, 1, 0, 0, 0, NULL, 0);
    fx_step(&f, &hb);
    fx_clear(&f);
    raft_msg tn = { .type = RAFT_MSG_TIMEOUT_NOW, .from = 1, .to = 2, .term = 1 };
    fx_step(&f, &tn);
    cr_expect_eq(raft_role_get(f.r), RAFT_CANDIDATE);
    cr_expect_eq(raft_term(f.r), 2);
    const raft_msg *v = fx_find(&f, RAFT_MSG_VOTE, 3, 0);
    cr_assert_not_null(v);
    cr_expect_not(v->pre_vote);
    cr_expect(v->transfer, "marked so that leader stickiness lets it through");
}

/* Membership changes in the Raft core, one rule each (thesis chapter 4): single-server changes
 * in effect once appended, the leader's own-term rule, learners, removing the leader, removed
 * nodes refused, configurations across restarts; and the configuration's encoding. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "test_raft_helpers.h"

static fx f;

static void teardown(void)
{
    fx_release(&f);
}

TestSuite(raft_membership, .fini = teardown);

/* voters 1..n, then learners n+1..n+learners, addresses "n<id>" */
static raft_conf conf_of(unsigned n, unsigned learners)
{
    raft_conf c;
    memset(&c, 0, sizeof c);
    for (unsigned i = 0; i < n + learners; i++) {
        raft_member *m = &c.members[c.n++];
        m->id = i + 1;
        m->role = i < n ? RAFT_VOTER : RAFT_LEARNER;
        snprintf(m->addr, sizeof m->addr, "n%u", i + 1);
    }
    return c;
}

static uint8_t conf_buf[RAFT_CONF_MAX_ENCODED];

static raft_entry conf_entry(uint64_t index, uint64_t term, const raft_conf *c)
{
    size_t len;
    cr_assert_eq(raft_conf_encode(c, conf_buf, sizeof conf_buf, &len), SS_OK);
    return (raft_entry){ index, term, RAFT_ENTRY_CONFIG, conf_buf, len };
}

static const raft_member *member(uint64_t id)
{
    return raft_conf_find(raft_conf_get(f.r, NULL, NULL), id);
}

static void ack(uint64_t from, uint64_t index)
{
    raft_msg m = fx_append_resp(from, 1, raft_term(f.r), index, 0);
    fx_step(&f, &m);
}

/* Node 1 leads voters 1..n and has committed its no-op (entry 1, its term). */
static void settled_leader(unsigned n)
{
    fx_init(&f, 1, n, false, true);
    fx_make_leader(&f, n);
    for (uint64_t id = 2; id <= n / 2 + 1; id++)
        ack(id, 1);
    cr_assert_eq(raft_commit_index(f.r), 1);
    fx_clear(&f);
}

static int change(int op, uint64_t id, const char *addr, uint64_t *index)
{
    ss_errmsg err;
    int rv = raft_change_conf(f.r, op, id, addr, index, err);
    fx_drain(&f);
    return rv;
}

/* ---- the encoding ---- */

Test(raft_membership, a_configuration_survives_its_encoding)
{
    raft_conf c = conf_of(3, 2), d;
    c.members[3].promote = true;
    c.removed[c.n_removed++] = 9;
    raft_entry e = conf_entry(1, 1, &c);
    cr_assert_eq(raft_conf_decode(e.data, e.len, &d), SS_OK);
    cr_assert_eq(d.n, 5);
    cr_expect_eq(raft_conf_voters(&d), 3);
    cr_expect_eq(raft_conf_find(&d, 4)->role, RAFT_LEARNER);
    cr_expect(raft_conf_find(&d, 4)->promote);
    cr_expect_not(raft_conf_find(&d, 5)->promote);
    cr_expect_str_eq(raft_conf_find(&d, 2)->addr, "n2");
    cr_expect(raft_conf_removed(&d, 9));
}

Test(raft_membership, a_malformed_configuration_is_refused)
{
    raft_conf c = conf_of(2, 0), d;
    raft_entry e = conf_entry(1, 1, &c);
    uint8_t bad[RAFT_CONF_MAX_ENCODED + 1];
    memcpy(bad, e.data, e.len);
    bad[e.len] = 0;
    cr_expect_eq(raft_conf_decode(bad, e.len + 1, &d), SS_EPROTO, "trailing bytes");
    cr_expect_eq(raft_conf_decode(bad, e.len - 1, &d), SS_EPROTO, "cut short");
    cr_expect_eq(raft_conf_decode(bad, 0, &d), SS_EPROTO, "empty");
    bad[0] = 7;
    cr_expect_eq(raft_conf_decode(bad, e.len, &d), SS_EPROTO, "unknown version");
    c.members[1].id = 1;
    e = conf_entry(1, 1, &c);
    cr_expect_eq(raft_conf_decode(e.data, e.len, &d), SS_EPROTO, "an id twice");
    c = conf_of(2, 0);
    c.removed[c.n_removed++] = 2;
    e = conf_entry(1, 1, &c);
    cr_expect_eq(raft_conf_decode(e.data, e.len, &d), SS_EPROTO, "removed yet a member");
}

/* ---- the leader's rules ---- */

Test(raft_membership, a_new_leader_changes_nothing_before_an_entry_of_its_term_commits)
{
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    uint64_t last = raft_last_index(f.r);
    cr_expect_eq(change(RAFT_CONF_ADD_LEARNER, 4, "n4", NULL), SS_EAGAIN);
    cr_expect_eq(raft_last_index(f.r), last, "nothing appended");
    ack(2, 1);
    cr_expect_eq(change(RAFT_CONF_ADD_LEARNER, 4, "n4", NULL), SS_OK);
}

Test(raft_membership, a_change_is_in_effect_at_once_and_the_next_waits_for_its_commit)
{
    settled_leader(3);
    uint64_t index, at;
    bool committed;
    cr_assert_eq(change(RAFT_CONF_ADD_LEARNER, 4, "n4", &index), SS_OK);
    cr_expect_eq(index, 2);
    raft_conf_get(f.r, &at, &committed);
    cr_expect_eq(at, 2);
    cr_expect_not(committed, "in effect before it commits (thesis §4.1)");
    cr_assert_not_null(member(4));
    cr_expect_eq(member(4)->role, RAFT_LEARNER);
    fx_tick(&f, FX_HB);
    cr_expect_not_null(fx_find(&f, RAFT_MSG_APPEND, 4, 0), "the learner gets the log");
    cr_expect_eq(change(RAFT_CONF_REMOVE, 3, NULL, NULL), SS_EBUSY, "one change at a time");
    ack(2, 2);
    raft_conf_get(f.r, NULL, &committed);
    cr_expect(committed);
    cr_expect_eq(change(RAFT_CONF_REMOVE, 3, NULL, NULL), SS_OK);
}

Test(raft_membership, changes_that_break_the_rules_are_refused_and_change_nothing)
{
    settled_leader(3);
    uint64_t gen = raft_conf_gen(f.r);
    cr_expect_eq(change(RAFT_CONF_ADD, 2, "elsewhere", NULL), SS_EEXIST, "a member's id");
    cr_expect_eq(change(RAFT_CONF_ADD, 0, "n0", NULL), SS_EINVAL, "id 0");
    cr_expect_eq(change(RAFT_CONF_ADD, 4, "", NULL), SS_EINVAL, "no address");
    cr_expect_eq(change(RAFT_CONF_PROMOTE, 2, NULL, NULL), SS_EINVAL, "a voter already");
    cr_expect_eq(change(RAFT_CONF_PROMOTE, 7, NULL, NULL), SS_ENOTFOUND);
    cr_expect_eq(change(RAFT_CONF_REMOVE, 7, NULL, NULL), SS_ENOTFOUND);
    cr_expect_eq(raft_conf_gen(f.r), gen);
    cr_expect_eq(raft_last_index(f.r), 1);

    cr_assert_eq(change(RAFT_CONF_ADD_LEARNER, 4, "n4", NULL), SS_OK);
    ack(2, 2);
    cr_expect_eq(change(RAFT_CONF_ADD_LEARNER, 5, "n4", NULL), SS_EEXIST, "a member's address");
    cr_assert_eq(change(RAFT_CONF_REMOVE, 4, NULL, NULL), SS_OK);
    ack(2, 3);
    cr_expect_eq(change(RAFT_CONF_ADD_LEARNER, 4, "n4", NULL), SS_EEXIST, "ids are not reused");
}

Test(raft_membership, the_last_voter_cannot_be_removed)
{
    fx_init(&f, 1, 1, false, true);
    f.auto_persist = true;
    fx_tick(&f, 2 * FX_T);
    cr_assert_eq(raft_role_get(f.r), RAFT_LEADER);
    cr_assert_eq(raft_commit_index(f.r), 1);
    cr_expect_eq(change(RAFT_CONF_REMOVE, 1, NULL, NULL), SS_EINVAL);
    cr_expect_eq(raft_role_get(f.r), RAFT_LEADER);
}

Test(raft_membership, only_the_leader_changes_the_configuration)
{
    fx_init(&f, 1, 3, false, true);
    cr_expect_eq(change(RAFT_CONF_ADD, 4, "n4", NULL), SS_ENOTLEADER);
}

/* ---- learners ---- */

Test(raft_membership, a_learner_is_never_counted_for_commit)
{
    settled_leader(3);
    cr_assert_eq(change(RAFT_CONF_ADD_LEARNER, 4, "n4", NULL), SS_OK);
    ack(4, 2); /* leader + learner would be 2 of 4, but the voters are 1, 2 and 3 */
    cr_expect_eq(raft_commit_index(f.r), 1);
    ack(2, 2);
    cr_expect_eq(raft_commit_index(f.r), 2);
}

Test(raft_membership, a_learner_never_campaigns)
{
    fx_init(&f, 4, 4, false, true);
    raft_conf c = conf_of(3, 1);
    raft_hard_state hs = { 1, 0, 0 };
    cr_assert_eq(raft_restore(f.r, &hs, 1, 0, NULL, 0, 0, &c), SS_OK);
    fx_tick(&f, 10 * FX_T);
    cr_expect_eq(raft_role_get(f.r), RAFT_FOLLOWER);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE), 0);
}

Test(raft_membership, a_node_waiting_to_be_added_stays_quiet_until_a_configuration_names_it)
{
    memset(&f, 0, sizeof f);
    raft_config cfg;
    raft_config_init(&cfg);
    cfg.id = 4;
    cfg.n_voters = 0;
    cfg.election_timeout_ms = FX_T;
    cfg.heartbeat_ms = FX_HB;
    ss_errmsg err;
    cr_assert_eq(raft_new(&cfg, &f.r, err), SS_OK, "%s", err);
    f.auto_persist = true;
    fx_tick(&f, 10 * FX_T);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE), 0);

    raft_conf c = conf_of(3, 1);
    raft_entry e = conf_entry(1, 1, &c);
    raft_msg m = { .type = RAFT_MSG_APPEND, .from = 1, .to = 4, .term = 1, .entries = &e,
                   .n_entries = 1 };
    fx_step(&f, &m);
    cr_assert_not_null(member(4));
    cr_expect_eq(member(4)->role, RAFT_LEARNER);
    cr_expect_not(fx_find(&f, RAFT_MSG_APPEND_RESP, 1, 0)->reject, "a leader it did not know");
}

Test(raft_membership, a_learner_to_promote_is_made_a_voter_once_it_holds_every_committed_entry)
{
    settled_leader(3);
    uint64_t index;
    cr_assert_eq(change(RAFT_CONF_ADD, 4, "n4", &index), SS_OK);
    cr_expect(member(4)->promote);
    ack(2, index);
    cr_expect_eq(member(4)->role, RAFT_LEARNER, "not caught up yet");
    ack(4, index);
    uint64_t at;
    raft_conf_get(f.r, &at, NULL);
    cr_expect_eq(member(4)->role, RAFT_VOTER);
    cr_expect_eq(at, index + 1, "promoted by its own entry");
    cr_expect_not(member(4)->promote);
}

/* ---- followers ---- */

Test(raft_membership, a_follower_uses_a_configuration_once_appended_and_drops_it_with_its_entry)
{
    fx_init(&f, 2, 3, false, true);
    f.auto_persist = true;
    raft_conf c = conf_of(3, 1);
    uint64_t payload = 7;
    raft_entry ents[2] = { { 1, 1, RAFT_ENTRY_NORMAL, &payload, 8 }, conf_entry(2, 1, &c) };
    raft_msg m = { .type = RAFT_MSG_APPEND, .from = 1, .to = 2, .term = 1, .entries = ents,
                   .n_entries = 2 };
    fx_step(&f, &m);
    uint64_t at;
    bool committed;
    raft_conf_get(f.r, &at, &committed);
    cr_expect_eq(at, 2);
    cr_expect_not(committed);
    cr_expect_not_null(member(4));

    raft_entry other = { 2, 2, RAFT_ENTRY_NORMAL, &payload, 8 };
    m = (raft_msg){ .type = RAFT_MSG_APPEND, .from = 3, .to = 2, .term = 2, .prev_index = 1,
                    .prev_term = 1, .entries = &other, .n_entries = 1 };
    fx_step(&f, &m);
    raft_conf_get(f.r, &at, NULL);
    cr_expect_eq(at, 0, "back to the bootstrap configuration");
    cr_expect_null(member(4));
}

Test(raft_membership, a_config_entry_that_does_not_decode_is_refused)
{
    fx_init(&f, 2, 3, false, true);
    uint8_t junk[3] = { 9, 9, 9 };
    raft_entry e = { 1, 1, RAFT_ENTRY_CONFIG, junk, sizeof junk };
    raft_msg m = { .type = RAFT_MSG_APPEND, .from = 1, .to = 2, .term = 1, .entries = &e,
                   .n_entries = 1 };
    cr_expect_eq(raft_step(f.r, &m), SS_EINVAL);
    cr_expect_eq(raft_last_index(f.r), 0);
}

/* ---- removal ---- */

Test(raft_membership, a_leader_that_removed_itself_does_not_count_itself_and_leaves_once_committed)
{
    settled_leader(3);
    uint64_t index;
    cr_assert_eq(change(RAFT_CONF_REMOVE, 1, NULL, &index), SS_OK);
    cr_expect_eq(raft_role_get(f.r), RAFT_LEADER, "it leads until the change commits");
    cr_expect_eq(raft_conf_voters(raft_conf_get(f.r, NULL, NULL)), 2);
    ack(2, index); /* itself and node 2 would be a majority of the old voters, not of 2 and 3 */
    cr_expect_eq(raft_commit_index(f.r), 1);
    cr_expect_eq(raft_role_get(f.r), RAFT_LEADER);
    ack(3, index);
    cr_expect_eq(raft_commit_index(f.r), index);
    cr_expect_eq(raft_role_get(f.r), RAFT_FOLLOWER, "thesis §4.2.2: it steps down");
    cr_expect_not_null(fx_find(&f, RAFT_MSG_TIMEOUT_NOW, 0, 0),
                       "and hands over to a voter holding its whole log");
    fx_clear(&f);
    fx_tick(&f, 10 * FX_T);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE), 0, "outside the configuration, it never campaigns");
}

/* It failed before the fix: the follower, told the removal committed, dropped
 * the TimeoutNow of the leader that sent it, and the cluster waited out an
 * election timeout (test_membership_ops saw a removed leader's successor
 * come a second late). */
Test(raft_membership, the_timeout_now_of_a_leader_that_removed_itself_is_heard)
{
    fx_init(&f, 2, 3, true, true);
    f.auto_persist = true;
    raft_conf c = conf_of(3, 0);
    c.members[0] = c.members[2]; /* voters 3 and 2, node 1 removed */
    c.n = 2;
    c.removed[c.n_removed++] = 1;
    fx_msg s;
    uint64_t terms[2] = {1, 1};
    raft_msg app = fx_append(&s, 1, 2, 1, 0, 0, 2, terms, 2);
    s.ents[1] = conf_entry(2, 1, &c);
    fx_step(&f, &app);
    cr_assert_eq(raft_commit_index(f.r), 2, "the removal of the leader is committed");
    cr_assert_null(member(1));
    fx_clear(&f);
    raft_msg tn = { .type = RAFT_MSG_TIMEOUT_NOW, .from = 1, .to = 2, .term = 1 };
    fx_step(&f, &tn);
    cr_expect_eq(raft_role_get(f.r), RAFT_CANDIDATE, "thesis §4.2.2: its successor campaigns at once");
    cr_expect_not_null(fx_find(&f, RAFT_MSG_VOTE, 3, 0));
    raft_msg late = { .type = RAFT_MSG_TIMEOUT_NOW, .from = 1, .to = 2, .term = 1 };
    fx_step(&f, &late);
    cr_expect_eq(raft_term(f.r), 2, "one of an older term starts nothing");
}

Test(raft_membership, a_node_whose_removal_is_committed_is_not_heard)
{
    settled_leader(3);
    uint64_t index;
    cr_assert_eq(change(RAFT_CONF_REMOVE, 3, NULL, &index), SS_OK);
    ack(2, index);
    cr_assert_eq(raft_commit_index(f.r), index);
    uint64_t term = raft_term(f.r);
    raft_msg m = fx_vote(3, 1, term + 5, 100, term + 4, false);
    fx_step(&f, &m);
    cr_expect_eq(raft_term(f.r), term, "a stale member disrupts nobody (thesis §4.2.3)");
    cr_expect_eq(raft_role_get(f.r), RAFT_LEADER);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE_RESP), 0);
}

Test(raft_membership, a_node_outside_the_configuration_is_heard_until_removed)
{
    fx_init(&f, 1, 3, false, true);
    raft_msg m = fx_vote(9, 1, 1, 0, 0, false);
    fx_step(&f, &m);
    cr_expect_eq(raft_term(f.r), 1, "thesis §4.1: a leader may be one we do not know yet");
}

/* ---- restart ---- */

Test(raft_membership, a_restart_takes_the_state_machines_configuration_then_the_logs)
{
    fx_init(&f, 1, 3, false, true);
    raft_conf sm = conf_of(3, 1), latest = conf_of(4, 0);
    uint64_t payload = 7;
    raft_entry ents[3] = { { 1, 1, RAFT_ENTRY_NORMAL, &payload, 8 },
                           { 2, 1, RAFT_ENTRY_NORMAL, &payload, 8 },
                           conf_entry(3, 1, &latest) };
    raft_hard_state hs = { 1, 0, 2 };
    cr_assert_eq(raft_restore(f.r, &hs, 1, 0, ents, 3, 2, &sm), SS_OK);
    uint64_t at;
    raft_conf_get(f.r, &at, NULL);
    cr_expect_eq(at, 3, "the latest configuration in the log wins");
    cr_expect_eq(member(4)->role, RAFT_VOTER);
    fx_release(&f);

    fx_init(&f, 1, 3, false, true);
    cr_assert_eq(raft_restore(f.r, &hs, 1, 0, ents, 2, 2, &sm), SS_OK);
    raft_conf_get(f.r, &at, NULL);
    cr_expect_eq(at, 2, "the state machine's, at its applied index");
    cr_expect_eq(member(4)->role, RAFT_LEARNER);
    fx_release(&f);

    fx_init(&f, 1, 3, false, true);
    uint8_t junk[2] = { 1, 0xff };
    ents[2] = (raft_entry){ 3, 1, RAFT_ENTRY_CONFIG, junk, sizeof junk };
    cr_expect_eq(raft_restore(f.r, &hs, 1, 0, ents, 3, 2, &sm), SS_EINVAL, "a corrupt log");
}

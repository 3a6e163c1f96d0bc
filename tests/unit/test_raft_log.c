/* What the core tells at each log level: at verbose every commit, repair and ReadIndex round names its rule; notice stays quiet while a cluster works. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "test_raft_helpers.h"

#define MAX_LINES 256

static fx f;
static fx_msg s;
static struct {
    int level;
    char text[SS_ERRMSG_SIZE];
} lines[MAX_LINES];
static size_t n_lines;

static void capture(void *ctx, int level, const char *line)
{
    (void)ctx;
    cr_assert_lt(n_lines, MAX_LINES);
    lines[n_lines].level = level;
    snprintf(lines[n_lines].text, sizeof lines[n_lines].text, "%s", line);
    n_lines++;
}

/* Node `id` of 3 (pre-vote off), logging at `level` into lines[]. */
static void node(uint64_t id, int level)
{
    n_lines = 0;
    fx_init_log(&f, id, 3, capture, level);
    f.auto_persist = true;
}

static void teardown(void)
{
    fx_release(&f);
}

TestSuite(raft_log, .fini = teardown);

/* The line at `level` containing every fragment given, or NULL. */
static const char *find(int level, const char *a, const char *b)
{
    for (size_t i = 0; i < n_lines; i++)
        if (lines[i].level == level && strstr(lines[i].text, a) && (!b || strstr(lines[i].text, b)))
            return lines[i].text;
    return NULL;
}

static size_t count_at_least(int level)
{
    size_t n = 0;
    for (size_t i = 0; i < n_lines; i++)
        n += lines[i].level >= level;
    return n;
}

Test(raft_log, a_follower_tells_what_it_appended_and_committed_and_by_which_rule)
{
    node(1, SS_LOG_VERBOSE);
    uint64_t terms[] = { 1, 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 1, terms, 2);
    fx_step(&f, &m);
    cr_expect_not_null(find(SS_LOG_VERBOSE, "node 1 appended entries 1..2 (term 1) from leader 2",
                            "(§5.3)"));
    cr_expect_not_null(find(SS_LOG_VERBOSE, "node 1 committed entry 1: leader 2 has committed up "
                            "to 1", "min(leaderCommit, last new entry)"));
}

Test(raft_log, a_follower_tells_why_it_rejects_and_what_it_drops)
{
    node(1, SS_LOG_VERBOSE);
    uint64_t old[] = { 1, 1, 1 };
    fx_restore_log(&f, 1, old, 3, 1);
    raft_msg m = fx_append(&s, 2, 1, 2, 7, 2, 1, NULL, 0);
    fx_step(&f, &m);
    cr_expect_not_null(find(SS_LOG_VERBOSE, "rejected AppendEntries from leader 2 after entry 7",
                            "our log ends at 3, so we hint it to go on from 4 (§5.3"));
    uint64_t newer[] = { 2, 2 };
    m = fx_append(&s, 2, 1, 2, 1, 1, 1, newer, 2);
    fx_step(&f, &m);
    cr_expect_not_null(find(SS_LOG_NOTICE, "node 1 dropped its entries 2..3: leader 2 has term 2",
                            "§5.3: a conflicting entry is deleted"));
}

Test(raft_log, a_leader_tells_commits_repairs_and_read_rounds_by_their_rules)
{
    node(1, SS_LOG_VERBOSE);
    uint64_t log[] = { 1, 1, 1, 1 };
    fx_restore_log(&f, 1, log, 4, 1);
    fx_make_leader(&f, 3);
    cr_expect_not_null(find(SS_LOG_VERBOSE, "appended a no-op as entry 5 of its term 2",
                            "§5.4.2"));
    /* Node 2 holds 1..4 of term 1: a majority, but not of our term (Figure 8). */
    raft_msg a = fx_append_resp(2, 1, 2, 4, 0);
    fx_step(&f, &a);
    cr_expect_not_null(find(SS_LOG_VERBOSE, "does not commit entry 4 yet", "Figure 8"));
    a = fx_append_resp(2, 1, 2, 5, 0);
    fx_step(&f, &a);
    cr_expect_not_null(find(SS_LOG_VERBOSE, "node 1 committed entries 2..5: 2 of 3 voters store "
                            "entry 5, a majority", "(§5.3, §5.4.2)"));
    /* Node 3's log ends at 2: it rejects the probe after 4 with that hint. */
    raft_msg r = fx_append_resp(3, 1, 2, 4, 0);
    r.reject = true;
    r.hint_index = 3;
    fx_step(&f, &r);
    cr_expect_not_null(find(SS_LOG_VERBOSE, "backs node 3's nextIndex off to 3",
                            "its log ends at 2 (§5.3)"));
    cr_assert_eq(raft_read_index(f.r, 77), SS_OK);
    fx_drain(&f);
    cr_expect_not_null(find(SS_LOG_VERBOSE, "starts ReadIndex round 1 for 1 read at commit index 5",
                            "(§6.4)"));
    a = fx_append_resp(2, 1, 2, 5, 1);
    fx_step(&f, &a);
    cr_expect_not_null(find(SS_LOG_VERBOSE, "a majority answered ReadIndex round 1, so 1 read may "
                            "run at read index 5", "(§6.4)"));
}

Test(raft_log, notice_stays_quiet_while_a_leader_replicates)
{
    node(1, SS_LOG_NOTICE);
    fx_make_leader(&f, 3);
    size_t after_election = n_lines;
    cr_expect_gt(after_election, 0, "an election is told at notice");
    for (uint64_t i = 0; i < 50; i++) {
        fx_clear(&f);
        uint64_t index;
        cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, "x", 1, &index), SS_OK);
        fx_drain(&f);
        raft_msg a = fx_append_resp(2, 1, raft_term(f.r), index, 0);
        fx_step(&f, &a);
        fx_tick(&f, FX_HB);
        cr_assert_eq(raft_read_index(f.r, i), SS_OK);
        fx_drain(&f);
    }
    cr_expect_eq(raft_commit_index(f.r), 51);
    cr_expect_eq(n_lines, after_election, "50 writes and reads add %zu lines at notice",
                 n_lines - after_election);
}

Test(raft_log, the_level_changes_at_run_time)
{
    node(1, SS_LOG_NOTICE);
    uint64_t terms[] = { 1 };
    raft_msg m = fx_append(&s, 2, 1, 1, 0, 0, 1, terms, 1);
    fx_step(&f, &m);
    cr_expect_null(find(SS_LOG_VERBOSE, "committed", NULL), "verbose lines are not even formatted");
    raft_set_log_level(f.r, SS_LOG_VERBOSE);
    m = fx_append(&s, 2, 1, 1, 1, 1, 2, terms, 1);
    fx_step(&f, &m);
    cr_expect_not_null(find(SS_LOG_VERBOSE, "committed entry 2", NULL));
    cr_expect_eq(count_at_least(SS_LOG_WARNING), 0);
}

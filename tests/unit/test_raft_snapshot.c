/* InstallSnapshot in the Raft core: the leader's chunked transfer (the caller reads
 * the bytes), the follower's chunks and install (the caller writes them). */
#include <criterion/criterion.h>
#include <string.h>

#include "common/error.h"
#include "test_raft_helpers.h"

/* Node 1 leads a 3-node cluster; entries 1..6 are committed (node 2 holds them)
 * and compacted away; node 3 has answered nothing yet. */
static void leader_compacted(fx *f)
{
    fx_init(f, 1, 3, false, true);
    fx_make_leader(f, 3);
    for (uint64_t p = 100; p < 105; p++)
        cr_assert_eq(raft_propose(f->r, RAFT_ENTRY_NORMAL, &p, sizeof p, NULL), SS_OK);
    fx_drain(f);
    raft_msg ack = fx_append_resp(2, 1, raft_term(f->r), 6, 0);
    fx_step(f, &ack);
    cr_assert_eq(raft_commit_index(f->r), 6);
    cr_assert_eq(raft_compact(f->r, 6), SS_OK);
    fx_clear(f);
}

static const char *peer_state(fx *f, uint64_t id)
{
    uint64_t match, next;
    const char *state = "?";
    cr_assert(raft_peer_progress(f->r, id, &match, &next, &state));
    return state;
}

/* Node 3's answer to the chunk at `answered`: it wants `offset` next. */
static raft_msg snap_resp(fx *f, uint64_t answered, uint64_t offset)
{
    return (raft_msg){ .type = RAFT_MSG_SNAPSHOT_RESP, .from = 3, .to = 1, .term = raft_term(f->r),
                       .snap_index = 6, .snap_term = raft_term(f->r), .offset = offset,
                       .index = answered };
}

/* The leader asks for a snapshot for node 3 at the next heartbeat. */
static void start_transfer(fx *f)
{
    leader_compacted(f);
    fx_tick(f, FX_HB);
    cr_assert_eq(f->n_sreqs, 1);
}

static int give(fx *f, uint64_t offset, const char *data, bool done)
{
    int rv = raft_snapshot_chunk(f->r, 3, 6, raft_term(f->r), offset, data, strlen(data), done);
    fx_drain(f);
    return rv;
}

Test(raft_snapshot, a_follower_behind_the_compacted_prefix_gets_a_snapshot_instead_of_appends)
{
    fx f;
    leader_compacted(&f);
    uint64_t base, base_term;
    raft_snapshot_base(f.r, &base, &base_term);
    cr_expect_eq(base, 6);
    cr_expect_eq(base_term, raft_term(f.r));
    fx_tick(&f, FX_HB);
    cr_assert_eq(f.n_sreqs, 1);
    cr_expect_eq(f.sreqs[0].peer, 3);
    cr_expect_eq(f.sreqs[0].index, 6);
    cr_expect_eq(f.sreqs[0].term, raft_term(f.r));
    cr_expect_eq(f.sreqs[0].offset, 0);
    cr_expect_gt(f.sreqs[0].max, 0);
    cr_expect_str_eq(peer_state(&f, 3), "snapshot");
    fx_tick(&f, 5 * FX_HB);
    cr_expect_null(fx_find(&f, RAFT_MSG_APPEND, 3, 0), "no appends while a snapshot is due");
    cr_expect_not_null(fx_find(&f, RAFT_MSG_APPEND, 2, 0), "node 2 still gets heartbeats");
    cr_expect_eq(f.n_sreqs, 1, "asked once until answered");
    fx_release(&f);
}

Test(raft_snapshot, chunks_go_one_at_a_time_each_after_the_previous_is_acknowledged)
{
    fx f;
    start_transfer(&f);
    cr_assert_eq(give(&f, 0, "abcd", false), SS_OK);
    const raft_msg *m = fx_find(&f, RAFT_MSG_SNAPSHOT, 3, 0);
    cr_assert_not_null(m);
    cr_expect_eq(m->snap_index, 6);
    cr_expect_eq(m->offset, 0);
    cr_assert_eq(m->len, 4);
    cr_expect_eq(memcmp(m->data, "abcd", 4), 0);
    cr_expect_not(m->done);
    cr_expect_eq(f.n_sreqs, 1, "no next chunk before this one is acknowledged");
    cr_expect_eq(give(&f, 0, "abcd", false), SS_EINVAL, "a second answer is stale");

    raft_msg r = snap_resp(&f, 0, 4);
    fx_step(&f, &r);
    cr_assert_eq(f.n_sreqs, 2);
    cr_expect_eq(f.sreqs[1].offset, 4);
    fx_step(&f, &r); /* a duplicate acknowledgement */
    cr_expect_eq(f.n_sreqs, 2);
    r = snap_resp(&f, 0, 0); /* a stale answer, from before the first chunk arrived */
    fx_step(&f, &r);
    cr_expect_eq(f.n_sreqs, 2, "answers to other chunks are ignored");

    fx_clear(&f);
    cr_assert_eq(give(&f, 4, "ef", true), SS_OK);
    m = fx_find(&f, RAFT_MSG_SNAPSHOT, 3, 0);
    cr_assert_not_null(m);
    cr_expect_eq(m->offset, 4);
    cr_expect(m->done);
    r = snap_resp(&f, 4, 6);
    fx_step(&f, &r);
    cr_expect_eq(f.n_sreqs, 2, "nothing after the last chunk");
    cr_expect_str_eq(peer_state(&f, 3), "snapshot", "until the install is acknowledged");
    fx_clear(&f);
    fx_tick(&f, FX_HB); /* while it installs, only an empty chunk asks if it still has it */
    m = fx_find(&f, RAFT_MSG_SNAPSHOT, 3, 0);
    cr_assert_not_null(m);
    cr_expect_eq(m->offset, 6);
    cr_expect_eq(m->len, 0);
    cr_expect_not(m->done);

    fx_clear(&f);
    raft_msg installed = fx_append_resp(3, 1, raft_term(f.r), 6, 0);
    fx_step(&f, &installed);
    cr_expect_str_neq(peer_state(&f, 3), "snapshot");
    m = fx_find(&f, RAFT_MSG_APPEND, 3, 0);
    cr_assert_not_null(m, "appends resume after the snapshot");
    cr_expect_eq(m->prev_index, 6);
    fx_release(&f);
}

Test(raft_snapshot, an_unacknowledged_chunk_is_resent_at_the_heartbeat)
{
    fx f;
    start_transfer(&f);
    cr_assert_eq(give(&f, 0, "abcd", false), SS_OK);
    fx_clear(&f);
    fx_tick(&f, FX_HB);
    const raft_msg *m = fx_find(&f, RAFT_MSG_SNAPSHOT, 3, 0);
    cr_assert_not_null(m);
    cr_expect_eq(m->offset, 0);
    cr_expect_eq(m->len, 4);
    fx_release(&f);
}

Test(raft_snapshot, a_follower_that_lost_the_transfer_makes_the_leader_start_over)
{
    fx f;
    start_transfer(&f);
    cr_assert_eq(give(&f, 0, "abcd", false), SS_OK);
    raft_msg r = snap_resp(&f, 0, 4);
    fx_step(&f, &r);
    cr_assert_eq(f.n_sreqs, 2);
    cr_assert_eq(give(&f, 4, "ef", false), SS_OK);
    r = snap_resp(&f, 4, 0); /* it restarted */
    fx_step(&f, &r);
    cr_assert_eq(f.n_sreqs, 3);
    cr_expect_eq(f.sreqs[2].offset, 0);
    cr_expect_eq(give(&f, 6, "gh", true), SS_EINVAL);
    cr_expect_eq(give(&f, 0, "abcd", false), SS_OK);
    fx_release(&f);
}

Test(raft_snapshot, a_follower_that_needs_no_snapshot_ends_the_transfer)
{
    fx f;
    start_transfer(&f);
    raft_msg r = snap_resp(&f, 0, 0);
    r.reject = true;
    r.index = 6;
    fx_step(&f, &r);
    cr_expect_str_neq(peer_state(&f, 3), "snapshot");
    const raft_msg *m = fx_find(&f, RAFT_MSG_APPEND, 3, 0);
    cr_assert_not_null(m);
    cr_expect_eq(m->prev_index, 6);
    cr_expect_eq(give(&f, 0, "abcd", false), SS_EINVAL, "the request is void");
    fx_release(&f);
}

Test(raft_snapshot, an_unreadable_snapshot_is_asked_for_again_at_the_next_heartbeat)
{
    fx f;
    start_transfer(&f);
    raft_snapshot_failed(f.r, 3);
    cr_expect_str_eq(peer_state(&f, 3), "probe");
    cr_expect_eq(give(&f, 0, "abcd", false), SS_EINVAL);
    fx_tick(&f, FX_HB);
    cr_assert_eq(f.n_sreqs, 2);
    cr_expect_eq(f.sreqs[1].offset, 0);
    fx_release(&f);
}

/* ---- follower ---- */

/* Node 2 holds entries 1..3 of term 1, 2 of them committed; node 1 leads term 2. */
static void follower(fx *f)
{
    fx_init(f, 2, 3, false, true);
    f->auto_persist = true;
    const uint64_t terms[] = { 1, 1, 1 };
    fx_restore_log(f, 1, terms, 3, 2);
}

static raft_msg chunk(uint64_t index, uint64_t offset, const char *data, bool done)
{
    return (raft_msg){ .type = RAFT_MSG_SNAPSHOT, .from = 1, .to = 2, .term = 2,
                       .snap_index = index, .snap_term = 2, .offset = offset, .data = data,
                       .len = strlen(data), .done = done };
}

static const raft_msg *last_snap_resp(fx *f)
{
    const raft_msg *m = NULL;
    for (unsigned k = 0; fx_find(f, RAFT_MSG_SNAPSHOT_RESP, 1, k) != NULL; k++)
        m = fx_find(f, RAFT_MSG_SNAPSHOT_RESP, 1, k);
    return m;
}

Test(raft_snapshot, a_follower_hands_out_chunks_in_order_and_ignores_duplicates_and_gaps)
{
    fx f;
    follower(&f);
    raft_msg m = chunk(10, 0, "abc", false);
    fx_step(&f, &m);
    cr_assert_eq(f.n_chunks, 1);
    cr_expect_eq(f.chunks[0].index, 10);
    cr_expect_eq(f.chunks[0].term, 2);
    cr_expect_eq(f.chunks[0].offset, 0);
    cr_expect_eq(f.chunks[0].from, 1);
    cr_assert_eq(f.chunks[0].len, 3);
    cr_expect_eq(memcmp(f.chunks[0].data, "abc", 3), 0);
    cr_assert_not_null(last_snap_resp(&f));
    cr_expect_eq(last_snap_resp(&f)->offset, 3);
    cr_expect_eq(last_snap_resp(&f)->index, 0, "the offset it answers");
    cr_expect_not(last_snap_resp(&f)->reject);

    fx_clear(&f);
    fx_step(&f, &m); /* duplicate: acknowledged again, not handed out again */
    cr_expect_eq(f.n_chunks, 1);
    cr_assert_not_null(last_snap_resp(&f));
    cr_expect_eq(last_snap_resp(&f)->offset, 3);

    fx_clear(&f);
    m = chunk(10, 6, "zz", false); /* a gap */
    fx_step(&f, &m);
    cr_expect_eq(f.n_chunks, 1);
    cr_assert_not_null(last_snap_resp(&f));
    cr_expect_eq(last_snap_resp(&f)->offset, 3);
    fx_release(&f);
}

Test(raft_snapshot, after_the_last_chunk_the_install_is_acknowledged_only_once_reported_durable)
{
    fx f;
    follower(&f);
    raft_msg m = chunk(10, 0, "abc", false);
    fx_step(&f, &m);
    m = chunk(10, 3, "de", true);
    size_t applied = f.n_committed;
    fx_clear(&f);
    fx_step(&f, &m);
    cr_assert_eq(f.n_chunks, 2);
    cr_expect(f.chunks[1].done);
    cr_expect_eq(f.chunks[1].offset, 3);
    cr_expect_eq(raft_first_index(f.r), 11);
    cr_expect_eq(raft_last_index(f.r), 10);
    cr_expect_eq(raft_commit_index(f.r), 10);
    cr_expect_eq(fx_count(&f, RAFT_MSG_APPEND_RESP), 0, "not durable yet");
    cr_expect_eq(f.n_committed, applied, "nothing to apply: the snapshot is the state");

    raft_snapshot_installed(f.r, 9, 2, NULL); /* not this snapshot */
    fx_drain(&f);
    cr_expect_eq(fx_count(&f, RAFT_MSG_APPEND_RESP), 0);
    raft_snapshot_installed(f.r, 10, 2, NULL);
    fx_drain(&f);
    const raft_msg *ack = fx_find(&f, RAFT_MSG_APPEND_RESP, 1, 0);
    cr_assert_not_null(ack);
    cr_expect_not(ack->reject);
    cr_expect_eq(ack->index, 10);
    fx_release(&f);
}

Test(raft_snapshot, after_install_the_follower_accepts_appends_from_the_snapshot_index_on)
{
    fx f;
    follower(&f);
    raft_msg m = chunk(10, 0, "abc", true);
    fx_step(&f, &m);
    raft_snapshot_installed(f.r, 10, 2, NULL);
    fx_drain(&f);
    fx_clear(&f);
    fx_msg storage;
    const uint64_t terms[] = { 2, 2 };
    raft_msg app = fx_append(&storage, 1, 2, 2, 10, 2, 12, terms, 2);
    fx_step(&f, &app);
    cr_expect_eq(raft_last_index(f.r), 12);
    const raft_msg *ack = NULL; /* the last: a durable prefix may be acknowledged first */
    for (unsigned k = 0; fx_find(&f, RAFT_MSG_APPEND_RESP, 1, k) != NULL; k++)
        ack = fx_find(&f, RAFT_MSG_APPEND_RESP, 1, k);
    cr_assert_not_null(ack);
    cr_expect_not(ack->reject);
    cr_expect_eq(ack->index, 12);
    cr_assert_geq(f.n_committed, 2);
    cr_expect_eq(f.committed[f.n_committed - 2], 11, "applying resumes after the snapshot");
    cr_expect_eq(f.committed[f.n_committed - 1], 12);
    fx_release(&f);
}

Test(raft_snapshot, a_snapshot_not_newer_than_the_commit_index_is_refused)
{
    fx f;
    follower(&f);
    for (uint64_t index = 1; index <= 2; index++) {
        fx_clear(&f);
        raft_msg m = chunk(index, 0, "abc", true);
        m.snap_term = 1;
        fx_step(&f, &m);
        cr_expect_eq(f.n_chunks, 0);
        const raft_msg *r = last_snap_resp(&f);
        cr_assert_not_null(r);
        cr_expect(r->reject);
        cr_expect_eq(r->index, 2, "its durable commit index");
        cr_expect_eq(raft_first_index(f.r), 1, "the log is untouched");
    }
    fx_release(&f);
}

Test(raft_snapshot, a_chunk_of_a_transfer_it_does_not_hold_asks_to_start_over)
{
    fx f;
    follower(&f);
    raft_msg m = chunk(10, 5, "abc", false);
    fx_step(&f, &m);
    cr_expect_eq(f.n_chunks, 0);
    const raft_msg *r = last_snap_resp(&f);
    cr_assert_not_null(r);
    cr_expect_not(r->reject);
    cr_expect_eq(r->offset, 0);
    fx_release(&f);
}

Test(raft_snapshot, a_new_snapshot_at_offset_zero_replaces_a_partial_one)
{
    fx f;
    follower(&f);
    raft_msg m = chunk(10, 0, "abc", false);
    fx_step(&f, &m);
    m = chunk(12, 0, "xy", false);
    fx_step(&f, &m);
    cr_assert_eq(f.n_chunks, 2);
    cr_expect_eq(f.chunks[1].index, 12);
    cr_expect_eq(f.chunks[1].offset, 0);
    fx_clear(&f);
    m = chunk(10, 3, "de", true); /* the old transfer is gone */
    fx_step(&f, &m);
    cr_expect_eq(f.n_chunks, 2);
    cr_assert_not_null(last_snap_resp(&f));
    cr_expect_eq(last_snap_resp(&f)->offset, 0);
    fx_release(&f);
}

Test(raft_snapshot, while_installing_a_follower_does_not_campaign)
{
    fx f;
    follower(&f);
    raft_msg m = chunk(10, 0, "abc", true);
    fx_step(&f, &m);
    fx_clear(&f);
    fx_tick(&f, 5 * FX_T);
    cr_expect_eq(raft_role_get(f.r), RAFT_FOLLOWER);
    cr_expect_eq(fx_count(&f, RAFT_MSG_VOTE), 0);
    raft_snapshot_installed(f.r, 10, 2, NULL);
    fx_tick(&f, 5 * FX_T);
    cr_expect_neq(raft_role_get(f.r), RAFT_FOLLOWER, "once installed, a silent leader is replaced");
    fx_release(&f);
}

Test(raft_snapshot, a_leader_that_started_over_resumes_where_the_follower_is)
{
    fx f;
    start_transfer(&f);
    cr_assert_eq(give(&f, 0, "abcd", false), SS_OK);
    raft_snapshot_failed(f.r, 3);
    fx_tick(&f, FX_HB);
    cr_assert_eq(f.n_sreqs, 2);
    cr_assert_eq(give(&f, 0, "abcd", false), SS_OK);
    raft_msg r = snap_resp(&f, 0, 8); /* it had more than that already */
    fx_step(&f, &r);
    cr_assert_eq(f.n_sreqs, 3);
    cr_expect_eq(f.sreqs[2].offset, 8);
    fx_release(&f);
}

Test(raft_snapshot, a_follower_that_lost_the_last_chunk_before_installing_gets_it_all_again)
{
    fx f;
    start_transfer(&f);
    cr_assert_eq(give(&f, 0, "abcd", true), SS_OK);
    raft_msg r = snap_resp(&f, 0, 4);
    fx_step(&f, &r);
    cr_assert_eq(f.n_sreqs, 1);
    r = snap_resp(&f, 4, 0); /* to the empty chunk: it crashed before the install was durable */
    fx_step(&f, &r);
    cr_assert_eq(f.n_sreqs, 2);
    cr_expect_eq(f.sreqs[1].offset, 0);
    fx_release(&f);
}

Test(raft_snapshot, a_follower_whose_match_was_compacted_away_is_probed_then_sent_a_snapshot)
{
    fx f;
    fx_init(&f, 1, 3, false, true);
    fx_make_leader(&f, 3);
    raft_msg ack = fx_append_resp(3, 1, raft_term(f.r), 1, 0); /* node 3 pipelines from 2 */
    fx_step(&f, &ack);
    cr_assert_str_eq(peer_state(&f, 3), "replicate");
    for (uint64_t p = 100; p < 105; p++)
        cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &p, sizeof p, NULL), SS_OK);
    fx_drain(&f);
    ack = fx_append_resp(2, 1, raft_term(f.r), 6, 0);
    fx_step(&f, &ack);
    cr_assert_eq(raft_compact(f.r, 6), SS_OK); /* node 3's appends were lost */
    fx_clear(&f);
    fx_tick(&f, FX_HB);
    const raft_msg *m = fx_find(&f, RAFT_MSG_APPEND, 3, 0);
    if (m != NULL)
        cr_expect_geq(m->prev_index, 6, "never anchored at a compacted index");
    raft_msg rej = { .type = RAFT_MSG_APPEND_RESP, .from = 3, .to = 1, .term = raft_term(f.r),
                     .reject = true, .index = m != NULL ? m->prev_index : 6, .hint_index = 2 };
    fx_step(&f, &rej);
    fx_tick(&f, FX_HB);
    cr_expect_str_eq(peer_state(&f, 3), "snapshot");
    cr_expect_geq(f.n_sreqs, 1);
    fx_release(&f);
}

Test(raft_snapshot, a_follower_holding_the_snapshots_last_entry_keeps_its_log_and_refuses)
{
    fx f;
    follower(&f); /* entries 1..3 of term 1, commit 2 */
    raft_msg m = chunk(3, 0, "abc", true);
    m.snap_term = 1;
    fx_step(&f, &m);
    cr_expect_eq(f.n_chunks, 0, "nothing to install");
    cr_expect_eq(raft_first_index(f.r), 1, "its entries stay");
    cr_expect_eq(raft_last_index(f.r), 3);
    cr_expect_eq(raft_commit_index(f.r), 3, "the snapshot's index is committed");
    const raft_msg *r = last_snap_resp(&f);
    cr_assert_not_null(r);
    cr_expect(r->reject);
    cr_expect_eq(r->index, 3);
    fx_release(&f);
}

Test(raft_snapshot, an_empty_chunk_after_the_last_finds_out_whether_the_follower_still_installs)
{
    fx f;
    follower(&f);
    raft_msg poke = chunk(10, 5, "", false); /* the leader's question after the last chunk */
    fx_step(&f, &poke);
    const raft_msg *r = last_snap_resp(&f);
    cr_assert_not_null(r);
    cr_expect_eq(r->offset, 0, "a follower without the transfer asks to start over");
    cr_expect_eq(f.n_chunks, 0);

    raft_msg m = chunk(10, 0, "abcde", true);
    fx_step(&f, &m);
    cr_assert_eq(f.n_chunks, 1);
    fx_clear(&f);
    fx_step(&f, &poke);
    r = last_snap_resp(&f);
    cr_assert_not_null(r);
    cr_expect_not(r->reject);
    cr_expect_eq(r->offset, 5, "an installing one says it has it all");
    cr_expect_eq(f.n_chunks, 1, "nothing more to write");
    fx_release(&f);
}

/* Node 3 restarted empty: it rejects whatever comes, saying its log ends at
 * 0, until the leader gives up appending and asks for its snapshot. */
static void expect_snapshot_for_wiped_node_3(fx *f)
{
    for (int round = 0; round < 4 && strcmp(peer_state(f, 3), "snapshot") != 0; round++) {
        fx_tick(f, FX_HB);
        const raft_msg *m = fx_find(f, RAFT_MSG_APPEND, 3, 0);
        cr_assert_not_null(m, "the leader keeps sending to node 3");
        raft_msg rej = { .type = RAFT_MSG_APPEND_RESP, .from = 3, .to = 1, .term = raft_term(f->r),
                         .reject = true, .index = m->prev_index, .hint_index = 1 };
        fx_clear(f);
        fx_step(f, &rej);
    }
    fx_tick(f, FX_HB);
    cr_expect_str_eq(peer_state(f, 3), "snapshot");
    cr_expect_geq(f->n_sreqs, 1, "the leader asks for its snapshot for node 3");
}

/* A follower that acknowledged entries and then came back with an empty log
 * (its data directory was wiped) answers every append with "my log ends at
 * 0". Treating those answers as stale because they are below its match index
 * left it stuck forever; the leader must probe it from where its log really
 * ends, which here means sending the snapshot. */
Test(raft_snapshot, a_follower_that_lost_its_log_is_probed_from_its_real_end_and_sent_a_snapshot)
{
    fx f;
    leader_compacted(&f);
    raft_msg ack = fx_append_resp(3, 1, raft_term(f.r), 6, 0); /* node 3 holds 1..6 */
    fx_step(&f, &ack);
    uint64_t p = 200;
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &p, sizeof p, NULL), SS_OK);
    fx_drain(&f);
    cr_assert_str_eq(peer_state(&f, 3), "replicate");
    fx_clear(&f);
    expect_snapshot_for_wiped_node_3(&f);
    fx_release(&f);
}

/* The same with nothing in flight: the heartbeats anchored at its match index
 * are what the wiped follower rejects, while the leader sits in replicate. */
Test(raft_snapshot, a_follower_that_lost_its_log_while_idle_is_sent_a_snapshot)
{
    fx f;
    leader_compacted(&f);
    raft_msg ack = fx_append_resp(3, 1, raft_term(f.r), 6, 0);
    fx_step(&f, &ack);
    cr_assert_str_eq(peer_state(&f, 3), "replicate");
    fx_clear(&f);
    expect_snapshot_for_wiped_node_3(&f);
    fx_release(&f);
}

/* A follower that has not acknowledged any of its transfer yet (it is down)
 * gets the newest snapshot once the leader compacts again, rather than an old
 * one it would have to follow with a second transfer. */
Test(raft_snapshot, a_transfer_nobody_has_acknowledged_moves_to_a_newer_compaction)
{
    fx f;
    start_transfer(&f);
    cr_assert_eq(f.sreqs[0].index, 6);
    cr_assert_eq(give(&f, 0, "old-chunk", false), SS_OK);
    for (uint64_t p = 300; p < 302; p++)
        cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &p, sizeof p, NULL), SS_OK);
    fx_drain(&f);
    raft_msg ack = fx_append_resp(2, 1, raft_term(f.r), 8, 0);
    fx_step(&f, &ack);
    cr_assert_eq(raft_commit_index(f.r), 8);
    fx_clear(&f);
    f.n_sreqs = 0;
    cr_assert_eq(raft_compact(f.r, 8), SS_OK);
    fx_tick(&f, FX_HB);
    cr_assert_eq(f.n_sreqs, 1, "the leader asks for the new snapshot");
    cr_expect_eq(f.sreqs[0].index, 8);
    cr_expect_eq(f.sreqs[0].offset, 0);
    cr_expect_str_eq(peer_state(&f, 3), "snapshot");
    /* The old chunk is not sent any more. */
    const raft_msg *m = fx_find(&f, RAFT_MSG_SNAPSHOT, 3, 0);
    cr_expect(m == NULL || m->snap_index == 8);
    fx_release(&f);
}

/* One that is part-way through keeps its transfer: starting over would throw
 * away what it already received. */
Test(raft_snapshot, a_transfer_under_way_is_kept_when_the_leader_compacts_again)
{
    fx f;
    start_transfer(&f);
    cr_assert_eq(give(&f, 0, "first", false), SS_OK);
    raft_msg r1 = snap_resp(&f, 0, 5);
    fx_step(&f, &r1);
    uint64_t p = 400;
    cr_assert_eq(raft_propose(f.r, RAFT_ENTRY_NORMAL, &p, sizeof p, NULL), SS_OK);
    fx_drain(&f);
    raft_msg ack = fx_append_resp(2, 1, raft_term(f.r), 7, 0);
    fx_step(&f, &ack);
    cr_assert_eq(raft_compact(f.r, 7), SS_OK);
    fx_clear(&f);
    f.n_sreqs = 0;
    fx_tick(&f, FX_HB);
    for (size_t i = 0; i < f.n_sreqs; i++)
        cr_expect_eq(f.sreqs[i].index, 6, "the transfer of snapshot 6 goes on");
    fx_release(&f);
}

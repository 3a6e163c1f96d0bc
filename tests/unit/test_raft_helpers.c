/* A single Raft node driven by hand in unit tests (see test_raft_helpers.h). */
#include "test_raft_helpers.h"

#include <criterion/criterion.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"

static void init_log(fx *f, uint64_t id, unsigned n, bool pre_vote, bool check_quorum,
                     size_t max_entries, unsigned max_inflight, raft_log_fn log, int level)
{
    memset(f, 0, sizeof *f);
    uint64_t voters[8];
    for (unsigned i = 0; i < n; i++)
        voters[i] = i + 1;
    raft_config cfg;
    raft_config_init(&cfg);
    cfg.id = id;
    cfg.voters = voters;
    cfg.n_voters = n;
    cfg.election_timeout_ms = FX_T;
    cfg.heartbeat_ms = FX_HB;
    cfg.pre_vote = pre_vote;
    cfg.check_quorum = check_quorum;
    cfg.seed = 42;
    cfg.max_append_entries = max_entries;
    cfg.max_inflight = max_inflight;
    cfg.log = log;
    cfg.log_level = level;
    ss_errmsg err;
    cr_assert_eq(raft_new(&cfg, &f->r, err), SS_OK, "%s", err);
}

static void init(fx *f, uint64_t id, unsigned n, bool pre_vote, bool check_quorum,
                 size_t max_entries, unsigned max_inflight)
{
    init_log(f, id, n, pre_vote, check_quorum, max_entries, max_inflight, NULL, SS_LOG_NOTICE);
}

void fx_init_log(fx *f, uint64_t id, unsigned n, raft_log_fn log, int level)
{
    init_log(f, id, n, false, true, FX_MAX_ENTS, 32, log, level);
}

void fx_init(fx *f, uint64_t id, unsigned n, bool pre_vote, bool check_quorum)
{
    init(f, id, n, pre_vote, check_quorum, 64, 32);
}

void fx_init_limits(fx *f, uint64_t id, unsigned n, size_t max_entries, unsigned max_inflight)
{
    init(f, id, n, false, true, max_entries, max_inflight);
}

void fx_release(fx *f)
{
    raft_free(f->r);
    f->r = NULL;
}

static void keep_msg(fx *f, const raft_msg *m)
{
    cr_assert_lt(f->n_msgs, FX_MAX_MSGS);
    fx_msg *c = &f->msgs[f->n_msgs++];
    c->m = *m;
    cr_assert_leq(m->n_entries, FX_MAX_ENTS);
    for (size_t i = 0; i < m->n_entries; i++) {
        c->ents[i] = m->entries[i];
        c->payload[i] = 0;
        if (m->entries[i].len == 8)
            memcpy(&c->payload[i], m->entries[i].data, 8);
        c->ents[i].data = m->entries[i].len ? &c->payload[i] : NULL;
    }
    c->m.entries = m->n_entries ? c->ents : NULL;
    cr_assert_leq(m->len, FX_MAX_CHUNK);
    if (m->len > 0)
        memcpy(c->data, m->data, m->len);
    c->m.data = m->len ? c->data : NULL;
}

void fx_drain(fx *f)
{
    raft_ready rd;
    while (raft_ready_get(f->r, &rd)) {
        if (rd.hs_changed)
            f->hs = rd.hs;
        if (rd.truncate_from)
            f->truncated_from = rd.truncate_from;
        if (rd.n_entries > 0) {
            f->last_written = rd.entries[rd.n_entries - 1].index;
            f->last_written_term = rd.entries[rd.n_entries - 1].term;
        }
        for (size_t i = 0; i < rd.n_messages; i++)
            keep_msg(f, &rd.messages[i]);
        for (size_t i = 0; i < rd.n_committed; i++)
            f->committed[f->n_committed++] = rd.committed[i].index;
        for (size_t i = 0; i < rd.n_reads; i++)
            f->reads[f->n_reads++] = rd.reads[i];
        for (size_t i = 0; i < rd.n_lost; i++)
            f->lost[f->n_lost++] = rd.lost[i];
        f->role_changes += rd.role_changed;
        for (size_t i = 0; i < rd.n_snapshot_reads; i++) {
            cr_assert_lt(f->n_sreqs, 16);
            f->sreqs[f->n_sreqs++] = rd.snapshot_reads[i];
        }
        if (rd.snapshot_chunk != NULL) {
            cr_assert_lt(f->n_chunks, 16);
            cr_assert_leq(rd.snapshot_chunk->len, FX_MAX_CHUNK);
            raft_chunk *c = &f->chunks[f->n_chunks];
            *c = *rd.snapshot_chunk;
            if (c->len > 0)
                memcpy(f->chunk_data[f->n_chunks], c->data, c->len);
            c->data = f->chunk_data[f->n_chunks++];
        }
        raft_ready_advance(f->r, &rd);
        if (f->auto_persist) {
            raft_persisted_hard_state(f->r, f->hs.term, f->hs.vote);
            if (f->last_written)
                raft_persisted(f->r, f->last_written, f->last_written_term);
        }
    }
}

void fx_persist(fx *f)
{
    raft_persisted_hard_state(f->r, f->hs.term, f->hs.vote);
    if (f->last_written)
        raft_persisted(f->r, f->last_written, f->last_written_term);
    fx_drain(f);
}

void fx_clear(fx *f)
{
    f->n_msgs = 0;
}

void fx_step(fx *f, const raft_msg *m)
{
    raft_step(f->r, m);
    fx_drain(f);
}

void fx_tick(fx *f, unsigned ms)
{
    raft_tick(f->r, ms);
    fx_drain(f);
}

const raft_msg *fx_find(fx *f, int type, uint64_t to, unsigned nth)
{
    for (size_t i = 0; i < f->n_msgs; i++)
        if (f->msgs[i].m.type == type && (to == 0 || f->msgs[i].m.to == to) && nth-- == 0)
            return &f->msgs[i].m;
    return NULL;
}

unsigned fx_count(fx *f, int type)
{
    unsigned n = 0;
    for (size_t i = 0; i < f->n_msgs; i++)
        n += f->msgs[i].m.type == type;
    return n;
}

raft_msg fx_append(fx_msg *s, uint64_t from, uint64_t to, uint64_t term, uint64_t prev_index,
                   uint64_t prev_term, uint64_t commit, const uint64_t *terms, size_t n)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        s->payload[i] = 1000 * terms[i] + prev_index + 1 + i;
        s->ents[i] = (raft_entry){ prev_index + 1 + i, terms[i], RAFT_ENTRY_NORMAL,
                                   &s->payload[i], 8 };
    }
    return (raft_msg){ .type = RAFT_MSG_APPEND, .from = from, .to = to, .term = term,
                       .prev_index = prev_index, .prev_term = prev_term, .commit = commit,
                       .entries = n ? s->ents : NULL, .n_entries = n };
}

raft_msg fx_append_resp(uint64_t from, uint64_t to, uint64_t term, uint64_t index, uint64_t read_seq)
{
    return (raft_msg){ .type = RAFT_MSG_APPEND_RESP, .from = from, .to = to, .term = term,
                       .index = index, .read_seq = read_seq };
}

raft_msg fx_vote(uint64_t from, uint64_t to, uint64_t term, uint64_t last_index,
                 uint64_t last_term, bool pre_vote)
{
    return (raft_msg){ .type = RAFT_MSG_VOTE, .from = from, .to = to, .term = term,
                       .last_index = last_index, .last_term = last_term, .pre_vote = pre_vote };
}

raft_msg fx_vote_resp(uint64_t from, uint64_t to, uint64_t term, bool granted, bool pre_vote)
{
    return (raft_msg){ .type = RAFT_MSG_VOTE_RESP, .from = from, .to = to, .term = term,
                       .reject = !granted, .pre_vote = pre_vote };
}

void fx_make_leader(fx *f, unsigned n)
{
    f->auto_persist = true;
    fx_tick(f, 2 * FX_T);
    cr_assert_eq(raft_role_get(f->r), RAFT_CANDIDATE);
    uint64_t term = raft_term(f->r);
    for (unsigned id = 2; id <= n / 2 + 1; id++) {
        raft_msg m = fx_vote_resp(id, 1, term, true, false);
        fx_step(f, &m);
    }
    cr_assert_eq(raft_role_get(f->r), RAFT_LEADER);
    fx_clear(f);
}

void fx_restore_log(fx *f, uint64_t term, const uint64_t *terms, size_t n, uint64_t commit)
{
    raft_entry ents[64];
    uint64_t payload[64];
    cr_assert_leq(n, 64);
    for (size_t i = 0; i < n; i++) {
        payload[i] = 1000 * terms[i] + i + 1;
        ents[i] = (raft_entry){ i + 1, terms[i], RAFT_ENTRY_NORMAL, &payload[i], 8 };
    }
    raft_hard_state hs = { term, 0, commit };
    cr_assert_eq(raft_restore(f->r, &hs, 1, 0, ents, n, commit, NULL), SS_OK);
    f->last_written = n;
    f->last_written_term = n ? terms[n - 1] : 0;
    f->hs = hs;
}

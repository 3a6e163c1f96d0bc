/* Fuzz target: node 1 of a 3-node Raft cluster stepped with arbitrary decoded messages from an authenticated peer, with ticks, durable writes and client requests in between; the core must never abort and must keep the rules checked below. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "fuzz/raft_step_input.h"
#include "raft/raft.h"

/* What the caller of the core knows, as cluster/cluster_raft.c would. */
typedef struct harness {
    raft *r;
    bool auto_persist;            /* report every write durable after its ready */
    raft_hard_state hs;           /* last hard state handed out for writing */
    uint64_t written, written_term; /* last entry handed out for writing */
    uint64_t applied;             /* last entry handed out for applying */
    uint64_t install_index, install_term; /* a received snapshot to install (0: none) */
    raft_snapshot_request reqs[RSI_NODES]; /* leader: snapshot reads to answer */
    size_t n_reqs;
    uint64_t term, commit;        /* to check they never go back */
    uint64_t ctx;
} harness;

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void log_sink(void *ctx, int level, const char *line)
{
    (void)ctx, (void)level, (void)line; /* formatting every line is the point */
}

/* FUZZ_RAFT_TRACE=1 fuzz_raft_step_replay <file>: what the core did with an input. */
static void log_print(void *ctx, int level, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%-7s %s\n", ss_log_level_name((ss_log_level)level), line);
}

static void check(harness *h)
{
    raft *r = h->r;
    CHECK(raft_term(r) >= h->term);
    CHECK(raft_commit_index(r) >= h->commit);
    h->term = raft_term(r);
    h->commit = raft_commit_index(r);
    CHECK(raft_commit_index(r) <= raft_last_index(r));
    CHECK(raft_first_index(r) <= raft_last_index(r) + 1);
    CHECK(raft_role_get(r) != RAFT_LEADER || raft_leader(r) == RSI_SELF);
}

static void persist(harness *h)
{
    if (h->install_index != 0) {
        /* The snapshot is durable and is the state: the log starts after it. */
        raft_snapshot_installed(h->r, h->install_index, h->install_term, NULL);
        h->applied = h->install_index;
        h->install_index = h->install_term = 0;
    }
    raft_persisted_hard_state(h->r, h->hs.term, h->hs.vote);
    if (h->written != 0)
        raft_persisted(h->r, h->written, h->written_term);
}

static void drain(harness *h)
{
    raft_ready rd;
    for (int rounds = 0; rounds < 64 && raft_ready_get(h->r, &rd); rounds++) {
        if (rd.hs_changed) {
            CHECK(rd.hs.term >= h->hs.term);
            CHECK(rd.hs.commit >= h->hs.commit);
            CHECK(rd.hs.term > h->hs.term || h->hs.vote == 0 || rd.hs.vote == h->hs.vote);
            h->hs = rd.hs;
        }
        if (rd.n_entries > 0) {
            const raft_entry *last = &rd.entries[rd.n_entries - 1];
            for (size_t i = 1; i < rd.n_entries; i++)
                CHECK(rd.entries[i].index == rd.entries[i - 1].index + 1);
            CHECK(rd.truncate_from == 0 || rd.truncate_from <= rd.entries[0].index);
            h->written = last->index;
            h->written_term = last->term;
        }
        for (size_t i = 0; i < rd.n_messages; i++)
            CHECK(rd.messages[i].from == RSI_SELF && rd.messages[i].to != RSI_SELF);
        for (size_t i = 0; i < rd.n_committed; i++)
            CHECK(rd.committed[i].index == h->applied + 1 + i);
        h->applied += rd.n_committed;
        for (size_t i = 0; i < rd.n_snapshot_reads && h->n_reqs < RSI_NODES; i++)
            h->reqs[h->n_reqs++] = rd.snapshot_reads[i];
        if (rd.snapshot_chunk != NULL && rd.snapshot_chunk->done) {
            h->install_index = rd.snapshot_chunk->index;
            h->install_term = rd.snapshot_chunk->term;
        }
        raft_ready_advance(h->r, &rd);
        if (h->auto_persist)
            persist(h);
    }
    check(h);
}

/* The caller's snapshot: RSI_SNAPSHOT_BYTES of filler, whatever its index. */
static void answer_snapshot_reads(harness *h, uint8_t how)
{
    static const uint8_t filler[RSI_SNAPSHOT_BYTES];
    for (size_t i = 0; i < h->n_reqs; i++) {
        const raft_snapshot_request *q = &h->reqs[i];
        if (how & 1) {
            raft_snapshot_failed(h->r, q->peer);
            continue;
        }
        uint64_t left = q->offset < sizeof filler ? sizeof filler - q->offset : 0;
        size_t len = left < q->max ? (size_t)left : q->max;
        (void)raft_snapshot_chunk(h->r, q->peer, q->index, q->term, q->offset, filler, len,
                                  len == left);
    }
    h->n_reqs = 0;
}

static void client(harness *h, uint8_t what, uint8_t arg)
{
    switch (what % 6) {
    case RSI_PROPOSE: (void)raft_propose(h->r, RAFT_ENTRY_NORMAL, "set", 3, NULL); break;
    case RSI_READ: (void)raft_read_index(h->r, ++h->ctx); break;
    case RSI_TRANSFER: (void)raft_transfer_leadership(h->r, 2 + arg % 2); break;
    case RSI_COMPACT:
        (void)raft_compact(h->r, h->applied > arg % 4 ? h->applied - arg % 4 : 0);
        break;
    case RSI_SNAPSHOT_ANSWER: answer_snapshot_reads(h, arg); break;
    case RSI_PERSIST: persist(h); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rsi_reader in = { data, data + size };
    uint8_t setup = rsi_byte(&in);
    uint64_t voters[RSI_NODES] = { 1, 2, 3 };
    raft_config cfg;
    raft_config_init(&cfg);
    cfg.id = RSI_SELF;
    cfg.voters = voters;
    cfg.n_voters = RSI_NODES;
    cfg.election_timeout_ms = RSI_ELECTION_MS;
    cfg.heartbeat_ms = RSI_HEARTBEAT_MS;
    cfg.max_append_entries = 4;
    cfg.max_inflight = 4;
    cfg.max_pending_reads = 8;
    cfg.max_snapshot_chunk = 16;
    cfg.pre_vote = !(setup & RSI_SETUP_NO_PRE_VOTE);
    cfg.check_quorum = !(setup & RSI_SETUP_NO_CHECK_QUORUM);
    cfg.seed = 7;
    if (setup & RSI_SETUP_LOG) {
        cfg.log = log_sink;
        cfg.log_level = SS_LOG_TRACE;
    }
    if (getenv("FUZZ_RAFT_TRACE") != NULL) {
        cfg.log = log_print;
        cfg.log_level = SS_LOG_TRACE;
    }
    harness h = { .auto_persist = !(setup & RSI_SETUP_MANUAL_PERSIST) };
    ss_errmsg err;
    if (raft_new(&cfg, &h.r, err) != SS_OK)
        abort();
    if (setup & RSI_SETUP_RESTORED) {
        /* A node that restarts with a short log of two terms, three entries committed. */
        static const uint64_t terms[] = { 1, 1, 2, 2, 2 };
        raft_entry ents[5];
        for (size_t i = 0; i < 5; i++)
            ents[i] = (raft_entry){ i + 1, terms[i], RAFT_ENTRY_NORMAL, "abc", 3 };
        raft_hard_state hs = { 2, 0, 3 };
        if (raft_restore(h.r, &hs, 1, 0, ents, 5, 3, NULL) != SS_OK)
            abort();
        h.hs = hs;
        h.written = 5;
        h.written_term = 2;
        h.applied = 3;
    }
    drain(&h);
    check(&h);

    rsi_op op;
    while (rsi_next(&in, &op)) {
        switch (op.kind) {
        case RSI_TICK:
            raft_tick(h.r, op.ms);
            break;
        case RSI_MESSAGE: {
            raft_msg m;
            if (raft_msg_decode(op.bytes, op.len, &m) != SS_OK)
                break;
            /* The transport authenticated the peer; the cluster drops a message
             * that claims another sender, so every one that reaches the core
             * is from the peer it came from. */
            m.from = op.peer;
            (void)raft_step(h.r, &m);
            raft_msg_release(&m);
            break;
        }
        case RSI_CLIENT:
            client(&h, op.what, op.arg);
            break;
        }
        drain(&h);
    }
    raft_free(h.r);
    return 0;
}

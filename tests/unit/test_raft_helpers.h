/* A single Raft node driven by hand in unit tests: collects its outputs, persists on demand. */
#ifndef SS_TEST_RAFT_HELPERS_H
#define SS_TEST_RAFT_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "raft/raft.h"

#define FX_T 100   /* election timeout, ms */
#define FX_HB 10   /* heartbeat, ms */
#define FX_MAX_MSGS 512
#define FX_MAX_ENTS 16
#define FX_MAX_CHUNK 64

typedef struct fx_msg {
    raft_msg m;                       /* m.entries points at ents */
    raft_entry ents[FX_MAX_ENTS];
    uint64_t payload[FX_MAX_ENTS];
    uint8_t data[FX_MAX_CHUNK];       /* m.data points here (snapshot chunks) */
} fx_msg;

typedef struct fx {
    raft *r;
    bool auto_persist;                /* report every write durable right after its ready */
    fx_msg msgs[FX_MAX_MSGS];
    size_t n_msgs;
    uint64_t committed[1024];         /* indexes handed out for applying, in order */
    size_t n_committed;
    raft_read_result reads[64];
    size_t n_reads;
    raft_lost lost[16];
    size_t n_lost;
    raft_hard_state hs;               /* last hard state handed out */
    uint64_t last_written, last_written_term; /* last entry handed out for writing */
    uint64_t truncated_from;          /* last truncation asked for */
    unsigned role_changes;
    raft_snapshot_request sreqs[16];  /* snapshot reads asked for (leader) */
    size_t n_sreqs;
    raft_chunk chunks[16];            /* snapshot chunks handed out (follower); data copied */
    uint8_t chunk_data[16][FX_MAX_CHUNK];
    size_t n_chunks;
} fx;

/* Node id among voters 1..n (config defaults, then the switches given). */
void fx_init(fx *f, uint64_t id, unsigned n, bool pre_vote, bool check_quorum);
/* Pre-vote off, check-quorum on, logging lines from `level` up to log. */
void fx_init_log(fx *f, uint64_t id, unsigned n, raft_log_fn log, int level);
/* The same (pre-vote off, check-quorum on) with small replication limits. */
void fx_init_limits(fx *f, uint64_t id, unsigned n, size_t max_entries, unsigned max_inflight);
void fx_release(fx *f);
void fx_drain(fx *f);
void fx_persist(fx *f);               /* report what was written durable, then drain */
void fx_clear(fx *f);                 /* forget collected messages */
void fx_step(fx *f, const raft_msg *m);
void fx_tick(fx *f, unsigned ms);
/* The n-th (0-based) collected message of type to node `to` (0 = anyone), or NULL. */
const raft_msg *fx_find(fx *f, int type, uint64_t to, unsigned nth);
unsigned fx_count(fx *f, int type);

/* Hand-built messages. terms[i] is the term of entry prev_index + 1 + i. */
raft_msg fx_append(fx_msg *storage, uint64_t from, uint64_t to, uint64_t term, uint64_t prev_index,
                   uint64_t prev_term, uint64_t commit, const uint64_t *terms, size_t n);
raft_msg fx_append_resp(uint64_t from, uint64_t to, uint64_t term, uint64_t index, uint64_t read_seq);
raft_msg fx_vote(uint64_t from, uint64_t to, uint64_t term, uint64_t last_index,
                 uint64_t last_term, bool pre_vote);
raft_msg fx_vote_resp(uint64_t from, uint64_t to, uint64_t term, bool granted, bool pre_vote);

/* Makes node 1 of an n-node cluster (pre-vote off) leader of term 1 and drains. */
void fx_make_leader(fx *f, unsigned n);
/* Gives node `id` a log with the given entry terms (indexes from 1) by restoring it. */
void fx_restore_log(fx *f, uint64_t term, const uint64_t *terms, size_t n, uint64_t commit);

#endif

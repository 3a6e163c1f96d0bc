/* Internal state of the Raft core shared by its files; not for users of raft.h. */
#ifndef SS_RAFT_INTERNAL_H
#define SS_RAFT_INTERNAL_H

#include "common/error.h"
#include "common/log.h"
#include "raft/raft.h"

/* Invariant checks stay on in every build: the core is cheap next to its I/O,
 * and a broken invariant must stop the node before it corrupts a log. They
 * check the core's own state and its caller's calls, never a peer's message:
 * what a message may break is checked in step.c (malformed) and by the role's
 * routines, and dropped with raft_drop_invalid. The raft_step fuzz target
 * (tests/fuzz) keeps it that way. */
#define RAFT_ASSERT(r, cond) \
    ((cond) ? (void)0 : raft_assert_fail((r), #cond, __FILE__, __LINE__))
_Noreturn void raft_assert_fail(const raft *r, const char *what, const char *file, int line);

/* Formats only if the level is enabled; lines are bounded (SS_ERRMSG_SIZE). */
#define RLOG(r, level, ...)                                               \
    do {                                                                  \
        if ((r)->cfg.log != NULL && (level) >= (r)->cfg.log_level) {      \
            ss_errmsg line_;                                              \
            ss_errf(line_, 0, __VA_ARGS__);                               \
            (r)->cfg.log((r)->cfg.log_ctx, (level), line_);               \
        }                                                                 \
    } while (0)

/* ---- log.c: the in-memory log ---- */
typedef struct rlog {
    raft_entry *ents;   /* live entries are ents[head .. head + count) */
    size_t head, count, cap;
    uint64_t snap_index; /* index and term of the entry just before the first held */
    uint64_t snap_term;
} rlog;

void rlog_init(rlog *l);
void rlog_release(rlog *l);
uint64_t rlog_first_index(const rlog *l);
uint64_t rlog_last_index(const rlog *l);
uint64_t rlog_last_term(const rlog *l);
/* Term of the entry at index; snap_term at snap_index; 0 if not known. */
uint64_t rlog_term_at(const rlog *l, uint64_t index);
raft_entry *rlog_get(const rlog *l, uint64_t index);
int rlog_append(rlog *l, uint64_t term, uint8_t type, const void *data, size_t len);
void rlog_truncate_from(rlog *l, uint64_t index);
void rlog_compact(rlog *l, uint64_t upto);
/* Last index holding term (0 if none), searching back from at most `from`. */
uint64_t rlog_last_of_term(const rlog *l, uint64_t term, uint64_t from);
/* First index of the run of `term`'s entries that contains index. */
uint64_t rlog_first_of_term(const rlog *l, uint64_t index);

/* ---- progress.c: what the leader knows about each follower ---- */
enum { PR_PROBE, PR_REPLICATE, PR_SNAPSHOT };

typedef struct raft_progress {
    uint64_t id;
    bool voter;          /* counted for commit, elections, check-quorum, ReadIndex */
    int8_t vote;         /* candidate: 0 unknown, 1 granted, -1 refused */
    uint64_t match;      /* highest index known durable and matching on the peer */
    uint64_t next;       /* next index to send */
    int state;
    bool probe_sent;     /* probe: one message at a time, until answer or heartbeat */
    bool recent_active;  /* heard from it since the last check-quorum */
    uint64_t read_ack;   /* highest ReadIndex round it answered */
    uint64_t sent_commit; /* commit index our last message lets it adopt: min(commit, prev + n) */
    uint64_t hb_match;   /* match at the last heartbeat, and heartbeats since it moved */
    unsigned stalled_hbs;
    uint64_t *infl;      /* replicate: last index of each append in flight (ring) */
    unsigned infl_start, infl_count, infl_cap;

    /* snapshot: the one being sent, one chunk at a time (snapshot.c) */
    uint64_t snap_index, snap_term;
    uint64_t snap_offset; /* offset of the chunk held, or of the next one to ask for */
    bool snap_want;       /* ask the caller for the chunk at snap_offset */
    bool snap_asked;      /* asked; waiting for raft_snapshot_chunk */
    uint8_t *chunk;       /* the chunk in flight (copy), resent until acknowledged */
    size_t chunk_len;
    bool chunk_done;      /* it is the last one */
    bool chunk_acked;     /* the last chunk arrived: waiting for the install */
    uint64_t snap_bytes;  /* for the log */
} raft_progress;

const char *progress_state_name(int state);
/* The members' progress, in the order of r->conf (membership.c keeps it so). */
#define for_each_progress(r, pr) for (raft_progress *pr = (r)->prs; pr < (r)->prs + (r)->n_prs; pr++)
void progress_reset(raft *r, raft_progress *pr);
void progress_become_probe(raft *r, raft_progress *pr);
void progress_become_replicate(raft *r, raft_progress *pr);
bool progress_paused(const raft_progress *pr);
void progress_infl_add(raft_progress *pr, uint64_t last);
void progress_infl_free_upto(raft_progress *pr, uint64_t index);
void progress_infl_free_first(raft_progress *pr);
void progress_snapshot_clear(raft_progress *pr);
raft_progress *progress_get(raft *r, uint64_t id);

/* ---- outgoing messages waiting for durability (ready.c) ---- */
typedef struct out_msg {
    raft_msg m;          /* entries are materialised from the log at ready time */
    uint64_t ent_first;  /* first entry index carried, and the term of the last */
    uint64_t ent_last_term;
    uint64_t need_term;  /* durable term must reach this */
    uint64_t need_vote;  /* and, when nonzero, be a durable vote for this node */
    bool is_ack;         /* an acknowledgement of entries: sent as they become durable */
    bool is_chunk;       /* a snapshot chunk: its data is the progress' chunk, if still held */
    bool sent;           /* part of it went already: */
    uint64_t acked;      /* ...up to this index */
    uint64_t acked_seq;  /* ...and this ReadIndex round */
} out_msg;

typedef struct pending_read {
    uint64_t ctx;
    uint64_t from;   /* requester: this node or a follower */
    uint64_t index;  /* commit index when its heartbeat round started */
    uint64_t seq;    /* its round; 0 = round not started yet */
} pending_read;

#define RAFT_MAX_LOST 16

struct raft {
    raft_config cfg;
    uint64_t id;

    /* Membership (membership.c, thesis §4) */
    raft_conf conf;             /* the latest configuration in the log: in effect */
    uint64_t conf_index;        /* its entry; base_conf_index when none is above that */
    raft_conf base_conf;        /* in effect at base_conf_index, below every config entry held */
    uint64_t base_conf_index;
    raft_conf boot_conf;        /* from raft_config.voters */
    uint64_t conf_gen;
    bool voter;                 /* this node is a voter in conf */
    bool was_voter;             /* ... in the configuration before conf */

    /* Persistent state (§5, Figure 2) and the in-memory log */
    uint64_t term;
    uint64_t vote;
    rlog log;
    uint64_t commit;

    /* Durability: what the I/O layer has confirmed */
    uint64_t durable_term;
    uint64_t durable_vote;
    uint64_t persisted;      /* durable log agrees with ours up to here */
    uint64_t unstable_from;  /* first entry not yet handed out for writing */
    uint64_t truncate_from;  /* pending truncation for the next ready, 0 = none */
    raft_hard_state last_hs; /* last hard state handed out */
    uint64_t applied_out;    /* last entry handed out for applying */

    /* Role */
    int role;
    uint64_t leader;
    unsigned election_elapsed;  /* ms since heard from a leader / since campaigning */
    unsigned timeout;           /* randomized election timeout in [T, 2T) */
    unsigned heartbeat_elapsed;
    bool role_changed;
    /* What the role does with a message and with time, installed by convert.c */
    void (*step)(raft *r, const raft_msg *m);
    void (*tick)(raft *r, unsigned ms);

    /* One per member of conf, self included (votes, and the leader's view) */
    raft_progress *prs;         /* room for RAFT_MAX_MEMBERS */
    size_t n_prs;

    /* Leader */
    uint64_t transfer_target;   /* 0 = none */
    unsigned transfer_elapsed;
    size_t uncommitted_bytes;
    bool bcast_pending;         /* new entries to send at the next flush */
    uint64_t held_back;         /* last index not committed for its old term (logged once) */

    /* ReadIndex (thesis §6.4) */
    pending_read *reads;
    size_t n_reads;
    uint64_t read_seq;          /* last heartbeat round started */

    /* Outputs */
    out_msg *out;
    size_t n_out, cap_out;
    /* The last acknowledgement sent: to whom, in which term, up to which
     * index and ReadIndex round. A new ack starts from it, so that a partial
     * one goes only if it tells that leader something new. */
    uint64_t ack_to, ack_term, ack_index, ack_seq;
    raft_msg *rd_msgs;
    size_t cap_rd_msgs;
    size_t n_rd_out;            /* out[] released into the current ready */
    raft_read_result *done_reads;
    size_t n_done_reads, cap_done_reads, n_rd_reads;
    raft_lost lost[RAFT_MAX_LOST];
    size_t n_lost;
    bool in_ready;
    raft_snapshot_request *snap_reqs; /* one per member at most */
    size_t n_snap_reqs;

    /* InstallSnapshot, follower side (snapshot.c) */
    uint64_t in_snap_index, in_snap_term; /* the transfer under way; 0 = none */
    uint64_t in_snap_from;
    uint64_t in_snap_offset;   /* next byte wanted */
    unsigned in_snap_chunks;
    raft_chunk in_chunk; /* to hand out; data is malloc'ed, NULL = none */
    bool in_chunk_ready;
    bool snap_pending;         /* log reset to the snapshot, waiting for it to be durable */

    /* Input no honest peer sends: counted, logged at most once per
     * RAFT_INVALID_LOG_MS of ticks (step.c) */
    uint64_t clock_ms;          /* sum of the ticks: the core's only notion of time */
    uint64_t invalid_msgs;
    uint64_t invalid_unlogged;  /* dropped since the last line about them */
    bool invalid_logged;        /* there was such a line, */
    uint64_t invalid_logged_at; /* at this clock_ms */

    uint64_t rng;
};

/* raft.c */
void raft_invariants(const raft *r);
uint64_t raft_random(raft *r);
size_t raft_quorum(const raft *r); /* a majority of conf's voters */
void raft_set_term(raft *r, uint64_t term);
void raft_set_commit(raft *r, uint64_t commit);
const char *raft_span(char *buf, size_t cap, const char *one, const char *many, uint64_t first,
                      uint64_t last);
#define RAFT_SPAN_SIZE 48

/* convert.c: every role change goes through here */
void convert_init(raft *r);
void convert_to_follower(raft *r, uint64_t term, uint64_t leader, const char *why);
void convert_to_precandidate(raft *r);
void convert_to_candidate(raft *r, bool transfer);
void convert_to_leader(raft *r);

/* election.c */
void election_reset_timer(raft *r);
void election_start(raft *r, bool pre_vote, bool transfer);
void election_tick(raft *r, unsigned ms);
bool election_in_lease(const raft *r);
void election_record_vote(raft *r, uint64_t from, bool granted, bool pre);
void election_recount(raft *r); /* candidate: our own vote became durable */
bool log_up_to_date(const raft *r, uint64_t last_index, uint64_t last_term);

/* replication.c */
bool replication_send_append(raft *r, raft_progress *pr, bool allow_empty);
void replication_send_commit(raft *r, raft_progress *pr);
void replication_send_heartbeat(raft *r, raft_progress *pr);
void replication_heartbeat(raft *r);
void replication_broadcast(raft *r);
bool replication_maybe_commit(raft *r);
void replication_tick(raft *r, unsigned ms);

/* step.c: each role's step routine (its tick routine is election_tick or replication_tick) */
#define RAFT_INVALID_LOG_MS 60000
void raft_drop_invalid(raft *r, const raft_msg *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void step_follower(raft *r, const raft_msg *m);
void step_precandidate(raft *r, const raft_msg *m);
void step_candidate(raft *r, const raft_msg *m);
void step_leader(raft *r, const raft_msg *m);

/* recv_*.c */
void recv_append(raft *r, const raft_msg *m);
void recv_append_resp(raft *r, const raft_msg *m);
void recv_vote(raft *r, const raft_msg *m);
void recv_prevote_resp(raft *r, const raft_msg *m);
void recv_vote_resp(raft *r, const raft_msg *m);
void recv_timeout_now(raft *r, const raft_msg *m);

/* snapshot.c */
void snapshot_start(raft *r, raft_progress *pr);
void snapshot_heartbeat(raft *r, raft_progress *pr);
void snapshot_acked(raft *r, raft_progress *pr);
void recv_snapshot(raft *r, const raft_msg *m);
void recv_snapshot_resp(raft *r, const raft_msg *m);
void snapshot_ready(raft *r, raft_ready *rd);
void snapshot_advance(raft *r, raft_ready *rd);
void snapshot_release(raft *r);
const void *snapshot_chunk_of(raft *r, const raft_msg *m);
void snapshot_rebase(raft *r);

/* recv_append.c */
bool recv_follow(raft *r, const raft_msg *m);

/* readindex.c */
void readindex_recv_request(raft *r, const raft_msg *m);
void readindex_refuse(raft *r, const raft_msg *m);
void readindex_recv_response(raft *r, const raft_msg *m);
void readindex_flush(raft *r);
void readindex_ack(raft *r, uint64_t from, uint64_t seq);
void readindex_fail_all(raft *r, int status);
int readindex_push_done(raft *r, uint64_t ctx, uint64_t index, int status);

/* membership.c */
int membership_init(raft *r, char *errmsg);
/* The configuration in effect at applied, then every config entry of the log after it. */
int membership_restore(raft *r, const raft_conf *conf, uint64_t applied);
/* A config entry was appended at index (its data decodes: checked by step.c or the caller). */
void membership_appended(raft *r, const raft_entry *e);
/* Entries from index on were dropped. */
void membership_truncated(raft *r, uint64_t index);
/* The log is about to start after upto. */
void membership_compacting(raft *r, uint64_t upto);
void membership_installed(raft *r, uint64_t index, const raft_conf *conf);
/* Leader, once per ready: promotes caught-up learners, steps down once its
 * own removal is committed. */
void membership_flush(raft *r);
bool membership_removed(const raft *r, uint64_t id); /* by a committed configuration */
bool membership_may_campaign(const raft *r);
void membership_invariants(const raft *r);

/* codec.c: LEB128 varints, shared with the configuration's encoding */
size_t raft_varint_size(uint64_t v);
uint8_t *raft_put_varint(uint8_t *p, uint64_t v);
/* SS_OK, or SS_EPROTO past end or over 64 bits */
int raft_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* transfer.c */
void transfer_maybe_send_timeout_now(raft *r, raft_progress *pr);
void transfer_abort(raft *r, const char *why);

/* ready.c */
out_msg *outbox_push(raft *r, uint8_t type, uint64_t to);
void outbox_ack(raft *r, uint64_t to, uint64_t index, uint64_t read_seq);
void outbox_trace(raft *r, const raft_msg *m, const char *dir);
void raft_flush(raft *r);

#endif

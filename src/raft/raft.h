/* The Raft consensus core: a pure, deterministic state machine (no I/O, clocks, threads). */
#ifndef SS_RAFT_H
#define SS_RAFT_H

/*
 * Inputs: messages (raft_step), time (raft_tick), client requests (raft_propose,
 * raft_read_index, raft_transfer_leadership) and I/O completions (raft_persisted,
 * raft_persisted_hard_state). Outputs: a raft_ready (raft_ready_get/advance).
 *
 * The loop that drives a node:
 *
 *     raft_step(...) / raft_tick(...) / raft_propose(...) ...   any number of inputs
 *     if (raft_ready_get(r, &rd)) {
 *         start writing rd.hs (if rd.hs_changed) and rd.entries (after dropping
 *             every durable entry >= rd.truncate_from when it is nonzero);
 *         send rd.messages at once: the core only puts a message there once what
 *             it depends on is durable (vote granted, term, acknowledged entries);
 *         apply rd.committed in order (each entry is handed out exactly once);
 *         answer rd.reads (ctx -> index: read once applied >= index);
 *         note rd.role_changed / rd.lost;
 *         snapshots: write rd.snapshot_chunk, answer rd.snapshot_reads (below);
 *         raft_ready_advance(r, &rd);
 *     }
 *     ... later, when the writes are durable: raft_persisted_hard_state(r, term, vote),
 *         raft_persisted(r, last_index, last_term).
 *
 * Ownership: everything a raft_ready points to (entries, their data, messages) is
 * owned by the core and stays valid until raft_ready_advance; copy what you keep
 * longer. No other raft_* call may be made between raft_ready_get and
 * raft_ready_advance. Data passed in (propose, step) is copied; the caller keeps
 * ownership of its buffers.
 *
 * Persistence must happen in order: the hard state and entries of one ready are
 * durable before those of a later ready (completions may be reported late or
 * coalesced, never out of order).
 *
 * Lost proposals: when a leader steps down, the index range of its own entries not
 * yet known committed is reported in rd.lost. Those entries may still commit under
 * the next leader or vanish: their clients must be told "outcome unknown".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct raft raft;

typedef enum {
    RAFT_FOLLOWER = 0,
    RAFT_PRECANDIDATE, /* thesis §9.6: asks "would you vote for me?" without a new term */
    RAFT_CANDIDATE,
    RAFT_LEADER,
} raft_role;

const char *raft_role_name(int role);

typedef enum {
    RAFT_ENTRY_NORMAL = 1, /* a client command, opaque to the core */
    RAFT_ENTRY_NOOP = 2,   /* appended by every new leader (§5.4.2, §6.4) */
    RAFT_ENTRY_CONFIG = 3, /* a configuration (the whole membership, raft_conf_encode) */
} raft_entry_type;

typedef struct raft_entry {
    uint64_t index;
    uint64_t term;
    uint8_t type; /* raft_entry_type */
    void *data;
    size_t len;
} raft_entry;

typedef enum {
    RAFT_MSG_APPEND = 1,     /* AppendEntries; heartbeats are empty ones */
    RAFT_MSG_APPEND_RESP,
    RAFT_MSG_VOTE,           /* RequestVote, or a pre-vote when pre_vote is set */
    RAFT_MSG_VOTE_RESP,
    RAFT_MSG_TIMEOUT_NOW,    /* leadership transfer: "start an election now" (thesis §3.10) */
    RAFT_MSG_READ_INDEX,     /* follower -> leader: give me a read index for ctx */
    RAFT_MSG_READ_INDEX_RESP,
    RAFT_MSG_SNAPSHOT,       /* InstallSnapshot: one chunk of the leader's snapshot (§7) */
    RAFT_MSG_SNAPSHOT_RESP,  /* the follower's next wanted offset, or a refusal */
    RAFT_MSG_TYPE_END
} raft_msg_type;

const char *raft_msg_type_name(int type);

/* One flat struct for every message; fields not used by a type are zero. */
typedef struct raft_msg {
    uint8_t type;  /* raft_msg_type */
    uint64_t from;
    uint64_t to;
    uint64_t term;

    /* APPEND */
    uint64_t prev_index;
    uint64_t prev_term;
    uint64_t commit;
    raft_entry *entries; /* entries[i].index == prev_index + 1 + i */
    size_t n_entries;

    /* APPEND_RESP: index is the last index known to match (accepted) or the
     * rejected prev_index; on reject, hint_term is the term the follower holds at
     * prev_index and hint_index the first index it holds of that term, or
     * hint_term 0 and hint_index = follower's last index + 1 when its log is
     * shorter. READ_INDEX_RESP: index is the read index. */
    uint64_t index;
    uint64_t hint_index;
    uint64_t hint_term;

    /* APPEND, APPEND_RESP: heartbeat round of ReadIndex, echoed back */
    uint64_t read_seq;

    /* VOTE: the candidate's last log entry (§5.4.1) */
    uint64_t last_index;
    uint64_t last_term;

    bool reject;   /* APPEND_RESP, VOTE_RESP (a grant is !reject), READ_INDEX_RESP */
    bool pre_vote; /* VOTE, VOTE_RESP */
    bool transfer; /* VOTE: caused by TimeoutNow, so leader stickiness does not apply */
    bool notice;   /* APPEND without entries that only announces the commit index: the
                    * follower answers it only to refuse it (heartbeats are answered) */

    uint64_t ctx;  /* READ_INDEX, READ_INDEX_RESP: the caller's read context */

    /* SNAPSHOT: bytes [offset, offset + len) of the snapshot that ends the log at
     * (snap_index, snap_term); done marks the last chunk. SNAPSHOT_RESP: the
     * same snap_index/snap_term, offset = the next byte wanted (0: start
     * again) and index = the offset of the chunk answered; or reject = not
     * needed, the follower's durable commit index is index (the leader treats
     * it as an acknowledgement). A completed install is
     * acknowledged by an APPEND_RESP with index = snap_index. */
    uint64_t snap_index;
    uint64_t snap_term;
    uint64_t offset;
    const void *data;
    size_t len;
    bool done;
} raft_msg;

typedef void (*raft_log_fn)(void *ctx, int level, const char *line);

/*
 * Membership (thesis chapter 4). A configuration is the whole membership:
 * voters, learners (they receive the log and snapshots, never campaign, and
 * are never counted: not for commit, elections, check-quorum or ReadIndex)
 * and the ids removed so far. It lives in the log as RAFT_ENTRY_CONFIG
 * entries and is in effect on every node as soon as the entry is appended,
 * committed or not (§4.1); a truncated entry takes its configuration with it.
 *
 * Changes are single-server (§4.1, §4.3): each adds, promotes or removes one
 * member, so any majority of the old voters overlaps any majority of the new
 * ones, and no joint configuration is needed. A leader proposes one only when
 * the previous one is committed and it has committed an entry of its own
 * term (the fix to the single-server algorithm in the thesis' errata: without
 * it, a new leader could append a change on top of a configuration that a
 * deposed leader's uncommitted change raced with, and two disjoint majorities
 * could each commit). Every member except a learner's promotion joins as a
 * learner: an empty voter would stall commits while it catches up (§4.2.1).
 * A learner added with RAFT_CONF_ADD is promoted by the leader itself once it
 * holds every committed entry.
 *
 * Removing the leader (§4.2.2): it keeps leading without counting itself
 * until the change commits, then hands over (TimeoutNow to the most
 * up-to-date voter) and steps down. A node outside its own latest
 * configuration, or a learner in it, never campaigns. Once a removal is
 * committed here, every message from the removed node is dropped, so a stale
 * member that never heard of its removal disrupts nobody (§4.2.3); a removed
 * id is never added again. Other nodes outside the configuration are heard
 * (§4.1: a new leader may be one this node does not know of yet).
 *
 * Where a configuration is kept: the log, while its entry is there; and the
 * state machine, which records each configuration it applies (the caller
 * does: it is the data of a RAFT_ENTRY_CONFIG entry), so that snapshots carry
 * the one in effect at their index. raft_restore and raft_snapshot_installed
 * take that configuration back. The configuration in raft_config (voters)
 * only bootstraps a node whose state machine and log hold none.
 */
#define RAFT_MAX_MEMBERS 32
#define RAFT_MAX_REMOVED 64 /* the oldest removed ids are forgotten beyond this */
#define RAFT_ADDR_MAX 255   /* bytes of a member's address */

typedef enum { RAFT_VOTER = 1, RAFT_LEARNER = 2 } raft_member_role;

typedef struct raft_member {
    uint64_t id;
    uint8_t role;   /* raft_member_role */
    bool promote;   /* a learner the leader makes a voter once it has caught up */
    char addr[RAFT_ADDR_MAX + 1]; /* where peers reach it; opaque to the core */
} raft_member;

typedef struct raft_conf {
    size_t n;
    raft_member members[RAFT_MAX_MEMBERS];
    size_t n_removed;
    uint64_t removed[RAFT_MAX_REMOVED]; /* oldest first */
} raft_conf;

/* The encoded form (entry data): versioned, varints, bounded by
 * RAFT_CONF_MAX_ENCODED. decode refuses anything malformed (SS_EPROTO):
 * unknown version, duplicate or zero ids, a removed id still a member, an
 * address with a NUL byte or over RAFT_ADDR_MAX, trailing bytes. */
#define RAFT_CONF_MAX_ENCODED (16 + RAFT_MAX_MEMBERS * (10 + 1 + 2 + RAFT_ADDR_MAX) + RAFT_MAX_REMOVED * 10)
int raft_conf_encode(const raft_conf *c, uint8_t *buf, size_t cap, size_t *len_out);
int raft_conf_decode(const void *buf, size_t len, raft_conf *c);
const raft_member *raft_conf_find(const raft_conf *c, uint64_t id);
size_t raft_conf_voters(const raft_conf *c);
bool raft_conf_removed(const raft_conf *c, uint64_t id);

typedef enum {
    RAFT_CONF_ADD = 1,     /* a learner, promoted by the leader once caught up */
    RAFT_CONF_ADD_LEARNER, /* a learner until RAFT_CONF_PROMOTE */
    RAFT_CONF_PROMOTE,     /* learner -> voter */
    RAFT_CONF_REMOVE,      /* any member, the leader included */
} raft_conf_op;

typedef struct raft_config {
    uint64_t id;              /* nonzero */
    /* The bootstrap configuration: these voters, used while neither the
     * state machine nor the log holds a configuration (a brand-new cluster,
     * or a log written before membership changes existed). Empty for a node
     * that waits to be added: it never campaigns until a configuration
     * makes it a voter. Copied by raft_new. */
    const uint64_t *voters;   /* includes id unless empty */
    size_t n_voters;
    const char *const *voter_addrs; /* NULL, or each voter's address */
    unsigned election_timeout_ms; /* T: each timeout is drawn from [T, 2T) */
    unsigned heartbeat_ms;        /* < T */
    size_t max_append_entries;    /* per AppendEntries message */
    size_t max_append_bytes;      /* per AppendEntries message; a bigger entry goes alone */
    unsigned max_inflight;        /* AppendEntries in flight per follower when pipelining */
    size_t max_uncommitted_bytes; /* leader refuses proposals (SS_EBUSY) above this */
    size_t max_pending_reads;     /* ReadIndex requests waiting at the leader */
    size_t max_snapshot_chunk;    /* bytes per InstallSnapshot message */
    bool pre_vote;                /* thesis §9.6 */
    bool check_quorum;            /* leader steps down without a live majority; leader stickiness */
    uint64_t seed;                /* PRNG seed for election timeouts */
    raft_log_fn log;              /* may be NULL */
    void *log_ctx;
    int log_level;                /* ss_log_level: lines below it are not even formatted */
} raft_config;

/* Fills every field with its default (pre-vote and check-quorum on); the caller
 * then sets id, voters and whatever else it wants. */
void raft_config_init(raft_config *cfg);
/* Changes cfg.log_level at run time (CONFIG SET loglevel). At verbose the core
 * tells its story: every commit advance, log repair, ReadIndex round and
 * snapshot decision as one sentence with the rule of the paper behind it. */
void raft_set_log_level(raft *r, int level);

typedef struct raft_hard_state {
    uint64_t term;
    uint64_t vote;   /* 0 = none */
    uint64_t commit; /* never above what the durable log is known to agree on */
} raft_hard_state;

typedef struct raft_read_result {
    uint64_t ctx;
    uint64_t index;  /* read is linearizable once applied >= index */
    int status;      /* SS_OK, or SS_ENOTLEADER/SS_ELEADERLOST: retry elsewhere */
} raft_read_result;

typedef struct raft_lost {
    uint64_t term;   /* the term this node led */
    uint64_t first;  /* its own entries [first, last] of that term, fate unknown */
    uint64_t last;
} raft_lost;

/* Leader: please read bytes [offset, offset + max) of the snapshot at (index,
 * term) and hand them to raft_snapshot_chunk for peer. */
typedef struct raft_snapshot_request {
    uint64_t peer;
    uint64_t index, term;
    uint64_t offset;
    size_t max;
} raft_snapshot_request;

/* Follower: write these bytes at offset of the incoming snapshot at (index,
 * term). offset 0 starts a new snapshot (discard any partial one). done: this
 * is the last chunk: the snapshot is complete; install it (see raft_ready). */
typedef struct raft_chunk {
    uint64_t from;      /* the leader that sent it */
    uint64_t index, term;
    uint64_t offset;
    const void *data;   /* owned by the core until raft_ready_advance */
    size_t len;
    bool done;
} raft_chunk;

typedef struct raft_ready {
    bool hs_changed;
    raft_hard_state hs;

    uint64_t truncate_from;     /* nonzero: drop durable entries >= this first */
    const raft_entry *entries;  /* then append these (consecutive indexes) */
    size_t n_entries;

    raft_msg *messages;         /* safe to send now */
    size_t n_messages;

    const raft_entry *committed; /* apply in order; each is handed out once */
    size_t n_committed;

    raft_read_result *reads;
    size_t n_reads;

    bool role_changed;          /* role, leader id or term changed since the last ready */
    int role;
    uint64_t leader_id;         /* 0 = unknown */
    uint64_t term;

    raft_lost *lost;
    size_t n_lost;

    /* InstallSnapshot, leader side: read requests to answer (raft_snapshot_chunk). */
    const raft_snapshot_request *snapshot_reads;
    size_t n_snapshot_reads;

    /* InstallSnapshot, follower side: a chunk to write (NULL if none). */
    const raft_chunk *snapshot_chunk;
} raft_ready;

/* Lifecycle. raft_new validates cfg (SS_ECONFIG with a reason in errmsg). */
int raft_new(const raft_config *cfg, raft **out, char *errmsg);
void raft_free(raft *r);

/*
 * Restart from durable state, before any other input. The log held in memory
 * starts at first_index (> 1 after compaction or a snapshot), with prev_term the
 * term of entry first_index - 1. Entries are copied. hs.commit is clamped to the
 * log. applied is the index the state machine already holds: committed entries
 * are handed out from applied + 1. conf is the configuration the state machine
 * recorded as in effect at applied (applied >= first_index - 1), or NULL when
 * it holds none: then the bootstrap configuration (raft_config.voters) is in
 * effect there. Configuration entries after applied override it (SS_EINVAL if
 * one does not decode).
 */
int raft_restore(raft *r, const raft_hard_state *hs, uint64_t first_index, uint64_t prev_term,
                 const raft_entry *entries, size_t n, uint64_t applied, const raft_conf *conf);

/* Drops entries <= upto_index from memory (they must have been handed out for
 * applying, and upto_index must be durable); the log then starts after the
 * snapshot at upto_index, whose (index, term) the core remembers as the base it
 * sends to followers that need what was dropped. Call it once the caller holds
 * a durable snapshot of its state machine at upto_index. SS_EINVAL otherwise.
 * Keep a margin of entries behind the applied index (and compact rarely): a
 * follower that is slower than the compaction would chase snapshot after
 * snapshot instead of catching up by appends. */
int raft_compact(raft *r, uint64_t upto_index);

/*
 * Snapshots (InstallSnapshot, thesis §5 / paper §7). The core never reads,
 * writes or stores snapshot bytes beyond one chunk in flight; the caller does
 * the I/O. The snapshot at (index, term) is the state machine with entries
 * 1..index applied, as opaque bytes of the caller's format (the cluster
 * configuration, if any, travels inside it).
 *
 * Leader (the caller keeps each snapshot it compacted to until no transfer
 * needs it, or answers raft_snapshot_failed):
 *   - When a follower needs an entry that was compacted away, the core puts
 *     it in the snapshot state (no appends to it) and asks, in
 *     rd.snapshot_reads, for bytes [offset, offset + max) of the snapshot at
 *     (index, term) for that peer. After raft_ready_advance, answer each
 *     request (now or later) with raft_snapshot_chunk(r, peer, index, term,
 *     offset, data, len, done): len <= max, len > 0 unless done; done = this is
 *     the end of the snapshot. The core copies data. If the snapshot is gone,
 *     call raft_snapshot_failed(r, peer): the core starts over with the
 *     snapshot its log now starts after.
 *   - Every request must be answered (chunk or failed): the transfer waits
 *     for it. raft_snapshot_chunk returns SS_EINVAL for an answer the
 *     transfer no longer wants (moved on, leadership lost): ignore it.
 *     SS_ENOMEM: retry later.
 *   - Chunks go one at a time: the next is asked for once the follower
 *     acknowledged this one. Heartbeats resend an unacknowledged chunk (so a
 *     chunk costs up to max_snapshot_chunk per heartbeat while unanswered);
 *     a follower that lost the transfer (restart) makes the core ask again
 *     from offset 0, one that holds more makes it ask from there. Requests
 *     for the same snapshot may therefore come again, at any offset. Once the
 *     follower reports the snapshot installed, or answers that it holds that
 *     much already, it is probed and replicated to after its index.
 *   - The peer's progress state (raft_peer_progress) is "snapshot" meanwhile.
 *
 * Follower:
 *   - rd.snapshot_chunk, when not NULL, is the next chunk, in order: write its
 *     bytes at chunk->offset of a snapshot file for (index, term); offset 0
 *     starts a new one (throw away any partial one). The data is the core's
 *     until raft_ready_advance.
 *   - If chunk->done, the snapshot is complete and the core has already reset
 *     its log to start after (index, term), with commit = index. The caller,
 *     in order with the ready's other writes (after them, before any later
 *     ready's): makes the snapshot durable, replaces its state machine with the
 *     snapshot's, drops every log entry it holds and records the log as
 *     starting after (index, term) (raft_restore's first_index = index + 1,
 *     prev_term = term, applied = index). Then it reports
 *     raft_snapshot_installed(r, index, term), before any raft_persisted for a
 *     later ready's entries, with the configuration the snapshot's state
 *     machine recorded (NULL if none: the bootstrap one). Until then no
 *     committed entries are handed out and the node does not campaign; only
 *     then is the install acknowledged.
 *   - A crash before that loses the transfer: the leader starts over. Keep
 *     nothing of a partial snapshot across a restart; an installed one is
 *     the base raft_restore starts from.
 *   - A follower that already holds the snapshot's last entry, or has
 *     committed that far, refuses the snapshot and keeps its log; a partial
 *     snapshot file may be left behind (the next offset-0 chunk replaces it).
 *
 * Ownership: rd.snapshot_reads and rd.snapshot_chunk (and its data) belong to
 * the core until raft_ready_advance; data passed to raft_snapshot_chunk is
 * copied, so the caller's buffer is free again on return.
 */
int raft_snapshot_chunk(raft *r, uint64_t peer, uint64_t index, uint64_t term, uint64_t offset,
                        const void *data, size_t len, bool done);
void raft_snapshot_failed(raft *r, uint64_t peer);
void raft_snapshot_installed(raft *r, uint64_t index, uint64_t term, const raft_conf *conf);
/* (index, term) the in-memory log starts after (0, 0 when it starts at 1). */
void raft_snapshot_base(const raft *r, uint64_t *index, uint64_t *term);

/* Inputs. raft_step returns SS_EINVAL for a message no honest peer sends
 * (malformed, or breaking a rule of the protocol: a second leader in one term,
 * an entry contradicting a committed one, an acknowledgement of entries the
 * leader never had, a term or index near 2^64): it is dropped, counted
 * (raft_status.invalid_messages) and logged at warning, at most once a minute.
 * SS_OK otherwise, including for messages ignored by the rules (stale ones).
 * Whatever a peer sends, the core never aborts on it. */
int raft_step(raft *r, const raft_msg *m);
void raft_tick(raft *r, unsigned elapsed_ms);

/* Appends an entry as leader. SS_ENOTLEADER (follow raft_leader()), SS_EBUSY
 * (leadership transfer in progress, or too many uncommitted bytes: retry later),
 * SS_ETOOBIG (larger than max_uncommitted_bytes: it could never be accepted). */
int raft_propose(raft *r, uint8_t type, const void *data, size_t len, uint64_t *index_out);

/* Asks for a linearizable read index; the answer comes in a later ready's reads
 * with the same ctx. A follower forwards the request to the leader; the request
 * or its answer can be lost with the network, so the caller retries after a
 * timeout (answers are idempotent: ignore a ctx already answered).
 * SS_ENOLEADER when no leader is known, SS_EBUSY when too many are waiting. */
int raft_read_index(raft *r, uint64_t ctx);

/* Hands leadership to target (a voter); SS_ENOTLEADER, SS_EINVAL, SS_EBUSY. */
int raft_transfer_leadership(raft *r, uint64_t target);

/*
 * Proposes a configuration change (see "Membership" above) as leader; addr
 * is for RAFT_CONF_ADD / RAFT_CONF_ADD_LEARNER only. On SS_OK *index_out is
 * the entry's index: the change is in effect now and done once that index
 * commits. Otherwise errmsg says why and nothing changed:
 *   SS_ENOTLEADER  not the leader
 *   SS_EBUSY       a change is pending (not committed yet), or a leadership
 *                  transfer is under way
 *   SS_EAGAIN      no entry of this leader's term is committed yet: retry soon
 *   SS_EEXIST      the id, or the address, is a member already; or the id was
 *                  removed (ids are not reused)
 *   SS_ENOTFOUND   not a member (PROMOTE, REMOVE)
 *   SS_EINVAL      a bad id or address, PROMOTE of a voter, REMOVE of the last voter
 *   SS_ETOOBIG     RAFT_MAX_MEMBERS members already
 */
int raft_change_conf(raft *r, int op, uint64_t id, const char *addr, uint64_t *index_out,
                     char *errmsg);
/* The latest configuration (in effect now); *index (may be NULL) is the
 * entry it comes from (0: the bootstrap one), *committed (may be NULL)
 * whether that is committed. Valid until the next raft_* call. */
const raft_conf *raft_conf_get(const raft *r, uint64_t *index, bool *committed);
/* Changes whenever the latest configuration does. */
uint64_t raft_conf_gen(const raft *r);

/* I/O completions: entries up to last_index (whose term is last_term) are
 * durable; the hard state (term, vote) is durable. Stale completions, for entries
 * since overwritten, are recognised by their term and ignored. */
void raft_persisted(raft *r, uint64_t last_index, uint64_t last_term);
void raft_persisted_hard_state(raft *r, uint64_t term, uint64_t vote);

/* Outputs. raft_ready_get returns false when there is nothing to do. */
bool raft_ready_get(raft *r, raft_ready *rd);
void raft_ready_advance(raft *r, raft_ready *rd);

/* Observers (for the server and tests). */
typedef struct raft_status {
    uint64_t id;
    int role;
    uint64_t term;
    uint64_t leader;           /* 0 = unknown */
    uint64_t commit;
    uint64_t first_index, last_index;
    uint64_t invalid_messages; /* dropped by raft_step as no honest peer would send them */
} raft_status;
raft_status raft_status_get(const raft *r);

uint64_t raft_id(const raft *r);
int raft_role_get(const raft *r);
uint64_t raft_term(const raft *r);
uint64_t raft_leader(const raft *r);
uint64_t raft_commit_index(const raft *r);
uint64_t raft_last_index(const raft *r);
uint64_t raft_last_term(const raft *r);
uint64_t raft_first_index(const raft *r);
/* The voter a leadership transfer hands over to, 0 when none is under way
 * (proposals are refused meanwhile). */
uint64_t raft_transfer_target(const raft *r);
/* What the leader knows of a follower's log (for INFO): false unless this node
 * leads and id is a member (voter or learner). state is "probe", "replicate"
 * or "snapshot". */
bool raft_peer_progress(const raft *r, uint64_t id, uint64_t *match, uint64_t *next,
                        const char **state);
/* The entry at index if held in memory, else NULL. Valid until the next raft_* call. */
const raft_entry *raft_entry_at(const raft *r, uint64_t index);

/* Codec: a versioned, compact, little-endian binary form of a message (varints).
 * raft_msg_encode writes at most raft_msg_encoded_size(m) bytes. raft_msg_decode
 * never reads outside [buf, buf+len): SS_EPROTO for bad bytes or an unknown
 * version, SS_ETOOBIG for an AppendEntries of more than RAFT_MAX_MSG_ENTRIES
 * entries. Decoded entries are allocated (free with raft_msg_release) and their
 * data points into buf, which must outlive the message: decoding allocates at
 * most RAFT_MAX_MSG_ENTRIES * sizeof(raft_entry) bytes (40 KiB), whatever len
 * is (a 3-byte entry decodes to a 40-byte raft_entry: without the cap, 120 MiB
 * of them took 1.6 GiB, and as much again in the follower's log). A leader never
 * sends more: raft_new refuses max_append_entries above the cap. */
size_t raft_msg_encoded_size(const raft_msg *m);
int raft_msg_encode(const raft_msg *m, uint8_t *buf, size_t cap, size_t *len_out);
int raft_msg_decode(const uint8_t *buf, size_t len, raft_msg *m);
void raft_msg_release(raft_msg *m);
/* As raft_msg_decode, but the entries go into room, the caller's array of
 * RAFT_MAX_MSG_ENTRIES, reused message after message (a 40 KiB malloc per
 * AppendEntries made glibc consolidate its fast bins each time: ~3% of a
 * follower's loop). Not to be released; m->entries is room or NULL. */
int raft_msg_decode_into(const uint8_t *buf, size_t len, raft_msg *m, raft_entry *room);

#define RAFT_CODEC_VERSION 1
#define RAFT_MAX_MSG_ENTRIES 1024

#endif

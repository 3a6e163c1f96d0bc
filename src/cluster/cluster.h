/* The small, consensus-agnostic interface the server uses to replicate writes and order reads. */
#ifndef SS_CLUSTER_H
#define SS_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/config.h"
#include "common/error.h"
#include "common/histogram.h"
#include "common/member.h"

/*
 * The server never sees Raft. It hands opaque entries to ss_cluster_propose(),
 * and the cluster calls the state machine's apply_batch() with committed
 * entries, in log order, exactly once each, on every node. A write's reply is
 * whatever the apply produced on the node where the client waits, so the entry
 * itself names its origin (see commands/entry.h).
 *
 * Reads ask for a barrier: the callback runs once this node's applied state is
 * at least as fresh as linearizability requires (ReadIndex confirmed by the
 * leader, then applied >= that index), or at once under read-consistency stale.
 *
 * Every callback runs on the loop thread.
 */

typedef struct ss_cluster ss_cluster;

/* SS_ENTRY_CONFIG: the data is a Raft configuration (raft_conf_encode), in
 * effect from its index on; the state machine records it beside the applied
 * index, so that a restart or a snapshot knows the membership at that point. */
typedef enum { SS_ENTRY_COMMAND = 0, SS_ENTRY_NOOP = 1, SS_ENTRY_CONFIG = 2 } ss_entry_type;

typedef struct ss_applied_entry {
    uint64_t index;
    uint64_t term;
    int type; /* ss_entry_type */
    const void *data;
    size_t len;
} ss_applied_entry;

/* The replicated state machine, implemented by commands/. */
typedef struct ss_state_machine {
    void *ctx;
    /* Applies committed entries in order; must be deterministic. Returns SS_OK or
     * an error that stops the node (a state machine that cannot apply must not
     * diverge silently). */
    int (*apply_batch)(void *ctx, const ss_applied_entry *entries, size_t n);
    /* The last index the state machine has durably applied (recovered at start). */
    uint64_t (*applied_index)(void *ctx);
    /* The term of that entry, recorded with it; 0 if unknown. */
    uint64_t (*applied_term)(void *ctx);
    /* Optional: whether an entry a peer hands over (a follower's proposal)
     * is one this state machine could have built; a false answer drops it
     * before it reaches the log. Apply must still cope with any entry. */
    bool (*entry_valid)(void *ctx, const void *data, size_t len);
    /* The data of the last SS_ENTRY_CONFIG applied (the state's, so also a
     * snapshot's once adopted) copied into buf: SS_OK with *len, SS_ENOTFOUND
     * when none was ever applied, SS_ETOOBIG when over cap, SS_EIO. */
    int (*applied_conf)(void *ctx, void *buf, size_t cap, size_t *len);

    /*
     * Snapshots, as files whose format only the state machine knows. The
     * cluster decides when, names the files, moves them between nodes and
     * deletes them; it never looks inside beyond snapshot_info.
     */
    /* Loop thread: a consistent view of the state at applied_index(), unaffected
     * by later applies. */
    int (*snapshot_begin)(void *ctx, void **view, char *errmsg);
    /* Worker thread: writes the view (recording term, the term of its last
     * entry) to path and fsyncs the file; frees the view in every case. */
    int (*snapshot_write)(void *view, uint64_t term, const char *path, uint64_t *bytes,
                          char *errmsg);
    /* Any thread: the (index, term) a snapshot file holds, from its header. */
    int (*snapshot_info)(const char *path, uint64_t *index, uint64_t *term, char *errmsg);
    /* Worker thread: verifies the file and builds the state it holds so that
     * from now on a restart finds it (the commit point of an install). */
    int (*snapshot_stage)(void *ctx, const char *path, void **staged, char *errmsg);
    /* Loop thread, quick: the staged state replaces the live one (writes this
     * node had in flight get an unknown outcome); *retired, the old state, is
     * released with snapshot_retire on a worker thread. */
    int (*snapshot_adopt)(void *ctx, void *staged, void **retired, char *errmsg);
    void (*snapshot_retire)(void *retired);
} ss_state_machine;

/* Events the server reacts to. */
typedef struct ss_cluster_events {
    void *ctx;
    /* The leader changed (leader_id 0: none known). Writes this node had in flight
     * have an unknown outcome now. */
    void (*leader_changed)(void *ctx, uint64_t leader_id, uint64_t term);
    /* A fatal error (disk failure): the server must stop. */
    void (*fatal)(void *ctx, int code, const char *msg);
} ss_cluster_events;

/* Called when a proposal leaves the cluster's hands: SS_OK (appended on the
 * leader or handed to it; the reply will come from apply), SS_ENOLEADER (no
 * leader within leader-wait-timeout), SS_EBUSY (too much in flight),
 * SS_ESHUTDOWN. */
typedef void (*ss_propose_cb)(void *arg, int status);
/* SS_OK: read now. SS_ENOLEADER, SS_ELEADERLOST, SS_ESHUTDOWN otherwise. */
typedef void (*ss_read_cb)(void *arg, int status);

int ss_cluster_new(uv_loop_t *loop, const ss_config *cfg, const ss_state_machine *sm,
                   const ss_cluster_events *events, ss_cluster **out, char *errmsg);
/* Starts elections, the transport and timers. */
int ss_cluster_start(ss_cluster *c, char *errmsg);
/* Stops everything; cb runs once every handle is closed and the log is flushed. */
void ss_cluster_close(ss_cluster *c, void (*cb)(void *arg), void *arg);

/* The largest entry the cluster can carry: what the log stores, a peer frame
 * holds and the leader's uncommitted budget admits. A write whose entry is
 * bigger must be refused before it is proposed. */
uint64_t ss_cluster_max_entry_size(const ss_cluster *c);
/* Copies data; cb is called exactly once (possibly before this returns). */
void ss_cluster_propose(ss_cluster *c, const void *data, size_t len, ss_propose_cb cb, void *arg);
/* cb is called exactly once (possibly before this returns). */
void ss_cluster_read_barrier(ss_cluster *c, ss_read_cb cb, void *arg);
/* Changes whenever the reads asked for so far can no longer share a barrier
 * with later ones (the core has run): a caller may add work to a barrier it
 * asked for only while this is what it was then. */
uint64_t ss_cluster_read_round(const ss_cluster *c);

bool ss_cluster_is_leader(const ss_cluster *c);
uint64_t ss_cluster_leader_id(const ss_cluster *c);
/* The leader's client address "host:port", or NULL when unknown. */
const char *ss_cluster_leader_addr(const ss_cluster *c);
uint64_t ss_cluster_node_id(const ss_cluster *c);

/*
 * The Raft group as cluster clients see it (CLUSTER NODES, SLOTS, SHARDS):
 * every voting member, this node included, in raft id order, with its name,
 * client address, whether it leads and how this node sees its health.
 * Membership is read only through here, so that CLUSTER follows the voters
 * as they change. Fills out (room for SS_MEMBERS_MAX), returns how many.
 */
size_t ss_cluster_members(const ss_cluster *c, ss_member *out);
/* WAIT / WAITAOF: how many other members' logs are known to hold index (on
 * the leader: the peers whose match index reached it; on a follower, once
 * its commit index did: the other voters of a majority, the fewest the
 * commit proves), and whether this node's log is durable past it. */
void ss_cluster_wait_counts(const ss_cluster *c, uint64_t index, int *others, bool *durable);
/* This node's member name (40 hex digits, kept in its data directory). */
const char *ss_cluster_name(const ss_cluster *c);
/* What CLUSTER INFO shows beyond the members. */
typedef struct ss_cluster_status {
    uint64_t term;       /* the current term (Redis Cluster's epochs) */
    uint64_t leader_id;  /* the leader now, 0 while none is known (an election) */
    uint64_t messages_sent, messages_received; /* peer messages, all peers */
} ss_cluster_status;
void ss_cluster_status_get(const ss_cluster *c, ss_cluster_status *out);

/* BGSAVE: takes a snapshot now unless one is in progress. SS_OK (started),
 * SS_EBUSY (one is being taken or installed). */
int ss_cluster_snapshot_now(ss_cluster *c);
/* Unix time (seconds) of the newest snapshot this node holds, 0 if none. */
int64_t ss_cluster_last_snapshot_time(const ss_cluster *c);
/* 1 while this node writes a snapshot, else 0. */
int ss_cluster_snapshot_in_progress(const ss_cluster *c);

/*
 * Membership changes (the Raft core's "Membership": single-server changes,
 * learners) and leadership transfer, on the leader only: a follower gets
 * SS_ENOTLEADER and the caller sends the client to the leader, as for a
 * write. ss_cluster_change_conf returns SS_OK once the change is appended
 * (in effect from then on), and cb runs exactly once later: SS_OK when the
 * entry committed, SS_ELEADERLOST when this node stopped leading first (the
 * outcome is unknown: the new leader may still commit it), SS_ESHUTDOWN.
 * Any other return is the core's refusal and nothing changed, with errmsg:
 * SS_EBUSY (a change is pending or a transfer is under way), SS_EAGAIN (the
 * new leader has no entry of its term committed yet), SS_EEXIST (id or
 * address already a member, or the id was removed), SS_ENOTFOUND (not a
 * member), SS_EINVAL (bad id or address, PROMOTE of a voter, REMOVE of the
 * last voter), SS_ETOOBIG (too many members).
 */
typedef enum {
    SS_CONF_ADD = 1,     /* as a learner, promoted by the leader once caught up */
    SS_CONF_ADD_LEARNER, /* a learner until SS_CONF_PROMOTE */
    SS_CONF_PROMOTE,     /* learner -> voter */
    SS_CONF_REMOVE,      /* any member, the leader included */
} ss_conf_op;
typedef void (*ss_conf_cb)(void *arg, int status);
int ss_cluster_change_conf(ss_cluster *c, int op, uint64_t id, const char *raft_addr, ss_conf_cb cb,
                           void *arg, char *errmsg);
/* Hands leadership to id (a voter other than this node): SS_OK once the
 * transfer started (the target campaigns; this node stops accepting
 * proposals meanwhile), SS_ENOTLEADER, SS_ENOTFOUND (not a member),
 * SS_EINVAL (a learner, or this node), SS_EBUSY (a transfer is under way). */
int ss_cluster_transfer_leader(ss_cluster *c, uint64_t id, char *errmsg);

/* The voter a leader hands over to before it stops (SHUTDOWN, SIGTERM): the
 * transfer to the follower known to be furthest along has started, and its
 * id is returned; 0 when this node does not lead or has no other voter. */
uint64_t ss_cluster_handoff(ss_cluster *c);
/* Proposals waiting here for a leader (relayed ones included). */
size_t ss_cluster_waiting(const ss_cluster *c);
/* The voter known to be furthest along other than this node (0: none). */
uint64_t ss_cluster_best_voter(const ss_cluster *c);
/* Some voter other than this node has its link from here up (a handoff can
 * reach it); false once every other voter has gone. */
bool ss_cluster_voter_reachable(const ss_cluster *c);

/* Joining (RAFT.CLUSTER JOIN, the join directive). */
/* The node was started to join a cluster (raft-bootstrap no, or join). */
bool ss_cluster_joining(const ss_cluster *c);
/* This node is in the configuration it knows (a voter or a learner). */
bool ss_cluster_is_member(const ss_cluster *c);
/* The address peers reach this node's raft port at: its entry in `peers`,
 * else raft-bind (or bind):raft-port. */
void ss_cluster_self_raft_addr(const ss_cluster *c, char *out, size_t size);
/* A member learned from the cluster this node joins: dialled, and accepted
 * when it dials in, before the configuration naming it arrives. */
int ss_cluster_learn_peer(ss_cluster *c, uint64_t id, const char *raft_addr, char *errmsg);

/* A member of the configuration as RAFT.NODE LIST shows it. */
typedef struct ss_conf_member {
    uint64_t id;
    char raft_addr[SS_HOST_MAX + 8];
    char client_addr[SS_HOST_MAX + 8]; /* "" when not learned yet */
    bool voter;
    bool self;
    bool leader;
    bool match_known; /* only the leader knows its followers' match index */
    uint64_t match;   /* self: its last log index */
} ss_conf_member;
/* The latest configuration, in member order; fills out (room for
 * SS_CONF_MEMBERS_MAX), returns how many. */
#define SS_CONF_MEMBERS_MAX 32
size_t ss_cluster_conf_members(const ss_cluster *c, ss_conf_member *out);

/* Certificate reload (CONFIG SET tls-*): with tls-cluster yes, builds the raft
 * port's contexts again from the configuration; new peer connections use
 * them, established ones keep theirs. On error (errmsg says why) the old ones
 * stay. SS_OK without tls-cluster (nothing to reload). */
int ss_cluster_tls_reload(ss_cluster *c, char *errmsg);

/* What the metrics endpoint shows of the Raft group (engine/metrics.c):
 * plain figures, read on the loop thread. */
typedef struct ss_cluster_peer_metrics {
    uint64_t id;
    bool connected;       /* our link to it is up */
    bool match_known;     /* only a leader knows a follower's match index */
    uint64_t match_index;
    uint64_t lag;         /* this leader's last index - match_index */
} ss_cluster_peer_metrics;

typedef struct ss_cluster_metrics {
    uint64_t node_id, term, leader_id;
    int role;             /* 0 follower, 1 candidate (pre-vote included), 2 leader */
    uint64_t commit_index, applied_index, first_index, last_index, durable_index;
    uint64_t elections_started;   /* campaigns this node began (a new term as candidate) */
    uint64_t leader_changes;      /* a leader became known for a new term, or another one */
    uint64_t log_bytes, fsyncs, write_rounds;
    uint64_t proposals_forwarded, proposals_received, reads_confirmed;
    uint64_t messages_sent, messages_received;
    ss_hist fsync_ns;     /* the log's segment fdatasync, ns */
    ss_hist apply_ns;     /* one batch of committed entries applied to the state machine, ns */
    uint64_t snapshot_index, snapshot_bytes, snapshots_taken, snapshots_installed;
    ss_hist snapshot_bytes_hist;  /* sizes of the snapshots this node took */
    ss_hist snapshot_save_ns;     /* taking one: the state written and fsynced */
    ss_hist snapshot_install_ns;  /* from its first chunk to installed */
    size_t npeers;
    ss_cluster_peer_metrics peers[SS_MAX_PEERS];
} ss_cluster_metrics;
void ss_cluster_metrics_get(const ss_cluster *c, ss_cluster_metrics *out);
/* The slowest fsync of the Raft log (µs) since the last call (LATENCY). */
uint64_t ss_cluster_take_fsync_max_us(ss_cluster *c);

/* Appends the INFO raft section ("raft_node_id:1\r\n..."). */
typedef void (*ss_info_fn)(void *arg, const char *line);
void ss_cluster_info(const ss_cluster *c, ss_info_fn fn, void *arg);

#endif

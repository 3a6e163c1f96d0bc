/* The Raft cluster's private state, shared by its files: the driver (cluster_raft.c), log writes, restore, proposals and reads, snapshots. */
#ifndef SS_CLUSTER_RAFT_H
#define SS_CLUSTER_RAFT_H

#include "cluster/cluster.h"
#include "cluster/cluster_snapshot.h"
#include "common/clock.h"
#include "common/member.h"
#include "raft/raft.h"
#include "raft_io/storage.h"
#include "raft_io/transport.h"

/* The first byte of every peer payload says what follows. */
enum {
    PEER_RAFT = 'R',     /* an encoded raft_msg */
    PEER_PROPOSE = 'P',  /* a follower hands the leader an entry to propose */
    PEER_INFO = 'I',     /* "host:port": the sender's client address */
    PEER_SNAP_BAD = 'B', /* follower -> leader: a snapshot it could not install (below) */
};

/* PEER_SNAP_BAD: 'B' | index u64 | term u64 | code u32 (an SS_E*) | why
 * (text, at most PEER_SNAP_BAD_WHY bytes), integers little-endian. */
#define PEER_SNAP_BAD_HEAD 21
#define PEER_SNAP_BAD_WHY 200

/* Writes a PEER_SNAP_BAD message into out (PEER_SNAP_BAD_HEAD +
 * PEER_SNAP_BAD_WHY bytes; why is cut to fit); returns its length. */
size_t peer_snap_bad_encode(uint8_t *out, uint64_t index, uint64_t term, int code,
                            const char *why);
/* Reads one (msg includes the kind byte): false if too short. why (at least
 * PEER_SNAP_BAD_WHY + 1 bytes) gets the reason, non-printable bytes as '?'. */
bool peer_snap_bad_decode(const uint8_t *msg, size_t len, uint64_t *index, uint64_t *term,
                          int *code, char *why);

#define TICK_MS 10
/* Room in a peer frame for the message around one entry (AppendEntries). */
#define PEER_FRAME_SLACK ((size_t)4096)
#define MAX_WAITING_PROPOSALS 100000
#define MAX_WAITING_READS 100000

/* A proposal or read waiting for a leader to be known. */
typedef struct waiter {
    struct waiter *next;
    int64_t deadline_ms;
    bool is_read;
    ss_propose_cb pcb;
    ss_read_cb rcb;
    void *arg;
    size_t len;
    char data[];
} waiter;

/* A read with its index, waiting for the state machine to catch up. */
typedef struct read_wait {
    uint64_t ctx;
    uint64_t index;   /* 0 until the ReadIndex answer came */
    ss_read_cb cb;
    void *arg;
    int64_t deadline_ms;
} read_wait;

/* A configuration change waiting to commit (cluster_membership.c). */
typedef struct conf_waiter {
    uint64_t index, term; /* the entry, and the term this leader appended it in */
    ss_conf_cb cb;        /* NULL: none waits */
    void *arg;
} conf_waiter;

typedef struct peer_info {
    uint64_t id;
    char raft_addr[SS_HOST_MAX + 8];
    char client_addr[SS_HOST_MAX + 8]; /* learned from the peer's PEER_INFO (or the cache) */
    char name[SS_MEMBER_NAME_LEN + 1];  /* its member name, the same way; "" unknown */
    bool link_up;                      /* our connection to it is up */
    int64_t link_changed_ms;           /* monotonic: when link_up last changed (or start) */
    int64_t heard_ms;                  /* wall clock of its last message, 0 never */
} peer_info;

/* The driver's log writes (cluster_log.c). */
typedef struct log_op log_op;
typedef struct cluster_log {
    uint64_t submitted_term, submitted_vote; /* the hard state last handed to storage */
    bool held;                               /* writes wait for an install's log reset */
    log_op *held_head, *held_tail;
    bool busy;                               /* storage pushed back: proposals are refused */
    log_op *backlog, *backlog_tail;          /* waiting for storage to accept them, in order */
    uint64_t busy_events;                    /* times storage pushed back */
    uint64_t refused;                        /* proposals refused meanwhile */
    /* The entries of the write being handed to storage, which copies them:
     * one array reused, not a malloc (and a fast-bin consolidation) a write. */
    ss_log_entry *scratch;
    size_t scratch_cap;
} cluster_log;

struct ss_cluster {
    uv_loop_t *loop;
    const ss_config *cfg;
    ss_state_machine sm;
    ss_cluster_events ev;
    raft *r;
    ss_storage *storage;
    ss_transport *transport;   /* NULL for a one-member cluster */
    cluster_snap *snap;        /* snapshots and compaction (cluster_snapshot.c) */

    uv_timer_t ticker;
    uv_check_t driver;         /* after each poll: run the core's ready */
    uv_idle_t kick;            /* keeps poll from sleeping while the core has work */
    int open_handles;
    uint64_t last_tick;

    cluster_log log_writes;    /* what goes to storage, in order (cluster_log.c) */
    raft_entry *decode_room;   /* RAFT_MAX_MSG_ENTRIES for raft_msg_decode_into, made on first use */
    size_t max_entry;          /* the largest entry the log stores and peers carry */
    bool core_held;            /* the core is not run (ss_cluster_hold_core) */
    bool reloading;            /* the core is being rebuilt from disk (ss_cluster_reload) */
    uint64_t core_gen;         /* which core the log's completions are for */

    /* Role as last reported by the core. */
    int role;
    uint64_t leader_id;
    uint64_t term;

    waiter *wait_head, *wait_tail;
    size_t nwaiting;
    read_wait *reads;          /* ordered by ctx; ctx grows; reads of one batch share it */
    size_t reads_head, reads_len, reads_cap;
    uint64_t next_read_ctx;
    /* The ReadIndex request reads join until the core next runs (a leader
     * takes its read index then, a follower sends its request then): every
     * read that arrived by then may use it (thesis §6.4). */
    bool read_batch_open;
    uint64_t read_batch_ctx;
    uint64_t read_batch_term, read_batch_leader; /* the core's when the batch began */
    uint64_t read_round;       /* counts the batches closed (ss_cluster_read_round) */

    peer_info peers[SS_MAX_PEERS];
    int npeers;
    uint64_t conf_gen;         /* the core's configuration the peers follow (cluster_conf.c) */
    bool conf_synced;
    conf_waiter conf_wait;     /* the change RAFT.NODE waits for (cluster_membership.c) */
    char self_client_addr[SS_HOST_MAX + 8];
    char name[SS_MEMBER_NAME_LEN + 1]; /* this node's member name (cluster_members.c) */
    uint64_t last_leader_id;           /* the leader, or the last one known; 0 never known */
    bool names_saving;                 /* the peers' cache is being written on a worker */
    bool names_dirty;                  /* ... and changed again since */
    uv_work_t names_work;

    bool in_ready;
    bool started;
    bool closing;
    bool fatal;
    void (*close_cb)(void *arg);
    void *close_arg;

    /* Counters for INFO raft. */
    uint64_t proposals_forwarded;
    uint64_t proposals_received;
    uint64_t proposals_refused;  /* malformed, dropped at the door (sm.entry_valid) */
    uint64_t oversized_dropped; /* peer messages dropped for an entry over max_entry */
    int64_t oversized_logged_ms;
    uint64_t entries_applied;
    uint64_t reads_confirmed;
    /* Counters for the metrics endpoint (ss_cluster_metrics_get). */
    uint64_t elections_started;
    uint64_t leader_changes;
    ss_hist apply_ns;
    uint64_t read_requests;      /* ReadIndex requests made: one per batch of reads */
};

/* The driver's clock for deadlines (monotonic milliseconds). */
static inline int64_t ss_cluster_now_ms(void) { return (int64_t)ss_clock_mono_ms(); }
/* Stops the node for good (a disk that failed, a state machine that can't apply). */
void ss_cluster_fatal(ss_cluster *c, int code, const char *what);
void ss_cluster_kick(ss_cluster *c);
void ss_cluster_run(ss_cluster *c);
/* Not closing, not failed, not rebuilding its core: the core may be used. */
bool ss_cluster_running(const ss_cluster *c);
/* One of the parts ss_cluster_close waits for has closed. */
void ss_cluster_closed_one(ss_cluster *c);
/* While held, the driver does not run the core, so its acknowledgements
 * wait: received snapshot chunks wait for the disk (cluster_snap_recv.c). */
void ss_cluster_hold_core(ss_cluster *c, bool hold);

/* Opens the raft port (the transport) if it is not open yet. */
int cluster_transport_start(ss_cluster *c, char *errmsg);

/* cluster_conf.c: when the core's configuration changed, peers it added are
 * dialled and peers it removed are dropped (this node's own removal aside). */
void cluster_conf_sync(ss_cluster *c);

/* "host:port" into its parts (the port after the last colon; 0 if none). */
void cluster_split_addr(const char *addr, char *host, size_t hsize, int *port);

/* cluster_restore.c: the core from what is durable. */
/* The largest payload a peer message may carry (the transport's max_frame). */
size_t ss_cluster_peer_max_frame(const ss_config *cfg);
/* A new core with this node's configuration, before raft_restore. */
int cluster_core_new(ss_cluster *c, raft **out, char *errmsg);
/* The configuration the state machine recorded as in effect at its applied
 * index (malloc'd: free it), or NULL when it holds none (or it is unreadable,
 * logged). */
raft_conf *cluster_applied_conf(ss_cluster *c);
/* Opens the log (c->storage), reconciles it with the state machine and the
 * snapshot files, and restores r from them. */
int cluster_restore(ss_cluster *c, raft *r, char *errmsg);
/* Discards the core and restores a new one from disk, as a restart would,
 * without stopping the node (why: for the log line). */
void ss_cluster_reload(ss_cluster *c, const char *why);

/* cluster_log.c: the log writes of each ready, in order. */
/* Hands a ready's hard state and entries to storage; SS_OK, or an error that
 * stops the node. */
int cluster_log_write(ss_cluster *c, const raft_ready *rd);
/* From now on writes wait (copied) until cluster_log_release. */
void cluster_log_hold(ss_cluster *c);
/* Queues the writes held since cluster_log_hold, in order. */
void cluster_log_release(ss_cluster *c);
/* Queues the log's reset to nothing but the base (index, term), in order
 * with the writes: after an install, or at start when the state machine is
 * ahead of the log. cb (may be NULL) once it is durable, or with SS_ECLOSED
 * if it never goes to storage. */
int cluster_log_reset(ss_cluster *c, uint64_t index, uint64_t term, ss_persist_cb cb, void *arg);
/* Offers the writes that storage pushed back again (each loop iteration). */
void cluster_log_pump(ss_cluster *c);
/* Storage pushes back: a leader refuses new proposals (SS_EBUSY). */
bool cluster_log_busy(const ss_cluster *c);
/* Closing, or discarding the core: drops what never went to storage (nothing
 * of it was acknowledged) and ends any hold. */
void cluster_log_drop_all(ss_cluster *c);

/* cluster_members.c: the members as cluster clients see them. */
/* The peer with this raft id, NULL if it is none of ours (this node is not
 * among its peers). Like strchr, a const cluster gives a pointer the caller
 * may only read through. */
peer_info *cluster_peer_find(const ss_cluster *c, uint64_t id);
/* This node's name (created and made durable on first start) and the names
 * and client addresses peers told us before (a cache, for peers down now). */
int cluster_members_load(ss_cluster *c, char *errmsg);
/* A PEER_INFO from a peer: "host:port" and, from this version on, " name". */
void cluster_members_info(ss_cluster *c, peer_info *p, const uint8_t *payload, size_t len);
/* Our connection to a peer went up or down. */
void cluster_members_link(ss_cluster *c, peer_info *p, bool up);
/* Whether ss_cluster_close must wait for a cache write (then it calls
 * ss_cluster_closed_one once that ends). */
bool cluster_members_closing(ss_cluster *c);

/* cluster_wait.c: proposals and reads waiting for a leader, reads waiting for apply. */
bool ss_cluster_wait_push(ss_cluster *c, waiter *w);
void ss_cluster_wait_flush(ss_cluster *c);
void ss_cluster_wait_expire(ss_cluster *c, int64_t now);
void ss_cluster_wait_fail_all(ss_cluster *c, int status);
/* The pending configuration change: answered once committed or lost (after each ready round). */
void cluster_conf_wait_check(ss_cluster *c);
void cluster_conf_wait_fail(ss_cluster *c, int status);
void ss_cluster_reads_answered(ss_cluster *c, const raft_read_result *res, size_t n);
void ss_cluster_reads_applied(ss_cluster *c);
void ss_cluster_reads_fail_all(ss_cluster *c, int status);
void ss_cluster_reads_expire(ss_cluster *c, int64_t now);
int ss_cluster_read_start(ss_cluster *c, ss_read_cb cb, void *arg);
int ss_cluster_propose_now(ss_cluster *c, const void *data, size_t len);

/* cluster_tls.c: tls-cluster's contexts for the raft port, both or neither
 * (errmsg as Redis's log words it). */
int cluster_tls_contexts(const ss_config *cfg, ss_tls_ctx **accept, ss_tls_ctx **dial, char *errmsg);

#endif

/* What a command may ask of the node it runs on: configuration, the store, statistics, and a few services of the cluster and the connections. */
#ifndef SS_NODE_H
#define SS_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "common/histogram.h"
#include "common/member.h"
#include "commands/session.h"
#include "resp/buf.h"
#include "store/store.h"

typedef struct ss_session ss_session;
typedef struct ss_pubsub ss_pubsub;
struct ss_exec_ctx; /* commands/command.h */
struct ss_args;

/*
 * Commands never include the engine, the cluster or the server: the engine
 * (src/engine/) fills in one ss_node and hands it to every handler. A new
 * service a command needs is a new member here, implemented by the engine.
 */

/* Counters for INFO stats; the engine and the commands both add to them. */
typedef struct ss_node_stats {
    uint64_t commands_processed;
    uint64_t writes_proposed;
    uint64_t writes_applied;
    uint64_t reads_served;
    uint64_t keyspace_hits;
    uint64_t keyspace_misses;
    uint64_t expired_keys;
    uint64_t pending_writes;
    uint64_t pending_reads;
} ss_node_stats;

/* What the connections count, for INFO stats. */
typedef struct ss_conn_stats {
    uint64_t connections_received;
    uint64_t rejected_connections;
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
} ss_conn_stats;

/* INFO's own figures, kept by commands/cmd_info.c (info.h): commandstats by
 * row (the rows are a fixed set, so the table cannot grow past them),
 * errorstats by error code (at most SS_INFO_ERR_MAX codes, as Redis), and
 * the samples behind the instantaneous rates. */
#define SS_INFO_CMD_SLOTS 1024
#define SS_INFO_ERR_MAX 128
#define SS_INFO_SAMPLES 16

typedef struct ss_info_cmdstat {
    const void *cmd;            /* the ss_command row; NULL: free slot */
    uint64_t calls, usec, rejected, failed;
    ss_hist lat_ns;             /* LATENCY HISTOGRAM and the metrics endpoint */
} ss_info_cmdstat;

/* LATENCY's events (Redis's latency.h): per event, the worst latency of
 * each second with one, the last SS_LATENCY_TS_LEN of them. The events are
 * a fixed set of names (commands/cmd_latency.c), so is the table. */
#define SS_LATENCY_TS_LEN 160
#define SS_LATENCY_EVENTS 8

typedef struct ss_latency_series {
    const char *event;          /* a static name; NULL: free */
    int idx;                    /* the next sample's slot */
    uint32_t max;               /* ms, all time */
    struct {
        int32_t time;           /* unix seconds; 0: empty */
        uint32_t latency;       /* ms */
    } samples[SS_LATENCY_TS_LEN];
} ss_latency_series;

typedef struct ss_info_state {
    ss_info_cmdstat cmds[SS_INFO_CMD_SLOTS];
    size_t ncmds;
    struct {
        char code[32];
        uint64_t count;
    } errs[SS_INFO_ERR_MAX];
    size_t nerrs;
    uint64_t error_replies;
    /* Rates: per-second figures of the last SS_INFO_SAMPLES samples. */
    uint64_t sample_ms, last_cmds, last_in, last_out;
    uint64_t ops[SS_INFO_SAMPLES], in[SS_INFO_SAMPLES], out[SS_INFO_SAMPLES];
    unsigned idx;
    uint64_t mem_peak, mem_startup;
    uint64_t peak_ms;           /* when the cron last read the resident size */
    uint64_t rss_mark;          /* resident size at the last exact sample of mem_peak */
    /* SLOWLOG: newest first, at most slowlog-max-len entries. */
    struct ss_slowlog_entry *slow_head, *slow_tail;
    size_t slow_len;
    uint64_t slow_next_id;
    ss_latency_series latency[SS_LATENCY_EVENTS];
} ss_info_state;

typedef struct ss_node_ops {
    /* Raft, through the cluster. */
    bool (*is_leader)(void *ctx);
    const char *(*leader_addr)(void *ctx);          /* "host:port", NULL if unknown */
    void (*raft_info)(void *ctx, ss_buf *out);      /* the INFO raft lines */
    int (*snapshot_now)(void *ctx);                 /* SS_OK, SS_EBUSY, SS_ESHUTDOWN */
    int64_t (*last_snapshot_time)(void *ctx);       /* unix seconds, 0 if none */
    bool (*snapshot_in_progress)(void *ctx);
    /* The Raft group as Redis Cluster clients see it (CLUSTER, MOVED): its
     * members (room for SS_MEMBERS_MAX; returns how many), this node's
     * member name, the term, the leader now (0: none) and peer messages. */
    size_t (*members)(void *ctx, ss_member *out);
    const char *(*node_name)(void *ctx);
    void (*cluster_status)(void *ctx, uint64_t *term, uint64_t *leader_id, uint64_t *sent, uint64_t *received);
    /* The connections, through the server. */
    void (*client_list)(void *ctx, ss_buf *out);    /* CLIENT LIST lines */
    void (*info_clients)(void *ctx, ss_buf *out);   /* INFO clients lines */
    void (*info_server)(void *ctx, ss_buf *out);    /* INFO server lines */
    void (*conn_stats)(void *ctx, ss_conn_stats *out);
    /* The engine's own per-connection state (a transaction being queued...),
     * dropped for RESET. */
    void (*reset_session)(void *ctx, ss_session *s);
    /* CLIENT UNBLOCK: 1 if the client was waiting in a blocking command and
     * now is answered (the timeout answer, or -UNBLOCKED when error). */
    int (*unblock)(void *ctx, uint64_t id, bool error);
    /* Stops the process cleanly (SHUTDOWN). */
    void (*shutdown)(void *ctx);
    /* Scripts and functions: the apply (or read) half of the engine's
     * scripting entries and of SCRIPT EXISTS, FUNCTION LIST/DUMP/STATS
     * (ss_exec_ctx is command.h's). */
    void (*script)(void *ctx, struct ss_exec_ctx *x, const struct ss_args *a);
    /* WAIT / WAITAOF queued in MULTI: answered at once inside EXEC (Redis's
     * CLIENT_DENY_BLOCKING), the count for the EXEC's own entry. */
    void (*wait_exec)(void *ctx, struct ss_exec_ctx *x, const struct ss_args *a);
    /* CONFIG SET tls-*: every TLS context (client port, raft port) built
     * again from cfg; SS_OK, or an error (errmsg) with the old ones kept. */
    int (*tls_reload)(void *ctx, char *errmsg);
    /* CLIENT TRACKING (the engine's tracking.c): whether a client id is
     * connected to this node; tracking on for s with options (SS_TRACK_*
     * of session.h) and n BCAST prefixes added to those it has (SS_OK or
     * SS_ENOMEM); off; how many clients track, keys are remembered, (key,
     * client) pairs they hold and BCAST prefixes are known (INFO). */
    bool (*client_exists)(void *ctx, uint64_t id);
    int (*tracking_on)(void *ctx, ss_session *s, uint64_t redirect, uint32_t options, char *const *prefixes,
                       const size_t *lens, size_t n);
    void (*tracking_off)(void *ctx, ss_session *s);
    void (*tracking_counts)(void *ctx, size_t *clients, size_t *keys, size_t *items, size_t *prefixes);
    /* CLIENT KILL and CLIENT LIST TYPE: the clients of this node f picks
     * (asked by self) are closed (kill; self after its reply) or listed into
     * out (CLIENT LIST lines); returns how many. */
    size_t (*clients)(void *ctx, const ss_client_filter *f, const ss_session *self, bool kill, ss_buf *out);
    /* CLIENT PAUSE until end_ms (wall clock; extends a pause, never
     * shortens it), of every command (all) or of writes; UNPAUSE. */
    void (*pause)(void *ctx, int64_t end_ms, bool all);
    void (*unpause)(void *ctx);
    /* MONITOR: s gets every command this node runs from now on (SS_OK or SS_ENOMEM). */
    int (*monitor)(void *ctx, ss_session *s);
    /* The users changed (an `__acl` entry's apply): the connections that
     * may no longer stay (ss_acl_session_keeps) are closed at once, the one
     * whose entry it is after its reply. */
    void (*acl_changed)(void *ctx, bool every_user);
} ss_node_ops;

typedef struct ss_node {
    ss_config *cfg;
    ss_store *store;
    ss_pubsub *pubsub;          /* this node's subscriptions (commands/pubsub.h) */
    struct ss_acl *acl;         /* the ACL users at the applied index, and the ACL LOG (commands/acl.h) */
    struct ss_access *access;   /* this node's access times and LFU counters (commands/access.h); may be NULL */
    ss_node_stats stats;
    ss_info_state info;
    const ss_node_ops *ops;
    void *ctx;                  /* the ops' first argument */
} ss_node;

static inline bool ss_node_is_leader(ss_node *n) { return n->ops->is_leader(n->ctx); }
static inline const char *ss_node_leader_addr(ss_node *n) { return n->ops->leader_addr(n->ctx); }

#endif

/* The engine's private state, shared by its files (see the list in engine.c). */
#ifndef SS_ENGINE_INTERNAL_H
#define SS_ENGINE_INTERNAL_H

#include "common/histogram.h"
#include "engine/engine.h"
#include "scripting/script.h"
#include "commands/pubsub.h"
#include "common/dict.h"

enum { KIND_NONE = 0, KIND_READ = 1, KIND_WRITE = 2 };

/* The largest entry an engine without a cluster (the test bench) proposes:
 * the raft log's own limit. With a cluster, the cluster says. */
#define SS_ENGINE_MAX_ENTRY_DEFAULT (512ull << 20)

/* A write waiting for its entry to be applied on this node. */
typedef struct ss_blocked ss_blocked;
typedef struct propose_req propose_req;
typedef struct local_reply local_reply;

typedef struct pending_write {
    uint64_t seq;
    ss_session *s;
    void *cookie;
    int64_t deadline_ms;  /* wall clock */
    resp_proto proto;     /* the client's protocol when it sent the write: its reply's shape */
    bool handed;          /* the cluster accepted it: a leader change makes its outcome unknown */
    bool done;
    ss_blocked *block;    /* a blocking command's pop (blocking.c), or NULL */
    uint64_t start_ns;    /* monotonic: when it was proposed (commit latency) */
    int exec_db;          /* a watched EXEC's SELECT: the session's db if it ran (-1: none) */
} pending_write;

struct ss_queued_cmd {
    ss_args *a;               /* a deep copy (ss_args_copy) */
    const ss_command *cmd;
};

struct ss_engine {
    uv_loop_t *loop;
    ss_config *cfg;
    ss_store *store;
    ss_cluster *cluster;
    ss_engine_hooks hooks;
    ss_node node;             /* what commands see of this node (engine.c) */
    void (*on_shutdown)(void *arg);
    void *on_shutdown_arg;
    uint64_t boot_id;
    uint64_t max_entry;       /* bytes: bigger writes are refused at prepare */
    uint64_t next_seq;
    uint64_t rng;

    /* Pending writes ordered by seq (a ring; seqs only grow, so lookup is a
     * binary search and timeouts are found at the head). */
    pending_write *pw;
    size_t pw_head, pw_len, pw_cap;

    /* Active expiry: one deletion proposal in flight at a time. */
    bool expire_in_flight;
    uint64_t expire_seq;

    /* Clients waiting in a blocking command (blocking.c). */
    ss_blocked *blocked;
    size_t nblocked;              /* in the wait list */
    size_t nblocking;             /* waiting or with a pop in flight */
    size_t ngroup_blocking;       /* of which XREADGROUPs (their stream's deletion answers them) */
    uint64_t block_order;

    /* Keyspace events and pub/sub (events.c, pubsub.c). */
    ss_pubsub *pubsub;
    ss_exec_events apply_events;  /* what apply tells the node, queued until commit */
    ss_exec_events read_events;   /* what reads raise (keymiss), delivered at once */
    ss_buf ev_queue;              /* messages of the apply run in progress */
    size_t ev_sent;               /* bytes of ev_queue delivered */
    ss_buf ready_queue;           /* keys the run signaled ready: u8 db, u32 len, key */
    ss_buf gone_check;            /* keys the entry being applied changed, while XREADGROUPs block (events.c) */
    ss_buf access_check;          /* keys the entry being applied changed: their access entries (events.c) */
    int64_t pause_end_ms;         /* CLIENT PAUSE: until then (wall clock; 0: none) */
    bool pause_all;               /* ...of every command, not only writes */
    uint64_t apply_origin;        /* the session of this node whose entry is being applied (0: none) */

    ss_dict *monitors;            /* MONITOR: id -> session (monitor.c) */
    const ss_command *monitor_next; /* shown once its dispatch is not put off */

    /* CLIENT TRACKING (tracking.c). */
    ss_dict *sessions;            /* id -> every session of this node */
    ss_dict *track_clients;       /* id -> sessions with tracking on */
    ss_dict *track_keys;          /* key -> ids that read it */
    ss_dict *track_prefixes;      /* BCAST prefix -> its clients and keys to send */
    size_t track_items;           /* (key, id) pairs in track_keys: INFO's tracking_total_items */
    bool bcast_pending;
    ss_buf track_self;            /* invalidations for the writer itself, sent after its reply */
    uint64_t track_self_origin;

    uv_timer_t timer;
    uv_idle_t sweeper;
    int open_handles;
    bool stopping;
    bool sweep_idle;      /* nothing to sweep until the next apply */
    ss_buf scratch;       /* replies produced by apply */
    struct ss_admin_call *admin_calls; /* RAFT.* forwarded to the leader, joins (admin_call.c) */
    struct migrate_op *migrations;     /* MIGRATEs talking to their targets (migrate.c) */
    struct join_state *join;           /* RAFT.CLUSTER JOIN or the join directive under way (join.c) */
    ss_hist commit_ns;    /* a client's write from proposal to its reply here (metrics.c) */
    ss_buf entry_buf;     /* the entry being proposed (propose.c) */
    propose_req *free_reqs;   /* propose.c's spare records */
    size_t nfree_reqs;
    local_reply *mine;        /* apply.c: the replies of a batch owed here */
    size_t mine_cap;

    /* Lua: one environment touched only by applied entries (write scripts,
     * library loads), so its state follows the log on every node, and one
     * for read-only scripts and the checks made at prepare. */
    ss_script_env *lua_apply;
    ss_script_env *lua_read;
    /* A read-only script running on its own thread (script_busy.c). */
    struct ss_busy_state *busy;
    /* WAIT / WAITAOF's clients and their timer, running while any waits (wait.c). */
    struct ss_wait_state *waits;
    uv_timer_t wait_timer;
    /* CONFIG REWRITE: the file the node started with ("": none) and the
     * rewrites under way (config_rewrite.c). */
    char config_file[4096];
    struct rewrite_job *rewrites;
};

/* A fresh value from the engine's local PRNG (seeds for entries and reads). */
uint64_t ss_engine_rand(ss_engine *e);
/* Asks main to stop the process (SHUTDOWN, fatal cluster errors). */
void ss_engine_request_shutdown(ss_engine *e);

/* Async bookkeeping (engine.c). */
void *ss_engine_begin_async(ss_engine *e, ss_session *s, int kind);
void ss_engine_finish_async(ss_engine *e, ss_session *s, void *cookie, const char *reply, size_t len);
void ss_engine_finish_error(ss_engine *e, ss_session *s, void *cookie, ss_reply_err_code code, ...);

/* pending.c: writes waiting for their entry to be applied here. */
bool ss_pending_add(ss_engine *e, uint64_t seq, ss_session *s, int64_t deadline_ms);
pending_write *ss_pending_find(ss_engine *e, uint64_t seq);
pending_write *ss_pending_last(ss_engine *e);
void ss_pending_finish_err(ss_engine *e, pending_write *p, ss_reply_err_code code);
void ss_pending_complete(ss_engine *e, uint64_t seq, const char *reply, size_t len);
void ss_pending_fail_all(ss_engine *e, ss_reply_err_code code, bool handed_only);
void ss_pending_expire(ss_engine *e, int64_t now_ms);
/* Writes handed to the cluster wait until deadline_ms at the latest (then
 * TRYAGAIN, outcome unknown). */
void ss_pending_hurry_handed(ss_engine *e, int64_t deadline_ms);

/* propose.c: a write becomes a log entry. */
void ss_propose_release(ss_engine *e);
ss_dispatch_result ss_write_propose(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds,
                                    uint8_t flags, ss_buf *out);
/* Proposes a waiting blocking command again, for the same reply slot. */
bool ss_write_propose_again(ss_engine *e, ss_session *s, void *cookie, const ss_args *a, int db, ss_blocked *b);
/* Proposes an entry made by the server itself (no client waits). */
void ss_write_propose_internal(ss_engine *e, const ss_args *cmd);

/* expire.c: active expiry and the background sweep, on the engine's timers. */
void ss_engine_on_timer(uv_timer_t *t);
void ss_engine_on_sweep(uv_idle_t *h);

/* read_barrier.c: a read waits for ReadIndex, then runs. A joinable read
 * (a lone command, not WATCH) may share the request of the read its session
 * sent just before, when ss_engine_dispatch ran nothing in between. */
typedef struct read_req read_req;
ss_dispatch_result ss_read_start(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds,
                                 bool multi, bool joinable, ss_buf *out);
/* A blocked XREAD's read (blocking.c): its answer goes to
 * ss_blocking_on_read. *cookie NULL: the reply slot is reserved now. False
 * if out of memory (nothing started). */
bool ss_read_blocked(ss_engine *e, ss_session *s, void **cookie, const ss_args *a, int db, resp_proto proto,
                     ss_blocked *b);

/* execute.c: commands run against the store, in a read or an apply. */
void ss_read_exec(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds, bool multi,
                  ss_buf *out);
/* Runs one command (read or apply) in ctx, replying an error for anything
 * that is not a keyspace command. */
void ss_exec_one(ss_exec_ctx *ctx, const ss_args *a);
/* Deep copies of argument vectors in one allocation (free with free()). */
ss_args *ss_args_copy(const ss_args *cmds, uint32_t ncmds);

/* multi.c: MULTI EXEC DISCARD WATCH UNWATCH. */
ss_dispatch_result ss_multi_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                    ss_buf *out);
ss_dispatch_result ss_multi_queue(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                  ss_buf *out);
void ss_multi_discard(ss_session *s);
/* WATCH's read half (after the barrier): fills in the watched keys' digests. */
void ss_multi_watch_read(ss_exec_ctx *ctx, ss_session *s, const ss_args *a);
bool ss_multi_is_watch(const ss_args *a);
/* Apply: whether every key of a watched EXEC still has its digest. */
bool ss_multi_watch_holds(ss_exec_ctx *ctx, const ss_args *check);

/* join.c: RAFT.CLUSTER JOIN and the join directive. */
#define SS_JOIN_PROOF_LEN 64
/* The hex proof a joining node sends with RAFT.NODE ADD ... JOIN. */
void ss_join_proof(const char *secret, const char *cluster_id, uint64_t id, const char *raft_addr,
                   char out[SS_JOIN_PROOF_LEN + 1]);
ss_dispatch_result ss_join_command(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out);
/* At start: the join directive, unless this node is a member already. */
void ss_join_directive(ss_engine *e);
/* Ends a join under way (the node stops). */
void ss_join_stop(ss_engine *e);
/* scripts.c: EVAL*, SCRIPT, FUNCTION, FCALL* from clients. */
/* membership.c: RAFT.NODE and RAFT.TRANSFER_LEADER (CMD_MEMBERSHIP rows). */
/* acl.c: ACL SETUSER DELUSER LOAD through the log; the users from the store. */
ss_dispatch_result ss_acl_dispatch(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                   ss_buf *out);
int ss_engine_acl_reload(ss_engine *e);
/* AUTH and HELLO ... AUTH in a cluster: false if the login may be decided
 * now (its read barrier passed, or none is needed); else true with *r
 * (SS_DISPATCH_BLOCKED while the barrier is out, or the barrier's error). */
bool ss_acl_login_waits(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a, ss_buf *out,
                        ss_dispatch_result *r);

ss_dispatch_result ss_membership_dispatch(ss_engine *e, ss_session *s, const ss_command *cmd,
                                          const ss_args *a, ss_buf *out);
ss_dispatch_result ss_script_dispatch(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                      ss_buf *out);
/* script_exec.c: the node's script service (apply and read halves). */
void ss_script_service(void *ctx, ss_exec_ctx *x, const ss_args *a);
/* The limits scripts run under now (config). */
ss_script_limits ss_script_config_limits(const ss_engine *e);
/* blocking.c */
/* Whether blocking.c makes cmd wait: the list and sorted set pops, and
 * XREAD / XREADGROUP with a BLOCK option. */
bool ss_blocking_handles(const ss_command *cmd, const ss_args *a);
/* XREAD BLOCK's read answered (reply NULL: past the reply limit) or failed. */
void ss_blocking_on_read(ss_engine *e, ss_blocked *b, const char *reply, size_t len);
void ss_blocking_read_failed(ss_engine *e, ss_blocked *b, ss_reply_err_code code);
ss_dispatch_result ss_blocking_start(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out);
/* A blocking command's entry was applied: answers it or makes it wait. */
bool ss_blocking_on_reply(ss_engine *e, pending_write *p, const char *reply, size_t len);
void ss_blocking_failed(ss_engine *e, pending_write *p);
void ss_blocking_ready(ss_engine *e, int db, const char *key, size_t klen);
void ss_blocking_expire(ss_engine *e, int64_t now_ms);
int ss_blocking_unblock(ss_engine *e, uint64_t id, bool error);
void ss_blocking_leave(ss_engine *e, ss_session *s);
/* The stream key (NULL: every key of db; db -1: of every db) an entry left
 * missing or of another type: its waiting XREADGROUPs answer Redis 7.0's
 * -UNBLOCKED at once. */
void ss_blocking_stream_gone(ss_engine *e, int db, const char *key, size_t klen);
/* Calls fn for every key a waiting XREADGROUP in db (-1: any) waits on. */
void ss_blocking_each_group_key(ss_engine *e, int db, void (*fn)(void *ud, int db, const char *key, size_t klen),
                                void *ud);
/* Calls fn for each key a waiter of db blocks on (a key may come more than
 * once), with the type its command takes (an ss_type); fn must not unblock anyone. */
void ss_blocking_each_key(ss_engine *e, int db,
                          void (*fn)(void *ud, int db, const char *key, size_t klen, int want), void *ud);

/* events.c: apply's listener. A run's messages are queued, then delivered
 * (up to a mark, in order) once it is committed, or discarded. */
void ss_events_init(ss_engine *e);
void ss_events_release(ss_engine *e);
void ss_events_begin_run(ss_engine *e);
size_t ss_events_mark(const ss_engine *e);
void ss_events_deliver(ss_engine *e, size_t upto);
void ss_events_discard(ss_engine *e);
/* After the run's replies: wakes the clients blocked on the keys it made ready. */
void ss_events_wake_ready(ss_engine *e);
/* After each entry's commands (txn: the run's): queues, in the entry's
 * place, the deletion of the stream keys it left missing or retyped. */
void ss_events_end_entry(ss_engine *e, ss_txn *txn, uint64_t index);

/* tracking.c: CLIENT TRACKING's tables and invalidation messages. */
int ss_tracking_init(ss_engine *e);
void ss_tracking_release(ss_engine *e);
void ss_tracking_session_add(ss_engine *e, ss_session *s);
void ss_tracking_session_closing(ss_engine *e, ss_session *s);
void ss_tracking_session_remove(ss_engine *e, ss_session *s);
/* A command is dispatched for s: its keys are remembered if it reads and
 * the client tracks them; CLIENT CACHING's one-command flag is used up. */
void ss_tracking_dispatched(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a);
/* A read dispatched with s->track_read ran: its keys are remembered now,
 * before any later entry applies (Redis remembers them in call()). */
void ss_tracking_read(ss_engine *e, ss_session *s, const ss_args *a);
/* After each command (not one that waits to be dispatched again). */
void ss_tracking_command_done(ss_session *s, const ss_args *a);
/* Whether a change must be queued for tracking at all. */
bool ss_tracking_active(const ss_engine *e);
/* Delivery (events.c), after the commit: a key changed by the entry of
 * session origin (0: none here); FLUSHDB/FLUSHALL; BCAST messages out. */
void ss_tracking_invalidate(ss_engine *e, const char *key, size_t klen, uint64_t origin);
void ss_tracking_flushed(ss_engine *e, uint64_t origin);
void ss_tracking_flush_bcast(ss_engine *e);
/* After the reply to an entry's writer: the invalidations of its own keys. */
void ss_tracking_after_reply(ss_engine *e);
/* Node services (ss_node_ops). */
bool ss_tracking_client_exists(void *ctx, uint64_t id);
int ss_tracking_on(void *ctx, ss_session *s, uint64_t redirect, uint32_t options, char *const *prefixes,
                   const size_t *lens, size_t n);
void ss_tracking_off(void *ctx, ss_session *s);
void ss_tracking_counts(void *ctx, size_t *clients, size_t *keys, size_t *items, size_t *prefixes);

/* monitor.c: MONITOR. */
int ss_monitor_add(ss_engine *e, ss_session *s);
void ss_monitor_remove(ss_engine *e, ss_session *s);
void ss_monitor_release(ss_engine *e);
bool ss_monitor_any(const ss_engine *e);
/* A command of a client of this node, as it is dispatched. */
void ss_monitor_command(ss_engine *e, const ss_session *s, const ss_command *cmd, const ss_args *a);
/* A command a script runs through redis.call, on the loop thread. */
void ss_monitor_script(ss_engine *e, int db, const ss_command *cmd, const ss_args *a);
/* The line of that command appended to line (any thread; nothing for a
 * command MONITOR does not show); lines made so sent to every monitor. */
void ss_monitor_format(ss_buf *line, int db, const char *who, const ss_command *cmd, const ss_args *a);
void ss_monitor_push(ss_engine *e, const char *lines, size_t len);
/* A command of an entry another node proposed, as this node applies it. */
void ss_monitor_applied(ss_engine *e, int db, uint64_t origin_node, const ss_args *a);

/* migrate.c: MIGRATE (CMD_MIGRATE rows); end_all answers those under way
 * (the node stops). */
ss_dispatch_result ss_migrate_dispatch(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out);
void ss_migrate_end_all(ss_engine *e);

/* config_rewrite.c: CONFIG REWRITE on a thread; the timer answers it when done. */
ss_dispatch_result ss_config_rewrite_dispatch(ss_engine *e, ss_session *s, ss_buf *out);
void ss_config_rewrite_poll(ss_engine *e);
/* Stopping: waits for the rewrites under way and answers them. */
void ss_config_rewrite_stop(ss_engine *e);

/* wait.c: WAIT and WAITAOF (CMD_ENGINE_ASYNC rows). */
/* WAIT / WAITAOF in EXEC (ss_node_ops.wait_exec). */
void ss_wait_exec(void *ctx, struct ss_exec_ctx *x, const struct ss_args *a);
ss_dispatch_result ss_wait_dispatch(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                    ss_buf *out);
/* Answers the waits whose count is reached or whose time is up. */
void ss_wait_check(ss_engine *e);
/* A closing client's WAIT is answered now (with the count so far). */
void ss_wait_session_closing(ss_engine *e, ss_session *s);
/* CLIENT UNBLOCK of a client in WAIT: 1 if it was (answered its count, or
 * the UNBLOCKED error), else 0. */
int ss_wait_unblock(ss_engine *e, uint64_t id, bool error);
/* Stopping: every WAIT is answered. */
void ss_wait_stop(ss_engine *e);
void ss_wait_release(ss_engine *e);

/* pause.c: CLIENT PAUSE. */
void ss_pause_set(void *ctx, int64_t end_ms, bool all);
void ss_pause_end(void *ctx);
/* Whether a pause lasts (one past its time ends here, waking its clients). */
bool ss_pause_active(ss_engine *e);
/* Whether cmd must wait for the pause to end. */
bool ss_pause_blocks(ss_engine *e, const ss_session *s, const ss_command *cmd, const ss_args *a);

/* snapshot.c: the state machine's snapshot hooks (store snapshot files). */
void ss_engine_snapshot_hooks(ss_state_machine *sm);

#endif

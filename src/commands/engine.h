/* The command engine: routes each command to a local handler, a read barrier or the Raft log, and applies committed entries. */
#ifndef SS_ENGINE_H
#define SS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "cluster/cluster.h"
#include "commands/command.h"
#include "common/config.h"
#include "server/buf.h"
#include "server/resp.h"
#include "store/store.h"

#define SS_SESSION_NAME_MAX 128
#define SS_MULTI_MAX_QUEUED 100000   /* commands one MULTI may queue */

typedef struct ss_queued_cmd ss_queued_cmd;

/*
 * Per-connection command state. The server owns the memory (embedded in its
 * client) and must keep it alive while `pending` > 0: the engine completes
 * every async command exactly once, even for a client that has gone.
 */
struct ss_session {
    uint64_t id;
    int db;
    resp_proto proto;
    bool authenticated;
    bool close_after_reply;     /* QUIT, or a fatal error for this client */
    char name[SS_SESSION_NAME_MAX];
    char lib_name[SS_SESSION_NAME_MAX];
    char lib_ver[SS_SESSION_NAME_MAX];
    char addr[64];
    char laddr[64];
    int64_t created_ms;
    int64_t last_interaction_ms;
    char last_cmd[32];

    /* Async commands in flight, all of one kind: writes may pipeline behind
     * writes and reads behind reads, but a read never overtakes the writes
     * sent before it (nor a write the reads), which keeps a pipeline's replies
     * and effects in the order the client sent them. */
    int pending;
    int pending_kind;

    /* MULTI: commands queued until EXEC. */
    bool in_multi;
    bool multi_dirty;           /* an error while queueing: EXEC aborts */
    ss_queued_cmd *queued;
    int nqueued;
    int queued_cap;
    size_t queued_bytes;
};

void ss_session_init(ss_session *s, uint64_t id, bool authenticated);
void ss_session_release(ss_session *s);
/* The session's part of a CLIENT LIST line (no final newline). */
void ss_session_describe(const ss_session *s, char *line, size_t size);

/* What the server provides to the engine. */
typedef struct ss_engine_hooks {
    void *ctx;
    /* A command is going async: reserve its place in the client's ordered
     * output and return a cookie naming that place. */
    void *(*begin_async)(void *ctx, ss_session *s);
    /* An async command finished: its reply (complete RESP) goes to the place
     * of `cookie`. Called exactly once per begin_async, on the loop thread,
     * possibly before dispatch returns. s->pending is already decremented. */
    void (*complete)(void *ctx, ss_session *s, void *cookie, const char *reply, size_t len);
    /* CLIENT LIST / INFO clients. */
    void (*client_list)(void *ctx, ss_buf *out);
    void (*info_clients)(void *ctx, ss_buf *out);
    void (*info_server)(void *ctx, ss_buf *out);
    /* SHUTDOWN: stop the server cleanly. */
    void (*shutdown)(void *ctx);
} ss_engine_hooks;

typedef enum {
    SS_DISPATCH_DONE = 0,   /* the reply is in out */
    SS_DISPATCH_ASYNC = 1,  /* hooks.begin_async was called; hooks.complete delivers the reply */
    SS_DISPATCH_BLOCKED = 2 /* can't start until s->pending == 0: call again then, same command */
} ss_dispatch_result;

typedef struct ss_engine ss_engine;

int ss_engine_new(uv_loop_t *loop, ss_config *cfg, ss_store *store, const ss_engine_hooks *hooks,
                  ss_engine **out, char *errmsg);
void ss_engine_free(ss_engine *e);

/* The state machine and event handlers to give the cluster; then attach it. */
ss_state_machine ss_engine_state_machine(ss_engine *e);
ss_cluster_events ss_engine_cluster_events(ss_engine *e);
void ss_engine_attach_cluster(ss_engine *e, ss_cluster *c);
/* Starts the engine's timers (request timeouts, active expiry, sweeping). */
void ss_engine_start(ss_engine *e);
/* Fails everything in flight with "shutting down" and stops timers. */
void ss_engine_stop(ss_engine *e);

/* Runs one command for a session. argv stays owned by the caller. */
ss_dispatch_result ss_engine_dispatch(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out);

/* Stats for INFO. */
typedef struct ss_engine_stats {
    uint64_t commands_processed;
    uint64_t writes_proposed;
    uint64_t writes_applied;
    uint64_t reads_served;
    uint64_t keyspace_hits;
    uint64_t keyspace_misses;
    uint64_t expired_keys;
    uint64_t pending_writes;
    uint64_t pending_reads;
} ss_engine_stats;
const ss_engine_stats *ss_engine_get_stats(const ss_engine *e);

/* Accessors for handlers. */
ss_config *ss_engine_config(ss_engine *e);
ss_store *ss_engine_store(ss_engine *e);
ss_cluster *ss_engine_cluster(ss_engine *e);
const ss_engine_hooks *ss_engine_hooks_get(ss_engine *e);
ss_engine_stats *ss_engine_stats_mut(ss_engine *e);

#endif

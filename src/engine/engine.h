/* The command engine: routes each command to a local handler, a read barrier or the Raft log, and applies committed entries. */
#ifndef SS_ENGINE_H
#define SS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "cluster/cluster.h"
#include "commands/command.h"
#include "commands/session.h"
#include "common/config.h"
#include "resp/buf.h"
#include "store/store.h"

#define SS_MULTI_MAX_QUEUED 100000   /* commands one MULTI may queue */

typedef struct ss_engine ss_engine;

/* What the server (the connections) provides to the engine. */
typedef struct ss_engine_hooks {
    void *ctx;
    /* A command is going async: reserve its place in the client's ordered
     * output and return a cookie naming that place. */
    void *(*begin_async)(void *ctx, ss_session *s);
    /* An async command finished: its reply (complete RESP) goes to the place
     * of `cookie`. Called exactly once per begin_async, on the loop thread,
     * possibly before dispatch returns. s->pending is already decremented. */
    void (*complete)(void *ctx, ss_session *s, void *cookie, const char *reply, size_t len);
    /* One more command's reply will come in `cookie`'s, right after what is
     * there (pipelined reads sharing a barrier), so the server counts it as in
     * flight. Optional: without it every command has a place of its own. */
    void (*join_async)(void *ctx, ss_session *s, void *cookie);
    /* CLIENT LIST / INFO clients / INFO server. */
    void (*client_list)(void *ctx, ss_buf *out);
    void (*info_clients)(void *ctx, ss_buf *out);
    void (*info_server)(void *ctx, ss_buf *out);
    void (*conn_stats)(void *ctx, ss_conn_stats *out);
    /* The most bytes the session's next async read reply may take (0: no
     * limit). A read whose reply would pass it is not built whole: complete
     * gets reply == NULL, and the server closes the connection, as Redis does
     * at its hard output-buffer limit. */
    size_t (*reply_limit)(void *ctx, ss_session *s);
    /* Bytes that are already RESP for the session outside any reply: a
     * pub/sub message. The server sends them in order with what it already
     * owes the client (a RESP3 push may overtake replies still being worked
     * on) and drops them for a closing connection. Never reaches back into
     * the engine. */
    void (*push)(void *ctx, ss_session *s, const char *data, size_t len);
    /* A session whose command was answered SS_DISPATCH_BLOCKED may dispatch
     * it again now (a read-only script it waited for ended or became busy).
     * Optional. */
    void (*wake)(void *ctx, ss_session *s);
    /* Certificate reload: the client port's TLS context built again from the
     * configuration (new connections use it); on error errmsg says why and
     * the old one stays. */
    int (*tls_reload)(void *ctx, char *errmsg);
    /* CLIENT KILL / CLIENT LIST TYPE (see ss_node_ops.clients). */
    size_t (*clients)(void *ctx, const ss_client_filter *f, const ss_session *self, bool kill, ss_buf *out);
    /* Commands that waited (SS_DISPATCH_BLOCKED) for a client pause that is
     * over are dispatched again. */
    void (*wake_blocked)(void *ctx);
    /* The users changed: every connection for which keeps() is false is
     * closed at once, except the session whose id is origin (the one whose
     * change it is), which closes once its replies have gone out. */
    void (*acl_sweep)(void *ctx, bool (*keeps)(void *arg, ss_session *s), void *arg, uint64_t origin);
} ss_engine_hooks;

typedef enum {
    SS_DISPATCH_DONE = 0,   /* the reply is in out */
    SS_DISPATCH_ASYNC = 1,  /* hooks.begin_async was called, or (a pipelined read) the reply joins
                             * the session's last async one; hooks.complete delivers it */
    SS_DISPATCH_BLOCKED = 2 /* can't start until s->pending == 0: call again then, same command */
} ss_dispatch_result;

/* Lifecycle, in the order main.c calls it: new (over the store), give the
 * cluster its state machine and events, attach the cluster, let the server
 * set its hooks, start; stop (fails what is in flight), free once the
 * cluster has closed. */
int ss_engine_new(uv_loop_t *loop, ss_config *cfg, ss_store *store, ss_engine **out, char *errmsg);
ss_state_machine ss_engine_state_machine(ss_engine *e);
ss_cluster_events ss_engine_cluster_events(ss_engine *e);
void ss_engine_attach_cluster(ss_engine *e, ss_cluster *c);
void ss_engine_set_hooks(ss_engine *e, const ss_engine_hooks *hooks);
/* The config file the node started with (NULL: none): CONFIG REWRITE's target. */
void ss_engine_set_config_file(ss_engine *e, const char *path);
/* SHUTDOWN, or a fatal cluster error: fn(arg) stops the process cleanly. */
void ss_engine_on_shutdown(ss_engine *e, void (*fn)(void *arg), void *arg);
/* Starts the engine's timers (request timeouts, active expiry, sweeping). */
void ss_engine_start(ss_engine *e);
/* Fails everything in flight with "shutting down" and stops timers. */
void ss_engine_stop(ss_engine *e);
void ss_engine_free(ss_engine *e);

/* Connections: a session per client, set up and torn down through the engine. */
void ss_engine_session_init(ss_engine *e, ss_session *s, uint64_t id);
void ss_engine_session_release(ss_engine *e, ss_session *s);
/* The connection is closing: a blocking command it waits in is dropped, so
 * the replies it is owed can end. */
void ss_engine_session_closing(ss_engine *e, ss_session *s);
/* The session's CLIENT LIST line with the connection's fields (no final newline). */
void ss_engine_session_describe(ss_engine *e, const ss_session *s, const ss_conn_info *conn, char *line,
                                size_t size);
/* Whether a client idle since its last command may be closed for `timeout`
 * (nothing in flight, no transaction open). */
bool ss_engine_session_idle(ss_engine *e, const ss_session *s);
/* Clients of this node with CLIENT TRACKING on (INFO clients' tracking_clients). */
size_t ss_engine_tracking_clients(ss_engine *e);
/* Blocked clients parked in the wait list (INFO's blocked_clients also counts
 * those whose pop or read is still on its way through the log). */
size_t ss_engine_waiting_clients(ss_engine *e);
/* The reply a connection over maxclients gets before it is closed. */
void ss_engine_reply_maxclients(ss_engine *e, ss_buf *out);
/* The reply a non-loopback connection gets in protected mode before it is closed. */
void ss_engine_reply_protected(ss_engine *e, ss_buf *out);
/* Whether the default user needs no password (requirepass empty, or the
 * cluster's own default user is nopass): protected mode's question. */
bool ss_engine_default_nopass(ss_engine *e);

/* The node's figures in Prometheus's text exposition format 0.0.4 (HELP,
 * TYPE and samples of every family), appended to out (metrics.c). */
void ss_engine_metrics(ss_engine *e, ss_buf *out);

/* Runs one command for a session. argv stays owned by the caller. */
ss_dispatch_result ss_engine_dispatch(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out);

#endif

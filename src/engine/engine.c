/* The engine's lifecycle, the node services it gives commands, sessions, and async completion. */
#include "engine/engine.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "commands/access.h"
#include "commands/acl.h"
#include "commands/info.h"
#include "engine/admin_call.h"
#include "engine/engine_internal.h"
#include "engine/script_busy.h"

/*
 * The engine's files, in the order a command crosses them:
 *   dispatch.c      the routing decision: local, transaction, read or write
 *   propose.c       a write becomes a log entry (entry.c) and is proposed
 *   pending.c       writes waiting for their entry to be applied here
 *   apply.c         committed entries applied in one batch; replies released
 *   read_barrier.c  a read waits for ReadIndex, then runs (execute.c)
 *   multi.c         MULTI/EXEC/DISCARD/WATCH
 *   scripts.c       EVAL, SCRIPT, FUNCTION, FCALL: how each travels
 *   script_exec.c   running scripts (apply and read), the script tables
 *   functions.c     FUNCTION libraries: load, list, dump, restore
 *   expire.c        active expiry and the background sweep
 *   snapshot.c      the state machine's snapshot files
 *   tracking.c      CLIENT TRACKING: keys read, invalidations on apply
 *   monitor.c       MONITOR: the commands this node runs, as lines
 *   pause.c         CLIENT PAUSE
 */

uint64_t ss_engine_rand(ss_engine *e)
{
    ss_exec_ctx tmp = {.rng = e->rng};
    uint64_t v = ss_exec_rand(&tmp);
    e->rng = tmp.rng;
    return v;
}

void ss_engine_request_shutdown(ss_engine *e)
{
    if (e->on_shutdown)
        e->on_shutdown(e->on_shutdown_arg);
}

/* ------------------------------------------------- what commands see */

static bool node_is_leader(void *ctx)
{
    ss_engine *e = ctx;
    return e->cluster == NULL || ss_cluster_is_leader(e->cluster);
}

static const char *node_leader_addr(void *ctx)
{
    ss_engine *e = ctx;
    return e->cluster ? ss_cluster_leader_addr(e->cluster) : NULL;
}

static void info_line(void *arg, const char *line) { ss_buf_appendf((ss_buf *)arg, "%s\r\n", line); }

static void node_raft_info(void *ctx, ss_buf *out)
{
    ss_engine *e = ctx;
    if (e->cluster)
        ss_cluster_info(e->cluster, info_line, out);
}

static int node_snapshot_now(void *ctx)
{
    ss_engine *e = ctx;
    return e->cluster ? ss_cluster_snapshot_now(e->cluster) : SS_ESHUTDOWN;
}

static int64_t node_last_snapshot_time(void *ctx)
{
    ss_engine *e = ctx;
    return e->cluster ? ss_cluster_last_snapshot_time(e->cluster) : 0;
}

static bool node_snapshot_in_progress(void *ctx)
{
    ss_engine *e = ctx;
    return e->cluster && ss_cluster_snapshot_in_progress(e->cluster);
}

/* Without a cluster (the test bench), a lone master that knows no name. */
static size_t node_members(void *ctx, ss_member *out)
{
    ss_engine *e = ctx;
    if (e->cluster)
        return ss_cluster_members(e->cluster, out);
    out[0] = (ss_member){.id = e->cfg->node_id, .port = e->cfg->port, .raft_port = e->cfg->raft_port,
                         .self = true, .leader = true, .link_up = true};
    memset(out[0].name, '0', SS_MEMBER_NAME_LEN);
    snprintf(out[0].host, sizeof out[0].host, "%s", e->cfg->bind);
    return 1;
}

static const char *node_name(void *ctx)
{
    ss_engine *e = ctx;
    return e->cluster ? ss_cluster_name(e->cluster) : "0000000000000000000000000000000000000000";
}

static void node_cluster_status(void *ctx, uint64_t *term, uint64_t *leader_id, uint64_t *sent, uint64_t *received)
{
    ss_engine *e = ctx;
    ss_cluster_status st = {.leader_id = e->cfg->node_id};
    if (e->cluster)
        ss_cluster_status_get(e->cluster, &st);
    *term = st.term;
    *leader_id = st.leader_id;
    *sent = st.messages_sent;
    *received = st.messages_received;
}

static void node_client_list(void *ctx, ss_buf *out)
{
    ss_engine *e = ctx;
    if (e->hooks.client_list)
        e->hooks.client_list(e->hooks.ctx, out);
}

static void node_info_clients(void *ctx, ss_buf *out)
{
    ss_engine *e = ctx;
    if (e->hooks.info_clients)
        e->hooks.info_clients(e->hooks.ctx, out);
}

static void node_info_server(void *ctx, ss_buf *out)
{
    ss_engine *e = ctx;
    if (e->hooks.info_server)
        e->hooks.info_server(e->hooks.ctx, out);
}

static void node_conn_stats(void *ctx, ss_conn_stats *out)
{
    ss_engine *e = ctx;
    *out = (ss_conn_stats){0};
    if (e->hooks.conn_stats)
        e->hooks.conn_stats(e->hooks.ctx, out);
}

static int node_monitor(void *ctx, ss_session *s)
{
    return s->monitor ? SS_OK : ss_monitor_add(ctx, s);
}

static void node_reset_session(void *ctx, ss_session *s)
{
    ss_engine *e = ctx;
    ss_monitor_remove(e, s);
    ss_tracking_off(e, s);
    ss_multi_discard(s);
    ss_pubsub_leave(e->pubsub, s);
    ss_blocking_leave(e, s);
}

static size_t node_clients(void *ctx, const ss_client_filter *f, const ss_session *self, bool kill, ss_buf *out)
{
    ss_engine *e = ctx;
    return e->hooks.clients ? e->hooks.clients(e->hooks.ctx, f, self, kill, out) : 0;
}

static void node_shutdown(void *ctx) { ss_engine_request_shutdown(ctx); }

/* The client port first: when it refuses, nothing changed. The raft port's
 * contexts load the same files and more (tls-client-*), so it is the one
 * that may refuse after the client port took the new settings; CONFIG SET
 * then restores the old settings and reloads once more. */
static int node_tls_reload(void *ctx, char *errmsg)
{
    ss_engine *e = ctx;
    int rc = e->hooks.tls_reload ? e->hooks.tls_reload(e->hooks.ctx, errmsg) : SS_OK;
    if (rc == SS_OK && e->cluster)
        rc = ss_cluster_tls_reload(e->cluster, errmsg);
    return rc;
}

static int node_unblock(void *ctx, uint64_t id, bool error)
{
    return ss_blocking_unblock(ctx, id, error) || ss_wait_unblock(ctx, id, error);
}

typedef struct {
    ss_engine *e;
    bool every_user;
} acl_sweep_arg;

static bool acl_keeps(void *arg, ss_session *s)
{
    acl_sweep_arg *a = arg;
    return ss_acl_session_keeps(&a->e->node, s, a->every_user);
}

/* Called in apply on every node, at the entry that changed the users. */
static void node_acl_changed(void *ctx, bool every_user)
{
    ss_engine *e = ctx;
    acl_sweep_arg arg = {e, every_user};
    if (e->hooks.acl_sweep)
        e->hooks.acl_sweep(e->hooks.ctx, acl_keeps, &arg, e->apply_origin);
}

static const ss_node_ops node_ops = {
    .is_leader = node_is_leader,
    .leader_addr = node_leader_addr,
    .raft_info = node_raft_info,
    .snapshot_now = node_snapshot_now,
    .last_snapshot_time = node_last_snapshot_time,
    .snapshot_in_progress = node_snapshot_in_progress,
    .members = node_members,
    .node_name = node_name,
    .cluster_status = node_cluster_status,
    .client_list = node_client_list,
    .info_clients = node_info_clients,
    .info_server = node_info_server,
    .conn_stats = node_conn_stats,
    .reset_session = node_reset_session,
    .shutdown = node_shutdown,
    .script = ss_script_service,
    .unblock = node_unblock,
    .wait_exec = ss_wait_exec,
    .tls_reload = node_tls_reload,
    .client_exists = ss_tracking_client_exists,
    .tracking_on = ss_tracking_on,
    .tracking_off = ss_tracking_off,
    .tracking_counts = ss_tracking_counts,
    .clients = node_clients,
    .pause = ss_pause_set,
    .unpause = ss_pause_end,
    .monitor = node_monitor,
    .acl_changed = node_acl_changed,
};

/* ------------------------------------------------------------ sessions */

void ss_engine_session_init(ss_engine *e, ss_session *s, uint64_t id)
{
    ss_session_init(s, id, false);
    ss_acl_session_start(&e->node, s);
    ss_tracking_session_add(e, s);
}

void ss_engine_session_closing(ss_engine *e, ss_session *s)
{
    ss_blocking_leave(e, s);
    ss_wait_session_closing(e, s);
    ss_busy_forget(e, s);
    ss_tracking_session_closing(e, s);
}

void ss_engine_session_release(ss_engine *e, ss_session *s)
{
    ss_tracking_session_remove(e, s);
    ss_monitor_remove(e, s);
    ss_multi_discard(s);
    ss_pubsub_leave(e->pubsub, s);
    ss_acl_session_login(s, "default", 7); /* frees the user's name */
    free(s->queued);
    s->queued = NULL;
    s->queued_cap = 0;
}

void ss_engine_session_describe(ss_engine *e, const ss_session *s, const ss_conn_info *conn, char *line,
                                size_t size)
{
    (void)e;
    ss_session_describe(s, conn, line, size);
}

bool ss_engine_session_idle(ss_engine *e, const ss_session *s)
{
    (void)e;
    return s->pending == 0 && !s->in_multi;
}

void ss_engine_reply_maxclients(ss_engine *e, ss_buf *out)
{
    (void)e;
    ss_reply_err(out, RERR_MAXCLIENTS);
}

bool ss_engine_default_nopass(ss_engine *e)
{
    ss_acl_set_requirepass(e->node.acl, e->cfg->requirepass);
    const ss_acl_user *u = ss_acl_find(e->node.acl, "default", 7);
    return u == NULL || ss_acl_user_nopass(u);
}

void ss_engine_reply_protected(ss_engine *e, ss_buf *out)
{
    (void)e;
    /* Longer than ss_reply_err's formatting buffer, and nothing to format. */
    resp_add_error(out, ss_reply_err_text(RERR_DENIED_PROTECTED));
}

/* --------------------------------------------------- async completion */

void *ss_engine_begin_async(ss_engine *e, ss_session *s, int kind)
{
    s->pending++;
    s->pending_kind = kind;
    return e->hooks.begin_async(e->hooks.ctx, s);
}

void ss_engine_finish_async(ss_engine *e, ss_session *s, void *cookie, const char *reply, size_t len)
{
    s->pending--;
    if (s->pending == 0)
        s->pending_kind = KIND_NONE;
    e->hooks.complete(e->hooks.ctx, s, cookie, reply, len);
}

void ss_engine_finish_error(ss_engine *e, ss_session *s, void *cookie, ss_reply_err_code code, ...)
{
    ss_buf b;
    ss_buf_init(&b, 0);
    if (code == RERR_ENTRY_TOOBIG) {
        ss_reply_err(&b, code, (unsigned long long)e->max_entry);
    } else {
        ss_reply_err(&b, code, "");
    }
    ss_engine_finish_async(e, s, cookie, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
}

/* ---------------------------------------------------------- lifecycle */

static void push_message(void *arg, ss_session *s, const char *data, size_t len)
{
    ss_engine *e = arg;
    if (e->hooks.push)
        e->hooks.push(e->hooks.ctx, s, data, len);
}

int ss_engine_new(uv_loop_t *loop, ss_config *cfg, ss_store *store, ss_engine **out, char *errmsg)
{
    ss_engine *e = calloc(1, sizeof *e);
    if (!e)
        return ss_errf(errmsg, SS_ENOMEM, "engine: out of memory");
    e->loop = loop;
    e->cfg = cfg;
    e->store = store;
    e->node = (ss_node){.cfg = cfg, .store = store, .ops = &node_ops, .ctx = e};
    /* A boot id distinct across restarts of this node: entries proposed by an
     * earlier life must never match a request of this one. */
    e->rng = (uint64_t)ss_clock_wall_us() ^ ss_clock_mono_ns() ^ ((uint64_t)getpid() << 32);
    e->boot_id = ss_engine_rand(e) | 1;
    e->max_entry = SS_ENGINE_MAX_ENTRY_DEFAULT;
    ss_buf_init(&e->scratch, 0);
    ss_buf_init(&e->entry_buf, 0);
    ss_script_limits limits = ss_script_config_limits(e);
    e->lua_apply = ss_script_env_new(&limits);
    e->lua_read = ss_script_env_new(&limits);
    if (!e->lua_apply || !e->lua_read) {
        ss_script_env_free(e->lua_apply);
        ss_script_env_free(e->lua_read);
        free(e);
        return ss_errf(errmsg, SS_ENOMEM, "engine: out of memory for the Lua environments");
    }
    e->pubsub = ss_pubsub_new(push_message, e);
    if (!e->pubsub) {
        ss_script_env_free(e->lua_apply);
        ss_script_env_free(e->lua_read);
        free(e);
        return ss_errf(errmsg, SS_ENOMEM, "engine: out of memory");
    }
    e->node.pubsub = e->pubsub;
    /* Keys loaded at start count as accessed now (Redis's objects loaded
     * from an RDB get the load time); out of memory, no tracking. */
    e->node.access = ss_access_new(ss_clock_wall_ms(), ss_engine_rand(e));
    e->node.acl = ss_acl_new();
    ss_engine_acl_reload(e); /* the users the store holds at its applied index */
    if (ss_tracking_init(e) != SS_OK) {
        ss_tracking_release(e);
        ss_access_free(e->node.access);
        ss_acl_free(e->node.acl);
        ss_pubsub_free(e->pubsub);
        ss_script_env_free(e->lua_apply);
        ss_script_env_free(e->lua_read);
        free(e);
        return ss_errf(errmsg, SS_ENOMEM, "engine: out of memory");
    }
    ss_events_init(e);
    uv_timer_init(loop, &e->timer);
    e->timer.data = e;
    uv_timer_init(loop, &e->wait_timer);
    e->wait_timer.data = e;
    uv_idle_init(loop, &e->sweeper);
    e->sweeper.data = e;
    *out = e;
    return SS_OK;
}

void ss_engine_attach_cluster(ss_engine *e, ss_cluster *c)
{
    e->cluster = c;
    e->max_entry = ss_cluster_max_entry_size(c);
}
void ss_engine_set_hooks(ss_engine *e, const ss_engine_hooks *hooks) { e->hooks = *hooks; }

void ss_engine_set_config_file(ss_engine *e, const char *path)
{
    char abs[PATH_MAX];
    if (path && *path && realpath(path, abs))
        path = abs;
    snprintf(e->config_file, sizeof e->config_file, "%s", path ? path : "");
}

void ss_engine_on_shutdown(ss_engine *e, void (*fn)(void *arg), void *arg)
{
    e->on_shutdown = fn;
    e->on_shutdown_arg = arg;
}

void ss_engine_start(ss_engine *e)
{
    uv_timer_start(&e->timer, ss_engine_on_timer, 100, 100);
    uv_idle_start(&e->sweeper, ss_engine_on_sweep);
    ss_join_directive(e);
}

void ss_engine_stop(ss_engine *e)
{
    e->stopping = true;
    ss_admin_call_end_all(&e->admin_calls, "the node is shutting down");
    ss_migrate_end_all(e);
    ss_join_stop(e);
    ss_busy_stop(e); /* a read-only script is killed and answers */
    ss_busy_resume(e); /* the reads that waited for it run (inline now) */
    uv_timer_stop(&e->timer);
    uv_idle_stop(&e->sweeper);
    ss_wait_stop(e);
    ss_config_rewrite_stop(e);
    /* A write already handed to Raft may still commit (it may even be
     * durable on a majority): its outcome is unknown, never "failed". */
    ss_pending_fail_all(e, RERR_SHUTDOWN_UNKNOWN, false);
}

static void free_after_close(uv_handle_t *h)
{
    ss_engine *e = h->data;
    if (--e->open_handles == 0) {
        ss_buf_release(&e->scratch);
        ss_propose_release(e);
        free(e->mine);
        ss_slowlog_release(&e->node);
        ss_script_env_free(e->lua_apply);
        ss_script_env_free(e->lua_read);
        ss_busy_release(e);
        ss_wait_release(e);
        ss_events_release(e);
        ss_tracking_release(e);
        ss_monitor_release(e);
        ss_pubsub_free(e->pubsub);
        ss_access_free(e->node.access);
        ss_acl_free(e->node.acl);
        free(e->pw);
        free(e);
    }
}

void ss_engine_free(ss_engine *e)
{
    if (!e)
        return;
    ss_admin_call_end_all(&e->admin_calls, NULL);
    e->open_handles = 3;
    uv_close((uv_handle_t *)&e->wait_timer, free_after_close);
    uv_close((uv_handle_t *)&e->timer, free_after_close);
    uv_close((uv_handle_t *)&e->sweeper, free_after_close);
}

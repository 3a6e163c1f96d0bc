/* The RESP server: one libuv loop, a TCP listener and the client connections. */
#include "server/server.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/metrics_http.h"
#include "server/server_internal.h"

#define SS_VERSION "0.1.0"

static ss_client *client_of(ss_session *s)
{
    return (ss_client *)((char *)s - offsetof(ss_client, session));
}

/* ------------------------------------------------------- engine hooks */

static void *hook_begin_async(void *ctx, ss_session *s)
{
    (void)ctx;
    return ss_client_begin_async(client_of(s));
}

static void hook_complete(void *ctx, ss_session *s, void *cookie, const char *reply, size_t len)
{
    (void)ctx;
    ss_client_complete(client_of(s), cookie, reply, len);
}

static void hook_join_async(void *ctx, ss_session *s, void *cookie)
{
    (void)ctx;
    ss_client_join_async(client_of(s), cookie);
}

static size_t hook_reply_limit(void *ctx, ss_session *s)
{
    (void)ctx;
    return ss_client_reply_budget(client_of(s));
}

static void hook_push(void *ctx, ss_session *s, const char *data, size_t len)
{
    (void)ctx;
    ss_client_push(client_of(s), data, len);
}

static void hook_wake(void *ctx, ss_session *s)
{
    (void)ctx;
    ss_client_ready(client_of(s));
}

static void hook_client_list(void *ctx, ss_buf *out)
{
    ss_server *srv = ctx;
    for (ss_client *c = srv->clients; c; c = c->next)
        ss_client_describe(c, out);
}

/* CLIENT KILL and CLIENT LIST TYPE. A killed client closes at once, as
 * Redis frees it; the one that asks, after its reply. */
static size_t hook_clients(void *ctx, const ss_client_filter *f, const ss_session *self, bool kill, ss_buf *out)
{
    ss_server *srv = ctx;
    size_t n = 0;
    for (ss_client *c = srv->clients; c; c = c->next) {
        if (c->closing || !ss_session_matches(&c->session, f, self))
            continue;
        n++;
        if (!kill)
            ss_client_describe(c, out);
        else if (&c->session == self)
            c->session.close_after_reply = true;
        else
            ss_client_close(c);
    }
    return n;
}

/* The users changed (engine: an ACL entry applied): Redis 7.0 closes the
 * connections of a deleted user, and subscribers whose channels are no
 * longer allowed, at once; the connection that asked hears its reply first. */
static void hook_acl_sweep(void *ctx, bool (*keeps)(void *arg, ss_session *s), void *arg, uint64_t origin)
{
    ss_server *srv = ctx;
    for (ss_client *c = srv->clients; c; c = c->next) {
        if (c->closing || keeps(arg, &c->session))
            continue;
        if (c->session.id == origin)
            ss_client_close_after_replies(c);
        else
            ss_client_close(c);
    }
}

/* A CLIENT PAUSE ended: the clients whose command waited for it run it. */
static void hook_wake_blocked(void *ctx)
{
    ss_server *srv = ctx;
    for (ss_client *c = srv->clients; c; c = c->next)
        if (c->blocked && !c->closing)
            ss_client_ready(c);
}

/* Redis 7.0's clients section. The largest buffers are those of the
 * connections open now (Redis keeps the largest of the last few seconds). */
static void hook_info_clients(void *ctx, ss_buf *out)
{
    ss_server *srv = ctx;
    size_t blocked = 0, max_in = 0, max_out = 0;
    for (ss_client *c = srv->clients; c; c = c->next) {
        blocked += c->session.blocked; /* BLPOP and friends waiting, as Redis counts */
        size_t in = ss_client_query_bytes(c), o = ss_client_output_bytes(c);
        max_in = in > max_in ? in : max_in;
        max_out = o > max_out ? o : max_out;
    }
    ss_buf_appendf(out, "connected_clients:%zu\r\ncluster_connections:0\r\nmaxclients:%d\r\n"
                        "client_recent_max_input_buffer:%zu\r\nclient_recent_max_output_buffer:%zu\r\n"
                        "blocked_clients:%zu\r\ntracking_clients:%zu\r\nclients_in_timeout_table:0\r\n"
                        "waiting_clients:%zu\r\n", /* sandstore's: blocked and parked, none in flight */
                   srv->nclients, srv->cfg->maxclients, max_in, max_out, blocked,
                   ss_engine_tracking_clients(srv->engine), ss_engine_waiting_clients(srv->engine));
}

/* The lines of Redis 7.0's server section that mean something here, in its
 * order, with sandstore's own (version, raft_port) among them. */
static void hook_info_server(void *ctx, ss_buf *out)
{
    ss_server *srv = ctx;
    struct utsname u;
    uname(&u);
    int64_t now_us = ss_clock_wall_us();
    int64_t up = (now_us / 1000 - srv->start_ms) / 1000;
    char exe[1024] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    ss_buf_appendf(out,
                   "redis_version:7.0.15\r\nsandstore_version:%s\r\nredis_git_sha1:00000000\r\n"
                   "redis_git_dirty:0\r\nredis_mode:cluster\r\nos:%s %s %s\r\narch_bits:%d\r\n"
                   "monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:libuv\r\n"
                   "gcc_version:%d.%d.%d\r\nprocess_id:%d\r\nprocess_supervised:no\r\nrun_id:%s\r\n"
                   "tcp_port:%d\r\nraft_port:%d\r\nserver_time_usec:%lld\r\nuptime_in_seconds:%lld\r\n"
                   "uptime_in_days:%lld\r\nhz:10\r\nconfigured_hz:10\r\nexecutable:%s\r\nconfig_file:%s\r\n"
                   "io_threads_active:0\r\n",
                   SS_VERSION, u.sysname, u.release, u.machine, (int)(sizeof(void *) * 8),
#ifdef __GNUC__
                   __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
                   0, 0, 0,
#endif
                   (int)getpid(), srv->run_id, srv->cfg->port, srv->cfg->raft_port, (long long)now_us,
                   (long long)up, (long long)(up / 86400), exe, srv->config_file);
}

/* Redis's run_id: 40 random hex digits, new at every start. */
static void make_run_id(char id[41])
{
    unsigned char raw[20];
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(raw, 1, sizeof raw, f) : 0;
    if (f)
        fclose(f);
    uint64_t mix = (uint64_t)ss_clock_wall_us() ^ ss_clock_mono_ns() ^ ((uint64_t)getpid() << 40);
    for (size_t i = got; i < sizeof raw; i++) {
        mix = mix * 6364136223846793005ull + 1442695040888963407ull;
        raw[i] = (unsigned char)(mix >> 56);
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(id + 2 * i, 3, "%02x", raw[i]);
}

static int hook_tls_reload(void *ctx, char *errmsg)
{
    ss_server *srv = ctx;
    if (srv->tls == NULL)
        return SS_OK;
    ss_tls_ctx *fresh;
    int rc = ss_tls_ctx_new(srv->cfg, SS_TLS_CLIENTS, &fresh, errmsg);
    if (rc != SS_OK)
        return rc;
    /* Connections made with the old context keep it alive (OpenSSL counts). */
    ss_tls_ctx_free(srv->tls);
    srv->tls = fresh;
    LOG_NOTICE("server: TLS configuration reloaded for the client port");
    return SS_OK;
}

static void hook_conn_stats(void *ctx, ss_conn_stats *out)
{
    ss_server *srv = ctx;
    out->connections_received = srv->stats.connections_received;
    out->rejected_connections = srv->stats.rejected_connections;
    out->net_input_bytes = srv->stats.net_input_bytes;
    out->net_output_bytes = srv->stats.net_output_bytes;
}

/* ---------------------------------------------------------- lifecycle */

void ss_server_kick(uv_idle_t *h) { (void)h; }

/* After each poll: write what the clients have ready, resume the blocked. */
static void on_check(uv_check_t *h)
{
    ss_server *srv = h->data;
    /* Running a client can make others ready (a write that commits on a
     * local apply), so take the list and loop until it stays empty. */
    for (int rounds = 0; srv->ready && rounds < 16; rounds++) {
        ss_client *list = srv->ready;
        srv->ready = NULL;
        for (ss_client *c = list; c; c = c->ready_next)
            c->in_ready = false;
        while (list) {
            ss_client *c = list;
            list = c->ready_next;
            if (list)
                list->ready_prev = NULL;
            c->ready_next = c->ready_prev = NULL;
            ss_client_run_ready(c);
        }
    }
    /* More work: the loop comes round again without sleeping in poll. */
    if (srv->ready)
        uv_idle_start(&srv->kick, ss_server_kick);
    else
        uv_idle_stop(&srv->kick);
}

/* Once a second: idle clients past `timeout`, clients past their soft
 * output limit for longer than its seconds. */
static void on_cron(uv_timer_t *t)
{
    ss_server *srv = t->data;
    int64_t now = ss_clock_wall_ms();
    for (ss_client *c = srv->clients; c; c = c->next) {
        if (!ss_client_check_output(c))
            continue;
        if (c->tls && !ss_tls_conn_established(c->tls) && ss_clock_mono_ms() >= c->tls_deadline_ms) {
            LOG_VERBOSE("server: TLS handshake from %s not done in %d ms; closing", c->session.addr,
                        SS_TLS_HANDSHAKE_TIMEOUT_MS);
            ss_client_close(c);
            continue;
        }
        if (srv->cfg->timeout > 0 && ss_engine_session_idle(srv->engine, &c->session) &&
            now - c->session.last_interaction_ms > (int64_t)srv->cfg->timeout * 1000)
            ss_client_close(c);
    }
}

int ss_server_new(uv_loop_t *loop, ss_config *cfg, ss_engine *engine, ss_server **out, char *errmsg)
{
    ss_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return ss_errf(errmsg, SS_ENOMEM, "server: out of memory");
    srv->loop = loop;
    srv->cfg = cfg;
    srv->start_ms = ss_clock_wall_ms();
    make_run_id(srv->run_id);
    srv->engine = engine;
    ss_engine_hooks hooks = {
        .ctx = srv,
        .begin_async = hook_begin_async,
        .complete = hook_complete,
        .join_async = hook_join_async,
        .reply_limit = hook_reply_limit,
        .client_list = hook_client_list,
        .info_clients = hook_info_clients,
        .info_server = hook_info_server,
        .push = hook_push,
        .clients = hook_clients,
        .acl_sweep = hook_acl_sweep,
        .wake_blocked = hook_wake_blocked,
        .conn_stats = hook_conn_stats,
        .wake = hook_wake,
        .tls_reload = hook_tls_reload,
    };
    ss_engine_set_hooks(engine, &hooks);
    uv_check_init(loop, &srv->check);
    srv->check.data = srv;
    uv_check_start(&srv->check, on_check);
    uv_timer_init(loop, &srv->cron);
    srv->cron.data = srv;
    uv_idle_init(loop, &srv->kick);
    srv->kick.data = srv;
    uv_timer_init(loop, &srv->auth_timer);
    srv->auth_timer.data = srv;
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    uv_tcp_init(loop, &srv->tls_listener);
    srv->tls_listener.data = srv;
    *out = srv;
    if (cfg->tls_port != 0) {
        int rc = ss_tls_ctx_new(cfg, SS_TLS_CLIENTS, &srv->tls, errmsg);
        if (rc != SS_OK) {
            /* Redis logs the reason, then this. */
            LOG_WARNING("%s", errmsg);
            LOG_WARNING("Failed to configure TLS. Check logs for more info.");
            return rc;
        }
    }
    return SS_OK;
}

const ss_server_stats *ss_server_get_stats(const ss_server *srv) { return &srv->stats; }

void ss_server_set_config_file(ss_server *srv, const char *path)
{
    /* Absolute, as Redis shows it (CONFIG REWRITE's target). */
    char abs[PATH_MAX];
    if (path && *path && realpath(path, abs))
        path = abs;
    snprintf(srv->config_file, sizeof srv->config_file, "%s", path ? path : "");
}

static void on_connection(uv_stream_t *listener, int status)
{
    ss_server *srv = listener->data;
    if (status < 0) {
        LOG_WARNING("server: accept failed: %s", uv_strerror(status));
        return;
    }
    if (!srv->closing)
        ss_client_accept(srv, listener, listener == (uv_stream_t *)&srv->tls_listener ? srv->tls : NULL);
}

static int listen_on(ss_server *srv, uv_tcp_t *listener, int port, const char *what, char *errmsg)
{
    struct sockaddr_storage addr;
    int rc = strchr(srv->cfg->bind, ':') ? uv_ip6_addr(srv->cfg->bind, port, (struct sockaddr_in6 *)&addr)
                                          : uv_ip4_addr(srv->cfg->bind, port, (struct sockaddr_in *)&addr);
    if (rc != 0)
        return ss_errf(errmsg, SS_ECONFIG, "bad bind address '%s': %s", srv->cfg->bind, uv_strerror(rc));
    if ((rc = uv_tcp_bind(listener, (struct sockaddr *)&addr, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)listener, 511, on_connection)) != 0)
        return ss_errf(errmsg, SS_EIO, "can't listen on %s:%d: %s", srv->cfg->bind, port, uv_strerror(rc));
    LOG_NOTICE("server: ready to accept %s connections on %s:%d", what, srv->cfg->bind, port);
    return SS_OK;
}

/* The metrics endpoint's text: the connections' figures, then the engine's. */
static void render_metrics(void *ctx, ss_buf *out)
{
    ss_server *srv = ctx;
    ss_buf_appendf(out,
                   "# HELP sandstore_connected_clients Client connections open now.\n"
                   "# TYPE sandstore_connected_clients gauge\nsandstore_connected_clients %zu\n"
                   "# HELP sandstore_connections_received_total Client connections accepted.\n"
                   "# TYPE sandstore_connections_received_total counter\n"
                   "sandstore_connections_received_total %llu\n"
                   "# HELP sandstore_rejected_connections_total Client connections refused (maxclients).\n"
                   "# TYPE sandstore_rejected_connections_total counter\n"
                   "sandstore_rejected_connections_total %llu\n"
                   "# HELP sandstore_net_input_bytes_total Bytes read from clients.\n"
                   "# TYPE sandstore_net_input_bytes_total counter\nsandstore_net_input_bytes_total %llu\n"
                   "# HELP sandstore_net_output_bytes_total Bytes written to clients.\n"
                   "# TYPE sandstore_net_output_bytes_total counter\nsandstore_net_output_bytes_total %llu\n",
                   srv->nclients, (unsigned long long)srv->stats.connections_received,
                   (unsigned long long)srv->stats.rejected_connections,
                   (unsigned long long)srv->stats.net_input_bytes, (unsigned long long)srv->stats.net_output_bytes);
    ss_engine_metrics(srv->engine, out);
}

int ss_server_listen(ss_server *srv, char *errmsg)
{
    /* `port 0` leaves only the TLS port, as in Redis. */
    int rc;
    if (srv->cfg->port != 0 && (rc = listen_on(srv, &srv->listener, srv->cfg->port, "plain", errmsg)) != SS_OK)
        return rc;
    if (srv->tls && (rc = listen_on(srv, &srv->tls_listener, srv->cfg->tls_port, "TLS", errmsg)) != SS_OK)
        return rc;
    if (srv->cfg->metrics_port != 0 &&
        (rc = ss_metrics_http_start(srv->loop, srv->cfg->bind, srv->cfg->metrics_port, render_metrics, srv,
                                    &srv->metrics, errmsg)) != SS_OK)
        return rc;
    srv->listening = true;
    uv_timer_start(&srv->cron, on_cron, 1000, 1000);
    return SS_OK;
}

static void maybe_finish_close(ss_server *srv)
{
    if (!srv->closing || srv->open_handles > 0 || srv->nclients > 0 || srv->close_reported)
        return;
    srv->close_reported = true;
    if (srv->on_closed)
        srv->on_closed(srv->on_closed_arg);
}

void ss_server_client_gone(ss_server *srv) { maybe_finish_close(srv); }

static void on_handle_closed(uv_handle_t *h)
{
    ss_server *srv = h->data;
    srv->open_handles--;
    maybe_finish_close(srv);
}

static void on_metrics_closed(void *arg)
{
    ss_server *srv = arg;
    srv->metrics = NULL;
    srv->open_handles--;
    maybe_finish_close(srv);
}

void ss_server_close(ss_server *srv, void (*on_closed)(void *arg), void *arg)
{
    if (srv->closing)
        return;
    srv->closing = true;
    srv->on_closed = on_closed;
    srv->on_closed_arg = arg;
    /* Fail the writes in flight (the clients hear "shutting down"), try to
     * write every reply, then close the connections. Reads waiting on the
     * cluster are failed when the cluster closes. */
    ss_engine_stop(srv->engine);
    for (ss_client *c = srv->clients; c; c = c->next) {
        c->close_after_flush = true;
        ss_client_run_ready(c);
        ss_client_close(c);
    }
    srv->open_handles = 6 + (srv->metrics ? 1 : 0);
    if (srv->metrics)
        ss_metrics_http_close(srv->metrics, on_metrics_closed, srv);
    uv_close((uv_handle_t *)&srv->auth_timer, on_handle_closed);
    uv_close((uv_handle_t *)&srv->listener, on_handle_closed);
    uv_close((uv_handle_t *)&srv->tls_listener, on_handle_closed);
    uv_close((uv_handle_t *)&srv->check, on_handle_closed);
    uv_close((uv_handle_t *)&srv->cron, on_handle_closed);
    uv_close((uv_handle_t *)&srv->kick, on_handle_closed);
}

void ss_server_free(ss_server *srv)
{
    if (srv == NULL)
        return;
    ss_tls_ctx_free(srv->tls);
    ss_client_slots_release(srv);
    free(srv);
}

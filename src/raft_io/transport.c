/* Peer transport: configuration, the listener, sending and shutdown. */
#include "raft_io/transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "raft_io/transport_internal.h"

peer *transport_find_peer(const ss_transport *t, uint64_t id)
{
    if (id == 0)
        return NULL; /* a free slot (a removed peer) */
    for (size_t i = 0; i < t->npeers; i++)
        if (t->peers[i].id == id)
            return &t->peers[i];
    return NULL;
}

uint64_t transport_random(ss_transport *t)
{
    /* xorshift64*: jitter only, nothing secret depends on it. */
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    return t->rng * 0x2545F4914F6CDD1DULL;
}

void transport_deliver(ss_transport *t, peer *p, const uint8_t *payload, size_t len)
{
    LOG_TRACE("transport: %zu bytes from node %llu", len, (unsigned long long)p->id);
    t->on_message(t->ctx, p->id, payload, len);
}

static void transport_free(ss_transport *t)
{
    for (size_t i = 0; i < t->npeers; i++)
        free(t->peers[i].host);
    free(t->peers);
    free(t->cluster_id);
    ss_tls_ctx_free(t->tls_accept);
    ss_tls_ctx_free(t->tls_dial);
    if (t->secret)
        explicit_bzero(t->secret, t->secret_len);
    free(t->secret);
    free(t);
}

void transport_unref(ss_transport *t)
{
    if (--t->refs > 0)
        return;
    ss_transport_close_cb cb = t->close_cb;
    void *ctx = t->ctx;
    transport_free(t);
    if (cb)
        cb(ctx);
}

static void on_handle_closed(uv_handle_t *h)
{
    transport_unref(h->data);
}

static void on_retry_timer_closed(uv_handle_t *h)
{
    transport_unref(((peer *)h->data)->t);
}

static void on_flush(uv_prepare_t *h)
{
    conn_flush_all(h->data);
}

static int copy_config(ss_transport *t, const ss_transport_config *cfg, char *errmsg)
{
    const char *cluster = cfg->cluster_id ? cfg->cluster_id : SS_TRANSPORT_DEFAULT_CLUSTER_ID;
    const char *secret = cfg->secret ? cfg->secret : "";
    t->tls_accept = cfg->tls_accept; /* ours now, freed with t */
    t->tls_dial = cfg->tls_dial;
    if ((t->tls_accept == NULL) != (t->tls_dial == NULL))
        return ss_errf(errmsg, SS_ECONFIG, "transport: TLS needs both an accept and a dial context");
    if (cfg->node_id == 0)
        return ss_errf(errmsg, SS_ECONFIG, "transport: node id must not be 0");
    if (cfg->on_message == NULL)
        return ss_errf(errmsg, SS_ECONFIG, "transport: on_message callback is required");
    if (strlen(cluster) == 0 || strlen(cluster) > SS_TRANSPORT_MAX_CLUSTER_ID)
        return ss_errf(errmsg, SS_ECONFIG, "transport: cluster id must be 1 to %d bytes",
                       SS_TRANSPORT_MAX_CLUSTER_ID);
    if (cfg->max_frame > UINT32_MAX)
        return ss_errf(errmsg, SS_ECONFIG, "transport: max frame size over 4 GB");
    if (cfg->port < 0 || cfg->port > 65535)
        return ss_errf(errmsg, SS_ECONFIG, "transport: bad raft port %d", cfg->port);
    t->node_id = cfg->node_id;
    t->on_message = cfg->on_message;
    t->on_peer_state = cfg->on_peer_state;
    t->ctx = cfg->ctx;
    t->max_frame = (uint32_t)(cfg->max_frame ? cfg->max_frame : SS_TRANSPORT_DEFAULT_MAX_FRAME);
    t->max_queued = cfg->max_queued ? cfg->max_queued : SS_TRANSPORT_DEFAULT_MAX_QUEUED;
    t->handshake_ms = cfg->handshake_timeout_ms ? cfg->handshake_timeout_ms
                                                : SS_TRANSPORT_DEFAULT_HANDSHAKE_MS;
    t->reconnect_min_ms = cfg->reconnect_min_ms ? cfg->reconnect_min_ms
                                                : SS_TRANSPORT_DEFAULT_RECONNECT_MIN_MS;
    t->reconnect_max_ms = cfg->reconnect_max_ms ? cfg->reconnect_max_ms
                                                : SS_TRANSPORT_DEFAULT_RECONNECT_MAX_MS;
    if (t->reconnect_max_ms < t->reconnect_min_ms)
        t->reconnect_max_ms = t->reconnect_min_ms;
    t->cluster_id = strdup(cluster);
    t->secret_len = strlen(secret);
    t->secret = malloc(t->secret_len + 1);
    if (cfg->npeers > SS_TRANSPORT_MAX_PEERS)
        return ss_errf(errmsg, SS_ECONFIG, "transport: over %d peers", SS_TRANSPORT_MAX_PEERS);
    /* Every slot now: a peer's address is fixed for its handles' lifetime. */
    t->peers = calloc(SS_TRANSPORT_MAX_PEERS, sizeof *t->peers);
    if (!t->cluster_id || !t->secret || !t->peers)
        return ss_errf(errmsg, SS_ENOMEM, "transport: out of memory");
    memcpy(t->secret, secret, t->secret_len + 1);
    for (size_t i = 0; i < cfg->npeers; i++) {
        const ss_transport_peer *pc = &cfg->peers[i];
        if (pc->id == 0 || pc->id == cfg->node_id || transport_find_peer(t, pc->id))
            return ss_errf(errmsg, SS_ECONFIG, "transport: bad or duplicate peer id %llu",
                           (unsigned long long)pc->id);
        if (pc->host == NULL || pc->port <= 0 || pc->port > 65535)
            return ss_errf(errmsg, SS_ECONFIG, "transport: bad address for node %llu",
                           (unsigned long long)pc->id);
        t->peers[i].id = pc->id; /* visible to transport_find_peer from here on */
        t->peers[i].host = strdup(pc->host);
        t->npeers = i + 1;
        if (t->peers[i].host == NULL)
            return ss_errf(errmsg, SS_ENOMEM, "transport: out of memory");
    }
    return SS_OK;
}

static int start_listening(ss_transport *t, const ss_transport_config *cfg, char *errmsg)
{
    const char *host = cfg->bind_host ? cfg->bind_host : "0.0.0.0";
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } addr;
    if (uv_ip4_addr(host, cfg->port, &addr.in4) != 0 && uv_ip6_addr(host, cfg->port, &addr.in6) != 0)
        return ss_errf(errmsg, SS_ECONFIG, "transport: bind address '%s' is not an IP address", host);
    int rc = uv_tcp_bind(&t->listener, &addr.sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&t->listener, 128, accept_on_connection);
    if (rc < 0)
        return ss_errf(errmsg, SS_EIO, "transport: listen on %s:%d: %s", host, cfg->port,
                       uv_strerror(rc));
    struct sockaddr_storage ss;
    int len = sizeof ss;
    uv_tcp_getsockname(&t->listener, (struct sockaddr *)&ss, &len);
    t->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    return SS_OK;
}

int ss_transport_new(uv_loop_t *loop, const ss_transport_config *cfg, ss_transport **out,
                     char *errmsg)
{
    *out = NULL;
    ss_transport *t = calloc(1, sizeof *t);
    if (t == NULL) {
        ss_tls_ctx_free(cfg->tls_accept);
        ss_tls_ctx_free(cfg->tls_dial);
        return ss_errf(errmsg, SS_ENOMEM, "transport: out of memory");
    }
    t->loop = loop;
    int rc = copy_config(t, cfg, errmsg);
    if (rc != SS_OK)
        goto err_after_alloc;
    if (uv_random(NULL, NULL, &t->rng, sizeof t->rng, 0, NULL) != 0 || t->rng == 0)
        t->rng = (uint64_t)uv_hrtime() | 1;
    uv_tcp_init(loop, &t->listener);
    t->listener.data = t;
    t->refs = 1;
    rc = start_listening(t, cfg, errmsg);
    if (rc != SS_OK) {
        /* The handle exists now: t is freed in its close callback. */
        t->closing = true;
        uv_close((uv_handle_t *)&t->listener, on_handle_closed);
        return rc;
    }
    uv_prepare_init(loop, &t->flusher);
    t->flusher.data = t;
    uv_prepare_start(&t->flusher, on_flush);
    uv_unref((uv_handle_t *)&t->flusher); /* runs every iteration, keeps nothing alive */
    t->refs++;
    uv_idle_init(loop, &t->accept_turn);
    t->accept_turn.data = t;
    t->refs++;
    for (size_t i = 0; i < t->npeers; i++) {
        peer_init(&t->peers[i], t, &cfg->peers[i]);
        t->refs++;
    }
    LOG_NOTICE("transport: node %llu listening for peers on port %d%s",
               (unsigned long long)t->node_id, t->port, t->tls_accept ? " (mutual TLS)" : "");
    if (t->secret_len == 0)
        LOG_WARNING("transport: WARNING cluster-secret is empty, so the peer handshake proves "
                    "nothing: any process that can reach %s:%d and knows the cluster id '%s' "
                    "can act as a node of this cluster (propose writes, vote, replace the "
                    "data). Set cluster-secret to the same long random string on every node",
                    cfg->bind_host ? cfg->bind_host : "0.0.0.0", t->port, t->cluster_id);
    for (size_t i = 0; i < t->npeers; i++)
        peer_connect(&t->peers[i]);
    *out = t;
    return SS_OK;

err_after_alloc:
    transport_free(t);
    return rc;
}

int ss_transport_send(ss_transport *t, uint64_t to_id, const void *payload, size_t len)
{
    if (t->closing)
        return SS_ESHUTDOWN;
    peer *p = transport_find_peer(t, to_id);
    if (p == NULL)
        return SS_ENOTFOUND;
    if (len > t->max_frame)
        return SS_ETOOBIG;
    conn *c = p->out;
    /* One message may overshoot the limit when the queue is empty, so that any
     * frame up to max_frame can be sent; memory stays bounded by the larger. */
    if (c == NULL || c->state != CONN_OPEN ||
        (c->queued > 0 && c->queued + SS_FRAME_HEADER_SIZE + len > t->max_queued)) {
        p->stats.messages_dropped++;
        return SS_EAGAIN;
    }
    int rc = conn_queue(c, SS_FRAME_DATA, payload, len);
    if (rc != SS_OK)
        p->stats.messages_dropped++;
    return rc == SS_ENOMEM ? SS_EAGAIN : rc;
}

bool ss_transport_peer_connected(const ss_transport *t, uint64_t id)
{
    const peer *p = transport_find_peer(t, id);
    return p && p->out && p->out->state == CONN_OPEN;
}

int ss_transport_peer_stats(const ss_transport *t, uint64_t id, ss_transport_stats *out)
{
    const peer *p = transport_find_peer(t, id);
    if (p == NULL)
        return SS_ENOTFOUND;
    *out = p->stats;
    out->connected = p->out && p->out->state == CONN_OPEN;
    out->queued_bytes = p->out ? p->out->queued : 0;
    return SS_OK;
}

void ss_transport_inbound_stats_get(const ss_transport *t, ss_transport_inbound_stats *out)
{
    *out = t->inbound;
}

int ss_transport_set_peer_address(ss_transport *t, uint64_t id, const char *host, int port,
                                  char *errmsg)
{
    peer *p = transport_find_peer(t, id);
    if (p == NULL)
        return ss_errf(errmsg, SS_ENOTFOUND, "transport: unknown node %llu", (unsigned long long)id);
    if (host == NULL || port <= 0 || port > 65535)
        return ss_errf(errmsg, SS_EINVAL, "transport: bad address for node %llu",
                       (unsigned long long)id);
    char *copy = strdup(host);
    if (copy == NULL)
        return ss_errf(errmsg, SS_ENOMEM, "transport: out of memory");
    free(p->host);
    p->host = copy;
    p->port = port;
    if (t->closing)
        return SS_OK;
    bool was_open = p->out && p->out->state == CONN_OPEN;
    if (p->out)
        conn_close(p->out);
    uv_timer_stop(&p->retry);
    p->backoff_ms = t->reconnect_min_ms;
    p->last_error[0] = '\0';
    LOG_NOTICE("transport: node %llu is now at %s:%d", (unsigned long long)id, host, port);
    peer_connect(p);
    if (was_open && t->on_peer_state)
        t->on_peer_state(t->ctx, id, false);
    return SS_OK;
}

int ss_transport_add_peer(ss_transport *t, uint64_t id, const char *host, int port, char *errmsg)
{
    if (id == 0 || id == t->node_id || host == NULL || host[0] == '\0' || port <= 0 || port > 65535)
        return ss_errf(errmsg, SS_EINVAL, "transport: bad id or address for node %llu",
                       (unsigned long long)id);
    if (transport_find_peer(t, id))
        return ss_errf(errmsg, SS_EEXIST, "transport: node %llu is known already", (unsigned long long)id);
    if (t->closing)
        return ss_errf(errmsg, SS_ESHUTDOWN, "transport: closing");
    /* A removed peer's slot (its timer handle still open) is reused first. */
    peer *p = NULL;
    for (size_t i = 0; i < t->npeers && !p; i++)
        if (t->peers[i].id == 0)
            p = &t->peers[i];
    bool fresh = p == NULL;
    if (fresh && t->npeers == SS_TRANSPORT_MAX_PEERS)
        return ss_errf(errmsg, SS_ETOOBIG, "transport: %d peers already", SS_TRANSPORT_MAX_PEERS);
    char *copy = strdup(host);
    if (copy == NULL)
        return ss_errf(errmsg, SS_ENOMEM, "transport: out of memory");
    if (fresh) {
        p = &t->peers[t->npeers++];
        ss_transport_peer pc = {id, copy, port};
        peer_init(p, t, &pc);
        t->refs++;
    } else {
        memset(&p->stats, 0, sizeof p->stats);
        p->out = NULL;
        p->port = port;
        p->backoff_ms = t->reconnect_min_ms;
        p->ever_connected = false;
        p->last_error[0] = '\0';
    }
    p->id = id;
    p->host = copy;
    LOG_NOTICE("transport: node %llu added at %s:%d", (unsigned long long)id, host, port);
    peer_connect(p);
    return SS_OK;
}

int ss_transport_remove_peer(ss_transport *t, uint64_t id)
{
    peer *p = transport_find_peer(t, id);
    if (p == NULL)
        return SS_ENOTFOUND;
    uv_timer_stop(&p->retry);
    /* Its connections, both ways, go with it; a closing one keeps no
     * pointer the slot's next owner could see (conn_close detaches p->out). */
    for (conn *c = t->conns; c; c = c->next)
        if (c->peer == p && c->state != CONN_CLOSING)
            conn_close(c);
    if (p->out)
        conn_close(p->out);
    p->out = NULL;
    free(p->host);
    p->host = NULL;
    p->id = 0; /* refused from now on: transport_find_peer skips it */
    LOG_NOTICE("transport: node %llu removed", (unsigned long long)id);
    return SS_OK;
}

void ss_transport_set_tls(ss_transport *t, ss_tls_ctx *accept, ss_tls_ctx *dial)
{
    ss_tls_ctx_free(t->tls_accept);
    ss_tls_ctx_free(t->tls_dial);
    t->tls_accept = accept;
    t->tls_dial = dial;
}

bool ss_transport_has_tls(const ss_transport *t)
{
    return t->tls_accept != NULL;
}

int ss_transport_port(const ss_transport *t)
{
    return t->port;
}

void ss_transport_close(ss_transport *t, ss_transport_close_cb cb)
{
    if (t->closing)
        return;
    t->closing = true;
    t->close_cb = cb;
    uv_close((uv_handle_t *)&t->listener, on_handle_closed);
    uv_close((uv_handle_t *)&t->flusher, on_handle_closed);
    uv_close((uv_handle_t *)&t->accept_turn, on_handle_closed);
    for (size_t i = 0; i < t->npeers; i++)
        uv_close((uv_handle_t *)&t->peers[i].retry, on_retry_timer_closed);
    for (conn *c = t->conns; c; c = c->next)
        conn_close(c);
}

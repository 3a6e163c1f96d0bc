/* Peer transport outbound side: one connection per peer, dialled and redialled with backoff. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "raft_io/transport_internal.h"

static void on_retry(uv_timer_t *timer)
{
    peer_connect(timer->data);
}

void peer_init(peer *p, ss_transport *t, const ss_transport_peer *cfg)
{
    p->t = t;
    p->id = cfg->id;
    p->port = cfg->port;
    p->backoff_ms = t->reconnect_min_ms;
    uv_timer_init(t->loop, &p->retry);
    p->retry.data = p;
}

static void schedule_retry(peer *p)
{
    ss_transport *t = p->t;
    /* Jitter in [backoff/2, backoff] keeps restarted nodes from dialling in lockstep. */
    unsigned half = p->backoff_ms / 2;
    unsigned delay = half + (unsigned)(transport_random(t) % (p->backoff_ms - half + 1));
    p->backoff_ms = p->backoff_ms >= t->reconnect_max_ms / 2 ? t->reconnect_max_ms
                                                             : p->backoff_ms * 2;
    uv_timer_start(&p->retry, on_retry, delay, 0);
}

void peer_conn_failed(conn *c, const char *why)
{
    peer *p = c->peer;
    ss_transport *t = c->t;
    bool was_open = c->state == CONN_OPEN;
    conn_close(c);
    if (t->closing)
        return;
    if (!was_open)
        p->stats.connect_failures++;
    /* Log state changes and new kinds of failure, not every attempt. */
    if (was_open) {
        LOG_NOTICE("transport: lost node %llu: %s; retrying", (unsigned long long)p->id, why);
        snprintf(p->last_error, sizeof p->last_error, "%s", why);
    } else if (strcmp(p->last_error, why) != 0) {
        LOG_NOTICE("transport: cannot connect to node %llu at %s:%d: %s; retrying",
                   (unsigned long long)p->id, p->host, p->port, why);
        snprintf(p->last_error, sizeof p->last_error, "%s", why);
    } else {
        LOG_DEBUG("transport: cannot connect to node %llu at %s:%d: %s",
                  (unsigned long long)p->id, p->host, p->port, why);
    }
    schedule_retry(p);
    if (was_open && t->on_peer_state)
        t->on_peer_state(t->ctx, p->id, false);
}

void peer_conn_open(conn *c)
{
    peer *p = c->peer;
    ss_transport *t = c->t;
    LOG_NOTICE("transport: connected to node %llu at %s:%d", (unsigned long long)p->id, p->host,
               p->port);
    p->backoff_ms = t->reconnect_min_ms;
    p->last_error[0] = '\0';
    p->stats.connects++;
    if (p->ever_connected)
        p->stats.reconnects++;
    p->ever_connected = true;
    if (t->on_peer_state)
        t->on_peer_state(t->ctx, p->id, true);
}

static void on_connected(uv_connect_t *req, int status)
{
    conn *c = req->data;
    if (c->state == CONN_CONNECTING) {
        int rc = status;
        if (rc == 0)
            rc = conn_start(c);
        if (rc < 0) {
            conn_fail(c, uv_strerror(rc));
        } else {
            c->state = CONN_HANDSHAKE;
            /* Under TLS, the hello waits for the TLS handshake (conn_tls_read). */
            if (c->tls)
                conn_tls_start(c);
            else
                handshake_start_connector(c);
        }
    }
    conn_unref(c);
}

static void dial(conn *c, const struct sockaddr *addr)
{
    c->state = CONN_CONNECTING;
    c->connect_req.data = c;
    int rc = uv_tcp_connect(&c->connect_req, &c->tcp, addr, on_connected);
    if (rc < 0) {
        conn_fail(c, uv_strerror(rc));
        return;
    }
    c->refs++;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    conn *c = req->data;
    if (c->state == CONN_RESOLVING) {
        if (status < 0) {
            char why[128];
            snprintf(why, sizeof why, "cannot resolve host: %s", uv_strerror(status));
            conn_fail(c, why);
        } else {
            dial(c, res->ai_addr);
        }
    }
    uv_freeaddrinfo(res);
    conn_unref(c);
}

void peer_connect(peer *p)
{
    ss_transport *t = p->t;
    if (t->closing || p->out != NULL)
        return;
    conn *c = conn_new(t, p, true);
    if (c == NULL) {
        LOG_WARNING("transport: out of memory connecting to node %llu", (unsigned long long)p->id);
        schedule_retry(p);
        return;
    }
    p->out = c;
    snprintf(c->addr, sizeof c->addr, "%s:%d", p->host, p->port);
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } addr;
    if (uv_ip4_addr(p->host, p->port, &addr.in4) == 0 ||
        uv_ip6_addr(p->host, p->port, &addr.in6) == 0) {
        dial(c, &addr.sa);
        return;
    }
    /* A host name: resolve on the worker pool rather than block the loop. */
    char port[16];
    snprintf(port, sizeof port, "%d", p->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    c->resolve_req.data = c;
    int rc = uv_getaddrinfo(t->loop, &c->resolve_req, on_resolved, p->host, port, &hints);
    if (rc < 0) {
        conn_fail(c, uv_strerror(rc));
        return;
    }
    c->refs++;
}

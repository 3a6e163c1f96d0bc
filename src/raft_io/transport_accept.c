/* Peer transport inbound side: accepting connections, and keeping strangers from crowding out peers. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "raft_io/transport_internal.h"

/*
 * Until a connection proves the secret it may be anyone's, and it costs a slot
 * (a 64 KB read buffer, a timer). Limits: MAX_HANDSHAKING_INBOUND in all and
 * MAX_HANDSHAKING_PER_ADDR from one source address. A newcomer over a limit
 * is let in, and the oldest unauthenticated connection in the same scope goes
 * instead, in this order:
 *   1. one already being refused (its REFUSE frame is still being written),
 *   2. one that has said nothing yet (a peer sends HELLO as soon as it is
 *      connected),
 *   3. one that sent a valid HELLO and owes its proof,
 * and a connection from a configured peer's address (its host in `peers`,
 * when that is an IP address) only after every other: when the only
 * connections left to evict come from peers' addresses, a newcomer from
 * elsewhere is the one closed. So a stranger holding idle connections only
 * ever displaces its own; a peer's connection, which sends HELLO at once and
 * its proof one round trip later, outlives every idle one accepted before and
 * after it; and strangers from other addresses cannot displace a peer at all.
 * (On loopback every peer shares 127.0.0.1 with any local stranger, and the
 * order alone protects it.) Authenticated connections are never touched.
 * Under pressure (PRESSURE_INBOUND), one connection is accepted per loop
 * iteration, so that each accepted connection's bytes are read between two
 * evictions, and a new connection's handshake deadline shrinks to
 * PRESSURE_HANDSHAKE_MS.
 */

static void describe_remote(conn *c)
{
    struct sockaddr_storage ss = {0}; /* AF_UNSPEC if getpeername fails */
    int len = sizeof ss;
    int port = 0;
    snprintf(c->host, sizeof c->host, "?");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, c->host, sizeof c->host);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&ss, c->host, sizeof c->host);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    snprintf(c->addr, sizeof c->addr, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", c->host,
             port);
}

/* Is host (as describe_remote writes it) the address of a configured peer? */
static bool peer_host(const ss_transport *t, const char *host)
{
    /* An IPv4 peer reaching a dual-stack listener shows as ::ffff:a.b.c.d. */
    if (strncmp(host, "::ffff:", 7) == 0 && strchr(host + 7, ':') == NULL)
        host += 7;
    for (size_t i = 0; i < t->npeers; i++)
        if (t->peers[i].host && strcmp(t->peers[i].host, host) == 0)
            return true;
    return false;
}

/* 0 evicts first; see the order above. */
static int eviction_rank(const conn *c)
{
    if (c->refusing)
        return 0;
    return (c->claimed_id == 0 ? 1 : 2) + (c->from_peer_host ? 2 : 0);
}

/* The unauthenticated inbound connection to evict for newcomer, among those
 * from host (or all, when host is NULL); NULL if there is none. */
static conn *pick_victim(ss_transport *t, const conn *newcomer, const char *host)
{
    conn *best = NULL;
    for (conn *o = t->conns; o; o = o->next) {
        if (o == newcomer || !o->handshaking_counted || (host && strcmp(o->host, host) != 0))
            continue;
        if (best == NULL || eviction_rank(o) < eviction_rank(best) ||
            (eviction_rank(o) == eviction_rank(best) && o->accept_seq < best->accept_seq))
            best = o;
    }
    return best;
}

static size_t count_from(const ss_transport *t, const char *host)
{
    size_t n = 0;
    for (const conn *o = t->conns; o; o = o->next)
        n += o->handshaking_counted && strcmp(o->host, host) == 0;
    return n;
}

static void evict(conn *victim, const char *why)
{
    victim->t->inbound.evicted++;
    if (!victim->refusing)
        conn_log_refusal(victim, why);
    conn_close(victim);
}

#define EVICTED_OLDEST "too many unauthenticated connections: evicted the oldest"

/* Makes room for newcomer (not counted yet) within both limits; false when
 * the newcomer itself must go (only peers' connections could make room). */
static bool make_room(ss_transport *t, conn *newcomer)
{
    conn *victim;
    if (count_from(t, newcomer->host) >= MAX_HANDSHAKING_PER_ADDR &&
        (victim = pick_victim(t, newcomer, newcomer->host)) != NULL)
        evict(victim, EVICTED_OLDEST);
    if (t->handshaking_inbound >= MAX_HANDSHAKING_INBOUND &&
        (victim = pick_victim(t, newcomer, NULL)) != NULL) {
        if (victim->from_peer_host && !victim->refusing && !newcomer->from_peer_host)
            return false;
        evict(victim, EVICTED_OLDEST);
    }
    return true;
}

void accept_admit(conn *c)
{
    ss_transport *t = c->t;
    bool pressure = t->handshaking_inbound >= PRESSURE_INBOUND;
    c->from_peer_host = peer_host(t, c->host);
    if (!make_room(t, c)) {
        evict(c, "too many unauthenticated connections, the rest from peers' addresses");
        return;
    }
    if (pressure && t->handshake_ms > PRESSURE_HANDSHAKE_MS)
        conn_set_deadline(c, PRESSURE_HANDSHAKE_MS);
    c->accept_seq = ++t->accept_seq;
    c->handshaking_counted = true;
    t->handshaking_inbound++;
}

static void on_accept_turn(uv_idle_t *idle);

static void accept_one(ss_transport *t, uv_stream_t *server)
{
    conn *c = conn_new(t, NULL, false);
    if (c == NULL) {
        /* The listener waits for our uv_accept: try again next iteration. */
        LOG_WARNING("transport: out of memory accepting a connection");
        uv_idle_start(&t->accept_turn, on_accept_turn);
        return;
    }
    int rc = uv_accept(server, (uv_stream_t *)&c->tcp);
    if (rc == 0) {
        describe_remote(c);
        rc = conn_start(c);
    }
    if (rc < 0) {
        LOG_WARNING("transport: accept failed: %s", uv_strerror(rc));
        conn_close(c);
        return;
    }
    accept_admit(c);
}

static void on_accept_turn(uv_idle_t *idle)
{
    ss_transport *t = idle->data;
    uv_idle_stop(idle);
    if (!t->closing)
        accept_one(t, (uv_stream_t *)&t->listener);
}

void accept_on_connection(uv_stream_t *server, int status)
{
    ss_transport *t = server->data;
    if (status < 0) {
        LOG_WARNING("transport: accept failed: %s", uv_strerror(status));
        return;
    }
    /* Not accepting now pauses the listener until uv_accept is called. */
    if (t->handshaking_inbound >= PRESSURE_INBOUND)
        uv_idle_start(&t->accept_turn, on_accept_turn);
    else
        accept_one(t, server);
}

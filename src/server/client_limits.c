/* A client's memory: the query-buffer limit, the output-buffer limits (Redis's client-output-buffer-limit), and the CLIENT LIST fields that show them. */
#include <stdlib.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/server_internal.h"

/*
 * What a client owes in replies is known only once each reply exists, and an
 * async reply exists only when its read or write completes, long after the
 * command was dispatched. Three rules keep the total bounded:
 *
 * - Dispatch waits while the bytes owed plus an estimate of the replies still
 *   in flight reach the soft limit (backpressure: reading stops, so TCP pushes
 *   back on the client). The estimate is the in-flight count times a running
 *   size of this client's async replies; before it has seen one, at most
 *   FIRST_WINDOW commands may be in flight.
 * - A reply is built within the room left under the hard limit (the engine
 *   asks through reply_limit; sync replies are built in a capped buffer); one
 *   that does not fit closes the client, as Redis does at its hard limit.
 * - A client past its soft limit for soft-seconds (when > 0) is closed.
 */
#define FIRST_WINDOW 128

static const ss_obuf_limit *limits_of(const ss_client *c)
{
    /* A subscribed connection is of the pubsub class (Redis's CLIENT_PUBSUB),
     * whatever its protocol; every other is normal (no replicas here). */
    /* A MONITOR is held to the replica class: Redis counts monitors as
     * normal clients, whose class it leaves unlimited; a monitor that does
     * not read must not grow without bound. */
    if (c->session.monitor)
        return &c->srv->cfg->client_obuf_limits[SS_CLIENT_REPLICA];
    return &c->srv->cfg->client_obuf_limits[c->session.subscribed ? SS_CLIENT_PUBSUB : SS_CLIENT_NORMAL];
}

size_t ss_client_output_bytes(const ss_client *c)
{
    /* tls_out is what out became once encrypted (bounded by TLS_OUT_MAX). */
    return ss_buf_len(&c->out) + ss_buf_len(&c->tls_out) + ss_buf_len(&c->writing) + c->slots_bytes;
}

bool ss_client_output_paused(const ss_client *c)
{
    const ss_obuf_limit *l = limits_of(c);
    if (l->soft <= 0)
        return false;
    if (c->slots_waiting > 0 && c->reply_est == 0)
        return c->slots_waiting >= FIRST_WINDOW || ss_client_output_bytes(c) >= (size_t)l->soft;
    return ss_client_output_bytes(c) + c->slots_waiting * c->reply_est >= (size_t)l->soft;
}

size_t ss_client_reply_budget(const ss_client *c)
{
    if (c->closing)
        return 1; /* nothing more will be sent: build no reply */
    const ss_obuf_limit *l = limits_of(c);
    if (l->hard <= 0)
        return 0;
    size_t used = ss_client_output_bytes(c);
    return used < (size_t)l->hard ? (size_t)l->hard - used : 1;
}

void ss_client_note_async_reply(ss_client *c, size_t len)
{
    /* Rises at once to a big reply, decays by an eighth per smaller one. */
    size_t decayed = c->reply_est - c->reply_est / 8;
    c->reply_est = len > decayed ? len : decayed;
    if (c->reply_est == 0)
        c->reply_est = 1;
}

void ss_client_close_for_output(ss_client *c, const char *why)
{
    if (c->closing)
        return;
    c->srv->stats.output_limit_disconnections++;
    LOG_WARNING("server: closing client %llu (%s) for overcoming of output buffer limits: %s "
                "(%zu bytes owed)",
                (unsigned long long)c->session.id, c->session.addr, why, ss_client_output_bytes(c));
    ss_client_close(c);
}

bool ss_client_check_output(ss_client *c)
{
    if (c->closing)
        return false;
    const ss_obuf_limit *l = limits_of(c);
    size_t used = ss_client_output_bytes(c);
    if (l->hard > 0 && used > (size_t)l->hard) {
        ss_client_close_for_output(c, "hard limit");
        return false;
    }
    if (l->soft <= 0 || used <= (size_t)l->soft) {
        c->soft_since_ms = 0;
        return true;
    }
    uint64_t now = ss_clock_mono_ms();
    if (c->soft_since_ms == 0)
        c->soft_since_ms = now;
    else if (l->soft_seconds > 0 && now - c->soft_since_ms > (uint64_t)l->soft_seconds * 1000) {
        ss_client_close_for_output(c, "soft limit held too long");
        return false;
    }
    return true;
}

size_t ss_client_query_bytes(const ss_client *c)
{
    /* As Redis 7.2: the MULTI queue is input not yet run, too. */
    return resp_parser_memory(c->parser) + c->session.queued_bytes;
}

bool ss_client_check_input(ss_client *c)
{
    if (c->closing)
        return false;
    size_t used = ss_client_query_bytes(c);
    if (used <= (size_t)c->srv->cfg->client_query_buffer_limit)
        return true;
    c->srv->stats.query_limit_disconnections++;
    LOG_WARNING("server: closing client %llu (%s): query buffer of %zu bytes past client-query-buffer-limit",
                (unsigned long long)c->session.id, c->session.addr, used);
    ss_client_close(c);
    return false;
}

void ss_client_describe(const ss_client *c, ss_buf *out)
{
    resp_parser_usage in;
    resp_parser_get_usage(c->parser, &in);
    size_t slot_mem = 0, noll = 0;
    for (const reply_slot *s = c->slots_head; s; s = s->next) {
        slot_mem += sizeof *s + s->buf.cap;
        noll++;
    }
    ss_conn_info conn = {
        .fd = c->fd,
        .qbuf = in.qbuf,
        .qbuf_free = in.qbuf_free,
        .argv_mem = in.argv_mem,
        .rbs = in.rbs,
        .rbp = in.rbp,
        .obl = ss_buf_len(&c->out) + ss_buf_len(&c->writing),
        .oll = noll,
        .omem = ss_client_output_bytes(c),
        .tot_mem = sizeof *c + in.total + c->out.cap + c->writing.cap + c->scratch.cap + slot_mem,
        .events = c->reading && c->write_in_flight ? "rw" : c->reading ? "r" : c->write_in_flight ? "w" : "",
    };
    char line[1536];
    ss_engine_session_describe(c->srv->engine, &c->session, &conn, line, sizeof line);
    ss_buf_appendf(out, "%s\n", line);
}

/* A client's memory: the query-buffer limit and the CLIENT LIST fields that show what a connection holds. */
#include <stdlib.h>

#include "common/log.h"
#include "server/server_internal.h"

size_t ss_client_output_bytes(const ss_client *c)
{
    return ss_buf_len(&c->out) + ss_buf_len(&c->writing) + c->slots_bytes;
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

/* A client connection: read, parse, dispatch in order, write back with backpressure. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/server_internal.h"

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void process_input(ss_client *c);
static void flush_output(ss_client *c);
static void tls_pump(ss_client *c);
static void slot_free(ss_server *srv, reply_slot *s);

/* TLS: ciphertext is read into tls_in in pieces of this size; tls_out takes
 * encrypted replies up to about this much before the socket must drain it. */
#define TLS_READ_SIZE (16 * 1024)
#define TLS_OUT_MAX (256 * 1024)
#define TLS_IN_MAX (4 * TLS_READ_SIZE)

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    ss_client *c = h->data;
    char *ptr;
    size_t len;
    (void)suggested;
    if (c->tls) {
        /* Ciphertext waits in tls_in until the connection takes it: at most
         * one read's worth, since reading stops whenever input must wait. */
        if (ss_buf_reserve(&c->tls_in, TLS_READ_SIZE) != 0) {
            buf->base = NULL;
            buf->len = 0;
            return;
        }
        buf->base = ss_buf_tail(&c->tls_in);
        buf->len = ss_buf_space(&c->tls_in);
        return;
    }
    if (resp_parser_reserve(c->parser, 0, &ptr, &len) != 0) {
        buf->base = NULL;
        buf->len = 0;
        return;
    }
    buf->base = ptr;
    buf->len = len;
}

/* Buffers that grew for one big reply are given back once empty. */
#define BUF_KEEP (64 * 1024)

static void shrink_if_empty(ss_buf *b)
{
    if (ss_buf_len(b) == 0 && b->cap > BUF_KEEP)
        ss_buf_release(b);
}

static void start_reading(ss_client *c)
{
    if (!c->reading && !c->closing && !c->held) {
        uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, on_read);
        c->reading = true;
    }
}

static void stop_reading(ss_client *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

/* ---------------------------------------------------------- lifecycle */

static void free_client(ss_client *c)
{
    ss_server *srv = c->srv;
    if (c->in_ready) {
        if (c->ready_prev)
            c->ready_prev->ready_next = c->ready_next;
        else
            srv->ready = c->ready_next;
        if (c->ready_next)
            c->ready_next->ready_prev = c->ready_prev;
    }
    while (c->slots_head) {
        reply_slot *s = c->slots_head;
        c->slots_head = s->next;
        slot_free(srv, s);
    }
    ss_engine_session_release(c->srv->engine, &c->session);
    resp_parser_free(c->parser);
    ss_buf_release(&c->out);
    ss_buf_release(&c->writing);
    ss_buf_release(&c->scratch);
    ss_buf_release(&c->push_after);
    ss_buf_release(&c->tls_in);
    ss_buf_release(&c->tls_out);
    ss_tls_conn_free(c->tls);
    free(c);
}

/* A closed client lives on while the engine still owes it replies. */
void ss_client_maybe_free(ss_client *c)
{
    if (c->closed && c->session.pending == 0 && !c->write_in_flight)
        free_client(c);
}

static void on_closed(uv_handle_t *h)
{
    ss_client *c = h->data;
    ss_server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->nclients--;
    c->closed = true;
    ss_client_maybe_free(c);
    ss_server_client_gone(srv);
}

void ss_client_close(ss_client *c)
{
    if (c->closing)
        return;
    c->closing = true;
    stop_reading(c);
    ss_auth_forget(c);
    ss_engine_session_closing(c->srv->engine, &c->session);
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

void ss_client_close_after_replies(ss_client *c)
{
    c->close_after_flush = true;
    stop_reading(c);
    ss_client_ready(c);
}

static void addr_string(const struct sockaddr_storage *sa, char *out, size_t size)
{
    char host[64] = "?";
    int port = 0;
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        uv_ip4_name(in, host, sizeof host);
        port = ntohs(in->sin_port);
    } else if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        uv_ip6_name(in6, host, sizeof host);
        port = ntohs(in6->sin6_port);
    }
    snprintf(out, size, "%s:%d", host, port);
}

/* Redis's connIsLocal: a peer on the loopback interface (127.0.0.0/8, ::1). */
static bool peer_is_loopback(const struct sockaddr_storage *sa)
{
    char host[64] = "";
    if (sa->ss_family == AF_INET)
        uv_ip4_name((const struct sockaddr_in *)sa, host, sizeof host);
    else if (sa->ss_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)sa, host, sizeof host);
    return host[0] && ss_config_is_loopback(host);
}

/* Redis's anetKeepAlive: probes after `interval` seconds of silence, then
 * every third of it, three times, so a dead peer is closed within about
 * twice the interval. (libuv's own call sets only the first delay.) */
static void set_keepalive(int fd, int interval)
{
    int yes = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof yes) != 0)
        return;
#ifdef TCP_KEEPIDLE
    int idle = interval, intvl = interval / 3 > 0 ? interval / 3 : 1, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
#endif
}

void ss_client_accept(ss_server *srv, uv_stream_t *listener, ss_tls_ctx *tls)
{
    ss_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return;
    c->srv = srv;
    c->parser = resp_parser_new();
    if (c->parser == NULL) {
        free(c);
        return;
    }
    uv_tcp_init(srv->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        resp_parser_free(c->parser);
        c->closed = true;
        c->closing = true;
        uv_close((uv_handle_t *)&c->tcp, (uv_close_cb)free);
        return;
    }
    srv->stats.connections_received++;
    uv_tcp_nodelay(&c->tcp, 1);
    uv_os_fd_t fd;
    c->fd = uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 ? (int)fd : -1;
    if (srv->cfg->tcp_keepalive > 0 && c->fd >= 0)
        set_keepalive(c->fd, srv->cfg->tcp_keepalive);
    ss_engine_session_init(srv->engine, &c->session, ++srv->next_client_id);
    resp_parser_set_max_bulk_len(c->parser, srv->cfg->proto_max_bulk_len);
    resp_parser_set_authenticated(c->parser, c->session.authenticated);
    ss_buf_init(&c->out, 0);
    ss_buf_init(&c->writing, 0);
    ss_buf_init(&c->scratch, 0);
    ss_buf_init(&c->push_after, 0);
    ss_buf_init(&c->tls_in, 0);
    ss_buf_init(&c->tls_out, 0);
    struct sockaddr_storage sa;
    int len = sizeof sa;
    bool local = false;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &len) == 0) {
        addr_string(&sa, c->session.addr, sizeof c->session.addr);
        local = peer_is_loopback(&sa);
    }
    len = sizeof sa;
    if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&sa, &len) == 0)
        addr_string(&sa, c->session.laddr, sizeof c->session.laddr);

    c->next = srv->clients;
    if (srv->clients)
        srv->clients->prev = c;
    srv->clients = c;
    srv->nclients++;

    if (tls) {
        c->tls = ss_tls_conn_new(tls);
        if (c->tls == NULL) {
            ss_client_close(c);
            return;
        }
        c->tls_deadline_ms = ss_clock_mono_ms() + SS_TLS_HANDSHAKE_TIMEOUT_MS;
    }

    if (srv->nclients > (size_t)srv->cfg->maxclients) {
        /* Redis answers and closes rather than refusing the TCP connection. */
        srv->stats.rejected_connections++;
        ss_engine_reply_maxclients(srv->engine, &c->out);
        c->close_after_flush = true;
        if (c->tls)
            start_reading(c);   /* the reply goes out once the handshake is done */
        ss_client_ready(c);
        return;
    }
    /* Protected mode, as Redis 7.0 has it: while the default user needs no
     * password (requirepass empty, or ACL SETUSER default nopass), whatever
     * bind says, only loopback clients are served; the others hear why and
     * are closed (on the TLS port once the handshake is done). */
    if (srv->cfg->protected_mode && !local && ss_engine_default_nopass(srv->engine)) {
        srv->stats.rejected_connections++;
        LOG_VERBOSE("server: protected mode: refused client %s", c->session.addr);
        ss_engine_reply_protected(srv->engine, &c->out);
        c->close_after_flush = true;
        if (c->tls)
            start_reading(c);   /* the handshake needs input; no command is read */
        ss_client_ready(c);
        return;
    }
    LOG_DEBUG("server: accepted client %llu from %s", (unsigned long long)c->session.id, c->session.addr);
    start_reading(c);
}

/* ------------------------------------------------------------ replies */

void ss_client_ready(ss_client *c)
{
    ss_server *srv = c->srv;
    /* Never restart the kick once the server is closing: starting a handle
     * after uv_close leaves it counted as active and the loop never ends. */
    if (c->closed || srv->closing)
        return;
    /* Work can become ready outside the poll phase (a commit applied from a
     * timer or idle callback): keep the loop from sleeping in poll before
     * the check handle has run it. The check handle stops the kick once
     * nothing is ready. */
    uv_idle_start(&srv->kick, ss_server_kick);
    if (c->in_ready)
        return;
    c->in_ready = true;
    c->ready_prev = NULL;
    c->ready_next = srv->ready;
    if (srv->ready)
        srv->ready->ready_prev = c;
    srv->ready = c;
}

/* Every async command takes a slot and gives it back within a round trip:
 * spare ones are kept (a bounded number) rather than freed. */
#define FREE_SLOTS_MAX 1024

static void slot_free(ss_server *srv, reply_slot *s)
{
    if (s->buf.cap > 0 || srv->nfree_slots >= FREE_SLOTS_MAX) {
        ss_buf_release(&s->buf);
        free(s);
        return;
    }
    s->next = srv->free_slots;
    srv->free_slots = s;
    srv->nfree_slots++;
}

void ss_client_slots_release(ss_server *srv)
{
    while (srv->free_slots) {
        reply_slot *s = srv->free_slots;
        srv->free_slots = s->next;
        free(s);
    }
    srv->nfree_slots = 0;
}

static reply_slot *slot_new(ss_client *c, bool done)
{
    ss_server *srv = c->srv;
    reply_slot *s = srv->free_slots;
    if (s) {
        srv->free_slots = s->next;
        srv->nfree_slots--;
        *s = (reply_slot){0};
    } else if ((s = calloc(1, sizeof *s)) == NULL) {
        abort(); /* the loop's small allocations do not fail gracefully */
    }
    ss_buf_init(&s->buf, 0);
    s->done = done;
    if (c->slots_tail)
        c->slots_tail->next = s;
    else
        c->slots_head = s;
    c->slots_tail = s;
    return s;
}

void *ss_client_begin_async(ss_client *c)
{
    c->slots_waiting++;
    reply_slot *s = slot_new(c, false);
    s->ncmds = 1;
    s->muted = c->session.reply_off || c->session.reply_skip; /* CLIENT REPLY OFF or SKIP */
    return s;
}

void ss_client_join_async(ss_client *c, reply_slot *slot)
{
    c->slots_waiting++;
    slot->ncmds++;
}

static void pop_head_slot(ss_client *c)
{
    reply_slot *s = c->slots_head;
    c->slots_bytes -= ss_buf_len(&s->buf);
    c->slots_head = s->next;
    if (!c->slots_head)
        c->slots_tail = NULL;
    slot_free(c->srv, s);
}

/* Moves finished replies at the head of the queue into the output. */
static void drain_slots(ss_client *c)
{
    while (c->slots_head && c->slots_head->done) {
        ss_buf_append(&c->out, ss_buf_data(&c->slots_head->buf), ss_buf_len(&c->slots_head->buf));
        pop_head_slot(c);
    }
}

void ss_client_complete(ss_client *c, reply_slot *slot, const char *reply, size_t len)
{
    slot->done = true;
    c->slots_waiting -= slot->ncmds;
    if (c->closing) {
        /* Nothing more goes out: keep no reply. */
        ss_client_maybe_free(c);
        return;
    }
    if (slot->muted) {
        reply = "";
        len = 0;
    }
    size_t budget = ss_client_reply_budget(c);
    if (reply == NULL || (budget > 0 && len > budget)) {
        ss_client_close_for_output(c, "a reply past the hard limit");
        return;
    }
    ss_client_note_async_reply(c, slot->ncmds > 1 ? len / slot->ncmds : len);
    if (slot == c->slots_head) {
        /* The usual case: the reply is next in line, one copy straight out. */
        ss_buf_append(&c->out, reply, len);
        pop_head_slot(c);
    } else {
        ss_buf_append(&slot->buf, reply, len);
        c->slots_bytes += len;
    }
    drain_slots(c);
    if (ss_client_check_output(c))
        ss_client_ready(c);
}

/* A pub/sub message: in order behind what the client is owed, except that a
 * RESP3 push (out of band by definition) need not wait for replies still
 * being worked on, such as a blocked BLPOP's. */
void ss_client_push(ss_client *c, const char *data, size_t len)
{
    if (c->closing)
        return;
    if (c->dispatching) {
        ss_buf_append(&c->push_after, data, len);
        return;
    }
    if (c->slots_head == NULL || c->session.proto == RESP3) {
        ss_buf_append(&c->out, data, len);
    } else {
        reply_slot *s = slot_new(c, true);
        ss_buf_append(&s->buf, data, len);
        c->slots_bytes += len;
    }
    /* A subscriber that does not read is closed at its limit (pubsub class),
     * as Redis does, rather than holding the messages without bound. */
    if (ss_client_check_output(c))
        ss_client_ready(c);
}

/* ----------------------------------------------------------- dispatch */

/* The pushes raised while the client's command ran go out after its
 * reply. False if that closed the client. */
static bool push_deferred(ss_client *c)
{
    if (ss_buf_len(&c->push_after) == 0)
        return true;
    ss_buf pushes = c->push_after;
    ss_buf_init(&c->push_after, 0);
    ss_client_push(c, ss_buf_data(&pushes), ss_buf_len(&pushes));
    ss_buf_release(&pushes);
    return !c->closing;
}

static void dispatch(ss_client *c, resp_cmd *cmd)
{
    ss_server *srv = c->srv;
    if (cmd->argc == 0)
        return;
    ss_args a = {cmd->argc, cmd->argv, cmd->argvlen};
    bool queued = c->slots_head != NULL;
    /* A reply is built within the room left under the hard limit: a KEYS *
     * or an MGET of large values stops there, and the client is closed. */
    ss_buf_reset(&c->scratch);
    ss_buf_set_max(&c->scratch, ss_client_reply_budget(c));
    bool was_auth = c->session.authenticated;
    uint32_t failures = c->session.auth_failures;
    c->dispatching = true;
    ss_dispatch_result r = ss_engine_dispatch(srv->engine, &c->session, &a, &c->scratch);
    c->dispatching = false;
    ss_buf_set_max(&c->scratch, 0);
    if (r == SS_DISPATCH_BLOCKED) {
        if (!push_deferred(c))
            return;
        /* The command's arguments live in the parser's buffer: read nothing
         * more until it has run. */
        c->blocked = true;
        c->current = cmd;
        stop_reading(c);
        return;
    }
    /* CLIENT REPLY: a muted reply is dropped (an async one when it comes:
     * its slot was marked by begin_async); SKIP mutes the command after. */
    bool muted = c->session.reply_off || c->session.reply_skip;
    c->session.reply_skip = c->session.reply_skip_next;
    c->session.reply_skip_next = false;
    if (muted)
        ss_buf_reset(&c->scratch);
    if (ss_buf_error(&c->scratch)) {
        ss_buf_reset(&c->scratch);
        shrink_if_empty(&c->scratch);
        ss_client_close_for_output(c, "a reply past the hard limit");
        return;
    }
    if (ss_buf_len(&c->scratch) > 0) {
        /* Behind async replies it waits in a slot of its own; else it goes
         * out, by a swap when nothing else is waiting to. */
        ss_buf *dst = &c->out;
        if (queued) {
            reply_slot *s = slot_new(c, true);
            dst = &s->buf;
            c->slots_bytes += ss_buf_len(&c->scratch);
        }
        if (ss_buf_len(dst) == 0) {
            ss_buf tmp = *dst;
            *dst = c->scratch;
            c->scratch = tmp;
        } else {
            ss_buf_append(dst, ss_buf_data(&c->scratch), ss_buf_len(&c->scratch));
            ss_buf_reset(&c->scratch);
        }
        shrink_if_empty(&c->scratch);
        if (queued)
            drain_slots(c);
        if (!ss_client_check_output(c))
            return;
    }
    if (!push_deferred(c))
        return;
    if (c->session.authenticated != was_auth)
        resp_parser_set_authenticated(c->parser, c->session.authenticated);
    if (c->session.auth_failures != failures)
        ss_auth_failed(c);
    if (c->session.close_after_reply)
        c->close_after_flush = true;
}

static void protocol_error(ss_client *c)
{
    ss_buf *out = c->slots_head ? &slot_new(c, true)->buf : &c->out;
    resp_parser_add_error(c->parser, out);
    if (out != &c->out) {
        c->slots_bytes += ss_buf_len(out);
        drain_slots(c);
    }
    c->srv->stats.protocol_errors++;
    LOG_VERBOSE("server: protocol error from client %llu (%s): %s; closing",
                (unsigned long long)c->session.id, c->session.addr, resp_parser_errmsg(c->parser));
    c->close_after_flush = true;
    stop_reading(c);
}

/* Runs every complete command the parser holds, in order, until one has to
 * wait (BLOCKED), the output is too full, or the input runs out. */
static void process_input(ss_client *c)
{
    while (!c->closing && !c->blocked && !c->close_after_flush && !c->held) {
        if (ss_client_output_paused(c)) {
            /* Stop reading until the client drains its replies; commands
             * already buffered wait in the parser. */
            c->output_paused = true;
            stop_reading(c);
            break;
        }
        resp_cmd *cmd;
        resp_result r = resp_parser_next(c->parser, &cmd);
        if (r == RESP_NEED_MORE)
            break;
        if (r == RESP_ERROR) {
            protocol_error(c);
            break;
        }
        dispatch(c, cmd);
    }
    /* What was parsed counts too: an unfinished command's arguments are held
     * as surely as unparsed bytes. */
    ss_client_check_input(c);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    ss_client *c = stream->data;
    if (nread < 0) {
        if (nread != UV_EOF)
            LOG_DEBUG("server: client %llu read error: %s", (unsigned long long)c->session.id,
                      uv_strerror((int)nread));
        ss_client_close(c);
        return;
    }
    if (nread == 0)
        return;
    if (buf->base == NULL) {
        ss_client_close(c); /* the parser could not allocate */
        return;
    }
    c->srv->stats.net_input_bytes += (uint64_t)nread;
    if (c->tls) {
        ss_buf_commit(&c->tls_in, (size_t)nread);
        tls_pump(c);
        /* The pump takes all of it unless the client must wait, and then
         * reading has stopped; more than a few reads left over is a client
         * that keeps sending while its replies are not read (after QUIT or a
         * protocol error): the parser's query limit does not see this. */
        if (!c->closing && ss_buf_len(&c->tls_in) > TLS_IN_MAX) {
            LOG_VERBOSE("server: client %llu (%s): TLS input past %d bytes while it cannot be read; closing",
                        (unsigned long long)c->session.id, c->session.addr, TLS_IN_MAX);
            ss_client_close(c);
            return;
        }
        ss_client_ready(c);
        return;
    }
    resp_parser_commit(c->parser, (size_t)nread);
    process_input(c);
    ss_client_ready(c);
}

/* ---------------------------------------------------------------- TLS */

/* The handshake failed (plain text on the TLS port, no certificate under
 * tls-auth-clients yes, ...): the alert OpenSSL wrote goes out, then the
 * connection closes. Nothing was read as a command. */
static void tls_refuse(ss_client *c, const char *why)
{
    LOG_VERBOSE("Error accepting a client connection: %s (addr=%s laddr=%s)", why, c->session.addr,
                c->session.laddr);
    stop_reading(c);
    ss_buf_reset(&c->out);
    ss_buf_reset(&c->tls_in);
    c->tls_refused = true;
    c->close_after_flush = true;
    if (ss_tls_conn_drain(c->tls, &c->tls_out) != SS_OK)
        ss_client_close(c);
    else
        ss_client_ready(c);
}

/* Ciphertext in; the handshake, or plaintext into the parser and commands
 * run, as far as the client can take them now (a blocked, paused or held
 * client resumes through tls_resume). Every round takes ciphertext or yields
 * plaintext, so the loop ends with the input. */
static void tls_pump(ss_client *c)
{
    ss_errmsg why = "";
    while (!c->closing && !c->tls_refused) {
        size_t fed = ss_tls_conn_feed(c->tls, ss_buf_data(&c->tls_in), ss_buf_len(&c->tls_in));
        ss_buf_consume(&c->tls_in, fed);
        if (!ss_tls_conn_established(c->tls)) {
            int r = ss_tls_conn_handshake(c->tls, why);
            if (r < 0) {
                tls_refuse(c, why);
                return;
            }
            if (r == 0) {
                if (fed == 0)
                    break;
                continue;
            }
            LOG_DEBUG("server: client %llu (%s): %s, %s", (unsigned long long)c->session.id, c->session.addr,
                      ss_tls_conn_version(c->tls), ss_tls_conn_cipher(c->tls));
        }
        if (c->blocked || c->held || c->output_paused || c->close_after_flush)
            break;
        char *ptr;
        size_t len;
        if (resp_parser_reserve(c->parser, 0, &ptr, &len) != 0) {
            ss_client_close(c);
            return;
        }
        ssize_t n = ss_tls_conn_read(c->tls, ptr, len, why);
        if (n < 0) {
            LOG_DEBUG("server: client %llu TLS read: %s", (unsigned long long)c->session.id, why);
            ss_client_close(c);
            return;
        }
        if (n == 0) {
            if (fed == 0)
                break;
            continue;
        }
        resp_parser_commit(c->parser, (size_t)n);
        process_input(c);
    }
    if (!c->closing && ss_tls_conn_drain(c->tls, &c->tls_out) != SS_OK)
        ss_client_close(c);
}

/* Input that waited while the client could not take it (blocked, paused,
 * held): the plain path finds it in the parser, TLS may hold more. */
static void tls_resume(ss_client *c)
{
    if (c->tls && !c->closing && (ss_buf_len(&c->tls_in) > 0 || ss_tls_conn_has_input(c->tls)))
        tls_pump(c);
}

/* Encrypts replies into tls_out, up to about TLS_OUT_MAX, once the handshake
 * is done (before, only its own messages go out). False if it closed c. */
static bool tls_encrypt(ss_client *c)
{
    if (ss_tls_conn_drain(c->tls, &c->tls_out) != SS_OK) {
        ss_client_close(c);
        return false;
    }
    if (!ss_tls_conn_established(c->tls) || ss_buf_len(&c->tls_out) >= TLS_OUT_MAX)
        return true;
    size_t n = ss_buf_len(&c->out);
    if (n > TLS_OUT_MAX - ss_buf_len(&c->tls_out))
        n = TLS_OUT_MAX - ss_buf_len(&c->tls_out);
    if (n == 0)
        return true;
    if (ss_tls_conn_write(c->tls, ss_buf_data(&c->out), n, &c->tls_out) != SS_OK) {
        ss_client_close(c);
        return false;
    }
    ss_buf_consume(&c->out, n);
    shrink_if_empty(&c->out);
    return true;
}

/* ------------------------------------------------------------ writing */

static void on_written(uv_write_t *req, int status)
{
    ss_client *c = req->data;
    c->write_in_flight = false;
    ss_buf_reset(&c->writing);
    shrink_if_empty(&c->writing);
    if (c->closed) {
        ss_client_maybe_free(c);
        return;
    }
    if (status < 0) {
        ss_client_close(c);
        return;
    }
    ss_client_ready(c);
}

static void flush_output(ss_client *c)
{
    /* Plain: out goes to the socket. TLS: out is encrypted into tls_out a
     * bounded piece at a time, and each piece goes; a round that leaves
     * something unsent hands it to uv_write and stops, so out is the bound. */
    ss_buf *src = c->tls ? &c->tls_out : &c->out;
    for (;;) {
        if (c->write_in_flight || c->closing || c->held)
            return;
        if (c->tls && !tls_encrypt(c))
            return;
        if (ss_buf_len(src) == 0)
            return;
        /* Try the socket directly first: most replies fit and need no callback. */
        uv_buf_t b = uv_buf_init(ss_buf_data(src), (unsigned)ss_buf_len(src));
        int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
        if (n > 0) {
            c->srv->stats.net_output_bytes += (uint64_t)n;
            ss_buf_consume(src, (size_t)n);
        } else if (n < 0 && n != UV_EAGAIN) {
            ss_client_close(c);
            return;
        }
        if (ss_buf_len(src) > 0)
            break;
        shrink_if_empty(src);
        if (!c->tls || ss_buf_len(&c->out) == 0)
            return;
    }
    /* The rest goes through uv_write, from a buffer that stays put until the
     * callback: swap it out so new replies keep accumulating. */
    ss_buf tmp = c->writing;
    c->writing = *src;
    *src = tmp;
    c->srv->stats.net_output_bytes += ss_buf_len(&c->writing);
    uv_buf_t b = uv_buf_init(ss_buf_data(&c->writing), (unsigned)ss_buf_len(&c->writing));
    c->wreq.data = c;
    c->write_in_flight = true;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
        c->write_in_flight = false;
        ss_client_close(c);
    }
}

/* Called from the check handle: resume a blocked client, run its input, write. */
void ss_client_run_ready(ss_client *c)
{
    if (c->closing || c->held)
        return;
    if (c->blocked && c->session.pending == 0) {
        c->blocked = false;
        resp_cmd *cmd = c->current;
        c->current = NULL;
        dispatch(c, cmd);
        if (!c->blocked)
            process_input(c);
        if (!c->blocked && !c->output_paused && !c->close_after_flush)
            start_reading(c);
    }
    if (!c->blocked && !c->output_paused)
        tls_resume(c);
    flush_output(c);
    /* A paused client resumes once what it owes is back under the soft limit,
     * also when the write finished at once and no callback will come. Each
     * round runs at least one command or stops. */
    while (!c->closing && c->output_paused && !c->blocked && !ss_client_output_paused(c)) {
        c->output_paused = false;
        process_input(c);
        if (!c->output_paused && !c->blocked)
            tls_resume(c);
        if (!c->output_paused && !c->blocked && !c->close_after_flush)
            start_reading(c);
        flush_output(c);
    }
    if (!ss_client_check_output(c))
        return;
    if (c->close_after_flush && !c->write_in_flight && ss_buf_len(&c->out) == 0 &&
        ss_buf_len(&c->tls_out) == 0 && c->slots_head == NULL)
        ss_client_close(c);
}

void ss_client_hold(ss_client *c)
{
    stop_reading(c);
}

void ss_client_release(ss_client *c)
{
    if (c->closing)
        return;
    flush_output(c);
    process_input(c);
    if (!c->held && !c->blocked && !c->output_paused)
        tls_resume(c);
    if (!c->held && !c->blocked && !c->output_paused && !c->close_after_flush)
        start_reading(c);
    ss_client_ready(c);
}

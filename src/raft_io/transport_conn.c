/* Peer transport connections: handle lifecycle, the batched write queue and the read path. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "raft_io/transport_internal.h"

void conn_unref(conn *c)
{
    if (--c->refs > 0)
        return;
    ss_transport *t = c->t;
    if (c->prev)
        c->prev->next = c->next;
    else
        t->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    ss_frame_reader_release(&c->reader);
    ss_tls_conn_free(c->tls);
    free(c);
    transport_unref(t);
}

static void on_handle_closed(uv_handle_t *h)
{
    conn_unref(h->data);
}

static void on_deadline(uv_timer_t *timer)
{
    conn *c = timer->data;
    conn_fail(c, c->state == CONN_HANDSHAKE ? "handshake timed out" : "connect timed out");
}

void conn_set_deadline(conn *c, unsigned ms)
{
    uv_timer_start(&c->timer, on_deadline, ms, 0);
}

conn *conn_new(ss_transport *t, peer *p, bool outbound)
{
    conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->t = t;
    c->peer = p;
    c->outbound = outbound;
    if (conn_tls_init(c) != SS_OK) {
        free(c);
        return NULL;
    }
    c->state = outbound ? CONN_RESOLVING : CONN_HANDSHAKE;
    ss_frame_reader_init(&c->reader, HANDSHAKE_MAX_PAYLOAD);
    uv_tcp_init(t->loop, &c->tcp);
    uv_timer_init(t->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->refs = 2;
    uv_timer_start(&c->timer, on_deadline, t->handshake_ms, 0);
    c->next = t->conns;
    if (t->conns)
        t->conns->prev = c;
    t->conns = c;
    t->refs++;
    return c;
}

static void free_frames(tframe *f)
{
    while (f) {
        tframe *next = f->next;
        free(f);
        f = next;
    }
}

static void leave_handshake(conn *c)
{
    if (c->handshaking_counted) {
        c->handshaking_counted = false;
        c->t->handshaking_inbound--;
    }
}

void conn_close(conn *c)
{
    if (c->state == CONN_CLOSING)
        return;
    if (c->state == CONN_RESOLVING)
        uv_cancel((uv_req_t *)&c->resolve_req);
    c->state = CONN_CLOSING;
    leave_handshake(c);
    /* Queued frames go now; frames inside uv_write are freed by their callbacks,
     * which libuv runs (with UV_ECANCELED) before the close callback. */
    for (tframe *f = c->head; f; f = f->next)
        c->queued -= f->len;
    c->queued += c->head_off; /* counted off when it was written */
    c->head_off = 0;
    free_frames(c->head);
    c->head = c->tail = NULL;
    if (c->outbound && c->peer->out == c)
        c->peer->out = NULL;
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

void conn_log_refusal(conn *c, const char *why)
{
    ss_transport *t = c->t;
    char key[sizeof t->last_refusal];
    /* The remote port changes with every attempt; the host and reason do not. */
    const char *colon = strrchr(c->addr, ':');
    int hostlen = colon ? (int)(colon - c->addr) : (int)strlen(c->addr);
    snprintf(key, sizeof key, "%.*s: %s", hostlen, c->addr, why);
    uint64_t now = uv_now(t->loop);
    t->inbound.refused++;
    if (strcmp(key, t->last_refusal) == 0 && now - t->last_refusal_ms < REFUSAL_LOG_INTERVAL_MS) {
        LOG_DEBUG("transport: refused connection from %s: %s", c->addr, why);
        return;
    }
    LOG_WARNING("transport: refused connection from %s: %s", c->addr, why);
    memcpy(t->last_refusal, key, sizeof key);
    t->last_refusal_ms = now;
}

static void inbound_failed(conn *c, const char *why, bool malformed)
{
    if (c->state == CONN_OPEN && malformed)
        LOG_WARNING("transport: closing connection from node %llu (%s): %s",
                    (unsigned long long)c->peer->id, c->addr, why);
    else if (c->state == CONN_OPEN)
        LOG_NOTICE("transport: closing connection from node %llu (%s): %s",
                   (unsigned long long)c->peer->id, c->addr, why);
    else if (!c->refusing)
        conn_log_refusal(c, why);
    conn_close(c);
}

void conn_fail(conn *c, const char *why)
{
    if (c->state == CONN_CLOSING)
        return;
    if (c->outbound)
        peer_conn_failed(c, why);
    else
        inbound_failed(c, why, false);
}

/* The peer broke the protocol: that deserves a warning even from a known peer. */
static void conn_reject(conn *c, const char *why)
{
    c->t->inbound.malformed++;
    if (c->outbound)
        peer_conn_failed(c, why);
    else
        inbound_failed(c, why, true);
}

void conn_refuse(conn *c, const char *why)
{
    conn_log_refusal(c, why);
    c->refusing = true;
    uv_read_stop((uv_stream_t *)&c->tcp);
    size_t n = strlen(why);
    /* Tell the connector why, so that its operator sees the cause too; the
     * connection closes once the frame is written (or at the deadline). */
    if (conn_queue(c, SS_FRAME_REFUSE, why, n < REFUSE_REASON_MAX ? n : REFUSE_REASON_MAX) != 0)
        conn_close(c);
}

void conn_set_open(conn *c)
{
    c->state = CONN_OPEN;
    leave_handshake(c);
    uv_timer_stop(&c->timer);
    /* Only inbound connections carry messages; an acceptor sends nothing big. */
    if (!c->outbound)
        ss_frame_reader_set_max(&c->reader, c->t->max_frame);
}

int conn_queue(conn *c, ss_frame_type type, const void *payload, size_t len)
{
    tframe *f = malloc(sizeof *f + SS_FRAME_HEADER_SIZE + len);
    if (f == NULL)
        return SS_ENOMEM;
    f->next = NULL;
    f->len = SS_FRAME_HEADER_SIZE + len;
    f->data = type == SS_FRAME_DATA;
    ss_frame_header(f->bytes, type, payload, (uint32_t)len);
    if (len > 0)
        memcpy(f->bytes + SS_FRAME_HEADER_SIZE, payload, len);
    if (c->tail)
        c->tail->next = f;
    else
        c->head = f;
    c->tail = f;
    c->queued += f->len;
    c->t->dirty = true;
    return SS_OK;
}

typedef struct {
    uv_write_t req;
    conn *c;
    tframe *frames;              /* plain: the frames being written */
    ss_buf cipher;               /* TLS: their records (or a handshake's) */
    size_t bytes;                /* frame bytes (plaintext) */
    size_t messages;
} wreq;

static void on_written(uv_write_t *req, int status)
{
    wreq *w = req->data;
    conn *c = w->c;
    c->writes--;
    c->queued -= w->bytes;
    free_frames(w->frames);
    ss_buf_release(&w->cipher);
    if (status == 0 && c->outbound) {
        c->peer->stats.bytes_sent += w->bytes;
        c->peer->stats.messages_sent += w->messages;
    }
    free(w);
    if (status < 0 && c->state != CONN_CLOSING)
        conn_fail(c, uv_strerror(status));
    else if (c->refusing && c->writes == 0 && c->head == NULL)
        conn_close(c);
    else if (c->head != NULL)
        c->t->dirty = true;
    conn_unref(c);
}

static int submit(conn *c, wreq *w, const uv_buf_t *bufs, unsigned n)
{
    w->c = c;
    w->req.data = w;
    /* libuv copies the uv_buf_t array, so bufs may live on the stack. */
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, bufs, n, on_written);
    if (rc < 0) {
        c->queued -= w->bytes;
        free_frames(w->frames);
        ss_buf_release(&w->cipher);
        free(w);
        return rc;
    }
    c->writes++;
    c->refs++;
    if (c->outbound)
        c->peer->stats.writes++;
    return 0;
}

int conn_write_raw(conn *c, ss_buf *cipher)
{
    wreq *w = calloc(1, sizeof *w);
    if (w == NULL) {
        ss_buf_release(cipher);
        return UV_ENOMEM;
    }
    w->cipher = *cipher;
    ss_buf_init(cipher, 0);
    uv_buf_t b = uv_buf_init(ss_buf_data(&w->cipher), (unsigned)ss_buf_len(&w->cipher));
    return submit(c, w, &b, 1);
}

/* The queued frames (up to MAX_FRAMES_PER_WRITE) as buffers, the head's
 * written part left out; their bytes and DATA frames in *bytes, *messages. */
static unsigned gather(conn *c, uv_buf_t *bufs, size_t *bytes, size_t *messages)
{
    unsigned n = 0;
    *bytes = *messages = 0;
    for (tframe *f = c->head; f && n < MAX_FRAMES_PER_WRITE; f = f->next) {
        size_t off = f == c->head ? c->head_off : 0;
        bufs[n++] = uv_buf_init((char *)f->bytes + off, (unsigned)(f->len - off));
        *bytes += f->len - off;
        *messages += f->data;
    }
    return n;
}

/* Plain TCP with no write in flight: the frames go straight to the socket, as
 * a client's replies do. What the kernel takes at once needs no uv_write: no
 * request, no POLLOUT watcher (an epoll_ctl to arm it, another after the
 * callback) and no callback in the next loop iteration, which at one write
 * per commit was a third of the peer link's system calls. Returns whether
 * everything queued went; the rest, if any, goes by uv_write. */
static int write_direct(conn *c, uv_buf_t *bufs, bool *all)
{
    size_t bytes, messages;
    unsigned n = gather(c, bufs, &bytes, &messages);
    int rc = uv_try_write((uv_stream_t *)&c->tcp, bufs, n);
    *all = false;
    if (rc == UV_EAGAIN)
        return 0;
    if (rc < 0)
        return rc;
    size_t left = (size_t)rc;
    c->queued -= left;
    if (c->outbound) {
        c->peer->stats.bytes_sent += left;
        c->peer->stats.writes++;
    }
    while (c->head && left >= c->head->len - c->head_off) {
        tframe *f = c->head;
        left -= f->len - c->head_off;
        c->head_off = 0;
        if (c->outbound)
            c->peer->stats.messages_sent += f->data;
        c->head = f->next;
        free(f);
    }
    if (c->head == NULL)
        c->tail = NULL;
    c->head_off += left; /* a frame the kernel took part of */
    *all = c->head == NULL;
    return 0;
}

/* Hands up to MAX_FRAMES_PER_WRITE queued frames to one uv_write (under TLS,
 * their records). */
static int write_some(conn *c)
{
    uv_buf_t bufs[MAX_FRAMES_PER_WRITE]; /* 16 KB of stack, in a shallow callback */
    if (c->tls == NULL && c->writes == 0) {
        bool all;
        int rc = write_direct(c, bufs, &all);
        if (rc < 0 || all)
            return rc;
    }
    wreq *w = calloc(1, sizeof *w);
    if (w == NULL)
        return UV_ENOMEM;
    unsigned n = gather(c, bufs, &w->bytes, &w->messages);
    tframe *last = c->head;
    for (unsigned i = 1; i < n; i++)
        last = last->next;
    c->head_off = 0; /* the buffers carry it now */
    w->frames = c->head;
    c->head = last->next;
    if (c->head == NULL)
        c->tail = NULL;
    last->next = NULL;
    if (c->tls) {
        /* The records are what goes out: the frames are done with. */
        ss_buf_init(&w->cipher, 0);
        int rc = conn_tls_encrypt(c, bufs, n, &w->cipher);
        free_frames(w->frames);
        w->frames = NULL;
        if (rc != SS_OK) {
            c->queued -= w->bytes;
            ss_buf_release(&w->cipher);
            free(w);
            return rc == SS_ENOMEM ? UV_ENOMEM : UV_EPROTO;
        }
        bufs[0] = uv_buf_init(ss_buf_data(&w->cipher), (unsigned)ss_buf_len(&w->cipher));
        n = 1;
    }
    return submit(c, w, bufs, n);
}

bool conn_writable(const conn *c)
{
    return (c->state == CONN_HANDSHAKE || c->state == CONN_OPEN) &&
           (c->tls == NULL || ss_tls_conn_established(c->tls));
}

static void flush(conn *c)
{
    while (c->head && c->writes < MAX_WRITES_IN_FLIGHT && conn_writable(c)) {
        int rc = write_some(c);
        if (rc < 0) {
            conn_fail(c, uv_strerror(rc));
            return;
        }
    }
    /* A refusal written straight away has no callback to close after it. */
    if (c->refusing && c->state != CONN_CLOSING && c->writes == 0 && c->head == NULL)
        conn_close(c);
}

void conn_flush_all(ss_transport *t)
{
    if (!t->dirty)
        return;
    t->dirty = false;
    for (conn *c = t->conns; c; c = c->next)
        flush(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    conn *c = h->data;
    *buf = uv_buf_init((char *)c->rbuf, sizeof c->rbuf);
}

static void on_frame(conn *c, const ss_frame *f)
{
    if (c->state != CONN_OPEN) {
        handshake_on_frame(c, f);
        return;
    }
    if (c->outbound || f->type != SS_FRAME_DATA) {
        /* Only the connector sends, and only DATA once authenticated. */
        conn_reject(c, "unexpected frame type after handshake");
        return;
    }
    c->peer->stats.bytes_received += SS_FRAME_HEADER_SIZE + (uint64_t)f->len;
    c->peer->stats.messages_received++;
    transport_deliver(c->t, c->peer, f->payload, f->len);
}

void conn_feed(conn *c, const uint8_t *data, size_t len)
{
    /* A callback may close the connection (or the transport): stop at once then,
     * so that nothing read after that point is delivered. */
    while (c->state != CONN_CLOSING && !c->refusing && !c->t->closing) {
        ss_frame f;
        ss_frame_result r = ss_frame_reader_next(&c->reader, &data, &len, &f);
        if (r == SS_FRAME_MORE)
            break;
        if (r == SS_FRAME_ERROR) {
            conn_reject(c, c->reader.error);
            break;
        }
        on_frame(c, &f);
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = s->data;
    if (nread < 0) {
        conn_fail(c, nread == UV_EOF ? "connection closed by peer" : uv_strerror((int)nread));
        return;
    }
    if (c->tls)
        conn_tls_read(c, (const uint8_t *)buf->base, (size_t)nread);
    else
        conn_feed(c, (const uint8_t *)buf->base, (size_t)nread);
}

int conn_start(conn *c)
{
    uv_tcp_nodelay(&c->tcp, 1);
    uv_tcp_keepalive(&c->tcp, 1, KEEPALIVE_S);
#ifdef TCP_USER_TIMEOUT
    /* Unacknowledged data for this long means the host is gone: fail the
     * connection (and redial) instead of waiting out TCP's ~15 minutes. */
    uv_os_fd_t fd;
    unsigned timeout_ms = USER_TIMEOUT_MS;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
        setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout_ms, sizeof timeout_ms);
#endif
    return uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

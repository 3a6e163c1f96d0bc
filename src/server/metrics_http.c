/* The Prometheus endpoint: one request per connection, answered from the loop and closed. */
#include "server/metrics_http.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"

typedef struct mconn {
    uv_tcp_t tcp;
    ss_metrics_http *m;
    struct mconn *prev, *next;
    uint64_t start_ms;          /* monotonic: accepted then */
    bool answered;              /* the answer is being written: no more reading */
    bool closing;
    size_t len;
    char req[SS_METRICS_MAX_REQUEST];
    ss_buf resp;
    uv_write_t wr;
} mconn;

struct ss_metrics_http {
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_timer_t sweep;           /* closes connections that took too long */
    ss_metrics_render_fn render;
    void *ctx;
    mconn *conns;
    size_t nconns;
    bool closing;
    int open_handles;           /* listener, timer, connections */
    void (*close_cb)(void *arg);
    void *close_arg;
};

static void maybe_done(ss_metrics_http *m)
{
    if (!m->closing || m->open_handles > 0)
        return;
    void (*cb)(void *) = m->close_cb;
    void *arg = m->close_arg;
    free(m);
    if (cb)
        cb(arg);
}

static void on_conn_closed(uv_handle_t *h)
{
    mconn *c = h->data;
    ss_metrics_http *m = c->m;
    if (c->prev)
        c->prev->next = c->next;
    else
        m->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    m->nconns--;
    m->open_handles--;
    ss_buf_release(&c->resp);
    free(c);
    maybe_done(m);
}

static void conn_close(mconn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    conn_close(w->data);
}

/* Writes the status line, headers and (unless head) body, then closes. */
static void answer(mconn *c, int code, const char *reason, const char *extra_headers, const char *type,
                   const char *body, size_t body_len, bool head)
{
    c->answered = true;
    uv_read_stop((uv_stream_t *)&c->tcp);
    ss_buf_appendf(&c->resp,
                   "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
                   code, reason, type, body_len, extra_headers);
    if (!head)
        ss_buf_append(&c->resp, body, body_len);
    if (ss_buf_error(&c->resp)) {
        conn_close(c);
        return;
    }
    uv_buf_t b = uv_buf_init(ss_buf_data(&c->resp), (unsigned)ss_buf_len(&c->resp));
    c->wr.data = c;
    if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
        conn_close(c);
}

static void answer_text(mconn *c, int code, const char *reason, const char *extra, const char *text, bool head)
{
    answer(c, code, reason, extra, "text/plain; charset=utf-8", text, strlen(text), head);
}

/* The request line of a complete request: "METHOD TARGET HTTP/1.x". */
static void handle(mconn *c)
{
    char *eol = memchr(c->req, '\n', c->len);
    size_t n = (size_t)(eol - c->req);
    if (n > 0 && c->req[n - 1] == '\r')
        n--;
    char *line = c->req;
    line[n] = '\0';
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
        answer_text(c, 400, "Bad Request", "", "Bad Request\n", false);
        return;
    }
    *sp1 = *sp2 = '\0';
    const char *method = line, *target = sp1 + 1;
    bool head = !strcmp(method, "HEAD");
    if (!head && strcmp(method, "GET") != 0) {
        answer_text(c, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n", "Method Not Allowed\n", false);
        return;
    }
    size_t plen = strcspn(target, "?");
    if (plen != strlen("/metrics") || strncmp(target, "/metrics", plen) != 0) {
        answer_text(c, 404, "Not Found", "", "Not Found: the metrics are at /metrics\n", head);
        return;
    }
    ss_buf body;
    ss_buf_init(&body, 0);
    c->m->render(c->m->ctx, &body);
    if (ss_buf_error(&body))
        answer_text(c, 500, "Internal Server Error", "", "out of memory\n", head);
    else
        answer(c, 200, "OK", "", "text/plain; version=0.0.4; charset=utf-8", ss_buf_data(&body),
               ss_buf_len(&body), head);
    ss_buf_release(&body);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
    (void)suggested;
    mconn *c = h->data;
    /* One byte kept for the terminator the request line gets. */
    *b = uv_buf_init(c->req + c->len, (unsigned)(sizeof c->req - 1 - c->len));
}

static bool request_complete(const mconn *c)
{
    for (size_t i = 0; i + 1 < c->len; i++)
        if (c->req[i] == '\n' && (c->req[i + 1] == '\n' || (c->req[i + 1] == '\r' && i + 2 < c->len &&
                                                            c->req[i + 2] == '\n')))
            return true;
    return false;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
    (void)b;
    mconn *c = s->data;
    if (c->answered || c->closing)
        return;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    c->len += (size_t)nread;
    if (request_complete(c))
        handle(c);
    else if (c->len >= sizeof c->req - 1)
        answer_text(c, 431, "Request Header Fields Too Large", "", "Request Header Fields Too Large\n", false);
}

static void on_connection(uv_stream_t *listener, int status)
{
    ss_metrics_http *m = listener->data;
    if (status < 0 || m->closing)
        return;
    mconn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->m = m;
    c->start_ms = ss_clock_mono_ms();
    ss_buf_init(&c->resp, 0);
    uv_tcp_init(m->loop, &c->tcp);
    c->tcp.data = c;
    c->next = m->conns;
    if (m->conns)
        m->conns->prev = c;
    m->conns = c;
    m->nconns++;
    m->open_handles++;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 || m->nconns > SS_METRICS_MAX_CONNS ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c);
}

static void on_sweep(uv_timer_t *t)
{
    ss_metrics_http *m = t->data;
    uint64_t now = ss_clock_mono_ms();
    for (mconn *c = m->conns; c; c = c->next)
        if (now - c->start_ms > SS_METRICS_IDLE_MS)
            conn_close(c);
}

static void on_handle_closed(uv_handle_t *h)
{
    ss_metrics_http *m = h->data;
    m->open_handles--;
    maybe_done(m);
}

int ss_metrics_http_start(uv_loop_t *loop, const char *bind, int port, ss_metrics_render_fn render, void *ctx,
                          ss_metrics_http **out, char *errmsg)
{
    struct sockaddr_storage addr;
    int rc = strchr(bind, ':') ? uv_ip6_addr(bind, port, (struct sockaddr_in6 *)&addr)
                               : uv_ip4_addr(bind, port, (struct sockaddr_in *)&addr);
    if (rc != 0)
        return ss_errf(errmsg, SS_ECONFIG, "bad bind address '%s': %s", bind, uv_strerror(rc));
    ss_metrics_http *m = calloc(1, sizeof *m);
    if (!m)
        return ss_errf(errmsg, SS_ENOMEM, "metrics: out of memory");
    m->loop = loop;
    m->render = render;
    m->ctx = ctx;
    uv_tcp_init(loop, &m->listener);
    m->listener.data = m;
    uv_timer_init(loop, &m->sweep);
    m->sweep.data = m;
    m->open_handles = 2;
    *out = m;
    if ((rc = uv_tcp_bind(&m->listener, (struct sockaddr *)&addr, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&m->listener, 64, on_connection)) != 0)
        return ss_errf(errmsg, SS_EIO, "can't listen on %s:%d (metrics-port): %s", bind, port, uv_strerror(rc));
    uv_timer_start(&m->sweep, on_sweep, 1000, 1000);
    LOG_NOTICE("server: metrics (Prometheus) on http://%s:%d/metrics", bind, port);
    return SS_OK;
}

void ss_metrics_http_close(ss_metrics_http *m, void (*cb)(void *arg), void *arg)
{
    if (m->closing)
        return;
    m->closing = true;
    m->close_cb = cb;
    m->close_arg = arg;
    for (mconn *c = m->conns; c; c = c->next)
        conn_close(c);
    uv_close((uv_handle_t *)&m->listener, on_handle_closed);
    uv_close((uv_handle_t *)&m->sweep, on_handle_closed);
}

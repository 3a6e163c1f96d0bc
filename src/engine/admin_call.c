/* One admin command sent to another member's client port on the engine's loop: a follower's RAFT.* forwarded to the leader, RAFT.CLUSTER JOIN's requests; plain TCP or TLS. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/admin_call.h"
#include "resp/buf.h"
#include "tls/tls.h"

/*
 * A call is a libuv TCP connection (after an address lookup on the worker
 * pool when the host is a name), optionally a TLS connection over it (our
 * src/tls, the same code as the client and raft ports: hiredis 0.14 has no
 * TLS), and hiredis's reply reader. It writes the whole request at once
 * (AUTH, then the command) and reads one or two replies.
 *
 * Handles close on their own schedule: the call counts the ones open (the
 * timer, the TCP handle, an address lookup in flight) and is freed when the
 * last is gone. `done` makes the callback run exactly once, whichever of
 * reply, error, timeout or cancel comes first; a cancelled call's callback
 * never runs (its owner is going away).
 */
#define REPLY_BYTES_MAX (4 * 1024 * 1024) /* admin replies are small: a bound on what a member sends */
#define READ_CHUNK 16384

struct ss_admin_call {
    uv_loop_t *loop;
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_timer_t timer;
    uv_getaddrinfo_t lookup;
    int refs;
    bool done, started, tcp_open, lookup_pending, sent;
    char host[SS_HOST_MAX];
    int port;
    uint64_t timeout_ms;
    ss_tls_conn *tls;      /* NULL: plain TCP */
    redisReader *reader;
    ss_buf request;        /* plaintext: AUTH (when any), then the command */
    int auth_replies;      /* replies to AUTH still to read before the command's */
    char auth_err[160];
    size_t received;
    ss_admin_cb cb;
    void *arg;
    ss_admin_call *next, **prevp;
};

typedef struct write_req {
    uv_write_t req;
    char data[];
} write_req;

static void unlink_call(ss_admin_call *c)
{
    if (c->prevp) {
        *c->prevp = c->next;
        if (c->next)
            c->next->prevp = c->prevp;
        c->prevp = NULL;
        c->next = NULL;
    }
}

static void release(ss_admin_call *c)
{
    if (--c->refs > 0)
        return;
    if (c->tls)
        ss_tls_conn_free(c->tls);
    if (c->reader)
        redisReaderFree(c->reader);
    ss_buf_release(&c->request);
    free(c);
}

static void on_closed(uv_handle_t *h) { release(h->data); }

/* Ends the call: the callback (unless cancelled), then every handle. */
static void finish(ss_admin_call *c, const redisReply *r, const char *err, bool call_cb)
{
    if (c->done)
        return;
    c->done = true;
    unlink_call(c);
    if (call_cb)
        c->cb(c->arg, r, err);
    uv_close((uv_handle_t *)&c->timer, on_closed);
    if (c->tcp_open)
        uv_close((uv_handle_t *)&c->tcp, on_closed);
    if (c->lookup_pending)
        uv_cancel((uv_req_t *)&c->lookup); /* its callback still runs, and drops its reference */
}

/* Ends the call with why = what + detail. */
static void fail(ss_admin_call *c, const char *what, const char *detail)
{
    char why[256];
    snprintf(why, sizeof why, "%s%s", what, detail);
    finish(c, NULL, why, true);
}

static void on_written(uv_write_t *req, int status)
{
    ss_admin_call *c = req->data;
    free(req);
    if (status < 0 && status != UV_ECANCELED && !c->done)
        fail(c, "connection lost before the reply: ", uv_strerror(status));
}

/* Sends bytes as they are (ciphertext, or plaintext without TLS). */
static void send_raw(ss_admin_call *c, const char *data, size_t len)
{
    if (len == 0)
        return;
    write_req *w = malloc(sizeof *w + len);
    if (w == NULL) {
        fail(c, "", "out of memory");
        return;
    }
    memcpy(w->data, data, len);
    w->req.data = c;
    uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc < 0) {
        free(w);
        fail(c, "cannot send: ", uv_strerror(rc));
    }
}

/* The TLS connection's pending ciphertext (handshake messages, records) out. */
static void flush_tls(ss_admin_call *c)
{
    ss_buf out;
    ss_buf_init(&out, 0);
    if (ss_tls_conn_drain(c->tls, &out) != SS_OK)
        fail(c, "", "out of memory");
    else
        send_raw(c, ss_buf_data(&out), ss_buf_len(&out));
    ss_buf_release(&out);
}

static void send_request(ss_admin_call *c)
{
    c->sent = true;
    if (c->tls == NULL) {
        send_raw(c, ss_buf_data(&c->request), ss_buf_len(&c->request));
        return;
    }
    ss_buf out;
    ss_buf_init(&out, 0);
    if (ss_tls_conn_write(c->tls, ss_buf_data(&c->request), ss_buf_len(&c->request), &out) != SS_OK)
        fail(c, "", "TLS write failed");
    else
        send_raw(c, ss_buf_data(&out), ss_buf_len(&out));
    ss_buf_release(&out);
}

/* Plaintext from the member: replies, AUTH's first. */
static void take_plaintext(ss_admin_call *c, const char *data, size_t len)
{
    if (c->done)
        return;
    c->received += len;
    if (c->received > REPLY_BYTES_MAX) {
        fail(c, "the reply is larger than ", "4 MB");
        return;
    }
    if (redisReaderFeed(c->reader, data, len) != REDIS_OK) {
        fail(c, "unreadable reply: ", c->reader->errstr);
        return;
    }
    while (!c->done) {
        void *reply = NULL;
        if (redisReaderGetReply(c->reader, &reply) != REDIS_OK) {
            fail(c, "unreadable reply: ", c->reader->errstr);
            return;
        }
        if (reply == NULL)
            return;
        redisReply *r = reply;
        if (c->auth_replies > 0) {
            c->auth_replies--;
            if (r->type == REDIS_REPLY_ERROR && !c->auth_err[0])
                snprintf(c->auth_err, sizeof c->auth_err, "AUTH refused: %s", r->str);
        } else if (c->auth_err[0] && r->type == REDIS_REPLY_ERROR) {
            /* Refused for want of AUTH (NOAUTH, NOPERM...): say why. A
             * command that ran anyway (a member without a password
             * answers AUTH with an error) has its own reply. */
            finish(c, NULL, c->auth_err, true);
        } else {
            finish(c, r, NULL, true);
        }
        freeReplyObject(r);
    }
}

/* Ciphertext from the socket: handshake, then records. */
static void take_ciphertext(ss_admin_call *c, const char *data, size_t len)
{
    ss_errmsg why = "";
    char plain[READ_CHUNK];
    while (!c->done) {
        size_t took = ss_tls_conn_feed(c->tls, data, len);
        data += took;
        len -= took;
        if (!ss_tls_conn_established(c->tls)) {
            int hs = ss_tls_conn_handshake(c->tls, why);
            flush_tls(c);
            if (hs < 0) {
                fail(c, "TLS handshake failed: ", why);
                return;
            }
            if (hs == 1 && !c->sent)
                send_request(c);
        }
        ssize_t n;
        bool got = false;
        while (!c->done && ss_tls_conn_established(c->tls) &&
               (n = ss_tls_conn_read(c->tls, plain, sizeof plain, why)) != 0) {
            if (n < 0) {
                fail(c, "connection lost before the reply: ", why);
                return;
            }
            got = true;
            take_plaintext(c, plain, (size_t)n);
        }
        if (!c->done && ss_tls_conn_pending(c->tls) > 0)
            flush_tls(c);
        if (c->done || len == 0)
            return; /* all fed: wait for more */
        if (took == 0 && !got) { /* nothing moved: the loop would spin */
            fail(c, "TLS: ", "input the connection does not take");
            return;
        }
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    static char chunk[READ_CHUNK]; /* the loop thread's; used before the next read */
    *buf = uv_buf_init(chunk, sizeof chunk);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    ss_admin_call *c = s->data;
    if (c->done)
        return;
    if (n < 0) {
        fail(c, "connection lost before the reply: ", n == UV_EOF ? "closed" : uv_strerror((int)n));
        return;
    }
    if (c->tls)
        take_ciphertext(c, buf->base, (size_t)n);
    else
        take_plaintext(c, buf->base, (size_t)n);
}

static void on_connect(uv_connect_t *req, int status)
{
    ss_admin_call *c = req->data;
    if (c->done)
        return;
    if (status < 0) {
        fail(c, "cannot connect: ", uv_strerror(status));
        return;
    }
    int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc < 0) {
        fail(c, "cannot read: ", uv_strerror(rc));
        return;
    }
    if (c->tls == NULL) {
        send_request(c);
        return;
    }
    ss_errmsg why = "";
    if (ss_tls_conn_handshake(c->tls, why) < 0) { /* the ClientHello */
        fail(c, "TLS handshake failed: ", why);
        return;
    }
    flush_tls(c);
}

static void dial(ss_admin_call *c, const struct sockaddr *sa)
{
    int rc = uv_tcp_init(c->loop, &c->tcp);
    if (rc < 0) {
        fail(c, "cannot connect: ", uv_strerror(rc));
        return;
    }
    c->tcp.data = c;
    c->tcp_open = true;
    c->refs++;
    uv_tcp_nodelay(&c->tcp, 1);
    c->connect.data = c;
    rc = uv_tcp_connect(&c->connect, &c->tcp, sa, on_connect);
    if (rc < 0)
        fail(c, "cannot connect: ", uv_strerror(rc));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    ss_admin_call *c = req->data;
    c->lookup_pending = false;
    if (!c->done && status < 0)
        fail(c, "cannot connect: ", uv_strerror(status));
    else if (!c->done) {
        ((struct sockaddr_in *)res->ai_addr)->sin_port = htons((uint16_t)c->port); /* same place in v6 */
        dial(c, res->ai_addr);
    }
    uv_freeaddrinfo(res);
    release(c);
}

ss_admin_target ss_admin_target_for(const ss_config *cfg, const char *addr)
{
    ss_admin_target t = {.addr = addr};
    if (cfg->port == 0 && cfg->tls_port != 0)
        t.tls = cfg;
    if (cfg->masterauth && cfg->masterauth[0]) {
        t.user = cfg->masteruser;
        t.password = cfg->masterauth;
    } else {
        t.password = cfg->requirepass;
    }
    return t;
}

static void add_arg(ss_buf *b, const char *s, size_t len)
{
    ss_buf_appendf(b, "$%zu\r\n", len);
    ss_buf_append(b, s, len);
    ss_buf_append(b, "\r\n", 2);
}

/* A call that never started: nothing of it is on the loop yet. */
static int discard(ss_admin_call *c, int rc)
{
    c->refs = 1;
    release(c);
    return rc;
}

static void on_timer(uv_timer_t *t)
{
    ss_admin_call *c = t->data;
    if (c->done)
        return;
    if (c->started) {
        finish(c, NULL, "no reply in time", true);
        return;
    }
    c->started = true;
    /* First round, on the loop's next turn: the callback never runs from
     * inside ss_admin_call_start. */
    uv_timer_start(&c->timer, on_timer, c->timeout_ms, 0);
    struct sockaddr_storage sa;
    if (uv_ip4_addr(c->host, c->port, (struct sockaddr_in *)&sa) == 0 ||
        uv_ip6_addr(c->host, c->port, (struct sockaddr_in6 *)&sa) == 0) {
        dial(c, (const struct sockaddr *)&sa);
        return;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    c->lookup.data = c;
    int rc = uv_getaddrinfo(c->loop, &c->lookup, on_resolved, c->host, NULL, &hints);
    if (rc < 0) {
        fail(c, "cannot connect: ", uv_strerror(rc));
        return;
    }
    c->lookup_pending = true;
    c->refs++;
}

int ss_admin_call_start(uv_loop_t *loop, ss_admin_call **list, const ss_admin_target *to, int argc,
                        const char **argv, const size_t *argvlen, uint64_t timeout_ms, ss_admin_cb cb,
                        void *arg, char *errmsg)
{
    const char *addr = to->addr;
    const char *colon = strrchr(addr, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (colon == NULL || colon == addr || (size_t)(colon - addr) >= SS_HOST_MAX || *end != '\0' || port < 1 ||
        port > 65535)
        return ss_errf(errmsg, SS_EINVAL, "invalid address '%s': expected host:port", addr);
    ss_admin_call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return ss_errf(errmsg, SS_ENOMEM, "out of memory");
    c->loop = loop;
    memcpy(c->host, addr, (size_t)(colon - addr));
    c->host[colon - addr] = '\0';
    c->port = (int)port;
    c->timeout_ms = timeout_ms;
    ss_buf_init(&c->request, 0);
    c->reader = redisReaderCreate();
    if (c->reader == NULL)
        return discard(c, ss_errf(errmsg, SS_ENOMEM, "out of memory"));
    if (to->tls) {
        /* A context per call: admin calls are rare, and certificates
         * reloaded by CONFIG SET are picked up. The connection keeps it. */
        ss_tls_ctx *ctx;
        int rc = ss_tls_ctx_new(to->tls, SS_TLS_PEER_DIAL, &ctx, errmsg);
        if (rc != SS_OK)
            return discard(c, rc);
        c->tls = ss_tls_conn_new(ctx);
        ss_tls_ctx_free(ctx);
        if (c->tls == NULL)
            return discard(c, ss_errf(errmsg, SS_ENOMEM, "out of memory"));
    }
    bool user = to->user && to->user[0] && to->password && to->password[0];
    if (user || (to->password && to->password[0])) {
        ss_buf_appendf(&c->request, "*%d\r\n", user ? 3 : 2);
        add_arg(&c->request, "AUTH", 4);
        if (user)
            add_arg(&c->request, to->user, strlen(to->user));
        add_arg(&c->request, to->password, strlen(to->password));
        c->auth_replies = 1;
    }
    ss_buf_appendf(&c->request, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++)
        add_arg(&c->request, argv[i], argvlen[i]);
    if (c->request.err != SS_OK)
        return discard(c, ss_errf(errmsg, SS_ENOMEM, "out of memory"));

    c->cb = cb;
    c->arg = arg;
    c->refs = 1; /* the timer */
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->next = *list;
    if (c->next)
        c->next->prevp = &c->next;
    c->prevp = list;
    *list = c;
    uv_timer_start(&c->timer, on_timer, 0, 0);
    return SS_OK;
}

void ss_admin_call_end_all(ss_admin_call **list, const char *why)
{
    while (*list)
        finish(*list, NULL, why, why != NULL);
}

/* A TCP fault proxy for the fault tests: one loopback listener per directed peer link, run by libuv on its own thread. */
#include "fault/fault_proxy.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

/* A direction stops reading once this many bytes wait in the proxy (queued
 * or being written) and starts again below half of it. */
#define QUEUE_HIGH (1u << 20)
#define READ_CHUNK 65536
/* Routed mode reads this much of a connection before choosing its link: the
 * transport's frame header (12 bytes) and the HELLO's sender and target ids
 * (8 bytes each, big-endian; src/raft_io/transport_handshake.c). */
#define HELLO_PREFIX 28

typedef struct chunk {
    struct chunk *next;
    uint64_t due_ms;
    size_t len;
    uv_write_t req;
    struct conn *conn;
    int dir;
    char data[];
} chunk;

struct plink;

/* One direction of a connection: bytes read from src wait in the queue until
 * due, then are written to dst. */
typedef struct pipe_dir {
    uv_stream_t *src;
    uv_stream_t *dst;
    chunk *head, *tail;
    size_t waiting; /* queued + being written */
    bool reading;
    uv_timer_t timer;
} pipe_dir;

typedef struct conn {
    struct plink *link;
    struct conn *next, *prev;
    uv_tcp_t down;  /* accepted from the sending node */
    uv_tcp_t up;    /* to the target node */
    uv_connect_t creq;
    bool connected;
    bool closing;
    bool sniffing;  /* routed mode: reading the HELLO, not yet on its link */
    uint8_t hello[HELLO_PREFIX];
    size_t hello_len;
    int handles;    /* initialised handles not yet closed */
    pipe_dir d[2];  /* 0: down -> up, 1: up -> down */
} conn;

typedef struct plink {
    struct fp_proxy *p;
    uv_tcp_t listener;
    bool listens;   /* false for routed mode's off-diagonal links */
    int target_port;
    bool blocked;
    int delay_ms;
    conn *conns;
    fp_link_stats stats;
    fp_link_stats snap; /* stats as of the last control round trip (under the lock) */
    /* Wanted by the control thread (under the proxy's lock). */
    bool want_blocked;
    int want_delay;
    uint64_t want_drops;
    uint64_t done_drops;
} plink;

struct fp_proxy {
    uv_loop_t loop;
    uv_async_t async;
    uv_timer_t lifetime;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t req_seq, done_seq;
    bool stop_wanted;
    bool stopped; /* the loop closed everything; control calls do nothing */
    int nslots;   /* routed mode: nodes (listeners on the diagonal); 0 otherwise */
    uint64_t *slot_id; /* routed mode: the node id at each slot (under the lock) */
    int nlinks;
    plink *links;
};

static void conn_close(conn *c);
static void route(conn *c);
static void pump(conn *c, int dir);
static void read_update(conn *c, int dir);

/* ------------------------------------------------------------ delivery */

static void on_written(uv_write_t *req, int status)
{
    chunk *ch = req->data;
    conn *c = ch->conn;
    int dir = ch->dir;
    c->d[dir].waiting -= ch->len;
    if (status == 0)
        c->link->stats.bytes += ch->len;
    free(ch);
    if (status != 0) {
        conn_close(c);
        return;
    }
    read_update(c, dir);
}

static void on_timer(uv_timer_t *t)
{
    conn *c = t->data;
    pump(c, t == &c->d[0].timer ? 0 : 1);
}

/* Writes every due chunk; arms the timer for the next one. */
static void pump(conn *c, int dir)
{
    pipe_dir *d = &c->d[dir];
    if (c->closing || !c->connected || c->link->blocked)
        return;
    uint64_t now = uv_now(&c->link->p->loop);
    while (d->head && d->head->due_ms <= now) {
        chunk *ch = d->head;
        d->head = ch->next;
        if (!d->head)
            d->tail = NULL;
        ch->req.data = ch;
        uv_buf_t b = uv_buf_init(ch->data, (unsigned)ch->len);
        if (uv_write(&ch->req, d->dst, &b, 1, on_written) != 0) {
            d->waiting -= ch->len;
            free(ch);
            conn_close(c);
            return;
        }
    }
    if (d->head)
        uv_timer_start(&d->timer, on_timer, d->head->due_ms - now, 0);
}

/* ------------------------------------------------------------- reading */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    (void)hint;
    chunk *ch = malloc(sizeof *ch + READ_CHUNK);
    *buf = ch ? uv_buf_init(ch->data, READ_CHUNK) : uv_buf_init(NULL, 0);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = s->data;
    chunk *ch = buf->base ? (chunk *)(buf->base - offsetof(chunk, data)) : NULL;
    if (nread <= 0) {
        free(ch);
        if (nread < 0)
            conn_close(c);
        return;
    }
    int dir = s == (uv_stream_t *)&c->down ? 0 : 1;
    pipe_dir *d = &c->d[dir];
    if (c->sniffing) {
        size_t take = (size_t)nread < HELLO_PREFIX - c->hello_len ? (size_t)nread : HELLO_PREFIX - c->hello_len;
        memcpy(c->hello + c->hello_len, buf->base, take);
        c->hello_len += take;
    }
    ch->next = NULL;
    ch->len = (size_t)nread;
    ch->conn = c;
    ch->dir = dir;
    ch->due_ms = uv_now(&c->link->p->loop) + (uint64_t)c->link->delay_ms;
    if (d->tail)
        d->tail->next = ch;
    else
        d->head = ch;
    d->tail = ch;
    d->waiting += ch->len;
    if (c->sniffing) {
        if (c->hello_len == HELLO_PREFIX)
            route(c);
        return;
    }
    read_update(c, dir);
    pump(c, dir);
}

/* Reads while the link is open and the queue has room. */
static void read_update(conn *c, int dir)
{
    pipe_dir *d = &c->d[dir];
    if (c->closing || !c->connected)
        return;
    bool want = !c->link->blocked && (d->reading ? d->waiting < QUEUE_HIGH : d->waiting < QUEUE_HIGH / 2);
    if (want && !d->reading)
        uv_read_start(d->src, on_alloc, on_read);
    else if (!want && d->reading)
        uv_read_stop(d->src);
    d->reading = want;
}

/* ------------------------------------------------------------ lifecycle */

static void on_conn_handle_closed(uv_handle_t *h)
{
    conn *c = h->data;
    if (--c->handles > 0)
        return;
    for (int i = 0; i < 2; i++) {
        while (c->d[i].head) {
            chunk *ch = c->d[i].head;
            c->d[i].head = ch->next;
            free(ch);
        }
    }
    free(c);
}

/* A connection joins or leaves its link's list (and counts). */
static void conn_attach(conn *c, plink *l)
{
    c->link = l;
    c->prev = NULL;
    c->next = l->conns;
    if (l->conns)
        l->conns->prev = c;
    l->conns = c;
    l->stats.accepted++;
    l->stats.open++;
}

static void conn_detach(conn *c)
{
    plink *l = c->link;
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    l->stats.open--;
}

static void conn_close(conn *c)
{
    if (c->closing)
        return;
    c->closing = true;
    conn_detach(c);
    uv_close((uv_handle_t *)&c->down, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->up, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->d[0].timer, on_conn_handle_closed);
    uv_close((uv_handle_t *)&c->d[1].timer, on_conn_handle_closed);
}

static void on_up_connected(uv_connect_t *req, int status)
{
    conn *c = req->data;
    if (c->closing)
        return;
    if (status != 0) {
        conn_close(c);
        return;
    }
    c->connected = true;
    read_update(c, 0);
    read_update(c, 1);
    pump(c, 0); /* routed mode: the HELLO's bytes wait already */
}

static void connect_up(conn *c)
{
    struct sockaddr_in sa;
    uv_ip4_addr("127.0.0.1", c->link->target_port, &sa);
    c->creq.data = c;
    if (uv_tcp_connect(&c->creq, &c->up, (const struct sockaddr *)&sa, on_up_connected) != 0)
        conn_close(c);
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/*
 * Routed mode: a connection accepted by slot j's listener (the diagonal link
 * j -> j) moves to link (sender -> j) once its HELLO names the sender, so
 * every node can use one address per peer (as a Raft configuration names it)
 * and the per-link faults still tell the directions apart. Anything that is
 * not a HELLO from a known slot stays on the diagonal link, which is never
 * faulted. The bytes read so far are already queued; they wait for the new
 * link's faults like any others.
 */
static void route(conn *c)
{
    fp_proxy *p = c->link->p;
    int slot = (int)(c->link - p->links) / p->nslots;
    int from = slot;
    if (c->hello[0] == 0x53 && c->hello[1] == 0x54 && c->hello[3] == 1 /* HELLO */) {
        uint64_t id = get64(c->hello + 12), to = get64(c->hello + 20);
        pthread_mutex_lock(&p->lock);
        if (to == p->slot_id[slot])
            for (int i = 0; i < p->nslots; i++)
                if (p->slot_id[i] == id)
                    from = i;
        pthread_mutex_unlock(&p->lock);
    }
    plink *l = &p->links[from * p->nslots + slot];
    c->sniffing = false;
    uv_read_stop(c->d[0].src);
    c->d[0].reading = false;
    if (l != c->link) {
        conn_detach(c);
        c->link->stats.accepted--;
        conn_attach(c, l);
        for (chunk *ch = c->d[0].head; ch; ch = ch->next)
            ch->due_ms = uv_now(&p->loop) + (uint64_t)l->delay_ms;
    }
    connect_up(c);
}

static void on_accept(uv_stream_t *server, int status)
{
    plink *l = server->data;
    if (status != 0)
        return;
    conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    uv_loop_t *loop = &l->p->loop;
    uv_tcp_init(loop, &c->down);
    uv_tcp_init(loop, &c->up);
    uv_timer_init(loop, &c->d[0].timer);
    uv_timer_init(loop, &c->d[1].timer);
    c->handles = 4;
    c->down.data = c->up.data = c->d[0].timer.data = c->d[1].timer.data = c;
    c->d[0].src = c->d[1].dst = (uv_stream_t *)&c->down;
    c->d[0].dst = c->d[1].src = (uv_stream_t *)&c->up;
    conn_attach(c, l);
    if (uv_accept(server, (uv_stream_t *)&c->down) != 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->down, 1);
    uv_tcp_nodelay(&c->up, 1);
    if (l->p->nslots > 0) {
        /* Routed: the link is known once the sender has said who it is. */
        c->sniffing = true;
        c->d[0].reading = true;
        uv_read_start(c->d[0].src, on_alloc, on_read);
        return;
    }
    connect_up(c);
}

static void close_everything(fp_proxy *p)
{
    for (int i = 0; i < p->nlinks; i++) {
        while (p->links[i].conns)
            conn_close(p->links[i].conns);
        if (p->links[i].listens && !uv_is_closing((uv_handle_t *)&p->links[i].listener))
            uv_close((uv_handle_t *)&p->links[i].listener, NULL);
    }
    if (!uv_is_closing((uv_handle_t *)&p->lifetime))
        uv_close((uv_handle_t *)&p->lifetime, NULL);
    pthread_mutex_lock(&p->lock);
    p->stopped = true;
    /* Under the lock: a control call checks stopped before sending. */
    if (!uv_is_closing((uv_handle_t *)&p->async))
        uv_close((uv_handle_t *)&p->async, NULL);
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

static void on_lifetime(uv_timer_t *t)
{
    fp_proxy *p = t->data;
    fprintf(stderr, "fault proxy: lifetime over, closing every link\n");
    close_everything(p);
}

/* Applies what the control thread asked for. */
static void on_async(uv_async_t *a)
{
    fp_proxy *p = a->data;
    pthread_mutex_lock(&p->lock);
    bool stop = p->stop_wanted;
    for (int i = 0; i < p->nlinks && !stop; i++) {
        plink *l = &p->links[i];
        bool was_blocked = l->blocked;
        l->blocked = l->want_blocked;
        l->delay_ms = l->want_delay;
        if (l->done_drops != l->want_drops) {
            l->done_drops = l->want_drops;
            while (l->conns) {
                l->stats.dropped++;
                conn_close(l->conns);
            }
        }
        if (was_blocked != l->blocked) {
            for (conn *c = l->conns; c; c = c->next) {
                for (int d = 0; d < 2; d++) {
                    read_update(c, d);
                    if (!l->blocked)
                        pump(c, d);
                    else
                        uv_timer_stop(&c->d[d].timer);
                }
            }
        }
    }
    for (int i = 0; i < p->nlinks; i++)
        p->links[i].snap = p->links[i].stats;
    p->done_seq = p->req_seq;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    if (stop)
        close_everything(p);
}

static void *run(void *arg)
{
    fp_proxy *p = arg;
    uv_run(&p->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* Plain mode (nslots 0): a listener per link. Routed: nslots * nslots links,
 * listeners on the diagonal (slot j's is link j * nslots + j). */
static fp_proxy *proxy_new(const int *target_ports, int nlinks, int nslots, int64_t lifetime_ms,
                           int *listen_ports)
{
    fp_proxy *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->links = calloc((size_t)nlinks, sizeof *p->links);
    if (!p->links || uv_loop_init(&p->loop) != 0) {
        free(p->links);
        free(p);
        return NULL;
    }
    p->nlinks = nlinks;
    p->nslots = nslots;
    if (nslots > 0) {
        p->slot_id = calloc((size_t)nslots, sizeof *p->slot_id);
        if (!p->slot_id) {
            uv_loop_close(&p->loop);
            free(p->links);
            free(p);
            return NULL;
        }
        for (int i = 0; i < nslots; i++)
            p->slot_id[i] = (uint64_t)i + 1;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    uv_async_init(&p->loop, &p->async, on_async);
    p->async.data = p;
    uv_timer_init(&p->loop, &p->lifetime);
    p->lifetime.data = p;
    uv_timer_start(&p->lifetime, on_lifetime, (uint64_t)lifetime_ms, 0);
    for (int i = 0; i < nlinks; i++) {
        plink *l = &p->links[i];
        l->p = p;
        l->target_port = target_ports[nslots ? i % nslots : i];
        if (nslots && i / nslots != i % nslots)
            continue;
        l->listens = true;
        uv_tcp_init(&p->loop, &l->listener);
        l->listener.data = l;
        struct sockaddr_in sa;
        uv_ip4_addr("127.0.0.1", 0, &sa);
        int rc = uv_tcp_bind(&l->listener, (const struct sockaddr *)&sa, 0);
        if (rc == 0)
            rc = uv_listen((uv_stream_t *)&l->listener, 64, on_accept);
        struct sockaddr_in bound;
        int len = sizeof bound;
        if (rc == 0)
            rc = uv_tcp_getsockname(&l->listener, (struct sockaddr *)&bound, &len);
        if (rc != 0) {
            fprintf(stderr, "fault proxy: listen for link %d: %s\n", i, uv_strerror(rc));
            p->stop_wanted = true;
            close_everything(p);
            uv_run(&p->loop, UV_RUN_DEFAULT);
            uv_loop_close(&p->loop);
            free(p->slot_id);
            free(p->links);
            free(p);
            return NULL;
        }
        listen_ports[nslots ? i / nslots : i] = ntohs(bound.sin_port);
    }
    if (pthread_create(&p->thread, NULL, run, p) != 0) {
        fprintf(stderr, "fault proxy: cannot start its thread\n");
        close_everything(p);
        uv_run(&p->loop, UV_RUN_DEFAULT);
        uv_loop_close(&p->loop);
        free(p->slot_id);
        free(p->links);
        free(p);
        return NULL;
    }
    return p;
}

fp_proxy *fp_new(const int *target_ports, int nlinks, int64_t lifetime_ms, int *listen_ports)
{
    return proxy_new(target_ports, nlinks, 0, lifetime_ms, listen_ports);
}

fp_proxy *fp_new_routed(const int *target_ports, int nslots, int64_t lifetime_ms, int *listen_ports)
{
    return proxy_new(target_ports, nslots * nslots, nslots, lifetime_ms, listen_ports);
}

/* Sends the wanted state to the loop and waits until it applied it. The
 * caller changed the wanted fields under the lock, which it still holds. */
static void apply_locked(fp_proxy *p)
{
    if (p->stopped) {
        pthread_mutex_unlock(&p->lock);
        return;
    }
    uint64_t seq = ++p->req_seq;
    uv_async_send(&p->async);
    while (p->done_seq < seq && !p->stopped)
        pthread_cond_wait(&p->cond, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

void fp_set_blocked(fp_proxy *p, int link, bool blocked)
{
    pthread_mutex_lock(&p->lock);
    p->links[link].want_blocked = blocked;
    apply_locked(p);
}

void fp_set_delay(fp_proxy *p, int link, int delay_ms)
{
    pthread_mutex_lock(&p->lock);
    p->links[link].want_delay = delay_ms;
    apply_locked(p);
}

void fp_drop(fp_proxy *p, int link)
{
    pthread_mutex_lock(&p->lock);
    p->links[link].want_drops++;
    apply_locked(p);
}

void fp_heal_all(fp_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->nlinks; i++) {
        p->links[i].want_blocked = false;
        p->links[i].want_delay = 0;
    }
    apply_locked(p);
}

void fp_set_slot_id(fp_proxy *p, int slot, uint64_t id)
{
    pthread_mutex_lock(&p->lock);
    if (slot >= 0 && slot < p->nslots)
        p->slot_id[slot] = id;
    pthread_mutex_unlock(&p->lock);
}

void fp_stats(fp_proxy *p, int link, fp_link_stats *out)
{
    /* Read under the lock after a round trip so the numbers are the loop's. */
    pthread_mutex_lock(&p->lock);
    apply_locked(p);
    pthread_mutex_lock(&p->lock);
    *out = p->links[link].snap;
    pthread_mutex_unlock(&p->lock);
}

void fp_free(fp_proxy *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop_wanted = true;
    apply_locked(p);
    pthread_join(p->thread, NULL);
    uv_loop_close(&p->loop);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    free(p->slot_id);
    free(p->links);
    free(p);
}

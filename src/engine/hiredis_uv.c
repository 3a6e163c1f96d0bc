/* hiredis's async API driven by a libuv loop (MIGRATE's connection to its target). */
#include <stdlib.h>

#include <hiredis/async.h>

#include "engine/hiredis_uv.h"

/*
 * hiredis on libuv. hiredis 0.14's own adapter (adapters/libuv.h) drops a
 * poll error, so a refused connection was never reported and the call
 * waited for its whole timeout; this one hands the error to hiredis, which
 * finds it on the socket (SO_ERROR, or a failed read) and ends the context.
 */
typedef struct uv_events {
    redisAsyncContext *ac; /* NULL once hiredis let go of it */
    uv_poll_t handle;
    int events;
} uv_events;

static void ev_poll(uv_poll_t *h, int status, int events)
{
    uv_events *p = h->data;
    if (status < 0) /* let hiredis see the socket's error */
        events = p->ac && (p->ac->c.flags & REDIS_CONNECTED) ? UV_READABLE : UV_WRITABLE;
    if (p->ac && (events & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    if (p->ac && (events & UV_WRITABLE))
        redisAsyncHandleWrite(p->ac);
}

static void ev_update(uv_events *p)
{
    if (p->events)
        uv_poll_start(&p->handle, p->events, ev_poll);
    else
        uv_poll_stop(&p->handle);
}

static void ev_add_read(void *d) { ((uv_events *)d)->events |= UV_READABLE; ev_update(d); }
static void ev_del_read(void *d) { ((uv_events *)d)->events &= ~UV_READABLE; ev_update(d); }
static void ev_add_write(void *d) { ((uv_events *)d)->events |= UV_WRITABLE; ev_update(d); }
static void ev_del_write(void *d) { ((uv_events *)d)->events &= ~UV_WRITABLE; ev_update(d); }
static void ev_closed(uv_handle_t *h) { free(h->data); }

static void ev_cleanup(void *d)
{
    uv_events *p = d;
    p->ac = NULL;
    uv_close((uv_handle_t *)&p->handle, ev_closed);
}

static int ev_attach(redisAsyncContext *ac, uv_loop_t *loop)
{
    uv_events *p = calloc(1, sizeof *p);
    if (p == NULL)
        return REDIS_ERR;
    if (uv_poll_init(loop, &p->handle, ac->c.fd) != 0) {
        free(p);
        return REDIS_ERR;
    }
    p->ac = ac;
    p->handle.data = p;
    ac->ev = (typeof(ac->ev)){.data = p, .addRead = ev_add_read, .delRead = ev_del_read,
                              .addWrite = ev_add_write, .delWrite = ev_del_write,
                              .cleanup = ev_cleanup};
    return REDIS_OK;
}

int ss_hiredis_attach(redisAsyncContext *ac, uv_loop_t *loop) { return ev_attach(ac, loop); }

bool ss_hiredis_end(redisAsyncContext *ac)
{
    if (ac->c.flags & REDIS_IN_CALLBACK) {
        redisAsyncDisconnect(ac); /* hiredis frees it once this callback returns */
        return false;
    }
    /* Freed now. A connected context reports it through its disconnect
     * callback; one still connecting does not. */
    bool connected = (ac->c.flags & REDIS_CONNECTED) != 0;
    redisAsyncFree(ac);
    return !connected;
}

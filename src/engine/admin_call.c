/* One admin command sent to another member's client port with hiredis on the engine's loop: a follower's RAFT.* forwarded to the leader, RAFT.CLUSTER JOIN's requests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>

#include "engine/admin_call.h"

/*
 * The call owns two things that close on their own schedule: hiredis's
 * context (with the adapter's poll handle) and a timer. It is freed once
 * both are gone. `done` makes the callback run exactly once, whichever of
 * reply, error, timeout or cancel comes first; a cancelled call's callback
 * never runs (its owner is going away).
 */
struct ss_admin_call {
    redisAsyncContext *ac;
    uv_timer_t timer;
    int refs;
    bool done;
    bool auth_failed;
    char auth_err[128];
    ss_admin_cb cb;
    void *arg;
    ss_admin_call **list; /* the owner's list of calls in flight */
    ss_admin_call *next, **prevp;
};

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
    if (--c->refs == 0)
        free(c);
}

static void on_timer_closed(uv_handle_t *h) { release(h->data); }

/* Ends the call: the callback (unless cancelled), the timer, the connection. */
static void finish(ss_admin_call *c, const redisReply *r, const char *err, bool call_cb)
{
    if (c->done)
        return;
    c->done = true;
    unlink_call(c);
    if (call_cb)
        c->cb(c->arg, r, err);
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
    if (c->ac && ss_hiredis_end(c->ac) && c->ac) {
        c->ac = NULL;
        release(c);
    }
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    ss_admin_call *c = ac->data;
    if (status == REDIS_OK)
        return;
    /* hiredis frees a context that failed to connect without on_disconnect. */
    char why[160];
    snprintf(why, sizeof why, "cannot connect: %s", ac->errstr[0] ? ac->errstr : "refused");
    c->ac = NULL;
    finish(c, NULL, why, true);
    release(c);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    (void)status;
    ss_admin_call *c = ac->data;
    c->ac = NULL;
    finish(c, NULL, "connection lost before the reply", true);
    release(c);
}

static void on_auth(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    ss_admin_call *c = privdata;
    const redisReply *r = reply;
    if (r && r->type == REDIS_REPLY_ERROR) {
        c->auth_failed = true;
        snprintf(c->auth_err, sizeof c->auth_err, "AUTH refused: %s", r->str);
    }
}

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    ss_admin_call *c = privdata;
    if (reply == NULL)
        finish(c, NULL, "connection lost before the reply", true);
    else if (c->auth_failed)
        finish(c, NULL, c->auth_err, true);
    else
        finish(c, reply, NULL, true);
}

static void on_timeout(uv_timer_t *t) { finish(t->data, NULL, "no reply in time", true); }

int ss_admin_call_start(uv_loop_t *loop, ss_admin_call **list, const char *addr, const char *password,
                        int argc, const char **argv, const size_t *argvlen, uint64_t timeout_ms,
                        ss_admin_cb cb, void *arg, char *errmsg)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon == addr || (size_t)(colon - addr) >= sizeof host)
        return ss_errf(errmsg, SS_EINVAL, "invalid address '%s': expected host:port", addr);
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535)
        return ss_errf(errmsg, SS_EINVAL, "invalid address '%s': expected host:port", addr);
    ss_admin_call *c = calloc(1, sizeof *c);
    if (c == NULL)
        return ss_errf(errmsg, SS_ENOMEM, "out of memory");
    redisAsyncContext *ac = redisAsyncConnect(host, (int)port);
    if (ac == NULL || ac->err) {
        int rc = ss_errf(errmsg, SS_EIO, "cannot connect to %s: %s", addr,
                         ac ? ac->errstr : "out of memory");
        if (ac)
            redisAsyncFree(ac);
        free(c);
        return rc;
    }
    if (ev_attach(ac, loop) != REDIS_OK) {
        redisAsyncFree(ac);
        free(c);
        return ss_errf(errmsg, SS_ENOMEM, "out of memory");
    }
    c->ac = ac;
    c->cb = cb;
    c->arg = arg;
    c->refs = 2; /* the context, the timer */
    ac->data = c;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    uv_timer_start(&c->timer, on_timeout, timeout_ms, 0);
    c->list = list;
    c->next = *list;
    if (c->next)
        c->next->prevp = &c->next;
    c->prevp = list;
    *list = c;
    if (password && password[0])
        redisAsyncCommand(ac, on_auth, c, "AUTH %s", password);
    if (redisAsyncCommandArgv(ac, on_reply, c, argc, argv, argvlen) != REDIS_OK) {
        finish(c, NULL, NULL, false);
        return ss_errf(errmsg, SS_ENOMEM, "out of memory");
    }
    return SS_OK;
}

void ss_admin_call_end_all(ss_admin_call **list, const char *why)
{
    while (*list)
        finish(*list, NULL, why, why != NULL);
}

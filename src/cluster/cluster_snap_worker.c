/* The snapshot worker: a private thread that runs snapshot file jobs one at a time, in order, and hands each back to the loop. */
#include "cluster/cluster_snap_worker.h"

#include <stdlib.h>

#include "common/error.h"
#include "common/clock.h"

struct snap_worker {
    uv_thread_t thread;
    bool started;
    uv_mutex_t mu; /* guards the queues, stop and exited */
    uv_cond_t cv;
    snap_job *todo_head, *todo_tail;
    snap_job *done_head, *done_tail;
    bool stop, exited;
    uv_async_t async;
    void (*after)(void *ctx);
    void *ctx;
    void (*free_cb)(void *arg);
    void *free_arg;
};

void snap_job_free(snap_job *j) { free(j); }

static void push(snap_job **head, snap_job **tail, snap_job *j)
{
    j->next = NULL;
    if (*tail)
        (*tail)->next = j;
    else
        *head = j;
    *tail = j;
}

static void worker_main(void *arg)
{
    snap_worker *w = arg;
    uv_mutex_lock(&w->mu);
    for (;;) {
        while (!w->todo_head && !w->stop)
            uv_cond_wait(&w->cv, &w->mu);
        snap_job *j = w->todo_head;
        if (!j)
            break; /* stop, and nothing left to do */
        w->todo_head = j->next;
        if (!w->todo_head)
            w->todo_tail = NULL;
        uv_mutex_unlock(&w->mu);

        uint64_t t0 = ss_clock_mono_ms();
        j->run(j);
        j->ms = (int64_t)(ss_clock_mono_ms() - t0);

        uv_mutex_lock(&w->mu);
        push(&w->done_head, &w->done_tail, j);
        uv_async_send(&w->async);
    }
    w->exited = true;
    uv_mutex_unlock(&w->mu);
    uv_async_send(&w->async);
}

static void on_async(uv_async_t *h)
{
    snap_worker *w = h->data;
    uv_mutex_lock(&w->mu);
    snap_job *j = w->done_head;
    w->done_head = w->done_tail = NULL;
    uv_mutex_unlock(&w->mu);
    while (j) {
        snap_job *next = j->next;
        j->done(j);
        j = next;
    }
    w->after(w->ctx);
}

int snap_worker_new(uv_loop_t *loop, void (*after)(void *ctx), void *ctx, snap_worker **out,
                    char *errmsg)
{
    snap_worker *w = calloc(1, sizeof *w);
    if (!w)
        return ss_errf(errmsg, SS_ENOMEM, "snapshots: out of memory");
    w->after = after;
    w->ctx = ctx;
    uv_mutex_init(&w->mu);
    uv_cond_init(&w->cv);
    uv_async_init(loop, &w->async, on_async);
    w->async.data = w;
    *out = w;
    return SS_OK;
}

int snap_worker_start(snap_worker *w, char *errmsg)
{
    if (uv_thread_create(&w->thread, worker_main, w) != 0)
        return ss_errf(errmsg, SS_EIO, "snapshots: can't start the worker thread");
    w->started = true;
    return SS_OK;
}

void snap_worker_submit(snap_worker *w, snap_job *j)
{
    uv_mutex_lock(&w->mu);
    if (w->exited) {
        uv_mutex_unlock(&w->mu);
        j->dropped(j);
        return;
    }
    push(&w->todo_head, &w->todo_tail, j);
    uv_cond_signal(&w->cv);
    uv_mutex_unlock(&w->mu);
}

void snap_worker_stop(snap_worker *w)
{
    uv_mutex_lock(&w->mu);
    w->stop = true;
    if (!w->started)
        w->exited = true;
    uv_cond_signal(&w->cv);
    uv_mutex_unlock(&w->mu);
}

bool snap_worker_finished(snap_worker *w)
{
    uv_mutex_lock(&w->mu);
    bool finished = w->exited && w->done_head == NULL;
    uv_mutex_unlock(&w->mu);
    return finished;
}

static void on_async_closed(uv_handle_t *h)
{
    snap_worker *w = h->data;
    void (*cb)(void *) = w->free_cb;
    void *arg = w->free_arg;
    uv_mutex_destroy(&w->mu);
    uv_cond_destroy(&w->cv);
    free(w);
    if (cb)
        cb(arg);
}

void snap_worker_free(snap_worker *w, void (*cb)(void *arg), void *arg)
{
    if (uv_is_closing((uv_handle_t *)&w->async))
        return;
    if (w->started) {
        uv_thread_join(&w->thread);
        w->started = false;
    }
    w->free_cb = cb;
    w->free_arg = arg;
    uv_close((uv_handle_t *)&w->async, on_async_closed);
}

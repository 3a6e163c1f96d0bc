/* The snapshot worker: a private thread that runs snapshot file jobs one at a time, in order, and hands each back to the loop. */
#ifndef SS_CLUSTER_SNAP_WORKER_H
#define SS_CLUSTER_SNAP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

/*
 * Why a thread of its own rather than libuv's pool: the jobs of a transfer
 * must run in the order they were submitted (the chunks of a snapshot, then
 * its install) and one at a time, and the file being received belongs to
 * that one thread. Reads for the leader, which need no order, use the pool.
 *
 * A job is embedded in the caller's own struct. run() runs on the worker
 * thread; done() then runs on the loop thread and frees the job. Once the
 * worker has stopped, a job submitted is handed to dropped() instead (on the
 * loop, at once), which also frees it.
 */
typedef struct snap_job snap_job;
typedef void (*snap_job_fn)(snap_job *j);

struct snap_job {
    snap_job *next;
    snap_job_fn run;
    snap_job_fn done;
    snap_job_fn dropped;
    int64_t ms; /* how long run() took */
};

/* For jobs allocated on their own with the snap_job first: frees the block. */
void snap_job_free(snap_job *j);

typedef struct snap_worker snap_worker;

/* after(ctx) runs on the loop after each batch of done() calls, and once
 * more when the thread has exited. */
int snap_worker_new(uv_loop_t *loop, void (*after)(void *ctx), void *ctx, snap_worker **out,
                    char *errmsg);
/* Starts the thread. */
int snap_worker_start(snap_worker *w, char *errmsg);
void snap_worker_submit(snap_worker *w, snap_job *j);
/* Lets the thread finish its queue and exit (done() still runs for each job). */
void snap_worker_stop(snap_worker *w);
/* True once stopped, the thread has exited and every done() has run. */
bool snap_worker_finished(snap_worker *w);
/* Only once finished (or never started): joins the thread, closes the loop
 * handle and frees w, then calls cb(arg). */
void snap_worker_free(snap_worker *w, void (*cb)(void *arg), void *arg);

#endif

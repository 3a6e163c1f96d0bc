/* CONFIG REWRITE: the config file written off the loop thread (it fsyncs), the reply when it is done. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "engine/engine_internal.h"

/*
 * The values are taken on the loop (CONFIG SET changes them there), the old
 * file is read, merged and replaced durably (temporary file, fsync, rename,
 * fsync of the directory: common/config_rewrite.c) on a thread of its own,
 * one rewrite at a time (a mutex: they share the temporary file's name).
 * The engine's timer notices a finished one and answers its client; a node
 * that stops waits for the ones under way (a few small writes).
 */

typedef struct rewrite_job {
    struct rewrite_job *next;
    ss_engine *e;
    ss_session *s;
    void *cookie;
    ss_config_lines *lines;
    uv_thread_t thread;
    atomic_bool done;
    int rc;
    ss_errmsg err;
} rewrite_job;

static uv_mutex_t file_lock;
static uv_once_t file_lock_once = UV_ONCE_INIT;

static void init_lock(void) { uv_mutex_init(&file_lock); }

static void work(void *arg)
{
    rewrite_job *j = arg;
    uv_mutex_lock(&file_lock);
    j->rc = ss_config_rewrite_file(j->lines, j->e->config_file, j->err);
    uv_mutex_unlock(&file_lock);
    atomic_store(&j->done, true);
}

static void answer(ss_engine *e, rewrite_job *j)
{
    uv_thread_join(&j->thread);
    ss_buf b;
    ss_buf_init(&b, 0);
    if (j->rc == SS_OK)
        resp_add_shared(&b, RESP_SH_OK);
    else
        ss_buf_appendf(&b, "-ERR Rewriting config file: %s\r\n", j->err);
    ss_engine_finish_async(e, j->s, j->cookie, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
    ss_config_lines_free(j->lines);
    free(j);
}

/* Answers the finished rewrites (all of them when wait: the node stops). */
static void collect(ss_engine *e, bool wait)
{
    for (rewrite_job **p = &e->rewrites; *p;) {
        rewrite_job *j = *p;
        if (wait || atomic_load(&j->done)) {
            *p = j->next;
            answer(e, j);
        } else {
            p = &j->next;
        }
    }
}

void ss_config_rewrite_poll(ss_engine *e) { collect(e, false); }
void ss_config_rewrite_stop(ss_engine *e) { collect(e, true); }

ss_dispatch_result ss_config_rewrite_dispatch(ss_engine *e, ss_session *s, ss_buf *out)
{
    if (!e->config_file[0]) {
        resp_add_error(out, "ERR The server is running without a config file");
        return SS_DISPATCH_DONE;
    }
    if (s->pending > 0)
        return SS_DISPATCH_BLOCKED; /* in the pipeline's order */
    uv_once(&file_lock_once, init_lock);
    rewrite_job *j = calloc(1, sizeof *j);
    if (j)
        j->lines = ss_config_rewrite_lines(e->cfg);
    if (!j || !j->lines) {
        free(j);
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    j->e = e;
    j->s = s;
    atomic_init(&j->done, false);
    if (uv_thread_create(&j->thread, work, j) != 0) {
        ss_config_lines_free(j->lines);
        free(j);
        resp_add_error(out, "ERR Rewriting config file: could not start a thread");
        return SS_DISPATCH_DONE;
    }
    j->cookie = ss_engine_begin_async(e, s, KIND_READ);
    j->next = e->rewrites;
    e->rewrites = j;
    return SS_DISPATCH_ASYNC;
}

/* A read-only script on its own thread while the loop keeps Raft going: holding and BUSY for other clients, SCRIPT KILL (see script_busy.h). */
#include "engine/script_busy.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/info.h"
#include "common/clock.h"
#include "common/log.h"
#include "store/txn.h"

/* Redis 7.0's shared.slowevalerr and shared.slowscripterr. */
#define BUSY_EVAL_ERR "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
#define BUSY_FUNCTION_ERR "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."

typedef struct busy_run {
    ss_engine *e;
    ss_session *s;
    void *cookie;
    ss_args *cmd;            /* a copy (ss_args_copy) */
    bool is_eval;            /* __eval_ro (else __fcall_ro): which KILL applies */
    /* the script's thread */
    uv_thread_t thread;
    ss_exec_ctx ctx;         /* its view txn, its private node, its out */
    ss_node *node;
    ss_buf out;
    /* MONITOR: the script's commands, shown by the loop when it ends (pushes
     * belong to the loop); bounded, the lines past the bound are dropped. */
    bool monitored;
    ss_buf monitor;
    atomic_bool finished;    /* the thread has its reply */
    atomic_bool kill;        /* SCRIPT KILL / FUNCTION KILL */
    /* the loop's side */
    uv_async_t async;
    uv_timer_t timer;
    int open_handles;
    bool busy;               /* past busy-reply-threshold: others get BUSY */
    bool delivered;
} busy_run;

/* The engine's one running script and the connections it holds; kept here
 * so that the engine's struct only gains one pointer. */
typedef struct deferred {
    void (*fn)(void *arg);
    void *arg;
} deferred;

struct ss_busy_state {
    busy_run *run;
    deferred *later;         /* reads that waited for the script, in order */
    size_t later_head, later_len, later_cap;
    ss_session **held;
    size_t nheld, capheld;
    bool read_env_flush;     /* SCRIPT FLUSH applied meanwhile */
    bool read_env_drop;      /* a library was deleted meanwhile: drop them all */
    bool stopping;           /* ss_busy_stop: what waited stays queued */
};
typedef struct ss_busy_state busy_state;

static _Thread_local bool in_worker;

bool ss_busy_in_worker(void) { return in_worker; }

static busy_state *state(ss_engine *e)
{
    if (e->busy == NULL) {
        e->busy = calloc(1, sizeof(busy_state));
        if (e->busy == NULL)
            abort(); /* as the loop's other small allocations */
    }
    return e->busy;
}

bool ss_busy_running(const ss_engine *e)
{
    const busy_state *b = e->busy;
    return b != NULL && b->run != NULL;
}

bool ss_busy_wants(const ss_engine *e, const ss_args *a)
{
    return e->cluster != NULL && !e->stopping && a->argc > 0 &&
           (!strcasecmp(a->argv[0], "__eval_ro") || !strcasecmp(a->argv[0], "__fcall_ro"));
}

/* ------------------------------------------------------------ the thread */

static void worker(void *arg)
{
    busy_run *run = arg;
    in_worker = true;
    ss_exec_one(&run->ctx, run->cmd);
    atomic_store(&run->finished, true);
    uv_async_send(&run->async);
}

/* Called by the script's hook on its thread: a kill asked before the run
 * cleared the environment's flag still reaches it. */
static void on_progress(void *ctx, uint64_t instructions)
{
    (void)instructions;
    busy_run *run = ctx;
    if (atomic_load(&run->kill))
        ss_script_kill(run->e->lua_read);
}

#define BUSY_MONITOR_MAX (1u << 20)

void ss_busy_monitor(ss_engine *e, int db, const ss_command *cmd, const ss_args *a)
{
    busy_state *b = e->busy;
    if (!in_worker || !b || !b->run || !b->run->monitored || ss_buf_len(&b->run->monitor) > BUSY_MONITOR_MAX)
        return;
    ss_monitor_format(&b->run->monitor, db, "lua", cmd, a);
}

void ss_busy_progress(ss_engine *e, ss_script_call *call)
{
    busy_state *b = e->busy;
    if (in_worker && b && b->run) {
        call->progress = on_progress;
        call->progress_ctx = b->run;
    }
}

/* ------------------------------------------------------------ the loop */

static void wake_held(ss_engine *e)
{
    busy_state *b = state(e);
    size_t n = b->nheld;
    b->nheld = 0;
    for (size_t i = 0; i < n; i++)
        if (e->hooks.wake)
            e->hooks.wake(e->hooks.ctx, b->held[i]);
    if (n == 0) {
        free(b->held);
        b->held = NULL;
        b->capheld = 0;
    }
}

static void run_closed(uv_handle_t *h)
{
    busy_run *run = h->data;
    if (--run->open_handles == 0)
        free(run);
}

/* The thread is done (or was told to stop and joined): deliver its reply,
 * merge what it counted, release the view, let the held clients go. */
static void finish(busy_run *run)
{
    if (run->delivered)
        return;
    run->delivered = true;
    ss_engine *e = run->e;
    busy_state *b = state(e);
    uv_thread_join(&run->thread);
    ss_txn_abort(run->ctx.txn);
    ss_node *n = run->node;
    ss_node_stats *d = &e->node.stats;
    d->keyspace_hits += n->stats.keyspace_hits;
    d->keyspace_misses += n->stats.keyspace_misses;
    d->expired_keys += n->stats.expired_keys;
    ss_info_merge(&e->node, n);
    ss_slowlog_adopt(&e->node, n);
    free(n);
    e->node.stats.reads_served++;
    if (b->read_env_flush)
        ss_script_env_flush(e->lua_read);
    if (b->read_env_drop)
        ss_script_library_drop(e->lua_read, NULL, 0);
    b->read_env_flush = b->read_env_drop = false;
    b->run = NULL;
    uv_timer_stop(&run->timer);
    uv_close((uv_handle_t *)&run->timer, run_closed);
    uv_close((uv_handle_t *)&run->async, run_closed);
    if (ss_buf_error(&run->out))
        ss_engine_finish_async(e, run->s, run->cookie, NULL, 0);
    else
        ss_engine_finish_async(e, run->s, run->cookie, ss_buf_data(&run->out), ss_buf_len(&run->out));
    ss_buf_release(&run->out);
    if (ss_buf_len(&run->monitor) > 0 && !ss_buf_error(&run->monitor))
        ss_monitor_push(e, ss_buf_data(&run->monitor), ss_buf_len(&run->monitor));
    ss_buf_release(&run->monitor);
    free(run->cmd);
    wake_held(e);
    if (!b->stopping)
        ss_busy_resume(e);
}

void ss_busy_resume(ss_engine *e)
{
    busy_state *b = e->busy;
    if (!b)
        return;
    /* What waited runs now, in order, until one of them is a script again. */
    while (b->later_len > 0 && b->run == NULL) {
        deferred next = b->later[b->later_head];
        b->later_head = b->later_head + 1 == b->later_cap ? 0 : b->later_head + 1;
        b->later_len--;
        next.fn(next.arg);
    }
    if (b->later_len == 0) {
        free(b->later);
        b->later = NULL;
        b->later_head = b->later_cap = 0;
    }
}

bool ss_busy_defer(ss_engine *e, void (*fn)(void *arg), void *arg)
{
    busy_state *b = state(e);
    if (b->later_len == b->later_cap) {
        size_t cap = b->later_cap ? b->later_cap * 2 : 16;
        deferred *n = malloc(cap * sizeof *n);
        if (!n)
            return false;
        for (size_t i = 0; i < b->later_len; i++)
            n[i] = b->later[(b->later_head + i) % b->later_cap];
        free(b->later);
        b->later = n;
        b->later_head = 0;
        b->later_cap = cap;
    }
    b->later[(b->later_head + b->later_len) % b->later_cap] = (deferred){fn, arg};
    b->later_len++;
    return true;
}

void ss_busy_release(ss_engine *e)
{
    busy_state *b = e->busy;
    if (!b)
        return;
    free(b->later);
    free(b->held);
    free(b);
    e->busy = NULL;
}

static void on_async(uv_async_t *h)
{
    busy_run *run = h->data;
    if (atomic_load(&run->finished))
        finish(run);
}

static void on_threshold(uv_timer_t *t)
{
    busy_run *run = t->data;
    run->busy = true;
    LOG_WARNING("engine: a read-only script has run for %d ms; other clients are answered BUSY until it ends "
                "or SCRIPT KILL / FUNCTION KILL stops it", run->e->cfg->busy_reply_threshold);
    wake_held(run->e); /* their commands run again, to be answered BUSY */
}

bool ss_busy_start(ss_engine *e, ss_session *s, void *cookie, const ss_args *a, int db, resp_proto proto)
{
    busy_state *b = state(e);
    busy_run *run = calloc(1, sizeof *run);
    ss_node *node = run ? malloc(sizeof *node) : NULL;
    ss_args *cmd = node ? ss_args_copy(a, 1) : NULL;
    if (!cmd) {
        free(node);
        free(run);
        return false;
    }
    /* The node as commands see it, with counters of its own: the loop goes
     * on counting in e->node meanwhile. */
    *node = e->node;
    memset(&node->stats, 0, sizeof node->stats);
    memset(&node->info, 0, sizeof node->info);
    /* The access table belongs to the loop (apply and reads touch it there):
     * a lookup on this thread would race them and corrupt its lists (CI's
     * ASan run saw exactly that). A read-only script on its thread leaves
     * access times alone, as OBJECT's NOTOUCH lookups do. */
    node->access = NULL;
    *run = (busy_run){.e = e, .s = s, .cookie = cookie, .cmd = cmd, .node = node};
    run->is_eval = !strcasecmp(a->argv[0], "__eval_ro");
    ss_buf_init(&run->out, e->hooks.reply_limit ? e->hooks.reply_limit(e->hooks.ctx, s) : 0);
    ss_buf_init(&run->monitor, 0);
    run->monitored = ss_monitor_any(e);
    run->ctx = (ss_exec_ctx){
        .node = node,
        .events = NULL, /* keymiss from a script on its thread is not raised */
        .txn = ss_txn_begin_view(e->store),
        .db = db,
        .now_ms = ss_clock_wall_ms(),
        .rng = ss_engine_rand(e),
        .proto = proto,
        .out = &run->out,
    };
    atomic_init(&run->finished, false);
    atomic_init(&run->kill, false);
    uv_async_init(e->loop, &run->async, on_async);
    uv_timer_init(e->loop, &run->timer);
    run->async.data = run->timer.data = run;
    run->open_handles = 2;
    b->run = run;
    if (uv_thread_create(&run->thread, worker, run) != 0) {
        b->run = NULL;
        ss_txn_abort(run->ctx.txn);
        ss_buf_release(&run->out);
        free(cmd);
        free(node);
        uv_close((uv_handle_t *)&run->timer, run_closed);
        uv_close((uv_handle_t *)&run->async, run_closed);
        return false;
    }
    uv_timer_start(&run->timer, on_threshold, (uint64_t)e->cfg->busy_reply_threshold, 0);
    return true;
}

void ss_busy_stop(ss_engine *e)
{
    busy_state *b = e->busy;
    if (!b || !b->run)
        return;
    busy_run *run = b->run;
    atomic_store(&run->kill, true);
    ss_script_kill(e->lua_read);
    b->stopping = true;
    finish(run); /* joins the thread */
    b->stopping = false;
}

void ss_busy_forget(ss_engine *e, ss_session *s)
{
    busy_state *b = e->busy;
    if (!b)
        return;
    for (size_t i = 0; i < b->nheld; i++)
        if (b->held[i] == s) {
            b->held[i] = b->held[--b->nheld];
            return;
        }
}

static bool hold(busy_state *b, ss_session *s)
{
    for (size_t i = 0; i < b->nheld; i++)
        if (b->held[i] == s)
            return true;
    if (b->nheld == b->capheld) {
        size_t cap = b->capheld ? b->capheld * 2 : 16;
        ss_session **held = realloc(b->held, cap * sizeof *held);
        if (!held)
            return false;
        b->held = held;
        b->capheld = cap;
    }
    b->held[b->nheld++] = s;
    return true;
}

/* Redis 7.0's commands flagged allow-busy (SHUTDOWN only with NOSAVE). */
static bool allowed_busy(const ss_command *cmd, const ss_args *a)
{
    static const char *const names[] = {"auth", "hello", "quit", "reset", "multi", "discard", "watch",
                                        "unwatch", "script|kill", "function|kill"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(cmd->name, names[i]))
            return true;
    if (!strcmp(cmd->name, "shutdown"))
        for (int i = 1; i < a->argc; i++)
            if (!strcasecmp(a->argv[i], "nosave"))
                return true;
    return false;
}

bool ss_busy_gate(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out, ss_dispatch_result *r)
{
    busy_state *b = e->busy;
    if (!b || !b->run)
        return false;
    busy_run *run = b->run;
    if (s == run->s || !run->busy) {
        /* Its own connection waits for the reply; the others wait until the
         * threshold, as Redis reads nothing from them meanwhile. A session
         * that cannot be remembered is answered BUSY at once instead. */
        if (s == run->s || hold(b, s)) {
            *r = SS_DISPATCH_BLOCKED;
            return true;
        }
    }
    const ss_command *cmd = ss_command_find(a, NULL);
    if (cmd && allowed_busy(cmd, a))
        return false;
    const char *err = run->is_eval ? BUSY_EVAL_ERR : BUSY_FUNCTION_ERR;
    size_t start = ss_buf_len(out);
    if (cmd && !strcmp(cmd->name, "exec")) {
        /* rejectCommand -> execCommandAbort: the transaction goes */
        ss_multi_discard(s);
        ss_buf_appendf(out, "-EXECABORT Transaction discarded because of: %s\r\n", err);
    } else {
        resp_add_error(out, err);
        if (s->in_multi)
            s->multi_dirty = true;
    }
    if (cmd)
        ss_info_rejected(&e->node, cmd, ss_buf_data(out) + start, ss_buf_len(out) - start);
    else
        ss_info_error(&e->node, ss_buf_data(out) + start, ss_buf_len(out) - start);
    *r = SS_DISPATCH_DONE;
    return true;
}

void ss_busy_kill(ss_engine *e, bool is_eval, ss_buf *out)
{
    busy_state *b = e->busy;
    busy_run *run = b ? b->run : NULL;
    if (!run || atomic_load(&run->finished))
        resp_add_error(out, "NOTBUSY No scripts in execution right now.");
    else if (is_eval && !run->is_eval)
        resp_add_error(out, BUSY_FUNCTION_ERR); /* a function is not killed by SCRIPT KILL */
    else if (!is_eval && run->is_eval)
        resp_add_error(out, BUSY_EVAL_ERR);
    else {
        atomic_store(&run->kill, true);
        ss_script_kill(e->lua_read);
        LOG_WARNING("engine: a read-only script is stopped by %s", is_eval ? "SCRIPT KILL" : "FUNCTION KILL");
        resp_add_shared(out, RESP_SH_OK);
    }
}

void ss_busy_read_env_flush(ss_engine *e)
{
    if (ss_busy_running(e))
        state(e)->read_env_flush = true;
    else
        ss_script_env_flush(e->lua_read);
}

void ss_busy_read_env_drop(ss_engine *e, const char *name, size_t len)
{
    if (ss_busy_running(e))
        state(e)->read_env_drop = true;
    else
        ss_script_library_drop(e->lua_read, name, len);
}

/* WAIT and WAITAOF: how many other members' logs hold a connection's last write, waited for without blocking the loop. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "commands/numbers.h"
#include "engine/engine_internal.h"

/*
 * Redis's WAIT counts the replicas that acknowledged the replication offset
 * of the client's last write. Here a write is a log entry: the connection
 * remembers the index of its last entry applied on this node
 * (s->last_write_index, set by apply), and a member "holds" the write once
 * its log does (its match index reached the index: Raft followers
 * acknowledge entries once they are in their log, fsynced when raft-fsync
 * is always). The leader knows every peer's match index; a follower only
 * knows what the commit proves (a majority of the voters, the leader among
 * them), so it counts that many other members at best (README). WAITAOF's
 * numlocal is 1 once this node's log is durable past the write (the log's
 * durable index: fsynced with raft-fsync always, written with never).
 *
 * A WAIT that is not satisfied at once parks its client (blocked, as Redis
 * counts it) in a list checked by a short timer while the list is not
 * empty, and answered when the count is reached, at its timeout (0:
 * forever), when its client goes, or when the node stops. The list is
 * bounded: one entry per connection (a waiting client sends nothing else),
 * at most WAIT_MAX in all.
 */

#define WAIT_MAX 65536
#define WAIT_POLL_MS 5

typedef struct waiter {
    ss_session *s;
    void *cookie;
    uint64_t index;
    long long numreplicas, numlocal;
    int64_t deadline_ms; /* wall clock; 0: none */
    bool aof;            /* WAITAOF: [local, replicas] */
} waiter;

struct ss_wait_state {
    waiter *w;
    size_t n, cap;
};

/* How many other members hold index, and whether this node's log is durable past it. */
static void counts(ss_engine *e, uint64_t index, long long *others, long long *local)
{
    int n = 0;
    bool durable = true; /* no cluster (the test bench): nothing to wait for here */
    if (e->cluster)
        ss_cluster_wait_counts(e->cluster, index, &n, &durable);
    *others = n;
    *local = durable ? 1 : 0;
}

static bool satisfied(const waiter *w, long long others, long long local)
{
    return others >= w->numreplicas && (!w->aof || local >= w->numlocal);
}

static void reply(ss_buf *out, const waiter *w, long long others, long long local)
{
    if (w->aof) {
        resp_add_array_len(out, 2);
        resp_add_int(out, local);
    }
    resp_add_int(out, others);
}

/* Answers waiter i (its count, or the UNBLOCKED error) and takes it off
 * the list (the last one moves there). */
static void answer_as(ss_engine *e, size_t i, bool unblocked_error)
{
    struct ss_wait_state *ws = e->waits;
    waiter w = ws->w[i];
    ws->w[i] = ws->w[--ws->n];
    long long others, local;
    counts(e, w.index, &others, &local);
    ss_buf b;
    ss_buf_init(&b, 0);
    if (unblocked_error)
        resp_add_error(&b, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else
        reply(&b, &w, others, local);
    w.s->blocked = false;
    ss_engine_finish_async(e, w.s, w.cookie, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
    if (ws->n == 0)
        uv_timer_stop(&e->wait_timer);
}

static void answer(ss_engine *e, size_t i) { answer_as(e, i, false); }

int ss_wait_unblock(ss_engine *e, uint64_t id, bool error)
{
    struct ss_wait_state *ws = e->waits;
    for (size_t i = 0; ws && i < ws->n; i++) {
        if (ws->w[i].s->id == id) {
            answer_as(e, i, error); /* as Redis: the count so far, or the error */
            return 1;
        }
    }
    return 0;
}

void ss_wait_check(ss_engine *e)
{
    struct ss_wait_state *ws = e->waits;
    if (!ws)
        return;
    int64_t now = ss_clock_wall_ms();
    for (size_t i = 0; i < ws->n;) {
        const waiter *w = &ws->w[i];
        long long others, local;
        counts(e, w->index, &others, &local);
        if (satisfied(w, others, local) || (w->deadline_ms && now >= w->deadline_ms))
            answer(e, i); /* i now holds the one that was last */
        else
            i++;
    }
}

static void on_wait_timer(uv_timer_t *t) { ss_wait_check(t->data); }

void ss_wait_session_closing(ss_engine *e, ss_session *s)
{
    struct ss_wait_state *ws = e->waits;
    for (size_t i = 0; ws && i < ws->n; i++) {
        if (ws->w[i].s == s) {
            answer(e, i);
            return;
        }
    }
}

void ss_wait_stop(ss_engine *e)
{
    while (e->waits && e->waits->n > 0)
        answer(e, 0);
}

void ss_wait_release(ss_engine *e)
{
    if (e->waits)
        free(e->waits->w);
    free(e->waits);
    e->waits = NULL;
}

/* Redis's getTimeoutFromObjectOrReply in milliseconds: *deadline_ms 0 for none. */
static bool parse_timeout(const ss_args *a, int i, int64_t *deadline_ms, ss_buf *out)
{
    long long t;
    if (!ss_parse_ll(a->argv[i], a->argvlen[i], &t)) {
        resp_add_error(out, "ERR timeout is not an integer or out of range");
        return false;
    }
    if (t < 0) {
        resp_add_error(out, "ERR timeout is negative");
        return false;
    }
    /* Redis 7.0 takes any size: past the clock's range it never ends */
    int64_t now = ss_clock_wall_ms();
    *deadline_ms = t == 0 ? 0 : t > LLONG_MAX - now ? LLONG_MAX : now + t;
    return true;
}

/* Redis's getPositiveLongFromObjectOrReply (WAITAOF's counts). */
static bool parse_count(const ss_args *a, int i, bool positive, long long *v, ss_buf *out)
{
    if (!ss_parse_ll(a->argv[i], a->argvlen[i], v)) {
        ss_reply_err(out, RERR_NOTINT);
        return false;
    }
    if (positive && *v < 0) {
        resp_add_error(out, "ERR value is out of range, must be positive");
        return false;
    }
    return true;
}

/*
 * Queued in MULTI, WAIT and WAITAOF answer at once inside EXEC with the
 * count they have then, as Redis 7.0 does for a client that may not block.
 * The write they count is the EXEC's own entry (it follows the connection's
 * earlier writes and holds the transaction's): a transaction with a WAIT
 * goes through the log for that reason (CMD_LOGGED). Every node applies it;
 * only the reply of the node the client is on is sent.
 */
void ss_wait_exec(void *ctx, ss_exec_ctx *x, const ss_args *a)
{
    ss_engine *e = ctx;
    bool aof = a->argc == 4;
    waiter w = {.aof = aof, .index = x->index};
    if (aof && (!parse_count(a, 1, true, &w.numlocal, x->out) || !parse_count(a, 2, true, &w.numreplicas, x->out)))
        return;
    if (!aof && !parse_count(a, 1, false, &w.numreplicas, x->out))
        return;
    if (!parse_timeout(a, aof ? 3 : 2, &w.deadline_ms, x->out))
        return;
    long long others = 0, local = 0;
    if (x->is_apply)
        counts(e, w.index, &others, &local);
    reply(x->out, &w, others, local);
}

ss_dispatch_result ss_wait_dispatch(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                    ss_buf *out)
{
    /* The writes sent before it must have been applied: their index counts. */
    if (s->pending > 0)
        return SS_DISPATCH_BLOCKED;
    waiter w = {.s = s, .aof = !strcmp(cmd->name, "waitaof"), .index = s->last_write_index};
    int ti = w.aof ? 3 : 2;
    if (w.aof && (!parse_count(a, 1, true, &w.numlocal, out) || !parse_count(a, 2, true, &w.numreplicas, out)))
        return SS_DISPATCH_DONE;
    if (!w.aof && !parse_count(a, 1, false, &w.numreplicas, out))
        return SS_DISPATCH_DONE;
    if (!parse_timeout(a, ti, &w.deadline_ms, out))
        return SS_DISPATCH_DONE;
    long long others, local;
    counts(e, w.index, &others, &local);
    if (satisfied(&w, others, local) || e->stopping) {
        reply(out, &w, others, local);
        return SS_DISPATCH_DONE;
    }
    if (!e->waits && !(e->waits = calloc(1, sizeof *e->waits))) {
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    struct ss_wait_state *ws = e->waits;
    if (ws->n == WAIT_MAX) {
        ss_reply_err(out, RERR_INTERNAL, "too many clients in WAIT");
        return SS_DISPATCH_DONE;
    }
    if (ws->n == ws->cap) {
        size_t cap = ws->cap ? ws->cap * 2 : 8;
        waiter *nw = realloc(ws->w, sizeof *nw * cap);
        if (!nw) {
            ss_reply_err(out, RERR_INTERNAL, "out of memory");
            return SS_DISPATCH_DONE;
        }
        ws->w = nw;
        ws->cap = cap;
    }
    w.cookie = ss_engine_begin_async(e, s, KIND_READ);
    s->blocked = true;
    ws->w[ws->n++] = w;
    if (ws->n == 1)
        uv_timer_start(&e->wait_timer, on_wait_timer, WAIT_POLL_MS, WAIT_POLL_MS);
    return SS_DISPATCH_ASYNC;
}

/* XCLAIM and XAUTOCLAIM: pending entries change owner; entries no longer in the stream leave the PEL. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_stream.h"

/*
 * Both run in apply, so "now" (idle times, delivery times) is the entry's
 * time, the same on every node. The claiming consumer is looked up (its seen
 * time refreshed) or created only when a first entry is claimed, as Redis
 * 7.0 does.
 */
typedef struct claimer {
    stream *s;
    sgroup *g;
    const char *name;
    size_t nlen;
    bool loaded;
    sconsumer c;
} claimer;

static int claimer_load(ss_exec_ctx *ctx, claimer *cl)
{
    if (cl->loaded)
        return SS_OK;
    ss_lookup has = sconsumer_get(ctx, cl->s, cl->g, cl->name, cl->nlen, &cl->c);
    int rc = SS_OK;
    if (has == SS_REPLIED)
        return ctx->status ? ctx->status : SS_EIO;
    if (has == SS_MISSING)
        rc = sconsumer_create(ctx, cl->s, cl->g, cl->name, cl->nlen, &cl->c);
    else
        cl->c.seen_time = ctx->now_ms;
    cl->loaded = rc == SS_OK;
    return rc;
}

/* Replies the entry id (which exists) or just its ID. */
static int reply_claimed(ss_exec_ctx *ctx, ss_buf *out, const stream *s, sid id, bool justid)
{
    if (justid) {
        sid_reply(out, id);
        return SS_OK;
    }
    ss_slice v;
    int rc = stream_entry_get(ctx, s, id, &v);
    sentry e;
    if (rc == SS_OK && !sentry_decode(v, &e))
        rc = SS_ECORRUPT;
    if (rc == SS_OK)
        sentry_reply(out, id, &e);
    return rc;
}

/* Whether entry id is in the stream. */
static int entry_exists(ss_exec_ctx *ctx, const stream *s, sid id, bool *exists)
{
    ss_slice v;
    int rc = stream_entry_get(ctx, s, id, &v);
    *exists = rc == SS_OK;
    return rc == SS_ENOTFOUND ? SS_OK : rc;
}

/* Writes the claimer and the group back. */
static int claim_finish(ss_exec_ctx *ctx, claimer *cl)
{
    int rc = cl->loaded ? sconsumer_put(ctx, cl->s, cl->g, &cl->c) : SS_OK;
    return rc == SS_OK ? sgroup_put(ctx, cl->s, cl->g) : rc;
}

/* ------------------------------------------------------------------ XCLAIM */

typedef struct claim_opts {
    long long minidle;
    int last_id_arg; /* the IDs are argv[5..last_id_arg] */
    bool force, justid;
    long long retrycount;   /* -1: not given */
    long long deliverytime; /* -1: not given */
    sid lastid;
} claim_opts;

/* XCLAIM key group consumer min-idle-time id... [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id] */
static bool parse_xclaim(ss_exec_ctx *ctx, const ss_args *a, claim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->retrycount = o->deliverytime = -1;
    if (!ss_parse_ll(a->argv[4], a->argvlen[4], &o->minidle)) {
        stream_reply_err(ctx->out, SERR_XCLAIM_MINIDLE);
        return false;
    }
    if (o->minidle < 0)
        o->minidle = 0;
    int j = 5;
    for (sid id; j < a->argc && sid_parse(a, j, 0, true, NULL, &id); j++)
        ;
    o->last_id_arg = j - 1;
    for (; j < a->argc; j++) {
        bool more = j + 1 < a->argc;
        long long v;
        if (ss_arg_is(a, j, "force")) {
            o->force = true;
        } else if (ss_arg_is(a, j, "justid")) {
            o->justid = true;
        } else if (ss_arg_is(a, j, "idle") && more) {
            j++;
            if (!ss_parse_ll(a->argv[j], a->argvlen[j], &v)) {
                stream_reply_err(ctx->out, SERR_XCLAIM_IDLE);
                return false;
            }
            o->deliverytime = ctx->now_ms - v;
        } else if (ss_arg_is(a, j, "time") && more) {
            j++;
            if (!ss_parse_ll(a->argv[j], a->argvlen[j], &o->deliverytime)) {
                stream_reply_err(ctx->out, SERR_XCLAIM_TIME);
                return false;
            }
        } else if (ss_arg_is(a, j, "retrycount") && more) {
            j++;
            if (!ss_parse_ll(a->argv[j], a->argvlen[j], &o->retrycount)) {
                stream_reply_err(ctx->out, SERR_XCLAIM_RETRY);
                return false;
            }
        } else if (ss_arg_is(a, j, "lastid") && more) {
            j++;
            if (!sid_parse_or_reply(ctx->out, a, j, 0, true, &o->lastid))
                return false;
        } else {
            stream_reply_err(ctx->out, SERR_XCLAIM_OPTION, a->argv[j]);
            return false;
        }
    }
    /* A delivery time from IDLE or TIME that is in the future or negative is
     * taken as now rather than refused (clients compute it from their own
     * clocks). */
    if (o->deliverytime < 0 || o->deliverytime > ctx->now_ms)
        o->deliverytime = ctx->now_ms;
    return true;
}

/* Claims one ID; *claimed when it was (and replied). */
static int claim_one(ss_exec_ctx *ctx, ss_buf *body, claimer *cl, const claim_opts *o, sid id, bool *claimed)
{
    *claimed = false;
    snack n;
    ss_lookup had = snack_get(ctx, cl->s, cl->g, id, &n);
    if (had == SS_REPLIED)
        return ctx->status ? ctx->status : SS_EIO;
    bool exists;
    int rc = entry_exists(ctx, cl->s, id, &exists);
    if (rc != SS_OK || !exists) {
        bool gone;
        if (rc == SS_OK && had == SS_FOUND)
            rc = spel_remove(ctx, cl->s, cl->g, id, cl->loaded ? &cl->c : NULL, &gone);
        snack_release(&n);
        return rc;
    }
    bool existed = had == SS_FOUND;
    if (!existed && !o->force)
        return SS_OK;
    if (existed && o->minidle && ctx->now_ms - n.delivery_time < o->minidle) {
        snack_release(&n);
        return SS_OK;
    }
    if (!existed)
        n = (snack){.delivery_time = ctx->now_ms, .delivery_count = 1}; /* streamCreateNACK */
    if ((rc = claimer_load(ctx, cl)) == SS_OK) {
        uint64_t count = n.delivery_count;
        if (o->retrycount >= 0)
            count = (uint64_t)o->retrycount;
        else if (!o->justid)
            count++;
        snack moved = n;
        moved.delivery_time = o->deliverytime;
        moved.delivery_count = count;
        rc = spel_claim(ctx, cl->s, cl->g, &cl->c, id, &moved, existed);
    }
    snack_release(&n);
    if (rc == SS_OK)
        rc = reply_claimed(ctx, body, cl->s, id, o->justid);
    *claimed = rc == SS_OK;
    return rc;
}

void xclaimExec(ss_exec_ctx *ctx, const ss_args *a)
{
    stream s;
    sgroup g;
    if (!stream_group_open_or_reply(ctx, a, &s, &g))
        return;
    claim_opts o;
    if (!parse_xclaim(ctx, a, &o))
        return;
    if (sid_cmp(o.lastid, g.last_id) > 0)
        g.last_id = o.lastid;
    claimer cl = {.s = &s, .g = &g, .name = a->argv[3], .nlen = a->argvlen[3]};
    ss_buf body;
    sreply_begin(ctx->out, &body);
    long long n = 0;
    int rc = SS_OK;
    for (int j = 5; j <= o.last_id_arg && rc == SS_OK; j++) {
        sid id;
        bool claimed;
        sid_parse(a, j, 0, true, NULL, &id);
        rc = claim_one(ctx, &body, &cl, &o, id, &claimed);
        n += claimed;
    }
    if (rc == SS_OK)
        rc = claim_finish(ctx, &cl);
    if (rc != SS_OK) {
        ss_buf_release(&body);
        ss_exec_fail(ctx, rc);
        return;
    }
    sreply_end(ctx->out, &body, n);
}

/* ------------------------------------------------------------------ XAUTOCLAIM */

#define ATTEMPTS_FACTOR 10

typedef struct autoclaim_opts {
    long long minidle;
    sid start;
    long long count;
    bool justid;
} autoclaim_opts;

/* XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] */
static bool parse_xautoclaim(ss_buf *out, const ss_args *a, autoclaim_opts *o)
{
    o->count = 100;
    o->justid = false;
    if (!ss_parse_ll(a->argv[4], a->argvlen[4], &o->minidle)) {
        stream_reply_err(out, SERR_XAUTOCLAIM_MINIDLE);
        return false;
    }
    if (o->minidle < 0)
        o->minidle = 0;
    if (!sid_parse_range(out, a, 5, false, &o->start))
        return false;
    /* Redis caps COUNT so that count * attempts and its ID buffer fit a long. */
    const long long max_count = LONG_MAX / (SID_LEN > ATTEMPTS_FACTOR ? SID_LEN : ATTEMPTS_FACTOR);
    for (int j = 6; j < a->argc; j++) {
        if (ss_arg_is(a, j, "count") && j + 1 < a->argc) {
            if (!ss_parse_ll(a->argv[j + 1], a->argvlen[j + 1], &o->count) || o->count < 1 || o->count > max_count) {
                stream_reply_err(out, SERR_XAUTOCLAIM_COUNT);
                return false;
            }
            j++;
        } else if (ss_arg_is(a, j, "justid")) {
            o->justid = true;
        } else {
            ss_reply_err(out, RERR_SYNTAX);
            return false;
        }
    }
    return true;
}

bool xautoclaimPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    autoclaim_opts o;
    return parse_xautoclaim(out, a, &o);
}

/* A growable list of IDs (the deleted ones XAUTOCLAIM reports). */
typedef struct idlist {
    sid *v;
    size_t n, cap;
} idlist;

static int idlist_push(idlist *l, sid id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        sid *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return SS_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = id;
    return SS_OK;
}

/* One PEL entry met by the scan (the walk is on it). */
static int autoclaim_one(ss_exec_ctx *ctx, ss_buf *claimed, claimer *cl, const autoclaim_opts *o, spelwalk *w,
                         idlist *deleted, long long *count, long long *n)
{
    sid id = w->id;
    snack nk;
    if (!spelwalk_nack(w, &nk))
        return SS_ECORRUPT;
    bool exists;
    int rc = entry_exists(ctx, cl->s, id, &exists);
    if (rc == SS_OK && !exists) {
        bool gone;
        rc = spel_remove(ctx, cl->s, cl->g, id, cl->loaded ? &cl->c : NULL, &gone);
        if (rc == SS_OK)
            rc = idlist_push(deleted, id);
        (*count)--; /* a deleted entry counts towards COUNT */
    } else if (rc == SS_OK && !(o->minidle && ctx->now_ms - nk.delivery_time < o->minidle)) {
        if ((rc = claimer_load(ctx, cl)) == SS_OK) {
            snack moved = nk;
            moved.delivery_time = ctx->now_ms;
            if (!o->justid)
                moved.delivery_count++;
            rc = spel_claim(ctx, cl->s, cl->g, &cl->c, id, &moved, true);
        }
        if (rc == SS_OK)
            rc = reply_claimed(ctx, claimed, cl->s, id, o->justid);
        (*n)++;
        (*count)--;
    }
    snack_release(&nk);
    return rc;
}

void xautoclaimExec(ss_exec_ctx *ctx, const ss_args *a)
{
    autoclaim_opts o;
    if (!parse_xautoclaim(ctx->out, a, &o))
        return;
    stream s;
    sgroup g;
    if (!stream_group_open_or_reply(ctx, a, &s, &g))
        return;
    claimer cl = {.s = &s, .g = &g, .name = a->argv[3], .nlen = a->argvlen[3]};
    idlist deleted = {0};
    ss_buf claimed;
    sreply_begin(ctx->out, &claimed);
    long long count = o.count, attempts = o.count * ATTEMPTS_FACTOR, n = 0;
    spelwalk w;
    int rc = spelwalk_start(ctx, &s, &g, NULL, 0, o.start, false, &w);
    while (rc == SS_OK && attempts > 0 && count > 0 && spelwalk_valid(&w)) {
        attempts--;
        rc = autoclaim_one(ctx, &claimed, &cl, &o, &w, &deleted, &count, &n);
        spelwalk_next(&w);
    }
    /* The next call starts where this scan stopped; 0-0 once it went through. */
    sid cursor = rc == SS_OK && spelwalk_valid(&w) ? w.id : SID_MIN;
    spelwalk_stop(&w);
    if (rc == SS_OK)
        rc = claim_finish(ctx, &cl);
    if (rc != SS_OK) {
        ss_buf_release(&claimed);
        free(deleted.v);
        ss_exec_fail(ctx, rc);
        return;
    }
    resp_add_array_len(ctx->out, 3);
    sid_reply(ctx->out, cursor);
    sreply_end(ctx->out, &claimed, n);
    resp_add_array_len(ctx->out, (long long)deleted.n);
    for (size_t i = 0; i < deleted.n; i++)
        sid_reply(ctx->out, deleted.v[i]);
    free(deleted.v);
}

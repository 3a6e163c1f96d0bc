/* XREAD and XREADGROUP: reading new entries from several streams, alone or as a consumer of a group, and their history; where BLOCK would wait. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_stream.h"

/* The options before STREAMS (xreadCommand's first loop). */
typedef struct read_req {
    bool group;          /* XREADGROUP */
    long long timeout;   /* -1: no BLOCK; 0: forever; else the deadline (unix ms) */
    long long count;     /* 0: all */
    bool noack;
    int streams_arg;     /* the first key */
    int nstreams;
    int group_arg;       /* XREADGROUP: the group; the consumer follows */
} read_req;

/* getTimeoutFromObjectOrReply in milliseconds: a deadline from now. */
static bool parse_timeout(ss_buf *out, const ss_args *a, int i, int64_t now, long long *timeout)
{
    long long t;
    if (!ss_parse_ll(a->argv[i], a->argvlen[i], &t)) {
        stream_reply_err(out, SERR_TIMEOUT_NOTINT);
        return false;
    }
    if (t < 0) {
        stream_reply_err(out, SERR_TIMEOUT_NEG);
        return false;
    }
    if (t > 0) {
        if (t > LLONG_MAX - now) {
            stream_reply_err(out, SERR_TIMEOUT_RANGE);
            return false;
        }
        t += now;
    }
    *timeout = t;
    return true;
}

/* from_script: BLOCK is refused from scripts, whatever there is to read
 * (Redis 7.0 keeps that error for Lua, beside CLIENT_DENY_BLOCKING). */
static bool parse_read(ss_buf *out, const ss_args *a, bool group, bool from_script, int64_t now, read_req *r)
{
    memset(r, 0, sizeof *r);
    r->group = group;
    r->timeout = -1;
    for (int i = 1; i < a->argc; i++) {
        int more = a->argc - i - 1;
        if (ss_arg_is(a, i, "block") && more) {
            if (from_script) {
                /* The name as the script spelled it, as Redis's c->argv[0]. */
                char name[16];
                snprintf(name, sizeof name, "%.*s", (int)a->argvlen[0], a->argv[0]);
                stream_reply_err(out, SERR_BLOCK_SCRIPT, name);
                return false;
            }
            i++;
            if (!parse_timeout(out, a, i, now, &r->timeout))
                return false;
        } else if (ss_arg_is(a, i, "count") && more) {
            i++;
            if (!stream_arg_ll(out, a, i, &r->count))
                return false;
            if (r->count < 0)
                r->count = 0;
        } else if (ss_arg_is(a, i, "streams") && more) {
            r->streams_arg = i + 1;
            int n = a->argc - r->streams_arg;
            if (n % 2 != 0) {
                stream_reply_err(out, SERR_UNBALANCED);
                return false;
            }
            r->nstreams = n / 2;
            break;
        } else if (ss_arg_is(a, i, "group") && more >= 2) {
            if (!group) {
                stream_reply_err(out, SERR_GROUP_XREAD);
                return false;
            }
            r->group_arg = i + 1;
            i += 2;
        } else if (ss_arg_is(a, i, "noack")) {
            if (!group) {
                stream_reply_err(out, SERR_NOACK_XREAD);
                return false;
            }
            r->noack = true;
        } else {
            ss_reply_err(out, RERR_SYNTAX);
            return false;
        }
    }
    if (r->streams_arg == 0) {
        ss_reply_err(out, RERR_SYNTAX);
        return false;
    }
    if (group && r->group_arg == 0) {
        stream_reply_err(out, SERR_MISSING_GROUP);
        return false;
    }
    return true;
}

bool xreadgroupPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    read_req r;
    return parse_read(out, a, true, false, 0, &r);
}

/* ">" is the greatest ID, as in Redis (so "18446744073709551615-18446744073709551615" means ">" too). */
#define ID_NEW SID_MAX

/* The second loop: each key looked up, each ID resolved ("$" to the last
 * ID, ">" to ID_NEW); false after replying an error. */
static bool resolve_ids(ss_exec_ctx *ctx, const ss_args *a, const read_req *r, sid *ids)
{
    for (int k = 0; k < r->nstreams; k++) {
        int keyarg = r->streams_arg + k, idarg = keyarg + r->nstreams;
        stream s;
        ss_lookup found = stream_open(ctx, a, keyarg, &s);
        if (found == SS_REPLIED)
            return false;
        if (r->group) {
            sgroup g;
            ss_lookup gfound = SS_MISSING;
            if (found == SS_FOUND &&
                (gfound = sgroup_get(ctx, &s, a->argv[r->group_arg], a->argvlen[r->group_arg], &g)) == SS_REPLIED)
                return false;
            if (gfound == SS_MISSING) {
                stream_reply_err(ctx->out, SERR_NOGROUP_READ, a->argv[keyarg], a->argv[r->group_arg]);
                return false;
            }
        }
        if (strcmp(a->argv[idarg], "$") == 0) {
            if (r->group) {
                stream_reply_err(ctx->out, SERR_DOLLAR_GROUP);
                return false;
            }
            ids[k] = found == SS_FOUND ? s.last_id : SID_MIN;
        } else if (strcmp(a->argv[idarg], ">") == 0) {
            if (!r->group) {
                stream_reply_err(ctx->out, SERR_GT_XREAD);
                return false;
            }
            ids[k] = ID_NEW;
        } else if (!sid_parse_or_reply(ctx->out, a, idarg, 0, true, &ids[k])) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ serving one stream */

/* New entries after start for a consumer of g (streamReplyWithRange with a
 * group): the group's last ID and read counter follow, and each entry joins
 * the consumer's PEL unless NOACK. */
static int serve_new(ss_exec_ctx *ctx, ss_buf *body, stream *s, sgroup *g, sconsumer *c, sid start,
                     const read_req *r)
{
    int rc = stream_info(ctx, s);
    if (rc != SS_OK)
        return rc;
    ss_buf entries;
    sreply_begin(body, &entries);
    long long n = 0;
    swalk w;
    rc = swalk_start(ctx, s, start, SID_MAX, false, &w);
    while (rc == SS_OK && (r->count == 0 || n < r->count) && swalk_next(&w)) {
        sentry e;
        if (!sentry_decode(w.val, &e)) {
            rc = SS_ECORRUPT;
            break;
        }
        sid id = w.id;
        if (sid_cmp(id, g->last_id) > 0)
            sgroup_advance(s, g, id);
        sentry_reply(&entries, id, &e);
        n++;
        /* The walk's bytes are not needed past here: the PEL writes below
         * may move it. */
        if (!r->noack)
            rc = spel_deliver(ctx, s, g, c, id, ctx->now_ms);
    }
    swalk_stop(&w);
    if (rc != SS_OK) {
        ss_buf_release(&entries);
        return rc;
    }
    sreply_end(body, &entries, n);
    return SS_OK;
}

/* The consumer's own pending entries after start (streamReplyWithRange-
 * FromConsumerPEL): each delivered again, or [id, nil] when the entry is no
 * longer in the stream. */
static int serve_history(ss_exec_ctx *ctx, ss_buf *body, const stream *s, const sgroup *g, const sconsumer *c,
                         sid start, long long count)
{
    spelwalk w;
    int rc = spelwalk_start(ctx, s, g, c->name, c->nlen, start, false, &w);
    if (rc != SS_OK)
        return rc;
    ss_buf entries;
    sreply_begin(body, &entries);
    long long n = 0;
    for (; rc == SS_OK && (count == 0 || n < count) && spelwalk_valid(&w); spelwalk_next(&w), n++) {
        sid id = w.id;
        ss_slice v;
        rc = stream_entry_get(ctx, s, id, &v);
        if (rc == SS_ENOTFOUND) {
            rc = SS_OK;
            resp_add_array_len(&entries, 2);
            sid_reply(&entries, id);
            resp_add_null_array(&entries, ctx->proto);
            continue;
        }
        sentry e;
        if (rc == SS_OK && !sentry_decode(v, &e))
            rc = SS_ECORRUPT;
        if (rc != SS_OK)
            break;
        sentry_reply(&entries, id, &e);
        snack nk;
        ss_lookup has = snack_get(ctx, s, g, id, &nk);
        if (has != SS_FOUND) {
            rc = has == SS_MISSING ? SS_ECORRUPT : (ctx->status ? ctx->status : SS_EIO);
            break;
        }
        nk.delivery_time = ctx->now_ms;
        nk.delivery_count++;
        rc = spel_touch(ctx, s, g, id, &nk);
        snack_release(&nk);
    }
    spelwalk_stop(&w);
    if (rc != SS_OK) {
        ss_buf_release(&entries);
        return rc;
    }
    sreply_end(body, &entries, n);
    return SS_OK;
}

/* XREADGROUP on one stream that has something to serve: the group as it is
 * now (a key named twice is served twice, as in Redis), the consumer found
 * (its seen time refreshed) or created, both written back. */
static int serve_group(ss_exec_ctx *ctx, ss_buf *body, const ss_args *a, const read_req *r, stream *s, sid start,
                       bool history)
{
    const char *gname = a->argv[r->group_arg], *cname = a->argv[r->group_arg + 1];
    size_t glen = a->argvlen[r->group_arg], clen = a->argvlen[r->group_arg + 1];
    sgroup g;
    ss_lookup gfound = sgroup_get(ctx, s, gname, glen, &g);
    if (gfound != SS_FOUND)
        return gfound == SS_MISSING ? SS_ECORRUPT : (ctx->status ? ctx->status : SS_EIO);
    sconsumer c;
    ss_lookup cfound = sconsumer_get(ctx, s, &g, cname, clen, &c);
    int rc = SS_OK;
    if (cfound == SS_REPLIED)
        return ctx->status ? ctx->status : SS_EIO;
    if (cfound == SS_MISSING)
        rc = sconsumer_create(ctx, s, &g, cname, clen, &c);
    else
        c.seen_time = ctx->now_ms;
    if (rc == SS_OK)
        rc = history ? serve_history(ctx, body, s, &g, &c, start, r->count)
                     : serve_new(ctx, body, s, &g, &c, start, r);
    if (rc == SS_OK)
        rc = sconsumer_put(ctx, s, &g, &c);
    if (rc == SS_OK)
        rc = sgroup_put(ctx, s, &g);
    return rc;
}

/* ------------------------------------------------------------------ XREAD XREADGROUP */

/*
 * A read with BLOCK that found nothing waits. Redis parks the client on the
 * keys until a write makes one ready (XADD, XGROUP DESTROY, DEL...) or the
 * deadline passes (then a null reply), and serves it again with "$" replaced
 * by the IDs resolved here; a client that may not block (MULTI, scripts)
 * gets the null reply at once. Waiting belongs to the engine (clients are
 * per node, the keys' readiness comes from apply's ss_exec_ready): this
 * answers SS_STREAM_WAIT_REPLY and the IDs it resolved, which the engine's
 * blocking.c takes (it never reaches a client), and nothing is changed.
 */
static void reply_would_block(ss_exec_ctx *ctx, const read_req *r, const sid *ids)
{
    ss_buf_append(ctx->out, SS_STREAM_WAIT_REPLY, strlen(SS_STREAM_WAIT_REPLY));
    for (int k = 0; k < r->nstreams; k++) {
        char id[SID_STR_MAX];
        size_t n = sid_format(ids[k], id);
        ss_buf_append(ctx->out, " ", 1);
        ss_buf_append(ctx->out, id, n);
    }
    ss_buf_append(ctx->out, "\r\n", 2);
}

static void read_generic(ss_exec_ctx *ctx, const ss_args *a, bool group)
{
    read_req r;
    if (!parse_read(ctx->out, a, group, ctx->from_script, ctx->now_ms, &r))
        return;
    sid fixed[8], *ids = r.nstreams <= 8 ? fixed : malloc(sizeof(sid) * (size_t)r.nstreams);
    if (!ids) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    if (!resolve_ids(ctx, a, &r, ids))
        goto done;
    ss_buf body;
    sreply_begin(ctx->out, &body);
    long long served = 0;
    int rc = SS_OK;
    for (int k = 0; k < r.nstreams && rc == SS_OK; k++) {
        int keyarg = r.streams_arg + k;
        stream s;
        ss_lookup found = stream_open(ctx, a, keyarg, &s);
        if (found == SS_REPLIED) {
            rc = ctx->status ? ctx->status : SS_EIO;
            break;
        }
        if (found == SS_MISSING)
            continue;
        sid gt = ids[k], last;
        bool serve = false, history = false, any = false;
        if (group && sid_cmp(gt, ID_NEW) != 0) {
            serve = history = true;
        } else if (stream_len(&s) > 0) {
            if ((rc = stream_last_entry(ctx, &s, &last, &any)) != SS_OK)
                break;
            if (group) {
                sgroup g;
                if (sgroup_get(ctx, &s, a->argv[r.group_arg], a->argvlen[r.group_arg], &g) != SS_FOUND) {
                    rc = ctx->status ? ctx->status : SS_ECORRUPT;
                    break;
                }
                gt = g.last_id;
            }
            serve = sid_cmp(last, gt) > 0;
        }
        if (!serve)
            continue;
        served++;
        sid start = gt;
        sid_incr(&start);
        if (ctx->proto == RESP2)
            resp_add_array_len(&body, 2);
        resp_add_bulk(&body, a->argv[keyarg], a->argvlen[keyarg]);
        if (group) {
            rc = serve_group(ctx, &body, a, &r, &s, start, history);
        } else {
            size_t n;
            rc = stream_reply_range(ctx, &body, &s, start, SID_MAX, r.count, false, &n);
        }
    }
    if (rc != SS_OK) {
        ss_buf_release(&body);
        ss_exec_fail(ctx, rc);
    } else if (served) {
        if (ctx->proto == RESP2)
            sreply_end(ctx->out, &body, served);
        else
            sreply_end_map(ctx->out, ctx->proto, &body, served);
    } else {
        ss_buf_release(&body);
        if (r.timeout != -1 && !ctx->deny_blocking)
            reply_would_block(ctx, &r, ids);
        else
            resp_add_null_array(ctx->out, ctx->proto);
    }
done:
    if (ids != fixed)
        free(ids);
}

void xreadExec(ss_exec_ctx *ctx, const ss_args *a) { read_generic(ctx, a, false); }
void xreadgroupExec(ss_exec_ctx *ctx, const ss_args *a) { read_generic(ctx, a, true); }

/* XINFO STREAM [FULL [COUNT n]], XINFO GROUPS, XINFO CONSUMERS, XINFO HELP: maps in RESP3, flat arrays in RESP2. */
#include <string.h>

#include "commands/cmd_stream.h"

/*
 * XINFO is a read: idle times use this node's clock (Redis uses its own),
 * so a follower whose clock is behind the leader's answers 0 rather than a
 * negative idle time.
 */

static void field(ss_buf *out, const char *name) { resp_add_bulk_cstr(out, name); }

/* The entries-read value: a number, or null when unknown. */
static void reply_entries_read(ss_exec_ctx *ctx, ss_buf *out, const sgroup *g)
{
    if (g->entries_read != SCG_INVALID_ENTRIES_READ)
        resp_add_int(out, g->entries_read);
    else
        resp_add_null_bulk(out, ctx->proto);
}

/* ------------------------------------------------------------------ XINFO STREAM */

typedef struct full_ctx {
    ss_exec_ctx *ctx;
    stream *s;
    long long count; /* 0: all */
    ss_buf *out;
    int rc;
} full_ctx;

/* A PEL as XINFO STREAM FULL lists it, up to count: [id, consumer, delivery
 * time, deliveries] for the group's, [id, delivery time, deliveries] for a
 * consumer's. */
static int reply_pel(full_ctx *f, const sgroup *g, const sconsumer *c)
{
    spelwalk w;
    int rc = spelwalk_start(f->ctx, f->s, g, c ? c->name : NULL, c ? c->nlen : 0, SID_MIN, false, &w);
    if (rc != SS_OK)
        return rc;
    ss_buf body;
    sreply_begin(f->out, &body);
    long long n = 0;
    for (; rc == SS_OK && (f->count == 0 || n < f->count) && spelwalk_valid(&w); spelwalk_next(&w), n++) {
        snack nk;
        if (c) {
            ss_lookup has = snack_get(f->ctx, f->s, g, w.id, &nk);
            if (has != SS_FOUND) {
                rc = has == SS_MISSING ? SS_ECORRUPT : (f->ctx->status ? f->ctx->status : SS_EIO);
                break;
            }
        } else if (!spelwalk_nack(&w, &nk)) {
            rc = SS_ECORRUPT;
            break;
        }
        resp_add_array_len(&body, c ? 3 : 4);
        sid_reply(&body, w.id);
        if (!c)
            resp_add_bulk(&body, nk.consumer, nk.clen);
        resp_add_int(&body, nk.delivery_time);
        resp_add_int(&body, (long long)nk.delivery_count);
        snack_release(&nk);
    }
    spelwalk_stop(&w);
    if (rc != SS_OK) {
        ss_buf_release(&body);
        return rc;
    }
    sreply_end(f->out, &body, n);
    return SS_OK;
}

typedef struct full_group {
    full_ctx *f;
    const sgroup *g;
} full_group;

static int full_consumer(void *ud, const sconsumer *c)
{
    full_group *fg = ud;
    full_ctx *f = fg->f;
    resp_add_map_len(f->out, f->ctx->proto, 4);
    field(f->out, "name");
    resp_add_bulk(f->out, c->name, c->nlen);
    field(f->out, "seen-time");
    resp_add_int(f->out, c->seen_time);
    field(f->out, "pel-count");
    resp_add_int(f->out, (long long)c->pel_count);
    field(f->out, "pending");
    f->rc = reply_pel(f, fg->g, c);
    return f->rc != SS_OK;
}

static int full_group_cb(void *ud, const sgroup *g)
{
    full_ctx *f = ud;
    ss_buf *out = f->out;
    resp_add_map_len(out, f->ctx->proto, 7);
    field(out, "name");
    resp_add_bulk(out, g->name, g->nlen);
    field(out, "last-delivered-id");
    sid_reply(out, g->last_id);
    field(out, "entries-read");
    reply_entries_read(f->ctx, out, g);
    field(out, "lag");
    stream_reply_lag(f->ctx, out, f->s, g);
    field(out, "pel-count");
    resp_add_int(out, (long long)g->pel_count);
    field(out, "pending");
    if ((f->rc = reply_pel(f, g, NULL)) != SS_OK)
        return 1;
    field(out, "consumers");
    resp_add_array_len(out, (long long)g->consumers);
    full_group fg = {f, g};
    int rc = sconsumer_each(f->ctx, f->s, g, full_consumer, &fg);
    if (rc != SS_OK)
        f->rc = rc;
    return f->rc != SS_OK;
}

/* The first or last entry, or null. */
static int reply_edge(ss_exec_ctx *ctx, const stream *s, bool last)
{
    swalk w;
    int rc = swalk_start(ctx, s, SID_MIN, SID_MAX, last, &w);
    if (rc == SS_OK && swalk_next(&w)) {
        sentry e;
        if (sentry_decode(w.val, &e))
            sentry_reply(ctx->out, w.id, &e);
        else
            rc = SS_ECORRUPT;
    } else if (rc == SS_OK) {
        resp_add_null_bulk(ctx->out, ctx->proto);
    }
    swalk_stop(&w);
    return rc;
}

static int reply_stream(ss_exec_ctx *ctx, stream *s, bool full, long long count)
{
    int rc = stream_info(ctx, s);
    uint64_t keys, nodes;
    if (rc == SS_OK)
        rc = snode_rax_stats(ctx, s, &keys, &nodes);
    if (rc != SS_OK)
        return rc;
    ss_buf *out = ctx->out;
    resp_add_map_len(out, ctx->proto, full ? 9 : 10);
    field(out, "length");
    resp_add_int(out, (long long)stream_len(s));
    field(out, "radix-tree-keys");
    resp_add_int(out, (long long)keys);
    field(out, "radix-tree-nodes");
    resp_add_int(out, (long long)nodes);
    field(out, "last-generated-id");
    sid_reply(out, s->last_id);
    field(out, "max-deleted-entry-id");
    sid_reply(out, s->max_deleted);
    field(out, "entries-added");
    resp_add_int(out, (long long)s->entries_added);
    field(out, "recorded-first-entry-id");
    sid_reply(out, s->first_id);
    if (!full) {
        field(out, "groups");
        resp_add_int(out, (long long)s->ngroups);
        field(out, "first-entry");
        if ((rc = reply_edge(ctx, s, false)) != SS_OK)
            return rc;
        field(out, "last-entry");
        return reply_edge(ctx, s, true);
    }
    field(out, "entries");
    size_t n;
    if ((rc = stream_reply_range(ctx, out, s, SID_MIN, SID_MAX, count, false, &n)) != SS_OK)
        return rc;
    field(out, "groups");
    resp_add_array_len(out, (long long)s->ngroups);
    full_ctx f = {ctx, s, count, out, SS_OK};
    rc = sgroup_each(ctx, s, full_group_cb, &f);
    return rc != SS_OK ? rc : f.rc;
}

static void xinfoStreamExec(ss_exec_ctx *ctx, const ss_args *a)
{
    stream s;
    if (!stream_open_or_reply(ctx, a, 2, &s, RESP_SH_NOKEY))
        return;
    /* [FULL [COUNT count]], parsed once the key is known, as Redis does. */
    int optc = a->argc - 3;
    bool full = optc > 0;
    long long count = 10;
    if (full && ((optc != 1 && optc != 3) || !ss_arg_is(a, 3, "full") || (optc == 3 && !ss_arg_is(a, 4, "count")))) {
        stream_reply_subcommand_syntax(ctx->out, a);
        return;
    }
    if (optc == 3) {
        if (!stream_arg_ll(ctx->out, a, 5, &count))
            return;
        if (count < 0)
            count = 10;
    }
    int rc = reply_stream(ctx, &s, full, count);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

/* ------------------------------------------------------------------ XINFO GROUPS */

typedef struct groups_ctx {
    ss_exec_ctx *ctx;
    stream *s;
} groups_ctx;

static int group_cb(void *ud, const sgroup *g)
{
    groups_ctx *gc = ud;
    ss_buf *out = gc->ctx->out;
    resp_add_map_len(out, gc->ctx->proto, 6);
    field(out, "name");
    resp_add_bulk(out, g->name, g->nlen);
    field(out, "consumers");
    resp_add_int(out, (long long)g->consumers);
    field(out, "pending");
    resp_add_int(out, (long long)g->pel_count);
    field(out, "last-delivered-id");
    sid_reply(out, g->last_id);
    field(out, "entries-read");
    reply_entries_read(gc->ctx, out, g);
    field(out, "lag");
    stream_reply_lag(gc->ctx, out, gc->s, g);
    return 0;
}

static void xinfoGroupsExec(ss_exec_ctx *ctx, const ss_args *a)
{
    stream s;
    if (!stream_open_or_reply(ctx, a, 2, &s, RESP_SH_NOKEY))
        return;
    int rc = stream_info(ctx, &s);
    if (rc == SS_OK) {
        resp_add_array_len(ctx->out, (long long)s.ngroups);
        groups_ctx gc = {ctx, &s};
        rc = sgroup_each(ctx, &s, group_cb, &gc);
    }
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

/* ------------------------------------------------------------------ XINFO CONSUMERS */

static int consumer_cb(void *ud, const sconsumer *c)
{
    ss_exec_ctx *ctx = ud;
    long long idle = ctx->now_ms - c->seen_time;
    resp_add_map_len(ctx->out, ctx->proto, 3);
    field(ctx->out, "name");
    resp_add_bulk(ctx->out, c->name, c->nlen);
    field(ctx->out, "pending");
    resp_add_int(ctx->out, (long long)c->pel_count);
    field(ctx->out, "idle");
    resp_add_int(ctx->out, idle < 0 ? 0 : idle);
    return 0;
}

static void xinfoConsumersExec(ss_exec_ctx *ctx, const ss_args *a)
{
    stream s;
    if (!stream_open_or_reply(ctx, a, 2, &s, RESP_SH_NOKEY))
        return;
    sgroup g;
    ss_lookup gfound = sgroup_get(ctx, &s, a->argv[3], a->argvlen[3], &g);
    if (gfound == SS_REPLIED)
        return;
    if (gfound == SS_MISSING) {
        stream_reply_err(ctx->out, SERR_NOGROUP, a->argv[3], a->argv[2]);
        return;
    }
    resp_add_array_len(ctx->out, (long long)g.consumers);
    int rc = sconsumer_each(ctx, &s, &g, consumer_cb, ctx);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

static void xinfoHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)s;
    (void)a;
    static const char *const help[] = {
        "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, help);
}

const ss_command stream_xinfo_subcommands[] = {
    SS_READ("xinfo|consumers", 4, 0, ACL_STREAM, xinfoConsumersExec, .keys = {KEY(2, KS_RO | KS_ACCESS)}),
    SS_READ("xinfo|groups", 3, 0, ACL_STREAM, xinfoGroupsExec, .keys = {KEY(2, KS_RO | KS_ACCESS)}),
    SS_READ("xinfo|stream", -3, 0, ACL_STREAM, xinfoStreamExec, .keys = {KEY(2, KS_RO | KS_ACCESS)}),
    SS_LOCAL("xinfo|help", 2, CMD_LOADING | CMD_STALE, ACL_STREAM, xinfoHelpCommand),
    SS_END,
};

/* Consumer group commands: XGROUP (CREATE SETID DESTROY CREATECONSUMER DELCONSUMER HELP), XACK, XPENDING. */
#include <string.h>

#include "commands/cmd_stream.h"

/* ------------------------------------------------------------------ XGROUP */

/* What every XGROUP subcommand but HELP does first (xgroupCommand): the
 * options of CREATE and SETID, the key, and the group where one must exist. */
typedef struct xgroup_req {
    stream s;
    ss_lookup found;
    sgroup g;
    ss_lookup gfound; /* looked up unless MKSTREAM */
    bool mkstream;
    long long entries_read;
} xgroup_req;

static bool xgroup_begin(ss_exec_ctx *ctx, const ss_args *a, xgroup_req *r)
{
    bool create = ss_arg_is(a, 1, "create"), setid = ss_arg_is(a, 1, "setid");
    r->mkstream = false;
    r->entries_read = SCG_INVALID_ENTRIES_READ;
    for (int i = 5; i < a->argc;) {
        if (create && ss_arg_is(a, i, "mkstream")) {
            r->mkstream = true;
            i++;
        } else if ((create || setid) && ss_arg_is(a, i, "entriesread") && i + 1 < a->argc) {
            if (!stream_arg_ll(ctx->out, a, i + 1, &r->entries_read))
                return false;
            if (r->entries_read < 0 && r->entries_read != SCG_INVALID_ENTRIES_READ) {
                stream_reply_err(ctx->out, SERR_ENTRIESREAD);
                return false;
            }
            i += 2;
        } else {
            stream_reply_subcommand_syntax(ctx->out, a);
            return false;
        }
    }
    r->found = stream_open(ctx, a, 2, &r->s);
    if (r->found == SS_REPLIED)
        return false;
    r->gfound = SS_MISSING;
    if (r->mkstream)
        return true;
    if (r->found == SS_MISSING) {
        stream_reply_err(ctx->out, SERR_XGROUP_NOKEY);
        return false;
    }
    r->gfound = sgroup_get(ctx, &r->s, a->argv[3], a->argvlen[3], &r->g);
    if (r->gfound == SS_REPLIED)
        return false;
    if (r->gfound == SS_MISSING && !create && !ss_arg_is(a, 1, "destroy")) {
        stream_reply_err(ctx->out, SERR_NOGROUP, a->argv[3], a->argv[2]);
        return false;
    }
    return true;
}

static void xgroupCreateExec(ss_exec_ctx *ctx, const ss_args *a)
{
    xgroup_req r;
    if (!xgroup_begin(ctx, a, &r))
        return;
    if (a->argc > 8) {
        stream_reply_subcommand_syntax(ctx->out, a);
        return;
    }
    sid id;
    if (strcmp(a->argv[4], "$") == 0)
        id = r.found == SS_FOUND ? r.s.last_id : SID_MIN;
    else if (!sid_parse_or_reply(ctx->out, a, 4, 0, true, &id))
        return;
    bool created = r.found == SS_MISSING;
    if (created)
        stream_create(ctx, &r.s);
    else if (r.mkstream && (r.gfound = sgroup_get(ctx, &r.s, a->argv[3], a->argvlen[3], &r.g)) == SS_REPLIED)
        return;
    if (r.gfound == SS_FOUND) {
        stream_reply_err(ctx->out, SERR_BUSYGROUP);
        return;
    }
    sgroup g = {.name = a->argv[3], .nlen = a->argvlen[3], .last_id = id, .entries_read = r.entries_read};
    int rc = sgroup_create(ctx, &r.s, &g);
    if (rc == SS_OK)
        rc = stream_save(ctx, &r.s);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    if (created) {
        /* MKSTREAM's dbAdd: "new", and the key is ready (Redis 7.0). */
        ss_exec_notify(ctx, SS_NOTIFY_NEW, "new", r.s.k.name, r.s.k.len);
        ss_exec_ready(ctx, r.s.k.name, r.s.k.len);
        ss_exec_modified(ctx, r.s.k.name, r.s.k.len);
    }
    resp_add_shared(ctx->out, RESP_SH_OK);
    ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xgroup-create", r.s.k.name, r.s.k.len);
}

static void xgroupSetidExec(ss_exec_ctx *ctx, const ss_args *a)
{
    xgroup_req r;
    if (!xgroup_begin(ctx, a, &r))
        return;
    if (a->argc != 5 && a->argc != 7) {
        stream_reply_subcommand_syntax(ctx->out, a);
        return;
    }
    sid id;
    if (strcmp(a->argv[4], "$") == 0)
        id = r.s.last_id;
    else if (!sid_parse_or_reply(ctx->out, a, 4, 0, false, &id))
        return;
    r.g.last_id = id;
    r.g.entries_read = r.entries_read;
    int rc = sgroup_put(ctx, &r.s, &r.g);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    resp_add_shared(ctx->out, RESP_SH_OK);
    ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xgroup-setid", r.s.k.name, r.s.k.len);
}

static void xgroupDestroyExec(ss_exec_ctx *ctx, const ss_args *a)
{
    xgroup_req r;
    if (!xgroup_begin(ctx, a, &r))
        return;
    if (r.gfound == SS_MISSING) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    int rc = sgroup_destroy(ctx, &r.s, &r.g);
    if (rc == SS_OK)
        rc = stream_save(ctx, &r.s);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    resp_add_shared(ctx->out, RESP_SH_CONE);
    ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xgroup-destroy", r.s.k.name, r.s.k.len);
    /* Clients blocked in XREADGROUP on this group get NOGROUP. */
    ss_exec_ready(ctx, r.s.k.name, r.s.k.len);
}

static void xgroupCreateconsumerExec(ss_exec_ctx *ctx, const ss_args *a)
{
    xgroup_req r;
    if (!xgroup_begin(ctx, a, &r))
        return;
    sconsumer c;
    ss_lookup has = sconsumer_get(ctx, &r.s, &r.g, a->argv[4], a->argvlen[4], &c);
    if (has == SS_REPLIED)
        return;
    if (has == SS_FOUND) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    int rc = sconsumer_create(ctx, &r.s, &r.g, a->argv[4], a->argvlen[4], &c);
    if (rc == SS_OK)
        rc = sgroup_put(ctx, &r.s, &r.g);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    resp_add_shared(ctx->out, RESP_SH_CONE);
}

static void xgroupDelconsumerExec(ss_exec_ctx *ctx, const ss_args *a)
{
    xgroup_req r;
    if (!xgroup_begin(ctx, a, &r))
        return;
    sconsumer c;
    ss_lookup has = sconsumer_get(ctx, &r.s, &r.g, a->argv[4], a->argvlen[4], &c);
    if (has == SS_REPLIED)
        return;
    if (has == SS_MISSING) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    long long pending = (long long)c.pel_count;
    int rc = sconsumer_delete(ctx, &r.s, &r.g, &c);
    if (rc == SS_OK)
        rc = sgroup_put(ctx, &r.s, &r.g);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    resp_add_int(ctx->out, pending);
    ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xgroup-delconsumer", r.s.k.name, r.s.k.len);
}

static void xgroupHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)s;
    (void)a;
    static const char *const help[] = {
        "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, help);
}

const ss_command stream_xgroup_subcommands[] = {
    SS_WRITE("xgroup|create", -5, CMD_DENYOOM, ACL_STREAM, xgroupCreateExec, .keys = {KEY(2, KS_RW | KS_INSERT)}),
    SS_WRITE("xgroup|setid", -5, 0, ACL_STREAM, xgroupSetidExec, .keys = {KEY(2, KS_RW | KS_UPDATE)}),
    SS_WRITE("xgroup|destroy", 4, 0, ACL_STREAM, xgroupDestroyExec, .keys = {KEY(2, KS_RW | KS_DELETE)}),
    SS_WRITE("xgroup|createconsumer", 5, CMD_DENYOOM, ACL_STREAM, xgroupCreateconsumerExec, .keys = {KEY(2, KS_RW | KS_INSERT)}),
    SS_WRITE("xgroup|delconsumer", 5, 0, ACL_STREAM, xgroupDelconsumerExec, .keys = {KEY(2, KS_RW | KS_DELETE)}),
    SS_LOCAL("xgroup|help", 2, CMD_LOADING | CMD_STALE, ACL_STREAM, xgroupHelpCommand),
    SS_END,
};

/* ------------------------------------------------------------------ XACK */

void xackExec(ss_exec_ctx *ctx, const ss_args *a)
{
    stream s;
    sgroup g;
    ss_lookup found = stream_group_open(ctx, a, 1, 2, &s, &g);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    /* All or nothing: every ID is checked before any is acknowledged. */
    for (int j = 3; j < a->argc; j++) {
        sid id;
        if (!sid_parse_or_reply(ctx->out, a, j, 0, true, &id))
            return;
    }
    long long acked = 0;
    int rc = SS_OK;
    for (int j = 3; j < a->argc && rc == SS_OK; j++) {
        sid id;
        bool was;
        sid_parse(a, j, 0, true, NULL, &id);
        rc = spel_remove(ctx, &s, &g, id, NULL, &was);
        acked += was;
    }
    if (rc == SS_OK && acked)
        rc = sgroup_put(ctx, &s, &g);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    resp_add_int(ctx->out, acked);
}

/* ------------------------------------------------------------------ XPENDING */

typedef struct pending_args {
    bool summary;
    long long minidle, count;
    sid start, end;
    int consumer; /* argument index, 0: none */
} pending_args;

static bool parse_xpending(ss_buf *out, const ss_args *a, pending_args *p)
{
    memset(p, 0, sizeof *p);
    p->summary = a->argc == 3;
    if (a->argc != 3 && (a->argc < 6 || a->argc > 9)) {
        ss_reply_err(out, RERR_SYNTAX);
        return false;
    }
    if (p->summary)
        return true;
    int at = 3;
    if (ss_arg_is(a, 3, "idle")) {
        if (!stream_arg_ll(out, a, 4, &p->minidle))
            return false;
        if (a->argc < 8) {
            ss_reply_err(out, RERR_SYNTAX);
            return false;
        }
        at += 2;
    }
    if (!stream_arg_ll(out, a, at + 2, &p->count))
        return false;
    if (p->count < 0)
        p->count = 0;
    if (!sid_parse_range(out, a, at, false, &p->start) || !sid_parse_range(out, a, at + 1, true, &p->end))
        return false;
    if (at + 3 < a->argc)
        p->consumer = at + 3;
    return true;
}

typedef struct summary_ctx {
    ss_buf body;
    long long n;
} summary_ctx;

static int summary_consumer(void *ud, const sconsumer *c)
{
    summary_ctx *sc = ud;
    if (c->pel_count == 0)
        return 0;
    resp_add_array_len(&sc->body, 2);
    resp_add_bulk(&sc->body, c->name, c->nlen);
    resp_add_bulk_ll(&sc->body, (long long)c->pel_count);
    sc->n++;
    return 0;
}

/* [count, smallest ID, greatest ID, [[consumer, count]...]]. */
static int pending_summary(ss_exec_ctx *ctx, const stream *s, const sgroup *g)
{
    resp_add_array_len(ctx->out, 4);
    resp_add_int(ctx->out, (long long)g->pel_count);
    if (g->pel_count == 0) {
        resp_add_null_bulk(ctx->out, ctx->proto);
        resp_add_null_bulk(ctx->out, ctx->proto);
        resp_add_null_array(ctx->out, ctx->proto);
        return SS_OK;
    }
    for (int edge = 0; edge < 2; edge++) {
        spelwalk w;
        int rc = spelwalk_start(ctx, s, g, NULL, 0, SID_MIN, edge == 1, &w);
        bool ok = rc == SS_OK && spelwalk_valid(&w);
        sid id = w.id;
        spelwalk_stop(&w);
        if (rc != SS_OK)
            return rc;
        if (!ok)
            return SS_ECORRUPT; /* the count says there are entries */
        sid_reply(ctx->out, id);
    }
    summary_ctx sc = {.n = 0};
    sreply_begin(ctx->out, &sc.body);
    int rc = sconsumer_each(ctx, s, g, summary_consumer, &sc);
    if (rc != SS_OK) {
        ss_buf_release(&sc.body);
        return rc;
    }
    sreply_end(ctx->out, &sc.body, sc.n);
    return SS_OK;
}

/* [[id, consumer, idle ms, deliveries]...] in [start, end], IDLE at least minidle. */
static int pending_range(ss_exec_ctx *ctx, const stream *s, const sgroup *g, const pending_args *p,
                         const char *consumer, size_t clen)
{
    spelwalk w;
    int rc = spelwalk_start(ctx, s, g, consumer, clen, p->start, false, &w);
    if (rc != SS_OK)
        return rc;
    ss_buf body;
    sreply_begin(ctx->out, &body);
    long long n = 0, left = p->count;
    for (; left > 0 && rc == SS_OK && spelwalk_valid(&w) && sid_cmp(w.id, p->end) <= 0; spelwalk_next(&w)) {
        snack nk;
        if (consumer) {
            ss_lookup has = snack_get(ctx, s, g, w.id, &nk);
            if (has != SS_FOUND) {
                rc = has == SS_MISSING ? SS_ECORRUPT : (ctx->status ? ctx->status : SS_EIO);
                break;
            }
        } else if (!spelwalk_nack(&w, &nk)) {
            rc = SS_ECORRUPT;
            break;
        }
        /* Reads measure idleness with this node's clock, as Redis with its own. */
        long long idle = ctx->now_ms - nk.delivery_time;
        if (p->minidle && idle < p->minidle) {
            snack_release(&nk);
            continue;
        }
        n++;
        left--;
        resp_add_array_len(&body, 4);
        sid_reply(&body, w.id);
        resp_add_bulk(&body, nk.consumer, nk.clen);
        resp_add_int(&body, idle < 0 ? 0 : idle);
        resp_add_int(&body, (long long)nk.delivery_count);
        snack_release(&nk);
    }
    spelwalk_stop(&w);
    if (rc != SS_OK) {
        ss_buf_release(&body);
        return rc;
    }
    sreply_end(ctx->out, &body, n);
    return SS_OK;
}

void xpendingExec(ss_exec_ctx *ctx, const ss_args *a)
{
    pending_args p;
    if (!parse_xpending(ctx->out, a, &p))
        return;
    stream s;
    sgroup g;
    if (!stream_group_open_or_reply(ctx, a, &s, &g))
        return;
    int rc;
    if (p.summary) {
        rc = pending_summary(ctx, &s, &g);
    } else if (p.consumer) {
        sconsumer c;
        ss_lookup has = sconsumer_get(ctx, &s, &g, a->argv[p.consumer], a->argvlen[p.consumer], &c);
        if (has == SS_REPLIED)
            return;
        if (has == SS_MISSING) {
            resp_add_shared(ctx->out, RESP_SH_EMPTYARRAY);
            return;
        }
        rc = pending_range(ctx, &s, &g, &p, c.name, c.nlen);
    } else {
        rc = pending_range(ctx, &s, &g, &p, NULL, 0);
    }
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

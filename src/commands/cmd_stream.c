/* Stream commands: XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID, and the family's table (the consumer group commands are in cmd_stream_group.c, cmd_stream_read.c, cmd_stream_claim.c, XINFO in cmd_stream_info.c). */
#include <string.h>

#include "commands/cmd_stream.h"
#include "commands/families.h"

/* ------------------------------------------------------------------ XADD XTRIM options */

typedef struct add_args {
    strim trim;
    bool nomkstream;
    bool id_given, seq_given;
    sid id;
} add_args;

/* streamParseAddOrTrimArgsOrReply: the options from argument 2, up to the ID
 * (XADD). Returns the ID's position, or -1 after replying an error. */
static int parse_add_trim(ss_buf *out, const ss_args *a, bool xadd, add_args *p)
{
    memset(p, 0, sizeof *p);
    bool limit_given = false;
    int i = 2;
    for (; i < a->argc; i++) {
        int more = a->argc - 1 - i;
        /* Redis compares the C strings: "*" (and "~", "=" below). */
        if (xadd && a->argv[i][0] == '*' && a->argv[i][1] == '\0')
            break;
        bool maxlen = ss_arg_is(a, i, "maxlen");
        if ((maxlen || ss_arg_is(a, i, "minid")) && more) {
            if (p->trim.strategy != TRIM_NONE) {
                stream_reply_err(out, SERR_MAXLEN_MINID);
                return -1;
            }
            p->trim.approx = false;
            const char *next = a->argv[i + 1];
            if (more >= 2 && (next[0] == '~' || next[0] == '=') && next[1] == '\0') {
                p->trim.approx = next[0] == '~';
                i++;
            }
            if (maxlen) {
                if (!stream_arg_ll(out, a, i + 1, &p->trim.maxlen))
                    return -1;
                if (p->trim.maxlen < 0) {
                    stream_reply_err(out, SERR_MAXLEN_NEG);
                    return -1;
                }
            } else if (!sid_parse_or_reply(out, a, i + 1, 0, true, &p->trim.minid)) {
                return -1;
            }
            i++;
            p->trim.strategy = maxlen ? TRIM_MAXLEN : TRIM_MINID;
        } else if (ss_arg_is(a, i, "limit") && more) {
            if (!stream_arg_ll(out, a, i + 1, &p->trim.limit))
                return -1;
            if (p->trim.limit < 0) {
                stream_reply_err(out, SERR_LIMIT_NEG);
                return -1;
            }
            limit_given = true;
            i++;
        } else if (xadd && ss_arg_is(a, i, "nomkstream")) {
            p->nomkstream = true;
        } else if (xadd) {
            if (!sid_parse(a, i, 0, true, &p->seq_given, &p->id)) {
                stream_reply_err(out, SERR_INVALID_ID);
                return -1;
            }
            p->id_given = true;
            break;
        } else {
            ss_reply_err(out, RERR_SYNTAX);
            return -1;
        }
    }
    if (p->trim.limit && p->trim.strategy == TRIM_NONE) {
        stream_reply_err(out, SERR_LIMIT_NO_STRATEGY);
        return -1;
    }
    if (!xadd && p->trim.strategy == TRIM_NONE) {
        stream_reply_err(out, SERR_XTRIM_NO_STRATEGY);
        return -1;
    }
    if (limit_given) {
        if (!p->trim.approx) {
            stream_reply_err(out, SERR_LIMIT_NO_APPROX);
            return -1;
        }
    } else {
        /* Redis's default keeps ~ trimming to 100 nodes' worth of work;
         * exact trimming has no limit. */
        p->trim.limit = p->trim.approx ? 100 * STREAM_NODE_MAX_ENTRIES : 0;
    }
    return i;
}

/* XADD's checks before the key is looked up; the first field's position. */
static int parse_xadd(ss_buf *out, const ss_args *a, add_args *p)
{
    int idpos = parse_add_trim(out, a, true, p);
    if (idpos < 0)
        return -1;
    int field = idpos + 1;
    if (a->argc - field < 2 || (a->argc - field) % 2 == 1) {
        ss_reply_err(out, RERR_ARITY, "xadd");
        return -1;
    }
    if (p->id_given && p->seq_given && sid_is_zero(p->id)) {
        stream_reply_err(out, SERR_XADD_ZERO);
        return -1;
    }
    return field;
}

static bool xaddPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    add_args p;
    return parse_xadd(out, a, &p) >= 0;
}

static bool xtrimPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    add_args p;
    return parse_add_trim(out, a, false, &p) >= 0;
}

/* ------------------------------------------------------------------ XADD */

/* The ID of a new entry (streamAppendItem): the given one, "ms-*" completed
 * from the last ID, or "*" from the entry's time, never below the last ID
 * (a leader whose clock is behind its predecessor's continues from the last
 * ID's time). False if it would not be above the last ID. */
static bool next_id(const stream *s, const add_args *p, int64_t now_ms, sid *id)
{
    if (p->id_given && p->seq_given) {
        *id = p->id;
    } else if (p->id_given) {
        if (s->last_id.ms == p->id.ms) {
            if (s->last_id.seq == UINT64_MAX)
                return false;
            *id = s->last_id;
            id->seq++;
        } else {
            *id = p->id;
        }
    } else {
        uint64_t ms = now_ms > 0 ? (uint64_t)now_ms : 0;
        if (ms > s->last_id.ms) {
            *id = (sid){ms, 0};
        } else {
            *id = s->last_id;
            sid_incr(id);
        }
    }
    return sid_cmp(*id, s->last_id) > 0;
}

static void xaddExec(ss_exec_ctx *ctx, const ss_args *a)
{
    add_args p;
    int field = parse_xadd(ctx->out, a, &p);
    if (field < 0)
        return;
    stream s;
    ss_lookup found = stream_open(ctx, a, 1, &s);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        if (p.nomkstream) {
            resp_add_null_bulk(ctx->out, ctx->proto);
            return;
        }
        stream_create(ctx, &s);
    }
    bool created = found == SS_MISSING;
    if (sid_cmp(s.last_id, SID_MAX) == 0) {
        stream_reply_err(ctx->out, SERR_EXHAUSTED);
        return;
    }
    sid id;
    if (!next_id(&s, &p, ctx->now_ms, &id)) {
        stream_reply_err(ctx->out, SERR_XADD_SMALL);
        return;
    }
    int64_t trimmed = 0;
    int rc = stream_append(ctx, &s, id, a, field, (a->argc - field) / 2);
    if (rc == SS_OK && p.trim.strategy != TRIM_NONE)
        rc = stream_trim(ctx, &s, &p.trim, &trimmed);
    if (rc == SS_OK)
        rc = stream_save(ctx, &s);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    sid_reply(ctx->out, id);
    if (created) /* dbAdd's event comes first */
        ss_exec_notify(ctx, SS_NOTIFY_NEW, "new", s.k.name, s.k.len);
    ss_exec_modified(ctx, s.k.name, s.k.len);
    ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xadd", s.k.name, s.k.len);
    if (trimmed)
        ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xtrim", s.k.name, s.k.len);
    ss_exec_ready(ctx, s.k.name, s.k.len);
}

/* ------------------------------------------------------------------ XTRIM */

static void xtrimExec(ss_exec_ctx *ctx, const ss_args *a)
{
    add_args p;
    if (parse_add_trim(ctx->out, a, false, &p) < 0)
        return;
    stream s;
    if (!stream_open_or_reply(ctx, a, 1, &s, RESP_SH_CZERO))
        return;
    int64_t deleted;
    int rc = stream_trim(ctx, &s, &p.trim, &deleted);
    if (rc == SS_OK && deleted)
        rc = stream_save(ctx, &s);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    if (deleted) {
        ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xtrim", s.k.name, s.k.len);
        ss_exec_modified(ctx, s.k.name, s.k.len);
    }
    resp_add_int(ctx->out, deleted);
}

/* ------------------------------------------------------------------ XRANGE XREVRANGE XLEN */

static void range_generic(ss_exec_ctx *ctx, const ss_args *a, bool rev)
{
    sid start, end;
    long long count = -1;
    if (!sid_parse_range(ctx->out, a, rev ? 3 : 2, false, &start) ||
        !sid_parse_range(ctx->out, a, rev ? 2 : 3, true, &end))
        return;
    for (int j = 4; j < a->argc; j++) {
        if (ss_arg_is(a, j, "count") && j + 1 < a->argc) {
            if (!stream_arg_ll(ctx->out, a, j + 1, &count))
                return;
            if (count < 0)
                count = 0;
            j++;
        } else {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return;
        }
    }
    stream s;
    if (!stream_open_or_reply(ctx, a, 1, &s, RESP_SH_EMPTYARRAY))
        return;
    if (count == 0) {
        resp_add_null_array(ctx->out, ctx->proto);
        return;
    }
    size_t emitted;
    int rc = stream_reply_range(ctx, ctx->out, &s, start, end, count < 0 ? 0 : count, rev, &emitted);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

static void xrangeExec(ss_exec_ctx *ctx, const ss_args *a) { range_generic(ctx, a, false); }
static void xrevrangeExec(ss_exec_ctx *ctx, const ss_args *a) { range_generic(ctx, a, true); }

static void xlenExec(ss_exec_ctx *ctx, const ss_args *a)
{
    stream s;
    ss_lookup found = stream_open(ctx, a, 1, &s);
    if (found != SS_REPLIED)
        resp_add_int(ctx->out, found == SS_FOUND ? (long long)stream_len(&s) : 0);
}

/* ------------------------------------------------------------------ XDEL */

static void xdelExec(ss_exec_ctx *ctx, const ss_args *a)
{
    stream s;
    if (!stream_open_or_reply(ctx, a, 1, &s, RESP_SH_CZERO))
        return;
    /* Every ID is checked first: the command runs whole or not at all. */
    for (int j = 2; j < a->argc; j++) {
        sid id;
        if (!sid_parse_or_reply(ctx->out, a, j, 0, true, &id))
            return;
    }
    int rc = stream_info(ctx, &s);
    long long deleted = 0;
    bool first_entry = false;
    for (int j = 2; j < a->argc && rc == SS_OK; j++) {
        sid id;
        bool gone;
        sid_parse(a, j, 0, true, NULL, &id);
        if ((rc = stream_delete(ctx, &s, id, &gone)) != SS_OK || !gone)
            continue;
        if (sid_cmp(id, s.first_id) == 0)
            first_entry = true;
        if (sid_cmp(id, s.max_deleted) > 0)
            s.max_deleted = id;
        s.info_dirty = true;
        deleted++;
    }
    if (rc == SS_OK && deleted) {
        if (stream_len(&s) == 0) {
            s.first_id = SID_MIN;
        } else if (first_entry) {
            bool any;
            rc = stream_first_entry(ctx, &s, &s.first_id, &any);
        }
        if (rc == SS_OK)
            rc = stream_save(ctx, &s);
    }
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    if (deleted) {
        ss_exec_modified(ctx, s.k.name, s.k.len);
        ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xdel", s.k.name, s.k.len);
    }
    resp_add_int(ctx->out, deleted);
}

/* ------------------------------------------------------------------ XSETID */

typedef struct setid_args {
    sid id, max_deleted;
    long long entries_added; /* -1: not given */
} setid_args;

static bool parse_xsetid(ss_buf *out, const ss_args *a, setid_args *p)
{
    p->max_deleted = SID_MIN;
    p->entries_added = -1;
    if (!sid_parse_or_reply(out, a, 2, 0, true, &p->id))
        return false;
    for (int i = 3; i < a->argc; i += 2) {
        bool more = i + 1 < a->argc;
        if (ss_arg_is(a, i, "entriesadded") && more) {
            if (!stream_arg_ll(out, a, i + 1, &p->entries_added))
                return false;
            if (p->entries_added < 0) {
                stream_reply_err(out, SERR_ENTRIES_ADDED_NEG);
                return false;
            }
        } else if (ss_arg_is(a, i, "maxdeletedid") && more) {
            if (!sid_parse_or_reply(out, a, i + 1, 0, true, &p->max_deleted))
                return false;
            if (sid_cmp(p->id, p->max_deleted) < 0) {
                stream_reply_err(out, SERR_XSETID_MAXDEL_ARG);
                return false;
            }
        } else {
            ss_reply_err(out, RERR_SYNTAX);
            return false;
        }
    }
    return true;
}

static bool xsetidPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    setid_args p;
    return parse_xsetid(out, a, &p);
}

static void xsetidExec(ss_exec_ctx *ctx, const ss_args *a)
{
    setid_args p;
    if (!parse_xsetid(ctx->out, a, &p))
        return;
    stream s;
    if (!stream_open_or_reply(ctx, a, 1, &s, RESP_SH_NOKEY))
        return;
    /* Redis 7.0 checks the new last ID against the top entry only (not
     * against the greatest deleted ID). */
    int rc = stream_info(ctx, &s);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    if (stream_len(&s) > 0) {
        sid top;
        bool any;
        if ((rc = stream_last_entry(ctx, &s, &top, &any)) != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
        if (sid_cmp(p.id, top) < 0) {
            stream_reply_err(ctx->out, SERR_XSETID_TOP);
            return;
        }
        if (p.entries_added != -1 && stream_len(&s) > (uint64_t)p.entries_added) {
            stream_reply_err(ctx->out, SERR_XSETID_ADDED);
            return;
        }
    }
    s.last_id = p.id;
    if (p.entries_added != -1)
        s.entries_added = (uint64_t)p.entries_added;
    if (!sid_is_zero(p.max_deleted)) {
        s.max_deleted = p.max_deleted;
        s.info_dirty = true;
    }
    if ((rc = stream_save(ctx, &s)) != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    resp_add_shared(ctx->out, RESP_SH_OK);
    ss_exec_notify(ctx, SS_NOTIFY_STREAM, "xsetid", s.k.name, s.k.len);
}

/* ------------------------------------------------------------------ the table */

/* XREAD and XREADGROUP: the keys are the first half of what follows STREAMS. */
#define STREAMS_KEYS(from) \
    {.flags = KS_RO | KS_ACCESS, KS_BEGIN_KEYWORD("STREAMS", from), KS_FIND_RANGE(-1, 1, 2)}

const ss_command ss_cmds_stream[] = {
    SS_WRITE("xadd", -5, CMD_DENYOOM | CMD_FAST, ACL_STREAM, xaddExec, .prepare = xaddPrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_READ("xrange", -4, 0, ACL_STREAM, xrangeExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("xrevrange", -4, 0, ACL_STREAM, xrevrangeExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("xlen", 2, CMD_FAST, ACL_STREAM, xlenExec, .keys = {KEY(1, KS_RO)}),
    SS_WRITE("xdel", -3, CMD_FAST, ACL_STREAM, xdelExec, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_WRITE("xtrim", -4, 0, ACL_STREAM, xtrimExec, .prepare = xtrimPrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_READ("xread", -4, CMD_BLOCKING, ACL_STREAM, xreadExec, .keys = {STREAMS_KEYS(1)}),
    SS_WRITE("xreadgroup", -7, CMD_BLOCKING, ACL_STREAM, xreadgroupExec, .prepare = xreadgroupPrepare, .keys = {STREAMS_KEYS(4)}),
    SS_CONTAINER("xgroup", -2, 0, 0, stream_xgroup_subcommands),
    SS_WRITE("xack", -4, CMD_FAST, ACL_STREAM, xackExec, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_READ("xpending", -3, 0, ACL_STREAM, xpendingExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("xclaim", -6, CMD_FAST, ACL_STREAM, xclaimExec, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_WRITE("xautoclaim", -6, CMD_FAST, ACL_STREAM, xautoclaimExec, .prepare = xautoclaimPrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_CONTAINER("xinfo", -2, 0, 0, stream_xinfo_subcommands),
    SS_WRITE("xsetid", -3, CMD_DENYOOM | CMD_FAST, ACL_STREAM, xsetidExec, .prepare = xsetidPrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
};
SS_COUNT(ss_cmds_stream);

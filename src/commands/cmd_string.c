/* String commands. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"

/* ------------------------------------------------------------------ SET */

enum { SET_NX = 1, SET_XX = 2, SET_GET = 4, SET_KEEPTTL = 8 };

typedef struct set_opts {
    int flags;
    int unit;            /* 0 none, 'E' EX, 'P' PX, 'e' EXAT, 'p' PXAT */
    long long when;
} set_opts;

/* SET key value [NX|XX] [GET] [EX s|PX ms|EXAT ts|PXAT ms-ts|KEEPTTL], as
 * Redis 7 parses it. Returns 0, or the error to reply. */
static int parse_set(const ss_args *a, set_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 3; i < a->argc; i++) {
        bool has_next = i + 1 < a->argc;
        if (ss_arg_is(a, i, "nx") && !(o->flags & SET_XX)) {
            o->flags |= SET_NX;
        } else if (ss_arg_is(a, i, "xx") && !(o->flags & SET_NX)) {
            o->flags |= SET_XX;
        } else if (ss_arg_is(a, i, "get")) {
            o->flags |= SET_GET;
        } else if (ss_arg_is(a, i, "keepttl") && o->unit == 0) {
            o->flags |= SET_KEEPTTL;
        } else if (has_next && o->unit == 0 && !(o->flags & SET_KEEPTTL) &&
                   (ss_arg_is(a, i, "ex") || ss_arg_is(a, i, "px") || ss_arg_is(a, i, "exat") ||
                    ss_arg_is(a, i, "pxat"))) {
            o->unit = ss_arg_is(a, i, "ex") ? 'E' : ss_arg_is(a, i, "px") ? 'P'
                    : ss_arg_is(a, i, "exat") ? 'e' : 'p';
            if (!ss_parse_ll(a->argv[i + 1], a->argvlen[i + 1], &o->when))
                return RERR_NOTINT;
            if (o->when <= 0)
                return RERR_INVALID_EXPIRE;
            i++;
        } else {
            return RERR_SYNTAX;
        }
    }
    return -1;
}

/* The absolute expiry in ms for the options at time now, or -1 on overflow. */
static long long set_expire_at(const set_opts *o, long long now)
{
    long long ms = o->when;
    if (o->unit == 'E' || o->unit == 'e') {
        if (ms > LLONG_MAX / 1000)
            return -1;
        ms *= 1000;
    }
    if (o->unit == 'E' || o->unit == 'P') {
        if (ms > LLONG_MAX - now)
            return -1;
        ms += now;
    }
    return ms;
}

static bool setPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    set_opts o;
    int err = parse_set(a, &o);
    if (err >= 0) {
        ss_reply_err(out, (ss_reply_err_code)err, "set");
        return false;
    }
    if (o.unit && set_expire_at(&o, ss_wall_ms()) < 0) {
        ss_reply_err(out, RERR_INVALID_EXPIRE, "set");
        return false;
    }
    return true;
}

/* Writes a string value, keeping or replacing the expiry; an expiry already
 * in the past deletes the key at once, as Redis does. */
int ss_string_store(ss_exec_ctx *ctx, const char *key, size_t klen, const char *val, size_t vlen,
                    uint64_t expire_ms)
{
    if (expire_ms != 0 && (long long)expire_ms <= ctx->now_ms) {
        int rc = ss_ks_delete(ctx->txn, ctx->db, key, klen);
        return rc == SS_ENOTFOUND ? SS_OK : rc;
    }
    ss_keymeta m = {.type = SS_TYPE_STRING, .expire_ms = expire_ms, .version = ctx->index};
    return ss_ks_set(ctx->txn, ctx->db, key, klen, &m, val, vlen);
}

static void setExec(ss_exec_ctx *ctx, const ss_args *a)
{
    set_opts o;
    int err = parse_set(a, &o);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err, "set");
        return;
    }
    long long expire = 0;
    if (o.unit && (expire = set_expire_at(&o, ctx->now_ms)) < 0) {
        ss_reply_err(ctx->out, RERR_INVALID_EXPIRE, "set");
        return;
    }
    ss_keymeta m;
    ss_slice old = {0};
    int rc = ss_key_lookup(ctx, a, 1, &m, &old);
    if (rc != SS_OK && rc != SS_ENOTFOUND)
        return;
    bool exists = rc == SS_OK;
    if ((o.flags & SET_GET) && exists && !ss_key_check_type(ctx, &m, SS_TYPE_STRING))
        return;
    /* Reply with the old value before it is overwritten: the slice points
     * into the txn and is invalidated by the write. */
    ss_buf *out = ctx->out;
    bool do_set = !((o.flags & SET_NX) && exists) && !((o.flags & SET_XX) && !exists);
    if (o.flags & SET_GET) {
        if (exists)
            resp_add_bulk(out, old.data, old.len);
        else
            resp_add_null_bulk(out, ctx->proto);
    }
    if (do_set) {
        uint64_t keep = (o.flags & SET_KEEPTTL) && exists ? m.expire_ms : 0;
        rc = ss_string_store(ctx, a->argv[1], a->argvlen[1], a->argv[2], a->argvlen[2],
                             o.unit ? (uint64_t)expire : keep);
        if (rc != SS_OK) {
            ctx->status = rc;
            return;
        }
    }
    if (!(o.flags & SET_GET)) {
        if (do_set)
            resp_add_shared(out, RESP_SH_OK);
        else
            resp_add_null_bulk(out, ctx->proto);
    }
}

/* ------------------------------------------------------------------ GET */

static void getExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_keymeta m;
    ss_slice v;
    int rc = ss_key_lookup(ctx, a, 1, &m, &v);
    if (rc == SS_ENOTFOUND)
        resp_add_null_bulk(ctx->out, ctx->proto);
    else if (rc == SS_OK && ss_key_check_type(ctx, &m, SS_TYPE_STRING))
        resp_add_bulk(ctx->out, v.data, v.len);
}

const ss_command ss_cmds_string[] = {
    {"set", -3, CMD_WRITE | CMD_DENYOOM, setExec, setPrepare, NULL, 1, 1, 1, "string", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "1.0.0", "O(1)"},
    {"get", 2, CMD_READONLY | CMD_FAST, getExec, NULL, NULL, 1, 1, 1, "string", "Returns the string value of a key.", "1.0.0", "O(1)"},
};
SS_COUNT(ss_cmds_string);

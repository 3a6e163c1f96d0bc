/* String commands: SET GET and their variants, counters, ranges, multi-key MGET/MSET. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "common/clock.h"

/* Redis' default proto-max-bulk-len. Apply uses the constant, not the node's
 * config, so every replica decides the same way. */
#define STRING_MAX_LEN RESP_MAX_BULK_LEN_DEFAULT

/* ------------------------------------------------------------- options */

enum { SET_NX = 1, SET_XX = 2, SET_GET = 4, SET_KEEPTTL = 8, SET_PERSIST = 16 };

typedef struct set_opts {
    int flags;
    int unit;  /* 0 none, 'E' EX, 'P' PX, 'e' EXAT, 'p' PXAT */
    int when;  /* argument index of the time (0: none) */
} set_opts;

static int unit_of(const ss_args *a, int i)
{
    return ss_arg_is(a, i, "ex") ? 'E' : ss_arg_is(a, i, "px") ? 'P'
         : ss_arg_is(a, i, "exat") ? 'e' : ss_arg_is(a, i, "pxat") ? 'p' : 0;
}

/* The options of SET (is_set) or GETEX, from argument `from`, as Redis 7's
 * parseExtendedStringArgumentsOrReply accepts them: repeating an option is
 * fine (the last time wins), conflicting ones are a syntax error. Only the
 * syntax is checked here; the time is parsed by expire_of. */
static bool parse_ext(const ss_args *a, int from, bool is_set, set_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = from; i < a->argc; i++) {
        bool has_next = i + 1 < a->argc;
        int unit = unit_of(a, i);
        if (is_set && ss_arg_is(a, i, "nx") && !(o->flags & SET_XX)) {
            o->flags |= SET_NX;
        } else if (is_set && ss_arg_is(a, i, "xx") && !(o->flags & SET_NX)) {
            o->flags |= SET_XX;
        } else if (is_set && ss_arg_is(a, i, "get")) {
            o->flags |= SET_GET;
        } else if (is_set && ss_arg_is(a, i, "keepttl") && o->unit == 0) {
            o->flags |= SET_KEEPTTL;
        } else if (!is_set && ss_arg_is(a, i, "persist") && o->unit == 0) {
            o->flags |= SET_PERSIST;
        } else if (unit && has_next && !(o->flags & (SET_KEEPTTL | SET_PERSIST)) &&
                   (o->unit == 0 || o->unit == unit)) {
            o->unit = unit;
            o->when = ++i;
        } else {
            return false;
        }
    }
    return true;
}

/* The absolute expiry in ms of `when` in `unit` at time now, as Redis 7's
 * getExpireMillisecondsOrReply computes it. Returns -1 when fine, or the
 * error to reply. */
static int expire_of(const ss_args *a, int when, int unit, long long now, long long *ms)
{
    long long v;
    if (!ss_parse_ll(a->argv[when], a->argvlen[when], &v))
        return RERR_NOTINT;
    bool secs = unit == 'E' || unit == 'e';
    if (v <= 0 || (secs && v > LLONG_MAX / 1000))
        return RERR_INVALID_EXPIRE;
    if (secs)
        v *= 1000;
    if (unit == 'E' || unit == 'P') {
        if (v > LLONG_MAX - now)
            return RERR_INVALID_EXPIRE;
        v += now;
    }
    *ms = v;
    return -1;
}

/* Replies the error of a failed option parse; returns false if there was one. */
static bool opts_ok(ss_buf *out, const ss_args *a, const set_opts *o, bool parsed, long long now,
                    long long *ms, const char *name)
{
    *ms = 0;
    if (!parsed) {
        ss_reply_err(out, RERR_SYNTAX);
        return false;
    }
    int err = o->unit ? expire_of(a, o->when, o->unit, now, ms) : -1;
    if (err >= 0) {
        ss_reply_err(out, (ss_reply_err_code)err, name);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------- helpers */

/* Writes a string value to argument k, keeping or replacing the expiry; an
 * expiry already in the past deletes the key at once, as Redis does. False
 * after replying a storage error. */
static bool store_or_fail(ss_exec_ctx *ctx, const ss_args *a, int k, const char *val, size_t vlen,
                          uint64_t expire_ms)
{
    int rc;
    if (expire_ms != 0 && (long long)expire_ms <= ctx->now_ms)
        rc = ss_key_drop(ctx, ctx->db, a->argv[k], a->argvlen[k]);
    else
        rc = ss_str_store(ctx, ctx->db, a->argv[k], a->argvlen[k], val, vlen, expire_ms);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return false;
    }
    return true;
}

/* Redis' checkStringLength: whether a string of size + append bytes fits. */
static bool length_ok(ss_buf *out, long long size, long long append)
{
    if (append > STRING_MAX_LEN || size > STRING_MAX_LEN - append) {
        ss_reply_err(out, RERR_STRING_TOOBIG);
        return false;
    }
    return true;
}

/* ------------------------------------------------------ SET GET GETEX... */

/* SET's key is read too when GET is given (its key spec says VARIABLE_FLAGS). */
static int setGetKeys(const ss_args *a, ss_keyref *keys)
{
    keys[0] = (ss_keyref){1, KS_OW | KS_UPDATE};
    for (int i = 3; i < a->argc; i++)
        if (ss_arg_is(a, i, "get"))
            keys[0].flags = KS_RW | KS_ACCESS | KS_UPDATE;
    return 1;
}

static bool setPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    set_opts o;
    long long ms;
    (void)s;
    return opts_ok(out, a, &o, parse_ext(a, 3, true, &o), ss_clock_wall_ms(), &ms, "set");
}

static void setExec(ss_exec_ctx *ctx, const ss_args *a)
{
    set_opts o;
    long long expire;
    if (!opts_ok(ctx->out, a, &o, parse_ext(a, 3, true, &o), ctx->now_ms, &expire, "set"))
        return;
    ss_key k;
    ss_lookup found = (o.flags & SET_GET) ? ss_key_open(ctx, a, 1, SS_TYPE_STRING, &k)
                                          : ss_key_open_meta(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found == SS_REPLIED)
        return;
    bool exists = found == SS_FOUND;
    /* Reply with the old value before it is overwritten: the slice points
     * into the txn and is invalidated by the write. */
    ss_buf *out = ctx->out;
    bool do_set = !((o.flags & SET_NX) && exists) && !((o.flags & SET_XX) && !exists);
    if (o.flags & SET_GET) {
        if (exists)
            resp_add_bulk(out, k.value.data, k.value.len);
        else
            resp_add_null_bulk(out, ctx->proto);
    }
    if (do_set) {
        uint64_t keep = (o.flags & SET_KEEPTTL) && exists ? k.meta.expire_ms : 0;
        if (!store_or_fail(ctx, a, 1, a->argv[2], a->argvlen[2], o.unit ? (uint64_t)expire : keep))
            return;
    }
    if (!(o.flags & SET_GET)) {
        if (do_set)
            resp_add_shared(out, RESP_SH_OK);
        else
            resp_add_null_bulk(out, ctx->proto);
    }
}

/* Opens argument 1 as a string, replying a null bulk when it is missing. */
static ss_lookup open_or_null(ss_exec_ctx *ctx, const ss_args *a, ss_key *k)
{
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_STRING, k);
    if (found == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
    return found;
}

static void getExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    if (open_or_null(ctx, a, &k) == SS_FOUND)
        resp_add_bulk(ctx->out, k.value.data, k.value.len);
}

static void getsetExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = open_or_null(ctx, a, &k);
    if (found == SS_REPLIED)
        return;
    if (found == SS_FOUND)
        resp_add_bulk(ctx->out, k.value.data, k.value.len);
    store_or_fail(ctx, a, 1, a->argv[2], a->argvlen[2], 0);
}

static void getdelExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    if (open_or_null(ctx, a, &k) != SS_FOUND)
        return;
    resp_add_bulk(ctx->out, k.value.data, k.value.len);
    int rc = ss_key_drop(ctx, ctx->db, k.name, k.len);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

static bool getexPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    set_opts o;
    (void)s;
    if (!parse_ext(a, 2, false, &o)) {
        ss_reply_err(out, RERR_SYNTAX);
        return false;
    }
    return true; /* the time is checked only if the key exists, at apply */
}

static void getexExec(ss_exec_ctx *ctx, const ss_args *a)
{
    set_opts o;
    if (!parse_ext(a, 2, false, &o)) {
        ss_reply_err(ctx->out, RERR_SYNTAX);
        return;
    }
    ss_key k;
    if (open_or_null(ctx, a, &k) != SS_FOUND)
        return;
    long long ms;
    if (!opts_ok(ctx->out, a, &o, true, ctx->now_ms, &ms, "getex"))
        return;
    resp_add_bulk(ctx->out, k.value.data, k.value.len);
    int rc = SS_OK;
    if (o.unit && ms <= ctx->now_ms)
        rc = ss_key_drop(ctx, ctx->db, k.name, k.len);
    else if (o.unit)
        rc = ss_ks_set_expire(ctx->txn, ctx->db, k.name, k.len, (uint64_t)ms);
    else if ((o.flags & SET_PERSIST) && k.meta.expire_ms)
        rc = ss_ks_set_expire(ctx->txn, ctx->db, k.name, k.len, 0);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

static void setnxExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_NONE, &k);
    if (found == SS_FOUND)
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    else if (found == SS_MISSING && store_or_fail(ctx, a, 1, a->argv[2], a->argvlen[2], 0))
        resp_add_shared(ctx->out, RESP_SH_CONE);
}

/* SETEX key seconds value / PSETEX key milliseconds value. */
static bool setex_time(ss_buf *out, const ss_args *a, long long now, long long *ms)
{
    bool secs = a->argv[0][0] == 's' || a->argv[0][0] == 'S';
    int err = expire_of(a, 2, secs ? 'E' : 'P', now, ms);
    if (err >= 0) {
        ss_reply_err(out, (ss_reply_err_code)err, secs ? "setex" : "psetex");
        return false;
    }
    return true;
}

static bool setexPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    long long ms;
    (void)s;
    return setex_time(out, a, ss_clock_wall_ms(), &ms);
}

static void setexExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long ms;
    if (setex_time(ctx->out, a, ctx->now_ms, &ms) &&
        store_or_fail(ctx, a, 1, a->argv[3], a->argvlen[3], (uint64_t)ms))
        resp_add_shared(ctx->out, RESP_SH_OK);
}

/* ---------------------------------------------------------- MGET MSET */

static void mgetExec(ss_exec_ctx *ctx, const ss_args *a)
{
    resp_add_array_len(ctx->out, a->argc - 1);
    for (int i = 1; i < a->argc; i++) {
        ss_key k; /* any type: MGET answers nil for what is not a string */
        ss_lookup found = ss_key_open(ctx, a, i, SS_TYPE_NONE, &k);
        if (found == SS_REPLIED)
            return;
        if (found == SS_FOUND && k.meta.type == SS_TYPE_STRING)
            resp_add_bulk(ctx->out, k.value.data, k.value.len);
        else
            resp_add_null_bulk(ctx->out, ctx->proto);
    }
}

static bool msetPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    if (a->argc % 2 == 0) {
        ss_reply_err(out, RERR_ARITY, ss_arg_is(a, 0, "msetnx") ? "msetnx" : "mset");
        return false;
    }
    return true;
}

static void msetExec(ss_exec_ctx *ctx, const ss_args *a)
{
    if (!msetPrepare(NULL, a, ctx->out))
        return;
    bool nx = ss_arg_is(a, 0, "msetnx");
    if (nx) {
        for (int i = 1; i < a->argc; i += 2) {
            ss_key k;
            ss_lookup found = ss_key_open_meta(ctx, a, i, SS_TYPE_NONE, &k);
            if (found == SS_FOUND)
                resp_add_shared(ctx->out, RESP_SH_CZERO);
            if (found != SS_MISSING)
                return;
        }
    }
    for (int i = 1; i < a->argc; i += 2)
        if (!store_or_fail(ctx, a, i, a->argv[i + 1], a->argvlen[i + 1], 0))
            return;
    resp_add_shared(ctx->out, nx ? RESP_SH_CONE : RESP_SH_OK);
}

/* ---------------------------------------------------------- counters */

static void incr_by(ss_exec_ctx *ctx, const ss_args *a, long long incr)
{
    ss_key k;
    long long cur = 0;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_REPLIED)
        return;
    bool exists = found == SS_FOUND;
    /* A chunked string is far too long to be a number: it is not read. */
    if (exists && (ss_str_chunked(&k.meta) || !ss_parse_ll(k.value.data, k.value.len, &cur))) {
        ss_reply_err(ctx->out, RERR_NOTINT);
        return;
    }
    if ((incr < 0 && cur < 0 && incr < LLONG_MIN - cur) ||
        (incr > 0 && cur > 0 && incr > LLONG_MAX - cur)) {
        ss_reply_err(ctx->out, RERR_OVERFLOW);
        return;
    }
    cur += incr;
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", cur);
    /* INCR changes the value in place: the expiry stays. */
    if (store_or_fail(ctx, a, 1, buf, (size_t)n, exists ? k.meta.expire_ms : 0))
        resp_add_int(ctx->out, cur);
}

static void incrExec(ss_exec_ctx *ctx, const ss_args *a) { incr_by(ctx, a, 1); }
static void decrExec(ss_exec_ctx *ctx, const ss_args *a) { incr_by(ctx, a, -1); }

static void incrbyExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long incr;
    if (ss_arg_ll_or_reply(ctx, a, 2, &incr))
        incr_by(ctx, a, incr);
}

static void decrbyExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long incr;
    if (!ss_arg_ll_or_reply(ctx, a, 2, &incr))
        return;
    if (incr == LLONG_MIN) {
        ss_reply_err(ctx->out, RERR_DECR_OVERFLOW);
        return;
    }
    incr_by(ctx, a, -incr);
}

static void incrbyfloatExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    long double cur = 0, incr;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_REPLIED)
        return;
    bool exists = found == SS_FOUND;
    if ((exists && (ss_str_chunked(&k.meta) || !ss_parse_long_double(k.value.data, k.value.len, &cur))) ||
        !ss_parse_long_double(a->argv[2], a->argvlen[2], &incr)) {
        ss_reply_err(ctx->out, RERR_NOTFLOAT);
        return;
    }
    cur += incr;
    if (isnan(cur) || isinf(cur)) {
        ss_reply_err(ctx->out, RERR_NAN_INF);
        return;
    }
    char *buf = malloc(SS_LONG_DOUBLE_CHARS);
    if (!buf) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    size_t n = ss_format_long_double(buf, SS_LONG_DOUBLE_CHARS, cur);
    if (store_or_fail(ctx, a, 1, buf, n, exists ? k.meta.expire_ms : 0))
        resp_add_bulk(ctx->out, buf, n);
    free(buf);
}

/* ------------------------------------------------------ APPEND STRLEN */

static void appendExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_REPLIED)
        return;
    uint64_t len = found == SS_FOUND ? ss_key_strlen(&k) : 0;
    if (!length_ok(ctx->out, (long long)len, (long long)a->argvlen[2]))
        return;
    /* Only the tail is written: a big string's last chunks. */
    int rc = ss_str_write(ctx, &k, len, a->argv[2], a->argvlen[2]);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, (long long)(len + a->argvlen[2]));
}

static void strlenExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_MISSING)
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    else if (found == SS_FOUND)
        resp_add_int(ctx->out, (long long)ss_key_strlen(&k));
}

/* ------------------------------------------------- GETRANGE SETRANGE */

/* Replies bytes [off, off + n) of string k, reading only the chunks they
 * lie in. */
static void reply_range(ss_exec_ctx *ctx, const ss_key *k, uint64_t off, size_t n)
{
    if (!ss_str_chunked(&k->meta)) {
        resp_add_bulk(ctx->out, k->value.data + off, n);
        return;
    }
    char *buf = malloc(n);
    ss_strval v = ss_key_str(k);
    int rc = buf ? ss_ks_str_read(ctx->txn, &v, off, n, buf) : SS_ENOMEM;
    if (rc == SS_OK)
        resp_add_bulk(ctx->out, buf, n);
    else
        ss_exec_fail(ctx, rc);
    free(buf);
}

/* GETRANGE key start end (and its old name SUBSTR), with Redis 7.0's
 * clamping: negative indexes count from the end, the result is empty when
 * start passes end. */
static void getrangeExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long start, end;
    if (!ss_arg_ll_or_reply(ctx, a, 2, &start) || !ss_arg_ll_or_reply(ctx, a, 3, &end))
        return;
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_MISSING)
        resp_add_shared(ctx->out, RESP_SH_EMPTYBULK);
    if (found != SS_FOUND)
        return;
    long long len = (long long)ss_key_strlen(&k);
    if (start < 0 && end < 0 && start > end) {
        resp_add_shared(ctx->out, RESP_SH_EMPTYBULK);
        return;
    }
    if (start < 0)
        start = len + start;
    if (end < 0)
        end = len + end;
    if (start < 0)
        start = 0;
    if (end < 0)
        end = 0;
    if (end >= len)
        end = len - 1;
    if (start > end || len == 0)
        resp_add_shared(ctx->out, RESP_SH_EMPTYBULK);
    else
        reply_range(ctx, &k, (uint64_t)start, (size_t)(end - start + 1));
}

/* The offset of SETRANGE, checked as Redis does before any lookup. */
static bool setrange_offset(ss_buf *out, const ss_args *a, long long *off)
{
    if (!ss_parse_ll(a->argv[2], a->argvlen[2], off)) {
        ss_reply_err(out, RERR_NOTINT);
        return false;
    }
    if (*off < 0) {
        ss_reply_err(out, RERR_OFFSET_RANGE);
        return false;
    }
    return true;
}

static bool setrangePrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    long long off;
    (void)s;
    return setrange_offset(out, a, &off) &&
           (a->argvlen[3] == 0 || length_ok(out, off, (long long)a->argvlen[3]));
}

static void setrangeExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long off;
    if (!setrange_offset(ctx->out, a, &off))
        return;
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_REPLIED)
        return;
    bool exists = found == SS_FOUND;
    size_t vlen = a->argvlen[3];
    uint64_t olen = exists ? ss_key_strlen(&k) : 0;
    if (vlen == 0) { /* nothing to write: the length as it is */
        resp_add_int(ctx->out, (long long)olen);
        return;
    }
    if (!length_ok(ctx->out, off, (long long)vlen))
        return;
    int rc = ss_str_write(ctx, &k, (uint64_t)off, a->argv[3], vlen);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, (long long)ss_key_strlen(&k));
}

const ss_command ss_cmds_string[] = {
    SS_WRITE("set", -3, CMD_DENYOOM, ACL_STRING, setExec, .prepare = setPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE | KS_VARIABLE_FLAGS)}, .getkeys = setGetKeys),
    SS_READ("get", 2, CMD_FAST, ACL_STRING, getExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("getset", 3, CMD_DENYOOM | CMD_FAST, ACL_STRING, getsetExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("getdel", 2, CMD_FAST, ACL_STRING, getdelExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE)}),
    SS_WRITE("getex", -2, CMD_FAST, ACL_STRING, getexExec, .prepare = getexPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("setnx", 3, CMD_DENYOOM | CMD_FAST, ACL_STRING, setnxExec, .keys = {KEY(1, KS_OW | KS_INSERT)}),
    SS_WRITE("setex", 4, CMD_DENYOOM, ACL_STRING, setexExec, .prepare = setexPrepare, .keys = {KEY(1, KS_OW | KS_UPDATE)}),
    SS_WRITE("psetex", 4, CMD_DENYOOM, ACL_STRING, setexExec, .prepare = setexPrepare, .keys = {KEY(1, KS_OW | KS_UPDATE)}),
    SS_READ("mget", -2, CMD_FAST, ACL_STRING, mgetExec, .keys = {KEYS_TO_END(1, 1, KS_RO | KS_ACCESS)}),
    SS_WRITE("mset", -3, CMD_DENYOOM, ACL_STRING, msetExec, .prepare = msetPrepare, .keys = {KEYS_TO_END(1, 2, KS_OW | KS_UPDATE)}),
    SS_WRITE("msetnx", -3, CMD_DENYOOM, ACL_STRING, msetExec, .prepare = msetPrepare, .keys = {KEYS_TO_END(1, 2, KS_OW | KS_INSERT)}),
    SS_WRITE("incr", 2, CMD_DENYOOM | CMD_FAST, ACL_STRING, incrExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("decr", 2, CMD_DENYOOM | CMD_FAST, ACL_STRING, decrExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("incrby", 3, CMD_DENYOOM | CMD_FAST, ACL_STRING, incrbyExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("decrby", 3, CMD_DENYOOM | CMD_FAST, ACL_STRING, decrbyExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("incrbyfloat", 3, CMD_DENYOOM | CMD_FAST, ACL_STRING, incrbyfloatExec, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("append", 3, CMD_DENYOOM | CMD_FAST, ACL_STRING, appendExec, .keys = {KEY(1, KS_RW | KS_INSERT)}),
    SS_READ("strlen", 2, CMD_FAST, ACL_STRING, strlenExec, .keys = {KEY(1, KS_RO)}),
    SS_READ("getrange", 4, 0, ACL_STRING, getrangeExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("substr", 4, 0, ACL_STRING, getrangeExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("setrange", 4, CMD_DENYOOM, ACL_STRING, setrangeExec, .prepare = setrangePrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
};
SS_COUNT(ss_cmds_string);

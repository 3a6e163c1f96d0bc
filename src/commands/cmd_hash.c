/* Hash commands. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/collection.h"
#include "commands/families.h"
#include "commands/keyhelpers.h"

/*
 * A hash is a key of type HASH whose fields are its sub-keys (field -> value)
 * under the key's version; meta.count is the number of fields.
 *
 * Reply order (HGETALL, HKEYS, HVALS, HSCAN, HRANDFIELD with a count): Redis
 * sends fields in its hash table's order; we send them in field byte order.
 * Neither is a promise, and clients must not depend on it.
 */

/* Opens argument 1 as a hash; a missing one becomes a new empty hash (not
 * yet saved), so the result is SS_FOUND, SS_MISSING (created) or SS_REPLIED. */
static ss_lookup open_or_create(ss_exec_ctx *ctx, const ss_args *a, ss_key *k)
{
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_HASH, k);
    if (found == SS_MISSING)
        ss_key_create(ctx, SS_TYPE_HASH, k);
    return found;
}

/* The value of the field named by argument i (none when the hash is missing). */
static ss_lookup field_get(ss_exec_ctx *ctx, const ss_args *a, ss_lookup found, const ss_key *k, int i,
                           ss_slice *v)
{
    if (found != SS_FOUND)
        return found;
    return ss_key_element(ctx, k, a->argv[i], a->argvlen[i], v);
}

/* Sets a field; *added says whether it is new (the count is kept in k).
 * False after replying a storage error. */
static bool field_put(ss_exec_ctx *ctx, ss_key *k, const char *f, size_t flen, const char *v, size_t vlen,
                      bool *added)
{
    ss_slice old;
    ss_lookup had = ss_key_element(ctx, k, f, flen, &old);
    if (had == SS_REPLIED)
        return false;
    *added = had == SS_MISSING;
    k->meta.count += *added;
    int rc = ss_ks_sub_put(ctx->txn, k->db, k->name, k->len, k->meta.version, f, flen, v, vlen);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    return rc == SS_OK;
}

/* ------------------------------------------------------------ HSET, HMSET */

static bool hsetPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    if (a->argc % 2 == 0)
        return true;
    ss_reply_err(out, RERR_ARITY, ss_arg_is(a, 0, "hmset") ? "hmset" : "hset");
    return false;
}

static void hset_generic(ss_exec_ctx *ctx, const ss_args *a, bool hmset)
{
    if (!hsetPrepare(NULL, a, ctx->out))
        return;
    ss_key k;
    ss_lookup found = open_or_create(ctx, a, &k);
    if (found == SS_REPLIED)
        return;
    long long added = 0;
    for (int i = 2; i < a->argc; i += 2) {
        bool is_new;
        if (!field_put(ctx, &k, a->argv[i], a->argvlen[i], a->argv[i + 1], a->argvlen[i + 1], &is_new))
            return;
        added += is_new;
    }
    if (!ss_key_save_notify(ctx, &k, found == SS_MISSING, SS_NOTIFY_HASH, "hset"))
        return;
    if (hmset)
        resp_add_shared(ctx->out, RESP_SH_OK);
    else
        resp_add_int(ctx->out, added);
}

static void hsetExec(ss_exec_ctx *ctx, const ss_args *a) { hset_generic(ctx, a, false); }
static void hmsetExec(ss_exec_ctx *ctx, const ss_args *a) { hset_generic(ctx, a, true); }

static void hsetnxExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_slice v;
    ss_lookup found = open_or_create(ctx, a, &k);
    ss_lookup has = field_get(ctx, a, found, &k, 2, &v);
    if (has == SS_FOUND)
        resp_add_int(ctx->out, 0);
    if (has != SS_MISSING)
        return;
    bool added;
    if (field_put(ctx, &k, a->argv[2], a->argvlen[2], a->argv[3], a->argvlen[3], &added) &&
        ss_key_save_notify(ctx, &k, found == SS_MISSING, SS_NOTIFY_HASH, "hset"))
        resp_add_int(ctx->out, 1);
}

/* ------------------------------------------------------------ reads */

static void hgetExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_slice v;
    ss_lookup has = field_get(ctx, a, ss_key_open(ctx, a, 1, SS_TYPE_HASH, &k), &k, 2, &v);
    if (has == SS_FOUND)
        resp_add_bulk(ctx->out, v.data, v.len);
    else if (has == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
}

static void hmgetExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_HASH, &k);
    if (found == SS_REPLIED)
        return;
    /* The values are gathered first: a storage error replies instead. */
    ss_buf items;
    ss_buf_init(&items, 0);
    int i = 2;
    for (; i < a->argc; i++) {
        ss_slice v;
        ss_lookup has = field_get(ctx, a, found, &k, i, &v);
        if (has == SS_REPLIED)
            break;
        if (has == SS_FOUND)
            resp_add_bulk(&items, v.data, v.len);
        else
            resp_add_null_bulk(&items, ctx->proto);
    }
    if (i == a->argc) {
        resp_add_array_len(ctx->out, a->argc - 2);
        resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    }
    ss_buf_release(&items);
}

static void hlenExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_HASH, &k);
    if (found != SS_REPLIED)
        resp_add_int(ctx->out, found == SS_FOUND ? (long long)k.meta.count : 0);
}

static void hexistsExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_slice v;
    ss_lookup has = field_get(ctx, a, ss_key_open(ctx, a, 1, SS_TYPE_HASH, &k), &k, 2, &v);
    if (has != SS_REPLIED)
        resp_add_int(ctx->out, has == SS_FOUND);
}

static void hstrlenExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_slice v;
    ss_lookup has = field_get(ctx, a, ss_key_open(ctx, a, 1, SS_TYPE_HASH, &k), &k, 2, &v);
    if (has != SS_REPLIED)
        resp_add_int(ctx->out, has == SS_FOUND ? (long long)v.len : 0);
}

enum { WANT_KEYS = 1, WANT_VALS = 2 };

/* HGETALL (a map in RESP3), HKEYS, HVALS. */
static void hgetall_generic(ss_exec_ctx *ctx, const ss_args *a, int want)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_HASH, &k);
    if (found == SS_REPLIED)
        return;
    ss_buf items;
    ss_buf_init(&items, 0);
    long long n = 0;
    if (found == SS_FOUND) {
        ss_ks_subiter *it;
        int rc = ss_ks_subiter_new(ctx->txn, k.db, k.name, k.len, k.meta.version, &it);
        if (rc != SS_OK) {
            ss_buf_release(&items);
            ss_exec_fail(ctx, rc);
            return;
        }
        for (ss_ks_subiter_seek_first(it); ss_ks_subiter_valid(it); ss_ks_subiter_next(it), n++) {
            ss_slice f = ss_ks_subiter_sub(it), v = ss_ks_subiter_value(it);
            if (want & WANT_KEYS)
                resp_add_bulk(&items, f.data, f.len);
            if (want & WANT_VALS)
                resp_add_bulk(&items, v.data, v.len);
        }
        ss_ks_subiter_free(it);
    }
    if (want == (WANT_KEYS | WANT_VALS))
        resp_add_map_len(ctx->out, ctx->proto, n);
    else
        resp_add_array_len(ctx->out, n);
    resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    ss_buf_release(&items);
}

static void hgetallExec(ss_exec_ctx *ctx, const ss_args *a) { hgetall_generic(ctx, a, WANT_KEYS | WANT_VALS); }
static void hkeysExec(ss_exec_ctx *ctx, const ss_args *a) { hgetall_generic(ctx, a, WANT_KEYS); }
static void hvalsExec(ss_exec_ctx *ctx, const ss_args *a) { hgetall_generic(ctx, a, WANT_VALS); }

/* ---------------------------------------------------------------- HDEL */

static void hdelExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_HASH, &k);
    if (found == SS_MISSING)
        resp_add_int(ctx->out, 0);
    if (found != SS_FOUND)
        return;
    long long deleted = 0;
    for (int i = 2; i < a->argc; i++) {
        ss_slice v;
        ss_lookup has = ss_key_element(ctx, &k, a->argv[i], a->argvlen[i], &v);
        if (has == SS_REPLIED)
            return;
        if (has == SS_MISSING)
            continue;
        int rc = ss_ks_sub_del(ctx->txn, k.db, k.name, k.len, k.meta.version, a->argv[i], a->argvlen[i]);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
        deleted++;
        k.meta.count--;
    }
    if (!deleted || ss_key_save_notify(ctx, &k, false, SS_NOTIFY_HASH, "hdel"))
        resp_add_int(ctx->out, deleted);
}

/* ------------------------------------------------- HINCRBY, HINCRBYFLOAT */

static bool hincrbyPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    long long incr;
    if (ss_parse_ll(a->argv[3], a->argvlen[3], &incr))
        return true;
    ss_reply_err(out, RERR_NOTINT);
    return false;
}

/* The hash (created if missing) and the value of field argv[2], for HINCRBY
 * and HINCRBYFLOAT. */
static ss_lookup incr_field(ss_exec_ctx *ctx, const ss_args *a, ss_key *k, ss_slice *v, bool *created)
{
    ss_lookup found = open_or_create(ctx, a, k);
    *created = found == SS_MISSING;
    return field_get(ctx, a, found, k, 2, v);
}

/* Writes the field's new value and replies it (as an integer or a bulk). */
static void incr_store(ss_exec_ctx *ctx, const ss_args *a, ss_key *k, bool created, const char *buf, size_t len,
                       const long long *as_int)
{
    bool added;
    if (!field_put(ctx, k, a->argv[2], a->argvlen[2], buf, len, &added) ||
        !ss_key_save_notify(ctx, k, created, SS_NOTIFY_HASH, as_int ? "hincrby" : "hincrbyfloat"))
        return;
    if (as_int)
        resp_add_int(ctx->out, *as_int);
    else
        resp_add_bulk(ctx->out, buf, len);
}

static void hincrbyExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long incr, old = 0;
    if (!ss_arg_ll_or_reply(ctx, a, 3, &incr))
        return;
    ss_key k;
    ss_slice v;
    bool created;
    ss_lookup has = incr_field(ctx, a, &k, &v, &created);
    if (has == SS_REPLIED)
        return;
    if (has == SS_FOUND && !ss_parse_ll(v.data, v.len, &old)) {
        ss_reply_err(ctx->out, RERR_HASH_NOTINT);
        return;
    }
    if ((incr < 0 && old < 0 && incr < LLONG_MIN - old) ||
        (incr > 0 && old > 0 && incr > LLONG_MAX - old)) {
        ss_reply_err(ctx->out, RERR_OVERFLOW);
        return;
    }
    long long now = old + incr;
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%lld", now);
    incr_store(ctx, a, &k, created, buf, (size_t)len, &now);
}

/* Redis 7.0 keeps HINCRBYFLOAT in long double (string2ld / ld2string), so
 * "1e400" is a valid increment and results print with 17 decimals trimmed. */

/* Returns 0 when the increment is valid, else the error to reply. */
static int incr_float_check(const ss_args *a, long double *incr)
{
    if (!ss_parse_long_double(a->argv[3], a->argvlen[3], incr))
        return RERR_NOTFLOAT;
    if (isinf(*incr))
        return RERR_VALUE_NAN_INF;
    return -1;
}

static bool hincrbyfloatPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    long double incr;
    int err = incr_float_check(a, &incr);
    if (err < 0)
        return true;
    ss_reply_err(out, (ss_reply_err_code)err);
    return false;
}

static void hincrbyfloatExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long double incr, old = 0;
    int err = incr_float_check(a, &incr);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        return;
    }
    ss_key k;
    ss_slice v;
    bool created;
    ss_lookup has = incr_field(ctx, a, &k, &v, &created);
    if (has == SS_REPLIED)
        return;
    if (has == SS_FOUND && !ss_parse_long_double(v.data, v.len, &old)) {
        ss_reply_err(ctx->out, RERR_HASH_NOTFLOAT);
        return;
    }
    long double now = old + incr;
    if (isnan(now) || isinf(now)) {
        ss_reply_err(ctx->out, RERR_NAN_INF);
        return;
    }
    char *buf = malloc(SS_LONG_DOUBLE_CHARS);
    if (!buf) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    size_t len = ss_format_long_double(buf, SS_LONG_DOUBLE_CHARS, now);
    incr_store(ctx, a, &k, created, buf, len, NULL);
    free(buf);
}

/* ----------------------------------------------------------- HRANDFIELD */

typedef struct rand_out {
    ss_buf *out;
    resp_proto proto;
    bool withvalues;
} rand_out;

static int emit_field(void *ud, ss_slice f, ss_slice v)
{
    rand_out *r = ud;
    if (r->withvalues && r->proto == RESP3)
        resp_add_array_len(r->out, 2);
    resp_add_bulk(r->out, f.data, f.len);
    if (r->withvalues)
        resp_add_bulk(r->out, v.data, v.len);
    return SS_OK;
}

/* The reply's header for n fields (pairs flattened in RESP2). */
static void rand_header(const rand_out *r, long long n)
{
    resp_add_array_len(r->out, r->withvalues && r->proto == RESP2 ? n * 2 : n);
}

static void hrandfield_count(ss_exec_ctx *ctx, const ss_args *a, long long count, bool withvalues)
{
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_HASH, &k);
    if (found != SS_FOUND || count == 0) {
        if (found != SS_REPLIED)
            resp_add_array_len(ctx->out, 0);
        return;
    }
    if (count < 0 && -count > ss_coll_repeat_max) {
        ss_reply_err(ctx->out, RERR_RANGE);
        return;
    }
    rand_out r = {ctx->out, ctx->proto, withvalues};
    int rc = SS_OK;
    if (count < 0) {
        /* Independent picks, repeats allowed. */
        ss_coll_picker *p = NULL;
        rc = ss_coll_picker_new(ctx, &k, &p);
        if (rc == SS_OK) {
            rand_header(&r, -count);
            for (long long i = 0; i < -count; i++) {
                ss_slice f, v;
                ss_coll_picker_pick(p, ss_exec_rand(ctx), &f, &v);
                emit_field(&r, f, v);
            }
        }
        ss_coll_picker_free(p);
    } else if ((uint64_t)count >= k.meta.count) {
        rand_header(&r, (long long)k.meta.count);
        rc = ss_coll_sample(ctx, &k, k.meta.count, emit_field, &r);
    } else {
        rand_header(&r, count);
        rc = ss_coll_sample(ctx, &k, (uint64_t)count, emit_field, &r);
    }
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

/* HRANDFIELD key [count [WITHVALUES]]: a read; ctx->rng is seeded locally. */
static void hrandfieldExec(ss_exec_ctx *ctx, const ss_args *a)
{
    if (a->argc >= 3) {
        long long count;
        if (!ss_coll_rand_count(ctx, a, 2, &count))
            return;
        if (a->argc > 4 || (a->argc == 4 && !ss_arg_is(a, 3, "withvalues"))) {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return;
        }
        if (a->argc == 4 && (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2)) {
            ss_reply_err(ctx->out, RERR_RANGE);
            return;
        }
        hrandfield_count(ctx, a, count, a->argc == 4);
        return;
    }
    ss_key k;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_HASH, &k);
    if (found == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
    if (found != SS_FOUND)
        return;
    ss_coll_picker *p = NULL;
    int rc = ss_coll_picker_new(ctx, &k, &p);
    if (rc == SS_OK) {
        ss_slice f, v;
        ss_coll_picker_pick(p, ss_exec_rand(ctx), &f, &v);
        resp_add_bulk(ctx->out, f.data, f.len);
    } else {
        ss_exec_fail(ctx, rc);
    }
    ss_coll_picker_free(p);
}

static void hscanExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_coll_scan_command(ctx, a, SS_TYPE_HASH);
}

const ss_command ss_cmds_hash[] = {
    SS_WRITE("hset", -4, CMD_DENYOOM | CMD_FAST, ACL_HASH, hsetExec, .prepare = hsetPrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_WRITE("hsetnx", 4, CMD_DENYOOM | CMD_FAST, ACL_HASH, hsetnxExec, .keys = {KEY(1, KS_RW | KS_INSERT)}),
    SS_WRITE("hmset", -4, CMD_DENYOOM | CMD_FAST, ACL_HASH, hmsetExec, .prepare = hsetPrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_READ("hget", 3, CMD_FAST, ACL_HASH, hgetExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("hmget", -3, CMD_FAST, ACL_HASH, hmgetExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("hdel", -3, CMD_FAST, ACL_HASH, hdelExec, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_READ("hlen", 2, CMD_FAST, ACL_HASH, hlenExec, .keys = {KEY(1, KS_RO)}),
    SS_READ("hexists", 3, CMD_FAST, ACL_HASH, hexistsExec, .keys = {KEY(1, KS_RO)}),
    SS_READ("hgetall", 2, 0, ACL_HASH, hgetallExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("hkeys", 2, 0, ACL_HASH, hkeysExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("hvals", 2, 0, ACL_HASH, hvalsExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("hincrby", 4, CMD_DENYOOM | CMD_FAST, ACL_HASH, hincrbyExec, .prepare = hincrbyPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("hincrbyfloat", 4, CMD_DENYOOM | CMD_FAST, ACL_HASH, hincrbyfloatExec, .prepare = hincrbyfloatPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_READ("hstrlen", 3, CMD_FAST, ACL_HASH, hstrlenExec, .keys = {KEY(1, KS_RO)}),
    SS_READ("hrandfield", -2, 0, ACL_HASH, hrandfieldExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("hscan", -3, 0, ACL_HASH, hscanExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
};
SS_COUNT(ss_cmds_hash);

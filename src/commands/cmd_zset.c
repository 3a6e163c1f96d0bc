/* Sorted set commands: ZADD ZINCRBY ZREM, scores and ranks, the ZRANGE family, ZCOUNT, ZREMRANGEBY*, ZPOP*, ZSCAN. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/zset.h"
#include "common/config.h"
#include "common/strutil.h"

#define ZSCAN_SMALL 128  /* up to this size ZSCAN replies everything at once, as Redis's listpacks */

/* ------------------------------------------------------------------ replies */

/* One member (and score) of a range reply. */
static void emit(ss_buf *b, resp_proto proto, bool withscores, const char *m, size_t mlen, double score)
{
    if (withscores && proto == RESP3)
        resp_add_array_len(b, 2);
    resp_add_bulk(b, m, mlen);
    if (withscores)
        resp_add_double(b, proto, score);
}

/* The array header for n members. */
static void emit_header(ss_buf *out, resp_proto proto, bool withscores, long long n)
{
    resp_add_array_len(out, withscores && proto != RESP3 ? 2 * n : n);
}

/* ------------------------------------------------------------------ ZADD */

enum { ZA_NX = 1, ZA_XX = 2, ZA_GT = 4, ZA_LT = 8, ZA_CH = 16, ZA_INCR = 32 };

/* Options and scores of ZADD (incr_only: ZINCRBY). Returns -1, or the error
 * to reply; *first is the index of the first score. */
static int zadd_parse(const ss_args *a, bool incr_only, int *flags, int *first)
{
    int i = 2, f = incr_only ? ZA_INCR : 0;
    for (; !incr_only && i < a->argc; i++) {
        if (ss_arg_is(a, i, "nx")) f |= ZA_NX;
        else if (ss_arg_is(a, i, "xx")) f |= ZA_XX;
        else if (ss_arg_is(a, i, "gt")) f |= ZA_GT;
        else if (ss_arg_is(a, i, "lt")) f |= ZA_LT;
        else if (ss_arg_is(a, i, "ch")) f |= ZA_CH;
        else if (ss_arg_is(a, i, "incr")) f |= ZA_INCR;
        else break;
    }
    int rest = a->argc - i;
    if (rest == 0 || rest % 2)
        return RERR_SYNTAX;
    if ((f & ZA_NX) && (f & ZA_XX))
        return RERR_ZADD_XX_NX;
    if (((f & ZA_GT) && (f & ZA_NX)) || ((f & ZA_LT) && (f & ZA_NX)) || ((f & ZA_GT) && (f & ZA_LT)))
        return RERR_ZADD_GT_LT_NX;
    if ((f & ZA_INCR) && rest > 2)
        return RERR_ZADD_INCR_PAIR;
    for (int j = i; j < a->argc; j += 2) {
        double d;
        if (!ss_parse_double(a->argv[j], a->argvlen[j], &d))
            return RERR_NOTFLOAT;
    }
    *flags = f;
    *first = i;
    return -1;
}

static bool zaddPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    int flags, first;
    int err = zadd_parse(a, ss_arg_is(a, 0, "zincrby"), &flags, &first);
    if (err >= 0) {
        ss_reply_err(out, (ss_reply_err_code)err);
        return false;
    }
    return true;
}

static void zadd_generic(ss_exec_ctx *ctx, const ss_args *a, bool incr_only)
{
    int f, first;
    int err = zadd_parse(a, incr_only, &f, &first);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    long long added = 0, updated = 0, processed = 0;
    double last = 0;
    int rc = SS_OK;
    bool nothing = found == SS_MISSING && (f & ZA_XX); /* no key + XX: nothing to do */
    if (found == SS_MISSING && !nothing)
        ss_key_create(ctx, SS_TYPE_ZSET, &z);
    for (int j = first; !nothing && j < a->argc; j += 2) {
        double score, cur = 0;
        ss_parse_double(a->argv[j], a->argvlen[j], &score);
        const char *m = a->argv[j + 1];
        size_t mlen = a->argvlen[j + 1];
        ss_lookup has = zset_score_get(ctx, &z, m, mlen, &cur);
        if (has == SS_REPLIED)
            return;
        bool had = has == SS_FOUND;
        if (had) {
            if (f & ZA_NX)
                continue;
            if (f & ZA_INCR) {
                score += cur;
                if (isnan(score)) { /* inf + -inf; INCR has a single pair */
                    ss_reply_err(ctx->out, RERR_ZSCORE_NAN);
                    return;
                }
            }
            if (((f & ZA_LT) && score >= cur) || ((f & ZA_GT) && score <= cur))
                continue;
            score += 0.0; /* fold -0 into +0 */
            if (score != cur)
                updated++;
        } else {
            if (f & ZA_XX)
                continue;
            score += 0.0;
            added++;
        }
        processed++;
        last = score;
        if ((rc = zset_score_put(ctx, &z, m, mlen, had, cur, score)) != SS_OK)
            break;
    }
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    if ((added || updated) &&
        !ss_key_save_notify(ctx, &z, found == SS_MISSING, SS_NOTIFY_ZSET, (f & ZA_INCR) ? "zincr" : "zadd"))
        return;
    if (f & ZA_INCR) {
        if (processed)
            resp_add_double(ctx->out, ctx->proto, last);
        else
            resp_add_null_bulk(ctx->out, ctx->proto);
    } else {
        resp_add_int(ctx->out, (f & ZA_CH) ? added + updated : added);
    }
}

static void zaddExec(ss_exec_ctx *ctx, const ss_args *a) { zadd_generic(ctx, a, false); }
static void zincrbyExec(ss_exec_ctx *ctx, const ss_args *a) { zadd_generic(ctx, a, true); }

/* ------------------------------------------------------------------ point commands */

static void zremExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    long long removed = 0;
    int rc = SS_OK;
    for (int i = 2; i < a->argc && rc == SS_OK && z.meta.count > 0; i++) {
        double score;
        ss_lookup has = zset_score_get(ctx, &z, a->argv[i], a->argvlen[i], &score);
        if (has == SS_REPLIED)
            return;
        if (has == SS_FOUND && (rc = zset_member_del(ctx, &z, a->argv[i], a->argvlen[i], score)) == SS_OK)
            removed++;
    }
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else if (!removed || ss_key_save_notify(ctx, &z, false, SS_NOTIFY_ZSET, "zrem"))
        resp_add_int(ctx->out, removed);
}

static void zscoreExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    double score;
    ss_lookup has = found == SS_FOUND ? zset_score_get(ctx, &z, a->argv[2], a->argvlen[2], &score) : found;
    if (has == SS_FOUND)
        resp_add_double(ctx->out, ctx->proto, score);
    else if (has == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
}

static void zmscoreExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    resp_add_array_len(ctx->out, a->argc - 2);
    for (int i = 2; i < a->argc; i++) {
        double score;
        ss_lookup has = found == SS_FOUND ? zset_score_get(ctx, &z, a->argv[i], a->argvlen[i], &score) : found;
        if (has == SS_REPLIED)
            return;
        if (has == SS_FOUND)
            resp_add_double(ctx->out, ctx->proto, score);
        else
            resp_add_null_bulk(ctx->out, ctx->proto);
    }
}

static void zcardExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found != SS_REPLIED)
        resp_add_int(ctx->out, found == SS_FOUND ? (long long)z.meta.count : 0);
}

/* ZRANK/ZREVRANK: a walk from the asked end to the member, O(rank). */
static void rank_generic(ss_exec_ctx *ctx, const ss_args *a, bool rev)
{
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    double score;
    ss_lookup has = found == SS_FOUND ? zset_score_get(ctx, &z, a->argv[2], a->argvlen[2], &score) : found;
    if (has == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
    if (has != SS_FOUND)
        return;
    int rc;
    zkey k;
    ss_ks_subiter *it = NULL;
    if ((rc = zset_key_score(&k, score, a->argv[2], a->argvlen[2])) != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    if ((rc = ss_ks_subiter_new(ctx->txn, z.db, z.name, z.len, z.meta.version, &it)) != SS_OK) {
        zset_key_release(&k);
        ss_exec_fail(ctx, rc);
        return;
    }
    long long rank = 0;
    if (rev)
        ss_ks_subiter_seek_last(it);
    else
        zset_seek(it, 's', NULL, NULL, 0, false);
    for (; ss_ks_subiter_valid(it); rank++) {
        ss_slice s = ss_ks_subiter_sub(it);
        if (s.len == k.len && memcmp(s.data, k.p, k.len) == 0)
            break;
        if (rev)
            ss_ks_subiter_prev(it);
        else
            ss_ks_subiter_next(it);
    }
    bool ok = ss_ks_subiter_valid(it);
    ss_ks_subiter_free(it);
    zset_key_release(&k);
    if (ok)
        resp_add_int(ctx->out, rank);
    else
        ss_exec_fail(ctx, SS_ECORRUPT);
}

static void zrankExec(ss_exec_ctx *ctx, const ss_args *a) { rank_generic(ctx, a, false); }
static void zrevrankExec(ss_exec_ctx *ctx, const ss_args *a) { rank_generic(ctx, a, true); }

/* ------------------------------------------------------------------ ZRANGE and friends */

typedef struct range_emit {
    ss_buf items;
    resp_proto proto;
    bool withscores;
    long long n;
} range_emit;

static int range_emit_one(void *ud, const char *m, size_t mlen, double score)
{
    range_emit *e = ud;
    emit(&e->items, e->proto, e->withscores, m, mlen, score);
    e->n++;
    return SS_OK;
}

static void zrange_reply(ss_exec_ctx *ctx, const ss_args *a, int by, int dir)
{
    zrange_req q;
    int err = zset_range_parse(a, by, dir, false, &q);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        resp_add_shared(ctx->out, RESP_SH_EMPTYARRAY);
        return;
    }
    range_emit e = {.proto = ctx->proto, .withscores = q.withscores};
    ss_buf_init(&e.items, 0);
    int rc = zset_range_each(ctx, &z, &q, range_emit_one, &e);
    if (rc == SS_OK)
        rc = ss_buf_error(&e.items);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
    } else {
        emit_header(ctx->out, ctx->proto, q.withscores, e.n);
        resp_add_raw(ctx->out, ss_buf_data(&e.items), ss_buf_len(&e.items));
    }
    ss_buf_release(&e.items);
}

static void zrangeExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, -1, -1); }
static void zrevrangeExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_RANK, 1); }
static void zrangebyscoreExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_SCORE, 0); }
static void zrevrangebyscoreExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_SCORE, 1); }
static void zrangebylexExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_LEX, 0); }
static void zrevrangebylexExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_LEX, 1); }

/* The bounds of ZCOUNT, ZLEXCOUNT and ZREMRANGEBY* (arguments 2 and 3, in
 * r->by's terms), then the sorted set at argument 1; SS_REPLIED after an
 * error reply. */
static ss_lookup open_range(ss_exec_ctx *ctx, const ss_args *a, zrange *r, ss_key *z)
{
    int err = zset_parse_bounds(a, 2, 3, r);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        return SS_REPLIED;
    }
    return ss_key_open(ctx, a, 1, SS_TYPE_ZSET, z);
}

static void zcountExec(ss_exec_ctx *ctx, const ss_args *a)
{
    zrange r = {.by = ss_arg_is(a, 0, "zlexcount") ? BY_LEX : BY_SCORE};
    ss_key z;
    ss_lookup found = open_range(ctx, a, &r, &z);
    if (found == SS_REPLIED)
        return;
    long long n = 0;
    if (found == SS_FOUND && zset_range_possible(&r)) {
        zwalk w;
        int rc = zset_walk_start(ctx, &z, &r, &w);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
        for (; zset_walk_valid(&w); zset_walk_next(&w))
            n++;
        ss_ks_subiter_free(w.it);
    }
    resp_add_int(ctx->out, n);
}

/* ------------------------------------------------------------------ removal */

/* Removes the members of a walk (up to max), replying them when out is set. */
static int remove_walk(ss_exec_ctx *ctx, ss_key *z, zwalk *w, long long max, ss_buf *out,
                       bool withscores, long long *removed)
{
    *removed = 0;
    int rc = SS_OK;
    while (rc == SS_OK && *removed < max && zset_walk_valid(w)) {
        if (out)
            emit(out, ctx->proto, withscores, w->member, w->mlen, w->score);
        /* The walk keeps its own copy of its position, so deleting the
         * element under it and then stepping is safe. */
        rc = zset_member_del(ctx, z, w->member, w->mlen, w->score);
        (*removed)++;
        zset_walk_next(w);
    }
    return rc;
}

static void zremrange_generic(ss_exec_ctx *ctx, const ss_args *a, int by)
{
    zrange r = {.by = by};
    ss_key z;
    ss_lookup found = open_range(ctx, a, &r, &z);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING || !zset_range_possible(&r) ||
        (by == BY_RANK && !zset_rank_normalize(&r, (long long)z.meta.count))) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    zwalk w;
    long long removed = 0;
    int rc = zset_walk_start(ctx, &z, &r, &w);
    if (rc == SS_OK) {
        rc = remove_walk(ctx, &z, &w, LLONG_MAX, NULL, false, &removed);
        ss_ks_subiter_free(w.it);
    }
    static const char *const events[] = {[BY_RANK] = "zremrangebyrank", [BY_SCORE] = "zremrangebyscore",
                                         [BY_LEX] = "zremrangebylex"};
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else if (!removed || ss_key_save_notify(ctx, &z, false, SS_NOTIFY_ZSET, events[by]))
        resp_add_int(ctx->out, removed);
}

/* Range syntax is checked on the receiving node too, keeping bad ranges out of the log. */
static bool zremrangePrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    zrange r = {.by = ss_arg_is(a, 0, "zremrangebyrank") ? BY_RANK
                    : ss_arg_is(a, 0, "zremrangebyscore") ? BY_SCORE : BY_LEX};
    int err = zset_parse_bounds(a, 2, 3, &r);
    if (err < 0)
        return true;
    ss_reply_err(out, (ss_reply_err_code)err);
    return false;
}

static void zremrangebyrankExec(ss_exec_ctx *ctx, const ss_args *a) { zremrange_generic(ctx, a, BY_RANK); }
static void zremrangebyscoreExec(ss_exec_ctx *ctx, const ss_args *a) { zremrange_generic(ctx, a, BY_SCORE); }
static void zremrangebylexExec(ss_exec_ctx *ctx, const ss_args *a) { zremrange_generic(ctx, a, BY_LEX); }

static int zpop_parse(const ss_args *a, long long *count)
{
    *count = -1;
    if (a->argc > 3)
        return RERR_SYNTAX;
    if (a->argc == 3 && (!ss_parse_ll(a->argv[2], a->argvlen[2], count) || *count < 0))
        return RERR_MUST_POSITIVE;
    return -1;
}

static bool zpopPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    long long count;
    int err = zpop_parse(a, &count);
    if (err >= 0) {
        ss_reply_err(out, (ss_reply_err_code)err);
        return false;
    }
    return true;
}

static void zpop_generic(ss_exec_ctx *ctx, const ss_args *a, bool max)
{
    long long count;
    int err = zpop_parse(a, &count);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING || count == 0) {
        resp_add_shared(ctx->out, RESP_SH_EMPTYARRAY);
        return;
    }
    bool counted = count > 0;
    if (!counted)
        count = 1;
    if ((uint64_t)count > z.meta.count)
        count = (long long)z.meta.count;
    zrange r = {.by = BY_RANK, .rev = max, .start = 0, .end = count - 1};
    zwalk w;
    int rc = zset_walk_start(ctx, &z, &r, &w);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    /* RESP3 nests [member, score] pairs only when a count was given. */
    resp_proto shape = counted ? ctx->proto : RESP2;
    emit_header(ctx->out, shape, true, count);
    ss_buf *out = ctx->out;
    long long removed;
    if (shape == ctx->proto) {
        rc = remove_walk(ctx, &z, &w, count, out, true, &removed);
    } else { /* flat pair, scores still in the client's protocol */
        removed = 0;
        if (zset_walk_valid(&w)) {
            resp_add_bulk(out, w.member, w.mlen);
            resp_add_double(out, ctx->proto, w.score);
            rc = remove_walk(ctx, &z, &w, 1, NULL, false, &removed);
        }
    }
    ss_ks_subiter_free(w.it);
    if (rc == SS_OK && removed != count)
        rc = SS_ECORRUPT;
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        ss_key_save_notify(ctx, &z, false, SS_NOTIFY_ZSET, max ? "zpopmax" : "zpopmin");
}

static void zpopminExec(ss_exec_ctx *ctx, const ss_args *a) { zpop_generic(ctx, a, false); }

/* ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: pops from the first
 * non-empty sorted set, [key, [[member, score], ...]] in both protocols, or
 * a null array (genericZpopCommand with use_nested_array). */
/* Pops from the first non-empty sorted set of a->argv[first..first+n): as
 * ZMPOP, or flat as BZPOPMIN ([key, member, score]). */
static void zmpop_first(ss_exec_ctx *ctx, const ss_args *a, int first, long long n, bool min, long long count,
                        bool flat)
{
    for (int i = first; i < first + n; i++) {
        ss_key z;
        ss_lookup found = ss_key_open(ctx, a, i, SS_TYPE_ZSET, &z);
        if (found == SS_REPLIED)
            return;
        if (found == SS_MISSING || z.meta.count == 0)
            continue;
        if ((uint64_t)count > z.meta.count)
            count = (long long)z.meta.count;
        zrange r = {.by = BY_RANK, .rev = !min, .start = 0, .end = count - 1};
        zwalk w;
        int rc = zset_walk_start(ctx, &z, &r, &w);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
        resp_add_array_len(ctx->out, flat ? 3 : 2);
        resp_add_bulk(ctx->out, a->argv[i], a->argvlen[i]);
        if (!flat)
            resp_add_array_len(ctx->out, count);
        long long removed = 0;
        while (rc == SS_OK && removed < count && zset_walk_valid(&w)) {
            if (!flat)
                resp_add_array_len(ctx->out, 2);
            resp_add_bulk(ctx->out, w.member, w.mlen);
            resp_add_double(ctx->out, ctx->proto, w.score);
            rc = zset_member_del(ctx, &z, w.member, w.mlen, w.score);
            removed++;
            zset_walk_next(&w);
        }
        ss_ks_subiter_free(w.it);
        if (rc == SS_OK && removed != count)
            rc = SS_ECORRUPT;
        if (rc != SS_OK)
            ss_exec_fail(ctx, rc);
        else
            ss_key_save_notify(ctx, &z, false, SS_NOTIFY_ZSET, min ? "zpopmin" : "zpopmax");
        return;
    }
    resp_add_null_array(ctx->out, ctx->proto);
}

static void zmpopExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long numkeys, count;
    bool min;
    if (ss_mpop_parse(a, 1, "min", "max", &numkeys, &min, &count, ctx->out))
        zmpop_first(ctx, a, 2, numkeys, min, count, false);
}

/* The blocking forms: apply never blocks (see cmd_list.c, engine/blocking.c). */
static void bzpopminExec(ss_exec_ctx *ctx, const ss_args *a) { zmpop_first(ctx, a, 1, a->argc - 2, true, 1, true); }
static void bzpopmaxExec(ss_exec_ctx *ctx, const ss_args *a) { zmpop_first(ctx, a, 1, a->argc - 2, false, 1, true); }

static void bzmpopExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long numkeys, count;
    bool min;
    if (ss_mpop_parse(a, 2, "min", "max", &numkeys, &min, &count, ctx->out))
        zmpop_first(ctx, a, 3, numkeys, min, count, false);
}

static bool bzpopPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    int64_t deadline;
    return ss_parse_timeout(a->argv[a->argc - 1], a->argvlen[a->argc - 1], 0, &deadline, out);
}

static bool bzmpopPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    int64_t deadline;
    long long numkeys, count;
    bool min;
    return ss_parse_timeout(a->argv[1], a->argvlen[1], 0, &deadline, out) &&
           ss_mpop_parse(a, 2, "min", "max", &numkeys, &min, &count, out);
}

static int bzmpopGetKeys(const ss_args *a, ss_keyref *keys) { return ss_getkeys_counted(a, 0, 2, 3, 1, keys); }

static bool zmpopPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    long long numkeys, count;
    bool min;
    return ss_mpop_parse(a, 1, "min", "max", &numkeys, &min, &count, out);
}

static int zmpopGetKeys(const ss_args *a, ss_keyref *keys) { return ss_getkeys_counted(a, 0, 1, 2, 1, keys); }
static void zpopmaxExec(ss_exec_ctx *ctx, const ss_args *a) { zpop_generic(ctx, a, true); }

/* ------------------------------------------------------------------ ZSCAN */

/*
 * Sets of up to ZSCAN_SMALL members reply everything with cursor 0, in
 * score order (what Redis does for its listpack encoding). Larger sets walk
 * the 'm' space from the cursor, a member hash: the reply ends between two
 * hashes, and the next cursor is the next hash, so members present for the
 * whole scan are returned exactly once whatever else changes.
 */
static void zscanExec(ss_exec_ctx *ctx, const ss_args *a)
{
    const char *cs = a->argv[2];
    char *end;
    errno = 0;
    unsigned long long cursor = strtoull(cs, &end, 10);
    if (a->argvlen[2] == 0 || cs[0] == ' ' || cs[0] == '\t' || end != cs + a->argvlen[2] || errno == ERANGE) {
        ss_reply_err(ctx->out, RERR_INVALID_CURSOR);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING) {
        resp_add_array_len(ctx->out, 2);
        resp_add_bulk(ctx->out, "0", 1);
        resp_add_shared(ctx->out, RESP_SH_EMPTYARRAY);
        return;
    }
    long long count = 10;
    const char *pat = NULL;
    size_t plen = 0;
    for (int i = 3; i < a->argc; i++) {
        bool more = i + 1 < a->argc;
        if (more && ss_arg_is(a, i, "count")) {
            if (!ss_arg_ll_or_reply(ctx, a, i + 1, &count))
                return;
            if (count < 1) {
                ss_reply_err(ctx->out, RERR_SYNTAX);
                return;
            }
            i++;
        } else if (more && ss_arg_is(a, i, "match")) {
            pat = a->argv[i + 1];
            plen = a->argvlen[i + 1];
            i++;
        } else {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return;
        }
    }
    bool all = pat != NULL && plen == 1 && pat[0] == '*';
    bool small = z.meta.count <= ZSCAN_SMALL;
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(ctx->txn, z.db, z.name, z.len, z.meta.version, &it);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    unsigned char h[8];
    ss_encode_u64_be(cursor, h);
    if (small)
        zset_seek(it, 's', NULL, NULL, 0, false);
    else
        zset_seek(it, 'm', h, NULL, 0, false);
    ss_buf items;
    ss_buf_init(&items, 0);
    long long n = 0, visited = 0;
    unsigned long long next = 0, lasthash = 0;
    for (; ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice s = ss_ks_subiter_sub(it);
        if (s.len < 9 || s.data[0] != (small ? 's' : 'm'))
            break;
        const char *m = s.data + 9;
        size_t mlen = s.len - 9;
        double score;
        if (small) {
            score = ss_decode_double((const unsigned char *)s.data + 1);
        } else {
            unsigned long long hash = ss_decode_u64_be((const unsigned char *)s.data + 1);
            if (visited >= count && hash != lasthash) {
                next = hash; /* nonzero: above a hash already returned */
                break;
            }
            lasthash = hash;
            ss_slice v = ss_ks_subiter_value(it);
            score = v.len == 8 ? ss_decode_double((const unsigned char *)v.data) : 0;
        }
        visited++;
        if (pat && !all && !ss_stringmatch(pat, plen, m, mlen, false))
            continue;
        resp_add_bulk(&items, m, mlen);
        char buf[RESP_DOUBLE_MAX];
        resp_add_bulk(&items, buf, resp_format_double(buf, score));
        n++;
    }
    ss_ks_subiter_free(it);
    char cbuf[24];
    int clen = snprintf(cbuf, sizeof cbuf, "%llu", next);
    resp_add_array_len(ctx->out, 2);
    resp_add_bulk(ctx->out, cbuf, (size_t)clen);
    resp_add_array_len(ctx->out, 2 * n);
    resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    ss_buf_release(&items);
}

const ss_command ss_cmds_zset[] = {
    SS_WRITE("zadd", -4, CMD_DENYOOM | CMD_FAST, ACL_SORTEDSET, zaddExec, .prepare = zaddPrepare, .keys = {KEY(1, KS_RW | KS_UPDATE)}),
    SS_WRITE("zincrby", 4, CMD_DENYOOM | CMD_FAST, ACL_SORTEDSET, zincrbyExec, .prepare = zaddPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_WRITE("zrem", -3, CMD_FAST, ACL_SORTEDSET, zremExec, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_READ("zscore", 3, CMD_FAST, ACL_SORTEDSET, zscoreExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zmscore", -3, CMD_FAST, ACL_SORTEDSET, zmscoreExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zcard", 2, CMD_FAST, ACL_SORTEDSET, zcardExec, .keys = {KEY(1, KS_RO)}),
    SS_READ("zcount", 4, CMD_FAST, ACL_SORTEDSET, zcountExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zlexcount", 4, CMD_FAST, ACL_SORTEDSET, zcountExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zrank", 3, CMD_FAST, ACL_SORTEDSET, zrankExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zrevrank", 3, CMD_FAST, ACL_SORTEDSET, zrevrankExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zrange", -4, 0, ACL_SORTEDSET, zrangeExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zrevrange", -4, 0, ACL_SORTEDSET, zrevrangeExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zrangebyscore", -4, 0, ACL_SORTEDSET, zrangebyscoreExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zrevrangebyscore", -4, 0, ACL_SORTEDSET, zrevrangebyscoreExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zrangebylex", -4, 0, ACL_SORTEDSET, zrangebylexExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("zrevrangebylex", -4, 0, ACL_SORTEDSET, zrevrangebylexExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("zmpop", -4, 0, ACL_SORTEDSET, zmpopExec, .prepare = zmpopPrepare, .keys = {KEYNUM(1, KS_RW | KS_ACCESS | KS_DELETE)}, .getkeys = zmpopGetKeys),
    SS_WRITE("bzpopmin", -3, CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST, ACL_SORTEDSET, bzpopminExec, .prepare = bzpopPrepare, .keys = {{.flags = KS_RW | KS_ACCESS | KS_DELETE, KS_BEGIN_INDEX(1), KS_FIND_RANGE(-2, 1, 0)}}),
    SS_WRITE("bzpopmax", -3, CMD_NOSCRIPT | CMD_BLOCKING | CMD_FAST, ACL_SORTEDSET, bzpopmaxExec, .prepare = bzpopPrepare, .keys = {{.flags = KS_RW | KS_ACCESS | KS_DELETE, KS_BEGIN_INDEX(1), KS_FIND_RANGE(-2, 1, 0)}}),
    SS_WRITE("bzmpop", -5, CMD_BLOCKING, ACL_SORTEDSET, bzmpopExec, .prepare = bzmpopPrepare, .keys = {KEYNUM(2, KS_RW | KS_ACCESS | KS_DELETE)}, .getkeys = bzmpopGetKeys),
    SS_WRITE("zpopmin", -2, CMD_FAST, ACL_SORTEDSET, zpopminExec, .prepare = zpopPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE)}),
    SS_WRITE("zpopmax", -2, CMD_FAST, ACL_SORTEDSET, zpopmaxExec, .prepare = zpopPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE)}),
    SS_WRITE("zremrangebyrank", 4, 0, ACL_SORTEDSET, zremrangebyrankExec, .prepare = zremrangePrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_WRITE("zremrangebyscore", 4, 0, ACL_SORTEDSET, zremrangebyscoreExec, .prepare = zremrangePrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_WRITE("zremrangebylex", 4, 0, ACL_SORTEDSET, zremrangebylexExec, .prepare = zremrangePrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_READ("zscan", -3, 0, ACL_SORTEDSET, zscanExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
};
SS_COUNT(ss_cmds_zset);

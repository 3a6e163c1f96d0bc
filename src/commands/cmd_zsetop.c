/* Sorted set algebra and copies: ZUNION ZINTER ZDIFF (+STORE), ZINTERCARD, ZRANGESTORE, ZRANDMEMBER. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/zset.h"

/*
 * Inputs may be sorted sets or plain sets (every member scoring 1), as in
 * Redis's zunionInterDiffGenericCommand, which this follows step by step:
 * numkeys, then every key opened and type-checked, then the options; the
 * result is built in memory (zresult) and replied in sorted set order or
 * stored whole under a new version of the destination.
 */

enum { OP_UNION, OP_INTER, OP_DIFF };

typedef struct zsrc {
    ss_key k;
    bool exists;
    bool is_set;
    double weight;
} zsrc;

static uint64_t src_len(const zsrc *s) { return s->exists ? s->k.meta.count : 0; }

static bool same_key(const zsrc *a, const zsrc *b)
{
    return a->exists && b->exists && a->k.len == b->k.len && memcmp(a->k.name, b->k.name, a->k.len) == 0;
}

/* Calls cb on every member of a source with its score (1 for a set). */
static int src_each(ss_exec_ctx *ctx, const zsrc *s, zset_each_fn cb, void *ud)
{
    if (!s->exists)
        return SS_OK;
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(ctx->txn, s->k.db, s->k.name, s->k.len, s->k.meta.version, &it);
    if (rc != SS_OK)
        return rc;
    if (s->is_set)
        ss_ks_subiter_seek_first(it);
    else
        zset_seek(it, 's', NULL, NULL, 0, false);
    for (; rc == SS_OK && ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice sub = ss_ks_subiter_sub(it);
        if (s->is_set) {
            rc = cb(ud, sub.data, sub.len, 1.0);
            continue;
        }
        if (sub.len < 9 || sub.data[0] != 's')
            break;
        rc = cb(ud, sub.data + 9, sub.len - 9, ss_decode_double((const unsigned char *)sub.data + 1));
    }
    ss_ks_subiter_free(it);
    return rc;
}

/* A member's score in a source: SS_FOUND, SS_MISSING or SS_REPLIED. */
static ss_lookup src_find(ss_exec_ctx *ctx, const zsrc *s, const char *m, size_t mlen, double *score)
{
    if (!s->exists)
        return SS_MISSING;
    if (!s->is_set)
        return zset_score_get(ctx, &s->k, m, mlen, score);
    ss_slice v;
    *score = 1.0;
    return ss_key_element(ctx, &s->k, m, mlen, &v);
}

typedef struct zop {
    ss_exec_ctx *ctx;
    int op, aggregate;
    zsrc *src;
    long long n, cur; /* cur: the source union_one reads */
    bool card_only;
    unsigned long long card, limit;
    zresult res;
    ss_lookup failed; /* SS_REPLIED once a probe failed (replied) */
} zop;

enum { STOP = -1000 }; /* a callback's "enough" (ZINTERCARD's LIMIT) */

static int inter_one(void *ud, const char *m, size_t mlen, double s0)
{
    zop *z = ud;
    double score = z->src[0].weight * s0, value;
    if (isnan(score))
        score = 0;
    for (long long j = 1; j < z->n; j++) {
        if (same_key(&z->src[j], &z->src[0])) {
            value = s0;
        } else {
            ss_lookup has = src_find(z->ctx, &z->src[j], m, mlen, &value);
            if (has == SS_REPLIED) {
                z->failed = SS_REPLIED;
                return STOP;
            }
            if (has == SS_MISSING)
                return SS_OK;
        }
        zset_aggregate(&score, value * z->src[j].weight, z->aggregate);
    }
    if (z->card_only)
        return ++z->card == z->limit ? STOP : SS_OK;
    return zresult_add(&z->res, m, mlen, score);
}

static int union_one(void *ud, const char *m, size_t mlen, double s)
{
    zop *z = ud;
    double score = z->src[z->cur].weight * s;
    if (isnan(score))
        score = 0;
    return zresult_merge(&z->res, m, mlen, score, z->aggregate);
}

static int diff_one(void *ud, const char *m, size_t mlen, double s0)
{
    zop *z = ud;
    for (long long j = 1; j < z->n; j++) {
        double v;
        ss_lookup has = src_find(z->ctx, &z->src[j], m, mlen, &v);
        if (has == SS_REPLIED) {
            z->failed = SS_REPLIED;
            return STOP;
        }
        if (has == SS_FOUND)
            return SS_OK;
    }
    return zresult_add(&z->res, m, mlen, s0);
}

/* Sources from the smallest to the largest, ties in argument order (the
 * order glibc's qsort, a merge sort, leaves them in for Redis). */
static void sort_by_cardinality(zsrc *src, long long n)
{
    for (long long i = 1; i < n; i++) {
        zsrc cur = src[i];
        long long j = i;
        for (; j > 0 && src_len(&src[j - 1]) > src_len(&cur); j--)
            src[j] = src[j - 1];
        src[j] = cur;
    }
}

/* Computes the result into z->res (or z->card). False after a reply. */
static bool zop_run(zop *z)
{
    int rc = SS_OK;
    if (z->op == OP_INTER) {
        sort_by_cardinality(z->src, z->n);
        if (src_len(&z->src[0]) > 0)
            rc = src_each(z->ctx, &z->src[0], inter_one, z);
    } else if (z->op == OP_UNION) {
        sort_by_cardinality(z->src, z->n);
        for (z->cur = 0; rc == SS_OK && z->cur < z->n; z->cur++)
            rc = src_each(z->ctx, &z->src[z->cur], union_one, z);
    } else {
        bool self = false; /* the first set given again: nothing is left */
        for (long long j = 1; j < z->n; j++)
            self = self || same_key(&z->src[j], &z->src[0]);
        if (!self && src_len(&z->src[0]) > 0)
            rc = src_each(z->ctx, &z->src[0], diff_one, z);
    }
    if (z->failed == SS_REPLIED)
        return false;
    if (rc != SS_OK && rc != STOP) {
        ss_exec_fail(z->ctx, rc);
        return false;
    }
    return true;
}

/* numkeys at argument at: -1, or the error to reply (RERR_ZSETOP_NOKEYS
 * takes the command's name). */
static int parse_numkeys(const ss_args *a, int at, long long *n)
{
    if (!ss_parse_ll(a->argv[at], a->argvlen[at], n))
        return RERR_NOTINT;
    if (*n < 1)
        return RERR_ZSETOP_NOKEYS;
    if (*n > a->argc - (at + 1))
        return RERR_SYNTAX;
    return -1;
}

static bool numkeys_or_reply(ss_buf *out, const ss_args *a, int at, const char *name, long long *n)
{
    int err = parse_numkeys(a, at, n);
    if (err < 0)
        return true;
    ss_reply_err(out, (ss_reply_err_code)err, name);
    return false;
}

/* Options after the keys, as Redis parses them; -1 or the error to reply. */
static int parse_options(const ss_args *a, int j, zop *z, bool store, bool *withscores)
{
    while (j < a->argc) {
        int remaining = a->argc - j;
        if (z->op != OP_DIFF && !z->card_only && remaining >= z->n + 1 && ss_arg_is(a, j, "weights")) {
            j++;
            for (long long i = 0; i < z->n; i++, j++)
                if (!ss_parse_double(a->argv[j], a->argvlen[j], &z->src[i].weight))
                    return RERR_WEIGHT_FLOAT;
        } else if (z->op != OP_DIFF && !z->card_only && remaining >= 2 && ss_arg_is(a, j, "aggregate")) {
            if (ss_arg_is(a, j + 1, "sum"))
                z->aggregate = ZAGG_SUM;
            else if (ss_arg_is(a, j + 1, "min"))
                z->aggregate = ZAGG_MIN;
            else if (ss_arg_is(a, j + 1, "max"))
                z->aggregate = ZAGG_MAX;
            else
                return RERR_SYNTAX;
            j += 2;
        } else if (!store && !z->card_only && ss_arg_is(a, j, "withscores")) {
            *withscores = true;
            j++;
        } else if (z->card_only && remaining >= 2 && ss_arg_is(a, j, "limit")) {
            long long limit;
            if (!ss_parse_ll(a->argv[j + 1], a->argvlen[j + 1], &limit) || limit < 0)
                return RERR_LIMIT_NEGATIVE;
            z->limit = (unsigned long long)limit;
            j += 2;
        } else {
            return RERR_SYNTAX;
        }
    }
    return -1;
}

/* ZUNION/ZINTER/ZDIFF numkeys key... (at = 1), their STORE forms (at = 2)
 * and ZINTERCARD (card_only). */
static void zop_generic(ss_exec_ctx *ctx, const ss_args *a, int op, int at, bool card_only, const char *name)
{
    long long n;
    if (!numkeys_or_reply(ctx->out, a, at, name, &n))
        return;
    zop z = {.ctx = ctx, .op = op, .n = n, .card_only = card_only, .aggregate = ZAGG_SUM};
    z.src = calloc((size_t)n, sizeof *z.src);
    if (!z.src) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    bool store = at == 2, withscores = false;
    for (long long i = 0; i < n; i++) {
        zsrc *s = &z.src[i];
        s->weight = 1.0;
        ss_lookup found = ss_key_open(ctx, a, at + 1 + (int)i, SS_TYPE_NONE, &s->k);
        if (found == SS_REPLIED)
            goto out;
        s->exists = found == SS_FOUND;
        if (s->exists && s->k.meta.type != SS_TYPE_ZSET && s->k.meta.type != SS_TYPE_SET) {
            ss_reply_err(ctx->out, RERR_WRONGTYPE);
            goto out;
        }
        s->is_set = s->exists && s->k.meta.type == SS_TYPE_SET;
    }
    int err = parse_options(a, at + 1 + (int)n, &z, store, &withscores);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        goto out;
    }
    if (!zop_run(&z))
        goto out;
    if (card_only) {
        resp_add_int(ctx->out, (long long)z.card);
        goto out;
    }
    int rc = zresult_sort(&z.res);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
    } else if (!store) {
        zresult_reply(ctx, &z.res, withscores);
    } else if (zresult_fits_or_reply(ctx, &z.res, a->argvlen[1])) {
        static const char *const events[] = {"zunionstore", "zinterstore", "zdiffstore"};
        zresult_store(ctx, a->argv[1], a->argvlen[1], &z.res, events[op]);
    }
out:
    zresult_release(&z.res);
    free(z.src);
}

static void zunionExec(ss_exec_ctx *ctx, const ss_args *a) { zop_generic(ctx, a, OP_UNION, 1, false, "zunion"); }
static void zinterExec(ss_exec_ctx *ctx, const ss_args *a) { zop_generic(ctx, a, OP_INTER, 1, false, "zinter"); }
static void zdiffExec(ss_exec_ctx *ctx, const ss_args *a) { zop_generic(ctx, a, OP_DIFF, 1, false, "zdiff"); }
static void zunionstoreExec(ss_exec_ctx *ctx, const ss_args *a) { zop_generic(ctx, a, OP_UNION, 2, false, "zunionstore"); }
static void zinterstoreExec(ss_exec_ctx *ctx, const ss_args *a) { zop_generic(ctx, a, OP_INTER, 2, false, "zinterstore"); }
static void zdiffstoreExec(ss_exec_ctx *ctx, const ss_args *a) { zop_generic(ctx, a, OP_DIFF, 2, false, "zdiffstore"); }
static void zintercardExec(ss_exec_ctx *ctx, const ss_args *a) { zop_generic(ctx, a, OP_INTER, 1, true, "zintercard"); }

/* numkeys is checked before the keys are read, so its errors stay out of the log. */
static bool zopstorePrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    long long n;
    const char *name = ss_arg_is(a, 0, "zunionstore") ? "zunionstore"
                     : ss_arg_is(a, 0, "zinterstore") ? "zinterstore" : "zdiffstore";
    return numkeys_or_reply(out, a, 2, name, &n);
}

/* Keys when numkeys does not parse as the key specs want it. */
static int zopGetKeys(const ss_args *a, ss_keyref *keys)
{
    return ss_getkeys_counted(a, 0, 1, 2, 1, keys);
}

static int zopstoreGetKeys(const ss_args *a, ss_keyref *keys)
{
    return ss_getkeys_counted(a, 1, 2, 3, 1, keys);
}

/* ------------------------------------------------------------ ZRANGESTORE */

/* ZRANGESTORE dst src min max ...: ZRANGE's arguments shifted by one. */
static void shifted(const ss_args *a, ss_args *b)
{
    *b = (ss_args){a->argc - 1, a->argv + 1, a->argvlen + 1};
}

static bool zrangestorePrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    ss_args b;
    zrange_req q;
    shifted(a, &b);
    int err = zset_range_parse(&b, -1, -1, true, &q);
    if (err >= 0)
        ss_reply_err(out, (ss_reply_err_code)err);
    return err < 0;
}

static int collect_one(void *ud, const char *m, size_t mlen, double score)
{
    return zresult_add(ud, m, mlen, score);
}

static void zrangestoreExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_args b;
    zrange_req q;
    shifted(a, &b);
    int err = zset_range_parse(&b, -1, -1, true, &q);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 2, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    zresult res = {0};
    int rc = found == SS_FOUND ? zset_range_each(ctx, &z, &q, collect_one, &res) : SS_OK;
    if (rc == SS_OK)
        rc = zresult_sort(&res);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else if (zresult_fits_or_reply(ctx, &res, a->argvlen[1]))
        zresult_store(ctx, a->argv[1], a->argvlen[1], &res, "zrangestore");
    zresult_release(&res);
}

/* ------------------------------------------------------------ ZRANDMEMBER */

/*
 * Random members, chosen with ctx's PRNG (a read: the local one; nothing
 * here is ever applied). Small sets are read whole and indexed, so picks
 * are exactly uniform; a pick in a large set seeks a random member hash in
 * the 'm' space (members are spread evenly over it by the hash), O(log n).
 */
#define RAND_SMALL 256

typedef struct zpicker {
    ss_ks_subiter *it;
    zresult all;   /* small sets: every member */
    bool small;
} zpicker;

static int zpicker_init(ss_exec_ctx *ctx, const ss_key *z, zpicker *p)
{
    memset(p, 0, sizeof *p);
    p->small = z->meta.count <= RAND_SMALL;
    if (p->small) {
        zsrc s = {.k = *z, .exists = true};
        return src_each(ctx, &s, collect_one, &p->all);
    }
    return ss_ks_subiter_new(ctx->txn, z->db, z->name, z->len, z->meta.version, &p->it);
}

static void zpicker_release(zpicker *p)
{
    ss_ks_subiter_free(p->it);
    zresult_release(&p->all);
}

/* One member chosen by rnd; the slice lives until the next pick. */
static bool zpicker_pick(zpicker *p, uint64_t rnd, ss_slice *m, double *score)
{
    if (p->small) {
        if (p->all.members.n == 0)
            return false;
        size_t i = (size_t)(rnd % p->all.members.n);
        *m = ss_strvec_at(&p->all.members, i);
        *score = p->all.scores[i];
        return true;
    }
    unsigned char h[8];
    ss_encode_u64_be(rnd, h);
    zset_seek(p->it, 'm', h, NULL, 0, false);
    ss_slice s = ss_ks_subiter_valid(p->it) ? ss_ks_subiter_sub(p->it) : (ss_slice){"", 0};
    if (s.len < 9 || s.data[0] != 'm') { /* past the last hash: wrap around */
        zset_seek(p->it, 'm', NULL, NULL, 0, false);
        if (!ss_ks_subiter_valid(p->it))
            return false;
        s = ss_ks_subiter_sub(p->it);
        if (s.len < 9 || s.data[0] != 'm')
            return false;
    }
    ss_slice v = ss_ks_subiter_value(p->it);
    if (v.len != 8)
        return false;
    *m = (ss_slice){s.data + 9, s.len - 9};
    *score = ss_decode_double((const unsigned char *)v.data);
    return true;
}

static void emit_member(ss_exec_ctx *ctx, bool withscores, ss_slice m, double score)
{
    if (withscores && ctx->proto == RESP3)
        resp_add_array_len(ctx->out, 2);
    resp_add_bulk(ctx->out, m.data, m.len);
    if (withscores)
        resp_add_double(ctx->out, ctx->proto, score);
}

/* n independent picks (repeats allowed), replied as they come. */
static int reply_picks(ss_exec_ctx *ctx, const ss_key *z, long long n, bool withscores)
{
    zpicker p;
    int rc = zpicker_init(ctx, z, &p);
    if (rc != SS_OK) {
        zpicker_release(&p);
        return rc;
    }
    ss_buf *out = ctx->out, items;
    ss_buf_init(&items, 0);
    ctx->out = &items;
    for (long long i = 0; i < n && rc == SS_OK; i++) {
        ss_slice m;
        double score;
        if (!zpicker_pick(&p, ss_exec_rand(ctx), &m, &score))
            rc = SS_ECORRUPT;
        else
            emit_member(ctx, withscores, m, score);
    }
    ctx->out = out;
    if (rc == SS_OK && (rc = ss_buf_error(&items)) == SS_OK) {
        resp_add_array_len(out, withscores && ctx->proto != RESP3 ? 2 * n : n);
        resp_add_raw(out, ss_buf_data(&items), ss_buf_len(&items));
    }
    ss_buf_release(&items);
    zpicker_release(&p);
    return rc;
}

/* n distinct members (n < the set's size). A few from a large set come from
 * picks with repeats thrown away; otherwise one pass of selection sampling
 * over the score order (each member taken with probability needed/left). */
typedef struct sampler {
    ss_exec_ctx *ctx;
    uint64_t need, left;
    zresult *out;
} sampler;

static int sample_one(void *ud, const char *m, size_t mlen, double score)
{
    sampler *s = ud;
    bool take = s->need > 0 && ss_exec_rand(s->ctx) % s->left < s->need;
    s->left--;
    if (!take)
        return SS_OK;
    s->need--;
    return zresult_add(s->out, m, mlen, score);
}

static int sample_distinct(ss_exec_ctx *ctx, const ss_key *z, uint64_t n, zresult *out)
{
    if (z->meta.count > RAND_SMALL && n * 4 <= z->meta.count) {
        zpicker p;
        int rc = zpicker_init(ctx, z, &p);
        for (uint64_t tries = 0; rc == SS_OK && out->members.n < n && tries < n * 16; tries++) {
            ss_slice m;
            double score;
            if (!zpicker_pick(&p, ss_exec_rand(ctx), &m, &score))
                rc = SS_ECORRUPT;
            else
                rc = zresult_merge(out, m.data, m.len, score, ZAGG_MAX);
        }
        zpicker_release(&p);
        if (rc != SS_OK || out->members.n == n)
            return rc;
        zresult_release(out); /* picks kept repeating: walk instead */
    }
    sampler s = {.ctx = ctx, .need = n, .left = z->meta.count, .out = out};
    zsrc src = {.k = *z, .exists = true};
    return src_each(ctx, &src, sample_one, &s);
}

/* ZRANDMEMBER key [count [WITHSCORES]], as Redis's zrandmemberCommand. */
static void zrandmemberExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long count = 1;
    bool withscores = false, counted = a->argc >= 3;
    if (counted) {
        if (!ss_coll_rand_count(ctx, a, 2, &count))
            return;
        if (a->argc > 4 || (a->argc == 4 && !ss_arg_is(a, 3, "withscores"))) {
            ss_reply_err(ctx->out, RERR_SYNTAX);
            return;
        }
        withscores = a->argc == 4;
        if (withscores && (count < -LLONG_MAX / 2 || count > LLONG_MAX / 2)) {
            ss_reply_err(ctx->out, RERR_RANGE);
            return;
        }
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING || count == 0) {
        if (counted)
            resp_add_shared(ctx->out, RESP_SH_EMPTYARRAY);
        else
            resp_add_null_bulk(ctx->out, ctx->proto);
        return;
    }
    int rc;
    if (!counted) {
        zpicker p;
        ss_slice m;
        double score;
        rc = zpicker_init(ctx, &z, &p);
        if (rc == SS_OK && !zpicker_pick(&p, ss_exec_rand(ctx), &m, &score))
            rc = SS_ECORRUPT;
        if (rc == SS_OK)
            resp_add_bulk(ctx->out, m.data, m.len);
        zpicker_release(&p);
    } else if (count < 0 || count == 1) {
        long long n = count < 0 ? -count : 1;
        if (n > ss_coll_repeat_max) {
            ss_reply_err(ctx->out, RERR_RANGE);
            return;
        }
        rc = reply_picks(ctx, &z, n, withscores);
    } else {
        zresult res = {0};
        /* The whole set comes back from the highest score down, as Redis's. */
        bool whole = (uint64_t)count >= z.meta.count;
        if (whole) {
            zsrc src = {.k = z, .exists = true};
            rc = src_each(ctx, &src, collect_one, &res);
        } else {
            rc = sample_distinct(ctx, &z, (uint64_t)count, &res);
        }
        if (rc == SS_OK) {
            size_t n = res.members.n;
            resp_add_array_len(ctx->out, withscores && ctx->proto != RESP3 ? 2 * (long long)n : (long long)n);
            for (size_t i = 0; i < n; i++) {
                size_t j = whole ? n - 1 - i : i;
                emit_member(ctx, withscores, ss_strvec_at(&res.members, j), res.scores[j]);
            }
        }
        zresult_release(&res);
    }
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

const ss_command ss_cmds_zsetop[] = {
    SS_READ("zunion", -3, 0, ACL_SORTEDSET, zunionExec, .keys = {KEYNUM(1, KS_RO | KS_ACCESS)}, .getkeys = zopGetKeys),
    SS_READ("zinter", -3, 0, ACL_SORTEDSET, zinterExec, .keys = {KEYNUM(1, KS_RO | KS_ACCESS)}, .getkeys = zopGetKeys),
    SS_READ("zdiff", -3, 0, ACL_SORTEDSET, zdiffExec, .keys = {KEYNUM(1, KS_RO | KS_ACCESS)}, .getkeys = zopGetKeys),
    SS_READ("zintercard", -3, 0, ACL_SORTEDSET, zintercardExec, .keys = {KEYNUM(1, KS_RO | KS_ACCESS)}, .getkeys = zopGetKeys),
    SS_WRITE("zunionstore", -4, CMD_DENYOOM, ACL_SORTEDSET, zunionstoreExec, .prepare = zopstorePrepare,
             .keys = {KEY(1, KS_OW | KS_UPDATE), KEYNUM(2, KS_RO | KS_ACCESS)}, .getkeys = zopstoreGetKeys),
    SS_WRITE("zinterstore", -4, CMD_DENYOOM, ACL_SORTEDSET, zinterstoreExec, .prepare = zopstorePrepare,
             .keys = {KEY(1, KS_OW | KS_UPDATE), KEYNUM(2, KS_RO | KS_ACCESS)}, .getkeys = zopstoreGetKeys),
    SS_WRITE("zdiffstore", -4, CMD_DENYOOM, ACL_SORTEDSET, zdiffstoreExec, .prepare = zopstorePrepare,
             .keys = {KEY(1, KS_OW | KS_UPDATE), KEYNUM(2, KS_RO | KS_ACCESS)}, .getkeys = zopstoreGetKeys),
    SS_WRITE("zrangestore", -5, CMD_DENYOOM, ACL_SORTEDSET, zrangestoreExec, .prepare = zrangestorePrepare,
             .keys = {KEY(1, KS_OW | KS_UPDATE), KEY(2, KS_RO | KS_ACCESS)}),
    SS_READ("zrandmember", -2, 0, ACL_SORTEDSET, zrandmemberExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
};
SS_COUNT(ss_cmds_zsetop);

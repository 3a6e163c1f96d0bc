/* Sorted set ranges: score and lex bounds as Redis parses them, rank clamping, and walks over the score order. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands/zset.h"

/* "(1.5" exclusive, "1.5", "-inf", "+inf", as Redis's zslParseRange. */
static bool parse_score_bound(const char *s, size_t len, double *v, bool *ex)
{
    *ex = len > 0 && s[0] == '(';
    if (*ex) {
        s++;
        len--;
    }
    /* Like Redis's strtod use: "" and "(" read as 0. */
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end == s + len && !isnan(*v);
}

static bool parse_lex_bound(const char *s, size_t len, lexitem *it)
{
    if (len == 1 && s[0] == '+')
        it->kind = LEX_POSINF;
    else if (len == 1 && s[0] == '-')
        it->kind = LEX_NEGINF;
    else if (len >= 1 && (s[0] == '(' || s[0] == '['))
        it->kind = s[0] == '(' ? LEX_EXCL : LEX_INCL;
    else
        return false;
    it->s = s + 1;
    it->len = len - 1;
    return true;
}

static int lex_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static bool lex_gte_min(const lexitem *min, const char *m, size_t mlen)
{
    if (min->kind == LEX_NEGINF)
        return true;
    if (min->kind == LEX_POSINF)
        return false;
    int c = lex_cmp(m, mlen, min->s, min->len);
    return min->kind == LEX_EXCL ? c > 0 : c >= 0;
}

static bool lex_lte_max(const lexitem *max, const char *m, size_t mlen)
{
    if (max->kind == LEX_POSINF)
        return true;
    if (max->kind == LEX_NEGINF)
        return false;
    int c = lex_cmp(m, mlen, max->s, max->len);
    return max->kind == LEX_EXCL ? c < 0 : c <= 0;
}

static bool score_gte_min(const zrange *r, double s) { return r->minex ? s > r->min : s >= r->min; }
static bool score_lte_max(const zrange *r, double s) { return r->maxex ? s < r->max : s <= r->max; }

/* Whether a score or lex range can hold anything at all (zslIsInRange's first test). */
bool zset_range_possible(const zrange *r)
{
    if (r->by == BY_SCORE)
        return !(r->min > r->max || (r->min == r->max && (r->minex || r->maxex)));
    if (r->by == BY_LEX) {
        const lexitem *a = &r->lmin, *b = &r->lmax;
        if (a->kind == LEX_POSINF || b->kind == LEX_NEGINF)
            return false;
        if (a->kind == LEX_NEGINF || b->kind == LEX_POSINF)
            return true;
        int c = lex_cmp(a->s, a->len, b->s, b->len);
        return !(c > 0 || (c == 0 && (a->kind == LEX_EXCL || b->kind == LEX_EXCL)));
    }
    return true;
}

static bool zw_decode(zwalk *w)
{
    if (!ss_ks_subiter_valid(w->it))
        return false;
    ss_slice s = ss_ks_subiter_sub(w->it);
    if (s.len < 9 || s.data[0] != 's')
        return false;
    w->score = ss_decode_double((const unsigned char *)s.data + 1);
    w->member = s.data + 9;
    w->mlen = s.len - 9;
    return true;
}

static void zw_step(zwalk *w)
{
    if (w->r->rev)
        ss_ks_subiter_prev(w->it);
    else
        ss_ks_subiter_next(w->it);
}

/* Whether the current element is past the start of the range (the seek may
 * land on a neighbour: an exclusive bound, an empty member). */
static bool zw_before_start(const zwalk *w)
{
    const zrange *r = w->r;
    if (r->by == BY_SCORE)
        return r->rev ? !score_lte_max(r, w->score) : !score_gte_min(r, w->score);
    if (r->by == BY_LEX)
        return r->rev ? !lex_lte_max(&r->lmax, w->member, w->mlen)
                      : !lex_gte_min(&r->lmin, w->member, w->mlen);
    return false;
}

static bool zw_in_range(const zwalk *w)
{
    const zrange *r = w->r;
    if (r->by == BY_SCORE)
        return r->rev ? score_gte_min(r, w->score) : score_lte_max(r, w->score);
    if (r->by == BY_LEX)
        return r->rev ? lex_gte_min(&r->lmin, w->member, w->mlen)
                      : lex_lte_max(&r->lmax, w->member, w->mlen);
    return w->left > 0;
}

/* The current element if it is in range. */
bool zset_walk_valid(zwalk *w)
{
    return zw_decode(w) && zw_in_range(w);
}

void zset_walk_next(zwalk *w)
{
    zw_step(w);
    if (w->r->by == BY_RANK)
        w->left--;
}

static void score_mid(double v, bool succ, unsigned char out[8])
{
    ss_encode_double(v, out);
    if (succ) /* the first encoding above v: never overflows, NaN sits above +inf */
        ss_encode_u64_be(ss_decode_u64_be(out) + 1, out);
}

/* The first or last score of the set (which the lex seeks need). */
static bool edge_score(ss_ks_subiter *it, bool last, double *score)
{
    if (last)
        ss_ks_subiter_seek_last(it);
    else
        zset_seek(it, 's', NULL, NULL, 0, false);
    if (!ss_ks_subiter_valid(it))
        return false;
    ss_slice s = ss_ks_subiter_sub(it);
    if (s.len < 9 || s.data[0] != 's')
        return false;
    *score = ss_decode_double((const unsigned char *)s.data + 1);
    return true;
}

/* Positions a walk at the first element of r (rank ranges skip r->start). */
int zset_walk_start(ss_exec_ctx *ctx, const ss_key *z, const zrange *r, zwalk *w)
{
    memset(w, 0, sizeof *w);
    w->r = r;
    int rc = ss_ks_subiter_new(ctx->txn, z->db, z->name, z->len, z->meta.version, &w->it);
    if (rc != SS_OK)
        return rc;
    unsigned char mid[8];
    double edge;
    switch (r->by) {
    case BY_RANK:
        if (r->rev)
            ss_ks_subiter_seek_last(w->it);
        else
            zset_seek(w->it, 's', NULL, NULL, 0, false);
        for (long long i = 0; i < r->start && ss_ks_subiter_valid(w->it); i++)
            zw_step(w);
        w->left = r->end - r->start + 1;
        return SS_OK;
    case BY_SCORE:
        if (r->rev) {
            score_mid(r->max, !r->maxex, mid);
            zset_seek(w->it, 's', mid, NULL, 0, true);
        } else {
            score_mid(r->min, r->minex, mid);
            zset_seek(w->it, 's', mid, NULL, 0, false);
        }
        break;
    default: /* BY_LEX: members of equal scores, so seek within the edge score */
        if (!r->rev && r->lmin.kind == LEX_NEGINF) {
            zset_seek(w->it, 's', NULL, NULL, 0, false);
        } else if (r->rev && r->lmax.kind == LEX_POSINF) {
            ss_ks_subiter_seek_last(w->it);
        } else if (edge_score(w->it, r->rev, &edge)) {
            ss_encode_double(edge, mid);
            const lexitem *b = r->rev ? &r->lmax : &r->lmin;
            zset_seek(w->it, 's', mid, b->s, b->len, r->rev);
        }
        break;
    }
    while (zw_decode(w) && zw_before_start(w))
        zw_step(w);
    return SS_OK;
}

/* Parses min and max of a score or lex range; returns -1 or the error. */
int zset_parse_bounds(const ss_args *a, int minidx, int maxidx, zrange *r)
{
    if (r->by == BY_SCORE) {
        if (!parse_score_bound(a->argv[minidx], a->argvlen[minidx], &r->min, &r->minex) ||
            !parse_score_bound(a->argv[maxidx], a->argvlen[maxidx], &r->max, &r->maxex))
            return RERR_ZRANGE_FLOAT;
    } else if (r->by == BY_LEX) {
        if (!parse_lex_bound(a->argv[minidx], a->argvlen[minidx], &r->lmin) ||
            !parse_lex_bound(a->argv[maxidx], a->argvlen[maxidx], &r->lmax))
            return RERR_ZRANGE_LEX;
    } else {
        if (!ss_parse_ll(a->argv[minidx], a->argvlen[minidx], &r->start) ||
            !ss_parse_ll(a->argv[maxidx], a->argvlen[maxidx], &r->end))
            return RERR_NOTINT;
    }
    return -1;
}

/* Clamps a rank range to a set of n members like Redis; false if empty. */
bool zset_rank_normalize(zrange *r, long long n)
{
    if (r->start < 0)
        r->start += n;
    if (r->end < 0)
        r->end += n;
    if (r->start < 0)
        r->start = 0;
    if (r->start > r->end || r->start >= n)
        return false;
    if (r->end >= n)
        r->end = n - 1;
    return true;
}

/*
 * The ZRANGE family, as Redis's zrangeGenericCommand parses it from argument
 * 4 on (min and max at 2 and 3): by (-1: chosen by BYSCORE/BYLEX), dir (-1:
 * REV allowed, 0 forward, 1 reverse); store (ZRANGESTORE, whose arguments
 * are passed shifted by one) refuses WITHSCORES. Returns -1 or the error to
 * reply.
 */
int zset_range_parse(const ss_args *a, int by, int dir, bool store, zrange_req *q)
{
    memset(q, 0, sizeof *q);
    q->limit = -1;
    for (int j = 4; j < a->argc; j++) {
        int left = a->argc - j - 1;
        if (!store && ss_arg_is(a, j, "withscores")) {
            q->withscores = true;
        } else if (ss_arg_is(a, j, "limit") && left >= 2) {
            if (!ss_parse_ll(a->argv[j + 1], a->argvlen[j + 1], &q->offset) ||
                !ss_parse_ll(a->argv[j + 2], a->argvlen[j + 2], &q->limit))
                return RERR_NOTINT;
            j += 2;
        } else if (dir == -1 && ss_arg_is(a, j, "rev")) {
            dir = 1;
        } else if (by == -1 && ss_arg_is(a, j, "bylex")) {
            by = BY_LEX;
        } else if (by == -1 && ss_arg_is(a, j, "byscore")) {
            by = BY_SCORE;
        } else {
            return RERR_SYNTAX;
        }
    }
    q->r.by = by == -1 ? BY_RANK : by;
    q->r.rev = dir == 1;
    if (q->limit != -1 && q->r.by == BY_RANK)
        return RERR_ZRANGE_LIMIT;
    if (q->withscores && q->r.by == BY_LEX)
        return RERR_ZRANGE_LEX_WITHSCORES;
    /* Reverse score and lex ranges are given as max, min. */
    bool swap = q->r.rev && q->r.by != BY_RANK;
    return zset_parse_bounds(a, swap ? 3 : 2, swap ? 2 : 3, &q->r);
}

/* Calls cb on each element of q's range of z (LIMIT applied), in order. */
int zset_range_each(ss_exec_ctx *ctx, const ss_key *z, zrange_req *q, zset_each_fn cb, void *ud)
{
    zrange *r = &q->r;
    if (!zset_range_possible(r) ||
        (r->by == BY_RANK && !zset_rank_normalize(r, (long long)z->meta.count)) ||
        (r->by != BY_RANK && (q->offset < 0 || (q->offset > 0 && (uint64_t)q->offset >= z->meta.count))))
        return SS_OK;
    zwalk w;
    int rc = zset_walk_start(ctx, z, r, &w);
    if (rc != SS_OK)
        return rc;
    for (long long i = 0; r->by != BY_RANK && i < q->offset && zset_walk_valid(&w); i++)
        zset_walk_next(&w);
    for (long long lim = q->limit; rc == SS_OK && lim != 0 && zset_walk_valid(&w); lim--, zset_walk_next(&w))
        rc = cb(ud, w.member, w.mlen, w.score);
    ss_ks_subiter_free(w.it);
    return rc;
}

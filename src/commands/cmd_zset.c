/* Sorted set commands. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "common/config.h"

/*
 * Layout: two sub-key spaces per sorted set (meta.count = members).
 *   'm' hash64(member) member  -> ss_encode_double(score)
 *   's' ss_encode_double(score) member -> ""
 * The 's' space is the ordering Redis uses (score, then member bytes), so
 * ranges by score and lex are one seek plus the elements returned; ranks
 * are walks from the nearer end: O(rank). The 'm' space answers ZSCORE in
 * one get and orders members by a fixed hash so ZSCAN cursors (the next
 * hash) survive inserts and deletes. The hash is part of the on-disk
 * format: never change it.
 *
 * Scores are stored with -0 folded into +0 (as Redis's small sorted sets
 * reply "0"), so the two spaces agree bit for bit.
 */

#define ZSCAN_SMALL 128  /* up to this size ZSCAN replies everything at once, as Redis's listpacks */

/* A sorted set is opened as an ss_key (ss_key_open with SS_TYPE_ZSET); its
 * count is kept in meta.count and ss_key_save deletes it once empty. */

/* ------------------------------------------------------------------ sub-keys */

static uint64_t member_hash(const char *m, size_t len)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a, then a splitmix64 finish */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)m[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

/* A sub-key: a tag byte, 8 bytes of hash or score, then the member. */
typedef struct zkey {
    unsigned char inl[128];
    unsigned char *p;
    size_t len;
} zkey;

static int zk_build(zkey *k, char tag, const unsigned char mid[8], const char *m, size_t mlen)
{
    k->len = 9 + mlen;
    k->p = k->len <= sizeof k->inl ? k->inl : malloc(k->len);
    if (k->p == NULL)
        return SS_ENOMEM;
    k->p[0] = (unsigned char)tag;
    memcpy(k->p + 1, mid, 8);
    if (mlen)
        memcpy(k->p + 9, m, mlen);
    return SS_OK;
}

static int zk_member(zkey *k, const char *m, size_t mlen)
{
    unsigned char h[8];
    ss_encode_u64_be(member_hash(m, mlen), h);
    return zk_build(k, 'm', h, m, mlen);
}

static int zk_score(zkey *k, double score, const char *m, size_t mlen)
{
    unsigned char s[8];
    ss_encode_double(score, s);
    return zk_build(k, 's', s, m, mlen);
}

static void zk_release(zkey *k)
{
    if (k->p != k->inl)
        free(k->p);
}

/* A member's score: SS_FOUND with *score, SS_MISSING, or SS_REPLIED. */
static ss_lookup zscore_get(ss_exec_ctx *ctx, const ss_key *z, const char *m, size_t mlen, double *score)
{
    zkey k;
    int rc = zk_member(&k, m, mlen);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return SS_REPLIED;
    }
    ss_slice v;
    ss_lookup has = ss_key_element(ctx, z, k.p, k.len, &v);
    zk_release(&k);
    if (has == SS_FOUND && v.len != 8) {
        ss_exec_fail(ctx, SS_ECORRUPT);
        return SS_REPLIED;
    }
    if (has == SS_FOUND)
        *score = ss_decode_double((const unsigned char *)v.data);
    return has;
}

/* Sets a member's score (had: it existed with score old), keeping count. */
static int zscore_put(ss_exec_ctx *ctx, ss_key *z, const char *m, size_t mlen, bool had, double old,
                      double score)
{
    zkey mk, sk;
    unsigned char v[8];
    int rc;
    if (had) {
        if (old == score)
            return SS_OK;
        if ((rc = zk_score(&sk, old, m, mlen)) != SS_OK)
            return rc;
        rc = ss_ks_sub_del(ctx->txn, z->db, z->name, z->len, z->meta.version, sk.p, sk.len);
        zk_release(&sk);
        if (rc != SS_OK)
            return rc;
    }
    ss_encode_double(score, v);
    if ((rc = zk_member(&mk, m, mlen)) != SS_OK)
        return rc;
    rc = ss_ks_sub_put(ctx->txn, z->db, z->name, z->len, z->meta.version, mk.p, mk.len, v, 8);
    zk_release(&mk);
    if (rc != SS_OK || (rc = zk_score(&sk, score, m, mlen)) != SS_OK)
        return rc;
    rc = ss_ks_sub_put(ctx->txn, z->db, z->name, z->len, z->meta.version, sk.p, sk.len, "", 0);
    zk_release(&sk);
    if (rc == SS_OK && !had)
        z->meta.count++;
    return rc;
}

/* Removes a member known to have this score. Copies the member into its
 * keys first, so it may point into an iterator on the deleted keys. */
static int zmember_del(ss_exec_ctx *ctx, ss_key *z, const char *m, size_t mlen, double score)
{
    zkey mk, sk;
    int rc = zk_member(&mk, m, mlen);
    if (rc != SS_OK)
        return rc;
    if ((rc = zk_score(&sk, score, m, mlen)) != SS_OK) {
        zk_release(&mk);
        return rc;
    }
    rc = ss_ks_sub_del(ctx->txn, z->db, z->name, z->len, z->meta.version, mk.p, mk.len);
    if (rc == SS_OK)
        rc = ss_ks_sub_del(ctx->txn, z->db, z->name, z->len, z->meta.version, sk.p, sk.len);
    zk_release(&mk);
    zk_release(&sk);
    if (rc == SS_OK && z->meta.count > 0)
        z->meta.count--;
    return rc;
}

/* ------------------------------------------------------------------ ranges */

enum { BY_RANK, BY_SCORE, BY_LEX };
enum { LEX_NEGINF, LEX_POSINF, LEX_INCL, LEX_EXCL };

typedef struct lexitem {
    int kind;
    const char *s;
    size_t len;
} lexitem;

typedef struct zrange {
    int by;
    bool rev;
    double min, max;       /* BY_SCORE */
    bool minex, maxex;
    lexitem lmin, lmax;    /* BY_LEX */
    long long start, end;  /* BY_RANK, normalized: 0 <= start <= end < card */
} zrange;

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
static bool range_possible(const zrange *r)
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

/* A walk over the 's' space in range order. */
typedef struct zwalk {
    ss_ks_subiter *it;
    const zrange *r;
    long long left;  /* BY_RANK: elements still to give */
    const char *member;
    size_t mlen;
    double score;
} zwalk;

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
static bool zw_valid(zwalk *w)
{
    return zw_decode(w) && zw_in_range(w);
}

static void zw_next(zwalk *w)
{
    zw_step(w);
    if (w->r->by == BY_RANK)
        w->left--;
}

static void seek_tag(ss_ks_subiter *it, char tag, const unsigned char *mid, const char *m, size_t mlen,
                     bool for_prev)
{
    zkey k;
    unsigned char zero[8] = {0};
    if (zk_build(&k, tag, mid ? mid : zero, m, mlen) != SS_OK) {
        ss_ks_subiter_seek_last(it); /* out of memory: seek somewhere harmless */
        return;
    }
    size_t len = mid ? k.len : 1;
    if (for_prev)
        ss_ks_subiter_seek_for_prev(it, k.p, len);
    else
        ss_ks_subiter_seek(it, k.p, len);
    zk_release(&k);
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
        seek_tag(it, 's', NULL, NULL, 0, false);
    if (!ss_ks_subiter_valid(it))
        return false;
    ss_slice s = ss_ks_subiter_sub(it);
    if (s.len < 9 || s.data[0] != 's')
        return false;
    *score = ss_decode_double((const unsigned char *)s.data + 1);
    return true;
}

/* Positions a walk at the first element of r (rank ranges skip r->start). */
static int zw_start(ss_exec_ctx *ctx, const ss_key *z, const zrange *r, zwalk *w)
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
            seek_tag(w->it, 's', NULL, NULL, 0, false);
        for (long long i = 0; i < r->start && ss_ks_subiter_valid(w->it); i++)
            zw_step(w);
        w->left = r->end - r->start + 1;
        return SS_OK;
    case BY_SCORE:
        if (r->rev) {
            score_mid(r->max, !r->maxex, mid);
            seek_tag(w->it, 's', mid, NULL, 0, true);
        } else {
            score_mid(r->min, r->minex, mid);
            seek_tag(w->it, 's', mid, NULL, 0, false);
        }
        break;
    default: /* BY_LEX: members of equal scores, so seek within the edge score */
        if (!r->rev && r->lmin.kind == LEX_NEGINF) {
            seek_tag(w->it, 's', NULL, NULL, 0, false);
        } else if (r->rev && r->lmax.kind == LEX_POSINF) {
            ss_ks_subiter_seek_last(w->it);
        } else if (edge_score(w->it, r->rev, &edge)) {
            ss_encode_double(edge, mid);
            const lexitem *b = r->rev ? &r->lmax : &r->lmin;
            seek_tag(w->it, 's', mid, b->s, b->len, r->rev);
        }
        break;
    }
    while (zw_decode(w) && zw_before_start(w))
        zw_step(w);
    return SS_OK;
}

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
        ss_lookup has = zscore_get(ctx, &z, m, mlen, &cur);
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
        if ((rc = zscore_put(ctx, &z, m, mlen, had, cur, score)) != SS_OK)
            break;
    }
    if (rc == SS_OK && (added || updated))
        rc = ss_key_save(ctx, &z);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
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
        ss_lookup has = zscore_get(ctx, &z, a->argv[i], a->argvlen[i], &score);
        if (has == SS_REPLIED)
            return;
        if (has == SS_FOUND && (rc = zmember_del(ctx, &z, a->argv[i], a->argvlen[i], score)) == SS_OK)
            removed++;
    }
    if (rc == SS_OK && removed)
        rc = ss_key_save(ctx, &z);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, removed);
}

static void zscoreExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    double score;
    ss_lookup has = found == SS_FOUND ? zscore_get(ctx, &z, a->argv[2], a->argvlen[2], &score) : found;
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
        ss_lookup has = found == SS_FOUND ? zscore_get(ctx, &z, a->argv[i], a->argvlen[i], &score) : found;
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
    ss_lookup has = found == SS_FOUND ? zscore_get(ctx, &z, a->argv[2], a->argvlen[2], &score) : found;
    if (has == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
    if (has != SS_FOUND)
        return;
    int rc;
    zkey k;
    ss_ks_subiter *it = NULL;
    if ((rc = zk_score(&k, score, a->argv[2], a->argvlen[2])) != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    if ((rc = ss_ks_subiter_new(ctx->txn, z.db, z.name, z.len, z.meta.version, &it)) != SS_OK) {
        zk_release(&k);
        ss_exec_fail(ctx, rc);
        return;
    }
    long long rank = 0;
    if (rev)
        ss_ks_subiter_seek_last(it);
    else
        seek_tag(it, 's', NULL, NULL, 0, false);
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
    zk_release(&k);
    if (ok)
        resp_add_int(ctx->out, rank);
    else
        ss_exec_fail(ctx, SS_ECORRUPT);
}

static void zrankExec(ss_exec_ctx *ctx, const ss_args *a) { rank_generic(ctx, a, false); }
static void zrevrankExec(ss_exec_ctx *ctx, const ss_args *a) { rank_generic(ctx, a, true); }

/* ------------------------------------------------------------------ range parsing */

/* Parses min and max of a score or lex range; returns -1 or the error. */
static int parse_range_bounds(const ss_args *a, int minidx, int maxidx, zrange *r)
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
static bool rank_normalize(zrange *r, long long n)
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

typedef struct zrange_req {
    zrange r;
    bool withscores;
    long long offset, limit;
} zrange_req;

/*
 * The ZRANGE family, as Redis's zrangeGenericCommand parses it: by (-1:
 * chosen by BYSCORE/BYLEX), dir (-1: REV allowed, 0 forward, 1 reverse).
 * Returns -1 or the error to reply.
 */
static int zrange_parse(const ss_args *a, int by, int dir, zrange_req *q)
{
    memset(q, 0, sizeof *q);
    q->limit = -1;
    for (int j = 4; j < a->argc; j++) {
        int left = a->argc - j - 1;
        if (ss_arg_is(a, j, "withscores")) {
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
    return parse_range_bounds(a, swap ? 3 : 2, swap ? 2 : 3, &q->r);
}

static void zrange_reply(ss_exec_ctx *ctx, const ss_args *a, int by, int dir)
{
    zrange_req q;
    int err = zrange_parse(a, by, dir, &q);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    zrange *r = &q.r;
    if (found == SS_MISSING || !range_possible(r) ||
        (r->by == BY_RANK && !rank_normalize(r, (long long)z.meta.count)) ||
        (r->by != BY_RANK && (q.offset < 0 || (q.offset > 0 && (uint64_t)q.offset >= z.meta.count)))) {
        resp_add_shared(ctx->out, RESP_SH_EMPTYARRAY);
        return;
    }
    zwalk w;
    int rc = zw_start(ctx, &z, r, &w);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    for (long long i = 0; r->by != BY_RANK && i < q.offset && zw_valid(&w); i++)
        zw_next(&w);
    ss_buf items;
    ss_buf_init(&items, 0);
    long long n = 0;
    for (long long lim = q.limit; lim != 0 && zw_valid(&w); lim--, zw_next(&w)) {
        emit(&items, ctx->proto, q.withscores, w.member, w.mlen, w.score);
        n++;
    }
    ss_ks_subiter_free(w.it);
    emit_header(ctx->out, ctx->proto, q.withscores, n);
    resp_add_raw(ctx->out, ss_buf_data(&items), ss_buf_len(&items));
    if (ss_buf_error(&items) != SS_OK)
        ss_exec_fail(ctx, ss_buf_error(&items));
    ss_buf_release(&items);
}

static void zrangeExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, -1, -1); }
static void zrevrangeExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_RANK, 1); }
static void zrangebyscoreExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_SCORE, 0); }
static void zrevrangebyscoreExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_SCORE, 1); }
static void zrangebylexExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_LEX, 0); }
static void zrevrangebylexExec(ss_exec_ctx *ctx, const ss_args *a) { zrange_reply(ctx, a, BY_LEX, 1); }

static void zcountExec(ss_exec_ctx *ctx, const ss_args *a)
{
    zrange r = {.by = ss_arg_is(a, 0, "zlexcount") ? BY_LEX : BY_SCORE};
    int err = parse_range_bounds(a, 2, 3, &r);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    long long n = 0;
    if (found == SS_FOUND && range_possible(&r)) {
        zwalk w;
        int rc = zw_start(ctx, &z, &r, &w);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
        for (; zw_valid(&w); zw_next(&w))
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
    while (rc == SS_OK && *removed < max && zw_valid(w)) {
        if (out)
            emit(out, ctx->proto, withscores, w->member, w->mlen, w->score);
        /* The walk keeps its own copy of its position, so deleting the
         * element under it and then stepping is safe. */
        rc = zmember_del(ctx, z, w->member, w->mlen, w->score);
        (*removed)++;
        zw_next(w);
    }
    return rc;
}

static void zremrange_generic(ss_exec_ctx *ctx, const ss_args *a, int by)
{
    zrange r = {.by = by};
    int err = parse_range_bounds(a, 2, 3, &r);
    if (err >= 0) {
        ss_reply_err(ctx->out, (ss_reply_err_code)err);
        return;
    }
    ss_key z;
    ss_lookup found = ss_key_open(ctx, a, 1, SS_TYPE_ZSET, &z);
    if (found == SS_REPLIED)
        return;
    if (found == SS_MISSING || !range_possible(&r) ||
        (by == BY_RANK && !rank_normalize(&r, (long long)z.meta.count))) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    zwalk w;
    long long removed = 0;
    int rc = zw_start(ctx, &z, &r, &w);
    if (rc == SS_OK) {
        rc = remove_walk(ctx, &z, &w, LLONG_MAX, NULL, false, &removed);
        ss_ks_subiter_free(w.it);
    }
    if (rc == SS_OK && removed)
        rc = ss_key_save(ctx, &z);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, removed);
}

/* Range syntax is checked on the receiving node too, keeping bad ranges out of the log. */
static bool zremrangePrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    zrange r = {.by = ss_arg_is(a, 0, "zremrangebyrank") ? BY_RANK
                    : ss_arg_is(a, 0, "zremrangebyscore") ? BY_SCORE : BY_LEX};
    int err = parse_range_bounds(a, 2, 3, &r);
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
    int rc = zw_start(ctx, &z, &r, &w);
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
        if (zw_valid(&w)) {
            resp_add_bulk(out, w.member, w.mlen);
            resp_add_double(out, ctx->proto, w.score);
            rc = remove_walk(ctx, &z, &w, 1, NULL, false, &removed);
        }
    }
    ss_ks_subiter_free(w.it);
    if (rc == SS_OK && removed != count)
        rc = SS_ECORRUPT;
    if (rc == SS_OK)
        rc = ss_key_save(ctx, &z);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
}

static void zpopminExec(ss_exec_ctx *ctx, const ss_args *a) { zpop_generic(ctx, a, false); }
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
        seek_tag(it, 's', NULL, NULL, 0, false);
    else
        seek_tag(it, 'm', h, NULL, 0, false);
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
    SS_WRITE("zpopmin", -2, CMD_FAST, ACL_SORTEDSET, zpopminExec, .prepare = zpopPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE)}),
    SS_WRITE("zpopmax", -2, CMD_FAST, ACL_SORTEDSET, zpopmaxExec, .prepare = zpopPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_DELETE)}),
    SS_WRITE("zremrangebyrank", 4, 0, ACL_SORTEDSET, zremrangebyrankExec, .prepare = zremrangePrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_WRITE("zremrangebyscore", 4, 0, ACL_SORTEDSET, zremrangebyscoreExec, .prepare = zremrangePrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_WRITE("zremrangebylex", 4, 0, ACL_SORTEDSET, zremrangebylexExec, .prepare = zremrangePrepare, .keys = {KEY(1, KS_RW | KS_DELETE)}),
    SS_READ("zscan", -3, 0, ACL_SORTEDSET, zscanExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
};
SS_COUNT(ss_cmds_zset);

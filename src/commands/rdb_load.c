/* RESTORE's loader: a payload's value (rdbLoadObject) for strings and for the collection types Redis 7.0 dumps, listpacks and intsets included, every length checked against the bytes present. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/numbers.h"
#include "commands/rdb.h"
#include "store/keyspace.h"

/* The decoded elements and what they may still take of max. */
typedef struct loader {
    ss_rdb_reader r;
    ss_rdb_value *v;
    size_t left;
} loader;

/* One element (a copy of s) into the value, charged to the budget. */
static ss_rdb_status push(loader *l, const void *s, size_t n)
{
    if (n > l->left)
        return SS_RDB_TOOBIG;
    l->left -= n;
    return ss_strvec_push(&l->v->items, s, n) == SS_OK ? SS_RDB_OK : SS_RDB_NOMEM;
}

static ss_rdb_status push_score(loader *l, double score)
{
    ss_rdb_value *v = l->v;
    if (isnan(score))
        return SS_RDB_BAD; /* "Zset with NAN score detected" */
    if (v->nscores == v->scap) {
        size_t nc = v->scap ? v->scap * 2 : 16;
        double *s = realloc(v->scores, nc * sizeof *s);
        if (!s)
            return SS_RDB_NOMEM;
        v->scores = s;
        v->scap = nc;
    }
    v->scores[v->nscores++] = score;
    return SS_RDB_OK;
}

/* An RDB string, charged to the budget, malloc'd into *s. */
static ss_rdb_status get_string(loader *l, char **s, size_t *n)
{
    uint64_t len;
    if (!ss_rdb_peek_string_len(&l->r, &len))
        return SS_RDB_BAD;
    if (len > l->left)
        return SS_RDB_TOOBIG;
    if (!ss_rdb_get_string(&l->r, l->left, s, n))
        return SS_RDB_BAD;
    return SS_RDB_OK;
}

/* An RDB string pushed as one element. */
static ss_rdb_status load_element(loader *l)
{
    char *s;
    size_t n;
    ss_rdb_status st = get_string(l, &s, &n);
    if (st == SS_RDB_OK) {
        st = push(l, s, n);
        free(s);
    }
    return st;
}

/* ------------------------------------------------------------- listpacks */

static uint64_t le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

typedef ss_lp_entry lp_entry;

bool ss_lp_next(const unsigned char **pp, const unsigned char *end, lp_entry *e)
{
    const unsigned char *p = *pp;
    size_t avail = (size_t)(end - p), hdr, len = 0;
    int64_t iv = 0;
    bool isint = true;
    if (avail < 1)
        return false;
    unsigned char b = p[0];
    if ((b & 0x80) == 0) {
        hdr = 1;
        iv = b & 0x7f;
    } else if ((b & 0xc0) == 0x80) {
        hdr = 1;
        len = b & 0x3f;
        isint = false;
    } else if ((b & 0xe0) == 0xc0) {
        if (avail < 2)
            return false;
        hdr = 2;
        uint64_t u = (uint64_t)(b & 0x1f) << 8 | p[1];
        iv = u >= (1u << 12) ? (int64_t)u - (1 << 13) : (int64_t)u;
    } else if ((b & 0xf0) == 0xe0) {
        if (avail < 2)
            return false;
        hdr = 2;
        len = (size_t)(b & 0x0f) << 8 | p[1];
        isint = false;
    } else if (b == 0xf0) {
        if (avail < 5)
            return false;
        hdr = 5;
        len = (size_t)le(p + 1, 4);
        isint = false;
    } else if (b >= 0xf1 && b <= 0xf4) {
        static const int widths[] = {2, 3, 4, 8};
        int w = widths[b - 0xf1];
        if (avail < (size_t)w + 1)
            return false;
        hdr = (size_t)w + 1;
        uint64_t u = le(p + 1, w);
        if (w < 8 && (u >> (8 * w - 1)) & 1) /* sign-extend */
            u |= ~0ULL << (8 * w);
        iv = (int64_t)u;
    } else {
        return false; /* 0xf5..0xfe are unused; 0xff ends the listpack */
    }
    if (len > avail - hdr)
        return false;
    size_t entry = hdr + len;
    /* lpEncodeBacklen's bounds (an entry of 16383 bytes takes 3) */
    size_t backlen = entry <= 127 ? 1 : entry < 16383 ? 2 : entry < 2097151 ? 3 : entry < 268435455 ? 4 : 5;
    if (avail - entry < backlen)
        return false;
    e->isint = isint;
    e->iv = iv;
    if (isint) {
        e->n = (size_t)snprintf(e->num, sizeof e->num, "%lld", (long long)iv);
        e->s = e->num;
    } else {
        e->s = (const char *)p + hdr;
        e->n = len;
    }
    *pp = p + entry + backlen;
    return true;
}

/* Every entry of listpack lp (n bytes) pushed as an element; *count how many. */
static ss_rdb_status load_listpack(loader *l, const char *lp, size_t n, size_t *count)
{
    const unsigned char *p = (const unsigned char *)lp;
    /* lpValidateIntegrity's header: total bytes, element count, 0xff last. */
    if (n < 7 || le(p, 4) != n || p[n - 1] != 0xff)
        return SS_RDB_BAD;
    uint64_t declared = le(p + 4, 2);
    const unsigned char *end = p + n - 1;
    *count = 0;
    for (p += 6; p < end;) {
        lp_entry e;
        if (!ss_lp_next(&p, end, &e))
            return SS_RDB_BAD;
        ss_rdb_status st = push(l, e.s, e.n);
        if (st != SS_RDB_OK)
            return st;
        ++*count;
    }
    if (declared != 65535 && declared != *count) /* 65535: "unknown" */
        return SS_RDB_BAD;
    return SS_RDB_OK;
}

/* A listpack string element; *count its entries. The caller checks shape. */
static ss_rdb_status load_listpack_string(loader *l, size_t *count)
{
    char *lp;
    size_t n;
    ss_rdb_status st = get_string(l, &lp, &n);
    if (st != SS_RDB_OK)
        return st;
    st = load_listpack(l, lp, n, count);
    free(lp);
    return st;
}

/* ------------------------------------------------------------ the types */

/* A length-prefixed run of elements (LIST, SET, HASH: pairs). */
static ss_rdb_status load_plain(loader *l, int per)
{
    uint64_t len;
    if (!ss_rdb_get_len(&l->r, &len) || len == 0)
        return SS_RDB_BAD;
    /* Each element takes at least one byte: a bound before any allocation. */
    if (len > (uint64_t)(l->r.end - l->r.p))
        return SS_RDB_BAD;
    ss_rdb_status st = SS_RDB_OK;
    for (uint64_t i = 0; i < len * (uint64_t)per && st == SS_RDB_OK; i++)
        st = load_element(l);
    return st;
}

/* RDB_TYPE_ZSET (scores as text) and RDB_TYPE_ZSET_2 (binary doubles). */
static ss_rdb_status load_zset(loader *l, bool binary)
{
    uint64_t len;
    if (!ss_rdb_get_len(&l->r, &len) || len == 0 || len > (uint64_t)(l->r.end - l->r.p))
        return SS_RDB_BAD;
    for (uint64_t i = 0; i < len; i++) {
        ss_rdb_status st = load_element(l);
        if (st != SS_RDB_OK)
            return st;
        double score;
        if (binary) {
            if (l->r.end - l->r.p < 8)
                return SS_RDB_BAD;
            uint64_t bits = le(l->r.p, 8);
            memcpy(&score, &bits, sizeof score);
            l->r.p += 8;
        } else {
            /* rdbLoadDoubleValue: 253 nan, 254 +inf, 255 -inf, else text. */
            if (l->r.p >= l->r.end)
                return SS_RDB_BAD;
            unsigned n = *l->r.p++;
            if (n == 253) {
                score = NAN;
            } else if (n == 254 || n == 255) {
                score = n == 254 ? INFINITY : -INFINITY;
            } else {
                char buf[256];
                if ((size_t)(l->r.end - l->r.p) < n)
                    return SS_RDB_BAD;
                memcpy(buf, l->r.p, n);
                buf[n] = '\0';
                l->r.p += n;
                char *e;
                score = strtod(buf, &e);
                if (e != buf + n)
                    return SS_RDB_BAD;
            }
        }
        if ((st = push_score(l, score)) != SS_RDB_OK)
            return st;
    }
    return SS_RDB_OK;
}

/* RDB_TYPE_SET_INTSET: encoding (2, 4 or 8), count, then the integers. */
static ss_rdb_status load_intset(loader *l)
{
    char *is;
    size_t n;
    ss_rdb_status st = get_string(l, &is, &n);
    if (st != SS_RDB_OK)
        return st;
    const unsigned char *p = (const unsigned char *)is;
    uint64_t enc = n >= 8 ? le(p, 4) : 0, count = n >= 8 ? le(p + 4, 4) : 0;
    if ((enc != 2 && enc != 4 && enc != 8) || count == 0 || (n - 8) / enc != count || (n - 8) % enc) {
        free(is);
        return SS_RDB_BAD;
    }
    for (uint64_t i = 0; i < count && st == SS_RDB_OK; i++) {
        uint64_t u = le(p + 8 + i * enc, (int)enc);
        if (enc < 8 && (u >> (8 * enc - 1)) & 1)
            u |= ~0ULL << (8 * enc);
        char num[24];
        int len = snprintf(num, sizeof num, "%lld", (long long)(int64_t)u);
        st = push(l, num, (size_t)len);
    }
    free(is);
    return st;
}

/* RDB_TYPE_LIST_QUICKLIST_2: nodes, each PLAIN (one element) or PACKED (a listpack). */
static ss_rdb_status load_quicklist(loader *l)
{
    uint64_t nodes;
    if (!ss_rdb_get_len(&l->r, &nodes) || nodes > (uint64_t)(l->r.end - l->r.p))
        return SS_RDB_BAD;
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container;
        if (!ss_rdb_get_len(&l->r, &container))
            return SS_RDB_BAD;
        ss_rdb_status st;
        size_t count;
        if (container == 1) /* QUICKLIST_NODE_CONTAINER_PLAIN */
            st = load_element(l);
        else if (container == 2) /* PACKED; an empty listpack is skipped, as Redis does */
            st = load_listpack_string(l, &count);
        else
            st = SS_RDB_BAD;
        if (st != SS_RDB_OK)
            return st;
    }
    return l->v->items.n ? SS_RDB_OK : SS_RDB_BAD;
}

/* HASH_LISTPACK and ZSET_LISTPACK: pairs; a sorted set's second of each
 * pair is its score, parsed as Redis's zzlGetScore does. */
static ss_rdb_status load_pairs_listpack(loader *l, bool zset)
{
    size_t count;
    ss_rdb_status st = load_listpack_string(l, &count);
    if (st != SS_RDB_OK)
        return st;
    if (count == 0 || count % 2)
        return SS_RDB_BAD;
    if (!zset)
        return SS_RDB_OK;
    /* Fold the pairs into members and scores. */
    ss_strvec pairs = l->v->items;
    memset(&l->v->items, 0, sizeof l->v->items);
    for (size_t i = 0; i < pairs.n && st == SS_RDB_OK; i += 2) {
        ss_slice m = ss_strvec_at(&pairs, i), sc = ss_strvec_at(&pairs, i + 1);
        double score;
        if (!ss_parse_double(sc.data, sc.len, &score)) {
            st = SS_RDB_BAD;
            break;
        }
        if ((st = ss_strvec_push(&l->v->items, m.data, m.len) == SS_OK ? SS_RDB_OK : SS_RDB_NOMEM) == SS_RDB_OK)
            st = push_score(l, score);
    }
    ss_strvec_release(&pairs);
    return st;
}

/* ------------------------------------------------------------ distinctness */

static int cmp_slice_idx(const void *a, const void *b, void *ud)
{
    const ss_strvec *v = ud;
    return ss_slice_cmp(ss_strvec_at(v, *(const size_t *)a), ss_strvec_at(v, *(const size_t *)b));
}

/* Whether the elements at stride step (every one, or every field) are
 * distinct: sorted by index, then neighbours compared. */
static ss_rdb_status distinct(const ss_strvec *items, size_t step)
{
    size_t n = items->n / step;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return SS_RDB_NOMEM;
    for (size_t i = 0; i < n; i++)
        idx[i] = i * step;
    qsort_r(idx, n, sizeof *idx, cmp_slice_idx, (void *)items);
    ss_rdb_status st = SS_RDB_OK;
    for (size_t i = 1; i < n && st == SS_RDB_OK; i++)
        if (ss_slice_cmp(ss_strvec_at(items, idx[i - 1]), ss_strvec_at(items, idx[i])) == 0)
            st = SS_RDB_BAD;
    free(idx);
    return st;
}

/* ------------------------------------------------------------------ load */

ss_rdb_status ss_rdb_load_value(const void *p, size_t n, size_t max_string, size_t max, ss_rdb_value *v)
{
    memset(v, 0, sizeof *v);
    v->rdbtype = -1;
    loader l = {ss_rdb_reader_of(p, n), v, max};
    if (l.r.p >= l.r.end)
        return SS_RDB_BAD;
    v->rdbtype = *l.r.p++;
    ss_rdb_status st;
    switch (v->rdbtype) {
    case SS_RDB_TYPE_STRING:
        v->type = SS_TYPE_STRING;
        return ss_rdb_get_string(&l.r, max_string, &v->str, &v->len) ? SS_RDB_OK : SS_RDB_BAD;
    case SS_RDB_TYPE_LIST:
        v->type = SS_TYPE_LIST;
        return load_plain(&l, 1);
    case SS_RDB_TYPE_LIST_QUICKLIST_2:
        v->type = SS_TYPE_LIST;
        return load_quicklist(&l);
    case SS_RDB_TYPE_SET:
        v->type = SS_TYPE_SET;
        st = load_plain(&l, 1);
        return st == SS_RDB_OK ? distinct(&v->items, 1) : st;
    case SS_RDB_TYPE_SET_INTSET:
        v->type = SS_TYPE_SET;
        st = load_intset(&l);
        return st == SS_RDB_OK ? distinct(&v->items, 1) : st;
    case SS_RDB_TYPE_HASH:
    case SS_RDB_TYPE_HASH_LISTPACK:
        v->type = SS_TYPE_HASH;
        st = v->rdbtype == SS_RDB_TYPE_HASH ? load_plain(&l, 2) : load_pairs_listpack(&l, false);
        return st == SS_RDB_OK ? distinct(&v->items, 2) : st;
    case SS_RDB_TYPE_ZSET:
    case SS_RDB_TYPE_ZSET_2:
    case SS_RDB_TYPE_ZSET_LISTPACK:
        v->type = SS_TYPE_ZSET;
        st = v->rdbtype == SS_RDB_TYPE_ZSET_LISTPACK ? load_pairs_listpack(&l, true)
                                                      : load_zset(&l, v->rdbtype == SS_RDB_TYPE_ZSET_2);
        return st == SS_RDB_OK ? distinct(&v->items, 1) : st;
    case SS_RDB_TYPE_STREAM_LISTPACKS:
    case SS_RDB_TYPE_STREAM_LISTPACKS_2:
        v->type = SS_TYPE_STREAM;
        st = ss_rdb_load_stream(&l.r, &l.left, v);
        return st;
    default:
        return SS_RDB_UNSUPPORTED;
    }
}

void ss_rdb_value_release(ss_rdb_value *v)
{
    free(v->str);
    ss_strvec_release(&v->items);
    free(v->scores);
    ss_rdb_stream_free(v->stream);
    memset(v, 0, sizeof *v);
    v->rdbtype = -1;
}

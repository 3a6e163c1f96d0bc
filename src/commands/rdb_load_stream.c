/* RESTORE's loader for streams: Redis 7.0's RDB_TYPE_STREAM_LISTPACKS_2 (and 5.0-6.2's _LISTPACKS) payloads, entries in their listpack nodes, consumer groups, PELs and consumers, with the checks of Redis's loader and every length against the bytes present. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands/rdb.h"

/* t_stream.c's listpack entry flags. */
#define ITEM_DELETED 1
#define ITEM_SAMEFIELDS 2

typedef struct sloader {
    ss_rdb_reader *r;
    size_t *left; /* the decode budget */
    ss_rdb_value *v;
    ss_rdb_stream *s;
} sloader;

static int idcmp(uint64_t ams, uint64_t aseq, uint64_t bms, uint64_t bseq)
{
    if (ams != bms)
        return ams < bms ? -1 : 1;
    return aseq < bseq ? -1 : aseq > bseq;
}

static uint64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* A string pushed into items, charged to the budget; *idx its index. */
static ss_rdb_status push(sloader *l, const void *p, size_t n, size_t *idx)
{
    if (n > *l->left)
        return SS_RDB_TOOBIG;
    *l->left -= n;
    if (idx)
        *idx = l->v->items.n;
    return ss_strvec_push(&l->v->items, p, n) == SS_OK ? SS_RDB_OK : SS_RDB_NOMEM;
}

/* An RDB string, malloc'd (the budget bounds it). */
static ss_rdb_status get_string(sloader *l, char **s, size_t *n)
{
    uint64_t len;
    if (!ss_rdb_peek_string_len(l->r, &len))
        return SS_RDB_BAD;
    if (len > *l->left)
        return SS_RDB_TOOBIG;
    return ss_rdb_get_string(l->r, *l->left, s, n) ? SS_RDB_OK : SS_RDB_BAD;
}

static bool get_len(sloader *l, uint64_t *v) { return ss_rdb_get_len(l->r, v); }

/* rdbLoadMillisecondTime: 8 bytes, little-endian. */
static bool get_ms(sloader *l, int64_t *t)
{
    if (l->r->end - l->r->p < 8)
        return false;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | l->r->p[i];
    l->r->p += 8;
    *t = (int64_t)v;
    return true;
}

/* rdbReadRaw of a 16-byte big-endian ID. */
static bool get_raw_id(sloader *l, uint64_t *ms, uint64_t *seq)
{
    if (l->r->end - l->r->p < 16)
        return false;
    *ms = be64(l->r->p);
    *seq = be64(l->r->p + 8);
    l->r->p += 16;
    return true;
}

static bool lp_int(const unsigned char **p, const unsigned char *end, int64_t *v)
{
    ss_lp_entry e;
    if (!ss_lp_next(p, end, &e) || !e.isint)
        return false;
    *v = e.iv;
    return true;
}

static bool plausible(const struct sloader *l, uint64_t count, size_t min);

static ss_rdb_status add_entry(sloader *l, uint64_t ms, uint64_t seq, uint32_t nfields, size_t first)
{
    ss_rdb_stream *s = l->s;
    if (s->nentries == s->ecap) {
        size_t nc = s->ecap ? s->ecap * 2 : 64;
        ss_rdb_sentry *e = realloc(s->entries, nc * sizeof *e);
        if (!e)
            return SS_RDB_NOMEM;
        s->entries = e;
        s->ecap = nc;
    }
    s->entries[s->nentries++] = (ss_rdb_sentry){ms, seq, nfields, first, s->nnodes - 1};
    return SS_RDB_OK;
}

/*
 * One listpack node (streamValidateListpackIntegrity's walk): the master
 * entry (count, deleted, master fields, 0), then per entry flags, ms-diff,
 * seq-diff, [num-fields, field value pairs | the values of the master
 * fields], lp-count. IDs must grow past *prev_ms/seq; live entries go to
 * the stream, deleted ones are checked and skipped.
 */
static ss_rdb_status load_node(sloader *l, uint64_t mms, uint64_t mseq, const unsigned char *lp, size_t n,
                               uint64_t *pms, uint64_t *pseq, bool *any)
{
    if (n < 7 || (lp[0] | lp[1] << 8 | (size_t)lp[2] << 16 | (size_t)lp[3] << 24) != n || lp[n - 1] != 0xff)
        return SS_RDB_BAD;
    const unsigned char *p = lp + 6, *end = lp + n - 1;
    int64_t count, deleted, nmaster;
    if (p == end)
        return SS_RDB_BAD; /* "Empty listpack inside stream" */
    if (!lp_int(&p, end, &count) || !lp_int(&p, end, &deleted) || !lp_int(&p, end, &nmaster) || count < 0 ||
        deleted < 0 || nmaster < 0 || nmaster > (int64_t)(n / 2))
        return SS_RDB_BAD;
    const unsigned char *master_fields = p;
    ss_rdb_snode *node = &l->s->nodes[l->s->nnodes - 1];
    *node = (ss_rdb_snode){mms, mseq, mms, mseq, 0, 0, n, (uint32_t)nmaster, l->v->items.n};
    for (int64_t i = 0; i < nmaster; i++) {
        ss_lp_entry e;
        ss_rdb_status pst;
        if (!ss_lp_next(&p, end, &e))
            return SS_RDB_BAD;
        if ((pst = push(l, e.s, e.n, NULL)) != SS_RDB_OK)
            return pst;
    }
    int64_t zero;
    if (!lp_int(&p, end, &zero) || zero != 0)
        return SS_RDB_BAD;
    int64_t live = 0, dead = 0;
    ss_rdb_status st = SS_RDB_OK;
    while (p < end && st == SS_RDB_OK) {
        int64_t flags, msd, seqd, nf = nmaster;
        if (!lp_int(&p, end, &flags) || !lp_int(&p, end, &msd) || !lp_int(&p, end, &seqd))
            return SS_RDB_BAD;
        uint64_t ms = mms + (uint64_t)msd, seq = mseq + (uint64_t)seqd;
        if (*any && idcmp(ms, seq, *pms, *pseq) <= 0)
            return SS_RDB_BAD; /* IDs must grow */
        bool same = flags & ITEM_SAMEFIELDS;
        if (!same && (!lp_int(&p, end, &nf) || nf < 0 || nf > (int64_t)(n / 2)))
            return SS_RDB_BAD;
        bool del = flags & ITEM_DELETED;
        size_t first = l->v->items.n;
        const unsigned char *mf = master_fields;
        for (int64_t i = 0; i < nf && st == SS_RDB_OK; i++) {
            ss_lp_entry f, val;
            if (same) {
                if (!ss_lp_next(&mf, end, &f))
                    return SS_RDB_BAD;
            } else if (!ss_lp_next(&p, end, &f)) {
                return SS_RDB_BAD;
            }
            if (!ss_lp_next(&p, end, &val))
                return SS_RDB_BAD;
            if (!del && (st = push(l, f.s, f.n, NULL)) == SS_RDB_OK)
                st = push(l, val.s, val.n, NULL);
        }
        if (st != SS_RDB_OK)
            return st;
        int64_t lpcount;
        if (!lp_int(&p, end, &lpcount) || lpcount != nf + 3 + (same ? 0 : nf + 1))
            return SS_RDB_BAD;
        *pms = ms;
        *pseq = seq;
        *any = true;
        node->last_ms = ms;
        node->last_seq = seq;
        if (del) {
            dead++;
        } else {
            live++;
            st = add_entry(l, ms, seq, (uint32_t)nf, first);
        }
        if (live + dead == 1 && idcmp(ms, seq, mms, mseq) < 0)
            return SS_RDB_BAD; /* no entry before the node's key, its master ID */
    }
    if (st == SS_RDB_OK && (live != count || dead != deleted || live + dead == 0))
        return SS_RDB_BAD;
    node->live = (uint64_t)live;
    node->deleted = (uint64_t)dead;
    return st;
}

static ss_rdb_status load_nodes(sloader *l)
{
    uint64_t nodes, pms = 0, pseq = 0;
    bool any = false;
    if (!get_len(l, &nodes) || !plausible(l, nodes, 1 + 16 + 4))
        return SS_RDB_BAD;
    l->s->nodes = nodes ? calloc(nodes, sizeof *l->s->nodes) : NULL;
    if (nodes && !l->s->nodes)
        return SS_RDB_NOMEM;
    for (uint64_t i = 0; i < nodes; i++) {
        char *key, *lp;
        size_t klen, n;
        ss_rdb_status st = get_string(l, &key, &klen);
        if (st != SS_RDB_OK)
            return st;
        if (klen != 16) {
            free(key);
            return SS_RDB_BAD; /* "Stream node key entry is not the size of a stream ID" */
        }
        uint64_t mms = be64((unsigned char *)key), mseq = be64((unsigned char *)key + 8);
        free(key);
        l->s->nnodes++;
        if ((st = get_string(l, &lp, &n)) != SS_RDB_OK)
            return st;
        st = load_node(l, mms, mseq, (unsigned char *)lp, n, &pms, &pseq, &any);
        free(lp);
        if (st != SS_RDB_OK)
            return st;
    }
    return SS_RDB_OK;
}

static int cmp_name(const ss_rdb_value *v, size_t a, size_t b)
{
    ss_slice x = ss_strvec_at(&v->items, a), y = ss_strvec_at(&v->items, b);
    int c = memcmp(x.data, y.data, x.len < y.len ? x.len : y.len);
    return c ? c : (x.len > y.len) - (x.len < y.len);
}

/* The PEL entry of g with id (binary search: the PEL is in ID order). */
static ss_rdb_snack *find_nack(ss_rdb_sgroup *g, uint64_t ms, uint64_t seq)
{
    size_t lo = 0, hi = g->npel;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = idcmp(g->pel[mid].ms, g->pel[mid].seq, ms, seq);
        if (c == 0)
            return &g->pel[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Bounds a count read from the payload by the bytes left (each item takes
 * at least min bytes), so no allocation follows a lying count. */
static bool plausible(const struct sloader *l, uint64_t count, size_t min)
{
    return count <= (uint64_t)(l->r->end - l->r->p) / min;
}

static ss_rdb_status load_group(sloader *l, ss_rdb_sgroup *g, bool v2)
{
    char *name;
    size_t nlen;
    ss_rdb_status st = get_string(l, &name, &nlen);
    if (st != SS_RDB_OK)
        return st;
    st = push(l, name, nlen, &g->name);
    free(name);
    if (st != SS_RDB_OK)
        return st;
    uint64_t er = (uint64_t)-1, npel;
    if (!get_len(l, &g->last_ms) || !get_len(l, &g->last_seq) || (v2 && !get_len(l, &er)) || !get_len(l, &npel))
        return SS_RDB_BAD;
    g->entries_read = (int64_t)er;
    if (!plausible(l, npel, 16 + 8 + 1))
        return SS_RDB_BAD;
    g->pel = npel ? calloc(npel, sizeof *g->pel) : NULL;
    if (npel && !g->pel)
        return SS_RDB_NOMEM;
    for (uint64_t i = 0; i < npel; i++) {
        ss_rdb_snack *k = &g->pel[i];
        if (!get_raw_id(l, &k->ms, &k->seq) || !get_ms(l, &k->delivery_time) || !get_len(l, &k->delivery_count))
            return SS_RDB_BAD;
        if (i && idcmp(g->pel[i - 1].ms, g->pel[i - 1].seq, k->ms, k->seq) >= 0)
            return SS_RDB_BAD; /* "Duplicated global PEL entry" (a rax saves in order) */
        k->consumer = SIZE_MAX;
        g->npel++;
    }
    uint64_t nc;
    if (!get_len(l, &nc) || !plausible(l, nc, 1 + 8 + 1))
        return SS_RDB_BAD;
    g->consumers = nc ? calloc(nc, sizeof *g->consumers) : NULL;
    if (nc && !g->consumers)
        return SS_RDB_NOMEM;
    for (uint64_t i = 0; i < nc; i++) {
        ss_rdb_sconsumer *c = &g->consumers[i];
        if ((st = get_string(l, &name, &nlen)) != SS_RDB_OK)
            return st;
        st = push(l, name, nlen, &c->name);
        free(name);
        if (st != SS_RDB_OK)
            return st;
        g->nconsumers++;
        if (i && cmp_name(l->v, g->consumers[i - 1].name, c->name) >= 0)
            return SS_RDB_BAD; /* "Duplicated consumer name" (a rax saves in order) */
        uint64_t n;
        if (!get_ms(l, &c->seen_time) || !get_len(l, &n) || !plausible(l, n, 16))
            return SS_RDB_BAD;
        for (uint64_t j = 0; j < n; j++) {
            uint64_t ms, seq;
            if (!get_raw_id(l, &ms, &seq))
                return SS_RDB_BAD;
            ss_rdb_snack *k = find_nack(g, ms, seq);
            if (!k || k->consumer != SIZE_MAX)
                return SS_RDB_BAD; /* "Consumer entry not found in group global PEL" / "Duplicated consumer PEL entry" */
            k->consumer = (size_t)i;
        }
    }
    for (size_t i = 0; i < g->npel; i++)
        if (g->pel[i].consumer == SIZE_MAX)
            return SS_RDB_BAD; /* a PEL entry with no consumer: Redis's deep check */
    return SS_RDB_OK;
}

ss_rdb_status ss_rdb_load_stream(ss_rdb_reader *r, size_t *left, ss_rdb_value *v)
{
    bool v2 = v->rdbtype == SS_RDB_TYPE_STREAM_LISTPACKS_2;
    ss_rdb_stream *s = calloc(1, sizeof *s);
    if (!s)
        return SS_RDB_NOMEM;
    v->stream = s;
    sloader l = {r, left, v, s};
    ss_rdb_status st = load_nodes(&l);
    if (st != SS_RDB_OK)
        return st;
    uint64_t length;
    if (!get_len(&l, &length) || !get_len(&l, &s->last_ms) || !get_len(&l, &s->last_seq))
        return SS_RDB_BAD;
    if (length != s->nentries)
        return SS_RDB_BAD;
    if (s->nentries) {
        const ss_rdb_sentry *last = &s->entries[s->nentries - 1];
        if (idcmp(last->ms, last->seq, s->last_ms, s->last_seq) > 0)
            return SS_RDB_BAD; /* the last ID below an entry */
    }
    if (v2) {
        if (!get_len(&l, &s->first_ms) || !get_len(&l, &s->first_seq) || !get_len(&l, &s->maxdel_ms) ||
            !get_len(&l, &s->maxdel_seq) || !get_len(&l, &s->entries_added))
            return SS_RDB_BAD;
    } else {
        /* Redis 7.0 loading an older stream: entries added is its length,
         * its first entry the first ever, nothing deleted known */
        s->entries_added = length;
        if (s->nentries) {
            s->first_ms = s->entries[0].ms;
            s->first_seq = s->entries[0].seq;
        }
    }
    uint64_t ngroups;
    if (!get_len(&l, &ngroups) || !plausible(&l, ngroups, 1 + 1 + 1 + 1 + 1))
        return SS_RDB_BAD;
    s->groups = ngroups ? calloc(ngroups, sizeof *s->groups) : NULL;
    if (ngroups && !s->groups)
        return SS_RDB_NOMEM;
    for (uint64_t i = 0; i < ngroups; i++) {
        ss_rdb_sgroup *g = &s->groups[i];
        s->ngroups++;
        if ((st = load_group(&l, g, v2)) != SS_RDB_OK)
            return st;
        if (!v2)
            g->entries_read = -1; /* RESTORE estimates it (streamEstimateDistanceFromFirstEverEntry) */
        if (i && cmp_name(v, s->groups[i - 1].name, g->name) >= 0)
            return SS_RDB_BAD; /* "Duplicated consumer group name" */
    }
    return SS_RDB_OK;
}

void ss_rdb_stream_free(ss_rdb_stream *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ngroups; i++) {
        free(s->groups[i].pel);
        free(s->groups[i].consumers);
    }
    free(s->groups);
    free(s->entries);
    free(s->nodes);
    free(s);
}

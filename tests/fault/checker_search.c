/* The per-key model and the Wing & Gong / Lowe search with memoized states. */
#include "fault/checker.h"
#include "fault/checker_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t checker_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool checker_step(const kop *op, mval s, mval *out, mval *result)
{
    mval n = s, r = { MV_OK, 0 };
    switch (op->kind) {
    case HIST_GET:
        r = s;
        break;
    case HIST_SET:
        n = op->arg;
        break;
    case HIST_SET_NX:
        r = (mval){ MV_INT, s.tag == MV_NIL };
        if (s.tag == MV_NIL)
            n = op->arg;
        break;
    case HIST_DEL:
        r = (mval){ MV_INT, s.tag != MV_NIL };
        n = (mval){ MV_NIL, 0 };
        break;
    case HIST_INCR:
        if (s.tag == MV_NIL)
            n = r = (mval){ MV_INT, 1 };
        else if (s.tag == MV_INT && s.v != INT64_MAX)
            n = r = (mval){ MV_INT, s.v + 1 };
        else
            r = (mval){ MV_ERR, 0 }; /* not an integer, or it would overflow */
        break;
    }
    if (op->want.tag != MV_ANY && (op->want.tag != r.tag || op->want.v != r.v))
        return false;
    *out = n;
    if (result)
        *result = r;
    return true;
}

/* ---- the list of call and return events (dancing links) ---- */

typedef struct {
    int64_t time;
    uint32_t op;
    bool is_call;
    uint32_t prev, next;
    uint32_t ret; /* a call's return node, or UINT32_MAX for unknown ops */
} node;

static int cmp_nodes(const void *a, const void *b)
{
    const node *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    /* Calls first at equal times: ops whose times touch count as concurrent,
     * so a coarse clock cannot produce a false violation. */
    if (x->is_call != y->is_call)
        return x->is_call ? -1 : 1;
    return x->op < y->op ? -1 : x->op > y->op;
}

static void unlink_node(node *nd, uint32_t i)
{
    nd[nd[i].prev].next = nd[i].next;
    nd[nd[i].next].prev = nd[i].prev;
}

static void relink_node(node *nd, uint32_t i)
{
    nd[nd[i].prev].next = i;
    nd[nd[i].next].prev = i;
}

/* ---- memo of visited (linearized set, value) states ---- */

/* The linearized set is kept as a bitset; a stored copy keeps only words
 * [lo, hi): everything below lo is all ones and from hi up all zeros. With
 * moderate concurrency that is a word or two, whatever the history length. */
typedef struct {
    uint64_t hash;
    mval state;
    uint32_t lo, hi;
    size_t off; /* into words */
} memo_entry;

typedef struct {
    memo_entry *entries;
    size_t len, cap;
    uint32_t *slots; /* entry index + 1; 0 = empty */
    size_t nslots;
    uint64_t *words;
    size_t wlen, wcap;
} memo;

typedef struct {
    uint64_t *w;
    size_t nw;
    uint32_t lo, hi;
    uint64_t zhash; /* xor of per-op random numbers (Zobrist) */
} bitset;

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void bs_set(bitset *b, uint32_t i)
{
    uint32_t w = i / 64;
    b->w[w] |= 1ull << (i % 64);
    b->zhash ^= mix64(i);
    while (b->lo < b->nw && b->w[b->lo] == ~0ull)
        b->lo++;
    if (w + 1 > b->hi)
        b->hi = w + 1;
}

static void bs_clear(bitset *b, uint32_t i)
{
    uint32_t w = i / 64;
    b->w[w] &= ~(1ull << (i % 64));
    b->zhash ^= mix64(i);
    if (w < b->lo)
        b->lo = w;
    while (b->hi > 0 && b->w[b->hi - 1] == 0)
        b->hi--;
}

static uint64_t state_hash(const bitset *b, mval s)
{
    return mix64(b->zhash ^ mix64(((uint64_t)s.tag << 56) ^ (uint64_t)s.v));
}

static bool memo_equal(const memo *m, const memo_entry *e, const bitset *b, mval s, uint64_t h)
{
    return e->hash == h && e->state.tag == s.tag && e->state.v == s.v && e->lo == b->lo &&
           e->hi == b->hi &&
           memcmp(m->words + e->off, b->w + b->lo, (b->hi - b->lo) * sizeof(uint64_t)) == 0;
}

static int memo_grow(memo *m)
{
    size_t nslots = m->nslots ? m->nslots * 2 : 1024;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < m->len; i++) {
        size_t j = m->entries[i].hash & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return 0;
}

static int reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Adds (b, s) unless present: 1 if added, 0 if seen before, -1 out of memory. */
static int memo_add(memo *m, const bitset *b, mval s)
{
    if (m->len + 1 > m->nslots / 2 && memo_grow(m) != 0)
        return -1;
    if (m->len >= UINT32_MAX - 1)
        return -1;
    uint64_t h = state_hash(b, s);
    size_t j = h & (m->nslots - 1);
    for (; m->slots[j]; j = (j + 1) & (m->nslots - 1))
        if (memo_equal(m, &m->entries[m->slots[j] - 1], b, s, h))
            return 0;
    size_t nw = b->hi - b->lo;
    if (reserve((void **)&m->entries, &m->cap, m->len + 1, sizeof *m->entries) != 0 ||
        reserve((void **)&m->words, &m->wcap, m->wlen + nw, sizeof *m->words) != 0)
        return -1;
    memcpy(m->words + m->wlen, b->w + b->lo, nw * sizeof(uint64_t));
    m->entries[m->len] = (memo_entry){ h, s, b->lo, b->hi, m->wlen };
    m->wlen += nw;
    m->slots[j] = (uint32_t)++m->len;
    return 1;
}

static void memo_release(memo *m)
{
    free(m->entries);
    free(m->slots);
    free(m->words);
}

/* ---- the search ---- */

typedef struct {
    uint32_t call; /* node linearized at this depth */
    mval state;    /* register value before it */
} frame;

/* Sorted call/return nodes in a circular list whose head is nodes[*head]. */
static node *build_nodes(const ksearch *s, uint32_t *head)
{
    size_t nn = 0;
    for (size_t i = 0; i < s->n; i++)
        nn += s->ops[i].unknown ? 1 : 2;
    node *nd = calloc(nn + 1, sizeof *nd);
    uint32_t *retpos = malloc((s->n + 1) * sizeof *retpos);
    if (nd == NULL || retpos == NULL) {
        free(nd);
        free(retpos);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        nd[k++] = (node){ .time = s->ops[i].invoke, .op = (uint32_t)i, .is_call = true };
        if (!s->ops[i].unknown)
            nd[k++] = (node){ .time = s->ops[i].complete, .op = (uint32_t)i, .is_call = false };
    }
    qsort(nd, nn, sizeof *nd, cmp_nodes);
    for (size_t i = 0; i < s->n; i++)
        retpos[i] = UINT32_MAX;
    for (size_t i = 0; i < nn; i++)
        if (!nd[i].is_call)
            retpos[nd[i].op] = (uint32_t)i;
    for (size_t i = 0; i < nn; i++) {
        nd[i].prev = i == 0 ? (uint32_t)nn : (uint32_t)i - 1;
        nd[i].next = (uint32_t)i + 1;
        nd[i].ret = nd[i].is_call ? retpos[nd[i].op] : UINT32_MAX;
    }
    nd[nn].next = nn ? 0 : (uint32_t)nn;
    nd[nn].prev = nn ? (uint32_t)nn - 1 : (uint32_t)nn;
    free(retpos);
    *head = (uint32_t)nn;
    return nd;
}

/*
 * Unknown ops with the same kind and argument are interchangeable: their
 * results are unconstrained, so in any linearization the one invoked earlier
 * can take the place of a later one. Trying only the earliest pending op of
 * each such class turns 2^k subsets of k lost INCRs into k+1 counts.
 * twin[i] is the previous op of i's class (by invocation), or UINT32_MAX.
 */
static int cmp_twins(const void *a, const void *b, void *ctx)
{
    const kop *ops = ctx, *x = &ops[*(const uint32_t *)a], *y = &ops[*(const uint32_t *)b];
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->arg.tag != y->arg.tag)
        return x->arg.tag < y->arg.tag ? -1 : 1;
    if (x->arg.v != y->arg.v)
        return x->arg.v < y->arg.v ? -1 : 1;
    if (x->invoke != y->invoke)
        return x->invoke < y->invoke ? -1 : 1;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static uint32_t *find_twins(const ksearch *s)
{
    uint32_t *twin = malloc((s->n + 1) * sizeof *twin);
    uint32_t *idx = malloc((s->n + 1) * sizeof *idx);
    if (twin == NULL || idx == NULL) {
        free(twin);
        free(idx);
        return NULL;
    }
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        twin[i] = UINT32_MAX;
        if (s->ops[i].unknown)
            idx[m++] = (uint32_t)i;
    }
    qsort_r(idx, m, sizeof *idx, cmp_twins, (void *)s->ops);
    for (size_t i = 1; i < m; i++) {
        const kop *x = &s->ops[idx[i - 1]], *y = &s->ops[idx[i]];
        if (x->kind == y->kind && x->arg.tag == y->arg.tag && x->arg.v == y->arg.v)
            twin[idx[i]] = idx[i - 1];
    }
    free(idx);
    return twin;
}

static bool bs_test(const bitset *b, uint32_t i)
{
    return (b->w[i / 64] >> (i % 64)) & 1;
}

static int record_best(ksearch *s, const node *nd, const frame *stack, size_t depth,
                       uint32_t blocking, mval state)
{
    if (s->best == NULL && (s->best = malloc((s->n + 1) * sizeof *s->best)) == NULL)
        return -1;
    for (size_t i = 0; i < depth; i++)
        s->best[i] = nd[stack[i].call].op;
    s->best_len = depth;
    s->blocking = blocking;
    s->best_state = state;
    return 0;
}

int checker_search(ksearch *s)
{
    s->verdict = CHECK_UNKNOWN;
    s->states = 0;
    s->best = NULL;
    s->best_len = 0;
    s->blocking = SIZE_MAX;
    s->best_state = (mval){ MV_NIL, 0 };
    if (s->n >= UINT32_MAX / 2)
        return SS_ETOOBIG;

    uint32_t head = 0;
    node *nd = build_nodes(s, &head);
    bitset b = { .nw = s->n / 64 + 1 };
    b.w = calloc(b.nw, sizeof *b.w);
    frame *stack = malloc((s->n + 1) * sizeof *stack);
    uint32_t *twin = find_twins(s);
    memo m = { 0 };
    int rc = SS_OK;
    if (nd == NULL || b.w == NULL || stack == NULL || twin == NULL) {
        rc = SS_ENOMEM;
        goto out;
    }

    size_t remaining = 0, depth = 0;
    for (size_t i = 0; i < s->n; i++)
        remaining += !s->ops[i].unknown;
    mval state = { MV_NIL, 0 };
    uint32_t e = nd[head].next;
    for (uint64_t iter = 1;; iter++) {
        /* Unknown ops left over need no place: "never took effect" is allowed. */
        if (remaining == 0) {
            s->verdict = CHECK_LINEARIZABLE;
            break;
        }
        if ((iter & 1023) == 0 && s->deadline_ns && checker_now_ns() > s->deadline_ns)
            break;
        node *x = &nd[e];
        if (x->is_call) {
            mval next;
            if (twin[x->op] != UINT32_MAX && !bs_test(&b, twin[x->op])) {
                e = x->next; /* its earlier twin goes first */
                continue;
            }
            if (checker_step(&s->ops[x->op], state, &next, NULL)) {
                bs_set(&b, x->op);
                int added = memo_add(&m, &b, next);
                if (added < 0) {
                    rc = SS_ENOMEM;
                    break;
                }
                if (added) {
                    if (++s->states > s->max_states && s->max_states)
                        break;
                    stack[depth++] = (frame){ e, state };
                    state = next;
                    unlink_node(nd, e);
                    if (x->ret != UINT32_MAX) {
                        unlink_node(nd, x->ret);
                        remaining--;
                    }
                    e = nd[head].next;
                    continue;
                }
                bs_clear(&b, x->op);
            }
            e = x->next;
        } else {
            /* x's op must be linearized before its return, and no pending
             * call could go next: undo the last choice. */
            if (s->record && (s->blocking == SIZE_MAX || depth > s->best_len) &&
                record_best(s, nd, stack, depth, x->op, state) != 0) {
                rc = SS_ENOMEM;
                break;
            }
            if (depth == 0) {
                s->verdict = CHECK_NOT_LINEARIZABLE;
                break;
            }
            frame f = stack[--depth];
            node *c = &nd[f.call];
            state = f.state;
            if (c->ret != UINT32_MAX) {
                relink_node(nd, c->ret);
                remaining++;
            }
            relink_node(nd, f.call);
            bs_clear(&b, c->op);
            e = c->next;
        }
    }
out:
    free(nd);
    free(b.w);
    free(stack);
    free(twin);
    memo_release(&m);
    return rc;
}

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

/* ---- memo of visited states ---- */

/*
 * A search state is (which ops are linearized, register value). Completed ops
 * are a bitset; a stored copy keeps only words [lo, hi): everything below lo
 * is all ones and from hi up all zeros, a word or two under moderate
 * concurrency whatever the history length. Unknown ops are grouped into
 * classes of interchangeable ops (same kind and argument) taken in invocation
 * order, so a class is just a count of those applied.
 *
 * A state with fewer unknown ops applied, and otherwise equal, can do all the
 * other can (its pending unknown ops may simply stay pending), so reaching a
 * state dominated by a visited one prunes it. Without this, every lost write
 * that never took effect would double the states to explore from then on.
 */
typedef struct {
    uint64_t hash; /* of bits and value, not counts */
    mval state;
    uint32_t lo, hi;
    size_t off;  /* into words */
    size_t coff; /* into counts */
} memo_entry;

typedef struct {
    memo_entry *entries;
    size_t len, cap;
    uint32_t *slots; /* entry index + 1; 0 = empty */
    size_t nslots;
    uint64_t *words;
    size_t wlen, wcap;
    uint32_t *counts;
    size_t clen, ccap;
} memo;

typedef struct {
    uint64_t *w;
    size_t nw;
    uint32_t lo, hi;
    uint64_t zhash;  /* xor of per-op random numbers (Zobrist) */
    uint32_t *cnt;   /* per class of unknown ops: how many applied */
    size_t ncls;
} lin_set;

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void bs_set(lin_set *b, uint32_t i)
{
    uint32_t w = i / 64;
    b->w[w] |= 1ull << (i % 64);
    b->zhash ^= mix64(i);
    while (b->lo < b->nw && b->w[b->lo] == ~0ull)
        b->lo++;
    if (w + 1 > b->hi)
        b->hi = w + 1;
}

static void bs_clear(lin_set *b, uint32_t i)
{
    uint32_t w = i / 64;
    b->w[w] &= ~(1ull << (i % 64));
    b->zhash ^= mix64(i);
    if (w < b->lo)
        b->lo = w;
    while (b->hi > 0 && b->w[b->hi - 1] == 0)
        b->hi--;
}

static uint64_t state_hash(const lin_set *b, mval s)
{
    return mix64(b->zhash ^ mix64(((uint64_t)s.tag << 56) ^ (uint64_t)s.v));
}

static bool memo_same_key(const memo *m, const memo_entry *e, const lin_set *b, mval s,
                          uint64_t h)
{
    return e->hash == h && e->state.tag == s.tag && e->state.v == s.v && e->lo == b->lo &&
           e->hi == b->hi && (b->hi == b->lo ||
           memcmp(m->words + e->off, b->w + b->lo, (b->hi - b->lo) * sizeof(uint64_t)) == 0);
}

static bool dominates(const uint32_t *seen, const uint32_t *cur, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (seen[i] > cur[i])
            return false;
    return true;
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

/* Adds (b, s) unless it or a state dominating it was seen: 1 if added, 0 if
 * not, -1 out of memory. */
static int memo_add(memo *m, const lin_set *b, mval s)
{
    if (m->len + 1 > m->nslots / 2 && memo_grow(m) != 0)
        return -1;
    if (m->len >= UINT32_MAX - 1)
        return -1;
    uint64_t h = state_hash(b, s);
    size_t j = h & (m->nslots - 1);
    for (; m->slots[j]; j = (j + 1) & (m->nslots - 1)) {
        const memo_entry *e = &m->entries[m->slots[j] - 1];
        if (memo_same_key(m, e, b, s, h) && dominates(m->counts + e->coff, b->cnt, b->ncls))
            return 0;
    }
    size_t nw = b->hi - b->lo;
    if (reserve((void **)&m->entries, &m->cap, m->len + 1, sizeof *m->entries) != 0 ||
        reserve((void **)&m->words, &m->wcap, m->wlen + nw, sizeof *m->words) != 0 ||
        reserve((void **)&m->counts, &m->ccap, m->clen + b->ncls, sizeof *m->counts) != 0)
        return -1;
    if (nw)
        memcpy(m->words + m->wlen, b->w + b->lo, nw * sizeof(uint64_t));
    if (b->ncls)
        memcpy(m->counts + m->clen, b->cnt, b->ncls * sizeof(uint32_t));
    m->entries[m->len] = (memo_entry){ h, s, b->lo, b->hi, m->wlen, m->clen };
    m->wlen += nw;
    m->clen += b->ncls;
    m->slots[j] = (uint32_t)++m->len;
    return 1;
}

static void memo_release(memo *m)
{
    free(m->entries);
    free(m->slots);
    free(m->words);
    free(m->counts);
}

/* ---- the search ---- */

typedef struct {
    uint32_t call;  /* node linearized at this depth */
    uint32_t limit; /* for an unknown op: the return node that bounded the choice */
    mval state;     /* register value before it */
} frame;

/* Sorted call/return nodes in a circular list whose head is nodes[*head]. */
/*
 * Nodes sorted by time, in two circular lists: completed ops' calls and
 * returns (head nodes[*head]), and unknown ops' calls (head nodes[*head + 1]).
 * A node's index is its place in time order. Keeping unknown ops apart lets
 * the search try them only after the completed ops, so that states with
 * fewer of them applied come first and dominate (see memo_add).
 */
static node *build_nodes(const ksearch *s, uint32_t *head)
{
    size_t nn = 0;
    for (size_t i = 0; i < s->n; i++)
        nn += s->ops[i].unknown ? 1 : 2;
    node *nd = calloc(nn + 2, sizeof *nd);
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
    uint32_t tail[2] = { (uint32_t)nn, (uint32_t)nn + 1 };
    nd[nn].next = nd[nn].prev = (uint32_t)nn;
    nd[nn + 1].next = nd[nn + 1].prev = (uint32_t)nn + 1;
    for (size_t i = 0; i < nn; i++) {
        int list = nd[i].is_call && s->ops[nd[i].op].unknown;
        uint32_t h = (uint32_t)nn + (uint32_t)list;
        nd[i].ret = nd[i].is_call ? retpos[nd[i].op] : UINT32_MAX;
        nd[i].prev = tail[list];
        nd[i].next = h;
        nd[tail[list]].next = (uint32_t)i;
        nd[h].prev = (uint32_t)i;
        tail[list] = (uint32_t)i;
    }
    free(retpos);
    *head = (uint32_t)nn;
    return nd;
}

/*
 * Unknown ops with the same kind and argument are interchangeable: their
 * results are unconstrained, so in any linearization the one invoked earlier
 * can take the place of a later one. So each class is applied in invocation
 * order, and the lin_set keeps a count per class: k lost INCRs give k+1
 * states, not 2^k.
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

/* slot[i]: a completed op's bit, or an unknown op's class; rank[i]: an
 * unknown op's place in its class; *ncls: the number of classes. */
static int assign_slots(const ksearch *s, uint32_t *slot, uint32_t *rank, size_t *ncls)
{
    uint32_t *idx = malloc((s->n + 1) * sizeof *idx);
    if (idx == NULL)
        return -1;
    size_t m = 0, nok = 0;
    for (size_t i = 0; i < s->n; i++) {
        rank[i] = 0;
        if (s->ops[i].unknown)
            idx[m++] = (uint32_t)i;
        else
            slot[i] = (uint32_t)nok++;
    }
    qsort_r(idx, m, sizeof *idx, cmp_twins, (void *)s->ops);
    *ncls = 0;
    for (size_t i = 0; i < m; i++) {
        const kop *x = i ? &s->ops[idx[i - 1]] : NULL, *y = &s->ops[idx[i]];
        bool twin = x && x->kind == y->kind && x->arg.tag == y->arg.tag && x->arg.v == y->arg.v;
        if (twin) {
            rank[idx[i]] = rank[idx[i - 1]] + 1;
        } else {
            (*ncls)++;
        }
        slot[idx[i]] = (uint32_t)*ncls - 1;
    }
    free(idx);
    return 0;
}

/* Keeps the prefix on the stack if it linearizes more completed ops than the
 * best so far. Unknown ops applied after its last completed op are left out:
 * they explain nothing and would only blur the report. */
static int record_best(ksearch *s, const node *nd, const frame *stack, size_t depth,
                       uint32_t blocking, mval state, size_t done)
{
    if (s->blocking != SIZE_MAX && done <= s->best_done)
        return 0;
    if (s->best == NULL && (s->best = malloc((s->n + 1) * sizeof *s->best)) == NULL)
        return -1;
    while (depth > 0 && s->ops[nd[stack[depth - 1].call].op].unknown)
        state = stack[--depth].state;
    for (size_t i = 0; i < depth; i++)
        s->best[i] = nd[stack[i].call].op;
    s->best_len = depth;
    s->best_done = done;
    s->blocking = blocking;
    s->best_state = state;
    return 0;
}

/* Where the scan is: completed ops' list up to its first return, or the
 * unknown ops invoked before that return (limit). */
typedef enum { SCAN_DONE, SCAN_OPS, SCAN_UNKNOWN } scan_phase;

static uint32_t first_return(const node *nd, uint32_t head)
{
    uint32_t e = nd[head].next;
    while (nd[e].is_call)
        e = nd[e].next;
    return e;
}

/*
 * One depth-first search, trying unknown ops either before the completed
 * ones (eager: quick to find a linearization that needs lost writes) or after
 * them (lazy: states with fewer lost writes applied come first and prune the
 * rest, which is what proving a violation needs).
 */
static int search_once(ksearch *s, bool eager, uint64_t max_states)
{
    s->verdict = CHECK_UNKNOWN;
    s->best_len = 0;
    s->blocking = SIZE_MAX;
    uint32_t head = 0;
    node *nd = build_nodes(s, &head);
    lin_set b = { .nw = s->n / 64 + 1 };
    b.w = calloc(b.nw, sizeof *b.w);
    b.cnt = calloc(s->n + 1, sizeof *b.cnt);
    uint32_t *slot = malloc((s->n + 1) * sizeof *slot);
    uint32_t *rank = malloc((s->n + 1) * sizeof *rank);
    frame *stack = malloc((s->n + 1) * sizeof *stack);
    memo m = { 0 };
    uint64_t states = 0;
    int rc = SS_OK;
    if (nd == NULL || b.w == NULL || b.cnt == NULL || slot == NULL || rank == NULL ||
        stack == NULL || assign_slots(s, slot, rank, &b.ncls) != 0) {
        rc = SS_ENOMEM;
        goto out;
    }

    size_t remaining = 0, depth = 0;
    for (size_t i = 0; i < s->n; i++)
        remaining += !s->ops[i].unknown;
    const size_t total_ok = remaining;
    mval state = { MV_NIL, 0 };
    const uint32_t uhead = head + 1;
    scan_phase phase = SCAN_DONE; /* start a fresh scan */
    uint32_t e = 0, limit = 0;
    for (uint64_t iter = 1;; iter++) {
        /* Unknown ops left over need no place: "never took effect" is allowed. */
        if (remaining == 0) {
            s->verdict = CHECK_LINEARIZABLE;
            break;
        }
        if ((iter & 1023) == 0 && s->deadline_ns && checker_now_ns() > s->deadline_ns)
            break;
        if (phase == SCAN_DONE) {
            limit = first_return(nd, head);
            phase = eager ? SCAN_UNKNOWN : SCAN_OPS;
            e = eager ? nd[uhead].next : nd[head].next;
        }
        bool at_end = phase == SCAN_OPS ? !nd[e].is_call : (e == uhead || e > limit);
        if (at_end && phase == (eager ? SCAN_UNKNOWN : SCAN_OPS)) {
            phase = eager ? SCAN_OPS : SCAN_UNKNOWN; /* on to the second half */
            e = eager ? nd[head].next : nd[uhead].next;
            continue;
        }
        if (!at_end) {
            node *x = &nd[e];
            const kop *op = &s->ops[x->op];
            uint32_t sl = slot[x->op];
            mval next;
            if (op->unknown && b.cnt[sl] != rank[x->op]) {
                e = x->next; /* an earlier twin goes first */
                continue;
            }
            if (checker_step(op, state, &next, NULL)) {
                if (op->unknown)
                    b.cnt[sl]++;
                else
                    bs_set(&b, sl);
                int added = memo_add(&m, &b, next);
                if (added < 0) {
                    rc = SS_ENOMEM;
                    break;
                }
                if (added) {
                    if (++states > max_states && max_states)
                        break;
                    stack[depth++] = (frame){ e, limit, state };
                    state = next;
                    unlink_node(nd, e);
                    if (x->ret != UINT32_MAX) {
                        unlink_node(nd, x->ret);
                        remaining--;
                    }
                    phase = SCAN_DONE;
                    continue;
                }
                if (op->unknown)
                    b.cnt[sl]--;
                else
                    bs_clear(&b, sl);
            }
            e = x->next;
        } else {
            /* limit's op must be linearized before its return, and no
             * pending call could go next: undo the last choice. */
            if (s->record && record_best(s, nd, stack, depth, nd[limit].op, state,
                                         total_ok - remaining) != 0) {
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
            bool unknown = s->ops[c->op].unknown;
            if (unknown)
                b.cnt[slot[c->op]]--;
            else
                bs_clear(&b, slot[c->op]);
            e = c->next;
            phase = unknown ? SCAN_UNKNOWN : SCAN_OPS;
            limit = f.limit;
        }
    }
out:
    free(nd);
    free(b.w);
    free(b.cnt);
    free(slot);
    free(rank);
    free(stack);
    memo_release(&m);
    s->states += states;
    return rc;
}

/* A linearizable history is usually found in about one state per op by the
 * eager search; past a few times that, the lazy search takes over. */
#define EAGER_STATES_PER_OP 4
#define EAGER_STATES_MIN 10000

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
    bool any_unknown = false;
    for (size_t i = 0; i < s->n && !any_unknown; i++)
        any_unknown = s->ops[i].unknown;
    if (!any_unknown)
        return search_once(s, false, s->max_states);
    uint64_t eager = EAGER_STATES_MIN + EAGER_STATES_PER_OP * (uint64_t)s->n;
    if (s->max_states && eager > s->max_states / 2)
        eager = s->max_states / 2;
    if (eager == 0)
        eager = 1; /* 0 would mean no limit */
    int rc = search_once(s, true, eager);
    if (rc != SS_OK || s->verdict != CHECK_UNKNOWN)
        return rc;
    if (s->deadline_ns && checker_now_ns() > s->deadline_ns)
        return rc;
    if (s->max_states && s->states >= s->max_states)
        return rc;
    uint64_t left = s->max_states ? s->max_states - s->states : 0;
    return search_once(s, false, left);
}

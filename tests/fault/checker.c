/* Linearizability check: validate, partition by key, run the search per key, sum up. */
#include "fault/checker.h"
#include "fault/checker_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *checker_verdict_name(check_verdict v)
{
    switch (v) {
    case CHECK_LINEARIZABLE:     return "linearizable";
    case CHECK_NOT_LINEARIZABLE: return "not linearizable";
    case CHECK_UNKNOWN:          return "unknown (search budget exhausted)";
    }
    return "?";
}

void check_result_release(check_result *r)
{
    free(r->failing_key);
    free(r->report);
    memset(r, 0, sizeof *r);
}

void rb_printf(rbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        size_t avail = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, avail, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < avail) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (s == NULL) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

/* ---- interning: string -> dense id ---- */

typedef struct {
    const char **strs; /* borrowed from the history */
    size_t len, cap;
    uint32_t *slots;   /* id + 1; 0 = empty */
    size_t nslots;
} strtab;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int strtab_grow(strtab *t)
{
    size_t nslots = t->nslots ? t->nslots * 2 : 256;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < t->len; i++) {
        size_t j = str_hash(t->strs[i]) & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

static int strtab_intern(strtab *t, const char *s, uint32_t *id)
{
    if (t->len + 1 > t->nslots / 2 && strtab_grow(t) != 0)
        return -1;
    size_t j = str_hash(s) & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
        if (strcmp(t->strs[t->slots[j] - 1], s) == 0) {
            *id = t->slots[j] - 1;
            return 0;
        }
    }
    if (t->len == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        const char **strs = realloc(t->strs, cap * sizeof *strs);
        if (strs == NULL)
            return -1;
        t->strs = strs;
        t->cap = cap;
    }
    t->strs[t->len] = s;
    *id = (uint32_t)t->len;
    t->slots[j] = (uint32_t)++t->len;
    return 0;
}

static void strtab_release(strtab *t)
{
    free(t->strs);
    free(t->slots);
}

/* Redis' string2ll: what INCR accepts. No sign but '-', no leading zeros, no
 * "-0", no spaces, within int64. */
static bool canonical_int(const char *s, int64_t *out)
{
    const char *p = s;
    bool neg = *p == '-';
    if (neg)
        p++;
    if (*p < '0' || *p > '9' || (*p == '0' && (p[1] != '\0' || neg)))
        return false;
    uint64_t v = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v > (uint64_t)INT64_MAX + neg)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static int to_mval(strtab *values, const char *s, mval *out)
{
    int64_t i;
    uint32_t id;
    if (canonical_int(s, &i)) {
        *out = (mval){ MV_INT, i };
        return 0;
    }
    if (strtab_intern(values, s, &id) != 0)
        return -1;
    *out = (mval){ MV_STR, id };
    return 0;
}

/* The search's view of one history op; false if it is dropped (no effect). */
static int make_kop(strtab *values, const history *h, size_t i, kop *k, bool *keep)
{
    const hist_op *op = &h->ops[i];
    *keep = !(op->outcome == HIST_FAILED || (op->outcome == HIST_UNKNOWN && op->kind == HIST_GET));
    if (!*keep)
        return 0;
    *k = (kop){ .src = i, .kind = op->kind, .unknown = op->outcome == HIST_UNKNOWN,
                .invoke = op->invoke, .complete = op->complete, .want = { MV_ANY, 0 } };
    if (k->unknown)
        k->complete = INT64_MAX;
    if (op->value && to_mval(values, op->value, &k->arg) != 0)
        return -1;
    if (k->unknown)
        return 0;
    switch (op->result.type) {
    case HIST_R_NIL: k->want = (mval){ MV_NIL, 0 }; break;
    case HIST_R_INT: k->want = (mval){ MV_INT, op->result.i }; break;
    case HIST_R_OK:  k->want = (mval){ MV_OK, 0 }; break;
    case HIST_R_ERR: k->want = (mval){ MV_ERR, 0 }; break;
    case HIST_R_STR: return to_mval(values, op->result.s, &k->want);
    case HIST_R_NONE: break; /* ruled out by history_validate_op */
    }
    return 0;
}

/* ---- values no read returned ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * A string value that no GET of this key returned is indistinguishable, to
 * every op of the key, from any other such string: GETs never match it,
 * SET_NX and DEL see "present", INCR errors. Mapping them all to one value
 * keeps the search from telling apart states no observer could, and makes
 * lost writes of such values interchangeable (see twins in checker_search.c).
 */
static int merge_unobserved(kop *ops, size_t n)
{
    int64_t *seen = malloc((n + 1) * sizeof *seen);
    if (seen == NULL)
        return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (ops[i].kind == HIST_GET && ops[i].want.tag == MV_STR)
            seen[m++] = ops[i].want.v;
    qsort(seen, m, sizeof *seen, cmp_i64);
    for (size_t i = 0; i < n; i++) {
        mval *a = &ops[i].arg;
        if (a->tag == MV_STR && bsearch(&a->v, seen, m, sizeof *seen, cmp_i64) == NULL)
            a->v = MV_UNOBSERVED;
    }
    free(seen);
    return 0;
}

typedef struct {
    int64_t value;
    int64_t at; /* op index for writers, completion time for reads */
} writer;

static int cmp_writers(const void *a, const void *b)
{
    const writer *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * A lost (unknown) write whose value some GET returned, and which is the only
 * op that writes that value, certainly took effect, and before the first
 * such GET completed. Giving it that completion time is exact and spares the
 * search from trying it anywhere later, or never (etcd's robustness tests
 * patch their histories the same way).
 */
static int pin_observed_writes(kop *ops, size_t n)
{
    writer *w = malloc((n + 1) * sizeof *w);
    writer *seen = malloc((n + 1) * sizeof *seen); /* (value, completion) of reads */
    if (w == NULL || seen == NULL) {
        free(w);
        free(seen);
        return -1;
    }
    size_t m = 0, ns = 0;
    for (size_t i = 0; i < n; i++) {
        if ((ops[i].kind == HIST_SET || ops[i].kind == HIST_SET_NX) &&
            ops[i].arg.tag == MV_STR && ops[i].arg.v != MV_UNOBSERVED)
            w[m++] = (writer){ ops[i].arg.v, (int64_t)i };
        if (ops[i].kind == HIST_GET && ops[i].want.tag == MV_STR)
            seen[ns++] = (writer){ ops[i].want.v, ops[i].complete };
    }
    qsort(w, m, sizeof *w, cmp_writers);
    qsort(seen, ns, sizeof *seen, cmp_writers); /* earliest completion first per value */
    for (size_t j = 0; j < m; j++) {
        bool unique = (j == 0 || w[j - 1].value != w[j].value) &&
                      (j + 1 == m || w[j + 1].value != w[j].value);
        kop *op = &ops[w[j].at];
        if (!unique || !op->unknown)
            continue;
        writer key = { op->arg.v, INT64_MIN };
        size_t lo = 0, hi = ns; /* first read of the value */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_writers(&seen[mid], &key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == ns || seen[lo].value != op->arg.v)
            continue;
        int64_t first_seen = seen[lo].at;
        /* Seen before it was even invoked: leave it to the search to reject. */
        if (first_seen >= op->invoke) {
            op->unknown = false; /* its result stays unconstrained (MV_ANY) */
            op->complete = first_seen;
        }
    }
    free(w);
    free(seen);
    return 0;
}

/* ---- the check ---- */

typedef struct {
    const history *h;
    const check_opts *opts;
    strtab keys, values;
    uint32_t *key_of;  /* per history op */
    size_t *by_key;    /* history indices grouped by key (CSR) */
    size_t *key_start; /* per key id, into by_key; one extra at the end */
    uint32_t *order;   /* key ids sorted by name */
    kop *kops;         /* scratch for one key */
    int64_t start, deadline_ns;
} checker;

static int cmp_key_ids(const void *a, const void *b, void *keys)
{
    const strtab *t = keys;
    return strcmp(t->strs[*(const uint32_t *)a], t->strs[*(const uint32_t *)b]);
}

static int partition(checker *c, ss_errmsg err)
{
    const history *h = c->h;
    c->key_of = malloc((h->len + 1) * sizeof *c->key_of);
    c->by_key = malloc((h->len + 1) * sizeof *c->by_key);
    c->kops = malloc((h->len + 1) * sizeof *c->kops);
    if (c->key_of == NULL || c->by_key == NULL || c->kops == NULL)
        return ss_errf(err, SS_ENOMEM, "history of %zu ops", h->len);
    for (size_t i = 0; i < h->len; i++)
        if (strtab_intern(&c->keys, h->ops[i].key, &c->key_of[i]) != 0)
            return ss_errf(err, SS_ENOMEM, "key table");
    size_t nk = c->keys.len;
    c->key_start = calloc(nk + 2, sizeof *c->key_start);
    c->order = malloc((nk + 1) * sizeof *c->order);
    if (c->key_start == NULL || c->order == NULL)
        return ss_errf(err, SS_ENOMEM, "%zu keys", nk);
    for (size_t i = 0; i < h->len; i++)
        c->key_start[c->key_of[i] + 2]++;
    for (size_t k = 2; k < nk + 2; k++)
        c->key_start[k] += c->key_start[k - 1];
    for (size_t i = 0; i < h->len; i++) /* stable: keeps history order per key */
        c->by_key[c->key_start[c->key_of[i] + 1]++] = i;
    for (size_t k = 0; k < nk; k++)
        c->order[k] = (uint32_t)k;
    qsort_r(c->order, nk, sizeof *c->order, cmp_key_ids, &c->keys);
    return SS_OK;
}

/* Checks one key; appends an explanation to b when it is the first failure. */
static int check_key(checker *c, uint32_t key, check_result *out, rbuf *b)
{
    size_t n = 0;
    for (size_t j = c->key_start[key]; j < c->key_start[key + 1]; j++) {
        bool keep;
        if (make_kop(&c->values, c->h, c->by_key[j], &c->kops[n], &keep) != 0)
            return SS_ENOMEM;
        n += keep;
    }
    if (merge_unobserved(c->kops, n) != 0 || pin_observed_writes(c->kops, n) != 0)
        return SS_ENOMEM;
    ksearch s = { .ops = c->kops, .n = n, .max_states = c->opts->max_states,
                  .deadline_ns = c->deadline_ns };
    int rc = checker_search(&s);
    free(s.best);
    if (rc != SS_OK)
        return rc;
    out->states += s.states;
    const char *name = c->keys.strs[key];
    if (s.verdict == CHECK_UNKNOWN) {
        out->keys_unknown++;
        rb_printf(b, "key ");
        char q[64];
        history_quote(name, q, sizeof q);
        rb_printf(b, "%s: unknown, the budget ran out after %" PRIu64 " states (%zu ops)\n",
                  q, s.states, n);
    } else if (s.verdict == CHECK_NOT_LINEARIZABLE) {
        if (out->keys_failed++ > 0) {
            char q[64];
            history_quote(name, q, sizeof q);
            rb_printf(b, "key %s: also not linearizable (%zu ops)\n", q, n);
            return SS_OK;
        }
        if ((out->failing_key = strdup(name)) == NULL)
            return SS_ENOMEM;
        explain_ctx cx = { c->h, name, c->values.strs, c->start, c->opts->max_states,
                           c->deadline_ns };
        return checker_explain(&cx, c->kops, n, !c->opts->no_minimise, b);
    }
    return SS_OK;
}

int checker_check(const history *h, const check_opts *opts, check_result *out, ss_errmsg err)
{
    static const check_opts defaults = { 0 };
    if (opts == NULL)
        opts = &defaults;
    memset(out, 0, sizeof *out);
    checker c = { .h = h, .opts = opts, .start = INT64_MAX };
    for (size_t i = 0; i < h->len; i++) {
        int rc = history_validate_op(&h->ops[i], err);
        if (rc != SS_OK)
            return ss_errwrap(err, rc, "op #%zu", i + 1);
        if (h->ops[i].invoke < c.start)
            c.start = h->ops[i].invoke;
    }
    if (opts->max_ms > 0)
        c.deadline_ns = checker_now_ns() + opts->max_ms * 1000000;
    rbuf details = { 0 }, b = { 0 };
    int rc = partition(&c, err);
    out->keys = c.keys.len;
    for (size_t k = 0; rc == SS_OK && k < c.keys.len; k++)
        if ((rc = check_key(&c, c.order[k], out, &details)) != SS_OK)
            ss_errf(err, rc, "check key '%s'", c.keys.strs[c.order[k]]);
    if (rc == SS_OK) {
        out->verdict = out->keys_failed  ? CHECK_NOT_LINEARIZABLE
                       : out->keys_unknown ? CHECK_UNKNOWN : CHECK_LINEARIZABLE;
        rb_printf(&b, "verdict: %s (%zu ops, %zu keys: %zu not linearizable, %zu unknown; "
                  "%" PRIu64 " states explored)\n", checker_verdict_name(out->verdict),
                  h->len, out->keys, out->keys_failed, out->keys_unknown, out->states);
        rb_printf(&b, "%s", details.s ? details.s : "");
        if (b.oom || details.oom)
            rc = ss_errf(err, SS_ENOMEM, "report");
    }
    if (rc == SS_OK) {
        out->report = b.s;
        b.s = NULL;
    } else {
        check_result_release(out);
    }
    free(b.s);
    free(details.s);
    strtab_release(&c.keys);
    strtab_release(&c.values);
    free(c.key_of);
    free(c.by_key);
    free(c.key_start);
    free(c.order);
    free(c.kops);
    return rc;
}

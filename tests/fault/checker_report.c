/* Explaining a failure: the shortest failing prefix of a key's history, printed readably. */
#include "fault/checker.h"
#include "fault/checker_internal.h"

#include <stdlib.h>
#include <string.h>

/* Longer failing prefixes print only their latest ops. */
#define SHOW_OPS 40
#define SHOW_ORDER 30

/*
 * Cutting at time T: ops invoked by T stay; those that completed by T keep
 * their results, the others become pending (unknown, and dropped if reads).
 * A linearization of the whole history, truncated after the last op that
 * completed by T, is one of the cut, so if the cut at T fails so does every
 * later cut: the earliest failing T can be found by bisection.
 */
static size_t cut_at(const kop *ops, size_t n, int64_t t, kop *out)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].invoke > t)
            continue;
        kop k = ops[i];
        if (k.unknown || k.complete > t) {
            if (k.kind == HIST_GET)
                continue;
            k.unknown = true;
            k.want = (mval){ MV_ANY, 0 };
            k.complete = INT64_MAX;
        }
        out[m++] = k;
    }
    return m;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void print_time(rbuf *b, const explain_ctx *cx, int64_t t)
{
    if (t == INT64_MAX)
        rb_printf(b, "?");
    else
        rb_printf(b, "%.6fs", (double)(t - cx->start) / 1e9);
}

static void print_quoted(rbuf *b, const char *s)
{
    char small[128];
    size_t need = history_quote(s, small, sizeof small);
    if (need < sizeof small) {
        rb_printf(b, "%s", small);
        return;
    }
    char *big = malloc(need + 1);
    if (big == NULL) {
        b->oom = true;
        return;
    }
    history_quote(s, big, need + 1);
    rb_printf(b, "%s", big);
    free(big);
}

static void print_op(rbuf *b, const explain_ctx *cx, size_t src)
{
    const hist_op *op = &cx->h->ops[src];
    rb_printf(b, "#%zu client %d %s ", src + 1, op->client, history_kind_name(op->kind));
    print_quoted(b, op->key);
    if (op->value) {
        rb_printf(b, " ");
        print_quoted(b, op->value);
    }
    rb_printf(b, " -> ");
    switch (op->result.type) {
    case HIST_R_NONE: rb_printf(b, "? (%s)", history_outcome_name(op->outcome)); break;
    case HIST_R_NIL:  rb_printf(b, "nil"); break;
    case HIST_R_OK:   rb_printf(b, "OK"); break;
    case HIST_R_ERR:  rb_printf(b, "error"); break;
    case HIST_R_INT:  rb_printf(b, "%lld", (long long)op->result.i); break;
    case HIST_R_STR:  print_quoted(b, op->result.s); break;
    }
    rb_printf(b, " [t=");
    print_time(b, cx, op->invoke);
    rb_printf(b, "..");
    print_time(b, cx, op->outcome == HIST_OK ? op->complete : INT64_MAX);
    rb_printf(b, "]");
}

static void print_mval(rbuf *b, const explain_ctx *cx, mval v)
{
    if (v.tag == MV_NIL)
        rb_printf(b, "nil");
    else if (v.tag == MV_INT)
        rb_printf(b, "\"%lld\"", (long long)v.v);
    else if (v.v == MV_UNOBSERVED)
        rb_printf(b, "a string no read returned");
    else
        print_quoted(b, cx->strs[v.v]);
}

/* Did op change the register (as far as the model says it returned r)? */
static bool is_effective_write(const kop *op, mval r)
{
    switch (op->kind) {
    case HIST_GET:    return false;
    case HIST_SET_NX: return r.v == 1;
    case HIST_INCR:   return r.tag == MV_INT;
    default:          return true;
    }
}

/* The op that last wrote the register in the longest prefix, or NULL. */
static const kop *last_writer(const kop *ops, const ksearch *s)
{
    const kop *w = NULL;
    mval st = { MV_NIL, 0 }, r;
    for (size_t i = 0; i < s->best_len; i++) {
        const kop *op = &ops[s->best[i]];
        if (!checker_step(op, st, &st, &r))
            break; /* cannot happen: the prefix was linearized */
        if (is_effective_write(op, r))
            w = op;
    }
    return w;
}

/* The latest write acknowledged before t, by real time, or NULL. */
static const kop *acked_before(const kop *ops, size_t n, int64_t t)
{
    const kop *w = NULL;
    for (size_t i = 0; i < n; i++) {
        const kop *op = &ops[i];
        if (op->unknown || op->complete >= t || !is_effective_write(op, op->want))
            continue;
        if (w == NULL || op->complete > w->complete)
            w = op;
    }
    return w;
}

/* Finds the earliest failing cut; returns its time (INT64_MAX: the whole
 * history) and leaves the cut's ops in cut and its length in cn. */
static int shortest_cut(const explain_ctx *cx, const kop *ops, size_t n, kop *cut, size_t *cn,
                        int64_t *cut_time)
{
    int64_t *times = malloc((n + 1) * sizeof *times);
    if (times == NULL)
        return SS_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!ops[i].unknown)
            times[m++] = ops[i].complete;
    qsort(times, m, sizeof *times, cmp_i64);
    size_t lo = 0, hi = m; /* hi == m stands for the whole history, known to fail */
    int rc = SS_OK;
    while (lo < hi && rc == SS_OK) {
        size_t mid = lo + (hi - lo) / 2;
        ksearch s = { .ops = cut, .n = cut_at(ops, n, times[mid], cut),
                      .max_states = cx->max_states, .deadline_ns = cx->deadline_ns };
        rc = checker_search(&s);
        free(s.best);
        /* A cut whose search ran out of budget proves nothing: look later. */
        if (s.verdict == CHECK_NOT_LINEARIZABLE)
            hi = mid;
        else
            lo = mid + 1;
    }
    *cut_time = hi < m ? times[hi] : INT64_MAX;
    free(times);
    if (hi < m) {
        *cn = cut_at(ops, n, *cut_time, cut);
    } else {
        memcpy(cut, ops, n * sizeof *ops);
        *cn = n;
    }
    return rc;
}

static int cmp_by_invoke(const void *a, const void *b)
{
    const kop *x = a, *y = b;
    if (x->invoke != y->invoke)
        return x->invoke < y->invoke ? -1 : 1;
    return x->src < y->src ? -1 : x->src > y->src;
}

static void print_cut(rbuf *b, const explain_ctx *cx, const kop *cut, size_t cn, const ksearch *s)
{
    bool *in_prefix = calloc(cn + 1, sizeof *in_prefix);
    size_t *srcs = malloc((cn + 1) * sizeof *srcs);
    if (in_prefix == NULL || srcs == NULL) {
        b->oom = true;
        goto out;
    }
    /* s->best indexes cut; remember by history index before sorting. */
    for (size_t i = 0; i < cn; i++)
        srcs[i] = cut[i].src;
    for (size_t i = 0; i < s->best_len; i++)
        in_prefix[s->best[i]] = true;
    rb_printf(b, "  linearization of that prefix:");
    size_t from = s->best_len > SHOW_ORDER ? s->best_len - SHOW_ORDER : 0;
    if (from > 0)
        rb_printf(b, " (%zu earlier)", from);
    for (size_t i = from; i < s->best_len; i++)
        rb_printf(b, " #%zu", srcs[s->best[i]] + 1);
    rb_printf(b, "%s\n", s->best_len == 0 ? " (empty)" : "");

    /* Keep the marks by history index while a copy is sorted by invocation. */
    kop *sorted = malloc((cn + 1) * sizeof *sorted);
    bool *mark = calloc(cx->h->len + 1, sizeof *mark);
    if (sorted == NULL || mark == NULL) {
        free(sorted);
        free(mark);
        b->oom = true;
        goto out;
    }
    for (size_t i = 0; i < cn; i++)
        mark[cut[i].src] = in_prefix[i];
    memcpy(sorted, cut, cn * sizeof *cut);
    qsort(sorted, cn, sizeof *sorted, cmp_by_invoke);
    rb_printf(b, "  operations in the failing prefix, by invocation "
                 "(L = in the linearizable prefix, P = still running at the cut, "
                 "> = could not be linearized):\n");
    from = cn > SHOW_OPS ? cn - SHOW_OPS : 0;
    if (from > 0)
        rb_printf(b, "    ... %zu earlier operations not shown\n", from);
    size_t blocking_src = s->blocking == SIZE_MAX ? SIZE_MAX : srcs[s->blocking];
    for (size_t i = from; i < cn; i++) {
        const kop *k = &sorted[i];
        const hist_op *op = &cx->h->ops[k->src];
        bool pending = k->unknown && op->outcome == HIST_OK;
        rb_printf(b, "   %c%c%c ", k->src == blocking_src ? '>' : ' ', mark[k->src] ? 'L' : ' ',
                  pending ? 'P' : ' ');
        print_op(b, cx, k->src);
        rb_printf(b, "\n");
    }
    free(sorted);
    free(mark);
out:
    free(in_prefix);
    free(srcs);
}

/* For a read that got stuck: who wrote the value it returned. */
static void print_value_source(rbuf *b, const explain_ctx *cx, const kop *ops, size_t n,
                               const kop *stuck)
{
    const hist_op *read = &cx->h->ops[stuck->src];
    if (read->kind != HIST_GET || read->result.type != HIST_R_STR)
        return;
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        const hist_op *w = &cx->h->ops[ops[i].src];
        if (w->value == NULL || strcmp(w->value, read->result.s) != 0)
            continue;
        if (shown++ == 3) {
            rb_printf(b, "  (more writes of that value not shown)\n");
            break;
        }
        rb_printf(b, "  the value it returned was written by ");
        print_op(b, cx, ops[i].src);
        rb_printf(b, "\n");
    }
    if (shown == 0)
        rb_printf(b, "  no operation on this key wrote the value it returned "
                     "(INCR results aside)\n");
}

static void print_blocking(rbuf *b, const explain_ctx *cx, const kop *ops, size_t n,
                           const kop *cut, const ksearch *s)
{
    const kop *stuck = &cut[s->blocking];
    rb_printf(b, "  no linearization; longest linearizable prefix (%zu ops) ends before:\n    ",
              s->best_len);
    print_op(b, cx, stuck->src);
    rb_printf(b, "\n  register after that prefix: ");
    const kop *w = last_writer(cut, s);
    const hist_op *wop = w ? &cx->h->ops[w->src] : NULL;
    if (s->best_state.tag == MV_STR && wop != NULL && wop->value != NULL)
        print_quoted(b, wop->value); /* the real text, even if merged as unobserved */
    else
        print_mval(b, cx, s->best_state);
    if (w != NULL) {
        rb_printf(b, ", last written by ");
        print_op(b, cx, w->src);
    }
    rb_printf(b, "\n");
    print_value_source(b, cx, ops, n, stuck);
    const kop *acked = acked_before(ops, n, stuck->invoke);
    if (acked != NULL) {
        rb_printf(b, "  latest write acknowledged before #%zu was invoked: ", stuck->src + 1);
        print_op(b, cx, acked->src);
        rb_printf(b, " (acknowledged at ");
        print_time(b, cx, acked->complete);
        rb_printf(b, ")\n");
    } else {
        rb_printf(b, "  no write was acknowledged before #%zu was invoked\n", stuck->src + 1);
    }
}

int checker_explain(const explain_ctx *cx, const kop *ops, size_t n, bool minimise, rbuf *b)
{
    kop *cut = malloc((n + 1) * sizeof *cut);
    if (cut == NULL)
        return SS_ENOMEM;
    size_t cn = n;
    int64_t t = INT64_MAX;
    int rc = SS_OK;
    if (minimise)
        rc = shortest_cut(cx, ops, n, cut, &cn, &t);
    else
        memcpy(cut, ops, n * sizeof *ops);
    ksearch s = { .ops = cut, .n = cn, .max_states = cx->max_states,
                  .deadline_ns = cx->deadline_ns, .record = true };
    if (rc == SS_OK)
        rc = checker_search(&s);
    if (rc != SS_OK) {
        free(s.best);
        free(cut);
        return rc;
    }
    rb_printf(b, "key ");
    print_quoted(b, cx->key);
    rb_printf(b, ": not linearizable (%zu ops checked)\n", n);
    if (t != INT64_MAX) {
        rb_printf(b, "  shortest failing prefix: the %zu ops invoked by t=", cn);
        print_time(b, cx, t);
        rb_printf(b, " (ops running at that time count as pending)\n");
    }
    if (s.verdict == CHECK_NOT_LINEARIZABLE && s.blocking != SIZE_MAX) {
        print_blocking(b, cx, ops, n, cut, &s);
        print_cut(b, cx, cut, cn, &s);
    } else {
        rb_printf(b, "  (the budget ran out while looking for the longest linearizable prefix)\n");
    }
    free(s.best);
    free(cut);
    return SS_OK;
}

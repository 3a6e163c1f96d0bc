/* Linearizability checker for key-value histories (per-key register model). */
#ifndef SS_CHECKER_H
#define SS_CHECKER_H

#include <stdint.h>

#include "common/error.h"
#include "fault/history.h"

/*
 * The model is one register per key holding nil or a string: GET returns it,
 * SET replaces it, SET_NX replaces it only when nil (1) or else leaves it (0),
 * DEL makes it nil and returns 1 iff it was not nil, INCR treats nil as 0 and
 * stores n+1, and replies an error (state unchanged) when the value is not a
 * canonical int64 or would overflow.
 *
 * Keys are independent (P-compositionality), so each key's sub-history is
 * checked on its own with the Wing & Gong / Lowe search, memoizing (set of
 * linearized ops, register value).
 *
 * Outcomes: FAILED ops are dropped; UNKNOWN ops may take effect at any point
 * after their invocation or never, with any result; UNKNOWN GETs are dropped.
 * Times are compared with ties counted as overlapping.
 *
 * Exact reductions keep lost writes affordable (none assumes unique values;
 * each applies only where it is sound): string values no GET returned are
 * merged into one; UNKNOWN ops of the same kind and argument are applied in
 * invocation order and counted; a state with fewer UNKNOWN ops applied
 * dominates an otherwise equal one; an UNKNOWN write that is the only writer
 * of a value some GET returned must have completed by that GET's completion.
 * The search tries UNKNOWN ops first for a few states per op (quick to find a
 * linearization), then last (quick to prove there is none).
 */

typedef enum {
    CHECK_LINEARIZABLE,
    CHECK_NOT_LINEARIZABLE,
    CHECK_UNKNOWN /* the budget ran out first: nothing proven either way */
} check_verdict;

typedef struct {
    uint64_t max_states; /* per key: distinct (linearized set, value) states; 0 = no limit */
    int64_t max_ms;      /* for the whole check, wall clock; 0 = no limit */
    int no_minimise;     /* skip the search for the shortest failing prefix */
} check_opts;

typedef struct {
    check_verdict verdict;
    size_t keys;         /* keys in the history */
    size_t keys_failed;  /* proven not linearizable */
    size_t keys_unknown; /* budget ran out */
    uint64_t states;     /* explored, all keys */
    char *failing_key;   /* the first failing key (in key order), or NULL */
    char *report;        /* human-readable verdict and explanation; never NULL after success */
} check_result;

/* Checks h. Returns SS_OK with the verdict in *out (release it with
 * check_result_release), or an error (invalid op, out of memory) with err set. */
int checker_check(const history *h, const check_opts *opts, check_result *out, ss_errmsg err);
void check_result_release(check_result *r);

const char *checker_verdict_name(check_verdict v);

#endif

/* Checker internals shared by checker.c (partition, report) and checker_search.c. */
#ifndef SS_CHECKER_INTERNAL_H
#define SS_CHECKER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault/history.h"

/* A register value or a command result. Strings are interned (v = id), and a
 * string that is a canonical integer is always represented as MV_INT, so that
 * SET "5" then INCR then GET "6" compare without formatting. */
typedef enum { MV_NIL, MV_INT, MV_STR, MV_OK, MV_ERR, MV_ANY } mv_tag;

typedef struct {
    mv_tag tag;
    int64_t v;
} mval;

/* MV_STR id standing for every string value of a key that no GET returned. */
#define MV_UNOBSERVED (-1)

/* One op of a key's sub-history, ready for the search. */
typedef struct {
    size_t src;     /* index in the history */
    hist_kind kind;
    bool unknown;   /* may take effect at any time after invoke, or never */
    mval arg;       /* SET, SET_NX */
    mval want;      /* expected result; MV_ANY when unknown */
    int64_t invoke;
    int64_t complete; /* INT64_MAX when unknown */
} kop;

/* Applies op to state s: false if the result it recorded cannot come from s. */
bool checker_step(const kop *op, mval s, mval *out, mval *result);

typedef struct {
    /* inputs */
    const kop *ops;
    size_t n;
    uint64_t max_states;  /* 0 = no limit */
    int64_t deadline_ns;  /* CLOCK_MONOTONIC; 0 = none */
    bool record;          /* keep the longest linearizable prefix */
    /* outputs */
    int verdict;          /* check_verdict */
    uint64_t states;
    size_t *best;         /* ops (indices into ops) of the longest prefix, in order */
    size_t best_len;
    size_t best_done;     /* completed ops in it */
    size_t blocking;      /* op that could not be linearized after it, or SIZE_MAX */
    mval best_state;      /* register value after the prefix */
} ksearch;

/* Runs the search; SS_OK (verdict set) or SS_ENOMEM. Release best with free(). */
int checker_search(ksearch *s);

int64_t checker_now_ns(void);

/* A growing report; after a failed allocation it stops growing and sets oom. */
typedef struct {
    char *s;
    size_t len, cap;
    bool oom;
} rbuf;

void rb_printf(rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What the report needs to print a key's ops. */
typedef struct {
    const history *h;
    const char *key;
    const char *const *strs; /* interned string id -> text */
    int64_t start;           /* times print relative to this */
    uint64_t max_states;
    int64_t deadline_ns;
} explain_ctx;

/* Appends why ops (a key's sub-history, known not linearizable) fail: the
 * shortest failing prefix by time, the longest linearizable prefix in it and
 * the op it could not get past. */
int checker_explain(const explain_ctx *cx, const kop *ops, size_t n, bool minimise, rbuf *b);

#endif

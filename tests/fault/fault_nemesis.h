/* Fault schedules for the fault tests: what to break, when, and for how long. */
#ifndef SS_FAULT_NEMESIS_H
#define SS_FAULT_NEMESIS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fault/fault_cluster.h"

typedef struct fn_ctx {
    fc_cluster *c;
    uint64_t rng;          /* seeded: the same seed picks the same faults */
    long long deadline_ms; /* h_now_ms() after which the schedule returns */
    FILE *events;          /* one line per fault, with fcl_now_ns() times */
    const char *dir;       /* the run's directory */
    int faults;            /* faults injected */
    bool harness_error;    /* a node could not be restarted, ... */
    char failure[512];     /* a schedule saw what must not happen (fails the run) */
} fn_ctx;

typedef struct fn_schedule {
    const char *name;
    int nodes;
    void (*run)(fn_ctx *ctx);
    int spares;            /* slots beyond the nodes, not started (FC_MAX in all) */
} fn_schedule;

/* NULL-terminated table of every schedule. */
extern const fn_schedule fn_schedules[];
const fn_schedule *fn_find(const char *name);

uint64_t fn_rand(uint64_t *state);
/* Membership changes under faults (fault_membership.c). */
void fn_membership(fn_ctx *ctx);
void fn_event(fn_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

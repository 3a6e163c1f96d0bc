/* One fault run: a cluster, clients, a schedule, then healing and every check. */
#ifndef SS_FAULT_RUN_H
#define SS_FAULT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fr_opts {
    const char *schedule; /* a name from fn_schedules */
    int nodes;            /* 0: the schedule's own */
    uint64_t seed;
    int fault_ms;         /* how long the schedule injects faults */
    int nclients;
    bool strict;          /* an UNKNOWN checker verdict fails the run */
    bool scripts;         /* the clients' operations are Lua scripts (EVAL, EVAL_RO) */
    const char *workload; /* NULL: the registers; else a name from fault_workload.h
                             ("queue", "stream"), nclients 0 then means its own */
} fr_opts;

typedef struct fr_result {
    bool passed;
    bool unproven;        /* the checker ran out of budget on some key */
    size_t ops;
    int faults;
    char dir[256];        /* the run's directory (removed when it passed) */
    char why[4096];       /* the first failure */
} fr_result;

/* Runs everything; prints a summary line, and on failure where the history,
 * node logs, data directories and event log are kept, and how to replay. */
void fr_run(const fr_opts *o, fr_result *out);

/* FAULT_SEED from the environment, else a fresh random seed. */
uint64_t fr_seed(void);

#endif

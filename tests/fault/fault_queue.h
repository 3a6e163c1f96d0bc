/* The job-queue workload of the fault runs (LPUSH, BLMOVE/BRPOP, LREM) and its checker. */
#ifndef SS_FAULT_QUEUE_H
#define SS_FAULT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault/history.h"

/*
 * As Celery, Sidekiq and BullMQ use a list: producers LPUSH unique job ids to
 * "queue"; consumers take them with BLMOVE queue processing RIGHT LEFT 1 and
 * LREM processing 1 job once done, or with BRPOP queue 1 (no processing list).
 * A pop whose reply was an error or never came is unknown (it may have taken
 * a job nobody saw); a nil reply is a pop that took nothing.
 */
typedef enum { FQ_PUSH, FQ_BLMOVE, FQ_BRPOP, FQ_LREM } fq_kind;

typedef struct fq_op {
    int client;
    fq_kind kind;
    hist_outcome outcome;
    char job[24];   /* pushed, popped (ok; "" for nil) or removed */
    long long n;    /* LREM: elements removed (ok) */
    int64_t invoke, complete;
} fq_op;

/* The final queue and processing lists against the history:
 *   - no job delivered twice (two pops' replies, or a reply and still in a list);
 *   - no job in the lists twice, none never pushed or whose push failed;
 *   - a job moved by BLMOVE stays in processing until its consumer's LREM
 *     (an acknowledged LREM of it removed 1);
 *   - every acknowledged push was delivered or is in a list, except at most
 *     one job per unknown BRPOP (an unknown BLMOVE leaves its job in
 *     processing, so it explains no missing job).
 * False with the first violation in why. */
bool fq_check(const fq_op *ops, size_t nops, char *const *queue, size_t nqueue, char *const *processing,
              size_t nproc, char *why, size_t whysize);

const char *fq_kind_name(fq_kind kind);

#endif

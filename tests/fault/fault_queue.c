/* The job-queue workload of the fault runs (LPUSH, BLMOVE/BRPOP, LREM) and its checker. */
#include "fault/fault_queue.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault_nemesis.h"
#include "fault/fault_workload.h"

#define QUEUE "queue"
#define PROCESSING "processing"
#define POP_TIMEOUT_S 1 /* the blocking pops' own timeout */

const char *fq_kind_name(fq_kind kind)
{
    static const char *const names[] = {"LPUSH", "BLMOVE", "BRPOP", "LREM"};
    return names[kind];
}

/* ---------------------------------------------------------------- checker */

/* One fact about one job; sorted by job, a job's facts are side by side. */
enum { F_PUSH_OK, F_PUSH_UNKNOWN, F_PUSH_FAILED, F_BLMOVE, F_BRPOP, F_LREM_ONE, F_LREM_NONE, F_LREM_UNKNOWN,
       F_IN_QUEUE, F_IN_PROC, F_KINDS };

typedef struct fact {
    const char *job;
    int what;
    int client;
} fact;

static int cmp_fact(const void *a, const void *b)
{
    const fact *x = a, *y = b;
    int c = strcmp(x->job, y->job);
    return c ? c : x->what - y->what;
}

static int op_fact(const fq_op *op)
{
    switch (op->kind) {
    case FQ_PUSH:
        return op->outcome == HIST_OK ? F_PUSH_OK : op->outcome == HIST_UNKNOWN ? F_PUSH_UNKNOWN : F_PUSH_FAILED;
    case FQ_BLMOVE:
    case FQ_BRPOP:
        if (op->outcome != HIST_OK || !op->job[0])
            return -1;
        return op->kind == FQ_BLMOVE ? F_BLMOVE : F_BRPOP;
    default:
        if (op->outcome == HIST_UNKNOWN)
            return F_LREM_UNKNOWN;
        if (op->outcome != HIST_OK)
            return -1;
        return op->n == 0 ? F_LREM_NONE : F_LREM_ONE;
    }
}

/* The rules of fq_check for one job's counts; false with why. */
static bool check_job(const char *job, const int *n, const int *who, long long *missing, char *why, size_t size)
{
    int pushed = n[F_PUSH_OK] + n[F_PUSH_UNKNOWN] + n[F_PUSH_FAILED];
    int delivered = n[F_BLMOVE] + n[F_BRPOP], present = n[F_IN_QUEUE] + n[F_IN_PROC];
    if (pushed == 0) {
        snprintf(why, size, "job %s was never pushed, yet it was delivered %d times and is %d times in the lists",
                 job, delivered, present);
        return false;
    }
    if (n[F_PUSH_OK] + n[F_PUSH_UNKNOWN] == 0 && (delivered || present)) {
        snprintf(why, size, "job %s: its LPUSH failed (an error meaning never applied), yet it was %s", job,
                 delivered ? "delivered" : "in the lists at the end");
        return false;
    }
    if (delivered > 1) {
        snprintf(why, size, "job %s delivered to two consumers: clients %d and %d (%d BLMOVE, %d BRPOP replies)",
                 job, who[F_BLMOVE] ? who[F_BLMOVE] : who[F_BRPOP], who[F_BRPOP] ? who[F_BRPOP] : who[F_BLMOVE],
                 n[F_BLMOVE], n[F_BRPOP]);
        return false;
    }
    if (present > 1) {
        snprintf(why, size, "job %s is %d times in queue and %d times in processing at the end", job,
                 n[F_IN_QUEUE], n[F_IN_PROC]);
        return false;
    }
    if (delivered && n[F_IN_QUEUE]) {
        snprintf(why, size, "job %s was delivered to client %d and is still in the queue at the end", job,
                 who[F_BLMOVE] | who[F_BRPOP]);
        return false;
    }
    if ((n[F_BRPOP] || n[F_LREM_ONE]) && n[F_IN_PROC]) {
        snprintf(why, size, "job %s is in processing at the end though %s", job,
                 n[F_BRPOP] ? "BRPOP delivered it" : "its consumer's LREM removed it");
        return false;
    }
    if (n[F_LREM_NONE] && n[F_BLMOVE]) {
        snprintf(why, size, "job %s moved to processing by client %d's BLMOVE was gone when it ran LREM (0 removed)",
                 job, who[F_BLMOVE]);
        return false;
    }
    if (n[F_BLMOVE] && !n[F_IN_PROC] && !n[F_LREM_ONE] && !n[F_LREM_UNKNOWN]) {
        snprintf(why, size, "job %s moved to processing by client %d's BLMOVE is gone and no LREM removed it", job,
                 who[F_BLMOVE]);
        return false;
    }
    if (n[F_PUSH_OK] && !delivered && !present)
        (*missing)++;
    return true;
}

bool fq_check(const fq_op *ops, size_t nops, char *const *queue, size_t nqueue, char *const *processing,
              size_t nproc, char *why, size_t whysize)
{
    fact *facts = malloc((nops + nqueue + nproc + 1) * sizeof *facts);
    if (!facts)
        abort();
    size_t nf = 0;
    long long unknown_brpop = 0;
    for (size_t i = 0; i < nops; i++) {
        if (ops[i].kind == FQ_BRPOP && ops[i].outcome == HIST_UNKNOWN)
            unknown_brpop++;
        int what = op_fact(&ops[i]);
        if (what >= 0)
            facts[nf++] = (fact){ops[i].job, what, ops[i].client};
    }
    for (size_t i = 0; i < nqueue; i++)
        facts[nf++] = (fact){queue[i], F_IN_QUEUE, 0};
    for (size_t i = 0; i < nproc; i++)
        facts[nf++] = (fact){processing[i], F_IN_PROC, 0};
    qsort(facts, nf, sizeof *facts, cmp_fact);

    bool ok = true;
    long long missing = 0;
    const char *first_missing = NULL;
    for (size_t i = 0; i < nf && ok;) {
        int n[F_KINDS] = {0}, who[F_KINDS] = {0};
        size_t j = i;
        for (; j < nf && !strcmp(facts[j].job, facts[i].job); j++) {
            n[facts[j].what]++;
            if (!who[facts[j].what])
                who[facts[j].what] = facts[j].client;
        }
        long long before = missing;
        ok = check_job(facts[i].job, n, who, &missing, why, whysize);
        if (missing > before && !first_missing)
            first_missing = facts[i].job;
        i = j;
    }
    if (ok && missing > unknown_brpop) {
        snprintf(why, whysize,
                 "%lld acknowledged jobs (the first %s) were neither delivered nor in queue or processing at "
                 "the end, and only %lld BRPOPs had an unknown outcome: jobs were lost",
                 missing, first_missing, unknown_brpop);
        ok = false;
    }
    free(facts);
    return ok;
}

/* --------------------------------------------------------------- clients */



/* Runs one command and records it; false when the connection must go. */
static bool record(fw_client *q, redisContext *ctx, fq_kind kind, const char *job)
{
    fq_op *op = fw_vec_push(&q->ops);
    op->client = q->id;
    op->kind = kind;
    op->invoke = fcl_now_ns();
    op->complete = INT64_MAX;
    redisReply *r;
    switch (kind) {
    case FQ_PUSH: r = redisCommand(ctx, "LPUSH %s %s", QUEUE, job); break;
    case FQ_BLMOVE: r = redisCommand(ctx, "BLMOVE %s %s RIGHT LEFT %d", QUEUE, PROCESSING, POP_TIMEOUT_S); break;
    case FQ_BRPOP: r = redisCommand(ctx, "BRPOP %s %d", QUEUE, POP_TIMEOUT_S); break;
    default: r = redisCommand(ctx, "LREM %s 1 %s", PROCESSING, job); break;
    }
    if (kind != FQ_BLMOVE && kind != FQ_BRPOP)
        snprintf(op->job, sizeof op->job, "%s", job);
    if (!r) {
        op->outcome = HIST_UNKNOWN;
        return false;
    }
    bool keep = true;
    op->outcome = HIST_OK;
    if (r->type == REDIS_REPLY_ERROR) {
        /* A pop's error is unknown whatever it says: it may have taken a job. */
        op->outcome = kind == FQ_BLMOVE || kind == FQ_BRPOP ? HIST_UNKNOWN : fw_error_outcome(r->str);
        keep = false;
    } else if (kind == FQ_BLMOVE && r->type == REDIS_REPLY_STRING) {
        snprintf(op->job, sizeof op->job, "%s", r->str);
    } else if (kind == FQ_BRPOP && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
               r->element[1]->type == REDIS_REPLY_STRING) {
        snprintf(op->job, sizeof op->job, "%s", r->element[1]->str);
    } else if ((kind == FQ_PUSH || kind == FQ_LREM) && r->type == REDIS_REPLY_INTEGER) {
        op->n = r->integer;
    } else if (r->type != REDIS_REPLY_NIL || (kind != FQ_BLMOVE && kind != FQ_BRPOP)) {
        fprintf(stderr, "fault queue client %d: unexpected reply type %d to %s\n", q->id, r->type, fq_kind_name(kind));
        op->outcome = HIST_UNKNOWN;
        keep = false;
    }
    if (op->outcome != HIST_UNKNOWN)
        op->complete = fcl_now_ns();
    freeReplyObject(r);
    return keep;
}

/* The first half of the clients produce; of the consumers, every third uses
 * BRPOP, the others BLMOVE and LREM. */
static void *client_main(void *arg)
{
    fw_client *q = arg;
    fw_run *run = q->run;
    int consumer = q->id - run->clients.n / 2; /* <= 0: a producer */
    redisContext *ctx = NULL;
    uint64_t seq = 0;
    while (!atomic_load(q->stop)) {
        if (!ctx && !(ctx = fw_connect(&run->o, &q->rng, POP_TIMEOUT_S * 1000))) {
            usleep(20 * 1000);
            continue;
        }
        bool keep;
        if (consumer <= 0) {
            char job[24];
            snprintf(job, sizeof job, "j%d-%" PRIu64, q->id, ++seq);
            keep = record(q, ctx, FQ_PUSH, job);
            /* Slower than the consumers, so that they often wait blocked. */
            usleep((useconds_t)(fn_rand(&q->rng) % 8) * 1000);
        } else if (consumer % 3 == 0) {
            keep = record(q, ctx, FQ_BRPOP, NULL);
        } else {
            keep = record(q, ctx, FQ_BLMOVE, NULL);
            const fq_op *got = FW_AT(&q->ops, fq_op, q->ops.len - 1);
            char job[24];
            snprintf(job, sizeof job, "%s", got->outcome == HIST_OK ? got->job : "");
            if (job[0]) {
                /* The job is done: acknowledge it, on a new connection if needed. */
                for (int tries = 0; !ctx && tries < 100; tries++)
                    if (!(ctx = fw_connect(&run->o, &q->rng, 0)))
                        usleep(20 * 1000);
                if (ctx)
                    keep = record(q, ctx, FQ_LREM, job) && keep;
            }
        }
        if (!keep || fn_rand(&q->rng) % 64 == 0) {
            if (ctx)
                redisFree(ctx);
            ctx = NULL;
        }
    }
    if (ctx)
        redisFree(ctx);
    return NULL;
}

static fw_run *queue_start(fc_cluster *c, const fw_opts *o)
{
    redisReply *r = fw_leader_cmd(c, 20000, "DEL %s %s", QUEUE, PROCESSING);
    if (!r)
        return NULL;
    freeReplyObject(r);
    return fw_start(o, 8, 2, sizeof(fq_op), client_main);
}

static int outcome_of(const void *rec) { return (int)((const fq_op *)rec)->outcome; }

static void queue_stop(fw_run *run, fw_stats *st) { fw_stop(run, outcome_of, st); }

static char **strings_of(const redisReply *r)
{
    char **s = calloc(r->elements + 1, sizeof *s);
    for (size_t i = 0; s && i < r->elements; i++)
        s[i] = r->element[i]->type == REDIS_REPLY_STRING ? r->element[i]->str : "";
    return s;
}

static bool queue_check(fw_run *run, fc_cluster *c, char *why, size_t whysize)
{
    redisReply *q = fw_leader_cmd(c, 30000, "LRANGE %s 0 -1", QUEUE);
    redisReply *p = q ? fw_leader_cmd(c, 30000, "LRANGE %s 0 -1", PROCESSING) : NULL;
    bool ok = false;
    if (!q || !p || q->type != REDIS_REPLY_ARRAY || p->type != REDIS_REPLY_ARRAY) {
        snprintf(why, whysize, "could not read the queue and processing lists through the leader after healing");
    } else {
        char **qs = strings_of(q), **ps = strings_of(p);
        ok = fq_check(run->ops.items, run->ops.len, qs, q->elements, ps, p->elements, why, whysize);
        size_t delivered = 0, empty = 0, unknown = 0;
        for (size_t i = 0; i < run->ops.len; i++) {
            const fq_op *op = FW_AT(&run->ops, fq_op, i);
            if (op->kind == FQ_BLMOVE || op->kind == FQ_BRPOP) {
                delivered += op->outcome == HIST_OK && op->job[0];
                empty += op->outcome == HIST_OK && !op->job[0];
                unknown += op->outcome == HIST_UNKNOWN;
            }
        }
        fprintf(stderr, "fault queue: %zu operations, %zu jobs delivered, %zu pops timed out empty, %zu unknown; "
                        "%zu jobs left in queue, %zu in processing\n",
                run->ops.len, delivered, empty, unknown, q->elements, p->elements);
        free(qs);
        free(ps);
    }
    if (q)
        freeReplyObject(q);
    if (p)
        freeReplyObject(p);
    return ok;
}

static void queue_save(const fw_run *run, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    for (size_t i = 0; i < run->ops.len; i++) {
        const fq_op *op = FW_AT(&run->ops, fq_op, i);
        fprintf(f, "client=%d op=%s job=\"%s\" invoke=%" PRId64 " complete=%" PRId64 " outcome=%s n=%lld\n",
                op->client, fq_kind_name(op->kind), op->job, op->invoke, op->complete,
                history_outcome_name(op->outcome), op->n);
    }
    fclose(f);
}


const fw_workload fw_queue = {"queue", queue_start, queue_stop, queue_check, queue_save, fw_free};

/*
 * Fault runs of the workloads other than the registers (fault_workload.h),
 * under the same nemesis as test_fault.c:
 *   - queue: producers LPUSH unique jobs, consumers BLMOVE them to a
 *     processing list and LREM them, or BRPOP them, through every node; no
 *     job delivered twice, no acknowledged job lost, none made up
 *     (fault_queue.h);
 *   - stream: XADD with * IDs, XREADGROUP > consumers with XACK, BITFIELD
 *     INCRBY u32 counters in WRAP and SAT modes (fault_stream.h).
 * The CI set is two short runs of each (FAULT_MS, default 8000 ms of faults,
 * about 20 s a run). Longer and more:
 *   FAULT_MS=60000 tests/test_fault_workloads --filter 'fault_work/queue_random_mix'
 *   FAULT_SEED=1234 tests/test_fault_workloads --filter 'fault_work/stream_kill_leader'   # replay
 *   FAULT_WORKLOAD=queue FAULT_SCHEDULE=split FAULT_SEED=1234 tests/test_fault_workloads \
 *       --filter 'fault_work/replay'       # any workload under any schedule (a failed run prints it)
 *   FAULT_LONG=600 tests/test_fault_workloads --filter 'fault_work/long_random'
 *       random schedules and workloads, 3 or 5 nodes, until the time is up or a run fails
 * FAULT_CLIENTS=n changes the clients (queue: half producers; stream: a third
 * of each role), FAULT_NODES=3|5 the cluster, FAULT_KEEP=1 keeps every run's
 * directory (events.log, operations.txt, node logs and data).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "fault/fault_nemesis.h"
#include "fault/fault_run.h"
#include "integration/harness.h"

static int env_int(const char *name, int def)
{
    const char *s = getenv(name);
    return s && *s ? atoi(s) : def;
}

static void run_workload(const char *workload, const char *schedule)
{
    fr_opts o = {
        .schedule = schedule,
        .workload = workload,
        .nodes = env_int("FAULT_NODES", 0),
        .seed = fr_seed(),
        .fault_ms = env_int("FAULT_MS", 8000),
        .nclients = env_int("FAULT_CLIENTS", 0),
    };
    fr_result r;
    fr_run(&o, &r);
    cr_assert(r.passed, "%s under %s (seed %llu): %s\nkept in %s", workload, schedule, (unsigned long long)o.seed,
              r.why, r.dir);
}

TestSuite(fault_work, .timeout = 240);

Test(fault_work, queue_random_mix) { run_workload("queue", "random_mix"); }
Test(fault_work, queue_kill_leader) { run_workload("queue", "kill_leader"); }
Test(fault_work, stream_random_mix) { run_workload("stream", "random_mix"); }
Test(fault_work, stream_kill_leader) { run_workload("stream", "kill_leader"); }

/* The replay line of a failed run: FAULT_WORKLOAD and FAULT_SCHEDULE name it. */
Test(fault_work, replay)
{
    const char *workload = getenv("FAULT_WORKLOAD"), *schedule = getenv("FAULT_SCHEDULE");
    if (!workload || !schedule)
        cr_skip_test("set FAULT_WORKLOAD=queue|stream and FAULT_SCHEDULE (and FAULT_SEED) to replay a run");
    run_workload(workload, schedule);
}

Test(fault_work, long_random, .timeout = 1e7)
{
    int seconds = env_int("FAULT_LONG", 0);
    if (seconds <= 0)
        cr_skip_test("set FAULT_LONG=seconds to run randomized schedules with the workloads");
    static const char *const workloads[] = {"queue", "stream"};
    uint64_t state = fr_seed();
    long long end = h_now_ms() + (long long)seconds * 1000;
    int nsched = 0;
    while (fn_schedules[nsched].name)
        nsched++;
    for (int run = 1; h_now_ms() < end; run++) {
        uint64_t seed = fn_rand(&state);
        fr_opts o = {
            .schedule = fn_schedules[seed % (uint64_t)nsched].name,
            .workload = workloads[(seed >> 4) % 2],
            .nodes = (seed >> 8) % 2 ? 5 : 3,
            .seed = seed,
            .fault_ms = 10000 + (int)((seed >> 16) % 50000),
            .nclients = 3 + (int)((seed >> 24) % 10),
        };
        fr_result r;
        fr_run(&o, &r);
        fprintf(stderr, "long run %d: %s %s nodes=%d seed=%llu: %s\n", run, o.workload, o.schedule, o.nodes,
                (unsigned long long)seed, r.passed ? "passed" : "FAILED");
        cr_assert(r.passed, "%s under %s (seed %llu, %d nodes, %d clients): %s\nkept in %s", o.workload,
                  o.schedule, (unsigned long long)seed, o.nodes, o.nclients, r.why, r.dir);
    }
}

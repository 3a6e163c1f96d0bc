/*
 * Fault runs whose clients do everything through Lua scripts: every write is
 * an EVAL (one log entry that runs redis.call in apply on every node), every
 * read an EVAL_RO (after the ReadIndex barrier). The same checks as
 * test_fault.c: a linearizable history, acknowledged writes kept, every
 * replica equal, and the counters: acknowledged <= final <= attempted INCRs,
 * so a script entry applied twice (a retried proposal, a replayed log after a
 * restart or a snapshot) would show as a counter above its attempts.
 *
 *   ctest -R test_fault_script --output-on-failure
 *   FAULT_SEED=1234 tests/test_fault_script --filter 'fault_script/kill_leader'
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "fault/fault_run.h"

static int env_int(const char *name, int def)
{
    const char *s = getenv(name);
    return s && *s ? atoi(s) : def;
}

static void run_scripts(const char *name)
{
    fr_opts o = {
        .schedule = name,
        .nodes = env_int("FAULT_NODES", 0),
        .seed = fr_seed(),
        .fault_ms = env_int("FAULT_MS", 10000),
        .nclients = env_int("FAULT_CLIENTS", 4),
        .strict = env_int("FAULT_STRICT", 0) != 0,
        .scripts = true,
    };
    fr_result r;
    fr_run(&o, &r);
    cr_assert(r.passed, "%s with scripts (seed %llu): %s\nkept in %s", name, (unsigned long long)o.seed, r.why,
              r.dir);
}

TestSuite(fault_script, .timeout = 240);

Test(fault_script, kill_leader) { run_scripts("kill_leader"); }
Test(fault_script, partition_leader) { run_scripts("partition_leader"); }
Test(fault_script, rolling_restart) { run_scripts("rolling_restart"); }
Test(fault_script, random_mix) { run_scripts("random_mix"); }

/* The deterministic budget: instruction limit, memory cap, SCRIPT KILL, progress. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/sha1.h"
#include "unit/test_script_helpers.h"

static script_run run_limited(const char *body, uint64_t max_instructions, size_t max_memory,
                              bool allow_writes)
{
    ss_script_limits lim = {.max_instructions = max_instructions, .max_memory = max_memory};
    ss_script_env *env = ss_script_env_new(&lim);
    script_run r = run_script(env, body, RESP2, allow_writes, NULL, NULL);
    ss_script_env_free(env);
    return r;
}

static void expect_budget_error(const script_run *r, const char *body)
{
    char sha[41], want[256];
    ss_sha1_hex(body, strlen(body), sha);
    snprintf(want, sizeof want,
             "-ERR Script exceeded the instruction limit (script-max-instructions) script: %s\r\n", sha);
    cr_expect_eq(r->res.outcome, SS_SCRIPT_BUDGET, "%s", body);
    cr_expect_str_eq(r->reply, want);
}

Test(script_budget, an_endless_loop_stops_with_the_budget_error)
{
    const char *body = "while true do end";
    script_run r = run_limited(body, 1000000, 0, true);
    expect_budget_error(&r, body);
    cr_expect_geq(r.res.instructions, 1000000);
    cr_expect_leq(r.res.instructions, 1000000 + SS_SCRIPT_HOOK_STEP);
    script_run_free(&r);
}

/* The same script stops after the same number of instructions every time, in
 * a fresh env or in one that ran other scripts before: what every replica
 * needs to answer the same. */
Test(script_budget, instruction_counts_are_identical_across_runs_and_envs)
{
    const char *body = "local n = 0 for i = 1, 1e9 do n = n + i % 7 if n > 1e12 then break end end return n";
    ss_script_limits lim = {.max_instructions = 2000000};
    ss_script_env *a = ss_script_env_new(&lim), *b = ss_script_env_new(&lim);
    script_run warm = run_script(b, "local t = {} for i = 1, 1000 do t[i] = i end return #t", RESP2,
                                 true, NULL, NULL);
    script_run_free(&warm);
    script_run first = run_script(a, body, RESP2, true, NULL, NULL);
    for (int i = 0; i < 3; i++) {
        script_run again = run_script(i % 2 ? a : b, body, RESP2, true, NULL, NULL);
        cr_expect_eq(again.res.instructions, first.res.instructions);
        cr_expect_str_eq(again.reply, first.reply);
        cr_expect_eq(again.res.outcome, SS_SCRIPT_BUDGET);
        script_run_free(&again);
    }
    /* A script that finishes reports the same count on every run too. */
    const char *fin = "local n = 0 for i = 1, 50000 do n = n + i end return n";
    script_run f1 = run_script(a, fin, RESP2, true, NULL, NULL);
    script_run f2 = run_script(b, fin, RESP2, true, NULL, NULL);
    cr_expect_eq(f1.res.outcome, SS_SCRIPT_OK);
    cr_expect_eq(f1.res.instructions, f2.res.instructions);
    cr_expect_gt(f1.res.instructions, 0);
    cr_expect_str_eq(f1.reply, ":1250025000\r\n");
    script_run_free(&f1);
    script_run_free(&f2);
    script_run_free(&first);
    ss_script_env_free(a);
    ss_script_env_free(b);
}

Test(script_budget, pcall_xpcall_and_coroutines_cannot_swallow_the_budget)
{
    const char *bodies[] = {
        "while true do pcall(function() while true do end end) end",
        "for i = 1, 1e9 do pcall(error, 'x') end",
        "while true do xpcall(function() while true do end end, function(e) return e end) end",
        "local ok = pcall(function() while true do end end) return 'escaped'",
        "local co = coroutine.create(function() while true do end end) "
        "while true do coroutine.resume(co) co = coroutine.create(function() while true do end end) end",
        "local co = coroutine.wrap(function() while true do end end) local ok = pcall(co) return ok",
        "local s = '' while true do s = string.format('%d', #s) end",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        script_run r = run_limited(bodies[i], 200000, 0, true);
        expect_budget_error(&r, bodies[i]);
        script_run_free(&r);
    }
}

Test(script_budget, scripts_under_the_budget_and_the_env_after_one_run_normally)
{
    ss_script_limits lim = {.max_instructions = 100000};
    ss_script_env *env = ss_script_env_new(&lim);
    script_run r = run_script(env, "while true do end", RESP2, true, NULL, NULL);
    cr_expect_eq(r.res.outcome, SS_SCRIPT_BUDGET);
    script_run_free(&r);
    r = run_script(env, "local n = 0 for i = 1, 100 do n = n + i end return n", RESP2, true, NULL, NULL);
    cr_expect_eq(r.res.outcome, SS_SCRIPT_OK);
    cr_expect_str_eq(r.reply, ":5050\r\n");
    script_run_free(&r);
    /* No limit: 0 means none. */
    lim.max_instructions = 0;
    ss_script_env_set_limits(env, &lim);
    r = run_script(env, "local n = 0 for i = 1, 300000 do n = n + 1 end return n", RESP2, true, NULL, NULL);
    cr_expect_str_eq(r.reply, ":300000\r\n");
    script_run_free(&r);
    ss_script_env_free(env);
}

/* ----------------------------------------------------------------- memory */

static void expect_memory_error(const script_run *r, const char *body)
{
    char sha[41], want[256];
    ss_sha1_hex(body, strlen(body), sha);
    snprintf(want, sizeof want, "-ERR Script exceeded the memory limit (script-max-memory) script: %s\r\n",
             sha);
    cr_expect_eq(r->res.outcome, SS_SCRIPT_MEMORY, "%s", body);
    cr_expect_str_eq(r->reply, want);
}

Test(script_budget, the_memory_cap_stops_scripts_that_grow_past_it)
{
    const char *bodies[] = {
        "return string.rep('x', 100 * 1024 * 1024)",
        "local t = {} for i = 1, 1e8 do t[i] = i end",
        "local t = {} for i = 1, 1e8 do t[i] = 'v' .. i end",
        "local s = 'x' while true do s = s .. s end",
        "local ok = pcall(string.rep, 'x', 1e9) return 'survived'",
        "local t = {} while true do local ok = pcall(function() t[#t + 1] = string.rep('y', 1e5) .. #t end) end",
        "return cjson.encode(string.rep('a', 50 * 1024 * 1024))",
        "local t = {} for i = 1, 1e6 do t[i] = {i, i} end return cmsgpack.pack(t)",
        /* 1 MB of Lua, 2 GB of JSON: cjson's own buffer is outside the allocator */
        "local s = string.rep('j', 1024 * 1024) local t = {} for i = 1, 2000 do t[i] = s end "
        "return #cjson.encode(t)",
        "local s = string.rep('k', 1024 * 1024) local t = {} for i = 1, 20 do t[i] = {s, {s, s}} end "
        "return #cjson.encode({t, t, t})",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        script_run r = run_limited(bodies[i], 0, 16 << 20, true);
        expect_memory_error(&r, bodies[i]);
        cr_expect_leq(r.res.peak_memory, 16 << 20);
        script_run_free(&r);
    }
}

Test(script_budget, memory_is_counted_per_script_and_garbage_does_not_fail_it)
{
    ss_script_limits lim = {.max_memory = 8 << 20};
    ss_script_env *env = ss_script_env_new(&lim);
    /* 10 MB allocated in total, but never more than a little live at once. */
    script_run r = run_script(env, "local n = 0 for i = 1, 100 do local s = string.rep('z', 100000) .. i "
                                   "n = n + #s end return n",
                              RESP2, true, NULL, NULL);
    cr_expect_eq(r.res.outcome, SS_SCRIPT_OK, "%s", r.reply);
    script_run_free(&r);
    r = run_script(env, "return #string.rep('x', 16 * 1024 * 1024)", RESP2, true, NULL, NULL);
    cr_expect_eq(r.res.outcome, SS_SCRIPT_MEMORY);
    script_run_free(&r);
    /* The env is usable afterwards and the big string is gone. */
    r = run_script(env, "return #string.rep('x', 1024 * 1024)", RESP2, true, NULL, NULL);
    cr_expect_str_eq(r.reply, ":1048576\r\n");
    script_run_free(&r);
    ss_script_env_flush(env); /* collects */
    cr_expect_lt(ss_script_env_memory(env), 1 << 20);
    /* Encoding under the cap works, and its buffer is not kept. */
    r = run_script(env, "local s = string.rep('q', 1024 * 1024) return #cjson.encode({s, s, s})", RESP2, true,
                   NULL, NULL);
    cr_expect_str_eq(r.reply, ":3145738\r\n");
    script_run_free(&r);
    ss_script_env_free(env);
}

/* ------------------------------------------------------- kill and progress */

typedef struct progress_log {
    ss_script_env *env;
    int calls;
    uint64_t last;
    bool monotonic;
    int kill_at;
} progress_log;

static void on_progress(void *ctx, uint64_t instructions)
{
    progress_log *p = ctx;
    p->calls++;
    if (instructions <= p->last)
        p->monotonic = false;
    p->last = instructions;
    if (p->kill_at && p->calls == p->kill_at)
        ss_script_kill(p->env);
}

static script_run run_with_progress(ss_script_env *env, const char *body, bool allow_writes,
                                    progress_log *log)
{
    ss_script_call call = {.body = body, .body_len = strlen(body), .proto = RESP2,
                           .allow_writes = allow_writes, .call = fake_call,
                           .progress = on_progress, .progress_ctx = log};
    return run_call(env, &call);
}

Test(script_budget, script_kill_stops_a_read_only_script_with_redis_words)
{
    ss_script_env *env = ss_script_env_new(NULL);
    progress_log log = {.env = env, .monotonic = true, .kill_at = 50};
    const char *body = "while true do pcall(function() while true do end end) end";
    script_run r = run_with_progress(env, body, false, &log);
    char sha[41], want[256];
    ss_sha1_hex(body, strlen(body), sha);
    snprintf(want, sizeof want,
             "-ERR Script killed by user with SCRIPT KILL... script: %s, on @user_script:1.\r\n", sha);
    cr_expect_eq(r.res.outcome, SS_SCRIPT_KILLED);
    cr_expect_str_eq(r.reply, want);
    cr_expect(log.monotonic);
    cr_expect_geq(log.calls, 50);
    script_run_free(&r);
    /* The flag does not outlive the script it was meant for. */
    r = run_script(env, "local n = 0 for i = 1, 200000 do n = n + 1 end return n", RESP2, false, NULL, NULL);
    cr_expect_str_eq(r.reply, ":200000\r\n");
    script_run_free(&r);
    ss_script_env_free(env);
}

Test(script_budget, script_kill_is_ignored_by_write_scripts)
{
    ss_script_limits lim = {.max_instructions = 300000};
    ss_script_env *env = ss_script_env_new(&lim);
    progress_log log = {.env = env, .monotonic = true, .kill_at = 5};
    script_run r = run_with_progress(env, "while true do end", true, &log);
    cr_expect_eq(r.res.outcome, SS_SCRIPT_BUDGET, "%s", r.reply);
    script_run_free(&r);
    ss_script_env_free(env);
}

Test(script_budget, progress_is_reported_every_step)
{
    ss_script_env *env = ss_script_env_new(NULL);
    progress_log log = {.env = env, .monotonic = true};
    script_run r = run_with_progress(env, "local n = 0 for i = 1, 100000 do n = n + i end return n", true,
                                     &log);
    cr_expect_str_eq(r.reply, ":5000050000\r\n");
    cr_expect(log.monotonic);
    cr_expect_eq((uint64_t)log.calls * SS_SCRIPT_HOOK_STEP, r.res.instructions);
    script_run_free(&r);
    ss_script_env_free(env);
}

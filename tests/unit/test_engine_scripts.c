/* Scripts in the engine: a write script applied from its log entry (redis.call through the command path, the entry's time and seed, rollback on budget), read-only scripts, the replicated script table. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"
#include "common/sha1.h"
#include "engine/entry.h"
#include "engine/script_entry.h"

TestSuite(scripts, .init = ct_setup, .fini = ct_teardown);

static ss_script_limits limits = {.max_instructions = 1000000, .max_memory = 16u << 20, .max_reply = 1u << 20};

/* The arguments of a script's entry, as EVAL/EVALSHA's prepare builds them:
 * "script numkeys key... arg..." after the command name. */
static ss_script_entry_args entry_args(const char *name, ss_script_naming naming, int callflags, int argc,
                                       const char **argv)
{
    const char *full[32];
    size_t lens[32];
    full[0] = "eval";
    for (int i = 0; i < argc; i++)
        full[i + 1] = argv[i];
    for (int i = 0; i <= argc; i++)
        lens[i] = strlen(full[i]);
    ss_args a = {argc + 1, (char **)full, lens};
    ss_script_entry_args ea;
    ss_script_entry_build(&ea, name, naming, callflags, RESP2, limits, &a, 1, atoll(argv[1]));
    /* build keeps pointers into a: copy the whole thing before a goes */
    static char keep[32][256];
    for (int i = 0; i < ea.args.argc; i++) {
        snprintf(keep[i], sizeof keep[i], "%.*s", (int)ea.args.argvlen[i], ea.args.argv[i]);
        ea.args.argv[i] = keep[i];
    }
    return ea;
}

/* Applies a write script as its entry would be. */
static const char *eval_write(ss_script_naming naming, int argc, const char **argv)
{
    ss_script_entry_args ea = entry_args("__eval", naming, 0, argc, argv);
    const char *r = ct_runv(ea.args.argc, (const char **)ea.args.argv, ea.args.argvlen);
    ss_script_entry_release(&ea);
    return r;
}

#define EVAL(...) eval_write(SS_SCRIPT_BY_BODY, sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *), \
                             (const char *[]){__VA_ARGS__})
#define EVALSHA(...) eval_write(SS_SCRIPT_BY_SHA, sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *), \
                                (const char *[]){__VA_ARGS__})

static const char *sha_of(const char *body)
{
    static char sha[41];
    ss_sha1_hex(body, strlen(body), sha);
    return sha;
}

Test(scripts, a_write_script_runs_commands_and_returns_their_replies)
{
    cr_expect_str_eq(EVAL("redis.call('set', KEYS[1], ARGV[1]); return redis.call('incr', KEYS[2])", "2", "k",
                          "n", "v"),
                     ":1\r\n");
    cr_expect_str_eq(ct_run("GET k"), "$1\r\nv\r\n");
    cr_expect_str_eq(EVAL("return {redis.call('get', 'k'), redis.call('incrby', 'n', 5), false}", "0"),
                     "*3\r\n$1\r\nv\r\n:6\r\n$-1\r\n");
}

Test(scripts, time_inside_a_script_is_the_entry_time)
{
    ct_now = 1700000123456LL;
    cr_expect_str_eq(EVAL("return redis.call('time')", "0"), "*2\r\n$10\r\n1700000123\r\n$6\r\n456000\r\n");
    /* and expiries are computed from it */
    EVAL("return redis.call('set', 'e', 'v', 'px', 1000)", "0");
    cr_expect_str_eq(ct_run("PEXPIRETIME e"), ":1700000124456\r\n");
}

Test(scripts, random_commands_draw_from_the_entry_seed)
{
    ct_run("SADD s a b c d e f g h i j k l m n o p");
    ct_seed = 7;
    char first[256];
    snprintf(first, sizeof first, "%s", EVAL("return {redis.call('srandmember', 's'), math.random(1000)}", "0"));
    ct_seed = 7;
    cr_expect_str_eq(EVAL("return {redis.call('srandmember', 's'), math.random(1000)}", "0"), first);
}

Test(scripts, a_script_stopped_by_its_budget_leaves_no_write)
{
    ct_run("SET kept 1");
    const char *r = EVAL("redis.call('set', 'kept', 2); redis.call('set', 'new', 1); while true do end", "0");
    cr_expect(strstr(r, "-ERR Script exceeded the instruction limit (script-max-instructions) script: ") == r, "%s",
              r);
    cr_expect_str_eq(ct_run("GET kept"), "$1\r\n1\r\n");
    cr_expect_str_eq(ct_run("EXISTS new"), ":0\r\n");
    cr_expect_str_eq(ct_run("DBSIZE"), ":1\r\n");
}

Test(scripts, a_script_that_raises_keeps_the_writes_before_the_error_as_redis_does)
{
    const char *r = EVAL("redis.call('set', 'a', 1); error('boom')", "0");
    cr_expect(strstr(r, "boom") != NULL, "%s", r);
    cr_expect_str_eq(ct_run("GET a"), "$1\r\n1\r\n");
}

Test(scripts, rollback_keeps_the_other_entries_of_the_batch)
{
    const char *loop = "redis.call('incr', 'x'); while true do end";
    const char *argv[] = {loop, "0"};
    ss_script_entry_args ea = entry_args("__eval", SS_SCRIPT_BY_BODY, 0, 2, argv);
    ss_buf e[3];
    const char *sets[2][3] = {{"set", "before", "1"}, {"set", "after", "1"}};
    for (int i = 0; i < 3; i++) {
        ss_buf_init(&e[i], 0);
        ss_entry_header h = {.origin_node = 99, .origin_boot = 7, .seq = (uint64_t)i + 1, .time_ms = ct_now,
                             .seed = 1};
        ss_entry_begin(&e[i], &h, 1);
        if (i == 1) {
            ss_entry_add_cmd(&e[i], &ea.args);
        } else {
            size_t lens[3] = {3, strlen(sets[i / 2][1]), 1};
            ss_args a = {3, (char **)sets[i / 2], lens};
            ss_entry_add_cmd(&e[i], &a);
        }
    }
    const void *data[3] = {ss_buf_data(&e[0]), ss_buf_data(&e[1]), ss_buf_data(&e[2])};
    size_t lens[3] = {ss_buf_len(&e[0]), ss_buf_len(&e[1]), ss_buf_len(&e[2])};
    ct_apply_batch(data, lens, 3);
    cr_expect_str_eq(ct_run("MGET before x after"), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n1\r\n");
    for (int i = 0; i < 3; i++)
        ss_buf_release(&e[i]);
    ss_script_entry_release(&ea);
}

Test(scripts, evalsha_finds_scripts_loaded_or_run_before_and_not_after_a_flush)
{
    const char *body = "return 'hi'";
    cr_expect_str_eq(EVALSHA(sha_of(body), "0"), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
    char want[64];
    snprintf(want, sizeof want, "$40\r\n%s\r\n", sha_of(body));
    char line[128];
    snprintf(line, sizeof line, "__script load \"%s\"", body);
    cr_expect_str_eq(ct_run(line), want);
    cr_expect_str_eq(EVALSHA(sha_of(body), "0"), "$2\r\nhi\r\n");
    /* upper case names the same script, as in Redis */
    char upper[41];
    for (int i = 0; i < 40; i++)
        upper[i] = (char)(sha_of(body)[i] >= 'a' ? sha_of(body)[i] - 32 : sha_of(body)[i]);
    upper[40] = '\0';
    cr_expect_str_eq(EVALSHA(upper, "0"), "$2\r\nhi\r\n");
    /* EVAL keeps its script too */
    EVAL("return 2", "0");
    cr_expect_str_eq(EVALSHA(sha_of("return 2"), "0"), ":2\r\n");
    char sha_body[41];
    snprintf(sha_body, sizeof sha_body, "%s", sha_of(body));
    snprintf(line, sizeof line, "SCRIPT EXISTS %s %s 0123", sha_body, sha_of("return 3"));
    cr_expect_str_eq(ct_run(line), "*3\r\n:1\r\n:0\r\n:0\r\n");
    cr_expect_str_eq(ct_run("__script flush"), "+OK\r\n");
    cr_expect_str_eq(EVALSHA(sha_of(body), "0"), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
}

Test(scripts, scripts_are_not_keys_and_flushall_keeps_them)
{
    ct_run("__script load \"return 1\"");
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
    cr_expect_str_eq(ct_run("KEYS *"), "*0\r\n");
    cr_expect_str_eq(ct_run("SCAN 0"), "*2\r\n$1\r\n0\r\n*0\r\n");
    cr_expect_str_eq(ct_run("RANDOMKEY"), "$-1\r\n");
    cr_expect_str_eq(ct_run("DEBUG DIGEST"), "+0000000000000000000000000000000000000000\r\n");
    ct_run("FLUSHALL");
    char line[128];
    snprintf(line, sizeof line, "SCRIPT EXISTS %s", sha_of("return 1"));
    cr_expect_str_eq(ct_run(line), "*1\r\n:1\r\n");
}

Test(scripts, commands_a_script_may_not_call_are_refused_with_redis_words)
{
    const char *r = EVAL("return redis.pcall('nosuch')", "0");
    cr_expect_str_eq(r, "-ERR Unknown Redis command called from script\r\n");
    cr_expect_str_eq(EVAL("return redis.pcall('get')", "0"),
                     "-ERR Wrong number of args calling Redis command from script\r\n");
    cr_expect_str_eq(EVAL("return redis.pcall('multi')", "0"), "-ERR This Redis command is not allowed from script\r\n");
    cr_expect_str_eq(EVAL("return redis.pcall('eval', 'return 1', 0)", "0"),
                     "-ERR This Redis command is not allowed from script\r\n");
    cr_expect_str_eq(EVAL("return redis.pcall('__expire', '0', 'k')", "0"),
                     "-ERR Unknown Redis command called from script\r\n");
    /* node-local answers would make replicas differ */
    cr_expect_str_eq(EVAL("return redis.pcall('info')", "0"), "-ERR This Redis command is not allowed from script\r\n");
}

Test(scripts, select_inside_a_script_changes_only_the_script_db)
{
    cr_expect_str_eq(EVAL("redis.call('select', 3); redis.call('set', 'k', 'in3'); return redis.call('get', 'k')", "0"),
                     "$3\r\nin3\r\n");
    cr_expect_str_eq(ct_run("EXISTS k"), ":0\r\n");
    cr_expect_str_eq(EVAL("return redis.pcall('select', 99)", "0"), "-ERR DB index is out of range\r\n");
}

Test(scripts, a_read_only_script_refuses_writes)
{
    const char *argv[] = {"return redis.call('set', 'a', 1)", "0"};
    ss_script_entry_args ea = entry_args("__eval_ro", SS_SCRIPT_BY_BODY, SS_SCRIPT_CALL_RO, 2, argv);
    const char *r = ct_runv(ea.args.argc, (const char **)ea.args.argv, ea.args.argvlen);
    cr_expect(strstr(r, "-ERR Write commands are not allowed from read-only scripts. script: ") == r, "%s", r);
    ss_script_entry_release(&ea);
    /* a write script with a shebang cannot run through *_RO */
    const char *argv2[] = {"#!lua\nreturn 1", "0"};
    ea = entry_args("__eval_ro", SS_SCRIPT_BY_BODY, SS_SCRIPT_CALL_RO, 2, argv2);
    cr_expect_str_eq(ct_runv(ea.args.argc, (const char **)ea.args.argv, ea.args.argvlen),
                     "-ERR Can not execute a script with write flag using *_ro command.\r\n");
    ss_script_entry_release(&ea);
}

Test(scripts, a_no_writes_script_refuses_writes_even_through_eval)
{
    const char *r = EVAL("#!lua flags=no-writes\nreturn redis.call('set', 'a', 1)", "0");
    cr_expect(strstr(r, "-ERR Write commands are not allowed from read-only scripts.") == r, "%s", r);
}

Test(scripts, malformed_entries_answer_one_error)
{
    cr_expect_str_eq(ct_run("__eval body - 2 100 100 100 \"return 1\" 5"),
                     "-ERR internal error: malformed script entry\r\n");
    cr_expect_str_eq(ct_run("__eval what - 2 100 100 100 \"return 1\" 0"),
                     "-ERR internal error: malformed script entry\r\n");
    cr_expect_str_eq(ct_run("__script nothing"), "-ERR internal error: malformed script entry\r\n");
}

Test(scripts, prepare_answers_numkeys_and_shebang_errors_as_redis)
{
    cr_expect_str_eq(ct_dispatch("EVAL \"return 1\" -1"), "-ERR Number of keys can't be negative\r\n");
    cr_expect_str_eq(ct_dispatch("EVAL \"return 1\" 2 a"),
                     "-ERR Number of keys can't be greater than number of args\r\n");
    cr_expect_str_eq(ct_dispatch("EVAL \"return 1\" x"), "-ERR value is not an integer or out of range\r\n");
    cr_expect_str_eq(ct_dispatch("EVAL \"#!python\nreturn 1\" 0"),
                     "-ERR Unexpected engine in script shebang: #!python\r\n");
    cr_expect_str_eq(ct_dispatch("EVALSHA abc 0"), "-NOSCRIPT No matching script. Please use EVAL.\r\n");
    cr_expect_str_eq(ct_dispatch("SCRIPT FLUSH bogus"), "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n");
    cr_expect_str_eq(ct_dispatch("SCRIPT KILL"), "-NOTBUSY No scripts in execution right now.\r\n");
    cr_expect_str_eq(ct_dispatch("SCRIPT LOAD \"retur 1\""),
                     "-ERR Error compiling script (new function): user_script:1: '=' expected near '1'\r\n");
    /* a read-only script runs at once on a node without a cluster */
    cr_expect_str_eq(ct_dispatch("EVAL_RO \"return ARGV[1]\" 0 x"), "$1\r\nx\r\n");
}

/* Streams from scripts: XADD * takes the entry's time; XREAD/XREADGROUP
 * with BLOCK are refused in Redis 7.0's words (the name as the script
 * spelled it) whatever there is to read. */
Test(scripts, stream_commands_in_a_script_use_the_entry_time_and_refuse_block)
{
    ct_now = 1700000123456LL;
    cr_expect_str_eq(EVAL("return redis.call('xadd', 's', '*', 'f', 'v')", "0"), "$15\r\n1700000123456-0\r\n");
    cr_expect_str_eq(EVAL("return redis.pcall('xread', 'block', '0', 'streams', 's', '0')", "0"),
                     "-ERR xread command is not allowed with BLOCK option from scripts\r\n");
    cr_expect_str_eq(EVAL("redis.call('xgroup', 'create', 's', 'g', '0'); "
                          "return redis.pcall('xreadgroup', 'group', 'g', 'c', 'block', '0', 'streams', 's', '>')",
                          "0"),
                     "-ERR xreadgroup command is not allowed with BLOCK option from scripts\r\n");
    cr_expect_str_eq(EVAL("return redis.call('xreadgroup', 'group', 'g', 'c', 'streams', 's', '>')", "0"),
                     "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$15\r\n1700000123456-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
}

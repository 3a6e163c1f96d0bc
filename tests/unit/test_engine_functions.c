/* Functions in the engine: libraries as replicated records changed by __function entries, FCALL applied from its entry (resolved in apply, budget rollback), read-only calls, DUMP/RESTORE payloads. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"
#include "engine/engine_internal.h"
#include "engine/function_dump.h"
#include "engine/script_entry.h"

TestSuite(functions, .init = ct_setup, .fini = ct_teardown);

static ss_script_limits limits = {.max_instructions = 1000000, .max_memory = 16u << 20, .max_reply = 1u << 20};

/* An FCALL entry as prepare builds it: "__fcall" (or "__fcall_ro") from
 * "FCALL fname numkeys key... arg...". */
static const char *fcall_entry(const char *name, int callflags, int argc, const char **argv)
{
    const char *full[32];
    size_t lens[32];
    full[0] = "fcall";
    for (int i = 0; i < argc; i++)
        full[i + 1] = argv[i];
    for (int i = 0; i <= argc; i++)
        lens[i] = strlen(full[i]);
    ss_args a = {argc + 1, (char **)full, lens};
    ss_script_entry_args ea;
    ss_script_entry_build(&ea, name, SS_SCRIPT_BY_FUNCTION, callflags, RESP2, limits, &a, 1, atoll(argv[1]));
    const char *r = ct_runv(ea.args.argc, (const char **)ea.args.argv, ea.args.argvlen);
    ss_script_entry_release(&ea);
    return r;
}

#define FCALL(...) fcall_entry("__fcall", 0, sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *), \
                               (const char *[]){__VA_ARGS__})
#define FCALL_RO(...) fcall_entry("__fcall_ro", SS_SCRIPT_CALL_RO, \
                                  sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *), (const char *[]){__VA_ARGS__})

static const char *load(bool replace, const char *code)
{
    const char *argv[] = {"__function", "load", replace ? "1" : "0", code};
    size_t lens[] = {10, 4, 1, strlen(code)};
    return ct_runv(4, argv, lens);
}

#define LIB "#!lua name=lib\n" \
    "redis.register_function('put', function(keys, args) redis.call('set', keys[1], args[1]) return redis.call('get', keys[1]) end)\n" \
    "redis.register_function{function_name='peek', flags={'no-writes'}, callback=function(keys) return redis.call('get', keys[1]) end}\n" \
    "redis.register_function('spin', function(keys) redis.call('set', keys[1], 'partial') while true do end end)\n" \
    "redis.register_function('now', function() return redis.call('time')[1] end)\n"

Test(functions, a_loaded_function_writes_through_its_entry)
{
    cr_expect_str_eq(load(false, LIB), "$3\r\nlib\r\n");
    cr_expect_str_eq(FCALL("put", "1", "k", "v"), "$1\r\nv\r\n");
    cr_expect_str_eq(ct_run("GET k"), "$1\r\nv\r\n");
    cr_expect_str_eq(FCALL("PUT", "1", "k", "w"), "$1\r\nw\r\n"); /* names are case-insensitive */
    cr_expect_str_eq(FCALL("nosuch", "0"), "-ERR Function not found\r\n");
}

Test(functions, a_function_stopped_by_its_budget_leaves_no_write)
{
    load(false, LIB);
    const char *r = FCALL("spin", "1", "k");
    cr_expect(strstr(r, "-ERR Script exceeded the instruction limit (script-max-instructions) script: spin") == r,
              "%s", r);
    cr_expect_str_eq(ct_run("EXISTS k"), ":0\r\n");
}

Test(functions, read_only_calls_refuse_writing_functions_and_writes)
{
    load(false, LIB);
    FCALL("put", "1", "k", "v");
    cr_expect_str_eq(FCALL_RO("peek", "1", "k"), "$1\r\nv\r\n");
    cr_expect_str_eq(FCALL_RO("put", "1", "k", "x"),
                     "-ERR Can not execute a script with write flag using *_ro command.\r\n");
    /* a no-writes function reached through FCALL still may not write */
    load(true, "#!lua name=lib\nredis.register_function{function_name='peek', flags={'no-writes'}, "
               "callback=function(keys) return redis.call('set', keys[1], 1) end}");
    const char *r = FCALL("peek", "1", "k");
    cr_expect(strstr(r, "-ERR Write commands are not allowed from read-only scripts. script: peek") == r, "%s", r);
}

Test(functions, time_inside_a_function_is_the_entry_time)
{
    load(false, LIB);
    const char *a = FCALL("now", "0");
    cr_expect(a[0] == '$', "%s", a);
}

Test(functions, an_env_that_lost_its_libraries_reloads_them_from_the_records)
{
    /* what a restarted node, or one rebuilt from a snapshot, has: the
     * records and an empty Lua env */
    load(false, LIB);
    ss_engine *e = ct_engine();
    ss_script_library_drop(e->lua_apply, NULL, 0);
    ss_script_library_drop(e->lua_read, NULL, 0);
    cr_expect_str_eq(FCALL("put", "1", "k", "again"), "$5\r\nagain\r\n");
    cr_expect_str_eq(FCALL_RO("peek", "1", "k"), "$5\r\nagain\r\n");
}

Test(functions, load_replace_delete_and_flush_change_the_records)
{
    load(false, LIB);
    cr_expect_str_eq(load(false, LIB), "-ERR Library 'lib' already exists\r\n");
    cr_expect_str_eq(load(false, "#!lua name=other\nredis.register_function('put', function() end)"),
                     "-ERR Function put already exists\r\n");
    cr_expect_str_eq(load(true, "#!lua name=lib\nredis.register_function('put', function() return 'new' end)"),
                     "$3\r\nlib\r\n");
    cr_expect_str_eq(FCALL("put", "0"), "$3\r\nnew\r\n");
    cr_expect_str_eq(FCALL("peek", "0"), "-ERR Function not found\r\n"); /* gone with the old code */
    cr_expect_str_eq(ct_run("__function delete nolib"), "-ERR Library not found\r\n");
    cr_expect_str_eq(ct_run("__function delete lib"), "+OK\r\n");
    cr_expect_str_eq(FCALL("put", "0"), "-ERR Function not found\r\n");
    load(false, LIB);
    cr_expect_str_eq(ct_run("__function flush"), "+OK\r\n");
    cr_expect_str_eq(ct_run("FUNCTION STATS"),
                     "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n"
                     "$15\r\nlibraries_count\r\n:0\r\n$15\r\nfunctions_count\r\n:0\r\n");
}

Test(functions, a_failed_load_changes_nothing)
{
    load(false, LIB);
    cr_expect(strstr(load(true, "#!lua name=lib\nredis.register_function('put', function() end)\nerror('late')"),
                     "-ERR Error registering functions: ") != NULL);
    cr_expect_str_eq(FCALL("put", "1", "k", "v"), "$1\r\nv\r\n"); /* the old code still */
    cr_expect(strstr(load(false, "#!lua name=x\nwhile true do end"),
                     "-ERR Error registering functions: ERR Script exceeded the instruction limit") != NULL);
    cr_expect_str_eq(ct_run("FUNCTION LIST LIBRARYNAME x"), "*0\r\n");
}

Test(functions, libraries_are_not_keys_and_flushall_keeps_them)
{
    load(false, LIB);
    cr_expect_str_eq(ct_run("DBSIZE"), ":0\r\n");
    cr_expect_str_eq(ct_run("KEYS *"), "*0\r\n");
    cr_expect_str_eq(ct_run("DEBUG DIGEST"), "+0000000000000000000000000000000000000000\r\n");
    ct_run("FLUSHALL");
    cr_expect_str_eq(FCALL("put", "1", "k", "v"), "$1\r\nv\r\n");
}

Test(functions, function_list_answers_redis_layout)
{
    load(false, "#!lua name=l1\nredis.register_function{function_name='f', description='d', "
                "flags={'no-writes', 'allow-stale'}, callback=function() end}");
    cr_expect_str_eq(ct_run("FUNCTION LIST"),
                     "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$2\r\nl1\r\n$6\r\nengine\r\n$3\r\nLUA\r\n"
                     "$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$1\r\nf\r\n$11\r\ndescription\r\n$1\r\nd\r\n"
                     "$5\r\nflags\r\n*2\r\n+no-writes\r\n+allow-stale\r\n");
    char *all = strdup(ct_run("FUNCTION LIST")); /* ct_run's buffer is reused */
    cr_expect_str_eq(ct_run("FUNCTION LIST LIBRARYNAME L*"), all);
    free(all);
    cr_expect_str_eq(ct_run("FUNCTION LIST LIBRARYNAME"), "-ERR library name argument was not given\r\n");
    cr_expect_str_eq(ct_run("FUNCTION LIST WITHCODE WITHCODE"), "-ERR Unknown argument WITHCODE\r\n");
}

/* ------------------------------------------------------------ payloads */

Test(functions, crc64_is_redis_jones_crc)
{
    /* Redis's crc64.c self-test value */
    cr_expect_eq(ss_crc64(0, "123456789", 9), UINT64_C(0xe9c6d914c4b8d9ca));
}

static int count_code(void *ud, const char *code, size_t len)
{
    ss_buf *b = ud;
    ss_buf_append(b, code, len);
    ss_buf_append(b, "|", 1);
    return 0;
}

Test(functions, a_redis_payload_with_lzf_is_read)
{
    /* FUNCTION DUMP of redis-server 7.0.15 holding one library */
    static const unsigned char payload[] =
        "\xf5\xc3\x40\x47\x40\x65\x1f\x23\x21\x6c\x75\x61\x20\x6e\x61\x6d\x65\x3d\x7a\x7a\x0a\x72\x65\x64\x69\x73"
        "\x2e\x72\x65\x67\x69\x73\x74\x65\x72\x5f\x66\x75\x6e\x0b\x63\x74\x69\x6f\x6e\x28\x27\x7a\x7a\x27\x2c\x20"
        "\xe0\x00\x0e\x08\x29\x20\x72\x65\x74\x75\x72\x6e\x20\x20\x17\xe0\x15\x00\x05\x27\x20\x65\x6e\x64\x29\x0a"
        "\x00\xb8\x54\xba\x52\xb6\x19\x94\x16";
    ss_buf codes;
    ss_buf_init(&codes, 0);
    const char *err = NULL;
    cr_assert_eq(ss_function_dump_walk((const char *)payload, sizeof payload - 1, 1 << 20, count_code, &codes, &err),
                 SS_OK, "%s", err ? err : "");
    const char *want = "#!lua name=zz\nredis.register_function('zz', function() return "
                       "'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' end)|";
    cr_expect_eq(ss_buf_len(&codes), strlen(want));
    cr_expect(memcmp(ss_buf_data(&codes), want, strlen(want)) == 0);
    ss_buf_release(&codes);
}

Test(functions, dump_and_restore_round_trip_and_bad_payloads_are_refused)
{
    load(false, LIB);
    const char *r = ct_run("FUNCTION DUMP");
    size_t n = ct_reply_len();
    cr_assert(r[0] == '$');
    const char *body = strstr(r, "\r\n") + 2;
    size_t blen = (size_t)atoll(r + 1);
    cr_assert(blen < n);
    char *payload = malloc(blen);
    memcpy(payload, body, blen);
    const char *argv[] = {"__function", "restore", "append", payload};
    size_t lens[] = {10, 7, 6, blen};
    cr_expect_str_eq(ct_runv(4, argv, lens), "-ERR Library lib already exists\r\n");
    argv[2] = "flush";
    lens[2] = 5;
    cr_expect_str_eq(ct_runv(4, argv, lens), "+OK\r\n");
    cr_expect_str_eq(FCALL("put", "1", "k", "v"), "$1\r\nv\r\n");
    payload[blen / 2] ^= 1;
    cr_expect_str_eq(ct_runv(4, argv, lens), "-ERR DUMP payload version or checksum are wrong\r\n");
    cr_expect_str_eq(FCALL("put", "1", "k", "v"), "$1\r\nv\r\n");
    free(payload);
    /* a valid checksum over something that is not a function record */
    ss_buf bad;
    ss_buf_init(&bad, 0);
    ss_buf_append(&bad, "\x07", 1);
    ss_function_dump_finish(&bad);
    argv[3] = ss_buf_data(&bad);
    lens[3] = ss_buf_len(&bad);
    cr_expect_str_eq(ct_runv(4, argv, lens), "-ERR given type is not a function\r\n");
    ss_buf_release(&bad);
}

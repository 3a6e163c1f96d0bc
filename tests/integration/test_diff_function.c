/* FUNCTION and FCALL against redis-server 7.0 and a 3-node sandstore: every reply compared, libraries moved both ways by DUMP/RESTORE, a random FCALL workload leaving equal nodes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "integration/diff_harness.h"

static bool cmd(dh_run *r, int mode, int argc, const char **argv)
{
    size_t lens[32];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return dh_cmdv(r, mode, argc, argv, lens);
}

#define CMD(r, mode, ...) \
    cr_expect(cmd(r, mode, sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *), (const char *[]){__VA_ARGS__}))
#define LOAD(r, code) CMD(r, DH_EXACT, "FUNCTION", "LOAD", code)

/* One function per library where FUNCTION LIST is compared: Redis lists a
 * library's functions in its hash order. */
#define LIB_A "#!lua name=liba\n" \
    "redis.register_function('incr_by', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\n"
#define LIB_B "#!lua name=libb\n" \
    "redis.register_function{function_name='get_ro', callback=function(keys) return redis.call('get', keys[1]) end,\n" \
    "  flags={'no-writes', 'allow-stale'}, description='reads a key'}\n"
#define LIB_ERRS "#!lua name=liberrs\n" \
    "redis.register_function('boom', function() error('boom') end)\n" \
    "redis.register_function('bad_call', function() return redis.call('nosuch') end)\n" \
    "redis.register_function('write_in_ro', function(keys) return redis.call('set', keys[1], 1) end)\n" \
    "redis.register_function('conv', function(keys, args) return {1, 'two', {3.5, true, false}, {err='MY err'}} end)\n" \
    "redis.register_function('status', function() return redis.status_reply('FINE') end)\n" \
    "redis.register_function('keys_global', function() return KEYS end)\n"

Test(diff_function, replies_and_errors_match_redis, .timeout = 300)
{
    dh_run *r = dh_start(NULL);
    CMD(r, DH_EXACT, "FUNCTION", "FLUSH");
    LOAD(r, LIB_A);
    LOAD(r, LIB_B);
    LOAD(r, LIB_ERRS);
    CMD(r, DH_EXACT, "FCALL", "incr_by", "1", "counter", "5");
    CMD(r, DH_EXACT, "FCALL", "INCR_BY", "1", "counter", "2");
    CMD(r, DH_EXACT, "FCALL", "get_ro", "1", "counter");
    CMD(r, DH_EXACT, "FCALL_RO", "get_ro", "1", "counter");
    CMD(r, DH_EXACT, "FCALL_RO", "incr_by", "1", "counter", "1");
    CMD(r, DH_EXACT, "FCALL", "boom", "0");
    CMD(r, DH_EXACT, "FCALL", "bad_call", "0");
    CMD(r, DH_EXACT, "FCALL", "conv", "0");
    CMD(r, DH_EXACT, "FCALL", "status", "0");
    CMD(r, DH_EXACT, "EVAL", "return KEYS[1]", "1", "k"); /* functions never see EVAL's KEYS */
    CMD(r, DH_EXACT, "FCALL", "keys_global", "0");
    CMD(r, DH_EXACT, "FCALL", "nosuch", "0");
    CMD(r, DH_EXACT, "FCALL", "nosuch", "x");
    CMD(r, DH_EXACT, "FCALL", "incr_by", "x");
    CMD(r, DH_EXACT, "FCALL", "incr_by", "-1");
    CMD(r, DH_EXACT, "FCALL", "incr_by", "3", "a");
    CMD(r, DH_EXACT, "FUNCTION", "LIST", "LIBRARYNAME", "liba");
    CMD(r, DH_EXACT, "FUNCTION", "LIST", "LIBRARYNAME", "LIBB", "WITHCODE");
    CMD(r, DH_EXACT, "FUNCTION", "LIST", "LIBRARYNAME", "nomatch*");
    CMD(r, DH_EXACT, "FUNCTION", "LIST", "LIBRARYNAME");
    CMD(r, DH_EXACT, "FUNCTION", "LIST", "bogus");
    CMD(r, DH_EXACT, "FUNCTION", "STATS");
    /* load errors */
    LOAD(r, LIB_A);
    LOAD(r, "#!lua name=other\nredis.register_function('incr_by', function() end)");
    LOAD(r, "#!lua name=x\nredis.register_function('f', function() end)\nredis.register_function('F', function() end)");
    LOAD(r, "#!lua name=x\nredis.register_function()");
    LOAD(r, "#!lua name=x\nredis.register_function('f')");
    LOAD(r, "#!lua name=x\nredis.register_function(1, 2)");
    LOAD(r, "#!lua name=x\nredis.register_function('bad-name', function() end)");
    LOAD(r, "#!lua name=x\nredis.register_function('f', function() end, 3)");
    LOAD(r, "#!lua name=x\nredis.register_function(5)");
    LOAD(r, "#!lua name=x\nredis.register_function{callback=function() end}");
    LOAD(r, "#!lua name=x\nredis.register_function{function_name='f'}");
    LOAD(r, "#!lua name=x\nredis.register_function{function_name='f', callback=function() end, flags='no-writes'}");
    LOAD(r, "#!lua name=x\nredis.register_function{function_name='f', callback=function() end, flags={'nope'}}");
    LOAD(r, "#!lua name=x\nredis.register_function{function_name='f', callback=function() end, bogus=1}");
    LOAD(r, "#!lua name=x\nredis.register_function{function_name='f', callback=5}");
    LOAD(r, "#!lua name=x\nredis.register_function{function_name={}, callback=function() end}");
    LOAD(r, "#!lua name=x\nlocal n = string.len('x')");
    LOAD(r, "#!lua name=x\nredis.call('ping')");
    LOAD(r, "#!lua name=x\nglobal_x = 1");
    LOAD(r, "#!lua name=x\nreturn 1");
    LOAD(r, "#!lua name=x\nif true then");
    LOAD(r, "#!lua name=x\nredis.log(redis.LOG_NOTICE, 'loading') redis.register_function('fx', function() return redis.REDIS_VERSION end)");
    CMD(r, DH_EXACT, "FCALL", "fx", "0");
    LOAD(r, "no shebang");
    LOAD(r, "#!lua name=x");
    LOAD(r, "#!lua\nreturn 1");
    LOAD(r, "#!lua name=a name=b\n");
    LOAD(r, "#!lua name=a foo=b\n");
    LOAD(r, "#!lua name=a-b\n");
    LOAD(r, "#!python name=a\n");
    CMD(r, DH_EXACT, "FUNCTION", "LOAD", "BOGUS", "code");
    CMD(r, DH_EXACT, "FUNCTION", "LOAD", "REPLACE");
    /* replace, delete, flush */
    CMD(r, DH_EXACT, "FUNCTION", "LOAD", "REPLACE",
        "#!lua name=liba\nredis.register_function('incr_by', function(keys, args) return 'replaced' end)");
    CMD(r, DH_EXACT, "FCALL", "incr_by", "1", "counter", "1");
    CMD(r, DH_EXACT, "FUNCTION", "DELETE", "liba");
    CMD(r, DH_EXACT, "FUNCTION", "DELETE", "liba");
    CMD(r, DH_EXACT, "FCALL", "incr_by", "1", "counter", "1");
    CMD(r, DH_EXACT, "FUNCTION", "STATS");
    CMD(r, DH_EXACT, "FUNCTION", "KILL");
    CMD(r, DH_EXACT, "FUNCTION", "HELP");
    CMD(r, DH_EXACT, "FUNCTION", "FLUSH", "bogus");
    CMD(r, DH_EXACT, "FUNCTION", "FLUSH", "SYNC", "x");
    CMD(r, DH_EXACT, "FUNCTION", "RESTORE", "x", "bogus");
    CMD(r, DH_EXACT, "FUNCTION", "RESTORE", "short");
    CMD(r, DH_EXACT, "FUNCTION", "RESTORE", "x", "append", "y");
    CMD(r, DH_EXACT, "FUNCTION", "FLUSH", "ASYNC");
    CMD(r, DH_EXACT, "FUNCTION", "LIST");
    CMD(r, DH_EXACT, "FUNCTION", "DUMP");
    CMD(r, DH_EXACT, "FUNCTION", "STATS");
    /* libraries are not keys */
    LOAD(r, LIB_A);
    CMD(r, DH_EXACT, "DBSIZE");
    CMD(r, DH_EXACT, "FLUSHALL");
    CMD(r, DH_EXACT, "FCALL", "incr_by", "1", "counter", "1");
    dh_stop(r);
}

static redisReply *must(redisContext *c, redisReply *rep)
{
    cr_assert(rep, "no reply: %s", c->errstr);
    return rep;
}

Test(diff_function, dump_and_restore_move_libraries_both_ways, .timeout = 300)
{
    dh_run *r = dh_start(NULL);
    redisContext *redis = dh_redis(r), *node = dh_sandstore(r, 1);
    freeReplyObject(must(redis, redisCommand(redis, "FUNCTION FLUSH")));
    freeReplyObject(must(redis, redisCommand(redis, "FUNCTION LOAD %s", LIB_A)));
    freeReplyObject(must(redis, redisCommand(redis, "FUNCTION LOAD %s", LIB_B)));
    freeReplyObject(must(node, redisCommand(node, "FUNCTION FLUSH")));
    /* Redis compresses long codes with LZF: sandstore reads that */
    redisReply *dump = must(redis, redisCommand(redis, "FUNCTION DUMP"));
    cr_assert_eq(dump->type, REDIS_REPLY_STRING);
    redisReply *ok = must(node, redisCommand(node, "FUNCTION RESTORE %b", dump->str, dump->len));
    cr_assert_str_eq(ok->str, "OK");
    freeReplyObject(ok);
    ok = must(node, redisCommand(node, "FUNCTION RESTORE %b", dump->str, dump->len));
    /* the first clash Redis finds is in its hash order */
    cr_assert(!strcmp(ok->str, "ERR Library liba already exists") || !strcmp(ok->str, "ERR Library libb already exists"),
              "%s", ok->str);
    freeReplyObject(ok);
    ok = must(node, redisCommand(node, "FUNCTION RESTORE %b REPLACE", dump->str, dump->len));
    cr_assert_str_eq(ok->str, "OK");
    freeReplyObject(ok);
    freeReplyObject(dump);
    CMD(r, DH_EXACT, "FCALL", "incr_by", "1", "k", "3");
    CMD(r, DH_EXACT, "FCALL_RO", "get_ro", "1", "k");
    CMD(r, DH_EXACT, "FUNCTION", "LIST", "LIBRARYNAME", "liba", "WITHCODE");
    CMD(r, DH_EXACT, "FUNCTION", "STATS");

    /* and sandstore's payload restores into Redis */
    dump = must(node, redisCommand(node, "FUNCTION DUMP"));
    cr_assert_eq(dump->type, REDIS_REPLY_STRING);
    ok = must(redis, redisCommand(redis, "FUNCTION RESTORE %b FLUSH", dump->str, dump->len));
    cr_assert_str_eq(ok->str, "OK");
    freeReplyObject(ok);
    /* a flipped bit: both refuse it */
    dump->str[dump->len / 2] ^= 1;
    const char *argv[] = {"FUNCTION", "RESTORE", dump->str};
    size_t lens[] = {8, 7, dump->len};
    cr_expect(dh_cmdv(r, DH_EXACT, 3, argv, lens));
    freeReplyObject(dump);
    CMD(r, DH_EXACT, "FUNCTION", "LIST", "LIBRARYNAME", "libb", "WITHCODE");
    dh_stop(r);
}

#define LIB_WORK "#!lua name=work\n" \
    "redis.register_function('push', function(keys, args)\n" \
    "  redis.call('rpush', keys[1], args[1])\n" \
    "  if redis.call('llen', keys[1]) > 4 then redis.call('lpop', keys[1]) end\n" \
    "  return redis.call('lrange', keys[1], 0, -1) end)\n" \
    "redis.register_function('tally', function(keys, args)\n" \
    "  local n = redis.call('hincrby', keys[2], args[1], 1)\n" \
    "  if n % 3 == 0 then return redis.error_reply('third ' .. args[1]) end\n" \
    "  return {n, redis.call('incrby', keys[1], n)} end)\n" \
    "redis.register_function{function_name='peek', flags={'no-writes'}, callback=function(keys)\n" \
    "  return {redis.call('get', keys[1]), redis.call('hget', keys[2], 'f1'), redis.call('hlen', keys[2])} end}\n"

Test(diff_function, a_random_fcall_workload_matches_redis_and_leaves_equal_nodes, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    CMD(r, DH_EXACT, "FUNCTION", "FLUSH");
    LOAD(r, LIB_WORK);
    static const char *const keys[][2] = {{"c1", "h1"}, {"c2", "h1"}, {"c1", "h2"}};
    int rounds = dh_rounds(300);
    for (int i = 0; i < rounds; i++) {
        const char *const *k = keys[dh_below(r, 3)];
        char arg[8];
        snprintf(arg, sizeof arg, "f%d", (int)dh_below(r, 5));
        bool same;
        switch (dh_below(r, 5)) {
        case 0: {
            const char *argv[] = {"FCALL", "push", "1", k[1][1] == '1' ? "l1" : "l2", arg};
            same = cmd(r, DH_EXACT, 5, argv);
            break;
        }
        case 1: {
            const char *argv[] = {"FCALL_RO", "peek", "2", k[0], k[1]};
            same = cmd(r, DH_EXACT, 5, argv);
            break;
        }
        default: {
            const char *argv[] = {"FCALL", "tally", "2", k[0], k[1], arg};
            same = cmd(r, DH_EXACT, 6, argv);
            break;
        }
        }
        cr_assert(same, "round %d", i);
        if (i == rounds / 2) /* the same library again: nothing changes */
            CMD(r, DH_EXACT, "FUNCTION", "LOAD", "REPLACE", LIB_WORK);
    }
    CMD(r, DH_EXACT, "FUNCTION", "STATS");
    dh_expect_nodes_equal(r);
    dh_stop(r);
}

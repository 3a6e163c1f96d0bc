/* Scripts against redis-server 7.0 and a 3-node sandstore: the same scripts, every reply compared, then every node's state compared (DEBUG DIGEST). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "integration/diff_harness.h"

/* One command as argv (scripts hold spaces and quotes). */
static bool cmd(dh_run *r, int mode, int argc, const char **argv)
{
    size_t lens[32];
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    return dh_cmdv(r, mode, argc, argv, lens);
}

#define CMD(r, mode, ...) \
    cr_expect(cmd(r, mode, sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *), (const char *[]){__VA_ARGS__}))
#define EVAL(r, body, ...) CMD(r, DH_EXACT, "EVAL", body, __VA_ARGS__)

/* Waits until every node has applied what the leader has, then compares
 * their digests. */
static void expect_nodes_equal(dh_run *r)
{
    char digest[3][64];
    for (int attempt = 0; attempt < 100; attempt++) {
        for (int i = 0; i < 3; i++) {
            redisReply *rep = redisCommand(dh_sandstore(r, i), "DEBUG DIGEST");
            cr_assert(rep && rep->type == REDIS_REPLY_STATUS, "node %d: DEBUG DIGEST", i + 1);
            snprintf(digest[i], sizeof digest[i], "%s", rep->str);
            freeReplyObject(rep);
        }
        if (!strcmp(digest[0], digest[1]) && !strcmp(digest[1], digest[2]))
            return;
        usleep(50 * 1000);
    }
    cr_assert_fail("the nodes' digests differ: %s %s %s", digest[0], digest[1], digest[2]);
}

Test(diff_script, replies_conversions_and_errors_match_redis, .timeout = 300)
{
    dh_run *r = dh_start(NULL);
    /* conversions Lua -> RESP2 */
    EVAL(r, "return 1", "0");
    EVAL(r, "return 3.99", "0");
    EVAL(r, "return -3.99", "0");
    EVAL(r, "return 'str'", "0");
    EVAL(r, "return true", "0");
    EVAL(r, "return false", "0");
    EVAL(r, "return nil", "0");
    EVAL(r, "return {1, 2, {3, 'x', {}}, 'y'}", "0");
    EVAL(r, "return {1, nil, 3}", "0");
    EVAL(r, "return {ok = 'fine'}", "0");
    EVAL(r, "return {err = 'MYERR bad thing'}", "0");
    EVAL(r, "return redis.status_reply('PONG')", "0");
    EVAL(r, "return redis.error_reply('no code here')", "0");
    EVAL(r, "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}", "2", "k1", "k2", "a1", "a2");
    EVAL(r, "return #KEYS + #ARGV", "1", "k", "a", "b", "c");
    /* conversions RESP -> Lua */
    EVAL(r, "redis.call('set', 'x', 'v') return redis.call('get', 'x')", "0");
    EVAL(r, "return redis.call('get', 'nosuchkey')", "0");
    EVAL(r, "return type(redis.call('get', 'nosuchkey'))", "0");
    EVAL(r, "return redis.call('incr', 'n')", "0");
    EVAL(r, "return redis.call('set', 'y', 1)", "0");
    EVAL(r, "return type(redis.call('set', 'y', 1))", "0");
    EVAL(r, "redis.call('rpush', 'l', 'a', 'b', 'c') return redis.call('lrange', 'l', 0, -1)", "0");
    EVAL(r, "return redis.call('hgetall', 'nohash')", "0");
    EVAL(r, "return redis.pcall('incr', 'l')", "0");
    EVAL(r, "return redis.call('incr', 'l')", "0");
    EVAL(r, "local ok, e = pcall(redis.call, 'incr', 'l') return {tostring(ok), e.err}", "0");
    EVAL(r, "return redis.call('nosuchcmd')", "0");
    EVAL(r, "return redis.pcall('nosuchcmd')", "0");
    EVAL(r, "return redis.call('get')", "0");
    EVAL(r, "return redis.call('multi')", "0");
    EVAL(r, "return redis.call()", "0");
    EVAL(r, "return redis.call('set', {}, 1)", "0");
    EVAL(r, "error('plain')", "0");
    EVAL(r, "error({err = 'CODE with table'})", "0");
    EVAL(r, "return nosuchglobal", "0");
    EVAL(r, "newglobal = 1", "0");
    EVAL(r, "return 1 +", "0");
    EVAL(r, "return redis.sha1hex('abc')", "0");
    EVAL(r, "return cjson.encode({a = {1, 2, 3}})", "0");
    EVAL(r, "return cjson.decode('[1, 2, {\"a\": \"b\"}]')[3].a", "0");
    EVAL(r, "return cmsgpack.unpack(cmsgpack.pack({1, 2, 'x'}))", "0");
    EVAL(r, "return struct.unpack('>I2', struct.pack('>I2', 513))", "0");
    EVAL(r, "return bit.band(0xff, 0x0f)", "0");
    /* Redis seeds math.random once per process; sandstore from the entry */
    CMD(r, DH_TYPE_ONLY, "EVAL", "return {math.random(100), math.random(100)}", "0");
    EVAL(r, "return string.format('%d-%s', 5, 'x')", "0");
    EVAL(r, "return string.gsub('hello world', '(%w+)', '<%1>')", "0");
    EVAL(r, "return redis.REDIS_VERSION", "0");
    EVAL(r, "redis.call('select', 2) redis.call('set', 'in2', 'v') return redis.call('dbsize')", "0");
    CMD(r, DH_EXACT, "EXISTS", "in2");
    /* numkeys and shebang errors */
    EVAL(r, "return 1", "-1");
    EVAL(r, "return 1", "3", "a");
    EVAL(r, "return 1", "x");
    EVAL(r, "#!python\nreturn 1", "0");
    EVAL(r, "#!lua flags=bogus\nreturn 1", "0");
    EVAL(r, "#!lua flags=no-writes\nreturn redis.call('set', 'a', 1)", "0");
    EVAL(r, "#!lua flags=no-writes,allow-oom\nreturn redis.call('get', 'x')", "0");
    CMD(r, DH_EXACT, "EVAL_RO", "return redis.call('get', 'x')", "1", "x");
    CMD(r, DH_EXACT, "EVAL_RO", "return redis.call('del', 'x')", "1", "x");
    CMD(r, DH_EXACT, "EVAL_RO", "#!lua\nreturn 1", "0");
    /* the script table */
    CMD(r, DH_EXACT, "SCRIPT", "LOAD", "return redis.call('incrby', KEYS[1], ARGV[1])");
    CMD(r, DH_EXACT, "EVALSHA", "b6d60c8d3dd8b0ae0e44acef6e48a0e01b6ae5e1", "0");
    CMD(r, DH_EXACT, "SCRIPT", "EXISTS", "a42059b356c875f0717db19a51f6aaca9ae659ea", "ffffffffffffffffffffffffffffffffffffffff");
    CMD(r, DH_EXACT, "SCRIPT", "LOAD", "retur 1");
    CMD(r, DH_EXACT, "SCRIPT", "LOAD", "return 'x'");
    CMD(r, DH_EXACT, "EVALSHA", "ce6b5ce7a6dc1bd3e5fbd4c1b2e2e47c0aa9e54c", "0");
    CMD(r, DH_EXACT, "EVALSHA", "nope", "0");
    CMD(r, DH_EXACT, "EVALSHA_RO", "ffffffffffffffffffffffffffffffffffffffff", "0");
    CMD(r, DH_EXACT, "SCRIPT", "FLUSH", "bogus");
    CMD(r, DH_EXACT, "SCRIPT", "KILL");
    CMD(r, DH_EXACT, "SCRIPT", "HELP");
    CMD(r, DH_EXACT, "SCRIPT", "NOPE");
    CMD(r, DH_EXACT, "SCRIPT", "FLUSH", "ASYNC");
    CMD(r, DH_EXACT, "SCRIPT", "EXISTS", "a42059b356c875f0717db19a51f6aaca9ae659ea");
    CMD(r, DH_EXACT, "EVAL", "return 1");
    dh_stop(r);
}

/* A random script over a few keys: deterministic commands only, so that
 * redis-server must answer the same. */
static void random_script(dh_run *r, char *b, size_t n)
{
    static const char *const steps[] = {
        "redis.call('incrby', KEYS[1], ARGV[1])",
        "redis.call('hincrby', KEYS[2], ARGV[2], ARGV[1])",
        "redis.call('rpush', KEYS[3], ARGV[2])",
        "redis.call('sadd', KEYS[4], ARGV[2])",
        "redis.call('zincrby', KEYS[5], ARGV[1], ARGV[2])",
        "if redis.call('llen', KEYS[3]) > 5 then redis.call('lpop', KEYS[3]) end",
        "local v = redis.call('get', KEYS[1]) if v then redis.call('set', KEYS[6], v .. ARGV[2]) end",
        "redis.pcall('incr', KEYS[3])",
        "if tonumber(ARGV[1]) > 7 then return redis.error_reply('too big ' .. ARGV[1]) end",
        "redis.call('expire', KEYS[6], 100 + ARGV[1])",
        "out[#out + 1] = redis.call('hget', KEYS[2], ARGV[2])",
        "out[#out + 1] = redis.call('zscore', KEYS[5], ARGV[2])",
        "out[#out + 1] = redis.call('ttl', KEYS[6])",
        "out[#out + 1] = cjson.encode({n = tonumber(ARGV[1])})",
    };
    size_t used = (size_t)snprintf(b, n, "local out = {} ");
    int k = 1 + (int)dh_below(r, 5);
    for (int i = 0; i < k && used < n; i++)
        used += (size_t)snprintf(b + used, n - used, "%s ", steps[dh_below(r, sizeof steps / sizeof steps[0])]);
    snprintf(b + used, n - used, "return out");
}

Test(diff_script, a_random_script_workload_matches_redis_and_leaves_equal_nodes, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    int rounds = dh_rounds(300);
    static const char *const keysets[][6] = {
        {"a", "h", "l", "s", "z", "c"},
        {"b", "h", "l2", "s", "z", "c2"},
        {"a", "h2", "l", "s2", "z2", "c"},
    };
    char body[2048];
    for (int i = 0; i < rounds; i++) {
        random_script(r, body, sizeof body);
        const char *const *ks = keysets[dh_below(r, 3)];
        char a1[8], a2[8];
        snprintf(a1, sizeof a1, "%d", (int)dh_below(r, 10));
        snprintf(a2, sizeof a2, "m%d", (int)dh_below(r, 4));
        bool same;
        if (dh_below(r, 4) == 0) { /* through EVALSHA after a load */
            redisReply *sha = redisCommand(dh_sandstore(r, (int)dh_below(r, 3)), "SCRIPT LOAD %s", body);
            cr_assert(sha && sha->type == REDIS_REPLY_STRING);
            redisReply *rs = redisCommand(dh_redis(r), "SCRIPT LOAD %s", body);
            freeReplyObject(rs);
            const char *argv[] = {"EVALSHA", sha->str, "6", ks[0], ks[1], ks[2], ks[3], ks[4], ks[5], a1, a2};
            same = cmd(r, DH_EXACT, 11, argv);
            freeReplyObject(sha);
        } else {
            const char *argv[] = {"EVAL", body, "6", ks[0], ks[1], ks[2], ks[3], ks[4], ks[5], a1, a2};
            same = cmd(r, DH_EXACT, 11, argv);
        }
        cr_assert(same, "round %d", i);
    }
    expect_nodes_equal(r);
    dh_stop(r);
}

Test(diff_script, random_commands_and_endless_loops_leave_equal_nodes, .timeout = 600)
{
    dh_run *r = dh_start("--script-max-instructions 2000000");
    /* Not compared with Redis (SPOP, SRANDMEMBER, RANDOMKEY, TIME and
     * math.random answer differently there, and an endless loop never ends
     * there): node with node, each script sent to a node at random. */
    redisReply *setup = redisCommand(dh_sandstore(r, 0), "EVAL %s 0",
                                     "for i = 1, 50 do redis.call('sadd', 's', i) redis.call('set', 'k' .. i, i) end");
    cr_assert(setup && setup->type == REDIS_REPLY_NIL);
    freeReplyObject(setup);
    int budget_errors = 0;
    for (int i = 0; i < dh_rounds(100); i++) {
        static const char *const bodies[] = {
            "return redis.call('spop', 's')",
            "local m = redis.call('srandmember', 's') if m then redis.call('set', 'picked', m) end return m",
            "local k = redis.call('randomkey') if k then redis.call('incr', 'rk:' .. k) end return k",
            "local t = redis.call('time') redis.call('set', 'when', t[1] .. '.' .. t[2]) return t",
            "redis.call('set', 'rand', math.random(1000000)) return redis.call('get', 'rand')",
            "redis.call('set', 'exp', 1, 'px', 100000 + math.random(1000)) return redis.call('pttl', 'exp')",
            "redis.call('incr', 'loops') while true do end",
            "redis.call('sadd', 's', math.random(100)) return redis.call('scard', 's')",
            "redis.call('incr', 'matches') return string.find(string.rep('a', 40), string.rep('a*', 12) .. 'b')",
        };
        const char *body = bodies[dh_below(r, sizeof bodies / sizeof bodies[0])];
        redisReply *rep = redisCommand(dh_sandstore(r, (int)dh_below(r, 3)), "EVAL %s 0", body);
        cr_assert(rep, "round %d: no reply", i);
        if (rep->type == REDIS_REPLY_ERROR) {
            cr_expect(strstr(rep->str, "ERR Script exceeded the instruction limit (script-max-instructions)") == rep->str,
                      "%s", rep->str);
            budget_errors++;
        }
        freeReplyObject(rep);
    }
    cr_expect_gt(budget_errors, 0);
    redisReply *matches = redisCommand(dh_sandstore(r, 1), "GET matches");
    cr_expect(matches && matches->type == REDIS_REPLY_NIL);
    freeReplyObject(matches);
    /* the endless loop failed the same way on every node: nothing of it stayed */
    redisReply *loops = redisCommand(dh_sandstore(r, 0), "GET loops");
    cr_expect(loops && loops->type == REDIS_REPLY_NIL);
    freeReplyObject(loops);
    expect_nodes_equal(r);
    /* and the cluster still serves writes on every node */
    for (int i = 0; i < 3; i++) {
        redisReply *rep = redisCommand(dh_sandstore(r, i), "EVAL %s 0", "return redis.call('incr', 'after')");
        cr_expect(rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == i + 1, "node %d", i + 1);
        freeReplyObject(rep);
    }
    dh_stop(r);
}

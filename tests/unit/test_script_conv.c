/* Reply conversion both ways: redis.call's RESP2/RESP3 replies into Lua, a script's value into RESP. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/sha1.h"

#include "unit/test_script_helpers.h"

static ss_script_env *env;

static void setup(void) { env = ss_script_env_new(NULL); }
static void teardown(void) { ss_script_env_free(env); }

/* Runs body for a client speaking proto and compares the reply bytes. */
static void expect_proto(resp_proto proto, const char *body, const char *want)
{
    script_run r = run_script(env, body, proto, true, NULL, NULL);
    cr_expect_str_eq(r.reply, want, "RESP%d: %s", proto, body);
    script_run_free(&r);
}

static void expect2(const char *body, const char *want) { expect_proto(RESP2, body, want); }
static void expect3(const char *body, const char *want) { expect_proto(RESP3, body, want); }

TestSuite(script_conv, .init = setup, .fini = teardown);

/* ------------------------------------------------------------ RESP -> Lua */

Test(script_conv, resp2_replies_become_lua_values)
{
    expect2("return type(redis.call('raw', ':42\\r\\n'))", "$6\r\nnumber\r\n");
    expect2("return redis.call('raw', ':-7\\r\\n') + 1", ":-6\r\n");
    expect2("return redis.call('raw', '$3\\r\\na\\0b\\r\\n')", "$3\r\na\0b\r\n");
    expect2("return redis.call('raw', '$-1\\r\\n') == false", ":1\r\n");
    expect2("return redis.call('raw', '*-1\\r\\n') == false", ":1\r\n");
    expect2("local r = redis.call('raw', '+OK\\r\\n'); return {type(r), r.ok}",
            "*2\r\n$5\r\ntable\r\n$2\r\nOK\r\n");
    expect2("local r = redis.call('raw', '*3\\r\\n:1\\r\\n$1\\r\\nx\\r\\n*1\\r\\n$-1\\r\\n'); "
            "return {#r, r[1], r[2], r[3][1] == false}",
            "*4\r\n:3\r\n:1\r\n$1\r\nx\r\n:1\r\n");
}

Test(script_conv, error_replies_raise_from_call_and_return_tables_from_pcall)
{
    expect2("local r = redis.pcall('raw', '-WRONGTYPE Operation against a key\\r\\n'); "
            "return {r.err, tostring(r.ignore_error_stats_update)}",
            "*2\r\n$33\r\nWRONGTYPE Operation against a key\r\n$4\r\ntrue\r\n");
    /* A reply without a code gets ERR, as luaPushErrorBuff does. */
    expect2("return redis.pcall('raw', '-NOCODE\\r\\n').err", "$10\r\nERR NOCODE\r\n");
    const char *body = "return redis.call('raw', '-MY failure\\r\\n')";
    char want[200], sha[41];
    ss_sha1_hex(body, strlen(body), sha);
    snprintf(want, sizeof want, "-MY failure script: %s, on @user_script:1.\r\n", sha);
    expect2(body, want);
    expect2("return redis.pcall('raw', '-MY failure\\r\\n')", "-MY failure\r\n");
}

Test(script_conv, resp3_replies_become_redis_tables)
{
    expect2("redis.setresp(3); local r = redis.call('raw', '%2\\r\\n$1\\r\\na\\r\\n:1\\r\\n$1\\r\\nb\\r\\n#t\\r\\n'); "
            "return {r.map.a, r.map.b}",
            "*2\r\n:1\r\n:1\r\n");
    expect2("local r = redis.call('raw', '~2\\r\\n$1\\r\\nx\\r\\n$1\\r\\ny\\r\\n'); "
            "return {r.set.x, r.set.y, r.set.z}",
            "*2\r\n:1\r\n:1\r\n");
    expect2("return redis.call('raw', ',3.25\\r\\n').double * 4", ":13\r\n");
    expect2("return tostring(redis.call('raw', ',-inf\\r\\n').double)", "$4\r\n-inf\r\n");
    expect2("return redis.call('raw', '(12345678901234567890\\r\\n').big_number",
            "$20\r\n12345678901234567890\r\n");
    expect2("local v = redis.call('raw', '=8\\r\\ntxt:hey!\\r\\n').verbatim_string; "
            "return {v.format, v.string}",
            "*2\r\n$3\r\ntxt\r\n$4\r\nhey!\r\n");
    expect2("local r = redis.call('raw', '#f\\r\\n'); return {type(r), tostring(r)}",
            "*2\r\n$7\r\nboolean\r\n$5\r\nfalse\r\n");
    expect2("return type(redis.call('raw', '_\\r\\n'))", "$3\r\nnil\r\n");
    /* Attributes are read and dropped; the value they annotate remains. */
    expect2("return redis.call('raw', '|1\\r\\n+key\\r\\n:9\\r\\n:5\\r\\n')", ":5\r\n");
}

Test(script_conv, the_engine_is_asked_for_the_protocol_the_script_chose)
{
    expect2("return redis.call('proto')", ":2\r\n");
    expect2("redis.setresp(3); return redis.call('proto')", ":3\r\n");
    expect2("redis.setresp(3); redis.setresp(2); return redis.call('proto')", ":2\r\n");
    /* Each script starts at RESP2 again. */
    expect2("redis.setresp(3); return 1", ":1\r\n");
    expect2("return redis.call('proto')", ":2\r\n");
}

Test(script_conv, malformed_replies_fail_the_call_instead_of_reading_past_the_end)
{
    const char *bad[] = {"", ":", ":12", ":x\\r\\n", "$5\\r\\nab\\r\\n", "$2\\r\\nabc\\r\\n",
                         "*2\\r\\n:1\\r\\n", "*-2\\r\\n", "%1\\r\\n:1\\r\\n", "#x\\r\\n", ",1.5x\\r\\n",
                         "=3\\r\\ntxt\\r\\n", "?\\r\\n", ":1\\r\\n:2\\r\\n", "*99999999\\r\\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[200];
        snprintf(body, sizeof body, "return redis.pcall('raw', '%s')", bad[i]);
        script_run r = run_script(env, body, RESP2, true, NULL, NULL);
        cr_expect(strstr(r.reply, "-ERR the command's reply is not valid RESP") == r.reply,
                  "%s -> %s", bad[i], r.reply);
        script_run_free(&r);
    }
}

Test(script_conv, nesting_in_replies_is_bounded)
{
    char body[2000] = "return redis.pcall('raw', '";
    for (int i = 0; i < 200; i++)
        strcat(body, "*1\\r\\n");
    strcat(body, ":1\\r\\n')");
    script_run r = run_script(env, body, RESP2, true, NULL, NULL);
    cr_expect(strstr(r.reply, "not valid RESP") != NULL, "%s", r.reply);
    script_run_free(&r);
}

/* ------------------------------------------------------------ Lua -> RESP */

Test(script_conv, numbers_truncate_toward_zero_and_out_of_range_is_llong_min)
{
    expect2("return 2^53", ":9007199254740992\r\n");
    expect2("return -2^63", ":-9223372036854775808\r\n");
    expect2("return 2^63", ":-9223372036854775808\r\n");
    expect2("return -0.5", ":0\r\n");
}

Test(script_conv, booleans_follow_the_scripts_protocol_and_nulls_the_clients)
{
    expect2("return {true, false}", "*2\r\n:1\r\n$-1\r\n");
    expect3("return {true, false}", "*2\r\n:1\r\n_\r\n");
    expect2("redis.setresp(3); return {true, false}", "*2\r\n:1\r\n:0\r\n");
    expect3("redis.setresp(3); return {true, false}", "*2\r\n#t\r\n#f\r\n");
    expect2("return function() end", "$-1\r\n");
    expect3("return coroutine.create(function() end)", "_\r\n");
}

Test(script_conv, resp3_forms_degrade_in_resp2)
{
    expect3("return {map={k='v'}}", "%1\r\n$1\r\nk\r\n$1\r\nv\r\n");
    expect2("return {map={k='v'}}", "*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
    expect3("return {set={k=true}}", "~1\r\n$1\r\nk\r\n");
    expect2("return {set={k=true}}", "*1\r\n$1\r\nk\r\n");
    expect3("return {big_number='99'}", "(99\r\n");
    expect2("return {big_number='99'}", "$2\r\n99\r\n");
    expect3("return {verbatim_string={format='txt', string='ab'}}", "=6\r\ntxt:ab\r\n");
    expect2("return {verbatim_string={format='txt', string='ab'}}", "$2\r\nab\r\n");
}

/* The project prints doubles as the shortest text that reads back (Redis 7.2);
 * Redis 7.0 prints %.17g ("0.10000000000000001"). */
Test(script_conv, doubles_print_as_the_shortest_round_trip_text)
{
    expect2("return {double=0.1}", "$3\r\n0.1\r\n");
    expect3("return {double=0.1}", ",0.1\r\n");
    expect3("return {double=1/0}", ",inf\r\n");
    expect3("return {double=0/0}", ",nan\r\n");
}

Test(script_conv, tables_that_contain_themselves_stop_at_the_depth_limit)
{
    script_run r = run_script(env, "local t = {}; t[1] = t; return t", RESP2, true, NULL, NULL);
    cr_expect(r.res.outcome == SS_SCRIPT_OK);
    cr_expect(strstr(r.reply, "-ERR reached lua stack limit\r\n") != NULL);
    /* Every level but the last is a one-element array. */
    cr_expect(strncmp(r.reply, "*1\r\n*1\r\n*1\r\n", 12) == 0);
    script_run_free(&r);
}

/* Two fields that refer back to the table double the walk at every level:
 * the reply limit ends it with a fixed error instead of 2^1000 steps. */
Test(script_conv, a_reply_past_the_reply_limit_is_a_fixed_error)
{
    ss_script_limits lim = {.max_reply = 1 << 20};
    ss_script_env_set_limits(env, &lim);
    const char *body = "local t = {}; t.map = t; t.set = t; return {map = {a = t}}";
    char want[200], sha[41];
    ss_sha1_hex(body, strlen(body), sha);
    snprintf(want, sizeof want,
             "-ERR Script reply is larger than the reply limit (script-max-reply) script: %s\r\n", sha);
    script_run r = run_script(env, body, RESP3, true, NULL, NULL);
    cr_expect_str_eq(r.reply, want);
    cr_expect_eq(r.res.outcome, SS_SCRIPT_ERROR);
    script_run_free(&r);
    r = run_script(env, "return string.rep('x', 2000000)", RESP2, true, NULL, NULL);
    cr_expect(strstr(r.reply, "larger than the reply limit") != NULL);
    script_run_free(&r);
    r = run_script(env, "return string.rep('x', 1000)", RESP2, true, NULL, NULL);
    cr_expect_eq(r.len, 1000 + 9);
    script_run_free(&r);
}

Test(script_conv, a_capped_reply_buffer_reports_its_error)
{
    ss_buf out;
    ss_buf_init(&out, 64);
    ss_script_call call = {.body = "return string.rep('x', 1000)", .body_len = 28,
                           .proto = RESP2, .allow_writes = true, .call = fake_call};
    ss_script_result res;
    cr_expect_eq(ss_script_eval(env, &call, &out, &res), SS_ETOOBIG);
    ss_buf_release(&out);
}

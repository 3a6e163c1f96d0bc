/* The budgeted pattern matcher: Lua 5.1's results and errors for string.find/match/gmatch/gsub, and pathological patterns stopped by the instruction budget. */
#include <criterion/criterion.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha1.h"
#include "unit/test_script_helpers.h"

/* Evaluates expr and describes every value it returns ("ok|number:1|string:x")
 * or its error ("error|message"). */
#define DESCRIBE \
    "local function d(ok, ...) " \
    "  local out = {ok and 'ok' or 'error'} " \
    "  for i = 1, select('#', ...) do local v = select(i, ...) out[#out+1] = type(v) .. ':' .. tostring(v) end " \
    "  return table.concat(out, '|') " \
    "end " \
    "return d(pcall(function() return %s end))"

/* Lua 5.1's own matcher, in a plain state. */
static char *plain_lua(const char *expr)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    char code[4096];
    snprintf(code, sizeof code, DESCRIBE, expr);
    cr_assert_eq(luaL_loadstring(L, code), 0, "%s", lua_tostring(L, -1));
    cr_assert_eq(lua_pcall(L, 0, 1, 0), 0, "%s", lua_tostring(L, -1));
    char *out = strdup(lua_tostring(L, -1));
    lua_close(L);
    return out;
}

/* The script environment's. */
static char *sandboxed(const char *expr)
{
    char code[4096];
    snprintf(code, sizeof code, DESCRIBE, expr);
    ss_script_limits lim = {.max_instructions = 100000000};
    ss_script_env *env = ss_script_env_new(&lim);
    script_run r = run_script(env, code, RESP2, true, NULL, NULL);
    ss_script_env_free(env);
    cr_assert_eq(r.reply[0], '$', "%s: %s", expr, r.reply);
    char *nl = strstr(r.reply, "\r\n");
    char *out = strndup(nl + 2, (size_t)atol(r.reply + 1));
    script_run_free(&r);
    return out;
}

static const char *const cases[] = {
    "string.find('hello world', 'o w')",
    "string.find('hello world', 'l+')",
    "string.find('hello', 'l', 1, true)",
    "string.find('a.b', '.', 1, true)",
    "string.find('a.b', '.')",
    "string.find('abc', 'b', -1)",
    "string.find('abc', 'c', -1)",
    "string.find('abc', '', 10)",
    "string.find('abc', '', -10)",
    "string.find('abc', 'x')",
    "string.find('a+b', '+')",
    "string.find('key=value', '(%w+)=(%w+)')",
    "string.match('key=value', '(%w+)=(%w+)')",
    "string.match('  trim me  ', '^%s*(.-)%s*$')",
    "string.match('hello', '()ll()')",
    "string.match('THE (quick) fox', '%((%a+)%)')",
    "string.match('f(a(b)c)d', '%b()')",
    "string.match('f(a(b c)d', '%b()')",
    "string.match('THE (quick) fox', '%f[%a]%a+', 5)",
    "string.match('aaa', 'a-b')",
    "string.match('aaab', 'a-b')",
    "string.match('ab', 'a?b')",
    "string.match('b', 'a?b')",
    "string.match('hello hello', '(h%a+) %1')",
    "string.match('x$y', '%$')",
    "string.match('abc$', 'c%$$')",
    "string.match('a^b', 'a^b')",
    "string.match('^ab', '^^a')",
    "string.match('[test]', '[%[]')",
    "string.match('a-b-c', '[a%-]+')",
    "string.match('z', '[^a-y]')",
    "string.match('5x', '[%d]')",
    "string.match('x]', '[]]')",
    "string.match('\\0ab', '%z')",
    "string.match('ABC def', '%u+')",
    "string.match('ABC def', '%U+')",
    "string.match('a1_ b', '[%w_]+')",
    "string.match('caf\\233', '[\\200-\\255]')",
    "string.match(string.rep('ab', 50), '(ab)+$')",
    "string.match('2024-01-31', '(%d+)-(%d+)-(%d+)')",
    "string.match('no', '(x*)')",
    "(function() local t = {} for k, v in string.gmatch('a=1, b=2, c=3', '(%w+)=(%w+)') do t[#t+1] = k .. v end return table.concat(t, ',') end)()",
    "(function() local t = {} for w in string.gmatch('abc', 'x*') do t[#t+1] = '[' .. w .. ']' end return table.concat(t) end)()",
    "(function() local t = {} for a, b in string.gmatch('one two', '()(%a+)') do t[#t+1] = a .. b end return table.concat(t, ' ') end)()",
    "(function() local t = {} for w in string.gmatch('^a^a', '^a') do t[#t+1] = w end return #t end)()",
    "string.gsub('hello world', 'o', '0')",
    "string.gsub('hello', '', '-')",
    "string.gsub('abc', '%w', '%0%0')",
    "string.gsub('abc', '(%w)', '%1-')",
    "string.gsub('hello world', '%w+', {hello = 'HI'})",
    "string.gsub('abc', '%w', function(c) return c:upper() .. '.' end)",
    "string.gsub('abc', '%w', function(c) if c == 'b' then return false end return 1 end)",
    "string.gsub('aaa', 'a', 'b', 2)",
    "string.gsub('abc', '^a', 'x')",
    "string.gsub('abc', '^b', 'x')",
    "string.gsub('a.b', '%.', '%%')",
    "string.gsub('x', 'x', '%q')",
    "string.gsub('x', 'x', 'a%')",
    "string.gsub('abc', 'b', 12)",
    "string.gsub('abc', '()', '%1')",
    "string.gsub('abc', 'b', false)",
    "string.gsub('abc', 'b', '%2')",
    "string.gsub('abc', '.', {a = 1, b = true})",
    "string.find('a', '%')",
    "string.find('a', '[a')",
    "string.match('a', '(a')",
    "string.match('a', 'a)')",
    "string.match('a', '%1')",
    "string.match('a', '%b')",
    "string.match('a', '%fa')",
    "string.match('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', string.rep('(a)', 33))",
    "string.find(nil, 'a')",
    "string.find('a', nil)",
    "string.find(12345, 3)",
    "string.gsub('abc', '(b)(c)', '%2%1')",
    "('x'):rep(3):gsub('x', '%%%0')",
};

Test(script_match, matches_lua_5_1_results_and_errors)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *want = plain_lua(cases[i]);
        char *got = sandboxed(cases[i]);
        if (strncmp(want, "error|", 6) == 0) {
            /* the sandbox names the script's position before Lua's message */
            cr_expect(strncmp(got, "error|", 6) == 0, "%s: %s", cases[i], got);
            const char *msg = strstr(want, "]:1: "); /* after the plain state's chunk name */
            msg = msg ? msg + 5 : want + 6;
            cr_expect(strstr(got, msg) != NULL, "%s: want an error with '%s', got '%s'", cases[i], msg, got);
        } else {
            cr_expect_str_eq(got, want, "%s", cases[i]);
        }
        free(want);
        free(got);
    }
}

static void expect_stopped(const char *body)
{
    ss_script_limits lim = {.max_instructions = 5000000};
    ss_script_env *env = ss_script_env_new(&lim);
    script_run r = run_script(env, body, RESP2, true, NULL, NULL);
    char sha[41], want[256];
    ss_sha1_hex(body, strlen(body), sha);
    snprintf(want, sizeof want, "-ERR Script exceeded the instruction limit (script-max-instructions) script: %s\r\n",
             sha);
    cr_expect_eq(r.res.outcome, SS_SCRIPT_BUDGET, "%s", body);
    cr_expect_str_eq(r.reply, want);
    uint64_t first = r.res.instructions;
    script_run_free(&r);
    /* the same step every time */
    r = run_script(env, body, RESP2, true, NULL, NULL);
    cr_expect_eq(r.res.instructions, first);
    script_run_free(&r);
    ss_script_env_free(env);
}

/* Before the budgeted matcher these ran for hours (every quantifier backtracks
 * over the whole subject), in C, where the count hook never fires. */
Test(script_match, pathological_patterns_stop_with_the_budget_error, .timeout = 60)
{
    expect_stopped("return string.find(string.rep('a', 40), string.rep('a*', 12) .. 'b')");
    expect_stopped("return string.match(string.rep('a', 40), string.rep('a-', 12) .. 'b')");
    expect_stopped("return string.gsub(string.rep('a', 40), string.rep('a*', 12) .. 'b', '')");
    expect_stopped("for w in string.gmatch(string.rep('a', 40), string.rep('a*', 12) .. 'b') do end");
    /* and pcall cannot swallow it */
    expect_stopped("pcall(string.find, string.rep('a', 40), string.rep('a*', 12) .. 'b') while true do end");
}

Test(script_match, ordinary_matching_costs_a_few_instructions_per_step)
{
    ss_script_limits lim = {.max_instructions = 5000000};
    ss_script_env *env = ss_script_env_new(&lim);
    script_run r = run_script(env, "return string.gsub(string.rep('hello world ', 10000), '%w+', 'x')", RESP2, true,
                              NULL, NULL);
    cr_expect_eq(r.res.outcome, SS_SCRIPT_OK, "%s", r.reply);
    script_run_free(&r);
    ss_script_env_free(env);
}

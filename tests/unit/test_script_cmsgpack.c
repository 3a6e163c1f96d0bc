/* cmsgpack: round trips, the specification's byte sequences, limits, and malformed input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "unit/test_script_helpers.h"

static ss_script_env *env;

static void setup(void) { env = ss_script_env_new(NULL); }
static void teardown(void) { ss_script_env_free(env); }

TestSuite(script_cmsgpack, .init = setup, .fini = teardown);

static void expect(const char *body, const char *want) { expect_script(env, body, want); }

/* Runs body with ARGV[1] = the given bytes (binary safe). */
static script_run run_bytes(const char *body, const char *bytes, size_t len)
{
    ss_script_call call = {.body = body, .body_len = strlen(body), .nargs = 1,
                           .args = (const char *const[]){bytes}, .arglens = (size_t[]){len},
                           .proto = RESP2, .allow_writes = true, .call = fake_call};
    return run_call(env, &call);
}

/* The MessagePack specification's forms (github.com/msgpack/msgpack/spec.md). */
Test(script_cmsgpack, packs_the_specifications_byte_sequences)
{
    expect("return cmsgpack.pack(0, 127, -1, -32)", "$4\r\n\x00\x7f\xff\xe0\r\n");
    expect("return cmsgpack.pack(128) == '\\204\\128'", ":1\r\n");
    expect("return cmsgpack.pack(-33) == '\\208\\223'", ":1\r\n");
    expect("return cmsgpack.pack(65536) == '\\206\\0\\1\\0\\0'", ":1\r\n");
    expect("return cmsgpack.pack(2^32) == '\\207\\0\\0\\0\\1\\0\\0\\0\\0'", ":1\r\n");
    expect("return cmsgpack.pack(-2^31 - 1) == '\\211\\255\\255\\255\\255\\127\\255\\255\\255'", ":1\r\n");
    expect("return cmsgpack.pack(1.5) == '\\202\\63\\192\\0\\0'", ":1\r\n");
    expect("return cmsgpack.pack(0.1) == '\\203\\63\\185\\153\\153\\153\\153\\153\\154'", ":1\r\n");
    expect("return cmsgpack.pack(nil, false, true) == '\\192\\194\\195'", ":1\r\n");
    expect("return cmsgpack.pack('abc') == '\\163abc'", ":1\r\n");
    expect("return cmsgpack.pack(string.rep('x', 32)):sub(1, 2) == '\\217\\32'", ":1\r\n");
    expect("return cmsgpack.pack(string.rep('x', 256)):sub(1, 3) == '\\218\\1\\0'", ":1\r\n");
    expect("return cmsgpack.pack(string.rep('x', 65536)):sub(1, 5) == '\\219\\0\\1\\0\\0'", ":1\r\n");
    expect("return cmsgpack.pack({1, 2, 3}) == '\\147\\1\\2\\3'", ":1\r\n");
    expect("return cmsgpack.pack({a = 1}) == '\\129\\161a\\1'", ":1\r\n");
    expect("local t = {} for i = 1, 16 do t[i] = 0 end return cmsgpack.pack(t):sub(1, 3) == '\\220\\0\\16'",
           ":1\r\n");
    expect("local t = {} for i = 1, 65536 do t[i] = 0 end return cmsgpack.pack(t):sub(1, 5) == '\\221\\0\\1\\0\\0'",
           ":1\r\n");
    expect("local t = {} for i = 1, 16 do t['k' .. i] = 0 end return cmsgpack.pack(t):sub(1, 3) == '\\222\\0\\16'",
           ":1\r\n");
}

Test(script_cmsgpack, values_round_trip)
{
    const char *values[] = {
        "0", "1", "-1", "127", "128", "-32", "-33", "255", "256", "65535", "65536", "-32768", "-32769",
        "4294967295", "4294967296", "-2147483648", "-2147483649", "2^53", "-2^53", "1.5", "-0.25", "0.1",
        "1e300", "-1e-300", "1/0", "-1/0", "''", "'a'", "string.rep('b', 31)", "string.rep('c', 32)",
        "string.rep('d', 255)", "string.rep('e', 256)", "string.rep('f', 65535)", "string.rep('g', 65536)",
        "'\\0\\1\\255'", "true", "false",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "local v = %s local u = cmsgpack.unpack(cmsgpack.pack(v)) "
                 "return {u == v and 1 or 0, type(u) == type(v) and 1 or 0}", values[i]);
        expect(body, "*2\r\n:1\r\n:1\r\n");
    }
    /* NaN packs as a double and comes back NaN. */
    expect("local u = cmsgpack.unpack(cmsgpack.pack(0/0)) return u ~= u", ":1\r\n");
    /* Nested tables and several values at once. */
    expect("local a, b, c = cmsgpack.unpack(cmsgpack.pack({1, {2, {x = 'y'}}, {}}, 'two', {k = {true}})) "
           "return cjson.encode({a, b, c})",
           "$41\r\n[[1,[2,{\"x\":\"y\"}],{}],\"two\",{\"k\":[true]}]\r\n");
}

Test(script_cmsgpack, tables_are_arrays_only_with_keys_one_to_n)
{
    expect("return cmsgpack.pack({}) == '\\144'", ":1\r\n");
    expect("return cmsgpack.pack({1, nil, 3}) == '\\130\\1\\1\\3\\3'", ":1\r\n");
    expect("return cmsgpack.pack({[2] = 1}) == '\\129\\2\\1'", ":1\r\n");
    expect("return cmsgpack.pack({[0] = 1}) == '\\129\\0\\1'", ":1\r\n");
    expect("return string.byte(cmsgpack.pack({1, 2, x = 3}))", ":131\r\n");
}

Test(script_cmsgpack, nesting_past_sixteen_levels_packs_as_nil)
{
    expect("local t = 1 for i = 1, 16 do t = {t} end return cmsgpack.pack(t) == string.rep('\\145', 16) .. '\\1'",
           ":1\r\n");
    expect("local t = 1 for i = 1, 17 do t = {t} end return cmsgpack.pack(t) == string.rep('\\145', 16) .. '\\192'",
           ":1\r\n");
    /* A table that contains itself ends too. */
    expect("local t = {} t[1] = t return #cmsgpack.pack(t)", ":17\r\n");
}

Test(script_cmsgpack, streams_are_read_with_offsets)
{
    expect("local s = cmsgpack.pack(1, 'two', {3}) local out, off, v = {}, 0 "
           "repeat off, v = cmsgpack.unpack_one(s, off) out[#out + 1] = cjson.encode(v) until off == -1 "
           "return out",
           "*3\r\n$1\r\n1\r\n$5\r\n\"two\"\r\n$3\r\n[3]\r\n");
    expect("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3, 4), 3)}", "*4\r\n:3\r\n:1\r\n:2\r\n:3\r\n");
    expect("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3, 4), 3, 3)}", "*2\r\n:-1\r\n:4\r\n");
}

/* Every proper prefix of a valid encoding is an error ("Missing bytes in
 * input."), never a read past the end. */
Test(script_cmsgpack, truncated_input_is_an_error_at_every_length)
{
    const char *body = "local s = cmsgpack.pack({1, 'two', {x = 1.5, y = {true, 65536, -129}}, "
                       "string.rep('z', 300), 2^40, 0.1}) "
                       "local bad = 0 for n = 1, #s - 1 do "
                       "local ok, err = pcall(cmsgpack.unpack, s:sub(1, n)) "
                       "if ok or not string.find(err, 'Missing bytes in input.', 1, true) then bad = bad + 1 end "
                       "end return {#s, bad}";
    script_run r = run_script(env, body, RESP2, true, NULL, NULL);
    cr_expect(strstr(r.reply, "\r\n:0\r\n") != NULL, "%s", r.reply);
    script_run_free(&r);
}

Test(script_cmsgpack, bad_types_and_hostile_lengths_are_errors)
{
    struct { const char *bytes; size_t len; const char *err; } cases[] = {
        {"\xc1", 1, "Bad data format in input."},
        {"\xc4\x01" "a", 3, "Bad data format in input."},          /* bin 8 */
        {"\xd4\x01\x01", 3, "Bad data format in input."},          /* fixext 1 */
        {"\xdd\xff\xff\xff\xff", 5, "Missing bytes in input."},    /* array of 4G items */
        {"\xdf\xff\xff\xff\xff", 5, "Missing bytes in input."},    /* map of 4G pairs */
        {"\xdb\xff\xff\xff\xff" "ab", 7, "Missing bytes in input."},
        {"\x81\xc0\x01", 3, "table index is nil"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        script_run r = run_bytes("local ok, err = pcall(cmsgpack.unpack, ARGV[1]) return {tostring(ok), err}",
                                 cases[i].bytes, cases[i].len);
        cr_expect(strstr(r.reply, cases[i].err) != NULL, "case %zu: %s", i, r.reply);
        script_run_free(&r);
    }
}

Test(script_cmsgpack, deep_nesting_in_input_is_an_error_not_a_stack_overflow)
{
    static char deep[200001];
    memset(deep, 0x91, sizeof deep - 1);
    deep[sizeof deep - 1] = 0x01;
    script_run r = run_bytes("return cmsgpack.unpack(ARGV[1])", deep, sizeof deep);
    cr_expect(strstr(r.reply, "stack overflow (in function mp_decode_to_lua_array)") != NULL, "%.200s", r.reply);
    script_run_free(&r);
    memset(deep, 0x81, sizeof deep - 1);
    r = run_bytes("return cmsgpack.unpack(ARGV[1])", deep, sizeof deep);
    cr_expect(strstr(r.reply, "stack overflow") != NULL, "%.200s", r.reply);
    script_run_free(&r);
}

/* Random bytes: any answer but a crash (the sanitizer build runs this too). */
Test(script_cmsgpack, random_input_never_crashes)
{
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    char buf[64];
    for (int i = 0; i < 3000; i++) {
        size_t len = (size_t)(i % 63) + 1;
        for (size_t j = 0; j < len; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[j] = (char)(x >> 24);
        }
        script_run r = run_bytes("local ok, a, b = pcall(cmsgpack.unpack, ARGV[1]) return tostring(ok)",
                                 buf, len);
        cr_assert(r.len > 0 && (r.reply[0] == '$' || r.reply[0] == '-'), "input %d: %s", i, r.reply);
        script_run_free(&r);
    }
}

Test(script_cmsgpack, argument_errors_use_the_originals_words)
{
    expect("local ok, e = pcall(cmsgpack.pack) return e", "$54\r\nbad argument #0 to '?' (MessagePack pack needs input.)\r\n");
    expect("local ok, e = pcall(cmsgpack.unpack_one, 'a', 5) return e",
           "$43\r\nStart offset 5 greater than input length 1.\r\n");
    expect("local ok, e = pcall(cmsgpack.unpack_limit, 'a', -1) return e",
           "$58\r\nInvalid request to unpack with offset of 0 and limit of 1.\r\n");
}

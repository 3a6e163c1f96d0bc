/* struct, cjson and bit: round trips, documented byte layouts, and malformed input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "unit/test_script_helpers.h"

static ss_script_env *env;

static void setup(void) { env = ss_script_env_new(NULL); }
static void teardown(void) { ss_script_env_free(env); }

TestSuite(script_libs, .init = setup, .fini = teardown);

static void expect(const char *body, const char *want) { expect_script(env, body, want); }

/* ----------------------------------------------------------------- struct */

Test(script_libs, struct_packs_the_documented_layouts)
{
    expect("return struct.pack('>i4', 0x01020304) == '\\1\\2\\3\\4'", ":1\r\n");
    expect("return struct.pack('<i4', 0x01020304) == '\\4\\3\\2\\1'", ":1\r\n");
    expect("return struct.pack('>h', -2) == '\\255\\254'", ":1\r\n");
    expect("return struct.pack('>d', 1.5) == '\\63\\248\\0\\0\\0\\0\\0\\0'", ":1\r\n");
    expect("return struct.pack('<f', -2) == '\\0\\0\\0\\192'", ":1\r\n");
    expect("return struct.pack('s', 'hi') == 'hi\\0'", ":1\r\n");
    expect("return struct.pack('>b x i2', 1, 2) == '\\1\\0\\0\\2'", ":1\r\n");
    /* Alignment: '!' aligns each item to min(its size, the maximum). */
    expect("return struct.pack('!4 b i4', 1, 2) == '\\1\\0\\0\\0\\2\\0\\0\\0'", ":1\r\n");
    expect("return struct.size('!8 b d')", ":16\r\n");
    expect("return struct.size('>b h i l f d T')", ":35\r\n");
}

Test(script_libs, struct_values_round_trip)
{
    const char *cases[] = {
        "'>b', -128", "'<B', 255", "'>h', -32768", "'<H', 65535", "'>i', -2147483648", "'<I', 4294967295",
        "'>l', -2^53", "'<L', 2^53", "'>T', 123456789", "'<i3', -8388608", "'>I7', 2^50", "'>f', 0.5",
        "'<d', -1e300", "'>c5', 'abcde'", "'s', 'zero terminated'", "'>i16', -7", "'<I32', 99",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "local f, v = %s local u, nextpos = struct.unpack(f, struct.pack(f, v)) "
                 "return {u == v and 1 or 0, nextpos == #struct.pack(f, v) + 1 and 1 or 0}", cases[i]);
        expect(body, "*2\r\n:1\r\n:1\r\n");
    }
    expect("return {struct.unpack('>I2 c0 b', struct.pack('>I2 c0 b', 3, 'xyz', -1))}",
           "*3\r\n$3\r\nxyz\r\n:-1\r\n:7\r\n");
}

/* Every proper prefix of packed data is "data string too short" (or, for
 * 's', "unfinished string in data"), never a read past the end. */
Test(script_libs, struct_truncated_data_is_an_error_at_every_length)
{
    expect("local f = '>b h i l f d c3 s' local s = struct.pack(f, 1, 2, 3, 4, 5, 6, 'abc', 'str') "
           "local bad = 0 for n = 0, #s - 1 do local ok, err = pcall(struct.unpack, f, s:sub(1, n)) "
           "if ok or not (string.find(err, 'data string too short', 1, true) or "
           "string.find(err, 'unfinished string in data', 1, true)) then bad = bad + 1 end end return bad",
           ":0\r\n");
}

Test(script_libs, struct_format_errors_use_the_originals_words)
{
    expect("return select(2, pcall(struct.pack, 'i33', 1))", "$43\r\nintegral size 33 is larger than limit of 32\r\n");
    expect("return select(2, pcall(struct.size, 'i99999999999'))", "$22\r\nintegral size overflow\r\n");
    expect("return select(2, pcall(struct.size, '!3'))", "$31\r\nalignment 3 is not a power of 2\r\n");
    expect("return select(2, pcall(struct.pack, 'y', 1))", "$50\r\nbad argument #1 to '?' (invalid format option 'y')\r\n");
    expect("return select(2, pcall(struct.size, 's'))", "$53\r\nbad argument #1 to '?' (option 's' has no fixed size)\r\n");
    expect("return select(2, pcall(struct.unpack, 'c0', 'abc'))", "$33\r\nformat 'c0' needs a previous size\r\n");
    expect("return select(2, pcall(struct.unpack, 'b', 'abc', 0))",
           "$52\r\nbad argument #3 to '?' (offset must be 1 or greater)\r\n");
    expect("return select(2, pcall(struct.pack, 'c9', 'short'))", "$41\r\nbad argument #3 to '?' (string too short)\r\n");
}

/* ------------------------------------------------------------------ cjson */

Test(script_libs, cjson_round_trips)
{
    const char *docs[] = {
        "[1,2,3]", "{\"a\":{\"b\":[true,false,null]}}", "\"esc \\\\\\\" \\\\n \\\\u00e9\"", "[]", "{}",
        "[0.5,-1e+20,123456789012]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "local d = '%s' local v = cjson.decode(d) local again = cjson.decode(cjson.encode(v)) "
                 "return cjson.encode(again) == cjson.encode(v) and 1 or 0", docs[i]);
        expect(body, ":1\r\n");
    }
    expect("return cjson.decode('{\"n\":null}').n == cjson.null", ":1\r\n");
    expect("local ok, err = pcall(cjson.decode, '{\"a\":') return ok", "$-1\r\n");
}

/* -------------------------------------------------------------------- bit */

Test(script_libs, bit_operations_are_32_bit_as_bitop_defines_them)
{
    expect("return {bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.bnot(0), bit.band(0xff, 0x0f0f)}",
           "*4\r\n:-1\r\n:5\r\n:-1\r\n:15\r\n");
    expect("return {bit.lshift(1, 31), bit.rshift(0x80000000, 31), bit.arshift(0x80000000, 31)}",
           "*3\r\n:-2147483648\r\n:1\r\n:-1\r\n");
    expect("return {bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}",
           "*3\r\n:878082066\r\n:2014458966\r\n:2018915346\r\n");
    expect("return {bit.tohex(0xabc), bit.tohex(-1, -2)}", "*2\r\n$8\r\n00000abc\r\n$2\r\nFF\r\n");
    expect("local x = 0x5a5a5a5a return bit.bxor(bit.bxor(x, 0x12345678), 0x12345678) == x", ":1\r\n");
}

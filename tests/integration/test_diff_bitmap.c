/* Bitmaps (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO) and the string commands over the same values, against redis-server 7.0. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "integration/diff_harness.h"

static const char *key(dh_run *r)
{
    static const char *const keys[] = {"b0", "b1", "b2", "b3"};
    return keys[dh_below(r, 4)];
}

/* Bit offsets: mostly in the first bytes, often past the 16 KiB a string
 * keeps inline (so its chunks are exercised), sometimes megabits out. */
static unsigned long long bit_offset(dh_run *r)
{
    switch (dh_below(r, 4)) {
    case 0: return dh_below(r, 64);
    case 1: return dh_below(r, 2048);
    case 2: return 131000 + dh_below(r, 2000);
    default: return dh_below(r, 1u << 23);
    }
}

/* A byte or bit index for ranges, negative ones included. */
static long long idx(dh_run *r)
{
    long long v = (long long)dh_below(r, 40) - 20;
    return dh_below(r, 5) ? v : v * 1000;
}

static const char *unit(dh_run *r)
{
    static const char *const u[] = {"", " BYTE", " BIT"};
    return u[dh_below(r, 3)];
}

static const char *overflow(dh_run *r)
{
    static const char *const o[] = {"", "OVERFLOW WRAP ", "OVERFLOW SAT ", "OVERFLOW FAIL "};
    return o[dh_below(r, 4)];
}

/* A BITFIELD type: i1..i64 or u1..u63. */
static void field_type(dh_run *r, char *b, size_t n)
{
    bool sign = dh_below(r, 2);
    int bits = 1 + (int)dh_below(r, sign ? 64 : 63);
    snprintf(b, n, "%c%d", sign ? 'i' : 'u', bits);
}

static long long field_value(dh_run *r)
{
    switch (dh_below(r, 3)) {
    case 0: return (long long)dh_below(r, 20) - 10;
    case 1: return (long long)dh_below(r, 1000) - 500;
    default: return (long long)dh_rand(r);
    }
}

/* A field offset: bits, or #N. */
static void field_offset(dh_run *r, char *b, size_t n)
{
    if (dh_below(r, 3) == 0)
        snprintf(b, n, "#%llu", (unsigned long long)dh_below(r, 40));
    else
        snprintf(b, n, "%llu", dh_below(r, 6) ? (unsigned long long)dh_below(r, 200) : bit_offset(r));
}

static void line_bitfield(dh_run *r, char *b, size_t n, bool ro)
{
    int len = snprintf(b, n, "%s %s", ro ? "BITFIELD_RO" : "BITFIELD", key(r));
    int ops = 1 + (int)dh_below(r, 4);
    for (int i = 0; i < ops && len < (int)n - 100; i++) {
        char type[8], off[32];
        field_type(r, type, sizeof type);
        field_offset(r, off, sizeof off);
        switch (ro ? 0 : dh_below(r, 3)) {
        case 0: len += snprintf(b + len, n - (size_t)len, " GET %s %s", type, off); break;
        case 1: len += snprintf(b + len, n - (size_t)len, " %sSET %s %s %lld", overflow(r), type, off, field_value(r)); break;
        default: len += snprintf(b + len, n - (size_t)len, " %sINCRBY %s %s %lld", overflow(r), type, off, field_value(r)); break;
        }
    }
}

static void line(dh_run *r, char *b, size_t n)
{
    const char *k = key(r);
    switch (dh_below(r, 20)) {
    case 0: case 1: case 2:
        snprintf(b, n, "SETBIT %s %llu %d", k, bit_offset(r), (int)dh_below(r, 2)); break;
    case 3: snprintf(b, n, "GETBIT %s %llu", k, bit_offset(r)); break;
    case 4: snprintf(b, n, "BITCOUNT %s", k); break;
    case 5: snprintf(b, n, "BITCOUNT %s %lld %lld%s", k, idx(r), idx(r), unit(r)); break;
    case 6: snprintf(b, n, "BITPOS %s %d", k, (int)dh_below(r, 2)); break;
    case 7: snprintf(b, n, "BITPOS %s %d %lld", k, (int)dh_below(r, 2), idx(r)); break;
    case 8: snprintf(b, n, "BITPOS %s %d %lld %lld%s", k, (int)dh_below(r, 2), idx(r), idx(r), unit(r)); break;
    case 9: {
        static const char *const ops[] = {"AND", "OR", "XOR", "NOT"};
        int op = (int)dh_below(r, 4);
        if (op == 3)
            snprintf(b, n, "BITOP NOT %s %s", k, key(r));
        else
            snprintf(b, n, "BITOP %s %s %s %s", ops[op], k, key(r), key(r));
        break;
    }
    case 10: case 11: line_bitfield(r, b, n, false); break;
    case 12: line_bitfield(r, b, n, true); break;
    case 13: snprintf(b, n, "STRLEN %s", k); break;
    case 14: snprintf(b, n, "GETRANGE %s %lld %lld", k, idx(r), idx(r)); break;
    case 15: snprintf(b, n, "SETRANGE %s %llu ab%llu", k, bit_offset(r) / 8, (unsigned long long)dh_below(r, 100)); break;
    case 16: snprintf(b, n, "APPEND %s x%llu", k, (unsigned long long)dh_below(r, 100)); break;
    case 17: snprintf(b, n, "GET %s", k); break;
    case 18: snprintf(b, n, dh_below(r, 2) ? "SET %s foobar" : "DEL %s", k); break;
    default: snprintf(b, n, dh_below(r, 3) ? "EXISTS %s" : "LPUSH %s x", k); break;
    }
}

Test(diff_bitmap, random_bit_commands_answer_as_redis_does, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    int rounds = dh_rounds(2000), bad = 0;
    for (int i = 0; i < rounds && bad < 5; i++) {
        char b[512];
        line(r, b, sizeof b);
        bad += !dh_cmd(r, DH_EXACT, b);
    }
    /* The values as they stand, compared whole once more. */
    bad += !dh_cmd(r, DH_EXACT, "MGET b0 b1 b2 b3");
    dh_stop(r);
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}

Test(diff_bitmap, the_largest_offsets_answer_as_redis_does, .timeout = 600)
{
    dh_run *r = dh_start(NULL);
    static const char *const lines[] = {
        "SETBIT big 4294967295 1", "STRLEN big", "BITCOUNT big", "BITCOUNT big -1 -1 BIT",
        "BITPOS big 1", "BITPOS big 0 -1", "BITPOS big 1 -100 -1", "GETBIT big 4294967295",
        "SETBIT big 4294967296 1", "BITFIELD big GET u8 4294967288 GET i64 4294967200",
        "BITFIELD big SET u8 4294967288 7", "GETRANGE big -3 -1", "SETRANGE big 536870911 z",
        "GETRANGE big -3 -1", "BITCOUNT big 536870000 -1", "APPEND big x", "SETBIT big 12345 1",
        "BITPOS big 1 1000", "BITFIELD_RO big GET u16 12340", "DEL big", "EXISTS big",
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        bad += !dh_cmd(r, DH_EXACT, lines[i]);
    dh_stop(r);
    cr_assert_eq(bad, 0, "%d replies differed from redis-server's (see above)", bad);
}

/* Bit arithmetic shared by the bitmap commands: BITFIELD's operations and their overflow rules, popcount. */
#include "commands/bitfield.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/keyhelpers.h"

long long ss_popcount(const void *p, size_t n)
{
    const unsigned char *c = p;
    long long bits = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, c + i, 8);
        bits += __builtin_popcountll(w);
    }
    for (; i < n; i++)
        bits += __builtin_popcount(c[i]);
    return bits;
}

/* ----------------------------------------------------- the field bits */

/* Bit 0 is the most significant bit of byte 0. */
static uint64_t get_unsigned(const unsigned char *p, uint64_t off, int bits)
{
    uint64_t v = 0;
    for (int j = 0; j < bits; j++, off++)
        v = (v << 1) | ((p[off >> 3] >> (7 - (off & 7))) & 1);
    return v;
}

static int64_t get_signed(const unsigned char *p, uint64_t off, int bits)
{
    uint64_t u = get_unsigned(p, off, bits);
    if (bits < 64 && (u & (1ULL << (bits - 1))))
        u |= ~0ULL << bits; /* sign-extend */
    return (int64_t)u;
}

static void set_unsigned(unsigned char *p, uint64_t off, int bits, uint64_t v)
{
    for (int j = 0; j < bits; j++, off++) {
        unsigned bit = (unsigned)((v >> (bits - 1 - j)) & 1);
        unsigned shift = 7 - (unsigned)(off & 7);
        p[off >> 3] = (unsigned char)((p[off >> 3] & ~(1u << shift)) | (bit << shift));
    }
}

/* --------------------------------------------------------- overflows */

/*
 * Whether value + incr fits an unsigned field of `bits`: 0, or 1 (over) /
 * -1 (under) with *limit the value to store: wrapped modulo 2^bits (WRAP)
 * or the nearest bound (SAT). value may be out of range already (SET's
 * argument, taken as unsigned).
 */
static int unsigned_overflow(uint64_t value, int64_t incr, int bits, int mode, uint64_t *limit)
{
    uint64_t max = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
    int64_t maxincr = (int64_t)(max - value), minincr = (int64_t)(0 - value);
    int dir = 0;
    if (value > max || (incr > 0 && incr > maxincr))
        dir = 1;
    else if (incr < 0 && incr < minincr)
        dir = -1;
    if (dir && mode == SS_BF_WRAP)
        *limit = (value + (uint64_t)incr) & (bits == 64 ? UINT64_MAX : max);
    else if (dir && mode == SS_BF_SAT)
        *limit = dir > 0 ? max : 0;
    return dir;
}

/* The same for a signed field: WRAP keeps the low bits and their sign. */
static int signed_overflow(int64_t value, int64_t incr, int bits, int mode, int64_t *limit)
{
    int64_t max = bits == 64 ? INT64_MAX : (int64_t)((1ULL << (bits - 1)) - 1);
    int64_t min = -max - 1;
    /* Computed with unsigned wrap-around; used only where they cannot have
     * wrapped. */
    int64_t maxincr = (int64_t)((uint64_t)max - (uint64_t)value);
    int64_t minincr = (int64_t)((uint64_t)min - (uint64_t)value);
    int dir = 0;
    if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr))
        dir = 1;
    else if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr))
        dir = -1;
    if (dir && mode == SS_BF_WRAP) {
        uint64_t c = (uint64_t)value + (uint64_t)incr;
        if (bits < 64) {
            uint64_t mask = ~0ULL << bits;
            c = (c & (1ULL << (bits - 1))) ? c | mask : c & ~mask;
        }
        *limit = (int64_t)c;
    } else if (dir && mode == SS_BF_SAT) {
        *limit = dir > 0 ? max : min;
    }
    return dir;
}

bool ss_bitfield_apply(const ss_bitfield_op *op, unsigned char win[9], int64_t *reply, bool *changed)
{
    uint64_t off = op->offset & 7;
    *changed = false;
    if (op->opcode == SS_BF_GET) {
        *reply = op->sign ? get_signed(win, off, op->bits) : (int64_t)get_unsigned(win, off, op->bits);
        return true;
    }
    bool incr = op->opcode == SS_BF_INCRBY;
    uint64_t oldbits = get_unsigned(win, off, op->bits), newbits;
    if (op->sign) {
        int64_t old = get_signed(win, off, op->bits), val, wrapped = 0;
        int over = incr ? signed_overflow(old, op->value, op->bits, op->overflow, &wrapped)
                        : signed_overflow(op->value, 0, op->bits, op->overflow, &wrapped);
        if (over && op->overflow == SS_BF_FAIL)
            return false;
        val = over ? wrapped : incr ? (int64_t)((uint64_t)old + (uint64_t)op->value) : op->value;
        *reply = incr ? val : old;
        newbits = (uint64_t)val;
    } else {
        uint64_t old = oldbits, val, wrapped = 0;
        int over = incr ? unsigned_overflow(old, op->value, op->bits, op->overflow, &wrapped)
                        : unsigned_overflow((uint64_t)op->value, 0, op->bits, op->overflow, &wrapped);
        if (over && op->overflow == SS_BF_FAIL)
            return false;
        val = over ? wrapped : incr ? old + (uint64_t)op->value : (uint64_t)op->value;
        *reply = (int64_t)(incr ? val : old);
        newbits = val;
    }
    if (op->bits < 64)
        newbits &= (1ULL << op->bits) - 1;
    set_unsigned(win, off, op->bits, newbits);
    *changed = newbits != oldbits;
    return true;
}

/* ------------------------------------------------------------ parsing */

static bool arg_is(const ss_args *a, int i, const char *word)
{
    return strlen(word) == a->argvlen[i] && strcasecmp(a->argv[i], word) == 0;
}

/* "i<1..64>" or "u<1..63>" (lowercase, as Redis compares it). */
static bool parse_type(const char *p, size_t len, bool *sign, int *bits)
{
    long long n;
    if (len < 2 || (p[0] != 'i' && p[0] != 'u') || !ss_parse_ll(p + 1, len - 1, &n))
        return false;
    *sign = p[0] == 'i';
    if (n < 1 || n > (*sign ? 64 : 63))
        return false;
    *bits = (int)n;
    return true;
}

int ss_bitfield_parse(const ss_args *a, int from, ss_bitfield_op **ops, int *nops)
{
    int overflow = SS_BF_WRAP, n = 0;
    *ops = NULL;
    *nops = 0;
    /* An operation takes at least three arguments. */
    ss_bitfield_op *list = malloc(sizeof *list * (size_t)((a->argc - from) / 3 + 1));
    if (list == NULL)
        return SS_BITFIELD_ENOMEM;
    for (int j = from; j < a->argc; j++) {
        int rest = a->argc - j - 1, opcode, err = -1;
        if (arg_is(a, j, "get") && rest >= 2) {
            opcode = SS_BF_GET;
        } else if (arg_is(a, j, "set") && rest >= 3) {
            opcode = SS_BF_SET;
        } else if (arg_is(a, j, "incrby") && rest >= 3) {
            opcode = SS_BF_INCRBY;
        } else if (arg_is(a, j, "overflow") && rest >= 1) {
            j++;
            overflow = arg_is(a, j, "wrap") ? SS_BF_WRAP : arg_is(a, j, "sat") ? SS_BF_SAT
                     : arg_is(a, j, "fail") ? SS_BF_FAIL : -1;
            if (overflow >= 0)
                continue;
            err = RERR_BITFIELD_OVERFLOW;
        } else {
            err = RERR_SYNTAX;
        }
        ss_bitfield_op op = {.opcode = opcode, .overflow = overflow};
        long long v = 0;
        if (err < 0 && !parse_type(a->argv[j + 1], a->argvlen[j + 1], &op.sign, &op.bits))
            err = RERR_BITFIELD_TYPE;
        else if (err < 0 && !ss_bit_offset(a->argv[j + 2], a->argvlen[j + 2], op.bits, &op.offset))
            err = RERR_BIT_OFFSET;
        else if (err < 0 && opcode != SS_BF_GET && !ss_parse_ll(a->argv[j + 3], a->argvlen[j + 3], &v))
            err = RERR_NOTINT;
        if (err >= 0) {
            free(list);
            return err;
        }
        op.value = v;
        list[n++] = op;
        j += opcode == SS_BF_GET ? 2 : 3;
    }
    *ops = list;
    *nops = n;
    return -1;
}

bool ss_bitfield_writes(const ss_bitfield_op *ops, int nops)
{
    for (int i = 0; i < nops; i++)
        if (ops[i].opcode != SS_BF_GET)
            return true;
    return false;
}

uint64_t ss_bitfield_highest(const ss_bitfield_op *ops, int nops)
{
    uint64_t hi = 0;
    for (int i = 0; i < nops; i++)
        if (ops[i].opcode != SS_BF_GET && ops[i].offset + (uint64_t)ops[i].bits - 1 > hi)
            hi = ops[i].offset + (uint64_t)ops[i].bits - 1;
    return hi;
}

int ss_bitfield_getkeys(const ss_args *a, ss_keyref *keys)
{
    bool readonly = true;
    for (int i = 2; i < a->argc && readonly; i++) {
        int rest = a->argc - i - 1;
        if (arg_is(a, i, "get") && rest >= 2)
            i += 2;
        else if (arg_is(a, i, "overflow") && rest >= 1)
            i += 1;
        else
            readonly = false; /* a write, or a syntax error: not read-only */
    }
    keys[0] = (ss_keyref){1, readonly ? KS_RO | KS_ACCESS : KS_RW | KS_ACCESS | KS_UPDATE};
    return 1;
}

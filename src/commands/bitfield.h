/* Bit arithmetic shared by the bitmap commands: bit offsets, BITFIELD's operations (parse, overflow, apply on a 9-byte window), popcount. */
#ifndef SS_BITFIELD_H
#define SS_BITFIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands/command.h"

/*
 * A bit offset argument as Redis' getBitOffsetFromArgument reads it: an
 * integer (string2ll) from 0 to 2^32-1 (the bits of proto-max-bulk-len's
 * default), or, when bits > 0 (BITFIELD), "#N" for N * bits.
 */
bool ss_bit_offset(const char *s, size_t len, int bits, uint64_t *off);

/* The number of bits set in n bytes. */
long long ss_popcount(const void *p, size_t n);

enum { SS_BF_GET, SS_BF_SET, SS_BF_INCRBY };
enum { SS_BF_WRAP, SS_BF_SAT, SS_BF_FAIL };

typedef struct ss_bitfield_op {
    uint64_t offset;  /* in bits */
    int64_t value;    /* SET's value, INCRBY's increment */
    int opcode;       /* SS_BF_* */
    int overflow;     /* SS_BF_WRAP/SAT/FAIL in force for this op */
    int bits;         /* 1..64 (unsigned: 1..63) */
    bool sign;
} ss_bitfield_op;

/*
 * Parses BITFIELD's operations from argument `from` on, as Redis 7.0 does,
 * error by error in its order. Returns -1 with *ops (malloc'd, free it) and
 * *nops set, the ss_reply_err_code to reply, or SS_BITFIELD_ENOMEM.
 */
#define SS_BITFIELD_ENOMEM (-2)
int ss_bitfield_parse(const ss_args *a, int from, ss_bitfield_op **ops, int *nops);
/* Whether any operation writes (SET, INCRBY). */
bool ss_bitfield_writes(const ss_bitfield_op *ops, int nops);
/* The farthest bit a write reaches (0 when none writes). */
uint64_t ss_bitfield_highest(const ss_bitfield_op *ops, int nops);

/*
 * Runs op on win, the 9 bytes starting at byte op->offset / 8 (the field
 * starts at bit op->offset % 8 of it). GET: *reply is the value. SET:
 * the old value, INCRBY: the new one, with the overflow behaviour in force;
 * returns false (and changes nothing) when OVERFLOW FAIL refuses it.
 * *changed says whether win's bits changed.
 */
bool ss_bitfield_apply(const ss_bitfield_op *op, unsigned char win[9], int64_t *reply, bool *changed);

/* BITFIELD's key flags: read-only when every operation is a GET (Redis's
 * bitfieldGetKeys). */
int ss_bitfield_getkeys(const ss_args *a, ss_keyref *keys);

#endif

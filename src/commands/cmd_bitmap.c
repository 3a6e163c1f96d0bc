/* Bitmap commands on string values: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "commands/bitfield.h"
#include "commands/families.h"
#include "commands/keyhelpers.h"

/*
 * Bit 0 is the most significant bit of byte 0, as in Redis. The commands
 * work on the string layer's ranges (store/strval.h), so on a big string
 * SETBIT, GETBIT and BITFIELD read and write the chunks their bytes lie in,
 * and BITCOUNT and BITPOS read the stored chunks of their range only: a
 * sparse bitmap of 512 MB costs what it stores.
 */

/* Redis' default proto-max-bulk-len: the offset limit. Apply uses the
 * constant, not the node's config, so every replica decides alike. */
#define BIT_MAX_BYTES ((long long)RESP_MAX_BULK_LEN_DEFAULT)

/* ------------------------------------------------------------ offsets */

bool ss_bit_offset(const char *s, size_t len, int bits, uint64_t *off)
{
    bool hash = bits > 0 && len > 0 && s[0] == '#';
    long long v;
    if (!ss_parse_ll(s + hash, len - hash, &v))
        return false;
    if (hash) {
        if (v < 0 || v > LLONG_MAX / bits)
            return false;
        v *= bits;
    }
    if (v < 0 || (v >> 3) >= BIT_MAX_BYTES)
        return false;
    *off = (uint64_t)v;
    return true;
}

static bool offset_or_reply(ss_buf *out, const ss_args *a, int i, uint64_t *off)
{
    if (ss_bit_offset(a->argv[i], a->argvlen[i], 0, off))
        return true;
    ss_reply_err(out, RERR_BIT_OFFSET);
    return false;
}

/* ------------------------------------------------------ SETBIT GETBIT */

/* SETBIT's offset and bit, checked as Redis does before any lookup. */
static bool setbit_args(ss_buf *out, const ss_args *a, uint64_t *off, int *on)
{
    long long v;
    if (!offset_or_reply(out, a, 2, off))
        return false;
    if (!ss_parse_ll(a->argv[3], a->argvlen[3], &v) || (v & ~1LL)) {
        ss_reply_err(out, RERR_BIT_VALUE);
        return false;
    }
    *on = (int)v;
    return true;
}

static bool setbitPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    uint64_t off;
    int on;
    (void)s;
    return setbit_args(out, a, &off, &on);
}

static void setbitExec(ss_exec_ctx *ctx, const ss_args *a)
{
    uint64_t off;
    int on;
    if (!setbit_args(ctx->out, a, &off, &on))
        return;
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_REPLIED)
        return;
    uint64_t byte = off >> 3, len = found == SS_FOUND ? ss_key_strlen(&k) : 0;
    unsigned char val = 0, mask = (unsigned char)(1u << (7 - (off & 7)));
    ss_strval v = ss_key_str(&k);
    int rc = byte < len ? ss_ks_str_read(ctx->txn, &v, byte, 1, &val) : SS_OK;
    bool was = (val & mask) != 0;
    /* Redis writes when the string is created or grows, or the bit changes. */
    if (rc == SS_OK && (byte >= len || was != on)) {
        val = (unsigned char)(on ? val | mask : val & ~mask);
        rc = ss_str_write(ctx, &k, byte, &val, 1);
        if (rc == SS_OK) {
            ss_exec_modified(ctx, k.name, k.len);
            ss_exec_notify(ctx, SS_NOTIFY_STRING, "setbit", k.name, k.len);
        }
    }
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_shared(ctx->out, was ? RESP_SH_CONE : RESP_SH_CZERO);
}

static void getbitExec(ss_exec_ctx *ctx, const ss_args *a)
{
    uint64_t off;
    if (!offset_or_reply(ctx->out, a, 2, &off))
        return;
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_REPLIED)
        return;
    unsigned char val = 0;
    if (found == SS_FOUND && (off >> 3) < ss_key_strlen(&k)) {
        ss_strval v = ss_key_str(&k);
        int rc = ss_ks_str_read(ctx->txn, &v, off >> 3, 1, &val);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return;
        }
    }
    resp_add_shared(ctx->out, val & (1u << (7 - (off & 7))) ? RESP_SH_CONE : RESP_SH_CZERO);
}

/* ----------------------------------------------------- BITCOUNT BITPOS */

/*
 * A range of a string as BITCOUNT and BITPOS take it: [start, end] in bytes
 * or, with BIT, in bits, negative from the end, clamped as Redis clamps
 * it. Afterwards start and end are bytes, and first_mask / last_mask hold
 * the bits of the first and last byte that lie outside a bit range.
 */
typedef struct bit_range {
    long long start, end;
    unsigned char first_mask, last_mask;
} bit_range;

static void clamp_range(bit_range *r, long long len, bool isbit)
{
    long long total = isbit ? len * 8 : len;
    r->first_mask = r->last_mask = 0;
    if (r->start < 0)
        r->start += total;
    if (r->end < 0)
        r->end += total;
    if (r->start < 0)
        r->start = 0;
    if (r->end < 0)
        r->end = 0;
    if (r->end >= total)
        r->end = total - 1;
    if (isbit && r->start <= r->end) {
        r->first_mask = (unsigned char)~((1u << (8 - (r->start & 7))) - 1);
        r->last_mask = (unsigned char)((1u << (7 - (r->end & 7))) - 1);
        r->start >>= 3;
        r->end >>= 3;
    }
}

/* BYTE or BIT at argument i; replies a syntax error otherwise. */
static bool unit_or_reply(ss_buf *out, const ss_args *a, int i, bool *isbit)
{
    *isbit = ss_arg_is(a, i, "bit");
    if (*isbit || ss_arg_is(a, i, "byte"))
        return true;
    ss_reply_err(out, RERR_SYNTAX);
    return false;
}

static int count_run(void *ud, uint64_t off, const char *data, size_t n)
{
    long long *bits = ud;
    (void)off;
    *bits += ss_popcount(data, n);
    return 0;
}

static int read_byte(ss_exec_ctx *ctx, const ss_strval *v, long long at, unsigned char *b)
{
    return ss_ks_str_read(ctx->txn, v, (uint64_t)at, 1, b);
}

/* BITCOUNT key [start end [BYTE|BIT]]: Redis 7.0 looks the key up first, so a
 * missing key counts 0 whatever the range says. */
static void bitcountExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_MISSING)
        resp_add_shared(ctx->out, RESP_SH_CZERO);
    if (found != SS_FOUND)
        return;
    long long len = (long long)ss_key_strlen(&k);
    bit_range r = {0, len - 1, 0, 0};
    bool isbit = false;
    if (a->argc == 4 || a->argc == 5) {
        if (!ss_arg_ll_or_reply(ctx, a, 2, &r.start) || !ss_arg_ll_or_reply(ctx, a, 3, &r.end) ||
            (a->argc == 5 && !unit_or_reply(ctx->out, a, 4, &isbit)))
            return;
        if (r.start < 0 && r.end < 0 && r.start > r.end) {
            resp_add_shared(ctx->out, RESP_SH_CZERO);
            return;
        }
        clamp_range(&r, len, isbit);
    } else if (a->argc != 2) {
        ss_reply_err(ctx->out, RERR_SYNTAX);
        return;
    }
    if (r.start > r.end) {
        resp_add_shared(ctx->out, RESP_SH_CZERO);
        return;
    }
    ss_strval v = ss_key_str(&k);
    long long bits = 0;
    unsigned char first = 0, last = 0;
    int rc = ss_ks_str_scan(ctx->txn, &v, (uint64_t)r.start, (uint64_t)r.end + 1, false, count_run, &bits);
    /* Bits of the edge bytes outside a bit range are taken off again. */
    if (rc == SS_OK && r.first_mask)
        rc = read_byte(ctx, &v, r.start, &first);
    if (rc == SS_OK && r.last_mask)
        rc = read_byte(ctx, &v, r.end, &last);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    unsigned char edges[2] = {(unsigned char)(first & r.first_mask), (unsigned char)(last & r.last_mask)};
    resp_add_int(ctx->out, bits - ss_popcount(edges, 2));
}

/* The search of BITPOS over stored runs: the first byte holding the bit. */
typedef struct bit_search {
    int bit;
    uint64_t found; /* byte offset of the first byte with the bit; UINT64_MAX: none */
    unsigned char byte;
} bit_search;

static int search_run(void *ud, uint64_t off, const char *data, size_t n)
{
    bit_search *s = ud;
    if (data == NULL) { /* unstored zeros: a 0 at once, never a 1 */
        if (s->bit == 0) {
            s->found = off;
            s->byte = 0;
            return 1;
        }
        return 0;
    }
    unsigned char skip = s->bit ? 0 : 0xff;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)data[i] != skip) {
            s->found = off + i;
            s->byte = (unsigned char)data[i];
            return 1;
        }
    }
    return 0;
}

/* The first bit equal to `bit` in bytes [start, start + n) of v, as an
 * offset in bits from start: like Redis' redisBitpos, n * 8 when looking
 * for a 0 among ones only, -1 when looking for a 1 among zeros only. */
static int find_bit(ss_exec_ctx *ctx, const ss_strval *v, long long start, long long n, int bit, long long *pos)
{
    bit_search s = {bit, UINT64_MAX, 0};
    int rc = ss_ks_str_scan(ctx->txn, v, (uint64_t)start, (uint64_t)(start + n), bit == 0, search_run, &s);
    if (rc < 0 || rc > 1)
        return rc;
    if (s.found == UINT64_MAX) {
        *pos = bit ? -1 : n * 8;
        return SS_OK;
    }
    int i = 0;
    while (((s.byte >> (7 - i)) & 1) != bit)
        i++;
    *pos = ((long long)s.found - start) * 8 + i;
    return SS_OK;
}

/* The same over one byte value. */
static long long byte_bitpos(unsigned char b, int bit)
{
    for (int i = 0; i < 8; i++)
        if (((b >> (7 - i)) & 1) == bit)
            return i;
    return bit ? -1 : 8;
}

/*
 * BITPOS over a clamped range, as Redis 7.0 walks it: a masked first byte,
 * the whole bytes, a masked last byte. *pos is relative to the byte where
 * the walk stopped (*at) and *rest is the bytes that walk covered.
 */
static int bitpos_walk(ss_exec_ctx *ctx, const ss_strval *v, const bit_range *r, int bit, long long *pos,
                       long long *at, long long *rest)
{
    long long start = r->start, bytes = r->end - r->start + 1;
    unsigned char b;
    int rc;
    *at = start;
    *rest = bytes;
    if (r->first_mask) {
        if ((rc = read_byte(ctx, v, start, &b)) != SS_OK)
            return rc;
        b = (unsigned char)(bit ? b & ~r->first_mask : b | r->first_mask);
        if (r->last_mask && bytes == 1)
            b = (unsigned char)(bit ? b & ~r->last_mask : b | r->last_mask);
        *pos = byte_bitpos(b, bit);
        if (bytes == 1 || (*pos != -1 && *pos != 8))
            return SS_OK;
        *at = ++start;
        *rest = --bytes;
    }
    long long whole = bytes - (r->last_mask ? 1 : 0);
    if (whole > 0) {
        if ((rc = find_bit(ctx, v, start, whole, bit, pos)) != SS_OK)
            return rc;
        if (bytes == whole || (*pos != -1 && *pos != whole * 8))
            return SS_OK;
        *at = start += whole;
        *rest = bytes -= whole;
    }
    if ((rc = read_byte(ctx, v, r->end, &b)) != SS_OK)
        return rc;
    b = (unsigned char)(bit ? b & ~r->last_mask : b | r->last_mask);
    *pos = byte_bitpos(b, bit);
    return SS_OK;
}

/* BITPOS key bit [start [end [BYTE|BIT]]]: the bit is checked first, then the
 * key is looked up (a missing key is all zeros), then the range. */
static void bitposExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long bit;
    if (!ss_arg_ll_or_reply(ctx, a, 2, &bit))
        return;
    if (bit != 0 && bit != 1) {
        ss_reply_err(ctx->out, RERR_BIT_ARG);
        return;
    }
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    if (found == SS_MISSING)
        resp_add_int(ctx->out, bit ? -1 : 0);
    if (found != SS_FOUND)
        return;
    long long len = (long long)ss_key_strlen(&k);
    bit_range r = {0, len - 1, 0, 0};
    bool isbit = false, end_given = a->argc >= 5;
    if (a->argc >= 4 && a->argc <= 6) {
        if (!ss_arg_ll_or_reply(ctx, a, 3, &r.start) || (a->argc == 6 && !unit_or_reply(ctx->out, a, 5, &isbit)) ||
            (end_given && !ss_arg_ll_or_reply(ctx, a, 4, &r.end)))
            return;
        clamp_range(&r, len, isbit);
    } else if (a->argc != 3) {
        ss_reply_err(ctx->out, RERR_SYNTAX);
        return;
    }
    if (r.start > r.end) {
        resp_add_int(ctx->out, -1);
        return;
    }
    ss_strval v = ss_key_str(&k);
    long long pos, at, rest;
    int rc = bitpos_walk(ctx, &v, &r, (int)bit, &pos, &at, &rest);
    if (rc != SS_OK) {
        ss_exec_fail(ctx, rc);
        return;
    }
    /* Looking for a 0 in an explicit range, the bytes past it are not
     * zero padding: none found is -1. */
    if (end_given && bit == 0 && pos == rest * 8)
        pos = -1;
    else if (pos != -1)
        pos += at * 8;
    resp_add_int(ctx->out, pos);
}

/* ------------------------------------------------------------- BITOP */

enum { BITOP_AND, BITOP_OR, BITOP_XOR, BITOP_NOT };

static bool bitop_args(ss_buf *out, const ss_args *a, int *op)
{
    *op = ss_arg_is(a, 1, "and") ? BITOP_AND : ss_arg_is(a, 1, "or") ? BITOP_OR
        : ss_arg_is(a, 1, "xor") ? BITOP_XOR : ss_arg_is(a, 1, "not") ? BITOP_NOT : -1;
    if (*op < 0) {
        ss_reply_err(out, RERR_SYNTAX);
        return false;
    }
    if (*op == BITOP_NOT && a->argc != 4) {
        ss_reply_err(out, RERR_BITOP_NOT);
        return false;
    }
    return true;
}

static bool bitopPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    int op;
    (void)s;
    return bitop_args(out, a, &op);
}

/* dst = op over srcs (n of them, lens), as long as the longest, the shorter
 * ones read as zero-padded. */
static void bitop_compute(int op, unsigned char *dst, size_t maxlen, const ss_slice *srcs, size_t n)
{
    for (size_t j = 0; j < maxlen; j++) {
        unsigned char out = j < srcs[0].len ? (unsigned char)srcs[0].data[j] : 0;
        if (op == BITOP_NOT)
            out = (unsigned char)~out;
        for (size_t i = 1; i < n; i++) {
            unsigned char b = j < srcs[i].len ? (unsigned char)srcs[i].data[j] : 0;
            out = op == BITOP_AND ? out & b : op == BITOP_OR ? out | b : out ^ b;
        }
        dst[j] = out;
    }
}

/* BITOP op destkey key [key ...]: the sources are read whole (a missing one
 * is empty); the result replaces destkey (its expiry gone), or deletes it
 * when every source is empty. */
static void bitopExec(ss_exec_ctx *ctx, const ss_args *a)
{
    int op;
    if (!bitop_args(ctx->out, a, &op))
        return;
    size_t n = (size_t)a->argc - 3, maxlen = 0;
    ss_slice *srcs = calloc(n, sizeof *srcs);
    if (srcs == NULL) {
        ss_exec_fail(ctx, SS_ENOMEM);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        ss_key k;
        ss_lookup found = ss_key_open(ctx, a, (int)i + 3, SS_TYPE_STRING, &k);
        if (found == SS_REPLIED) {
            free(srcs);
            return;
        }
        if (found == SS_FOUND)
            srcs[i] = k.value; /* held by the txn until it ends */
        if (srcs[i].len > maxlen)
            maxlen = srcs[i].len;
    }
    const char *dst = a->argv[2];
    size_t dlen = a->argvlen[2];
    int rc = SS_OK;
    if (maxlen > 0) {
        unsigned char *res = malloc(maxlen);
        if (res == NULL) {
            free(srcs);
            ss_exec_fail(ctx, SS_ENOMEM);
            return;
        }
        bitop_compute(op, res, maxlen, srcs, n);
        rc = ss_str_store(ctx, ctx->db, dst, dlen, res, maxlen, 0);
        free(res);
        if (rc == SS_OK) {
            ss_exec_modified(ctx, dst, dlen);
            ss_exec_notify(ctx, SS_NOTIFY_STRING, "set", dst, dlen);
        }
    } else {
        /* Every source empty: destkey goes (an expired leftover silently). */
        ss_key k;
        ss_lookup there = ss_key_open_ex(ctx, ctx->db, dst, dlen, SS_TYPE_NONE, SS_OPEN_NOVALUE, &k);
        rc = there == SS_REPLIED ? SS_OK : ss_key_drop(ctx, ctx->db, dst, dlen);
        if (there == SS_REPLIED) {
            free(srcs);
            return;
        }
        if (rc == SS_OK && there == SS_FOUND) {
            ss_exec_modified(ctx, dst, dlen);
            ss_exec_notify(ctx, SS_NOTIFY_GENERIC, "del", dst, dlen);
        }
    }
    free(srcs);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_int(ctx->out, (long long)maxlen);
}

/* ---------------------------------------------------------- BITFIELD */

/* Parses the operations; replies the first error (BITFIELD_RO: any write). */
static bool bitfield_ops(ss_buf *out, const ss_args *a, bool readonly, ss_bitfield_op **ops, int *nops)
{
    int bad = ss_bitfield_parse(a, 2, ops, nops);
    if (bad == SS_BITFIELD_ENOMEM) {
        ss_reply_err(out, RERR_INTERNAL, ss_strerror(SS_ENOMEM));
        return false;
    }
    if (bad >= 0) {
        ss_reply_err(out, (ss_reply_err_code)bad);
        return false;
    }
    if (readonly && ss_bitfield_writes(*ops, *nops)) {
        free(*ops);
        ss_reply_err(out, RERR_BITFIELD_RO);
        return false;
    }
    return true;
}

static bool bitfieldPrepare(ss_session *s, const ss_args *a, ss_buf *out)
{
    ss_bitfield_op *ops;
    int nops;
    (void)s;
    if (!bitfield_ops(out, a, false, &ops, &nops))
        return false;
    free(ops);
    return true;
}

/* Reads the 9 bytes from off's byte (zeros past the end). */
static int window_read(ss_exec_ctx *ctx, const ss_key *k, uint64_t off, unsigned char win[9])
{
    ss_strval v = ss_key_str(k);
    return ss_ks_str_read(ctx->txn, &v, off >> 3, 9, win);
}

/* Writes back the bytes of win that the field at off of `bits` covers. */
static int window_write(ss_exec_ctx *ctx, ss_key *k, uint64_t off, int bits, const unsigned char win[9])
{
    size_t n = (size_t)(((off & 7) + (uint64_t)bits + 7) >> 3);
    return ss_str_write(ctx, k, off >> 3, win, n);
}

static void bitfield_run(ss_exec_ctx *ctx, const ss_args *a, bool readonly)
{
    ss_bitfield_op *ops;
    int nops;
    if (!bitfield_ops(ctx->out, a, readonly, &ops, &nops))
        return;
    bool writes = ss_bitfield_writes(ops, nops);
    ss_key k;
    ss_lookup found = ss_key_open_meta(ctx, a, 1, SS_TYPE_STRING, &k);
    int rc = SS_OK;
    uint64_t len = found == SS_FOUND ? ss_key_strlen(&k) : 0;
    bool grew = false;
    if (found != SS_REPLIED && writes) {
        /* As Redis: the string is created or grown to the farthest bit
         * written before anything runs, even if every write then fails. */
        uint64_t need = (ss_bitfield_highest(ops, nops) >> 3) + 1;
        if (found == SS_MISSING || need > len) {
            unsigned char zero = 0;
            grew = true;
            rc = ss_str_write(ctx, &k, need - 1, &zero, 1);
        }
    }
    if (found == SS_REPLIED || rc != SS_OK) {
        free(ops);
        if (rc != SS_OK)
            ss_exec_fail(ctx, rc);
        return;
    }
    ss_buf replies;
    ss_buf_init(&replies, 0);
    int changes = 0;
    for (int i = 0; i < nops && rc == SS_OK; i++) {
        unsigned char win[9];
        const ss_bitfield_op *op = &ops[i];
        if ((rc = window_read(ctx, &k, op->offset, win)) != SS_OK)
            break;
        int64_t reply;
        bool changed;
        if (!ss_bitfield_apply(op, win, &reply, &changed)) {
            resp_add_null_bulk(&replies, ctx->proto); /* OVERFLOW FAIL */
            continue;
        }
        resp_add_int(&replies, reply);
        if (op->opcode != SS_BF_GET && (changed || grew)) {
            changes++;
            if (changed)
                rc = window_write(ctx, &k, op->offset, op->bits, win);
        }
    }
    if (rc == SS_OK) {
        resp_add_array_len(ctx->out, nops);
        resp_add_raw(ctx->out, ss_buf_data(&replies), ss_buf_len(&replies));
        if (changes) {
            ss_exec_modified(ctx, k.name, k.len);
            ss_exec_notify(ctx, SS_NOTIFY_STRING, "setbit", k.name, k.len);
        }
    } else {
        ss_exec_fail(ctx, rc);
    }
    ss_buf_release(&replies);
    free(ops);
}

static void bitfieldExec(ss_exec_ctx *ctx, const ss_args *a) { bitfield_run(ctx, a, false); }
static void bitfieldroExec(ss_exec_ctx *ctx, const ss_args *a) { bitfield_run(ctx, a, true); }

const ss_command ss_cmds_bitmap[] = {
    SS_WRITE("setbit", 4, CMD_DENYOOM, ACL_BITMAP, setbitExec, .prepare = setbitPrepare, .keys = {KEY(1, KS_RW | KS_ACCESS | KS_UPDATE)}),
    SS_READ("getbit", 3, CMD_FAST, ACL_BITMAP, getbitExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("bitcount", -2, 0, ACL_BITMAP, bitcountExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_READ("bitpos", -3, 0, ACL_BITMAP, bitposExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
    SS_WRITE("bitop", -4, CMD_DENYOOM, ACL_BITMAP, bitopExec, .prepare = bitopPrepare, .keys = {KEY(2, KS_OW | KS_UPDATE), KEYS_TO_END(3, 1, KS_RO | KS_ACCESS)}),
    SS_WRITE("bitfield", -2, CMD_DENYOOM, ACL_BITMAP, bitfieldExec, .prepare = bitfieldPrepare, .keys = {KEY(1, KS_RW | KS_UPDATE | KS_ACCESS | KS_VARIABLE_FLAGS)}, .getkeys = ss_bitfield_getkeys),
    SS_READ("bitfield_ro", -2, CMD_FAST, ACL_BITMAP, bitfieldroExec, .keys = {KEY(1, KS_RO | KS_ACCESS)}),
};
SS_COUNT(ss_cmds_bitmap);

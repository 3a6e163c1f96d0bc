/* HyperLogLog in Redis's byte format: a port of hyperloglog.c's encodings, hash and estimator (see hll.h). */
#include "commands/hll.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * The algorithms and the order of their byte edits follow Redis 7.0's
 * hyperloglog.c line by line: the sparse representation is not canonical,
 * so only the same edit sequence gives the same bytes. Unlike Redis, every
 * read of an opcode is bounded by the value's length and the register
 * count: a corrupt value from a client is an error, never a stray write.
 */

#define HLL_Q (64 - SS_HLL_P)
#define HLL_P_MASK (SS_HLL_REGISTERS - 1)
#define HLL_BITS 6
#define HLL_REGISTER_MAX ((1 << HLL_BITS) - 1)
#define HLL_ALPHA_INF 0.721347520444481703680 /* 0.5 / ln(2) */

/* Sparse opcodes: ZERO 00xxxxxx (1..64 zeros), XZERO 01xxxxxx yyyyyyyy
 * (1..16384 zeros), VAL 1vvvvvxx (1..4 registers of value 1..32). */
#define XZERO_BIT 0x40
#define VAL_BIT 0x80
#define IS_ZERO(p) (((*(p)) & 0xc0) == 0)
#define IS_XZERO(p) (((*(p)) & 0xc0) == XZERO_BIT)
#define IS_VAL(p) ((*(p)) & VAL_BIT)
#define ZERO_LEN(p) (((*(p)) & 0x3f) + 1)
#define XZERO_LEN(p) (((((*(p)) & 0x3f) << 8) | (*((p) + 1))) + 1)
#define VAL_VALUE(p) ((((*(p)) >> 2) & 0x1f) + 1)
#define VAL_LEN(p) (((*(p)) & 0x3) + 1)
#define VAL_MAX_VALUE 32
#define VAL_MAX_LEN 4
#define ZERO_MAX_LEN 64
#define XZERO_MAX_LEN 16384

static void val_set(unsigned char *p, int val, int len)
{
    *p = (unsigned char)(((val - 1) << 2 | (len - 1)) | VAL_BIT);
}

static void zero_set(unsigned char *p, int len) { *p = (unsigned char)(len - 1); }

static void xzero_set(unsigned char *p, int len)
{
    int l = len - 1;
    p[0] = (unsigned char)((l >> 8) | XZERO_BIT);
    p[1] = (unsigned char)(l & 0xff);
}

/* ---------------------------------------------------- dense registers */

/* Register i of a dense array of 12288 bytes; the byte after the last
 * register is not there (Redis reads its sds terminator, a zero). */
static uint8_t dense_get(const unsigned char *regs, long i)
{
    unsigned long byte = (unsigned long)i * HLL_BITS / 8, fb = (unsigned long)i * HLL_BITS & 7, fb8 = 8 - fb;
    unsigned long b0 = regs[byte], b1 = byte + 1 < (SS_HLL_REGISTERS * HLL_BITS + 7) / 8 ? regs[byte + 1] : 0;
    return (uint8_t)(((b0 >> fb) | (b1 << fb8)) & HLL_REGISTER_MAX);
}

static void dense_put(unsigned char *regs, long i, uint8_t val)
{
    unsigned long byte = (unsigned long)i * HLL_BITS / 8, fb = (unsigned long)i * HLL_BITS & 7, fb8 = 8 - fb;
    unsigned long v = val;
    regs[byte] &= (unsigned char)~(HLL_REGISTER_MAX << fb);
    regs[byte] |= (unsigned char)(v << fb);
    if (byte + 1 < (SS_HLL_REGISTERS * HLL_BITS + 7) / 8) {
        regs[byte + 1] &= (unsigned char)~(HLL_REGISTER_MAX >> fb8);
        regs[byte + 1] |= (unsigned char)(v >> fb8);
    }
}

/* hllDenseSet: raises the register only. */
static int dense_set(unsigned char *regs, long index, uint8_t count)
{
    if (count > dense_get(regs, index)) {
        dense_put(regs, index, count);
        return SS_HLL_CHANGED;
    }
    return SS_HLL_UNCHANGED;
}

/* -------------------------------------------------------------- values */

bool ss_hll_is_hll(const void *p, size_t len)
{
    const unsigned char *b = p;
    if (len < SS_HLL_HDR_SIZE || memcmp(b, "HYLL", 4) != 0 || b[4] > SS_HLL_SPARSE)
        return false;
    return b[4] != SS_HLL_DENSE || len == SS_HLL_DENSE_SIZE;
}

static bool reserve(ss_hll *h, size_t need)
{
    if (need <= h->cap)
        return true;
    size_t cap = need < 64 ? 64 : need;
    unsigned char *p = realloc(h->p, cap);
    if (p == NULL)
        return false;
    h->p = p;
    h->cap = cap;
    return true;
}

bool ss_hll_init_empty(ss_hll *h)
{
    /* createHLLObject: XZERO opcodes covering every register, all else 0. */
    int n = (SS_HLL_REGISTERS + XZERO_MAX_LEN - 1) / XZERO_MAX_LEN;
    *h = (ss_hll){0};
    if (!reserve(h, SS_HLL_HDR_SIZE + (size_t)n * 2))
        return false;
    memset(h->p, 0, SS_HLL_HDR_SIZE);
    memcpy(h->p, "HYLL", 4);
    h->p[4] = SS_HLL_SPARSE;
    unsigned char *o = h->p + SS_HLL_HDR_SIZE;
    for (int left = SS_HLL_REGISTERS; left > 0; left -= XZERO_MAX_LEN, o += 2)
        xzero_set(o, left < XZERO_MAX_LEN ? left : XZERO_MAX_LEN);
    h->len = (size_t)(o - h->p);
    return true;
}

bool ss_hll_init_copy(ss_hll *h, const void *p, size_t len)
{
    *h = (ss_hll){0};
    if (!reserve(h, len))
        return false;
    memcpy(h->p, p, len);
    h->len = len;
    return true;
}

void ss_hll_release(ss_hll *h)
{
    free(h->p);
    *h = (ss_hll){0};
}

void ss_hll_invalidate(ss_hll *h) { h->p[15] |= 1u << 7; }

bool ss_hll_cached(const void *p, uint64_t *card)
{
    const unsigned char *b = p;
    if (b[15] & (1u << 7))
        return false;
    *card = 0;
    for (int i = 7; i >= 0; i--)
        *card = *card << 8 | b[8 + i];
    return true;
}

/* ---------------------------------------------------------------- hash */

uint64_t ss_hll_murmur64a(const void *key, size_t len, uint32_t seed)
{
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    /* Redis passes len as an int: the same for any length a client sends. */
    uint64_t h = seed ^ ((uint64_t)(int)len * m);
    const uint8_t *data = key;
    const uint8_t *end = data + (len - (len & 7));
    while (data != end) {
        uint64_t k = 0;
        for (int i = 7; i >= 0; i--) /* little-endian, whatever the host */
            k = k << 8 | data[i];
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
        data += 8;
    }
    switch (len & 7) {
    case 7: h ^= (uint64_t)data[6] << 48; /* fall through */
    case 6: h ^= (uint64_t)data[5] << 40; /* fall through */
    case 5: h ^= (uint64_t)data[4] << 32; /* fall through */
    case 4: h ^= (uint64_t)data[3] << 24; /* fall through */
    case 3: h ^= (uint64_t)data[2] << 16; /* fall through */
    case 2: h ^= (uint64_t)data[1] << 8;  /* fall through */
    case 1:
        h ^= (uint64_t)data[0];
        h *= m;
        break;
    default: break;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

int ss_hll_patlen(const void *ele, size_t len, long *reg)
{
    uint64_t hash = ss_hll_murmur64a(ele, len, 0xadc83b19U);
    uint64_t bit = 1;
    int count = 1; /* the "00000...1" pattern counts 1 */
    *reg = (long)(hash & HLL_P_MASK);
    hash >>= SS_HLL_P;
    hash |= (uint64_t)1 << HLL_Q; /* the loop ends, count <= Q + 1 */
    while ((hash & bit) == 0) {
        count++;
        bit <<= 1;
    }
    return count;
}

/* ------------------------------------------------------ sparse <-> dense */

int ss_hll_to_dense(ss_hll *h)
{
    if (h->p[4] == SS_HLL_DENSE)
        return SS_HLL_UNCHANGED;
    unsigned char *dense = calloc(1, SS_HLL_DENSE_SIZE);
    if (dense == NULL)
        return SS_HLL_ENOMEM;
    memcpy(dense, h->p, SS_HLL_HDR_SIZE); /* magic and cached cardinality */
    dense[4] = SS_HLL_DENSE;
    const unsigned char *p = h->p + SS_HLL_HDR_SIZE, *end = h->p + h->len;
    long idx = 0;
    while (p < end) {
        if (IS_ZERO(p)) {
            idx += ZERO_LEN(p);
            p++;
        } else if (IS_XZERO(p)) {
            if (p + 1 >= end)
                break;
            idx += XZERO_LEN(p);
            p += 2;
        } else {
            int runlen = VAL_LEN(p), regval = VAL_VALUE(p);
            if (runlen + idx > SS_HLL_REGISTERS)
                break; /* overflow */
            while (runlen--)
                dense_put(dense + SS_HLL_HDR_SIZE, idx++, (uint8_t)regval);
            p++;
        }
    }
    if (idx != SS_HLL_REGISTERS || p < end) {
        free(dense);
        return SS_HLL_INVALID;
    }
    free(h->p);
    h->p = dense;
    h->len = h->cap = SS_HLL_DENSE_SIZE;
    return SS_HLL_CHANGED;
}

/* ---------------------------------------------------------- sparse set */

/* The result of promote: hllSparseToDense then hllDenseSet. */
static int promote(ss_hll *h, long index, uint8_t count)
{
    int rc = ss_hll_to_dense(h);
    if (rc < 0)
        return rc;
    dense_set(h->p + SS_HLL_HDR_SIZE, index, count);
    return SS_HLL_CHANGED; /* a register needed more than sparse holds */
}

/* hllSparseSet: finds the opcode covering index, splits it around the new
 * value, then merges adjacent equal VAL opcodes. */
static int sparse_set(ss_hll *h, long index, uint8_t count)
{
    if (count > VAL_MAX_VALUE)
        return promote(h, index, count);
    /* Room for the worst split (XZERO -> XZERO VAL XZERO: 3 bytes more). */
    if (!reserve(h, h->len + 3))
        return SS_HLL_ENOMEM;
    unsigned char *sparse = h->p + SS_HLL_HDR_SIZE, *p = sparse, *end = h->p + h->len;
    unsigned char *prev = NULL, *next;
    long first = 0, span = 0;
    while (p < end) {
        long oplen = 1;
        if (IS_ZERO(p)) {
            span = ZERO_LEN(p);
        } else if (IS_VAL(p)) {
            span = VAL_LEN(p);
        } else {
            if (p + 1 >= end)
                return SS_HLL_INVALID;
            span = XZERO_LEN(p);
            oplen = 2;
        }
        if (index <= first + span - 1)
            break;
        prev = p;
        p += oplen;
        first += span;
    }
    if (span == 0 || p >= end)
        return SS_HLL_INVALID;
    next = IS_XZERO(p) ? p + 2 : p + 1;
    if (next >= end)
        next = NULL;
    bool is_zero = IS_ZERO(p), is_xzero = IS_XZERO(p), is_val = !is_zero && !is_xzero;
    long runlen = is_zero ? ZERO_LEN(p) : is_xzero ? XZERO_LEN(p) : VAL_LEN(p);

    if (is_val) {
        if (VAL_VALUE(p) >= count)
            return SS_HLL_UNCHANGED; /* case A: nothing to raise */
        if (runlen == 1) {            /* case B: our register alone */
            val_set(p, count, 1);
            goto updated;
        }
    }
    if (is_zero && runlen == 1) { /* case C */
        val_set(p, count, 1);
        goto updated;
    }
    /* Case D: split the opcode into at most 5 bytes. */
    unsigned char seq[5], *n = seq;
    long last = first + span - 1;
    if (is_zero || is_xzero) {
        if (index != first) {
            int len = (int)(index - first);
            if (len > ZERO_MAX_LEN) {
                xzero_set(n, len);
                n += 2;
            } else {
                zero_set(n++, len);
            }
        }
        val_set(n++, count, 1);
        if (index != last) {
            int len = (int)(last - index);
            if (len > ZERO_MAX_LEN) {
                xzero_set(n, len);
                n += 2;
            } else {
                zero_set(n++, len);
            }
        }
    } else {
        int curval = VAL_VALUE(p);
        if (index != first)
            val_set(n++, curval, (int)(index - first));
        val_set(n++, count, 1);
        if (index != last)
            val_set(n++, curval, (int)(last - index));
    }
    long seqlen = n - seq, oldlen = is_xzero ? 2 : 1, delta = seqlen - oldlen;
    if (delta > 0 && h->len + (size_t)delta > SS_HLL_SPARSE_MAX_BYTES)
        return promote(h, index, count);
    if (delta && next)
        memmove(next + delta, next, (size_t)(end - next));
    h->len = (size_t)((long)h->len + delta);
    memcpy(p, seq, (size_t)seqlen);
    end += delta;

updated:
    /* Merge adjacent VAL opcodes of one value, scanning up to 5 opcodes
     * from the one before the change. */
    p = prev ? prev : sparse;
    for (int scan = 5; p < end && scan--;) {
        if (IS_XZERO(p)) {
            p += 2;
            continue;
        }
        if (IS_ZERO(p)) {
            p++;
            continue;
        }
        if (p + 1 < end && IS_VAL(p + 1) && VAL_VALUE(p) == VAL_VALUE(p + 1)) {
            int len = VAL_LEN(p) + VAL_LEN(p + 1);
            if (len <= VAL_MAX_LEN) {
                val_set(p + 1, VAL_VALUE(p), len);
                memmove(p, p + 1, (size_t)(end - p - 1));
                h->len--;
                end--;
                continue; /* try the merged one with its right neighbour */
            }
        }
        p++;
    }
    ss_hll_invalidate(h);
    return SS_HLL_CHANGED;
}

int ss_hll_set(ss_hll *h, long index, uint8_t count)
{
    if (h->p[4] == SS_HLL_DENSE)
        return dense_set(h->p + SS_HLL_HDR_SIZE, index, count);
    return sparse_set(h, index, count);
}

int ss_hll_add(ss_hll *h, const void *ele, size_t len)
{
    long index;
    uint8_t count = (uint8_t)ss_hll_patlen(ele, len, &index);
    return ss_hll_set(h, index, count);
}

/* --------------------------------------------------------------- merge */

bool ss_hll_merge(uint8_t max[SS_HLL_REGISTERS], const void *v, size_t len)
{
    const unsigned char *b = v;
    if (b[4] == SS_HLL_DENSE) {
        for (long i = 0; i < SS_HLL_REGISTERS; i++) {
            uint8_t val = dense_get(b + SS_HLL_HDR_SIZE, i);
            if (val > max[i])
                max[i] = val;
        }
        return true;
    }
    const unsigned char *p = b + SS_HLL_HDR_SIZE, *end = b + len;
    long i = 0;
    while (p < end) {
        if (IS_ZERO(p)) {
            i += ZERO_LEN(p);
            p++;
        } else if (IS_XZERO(p)) {
            if (p + 1 >= end)
                return false;
            i += XZERO_LEN(p);
            p += 2;
        } else {
            int runlen = VAL_LEN(p), regval = VAL_VALUE(p);
            if (runlen + i > SS_HLL_REGISTERS)
                return false; /* overflow */
            while (runlen--) {
                if (regval > max[i])
                    max[i] = (uint8_t)regval;
                i++;
            }
            p++;
        }
    }
    return i == SS_HLL_REGISTERS;
}

/* --------------------------------------------------------------- count */

static double hll_sigma(double x)
{
    if (x == 1.)
        return INFINITY;
    double z_prime, y = 1, z = x;
    do {
        x *= x;
        z_prime = z;
        z += x * y;
        y += y;
    } while (z_prime != z);
    return z;
}

static double hll_tau(double x)
{
    if (x == 0. || x == 1.)
        return 0.;
    double z_prime, y = 1.0, z = 1 - x;
    do {
        x = sqrt(x);
        z_prime = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (z_prime != z);
    return z / 3;
}

/* The estimate from the register histogram (Ertl, arXiv:1702.01284). */
static uint64_t estimate(const int reghisto[64])
{
    double m = SS_HLL_REGISTERS;
    double z = m * hll_tau((m - reghisto[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += reghisto[j];
        z *= 0.5;
    }
    z += m * hll_sigma(reghisto[0] / m);
    return (uint64_t)llroundl(HLL_ALPHA_INF * m * m / z);
}

uint64_t ss_hll_count_raw(const uint8_t regs[SS_HLL_REGISTERS])
{
    int reghisto[64] = {0};
    for (long i = 0; i < SS_HLL_REGISTERS; i++)
        reghisto[regs[i] & 63]++;
    return estimate(reghisto);
}

uint64_t ss_hll_count(const void *v, size_t len, bool *invalid)
{
    const unsigned char *b = v;
    int reghisto[64] = {0};
    *invalid = false;
    if (b[4] == SS_HLL_DENSE) {
        for (long i = 0; i < SS_HLL_REGISTERS; i++)
            reghisto[dense_get(b + SS_HLL_HDR_SIZE, i)]++;
        return estimate(reghisto);
    }
    const unsigned char *p = b + SS_HLL_HDR_SIZE, *end = b + len;
    long idx = 0;
    while (p < end && idx <= SS_HLL_REGISTERS) {
        int runlen;
        if (IS_ZERO(p)) {
            runlen = ZERO_LEN(p);
            reghisto[0] += runlen;
            p++;
        } else if (IS_XZERO(p)) {
            if (p + 1 >= end)
                break;
            runlen = XZERO_LEN(p);
            reghisto[0] += runlen;
            p += 2;
        } else {
            runlen = VAL_LEN(p);
            reghisto[VAL_VALUE(p)] += runlen;
            p++;
        }
        idx += runlen;
    }
    if (idx != SS_HLL_REGISTERS || p < end)
        *invalid = true;
    return *invalid ? 0 : estimate(reghisto);
}

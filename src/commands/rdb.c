/* Redis's RDB value format for DUMP and RESTORE: lengths, string encodings (int, raw, LZF on load), the version and CRC-64 footer. */
#include "commands/rdb.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/numbers.h"

/* ---------------------------------------------------------------- crc64 */

/* The reflected form of Redis's crc64 (poly 0xad93d23594c935a9 reversed). */
#define CRC64_POLY_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
    for (int i = 0; i < 256; i++) {
        uint64_t c = (uint64_t)i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ CRC64_POLY_REFLECTED : c >> 1;
        crc_table[i] = c;
    }
}

uint64_t ss_crc64(uint64_t crc, const void *p, size_t n)
{
    pthread_once(&crc_once, crc_init); /* apply and the snapshot worker may both get here */
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

/* ------------------------------------------------------------ encoding */

#define RDB_6BITLEN 0
#define RDB_14BITLEN 1
#define RDB_32BITLEN 0x80
#define RDB_64BITLEN 0x81
#define RDB_ENCVAL 3
#define RDB_ENC_INT8 0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF 3

static void put_le(ss_buf *out, uint64_t v, int bytes)
{
    unsigned char b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    ss_buf_append(out, b, (size_t)bytes);
}

/* rdbSaveLen. */
void ss_rdb_put_len(ss_buf *out, uint64_t len)
{
    unsigned char b[9];
    if (len < (1 << 6)) {
        b[0] = (unsigned char)(len | (RDB_6BITLEN << 6));
        ss_buf_append(out, b, 1);
    } else if (len < (1 << 14)) {
        b[0] = (unsigned char)(((len >> 8) & 0xff) | (RDB_14BITLEN << 6));
        b[1] = (unsigned char)(len & 0xff);
        ss_buf_append(out, b, 2);
    } else {
        int bytes = len <= UINT32_MAX ? 4 : 8;
        b[0] = bytes == 4 ? RDB_32BITLEN : RDB_64BITLEN;
        for (int i = 0; i < bytes; i++) /* big-endian */
            b[1 + i] = (unsigned char)(len >> (8 * (bytes - 1 - i)));
        ss_buf_append(out, b, (size_t)bytes + 1);
    }
}

/* rdbTryIntegerEncoding: a canonical integer (it prints back the same) of
 * at most 11 bytes that fits 32 bits is stored as one. */
static bool put_int_encoded(ss_buf *out, const char *s, size_t n)
{
    long long v;
    char back[32];
    if (n == 0 || n > 11 || !ss_parse_ll(s, n, &v))
        return false;
    int blen = snprintf(back, sizeof back, "%lld", v);
    if ((size_t)blen != n || memcmp(back, s, n) != 0)
        return false;
    unsigned char tag = RDB_ENCVAL << 6;
    if (v >= INT8_MIN && v <= INT8_MAX) {
        tag |= RDB_ENC_INT8;
        ss_buf_append(out, &tag, 1);
        put_le(out, (uint64_t)v, 1);
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
        tag |= RDB_ENC_INT16;
        ss_buf_append(out, &tag, 1);
        put_le(out, (uint64_t)v, 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        tag |= RDB_ENC_INT32;
        ss_buf_append(out, &tag, 1);
        put_le(out, (uint64_t)v, 4);
    } else {
        return false;
    }
    return true;
}

void ss_rdb_put_string(ss_buf *out, const void *s, size_t n)
{
    if (!put_int_encoded(out, s, n)) {
        ss_rdb_put_len(out, n);
        ss_buf_append(out, s, n);
    }
}

void ss_rdb_finish(ss_buf *out, size_t start)
{
    put_le(out, SS_RDB_VERSION, 2);
    if (ss_buf_error(out))
        return;
    uint64_t crc = ss_crc64(0, ss_buf_data(out) + start, ss_buf_len(out) - start);
    put_le(out, crc, 8);
}

void ss_rdb_begin(ss_buf *out, int rdbtype, uint64_t count)
{
    unsigned char type = (unsigned char)rdbtype;
    ss_buf_append(out, &type, 1);
    ss_rdb_put_len(out, count);
}

void ss_rdb_put_double(ss_buf *out, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_le(out, bits, 8);
}

void ss_rdb_dump_string(ss_buf *out, const void *s, size_t n)
{
    size_t start = ss_buf_len(out);
    unsigned char type = SS_RDB_TYPE_STRING;
    ss_buf_append(out, &type, 1);
    ss_rdb_put_string(out, s, n);
    ss_rdb_finish(out, start);
}

bool ss_rdb_verify(const void *p, size_t n)
{
    const unsigned char *b = p;
    if (n < 10)
        return false;
    const unsigned char *footer = b + n - 10;
    unsigned version = (unsigned)footer[1] << 8 | footer[0];
    if (version > SS_RDB_VERSION)
        return false;
    uint64_t crc = 0;
    for (int i = 7; i >= 0; i--)
        crc = crc << 8 | footer[2 + i];
    return ss_crc64(0, b, n - 8) == crc;
}

/* ------------------------------------------------------------- loading */

/* rdbLoadLen; *enc says the value is an encoding number, not a length. */
static bool get_len(ss_rdb_reader *r, uint64_t *len, bool *enc)
{
    *enc = false;
    if (r->p >= r->end)
        return false;
    unsigned char b = *r->p++;
    int kind = (b & 0xc0) >> 6;
    if (kind == RDB_ENCVAL) {
        *enc = true;
        *len = b & 0x3f;
    } else if (kind == RDB_6BITLEN) {
        *len = b & 0x3f;
    } else if (kind == RDB_14BITLEN) {
        if (r->p >= r->end)
            return false;
        *len = (uint64_t)(b & 0x3f) << 8 | *r->p++;
    } else if (b == RDB_32BITLEN || b == RDB_64BITLEN) {
        int bytes = b == RDB_32BITLEN ? 4 : 8;
        if (r->end - r->p < bytes)
            return false;
        *len = 0;
        for (int i = 0; i < bytes; i++)
            *len = *len << 8 | *r->p++;
    } else {
        return false;
    }
    return true;
}

bool ss_rdb_get_len(ss_rdb_reader *r, uint64_t *len)
{
    bool enc;
    return get_len(r, len, &enc) && !enc;
}

bool ss_rdb_peek_string_len(const ss_rdb_reader *r, uint64_t *len)
{
    ss_rdb_reader peek = *r;
    bool enc;
    if (!get_len(&peek, len, &enc))
        return false;
    if (enc && *len <= RDB_ENC_INT32) {
        *len = 11;
    } else if (enc && *len == RDB_ENC_LZF) {
        uint64_t clen;
        bool e1, e2;
        return get_len(&peek, &clen, &e1) && get_len(&peek, len, &e2) && !e1 && !e2;
    } else if (enc) {
        return false;
    }
    return true;
}

/* lzf_decompress; the number of bytes written, or 0 on a bad stream. */
static size_t lzf_decompress(const unsigned char *ip, size_t in_len, unsigned char *out, size_t out_len)
{
    const unsigned char *in_end = ip + in_len;
    unsigned char *op = out, *out_end = out + out_len;
    while (ip < in_end) {
        unsigned ctrl = *ip++;
        if (ctrl < (1 << 5)) { /* a literal run of ctrl + 1 bytes */
            ctrl++;
            if ((size_t)(out_end - op) < ctrl || (size_t)(in_end - ip) < ctrl)
                return 0;
            memcpy(op, ip, ctrl);
            op += ctrl;
            ip += ctrl;
        } else { /* a back reference */
            size_t len = ctrl >> 5;
            size_t back = ((size_t)(ctrl & 0x1f) << 8) + 1;
            if (ip >= in_end)
                return 0;
            if (len == 7) {
                len += *ip++;
                if (ip >= in_end)
                    return 0;
            }
            back += *ip++;
            len += 2;
            if ((size_t)(out_end - op) < len || (size_t)(op - out) < back)
                return 0;
            for (size_t i = 0; i < len; i++, op++) /* may overlap: byte by byte */
                *op = *(op - back);
        }
    }
    return (size_t)(op - out);
}

/* rdbGenericLoadStringObject. */
bool ss_rdb_get_string(ss_rdb_reader *r, size_t max, char **out, size_t *outlen)
{
    uint64_t len;
    bool enc;
    if (!get_len(r, &len, &enc))
        return false;
    if (enc && len <= RDB_ENC_INT32) {
        int bytes = 1 << len;
        if (r->end - r->p < bytes)
            return false;
        uint64_t u = 0;
        for (int i = bytes - 1; i >= 0; i--)
            u = u << 8 | r->p[i];
        r->p += bytes;
        long long v = bytes == 1 ? (int8_t)u : bytes == 2 ? (int16_t)u : (int32_t)u;
        char tmp[32];
        int n = snprintf(tmp, sizeof tmp, "%lld", v);
        if ((*out = malloc((size_t)n)) == NULL)
            return false;
        memcpy(*out, tmp, (size_t)n);
        *outlen = (size_t)n;
        return true;
    }
    if (enc && len == RDB_ENC_LZF) {
        uint64_t clen, ulen;
        bool e1, e2;
        if (!get_len(r, &clen, &e1) || !get_len(r, &ulen, &e2) || e1 || e2 || ulen > max ||
            clen > (uint64_t)(r->end - r->p))
            return false;
        if ((*out = malloc(ulen ? ulen : 1)) == NULL)
            return false;
        if (lzf_decompress(r->p, clen, (unsigned char *)*out, ulen) != ulen) {
            free(*out);
            *out = NULL; /* the caller may free what it was handed */
            return false;
        }
        r->p += clen;
        *outlen = ulen;
        return true;
    }
    if (enc || len > max || len > (uint64_t)(r->end - r->p))
        return false;
    if ((*out = malloc(len ? len : 1)) == NULL)
        return false;
    memcpy(*out, r->p, len);
    r->p += len;
    *outlen = len;
    return true;
}

ss_rdb_reader ss_rdb_reader_of(const void *p, size_t n)
{
    const unsigned char *b = p;
    return (ss_rdb_reader){b, b + (n >= 10 ? n - 10 : 0)};
}

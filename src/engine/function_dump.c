/* FUNCTION DUMP / RESTORE payloads: RDB strings (with LZF), RDB version and CRC64 as Redis 7.0 writes them. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "engine/function_dump.h"

#define OPCODE_FUNCTION2 245
#define ENC_INT8 0
#define ENC_INT16 1
#define ENC_INT32 2
#define ENC_LZF 3

/* Redis's crc64: Jones polynomial, reflected, initial 0, no final xor. */
uint64_t ss_crc64(uint64_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (crc >> 1) ^ UINT64_C(0x95ac9329ac4bc9b5) : crc >> 1;
    }
    return crc;
}

static void add_len(ss_buf *out, uint64_t len)
{
    unsigned char b[9];
    size_t n;
    if (len < (1 << 6)) {
        b[0] = (unsigned char)len;
        n = 1;
    } else if (len < (1 << 14)) {
        b[0] = (unsigned char)(0x40 | (len >> 8));
        b[1] = (unsigned char)len;
        n = 2;
    } else if (len <= UINT32_MAX) {
        b[0] = 0x80;
        for (int i = 0; i < 4; i++)
            b[1 + i] = (unsigned char)(len >> (24 - 8 * i));
        n = 5;
    } else {
        b[0] = 0x81;
        for (int i = 0; i < 8; i++)
            b[1 + i] = (unsigned char)(len >> (56 - 8 * i));
        n = 9;
    }
    ss_buf_append(out, b, n);
}

void ss_function_dump_add(ss_buf *out, const char *code, size_t len)
{
    unsigned char op = OPCODE_FUNCTION2;
    ss_buf_append(out, &op, 1);
    add_len(out, len);
    ss_buf_append(out, code, len);
}

void ss_function_dump_finish(ss_buf *out)
{
    unsigned char b[10];
    b[0] = SS_FUNCTION_RDB_VERSION & 0xff;
    b[1] = SS_FUNCTION_RDB_VERSION >> 8;
    ss_buf_append(out, b, 2);
    uint64_t crc = ss_crc64(0, ss_buf_data(out), ss_buf_len(out));
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(crc >> (8 * i));
    ss_buf_append(out, b, 8);
}

/* ------------------------------------------------------------------ reading */

typedef struct reader {
    const unsigned char *p, *end;
} reader;

/* An RDB length: false past the end; *enc set for the special encodings. */
static bool read_len(reader *r, uint64_t *len, int *enc)
{
    *enc = -1;
    if (r->p >= r->end)
        return false;
    unsigned char b = *r->p++;
    switch (b >> 6) {
    case 0:
        *len = b & 0x3f;
        return true;
    case 1:
        if (r->p >= r->end)
            return false;
        *len = ((uint64_t)(b & 0x3f) << 8) | *r->p++;
        return true;
    case 3:
        *enc = b & 0x3f;
        *len = 0;
        return true;
    default:
        break;
    }
    size_t n = b == 0x80 ? 4 : b == 0x81 ? 8 : 0;
    if (n == 0 || (size_t)(r->end - r->p) < n)
        return false;
    *len = 0;
    for (size_t i = 0; i < n; i++)
        *len = (*len << 8) | *r->p++;
    return true;
}

/* liblzf's lzf_decompress: literal runs and back references. */
static bool lzf_decompress(const unsigned char *in, size_t inlen, unsigned char *out, size_t outlen)
{
    const unsigned char *ip = in, *in_end = in + inlen;
    unsigned char *op = out, *out_end = out + outlen;
    while (ip < in_end) {
        unsigned int ctrl = *ip++;
        if (ctrl < (1 << 5)) { /* literal run of ctrl + 1 bytes */
            ctrl++;
            if ((size_t)(out_end - op) < ctrl || (size_t)(in_end - ip) < ctrl)
                return false;
            memcpy(op, ip, ctrl);
            op += ctrl;
            ip += ctrl;
        } else { /* back reference */
            unsigned int len = ctrl >> 5;
            if (len == 7) {
                if (ip >= in_end)
                    return false;
                len += *ip++;
            }
            if (ip >= in_end)
                return false;
            size_t back = (((size_t)ctrl & 0x1f) << 8) + *ip++ + 1;
            len += 2;
            if ((size_t)(op - out) < back || (size_t)(out_end - op) < len)
                return false;
            const unsigned char *ref = op - back;
            for (unsigned int i = 0; i < len; i++) /* may overlap: byte by byte */
                *op++ = *ref++;
        }
    }
    return op == out_end;
}

/* One RDB string; *owned is set when it had to be decompressed (free it). */
static bool read_string(reader *r, size_t max_bytes, const char **s, size_t *len, char **owned, char *num)
{
    uint64_t l;
    int enc;
    *owned = NULL;
    if (!read_len(r, &l, &enc))
        return false;
    if (enc == ENC_INT8 || enc == ENC_INT16 || enc == ENC_INT32) {
        size_t n = enc == ENC_INT8 ? 1 : enc == ENC_INT16 ? 2 : 4;
        if ((size_t)(r->end - r->p) < n)
            return false;
        uint32_t v = 0;
        for (size_t i = 0; i < n; i++)
            v |= (uint32_t)r->p[i] << (8 * i);
        r->p += n;
        long long sv = n == 1 ? (int8_t)v : n == 2 ? (int16_t)v : (int32_t)v;
        *len = (size_t)snprintf(num, 24, "%lld", sv);
        *s = num;
        return true;
    }
    if (enc == ENC_LZF) {
        uint64_t clen, ulen;
        int e2;
        if (!read_len(r, &clen, &e2) || e2 >= 0 || !read_len(r, &ulen, &e2) || e2 >= 0)
            return false;
        if (clen > (uint64_t)(r->end - r->p) || ulen == 0 || ulen > max_bytes)
            return false;
        char *buf = malloc((size_t)ulen);
        if (!buf)
            return false;
        if (!lzf_decompress(r->p, (size_t)clen, (unsigned char *)buf, (size_t)ulen)) {
            free(buf);
            return false;
        }
        r->p += clen;
        *owned = buf;
        *s = buf;
        *len = (size_t)ulen;
        return true;
    }
    if (enc >= 0 || l > (uint64_t)(r->end - r->p))
        return false;
    *s = (const char *)r->p;
    *len = (size_t)l;
    r->p += l;
    return true;
}

int ss_function_dump_walk(const char *payload, size_t len, size_t max_bytes, ss_function_dump_fn fn, void *ud,
                          const char **err)
{
    const unsigned char *p = (const unsigned char *)payload;
    if (len < 10) {
        *err = "DUMP payload version or checksum are wrong";
        return SS_EINVAL;
    }
    unsigned version = p[len - 10] | (unsigned)p[len - 9] << 8;
    uint64_t crc = 0;
    for (int i = 0; i < 8; i++)
        crc |= (uint64_t)p[len - 8 + i] << (8 * i);
    if (version > SS_FUNCTION_RDB_VERSION || ss_crc64(0, p, len - 8) != crc) {
        *err = "DUMP payload version or checksum are wrong";
        return SS_EINVAL;
    }
    reader r = {p, p + len - 10};
    while (r.p < r.end) {
        if (*r.p++ != OPCODE_FUNCTION2) {
            *err = "given type is not a function";
            return SS_EINVAL;
        }
        const char *s;
        size_t slen;
        char *owned, num[24];
        if (!read_string(&r, max_bytes, &s, &slen, &owned, num)) {
            *err = "failed loading the given functions payload";
            return SS_EINVAL;
        }
        int rc = fn(ud, s, slen);
        free(owned);
        if (rc != 0)
            return rc;
    }
    return SS_OK;
}

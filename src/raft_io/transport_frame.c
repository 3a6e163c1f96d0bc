/* Transport framing: header encoding and the incremental frame reader. */
#include "raft_io/transport_frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc32c.h"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void ss_frame_header(uint8_t hdr[SS_FRAME_HEADER_SIZE], ss_frame_type type,
                     const void *payload, uint32_t len)
{
    hdr[0] = SS_FRAME_MAGIC0;
    hdr[1] = SS_FRAME_MAGIC1;
    hdr[2] = SS_FRAME_VERSION;
    hdr[3] = (uint8_t)type;
    put32(hdr + 4, len);
    uint32_t crc = ss_crc32c(0, hdr, 8);
    put32(hdr + 8, ss_crc32c(crc, payload, len));
}

void ss_frame_reader_init(ss_frame_reader *r, uint32_t max_payload)
{
    memset(r, 0, sizeof *r);
    r->max_payload = max_payload;
}

void ss_frame_reader_release(ss_frame_reader *r)
{
    free(r->buf);
    r->buf = NULL;
}

void ss_frame_reader_set_max(ss_frame_reader *r, uint32_t max_payload)
{
    r->max_payload = max_payload;
}

static ss_frame_result fail(ss_frame_reader *r, const char *why)
{
    r->error = why;
    free(r->buf);
    r->buf = NULL;
    return SS_FRAME_ERROR;
}

/* Checks a complete header; everything but the CRC can be judged before the payload. */
static ss_frame_result check_header(ss_frame_reader *r)
{
    const uint8_t *h = r->hdr;
    if (h[0] != SS_FRAME_MAGIC0 || h[1] != SS_FRAME_MAGIC1)
        return fail(r, "bad frame magic");
    if (h[2] != SS_FRAME_VERSION)
        return fail(r, "unsupported protocol version");
    if (h[3] < SS_FRAME_HELLO || h[3] > SS_FRAME_DATA)
        return fail(r, "unknown frame type");
    if (get32(h + 4) > r->max_payload)
        return fail(r, "frame length over the limit");
    return SS_FRAME_OK;
}

static ss_frame_result finish(ss_frame_reader *r, const uint8_t *payload, ss_frame *out)
{
    uint32_t len = get32(r->hdr + 4);
    uint32_t crc = ss_crc32c(ss_crc32c(0, r->hdr, 8), payload, len);
    if (crc != get32(r->hdr + 8))
        return fail(r, "bad frame checksum");
    out->type = (ss_frame_type)r->hdr[3];
    out->payload = payload;
    out->len = len;
    r->hdr_len = 0;
    return SS_FRAME_OK;
}

ss_frame_result ss_frame_reader_next(ss_frame_reader *r, const uint8_t **data, size_t *len,
                                     ss_frame *out)
{
    if (r->error != NULL)
        return SS_FRAME_ERROR;
    /* The previous frame's assembled payload is no longer needed. */
    if (r->hdr_len == 0 && r->buf != NULL) {
        free(r->buf);
        r->buf = NULL;
    }
    if (r->hdr_len < SS_FRAME_HEADER_SIZE) {
        size_t n = SS_FRAME_HEADER_SIZE - r->hdr_len;
        if (n > *len)
            n = *len;
        memcpy(r->hdr + r->hdr_len, *data, n);
        r->hdr_len += n;
        *data += n;
        *len -= n;
        if (r->hdr_len < SS_FRAME_HEADER_SIZE)
            return SS_FRAME_MORE;
        if (check_header(r) != SS_FRAME_OK)
            return SS_FRAME_ERROR;
        r->have = 0;
    }
    uint32_t plen = get32(r->hdr + 4);
    if (r->buf == NULL && *len >= plen) {
        /* The whole payload is in the input: hand it out in place. */
        const uint8_t *payload = *data;
        *data += plen;
        *len -= plen;
        return finish(r, payload, out);
    }
    if (r->buf == NULL) {
        r->buf = malloc(plen);
        if (r->buf == NULL)
            return fail(r, "out of memory for frame payload");
    }
    size_t n = plen - r->have;
    if (n > *len)
        n = *len;
    memcpy(r->buf + r->have, *data, n);
    r->have += (uint32_t)n;
    *data += n;
    *len -= n;
    if (r->have < plen)
        return SS_FRAME_MORE;
    return finish(r, r->buf, out);
}

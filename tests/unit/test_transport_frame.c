/* The frame reader: framing, limits, checksums and malformed input. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "raft_io/transport_frame.h"

/* Builds header + payload into buf; returns the total length. */
static size_t build(uint8_t *buf, ss_frame_type type, const char *payload)
{
    size_t n = strlen(payload);
    ss_frame_header(buf, type, payload, (uint32_t)n);
    memcpy(buf + SS_FRAME_HEADER_SIZE, payload, n);
    return SS_FRAME_HEADER_SIZE + n;
}

Test(frame, reads_back_consecutive_frames_in_place)
{
    uint8_t buf[128];
    size_t n = build(buf, SS_FRAME_DATA, "hello");
    n += build(buf + n, SS_FRAME_DATA, "");
    n += build(buf + n, SS_FRAME_REFUSE, "why");
    ss_frame_reader r;
    ss_frame_reader_init(&r, 1024);
    const uint8_t *p = buf;
    size_t len = n;
    ss_frame f;
    cr_assert_eq(ss_frame_reader_next(&r, &p, &len, &f), SS_FRAME_OK);
    cr_expect_eq(f.type, SS_FRAME_DATA);
    cr_expect_eq(f.len, 5);
    cr_expect_eq(memcmp(f.payload, "hello", 5), 0);
    cr_expect_eq(f.payload, buf + SS_FRAME_HEADER_SIZE, "payload handed out in place");
    cr_assert_eq(ss_frame_reader_next(&r, &p, &len, &f), SS_FRAME_OK);
    cr_expect_eq(f.len, 0);
    cr_assert_eq(ss_frame_reader_next(&r, &p, &len, &f), SS_FRAME_OK);
    cr_expect_eq(f.type, SS_FRAME_REFUSE);
    cr_expect_eq(memcmp(f.payload, "why", 3), 0);
    cr_expect_eq(ss_frame_reader_next(&r, &p, &len, &f), SS_FRAME_MORE);
    cr_expect_eq(len, 0);
    ss_frame_reader_release(&r);
}

Test(frame, assembles_a_frame_fed_one_byte_at_a_time)
{
    uint8_t buf[64];
    size_t n = build(buf, SS_FRAME_DATA, "split across reads");
    ss_frame_reader r;
    ss_frame_reader_init(&r, 1024);
    ss_frame f;
    int frames = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = buf + i;
        size_t len = 1;
        ss_frame_result res = ss_frame_reader_next(&r, &p, &len, &f);
        if (i + 1 < n) {
            cr_assert_eq(res, SS_FRAME_MORE, "byte %zu", i);
        } else {
            cr_assert_eq(res, SS_FRAME_OK);
            frames++;
        }
        cr_expect_eq(len, 0);
    }
    cr_expect_eq(frames, 1);
    cr_expect_eq(f.len, strlen("split across reads"));
    cr_expect_eq(memcmp(f.payload, "split across reads", f.len), 0);
    ss_frame_reader_release(&r);
}

static ss_frame_result feed_all(ss_frame_reader *r, const uint8_t *buf, size_t n, int *frames)
{
    const uint8_t *p = buf;
    size_t len = n;
    ss_frame f;
    ss_frame_result res;
    *frames = 0;
    while ((res = ss_frame_reader_next(r, &p, &len, &f)) == SS_FRAME_OK)
        (*frames)++;
    return res;
}

Test(frame, rejects_bad_magic)
{
    uint8_t buf[64];
    size_t n = build(buf, SS_FRAME_DATA, "x");
    buf[0] = 'G';
    ss_frame_reader r;
    ss_frame_reader_init(&r, 1024);
    int frames;
    cr_expect_eq(feed_all(&r, buf, n, &frames), SS_FRAME_ERROR);
    cr_expect_eq(frames, 0);
    cr_expect_str_eq(r.error, "bad frame magic");
    ss_frame_reader_release(&r);
}

Test(frame, rejects_other_versions_and_unknown_types)
{
    uint8_t buf[64];
    size_t n = build(buf, SS_FRAME_DATA, "x");
    buf[2] = 2;
    ss_frame_reader r;
    ss_frame_reader_init(&r, 1024);
    int frames;
    cr_expect_eq(feed_all(&r, buf, n, &frames), SS_FRAME_ERROR);
    cr_expect_str_eq(r.error, "unsupported protocol version");
    ss_frame_reader_release(&r);

    n = build(buf, SS_FRAME_DATA, "x");
    buf[3] = 99;
    ss_frame_reader_init(&r, 1024);
    cr_expect_eq(feed_all(&r, buf, n, &frames), SS_FRAME_ERROR);
    cr_expect_str_eq(r.error, "unknown frame type");
    ss_frame_reader_release(&r);
}

Test(frame, rejects_a_flipped_payload_bit_by_checksum)
{
    uint8_t buf[64];
    size_t n = build(buf, SS_FRAME_DATA, "payload");
    buf[SS_FRAME_HEADER_SIZE + 3] ^= 0x10;
    ss_frame_reader r;
    ss_frame_reader_init(&r, 1024);
    int frames;
    cr_expect_eq(feed_all(&r, buf, n, &frames), SS_FRAME_ERROR);
    cr_expect_eq(frames, 0);
    cr_expect_str_eq(r.error, "bad frame checksum");
    ss_frame_reader_release(&r);
}

Test(frame, rejects_oversized_length_before_reading_the_payload)
{
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    ss_frame_header(hdr, SS_FRAME_DATA, "", 0);
    hdr[4] = 0x7f; /* claims ~2 GB; only the header is fed */
    ss_frame_reader r;
    ss_frame_reader_init(&r, 1024);
    int frames;
    cr_expect_eq(feed_all(&r, hdr, sizeof hdr, &frames), SS_FRAME_ERROR);
    cr_expect_str_eq(r.error, "frame length over the limit");
    cr_expect_null(r.buf, "nothing allocated for the claimed payload");
    ss_frame_reader_release(&r);
}

Test(frame, accepts_exactly_the_limit_and_not_one_more)
{
    char payload[17];
    memset(payload, 'p', 16);
    payload[16] = '\0';
    uint8_t buf[64];
    size_t n = build(buf, SS_FRAME_DATA, payload);
    ss_frame_reader r;
    int frames;
    ss_frame_reader_init(&r, 16);
    cr_expect_eq(feed_all(&r, buf, n, &frames), SS_FRAME_MORE);
    cr_expect_eq(frames, 1);
    ss_frame_reader_release(&r);
    ss_frame_reader_init(&r, 15);
    cr_expect_eq(feed_all(&r, buf, n, &frames), SS_FRAME_ERROR);
    ss_frame_reader_release(&r);
}

Test(frame, error_stays_set)
{
    uint8_t buf[64];
    size_t n = build(buf, SS_FRAME_DATA, "x");
    ss_frame_reader r;
    ss_frame_reader_init(&r, 1024);
    int frames;
    uint8_t junk[SS_FRAME_HEADER_SIZE] = "garbage!!!!";
    cr_expect_eq(feed_all(&r, junk, sizeof junk, &frames), SS_FRAME_ERROR);
    cr_expect_eq(feed_all(&r, buf, n, &frames), SS_FRAME_ERROR, "a good frame after garbage");
    cr_expect_eq(frames, 0);
    ss_frame_reader_release(&r);
}

Test(frame, truncated_frame_yields_nothing)
{
    uint8_t buf[64];
    size_t n = build(buf, SS_FRAME_DATA, "truncated payload");
    ss_frame_reader r;
    ss_frame_reader_init(&r, 1024);
    int frames;
    cr_expect_eq(feed_all(&r, buf, n - 1, &frames), SS_FRAME_MORE);
    cr_expect_eq(frames, 0);
    ss_frame_reader_release(&r); /* frees the partial payload (checked by ASan) */
}

Test(frame, large_payload_split_in_chunks_round_trips)
{
    size_t plen = 300000;
    uint8_t *buf = malloc(SS_FRAME_HEADER_SIZE + plen);
    for (size_t i = 0; i < plen; i++)
        buf[SS_FRAME_HEADER_SIZE + i] = (uint8_t)(i * 7);
    ss_frame_header(buf, SS_FRAME_DATA, buf + SS_FRAME_HEADER_SIZE, (uint32_t)plen);
    ss_frame_reader r;
    ss_frame_reader_init(&r, (uint32_t)plen);
    ss_frame f;
    size_t off = 0, total = SS_FRAME_HEADER_SIZE + plen;
    int frames = 0;
    while (off < total) {
        size_t n = total - off < 65536 ? total - off : 65536;
        const uint8_t *p = buf + off;
        size_t len = n;
        if (ss_frame_reader_next(&r, &p, &len, &f) == SS_FRAME_OK) {
            frames++;
            cr_expect_eq(f.len, plen);
            cr_expect_eq(memcmp(f.payload, buf + SS_FRAME_HEADER_SIZE, plen), 0);
        }
        off += n - len;
    }
    cr_expect_eq(frames, 1);
    ss_frame_reader_release(&r);
    free(buf);
}

Test(frame, no_single_bit_flip_yields_a_frame)
{
    uint8_t good[64];
    size_t n = build(good, SS_FRAME_DATA, "first!");
    size_t second = n;
    n += build(good + n, SS_FRAME_DATA, "second");
    for (size_t bit = second * 8; bit < n * 8; bit++) {
        uint8_t buf[64];
        memcpy(buf, good, n);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ss_frame_reader r;
        ss_frame_reader_init(&r, 1024);
        const uint8_t *p = buf;
        size_t len = n;
        ss_frame f;
        cr_assert_eq(ss_frame_reader_next(&r, &p, &len, &f), SS_FRAME_OK, "the intact frame");
        cr_expect_eq(memcmp(f.payload, "first!", 6), 0);
        ss_frame_result res = ss_frame_reader_next(&r, &p, &len, &f);
        cr_expect_neq(res, SS_FRAME_OK, "flipped bit %zu surfaced as a frame", bit - second * 8);
        ss_frame_reader_release(&r);
    }
}

Test(frame, random_bytes_never_crash_the_reader)
{
    /* A fixed seed keeps the test reproducible. */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    uint8_t buf[4096];
    for (int round = 0; round < 2000; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[i] = (uint8_t)x;
        }
        if (round % 2)
            ss_frame_header(buf, SS_FRAME_DATA, buf + SS_FRAME_HEADER_SIZE, 100); /* valid start */
        ss_frame_reader r;
        ss_frame_reader_init(&r, 1 << 20);
        const uint8_t *p = buf;
        size_t len = (size_t)(x % sizeof buf);
        ss_frame f;
        ss_frame_result res;
        int frames = 0;
        while ((res = ss_frame_reader_next(&r, &p, &len, &f)) == SS_FRAME_OK)
            frames++;
        cr_assert(res == SS_FRAME_MORE || res == SS_FRAME_ERROR);
        cr_assert_leq(frames, round % 2);
        ss_frame_reader_release(&r);
    }
}

/* SHA-1 (common/sha1): the FIPS 180 test vectors, and piecewise updates at every split. */
#include <criterion/criterion.h>
#include <string.h>

#include "common/sha1.h"

static void expect_hex(const char *msg, size_t len, const char *want)
{
    char hex[SS_SHA1_HEX_LEN + 1];
    ss_sha1_hex(msg, len, hex);
    cr_expect_str_eq(hex, want, "sha1 of %zu bytes", len);
}

Test(sha1, matches_the_standard_vectors)
{
    expect_hex("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect_hex("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect_hex(two, strlen(two), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    const char *fox = "The quick brown fox jumps over the lazy dog";
    expect_hex(fox, strlen(fox), "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

Test(sha1, hashes_a_million_a_in_pieces)
{
    ss_sha1 s;
    ss_sha1_init(&s);
    char block[1000];
    memset(block, 'a', sizeof block);
    for (int i = 0; i < 1000; i++)
        ss_sha1_update(&s, block, sizeof block);
    uint8_t d[SS_SHA1_LEN];
    ss_sha1_final(&s, d);
    static const uint8_t want[SS_SHA1_LEN] = {0x34, 0xaa, 0x97, 0x3c, 0xd4, 0xc4, 0xda,
                                              0xa4, 0xf6, 0x1e, 0xeb, 0x2b, 0xdb, 0xad,
                                              0x27, 0x31, 0x65, 0x34, 0x01, 0x6f};
    cr_expect(memcmp(d, want, sizeof want) == 0);
}

/* Lengths around the padding boundary (55, 56, 63, 64 bytes) and every split
 * point give the one-shot digest. */
Test(sha1, piecewise_updates_equal_one_shot_at_every_split)
{
    char msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (char)(i * 7 + 3);
    size_t lens[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        size_t len = lens[li];
        uint8_t one[SS_SHA1_LEN];
        ss_sha1_digest(msg, len, one);
        for (size_t cut = 0; cut <= len; cut++) {
            ss_sha1 s;
            uint8_t two[SS_SHA1_LEN];
            ss_sha1_init(&s);
            ss_sha1_update(&s, msg, cut);
            ss_sha1_update(&s, msg + cut, len - cut);
            ss_sha1_final(&s, two);
            cr_assert(memcmp(one, two, sizeof one) == 0, "len %zu cut %zu", len, cut);
        }
    }
    /* 55 and 56 bytes: one and two final blocks. */
    expect_hex("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 55,
               "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    expect_hex("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 56,
               "c2db330f6083854c99d4b5bfb6e8f29f201be699");
}

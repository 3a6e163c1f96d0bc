/* SHA-256 (FIPS 180-4 examples) and HMAC-SHA256 (RFC 4231 test vectors). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/sha256.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static void expect_sha256(const void *data, size_t len, const char *want)
{
    ss_sha256 s;
    uint8_t d[SS_SHA256_SIZE];
    char got[2 * SS_SHA256_SIZE + 1];
    ss_sha256_init(&s);
    ss_sha256_update(&s, data, len);
    ss_sha256_final(&s, d);
    hex(d, sizeof d, got);
    cr_expect_str_eq(got, want);
}

static void expect_hmac(const void *key, size_t klen, const void *data, size_t dlen,
                        const char *want)
{
    uint8_t mac[SS_SHA256_SIZE];
    char got[2 * SS_SHA256_SIZE + 1];
    ss_hmac_sha256(key, klen, data, dlen, mac);
    hex(mac, sizeof mac, got);
    got[strlen(want)] = '\0'; /* test case 5 checks a truncated MAC */
    cr_expect_str_eq(got, want);
}

Test(sha256, matches_fips_examples)
{
    expect_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    expect_sha256(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, hashes_a_million_a_fed_in_odd_pieces)
{
    static char a[1000000];
    memset(a, 'a', sizeof a);
    ss_sha256 s;
    ss_sha256_init(&s);
    size_t off = 0, step = 1;
    while (off < sizeof a) {
        size_t n = step < sizeof a - off ? step : sizeof a - off;
        ss_sha256_update(&s, a + off, n);
        off += n;
        step = step * 3 % 1000 + 1; /* crosses block boundaries at every offset */
    }
    uint8_t d[SS_SHA256_SIZE];
    char got[2 * SS_SHA256_SIZE + 1];
    ss_sha256_final(&s, d);
    hex(d, sizeof d, got);
    cr_expect_str_eq(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(hmac_sha256, rfc4231_case_1)
{
    uint8_t key[20];
    memset(key, 0x0b, sizeof key);
    expect_hmac(key, sizeof key, "Hi There", 8,
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

Test(hmac_sha256, rfc4231_case_2_short_key)
{
    const char *d = "what do ya want for nothing?";
    expect_hmac("Jefe", 4, d, strlen(d),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

Test(hmac_sha256, rfc4231_case_3)
{
    uint8_t key[20], data[50];
    memset(key, 0xaa, sizeof key);
    memset(data, 0xdd, sizeof data);
    expect_hmac(key, sizeof key, data, sizeof data,
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

Test(hmac_sha256, rfc4231_case_4)
{
    uint8_t key[25], data[50];
    for (int i = 0; i < 25; i++)
        key[i] = (uint8_t)(i + 1);
    memset(data, 0xcd, sizeof data);
    expect_hmac(key, sizeof key, data, sizeof data,
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

Test(hmac_sha256, rfc4231_case_5_truncated)
{
    uint8_t key[20];
    memset(key, 0x0c, sizeof key);
    expect_hmac(key, sizeof key, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b");
}

Test(hmac_sha256, rfc4231_case_6_key_longer_than_block)
{
    uint8_t key[131];
    memset(key, 0xaa, sizeof key);
    const char *d = "Test Using Larger Than Block-Size Key - Hash Key First";
    expect_hmac(key, sizeof key, d, strlen(d),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

Test(hmac_sha256, rfc4231_case_7_key_and_data_longer_than_block)
{
    uint8_t key[131];
    memset(key, 0xaa, sizeof key);
    const char *d = "This is a test using a larger than block-size key and a larger than "
                    "block-size data. The key needs to be hashed before being used by the "
                    "HMAC algorithm.";
    expect_hmac(key, sizeof key, d, strlen(d),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

Test(hmac_sha256, incremental_equals_one_shot)
{
    const char *d = "sandstore connector handshake fields";
    uint8_t one[SS_SHA256_SIZE], inc[SS_SHA256_SIZE];
    ss_hmac_sha256("k", 1, d, strlen(d), one);
    ss_hmac_sha256_ctx h;
    ss_hmac_sha256_init(&h, "k", 1);
    for (size_t i = 0; i < strlen(d); i++)
        ss_hmac_sha256_update(&h, d + i, 1);
    ss_hmac_sha256_final(&h, inc);
    cr_expect(ss_hmac_equal(one, inc, sizeof one));
}

Test(hmac_sha256, mac_equal_spots_any_differing_byte)
{
    uint8_t a[SS_SHA256_SIZE] = {0}, b[SS_SHA256_SIZE] = {0};
    cr_expect(ss_hmac_equal(a, b, sizeof a));
    for (size_t i = 0; i < sizeof a; i++) {
        b[i] = 0x01;
        cr_expect_not(ss_hmac_equal(a, b, sizeof a), "byte %zu", i);
        b[i] = 0;
    }
}

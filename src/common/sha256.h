/* SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104): the peer handshake's MACs and DEBUG DIGEST. */
#ifndef SS_SHA256_H
#define SS_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SS_SHA256_SIZE 32
#define SS_SHA256_BLOCK 64

typedef struct {
    uint32_t state[8];
    uint64_t bytes;               /* total bytes fed so far */
    uint8_t block[SS_SHA256_BLOCK];
    size_t used;                  /* bytes waiting in block */
} ss_sha256;

void ss_sha256_init(ss_sha256 *s);
void ss_sha256_update(ss_sha256 *s, const void *data, size_t len);
void ss_sha256_final(ss_sha256 *s, uint8_t out[SS_SHA256_SIZE]);

/* Incremental HMAC-SHA256, so that a MAC can cover several fields without
 * first concatenating them. */
typedef struct {
    ss_sha256 inner;
    uint8_t okey[SS_SHA256_BLOCK]; /* key XOR opad, for the outer hash */
} ss_hmac_sha256_ctx;

void ss_hmac_sha256_init(ss_hmac_sha256_ctx *h, const void *key, size_t key_len);
void ss_hmac_sha256_update(ss_hmac_sha256_ctx *h, const void *data, size_t len);
void ss_hmac_sha256_final(ss_hmac_sha256_ctx *h, uint8_t out[SS_SHA256_SIZE]);

/* One-shot HMAC-SHA256 of data under key. */
void ss_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                    uint8_t out[SS_SHA256_SIZE]);

/* Compares two MACs in time independent of where they differ. */
bool ss_hmac_equal(const uint8_t *a, const uint8_t *b, size_t len);

#endif

/* SHA-1 (FIPS 180-4): script names for EVALSHA and redis.sha1hex. */
#ifndef SS_SHA1_H
#define SS_SHA1_H

#include <stddef.h>
#include <stdint.h>

/* SHA-1 is broken for collision resistance; it is used here only because
 * Redis names scripts by it, and clients compute the same names. */
#define SS_SHA1_LEN 20
#define SS_SHA1_HEX_LEN 40

typedef struct ss_sha1 {
    uint32_t h[5];
    uint64_t bytes;      /* message length so far */
    uint8_t block[64];   /* partial block */
    size_t used;         /* bytes in block */
} ss_sha1;

void ss_sha1_init(ss_sha1 *s);
void ss_sha1_update(ss_sha1 *s, const void *data, size_t len);
void ss_sha1_final(ss_sha1 *s, uint8_t out[SS_SHA1_LEN]);

/* One-shot digest, and its lowercase hex form (41 bytes with the NUL), which is
 * what EVALSHA and redis.sha1hex use. */
void ss_sha1_digest(const void *data, size_t len, uint8_t out[SS_SHA1_LEN]);
void ss_sha1_hex(const void *data, size_t len, char out[SS_SHA1_HEX_LEN + 1]);

#endif

/* Order-preserving encodings: 8-byte forms whose memcmp order is numeric order, for building sub-keys. */
#ifndef SS_STORE_ENCODE_H
#define SS_STORE_ENCODE_H

#include <stdint.h>

/* Big-endian: memcmp order = unsigned order. */
void ss_encode_u64_be(uint64_t v, unsigned char out[8]);
uint64_t ss_decode_u64_be(const unsigned char in[8]);

/* Sign bit flipped, big-endian: memcmp order = signed order. */
void ss_encode_i64(int64_t v, unsigned char out[8]);
int64_t ss_decode_i64(const unsigned char in[8]);

/*
 * memcmp order = numeric order for every non-NaN double:
 * -inf < -DBL_MAX < ... < -denormal < 0 < denormal < ... < DBL_MAX < +inf.
 * -0.0 encodes exactly like +0.0 (they compare equal, as in Redis sorted
 * sets, so ties between them fall to the next part of the key), and decodes
 * as +0.0: keep the original score elsewhere if "-0" must be echoed back.
 * NaN must be rejected by callers; it encodes above +inf (or below -inf).
 */
void ss_encode_double(double v, unsigned char out[8]);
double ss_decode_double(const unsigned char in[8]);

#endif

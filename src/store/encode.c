/* Order-preserving encodings of integers and doubles. */
#include "store/encode.h"

#include <string.h>

void ss_encode_u64_be(uint64_t v, unsigned char out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(v >> (56 - 8 * i));
}

uint64_t ss_decode_u64_be(const unsigned char in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}

void ss_encode_i64(int64_t v, unsigned char out[8])
{
    ss_encode_u64_be((uint64_t)v ^ (UINT64_C(1) << 63), out);
}

int64_t ss_decode_i64(const unsigned char in[8])
{
    return (int64_t)(ss_decode_u64_be(in) ^ (UINT64_C(1) << 63));
}

void ss_encode_double(double v, unsigned char out[8])
{
    if (v == 0.0)
        v = 0.0; /* folds -0.0 into +0.0 */
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    /* Positive: set the sign bit so they sort above negatives. Negative:
     * invert everything so a larger magnitude sorts lower. */
    if (bits & (UINT64_C(1) << 63))
        bits = ~bits;
    else
        bits |= UINT64_C(1) << 63;
    ss_encode_u64_be(bits, out);
}

double ss_decode_double(const unsigned char in[8])
{
    uint64_t bits = ss_decode_u64_be(in);
    if (bits & (UINT64_C(1) << 63))
        bits &= ~(UINT64_C(1) << 63);
    else
        bits = ~bits;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

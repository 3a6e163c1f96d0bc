/* Numbers in arguments and values, parsed and printed the way Redis does (string2ll, string2ld, ld2string). */
#ifndef SS_NUMBERS_H
#define SS_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>

/* Parses a whole signed 64-bit integer like redis' string2ll (no spaces, no "+"). */
bool ss_parse_ll(const char *s, size_t len, long long *out);
/* Parses a finite or infinite double like redis' string2ld (no NaN, no spaces). */
bool ss_parse_double(const char *s, size_t len, double *out);

/* INCRBYFLOAT and HINCRBYFLOAT work in long double, as Redis does. Parses like
 * redis' string2ld (no NaN, no spaces, no overflow or underflow). */
#define SS_LONG_DOUBLE_CHARS (5 * 1024) /* redis' MAX_LONG_DOUBLE_CHARS */
bool ss_parse_long_double(const char *s, size_t len, long double *out);
/* redis' ld2string in human mode: "%.17Lf" without trailing zeros, so 10.5 is
 * "10.5", 5e3 is "5000", no exponent ever appears and -0 is "0". Writes a NUL;
 * returns the length (0 if cap is too small). */
size_t ss_format_long_double(char *buf, size_t cap, long double v);

#endif

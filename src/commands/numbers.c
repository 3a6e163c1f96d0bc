/* Numbers in arguments and values, parsed and printed the way Redis does. */
#include "commands/numbers.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ss_parse_ll(const char *s, size_t len, long long *out)
{
    if (len == 0 || len > 20)
        return false;
    char buf[24];
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (buf[0] == '+' || isspace((unsigned char)buf[0]))
        return false;
    if (len > 1 && buf[0] == '0')
        return false; /* redis' string2ll refuses leading zeros */
    if (len >= 2 && buf[0] == '-' && buf[1] == '0')
        return false; /* "-0" and "-01" too */
    errno = 0;
    char *end;
    long long v = strtoll(buf, &end, 10);
    if (errno != 0 || end != buf + len || (len == 1 && buf[0] == '-'))
        return false;
    *out = v;
    return true;
}

bool ss_parse_double(const char *s, size_t len, double *out)
{
    if (len == 0 || len > 5000)
        return false;
    char stackbuf[128];
    char *buf = len < sizeof stackbuf ? stackbuf : malloc(len + 1);
    if (!buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    bool ok = !isspace((unsigned char)buf[0]);
    errno = 0;
    char *end;
    double v = strtod(buf, &end);
    /* redis' string2ld: an overflow to ±inf or an underflow to 0 is not a
     * valid float ("inf" itself is), a denormal result is. */
    if (end != buf + len || isnan(v) || (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)))
        ok = false;
    if (buf != stackbuf)
        free(buf);
    if (ok)
        *out = v;
    return ok;
}

bool ss_parse_long_double(const char *s, size_t len, long double *out)
{
    char buf[SS_LONG_DOUBLE_CHARS];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    char *end;
    long double v = strtold(buf, &end);
    if (isspace((unsigned char)buf[0]) || end != buf + len || isnan(v) || errno == EINVAL ||
        (errno == ERANGE && (isinf(v) || v == 0)))
        return false;
    *out = v;
    return true;
}

size_t ss_format_long_double(char *buf, size_t cap, long double v)
{
    int n = snprintf(buf, cap, "%.17Lf", v);
    if (n < 0 || (size_t)n >= cap)
        return 0;
    size_t l = (size_t)n;
    if (strchr(buf, '.')) {
        while (buf[l - 1] == '0')
            l--;
        if (buf[l - 1] == '.')
            l--;
    }
    if (l == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        l = 1;
    }
    buf[l] = '\0';
    return l;
}

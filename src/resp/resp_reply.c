/* RESP reply encoder: RESP2 and RESP3 forms chosen by the client's protocol. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "resp/resp.h"

#define LL_MAX_CHARS 21 /* "-9223372036854775808" */

static const struct {
    const char *data;
    size_t len;
} shared[] = {
#define RESP_SHARED_ENTRY(name, text) {text, sizeof(text) - 1},
    RESP_SHARED(RESP_SHARED_ENTRY)
#undef RESP_SHARED_ENTRY
};

/* Writes v in decimal at out (at least LL_MAX_CHARS bytes); returns the length. */
static size_t format_ll(char *out, long long v)
{
    char tmp[LL_MAX_CHARS];
    size_t n = 0;
    /* Work in unsigned so LLONG_MIN has a magnitude. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t len = 0;
    if (v < 0)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    return len;
}

/* "<prefix><n>\r\n": integers and aggregate/bulk headers. */
static int add_prefixed_ll(ss_buf *out, char prefix, long long n)
{
    char line[LL_MAX_CHARS + 3];
    line[0] = prefix;
    size_t len = 1 + format_ll(line + 1, n);
    line[len++] = '\r';
    line[len++] = '\n';
    return ss_buf_append(out, line, len);
}

/* A one-line reply: CR/LF in the text would end the line early, so they go out
 * as spaces (redis does the same for error and status replies). */
static int add_line(ss_buf *out, char prefix, const char *text, size_t len)
{
    int rc = ss_buf_reserve(out, len + 3);
    if (rc)
        return rc;
    char *dst = ss_buf_tail(out);
    dst[0] = prefix;
    for (size_t i = 0; i < len; i++)
        dst[1 + i] = (text[i] == '\r' || text[i] == '\n') ? ' ' : text[i];
    dst[len + 1] = '\r';
    dst[len + 2] = '\n';
    ss_buf_commit(out, len + 3);
    return SS_OK;
}

int resp_add_simple_len(ss_buf *out, const char *text, size_t len)
{
    return add_line(out, '+', text, len);
}

int resp_add_simple(ss_buf *out, const char *text)
{
    return add_line(out, '+', text, strlen(text));
}

int resp_add_error_len(ss_buf *out, const char *text, size_t len)
{
    if (len > 0 && text[0] == '-') {
        text++;
        len--;
    }
    return add_line(out, '-', text, len);
}

int resp_add_error(ss_buf *out, const char *text)
{
    return resp_add_error_len(out, text, strlen(text));
}

int resp_add_errorf(ss_buf *out, const char *fmt, ...)
{
    ss_buf tmp;
    ss_buf_init(&tmp, 0);
    va_list ap;
    va_start(ap, fmt);
    int rc = ss_buf_vappendf(&tmp, fmt, ap);
    va_end(ap);
    if (rc == SS_OK)
        rc = resp_add_error_len(out, ss_buf_data(&tmp), ss_buf_len(&tmp));
    else if (!out->err)
        out->err = rc;
    ss_buf_release(&tmp);
    return rc;
}

int resp_add_int(ss_buf *out, long long v)
{
    if (v == 0)
        return resp_add_shared(out, RESP_SH_CZERO);
    if (v == 1)
        return resp_add_shared(out, RESP_SH_CONE);
    return add_prefixed_ll(out, ':', v);
}

int resp_add_bulk(ss_buf *out, const void *data, size_t len)
{
    char head[LL_MAX_CHARS + 3];
    head[0] = '$';
    size_t n = 1 + format_ll(head + 1, (long long)len);
    head[n++] = '\r';
    head[n++] = '\n';
    /* Reserve the exact size so that nothing is half written at the cap. */
    int rc = ss_buf_reserve(out, n + len + 2);
    if (rc)
        return rc;
    ss_buf_append(out, head, n);
    ss_buf_append(out, data, len);
    return ss_buf_append(out, "\r\n", 2);
}

int resp_add_bulk_cstr(ss_buf *out, const char *s)
{
    return resp_add_bulk(out, s, strlen(s));
}

int resp_add_bulk_ll(ss_buf *out, long long v)
{
    char digits[LL_MAX_CHARS];
    return resp_add_bulk(out, digits, format_ll(digits, v));
}

int resp_add_field_cstr(ss_buf *out, const char *field, const char *value)
{
    int rc = resp_add_bulk_cstr(out, field);
    return rc ? rc : resp_add_bulk_cstr(out, value);
}

int resp_add_field_int(ss_buf *out, const char *field, long long value)
{
    int rc = resp_add_bulk_cstr(out, field);
    return rc ? rc : resp_add_int(out, value);
}

int resp_add_null_bulk(ss_buf *out, resp_proto proto)
{
    return resp_add_shared(out, proto == RESP3 ? RESP_SH_NULL3 : RESP_SH_NULLBULK);
}

int resp_add_null_array(ss_buf *out, resp_proto proto)
{
    return resp_add_shared(out, proto == RESP3 ? RESP_SH_NULL3 : RESP_SH_NULLARRAY);
}

int resp_add_array_len(ss_buf *out, long long n)
{
    return add_prefixed_ll(out, '*', n);
}

int resp_add_map_len(ss_buf *out, resp_proto proto, long long n)
{
    return proto == RESP3 ? add_prefixed_ll(out, '%', n) : add_prefixed_ll(out, '*', 2 * n);
}

int resp_add_set_len(ss_buf *out, resp_proto proto, long long n)
{
    return add_prefixed_ll(out, proto == RESP3 ? '~' : '*', n);
}

int resp_add_push_len(ss_buf *out, resp_proto proto, long long n)
{
    return add_prefixed_ll(out, proto == RESP3 ? '>' : '*', n);
}

size_t resp_format_double(char *buf, double d)
{
    if (isnan(d))
        return (size_t)snprintf(buf, RESP_DOUBLE_MAX, "nan");
    if (isinf(d))
        return (size_t)snprintf(buf, RESP_DOUBLE_MAX, "%s", d > 0 ? "inf" : "-inf");
    /* The fewest significant digits that read back as the same double: 15
     * digits always survive the trip through a double, 17 always suffice. */
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, RESP_DOUBLE_MAX, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return (size_t)n;
}

int resp_add_double(ss_buf *out, resp_proto proto, double d)
{
    char text[RESP_DOUBLE_MAX];
    size_t len = resp_format_double(text, d);
    if (proto == RESP3)
        return add_line(out, ',', text, len);
    return resp_add_bulk(out, text, len);
}

int resp_add_bool(ss_buf *out, resp_proto proto, bool v)
{
    if (proto == RESP3)
        return ss_buf_append(out, v ? "#t\r\n" : "#f\r\n", 4);
    return resp_add_shared(out, v ? RESP_SH_CONE : RESP_SH_CZERO);
}

int resp_add_verbatim(ss_buf *out, resp_proto proto, const char *format, const void *data, size_t len)
{
    if (proto != RESP3)
        return resp_add_bulk(out, data, len);
    /* "=<len>\r\n<fmt>:<text>\r\n": the length counts the format and its colon. */
    char head[LL_MAX_CHARS + 3 + 4];
    head[0] = '=';
    size_t n = 1 + format_ll(head + 1, (long long)(len + 4));
    head[n++] = '\r';
    head[n++] = '\n';
    memcpy(head + n, format, 3);
    head[n + 3] = ':';
    n += 4;
    int rc = ss_buf_reserve(out, n + len + 2);
    if (rc)
        return rc;
    ss_buf_append(out, head, n);
    ss_buf_append(out, data, len);
    return ss_buf_append(out, "\r\n", 2);
}

int resp_add_bignum(ss_buf *out, resp_proto proto, const char *digits, size_t len)
{
    if (proto != RESP3)
        return resp_add_bulk(out, digits, len);
    return add_line(out, '(', digits, len);
}

int resp_add_attribute_len(ss_buf *out, long long n)
{
    return add_prefixed_ll(out, '|', n);
}

int resp_add_raw(ss_buf *out, const void *data, size_t len)
{
    return ss_buf_append(out, data, len);
}

const char *resp_shared_data(resp_shared which, size_t *len)
{
    *len = shared[which].len;
    return shared[which].data;
}

int resp_add_shared(ss_buf *out, resp_shared which)
{
    return ss_buf_append(out, shared[which].data, shared[which].len);
}

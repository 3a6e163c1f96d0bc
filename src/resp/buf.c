/* ss_buf: a growable byte buffer with an optional hard cap and a sticky error. */
#include "resp/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define BUF_MIN_CAP 64

void ss_buf_init(ss_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void ss_buf_release(ss_buf *b)
{
    free(b->data);
    ss_buf_init(b, b->max);
}

int ss_buf_reserve(ss_buf *b, size_t extra)
{
    if (b->err)
        return b->err;
    if (extra > SIZE_MAX - b->len || (b->max && b->len + extra > b->max))
        return b->err = SS_ETOOBIG;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return SS_OK;
    /* Doubling keeps appends amortised O(1); the cap bounds the doubling too. */
    size_t cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (b->max && cap > b->max)
        cap = need > b->max ? need : b->max;
    char *data = realloc(b->data, cap);
    if (!data)
        return b->err = SS_ENOMEM;
    b->data = data;
    b->cap = cap;
    return SS_OK;
}

int ss_buf_append(ss_buf *b, const void *p, size_t n)
{
    int rc = ss_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return SS_OK;
}

int ss_buf_append_cstr(ss_buf *b, const char *s)
{
    return ss_buf_append(b, s, strlen(s));
}

int ss_buf_vappendf(ss_buf *b, const char *fmt, va_list ap)
{
    if (b->err)
        return b->err;
    char small[256];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    if (n < 0) {
        va_end(again);
        return b->err = SS_EINVAL;
    }
    int rc;
    if ((size_t)n < sizeof(small)) {
        rc = ss_buf_append(b, small, (size_t)n);
    } else {
        /* Formatted aside: in place, the NUL could pass the cap the text fits. */
        char *big = malloc((size_t)n + 1);
        if (!big) {
            va_end(again);
            return b->err = SS_ENOMEM;
        }
        vsnprintf(big, (size_t)n + 1, fmt, again);
        rc = ss_buf_append(b, big, (size_t)n);
        free(big);
    }
    va_end(again);
    return rc;
}

int ss_buf_appendf(ss_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ss_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void ss_buf_commit(ss_buf *b, size_t n)
{
    b->len += n <= b->cap - b->len ? n : b->cap - b->len;
}

void ss_buf_consume(ss_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void ss_buf_reset(ss_buf *b)
{
    b->len = 0;
    b->err = SS_OK;
}

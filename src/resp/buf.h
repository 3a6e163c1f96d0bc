/* ss_buf: a growable byte buffer with an optional hard cap and a sticky error. */
#ifndef SS_BUF_H
#define SS_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Appends never leave a half-written piece behind: an append that would pass
 * the cap (or cannot allocate) changes nothing, sets the buffer's error and
 * every later append becomes a no-op returning that error. A reply writer can
 * therefore append a whole reply and check once (ss_buf_error), which is how an
 * output-buffer limit turns into "close this client".
 */
typedef struct ss_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len; 0 means no cap */
    int err;    /* SS_OK, or SS_ETOOBIG / SS_ENOMEM once an append failed */
} ss_buf;

/* Sets up an empty buffer; max is the hard cap on its length (0: none). */
void ss_buf_init(ss_buf *b, size_t max);
/* Frees the contents; the buffer may be initialised again. */
void ss_buf_release(ss_buf *b);

/* Makes room for at least extra more bytes without changing len. Returns SS_OK,
 * SS_ETOOBIG (past the cap) or SS_ENOMEM; failure sets the sticky error. */
int ss_buf_reserve(ss_buf *b, size_t extra);
int ss_buf_append(ss_buf *b, const void *p, size_t n);
int ss_buf_append_cstr(ss_buf *b, const char *s);
int ss_buf_appendf(ss_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ss_buf_vappendf(ss_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* After writing up to ss_buf_space() bytes at ss_buf_tail(), adds n of them to len. */
void ss_buf_commit(ss_buf *b, size_t n);
/* Drops the first n bytes (what a partial socket write already sent). */
void ss_buf_consume(ss_buf *b, size_t n);
/* Empties the buffer and clears its error; keeps the memory. */
void ss_buf_reset(ss_buf *b);

static inline size_t ss_buf_len(const ss_buf *b) { return b->len; }
static inline char *ss_buf_data(const ss_buf *b) { return b->data; }
static inline char *ss_buf_tail(const ss_buf *b) { return b->data + b->len; }
static inline size_t ss_buf_space(const ss_buf *b) { return b->cap - b->len; }
static inline int ss_buf_error(const ss_buf *b) { return b->err; }
/* Changes the hard cap on the length (0: none); what is there stays. */
static inline void ss_buf_set_max(ss_buf *b, size_t max) { b->max = max; }

#endif

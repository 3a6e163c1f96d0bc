/* Recorded histories: storage, validation, and the one-line-per-op text format. */
#include "fault/history.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = { "GET", "SET", "SET_NX", "DEL", "INCR" };
static const char *const outcome_names[] = { "ok", "failed", "unknown" };

const char *history_kind_name(hist_kind kind)
{
    return (unsigned)kind < 5 ? kind_names[kind] : "?";
}

const char *history_outcome_name(hist_outcome outcome)
{
    return (unsigned)outcome < 3 ? outcome_names[outcome] : "?";
}

void history_init(history *h)
{
    memset(h, 0, sizeof *h);
}

void history_op_release(hist_op *op)
{
    free(op->key);
    free(op->value);
    free(op->result.s);
    op->key = op->value = op->result.s = NULL;
}

void history_release(history *h)
{
    for (size_t i = 0; i < h->len; i++)
        history_op_release(&h->ops[i]);
    free(h->ops);
    history_init(h);
}

int history_validate_op(const hist_op *op, ss_errmsg err)
{
    if ((unsigned)op->kind > HIST_INCR)
        return ss_errf(err, SS_EINVAL, "bad op kind %d", (int)op->kind);
    if ((unsigned)op->outcome > HIST_UNKNOWN)
        return ss_errf(err, SS_EINVAL, "bad outcome %d", (int)op->outcome);
    if (op->key == NULL)
        return ss_errf(err, SS_EINVAL, "missing 'key'");
    bool writes_value = op->kind == HIST_SET || op->kind == HIST_SET_NX;
    if (writes_value && op->value == NULL)
        return ss_errf(err, SS_EINVAL, "%s needs a 'value'", history_kind_name(op->kind));
    if (!writes_value && op->value != NULL)
        return ss_errf(err, SS_EINVAL, "%s takes no 'value'", history_kind_name(op->kind));
    if (op->outcome != HIST_OK) {
        if (op->result.type != HIST_R_NONE)
            return ss_errf(err, SS_EINVAL, "outcome=%s takes no 'result'",
                           history_outcome_name(op->outcome));
        return SS_OK;
    }
    if (op->complete < op->invoke)
        return ss_errf(err, SS_EINVAL, "complete %" PRId64 " is before invoke %" PRId64,
                       op->complete, op->invoke);
    hist_rtype t = op->result.type;
    bool fits;
    switch (op->kind) {
    case HIST_GET:    fits = t == HIST_R_NIL || (t == HIST_R_STR && op->result.s != NULL); break;
    case HIST_SET:    fits = t == HIST_R_OK; break;
    case HIST_SET_NX: fits = t == HIST_R_INT && (op->result.i == 0 || op->result.i == 1); break;
    case HIST_DEL:    fits = t == HIST_R_INT && op->result.i >= 0; break;
    default:          fits = t == HIST_R_INT || t == HIST_R_ERR; break;
    }
    if (!fits)
        return ss_errf(err, SS_EINVAL, "result does not fit %s with outcome=ok",
                       history_kind_name(op->kind));
    return SS_OK;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *oom = true;
    return d;
}

int history_add(history *h, const hist_op *op, ss_errmsg err)
{
    int rc = history_validate_op(op, err);
    if (rc != SS_OK)
        return rc;
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        hist_op *ops = realloc(h->ops, cap * sizeof *ops);
        if (ops == NULL)
            return ss_errf(err, SS_ENOMEM, "history of %zu ops", h->len);
        h->ops = ops;
        h->cap = cap;
    }
    hist_op copy = *op;
    bool oom = false;
    copy.key = dup_or_null(op->key, &oom);
    copy.value = dup_or_null(op->value, &oom);
    copy.result.s = dup_or_null(op->result.s, &oom);
    if (oom) {
        history_op_release(&copy);
        return ss_errf(err, SS_ENOMEM, "copy op strings");
    }
    h->ops[h->len++] = copy;
    return SS_OK;
}

/* ---- writing ---- */

size_t history_quote(const char *s, char *buf, size_t size)
{
    size_t n = 0;
#define PUT(c) do { if (n + 1 < size) buf[n] = (c); n++; } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c == '\n') {
            PUT('\\'); PUT('n');
        } else if (c == '\t') {
            PUT('\\'); PUT('t');
        } else if (c == '\r') {
            PUT('\\'); PUT('r');
        } else if (c <= ' ' || c >= 0x7f) {
            /* Spaces too, so that a line always splits on spaces. */
            static const char hex[] = "0123456789abcdef";
            PUT('\\'); PUT('x'); PUT(hex[c >> 4]); PUT(hex[c & 15]);
        } else {
            PUT((char)c);
        }
    }
    PUT('"');
#undef PUT
    if (size > 0)
        buf[n < size ? n : size - 1] = '\0';
    return n;
}

/* Appends to buf like snprintf, tracking the length needed. */
typedef struct {
    char *buf;
    size_t size;
    size_t len;
} sbuf;

static void sb_quote(sbuf *b, const char *s)
{
    size_t avail = b->len < b->size ? b->size - b->len : 0;
    b->len += history_quote(s, avail ? b->buf + b->len : NULL, avail);
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    size_t avail = b->len < b->size ? b->size - b->len : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(avail ? b->buf + b->len : NULL, avail, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
}

size_t history_format_op(const hist_op *op, char *buf, size_t size)
{
    sbuf b = { buf, size, 0 };
    if (size > 0)
        buf[0] = '\0';
    sb_printf(&b, "client=%d op=%s key=", op->client, history_kind_name(op->kind));
    sb_quote(&b, op->key ? op->key : "");
    if (op->value != NULL) {
        sb_printf(&b, " value=");
        sb_quote(&b, op->value);
    }
    sb_printf(&b, " invoke=%" PRId64, op->invoke);
    if (!(op->outcome == HIST_UNKNOWN && op->complete == INT64_MAX))
        sb_printf(&b, " complete=%" PRId64, op->complete);
    sb_printf(&b, " outcome=%s", history_outcome_name(op->outcome));
    switch (op->result.type) {
    case HIST_R_NONE: break;
    case HIST_R_NIL: sb_printf(&b, " result=nil"); break;
    case HIST_R_OK:  sb_printf(&b, " result=OK"); break;
    case HIST_R_ERR: sb_printf(&b, " result=error"); break;
    case HIST_R_INT: sb_printf(&b, " result=%" PRId64, op->result.i); break;
    case HIST_R_STR:
        sb_printf(&b, " result=");
        sb_quote(&b, op->result.s ? op->result.s : "");
        break;
    }
    sb_printf(&b, "\n");
    return b.len;
}

int history_write(const history *h, FILE *f, ss_errmsg err)
{
    char small[512];
    for (size_t i = 0; i < h->len; i++) {
        size_t need = history_format_op(&h->ops[i], small, sizeof small);
        char *line = small;
        if (need >= sizeof small) {
            line = malloc(need + 1);
            if (line == NULL)
                return ss_errf(err, SS_ENOMEM, "format op %zu", i + 1);
            history_format_op(&h->ops[i], line, need + 1);
        }
        size_t wrote = fwrite(line, 1, need, f);
        if (line != small)
            free(line);
        if (wrote != need)
            return ss_errf(err, SS_EIO, "write op %zu: %s", i + 1, strerror(errno));
    }
    return SS_OK;
}

int history_save(const history *h, const char *path, ss_errmsg err)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return ss_errf(err, SS_EIO, "open '%s': %s", path, strerror(errno));
    int rc = history_write(h, f, err);
    if (fclose(f) != 0 && rc == SS_OK)
        rc = ss_errf(err, SS_EIO, "close '%s': %s", path, strerror(errno));
    if (rc != SS_OK)
        return ss_errwrap(err, rc, "save '%s'", path);
    return SS_OK;
}

/* RESP request parser: multibulk and inline commands, Redis's limits and errors. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp/resp_internal.h"

struct resp_parser {
    /* Read buffer: bytes [pos, end) are received and not yet parsed. */
    char *buf;
    size_t cap, pos, end;
    size_t cap_peak;
    /* Bytes after pos already searched for the line end (a line arriving a
     * byte per read is searched once, not once per read). */
    size_t scanned;

    long long max_bulk;
    bool authenticated;

    int err;
    char errmsg[64];

    /* The command being assembled (or last returned, if returned is set). */
    resp_cmd *cmd;
    bool returned;
    long long mb_left; /* bulks still to come; 0 between commands */
    long long bulklen; /* length of the bulk being read; -1 before its "$" line */

    /* A big bulk gets its own buffer of bulklen + 2 bytes, filled in place. */
    char *big;
    size_t big_fill;
};

static const char *const error_texts[] = {
#define RESP_ERROR_TEXT(name, text) text,
    RESP_ERRORS(RESP_ERROR_TEXT)
#undef RESP_ERROR_TEXT
};

const char *resp_strerror(int code)
{
    if (code < 0 || code >= RESP_ERROR_COUNT)
        return "unknown error";
    return error_texts[code];
}

/* ------------------------------------------------------------- lifecycle */

resp_parser *resp_parser_new(void)
{
    resp_parser *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->cmd = calloc(1, sizeof(*p->cmd));
    if (!p->cmd) {
        free(p);
        return NULL;
    }
    p->max_bulk = RESP_MAX_BULK_LEN_DEFAULT;
    p->authenticated = true;
    p->bulklen = -1;
    return p;
}

void resp_parser_free(resp_parser *p)
{
    if (!p)
        return;
    resp_cmd_free(p->cmd);
    free(p->big);
    free(p->buf);
    free(p);
}

void resp_parser_set_max_bulk_len(resp_parser *p, long long max)
{
    p->max_bulk = max;
}

void resp_parser_set_authenticated(resp_parser *p, bool authenticated)
{
    p->authenticated = authenticated;
}

/* ----------------------------------------------------------------- input */

int resp_parser_reserve(resp_parser *p, size_t min, char **ptr, size_t *len)
{
    if (p->big && p->big_fill < (size_t)p->bulklen + 2) {
        *ptr = p->big + p->big_fill;
        *len = (size_t)p->bulklen + 2 - p->big_fill;
        return 0;
    }
    if (min == 0)
        min = RESP_READ_SIZE;
    if (p->pos == p->end) {
        p->pos = p->end = p->scanned = 0;
        /* Give back what a burst of pipelined input made us grow to. */
        size_t keep = min > RESP_READ_SIZE ? min : RESP_READ_SIZE;
        if (p->cap > 2 * keep) {
            free(p->buf);
            p->buf = NULL;
            p->cap = 0;
        }
    }
    if (p->cap - p->end < min && p->pos > 0) {
        memmove(p->buf, p->buf + p->pos, p->end - p->pos);
        p->end -= p->pos;
        p->pos = 0;
    }
    if (p->cap - p->end < min) {
        size_t cap = p->cap ? p->cap * 2 : RESP_READ_SIZE;
        if (cap < p->end + min)
            cap = p->end + min;
        char *buf = realloc(p->buf, cap);
        if (!buf)
            return -1;
        p->buf = buf;
        p->cap = cap;
        if (cap > p->cap_peak)
            p->cap_peak = cap;
    }
    *ptr = p->buf + p->end;
    *len = p->cap - p->end;
    return 0;
}

void resp_parser_commit(resp_parser *p, size_t n)
{
    /* Clamped so a caller's miscount cannot move us past the region. */
    if (p->big && p->big_fill < (size_t)p->bulklen + 2) {
        size_t room = (size_t)p->bulklen + 2 - p->big_fill;
        p->big_fill += n < room ? n : room;
    } else {
        p->end += n < p->cap - p->end ? n : p->cap - p->end;
    }
}

int resp_parser_feed(resp_parser *p, const void *data, size_t n)
{
    const char *src = data;
    while (n > 0) {
        char *ptr;
        size_t room;
        if (resp_parser_reserve(p, n, &ptr, &room) != 0)
            return -1;
        size_t k = room < n ? room : n;
        memcpy(ptr, src, k);
        resp_parser_commit(p, k);
        src += k;
        n -= k;
    }
    return 0;
}

size_t resp_parser_buffered(const resp_parser *p)
{
    return p->end - p->pos + (p->big ? p->big_fill : 0);
}

/* The parsed arguments: their bytes with NULs, and the argv slots. */
static size_t argv_memory(const resp_cmd *cmd)
{
    return cmd->bytes + (size_t)cmd->argc + (size_t)cmd->cap * (sizeof(char *) + sizeof(size_t));
}

size_t resp_parser_memory(const resp_parser *p)
{
    return resp_parser_buffered(p) + argv_memory(p->cmd);
}

void resp_parser_get_usage(const resp_parser *p, resp_parser_usage *u)
{
    u->qbuf = resp_parser_buffered(p);
    u->qbuf_free = p->cap - p->end;
    u->argv_mem = p->cmd->bytes;
    u->rbs = p->cap;
    u->rbp = p->cap_peak;
    u->total = p->cap + (p->big ? p->big_fill : 0) + argv_memory(p->cmd);
}

/* Marks n more bytes as parsed. */
static void consume(resp_parser *p, size_t n)
{
    p->pos += n;
    p->scanned = 0;
}

/* ---------------------------------------------------------------- errors */

static resp_result fail(resp_parser *p, int code)
{
    p->err = code;
    if (code == RESP_EEXPECTED_DOLLAR)
        snprintf(p->errmsg, sizeof(p->errmsg), "Protocol error: expected '$', got '%c'",
                 p->buf[p->pos]);
    else
        snprintf(p->errmsg, sizeof(p->errmsg), "%s", resp_strerror(code));
    /* The byte after "got" may be a CR or LF; replies carry them as spaces. */
    for (char *c = p->errmsg; *c; c++)
        if (*c == '\r' || *c == '\n')
            *c = ' ';
    return RESP_ERROR;
}

int resp_parser_error(const resp_parser *p)
{
    return p->err;
}

const char *resp_parser_errmsg(const resp_parser *p)
{
    return p->err ? p->errmsg : resp_strerror(RESP_EOK);
}

int resp_parser_add_error(const resp_parser *p, ss_buf *out)
{
    return resp_add_errorf(out, "ERR %s", resp_parser_errmsg(p));
}

/* --------------------------------------------------------------- parsing */

/* redis' string2ll: optional '-', no '+', no leading zeros, no blanks. */
static bool parse_ll(const char *s, size_t len, long long *out)
{
    if (len == 0 || len >= 21)
        return false;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    size_t i = 0;
    bool neg = s[0] == '-';
    if (neg && ++i == len)
        return false;
    if (s[i] < '1' || s[i] > '9')
        return false;
    unsigned long long v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (ULLONG_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return false;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > LLONG_MAX)
            return false;
        *out = (long long)v;
    }
    return true;
}

/*
 * Finds the line end c among the unparsed bytes. Only the first
 * RESP_INLINE_MAX_SIZE + 1 bytes are searched, so a line is refused as too big
 * however the bytes were split into reads (redis decides on whatever is
 * buffered when a read ends). Returns RESP_CMD with *off set, RESP_NEED_MORE,
 * or fails with too_big.
 */
static resp_result find_line(resp_parser *p, char c, int too_big, size_t *off)
{
    size_t avail = p->end - p->pos;
    size_t scan = avail < RESP_INLINE_MAX_SIZE + 1 ? avail : RESP_INLINE_MAX_SIZE + 1;
    /* What was scanned before holds no line end: every line's terminator is
     * searched from pos, and an unfinished line stays the only thing at pos. */
    size_t from = p->scanned < scan ? p->scanned : scan;
    const char *nl = memchr(p->buf + p->pos + from, c, scan - from);
    if (!nl) {
        p->scanned = scan;
        return avail > RESP_INLINE_MAX_SIZE ? fail(p, too_big) : RESP_NEED_MORE;
    }
    *off = (size_t)(nl - (p->buf + p->pos));
    return RESP_CMD;
}

static resp_result read_inline(resp_parser *p)
{
    size_t off;
    resp_result r = find_line(p, '\n', RESP_EINLINE_TOOBIG, &off);
    if (r != RESP_CMD)
        return r;
    size_t len = off;
    if (len > 0 && p->buf[p->pos + len - 1] == '\r')
        len--;
    int rc = resp_split_inline(p->cmd, p->buf + p->pos, len);
    if (rc != RESP_EOK) {
        resp_cmd_clear(p->cmd);
        return fail(p, rc);
    }
    consume(p, off + 1);
    return RESP_CMD;
}

/* A "*N" or "$N" line: redis looks for '\r' and skips it and the byte after. */
static resp_result read_count(resp_parser *p, int too_big, size_t *off)
{
    resp_result r = find_line(p, '\r', too_big, off);
    if (r == RESP_CMD && *off + 2 > p->end - p->pos)
        return RESP_NEED_MORE;
    return r;
}

static resp_result read_multibulk_len(resp_parser *p)
{
    size_t off;
    resp_result r = read_count(p, RESP_EMBULK_TOOBIG, &off);
    if (r != RESP_CMD)
        return r;
    long long n;
    if (!parse_ll(p->buf + p->pos + 1, off - 1, &n) || n > INT_MAX)
        return fail(p, RESP_EMBULK_LEN);
    if (n > RESP_UNAUTH_MAX_MULTIBULK && !p->authenticated)
        return fail(p, RESP_EMBULK_UNAUTH);
    consume(p, off + 2);
    p->mb_left = n > 0 ? n : 0; /* "*0" and "*-1" are skipped */
    return RESP_CMD;
}

static resp_result read_bulk_len(resp_parser *p)
{
    size_t off;
    resp_result r = read_count(p, RESP_EBULK_TOOBIG, &off);
    if (r != RESP_CMD)
        return r;
    if (p->buf[p->pos] != '$')
        return fail(p, RESP_EEXPECTED_DOLLAR);
    long long n;
    if (!parse_ll(p->buf + p->pos + 1, off - 1, &n) || n < 0 || n > p->max_bulk)
        return fail(p, RESP_EBULK_LEN);
    if (n > RESP_UNAUTH_MAX_BULK && !p->authenticated)
        return fail(p, RESP_EBULK_UNAUTH);
    consume(p, off + 2);
    p->bulklen = n;
    if (n < RESP_BIG_ARG)
        return RESP_CMD;
    /* Big argument: one buffer sized from the declared length; later reads
     * land in it directly (resp_parser_reserve). malloc leaves untouched pages
     * unbacked, so a declared length that never arrives costs little. */
    size_t want = (size_t)n + 2;
    p->big = malloc(want);
    if (!p->big)
        return fail(p, RESP_ENOMEM);
    size_t have = p->end - p->pos < want ? p->end - p->pos : want;
    memcpy(p->big, p->buf + p->pos, have);
    p->big_fill = have;
    consume(p, have);
    return RESP_CMD;
}

/* Reads bulks until the command is complete (RESP_CMD) or input runs out.
 * Like redis, the two bytes after a bulk's data are skipped unchecked. */
static resp_result read_bulks(resp_parser *p)
{
    while (p->mb_left > 0) {
        if (p->big) {
            if (p->big_fill < (size_t)p->bulklen + 2)
                return RESP_NEED_MORE;
            p->big[p->bulklen] = '\0';
            if (resp_cmd_push(p->cmd, p->big, (size_t)p->bulklen, p->mb_left) != 0)
                return fail(p, RESP_ENOMEM);
            p->big = NULL;
            p->big_fill = 0;
        } else if (p->bulklen < 0) {
            resp_result r = read_bulk_len(p);
            if (r != RESP_CMD)
                return r;
            continue;
        } else {
            if (p->end - p->pos < (size_t)p->bulklen + 2)
                return RESP_NEED_MORE;
            if (resp_cmd_push_copy(p->cmd, p->buf + p->pos, (size_t)p->bulklen, p->mb_left) != 0)
                return fail(p, RESP_ENOMEM);
            consume(p, (size_t)p->bulklen + 2);
        }
        p->bulklen = -1;
        p->mb_left--;
    }
    return RESP_CMD;
}

resp_result resp_parser_next(resp_parser *p, resp_cmd **cmd)
{
    if (p->err)
        return RESP_ERROR;
    if (p->returned) {
        resp_cmd_clear(p->cmd);
        p->returned = false;
    }
    for (;;) {
        resp_result r;
        if (p->mb_left == 0) {
            if (p->pos == p->end) {
                p->pos = p->end = p->scanned = 0;
                return RESP_NEED_MORE;
            }
            if (p->buf[p->pos] != '*') {
                if ((r = read_inline(p)) != RESP_CMD)
                    return r;
                if (p->cmd->argc == 0)
                    continue; /* empty line */
                break;
            }
            if ((r = read_multibulk_len(p)) != RESP_CMD)
                return r;
            if (p->mb_left == 0)
                continue;
        }
        if ((r = read_bulks(p)) != RESP_CMD)
            return r;
        break;
    }
    p->returned = true;
    *cmd = p->cmd;
    return RESP_CMD;
}

resp_cmd *resp_parser_steal(resp_parser *p)
{
    if (!p->returned)
        return NULL;
    resp_cmd *fresh = calloc(1, sizeof(*fresh));
    if (!fresh)
        return NULL;
    resp_cmd *taken = p->cmd;
    p->cmd = fresh;
    p->returned = false;
    return taken;
}

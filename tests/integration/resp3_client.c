/* A raw RESP3 client for tests: commands out on a plain socket, every reply type parsed into a tree and written back byte for byte. */
#include "integration/resp3_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define R3_MAX_DEPTH 64
#define R3_MAX_ELEMENTS (1 << 24)
#define R3_MAX_BLOB (512LL << 20)
#define R3_MAX_ARGS 1024

struct r3_conn {
    int fd;
    int timeout_ms;
    char *buf;
    size_t len, off, cap;
    char err[128];
};

r3_conn *r3_connect(int port, int timeout_ms)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    r3_conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->timeout_ms = timeout_ms;
    return c;
}

void r3_close(r3_conn *c)
{
    if (!c)
        return;
    close(c->fd);
    free(c->buf);
    free(c);
}

const char *r3_error(const r3_conn *c) { return c->err; }

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

bool r3_send(r3_conn *c, int argc, const char *const *argv, const size_t *lens)
{
    size_t total = 32;
    for (int i = 0; i < argc; i++)
        total += (lens ? lens[i] : strlen(argv[i])) + 32;
    char *out = malloc(total);
    if (!out)
        return false;
    size_t n = (size_t)snprintf(out, total, "*%d\r\n", argc);
    for (int i = 0; i < argc; i++) {
        size_t l = lens ? lens[i] : strlen(argv[i]);
        n += (size_t)snprintf(out + n, total - n, "$%zu\r\n", l);
        memcpy(out + n, argv[i], l);
        n += l;
        out[n++] = '\r';
        out[n++] = '\n';
    }
    bool ok = write_all(c->fd, out, n);
    free(out);
    return ok;
}

/* Makes at least want bytes available from c->off; false on close/timeout. */
static bool fill(r3_conn *c, size_t want)
{
    while (c->len - c->off < want) {
        if (c->off > 0 && c->off == c->len) {
            c->off = c->len = 0;
        }
        if (c->cap - c->len < 65536) {
            if (c->off > 0) {
                memmove(c->buf, c->buf + c->off, c->len - c->off);
                c->len -= c->off;
                c->off = 0;
            }
            if (c->cap - c->len < 65536) {
                size_t cap = c->cap ? c->cap * 2 : 131072;
                char *nb = realloc(c->buf, cap);
                if (!nb) {
                    snprintf(c->err, sizeof c->err, "out of memory");
                    return false;
                }
                c->buf = nb;
                c->cap = cap;
            }
        }
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int pr = poll(&p, 1, c->timeout_ms);
        if (pr == 0) {
            snprintf(c->err, sizeof c->err, "timed out waiting for a reply");
            return false;
        }
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            snprintf(c->err, sizeof c->err, "poll: %s", strerror(errno));
            return false;
        }
        ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(c->err, sizeof c->err, "connection closed");
            return false;
        }
        c->len += (size_t)r;
    }
    return true;
}

/* The next line (without CRLF) at c->off; *n its length. NULL on failure. */
static const char *line(r3_conn *c, size_t *n)
{
    size_t scanned = 0;
    for (;;) {
        const char *start = c->buf ? c->buf + c->off : NULL;
        size_t avail = c->len - c->off;
        for (size_t i = scanned; i + 1 < avail; i++) {
            if (start[i] == '\r' && start[i + 1] == '\n') {
                *n = i;
                c->off += i + 2;
                return start;
            }
        }
        scanned = avail ? avail - 1 : 0;
        if (avail > 65536) {
            snprintf(c->err, sizeof c->err, "a line longer than 64 KiB");
            return NULL;
        }
        if (!fill(c, avail + 1))
            return NULL;
    }
}

static bool parse_ll(const char *s, size_t n, long long *v)
{
    char tmp[32];
    if (n == 0 || n >= sizeof tmp)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    *v = strtoll(tmp, &end, 10);
    return errno == 0 && *end == '\0';
}

static r3_reply *read_reply(r3_conn *c, int depth);

static r3_reply *fail(r3_conn *c, r3_reply *r, const char *why)
{
    if (why)
        snprintf(c->err, sizeof c->err, "%s", why);
    r3_free(r);
    return NULL;
}

static r3_reply *read_one(r3_conn *c, int depth)
{
    if (depth > R3_MAX_DEPTH)
        return fail(c, NULL, "replies nested too deep");
    size_t n;
    const char *l = line(c, &n);
    if (!l)
        return NULL;
    if (n == 0)
        return fail(c, NULL, "an empty line where a reply should start");
    r3_reply *r = calloc(1, sizeof *r);
    if (!r)
        return fail(c, NULL, "out of memory");
    r->type = l[0];
    long long count;
    switch (r->type) {
    case '+': case '-': case ':': case ',': case '#': case '(': case '_':
        r->str = malloc(n);
        if (!r->str)
            return fail(c, r, "out of memory");
        memcpy(r->str, l + 1, n - 1);
        r->str[n - 1] = '\0';
        r->len = n - 1;
        return r;
    case '$': case '=': case '!':
        if (!parse_ll(l + 1, n - 1, &count) || count < -1 || count > R3_MAX_BLOB)
            return fail(c, r, "a bad blob length");
        if (count == -1) {
            if (r->type != '$')
                return fail(c, r, "a null that is not a bulk");
            r->null = true;
            return r;
        }
        if (!fill(c, (size_t)count + 2))
            return fail(c, r, NULL);
        if (c->buf[c->off + (size_t)count] != '\r' || c->buf[c->off + (size_t)count + 1] != '\n')
            return fail(c, r, "a blob not ended by CRLF");
        r->str = malloc((size_t)count + 1);
        if (!r->str)
            return fail(c, r, "out of memory");
        memcpy(r->str, c->buf + c->off, (size_t)count);
        r->str[count] = '\0';
        r->len = (size_t)count;
        c->off += (size_t)count + 2;
        return r;
    case '*': case '%': case '~': case '>': case '|':
        if (!parse_ll(l + 1, n - 1, &count) || count < -1 || count > R3_MAX_ELEMENTS)
            return fail(c, r, "a bad aggregate length");
        if (count == -1) {
            if (r->type != '*')
                return fail(c, r, "a null that is not an array");
            r->null = true;
            return r;
        }
        if (r->type == '%' || r->type == '|')
            count *= 2;
        r->elem = count ? calloc((size_t)count, sizeof *r->elem) : NULL;
        if (count && !r->elem)
            return fail(c, r, "out of memory");
        for (long long i = 0; i < count; i++) {
            r->elem[i] = read_reply(c, depth + 1);
            if (!r->elem[i])
                return fail(c, r, NULL);
            r->n++;
        }
        return r;
    default:
        return fail(c, r, "an unknown reply type");
    }
}

/* A reply, with the attribute that may precede it. */
static r3_reply *read_reply(r3_conn *c, int depth)
{
    r3_reply *r = read_one(c, depth);
    if (r && r->type == '|') {
        r3_reply *next = read_reply(c, depth);
        if (!next)
            return fail(c, r, NULL);
        next->attr = r;
        return next;
    }
    return r;
}

r3_reply *r3_read(r3_conn *c)
{
    c->err[0] = '\0';
    return read_reply(c, 0);
}

r3_reply *r3_command(r3_conn *c, int argc, const char *const *argv, const size_t *lens)
{
    if (!r3_send(c, argc, argv, lens)) {
        snprintf(c->err, sizeof c->err, "could not send");
        return NULL;
    }
    return r3_read(c);
}

int r3_split(const char *l, const char **argv, size_t *lens, int max, char **mem)
{
    size_t n = strlen(l);
    char *copy = malloc(n + 1);
    *mem = copy;
    if (!copy)
        return 0;
    int argc = 0;
    size_t w = 0;
    const char *p = l;
    while (*p && argc < max) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char *start = copy + w;
        if (*p == '"') {
            p++;
            while (*p && *p != '"')
                copy[w++] = *p++;
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ' ')
                copy[w++] = *p++;
        }
        lens[argc] = (size_t)(copy + w - start);
        copy[w++] = '\0';
        argv[argc++] = start;
    }
    return argc;
}

r3_reply *r3_line(r3_conn *c, const char *l)
{
    const char *argv[R3_MAX_ARGS];
    size_t lens[R3_MAX_ARGS];
    char *mem;
    int argc = r3_split(l, argv, lens, R3_MAX_ARGS, &mem);
    r3_reply *r = argc ? r3_command(c, argc, argv, lens) : NULL;
    free(mem);
    return r;
}

void r3_free(r3_reply *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        r3_free(r->elem[i]);
    free(r->elem);
    free(r->str);
    r3_free(r->attr);
    free(r);
}

static bool put(char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 256;
        while (*len + n + 1 > nc)
            nc *= 2;
        char *nb = realloc(*buf, nc);
        if (!nb)
            return false;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
    return true;
}

bool r3_write(const r3_reply *r, char **buf, size_t *len, size_t *cap)
{
    char head[48];
    if (r->attr && !r3_write(r->attr, buf, len, cap))
        return false;
    switch (r->type) {
    case '$': case '=': case '!':
        if (r->null)
            return put(buf, len, cap, "$-1\r\n", 5);
        snprintf(head, sizeof head, "%c%zu\r\n", r->type, r->len);
        return put(buf, len, cap, head, strlen(head)) && put(buf, len, cap, r->str, r->len) &&
               put(buf, len, cap, "\r\n", 2);
    case '*': case '%': case '~': case '>': case '|': {
        if (r->null)
            return put(buf, len, cap, "*-1\r\n", 5);
        size_t shown = (r->type == '%' || r->type == '|') ? r->n / 2 : r->n;
        snprintf(head, sizeof head, "%c%zu\r\n", r->type, shown);
        if (!put(buf, len, cap, head, strlen(head)))
            return false;
        for (size_t i = 0; i < r->n; i++)
            if (!r3_write(r->elem[i], buf, len, cap))
                return false;
        return true;
    }
    default:
        return put(buf, len, cap, &r->type, 1) && put(buf, len, cap, r->str, r->len) &&
               put(buf, len, cap, "\r\n", 2);
    }
}

char *r3_show(const r3_reply *r, size_t max)
{
    char *wire = NULL;
    size_t len = 0, cap = 0;
    if (!r3_write(r, &wire, &len, &cap)) {
        free(wire);
        return NULL;
    }
    size_t shown = len < max ? len : max;
    char *out = malloc(shown * 4 + 8);
    if (!out) {
        free(wire);
        return NULL;
    }
    size_t w = 0;
    for (size_t i = 0; i < shown; i++) {
        unsigned char ch = (unsigned char)wire[i];
        if (ch == '\r') {
            out[w++] = '\\';
            out[w++] = 'r';
        } else if (ch == '\n') {
            out[w++] = '\\';
            out[w++] = 'n';
        } else if (ch < 0x20 || ch >= 0x7f) {
            w += (size_t)sprintf(out + w, "\\x%02x", ch);
        } else {
            out[w++] = (char)ch;
        }
    }
    if (shown < len)
        w += (size_t)sprintf(out + w, "...");
    out[w] = '\0';
    free(wire);
    return out;
}

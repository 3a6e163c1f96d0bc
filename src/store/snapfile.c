/* Snapshot files: streaming writer from a store view, streaming reader and checker. */
#include "store/snapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "store/store_internal.h"

#define MAGIC "SANDSNAP"
#define TAG_RECORD 0x01
#define TAG_TRAILER 0xFF
#define RECORD_HEAD 13 /* tag, key length, value length */
#define IO_BUF (1u << 20)

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* ---- writing ---- */

typedef struct {
    int fd;
    const char *path;
    unsigned char *buf;
    size_t len;
    uint64_t off; /* bytes handed to add so far */
    uint32_t crc; /* over those bytes */
} writer;

static int write_all(writer *w, const void *data, size_t n, char *errmsg)
{
    const char *p = data;
    while (n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return ss_errf(errmsg, SS_EIO, "write snapshot '%s': %s", w->path, strerror(errno));
        p += k;
        n -= (size_t)k;
    }
    return SS_OK;
}

static int flush(writer *w, char *errmsg)
{
    int rc = write_all(w, w->buf, w->len, errmsg);
    w->len = 0;
    return rc;
}

/* Buffers small pieces; pieces as big as the buffer go straight to the file. */
static int add(writer *w, const void *data, size_t n, char *errmsg)
{
    w->crc = ss_crc32c(w->crc, data, n);
    w->off += n;
    if (w->len + n <= IO_BUF) {
        memcpy(w->buf + w->len, data, n);
        w->len += n;
        return SS_OK;
    }
    int rc = flush(w, errmsg);
    if (rc != SS_OK)
        return rc;
    if (n >= IO_BUF)
        return write_all(w, data, n, errmsg);
    memcpy(w->buf, data, n);
    w->len = n;
    return SS_OK;
}

static void encode_header(unsigned char *h, uint64_t index, uint64_t term)
{
    memcpy(h, MAGIC, 8);
    put_u32(h + 8, SS_SNAPFILE_VERSION);
    put_u32(h + 12, 0);
    put_u64(h + 16, index);
    put_u64(h + 24, term);
    put_u32(h + 32, ss_crc32c(0, h, 32));
}

static int write_records(writer *w, ss_store_snapshot *snap, uint64_t *count, char *errmsg)
{
    int rc = SS_OK;
    for (ss_store_snapshot_seek_first(snap); ss_store_snapshot_valid(snap);
         ss_store_snapshot_next(snap)) {
        ss_slice k = ss_store_snapshot_key(snap);
        ss_slice v = ss_store_snapshot_value(snap);
        if ((uint64_t)k.len + v.len > SS_SNAPFILE_MAX_RECORD)
            return ss_errf(errmsg, SS_ETOOBIG, "write snapshot '%s': a record of %zu bytes",
                           w->path, k.len + v.len);
        unsigned char head[RECORD_HEAD];
        head[0] = TAG_RECORD;
        put_u32(head + 1, (uint32_t)k.len);
        put_u64(head + 5, v.len);
        if ((rc = add(w, head, sizeof head, errmsg)) != SS_OK ||
            (rc = add(w, k.data, k.len, errmsg)) != SS_OK ||
            (rc = add(w, v.data, v.len, errmsg)) != SS_OK)
            return rc;
        (*count)++;
    }
    if ((rc = ss_store_snapshot_status(snap, errmsg)) != SS_OK)
        return ss_errwrap(errmsg, rc, "write snapshot '%s'", w->path);
    return SS_OK;
}

static int write_file(writer *w, ss_store_snapshot *snap, uint64_t term, uint64_t *count,
                      char *errmsg)
{
    unsigned char h[SS_SNAPFILE_HEADER_SIZE];
    encode_header(h, ss_store_snapshot_index(snap), term);
    int rc = add(w, h, sizeof h, errmsg);
    if (rc == SS_OK)
        rc = write_records(w, snap, count, errmsg);
    if (rc != SS_OK)
        return rc;
    unsigned char t[SS_SNAPFILE_TRAILER_SIZE];
    t[0] = TAG_TRAILER;
    put_u64(t + 1, *count);
    put_u64(t + 9, w->off);
    put_u32(t + 17, w->crc);
    if ((rc = add(w, t, sizeof t, errmsg)) != SS_OK || (rc = flush(w, errmsg)) != SS_OK)
        return rc;
    if (fsync(w->fd) != 0)
        return ss_errf(errmsg, SS_EIO, "fsync snapshot '%s': %s", w->path, strerror(errno));
    return SS_OK;
}

int ss_store_snapshot_write(ss_store_snapshot *snap, uint64_t term, const char *path,
                            uint64_t *bytes, uint64_t *keys, char *errmsg)
{
    writer w = { .fd = -1, .path = path };
    w.buf = malloc(IO_BUF);
    if (w.buf == NULL)
        return ss_errf(errmsg, SS_ENOMEM, "write snapshot '%s': out of memory", path);
    w.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w.fd < 0) {
        int e = errno;
        free(w.buf);
        return ss_errf(errmsg, SS_EIO, "create snapshot '%s': %s", path, strerror(e));
    }
    uint64_t count = 0;
    int rc = write_file(&w, snap, term, &count, errmsg);
    if (close(w.fd) != 0 && rc == SS_OK)
        rc = ss_errf(errmsg, SS_EIO, "close snapshot '%s': %s", path, strerror(errno));
    free(w.buf);
    if (rc != SS_OK) {
        unlink(path);
        return rc;
    }
    if (bytes != NULL)
        *bytes = w.off;
    if (keys != NULL)
        *keys = count;
    return SS_OK;
}

/* ---- reading ---- */

typedef struct {
    int fd;
    const char *path;
    unsigned char *buf;
    size_t pos, len; /* unread bytes are buf[pos, len) */
    uint64_t off;    /* file offset of buf[pos] */
    uint64_t size;   /* file size at open */
    uint32_t crc;    /* over the bytes consumed so far */
} reader;

static int bad(const reader *r, uint64_t off, char *errmsg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int bad(const reader *r, uint64_t off, char *errmsg, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ss_errf(errmsg, SS_ECORRUPT, "snapshot '%s' at offset %llu: %s", r->path,
                   (unsigned long long)off, what);
}

/* Refills the (empty) buffer. */
static int fill(reader *r, char *errmsg)
{
    r->pos = r->len = 0;
    for (;;) {
        ssize_t k = read(r->fd, r->buf, IO_BUF);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return ss_errf(errmsg, SS_EIO, "read snapshot '%s': %s", r->path, strerror(errno));
        if (k == 0) /* the file shrank since the size checks */
            return bad(r, r->off, errmsg, "truncated");
        r->len = (size_t)k;
        return SS_OK;
    }
}

/* Consumes n bytes into dst (NULL: skip them), extending the CRC if crc. */
static int take(reader *r, void *dst, uint64_t n, bool crc, char *errmsg)
{
    unsigned char *d = dst;
    while (n > 0) {
        if (r->pos == r->len) {
            int rc = fill(r, errmsg);
            if (rc != SS_OK)
                return rc;
        }
        size_t k = r->len - r->pos;
        if (k > n)
            k = (size_t)n;
        if (crc)
            r->crc = ss_crc32c(r->crc, r->buf + r->pos, k);
        if (d != NULL) {
            memcpy(d, r->buf + r->pos, k);
            d += k;
        }
        r->pos += k;
        r->off += k;
        n -= k;
    }
    return SS_OK;
}

static int reader_open(reader *r, const char *path, char *errmsg)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return ss_errf(errmsg, errno == ENOENT ? SS_ENOTFOUND : SS_EIO, "open snapshot '%s': %s",
                       path, strerror(errno));
    struct stat st;
    if (fstat(r->fd, &st) != 0 || (r->buf = malloc(IO_BUF)) == NULL) {
        int rc = ss_errf(errmsg, SS_EIO, "read snapshot '%s': %s", path, strerror(errno));
        close(r->fd);
        return rc;
    }
    r->size = (uint64_t)st.st_size;
    return SS_OK;
}

static void reader_close(reader *r)
{
    close(r->fd);
    free(r->buf);
}

static int read_header(reader *r, uint64_t *index, uint64_t *term, char *errmsg)
{
    if (r->size < SS_SNAPFILE_HEADER_SIZE)
        return bad(r, r->size, errmsg, "truncated in the header");
    unsigned char h[SS_SNAPFILE_HEADER_SIZE];
    int rc = take(r, h, sizeof h, true, errmsg);
    if (rc != SS_OK)
        return rc;
    if (memcmp(h, MAGIC, 8) != 0)
        return bad(r, 0, errmsg, "bad magic");
    if (get_u32(h + 8) != SS_SNAPFILE_VERSION)
        return bad(r, 8, errmsg, "format version %u, expected %d", get_u32(h + 8),
                   SS_SNAPFILE_VERSION);
    if (get_u32(h + 32) != ss_crc32c(0, h, 32))
        return bad(r, 32, errmsg, "header crc mismatch");
    if (get_u32(h + 12) != 0)
        return bad(r, 12, errmsg, "unknown flags 0x%x", get_u32(h + 12));
    if (index != NULL)
        *index = get_u64(h + 16);
    if (term != NULL)
        *term = get_u64(h + 24);
    return SS_OK;
}

int ss_store_snapfile_info(const char *path, uint64_t *index, uint64_t *term, char *errmsg)
{
    reader r;
    int rc = reader_open(&r, path, errmsg);
    if (rc != SS_OK)
        return rc;
    rc = read_header(&r, index, term, errmsg);
    reader_close(&r);
    return rc;
}

/* The trailer, whose tag at offset at was just read; crc is the CRC of every
 * byte before the tag. */
static int read_trailer(reader *r, uint64_t at, uint32_t crc, uint64_t records, char *errmsg)
{
    if (r->size - at < SS_SNAPFILE_TRAILER_SIZE)
        return bad(r, at, errmsg, "truncated in the trailer");
    unsigned char t[SS_SNAPFILE_TRAILER_SIZE - 1];
    int rc = take(r, t, sizeof t, false, errmsg);
    if (rc != SS_OK)
        return rc;
    if (get_u64(t) != records)
        return bad(r, at + 1, errmsg, "trailer counts %llu records, the file holds %llu",
                   (unsigned long long)get_u64(t), (unsigned long long)records);
    if (get_u64(t + 8) != at)
        return bad(r, at + 9, errmsg, "trailer length %llu, expected %llu",
                   (unsigned long long)get_u64(t + 8), (unsigned long long)at);
    if (get_u32(t + 16) != crc)
        return bad(r, at + 17, errmsg, "crc mismatch (file damaged before offset %llu)",
                   (unsigned long long)at);
    if (r->size != at + SS_SNAPFILE_TRAILER_SIZE)
        return bad(r, at + SS_SNAPFILE_TRAILER_SIZE, errmsg, "%llu bytes after the trailer",
                   (unsigned long long)(r->size - at - SS_SNAPFILE_TRAILER_SIZE));
    return SS_OK;
}

typedef struct {
    char *p;
    size_t cap;
} recbuf;

/* Reads the key and value of a record into rb (bounded by the length checks
 * against the file size and SS_SNAPFILE_MAX_RECORD) and hands them to fn. */
static int deliver(reader *r, recbuf *rb, uint64_t klen, uint64_t vlen,
                   snapfile_record_fn fn, void *ud, char *errmsg)
{
    size_t need = (size_t)(klen + vlen);
    /* Allocated even for an empty record, so fn never gets NULL + 0 (found by
     * the snapfile fuzzer: a record with an empty key and an empty value). */
    if (rb->p == NULL || need > rb->cap ||
        (rb->cap > ((size_t)64 << 20) && need < rb->cap / 4)) {
        free(rb->p); /* a huge value's buffer is not kept for the small ones after it */
        rb->cap = need > 4096 ? need : 4096;
        if ((rb->p = malloc(rb->cap)) == NULL) {
            rb->cap = 0;
            return ss_errf(errmsg, SS_ENOMEM, "read snapshot '%s': a record of %zu bytes",
                           r->path, need);
        }
    }
    int rc = take(r, rb->p, need, true, errmsg);
    if (rc != SS_OK)
        return rc;
    return fn(ud, rb->p, (size_t)klen, rb->p + klen, (size_t)vlen, errmsg);
}

static int read_records(reader *r, snapfile_record_fn fn, void *ud, uint64_t *records,
                        char *errmsg)
{
    recbuf rb = { NULL, 0 };
    int rc = SS_OK;
    for (;;) {
        uint64_t at = r->off;
        uint32_t crc = r->crc;
        unsigned char head[RECORD_HEAD];
        if (at >= r->size) {
            rc = bad(r, at, errmsg, "truncated: no trailer");
            break;
        }
        if ((rc = take(r, head, 1, true, errmsg)) != SS_OK)
            break;
        if (head[0] == TAG_TRAILER) {
            rc = read_trailer(r, at, crc, *records, errmsg);
            break;
        }
        if (head[0] != TAG_RECORD) {
            rc = bad(r, at, errmsg, "bad record tag 0x%02x", head[0]);
            break;
        }
        if (r->size - at < RECORD_HEAD + SS_SNAPFILE_TRAILER_SIZE) {
            rc = bad(r, at, errmsg, "truncated in a record");
            break;
        }
        if ((rc = take(r, head + 1, RECORD_HEAD - 1, true, errmsg)) != SS_OK)
            break;
        uint64_t klen = get_u32(head + 1), vlen = get_u64(head + 5);
        uint64_t room = r->size - at - RECORD_HEAD - SS_SNAPFILE_TRAILER_SIZE;
        if (vlen > SS_SNAPFILE_MAX_RECORD || klen + vlen > SS_SNAPFILE_MAX_RECORD ||
            klen + vlen > room) {
            rc = bad(r, at + 1, errmsg, "record lengths %llu+%llu overrun the file",
                     (unsigned long long)klen, (unsigned long long)vlen);
            break;
        }
        if (fn == NULL)
            rc = take(r, NULL, klen + vlen, true, errmsg);
        else
            rc = deliver(r, &rb, klen, vlen, fn, ud, errmsg);
        if (rc != SS_OK)
            break;
        (*records)++;
    }
    free(rb.p);
    return rc;
}

int snapfile_read(const char *path, snapfile_record_fn fn, void *ud, uint64_t *index,
                  uint64_t *term, uint64_t *records, char *errmsg)
{
    reader r;
    int rc = reader_open(&r, path, errmsg);
    if (rc != SS_OK)
        return rc;
    uint64_t n = 0;
    rc = read_header(&r, index, term, errmsg);
    if (rc == SS_OK)
        rc = read_records(&r, fn, ud, &n, errmsg);
    reader_close(&r);
    if (records != NULL)
        *records = n;
    return rc;
}

int ss_store_snapfile_verify(const char *path, uint64_t *index, uint64_t *term, char *errmsg)
{
    return snapfile_read(path, NULL, NULL, index, term, NULL, errmsg);
}

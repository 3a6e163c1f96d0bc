/* The Raft log entry of a write: encoding and strict decoding. */
#include "engine/entry.h"

#include <stdlib.h>
#include <string.h>

static int put_u8(ss_buf *b, uint8_t v) { return ss_buf_append(b, &v, 1); }

static int put_u32(ss_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return ss_buf_append(b, p, 4);
}

static int put_u64(ss_buf *b, uint64_t v)
{
    uint8_t p[8];
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return ss_buf_append(b, p, 8);
}

int ss_entry_begin(ss_buf *b, const ss_entry_header *h, uint32_t ncmds)
{
    put_u8(b, SS_ENTRY_VERSION);
    put_u8(b, h->flags);
    put_u64(b, h->origin_node);
    put_u64(b, h->origin_boot);
    put_u64(b, h->seq);
    put_u64(b, (uint64_t)h->time_ms);
    put_u64(b, h->seed);
    put_u8(b, h->db);
    return put_u32(b, ncmds);
}

int ss_entry_add_cmd(ss_buf *b, const ss_args *a)
{
    put_u32(b, (uint32_t)a->argc);
    for (int i = 0; i < a->argc; i++) {
        put_u32(b, (uint32_t)a->argvlen[i]);
        ss_buf_append(b, a->argv[i], a->argvlen[i]);
    }
    return ss_buf_error(b);
}

typedef struct {
    const uint8_t *p;
    size_t left;
} reader;

static bool get(reader *r, void *out, size_t n)
{
    if (r->left < n)
        return false;
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return true;
}

static bool get_u32(reader *r, uint32_t *v)
{
    uint8_t p[4];
    if (!get(r, p, 4))
        return false;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return true;
}

static bool get_u64(reader *r, uint64_t *v)
{
    uint8_t p[8];
    if (!get(r, p, 8))
        return false;
    *v = 0;
    for (int i = 0; i < 8; i++)
        *v |= (uint64_t)p[i] << (8 * i);
    return true;
}

/* First pass: validate the structure and count what the second pass needs,
 * so the decoded entry lives in one allocation. */
static int measure(reader r, uint32_t ncmds, size_t *nargs, size_t *bytes, char *errmsg)
{
    *nargs = 0;
    *bytes = 0;
    for (uint32_t c = 0; c < ncmds; c++) {
        uint32_t argc;
        if (!get_u32(&r, &argc) || argc == 0 || argc > SS_ENTRY_MAX_ARGS)
            return ss_errf(errmsg, SS_ECORRUPT, "entry command %u: bad argument count", c);
        for (uint32_t i = 0; i < argc; i++) {
            uint32_t len;
            if (!get_u32(&r, &len) || len > r.left)
                return ss_errf(errmsg, SS_ECORRUPT, "entry command %u argument %u: bad length", c, i);
            r.p += len;
            r.left -= len;
            *bytes += (size_t)len + 1;
        }
        *nargs += argc;
    }
    if (r.left != 0)
        return ss_errf(errmsg, SS_ECORRUPT, "entry has %zu trailing bytes", r.left);
    return SS_OK;
}

int ss_entry_decode(const void *data, size_t len, ss_entry *out, char *errmsg)
{
    memset(out, 0, sizeof *out);
    reader r = {data, len};
    uint8_t version, flags, db;
    uint64_t t;
    if (!get(&r, &version, 1) || version != SS_ENTRY_VERSION)
        return ss_errf(errmsg, SS_ECORRUPT, "entry: unknown format version");
    if (!get(&r, &flags, 1) || !get_u64(&r, &out->h.origin_node) || !get_u64(&r, &out->h.origin_boot) ||
        !get_u64(&r, &out->h.seq) || !get_u64(&r, &t) || !get_u64(&r, &out->h.seed) ||
        !get(&r, &db, 1) || !get_u32(&r, &out->ncmds))
        return ss_errf(errmsg, SS_ECORRUPT, "entry: truncated header");
    out->h.flags = flags;
    out->h.time_ms = (int64_t)t;
    out->h.db = db;
    if (out->ncmds == 0 || out->ncmds > SS_ENTRY_MAX_ARGS)
        return ss_errf(errmsg, SS_ECORRUPT, "entry: bad command count %u", out->ncmds);

    size_t nargs, bytes;
    int rc = measure(r, out->ncmds, &nargs, &bytes, errmsg);
    if (rc != SS_OK)
        return rc;
    size_t size = sizeof(ss_args) * out->ncmds + (sizeof(char *) + sizeof(size_t)) * nargs + bytes;
    char *mem = malloc(size ? size : 1);
    if (!mem)
        return ss_errf(errmsg, SS_ENOMEM, "entry: out of memory");
    out->mem = mem;
    out->cmds = (ss_args *)mem;
    char **argv = (char **)(out->cmds + out->ncmds);
    size_t *argvlen = (size_t *)(argv + nargs);
    char *text = (char *)(argvlen + nargs);
    for (uint32_t c = 0; c < out->ncmds; c++) {
        uint32_t argc;
        get_u32(&r, &argc);
        out->cmds[c] = (ss_args){(int)argc, argv, argvlen};
        for (uint32_t i = 0; i < argc; i++) {
            uint32_t alen;
            get_u32(&r, &alen);
            memcpy(text, r.p, alen);
            text[alen] = '\0';
            r.p += alen;
            r.left -= alen;
            argv[i] = text;
            argvlen[i] = alen;
            text += alen + 1;
        }
        argv += argc;
        argvlen += argc;
    }
    return SS_OK;
}

void ss_entry_release(ss_entry *e)
{
    free(e->mem);
    memset(e, 0, sizeof *e);
}

/* String values of any size: inline bytes or chunks under the key's version (see strval.h). */
#include "store/strval.h"

#include "store/ks_internal.h"

static void chunk_name(uint64_t idx, unsigned char name[4])
{
    name[0] = (unsigned char)(idx >> 24);
    name[1] = (unsigned char)(idx >> 16);
    name[2] = (unsigned char)(idx >> 8);
    name[3] = (unsigned char)idx;
}

static uint64_t chunk_index(ss_slice sub)
{
    const unsigned char *p = (const unsigned char *)sub.data;
    return sub.len == 4 ? ((uint64_t)p[0] << 24) | ((uint64_t)p[1] << 16) | ((uint64_t)p[2] << 8) | p[3]
                        : UINT64_MAX;
}

/* The span of chunk idx within a string of len bytes. */
static size_t chunk_span(uint64_t idx, uint64_t len)
{
    uint64_t start = idx * SS_STR_CHUNK;
    return start >= len ? 0 : len - start < SS_STR_CHUNK ? (size_t)(len - start) : SS_STR_CHUNK;
}

/* Stores chunk idx's bytes without their trailing zeros (none: no chunk). */
static int put_chunk(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version, uint64_t idx,
                     const char *data, size_t n)
{
    while (n > 0 && data[n - 1] == 0)
        n--;
    unsigned char name[4];
    chunk_name(idx, name);
    if (n == 0)
        return ss_ks_sub_del(txn, db, key, klen, version, name, 4);
    return ss_ks_sub_put(txn, db, key, klen, version, name, 4, data, n);
}

/* Reads chunk idx's stored bytes into buf (SS_STR_CHUNK bytes, zero-filled). */
static int get_chunk(ss_txn *txn, const ss_strval *v, uint64_t idx, char *buf)
{
    unsigned char name[4];
    chunk_name(idx, name);
    int db = v->db;
    if (!ks_resolve(txn, &db))
        return SS_EINVAL;
    kbuf b;
    kb_init(&b);
    ks_sub_prefix(&b, SS_KP_SUB, db, txn->ks_epoch[db], v->key, v->klen, v->meta.version);
    kb_add(&b, name, 4);
    ss_slice got;
    char *to_free = NULL;
    int rc = txn_get_owned(txn, b.p, b.len, &got, &to_free);
    kb_release(&b);
    memset(buf, 0, SS_STR_CHUNK);
    if (rc == SS_OK)
        memcpy(buf, got.data, got.len < SS_STR_CHUNK ? got.len : SS_STR_CHUNK);
    leveldb_free(to_free);
    return rc == SS_ENOTFOUND ? SS_OK : rc;
}

static int put_record(ss_txn *txn, const ss_strval *v, uint64_t expire_ms, uint64_t version, uint64_t len,
                      const void *inl, size_t inl_len)
{
    ss_keymeta m = {.type = SS_TYPE_STRING, .expire_ms = expire_ms, .version = version,
                    .count = len > SS_STR_INLINE_MAX ? len : 0};
    return ss_ks_set(txn, v->db, v->key, v->klen, &m, inl, inl_len);
}

/* Writes the chunks of data[0, n) as bytes [0, n) of a fresh chunked value. */
static int put_chunks(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version, const char *data,
                      size_t n)
{
    int rc = SS_OK;
    for (uint64_t idx = 0; rc == SS_OK && idx * SS_STR_CHUNK < n; idx++)
        rc = put_chunk(txn, db, key, klen, version, idx, data + idx * SS_STR_CHUNK, chunk_span(idx, n));
    return rc;
}

int ss_ks_str_set(ss_txn *txn, int db, const void *key, size_t klen, uint64_t expire_ms, uint64_t version,
                  const void *val, size_t n)
{
    ss_strval v = {.db = db, .key = key, .klen = klen};
    if (n <= SS_STR_INLINE_MAX)
        return put_record(txn, &v, expire_ms, version, n, val, n);
    int rc = put_record(txn, &v, expire_ms, version, n, NULL, 0);
    return rc == SS_OK ? put_chunks(txn, db, key, klen, version, val, n) : rc;
}

/* Copies the stored bytes of chunks overlapping [off, off + n) into buf,
 * which the caller zeroed. */
static int read_chunks(ss_txn *txn, const ss_strval *v, uint64_t off, size_t n, char *buf)
{
    uint64_t first = off / SS_STR_CHUNK, last = (off + n - 1) / SS_STR_CHUNK;
    if (first == last) { /* one chunk: a point read (GETBIT, BITFIELD) */
        char chunk[SS_STR_CHUNK];
        int rc = get_chunk(txn, v, first, chunk);
        if (rc == SS_OK)
            memcpy(buf, chunk + (off - first * SS_STR_CHUNK), n);
        return rc;
    }
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(txn, v->db, v->key, v->klen, v->meta.version, &it);
    if (rc != SS_OK)
        return rc;
    unsigned char name[4];
    chunk_name(first, name);
    for (ss_ks_subiter_seek(it, name, 4); ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        uint64_t idx = chunk_index(ss_ks_subiter_sub(it));
        if (idx > last)
            break;
        ss_slice c = ss_ks_subiter_value(it);
        uint64_t cs = idx * SS_STR_CHUNK, ce = cs + c.len; /* stored [cs, ce) */
        uint64_t s = cs > off ? cs : off, e = ce < off + n ? ce : off + n;
        if (s < e)
            memcpy(buf + (s - off), c.data + (s - cs), (size_t)(e - s));
    }
    ss_ks_subiter_free(it);
    return SS_OK;
}

int ss_ks_str_read(ss_txn *txn, const ss_strval *v, uint64_t off, size_t n, void *buf)
{
    memset(buf, 0, n);
    uint64_t len = ss_str_len(&v->meta, v->inl);
    if (v->meta.type != SS_TYPE_STRING || n == 0 || off >= len)
        return SS_OK;
    size_t have = len - off < n ? (size_t)(len - off) : n;
    if (!ss_str_chunked(&v->meta)) {
        memcpy(buf, v->inl.data + off, have);
        return SS_OK;
    }
    return read_chunks(txn, v, off, have, buf);
}

/* Writes data at off into a chunked value of length len (already large
 * enough), chunk by chunk; a chunk wholly overwritten or wholly past the
 * old length old_len is not read first. */
static int write_chunks(ss_txn *txn, const ss_strval *v, uint64_t old_len, uint64_t len, uint64_t off,
                        const char *data, size_t n)
{
    char chunk[SS_STR_CHUNK];
    uint64_t end = off + n;
    for (uint64_t idx = off / SS_STR_CHUNK; idx * SS_STR_CHUNK < end; idx++) {
        uint64_t cs = idx * SS_STR_CHUNK;
        size_t span = chunk_span(idx, len);
        uint64_t s = off > cs ? off : cs, e = end < cs + span ? end : cs + span;
        int rc = SS_OK;
        if (cs >= old_len)
            memset(chunk, 0, sizeof chunk);
        else if (s > cs || e < cs + span)
            rc = get_chunk(txn, v, idx, chunk);
        if (rc != SS_OK)
            return rc;
        memcpy(chunk + (s - cs), data + (s - off), (size_t)(e - s));
        rc = put_chunk(txn, v->db, v->key, v->klen, v->meta.version, idx, chunk, span);
        if (rc != SS_OK)
            return rc;
    }
    return SS_OK;
}

int ss_ks_str_write(ss_txn *txn, ss_strval *v, uint64_t off, const void *data, size_t n, uint64_t new_version)
{
    bool exists = v->meta.type == SS_TYPE_STRING;
    uint64_t old_len = exists ? ss_str_len(&v->meta, v->inl) : 0;
    uint64_t len = off + n > old_len ? off + n : old_len;
    uint64_t expire = exists ? v->meta.expire_ms : 0;
    int rc;
    if (len <= SS_STR_INLINE_MAX) {
        /* Inline stays inline: a new record with the bytes in place. */
        char *buf = calloc(1, len ? (size_t)len : 1);
        if (buf == NULL)
            return SS_ENOMEM;
        if (old_len)
            memcpy(buf, v->inl.data, (size_t)old_len);
        if (n)
            memcpy(buf + off, data, n);
        uint64_t version = exists ? v->meta.version : new_version;
        rc = put_record(txn, v, expire, version, len, buf, (size_t)len);
        free(buf);
        v->inl = (ss_slice){NULL, 0};
        v->meta = (ss_keymeta){.type = SS_TYPE_STRING, .expire_ms = expire, .version = version};
        if (rc == SS_OK) /* the record's own bytes, for later reads through v */
            rc = ss_ks_lookup_any(txn, v->db, v->key, v->klen, &v->meta, &v->inl);
        return rc;
    }
    if (!ss_str_chunked(&v->meta)) {
        /* Inline (or missing) grows past the limit: its bytes become the
         * first chunks of a new version. */
        ss_slice old = exists ? v->inl : (ss_slice){NULL, 0};
        v->meta = (ss_keymeta){.type = SS_TYPE_STRING, .expire_ms = expire, .version = new_version};
        v->inl = (ss_slice){NULL, 0};
        if ((rc = put_chunks(txn, v->db, v->key, v->klen, new_version, old.data, old.len)) != SS_OK)
            return rc;
    }
    if ((rc = write_chunks(txn, v, old_len, len, off, data, n)) != SS_OK)
        return rc;
    if (len != v->meta.count || !exists) {
        v->meta.count = len;
        rc = ss_ks_set(txn, v->db, v->key, v->klen, &v->meta, NULL, 0);
    }
    return rc;
}

int ss_ks_str_get(ss_txn *txn, const ss_strval *v, ss_slice *out)
{
    if (!ss_str_chunked(&v->meta)) {
        *out = v->inl;
        return SS_OK;
    }
    char *buf = malloc((size_t)v->meta.count);
    if (buf == NULL)
        return SS_ENOMEM;
    int rc = ss_ks_str_read(txn, v, 0, (size_t)v->meta.count, buf);
    if (rc == SS_OK)
        rc = txn_hold(txn, buf);
    if (rc != SS_OK) {
        free(buf);
        return rc;
    }
    *out = (ss_slice){buf, (size_t)v->meta.count};
    return SS_OK;
}

/* Reports the zeros of [from, to), as runs of at most one chunk. */
static int report_gap(uint64_t from, uint64_t to, ss_ks_str_cb cb, void *ud)
{
    int rc = 0;
    for (uint64_t p = from; rc == 0 && p < to; p += SS_STR_CHUNK)
        rc = cb(ud, p, NULL, to - p < SS_STR_CHUNK ? (size_t)(to - p) : SS_STR_CHUNK);
    return rc;
}

int ss_ks_str_scan(ss_txn *txn, const ss_strval *v, uint64_t from, uint64_t to, bool gaps, ss_ks_str_cb cb,
                   void *ud)
{
    uint64_t len = v->meta.type == SS_TYPE_STRING ? ss_str_len(&v->meta, v->inl) : 0;
    if (to > len)
        to = len;
    if (from >= to)
        return 0;
    if (!ss_str_chunked(&v->meta))
        return cb(ud, from, v->inl.data + from, (size_t)(to - from));
    ss_ks_subiter *it;
    int rc = ss_ks_subiter_new(txn, v->db, v->key, v->klen, v->meta.version, &it);
    if (rc != SS_OK)
        return rc;
    unsigned char name[4];
    chunk_name(from / SS_STR_CHUNK, name);
    uint64_t pos = from;
    for (ss_ks_subiter_seek(it, name, 4); rc == 0 && ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        uint64_t cs = chunk_index(ss_ks_subiter_sub(it)) * SS_STR_CHUNK;
        if (cs >= to)
            break;
        ss_slice c = ss_ks_subiter_value(it);
        uint64_t s = cs > pos ? cs : pos, e = cs + c.len < to ? cs + c.len : to;
        if (gaps && s > pos)
            rc = report_gap(pos, s, cb, ud);
        if (rc == 0 && s < e) {
            rc = cb(ud, s, c.data + (s - cs), (size_t)(e - s));
            pos = e;
        }
    }
    ss_ks_subiter_free(it);
    if (rc == 0 && gaps && pos < to)
        rc = report_gap(pos, to, cb, ud);
    return rc;
}

int ss_ks_str_copy(ss_txn *txn, const ss_strval *src, int db, const void *key, size_t klen, uint64_t expire_ms,
                   uint64_t version)
{
    if (!ss_str_chunked(&src->meta))
        return ss_ks_str_set(txn, db, key, klen, expire_ms, version, src->inl.data, src->inl.len);
    ss_keymeta m = {.type = SS_TYPE_STRING, .expire_ms = expire_ms, .version = version, .count = src->meta.count};
    int rc = ss_ks_set(txn, db, key, klen, &m, NULL, 0);
    ss_ks_subiter *it;
    if (rc != SS_OK || (rc = ss_ks_subiter_new(txn, src->db, src->key, src->klen, src->meta.version, &it)) != SS_OK)
        return rc;
    for (ss_ks_subiter_seek_first(it); rc == SS_OK && ss_ks_subiter_valid(it); ss_ks_subiter_next(it)) {
        ss_slice sub = ss_ks_subiter_sub(it), val = ss_ks_subiter_value(it);
        rc = ss_ks_sub_put(txn, db, key, klen, version, sub.data, sub.len, val.data, val.len);
    }
    ss_ks_subiter_free(it);
    return rc;
}

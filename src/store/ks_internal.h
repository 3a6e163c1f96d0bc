/* Key builders and metadata records shared by the keyspace files (internal to store/). */
#ifndef SS_STORE_KS_INTERNAL_H
#define SS_STORE_KS_INTERNAL_H

#include <stdlib.h>
#include <string.h>

#include "store/keyspace.h"
#include "store/store_internal.h"

/* A key under construction: inline for the usual short keys. */
typedef struct {
    char *p;
    size_t len, cap;
    char inl[200];
} kbuf;

static inline void kb_init(kbuf *b)
{
    b->p = b->inl;
    b->len = 0;
    b->cap = sizeof b->inl;
}

static inline void kb_release(kbuf *b)
{
    if (b->p != b->inl)
        free(b->p);
    kb_init(b);
}

static inline void kb_add(kbuf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2;
        char *np = malloc(cap);
        if (np == NULL)
            abort();
        memcpy(np, b->p, b->len);
        if (b->p != b->inl)
            free(b->p);
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static inline void kb_byte(kbuf *b, int c)
{
    char ch = (char)c;
    kb_add(b, &ch, 1);
}

static inline void kb_u64(kbuf *b, uint64_t v)
{
    unsigned char e[8];
    ss_encode_u64_be(v, e);
    kb_add(b, e, 8);
}

static inline void kb_u32(kbuf *b, uint32_t v)
{
    unsigned char e[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v };
    kb_add(b, e, 4);
}

/* Smallest key above every key starting with b's bytes (b must not be all
 * 0xff, which no keyspace prefix is). */
static inline void kb_successor(kbuf *b)
{
    while (b->len > 0 && (unsigned char)b->p[b->len - 1] == 0xff)
        b->len--;
    if (b->len > 0)
        b->p[b->len - 1]++;
}

/* Key builders (see the layout at the top of keyspace.c). */
void ks_meta_key(kbuf *b, int db, uint64_t epoch, const void *key, size_t klen);
void ks_meta_prefix(kbuf *b, int db, uint64_t epoch);
/* The sub-key prefix of (db, epoch, key, version); with first byte
 * SS_KP_GC_VER it is also the garbage queue entry for that version. */
void ks_sub_prefix(kbuf *b, int prefix, int db, uint64_t epoch, const void *key,
                   size_t klen, uint64_t version);
void ks_expire_key(kbuf *b, uint64_t expire_ms, int db, uint64_t epoch, const void *key,
                   size_t klen);

/* A logical db (what clients SELECT) to the physical one its records are
 * under (store_internal.h's ks_map); false if db is out of range. */
static inline bool ks_resolve(const ss_txn *txn, int *db)
{
    if (*db < 0 || *db >= SS_KS_DBS)
        return false;
    *db = txn->ks_map[*db];
    return true;
}

#define KS_META_FIXED 26 /* type, hdr_len, expire, version, count */

/* Parses a metadata record; SS_ECORRUPT if malformed. */
int ks_meta_decode(const char *rec, size_t len, ss_keymeta *meta, ss_slice *value);

static inline bool ks_expired(const ss_keymeta *m, uint64_t now_ms)
{
    return m->expire_ms != 0 && m->expire_ms <= now_ms;
}

static inline bool ks_is_collection(ss_type t)
{
    return t != SS_TYPE_STRING && t != SS_TYPE_NONE;
}

/* Whether a record's value lives in sub-keys under its version: a
 * collection's elements, or a chunked string's chunks (store/strval.h). */
static inline bool ks_has_subs(const ss_keymeta *m)
{
    return ks_is_collection(m->type) || (m->type == SS_TYPE_STRING && m->count > 0);
}

#endif

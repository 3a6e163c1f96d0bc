/* String values of any size: short ones inline in the key's record, big ones in fixed-size chunks under the key's version, so a small change to a big string writes one chunk. */
#ifndef SS_STORE_STRVAL_H
#define SS_STORE_STRVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/keyspace.h"

/*
 * A string key's record holds its bytes after the metadata while the value
 * is at most SS_STR_INLINE_MAX bytes (count is then 0). A longer value is
 * "chunked": the record holds no bytes, count is the value's length, and
 * byte i lives in chunk i / SS_STR_CHUNK, a sub-key of (db, key, version)
 * named by the chunk number (4 bytes, big-endian, so chunks sort in offset
 * order). A chunk stores a prefix of its span: the bytes after it, and the
 * whole span of a chunk that is absent, read as zeros. Writers trim
 * trailing zeros and delete all-zero chunks, so a bitmap with one bit set at
 * offset 2^32-1 is a record and one 1-byte chunk, and SETBIT there later
 * reads and writes that chunk only.
 *
 * The keyspace treats a chunked string as it treats a collection: its
 * version must be new for the key (unique per entry and call), deleting or
 * overwriting it queues its chunks for the sweeper, and an in-place update
 * (same version) keeps them. Whatever the representation, the type is
 * string: every command sees the same bytes.
 *
 * Stored bytes never lie beyond the length: a string only grows in place;
 * anything shorter is a new value (a new version, or inline).
 */

#define SS_STR_CHUNK 4096
#define SS_STR_INLINE_MAX 16384

static inline bool ss_str_chunked(const ss_keymeta *m)
{
    return m->type == SS_TYPE_STRING && m->count > 0;
}

/* The length of a string whose record gave meta m and inline bytes inl. */
static inline uint64_t ss_str_len(const ss_keymeta *m, ss_slice inl)
{
    return ss_str_chunked(m) ? m->count : inl.len;
}

/*
 * A string value as a caller holds it: the key, the record's metadata and
 * its inline bytes (as ss_ks_lookup returned them; valid until the key is
 * written). A missing key has meta.type SS_TYPE_NONE.
 */
typedef struct ss_strval {
    int db;
    const char *key;
    size_t klen;
    ss_keymeta meta;
    ss_slice inl;
} ss_strval;

/*
 * Writes a whole string value, replacing whatever the key held: inline up
 * to SS_STR_INLINE_MAX bytes, else chunked under version, which must be new
 * for the key (see above). SS_OK or a storage error.
 */
int ss_ks_str_set(ss_txn *txn, int db, const void *key, size_t klen, uint64_t expire_ms,
                  uint64_t version, const void *val, size_t n);

/* Copies bytes [off, off + n) of v into buf (zeros past the length). */
int ss_ks_str_read(ss_txn *txn, const ss_strval *v, uint64_t off, size_t n, void *buf);

/*
 * Writes n bytes at off, growing the string with zeros up to off + n when
 * it is shorter (a missing key becomes a string), keeping its expiry. Only
 * the chunks the bytes fall in are read and written; a string that grows
 * past SS_STR_INLINE_MAX becomes chunked under new_version. v->meta and
 * v->inl describe the value afterwards (inl is then invalid for a chunked
 * value, empty). The caller checks off + n against the largest string.
 */
int ss_ks_str_write(ss_txn *txn, ss_strval *v, uint64_t off, const void *data, size_t n,
                    uint64_t new_version);

/* The whole value in one buffer the txn holds until it ends (a chunked
 * value is assembled; an inline one is returned as is). */
int ss_ks_str_get(ss_txn *txn, const ss_strval *v, ss_slice *out);

/*
 * Calls cb over [from, to) ∩ [0, length) in offset order, in runs: stored
 * bytes (data != NULL), and, when gaps is true, runs of zeros that are not
 * stored (data == NULL). Zero bytes inside a stored run are reported as
 * data. A nonzero return from cb stops the walk and is returned. Costs the
 * stored chunks in the range, not its length.
 */
typedef int (*ss_ks_str_cb)(void *ud, uint64_t off, const char *data, size_t n);
int ss_ks_str_scan(ss_txn *txn, const ss_strval *v, uint64_t from, uint64_t to, bool gaps,
                   ss_ks_str_cb cb, void *ud);

/* Copies the string src (any representation) as dst in db/key with expire_ms,
 * replacing what dst held; chunks are copied one by one under version (new
 * for dst). */
int ss_ks_str_copy(ss_txn *txn, const ss_strval *src, int db, const void *key, size_t klen,
                   uint64_t expire_ms, uint64_t version);

#endif

/* The Redis keyspace on top of store transactions: metadata, expiry index, counters, epochs, sub-keys. */
#include "store/ks_internal.h"

#include "common/log.h"

/*
 * Key encoding. Every LevelDB key starts with one region byte (store/keys.h);
 * integers are big-endian so that byte order is numeric order. db is one
 * byte, epoch and version 8 bytes, klen 4 bytes.
 *
 *   0x00 "applied_index"                       -> u64  Raft index of the last commit
 *   0x00 "applied_term"                        -> u64  Raft term of that entry
 *   0x00 "format"                              -> u64  store format (1)
 *   0x01 db                                    -> u64  the db's current epoch (missing = 0)
 *   0x02 db                                    -> u64  key records in the current epoch (DBSIZE)
 *   0x03 db                                    -> u64 n, u128 sum: keys with an expiry, sum of expire_ms
 *   0x10 db epoch key                          -> metadata record (below)
 *   0x11 db epoch klen key version sub         -> sub-key value (collections)
 *   0x12 expire_ms db epoch key                -> ""   expiry index
 *   0x13 db epoch klen key version             -> ""   garbage: that version's sub-keys
 *   0x14 db epoch                              -> ""   garbage: the whole flushed epoch
 *   0x04-0x0f, 0x15-0xff                       reserved (more types, raw ingest...)
 *
 * Metadata keys put the key bytes last, so a db's keys sort in key order
 * (SCAN, KEYS). Sub-keys length-prefix the key so no key's sub-keys can be
 * confused with a longer key's; the version separates incarnations of a key,
 * so delete + recreate never mixes old members in. The epoch in both lets a
 * FLUSHDB orphan everything at once.
 *
 * Metadata record: type(1) hdr_len(1) expire_ms(8) version(8) count(8)
 * hdr(hdr_len), then for strings the value bytes (a string over 16 KiB
 * has none: its count is its length and its bytes are chunks under the
 * version, see store/strval.h).
 *
 * The per-db epochs and counters are cached in the store and copied into each
 * txn at begin; a txn that changes them writes their records into its batch
 * and publishes the new values on commit.
 */

void ks_meta_prefix(kbuf *b, int db, uint64_t epoch)
{
    kb_byte(b, SS_KP_META);
    kb_byte(b, db);
    kb_u64(b, epoch);
}

void ks_meta_key(kbuf *b, int db, uint64_t epoch, const void *key, size_t klen)
{
    ks_meta_prefix(b, db, epoch);
    kb_add(b, key, klen);
}

void ks_sub_prefix(kbuf *b, int prefix, int db, uint64_t epoch, const void *key,
                   size_t klen, uint64_t version)
{
    kb_byte(b, prefix);
    kb_byte(b, db);
    kb_u64(b, epoch);
    kb_u32(b, (uint32_t)klen);
    kb_add(b, key, klen);
    kb_u64(b, version);
}

void ks_expire_key(kbuf *b, uint64_t expire_ms, int db, uint64_t epoch, const void *key,
                   size_t klen)
{
    kb_byte(b, SS_KP_EXPIRE);
    kb_u64(b, expire_ms);
    kb_byte(b, db);
    kb_u64(b, epoch);
    kb_add(b, key, klen);
}

int ks_meta_decode(const char *rec, size_t len, ss_keymeta *meta, ss_slice *value)
{
    const unsigned char *r = (const unsigned char *)rec;
    if (len < KS_META_FIXED || r[1] > SS_KS_HDR_MAX || len < KS_META_FIXED + (size_t)r[1])
        return SS_ECORRUPT;
    if (meta != NULL) {
        meta->type = (ss_type)r[0];
        meta->hdr_len = r[1];
        meta->expire_ms = ss_decode_u64_be(r + 2);
        meta->version = ss_decode_u64_be(r + 10);
        meta->count = ss_decode_u64_be(r + 18);
        memcpy(meta->hdr, r + KS_META_FIXED, r[1]);
    }
    if (value != NULL) {
        value->data = rec + KS_META_FIXED + r[1];
        value->len = len - KS_META_FIXED - r[1];
    }
    return SS_OK;
}

static int put_u64(ss_txn *txn, int prefix, int db, uint64_t v)
{
    char k[2] = { (char)prefix, (char)db };
    unsigned char e[8];
    ss_encode_u64_be(v, e);
    return ss_txn_put(txn, k, 2, e, 8);
}

static int read_u64(ss_txn *txn, int prefix, int db, uint64_t *out)
{
    char k[2] = { (char)prefix, (char)db };
    ss_slice v;
    char *to_free;
    int rc = txn_get_owned(txn, k, 2, &v, &to_free);
    *out = 0;
    if (rc == SS_ENOTFOUND)
        return SS_OK;
    if (rc != SS_OK)
        return rc;
    if (v.len == 8)
        *out = ss_decode_u64_be((const unsigned char *)v.data);
    else
        rc = SS_ECORRUPT;
    leveldb_free(to_free);
    return rc;
}

static int put_volatile(ss_txn *txn, int db)
{
    char k[2] = { (char)SS_KP_VOLATILE, (char)db };
    unsigned char e[24];
    const ks_volatile *v = &txn->ks_vol[db];
    ss_encode_u64_be(v->n, e);
    ss_encode_u64_be((uint64_t)(v->sum_ms >> 64), e + 8);
    ss_encode_u64_be((uint64_t)v->sum_ms, e + 16);
    txn->ks_dirty = true;
    return ss_txn_put(txn, k, 2, e, sizeof e);
}

/* *found false when the store predates the record. */
static int read_volatile(ss_txn *txn, int db, ks_volatile *out, bool *found)
{
    char k[2] = { (char)SS_KP_VOLATILE, (char)db };
    ss_slice v;
    char *to_free;
    int rc = txn_get_owned(txn, k, 2, &v, &to_free);
    *out = (ks_volatile){0};
    *found = rc == SS_OK;
    if (rc == SS_ENOTFOUND)
        return SS_OK;
    if (rc != SS_OK)
        return rc;
    if (v.len == 24) {
        const unsigned char *p = (const unsigned char *)v.data;
        out->n = ss_decode_u64_be(p);
        out->sum_ms = ((unsigned __int128)ss_decode_u64_be(p + 8) << 64) | ss_decode_u64_be(p + 16);
    } else {
        rc = SS_ECORRUPT;
    }
    leveldb_free(to_free);
    return rc;
}

/* A store written before the 0x03 records: count the expiry index of the
 * current epochs once (at open; the records follow the next change). */
static int count_volatile(ss_txn *txn, const bool *missing, ks_volatile *vol)
{
    const char lo[1] = { (char)SS_KP_EXPIRE }, hi[1] = { (char)(SS_KP_EXPIRE + 1) };
    ss_txn_iter *it = ss_txn_iter_new(txn, lo, 1, hi, 1);
    for (ss_txn_iter_seek_first(it); ss_txn_iter_valid(it); ss_txn_iter_next(it)) {
        ss_slice k = ss_txn_iter_key(it);
        if (k.len < 18)
            continue;
        const unsigned char *p = (const unsigned char *)k.data;
        int db = p[9];
        if (db >= SS_KS_DBS || !missing[db] || ss_decode_u64_be(p + 10) != txn->ks_epoch[db])
            continue;
        vol[db].n++;
        vol[db].sum_ms += ss_decode_u64_be(p + 1);
    }
    int rc = ss_txn_iter_status(it, NULL);
    ss_txn_iter_free(it);
    return rc;
}

/* The SWAPDB map (0x00 "dbmap": 16 bytes, ks_map): identity when missing;
 * SS_ECORRUPT unless a permutation of the dbs. */
static int load_map(ss_txn *txn, unsigned char *map)
{
    for (int db = 0; db < SS_KS_DBS; db++)
        map[db] = (unsigned char)db;
    ss_slice v;
    char *to_free;
    int rc = txn_get_owned(txn, SS_STORE_DBMAP_KEY, sizeof SS_STORE_DBMAP_KEY - 1, &v, &to_free);
    if (rc == SS_ENOTFOUND)
        return SS_OK;
    if (rc != SS_OK)
        return rc;
    bool seen[SS_KS_DBS] = {false};
    rc = v.len == SS_KS_DBS ? SS_OK : SS_ECORRUPT;
    for (int db = 0; db < SS_KS_DBS && rc == SS_OK; db++) {
        unsigned char p = (unsigned char)v.data[db];
        if (p >= SS_KS_DBS || seen[p])
            rc = SS_ECORRUPT;
        else
            seen[p] = true, map[db] = p;
    }
    leveldb_free(to_free);
    return rc;
}

int ks_load(ss_store *s, char *errmsg)
{
    ss_txn *txn = ss_txn_begin(s);
    int rc = SS_OK;
    bool missing[SS_KS_DBS] = {false}, any_missing = false;
    for (int db = 0; db < SS_KS_DBS && rc == SS_OK; db++) {
        rc = read_u64(txn, SS_KP_EPOCH, db, &s->ks_epoch[db]);
        if (rc == SS_OK)
            rc = read_u64(txn, SS_KP_COUNT, db, &s->ks_count[db]);
        bool found = false;
        if (rc == SS_OK)
            rc = read_volatile(txn, db, &s->ks_vol[db], &found);
        missing[db] = !found && s->ks_count[db] > 0;
        any_missing |= missing[db];
    }
    if (rc == SS_OK)
        rc = load_map(txn, s->ks_map);
    if (rc == SS_OK && any_missing) {
        /* The txn copied the epochs before they were loaded. */
        memcpy(txn->ks_epoch, s->ks_epoch, sizeof txn->ks_epoch);
        rc = count_volatile(txn, missing, s->ks_vol);
    }
    ss_txn_abort(txn);
    if (rc != SS_OK)
        return ss_errf(errmsg, rc, "load keyspace counters: %s", ss_strerror(rc));
    return SS_OK;
}


static int set_count(ss_txn *txn, int db, uint64_t count)
{
    txn->ks_count[db] = count;
    txn->ks_dirty = true;
    return put_u64(txn, SS_KP_COUNT, db, count);
}

/* Reads a key's record without holding it in the txn; without a value
 * wanted, a cached record is decoded in place (no copy). */
static int get_meta(ss_txn *txn, int db, const void *key, size_t klen, ss_keymeta *meta,
                    ss_slice *value, char **to_free)
{
    kbuf b;
    kb_init(&b);
    ks_meta_key(&b, db, txn->ks_epoch[db], key, klen);
    ss_slice rec;
    int rc = value ? txn_get_owned(txn, b.p, b.len, &rec, to_free) : txn_get_peek(txn, b.p, b.len, &rec, to_free);
    kb_release(&b);
    if (rc != SS_OK)
        return rc;
    rc = ks_meta_decode(rec.data, rec.len, meta, value);
    if (rc != SS_OK) {
        leveldb_free(*to_free);
        *to_free = NULL;
    }
    return rc;
}

void ss_ks_prefetch(ss_txn *txn, int db, const void *key, size_t klen, bool entry)
{
    if (!ks_resolve(txn, &db) || txn->view_ropts != NULL)
        return;
    kbuf b;
    kb_init(&b);
    ks_meta_key(&b, db, txn->ks_epoch[db], key, klen);
    if (store_cacheable(b.p, b.len))
        kcache_prefetch(&txn->s->kc, b.p, b.len, entry);
    kb_release(&b);
}

int ss_ks_lookup_any(ss_txn *txn, int db, const void *key, size_t klen,
                     ss_keymeta *meta, ss_slice *value)
{
    if (!ks_resolve(txn, &db))
        return SS_EINVAL;
    kbuf b;
    kb_init(&b);
    ks_meta_key(&b, db, txn->ks_epoch[db], key, klen);
    ss_slice rec;
    int rc = ss_txn_get(txn, b.p, b.len, &rec);
    kb_release(&b);
    if (rc != SS_OK)
        return rc;
    ss_keymeta m;
    rc = ks_meta_decode(rec.data, rec.len, &m, value);
    if (rc == SS_OK && meta != NULL)
        *meta = m;
    return rc;
}

int ss_ks_lookup(ss_txn *txn, int db, const void *key, size_t klen, uint64_t now_ms,
                 ss_keymeta *meta, ss_slice *value)
{
    ss_keymeta m;
    int rc = ss_ks_lookup_any(txn, db, key, klen, &m, value);
    if (rc != SS_OK)
        return rc;
    if (ks_expired(&m, now_ms))
        return SS_ENOTFOUND;
    if (meta != NULL)
        *meta = m;
    return SS_OK;
}

static int expire_index(ss_txn *txn, int db, const void *key, size_t klen, uint64_t expire_ms,
                        bool add)
{
    if (expire_ms == 0)
        return SS_OK;
    kbuf b;
    kb_init(&b);
    ks_expire_key(&b, expire_ms, db, txn->ks_epoch[db], key, klen);
    int rc = add ? ss_txn_put(txn, b.p, b.len, "", 0) : ss_txn_del(txn, b.p, b.len);
    kb_release(&b);
    if (rc != SS_OK)
        return rc;
    ks_volatile *v = &txn->ks_vol[db];
    if (add) {
        v->n++;
        v->sum_ms += expire_ms;
    } else {
        v->n -= v->n > 0;
        v->sum_ms -= v->sum_ms >= expire_ms ? expire_ms : v->sum_ms;
    }
    return put_volatile(txn, db);
}

/* Queues the sub-keys of (db, key, version) in the current epoch for the sweeper. */
static int orphan(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version)
{
    kbuf b;
    kb_init(&b);
    ks_sub_prefix(&b, SS_KP_GC_VER, db, txn->ks_epoch[db], key, klen, version);
    int rc = ss_txn_put(txn, b.p, b.len, "", 0);
    kb_release(&b);
    return rc;
}

/* A new incarnation must not reuse a version still queued as garbage: the
 * sweeper would delete the new members or the old ones would show through. */
static int check_version_unused(ss_txn *txn, int db, const void *key, size_t klen,
                                uint64_t version)
{
    kbuf b;
    kb_init(&b);
    ks_sub_prefix(&b, SS_KP_GC_VER, db, txn->ks_epoch[db], key, klen, version);
    ss_slice v;
    char *to_free = NULL;
    int rc = txn_get_owned(txn, b.p, b.len, &v, &to_free);
    kb_release(&b);
    leveldb_free(to_free);
    if (rc == SS_OK) {
        LOG_WARNING("store: version %llu of a key is reused while queued as garbage",
                    (unsigned long long)version);
        return SS_EEXIST;
    }
    return rc == SS_ENOTFOUND ? SS_OK : rc;
}

static int write_meta(ss_txn *txn, int db, const void *key, size_t klen,
                      const ss_keymeta *m, const void *value, size_t vlen)
{
    size_t len = KS_META_FIXED + m->hdr_len + vlen;
    char fixed[KS_META_FIXED + SS_KS_HDR_MAX + 64];
    char *rec = len <= sizeof fixed ? fixed : malloc(len);
    if (rec == NULL)
        return SS_ENOMEM;
    unsigned char *r = (unsigned char *)rec;
    r[0] = (unsigned char)m->type;
    r[1] = m->hdr_len;
    ss_encode_u64_be(m->expire_ms, r + 2);
    ss_encode_u64_be(m->version, r + 10);
    ss_encode_u64_be(m->count, r + 18);
    memcpy(r + KS_META_FIXED, m->hdr, m->hdr_len);
    if (vlen)
        memcpy(r + KS_META_FIXED + m->hdr_len, value, vlen);
    kbuf b;
    kb_init(&b);
    ks_meta_key(&b, db, txn->ks_epoch[db], key, klen);
    /* A big string goes to the txn without another copy. */
    int rc = rec == fixed ? ss_txn_put(txn, b.p, b.len, rec, len)
                          : txn_put_owned(txn, b.p, b.len, rec, len);
    kb_release(&b);
    return rc;
}

int ss_ks_set(ss_txn *txn, int db, const void *key, size_t klen, const ss_keymeta *meta,
              const void *value, size_t vlen)
{
    if (!ks_resolve(txn, &db) || meta->type == SS_TYPE_NONE || meta->type > 0xff ||
        meta->hdr_len > SS_KS_HDR_MAX || klen > UINT32_MAX)
        return SS_EINVAL;
    if (meta->type != SS_TYPE_STRING || ks_has_subs(meta))
        vlen = 0;
    ss_keymeta old;
    char *to_free = NULL;
    int rc = get_meta(txn, db, key, klen, &old, NULL, &to_free);
    leveldb_free(to_free);
    if (rc != SS_OK && rc != SS_ENOTFOUND)
        return rc;
    bool existed = rc == SS_OK;
    /* Same version, other type: the old members would read as the new
     * type's. */
    if (existed && ks_has_subs(&old) && ks_has_subs(meta) && old.version == meta->version &&
        old.type != meta->type)
        return SS_EINVAL;
    if (ks_has_subs(meta) && (!existed || !ks_has_subs(&old) || old.version != meta->version) &&
        (rc = check_version_unused(txn, db, key, klen, meta->version)) != SS_OK)
        return rc;
    /* Write the record first: value may point into a slice that a later
     * write in this function would replace. */
    if ((rc = write_meta(txn, db, key, klen, meta, value, vlen)) != SS_OK)
        return rc;
    if (existed) {
        if (old.expire_ms != meta->expire_ms &&
            (rc = expire_index(txn, db, key, klen, old.expire_ms, false)) != SS_OK)
            return rc;
        if (ks_has_subs(&old) && (old.version != meta->version || !ks_has_subs(meta)) &&
            (rc = orphan(txn, db, key, klen, old.version)) != SS_OK)
            return rc;
    } else if ((rc = set_count(txn, db, txn->ks_count[db] + 1)) != SS_OK) {
        return rc;
    }
    if (!existed || old.expire_ms != meta->expire_ms)
        rc = expire_index(txn, db, key, klen, meta->expire_ms, true);
    return rc;
}

int ss_ks_delete(ss_txn *txn, int db, const void *key, size_t klen)
{
    if (!ks_resolve(txn, &db))
        return SS_EINVAL;
    ss_keymeta old;
    char *to_free = NULL;
    int rc = get_meta(txn, db, key, klen, &old, NULL, &to_free);
    leveldb_free(to_free);
    if (rc != SS_OK)
        return rc;
    kbuf b;
    kb_init(&b);
    ks_meta_key(&b, db, txn->ks_epoch[db], key, klen);
    rc = ss_txn_del(txn, b.p, b.len);
    kb_release(&b);
    if (rc == SS_OK)
        rc = expire_index(txn, db, key, klen, old.expire_ms, false);
    if (rc == SS_OK && ks_has_subs(&old))
        rc = orphan(txn, db, key, klen, old.version);
    if (rc == SS_OK)
        rc = set_count(txn, db, txn->ks_count[db] - 1);
    return rc;
}

int ss_ks_set_expire(ss_txn *txn, int db, const void *key, size_t klen, uint64_t expire_ms)
{
    if (!ks_resolve(txn, &db))
        return SS_EINVAL;
    ss_keymeta m;
    ss_slice value;
    char *to_free = NULL;
    int rc = get_meta(txn, db, key, klen, &m, &value, &to_free);
    if (rc != SS_OK)
        return rc;
    if (m.expire_ms != expire_ms) {
        uint64_t old = m.expire_ms;
        m.expire_ms = expire_ms;
        rc = write_meta(txn, db, key, klen, &m, value.data, value.len);
        if (rc == SS_OK)
            rc = expire_index(txn, db, key, klen, old, false);
        if (rc == SS_OK)
            rc = expire_index(txn, db, key, klen, expire_ms, true);
    }
    leveldb_free(to_free);
    return rc;
}

int ss_ks_dbsize(ss_txn *txn, int db, uint64_t *out)
{
    if (!ks_resolve(txn, &db))
        return SS_EINVAL;
    *out = txn->ks_count[db];
    return SS_OK;
}

int ss_ks_flushdb(ss_txn *txn, int db)
{
    if (!ks_resolve(txn, &db))
        return SS_EINVAL;
    /* No key records means nothing reachable to orphan (orphaned versions
     * are queued on their own). */
    if (txn->ks_count[db] == 0)
        return SS_OK;
    char gc[10];
    gc[0] = (char)SS_KP_GC_EPOCH;
    gc[1] = (char)db;
    ss_encode_u64_be(txn->ks_epoch[db], (unsigned char *)gc + 2);
    int rc = ss_txn_put(txn, gc, sizeof gc, "", 0);
    if (rc != SS_OK)
        return rc;
    txn->ks_epoch[db]++;
    txn->ks_dirty = true;
    rc = put_u64(txn, SS_KP_EPOCH, db, txn->ks_epoch[db]);
    if (rc == SS_OK)
        rc = set_count(txn, db, 0);
    if (rc == SS_OK && txn->ks_vol[db].n > 0) {
        txn->ks_vol[db] = (ks_volatile){0};
        rc = put_volatile(txn, db);
    }
    return rc;
}

int ss_ks_volatile(ss_txn *txn, int db, uint64_t now_ms, uint64_t *n, uint64_t *avg_ttl_ms)
{
    if (!ks_resolve(txn, &db))
        return SS_EINVAL;
    const ks_volatile *v = &txn->ks_vol[db];
    *n = v->n;
    *avg_ttl_ms = 0;
    if (v->n > 0) {
        uint64_t avg = (uint64_t)(v->sum_ms / v->n);
        /* Keys past their time but not yet deleted count as 0 left. */
        *avg_ttl_ms = avg > now_ms ? avg - now_ms : 0;
    }
    return SS_OK;
}

int ss_ks_swapdb(ss_txn *txn, int db1, int db2)
{
    if (db1 < 0 || db1 >= SS_KS_DBS || db2 < 0 || db2 >= SS_KS_DBS)
        return SS_EINVAL;
    if (db1 == db2)
        return SS_OK;
    unsigned char p = txn->ks_map[db1];
    txn->ks_map[db1] = txn->ks_map[db2];
    txn->ks_map[db2] = p;
    txn->ks_dirty = true;
    return ss_txn_put(txn, SS_STORE_DBMAP_KEY, sizeof SS_STORE_DBMAP_KEY - 1, txn->ks_map, SS_KS_DBS);
}

int ss_ks_flushall(ss_txn *txn)
{
    int rc = SS_OK;
    for (int db = 0; db < SS_KS_DBS && rc == SS_OK; db++)
        rc = ss_ks_flushdb(txn, db);
    return rc;
}

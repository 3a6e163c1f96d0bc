/* Collection sub-keys: point reads and writes, and an iterator over one collection. */
#include "store/ks_internal.h"

static int sub_key(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version,
                   const void *sub, size_t sublen, kbuf *b)
{
    if (klen > UINT32_MAX || !ks_resolve(txn, &db))
        return SS_EINVAL;
    kb_init(b);
    ks_sub_prefix(b, SS_KP_SUB, db, txn->ks_epoch[db], key, klen, version);
    kb_add(b, sub, sublen);
    return SS_OK;
}

int ss_ks_sub_get(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version,
                  const void *sub, size_t sublen, ss_slice *val)
{
    kbuf b;
    int rc = sub_key(txn, db, key, klen, version, sub, sublen, &b);
    if (rc != SS_OK)
        return rc;
    ss_slice v;
    rc = ss_txn_get(txn, b.p, b.len, &v);
    kb_release(&b);
    if (rc == SS_OK && val != NULL)
        *val = v;
    return rc;
}

int ss_ks_sub_put(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version,
                  const void *sub, size_t sublen, const void *val, size_t vlen)
{
    kbuf b;
    int rc = sub_key(txn, db, key, klen, version, sub, sublen, &b);
    if (rc != SS_OK)
        return rc;
    rc = ss_txn_put(txn, b.p, b.len, val, vlen);
    kb_release(&b);
    return rc;
}

int ss_ks_sub_del(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version,
                  const void *sub, size_t sublen)
{
    kbuf b;
    int rc = sub_key(txn, db, key, klen, version, sub, sublen, &b);
    if (rc != SS_OK)
        return rc;
    rc = ss_txn_del(txn, b.p, b.len);
    kb_release(&b);
    return rc;
}

struct ss_ks_subiter {
    ss_txn_iter *it;
    kbuf prefix;   /* the collection's sub-key prefix; seeks append sub to it */
    size_t plen;
};

int ss_ks_subiter_new(ss_txn *txn, int db, const void *key, size_t klen, uint64_t version,
                      ss_ks_subiter **out)
{
    *out = NULL;
    kbuf lo;
    int rc = sub_key(txn, db, key, klen, version, NULL, 0, &lo);
    if (rc != SS_OK)
        return rc;
    ss_ks_subiter *si = calloc(1, sizeof *si);
    if (si == NULL) {
        kb_release(&lo);
        return SS_ENOMEM;
    }
    kbuf hi;
    kb_init(&hi);
    kb_add(&hi, lo.p, lo.len);
    kb_successor(&hi);
    si->it = ss_txn_iter_new(txn, lo.p, lo.len, hi.p, hi.len);
    kb_release(&hi);
    si->prefix = lo;
    if (lo.p == lo.inl) /* kbuf moved: re-point at its own inline storage */
        si->prefix.p = si->prefix.inl;
    si->plen = lo.len;
    *out = si;
    return SS_OK;
}

void ss_ks_subiter_free(ss_ks_subiter *si)
{
    if (si == NULL)
        return;
    ss_txn_iter_free(si->it);
    kb_release(&si->prefix);
    free(si);
}

void ss_ks_subiter_seek_first(ss_ks_subiter *si) { ss_txn_iter_seek_first(si->it); }
void ss_ks_subiter_seek_last(ss_ks_subiter *si) { ss_txn_iter_seek_last(si->it); }
bool ss_ks_subiter_valid(const ss_ks_subiter *si) { return ss_txn_iter_valid(si->it); }
void ss_ks_subiter_next(ss_ks_subiter *si) { ss_txn_iter_next(si->it); }
void ss_ks_subiter_prev(ss_ks_subiter *si) { ss_txn_iter_prev(si->it); }
ss_slice ss_ks_subiter_value(const ss_ks_subiter *si) { return ss_txn_iter_value(si->it); }

void ss_ks_subiter_seek(ss_ks_subiter *si, const void *sub, size_t sublen)
{
    si->prefix.len = si->plen;
    kb_add(&si->prefix, sub, sublen);
    ss_txn_iter_seek(si->it, si->prefix.p, si->prefix.len);
}

void ss_ks_subiter_seek_for_prev(ss_ks_subiter *si, const void *sub, size_t sublen)
{
    si->prefix.len = si->plen;
    kb_add(&si->prefix, sub, sublen);
    ss_txn_iter_seek_for_prev(si->it, si->prefix.p, si->prefix.len);
}

ss_slice ss_ks_subiter_sub(const ss_ks_subiter *si)
{
    ss_slice k = ss_txn_iter_key(si->it);
    k.data += si->plen;
    k.len -= si->plen;
    return k;
}

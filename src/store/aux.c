/* Replicated records beside the keyspace: (namespace, name) -> bytes under SS_KP_AUX. */
#include "store/aux.h"

#include "store/ks_internal.h"

static void aux_key(kbuf *b, ss_aux_ns ns, const void *name, size_t nlen)
{
    kb_init(b);
    kb_byte(b, SS_KP_AUX);
    kb_byte(b, (int)ns);
    kb_add(b, name, nlen);
}

int ss_aux_get(ss_txn *txn, ss_aux_ns ns, const void *name, size_t nlen, ss_slice *val)
{
    kbuf b;
    aux_key(&b, ns, name, nlen);
    int rc = ss_txn_get(txn, b.p, b.len, val);
    kb_release(&b);
    return rc;
}

int ss_aux_put(ss_txn *txn, ss_aux_ns ns, const void *name, size_t nlen, const void *val, size_t vlen)
{
    kbuf b;
    aux_key(&b, ns, name, nlen);
    int rc = ss_txn_put(txn, b.p, b.len, val, vlen);
    kb_release(&b);
    return rc;
}

int ss_aux_del(ss_txn *txn, ss_aux_ns ns, const void *name, size_t nlen)
{
    kbuf b;
    aux_key(&b, ns, name, nlen);
    int rc = ss_txn_del(txn, b.p, b.len);
    kb_release(&b);
    return rc;
}

/* Walks ns; with del, deletes each record after fn saw it. */
static int walk(ss_txn *txn, ss_aux_ns ns, ss_aux_fn fn, void *ud, bool del, size_t *count)
{
    kbuf lo, hi;
    aux_key(&lo, ns, NULL, 0);
    aux_key(&hi, ns, NULL, 0);
    kb_successor(&hi);
    ss_txn_iter *it = ss_txn_iter_new(txn, lo.p, lo.len, hi.p, hi.len);
    int rc = SS_OK;
    size_t n = 0;
    for (ss_txn_iter_seek_first(it); ss_txn_iter_valid(it); ss_txn_iter_next(it)) {
        ss_slice k = ss_txn_iter_key(it);
        ss_slice name = {k.data + 2, k.len - 2};
        if (fn && fn(ud, name, ss_txn_iter_value(it)) != 0)
            break;
        if (del && (rc = ss_txn_del(txn, k.data, k.len)) != SS_OK)
            break;
        n++;
    }
    if (rc == SS_OK)
        rc = ss_txn_iter_status(it, NULL);
    ss_txn_iter_free(it);
    kb_release(&lo);
    kb_release(&hi);
    if (count)
        *count = n;
    return rc;
}

int ss_aux_clear(ss_txn *txn, ss_aux_ns ns, size_t *count) { return walk(txn, ns, NULL, NULL, true, count); }

int ss_aux_each(ss_txn *txn, ss_aux_ns ns, ss_aux_fn fn, void *ud) { return walk(txn, ns, fn, ud, false, NULL); }

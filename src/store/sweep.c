/* The background sweep: deletes what deletes and flushes left unreachable, a budget at a time. */
#include "store/ks_internal.h"

#include "common/log.h"

/*
 * Every sweep step runs in one txn committed without an applied index, and
 * only deletes records no read can reach: sub-keys of queued versions,
 * records of flushed epochs, and finally the queue entry itself once its
 * range is empty. An interrupted sweep leaves the entry queued and redoes
 * (idempotently) what the lost commit had done.
 */

typedef struct {
    ss_txn *txn;
    size_t budget;
    size_t done;
} sweeper;

static bool spent(const sweeper *sw)
{
    return sw->done >= sw->budget;
}

/* Deletes records in [lo, lo's successor) until the budget runs out. For
 * metadata records, also their expiry index entries. Returns true if the
 * range is now empty. */
static bool clear_range(sweeper *sw, const char *lo, size_t lolen, bool meta, int *rc)
{
    kbuf hi;
    kb_init(&hi);
    kb_add(&hi, lo, lolen);
    kb_successor(&hi);
    ss_txn_iter *it = ss_txn_iter_new(sw->txn, lo, lolen, hi.p, hi.len);
    kb_release(&hi);
    ss_txn_iter_seek_first(it);
    while (ss_txn_iter_valid(it) && !spent(sw) && *rc == SS_OK) {
        ss_slice k = ss_txn_iter_key(it);
        if (meta) {
            ss_slice v = ss_txn_iter_value(it);
            ss_keymeta m;
            if (ks_meta_decode(v.data, v.len, &m, NULL) == SS_OK && m.expire_ms != 0) {
                /* meta key: 0x10 db epoch key -> expire key: 0x12 ms db epoch key */
                kbuf ek;
                kb_init(&ek);
                kb_byte(&ek, SS_KP_EXPIRE);
                kb_u64(&ek, m.expire_ms);
                kb_add(&ek, k.data + 1, k.len - 1);
                *rc = ss_txn_del(sw->txn, ek.p, ek.len);
                kb_release(&ek);
                sw->done++;
            }
        }
        if (*rc == SS_OK)
            *rc = ss_txn_del(sw->txn, k.data, k.len);
        sw->done++;
        ss_txn_iter_next(it);
    }
    bool empty = !ss_txn_iter_valid(it);
    if (*rc == SS_OK)
        *rc = ss_txn_iter_status(it, NULL);
    ss_txn_iter_free(it);
    return empty && *rc == SS_OK;
}

/* A flushed epoch: its metadata (with expiry entries), sub-keys and
 * queued versions, then the queue entry. */
static bool sweep_epoch(sweeper *sw, const char *entry, size_t len, int *rc)
{
    if (len != 10)
        return true; /* malformed entry: drop it */
    char p[10];
    memcpy(p, entry, 10);
    p[0] = (char)SS_KP_META;
    if (!clear_range(sw, p, 10, true, rc))
        return false;
    p[0] = (char)SS_KP_SUB;
    if (!clear_range(sw, p, 10, false, rc))
        return false;
    p[0] = (char)SS_KP_GC_VER;
    return clear_range(sw, p, 10, false, rc);
}

/* An orphaned version: its sub-keys, then the queue entry. */
static bool sweep_version(sweeper *sw, const char *entry, size_t len, int *rc)
{
    if (len < 22)
        return true;
    const unsigned char *e = (const unsigned char *)entry;
    int db = e[1];
    uint64_t epoch = ss_decode_u64_be(e + 2);
    size_t klen = ((size_t)e[10] << 24) | ((size_t)e[11] << 16) | ((size_t)e[12] << 8) | e[13];
    if (db >= SS_KS_DBS || len != 22 + klen)
        return true;
    uint64_t version = ss_decode_u64_be(e + 14 + klen);
    if (epoch == sw->txn->ks_epoch[db]) {
        ss_keymeta m;
        if (ss_ks_lookup_any(sw->txn, db, entry + 14, klen, &m, NULL) == SS_OK &&
            ks_has_subs(&m) && m.version == version) {
            /* A caller reused a live version: its sub-keys are reachable. */
            LOG_WARNING("store: garbage entry names the live version %llu of a key; kept its data",
                        (unsigned long long)version);
            return true;
        }
    }
    kbuf sub;
    kb_init(&sub);
    kb_add(&sub, entry, len);
    sub.p[0] = (char)SS_KP_SUB;
    bool empty = clear_range(sw, sub.p, sub.len, false, rc);
    kb_release(&sub);
    return empty;
}

/* Works through one queue region; returns true if it is now empty. */
static bool sweep_queue(sweeper *sw, int region, int *rc)
{
    const char lo[1] = { (char)region }, hi[1] = { (char)(region + 1) };
    ss_txn_iter *q = ss_txn_iter_new(sw->txn, lo, 1, hi, 1);
    ss_txn_iter_seek_first(q);
    while (ss_txn_iter_valid(q) && !spent(sw) && *rc == SS_OK) {
        ss_slice k = ss_txn_iter_key(q);
        bool finished = region == SS_KP_GC_EPOCH ? sweep_epoch(sw, k.data, k.len, rc)
                                                 : sweep_version(sw, k.data, k.len, rc);
        if (!finished || *rc != SS_OK)
            break;
        *rc = ss_txn_del(sw->txn, k.data, k.len);
        sw->done++;
        ss_txn_iter_next(q);
    }
    bool empty = !ss_txn_iter_valid(q);
    ss_txn_iter_free(q);
    return empty && *rc == SS_OK;
}

int ss_store_sweep(ss_store *s, size_t budget, bool *more, char *errmsg)
{
    *more = true;
    if (s->writer != NULL)
        return ss_errf(errmsg, SS_EBUSY, "sweep: a txn with pending writes is open");
    sweeper sw = { ss_txn_begin(s), budget ? budget : 1, 0 };
    sw.txn->bulk = true;
    int rc = SS_OK;
    bool epochs_done = sweep_queue(&sw, SS_KP_GC_EPOCH, &rc);
    bool versions_done = epochs_done && rc == SS_OK && sweep_queue(&sw, SS_KP_GC_VER, &rc);
    if (rc != SS_OK) {
        ss_txn_abort(sw.txn);
        return ss_errf(errmsg, rc, "sweep: %s", ss_strerror(rc));
    }
    rc = txn_commit_internal(sw.txn, false, 0, 0, errmsg);
    if (rc != SS_OK)
        return ss_errwrap(errmsg, rc, "sweep");
    *more = !versions_done;
    return SS_OK;
}

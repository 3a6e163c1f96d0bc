/* Walking the keyspace: live keys of a db in order (KEYS, SCAN, RANDOMKEY) and the expiry index. */
#include "store/ks_internal.h"

struct ss_ks_keyiter {
    ss_txn_iter *it;
    uint64_t now_ms;
    size_t plen;   /* length of the metadata prefix (region, db, epoch) */
    kbuf seek;
};

int ss_ks_keyiter_new(ss_txn *txn, int db, uint64_t now_ms, ss_ks_keyiter **out)
{
    *out = NULL;
    if (!ks_resolve(txn, &db))
        return SS_EINVAL;
    ss_ks_keyiter *ki = calloc(1, sizeof *ki);
    if (ki == NULL)
        return SS_ENOMEM;
    kbuf lo, hi;
    kb_init(&lo);
    kb_init(&hi);
    ks_meta_prefix(&lo, db, txn->ks_epoch[db]);
    ks_meta_prefix(&hi, db, txn->ks_epoch[db]);
    kb_successor(&hi);
    ki->it = ss_txn_iter_new(txn, lo.p, lo.len, hi.p, hi.len);
    ki->plen = lo.len;
    ki->now_ms = now_ms;
    kb_init(&ki->seek);
    kb_add(&ki->seek, lo.p, lo.len);
    kb_release(&lo);
    kb_release(&hi);
    *out = ki;
    return SS_OK;
}

void ss_ks_keyiter_free(ss_ks_keyiter *ki)
{
    if (ki == NULL)
        return;
    ss_txn_iter_free(ki->it);
    /* kb_release compares against ki->seek.inl, which moved with ki: fine,
     * ki->seek was initialised in place. */
    kb_release(&ki->seek);
    free(ki);
}

static bool current_expired(const ss_ks_keyiter *ki)
{
    ss_slice v = ss_txn_iter_value(ki->it);
    ss_keymeta m;
    if (ks_meta_decode(v.data, v.len, &m, NULL) != SS_OK)
        return true; /* a corrupt record is not a live key */
    return ks_expired(&m, ki->now_ms);
}

static void skip_expired(ss_ks_keyiter *ki)
{
    while (ss_txn_iter_valid(ki->it) && current_expired(ki))
        ss_txn_iter_next(ki->it);
}

void ss_ks_keyiter_seek(ss_ks_keyiter *ki, const void *key, size_t klen)
{
    ki->seek.len = ki->plen;
    kb_add(&ki->seek, key, klen);
    ss_txn_iter_seek(ki->it, ki->seek.p, ki->seek.len);
    skip_expired(ki);
}

void ss_ks_keyiter_seek_after(ss_ks_keyiter *ki, const void *key, size_t klen)
{
    /* The smallest key above key is key + "\0". */
    ki->seek.len = ki->plen;
    kb_add(&ki->seek, key, klen);
    kb_byte(&ki->seek, 0);
    ss_txn_iter_seek(ki->it, ki->seek.p, ki->seek.len);
    skip_expired(ki);
}

bool ss_ks_keyiter_valid(const ss_ks_keyiter *ki)
{
    return ss_txn_iter_valid(ki->it);
}

void ss_ks_keyiter_next(ss_ks_keyiter *ki)
{
    ss_txn_iter_next(ki->it);
    skip_expired(ki);
}

ss_slice ss_ks_keyiter_key(const ss_ks_keyiter *ki)
{
    ss_slice k = ss_txn_iter_key(ki->it);
    k.data += ki->plen;
    k.len -= ki->plen;
    return k;
}

int ss_ks_keyiter_meta(const ss_ks_keyiter *ki, ss_keymeta *meta, ss_slice *value)
{
    ss_slice v = ss_txn_iter_value(ki->it);
    return ks_meta_decode(v.data, v.len, meta, value);
}

/* Builds a probe between the db's first and last keys: their common prefix,
 * then a byte drawn from the range they span, then random bytes. */
static void random_probe(kbuf *probe, ss_slice first, ss_slice last, uint64_t rnd)
{
    size_t p = 0;
    while (p < first.len && p < last.len && first.data[p] == last.data[p])
        p++;
    kb_add(probe, first.data, p);
    unsigned lo = p < first.len ? (unsigned char)first.data[p] : 0;
    unsigned hi = p < last.len ? (unsigned char)last.data[p] : 0;
    kb_byte(probe, (int)(lo + (rnd % (hi - lo + 1))));
    uint64_t x = rnd * 0x9E3779B97F4A7C15ull + 1;
    kb_u64(probe, x ^ (x >> 29));
}

static int copy_key(ss_slice k, char *buf, size_t cap, size_t *klen)
{
    *klen = k.len;
    if (k.len > cap)
        return SS_ETOOBIG;
    if (k.len)
        memcpy(buf, k.data, k.len);
    return SS_OK;
}

int ss_ks_random_key(ss_txn *txn, int db, uint64_t now_ms, uint64_t rnd, char *buf,
                     size_t cap, size_t *klen)
{
    ss_ks_keyiter *ki;
    int rc = ss_ks_keyiter_new(txn, db, now_ms, &ki);
    if (rc != SS_OK)
        return rc;
    /* Bounds over every record (expired too): only used to aim the probe. */
    ss_txn_iter_seek_last(ki->it);
    if (!ss_txn_iter_valid(ki->it)) {
        ss_ks_keyiter_free(ki);
        return SS_ENOTFOUND;
    }
    kbuf last, probe;
    kb_init(&last);
    kb_init(&probe);
    ss_slice lk = ss_ks_keyiter_key(ki);
    kb_add(&last, lk.data, lk.len);
    ss_txn_iter_seek_first(ki->it);
    ss_slice last_s = { last.p, last.len };
    random_probe(&probe, ss_ks_keyiter_key(ki), last_s, rnd);
    ss_ks_keyiter_seek(ki, probe.p, probe.len);
    if (!ss_ks_keyiter_valid(ki)) { /* past the last live key: wrap around */
        ss_txn_iter_seek_first(ki->it);
        skip_expired(ki);
    }
    rc = ss_ks_keyiter_valid(ki) ? copy_key(ss_ks_keyiter_key(ki), buf, cap, klen)
                                 : SS_ENOTFOUND;
    kb_release(&last);
    kb_release(&probe);
    ss_ks_keyiter_free(ki);
    return rc;
}

int ss_ks_expired(ss_txn *txn, uint64_t now_ms, size_t limit, ss_ks_expired_cb cb, void *ud)
{
    const char lo[1] = { (char)SS_KP_EXPIRE }, hi[1] = { (char)(SS_KP_EXPIRE + 1) };
    ss_txn_iter *it = ss_txn_iter_new(txn, lo, 1, hi, 1);
    int n = 0;
    /* Entries of flushed epochs are skipped; bound how many, so that a big
     * FLUSHALL not yet swept cannot stall the caller. */
    size_t stale = 0, max_stale = 4096;
    int logical[SS_KS_DBS]; /* the callback names the db a client selects */
    for (int d = 0; d < SS_KS_DBS; d++)
        logical[txn->ks_map[d]] = d;
    for (ss_txn_iter_seek_first(it); ss_txn_iter_valid(it) && (size_t)n < limit &&
         stale < max_stale; ss_txn_iter_next(it)) {
        ss_slice k = ss_txn_iter_key(it);
        if (k.len < 18)
            continue; /* malformed: not ours to list */
        const unsigned char *p = (const unsigned char *)k.data;
        uint64_t expire_ms = ss_decode_u64_be(p + 1);
        if (expire_ms > now_ms)
            break;
        int db = p[9];
        uint64_t epoch = ss_decode_u64_be(p + 10);
        /* Entries of flushed epochs wait for the sweeper. */
        if (db >= SS_KS_DBS || epoch != txn->ks_epoch[db]) {
            stale++;
            continue;
        }
        n++;
        if (cb(ud, logical[db], k.data + 18, k.len - 18, expire_ms) != 0)
            break;
    }
    int rc = ss_txn_iter_status(it, NULL);
    ss_txn_iter_free(it);
    return rc != SS_OK ? -rc : n;
}

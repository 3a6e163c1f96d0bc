/* The merged iterator: a txn's pending writes over a LevelDB iterator, both directions. */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

/*
 * Invariants while valid, with cur the current key:
 *   forward: li is at the first LevelDB key >= cur;
 *   reverse: li is at the last LevelDB key <= cur.
 * The overlay side is re-sought from cur on every move (O(log n), and the
 * overlay is empty on the read path), so writes made by the txn during the
 * iteration are never skipped. On equal keys the overlay wins; a dead overlay
 * node hides the LevelDB key.
 */
struct ss_txn_iter {
    ss_txn *txn;
    leveldb_iterator_t *li;
    char *lo, *hi;
    size_t lolen, hilen;
    bool has_hi;
    bool valid;
    bool forward;
    ov_node *cur_ov;          /* the current entry's overlay node, or NULL if from LevelDB */
    char *cur;                /* copy of the current key */
    size_t curlen, curcap;
};

static char *dup_bytes(const void *p, size_t n)
{
    char *d = malloc(n ? n : 1);
    if (d == NULL)
        abort();
    if (n)
        memcpy(d, p, n);
    return d;
}

ss_txn_iter *ss_txn_iter_new(ss_txn *txn, const void *lo, size_t lolen,
                             const void *hi, size_t hilen)
{
    ss_txn_iter *it = calloc(1, sizeof *it);
    if (it == NULL)
        abort();
    it->txn = txn;
    it->li = leveldb_create_iterator(txn->s->db, txn_iter_ropts(txn));
    it->lo = dup_bytes(lo, lo ? lolen : 0);
    it->lolen = lo ? lolen : 0;
    if (hi != NULL) {
        it->hi = dup_bytes(hi, hilen);
        it->hilen = hilen;
        it->has_hi = true;
    }
    txn->live_iters++;
    return it;
}

void ss_txn_iter_free(ss_txn_iter *it)
{
    if (it == NULL)
        return;
    it->txn->live_iters--;
    leveldb_iter_destroy(it->li);
    free(it->lo);
    free(it->hi);
    free(it->cur);
    free(it);
}

static bool below_hi(const ss_txn_iter *it, const char *k, size_t klen)
{
    return !it->has_hi || ov_keycmp(k, klen, it->hi, it->hilen) < 0;
}

static bool at_least_lo(const ss_txn_iter *it, const char *k, size_t klen)
{
    return ov_keycmp(k, klen, it->lo, it->lolen) >= 0;
}

static void set_cur(ss_txn_iter *it, const char *k, size_t klen, ov_node *n)
{
    if (klen > it->curcap) {
        size_t cap = klen < 64 ? 64 : klen * 2;
        char *c = realloc(it->cur, cap);
        if (c == NULL)
            abort();
        it->cur = c;
        it->curcap = cap;
    }
    if (klen)
        memcpy(it->cur, k, klen);
    it->curlen = klen;
    it->cur_ov = n;
    it->valid = true;
}

/* Merges the two ordered sources: picks the next visible entry in the
 * iterator's direction from li (already positioned) and the overlay from n.
 * Forward it is the smallest key >= the position, in reverse the largest
 * <= it. An overlay entry shadows LevelDB's at the same key; a dead one
 * (deleted in this transaction) hides it and is skipped. */
static void settle(ss_txn_iter *it, ov_node *n, bool forward)
{
    it->forward = forward;
    it->valid = false;
    for (;;) {
        size_t lklen = 0;
        const char *lk = NULL;
        if (leveldb_iter_valid(it->li)) {
            lk = leveldb_iter_key(it->li, &lklen);
            if (!(forward ? below_hi(it, lk, lklen) : at_least_lo(it, lk, lklen)))
                lk = NULL;
        }
        if (n != NULL &&
            !(forward ? below_hi(it, ov_key(n), n->klen) : at_least_lo(it, ov_key(n), n->klen)))
            n = NULL;
        if (lk == NULL && n == NULL)
            return;
        /* c < 0: the overlay's key comes first in this direction. */
        int c = lk == NULL ? -1 : n == NULL ? 1 : ov_keycmp(ov_key(n), n->klen, lk, lklen);
        if (!forward && lk != NULL && n != NULL)
            c = -c;
        if (c > 0) {
            set_cur(it, lk, lklen, NULL);
            return;
        }
        if (!n->dead) {
            set_cur(it, ov_key(n), n->klen, n);
            return;
        }
        if (c == 0) {
            if (forward)
                leveldb_iter_next(it->li);
            else
                leveldb_iter_prev(it->li);
        }
        n = forward ? ov_next(n) : ov_prev(n);
    }
}

/* Positions li at the last key < k (strict) or <= k. */
static void ldb_seek_le(leveldb_iterator_t *li, const char *k, size_t klen, bool strict)
{
    leveldb_iter_seek(li, k, klen);
    if (!leveldb_iter_valid(li)) {
        leveldb_iter_seek_to_last(li);
        return;
    }
    size_t lklen;
    const char *lk = leveldb_iter_key(li, &lklen);
    if (strict || ov_keycmp(lk, lklen, k, klen) != 0)
        leveldb_iter_prev(li);
}

void ss_txn_iter_seek(ss_txn_iter *it, const void *key, size_t klen)
{
    if (ov_keycmp(key, klen, it->lo, it->lolen) < 0) {
        key = it->lo;
        klen = it->lolen;
    }
    leveldb_iter_seek(it->li, key, klen);
    settle(it, overlay_seek_ge(&it->txn->ov, key, klen, false), true);
}

void ss_txn_iter_seek_first(ss_txn_iter *it)
{
    ss_txn_iter_seek(it, it->lo, it->lolen);
}

void ss_txn_iter_seek_last(ss_txn_iter *it)
{
    if (it->has_hi) {
        ldb_seek_le(it->li, it->hi, it->hilen, true);
        settle(it, overlay_seek_le(&it->txn->ov, it->hi, it->hilen, true), false);
    } else {
        leveldb_iter_seek_to_last(it->li);
        settle(it, overlay_last(&it->txn->ov), false);
    }
}

void ss_txn_iter_seek_for_prev(ss_txn_iter *it, const void *key, size_t klen)
{
    if (it->has_hi && ov_keycmp(key, klen, it->hi, it->hilen) >= 0) {
        ss_txn_iter_seek_last(it);
        return;
    }
    ldb_seek_le(it->li, key, klen, false);
    settle(it, overlay_seek_le(&it->txn->ov, key, klen, false), false);
}

bool ss_txn_iter_valid(const ss_txn_iter *it)
{
    return it->valid;
}

void ss_txn_iter_next(ss_txn_iter *it)
{
    if (!it->valid)
        return;
    if (it->forward) {
        if (leveldb_iter_valid(it->li)) {
            size_t lklen;
            const char *lk = leveldb_iter_key(it->li, &lklen);
            if (ov_keycmp(lk, lklen, it->cur, it->curlen) == 0)
                leveldb_iter_next(it->li);
        }
    } else {
        leveldb_iter_seek(it->li, it->cur, it->curlen);
        if (leveldb_iter_valid(it->li)) {
            size_t lklen;
            const char *lk = leveldb_iter_key(it->li, &lklen);
            if (ov_keycmp(lk, lklen, it->cur, it->curlen) == 0)
                leveldb_iter_next(it->li);
        }
    }
    settle(it, overlay_seek_ge(&it->txn->ov, it->cur, it->curlen, true), true);
}

void ss_txn_iter_prev(ss_txn_iter *it)
{
    if (!it->valid)
        return;
    if (!it->forward) {
        if (leveldb_iter_valid(it->li)) {
            size_t lklen;
            const char *lk = leveldb_iter_key(it->li, &lklen);
            if (ov_keycmp(lk, lklen, it->cur, it->curlen) == 0)
                leveldb_iter_prev(it->li);
        }
    } else {
        ldb_seek_le(it->li, it->cur, it->curlen, true);
    }
    settle(it, overlay_seek_le(&it->txn->ov, it->cur, it->curlen, true), false);
}

ss_slice ss_txn_iter_key(const ss_txn_iter *it)
{
    ss_slice k = { it->cur, it->curlen };
    return k;
}

ss_slice ss_txn_iter_value(const ss_txn_iter *it)
{
    ss_slice v = { "", 0 };
    if (it->cur_ov != NULL) {
        if (it->cur_ov->val != NULL) {
            v.data = it->cur_ov->val;
            v.len = it->cur_ov->vlen;
        }
        return v;
    }
    v.data = leveldb_iter_value(it->li, &v.len);
    return v;
}

int ss_txn_iter_status(const ss_txn_iter *it, char *errmsg)
{
    char *lerr = NULL;
    leveldb_iter_get_error(it->li, &lerr);
    if (lerr != NULL)
        return store_leveldb_err(errmsg, SS_EIO, "iterate", lerr);
    return SS_OK;
}

/* Transactions: pending writes in an ordered overlay, committed with the applied index in one batch. */
#include "store/store_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/*
 * A cache hit hands the caller a copy (a later miss may evict the entry
 * while the value is in use). The copies live in chunks owned by the txn
 * and go when it ends: one bump of a pointer instead of a malloc, a slot in
 * `held` and a free per hit. The spare txn keeps its first chunk.
 */
#define COPY_CHUNK 16384

struct txn_chunk {
    struct txn_chunk *next;
    size_t used, cap;
    _Alignas(max_align_t) char data[];
};

static char *copy_alloc(ss_txn *txn, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    struct txn_chunk *c = txn->copies;
    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > COPY_CHUNK / 2 ? n : COPY_CHUNK;
        c = malloc(sizeof *c + cap);
        if (c == NULL)
            return NULL;
        c->used = 0;
        c->cap = cap;
        /* a big one-off copy goes behind the current chunk, which keeps filling */
        if (cap != COPY_CHUNK && txn->copies != NULL) {
            c->next = txn->copies->next;
            txn->copies->next = c;
        } else {
            c->next = txn->copies;
            txn->copies = c;
        }
    }
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

/* Frees every chunk but one standard chunk, emptied, for the next txn. */
static void copies_reset(ss_txn *txn, bool keep_one)
{
    struct txn_chunk *keep = NULL, *c = txn->copies;
    while (c != NULL) {
        struct txn_chunk *next = c->next;
        if (keep_one && keep == NULL && c->cap == COPY_CHUNK) {
            keep = c;
            keep->used = 0;
            keep->next = NULL;
        } else {
            free(c);
        }
        c = next;
    }
    txn->copies = keep;
}

ss_txn *ss_txn_begin(ss_store *s)
{
    ss_txn *txn = s->spare;
    if (txn != NULL) {
        s->spare = NULL;
    } else {
        txn = calloc(1, sizeof *txn);
        if (txn == NULL)
            abort();
        overlay_init(&txn->ov);
    }
    txn->s = s;
    txn->ks_dirty = false;
    txn->bulk = false;
    memcpy(txn->ks_epoch, s->ks_epoch, sizeof txn->ks_epoch);
    memcpy(txn->ks_count, s->ks_count, sizeof txn->ks_count);
    memcpy(txn->ks_vol, s->ks_vol, sizeof txn->ks_vol);
    memcpy(txn->ks_map, s->ks_map, sizeof txn->ks_map);
    s->open_txns++;
    return txn;
}

static void txn_end(ss_txn *txn)
{
    ss_store *s = txn->s;
    if (txn->live_iters != 0) {
        LOG_WARNING("store: txn ended with %d live iterators", txn->live_iters);
        abort(); /* their pointers into the overlay would dangle */
    }
    for (size_t i = 0; i < txn->nheld; i++)
        leveldb_free(txn->held[i]);
    txn->nheld = 0;
    overlay_release(&txn->ov);
    if (txn->view != NULL) {
        leveldb_readoptions_destroy(txn->view_ropts);
        leveldb_release_snapshot(s->db, txn->view);
        txn->view = NULL;
        txn->view_ropts = NULL;
    }
    if (s->writer == txn)
        s->writer = NULL;
    s->open_txns--;
    /* Keep one txn for reuse so that the read path (every GET) allocates
     * nothing; drop big held arrays rather than pin them. */
    if (s->spare == NULL && txn->capheld <= 64) {
        copies_reset(txn, true);
        s->spare = txn;
        return;
    }
    copies_reset(txn, false);
    free(txn->held);
    free(txn);
}

ss_txn *ss_txn_begin_view(ss_store *s)
{
    ss_txn *txn = ss_txn_begin(s);
    txn->view_ropts = leveldb_readoptions_create();
    txn->view = leveldb_create_snapshot(s->db);
    leveldb_readoptions_set_snapshot(txn->view_ropts, txn->view);
    return txn;
}

leveldb_readoptions_t *txn_iter_ropts(const ss_txn *txn)
{
    if (txn->view_ropts != NULL)
        return txn->view_ropts;
    return txn->bulk ? txn->s->bulk_ropts : txn->s->ropts;
}

void txn_free_spare(ss_txn *txn)
{
    if (txn == NULL)
        return;
    copies_reset(txn, false);
    free(txn->held);
    free(txn);
}

int txn_hold(ss_txn *txn, char *buf)
{
    if (txn->nheld == txn->capheld) {
        size_t cap = txn->capheld ? txn->capheld * 2 : 8;
        char **held = realloc(txn->held, cap * sizeof *held);
        if (held == NULL)
            return SS_ENOMEM;
        txn->held = held;
        txn->capheld = cap;
    }
    txn->held[txn->nheld++] = buf;
    return SS_OK;
}

/* Where a cache hit's value goes: a copy in the txn's chunks (held), a
 * copy for the caller to free (owned), or no copy (peek). */
typedef enum { GET_HELD, GET_OWNED, GET_PEEK } get_mode;

static int get_record(ss_txn *txn, const void *key, size_t klen, ss_slice *val, char **to_free, get_mode mode);

int ss_txn_get(ss_txn *txn, const void *key, size_t klen, ss_slice *val)
{
    char *fresh;
    int rc = get_record(txn, key, klen, val, &fresh, GET_HELD);
    if (rc == SS_OK && fresh != NULL && txn_hold(txn, fresh) != SS_OK) {
        leveldb_free(fresh);
        return SS_ENOMEM;
    }
    return rc;
}

static int may_write(ss_txn *txn, size_t klen, size_t vlen)
{
    ss_store *s = txn->s;
    if (s->writer != NULL && s->writer != txn)
        return SS_EBUSY;
    if (txn->ov.bytes + klen + vlen > s->max_txn_bytes)
        return SS_ETOOBIG;
    return SS_OK;
}

static int write_one(ss_txn *txn, const void *key, size_t klen, const void *val,
                     size_t vlen, bool dead)
{
    int rc = may_write(txn, klen, vlen);
    if (rc != SS_OK)
        return rc;
    if (overlay_put(&txn->ov, key, klen, val, vlen, dead) != 0)
        return SS_ENOMEM;
    txn->s->writer = txn;
    return SS_OK;
}

int txn_put_owned(ss_txn *txn, const void *key, size_t klen, char *val, size_t vlen)
{
    int rc = may_write(txn, klen, vlen);
    if (rc != SS_OK) {
        free(val);
        return rc;
    }
    if (overlay_put_owned(&txn->ov, key, klen, val, vlen) != 0)
        return SS_ENOMEM;
    txn->s->writer = txn;
    return SS_OK;
}

int ss_txn_put(ss_txn *txn, const void *key, size_t klen, const void *val, size_t vlen)
{
    return write_one(txn, key, klen, val, vlen, false);
}

int ss_txn_del(ss_txn *txn, const void *key, size_t klen)
{
    return write_one(txn, key, klen, NULL, 0, true);
}

size_t ss_txn_pending(const ss_txn *txn)
{
    return txn->ov.count;
}

static void put_u64(leveldb_writebatch_t *batch, const char *key, size_t klen, uint64_t v)
{
    char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (char)(v >> (56 - 8 * i));
    leveldb_writebatch_put(batch, key, klen, b, 8);
}

/* After a commit: every cached record the batch wrote takes its new value
 * (puts also add the key: it is likely read next); a delete marks a key
 * absent only if it was cached, so that deletes do not push the hot keys
 * out. A bulk txn (a sweep) adds nothing and forgets what it deletes. */
static void update_cache(ss_txn *txn)
{
    kcache *kc = &txn->s->kc;
    if (kc->capacity == 0)
        return;
    for (ov_node *n = overlay_first(&txn->ov); n != NULL; n = ov_next(n)) {
        if (!store_cacheable(ov_key(n), n->klen))
            continue;
        if (n->dead && txn->bulk)
            kcache_del(kc, ov_key(n), n->klen);
        else if (n->dead)
            kcache_set(kc, ov_key(n), n->klen, NULL, 0, false);
        else
            kcache_set(kc, ov_key(n), n->klen, n->val ? n->val : "", n->vlen, !txn->bulk);
    }
}

int txn_commit_internal(ss_txn *txn, bool set_index, uint64_t applied_index,
                        uint64_t applied_term, char *errmsg)
{
    ss_store *s = txn->s;
    if (set_index && applied_index < s->applied_index) {
        int rc = ss_errf(errmsg, SS_EINVAL, "commit at applied index %llu below %llu",
                         (unsigned long long)applied_index,
                         (unsigned long long)s->applied_index);
        txn_end(txn);
        return rc;
    }
    if (txn->ov.count == 0 && (!set_index || applied_index == s->applied_index)) {
        txn_end(txn);
        return SS_OK;
    }
    leveldb_writebatch_t *batch = leveldb_writebatch_create();
    for (ov_node *n = overlay_first(&txn->ov); n != NULL; n = ov_next(n)) {
        if (n->dead)
            leveldb_writebatch_delete(batch, ov_key(n), n->klen);
        else
            leveldb_writebatch_put(batch, ov_key(n), n->klen, n->val ? n->val : "", n->vlen);
    }
    if (set_index) {
        put_u64(batch, SS_STORE_APPLIED_KEY, sizeof(SS_STORE_APPLIED_KEY) - 1, applied_index);
        /* The term changes once an election, the index every batch: the
         * record already says this term unless it changed (terms only grow
         * along the log), and a memtable insert per batch is not free. */
        if (applied_term != 0 && applied_term != s->applied_term)
            put_u64(batch, SS_STORE_APPLIED_TERM_KEY, sizeof(SS_STORE_APPLIED_TERM_KEY) - 1,
                    applied_term);
    }
    char *lerr = NULL;
    leveldb_write(s->db, s->wopts, batch, &lerr);
    leveldb_writebatch_destroy(batch);
    if (lerr != NULL) {
        /* Nothing should have been written, but the cache need not bet on it. */
        kcache_clear(&s->kc);
        int rc = store_leveldb_err(errmsg, SS_EIO, "commit", lerr);
        txn_end(txn);
        return rc;
    }
    update_cache(txn);
    if (set_index) {
        s->applied_index = applied_index;
        if (applied_term != 0)
            s->applied_term = applied_term;
    }
    if (txn->ks_dirty) {
        memcpy(s->ks_epoch, txn->ks_epoch, sizeof s->ks_epoch);
        memcpy(s->ks_count, txn->ks_count, sizeof s->ks_count);
        memcpy(s->ks_vol, txn->ks_vol, sizeof s->ks_vol);
        memcpy(s->ks_map, txn->ks_map, sizeof s->ks_map);
    }
    txn_end(txn);
    return SS_OK;
}

int ss_txn_commit(ss_txn *txn, uint64_t applied_index, char *errmsg)
{
    return txn_commit_internal(txn, true, applied_index, 0, errmsg);
}

int ss_txn_commit_term(ss_txn *txn, uint64_t applied_index, uint64_t applied_term, char *errmsg)
{
    return txn_commit_internal(txn, true, applied_index, applied_term, errmsg);
}

int ss_txn_savepoint(ss_txn *txn)
{
    if (overlay_savepoint(&txn->ov) != 0)
        return SS_ENOMEM;
    txn->sp_ks_dirty = txn->ks_dirty;
    memcpy(txn->sp_ks_epoch, txn->ks_epoch, sizeof txn->ks_epoch);
    memcpy(txn->sp_ks_count, txn->ks_count, sizeof txn->ks_count);
    memcpy(txn->sp_ks_vol, txn->ks_vol, sizeof txn->ks_vol);
    memcpy(txn->sp_ks_map, txn->ks_map, sizeof txn->ks_map);
    return SS_OK;
}

void ss_txn_rollback(ss_txn *txn)
{
    if (txn->live_iters != 0) {
        LOG_WARNING("store: rollback with %d live iterators", txn->live_iters);
        abort(); /* they would point at freed nodes */
    }
    overlay_rollback(&txn->ov);
    txn->ks_dirty = txn->sp_ks_dirty;
    memcpy(txn->ks_epoch, txn->sp_ks_epoch, sizeof txn->ks_epoch);
    memcpy(txn->ks_count, txn->sp_ks_count, sizeof txn->ks_count);
    memcpy(txn->ks_vol, txn->sp_ks_vol, sizeof txn->ks_vol);
    memcpy(txn->ks_map, txn->sp_ks_map, sizeof txn->ks_map);
}

void ss_txn_release_savepoint(ss_txn *txn) { overlay_release_savepoint(&txn->ov); }

void ss_txn_abort(ss_txn *txn)
{
    if (txn != NULL)
        txn_end(txn);
}

/* A point read. GET_HELD: the value lives as long as the txn (a cache hit's
 * copy in the txn's chunks; *to_free, when set, still for the caller to hand
 * to txn_hold); otherwise the caller frees *to_free once it has read it, and
 * under GET_PEEK a cache hit's value is the cache's own bytes, good until the
 * next call into the store. */
static int get_record(ss_txn *txn, const void *key, size_t klen, ss_slice *val, char **to_free, get_mode mode)
{
    *to_free = NULL;
    ov_node *n = overlay_find(&txn->ov, key, klen);
    if (n != NULL) {
        if (n->dead)
            return SS_ENOTFOUND;
        val->data = n->val ? n->val : "";
        val->len = n->vlen;
        return SS_OK;
    }
    ss_store *s = txn->s;
    /* A view (a read-only script's, on its own thread) reads LevelDB's
     * snapshot of its begin: the cache holds the newest state and belongs
     * to the loop thread. */
    bool cacheable = txn->view_ropts == NULL && store_cacheable(key, klen);
    if (cacheable) {
        /* The cache answers for the committed state, as LevelDB would. The
         * caller gets a copy: a later miss may evict the entry while the
         * value is still in use. */
        const char *cv = NULL;
        size_t cvlen = 0;
        switch (kcache_get(&s->kc, key, klen, &cv, &cvlen)) {
        case KC_ABSENT:
            return SS_ENOTFOUND;
        case KC_HIT: {
            if (mode == GET_PEEK) {
                val->data = cvlen ? cv : "";
                val->len = cvlen;
                return SS_OK;
            }
            /* held: the txn's chunks, nothing for the caller to free;
             * otherwise the caller's own copy, freed as soon as it is read */
            bool held = mode == GET_HELD;
            char *copy = held ? copy_alloc(txn, cvlen ? cvlen : 1) : malloc(cvlen ? cvlen : 1);
            if (copy == NULL)
                return SS_ENOMEM;
            memcpy(copy, cv, cvlen);
            if (!held)
                *to_free = copy; /* leveldb_free is free */
            val->data = copy;
            val->len = cvlen;
            return SS_OK;
        }
        case KC_MISS:
            break;
        }
    }
    char *lerr = NULL;
    size_t vlen = 0;
    char *v = leveldb_get(s->db, txn->view_ropts ? txn->view_ropts : s->ropts, key, klen, &vlen, &lerr);
    if (lerr != NULL) {
        LOG_WARNING("store: get: %s", lerr);
        leveldb_free(lerr);
        return SS_EIO;
    }
    /* A sweep's reads do not displace the hot set (as its iterators skip
     * LevelDB's block cache). */
    if (cacheable && !txn->bulk)
        kcache_set(&s->kc, key, klen, v, vlen, true);
    if (v == NULL)
        return SS_ENOTFOUND;
    *to_free = v;
    val->data = v;
    val->len = vlen;
    return SS_OK;
}

int txn_get_owned(ss_txn *txn, const void *key, size_t klen, ss_slice *val, char **to_free)
{
    return get_record(txn, key, klen, val, to_free, GET_OWNED);
}

int txn_get_peek(ss_txn *txn, const void *key, size_t klen, ss_slice *val, char **to_free)
{
    return get_record(txn, key, klen, val, to_free, GET_PEEK);
}

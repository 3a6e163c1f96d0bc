/* A txn's pending writes: an ordered skiplist of puts and delete markers. */
#include "store/overlay.h"

#include <stdlib.h>
#include <string.h>

int ov_keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static ov_node *node_new(int level, const void *key, size_t klen)
{
    ov_node *n = calloc(1, sizeof *n + (size_t)level * sizeof(ov_node *) + klen);
    if (n == NULL)
        return NULL;
    n->level = level;
    n->klen = klen;
    if (klen)
        memcpy((char *)&n->next[level], key, klen);
    return n;
}

void overlay_init(ss_overlay *ov)
{
    memset(ov, 0, sizeof *ov);
    ov->rng = 0x9E3779B97F4A7C15ull;
}

void overlay_release(ss_overlay *ov)
{
    overlay_release_savepoint(ov);
    free(ov->undo);
    if (ov->head != NULL) {
        ov_node *n = ov->head->next[0];
        while (n != NULL) {
            ov_node *next = n->next[0];
            free(n->val);
            free(n);
            n = next;
        }
        free(ov->head);
    }
    overlay_init(ov);
}

static int random_level(ss_overlay *ov)
{
    /* xorshift64; p = 1/4 per level. */
    uint64_t x = ov->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ov->rng = x;
    int level = 1;
    while (level < OVERLAY_MAX_LEVEL && (x & 3) == 0) {
        level++;
        x >>= 2;
    }
    return level;
}

/* Fills pred[i] with the last node at level i whose key < key (or <= when
 * inclusive). Returns pred[0]. */
static ov_node *descend(const ss_overlay *ov, const void *key, size_t klen,
                        bool inclusive, ov_node **pred)
{
    ov_node *x = ov->head;
    for (int i = OVERLAY_MAX_LEVEL - 1; i >= 0; i--) {
        for (;;) {
            ov_node *n = x->next[i];
            if (n == NULL)
                break;
            int c = ov_keycmp(ov_key(n), n->klen, key, klen);
            if (c < 0 || (inclusive && c == 0))
                x = n;
            else
                break;
        }
        if (pred != NULL)
            pred[i] = x;
    }
    return x;
}

/* Room for one more undo record, taken before a put changes anything. */
static int reserve_undo(ss_overlay *ov)
{
    if (ov->mark == 0 || ov->nundo < ov->capundo)
        return 0;
    size_t cap = ov->capundo ? ov->capundo * 2 : 16;
    ov_undo *u = realloc(ov->undo, cap * sizeof *u);
    if (u == NULL)
        return -1;
    ov->undo = u;
    ov->capundo = cap;
    return 0;
}

/* Records x's state before the open savepoint changes it, once per node
 * (room was reserved). */
static void remember(ss_overlay *ov, ov_node *x, bool existed)
{
    if (ov->mark == 0 || x->mark == ov->mark)
        return;
    ov->undo[ov->nundo++] = (ov_undo){x, existed, x->dead, existed ? x->val : NULL, x->vlen};
    if (existed)
        x->val = NULL; /* the record owns the old value now */
    x->mark = ov->mark;
}

/* Stores copy (owned, NULL for dead or empty) as key's value. */
/* The key's two bits in ov->seen (FNV-1a: cheap for the short keys of a batch). */
static void seen_bits(const void *key, size_t klen, uint32_t *a, uint32_t *b)
{
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < klen; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    h ^= h >> 29;
    *a = (uint32_t)(h % OV_SEEN_BITS);
    *b = (uint32_t)((h >> 32) % OV_SEEN_BITS);
}

static bool maybe_seen(const ss_overlay *ov, const void *key, size_t klen)
{
    uint32_t a, b;
    seen_bits(key, klen, &a, &b);
    return (ov->seen[a / 64] >> (a % 64) & 1) && (ov->seen[b / 64] >> (b % 64) & 1);
}

static void mark_seen(ss_overlay *ov, const void *key, size_t klen)
{
    uint32_t a, b;
    seen_bits(key, klen, &a, &b);
    ov->seen[a / 64] |= 1ull << (a % 64);
    ov->seen[b / 64] |= 1ull << (b % 64);
}

static int put_node(ss_overlay *ov, const void *key, size_t klen, char *copy, size_t vlen,
                    bool dead)
{
    if (ov->head == NULL) {
        ov->head = node_new(OVERLAY_MAX_LEVEL, NULL, 0);
        if (ov->head == NULL) {
            free(copy);
            return -1;
        }
    }
    if (reserve_undo(ov) != 0) {
        free(copy);
        return -1;
    }
    ov_node *pred[OVERLAY_MAX_LEVEL];
    ov_node *x = descend(ov, key, klen, false, pred)->next[0];
    if (x == NULL || ov_keycmp(ov_key(x), x->klen, key, klen) != 0) {
        int level = random_level(ov);
        x = node_new(level, key, klen);
        if (x == NULL) {
            free(copy);
            return -1;
        }
        for (int i = 0; i < level; i++) {
            x->next[i] = pred[i]->next[i];
            pred[i]->next[i] = x;
        }
        x->prev = pred[0] == ov->head ? NULL : pred[0];
        if (x->next[0] != NULL)
            x->next[0]->prev = x;
        ov->count++;
        ov->bytes += klen;
        mark_seen(ov, key, klen);
        remember(ov, x, false);
    } else {
        remember(ov, x, true);
    }
    ov->bytes -= x->vlen;
    free(x->val);
    x->val = copy;
    x->vlen = dead ? 0 : vlen;
    x->dead = dead;
    ov->bytes += x->vlen;
    return 0;
}

int overlay_put(ss_overlay *ov, const void *key, size_t klen, const void *val,
                size_t vlen, bool dead)
{
    char *copy = NULL;
    if (!dead && vlen > 0) {
        copy = malloc(vlen);
        if (copy == NULL)
            return -1;
        memcpy(copy, val, vlen);
    }
    return put_node(ov, key, klen, copy, vlen, dead);
}

int overlay_put_owned(ss_overlay *ov, const void *key, size_t klen, char *val, size_t vlen)
{
    return put_node(ov, key, klen, val, vlen, false);
}

ov_node *overlay_find(const ss_overlay *ov, const void *key, size_t klen)
{
    if (!maybe_seen(ov, key, klen))
        return NULL;
    ov_node *n = overlay_seek_ge(ov, key, klen, false);
    if (n != NULL && ov_keycmp(ov_key(n), n->klen, key, klen) == 0)
        return n;
    return NULL;
}

ov_node *overlay_first(const ss_overlay *ov)
{
    return ov->head ? ov->head->next[0] : NULL;
}

ov_node *overlay_last(const ss_overlay *ov)
{
    if (ov->head == NULL)
        return NULL;
    ov_node *x = ov->head;
    for (int i = OVERLAY_MAX_LEVEL - 1; i >= 0; i--)
        while (x->next[i] != NULL)
            x = x->next[i];
    return x == ov->head ? NULL : x;
}

ov_node *overlay_seek_ge(const ss_overlay *ov, const void *key, size_t klen, bool strict)
{
    if (ov->head == NULL)
        return NULL;
    return descend(ov, key, klen, strict, NULL)->next[0];
}

ov_node *overlay_seek_le(const ss_overlay *ov, const void *key, size_t klen, bool strict)
{
    if (ov->head == NULL)
        return NULL;
    ov_node *x = descend(ov, key, klen, !strict, NULL);
    return x == ov->head ? NULL : x;
}

/* ------------------------------------------------------------ savepoints */

int overlay_savepoint(ss_overlay *ov)
{
    overlay_release_savepoint(ov);
    ov->mark = ++ov->marks;
    if (ov->mark == 0) /* wrapped: 0 means none */
        ov->mark = ov->marks = 1;
    ov->sp_count = ov->count;
    ov->sp_bytes = ov->bytes;
    return 0;
}

static void unlink_node(ss_overlay *ov, ov_node *x)
{
    ov_node *pred[OVERLAY_MAX_LEVEL];
    descend(ov, ov_key(x), x->klen, false, pred);
    for (int i = 0; i < x->level; i++)
        if (pred[i]->next[i] == x)
            pred[i]->next[i] = x->next[i];
    if (x->next[0] != NULL)
        x->next[0]->prev = x->prev;
    free(x->val);
    free(x);
}

void overlay_rollback(ss_overlay *ov)
{
    if (ov->mark == 0)
        return;
    for (size_t i = ov->nundo; i-- > 0;) {
        ov_undo *u = &ov->undo[i];
        ov_node *x = u->node;
        if (!u->existed) {
            unlink_node(ov, x);
            continue;
        }
        free(x->val);
        x->val = u->val;
        x->vlen = u->vlen;
        x->dead = u->dead;
        x->mark = 0;
    }
    ov->nundo = 0;
    ov->count = ov->sp_count;
    ov->bytes = ov->sp_bytes;
    ov->mark = 0;
}

void overlay_release_savepoint(ss_overlay *ov)
{
    for (size_t i = 0; i < ov->nundo; i++)
        free(ov->undo[i].val);
    ov->nundo = 0;
    ov->mark = 0;
    if (ov->capundo > 1024) { /* do not pin a big script's records */
        free(ov->undo);
        ov->undo = NULL;
        ov->capundo = 0;
    }
}

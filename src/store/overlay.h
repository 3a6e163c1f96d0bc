/* A txn's pending writes: an ordered skiplist of puts and delete markers (internal to store/). */
#ifndef SS_STORE_OVERLAY_H
#define SS_STORE_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OVERLAY_MAX_LEVEL 20

/*
 * Nodes are never unlinked before overlay_release, so a node pointer stays
 * valid for the txn's life: a delete turns a node into a marker (dead) and a
 * later put revives it. Keys are ordered bytewise, as LevelDB orders them.
 */
typedef struct ov_node {
    struct ov_node *prev;    /* level-0 predecessor; NULL for the first node */
    char *val;               /* NULL when dead or empty */
    size_t vlen;
    size_t klen;
    bool dead;
    int level;
    struct ov_node *next[];  /* followed by the key bytes */
} ov_node;

typedef struct {
    ov_node *head;           /* allocated on first put */
    size_t count;            /* nodes */
    size_t bytes;            /* key + value bytes held */
    uint64_t rng;            /* level choice; fixed seed: no global state */
} ss_overlay;

void overlay_init(ss_overlay *ov);
void overlay_release(ss_overlay *ov);

static inline const char *ov_key(const ov_node *n)
{
    return (const char *)&n->next[n->level];
}

/* Puts (dead = false) or marks deleted (dead = true, val ignored). The new
 * value is copied before the old one is freed, so val may point into it.
 * Returns 0 or -1 on out of memory. */
int overlay_put(ss_overlay *ov, const void *key, size_t klen, const void *val,
                size_t vlen, bool dead);
/* overlay_put of a live value, taking ownership of val (malloc'd); val is
 * freed on failure too. */
int overlay_put_owned(ss_overlay *ov, const void *key, size_t klen, char *val, size_t vlen);
ov_node *overlay_find(const ss_overlay *ov, const void *key, size_t klen);
ov_node *overlay_first(const ss_overlay *ov);
ov_node *overlay_last(const ss_overlay *ov);
/* First node >= key (or > key when strict). NULL if none. */
ov_node *overlay_seek_ge(const ss_overlay *ov, const void *key, size_t klen, bool strict);
/* Last node <= key (or < key when strict). NULL if none. */
ov_node *overlay_seek_le(const ss_overlay *ov, const void *key, size_t klen, bool strict);

static inline ov_node *ov_next(const ov_node *n) { return n->next[0]; }
static inline ov_node *ov_prev(const ov_node *n) { return n->prev; }

/* memcmp order with the shorter key first on a common prefix. */
int ov_keycmp(const void *a, size_t alen, const void *b, size_t blen);

#endif

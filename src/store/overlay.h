/* A txn's pending writes: an ordered skiplist of puts and delete markers (internal to store/). */
#ifndef SS_STORE_OVERLAY_H
#define SS_STORE_OVERLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OVERLAY_MAX_LEVEL 20
#define OV_SEEN_BITS 8192

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
    uint32_t mark;           /* the savepoint that recorded this node's prior state */
    struct ov_node *next[];  /* followed by the key bytes */
} ov_node;

/* A node's state before the open savepoint first changed it. */
typedef struct ov_undo {
    ov_node *node;
    bool existed;            /* false: the savepoint created the node */
    bool dead;
    char *val;               /* owned by the undo record until rollback or release */
    size_t vlen;
} ov_undo;

typedef struct {
    ov_node *head;           /* allocated on first put */
    size_t count;            /* nodes */
    size_t bytes;            /* key + value bytes held */
    uint64_t rng;            /* level choice; fixed seed: no global state */
    /* The open savepoint (overlay_savepoint), if mark != 0: every node's
     * prior state, recorded on its first change after it. */
    uint32_t mark;
    uint32_t marks;          /* savepoints opened so far (mark numbers) */
    ov_undo *undo;
    size_t nundo, capundo;
    size_t sp_count, sp_bytes;
    /* A Bloom filter of the keys ever put (rollbacks leave their bits: a
     * false "maybe", never a false "no"): a point read of a key the txn
     * has not written, the first read of each key an applied write makes,
     * skips the descent (perf: ~3% of a follower's loop in its memcmps). */
    uint64_t seen[OV_SEEN_BITS / 64];
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

/*
 * A savepoint: overlay_rollback puts every node back as it was when
 * overlay_savepoint was called (nodes created since are unlinked and freed);
 * overlay_release_savepoint keeps the changes. One savepoint at a time; no
 * iterator may be live across a rollback. Recording costs one record per
 * node changed, holding the node's prior value. Returns 0, or -1 on out of
 * memory (overlay_savepoint only; a put then fails with -1 too).
 */
int overlay_savepoint(ss_overlay *ov);
void overlay_rollback(ss_overlay *ov);
void overlay_release_savepoint(ss_overlay *ov);

/* memcmp order with the shorter key first on a common prefix. */
int ov_keycmp(const void *a, size_t alen, const void *b, size_t blen);

#endif

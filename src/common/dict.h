/* A hash map from byte strings to pointers, hashed with a per-process seed (SipHash-1-3) so clients cannot choose colliding names. */
#ifndef SS_DICT_H
#define SS_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Keys are copied into the map (any bytes, any length, the empty key
 * included); values are the caller's pointers (NULL is a valid value: use
 * ss_dict_find to tell it from a missing key). Chained buckets, doubled when
 * the map holds more keys than buckets and halved when it holds fewer than
 * an eighth, so memory follows the number of keys. Not thread-safe: each map
 * has one owning thread (the loop's).
 *
 * Channel names, keys a client blocks on and pattern texts come from the
 * network: the hash is keyed with a random seed drawn once per process, as
 * Redis's dict is, so a client cannot make every name land in one bucket.
 */
typedef struct ss_dict ss_dict;

/* NULL if out of memory. */
ss_dict *ss_dict_new(void);
/* Frees the map; free_val (may be NULL) is called on every value first. */
void ss_dict_free(ss_dict *d, void (*free_val)(void *val));

size_t ss_dict_size(const ss_dict *d);
/* Whether key is present; *val (may be NULL) gets its value. */
bool ss_dict_find(const ss_dict *d, const void *key, size_t klen, void **val);
/* The value of key, or NULL if missing. */
void *ss_dict_get(const ss_dict *d, const void *key, size_t klen);
/* Adds or replaces. SS_OK or SS_ENOMEM (the map is then unchanged). */
int ss_dict_put(ss_dict *d, const void *key, size_t klen, void *val);
/* Removes key; returns whether it was present, its value in *val (may be NULL). */
bool ss_dict_del(ss_dict *d, const void *key, size_t klen, void **val);

/*
 * Iteration in no particular order. The entry the iterator last returned may
 * be deleted (ss_dict_del) during the walk; any other change to the map ends
 * the walk's guarantees (a put may rehash).
 */
typedef struct ss_dict_iter {
    ss_dict *d;
    size_t bucket;
    void *next;          /* the entry to return next (internal) */
} ss_dict_iter;

void ss_dict_iter_init(ss_dict_iter *it, ss_dict *d);
/* The next entry: false at the end. key stays valid until that entry is deleted. */
bool ss_dict_next(ss_dict_iter *it, const char **key, size_t *klen, void **val);

/* The seeded hash the map uses (exposed for tests). */
uint64_t ss_dict_hash(const void *key, size_t klen);

#endif

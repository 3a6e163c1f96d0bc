/* The record cache: chained hash buckets plus an LRU list, charged in bytes. */
#include "store/kcache.h"

#include <stdlib.h>
#include <string.h>

#include "common/dict.h"

struct kc_entry {
    kc_entry *hnext;          /* bucket chain */
    kc_entry *prev, *next;    /* LRU list, head = most recent */
    uint64_t hash;
    uint32_t klen;
    uint32_t vlen;
    bool absent;
    char data[];              /* key bytes, then value bytes */
};

#define MIN_BUCKETS 16
/* What malloc adds to each block, near enough for a bound. */
#define MALLOC_OVERHEAD 16

static size_t charge(size_t klen, size_t vlen)
{
    return sizeof(kc_entry) + klen + vlen + MALLOC_OVERHEAD;
}

static size_t entry_charge(const kc_entry *e)
{
    return charge(e->klen, e->vlen);
}

void kcache_init(kcache *kc, size_t capacity)
{
    memset(kc, 0, sizeof *kc);
    kc->capacity = capacity;
}

static void lru_unlink(kcache *kc, kc_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        kc->lru_head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        kc->lru_tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_head(kcache *kc, kc_entry *e)
{
    e->prev = NULL;
    e->next = kc->lru_head;
    if (kc->lru_head)
        kc->lru_head->prev = e;
    kc->lru_head = e;
    if (kc->lru_tail == NULL)
        kc->lru_tail = e;
}

/* The link that points at key's entry (or the chain's NULL end). */
static kc_entry **find_link(const kcache *kc, uint64_t hash, const void *key, size_t klen)
{
    kc_entry **link = &kc->buckets[hash & (kc->nbuckets - 1)];
    while (*link != NULL) {
        kc_entry *e = *link;
        if (e->hash == hash && e->klen == klen && memcmp(e->data, key, klen) == 0)
            return link;
        link = &e->hnext;
    }
    return link;
}

/* Unlinks the entry *link points at and frees it. */
static void remove_at(kcache *kc, kc_entry **link)
{
    kc_entry *e = *link;
    *link = e->hnext;
    lru_unlink(kc, e);
    kc->count--;
    kc->bytes -= entry_charge(e);
    free(e);
}

static void free_buckets(kcache *kc)
{
    free(kc->buckets);
    kc->bytes -= kc->nbuckets * sizeof *kc->buckets;
    kc->buckets = NULL;
    kc->nbuckets = 0;
}

void kcache_clear(kcache *kc)
{
    kc_entry *e = kc->lru_head;
    while (e != NULL) {
        kc_entry *next = e->next;
        free(e);
        e = next;
    }
    kc->lru_head = kc->lru_tail = NULL;
    kc->count = 0;
    kc->bytes = 0;
    kc->complete = false;
    free(kc->buckets);
    kc->buckets = NULL;
    kc->nbuckets = 0;
}

void kcache_release(kcache *kc)
{
    kcache_clear(kc);
}

/* Drops least recently used entries until the charge fits the capacity; if
 * even the empty bucket array does not fit, drops it too. */
static void evict(kcache *kc)
{
    while (kc->bytes > kc->capacity && kc->lru_tail != NULL) {
        kc_entry *e = kc->lru_tail;
        kc->complete = false; /* the database keeps what the cache drops */
        remove_at(kc, find_link(kc, e->hash, e->data, e->klen));
        kc->evictions++;
    }
    if (kc->bytes > kc->capacity && kc->count == 0)
        free_buckets(kc);
}

/* Doubles the bucket array once the entries outnumber it (MIN_BUCKETS on
 * first use). false only when there are no buckets at all and none could be
 * allocated; a failed doubling keeps the old array (longer chains). */
static bool grow(kcache *kc)
{
    if (kc->nbuckets != 0 && kc->count < kc->nbuckets)
        return true;
    size_t n = kc->nbuckets ? kc->nbuckets * 2 : MIN_BUCKETS;
    kc_entry **b = calloc(n, sizeof *b);
    if (b == NULL)
        return kc->nbuckets != 0;
    for (size_t i = 0; i < kc->nbuckets; i++) {
        kc_entry *e = kc->buckets[i];
        while (e != NULL) {
            kc_entry *next = e->hnext;
            e->hnext = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(kc->buckets);
    kc->bytes += (n - kc->nbuckets) * sizeof *b;
    kc->buckets = b;
    kc->nbuckets = n;
    return true;
}

kc_result kcache_get(kcache *kc, const void *key, size_t klen, const char **val, size_t *vlen)
{
    if (kc->capacity == 0)
        return KC_MISS;
    kc_entry *e = NULL;
    if (kc->nbuckets != 0)
        e = *find_link(kc, ss_dict_hash(key, klen), key, klen);
    if (e == NULL && kc->complete) {
        kc->hits++; /* answered here: nothing of that name is stored */
        return KC_ABSENT;
    }
    if (e == NULL) {
        kc->misses++;
        return KC_MISS;
    }
    kc->hits++;
    if (kc->lru_head != e) {
        lru_unlink(kc, e);
        lru_push_head(kc, e);
    }
    if (e->absent)
        return KC_ABSENT;
    *val = e->data + e->klen;
    *vlen = e->vlen;
    return KC_HIT;
}

void kcache_set(kcache *kc, const void *key, size_t klen, const char *val, size_t vlen,
                bool allocate)
{
    if (kc->capacity == 0)
        return;
    uint64_t hash = ss_dict_hash(key, klen);
    kc_entry **link = NULL;
    if (kc->nbuckets != 0) {
        link = find_link(kc, hash, key, klen);
        if (*link == NULL)
            link = NULL;
    }
    if (val == NULL && kc->complete) {
        /* No entry says absent as well, in less memory. */
        if (link != NULL)
            remove_at(kc, link);
        return;
    }
    if (val == NULL)
        vlen = 0;
    size_t size = charge(klen, vlen);
    bool fits = size <= KCACHE_ENTRY_MAX && size <= kc->capacity / 8;
    if (!fits || (link == NULL && !allocate)) {
        if (link != NULL)
            remove_at(kc, link);
        if (val != NULL)
            kc->complete = false; /* stored, but not here */
        return;
    }
    kc_entry *e = malloc(sizeof *e + klen + vlen);
    if (e == NULL) {
        if (link != NULL)
            remove_at(kc, link);
        kc->complete = false;
        return;
    }
    if (link != NULL)
        remove_at(kc, link);
    else if (!grow(kc)) {
        free(e);
        kc->complete = false;
        return;
    }
    e->hash = hash;
    e->klen = (uint32_t)klen;
    e->vlen = (uint32_t)vlen;
    e->absent = val == NULL;
    if (klen)
        memcpy(e->data, key, klen);
    if (vlen)
        memcpy(e->data + klen, val, vlen);
    kc_entry **head = &kc->buckets[hash & (kc->nbuckets - 1)];
    e->hnext = *head;
    *head = e;
    lru_push_head(kc, e);
    kc->count++;
    kc->bytes += size;
    evict(kc);
}

void kcache_del(kcache *kc, const void *key, size_t klen)
{
    if (kc->nbuckets == 0)
        return;
    kc_entry **link = find_link(kc, ss_dict_hash(key, klen), key, klen);
    if (*link != NULL)
        remove_at(kc, link);
}

void kcache_mark_complete(kcache *kc)
{
    kc->complete = kc->capacity != 0;
}

void kcache_resize(kcache *kc, size_t capacity)
{
    kc->capacity = capacity;
    if (capacity == 0)
        kcache_clear(kc);
    else
        evict(kc);
}

void kcache_prefetch(const kcache *kc, const void *key, size_t klen, bool entry)
{
    if (kc->capacity == 0 || kc->nbuckets == 0)
        return;
    kc_entry *const *b = &kc->buckets[ss_dict_hash(key, klen) & (kc->nbuckets - 1)];
    if (!entry)
        __builtin_prefetch(b);
    else if (*b != NULL)
        __builtin_prefetch(*b);
}

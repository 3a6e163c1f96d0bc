/* A hash map from byte strings to pointers: chained buckets, SipHash-1-3 with a per-process seed. */
#include "common/dict.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

#define MIN_BUCKETS 8

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    void *val;
    size_t klen;
    char key[];
} entry;

struct ss_dict {
    entry **buckets;
    size_t nbuckets;     /* a power of two */
    size_t size;
};

/* ------------------------------------------------------------- the hash */

static uint8_t seed[16];
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
    if (getrandom(seed, sizeof seed, 0) == (ssize_t)sizeof seed)
        return;
    /* No entropy source: still distinct per process and boot. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t a = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20), b = (uint64_t)getpid() * 0x9E3779B97F4A7C15ull;
    memcpy(seed, &a, 8);
    memcpy(seed + 8, &b, 8);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                   \
    do {                                                           \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                     \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                     \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
    } while (0)

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* SipHash-1-3 (the variant Redis uses for its dict): one compression round
 * per word, three finalization rounds. */
static uint64_t siphash13(const uint8_t *in, size_t len, const uint8_t k[16])
{
    uint64_t k0 = load_le64(k), k1 = load_le64(k + 8);
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    const uint8_t *end = in + (len - len % 8);
    for (; in != end; in += 8) {
        uint64_t m = load_le64(in);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < len % 8; i++)
        b |= (uint64_t)in[i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t ss_dict_hash(const void *key, size_t klen)
{
    pthread_once(&seed_once, seed_init);
    return siphash13(key, klen, seed);
}

/* -------------------------------------------------------------- the map */

ss_dict *ss_dict_new(void)
{
    ss_dict *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->buckets = calloc(MIN_BUCKETS, sizeof *d->buckets);
    if (!d->buckets) {
        free(d);
        return NULL;
    }
    d->nbuckets = MIN_BUCKETS;
    return d;
}

void ss_dict_free(ss_dict *d, void (*free_val)(void *val))
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nbuckets; i++) {
        entry *e = d->buckets[i];
        while (e) {
            entry *next = e->next;
            if (free_val)
                free_val(e->val);
            free(e);
            e = next;
        }
    }
    free(d->buckets);
    free(d);
}

size_t ss_dict_size(const ss_dict *d) { return d->size; }

static entry *lookup(const ss_dict *d, const void *key, size_t klen, uint64_t h, entry ***link)
{
    entry **p = &d->buckets[h & (d->nbuckets - 1)];
    for (; *p; p = &(*p)->next) {
        entry *e = *p;
        if (e->hash == h && e->klen == klen && (klen == 0 || memcmp(e->key, key, klen) == 0)) {
            if (link)
                *link = p;
            return e;
        }
    }
    return NULL;
}

/* Moves every entry into n buckets; the map is unchanged if that fails. */
static void resize(ss_dict *d, size_t n)
{
    entry **nb = calloc(n, sizeof *nb);
    if (!nb)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < d->nbuckets; i++) {
        entry *e = d->buckets[i];
        while (e) {
            entry *next = e->next;
            size_t b = e->hash & (n - 1);
            e->next = nb[b];
            nb[b] = e;
            e = next;
        }
    }
    free(d->buckets);
    d->buckets = nb;
    d->nbuckets = n;
}

bool ss_dict_find(const ss_dict *d, const void *key, size_t klen, void **val)
{
    entry *e = lookup(d, key, klen, ss_dict_hash(key, klen), NULL);
    if (e && val)
        *val = e->val;
    return e != NULL;
}

void *ss_dict_get(const ss_dict *d, const void *key, size_t klen)
{
    void *v = NULL;
    ss_dict_find(d, key, klen, &v);
    return v;
}

int ss_dict_put(ss_dict *d, const void *key, size_t klen, void *val)
{
    uint64_t h = ss_dict_hash(key, klen);
    entry *e = lookup(d, key, klen, h, NULL);
    if (e) {
        e->val = val;
        return SS_OK;
    }
    /* Shrinking waits for a put, so deletes never move entries (an
     * iteration may delete as it goes). */
    if (d->nbuckets > MIN_BUCKETS && d->size < d->nbuckets / 8)
        resize(d, d->nbuckets / 2);
    e = malloc(sizeof *e + klen);
    if (!e)
        return SS_ENOMEM;
    e->hash = h;
    e->val = val;
    e->klen = klen;
    if (klen)
        memcpy(e->key, key, klen);
    size_t b = h & (d->nbuckets - 1);
    e->next = d->buckets[b];
    d->buckets[b] = e;
    d->size++;
    if (d->size > d->nbuckets)
        resize(d, d->nbuckets * 2);
    return SS_OK;
}

bool ss_dict_del(ss_dict *d, const void *key, size_t klen, void **val)
{
    entry **link;
    entry *e = lookup(d, key, klen, ss_dict_hash(key, klen), &link);
    if (!e)
        return false;
    *link = e->next;
    if (val)
        *val = e->val;
    free(e);
    d->size--;
    if (d->size == 0 && d->nbuckets > MIN_BUCKETS) {
        /* Empty: nothing can move, give the table back. */
        entry **nb = calloc(MIN_BUCKETS, sizeof *nb);
        if (nb) {
            free(d->buckets);
            d->buckets = nb;
            d->nbuckets = MIN_BUCKETS;
        }
    }
    return true;
}

/* ------------------------------------------------------------ iteration */

static entry *first_from(ss_dict *d, size_t *bucket)
{
    for (; *bucket < d->nbuckets; (*bucket)++)
        if (d->buckets[*bucket])
            return d->buckets[*bucket];
    return NULL;
}

void ss_dict_iter_init(ss_dict_iter *it, ss_dict *d)
{
    it->d = d;
    it->bucket = 0;
    it->next = first_from(d, &it->bucket);
}

bool ss_dict_next(ss_dict_iter *it, const char **key, size_t *klen, void **val)
{
    entry *e = it->next;
    if (!e)
        return false;
    /* Find the successor now, so the caller may delete e (deletes never
     * move entries, except emptying the map, after which there is no
     * successor to find). */
    if (e->next) {
        it->next = e->next;
    } else {
        it->bucket++;
        it->next = first_from(it->d, &it->bucket);
    }
    if (key)
        *key = e->key;
    if (klen)
        *klen = e->klen;
    if (val)
        *val = e->val;
    return true;
}

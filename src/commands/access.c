/* The per-node access table behind OBJECT IDLETIME/FREQ and TOUCH (access.h): a hash of (db, key) to entries on a CLOCK list (second chance), so the least recently used goes first when the table is full. */
#include "commands/access.h"

#include <stdlib.h>
#include <string.h>

#include "common/dict.h"
#include "common/error.h"

/* Every GET that finds its key looks its entry up, so the hash is the
 * entry's own (a chain through hnext, SipHash of the name): a bucket and
 * the entry, two cache misses, where a generic dict's node holding a copy
 * of the name and a pointer to the entry cost three and a malloc more. */
typedef struct entry {
    struct entry *hnext;       /* the bucket's chain */
    uint64_t hash;             /* of name */
    struct entry *prev, *next; /* the clock: head the newest, tail the next one looked at */
    bool referenced;           /* accessed since it last reached the tail */
    int64_t access_ms;
    uint64_t pinned_index;     /* set by RESTORE in this apply index (0: none) */
    uint16_t ldt;              /* LFU: the minute of the last decrement */
    uint8_t counter;           /* LFU: the logarithmic counter */
    size_t nlen;               /* the name: db byte, then the key */
    char name[];
} entry;

#define MIN_BUCKETS 8

struct ss_access {
    entry **buckets;           /* name -> entry: a power of two of chains */
    size_t nbuckets, size;
    entry *head, *tail;
    int64_t base_ms[SS_ACCESS_DBS];
    uint64_t rng;              /* this node's own PRNG: apply's stays untouched */
};

/* The name of (db, key) in buf (room for 1 + klen), its length. */
static size_t name_of(char *buf, int db, const char *key, size_t klen)
{
    buf[0] = (char)db;
    memcpy(buf + 1, key, klen);
    return klen + 1;
}

static entry *lookup(const ss_access *t, const char *name, size_t n, uint64_t h)
{
    for (entry *e = t->buckets[h & (t->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && e->nlen == n && memcmp(e->name, name, n) == 0)
            return e;
    return NULL;
}

static entry *find(const ss_access *t, int db, const char *key, size_t klen)
{
    if (db < 0 || db >= SS_ACCESS_DBS || klen > SIZE_MAX - 1)
        return NULL;
    char small[256];
    char *buf = klen < sizeof small ? small : malloc(klen + 1);
    if (!buf)
        return NULL;
    size_t n = name_of(buf, db, key, klen);
    entry *e = lookup(t, buf, n, ss_dict_hash(buf, n));
    if (buf != small)
        free(buf);
    return e;
}

/* Moves every entry into n chains; unchanged if memory is out (longer
 * chains, still correct). */
static void rehash(ss_access *t, size_t n)
{
    entry **nb = calloc(n, sizeof *nb);
    if (!nb)
        return;
    for (entry *e = t->head; e; e = e->next) {
        size_t b = e->hash & (n - 1);
        e->hnext = nb[b];
        nb[b] = e;
    }
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
}

/* e (its name and hash set) into the hash; the caller knows the name is
 * not there. */
static void hash_link(ss_access *t, entry *e)
{
    size_t b = e->hash & (t->nbuckets - 1);
    e->hnext = t->buckets[b];
    t->buckets[b] = e;
    t->size++;
}

/* A new entry, not yet on the clock list, into the hash. Resizes only here,
 * when the list holds exactly the hashed entries (rehash walks it): drops
 * never move entries, so callers may drop as they walk. */
static void hash_in(ss_access *t, entry *e)
{
    if (t->size + 1 > t->nbuckets)
        rehash(t, t->nbuckets * 2);
    else if (t->nbuckets > MIN_BUCKETS && t->size < t->nbuckets / 8)
        rehash(t, t->nbuckets / 2);
    hash_link(t, e);
}

static void hash_out(ss_access *t, entry *e)
{
    for (entry **p = &t->buckets[e->hash & (t->nbuckets - 1)]; *p; p = &(*p)->hnext)
        if (*p == e) {
            *p = e->hnext;
            t->size--;
            return;
        }
}

static void unlink_entry(ss_access *t, entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        t->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        t->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(ss_access *t, entry *e)
{
    e->prev = NULL;
    e->next = t->head;
    if (t->head)
        t->head->prev = e;
    t->head = e;
    if (!t->tail)
        t->tail = e;
}

static void drop(ss_access *t, entry *e)
{
    hash_out(t, e);
    unlink_entry(t, e);
    free(e);
}

/* The least recently used entry, approximately, as Redis's own LRU is: the
 * CLOCK algorithm. A hit only marks its entry referenced (a read's touch
 * used to move it to the front of an exact LRU list: two more cache misses
 * and four pointer writes on every GET, a sixth of the leader's samples
 * under GET -P 16 with the table's lookup); here the tail is looked at
 * when room is needed, and a referenced entry goes back to the front
 * unmarked, once. Each entry at most once per call, so bounded. */
static entry *victim(ss_access *t)
{
    for (entry *e = t->tail; e && e->referenced; e = t->tail) {
        e->referenced = false;
        unlink_entry(t, e);
        push_front(t, e);
    }
    return t->tail;
}

/* The entry of (db, key), made (at the base time, LFU_INIT_VAL) if missing;
 * marked referenced. NULL when the table may hold none or memory is out. */
static entry *get_or_add(ss_access *t, int db, const char *key, size_t klen, const ss_access_policy *p)
{
    if (p->max == 0) {
        /* tracking off: the table empties, so no stale entry outlives it */
        while (t->tail)
            drop(t, t->tail);
        return NULL;
    }
    entry *e = find(t, db, key, klen);
    if (e) {
        e->referenced = true;
        return e;
    }
    if (db < 0 || db >= SS_ACCESS_DBS || klen > SIZE_MAX - 1 - sizeof *e)
        return NULL;
    /* Full (or the limit lowered): the least recently accessed go. */
    while (t->size >= p->max && t->tail)
        drop(t, victim(t));
    e = malloc(sizeof *e + klen + 1);
    if (!e)
        return NULL;
    *e = (entry){.access_ms = t->base_ms[db], .ldt = (uint16_t)ss_access_minutes(t->base_ms[db]),
                 .counter = SS_ACCESS_LFU_INIT_VAL};
    e->nlen = name_of(e->name, db, key, klen);
    e->hash = ss_dict_hash(e->name, e->nlen);
    hash_in(t, e);
    push_front(t, e);
    return e;
}

ss_access *ss_access_new(int64_t base_ms, uint64_t seed)
{
    ss_access *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->buckets = calloc(MIN_BUCKETS, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->nbuckets = MIN_BUCKETS;
    for (int i = 0; i < SS_ACCESS_DBS; i++)
        t->base_ms[i] = base_ms;
    t->rng = seed;
    return t;
}

void ss_access_free(ss_access *t)
{
    if (!t)
        return;
    entry *e = t->head;
    while (e) {
        entry *next = e->next;
        free(e);
        e = next;
    }
    free(t->buckets);
    free(t);
}

size_t ss_access_size(const ss_access *t) { return t->size; }

/* A uniform double in [0, 1) (splitmix64). */
static double next_unit(ss_access *t)
{
    uint64_t z = (t->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) / (double)(1ull << 53);
}

unsigned ss_access_minutes(int64_t ms)
{
    /* Redis's LFUGetTimeInMinutes: (unixtime / 60) & 65535 */
    return (unsigned)((ms < 0 ? 0 : ms) / 60000) & 65535u;
}

unsigned ss_access_decay(unsigned counter, unsigned ldt, int64_t now_ms, long long decay_time)
{
    /* LFUTimeElapsed and LFUDecrAndReturn, the 16-bit minute clock wrapping */
    unsigned now = ss_access_minutes(now_ms);
    unsigned long elapsed = now >= ldt ? now - ldt : 65535u - ldt + now;
    unsigned long periods = decay_time > 0 ? elapsed / (unsigned long long)decay_time : 0;
    if (periods)
        counter = periods > counter ? 0 : counter - (unsigned)periods;
    return counter;
}

unsigned ss_access_log_incr(unsigned counter, long long log_factor, double r)
{
    /* LFULogIncr: the higher the counter, the less likely an increment */
    if (counter >= 255)
        return 255;
    double baseval = (double)counter - SS_ACCESS_LFU_INIT_VAL;
    if (baseval < 0)
        baseval = 0;
    double p = 1.0 / (baseval * (double)log_factor + 1);
    return r < p ? counter + 1 : counter;
}

void ss_access_touch(ss_access *t, int db, const char *key, size_t klen, int64_t now_ms,
                     const ss_access_policy *p)
{
    entry *e = get_or_add(t, db, key, klen, p);
    if (!e)
        return;
    e->access_ms = now_ms;
    if (p->lfu) {
        /* updateLFU */
        unsigned c = ss_access_decay(e->counter, e->ldt, now_ms, p->decay_time);
        e->counter = (uint8_t)ss_access_log_incr(c, p->log_factor, next_unit(t));
        e->ldt = (uint16_t)ss_access_minutes(now_ms);
    }
}

void ss_access_written(ss_access *t, int db, const char *key, size_t klen, int64_t now_ms, uint64_t index,
                       const ss_access_policy *p)
{
    bool existed = find(t, db, key, klen) != NULL;
    entry *e = get_or_add(t, db, key, klen, p);
    if (!e || (index != 0 && e->pinned_index == index))
        return;
    e->access_ms = now_ms;
    if (!existed) {
        /* a new object: createObject's LFU_INIT_VAL at this minute */
        e->counter = SS_ACCESS_LFU_INIT_VAL;
        e->ldt = (uint16_t)ss_access_minutes(now_ms);
    }
}

void ss_access_set(ss_access *t, int db, const char *key, size_t klen, int64_t access_ms, int freq,
                   int64_t now_ms, uint64_t index, const ss_access_policy *p)
{
    entry *e = get_or_add(t, db, key, klen, p);
    if (!e)
        return;
    e->pinned_index = index;
    if (freq >= 0) {
        e->counter = (uint8_t)(freq > 255 ? 255 : freq);
        e->ldt = (uint16_t)ss_access_minutes(now_ms);
        e->access_ms = now_ms;
    } else {
        e->access_ms = access_ms;
        e->counter = SS_ACCESS_LFU_INIT_VAL;
        e->ldt = (uint16_t)ss_access_minutes(now_ms);
    }
}

void ss_access_forget(ss_access *t, int db, const char *key, size_t klen)
{
    entry *e = find(t, db, key, klen);
    if (e)
        drop(t, e);
}

void ss_access_move(ss_access *t, int db, const char *key, size_t klen, int dstdb, const char *dst, size_t dlen,
                    const ss_access_policy *p)
{
    ss_access_forget(t, dstdb, dst, dlen);
    entry *from = find(t, db, key, klen);
    if (!from)
        return;
    entry *to = get_or_add(t, dstdb, dst, dlen, p);
    from = find(t, db, key, klen); /* get_or_add may have dropped it to make room */
    if (!to || !from)
        return;
    to->access_ms = from->access_ms;
    to->pinned_index = from->pinned_index;
    to->ldt = from->ldt;
    to->counter = from->counter;
    drop(t, from);
}

void ss_access_reset_db(ss_access *t, int db, int64_t now_ms)
{
    if (db >= SS_ACCESS_DBS)
        return;
    for (int d = db < 0 ? 0 : db; d < (db < 0 ? SS_ACCESS_DBS : db + 1); d++)
        t->base_ms[d] = now_ms;
    /* O(entries): flushes and swaps are rare, and the table is bounded */
    entry *e = t->head;
    while (e) {
        entry *next = e->next;
        if (db < 0 || (unsigned char)e->name[0] == (unsigned)db)
            drop(t, e);
        e = next;
    }
}

void ss_access_swap_db(ss_access *t, int a, int b)
{
    if (a < 0 || b < 0 || a >= SS_ACCESS_DBS || b >= SS_ACCESS_DBS || a == b)
        return;
    int64_t base = t->base_ms[a];
    t->base_ms[a] = t->base_ms[b];
    t->base_ms[b] = base;
    /* Out of the hash first, then back under the other db's byte: a key
     * named in both dbs must never meet itself. O(entries), bounded; no
     * allocation (the count is unchanged, so no resize). */
    for (entry *e = t->head; e; e = e->next) {
        unsigned db = (unsigned char)e->name[0];
        if (db == (unsigned)a || db == (unsigned)b)
            hash_out(t, e);
    }
    for (entry *e = t->head; e; e = e->next) {
        unsigned db = (unsigned char)e->name[0];
        if (db == (unsigned)a || db == (unsigned)b) {
            e->name[0] = (char)(db == (unsigned)a ? b : a);
            e->hash = ss_dict_hash(e->name, e->nlen);
            hash_link(t, e);
        }
    }
}

void ss_access_prefetch(const ss_access *t, int db, const char *key, size_t klen, bool deep)
{
    if (db < 0 || db >= SS_ACCESS_DBS || klen >= 256 || t->size == 0)
        return; /* a long name is not worth its copy here */
    char buf[256];
    size_t n = name_of(buf, db, key, klen);
    entry *const *b = &t->buckets[ss_dict_hash(buf, n) & (t->nbuckets - 1)];
    if (!deep)
        __builtin_prefetch(b);
    else if (*b)
        __builtin_prefetch(*b);
}

int64_t ss_access_time(const ss_access *t, int db, const char *key, size_t klen)
{
    entry *e = find(t, db, key, klen);
    if (e)
        return e->access_ms;
    return db >= 0 && db < SS_ACCESS_DBS ? t->base_ms[db] : 0;
}

int ss_access_freq(const ss_access *t, int db, const char *key, size_t klen, int64_t now_ms,
                   const ss_access_policy *p)
{
    entry *e = find(t, db, key, klen);
    if (e)
        return (int)ss_access_decay(e->counter, e->ldt, now_ms, p->decay_time);
    int64_t base = db >= 0 && db < SS_ACCESS_DBS ? t->base_ms[db] : 0;
    return (int)ss_access_decay(SS_ACCESS_LFU_INIT_VAL, ss_access_minutes(base), now_ms, p->decay_time);
}

/* This node's access times and LFU counters of keys (OBJECT IDLETIME/FREQ, TOUCH): a bounded in-memory table, never part of the replicated state. */
#ifndef SS_ACCESS_H
#define SS_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Redis keeps a 24-bit field per object: the LRU clock of its last lookup,
 * or under an LFU maxmemory-policy the minute of its last decrement and a
 * logarithmic counter. sandstore's values live in LevelDB and reads do not
 * go through the Raft log, so this state is kept per node, in memory, as a
 * Redis replica keeps its own LRU clocks: each node records the lookups it
 * serves (reads here, writes on every node as they are applied).
 *
 * The table maps (db, key) to an entry: the wall-clock ms of the last
 * access, and the LFU counter with the minute it was last decremented
 * (Redis's ldt). A key with no entry was not accessed on this node since
 * its db was last loaded (node start, snapshot install) or flushed/swapped:
 * it reports that time (ss_access_base) and LFU_INIT_VAL decayed from it.
 *
 * Bounded: at most `max` entries (access-table-max-keys); a new entry past
 * it drops one of the least recently accessed (CLOCK: an approximation of
 * LRU, as Redis's sampled eviction is), which then reports the base time
 * again (so its idle time is over-, never underestimated). Entries are
 * dropped when their key is deleted, expired, flushed or swapped away (the
 * engine's end-of-entry check, engine/events.c).
 */
#define SS_ACCESS_LFU_INIT_VAL 5 /* Redis's LFU_INIT_VAL: a new key's counter */
#define SS_ACCESS_DBS 16

typedef struct ss_access ss_access;

/* The policy in effect (from the configuration, read at each call). */
typedef struct ss_access_policy {
    bool lfu;            /* an LFU maxmemory-policy */
    long long log_factor; /* lfu-log-factor */
    long long decay_time; /* lfu-decay-time, minutes per decrement (0: none) */
    size_t max;          /* access-table-max-keys */
} ss_access_policy;

/* NULL if out of memory; base_ms: when this node's state was loaded. */
ss_access *ss_access_new(int64_t base_ms, uint64_t seed);
void ss_access_free(ss_access *t);
size_t ss_access_size(const ss_access *t);

/* A lookup of an existing key (Redis's lookupKey without LOOKUP_NOTOUCH):
 * the access time becomes now_ms; under LFU the counter is decayed then
 * incremented logarithmically (LFULogIncr). */
void ss_access_touch(ss_access *t, int db, const char *key, size_t klen, int64_t now_ms,
                     const ss_access_policy *p);
/* A key that exists after a write (the end of an applied entry): accessed
 * now (a write looks its key up or creates a new object in Redis); a new
 * entry starts at LFU_INIT_VAL, an existing one keeps its counter (Redis's
 * dbOverwrite keeps it). An entry set by ss_access_set during apply index
 * `index` is left as RESTORE set it. */
void ss_access_written(ss_access *t, int db, const char *key, size_t klen, int64_t now_ms, uint64_t index,
                       const ss_access_policy *p);
/* RESTORE ... IDLETIME / FREQ at apply index `index`: the access time
 * access_ms (freq < 0) or the counter freq at minute of now_ms. */
void ss_access_set(ss_access *t, int db, const char *key, size_t klen, int64_t access_ms, int freq,
                   int64_t now_ms, uint64_t index, const ss_access_policy *p);
/* The key is gone (deleted, expired, moved away). */
void ss_access_forget(ss_access *t, int db, const char *key, size_t klen);
/* RENAME and MOVE: Redis moves the object, access state and all, so the
 * entry of (db, key) becomes that of (dstdb, dst), whose own goes. */
void ss_access_move(ss_access *t, int db, const char *key, size_t klen, int dstdb, const char *dst, size_t dlen,
                    const ss_access_policy *p);
/* Every key of db (-1: of every db) gone or replaced (FLUSHDB, FLUSHALL,
 * SWAPDB, a snapshot installed): their entries dropped, the db's base time
 * now_ms. */
void ss_access_reset_db(ss_access *t, int db, int64_t now_ms);

/* SWAPDB a b: Redis swaps the dbs' dictionaries, objects and their access
 * state with them, so the entries (and base times) of a and b trade places.
 * Not wired yet: SWAPDB's apply should call it (it is on another branch);
 * until then a swap that raises ss_exec_flushed for both dbs resets them. */
void ss_access_swap_db(ss_access *t, int a, int b);
/* A hint that (db, key) is about to be touched: asks the CPU for its bucket
 * (!deep), then for the bucket's first entry. Changes nothing. */
void ss_access_prefetch(const ss_access *t, int db, const char *key, size_t klen, bool deep);
/* The key's last access (ms): its entry's, else its db's base time. */
int64_t ss_access_time(const ss_access *t, int db, const char *key, size_t klen);
/* OBJECT FREQ: the counter decayed to now (LFUDecrAndReturn), without
 * changing it. */
int ss_access_freq(const ss_access *t, int db, const char *key, size_t klen, int64_t now_ms,
                   const ss_access_policy *p);

/* Redis's LFU pieces, exposed for tests: the minute clock (16 bits), the
 * counter after num minutes of decay, and the logarithmic increment with
 * r uniform in [0, 1). */
unsigned ss_access_minutes(int64_t ms);
unsigned ss_access_decay(unsigned counter, unsigned ldt, int64_t now_ms, long long decay_time);
unsigned ss_access_log_incr(unsigned counter, long long log_factor, double r);

#endif

/* Collection helpers shared by hashes and sets: copied string lists, random picks, SCAN cursors over sub-keys. */
#ifndef SS_COLLECTION_H
#define SS_COLLECTION_H

#include <stdbool.h>
#include <stdint.h>

#include "commands/keyhelpers.h"

/* A growable list of byte strings copied out of the txn (slices into the txn
 * die when the same key is written). Zero-initialise, release when done. */
typedef struct ss_strvec {
    char *mem;
    size_t used, cap;
    size_t *off, *len;
    size_t n, ncap;
} ss_strvec;

int ss_strvec_push(ss_strvec *v, const void *p, size_t len);
ss_slice ss_strvec_at(const ss_strvec *v, size_t i);
void ss_strvec_release(ss_strvec *v);
/* memcmp order, shorter first on a common prefix. */
int ss_slice_cmp(ss_slice a, ss_slice b);

/* Random picks over one collection's sub-keys, deterministic for the seed and
 * the state (see collection.c for how uniform they are). */
typedef struct ss_coll_picker ss_coll_picker;
typedef int (*ss_coll_cb)(void *ud, ss_slice sub, ss_slice val);

int ss_coll_picker_new(ss_exec_ctx *ctx, const ss_key *k, ss_coll_picker **out);
void ss_coll_picker_pick(ss_coll_picker *p, uint64_t rnd, ss_slice *sub, ss_slice *val);
void ss_coll_picker_free(ss_coll_picker *p);
/* Calls cb for n distinct elements chosen at random (all of them if n >= count). */
int ss_coll_sample(ss_exec_ctx *ctx, const ss_key *k, uint64_t n, ss_coll_cb cb, void *ud);
/* Calls cb for each element of the collection k in sub-key order, as Redis
 * counts them, until cb returns false: a hash's field and value, a set's
 * member, a list's element; a zset's member and its encoded score (8 bytes),
 * from the 'm' space alone (the 's' space repeats the members). OBJECT
 * ENCODING and MEMORY USAGE look at values through this. */
typedef bool (*ss_coll_each_cb)(void *ud, ss_slice sub, ss_slice val);
int ss_coll_each(ss_exec_ctx *ctx, const ss_key *k, ss_coll_each_cb cb, void *ud);
/* Counts beyond this for the repeating (negative count) forms are refused. */
extern const long long ss_coll_repeat_max;
/* SRANDMEMBER/HRANDFIELD's count argument, checked as Redis does. */
bool ss_coll_rand_count(ss_exec_ctx *ctx, const ss_args *a, int i, long long *count);

/* HSCAN/SSCAN key cursor [MATCH pattern] [COUNT count] over a collection of
 * type (a hash's pages carry field, value pairs), replied whole: a cursor
 * parsed as Redis does, a missing key as an empty, finished scan. */
void ss_coll_scan_command(ss_exec_ctx *ctx, const ss_args *a, ss_type type);

#endif

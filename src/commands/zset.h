/* The sorted set family's shared parts: the layout of its sub-keys (zset.c) and ranges over the score order (zset_range.c), for the commands in cmd_zset.c. */
#ifndef SS_ZSET_H
#define SS_ZSET_H

#include <stdbool.h>
#include <stdint.h>

#include "commands/collection.h"
#include "commands/keyhelpers.h"

/*
 * Layout: two sub-key spaces per sorted set (meta.count = members).
 *   'm' hash64(member) member  -> ss_encode_double(score)
 *   's' ss_encode_double(score) member -> ""
 * The 's' space is the ordering Redis uses (score, then member bytes), so
 * ranges by score and lex are one seek plus the elements returned; ranks
 * are walks from the nearer end: O(rank). The 'm' space answers ZSCORE in
 * one get and orders members by a fixed hash so ZSCAN cursors (the next
 * hash) survive inserts and deletes. The hash is part of the on-disk
 * format: never change it.
 *
 * Scores are stored with -0 folded into +0 (as Redis's small sorted sets
 * reply "0"), so the two spaces agree bit for bit.
 *
 * A sorted set is opened as an ss_key (ss_key_open with SS_TYPE_ZSET); the
 * functions below keep meta.count, and ss_key_save deletes it once empty.
 */

/* ------------------------------------------------------------ layout (zset.c) */

/* A sub-key: a tag byte, 8 bytes of hash or score, then the member. */
typedef struct zkey {
    unsigned char inl[128];
    unsigned char *p;
    size_t len;
} zkey;

/* The sub-keys of a member ('m' hash member) and of a score ('s' score member). */
int zset_key_member(zkey *k, const char *m, size_t mlen);
int zset_key_score(zkey *k, double score, const char *m, size_t mlen);
void zset_key_release(zkey *k);

/* A member's score: SS_FOUND with *score, SS_MISSING, or SS_REPLIED. */
ss_lookup zset_score_get(ss_exec_ctx *ctx, const ss_key *z, const char *m, size_t mlen, double *score);
/* Sets a member's score (had: it existed with score old), keeping the count.
 * SS_OK or a storage error (not replied). */
int zset_score_put(ss_exec_ctx *ctx, ss_key *z, const char *m, size_t mlen, bool had, double old, double score);
/* Removes a member known to have this score, keeping the count. */
int zset_member_del(ss_exec_ctx *ctx, ss_key *z, const char *m, size_t mlen, double score);
/* Seeks it to the first sub-key of tag from mid (+ m) on; mid NULL: the tag's
 * first; for_prev: the last sub-key at or before instead. */
void zset_seek(ss_ks_subiter *it, char tag, const unsigned char *mid, const char *m, size_t mlen, bool for_prev);

/* ------------------------------------------------------ ranges (zset_range.c) */

enum { BY_RANK, BY_SCORE, BY_LEX };
enum { LEX_NEGINF, LEX_POSINF, LEX_INCL, LEX_EXCL };

typedef struct lexitem {
    int kind;
    const char *s;
    size_t len;
} lexitem;

typedef struct zrange {
    int by;
    bool rev;
    double min, max;       /* BY_SCORE */
    bool minex, maxex;
    lexitem lmin, lmax;    /* BY_LEX */
    long long start, end;  /* BY_RANK, normalized: 0 <= start <= end < card */
} zrange;

/* A walk over the 's' space in range order. */
typedef struct zwalk {
    ss_ks_subiter *it;
    const zrange *r;
    long long left;  /* BY_RANK: elements still to give */
    const char *member;
    size_t mlen;
    double score;
} zwalk;

/* Parses min and max (arguments minidx, maxidx) of r->by's range; -1, or the error to reply. */
int zset_parse_bounds(const ss_args *a, int minidx, int maxidx, zrange *r);
/* Clamps a rank range to a set of n members like Redis; false if empty. */
bool zset_rank_normalize(zrange *r, long long n);
/* Whether a score or lex range can hold anything at all. */
bool zset_range_possible(const zrange *r);
/* Positions a walk at the first element of r in z (rank ranges skip
 * r->start); free w->it when done. SS_OK or a storage error. */
int zset_walk_start(ss_exec_ctx *ctx, const ss_key *z, const zrange *r, zwalk *w);
/* Whether the walk is on an element of the range (member, mlen, score set). */
bool zset_walk_valid(zwalk *w);
void zset_walk_next(zwalk *w);

/* A ZRANGE request: the range, WITHSCORES, LIMIT offset count (count -1: none). */
typedef struct zrange_req {
    zrange r;
    bool withscores;
    long long offset, limit;
} zrange_req;

/* Parses ZRANGE's options from argument 4 on and its bounds at 2 and 3 (by
 * -1: BYSCORE/BYLEX allowed; dir -1: REV allowed, 0 forward, 1 reverse;
 * store: ZRANGESTORE, WITHSCORES refused). Returns -1 or the error to reply. */
int zset_range_parse(const ss_args *a, int by, int dir, bool store, zrange_req *q);
/* Called for each element of a range; a non-SS_OK return stops the walk. */
typedef int (*zset_each_fn)(void *ud, const char *m, size_t mlen, double score);
/* Calls cb on each element of q's range of z in order (rank ranges are
 * normalized in q, LIMIT applied). SS_OK or the first error. */
int zset_range_each(ss_exec_ctx *ctx, const ss_key *z, zrange_req *q, zset_each_fn cb, void *ud);

/* ------------------------------------------- results built in memory (zset_result.c) */

/* AGGREGATE SUM|MIN|MAX. */
enum { ZAGG_SUM, ZAGG_MIN, ZAGG_MAX };
/* Redis's zunionInterAggregate (a SUM of +inf and -inf is 0). */
void zset_aggregate(double *target, double val, int aggregate);

/* Members with scores, in insertion order until zresult_sort. Zero-initialise. */
typedef struct zresult {
    ss_strvec members;
    double *scores;
    size_t cap;
    size_t *slots, nslots; /* zresult_merge's index: member i + 1, 0 empty */
    size_t *order;         /* after zresult_sort: indexes in (score, member) order */
} zresult;

/* Appends a member known not to be there yet. SS_OK or SS_ENOMEM. */
int zresult_add(zresult *r, const char *m, size_t mlen, double score);
/* Adds a member, or aggregates score into the one already there. */
int zresult_merge(zresult *r, const char *m, size_t mlen, double score, int aggregate);
/* Orders the members as a sorted set does (score, then member bytes). */
int zresult_sort(zresult *r);
/* Replies the sorted members (WITHSCORES: pairs, nested in RESP3). */
void zresult_reply(ss_exec_ctx *ctx, const zresult *r, bool withscores);
/* Whether writing r under a key of klen bytes fits one command's writes;
 * replies the error when not. */
bool zresult_fits_or_reply(ss_exec_ctx *ctx, const zresult *r, size_t klen);
/* Replaces dst with the sorted r (deletes it when r is empty) raising
 * Redis's events (event: "zunionstore"...) and replies the count; false
 * after a storage error (replied). */
bool zresult_store(ss_exec_ctx *ctx, const char *dst, size_t dlen, const zresult *r, const char *event);
void zresult_release(zresult *r);

#endif

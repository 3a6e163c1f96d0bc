/* Differential runs: the same commands against redis-server 7.0 and a 3-node sandstore cluster, every reply compared. */
#ifndef SS_DIFF_HARNESS_H
#define SS_DIFF_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "integration/harness.h"

/*
 * A family's differential test generates random command lines from a seeded
 * PRNG and sends each to both systems with dh_cmd(): sandstore gets it through
 * a node chosen at random (followers forward), redis-server directly; the two
 * replies must be equal. The seed is printed; SS_DIFF_SEED replays one and
 * SS_DIFF_ROUNDS lengthens the run (dh_rounds).
 *
 * Where Redis's own answer is not deterministic, say so per command:
 *  DH_UNORDERED        an array whose order is Redis's hash order (SMEMBERS, KEYS)
 *  DH_UNORDERED_PAIRS  a flat array of field/value pairs in hash order (HGETALL)
 *  DH_TYPE_ONLY        only the reply's type and, for arrays, length (SRANDMEMBER, SPOP)
 */
enum { DH_EXACT = 0, DH_UNORDERED = 1, DH_UNORDERED_PAIRS = 2, DH_TYPE_ONLY = 3 };

typedef struct dh_run dh_run;

/* Starts redis-server and a 3-node sandstore cluster (extra: directives for
 * every node), waits for a leader; asserts (Criterion) on failure. */
dh_run *dh_start(const char *extra);
void dh_stop(dh_run *r);

/* The run's PRNG (seeded from SS_DIFF_SEED or the clock; printed once). */
uint64_t dh_rand(dh_run *r);
/* A number in [0, n). */
uint64_t dh_below(dh_run *r, uint64_t n);
/* dflt, or SS_DIFF_ROUNDS when set. */
int dh_rounds(int dflt);

/* Sends argv to both and compares the replies; false (with the seed, the
 * command and the first difference printed) when they differ. */
bool dh_cmdv(dh_run *r, int mode, int argc, const char **argv, const size_t *lens);
/* The same for a space-separated line (no quoting; use dh_cmdv for binary). */
bool dh_cmd(dh_run *r, int mode, const char *line);

/* Sends every later command to sandstore's node (-1: a random node each
 * time, the default): a transaction or a connection's db needs one
 * connection on each side. */
void dh_pin(dh_run *r, int node);

/* Direct access to each side, to set up state or to inspect it. */
redisContext *dh_redis(dh_run *r);
redisContext *dh_sandstore(dh_run *r, int node);
/* The processes, for more connections (h_connect) to either side. */
h_node *dh_redis_node(dh_run *r);
h_node *dh_node(dh_run *r, int node);

/* Waits (up to 5 s) until the three nodes' DEBUG DIGESTs are equal; fails the
 * test with the three digests if they never are. */
void dh_expect_nodes_equal(dh_run *r);

#endif

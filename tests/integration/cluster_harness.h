/* A cluster of real sandstore processes on loopback, for integration tests. */
#ifndef SS_CLUSTER_HARNESS_H
#define SS_CLUSTER_HARNESS_H

#include "integration/harness.h"

#define HC_MAX 7

typedef struct h_cluster {
    int n;
    h_node nodes[HC_MAX];
} h_cluster;

/* Sets up n nodes (ids 1..n) that list each other as peers; extra goes to all. */
void hc_init(h_cluster *c, int n, const char *extra);
/* Starts node i (0-based) without waiting. */
void hc_spawn(h_cluster *c, int i);
/* Starts every node and waits (60 s at most) until each answers: whether all did. */
bool hc_start_all(h_cluster *c);
void hc_cleanup(h_cluster *c);
/* The 0-based index of the node every live node agrees leads (waits up to
 * timeout_ms), or -1. */
int hc_wait_leader(h_cluster *c, int timeout_ms);
/* An INFO raft field of node i as an integer (-1 if unreachable). */
long long hc_info_int(h_cluster *c, int i, const char *field);
/* The same for any node, in a cluster or not (-1 if unreachable or absent). */
long long hc_node_info_int(h_node *n, const char *field);
/* Waits until every live node has applied at least index. */
bool hc_wait_applied(h_cluster *c, long long index, int timeout_ms);
/* Waits (bounded, ends as soon as it holds) until node i has applied what
 * node `leader` had committed when called. */
bool hc_caught_up(h_cluster *c, int i, int leader);
/* DEBUG DIGEST of node i (malloc'd; "?" when it does not answer). */
char *hc_digest(h_cluster *c, int i);
/* SET through node i, retrying on errors until timeout: true once acknowledged. */
bool hc_set_retry(h_cluster *c, int i, const char *key, const char *val, int timeout_ms);

/*
 * A writer thread for fault tests: SET w:<n> <n> one at a time, in sequence,
 * through the given nodes in turn (all of them when ntargets is 0), moving
 * to the next node after any error; it records which writes were
 * acknowledged, so a test can check that none of those is lost.
 */
typedef struct hc_writer hc_writer;

hc_writer *hc_writer_start(h_cluster *c, const int *targets, int ntargets);
/* Stops the thread (after its current write) and waits for it. */
void hc_writer_stop(hc_writer *w);
void hc_writer_free(hc_writer *w);
int hc_writer_attempted(const hc_writer *w);
int hc_writer_acked(const hc_writer *w);
/* How many acknowledged writes node i does not return (linearizable GETs,
 * pipelined; one answered with an error, e.g. TRYAGAIN during an election,
 * is read again for up to 30 s). The first few are printed. */
int hc_writer_missing_at(h_cluster *c, int i, const hc_writer *w);

#endif

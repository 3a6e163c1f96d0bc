/* A latency (or size) histogram of fixed power-of-two buckets: cheap to fill on any thread that owns it, read by INFO, LATENCY HISTOGRAM and the metrics endpoint. */
#ifndef SS_HISTOGRAM_H
#define SS_HISTOGRAM_H

#include <stdint.h>

/*
 * Bucket i counts observations v with 1024*2^(i-1) < v <= 1024*2^i (bucket
 * 0: v <= 1024), the last bucket everything above 1024*2^(SS_HIST_BUCKETS-2).
 * Durations are observed in nanoseconds: the bounds run from 1.024 µs to
 * 1024*2^24 ns (about 17.2 s) and then +Inf, the buckets Redis 7.0's LATENCY
 * HISTOGRAM reports (its hdr histogram iterated from 1024 ns, doubling), wide
 * enough for etcd's fsync buckets (1 ms .. 8 s). Sizes are observed in bytes
 * (1 KiB .. 16 GiB). Counts are per bucket, not cumulative; writers of the
 * exposition format add them up.
 *
 * A histogram has one owning thread (the one that observes); another thread
 * reads a copy taken where the owner hands over (e.g. a work item's after
 * callback).
 */
#define SS_HIST_BUCKETS 26

typedef struct ss_hist {
    uint64_t buckets[SS_HIST_BUCKETS];
    uint64_t count;
    uint64_t sum;       /* of the observed values */
} ss_hist;

/* The bucket v falls in. */
unsigned ss_hist_bucket(uint64_t v);
/* The upper bound of bucket i (UINT64_MAX for the last one, +Inf). */
uint64_t ss_hist_bound(unsigned i);
void ss_hist_observe(ss_hist *h, uint64_t v);
/* Adds every observation of from into into. */
void ss_hist_merge(ss_hist *into, const ss_hist *from);

#endif

/* Fixed power-of-two histograms (see histogram.h). */
#include "common/histogram.h"

unsigned ss_hist_bucket(uint64_t v)
{
    /* The smallest i with v <= 1024 * 2^i: the bit length of ceil(v / 1024) - 1. */
    uint64_t q = v / 1024 + (v % 1024 != 0);
    if (q <= 1)
        return 0;
    unsigned i = 64u - (unsigned)__builtin_clzll(q - 1);
    return i < SS_HIST_BUCKETS - 1 ? i : SS_HIST_BUCKETS - 1;
}

uint64_t ss_hist_bound(unsigned i) { return i < SS_HIST_BUCKETS - 1 ? (uint64_t)1024 << i : UINT64_MAX; }

void ss_hist_observe(ss_hist *h, uint64_t v)
{
    h->buckets[ss_hist_bucket(v)]++;
    h->count++;
    h->sum += v;
}

void ss_hist_merge(ss_hist *into, const ss_hist *from)
{
    for (unsigned i = 0; i < SS_HIST_BUCKETS; i++)
        into->buckets[i] += from->buckets[i];
    into->count += from->count;
    into->sum += from->sum;
}

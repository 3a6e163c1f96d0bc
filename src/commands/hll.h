/* HyperLogLog in Redis's own byte format (hyperloglog.c): the sparse and dense encodings, the hash, the estimator, so a value moves between Redis and sandstore as a plain string. */
#ifndef SS_HLL_H
#define SS_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A HyperLogLog is a string: a 16-byte header ("HYLL", the encoding, three
 * unused bytes, the cached cardinality as 8 little-endian bytes whose top
 * bit set means "stale"), then 16384 6-bit registers, either dense (12288
 * bytes, packed from the least significant bit) or sparse (ZERO, XZERO and
 * VAL run-length opcodes). Every write here produces the bytes Redis 7.0
 * produces for the same operations, so GET of one is a valid HyperLogLog
 * to the other with the same estimate.
 */

#define SS_HLL_P 14
#define SS_HLL_REGISTERS (1 << SS_HLL_P)
#define SS_HLL_HDR_SIZE 16
#define SS_HLL_DENSE_SIZE (SS_HLL_HDR_SIZE + (SS_HLL_REGISTERS * 6 + 7) / 8)
/* Redis's hll-sparse-max-bytes default: a sparse value that would grow
 * past it becomes dense. A constant, so every replica converts alike. */
#define SS_HLL_SPARSE_MAX_BYTES 3000

enum { SS_HLL_DENSE = 0, SS_HLL_SPARSE = 1 };

/* A value being changed: malloc'd bytes (ss_hll_release frees them). */
typedef struct ss_hll {
    unsigned char *p;
    size_t len, cap;
} ss_hll;

/* Whether bytes look like a HyperLogLog as Redis's isHLLObjectOrReply checks
 * them (header, magic, encoding, a dense one's exact size); a sparse one's
 * opcodes are checked as they are read. */
bool ss_hll_is_hll(const void *p, size_t len);

/* A new empty HLL (sparse, all registers zero); false on ENOMEM. */
bool ss_hll_init_empty(ss_hll *h);
/* A copy of bytes (already checked with ss_hll_is_hll); false on ENOMEM. */
bool ss_hll_init_copy(ss_hll *h, const void *p, size_t len);
void ss_hll_release(ss_hll *h);

/* Results of the writers. */
enum { SS_HLL_UNCHANGED = 0, SS_HLL_CHANGED = 1, SS_HLL_INVALID = -1, SS_HLL_ENOMEM = -2 };

/* PFADD of one element (hllAdd): SS_HLL_CHANGED when a register grew. */
int ss_hll_add(ss_hll *h, const void *ele, size_t len);
/* Raises register index to count if lower (hllDenseSet / hllSparseSet). */
int ss_hll_set(ss_hll *h, long index, uint8_t count);
/* Converts a sparse value to dense (hllSparseToDense). */
int ss_hll_to_dense(ss_hll *h);
/* Marks the cached cardinality stale. */
void ss_hll_invalidate(ss_hll *h);

/* max[i] = MAX(max[i], register i of the value) (hllMerge); false when a
 * sparse value is corrupt. */
bool ss_hll_merge(uint8_t max[SS_HLL_REGISTERS], const void *p, size_t len);

/* The estimate of a value (hllCount); *invalid set when a sparse one is
 * corrupt. The cached cardinality is not consulted (see ss_hll_cached). */
uint64_t ss_hll_count(const void *p, size_t len, bool *invalid);
/* The estimate of raw registers (one byte each). */
uint64_t ss_hll_count_raw(const uint8_t regs[SS_HLL_REGISTERS]);
/* The cached cardinality when it is not stale. */
bool ss_hll_cached(const void *p, uint64_t *card);

/* Redis's MurmurHash64A (little-endian reads, as on every Redis host). */
uint64_t ss_hll_murmur64a(const void *key, size_t len, uint32_t seed);
/* The register an element goes to and the run of zeros its hash gives
 * (hllPatLen). */
int ss_hll_patlen(const void *ele, size_t len, long *reg);

#endif

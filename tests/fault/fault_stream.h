/* The stream and BITFIELD workload of the fault runs (XADD, XREADGROUP/XACK, BITFIELD INCRBY) and its checkers. */
#ifndef SS_FAULT_STREAM_H
#define SS_FAULT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault/history.h"

/*
 * Clients in three roles, through random nodes: XADD s * tag <unique tag>;
 * XREADGROUP GROUP g c<client> COUNT 10 BLOCK 1000 STREAMS s > then XACK of
 * each entry read, and now and then XAUTOCLAIM s g c<client> 3000 0-0 COUNT 10
 * (entries pending 3 s: read by a read whose reply was lost, or whose
 * reader's XACK was) then XACK of each entry claimed; BITFIELD bf OVERFLOW WRAP INCRBY u32 0 1 OVERFLOW SAT
 * INCRBY u32 32 1 (two counters that start near 2^32, so that one wraps and
 * the other saturates during a run).
 */
typedef enum { FS_XADD, FS_READ, FS_DELIVER, FS_XACK, FS_BITFIELD, FS_AUTOCLAIM, FS_CLAIMED } fs_kind;

typedef struct fs_op {
    int client;
    fs_kind kind;
    hist_outcome outcome;
    char tag[24];   /* XADD: the entry's tag; DELIVER, CLAIMED: the tag read */
    char id[48];    /* XADD (ok): the ID it returned; DELIVER, CLAIMED, XACK: the entry */
    long long n;    /* XACK (ok): entries acknowledged */
    uint32_t wrap, sat; /* BITFIELD (ok): the counters' new values */
    int64_t invoke, complete;
} fs_op;

typedef struct fs_entry {
    char id[48];
    char tag[24];
} fs_entry;

/* The final stream (in XRANGE order) against the history:
 *   - IDs strictly increasing, each tag at most once, none never added or
 *     whose XADD failed;
 *   - every acknowledged XADD's tag is there with the ID it returned;
 *   - an XADD acknowledged before another began has the smaller ID;
 *   - no entry read twice in the group by XREADGROUP > (two consumers, or
 *     one twice; a claim may hand it to another), each consumer's reads in
 *     increasing ID order, every entry read or claimed in the stream with
 *     its tag, none claimed after an XACK of it had returned 1, none
 *     acknowledged twice, and an XACK of an entry nobody claimed found it. */
bool fs_check_stream(const fs_op *ops, size_t nops, const fs_entry *entries, size_t nentries, char *why,
                     size_t whysize);

/* The two BITFIELD counters, which started at wrap0 and sat0: with a
 * acknowledged and u unknown increments, the wrapping one moved by d (mod
 * 2^32) with a <= d <= a + u, the saturating one is min(2^32-1, sat0 + k)
 * for such a k, and acknowledged results are distinct steps no further than
 * the final values (below saturation). */
bool fs_check_bitfield(const fs_op *ops, size_t nops, uint32_t wrap0, uint32_t sat0, uint32_t wrap, uint32_t sat,
                       char *why, size_t whysize);

const char *fs_kind_name(fs_kind kind);

#endif

/* On-disk formats of the Raft log: segment and record headers, the meta file, segment scans. */
#ifndef SS_RAFT_IO_STORAGE_FORMAT_H
#define SS_RAFT_IO_STORAGE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/fsutil.h"

/*
 * All integers are little-endian.
 *
 * Segment header (32 bytes):
 *   0 magic "SSRAFTLG"  8 version u32  12 reserved u32 (0)  16 first index u64
 *   24 reserved u32 (0)  28 CRC-32C of bytes 0..27
 *
 * Record (32-byte header, then len payload bytes):
 *   0 header CRC u32 (CRC-32C of bytes 4..31)  4 len u32  8 index u64  16 term u64
 *   24 type u8  25..27 zero  28 payload CRC u32
 * The header CRC covers the payload CRC, so one record is checked over header
 * and payload; the split lets a scan test a candidate header in O(1) when it
 * looks for valid records after damage.
 */
#define SS_SEG_HEADER_SIZE 32
#define SS_REC_HEADER_SIZE 32
#define SS_STORAGE_VERSION 1u
#define SS_SEG_PREFIX "seg-"
/* Largest payload the format can hold. Recovery accepts any length up to it (a
 * length is trusted only once the header CRC matches, and must fit in the
 * file), so lowering max_entry_size never makes an existing log unreadable. */
#define SS_REC_MAX_LEN ((uint64_t)UINT32_MAX - SS_REC_HEADER_SIZE)

typedef struct {
    uint64_t index;
    uint64_t term;
    uint8_t type;
    uint32_t len;
} ss_rec_header;

void ss_seg_header_encode(uint8_t out[SS_SEG_HEADER_SIZE], uint64_t first_index);

/* Writes the header fields of a record whose payload follows at rec + 32; the
 * CRCs are left for ss_rec_seal (run on the worker, off the loop thread). */
void ss_rec_prepare(uint8_t *rec, const ss_rec_header *h);
void ss_rec_seal(uint8_t *rec);
/* Length field of a prepared or sealed record. */
uint32_t ss_rec_len(const uint8_t *rec);

/* Result of scanning one segment file. */
typedef struct {
    bool header_valid;
    uint64_t first_index; /* from the header, when valid */
    uint64_t count;       /* valid records */
    uint64_t valid_end;   /* offset just past the last valid record */
    uint64_t file_size;
    bool torn;            /* last segment only: bytes after valid_end are a torn tail */
} ss_seg_scan;

/* Called for each valid record in order; payload points into a mapping that
 * lives only for the call. Non-zero return stops the scan with that code. */
typedef int (*ss_seg_record_fn)(void *arg, const ss_rec_header *h, const uint8_t *payload,
                                uint64_t offset);

/*
 * Reads a segment file and checks every record (CRCs, contiguous indexes from
 * the header's first index, len <= max_len). In the last segment (is_last), a
 * record that a crash cut short (it runs past the end of the file, or a sector
 * of it reads as zeros; see storage_segment.c) with no valid record after it is
 * a torn tail: out->torn, SS_OK. Anything else, a complete last record that
 * fails its checksum included, is SS_ECORRUPT naming the file and byte offset.
 */
int ss_segment_scan(const char *path, bool is_last, uint64_t max_len, ss_seg_record_fn fn,
                    void *arg, ss_seg_scan *out, char *errmsg);

/* The meta file: hard state and where the log begins. */
typedef struct {
    uint64_t term;
    uint64_t vote;
    uint64_t first_index; /* >= 1 */
    uint64_t prev_term;   /* term of entry first_index - 1 */
    uint64_t commit;      /* a commit index the caller chose to keep, or 0 */
} ss_storage_meta;

#define SS_META_FILE "meta"
#define SS_META_TMP_FILE "meta.tmp"
#define SS_LOCK_FILE "LOCK"

/* *found is false (and m left alone) when there is no meta file yet. */
int ss_meta_read(const char *raftdir, ss_storage_meta *m, bool *found, char *errmsg);
/* Replaces the meta file atomically; with sync, durably (fsyncs counted in *fsyncs). */
int ss_meta_write(const char *raftdir, const ss_storage_meta *m, bool sync, uint64_t *fsyncs,
                  char *errmsg);

/* Little-endian helpers shared by the storage files. */
void ss_put32(uint8_t *p, uint32_t v);
void ss_put64(uint8_t *p, uint64_t v);
uint32_t ss_get32(const uint8_t *p);
uint64_t ss_get64(const uint8_t *p);

#endif

/* The worker-thread side of the Raft log: segment index, appends, truncation, compaction, fsync. */
#ifndef SS_RAFT_IO_STORAGE_WRITER_H
#define SS_RAFT_IO_STORAGE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/error.h"
#include "common/histogram.h"
#include "raft_io/storage.h"
#include "raft_io/storage_format.h"

/* One queued request, as the loop hands it to the worker. */
typedef struct ss_storage_req ss_storage_req;
struct ss_storage_req {
    ss_storage_req *next;
    bool compact;           /* a compaction rather than a persist */
    bool set_hard_state;
    uint64_t term, vote, commit;
    bool truncate;
    uint64_t truncate_from; /* persist: truncate point; compact: upto index */
    uint64_t compact_term;
    uint8_t *buf;           /* encoded records (prepared, sealed by the worker) */
    size_t buf_len;
    size_t cost;            /* bytes counted against max_pending_bytes */
    uint64_t last_index;    /* log last index once this request is applied */
    ss_persist_cb cb;
    void *arg;
};

/* Where one segment file's records are, so that truncation is a lookup. */
typedef struct {
    uint64_t first;    /* index in the header */
    uint64_t count;    /* records */
    uint64_t size;     /* bytes, header included (writes not yet flushed too) */
    uint64_t *offsets; /* offsets[i]: record first + i */
    size_t cap;
} ss_segment;

/*
 * Owned by the worker while a round is in flight and by the loop otherwise
 * (open and close); never by both at once.
 */
typedef struct {
    char *raftdir;
    ss_storage_opts opts;
    ss_segment *segs; /* sorted by first index, contiguous */
    size_t nsegs, segs_cap;
    int fd;           /* the last segment, opened on demand; -1 */
    bool fd_dirty;    /* written or truncated since its last fsync */
    bool dir_dirty;   /* files created or removed since the last directory fsync */
    struct iovec *iov; /* records waiting to be written to the last segment */
    size_t niov;
    uint64_t iov_off;
    ss_storage_meta meta;
    bool meta_dirty;
    uint64_t fsyncs;
    ss_hist fsync_ns;  /* how long each segment fdatasync took (the WAL fsync) */
    uint64_t fsync_max_us; /* the slowest since the loop last took it (after a round) */
    uint64_t bytes_written;
    ss_errmsg errmsg;
} ss_writer;

int ss_writer_init(ss_writer *w, const char *raftdir, const ss_storage_opts *opts,
                   const ss_storage_meta *meta, char *errmsg);
void ss_writer_release(ss_writer *w);

/* Adds a recovered segment at the end; records are then added with ss_writer_add_record. */
int ss_writer_add_segment(ss_writer *w, uint64_t first, uint64_t size);
int ss_writer_add_record(ss_writer *w, uint64_t offset);
/* Forgets the first recovered segment (its file has been removed). */
void ss_writer_drop_first(ss_writer *w);

/* Applies a batch in order and makes it durable (per opts.fsync). Worker thread.
 * On failure w->errmsg says what failed; the writer must not be used again. */
int ss_writer_round(ss_writer *w, ss_storage_req *batch);

uint64_t ss_writer_last_index(const ss_writer *w);
uint64_t ss_writer_bytes(const ss_writer *w);
void ss_writer_seg_path(const ss_writer *w, uint64_t first, char *out, size_t size);

#endif

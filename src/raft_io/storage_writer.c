/* Worker-thread writes of the Raft log: appends, rolls, truncation, compaction and fsync. */
#include "raft_io/storage_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

#define MAX_IOV 1024

int ss_writer_init(ss_writer *w, const char *raftdir, const ss_storage_opts *opts,
                   const ss_storage_meta *meta, char *errmsg)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    w->opts = *opts;
    w->meta = *meta;
    w->raftdir = strdup(raftdir);
    w->iov = calloc(MAX_IOV, sizeof *w->iov);
    if (w->raftdir == NULL || w->iov == NULL) {
        ss_writer_release(w);
        return ss_errf(errmsg, SS_ENOMEM, "storage: out of memory");
    }
    return SS_OK;
}

void ss_writer_release(ss_writer *w)
{
    /* Every round ended with an fsync, so this only reports a file system
     * that kept an error for close (NFS); nobody is left to answer. */
    if (w->fd >= 0 && close(w->fd) != 0)
        LOG_WARNING("storage: close of the last log segment in '%s': %s", w->raftdir,
                    strerror(errno));
    for (size_t i = 0; i < w->nsegs; i++)
        free(w->segs[i].offsets);
    free(w->segs);
    free(w->iov);
    free(w->raftdir);
    memset(w, 0, sizeof *w);
    w->fd = -1;
}

void ss_writer_seg_path(const ss_writer *w, uint64_t first, char *out, size_t size)
{
    snprintf(out, size, "%s/" SS_SEG_PREFIX "%020" PRIu64, w->raftdir, first);
}

static uint64_t seg_last(const ss_segment *seg) { return seg->first + seg->count - 1; }

uint64_t ss_writer_last_index(const ss_writer *w)
{
    uint64_t last = w->meta.first_index - 1;
    if (w->nsegs > 0 && seg_last(&w->segs[w->nsegs - 1]) > last)
        last = seg_last(&w->segs[w->nsegs - 1]);
    return last;
}

uint64_t ss_writer_bytes(const ss_writer *w)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < w->nsegs; i++)
        bytes += w->segs[i].size;
    return bytes;
}

int ss_writer_add_segment(ss_writer *w, uint64_t first, uint64_t size)
{
    if (w->nsegs == w->segs_cap) {
        size_t cap = w->segs_cap ? w->segs_cap * 2 : 16;
        ss_segment *segs = realloc(w->segs, cap * sizeof *segs);
        if (segs == NULL)
            return ss_errf(w->errmsg, SS_ENOMEM, "storage: out of memory");
        w->segs = segs;
        w->segs_cap = cap;
    }
    w->segs[w->nsegs++] = (ss_segment){.first = first, .size = size};
    return SS_OK;
}

int ss_writer_add_record(ss_writer *w, uint64_t offset)
{
    ss_segment *seg = &w->segs[w->nsegs - 1];
    if (seg->count == seg->cap) {
        size_t cap = seg->cap ? seg->cap * 2 : 256;
        uint64_t *offsets = realloc(seg->offsets, cap * sizeof *offsets);
        if (offsets == NULL)
            return ss_errf(w->errmsg, SS_ENOMEM, "storage: out of memory");
        seg->offsets = offsets;
        seg->cap = cap;
    }
    seg->offsets[seg->count++] = offset;
    return SS_OK;
}

void ss_writer_drop_first(ss_writer *w)
{
    free(w->segs[0].offsets);
    memmove(&w->segs[0], &w->segs[1], (w->nsegs - 1) * sizeof *w->segs);
    w->nsegs--;
}

static bool syncing(const ss_writer *w) { return w->opts.fsync == SS_FSYNC_ALWAYS; }

/* Writes the queued records of the last segment. */
static int flush(ss_writer *w)
{
    struct iovec *iov = w->iov;
    size_t n = w->niov;
    uint64_t off = w->iov_off;
    while (n > 0) {
        ssize_t done = pwritev(w->fd, iov, (int)n, (off_t)off);
        if (done < 0 && errno == EINTR)
            continue;
        if (done < 0) {
            char path[4096];
            ss_writer_seg_path(w, w->segs[w->nsegs - 1].first, path, sizeof path);
            return ss_errf(w->errmsg, SS_EIO, "storage: write '%s' at offset %" PRIu64 ": %s",
                           path, off, strerror(errno));
        }
        off += (uint64_t)done;
        w->bytes_written += (uint64_t)done;
        /* A short write: skip what went out and retry the rest. */
        while (n > 0 && (size_t)done >= iov->iov_len) {
            done -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + done;
            iov->iov_len -= (size_t)done;
        }
    }
    w->niov = 0;
    return SS_OK;
}

/* Flushes and fsyncs the last segment, then the directory, as needed. */
static int sync_all(ss_writer *w)
{
    int rc = flush(w);
    if (rc != SS_OK)
        return rc;
    if (w->fd >= 0 && w->fd_dirty && syncing(w)) {
        w->fsyncs++;
        uint64_t t0 = ss_clock_mono_ns();
        int synced = fdatasync(w->fd);
        uint64_t took_ns = ss_clock_mono_ns() - t0, took = took_ns / 1000;
        ss_hist_observe(&w->fsync_ns, took_ns);
        if (took > w->fsync_max_us)
            w->fsync_max_us = took;
        if (synced != 0) {
            char path[4096];
            ss_writer_seg_path(w, w->segs[w->nsegs - 1].first, path, sizeof path);
            return ss_errf(w->errmsg, SS_EIO, "storage: fsync '%s': %s", path, strerror(errno));
        }
    }
    w->fd_dirty = false;
    if (w->dir_dirty && syncing(w)) {
        w->fsyncs++;
        rc = ss_fsync_dir(w->raftdir, w->errmsg);
        if (rc != SS_OK)
            return rc;
    }
    w->dir_dirty = false;
    return SS_OK;
}

/* Closes the last segment's descriptor; -1 with errno when close failed. */
static int close_fd(ss_writer *w)
{
    int rc = w->fd >= 0 ? close(w->fd) : 0;
    w->fd = -1;
    return rc;
}

static int open_last(ss_writer *w)
{
    if (w->fd >= 0)
        return SS_OK;
    char path[4096];
    ss_writer_seg_path(w, w->segs[w->nsegs - 1].first, path, sizeof path);
    w->fd = open(path, O_WRONLY | O_CLOEXEC);
    if (w->fd < 0)
        return ss_errf(w->errmsg, SS_EIO, "storage: open '%s': %s", path, strerror(errno));
    return SS_OK;
}

/* Starts segment seg-<first>. The previous one is fsynced first so that only
 * the last segment can ever hold a torn tail (recovery relies on it). */
static int roll(ss_writer *w, uint64_t first)
{
    int rc = sync_all(w);
    if (rc != SS_OK)
        return rc;
    char path[4096];
    if (w->nsegs > 0 && close_fd(w) != 0) {
        /* Some file systems (NFS) report a failed write-back only at close. */
        int e = errno;
        ss_writer_seg_path(w, w->segs[w->nsegs - 1].first, path, sizeof path);
        return ss_errf(w->errmsg, SS_EIO, "storage: close '%s': %s", path, strerror(e));
    }
    ss_writer_seg_path(w, first, path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return ss_errf(w->errmsg, SS_EIO, "storage: create '%s': %s", path, strerror(errno));
    uint8_t hdr[SS_SEG_HEADER_SIZE];
    ss_seg_header_encode(hdr, first);
    if (pwrite(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
        int e = errno;
        close(fd);
        return ss_errf(w->errmsg, SS_EIO, "storage: write header of '%s': %s", path,
                       strerror(e));
    }
    rc = ss_writer_add_segment(w, first, SS_SEG_HEADER_SIZE);
    if (rc != SS_OK) {
        close(fd);
        return rc;
    }
    w->fd = fd;
    w->fd_dirty = true;
    w->dir_dirty = true;
    return SS_OK;
}

static int append(ss_writer *w, uint8_t *rec, size_t size, uint64_t index)
{
    ss_segment *seg = w->nsegs ? &w->segs[w->nsegs - 1] : NULL;
    int rc;
    if (seg == NULL || (seg->count > 0 && seg->size + size > w->opts.segment_size)) {
        if ((rc = roll(w, index)) != SS_OK)
            return rc;
        seg = &w->segs[w->nsegs - 1];
    }
    if (seg->first + seg->count != index)
        return ss_errf(w->errmsg, SS_EINTERNAL, "storage: append of index %" PRIu64
                       " to a log ending at %" PRIu64, index, seg->first + seg->count - 1);
    if ((rc = open_last(w)) != SS_OK || (w->niov == MAX_IOV && (rc = flush(w)) != SS_OK))
        return rc;
    uint64_t at = seg->size;
    if ((rc = ss_writer_add_record(w, at)) != SS_OK)
        return rc;
    if (w->niov == 0)
        w->iov_off = at;
    w->iov[w->niov++] = (struct iovec){.iov_base = rec, .iov_len = size};
    seg->size += size;
    w->fd_dirty = true;
    return SS_OK;
}

static int remove_segment_file(ss_writer *w, uint64_t first)
{
    char path[4096];
    ss_writer_seg_path(w, first, path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT)
        return ss_errf(w->errmsg, SS_EIO, "storage: remove '%s': %s", path, strerror(errno));
    w->dir_dirty = true;
    return SS_OK;
}

/* Drops entries >= from. Made durable at once: otherwise later appends could
 * reach the disk while the old tail (or a removed segment) comes back after a
 * crash, which recovery would rightly call corruption. */
static int truncate_from(ss_writer *w, uint64_t from)
{
    int rc = flush(w);
    if (rc != SS_OK || from > ss_writer_last_index(w))
        return rc;
    while (w->nsegs > 0 && w->segs[w->nsegs - 1].first >= from) {
        (void)close_fd(w); /* removed next: how its write-back went no longer matters */
        if ((rc = remove_segment_file(w, w->segs[w->nsegs - 1].first)) != SS_OK)
            return rc;
        free(w->segs[w->nsegs - 1].offsets);
        w->nsegs--;
    }
    if (w->nsegs > 0 && from <= seg_last(&w->segs[w->nsegs - 1])) {
        ss_segment *seg = &w->segs[w->nsegs - 1];
        if ((rc = open_last(w)) != SS_OK)
            return rc;
        uint64_t size = seg->offsets[from - seg->first];
        if (ftruncate(w->fd, (off_t)size) != 0) {
            char path[4096];
            ss_writer_seg_path(w, seg->first, path, sizeof path);
            return ss_errf(w->errmsg, SS_EIO, "storage: truncate '%s' to %" PRIu64 " bytes: %s",
                           path, size, strerror(errno));
        }
        seg->count = from - seg->first;
        seg->size = size;
        w->fd_dirty = true;
    }
    return sync_all(w);
}

/* Forgets entries <= upto: the new start goes to the meta file first, then
 * whole segments below it are removed (recovery finishes an interrupted one). */
static int compact(ss_writer *w, uint64_t upto, uint64_t upto_term)
{
    int rc = flush(w);
    if (rc != SS_OK || upto < w->meta.first_index)
        return rc;
    w->meta.first_index = upto + 1;
    w->meta.prev_term = upto_term;
    rc = ss_meta_write(w->raftdir, &w->meta, syncing(w), &w->fsyncs, w->errmsg);
    if (rc != SS_OK)
        return rc;
    w->meta_dirty = false;
    while (w->nsegs > 0 && w->segs[0].first + w->segs[0].count <= upto + 1) {
        if (w->nsegs == 1)
            (void)close_fd(w); /* removed next, as above */
        if ((rc = remove_segment_file(w, w->segs[0].first)) != SS_OK)
            return rc;
        ss_writer_drop_first(w);
    }
    return SS_OK;
}

static int apply_persist(ss_writer *w, ss_storage_req *r)
{
    int rc;
    if (r->truncate && (rc = truncate_from(w, r->truncate_from)) != SS_OK)
        return rc;
    for (size_t off = 0; off < r->buf_len;) {
        uint8_t *rec = r->buf + off;
        size_t size = SS_REC_HEADER_SIZE + ss_rec_len(rec);
        ss_rec_seal(rec);
        if ((rc = append(w, rec, size, ss_get64(rec + 8))) != SS_OK)
            return rc;
        off += size;
    }
    return SS_OK;
}

/*
 * The hard state goes first: Raft's persisted term must never be behind the
 * term of an entry in the log (a restart would find entries from a term the
 * node does not know it entered, and refuse them). Recording a newer term or
 * vote before the entries is always safe: nothing is acknowledged until the
 * whole round is durable, and a commit index ahead of the log is clamped at
 * restart. One meta replace per round however many requests changed it.
 */
int ss_writer_round(ss_writer *w, ss_storage_req *batch)
{
    int rc = SS_OK;
    for (ss_storage_req *r = batch; r != NULL; r = r->next) {
        if (!r->compact && r->set_hard_state) {
            w->meta.term = r->term;
            w->meta.vote = r->vote;
            w->meta.commit = r->commit;
            w->meta_dirty = true;
        }
    }
    if (w->meta_dirty) {
        rc = ss_meta_write(w->raftdir, &w->meta, syncing(w), &w->fsyncs, w->errmsg);
        w->meta_dirty = false;
    }
    for (ss_storage_req *r = batch; r != NULL && rc == SS_OK; r = r->next)
        rc = r->compact ? compact(w, r->truncate_from, r->compact_term) : apply_persist(w, r);
    if (rc == SS_OK)
        rc = sync_all(w);
    if (rc != SS_OK)
        LOG_WARNING("storage: write round failed: %s", w->errmsg);
    return rc;
}

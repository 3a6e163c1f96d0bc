/* Segment and record encoding, and the recovery scan of one segment file. */
#include "raft_io/storage_format.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/error.h"

static const uint8_t seg_magic[8] = {'S', 'S', 'R', 'A', 'F', 'T', 'L', 'G'};

void ss_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void ss_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t ss_get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

uint64_t ss_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

void ss_seg_header_encode(uint8_t out[SS_SEG_HEADER_SIZE], uint64_t first_index)
{
    memset(out, 0, SS_SEG_HEADER_SIZE);
    memcpy(out, seg_magic, sizeof seg_magic);
    ss_put32(out + 8, SS_STORAGE_VERSION);
    ss_put64(out + 16, first_index);
    ss_put32(out + 28, ss_crc32c(0, out, 28));
}

/* Returns the first index, or 0 when the header is damaged or of another version. */
static uint64_t seg_header_decode(const uint8_t *p, size_t avail)
{
    if (avail < SS_SEG_HEADER_SIZE || memcmp(p, seg_magic, sizeof seg_magic) != 0)
        return 0;
    if (ss_get32(p + 28) != ss_crc32c(0, p, 28) || ss_get32(p + 8) != SS_STORAGE_VERSION)
        return 0;
    return ss_get64(p + 16);
}

void ss_rec_prepare(uint8_t *rec, const ss_rec_header *h)
{
    memset(rec, 0, SS_REC_HEADER_SIZE);
    ss_put32(rec + 4, h->len);
    ss_put64(rec + 8, h->index);
    ss_put64(rec + 16, h->term);
    rec[24] = h->type;
}

void ss_rec_seal(uint8_t *rec)
{
    ss_put32(rec + 28, ss_crc32c(0, rec + SS_REC_HEADER_SIZE, ss_rec_len(rec)));
    ss_put32(rec, ss_crc32c(0, rec + 4, SS_REC_HEADER_SIZE - 4));
}

uint32_t ss_rec_len(const uint8_t *rec) { return ss_get32(rec + 4); }

enum rec_check { REC_OK, REC_BAD_HEADER, REC_BAD_PAYLOAD, REC_SHORT };

/* Classifies the bytes at buf[off..n) as a record. */
static enum rec_check rec_check(const uint8_t *buf, uint64_t n, uint64_t off, uint64_t max_len,
                                ss_rec_header *h)
{
    if (n - off < SS_REC_HEADER_SIZE)
        return REC_SHORT;
    const uint8_t *p = buf + off;
    h->len = ss_get32(p + 4);
    h->index = ss_get64(p + 8);
    h->term = ss_get64(p + 16);
    h->type = p[24];
    /* Cheap filters first: zero-filled tails and random bytes fail here. */
    if (h->index == 0 || h->len > max_len || p[25] || p[26] || p[27])
        return REC_BAD_HEADER;
    if (ss_get32(p) != ss_crc32c(0, p + 4, SS_REC_HEADER_SIZE - 4))
        return REC_BAD_HEADER;
    if (n - off - SS_REC_HEADER_SIZE < h->len)
        return REC_SHORT;
    if (ss_get32(p + 28) != ss_crc32c(0, p + SS_REC_HEADER_SIZE, h->len))
        return REC_BAD_PAYLOAD;
    return REC_OK;
}

/* Is there any complete, checksum-valid record starting at or after from? */
static bool valid_record_after(const uint8_t *buf, uint64_t n, uint64_t from, uint64_t max_len)
{
    ss_rec_header h;
    for (uint64_t p = from; p + SS_REC_HEADER_SIZE <= n; p++)
        if (rec_check(buf, n, p, max_len, &h) == REC_OK)
            return true;
    return false;
}

/*
 * Telling a torn write from damage. A disk writes whole sectors, not
 * necessarily in order, so a write cut short by a crash leaves some of its
 * sectors unwritten; on the file systems we run on (ext4, xfs) the unwritten
 * blocks of a file that was extended read back as zeros. A torn record is
 * therefore a prefix (it runs past the end of the file) or holds a sector
 * that reads as zeros. A record with every byte present and no such sector
 * that fails its checksum was written and then changed: that is corruption,
 * and it may be an entry this node acknowledged (etcd's WAL draws the same
 * line: a CRC mismatch is a torn write only if a sector of it is zeros).
 */
#define SECTOR_SIZE 512

/* Is any sector-aligned piece of buf[from..to) all zeros? */
static bool has_zero_sector(const uint8_t *buf, uint64_t from, uint64_t to)
{
    for (uint64_t start = from; start < to;) {
        uint64_t end = (start / SECTOR_SIZE + 1) * SECTOR_SIZE;
        if (end > to)
            end = to;
        uint64_t i = start;
        while (i < end && buf[i] == 0)
            i++;
        if (i == end)
            return true;
        start = end;
    }
    return false;
}

/* A record whose header fails its own CRC is normally torn (or the zeros or
 * garbage past the end of the log), and its length cannot be trusted. But if
 * the header names the index that comes next, its payload fits in the file
 * and matches the payload CRC the header carries, and no sector of it reads
 * as zeros, the record was written whole and its header damaged since. */
static bool written_whole(const uint8_t *buf, uint64_t n, uint64_t off, uint64_t want,
                          uint64_t max_len)
{
    const uint8_t *p = buf + off;
    uint64_t len = ss_get32(p + 4);
    if (n - off < SS_REC_HEADER_SIZE || ss_get64(p + 8) != want || len > max_len ||
        n - off - SS_REC_HEADER_SIZE < len)
        return false;
    if (ss_get32(p + 28) != ss_crc32c(0, p + SS_REC_HEADER_SIZE, len))
        return false;
    return !has_zero_sector(buf, off, off + SS_REC_HEADER_SIZE + len);
}

/* Decides between a torn tail and corruption once the record at off is bad
 * (c says how; h holds its header fields, want is the index expected there). */
static int bad_record(const char *path, const uint8_t *buf, uint64_t n, uint64_t off,
                      enum rec_check c, const ss_rec_header *h, uint64_t want, bool is_last,
                      uint64_t max_len, ss_seg_scan *out, char *errmsg)
{
    if (!is_last)
        return ss_errf(errmsg, SS_ECORRUPT,
                       "storage: bad record in '%s' at offset %" PRIu64 " (not the last segment)",
                       path, off);
    if (c == REC_BAD_PAYLOAD && !has_zero_sector(buf, off, off + SS_REC_HEADER_SIZE + h->len))
        return ss_errf(errmsg, SS_ECORRUPT,
                       "storage: checksum mismatch in '%s' at offset %" PRIu64 ": record %" PRIu64
                       " is complete, so it was damaged after it was written (not a torn write); "
                       "move this node's data directory away to rebuild it from its peers",
                       path, off, h->index);
    if (c == REC_BAD_HEADER && written_whole(buf, n, off, want, max_len))
        return ss_errf(errmsg, SS_ECORRUPT,
                       "storage: damaged record header in '%s' at offset %" PRIu64 ": record %"
                       PRIu64 " is complete, so it was damaged after it was written (not a torn "
                       "write); move this node's data directory away to rebuild it from its peers",
                       path, off, want);
    /* With a trusted header, the next record can only start after this one. */
    uint64_t resume = c == REC_BAD_PAYLOAD ? off + SS_REC_HEADER_SIZE + h->len : off + 1;
    if (valid_record_after(buf, n, resume, max_len))
        return ss_errf(errmsg, SS_ECORRUPT,
                       "storage: bad record in '%s' at offset %" PRIu64
                       " followed by valid records", path, off);
    out->torn = true;
    return SS_OK;
}

static int scan_records(const char *path, const uint8_t *buf, uint64_t n, bool is_last,
                        uint64_t max_len, ss_seg_record_fn fn, void *arg, ss_seg_scan *out,
                        char *errmsg)
{
    uint64_t off = SS_SEG_HEADER_SIZE;
    while (off < n) {
        ss_rec_header h;
        enum rec_check c = rec_check(buf, n, off, max_len, &h);
        if (c == REC_SHORT && off + SS_REC_HEADER_SIZE <= n) {
            /* A valid header whose payload runs past the end: nothing follows. */
            if (!is_last)
                return ss_errf(errmsg, SS_ECORRUPT,
                               "storage: truncated record in '%s' at offset %" PRIu64
                               " (not the last segment)", path, off);
            out->torn = true;
            return SS_OK;
        }
        uint64_t want = out->first_index + out->count;
        if (c != REC_OK)
            return bad_record(path, buf, n, off, c, &h, want, is_last, max_len, out, errmsg);
        if (h.index != want)
            return ss_errf(errmsg, SS_ECORRUPT,
                           "storage: index gap in '%s' at offset %" PRIu64 ": record %" PRIu64
                           ", expected %" PRIu64, path, off, h.index, want);
        int rc = fn ? fn(arg, &h, buf + off + SS_REC_HEADER_SIZE, off) : SS_OK;
        if (rc != SS_OK)
            return rc;
        out->count++;
        off += SS_REC_HEADER_SIZE + h.len;
        out->valid_end = off;
    }
    return SS_OK;
}

int ss_segment_scan(const char *path, bool is_last, uint64_t max_len, ss_seg_record_fn fn,
                    void *arg, ss_seg_scan *out, char *errmsg)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ss_errf(errmsg, SS_EIO, "storage: open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ss_errf(errmsg, SS_EIO, "storage: stat '%s': %s", path, strerror(e));
    }
    uint64_t n = (uint64_t)st.st_size;
    out->file_size = n;
    const uint8_t *buf = NULL;
    if (n > 0) {
        void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            return ss_errf(errmsg, SS_EIO, "storage: mmap '%s': %s", path, strerror(e));
        }
        madvise(m, n, MADV_SEQUENTIAL);
        buf = m;
    }
    close(fd);

    int rc = SS_OK;
    out->first_index = seg_header_decode(buf, n);
    out->header_valid = out->first_index != 0;
    if (!out->header_valid) {
        /* A roll torn while writing the header leaves a short or damaged last
         * file; it holds nothing that was ever acknowledged, unless records
         * follow the header. */
        if (!is_last)
            rc = ss_errf(errmsg, SS_ECORRUPT, "storage: bad segment header in '%s' at offset 0 "
                         "(not the last segment)", path);
        else if (valid_record_after(buf, n, 1, max_len))
            rc = ss_errf(errmsg, SS_ECORRUPT, "storage: bad segment header in '%s' at offset 0 "
                         "followed by valid records", path);
        else
            out->torn = true;
    } else {
        out->valid_end = SS_SEG_HEADER_SIZE;
        rc = scan_records(path, buf, n, is_last, max_len, fn, arg, out, errmsg);
    }
    if (buf != NULL)
        munmap((void *)buf, n);
    return rc;
}

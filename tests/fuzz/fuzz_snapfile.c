/* Fuzz target: bytes a leader sends as a snapshot, through what a follower does with them: chunks to a file, header, verify, records, staging. */
#include <dirent.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster/cluster_snap_files.h"
#include "common/crc32c.h"
#include "common/error.h"
#include "common/log.h"
#include "store/snapfile.h"
#include "store/store_internal.h"

/*
 * Input: one mode byte, then the body.
 *   mode & 1  chunked: the body is a sequence of chunks, each
 *             offset u24 | length u16 | bytes, written with the follower's
 *             receive path (snap_incoming_write, snap_incoming_publish);
 *             otherwise the body is the file itself.
 *   mode & 2  fix the checksums first (header CRC, trailer CRC, length and
 *             record count when the records walk to the trailer), so that
 *             mutations reach the record parser instead of failing the CRC.
 *   mode & 4  stage it when it verifies: build a LevelDB from it and load its
 *             metadata, as a follower does before adopting it.
 * Then, as a follower before staging: ss_store_snapfile_info (the header),
 * ss_store_snapfile_verify (every byte), snapfile_read with a record callback
 * (the loader's path), and checks that they agree.
 *
 * Files live under /dev/shm when it exists (no disk, fsync is free).
 */

#define MAX_OFFSET (1u << 20)

static char dir[256];
static snap_dir sdir;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    if (dir[0])
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void init_once(void)
{
    if (dir[0])
        return;
    ss_log_set_level(SS_LOG_NONE);
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/ss-fuzz-snapfile-XXXXXX", base);
    if (!mkdtemp(dir))
        abort();
    if (snap_dir_init(&sdir, dir, NULL) != SS_OK)
        abort();
    atexit(cleanup);
}

static uint32_t get_u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }
static void put_u32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put_u64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* The checksums (and, when the records walk exactly to the trailer, its
 * length and count) made right for whatever the bytes hold. */
static void fix_checksums(uint8_t *b, size_t n)
{
    if (n < SS_SNAPFILE_HEADER_SIZE)
        return;
    put_u32(b + 32, ss_crc32c(0, b, 32));
    if (n < SS_SNAPFILE_HEADER_SIZE + SS_SNAPFILE_TRAILER_SIZE)
        return;
    size_t at = n - SS_SNAPFILE_TRAILER_SIZE, off = SS_SNAPFILE_HEADER_SIZE;
    uint64_t records = 0;
    while (off + 13 <= at && b[off] == 0x01) {
        uint64_t len = (uint64_t)get_u32(b + off + 1) + get_u64(b + off + 5);
        if (len > at - off - 13)
            break;
        off += 13 + (size_t)len;
        records++;
    }
    b[at] = 0xFF;
    if (off == at) {
        put_u64(b + at + 1, records);
        put_u64(b + at + 9, at);
    }
    put_u32(b + at + 17, ss_crc32c(0, b, at));
}

static int write_whole(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return SS_EIO;
    int rc = fwrite(b, 1, n, f) == n ? SS_OK : SS_EIO;
    return fclose(f) == 0 ? rc : SS_EIO;
}

/* The follower's receive path: chunks at their offsets, then published. */
static int write_chunks(const uint8_t *b, size_t n, char *final, size_t size)
{
    snap_incoming in;
    snap_incoming_init(&in, &sdir);
    int rc = SS_OK;
    for (size_t off = 0; off + 5 <= n && rc == SS_OK;) {
        uint32_t at = ((uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16) %
                      MAX_OFFSET;
        size_t len = (size_t)b[off + 3] | (size_t)b[off + 4] << 8;
        off += 5;
        if (len > n - off)
            len = n - off;
        rc = snap_incoming_write(&in, at, b + off, len, NULL);
        off += len;
    }
    if (rc == SS_OK)
        rc = snap_incoming_publish(&in, 7, 3, final, size, NULL);
    snap_incoming_release(&in);
    return rc;
}

typedef struct {
    uint64_t records, bytes;
} tally;

static int count_record(void *ud, const char *key, size_t klen, const char *val, size_t vlen,
                        char *errmsg)
{
    (void)errmsg;
    if (key == NULL || val == NULL)
        abort(); /* even an empty record gets real pointers (the loader hands them on) */
    tally *t = ud;
    t->records++;
    t->bytes += klen + vlen;
    if (klen > 0 && key[0] == '\x7f' && vlen > 0 && val[vlen - 1] == '\x7f')
        t->bytes++; /* touches both ends of what was handed over */
    return SS_OK;
}

static void stage(const char *path)
{
    char sdir_path[300];
    snprintf(sdir_path, sizeof sdir_path, "%s/stage", dir);
    ss_store_staged *st = NULL;
    if (ss_store_stage_snapshot(sdir_path, path, NULL, &st, NULL) == SS_OK)
        ss_store_staged_free(st);
    nftw(sdir_path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    if (size < 1 || size > (4u << 20))
        return 0;
    uint8_t mode = data[0];
    size_t n = size - 1;
    uint8_t *body = malloc(n ? n : 1);
    if (!body)
        return 0;
    memcpy(body, data + 1, n);
    char path[SNAP_PATH_MAX];
    int rc;
    if (mode & 1) {
        rc = write_chunks(body, n, path, sizeof path);
    } else {
        if (mode & 2)
            fix_checksums(body, n);
        snap_dir_file(&sdir, path, sizeof path, 7, 3, "");
        rc = write_whole(path, body, n);
    }
    free(body);
    if (rc != SS_OK && (mode & 1))
        return 0; /* no chunk at all: the receive path's "no data received" */
    if (rc != SS_OK)
        abort(); /* our own scratch file: a failure here is the harness's */

    ss_errmsg err = "";
    uint64_t hi = 0, ht = 0, vi = 0, vt = 0, ri = 0, rt = 0;
    int info = ss_store_snapfile_info(path, &hi, &ht, err);
    int verify = ss_store_snapfile_verify(path, &vi, &vt, err);
    tally t = {0, 0};
    uint64_t records = 0;
    int read = snapfile_read(path, count_record, &t, &ri, &rt, &records, err);
    /* One file, three readers: they must agree. */
    if (verify == SS_OK && (info != SS_OK || vi != hi || vt != ht))
        abort();
    if ((read == SS_OK) != (verify == SS_OK) || (read == SS_OK && (ri != vi || rt != vt)))
        abort();
    if (read == SS_OK && records != t.records)
        abort();
    if (verify == SS_OK && (mode & 4))
        stage(path);
    unlink(path);
    return 0;
}

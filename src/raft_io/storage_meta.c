/* The meta file (term, vote, log start), replaced atomically with temp file + rename. */
#include "raft_io/storage_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/error.h"

/*
 * Layout (64 bytes): 0 magic "SSRAFTMT"  8 version u32  12 reserved u32  16 term u64
 * 24 vote u64  32 first index u64  40 prev term u64  48 commit u64
 * 56 CRC-32C of 0..55  60 reserved u32
 */
#define META_SIZE 64
#define META_CRC_AT 56
static const uint8_t meta_magic[8] = {'S', 'S', 'R', 'A', 'F', 'T', 'M', 'T'};

int ss_meta_read(const char *raftdir, ss_storage_meta *m, bool *found, char *errmsg)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", raftdir, SS_META_FILE);
    *found = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return SS_OK;
        return ss_errf(errmsg, SS_EIO, "storage: open '%s': %s", path, strerror(errno));
    }
    uint8_t buf[META_SIZE + 1];
    ssize_t n;
    do
        n = read(fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0)
        return ss_errf(errmsg, SS_EIO, "storage: read '%s': %s", path, strerror(e));
    /* A short read of a regular file this small means the file is short. */
    if (n != META_SIZE)
        return ss_errf(errmsg, SS_ECORRUPT, "storage: meta file '%s' has %zd bytes, expected %d",
                       path, n, META_SIZE);
    if (memcmp(buf, meta_magic, sizeof meta_magic) != 0 ||
        ss_get32(buf + META_CRC_AT) != ss_crc32c(0, buf, META_CRC_AT) ||
        ss_get32(buf + META_CRC_AT + 4) != 0)
        return ss_errf(errmsg, SS_ECORRUPT, "storage: meta file '%s' is damaged (bad magic or crc)",
                       path);
    if (ss_get32(buf + 8) != SS_STORAGE_VERSION)
        return ss_errf(errmsg, SS_ECORRUPT, "storage: meta file '%s' has unknown version %u", path,
                       ss_get32(buf + 8));
    m->term = ss_get64(buf + 16);
    m->vote = ss_get64(buf + 24);
    m->first_index = ss_get64(buf + 32);
    m->prev_term = ss_get64(buf + 40);
    m->commit = ss_get64(buf + 48);
    if (m->first_index == 0)
        return ss_errf(errmsg, SS_ECORRUPT, "storage: meta file '%s' has first index 0", path);
    *found = true;
    return SS_OK;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ss_meta_write(const char *raftdir, const ss_storage_meta *m, bool sync, uint64_t *fsyncs,
                  char *errmsg)
{
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/%s", raftdir, SS_META_TMP_FILE);
    snprintf(path, sizeof path, "%s/%s", raftdir, SS_META_FILE);

    uint8_t buf[META_SIZE];
    memset(buf, 0, sizeof buf);
    memcpy(buf, meta_magic, sizeof meta_magic);
    ss_put32(buf + 8, SS_STORAGE_VERSION);
    ss_put64(buf + 16, m->term);
    ss_put64(buf + 24, m->vote);
    ss_put64(buf + 32, m->first_index);
    ss_put64(buf + 40, m->prev_term);
    ss_put64(buf + 48, m->commit);
    ss_put32(buf + META_CRC_AT, ss_crc32c(0, buf, META_CRC_AT));

    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return ss_errf(errmsg, SS_EIO, "storage: create '%s': %s", tmp, strerror(errno));
    if (write_all(fd, buf, sizeof buf) != 0) {
        int e = errno;
        close(fd);
        return ss_errf(errmsg, SS_EIO, "storage: write '%s': %s", tmp, strerror(e));
    }
    if (sync) {
        (*fsyncs)++;
        if (fsync(fd) != 0) {
            int e = errno;
            close(fd);
            return ss_errf(errmsg, SS_EIO, "storage: fsync '%s': %s", tmp, strerror(e));
        }
    }
    if (close(fd) != 0)
        return ss_errf(errmsg, SS_EIO, "storage: close '%s': %s", tmp, strerror(errno));
    if (rename(tmp, path) != 0)
        return ss_errf(errmsg, SS_EIO, "storage: rename '%s' to '%s': %s", tmp, path,
                       strerror(errno));
    if (!sync)
        return SS_OK;
    (*fsyncs)++;
    return ss_fsync_dir(raftdir, errmsg);
}

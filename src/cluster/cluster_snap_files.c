/* Snapshot files under <dir>/snapshots: names, scanning, clean-up, the file being received, chunk reads. */
#include "cluster/cluster_snap_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fsutil.h"
#include "common/log.h"

int snap_dir_init(snap_dir *d, const char *datadir, char *errmsg)
{
    if (snprintf(d->path, sizeof d->path, "%s/snapshots", datadir) >= (int)sizeof d->path)
        return ss_errf(errmsg, SS_ECONFIG, "dir '%s' is too long", datadir);
    if (mkdir(d->path, 0755) != 0 && errno != EEXIST)
        return ss_errf(errmsg, SS_EIO, "create '%s/snapshots': %s", datadir, strerror(errno));
    /* The directory's entry must be durable before a snapshot in it is
     * relied on (a compaction deletes the log it covers). */
    int rc = ss_fsync_dir(datadir, errmsg);
    if (rc != SS_OK)
        return ss_errwrap(errmsg, rc, "snapshots");
    return SS_OK;
}

void snap_dir_file(const snap_dir *d, char *out, size_t size, uint64_t index, uint64_t term,
                   const char *suffix)
{
    snprintf(out, size, "%s/%" PRIu64 "-%" PRIu64 ".snap%s", d->path, index, term, suffix);
}

bool snap_dir_parse_name(const char *name, uint64_t *index, uint64_t *term)
{
    char tail[8];
    unsigned long long i, t;
    int used = 0;
    if (sscanf(name, "%llu-%llu%n", &i, &t, &used) != 2 || used <= 0)
        return false;
    if (snprintf(tail, sizeof tail, "%s", name + used) >= (int)sizeof tail ||
        strcmp(tail, ".snap") != 0 || name[0] < '0' || name[0] > '9')
        return false;
    *index = i;
    *term = t;
    return true;
}

int snap_dir_scan(const snap_dir *d, snap_header_fn header, uint64_t at, snap_name *newest,
                  snap_name *exact, char *errmsg)
{
    *newest = *exact = (snap_name){0};
    DIR *dir = opendir(d->path);
    if (!dir)
        return ss_errf(errmsg, SS_EIO, "open '%s': %s", d->path, strerror(errno));
    struct dirent *de;
    char path[SNAP_PATH_MAX];
    while ((de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        snprintf(path, sizeof path, "%s/%s", d->path, de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".tmp") == 0) {
            LOG_NOTICE("raft: removing '%s', a snapshot cut short by a restart", path);
            unlink(path);
            continue;
        }
        uint64_t index, term, hi, ht;
        if (!snap_dir_parse_name(de->d_name, &index, &term))
            continue;
        ss_errmsg err = "";
        if (header(path, &hi, &ht, err) != SS_OK || hi != index || ht != term) {
            LOG_WARNING("raft: ignoring snapshot '%s': %s", path,
                        err[0] ? err : "its header does not match its name");
            continue;
        }
        if (!newest->found || index > newest->index)
            *newest = (snap_name){index, term, true};
        if (index == at)
            *exact = (snap_name){index, term, true};
    }
    closedir(dir);
    return SS_OK;
}

int snap_dir_cleanup(const snap_dir *d, uint64_t base, uint64_t keep)
{
    DIR *dir = opendir(d->path);
    if (!dir)
        return 0;
    struct dirent *de;
    char path[SNAP_PATH_MAX];
    int removed = 0;
    while ((de = readdir(dir)) != NULL) {
        uint64_t index, term;
        if (!snap_dir_parse_name(de->d_name, &index, &term) || index == base || index >= keep)
            continue;
        snprintf(path, sizeof path, "%s/%s", d->path, de->d_name);
        if (unlink(path) == 0)
            removed++;
    }
    closedir(dir);
    return removed;
}

int snap_dir_publish(const snap_dir *d, const char *tmp, const char *final, char *errmsg)
{
    if (rename(tmp, final) != 0 || ss_fsync_dir(d->path, NULL) != SS_OK)
        return ss_errf(errmsg, SS_EIO, "publish snapshot '%s': %s", final, strerror(errno));
    return SS_OK;
}

int snap_dir_remove(const snap_dir *d, uint64_t index, uint64_t term, char *errmsg)
{
    char path[SNAP_PATH_MAX];
    snap_dir_file(d, path, sizeof path, index, term, "");
    if (unlink(path) != 0 && errno != ENOENT)
        return ss_errf(errmsg, SS_EIO, "remove snapshot '%s': %s", path, strerror(errno));
    return ss_fsync_dir(d->path, errmsg);
}

int snap_dir_read(const snap_dir *d, uint64_t index, uint64_t term, uint64_t offset, uint8_t *buf,
                  size_t max, size_t *len, bool *done)
{
    char path[SNAP_PATH_MAX];
    snap_dir_file(d, path, sizeof path, index, term, "");
    *len = 0;
    *done = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return SS_ENOTFOUND;
    }
    uint64_t size = (uint64_t)st.st_size;
    size_t want = offset >= size ? 0 : (size - offset < max ? (size_t)(size - offset) : max);
    int rc = SS_OK;
    while (*len < want) {
        ssize_t n = pread(fd, buf + *len, want - *len, (off_t)(offset + *len));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = SS_EIO;
            break;
        }
        *len += (size_t)n;
    }
    close(fd);
    *done = offset + *len >= size;
    return rc;
}

/* ------------------------------------------------------------ incoming */

static void incoming_path(const snap_incoming *in, char *out, size_t size)
{
    snprintf(out, size, "%s/incoming.tmp", in->dir->path);
}

void snap_incoming_init(snap_incoming *in, const snap_dir *d)
{
    in->dir = d;
    in->fd = -1;
}

int snap_incoming_write(snap_incoming *in, uint64_t offset, const void *data, size_t len,
                        char *errmsg)
{
    char path[SNAP_PATH_MAX];
    incoming_path(in, path, sizeof path);
    if (offset == 0)
        snap_incoming_release(in);
    if (in->fd < 0) {
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (offset == 0 ? O_TRUNC : 0);
        in->fd = open(path, flags, 0644);
        if (in->fd < 0)
            return ss_errf(errmsg, SS_EIO, "open '%s': %s", path, strerror(errno));
    }
    const uint8_t *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pwrite(in->fd, p + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ss_errf(errmsg, SS_EIO, "write '%s': %s", path, strerror(errno));
        done += (size_t)n;
    }
    return SS_OK;
}

int snap_incoming_publish(snap_incoming *in, uint64_t index, uint64_t term, char *final,
                          size_t size, char *errmsg)
{
    char path[SNAP_PATH_MAX];
    incoming_path(in, path, sizeof path);
    snap_dir_file(in->dir, final, size, index, term, "");
    if (in->fd < 0)
        return ss_errf(errmsg, SS_EIO, "install snapshot %" PRIu64 ": no data received", index);
    int rc = fsync(in->fd);
    close(in->fd);
    in->fd = -1;
    if (rc != 0 || rename(path, final) != 0 || ss_fsync_dir(in->dir->path, NULL) != SS_OK)
        return ss_errf(errmsg, SS_EIO, "make snapshot '%s' durable: %s", final, strerror(errno));
    return SS_OK;
}

void snap_incoming_release(snap_incoming *in)
{
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
}

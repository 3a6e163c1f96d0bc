/* Small file-system helpers shared by the modules that make files durable. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fsutil.h"

int ss_fsync_dir(const char *dir, char *errmsg)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ss_errf(errmsg, SS_EIO, "open directory '%s': %s", dir, strerror(errno));
    int rc = SS_OK;
    if (fsync(fd) != 0)
        rc = ss_errf(errmsg, SS_EIO, "fsync directory '%s': %s", dir, strerror(errno));
    close(fd);
    return rc;
}

int ss_write_file_durable(const char *dir, const char *name, const void *data, size_t len, char *errmsg)
{
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    /* A file replaced keeps its permission bits: a config file holding
     * requirepass, or an ACL file, made 0600 must not become readable by
     * all. A new one is 0644 under the umask. */
    struct stat st;
    bool keep_mode = stat(path, &st) == 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, keep_mode ? 0600 : 0644);
    if (fd < 0)
        return ss_errf(errmsg, SS_EIO, "create '%s': %s", tmp, strerror(errno));
    if (keep_mode && fchmod(fd, st.st_mode & 07777) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return ss_errf(errmsg, SS_EIO, "chmod '%s': %s", tmp, strerror(e));
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            unlink(tmp);
            return ss_errf(errmsg, SS_EIO, "write '%s': %s", tmp, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return ss_errf(errmsg, SS_EIO, "fsync '%s': %s", tmp, strerror(e));
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return ss_errf(errmsg, SS_EIO, "rename '%s' to '%s': %s", tmp, path, strerror(e));
    }
    return ss_fsync_dir(dir, errmsg);
}

/* Small file-system helpers shared by the modules that make files durable. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
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

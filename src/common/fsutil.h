/* Small file-system helpers shared by the modules that make files durable. */
#ifndef SS_FSUTIL_H
#define SS_FSUTIL_H

#include <stddef.h>

/* fsyncs a directory, so the names created, renamed or removed in it are
 * durable. SS_OK, or SS_EIO with the directory and errno text in errmsg
 * (may be NULL). */
int ss_fsync_dir(const char *dir, char *errmsg);

/* Replaces dir/name with data durably: written to dir/name.tmp, fsynced,
 * renamed over dir/name, and the directory fsynced, so a crash leaves the
 * old file or the new one whole. The new file keeps the old one's
 * permission bits (0644 under the umask when there was none). Blocks on the disk: not for the loop
 * thread once it runs. SS_OK or SS_EIO (errmsg may be NULL). */
int ss_write_file_durable(const char *dir, const char *name, const void *data, size_t len, char *errmsg);

#endif

/* Small file-system helpers shared by the modules that make files durable. */
#ifndef SS_FSUTIL_H
#define SS_FSUTIL_H

/* fsyncs a directory, so the names created, renamed or removed in it are
 * durable. SS_OK, or SS_EIO with the directory and errno text in errmsg
 * (may be NULL). */
int ss_fsync_dir(const char *dir, char *errmsg);

#endif

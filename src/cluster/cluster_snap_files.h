/* Snapshot files under <dir>/snapshots: names, scanning, clean-up, the file being received, chunk reads. */
#ifndef SS_CLUSTER_SNAP_FILES_H
#define SS_CLUSTER_SNAP_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Files under <dir>/snapshots/:
 *   <index>-<term>.snap       a complete, fsynced snapshot (the state machine's
 *                             format; the leader streams these bytes as is)
 *   <index>-<term>.snap.tmp   one being written (removed at start)
 *   incoming.tmp              one being received from the leader
 *
 * Plain file I/O: no libuv, no Raft, nothing of the state machine's format
 * (a scan asks the caller's header function). The names are computed on any
 * thread; everything that touches the disk runs on the snapshot worker or
 * libuv's pool, except snap_dir_init and snap_dir_scan (start-up).
 */

#define SNAP_PATH_MAX 4200

typedef struct snap_dir {
    char path[4096]; /* <dir>/snapshots */
} snap_dir;

/* Creates <datadir>/snapshots if missing and makes its entry durable (an
 * fsync of datadir). SS_ECONFIG for a datadir too long, SS_EIO otherwise. */
int snap_dir_init(snap_dir *d, const char *datadir, char *errmsg);

/* "<dir>/<index>-<term>.snap<suffix>". */
void snap_dir_file(const snap_dir *d, char *out, size_t size, uint64_t index, uint64_t term,
                   const char *suffix);
/* "<index>-<term>.snap" exactly. */
bool snap_dir_parse_name(const char *name, uint64_t *index, uint64_t *term);

typedef struct snap_name {
    uint64_t index, term;
    bool found;
} snap_name;

/* Reads a snapshot file's header: the (index, term) it holds. */
typedef int (*snap_header_fn)(const char *path, uint64_t *index, uint64_t *term, char *errmsg);

/* Start-up: removes leftovers of interrupted writes (*.tmp) and finds the
 * newest complete snapshot and the one at index `at`, if any. A file whose
 * header does not match its name is ignored with a warning. */
int snap_dir_scan(const snap_dir *d, snap_header_fn header, uint64_t at, snap_name *newest,
                  snap_name *exact, char *errmsg);

/* Deletes every snapshot file but the one at index `base` (the log's base:
 * the leader sends it to followers that need what the log dropped) and those
 * at or after `keep` (the newest: the base the next compaction moves to).
 * Returns how many it removed. */
int snap_dir_cleanup(const snap_dir *d, uint64_t base, uint64_t keep);

/* Renames tmp to final and makes the rename durable. SS_EIO (errmsg names final). */
int snap_dir_publish(const snap_dir *d, const char *tmp, const char *final, char *errmsg);

/* Removes <index>-<term>.snap (a file found bad) and makes that durable. */
int snap_dir_remove(const snap_dir *d, uint64_t index, uint64_t term, char *errmsg);

/* Reads at most max bytes at offset of the snapshot at (index, term): *len
 * bytes into buf, *done when they reach the end of the file. SS_ENOTFOUND
 * when the file is gone, SS_EIO on a read error. */
int snap_dir_read(const snap_dir *d, uint64_t index, uint64_t term, uint64_t offset, uint8_t *buf,
                  size_t max, size_t *len, bool *done);

/*
 * The file being received (incoming.tmp), owned by one thread (the worker).
 * Writes land at the offsets given; offset 0 starts the file over.
 */
typedef struct snap_incoming {
    const snap_dir *dir;
    int fd; /* -1 when not open */
} snap_incoming;

void snap_incoming_init(snap_incoming *in, const snap_dir *d);
int snap_incoming_write(snap_incoming *in, uint64_t offset, const void *data, size_t len,
                        char *errmsg);
/* fsyncs and closes the file, then publishes it as <index>-<term>.snap (its
 * path in final). SS_EIO when there is nothing received, or on an error. */
int snap_incoming_publish(snap_incoming *in, uint64_t index, uint64_t term, char *final,
                          size_t size, char *errmsg);
void snap_incoming_release(snap_incoming *in);

#endif

/* Snapshot files of the store: writing one from a view, checking one, and restoring a store from one. */
#ifndef SS_STORE_SNAPFILE_H
#define SS_STORE_SNAPFILE_H

#include <stdint.h>

#include "store/store.h"

/*
 * File format (version 1), every integer little-endian:
 *
 *   header   magic "SANDSNAP" (8) | version u32 = 1 | flags u32 = 0 |
 *            index u64 | term u64 | crc u32                      (36 bytes)
 *            crc: CRC-32C of the 32 header bytes before it.
 *   record   tag u8 = 0x01 | key length u32 | value length u64 | key | value
 *            (key length + value length <= SS_SNAPFILE_MAX_RECORD)
 *   ...      one record per LevelDB key of the view, in key order
 *   trailer  tag u8 = 0xFF | record count u64 | length u64 | crc u32 (21 bytes)
 *            length: the trailer's offset (every byte before it);
 *            crc: CRC-32C of every byte before the trailer (header included).
 *
 * The file ends right after the trailer. The bytes are what the leader
 * streams to followers, so the follower's copy checks the same way.
 */
#define SS_SNAPFILE_VERSION 1
#define SS_SNAPFILE_HEADER_SIZE 36
#define SS_SNAPFILE_TRAILER_SIZE 21
#define SS_SNAPFILE_MAX_RECORD ((uint64_t)1 << 32)

/*
 * Writes every key/value of snap to path (created or truncated), with
 * index = ss_store_snapshot_index(snap) and term in the header, then fsyncs
 * the file (not its directory: the caller renames the file into place and
 * syncs that). Streams: memory use is a 1 MiB buffer whatever the size of the
 * state. *bytes (file size) and *keys (records) may be NULL.
 *
 * Thread: any one thread (a worker), while the loop thread keeps committing;
 * see ss_store_snapshot. The caller still owns snap (the view is left at its
 * end) and frees it, on any thread.
 * Errors: SS_EIO with the path and the errno text (the partial file is
 * removed); SS_ETOOBIG for a record over SS_SNAPFILE_MAX_RECORD.
 */
int ss_store_snapshot_write(ss_store_snapshot *snap, uint64_t term, const char *path,
                            uint64_t *bytes, uint64_t *keys, char *errmsg);

/* Reads the header only (fast) and checks it. index/term may be NULL.
 * SS_ENOTFOUND if path is missing, SS_EIO on other read errors, SS_ECORRUPT
 * (with the file and the byte offset) for a short or damaged header or an
 * unknown version. Any thread. */
int ss_store_snapfile_info(const char *path, uint64_t *index, uint64_t *term, char *errmsg);

/* Reads the whole file, streaming, and checks the header, every record's
 * lengths, the trailer's count, length and CRC, and that nothing follows the
 * trailer. Errors as ss_store_snapfile_info; SS_ECORRUPT names the file and
 * the byte offset of the damage. Any thread (a worker: it reads every byte). */
int ss_store_snapfile_verify(const char *path, uint64_t *index, uint64_t *term, char *errmsg);

/*
 * Restoring a store from a snapshot file, in three steps so that the loop
 * thread does only the quick middle one:
 *
 *  1. ss_store_stage_snapshot (worker thread): verifies the file, loads it
 *     into a fresh LevelDB in <dir>/state-<index> (a leftover directory of
 *     that name is removed first; dir is created if missing), makes it
 *     durable, then atomically points <dir>/STATE at it. Memory: one record at
 *     a time plus a 4 MiB write batch (a record bigger than the batch is held
 *     twice: LevelDB copies it into its batch). From then on ss_store_open(dir) opens the new state,
 *     even if the process dies before step 2. On failure nothing changed: the
 *     partial directory is removed, STATE still names the old state.
 *     SS_EEXIST if <dir>/state-<index> is the state in use (STATE names it).
 *  2. ss_store_adopt (loop thread, quick): s switches to the staged database
 *     in place (same ss_store pointer: its users keep it), with the staged
 *     applied index and keyspace counters; the old database comes back as a
 *     retired handle. SS_EBUSY while s has open txns (iterators live in txns)
 *     or live snapshot views; nothing changes then and st stays the caller's.
 *  3. ss_store_retired_free (worker thread): closes the old database and
 *     removes its directory.
 *
 * opts (may be NULL) are the options of the store that will adopt the result.
 * The staged handle owns an open LevelDB; ss_store_staged_free closes one that
 * is not adopted (error paths, tests): its directory stays, STATE names it.
 */
typedef struct ss_store_staged ss_store_staged;
typedef struct ss_store_retired ss_store_retired;

int ss_store_stage_snapshot(const char *dir, const char *snap_path, const ss_store_options *opts,
                            ss_store_staged **out, char *errmsg);
/* The staged state's applied index (the snapshot's index) and directory. */
uint64_t ss_store_staged_index(const ss_store_staged *st);
const char *ss_store_staged_path(const ss_store_staged *st);
void ss_store_staged_free(ss_store_staged *st);

/* On success st is consumed and *old is the previous database. */
int ss_store_adopt(ss_store *s, ss_store_staged *st, ss_store_retired **old, char *errmsg);
/* Closes the old database and removes its directory (only the regular files
 * of that one directory level, which is what LevelDB creates). A failure is
 * logged: ss_store_open removes what is left. NULL is a no-op. Any thread. */
void ss_store_retired_free(ss_store_retired *old);

#endif

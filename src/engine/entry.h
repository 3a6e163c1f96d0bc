/* The Raft log entry of a write: who proposed it, when, in which db, and the commands to apply. */
#ifndef SS_ENTRY_H
#define SS_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands/command.h"
#include "common/error.h"
#include "resp/buf.h"

/*
 * Layout (little-endian), version 1:
 *   u8  version        u8  flags (SS_ENTRY_MULTI: the reply is an array, EXEC)
 *   u64 origin node    u64 origin boot id   u64 request seq
 *   i64 time_ms        u64 seed             u8  db
 *   u32 ncmds, then per command: u32 argc, then per argument: u32 len, bytes
 *
 * The origin (node, boot id, seq) lets the node where the client waits find it
 * when the entry is applied there; the boot id keeps a restarted node from
 * mistaking an entry proposed by its previous life for a new request. Time and
 * seed make apply deterministic: EX 10 means 10 s after time_ms on every node.
 */
#define SS_ENTRY_VERSION 1
#define SS_ENTRY_MULTI 0x01
/* With MULTI: the first command is the watch check, "__watch" then (db, key,
 * digest) per watched key; apply answers a null array and runs nothing when
 * a key's digest differs (engine/multi.c). */
#define SS_ENTRY_WATCH 0x02
/* With MULTI: the next command (after the watch check) is "__user" and the
 * name of the user whose rules each queued command must still pass when the
 * entry is applied (EXEC checks them again, as Redis 7.0 does): every node
 * judges them against the users as they stand at the entry's index. */
#define SS_ENTRY_USER 0x04
#define SS_ENTRY_MAX_ARGS (1 << 20)
#define SS_ENTRY_HEADER_SIZE 47 /* everything up to and including ncmds */
/* An entry's time is a wall clock reading: 1970 to the end of year 9999.
 * Bounding it lets apply add a TTL to it without overflow. */
#define SS_ENTRY_MAX_TIME_MS 253402300799999LL

typedef struct ss_entry_header {
    uint8_t flags;
    uint64_t origin_node;
    uint64_t origin_boot;
    uint64_t seq;
    int64_t time_ms;
    uint64_t seed;
    uint8_t db;
} ss_entry_header;

/* Encoding: a header, then each command. */
int ss_entry_begin(ss_buf *b, const ss_entry_header *h, uint32_t ncmds);
int ss_entry_add_cmd(ss_buf *b, const ss_args *a);
/* The bytes one command adds to an entry, and the size of a whole entry, known
 * before encoding it (a write too big for the log is refused unencoded). */
uint64_t ss_entry_cmd_size(const ss_args *a);
uint64_t ss_entry_encoded_size(const ss_args *cmds, uint32_t ncmds);

/* A decoded entry. Arguments point into a single allocation owned by the
 * decoded entry (NUL-terminated for convenience); free with ss_entry_release. */
typedef struct ss_entry {
    ss_entry_header h;
    uint32_t ncmds;
    ss_args *cmds;
    void *mem;
} ss_entry;

/* SS_OK or SS_ECORRUPT (with context in errmsg) for anything malformed: a
 * version or flag this code does not know, a time outside 1970..9999, counts
 * or lengths the bytes present cannot hold, trailing bytes, several commands
 * outside MULTI. Nothing is allocated before the counts have been checked
 * against the bytes. */
int ss_entry_decode(const void *data, size_t len, ss_entry *out, char *errmsg);
void ss_entry_release(ss_entry *e);

/*
 * What an entry may hold is what the engine itself puts there: a write alone
 * (the server's own internal commands included), or, inside MULTI, whatever
 * EXEC may queue (multi.c asks the same question). Anything else came from a
 * bug, an older version or a hostile peer.
 */
bool ss_entry_allows(const ss_command *cmd, bool multi);
/* The db the commands after a run in: a valid SELECT's index, else db. */
uint32_t ss_entry_select_db(const ss_args *a, uint32_t db);
/* Whether every command of a decoded entry exists, is allowed (above) and
 * fits its arity, and its db exists. If not, appends the error its origin
 * hears to reply (when reply is not NULL): the same bytes on every node. */
bool ss_entry_check(const ss_entry *e, ss_buf *reply);
/* The same verdict straight from encoded bytes, without copying them: the
 * leader's door for entries proposed by peers. */
bool ss_entry_valid(const void *data, size_t len);

#endif

/* FUNCTION DUMP / RESTORE payloads: Redis 7.0's format (RDB function records, RDB version, CRC64). */
#ifndef SS_FUNCTION_DUMP_H
#define SS_FUNCTION_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "resp/buf.h"

/*
 * A payload is, per library, the opcode RDB_OPCODE_FUNCTION2 (245) and the
 * library's code as an RDB string, then the RDB version (2 bytes, little
 * endian, 10 for Redis 7.0) and the CRC64 (Jones, as Redis's crc64.c) of
 * everything before it (8 bytes, little endian). sandstore writes the code
 * uncompressed (Redis compresses strings of more than 20 bytes with LZF when
 * that saves space: the payloads differ in bytes, and each side restores the
 * other's); it reads plain, integer-encoded and LZF-compressed strings.
 */
#define SS_FUNCTION_RDB_VERSION 10

uint64_t ss_crc64(uint64_t crc, const void *data, size_t len);

/* Starts a payload (nothing to write yet), adds libraries, ends it. */
void ss_function_dump_add(ss_buf *out, const char *code, size_t len);
void ss_function_dump_finish(ss_buf *out);

/* Walks a payload: SS_OK after calling fn for each library's code (at most
 * max_libs of them), else the reply text for Redis's error in *err:
 * "DUMP payload version or checksum are wrong", "given type is not a function",
 * "failed loading the given functions payload". fn returning nonzero stops
 * the walk with that value. */
typedef int (*ss_function_dump_fn)(void *ud, const char *code, size_t len);
int ss_function_dump_walk(const char *payload, size_t len, size_t max_bytes, ss_function_dump_fn fn, void *ud,
                          const char **err);

#endif

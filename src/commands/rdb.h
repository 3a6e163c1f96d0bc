/* Redis's RDB value format as DUMP and RESTORE carry it (version 10, Redis 7.0): the object type, its encoding, the RDB version and a CRC-64 footer. Strings for now. */
#ifndef SS_RDB_H
#define SS_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resp/buf.h"

#define SS_RDB_VERSION 10
#define SS_RDB_TYPE_STRING 0

/* Redis's crc64 (Jones polynomial, reflected, as crc64.c): crc64(0,
 * "123456789") is 0xe9c6d914c4b8d9ca. */
uint64_t ss_crc64(uint64_t crc, const void *p, size_t n);

/* Appends the DUMP payload of a string value to out: type 0, the string
 * (an int8/16/32 encoding when it is a canonical integer of at most 11
 * bytes, else length-prefixed raw bytes; never LZF, which Redis reads
 * alike), version 10, the CRC-64. */
void ss_rdb_dump_string(ss_buf *out, const void *s, size_t n);

/* verifyDumpPayload: a footer whose version is at most 10 and whose CRC-64
 * matches. */
bool ss_rdb_verify(const void *p, size_t n);

/*
 * The value of a payload already verified: its type in *type and, for a
 * string, its bytes (malloc'd, *out and *outlen, free them). Returns false
 * on a bad format, or a type this side cannot load yet (*type then says
 * which; -1 when even the type byte is missing). max bounds a string's
 * length (the largest string).
 */
bool ss_rdb_load(const void *p, size_t n, size_t max, int *type, char **out, size_t *outlen);

#endif

/* Redis's RDB value format as DUMP and RESTORE carry it (version 10, Redis 7.0): the object type, its encoding, the RDB version and a CRC-64 footer. Strings, lists, sets, hashes and sorted sets. */
#ifndef SS_RDB_H
#define SS_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands/collection.h"
#include "resp/buf.h"

#define SS_RDB_VERSION 10
/* The object types (rdb.h's RDB_TYPE_*) this side reads; it writes the
 * first five, which every Redis since 2.x loads (converting small ones to
 * its compact encodings). */
#define SS_RDB_TYPE_STRING 0
#define SS_RDB_TYPE_LIST 1
#define SS_RDB_TYPE_SET 2
#define SS_RDB_TYPE_ZSET 3
#define SS_RDB_TYPE_HASH 4
#define SS_RDB_TYPE_ZSET_2 5
#define SS_RDB_TYPE_SET_INTSET 11
#define SS_RDB_TYPE_HASH_LISTPACK 16
#define SS_RDB_TYPE_ZSET_LISTPACK 17
#define SS_RDB_TYPE_LIST_QUICKLIST_2 18

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

/* The pieces a payload is made of, for the other payloads in Redis's format
 * (FUNCTION DUMP): rdbSaveLen, an RDB string (int-encoded when it is a
 * canonical 32-bit integer of at most 11 bytes, else raw; never LZF), and
 * the footer (version 10, then the CRC-64 of everything from start). */
void ss_rdb_put_len(ss_buf *out, uint64_t len);
void ss_rdb_put_string(ss_buf *out, const void *s, size_t n);
void ss_rdb_finish(ss_buf *out, size_t start);

/* Reads a payload's body (what lies before its 10-byte footer). */
typedef struct ss_rdb_reader {
    const unsigned char *p, *end;
} ss_rdb_reader;
ss_rdb_reader ss_rdb_reader_of(const void *p, size_t n);
/* rdbLoadLen of a length (an encoding number is refused). */
bool ss_rdb_get_len(ss_rdb_reader *r, uint64_t *len);
/* The length the next string decodes to (an int: at most 11), without
 * reading it; false on a bad length. */
bool ss_rdb_peek_string_len(const ss_rdb_reader *r, uint64_t *len);
/* rdbGenericLoadStringObject: int, raw or LZF; malloc'd into *out (free
 * it); false on a bad format or a string longer than max. */
bool ss_rdb_get_string(ss_rdb_reader *r, size_t max, char **out, size_t *outlen);

/* Collections: the type byte and the element count (rdbSaveObjectType,
 * rdbSaveLen); then each element with ss_rdb_put_string (a hash: field then
 * value; a ZSET_2 member: the member then ss_rdb_put_double); then
 * ss_rdb_finish(out, start). */
void ss_rdb_begin(ss_buf *out, int rdbtype, uint64_t count);
/* rdbSaveBinaryDoubleValue: 8 bytes, little-endian. */
void ss_rdb_put_double(ss_buf *out, double v);

/* A value decoded from a payload (ss_rdb_load_value). */
typedef struct ss_rdb_value {
    int rdbtype;     /* the payload's type byte; -1 when even that is missing */
    int type;        /* ss_type: what it loads as */
    char *str;       /* a string's bytes (malloc'd) */
    size_t len;
    ss_strvec items; /* a list's elements in order, a set's members, a hash's
                      * field, value, field, value..., a sorted set's members */
    double *scores;  /* a sorted set's, one per member */
    size_t nscores, scap;
} ss_rdb_value;

typedef enum ss_rdb_status {
    SS_RDB_OK = 0,
    SS_RDB_BAD,         /* not a well-formed value (Redis: "Bad data format") */
    SS_RDB_UNSUPPORTED, /* a type this side does not load (v->rdbtype says which) */
    SS_RDB_TOOBIG,      /* its elements exceed max bytes */
    SS_RDB_NOMEM,
} ss_rdb_status;

/*
 * Decodes a payload already verified (ss_rdb_verify) into v (zeroed here;
 * release it whatever the result). Every length is checked against the
 * bytes present; max_string bounds a string value, max the total bytes of
 * a collection's decoded elements (LZF and listpacks make them larger than
 * the payload). A collection must hold
 * at least one element, and a set's members, a hash's fields and a sorted
 * set's members must be distinct and scores not NaN, as Redis's loader
 * insists: the caller counts on them.
 */
ss_rdb_status ss_rdb_load_value(const void *p, size_t n, size_t max_string, size_t max, ss_rdb_value *v);
void ss_rdb_value_release(ss_rdb_value *v);

#endif

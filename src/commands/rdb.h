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
#define SS_RDB_TYPE_STREAM_LISTPACKS 15   /* Redis 5.0 to 6.2 */
#define SS_RDB_TYPE_STREAM_LISTPACKS_2 19 /* Redis 7.0 (7.2's _3 adds consumers' active time) */

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

/* A stream decoded from a payload: IDs as (ms, seq), strings (field names
 * and values, group and consumer names) as indexes into the value's items. */
typedef struct ss_rdb_sentry {
    uint64_t ms, seq;
    uint32_t nfields;
    size_t first; /* items[first ... first + 2 * nfields): field, value, ... */
    size_t node;  /* index in nodes */
} ss_rdb_sentry;

/* A listpack node as Redis had it (XINFO's radix counts and `~` trims
 * depend on where nodes begin). */
typedef struct ss_rdb_snode {
    uint64_t master_ms, master_seq, last_ms, last_seq;
    uint64_t live, deleted, bytes;
    uint32_t nfields; /* the master entry's fields: items[fields ...] */
    size_t fields;
} ss_rdb_snode;

typedef struct ss_rdb_snack {
    uint64_t ms, seq;
    int64_t delivery_time;
    uint64_t delivery_count;
    size_t consumer; /* index in the group's consumers (SIZE_MAX: none yet) */
} ss_rdb_snack;

typedef struct ss_rdb_sconsumer {
    size_t name; /* items index */
    int64_t seen_time;
} ss_rdb_sconsumer;

typedef struct ss_rdb_sgroup {
    size_t name; /* items index */
    uint64_t last_ms, last_seq;
    int64_t entries_read; /* -1: unknown */
    ss_rdb_snack *pel;    /* in ID order */
    size_t npel;
    ss_rdb_sconsumer *consumers;
    size_t nconsumers;
} ss_rdb_sgroup;

typedef struct ss_rdb_stream {
    ss_rdb_sentry *entries; /* the live entries, in ID order */
    size_t nentries, ecap;
    ss_rdb_snode *nodes;
    size_t nnodes;
    uint64_t last_ms, last_seq, first_ms, first_seq, maxdel_ms, maxdel_seq, entries_added;
    ss_rdb_sgroup *groups;
    size_t ngroups;
} ss_rdb_stream;

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
    ss_rdb_stream *stream; /* a stream's (its strings in items) */
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

/* rdb_load_stream.c: a stream payload (type 15 or 19, the type byte read)
 * from r into v->stream, its strings charged to *left. Redis's loader's
 * checks (non-empty listpacks, master IDs as keys, increasing IDs, counts
 * that add up, distinct groups, consumers and PEL entries, every PEL entry
 * owned by exactly one consumer) and every length against the bytes. */
ss_rdb_status ss_rdb_load_stream(ss_rdb_reader *r, size_t *left, ss_rdb_value *v);
void ss_rdb_stream_free(ss_rdb_stream *s);

/* A listpack entry, as lpGet returns it: bytes, or an integer printed. */
typedef struct ss_lp_entry {
    const char *s;
    size_t n;
    char num[24];
    bool isint;
    int64_t iv;
} ss_lp_entry;
/* Reads the listpack entry at *p (before end), leaving *p past it; false
 * on anything malformed. */
bool ss_lp_next(const unsigned char **pp, const unsigned char *end, ss_lp_entry *e);

#endif

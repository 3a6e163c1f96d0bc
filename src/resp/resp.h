/* RESP: the incremental request parser (no I/O) and the reply encoder. */
#ifndef SS_RESP_H
#define SS_RESP_H

#include <stdbool.h>
#include <stddef.h>

#include "resp/buf.h"

/* ---------------------------------------------------------------- limits */

/* Redis's numbers: PROTO_INLINE_MAX_SIZE (an inline line or a "*N"/"$N" line),
 * proto-max-bulk-len's default, the pre-AUTH limits, PROTO_MBULK_BIG_ARG (bulks
 * from this size get their own buffer) and PROTO_IOBUF_LEN (default read size). */
#define RESP_INLINE_MAX_SIZE (64 * 1024)
#define RESP_MAX_BULK_LEN_DEFAULT (512LL << 20)
#define RESP_UNAUTH_MAX_MULTIBULK 10
#define RESP_UNAUTH_MAX_BULK 16384
#define RESP_BIG_ARG (32 * 1024)
#define RESP_READ_SIZE (16 * 1024)

/* --------------------------------------------------------- parser errors */

/*
 * X(code, text): the texts are Redis's own words. A server replies with
 * "-ERR <text>\r\n" (resp_parser_add_error does it) and closes the connection
 * once that reply is written, as Redis does.
 */
#define RESP_ERRORS(X)                                                             \
    X(RESP_EOK,             "no error")                                            \
    X(RESP_EINLINE_TOOBIG,  "Protocol error: too big inline request")              \
    X(RESP_EMBULK_TOOBIG,   "Protocol error: too big mbulk count string")          \
    X(RESP_EBULK_TOOBIG,    "Protocol error: too big bulk count string")           \
    X(RESP_EMBULK_LEN,      "Protocol error: invalid multibulk length")            \
    X(RESP_EMBULK_UNAUTH,   "Protocol error: unauthenticated multibulk length")    \
    X(RESP_EEXPECTED_DOLLAR,"Protocol error: expected '$', got '%c'")              \
    X(RESP_EBULK_LEN,       "Protocol error: invalid bulk length")                 \
    X(RESP_EBULK_UNAUTH,    "Protocol error: unauthenticated bulk length")         \
    X(RESP_EQUOTES,         "Protocol error: unbalanced quotes in request")        \
    X(RESP_ENOMEM,          "Protocol error: out of memory reading the request")

#define RESP_ERROR_ENUM(name, text) name,
typedef enum { RESP_ERRORS(RESP_ERROR_ENUM) RESP_ERROR_COUNT } resp_error;
#undef RESP_ERROR_ENUM

/* The table text for a code; RESP_EEXPECTED_DOLLAR's holds a %c for the byte
 * (resp_parser_errmsg has it filled in). */
const char *resp_strerror(int code);

/* ---------------------------------------------------------------- parser */

typedef struct resp_parser resp_parser;

/*
 * One command: argv[i] holds argvlen[i] bytes (binary safe: NUL and CRLF may
 * appear inside), followed by a NUL that is not counted, so text arguments
 * can be used as C strings.
 */
typedef struct resp_cmd {
    int argc;
    char **argv;
    size_t *argvlen;
    int cap;      /* slots allocated in argv/argvlen */
    size_t bytes; /* sum of argvlen (Redis's argv-mem) */
} resp_cmd;

typedef enum {
    RESP_CMD = 0,       /* *cmd is a complete command */
    RESP_NEED_MORE = 1, /* feed more bytes, then pull again */
    RESP_ERROR = -1     /* protocol error; it stays set (resp_parser_error) */
} resp_result;

/* A parser with the default limits (proto-max-bulk-len 512 MB), unauthenticated
 * limits off. NULL on allocation failure. */
resp_parser *resp_parser_new(void);
void resp_parser_free(resp_parser *p);

/* proto-max-bulk-len: bulks longer than this are "invalid bulk length". */
void resp_parser_set_max_bulk_len(resp_parser *p, long long max);
/* Whether the client is authenticated. While false (on a server that requires
 * AUTH), multibulk counts above 10 and bulks above 16384 bytes are refused.
 * Takes effect from the next element the parser reads. */
void resp_parser_set_authenticated(resp_parser *p, bool authenticated);

/*
 * Feeding without a copy: reserve gives a writable region at *ptr of *len bytes,
 * the caller reads into it and commits how many bytes arrived. min is the
 * least room wanted (0: RESP_READ_SIZE). While a big bulk (>= RESP_BIG_ARG) is
 * being received, the region is the rest of that argument's own buffer and may
 * be shorter than min, so that a 50 MB value lands in one allocation sized from
 * its declared length with no further copy. Pull every command (until
 * RESP_NEED_MORE) before reserving again: the parser bounds its memory to the
 * command in progress plus one read. Returns 0, or -1 if out of memory.
 * With libuv: reserve in the alloc callback, commit nread in the read callback.
 */
int resp_parser_reserve(resp_parser *p, size_t min, char **ptr, size_t *len);
void resp_parser_commit(resp_parser *p, size_t n);
/* Copies n bytes in (convenient for tests and small inputs). 0 or -1 (ENOMEM). */
int resp_parser_feed(resp_parser *p, const void *data, size_t n);

/*
 * Pulls the next complete command. On RESP_CMD, *cmd points at a command owned
 * by the parser, valid until the next call to resp_parser_next, _steal or _free.
 * Each argument is its own allocation, never a pointer into the read buffer,
 * so reserving and committing more input meanwhile is safe.
 * Empty inline lines, "*0" and "*-1" produce no command (as in Redis).
 * On RESP_ERROR the error is sticky: every later pull returns it again.
 */
resp_result resp_parser_next(resp_parser *p, resp_cmd **cmd);
/* Takes ownership of the command the last pull returned (NULL if none), e.g.
 * for a write waiting on Raft; free it with resp_cmd_free. */
resp_cmd *resp_parser_steal(resp_parser *p);
void resp_cmd_free(resp_cmd *cmd);

/* The sticky error code (RESP_EOK if none) and its full text (no "ERR "). */
int resp_parser_error(const resp_parser *p);
const char *resp_parser_errmsg(const resp_parser *p);
/* Appends the error reply Redis sends: "-ERR Protocol error: ...\r\n". */
int resp_parser_add_error(const resp_parser *p, ss_buf *out);

/* Bytes received but not yet parsed: the read buffer's unparsed bytes and
 * what arrived of a big bulk so far (Redis's qbuf). */
size_t resp_parser_buffered(const resp_parser *p);
/*
 * Client input the parser holds, for the query-buffer limit: what
 * resp_parser_buffered counts plus the arguments already parsed of the
 * command in progress (or the one last returned), with their argv slots.
 * Declared lengths cost nothing until their bytes arrive. O(1).
 */
size_t resp_parser_memory(const resp_parser *p);

/* What CLIENT LIST shows of a connection's input (Redis's field names). */
typedef struct resp_parser_usage {
    size_t qbuf;      /* resp_parser_buffered */
    size_t qbuf_free; /* room left in the read buffer */
    size_t argv_mem;  /* bytes of the parsed arguments of the command in progress */
    size_t rbs, rbp;  /* the read buffer's size, and its peak since the parser was made */
    size_t total;     /* memory held: the read buffer, the big bulk received, arguments and slots */
} resp_parser_usage;
void resp_parser_get_usage(const resp_parser *p, resp_parser_usage *u);

/* --------------------------------------------------------------- encoder */

/* The client's protocol (HELLO): it picks between RESP2 and RESP3 forms. */
typedef enum { RESP2 = 2, RESP3 = 3 } resp_proto;

/*
 * Every encoder appends one reply (or one aggregate header) to out and
 * returns SS_OK or out's sticky error (see buf.h), so a handler may append a
 * whole reply and check once.
 */
/* "+text\r\n"; CR and LF inside become spaces. */
int resp_add_simple(ss_buf *out, const char *text);
int resp_add_simple_len(ss_buf *out, const char *text, size_t len);
/* "-text\r\n" where text carries its code word ("ERR syntax error",
 * "WRONGTYPE ..."); CR and LF become spaces; a leading '-' is not doubled. */
int resp_add_error(ss_buf *out, const char *text);
int resp_add_error_len(ss_buf *out, const char *text, size_t len);
int resp_add_errorf(ss_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int resp_add_int(ss_buf *out, long long v);
int resp_add_bulk(ss_buf *out, const void *data, size_t len);
int resp_add_bulk_cstr(ss_buf *out, const char *s);
int resp_add_bulk_ll(ss_buf *out, long long v);
/* One field of a map reply (its name then its value, as two bulk strings or
 * a bulk and an integer); the caller counted it in resp_add_map_len. */
int resp_add_field_cstr(ss_buf *out, const char *field, const char *value);
int resp_add_field_int(ss_buf *out, const char *field, long long value);
/* RESP2 "$-1" / "*-1"; RESP3 "_". */
int resp_add_null_bulk(ss_buf *out, resp_proto proto);
int resp_add_null_array(ss_buf *out, resp_proto proto);
/* Aggregate headers; n elements follow ("*n"). Maps announce n key/value
 * pairs: RESP3 "%n", RESP2 "*2n". Sets: RESP3 "~n", RESP2 "*n". Push: RESP3
 * ">n", RESP2 "*n". */
int resp_add_array_len(ss_buf *out, long long n);
int resp_add_map_len(ss_buf *out, resp_proto proto, long long n);
int resp_add_set_len(ss_buf *out, resp_proto proto, long long n);
int resp_add_push_len(ss_buf *out, resp_proto proto, long long n);
/* RESP2: a bulk string with the shortest text that reads back as the same
 * double ("3.14", "1e+300", "inf", "-inf", "nan"); RESP3: ",<same>\r\n". */
int resp_add_double(ss_buf *out, resp_proto proto, double d);
/* RESP3 "#t"/"#f"; RESP2 ":1"/":0". */
int resp_add_bool(ss_buf *out, resp_proto proto, bool v);
/* Text meant for people (INFO, CLIENT LIST): RESP3 a verbatim string
 * "=<len+4>\r\n<format>:<text>\r\n" (format: 3 characters, "txt" or
 * "mkd"), RESP2 a bulk string, as Redis's addReplyVerbatim. */
int resp_add_verbatim(ss_buf *out, resp_proto proto, const char *format, const void *data, size_t len);
/* A decimal integer of any size (digits: an optional '-' then digits):
 * RESP3 "(<digits>\r\n", RESP2 a bulk string, as Redis's addReplyBigNum. */
int resp_add_bignum(ss_buf *out, resp_proto proto, const char *digits, size_t len);
/* RESP3 only (callers check the protocol; RESP2 has no attributes and Redis
 * leaves them out): "|n", then n key/value pairs, then the reply they
 * describe. */
int resp_add_attribute_len(ss_buf *out, long long n);
/* Bytes that are already RESP (a shared reply, a forwarded reply). */
int resp_add_raw(ss_buf *out, const void *data, size_t len);

/* Writes d as resp_add_double does, into buf (at least RESP_DOUBLE_MAX bytes,
 * NUL-terminated); returns the length. */
#define RESP_DOUBLE_MAX 32
size_t resp_format_double(char *buf, double d);

/* Replies sent often, built once (redis createSharedObjects). */
#define RESP_SHARED(X)                                                            \
    X(RESP_SH_OK,          "+OK\r\n")                                             \
    X(RESP_SH_PONG,        "+PONG\r\n")                                           \
    X(RESP_SH_QUEUED,      "+QUEUED\r\n")                                         \
    X(RESP_SH_CZERO,       ":0\r\n")                                              \
    X(RESP_SH_CONE,        ":1\r\n")                                              \
    X(RESP_SH_CMINUSONE,   ":-1\r\n")                                             \
    X(RESP_SH_CMINUSTWO,   ":-2\r\n")                                             \
    X(RESP_SH_NULLBULK,    "$-1\r\n")                                             \
    X(RESP_SH_NULLARRAY,   "*-1\r\n")                                             \
    X(RESP_SH_NULL3,       "_\r\n")                                               \
    X(RESP_SH_EMPTYARRAY,  "*0\r\n")                                              \
    X(RESP_SH_EMPTYBULK,   "$0\r\n\r\n")                                          \
    X(RESP_SH_SYNTAXERR,   "-ERR syntax error\r\n")                               \
    X(RESP_SH_WRONGTYPE,                                                          \
      "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")    \
    X(RESP_SH_NOKEY,       "-ERR no such key\r\n")                                \
    X(RESP_SH_NOTINT,      "-ERR value is not an integer or out of range\r\n")    \
    X(RESP_SH_NOTFLOAT,    "-ERR value is not a valid float\r\n")                 \
    X(RESP_SH_OUTOFRANGE,  "-ERR index out of range\r\n")                         \
    X(RESP_SH_NOAUTH,      "-NOAUTH Authentication required.\r\n")

#define RESP_SHARED_ENUM(name, text) name,
typedef enum { RESP_SHARED(RESP_SHARED_ENUM) RESP_SH_COUNT } resp_shared;
#undef RESP_SHARED_ENUM

int resp_add_shared(ss_buf *out, resp_shared which);
/* The bytes of a shared reply (for tests and callers that write them directly). */
const char *resp_shared_data(resp_shared which, size_t *len);

#endif

/* A raw RESP3 client for tests: commands out on a plain socket, every reply type (RESP2 and RESP3) parsed into a tree and written back byte for byte. */
#ifndef SS_RESP3_CLIENT_H
#define SS_RESP3_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * hiredis 0.14 cannot read RESP3, so tests that compare RESP3 replies read
 * them here. A reply keeps its type byte as the wire has it:
 *   + simple  - error  : integer  $ bulk  * array  (RESP2 and RESP3)
 *   _ null  , double  # boolean  ( big number  = verbatim  ! blob error
 *   % map  ~ set  > push  | attribute                      (RESP3)
 * Null bulk and null array ("$-1", "*-1") keep their type with null set.
 * r3_write gives back exactly the bytes that were read, so two replies are
 * equal byte for byte when their writes are.
 */
typedef struct r3_reply {
    char type;
    bool null;               /* "$-1" or "*-1" */
    char *str;               /* the line's text (+ - : , # ( _) or the blob (bulk, =, !), NUL-terminated */
    size_t len;
    size_t n;                /* aggregates: elements (a map or attribute: 2 x pairs) */
    struct r3_reply **elem;
    struct r3_reply *attr;   /* an attribute sent before this reply, if any */
} r3_reply;

typedef struct r3_conn r3_conn;

/* Connects to 127.0.0.1:port (NULL on failure). Replies are awaited at
 * most timeout_ms each. */
r3_conn *r3_connect(int port, int timeout_ms);
void r3_close(r3_conn *c);

/* Sends one command (lens NULL: C strings). False if the socket failed. */
bool r3_send(r3_conn *c, int argc, const char *const *argv, const size_t *lens);
/* The next reply, or NULL (the connection closed, timed out or sent bytes
 * that are not RESP: r3_error says which). Free it with r3_free. */
r3_reply *r3_read(r3_conn *c);
/* r3_send then r3_read. */
r3_reply *r3_command(r3_conn *c, int argc, const char *const *argv, const size_t *lens);
/* The same for a line of space-separated words; "..." quotes a word with
 * spaces or an empty one (no escapes). */
r3_reply *r3_line(r3_conn *c, const char *line);
const char *r3_error(const r3_conn *c);

void r3_free(r3_reply *r);
/* Appends the reply's wire bytes to *buf (grown with realloc; *len and *cap
 * track it). False if out of memory. */
bool r3_write(const r3_reply *r, char **buf, size_t *len, size_t *cap);
/* The wire bytes as a printable C string (\r\n shown as such, other
 * control bytes as \xNN), cut at max bytes; the caller frees it. */
char *r3_show(const r3_reply *r, size_t max);

/* Splits a line as r3_line does: argv points into a copy held in *mem
 * (the caller frees it). Returns argc (at most max). */
int r3_split(const char *line, const char **argv, size_t *lens, int max, char **mem);

#endif

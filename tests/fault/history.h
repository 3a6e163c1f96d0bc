/* Recorded client histories of key-value operations, and their text file format. */
#ifndef SS_HISTORY_H
#define SS_HISTORY_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

/*
 * One line per operation, fields separated by spaces, in any order:
 *
 *   client=3 op=SET key="k1" value="v17" invoke=123 complete=456 outcome=ok result=OK
 *   client=1 op=GET key="k1" invoke=130 complete=470 outcome=ok result="v17"
 *   client=2 op=INCR key="n" invoke=140 outcome=unknown
 *
 * - op: GET, SET, SET_NX, DEL, INCR.
 * - key, value: a quoted string with C escapes (\\ \" \n \t \r \xHH); a bare
 *   word (no quotes, spaces or backslashes) is accepted when reading. NUL bytes
 *   are not supported.
 * - invoke, complete: int64 nanoseconds from a monotonic clock. complete may be
 *   omitted for outcome=unknown (it is ignored there anyway).
 * - outcome: ok (completed with a result), failed (definitely had no effect),
 *   unknown (timed out or lost after sending: may have taken effect or not).
 * - result (outcome=ok only): nil, OK, an integer, error (the command replied
 *   with an error, e.g. INCR on a non-integer) or a quoted string (GET).
 * Blank lines and lines starting with '#' are ignored.
 */

typedef enum { HIST_GET, HIST_SET, HIST_SET_NX, HIST_DEL, HIST_INCR } hist_kind;

typedef enum { HIST_OK, HIST_FAILED, HIST_UNKNOWN } hist_outcome;

typedef enum {
    HIST_R_NONE, /* no result: outcome failed or unknown */
    HIST_R_NIL,  /* GET of a missing key */
    HIST_R_STR,  /* GET of a value: s */
    HIST_R_INT,  /* SET_NX 0/1, DEL count, INCR new value: i */
    HIST_R_OK,   /* SET */
    HIST_R_ERR   /* an error reply that the model must reproduce (INCR on "abc") */
} hist_rtype;

typedef struct {
    hist_rtype type;
    int64_t i;
    char *s;
} hist_result;

typedef struct {
    int client;
    hist_kind kind;
    char *key;
    char *value; /* SET and SET_NX only, NULL otherwise */
    int64_t invoke;
    int64_t complete; /* INT64_MAX when unknown and not recorded */
    hist_outcome outcome;
    hist_result result;
} hist_op;

typedef struct {
    hist_op *ops; /* in the order added (for files: line order) */
    size_t len;
    size_t cap;
} history;

void history_init(history *h);
void history_release(history *h);

/* Appends a deep copy of op (strings are copied) after validating it. */
int history_add(history *h, const hist_op *op, ss_errmsg err);

/* Checks that op is well formed: strings present where needed, a result that
 * fits the command for outcome=ok, complete >= invoke when completed. */
int history_validate_op(const hist_op *op, ss_errmsg err);

const char *history_kind_name(hist_kind kind);
const char *history_outcome_name(hist_outcome outcome);

/* Writes one op as a line (with '\n'); returns the length it needed, like
 * snprintf, so a short buffer can be detected. */
size_t history_format_op(const hist_op *op, char *buf, size_t size);

/* Parses one line (without or with its '\n') into op, whose strings are then
 * owned by the caller (history_op_release). A blank or comment line yields
 * SS_ENOTFOUND and leaves op empty. */
int history_parse_line(const char *line, hist_op *op, ss_errmsg err);
void history_op_release(hist_op *op);

/* Whole files. Errors name the line: "line 7: unknown op 'GETT'". */
int history_write(const history *h, FILE *f, ss_errmsg err);
int history_read(history *h, FILE *f, ss_errmsg err);
int history_save(const history *h, const char *path, ss_errmsg err);
int history_load(history *h, const char *path, ss_errmsg err);

/* Escapes s as a quoted string into buf (at most size bytes, always
 * terminated); returns the length it needed. */
size_t history_quote(const char *s, char *buf, size_t size);

#endif

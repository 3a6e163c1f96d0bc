/* String helpers shared by config, RESP and commands: Redis's glob matching and argument splitting. */
#ifndef SS_STRUTIL_H
#define SS_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Redis' glob matching (stringmatchlen): *, ?, [a-z], [^x], \x. */
bool ss_stringmatch(const char *pattern, size_t plen, const char *s, size_t slen, bool nocase);

/*
 * Splits line[0, len) into arguments by the rules of redis' sdssplitargs:
 * blanks separate, "double quotes" take \n \r \t \b \a \\ \" and \xHH,
 * 'single quotes' take \', and a closing quote must be followed by a blank or
 * the end. Binary safe (a NUL is an ordinary byte) and bounded: one scratch
 * allocation of len + 1 bytes, whatever the line holds.
 *
 * For each argument calls emit(arg, tok, toklen, rest): tok (NUL-terminated,
 * valid only during the call) holds the unquoted bytes, rest is how many bytes
 * of the line follow it (an upper bound on the arguments still to come).
 * Returns 0, SS_SPLIT_QUOTES (unbalanced quotes), SS_SPLIT_NOMEM, or the
 * first non-zero value emit returned (splitting stops there).
 */
#define SS_SPLIT_QUOTES 1
#define SS_SPLIT_NOMEM 2
typedef int (*ss_split_emit_fn)(void *arg, const char *tok, size_t toklen, size_t rest);
int ss_split_line(const char *line, size_t len, ss_split_emit_fn emit, void *arg);

/* ss_split_line over a C string into a NULL-terminated heap array (free with
 * ss_split_free); NULL on unbalanced quotes or allocation failure. */
char **ss_splitargs(const char *line, int *argc);
void ss_split_free(char **argv, int argc);

#endif

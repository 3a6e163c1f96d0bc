/* String helpers: Redis's glob matching and argument splitting. */
#ifndef SS_STRUTIL_H
#define SS_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Redis' glob matching (stringmatchlen): *, ?, [a-z], [^x], \x. */
bool ss_stringmatch(const char *pattern, size_t plen, const char *s, size_t slen, bool nocase);

/* Splits a line into arguments like redis' sdssplitargs (quotes, escapes).
 * Returns a NULL-terminated heap array (free with ss_split_free) or NULL on
 * unbalanced quotes. */
char **ss_splitargs(const char *line, int *argc);
void ss_split_free(char **argv, int argc);

#endif

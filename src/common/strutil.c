/* String helpers shared by config, RESP and commands: glob matching and argument splitting. */
#include "common/strutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int fold(int c, bool nocase) { return nocase ? tolower(c) : c; }

/* Glob matching with redis' rules. Recursion happens only at '*', and the depth
 * is capped so a hostile pattern ("a*a*a*...") cannot blow the stack; the
 * `skip_longer` flag prunes the exponential cases as redis 7 does. */
static bool match(const char *p, size_t plen, const char *s, size_t slen, bool nocase,
                  int depth, bool *skip_longer)
{
    if (depth > 1000)
        return false;
    while (plen && slen) {
        switch (p[0]) {
        case '*':
            while (plen > 1 && p[1] == '*') {
                p++;
                plen--;
            }
            if (plen == 1)
                return true;
            while (slen) {
                if (match(p + 1, plen - 1, s, slen, nocase, depth + 1, skip_longer))
                    return true;
                if (*skip_longer)
                    return false;
                s++;
                slen--;
            }
            *skip_longer = true;
            return false;
        case '?':
            s++;
            slen--;
            break;
        case '[': {
            p++;
            plen--;
            bool negate = plen && p[0] == '^';
            if (negate) {
                p++;
                plen--;
            }
            bool found = false;
            while (plen && p[0] != ']') {
                if (p[0] == '\\' && plen >= 2) {
                    p++;
                    plen--;
                    if (fold(p[0], nocase) == fold(s[0], nocase))
                        found = true;
                } else if (plen >= 3 && p[1] == '-') {
                    int lo = fold((unsigned char)p[0], nocase), hi = fold((unsigned char)p[2], nocase);
                    int c = fold((unsigned char)s[0], nocase);
                    if (lo > hi) {
                        int t = lo;
                        lo = hi;
                        hi = t;
                    }
                    if (c >= lo && c <= hi)
                        found = true;
                    p += 2;
                    plen -= 2;
                } else if (fold((unsigned char)p[0], nocase) == fold((unsigned char)s[0], nocase)) {
                    found = true;
                }
                p++;
                plen--;
            }
            if (plen == 0) /* unterminated class: the ']' is implied */
                return false;
            if (negate)
                found = !found;
            if (!found)
                return false;
            s++;
            slen--;
            break;
        }
        case '\\':
            if (plen >= 2) {
                p++;
                plen--;
            }
            /* fall through */
        default:
            if (fold((unsigned char)p[0], nocase) != fold((unsigned char)s[0], nocase))
                return false;
            s++;
            slen--;
            break;
        }
        p++;
        plen--;
        if (slen == 0) {
            while (plen && *p == '*') {
                p++;
                plen--;
            }
            break;
        }
    }
    return plen == 0 && slen == 0;
}

bool ss_stringmatch(const char *pattern, size_t plen, const char *s, size_t slen, bool nocase)
{
    bool skip_longer = false;
    return match(pattern, plen, s, slen, nocase, 0, &skip_longer);
}

/* isspace() in the C locale, independent of the process locale. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static char unescape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
    }
}

/*
 * One token starting at line[*i] (not a blank). Writes the unquoted bytes to
 * tok (never longer than the input) and leaves *i past the token and the one
 * byte that ended it.
 */
static int split_token(const char *line, size_t len, size_t *i, char *tok, size_t *toklen)
{
    size_t p = *i, n = 0;
    char quote = '\0'; /* the quote we are inside, if any */
    for (;;) {
        char c = p < len ? line[p] : '\0';
        if (quote == '\0') {
            if (p >= len)
                break;
            p++;
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
                break;
            if (c == '"' || c == '\'')
                quote = c;
            else
                tok[n++] = c;
        } else if (quote == '"' && c == '\\' && p + 3 < len && line[p + 1] == 'x' &&
                   hex_value(line[p + 2]) >= 0 && hex_value(line[p + 3]) >= 0) {
            tok[n++] = (char)(hex_value(line[p + 2]) * 16 + hex_value(line[p + 3]));
            p += 4;
        } else if (c == '\\' && p + 1 < len && (quote == '"' || line[p + 1] == '\'')) {
            /* "..." takes \n \r \t \b \a and any escaped byte; '...' only \'. */
            tok[n++] = quote == '"' ? unescape(line[p + 1]) : '\'';
            p += 2;
        } else if (c == quote) {
            /* A closing quote must be followed by a blank or the end. */
            if (p + 1 < len && !is_space(line[p + 1]))
                return SS_SPLIT_QUOTES;
            p++;
            break;
        } else if (p >= len) {
            return SS_SPLIT_QUOTES;
        } else {
            tok[n++] = c;
            p++;
        }
    }
    *i = p;
    *toklen = n;
    return 0;
}

int ss_split_line(const char *line, size_t len, ss_split_emit_fn emit, void *arg)
{
    char *tok = malloc(len + 1);
    if (!tok)
        return SS_SPLIT_NOMEM;
    int rc = 0;
    size_t i = 0;
    for (;;) {
        while (i < len && is_space(line[i]))
            i++;
        if (i >= len)
            break;
        size_t toklen;
        if ((rc = split_token(line, len, &i, tok, &toklen)) != 0)
            break;
        tok[toklen] = '\0';
        if ((rc = emit(arg, tok, toklen, len - i)) != 0)
            break;
    }
    free(tok);
    return rc;
}

void ss_split_free(char **argv, int argc)
{
    if (!argv)
        return;
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

typedef struct split_vec {
    char **v;
    int n, cap;
} split_vec;

static int push_arg(void *arg, const char *tok, size_t toklen, size_t rest)
{
    split_vec *vec = arg;
    (void)rest;
    if (vec->n + 2 > vec->cap) {
        int cap = vec->cap ? vec->cap * 2 : 8;
        char **v = realloc(vec->v, sizeof(char *) * (size_t)cap);
        if (!v)
            return SS_SPLIT_NOMEM;
        vec->v = v;
        vec->cap = cap;
    }
    char *copy = malloc(toklen + 1);
    if (!copy)
        return SS_SPLIT_NOMEM;
    memcpy(copy, tok, toklen + 1);
    vec->v[vec->n++] = copy;
    vec->v[vec->n] = NULL;
    return 0;
}

char **ss_splitargs(const char *line, int *argc)
{
    split_vec vec = {NULL, 0, 0};
    *argc = 0;
    if (ss_split_line(line, strlen(line), push_arg, &vec) != 0) {
        ss_split_free(vec.v, vec.n);
        return NULL;
    }
    if (!vec.v && !(vec.v = calloc(1, sizeof(char *))))
        return NULL;
    *argc = vec.n;
    return vec.v;
}

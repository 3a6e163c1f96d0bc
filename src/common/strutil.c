/* String helpers shared by config and commands: glob matching and argument splitting. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/strutil.h"

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

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void ss_split_free(char **argv, int argc)
{
    if (!argv)
        return;
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

/* Like redis' sdssplitargs: "double quotes" with \n \r \t \b \a \\ \" \xHH,
 * 'single quotes' with \'. A closing quote must be followed by a space or the
 * end. Returns NULL on unbalanced quotes or allocation failure. */
char **ss_splitargs(const char *line, int *argc)
{
    const char *p = line;
    char **vec = NULL;
    int n = 0, cap = 0;
    *argc = 0;
    for (;;) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t cur_cap = 16, cur_len = 0;
        char *cur = malloc(cur_cap);
        if (!cur)
            goto fail;
        bool inq = false, insq = false, done = false;
        while (!done) {
            char c;
            if (inq) {
                if (!*p) { free(cur); goto fail; }
                if (p[0] == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
                    c = (char)(hexval(p[2]) * 16 + hexval(p[3]));
                    p += 3;
                } else if (p[0] == '\\' && p[1]) {
                    p++;
                    switch (*p) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case 'b': c = '\b'; break;
                    case 'a': c = '\a'; break;
                    default: c = *p; break;
                    }
                } else if (*p == '"') {
                    if (p[1] && !isspace((unsigned char)p[1])) { free(cur); goto fail; }
                    done = true;
                    p++;
                    continue;
                } else {
                    c = *p;
                }
            } else if (insq) {
                if (!*p) { free(cur); goto fail; }
                if (p[0] == '\\' && p[1] == '\'') {
                    p++;
                    c = '\'';
                } else if (*p == '\'') {
                    if (p[1] && !isspace((unsigned char)p[1])) { free(cur); goto fail; }
                    done = true;
                    p++;
                    continue;
                } else {
                    c = *p;
                }
            } else {
                switch (*p) {
                case ' ': case '\n': case '\r': case '\t': case '\0':
                    done = true;
                    continue;
                case '"': inq = true; p++; continue;
                case '\'': insq = true; p++; continue;
                default: c = *p; break;
                }
            }
            if (cur_len + 1 >= cur_cap) {
                cur_cap *= 2;
                char *g = realloc(cur, cur_cap);
                if (!g) { free(cur); goto fail; }
                cur = g;
            }
            cur[cur_len++] = c;
            if (*p) p++;
        }
        cur[cur_len] = '\0';
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 8;
            char **g = realloc(vec, sizeof(char *) * (size_t)cap);
            if (!g) { free(cur); goto fail; }
            vec = g;
        }
        vec[n++] = cur;
        vec[n] = NULL;
    }
    if (!vec) {
        vec = calloc(1, sizeof(char *));
        if (!vec)
            return NULL;
    }
    *argc = n;
    return vec;
fail:
    ss_split_free(vec, n);
    *argc = 0;
    return NULL;
}

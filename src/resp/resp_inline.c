/* Inline commands: redis' sdssplitargs rules, without the C-string scans. */
#include <stdlib.h>
#include <string.h>

#include "resp/resp_internal.h"

/* isspace() in the C locale, independent of the process locale. */
static int is_space(char c)
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
 * byte that ended it. A closing quote must be followed by a blank or the end
 * of the line, as in redis.
 */
static int split_token(const char *line, size_t len, size_t *i, char *tok, size_t *toklen)
{
    size_t p = *i, n = 0;
    int inq = 0, insq = 0;
    for (;;) {
        char c = p < len ? line[p] : '\0';
        if (inq) {
            if (c == '\\' && p + 3 < len && line[p + 1] == 'x' &&
                hex_value(line[p + 2]) >= 0 && hex_value(line[p + 3]) >= 0) {
                tok[n++] = (char)(hex_value(line[p + 2]) * 16 + hex_value(line[p + 3]));
                p += 4;
                continue;
            }
            if (c == '\\' && p + 1 < len) {
                tok[n++] = unescape(line[p + 1]);
                p += 2;
                continue;
            }
            if (c == '"') {
                if (p + 1 < len && !is_space(line[p + 1]))
                    return RESP_EQUOTES;
                p++;
                break;
            }
            if (p >= len)
                return RESP_EQUOTES;
            tok[n++] = c;
            p++;
        } else if (insq) {
            if (c == '\\' && p + 1 < len && line[p + 1] == '\'') {
                tok[n++] = '\'';
                p += 2;
                continue;
            }
            if (c == '\'') {
                if (p + 1 < len && !is_space(line[p + 1]))
                    return RESP_EQUOTES;
                p++;
                break;
            }
            if (p >= len)
                return RESP_EQUOTES;
            tok[n++] = c;
            p++;
        } else {
            if (p >= len)
                break;
            p++;
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
                break;
            if (c == '"')
                inq = 1;
            else if (c == '\'')
                insq = 1;
            else
                tok[n++] = c;
        }
    }
    *i = p;
    *toklen = n;
    return RESP_EOK;
}

int resp_split_inline(resp_cmd *cmd, const char *line, size_t len)
{
    const char *nul = memchr(line, '\0', len);
    if (nul)
        len = (size_t)(nul - line);
    char *tok = malloc(len + 1);
    if (!tok)
        return RESP_ENOMEM;
    int rc = RESP_EOK;
    size_t i = 0;
    for (;;) {
        while (i < len && is_space(line[i]))
            i++;
        if (i >= len)
            break;
        size_t toklen;
        if ((rc = split_token(line, len, &i, tok, &toklen)) != RESP_EOK)
            break;
        /* The rest of the line bounds the tokens still to come, so argv
         * grows by doubling rather than one slot per token. */
        if (resp_cmd_push_copy(cmd, tok, toklen, (long long)(len - i) + 1) != 0) {
            rc = RESP_ENOMEM;
            break;
        }
    }
    free(tok);
    return rc;
}

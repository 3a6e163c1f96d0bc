/* Reading the history text format (see history.h), with errors that name the line. */
#include "fault/history.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A line longer than this is refused rather than grown without bound. */
#define HIST_MAX_LINE (64 * 1024)

/* Decodes a quoted string starting at *pp (on the opening quote) into a new
 * string; leaves *pp after the closing quote. */
static int parse_quoted(const char **pp, const char *field, char **out, ss_errmsg err)
{
    const char *p = *pp + 1;
    size_t cap = strlen(p) + 1, n = 0;
    char *s = malloc(cap);
    if (s == NULL)
        return ss_errf(err, SS_ENOMEM, "%s: string", field);
    for (;;) {
        char c = *p++;
        if (c == '\0' || c == '\n') {
            free(s);
            return ss_errf(err, SS_EINVAL, "%s: unterminated string", field);
        }
        if (c == '"')
            break;
        if (c == '\\') {
            char e = *p++;
            switch (e) {
            case '\\': c = '\\'; break;
            case '"':  c = '"'; break;
            case 'n':  c = '\n'; break;
            case 't':  c = '\t'; break;
            case 'r':  c = '\r'; break;
            case 'x': {
                char hex[3] = { p[0], p[0] ? p[1] : '\0', '\0' };
                char *end;
                long v = strtol(hex, &end, 16);
                if (end != hex + 2 || hex[0] == '-' || hex[0] == '+' || hex[0] == ' ') {
                    free(s);
                    return ss_errf(err, SS_EINVAL, "%s: bad \\x escape", field);
                }
                if (v == 0) {
                    free(s);
                    return ss_errf(err, SS_EINVAL, "%s: NUL bytes are not supported", field);
                }
                c = (char)v;
                p += 2;
                break;
            }
            default:
                free(s);
                return ss_errf(err, SS_EINVAL, "%s: bad escape '\\%c'", field, e ? e : '0');
            }
        }
        s[n++] = c;
    }
    s[n] = '\0';
    *pp = p;
    *out = s;
    return SS_OK;
}

static int parse_int64(const char *s, const char *field, int64_t *out, ss_errmsg err)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno != 0)
        return ss_errf(err, SS_EINVAL, "%s: '%s' is not an integer", field, s);
    *out = v;
    return SS_OK;
}

static int parse_kind(const char *s, hist_kind *out, ss_errmsg err)
{
    for (int k = HIST_GET; k <= HIST_INCR; k++) {
        if (strcmp(s, history_kind_name((hist_kind)k)) == 0) {
            *out = (hist_kind)k;
            return SS_OK;
        }
    }
    return ss_errf(err, SS_EINVAL, "unknown op '%s'", s);
}

static int parse_outcome(const char *s, hist_outcome *out, ss_errmsg err)
{
    for (int o = HIST_OK; o <= HIST_UNKNOWN; o++) {
        if (strcmp(s, history_outcome_name((hist_outcome)o)) == 0) {
            *out = (hist_outcome)o;
            return SS_OK;
        }
    }
    return ss_errf(err, SS_EINVAL, "unknown outcome '%s' (want ok, failed or unknown)", s);
}

/* A bare result word: nil, OK, error or an integer. */
static int parse_result_word(const char *s, hist_result *r, ss_errmsg err)
{
    if (strcmp(s, "nil") == 0) {
        r->type = HIST_R_NIL;
    } else if (strcmp(s, "OK") == 0) {
        r->type = HIST_R_OK;
    } else if (strcmp(s, "error") == 0) {
        r->type = HIST_R_ERR;
    } else {
        if (parse_int64(s, "result", &r->i, NULL) != SS_OK)
            return ss_errf(err, SS_EINVAL,
                           "result: '%s' is not nil, OK, error, an integer or a quoted string", s);
        r->type = HIST_R_INT;
    }
    return SS_OK;
}

enum { F_CLIENT = 1, F_OP = 2, F_KEY = 4, F_VALUE = 8, F_INVOKE = 16, F_COMPLETE = 32,
       F_OUTCOME = 64, F_RESULT = 128 };

static int field_bit(const char *name)
{
    static const char *const names[] = { "client", "op", "key", "value", "invoke",
                                         "complete", "outcome", "result" };
    for (int i = 0; i < 8; i++)
        if (strcmp(name, names[i]) == 0)
            return 1 << i;
    return 0;
}

/* Stores one field's value; word is the bare text, or NULL when it was quoted
 * (then str holds the decoded string, handed over on success). */
static int set_field(hist_op *op, int bit, const char *word, char **str, ss_errmsg err)
{
    const char *text = word ? word : *str;
    switch (bit) {
    case F_KEY:   op->key = word ? strdup(word) : *str; break;
    case F_VALUE: op->value = word ? strdup(word) : *str; break;
    case F_RESULT:
        if (word)
            return parse_result_word(word, &op->result, err);
        op->result.type = HIST_R_STR;
        op->result.s = *str;
        break;
    case F_CLIENT: {
        int64_t v;
        if (parse_int64(text, "client", &v, err) != SS_OK)
            return SS_EINVAL;
        if (v < 0 || v > INT32_MAX)
            return ss_errf(err, SS_EINVAL, "client: %" PRId64 " is out of range", v);
        op->client = (int)v;
        return SS_OK;
    }
    case F_OP:       return parse_kind(text, &op->kind, err);
    case F_INVOKE:   return parse_int64(text, "invoke", &op->invoke, err);
    case F_COMPLETE: return parse_int64(text, "complete", &op->complete, err);
    default:         return parse_outcome(text, &op->outcome, err);
    }
    if (!word)
        *str = NULL; /* handed over */
    else if ((bit == F_KEY && !op->key) || (bit == F_VALUE && !op->value))
        return ss_errf(err, SS_ENOMEM, "copy field");
    return SS_OK;
}

static int parse_fields(const char *line, hist_op *op, int *seen, ss_errmsg err)
{
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '\0')
            return SS_OK;
        const char *eq = p;
        while (*eq && *eq != '=' && *eq != ' ' && *eq != '\t')
            eq++;
        if (*eq != '=')
            return ss_errf(err, SS_EINVAL, "expected name=value at '%.20s'", p);
        char name[16];
        size_t nlen = (size_t)(eq - p);
        int bit = 0;
        if (nlen < sizeof name) {
            memcpy(name, p, nlen);
            name[nlen] = '\0';
            bit = field_bit(name);
        }
        if (bit == 0)
            return ss_errf(err, SS_EINVAL, "unknown field '%.*s'", (int)(nlen > 20 ? 20 : nlen), p);
        if (*seen & bit)
            return ss_errf(err, SS_EINVAL, "duplicate field '%s'", name);
        *seen |= bit;
        p = eq + 1;
        char *str = NULL;
        char word[64];
        int rc;
        if (*p == '"') {
            if ((rc = parse_quoted(&p, name, &str, err)) != SS_OK)
                return rc;
            if (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
                rc = ss_errf(err, SS_EINVAL, "%s: text after closing quote", name);
            else
                rc = set_field(op, bit, NULL, &str, err);
            free(str);
        } else {
            const char *end = p;
            while (*end && *end != ' ' && *end != '\t' && *end != '\r' && *end != '\n')
                end++;
            size_t wlen = (size_t)(end - p);
            if (wlen == 0)
                return ss_errf(err, SS_EINVAL, "%s: empty value", name);
            if (wlen >= sizeof word || memchr(p, '"', wlen) || memchr(p, '\\', wlen))
                return ss_errf(err, SS_EINVAL, "%s: bare value '%.20s' is too long or needs "
                               "quotes", name, p);
            memcpy(word, p, wlen);
            word[wlen] = '\0';
            p = end;
            rc = set_field(op, bit, word, NULL, err);
        }
        if (rc != SS_OK)
            return rc;
    }
}

int history_parse_line(const char *line, hist_op *op, ss_errmsg err)
{
    memset(op, 0, sizeof *op);
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0' || *p == '\n' || *p == '\r' || *p == '#')
        return SS_ENOTFOUND;
    int seen = 0;
    int rc = parse_fields(line, op, &seen, err);
    if (rc == SS_OK) {
        static const struct { int bit; const char *name; } required[] = {
            { F_CLIENT, "client" }, { F_OP, "op" }, { F_KEY, "key" },
            { F_INVOKE, "invoke" }, { F_OUTCOME, "outcome" } };
        for (size_t i = 0; i < sizeof required / sizeof required[0] && rc == SS_OK; i++)
            if (!(seen & required[i].bit))
                rc = ss_errf(err, SS_EINVAL, "missing '%s'", required[i].name);
    }
    if (rc == SS_OK && !(seen & F_COMPLETE)) {
        if (op->outcome == HIST_UNKNOWN)
            op->complete = INT64_MAX;
        else
            rc = ss_errf(err, SS_EINVAL, "missing 'complete' (required unless outcome=unknown)");
    }
    if (rc == SS_OK && op->outcome == HIST_OK && !(seen & F_RESULT))
        rc = ss_errf(err, SS_EINVAL, "missing 'result' (required for outcome=ok)");
    if (rc == SS_OK)
        rc = history_validate_op(op, err);
    if (rc != SS_OK)
        history_op_release(op);
    return rc;
}

int history_read(history *h, FILE *f, ss_errmsg err)
{
    char *line = malloc(HIST_MAX_LINE);
    if (line == NULL)
        return ss_errf(err, SS_ENOMEM, "line buffer");
    int rc = SS_OK;
    for (size_t lineno = 1; rc == SS_OK && fgets(line, HIST_MAX_LINE, f) != NULL; lineno++) {
        size_t n = strlen(line);
        if (n == HIST_MAX_LINE - 1 && line[n - 1] != '\n') {
            rc = ss_errf(err, SS_ETOOBIG, "line %zu: longer than %d bytes", lineno,
                         HIST_MAX_LINE - 2);
            break;
        }
        hist_op op;
        rc = history_parse_line(line, &op, err);
        if (rc == SS_ENOTFOUND) {
            rc = SS_OK;
            continue;
        }
        if (rc == SS_OK) {
            rc = history_add(h, &op, err);
            history_op_release(&op);
        }
        if (rc != SS_OK)
            ss_errwrap(err, rc, "line %zu", lineno);
    }
    if (rc == SS_OK && ferror(f))
        rc = ss_errf(err, SS_EIO, "read: %s", strerror(errno));
    free(line);
    return rc;
}

int history_load(history *h, const char *path, ss_errmsg err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return ss_errf(err, SS_EIO, "open '%s': %s", path, strerror(errno));
    int rc = history_read(h, f, err);
    fclose(f);
    if (rc != SS_OK)
        return ss_errwrap(err, rc, "%s", path);
    return SS_OK;
}

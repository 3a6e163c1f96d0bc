/* The node's table of ACL users (in name order, as Redis's rax), the default user and requirepass, aclfile parsing, and the ACL LOG of denials. */
#include <stdlib.h>
#include <string.h>

#include "commands/acl_internal.h"

#define ACL_LOG_GROUPING_MS 60000

typedef struct log_entry {
    uint64_t count;
    int reason, context;
    char *object, *user, *cinfo;
    size_t olen, ulen;
    int64_t ctime;
} log_entry;

struct ss_acl {
    ss_acl_user **users; /* sorted by name, bytewise, shorter first on a tie */
    size_t n, cap;
    bool default_recorded;
    char *requirepass;   /* what the default user was last given (NULL: nopass) */
    log_entry *log;      /* newest first */
    size_t nlog;
};

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* The index of name, or where it would go (*found false). */
static size_t find_at(const ss_acl *acl, const char *name, size_t len, bool *found)
{
    size_t lo = 0, hi = acl->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = name_cmp(acl->users[mid]->name, acl->users[mid]->name_len, name, len);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

ss_acl_user *ss_acl_find(const ss_acl *acl, const char *name, size_t len)
{
    bool found;
    size_t at = find_at(acl, name, len, &found);
    return found ? acl->users[at] : NULL;
}

bool ss_acl_put(ss_acl *acl, ss_acl_user *u)
{
    bool found;
    size_t at = find_at(acl, u->name, u->name_len, &found);
    if (found) {
        ss_acl_user_free(acl->users[at]);
        acl->users[at] = u;
        return true;
    }
    if (acl->n >= SS_ACL_MAX_USERS)
        return false;
    if (acl->n == acl->cap) {
        size_t cap = acl->cap ? acl->cap * 2 : 8;
        ss_acl_user **g = realloc(acl->users, sizeof *g * cap);
        if (!g)
            abort();
        acl->users = g;
        acl->cap = cap;
    }
    memmove(&acl->users[at + 1], &acl->users[at], sizeof *acl->users * (acl->n - at));
    acl->users[at] = u;
    acl->n++;
    return true;
}

bool ss_acl_del(ss_acl *acl, const char *name, size_t len)
{
    bool found;
    size_t at = find_at(acl, name, len, &found);
    if (!found)
        return false;
    ss_acl_user_free(acl->users[at]);
    memmove(&acl->users[at], &acl->users[at + 1], sizeof *acl->users * (acl->n - at - 1));
    acl->n--;
    return true;
}

size_t ss_acl_count(const ss_acl *acl) { return acl->n; }
const ss_acl_user *ss_acl_at(const ss_acl *acl, size_t i) { return acl->users[i]; }

/* Redis's ACLCreateDefaultUser, with requirepass as its password. */
static ss_acl_user *default_user(const char *requirepass)
{
    ss_acl_user *u = ss_acl_user_new("default", 7);
    static const char *const rules[] = {"+@all", "~*", "&*", "on", "nopass"};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        ss_acl_user_set(u, rules[i], strlen(rules[i]));
    if (requirepass && requirepass[0]) {
        size_t len = strlen(requirepass);
        char *op = malloc(len + 2);
        if (!op)
            abort();
        op[0] = '>';
        memcpy(op + 1, requirepass, len + 1);
        ss_acl_user_set(u, "resetpass", 9);
        ss_acl_user_set(u, op, len + 1);
        free(op);
    }
    return u;
}

ss_acl *ss_acl_new(void)
{
    ss_acl *acl = calloc(1, sizeof *acl);
    if (!acl)
        abort();
    ss_acl_put(acl, default_user(NULL));
    return acl;
}

void ss_acl_clear(ss_acl *acl)
{
    for (size_t i = 0; i < acl->n; i++)
        ss_acl_user_free(acl->users[i]);
    acl->n = 0;
    acl->default_recorded = false;
    ss_acl_put(acl, default_user(acl->requirepass));
}

void ss_acl_free(ss_acl *acl)
{
    if (!acl)
        return;
    for (size_t i = 0; i < acl->n; i++)
        ss_acl_user_free(acl->users[i]);
    free(acl->users);
    ss_acl_log_reset(acl);
    free(acl->log);
    free(acl->requirepass);
    free(acl);
}

void ss_acl_set_requirepass(ss_acl *acl, const char *pass)
{
    const char *now = pass && pass[0] ? pass : NULL;
    bool same = now == NULL ? acl->requirepass == NULL : acl->requirepass && !strcmp(now, acl->requirepass);
    if (same)
        return;
    free(acl->requirepass);
    acl->requirepass = now ? strdup(now) : NULL;
    if (now && !acl->requirepass)
        abort();
    if (!acl->default_recorded)
        ss_acl_put(acl, default_user(acl->requirepass));
}

void ss_acl_set_default_recorded(ss_acl *acl, bool recorded)
{
    acl->default_recorded = recorded;
    if (!recorded)
        ss_acl_put(acl, default_user(acl->requirepass));
}

bool ss_acl_default_recorded(const ss_acl *acl) { return acl->default_recorded; }

void ss_acl_adopt(ss_acl *acl, ss_acl *from)
{
    for (size_t i = 0; i < acl->n; i++)
        ss_acl_user_free(acl->users[i]);
    free(acl->users);
    acl->users = from->users;
    acl->n = from->n;
    acl->cap = from->cap;
    from->users = NULL;
    from->n = from->cap = 0;
    ss_acl_free(from);
    acl->default_recorded = ss_acl_find(acl, "default", 7) != NULL;
    if (!acl->default_recorded)
        ss_acl_put(acl, default_user(acl->requirepass));
}

/* -------------------------------------------------------------- aclfile */

/* Splits line[0..len) on single spaces, as Redis's sdssplitlen(" "): empty
 * words between two spaces are kept (and are no-op rules). */
static int split_words(const char *line, size_t len, char ***words, size_t **lens)
{
    int n = 1;
    for (size_t i = 0; i < len; i++)
        n += line[i] == ' ';
    *words = calloc((size_t)n, sizeof **words);
    *lens = calloc((size_t)n, sizeof **lens);
    if (!*words || !*lens)
        abort();
    int k = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || line[i] == ' ') {
            (*words)[k] = (char *)line + start;
            (*lens)[k++] = i - start;
            start = i + 1;
        }
    return k;
}

static bool trim_char(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool ss_acl_parse_file(const char *text, size_t len, const char *fname, ss_acl **out, ss_buf *err)
{
    ss_acl *acl = calloc(1, sizeof *acl);
    if (!acl)
        abort();
    size_t err_start = ss_buf_len(err);
    int linenum = 0;
    for (size_t pos = 0; pos <= len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *line = text + pos;
        size_t llen = end - pos;
        pos = end + 1;
        linenum++;
        while (llen && trim_char(line[0]))
            line++, llen--;
        while (llen && trim_char(line[llen - 1]))
            llen--;
        if (llen == 0) {
            if (!nl)
                break;
            continue;
        }
        char **w;
        size_t *wl;
        int argc = split_words(line, llen, &w, &wl);
        if (argc < 2 || wl[0] != 4 || memcmp(w[0], "user", 4)) {
            ss_buf_appendf(err, "%s:%d should start with user keyword followed by the username. ", fname, linenum);
        } else if (ss_acl_has_spaces(w[1], wl[1])) {
            ss_buf_appendf(err, "'%s:%d: username '%.*s' contains invalid characters. ", fname, linenum,
                           (int)wl[1], w[1]);
        } else if (ss_acl_find(acl, w[1], wl[1])) {
            ss_buf_appendf(err, "WARNING: Duplicate user '%.*s' found on line %d. ", (int)wl[1], w[1], linenum);
        } else {
            ss_acl_user *u = ss_acl_user_new(w[1], wl[1]);
            ss_acl_rules r;
            int bad;
            if (!ss_acl_rules_merge(argc - 2, w + 2, wl + 2, &r, &bad)) {
                ss_buf_appendf(err, "%s:%d: Unmatched parenthesis in selector definition.", fname, linenum);
            } else {
                for (int j = 0; j < r.n; j++) {
                    ss_acl_err e = ss_acl_user_set(u, r.op[j], r.len[j]);
                    if (e != SS_ACLE_OK)
                        ss_buf_appendf(err, "%s:%d: %s. ", fname, linenum, ss_acl_err_text(e));
                }
                ss_acl_rules_free(&r);
            }
            if (!ss_acl_put(acl, u)) {
                ss_acl_user_free(u);
                ss_buf_appendf(err, "%s:%d: too many users. ", fname, linenum);
            }
        }
        free(w);
        free(wl);
        if (!nl)
            break;
    }
    if (ss_buf_len(err) > err_start) {
        ss_buf_append_cstr(err, "WARNING: ACL errors detected, no change to the previously active ACL rules was performed");
        ss_acl_free(acl);
        return false;
    }
    *out = acl;
    return true;
}

/* ---------------------------------------------------------------- ACL LOG */

static void entry_free(log_entry *le)
{
    free(le->object);
    free(le->user);
    free(le->cinfo);
}

static char *dup_n(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

void ss_acl_log_add(ss_acl *acl, int reason, int context, const char *object, size_t olen, const char *user,
                    size_t ulen, const char *cinfo, int64_t now_ms, size_t max_len)
{
    /* Like one of the last ten entries (same reason, context, object and
     * user, within a minute): counted there and moved to the front. */
    for (size_t i = 0; i < acl->nlog && i < 10; i++) {
        log_entry *le = &acl->log[i];
        int64_t delta = le->ctime - now_ms;
        if (le->reason == reason && le->context == context && (delta < 0 ? -delta : delta) <= ACL_LOG_GROUPING_MS &&
            le->olen == olen && !memcmp(le->object, object, olen) && le->ulen == ulen &&
            !memcmp(le->user, user, ulen)) {
            log_entry moved = *le;
            moved.count++;
            moved.ctime = now_ms;
            free(moved.cinfo);
            moved.cinfo = dup_n(cinfo, strlen(cinfo));
            memmove(&acl->log[1], &acl->log[0], sizeof *acl->log * i);
            acl->log[0] = moved;
            return;
        }
    }
    if (max_len == 0)
        return;
    if (acl->nlog >= max_len) {
        while (acl->nlog >= max_len)
            entry_free(&acl->log[--acl->nlog]);
    }
    log_entry *g = realloc(acl->log, sizeof *g * (acl->nlog + 1));
    if (!g)
        abort();
    acl->log = g;
    memmove(&acl->log[1], &acl->log[0], sizeof *acl->log * acl->nlog);
    acl->log[0] = (log_entry){.count = 1, .reason = reason, .context = context, .object = dup_n(object, olen),
                              .olen = olen, .user = dup_n(user, ulen), .ulen = ulen,
                              .cinfo = dup_n(cinfo, strlen(cinfo)), .ctime = now_ms};
    acl->nlog++;
}

void ss_acl_log_reply(const ss_acl *acl, long count, int64_t now_ms, ss_buf *out, resp_proto proto)
{
    static const char *const reasons[] = {"unknown", "command", "key", "auth", "channel"};
    static const char *const contexts[] = {"toplevel", "multi", "lua"};
    if (count < 0)
        count = 0;
    if ((size_t)count > acl->nlog)
        count = (long)acl->nlog;
    resp_add_array_len(out, count);
    for (long i = 0; i < count; i++) {
        const log_entry *le = &acl->log[i];
        resp_add_map_len(out, proto, 7);
        resp_add_bulk_cstr(out, "count");
        resp_add_int(out, (long long)le->count);
        resp_add_bulk_cstr(out, "reason");
        resp_add_bulk_cstr(out, reasons[le->reason >= 0 && le->reason <= 4 ? le->reason : 0]);
        resp_add_bulk_cstr(out, "context");
        resp_add_bulk_cstr(out, contexts[le->context >= 0 && le->context <= 2 ? le->context : 0]);
        resp_add_bulk_cstr(out, "object");
        resp_add_bulk(out, le->object, le->olen);
        resp_add_bulk_cstr(out, "username");
        resp_add_bulk(out, le->user, le->ulen);
        resp_add_bulk_cstr(out, "age-seconds");
        resp_add_double(out, proto, (double)(now_ms - le->ctime) / 1000);
        resp_add_bulk_cstr(out, "client-info");
        resp_add_bulk_cstr(out, le->cinfo);
    }
}

void ss_acl_log_reset(ss_acl *acl)
{
    for (size_t i = 0; i < acl->nlog; i++)
        entry_free(&acl->log[i]);
    acl->nlog = 0;
}

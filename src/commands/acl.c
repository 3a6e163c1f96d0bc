/* ACL users and their rules: ACL SETUSER's words applied to a user, as Redis 7.0's ACLSetUser and ACLSetSelector do. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/acl.h"
#include "commands/acl_internal.h"
#include "common/sha256.h"

/* ------------------------------------------------------- command ids */

/* Every client-visible row gets a bit, in table order, a container's
 * subcommands right after it; built once, then read by any thread. */
static ss_acl_cmd cmds[SS_ACL_BITS];
static int ncmds;
static ss_acl_cmd *by_row[SS_ACL_BITS]; /* sorted by row address */
static pthread_once_t cmds_once = PTHREAD_ONCE_INIT;

static int by_row_cmp(const void *a, const void *b)
{
    const ss_command *x = (*(ss_acl_cmd *const *)a)->row, *y = (*(ss_acl_cmd *const *)b)->row;
    return x < y ? -1 : x > y;
}

static void add_row(const ss_command *row, int parent)
{
    if (ncmds >= SS_ACL_FUTURE_BIT || (row->flags & CMD_INTERNAL))
        return;
    cmds[ncmds] = (ss_acl_cmd){.row = row, .id = ncmds, .parent = parent, .cats = ss_command_acl(row)};
    ncmds++;
}

static void build_cmds(void)
{
    size_t n;
    const ss_command *t = ss_command_table(&n);
    for (size_t i = 0; i < n; i++) {
        int id = ncmds;
        add_row(&t[i], -1);
        if (id == ncmds || t[i].subcommands == NULL)
            continue;
        int first = ncmds;
        for (const ss_command *s = t[i].subcommands; s->name; s++)
            add_row(s, id);
        cmds[id].sub_first = first;
        cmds[id].sub_end = ncmds;
    }
    for (int i = 0; i < ncmds; i++)
        by_row[i] = &cmds[i];
    qsort(by_row, (size_t)ncmds, sizeof by_row[0], by_row_cmp);
}

const ss_acl_cmd *ss_acl_cmds(int *n)
{
    pthread_once(&cmds_once, build_cmds);
    *n = ncmds;
    return cmds;
}

const ss_acl_cmd *ss_acl_cmd_of(const ss_command *row)
{
    pthread_once(&cmds_once, build_cmds);
    size_t lo = 0, hi = (size_t)ncmds;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (by_row[mid]->row == row)
            return by_row[mid];
        if ((const void *)by_row[mid]->row < (const void *)row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The row named name ("get", "config|get"), case-insensitive. */
static const ss_acl_cmd *cmd_named(const char *name, size_t len)
{
    const ss_command *row = ss_command_lookup(name, len);
    return row ? ss_acl_cmd_of(row) : NULL;
}

/* ------------------------------------------------------------ helpers */

const char *ss_acl_err_text(ss_acl_err err)
{
    switch (err) {
    case SS_ACLE_UNKNOWN: return "Unknown command or category name in ACL";
    case SS_ACLE_SYNTAX: return "Syntax error";
    case SS_ACLE_KEY_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
               "effect. Try 'resetkeys' to start with an empty list of patterns";
    case SS_ACLE_CHANNEL_AFTER_ALL:
        return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have "
               "any effect. Try 'resetchannels' to start with an empty list of channels";
    case SS_ACLE_NO_SUCH_PASS: return "The password you are trying to remove from the user does not exist";
    case SS_ACLE_BAD_HASH:
        return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
    case SS_ACLE_FIRSTARG_SUB: return "Allowing first-arg of a subcommand is not supported";
    case SS_ACLE_TOO_MANY: return "Too many passwords, selectors or patterns for one user (sandstore's bound)";
    default: return "Wrong format";
    }
}

bool ss_secret_equal(const void *a, size_t alen, const void *b, size_t blen)
{
    const unsigned char *x = a, *y = b;
    /* volatile: no early exit; every byte of a is compared, whatever b's length. */
    volatile unsigned char diff = (unsigned char)(alen != blen);
    for (size_t i = 0; i < alen; i++)
        diff |= (unsigned char)(x[i] ^ (blen ? y[i % blen] : 0));
    return diff == 0;
}

void ss_acl_hash_password(const char *pass, size_t len, char hex[SS_ACL_HASH_LEN])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t h[SS_SHA256_SIZE];
    ss_sha256 s;
    ss_sha256_init(&s);
    ss_sha256_update(&s, pass, len);
    ss_sha256_final(&s, h);
    for (int i = 0; i < SS_SHA256_SIZE; i++) {
        hex[2 * i] = digits[h[i] >> 4];
        hex[2 * i + 1] = digits[h[i] & 15];
    }
}

static bool valid_hash(const char *p, size_t len)
{
    if (len != SS_ACL_HASH_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((p[i] >= 'a' && p[i] <= 'f') || (p[i] >= '0' && p[i] <= '9')))
            return false;
    return true;
}

/* Redis's ACLStringHasSpaces. */
bool ss_acl_has_spaces(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (isspace((unsigned char)s[i]) || s[i] == 0)
            return true;
    return false;
}

static bool op_is(const char *op, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(op, word, len) == 0;
}

static char *dup_bytes(const char *p, size_t len)
{
    char *d = malloc(len + 1);
    if (!d)
        abort(); /* as the rest of the tree: allocation failure is fatal */
    memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

/* ---------------------------------------------------------- selectors */

static void pats_clear(acl_pats *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->p[i].s);
    free(l->p);
    *l = (acl_pats){0};
}

static void pats_copy(acl_pats *dst, const acl_pats *src)
{
    *dst = (acl_pats){0};
    if (src->n == 0)
        return;
    dst->p = calloc((size_t)src->n, sizeof *dst->p);
    if (!dst->p)
        abort();
    for (int i = 0; i < src->n; i++)
        dst->p[i] = (acl_pat){dup_bytes(src->p[i].s, src->p[i].len), src->p[i].len, src->p[i].flags, src->p[i].id};
    dst->n = dst->cap = src->n;
}

/* Finds (s, len, id) in l; -1 if absent. */
static int pats_find(const acl_pats *l, const char *s, size_t len, int id, bool nocase)
{
    for (int i = 0; i < l->n; i++)
        if (l->p[i].id == id && l->p[i].len == len &&
            (nocase ? strncasecmp(l->p[i].s, s, len) : memcmp(l->p[i].s, s, len)) == 0)
            return i;
    return -1;
}

static bool pats_add(acl_pats *l, const char *s, size_t len, int flags, int id)
{
    if (l->n >= SS_ACL_MAX_PATTERNS)
        return false;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        acl_pat *p = realloc(l->p, sizeof *p * (size_t)cap);
        if (!p)
            abort();
        l->p = p;
        l->cap = cap;
    }
    l->p[l->n++] = (acl_pat){dup_bytes(s, len), len, flags, id};
    return true;
}

/* Drops the first args of command id (they mean nothing once its bit is set or cleared). */
static void firstargs_reset(acl_selector *sel, int id)
{
    int w = 0;
    for (int i = 0; i < sel->firstargs.n; i++) {
        if (sel->firstargs.p[i].id == id || id < 0)
            free(sel->firstargs.p[i].s);
        else
            sel->firstargs.p[w++] = sel->firstargs.p[i];
    }
    sel->firstargs.n = w;
}

static void set_bit(acl_selector *sel, int id, bool allow)
{
    if (allow) {
        sel->bits[id / 64] |= 1ull << (id % 64);
    } else {
        sel->bits[id / 64] &= ~(1ull << (id % 64));
        sel->flags &= ~SEL_ALLCOMMANDS;
    }
}

bool ss_acl_sel_bit(const acl_selector *sel, int id) { return (sel->bits[id / 64] >> (id % 64)) & 1; }

/* Redis's ACLChangeSelectorPerm: a container takes its subcommands along. */
void ss_acl_sel_change(acl_selector *sel, const ss_acl_cmd *c, bool allow)
{
    int n;
    const ss_acl_cmd *all = ss_acl_cmds(&n);
    set_bit(sel, c->id, allow);
    firstargs_reset(sel, c->id);
    for (int i = c->sub_first; i < c->sub_end; i++)
        set_bit(sel, all[i].id, allow);
}

/* Redis's ACLSetSelectorCommandBitsForCategory over the whole table. */
void ss_acl_sel_category(acl_selector *sel, uint32_t cat, bool allow)
{
    int n;
    const ss_acl_cmd *all = ss_acl_cmds(&n);
    for (int i = 0; i < n; i++)
        if (all[i].cats & cat)
            ss_acl_sel_change(sel, &all[i], allow);
}

void ss_acl_sel_all(acl_selector *sel, bool allow)
{
    memset(sel->bits, allow ? 0xff : 0, sizeof sel->bits);
    if (allow)
        sel->flags |= SEL_ALLCOMMANDS;
    else
        sel->flags &= ~SEL_ALLCOMMANDS;
    firstargs_reset(sel, -1);
}

void ss_acl_sel_init(acl_selector *sel, uint32_t flags) { *sel = (acl_selector){.flags = flags}; }

void ss_acl_sel_release(acl_selector *sel)
{
    pats_clear(&sel->keys);
    pats_clear(&sel->channels);
    pats_clear(&sel->firstargs);
}

static void sel_copy(acl_selector *dst, const acl_selector *src)
{
    *dst = *src;
    pats_copy(&dst->keys, &src->keys);
    pats_copy(&dst->channels, &src->channels);
    pats_copy(&dst->firstargs, &src->firstargs);
}

/* "+cmd|arg": a subcommand, or the first argument of a command without. */
static ss_acl_err allow_piped(acl_selector *sel, const char *op, size_t len)
{
    const char *bar = NULL;
    for (size_t i = len; i > 0; i--)
        if (op[i - 1] == '|') {
            bar = op + i - 1;
            break;
        }
    const ss_acl_cmd *c = cmd_named(op, (size_t)(bar - op));
    if (c == NULL)
        return SS_ACLE_UNKNOWN;
    if (c->parent >= 0)
        return SS_ACLE_FIRSTARG_SUB;
    size_t sublen = len - (size_t)(bar - op) - 1;
    if (sublen == 0)
        return SS_ACLE_SYNTAX;
    if (c->row->subcommands) {
        const ss_acl_cmd *sub = cmd_named(op, len);
        if (sub == NULL)
            return SS_ACLE_UNKNOWN;
        ss_acl_sel_change(sel, sub, true);
        return SS_ACLE_OK;
    }
    /* Redis takes any bytes; ACL LIST could not print spaces back. */
    if (ss_acl_has_spaces(bar + 1, sublen))
        return SS_ACLE_SYNTAX;
    if (pats_find(&sel->firstargs, bar + 1, sublen, c->id, true) >= 0)
        return SS_ACLE_OK;
    return pats_add(&sel->firstargs, bar + 1, sublen, 0, c->id) ? SS_ACLE_OK : SS_ACLE_TOO_MANY;
}

/* Redis's ACLSetSelector: one rule about commands, keys or channels. */
ss_acl_err ss_acl_sel_set(acl_selector *sel, const char *op, size_t len)
{
    if (op_is(op, len, "allkeys") || op_is(op, len, "~*")) {
        sel->flags |= SEL_ALLKEYS;
        pats_clear(&sel->keys);
    } else if (op_is(op, len, "resetkeys")) {
        sel->flags &= ~SEL_ALLKEYS;
        pats_clear(&sel->keys);
    } else if (op_is(op, len, "allchannels") || op_is(op, len, "&*")) {
        sel->flags |= SEL_ALLCHANNELS;
        pats_clear(&sel->channels);
    } else if (op_is(op, len, "resetchannels")) {
        sel->flags &= ~SEL_ALLCHANNELS;
        pats_clear(&sel->channels);
    } else if (op_is(op, len, "allcommands") || op_is(op, len, "+@all")) {
        ss_acl_sel_all(sel, true);
    } else if (op_is(op, len, "nocommands") || op_is(op, len, "-@all")) {
        ss_acl_sel_all(sel, false);
    } else if (op[0] == '~' || op[0] == '%') {
        if (sel->flags & SEL_ALLKEYS)
            return SS_ACLE_KEY_AFTER_ALL;
        int flags = 0;
        size_t off = 1;
        if (op[0] == '%') {
            for (; off < len; off++) {
                char c = (char)toupper((unsigned char)op[off]);
                if (c == 'R' && !(flags & SS_ACL_PERM_READ)) {
                    flags |= SS_ACL_PERM_READ;
                } else if (c == 'W' && !(flags & SS_ACL_PERM_WRITE)) {
                    flags |= SS_ACL_PERM_WRITE;
                } else if (op[off] == '~') {
                    off++;
                    break;
                } else {
                    return SS_ACLE_SYNTAX;
                }
            }
        } else {
            flags = SS_ACL_PERM_ALL;
        }
        /* "%~x" is a pattern of no permission in Redis, which its describe
         * then cannot print; refused here instead. */
        if (flags == 0 || ss_acl_has_spaces(op + off, len - off))
            return SS_ACLE_SYNTAX;
        int at = pats_find(&sel->keys, op + off, len - off, 0, false);
        if (at >= 0)
            sel->keys.p[at].flags |= flags;
        else if (!pats_add(&sel->keys, op + off, len - off, flags, 0))
            return SS_ACLE_TOO_MANY;
        sel->flags &= ~SEL_ALLKEYS;
        if (at < 0)
            at = sel->keys.n - 1;
        /* "%R~*" then "%W~*" is "~*", which ACL LIST prints as allkeys:
         * made allkeys here, so that what it prints reads back the same. */
        if (sel->keys.p[at].len == 1 && sel->keys.p[at].s[0] == '*' && sel->keys.p[at].flags == SS_ACL_PERM_ALL) {
            sel->flags |= SEL_ALLKEYS;
            pats_clear(&sel->keys);
        }
    } else if (op[0] == '&') {
        if (sel->flags & SEL_ALLCHANNELS)
            return SS_ACLE_CHANNEL_AFTER_ALL;
        if (ss_acl_has_spaces(op + 1, len - 1))
            return SS_ACLE_SYNTAX;
        if (pats_find(&sel->channels, op + 1, len - 1, 0, false) < 0 &&
            !pats_add(&sel->channels, op + 1, len - 1, 0, 0))
            return SS_ACLE_TOO_MANY;
        sel->flags &= ~SEL_ALLCHANNELS;
    } else if ((op[0] == '+' || op[0] == '-') && len > 1 && op[1] == '@') {
        uint32_t cat = ss_acl_category(op + 2, len - 2);
        if (cat == 0)
            return SS_ACLE_UNKNOWN;
        ss_acl_sel_category(sel, cat, op[0] == '+');
    } else if (op[0] == '+' && memchr(op, '|', len)) {
        return allow_piped(sel, op + 1, len - 1);
    } else if (op[0] == '+' || op[0] == '-') {
        const ss_acl_cmd *c = cmd_named(op + 1, len - 1);
        if (c == NULL)
            return SS_ACLE_UNKNOWN;
        ss_acl_sel_change(sel, c, op[0] == '+');
    } else {
        return SS_ACLE_SYNTAX;
    }
    return SS_ACLE_OK;
}

/* -------------------------------------------------------------- users */

ss_acl_user *ss_acl_user_new(const char *name, size_t len)
{
    ss_acl_user *u = calloc(1, sizeof *u);
    if (!u)
        abort();
    u->name = dup_bytes(name, len);
    u->name_len = len;
    u->flags = USER_DISABLED;
    u->sel = calloc(1, sizeof *u->sel);
    if (!u->sel)
        abort();
    ss_acl_sel_init(&u->sel[0], SEL_ROOT);
    u->nsel = 1;
    return u;
}

ss_acl_user *ss_acl_user_copy(const ss_acl_user *src, const char *name, size_t len)
{
    ss_acl_user *u = calloc(1, sizeof *u);
    if (!u)
        abort();
    u->name = dup_bytes(name, len);
    u->name_len = len;
    u->flags = src->flags;
    u->npass = src->npass;
    if (src->npass) {
        u->pass = malloc(sizeof *u->pass * (size_t)src->npass);
        if (!u->pass)
            abort();
        memcpy(u->pass, src->pass, sizeof *u->pass * (size_t)src->npass);
    }
    u->sel = calloc((size_t)src->nsel, sizeof *u->sel);
    if (!u->sel)
        abort();
    for (int i = 0; i < src->nsel; i++)
        sel_copy(&u->sel[i], &src->sel[i]);
    u->nsel = src->nsel;
    return u;
}

void ss_acl_user_free(ss_acl_user *u)
{
    if (!u)
        return;
    for (int i = 0; i < u->nsel; i++)
        ss_acl_sel_release(&u->sel[i]);
    free(u->sel);
    free(u->pass);
    free(u->name);
    free(u);
}

const char *ss_acl_user_name(const ss_acl_user *u, size_t *len)
{
    *len = u->name_len;
    return u->name;
}

bool ss_acl_user_nopass(const ss_acl_user *u) { return (u->flags & USER_NOPASS) != 0; }
bool ss_acl_user_enabled(const ss_acl_user *u) { return (u->flags & USER_ENABLED) != 0; }

static int pass_find(const ss_acl_user *u, const char *hex)
{
    for (int i = 0; i < u->npass; i++)
        if (!memcmp(u->pass[i], hex, SS_ACL_HASH_LEN))
            return i;
    return -1;
}

bool ss_acl_user_check_password(const ss_acl_user *u, const char *pass, size_t len)
{
    if (u->flags & USER_DISABLED)
        return false;
    if (u->flags & USER_NOPASS)
        return true;
    char hex[SS_ACL_HASH_LEN];
    ss_acl_hash_password(pass, len, hex);
    bool ok = false;
    for (int i = 0; i < u->npass; i++) /* every one, so the time says nothing of which */
        ok |= ss_secret_equal(hex, sizeof hex, u->pass[i], SS_ACL_HASH_LEN);
    return ok;
}

/* "(rules...)": a new selector from the rules inside. */
static ss_acl_err add_selector(ss_acl_user *u, const char *op, size_t len)
{
    if (u->nsel >= SS_ACL_MAX_SELECTORS)
        return SS_ACLE_TOO_MANY;
    acl_selector sel;
    ss_acl_sel_init(&sel, 0);
    size_t i = 1, end = len - 1;
    while (i < end) {
        while (i < end && op[i] == ' ')
            i++;
        size_t start = i;
        while (i < end && op[i] != ' ')
            i++;
        if (i == start)
            continue;
        /* A word of the selector that ends in ")" would end it early when
         * its ACL LIST words are read back (a record, ACL SAVE): refused. */
        ss_acl_err err = op[i - 1] == ')' ? SS_ACLE_SYNTAX : ss_acl_sel_set(&sel, op + start, i - start);
        if (err != SS_ACLE_OK) {
            ss_acl_sel_release(&sel);
            return err;
        }
    }
    acl_selector *grown = realloc(u->sel, sizeof *grown * (size_t)(u->nsel + 1));
    if (!grown)
        abort();
    u->sel = grown;
    u->sel[u->nsel++] = sel;
    return SS_ACLE_OK;
}

static void clear_selectors(ss_acl_user *u)
{
    for (int i = 1; i < u->nsel; i++)
        ss_acl_sel_release(&u->sel[i]);
    u->nsel = 1;
}

ss_acl_err ss_acl_user_set(ss_acl_user *u, const char *op, size_t len)
{
    if (len == 0)
        return SS_ACLE_OK;
    if (op_is(op, len, "on")) {
        u->flags = (u->flags | USER_ENABLED) & ~USER_DISABLED;
    } else if (op_is(op, len, "off")) {
        u->flags = (u->flags | USER_DISABLED) & ~USER_ENABLED;
    } else if (op_is(op, len, "skip-sanitize-payload")) {
        u->flags = (u->flags | USER_SANITIZE_SKIP) & ~USER_SANITIZE;
    } else if (op_is(op, len, "sanitize-payload")) {
        u->flags = (u->flags | USER_SANITIZE) & ~USER_SANITIZE_SKIP;
    } else if (op_is(op, len, "nopass")) {
        u->flags |= USER_NOPASS;
        u->npass = 0;
    } else if (op_is(op, len, "resetpass")) {
        u->flags &= ~USER_NOPASS;
        u->npass = 0;
    } else if (op[0] == '>' || op[0] == '#') {
        char hex[SS_ACL_HASH_LEN];
        if (op[0] == '>')
            ss_acl_hash_password(op + 1, len - 1, hex);
        else if (valid_hash(op + 1, len - 1))
            memcpy(hex, op + 1, SS_ACL_HASH_LEN);
        else
            return SS_ACLE_BAD_HASH;
        if (pass_find(u, hex) < 0) {
            if (u->npass >= SS_ACL_MAX_PASSWORDS)
                return SS_ACLE_TOO_MANY;
            char(*grown)[SS_ACL_HASH_LEN] = realloc(u->pass, sizeof *grown * (size_t)(u->npass + 1));
            if (!grown)
                abort();
            u->pass = grown;
            memcpy(u->pass[u->npass++], hex, SS_ACL_HASH_LEN);
        }
        u->flags &= ~USER_NOPASS;
    } else if (op[0] == '<' || op[0] == '!') {
        char hex[SS_ACL_HASH_LEN];
        if (op[0] == '<')
            ss_acl_hash_password(op + 1, len - 1, hex);
        else if (valid_hash(op + 1, len - 1))
            memcpy(hex, op + 1, SS_ACL_HASH_LEN);
        else
            return SS_ACLE_BAD_HASH;
        int at = pass_find(u, hex);
        if (at < 0)
            return SS_ACLE_NO_SUCH_PASS;
        memmove(u->pass[at], u->pass[at + 1], sizeof *u->pass * (size_t)(u->npass - at - 1));
        u->npass--;
    } else if (op[0] == '(' && op[len - 1] == ')') {
        return add_selector(u, op, len);
    } else if (op_is(op, len, "clearselectors")) {
        clear_selectors(u);
    } else if (op_is(op, len, "reset")) {
        u->flags &= ~USER_NOPASS;
        u->npass = 0;
        ss_acl_sel_set(&u->sel[0], "resetkeys", 9);
        ss_acl_sel_set(&u->sel[0], "resetchannels", 13);
        u->flags = (u->flags | USER_DISABLED | USER_SANITIZE) & ~(USER_ENABLED | USER_SANITIZE_SKIP);
        clear_selectors(u);
        ss_acl_sel_all(&u->sel[0], false);
    } else {
        return ss_acl_sel_set(&u->sel[0], op, len);
    }
    return SS_ACLE_OK;
}

/* Redis's ACLMergeSelectorArguments. */
bool ss_acl_rules_merge(int argc, char *const *argv, const size_t *argvlen, ss_acl_rules *out, int *bad)
{
    *out = (ss_acl_rules){0};
    out->op = calloc((size_t)argc + 1, sizeof *out->op);
    out->len = calloc((size_t)argc + 1, sizeof *out->len);
    if (!out->op || !out->len)
        abort();
    int open = -1;
    ss_buf sel;
    ss_buf_init(&sel, 0);
    for (int j = 0; j < argc; j++) {
        const char *op = argv[j];
        size_t len = argvlen[j];
        if (len > 0 && op[0] == '(' && op[len - 1] != ')') {
            ss_buf_reset(&sel);
            ss_buf_append(&sel, op, len);
            open = j;
            continue;
        }
        if (open >= 0) {
            ss_buf_append(&sel, " ", 1);
            ss_buf_append(&sel, op, len);
            if (len > 0 && op[len - 1] == ')') {
                open = -1;
                out->len[out->n] = ss_buf_len(&sel);
                out->op[out->n++] = dup_bytes(ss_buf_data(&sel), ss_buf_len(&sel));
            }
            continue;
        }
        out->len[out->n] = len;
        out->op[out->n++] = dup_bytes(op, len);
    }
    ss_buf_release(&sel);
    if (open >= 0) {
        *bad = open;
        ss_acl_rules_free(out);
        return false;
    }
    return true;
}

void ss_acl_rules_free(ss_acl_rules *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->op[i]);
    free(r->op);
    free(r->len);
    *r = (ss_acl_rules){0};
}

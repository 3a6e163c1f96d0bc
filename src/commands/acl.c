/* ACL users and their rules: ACL SETUSER's words applied to a user, as Redis 7.0's ACLSetUser does (selector rules: acl_selector.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/acl.h"
#include "commands/acl_internal.h"
#include "common/sha256.h"

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

bool ss_acl_op_is(const char *op, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(op, word, len) == 0;
}

char *ss_acl_dup(const char *p, size_t len)
{
    char *d = malloc(len + 1);
    if (!d)
        abort(); /* as the rest of the tree: allocation failure is fatal */
    memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

/* -------------------------------------------------------------- users */

ss_acl_user *ss_acl_user_new(const char *name, size_t len)
{
    ss_acl_user *u = calloc(1, sizeof *u);
    if (!u)
        abort();
    u->name = ss_acl_dup(name, len);
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
    u->name = ss_acl_dup(name, len);
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
        ss_acl_sel_copy(&u->sel[i], &src->sel[i]);
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

/* The hash a password rule names: ">pass" and "<pass" hash their text,
 * "#hash" and "!hash" give it (false when it is not one). */
static bool password_hash(const char *op, size_t len, char hex[SS_ACL_HASH_LEN])
{
    if (op[0] == '>' || op[0] == '<') {
        ss_acl_hash_password(op + 1, len - 1, hex);
        return true;
    }
    if (!valid_hash(op + 1, len - 1))
        return false;
    memcpy(hex, op + 1, SS_ACL_HASH_LEN);
    return true;
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
    if (ss_acl_op_is(op, len, "on")) {
        u->flags = (u->flags | USER_ENABLED) & ~USER_DISABLED;
    } else if (ss_acl_op_is(op, len, "off")) {
        u->flags = (u->flags | USER_DISABLED) & ~USER_ENABLED;
    } else if (ss_acl_op_is(op, len, "skip-sanitize-payload")) {
        u->flags = (u->flags | USER_SANITIZE_SKIP) & ~USER_SANITIZE;
    } else if (ss_acl_op_is(op, len, "sanitize-payload")) {
        u->flags = (u->flags | USER_SANITIZE) & ~USER_SANITIZE_SKIP;
    } else if (ss_acl_op_is(op, len, "nopass")) {
        u->flags |= USER_NOPASS;
        u->npass = 0;
    } else if (ss_acl_op_is(op, len, "resetpass")) {
        u->flags &= ~USER_NOPASS;
        u->npass = 0;
    } else if (op[0] == '>' || op[0] == '#') {
        char hex[SS_ACL_HASH_LEN];
        if (!password_hash(op, len, hex))
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
        if (!password_hash(op, len, hex))
            return SS_ACLE_BAD_HASH;
        int at = pass_find(u, hex);
        if (at < 0)
            return SS_ACLE_NO_SUCH_PASS;
        memmove(u->pass[at], u->pass[at + 1], sizeof *u->pass * (size_t)(u->npass - at - 1));
        u->npass--;
    } else if (op[0] == '(' && op[len - 1] == ')') {
        return add_selector(u, op, len);
    } else if (ss_acl_op_is(op, len, "clearselectors")) {
        clear_selectors(u);
    } else if (ss_acl_op_is(op, len, "reset")) {
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
                out->op[out->n++] = ss_acl_dup(ss_buf_data(&sel), ss_buf_len(&sel));
            }
            continue;
        }
        out->len[out->n] = len;
        out->op[out->n++] = ss_acl_dup(op, len);
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

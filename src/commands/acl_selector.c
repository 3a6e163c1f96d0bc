/* ACL selectors: the command bits (one per row of the table), key and channel patterns and first args, as Redis 7.0's ACLSetSelector sets them. */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/acl_internal.h"

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
        dst->p[i] = (acl_pat){ss_acl_dup(src->p[i].s, src->p[i].len), src->p[i].len, src->p[i].flags, src->p[i].id};
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
    l->p[l->n++] = (acl_pat){ss_acl_dup(s, len), len, flags, id};
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

void ss_acl_sel_copy(acl_selector *dst, const acl_selector *src)
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
    if (ss_acl_op_is(op, len, "allkeys") || ss_acl_op_is(op, len, "~*")) {
        sel->flags |= SEL_ALLKEYS;
        pats_clear(&sel->keys);
    } else if (ss_acl_op_is(op, len, "resetkeys")) {
        sel->flags &= ~SEL_ALLKEYS;
        pats_clear(&sel->keys);
    } else if (ss_acl_op_is(op, len, "allchannels") || ss_acl_op_is(op, len, "&*")) {
        sel->flags |= SEL_ALLCHANNELS;
        pats_clear(&sel->channels);
    } else if (ss_acl_op_is(op, len, "resetchannels")) {
        sel->flags &= ~SEL_ALLCHANNELS;
        pats_clear(&sel->channels);
    } else if (ss_acl_op_is(op, len, "allcommands") || ss_acl_op_is(op, len, "+@all")) {
        ss_acl_sel_all(sel, true);
    } else if (ss_acl_op_is(op, len, "nocommands") || ss_acl_op_is(op, len, "-@all")) {
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


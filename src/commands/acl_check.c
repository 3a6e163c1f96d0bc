/* ACL users described (ACL LIST, GETUSER) and checked against a command line, as Redis 7.0's ACLDescribeUser and ACLCheckAllUserCommandPerm. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/acl_internal.h"
#include "common/strutil.h"

/* ----------------------------------------------------------- describe */

static void count_cat(const acl_selector *sel, uint32_t cat, unsigned long *on, unsigned long *off)
{
    int n;
    const ss_acl_cmd *all = ss_acl_cmds(&n);
    *on = *off = 0;
    for (int i = 0; i < n; i++)
        if (all[i].cats & cat) {
            if (ss_acl_sel_bit(sel, all[i].id))
                (*on)++;
            else
                (*off)++;
        }
}

static void describe_firstargs(const acl_selector *sel, const ss_acl_cmd *c, ss_buf *out)
{
    for (int j = 0; j < sel->firstargs.n; j++)
        if (sel->firstargs.p[j].id == c->id)
            ss_buf_appendf(out, "+%s|%.*s ", c->row->name, (int)sel->firstargs.p[j].len, sel->firstargs.p[j].s);
}

/*
 * Redis's ACLDescribeSelectorCommandRules: +@all or -@all, then the
 * categories that best explain the bits (applied to a fake selector as they
 * are printed), then the single commands still different. Redis walks its
 * commands in hash order, sandstore in table order: with several single
 * commands the words may come in another order, meaning the same.
 */
static void describe_commands(const acl_selector *sel, ss_buf *out)
{
    acl_selector fake, temp;
    ss_acl_sel_init(&fake, 0);
    ss_acl_sel_init(&temp, 0);
    bool additive = !ss_acl_sel_bit(sel, SS_ACL_FUTURE_BIT);
    ss_buf_append_cstr(out, additive ? "-@all " : "+@all ");
    ss_acl_sel_all(&fake, !additive);
    memcpy(temp.bits, sel->bits, sizeof temp.bits);
    bool applied[ACL_COUNT] = {false};
    for (;;) {
        int best = -1;
        unsigned long mindiff = INT_MAX, maxsame = 0;
        for (int j = 0; j < ACL_COUNT; j++) {
            if (applied[j])
                continue;
            unsigned long on, off;
            count_cat(&temp, 1u << j, &on, &off);
            unsigned long diff = additive ? off : on, same = additive ? on : off;
            if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
                best = j;
                mindiff = diff;
                maxsame = same;
            }
        }
        if (best < 0)
            break;
        ss_acl_sel_category(&fake, 1u << best, additive);
        ss_acl_sel_category(&temp, 1u << best, !additive);
        ss_buf_appendf(out, "%c@%s ", additive ? '+' : '-', ss_acl_category_name(best));
        applied[best] = true;
    }
    int n;
    const ss_acl_cmd *all = ss_acl_cmds(&n);
    for (int i = 0; i < n; i++) {
        bool user = ss_acl_sel_bit(sel, all[i].id), faked = ss_acl_sel_bit(&fake, all[i].id);
        if (user != faked) {
            ss_buf_appendf(out, "%c%s ", user ? '+' : '-', all[i].row->name);
            ss_acl_sel_change(&fake, &all[i], user);
        }
        if (!user)
            describe_firstargs(sel, &all[i], out);
    }
    ss_acl_sel_release(&fake);
    ss_acl_sel_release(&temp);
    out->len--; /* the last space: there is always "+@all " or "-@all " */
}

static void append_key_pattern(ss_buf *out, const acl_pat *p)
{
    ss_buf_append_cstr(out, p->flags == SS_ACL_PERM_ALL ? "~" : p->flags == SS_ACL_PERM_READ ? "%R~" : "%W~");
    ss_buf_append(out, p->s, p->len);
}

static void describe_selector(const acl_selector *sel, ss_buf *out)
{
    if (sel->flags & SEL_ALLKEYS) {
        ss_buf_append(out, "~* ", 3);
    } else {
        for (int i = 0; i < sel->keys.n; i++) {
            append_key_pattern(out, &sel->keys.p[i]);
            ss_buf_append(out, " ", 1);
        }
    }
    if (sel->flags & SEL_ALLCHANNELS) {
        ss_buf_append(out, "&* ", 3);
    } else {
        ss_buf_append(out, "resetchannels ", 14);
        for (int i = 0; i < sel->channels.n; i++) {
            ss_buf_append(out, "&", 1);
            ss_buf_append(out, sel->channels.p[i].s, sel->channels.p[i].len);
            ss_buf_append(out, " ", 1);
        }
    }
    describe_commands(sel, out);
}

static const char *const user_flags[] = {"on", "off", "nopass", "skip-sanitize-payload", "sanitize-payload"};

void ss_acl_user_describe(const ss_acl_user *u, ss_buf *out)
{
    for (int j = 0; j < 5; j++)
        if (u->flags & (1u << j))
            ss_buf_appendf(out, "%s ", user_flags[j]);
    for (int i = 0; i < u->npass; i++) {
        ss_buf_append(out, "#", 1);
        ss_buf_append(out, u->pass[i], SS_ACL_HASH_LEN);
        ss_buf_append(out, " ", 1);
    }
    for (int i = 0; i < u->nsel; i++) {
        if (i > 0)
            ss_buf_append(out, " (", 2);
        describe_selector(&u->sel[i], out);
        if (i > 0)
            ss_buf_append(out, ")", 1);
    }
}

static void reply_selector(const acl_selector *sel, ss_buf *out)
{
    ss_buf b;
    ss_buf_init(&b, 0);
    resp_add_bulk_cstr(out, "commands");
    describe_commands(sel, &b);
    resp_add_bulk(out, ss_buf_data(&b), ss_buf_len(&b));
    resp_add_bulk_cstr(out, "keys");
    ss_buf_reset(&b);
    if (sel->flags & SEL_ALLKEYS)
        ss_buf_append(&b, "~*", 2);
    for (int i = 0; !(sel->flags & SEL_ALLKEYS) && i < sel->keys.n; i++) {
        if (i)
            ss_buf_append(&b, " ", 1);
        append_key_pattern(&b, &sel->keys.p[i]);
    }
    resp_add_bulk(out, ss_buf_data(&b), ss_buf_len(&b));
    resp_add_bulk_cstr(out, "channels");
    ss_buf_reset(&b);
    if (sel->flags & SEL_ALLCHANNELS)
        ss_buf_append(&b, "&*", 2);
    for (int i = 0; !(sel->flags & SEL_ALLCHANNELS) && i < sel->channels.n; i++) {
        ss_buf_append(&b, i ? " &" : "&", i ? 2 : 1);
        ss_buf_append(&b, sel->channels.p[i].s, sel->channels.p[i].len);
    }
    resp_add_bulk(out, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
}

void ss_acl_user_reply(const ss_acl_user *u, ss_buf *out, resp_proto proto)
{
    resp_add_map_len(out, proto, 6);
    resp_add_bulk_cstr(out, "flags");
    int nflags = 0;
    for (int j = 0; j < 5; j++)
        nflags += (u->flags >> j) & 1;
    resp_add_set_len(out, proto, nflags);
    for (int j = 0; j < 5; j++)
        if (u->flags & (1u << j))
            resp_add_bulk_cstr(out, user_flags[j]);
    resp_add_bulk_cstr(out, "passwords");
    resp_add_array_len(out, u->npass);
    for (int i = 0; i < u->npass; i++)
        resp_add_bulk(out, u->pass[i], SS_ACL_HASH_LEN);
    reply_selector(&u->sel[0], out);
    resp_add_bulk_cstr(out, "selectors");
    resp_add_array_len(out, u->nsel - 1);
    for (int i = 1; i < u->nsel; i++) {
        resp_add_map_len(out, proto, 3);
        reply_selector(&u->sel[i], out);
    }
}

/* -------------------------------------------------------------- check */

static bool key_allowed(const acl_selector *sel, const char *key, size_t len, uint16_t ksflags)
{
    if (sel->flags & SEL_ALLKEYS)
        return true;
    int need = 0;
    if (ksflags & KS_ACCESS)
        need |= SS_ACL_PERM_READ;
    if (ksflags & (KS_INSERT | KS_DELETE | KS_UPDATE))
        need |= SS_ACL_PERM_WRITE;
    for (int i = 0; i < sel->keys.n; i++)
        if ((sel->keys.p[i].flags & need) == need &&
            ss_stringmatch(sel->keys.p[i].s, sel->keys.p[i].len, key, len, false))
            return true;
    return false;
}

static bool channel_allowed(const acl_selector *sel, const char *ch, size_t len, bool literal)
{
    if (sel->flags & SEL_ALLCHANNELS)
        return true;
    for (int i = 0; i < sel->channels.n; i++) {
        const acl_pat *p = &sel->channels.p[i];
        if (literal ? (p->len == len && !memcmp(p->s, ch, len)) : ss_stringmatch(p->s, p->len, ch, len, false))
            return true;
    }
    return false;
}

/* Which arguments name channels: PUBLISH and SPUBLISH the first, the
 * subscribes all (PSUBSCRIBE's patterns compared literally). 0: none. */
static int channel_args(const ss_command *cmd, int argc, bool *literal)
{
    *literal = false;
    if (!strcmp(cmd->name, "publish") || !strcmp(cmd->name, "spublish"))
        return 1;
    if (!strcmp(cmd->name, "subscribe") || !strcmp(cmd->name, "ssubscribe"))
        return argc - 1;
    if (!strcmp(cmd->name, "psubscribe")) {
        *literal = true;
        return argc - 1;
    }
    return 0;
}

/* The keys of a command line, found once for every selector. */
typedef struct key_cache {
    bool init;
    int n;
    ss_keyref *keys;
} key_cache;

static int selector_check(const acl_selector *sel, const ss_acl_cmd *c, const ss_command *cmd, const ss_args *a,
                          int *pos, key_cache *kc)
{
    if (!(sel->flags & SEL_ALLCOMMANDS) && !(cmd->flags & CMD_NOAUTH) && !ss_acl_sel_bit(sel, c->id)) {
        bool first_ok = false;
        int at = c->parent >= 0 ? 2 : 1;
        for (int i = 0; a->argc > at && i < sel->firstargs.n && !first_ok; i++)
            first_ok = sel->firstargs.p[i].id == c->id && sel->firstargs.p[i].len == a->argvlen[at] &&
                       !strncasecmp(sel->firstargs.p[i].s, a->argv[at], a->argvlen[at]);
        if (!first_ok)
            return SS_ACL_DENIED_CMD;
    }
    if (!(sel->flags & SEL_ALLKEYS) && ss_command_has_keys(cmd)) {
        if (!kc->init) {
            kc->init = true;
            kc->keys = malloc(sizeof *kc->keys * (size_t)SS_KEYSPECS_MAX * (size_t)(a->argc + 1));
            if (!kc->keys)
                abort();
            kc->n = ss_command_getkeys(cmd, a, kc->keys);
        }
        for (int j = 0; j < kc->n; j++) {
            int p = kc->keys[j].pos;
            if (!key_allowed(sel, a->argv[p], a->argvlen[p], kc->keys[j].flags)) {
                *pos = p;
                return SS_ACL_DENIED_KEY;
            }
        }
    }
    bool literal;
    int nch = (sel->flags & SEL_ALLCHANNELS) ? 0 : channel_args(cmd, a->argc, &literal);
    for (int j = 1; j <= nch && j < a->argc; j++)
        if (!channel_allowed(sel, a->argv[j], a->argvlen[j], literal)) {
            *pos = j;
            return SS_ACL_DENIED_CHANNEL;
        }
    return SS_ACL_OK;
}

bool ss_acl_user_channel_ok(const ss_acl_user *u, const char *ch, size_t len, bool pattern)
{
    for (int i = 0; i < u->nsel; i++)
        if (channel_allowed(&u->sel[i], ch, len, pattern))
            return true;
    return false;
}

int ss_acl_user_check(const ss_acl_user *u, const ss_command *cmd, const ss_args *a, int *pos)
{
    const ss_acl_cmd *c = ss_acl_cmd_of(cmd);
    if (c == NULL)
        return SS_ACL_DENIED_CMD;
    int relevant = SS_ACL_DENIED_CMD, last = 0;
    key_cache kc = {0};
    for (int i = 0; i < u->nsel; i++) {
        int p = 0;
        int r = selector_check(&u->sel[i], c, cmd, a, &p, &kc);
        if (r == SS_ACL_OK) {
            free(kc.keys);
            return SS_ACL_OK;
        }
        if (r > relevant || (r == relevant && p > last)) {
            relevant = r;
            last = p;
        }
    }
    free(kc.keys);
    *pos = last;
    return relevant;
}

/* ------------------------------------------------------------ ACL CAT */

void ss_acl_cat_reply(uint32_t cat, ss_buf *out)
{
    int n, count = 0;
    const ss_acl_cmd *all = ss_acl_cmds(&n);
    for (int i = 0; i < n; i++)
        count += (all[i].cats & cat) != 0;
    resp_add_array_len(out, count);
    for (int i = 0; i < n; i++)
        if (all[i].cats & cat)
            resp_add_bulk_cstr(out, all[i].row->name);
}

/* ACL: the command's rows, its local subcommands, and the apply half of `__acl` entries (SETUSER DELUSER LOAD through the log; connections and checks: acl_session.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "commands/acl.h"
#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "common/clock.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "store/aux.h"

#define ACL_FILE_MAX (64u << 20) /* an aclfile bigger than this is refused */

/* ------------------------------------------------ the records in the store */

/* A user from its record (ACL LIST's words). */
static ss_acl_user *user_from_words(const char *name, size_t nlen, const char *words, size_t len)
{
    ss_acl_user *u = ss_acl_user_new(name, nlen);
    int n = 0;
    char **argv = calloc(len / 2 + 2, sizeof *argv);
    size_t *argvlen = calloc(len / 2 + 2, sizeof *argvlen);
    if (!argv || !argvlen)
        abort();
    for (size_t i = 0; i < len;) {
        while (i < len && words[i] == ' ')
            i++;
        size_t start = i;
        while (i < len && words[i] != ' ')
            i++;
        if (i > start) {
            argv[n] = (char *)words + start;
            argvlen[n++] = i - start;
        }
    }
    ss_acl_rules r;
    int bad;
    if (ss_acl_rules_merge(n, argv, argvlen, &r, &bad)) {
        for (int j = 0; j < r.n; j++)
            if (ss_acl_user_set(u, r.op[j], r.len[j]) != SS_ACLE_OK)
                LOG_WARNING("acl: user '%.*s': its recorded rule '%s' no longer applies", (int)nlen, name, r.op[j]);
        ss_acl_rules_free(&r);
    }
    free(argv);
    free(argvlen);
    return u;
}

static int load_record(void *ud, ss_slice name, ss_slice val)
{
    ss_acl *acl = ud;
    ss_acl_put(acl, user_from_words(name.data, name.len, val.data, val.len));
    if (name.len == 7 && !memcmp(name.data, "default", 7))
        ss_acl_set_default_recorded(acl, true);
    return 0;
}

int ss_acl_reload(ss_node *node, ss_txn *txn)
{
    ss_acl_set_requirepass(node->acl, node->cfg->requirepass);
    ss_acl_clear(node->acl);
    return ss_aux_each(txn, SS_AUX_ACL, load_record, node->acl);
}

static int record_user(ss_txn *txn, const ss_acl_user *u)
{
    ss_buf b;
    ss_buf_init(&b, 0);
    ss_acl_user_describe(u, &b);
    size_t nlen;
    const char *name = ss_acl_user_name(u, &nlen);
    int rc = ss_aux_put(txn, SS_AUX_ACL, name, nlen, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
    return rc;
}

/* ---------------------------------------------- SETUSER DELUSER LOAD */

/* SETUSER's rules on a copy of the user (or a new one): the user, or NULL
 * with the error replied. The same on the node that receives the command
 * and in apply, so that apply answers what the prepare would have. */
static ss_acl_user *setuser_result(ss_acl *acl, const ss_args *a, int first, ss_buf *out)
{
    const char *name = a->argv[first - 1];
    size_t nlen = a->argvlen[first - 1];
    if (ss_acl_has_spaces(name, nlen)) {
        ss_reply_err(out, RERR_ACL_USERNAME);
        return NULL;
    }
    ss_acl_rules r;
    int bad;
    if (!ss_acl_rules_merge(a->argc - first, a->argv + first, a->argvlen + first, &r, &bad)) {
        int at = first + bad;
        ss_reply_err(out, RERR_ACL_PAREN, (int)a->argvlen[at], a->argv[at]);
        return NULL;
    }
    const ss_acl_user *old = ss_acl_find(acl, name, nlen);
    if (old == NULL && ss_acl_count(acl) >= SS_ACL_MAX_USERS) {
        ss_acl_rules_free(&r);
        ss_reply_err(out, RERR_ACL_TOO_MANY_USERS, SS_ACL_MAX_USERS);
        return NULL;
    }
    ss_acl_user *u = old ? ss_acl_user_copy(old, name, nlen) : ss_acl_user_new(name, nlen);
    for (int j = 0; j < r.n; j++) {
        ss_acl_err e = ss_acl_user_set(u, r.op[j], r.len[j]);
        if (e != SS_ACLE_OK) {
            ss_reply_err(out, RERR_ACL_MODIFIER, (int)r.len[j], r.op[j], ss_acl_err_text(e));
            ss_acl_user_free(u);
            u = NULL;
            break;
        }
    }
    ss_acl_rules_free(&r);
    return u;
}

static bool deluser_ok(const ss_args *a, int first, ss_buf *out)
{
    for (int j = first; j < a->argc; j++)
        if (a->argvlen[j] == 7 && !memcmp(a->argv[j], "default", 7)) {
            ss_reply_err(out, RERR_ACL_DEL_DEFAULT);
            return false;
        }
    return true;
}

/* Reads the aclfile (bounded) into b; false with the error replied. */
static bool read_aclfile(const char *path, ss_buf *b, ss_buf *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        resp_add_errorf(out, "ERR Error loading ACLs, opening file '%s': %s", path, strerror(errno));
        return false;
    }
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (ss_buf_len(b) + n > ACL_FILE_MAX) {
            fclose(f);
            resp_add_errorf(out, "ERR Error loading ACLs: '%s' is over %u bytes", path, ACL_FILE_MAX);
            return false;
        }
        ss_buf_append(b, chunk, n);
    }
    fclose(f);
    return true;
}

void ss_acl_entry_release(ss_acl_entry *ent)
{
    free(ent->argv);
    free(ent->argvlen);
    ss_buf_release(&ent->file);
    *ent = (ss_acl_entry){0};
}

bool ss_acl_entry_build_queued(ss_node *node, const ss_command *cmd, const ss_args *a, ss_acl_entry *ent)
{
    ss_buf err;
    ss_buf_init(&err, 0);
    bool ok = ss_acl_entry_build(node, cmd, a, &err, ent);
    if (!ok) {
        /* "__acl fail SUB TEXT": apply answers TEXT in the command's place
         * (its user's right to run ACL SUB is checked first, as Redis does) */
        ss_acl_entry_release(ent);
        ss_buf_init(&ent->file, 0);
        size_t n = ss_buf_len(&err);
        const char *t = ss_buf_data(&err);
        if (ss_buf_error(&err) || n < 3 || t[0] != '-')
            ss_buf_append(&ent->file, "ERR out of memory", 17);
        else
            ss_buf_append(&ent->file, t + 1, n - 3);
        ent->argv = calloc(4, sizeof *ent->argv);
        ent->argvlen = calloc(4, sizeof *ent->argvlen);
        if (!ent->argv || !ent->argvlen || ss_buf_error(&ent->file))
            abort();
        ent->argv[0] = "__acl";
        ent->argvlen[0] = 5;
        ent->argv[1] = "fail";
        ent->argvlen[1] = 4;
        ent->argv[2] = (char *)cmd->name + 4; /* after "acl|" */
        ent->argvlen[2] = strlen(cmd->name + 4);
        ent->argv[3] = ss_buf_data(&ent->file);
        ent->argvlen[3] = ss_buf_len(&ent->file);
        ent->args = (ss_args){4, ent->argv, ent->argvlen};
    }
    ss_buf_release(&err);
    return ok;
}

bool ss_acl_entry_build(ss_node *node, const ss_command *cmd, const ss_args *a, ss_buf *out, ss_acl_entry *ent)
{
    *ent = (ss_acl_entry){0};
    ss_buf_init(&ent->file, 0);
    const char *sub = cmd->name + 4; /* after "acl|" */
    if (!strcmp(sub, "setuser")) {
        ss_acl_user *u = setuser_result(node->acl, a, 3, out);
        if (!u)
            return false;
        ss_acl_user_free(u);
    } else if (!strcmp(sub, "deluser")) {
        if (!deluser_ok(a, 2, out))
            return false;
    } else {
        const char *path = node->cfg->aclfile;
        if (path == NULL || path[0] == '\0') {
            ss_reply_err(out, RERR_ACL_NOFILE);
            return false;
        }
        if (!read_aclfile(path, &ent->file, out))
            return false;
        ss_acl *parsed;
        ss_buf err;
        ss_buf_init(&err, 0);
        bool ok = ss_acl_parse_file(ss_buf_data(&ent->file), ss_buf_len(&ent->file), path, &parsed, &err);
        if (ok)
            ss_acl_free(parsed);
        else
            resp_add_errorf(out, "ERR %.*s", (int)ss_buf_len(&err), ss_buf_data(&err));
        ss_buf_release(&err);
        if (!ok)
            return false;
    }
    /* "__acl" setuser|deluser NAME..., or "__acl" load PATH TEXT */
    int argc = !strcmp(sub, "load") ? 4 : a->argc;
    ent->argv = calloc((size_t)argc, sizeof *ent->argv);
    ent->argvlen = calloc((size_t)argc, sizeof *ent->argvlen);
    if (!ent->argv || !ent->argvlen)
        abort();
    ent->argv[0] = "__acl";
    ent->argvlen[0] = 5;
    ent->argv[1] = (char *)sub;
    ent->argvlen[1] = strlen(sub);
    if (argc == 4 && !strcmp(sub, "load")) {
        ent->argv[2] = node->cfg->aclfile;
        ent->argvlen[2] = strlen(node->cfg->aclfile);
        ent->argv[3] = ss_buf_data(&ent->file) ? ss_buf_data(&ent->file) : "";
        ent->argvlen[3] = ss_buf_len(&ent->file);
    } else {
        for (int i = 2; i < argc; i++) {
            ent->argv[i] = a->argv[i];
            ent->argvlen[i] = a->argvlen[i];
        }
    }
    ent->args = (ss_args){argc, ent->argv, ent->argvlen};
    return true;
}

/* The apply half, on every node: the same state and the same reply everywhere. */
static void aclApplyExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_acl *acl = ctx->node->acl;
    ss_buf *out = ctx->out;
    int rc = SS_OK;
    if (ss_arg_is(a, 1, "setuser") && a->argc >= 3) {
        ss_acl_user *u = setuser_result(acl, a, 3, out);
        if (!u)
            return;
        rc = record_user(ctx->txn, u);
        if (rc == SS_OK) {
            if (a->argvlen[2] == 7 && !memcmp(a->argv[2], "default", 7))
                ss_acl_set_default_recorded(acl, true);
            ss_acl_put(acl, u);
            resp_add_shared(out, RESP_SH_OK);
        } else {
            ss_acl_user_free(u);
        }
    } else if (ss_arg_is(a, 1, "deluser") && a->argc >= 3) {
        if (!deluser_ok(a, 2, out))
            return;
        long long deleted = 0;
        for (int j = 2; j < a->argc && rc == SS_OK; j++)
            if (ss_acl_find(acl, a->argv[j], a->argvlen[j])) {
                rc = ss_aux_del(ctx->txn, SS_AUX_ACL, a->argv[j], a->argvlen[j]);
                ss_acl_del(acl, a->argv[j], a->argvlen[j]);
                deleted++;
            }
        if (rc == SS_OK)
            resp_add_int(out, deleted);
    } else if (ss_arg_is(a, 1, "fail") && a->argc == 4) {
        /* queued in MULTI and refused when EXEC built the entry: its error,
         * one line (whatever the log holds, the reply stays RESP) */
        bool one_line = !memchr(a->argv[3], '\r', a->argvlen[3]) && !memchr(a->argv[3], '\n', a->argvlen[3]);
        if (one_line && a->argvlen[3] > 0)
            resp_add_error_len(out, a->argv[3], a->argvlen[3]);
        else
            ss_reply_err(out, RERR_INTERNAL, "malformed acl entry");
        return;
    } else if (ss_arg_is(a, 1, "load") && a->argc == 4) {
        ss_acl *parsed;
        ss_buf err;
        ss_buf_init(&err, 0);
        if (!ss_acl_parse_file(a->argv[3], a->argvlen[3], a->argv[2], &parsed, &err)) {
            resp_add_errorf(out, "ERR %.*s", (int)ss_buf_len(&err), ss_buf_data(&err));
            ss_buf_release(&err);
            return;
        }
        ss_buf_release(&err);
        rc = ss_aux_clear(ctx->txn, SS_AUX_ACL, NULL);
        for (size_t i = 0; i < ss_acl_count(parsed) && rc == SS_OK; i++)
            rc = record_user(ctx->txn, ss_acl_at(parsed, i));
        ss_acl_adopt(acl, parsed);
        if (rc == SS_OK)
            resp_add_shared(out, RESP_SH_OK);
    } else {
        ss_reply_err(out, RERR_INTERNAL, "malformed acl entry");
        return;
    }
    if (rc != SS_OK) {
        ctx->status = rc;
        ss_reply_err(out, RERR_INTERNAL, ss_strerror(rc));
        return;
    }
    /* The connections this change leaves without a right to stay close
     * now, on every node at this entry (Redis 7.0 closes them at once). */
    if (ctx->node->ops && ctx->node->ops->acl_changed)
        ctx->node->ops->acl_changed(ctx->node->ctx, ss_arg_is(a, 1, "load"));
}

/* -------------------------------------------------- local subcommands */

static void aclCatCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (a->argc == 2) {
        resp_add_array_len(out, ACL_COUNT);
        for (int i = 0; i < ACL_COUNT; i++)
            resp_add_bulk_cstr(out, ss_acl_category_name(i));
        return;
    }
    if (a->argc > 3) {
        ss_reply_unknown_subcommand(out, a);
        return;
    }
    uint32_t cat = ss_acl_category(a->argv[2], a->argvlen[2]);
    if (cat == 0) {
        ss_reply_err(out, RERR_ACL_CATEGORY, a->argv[2]);
        return;
    }
    ss_acl_cat_reply(cat, out);
}

static void aclDryrunCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    const ss_acl_user *u = ss_acl_find(node->acl, a->argv[2], a->argvlen[2]);
    if (u == NULL) {
        ss_reply_err(out, RERR_ACL_NOUSER, (int)a->argvlen[2], a->argv[2]);
        return;
    }
    ss_args line = {a->argc - 3, a->argv + 3, a->argvlen + 3};
    const ss_command *cmd = ss_command_find(&line, NULL);
    if (cmd == NULL || (cmd->flags & CMD_INTERNAL)) {
        ss_reply_err(out, RERR_ACL_NOCMD, (int)a->argvlen[3], a->argv[3]);
        return;
    }
    int pos = 0;
    int r = ss_acl_user_check(u, cmd, &line, &pos);
    if (r == SS_ACL_OK) {
        resp_add_shared(out, RESP_SH_OK);
        return;
    }
    ss_buf b;
    ss_buf_init(&b, 0);
    if (r == SS_ACL_DENIED_CMD)
        ss_buf_appendf(&b, "This user has no permissions to run the '%s' command", cmd->name);
    else
        ss_buf_appendf(&b, "This user has no permissions to access the '%.*s' %s", (int)line.argvlen[pos],
                       line.argv[pos], r == SS_ACL_DENIED_KEY ? "key" : "channel");
    resp_add_bulk(out, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
}

static void aclGenpassCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    long long bits = 256;
    if (a->argc > 3) {
        ss_reply_unknown_subcommand(out, a);
        return;
    }
    if (a->argc == 3 && !ss_parse_ll(a->argv[2], a->argvlen[2], &bits)) {
        ss_reply_err(out, RERR_NOTINT);
        return;
    }
    if (bits <= 0 || bits > 4096) {
        ss_reply_err(out, RERR_ACL_GENPASS);
        return;
    }
    static const char digits[] = "0123456789abcdef";
    unsigned char raw[512];
    char hex[1024];
    size_t chars = (size_t)(bits + 3) / 4;
    if (getrandom(raw, (chars + 1) / 2, 0) != (ssize_t)((chars + 1) / 2)) {
        ss_reply_err(out, RERR_INTERNAL, "no random bytes");
        return;
    }
    for (size_t i = 0; i < chars; i++)
        hex[i] = digits[(raw[i / 2] >> ((i & 1) ? 0 : 4)) & 15];
    resp_add_bulk(out, hex, chars);
}

static void aclGetuserCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    ss_acl_set_requirepass(node->acl, node->cfg->requirepass);
    const ss_acl_user *u = ss_acl_find(node->acl, a->argv[2], a->argvlen[2]);
    if (u == NULL)
        resp_add_null_bulk(out, s->proto); /* Redis 7.0.15 answers nil, not an error */
    else
        ss_acl_user_reply(u, out, s->proto);
}

static void acl_list(ss_node *node, ss_buf *out, bool names_only)
{
    ss_acl_set_requirepass(node->acl, node->cfg->requirepass);
    size_t n = ss_acl_count(node->acl);
    resp_add_array_len(out, (long long)n);
    ss_buf b;
    ss_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        const ss_acl_user *u = ss_acl_at(node->acl, i);
        size_t nlen;
        const char *name = ss_acl_user_name(u, &nlen);
        if (names_only) {
            resp_add_bulk(out, name, nlen);
            continue;
        }
        ss_buf_reset(&b);
        ss_buf_append(&b, "user ", 5);
        ss_buf_append(&b, name, nlen);
        ss_buf_append(&b, " ", 1);
        ss_acl_user_describe(u, &b);
        resp_add_bulk(out, ss_buf_data(&b), ss_buf_len(&b));
    }
    ss_buf_release(&b);
}

static void aclListCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out) { acl_list(node, out, false); }
static void aclUsersCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out) { acl_list(node, out, true); }

static void aclLogCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    long long count = 10;
    if (a->argc > 3) {
        ss_reply_unknown_subcommand(out, a);
        return;
    }
    if (a->argc == 3) {
        if (ss_arg_is(a, 2, "reset")) {
            ss_acl_log_reset(node->acl);
            resp_add_shared(out, RESP_SH_OK);
            return;
        }
        if (!ss_parse_ll(a->argv[2], a->argvlen[2], &count)) {
            ss_reply_err(out, RERR_NOTINT);
            return;
        }
    }
    ss_acl_log_reply(node->acl, count > 1000000 ? 1000000 : (long)count, ss_clock_wall_ms(), out, s->proto);
}

/* ACL SAVE: this node's users (the cluster's, at its applied index) into
 * its aclfile, replaced whole and durably. */
static void aclSaveCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    const char *path = node->cfg->aclfile;
    if (path == NULL || path[0] == '\0') {
        ss_reply_err(out, RERR_ACL_NOFILE);
        return;
    }
    ss_acl_set_requirepass(node->acl, node->cfg->requirepass);
    ss_buf text;
    ss_buf_init(&text, 0);
    for (size_t i = 0; i < ss_acl_count(node->acl); i++) {
        size_t nlen;
        const char *name = ss_acl_user_name(ss_acl_at(node->acl, i), &nlen);
        ss_buf_append(&text, "user ", 5);
        ss_buf_append(&text, name, nlen);
        ss_buf_append(&text, " ", 1);
        ss_acl_user_describe(ss_acl_at(node->acl, i), &text);
        ss_buf_append(&text, "\n", 1);
    }
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path == 0 ? 1 : slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    char errmsg[256] = "";
    /* A few kilobytes, written and fsynced at once as Redis does: ACL SAVE
     * is an operator's command, not on any client's path. */
    int rc = ss_write_file_durable(dir, slash ? slash + 1 : path, ss_buf_data(&text), ss_buf_len(&text), errmsg);
    ss_buf_release(&text);
    if (rc != SS_OK) {
        LOG_WARNING("acl: ACL SAVE to %s failed: %s", path, errmsg);
        ss_reply_err(out, RERR_ACL_SAVE);
        return;
    }
    resp_add_shared(out, RESP_SH_OK);
}

static void aclWhoamiCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (s->user)
        resp_add_bulk(out, s->user, s->user_len);
    else
        resp_add_bulk_cstr(out, "default");
}

static void aclHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    static const char *const lines[] = {
        "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CAT [<category>]",
        "    List all commands that belong to <category>, or all command categories",
        "    when no category is specified.",
        "DELUSER <username> [<username> ...]",
        "    Delete a list of users.",
        "DRYRUN <username> <command> [<arg> ...]",
        "    Returns whether the user can execute the given command without executing the command.",
        "GETUSER <username>",
        "    Get the user's details.",
        "GENPASS [<bits>]",
        "    Generate a secure 256-bit user password. The optional `bits` argument can",
        "    be used to specify a different size.",
        "LIST",
        "    Show users details in config file format.",
        "LOAD",
        "    Reload users from the ACL file.",
        "LOG [<count> | RESET]",
        "    Show the ACL log entries.",
        "SAVE",
        "    Save the current config to the ACL file.",
        "SETUSER <username> <attribute> [<attribute> ...]",
        "    Create or modify a user with the specified attributes.",
        "USERS",
        "    List all the registered usernames.",
        "WHOAMI",
        "    Return the current connection username.",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, lines);
}

#define ACL_FL (CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define ACL_ADMIN_FL (CMD_ADMIN | ACL_FL)
/* Changes the cluster's users: engine/acl.c makes an `__acl` entry of it. */
#define SS_ACL_ROUTED(nm, ar, fl) SS_ROW(nm, ar, CMD_ACL | CMD_NO_LOG | (fl), 0)

static const ss_command acl_subcommands[] = {
    SS_LOCAL("acl|cat", -2, ACL_FL, 0, aclCatCommand),
    SS_ACL_ROUTED("acl|deluser", -3, ACL_ADMIN_FL),
    SS_LOCAL("acl|dryrun", -4, ACL_ADMIN_FL, 0, aclDryrunCommand),
    SS_LOCAL("acl|genpass", -2, ACL_FL, 0, aclGenpassCommand),
    SS_LOCAL("acl|getuser", 3, ACL_ADMIN_FL, 0, aclGetuserCommand),
    SS_LOCAL("acl|help", 2, CMD_LOADING | CMD_STALE, 0, aclHelpCommand),
    SS_LOCAL("acl|list", 2, ACL_ADMIN_FL, 0, aclListCommand),
    SS_ACL_ROUTED("acl|load", 2, ACL_ADMIN_FL),
    SS_LOCAL("acl|log", -2, ACL_ADMIN_FL, 0, aclLogCommand),
    SS_LOCAL("acl|save", 2, ACL_ADMIN_FL, 0, aclSaveCommand),
    SS_ACL_ROUTED("acl|setuser", -3, ACL_ADMIN_FL),
    SS_LOCAL("acl|users", 2, ACL_ADMIN_FL, 0, aclUsersCommand),
    SS_LOCAL("acl|whoami", 2, ACL_FL, 0, aclWhoamiCommand),
    SS_END,
};

const ss_command ss_cmds_acl[] = {
    SS_CONTAINER("acl", -2, 0, 0, acl_subcommands),
    /* __acl setuser NAME RULES... | deluser NAME... | load PATH TEXT */
    SS_INTERNAL("__acl", -3, aclApplyExec),
};
SS_COUNT(ss_cmds_acl);

/* Who a connection is: the ACL user of a session, AUTH's check, and the check of every command at dispatch and of a script's calls, with ACL LOG. */
#include <stdlib.h>
#include <string.h>

#include "commands/acl.h"
#include "commands/keyhelpers.h"
#include "commands/pubsub.h"
#include "common/clock.h"

/* -------------------------------------------------------- connections */

static const ss_acl_user *session_user(ss_node *node, const ss_session *s)
{
    return s->user ? ss_acl_find(node->acl, s->user, s->user_len) : ss_acl_find(node->acl, "default", 7);
}

void ss_acl_session_login(ss_session *s, const char *name, size_t len)
{
    free(s->user);
    s->user = NULL;
    s->user_len = 0;
    if (len == 7 && !memcmp(name, "default", 7))
        return;
    s->user = malloc(len + 1);
    if (!s->user)
        abort();
    memcpy(s->user, name, len);
    s->user[len] = '\0';
    s->user_len = len;
}

void ss_acl_session_start(ss_node *node, ss_session *s)
{
    ss_acl_set_requirepass(node->acl, node->cfg->requirepass);
    ss_acl_session_login(s, "default", 7);
    const ss_acl_user *u = ss_acl_find(node->acl, "default", 7);
    s->authenticated = u && ss_acl_user_nopass(u) && ss_acl_user_enabled(u);
}

static void log_denial(ss_node *node, ss_session *s, int reason, int context, const char *obj, size_t olen,
                       const char *user, size_t ulen)
{
    char cinfo[1024];
    /* Every field of a CLIENT LIST line, as clients parse ACL LOG's (redis-py
     * does); the socket's figures are the server's, not known here: zeros. */
    ss_conn_info conn = {.fd = -1, .events = "r"};
    ss_session_describe(s, &conn, cinfo, sizeof cinfo);
    ss_acl_log_add(node->acl, reason, context, obj, olen, user, ulen, cinfo, ss_clock_wall_ms(),
                   (size_t)node->cfg->acllog_max_len);
}

bool ss_acl_authenticate(ss_node *node, ss_session *s, const char *cmdname, const char *user, size_t ulen,
                         const char *pass, size_t plen, ss_buf *out)
{
    ss_acl_set_requirepass(node->acl, node->cfg->requirepass);
    if (user == NULL) {
        const ss_acl_user *d = ss_acl_find(node->acl, "default", 7);
        if (d && ss_acl_user_nopass(d)) {
            ss_reply_err(out, RERR_AUTH_NOPASS);
            return false;
        }
        user = "default";
        ulen = 7;
    }
    const ss_acl_user *u = ss_acl_find(node->acl, user, ulen);
    if (u && ss_acl_user_check_password(u, pass, plen))
        return true;
    s->auth_failures++;
    log_denial(node, s, SS_ACL_DENIED_AUTH, s->in_multi ? SS_ACL_CTX_MULTI : SS_ACL_CTX_TOPLEVEL, cmdname,
               strlen(cmdname), user, ulen);
    ss_reply_err(out, RERR_WRONGPASS);
    return false;
}

bool ss_acl_permit(ss_node *node, ss_session *s, const ss_command *cmd, const ss_args *a, ss_buf *out)
{
    const ss_acl_user *u = session_user(node, s);
    if (u == NULL) {
        /* Its user was deleted (Redis closes such connections at once). */
        ss_acl_session_login(s, "default", 7);
        s->authenticated = false;
        s->close_after_reply = true;
        ss_reply_err(out, RERR_NOAUTH);
        return false;
    }
    int pos = 0;
    int r = ss_acl_user_check(u, cmd, a, &pos);
    if (r == SS_ACL_OK)
        return true;
    size_t ulen;
    const char *uname = ss_acl_user_name(u, &ulen);
    const char *obj = r == SS_ACL_DENIED_CMD ? cmd->name : a->argv[pos];
    size_t olen = r == SS_ACL_DENIED_CMD ? strlen(cmd->name) : a->argvlen[pos];
    log_denial(node, s, r, s->in_multi ? SS_ACL_CTX_MULTI : SS_ACL_CTX_TOPLEVEL, obj, olen, uname, ulen);
    if (r == SS_ACL_DENIED_CMD)
        ss_reply_err(out, RERR_NOPERM_CMD, cmd->name);
    else
        ss_reply_err(out, r == SS_ACL_DENIED_KEY ? RERR_NOPERM_KEY : RERR_NOPERM_CHANNEL);
    return false;
}

/* A command line checked against the user named so (NULL: the default
 * one; *user and *ulen then name it): a user that is gone may run nothing. */
static int check_named(ss_node *node, const char **user, size_t *ulen, const ss_command *cmd, const ss_args *a,
                       int *pos)
{
    if (*user == NULL) {
        *user = "default";
        *ulen = 7;
    }
    const ss_acl_user *u = ss_acl_find(node->acl, *user, *ulen);
    *pos = 0;
    return u ? ss_acl_user_check(u, cmd, a, pos) : SS_ACL_DENIED_CMD;
}

bool ss_acl_exec_permit(ss_node *node, const char *user, size_t ulen, ss_session *s, const ss_args *a,
                        ss_buf *out)
{
    /* ACL SETUSER/DELUSER/LOAD queued in MULTI are "__acl SUB ..." (or
     * "__acl fail SUB ERROR") in the entry: the user needs ACL SUB */
    char *acl_argv[2] = {(char *)"acl", NULL};
    size_t acl_lens[2] = {3, 0};
    ss_args acl_line;
    if (a->argc >= 2 && a->argvlen[0] == 5 && !memcmp(a->argv[0], "__acl", 5)) {
        int at = (a->argc >= 3 && a->argvlen[1] == 4 && !memcmp(a->argv[1], "fail", 4)) ? 2 : 1;
        acl_argv[1] = a->argv[at];
        acl_lens[1] = a->argvlen[at];
        acl_line = (ss_args){2, acl_argv, acl_lens};
        a = &acl_line;
    }
    const ss_command *cmd = ss_command_find(a, NULL);
    if (cmd == NULL)
        return true;
    int pos;
    int r = check_named(node, &user, &ulen, cmd, a, &pos);
    if (r == SS_ACL_OK)
        return true;
    if (s) {
        const char *obj = r == SS_ACL_DENIED_CMD ? cmd->name : a->argv[pos];
        size_t olen = r == SS_ACL_DENIED_CMD ? strlen(cmd->name) : a->argvlen[pos];
        log_denial(node, s, r, SS_ACL_CTX_MULTI, obj, olen, user, ulen);
    }
    ss_reply_err(out, RERR_NOPERM_EXEC,
                 r == SS_ACL_DENIED_CMD   ? "no permission to execute the command or subcommand"
                 : r == SS_ACL_DENIED_KEY ? "no permission to touch the specified keys"
                 : r == SS_ACL_DENIED_CHANNEL ? "no permission to access one of the channels used as arguments"
                                              : "no permission");
    return false;
}

static bool subscription_ok(void *arg, int kind, const char *name, size_t len)
{
    return ss_acl_user_channel_ok(arg, name, len, kind == SS_PS_PATTERN);
}

bool ss_acl_session_keeps(ss_node *node, ss_session *s, bool every_user)
{
    if (every_user && s->user != NULL)
        return false;
    const ss_acl_user *u = session_user(node, s);
    if (u == NULL)
        return false;
    return s->subscribed == 0 || ss_pubsub_session_each(s, subscription_ok, (void *)u);
}

bool ss_acl_script_allows(ss_node *node, const char *user, size_t ulen, const ss_command *cmd, const ss_args *a)
{
    const ss_acl_user *u = user ? ss_acl_find(node->acl, user, ulen) : ss_acl_find(node->acl, "default", 7);
    int pos;
    return u && ss_acl_user_check(u, cmd, a, &pos) == SS_ACL_OK;
}

bool ss_acl_script_permit(ss_node *node, const char *user, size_t ulen, const ss_command *cmd, const ss_args *a,
                          ss_buf *reply)
{
    int pos;
    int r = check_named(node, &user, &ulen, cmd, a, &pos);
    if (r == SS_ACL_OK)
        return true;
    /* No connection runs it here (apply runs it on every node, each of
     * which logs it): the client-info is a blank one of that user. */
    ss_session blank;
    ss_session_init(&blank, 0, true);
    blank.user = (char *)user;
    blank.user_len = ulen;
    const char *obj = r == SS_ACL_DENIED_CMD ? cmd->name : a->argv[pos];
    size_t olen = r == SS_ACL_DENIED_CMD ? strlen(cmd->name) : a->argvlen[pos];
    log_denial(node, &blank, r, SS_ACL_CTX_LUA, obj, olen, user, ulen);
    if (r == SS_ACL_DENIED_CMD)
        resp_add_error(reply, "ERR The user executing the script can't run this command or subcommand");
    else if (r == SS_ACL_DENIED_KEY)
        resp_add_error(reply, "ERR The user executing the script can't access at least one of the keys mentioned in "
                              "the command arguments");
    else
        resp_add_error(reply, "ERR The user executing the script can't publish to the channel mentioned in the command");
    return false;
}


/* Connection commands: PING ECHO SELECT QUIT HELLO AUTH CLIENT RESET (MULTI and friends are listed here, run by src/engine/multi.c). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "commands/acl.h"
#include "commands/client_cmds.h"
#include "commands/families.h"
#include "commands/keyhelpers.h"

#define SS_REDIS_COMPAT_VERSION "7.0.15"
/* What HELLO's "mode" says, as INFO's redis_mode: sandstore presents its
 * Raft group as a Redis Cluster of one shard (src/commands/cmd_cluster.c). */
#define SS_REDIS_MODE "cluster"

/* PING and ECHO have an exec half too, so they may sit inside MULTI. */
static void ping_reply(ss_buf *out, const ss_args *a)
{
    if (a->argc == 1)
        resp_add_shared(out, RESP_SH_PONG);
    else
        resp_add_bulk(out, a->argv[1], a->argvlen[1]);
}

/* A subscribed RESP2 connection gets ["pong", message or ""], as Redis. */
static void pingCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (s->subscribed > 0 && s->proto == RESP2) {
        resp_add_array_len(out, 2);
        resp_add_bulk_cstr(out, "pong");
        resp_add_bulk(out, a->argc > 1 ? a->argv[1] : "", a->argc > 1 ? a->argvlen[1] : 0);
        return;
    }
    ping_reply(out, a);
}
static void pingExec(ss_exec_ctx *ctx, const ss_args *a) { ping_reply(ctx->out, a); }
static void echoCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    resp_add_bulk(out, a->argv[1], a->argvlen[1]);
}
static void echoExec(ss_exec_ctx *ctx, const ss_args *a) { resp_add_bulk(ctx->out, a->argv[1], a->argvlen[1]); }

static void selectCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    long long db;
    if (!ss_parse_ll(a->argv[1], a->argvlen[1], &db)) {
        ss_reply_err(out, RERR_NOTINT);
        return;
    }
    if (db < 0 || db >= node->cfg->databases) {
        ss_reply_err(out, RERR_DB_INDEX);
        return;
    }
    s->db = (int)db;
    resp_add_shared(out, RESP_SH_OK);
}

/* SELECT queued in MULTI (Redis 7.0 allows it): the commands after it in
 * the transaction run in db, and EXEC leaves the connection there
 * (engine/multi.c). The range is the store's, the same on every node: EXEC
 * rewrites an index past this node's databases directive before proposing. */
static void selectExec(ss_exec_ctx *ctx, const ss_args *a)
{
    long long db;
    if (!ss_parse_ll(a->argv[1], a->argvlen[1], &db)) {
        ss_reply_err(ctx->out, RERR_NOTINT);
        return;
    }
    if (db < 0 || db >= SS_KS_DBS) {
        ss_reply_err(ctx->out, RERR_DB_INDEX);
        return;
    }
    ctx->db = (int)db;
    resp_add_shared(ctx->out, RESP_SH_OK);
}

static void quitCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    s->close_after_reply = true;
    resp_add_shared(out, RESP_SH_OK);
}

static void authCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (a->argc > 3) {
        ss_reply_err(out, RERR_SYNTAX);
        return;
    }
    const char *user = a->argc == 3 ? a->argv[1] : NULL;
    size_t ulen = a->argc == 3 ? a->argvlen[1] : 0;
    const char *pass = a->argv[a->argc - 1];
    if (ss_acl_authenticate(node, s, a->argv[0], user, ulen, pass, a->argvlen[a->argc - 1], out)) {
        ss_acl_session_login(s, user ? user : "default", user ? ulen : 7);
        s->authenticated = true;
        resp_add_shared(out, RESP_SH_OK);
    }
}

/* Redis's rule for names (CLIENT SETNAME, HELLO SETNAME, CLIENT SETINFO),
 * and sandstore's bound on their length. */
static bool valid_client_name(const char *p, size_t len)
{
    if (len >= SS_SESSION_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] < '!' || p[i] > '~')
            return false;
    return true;
}

/* The map Redis 7.0 answers HELLO with: the leader is the master, the
 * other nodes its replicas. */
static void hello_reply(ss_node *node, ss_session *s, ss_buf *out)
{
    bool leader = ss_node_is_leader(node);
    resp_add_map_len(out, s->proto, 7);
    resp_add_bulk_cstr(out, "server");
    resp_add_bulk_cstr(out, "redis");
    resp_add_bulk_cstr(out, "version");
    resp_add_bulk_cstr(out, SS_REDIS_COMPAT_VERSION);
    resp_add_bulk_cstr(out, "proto");
    resp_add_int(out, s->proto);
    resp_add_bulk_cstr(out, "id");
    resp_add_int(out, (long long)s->id);
    resp_add_bulk_cstr(out, "mode");
    resp_add_bulk_cstr(out, SS_REDIS_MODE);
    resp_add_bulk_cstr(out, "role");
    resp_add_bulk_cstr(out, leader ? "master" : "replica");
    resp_add_bulk_cstr(out, "modules");
    resp_add_array_len(out, 0);
}

/*
 * HELLO [protover [AUTH username password] [SETNAME name]]: protocol 2 or 3
 * for this connection. The errors are Redis 7.0's, found in the order Redis
 * finds them (the version, then each option from left to right, then
 * authentication); unlike Redis, which sets a name or authenticates as it
 * goes, nothing changes for the connection unless the whole command succeeds.
 */
static void helloCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    long long ver = 0;
    int i = 1;
    if (a->argc >= 2) {
        if (!ss_parse_ll(a->argv[1], a->argvlen[1], &ver)) {
            ss_reply_err(out, RERR_PROTOVER);
            return;
        }
        if (ver != RESP2 && ver != RESP3) {
            ss_reply_err(out, RERR_NOPROTO);
            return;
        }
        i = 2;
    }
    int name_at = 0, auth_at = 0;
    for (; i < a->argc; i++) {
        int more = a->argc - 1 - i;
        if (ss_arg_is(a, i, "auth") && more >= 2) {
            if (!ss_acl_authenticate(node, s, a->argv[0], a->argv[i + 1], a->argvlen[i + 1], a->argv[i + 2],
                                     a->argvlen[i + 2], out))
                return;
            auth_at = i + 1;
            i += 2;
        } else if (ss_arg_is(a, i, "setname") && more >= 1) {
            if (!valid_client_name(a->argv[i + 1], a->argvlen[i + 1])) {
                ss_reply_err(out, RERR_CLIENT_NAME);
                return;
            }
            name_at = i + 1;
            i++;
        } else {
            ss_reply_err(out, RERR_HELLO_OPTION, a->argv[i]);
            return;
        }
    }
    if (!s->authenticated && !auth_at) {
        ss_reply_err(out, RERR_HELLO_NOAUTH);
        return;
    }
    if (auth_at)
        ss_acl_session_login(s, a->argv[auth_at], a->argvlen[auth_at]);
    s->authenticated = true;
    if (name_at)
        snprintf(s->name, sizeof s->name, "%.*s", (int)a->argvlen[name_at], a->argv[name_at]);
    if (ver)
        s->proto = (resp_proto)ver;
    hello_reply(node, s, out);
}

/* CLIENT UNBLOCK id [TIMEOUT|ERROR] */
static void clientUnblockCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    long long id;
    bool error = false;
    if (!ss_parse_ll(a->argv[2], a->argvlen[2], &id)) {
        ss_reply_err(out, RERR_NOTINT);
        return;
    }
    if (a->argc == 4) {
        if (ss_arg_is(a, 3, "error")) {
            error = true;
        } else if (!ss_arg_is(a, 3, "timeout")) {
            resp_add_error(out, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    } else if (a->argc > 4) {
        resp_add_error(out, "ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.");
        return;
    }
    resp_add_int(out, node->ops->unblock ? node->ops->unblock(node->ctx, (uint64_t)id, error) : 0);
}

static void clientHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    /* Redis 7.0's, with SETINFO and NO-TOUCH (7.2's) added. */
    static const char *const lines[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CACHING (YES|NO)",
        "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
        "GETREDIR",
        "    Return the client ID we are redirecting to when tracking is enabled.",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are:",
        "    * ADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made from the specified address",
        "    * LADDR (<ip:port>|<unixsocket>:0)",
        "      Kill connections made to specified local address",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Kill connections by type.",
        "    * USER <username>",
        "      Kill connections authenticated by <username>.",
        "    * SKIPME (YES|NO)",
        "      Skip killing current connection (default: yes).",
        "    * MAXAGE <maxage>",
        "      Kill connections older than the specified age.",
        "LIST [options ...]",
        "    Return information about client connections. Options:",
        "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
        "      Return clients of specified type.",
        "UNPAUSE",
        "    Stop the current client pause, resuming traffic.",
        "PAUSE <timeout> [WRITE|ALL]",
        "    Suspend all, or just write, clients for <timeout> milliseconds.",
        "REPLY (ON|OFF|SKIP)",
        "    Control the replies sent to the current connection.",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <LIB-NAME|LIB-VER> <value>",
        "    Set client library name or version.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
        "         [OPTIN] [OPTOUT] [NOLOOP]",
        "    Control server assisted client side caching.",
        "TRACKINGINFO",
        "    Report tracking status for the current connection.",
        "NO-EVICT (ON|OFF)",
        "    Protect current client connection from eviction.",
        "NO-TOUCH (ON|OFF)",
        "    Will not touch LRU/LFU stats when this mode is on.",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, lines);
}

static void clientIdCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    resp_add_int(out, (long long)s->id);
}

static void clientGetnameCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (s->name[0])
        resp_add_bulk_cstr(out, s->name);
    else
        resp_add_null_bulk(out, s->proto);
}

static void clientSetnameCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (!valid_client_name(a->argv[2], a->argvlen[2])) {
        ss_reply_err(out, RERR_CLIENT_NAME);
        return;
    }
    snprintf(s->name, sizeof s->name, "%.*s", (int)a->argvlen[2], a->argv[2]);
    resp_add_shared(out, RESP_SH_OK);
}

static void clientSetinfoCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    char *dst = ss_arg_is(a, 2, "lib-name") ? s->lib_name : ss_arg_is(a, 2, "lib-ver") ? s->lib_ver : NULL;
    if (dst == NULL) {
        resp_add_errorf(out, "ERR Unrecognized option '%.128s'", a->argv[2]);
        return;
    }
    if (!valid_client_name(a->argv[3], a->argvlen[3])) {
        resp_add_errorf(out, "ERR %s cannot contain spaces, newlines or special characters.",
                        dst == s->lib_name ? "lib-name" : "lib-ver");
        return;
    }
    snprintf(dst, SS_SESSION_NAME_MAX, "%.*s", (int)a->argvlen[3], a->argv[3]);
    resp_add_shared(out, RESP_SH_OK);
}

/* Appends the lines of list ("id=N ...\n" each) whose id is id. */
static void list_line_by_id(ss_buf *out, const ss_buf *list, long long id)
{
    const char *p = ss_buf_data(list), *end = p + ss_buf_len(list);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl + 1 : end;
        long long got;
        const char *sp = memchr(p, ' ', (size_t)(eol - p));
        if (eol - p > 3 && !memcmp(p, "id=", 3) && sp && ss_parse_ll(p + 3, (size_t)(sp - p - 3), &got) &&
            got == id)
            ss_buf_append(out, p, (size_t)(eol - p));
        p = eol;
    }
}

/*
 * CLIENT LIST [TYPE normal|master|replica|slave|pubsub] [ID id ...], with
 * Redis 7.0's checks in its order. A subscriber is of type pubsub, the
 * others normal (MONITORs too, as Redis's getClientType has them).
 */
static void clientListCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    bool by_type = a->argc == 4 && ss_arg_is(a, 2, "type");
    bool by_id = a->argc > 3 && ss_arg_is(a, 2, "id");
    if (by_type && !ss_arg_is(a, 3, "normal") && !ss_arg_is(a, 3, "master") && !ss_arg_is(a, 3, "replica") &&
        !ss_arg_is(a, 3, "slave") && !ss_arg_is(a, 3, "pubsub")) {
        ss_reply_err(out, RERR_CLIENT_TYPE, a->argv[3]);
        return;
    }
    if (!by_type && !by_id && a->argc != 2) {
        ss_reply_err(out, RERR_SYNTAX);
        return;
    }
    for (int j = 3; by_id && j < a->argc; j++) {
        long long id;
        if (!ss_parse_ll(a->argv[j], a->argvlen[j], &id)) {
            ss_reply_err(out, RERR_CLIENT_ID);
            return;
        }
    }
    ss_buf list, shown;
    ss_buf_init(&list, 0);
    ss_buf_init(&shown, 0);
    if (by_type) {
        ss_client_filter f = {.type = ss_client_type_by_name(a->argv[3])};
        node->ops->clients(node->ctx, &f, s, false, &list);
    } else {
        node->ops->client_list(node->ctx, &list);
    }
    const ss_buf *reply = &list;
    if (by_id) { /* in the order asked, as Redis */
        for (int j = 3; j < a->argc; j++) {
            long long id;
            ss_parse_ll(a->argv[j], a->argvlen[j], &id);
            list_line_by_id(&shown, &list, id);
        }
        reply = &shown;
    }
    resp_add_verbatim(out, s->proto, "txt", ss_buf_data(reply), ss_buf_len(reply));
    ss_buf_release(&list);
    ss_buf_release(&shown);
}

static void clientInfoCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    char line[1024];
    ss_session_describe(s, NULL, line, sizeof line);
    ss_buf b;
    ss_buf_init(&b, 0);
    ss_buf_appendf(&b, "%s\n", line);
    resp_add_verbatim(out, s->proto, "txt", ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
}

/* CLIENT NO-EVICT and NO-TOUCH (Redis 7.2's): accepted with Redis's check
 * of the argument, and ignored: nothing is evicted, and the client's
 * lookups still count as accesses (commands/access.h), as in Redis 7.0,
 * which has no NO-TOUCH. */
static void clientOnOffCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (ss_arg_is(a, 2, "on") || ss_arg_is(a, 2, "off"))
        resp_add_shared(out, RESP_SH_OK);
    else
        ss_reply_err(out, RERR_SYNTAX);
}

static void resetCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    node->ops->reset_session(node->ctx, s);
    s->db = 0;
    s->proto = RESP2;
    s->name[0] = '\0';
    s->readonly = false;
    ss_acl_session_start(node, s); /* back to the default user, as Redis */
    s->no_evict = false;
    s->reply_off = s->reply_skip_next = false; /* Redis's clearClientConnectionState */
    resp_add_simple(out, "RESET");
}

static const ss_command client_subcommands[] = {
    SS_LOCAL("client|id", 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, clientIdCommand),
    SS_LOCAL("client|getname", 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, clientGetnameCommand),
    SS_LOCAL("client|setname", 3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, clientSetnameCommand),
    SS_LOCAL("client|setinfo", 4, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, clientSetinfoCommand),
    SS_LOCAL("client|list", -2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, clientListCommand),
    SS_LOCAL("client|info", 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, clientInfoCommand),
    SS_LOCAL("client|no-evict", 3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, ss_client_no_evict_command),
    SS_LOCAL("client|no-touch", 3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, clientOnOffCommand),
    SS_LOCAL("client|unblock", -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, clientUnblockCommand),
    SS_LOCAL("client|tracking", -3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, ss_client_tracking_command),
    SS_LOCAL("client|caching", 3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, ss_client_caching_command),
    SS_LOCAL("client|getredir", 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, ss_client_getredir_command),
    SS_LOCAL("client|trackinginfo", 2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, ss_client_trackinginfo_command),
    SS_LOCAL("client|kill", -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, ss_client_kill_command),
    SS_LOCAL("client|pause", -3, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, ss_client_pause_command),
    SS_LOCAL("client|unpause", 2, CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, ss_client_unpause_command),
    SS_LOCAL("client|reply", 3, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE, ACL_CONNECTION, ss_client_reply_command),
    SS_LOCAL("client|help", 2, CMD_LOADING | CMD_STALE, ACL_CONNECTION, clientHelpCommand),
    SS_END,
};

const ss_command ss_cmds_conn[] = {
    SS_LOCAL("ping", -1, CMD_FAST, ACL_CONNECTION, pingCommand, .exec = pingExec),
    SS_LOCAL("echo", 2, CMD_LOADING | CMD_STALE | CMD_FAST, ACL_CONNECTION, echoCommand, .exec = echoExec),
    SS_LOCAL("select", 2, CMD_LOADING | CMD_STALE | CMD_FAST, ACL_CONNECTION, selectCommand, .exec = selectExec),
    SS_LOCAL("quit", -1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY | CMD_NOQUEUE, ACL_CONNECTION, quitCommand),
    SS_LOCAL("auth", -2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY, ACL_CONNECTION, authCommand),
    SS_LOCAL("hello", -1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY, ACL_CONNECTION, helloCommand),
    SS_CONTAINER("client", -2, 0, 0, client_subcommands),
    SS_LOCAL("reset", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_NOAUTH | CMD_ALLOW_BUSY | CMD_NOQUEUE, ACL_CONNECTION, resetCommand),
    SS_TXN("multi", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_NOQUEUE, ACL_TRANSACTION),
    SS_TXN("exec", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_SKIP_SLOWLOG | CMD_NOQUEUE, ACL_TRANSACTION),
    SS_TXN("discard", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_NOQUEUE, ACL_TRANSACTION),
    SS_TXN("watch", -2, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY | CMD_NOQUEUE, ACL_TRANSACTION, .keys = {KEYS_TO_END(1, 1, KS_RO)}),
    SS_TXN("unwatch", 1, CMD_NOSCRIPT | CMD_LOADING | CMD_STALE | CMD_FAST | CMD_ALLOW_BUSY, ACL_TRANSACTION),
};
SS_COUNT(ss_cmds_conn);

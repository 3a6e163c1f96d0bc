/* CLIENT KILL, PAUSE, UNPAUSE, REPLY and NO-EVICT, with Redis 7.0's arguments and errors (the connections are reached through ss_node_ops). */
#include <stdio.h>
#include <string.h>

#include "commands/client_cmds.h"
#include "commands/keyhelpers.h"
#include "common/clock.h"

/*
 * CLIENT KILL ip:port (the old form: "No such client" or OK; a client may
 * kill itself), or CLIENT KILL <filter> <value> ... with ID, TYPE, USER,
 * ADDR, LADDR, SKIPME and MAXAGE (Redis 7.4's; 7.0 knows no MAXAGE),
 * answering how many were killed. The client that asks is closed after
 * its reply.
 */
void ss_client_kill_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    ss_client_filter f = {.type = -1, .skipme = true};
    if (a->argc == 3) {
        f.addr = a->argv[2];
        f.skipme = false;
    } else {
        for (int i = 2; i < a->argc; i += 2) {
            bool more = a->argc > i + 1;
            const char *v = more ? a->argv[i + 1] : NULL;
            if (ss_arg_is(a, i, "id") && more) {
                long long id;
                if (!ss_parse_ll(v, a->argvlen[i + 1], &id) || id < 1) {
                    resp_add_error(out, "ERR client-id should be greater than 0");
                    return;
                }
                f.id = (uint64_t)id;
            } else if (ss_arg_is(a, i, "type") && more) {
                f.type = ss_client_type_by_name(v);
                if (f.type == -1) {
                    resp_add_errorf(out, "ERR Unknown client type '%.128s'", v);
                    return;
                }
            } else if (ss_arg_is(a, i, "addr") && more) {
                f.addr = v;
            } else if (ss_arg_is(a, i, "laddr") && more) {
                f.laddr = v;
            } else if (ss_arg_is(a, i, "user") && more) {
                if (strcmp(v, "default") != 0) { /* the one user there is */
                    resp_add_errorf(out, "ERR No such user '%.128s'", v);
                    return;
                }
                f.user = v;
            } else if (ss_arg_is(a, i, "skipme") && more) {
                if (!strcasecmp(v, "yes")) {
                    f.skipme = true;
                } else if (!strcasecmp(v, "no")) {
                    f.skipme = false;
                } else {
                    ss_reply_err(out, RERR_SYNTAX);
                    return;
                }
            } else if (ss_arg_is(a, i, "maxage") && more) {
                long long age;
                if (!ss_parse_ll(v, a->argvlen[i + 1], &age)) {
                    ss_reply_err(out, RERR_NOTINT);
                    return;
                }
                f.maxage = age > 0 ? age : 0;
            } else {
                ss_reply_err(out, RERR_SYNTAX);
                return;
            }
        }
    }
    size_t killed = node->ops->clients(node->ctx, &f, s, true, NULL);
    if (a->argc == 3) {
        if (killed == 0)
            resp_add_error(out, "ERR No such client");
        else
            resp_add_shared(out, RESP_SH_OK);
    } else {
        resp_add_int(out, (long long)killed);
    }
}

/* CLIENT PAUSE timeout [WRITE|ALL]: the mode first, then the timeout, as Redis checks them. */
void ss_client_pause_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    bool all = true;
    if (a->argc > 4) {
        resp_add_errorf(out, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try CLIENT HELP.",
                        a->argv[1]);
        return;
    }
    if (a->argc == 4) {
        if (ss_arg_is(a, 3, "write")) {
            all = false;
        } else if (!ss_arg_is(a, 3, "all")) {
            resp_add_error(out, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    long long ms;
    if (!ss_parse_ll(a->argv[2], a->argvlen[2], &ms)) {
        resp_add_error(out, "ERR timeout is not an integer or out of range");
        return;
    }
    if (ms < 0) {
        resp_add_error(out, "ERR timeout is negative");
        return;
    }
    int64_t now = ss_clock_wall_ms();
    if (ms > INT64_MAX - now) {
        resp_add_error(out, "ERR timeout is out of range");
        return;
    }
    node->ops->pause(node->ctx, now + ms, all);
    resp_add_shared(out, RESP_SH_OK);
}

void ss_client_unpause_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)s;
    (void)a;
    node->ops->unpause(node->ctx);
    resp_add_shared(out, RESP_SH_OK);
}

/* CLIENT REPLY ON|OFF|SKIP: only ON answers (the server drops the rest). */
void ss_client_reply_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    if (ss_arg_is(a, 2, "on")) {
        s->reply_off = s->reply_skip = s->reply_skip_next = false;
        resp_add_shared(out, RESP_SH_OK);
    } else if (ss_arg_is(a, 2, "off")) {
        s->reply_off = true;
    } else if (ss_arg_is(a, 2, "skip")) {
        if (!s->reply_off)
            s->reply_skip_next = true;
    } else {
        ss_reply_err(out, RERR_SYNTAX);
    }
}

/* CLIENT NO-EVICT on|off: kept and shown (flag e); sandstore evicts no client. */
void ss_client_no_evict_command(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    if (ss_arg_is(a, 2, "on") || ss_arg_is(a, 2, "off")) {
        s->no_evict = ss_arg_is(a, 2, "on");
        resp_add_shared(out, RESP_SH_OK);
    } else {
        ss_reply_err(out, RERR_SYNTAX);
    }
}

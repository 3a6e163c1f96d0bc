/* Pub/sub commands: SUBSCRIBE PSUBSCRIBE SSUBSCRIBE and their UNSUBSCRIBEs (this node's connections), PUBLISH SPUBLISH (through the log), PUBSUB. */
#include <string.h>

#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "commands/pubsub.h"

/*
 * Subscriptions belong to the connection, so they are local commands on the
 * node that holds it. PUBLISH goes through the Raft log (SS_LOGGED): every
 * node applies it and hands the message to its own subscribers, so one
 * published on any node reaches the subscribers of every node, in log order.
 * Its reply is the count of receivers on the node the client is connected to,
 * which is what Redis Cluster answers (a node counts only its own clients).
 */

static const char *const verbs[SS_PS_KINDS][2] = {
    [SS_PS_CHANNEL] = {"subscribe", "unsubscribe"},
    [SS_PS_PATTERN] = {"psubscribe", "punsubscribe"},
    [SS_PS_SHARD] = {"ssubscribe", "sunsubscribe"},
};

/* The count (P)SUBSCRIBE replies carry is channels plus patterns; the shard
 * ones count only shard channels, as Redis 7.0 does. */
static long long reply_count(const ss_session *s, int kind)
{
    if (kind == SS_PS_SHARD)
        return s->subscribed_kind[SS_PS_SHARD];
    return (long long)s->subscribed_kind[SS_PS_CHANNEL] + s->subscribed_kind[SS_PS_PATTERN];
}

/* [verb, name (or null), count]: an array in RESP2, a push in RESP3. */
static void confirm(ss_buf *out, const ss_session *s, int kind, bool unsub, const char *name, size_t len)
{
    resp_add_push_len(out, s->proto, 3);
    resp_add_bulk_cstr(out, verbs[kind][unsub]);
    if (name)
        resp_add_bulk(out, name, len);
    else
        resp_add_null_bulk(out, s->proto);
    resp_add_int(out, reply_count(s, kind));
}

static void subscribe_generic(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out, int kind)
{
    for (int i = 1; i < a->argc; i++) {
        bool added;
        if (ss_pubsub_subscribe(node->pubsub, s, kind, a->argv[i], a->argvlen[i], &added) != SS_OK) {
            resp_add_error(out, "OOM command not allowed when used memory > 'maxmemory'.");
            return;
        }
        confirm(out, s, kind, false, a->argv[i], a->argvlen[i]);
    }
}

typedef struct unsub_all {
    ss_buf *out;
    ss_session *s;
    int kind;
    int n;
} unsub_all;

static void confirm_one(void *arg, const char *name, size_t len)
{
    unsub_all *u = arg;
    confirm(u->out, u->s, u->kind, true, name, len);
    u->n++;
}

static void unsubscribe_generic(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out, int kind)
{
    if (a->argc == 1) {
        unsub_all u = {out, s, kind, 0};
        ss_pubsub_unsubscribe_all(node->pubsub, s, kind, confirm_one, &u);
        if (u.n == 0)
            confirm(out, s, kind, true, NULL, 0);
        return;
    }
    for (int i = 1; i < a->argc; i++) {
        ss_pubsub_unsubscribe(node->pubsub, s, kind, a->argv[i], a->argvlen[i]);
        confirm(out, s, kind, true, a->argv[i], a->argvlen[i]);
    }
}

static void subscribeCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    subscribe_generic(node, s, a, out, SS_PS_CHANNEL);
}
static void psubscribeCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    subscribe_generic(node, s, a, out, SS_PS_PATTERN);
}
static void ssubscribeCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    subscribe_generic(node, s, a, out, SS_PS_SHARD);
}
static void unsubscribeCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    unsubscribe_generic(node, s, a, out, SS_PS_CHANNEL);
}
static void punsubscribeCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    unsubscribe_generic(node, s, a, out, SS_PS_PATTERN);
}
static void sunsubscribeCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    unsubscribe_generic(node, s, a, out, SS_PS_SHARD);
}

/* The apply half: every node delivers; the reply is this node's receivers. */
static void publishExec(ss_exec_ctx *ctx, const ss_args *a)
{
    resp_add_int(ctx->out, ss_exec_publish(ctx, a->argv[1], a->argvlen[1], a->argv[2], a->argvlen[2], false));
}
static void spublishExec(ss_exec_ctx *ctx, const ss_args *a)
{
    resp_add_int(ctx->out, ss_exec_publish(ctx, a->argv[1], a->argvlen[1], a->argv[2], a->argvlen[2], true));
}

/* ----------------------------------------------------------------- PUBSUB */

typedef struct name_list {
    ss_buf *out;
    long long n;
} name_list;

static void add_name(void *arg, const char *name, size_t len)
{
    name_list *l = arg;
    resp_add_bulk(l->out, name, len);
    l->n++;
}

/* CHANNELS / SHARDCHANNELS [pattern]: the length is known only at the end,
 * so the names are gathered first. */
static void list_channels(ss_node *node, const ss_args *a, ss_buf *out, int kind)
{
    if (a->argc > 3) {
        ss_reply_err(out, RERR_ARITY, kind == SS_PS_SHARD ? "pubsub|shardchannels" : "pubsub|channels");
        return;
    }
    ss_buf names;
    ss_buf_init(&names, 0);
    name_list l = {&names, 0};
    ss_pubsub_channels(node->pubsub, kind, a->argc == 3 ? a->argv[2] : NULL, a->argc == 3 ? a->argvlen[2] : 0,
                       add_name, &l);
    resp_add_array_len(out, l.n);
    ss_buf_append(out, ss_buf_data(&names), ss_buf_len(&names));
    ss_buf_release(&names);
}

/* NUMSUB / SHARDNUMSUB: a flat array of name, count even in RESP3, as 7.0. */
static void num_sub(ss_node *node, const ss_args *a, ss_buf *out, int kind)
{
    resp_add_array_len(out, (long long)(a->argc - 2) * 2);
    for (int i = 2; i < a->argc; i++) {
        resp_add_bulk(out, a->argv[i], a->argvlen[i]);
        resp_add_int(out, ss_pubsub_numsub(node->pubsub, kind, a->argv[i], a->argvlen[i]));
    }
}

static void pubsubChannelsCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    list_channels(node, a, out, SS_PS_CHANNEL);
}
static void pubsubShardchannelsCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    list_channels(node, a, out, SS_PS_SHARD);
}
static void pubsubNumsubCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    num_sub(node, a, out, SS_PS_CHANNEL);
}
static void pubsubShardnumsubCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    num_sub(node, a, out, SS_PS_SHARD);
}
static void pubsubNumpatCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    resp_add_int(out, ss_pubsub_numpat(node->pubsub));
}

static void pubsubHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    static const char *const lines[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    };
    size_t n = sizeof lines / sizeof lines[0];
    resp_add_array_len(out, (long long)n);
    for (size_t i = 0; i < n; i++)
        resp_add_simple(out, lines[i]);
}

/* Subscriptions live on the connection: queued in MULTI, EXEC runs them on
 * this node (engine/multi.c: a log entry cannot carry them); never from a
 * script. */
#define SUB_FLAGS (CMD_PUBSUB | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)
#define SHARD_KEYS .keys = {KEYS_TO_END(1, 1, KS_NOT_KEY)}

static const ss_command pubsub_subcommands[] = {
    SS_LOCAL("pubsub|channels", -2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, pubsubChannelsCommand),
    SS_LOCAL("pubsub|numsub", -2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, pubsubNumsubCommand),
    SS_LOCAL("pubsub|numpat", 2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, pubsubNumpatCommand),
    SS_LOCAL("pubsub|shardchannels", -2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, pubsubShardchannelsCommand),
    SS_LOCAL("pubsub|shardnumsub", -2, CMD_PUBSUB | CMD_LOADING | CMD_STALE, 0, pubsubShardnumsubCommand),
    SS_LOCAL("pubsub|help", 2, CMD_LOADING | CMD_STALE, 0, pubsubHelpCommand),
    SS_END,
};

const ss_command ss_cmds_pubsub[] = {
    SS_LOCAL("subscribe", -2, SUB_FLAGS, 0, subscribeCommand),
    SS_LOCAL("unsubscribe", -1, SUB_FLAGS, 0, unsubscribeCommand),
    SS_LOCAL("psubscribe", -2, SUB_FLAGS, 0, psubscribeCommand),
    SS_LOCAL("punsubscribe", -1, SUB_FLAGS, 0, punsubscribeCommand),
    SS_LOCAL("ssubscribe", -2, SUB_FLAGS, 0, ssubscribeCommand, SHARD_KEYS),
    SS_LOCAL("sunsubscribe", -1, SUB_FLAGS, 0, sunsubscribeCommand, SHARD_KEYS),
    SS_LOGGED("publish", 3, CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST, 0, publishExec),
    SS_LOGGED("spublish", 3, CMD_PUBSUB | CMD_LOADING | CMD_STALE | CMD_FAST, 0, spublishExec,
              .keys = {{.flags = KS_NOT_KEY, KS_BEGIN_INDEX(1), KS_FIND_RANGE(0, 1, 0)}}),
    SS_CONTAINER("pubsub", -2, 0, 0, pubsub_subcommands),
};
SS_COUNT(ss_cmds_pubsub);

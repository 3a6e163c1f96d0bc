/* COMMAND DOCS text of the pub/sub commands (src/commands/cmd_pubsub.c). */
#include "commands/docs.h"

static const ss_cmdarg subscribe_args[] = {
    ARG("channel", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg unsubscribe_args[] = {
    ARG("channel", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg psubscribe_args[] = {
    ARG("pattern", ARG_BLOCK, .flags = ARG_MULTIPLE, .nargs = 1),
        ARG("pattern", ARG_PATTERN),
    SS_ARGS_END,
};

static const ss_cmdarg punsubscribe_args[] = {
    ARG("pattern", ARG_PATTERN, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg publish_args[] = {
    ARG("channel", ARG_STRING),
    ARG("message", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg spublish_args[] = {
    ARG("shardchannel", ARG_STRING),
    ARG("message", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg ssubscribe_args[] = {
    ARG("shardchannel", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg sunsubscribe_args[] = {
    ARG("shardchannel", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg pubsub_channels_args[] = {
    ARG("pattern", ARG_PATTERN, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg pubsub_numsub_args[] = {
    ARG("channel", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg pubsub_shardchannels_args[] = {
    ARG("pattern", ARG_PATTERN, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg pubsub_shardnumsub_args[] = {
    ARG("shardchannel", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_pubsub[] = {
    {.name = "subscribe", .group = "pubsub", .since = "2.0.0",
     .summary = "Listen for messages published to the given channels. sandstore: inside MULTI, EXEC runs the (un)subscribe commands only when the transaction holds nothing else.",
     .complexity = "O(N) where N is the number of channels to subscribe to.",
     .args = subscribe_args},
    {.name = "unsubscribe", .group = "pubsub", .since = "2.0.0",
     .summary = "Stop listening for messages posted to the given channels",
     .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
     .args = unsubscribe_args},
    {.name = "psubscribe", .group = "pubsub", .since = "2.0.0",
     .summary = "Listen for messages published to channels matching the given patterns",
     .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
     .args = psubscribe_args},
    {.name = "punsubscribe", .group = "pubsub", .since = "2.0.0",
     .summary = "Stop listening for messages posted to channels matching the given patterns",
     .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).",
     .args = punsubscribe_args},
    {.name = "publish", .group = "pubsub", .since = "2.0.0",
     .summary = "Post a message to a channel. sandstore: through the Raft log, so subscribers on every node receive it; the reply counts the receivers on the node the client is connected to, as Redis Cluster does.",
     .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).",
     .args = publish_args},
    {.name = "spublish", .group = "pubsub", .since = "7.0.0",
     .summary = "Post a message to a shard channel",
     .complexity = "O(N) where N is the number of clients subscribed to the receiving shard channel.",
     .args = spublish_args},
    {.name = "ssubscribe", .group = "pubsub", .since = "7.0.0",
     .summary = "Listen for messages published to the given shard channels",
     .complexity = "O(N) where N is the number of shard channels to subscribe to.",
     .args = ssubscribe_args},
    {.name = "sunsubscribe", .group = "pubsub", .since = "7.0.0",
     .summary = "Stop listening for messages posted to the given shard channels",
     .complexity = "O(N) where N is the number of clients already subscribed to a shard channel.",
     .args = sunsubscribe_args},
    {.name = "pubsub|channels", .group = "pubsub", .since = "2.8.0",
     .summary = "List active channels",
     .complexity = "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)",
     .args = pubsub_channels_args},
    {.name = "pubsub|numsub", .group = "pubsub", .since = "2.8.0",
     .summary = "Get the count of subscribers for channels",
     .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
     .args = pubsub_numsub_args},
    {.name = "pubsub|numpat", .group = "pubsub", .since = "2.8.0",
     .summary = "Get the count of unique patterns pattern subscriptions",
     .complexity = "O(1)"},
    {.name = "pubsub|shardchannels", .group = "pubsub", .since = "7.0.0",
     .summary = "List active shard channels",
     .complexity = "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).",
     .args = pubsub_shardchannels_args},
    {.name = "pubsub|shardnumsub", .group = "pubsub", .since = "7.0.0",
     .summary = "Get the count of subscribers for shard channels",
     .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
     .args = pubsub_shardnumsub_args},
    {.name = "pubsub|help", .group = "pubsub", .since = "6.2.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "pubsub", .group = "pubsub", .since = "2.8.0",
     .summary = "A container for Pub/Sub commands",
     .complexity = "Depends on subcommand."},
};
SS_DOCS_COUNT(ss_docs_pubsub);

/* COMMAND DOCS text of the conn commands (src/commands/cmd_conn.c). */
#include "commands/docs.h"

static const ss_cmdarg ping_args[] = {
    ARG("message", ARG_STRING, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg echo_args[] = {
    ARG("message", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg select_args[] = {
    ARG("index", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg auth_args[] = {
    ARG("username", ARG_STRING, .since = "6.0.0", .flags = ARG_OPTIONAL),
    ARG("password", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg hello_args[] = {
    ARG("arguments", ARG_BLOCK, .flags = ARG_OPTIONAL, .nargs = 3),
        ARG("protover", ARG_INTEGER),
        ARG("username_password", ARG_BLOCK, .token = "AUTH", .flags = ARG_OPTIONAL, .nargs = 2),
            ARG("username", ARG_STRING),
            ARG("password", ARG_STRING),
        ARG("clientname", ARG_STRING, .token = "SETNAME", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg watch_args[] = {
    ARG("key", ARG_KEY, .key_spec_index = 0, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg client_tracking_args[] = {
    ARG("status", ARG_ONEOF, .nargs = 2),
        ARG("on", ARG_PURE_TOKEN, .token = "ON"),
        ARG("off", ARG_PURE_TOKEN, .token = "OFF"),
    ARG("client-id", ARG_INTEGER, .token = "REDIRECT", .flags = ARG_OPTIONAL),
    ARG("prefix", ARG_STRING, .token = "PREFIX", .flags = ARG_OPTIONAL | ARG_MULTIPLE | ARG_MULTIPLE_TOKEN),
    ARG("bcast", ARG_PURE_TOKEN, .token = "BCAST", .flags = ARG_OPTIONAL),
    ARG("optin", ARG_PURE_TOKEN, .token = "OPTIN", .flags = ARG_OPTIONAL),
    ARG("optout", ARG_PURE_TOKEN, .token = "OPTOUT", .flags = ARG_OPTIONAL),
    ARG("noloop", ARG_PURE_TOKEN, .token = "NOLOOP", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg client_caching_args[] = {
    ARG("mode", ARG_ONEOF, .nargs = 2),
        ARG("yes", ARG_PURE_TOKEN, .token = "YES"),
        ARG("no", ARG_PURE_TOKEN, .token = "NO"),
    SS_ARGS_END,
};

static const ss_cmdarg client_kill_args[] = {
    ARG("filter", ARG_ONEOF, .nargs = 2),
        ARG("ip:port", ARG_STRING, .deprecated_since = "2.8.12"),
        ARG("new-format", ARG_ONEOF, .flags = ARG_MULTIPLE, .nargs = 6),
            ARG("client-id", ARG_INTEGER, .token = "ID", .since = "2.8.12", .flags = ARG_OPTIONAL),
            ARG("normal_master_slave_pubsub", ARG_ONEOF, .token = "TYPE", .since = "2.8.12", .flags = ARG_OPTIONAL, .nargs = 5),
                ARG("normal", ARG_PURE_TOKEN, .token = "NORMAL"),
                ARG("master", ARG_PURE_TOKEN, .token = "MASTER", .since = "3.2.0"),
                ARG("slave", ARG_PURE_TOKEN, .token = "SLAVE"),
                ARG("replica", ARG_PURE_TOKEN, .token = "REPLICA", .since = "5.0.0"),
                ARG("pubsub", ARG_PURE_TOKEN, .token = "PUBSUB"),
            ARG("username", ARG_STRING, .token = "USER", .flags = ARG_OPTIONAL),
            ARG("ip:port", ARG_STRING, .token = "ADDR", .flags = ARG_OPTIONAL),
            ARG("ip:port", ARG_STRING, .token = "LADDR", .since = "6.2.0", .flags = ARG_OPTIONAL),
            ARG("yes/no", ARG_STRING, .token = "SKIPME", .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg client_pause_args[] = {
    ARG("timeout", ARG_INTEGER),
    ARG("mode", ARG_ONEOF, .since = "6.2.0", .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("write", ARG_PURE_TOKEN, .token = "WRITE"),
        ARG("all", ARG_PURE_TOKEN, .token = "ALL"),
    SS_ARGS_END,
};

static const ss_cmdarg client_reply_args[] = {
    ARG("on_off_skip", ARG_ONEOF, .nargs = 3),
        ARG("on", ARG_PURE_TOKEN, .token = "ON"),
        ARG("off", ARG_PURE_TOKEN, .token = "OFF"),
        ARG("skip", ARG_PURE_TOKEN, .token = "SKIP"),
    SS_ARGS_END,
};

static const ss_cmdarg client_unblock_args[] = {
    ARG("client-id", ARG_INTEGER),
    ARG("timeout_error", ARG_ONEOF, .flags = ARG_OPTIONAL, .nargs = 2),
        ARG("timeout", ARG_PURE_TOKEN, .token = "TIMEOUT"),
        ARG("error", ARG_PURE_TOKEN, .token = "ERROR"),
    SS_ARGS_END,
};

static const ss_cmdarg client_setname_args[] = {
    ARG("connection-name", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg client_list_args[] = {
    ARG("normal_master_replica_pubsub", ARG_ONEOF, .token = "TYPE", .since = "5.0.0", .flags = ARG_OPTIONAL, .nargs = 4),
        ARG("normal", ARG_PURE_TOKEN, .token = "NORMAL"),
        ARG("master", ARG_PURE_TOKEN, .token = "MASTER"),
        ARG("replica", ARG_PURE_TOKEN, .token = "REPLICA"),
        ARG("pubsub", ARG_PURE_TOKEN, .token = "PUBSUB"),
    ARG("id", ARG_BLOCK, .token = "ID", .since = "6.2.0", .flags = ARG_OPTIONAL, .nargs = 1),
        ARG("client-id", ARG_INTEGER, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg client_no_evict_args[] = {
    ARG("enabled", ARG_ONEOF, .nargs = 2),
        ARG("on", ARG_PURE_TOKEN, .token = "ON"),
        ARG("off", ARG_PURE_TOKEN, .token = "OFF"),
    SS_ARGS_END,
};

static const ss_cmdarg client_setinfo_args[] = {
    ARG("attr", ARG_ONEOF, .nargs = 2),
        ARG("libname", ARG_STRING, .token = "LIB-NAME"),
        ARG("libver", ARG_STRING, .token = "LIB-VER"),
    SS_ARGS_END,
};

static const ss_cmdarg client_no_touch_args[] = {
    ARG("enabled", ARG_ONEOF, .nargs = 2),
        ARG("on", ARG_PURE_TOKEN, .token = "ON"),
        ARG("off", ARG_PURE_TOKEN, .token = "OFF"),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_conn[] = {
    {.name = "ping", .group = "connection", .since = "1.0.0",
     .summary = "Ping the server",
     .complexity = "O(1)",
     .args = ping_args,
     .tips = SS_TIPS("request_policy:all_shards", "response_policy:all_succeeded")},
    {.name = "echo", .group = "connection", .since = "1.0.0",
     .summary = "Echo the given string",
     .complexity = "O(1)",
     .args = echo_args},
    {.name = "select", .group = "connection", .since = "1.0.0",
     .summary = "Change the selected database for the current connection",
     .complexity = "O(1)",
     .args = select_args},
    {.name = "quit", .group = "connection", .since = "1.0.0",
     .summary = "Close the connection",
     .complexity = "O(1)"},
    {.name = "auth", .group = "connection", .since = "1.0.0",
     .summary = "Authenticate to the server",
     .complexity = "O(N) where N is the number of passwords defined for the user",
     .history = SS_HISTORY({"6.0.0", "Added ACL style (username and password)."}),
     .args = auth_args},
    {.name = "hello", .group = "connection", .since = "6.0.0",
     .summary = "Handshake with Redis",
     .complexity = "O(1)",
     .history = SS_HISTORY({"6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context."}),
     .args = hello_args},
    {.name = "client", .group = "connection", .since = "2.4.0",
     .summary = "A container for client connection commands",
     .complexity = "Depends on subcommand."},
    {.name = "reset", .group = "connection", .since = "6.2.0",
     .summary = "Reset the connection",
     .complexity = "O(1)"},
    {.name = "multi", .group = "transactions", .since = "1.2.0",
     .summary = "Mark the start of a transaction block",
     .complexity = "O(1)"},
    {.name = "exec", .group = "transactions", .since = "1.2.0",
     .summary = "Execute all commands issued after MULTI",
     .complexity = "Depends on commands in the transaction"},
    {.name = "discard", .group = "transactions", .since = "2.0.0",
     .summary = "Discard all commands issued after MULTI",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "watch", .group = "transactions", .since = "2.2.0",
     .summary = "Watch the given keys to determine execution of the MULTI/EXEC block. sandstore: EXEC is decided in apply against a digest of each key read at WATCH time; a write that leaves a key exactly as it was does not abort it.",
     .complexity = "O(1) for every key.",
     .args = watch_args},
    {.name = "unwatch", .group = "transactions", .since = "2.2.0",
     .summary = "Forget about all watched keys",
     .complexity = "O(1)"},
    {.name = "client|id", .group = "connection", .since = "5.0.0",
     .summary = "Returns the client ID for the current connection",
     .complexity = "O(1)"},
    {.name = "client|getname", .group = "connection", .since = "2.6.9",
     .summary = "Get the current connection name",
     .complexity = "O(1)"},
    {.name = "client|setname", .group = "connection", .since = "2.6.9",
     .summary = "Set the current connection name",
     .complexity = "O(1)",
     .args = client_setname_args},
    {.name = "client|list", .group = "connection", .since = "2.4.0",
     .summary = "Get the list of client connections",
     .complexity = "O(N) where N is the number of client connections",
     .history = SS_HISTORY({"2.8.12", "Added unique client `id` field."},
                           {"5.0.0", "Added optional `TYPE` filter."},
                           {"6.0.0", "Added `user` field."},
                           {"6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."},
                           {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."},
                           {"7.0.3", "Added `ssub` field."}),
     .args = client_list_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "client|info", .group = "connection", .since = "6.2.0",
     .summary = "Returns information about the current client connection.",
     .complexity = "O(1)",
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "client|no-evict", .group = "connection", .since = "7.0.0",
     .summary = "Set client eviction mode for the current connection",
     .complexity = "O(1)",
     .args = client_no_evict_args},
    {.name = "client|unblock", .group = "connection", .since = "5.0.0",
     .summary = "Unblock a client blocked in a blocking command from a different connection. sandstore: only a client waiting for its keys, not one whose pop is in flight in the log",
     .complexity = "O(log N) where N is the number of client connections. sandstore: O(N) in the blocked clients of the node",
     .args = client_unblock_args},
    {.name = "client|tracking", .group = "connection", .since = "6.0.0",
     .summary = "Enable or disable server assisted client side caching support",
     .complexity = "O(1). Some options may introduce additional complexity.",
     .args = client_tracking_args},
    {.name = "client|caching", .group = "connection", .since = "6.0.0",
     .summary = "Instruct the server about tracking or not keys in the next request",
     .complexity = "O(1)",
     .args = client_caching_args},
    {.name = "client|getredir", .group = "connection", .since = "6.0.0",
     .summary = "Get tracking notifications redirection client ID if any",
     .complexity = "O(1)"},
    {.name = "client|trackinginfo", .group = "connection", .since = "6.2.0",
     .summary = "Return information about server assisted client side caching for the current connection",
     .complexity = "O(1)"},
    {.name = "client|kill", .group = "connection", .since = "2.4.0",
     .summary = "Kill the connection of a client. sandstore: also MAXAGE (Redis 7.4)",
     .complexity = "O(N) where N is the number of client connections",
     .history = SS_HISTORY({"2.8.12", "Added new filter format."},
                           {"2.8.12", "`ID` option."},
                           {"3.2.0", "Added `master` type in for `TYPE` option."},
                           {"5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."},
                           {"6.2.0", "`LADDR` option."}),
     .args = client_kill_args},
    {.name = "client|pause", .group = "connection", .since = "2.9.50",
     .summary = "Stop processing commands from clients for some time",
     .complexity = "O(1)",
     .history = SS_HISTORY({"6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."}),
     .args = client_pause_args},
    {.name = "client|unpause", .group = "connection", .since = "6.2.0",
     .summary = "Resume processing of clients that were paused",
     .complexity = "O(N) Where N is the number of paused clients"},
    {.name = "client|reply", .group = "connection", .since = "3.2.0",
     .summary = "Instruct the server whether to reply to commands",
     .complexity = "O(1)",
     .args = client_reply_args},
    {.name = "client|help", .group = "connection", .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "client|setinfo", .group = "connection", .since = "7.2.0",
     .summary = "Sets information specific to the client or connection.",
     .complexity = "O(1)",
     .args = client_setinfo_args},
    {.name = "client|no-touch", .group = "connection", .since = "7.2.0",
     .summary = "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
     .complexity = "O(1)",
     .args = client_no_touch_args},
};
SS_DOCS_COUNT(ss_docs_conn);

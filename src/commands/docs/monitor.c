/* COMMAND DOCS text of SLOWLOG (src/commands/cmd_monitor.c) and LATENCY (cmd_latency.c). */
#include "commands/docs.h"

static const ss_cmdarg slowlog_get_args[] = {
    ARG("count", ARG_INTEGER, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg latency_history_args[] = {
    ARG("event", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg latency_histogram_args[] = {
    ARG("command", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg latency_reset_args[] = {
    ARG("event", ARG_STRING, .flags = ARG_OPTIONAL | ARG_MULTIPLE),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_monitor[] = {
    {.name = "slowlog", .group = "server", .since = "2.2.12",
     .summary = "A container for slow log commands",
     .complexity = "Depends on subcommand."},
    {.name = "slowlog|get", .group = "server", .since = "2.2.12",
     .summary = "Get the slow log's entries",
     .complexity = "O(N) where N is the number of entries returned",
     .history = SS_HISTORY({"4.0.0", "Added client IP address, port and name to the reply."}),
     .args = slowlog_get_args,
     .tips = SS_TIPS("request_policy:all_nodes", "nondeterministic_output")},
    {.name = "slowlog|len", .group = "server", .since = "2.2.12",
     .summary = "Get the slow log's length",
     .complexity = "O(1)",
     .tips = SS_TIPS("request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output")},
    {.name = "slowlog|reset", .group = "server", .since = "2.2.12",
     .summary = "Clear all entries from the slow log",
     .complexity = "O(N) where N is the number of entries in the slowlog",
     .tips = SS_TIPS("request_policy:all_nodes", "response_policy:all_succeeded")},
    {.name = "slowlog|help", .group = "server", .since = "6.2.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "latency", .group = "server", .since = "2.8.13",
     .summary = "A container for latency diagnostics commands",
     .complexity = "Depends on subcommand."},
    {.name = "latency|latest", .group = "server", .since = "2.8.13",
     .summary = "Return the latest latency samples for all events.",
     .complexity = "O(1)",
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_nodes", "response_policy:special")},
    {.name = "latency|history", .group = "server", .since = "2.8.13",
     .summary = "Return timestamp-latency samples for the event.",
     .complexity = "O(1)",
     .args = latency_history_args,
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_nodes", "response_policy:special")},
    {.name = "latency|reset", .group = "server", .since = "2.8.13",
     .summary = "Reset latency data for one or more events.",
     .complexity = "O(1)",
     .args = latency_reset_args,
     .tips = SS_TIPS("request_policy:all_nodes", "response_policy:all_succeeded")},
    {.name = "latency|graph", .group = "server", .since = "2.8.13",
     .summary = "Return a latency graph for the event.",
     .complexity = "O(1)",
     .args = latency_history_args,
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_nodes", "response_policy:special")},
    {.name = "latency|doctor", .group = "server", .since = "2.8.13",
     .summary = "Return a human readable latency analysis report.",
     .complexity = "O(1)",
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_nodes", "response_policy:special")},
    {.name = "latency|histogram", .group = "server", .since = "7.0.0",
     .summary = "Return the cumulative distribution of latencies of a subset of commands or all.",
     .complexity = "O(N) where N is the number of commands with latency information being retrieved.",
     .args = latency_histogram_args,
     .tips = SS_TIPS("nondeterministic_output", "request_policy:all_nodes", "response_policy:special")},
    {.name = "latency|help", .group = "server", .since = "2.8.13",
     .summary = "Show helpful text about the different subcommands.",
     .complexity = "O(1)"},
    {.name = "monitor", .group = "server", .since = "1.0.0",
     .summary = "Listen for all requests received by the server in real time. sandstore: this node's clients' commands as dispatched, and the log entries of other nodes' clients as applied, tagged [db raft:<node id>]"},
};
SS_DOCS_COUNT(ss_docs_monitor);

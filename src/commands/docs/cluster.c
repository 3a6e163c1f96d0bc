/* COMMAND DOCS text of the cluster commands (src/commands/cmd_cluster.c). */
#include "commands/docs.h"

static const ss_cmdarg cluster_keyslot_args[] = {
    ARG("key", ARG_STRING),
    SS_ARGS_END,
};

static const ss_cmdarg cluster_countkeysinslot_args[] = {
    ARG("slot", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg cluster_getkeysinslot_args[] = {
    ARG("slot", ARG_INTEGER),
    ARG("count", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg cluster_replicas_args[] = {
    ARG("node-id", ARG_STRING),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_cluster[] = {
    {.name = "cluster", .group = "cluster", .since = "3.0.0",
     .summary = "A container for cluster commands",
     .complexity = "Depends on subcommand."},
    {.name = "cluster|slots", .group = "cluster", .since = "3.0.0",
     .summary = "Get array of Cluster slot to node mappings. sandstore: one range, 0-16383, whose master is the Raft leader (or the last one known) and whose replicas are the other voters that have not failed",
     .complexity = "O(N) where N is the total number of Cluster nodes",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "7.0.0",
     .replaced_by = "`CLUSTER SHARDS`",
     .history = SS_HISTORY({"4.0.0", "Added node IDs."},
                           {"7.0.0", "Added additional networking metadata field."}),
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "cluster|shards", .group = "cluster", .since = "7.0.0",
     .summary = "Get array of cluster slots to node mappings. sandstore: one shard, the Raft group",
     .complexity = "O(N) where N is the total number of cluster nodes",
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "cluster|nodes", .group = "cluster", .since = "3.0.0",
     .summary = "Get Cluster config for the node. sandstore: the Raft voters; the cluster bus port is the raft port, the epochs are the Raft term",
     .complexity = "O(N) where N is the total number of Cluster nodes",
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "cluster|info", .group = "cluster", .since = "3.0.0",
     .summary = "Provides info about Redis Cluster node state",
     .complexity = "O(1)",
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "cluster|myid", .group = "cluster", .since = "3.0.0",
     .summary = "Return the node id",
     .complexity = "O(1)"},
    {.name = "cluster|keyslot", .group = "cluster", .since = "3.0.0",
     .summary = "Returns the hash slot of the specified key",
     .complexity = "O(N) where N is the number of bytes in the key",
     .args = cluster_keyslot_args},
    {.name = "cluster|countkeysinslot", .group = "cluster", .since = "3.0.0",
     .summary = "Return the number of local keys in the specified hash slot. sandstore: in the connection's database",
     .complexity = "O(1). sandstore: O(N) in the database's keys (there is no slot index), on the event loop",
     .args = cluster_countkeysinslot_args},
    {.name = "cluster|getkeysinslot", .group = "cluster", .since = "3.0.0",
     .summary = "Return local key names in the specified hash slot. sandstore: in the connection's database, in key order",
     .complexity = "O(log(N)) where N is the number of requested keys. sandstore: O(N) in the database's keys (there is no slot index), on the event loop",
     .args = cluster_getkeysinslot_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "cluster|replicas", .group = "cluster", .since = "5.0.0",
     .summary = "List replica nodes of the specified master node",
     .complexity = "O(1)",
     .args = cluster_replicas_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "cluster|slaves", .group = "cluster", .since = "3.0.0",
     .summary = "List replica nodes of the specified master node",
     .complexity = "O(1)",
     .doc_flags = SS_DOC_DEPRECATED,
     .deprecated_since = "5.0.0",
     .replaced_by = "`CLUSTER REPLICAS`",
     .args = cluster_replicas_args,
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "cluster|help", .group = "cluster", .since = "5.0.0",
     .summary = "Show helpful text about the different subcommands",
     .complexity = "O(1)"},
    {.name = "readonly", .group = "cluster", .since = "3.0.0",
     .summary = "Enables read queries for a connection to a cluster replica node. sandstore: in follower-mode redirect, a follower then serves reads (linearizable) instead of answering MOVED",
     .complexity = "O(1)"},
    {.name = "readwrite", .group = "cluster", .since = "3.0.0",
     .summary = "Disables read queries for a connection to a cluster replica node",
     .complexity = "O(1)"},
    {.name = "asking", .group = "cluster", .since = "3.0.0",
     .summary = "Sent by cluster clients after an -ASK redirect. sandstore: accepted; slots never move, so there is no -ASK",
     .complexity = "O(1)"},
};
SS_DOCS_COUNT(ss_docs_cluster);

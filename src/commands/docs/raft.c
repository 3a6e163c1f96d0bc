/* COMMAND DOCS text of the membership commands (src/commands/cmd_raft.c), sandstore's own (RedisRaft's names). */
#include "commands/docs.h"

static const ss_cmdarg raft_node_add_args[] = {
    ARG("node-id", ARG_INTEGER),
    ARG("address", ARG_STRING),
    ARG("learner", ARG_PURE_TOKEN, .token = "LEARNER", .flags = ARG_OPTIONAL),
    ARG("cluster-id", ARG_STRING, .token = "JOIN", .flags = ARG_OPTIONAL),
    ARG("proof", ARG_STRING, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

static const ss_cmdarg raft_cluster_join_args[] = {
    ARG("address", ARG_STRING, .flags = ARG_MULTIPLE),
    SS_ARGS_END,
};

static const ss_cmdarg raft_node_id_args[] = {
    ARG("node-id", ARG_INTEGER),
    SS_ARGS_END,
};

static const ss_cmdarg raft_transfer_args[] = {
    ARG("node-id", ARG_INTEGER, .flags = ARG_OPTIONAL),
    SS_ARGS_END,
};

const ss_command_docs ss_docs_raft[] = {
    {.name = "raft.node", .group = "cluster", .since = "7.0.0",
     .summary = "A container for Raft membership commands. sandstore: RedisRaft's names; a follower runs ADD, PROMOTE and REMOVE on the leader and relays its reply",
     .complexity = "Depends on subcommand."},
    {.name = "raft.node|add", .group = "cluster", .since = "7.0.0",
     .summary = "Adds a node (raft id, host:raftport) to the Raft group as a learner; without LEARNER the leader promotes it to voter once it has caught up. sandstore: replies OK once the change is committed",
     .complexity = "O(N) where N is the number of members",
     .args = raft_node_add_args},
    {.name = "raft.node|promote", .group = "cluster", .since = "7.0.0",
     .summary = "Makes a learner a voter. sandstore: replies OK once the change is committed",
     .complexity = "O(N) where N is the number of members",
     .args = raft_node_id_args},
    {.name = "raft.node|remove", .group = "cluster", .since = "7.0.0",
     .summary = "Removes a member (the leader included, which then steps down); its id is never reused. sandstore: replies OK once the change is committed",
     .complexity = "O(N) where N is the number of members",
     .args = raft_node_id_args},
    {.name = "raft.node|list", .group = "cluster", .since = "7.0.0",
     .summary = "Lists the members of the latest configuration as this node knows it: id, raft address, client address, role, voter or learner, match index (known on the leader only)",
     .complexity = "O(N) where N is the number of members",
     .tips = SS_TIPS("nondeterministic_output")},
    {.name = "raft.cluster", .group = "cluster", .since = "7.0.0",
     .summary = "A container for Raft cluster commands. sandstore: JOIN only",
     .complexity = "Depends on subcommand."},
    {.name = "raft.cluster|join", .group = "cluster", .since = "7.0.0",
     .summary = "Run on a new, empty node (raft-bootstrap no): asks the cluster whose members' client addresses are given to add this node (as a learner, promoted once caught up). sandstore: proves the cluster secret without sending it; replies OK once the leader committed the addition",
     .complexity = "O(N) where N is the number of members",
     .args = raft_cluster_join_args},
    {.name = "raft.transfer_leader", .group = "cluster", .since = "7.0.0",
     .summary = "Hands leadership to a voter (by default the follower with the longest log). sandstore: replies OK once the transfer started; a follower runs it on the leader",
     .complexity = "O(N) where N is the number of members",
     .args = raft_transfer_args},
};
SS_DOCS_COUNT(ss_docs_raft);

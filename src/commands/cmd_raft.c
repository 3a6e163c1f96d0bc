/* RAFT.NODE, RAFT.CLUSTER JOIN and RAFT.TRANSFER_LEADER, named as RedisRaft names them: the rows only; the engine runs them (engine/membership.c). */
#include "commands/families.h"

#define RAFT_FLAGS (CMD_ADMIN | CMD_NOSCRIPT | CMD_LOADING | CMD_STALE)

static const ss_command raft_node_subcommands[] = {
    SS_MEMBERSHIP("raft.node|add", -4, RAFT_FLAGS, 0),
    SS_MEMBERSHIP("raft.node|promote", 3, RAFT_FLAGS, 0),
    SS_MEMBERSHIP("raft.node|remove", 3, RAFT_FLAGS, 0),
    SS_MEMBERSHIP("raft.node|list", 2, RAFT_FLAGS, 0),
    SS_END,
};

static const ss_command raft_cluster_subcommands[] = {
    SS_MEMBERSHIP("raft.cluster|join", -3, RAFT_FLAGS, 0),
    SS_END,
};

const ss_command ss_cmds_raft[] = {
    SS_CONTAINER("raft.cluster", -2, 0, 0, raft_cluster_subcommands),
    SS_CONTAINER("raft.node", -2, 0, 0, raft_node_subcommands),
    SS_MEMBERSHIP("raft.transfer_leader", -1, RAFT_FLAGS, 0),
};
SS_COUNT(ss_cmds_raft);

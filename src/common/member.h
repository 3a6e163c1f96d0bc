/* A member of the Raft group as cluster clients see it: the cluster fills it in (cluster/cluster.h), the CLUSTER commands show it (commands/node.h). */
#ifndef SS_MEMBER_H
#define SS_MEMBER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"

/* A member's name: 40 hex digits, as Redis Cluster's node ids, chosen at
 * random the first time a node starts and kept in its data directory. */
#define SS_MEMBER_NAME_LEN 40

/* The most members a group has: this node and its peers. */
#define SS_MEMBERS_MAX (SS_MAX_PEERS + 1)

/* How this node sees a member's health (Redis Cluster's flags). */
typedef enum {
    SS_MEMBER_OK = 0,    /* reachable (itself, or its link is up) */
    SS_MEMBER_PFAIL = 1, /* "fail?": unreachable, in this node's opinion only */
    SS_MEMBER_FAIL = 2,  /* "fail": unreachable for longer than the node timeout, as the leader sees it */
} ss_member_health;

typedef struct ss_member {
    uint64_t id;                            /* the raft node id */
    char name[SS_MEMBER_NAME_LEN + 1];      /* 40 hex digits; all zeros until this node learns it */
    char host[SS_HOST_MAX];                 /* where clients reach it; "" when not known yet */
    int port;                               /* its client port (0: not known yet) */
    int raft_port;                          /* its raft port (Redis's cluster bus port) */
    bool self;
    bool leader;        /* the master: the leader, or while none is known the last one known */
    bool learner;       /* a non-voting member (or self before it is added): it never leads, so
                         * it is never the master; Redis Cluster's "nofailover" replica */
    bool behind;        /* known to be catching up: on the leader a peer it probes or sends a
                         * snapshot to; self while it holds nothing of a log the leader
                         * committed. Redis's "loading" replica. */
    bool link_up;       /* self: true; a peer: this node's connection to it is up */
    int health;         /* ss_member_health */
    int64_t heard_ms;   /* wall clock of the last message from it (0: never; self: 0) */
    uint64_t offset;    /* how far its log is known to go: self its applied index; on the
                         * leader a peer's match index; on a follower the leader's commit
                         * index as last heard (other peers: 0) */
} ss_member;

#endif

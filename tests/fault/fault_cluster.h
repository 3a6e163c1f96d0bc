/* A cluster of real sandstore processes whose peer links all pass through the fault proxy. */
#ifndef SS_FAULT_CLUSTER_H
#define SS_FAULT_CLUSTER_H

#include <stdbool.h>

#include "fault/fault_proxy.h"
#include "integration/harness.h"

#define FC_MAX 5

/*
 * Node i (0-based, node id i+1) is reached at its slot's proxy listener
 * (listen_port[i]) by every node: the proxy routes each connection by its
 * transport HELLO to link i->j (fp_new_routed), so the per-link faults hold
 * for nodes added later too. Slots are n; the first `members` start as the
 * bootstrap voters, the others as spares (raft-bootstrap no, not started)
 * that a membership schedule adds. Data directories live under dir
 * (dir/node1, ...); logs are dir/nodeN/sandstore.log.
 */
typedef struct fc_cluster {
    int n;               /* slots */
    int members;         /* bootstrap voters: slots 0 .. members-1 */
    h_node nodes[FC_MAX];
    bool paused[FC_MAX];
    bool spare[FC_MAX];  /* not a member as the harness knows: not started or revived */
    fp_proxy *proxy;
    int listen_port[FC_MAX];
    char dir[256];
    char extra[256];     /* the caller's directives, for every node */
} fc_cluster;

/* Sets up n nodes under dir (which must exist) with the short timeouts the
 * fault tests use plus extra directives; starts the proxy (it stops by itself
 * after lifetime_ms). Does not start the nodes. */
bool fc_init(fc_cluster *c, int n, const char *dir, const char *extra, int lifetime_ms);
/* The same with slots - members spare slots (FC_MAX at most). */
bool fc_init_spares(fc_cluster *c, int members, int slots, const char *dir, const char *extra, int lifetime_ms);
/* Starts spare node i as a joining node (raft-bootstrap no; its peers the
 * members as the harness knows them, and itself), and waits for PING. */
bool fc_start_joining(fc_cluster *c, int i);
/* Kills node i, empties its data directory and gives it a new node id (ids
 * are never reused in a cluster): the slot is spare again. */
bool fc_replace_node(fc_cluster *c, int i, int id);
/* Slots not spare. */
int fc_members(const fc_cluster *c);
/* Kills every node (resuming paused ones first) and stops the proxy. */
void fc_release(fc_cluster *c);

bool fc_start_all(fc_cluster *c);
/* Restarts a stopped node and waits (bounded) until it answers PING. */
bool fc_restart(fc_cluster *c, int i);
void fc_kill9(fc_cluster *c, int i);
/* SIGTERM: a graceful stop. */
void fc_stop(fc_cluster *c, int i);
void fc_pause(fc_cluster *c, int i);
void fc_resume(fc_cluster *c, int i);
/* Running and not paused. */
bool fc_up(fc_cluster *c, int i);
/* Resumes paused nodes and restarts stopped ones. */
bool fc_revive_all(fc_cluster *c);

/* An INFO raft field of node i, or -1 when it does not answer quickly. */
long long fc_info_int(fc_cluster *c, int i, const char *field);
/* The node that a majority of the cluster follows in the highest term seen,
 * waiting up to timeout_ms; -1 if none. */
int fc_leader(fc_cluster *c, int timeout_ms);

/* Network faults through the proxy. */
void fc_block(fc_cluster *c, int from, int to, bool blocked);
/* Cuts every link between the nodes in mask (bit i = node i) and the others. */
void fc_split(fc_cluster *c, unsigned mask);
void fc_isolate(fc_cluster *c, int i);
void fc_delay(fc_cluster *c, int from, int to, int delay_ms);
/* Closes every open peer connection, both sides. */
void fc_drop_all(fc_cluster *c);
void fc_heal(fc_cluster *c);

/* A short description of the fault state for the run's event log. */
const char *fc_name(const fc_cluster *c, int i);

#endif

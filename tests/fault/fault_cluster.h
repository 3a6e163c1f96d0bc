/* A cluster of real sandstore processes whose peer links all pass through the fault proxy. */
#ifndef SS_FAULT_CLUSTER_H
#define SS_FAULT_CLUSTER_H

#include <stdbool.h>

#include "fault/fault_proxy.h"
#include "integration/harness.h"

#define FC_MAX 5

/*
 * Node i (0-based, node id i+1) reaches node j's raft port through the
 * proxy link i->j: its --peers lists the link's address for every other node
 * and its own real address for itself. Data directories live under dir
 * (dir/node1, ...); logs are dir/nodeN/sandstore.log.
 */
typedef struct fc_cluster {
    int n;
    h_node nodes[FC_MAX];
    bool paused[FC_MAX];
    fp_proxy *proxy;
    int link_port[FC_MAX][FC_MAX];
    char dir[256];
} fc_cluster;

/* Sets up n nodes under dir (which must exist) with the short timeouts the
 * fault tests use plus extra directives; starts the proxy (it stops by itself
 * after lifetime_ms). Does not start the nodes. */
bool fc_init(fc_cluster *c, int n, const char *dir, const char *extra, int lifetime_ms);
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

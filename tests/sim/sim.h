/* A deterministic discrete-event simulation of a Raft cluster, with safety checks. */
#ifndef SS_SIM_H
#define SS_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "raft/raft.h"

#define SIM_MAX_NODES 7

typedef struct sim sim;

typedef struct sim_faults {
    unsigned loss_pct;        /* chance a message is lost, in percent */
    unsigned dup_pct;         /* chance a message is delivered twice */
    unsigned delay_min_ms, delay_max_ms;
    unsigned disk_min_ms, disk_max_ms; /* write latency (slow disks when large) */
    unsigned crash_per_s;     /* expected crashes per simulated second, x100 */
    unsigned leader_crash_per_s; /* the same, aimed at the leader (Figure 8 histories) */
    unsigned partition_per_s; /* expected partition changes per second, x100 */
    unsigned transfer_per_s;  /* leadership transfer requests per second, x100 */
    unsigned cut_leader_pct;  /* chance a new leader is cut off moments after winning */
    unsigned member_per_s;    /* membership changes asked of the leader per second, x100 */
} sim_faults;

typedef struct sim_options {
    unsigned n_nodes;         /* the bootstrap voters, ids 1..n_nodes */
    unsigned n_spare;         /* then nodes outside the configuration, which may be added */
    uint64_t seed;
    bool verbose;             /* print the trace: every message, every role change */
    bool pre_vote, check_quorum;
    unsigned election_ms, heartbeat_ms, tick_ms;
    unsigned propose_every_ms, read_every_ms; /* client load, 0 = none */
    unsigned max_append_entries, max_inflight; /* small, to exercise the limits */
    unsigned max_snapshot_chunk; /* bytes per InstallSnapshot message */
    unsigned compact_keep;       /* compaction keeps up to this many applied entries */
    sim_faults faults;
} sim_options;

/* Options drawn from the seed: fault rates, delays, switches. */
void sim_options_random(sim_options *o, unsigned n_nodes, uint64_t seed);
/* A fault-free cluster for scripted scenarios. */
void sim_options_calm(sim_options *o, unsigned n_nodes, uint64_t seed);

sim *sim_new(const sim_options *o);
void sim_free(sim *s);

/* Runs until simulated time t_ms (absolute); checks every invariant after every
 * event. Returns false, with sim_failure() set, as soon as one breaks. */
bool sim_run_until(sim *s, uint64_t t_ms);
const char *sim_failure(const sim *s);
uint64_t sim_now(const sim *s);

/* Faults and repairs, for scripted scenarios and the random driver. */
void sim_heal(sim *s);                  /* network whole, every node up (a removed one stopped without pre-vote), calm disks */
void sim_crash(sim *s, unsigned node);  /* node: 0-based */
void sim_restart(sim *s, unsigned node);
void sim_isolate(sim *s, unsigned node);
void sim_block(sim *s, unsigned from, unsigned to); /* one-way */
void sim_set_chaos(sim *s, bool on);    /* random faults and load on/off */

/* Membership: a change asked of the leader (node: 0-based), as the chaos
 * does; SS_ENOLEADER without a leader, else raft_change_conf's answer. */
int sim_change(sim *s, int op, unsigned node);
/* Members of the newest leader's latest configuration (voters only if
 * voters_only), as 0-based nodes into out (room for SIM_MAX_NODES); 0
 * without a leader. */
unsigned sim_members(sim *s, unsigned *out, bool voters_only);
unsigned sim_node_count(const sim *s);  /* n_nodes + n_spare */
uint64_t sim_conf_changes(const sim *s); /* configuration entries committed */

/* Observers. */
raft *sim_raft(sim *s, unsigned node);  /* NULL while crashed */
int sim_leader(const sim *s);           /* node index of a leader of the highest term, or -1 */
uint64_t sim_applied(const sim *s, unsigned node);
uint64_t sim_max_applied(const sim *s);
/* Client requests through the simulated clients (counted in the checks). */
int sim_propose(sim *s, unsigned node, uint64_t *payload_out);
int sim_read(sim *s, unsigned node);
uint64_t sim_reads_done(const sim *s);
bool sim_payload_applied(const sim *s, unsigned node, uint64_t payload);
uint64_t sim_snapshots_installed(const sim *s);

#endif

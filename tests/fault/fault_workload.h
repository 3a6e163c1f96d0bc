/* Fault-run workloads other than the key/value registers: job queues, streams, BITFIELD counters. */
#ifndef SS_FAULT_WORKLOAD_H
#define SS_FAULT_WORKLOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "fault/fault_client.h"
#include "fault/fault_cluster.h"

/*
 * A workload starts client threads against every node, records what each
 * operation did (ok / failed / unknown, as fault_client.h defines them) and,
 * after the run healed the cluster, reads the final state through the leader
 * and checks the records against it. The histories are its own (not the
 * register model's): what is checked is counting, not linearizability.
 */

typedef struct fw_opts {
    int nclients; /* 0: the workload's own */
    int nports;
    int ports[FCL_MAX_PORTS];
    uint64_t seed;
    int timeout_ms; /* socket timeout beyond a blocking command's own */
} fw_opts;

typedef struct fw_stats {
    uint64_t ok, failed, unknown;
} fw_stats;

typedef struct fw_run fw_run;

typedef struct fw_workload {
    const char *name;
    /* Sets up the keys through the leader and starts the clients; NULL when
     * the setup did not succeed in time. */
    fw_run *(*start)(fc_cluster *c, const fw_opts *o);
    /* Stops the clients (each finishes its operation) and counts outcomes. */
    void (*stop)(fw_run *r, fw_stats *st);
    /* The final state through the leader, then every check; false with why. */
    bool (*check)(fw_run *r, fc_cluster *c, char *why, size_t whysize);
    /* The recorded operations, one a line, for a failed run's directory. */
    void (*save)(const fw_run *r, const char *path);
    void (*free)(fw_run *r);
} fw_workload;

extern const fw_workload fw_queue;
extern const fw_workload fw_stream;
const fw_workload *fw_find(const char *name);

/* ---------------------------------------------------------- shared parts */

/* A connection to a random node (NULL when it does not answer). */
redisContext *fw_connect(const fw_opts *o, uint64_t *rng, int extra_ms);
/* An error reply to a write: failed (never applied) or unknown. */
hist_outcome fw_error_outcome(const char *msg);
/* A command through the leader, retried until a non-error reply or
 * timeout_ms; NULL then. */
redisReply *fw_leader_cmd(fc_cluster *c, int timeout_ms, const char *fmt, ...);

/* A growable array of fixed-size records (size bytes each). */
typedef struct fw_vec {
    void *items;
    size_t len, cap, size;
} fw_vec;
void fw_vec_init(fw_vec *v, size_t size);
void *fw_vec_push(fw_vec *v);
void fw_vec_append(fw_vec *v, const fw_vec *from);
void fw_vec_release(fw_vec *v);
#define FW_AT(v, type, i) (&((type *)(v)->items)[i])

/* The workloads' client threads: client i (id i+1, its own random stream
 * from the seed) runs main(&clients[i]) until fw_clients_stop, which joins
 * them and appends every client's records (of size bytes) to all. */
typedef struct fw_client {
    void *run; /* the workload's */
    int id;
    uint64_t rng;
    pthread_t thread;
    const atomic_bool *stop;
    fw_vec ops;
} fw_client;

typedef struct fw_clients {
    atomic_bool stop;
    int n;
    fw_client c[FCL_MAX_CLIENTS];
} fw_clients;

void fw_clients_start(fw_clients *cs, int n, uint64_t seed, size_t size, void *run, void *(*main)(void *));
void fw_clients_stop(fw_clients *cs, fw_vec *all);

/* What every workload's run holds. */
struct fw_run {
    fw_opts o;
    fw_clients clients;
    fw_vec ops; /* every client's records (of the workload's type), after stop */
};

/* A run of n clients (o->nclients when set, at least min) recording records
 * of size bytes; fw_stop stops them and counts the outcome of each record
 * (outcome returns -1 for a record that is no command of its own). */
fw_run *fw_start(const fw_opts *o, int n, int min, size_t size, void *(*main)(void *));
void fw_stop(fw_run *run, int (*outcome)(const void *rec), fw_stats *st);
void fw_free(fw_run *run);

#endif

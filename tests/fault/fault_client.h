/* Concurrent hiredis clients for the fault tests, each recording its operations as a checker history. */
#ifndef SS_FAULT_CLIENT_H
#define SS_FAULT_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "fault/history.h"

#define FCL_MAX_CLIENTS 16
#define FCL_MAX_PORTS 8

/*
 * Each client is a thread with its own connection (to a node picked at
 * random, again after every error and now and then), issuing SET, GET, INCR,
 * DEL and SET NX with unique values on registers r0..r{nkeys-1}, and INCR/GET
 * on counters n0..n{ncounters-1} (never written otherwise, so their final
 * value can be compared with the INCR counts). Every operation is recorded
 * with its invocation and completion time and one of:
 *   ok      - a reply (INCR on a non-integer replies an error: ok/error);
 *   failed  - definitely not applied: -CLUSTERDOWN, -BUSY, -MOVED, another
 *             -ERR before the log, or no connection before sending;
 *   unknown - timeout, connection lost after sending, -TRYAGAIN, and
 *             "-ERR server is shutting down" (a node stopping answers that
 *             for writes it had already handed to Raft, which may commit).
 */

typedef struct fcl_opts {
    int nclients;
    int nkeys;
    int ncounters;
    int nports;
    int ports[FCL_MAX_PORTS];
    uint64_t seed;
    int timeout_ms;   /* hiredis socket timeout */
    int max_pause_ms; /* random think time between operations: [0, max] */
    bool scripts;     /* every operation as a Lua script (EVAL, EVAL_RO) */
} fcl_opts;

typedef struct fcl_stats {
    uint64_t ok, failed, unknown, not_connected;
    uint64_t harness_errors; /* clients whose ops the history refused (printed) */
} fcl_stats;

typedef struct fcl_run fcl_run;

fcl_run *fcl_start(const fcl_opts *o);
/* Stops every client (each finishes its current operation) and appends all
 * their operations to out. */
void fcl_stop(fcl_run *r, history *out, fcl_stats *stats);

/* A connection to 127.0.0.1:port with timeout_ms for connecting and every
 * reply; NULL when the node does not answer. */
redisContext *fcl_connect(int port, int timeout_ms);

/* Monotonic nanoseconds: the clock of every recorded history. */
int64_t fcl_now_ns(void);

/* Runs one recorded operation on ctx (SET with value, GET, SET_NX, DEL or
 * INCR on key) and fills op; returns false when the connection must be
 * dropped. op->key and op->value point at key and value (not copied); a GET's
 * op->result.s is malloc'd and the caller's to free. */
bool fcl_exec(redisContext *ctx, int client, hist_kind kind, const char *key, const char *value,
              hist_op *op);
/* The same, with scripts: each operation as the script doing it. */
bool fcl_exec_as(redisContext *ctx, int client, hist_kind kind, const char *key, const char *value, bool scripts,
                 hist_op *op);

#endif

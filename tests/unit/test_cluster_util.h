/* For the cluster/ unit tests: a fake state machine, a node on a real libuv loop in a temp dir, log set-up. */
#ifndef SS_TEST_CLUSTER_UTIL_H
#define SS_TEST_CLUSTER_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "cluster/cluster.h"
#include "raft/raft.h"
#include "raft_io/transport.h"

/*
 * The fake state machine: its state is a digest of every command applied,
 * in order, and its snapshot files are its own small format (below), so the
 * cluster's snapshot code runs exactly as it does over the store. Knobs make
 * the next stage or adopt fail with a chosen code; counters say what the
 * cluster asked of it. stage runs on the snapshot worker thread: the knobs
 * and counters it touches are atomic.
 */
typedef struct fake_sm {
    uint64_t applied, applied_term;
    uint64_t digest;
    uint64_t commands;          /* command entries applied */
    atomic_int fail_stage;      /* SS_OK or the code stage returns (every time) */
    atomic_int fail_adopt;
    atomic_int stage_calls, adopt_calls, begin_calls;
    char staged_path[4096];     /* the file last staged */
    uint8_t conf[RAFT_CONF_MAX_ENCODED]; /* the last configuration entry applied */
    size_t conf_len;            /* 0: none */
} fake_sm;

void fake_sm_init(fake_sm *f);
/* The interface, with every snapshot hook. */
ss_state_machine fake_sm_iface(fake_sm *f);

/*
 * The fake's snapshot file: "FAKESNAP" | index u64 | term u64 | digest u64 |
 * pad length u64 | pad bytes | crc32c u32 of every byte before it.
 * stage checks all of it (SS_ECORRUPT otherwise); info reads the header.
 */
int fake_snap_write(const char *path, uint64_t index, uint64_t term, uint64_t digest,
                    size_t pad);
/* The whole file in memory (caller frees), or NULL. */
uint8_t *fake_snap_bytes(uint64_t index, uint64_t term, uint64_t digest, size_t pad, size_t *len);

/* A fresh directory under /tmp (mkdtemp), and its removal (rm -rf). */
void tc_dir_make(char *out, size_t size);
void tc_dir_remove(const char *dir);

/* A node: one ss_cluster over a fake state machine. */
typedef struct tc_node {
    uv_loop_t *loop;
    ss_config cfg;
    fake_sm sm;
    ss_cluster *c;
    int fatal_code;             /* the last fatal event's code (0: none) */
    char fatal_msg[512];
    int fatal_count;
    uint64_t leader_id;
} tc_node;

/* Sets up the config (dir, node-id 1, quick timeouts, then conf: "directive
 * value" lines) and the fake state machine; nothing is opened. */
void tc_node_init(tc_node *n, uv_loop_t *loop, const char *dir, const char *conf);
/* ss_cluster_new: SS_OK or its error (errmsg set; nothing left open). */
int tc_node_open(tc_node *n, char *errmsg);
/* ss_cluster_start. */
void tc_node_start(tc_node *n);
/* ss_cluster_close, running the loop until it is done. */
void tc_node_close(tc_node *n);
void tc_node_release(tc_node *n);
/* An INFO raft field as an integer (-1 if absent). */
long long tc_info(tc_node *n, const char *field);

/* Proposes one command and runs the loop until its callback; its status. */
int tc_propose(tc_node *n, const void *data, size_t len);

/* Writes a raft log under dir: it starts after base (of base_term) and holds
 * base+1..last, all of term `term`, each entry "e<index>"; hard state term. */
void tc_log_write(uv_loop_t *loop, const char *dir, uint64_t base, uint64_t base_term,
                  uint64_t last, uint64_t term);
/* The log's bounds on disk (first index, last index). */
void tc_log_bounds(uv_loop_t *loop, const char *dir, uint64_t *first, uint64_t *last);

int64_t tc_now_ms(void);

/* A TCP port nobody listens on right now (127.0.0.1). */
int tc_free_port(void);

/*
 * A fake peer: the test plays another node (id) over a real transport to
 * node 1 at 127.0.0.1:node_port, sending hand-made raft messages and seeing
 * node 1's. It records the last answers of the kinds tests wait for, node
 * 1's snapshot reports (PEER_SNAP_BAD), and hands every raft message to
 * on_raft if set.
 */
typedef struct tc_peer {
    ss_transport *t;
    uint64_t id;
    int port;                    /* the fake's own raft port */
    bool info;                   /* node 1's PEER_INFO came: it is connected to us */
    int snap_resps, append_resps, snapshots;
    raft_msg snap_resp, append_resp, snapshot; /* the last of each (no data kept) */
    int reports;
    uint64_t report_index, report_term;
    int report_code;
    char report_why[256];
    void (*on_raft)(struct tc_peer *p, const raft_msg *m);
    void *ctx;
} tc_peer;

void tc_peer_start(tc_peer *p, uv_loop_t *loop, uint64_t id, int node_port);
void tc_peer_send(tc_peer *p, const raft_msg *m);
/* Sends node 1 a PEER_SNAP_BAD report, as a follower that could not install. */
void tc_peer_report(tc_peer *p, uint64_t index, uint64_t term, int code, const char *why);
/* Closes the transport (run the loop to finish). */
void tc_peer_close(tc_peer *p);

/* Runs the loop until cond holds or timeout_ms pass (a bound, not a timing
 * goal); the value of cond at the end. */
#define TC_WAIT(loop, cond, timeout_ms)                                   \
    ({                                                                    \
        int64_t tc_deadline_ = tc_now_ms() + (timeout_ms);                \
        while (!(cond) && tc_now_ms() < tc_deadline_)                     \
            uv_run((loop), UV_RUN_ONCE);                                  \
        (bool)(cond);                                                     \
    })

#endif

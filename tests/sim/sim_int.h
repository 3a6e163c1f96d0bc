/* Internals shared by the simulator's engine (sim.c) and its safety checks (check.c). */
#ifndef SS_SIM_INT_H
#define SS_SIM_INT_H

#include <stddef.h>

#include "sim/sim.h"

typedef struct dentry {     /* an entry on a simulated disk */
    uint64_t index, term;
    uint8_t type;
    uint64_t payload;       /* client payloads are unique 8-byte ids; 0 for no-ops; */
    size_t len;             /* configurations SIM_CONF | their number in sim.confs */
} dentry;

#define SIM_CONF (UINT64_C(1) << 63)

typedef struct conf_blob {  /* a configuration entry's data, kept once per distinct value */
    uint8_t *data;
    size_t len;
} conf_blob;

typedef struct applied_rec {
    uint64_t index, term, payload;
} applied_rec;

/* A snapshot is the applied sequence up to its index, as SNAP_REC bytes a record. */
#define SNAP_REC 24

typedef struct dwrite {     /* a write in flight to a simulated disk */
    uint64_t done_at;
    bool has_hs;
    raft_hard_state hs;
    uint64_t truncate_from;
    applied_rec *snap;      /* install this snapshot first (n_snap records) */
    size_t n_snap;
    uint64_t snap_term;
    dentry *ents;
    size_t n;
} dwrite;


typedef struct node {
    raft *r;                /* NULL while crashed */
    bool up;
    bool stopped;           /* retired and shut down for good by the operator */
    unsigned gen;           /* restarts; stale tick events carry an older one */
    raft_hard_state disk_hs;
    dentry *disk;           /* disk[i] holds index disk_base + 1 + i */
    size_t n_disk, cap_disk;
    uint64_t disk_base, disk_base_term; /* the installed snapshot the log starts after */
    uint8_t *snap_in;       /* chunks of an incoming snapshot, not durable */
    size_t n_snap_in, cap_snap_in;
    dwrite *writes;         /* FIFO: complete in order */
    size_t n_writes, cap_writes;
    applied_rec *applied;   /* the durable state machine: what was applied, in order */
    size_t n_applied, cap_applied;
    uint64_t lead_term;     /* term in which we last saw it lead, and its last index then */
    uint64_t lead_last;
    uint64_t lead_commit;   /* and its commit index then */
    uint64_t commit_checked; /* its commit index claims checked up to here */
} node;

typedef struct committed_rec {
    uint64_t term, payload;
    uint64_t seen_term;     /* first applier's term: the entry was committed at or before it */
} committed_rec;

typedef struct reg_slot {   /* (index, term) -> what every log must hold there */
    uint64_t index, term, payload, prev_term;
} reg_slot;

typedef struct proposal {  /* a proposal accepted by a leader, fate not yet known */
    uint64_t payload, index, term;
    unsigned node;
    bool lost;              /* reported lost ("outcome unknown") by its leader */
} proposal;

typedef struct event event;

struct sim {
    sim_options o;
    uint64_t now;
    uint64_t rng;
    bool chaos;
    bool contract_checks;   /* also check the durability contract at send time */
    char failure[512];
    node nodes[SIM_MAX_NODES];
    bool blocked[SIM_MAX_NODES][SIM_MAX_NODES];

    event *heap;
    size_t n_heap, cap_heap;
    uint64_t ev_seq;

    /* checks */
    uint64_t *leader_of_term;   /* node id + 1 by term; 0 = none seen */
    size_t cap_terms;
    committed_rec *committed;   /* by index - 1 */
    size_t n_committed, cap_committed;
    reg_slot *reg;
    size_t n_reg, cap_reg;
    uint64_t *read_need;        /* by read ctx - 1: max applied index when issued */
    uint8_t *read_done;
    size_t n_reads, cap_reads;
    uint64_t reads_ok;
    uint64_t read_max_index;    /* highest read index answered during this event */
    uint64_t next_payload;
    uint64_t snapshots;         /* installed */
    proposal *props;
    size_t n_props, cap_props;

    /* membership */
    conf_blob *confs;
    size_t n_confs, cap_confs;
    bool retired[SIM_MAX_NODES + 1]; /* by id: removed by a committed configuration */
    uint64_t conf_changes;   /* configuration entries committed */
};

enum { EV_DELIVER, EV_TICK, EV_DISK, EV_CHAOS, EV_RESTART, EV_PROPOSE, EV_READ, EV_CUT, EV_SNAP_READ };

void *sim_xrealloc(void *p, size_t n);
unsigned sim_total(const sim *s);                          /* every node, spares included */
/* The payload an entry is known by (a configuration's is SIM_CONF | its number). */
uint64_t sim_entry_payload(sim *s, const raft_entry *e);
/* The entry data for a payload: a configuration's blob, or the 8 bytes at *payload. */
const void *sim_payload_data(const sim *s, const uint64_t *payload, size_t *len);
/* The configuration the state machine holds after recs (the last one applied); false if none. */
bool sim_sm_conf(const sim *s, const applied_rec *recs, size_t n, raft_conf *out);
unsigned sim_rnd(sim *s, unsigned n);                      /* [0, n) */
unsigned sim_rnd_range(sim *s, unsigned lo, unsigned hi);  /* [lo, hi] */
void sim_schedule(sim *s, uint64_t t, int kind, unsigned node);
void sim_pump(sim *s, unsigned node);                      /* the ready loop of raft.h */

/* nemesis.c */
void sim_chaos_step(sim *s);
void sim_compact_logs(sim *s);
bool sim_failf(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t sim_rand(sim *s);

/* check.c */
void check_ready(sim *s, unsigned i, const raft_ready *rd);
void check_after_event(sim *s);
void check_read_issued(sim *s, uint64_t ctx);
void check_sent(sim *s, unsigned i, const raft_msg *m);
void check_release(sim *s);
void check_proposed(sim *s, unsigned i, uint64_t payload, uint64_t index);
void check_crashed(sim *s, unsigned i);
void check_snapshot_installed(sim *s, unsigned i, const applied_rec *recs, size_t n);

#endif

/* Snapshot policy: when to take a snapshot and when to compact the log to it; pure decisions, no I/O. */
#ifndef SS_CLUSTER_SNAP_POLICY_H
#define SS_CLUSTER_SNAP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------- taking */

typedef enum {
    SNAP_TAKE_NOT_DUE = 0,   /* below both thresholds, or waiting after a failure */
    SNAP_TAKE_NOTHING_NEW,   /* the newest snapshot already holds every applied entry */
    SNAP_TAKE_TERM_UNKNOWN,  /* the term of the applied entry is not known yet */
    SNAP_TAKE_REPLACE,       /* the newest snapshot's file was reported damaged */
    SNAP_TAKE_REQUESTED,     /* BGSAVE */
    SNAP_TAKE_BY_COUNT,      /* snapshot-threshold entries applied since the last one */
    SNAP_TAKE_BY_BYTES,      /* snapshot-threshold-bytes of entries applied since */
} snap_take;

typedef struct snap_take_input {
    uint64_t applied;            /* the state machine's applied index */
    bool applied_term_known;     /* the term of that entry is known (see the restart) */
    uint64_t newest;             /* the newest snapshot's index (0: none) */
    uint64_t bytes_since;        /* entry bytes applied since the last take started */
    bool requested;              /* BGSAVE asked for one */
    bool replace;                /* the newest snapshot's file is suspect: take one even
                                    at its index, to replace it */
    bool failed_recently;        /* the last attempt failed and its back-off runs */
    long long threshold;         /* snapshot-threshold (0: never by count) */
    long long threshold_bytes;   /* snapshot-threshold-bytes (0: never by size) */
} snap_take_input;

/* Whether to take a snapshot of the applied state now (the last four
 * answers), and if not, why not. A request is honoured even during the
 * back-off after a failure; nothing is taken twice at one index unless the
 * file there is to be replaced. */
snap_take snap_policy_take(const snap_take_input *in);
/* The reason, for the log line of a snapshot that is taken. */
const char *snap_take_reason(snap_take t);

/* ---------------------------------------------------------- compacting */

typedef struct snap_follower {
    uint64_t id;
    uint64_t match;     /* what the leader knows it holds */
    bool connected;     /* the transport is up */
    bool replicating;   /* catching up by appends (not probing, not by snapshot) */
} snap_follower;

typedef enum {
    SNAP_COMPACT_NO = 0,        /* no snapshot newer than the log's base */
    SNAP_COMPACT_TRAILING,      /* snapshot-trailing-entries not applied after it yet */
    SNAP_COMPACT_HOLD,          /* a follower catching up by appends still needs the log */
    SNAP_COMPACT_NOW,
} snap_compact;

typedef struct snap_compact_input {
    uint64_t newest;             /* the newest snapshot's index */
    uint64_t base;               /* where the log starts now (after base) */
    uint64_t applied;
    long long trailing;          /* snapshot-trailing-entries */
    long long threshold, threshold_bytes;
    uint64_t log_bytes;          /* the log's size on disk */
    bool leader;
    bool urgent;                 /* the base's file is suspect: move past it at once */
    const snap_follower *followers;
    size_t n_followers;
} snap_compact_input;

/*
 * Whether to move the log's base to the newest snapshot now. Compaction
 * waits until snapshot-trailing-entries more entries are applied after it, so
 * a slightly slow follower still catches up by appends; and a leader waits a
 * little longer for a connected follower that is catching up by appends and
 * has not reached the snapshot yet (it would otherwise need the whole
 * snapshot), while the log stays under twice the snapshot thresholds.
 * *held_for names that follower (SNAP_COMPACT_HOLD only). When the file at
 * the base is suspect (a follower found it damaged) there is no waiting: the
 * base moves to a newer snapshot as soon as there is one.
 */
snap_compact snap_policy_compact(const snap_compact_input *in, uint64_t *held_for);

#endif

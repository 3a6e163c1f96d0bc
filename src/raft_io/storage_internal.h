/* The storage object shared by the open (recovery) and loop-side halves of the Raft log. */
#ifndef SS_RAFT_IO_STORAGE_INTERNAL_H
#define SS_RAFT_IO_STORAGE_INTERNAL_H

#include "raft_io/storage.h"
#include "raft_io/storage_writer.h"

struct ss_storage {
    uv_loop_t *loop;
    int lock_fd;               /* flock'd raft/LOCK, held until freed */
    ss_storage_opts opts;
    ss_writer w;               /* the worker's while a round is in flight */
    uv_work_t work;
    uv_idle_t kick;            /* starts a round once the loop iteration's requests are in */
    ss_storage_req *queue, *queue_tail; /* waiting for the next round */
    ss_storage_req *batch;     /* the round in flight */
    bool in_flight;
    int round_status;
    uint64_t pending_bytes;    /* cost of queued and in-flight requests */
    uint64_t first_index;      /* as of the requests accepted so far */
    uint64_t next_index;
    uint64_t bytes;            /* on disk after the last round */
    ss_storage_stats stats;
    uint64_t fsync_max_us;     /* the slowest fsync since ss_storage_take_fsync_max_us */
    int failed;                /* sticky: once a write or fsync fails, nothing else is written */
    ss_errmsg fail_msg;
    bool closing, close_started;
    ss_storage_close_cb close_cb;
    void *close_arg;
};

#endif

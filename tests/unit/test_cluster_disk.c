/* The cluster and its disk: failing and slow fsyncs, storage back-pressure, entries too big for the log. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "unit/test_cluster_util.h"

/*
 * This binary defines fsync and fdatasync itself, so the libraries linked
 * into it (the log's writer, the snapshot files) call these: they fail on
 * the files the test names, or wait at a gate the test holds closed, and
 * otherwise make the real system call.
 */
static pthread_mutex_t disk_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t disk_cv = PTHREAD_COND_INITIALIZER;
static char fail_fsync_path[PATH_MAX]; /* fsync of this path fails with EIO */
static char sync_prefix[PATH_MAX];     /* fdatasync of files under this path: */
static int sync_errno;                 /*   fails with this errno, or */
static bool sync_gate_closed;          /*   waits while this is set */
static int sync_waiting;               /* fdatasyncs waiting at the gate */

static bool fd_path(int fd, char *out, size_t size)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    if (n < 0)
        return false;
    out[n] = '\0';
    return true;
}

int fsync(int fd)
{
    char path[PATH_MAX];
    pthread_mutex_lock(&disk_mu);
    bool fail = fail_fsync_path[0] && fd_path(fd, path, sizeof path) &&
                strcmp(path, fail_fsync_path) == 0;
    pthread_mutex_unlock(&disk_mu);
    if (fail) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd)
{
    char path[PATH_MAX];
    pthread_mutex_lock(&disk_mu);
    bool ours = sync_prefix[0] && fd_path(fd, path, sizeof path) &&
                strncmp(path, sync_prefix, strlen(sync_prefix)) == 0;
    int fail = ours ? sync_errno : 0;
    if (ours) {
        sync_waiting++;
        pthread_cond_broadcast(&disk_cv);
        while (sync_gate_closed)
            pthread_cond_wait(&disk_cv, &disk_mu);
        sync_waiting--;
    }
    pthread_mutex_unlock(&disk_mu);
    if (fail) {
        errno = fail;
        return -1;
    }
    return (int)syscall(SYS_fdatasync, fd);
}

static void disk_reset(void)
{
    pthread_mutex_lock(&disk_mu);
    fail_fsync_path[0] = sync_prefix[0] = '\0';
    sync_errno = 0;
    sync_gate_closed = false;
    pthread_cond_broadcast(&disk_cv);
    pthread_mutex_unlock(&disk_mu);
}

static uv_loop_t loop;
static char dir[256];
static tc_node node;

static void setup(void)
{
    disk_reset();
    uv_loop_init(&loop);
    tc_dir_make(dir, sizeof dir);
}

static void teardown(void)
{
    disk_reset();
    tc_node_release(&node);
    cr_expect_eq(uv_loop_close(&loop), 0, "every handle is closed");
    tc_dir_remove(dir);
}

TestSuite(cluster_disk, .init = setup, .fini = teardown, .timeout = 120);

Test(cluster_disk, a_data_directory_whose_fsync_fails_refuses_to_start)
{
    tc_log_write(&loop, dir, 0, 0, 3, 1); /* the raft directory exists already */
    tc_node_init(&node, &loop, dir, "");
    pthread_mutex_lock(&disk_mu);
    cr_assert_not_null(realpath(dir, fail_fsync_path));
    pthread_mutex_unlock(&disk_mu);
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_EIO, "the snapshots directory may not be durable");
    cr_expect(strstr(err, "fsync directory") != NULL && strstr(err, dir) != NULL, "%s", err);
}

/* A one-member cluster, led by itself, that has applied its first no-op. */
static void start_single(const char *conf)
{
    tc_node_init(&node, &loop, dir, conf);
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_OK, "%s", err);
    tc_node_start(&node);
    cr_assert(TC_WAIT(&loop, node.leader_id == 1 && node.sm.applied >= 1, 30000), "it leads");
}

/* fdatasync of the raft log's files: fail with e, or wait at the gate. */
static void log_syncs(int e, bool gate_closed)
{
    char path[PATH_MAX], raftdir[PATH_MAX + 8];
    cr_assert_not_null(realpath(dir, path));
    snprintf(raftdir, sizeof raftdir, "%s/raft/", path);
    pthread_mutex_lock(&disk_mu);
    snprintf(sync_prefix, sizeof sync_prefix, "%s", raftdir);
    sync_errno = e;
    sync_gate_closed = gate_closed;
    pthread_cond_broadcast(&disk_cv);
    pthread_mutex_unlock(&disk_mu);
}

static bool log_sync_waiting(void)
{
    pthread_mutex_lock(&disk_mu);
    bool waiting = sync_waiting > 0;
    pthread_mutex_unlock(&disk_mu);
    return waiting;
}

static void on_status(void *arg, int status) { *(int *)arg = status; }

Test(cluster_disk, a_log_that_pushes_back_queues_writes_in_order_and_refuses_proposals_until_it_drains)
{
    start_single("raft-log-max-pending 64kb\n");
    static char a[100 << 10], b[100 << 10], c[100], d[100];
    memset(a, 'a', sizeof a);
    memset(b, 'b', sizeof b);
    memset(c, 'c', sizeof c);
    memset(d, 'd', sizeof d);
    log_syncs(0, true); /* the disk stalls */
    int sa = -1, sb = -1, sc = -1;
    ss_cluster_propose(node.c, a, sizeof a, on_status, &sa);
    cr_assert_eq(sa, SS_OK);
    cr_assert(TC_WAIT(&loop, log_sync_waiting(), 30000), "a's write waits for the disk");
    ss_cluster_propose(node.c, b, sizeof b, on_status, &sb);
    cr_assert_eq(sb, SS_OK, "b was accepted before the log pushed back");
    cr_assert(TC_WAIT(&loop, tc_info(&node, "raft_log_busy") == 1, 30000),
              "b's write is over raft-log-max-pending: it queues");
    ss_cluster_propose(node.c, c, sizeof c, on_status, &sc);
    cr_expect_eq(sc, SS_EBUSY, "a new proposal is refused while the log pushes back");
    cr_expect_eq(tc_info(&node, "raft_proposals_refused_busy"), 1);
    cr_expect_eq(node.fatal_count, 0, "back-pressure is not fatal: %s", node.fatal_msg);

    log_syncs(0, false); /* the disk catches up */
    uint64_t applied = node.sm.applied;
    cr_assert(TC_WAIT(&loop, node.sm.applied >= applied + 2, 30000), "a and b commit");
    cr_expect_eq(node.sm.commands, 2, "a and b, in order, and not c");
    cr_assert(TC_WAIT(&loop, tc_info(&node, "raft_log_busy") == 0, 30000));
    cr_expect_eq(tc_info(&node, "raft_log_busy_events"), 1);
    cr_expect_eq(tc_propose(&node, d, sizeof d), SS_OK, "proposals are accepted again");
    cr_assert(TC_WAIT(&loop, node.sm.commands == 3, 30000));
    cr_expect_eq(node.fatal_count, 0);
}

Test(cluster_disk, an_entry_over_what_the_log_stores_is_refused_to_its_proposer)
{
    start_single("");
    size_t big = ((size_t)512 << 20) + 1; /* the log's limit is 512 MiB */
    char *e = calloc(1, big);
    cr_assert_not_null(e);
    cr_expect_eq(tc_propose(&node, e, big), SS_ETOOBIG);
    free(e);
    cr_expect_eq(node.fatal_count, 0, "not fatal: %s", node.fatal_msg);
    cr_expect_eq(tc_propose(&node, "small", 5), SS_OK, "the node goes on");
    cr_assert(TC_WAIT(&loop, node.sm.commands == 1, 30000));
}

Test(cluster_disk, with_peers_an_entry_over_what_a_peer_message_carries_is_refused)
{
    /* proto-max-bulk-len 1mb: peer frames hold 5 MiB. Nobody else is up and
     * no leader is known: the refusal does not wait for one. */
    tc_node_init(&node, &loop, dir,
                 "proto-max-bulk-len 1mb\nraft-port 0\n"
                 "peers 1@127.0.0.1:1,2@127.0.0.1:2,3@127.0.0.1:3\n");
    ss_errmsg err = "";
    cr_assert_eq(tc_node_open(&node, err), SS_OK, "%s", err);
    size_t big = (size_t)5 << 20;
    char *e = calloc(1, big);
    int st = -1;
    ss_cluster_propose(node.c, e, big, on_status, &st);
    cr_expect_eq(st, SS_ETOOBIG);
    free(e);
}

static void expect_disk_error_stops_the_node(int e)
{
    start_single("");
    log_syncs(e, false);
    int st = -1;
    ss_cluster_propose(node.c, "x", 1, on_status, &st);
    cr_assert_eq(st, SS_OK);
    cr_assert(TC_WAIT(&loop, node.fatal_count > 0, 30000), "the node stops");
    cr_expect_eq(node.fatal_code, SS_EIO);
    cr_expect(strstr(node.fatal_msg, strerror(e)) != NULL && strstr(node.fatal_msg, "fsync"),
              "says which file and why: %s", node.fatal_msg);
    cr_expect_eq(node.sm.commands, 0, "nothing is applied that is not durable");
}

Test(cluster_disk, an_io_error_on_the_log_stops_the_node) { expect_disk_error_stops_the_node(EIO); }
Test(cluster_disk, a_full_disk_under_the_log_stops_the_node) { expect_disk_error_stops_the_node(ENOSPC); }

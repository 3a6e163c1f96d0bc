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

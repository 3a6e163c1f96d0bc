/* The durable Raft log, seen from its system calls: what is made durable, and which failures are reported. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "common/error.h"
#include "common/log.h"
#include "raft_io/storage.h"
#include "raft_io/storage_format.h"

/*
 * The binary is linked with -Wl,--wrap for close, fsync, fdatasync and
 * unlink (tests/unit/storage.cmake): every call the storage makes goes through
 * the wrappers below, which log it by path and can make a close fail as a
 * file system that reports a lost write-back only at close (NFS) does.
 */
int __real_close(int fd);
int __real_fsync(int fd);
int __real_fdatasync(int fd);
int __real_unlink(const char *path);

#define MAX_CALLS 256

typedef struct {
    char op[12];
    char path[PATH_MAX];
} syscall_rec;

static pthread_mutex_t calls_lock = PTHREAD_MUTEX_INITIALIZER;
static syscall_rec calls[MAX_CALLS];
static int ncalls;
static int last_fdatasync_fd = -1;
static bool fail_close_after_fdatasync;

static void fd_path(int fd, char *out, size_t size)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    out[n > 0 ? n : 0] = '\0';
}

/* Called from the loop thread (open) and the worker (rounds). */
static void note(const char *op, const char *path)
{
    pthread_mutex_lock(&calls_lock);
    if (ncalls < MAX_CALLS) {
        snprintf(calls[ncalls].op, sizeof calls[ncalls].op, "%s", op);
        snprintf(calls[ncalls].path, sizeof calls[ncalls].path, "%s", path);
        ncalls++;
    }
    pthread_mutex_unlock(&calls_lock);
}

static void note_fd(const char *op, int fd)
{
    char path[PATH_MAX];
    fd_path(fd, path, sizeof path);
    note(op, path);
}

int __wrap_fsync(int fd)
{
    note_fd("fsync", fd);
    return __real_fsync(fd);
}

int __wrap_fdatasync(int fd)
{
    note_fd("fdatasync", fd);
    pthread_mutex_lock(&calls_lock);
    last_fdatasync_fd = fd;
    pthread_mutex_unlock(&calls_lock);
    return __real_fdatasync(fd);
}

int __wrap_unlink(const char *path)
{
    note("unlink", path);
    return __real_unlink(path);
}

int __wrap_close(int fd)
{
    note_fd("close", fd);
    pthread_mutex_lock(&calls_lock);
    bool fail = fail_close_after_fdatasync && fd == last_fdatasync_fd;
    if (fail)
        last_fdatasync_fd = -1;
    pthread_mutex_unlock(&calls_lock);
    int rc = __real_close(fd);
    if (fail) {
        errno = EIO;
        return -1;
    }
    return rc;
}

/* Each test runs in its own process (Criterion forks). */
static char dir[64];
static char raftdir[128];          /* as the storage names it */
static char raftdir_real[PATH_MAX]; /* as /proc/self/fd shows it */
static uv_loop_t loop;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void setup(void)
{
    ss_log_set_level(SS_LOG_NONE);
    strcpy(dir, "/tmp/ss-storage-sync-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(raftdir, sizeof raftdir, "%s/raft", dir);
    cr_assert_not_null(realpath(dir, raftdir_real));
    strcat(raftdir_real, "/raft");
    cr_assert_eq(uv_loop_init(&loop), 0);
}

static void teardown(void)
{
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(storage_sync, .init = setup, .fini = teardown);

static int storage_open(ss_storage **s, char *err)
{
    ss_storage_opts o;
    ss_storage_opts_init(&o);
    o.segment_size = 2048;
    ss_storage_state st;
    int rc = ss_storage_open(&loop, dir, &o, s, &st, err);
    ss_storage_state_release(&st);
    return rc;
}

static void on_closed(void *arg) { *(bool *)arg = true; }

static void storage_close(ss_storage *s)
{
    bool closed = false;
    ss_storage_close(s, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert(closed);
}

static void on_persisted(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    *(int *)arg = status;
}

/* Appends entries first..last of 100 bytes each in one request; its status. */
static int append(ss_storage *s, uint64_t first, uint64_t last)
{
    static uint8_t payload[100];
    ss_log_entry es[64];
    cr_assert_leq(last - first + 1, 64);
    for (uint64_t i = first; i <= last; i++)
        es[i - first] = (ss_log_entry){.index = i, .term = 1, .len = sizeof payload,
                                       .data = payload};
    int status = -1;
    ss_persist_req req = {.entries = es, .n_entries = last - first + 1, .cb = on_persisted,
                          .arg = &status};
    cr_assert_eq(ss_storage_persist(s, &req), SS_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    return status;
}

/* A log of n entries in segments of 2 KB, closed. */
static void make_log(uint64_t n)
{
    ss_storage *s;
    ss_errmsg err = "";
    cr_assert_eq(storage_open(&s, err), SS_OK, "%s", err);
    cr_assert_eq(append(s, 1, n), SS_OK);
    storage_close(s);
}

/* The highest-numbered segment file, its path in out. */
static void last_segment_path(char *out, size_t size)
{
    uint64_t first = 1, best = 0;
    for (; first < 1000; first++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/" SS_SEG_PREFIX "%020" PRIu64, raftdir, first);
        if (access(path, F_OK) == 0)
            best = first;
    }
    cr_assert_gt(best, 0);
    snprintf(out, size, "%s/" SS_SEG_PREFIX "%020" PRIu64, raftdir, best);
}

static int find_call(int from, const char *op, const char *path)
{
    for (int i = from; i < ncalls; i++)
        if (strcmp(calls[i].op, op) == 0 && strcmp(calls[i].path, path) == 0)
            return i;
    return -1;
}

Test(storage_sync, removing_a_torn_new_segment_at_open_is_made_durable)
{
    make_log(10);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/" SS_SEG_PREFIX "%020" PRIu64, raftdir, (uint64_t)11);
    FILE *f = fopen(path, "w");
    fputs("SSRAFT", f); /* a roll cut short inside the segment header */
    fclose(f);
    ncalls = 0;
    ss_storage *s;
    ss_errmsg err = "";
    cr_assert_eq(storage_open(&s, err), SS_OK, "%s", err);
    int removed = find_call(0, "unlink", path);
    cr_assert_geq(removed, 0, "the torn segment is removed");
    cr_expect_geq(find_call(removed, "fsync", raftdir_real), 0,
                  "the directory is fsynced after the removal, before anything is appended");
    storage_close(s);
}

Test(storage_sync, a_close_failing_after_a_torn_tail_is_cut_fails_the_open)
{
    make_log(10);
    char path[PATH_MAX];
    last_segment_path(path, sizeof path);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(truncate(path, st.st_size - 7), 0); /* the last record is torn */
    fail_close_after_fdatasync = true;
    ss_storage *s = NULL;
    ss_errmsg err = "";
    cr_expect_eq(storage_open(&s, err), SS_EIO, "%s", err);
    cr_expect_null(s);
    cr_expect_not_null(strstr(err, "close"), "%s", err);
}

Test(storage_sync, a_close_failing_after_a_full_segment_is_synced_fails_the_log)
{
    ss_storage *s;
    ss_errmsg err = "";
    cr_assert_eq(storage_open(&s, err), SS_OK, "%s", err);
    fail_close_after_fdatasync = true;
    /* 40 records of 132 bytes roll over the 2 KB segment: the full one is
     * fdatasynced and closed before the next is created. */
    cr_expect_eq(append(s, 1, 40), SS_EIO);
    fail_close_after_fdatasync = false;
    ss_log_entry e = {.index = 41, .term = 1};
    ss_persist_req req = {.entries = &e, .n_entries = 1};
    cr_expect_eq(ss_storage_persist(s, &req), SS_EIO, "the log failed for good");
    storage_close(s);
}

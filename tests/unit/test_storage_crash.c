/* The raft log storage under kill -9: what a restart finds must be a state Raft can restart from. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "raft_io/storage.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void setup(void)
{
    ss_log_set_level(SS_LOG_NONE);
    strcpy(dir, "/tmp/ss-storage-crash-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

TestSuite(storage_crash, .init = setup, .fini = teardown);

/* The child: a node that moves to a new term with every entry, as a follower
 * does when each append comes from a new leader: hard state and entry in one
 * request, the next request once the previous is durable. */
typedef struct {
    ss_storage *s;
    uint64_t term;
} writer;

static void next(writer *w);

static void on_done(void *arg, int status, uint64_t last_index, const char *errmsg)
{
    if (status != SS_OK)
        _exit(3);
    next(arg);
}

static void next(writer *w)
{
    w->term++;
    uint8_t payload[64];
    memset(payload, (int)w->term, sizeof payload);
    ss_log_entry e = {.index = ss_storage_last_index(w->s) + 1, .term = w->term, .type = 1,
                      .len = sizeof payload, .data = payload};
    ss_persist_req req = {.set_hard_state = true, .term = w->term, .vote = 1, .commit = 0,
                          .entries = &e, .n_entries = 1, .cb = on_done, .arg = w};
    if (ss_storage_persist(w->s, &req) != SS_OK)
        _exit(4);
}

static void child_main(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    ss_storage_state st;
    ss_errmsg err = "";
    writer w = {0};
    if (ss_storage_open(&loop, dir, NULL, &w.s, &st, err) != SS_OK)
        _exit(2);
    w.term = st.term;
    ss_storage_state_release(&st);
    next(&w);
    uv_run(&loop, UV_RUN_DEFAULT);
    _exit(0);
}

/* Raft requires the persisted term to be at least the term of every entry in
 * the log (raft_restore refuses otherwise): a node killed between writing an
 * entry of a new term and recording that term could not restart. */
Test(storage_crash, the_hard_state_term_is_never_behind_the_logs_last_term_after_kill_9)
{
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    int bad = 0;
    for (int round = 0; round < 40; round++) {
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0)
            child_main();
        usleep(2000 + (useconds_t)(rand() % 20000));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        cr_assert(WIFSIGNALED(status), "the writer stopped by itself (status %d)", status);

        uv_loop_t loop;
        uv_loop_init(&loop);
        ss_storage *s = NULL;
        ss_storage_state st;
        ss_errmsg err = "";
        cr_assert_eq(ss_storage_open(&loop, dir, NULL, &s, &st, err), SS_OK, "reopen: %s", err);
        uint64_t last_term = st.n_entries ? st.entries[st.n_entries - 1].term : st.prev_term;
        if (st.term < last_term && bad++ < 3)
            cr_log_error("round %d: hard state term %llu, last entry's term %llu", round,
                         (unsigned long long)st.term, (unsigned long long)last_term);
        ss_storage_state_release(&st);
        ss_storage_close(s, NULL, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
    cr_expect_eq(bad, 0, "%d of 40 restarts found an entry newer than the recorded term", bad);
}

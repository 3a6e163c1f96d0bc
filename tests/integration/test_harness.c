/* The test harness itself: ports handed to one test process are never handed to another running beside
 * it, a node counts as started only when it is our process that answers on its port, and a sanitizer
 * report in a node's stderr.log fails the test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "integration/harness.h"

#define PICKS 300

TestSuite(harness, .timeout = 120);

static void read_all(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        cr_assert_gt(n, 0, "the other test process died before it sent its ports");
        got += (size_t)n;
    }
}

/* Two processes (as CTest runs two tests) each take PICKS ports at the same
 * time; before ports were claimed across processes, two draws of 300 from
 * the same 10,000 shared about 9 ports. */
Test(harness, two_test_processes_never_get_the_same_port)
{
    int to_parent[2], to_child[2];
    cr_assert_eq(pipe(to_parent), 0);
    cr_assert_eq(pipe(to_child), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(to_parent[0]);
        close(to_child[1]);
        int ports[PICKS];
        for (int i = 0; i < PICKS; i++)
            ports[i] = h_free_port();
        if (write(to_parent[1], ports, sizeof ports) != (ssize_t)sizeof ports)
            _exit(1);
        char done;
        /* holds its claims until the parent has compared */
        if (read(to_child[0], &done, 1) < 0)
            _exit(1);
        _exit(0);
    }
    close(to_parent[1]);
    close(to_child[0]);
    int mine[PICKS], theirs[PICKS];
    for (int i = 0; i < PICKS; i++) {
        mine[i] = h_free_port();
        cr_assert_gt(mine[i], 0);
    }
    read_all(to_parent[0], theirs, sizeof theirs);
    int shared = 0;
    for (int i = 0; i < PICKS; i++)
        for (int j = 0; j < PICKS; j++)
            if (theirs[j] == mine[i])
                shared++;
    close(to_child[1]);
    int status;
    waitpid(pid, &status, 0);
    cr_expect_eq(shared, 0, "%d ports were handed to both processes", shared);
}

/* A port another server answers on (here a redis-server): our node cannot
 * bind it, and the harness must not take the other server's PONG for our
 * node's (it did: a test then talked to another test's cluster). */
Test(harness, a_port_answered_by_another_server_is_not_our_node)
{
    h_node other, ours;
    cr_assert(h_redis_start(&other), "redis-server starts");
    h_node_init(&ours, 1, NULL);
    ours.port = other.port;
    cr_expect_not(h_node_start(&ours), "the node counts as started only if it is ours that answers");
    h_node_cleanup(&ours);
    h_node_cleanup(&other);
}

/* What each sanitizer prints (abridged from real reports; the harness must
 * find every kind). Built from pieces so that this file's own text never
 * looks like a report to a grep. */
#define ERR "ERR" "OR: "
static const char *const planted[] = {
    "=================================================================\n"
    "==4242==" ERR "AddressSanitizer: heap-use-after-free on address 0x602000000010\n"
    "    #0 0x55d in ss_engine_apply src/engine/apply.c:120\n"
    "SUMM" "ARY: AddressSanitizer: heap-use-after-free src/engine/apply.c:120 in ss_engine_apply\n",
    "==4242==" ERR "LeakSanitizer: detected memory leaks\n"
    "Direct leak of 48 byte(s) in 1 object(s) allocated from:\n"
    "    #0 0x7f in malloc\n",
    "src/store/store.c:88:12: runtime" " error: signed integer overflow: 2147483647 + 1\n",
    "SUMM" "ARY: AddressSanitizer: 48 byte(s) leaked in 1 allocation(s).\n",
};

/* A line of each report that must be printed (a stack line, a detail). */
static const char *const shows[] = {
    "#0 0x55d in ss_engine_apply",
    "Direct leak of 48 byte(s)",
    "signed integer overflow",
    "48 byte(s) leaked",
};

static void write_file(const char *path, const char *mode, const char *text)
{
    FILE *f = fopen(path, mode);
    cr_assert_not_null(f, "open %s", path);
    fputs(text, f);
    fclose(f);
}

/* The scanner alone: each kind of report is found and printed from its first
 * line; a clean log is not; a report already scanned is not found twice, one
 * appended after it is. */
Test(harness, the_log_scanner_finds_every_kind_of_sanitizer_report)
{
    char path[] = "/tmp/ss-it-scan-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    const char *clean = "sandstore: can't start: port in use\nsome other line\n";
    write_file(path, "w", clean);
    long offset = 0;
    cr_expect_eq(h_scan_sanitizer_log(path, &offset, NULL), 0, "a clean log holds no report");
    cr_expect_eq(offset, (long)strlen(clean));
    for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++) {
        write_file(path, "a", planted[i]);
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        long from = offset;
        cr_expect_gt(h_scan_sanitizer_log(path, &offset, out), 0, "report %zu found", i);
        fclose(out);
        cr_expect_not_null(strstr(text, shows[i]), "report %zu printed with \"%s\": %s", i, shows[i], text);
        free(text);
        cr_expect_eq(h_scan_sanitizer_log(path, &from, NULL) > 0, true, "found again from the old offset");
        cr_expect_eq(h_scan_sanitizer_log(path, &offset, NULL), 0, "not found twice from the new offset");
    }
    unlink(path);
}

/* Run only by the tests below, as a test binary of its own: a running node
 * whose stderr.log gets a report (planted here when SS_HARNESS_PLANT=report,
 * as ASan would print it) or that leaks (SS_HARNESS_PLANT=leak, ASan build),
 * then cleaned up by the harness. */
Test(harness_planted, a_node_and_its_log)
{
    const char *plant = getenv("SS_HARNESS_PLANT");
    if (!plant)
        cr_skip_test("run by the harness tests that plant a report or a leak");
    h_node n;
    h_node_init(&n, 1, NULL);
#ifdef SS_LEAK_PRELOAD
    if (!strcmp(plant, "leak"))
        setenv("LD_PRELOAD", SS_LEAK_PRELOAD, 1); /* the node loses 8 blocks of 4242 bytes */
#endif
    cr_assert(h_node_start(&n), "the node starts");
    unsetenv("LD_PRELOAD");
    if (!strcmp(plant, "leak"))
        usleep(1500 * 1000); /* the library loses its blocks 0.5 s after the node starts */
    if (!strcmp(plant, "report")) {
        char path[512];
        snprintf(path, sizeof path, "%s/stderr.log", n.dir);
        write_file(path, "a", planted[0]);
    }
    h_node_cleanup(&n);
}

/* The test binary fails when (and only when) a node's log holds a report,
 * and prints it; run as a child so that its failure is what is tested (its
 * output, captured here, would fail this test in CTest's eyes). BXFI_MAP,
 * which tells a Criterion worker where its runner is, is not passed on: the
 * child is a runner of its own. */
Test(harness, a_sanitizer_report_in_a_node_log_fails_the_test)
{
    char self[512];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert_gt(len, 0);
    self[len] = '\0';
    static char out[65536];
    int rc = h_sh(out, sizeof out, "env -u BXFI_MAP SS_HARNESS_PLANT=none '%s' --filter 'harness_planted/*' 2>&1", self);
    cr_expect_eq(rc, 0, "a clean node's log passes: %s", out);
    rc = h_sh(out, sizeof out, "env -u BXFI_MAP SS_HARNESS_PLANT=report '%s' --filter 'harness_planted/*' 2>&1", self);
    cr_expect_neq(rc, 0, "a node's sanitizer report fails the test: %s", out);
    cr_expect_not_null(strstr(out, "sanitizer report in its stderr.log"), "the failure says why: %s", out);
    cr_expect_not_null(strstr(out, "#0 0x55d in ss_engine_apply"), "the report is printed: %s", out);
    const char *kept = strstr(out, "harness: kept /tmp/ss-it-");
    cr_expect_not_null(kept, "the node's directory is kept for its logs: %s", out);
    if (kept) {
        char dir[256];
        sscanf(kept, "harness: kept %255s", dir);
        h_sh(NULL, 0, "rm -rf '%s'", dir);
    }
}

#ifdef SS_LEAK_PRELOAD
/* A node that leaks (a preloaded library loses memory as sandstore code
 * would) fails the test when the harness stops it: the SIGTERM lets
 * LeakSanitizer check the heap at exit (SIGKILL, as before, never did). */
Test(harness, a_leak_in_a_node_fails_the_test_at_its_clean_stop)
{
    char self[512];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert_gt(len, 0);
    self[len] = '\0';
    static char out[65536];
    int rc = h_sh(out, sizeof out, "env -u BXFI_MAP SS_HARNESS_PLANT=leak '%s' --filter 'harness_planted/*' 2>&1",
                  self);
    cr_expect_neq(rc, 0, "a node's leak fails the test: %s", out);
    cr_expect_not_null(strstr(out, "Direct leak of 33936 byte(s) in 8 object(s)"), "the report is printed: %s", out);
    cr_expect_not_null(strstr(out, "lose_blocks"), "with the leak's stack: %s", out);
    const char *kept = strstr(out, "harness: kept /tmp/ss-it-");
    if (kept) {
        char dir[256];
        sscanf(kept, "harness: kept %255s", dir);
        h_sh(NULL, 0, "rm -rf '%s'", dir);
    }
}
#endif

/* The same node without a report passes, stopped cleanly (LeakSanitizer
 * runs at its exit in the ASan build) and its directory removed. */
Test(harness, a_clean_node_log_passes)
{
    h_node n;
    h_node_init(&n, 1, NULL);
    cr_assert(h_node_start(&n), "the node starts");
    char dir[256];
    snprintf(dir, sizeof dir, "%s", n.dir);
    h_node_cleanup(&n);
    cr_expect_eq(n.pid, 0, "stopped");
    cr_expect_neq(access(dir, F_OK), 0, "directory removed");
}

/* Gone: no such process, or a zombie nobody has reaped yet (it no longer runs). */
static bool process_gone(pid_t pid)
{
    if (kill(pid, 0) != 0)
        return true;
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return true;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' && (close_paren[2] == 'Z' || close_paren[2] == 'X');
}

/* A test process that dies (CTest's timeout kills it, or it crashes) takes its
 * servers with it: before, they ran on, holding ports and CPU for the rest of
 * the suite (seen as leftover nodes after runs). */
Test(harness, servers_die_with_the_test_process)
{
    int to_parent[2];
    cr_assert_eq(pipe(to_parent), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(to_parent[0]);
        h_node redis, node;
        h_node_init(&node, 1, NULL);
        pid_t pids[2] = {0, 0};
        if (h_redis_start(&redis))
            pids[0] = redis.pid;
        if (h_node_start(&node))
            pids[1] = node.pid;
        if (write(to_parent[1], pids, sizeof pids) != (ssize_t)sizeof pids)
            _exit(1);
        pause(); /* until killed, like a test stuck past its timeout */
        _exit(0);
    }
    close(to_parent[1]);
    pid_t pids[2];
    read_all(to_parent[0], pids, sizeof pids);
    cr_assert_gt(pids[0], 0, "redis-server started");
    cr_assert_gt(pids[1], 0, "the node started");
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    /* Generous: the kernel signals them at once; this only waits for exit. */
    for (int i = 0; i < 300 && !(process_gone(pids[0]) && process_gone(pids[1])); i++)
        usleep(100 * 1000);
    bool redis_gone = process_gone(pids[0]), node_gone = process_gone(pids[1]);
    if (!redis_gone)
        kill(pids[0], SIGKILL);
    if (!node_gone)
        kill(pids[1], SIGKILL);
    cr_expect(redis_gone, "redis-server %d outlived its test process", (int)pids[0]);
    cr_expect(node_gone, "sandstore %d outlived its test process", (int)pids[1]);
}

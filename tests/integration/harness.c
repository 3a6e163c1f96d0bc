/* Starts real sandstore processes on loopback for integration and fault tests. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

long long h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *h_binary(void)
{
    static char path[512];
    const char *dir = getenv("SS_BUILD_DIR");
    snprintf(path, sizeof path, "%s/sandstore", dir ? dir : "build");
    return path;
}

/* Ports this process handed out: a port that binds now is not taken yet, so
 * two nodes set up before either starts could otherwise get the same one. */
static unsigned char handed_out[65536];

/* Test processes that CTest runs side by side draw from the same range, and
 * a port that binds now may be another test's node that has not started
 * yet (or is down for a restart): each port handed out is claimed for the
 * life of this process by an flock on a file named after it, which the
 * other test processes see. (Before this, two tests running together once
 * shared a port, and a client of one cluster talked to the other's node.) */
#define PORT_LOCK_DIR "/tmp/sandstore-test-ports"

static bool claim_port(int port)
{
    char path[128];
    (void)mkdir(PORT_LOCK_DIR, 01777);
    snprintf(path, sizeof path, PORT_LOCK_DIR "/%d", port);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return true; /* no registry (read-only /tmp): this process's own list still holds */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return false;
    }
    return true; /* fd stays open: the claim lasts until this process exits */
}

static void seed_once(void);

int h_free_port(void)
{
    /* Seeded here too: a test that picks a port before h_node_init would
     * otherwise draw rand()'s unseeded sequence, the same in every process,
     * and collide with a test running beside it. */
    seed_once();
    /* Random ports in 20000-30000 (below the kernel's ephemeral range) that
     * bind right now and were not handed out before. */
    for (int attempt = 0; attempt < 1000; attempt++) {
        int port = 20000 + (int)((unsigned)rand() % 10000);
        if (handed_out[port])
            continue;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
        close(fd);
        if (rc == 0 && claim_port(port)) {
            handed_out[port] = 1;
            return port;
        }
    }
    return -1;
}

static void seed_once(void)
{
    static bool seeded;
    if (!seeded) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        srand((unsigned)(ts.tv_nsec ^ getpid()));
        /* A client writing to a node the test just killed gets EPIPE, not a
         * signal that kills the test process (as sandstore itself does). */
        signal(SIGPIPE, SIG_IGN);
        seeded = true;
    }
}

static const char *dir_root = "/tmp";

void h_set_dir_root(const char *root) { dir_root = root; }

void h_node_init(h_node *n, int id, const char *extra_fmt, ...)
{
    seed_once();
    memset(n, 0, sizeof *n);
    n->id = id;
    n->port = h_free_port();
    n->raft_port = h_free_port();
    snprintf(n->dir, sizeof n->dir, "%s/ss-it-%d-%d-XXXXXX", dir_root, (int)getpid(), id);
    if (mkdtemp(n->dir) == NULL) {
        perror("mkdtemp");
        abort();
    }
    if (extra_fmt) {
        va_list ap;
        va_start(ap, extra_fmt);
        vsnprintf(n->extra, sizeof n->extra, extra_fmt, ap);
        va_end(ap);
    }
}

/* In a freshly forked child: die with the test process. A test killed by
 * CTest's timeout, or crashing, would otherwise leave its servers running
 * (holding ports and CPU for the rest of the suite). parent is the pid
 * before the fork: if it is already gone, the signal would never come. */
static void die_with_parent(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
}

bool h_node_spawn(h_node *n)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "exec %s --port %d --raft-port %d --dir %s --node-id %d --loglevel verbose "
             "--logfile %s/sandstore.log %s",
             h_binary(), n->port, n->raft_port, n->dir, n->id, n->dir, n->extra);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        die_with_parent(parent);
        int devnull = open("/dev/null", O_RDWR);
        char errlog[512];
        snprintf(errlog, sizeof errlog, "%s/stderr.log", n->dir);
        int err = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(devnull, 0);
        dup2(err >= 0 ? err : devnull, 1);
        dup2(err >= 0 ? err : devnull, 2);
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    n->pid = pid;
    return true;
}

/* The pid INFO server reports for the server c is connected to (0: it did
 * not say, e.g. it wants AUTH first). */
static int answering_pid(redisContext *c)
{
    redisReply *r = redisCommand(c, "INFO server");
    int pid = 0;
    if (r && r->type == REDIS_REPLY_STRING) {
        const char *p = strstr(r->str, "process_id:");
        if (p)
            pid = atoi(p + strlen("process_id:"));
    }
    if (r)
        freeReplyObject(r);
    return pid;
}

/* Ready when the node answers PING on its port, and it is our process that
 * answers: a port taken by another test's server must not pass for ours. */
bool h_node_wait_ready(h_node *n, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    while (h_now_ms() < deadline) {
        if (!h_node_alive(n))
            return false;
        struct timeval tv = {1, 0};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", n->port, tv);
        if (c && !c->err) {
            redisReply *r = redisCommand(c, "PING");
            bool ok = r && r->type == REDIS_REPLY_STATUS;
            if (r)
                freeReplyObject(r);
            int owner = ok ? answering_pid(c) : 0;
            redisFree(c);
            if (ok && owner != 0 && owner != n->pid) {
                fprintf(stderr, "harness: port %d is answered by process %d, not by the node we started (%d)\n",
                        n->port, owner, (int)n->pid);
                return false;
            }
            if (ok)
                return true;
        } else if (c) {
            redisFree(c);
        }
        usleep(20 * 1000);
    }
    return false;
}

bool h_node_start(h_node *n)
{
    return h_node_spawn(n) && h_node_wait_ready(n, 20000);
}

bool h_node_alive(h_node *n)
{
    if (n->pid <= 0)
        return false;
    int status;
    pid_t r = waitpid(n->pid, &status, WNOHANG);
    if (r == n->pid) {
        n->pid = 0;
        return false;
    }
    return true;
}

int h_node_stop(h_node *n, int sig)
{
    if (n->pid <= 0)
        return -1;
    kill(n->pid, sig);
    int status = 0;
    /* Bounded: a node that does not stop within 30 s is killed. */
    for (int i = 0; i < 3000; i++) {
        pid_t r = waitpid(n->pid, &status, WNOHANG);
        if (r == n->pid) {
            n->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        usleep(10 * 1000);
    }
    kill(n->pid, SIGKILL);
    waitpid(n->pid, &status, 0);
    n->pid = 0;
    return -2;
}

void h_node_kill9(h_node *n) { h_node_stop(n, SIGKILL); }

int h_node_wait_exit(h_node *n, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    while (n->pid > 0 && h_now_ms() < deadline) {
        int status;
        if (waitpid(n->pid, &status, WNOHANG) == n->pid) {
            n->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        usleep(10 * 1000);
    }
    return -1;
}

/* What AddressSanitizer, LeakSanitizer and UBSan print when they report
 * (the same words CTest's FAIL_REGULAR_EXPRESSION looks for in a test's own
 * output, plus the summary lines). */
static const char *const sanitizer_marks[] = {
    "ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "SUMMARY: AddressSanitizer",
    "SUMMARY: UndefinedBehaviorSanitizer", "runtime error:",
};

/* Lines of one report printed at most: a leak report lists every leak. */
#define REPORT_MAX_LINES 400

int h_scan_sanitizer_log(const char *path, long *offset, FILE *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0; /* no log: nothing was printed (or redis-server, which has none) */
    if (offset && *offset > 0 && fseek(f, *offset, SEEK_SET) != 0) {
        fclose(f);
        return 0;
    }
    char line[2048];
    int found = 0, printed = 0;
    while (fgets(line, sizeof line, f)) {
        for (size_t m = 0; m < sizeof sanitizer_marks / sizeof sanitizer_marks[0]; m++) {
            if (strstr(line, sanitizer_marks[m])) {
                found++;
                break;
            }
        }
        /* The report from its first marked line on: its stack and summary follow. */
        if (out && found > 0 && printed < REPORT_MAX_LINES) {
            fputs(line, out);
            printed++;
        }
    }
    if (out && printed == REPORT_MAX_LINES)
        fprintf(out, "... (report cut at %d lines; the whole log is %s)\n", REPORT_MAX_LINES, path);
    if (offset)
        *offset = ftell(f);
    fclose(f);
    return found;
}

bool h_node_check_log(h_node *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/stderr.log", n->dir);
    long from = n->log_checked, end = from;
    int found = h_scan_sanitizer_log(path, &end, NULL);
    n->log_checked = end;
    if (found == 0)
        return true;
    fprintf(stderr, "harness: node %d's %s holds a sanitizer report (%d marked lines):\n", n->id, path, found);
    h_scan_sanitizer_log(path, &from, stderr);
    fflush(stderr);
    cr_expect_fail("node %d (port %d): sanitizer report in its stderr.log, printed above", n->id, n->port);
    return false;
}

void h_node_cleanup(h_node *n)
{
    if (n->pid > 0) {
        /* A clean stop, so that LeakSanitizer looks at the node's heap at exit
         * (SIGKILL would skip it): SIGCONT for a node a test left paused, then
         * one SIGTERM (a leader hands over first, bounded); SIGKILL after 30 s.
         * One only: a node that is stopping has closed its signal handlers,
         * and a second SIGTERM would kill it before LeakSanitizer runs. */
        kill(n->pid, SIGCONT);
        int status = h_node_stop(n, SIGTERM);
        if (status == -2)
            fprintf(stderr, "harness: node %d did not stop within 30 s of SIGTERM; killed\n", n->id);
    }
    /* A node that printed a report keeps its directory (its logs), as does
     * every node when SS_KEEP_NODE_DIRS is set (to read a flaky run's logs). */
    if (n->dir[0] && (!h_node_check_log(n) || getenv("SS_KEEP_NODE_DIRS"))) {
        fprintf(stderr, "harness: kept %s\n", n->dir);
        return;
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", n->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "harness: could not remove %s\n", n->dir);
}

redisContext *h_connect(const h_node *n)
{
    struct timeval tv = {10, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", n->port, tv);
    if (c && !c->err)
        redisSetTimeout(c, (struct timeval){30, 0});
    return c;
}

redisReply *h_cmd(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    return r;
}

redisReply *h_node_cmd(const h_node *n, const char *fmt, ...)
{
    redisContext *ctx = h_connect(n);
    if (!ctx || ctx->err) {
        if (ctx)
            redisFree(ctx);
        return NULL;
    }
    redisSetTimeout(ctx, (struct timeval){5, 0});
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    redisFree(ctx);
    return r;
}

redisReply *h_node_get_retrying(const h_node *n, const char *key, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    redisReply *r = NULL;
    do {
        if (r) {
            freeReplyObject(r);
            usleep(100 * 1000);
        }
        r = h_node_cmd(n, "GET %s", key);
    } while ((!r || r->type == REDIS_REPLY_ERROR) && h_now_ms() < deadline);
    return r;
}

int h_sh(char *out, size_t size, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t used = 0;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0) {
        if (out && used + 1 < size) {
            size_t take = got < size - used - 1 ? got : size - used - 1;
            memcpy(out + used, buf, take);
            used += take;
        }
    }
    if (out)
        out[used] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool h_redis_start(h_node *n) { return h_redis_start_args(n, NULL); }

bool h_redis_start_args(h_node *n, const char *const *extra)
{
    h_node_init(n, 99, NULL);
    char port[16];
    snprintf(port, sizeof port, "%d", n->port);
    const char *argv[64] = {"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--dir", n->dir};
    int argc = 11;
    for (int i = 0; extra && extra[i] && argc < 63; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        die_with_parent(parent);
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        setpgid(0, 0);
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    n->pid = pid;
    return h_node_wait_ready(n, 20000);
}

bool h_reply_same(const redisReply *a, const redisReply *b, char *where, size_t size)
{
    if (a->type != b->type) {
        snprintf(where, size, "type %d vs %d", a->type, b->type);
        return false;
    }
    switch (a->type) {
    case REDIS_REPLY_INTEGER:
        if (a->integer != b->integer) {
            snprintf(where, size, "%lld vs %lld", a->integer, b->integer);
            return false;
        }
        return true;
    case REDIS_REPLY_ARRAY:
        if (a->elements != b->elements) {
            snprintf(where, size, "%zu vs %zu elements", a->elements, b->elements);
            return false;
        }
        for (size_t i = 0; i < a->elements; i++) {
            if (!h_reply_same(a->element[i], b->element[i], where, size)) {
                char inner[512];
                snprintf(inner, sizeof inner, "%s", where);
                snprintf(where, size, "[%zu] %s", i, inner);
                return false;
            }
        }
        return true;
    case REDIS_REPLY_NIL:
        return true;
    default:
        if (a->len != b->len || memcmp(a->str, b->str, a->len) != 0) {
            snprintf(where, size, "\"%.200s\" vs \"%.200s\"", a->str, b->str);
            return false;
        }
        return true;
    }
}

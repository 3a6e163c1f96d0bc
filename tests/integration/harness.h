/* Starts real sandstore processes on loopback for integration and fault tests. */
#ifndef SS_HARNESS_H
#define SS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

/*
 * A node is one sandstore process with its own data directory under /tmp and
 * free ports picked at random. The binary is $SS_BUILD_DIR/sandstore (CTest
 * sets it). Logs go to <dir>/sandstore.log, stderr to <dir>/stderr.log.
 */
typedef struct h_node {
    int id;
    int port;
    int raft_port;
    char dir[256];
    pid_t pid;
    char extra[1024];   /* extra command-line directives */
    long log_checked;   /* bytes of <dir>/stderr.log already scanned for sanitizer reports */
} h_node;

/* Picks a TCP port nobody listens on right now. */
int h_free_port(void);

/* Sets up a node (dir, ports) without starting it. */
/* The directory node dirs are made in from now on in this process (default
 * /tmp); root must outlive them. */
void h_set_dir_root(const char *root);
void h_node_init(h_node *n, int id, const char *extra_fmt, ...) __attribute__((format(printf, 3, 4)));
/* Starts the process and waits (bounded) until it answers PING. */
bool h_node_start(h_node *n);
/* Starts without waiting for PING (for nodes that may not answer yet). */
bool h_node_spawn(h_node *n);
/* Waits for PING, at most timeout_ms. */
bool h_node_wait_ready(h_node *n, int timeout_ms);
/* Sends sig and waits for exit; returns the exit status (or 128+signal). */
int h_node_stop(h_node *n, int sig);
void h_node_kill9(h_node *n);
/* Waits (bounded) for the process to exit by itself; its status, or -1 on timeout. */
int h_node_wait_exit(h_node *n, int timeout_ms);
/* Stops the node if it still runs (SIGTERM, so that LeakSanitizer checks it
 * at exit; SIGKILL after 30 s), fails the running test if its stderr.log holds
 * a sanitizer report (h_node_check_log), then removes the data directory
 * (kept when the log held a report, or SS_KEEP_NODE_DIRS is set). */
void h_node_cleanup(h_node *n);
/* Fails the running Criterion test (cr_expect) and prints the report when the
 * part of the node's stderr.log not scanned before holds an AddressSanitizer,
 * LeakSanitizer or UBSan report. False when it did. Called by h_node_stop,
 * h_node_wait_exit and h_node_cleanup; a test that wipes a node's directory
 * calls it first. */
bool h_node_check_log(h_node *n);
/* Scans path from byte *offset for sanitizer reports (and moves *offset to
 * its end): how many report lines it found; the report (from its first line,
 * bounded) goes to out when out is not NULL. Does not fail anything. */
int h_scan_sanitizer_log(const char *path, long *offset, FILE *out);
bool h_node_alive(h_node *n);

redisContext *h_connect(const h_node *n);
/* Runs a command and returns the reply (caller frees); asserts non-NULL. */
redisReply *h_cmd(redisContext *c, const char *fmt, ...);
/* Starts Debian's redis-server (no persistence) as node n on its free port,
 * to compare replies with; stop and clean up like a sandstore node. */
bool h_redis_start(h_node *n);
/* The same with more arguments for redis-server (NULL-terminated, e.g.
 * {"--enable-debug-command", "yes", NULL}). */
bool h_redis_start_args(h_node *n, const char *const *extra);
/* Whether two replies are equal, type by type and byte by byte; if not,
 * where they first differ (e.g. "[2] \"a\" vs \"b\""). */
bool h_reply_same(const redisReply *a, const redisReply *b, char *where, size_t size);

/* One command on a connection of its own (5 s timeout): the reply (caller
 * frees), or NULL when the node is unreachable or did not answer. */
redisReply *h_node_cmd(const h_node *n, const char *fmt, ...);
/* GET key through n, again while the answer is an error (TRYAGAIN or
 * CLUSTERDOWN during an election) or n is unreachable, at most timeout_ms:
 * the last reply (NULL if none). */
redisReply *h_node_get_retrying(const h_node *n, const char *key, int timeout_ms);
/* Runs a shell command, capturing stdout+stderr into out (may be NULL). */
int h_sh(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The path of the sandstore binary. */
const char *h_binary(void);
long long h_now_ms(void);

#endif

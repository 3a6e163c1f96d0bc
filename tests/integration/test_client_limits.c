/* A client's memory on a real node: the query-buffer limit over parsed arguments, the output-buffer limits over async replies, CLIENT LIST's fields. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/harness.h"

static h_node node;

static void stop_node(void) { h_node_cleanup(&node); }

/* Each test starts its own node with the limits it needs. */
static void start_with(const char *extra)
{
    h_node_init(&node, 1, "%s", extra);
    cr_assert(h_node_start(&node), "sandstore did not start; see %s/sandstore.log", node.dir);
}

TestSuite(limits, .fini = stop_node, .timeout = 240);

/* A raw connection (no client library between the test and the bytes). A
 * small receive buffer keeps the kernel from absorbing the replies a client
 * "never reads". */
static int raw_connect(int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)node.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Writes everything, or stops early if the server closed the connection. */
static bool send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

/* Sends a command and reads its one-line reply. */
static void raw_cmd(int fd, const char *cmd, const char *want)
{
    cr_assert(send_all(fd, cmd, strlen(cmd)));
    char got[256];
    size_t n = 0;
    while (n < strlen(want)) {
        ssize_t r = read(fd, got + n, strlen(want) - n);
        cr_assert_gt(r, 0);
        n += (size_t)r;
    }
    got[n] = '\0';
    cr_assert_str_eq(got, want);
}

/* Whether the server closed fd within timeout_ms (reads and drops what comes). */
static bool closed_within(int fd, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    char sink[65536];
    while (h_now_ms() < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t r = read(fd, sink, sizeof sink);
        if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
            return true;
    }
    return false;
}

/* The CLIENT LIST field `field` of the client named `name`; false if no
 * such client is connected. */
static bool client_field(redisContext *c, const char *name, const char *field, char *out, size_t size)
{
    redisReply *r = h_cmd(c, "CLIENT LIST");
    cr_assert_eq(r->type, REDIS_REPLY_STRING);
    char want[128];
    snprintf(want, sizeof want, " name=%s ", name);
    bool found = false;
    for (char *line = r->str; line && *line && !found;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strstr(line, want)) {
            char key[64];
            snprintf(key, sizeof key, " %s=", field);
            char *v = strstr(line, key);
            cr_assert_not_null(v, "no %s in: %s", field, line);
            v += strlen(key);
            size_t n = strcspn(v, " ");
            snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), v);
            found = true;
        }
        line = nl ? nl + 1 : NULL;
    }
    freeReplyObject(r);
    return found;
}

static long long client_number(redisContext *c, const char *name, const char *field)
{
    char v[64];
    cr_assert(client_field(c, name, field, v, sizeof v), "client %s is gone", name);
    return atoll(v);
}

static void expect_pong(redisContext *c)
{
    redisReply *r = h_cmd(c, "PING");
    cr_assert_eq(r->type, REDIS_REPLY_STATUS);
    cr_expect_str_eq(r->str, "PONG");
    freeReplyObject(r);
}

/* ------------------------------------------------------ query buffer */

/* Issue 18, item 6: an unfinished "*2147483647" command holding 200 arguments
 * of 1 MiB kept 205 MB under client-query-buffer-limit 1mb, with qbuf=0 in
 * CLIENT LIST: the limit looked only at unparsed bytes. */
Test(limits, an_unfinished_command_is_cut_at_the_query_buffer_limit)
{
    start_with("--client-query-buffer-limit 1mb");
    redisContext *admin = h_connect(&node);
    int fd = raw_connect(0);
    raw_cmd(fd, "CLIENT SETNAME hog\r\n", "+OK\r\n");
    size_t arg = 256 * 1024;
    char *value = malloc(arg);
    memset(value, 'q', arg);
    char hdr[64];
    cr_assert(send_all(fd, "*2147483647\r\n", 13));
    int n = snprintf(hdr, sizeof hdr, "$%zu\r\n", arg);
    cr_assert(send_all(fd, hdr, (size_t)n) && send_all(fd, value, arg) && send_all(fd, "\r\n", 2));

    /* One argument parsed: CLIENT LIST shows it where Redis does. */
    long long deadline = h_now_ms() + 10000;
    while (h_now_ms() < deadline && client_number(admin, "hog", "argv-mem") < (long long)arg)
        usleep(10 * 1000);
    cr_expect_eq(client_number(admin, "hog", "argv-mem"), (long long)arg);
    cr_expect_eq(client_number(admin, "hog", "qbuf"), 0);
    cr_expect_geq(client_number(admin, "hog", "tot-mem"), (long long)arg);

    /* Four more: past 1 MB held, the node lets the client go. */
    for (int i = 0; i < 4; i++) {
        if (!send_all(fd, hdr, (size_t)n) || !send_all(fd, value, arg) || !send_all(fd, "\r\n", 2))
            break;
    }
    cr_expect(closed_within(fd, 10000), "the connection must be closed");
    close(fd);
    char v[64];
    cr_expect(!client_field(admin, "hog", "qbuf", v, sizeof v));
    expect_pong(admin);
    redisFree(admin);
    free(value);
}

Test(limits, client_list_shows_the_redis_fields_in_order)
{
    start_with("");
    redisContext *c = h_connect(&node);
    redisReply *r = h_cmd(c, "CLIENT SETNAME me");
    freeReplyObject(r);
    r = h_cmd(c, "CLIENT LIST");
    cr_assert_eq(r->type, REDIS_REPLY_STRING);
    static const char *const fields[] = {"id",        "addr",     "laddr",     "fd",   "name", "age",
                                         "idle",      "flags",    "db",        "sub",  "psub", "ssub",
                                         "multi",     "qbuf",     "qbuf-free", "argv-mem",
                                         "multi-mem", "rbs",      "rbp",       "obl",  "oll",  "omem",
                                         "tot-mem",   "events",   "cmd",       "user", "redir", "resp"};
    const char *at = r->str;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char key[32];
        snprintf(key, sizeof key, "%s%s=", i ? " " : "", fields[i]);
        const char *next = strstr(at, key);
        cr_assert_not_null(next, "%s missing or out of order in %s", fields[i], r->str);
        at = next + strlen(key);
    }
    cr_expect(strstr(r->str, "events=r ") != NULL, "%s", r->str);
    cr_expect(strstr(r->str, "argv-mem=10 ") != NULL, "CLIENT LIST's own arguments: %s", r->str);
    freeReplyObject(r);
    redisFree(c);
}

/* ---------------------------------------------------- output buffers */

/* Peak resident memory of the node so far, in KiB (VmHWM). */
static long long node_peak_kb(void)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)node.pid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    long long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %lld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void set_value(redisContext *c, const char *key, char fill, size_t len)
{
    char *v = malloc(len);
    memset(v, fill, len);
    redisReply *r = redisCommand(c, "SET %s %b", key, v, len);
    cr_assert_not_null(r);
    cr_assert_eq(r->type, REDIS_REPLY_STATUS, "%s", r->str ? r->str : "");
    freeReplyObject(r);
    free(v);
}

/* Issue 18, item 5: 2,000 pipelined GETs of a 1 MiB value from a client that
 * never reads reached omem=2,093,309,376 against a 64 MB limit (RSS 1.55 GB):
 * the limit was checked between commands, and every GET was still in flight
 * then. Scaled down: 600 GETs under a 32 MB hard limit. */
Test(limits, an_unread_pipeline_is_cut_at_the_hard_limit_and_memory_stays_bounded)
{
    start_with("--client-output-buffer-limit normal 32mb 8mb 0");
    redisContext *admin = h_connect(&node);
    size_t value = 1 << 20;
    set_value(admin, "big", 'v', value);
    long long before = node_peak_kb();

    int fd = raw_connect(64 * 1024);
    raw_cmd(fd, "CLIENT SETNAME hog\r\n", "+OK\r\n");
    const char get[] = "*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n";
    int count = 600;
    size_t len = (sizeof get - 1) * (size_t)count;
    char *pipeline = malloc(len);
    for (int i = 0; i < count; i++)
        memcpy(pipeline + (size_t)i * (sizeof get - 1), get, sizeof get - 1);
    send_all(fd, pipeline, len); /* may stop early: the node may close first */
    free(pipeline);

    /* The node keeps serving others, and lets the hog go. */
    long long deadline = h_now_ms() + 30000;
    char v[64];
    while (h_now_ms() < deadline && client_field(admin, "hog", "omem", v, sizeof v)) {
        expect_pong(admin);
        usleep(20 * 1000);
    }
    cr_expect(!client_field(admin, "hog", "omem", v, sizeof v), "the hog is still connected, omem=%s", v);
    expect_pong(admin);
    long long grew_mb = (node_peak_kb() - before) / 1024;
    /* Unbounded, the replies alone are 600 MB; bounded, the hard limit and a
     * reply or two of buffer growth. */
    cr_expect_lt(grew_mb, 200, "the node's peak RSS grew by %lld MB", grew_mb);
    close(fd);
    redisFree(admin);
}

/* Past the soft limit a client's commands wait (reading stops) instead of
 * all running at once; once it reads, the rest run and every reply arrives,
 * in order. */
Test(limits, a_client_past_the_soft_limit_waits_and_then_gets_every_reply)
{
    start_with("--client-output-buffer-limit normal 0 4mb 0");
    redisContext *admin = h_connect(&node);
    size_t value = 64 * 1024;
    for (int k = 0; k < 10; k++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", k);
        set_value(admin, key, (char)('a' + k), value);
    }
    redisContext *hog = h_connect(&node);
    freeReplyObject(h_cmd(hog, "CLIENT SETNAME hog"));
    int count = 1000; /* 64 MB of replies in all */
    for (int i = 0; i < count; i++)
        redisAppendCommand(hog, "GET k%d", i % 10);
    int done = 0;
    while (!done)
        cr_assert_eq(redisBufferWrite(hog, &done), REDIS_OK);

    /* Wait until it is paused (not reading) or its replies passed 32 MB. */
    long long deadline = h_now_ms() + 20000, omem = 0;
    char events[16] = "r";
    while (h_now_ms() < deadline) {
        cr_assert(client_field(admin, "hog", "events", events, sizeof events));
        omem = client_number(admin, "hog", "omem");
        if (!strchr(events, 'r') || omem > (32 << 20))
            break;
        usleep(20 * 1000);
    }
    cr_expect(strchr(events, 'r') == NULL, "the hog should have stopped being read (events=%s)", events);
    cr_expect_lt(omem, 32 << 20, "omem=%lld: its commands should wait, not run", omem);
    expect_pong(admin);

    for (int i = 0; i < count; i++) {
        redisReply *r = NULL;
        cr_assert_eq(redisGetReply(hog, (void **)&r), REDIS_OK, "reply %d: %s", i, hog->errstr);
        cr_assert_eq(r->type, REDIS_REPLY_STRING);
        cr_assert_eq(r->len, value);
        cr_assert_eq(r->str[0], 'a' + i % 10, "reply %d out of order", i);
        freeReplyObject(r);
    }
    redisFree(hog);
    redisFree(admin);
}

/* One reply bigger than the hard limit is not built whole: the client is
 * closed, as Redis closes a client past its hard limit. */
Test(limits, a_single_reply_past_the_hard_limit_closes_the_client)
{
    start_with("--client-output-buffer-limit normal 8mb 2mb 0");
    redisContext *admin = h_connect(&node);
    const char *argv[13] = {"MGET"};
    char keys[12][8];
    for (int k = 0; k < 12; k++) {
        snprintf(keys[k], sizeof keys[k], "m%d", k);
        set_value(admin, keys[k], 'm', 1 << 20);
        argv[k + 1] = keys[k];
    }
    long long before = node_peak_kb();
    redisContext *c = h_connect(&node);
    redisReply *r = redisCommandArgv(c, 13, argv, NULL);
    cr_expect_null(r, "a 12 MB reply under an 8 MB hard limit: got type %d", r ? r->type : -1);
    if (r)
        freeReplyObject(r);
    cr_expect_neq(c->err, 0, "the connection is closed");
    redisFree(c);
    /* Below the limit, the same command works. */
    c = h_connect(&node);
    r = redisCommandArgv(c, 6, argv, NULL);
    cr_assert_not_null(r);
    cr_expect_eq(r->type, REDIS_REPLY_ARRAY);
    cr_expect_eq(r->elements, 5);
    freeReplyObject(r);
    redisFree(c);
    cr_expect_lt((node_peak_kb() - before) / 1024, 100);
    expect_pong(admin);
    redisFree(admin);
}

Test(limits, config_get_and_set_the_limits_as_redis_does)
{
    start_with("--client-output-buffer-limit normal 32mb 8mb 0");
    redisContext *c = h_connect(&node);
    redisReply *r = h_cmd(c, "CONFIG GET client-output-buffer-limit");
    cr_assert_eq(r->type, REDIS_REPLY_ARRAY);
    cr_assert_eq(r->elements, 2);
    cr_expect_str_eq(r->element[1]->str,
                     "normal 33554432 8388608 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    freeReplyObject(r);
    r = h_cmd(c, "CONFIG SET client-output-buffer-limit %s", "normal 16mb 4mb 10 replica 0 0 0");
    cr_expect_eq(r->type, REDIS_REPLY_STATUS, "%s", r->str);
    freeReplyObject(r);
    r = h_cmd(c, "CONFIG GET client-output-buffer-limit");
    cr_expect_str_eq(r->element[1]->str, "normal 16777216 4194304 10 slave 0 0 0 pubsub 33554432 8388608 60");
    freeReplyObject(r);
    r = h_cmd(c, "CONFIG SET client-output-buffer-limit %s", "normal 16mb");
    cr_expect_eq(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    redisFree(c);
}

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

/* The real sandstore binary on loopback, driven with hiredis, raw sockets, redis-cli and redis-benchmark. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "integration/harness.h"

static h_node node;

static void start_node(void)
{
    h_node_init(&node, 1, NULL);
    cr_assert(h_node_start(&node), "sandstore did not start; see %s/sandstore.log", node.dir);
}

static void stop_node(void)
{
    h_node_cleanup(&node);
}

TestSuite(server, .init = start_node, .fini = stop_node, .timeout = 240);

static void expect_status(redisReply *r, const char *want)
{
    cr_assert_not_null(r);
    cr_expect_eq(r->type, REDIS_REPLY_STATUS, "type %d (%s)", r->type, r->str ? r->str : "");
    if (r->type == REDIS_REPLY_STATUS)
        cr_expect_str_eq(r->str, want);
    freeReplyObject(r);
}

static void expect_bulk(redisReply *r, const char *want, size_t len)
{
    cr_assert_not_null(r);
    cr_assert_eq(r->type, REDIS_REPLY_STRING, "type %d (%s)", r->type, r->str ? r->str : "");
    cr_expect_eq(r->len, len);
    cr_expect_eq(memcmp(r->str, want, len), 0);
    freeReplyObject(r);
}

static void expect_int(redisReply *r, long long want)
{
    cr_assert_not_null(r);
    cr_assert_eq(r->type, REDIS_REPLY_INTEGER, "type %d (%s)", r->type, r->str ? r->str : "");
    cr_expect_eq(r->integer, want);
    freeReplyObject(r);
}

static void expect_nil(redisReply *r)
{
    cr_assert_not_null(r);
    cr_expect_eq(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
}

static void expect_error(redisReply *r, const char *want)
{
    cr_assert_not_null(r);
    cr_assert_eq(r->type, REDIS_REPLY_ERROR, "type %d", r->type);
    cr_expect_str_eq(r->str, want);
    freeReplyObject(r);
}

Test(server, set_get_del_with_options)
{
    redisContext *c = h_connect(&node);
    cr_assert(c && !c->err);
    expect_status(h_cmd(c, "SET k v"), "OK");
    expect_bulk(h_cmd(c, "GET k"), "v", 1);
    expect_nil(h_cmd(c, "SET k w NX"));
    expect_bulk(h_cmd(c, "SET k w XX GET"), "v", 1);
    expect_status(h_cmd(c, "SET e 1 PX 100"), "OK");
    expect_int(h_cmd(c, "EXISTS k e nope"), 2);
    usleep(150 * 1000);
    expect_nil(h_cmd(c, "GET e"));
    expect_int(h_cmd(c, "DEL k e"), 1);
    expect_nil(h_cmd(c, "GET k"));
    expect_error(h_cmd(c, "SET k v EX 0"), "ERR invalid expire time in 'set' command");
    expect_error(h_cmd(c, "GET"), "ERR wrong number of arguments for 'get' command");
    expect_error(h_cmd(c, "NOSUCH a b"), "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ");
    redisFree(c);
}

Test(server, select_keeps_databases_apart)
{
    redisContext *c = h_connect(&node);
    expect_status(h_cmd(c, "SET k db0"), "OK");
    expect_status(h_cmd(c, "SELECT 3"), "OK");
    expect_nil(h_cmd(c, "GET k"));
    expect_status(h_cmd(c, "SET k db3"), "OK");
    expect_int(h_cmd(c, "DBSIZE"), 1);
    expect_error(h_cmd(c, "SELECT 16"), "ERR DB index is out of range");
    expect_status(h_cmd(c, "SELECT 0"), "OK");
    expect_bulk(h_cmd(c, "GET k"), "db0", 3);
    expect_status(h_cmd(c, "FLUSHALL"), "OK");
    expect_int(h_cmd(c, "DBSIZE"), 0);
    redisFree(c);
}

Test(server, keys_and_values_are_binary_safe)
{
    redisContext *c = h_connect(&node);
    const char key[] = "k\0\r\n\xff";
    const char val[] = "\0v\r\n\0";
    expect_status(h_cmd(c, "SET %b %b", key, sizeof key - 1, val, sizeof val - 1), "OK");
    expect_bulk(h_cmd(c, "GET %b", key, sizeof key - 1), val, sizeof val - 1);
    expect_nil(h_cmd(c, "GET %b", "k", (size_t)1));
    redisFree(c);
}

Test(server, a_fifty_megabyte_value_round_trips)
{
    size_t n = 50u * 1024 * 1024;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i * 31 + 7);
    redisContext *c = h_connect(&node);
    expect_status(h_cmd(c, "SET big %b", big, n), "OK");
    redisReply *r = h_cmd(c, "GET big");
    cr_assert_not_null(r);
    cr_assert_eq(r->type, REDIS_REPLY_STRING);
    cr_assert_eq(r->len, n);
    cr_expect_eq(memcmp(r->str, big, n), 0);
    freeReplyObject(r);
    redisFree(c);
    free(big);
}

Test(server, ten_thousand_pipelined_commands_answer_in_order)
{
    redisContext *c = h_connect(&node);
    enum { N = 10000 };
    for (int i = 0; i < N; i++) {
        if (i % 3 == 2)
            redisAppendCommand(c, "GET key:%d", i - 1);
        else
            redisAppendCommand(c, "SET key:%d val:%d", i, i);
    }
    for (int i = 0; i < N; i++) {
        redisReply *r;
        cr_assert_eq(redisGetReply(c, (void **)&r), REDIS_OK, "reply %d: %s", i, c->errstr);
        if (i % 3 == 2) {
            char want[32];
            snprintf(want, sizeof want, "val:%d", i - 1);
            cr_assert_eq(r->type, REDIS_REPLY_STRING, "reply %d type %d", i, r->type);
            cr_assert_str_eq(r->str, want, "reply %d", i);
        } else {
            cr_assert_eq(r->type, REDIS_REPLY_STATUS, "reply %d type %d", i, r->type);
        }
        freeReplyObject(r);
    }
    expect_int(h_cmd(c, "DBSIZE"), N - N / 3);
    redisFree(c);
}

Test(server, a_thousand_concurrent_connections_are_served)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 2100 && rl.rlim_max >= 2100) {
        rl.rlim_cur = 2100;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    enum { N = 1000 };
    redisContext **cs = calloc(N, sizeof *cs);
    for (int i = 0; i < N; i++) {
        cs[i] = h_connect(&node);
        cr_assert(cs[i] && !cs[i]->err, "connection %d: %s", i, cs[i] ? cs[i]->errstr : "oom");
        redisAppendCommand(cs[i], "SET conn:%d %d", i, i);
    }
    for (int i = 0; i < N; i++) {
        redisReply *r;
        cr_assert_eq(redisGetReply(cs[i], (void **)&r), REDIS_OK);
        cr_expect_eq(r->type, REDIS_REPLY_STATUS);
        freeReplyObject(r);
    }
    redisReply *r = h_cmd(cs[0], "INFO clients");
    cr_assert_not_null(r);
    cr_expect(strstr(r->str, "connected_clients:1000") != NULL, "%s", r->str);
    freeReplyObject(r);
    for (int i = 0; i < N; i++)
        redisFree(cs[i]);
    free(cs);
}

Test(server, data_survives_a_clean_restart)
{
    redisContext *c = h_connect(&node);
    for (int i = 0; i < 500; i++)
        freeReplyObject(h_cmd(c, "SET persist:%d %d", i, i));
    expect_status(h_cmd(c, "SET ttl v EX 1000"), "OK");
    redisFree(c);
    cr_assert_eq(h_node_stop(&node, SIGTERM), 0, "SIGTERM must exit cleanly with status 0");
    cr_assert(h_node_start(&node));
    c = h_connect(&node);
    expect_int(h_cmd(c, "DBSIZE"), 501);
    expect_bulk(h_cmd(c, "GET persist:499"), "499", 3);
    redisFree(c);
}

Test(server, the_shutdown_command_stops_the_server)
{
    /* Regression: a client made ready while the server was closing restarted
     * a closed idle handle, and the loop spun forever instead of exiting. */
    redisContext *c = h_connect(&node);
    expect_status(h_cmd(c, "SET before shutdown"), "OK");
    redisReply *r = h_cmd(c, "SHUTDOWN");
    if (r)
        freeReplyObject(r);
    redisFree(c);
    cr_assert_eq(h_node_wait_exit(&node, 20000), 0, "the server must exit with status 0");
    cr_assert(h_node_start(&node));
    c = h_connect(&node);
    expect_bulk(h_cmd(c, "GET before"), "shutdown", 8);
    redisFree(c);
}

Test(server, sigint_also_shuts_down_cleanly)
{
    cr_expect_eq(h_node_stop(&node, SIGINT), 0);
    char log[65536];
    char path[512];
    snprintf(path, sizeof path, "cat %s/sandstore.log", node.dir);
    h_sh(log, sizeof log, "%s", path);
    cr_expect(strstr(log, "shutting down") != NULL, "%s", log);
}

/* Sends raw bytes and returns what came back before the server closed the
 * connection (or 5 s passed). */
static size_t raw_exchange(const char *send_bytes, size_t len, char *out, size_t size, bool *closed)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)node.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, send_bytes + off, len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    size_t got = 0;
    *closed = false;
    long long deadline = h_now_ms() + 5000;
    while (got + 1 < size && h_now_ms() < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t r = read(fd, out + got, size - got - 1);
        if (r <= 0) {
            *closed = true;
            break;
        }
        got += (size_t)r;
    }
    out[got] = '\0';
    close(fd);
    return got;
}

Test(server, malformed_requests_get_redis_errors_and_a_close)
{
    static const struct { const char *in; const char *want; } cases[] = {
        {"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
        {"*3000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
        {"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\n$600000000\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
        {"*1\r\nx\r\n", "-ERR Protocol error: expected '$', got 'x'\r\n"},
        {"SET \"a b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[4096];
        bool closed;
        raw_exchange(cases[i].in, strlen(cases[i].in), out, sizeof out, &closed);
        cr_expect_str_eq(out, cases[i].want, "case %zu", i);
        cr_expect(closed, "case %zu: the connection must be closed", i);
    }
    /* An inline request longer than 64 KiB without a newline. */
    size_t n = 70 * 1024;
    char *big = malloc(n);
    memset(big, 'a', n);
    char out[4096];
    bool closed;
    raw_exchange(big, n, out, sizeof out, &closed);
    free(big);
    cr_expect_str_eq(out, "-ERR Protocol error: too big inline request\r\n");
    cr_expect(closed);
    /* The server is still fine. */
    redisContext *c = h_connect(&node);
    expect_status(h_cmd(c, "PING"), "PONG");
    redisFree(c);
}

Test(server, inline_commands_work_like_nc)
{
    char out[4096];
    bool closed;
    const char *in = "PING\r\nSET inline \"hello world\"\nGET inline\r\nQUIT\r\n";
    raw_exchange(in, strlen(in), out, sizeof out, &closed);
    cr_expect_str_eq(out, "+PONG\r\n+OK\r\n$11\r\nhello world\r\n+OK\r\n");
    cr_expect(closed, "QUIT closes the connection");
}

Test(server, redis_cli_answers_like_redis)
{
    char out[4096];
    cr_assert_eq(h_sh(out, sizeof out, "redis-cli -p %d set k v", node.port), 0);
    cr_expect_str_eq(out, "OK\n");
    h_sh(out, sizeof out, "redis-cli -p %d get k", node.port);
    cr_expect_str_eq(out, "v\n");
    h_sh(out, sizeof out, "redis-cli -p %d del k", node.port);
    cr_expect_str_eq(out, "1\n");
    h_sh(out, sizeof out, "redis-cli -p %d get k", node.port);
    cr_expect_str_eq(out, "\n");
    /* The interactive output format redis-cli uses on a terminal. */
    h_sh(out, sizeof out, "printf 'set k v\\nget k\\ndel k\\n' | redis-cli -p %d --no-raw", node.port);
    cr_expect_str_eq(out, "OK\n\"v\"\n(integer) 1\n");
    h_sh(out, sizeof out, "redis-cli -p %d command count", node.port);
    cr_expect_gt(atoi(out), 10);
}

Test(server, redis_benchmark_runs_without_error_replies)
{
    char out[65536];
    int rc = h_sh(out, sizeof out,
                  "redis-benchmark -p %d -t set,get,ping -n 20000 -c 20 -P 16 -q 2>&1 | tr '\\r' '\\n' | grep -v 'rps='",
                  node.port);
    cr_expect_eq(rc, 0);
    cr_expect(strstr(out, "SET:") != NULL, "%s", out);
    cr_expect(strstr(out, "GET:") != NULL, "%s", out);
    cr_expect(strstr(out, "PING_MBULK:") != NULL, "%s", out);
    cr_expect(strstr(out, "ERR") == NULL && strstr(out, "rror") == NULL, "%s", out);
}

Test(server, config_get_reports_real_values)
{
    redisContext *c = h_connect(&node);
    redisReply *r = h_cmd(c, "CONFIG GET port");
    cr_assert_eq(r->type, REDIS_REPLY_ARRAY);
    cr_assert_eq(r->elements, 2);
    cr_expect_eq(atoi(r->element[1]->str), node.port);
    freeReplyObject(r);
    expect_status(h_cmd(c, "CONFIG SET no-such-parameter 1"), "OK");
    expect_status(h_cmd(c, "CONFIG SET loglevel debug"), "OK");
    r = h_cmd(c, "CONFIG GET loglevel");
    cr_expect_str_eq(r->element[1]->str, "debug");
    freeReplyObject(r);
    r = h_cmd(c, "CONFIG SET port 1");
    cr_expect_eq(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    redisFree(c);
}

Test(server, info_has_the_redis_sections)
{
    redisContext *c = h_connect(&node);
    freeReplyObject(h_cmd(c, "SET a 1"));
    redisReply *r = h_cmd(c, "INFO");
    cr_assert_eq(r->type, REDIS_REPLY_STRING);
    cr_expect(strstr(r->str, "# Server\r\nredis_version:") != NULL);
    cr_expect(strstr(r->str, "# Clients\r\nconnected_clients:1\r\n") != NULL);
    cr_expect(strstr(r->str, "# Keyspace\r\ndb0:keys=1") != NULL);
    cr_expect(strstr(r->str, "raft_role:leader") != NULL);
    freeReplyObject(r);
    r = h_cmd(c, "CLIENT LIST");
    cr_expect(strstr(r->str, "cmd=client") != NULL, "%s", r->str);
    freeReplyObject(r);
    redisFree(c);
}

Test(server, requirepass_gates_every_command_until_auth)
{
    h_node_stop(&node, SIGTERM);
    snprintf(node.extra, sizeof node.extra, "--requirepass s3cret");
    cr_assert(h_node_spawn(&node));
    /* PING needs AUTH too, so wait by polling the port instead. */
    long long deadline = h_now_ms() + 20000;
    redisContext *c = NULL;
    while (h_now_ms() < deadline) {
        c = h_connect(&node);
        if (c && !c->err)
            break;
        if (c)
            redisFree(c);
        c = NULL;
        usleep(20000);
    }
    cr_assert_not_null(c);
    expect_error(h_cmd(c, "GET k"), "NOAUTH Authentication required.");
    expect_error(h_cmd(c, "AUTH wrong"), "WRONGPASS invalid username-password pair or user is disabled.");
    expect_status(h_cmd(c, "AUTH s3cret"), "OK");
    expect_status(h_cmd(c, "SET k v"), "OK");
    redisFree(c);
}

Test(server, maxclients_refuses_with_the_redis_error)
{
    h_node_stop(&node, SIGTERM);
    snprintf(node.extra, sizeof node.extra, "--maxclients 2");
    cr_assert(h_node_start(&node));
    /* The harness's own readiness probe may still count as a client for a
     * moment after it hung up: retry until the server has let it go. */
    redisContext *a = NULL;
    for (int i = 0; i < 200; i++) {
        a = h_connect(&node);
        redisReply *r = h_cmd(a, "PING");
        bool ok = r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject(r);
        if (ok)
            break;
        redisFree(a);
        a = NULL;
        usleep(20 * 1000);
    }
    cr_assert_not_null(a);
    redisContext *b = h_connect(&node), *c = h_connect(&node);
    expect_status(h_cmd(b, "PING"), "PONG");
    redisReply *r = h_cmd(c, "PING");
    cr_assert_not_null(r);
    cr_expect_eq(r->type, REDIS_REPLY_ERROR);
    cr_expect_str_eq(r->str, "ERR max number of clients reached");
    freeReplyObject(r);
    redisFree(a);
    redisFree(b);
    redisFree(c);
}

Test(server, a_bad_config_stops_start_up_naming_file_and_line)
{
    char conf[512], out[4096];
    snprintf(conf, sizeof conf, "%s/bad.conf", node.dir);
    FILE *f = fopen(conf, "w");
    fprintf(f, "port 7000\n# fine\nno-such-directive yes\n");
    fclose(f);
    int rc = h_sh(out, sizeof out, "%s %s 2>&1", h_binary(), conf);
    cr_expect_neq(rc, 0);
    cr_expect(strstr(out, "bad.conf', line 3") != NULL, "%s", out);
    cr_expect(strstr(out, "no-such-directive") != NULL, "%s", out);
}

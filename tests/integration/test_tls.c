/* TLS on the client port (issue 19), on a real node with certificates made by the
 * test (openssl CLI) and real TLS clients: redis-cli --tls, redis-benchmark --tls,
 * redis-py with ssl=True. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "integration/harness.h"

static h_node node;
static char certs[256];
static int tls_port;

/* A CA, a server certificate for 127.0.0.1 signed by it, a client certificate
 * signed by it, a client certificate from another CA, and the server key
 * again encrypted with a pass phrase. */
static void make_certs(void)
{
    snprintf(certs, sizeof certs, "/tmp/ss-tls-%d-XXXXXX", (int)getpid());
    cr_assert_not_null(mkdtemp(certs));
    char out[4096];
    int rc = h_sh(out, sizeof out,
                  "(set -e; cd %s; "
                  "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=ss-ca; "
                  "openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 2 "
                  "  -subj /CN=other-ca; "
                  "printf 'subjectAltName=IP:127.0.0.1\\n' > san.cnf; "
                  "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1; "
                  "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt "
                  "  -days 2 -extfile san.cnf; "
                  "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=client; "
                  "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2; "
                  "openssl x509 -req -in client.csr -CA other-ca.crt -CAkey other-ca.key -CAcreateserial "
                  "  -out stranger.crt -days 2; "
                  "openssl pkey -in server.key -aes256 -passout pass:s3cret -out server-enc.key) 2>&1",
                  certs);
    cr_assert_eq(rc, 0, "openssl failed: %s", out);
}

static void cleanup(void)
{
    h_node_cleanup(&node);
    if (certs[0]) {
        h_sh(NULL, 0, "rm -rf %s", certs);
        certs[0] = '\0';
    }
}

TestSuite(tls, .init = make_certs, .fini = cleanup, .timeout = 300);

/* Starts the node with a plain port and a TLS port; extra directives follow. */
static void start_tls_node(const char *extra)
{
    tls_port = h_free_port();
    h_node_init(&node, 1,
                "--tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server.key "
                "--tls-ca-cert-file %s/ca.crt %s",
                tls_port, certs, certs, certs, extra ? extra : "");
    cr_assert(h_node_start(&node), "node did not start; see %s/sandstore.log", node.dir);
}

/* redis-cli over TLS with the given certificate options; its output in out. */
static int tls_cli(char *out, size_t size, const char *cert_opts, const char *args)
{
    return h_sh(out, size, "cd %s && timeout 20 redis-cli --tls --cacert ca.crt %s -p %d %s 2>&1", certs,
                cert_opts, tls_port, args);
}

#define CLIENT_CERT "--cert client.crt --key client.key"

static void expect_cli(const char *cert_opts, const char *args, const char *want)
{
    char out[4096];
    int rc = tls_cli(out, sizeof out, cert_opts, args);
    cr_expect_eq(rc, 0, "redis-cli %s: exit %d: %s", args, rc, out);
    cr_expect_str_eq(out, want, "redis-cli %s: %s", args, out);
}

static void expect_plain_get(const char *key, const char *want)
{
    redisReply *r = h_node_cmd(&node, "GET %s", key);
    cr_assert_not_null(r, "the plain port did not answer");
    cr_expect_eq(r->type, REDIS_REPLY_STRING);
    if (r->type == REDIS_REPLY_STRING)
        cr_expect_str_eq(r->str, want);
    freeReplyObject(r);
}

Test(tls, plain_and_tls_ports_serve_the_same_data)
{
    start_tls_node(NULL);
    expect_cli(CLIENT_CERT, "PING", "PONG\n");
    expect_cli(CLIENT_CERT, "SET k from-tls", "OK\n");
    expect_plain_get("k", "from-tls");
    redisReply *r = h_node_cmd(&node, "SET p from-plain");
    cr_assert_not_null(r);
    freeReplyObject(r);
    expect_cli(CLIENT_CERT, "GET p", "from-plain\n");
}

/* A value larger than what is encrypted in one go (256 KiB) and larger than a
 * read: both directions go record by record. */
Test(tls, large_values_cross_in_both_directions)
{
    start_tls_node(NULL);
    char out[4096];
    int rc = h_sh(out, sizeof out,
                  "cd %s && head -c 3000000 /dev/urandom | base64 -w0 > big.txt && "
                  "timeout 30 redis-cli --tls --cacert ca.crt " CLIENT_CERT " -p %d -x SET big < big.txt && "
                  "timeout 30 redis-cli --tls --cacert ca.crt " CLIENT_CERT " -p %d --no-raw STRLEN big && "
                  "timeout 30 redis-cli --tls --cacert ca.crt " CLIENT_CERT " -p %d GET big | head -c -1 | cmp - big.txt "
                  "&& echo same",
                  certs, tls_port, tls_port, tls_port);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect_str_eq(out, "OK\n(integer) 4000000\nsame\n");
}

Test(tls, pipelined_benchmark_over_tls_gets_every_reply)
{
    start_tls_node(NULL);
    char out[8192];
    int rc = h_sh(out, sizeof out,
                  "cd %s && timeout 120 redis-benchmark --tls --cacert ca.crt " CLIENT_CERT
                  " -p %d -t set,get -n 20000 -P 16 -c 8 -q 2>&1",
                  certs, tls_port);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "SET: ") && strstr(out, "GET: "), "%s", out);
    cr_expect_null(strstr(out, "rror"), "%s", out);
}

/* Debian's python3-redis lives under the system interpreter (as in tests/clients). */
Test(tls, redis_py_with_ssl_works_unchanged)
{
    start_tls_node(NULL);
    char out[4096];
    int rc = h_sh(out, sizeof out,
                  "cd %s && timeout 60 /usr/bin/python3 -c \"\n"
                  "import redis\n"
                  "r = redis.Redis(host='127.0.0.1', port=%d, ssl=True, ssl_ca_certs='ca.crt',\n"
                  "                ssl_certfile='client.crt', ssl_keyfile='client.key')\n"
                  "r.set('py', 'x' * 100000)\n"
                  "p = r.pipeline(transaction=False)\n"
                  "for i in range(500): p.incr('n')\n"
                  "res = p.execute()\n"
                  "print(len(r.get('py')), res[-1])\n"
                  "\" 2>&1",
                  certs, tls_port);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect_str_eq(out, "100000 500\n");
}

/* The node is still whole after a refused client: it answers on both ports. */
static void expect_node_fine(void)
{
    cr_assert(h_node_alive(&node), "the node died; see %s/sandstore.log", node.dir);
    expect_cli(CLIENT_CERT, "PING", "PONG\n");
    redisReply *r = h_node_cmd(&node, "PING");
    cr_assert_not_null(r, "the plain port did not answer");
    freeReplyObject(r);
}

Test(tls, auth_clients_yes_refuses_a_client_without_a_certificate_or_from_another_ca)
{
    start_tls_node(NULL); /* tls-auth-clients yes is the default, as in Redis */
    char out[4096];
    int rc = tls_cli(out, sizeof out, "", "SET stolen 1");
    cr_expect_neq(rc, 0, "a client without a certificate was served: %s", out);
    rc = tls_cli(out, sizeof out, "--cert stranger.crt --key client.key", "SET stolen 1");
    cr_expect_neq(rc, 0, "a certificate from another CA was accepted: %s", out);
    expect_node_fine();
    redisReply *r = h_node_cmd(&node, "EXISTS stolen");
    cr_assert_not_null(r);
    cr_expect_eq(r->integer, 0, "a refused client's command ran");
    freeReplyObject(r);
    char log[256];
    snprintf(log, sizeof log, "%s/sandstore.log", node.dir);
    cr_expect_eq(h_sh(NULL, 0, "grep -q 'Error accepting a client connection: .*certificate' %s", log), 0);
}

Test(tls, auth_clients_optional_and_no_accept_a_client_without_a_certificate)
{
    start_tls_node("--tls-auth-clients optional");
    expect_cli("", "PING", "PONG\n");
    /* optional still checks a certificate that is presented */
    char out[4096];
    cr_expect_neq(tls_cli(out, sizeof out, "--cert stranger.crt --key client.key", "PING"), 0, "%s", out);
    h_node_stop(&node, SIGTERM);
    h_node_cleanup(&node);

    /* no: a CA is not even needed */
    tls_port = h_free_port();
    h_node_init(&node, 1, "--tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server.key "
                          "--tls-auth-clients no", tls_port, certs, certs);
    cr_assert(h_node_start(&node));
    expect_cli("", "PING", "PONG\n");
}

/* Bytes on the TLS port that are not TLS: the connection is closed, nothing
 * runs, the node lives on. */
Test(tls, plain_text_on_the_tls_port_is_closed)
{
    start_tls_node(NULL);
    for (int round = 0; round < 3; round++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert(fd >= 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)tls_port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
        struct timeval tv = {20, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        const char *cmd = round == 0 ? "SET plain 1\r\n" : round == 1 ? "*3\r\n$3\r\nSET\r\n$5\r\nplain\r\n$1\r\n1\r\n"
                                                                       : "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        cr_assert_eq(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
        /* The node may answer with a TLS alert before closing; never with RESP. */
        char buf[512];
        ssize_t n, total = 0;
        while ((n = read(fd, buf, sizeof buf - 1)) > 0) {
            buf[n] = '\0';
            cr_expect(buf[0] != '+' && buf[0] != '-' && buf[0] != '$', "round %d: RESP on the TLS port: %s",
                      round, buf);
            total += n;
        }
        cr_expect(n == 0 || errno == ECONNRESET, "round %d: the connection was not closed: %s", round,
                  strerror(errno));
        cr_expect_lt(total, 512, "round %d: %zd bytes back", round, total);
        close(fd);
    }
    expect_node_fine();
    redisReply *r = h_node_cmd(&node, "EXISTS plain");
    cr_assert_not_null(r);
    cr_expect_eq(r->integer, 0);
    freeReplyObject(r);
}

/* A client that connects to the TLS port and never finishes the handshake
 * (silent, or stalled inside a record) is closed by the node (after 10 s). */
Test(tls, a_handshake_that_never_finishes_is_closed)
{
    start_tls_node(NULL);
    int fds[2];
    for (int i = 0; i < 2; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)tls_port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        cr_assert_eq(connect(fds[i], (struct sockaddr *)&sa, sizeof sa), 0);
        struct timeval tv = {60, 0};
        setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    /* the start of a ClientHello record that promises 512 bytes, then nothing */
    const unsigned char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
    cr_assert_eq(write(fds[1], hello, sizeof hello), (ssize_t)sizeof hello);
    for (int i = 0; i < 2; i++) {
        char buf[256];
        ssize_t n;
        while ((n = read(fds[i], buf, sizeof buf)) > 0)
            ;
        cr_expect(n == 0 || errno == ECONNRESET, "client %d: not closed: %s", i, strerror(errno));
        close(fds[i]);
    }
    expect_node_fine();
}

Test(tls, port_zero_leaves_only_the_tls_port)
{
    tls_port = h_free_port();
    h_node_init(&node, 1, "--port 0 --tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server.key "
                          "--tls-ca-cert-file %s/ca.crt", tls_port, certs, certs, certs);
    int plain = node.port;
    cr_assert(h_node_spawn(&node));
    char out[4096] = "";
    int rc = -1;
    for (int i = 0; i < 100 && rc != 0; i++) {
        rc = tls_cli(out, sizeof out, CLIENT_CERT, "PING");
        if (rc != 0)
            usleep(100 * 1000);
    }
    cr_assert_eq(rc, 0, "the TLS port never answered: %s", out);
    cr_expect_str_eq(out, "PONG\n");
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", plain, tv);
    cr_expect(c == NULL || c->err, "the plain port %d is open under port 0", plain);
    if (c)
        redisFree(c);
}

/* The node refuses to start, with Redis's words, on stderr and in its log. */
static void expect_start_error(const char *extra, const char *words)
{
    h_node_init(&node, 1, "%s", extra);
    cr_assert(h_node_spawn(&node));
    int status = h_node_wait_exit(&node, 30000);
    cr_expect_eq(status, 1, "exit status %d for %s", status, extra);
    char out[4096];
    h_sh(out, sizeof out, "cat %s/stderr.log", node.dir);
    cr_expect(strstr(out, words) != NULL, "for %s: expected '%s' in: %s", extra, words, out);
    h_node_cleanup(&node);
}

Test(tls, configuration_errors_in_redis_words)
{
    char extra[1024];
    int p = h_free_port();
    snprintf(extra, sizeof extra, "--tls-port %d", p);
    expect_start_error(extra, "No tls-cert-file configured!");
    snprintf(extra, sizeof extra, "--tls-port %d --tls-cert-file %s/server.crt", p, certs);
    expect_start_error(extra, "No tls-key-file configured!");
    snprintf(extra, sizeof extra, "--tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server.key", p,
             certs, certs);
    expect_start_error(extra, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
                              "tls-replication or tls-auth-clients are enabled!");
    snprintf(extra, sizeof extra, "--tls-port %d --tls-cert-file %s/nope.crt --tls-key-file %s/server.key "
                                  "--tls-auth-clients no", p, certs, certs);
    expect_start_error(extra, "Failed to load certificate: ");
    snprintf(extra, sizeof extra, "--tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server-enc.key "
                                  "--tls-auth-clients no --tls-key-file-pass wrong", p, certs, certs);
    expect_start_error(extra, "Failed to load private key: ");
    snprintf(extra, sizeof extra, "--tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server.key "
                                  "--tls-auth-clients no --tls-protocols 'TLSv1.2 SSLv3'", p, certs, certs);
    expect_start_error(extra, "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', "
                              "'TLSv1.2' and 'TLSv1.3'.");
    snprintf(extra, sizeof extra, "--tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server.key "
                                  "--tls-auth-clients no --tls-ciphers NOSUCHCIPHER", p, certs, certs);
    expect_start_error(extra, "Failed to configure ciphers: NOSUCHCIPHER");
    snprintf(extra, sizeof extra, "--tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server.key "
                                  "--tls-auth-clients no --tls-ciphersuites NOSUCH", p, certs, certs);
    expect_start_error(extra, "Failed to configure ciphersuites: NOSUCH");
    expect_start_error("--port 0", "Configured to not listen anywhere, exiting.");
    expect_start_error("--tls-auth-clients maybe", "argument(s) must be one of the following: no, yes, optional");
}

/* The directives Redis has, honoured: an encrypted key with its pass phrase,
 * TLSv1.3 only with a chosen suite, no session cache, server cipher order;
 * CONFIG GET shows them (the pass phrase hidden). */
Test(tls, key_pass_protocols_and_ciphersuites_are_honoured)
{
    tls_port = h_free_port();
    h_node_init(&node, 1,
                "--tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server-enc.key "
                "--tls-key-file-pass s3cret --tls-ca-cert-file %s/ca.crt --tls-protocols TLSv1.3 "
                "--tls-ciphersuites TLS_CHACHA20_POLY1305_SHA256 --tls-session-caching no "
                "--tls-prefer-server-ciphers yes",
                tls_port, certs, certs, certs);
    cr_assert(h_node_start(&node), "see %s/sandstore.log", node.dir);
    char out[4096];
    int rc = h_sh(out, sizeof out,
                  "cd %s && echo Q | timeout 20 openssl s_client -connect 127.0.0.1:%d -CAfile ca.crt "
                  "-cert client.crt -key client.key 2>&1 | grep -E '^(New|Verify return code)'",
                  certs, tls_port);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect_str_eq(out, "New, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256\nVerify return code: 0 (ok)\n");
    /* TLS 1.2 is refused */
    rc = h_sh(out, sizeof out,
              "cd %s && echo Q | timeout 20 openssl s_client -tls1_2 -connect 127.0.0.1:%d -CAfile ca.crt "
              "-cert client.crt -key client.key > /dev/null 2>&1",
              certs, tls_port);
    cr_expect_neq(rc, 0, "a TLSv1.2 handshake succeeded under tls-protocols TLSv1.3");
    expect_cli(CLIENT_CERT, "CONFIG GET tls-key-file-pass", "tls-key-file-pass\n******\n");
    expect_cli(CLIENT_CERT, "CONFIG GET tls-protocols", "tls-protocols\nTLSv1.3\n");
    expect_cli(CLIENT_CERT, "CONFIG GET tls-auth-clients", "tls-auth-clients\nyes\n");
    expect_node_fine();
}

/* The subject of the certificate the TLS port shows to a new connection. */
static void shown_subject(char *out, size_t size)
{
    h_sh(out, size,
         "cd %s && echo | timeout 10 openssl s_client -connect 127.0.0.1:%d -CAfile ca.crt "
         "-cert client.crt -key client.key 2>/dev/null | openssl x509 -noout -subject 2>&1",
         certs, tls_port);
}

/* CONFIG SET of the certificate files reloads them as Redis does: a file that
 * does not load is refused in Redis's words and nothing changes; a good one is
 * shown to the next connection at once, while a connection made before keeps
 * working (issue 19). */
Test(tls, certificate_reload_by_config_set)
{
    start_tls_node(NULL);
    char out[4096];
    cr_assert_eq(h_sh(out, sizeof out,
                      "cd %s && openssl req -new -key server.key -subj /CN=reloaded -out b.csr 2>&1 && "
                      "openssl x509 -req -in b.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out reloaded.crt "
                      "-days 2 -extfile san.cnf 2>&1",
                      certs),
                 0, "%s", out);
    shown_subject(out, sizeof out);
    cr_expect(strstr(out, "CN = 127.0.0.1") != NULL, "%s", out);
    /* A TLS connection made before the reload (redis-py), kept open across
     * it: it writes, waits for the file 'go', then reads. */
    h_sh(NULL, 0,
         "cd %s && rm -f go before.out && (timeout 60 /usr/bin/python3 -c \"\n"
         "import os, time, redis\n"
         "r = redis.Redis(host='127.0.0.1', port=%d, ssl=True, ssl_ca_certs='ca.crt',\n"
         "                ssl_certfile='client.crt', ssl_keyfile='client.key')\n"
         "r.set('before', 'kept')\n"
         "print('ready', flush=True)\n"
         "for i in range(300):\n"
         "    if os.path.exists('go'): break\n"
         "    time.sleep(0.1)\n"
         "print(r.get('before').decode(), r.get('after-reload').decode(), flush=True)\n"
         "\" > before.out 2>&1 &)",
         certs, tls_port);
    long long deadline = h_now_ms() + 30000;
    do {
        h_sh(out, sizeof out, "cat %s/before.out", certs);
    } while (!strstr(out, "ready") && h_now_ms() < deadline && usleep(100 * 1000) == 0);
    cr_assert(strstr(out, "ready") != NULL, "redis-py connected: %s", out);

    expect_cli(CLIENT_CERT, "CONFIG SET tls-key-file /nonexistent.key",
               "ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - "
               "Unable to update TLS configuration. Check server logs.\n\n"); /* redis-cli adds a line */
    char want[512];
    snprintf(want, sizeof want, "tls-key-file\n%s/server.key\n", certs);
    expect_cli(CLIENT_CERT, "CONFIG GET tls-key-file", want);
    shown_subject(out, sizeof out);
    cr_expect(strstr(out, "CN = 127.0.0.1") != NULL, "the old certificate stays: %s", out);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "CONFIG SET tls-cert-file %s/reloaded.crt", certs);
    expect_cli(CLIENT_CERT, cmd, "OK\n");
    shown_subject(out, sizeof out);
    cr_expect(strstr(out, "CN = reloaded") != NULL, "the next connection gets the new one: %s", out);
    expect_cli(CLIENT_CERT, "SET after-reload new", "OK\n");
    h_sh(NULL, 0, "touch %s/go", certs);
    deadline = h_now_ms() + 30000;
    do {
        h_sh(out, sizeof out, "cat %s/before.out", certs);
    } while (!strstr(out, "kept") && h_now_ms() < deadline && usleep(100 * 1000) == 0);
    cr_expect_str_eq(out, "ready\nkept new\n", "the connection made before the reload works on");
}

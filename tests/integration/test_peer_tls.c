/* Mutual TLS on the raft port (issue 19): a cluster over tls-cluster yes, peers without the right certificate, certificate reload. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/error.h"
#include "integration/cluster_harness.h"
#include "integration/peer_client.h"
#include "raft/raft.h"
#include "raft_io/transport_frame.h"
#include "raft_io/transport_handshake.h"

#define SECRET "peer-tls-test-secret"
#define NONCE SS_HANDSHAKE_NONCE_SIZE

static char certs[256];

/* A CA and a node certificate it signed (every node uses it, for both
 * directions), a second certificate from the same CA (CN=node-b, for the
 * reload), and the node's key certified by another CA (a stranger). */
static void make_certs(void)
{
    snprintf(certs, sizeof certs, "/tmp/ss-peer-tls-%d-XXXXXX", (int)getpid());
    cr_assert_not_null(mkdtemp(certs));
    char out[4096];
    int rc = h_sh(out, sizeof out,
                  "(set -e; cd %s; "
                  "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=ss-ca; "
                  "openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.crt -days 2 "
                  "  -subj /CN=other-ca; "
                  "openssl req -newkey rsa:2048 -nodes -keyout node.key -out node.csr -subj /CN=node-a; "
                  "openssl x509 -req -in node.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out node.crt -days 2; "
                  "openssl req -new -key node.key -out node-b.csr -subj /CN=node-b; "
                  "openssl x509 -req -in node-b.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out node-b.crt "
                  "  -days 2; "
                  "openssl x509 -req -in node.csr -CA other-ca.crt -CAkey other-ca.key -CAcreateserial "
                  "  -out stranger.crt -days 2) 2>&1",
                  certs);
    cr_assert_eq(rc, 0, "openssl failed: %s", out);
}

static void remove_certs(void)
{
    if (certs[0])
        h_sh(NULL, 0, "rm -rf %s", certs);
    certs[0] = '\0';
}

TestSuite(peer_tls, .init = make_certs, .fini = remove_certs, .timeout = 240);

/* The directives of a TLS cluster node showing cert (a file in certs). */
static void tls_extra(char *out, size_t size, const char *cert, const char *more)
{
    snprintf(out, size,
             "--cluster-secret " SECRET " --tls-cluster yes --tls-replication yes "
             "--tls-cert-file %s/%s --tls-key-file %s/node.key --tls-ca-cert-file %s/ca.crt %s",
             certs, cert, certs, certs, more ? more : "");
}

static int start_tls_cluster(h_cluster *cl, const char *more)
{
    char extra[1024];
    tls_extra(extra, sizeof extra, "node.crt", more);
    hc_init(cl, 3, extra);
    hc_start_all(cl);
    int leader = hc_wait_leader(cl, 20000);
    cr_assert_geq(leader, 0, "a leader is elected over mutual TLS");
    cr_assert(hc_set_retry(cl, leader, "before", "1", 10000));
    return leader;
}

static int log_count(h_node *n, const char *text)
{
    char out[64];
    h_sh(out, sizeof out, "grep -F -c -- '%s' %s/sandstore.log", text, n->dir);
    return atoi(out);
}

/* GET key on node n, local to n: the value, or "" when absent or unreachable. */
static void get_on(h_node *n, const char *key, char *out, size_t size)
{
    out[0] = '\0';
    redisReply *r = h_node_get_retrying(n, key, 20000);
    if (r && r->type == REDIS_REPLY_STRING)
        snprintf(out, size, "%s", r->str);
    if (r)
        freeReplyObject(r);
}

/* ---- a cluster over mutual TLS ------------------------------------------------------------ */

Test(peer_tls, a_cluster_over_mutual_tls_serves_writes_and_reads_and_survives_a_leader_kill)
{
    h_cluster cl;
    int l = start_tls_cluster(&cl, NULL);
    for (int i = 0; i < 3; i++)
        cr_expect(log_count(&cl.nodes[i], "listening for peers on port") == 1 &&
                      log_count(&cl.nodes[i], "(mutual TLS)") == 1,
                  "node %d's raft port is mutual TLS", i + 1);
    char key[32], val[32], got[64];
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "k%d", i);
        snprintf(val, sizeof val, "v%d", i);
        cr_assert(hc_set_retry(&cl, (l + i) % 3, key, val, 10000), "SET %s through node %d", key, (l + i) % 3 + 1);
    }
    long long applied = hc_info_int(&cl, l, "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, applied, 20000), "every node applies every write");
    for (int i = 0; i < 3; i++) {
        get_on(&cl.nodes[i], "k49", got, sizeof got);
        cr_expect_str_eq(got, "v49", "node %d", i + 1);
    }

    h_node_kill9(&cl.nodes[l]);
    int survivors[2] = {(l + 1) % 3, (l + 2) % 3};
    int nl = -1;
    long long deadline = h_now_ms() + 20000;
    while (nl < 0 && h_now_ms() < deadline) {
        for (int j = 0; j < 2 && nl < 0; j++) {
            redisReply *r = h_node_cmd(&cl.nodes[survivors[j]], "SET after-kill yes");
            if (r && r->type == REDIS_REPLY_STATUS)
                nl = survivors[j];
            if (r)
                freeReplyObject(r);
        }
        if (nl < 0)
            usleep(100 * 1000);
    }
    cr_assert_geq(nl, 0, "the two survivors elect a leader over TLS and take writes");
    for (int j = 0; j < 2; j++) {
        get_on(&cl.nodes[survivors[j]], "after-kill", got, sizeof got);
        cr_expect_str_eq(got, "yes");
        get_on(&cl.nodes[survivors[j]], "k7", got, sizeof got);
        cr_expect_str_eq(got, "v7");
    }
    /* The killed node comes back and catches up, over new TLS connections. */
    cr_assert(h_node_start(&cl.nodes[l]));
    long long idx = hc_info_int(&cl, nl, "raft_last_applied_index");
    cr_expect(hc_wait_applied(&cl, idx, 20000), "the restarted node catches up");
    hc_cleanup(&cl);
}

/* ---- a peer without the right certificate ------------------------------------------------ */

/* One connection to a raft port by hand: plain TCP, or TLS with a certificate. */
typedef struct {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    bool tls_up;               /* SSL_connect returned 1 (TLS 1.3: before the server checked us) */
    ss_frame_reader reader;
    uint8_t payload[512];      /* the last frame read */
    ss_frame_type type;
    size_t plen;
    size_t bytes_in;           /* everything received, decrypted or not */
} pconn;

/* Connects to port; cert NULL: no certificate; tls false: plain TCP. */
static void pconn_open(pconn *p, int port, bool tls, const char *cert)
{
    memset(p, 0, sizeof *p);
    ss_frame_reader_init(&p->reader, sizeof p->payload);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    p->fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(p->fd >= 0 && connect(p->fd, (struct sockaddr *)&a, sizeof a) == 0, "connect to %d", port);
    struct timeval tv = {3, 0}; /* every wait is bounded */
    setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (!tls)
        return;
    p->ctx = SSL_CTX_new(TLS_client_method());
    char path[512];
    snprintf(path, sizeof path, "%s/ca.crt", certs);
    SSL_CTX_load_verify_locations(p->ctx, path, NULL);
    if (cert) {
        snprintf(path, sizeof path, "%s/%s", certs, cert);
        cr_assert_eq(SSL_CTX_use_certificate_file(p->ctx, path, SSL_FILETYPE_PEM), 1);
        snprintf(path, sizeof path, "%s/node.key", certs);
        cr_assert_eq(SSL_CTX_use_PrivateKey_file(p->ctx, path, SSL_FILETYPE_PEM), 1);
    }
    p->ssl = SSL_new(p->ctx);
    SSL_set_fd(p->ssl, p->fd);
    p->tls_up = SSL_connect(p->ssl) == 1;
    ERR_clear_error();
}

static void pconn_close(pconn *p)
{
    SSL_free(p->ssl);
    SSL_CTX_free(p->ctx);
    ss_frame_reader_release(&p->reader);
    close(p->fd);
}

static void pconn_send(pconn *p, ss_frame_type type, const void *payload, size_t len)
{
    uint8_t buf[SS_FRAME_HEADER_SIZE + 512];
    cr_assert_leq(len, 512);
    ss_frame_header(buf, type, payload, (uint32_t)len);
    memcpy(buf + SS_FRAME_HEADER_SIZE, payload, len);
    if (p->ssl)
        (void)SSL_write(p->ssl, buf, (int)(SS_FRAME_HEADER_SIZE + len)); /* may fail: refused */
    else
        (void)!send(p->fd, buf, SS_FRAME_HEADER_SIZE + len, MSG_NOSIGNAL);
    ERR_clear_error();
}

/* The next frame (3 s at most); false on close, refusal, timeout or garbage. */
static bool pconn_recv(pconn *p)
{
    uint8_t in[4096];
    for (;;) {
        int n = p->ssl ? SSL_read(p->ssl, in, sizeof in) : (int)recv(p->fd, in, sizeof in, 0);
        ERR_clear_error();
        if (n <= 0)
            return false;
        p->bytes_in += (size_t)n;
        const uint8_t *d = in;
        size_t left = (size_t)n;
        ss_frame f;
        ss_frame_result r = ss_frame_reader_next(&p->reader, &d, &left, &f);
        if (r == SS_FRAME_ERROR)
            return false;
        if (r == SS_FRAME_OK) {
            p->type = f.type;
            p->plen = f.len;
            memcpy(p->payload, f.payload, f.len);
            return true;
        }
    }
}

/*
 * Logs in as node `from` to node `to` over p, knowing `secret`, and sends the
 * payloads behind the proof at once, as an impostor that does not wait to be
 * told would. True when the node welcomed it.
 */
static bool login(pconn *p, uint64_t from, uint64_t to, const char *secret, uint8_t (*payloads)[512],
                  const size_t *lens, int n)
{
    uint8_t nc[NONCE], hello[8 + 8 + NONCE + 1 + 255];
    for (int i = 0; i < NONCE; i++)
        nc[i] = (uint8_t)rand();
    const char *cluster = "sandstore";
    pconn_send(p, SS_FRAME_HELLO, hello, h_peer_hello(hello, from, to, nc, cluster));
    if (!pconn_recv(p) || p->type != SS_FRAME_CHALLENGE || p->plen != 8 + NONCE)
        return false;
    uint8_t mac[SS_SHA256_SIZE];
    ss_handshake_mac(secret, strlen(secret), cluster, SS_HANDSHAKE_CONNECTOR, from, to, nc,
                     p->payload + 8, mac);
    pconn_send(p, SS_FRAME_AUTH, mac, sizeof mac);
    for (int i = 0; i < n; i++)
        pconn_send(p, SS_FRAME_DATA, payloads[i], lens[i]);
    return pconn_recv(p) && p->type == SS_FRAME_WELCOME;
}

/* PEER_RAFT message m; honoured, a vote or append of a later term deposes the leader. */
static size_t raft_payload(uint8_t *out, const raft_msg *m)
{
    size_t len = 0;
    out[0] = 'R';
    cr_assert_eq(raft_msg_encode(m, out + 1, 511, &len), SS_OK);
    return len + 1;
}

/* What an impostor posing as node `from` sends the leader `to`: a proposal,
 * a vote request and an append (a heartbeat) of a term far ahead. */
static int hostile_payloads(uint8_t (*p)[512], size_t *lens, uint64_t from, uint64_t to, uint64_t term)
{
    lens[0] = h_peer_propose_set(p[0], from, "impostor", "pwned");
    raft_msg vote = {.type = RAFT_MSG_VOTE, .from = from, .to = to, .term = term + 1000,
                     .last_index = 1u << 30, .last_term = term + 999, .transfer = true};
    lens[1] = raft_payload(p[1], &vote);
    raft_msg append = {.type = RAFT_MSG_APPEND, .from = from, .to = to, .term = term + 2000,
                       .prev_index = 0, .prev_term = 0, .commit = 1u << 30};
    lens[2] = raft_payload(p[2], &append);
    return 3;
}

/*
 * Impostors that know everything but hold no certificate from the cluster's
 * CA (none, one from another CA, or no TLS at all) log in to the leader as a
 * follower with the right secret and send a proposal, a vote request and an
 * append of a later term. Not a frame comes back (the TLS handshake fails
 * before the frame protocol starts), nothing lands, and the refusals are
 * logged once per host and reason however often they come. The controls: the
 * same login with the right certificate is welcomed (so the checks can see a
 * login that works), and with the right certificate but a wrong secret it is
 * refused by the secret (still checked inside TLS).
 */
Test(peer_tls, a_peer_without_the_right_certificate_cannot_propose_vote_or_append)
{
    h_cluster cl;
    int l = start_tls_cluster(&cl, NULL);
    int f = (l + 1) % 3;
    h_node *leader = &cl.nodes[l];
    long long term = hc_info_int(&cl, l, "raft_current_term");
    long long proposals = hc_info_int(&cl, l, "raft_proposals_received");
    uint8_t payloads[3][512];
    size_t lens[3];
    int n = hostile_payloads(payloads, lens, (uint64_t)f + 1, (uint64_t)l + 1, (uint64_t)term);

    const struct {
        bool tls;
        const char *cert;
        const char *what;
    } strangers[] = {
        {true, "stranger.crt", "a certificate from another CA"},
        {true, NULL, "no certificate"},
        {false, NULL, "no TLS"},
    };
    for (int s = 0; s < 3; s++) {
        for (int attempt = 0; attempt < 4; attempt++) {
            pconn p;
            pconn_open(&p, leader->raft_port, strangers[s].tls, strangers[s].cert);
            cr_expect_not(login(&p, (uint64_t)f + 1, (uint64_t)l + 1, SECRET, payloads, lens, n),
                          "%s: refused", strangers[s].what);
            /* Whatever else it tries, nothing but the refusal comes back. */
            for (int i = 0; i < n; i++)
                pconn_send(&p, SS_FRAME_DATA, payloads[i], lens[i]);
            cr_expect_not(pconn_recv(&p), "%s: not a frame comes back", strangers[s].what);
            pconn_close(&p);
        }
    }
    usleep(1000 * 1000); /* room for anything that got through to show */
    char got[64];
    get_on(leader, "impostor", got, sizeof got);
    cr_expect_str_eq(got, "", "the impostors' SET was not applied");
    cr_expect_lt(hc_info_int(&cl, l, "raft_current_term"), term + 1000,
                 "no vote request nor append reached raft");
    cr_expect_eq(hc_info_int(&cl, l, "raft_proposals_received"), proposals);
    cr_expect_eq(hc_wait_leader(&cl, 5000), l, "the leader leads on");
    /* Four attempts of each kind: one warning per reason within the interval. */
    cr_expect_eq(log_count(leader, "certificate verify failed"), 1, "logged once");
    cr_expect_eq(log_count(leader, "peer did not return a certificate"), 1, "logged once");
    cr_expect_eq(log_count(leader, "refused connection from 127.0.0.1"), 3,
                 "three kinds of refusal, one warning each");

    /* Controls. The right certificate and a wrong secret: refused by the secret. */
    pconn p;
    pconn_open(&p, leader->raft_port, true, "node.crt");
    cr_expect(p.tls_up);
    cr_expect_not(login(&p, (uint64_t)f + 1, (uint64_t)l + 1, "guessed-secret", NULL, NULL, 0));
    cr_expect(p.type == SS_FRAME_REFUSE && p.plen > 0 && memmem(p.payload, p.plen, "bad cluster secret", 18),
              "the secret is still checked inside TLS");
    pconn_close(&p);
    /* The right certificate and the secret: welcomed, and the checks see it. */
    pconn_open(&p, leader->raft_port, true, "node.crt");
    cr_expect(login(&p, (uint64_t)f + 1, (uint64_t)l + 1, SECRET, payloads, lens, 1),
              "a peer with both is welcomed");
    pconn_close(&p);
    long long deadline = h_now_ms() + 10000;
    while (hc_info_int(&cl, l, "raft_proposals_received") == proposals && h_now_ms() < deadline)
        usleep(50 * 1000);
    cr_expect_eq(hc_info_int(&cl, l, "raft_proposals_received"), proposals + 1,
                 "the check sees a proposal that got through");
    cr_expect(hc_set_retry(&cl, l, "after", "1", 10000), "the cluster serves on");
    hc_cleanup(&cl);
}

/*
 * A node restarted with a certificate from another CA (the cluster's CA file,
 * the secret, everything else right) behind a snapshot: the leader neither
 * accepts its connection nor completes one to it, so it gets no snapshot and
 * no entry; given the right certificate again, the same node installs the
 * snapshot and catches up (the control).
 */
Test(peer_tls, a_node_with_a_certificate_from_another_ca_gets_no_snapshot_nor_entries)
{
    h_cluster cl;
    int l = start_tls_cluster(&cl, "--snapshot-threshold 50 --snapshot-trailing-entries 10");
    int f = (l + 1) % 3;
    cr_assert(hc_wait_applied(&cl, hc_info_int(&cl, l, "raft_last_applied_index"), 20000));
    long long f_applied = hc_info_int(&cl, f, "raft_last_applied_index");
    cr_assert_eq(h_node_stop(&cl.nodes[f], SIGTERM), 0);
    char key[32];
    for (int i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "s%d", i);
        cr_assert(hc_set_retry(&cl, l, key, "x", 10000));
    }
    long long deadline = h_now_ms() + 20000;
    while (hc_info_int(&cl, l, "raft_snapshots_taken") < 1 && h_now_ms() < deadline)
        usleep(100 * 1000);
    cr_assert_geq(hc_info_int(&cl, l, "raft_snapshots_taken"), 1, "the leader compacted behind a snapshot");
    long long target = hc_info_int(&cl, l, "raft_last_applied_index");

    char extra[1024], peers_part[512];
    /* Same peers and timing, another certificate. */
    snprintf(peers_part, sizeof peers_part, "%s", cl.nodes[f].extra);
    char *cut = strstr(peers_part, " --cluster-secret");
    cr_assert_not_null(cut);
    *cut = '\0';
    tls_extra(extra, sizeof extra, "stranger.crt", NULL);
    snprintf(cl.nodes[f].extra, sizeof cl.nodes[f].extra, "%s %s", peers_part, extra);
    int connected_before = log_count(&cl.nodes[f], "connected to node"); /* its log goes on */
    cr_assert(h_node_start(&cl.nodes[f]));
    deadline = h_now_ms() + 20000;
    while (log_count(&cl.nodes[l], "TLS handshake failed") < 1 && h_now_ms() < deadline)
        usleep(100 * 1000);
    cr_expect_geq(log_count(&cl.nodes[l], "TLS handshake failed"), 1, "the leader refused the stranger");
    usleep(2000 * 1000); /* many heartbeats and snapshot offers' worth */
    cr_expect_eq(hc_info_int(&cl, f, "raft_snapshots_installed"), 0, "no snapshot reached it");
    cr_expect_eq(hc_info_int(&cl, f, "raft_last_applied_index"), f_applied, "no entry reached it");
    cr_expect_eq(log_count(&cl.nodes[f], "connected to node"), connected_before,
                 "it never got through to a peer");

    /* The control: the right certificate, and the same node catches up. */
    cr_assert_eq(h_node_stop(&cl.nodes[f], SIGTERM), 0);
    tls_extra(extra, sizeof extra, "node.crt", NULL);
    snprintf(cl.nodes[f].extra, sizeof cl.nodes[f].extra, "%s %s", peers_part, extra);
    cr_assert(h_node_start(&cl.nodes[f]));
    cr_expect(hc_wait_applied(&cl, target, 30000), "with the right certificate it catches up");
    cr_expect_geq(hc_info_int(&cl, f, "raft_snapshots_installed"), 1, "through the snapshot");
    hc_cleanup(&cl);
}

/* ---- certificate reload ------------------------------------------------------------------ */

/* The subject of the certificate the raft port at port shows (openssl s_client). */
static void shown_subject(int port, char *out, size_t size)
{
    char buf[8192];
    h_sh(buf, sizeof buf,
         "cd %s && echo | timeout 10 openssl s_client -connect 127.0.0.1:%d -CAfile ca.crt "
         "-cert node.crt -key node.key 2>/dev/null | openssl x509 -noout -subject 2>&1",
         certs, port);
    snprintf(out, size, "%s", buf);
}

/*
 * CONFIG SET of the certificate files: a path that does not load is refused
 * with Redis's words and changes nothing; a good one is taken at once by new
 * connections (the raft port shows the new certificate) while the
 * established ones carry on (writes go through), and a node restarted after
 * the reload reconnects under it.
 */
Test(peer_tls, certificates_reload_without_restart)
{
    h_cluster cl;
    int l = start_tls_cluster(&cl, NULL);
    h_node *n = &cl.nodes[l];
    char subject[512];
    shown_subject(n->raft_port, subject, sizeof subject);
    cr_expect(strstr(subject, "CN = node-a") != NULL, "%s", subject);

    redisReply *r = h_node_cmd(n, "CONFIG SET tls-cert-file /nonexistent/node.crt");
    cr_assert_not_null(r);
    cr_expect_eq(r->type, REDIS_REPLY_ERROR);
    if (r->type == REDIS_REPLY_ERROR)
        cr_expect_str_eq(r->str, "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - "
                                 "Unable to update TLS configuration. Check server logs.");
    freeReplyObject(r);
    r = h_node_cmd(n, "CONFIG GET tls-cert-file");
    cr_assert(r && r->type == REDIS_REPLY_ARRAY && r->elements == 2);
    char want[512];
    snprintf(want, sizeof want, "%s/node.crt", certs);
    cr_expect_str_eq(r->element[1]->str, want, "the old setting stays");
    freeReplyObject(r);
    shown_subject(n->raft_port, subject, sizeof subject);
    cr_expect(strstr(subject, "CN = node-a") != NULL, "the old certificate stays: %s", subject);
    cr_expect(hc_set_retry(&cl, l, "after-bad", "1", 10000));

    r = h_node_cmd(n, "CONFIG SET tls-cert-file %s/node-b.crt", certs);
    cr_assert_not_null(r);
    cr_expect(r->type == REDIS_REPLY_STATUS, "%s", r->str);
    freeReplyObject(r);
    shown_subject(n->raft_port, subject, sizeof subject);
    cr_expect(strstr(subject, "CN = node-b") != NULL, "new connections get the new certificate: %s",
              subject);
    cr_expect(hc_set_retry(&cl, l, "after-reload", "1", 10000), "established connections carry on");

    int f = (l + 1) % 3;
    h_node_kill9(&cl.nodes[f]);
    cr_assert(h_node_start(&cl.nodes[f]));
    cr_expect(hc_set_retry(&cl, l, "after-restart", "1", 10000));
    cr_expect(hc_wait_applied(&cl, hc_info_int(&cl, l, "raft_last_applied_index"), 20000),
              "the restarted follower reconnects under the reloaded certificate");
    hc_cleanup(&cl);
}

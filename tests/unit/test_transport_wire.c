/* Peer transport against hand-driven sockets: malformed frames, forged handshakes, a stuck peer. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "common/error.h"
#include "common/log.h"
#include "common/sha256.h"
#include "raft_io/transport.h"
#include "raft_io/transport_frame.h"

#define DEADLINE_MS 10000 /* a safety net so that a broken build fails instead of hanging */
#define SECRET "wire-secret"
#define CLUSTER "sandstore"
#define NONCE 16

static uv_loop_t loop;
static ss_transport *node1;
static const char *node2_host; /* where node 1 believes node 2 is */
static bool node1_closed;
static int received;
static int peer_up_events;

static void setup(void)
{
    ss_log_set_level(SS_LOG_WARNING);
    cr_assert_eq(uv_loop_init(&loop), 0);
    node1 = NULL;
    node1_closed = false;
    received = 0;
    peer_up_events = 0;
    node2_host = "127.0.0.1";
}

static void on_tick(uv_timer_t *timer) { (void)timer; }
static void on_expire(uv_timer_t *timer) { *(bool *)timer->data = true; }

/* Runs the loop until pred holds (evaluated once per iteration); a short tick
 * re-checks conditions that no loop event announces. */
static bool run_until(bool (*pred)(void *), void *arg)
{
    uv_timer_t deadline, tick;
    bool expired = false;
    uv_timer_init(&loop, &deadline);
    uv_timer_init(&loop, &tick);
    deadline.data = &expired;
    uv_timer_start(&deadline, on_expire, DEADLINE_MS, 0);
    uv_timer_start(&tick, on_tick, 5, 5);
    bool done;
    while (!(done = pred(arg)) && !expired)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&deadline, NULL);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&loop, UV_RUN_NOWAIT);
    return done;
}

static bool is_closed(void *arg) { (void)arg; return node1_closed; }
static void on_closed(void *ctx) { (void)ctx; node1_closed = true; }

static void teardown(void)
{
    if (node1 != NULL) {
        ss_transport_close(node1, on_closed);
        cr_expect(run_until(is_closed, NULL));
    }
    uv_run(&loop, UV_RUN_NOWAIT);
    cr_expect_eq(uv_loop_close(&loop), 0, "every handle was closed");
}

TestSuite(wire, .init = setup, .fini = teardown);

static void on_message(void *ctx, uint64_t from, const uint8_t *payload, size_t len)
{
    cr_expect_eq(from, 2);
    received++;
}

static void on_peer_state(void *ctx, uint64_t id, bool connected)
{
    peer_up_events += connected;
}

static int listen_socket(int *port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, 8), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Node 1 listens on a free port; its one peer, node 2, "lives" at peer_port. */
static void start_node1(int peer_port, size_t max_frame, size_t max_queued, unsigned hs_ms)
{
    ss_transport_peer peer = {2, node2_host, peer_port};
    ss_transport_config cfg = {
        .node_id = 1, .cluster_id = CLUSTER, .secret = SECRET, .bind_host = "127.0.0.1",
        .peers = &peer, .npeers = 1, .on_message = on_message, .on_peer_state = on_peer_state,
        .max_frame = max_frame, .max_queued = max_queued, .handshake_timeout_ms = hs_ms,
        .reconnect_min_ms = 10, .reconnect_max_ms = 50,
    };
    ss_errmsg err = "";
    cr_assert_eq(ss_transport_new(&loop, &cfg, &node1, err), SS_OK, "%s", err);
}

/* A port where nobody listens: node 1's own dialling of node 2 just fails quietly. */
static int dead_port(void)
{
    int port;
    close(listen_socket(&port));
    return port;
}

static ss_transport_inbound_stats inbound(void)
{
    ss_transport_inbound_stats s;
    ss_transport_inbound_stats_get(node1, &s);
    return s;
}

/* ---- a hand-driven socket ------------------------------------------------------- */

typedef struct {
    int fd;
    ss_frame_reader reader;
    uint8_t in[4096];
    size_t in_off, in_len;
    bool got;
    ss_frame_type type;
    uint8_t payload[512];
    size_t len;
    bool eof;
} raw;

static void raw_init(raw *r, int fd)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    ss_frame_reader_init(&r->reader, sizeof r->payload);
}

static void raw_connect(raw *r, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    /* The kernel completes the connection from the listen backlog. */
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    raw_init(r, fd);
}

static void raw_release(raw *r)
{
    ss_frame_reader_release(&r->reader);
    close(r->fd);
}

static void raw_write(raw *r, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = send(r->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            uv_run(&loop, UV_RUN_NOWAIT);
            continue;
        }
        cr_assert(n > 0, "send: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

static void raw_send_frame(raw *r, ss_frame_type type, const void *payload, size_t len)
{
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    ss_frame_header(hdr, type, payload, (uint32_t)len);
    raw_write(r, hdr, sizeof hdr);
    raw_write(r, payload, len);
}

/* Predicate: a whole frame arrived (copied into r), or the socket reached EOF. */
static bool raw_has_frame(void *arg)
{
    raw *r = arg;
    for (;;) {
        if (r->in_off < r->in_len) {
            const uint8_t *p = r->in + r->in_off;
            size_t len = r->in_len - r->in_off;
            ss_frame f;
            ss_frame_result res = ss_frame_reader_next(&r->reader, &p, &len, &f);
            r->in_off = r->in_len - len;
            cr_assert_neq(res, SS_FRAME_ERROR, "transport sent a bad frame: %s", r->reader.error);
            if (res == SS_FRAME_OK) {
                r->got = true;
                r->type = f.type;
                r->len = f.len;
                memcpy(r->payload, f.payload, f.len);
                return true;
            }
        }
        ssize_t n = recv(r->fd, r->in, sizeof r->in, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            r->eof = true;
            return true;
        }
        if (n < 0)
            return false;
        r->in_off = 0;
        r->in_len = (size_t)n;
    }
}

static void raw_expect_frame(raw *r, ss_frame_type type)
{
    r->got = false;
    cr_assert(run_until(raw_has_frame, r));
    cr_assert(r->got, "connection closed while waiting for frame type %d", type);
    cr_assert_eq(r->type, type);
}

/* Predicate: the transport closed the connection (whatever it sent first is skipped). */
static bool raw_closed(void *arg)
{
    raw *r = arg;
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = recv(r->fd, buf, sizeof buf, 0);
        if (n > 0)
            continue;
        return n == 0 || errno != EAGAIN;
    }
}

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* The handshake MAC as the protocol defines it (transport_handshake.c). */
static void proof(const char *label, const char *secret, uint64_t from, uint64_t to,
                  const uint8_t *nc, const uint8_t *na, uint8_t out[SS_SHA256_SIZE])
{
    uint8_t ids[16], clen = (uint8_t)strlen(CLUSTER);
    be64(ids, from);
    be64(ids + 8, to);
    ss_hmac_sha256_ctx h;
    ss_hmac_sha256_init(&h, secret, strlen(secret));
    ss_hmac_sha256_update(&h, label, strlen(label) + 1);
    ss_hmac_sha256_update(&h, &clen, 1);
    ss_hmac_sha256_update(&h, CLUSTER, clen);
    ss_hmac_sha256_update(&h, ids, sizeof ids);
    ss_hmac_sha256_update(&h, nc, NONCE);
    ss_hmac_sha256_update(&h, na, NONCE);
    ss_hmac_sha256_final(&h, out);
}

static void send_hello_in(raw *r, const char *cluster, uint64_t from, uint64_t to,
                          const uint8_t *nonce)
{
    uint8_t hello[8 + 8 + NONCE + 1 + 255];
    size_t clen = strlen(cluster);
    be64(hello, from);
    be64(hello + 8, to);
    memcpy(hello + 16, nonce, NONCE);
    hello[16 + NONCE] = (uint8_t)clen;
    memcpy(hello + 17 + NONCE, cluster, clen);
    raw_send_frame(r, SS_FRAME_HELLO, hello, 17 + NONCE + clen);
}

static void send_hello(raw *r, uint64_t from, uint64_t to, const uint8_t *nonce)
{
    send_hello_in(r, CLUSTER, from, to, nonce);
}

static void expect_refusal(raw *r, const char *reason)
{
    raw_expect_frame(r, SS_FRAME_REFUSE);
    r->payload[r->len < sizeof r->payload ? r->len : sizeof r->payload - 1] = '\0';
    cr_expect_str_eq((char *)r->payload, reason);
    cr_assert(run_until(raw_closed, r));
    cr_expect_eq(inbound().refused, 1);
    cr_expect_eq(received, 0);
}

/* The handshake's first half on a connected r: HELLO as node 2 with nonce nc,
 * node 1's CHALLENGE back; its nonce is left in na. */
static void raw_hello(raw *r, const uint8_t *nc, uint8_t *na)
{
    send_hello(r, 2, 1, nc);
    raw_expect_frame(r, SS_FRAME_CHALLENGE);
    cr_assert_eq(r->len, 8 + NONCE);
    memcpy(na, r->payload + 8, NONCE);
}

/* The second half: node 2's proof (left in mac), and node 1's in return. */
static void raw_prove(raw *r, const uint8_t *nc, const uint8_t *na, uint8_t mac[SS_SHA256_SIZE])
{
    proof("sandstore connector", SECRET, 2, 1, nc, na, mac);
    raw_send_frame(r, SS_FRAME_AUTH, mac, SS_SHA256_SIZE);
    raw_expect_frame(r, SS_FRAME_WELCOME);
    uint8_t want[SS_SHA256_SIZE];
    proof("sandstore acceptor", SECRET, 2, 1, nc, na, want);
    cr_assert(r->len == SS_SHA256_SIZE && ss_hmac_equal(want, r->payload, SS_SHA256_SIZE),
              "node 1 proves it knows the secret too");
}

/* Connects to node 1 as node 2 and completes the handshake; the MAC sent is left in mac. */
static void raw_login(raw *r, uint8_t mac[SS_SHA256_SIZE])
{
    raw_connect(r, ss_transport_port(node1));
    uint8_t nc[NONCE] = "connector-nonce", na[NONCE];
    raw_hello(r, nc, na);
    raw_prove(r, nc, na, mac);
}

static bool got_one(void *arg) { (void)arg; return received >= 1; }

/* ---- malformed input ------------------------------------------------------------ */

Test(wire, closes_a_connection_that_sends_garbage)
{
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    raw_connect(&r, ss_transport_port(node1));
    const char *http = "GET / HTTP/1.1\r\nHost: sandstore\r\n\r\n";
    raw_write(&r, http, strlen(http));
    cr_assert(run_until(raw_closed, &r));
    cr_expect_eq(inbound().refused, 1);
    cr_expect_eq(inbound().malformed, 1);
    cr_expect_eq(received, 0);
    raw_release(&r);
}

Test(wire, a_scripted_login_delivers_messages)
{
    /* The baseline for the tests below: the hand-driven client is a real peer. */
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    uint8_t mac[SS_SHA256_SIZE];
    raw_login(&r, mac);
    raw_send_frame(&r, SS_FRAME_DATA, "hello", 5);
    cr_assert(run_until(got_one, NULL));
    cr_expect_eq(inbound().accepted, 1);
    cr_expect_not(raw_closed(&r));
    raw_release(&r);
}

Test(wire, closes_on_a_bad_checksum_after_the_handshake)
{
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    uint8_t mac[SS_SHA256_SIZE];
    raw_login(&r, mac);
    raw_send_frame(&r, SS_FRAME_DATA, "good", 4);
    uint8_t bad[SS_FRAME_HEADER_SIZE + 4];
    ss_frame_header(bad, SS_FRAME_DATA, "evil", 4);
    memcpy(bad + SS_FRAME_HEADER_SIZE, "evil", 4);
    bad[SS_FRAME_HEADER_SIZE] ^= 0x01;
    raw_write(&r, bad, sizeof bad);
    raw_send_frame(&r, SS_FRAME_DATA, "after", 5);
    cr_assert(run_until(raw_closed, &r));
    cr_expect_eq(received, 1, "only the frame before the bad one");
    cr_expect_eq(inbound().malformed, 1);
    raw_release(&r);
}

Test(wire, closes_on_a_bad_checksum_during_the_handshake)
{
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    raw_connect(&r, ss_transport_port(node1));
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    ss_frame_header(hdr, SS_FRAME_HELLO, "abc", 3);
    hdr[10] ^= 0xff;
    raw_write(&r, hdr, sizeof hdr);
    raw_write(&r, "abc", 3);
    cr_assert(run_until(raw_closed, &r));
    cr_expect_eq(inbound().refused, 1);
    raw_release(&r);
}

Test(wire, closes_on_an_oversized_length_without_waiting_for_the_payload)
{
    start_node1(dead_port(), 4096, 0, 0);
    raw r;
    uint8_t mac[SS_SHA256_SIZE];
    raw_login(&r, mac);
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    ss_frame_header(hdr, SS_FRAME_DATA, "", 0);
    hdr[4] = 0x10; /* 256 MB claimed, only the header sent */
    raw_write(&r, hdr, sizeof hdr);
    cr_assert(run_until(raw_closed, &r));
    cr_expect_eq(inbound().malformed, 1);
    cr_expect_eq(received, 0);
    raw_release(&r);
}

Test(wire, refuses_a_large_frame_before_authentication)
{
    /* Before the handshake even a modest frame is too big: no buffer for strangers. */
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    raw_connect(&r, ss_transport_port(node1));
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    ss_frame_header(hdr, SS_FRAME_HELLO, "", 0);
    hdr[5] = 0x01; /* 64 KB */
    raw_write(&r, hdr, sizeof hdr);
    cr_assert(run_until(raw_closed, &r));
    cr_expect_eq(inbound().refused, 1);
    raw_release(&r);
}

Test(wire, drops_a_truncated_frame)
{
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    uint8_t mac[SS_SHA256_SIZE];
    raw_login(&r, mac);
    uint8_t frame[SS_FRAME_HEADER_SIZE + 100];
    memset(frame + SS_FRAME_HEADER_SIZE, 'x', 100);
    ss_frame_header(frame, SS_FRAME_DATA, frame + SS_FRAME_HEADER_SIZE, 100);
    raw_write(&r, frame, sizeof frame - 40);
    shutdown(r.fd, SHUT_WR);
    cr_assert(run_until(raw_closed, &r));
    cr_expect_eq(received, 0);
    raw_release(&r);
}

Test(wire, closes_a_connection_that_never_says_hello)
{
    start_node1(dead_port(), 0, 0, 100);
    raw r;
    raw_connect(&r, ss_transport_port(node1));
    cr_assert(run_until(raw_closed, &r), "the handshake deadline closes it");
    cr_expect_eq(inbound().refused, 1);
    raw_release(&r);
}

Test(wire, a_newer_connection_from_a_peer_replaces_the_older_one)
{
    start_node1(dead_port(), 0, 0, 0);
    raw old, fresh;
    uint8_t mac[SS_SHA256_SIZE];
    raw_login(&old, mac);
    raw_login(&fresh, mac);
    cr_assert(run_until(raw_closed, &old), "the stale connection is closed");
    raw_send_frame(&fresh, SS_FRAME_DATA, "still here", 10);
    cr_assert(run_until(got_one, NULL));
    cr_expect_eq(inbound().accepted, 2);
    raw_release(&old);
    raw_release(&fresh);
}

/* Only a proof of the secret may replace a peer's connection: an impostor's
 * failed login, at any step, leaves the established one alone (issue 18). */
Test(wire, a_failed_login_as_a_connected_peer_leaves_its_connection_alone)
{
    start_node1(dead_port(), 0, 0, 0);
    raw real;
    uint8_t mac[SS_SHA256_SIZE];
    raw_login(&real, mac);
    for (int step = 0; step < 3; step++) {
        raw impostor;
        raw_connect(&impostor, ss_transport_port(node1));
        uint8_t nc[NONCE] = "impostor-nonce", na[NONCE], forged[SS_SHA256_SIZE];
        send_hello(&impostor, 2, 1, nc);
        if (step > 0) {
            raw_expect_frame(&impostor, SS_FRAME_CHALLENGE);
            memcpy(na, impostor.payload + 8, NONCE);
            proof("sandstore connector", step == 1 ? "guessed" : "", 2, 1, nc, na, forged);
            raw_send_frame(&impostor, SS_FRAME_AUTH, forged, sizeof forged);
            raw_send_frame(&impostor, SS_FRAME_DATA, "forged", 6);
        }
        shutdown(impostor.fd, SHUT_WR); /* step 0: gives up after its HELLO */
        cr_assert(run_until(raw_closed, &impostor));
        raw_release(&impostor);
    }
    raw_send_frame(&real, SS_FRAME_DATA, "still here", 10);
    cr_assert(run_until(got_one, NULL));
    cr_expect_eq(received, 1, "only the real peer's message");
    cr_expect_not(raw_closed(&real));
    cr_expect_eq(inbound().accepted, 1);
    raw_release(&real);
}

/* ---- strangers holding unauthenticated slots (issue 18) --------------------------- */

static void raw_connect_from(raw *r, const char *source, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in src = {.sin_family = AF_INET};
    cr_assert_eq(inet_pton(AF_INET, source, &src.sin_addr), 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    /* All of 127.0.0.0/8 is loopback: a stranger at several addresses. */
    cr_assert_eq(bind(fd, (struct sockaddr *)&src, sizeof src), 0, "bind %s", source);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    raw_init(r, fd);
}

typedef struct {
    raw *r;
    int n;
    int closed;
} census;

static bool count_closed(census *c)
{
    c->closed = 0;
    for (int i = 0; i < c->n; i++)
        c->closed += raw_closed(&c->r[i]);
    return c->closed > 0;
}

static bool any_closed(void *arg) { return count_closed(arg); }

static bool evicted_enough(void *arg)
{
    return inbound().evicted >= *(uint64_t *)arg;
}

/* Opens n idle connections to node 1 from 127.0.0.1 and runs the loop until
 * the per-address limit has evicted all but 16 of the unauthenticated ones
 * (`others` of which were open before). */
static void crowd(raw *r, int n, int others)
{
    for (int i = 0; i < n; i++)
        raw_connect(&r[i], ss_transport_port(node1));
    uint64_t evictions = (uint64_t)(n + others - 16);
    cr_assert(run_until(evicted_enough, &evictions));
}

static void release_all(raw *r, int n)
{
    for (int i = 0; i < n; i++)
        raw_release(&r[i]);
}

Test(wire, one_address_holds_at_most_16_unauthenticated_connections_and_loses_its_oldest)
{
    /* A long deadline: only the limit can close anything during this test. */
    start_node1(dead_port(), 0, 0, 60000);
    raw r[17];
    for (int i = 0; i < 17; i++)
        raw_connect(&r[i], ss_transport_port(node1));
    census c = {r, 17, 0};
    cr_assert(run_until(any_closed, &c));
    cr_expect_eq(c.closed, 1, "one connection over the limit of 16");
    cr_expect(raw_closed(&r[0]), "the newcomer is let in, the oldest goes");
    cr_expect_eq(inbound().evicted, 1);
    release_all(r, 17);
}

Test(wire, past_64_unauthenticated_connections_the_oldest_idle_one_goes)
{
    start_node1(dead_port(), 0, 0, 60000);
    enum { N = 65 };
    raw r[N];
    char source[32];
    for (int i = 0; i < N; i++) {
        snprintf(source, sizeof source, "127.0.0.%d", 2 + i / 13); /* 13 per address */
        raw_connect_from(&r[i], source, ss_transport_port(node1));
    }
    census c = {r, N, 0};
    cr_assert(run_until(any_closed, &c));
    cr_expect_eq(c.closed, 1, "one connection over the limit of 64");
    cr_expect(raw_closed(&r[0]), "the oldest");
    cr_expect_eq(inbound().evicted, 1);
    release_all(r, N);
}

/* The attack of issue 18: before, the 65th connection was refused, so 64 idle
 * strangers kept every peer out until they let go. */
Test(wire, a_stranger_holding_every_slot_cannot_keep_a_peer_out)
{
    start_node1(dead_port(), 0, 0, 60000);
    enum { N = 80 };
    raw r[N];
    crowd(r, N, 0);
    raw peer;
    uint8_t mac[SS_SHA256_SIZE];
    raw_login(&peer, mac);
    raw_send_frame(&peer, SS_FRAME_DATA, "made it", 7);
    cr_assert(run_until(got_one, NULL));
    cr_expect_eq(inbound().accepted, 1);
    raw_release(&peer);
    release_all(r, N);
}

Test(wire, a_connection_that_said_hello_outlives_idle_strangers_from_its_address)
{
    start_node1(dead_port(), 0, 0, 60000);
    raw peer;
    raw_connect(&peer, ss_transport_port(node1));
    uint8_t nc[NONCE] = "connector-nonce", na[NONCE], mac[SS_SHA256_SIZE];
    raw_hello(&peer, nc, na);
    /* Its proof is one round trip away; meanwhile idle strangers pile in. */
    enum { N = 40 };
    raw r[N];
    crowd(r, N, 1);
    raw_prove(&peer, nc, na, mac);
    cr_expect_eq(inbound().accepted, 1);
    raw_release(&peer);
    release_all(r, N);
}

/* Peers are known addresses: strangers elsewhere, even ones that know the
 * cluster id and a node id, cannot displace a connection from one. */
Test(wire, strangers_from_other_addresses_cannot_displace_a_connection_from_a_peers_address)
{
    node2_host = "127.0.0.2";
    start_node1(dead_port(), 0, 0, 60000);
    raw peer;
    raw_connect_from(&peer, "127.0.0.2", ss_transport_port(node1));
    uint8_t nc[NONCE] = "connector-nonce", na[NONCE], mac[SS_SHA256_SIZE];
    raw_hello(&peer, nc, na);
    /* 70 strangers at six addresses, each claiming to be node 2, fill all 64
     * slots; the peer's is the oldest of the connections that said HELLO. */
    enum { N = 70 };
    raw r[N];
    char source[32];
    for (int i = 0; i < N; i++) {
        snprintf(source, sizeof source, "127.0.0.%d", 3 + i / 13);
        raw_connect_from(&r[i], source, ss_transport_port(node1));
        send_hello(&r[i], 2, 1, nc);
    }
    uint64_t evictions = N + 1 - 64;
    cr_assert(run_until(evicted_enough, &evictions));
    raw_prove(&peer, nc, na, mac);
    cr_expect_eq(inbound().accepted, 1);
    raw_release(&peer);
    release_all(r, N);
}

Test(wire, under_pressure_a_silent_connection_gets_a_short_deadline)
{
    /* 20 connections from two addresses: within every limit, but past the
     * 16 that mean pressure. The configured deadline is a minute. */
    start_node1(dead_port(), 0, 0, 60000);
    enum { N = 20 };
    raw r[N];
    for (int i = 0; i < N; i++)
        raw_connect_from(&r[i], i % 2 ? "127.0.0.2" : "127.0.0.3", ss_transport_port(node1));
    census c = {r, N, 0};
    cr_assert(run_until(any_closed, &c), "closed long before the configured deadline");
    cr_expect_eq(inbound().evicted, 0);
    for (int i = 0; i < 16; i++)
        cr_expect_not(raw_closed(&r[i]), "connection %d came before the pressure", i);
    release_all(r, N);
}

/* ---- forged handshakes ---------------------------------------------------------- */

Test(wire, refuses_data_before_the_proof)
{
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    raw_connect(&r, ss_transport_port(node1));
    uint8_t nc[NONCE] = {1};
    send_hello(&r, 2, 1, nc);
    raw_send_frame(&r, SS_FRAME_DATA, "sneaky", 6);
    cr_assert(run_until(raw_closed, &r));
    cr_expect_eq(received, 0);
    cr_expect_eq(inbound().accepted, 0);
    raw_release(&r);
}

Test(wire, refuses_a_proof_replayed_from_an_earlier_connection)
{
    start_node1(dead_port(), 0, 0, 0);
    raw first, second;
    uint8_t mac[SS_SHA256_SIZE];
    raw_login(&first, mac);
    raw_release(&first);

    /* Same connector nonce, but node 1 picks a fresh nonce: the old MAC is stale. */
    raw_connect(&second, ss_transport_port(node1));
    uint8_t nc[NONCE] = "connector-nonce";
    send_hello(&second, 2, 1, nc);
    raw_expect_frame(&second, SS_FRAME_CHALLENGE);
    raw_send_frame(&second, SS_FRAME_AUTH, mac, sizeof mac);
    raw_expect_frame(&second, SS_FRAME_REFUSE);
    cr_expect_eq(second.len, strlen("bad cluster secret"));
    cr_expect_eq(memcmp(second.payload, "bad cluster secret", second.len), 0);
    uint8_t data[SS_FRAME_HEADER_SIZE + 8];
    ss_frame_header(data, SS_FRAME_DATA, "replayed", 8);
    memcpy(data + SS_FRAME_HEADER_SIZE, "replayed", 8);
    send(second.fd, data, sizeof data, MSG_NOSIGNAL); /* may already fail: closed */
    cr_assert(run_until(raw_closed, &second));
    cr_expect_eq(received, 0);
    cr_expect_eq(inbound().accepted, 1);
    raw_release(&second);
}

Test(wire, refuses_a_hello_addressed_to_another_node)
{
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    raw_connect(&r, ss_transport_port(node1));
    uint8_t nc[NONCE] = {0};
    send_hello(&r, 2, 3, nc);
    expect_refusal(&r, "this is node 1, not node 3");
    raw_release(&r);
}

Test(wire, refuses_a_hello_from_another_cluster)
{
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    raw_connect(&r, ss_transport_port(node1));
    uint8_t nc[NONCE] = {0};
    send_hello_in(&r, "staging\n", 2, 1, nc);
    expect_refusal(&r, "wrong cluster id 'staging?'"); /* control bytes never reach logs */
    raw_release(&r);
}

Test(wire, refuses_a_hello_from_an_unknown_node)
{
    start_node1(dead_port(), 0, 0, 0);
    raw r;
    raw_connect(&r, ss_transport_port(node1));
    uint8_t nc[NONCE] = {0};
    send_hello(&r, 77, 1, nc);
    expect_refusal(&r, "unknown node id 77");
    raw_release(&r);
}

typedef struct {
    int lfd;
    int fd;
} acceptance;

static bool accepted(void *arg)
{
    acceptance *a = arg;
    a->fd = accept(a->lfd, NULL, NULL);
    return a->fd >= 0;
}

/* Accepts node 1's connection on a raw listener and answers its HELLO with a
 * CHALLENGE; returns the connector's nonce and ours. */
static void raw_accept_hello(int lfd, raw *r, uint8_t *nc, uint8_t *na)
{
    acceptance a = {lfd, -1};
    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
    cr_assert(run_until(accepted, &a));
    raw_init(r, a.fd);
    raw_expect_frame(r, SS_FRAME_HELLO);
    memcpy(nc, r->payload + 16, NONCE);
    memset(na, 0x5a, NONCE);
    uint8_t challenge[8 + NONCE];
    be64(challenge, 2);
    memcpy(challenge + 8, na, NONCE);
    raw_send_frame(r, SS_FRAME_CHALLENGE, challenge, sizeof challenge);
    raw_expect_frame(r, SS_FRAME_AUTH);
}

static bool connect_failed(void *arg)
{
    ss_transport_stats s;
    ss_transport_peer_stats(node1, 2, &s);
    return s.connect_failures >= 1;
}

Test(wire, does_not_trust_an_acceptor_without_the_secret)
{
    int port, lfd = listen_socket(&port);
    start_node1(port, 0, 0, 0);
    raw r;
    uint8_t nc[NONCE], na[NONCE], mac[SS_SHA256_SIZE];
    raw_accept_hello(lfd, &r, nc, na);
    proof("sandstore acceptor", "guessed", 1, 2, nc, na, mac);
    raw_send_frame(&r, SS_FRAME_WELCOME, mac, sizeof mac);
    cr_assert(run_until(connect_failed, NULL));
    cr_expect_eq(peer_up_events, 0);
    cr_expect_not(ss_transport_peer_connected(node1, 2));
    raw_release(&r);
    close(lfd);
}

static bool failed_three_times(void *arg)
{
    ss_transport_stats s;
    ss_transport_peer_stats(node1, 2, &s);
    return s.connect_failures >= 3;
}

Test(wire, gives_up_on_an_acceptor_that_never_answers)
{
    /* The kernel completes the TCP handshake from the backlog; nobody ever reads. */
    int port, lfd = listen_socket(&port);
    start_node1(port, 0, 0, 50);
    cr_assert(run_until(failed_three_times, NULL), "each attempt ends at the deadline");
    cr_expect_eq(peer_up_events, 0);
    close(lfd);
}

/* ---- a stuck peer --------------------------------------------------------------- */

static bool node2_up(void *arg) { (void)arg; return ss_transport_peer_connected(node1, 2); }

Test(wire, a_peer_that_never_reads_does_not_grow_the_queue_past_its_limit)
{
    const size_t limit = 1 << 20, msg = 64 * 1024;
    int port, lfd = listen_socket(&port);
    start_node1(port, 0, limit, 0);
    raw r;
    uint8_t nc[NONCE], na[NONCE], mac[SS_SHA256_SIZE];
    raw_accept_hello(lfd, &r, nc, na);
    proof("sandstore acceptor", SECRET, 1, 2, nc, na, mac);
    raw_send_frame(&r, SS_FRAME_WELCOME, mac, sizeof mac);
    cr_assert(run_until(node2_up, NULL));

    /* From here node 2 never reads: the kernel buffers fill, then the queue. */
    uint8_t *payload = calloc(1, msg);
    size_t accepted = 0, refused = 0, peak = 0;
    for (int round = 0; round < 400; round++) {
        for (int i = 0; i < 8; i++) {
            int rc = ss_transport_send(node1, 2, payload, msg);
            cr_assert(rc == SS_OK || rc == SS_EAGAIN);
            if (rc == SS_OK)
                accepted++;
            else
                refused++;
        }
        uv_run(&loop, UV_RUN_NOWAIT);
        ss_transport_stats s;
        ss_transport_peer_stats(node1, 2, &s);
        if (s.queued_bytes > peak)
            peak = s.queued_bytes;
    }
    free(payload);
    cr_expect_leq(peak, limit + msg + SS_FRAME_HEADER_SIZE, "peak queue %zu", peak);
    cr_expect_geq(peak, limit - msg - SS_FRAME_HEADER_SIZE, "the queue limit is what stopped it");
    cr_expect_gt(refused, 0);
    cr_expect_lt(accepted * msg, (size_t)400 * 8 * msg / 2, "accepted %zu of 3200", accepted);
    ss_transport_stats s;
    ss_transport_peer_stats(node1, 2, &s);
    cr_expect(s.connected, "a slow peer is not disconnected by the transport");
    cr_expect_eq(s.messages_dropped, refused);
    raw_release(&r);
    close(lfd);
}

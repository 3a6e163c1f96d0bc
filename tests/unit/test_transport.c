/* Peer transport between real transports on one loop over 127.0.0.1. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "common/error.h"
#include "common/log.h"
#include "common/config.h"
#include "raft_io/transport.h"

#define MAX_NODES 4
#define DEADLINE_MS 10000 /* a safety net so that a broken build fails instead of hanging */

typedef struct {
    uint64_t id;
    int port;
    const char *secret;
    const char *cluster;
    ss_transport *t;
    int received;
    int from_count[MAX_NODES + 1]; /* by sender id */
    bool in_order;                 /* each payload carried its sender's next sequence number */
    bool intact;                   /* each payload's filler bytes were as sent */
    int up[MAX_NODES + 1], down[MAX_NODES + 1];
    bool closed;
    bool echo;                     /* reply to every message from inside the callback */
    bool close_on_message;         /* close the transport from inside the callback */
    size_t last_len;
    const char *cert;              /* tls-cluster: this node's certificate in certs (NULL = plain) */
} node;

static uv_loop_t loop;

static void setup(void)
{
    ss_log_set_level(SS_LOG_WARNING);
    cr_assert_eq(uv_loop_init(&loop), 0);
}

static void remove_certs(void);

static void teardown(void)
{
    remove_certs();
    uv_run(&loop, UV_RUN_NOWAIT);
    cr_expect_eq(uv_loop_close(&loop), 0, "every handle was closed");
}

TestSuite(transport, .init = setup, .fini = teardown);

/* ---- running the loop ------------------------------------------------------------ */

static void on_tick(uv_timer_t *timer) { (void)timer; }
static void on_expire(uv_timer_t *timer) { *(bool *)timer->data = true; }

/* Runs the loop until pred holds (evaluated once per iteration); a short tick
 * re-checks conditions that no loop event announces. */
static bool run_until(bool (*pred)(void *), void *arg)
{
    uv_timer_t deadline, tick;
    bool expired = false;
    uv_update_time(&loop); /* the deadline counts from now, not from the last iteration */
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

/* ---- nodes ----------------------------------------------------------------------- */

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Payload: the sender's sequence number, then filler derived from it. */
static size_t make_payload(uint8_t *buf, uint64_t seq, size_t len)
{
    put64(buf, seq);
    for (size_t i = 8; i < len; i++)
        buf[i] = (uint8_t)(seq + i);
    return len;
}

static void on_message(void *ctx, uint64_t from, const uint8_t *payload, size_t len)
{
    node *n = ctx;
    cr_assert(from >= 1 && from <= MAX_NODES);
    n->received++;
    n->last_len = len;
    if (len >= 8) {
        uint64_t seq = get64(payload);
        if (seq != (uint64_t)n->from_count[from])
            n->in_order = false;
        for (size_t i = 8; i < len; i++)
            if (payload[i] != (uint8_t)(seq + i)) {
                n->intact = false;
                break;
            }
    }
    n->from_count[from]++;
    if (n->echo)
        ss_transport_send(n->t, from, payload, len);
    if (n->close_on_message)
        ss_transport_close(n->t, NULL);
}

static void on_peer_state(void *ctx, uint64_t id, bool connected)
{
    node *n = ctx;
    if (connected)
        n->up[id]++;
    else
        n->down[id]++;
}

static int free_ports(int *ports, int n)
{
    int fds[MAX_NODES];
    for (int i = 0; i < n; i++) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof a;
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert(fds[i] >= 0);
        cr_assert_eq(bind(fds[i], (struct sockaddr *)&a, sizeof a), 0);
        cr_assert_eq(getsockname(fds[i], (struct sockaddr *)&a, &len), 0);
        ports[i] = ntohs(a.sin_port);
    }
    for (int i = 0; i < n; i++)
        close(fds[i]);
    return 0;
}

/* ---- mutual TLS (tls-cluster) ---------------------------------------------------- */

static char certs[256]; /* made once, by the first test that needs them */

static void make_certs(void)
{
    if (certs[0])
        return;
    snprintf(certs, sizeof certs, "/tmp/ss-transport-tls-%d-XXXXXX", (int)getpid());
    cr_assert_not_null(mkdtemp(certs));
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "(set -e; cd %s; "
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=ca; "
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout o.key -out other-ca.crt -days 2 -subj /CN=o; "
             "openssl req -newkey rsa:2048 -nodes -keyout node.key -out node.csr -subj /CN=node; "
             "openssl x509 -req -in node.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out node.crt -days 2; "
             "openssl x509 -req -in node.csr -CA other-ca.crt -CAkey o.key -CAcreateserial -out stranger.crt "
             "  -days 2) >/dev/null 2>&1",
             certs);
    cr_assert_eq(system(cmd), 0, "openssl made the certificates");
}

static void remove_certs(void)
{
    char cmd[512];
    if (certs[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", certs);
        cr_expect_eq(system(cmd), 0);
    }
}

/* The raft port's contexts for a node showing cert (verified by ca.crt). */
static void tls_contexts(const char *cert, ss_tls_ctx **accept, ss_tls_ctx **dial)
{
    make_certs();
    ss_config cfg;
    ss_config_init(&cfg);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", certs, cert);
    free(cfg.tls_cert_file);
    cfg.tls_cert_file = strdup(path);
    snprintf(path, sizeof path, "%s/node.key", certs);
    free(cfg.tls_key_file);
    cfg.tls_key_file = strdup(path);
    snprintf(path, sizeof path, "%s/ca.crt", certs);
    free(cfg.tls_ca_cert_file);
    cfg.tls_ca_cert_file = strdup(path);
    ss_errmsg err = "";
    cr_assert_eq(ss_tls_ctx_new(&cfg, SS_TLS_PEER_ACCEPT, accept, err), SS_OK, "%s", err);
    cr_assert_eq(ss_tls_ctx_new(&cfg, SS_TLS_PEER_DIAL, dial, err), SS_OK, "%s", err);
    ss_config_release(&cfg);
}

/* Starts node n, whose peers are the other nodes in nodes[0..count). */
static void start(node *n, node *nodes, int count)
{
    ss_transport_peer peers[MAX_NODES];
    size_t np = 0;
    for (int i = 0; i < count; i++)
        if (nodes[i].id != n->id)
            peers[np++] = (ss_transport_peer){nodes[i].id, "127.0.0.1", nodes[i].port};
    ss_transport_config cfg = {
        .node_id = n->id, .cluster_id = n->cluster, .secret = n->secret,
        .bind_host = "127.0.0.1", .port = n->port, .peers = peers, .npeers = np,
        .on_message = on_message, .on_peer_state = on_peer_state, .ctx = n,
        .reconnect_min_ms = 10, .reconnect_max_ms = 100, .handshake_timeout_ms = 2000,
    };
    if (n->cert) {
        tls_contexts(n->cert, &cfg.tls_accept, &cfg.tls_dial);
        /* Making the certificates takes seconds on a loaded machine: without
         * this, the loop's cached time is that old, and every deadline
         * started next (handshakes, run_until's) expires at once. */
        uv_update_time(&loop);
    }
    n->in_order = n->intact = true;
    n->closed = false;
    ss_errmsg err = "";
    cr_assert_eq(ss_transport_new(&loop, &cfg, &n->t, err), SS_OK, "%s", err);
}

static void on_closed(void *ctx) { ((node *)ctx)->closed = true; }
static bool is_closed(void *arg) { return ((node *)arg)->closed; }

static void stop(node *n)
{
    ss_transport_close(n->t, on_closed);
    cr_assert(run_until(is_closed, n));
    n->t = NULL;
}

static void make_nodes(node *nodes, int count, const char *secret)
{
    int ports[MAX_NODES];
    free_ports(ports, count);
    for (int i = 0; i < count; i++)
        nodes[i] = (node){.id = (uint64_t)i + 1, .port = ports[i], .secret = secret};
}

typedef struct {
    node *nodes;
    int count;
} cluster;

static bool all_connected(void *arg)
{
    cluster *c = arg;
    for (int i = 0; i < c->count; i++)
        for (int j = 0; j < c->count; j++)
            if (i != j && !ss_transport_peer_connected(c->nodes[i].t, c->nodes[j].id))
                return false;
    return true;
}

typedef struct {
    node *n;
    int want;
} count_wait;

static bool received_at_least(void *arg)
{
    count_wait *w = arg;
    return w->n->received >= w->want;
}

static void send_seq(node *from, node *to, uint64_t seq, size_t len)
{
    uint8_t buf[512];
    cr_assert(len <= sizeof buf);
    cr_assert_eq(ss_transport_send(from->t, to->id, buf, make_payload(buf, seq, len)), SS_OK);
}

/* ---- tests ----------------------------------------------------------------------- */

Test(transport, two_nodes_exchange_messages_in_both_directions_in_order)
{
    node n[2];
    make_nodes(n, 2, "s3cret");
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    cluster c = {n, 2};
    cr_assert(run_until(all_connected, &c));
    cr_expect_eq(n[0].up[2], 1);
    cr_expect_eq(n[1].up[1], 1);
    for (uint64_t i = 0; i < 500; i++) {
        send_seq(&n[0], &n[1], i, 8 + i % 300);
        send_seq(&n[1], &n[0], i, 8 + i % 200);
    }
    count_wait w0 = {&n[0], 500}, w1 = {&n[1], 500};
    cr_assert(run_until(received_at_least, &w0));
    cr_assert(run_until(received_at_least, &w1));
    cr_expect_eq(n[1].from_count[1], 500);
    cr_expect_eq(n[0].from_count[2], 500);
    cr_expect(n[0].in_order && n[1].in_order);
    cr_expect(n[0].intact && n[1].intact);

    ss_transport_stats s;
    cr_assert_eq(ss_transport_peer_stats(n[0].t, 2, &s), SS_OK);
    cr_expect(s.connected);
    cr_expect_eq(s.messages_sent, 500);
    cr_expect_eq(s.connects, 1);
    cr_expect_eq(s.queued_bytes, 0);
    cr_assert_eq(ss_transport_peer_stats(n[1].t, 1, &s), SS_OK);
    cr_expect_eq(s.messages_received, 500);
    cr_expect_eq(ss_transport_peer_stats(n[1].t, 9, &s), SS_ENOTFOUND);
    stop(&n[0]);
    stop(&n[1]);
}

Test(transport, three_nodes_exchange_messages_between_every_pair)
{
    node n[3];
    make_nodes(n, 3, "");
    for (int i = 0; i < 3; i++)
        start(&n[i], n, 3);
    cluster c = {n, 3};
    cr_assert(run_until(all_connected, &c));
    for (uint64_t seq = 0; seq < 100; seq++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                if (i != j)
                    send_seq(&n[i], &n[j], seq, 16);
    for (int i = 0; i < 3; i++) {
        count_wait w = {&n[i], 200};
        cr_assert(run_until(received_at_least, &w));
        for (int j = 0; j < 3; j++)
            if (i != j)
                cr_expect_eq(n[i].from_count[n[j].id], 100, "node %d from %d", i + 1, j + 1);
        cr_expect(n[i].in_order);
    }
    for (int i = 0; i < 3; i++)
        stop(&n[i]);
}

typedef struct {
    node *n;
    uint64_t peer;
    uint64_t failures;
} failure_wait;

static bool failed_at_least(void *arg)
{
    failure_wait *w = arg;
    ss_transport_stats s;
    ss_transport_peer_stats(w->n->t, w->peer, &s);
    return s.connect_failures >= w->failures;
}

Test(transport, connects_to_a_peer_that_starts_later)
{
    node n[2];
    make_nodes(n, 2, "x");
    start(&n[0], n, 2);
    failure_wait fw = {&n[0], 2, 3};
    cr_assert(run_until(failed_at_least, &fw), "node 1 keeps retrying a peer that is down");
    cr_expect_not(ss_transport_peer_connected(n[0].t, 2));
    start(&n[1], n, 2);
    cluster c = {n, 2};
    cr_assert(run_until(all_connected, &c));
    send_seq(&n[0], &n[1], 0, 8);
    count_wait w = {&n[1], 1};
    cr_assert(run_until(received_at_least, &w));
    stop(&n[0]);
    stop(&n[1]);
}

static bool peer_down(void *arg)
{
    node *n = arg;
    return n->down[2] > 0;
}

Test(transport, reconnects_to_a_peer_that_restarts)
{
    node n[2];
    make_nodes(n, 2, "x");
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    cluster c = {n, 2};
    cr_assert(run_until(all_connected, &c));
    stop(&n[1]);
    cr_assert(run_until(peer_down, &n[0]));
    cr_expect_eq(ss_transport_send(n[0].t, 2, "lost", 4), SS_EAGAIN);

    node restarted = {.id = 2, .port = n[1].port, .secret = "x"};
    n[1] = restarted;
    start(&n[1], n, 2);
    cr_assert(run_until(all_connected, &c));
    send_seq(&n[0], &n[1], 0, 8);
    send_seq(&n[1], &n[0], 0, 8);
    count_wait w0 = {&n[0], 1}, w1 = {&n[1], 1};
    cr_assert(run_until(received_at_least, &w0));
    cr_assert(run_until(received_at_least, &w1));
    ss_transport_stats s;
    ss_transport_peer_stats(n[0].t, 2, &s);
    cr_expect_eq(s.connects, 2);
    cr_expect_eq(s.reconnects, 1);
    cr_expect_eq(n[0].up[2], 2);
    cr_expect_eq(n[0].down[2], 1);
    stop(&n[0]);
    stop(&n[1]);
}

typedef struct {
    node *acceptor;
    uint64_t refused;
} refused_wait;

static bool refused_at_least(void *arg)
{
    refused_wait *w = arg;
    ss_transport_inbound_stats s;
    ss_transport_inbound_stats_get(w->acceptor->t, &s);
    return s.refused >= w->refused;
}

/* Node 2 (misconfigured as the test says) dials node 1 and must be refused
 * repeatedly, while nothing it sends ever arrives. */
static void expect_refused(node *n)
{
    refused_wait w = {&n[0], 3};
    cr_assert(run_until(refused_at_least, &w), "node 1 refuses node 2's handshakes");
    failure_wait fw = {&n[1], 1, 3};
    cr_assert(run_until(failed_at_least, &fw));
    cr_expect_not(ss_transport_peer_connected(n[1].t, 1));
    cr_expect_eq(ss_transport_send(n[1].t, 1, "hello", 5), SS_EAGAIN);
    ss_transport_inbound_stats s;
    ss_transport_inbound_stats_get(n[0].t, &s);
    cr_expect_eq(s.accepted, 0);
    cr_expect_eq(n[0].received, 0);
    cr_expect_eq(n[1].up[1], 0);
    stop(&n[0]);
    stop(&n[1]);
}

Test(transport, refuses_a_wrong_cluster_secret)
{
    node n[2];
    make_nodes(n, 2, "right");
    n[1].secret = "wrong";
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    expect_refused(n);
}

Test(transport, refuses_a_missing_cluster_secret)
{
    node n[2];
    make_nodes(n, 2, "right");
    n[1].secret = NULL;
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    expect_refused(n);
}

Test(transport, refuses_a_wrong_cluster_id)
{
    node n[2];
    make_nodes(n, 2, "same");
    n[1].cluster = "other-cluster";
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    expect_refused(n);
}

Test(transport, refuses_an_unknown_node_id)
{
    node n[3];
    make_nodes(n, 3, "same");
    start(&n[0], n, 2);   /* node 1 knows only node 2 */
    start(&n[2], n, 3);   /* node 3 knows 1 and 2 and dials node 1 */
    refused_wait w = {&n[0], 3};
    cr_assert(run_until(refused_at_least, &w));
    cr_expect_not(ss_transport_peer_connected(n[2].t, 1));
    cr_expect_eq(n[0].received, 0);
    stop(&n[0]);
    stop(&n[2]);
}

Test(transport, drops_messages_it_cannot_send)
{
    node n[2];
    make_nodes(n, 2, "");
    start(&n[0], n, 2);
    uint8_t big[1];
    cr_expect_eq(ss_transport_send(n[0].t, 2, big, 1), SS_EAGAIN, "peer not connected");
    cr_expect_eq(ss_transport_send(n[0].t, 7, big, 1), SS_ENOTFOUND);
    cr_expect_eq(ss_transport_send(n[0].t, 2, big, SS_TRANSPORT_DEFAULT_MAX_FRAME + 1),
                 SS_ETOOBIG);
    ss_transport_stats s;
    ss_transport_peer_stats(n[0].t, 2, &s);
    cr_expect_eq(s.messages_dropped, 1);
    cr_expect_not(s.connected);
    ss_transport_close(n[0].t, on_closed);
    cr_expect_eq(ss_transport_send(n[0].t, 2, big, 1), SS_ESHUTDOWN);
    cr_assert(run_until(is_closed, &n[0]));
}

Test(transport, carries_messages_larger_than_a_socket_read_and_empty_ones)
{
    node n[2];
    make_nodes(n, 2, "k");
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    cluster c = {n, 2};
    cr_assert(run_until(all_connected, &c));
    size_t len = 3 * 1024 * 1024 + 17;
    uint8_t *buf = malloc(len);
    cr_assert_eq(ss_transport_send(n[0].t, 2, buf, make_payload(buf, 0, len)), SS_OK);
    cr_assert_eq(ss_transport_send(n[0].t, 2, buf, make_payload(buf, 1, len)), SS_OK);
    free(buf); /* the transport keeps its own copy */
    cr_assert_eq(ss_transport_send(n[0].t, 2, NULL, 0), SS_OK);
    count_wait w = {&n[1], 3};
    cr_assert(run_until(received_at_least, &w));
    cr_expect(n[1].intact && n[1].in_order);
    cr_expect_eq(n[1].last_len, 0);
    stop(&n[0]);
    stop(&n[1]);
}

Test(transport, replies_sent_from_the_message_callback_arrive)
{
    node n[2];
    make_nodes(n, 2, "k");
    n[1].echo = true;
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    cluster c = {n, 2};
    cr_assert(run_until(all_connected, &c));
    for (uint64_t i = 0; i < 50; i++)
        send_seq(&n[0], &n[1], i, 64);
    count_wait w = {&n[0], 50};
    cr_assert(run_until(received_at_least, &w));
    cr_expect(n[0].in_order && n[0].intact);
    stop(&n[0]);
    stop(&n[1]);
}

Test(transport, closing_inside_the_message_callback_stops_delivery)
{
    node n[2];
    make_nodes(n, 2, "k");
    n[1].close_on_message = true;
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    cluster c = {n, 2};
    cr_assert(run_until(all_connected, &c));
    for (uint64_t i = 0; i < 20; i++)
        send_seq(&n[0], &n[1], i, 8);
    cr_assert(run_until(peer_down, &n[0]), "node 1 sees node 2 go away");
    cr_expect_eq(n[1].received, 1, "nothing delivered after close");
    stop(&n[0]);
    /* n[1] was closed from its callback; its memory is already released. */
}

static bool peer_up(void *arg)
{
    node *n = arg;
    return ss_transport_peer_connected(n->t, 2);
}

Test(transport, follows_a_peer_address_change)
{
    node n[2];
    int ports[3];
    free_ports(ports, 3);
    n[0] = (node){.id = 1, .port = ports[0], .secret = "k"};
    n[1] = (node){.id = 2, .port = ports[2], .secret = "k"}; /* node 1 is told ports[1] */
    node wrong[2] = {n[0], n[1]};
    wrong[1].port = ports[1];
    start(&n[0], wrong, 2);
    start(&n[1], n, 2);
    failure_wait fw = {&n[0], 2, 1};
    cr_assert(run_until(failed_at_least, &fw));
    ss_errmsg err = "";
    cr_assert_eq(ss_transport_set_peer_address(n[0].t, 2, "127.0.0.1", ports[2], err), SS_OK);
    cr_assert(run_until(peer_up, &n[0]));
    cr_expect_eq(ss_transport_set_peer_address(n[0].t, 5, "127.0.0.1", 1, err), SS_ENOTFOUND);
    stop(&n[0]);
    stop(&n[1]);
}

Test(transport, resolves_host_names)
{
    node n[2];
    make_nodes(n, 2, "k");
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    ss_errmsg err = "";
    cr_assert_eq(ss_transport_set_peer_address(n[0].t, 2, "localhost", n[1].port, err), SS_OK);
    cr_assert(run_until(peer_up, &n[0]));
    stop(&n[0]);
    stop(&n[1]);
}

Test(transport, rejects_bad_configuration)
{
    ss_transport *t = NULL;
    ss_errmsg err = "";
    ss_transport_peer self = {1, "127.0.0.1", 7000}, dup[2] = {{2, "127.0.0.1", 7000},
                                                               {2, "127.0.0.1", 7001}};
    ss_transport_config cfg = {.node_id = 1, .bind_host = "127.0.0.1", .on_message = on_message};
    cfg.node_id = 0;
    cr_expect_eq(ss_transport_new(&loop, &cfg, &t, err), SS_ECONFIG);
    cfg.node_id = 1;
    cfg.peers = &self;
    cfg.npeers = 1;
    cr_expect_eq(ss_transport_new(&loop, &cfg, &t, err), SS_ECONFIG, "a node is not its own peer");
    cfg.peers = dup;
    cfg.npeers = 2;
    cr_expect_eq(ss_transport_new(&loop, &cfg, &t, err), SS_ECONFIG);
    cr_expect_str_eq(err, "transport: bad or duplicate peer id 2");
    cfg.npeers = 0;
    cfg.bind_host = "not-an-ip";
    cr_expect_eq(ss_transport_new(&loop, &cfg, &t, err), SS_ECONFIG);
    cfg.bind_host = "127.0.0.1";
    cfg.on_message = NULL;
    cr_expect_eq(ss_transport_new(&loop, &cfg, &t, err), SS_ECONFIG);
    cr_expect_null(t);
}

Test(transport, reports_a_port_in_use)
{
    node n[1];
    make_nodes(n, 1, "");
    start(&n[0], n, 1);
    ss_transport *t = NULL;
    ss_errmsg err = "";
    ss_transport_config cfg = {.node_id = 2, .bind_host = "127.0.0.1", .port = n[0].port,
                               .on_message = on_message};
    cr_expect_eq(ss_transport_new(&loop, &cfg, &t, err), SS_EIO);
    cr_expect_null(t);
    cr_expect(strstr(err, "listen on 127.0.0.1:") != NULL, "%s", err);
    stop(&n[0]);
}

Test(transport, frames_sent_in_one_iteration_share_one_write)
{
    node n[2];
    make_nodes(n, 2, "k");
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    cluster c = {n, 2};
    cr_assert(run_until(all_connected, &c));
    ss_transport_stats before, after;
    ss_transport_peer_stats(n[0].t, 2, &before);
    for (uint64_t i = 0; i < 300; i++)
        send_seq(&n[0], &n[1], i, 40);
    count_wait w = {&n[1], 300};
    cr_assert(run_until(received_at_least, &w));
    ss_transport_peer_stats(n[0].t, 2, &after);
    cr_expect_eq(after.writes - before.writes, 1, "300 frames, %llu writes",
                 (unsigned long long)(after.writes - before.writes));
    cr_expect_eq(after.messages_sent - before.messages_sent, 300);
    cr_expect_eq(after.bytes_sent - before.bytes_sent, 300 * (12 + 40));
    cr_expect(n[1].in_order && n[1].intact);
    stop(&n[0]);
    stop(&n[1]);
}

static int count_lines(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[1024];
    int count = 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, needle))
            count++;
    fclose(f);
    return count;
}

Test(transport, logs_a_down_peer_once_and_each_change_of_state)
{
    char path[] = "/tmp/ss-transport-log-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    ss_log_set_level(SS_LOG_NOTICE);
    cr_assert_eq(ss_log_set_file(path), 0);

    node n[2];
    make_nodes(n, 2, "k");
    start(&n[0], n, 2);
    failure_wait fw = {&n[0], 2, 5};
    cr_assert(run_until(failed_at_least, &fw));
    start(&n[1], n, 2);
    cr_assert(run_until(peer_up, &n[0]));
    stop(&n[1]);
    cr_assert(run_until(peer_down, &n[0]));
    fw.failures += 3;
    cr_assert(run_until(failed_at_least, &fw));
    stop(&n[0]);
    ss_log_set_file(NULL);

    /* Five refused dials before the peer came up, three after it went away: one
     * line for each run of identical failures. */
    cr_expect_eq(count_lines(path, "transport: cannot connect to node 2 at 127.0.0.1:"), 2);
    cr_expect_eq(count_lines(path, "transport: connected to node 2 at 127.0.0.1:"), 1);
    cr_expect_eq(count_lines(path, "transport: lost node 2: "), 1);
    unlink(path);
}

typedef struct {
    node *n;
    uint64_t id;
    bool want;
} link_wait;

static bool link_is(void *arg)
{
    link_wait *w = arg;
    return ss_transport_peer_connected(w->n->t, w->id) == w->want;
}

Test(transport, adds_and_removes_peers_at_run_time)
{
    node n[3];
    make_nodes(n, 3, "same");
    start(&n[0], n, 2); /* node 1 knows only node 2 */
    start(&n[1], n, 3);
    start(&n[2], n, 3); /* node 3 knows 1 and 2 */
    ss_errmsg err = "";
    cr_assert_eq(ss_transport_add_peer(n[0].t, 3, "127.0.0.1", n[2].port, err), SS_OK, "%s", err);
    cluster all = {n, 3};
    cr_assert(run_until(all_connected, &all), "node 1 dials the added node, and accepts it");
    send_seq(&n[0], &n[2], 0, 64);
    send_seq(&n[2], &n[0], 0, 64);
    count_wait w3 = {&n[2], 1}, w1 = {&n[0], 1};
    cr_assert(run_until(received_at_least, &w3));
    cr_assert(run_until(received_at_least, &w1));

    cr_expect_eq(ss_transport_add_peer(n[0].t, 3, "127.0.0.1", n[2].port, err), SS_EEXIST);
    cr_expect_eq(ss_transport_add_peer(n[0].t, 1, "127.0.0.1", n[2].port, err), SS_EINVAL, "itself");
    cr_expect_eq(ss_transport_add_peer(n[0].t, 4, "127.0.0.1", 0, err), SS_EINVAL, "a bad port");

    ss_transport_inbound_stats before;
    ss_transport_inbound_stats_get(n[0].t, &before); /* node 3 was refused before it was added */
    cr_assert_eq(ss_transport_remove_peer(n[0].t, 3), SS_OK);
    cr_expect_eq(ss_transport_remove_peer(n[0].t, 3), SS_ENOTFOUND);
    cr_expect_eq(ss_transport_send(n[0].t, 3, "x", 1), SS_ENOTFOUND, "a removed peer is unknown");
    link_wait down = {&n[2], 1, false};
    cr_assert(run_until(link_is, &down), "node 3's connection to node 1 is closed");
    refused_wait rw = {&n[0], before.refused + 1};
    cr_assert(run_until(refused_at_least, &rw), "and node 3 is refused from then on");
    cr_expect(ss_transport_peer_connected(n[0].t, 2), "the other peer is untouched");

    /* Added again (the freed slot is reused): connected again. */
    cr_assert_eq(ss_transport_add_peer(n[0].t, 3, "127.0.0.1", n[2].port, err), SS_OK, "%s", err);
    cr_assert(run_until(all_connected, &all));
    for (int i = 0; i < 3; i++)
        stop(&n[i]);
}

/* ---- mutual TLS -------------------------------------------------------------------- */

Test(transport, carries_messages_over_mutual_tls_in_order_small_and_large)
{
    node n[2];
    make_nodes(n, 2, "s3cret");
    n[0].cert = n[1].cert = "node.crt";
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    cluster c = {n, 2};
    cr_assert(run_until(all_connected, &c));
    for (uint64_t i = 0; i < 500; i++) {
        send_seq(&n[0], &n[1], i, 8 + i % 300);
        send_seq(&n[1], &n[0], i, 8 + i % 200);
    }
    size_t len = 3 * 1024 * 1024 + 17; /* many records, more than the BIO pair holds */
    uint8_t *buf = malloc(len);
    cr_assert_eq(ss_transport_send(n[0].t, 2, buf, make_payload(buf, 500, len)), SS_OK);
    free(buf);
    count_wait w0 = {&n[0], 500}, w1 = {&n[1], 501};
    cr_assert(run_until(received_at_least, &w0));
    cr_assert(run_until(received_at_least, &w1));
    cr_expect(n[0].in_order && n[1].in_order);
    cr_expect(n[0].intact && n[1].intact);
    cr_expect_eq(n[1].last_len, len);
    stop(&n[0]);
    stop(&n[1]);
}

Test(transport, refuses_a_peer_whose_certificate_is_from_another_ca)
{
    node n[2];
    make_nodes(n, 2, "same-secret");
    n[0].cert = "node.crt";
    n[1].cert = "stranger.crt"; /* the cluster's CA file and secret, another CA's certificate */
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    expect_refused(n);
}

Test(transport, refuses_a_peer_without_tls)
{
    node n[2];
    make_nodes(n, 2, "same-secret");
    n[0].cert = "node.crt";
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    expect_refused(n);
}

/* Certificate reload: the established connection keeps its session; a new one
 * (after an address change forces a redial) uses the new contexts. */
Test(transport, a_tls_reload_applies_to_new_connections_only)
{
    node n[2];
    make_nodes(n, 2, "same-secret");
    n[0].cert = n[1].cert = "node.crt";
    start(&n[0], n, 2);
    start(&n[1], n, 2);
    cluster c = {n, 2};
    cr_assert(run_until(all_connected, &c));
    cr_expect(ss_transport_has_tls(n[1].t));
    ss_tls_ctx *accept, *dial;
    tls_contexts("stranger.crt", &accept, &dial);
    ss_transport_set_tls(n[1].t, accept, dial);
    send_seq(&n[1], &n[0], 0, 64);
    count_wait w = {&n[0], 1};
    cr_assert(run_until(received_at_least, &w), "the established connection carries on");
    ss_errmsg err = "";
    cr_assert_eq(ss_transport_set_peer_address(n[1].t, 1, "127.0.0.1", n[0].port, err), SS_OK);
    failure_wait fw = {&n[1], 1, 2};
    cr_assert(run_until(failed_at_least, &fw), "a new connection shows the new certificate, refused");
    cr_expect_not(ss_transport_peer_connected(n[1].t, 1));
    stop(&n[0]);
    stop(&n[1]);
}

/* Hostile peers on the raft port against real processes (issue 18): impersonation, an open port with no secret, slot exhaustion. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "integration/cluster_harness.h"
#include "integration/peer_client.h"
#include "raft/raft.h"
#include "raft_io/transport_frame.h"
#include "raft_io/transport_handshake.h"

#define SECRET "raft-port-test-secret"
#define NONCE SS_HANDSHAKE_NONCE_SIZE

TestSuite(raft_port, .timeout = 180);

/* ---- a hand-driven peer connection ------------------------------------------------ */

typedef struct {
    int fd;
    ss_frame_reader reader;
    uint8_t in[4096];
    size_t off, len;
    uint8_t payload[512]; /* the last frame read */
    ss_frame_type type;
    size_t plen;
} wire;

static bool wire_connect(wire *w, int port)
{
    memset(w, 0, sizeof *w);
    ss_frame_reader_init(&w->reader, sizeof w->payload);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    w->fd = socket(AF_INET, SOCK_STREAM, 0);
    return w->fd >= 0 && connect(w->fd, (struct sockaddr *)&a, sizeof a) == 0;
}

static void wire_close(wire *w)
{
    ss_frame_reader_release(&w->reader);
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
}

static void wire_send(wire *w, ss_frame_type type, const void *payload, size_t len)
{
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    ss_frame_header(hdr, type, payload, (uint32_t)len);
    /* The other side may have closed already: that is for the caller to see. */
    (void)!send(w->fd, hdr, sizeof hdr, MSG_NOSIGNAL);
    if (len > 0)
        (void)!send(w->fd, payload, len, MSG_NOSIGNAL);
}

/* The next frame within timeout_ms; false on close, timeout or a bad frame. */
static bool wire_recv(wire *w, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    for (;;) {
        if (w->off < w->len) {
            const uint8_t *p = w->in + w->off;
            size_t left = w->len - w->off;
            ss_frame f;
            ss_frame_result r = ss_frame_reader_next(&w->reader, &p, &left, &f);
            w->off = w->len - left;
            if (r == SS_FRAME_ERROR)
                return false;
            if (r == SS_FRAME_OK) {
                w->type = f.type;
                w->plen = f.len;
                memcpy(w->payload, f.payload, f.len);
                return true;
            }
        }
        long long left_ms = deadline - h_now_ms();
        struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
        if (left_ms <= 0 || poll(&pfd, 1, (int)left_ms) <= 0)
            return false;
        ssize_t n = recv(w->fd, w->in, sizeof w->in, 0);
        if (n <= 0)
            return false;
        w->off = 0;
        w->len = (size_t)n;
    }
}

/*
 * Logs in to the node listening on port as node `from`, proving `secret`, and
 * sends the data frames at once behind the proof, as an impostor that does
 * not wait to be told would. True if the node welcomed the login; the
 * connection stays open in w either way (the caller closes it).
 */
static bool impersonate(wire *w, int port, uint64_t from, uint64_t to, const char *secret,
                        const uint8_t *data, size_t len)
{
    cr_assert(wire_connect(w, port), "connect to the raft port %d", port);
    uint8_t nc[NONCE], hello[8 + 8 + NONCE + 1 + 255];
    for (int i = 0; i < NONCE; i++)
        nc[i] = (uint8_t)rand();
    const char *cluster = "sandstore";
    wire_send(w, SS_FRAME_HELLO, hello, h_peer_hello(hello, from, to, nc, cluster));
    cr_assert(wire_recv(w, 5000) && w->type == SS_FRAME_CHALLENGE && w->plen == 8 + NONCE,
              "knowing the cluster id and a node id is enough to be challenged");
    uint8_t mac[SS_SHA256_SIZE];
    ss_handshake_mac(secret, strlen(secret), cluster, SS_HANDSHAKE_CONNECTOR, from, to, nc,
                     w->payload + 8, mac);
    wire_send(w, SS_FRAME_AUTH, mac, sizeof mac);
    if (len > 0)
        wire_send(w, SS_FRAME_DATA, data, len);
    return wire_recv(w, 5000) && w->type == SS_FRAME_WELCOME;
}

/* ---- what an impostor sends --------------------------------------------------------- */

/* PEER_RAFT RequestVote for term, flagged as a leadership transfer so that
 * no lease makes the leader ignore it: honoured, it deposes the leader. */
static size_t request_vote(uint8_t *out, size_t cap, uint64_t from, uint64_t to, uint64_t term)
{
    raft_msg m = {.type = RAFT_MSG_VOTE, .from = from, .to = to, .term = term,
                  .last_index = 1u << 30, .last_term = term - 1, .transfer = true};
    size_t len = 0;
    out[0] = 'R';
    cr_assert_eq(raft_msg_encode(&m, out + 1, cap - 1, &len), SS_OK);
    return len + 1;
}

/* ---- observing the cluster ------------------------------------------------------------ */

/* A field of node n's "raft_peer_<peer>:" INFO line (e.g. reconnects), or -1. */
static long long peer_field(h_node *n, int peer, const char *key)
{
    redisContext *ctx = h_connect(n);
    long long v = -1;
    redisReply *r = ctx && !ctx->err ? redisCommand(ctx, "INFO raft") : NULL;
    if (r && r->type == REDIS_REPLY_STRING) {
        char line[64], pat[64];
        snprintf(line, sizeof line, "raft_peer_%d:", peer);
        snprintf(pat, sizeof pat, ",%s=", key);
        char *p = strstr(r->str, line);
        char *eol = p ? strstr(p, "\r\n") : NULL;
        char *q = p ? strstr(p, pat) : NULL;
        if (q && (!eol || q < eol))
            v = atoll(q + strlen(pat));
    }
    if (r)
        freeReplyObject(r);
    if (ctx)
        redisFree(ctx);
    return v;
}

/* Whether every node holds key (waits up to timeout_ms for it). */
static bool key_everywhere(h_cluster *c, const char *key, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    do {
        int have = 0;
        for (int i = 0; i < c->n; i++) {
            redisContext *ctx = h_connect(&c->nodes[i]);
            redisReply *r = ctx && !ctx->err ? redisCommand(ctx, "EXISTS %s", key) : NULL;
            have += r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
            if (r)
                freeReplyObject(r);
            if (ctx)
                redisFree(ctx);
        }
        if (have == c->n)
            return true;
        usleep(50 * 1000);
    } while (h_now_ms() < deadline);
    return false;
}

static bool key_nowhere(h_cluster *c, const char *key)
{
    for (int i = 0; i < c->n; i++) {
        redisContext *ctx = h_connect(&c->nodes[i]);
        redisReply *r = ctx && !ctx->err ? redisCommand(ctx, "EXISTS %s", key) : NULL;
        bool absent = r && r->type == REDIS_REPLY_INTEGER && r->integer == 0;
        if (r)
            freeReplyObject(r);
        if (ctx)
            redisFree(ctx);
        if (!absent)
            return false;
    }
    return true;
}

static bool log_contains(h_node *n, const char *text)
{
    char out[65536];
    h_sh(out, sizeof out, "grep -F -m1 -- '%s' %s/sandstore.log %s/stderr.log", text, n->dir,
         n->dir);
    return strstr(out, text) != NULL;
}

/* A settled 3-node cluster with SECRET: *leader and *follower are 0-based. */
static void start_cluster(h_cluster *cl, int *leader, int *follower)
{
    hc_init(cl, 3, "--cluster-secret " SECRET);
    hc_start_all(cl);
    *leader = hc_wait_leader(cl, 20000);
    cr_assert_geq(*leader, 0, "a leader is elected");
    cr_assert(hc_set_retry(cl, *leader, "before", "1", 10000));
    cr_assert(key_everywhere(cl, "before", 10000));
    *follower = (*leader + 1) % 3;
}

/* ---- impersonation ------------------------------------------------------------------ */

/*
 * An impostor knows the cluster id and the follower's node id, but not the
 * secret. It logs in to the leader as the follower and sends, behind its
 * proof, a proposal and a vote request that would depose the leader. None of
 * it may land, and the real follower's own connection to the leader must not
 * be touched by the failed login (issue 18: with an empty secret the login
 * succeeded and closed it).
 */
Test(raft_port, an_impostor_without_the_secret_cannot_propose_vote_or_displace_the_peer)
{
    h_cluster cl;
    int l, f;
    start_cluster(&cl, &l, &f);
    long long term = hc_info_int(&cl, l, "raft_current_term");
    long long proposals = hc_info_int(&cl, l, "raft_proposals_received");
    long long reconnects = peer_field(&cl.nodes[f], l + 1, "reconnects");
    cr_assert_geq(reconnects, 0);

    uint8_t msg[512];
    for (int attempt = 0; attempt < 5; attempt++) {
        wire w;
        size_t n = h_peer_propose_set(msg, (uint64_t)f + 1, "impostor", "pwned");
        cr_expect_not(impersonate(&w, cl.nodes[l].raft_port, (uint64_t)f + 1, (uint64_t)l + 1,
                                  "guessed-secret", msg, n),
                      "a wrong secret is refused");
        wire_close(&w);
        n = request_vote(msg, sizeof msg, (uint64_t)f + 1, (uint64_t)l + 1, (uint64_t)term + 1000);
        cr_expect_not(impersonate(&w, cl.nodes[l].raft_port, (uint64_t)f + 1, (uint64_t)l + 1,
                                  "", msg, n),
                      "no secret at all is refused");
        wire_close(&w);
    }
    usleep(1000 * 1000); /* room for anything that got through to show */
    cr_expect(key_nowhere(&cl, "impostor"), "the impostor's SET was not applied");
    cr_expect_lt(hc_info_int(&cl, l, "raft_current_term"), term + 1000,
                 "the impostor's vote request did not reach raft");
    cr_expect_eq(hc_info_int(&cl, l, "raft_proposals_received"), proposals);
    cr_expect_eq(peer_field(&cl.nodes[f], l + 1, "reconnects"), reconnects,
                 "the follower's connection to the leader was never closed");
    cr_expect_eq(peer_field(&cl.nodes[f], l + 1, "connected"), 1);
    cr_expect(log_contains(&cl.nodes[l], "bad cluster secret"), "the refusals are logged");
    cr_expect(hc_set_retry(&cl, l, "after", "1", 10000), "the cluster serves on");
    hc_cleanup(&cl);
}

/*
 * The control for the test above: the same impostor holding the secret is an
 * honest node's twin, and each of the checks above sees what it does. (With
 * an empty cluster-secret, any stranger was this impostor.)
 */
Test(raft_port, the_checks_see_an_impostor_that_holds_the_secret)
{
    h_cluster cl;
    int l, f;
    start_cluster(&cl, &l, &f);
    long long term = hc_info_int(&cl, l, "raft_current_term");
    long long reconnects = peer_field(&cl.nodes[f], l + 1, "reconnects");

    uint8_t msg[512];
    wire w;
    size_t n = h_peer_propose_set(msg, (uint64_t)f + 1, "impostor", "pwned");
    cr_assert(impersonate(&w, cl.nodes[l].raft_port, (uint64_t)f + 1, (uint64_t)l + 1, SECRET,
                          msg, n));
    cr_expect(key_everywhere(&cl, "impostor", 10000), "its SET is applied everywhere");
    wire_close(&w);
    long long deadline = h_now_ms() + 10000;
    while (peer_field(&cl.nodes[f], l + 1, "reconnects") <= reconnects && h_now_ms() < deadline)
        usleep(50 * 1000);
    cr_expect_gt(peer_field(&cl.nodes[f], l + 1, "reconnects"), reconnects,
                 "its login displaced the follower's connection");
    /* The follower's reconnection displaced the impostor in turn: log in again. */
    n = request_vote(msg, sizeof msg, (uint64_t)f + 1, (uint64_t)l + 1, (uint64_t)term + 1000);
    cr_assert(impersonate(&w, cl.nodes[l].raft_port, (uint64_t)f + 1, (uint64_t)l + 1, SECRET,
                          msg, n));
    deadline = h_now_ms() + 10000;
    while (hc_info_int(&cl, l, "raft_current_term") < term + 1000 && h_now_ms() < deadline)
        usleep(50 * 1000);
    cr_expect_geq(hc_info_int(&cl, l, "raft_current_term"), term + 1000,
                  "its vote request deposed the leader");
    wire_close(&w);
    cr_expect_geq(hc_wait_leader(&cl, 20000), 0, "the cluster elects a leader again");
    hc_cleanup(&cl);
}

/* ---- an open raft port with no secret --------------------------------------------------- */

/* An IPv4 address of this machine other than loopback, or false. */
static bool own_non_loopback_address(char *out, size_t size)
{
    struct ifaddrs *ifs;
    if (getifaddrs(&ifs) != 0)
        return false;
    bool found = false;
    for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
        if ((ntohl(a.s_addr) >> 24) == 127)
            continue;
        found = inet_ntop(AF_INET, &a, out, (socklen_t)size) != NULL;
    }
    freeifaddrs(ifs);
    return found;
}

Test(raft_port, a_cluster_whose_raft_port_listens_beyond_loopback_without_a_secret_does_not_start)
{
    char ip[64];
    if (!own_non_loopback_address(ip, sizeof ip))
        cr_skip_test("no address but loopback here: test_config covers the check");
    h_node n;
    h_node_init(&n, 1, "--peers 1@%s:7001,2@127.0.0.1:7002,3@127.0.0.1:7003 --raft-bind %s", ip, ip);
    cr_assert(h_node_spawn(&n));
    cr_expect_eq(h_node_wait_exit(&n, 20000), 1, "the node refuses to start");
    cr_expect(log_contains(&n, "cluster-secret is empty but the raft port listens beyond loopback"),
              "and says why, naming the directive");
    h_node_cleanup(&n);
}

Test(raft_port, a_loopback_cluster_without_a_secret_starts_and_warns)
{
    h_node n;
    int other = h_free_port();
    h_node_init(&n, 1, NULL);
    snprintf(n.extra, sizeof n.extra, "--peers 1@127.0.0.1:%d,2@127.0.0.1:%d", n.raft_port, other);
    cr_assert(h_node_start(&n), "a loopback cluster may run without a secret; see %s", n.dir);
    cr_expect(log_contains(&n, "WARNING cluster-secret is empty"));
    cr_expect_eq(h_node_stop(&n, SIGTERM), 0);
    h_node_cleanup(&n);
}

/* ---- strangers holding the unauthenticated slots ---------------------------------------- */

#define STRANGER_CONNS 80 /* more than the 64 unauthenticated slots of a node */

typedef struct {
    int port;
    volatile bool stop;
    int fds[STRANGER_CONNS];
    long long connects;
} strangers;

/* Holds STRANGER_CONNS idle connections to the port, as long as stop is not
 * set: whichever the node closes (or refuses) is opened again at once. */
static void *strangers_run(void *arg)
{
    strangers *s = arg;
    for (int i = 0; i < STRANGER_CONNS; i++)
        s->fds[i] = -1;
    long long until = h_now_ms() + 120000; /* bounded even if the test never stops it */
    while (!s->stop && h_now_ms() < until) {
        bool refused = false;
        for (int i = 0; i < STRANGER_CONNS && !refused; i++) {
            if (s->fds[i] >= 0)
                continue;
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
                s->fds[i] = fd;
                s->connects++;
            } else {
                refused = true; /* the node is down: try again shortly */
                if (fd >= 0)
                    close(fd);
            }
        }
        struct pollfd p[STRANGER_CONNS];
        int n = 0;
        for (int i = 0; i < STRANGER_CONNS; i++)
            if (s->fds[i] >= 0)
                p[n++] = (struct pollfd){.fd = s->fds[i], .events = POLLIN};
        if (poll(p, (nfds_t)n, refused ? 20 : 5) <= 0)
            continue;
        for (int k = 0; k < n; k++) {
            if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            uint8_t buf[512];
            if (recv(p[k].fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
                continue; /* a REFUSE frame: the close follows */
            for (int i = 0; i < STRANGER_CONNS; i++)
                if (s->fds[i] == p[k].fd)
                    s->fds[i] = -1;
            close(p[k].fd);
        }
    }
    for (int i = 0; i < STRANGER_CONNS; i++)
        if (s->fds[i] >= 0)
            close(s->fds[i]);
    return NULL;
}

/*
 * Issue 18, item 7: a stranger holding 64 idle connections to the raft port
 * of a restarted node kept its peers out, and with it the cluster's majority:
 * no leader, writes timing out. Here the third node is down, so the two
 * others need each other; the stranger holds STRANGER_CONNS connections to
 * one of them from the moment it restarts.
 */
Test(raft_port, strangers_holding_the_unauthenticated_slots_do_not_keep_a_restarted_node_out)
{
    h_cluster cl;
    int l, f;
    start_cluster(&cl, &l, &f);
    int down = 3 - l - f; /* the third node */
    h_node_kill9(&cl.nodes[down]);
    cr_assert(hc_set_retry(&cl, l, "two-of-three", "1", 10000), "two nodes are a majority");

    strangers s = {.port = cl.nodes[f].raft_port};
    pthread_t thread;
    h_node_kill9(&cl.nodes[f]);
    cr_assert_eq(pthread_create(&thread, NULL, strangers_run, &s), 0);
    usleep(200 * 1000);
    cr_assert(h_node_start(&cl.nodes[f]), "restart; see %s", cl.nodes[f].dir);
    /* The stranger is in before the peers: they redial with a backoff. */
    int leader = hc_wait_leader(&cl, 30000);
    bool served = leader >= 0 && hc_set_retry(&cl, f, "after-restart", "1", 20000);
    s.stop = true;
    pthread_join(thread, NULL);
    cr_expect_gt(s.connects, 64, "the stranger held the slots (%lld connections)", s.connects);
    cr_expect_geq(leader, 0, "the two live nodes elect a leader");
    cr_expect(served, "and serve writes through the restarted node");
    hc_cleanup(&cl);
}

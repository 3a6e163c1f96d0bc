/* A process that knows the cluster secret logs in to the leader's raft port as one of its peers and sends what no honest peer sends: the leader stays up, keeps leading and serving, and its memory stays bounded (issue 18 items 4 and 8). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "integration/cluster_harness.h"
#include "raft/raft.h"
#include "common/sha256.h"
#include "raft_io/transport_frame.h"
#include "unit/test_raft_craft.h"

#define SECRET "hostile-peer-test-secret"
#define CLUSTER "sandstore" /* the default cluster-id */
#define NONCE 16
#define PEER_RAFT 'R'       /* cluster_raft.h: the payload kind of an encoded raft_msg */

static h_cluster cl;

static void teardown(void) { hc_cleanup(&cl); }
TestSuite(hostile_peer, .fini = teardown, .timeout = 300);

/* ---- speaking the raft port as a peer (the protocol of transport_handshake.c) ---- */

typedef struct impostor {
    int fd;
    ss_frame_reader reader;
    uint8_t in[4096];
    size_t off, len;
} impostor;

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void send_all(impostor *im, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = send(im->fd, p, len, MSG_NOSIGNAL);
        cr_assert(n > 0, "send: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

static void send_frame(impostor *im, ss_frame_type type, const void *payload, size_t len)
{
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    ss_frame_header(hdr, type, payload, (uint32_t)len);
    send_all(im, hdr, sizeof hdr);
    send_all(im, payload, len);
}

/* The next frame (its payload copied into out), bounded by the socket's timeout. */
static ss_frame_type recv_frame(impostor *im, uint8_t *out, size_t cap, size_t *len)
{
    for (;;) {
        if (im->off < im->len) {
            const uint8_t *p = im->in + im->off;
            size_t left = im->len - im->off;
            ss_frame f;
            ss_frame_result res = ss_frame_reader_next(&im->reader, &p, &left, &f);
            im->off = im->len - left;
            cr_assert_neq(res, SS_FRAME_ERROR, "the node sent a bad frame");
            if (res == SS_FRAME_OK) {
                cr_assert_leq(f.len, cap);
                memcpy(out, f.payload, f.len);
                *len = f.len;
                return f.type;
            }
        }
        ssize_t n = recv(im->fd, im->in, sizeof im->in, 0);
        cr_assert(n > 0, "the node closed the connection or did not answer: %s",
                  n == 0 ? "closed" : strerror(errno));
        im->off = 0;
        im->len = (size_t)n;
    }
}

static void proof(const char *label, uint64_t from, uint64_t to, const uint8_t *nc,
                  const uint8_t *na, uint8_t out[SS_SHA256_SIZE])
{
    uint8_t ids[16], clen = (uint8_t)strlen(CLUSTER);
    be64(ids, from);
    be64(ids + 8, to);
    ss_hmac_sha256_ctx h;
    ss_hmac_sha256_init(&h, SECRET, strlen(SECRET));
    ss_hmac_sha256_update(&h, label, strlen(label) + 1);
    ss_hmac_sha256_update(&h, &clen, 1);
    ss_hmac_sha256_update(&h, CLUSTER, clen);
    ss_hmac_sha256_update(&h, ids, sizeof ids);
    ss_hmac_sha256_update(&h, nc, NONCE);
    ss_hmac_sha256_update(&h, na, NONCE);
    ss_hmac_sha256_final(&h, out);
}

/* Connects to node `to`'s raft port and logs in as node `as`. */
static void login(impostor *im, int raft_port, uint64_t as, uint64_t to)
{
    memset(im, 0, sizeof *im);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)raft_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    im->fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(im->fd >= 0);
    struct timeval tv = { 10, 0 };
    setsockopt(im->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(im->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    cr_assert_eq(connect(im->fd, (struct sockaddr *)&a, sizeof a), 0, "%s", strerror(errno));
    ss_frame_reader_init(&im->reader, 4096);

    uint8_t nc[NONCE] = "an-impostor-nc", na[NONCE], hello[17 + NONCE + 16], buf[256];
    be64(hello, as);
    be64(hello + 8, to);
    memcpy(hello + 16, nc, NONCE);
    hello[16 + NONCE] = (uint8_t)strlen(CLUSTER);
    memcpy(hello + 17 + NONCE, CLUSTER, strlen(CLUSTER));
    send_frame(im, SS_FRAME_HELLO, hello, 17 + NONCE + strlen(CLUSTER));
    size_t len;
    cr_assert_eq(recv_frame(im, buf, sizeof buf, &len), SS_FRAME_CHALLENGE);
    cr_assert_eq(len, 8 + NONCE);
    memcpy(na, buf + 8, NONCE);
    uint8_t mac[SS_SHA256_SIZE];
    proof("sandstore connector", as, to, nc, na, mac);
    send_frame(im, SS_FRAME_AUTH, mac, sizeof mac);
    cr_assert_eq(recv_frame(im, buf, sizeof buf, &len), SS_FRAME_WELCOME, "login refused");
}

static void logout(impostor *im)
{
    ss_frame_reader_release(&im->reader);
    close(im->fd);
}

/* One raft message, as the cluster frames it: PEER_RAFT, then the codec's bytes. */
static void send_raft(impostor *im, const uint8_t *msg, size_t len)
{
    uint8_t *payload = malloc(len + 1);
    cr_assert_not_null(payload);
    payload[0] = PEER_RAFT;
    memcpy(payload + 1, msg, len);
    send_frame(im, SS_FRAME_DATA, payload, len + 1);
    free(payload);
}

static void send_msg(impostor *im, const raft_msg *m)
{
    uint8_t buf[1024];
    size_t len;
    cr_assert_eq(raft_msg_encode(m, buf, sizeof buf, &len), SS_OK);
    send_raft(im, buf, len);
}

/* The node's peak resident memory so far (VmHWM), in bytes; 0 if unknown. */
static long long peak_rss(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long long kb = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmHWM: %lld kB", &kb) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kb * 1024;
}

static void expect_value_at(int i, const char *key, const char *want)
{
    redisContext *ctx = h_connect(&cl.nodes[i]);
    cr_assert(ctx != NULL && !ctx->err, "node %d unreachable", i + 1);
    redisReply *r = redisCommand(ctx, "GET %s", key);
    cr_assert_not_null(r);
    cr_expect(r->type == REDIS_REPLY_STRING && !strcmp(r->str, want), "node %d GET %s", i + 1,
              key);
    freeReplyObject(r);
    redisFree(ctx);
}

static bool wait_invalid(int i, long long at_least, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    while (h_now_ms() < deadline) {
        if (hc_info_int(&cl, i, "raft_invalid_messages") >= at_least)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

Test(hostile_peer, an_impostor_peer_cannot_stop_the_leader_nor_inflate_its_memory)
{
    hc_init(&cl, 3, "--cluster-secret " SECRET);
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0, "no leader");
    cr_assert(hc_set_retry(&cl, leader, "before", "1", 10000));
    uint64_t term = (uint64_t)hc_info_int(&cl, leader, "raft_current_term");
    h_node *ln = &cl.nodes[leader];
    long long rss_before = peak_rss(ln->pid);
    /* The impostor takes the place of a follower that is down: a live one
     * would log in again at once and close the impostor's connection. */
    int gone = (leader + 1) % 3;
    uint64_t lid = (uint64_t)leader + 1, as = (uint64_t)gone + 1;
    h_node_stop(&cl.nodes[gone], SIGTERM);

    impostor im;
    login(&im, ln->raft_port, as, lid);

    /* 1. An AppendEntries and an InstallSnapshot of the leader's own term: each
     * hit RAFT_ASSERT and killed the leader. */
    raft_entry e = { 1, term, RAFT_ENTRY_NORMAL, "x", 1 };
    raft_msg append = { .type = RAFT_MSG_APPEND, .from = as, .to = lid, .term = term,
                        .entries = &e, .n_entries = 1 };
    send_msg(&im, &append);
    cr_assert(wait_invalid(leader, 1, 20000), "the leader drops and counts it (%s)",
              h_node_alive(ln) ? "alive" : "it died");
    raft_msg snap = { .type = RAFT_MSG_SNAPSHOT, .from = as, .to = lid, .term = term,
                      .snap_index = 1000, .snap_term = term, .data = "state", .len = 5,
                      .done = true };
    send_msg(&im, &snap);
    cr_assert(wait_invalid(leader, 2, 20000), "the leader drops and counts it (%s)",
              h_node_alive(ln) ? "alive" : "it died");

    /* 2. 10 million tiny entries (30 MB; 400 MB once decoded before the fix), in
     * an older term so that only the decoding costs; then one more of the
     * leader's own term, to know when the big one was dealt with. */
    size_t n = 10u << 20, len;
    raft_msg head = { .type = RAFT_MSG_APPEND, .from = as, .to = lid, .term = term - 1 };
    uint8_t *big = raft_craft_tiny_append(&head, n, &len);
    cr_assert_not_null(big);
    send_raft(&im, big, len);
    free(big);
    send_msg(&im, &append);
    logout(&im);
    cr_assert(wait_invalid(leader, 3, 30000), "(%s)", h_node_alive(ln) ? "alive" : "it died");
    cr_assert(h_node_alive(ln), "the leader died");
    long long grew = peak_rss(ln->pid) - rss_before;
    cr_log_info("peak memory grew by %lld bytes for a %zu-byte message", grew, len);
    cr_expect_lt(grew, 3 * (long long)len, "peak memory grew by %lld bytes for a %zu-byte message",
                 grew, len);

    /* Still a working cluster, which the follower that was down rejoins.
     * Usually led by the same node in the same term; but on a loaded machine
     * (CI's sanitizer run beside other cluster tests) a slow tick may cost an
     * election, which is timing, not the impostor: logged, not asserted. */
    cr_assert(h_node_start(&cl.nodes[gone]));
    int now = hc_wait_leader(&cl, 20000);
    cr_assert_geq(now, 0, "a leader after the impostor left");
    long long term_now = hc_info_int(&cl, now, "raft_current_term");
    if (now != leader || term_now != (long long)term)
        cr_log_warn("an election happened meanwhile: leader %d term %lld, was %d term %llu", now + 1, term_now,
                    leader + 1, (unsigned long long)term);
    cr_assert(hc_set_retry(&cl, now, "after", "2", 10000), "the leader serves writes");
    long long applied = hc_info_int(&cl, now, "raft_last_applied_index");
    cr_assert(hc_wait_applied(&cl, applied, 20000));
    for (int i = 0; i < 3; i++) {
        expect_value_at(i, "before", "1");
        expect_value_at(i, "after", "2");
    }
}

/* Fuzz target: bytes from the other end of a raft-port connection, on both sides of the handshake: frames, HELLO/CHALLENGE/AUTH/WELCOME/REFUSE, delivery once authenticated. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "common/log.h"
#include "raft_io/transport_internal.h"

/*
 * One transport (node 1, peers 2 and 3, a known secret) lives for the whole
 * run. Each input drives one connection through conn_feed, the code a socket
 * read runs: as the acceptor (byte 0 even: a stranger or peer dialled us) or
 * as the connector (odd: we dialled node 2 and sent our HELLO). The rest of
 * the input is a list of steps:
 *   0 n bytes...          n raw bytes, as read from the socket
 *   1 type lo hi bytes... a well-formed frame of that type around the bytes
 *                         (so the handshake's own checks get exercised, not
 *                         only the frame checksum)
 *   2                     the proof a holder of the secret would send next:
 *                         AUTH (acceptor side) or WELCOME (connector side), so
 *                         the fuzzer can reach what follows authentication
 * Nothing may crash, leak or read out of bounds; the connection is closed at
 * the end, or earlier by the transport itself.
 */

#define SECRET "fuzz-secret"
#define CLUSTER "sandstore"

static uv_loop_t loop;
static ss_transport *transport;
static size_t delivered;

static void on_message(void *ctx, uint64_t from, const uint8_t *payload, size_t len)
{
    for (size_t i = 0; i < len; i++)
        delivered += payload[i];
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ss_log_set_level(SS_LOG_NONE);
    uv_loop_init(&loop);
    /* Peers 2 and 3 "live" on a socket that never accepts: the transport's own
     * dialling connects (the kernel completes it) and then waits quietly. */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 8) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) != 0)
        abort();
    ss_transport_peer peers[] = {{2, "127.0.0.1", ntohs(a.sin_port)},
                                 {3, "127.0.0.1", ntohs(a.sin_port)}};
    ss_transport_config cfg = {
        .node_id = 1, .cluster_id = CLUSTER, .secret = SECRET, .bind_host = "127.0.0.1",
        .peers = peers, .npeers = 2, .on_message = on_message, .max_frame = 1 << 16,
        .handshake_timeout_ms = 3600 * 1000, .reconnect_min_ms = 3600 * 1000,
        .reconnect_max_ms = 3600 * 1000,
    };
    ss_errmsg err = "";
    if (ss_transport_new(&loop, &cfg, &transport, err) != SS_OK) {
        fprintf(stderr, "fuzz_transport_frame: %s\n", err);
        abort();
    }
    for (int i = 0; i < 10; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    return 0;
}

static void proof(const char *label, uint64_t from, uint64_t to, const conn *c,
                  uint8_t out[SS_SHA256_SIZE])
{
    ss_handshake_mac(SECRET, strlen(SECRET), CLUSTER, label, from, to, c->nonce_connector,
                     c->nonce_acceptor, out);
}

static void feed_frame(conn *c, uint8_t type, const uint8_t *payload, size_t len)
{
    uint8_t *frame = malloc(SS_FRAME_HEADER_SIZE + len + 1);
    if (frame == NULL)
        abort();
    /* Any type byte, known or not, with a length and checksum that match. */
    ss_frame_header(frame, (ss_frame_type)type, payload, (uint32_t)len);
    if (len > 0)
        memcpy(frame + SS_FRAME_HEADER_SIZE, payload, len);
    conn_feed(c, frame, SS_FRAME_HEADER_SIZE + len);
    free(frame);
}

static bool alive(const conn *c)
{
    return c->state != CONN_CLOSING && !c->refusing;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool acceptor = data[0] % 2 == 0;
    conn *c;
    if (acceptor) {
        c = conn_new(transport, NULL, false);
        snprintf(c->host, sizeof c->host, "192.0.2.9");
        snprintf(c->addr, sizeof c->addr, "192.0.2.9:4242");
        accept_admit(c);
    } else {
        c = conn_new(transport, transport_find_peer(transport, 2), true);
        snprintf(c->addr, sizeof c->addr, "127.0.0.1:2");
        c->state = CONN_HANDSHAKE;
        handshake_start_connector(c);
    }
    size_t pos = 1;
    while (pos < size && alive(c)) {
        uint8_t op = data[pos++] % 3;
        if (op == 0 && pos < size) {
            size_t n = data[pos++];
            if (n > size - pos)
                n = size - pos;
            conn_feed(c, data + pos, n);
            pos += n;
        } else if (op == 1 && pos + 3 <= size) {
            uint8_t type = data[pos];
            size_t n = (data[pos + 1] | (size_t)data[pos + 2] << 8) % 1024;
            pos += 3;
            if (n > size - pos)
                n = size - pos;
            feed_frame(c, type, data + pos, n);
            pos += n;
        } else if (op == 2) {
            uint8_t mac[SS_SHA256_SIZE];
            if (acceptor) {
                proof(SS_HANDSHAKE_CONNECTOR, c->claimed_id, 1, c, mac);
                feed_frame(c, SS_FRAME_AUTH, mac, sizeof mac);
            } else {
                proof(SS_HANDSHAKE_ACCEPTOR, 1, 2, c, mac);
                feed_frame(c, SS_FRAME_WELCOME, mac, sizeof mac);
            }
        }
    }
    if (c->state != CONN_CLOSING)
        conn_close(c);
    uv_run(&loop, UV_RUN_NOWAIT); /* frees it */
    return 0;
}

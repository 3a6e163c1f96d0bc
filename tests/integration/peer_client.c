/* A hand-driven raft-port client for integration tests: the peer handshake and DATA frames over a blocking socket. */
#include "integration/peer_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/sha256.h"
#include "raft_io/transport_frame.h"
#include "raft_io/transport_handshake.h"

#define NONCE 16
#define WAIT_MS 5000

struct h_peer {
    int fd;
    ss_frame_reader reader;
    uint8_t in[4096];
    size_t off, len;
};

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static bool write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool send_frame(h_peer *p, ss_frame_type type, const void *payload, size_t len)
{
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    ss_frame_header(hdr, type, payload, (uint32_t)len);
    return write_all(p->fd, hdr, sizeof hdr) && write_all(p->fd, payload, len);
}

/* The next frame (its payload copied to out, at most cap bytes), waiting at most WAIT_MS. */
static bool read_frame(h_peer *p, ss_frame_type *type, uint8_t *out, size_t cap, size_t *len)
{
    for (;;) {
        if (p->off < p->len) {
            const uint8_t *d = p->in + p->off;
            size_t left = p->len - p->off;
            ss_frame f;
            ss_frame_result r = ss_frame_reader_next(&p->reader, &d, &left, &f);
            p->off = p->len - left;
            if (r == SS_FRAME_ERROR)
                return false;
            if (r == SS_FRAME_OK) {
                *type = f.type;
                *len = f.len < cap ? f.len : cap;
                memcpy(out, f.payload, *len);
                return true;
            }
        }
        struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
        if (poll(&pfd, 1, WAIT_MS) <= 0)
            return false;
        ssize_t n = recv(p->fd, p->in, sizeof p->in, 0);
        if (n <= 0)
            return false;
        p->off = 0;
        p->len = (size_t)n;
    }
}

size_t h_peer_hello(uint8_t *out, uint64_t from, uint64_t to, const uint8_t nonce[NONCE], const char *cluster)
{
    size_t clen = strlen(cluster);
    if (clen > 255)
        clen = 255;
    be64(out, from);
    be64(out + 8, to);
    memcpy(out + 16, nonce, NONCE);
    out[16 + NONCE] = (uint8_t)clen;
    memcpy(out + 17 + NONCE, cluster, clen);
    return 17 + NONCE + clen;
}

static size_t put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return (size_t)bytes;
}

size_t h_peer_propose_set(uint8_t *out, uint64_t origin, const char *key, const char *value)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t n = 0;
    out[n++] = 'P';
    out[n++] = 1; /* version */
    out[n++] = 0; /* flags */
    n += put_le(out + n, origin, 8);
    n += put_le(out + n, 0xbadb007, 8);
    n += put_le(out + n, 1, 8);
    n += put_le(out + n, (uint64_t)ts.tv_sec * 1000, 8);
    n += put_le(out + n, 0, 8);
    out[n++] = 0; /* db */
    n += put_le(out + n, 1, 4);
    n += put_le(out + n, 3, 4);
    const char *argv[] = {"SET", key, value};
    for (int i = 0; i < 3; i++) {
        n += put_le(out + n, strlen(argv[i]), 4);
        memcpy(out + n, argv[i], strlen(argv[i]));
        n += strlen(argv[i]);
    }
    return n;
}

static bool handshake(h_peer *p, const char *cluster, const char *secret, uint64_t from, uint64_t to)
{
    uint8_t hello[8 + 8 + NONCE + 1 + 255], nc[NONCE] = "h_peer nonce 123", na[NONCE];
    if (strlen(cluster) > 255)
        return false;
    if (!send_frame(p, SS_FRAME_HELLO, hello, h_peer_hello(hello, from, to, nc, cluster)))
        return false;
    ss_frame_type type;
    uint8_t buf[256];
    size_t len;
    if (!read_frame(p, &type, buf, sizeof buf, &len) || type != SS_FRAME_CHALLENGE || len != 8 + NONCE)
        return false;
    memcpy(na, buf + 8, NONCE);
    uint8_t mac[SS_SHA256_SIZE];
    ss_handshake_mac(secret, strlen(secret), cluster, SS_HANDSHAKE_CONNECTOR, from, to, nc, na, mac);
    if (!send_frame(p, SS_FRAME_AUTH, mac, sizeof mac))
        return false;
    if (!read_frame(p, &type, buf, sizeof buf, &len) || type != SS_FRAME_WELCOME || len != SS_SHA256_SIZE)
        return false;
    ss_handshake_mac(secret, strlen(secret), cluster, SS_HANDSHAKE_ACCEPTOR, from, to, nc, na, mac);
    return ss_hmac_equal(mac, buf, sizeof mac);
}

h_peer *h_peer_login(int port, const char *cluster_id, const char *secret, uint64_t from, uint64_t to)
{
    h_peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    ss_frame_reader_init(&p->reader, 1u << 20);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    p->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (p->fd < 0 || connect(p->fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        !handshake(p, cluster_id, secret, from, to)) {
        fprintf(stderr, "h_peer: login as node %llu to port %d failed\n", (unsigned long long)from, port);
        h_peer_close(p);
        return NULL;
    }
    return p;
}

bool h_peer_send(h_peer *p, const void *payload, size_t len)
{
    return send_frame(p, SS_FRAME_DATA, payload, len);
}

void h_peer_close(h_peer *p)
{
    if (!p)
        return;
    if (p->fd >= 0)
        close(p->fd);
    ss_frame_reader_release(&p->reader);
    free(p);
}

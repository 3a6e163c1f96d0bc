/* Peer transport handshake: ids, cluster id and a mutual HMAC-SHA256 challenge/response. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "raft_io/transport_internal.h"

/*
 * connector                                   acceptor
 *   HELLO {from, to, nonce_c, cluster_id}  ->   checks version, cluster id, that
 *                                               `from` is a peer and `to` is itself
 *                                          <-   CHALLENGE {acceptor id, nonce_a}
 *   checks the acceptor id
 *   AUTH {MAC_k("connector", ...)}         ->   checks the MAC
 *                                          <-   WELCOME {MAC_k("acceptor", ...)}
 *   checks the MAC; open
 *
 * Both MACs cover the cluster id, both node ids and both nonces, so a proof is
 * good for one connection only; the different labels stop a proof being
 * reflected back as the other side's. A refusal is sent as REFUSE {reason}.
 * The protocol version is the one in every frame header.
 */

#define HELLO_FIXED (8 + 8 + NONCE_SIZE + 1)
#define CHALLENGE_SIZE (8 + NONCE_SIZE)

enum { EXPECT_FIRST = 0, EXPECT_SECOND = 1 };

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

void ss_handshake_mac(const void *secret, size_t secret_len, const char *cluster_id,
                      const char *label, uint64_t from, uint64_t to,
                      const uint8_t nonce_connector[SS_HANDSHAKE_NONCE_SIZE],
                      const uint8_t nonce_acceptor[SS_HANDSHAKE_NONCE_SIZE],
                      uint8_t out[SS_SHA256_SIZE])
{
    uint8_t ids[16];
    put64(ids, from);
    put64(ids + 8, to);
    uint8_t clen = (uint8_t)strlen(cluster_id);
    ss_hmac_sha256_ctx h;
    ss_hmac_sha256_init(&h, secret, secret_len);
    ss_hmac_sha256_update(&h, label, strlen(label) + 1);
    ss_hmac_sha256_update(&h, &clen, 1);
    ss_hmac_sha256_update(&h, cluster_id, clen);
    ss_hmac_sha256_update(&h, ids, sizeof ids);
    ss_hmac_sha256_update(&h, nonce_connector, SS_HANDSHAKE_NONCE_SIZE);
    ss_hmac_sha256_update(&h, nonce_acceptor, SS_HANDSHAKE_NONCE_SIZE);
    ss_hmac_sha256_final(&h, out);
}

static void compute_mac(const ss_transport *t, const char *label, uint64_t from, uint64_t to,
                        const conn *c, uint8_t out[SS_SHA256_SIZE])
{
    ss_handshake_mac(t->secret, t->secret_len, t->cluster_id, label, from, to,
                     c->nonce_connector, c->nonce_acceptor, out);
}

static void fill_nonce(ss_transport *t, uint8_t nonce[NONCE_SIZE])
{
    if (uv_random(NULL, NULL, nonce, NONCE_SIZE, 0, NULL) == 0)
        return;
    /* Only reached if the kernel has no entropy source at all. */
    uint64_t a = transport_random(t), b = transport_random(t);
    memcpy(nonce, &a, 8);
    memcpy(nonce + 8, &b, 8);
}

/* Copies untrusted text for a log line: printable ASCII only, bounded. */
static void printable(char *dst, size_t cap, const uint8_t *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++)
        dst[n++] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
    dst[n] = '\0';
}

void handshake_start_connector(conn *c)
{
    ss_transport *t = c->t;
    uint8_t hello[HELLO_FIXED + SS_TRANSPORT_MAX_CLUSTER_ID];
    size_t clen = strlen(t->cluster_id);
    fill_nonce(t, c->nonce_connector);
    put64(hello, t->node_id);
    put64(hello + 8, c->peer->id);
    memcpy(hello + 16, c->nonce_connector, NONCE_SIZE);
    hello[16 + NONCE_SIZE] = (uint8_t)clen;
    memcpy(hello + HELLO_FIXED, t->cluster_id, clen);
    c->hs_step = EXPECT_FIRST;
    if (conn_queue(c, SS_FRAME_HELLO, hello, HELLO_FIXED + clen) != SS_OK)
        conn_fail(c, "out of memory");
}

static void connector_on_frame(conn *c, const ss_frame *f)
{
    ss_transport *t = c->t;
    char why[REFUSE_REASON_MAX + 32];
    if (f->type == SS_FRAME_REFUSE) {
        char reason[REFUSE_REASON_MAX + 1];
        printable(reason, sizeof reason, f->payload, f->len);
        snprintf(why, sizeof why, "refused: %s", reason);
        conn_fail(c, why);
    } else if (c->hs_step == EXPECT_FIRST && f->type == SS_FRAME_CHALLENGE &&
               f->len == CHALLENGE_SIZE) {
        uint64_t id = get64(f->payload);
        if (id != c->peer->id) {
            snprintf(why, sizeof why, "the address answers as node %llu", (unsigned long long)id);
            conn_fail(c, why);
            return;
        }
        memcpy(c->nonce_acceptor, f->payload + 8, NONCE_SIZE);
        uint8_t mac[SS_SHA256_SIZE];
        compute_mac(t, SS_HANDSHAKE_CONNECTOR, t->node_id, c->peer->id, c, mac);
        c->hs_step = EXPECT_SECOND;
        if (conn_queue(c, SS_FRAME_AUTH, mac, sizeof mac) != SS_OK)
            conn_fail(c, "out of memory");
    } else if (c->hs_step == EXPECT_SECOND && f->type == SS_FRAME_WELCOME &&
               f->len == SS_SHA256_SIZE) {
        uint8_t mac[SS_SHA256_SIZE];
        compute_mac(t, SS_HANDSHAKE_ACCEPTOR, t->node_id, c->peer->id, c, mac);
        if (!ss_hmac_equal(mac, f->payload, sizeof mac)) {
            conn_fail(c, "the peer does not know our cluster secret");
            return;
        }
        conn_set_open(c);
        peer_conn_open(c);
    } else {
        conn_fail(c, "unexpected handshake frame");
    }
}

static void acceptor_on_hello(conn *c, const ss_frame *f)
{
    ss_transport *t = c->t;
    char why[REFUSE_REASON_MAX];
    if (f->len < HELLO_FIXED || f->len != HELLO_FIXED + (uint32_t)f->payload[16 + NONCE_SIZE]) {
        conn_fail(c, "malformed hello");
        return;
    }
    uint64_t from = get64(f->payload), to = get64(f->payload + 8);
    size_t clen = f->payload[16 + NONCE_SIZE];
    const uint8_t *cluster = f->payload + HELLO_FIXED;
    if (clen != strlen(t->cluster_id) || memcmp(cluster, t->cluster_id, clen) != 0) {
        char theirs[64];
        printable(theirs, sizeof theirs, cluster, clen);
        snprintf(why, sizeof why, "wrong cluster id '%s'", theirs);
        conn_refuse(c, why);
        return;
    }
    peer *p = transport_find_peer(t, from);
    if (p == NULL) {
        snprintf(why, sizeof why, "unknown node id %llu", (unsigned long long)from);
        conn_refuse(c, why);
        return;
    }
    if (to != t->node_id) {
        snprintf(why, sizeof why, "this is node %llu, not node %llu",
                 (unsigned long long)t->node_id, (unsigned long long)to);
        conn_refuse(c, why);
        return;
    }
    c->claimed_id = from;
    memcpy(c->nonce_connector, f->payload + 16, NONCE_SIZE);
    fill_nonce(t, c->nonce_acceptor);
    uint8_t challenge[CHALLENGE_SIZE];
    put64(challenge, t->node_id);
    memcpy(challenge + 8, c->nonce_acceptor, NONCE_SIZE);
    c->hs_step = EXPECT_SECOND;
    if (conn_queue(c, SS_FRAME_CHALLENGE, challenge, sizeof challenge) != SS_OK)
        conn_fail(c, "out of memory");
}

static void acceptor_on_auth(conn *c, const ss_frame *f)
{
    ss_transport *t = c->t;
    uint8_t mac[SS_SHA256_SIZE];
    compute_mac(t, SS_HANDSHAKE_CONNECTOR, c->claimed_id, t->node_id, c, mac);
    if (f->len != SS_SHA256_SIZE || !ss_hmac_equal(mac, f->payload, sizeof mac)) {
        conn_refuse(c, "bad cluster secret");
        return;
    }
    compute_mac(t, SS_HANDSHAKE_ACCEPTOR, c->claimed_id, t->node_id, c, mac);
    if (conn_queue(c, SS_FRAME_WELCOME, mac, sizeof mac) != SS_OK) {
        conn_fail(c, "out of memory");
        return;
    }
    c->peer = transport_find_peer(t, c->claimed_id);
    conn_set_open(c);
    t->inbound.accepted++;
    LOG_VERBOSE("transport: accepted node %llu from %s", (unsigned long long)c->peer->id, c->addr);
    /* A peer keeps one outbound connection; an older one from it is stale. */
    for (conn *o = t->conns; o; o = o->next)
        if (o != c && !o->outbound && o->state == CONN_OPEN && o->peer == c->peer)
            conn_close(o);
}

void handshake_on_frame(conn *c, const ss_frame *f)
{
    if (c->outbound)
        connector_on_frame(c, f);
    else if (c->hs_step == EXPECT_FIRST && f->type == SS_FRAME_HELLO)
        acceptor_on_hello(c, f);
    else if (c->hs_step == EXPECT_SECOND && f->type == SS_FRAME_AUTH)
        acceptor_on_auth(c, f);
    else
        conn_fail(c, "unexpected handshake frame");
}

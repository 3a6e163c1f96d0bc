/* Peer transport under TLS (tls-cluster): the session between the socket and the frames. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "raft_io/transport_internal.h"

/*
 * With tls-cluster yes every connection on the raft port is mutual TLS: the
 * acceptor asks for the connector's certificate and refuses one that its CAs
 * do not verify (or none), the connector verifies the acceptor's the same way
 * (src/tls/tls.c, the PEER_ACCEPT and PEER_DIAL roles). Only once TLS is
 * established does the frame protocol start, unchanged: HELLO, CHALLENGE,
 * AUTH, WELCOME with the cluster secret, then DATA; so a stranger without a
 * certificate from the cluster's CA never sees a frame, and one with such a
 * certificate still needs the secret. Raft messages, proposals and snapshot
 * chunks are all DATA frames, so all of them travel encrypted.
 *
 * The TLS layer owns no socket (ss_tls_conn over a BIO pair): ciphertext read
 * by libuv is fed in here, plaintext goes on to conn_feed; frames are
 * encrypted when they are handed to uv_write (transport_conn.c), and whatever
 * else the session produces (handshake messages, alerts) is written at once
 * with conn_write_raw, so records reach the socket in the order they were made.
 */

/* Plaintext is decrypted this much at a time, on the stack. */
#define PLAIN_CHUNK 16384

int conn_tls_init(conn *c)
{
    ss_tls_ctx *ctx = c->outbound ? c->t->tls_dial : c->t->tls_accept;
    if (ctx == NULL)
        return SS_OK;
    c->tls = ss_tls_conn_new(ctx);
    return c->tls ? SS_OK : SS_ENOMEM;
}

/* Writes whatever ciphertext the session has ready. False when c failed. */
static bool send_pending(conn *c)
{
    if (ss_tls_conn_pending(c->tls) == 0)
        return true;
    ss_buf out;
    ss_buf_init(&out, 0);
    int rc = ss_tls_conn_drain(c->tls, &out) == SS_OK ? conn_write_raw(c, &out) : UV_ENOMEM;
    ss_buf_release(&out);
    if (rc < 0) {
        conn_fail(c, uv_strerror(rc));
        return false;
    }
    return true;
}

/* The handshake failed: a stranger (no certificate, one from another CA, not
 * TLS at all) or, dialling, a peer we cannot verify. The acceptor logs the
 * refusal (once a minute per host and reason) and sends OpenSSL's alert, then
 * closes; nothing of the frame protocol was said. */
static void handshake_failed(conn *c, const char *reason)
{
    char why[REFUSE_REASON_MAX];
    snprintf(why, sizeof why, "TLS handshake failed: %s", reason);
    if (c->outbound) {
        conn_fail(c, why);
        return;
    }
    conn_log_refusal(c, why);
    c->refusing = true;
    uv_read_stop((uv_stream_t *)&c->tcp);
    if (ss_tls_conn_pending(c->tls) == 0 || !send_pending(c))
        conn_close(c); /* else closed once the alert is written (on_written) */
}

void conn_tls_start(conn *c)
{
    ss_errmsg why = "";
    if (ss_tls_conn_handshake(c->tls, why) < 0)
        handshake_failed(c, why);
    else
        send_pending(c);
}

static void established(conn *c)
{
    LOG_VERBOSE("transport: TLS with %s (%s, %s)", c->addr, ss_tls_conn_version(c->tls),
                ss_tls_conn_cipher(c->tls));
    if (c->outbound)
        handshake_start_connector(c);
    c->t->dirty = true; /* frames queued meanwhile may go now */
}

static bool alive(const conn *c)
{
    return c->state != CONN_CLOSING && !c->refusing && !c->t->closing;
}

void conn_tls_read(conn *c, const uint8_t *data, size_t len)
{
    char plain[PLAIN_CHUNK];
    ss_errmsg why = "";
    /* Each round takes ciphertext or yields plaintext (the pair empties as
     * the session reads it); a round that does neither ends the loop. */
    while (alive(c)) {
        size_t fed = ss_tls_conn_feed(c->tls, (const char *)data, len);
        data += fed;
        len -= fed;
        bool progress = fed > 0;
        if (!ss_tls_conn_established(c->tls)) {
            int r = ss_tls_conn_handshake(c->tls, why);
            if (r < 0) {
                handshake_failed(c, why);
                return;
            }
            if (!send_pending(c))
                return;
            if (r == 0) {
                if (!progress)
                    break;
                continue;
            }
            established(c);
            if (!alive(c))
                return;
        }
        ssize_t n;
        while (alive(c) && (n = ss_tls_conn_read(c->tls, plain, sizeof plain, why)) != 0) {
            if (n < 0) {
                conn_fail(c, why);
                return;
            }
            progress = true;
            conn_feed(c, (const uint8_t *)plain, (size_t)n);
        }
        /* Post-handshake messages (session tickets, key updates, alerts). */
        if (!alive(c) || !send_pending(c))
            return;
        if (!progress)
            break;
    }
    if (alive(c) && len > 0)
        conn_fail(c, "TLS session took no more input"); /* cannot happen: the pair has room */
}

int conn_tls_encrypt(conn *c, const uv_buf_t *bufs, unsigned n, ss_buf *out)
{
    /* Small frames (heartbeats, acks) are gathered into full records rather
     * than each paying for a record of its own. */
    char plain[PLAIN_CHUNK];
    size_t used = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *p = bufs[i].base;
        size_t left = bufs[i].len;
        while (left > 0) {
            if (used == 0 && left >= sizeof plain) {
                size_t whole = left - left % sizeof plain;
                int rc = ss_tls_conn_write(c->tls, p, whole, out);
                if (rc != SS_OK)
                    return rc;
                p += whole;
                left -= whole;
                continue;
            }
            size_t take = left < sizeof plain - used ? left : sizeof plain - used;
            memcpy(plain + used, p, take);
            used += take;
            p += take;
            left -= take;
            if (used == sizeof plain) {
                int rc = ss_tls_conn_write(c->tls, plain, used, out);
                if (rc != SS_OK)
                    return rc;
                used = 0;
            }
        }
    }
    return used > 0 ? ss_tls_conn_write(c->tls, plain, used, out) : SS_OK;
}

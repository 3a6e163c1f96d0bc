/* TLS on the client and raft ports, as Redis's tls.c configures it, over a BIO pair. */
#include "tls/tls.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

/* Each direction of the BIO pair holds this much: more than one full record
 * (16 KiB + overhead), so whenever the SSL side has consumed what it can, the
 * pair has room for more input. It bounds what one connection buffers. */
#define PAIR_SIZE (64 * 1024)

struct ss_tls_ctx {
    SSL_CTX *ctx;
    ss_tls_role role;
};

struct ss_tls_conn {
    SSL *ssl;
    BIO *net;           /* our end of the pair: ciphertext in and out */
    bool established;
};

/* Redis's tlsPasswordCallback; with no tls-key-file-pass it refuses, so an
 * encrypted key fails to load instead of OpenSSL prompting on the terminal. */
static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const char *pass = u;
    if (pass == NULL || pass[0] == '\0')
        return -1;
    size_t len = strlen(pass);
    if (len > (size_t)size)
        return -1;
    memcpy(buf, pass, len);
    return (int)len;
}

/* tls-protocols: "TLSv1.2 TLSv1.3" and the like, as Redis's parseProtocolsConfig. */
#define PROTO_TLSv1 (1 << 0)
#define PROTO_TLSv1_1 (1 << 1)
#define PROTO_TLSv1_2 (1 << 2)
#define PROTO_TLSv1_3 (1 << 3)
#define PROTO_DEFAULT (PROTO_TLSv1_2 | PROTO_TLSv1_3)

static int parse_protocols(const char *str)
{
    if (str == NULL || str[0] == '\0')
        return PROTO_DEFAULT;
    char copy[256];
    if (strlen(str) >= sizeof copy)
        return -1;
    strcpy(copy, str);
    int protocols = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (!strcasecmp(tok, "tlsv1")) protocols |= PROTO_TLSv1;
        else if (!strcasecmp(tok, "tlsv1.1")) protocols |= PROTO_TLSv1_1;
        else if (!strcasecmp(tok, "tlsv1.2")) protocols |= PROTO_TLSv1_2;
        else if (!strcasecmp(tok, "tlsv1.3")) protocols |= PROTO_TLSv1_3;
        else return -1;
    }
    return protocols;
}

static int ssl_fail(char *errmsg, const char *what, const char *file)
{
    char reason[160];
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    ERR_clear_error();
    if (file)
        return ss_errf(errmsg, SS_ECONFIG, "%s: %s: %s", what, file, reason);
    return ss_errf(errmsg, SS_ECONFIG, "%s: %s", what, reason);
}

static const char *opt(const char *s) { return s && s[0] ? s : NULL; }

/* Redis's tlsConfigure and createSSLContext: the server side for the client
 * port and peers dialling in, the client side (tls-client-* when set) for
 * dialling peers. */
static int configure(SSL_CTX *ctx, const ss_config *cfg, ss_tls_role role, char *errmsg)
{
    const char *cert = opt(cfg->tls_cert_file), *key = opt(cfg->tls_key_file);
    const char *pass = cfg->tls_key_file_pass;
    const char *ca_file = opt(cfg->tls_ca_cert_file), *ca_dir = opt(cfg->tls_ca_cert_dir);
    if (role == SS_TLS_PEER_DIAL && opt(cfg->tls_client_cert_file)) {
        cert = cfg->tls_client_cert_file;
        key = opt(cfg->tls_client_key_file);
        pass = cfg->tls_client_key_file_pass;
        if (!key)
            return ss_errf(errmsg, SS_ECONFIG, "No tls-client-key-file configured!");
    }
    if (!cert)
        return ss_errf(errmsg, SS_ECONFIG, "No tls-cert-file configured!");
    if (!key)
        return ss_errf(errmsg, SS_ECONFIG, "No tls-key-file configured!");
    if ((role != SS_TLS_CLIENTS || cfg->tls_auth_clients != SS_TLS_AUTH_NO) && !ca_file && !ca_dir)
        return ss_errf(errmsg, SS_ECONFIG,
                       "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
                       "tls-replication or tls-auth-clients are enabled!");
    int protocols = parse_protocols(cfg->tls_protocols);
    if (protocols <= 0)
        return ss_errf(errmsg, SS_ECONFIG, "Invalid tls-protocols specified. "
                                           "Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");

    SSL_CTX_set_options(ctx, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                                 SSL_OP_NO_RENEGOTIATION | SSL_OP_SINGLE_DH_USE);
    if (!(protocols & PROTO_TLSv1)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1);
    if (!(protocols & PROTO_TLSv1_1)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_1);
    if (!(protocols & PROTO_TLSv1_2)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_2);
    if (!(protocols & PROTO_TLSv1_3)) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
    if (cfg->tls_prefer_server_ciphers)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

    if (cfg->tls_session_caching && role != SS_TLS_PEER_DIAL) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(ctx, cfg->tls_session_cache_size);
        SSL_CTX_set_timeout(ctx, cfg->tls_session_cache_timeout);
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"redis", 5);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(ctx, 0);
    }

    /* The password is needed only while the key loads: nothing keeps a pointer. */
    SSL_CTX_set_default_passwd_cb(ctx, password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)pass);
    int ok_cert = SSL_CTX_use_certificate_chain_file(ctx, cert);
    int rc = ok_cert ? SS_OK : ssl_fail(errmsg, "Failed to load certificate", cert);
    if (rc == SS_OK && !SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM))
        rc = ssl_fail(errmsg, "Failed to load private key", key);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    if (rc != SS_OK)
        return rc;
    if (!SSL_CTX_check_private_key(ctx))
        return ssl_fail(errmsg, "Failed to load private key", key);
    if ((ca_file || ca_dir) && SSL_CTX_load_verify_locations(ctx, ca_file, ca_dir) <= 0)
        return ssl_fail(errmsg, "Failed to configure CA certificate(s) file/directory", NULL);
    if (opt(cfg->tls_ciphers) && !SSL_CTX_set_cipher_list(ctx, cfg->tls_ciphers))
        return ss_errf(errmsg, SS_ECONFIG, "Failed to configure ciphers: %s", cfg->tls_ciphers);
    if (opt(cfg->tls_ciphersuites) && !SSL_CTX_set_ciphersuites(ctx, cfg->tls_ciphersuites))
        return ss_errf(errmsg, SS_ECONFIG, "Failed to configure ciphersuites: %s", cfg->tls_ciphersuites);

    /* A peer proves it belongs with a certificate from our CA, both ways; the
     * name in it is not checked (Redis's cluster bus neither): the cluster
     * secret, checked inside TLS, says which cluster, the handshake which node. */
    int auth = role == SS_TLS_CLIENTS ? cfg->tls_auth_clients : SS_TLS_AUTH_YES;
    switch (auth) {
    case SS_TLS_AUTH_NO: SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); break;
    case SS_TLS_AUTH_OPTIONAL: SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL); break;
    default: SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL); break;
    }
    return SS_OK;
}

int ss_tls_ctx_new(const ss_config *cfg, ss_tls_role role, ss_tls_ctx **out, char *errmsg)
{
    *out = NULL;
    ERR_clear_error();
    ss_tls_ctx *t = calloc(1, sizeof *t);
    const SSL_METHOD *method = role == SS_TLS_PEER_DIAL ? TLS_client_method() : TLS_server_method();
    if (t == NULL || (t->ctx = SSL_CTX_new(method)) == NULL) {
        free(t);
        return ss_errf(errmsg, SS_ENOMEM, "Failed to create TLS context: out of memory");
    }
    t->role = role;
    int rc = configure(t->ctx, cfg, role, errmsg);
    if (rc != SS_OK) {
        ss_tls_ctx_free(t);
        return rc;
    }
    *out = t;
    return SS_OK;
}

void ss_tls_ctx_free(ss_tls_ctx *ctx)
{
    if (ctx == NULL)
        return;
    SSL_CTX_free(ctx->ctx);
    free(ctx);
}

/* ---------------------------------------------------------- connection */

ss_tls_conn *ss_tls_conn_new(ss_tls_ctx *ctx)
{
    ss_tls_conn *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    BIO *inner = NULL;
    t->ssl = SSL_new(ctx->ctx);
    if (t->ssl == NULL || !BIO_new_bio_pair(&inner, PAIR_SIZE, &t->net, PAIR_SIZE)) {
        SSL_free(t->ssl);
        free(t);
        ERR_clear_error();
        return NULL;
    }
    SSL_set_bio(t->ssl, inner, inner);  /* the SSL owns the inner end */
    if (ctx->role == SS_TLS_PEER_DIAL)
        SSL_set_connect_state(t->ssl);
    else
        SSL_set_accept_state(t->ssl);
    return t;
}

void ss_tls_conn_free(ss_tls_conn *t)
{
    if (t == NULL)
        return;
    SSL_free(t->ssl);
    BIO_free(t->net);
    free(t);
}

size_t ss_tls_conn_feed(ss_tls_conn *t, const char *data, size_t len)
{
    if (len == 0)
        return 0;
    int n = BIO_write(t->net, data, len > PAIR_SIZE ? PAIR_SIZE : (int)len);
    return n > 0 ? (size_t)n : 0;
}

/* Why the last SSL call failed, in OpenSSL's words, and the queue emptied:
 * one connection's error must not show up as another's. */
static void describe(int err, char *errmsg)
{
    unsigned long e = ERR_get_error();
    if (e != 0) {
        char reason[160];
        ERR_error_string_n(e, reason, sizeof reason);
        ss_errf(errmsg, SS_EPROTO, "%s", reason);
    } else if (err == SSL_ERROR_ZERO_RETURN) {
        ss_errf(errmsg, SS_ECLOSED, "closed by the peer (close_notify)");
    } else {
        ss_errf(errmsg, SS_EPROTO, "TLS error %d", err);
    }
    ERR_clear_error();
}

int ss_tls_conn_handshake(ss_tls_conn *t, char *errmsg)
{
    if (t->established)
        return 1;
    int r = SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->established = true;
        return 1;
    }
    int err = SSL_get_error(t->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return 0;
    describe(err, errmsg);
    return -1;
}

bool ss_tls_conn_established(const ss_tls_conn *t) { return t->established; }

bool ss_tls_conn_has_input(const ss_tls_conn *t)
{
    return SSL_has_pending(t->ssl) || BIO_ctrl_pending(SSL_get_rbio(t->ssl)) > 0;
}

ssize_t ss_tls_conn_read(ss_tls_conn *t, char *buf, size_t cap, char *errmsg)
{
    if (cap == 0)
        return 0;
    int r = SSL_read(t->ssl, buf, cap > INT32_MAX ? INT32_MAX : (int)cap);
    if (r > 0)
        return r;
    int err = SSL_get_error(t->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return 0;
    describe(err, errmsg);
    return -1;
}

int ss_tls_conn_write(ss_tls_conn *t, const char *data, size_t len, ss_buf *out)
{
    while (len > 0) {
        /* One record at a time, drained between, so the pair never fills. */
        int chunk = len > 16384 ? 16384 : (int)len;
        int r = SSL_write(t->ssl, data, chunk);
        if (r <= 0) {
            ERR_clear_error();
            return SS_EPROTO;
        }
        data += r;
        len -= (size_t)r;
        if (ss_tls_conn_drain(t, out) != SS_OK)
            return SS_ENOMEM;
    }
    return SS_OK;
}

size_t ss_tls_conn_pending(const ss_tls_conn *t) { return BIO_ctrl_pending(t->net); }

int ss_tls_conn_drain(ss_tls_conn *t, ss_buf *out)
{
    size_t n;
    while ((n = BIO_ctrl_pending(t->net)) > 0) {
        if (ss_buf_reserve(out, n) != 0)
            return SS_ENOMEM;
        int r = BIO_read(t->net, ss_buf_tail(out), (int)n);
        if (r <= 0)
            break;
        ss_buf_commit(out, (size_t)r);
    }
    return SS_OK;
}

const char *ss_tls_conn_version(const ss_tls_conn *t) { return SSL_get_version(t->ssl); }

const char *ss_tls_conn_cipher(const ss_tls_conn *t)
{
    const char *c = SSL_get_cipher_name(t->ssl);
    return c ? c : "";
}

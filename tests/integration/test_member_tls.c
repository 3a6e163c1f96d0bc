/* RAFT.* forwarding and RAFT.CLUSTER JOIN between members that serve clients on tls-port alone (port 0), with tls-auth-clients yes, and credentials (masteruser/masterauth) that work where each node's requirepass differs. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_cluster cl;
static char certs[256];
static int tls_ports[4];

/* A CA, a server certificate for 127.0.0.1 and a client certificate it signed
 * (test_tls's fixtures). */
static void make_certs(void)
{
    snprintf(certs, sizeof certs, "/tmp/ss-member-tls-%d-XXXXXX", (int)getpid());
    cr_assert_not_null(mkdtemp(certs));
    char out[4096];
    int rc = h_sh(out, sizeof out,
                  "(set -e; cd %s; "
                  "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=ss-ca; "
                  "printf 'subjectAltName=IP:127.0.0.1\\n' > san.cnf; "
                  "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1; "
                  "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt "
                  "  -days 2 -extfile san.cnf; "
                  "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=client; "
                  "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt "
                  "  -days 2) 2>&1",
                  certs);
    cr_assert_eq(rc, 0, "openssl failed: %s", out);
}

static void cleanup(void)
{
    hc_cleanup(&cl);
    if (certs[0])
        h_sh(NULL, 0, "rm -rf %s", certs);
    certs[0] = '\0';
}

TestSuite(member_tls, .init = make_certs, .fini = cleanup, .timeout = 300);

/* redis-cli over TLS (with the client certificate) to node i, authenticated
 * with its own password; the output, trailing newline dropped, in out. */
static int cli(int i, char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int cli(int i, char *out, size_t size, const char *fmt, ...)
{
    char args[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    int rc = h_sh(out, size,
                  "cd %s && timeout 20 redis-cli --tls --cacert ca.crt --cert client.crt --key client.key "
                  "-p %d -a pw-%d --no-auth-warning %s 2>&1",
                  certs, tls_ports[i], i + 1, args);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '\n')
        out[--n] = '\0';
    return rc;
}

/* Node slot i answers ROLE as master (or, want_master false, answers at all). */
static bool is_master(int i)
{
    char out[512];
    return cli(i, out, sizeof out, "ROLE") == 0 && !strncmp(out, "master", 6);
}

static int wait_master(int except)
{
    for (int k = 0; k < 300; k++) {
        for (int i = 0; i < cl.n; i++)
            if (i != except && is_master(i))
                return i;
        usleep(100 * 1000);
    }
    return -1;
}

/* The TLS side of node slot i: no plain port; each node its own requirepass;
 * masteruser/masterauth toward the others. */
static void tls_extra(int i)
{
    h_node *n = &cl.nodes[i];
    tls_ports[i] = h_free_port();
    size_t len = strlen(n->extra);
    snprintf(n->extra + len, sizeof n->extra - len,
             " --port 0 --tls-port %d --tls-cert-file %s/server.crt --tls-key-file %s/server.key "
             "--tls-ca-cert-file %s/ca.crt --tls-client-cert-file %s/client.crt "
             "--tls-client-key-file %s/client.key --tls-auth-clients yes --requirepass pw-%d "
             "--masteruser ops --masterauth ops-pw",
             tls_ports[i], certs, certs, certs, certs, certs, i + 1);
}

Test(member_tls, a_follower_forwards_raft_commands_and_a_new_node_joins_over_tls_with_masteruser)
{
    hc_init(&cl, 3, NULL);
    for (int i = 0; i < 3; i++) {
        tls_extra(i);
        cr_assert(h_node_spawn(&cl.nodes[i]));
    }
    int leader = wait_master(-1);
    cr_assert(leader >= 0, "a leader answers ROLE over TLS");
    int follower = (leader + 1) % 3;
    char out[4096];

    /* Until the user exists, the forwarded command's AUTH is refused, and
     * the reply says so: the credentials are masteruser's, not requirepass
     * (each node's differs, so the follower's own would be refused too). */
    cli(follower, out, sizeof out, "RAFT.TRANSFER_LEADER %d", follower + 1);
    cr_expect(strstr(out, "AUTH refused") != NULL, "forwarded without the user: %s", out);

    cr_assert_eq(cli(leader, out, sizeof out, "ACL SETUSER ops on '>ops-pw' '+@all' '~*' '&*'"), 0, "%s", out);
    cr_assert_str_eq(out, "OK");
    bool ok = false;
    for (int k = 0; k < 100 && !ok; k++) { /* until the follower applied the user */
        cli(follower, out, sizeof out, "ACL GETUSER ops");
        ok = strstr(out, "flags") != NULL;
        if (!ok)
            usleep(100 * 1000);
    }
    cr_assert(ok, "the user reaches the follower: %s", out);

    /* A follower forwards RAFT.TRANSFER_LEADER to the leader over TLS. */
    cli(follower, out, sizeof out, "RAFT.TRANSFER_LEADER %d", follower + 1);
    cr_expect_str_eq(out, "OK", "forwarded over TLS");
    ok = false;
    for (int k = 0; k < 200 && !ok; k++) {
        ok = is_master(follower);
        if (!ok)
            usleep(100 * 1000);
    }
    cr_expect(ok, "the follower leads after the transfer it forwarded");

    /* CLUSTER NODES announces the TLS port (there is no other). */
    cli(leader, out, sizeof out, "CLUSTER NODES");
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%d@%d", tls_ports[leader], cl.nodes[leader].raft_port);
    cr_expect(strstr(out, want) != NULL, "%s in %s", want, out);

    /* A new node joins through a member that is no longer the leader: the
     * member forwards (or redirects it to the leader's TLS port). */
    leader = wait_master(-1);
    int other = (leader + 1) % 3;
    h_node *n4 = &cl.nodes[3];
    h_node_init(n4, 4, "--raft-bootstrap no --election-timeout 300 --heartbeat-interval 50 "
                "--leader-wait-timeout 3000");
    cl.n = 4;
    tls_extra(3);
    cr_assert(h_node_spawn(n4));
    for (int k = 0; k < 100 && cli(3, out, sizeof out, "PING") != 0; k++)
        usleep(100 * 1000);
    cli(3, out, sizeof out, "RAFT.CLUSTER JOIN 127.0.0.1:%d", tls_ports[other]);
    cr_expect_str_eq(out, "OK", "the join over TLS");
    ok = false;
    for (int k = 0; k < 200 && !ok; k++) {
        cli(3, out, sizeof out, "INFO raft");
        ok = strstr(out, "raft_voters:4") != NULL;
        if (!ok)
            usleep(100 * 1000);
    }
    cr_expect(ok, "the joined node is a voter: %s", out);
}

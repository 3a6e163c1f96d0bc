/* Configuration: defaults, the file format, command-line overrides, errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/strutil.h"

static ss_config cfg;
static void setup(void) { ss_config_init(&cfg); }
static void teardown(void) { ss_config_release(&cfg); }
TestSuite(config, .init = setup, .fini = teardown);

Test(config, has_redis_like_defaults)
{
    cr_expect_eq(cfg.port, 6379);
    cr_expect_str_eq(cfg.bind, "127.0.0.1");
    cr_expect_eq(cfg.node_id, 1);
    cr_expect_eq(cfg.proto_max_bulk_len, 512LL * 1024 * 1024);
    cr_expect_eq(cfg.loglevel, SS_LOG_NOTICE);
    cr_expect_eq(cfg.read_consistency, SS_READ_LINEARIZABLE);
    cr_expect_eq(cfg.follower_mode, SS_FOLLOWER_PROXY);
    cr_expect_eq(cfg.raft_fsync, SS_RAFT_FSYNC_ALWAYS);
    cr_expect_eq(cfg.npeers, 0);
    cr_expect_eq(ss_config_validate(&cfg, NULL), SS_OK);
}

Test(config, file_lines_set_directives_and_skip_comments)
{
    const char *text = "# a comment\n\nport 7000\nbind 0.0.0.0\n  loglevel   warning\n"
                       "dir \"/tmp/with space\"\nproto-max-bulk-len 1gb\nsave 900 1\n";
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_string(&cfg, text, "test", err), SS_OK, "%s", err);
    cr_expect_eq(cfg.port, 7000);
    cr_expect_str_eq(cfg.bind, "0.0.0.0");
    cr_expect_eq(cfg.loglevel, SS_LOG_WARNING);
    cr_expect_str_eq(cfg.dir, "/tmp/with space");
    cr_expect_eq(cfg.proto_max_bulk_len, 1024LL * 1024 * 1024);
}

Test(config, a_comment_may_hold_anything_even_unbalanced_quotes)
{
    ss_errmsg err = "";
    const char *text = "# run it: sandstore <(echo \"x $(cat y)\") it's\n  # \"\nport 7001\n";
    cr_expect_eq(ss_config_load_string(&cfg, text, "test", err), SS_OK, "%s", err);
    cr_expect_eq(cfg.port, 7001);
}

Test(config, unknown_directive_names_file_and_line)
{
    ss_errmsg err = "";
    cr_expect_eq(ss_config_load_string(&cfg, "port 1\nbogus 3\n", "config file 'x.conf'", err),
                 SS_ECONFIG);
    cr_expect(strstr(err, "config file 'x.conf', line 2") != NULL, "%s", err);
    cr_expect(strstr(err, "unknown directive 'bogus'") != NULL, "%s", err);
}

Test(config, bad_values_are_rejected_with_the_reason)
{
    ss_errmsg err = "";
    cr_expect_eq(ss_config_load_string(&cfg, "port 70000\n", "f", err), SS_ECONFIG);
    cr_expect(strstr(err, "between 0 and 65535") != NULL, "%s", err);
    cr_expect_eq(ss_config_load_string(&cfg, "port\n", "f", err), SS_ECONFIG);
    cr_expect_eq(ss_config_load_string(&cfg, "read-consistency maybe\n", "f", err), SS_ECONFIG);
    cr_expect_eq(ss_config_load_string(&cfg, "loglevel loud\n", "f", err), SS_ECONFIG);
    cr_expect_eq(ss_config_load_string(&cfg, "dir \"unterminated\n", "f", err), SS_ECONFIG);
    cr_expect(strstr(err, "unbalanced quotes") != NULL, "%s", err);
    cr_expect_eq(cfg.port, 6379, "a failed line must not change the value");
}

Test(config, config_set_refusals_are_worded_as_redis_7_0_words_them)
{
    /* Redis 7.0's numericBoundaryCheck and its parse errors, byte for byte (checked against
     * redis-server 7.0.15: CONFIG SET timeout abc / timeout -1 / maxmemory abc). */
    ss_errmsg err = "";
    char abc[] = "abc", minus1[] = "-1", x1[] = "x1";
    char *v = abc;
    cr_expect_eq(ss_config_set(&cfg, "timeout", 1, &v, err), SS_ECONFIG);
    cr_expect_str_eq(err, "argument couldn't be parsed into an integer");
    v = minus1;
    cr_expect_eq(ss_config_set(&cfg, "timeout", 1, &v, err), SS_ECONFIG);
    cr_expect_str_eq(err, "argument must be between 0 and 2147483647 inclusive");
    v = abc;
    cr_expect_eq(ss_config_set(&cfg, "maxmemory", 1, &v, err), SS_ECONFIG);
    cr_expect_str_eq(err, "argument must be a memory value");
    v = minus1;
    cr_expect_eq(ss_config_set(&cfg, "maxmemory", 1, &v, err), SS_ECONFIG);
    cr_expect_str_eq(err, "argument must be a memory value");
    v = x1;
    cr_expect_eq(ss_config_set(&cfg, "node-id", 1, &v, err), SS_ECONFIG);
    cr_expect(strstr(err, "argument couldn't be parsed into an integer") != NULL, "%s", err);
}

Test(config, command_line_overrides_the_file)
{
    char path[] = "/tmp/ss-config-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char *text = "port 7001\nnode-id 2\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char *argv[] = {"sandstore", path, "--port", "7002", "--loglevel", "debug", NULL};
    ss_errmsg err = "";
    int rc = ss_config_load_args(&cfg, 6, argv, err);
    unlink(path);
    cr_assert_eq(rc, SS_OK, "%s", err);
    cr_expect_eq(cfg.port, 7002);
    cr_expect_eq(cfg.node_id, 2);
    cr_expect_eq(cfg.loglevel, SS_LOG_DEBUG);
}

Test(config, missing_file_is_a_clear_error)
{
    char *argv[] = {"sandstore", "/nonexistent/sandstore.conf", NULL};
    ss_errmsg err = "";
    cr_expect_eq(ss_config_load_args(&cfg, 2, argv, err), SS_ECONFIG);
    cr_expect(strstr(err, "/nonexistent/sandstore.conf") != NULL, "%s", err);
}

Test(config, peers_parse_and_must_include_this_node)
{
    ss_errmsg err = "";
    char *argv[] = {"sandstore", "--node-id", "2", "--peers",
                    "1@127.0.0.1:7379,2@127.0.0.1:7380,3@localhost:7381", NULL};
    cr_assert_eq(ss_config_load_args(&cfg, 5, argv, err), SS_OK, "%s", err);
    cr_assert_eq(cfg.npeers, 3);
    cr_expect_eq(cfg.peer_list[2].id, 3);
    cr_expect_str_eq(cfg.peer_list[2].host, "localhost");
    cr_expect_eq(cfg.peer_list[1].port, 7380);
    cr_expect_eq(ss_config_validate(&cfg, err), SS_OK, "%s", err);

    cfg.node_id = 9;
    cr_expect_eq(ss_config_validate(&cfg, err), SS_ECONFIG);
    cr_expect(strstr(err, "node-id 9") != NULL, "%s", err);
}

static void load(const char *text)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_string(&cfg, text, "test", err), SS_OK, "%s", err);
}

Test(config, the_raft_port_listens_on_bind_unless_raft_bind_is_set)
{
    cr_expect_str_eq(cfg.raft_bind, "");
    cr_expect_str_eq(ss_config_raft_bind(&cfg), "127.0.0.1");
    load("bind 0.0.0.0\n");
    cr_expect_str_eq(ss_config_raft_bind(&cfg), "0.0.0.0");
    load("raft-bind 127.0.0.1\n");
    cr_expect_str_eq(ss_config_raft_bind(&cfg), "127.0.0.1");
    cr_expect_str_eq(cfg.bind, "0.0.0.0", "the client port keeps its own");
}

#define THREE_NODES "node-id 1\npeers 1@10.0.0.1:7379,2@10.0.0.2:7379,3@10.0.0.3:7379\n"

/* With an empty secret the handshake's HMAC key is public (issue 18). */
Test(config, refuses_a_cluster_whose_raft_port_listens_beyond_loopback_without_a_secret)
{
    ss_errmsg err = "";
    load(THREE_NODES "bind 0.0.0.0\n");
    cr_expect_eq(ss_config_validate(&cfg, err), SS_ECONFIG);
    cr_expect(strstr(err, "cluster-secret is empty") != NULL, "%s", err);
    cr_expect(strstr(err, "bind (raft-bind is empty) 0.0.0.0") != NULL, "%s", err);

    load("raft-bind 10.0.0.1\n");
    err[0] = '\0';
    cr_expect_eq(ss_config_validate(&cfg, err), SS_ECONFIG);
    cr_expect(strstr(err, "raft-bind 10.0.0.1") != NULL, "%s", err);

    load("raft-bind ::\n");
    cr_expect_eq(ss_config_validate(&cfg, err), SS_ECONFIG, "the IPv6 wildcard too");
}

Test(config, a_secret_or_a_loopback_raft_port_is_accepted)
{
    ss_errmsg err = "";
    load(THREE_NODES "bind 0.0.0.0\ncluster-secret k3ep-it-l0ng\n");
    cr_expect_eq(ss_config_validate(&cfg, err), SS_OK, "%s", err);
    load("cluster-secret \"\"\nraft-bind 127.0.0.1\n");
    cr_expect_eq(ss_config_validate(&cfg, err), SS_OK, "%s", err);
    load("raft-bind ::1\n");
    cr_expect_eq(ss_config_validate(&cfg, err), SS_OK, "%s", err);
}

Test(config, a_one_node_cluster_opens_no_raft_port_and_needs_no_secret)
{
    ss_errmsg err = "";
    load("bind 0.0.0.0\n");
    cr_expect_eq(ss_config_validate(&cfg, err), SS_OK, "%s", err);
    load("peers 1@10.0.0.1:7379\n");
    cr_expect_eq(ss_config_validate(&cfg, err), SS_OK, "%s", err);
}

Test(config, the_raft_bind_address_must_be_an_ip_address)
{
    ss_errmsg err = "";
    load(THREE_NODES "cluster-secret s\nraft-bind localhost\n");
    cr_expect_eq(ss_config_validate(&cfg, err), SS_ECONFIG);
    cr_expect(strstr(err, "raft-bind 'localhost' must be an IP address") != NULL, "%s", err);
}

Test(config, loopback_is_127_0_0_0_slash_8_and_ipv6_one)
{
    const char *yes[] = {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"};
    const char *no[] = {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "::2", "::ffff:10.0.0.1",
                        "localhost", "", "127.0.0.1 "};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        cr_expect(ss_config_is_loopback(yes[i]), "%s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        cr_expect_not(ss_config_is_loopback(no[i]), "%s", no[i]);
}

Test(config, malformed_peers_are_rejected)
{
    const char *bad[] = {"1@host", "x@h:1", "1@:7000", "1@h:0", "1@h:99999", "1@h:1,1@h:2", "1@h:1,,2@h:2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ss_peer out[SS_MAX_PEERS];
        int n;
        ss_errmsg err = "";
        cr_expect_eq(ss_config_parse_peers(bad[i], out, SS_MAX_PEERS, &n, err), SS_ECONFIG, "%s", bad[i]);
    }
}

Test(config, memory_units_follow_redis)
{
    int err;
    cr_expect_eq(ss_config_memtoll("1k", &err), 1000);
    cr_expect_eq(ss_config_memtoll("1kb", &err), 1024);
    cr_expect_eq(ss_config_memtoll("2GB", &err), 2LL * 1024 * 1024 * 1024);
    cr_expect_eq(ss_config_memtoll("12", &err), 12);
    ss_config_memtoll("12x", &err);
    cr_expect_eq(err, 1);
    ss_config_memtoll("99999999999999999999gb", &err);
    cr_expect_eq(err, 1);
}

struct collected { int n; char names[64][64]; char values[64][128]; };
static void collect(void *arg, const char *name, const char *value)
{
    struct collected *c = arg;
    snprintf(c->names[c->n], 64, "%s", name);
    snprintf(c->values[c->n], 128, "%s", value);
    c->n++;
}

Test(config, get_matches_globs_and_hides_the_secret)
{
    struct collected c = {0};
    ss_config_get(&cfg, "port", collect, &c);
    cr_assert_eq(c.n, 1);
    cr_expect_str_eq(c.values[0], "6379");

    memset(&c, 0, sizeof c);
    ss_config_get(&cfg, "*port", collect, &c);
    cr_expect_eq(c.n, 4); /* port, tls-port, metrics-port, raft-port */

    char *argv[] = {"s3cret"};
    cr_assert_eq(ss_config_set(&cfg, "cluster-secret", 1, argv, NULL), SS_OK);
    memset(&c, 0, sizeof c);
    ss_config_get(&cfg, "cluster-secret", collect, &c);
    cr_assert_eq(c.n, 1);
    cr_expect_str_neq(c.values[0], "s3cret");

    memset(&c, 0, sizeof c);
    ss_config_get(&cfg, "appendonly", collect, &c);
    cr_expect_eq(c.n, 1);
}

static void get_one(void *arg, const char *name, const char *value)
{
    (void)name;
    snprintf(arg, 256, "%s", value);
}

Test(config, output_buffer_limits_read_and_print_as_redis_does)
{
    char got[256];
    const ss_obuf_limit *l = cfg.client_obuf_limits;
    cr_expect_eq(l[SS_CLIENT_NORMAL].hard, 1LL << 30, "sandstore bounds normal clients by default");
    cr_expect_eq(l[SS_CLIENT_NORMAL].soft, 64LL << 20);
    cr_expect_eq(l[SS_CLIENT_NORMAL].soft_seconds, 0);
    ss_config_get(&cfg, "client-output-buffer-limit", get_one, got);
    cr_expect_str_eq(got, "normal 1073741824 67108864 0 slave 268435456 67108864 60 "
                          "pubsub 33554432 8388608 60");

    /* A file line names its groups as arguments; classes not named keep theirs. */
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_string(&cfg, "client-output-buffer-limit normal 32mb 8mb 5\n"
                                             "client-output-buffer-limit replica 1gb 0 0\n", "t", err),
                 SS_OK, "%s", err);
    cr_expect_eq(l[SS_CLIENT_NORMAL].hard, 32LL << 20);
    cr_expect_eq(l[SS_CLIENT_NORMAL].soft, 8LL << 20);
    cr_expect_eq(l[SS_CLIENT_NORMAL].soft_seconds, 5);
    cr_expect_eq(l[SS_CLIENT_REPLICA].hard, 1LL << 30);
    cr_expect_eq(l[SS_CLIENT_PUBSUB].hard, 32LL << 20);

    /* CONFIG SET gives one string, possibly several groups. */
    char *value = "normal 0 0 0 pubsub 1mb 512kb 10";
    cr_assert_eq(ss_config_set(&cfg, "client-output-buffer-limit", 1, &value, err), SS_OK, "%s", err);
    ss_config_get(&cfg, "client-output-buffer-limit", get_one, got);
    cr_expect_str_eq(got, "normal 0 0 0 slave 1073741824 0 0 pubsub 1048576 524288 10");

    const char *bad[] = {"normal 1mb 1mb", "users 1mb 1mb 1", "normal 1xb 1mb 1", "normal 1mb 1mb -1",
                         "normal 1mb 1mb 1 pubsub", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        value = (char *)bad[i];
        cr_expect_eq(ss_config_set(&cfg, "client-output-buffer-limit", 1, &value, err), SS_ECONFIG, "%s",
                     bad[i]);
    }
    ss_config_get(&cfg, "client-output-buffer-limit", get_one, got);
    cr_expect_str_eq(got, "normal 0 0 0 slave 1073741824 0 0 pubsub 1048576 524288 10",
                     "a bad value changes nothing");
}

Test(config, the_old_output_limit_directive_sets_the_normal_soft_limit)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_string(&cfg, "client-output-buffer-limit-bytes 10mb\n", "t", err), SS_OK,
                 "%s", err);
    cr_expect_eq(cfg.client_obuf_limits[SS_CLIENT_NORMAL].soft, 10LL << 20);
    cr_expect_eq(cfg.client_obuf_limits[SS_CLIENT_NORMAL].hard, 1LL << 30);
}

typedef struct all_values {
    int n;
    char names[128][64];
    char values[128][256];
} all_values;

static void collect_all(void *arg, const char *name, const char *value)
{
    all_values *v = arg;
    cr_assert_lt(v->n, 128);
    snprintf(v->names[v->n], sizeof v->names[0], "%s", name);
    snprintf(v->values[v->n], sizeof v->values[0], "%s", value);
    v->n++;
}

/* conf/sandstore.conf did not load at all: a comment's quotes were split as
 * arguments ("unbalanced quotes", line 4). It lists every directive with its
 * default, so loading it must change nothing. */
Test(config, the_documented_config_file_loads_and_holds_the_defaults)
{
    const char *src = getenv("SS_SOURCE_DIR");
    cr_assert_not_null(src, "CTest sets SS_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/conf/sandstore.conf", src);
    ss_config file;
    ss_config_init(&file);
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_file(&file, path, err), SS_OK, "%s", err);
    static all_values want, got;
    want.n = got.n = 0;
    ss_config_get(&cfg, "*", collect_all, &want);
    ss_config_get(&file, "*", collect_all, &got);
    cr_assert_eq(want.n, got.n);
    for (int i = 0; i < want.n; i++)
        cr_expect_str_eq(got.values[i], want.values[i], "%s", want.names[i]);
    ss_config_release(&file);
}

Test(config, comments_are_skipped_before_splitting)
{
    ss_errmsg err = "";
    cr_expect_eq(ss_config_load_string(&cfg, "# a \"quoted\"; comment\n   # 'indented\nport 7001\n", "t", err),
                 SS_OK, "%s", err);
    cr_expect_eq(cfg.port, 7001);
}

Test(config, tcp_keepalive_defaults_to_redis_value)
{
    cr_expect_eq(cfg.tcp_keepalive, 300);
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_string(&cfg, "tcp-keepalive 0\n", "t", err), SS_OK, "%s", err);
    cr_expect_eq(cfg.tcp_keepalive, 0);
    cr_expect(ss_config_is_mutable("tcp-keepalive"));
}

Test(config, tls_directives_have_redis_names_and_defaults)
{
    cr_expect_eq(cfg.tls_port, 0);
    cr_expect_eq(cfg.tls_auth_clients, SS_TLS_AUTH_YES);
    cr_expect_eq(cfg.tls_session_caching, 1);
    cr_expect_eq(cfg.tls_prefer_server_ciphers, 0);
    cr_expect_eq(cfg.tls_session_cache_size, 20480);
    cr_expect_eq(cfg.tls_session_cache_timeout, 300);
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_string(&cfg,
                                       "tls-port 6380\ntls-cert-file /c.crt\ntls-key-file /c.key\n"
                                       "tls-key-file-pass pw\ntls-auth-clients optional\n"
                                       "tls-protocols \"TLSv1.2 TLSv1.3\"\ntls-prefer-server-ciphers yes\n"
                                       "tls-session-caching no\n",
                                       "t", err),
                 SS_OK, "%s", err);
    cr_expect_eq(cfg.tls_port, 6380);
    cr_expect_str_eq(cfg.tls_cert_file, "/c.crt");
    cr_expect_eq(cfg.tls_auth_clients, SS_TLS_AUTH_OPTIONAL);
    cr_expect_str_eq(cfg.tls_protocols, "TLSv1.2 TLSv1.3");
    cr_expect_eq(cfg.tls_prefer_server_ciphers, 1);
    cr_expect_eq(cfg.tls_session_caching, 0);
    char got[256];
    ss_config_get(&cfg, "tls-key-file-pass", get_one, got);
    cr_expect_str_eq(got, "******", "the pass phrase is never shown");
    ss_config_get(&cfg, "tls-auth-clients", get_one, got);
    cr_expect_str_eq(got, "optional");

    char *bad[] = {"maybe"};
    cr_expect_eq(ss_config_set(&cfg, "tls-auth-clients", 1, bad, err), SS_ECONFIG);
    cr_expect(strstr(err, "argument must be one of: no, yes, optional") != NULL, "%s", err);
    /* Certificates and settings reload at run time; the ports and what runs
     * over TLS are fixed at start. */
    cr_expect(ss_config_is_mutable("tls-cert-file"));
    cr_expect(ss_config_is_mutable("tls-ca-cert-file"));
    cr_expect(ss_config_is_mutable("tls-client-key-file"));
    cr_expect_not(ss_config_is_mutable("tls-port"));
    cr_expect_not(ss_config_is_mutable("tls-cluster"));
}

Test(config, tls_cluster_directives_and_the_client_certificate)
{
    cr_expect_eq(cfg.tls_cluster, 0);
    cr_expect_eq(cfg.tls_replication, 0);
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_string(&cfg,
                                       "tls-replication yes\ntls-client-cert-file /n.crt\n"
                                       "tls-client-key-file /n.key\ntls-client-key-file-pass pw\n",
                                       "t", err),
                 SS_OK, "%s", err);
    cr_expect_str_eq(cfg.tls_client_cert_file, "/n.crt");
    char got[256];
    ss_config_get(&cfg, "tls-client-key-file-pass", get_one, got);
    cr_expect_str_eq(got, "******", "the pass phrase is never shown");
    cr_expect_eq(ss_config_validate(&cfg, err), SS_ECONFIG, "replication runs over the raft port");
    cr_expect(strstr(err, "tls-replication yes needs tls-cluster yes") != NULL, "%s", err);
    cr_assert_eq(ss_config_load_string(&cfg, "tls-cluster yes\n", "t", err), SS_OK, "%s", err);
    cr_expect_eq(cfg.tls_cluster, 1);
    cr_expect_eq(ss_config_validate(&cfg, err), SS_OK, "%s", err);
}

Test(config, port_zero_needs_a_tls_port)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_string(&cfg, "port 0\n", "t", err), SS_OK, "%s", err);
    cr_expect_eq(ss_config_validate(&cfg, err), SS_ECONFIG);
    cr_expect_str_eq(err, "Configured to not listen anywhere, exiting.");
    cr_assert_eq(ss_config_load_string(&cfg, "tls-port 6380\n", "t", err), SS_OK, "%s", err);
    cr_expect_eq(ss_config_validate(&cfg, err), SS_OK, "%s", err);
}

Test(config, protected_mode_is_on_by_default_and_can_be_set_at_run_time)
{
    cr_expect_eq(cfg.protected_mode, 1);
    cr_expect(ss_config_is_mutable("protected-mode"));
    char *no[] = {"no"};
    cr_assert_eq(ss_config_set(&cfg, "protected-mode", 1, no, NULL), SS_OK);
    cr_expect_eq(cfg.protected_mode, 0);
}

Test(strutil, glob_matching_follows_redis)
{
#define M(p, s) ss_stringmatch(p, strlen(p), s, strlen(s), false)
    cr_expect(M("*", "anything"));
    cr_expect(M("h?llo", "hello"));
    cr_expect(M("h*llo", "heeeello"));
    cr_expect(M("h[ae]llo", "hallo"));
    cr_expect(!M("h[ae]llo", "hillo"));
    cr_expect(M("h[^e]llo", "hallo"));
    cr_expect(!M("h[^e]llo", "hello"));
    cr_expect(M("h[a-b]llo", "hbllo"));
    cr_expect(M("h\\*llo", "h*llo"));
    cr_expect(!M("h\\*llo", "hello"));
    cr_expect(!M("abc", "ab"));
    cr_expect(M("a*", "a"));
    cr_expect(ss_stringmatch("PORT", 4, "port", 4, true));
#undef M
}

Test(strutil, hostile_glob_finishes)
{
    char pattern[200], subject[200];
    for (int i = 0; i < 198; i += 2) { pattern[i] = 'a'; pattern[i + 1] = '*'; }
    pattern[198] = 'b'; pattern[199] = '\0';
    memset(subject, 'a', 199); subject[199] = '\0';
    cr_expect(!ss_stringmatch(pattern, strlen(pattern), subject, strlen(subject), false));
}

Test(strutil, splitargs_handles_quotes_and_escapes)
{
    int argc;
    char **argv = ss_splitargs("set \"a b\" 'c\\'d' \"\\x41\\n\" plain", &argc);
    cr_assert_not_null(argv);
    cr_assert_eq(argc, 5);
    cr_expect_str_eq(argv[1], "a b");
    cr_expect_str_eq(argv[2], "c'd");
    cr_expect_str_eq(argv[3], "A\n");
    cr_expect_str_eq(argv[4], "plain");
    ss_split_free(argv, argc);

    cr_expect_null(ss_splitargs("set \"open", &argc));
    cr_expect_null(ss_splitargs("set \"a\"b", &argc));
    argv = ss_splitargs("   ", &argc);
    cr_assert_not_null(argv);
    cr_expect_eq(argc, 0);
    ss_split_free(argv, argc);
}

/* The splitter RESP's inline commands use too (issue 11, item 9): it reads
 * lengths, not C strings, so a NUL is an ordinary byte. */
typedef struct split_seen {
    char toks[4][16];
    size_t lens[4], rests[4];
    int n, stop_at;
} split_seen;

static int collect_tokens(void *arg, const char *tok, size_t toklen, size_t rest)
{
    split_seen *s = arg;
    if (s->n == s->stop_at)
        return 42;
    cr_assert_lt(s->n, 4);
    cr_assert_lt(toklen, sizeof s->toks[0]);
    cr_expect_eq(tok[toklen], '\0');
    memcpy(s->toks[s->n], tok, toklen);
    s->lens[s->n] = toklen;
    s->rests[s->n] = rest;
    s->n++;
    return 0;
}

Test(strutil, split_line_is_binary_safe_and_reports_what_follows)
{
    const char line[] = "a\0b \"x\\x00y\" 'q'";
    split_seen s = {.stop_at = -1};
    cr_assert_eq(ss_split_line(line, sizeof line - 1, collect_tokens, &s), 0);
    cr_assert_eq(s.n, 3);
    cr_expect_eq(s.lens[0], 3);
    cr_expect(memcmp(s.toks[0], "a\0b", 3) == 0);
    cr_expect_eq(s.lens[1], 3);
    cr_expect(memcmp(s.toks[1], "x\0y", 3) == 0);
    cr_expect_str_eq(s.toks[2], "q");
    cr_expect_eq(s.rests[2], 0);
    cr_expect_eq(s.rests[0], sizeof line - 1 - 4, "past the token and the blank that ended it");
}

Test(strutil, split_line_stops_at_unbalanced_quotes_and_at_emit_errors)
{
    split_seen s = {.stop_at = -1};
    cr_expect_eq(ss_split_line("a \"b", 4, collect_tokens, &s), SS_SPLIT_QUOTES);
    cr_expect_eq(ss_split_line("a 'b'c", 6, collect_tokens, &s), SS_SPLIT_QUOTES);
    split_seen t = {.stop_at = 1};
    cr_expect_eq(ss_split_line("a b c", 5, collect_tokens, &t), 42);
    cr_expect_eq(t.n, 1);
}

Test(config, notify_keyspace_events_read_and_print_as_redis_7_0_does)
{
    char got[256];
    cr_expect_eq(cfg.notify_keyspace_events, 0, "off by default, as in Redis");
    ss_config_get(&cfg, "notify-keyspace-events", get_one, got);
    cr_expect_str_eq(got, "");
    /* CONFIG GET spellings, each checked against redis-server 7.0.15. */
    static const struct {
        const char *set, *get;
    } cases[] = {
        {"KEA", "AKE"}, {"Kx", "xK"}, {"x", "x"}, {"KEAnmte", "AKEm"}, {"Elg$", "g$lE"},
        {"Kn", "nK"}, {"KEg$lshzxetdnm", "AKEm"}, {"", ""}, {"mE", "Em"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {(char *)cases[i].set};
        cr_assert_eq(ss_config_set(&cfg, "notify-keyspace-events", 1, argv, NULL), SS_OK, "%s", cases[i].set);
        ss_config_get(&cfg, "notify-keyspace-events", get_one, got);
        cr_expect_str_eq(got, cases[i].get, "set %s", cases[i].set);
    }
    cr_expect_eq(ss_config_notify_parse("KEA"), SS_CONFIG_NOTIFY_KEYSPACE | SS_CONFIG_NOTIFY_KEYEVENT |
                                                    SS_CONFIG_NOTIFY_ALL);
    cr_expect_eq(ss_config_notify_parse("A") & (SS_CONFIG_NOTIFY_NEW | SS_CONFIG_NOTIFY_KEY_MISS), 0,
                 "'A' does not include n or m");
}

Test(config, notify_keyspace_events_refuses_unknown_classes_in_redis_words)
{
    char *argv[] = {"KEQ"};
    ss_errmsg err = "";
    cr_assert_eq(ss_config_set(&cfg, "notify-keyspace-events", 1, argv, err), SS_ECONFIG);
    cr_expect_str_eq(err, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    cr_expect_eq(cfg.notify_keyspace_events, 0, "unchanged");
    cr_expect(ss_config_is_mutable("notify-keyspace-events"));
}

/* ------------------------------------------------------------ CONFIG REWRITE */

static char *rewrite(const char *old)
{
    ss_config_lines *l = ss_config_rewrite_lines(&cfg);
    cr_assert_not_null(l);
    size_t len = 0;
    char *out = ss_config_rewrite_merge(l, old, strlen(old), &len);
    ss_config_lines_free(l);
    cr_assert_not_null(out);
    cr_expect_eq(strlen(out), len);
    return out;
}

static void set1(const char *name, const char *value)
{
    char *argv[] = {(char *)value};
    cr_assert_eq(ss_config_set(&cfg, name, 1, argv, NULL), SS_OK, "%s %s", name, value);
}

Test(config, rewrite_replaces_in_place_keeps_comments_and_appends_what_the_file_lacks)
{
    const char *old = "# my server\n"
                      "port 7000\n"
                      "\n"
                      "maxclients 50\n"
                      "  # indented comment \"unbalanced\n"
                      "maxclients 60\n"
                      "save 900 1\n"
                      "lua-time-limit 100\n";
    cr_assert_eq(ss_config_load_string(&cfg, old, "test", NULL), SS_OK);
    set1("maxclients", "77");
    set1("slowlog-log-slower-than", "5");
    set1("notify-keyspace-events", "KEA");
    char *out = rewrite(old);
    const char *want = "# my server\n"
                       "port 7000\n"
                       "\n"
                       "maxclients 77\n"
                       "  # indented comment \"unbalanced\n"
                       "save 900 1\n"
                       "busy-reply-threshold 100\n"
                       "# Generated by CONFIG REWRITE\n"
                       "slowlog-log-slower-than 5\n"
                       "notify-keyspace-events AKE\n";
    cr_expect_str_eq(out, want);
    /* the result reads back to the same values */
    ss_config again;
    ss_config_init(&again);
    cr_assert_eq(ss_config_load_string(&again, out, "rewritten", NULL), SS_OK);
    char a[256], b[256];
    static const char *const names[] = {"port", "maxclients", "slowlog-log-slower-than", "notify-keyspace-events",
                                        "busy-reply-threshold", "client-output-buffer-limit"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        cr_assert(ss_config_value(&cfg, names[i], a, sizeof a));
        cr_assert(ss_config_value(&again, names[i], b, sizeof b));
        cr_expect_str_eq(b, a, "%s", names[i]);
    }
    ss_config_release(&again);
    /* a second rewrite changes nothing and signs once */
    char *twice = rewrite(out);
    cr_expect_str_eq(twice, out);
    free(twice);
    free(out);
}

Test(config, rewrite_keeps_a_default_the_file_names_and_adds_none_it_does_not)
{
    const char *old = "maxclients 10000\n";
    cr_assert_eq(ss_config_load_string(&cfg, old, "test", NULL), SS_OK);
    char *out = rewrite(old);
    cr_expect_str_eq(out, "maxclients 10000\n");
    free(out);
    /* a value set back to its default keeps its line, as in Redis */
    set1("maxclients", "5");
    out = rewrite("");
    cr_expect_str_eq(out, "# Generated by CONFIG REWRITE\nmaxclients 5\n");
    free(out);
}

Test(config, rewrite_quotes_values_that_need_it)
{
    set1("cluster-id", "a b\"c");
    set1("notify-keyspace-events", "");
    char *out = rewrite("notify-keyspace-events Ex\n");
    cr_expect_str_eq(out, "notify-keyspace-events \"\"\n# Generated by CONFIG REWRITE\ncluster-id \"a b\\\"c\"\n");
    ss_config again;
    ss_config_init(&again);
    cr_assert_eq(ss_config_load_string(&again, out, "rewritten", NULL), SS_OK);
    cr_expect_str_eq(again.cluster_id, "a b\"c");
    ss_config_release(&again);
    free(out);
}

Test(config, rewrite_file_replaces_the_file_durably)
{
    char dir[] = "/tmp/ss_rewrite_XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/sandstore.conf", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("# kept\nmaxclients 3\n", f);
    fclose(f);
    set1("maxclients", "4");
    ss_config_lines *l = ss_config_rewrite_lines(&cfg);
    cr_assert_eq(ss_config_rewrite_file(l, path, NULL), SS_OK);
    ss_config_lines_free(l);
    char text[256] = "";
    f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    cr_expect_str_eq(text, "# kept\nmaxclients 4\n");
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    cr_expect_neq(access(tmp, F_OK), 0, "no temporary file left");
    unlink(path);
    rmdir(dir);
}

/* sandstore: wires configuration, store, engine, cluster and server onto one libuv loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "cluster/cluster.h"
#include "engine/engine.h"
#include "common/config.h"
#include "common/log.h"
#include "server/server.h"
#include "store/store.h"

typedef struct node {
    uv_loop_t *loop;
    ss_config cfg;
    ss_store *store;
    ss_engine *engine;
    ss_server *server;
    ss_cluster *cluster;
    uv_signal_t sigint, sigterm;
    uv_timer_t handoff;         /* polls for the end of the leadership handoff before a stop */
    int64_t handoff_deadline;
    int64_t handed_at;          /* when another leader was known, 0 not yet */
    bool handing_off;
    bool stopping;
    int exit_code;
    const char *config_file;    /* the first argument when it is not a --directive */
} node;

static void usage(void)
{
    fprintf(stderr,
            "Usage: sandstore [/path/to/sandstore.conf] [--directive value ...]\n"
            "       sandstore --version\n"
            "       sandstore --help\n\n"
            "Examples:\n"
            "       sandstore conf/node1.conf\n"
            "       sandstore --port 6380 --dir /tmp/s1 --node-id 1 --raft-port 7380\n");
}

static void on_cluster_closed(void *arg)
{
    node *n = arg;
    ss_server_free(n->server);
    n->server = NULL;
    ss_engine_free(n->engine);
    n->engine = NULL;
    uv_close((uv_handle_t *)&n->sigint, NULL);
    uv_close((uv_handle_t *)&n->sigterm, NULL);
    uv_close((uv_handle_t *)&n->handoff, NULL);
}

static void on_server_closed(void *arg)
{
    node *n = arg;
    /* The cluster closes after the server: it fails the reads still waiting
     * on it, then flushes its log. */
    ss_cluster_close(n->cluster, on_cluster_closed, n);
}

static void stop_now(node *n)
{
    if (n->stopping)
        return;
    n->stopping = true;
    uv_timer_stop(&n->handoff);
    LOG_NOTICE("server: shutting down");
    ss_server_close(n->server, on_server_closed, n);
}

/* Done once another node leads, this one has passed on the proposals that
 * waited for it, and followers had two heartbeats to hear of the new leader
 * (so that none hands a write to this node as it goes). */
static void on_handoff_poll(uv_timer_t *t)
{
    node *n = t->data;
    uint64_t leader = ss_cluster_leader_id(n->cluster);
    bool handed = !ss_cluster_is_leader(n->cluster) && leader != 0 && leader != n->cfg.node_id &&
                  ss_cluster_waiting(n->cluster) == 0;
    if (handed && n->handed_at == 0) {
        n->handed_at = (int64_t)uv_now(n->loop);
        LOG_NOTICE("server: leadership handed over to node %llu", (unsigned long long)leader);
    }
    if (handed && (int64_t)uv_now(n->loop) >= n->handed_at + 2 * n->cfg.heartbeat_interval) {
        stop_now(n);
    } else if (!handed && !ss_cluster_voter_reachable(n->cluster)) {
        /* Every other voter is gone (the whole cluster is stopping): nobody
         * can take over or hear of a new leader, so waiting for the deadline
         * (seconds) would change nothing. */
        LOG_NOTICE("server: no other voter is reachable; stopping without a handoff");
        stop_now(n);
    } else if (!ss_cluster_is_leader(n->cluster)) {
        if ((int64_t)uv_now(n->loop) >= n->handoff_deadline)
            stop_now(n);
    } else if ((int64_t)uv_now(n->loop) >= n->handoff_deadline) {
        LOG_WARNING("server: leadership was not handed over in time; stopping as leader");
        stop_now(n);
    } else {
        ss_cluster_handoff(n->cluster); /* again if the first transfer gave up */
    }
}

/*
 * A leader first hands leadership to the follower furthest along (thesis
 * §3.10), so that writes in flight commit under the next leader and new ones
 * wait for it (proxied from here meanwhile) instead of failing with the
 * connection: a rolling restart costs no failed write. The wait is bounded
 * (two election timeouts, a transfer gives up after one, plus a second).
 */
static void stop(void *arg)
{
    node *n = arg;
    if (n->stopping || n->handing_off)
        return;
    uint64_t target = n->cluster ? ss_cluster_handoff(n->cluster) : 0;
    if (target == 0) {
        stop_now(n);
        return;
    }
    n->handing_off = true;
    LOG_NOTICE("server: handing leadership to node %llu before shutting down",
               (unsigned long long)target);
    n->handoff_deadline = (int64_t)uv_now(n->loop) + 2 * n->cfg.election_timeout + 1000;
    uv_timer_start(&n->handoff, on_handoff_poll, 10, 10);
}

static void on_signal(uv_signal_t *h, int signum)
{
    node *n = h->data;
    LOG_NOTICE("server: received %s, scheduling shutdown", signum == SIGINT ? "SIGINT" : "SIGTERM");
    if (n->handing_off)
        stop_now(n); /* a second signal does not wait for the handoff */
    else
        stop(n);
}

static int make_dir(const char *dir, char *errmsg)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return ss_errf(errmsg, SS_EIO, "can't create dir '%s': %s", dir, strerror(errno));
    return SS_OK;
}

static int start(node *n, char *errmsg)
{
    int rc = make_dir(n->cfg.dir, errmsg);
    if (rc != SS_OK)
        return rc;
    /* The store holds the applied state; the engine runs commands over it and
     * is the cluster's state machine; the server is the engine's connections. */
    ss_store_options so;
    ss_store_options_init(&so);
    so.record_cache_bytes =
        n->cfg.keyspace_cache_size ? (size_t)n->cfg.keyspace_cache_size : SS_STORE_CACHE_OFF;
    if ((rc = ss_store_open(n->cfg.dir, &so, &n->store, errmsg)) != SS_OK)
        return ss_errwrap(errmsg, rc, "open store in '%s'", n->cfg.dir);
    if ((rc = ss_engine_new(n->loop, &n->cfg, n->store, &n->engine, errmsg)) != SS_OK)
        return rc;
    ss_engine_on_shutdown(n->engine, stop, n);
    ss_state_machine sm = ss_engine_state_machine(n->engine);
    ss_cluster_events events = ss_engine_cluster_events(n->engine);
    if ((rc = ss_cluster_new(n->loop, &n->cfg, &sm, &events, &n->cluster, errmsg)) != SS_OK)
        return rc;
    ss_engine_attach_cluster(n->engine, n->cluster);
    if ((rc = ss_server_new(n->loop, &n->cfg, n->engine, &n->server, errmsg)) != SS_OK)
        return rc;
    ss_server_set_config_file(n->server, n->config_file);
    ss_engine_set_config_file(n->engine, n->config_file);
    if ((rc = ss_cluster_start(n->cluster, errmsg)) != SS_OK)
        return rc;
    ss_engine_start(n->engine);
    return ss_server_listen(n->server, errmsg);
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
        printf("sandstore v=0.1.0 (redis protocol 7.0 compatible)\n");
        return 0;
    }
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage();
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);

    static node n;
    /* INFO's config_file (the loader reads it as the first argument). */
    n.config_file = argc > 1 && strncmp(argv[1], "--", 2) ? argv[1] : NULL;
    ss_config_init(&n.cfg);
    ss_errmsg err = "";
    if (ss_config_load_args(&n.cfg, argc, argv, err) != SS_OK ||
        ss_config_validate(&n.cfg, err) != SS_OK) {
        fprintf(stderr, "sandstore: %s\n", err);
        usage();
        ss_config_release(&n.cfg);
        return 1;
    }
    ss_log_set_level((ss_log_level)n.cfg.loglevel);
    char node_tag[32];
    snprintf(node_tag, sizeof node_tag, "%llu", (unsigned long long)n.cfg.node_id);
    ss_log_set_node(node_tag);
    if (n.cfg.logfile[0] && ss_log_set_file(n.cfg.logfile) != 0) {
        fprintf(stderr, "sandstore: can't open logfile '%s': %s\n", n.cfg.logfile, strerror(errno));
        return 1;
    }

    n.loop = uv_default_loop();
    uv_timer_init(n.loop, &n.handoff);
    n.handoff.data = &n;
    uv_signal_init(n.loop, &n.sigint);
    uv_signal_init(n.loop, &n.sigterm);
    n.sigint.data = n.sigterm.data = &n;
    uv_signal_start(&n.sigint, on_signal, SIGINT);
    uv_signal_start(&n.sigterm, on_signal, SIGTERM);

    LOG_NOTICE("server: sandstore 0.1.0 starting: node %llu, client port %d, raft port %d, dir '%s'",
               (unsigned long long)n.cfg.node_id, n.cfg.port, n.cfg.raft_port, n.cfg.dir);
    if (start(&n, err) != SS_OK) {
        LOG_WARNING("server: can't start: %s", err);
        fprintf(stderr, "sandstore: can't start: %s\n", err);
        n.exit_code = 1;
        if (n.server && n.cluster)
            stop_now(&n);
        else {
            ss_engine_free(n.engine);
            uv_close((uv_handle_t *)&n.sigint, NULL);
            uv_close((uv_handle_t *)&n.sigterm, NULL);
            uv_close((uv_handle_t *)&n.handoff, NULL);
        }
    }
    if (n.cfg.pidfile[0]) {
        FILE *f = fopen(n.cfg.pidfile, "w");
        if (f) {
            fprintf(f, "%d\n", (int)getpid());
            fclose(f);
        }
    }
    uv_run(n.loop, UV_RUN_DEFAULT);
    uv_walk(n.loop, NULL, NULL);
    uv_loop_close(n.loop);
    ss_store_close(n.store);
    if (n.cfg.pidfile[0])
        unlink(n.cfg.pidfile);
    LOG_NOTICE("server: sandstore stopped%s", n.exit_code ? " after a start-up error" : "; bye");
    ss_config_release(&n.cfg);
    return n.exit_code;
}

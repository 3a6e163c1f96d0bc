/* A cluster of real sandstore processes whose peer links all pass through the fault proxy. */
#include "fault/fault_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool spawn(h_node *n);

static int link_index(const fc_cluster *c, int from, int to) { return from * c->n + to; }

static bool port_taken(const fc_cluster *c, int upto, int port)
{
    for (int i = 0; i < upto; i++)
        if (c->nodes[i].port == port || c->nodes[i].raft_port == port)
            return true;
    return false;
}

/* h_free_port only checks that a port is free right now: two picks can
 * return the same one, and a cluster must never get a port twice. */
static bool distinct_ports(fc_cluster *c, int i)
{
    h_node *n = &c->nodes[i];
    for (int tries = 0; tries < 100; tries++) {
        if (n->port > 0 && !port_taken(c, i, n->port))
            break;
        n->port = h_free_port();
    }
    for (int tries = 0; tries < 100; tries++) {
        if (n->raft_port > 0 && n->raft_port != n->port && !port_taken(c, i, n->raft_port))
            return n->port > 0 && !port_taken(c, i, n->port);
        n->raft_port = h_free_port();
    }
    return false;
}

/* The --peers of node i: node ids from 1 to upto, each at its slot's proxy
 * listener (itself included: a configuration names one address per node,
 * the same for everyone, so a node added later is reached the same way). */
static void peers_arg(const fc_cluster *c, int self, bool joining, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int j = 0; j < c->n && used < size; j++) {
        /* Bootstrap voters list each other; a joining node the members as
         * the harness knows them, and itself, so it hears from the leader. */
        if (joining ? c->spare[j] && j != self : j >= c->members)
            continue;
        used += (size_t)snprintf(out + used, size - used, "%s%d@127.0.0.1:%d", used ? "," : "", c->nodes[j].id,
                                 c->listen_port[j]);
    }
}

static void set_extra(fc_cluster *c, int i, bool joining)
{
    char peers[512];
    peers_arg(c, i, joining, peers, sizeof peers);
    /* A small snapshot threshold: every schedule also runs with nodes
     * taking snapshots, compacting and catching up by InstallSnapshot. */
    snprintf(c->nodes[i].extra, sizeof c->nodes[i].extra,
             "--peers %s%s --election-timeout 300 --heartbeat-interval 50 "
             "--leader-wait-timeout 2000 --snapshot-threshold 200 --snapshot-trailing-entries 50 "
             "--raft-segment-size 64kb %s",
             peers, joining ? " --raft-bootstrap no" : "", c->extra);
}

bool fc_init(fc_cluster *c, int n, const char *dir, const char *extra, int lifetime_ms)
{
    return fc_init_spares(c, n, n, dir, extra, lifetime_ms);
}

bool fc_init_spares(fc_cluster *c, int members, int slots, const char *dir, const char *extra, int lifetime_ms)
{
    /* The clients, the proxy and the checks write to nodes the nemesis kills:
     * they must see EPIPE, not die of SIGPIPE (an intermittent test crash). */
    signal(SIGPIPE, SIG_IGN);
    memset(c, 0, sizeof *c);
    if (members < 1 || members > slots || slots > FC_MAX)
        return false;
    c->n = slots;
    c->members = members;
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    snprintf(c->extra, sizeof c->extra, "%s", extra ? extra : "");
    for (int i = 0; i < slots; i++) {
        h_node_init(&c->nodes[i], i + 1, NULL);
        /* Our own layout: the run directory keeps every node's data and log. */
        rmdir(c->nodes[i].dir);
        if (!distinct_ports(c, i))
            return false;
        snprintf(c->nodes[i].dir, sizeof c->nodes[i].dir, "%s/node%d", dir, i + 1);
        if (mkdir(c->nodes[i].dir, 0755) != 0)
            return false;
        c->spare[i] = i >= members;
    }
    int targets[FC_MAX];
    for (int j = 0; j < slots; j++)
        targets[j] = c->nodes[j].raft_port;
    c->proxy = fp_new_routed(targets, slots, lifetime_ms, c->listen_port);
    if (!c->proxy)
        return false;
    for (int i = 0; i < slots; i++)
        set_extra(c, i, i >= members);
    return true;
}

bool fc_start_joining(fc_cluster *c, int i)
{
    if (h_node_alive(&c->nodes[i]))
        return true;
    set_extra(c, i, true);
    c->paused[i] = false;
    return spawn(&c->nodes[i]) && h_node_wait_ready(&c->nodes[i], 20000);
}

bool fc_replace_node(fc_cluster *c, int i, int id)
{
    fc_kill9(c, i);
    /* Set aside, not deleted: its logs are checked and kept with the run's. */
    char retired[600];
    snprintf(retired, sizeof retired, "%s/retired-id%d", c->dir, c->nodes[i].id);
    if (rename(c->nodes[i].dir, retired) != 0 || mkdir(c->nodes[i].dir, 0755) != 0)
        return false;
    c->nodes[i].id = id;
    c->spare[i] = true;
    fp_set_slot_id(c->proxy, i, (uint64_t)id);
    return true;
}

int fc_members(const fc_cluster *c)
{
    int m = 0;
    for (int i = 0; i < c->n; i++)
        m += !c->spare[i];
    return m;
}

void fc_release(fc_cluster *c)
{
    for (int i = 0; i < c->n; i++) {
        if (c->paused[i])
            fc_resume(c, i);
        if (c->nodes[i].pid > 0)
            h_node_kill9(&c->nodes[i]);
    }
    fp_free(c->proxy);
    c->proxy = NULL;
}

/* Like h_node_spawn, but the node dies with the test process (a test killed
 * on timeout must not leave a cluster running). */
static bool spawn(h_node *n)
{
    char cmd[4096], errlog[512];
    snprintf(cmd, sizeof cmd,
             "exec %s --port %d --raft-port %d --dir %s --node-id %d --loglevel verbose "
             "--logfile %s/sandstore.log %s",
             h_binary(), n->port, n->raft_port, n->dir, n->id, n->dir, n->extra);
    snprintf(errlog, sizeof errlog, "%s/stderr.log", n->dir);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int devnull = open("/dev/null", O_RDWR);
        int err = open(errlog, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(devnull, 0);
        dup2(err >= 0 ? err : devnull, 1);
        dup2(err >= 0 ? err : devnull, 2);
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    n->pid = pid;
    return true;
}

bool fc_start_all(fc_cluster *c)
{
    for (int i = 0; i < c->n; i++)
        if (!c->spare[i] && !spawn(&c->nodes[i]))
            return false;
    for (int i = 0; i < c->n; i++)
        if (!c->spare[i] && !h_node_wait_ready(&c->nodes[i], 20000))
            return false;
    return true;
}

bool fc_restart(fc_cluster *c, int i)
{
    if (h_node_alive(&c->nodes[i]))
        return true;
    c->paused[i] = false;
    return spawn(&c->nodes[i]) && h_node_wait_ready(&c->nodes[i], 20000);
}

void fc_kill9(fc_cluster *c, int i)
{
    /* SIGKILL ends a stopped process too. */
    h_node_kill9(&c->nodes[i]);
    c->paused[i] = false;
}

void fc_stop(fc_cluster *c, int i)
{
    if (c->paused[i])
        fc_resume(c, i);
    h_node_stop(&c->nodes[i], SIGTERM);
}

void fc_pause(fc_cluster *c, int i)
{
    if (c->nodes[i].pid > 0 && !c->paused[i]) {
        kill(c->nodes[i].pid, SIGSTOP);
        c->paused[i] = true;
    }
}

void fc_resume(fc_cluster *c, int i)
{
    if (c->nodes[i].pid > 0 && c->paused[i])
        kill(c->nodes[i].pid, SIGCONT);
    c->paused[i] = false;
}

bool fc_up(fc_cluster *c, int i) { return !c->paused[i] && h_node_alive(&c->nodes[i]); }

bool fc_revive_all(fc_cluster *c)
{
    bool ok = true;
    for (int i = 0; i < c->n; i++) {
        if (c->paused[i])
            fc_resume(c, i);
        if (!c->spare[i] && !h_node_alive(&c->nodes[i]) && !fc_restart(c, i))
            ok = false;
    }
    return ok;
}

static long long parse_value(const char *val)
{
    if (strncmp(val, "leader", 6) == 0)
        return 1;
    if (strncmp(val, "follower", 8) == 0 || strncmp(val, "candidate", 9) == 0)
        return 0;
    return strtoll(val, NULL, 10);
}

/* Reads nf INFO raft fields of node i in one round trip (roles read as
 * 1 leader, 0 otherwise); false when the node does not answer quickly. */
static bool info_get(fc_cluster *c, int i, const char *const *fields, int nf, long long *out)
{
    for (int f = 0; f < nf; f++)
        out[f] = -1;
    if (!fc_up(c, i))
        return false;
    struct timeval tv = {0, 500 * 1000};
    redisContext *ctx = redisConnectWithTimeout("127.0.0.1", c->nodes[i].port, tv);
    if (!ctx || ctx->err) {
        if (ctx)
            redisFree(ctx);
        return false;
    }
    redisSetTimeout(ctx, (struct timeval){1, 0});
    redisReply *r = redisCommand(ctx, "INFO raft");
    bool ok = r && r->type == REDIS_REPLY_STRING;
    for (const char *p = ok ? r->str : NULL; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        for (int f = 0; f < nf; f++) {
            size_t flen = strlen(fields[f]);
            if (strncmp(p, fields[f], flen) == 0 && p[flen] == ':')
                out[f] = parse_value(p + flen + 1);
        }
    }
    if (r)
        freeReplyObject(r);
    redisFree(ctx);
    return ok;
}

long long fc_info_int(fc_cluster *c, int i, const char *field)
{
    long long v;
    info_get(c, i, &field, 1, &v);
    return v;
}

int fc_leader(fc_cluster *c, int timeout_ms)
{
    static const char *const fields[] = {"raft_role", "raft_current_term", "raft_leader_id"};
    long long deadline = h_now_ms() + timeout_ms;
    do {
        long long v[FC_MAX][3];
        long long best_term = -1;
        int best = -1;
        for (int i = 0; i < c->n; i++) {
            info_get(c, i, fields, 3, v[i]);
            if (v[i][0] == 1 && v[i][1] > best_term) {
                best_term = v[i][1];
                best = i;
            }
        }
        if (best >= 0) {
            int agree = 0;
            for (int i = 0; i < c->n; i++)
                if (v[i][1] == best_term && v[i][2] == c->nodes[best].id)
                    agree++;
            if (agree * 2 > fc_members(c))
                return best;
        }
        usleep(50 * 1000);
    } while (h_now_ms() < deadline);
    return -1;
}

void fc_block(fc_cluster *c, int from, int to, bool blocked)
{
    if (from != to)
        fp_set_blocked(c->proxy, link_index(c, from, to), blocked);
}

void fc_split(fc_cluster *c, unsigned mask)
{
    for (int i = 0; i < c->n; i++)
        for (int j = 0; j < c->n; j++)
            if (((mask >> i) & 1) != ((mask >> j) & 1))
                fc_block(c, i, j, true);
}

void fc_isolate(fc_cluster *c, int i) { fc_split(c, 1u << i); }

void fc_delay(fc_cluster *c, int from, int to, int delay_ms)
{
    if (from != to)
        fp_set_delay(c->proxy, link_index(c, from, to), delay_ms);
}

void fc_drop_all(fc_cluster *c)
{
    for (int i = 0; i < c->n; i++)
        for (int j = 0; j < c->n; j++)
            if (i != j)
                fp_drop(c->proxy, link_index(c, i, j));
}

void fc_heal(fc_cluster *c) { fp_heal_all(c->proxy); }

const char *fc_name(const fc_cluster *c, int i)
{
    static const char *const names[] = {"n1", "n2", "n3", "n4", "n5"};
    return i >= 0 && i < c->n ? names[i] : "n?";
}

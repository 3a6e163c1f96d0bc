/* One fault run: a cluster, clients, a schedule, then healing and every check. */
#include "fault/fault_run.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fault/checker.h"
#include "fault/fault_check.h"
#include "fault/fault_client.h"
#include "fault/fault_nemesis.h"
#include "fault/fault_workload.h"

#define NKEYS 5
#define NCOUNTERS 2

uint64_t fr_seed(void)
{
    const char *s = getenv("FAULT_SEED");
    if (s && *s)
        return strtoull(s, NULL, 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
}

__attribute__((format(printf, 2, 3))) static void fail(fr_result *out, const char *fmt, ...)
{
    if (out->passed) {
        out->passed = false;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out->why, sizeof out->why, fmt, ap);
        va_end(ap);
    }
}

static void self_path(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
}

/* The checks after healing: final state, counters, convergence, then the
 * linearizability checker over everything. */
static void check_all(fc_cluster *c, const fr_opts *o, history *h, int killed, fr_result *out)
{
    const char *keys[NKEYS + NCOUNTERS] = {"r0", "r1", "r2", "r3", "r4", "n0", "n1"};
    char *final[NKEYS + NCOUNTERS] = {0};
    char why[2048];
    if (!fck_final_reads(c, keys, NKEYS + NCOUNTERS, 30000, h, final, why, sizeof why)) {
        fail(out, "%s", why);
    } else {
        for (int k = 0; k < NKEYS + NCOUNTERS && out->passed; k++) {
            if (!fck_acked_writes(h, keys[k], final[k], why, sizeof why) ||
                (k >= NKEYS && !fck_counter(h, keys[k], final[k], why, sizeof why)))
                fail(out, "%s", why);
        }
    }
    for (int k = 0; k < NKEYS + NCOUNTERS; k++)
        free(final[k]);
    if (killed >= 0 && !fc_restart(c, killed))
        fail(out, "could not restart %s after the final reads", fc_name(c, killed));
    if (!fck_converged(c, 30000, why, sizeof why))
        fail(out, "replicas did not converge: %s", why);

    char path[512];
    ss_errmsg err;
    snprintf(path, sizeof path, "%s/history.txt", out->dir);
    if (history_save(h, path, err) != SS_OK)
        fprintf(stderr, "fault: saving the history: %s\n", err);
    check_opts copts = {.max_states = 2000000, .max_ms = 20000};
    check_result cr;
    if (checker_check(h, &copts, &cr, err) != SS_OK) {
        fail(out, "checker refused the history: %s", err);
        return;
    }
    if (cr.verdict == CHECK_NOT_LINEARIZABLE) {
        fail(out, "not linearizable:\n%s", cr.report);
    } else if (cr.verdict == CHECK_UNKNOWN) {
        out->unproven = true;
        fprintf(stderr, "fault %s seed %llu: checker budget ran out on %zu of %zu keys (nothing proven "
                        "either way)%s\n%s\n",
                o->schedule, (unsigned long long)o->seed, cr.keys_unknown, cr.keys,
                o->strict ? "; FAULT_STRICT makes this a failure" : "", cr.report);
        if (o->strict)
            fail(out, "%s", "checker verdict UNKNOWN under FAULT_STRICT");
    }
    check_result_release(&cr);
}

/* The checks of a workload other than the registers: its own final reads
 * and checks, then convergence; its operations saved beside the events. */
static void check_workload(fc_cluster *c, const fw_workload *w, fw_run *run, int killed, fr_result *out)
{
    char why[2048];
    if (!w->check(run, c, why, sizeof why))
        fail(out, "%s workload: %s", w->name, why);
    if (killed >= 0 && !fc_restart(c, killed))
        fail(out, "could not restart %s after the final reads", fc_name(c, killed));
    if (!fck_converged(c, 30000, why, sizeof why))
        fail(out, "replicas did not converge: %s", why);
    char path[512];
    snprintf(path, sizeof path, "%s/operations.txt", out->dir);
    w->save(run, path);
}

/* Sanitizer builds of sandstore report to each node's stderr.log: the
 * harness's scanner finds and prints each report (in the words CTest also
 * fails a test on, should the assertion be lost). */
static void check_log(const char *dir, fr_result *out)
{
    char path[600];
    snprintf(path, sizeof path, "%s/stderr.log", dir);
    long from = 0;
    if (h_scan_sanitizer_log(path, &from, NULL) > 0) {
        fprintf(stderr, "fault: %s holds a sanitizer report:\n", path);
        from = 0;
        h_scan_sanitizer_log(path, &from, stderr);
        fail(out, "sanitizer report in %s", path);
    }
}

/* Every node's, and those of nodes removed by a membership schedule (their
 * directories set aside as retired-idN, fc_replace_node). */
static void check_node_logs(const fc_cluster *c, fr_result *out)
{
    for (int i = 0; i < c->n; i++)
        check_log(c->nodes[i].dir, out);
    DIR *d = opendir(c->dir);
    for (struct dirent *e = d ? readdir(d) : NULL; e; e = readdir(d)) {
        if (strncmp(e->d_name, "retired-", 8) == 0) {
            char dir[600];
            snprintf(dir, sizeof dir, "%s/%s", c->dir, e->d_name);
            check_log(dir, out);
        }
    }
    if (d)
        closedir(d);
}

/* Clients and faults, healing, then every check; the cluster is running. */
static void faults_and_checks(fc_cluster *c, const fr_opts *o, const fn_schedule *s, fn_ctx *nm, history *h,
                              fr_result *out)
{
    fcl_opts co = {.nclients = o->nclients, .nkeys = NKEYS, .ncounters = NCOUNTERS, .nports = c->n,
                   .seed = o->seed, .timeout_ms = 3000, .max_pause_ms = 3, .scripts = o->scripts};
    for (int i = 0; i < c->n; i++)
        co.ports[i] = c->nodes[i].port;
    const fw_workload *w = o->workload ? fw_find(o->workload) : NULL;
    fw_run *wrun = NULL;
    fcl_run *clients = NULL;
    if (w) {
        fw_opts wo = {.nclients = o->nclients, .nports = c->n, .seed = o->seed, .timeout_ms = 5000};
        memcpy(wo.ports, co.ports, sizeof wo.ports);
        if (!(wrun = w->start(c, &wo))) {
            fail(out, "%s workload: the setup through the leader did not succeed", w->name);
            return;
        }
    } else {
        clients = fcl_start(&co);
    }
    nm->deadline_ms = h_now_ms() + o->fault_ms;
    s->run(nm);
    fn_event(nm, "end of faults: heal network, revive every node");
    fc_heal(c);
    if (!fc_revive_all(c))
        nm->harness_error = true;
    if (fc_leader(c, 20000) < 0)
        fail(out, "%s", "no leader within 20 s of healing everything");
    usleep(1000 * 1000); /* the clients run a while on the healed cluster */
    fcl_stats st = {0};
    if (w) {
        fw_stats ws;
        w->stop(wrun, &ws);
        st.ok = ws.ok, st.failed = ws.failed, st.unknown = ws.unknown;
    } else {
        fcl_stop(clients, h, &st);
    }
    fn_event(nm, "clients stopped: ok=%llu failed=%llu unknown=%llu", (unsigned long long)st.ok,
             (unsigned long long)st.failed, (unsigned long long)st.unknown);
    if (nm->failure[0])
        fail(out, "%s (events.log)", nm->failure);
    if (nm->harness_error)
        fail(out, "%s", "the harness could not restart a node (see events.log and node logs)");
    if (st.harness_errors)
        fail(out, "%s", "the history refused some client operations (see stderr)");
    if (st.ok == 0)
        fail(out, "%s", "no operation succeeded during the whole run");
    /* A last leader change with no client writes at all: the new leader
     * must commit what earlier terms left and serve reads on its own
     * (the final reads go through it), which only its no-op entry allows. */
    int killed = fc_leader(c, 5000);
    if (killed >= 0) {
        fn_event(nm, "clients stopped: kill -9 the leader %s before the final reads", fc_name(c, killed));
        fc_kill9(c, killed);
    }
    if (w) {
        check_workload(c, w, wrun, killed, out);
        out->ops = (size_t)(st.ok + st.failed + st.unknown);
        w->free(wrun);
    } else {
        check_all(c, o, h, killed, out);
        out->ops = h->len;
    }
    check_node_logs(c, out);
    out->faults = nm->faults;
    fprintf(stderr, "fault %s seed=%llu nodes=%d%s: %d faults, %zu ops (ok %llu, failed %llu, unknown %llu): %s\n",
            s->name, (unsigned long long)o->seed, c->members, c->n > c->members ? " (+ spare slots)" : "", nm->faults, out->ops, (unsigned long long)st.ok,
            (unsigned long long)st.failed, (unsigned long long)st.unknown,
            out->passed ? (out->unproven ? "PASSED (linearizability unproven)" : "PASSED") : "FAILED");
}

/* A port found free can be taken by another process before the node binds
 * it ("address already in use"): start again with fresh ports. */
static bool start_cluster(fc_cluster *c, int nodes, int slots, const fr_opts *o, fn_ctx *nm)
{
    for (int attempt = 1; attempt <= 3; attempt++) {
        if (fc_init_spares(c, nodes, slots, nm->dir, NULL, o->fault_ms + 180000) && fc_start_all(c) &&
            fc_leader(c, 20000) >= 0)
            return true;
        fn_event(nm, "cluster start, attempt %d: failed (see nodeN/stderr.log)", attempt);
        fc_release(c);
        if (attempt < 3) {
            char cmd[600];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'/node*", nm->dir);
            if (system(cmd) != 0)
                return false;
        }
    }
    return false;
}

void fr_run(const fr_opts *o, fr_result *out)
{
    memset(out, 0, sizeof *out);
    out->passed = true;
    const fn_schedule *s = fn_find(o->schedule);
    if (!s) {
        fail(out, "no schedule named %s", o->schedule);
        return;
    }
    int nodes = o->nodes > 0 ? o->nodes : s->nodes;
    snprintf(out->dir, sizeof out->dir, "/tmp/ss-fault-%s-%llu-XXXXXX", s->name, (unsigned long long)o->seed);
    if (!mkdtemp(out->dir)) {
        fail(out, "%s", "mkdtemp failed");
        return;
    }
    fc_cluster c;
    history h;
    history_init(&h);
    char path[512];
    snprintf(path, sizeof path, "%s/events.log", out->dir);
    fn_ctx nm = {.c = &c, .rng = o->seed ^ 0x6e656d65736973ULL, .events = fopen(path, "w"), .dir = out->dir};
    fn_event(&nm, "run schedule=%s nodes=%d seed=%llu fault_ms=%d", s->name, nodes,
             (unsigned long long)o->seed, o->fault_ms);

    int slots = nodes + s->spares < FC_MAX ? nodes + s->spares : FC_MAX;
    if (!start_cluster(&c, nodes, slots > nodes ? slots : nodes, o, &nm))
        fail(out, "%s", "the cluster did not start or elect a leader (three tries)");
    else
        faults_and_checks(&c, o, s, &nm, &h, out);
    fc_release(&c);
    history_release(&h);
    if (nm.events)
        fclose(nm.events);
    if (out->passed && !out->unproven && !getenv("FAULT_KEEP")) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", out->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fault: could not remove %s\n", out->dir);
        return;
    }
    char self[512];
    self_path(self, sizeof self);
    const char *verdict = !out->passed ? out->why : out->unproven ? "passed, linearizability unproven"
                                                                  : "passed (FAULT_KEEP)";
    if (o->workload) {
        fprintf(stderr,
                "fault %s: %s\n  kept in %s (operations.txt, events.log, nodeN/sandstore.log, nodeN/ data)\n"
                "  replay: FAULT_WORKLOAD=%s FAULT_SCHEDULE=%s FAULT_SEED=%llu FAULT_NODES=%d FAULT_MS=%d "
                "FAULT_CLIENTS=%d %s --filter 'fault_work/replay'\n",
                s->name, verdict, out->dir, o->workload, s->name, (unsigned long long)o->seed, nodes, o->fault_ms,
                o->nclients, self);
        return;
    }
    fprintf(stderr,
            "fault %s: %s\n  kept in %s (history.txt, events.log, nodeN/sandstore.log, nodeN/ data)\n"
            "  check again: check_history %s/history.txt\n"
            "  replay: FAULT_SEED=%llu FAULT_NODES=%d FAULT_MS=%d FAULT_CLIENTS=%d %s --filter 'fault/%s'\n",
            s->name, verdict, out->dir, out->dir, (unsigned long long)o->seed, nodes, o->fault_ms, o->nclients, self,
            s->name);
}

/* The membership schedule: nodes added as learners, promoted, removed (the leader too) and leadership transferred, mixed with kills, restarts and partitions. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault_client.h"
#include "fault/fault_nemesis.h"

/*
 * The harness's view of the configuration changes only on a definite answer:
 * "OK", or the refusal that says the change is already in the committed
 * configuration ("is a member already", "is a voter already", "is not a
 * member": the core checks these only once the last change is committed and
 * its leader has committed an entry of its term, raft/membership.c). Every
 * answer that leaves the outcome open (no reply, TRYAGAIN, CLUSTERDOWN,
 * MOVED, a change still pending, a leader without an entry of its term) is
 * asked again, through another member; any other answer fails the run. A
 * removed node is killed, its data set aside and its slot given a new id
 * (ids are never reused), so it can be added again later.
 *
 * Kills and partitions never leave fewer than a majority of the voters up
 * and connected, as the harness knows them, and removals keep three voters.
 */

typedef enum { M_SPARE, M_LEARNER, M_VOTER } mstate;

typedef struct mem {
    fn_ctx *ctx;
    fc_cluster *c;
    mstate st[FC_MAX];
    bool down[FC_MAX]; /* killed, not restarted yet */
    bool cut[FC_MAX];  /* isolated by the proxy */
    int next_id;
} mem;

#define SETTLE_MS 45000  /* a change with no definite answer by then fails the run */
#define SETTLE_HEAL_MS 15000

static int between(mem *m, int lo, int hi) { return lo + (int)(fn_rand(&m->ctx->rng) % (uint64_t)(hi - lo + 1)); }

static void nap(int ms) { usleep((useconds_t)ms * 1000); }

static bool up(const mem *m, int i) { return m->st[i] != M_SPARE && !m->down[i]; }

static int count(const mem *m, mstate st, bool only_reachable)
{
    int n = 0;
    for (int i = 0; i < m->c->n; i++)
        if (m->st[i] == st && (!only_reachable || (up(m, i) && !m->cut[i])))
            n++;
    return n;
}

/* Whether node i may go down or be cut off: a majority of the voters stays. */
static bool may_lose(const mem *m, int i)
{
    if (m->st[i] != M_VOTER || m->down[i] || m->cut[i])
        return true;
    return (count(m, M_VOTER, true) - 1) * 2 > count(m, M_VOTER, false);
}

/* A random slot for which ok() holds, or -1. */
static int pick(mem *m, bool (*ok)(const mem *, int))
{
    int cand[FC_MAX], n = 0;
    for (int i = 0; i < m->c->n; i++)
        if (ok(m, i))
            cand[n++] = i;
    return n ? cand[between(m, 0, n - 1)] : -1;
}

static bool is_spare(const mem *m, int i) { return m->st[i] == M_SPARE; }
static bool is_up_member(const mem *m, int i) { return up(m, i); }
static bool is_up_learner(const mem *m, int i) { return m->st[i] == M_LEARNER && up(m, i); }
static bool is_down(const mem *m, int i) { return m->st[i] != M_SPARE && m->down[i]; }
static bool may_kill(const mem *m, int i) { return up(m, i) && may_lose(m, i); }
static bool may_cut(const mem *m, int i) { return up(m, i) && !m->cut[i] && may_lose(m, i); }

/* Removable: a learner, or a voter while four or more remain and a majority stays up. */
static bool may_remove(const mem *m, int i)
{
    if (m->st[i] == M_LEARNER)
        return true;
    if (m->st[i] != M_VOTER || count(m, M_VOTER, false) < 4)
        return false;
    int reach = count(m, M_VOTER, true) - (up(m, i) && !m->cut[i]);
    return reach * 2 > count(m, M_VOTER, false) - 1;
}

static void unexpected(mem *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unexpected(mem *m, const char *fmt, ...)
{
    char buf[sizeof m->ctx->failure];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fn_event(m->ctx, "UNEXPECTED: %s", buf);
    if (!m->ctx->failure[0])
        snprintf(m->ctx->failure, sizeof m->ctx->failure, "%s", buf);
}

/* cmd (words separated by one space) through node via (a follower runs it
 * on the leader); NULL: no answer. */
static redisReply *ask(mem *m, int via, const char *cmd)
{
    char buf[128];
    const char *argv[8];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", cmd);
    for (char *save = NULL, *w = strtok_r(buf, " ", &save); w && argc < 8; w = strtok_r(NULL, " ", &save))
        argv[argc++] = w;
    redisContext *ctx = fcl_connect(m->c->nodes[via].port, 5000);
    if (!ctx)
        return NULL;
    redisReply *r = redisCommandArgv(ctx, argc, argv, NULL);
    redisFree(ctx);
    return r;
}

/* Answers that leave the outcome open: ask again. */
static bool open_answer(const redisReply *r)
{
    static const char *const prefixes[] = {
        "CLUSTERDOWN", "MOVED", "TRYAGAIN", "ERR server is shutting down", "ERR a configuration change is in progress",
        "ERR the configuration change of entry", "ERR leadership is being handed", "ERR not the leader",
    };
    if (!r)
        return true;
    if (r->type != REDIS_REPLY_ERROR)
        return false;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(r->str, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    /* "leader N has not committed an entry of its term T yet" */
    return strncmp(r->str, "ERR leader ", 11) == 0 && strstr(r->str, "has not committed an entry of its term");
}

static void restart_down(mem *m)
{
    for (int i = 0; i < m->c->n; i++) {
        if (!is_down(m, i))
            continue;
        fn_event(m->ctx, "restart %s (id %d)", fc_name(m->c, i), m->c->nodes[i].id);
        if (!fc_restart(m->c, i)) {
            fn_event(m->ctx, "restart %s FAILED", fc_name(m->c, i));
            m->ctx->harness_error = true;
        }
        m->down[i] = false;
    }
}

static void heal(mem *m)
{
    fn_event(m->ctx, "heal network");
    fc_heal(m->c);
    memset(m->cut, 0, sizeof m->cut);
}

/*
 * Runs cmd until its outcome is definite: true when it took effect ("OK", or
 * `already` after an earlier attempt left it open: the earlier one did it).
 * `already` on the first attempt contradicts what the harness knows, as does
 * any answer not listed above: both fail the run.
 */
static bool settle(mem *m, const char *cmd, const char *already)
{
    long long start = h_now_ms();
    bool healed = false;
    for (int attempt = 0; h_now_ms() - start < SETTLE_MS; attempt++) {
        if (!healed && h_now_ms() - start > SETTLE_HEAL_MS) {
            /* The faults may be what keeps it open: lift them. */
            fn_event(m->ctx, "%s still open after %d ms: healing and restarting", cmd, SETTLE_HEAL_MS);
            heal(m);
            restart_down(m);
            healed = true;
        }
        int via = pick(m, is_up_member);
        if (via < 0) {
            unexpected(m, "no member up to send %s to", cmd);
            return false;
        }
        redisReply *r = ask(m, via, cmd);
        fn_event(m->ctx, "%s via %s: %s", cmd, fc_name(m->c, via),
                 !r ? "(no reply)" : r->str ? r->str : "(not a string)");
        bool ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0;
        bool done = r && r->type == REDIS_REPLY_ERROR && strstr(r->str, already);
        if (done && attempt == 0)
            unexpected(m, "%s: '%s' on the first attempt, but the harness knew otherwise", cmd, r->str);
        else if (!ok && !done && !open_answer(r))
            unexpected(m, "%s: unexpected answer '%s'", cmd, r->str ? r->str : "(not a string)");
        bool open = !ok && !done && open_answer(r);
        freeReplyObject(r);
        if (!open)
            return ok || done;
        nap(between(m, 100, 400));
    }
    unexpected(m, "%s: no definite answer in %d ms", cmd, SETTLE_MS);
    return false;
}

/* -------------------------------------------------------------- changes */

static void add_learner(mem *m)
{
    int i = pick(m, is_spare);
    if (i < 0)
        return;
    fn_event(m->ctx, "start %s as new node id %d", fc_name(m->c, i), m->c->nodes[i].id);
    if (!fc_start_joining(m->c, i)) {
        fn_event(m->ctx, "start %s FAILED", fc_name(m->c, i));
        m->ctx->harness_error = true;
        return;
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "RAFT.NODE ADD %d 127.0.0.1:%d LEARNER", m->c->nodes[i].id, m->c->listen_port[i]);
    m->ctx->faults++;
    if (settle(m, cmd, "is a member already")) {
        m->st[i] = M_LEARNER;
        m->c->spare[i] = false;
    }
}

static void promote(mem *m)
{
    int i = pick(m, is_up_learner);
    if (i < 0)
        return;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "RAFT.NODE PROMOTE %d", m->c->nodes[i].id);
    m->ctx->faults++;
    if (settle(m, cmd, "is a voter already"))
        m->st[i] = M_VOTER;
}

static void remove_member(mem *m)
{
    /* A third of the time the leader, when it may go. */
    int i = -1;
    if (fn_rand(&m->ctx->rng) % 3 == 0) {
        int l = fc_leader(m->c, 2000);
        if (l >= 0 && may_remove(m, l))
            i = l;
    }
    if (i < 0)
        i = pick(m, may_remove);
    if (i < 0)
        return;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "RAFT.NODE REMOVE %d", m->c->nodes[i].id);
    m->ctx->faults++;
    if (!settle(m, cmd, "is not a member"))
        return;
    int id = m->next_id++;
    fn_event(m->ctx, "%s (id %d) removed: killed, data set aside, the slot is id %d from now on", fc_name(m->c, i),
             m->c->nodes[i].id, id);
    if (!fc_replace_node(m->c, i, id))
        m->ctx->harness_error = true;
    m->st[i] = M_SPARE;
    m->down[i] = m->cut[i] = false;
}

static void transfer(mem *m)
{
    int via = pick(m, is_up_member);
    if (via < 0)
        return;
    int target = -1;
    if (fn_rand(&m->ctx->rng) % 2) {
        target = between(m, 0, m->c->n - 1);
        if (m->st[target] != M_VOTER)
            target = -1;
    }
    char cmd[64];
    if (target >= 0)
        snprintf(cmd, sizeof cmd, "RAFT.TRANSFER_LEADER %d", m->c->nodes[target].id);
    else
        snprintf(cmd, sizeof cmd, "RAFT.TRANSFER_LEADER");
    m->ctx->faults++;
    redisReply *r = ask(m, via, cmd);
    fn_event(m->ctx, "%s via %s: %s", cmd, fc_name(m->c, via), !r ? "(no reply)" : r->str ? r->str : "(not a string)");
    /* Any refusal is an answer (a dead target, a transfer under way, no
     * leader); a reply that is neither OK nor an error is not. */
    if (r && r->type != REDIS_REPLY_ERROR && !(r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0))
        unexpected(m, "%s: a reply of type %d", cmd, r->type);
    freeReplyObject(r);
}

/* ---------------------------------------------------------------- faults */

static void kill_one(mem *m)
{
    int i = fn_rand(&m->ctx->rng) % 2 ? fc_leader(m->c, 2000) : -1;
    if (i < 0 || !may_kill(m, i))
        i = pick(m, may_kill);
    if (i < 0)
        return;
    fn_event(m->ctx, "kill -9 %s (id %d)", fc_name(m->c, i), m->c->nodes[i].id);
    fc_kill9(m->c, i);
    m->down[i] = true;
    m->ctx->faults++;
}

static void cut_one(mem *m)
{
    int i = pick(m, may_cut);
    if (i < 0)
        return;
    fn_event(m->ctx, "isolate %s (id %d)", fc_name(m->c, i), m->c->nodes[i].id);
    fc_isolate(m->c, i);
    m->cut[i] = true;
    m->ctx->faults++;
}

/* Some of the leader's links slowed down, then (if it may go) the leader
 * killed: a learner or voter that heard it first is all the others have. */
static void slow_leader_crash(mem *m)
{
    int l = fc_leader(m->c, 2000);
    if (l < 0)
        return;
    unsigned mask = 0;
    for (int j = 0; j < m->c->n; j++)
        if (j != l && m->st[j] != M_SPARE && fn_rand(&m->ctx->rng) % 3 != 0)
            mask |= 1u << j;
    int ms = between(m, 50, 300);
    fn_event(m->ctx, "delay the links from leader %s to mask 0x%x by %d ms", fc_name(m->c, l), mask, ms);
    for (int j = 0; j < m->c->n; j++)
        if (mask & (1u << j))
            fc_delay(m->c, l, j, ms);
    m->ctx->faults++;
    nap(between(m, 300, 1000));
    if (may_kill(m, l)) {
        fn_event(m->ctx, "kill -9 %s (id %d)", fc_name(m->c, l), m->c->nodes[l].id);
        fc_kill9(m->c, l);
        m->down[l] = true;
    }
    heal(m);
}

void fn_membership(fn_ctx *ctx)
{
    mem m = {.ctx = ctx, .c = ctx->c, .next_id = ctx->c->n + 1};
    for (int i = 0; i < m.c->n; i++)
        m.st[i] = m.c->spare[i] ? M_SPARE : M_VOTER;
    while (h_now_ms() < ctx->deadline_ms && !ctx->failure[0]) {
        switch (fn_rand(&ctx->rng) % 11) {
        case 0:
        case 1: add_learner(&m); break;
        case 2:
        case 3: promote(&m); break;
        case 4:
        case 5: remove_member(&m); break;
        case 6: transfer(&m); break;
        case 7:
        case 8: kill_one(&m); break;
        case 9: slow_leader_crash(&m); break;
        default: cut_one(&m); break;
        }
        nap(between(&m, 200, 900));
        if (fn_rand(&ctx->rng) % 2)
            restart_down(&m);
        if (fn_rand(&ctx->rng) % 2) {
            heal(&m);
            if (fn_rand(&ctx->rng) % 3 == 0) {
                fn_event(ctx, "drop every peer connection");
                fc_drop_all(m.c);
            }
        }
    }
    fn_event(ctx, "membership: %d voters, %d learners", count(&m, M_VOTER, false), count(&m, M_LEARNER, false));
}

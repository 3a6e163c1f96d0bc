/* Fault schedules for the fault tests: what to break, when, and for how long. */
#include "fault/fault_nemesis.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault_client.h"

uint64_t fn_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void fn_event(fn_ctx *ctx, const char *fmt, ...)
{
    if (!ctx->events)
        return;
    fprintf(ctx->events, "%lld ", (long long)fcl_now_ns());
    va_list ap;
    va_start(ap, fmt);
    vfprintf(ctx->events, fmt, ap);
    va_end(ap);
    fputc('\n', ctx->events);
    fflush(ctx->events);
}

static int between(fn_ctx *ctx, int lo, int hi) { return lo + (int)(fn_rand(&ctx->rng) % (uint64_t)(hi - lo + 1)); }

static bool time_left(fn_ctx *ctx) { return h_now_ms() < ctx->deadline_ms; }

static void nap(int ms) { usleep((useconds_t)ms * 1000); }

static int leader_or_random(fn_ctx *ctx)
{
    int l = fc_leader(ctx->c, 3000);
    return l >= 0 ? l : between(ctx, 0, ctx->c->n - 1);
}

static void restart(fn_ctx *ctx, int i)
{
    fn_event(ctx, "restart %s", fc_name(ctx->c, i));
    if (!fc_restart(ctx->c, i)) {
        fn_event(ctx, "restart %s FAILED", fc_name(ctx->c, i));
        ctx->harness_error = true;
    }
}

static void kill_node(fn_ctx *ctx, int i)
{
    fn_event(ctx, "kill -9 %s", fc_name(ctx->c, i));
    fc_kill9(ctx->c, i);
    ctx->faults++;
}

/* -------------------------------------------------------------- schedules */

static void kill_leader(fn_ctx *ctx)
{
    while (time_left(ctx)) {
        int l = leader_or_random(ctx);
        kill_node(ctx, l);
        nap(between(ctx, 400, 1500));
        restart(ctx, l);
        nap(between(ctx, 500, 1500));
    }
}

static void kill_random(fn_ctx *ctx)
{
    while (time_left(ctx)) {
        int i = between(ctx, 0, ctx->c->n - 1);
        kill_node(ctx, i);
        nap(between(ctx, 300, 1500));
        restart(ctx, i);
        nap(between(ctx, 300, 1200));
    }
}

static void pause_leader(fn_ctx *ctx)
{
    while (time_left(ctx)) {
        int l = leader_or_random(ctx);
        /* Longer than the election timeout (300-600 ms): the others elect a
         * new leader while the old one still believes it leads. */
        fn_event(ctx, "SIGSTOP %s", fc_name(ctx->c, l));
        fc_pause(ctx->c, l);
        ctx->faults++;
        nap(between(ctx, 700, 2000));
        fn_event(ctx, "SIGCONT %s", fc_name(ctx->c, l));
        fc_resume(ctx->c, l);
        nap(between(ctx, 500, 1500));
    }
}

static void heal(fn_ctx *ctx)
{
    fn_event(ctx, "heal network");
    fc_heal(ctx->c);
    /* Half the time the cut connections are also reset, as a long
     * partition would; otherwise the late bytes are delivered. */
    if (fn_rand(&ctx->rng) % 2) {
        fn_event(ctx, "drop every peer connection");
        fc_drop_all(ctx->c);
    }
}

static void partition_leader(fn_ctx *ctx)
{
    while (time_left(ctx)) {
        int l = leader_or_random(ctx);
        int how = between(ctx, 0, 2);
        for (int j = 0; j < ctx->c->n; j++) {
            if (how != 2)
                fc_block(ctx->c, l, j, true); /* the leader's messages to j */
            if (how != 1)
                fc_block(ctx->c, j, l, true); /* j's messages to the leader */
        }
        fn_event(ctx, "partition leader %s (%s)", fc_name(ctx->c, l),
                 how == 0 ? "both ways" : how == 1 ? "its messages out" : "messages to it");
        ctx->faults++;
        nap(between(ctx, 800, 2500));
        heal(ctx);
        nap(between(ctx, 500, 1500));
    }
}

/* The leader's messages reach the others late, so they learn its commit
 * index well after it acknowledged the writes; then it crashes, and the new
 * leader starts with a commit index behind what clients were told. */
static void slow_leader_crash(fn_ctx *ctx)
{
    while (time_left(ctx)) {
        int l = leader_or_random(ctx);
        int ms = between(ctx, 50, 300);
        fn_event(ctx, "delay every link out of leader %s by %d ms", fc_name(ctx->c, l), ms);
        for (int j = 0; j < ctx->c->n; j++)
            fc_delay(ctx->c, l, j, ms);
        nap(between(ctx, 300, 1200));
        kill_node(ctx, l);
        fn_event(ctx, "heal network");
        fc_heal(ctx->c);
        nap(between(ctx, 300, 1200));
        restart(ctx, l);
        nap(between(ctx, 300, 1000));
    }
}

static void split(fn_ctx *ctx)
{
    int n = ctx->c->n;
    while (time_left(ctx)) {
        int l = leader_or_random(ctx);
        bool leader_in_minority = fn_rand(&ctx->rng) % 2;
        /* The minority: n/2 nodes, with or without the leader. */
        unsigned mask = leader_in_minority ? 1u << l : 0;
        int want = n / 2, have = leader_in_minority;
        while (have < want) {
            int i = between(ctx, 0, n - 1);
            if (i != l && !(mask & (1u << i))) {
                mask |= 1u << i;
                have++;
            }
        }
        fn_event(ctx, "split: minority mask 0x%x, leader %s in the %s", mask, fc_name(ctx->c, l),
                 leader_in_minority ? "minority" : "majority");
        fc_split(ctx->c, mask);
        ctx->faults++;
        nap(between(ctx, 800, 2500));
        heal(ctx);
        nap(between(ctx, 500, 1500));
    }
}

static void rolling_restart(fn_ctx *ctx)
{
    for (int i = 0; time_left(ctx); i = (i + 1) % ctx->c->n) {
        bool graceful = fn_rand(&ctx->rng) % 2;
        fn_event(ctx, "%s %s", graceful ? "SIGTERM" : "kill -9", fc_name(ctx->c, i));
        if (graceful)
            fc_stop(ctx->c, i);
        else
            fc_kill9(ctx->c, i);
        ctx->faults++;
        nap(between(ctx, 100, 600));
        restart(ctx, i);
        fc_leader(ctx->c, 5000);
        nap(between(ctx, 200, 800));
    }
}

static void kill_all(fn_ctx *ctx)
{
    while (time_left(ctx)) {
        nap(between(ctx, 800, 2000));
        fn_event(ctx, "kill -9 every node");
        for (int i = 0; i < ctx->c->n; i++)
            fc_kill9(ctx->c, i);
        ctx->faults++;
        nap(between(ctx, 100, 500));
        for (int i = 0; i < ctx->c->n; i++)
            restart(ctx, i);
        fc_leader(ctx->c, 5000);
    }
}

static void flaky_network(fn_ctx *ctx)
{
    int n = ctx->c->n;
    while (time_left(ctx)) {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                if (i == j)
                    continue;
                uint64_t r = fn_rand(&ctx->rng) % 10;
                if (r < 4) {
                    int ms = between(ctx, 10, 400);
                    fn_event(ctx, "delay %s->%s %d ms", fc_name(ctx->c, i), fc_name(ctx->c, j), ms);
                    fc_delay(ctx->c, i, j, ms);
                } else if (r < 5) {
                    fn_event(ctx, "cut %s->%s", fc_name(ctx->c, i), fc_name(ctx->c, j));
                    fc_block(ctx->c, i, j, true);
                }
            }
        ctx->faults++;
        nap(between(ctx, 500, 2000));
        if (fn_rand(&ctx->rng) % 3 == 0) {
            fn_event(ctx, "drop every peer connection");
            fc_drop_all(ctx->c);
        }
        if (fn_rand(&ctx->rng) % 2)
            heal(ctx);
        nap(between(ctx, 200, 800));
    }
}

/* Leadership moved on purpose: RAFT.TRANSFER_LEADER sent to any node (a
 * follower runs it on the leader), to the furthest voter or a chosen one;
 * the leader stopped with SIGTERM (it hands over first) and restarted; now
 * and then a kill -9 of any node, so transfers also meet a dead target or a
 * leader that changes under them. */
static void transfer_leader(fn_ctx *ctx)
{
    int n = ctx->c->n;
    while (time_left(ctx)) {
        int i = between(ctx, 0, n - 1);
        switch (fn_rand(&ctx->rng) % 4) {
        case 0:
        case 1: {
            int target = fn_rand(&ctx->rng) % 2 ? between(ctx, 1, n) : 0;
            fn_event(ctx, "RAFT.TRANSFER_LEADER %d via %s", target, fc_name(ctx->c, i));
            redisReply *r = target ? h_node_cmd(&ctx->c->nodes[i], "RAFT.TRANSFER_LEADER %d", target)
                                   : h_node_cmd(&ctx->c->nodes[i], "RAFT.TRANSFER_LEADER");
            fn_event(ctx, "RAFT.TRANSFER_LEADER: %s", r && r->str ? r->str : "(no reply)");
            freeReplyObject(r);
            ctx->faults++;
            break;
        }
        case 2: {
            int l = leader_or_random(ctx);
            fn_event(ctx, "SIGTERM %s (a leader hands over first)", fc_name(ctx->c, l));
            fc_stop(ctx->c, l);
            ctx->faults++;
            nap(between(ctx, 100, 600));
            restart(ctx, l);
            break;
        }
        default:
            kill_node(ctx, i);
            nap(between(ctx, 300, 1200));
            restart(ctx, i);
            break;
        }
        nap(between(ctx, 200, 1000));
    }
}

/* One fault of any kind, healed or not before the next. */
static void random_mix(fn_ctx *ctx)
{
    int n = ctx->c->n;
    while (time_left(ctx)) {
        int i = between(ctx, 0, n - 1);
        switch (fn_rand(&ctx->rng) % 8) {
        case 0: kill_node(ctx, leader_or_random(ctx)); break;
        case 1: kill_node(ctx, i); break;
        case 2: {
            /* Mostly the leader; sometimes whoever. */
            int l = fn_rand(&ctx->rng) % 3 ? leader_or_random(ctx) : i;
            fn_event(ctx, "SIGSTOP %s", fc_name(ctx->c, l));
            fc_pause(ctx->c, l);
            ctx->faults++;
            break;
        }
        case 3:
            fn_event(ctx, "isolate %s", fc_name(ctx->c, i));
            fc_isolate(ctx->c, i);
            ctx->faults++;
            break;
        case 4: {
            int j = (i + between(ctx, 1, n - 1)) % n;
            fn_event(ctx, "cut %s->%s", fc_name(ctx->c, i), fc_name(ctx->c, j));
            fc_block(ctx->c, i, j, true);
            ctx->faults++;
            break;
        }
        case 5: {
            unsigned mask = (unsigned)(fn_rand(&ctx->rng) % ((1u << n) - 1)) + 1;
            fn_event(ctx, "split mask 0x%x", mask);
            fc_split(ctx->c, mask);
            ctx->faults++;
            break;
        }
        case 6: {
            int j = (i + between(ctx, 1, n - 1)) % n, ms = between(ctx, 20, 500);
            fn_event(ctx, "delay %s->%s %d ms", fc_name(ctx->c, i), fc_name(ctx->c, j), ms);
            fc_delay(ctx->c, i, j, ms);
            ctx->faults++;
            break;
        }
        default:
            fn_event(ctx, "drop every peer connection");
            fc_drop_all(ctx->c);
            ctx->faults++;
            break;
        }
        nap(between(ctx, 300, 1500));
        if (fn_rand(&ctx->rng) % 3 != 0) {
            heal(ctx);
            fn_event(ctx, "revive every node");
            if (!fc_revive_all(ctx->c))
                ctx->harness_error = true;
            nap(between(ctx, 300, 1200));
        }
    }
}

const fn_schedule fn_schedules[] = {
    {"kill_leader", 3, kill_leader, 0},
    {"kill_random", 3, kill_random, 0},
    {"pause_leader", 3, pause_leader, 0},
    {"partition_leader", 3, partition_leader, 0},
    {"slow_leader_crash", 3, slow_leader_crash, 0},
    {"split", 5, split, 0},
    {"rolling_restart", 3, rolling_restart, 0},
    {"kill_all", 3, kill_all, 0},
    {"flaky_network", 3, flaky_network, 0},
    {"random_mix", 3, random_mix, 0},
    {"transfer_leader", 3, transfer_leader, 0},
    {"membership", 3, fn_membership, 2},
    {NULL, 0, NULL, 0},
};

const fn_schedule *fn_find(const char *name)
{
    for (const fn_schedule *s = fn_schedules; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

/* CLIENT TRACKING: the replies and invalidation pushes of a script of connections compared with redis-server 7.0 byte for byte, and client-side caching through a follower of a 3-node cluster (writes through the leader, expiry, FLUSHALL). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration/cluster_harness.h"
#include "integration/resp3_client.h"

static h_cluster cl;
static bool cl_up;
static h_node redis;
static bool redis_up;

static void teardown(void)
{
    if (cl_up)
        hc_cleanup(&cl);
    if (redis_up) {
        h_node_stop(&redis, 15);
        h_node_cleanup(&redis);
    }
}

TestSuite(tracking, .fini = teardown, .timeout = 600);

static r3_conn *connect_port(int port)
{
    r3_conn *c = r3_connect(port, 10000);
    cr_assert_not_null(c, "connect to %d", port);
    return c;
}

/*
 * One step of the script: connection letter, the command line (NULL: only
 * read), and how many replies or pushes to read after it. "$b" in a line is
 * replaced by the id of connection b on that server; cmp false: the replies
 * hold ids, which differ between the servers.
 */
typedef struct step {
    char conn;
    const char *line;
    int reads;
    bool cmp;
} step;

#define NCONN 12

static const step track_script[] = {
    /* default mode, RESP3 */
    {'a', "HELLO 3", 1, false},
    {'a', "CLIENT TRACKING on", 1, true},
    {'a', "GET k1", 1, true},
    {'a', "MGET k2 k3", 1, true},
    {'w', "SET k1 v", 1, true},
    {'a', NULL, 1, true},
    {'w', "MSET k2 x k3 y", 1, true},
    {'a', NULL, 2, true},
    {'w', "SET k1 v2", 1, true}, /* no longer tracked: nothing */
    {'a', "CLIENT TRACKINGINFO", 1, true},
    {'a', "CLIENT GETREDIR", 1, true},
    {'a', "GET k1", 1, true},
    {'a', "SET k1 self", 2, true}, /* the reply, then its own invalidation */
    {'a', "GET k1", 1, true},
    {'w', "FLUSHALL", 1, true},
    {'a', NULL, 1, true}, /* the null invalidation */
    /* RESP2 through REDIRECT to a subscriber of __redis__:invalidate */
    {'b', "CLIENT ID", 1, false},
    {'b', "SUBSCRIBE __redis__:invalidate", 1, true},
    {'c', "CLIENT TRACKING on REDIRECT $b", 1, true},
    {'c', "GET r1", 1, true},
    {'w', "SET r1 z", 1, true},
    {'b', NULL, 1, true},
    {'c', "CLIENT TRACKINGINFO", 1, false},
    {'c', "CLIENT GETREDIR", 1, false},
    {'w', "FLUSHDB", 1, true},
    {'b', NULL, 1, true},
    /* BCAST with prefixes: one push for the keys of one write */
    {'d', "HELLO 3", 1, false},
    {'d', "CLIENT TRACKING on BCAST PREFIX p: PREFIX q:", 1, true},
    {'w', "MSET p:1 a q:2 b r:3 c", 1, true},
    {'d', NULL, 2, true},
    {'d', "CLIENT TRACKINGINFO", 1, true},
    /* OPTIN: only the read after CLIENT CACHING yes */
    {'e', "HELLO 3", 1, false},
    {'e', "CLIENT TRACKING on OPTIN", 1, true},
    {'e', "GET o1", 1, true},
    {'e', "CLIENT CACHING yes", 1, true},
    {'e', "CLIENT TRACKINGINFO", 1, true},
    {'e', "GET o2", 1, true},
    {'e', "CLIENT TRACKINGINFO", 1, true},
    {'w', "MSET o1 1 o2 2", 1, true},
    {'e', NULL, 1, true},
    /* OPTOUT: all but the read after CLIENT CACHING no */
    {'h', "HELLO 3", 1, false},
    {'h', "CLIENT TRACKING on OPTOUT", 1, true},
    {'h', "CLIENT CACHING no", 1, true},
    {'h', "GET t1", 1, true},
    {'h', "GET t2", 1, true},
    {'w', "MSET t1 1 t2 2", 1, true},
    {'h', NULL, 1, true},
    /* NOLOOP: not its own writes */
    {'f', "HELLO 3", 1, false},
    {'f', "CLIENT TRACKING on NOLOOP", 1, true},
    {'f', "GET n1", 1, true},
    {'f', "SET n1 x", 1, true},
    {'f', "GET n2", 1, true},
    {'w', "SET n2 y", 1, true},
    {'f', NULL, 1, true},
    /* errors, in Redis's order and words */
    {'g', "CLIENT TRACKING on PREFIX x", 1, true},
    {'g', "CLIENT TRACKING on BCAST OPTIN", 1, true},
    {'g', "CLIENT TRACKING on OPTIN OPTOUT", 1, true},
    {'g', "CLIENT TRACKING on REDIRECT 99999", 1, true},
    {'g', "CLIENT TRACKING on REDIRECT x", 1, true},
    {'g', "CLIENT TRACKING on REDIRECT $b REDIRECT $b", 1, true},
    {'g', "CLIENT TRACKING maybe", 1, true},
    {'g', "CLIENT TRACKING on FOO", 1, true},
    {'g', "CLIENT TRACKING", 1, true},
    {'g', "CLIENT TRACKING on BCAST PREFIX ab PREFIX a", 1, true},
    {'g', "CLIENT CACHING yes", 1, true},
    {'g', "CLIENT TRACKING on OPTIN", 1, true},
    {'g', "CLIENT CACHING no", 1, true},
    {'g', "CLIENT CACHING maybe", 1, true},
    {'g', "CLIENT TRACKING on OPTOUT", 1, true},
    {'g', "CLIENT TRACKING on BCAST", 1, true},
    {'g', "CLIENT TRACKING off", 1, true},
    {'g', "CLIENT TRACKINGINFO", 1, true},
    {'g', "CLIENT GETREDIR", 1, true},
    {'i', "CLIENT TRACKING on BCAST", 1, true},
    {'i', "CLIENT TRACKING on BCAST PREFIX a", 1, true},
    {'i', "CLIENT TRACKING on BCAST", 1, true},
    {'i', "CLIENT TRACKINGINFO", 1, true},
    {'i', "CLIENT TRACKING on", 1, true},
    /* a redirect to a client that went away */
    {'j', "HELLO 3", 1, false},
    {'k', "CLIENT ID", 1, false},
    {'j', "CLIENT TRACKING on REDIRECT $k", 1, true},
    {'j', "GET gone", 1, true},
    {'k', "QUIT", 1, true},
    {'w', "SET gone 1", 1, true},
    {'j', NULL, 1, false}, /* tracking-redir-broken <id> */
    {'j', "CLIENT TRACKINGINFO", 1, false},
    {'j', "RESET", 1, true},
    {'j', "CLIENT TRACKINGINFO", 1, true},
};
#define NSTEPS (sizeof track_script / sizeof track_script[0])

/* CLIENT REPLY, PAUSE, KILL, LIST TYPE, NO-EVICT. */
static const step admin_script[] = {
    {'a', "CLIENT REPLY OFF", 0, true},
    {'a', "SET x 1", 0, true},
    {'a', "GET x", 0, true},
    {'a', "CLIENT REPLY ON", 1, true},
    {'a', "GET x", 1, true},
    {'a', "CLIENT REPLY SKIP", 0, true},
    {'a', "GET x", 0, true},
    {'a', "GET x", 1, true},
    {'a', "CLIENT REPLY maybe", 1, true},
    /* a write waits out a WRITE pause, a read does not */
    {'b', "CLIENT PAUSE 100000 WRITE", 1, true},
    {'c', "SET x 2", 0, true},
    {'b', "GET x", 1, true},
    {'b', "CLIENT UNPAUSE", 1, true},
    {'c', NULL, 1, true},
    {'c', "GET x", 1, true},
    {'b', "CLIENT PAUSE 10 x y", 1, true},
    {'b', "CLIENT PAUSE x", 1, true},
    {'b', "CLIENT PAUSE -1", 1, true},
    {'b', "CLIENT PAUSE 10 foo", 1, true},
    {'b', "CLIENT PAUSE 0 WRITE", 1, true},
    {'b', "CLIENT KILL 1.2.3.4:5", 1, true},
    {'b', "CLIENT KILL id x", 1, true},
    {'b', "CLIENT KILL id 0", 1, true},
    {'b', "CLIENT KILL id 99999", 1, true},
    {'b', "CLIENT KILL type foo", 1, true},
    {'b', "CLIENT KILL user foo", 1, true},
    {'b', "CLIENT KILL skipme maybe", 1, true},
    {'b', "CLIENT KILL foo bar", 1, true},
    {'b', "CLIENT KILL id 1 type", 1, true},
    {'b', "CLIENT KILL type master", 1, true},
    {'b', "CLIENT KILL type replica", 1, true},
    {'b', "CLIENT KILL type pubsub", 1, true},
    {'d', "SUBSCRIBE q", 1, true},
    {'b', "CLIENT KILL type pubsub", 1, true},
    {'b', "CLIENT KILL type pubsub", 1, true},
    {'b', "CLIENT LIST TYPE pubsub", 1, true},
    {'b', "CLIENT LIST TYPE master", 1, true},
    {'b', "CLIENT NO-EVICT on", 1, true},
    {'b', "CLIENT NO-EVICT maybe", 1, true},
    {'e', "CLIENT ID", 1, false},
    {'b', "CLIENT KILL ID $e", 1, true},
    {'b', "CLIENT KILL user default addr 1.1.1.1:1", 1, true},
    {'b', "CLIENT KILL type normal skipme yes", 1, false}, /* how many clients the server had */
    {'b', "PING", 1, true},
    {'b', "CLIENT KILL type normal skipme no", 1, true},
};
#define NADMIN (sizeof admin_script / sizeof admin_script[0])

/* MONITOR's lines (time and client address set aside). */
static const step monitor_script[] = {
    {'m', "MONITOR", 1, true},
    {'m', "MONITOR", 0, true}, /* ignored: no reply */
    {'a', "SET k \"a b\"", 1, true},
    {'a', "GET k", 1, true},
    {'a', "AUTH x", 1, true},
    {'a', "HELLO 2 AUTH default pw", 1, false},
    {'a', "CONFIG GET maxclients", 1, true}, /* admin: not shown */
    {'a', "SELECT 3", 1, true},
    {'a', "PING", 1, true},
    {'a', "MULTI", 1, true},
    {'a', "INCR c", 1, true},
    {'a', "EXEC", 1, true},
    {'m', NULL, 2, true},
    {'m', NULL, 2, true},
    {'m', NULL, 2, true},
    {'m', NULL, 2, true},
    {'m', NULL, 1, true},
    {'m', "CLIENT LIST TYPE replica", 1, true}, /* a monitor is a normal client (admin: not shown) */
    {'m', "PING", 2, true},
    {'m', "RESET", 1, true},
    {'a', "PING", 1, true},
    {'m', "PING", 1, true},
};
#define NMONITOR (sizeof monitor_script / sizeof monitor_script[0])

/* "+1701612345.123456 [0 127.0.0.1:5555] ..." becomes "+T [0 A] ...". */
static void monitor_line_normalize(char *s)
{
    if (s[0] != '+' || s[1] < '0' || s[1] > '9')
        return;
    char *open = strchr(s, '[');
    char *sp = open ? strchr(open, ' ') : NULL;
    char *close = sp ? strchr(sp, ']') : NULL;
    if (!close)
        return;
    char rest[4096];
    snprintf(rest, sizeof rest, "%s", close);
    char db[16];
    snprintf(db, sizeof db, "%.*s", (int)(sp - open - 1), open + 1);
    /* a script's command keeps its "lua" */
    sprintf(s, "+T [%s %s%s", db, strncmp(sp + 1, "lua]", 4) ? "A" : "lua", rest); /* never longer */
}

/* The script's replies on one server, each as printable wire bytes; ids
 * printed as ":ID" where the step does not compare. */
static void run_script(int port, const step *script, size_t nsteps, char *out[][2])
{
    r3_conn *conns[26] = {0};
    char ids[26][32] = {{0}};
    for (size_t i = 0; i < nsteps; i++) {
        const step *st = &script[i];
        int ci = st->conn - 'a';
        if (!conns[ci])
            conns[ci] = connect_port(port);
        if (st->line) {
            char line[256];
            size_t o = 0;
            for (const char *p = st->line; *p && o < sizeof line - 32; p++) {
                if (p[0] == '$' && p[1] >= 'a' && p[1] <= 'z') {
                    o += (size_t)snprintf(line + o, sizeof line - o, "%s", ids[p[1] - 'a']);
                    p++;
                } else {
                    line[o++] = *p;
                }
            }
            line[o] = '\0';
            const char *argv[32];
            size_t lens[32];
            char *mem;
            int argc = r3_split(line, argv, lens, 32, &mem);
            cr_assert(r3_send(conns[ci], argc, argv, lens), "send %s", line);
            free(mem);
        }
        for (int k = 0; k < 2; k++)
            out[i][k] = NULL;
        for (int k = 0; k < st->reads; k++) {
            r3_reply *r = r3_read(conns[ci]);
            cr_assert_not_null(r, "port %d step %zu (%c %s) read %d: %s", port, i, st->conn,
                               st->line ? st->line : "(read)", k, r3_error(conns[ci]));
            out[i][k] = r3_show(r, 4096);
            monitor_line_normalize(out[i][k]);
            if (st->line && !strcmp(st->line, "CLIENT ID") && r->type == ':')
                snprintf(ids[ci], sizeof ids[ci], "%s", r->str);
            r3_free(r);
        }
        if (st->line && !strcmp(st->line, "QUIT")) {
            r3_close(conns[ci]);
            conns[ci] = NULL;
            usleep(200 * 1000); /* the server notices the close before the next write */
        }
    }
    for (int i = 0; i < 26; i++)
        if (conns[i])
            r3_close(conns[i]);
}

static int compare(const step *script, size_t nsteps, char *want[][2], char *got[][2]);

/* Plays script against a redis-server 7.0 and against a one-node sandstore,
 * each on fresh connections, and expects the same replies step by step. */
static void expect_script_matches_redis(const step *script, size_t nsteps)
{
    cr_assert(h_redis_start(&redis), "redis-server did not start");
    redis_up = true;
    hc_init(&cl, 1, "");
    hc_start_all(&cl);
    cl_up = true;
    cr_assert_geq(hc_wait_leader(&cl, 20000), 0);
    char *(*want)[2] = calloc(nsteps, sizeof *want), *(*got)[2] = calloc(nsteps, sizeof *got);
    cr_assert(want && got);
    run_script(redis.port, script, nsteps, want);
    run_script(cl.nodes[0].port, script, nsteps, got);
    int differ = compare(script, nsteps, want, got);
    free(want);
    free(got);
    cr_expect_eq(differ, 0, "%d replies differ from redis-server's", differ);
}

Test(tracking, monitor_lines_match_redis) { expect_script_matches_redis(monitor_script, NMONITOR); }

Test(tracking, replies_and_pushes_match_redis_in_both_protocols)
{
    expect_script_matches_redis(track_script, NSTEPS);
}

Test(tracking, client_reply_pause_kill_and_list_filters_match_redis)
{
    expect_script_matches_redis(admin_script, NADMIN);
}

/* MONITOR and the commands scripts run ("[db lua]"): the order of the EVAL
 * line differs (Redis shows it after its script ran, sandstore as it is
 * sent: README), so the lines of each command are compared as a set. */
static const step lua_monitor_script[] = {
    {'m', "MONITOR", 1, true},
    {'a', "SELECT 2", 1, true},
    {'a', "EVAL \"redis.call('set', KEYS[1], 'v') redis.call('select', 4) return redis.call('get', KEYS[1])\" 1 lk", 1, true},
    {'m', NULL, 2, false},
    {'m', NULL, 2, false},
    {'m', NULL, 1, false}, /* 3-5: SELECT, the EVAL, and its set, select, get */
    {'a', "EVAL_RO \"return redis.call('exists', KEYS[1])\" 1 lk", 1, true},
    {'m', NULL, 2, false}, /* 7: the EVAL_RO and its exists */
    {'a', "EVAL \"return redis.call('config', 'get', 'x')\" 0", 1, false}, /* refused in a script */
    {'m', NULL, 1, false}, /* 9: only the EVAL */
};
#define NLUA (sizeof lua_monitor_script / sizeof lua_monitor_script[0])

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

Test(tracking, monitor_shows_script_commands_as_redis)
{
    cr_assert(h_redis_start(&redis), "redis-server did not start");
    redis_up = true;
    hc_init(&cl, 1, "");
    hc_start_all(&cl);
    cl_up = true;
    cr_assert_geq(hc_wait_leader(&cl, 20000), 0);
    static char *want[NLUA][2], *got[NLUA][2];
    run_script(redis.port, lua_monitor_script, NLUA, want);
    run_script(cl.nodes[0].port, lua_monitor_script, NLUA, got);
    static const size_t groups[][2] = {{3, 6}, {7, 8}, {9, 10}}; /* [from, to) steps of one command's lines */
    int lua_lines = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        char *w[8], *o[8];
        size_t n = 0;
        for (size_t i = groups[g][0]; i < groups[g][1]; i++)
            for (int k = 0; k < lua_monitor_script[i].reads; k++, n++) {
                w[n] = want[i][k];
                o[n] = got[i][k];
                lua_lines += strstr(w[n], " lua] ") != NULL;
            }
        qsort(w, n, sizeof w[0], cmp_str);
        qsort(o, n, sizeof o[0], cmp_str);
        for (size_t i = 0; i < n; i++)
            cr_expect_str_eq(o[i], w[i], "monitor line of group %zu", g);
    }
    cr_expect_eq(lua_lines, 4, "redis-server showed %d script commands", lua_lines);
    int differ = compare(lua_monitor_script, NLUA, want, got);
    cr_expect_eq(differ, 0, "%d replies differ from redis-server's", differ);
}

/* INFO's tracking figures while clients track keys and prefixes. */
static const step info_script[] = {
    {'r', "HELLO 3", 1, false},
    {'r', "CLIENT ID", 1, false},
    {'b', "CLIENT TRACKING on REDIRECT $r", 1, true},
    {'b', "GET k1", 1, true},
    {'b', "MGET k2 k3", 1, true},
    {'c', "CLIENT TRACKING on REDIRECT $r", 1, true},
    {'c', "GET k1", 1, true},
    {'d', "CLIENT TRACKING on REDIRECT $r BCAST PREFIX a PREFIX b", 1, true},
    {'e', "CLIENT TRACKING on REDIRECT $r BCAST PREFIX a", 1, true},
    {'i', "INFO clients", 1, false}, /* 9 */
    {'i', "INFO stats", 1, false},   /* 10 */
    {'w', "SET k1 x", 1, true},      /* k1 leaves the table */
    {'i', "INFO stats", 1, false},   /* 12 */
    {'c', "CLIENT TRACKING off", 1, true},
    {'i', "INFO clients", 1, false}, /* 14 */
};
#define NINFO (sizeof info_script / sizeof info_script[0])

/* The number after "field:" in an INFO reply (shown by r3_show), or -1. */
static long long info_field(const char *info, const char *field)
{
    char pat[64];
    snprintf(pat, sizeof pat, "%s:", field);
    const char *p = strstr(info, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

Test(tracking, info_tracking_figures_match_redis)
{
    cr_assert(h_redis_start(&redis), "redis-server did not start");
    redis_up = true;
    hc_init(&cl, 1, "");
    hc_start_all(&cl);
    cl_up = true;
    cr_assert_geq(hc_wait_leader(&cl, 20000), 0);
    static char *want[NINFO][2], *got[NINFO][2];
    run_script(redis.port, info_script, NINFO, want);
    run_script(cl.nodes[0].port, info_script, NINFO, got);
    static const struct {
        size_t step;
        const char *field;
    } checks[] = {
        {9, "tracking_clients"},         {10, "tracking_total_keys"},     {10, "tracking_total_items"},
        {10, "tracking_total_prefixes"}, {12, "tracking_total_keys"},     {12, "tracking_total_items"},
        {12, "tracking_total_prefixes"}, {14, "tracking_clients"},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        long long w = info_field(want[checks[i].step][0], checks[i].field);
        long long g = info_field(got[checks[i].step][0], checks[i].field);
        cr_assert_gt(w, 0, "redis-server's %s after step %zu", checks[i].field, checks[i].step);
        cr_expect_eq(g, w, "%s after step %zu: redis %lld, sandstore %lld", checks[i].field, checks[i].step, w, g);
    }
    int differ = compare(info_script, NINFO, want, got);
    cr_expect_eq(differ, 0, "%d replies differ from redis-server's", differ);
}

static int compare(const step *script, size_t nsteps, char *want[][2], char *got[][2])
{
    int differ = 0;
    for (size_t i = 0; i < nsteps; i++) {
        for (int k = 0; k < script[i].reads; k++) {
            if (script[i].cmp && strcmp(want[i][k], got[i][k]) != 0) {
                differ++;
                fprintf(stderr, "tracking: step %zu (%c %s) read %d:\n  redis:     %s\n  sandstore: %s\n", i,
                        script[i].conn, script[i].line ? script[i].line : "(read)", k, want[i][k], got[i][k]);
            }
            free(want[i][k]);
            free(got[i][k]);
        }
    }
    return differ;
}

/* Reads replies until one holds needle (pushes may come in any number). */
static bool read_until(r3_conn *c, const char *needle, int max)
{
    for (int i = 0; i < max; i++) {
        r3_reply *r = r3_read(c);
        if (!r)
            return false;
        char *s = r3_show(r, 4096);
        bool hit = strstr(s, needle) != NULL;
        free(s);
        r3_free(r);
        if (hit)
            return true;
    }
    return false;
}

static r3_reply *line_ok(r3_conn *c, const char *line)
{
    r3_reply *r = r3_line(c, line);
    cr_assert(r && r->type != '-', "%s: %s", line, r && r->str ? r->str : r3_error(c));
    return r;
}

static void run_ok(r3_conn *c, const char *line) { r3_free(line_ok(c, line)); }

/* A write through the leader, again while the cluster settles. */
static void leader_write(int leader, const char *line)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        r3_conn *w = connect_port(cl.nodes[leader].port);
        r3_reply *r = r3_line(w, line);
        bool ok = r && r->type != '-';
        r3_free(r);
        r3_close(w);
        if (ok)
            return;
        usleep(100 * 1000);
    }
    cr_assert_fail("the leader never took %s", line);
}

Test(tracking, a_client_of_a_follower_hears_of_writes_expiry_and_flushes_through_the_leader)
{
    hc_init(&cl, 3, "");
    hc_start_all(&cl);
    cl_up = true;
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    int follower = (leader + 1) % 3;
    leader_write(leader, "SET fk v0");

    r3_conn *c = connect_port(cl.nodes[follower].port);
    r3_free(line_ok(c, "HELLO 3"));
    run_ok(c, "CLIENT TRACKING on");
    r3_reply *r = line_ok(c, "GET fk");
    char *shown = r3_show(r, 200);
    cr_expect_str_eq(shown, "$2\\r\\nv0\\r\\n");
    free(shown);
    r3_free(r);
    leader_write(leader, "SET fk v1");
    cr_expect(read_until(c, "invalidate", 5), "the follower's client hears of the leader's write");

    /* expiry: the key goes by the leader's active expiry, applied on every node */
    leader_write(leader, "SET ek v PX 300");
    r3_free(line_ok(c, "GET ek"));
    cr_expect(read_until(c, "$2\\r\\nek", 5), "the key's expiry invalidates it");

    /* RESP2 through REDIRECT, on the follower */
    r3_conn *sub = connect_port(cl.nodes[follower].port);
    r = line_ok(sub, "CLIENT ID");
    char line[64];
    snprintf(line, sizeof line, "CLIENT TRACKING on REDIRECT %s", r->str);
    r3_free(r);
    r3_free(line_ok(sub, "SUBSCRIBE __redis__:invalidate"));
    r3_conn *c2 = connect_port(cl.nodes[follower].port);
    run_ok(c2, line);
    r3_free(line_ok(c2, "GET rk"));
    leader_write(leader, "SET rk 1");
    cr_expect(read_until(sub, "__redis__:invalidate", 5), "the redirect target hears of it");

    leader_write(leader, "FLUSHALL");
    cr_expect(read_until(c, "invalidate\\r\\n_", 5), "FLUSHALL: a null invalidation");
    r3_close(c);
    r3_close(c2);
    r3_close(sub);
}

/* Past tracking-table-max-keys a key is dropped from the table with an
 * invalidation, as Redis does, so the table stays bounded. */
Test(tracking, the_table_stays_within_tracking_table_max_keys)
{
    hc_init(&cl, 1, "--tracking-table-max-keys 2");
    hc_start_all(&cl);
    cl_up = true;
    cr_assert_geq(hc_wait_leader(&cl, 20000), 0);
    r3_conn *c = connect_port(cl.nodes[0].port);
    r3_free(line_ok(c, "HELLO 3"));
    run_ok(c, "CLIENT TRACKING on");
    r3_free(line_ok(c, "MGET m1 m2"));
    /* the push goes out when the read is dispatched: before its reply */
    r3_reply *r = r3_line(c, "GET m3");
    if (r && r->type != '>') {
        r3_free(r);
        r = r3_read(c);
    }
    cr_assert(r && r->type == '>', "a push for the key that left the table");
    cr_expect_eq(r->n, 2);
    cr_expect_str_eq(r->elem[0]->str, "invalidate");
    r3_free(r);
    r3_close(c);
}

/* A monitor of a follower sees what other nodes' clients write, as the
 * follower applies it, tagged with the node it came through. */
Test(tracking, a_monitor_of_a_follower_shows_the_writes_it_applies)
{
    hc_init(&cl, 3, "");
    hc_start_all(&cl);
    cl_up = true;
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    int follower = (leader + 1) % 3;
    r3_conn *m = connect_port(cl.nodes[follower].port);
    run_ok(m, "MONITOR");
    leader_write(leader, "SET mk 1");
    char want[64];
    snprintf(want, sizeof want, "[0 raft:%d] \"SET\" \"mk\" \"1\"", cl.nodes[leader].id);
    cr_expect(read_until(m, want, 20), "the follower's monitor shows %s", want);
    r3_close(m);
}

/* A monitor that does not read is closed at the replica class's hard
 * limit instead of holding the lines without bound. */
Test(tracking, a_monitor_that_does_not_read_is_closed_at_its_limit)
{
    hc_init(&cl, 1, "--client-output-buffer-limit 'replica 1mb 1mb 0'");
    hc_start_all(&cl);
    cl_up = true;
    cr_assert_geq(hc_wait_leader(&cl, 20000), 0);
    r3_conn *m = connect_port(cl.nodes[0].port);
    run_ok(m, "MONITOR");
    r3_conn *a = connect_port(cl.nodes[0].port);
    static char big[65536];
    memset(big, 'x', sizeof big);
    const char *argv[3] = {"SET", "big", big};
    size_t lens[3] = {3, 3, sizeof big};
    bool gone = false;
    for (int round = 0; round < 100 && !gone; round++) {
        for (int i = 0; i < 50; i++)
            cr_assert(r3_send(a, 3, argv, lens));
        for (int i = 0; i < 50; i++) {
            r3_reply *r = r3_read(a);
            cr_assert_not_null(r, "%s", r3_error(a));
            r3_free(r);
        }
        r3_reply *r = line_ok(a, "CLIENT LIST");
        gone = strstr(r->str, "flags=O") == NULL;
        r3_free(r);
    }
    cr_expect(gone, "the monitor was closed");
    r3_close(a);
    r3_close(m);
}

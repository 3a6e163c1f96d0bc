/* The Prometheus endpoint (metrics-port): scraped with a plain socket, checked against the text exposition format 0.0.4, values that follow writes, bad requests, a 3-node cluster's peers. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "integration/cluster_harness.h"

static h_node node;
static h_cluster cl;
static bool node_used;

static void teardown(void)
{
    if (node_used) {
        h_node_stop(&node, 15);
        h_node_cleanup(&node);
        node_used = false;
    }
    hc_cleanup(&cl);
}
TestSuite(metrics, .fini = teardown, .timeout = 300);

/* ------------------------------------------------------------ HTTP */

/* Sends req to 127.0.0.1:port and reads until the server closes (5 s per
 * read, 8 MiB at most): the whole response, malloc'd, or NULL. */
static char *http_raw(int port, const char *req, size_t reqlen, size_t *outlen)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return NULL;
    }
    for (size_t off = 0; off < reqlen;) {
        ssize_t n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer and close before reading it all */
        off += (size_t)n;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (len == cap) {
            if (cap >= (8u << 20))
                break;
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t n = recv(fd, buf + len, cap - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    *outlen = len;
    return buf;
}

typedef struct http_resp {
    int status;
    char headers[1024];
    char *body; /* malloc'd */
    size_t body_len;
    long content_length;
} http_resp;

static bool http_request(int port, const char *req, size_t reqlen, http_resp *r)
{
    memset(r, 0, sizeof *r);
    size_t len = 0;
    char *raw = http_raw(port, req, reqlen, &len);
    if (!raw)
        return false;
    char *end = strstr(raw, "\r\n\r\n");
    if (!end || sscanf(raw, "HTTP/1.1 %d", &r->status) != 1) {
        free(raw);
        return false;
    }
    snprintf(r->headers, sizeof r->headers, "%.*s", (int)(end - raw), raw);
    const char *cl_hdr = strstr(r->headers, "Content-Length: ");
    r->content_length = cl_hdr ? atol(cl_hdr + 16) : -1;
    r->body_len = len - (size_t)(end + 4 - raw);
    r->body = malloc(r->body_len + 1);
    memcpy(r->body, end + 4, r->body_len);
    r->body[r->body_len] = '\0';
    free(raw);
    return true;
}

/* GET /metrics: the body (malloc'd) after checking status and headers. */
static char *scrape(int port)
{
    static const char req[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n";
    http_resp r;
    cr_assert(http_request(port, req, sizeof req - 1, &r), "no HTTP answer on port %d", port);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.headers, "Content-Type: text/plain; version=0.0.4"), "headers: %s", r.headers);
    cr_assert_eq(r.content_length, (long)r.body_len);
    return r.body;
}

/* ---------------------------------------------- the exposition format */

#define MAX_FAMILIES 512

typedef struct family {
    char name[128];
    char type[16];
    bool help, typed, had_samples, closed;
} family;

typedef struct checker {
    family fams[MAX_FAMILIES];
    int n;
    int current; /* the family whose samples come now, -1 none */
    /* The histogram series being read: its labels without le, last bucket. */
    char series[512];
    double last_bucket, inf_bucket;
    bool have_inf;
} checker;

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
            return false;
    return true;
}

static family *fam_get(checker *k, const char *name, size_t n, bool create)
{
    for (int i = 0; i < k->n; i++)
        if (strlen(k->fams[i].name) == n && !strncmp(k->fams[i].name, name, n))
            return &k->fams[i];
    if (!create || k->n == MAX_FAMILIES || n >= sizeof k->fams[0].name)
        return NULL;
    family *f = &k->fams[k->n++];
    memset(f, 0, sizeof *f);
    memcpy(f->name, name, n);
    return f;
}

static bool ends_with(const char *s, size_t n, const char *suffix, size_t *stem)
{
    size_t m = strlen(suffix);
    if (n <= m || strncmp(s + n - m, suffix, m) != 0)
        return false;
    *stem = n - m;
    return true;
}

#define FAIL(...) do { snprintf(why, size, __VA_ARGS__); return false; } while (0)

/* The samples of family f start or go on: a family's samples are together. */
static bool enter(checker *k, family *f, char *why, size_t size)
{
    int idx = (int)(f - k->fams);
    if (k->current == idx)
        return true;
    if (k->current >= 0)
        k->fams[k->current].closed = true;
    if (f->closed)
        FAIL("samples of %s are not together", f->name);
    k->current = idx;
    return true;
}

/* One sample line: name{labels} value. */
static bool check_sample(checker *k, const char *line, char *why, size_t size)
{
    size_t n = strcspn(line, "{ ");
    if (!name_ok(line, n))
        FAIL("bad metric name in '%s'", line);
    const char *p = line + n;
    char labels[512] = "", le[64] = "";
    if (*p == '{') {
        const char *start = ++p;
        while (*p != '}') {
            size_t ln = strcspn(p, "=");
            if (!name_ok(p, ln) || p[ln] != '=' || p[ln + 1] != '"')
                FAIL("bad label in '%s'", line);
            bool is_le = ln == 2 && !strncmp(p, "le", 2);
            p += ln + 2;
            const char *vstart = p;
            while (*p && *p != '"') {
                if (*p == '\\') {
                    if (p[1] != '\\' && p[1] != '"' && p[1] != 'n')
                        FAIL("bad escape in '%s'", line);
                    p++;
                }
                if (*p == '\n' || !*p)
                    FAIL("unterminated label value in '%s'", line);
                p++;
            }
            if (*p != '"')
                FAIL("unterminated label value in '%s'", line);
            if (is_le)
                snprintf(le, sizeof le, "%.*s", (int)(p - vstart), vstart);
            else
                snprintf(labels + strlen(labels), sizeof labels - strlen(labels), "%.*s;", (int)(p - start),
                         start);
            p++;
            if (*p == ',')
                p++;
            else if (*p != '}')
                FAIL("bad label list in '%s'", line);
        }
        p++;
    }
    if (*p != ' ')
        FAIL("no space before the value in '%s'", line);
    p++;
    char *end;
    double v = strtod(p, &end);
    if (end == p || (*end != '\0' && *end != ' '))
        FAIL("bad value in '%s'", line);
    if (*end == ' ') { /* a timestamp */
        const char *t = end + 1;
        strtoll(t, &end, 10);
        if (end == t || *end)
            FAIL("bad timestamp in '%s'", line);
    }

    size_t stem;
    family *f = fam_get(k, line, n, false);
    const char *part = "";
    if (!f || !f->typed) {
        if (ends_with(line, n, "_bucket", &stem))
            part = "bucket";
        else if (ends_with(line, n, "_sum", &stem))
            part = "sum";
        else if (ends_with(line, n, "_count", &stem))
            part = "count";
        f = *part ? fam_get(k, line, stem, false) : NULL;
        if (!f || strcmp(f->type, "histogram") != 0)
            FAIL("sample '%.*s' has no TYPE before it", (int)n, line);
    } else if (!strcmp(f->type, "histogram")) {
        FAIL("histogram %s has a bare sample", f->name);
    }
    if (!enter(k, f, why, size))
        return false;
    f->had_samples = true;
    if (!strcmp(f->type, "counter") && !(v >= 0))
        FAIL("counter %s is %g", f->name, v);
    /* A histogram series: its family and its labels but le. */
    char key[sizeof k->series];
    snprintf(key, sizeof key, "%s|%s", f->name, labels);
    if (!strcmp(part, "bucket")) {
        if (!le[0])
            FAIL("bucket without le: '%s'", line);
        if (strcmp(key, k->series) != 0) {
            snprintf(k->series, sizeof k->series, "%s", key);
            k->last_bucket = 0;
            k->have_inf = false;
        }
        double lev = strtod(le, &end);
        if (*end || end == le)
            FAIL("bad le in '%s'", line);
        if (v < k->last_bucket)
            FAIL("buckets decrease at '%s'", line);
        k->last_bucket = v;
        if (isinf(lev)) {
            k->have_inf = true;
            k->inf_bucket = v;
        }
    } else if (!strcmp(part, "count")) {
        if (strcmp(key, k->series) != 0 || !k->have_inf)
            FAIL("histogram series without a +Inf bucket before '%s'", line);
        if (v != k->inf_bucket)
            FAIL("_count %g differs from the +Inf bucket %g at '%s'", v, k->inf_bucket, line);
    }
    return true;
}

/* Checks text against the exposition format (the parts Prometheus's parser
 * insists on, and a few we promise: every sample has a TYPE). */
static bool check_exposition(const char *text, char *why, size_t size)
{
    checker *k = calloc(1, sizeof *k);
    k->current = -1;
    bool ok = true;
    size_t len = strlen(text);
    if (len == 0 || text[len - 1] != '\n') {
        snprintf(why, size, "empty or not ending in a newline");
        free(k);
        return false;
    }
    char line[4096];
    for (const char *at = text; ok && *at;) {
        const char *nl = strchr(at, '\n');
        size_t n = (size_t)(nl - at);
        if (n >= sizeof line) {
            snprintf(why, size, "line too long");
            ok = false;
            break;
        }
        memcpy(line, at, n);
        line[n] = '\0';
        at = nl + 1;
        if (n == 0)
            continue;
        if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7)) {
            const char *name = line + 7;
            size_t nn = strcspn(name, " ");
            if (!name_ok(name, nn) || name[nn] != ' ') {
                snprintf(why, size, "bad %s line '%s'", line + 2, line);
                ok = false;
                break;
            }
            family *f = fam_get(k, name, nn, true);
            if (!f) {
                snprintf(why, size, "too many families");
                ok = false;
                break;
            }
            if (line[2] == 'H') {
                if (f->help) {
                    snprintf(why, size, "second HELP for %s", f->name);
                    ok = false;
                }
                f->help = true;
            } else {
                const char *type = name + nn + 1;
                static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
                bool known = false;
                for (size_t i = 0; i < 5; i++)
                    known |= !strcmp(type, types[i]);
                if (f->typed || f->had_samples || !known) {
                    snprintf(why, size, "bad or late TYPE for %s", f->name);
                    ok = false;
                }
                f->typed = true;
                snprintf(f->type, sizeof f->type, "%s", type);
            }
            if (ok)
                ok = enter(k, f, why, size);
            continue;
        }
        if (line[0] == '#')
            continue; /* a comment */
        ok = check_sample(k, line, why, size);
    }
    free(k);
    return ok;
}

/* The value of the sample whose name and labels are series ("x" or
 * "x{a=\"b\"}"), NAN when absent. */
static double metric(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *at = text; at && *at; at = strchr(at, '\n') ? strchr(at, '\n') + 1 : NULL)
        if (!strncmp(at, series, n) && at[n] == ' ')
            return strtod(at + n + 1, NULL);
    return NAN;
}

/* ------------------------------------------------------------- tests */

static int start_node(void)
{
    int mport = h_free_port();
    h_node_init(&node, 1, "--metrics-port %d", mport);
    node_used = true;
    cr_assert(h_node_start(&node));
    return mport;
}

Test(metrics, the_endpoint_parses_as_exposition_format_and_its_values_follow_writes)
{
    int mport = start_node();
    redisContext *c = h_connect(&node);
    freeReplyObject(h_cmd(c, "SET warm up"));

    char why[256];
    char *before = scrape(mport);
    cr_assert(check_exposition(before, why, sizeof why), "%s", why);
    cr_assert_eq(metric(before, "sandstore_raft_is_leader"), 1);
    cr_assert_eq(metric(before, "sandstore_raft_role{role=\"leader\"}"), 1);
    cr_assert_geq(metric(before, "sandstore_raft_term"), 1);
    cr_assert_geq(metric(before, "sandstore_raft_elections_started_total"), 1);
    cr_assert_eq(metric(before, "sandstore_command_calls_total{cmd=\"set\"}"), 1);

    for (int i = 0; i < 5; i++)
        freeReplyObject(h_cmd(c, "SET k%d v%d", i, i));
    redisReply *r = h_cmd(c, "GET k1");
    cr_assert_str_eq(r->str, "v1");
    freeReplyObject(r);
    char *after = scrape(mport);
    cr_assert(check_exposition(after, why, sizeof why), "%s", why);

    cr_assert_geq(metric(after, "sandstore_raft_commit_index") - metric(before, "sandstore_raft_commit_index"), 5);
    cr_assert_geq(metric(after, "sandstore_raft_applied_index"), metric(after, "sandstore_raft_commit_index") - 0);
    cr_assert_eq(metric(after, "sandstore_command_calls_total{cmd=\"set\"}"), 6);
    cr_assert_eq(metric(after, "sandstore_command_duration_seconds_count{cmd=\"set\"}"), 6);
    cr_assert_eq(metric(after, "sandstore_command_duration_seconds_bucket{cmd=\"set\",le=\"+Inf\"}"), 6);
    cr_assert_eq(metric(after, "sandstore_command_calls_total{cmd=\"get\"}"), 1);
    cr_assert_geq(metric(after, "sandstore_write_commit_duration_seconds_count") -
                      metric(before, "sandstore_write_commit_duration_seconds_count"), 5);
    /* raft-fsync always: every acknowledged write went through an fsync. */
    cr_assert_gt(metric(after, "sandstore_disk_wal_fsync_duration_seconds_count"),
                 metric(before, "sandstore_disk_wal_fsync_duration_seconds_count"));
    cr_assert_gt(metric(after, "sandstore_disk_backend_commit_duration_seconds_count"),
                 metric(before, "sandstore_disk_backend_commit_duration_seconds_count"));
    cr_assert_gt(metric(after, "sandstore_raft_log_size_bytes"), metric(before, "sandstore_raft_log_size_bytes"));
    cr_assert_gt(metric(after, "sandstore_keyspace_hits_total"), metric(before, "sandstore_keyspace_hits_total"));
    cr_assert(!isnan(metric(after, "sandstore_store_disk_size_bytes")));

    /* BGSAVE: a snapshot, its size and duration. */
    freeReplyObject(h_cmd(c, "BGSAVE"));
    char *snap = NULL;
    for (int i = 0; i < 200; i++) {
        free(snap);
        snap = scrape(mport);
        if (metric(snap, "sandstore_snapshots_taken_total") >= 1)
            break;
        usleep(50 * 1000);
    }
    cr_assert_eq(metric(snap, "sandstore_snapshots_taken_total"), 1);
    cr_assert_gt(metric(snap, "sandstore_snapshot_size_bytes"), 0);
    cr_assert_eq(metric(snap, "sandstore_snapshot_save_duration_seconds_count"), 1);
    cr_assert_eq(metric(snap, "sandstore_snapshot_taken_size_bytes_count"), 1);
    cr_assert(check_exposition(snap, why, sizeof why), "%s", why);
    free(snap);

    /* CONFIG RESETSTAT: the command figures start again. */
    freeReplyObject(h_cmd(c, "CONFIG RESETSTAT"));
    char *reset = scrape(mport);
    cr_assert(isnan(metric(reset, "sandstore_command_calls_total{cmd=\"set\"}")));
    free(reset);
    redisFree(c);
    free(before);
    free(after);
}

Test(metrics, the_checker_refuses_what_prometheus_would)
{
    char why[256];
    cr_assert(check_exposition("# TYPE a counter\na 1\n", why, sizeof why), "%s", why);
    cr_assert_not(check_exposition("a 1\n", why, sizeof why));                         /* no TYPE */
    cr_assert_not(check_exposition("# TYPE a counter\na one\n", why, sizeof why));     /* value */
    cr_assert_not(check_exposition("# TYPE a counter\na{x=\"1} 1\n", why, sizeof why)); /* label */
    cr_assert_not(check_exposition("# TYPE a gauge\n# TYPE b gauge\nb 1\na 1\n", why, sizeof why));
    cr_assert_not(check_exposition("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                                   "h_sum 1\nh_count 1\n", why, sizeof why));    /* decreasing */
    cr_assert_not(check_exposition("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", why,
                                   sizeof why));
    cr_assert_not(check_exposition("# TYPE a counter\na 1", why, sizeof why)); /* no final newline */
}

Test(metrics, bad_requests_get_http_errors_and_the_node_serves_on)
{
    int mport = start_node();
    http_resp r;
    static const char notfound[] = "GET / HTTP/1.1\r\n\r\n";
    cr_assert(http_request(mport, notfound, sizeof notfound - 1, &r));
    cr_assert_eq(r.status, 404);
    free(r.body);
    static const char post[] = "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
    cr_assert(http_request(mport, post, sizeof post - 1, &r));
    cr_assert_eq(r.status, 405);
    cr_assert(strstr(r.headers, "Allow: GET, HEAD"));
    free(r.body);
    static const char junk[] = "hello there\r\n\r\n";
    cr_assert(http_request(mport, junk, sizeof junk - 1, &r));
    cr_assert_eq(r.status, 400);
    free(r.body);
    static const char head[] = "HEAD /metrics?x=1 HTTP/1.0\r\n\r\n";
    cr_assert(http_request(mport, head, sizeof head - 1, &r));
    cr_assert_eq(r.status, 200);
    cr_assert_gt(r.content_length, 0);
    cr_assert_eq(r.body_len, 0);
    free(r.body);
    /* A request line and headers past the bound: 431, nothing buffered beyond it. */
    size_t big = 64 * 1024;
    char *huge = malloc(big);
    memcpy(huge, "GET /metrics HTTP/1.1\r\nX: ", 26);
    memset(huge + 26, 'a', big - 26);
    cr_assert(http_request(mport, huge, big, &r));
    cr_assert_eq(r.status, 431);
    free(r.body);
    free(huge);
    /* A connection that says nothing does not stop the others. */
    int idle = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)mport)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    cr_assert_eq(connect(idle, (struct sockaddr *)&a, sizeof a), 0);
    char *body = scrape(mport);
    char why[256];
    cr_assert(check_exposition(body, why, sizeof why), "%s", why);
    free(body);
    close(idle);
    redisContext *c = h_connect(&node);
    redisReply *pong = h_cmd(c, "PING");
    cr_assert_str_eq(pong->str, "PONG");
    freeReplyObject(pong);
    redisReply *cfg = h_cmd(c, "CONFIG GET metrics-port");
    cr_assert_eq(cfg->elements, 2);
    cr_assert_eq(atoi(cfg->element[1]->str), mport);
    freeReplyObject(cfg);
    redisFree(c);
}

Test(metrics, a_leader_shows_its_followers_match_and_links)
{
    hc_init(&cl, 3, NULL);
    int mports[3];
    for (int i = 0; i < 3; i++) {
        mports[i] = h_free_port();
        size_t used = strlen(cl.nodes[i].extra);
        snprintf(cl.nodes[i].extra + used, sizeof cl.nodes[i].extra - used, " --metrics-port %d", mports[i]);
    }
    hc_start_all(&cl);
    int leader = hc_wait_leader(&cl, 20000);
    cr_assert_geq(leader, 0);
    cr_assert(hc_set_retry(&cl, leader, "k", "v", 10000));

    /* Followers catch up: the leader sees every peer connected with lag 0. */
    char *text = NULL;
    bool caught_up = false;
    for (int k = 0; k < 400 && !caught_up; k++) {
        free(text);
        text = scrape(mports[leader]);
        caught_up = true;
        for (int i = 0; i < 3; i++) {
            if (i == leader)
                continue;
            char series[128];
            snprintf(series, sizeof series, "sandstore_raft_peer_lag_entries{peer=\"%d\"}", i + 1);
            caught_up &= metric(text, series) == 0;
            snprintf(series, sizeof series, "sandstore_raft_peer_connected{peer=\"%d\"}", i + 1);
            caught_up &= metric(text, series) == 1;
        }
        if (!caught_up)
            usleep(50 * 1000);
    }
    cr_assert(caught_up, "the leader's view of its peers:\n%s", text);
    char why[256];
    cr_assert(check_exposition(text, why, sizeof why), "%s", why);
    cr_assert_eq(metric(text, "sandstore_raft_is_leader"), 1);
    double last = metric(text, "sandstore_raft_log_last_index");
    char series[128];
    snprintf(series, sizeof series, "sandstore_raft_peer_match_index{peer=\"%d\"}", (leader + 1) % 3 + 1);
    cr_assert_eq(metric(text, series), last);
    free(text);

    for (int i = 0; i < 3; i++) {
        if (i == leader)
            continue;
        char *f = scrape(mports[i]);
        cr_assert(check_exposition(f, why, sizeof why), "%s", why);
        cr_assert_eq(metric(f, "sandstore_raft_is_leader"), 0);
        cr_assert_eq(metric(f, "sandstore_raft_leader_id"), leader + 1);
        cr_assert_geq(metric(f, "sandstore_raft_leader_changes_seen_total"), 1);
        /* Only a leader knows a follower's match index. */
        cr_assert(!strstr(f, "sandstore_raft_peer_match_index{"));
        free(f);
    }
}

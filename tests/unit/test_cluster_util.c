/* For the cluster/ unit tests: a fake state machine, a node on a real libuv loop in a temp dir, log set-up. */
#include "unit/test_cluster_util.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster/cluster_raft.h"
#include "common/crc32c.h"
#include "raft/raft.h"
#include "raft_io/storage.h"

int64_t tc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------ fake snapshots */

#define FAKE_MAGIC "FAKESNAP"
#define FAKE_HEAD 40

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

uint8_t *fake_snap_bytes(uint64_t index, uint64_t term, uint64_t digest, size_t pad, size_t *len)
{
    size_t n = FAKE_HEAD + pad + 4;
    uint8_t *b = malloc(n);
    if (!b)
        return NULL;
    memcpy(b, FAKE_MAGIC, 8);
    put64(b + 8, index);
    put64(b + 16, term);
    put64(b + 24, digest);
    put64(b + 32, pad);
    for (size_t i = 0; i < pad; i++)
        b[FAKE_HEAD + i] = (uint8_t)(i * 7 + 1);
    uint32_t crc = ss_crc32c(0, b, FAKE_HEAD + pad);
    memcpy(b + FAKE_HEAD + pad, &crc, 4);
    *len = n;
    return b;
}

int fake_snap_write(const char *path, uint64_t index, uint64_t term, uint64_t digest, size_t pad)
{
    size_t len;
    uint8_t *b = fake_snap_bytes(index, term, digest, pad, &len);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = b && fd >= 0 && write(fd, b, len) == (ssize_t)len && fsync(fd) == 0 ? SS_OK : SS_EIO;
    if (fd >= 0)
        close(fd);
    free(b);
    return rc;
}

/* The whole file, at most 64 MiB. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && n <= (64L << 20) && fseek(f, 0, SEEK_SET) == 0 &&
            (b = malloc((size_t)n + 1)) != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
            free(b);
            b = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return b;
}

/* ------------------------------------------------------------ fake sm */

typedef struct fake_state {
    uint64_t index, term, digest;
} fake_state;

static uint64_t mix(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int fake_apply(void *ctx, const ss_applied_entry *es, size_t n)
{
    fake_sm *f = ctx;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(es[i].index, f->applied + 1, "entries are applied in order, once");
        f->applied = es[i].index;
        f->applied_term = es[i].term;
        if (es[i].type == SS_ENTRY_COMMAND) {
            f->digest = mix(f->digest, es[i].data, es[i].len);
            f->commands++;
        } else if (es[i].type == SS_ENTRY_CONFIG && es[i].len <= sizeof f->conf) {
            memcpy(f->conf, es[i].data, es[i].len);
            f->conf_len = es[i].len;
        }
    }
    return SS_OK;
}

static uint64_t fake_applied_index(void *ctx) { return ((fake_sm *)ctx)->applied; }
static uint64_t fake_applied_term(void *ctx) { return ((fake_sm *)ctx)->applied_term; }

static int fake_applied_conf(void *ctx, void *buf, size_t cap, size_t *len)
{
    fake_sm *f = ctx;
    if (f->conf_len == 0)
        return SS_ENOTFOUND;
    if (f->conf_len > cap)
        return SS_ETOOBIG;
    memcpy(buf, f->conf, f->conf_len);
    *len = f->conf_len;
    return SS_OK;
}

static int fake_begin(void *ctx, void **view, char *errmsg)
{
    fake_sm *f = ctx;
    atomic_fetch_add(&f->begin_calls, 1);
    fake_state *s = malloc(sizeof *s);
    if (!s)
        return ss_errf(errmsg, SS_ENOMEM, "fake: out of memory");
    *s = (fake_state){f->applied, f->applied_term, f->digest};
    *view = s;
    return SS_OK;
}

static int fake_write(void *view, uint64_t term, const char *path, uint64_t *bytes, char *errmsg)
{
    fake_state *s = view;
    int rc = fake_snap_write(path, s->index, term, s->digest, 0);
    free(s);
    if (rc != SS_OK)
        return ss_errf(errmsg, rc, "fake: write '%s' failed", path);
    *bytes = FAKE_HEAD + 4;
    return SS_OK;
}

static int fake_info(const char *path, uint64_t *index, uint64_t *term, char *errmsg)
{
    uint8_t h[FAKE_HEAD];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ss_errf(errmsg, SS_ENOTFOUND, "fake: open '%s': %s", path, strerror(errno));
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n != (ssize_t)sizeof h || memcmp(h, FAKE_MAGIC, 8) != 0)
        return ss_errf(errmsg, SS_ECORRUPT, "fake: '%s' has no fake header", path);
    *index = get64(h + 8);
    *term = get64(h + 16);
    return SS_OK;
}

static int fake_stage(void *ctx, const char *path, void **staged, char *errmsg)
{
    fake_sm *f = ctx;
    atomic_fetch_add(&f->stage_calls, 1);
    snprintf(f->staged_path, sizeof f->staged_path, "%s", path);
    int fail = atomic_load(&f->fail_stage);
    if (fail != SS_OK)
        return ss_errf(errmsg, fail, "fake: stage '%s' fails as told", path);
    size_t len = 0;
    uint8_t *b = read_file(path, &len);
    uint32_t crc;
    bool ok = b && len >= FAKE_HEAD + 4 && memcmp(b, FAKE_MAGIC, 8) == 0 &&
              get64(b + 32) == len - FAKE_HEAD - 4;
    if (ok) {
        memcpy(&crc, b + len - 4, 4);
        ok = crc == ss_crc32c(0, b, len - 4);
    }
    fake_state *s = ok ? malloc(sizeof *s) : NULL;
    if (s)
        *s = (fake_state){get64(b + 8), get64(b + 16), get64(b + 24)};
    free(b);
    if (!s)
        return ss_errf(errmsg, SS_ECORRUPT, "fake: '%s' is damaged", path);
    *staged = s;
    return SS_OK;
}

static int fake_adopt(void *ctx, void *staged, void **retired, char *errmsg)
{
    fake_sm *f = ctx;
    atomic_fetch_add(&f->adopt_calls, 1);
    int fail = atomic_load(&f->fail_adopt);
    if (fail != SS_OK) {
        free(staged);
        return ss_errf(errmsg, fail, "fake: adopt fails as told");
    }
    fake_state *s = staged;
    fake_state *old = malloc(sizeof *old);
    if (old)
        *old = (fake_state){f->applied, f->applied_term, f->digest};
    f->applied = s->index;
    f->applied_term = s->term;
    f->digest = s->digest;
    free(s);
    *retired = old;
    return SS_OK;
}

static void fake_retire(void *retired) { free(retired); }

void fake_sm_init(fake_sm *f)
{
    memset(f, 0, sizeof *f);
}

ss_state_machine fake_sm_iface(fake_sm *f)
{
    return (ss_state_machine){
        .ctx = f,
        .apply_batch = fake_apply,
        .applied_index = fake_applied_index,
        .applied_term = fake_applied_term,
        .applied_conf = fake_applied_conf,
        .snapshot_begin = fake_begin,
        .snapshot_write = fake_write,
        .snapshot_info = fake_info,
        .snapshot_stage = fake_stage,
        .snapshot_adopt = fake_adopt,
        .snapshot_retire = fake_retire,
    };
}

/* ---------------------------------------------------------- temp dirs */

void tc_dir_make(char *out, size_t size)
{
    snprintf(out, size, "/tmp/ss_cluster_test_XXXXXX");
    cr_assert_not_null(mkdtemp(out), "mkdtemp: %s", strerror(errno));
}

void tc_dir_remove(const char *dir)
{
    char cmd[512];
    if (dir[0] && strncmp(dir, "/tmp/ss_cluster_test_", 21) == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        cr_assert_eq(system(cmd), 0);
    }
}

/* --------------------------------------------------------------- node */

static void on_leader(void *ctx, uint64_t leader_id, uint64_t term)
{
    (void)term;
    ((tc_node *)ctx)->leader_id = leader_id;
}

static void on_fatal(void *ctx, int code, const char *msg)
{
    tc_node *n = ctx;
    n->fatal_code = code;
    n->fatal_count++;
    snprintf(n->fatal_msg, sizeof n->fatal_msg, "%s", msg);
}

void tc_node_init(tc_node *n, uv_loop_t *loop, const char *dir, const char *conf)
{
    memset(n, 0, sizeof *n);
    n->loop = loop;
    fake_sm_init(&n->sm);
    ss_config_init(&n->cfg);
    char text[4096];
    snprintf(text, sizeof text,
             "dir %s\nnode-id 1\nelection-timeout 100\nheartbeat-interval 20\nloglevel warning\n%s",
             dir, conf ? conf : "");
    ss_errmsg err = "";
    cr_assert_eq(ss_config_load_string(&n->cfg, text, "test", err), SS_OK, "%s", err);
    cr_assert_eq(ss_config_validate(&n->cfg, err), SS_OK, "%s", err);
    ss_log_set_level((ss_log_level)n->cfg.loglevel);
}

int tc_node_open(tc_node *n, char *errmsg)
{
    ss_state_machine sm = fake_sm_iface(&n->sm);
    ss_cluster_events ev = {.ctx = n, .leader_changed = on_leader, .fatal = on_fatal};
    int rc = ss_cluster_new(n->loop, &n->cfg, &sm, &ev, &n->c, errmsg);
    if (rc != SS_OK) {
        n->c = NULL;
        for (int i = 0; i < 10; i++) /* lets the handles it opened close */
            uv_run(n->loop, UV_RUN_NOWAIT);
    }
    return rc;
}

void tc_node_start(tc_node *n)
{
    ss_errmsg err = "";
    cr_assert_eq(ss_cluster_start(n->c, err), SS_OK, "%s", err);
}

static void on_closed(void *arg) { *(bool *)arg = true; }

void tc_node_close(tc_node *n)
{
    if (!n->c)
        return;
    bool closed = false;
    ss_cluster_close(n->c, on_closed, &closed);
    cr_assert(TC_WAIT(n->loop, closed, 30000), "the cluster closes");
    n->c = NULL;
}

void tc_node_release(tc_node *n)
{
    tc_node_close(n);
    ss_config_release(&n->cfg);
}

typedef struct {
    const char *field;
    long long value;
} info_req;

static void info_line(void *arg, const char *line)
{
    info_req *q = arg;
    size_t n = strlen(q->field);
    if (strncmp(line, q->field, n) == 0 && line[n] == ':')
        q->value = strtoll(line + n + 1, NULL, 10);
}

long long tc_info(tc_node *n, const char *field)
{
    info_req q = {field, -1};
    ss_cluster_info(n->c, info_line, &q);
    return q.value;
}

typedef struct {
    bool done;
    int status;
} propose_wait;

static void on_proposed(void *arg, int status)
{
    propose_wait *w = arg;
    w->done = true;
    w->status = status;
}

int tc_propose(tc_node *n, const void *data, size_t len)
{
    propose_wait w = {false, -1};
    ss_cluster_propose(n->c, data, len, on_proposed, &w);
    cr_assert(TC_WAIT(n->loop, w.done, 30000), "a proposal is answered");
    return w.status;
}

/* ----------------------------------------------------------- raft log */

static void on_storage_done(void *arg, int status, uint64_t last, const char *errmsg)
{
    (void)last;
    cr_assert_eq(status, SS_OK, "%s", errmsg ? errmsg : "");
    (*(int *)arg)--;
}

static void on_storage_closed(void *arg) { *(bool *)arg = true; }

void tc_log_write(uv_loop_t *loop, const char *dir, uint64_t base, uint64_t base_term,
                  uint64_t last, uint64_t term)
{
    ss_storage *s;
    ss_storage_state st;
    ss_errmsg err = "";
    cr_assert_eq(ss_storage_open(loop, dir, NULL, &s, &st, err), SS_OK, "%s", err);
    ss_storage_state_release(&st);
    int pending = 0;
    if (base > 0) {
        cr_assert_eq(ss_storage_compact(s, base, base_term, on_storage_done, &pending), SS_OK);
        pending++;
    }
    size_t n = last > base ? (size_t)(last - base) : 0;
    ss_log_entry *es = calloc(n ? n : 1, sizeof *es);
    char (*data)[32] = calloc(n ? n : 1, sizeof *data);
    for (size_t i = 0; i < n; i++) {
        uint64_t index = base + 1 + i;
        int len = snprintf(data[i], sizeof data[i], "e%llu", (unsigned long long)index);
        es[i] = (ss_log_entry){index, term, RAFT_ENTRY_NORMAL, (uint32_t)len,
                               (uint8_t *)data[i]};
    }
    ss_persist_req req = {.set_hard_state = true, .term = term, .entries = es, .n_entries = n,
                          .cb = on_storage_done, .arg = &pending};
    cr_assert_eq(ss_storage_persist(s, &req), SS_OK);
    pending++;
    cr_assert(TC_WAIT(loop, pending == 0, 30000), "the log is written");
    free(es);
    free(data);
    bool closed = false;
    ss_storage_close(s, on_storage_closed, &closed);
    cr_assert(TC_WAIT(loop, closed, 30000), "the log closes");
}

void tc_log_bounds(uv_loop_t *loop, const char *dir, uint64_t *first, uint64_t *last)
{
    ss_storage *s;
    ss_storage_state st;
    ss_errmsg err = "";
    cr_assert_eq(ss_storage_open(loop, dir, NULL, &s, &st, err), SS_OK, "%s", err);
    *first = st.first_index;
    *last = st.first_index + st.n_entries - 1;
    ss_storage_state_release(&st);
    bool closed = false;
    ss_storage_close(s, on_storage_closed, &closed);
    cr_assert(TC_WAIT(loop, closed, 30000), "the log closes");
}

/* ----------------------------------------------------------- fake peer */

int tc_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void on_peer_message(void *ctx, uint64_t from, const uint8_t *payload, size_t len)
{
    tc_peer *p = ctx;
    cr_assert_eq(from, 1);
    if (len == 0)
        return;
    if (payload[0] == PEER_INFO) {
        p->info = true;
        return;
    }
    if (payload[0] == PEER_SNAP_BAD) {
        cr_assert(peer_snap_bad_decode(payload, len, &p->report_index, &p->report_term,
                                       &p->report_code, p->report_why));
        p->reports++;
        return;
    }
    if (payload[0] != PEER_RAFT)
        return;
    raft_msg m;
    cr_assert_eq(raft_msg_decode(payload + 1, len - 1, &m), SS_OK);
    raft_msg keep = m;
    keep.entries = NULL;
    keep.n_entries = 0;
    keep.data = NULL;
    if (m.type == RAFT_MSG_SNAPSHOT_RESP) {
        p->snap_resps++;
        p->snap_resp = keep;
    } else if (m.type == RAFT_MSG_APPEND_RESP) {
        p->append_resps++;
        p->append_resp = keep;
    } else if (m.type == RAFT_MSG_SNAPSHOT) {
        p->snapshots++;
        p->snapshot = keep;
    }
    if (p->on_raft)
        p->on_raft(p, &m);
    raft_msg_release(&m);
}

void tc_peer_start(tc_peer *p, uv_loop_t *loop, uint64_t id, int node_port)
{
    p->id = id;
    ss_transport_peer node = {1, "127.0.0.1", node_port};
    ss_transport_config tc = {.node_id = id, .bind_host = "127.0.0.1", .port = 0, .peers = &node,
                              .npeers = 1, .on_message = on_peer_message, .ctx = p,
                              .reconnect_max_ms = 100};
    ss_errmsg err = "";
    cr_assert_eq(ss_transport_new(loop, &tc, &p->t, err), SS_OK, "%s", err);
    p->port = ss_transport_port(p->t);
}

void tc_peer_send(tc_peer *p, const raft_msg *m)
{
    size_t size = raft_msg_encoded_size(m) + 1, len = 0;
    uint8_t *buf = malloc(size);
    buf[0] = PEER_RAFT;
    cr_assert_eq(raft_msg_encode(m, buf + 1, size - 1, &len), SS_OK);
    cr_assert_eq(ss_transport_send(p->t, 1, buf, len + 1), SS_OK);
    free(buf);
}

void tc_peer_report(tc_peer *p, uint64_t index, uint64_t term, int code, const char *why)
{
    uint8_t msg[PEER_SNAP_BAD_HEAD + PEER_SNAP_BAD_WHY];
    size_t n = peer_snap_bad_encode(msg, index, term, code, why);
    cr_assert_eq(ss_transport_send(p->t, 1, msg, n), SS_OK);
}

void tc_peer_close(tc_peer *p)
{
    if (p->t)
        ss_transport_close(p->t, NULL);
    p->t = NULL;
}

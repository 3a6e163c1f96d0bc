/* Writes the seed corpora of the transport_frame and storage fuzz targets from real frames and real log files. */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "common/error.h"
#include "common/log.h"
#include "raft/raft.h"
#include "raft_io/storage.h"
#include "raft_io/storage_format.h"
#include "raft_io/transport_frame.h"

/*
 *   build/tests/fuzz_gen_raftio_seeds tests/fuzz/corpus
 *
 * transport_frame seeds are step lists in the target's input format
 * (fuzz_transport_frame.c) around frames built by the transport's own encoder,
 * carrying what peers really send: handshakes, raft messages from the codec,
 * forwarded proposals. storage seeds are segment and meta files written by
 * the log storage itself (fuzz_storage.c's format), whole, torn and damaged.
 */

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            abort();
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

static void put8(buf *b, uint8_t v) { put(b, &v, 1); }

/* Writes b to dir/name and frees it. */
static void save(const char *dir, const char *name, buf *b)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(b->p, 1, b->len, f) != b->len) {
        perror(path);
        exit(1);
    }
    fclose(f);
    free(b->p);
    *b = (buf){0};
}

/* ---- transport_frame: steps ---------------------------------------------------- */

/* Step 0: bytes as read from the socket, in chunks of at most `chunk`. */
static void step_raw(buf *b, const void *data, size_t len, size_t chunk)
{
    const uint8_t *p = data;
    while (len > 0) {
        size_t n = len < chunk ? len : chunk;
        put8(b, 0);
        put8(b, (uint8_t)n);
        put(b, p, n);
        p += n;
        len -= n;
    }
}

/* Step 1: a well-formed frame around payload (under 1024 bytes). */
static void step_frame(buf *b, ss_frame_type type, const void *payload, size_t len)
{
    put8(b, 1);
    put8(b, (uint8_t)type);
    put8(b, (uint8_t)(len & 0xff));
    put8(b, (uint8_t)(len >> 8));
    put(b, payload, len);
}

static void step_proof(buf *b) { put8(b, 2); }

/* A transport_frame input: which side the connection is on (0 acceptor, 1 connector). */
static buf seed(uint8_t side)
{
    buf b = {0};
    put8(&b, side);
    return b;
}

/* A whole frame as the transport writes it, for step_raw. */
static buf wire_frame(ss_frame_type type, const void *payload, size_t len)
{
    buf f = {0};
    uint8_t hdr[SS_FRAME_HEADER_SIZE];
    ss_frame_header(hdr, type, payload, (uint32_t)len);
    put(&f, hdr, sizeof hdr);
    put(&f, payload, len);
    return f;
}

static void be64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static buf hello(const char *cluster, uint64_t from, uint64_t to)
{
    buf h = {0};
    uint8_t ids[16];
    be64(ids, from);
    be64(ids + 8, to);
    put(&h, ids, sizeof ids);
    put(&h, "connector-nonce!", 16);
    put8(&h, (uint8_t)strlen(cluster));
    put(&h, cluster, strlen(cluster));
    return h;
}

static buf challenge(uint64_t id)
{
    buf c = {0};
    uint8_t b[8];
    be64(b, id);
    put(&c, b, sizeof b);
    put(&c, "acceptor-nonce!!", 16);
    return c;
}

/* A PEER_RAFT payload: 'R' and the codec's encoding of m. */
static buf raft_payload(const raft_msg *m)
{
    buf r = {0};
    uint8_t out[2048];
    size_t len = 0;
    if (raft_msg_encode(m, out, sizeof out, &len) != SS_OK)
        abort();
    put8(&r, 'R');
    put(&r, out, len);
    return r;
}

/* A PEER_PROPOSE payload: 'P' and an entry (src/commands/entry.h) of SET k v. */
static buf propose_payload(void)
{
    buf p = {0};
    put8(&p, 'P');
    uint8_t hdr[2 + 8 * 5 + 1] = {1, 0};
    hdr[2] = 2;       /* origin node */
    hdr[10] = 7;      /* boot id */
    hdr[18] = 1;      /* request */
    hdr[26] = 0x40;   /* time */
    put(&p, hdr, sizeof hdr);
    const uint8_t counts[] = {1, 0, 0, 0, 3, 0, 0, 0};
    put(&p, counts, sizeof counts);
    const char *argv[] = {"SET", "k", "v"};
    for (int i = 0; i < 3; i++) {
        uint8_t len[4] = {(uint8_t)strlen(argv[i]), 0, 0, 0};
        put(&p, len, sizeof len);
        put(&p, argv[i], strlen(argv[i]));
    }
    return p;
}

static void free_bufs(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        free(va_arg(ap, buf *)->p);
    va_end(ap);
}

static void transport_seeds(const char *dir)
{
    buf h = hello("sandstore", 2, 1);
    buf hf = wire_frame(SS_FRAME_HELLO, h.p, h.len);
    raft_entry es[2] = {{.index = 5, .term = 2, .type = RAFT_ENTRY_NORMAL, .data = "abc", .len = 3},
                        {.index = 6, .term = 2, .type = RAFT_ENTRY_NOOP}};
    raft_msg append = {.type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = 2, .prev_index = 4,
                       .prev_term = 1, .commit = 4, .entries = es, .n_entries = 2};
    raft_msg heartbeat = {.type = RAFT_MSG_APPEND, .from = 2, .to = 1, .term = 2,
                          .prev_index = 6, .prev_term = 2, .commit = 6, .read_seq = 9};
    raft_msg vote = {.type = RAFT_MSG_VOTE, .from = 2, .to = 1, .term = 3, .last_index = 6,
                     .last_term = 2, .pre_vote = true};
    raft_msg chunk = {.type = RAFT_MSG_SNAPSHOT, .from = 2, .to = 1, .term = 2, .snap_index = 4,
                      .snap_term = 1, .offset = 0, .data = "snapshot-bytes", .len = 14,
                      .done = true};
    buf ra = raft_payload(&append), rh = raft_payload(&heartbeat), rv = raft_payload(&vote);
    buf rs = raft_payload(&chunk), pp = propose_payload();
    buf da = wire_frame(SS_FRAME_DATA, ra.p, ra.len), dp = wire_frame(SS_FRAME_DATA, pp.p, pp.len);
    buf info = {0};
    put(&info, "I127.0.0.1:6380", 15);
    buf b;

    b = seed(0); /* a peer logs in and sends what peers send */
    step_raw(&b, hf.p, hf.len, 255);
    step_proof(&b);
    step_raw(&b, da.p, da.len, 255);
    step_raw(&b, dp.p, dp.len, 255);
    step_frame(&b, SS_FRAME_DATA, info.p, info.len);
    step_frame(&b, SS_FRAME_DATA, rv.p, rv.len);
    step_frame(&b, SS_FRAME_DATA, rs.p, rs.len);
    step_frame(&b, SS_FRAME_DATA, "", 0);
    save(dir, "acceptor-login-then-messages", &b);

    b = seed(0); /* the same bytes, read a few at a time */
    step_raw(&b, hf.p, hf.len, 3);
    step_proof(&b);
    step_raw(&b, da.p, da.len, 7);
    save(dir, "acceptor-login-split-reads", &b);

    b = seed(0);
    step_frame(&b, SS_FRAME_HELLO, h.p, h.len);
    step_proof(&b);
    step_frame(&b, SS_FRAME_DATA, rh.p, rh.len);
    step_frame(&b, SS_FRAME_HELLO, h.p, h.len); /* a handshake frame after it */
    save(dir, "acceptor-login-heartbeat", &b);

    struct {
        const char *name, *cluster;
        uint64_t from, to;
    } refusals[] = {{"acceptor-wrong-cluster", "staging\n", 2, 1},
                    {"acceptor-unknown-node", "sandstore", 77, 1},
                    {"acceptor-addressed-elsewhere", "sandstore", 2, 3},
                    {"acceptor-from-itself", "sandstore", 1, 1}};
    for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
        buf x = hello(refusals[i].cluster, refusals[i].from, refusals[i].to);
        b = seed(0);
        step_frame(&b, SS_FRAME_HELLO, x.p, x.len);
        save(dir, refusals[i].name, &b);
        free(x.p);
    }

    b = seed(0); /* a proof without the secret, then data behind it */
    step_frame(&b, SS_FRAME_HELLO, h.p, h.len);
    uint8_t zeros[32] = {0};
    step_frame(&b, SS_FRAME_AUTH, zeros, sizeof zeros);
    step_raw(&b, da.p, da.len, 255);
    save(dir, "acceptor-bad-proof", &b);

    b = seed(0);
    step_frame(&b, SS_FRAME_HELLO, h.p, h.len);
    step_raw(&b, da.p, da.len, 255);
    save(dir, "acceptor-data-before-proof", &b);

    b = seed(0);
    const char *http = "GET / HTTP/1.1\r\nHost: sandstore\r\n\r\n";
    step_raw(&b, http, strlen(http), 255);
    save(dir, "acceptor-http", &b);

    b = seed(0); /* a header claiming 256 MB, before authentication */
    buf big = wire_frame(SS_FRAME_HELLO, "", 0);
    big.p[4] = 0x10;
    step_raw(&b, big.p, SS_FRAME_HEADER_SIZE, 255);
    save(dir, "acceptor-oversized-frame", &b);
    free(big.p);

    buf ch = challenge(2), other = challenge(5);
    b = seed(1); /* we dialled node 2: it challenges, then welcomes */
    buf cf = wire_frame(SS_FRAME_CHALLENGE, ch.p, ch.len);
    step_raw(&b, cf.p, cf.len, 255);
    step_proof(&b);
    step_frame(&b, SS_FRAME_DATA, ra.p, ra.len); /* an acceptor never sends data */
    save(dir, "connector-login", &b);
    free(cf.p);

    b = seed(1);
    step_frame(&b, SS_FRAME_CHALLENGE, other.p, other.len);
    save(dir, "connector-wrong-node", &b);

    b = seed(1);
    step_frame(&b, SS_FRAME_CHALLENGE, ch.p, ch.len);
    step_frame(&b, SS_FRAME_WELCOME, zeros, sizeof zeros);
    save(dir, "connector-welcome-without-secret", &b);

    b = seed(1);
    const char *why = "refused: wrong cluster id 'staging\x01'";
    step_frame(&b, SS_FRAME_REFUSE, why, strlen(why));
    save(dir, "connector-refused", &b);

    free_bufs(12, &h, &hf, &ra, &rh, &rv, &rs, &pp, &da, &dp, &info, &ch, &other);
}

/* ---- storage: files the log storage wrote ----------------------------------------- */

static uv_loop_t loop;

static void on_done(void *arg, int status, uint64_t last, const char *errmsg)
{
    if (status != SS_OK)
        abort();
}

static void on_closed(void *arg) { *(bool *)arg = true; }

/* Writes entries first..last of term into a log under dir (opened and closed). */
static void write_entries(const char *dir, uint64_t first, uint64_t last, uint64_t term,
                          uint64_t compact_to)
{
    ss_storage *s;
    ss_storage_state st;
    ss_errmsg err = "";
    ss_storage_opts o;
    ss_storage_opts_init(&o);
    if (ss_storage_open(&loop, dir, &o, &s, &st, err) != SS_OK) {
        fprintf(stderr, "gen: %s\n", err);
        exit(1);
    }
    ss_storage_state_release(&st);
    for (uint64_t i = first; i <= last; i++) {
        uint8_t payload[40];
        size_t len = (i * 13) % sizeof payload;
        memset(payload, (int)('a' + i % 26), len);
        ss_log_entry e = {.index = i, .term = term, .type = (uint8_t)(i % 2), .len = (uint32_t)len,
                          .data = payload};
        ss_persist_req req = {.set_hard_state = true, .term = term, .vote = 2, .commit = i - 1,
                              .entries = &e, .n_entries = 1, .cb = on_done};
        if (ss_storage_persist(s, &req) != SS_OK)
            abort();
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    if (compact_to > 0) {
        ss_storage_compact(s, compact_to, term, on_done, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    bool closed = false;
    ss_storage_close(s, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
}

static buf slurp(const char *path)
{
    buf b = {0};
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    uint8_t chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        put(&b, chunk, n);
    fclose(f);
    return b;
}

/* The newest segment file of raftdir. */
static buf last_segment(const char *raftdir)
{
    DIR *d = opendir(raftdir);
    char best[300] = "";
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, SS_SEG_PREFIX, strlen(SS_SEG_PREFIX)) == 0 &&
            strcmp(de->d_name, best) > 0)
            snprintf(best, sizeof best, "%s", de->d_name);
    closedir(d);
    char path[700];
    snprintf(path, sizeof path, "%s/%s", raftdir, best);
    return slurp(path);
}

/* A storage seed: flags, [meta length, meta], segment. */
static void storage_seed(const char *dir, const char *name, uint8_t flags, const buf *meta,
                         const uint8_t *seg, size_t seg_len)
{
    buf b = {0};
    put8(&b, flags);
    if (flags & 1) {
        put8(&b, (uint8_t)meta->len);
        put(&b, meta->p, meta->len);
    }
    put(&b, seg, seg_len);
    save(dir, name, &b);
}

static void storage_seeds(const char *out)
{
    char tmp[] = "/tmp/ss-gen-seeds-XXXXXX";
    if (mkdtemp(tmp) == NULL)
        abort();
    char raftdir[64], metapath[96];
    snprintf(raftdir, sizeof raftdir, "%s/raft", tmp);
    snprintf(metapath, sizeof metapath, "%s/%s", raftdir, SS_META_FILE);

    write_entries(tmp, 1, 9, 3, 0);
    buf meta = slurp(metapath), seg = last_segment(raftdir);
    storage_seed(out, "log", 1, &meta, seg.p, seg.len);
    storage_seed(out, "log-without-meta", 0, &meta, seg.p, seg.len);
    storage_seed(out, "log-not-last", 1 | 2 | 9 << 2, &meta, seg.p, seg.len); /* next: 10 */
    storage_seed(out, "torn-last-record", 1, &meta, seg.p, seg.len - 5);
    storage_seed(out, "torn-segment-header", 1, &meta, seg.p, 20);
    buf damaged = {0};
    put(&damaged, seg.p, seg.len);
    damaged.p[damaged.len - 2] ^= 0x40; /* a complete last record, damaged */
    storage_seed(out, "damaged-last-record", 1, &meta, damaged.p, damaged.len);
    buf zeroed = {0};
    put(&zeroed, seg.p, seg.len);
    memset(zeroed.p + zeroed.len - 40, 0, 40);
    storage_seed(out, "zeroed-tail", 1, &meta, zeroed.p, zeroed.len);
    buf short_meta = {0};
    put(&short_meta, meta.p, 20);
    storage_seed(out, "short-meta", 1, &short_meta, seg.p, seg.len);
    free_bufs(5, &meta, &seg, &damaged, &zeroed, &short_meta);

    /* More entries, compacted: the meta file starts the log after the
     * segment's first entry. */
    write_entries(tmp, 10, 40, 4, 33);
    meta = slurp(metapath);
    seg = last_segment(raftdir);
    storage_seed(out, "compacted", 1, &meta, seg.p, seg.len);
    free_bufs(2, &meta, &seg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "gen: could not remove %s\n", tmp);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s tests/fuzz/corpus\n", argv[0]);
        return 2;
    }
    ss_log_set_level(SS_LOG_NONE);
    uv_loop_init(&loop);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/transport_frame", argv[1]);
    mkdir(dir, 0755);
    transport_seeds(dir);
    snprintf(dir, sizeof dir, "%s/storage", argv[1]);
    mkdir(dir, 0755);
    storage_seeds(dir);
    uv_loop_close(&loop);
    return 0;
}

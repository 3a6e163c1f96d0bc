/* The read path: a ReadIndex barrier, then the command runs against the applied state. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/script_busy.h"

/*
 * A pipeline's reads travel together: a read that follows another read of
 * the same session with nothing in between (no reply of its own, no other
 * command) joins that read's request while its barrier is still open (the
 * cluster's read round has not turned). The request then holds one barrier,
 * one reply slot and one store snapshot for all of them, and their replies
 * go out as one piece, in order. Each joined read arrived before the barrier
 * took its read index, so each is as linearizable as if it had its own.
 *
 * The arguments are copied into chunks owned by the request: the first lives
 * in the request's own allocation, so a lone GET costs one malloc here.
 */
#define READ_BATCH_MAX 1024          /* reads in one request */
#define CHUNK_INLINE 512             /* bytes of arguments inside the request */
#define CHUNK_MIN 4096

typedef struct arg_chunk {
    struct arg_chunk *next;
    size_t used, cap;
    _Alignas(max_align_t) char data[];
} arg_chunk;

struct read_req {
    ss_engine *e;
    ss_session *s;
    void *cookie;
    ss_args *cmds;               /* cmds_inline, or a growing array */
    uint32_t ncmds, cap;
    bool multi;
    int db;
    resp_proto proto;
    uint64_t round;              /* the cluster's read round it was sent in */
    ss_blocked *block;           /* a blocked XREAD's read: its answer goes to blocking.c */
    bool track;                  /* CLIENT TRACKING remembers its keys when it runs (alone) */
    arg_chunk *chunks;           /* what the copies live in, newest first */
    ss_args cmds_inline[1];
    arg_chunk chunk;             /* followed by CHUNK_INLINE bytes */
};

static void *chunk_alloc(read_req *r, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    arg_chunk *c = r->chunks;
    if (c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = r->chunks;
        r->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

/* Deep-copies cmds onto the end of r's commands. */
static bool add_cmds(read_req *r, const ss_args *cmds, uint32_t ncmds)
{
    if (r->ncmds + ncmds > r->cap) {
        uint32_t cap = r->cap * 2 >= r->ncmds + ncmds ? r->cap * 2 : r->ncmds + ncmds;
        ss_args *n = malloc(sizeof *n * cap);
        if (!n)
            return false;
        memcpy(n, r->cmds, sizeof *n * r->ncmds);
        if (r->cmds != r->cmds_inline)
            free(r->cmds);
        r->cmds = n;
        r->cap = cap;
    }
    for (uint32_t c = 0; c < ncmds; c++) {
        const ss_args *a = &cmds[c];
        size_t bytes = 0;
        for (int i = 0; i < a->argc; i++)
            bytes += a->argvlen[i] + 1;
        char **argv = chunk_alloc(r, (sizeof(char *) + sizeof(size_t)) * (size_t)a->argc + bytes);
        if (!argv)
            return false;
        size_t *argvlen = (size_t *)(argv + a->argc);
        char *text = (char *)(argvlen + a->argc);
        for (int i = 0; i < a->argc; i++) {
            memcpy(text, a->argv[i], a->argvlen[i]);
            text[a->argvlen[i]] = '\0';
            argv[i] = text;
            argvlen[i] = a->argvlen[i];
            text += a->argvlen[i] + 1;
        }
        r->cmds[r->ncmds++] = (ss_args){a->argc, argv, argvlen};
    }
    return true;
}

static void req_free(read_req *r)
{
    while (r->chunks != &r->chunk) {
        arg_chunk *c = r->chunks;
        r->chunks = c->next;
        free(c);
    }
    if (r->cmds != r->cmds_inline)
        free(r->cmds);
    free(r);
}

/* A request for session s's reads in db under proto, holding no command yet. */
static read_req *req_new(ss_engine *e, ss_session *s, bool multi, int db, resp_proto proto)
{
    read_req *r = malloc(sizeof *r + CHUNK_INLINE);
    if (!r)
        return NULL;
    *r = (read_req){.e = e, .s = s, .multi = multi, .db = db, .proto = proto,
                    .round = e->cluster ? ss_cluster_read_round(e->cluster) : 0, .cmds = r->cmds_inline, .cap = 1};
    r->chunk = (arg_chunk){.next = NULL, .used = 0, .cap = CHUNK_INLINE};
    r->chunks = &r->chunk;
    return r;
}

/* Runs the request now: a read-only script on its own thread
 * (script_busy.c), anything else here. */
static void run_read(void *arg)
{
    read_req *r = arg;
    ss_engine *e = r->e;
    if (!r->multi && r->ncmds == 1 && ss_busy_wants(e, &r->cmds[0]) &&
        ss_busy_start(e, r->s, r->cookie, &r->cmds[0], r->db, r->proto)) {
        req_free(r);
        return;
    }
    /* Bounded by what the client may still be sent: a KEYS * or an MGET
     * of large values stops growing there instead of at the data's size. */
    ss_buf out;
    ss_buf_init(&out, e->hooks.reply_limit ? e->hooks.reply_limit(e->hooks.ctx, r->s) : 0);
    /* The session's db and protocol as they were when the read arrived. */
    int db = r->s->db;
    resp_proto proto = r->s->proto;
    r->s->db = r->db;
    r->s->proto = r->proto;
    ss_read_exec(e, r->s, r->cmds, r->ncmds, r->multi, &out);
    if (r->track && r->ncmds == 1)
        ss_tracking_read(e, r->s, &r->cmds[0]);
    r->s->db = db;
    r->s->proto = proto;
    if (r->block)
        ss_blocking_on_read(e, r->block, ss_buf_error(&out) ? NULL : ss_buf_data(&out), ss_buf_len(&out));
    else if (ss_buf_error(&out))
        ss_engine_finish_async(e, r->s, r->cookie, NULL, 0);
    else
        ss_engine_finish_async(e, r->s, r->cookie, ss_buf_data(&out), ss_buf_len(&out));
    ss_buf_release(&out);
    req_free(r);
}

static void on_barrier(void *arg, int status)
{
    read_req *r = arg;
    ss_engine *e = r->e;
    if (r->s->read_open == r)
        r->s->read_open = NULL;
    e->node.stats.pending_reads--;
    if (status != SS_OK) {
        ss_reply_err_code code = status == SS_ENOLEADER ? RERR_NOLEADER
                               : status == SS_ESHUTDOWN ? RERR_SHUTDOWN
                               : RERR_READ_TRYAGAIN;
        if (r->block) {
            ss_blocking_read_failed(e, r->block, code);
        } else {
            /* Every read of the request hears it, as each would alone. */
            ss_buf out;
            ss_buf_init(&out, 0);
            for (uint32_t i = 0; i < (r->multi ? 1 : r->ncmds); i++)
                ss_reply_err(&out, code, "");
            ss_engine_finish_async(e, r->s, r->cookie, ss_buf_error(&out) ? NULL : ss_buf_data(&out),
                                   ss_buf_error(&out) ? 0 : ss_buf_len(&out));
            ss_buf_release(&out);
        }
        req_free(r);
        return;
    }
    /* Nothing runs beside a read-only script: the read waits for its end
     * (it then reads a state at least as fresh as its barrier asked). */
    if (ss_busy_running(e) && ss_busy_defer(e, run_read, r))
        return;
    run_read(r);
}

/* Whether a read may join r, the request its session sent just before. */
static bool may_join(const ss_engine *e, const ss_session *s, const read_req *r)
{
    return r != NULL && e->hooks.join_async != NULL && !r->multi && r->ncmds < READ_BATCH_MAX &&
           r->db == s->db && r->proto == s->proto && r->round == ss_cluster_read_round(e->cluster);
}

ss_dispatch_result ss_read_start(ss_engine *e, ss_session *s, const ss_args *cmds, uint32_t ncmds,
                                 bool multi, bool joinable, ss_buf *out)
{
    bool track = s->track_read && !multi;
    s->track_read = false;
    bool stale = e->cfg->read_consistency == SS_READ_STALE;
    bool script = !multi && ncmds == 1 && ss_busy_wants(e, &cmds[0]);
    if (e->cluster == NULL || (stale && !script)) {
        ss_read_exec(e, s, cmds, ncmds, multi, out);
        if (track && ncmds == 1)
            ss_tracking_read(e, s, &cmds[0]);
        return SS_DISPATCH_DONE;
    }
    read_req *open = s->read_open;
    s->read_open = NULL;
    /* WATCH runs its own way (ss_read_exec) and only alone; a read-only
     * script has a request of its own (it may go to its thread), and so has
     * a read whose keys CLIENT TRACKING remembers or whose reply CLIENT
     * REPLY drops (the reads joining it would lose theirs). */
    joinable = joinable && !stale && !script && !track && !s->reply_off && !s->reply_skip && !multi && ncmds == 1 &&
               !ss_multi_is_watch(&cmds[0]);
    if (joinable && may_join(e, s, open)) {
        if (add_cmds(open, cmds, ncmds)) {
            e->hooks.join_async(e->hooks.ctx, s, open->cookie);
            s->read_open = open;
            return SS_DISPATCH_ASYNC; /* its reply comes with open's */
        }
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    read_req *r = req_new(e, s, multi, s->db, s->proto);
    if (!r || !add_cmds(r, cmds, ncmds)) {
        if (r)
            req_free(r);
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    r->track = track;
    r->cookie = ss_engine_begin_async(e, s, KIND_READ);
    e->node.stats.pending_reads++;
    if (stale) {
        on_barrier(r, SS_OK); /* a read-only script still runs on its thread */
        return SS_DISPATCH_ASYNC;
    }
    if (joinable)
        s->read_open = r; /* on_barrier clears it if it runs now */
    ss_cluster_read_barrier(e->cluster, on_barrier, r);
    return SS_DISPATCH_ASYNC;
}

bool ss_read_blocked(ss_engine *e, ss_session *s, void **cookie, const ss_args *a, int db, resp_proto proto,
                     ss_blocked *b)
{
    read_req *r = req_new(e, s, false, db, proto);
    if (!r || !add_cmds(r, a, 1)) {
        if (r)
            req_free(r);
        return false;
    }
    if (*cookie == NULL)
        *cookie = ss_engine_begin_async(e, s, KIND_READ);
    r->cookie = *cookie;
    r->block = b;
    e->node.stats.pending_reads++;
    if (e->cluster == NULL || e->cfg->read_consistency == SS_READ_STALE)
        on_barrier(r, SS_OK);
    else
        ss_cluster_read_barrier(e->cluster, on_barrier, r);
    return true;
}

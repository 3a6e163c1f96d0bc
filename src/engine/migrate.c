/* MIGRATE: the keys read after a read barrier, restored on the target with hiredis on the loop, then deleted here through the log only if unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/sds.h>

#include "commands/migrate.h"
#include "engine/hiredis_uv.h"
#include "engine/engine_internal.h"
#include "engine/script_busy.h"

/*
 * Redis's MIGRATE blocks its whole server while it talks to the target; here
 * only the client waits (its connection blocked, as behind a blocking
 * command), in three steps:
 *
 *   1. read: one read barrier, then SS_MIGRATE_DUMP per key (cmd_migrate.c)
 *      gives each key's DUMP payload, time to live and digest, read
 *      linearizably. No key found: +NOKEY, nothing sent anywhere.
 *   2. transfer: AUTH (if asked), SELECT db, then RESTORE key ttl payload
 *      [REPLACE] per key, pipelined on a fresh connection, the timeout a
 *      timer that restarts with every reply (Redis's per-read timeout).
 *   3. delete: unless COPY, the keys the target restored go through the log
 *      as SS_MIGRATE_DEL with their digests; apply deletes a key only if its
 *      digest is still the dumped one, so a write that landed after the dump
 *      is kept (and the reply says so), and apply's reply is MIGRATE's.
 *
 * Replies and errors are Redis 7.0's (migrateCommand), except that nothing
 * is cached or retried: each MIGRATE opens its own connection.
 */

#define ERRTEXT_MAX 512

typedef struct mig_key {
    const char *key;            /* into op->a */
    size_t klen;
    const redisReply *digest;   /* into op->dumped */
    const redisReply *payload;
    long long ttl;
    bool restored;
} mig_key;

typedef struct migrate_op {
    ss_engine *e;
    ss_session *s;
    void *cookie;
    int db;                     /* the source db (the session's when MIGRATE came) */
    ss_migrate_args m;
    ss_args *a;                 /* a copy of the command */
    redisReply **dumped;        /* the read's answers, one per key named */
    int ndumped;
    mig_key *keys;              /* the keys found, in order */
    int nkeys;
    /* The transfer. */
    redisAsyncContext *ac;
    uv_timer_t timer;
    int refs;                   /* the context and the timer, once the transfer starts */
    bool connected;
    bool done;                  /* the outcome is decided: later events are ignored */
    int setup_replies, restore_replies;
    char auth_err[ERRTEXT_MAX], select_err[ERRTEXT_MAX], restore_err[ERRTEXT_MAX];
    struct migrate_op *next, **prevp; /* e->migrations, while transferring */
} migrate_op;

static void op_free(migrate_op *op)
{
    for (int i = 0; i < op->ndumped; i++)
        if (op->dumped[i])
            freeReplyObject(op->dumped[i]);
    free(op->dumped);
    free(op->keys);
    free(op->a);
    free(op);
}

/* Hands the client its reply: the session may run its next command. */
static void reply_raw(migrate_op *op, const char *reply, size_t len)
{
    op->s->blocked = false;
    ss_engine_finish_async(op->e, op->s, op->cookie, reply, len);
}

static void reply_err(migrate_op *op, ss_reply_err_code code, const char *arg)
{
    ss_buf b;
    ss_buf_init(&b, 0);
    ss_reply_err(&b, code, arg);
    reply_raw(op, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
}

/* ------------------------------------------------------------ 3. delete */

/*
 * The keys the target restored, deleted through the log if unchanged; the
 * entry's reply (apply's) goes to the client in MIGRATE's reply slot. With
 * nothing to delete, the reply is given here.
 */
static void conclude(migrate_op *op)
{
    const char *target_err = op->auth_err[0] ? op->auth_err
                           : op->select_err[0] ? op->select_err
                           : op->restore_err[0] ? op->restore_err : NULL;
    int ndel = 0;
    if (!op->m.copy)
        for (int i = 0; i < op->nkeys; i++)
            ndel += op->keys[i].restored;
    if (ndel == 0) {
        if (target_err)
            reply_err(op, RERR_MIGRATE_TARGET, target_err);
        else
            reply_raw(op, "+OK\r\n", 5);
        return;
    }
    int argc = 2 + 2 * ndel;
    char **argv = malloc(sizeof *argv * (size_t)argc);
    size_t *lens = malloc(sizeof *lens * (size_t)argc);
    bool ok = argv && lens;
    if (ok) {
        argv[0] = (char *)SS_MIGRATE_DEL;
        lens[0] = strlen(SS_MIGRATE_DEL);
        argv[1] = (char *)(target_err ? target_err : "");
        lens[1] = strlen(argv[1]);
        int j = 2;
        for (int i = 0; i < op->nkeys; i++) {
            if (!op->keys[i].restored)
                continue;
            argv[j] = (char *)op->keys[i].key;
            lens[j++] = op->keys[i].klen;
            argv[j] = op->keys[i].digest->str;
            lens[j++] = op->keys[i].digest->len;
        }
        ss_args del = {argc, argv, lens};
        /* The entry carries its own copy; apply answers in our slot. */
        ok = ss_write_propose_again(op->e, op->s, op->cookie, &del, op->db, NULL);
    }
    free(argv);
    free(lens);
    if (ok)
        op->s->blocked = false; /* what follows waits for the delete's reply, as behind a write */
    else
        reply_err(op, op->e->stopping ? RERR_SHUTDOWN : RERR_INTERNAL, "out of memory");
}

/* ---------------------------------------------------------- 2. transfer */

static void unlink_op(migrate_op *op)
{
    if (op->prevp) {
        *op->prevp = op->next;
        if (op->next)
            op->next->prevp = op->prevp;
        op->prevp = NULL;
        op->next = NULL;
    }
}

static void release(migrate_op *op)
{
    if (--op->refs == 0)
        op_free(op);
}

static void on_timer_closed(uv_handle_t *h) { release(h->data); }

/* The transfer is over (code: RERR_COUNT for "all replies in"): the
 * outcome goes to the client, the timer and the connection close. */
static void finish(migrate_op *op, ss_reply_err_code code, const char *arg)
{
    if (op->done)
        return;
    op->done = true;
    unlink_op(op);
    if (code == RERR_COUNT)
        conclude(op);
    else
        reply_err(op, code, arg);
    uv_close((uv_handle_t *)&op->timer, on_timer_closed);
    /* A connected context reports its end through on_disconnect (which drops
     * our reference); one still connecting does not. */
    if (op->ac && ss_hiredis_end(op->ac) && op->ac) {
        op->ac = NULL;
        release(op);
    }
}

/* Redis says "writing" when its write failed, else "reading". */
static const char *io_stage(const migrate_op *op)
{
    return op->ac && sdslen(op->ac->c.obuf) > 0 ? "writing" : "reading";
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    migrate_op *op = ac->data;
    if (status == REDIS_OK) {
        op->connected = true;
        return;
    }
    /* hiredis frees a context that failed to connect without on_disconnect.
     * Redis's connect only waits for the socket to be writable, so a refused
     * connection fails at its first write: "writing". */
    op->ac = NULL;
    finish(op, RERR_MIGRATE_IO, "writing");
    release(op);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    (void)status;
    migrate_op *op = ac->data;
    op->ac = NULL;
    finish(op, RERR_MIGRATE_IO, "reading");
    release(op);
}

static void on_timeout(uv_timer_t *t)
{
    migrate_op *op = t->data;
    if (op->connected)
        finish(op, RERR_MIGRATE_IO, io_stage(op));
    else
        finish(op, RERR_MIGRATE_CONNECT, "");
}

/* Keeps the first line of an error reply (Redis reads one line of it). */
static void keep_error(char *dst, const redisReply *r)
{
    if (dst[0] || r->type != REDIS_REPLY_ERROR)
        return;
    size_t n = strcspn(r->str, "\r\n");
    if (n >= ERRTEXT_MAX)
        n = ERRTEXT_MAX - 1;
    memcpy(dst, r->str, n);
    dst[n] = '\0';
}

/* AUTH's reply (when sent), then SELECT's. */
static void on_setup(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    migrate_op *op = privdata;
    if (reply && !op->done) {
        bool auth = op->m.pass && op->setup_replies++ == 0;
        keep_error(auth ? op->auth_err : op->select_err, reply);
        uv_timer_again(&op->timer);
    }
}

static void on_restore(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    migrate_op *op = privdata;
    if (reply == NULL || op->done)
        return; /* the connection ended: on_disconnect or finish decided */
    const redisReply *r = reply;
    mig_key *k = &op->keys[op->restore_replies++];
    if (r->type == REDIS_REPLY_ERROR)
        keep_error(op->restore_err, r);
    else if (!op->auth_err[0] && !op->select_err[0])
        k->restored = true; /* as Redis: after a refused AUTH or SELECT, no key counts */
    if (op->restore_replies == op->nkeys)
        finish(op, RERR_COUNT, NULL);
    else
        uv_timer_again(&op->timer);
}

/* Queues AUTH, SELECT and the RESTOREs; hiredis sends them once connected. */
static bool send_all(migrate_op *op)
{
    redisAsyncContext *ac = op->ac;
    const ss_args *a = op->a;
    if (op->m.pass) {
        const char *argv[3] = {"AUTH"};
        size_t lens[3] = {4};
        int n = 1;
        if (op->m.user) {
            argv[n] = a->argv[op->m.user];
            lens[n++] = a->argvlen[op->m.user];
        }
        argv[n] = a->argv[op->m.pass];
        lens[n++] = a->argvlen[op->m.pass];
        if (redisAsyncCommandArgv(ac, on_setup, op, n, argv, lens) != REDIS_OK)
            return false;
    }
    char db[24];
    snprintf(db, sizeof db, "%lld", op->m.dbid);
    const char *sel[2] = {"SELECT", db};
    size_t sel_lens[2] = {6, strlen(db)};
    if (redisAsyncCommandArgv(ac, on_setup, op, 2, sel, sel_lens) != REDIS_OK)
        return false;
    for (int i = 0; i < op->nkeys; i++) {
        const mig_key *k = &op->keys[i];
        char ttl[24];
        snprintf(ttl, sizeof ttl, "%lld", k->ttl);
        const char *argv[5] = {"RESTORE", k->key, ttl, k->payload->str, "REPLACE"};
        size_t lens[5] = {7, k->klen, strlen(ttl), k->payload->len, 7};
        if (redisAsyncCommandArgv(ac, on_restore, op, op->m.replace ? 5 : 4, argv, lens) != REDIS_OK)
            return false;
    }
    return true;
}

static void transfer(migrate_op *op)
{
    ss_engine *e = op->e;
    if (e->stopping) { /* ss_migrate_end_all ran already */
        reply_err(op, RERR_SHUTDOWN, "");
        op_free(op);
        return;
    }
    const char *host = op->a->argv[1];
    redisAsyncContext *ac = redisAsyncConnect(host, op->m.port);
    if (ac == NULL || ac->err) {
        if (ac)
            redisAsyncFree(ac);
        reply_err(op, RERR_MIGRATE_CONNECT, "");
        op_free(op);
        return;
    }
    if (ss_hiredis_attach(ac, e->loop) != REDIS_OK) {
        redisAsyncFree(ac);
        reply_err(op, RERR_INTERNAL, "out of memory");
        op_free(op);
        return;
    }
    op->ac = ac;
    op->refs = 2; /* the context, the timer */
    ac->data = op;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    uv_timer_init(e->loop, &op->timer);
    op->timer.data = op;
    uv_timer_start(&op->timer, on_timeout, (uint64_t)op->m.timeout_ms, (uint64_t)op->m.timeout_ms);
    op->next = e->migrations;
    if (op->next)
        op->next->prevp = &op->next;
    op->prevp = &e->migrations;
    e->migrations = op;
    if (!send_all(op))
        finish(op, RERR_INTERNAL, "out of memory");
}

/* -------------------------------------------------------------- 1. read */

/* The read's answers, one per key named: the keys found become op->keys;
 * false after replying (DUMP's error for a key it cannot dump, NOKEY). */
static bool take_dumps(migrate_op *op, const char *data, size_t len)
{
    int n = op->m.nkeys;
    redisReader *rd = redisReaderCreate();
    op->dumped = calloc((size_t)n, sizeof *op->dumped);
    op->keys = calloc((size_t)n, sizeof *op->keys);
    if (!rd || !op->dumped || !op->keys || redisReaderFeed(rd, data, len) != REDIS_OK) {
        if (rd)
            redisReaderFree(rd);
        reply_err(op, RERR_INTERNAL, "out of memory");
        return false;
    }
    op->ndumped = n;
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        void *r = NULL;
        if (redisReaderGetReply(rd, &r) != REDIS_OK || r == NULL) {
            reply_err(op, RERR_INTERNAL, "unreadable dump");
            ok = false;
            break;
        }
        redisReply *rep = op->dumped[i] = r;
        const redisReply *err = rep->type == REDIS_REPLY_ERROR ? rep
                              : rep->type == REDIS_REPLY_ARRAY && rep->elements == 3 &&
                                rep->element[2]->type == REDIS_REPLY_ERROR ? rep->element[2] : NULL;
        if (err) {
            /* DUMP's own refusal (or a storage failure): MIGRATE says it. */
            ss_buf b;
            ss_buf_init(&b, 0);
            resp_add_error_len(&b, err->str, err->len);
            reply_raw(op, ss_buf_data(&b), ss_buf_len(&b));
            ss_buf_release(&b);
            ok = false;
        } else if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
                   rep->element[0]->type != REDIS_REPLY_STRING || rep->element[1]->type != REDIS_REPLY_INTEGER) {
            reply_err(op, RERR_INTERNAL, "unreadable dump");
            ok = false;
        } else if (rep->element[2]->type == REDIS_REPLY_STRING) {
            int at = op->m.first_key + i;
            op->keys[op->nkeys++] = (mig_key){.key = op->a->argv[at], .klen = op->a->argvlen[at],
                                              .digest = rep->element[0], .ttl = rep->element[1]->integer,
                                              .payload = rep->element[2]};
        } /* else missing or expired: not migrated */
    }
    redisReaderFree(rd);
    if (ok && op->nkeys == 0) {
        reply_raw(op, "+NOKEY\r\n", 8);
        ok = false;
    }
    return ok;
}

static void run_dump(void *arg)
{
    migrate_op *op = arg;
    ss_engine *e = op->e;
    int n = op->m.nkeys;
    ss_args *cmds = malloc(sizeof *cmds * (size_t)n);
    char **argv = malloc(sizeof *argv * 2 * (size_t)n);
    size_t *lens = malloc(sizeof *lens * 2 * (size_t)n);
    if (!cmds || !argv || !lens) {
        free(cmds);
        free(argv);
        free(lens);
        reply_err(op, RERR_INTERNAL, "out of memory");
        op_free(op);
        return;
    }
    for (int i = 0; i < n; i++) {
        int at = op->m.first_key + i;
        argv[2 * i] = (char *)SS_MIGRATE_DUMP;
        lens[2 * i] = strlen(SS_MIGRATE_DUMP);
        argv[2 * i + 1] = op->a->argv[at];
        lens[2 * i + 1] = op->a->argvlen[at];
        cmds[i] = (ss_args){2, &argv[2 * i], &lens[2 * i]};
    }
    /* Read in the db MIGRATE came in, answered in RESP2 for take_dumps. */
    int db = op->s->db;
    resp_proto proto = op->s->proto;
    op->s->db = op->db;
    op->s->proto = RESP2;
    ss_buf out;
    ss_buf_init(&out, 0);
    ss_read_exec(e, op->s, cmds, (uint32_t)n, false, &out);
    op->s->db = db;
    op->s->proto = proto;
    free(cmds);
    free(argv);
    free(lens);
    bool go = false;
    if (ss_buf_error(&out))
        reply_err(op, RERR_INTERNAL, "out of memory");
    else
        go = take_dumps(op, ss_buf_data(&out), ss_buf_len(&out));
    ss_buf_release(&out);
    if (go)
        transfer(op);
    else
        op_free(op);
}

static void on_barrier(void *arg, int status)
{
    migrate_op *op = arg;
    ss_engine *e = op->e;
    if (status != SS_OK) {
        reply_err(op, status == SS_ENOLEADER ? RERR_NOLEADER
                    : status == SS_ESHUTDOWN ? RERR_SHUTDOWN : RERR_READ_TRYAGAIN, "");
        op_free(op);
        return;
    }
    /* Nothing reads beside a read-only script: the dump waits for its end. */
    if (ss_busy_running(e) && ss_busy_defer(e, run_dump, op))
        return;
    run_dump(op);
}

ss_dispatch_result ss_migrate_dispatch(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (s->pending > 0)
        return SS_DISPATCH_BLOCKED; /* it waits alone, as in Redis's one thread */
    ss_migrate_args m;
    if (!ss_migrate_parse(a, &m, out))
        return SS_DISPATCH_DONE;
    if (e->stopping) {
        ss_reply_err(out, RERR_SHUTDOWN);
        return SS_DISPATCH_DONE;
    }
    migrate_op *op = calloc(1, sizeof *op);
    ss_args *copy = ss_args_copy(a, 1);
    if (!op || !copy) {
        free(op);
        free(copy);
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    *op = (migrate_op){.e = e, .s = s, .db = s->db, .m = m, .a = copy};
    op->cookie = ss_engine_begin_async(e, s, KIND_WRITE);
    s->blocked = true; /* nothing after it runs until it answers */
    if (e->cluster == NULL || e->cfg->read_consistency == SS_READ_STALE)
        on_barrier(op, SS_OK);
    else
        ss_cluster_read_barrier(e->cluster, on_barrier, op);
    return SS_DISPATCH_ASYNC;
}

void ss_migrate_end_all(ss_engine *e)
{
    while (e->migrations)
        finish(e->migrations, RERR_SHUTDOWN, "");
}

/* The command engine: routes each command to a local handler, a read barrier or the Raft log. */
#include "commands/engine.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "commands/engine_internal.h"
#include "commands/entry.h"
#include "common/log.h"

uint64_t ss_exec_rand(ss_exec_ctx *ctx)
{
    uint64_t z = (ctx->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

int64_t ss_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t ss_engine_rand(ss_engine *e)
{
    ss_exec_ctx tmp = {.rng = e->rng};
    uint64_t v = ss_exec_rand(&tmp);
    e->rng = tmp.rng;
    return v;
}

/* ------------------------------------------------------------ sessions */

void ss_session_init(ss_session *s, uint64_t id, bool authenticated)
{
    memset(s, 0, sizeof *s);
    s->id = id;
    s->proto = RESP2;
    s->authenticated = authenticated;
    s->created_ms = ss_wall_ms();
    s->last_interaction_ms = s->created_ms;
    snprintf(s->last_cmd, sizeof s->last_cmd, "NULL");
}

void ss_session_release(ss_session *s)
{
    ss_multi_discard(s);
    free(s->queued);
    s->queued = NULL;
    s->queued_cap = 0;
}

/* ------------------------------------------------------------ accessors */

ss_config *ss_engine_config(ss_engine *e) { return e->cfg; }
ss_store *ss_engine_store(ss_engine *e) { return e->store; }
ss_cluster *ss_engine_cluster(ss_engine *e) { return e->cluster; }
const ss_engine_hooks *ss_engine_hooks_get(ss_engine *e) { return &e->hooks; }
const ss_engine_stats *ss_engine_get_stats(const ss_engine *e) { return &e->stats; }
ss_engine_stats *ss_engine_stats_mut(ss_engine *e) { return &e->stats; }

/* --------------------------------------------------- async completion */

void *ss_engine_begin_async(ss_engine *e, ss_session *s, int kind)
{
    s->pending++;
    s->pending_kind = kind;
    return e->hooks.begin_async(e->hooks.ctx, s);
}

void ss_engine_finish_async(ss_engine *e, ss_session *s, void *cookie, const char *reply, size_t len)
{
    s->pending--;
    if (s->pending == 0)
        s->pending_kind = KIND_NONE;
    e->hooks.complete(e->hooks.ctx, s, cookie, reply, len);
}

void ss_engine_finish_error(ss_engine *e, ss_session *s, void *cookie, ss_reply_err_code code, ...)
{
    ss_buf b;
    ss_buf_init(&b, 0);
    if (code == RERR_MOVED) {
        const char *addr = e->cluster ? ss_cluster_leader_addr(e->cluster) : NULL;
        ss_reply_err(&b, code, addr ? addr : "?");
    } else {
        ss_reply_err(&b, code, "");
    }
    ss_engine_finish_async(e, s, cookie, ss_buf_data(&b), ss_buf_len(&b));
    ss_buf_release(&b);
}

/* ---------------------------------------------------------- lifecycle */

int ss_engine_new(uv_loop_t *loop, ss_config *cfg, ss_store *store, const ss_engine_hooks *hooks,
                  ss_engine **out, char *errmsg)
{
    ss_engine *e = calloc(1, sizeof *e);
    if (!e)
        return ss_errf(errmsg, SS_ENOMEM, "engine: out of memory");
    e->loop = loop;
    e->cfg = cfg;
    e->store = store;
    e->hooks = *hooks;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* A boot id distinct across restarts of this node: entries proposed by an
     * earlier life must never match a request of this one. */
    e->rng = ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) ^ ((uint64_t)getpid() << 32);
    e->boot_id = ss_engine_rand(e) | 1;
    ss_buf_init(&e->scratch, 0);
    uv_timer_init(loop, &e->timer);
    e->timer.data = e;
    uv_idle_init(loop, &e->sweeper);
    e->sweeper.data = e;
    *out = e;
    return SS_OK;
}

static void free_after_close(uv_handle_t *h)
{
    ss_engine *e = h->data;
    if (--e->open_handles == 0) {
        ss_buf_release(&e->scratch);
        free(e->pw);
        free(e);
    }
}

void ss_engine_free(ss_engine *e)
{
    if (!e)
        return;
    e->open_handles = 2;
    uv_close((uv_handle_t *)&e->timer, free_after_close);
    uv_close((uv_handle_t *)&e->sweeper, free_after_close);
}

void ss_engine_attach_cluster(ss_engine *e, ss_cluster *c) { e->cluster = c; }

void ss_engine_start(ss_engine *e)
{
    uv_timer_start(&e->timer, ss_engine_on_timer, 100, 100);
    uv_idle_start(&e->sweeper, ss_engine_on_sweep);
}

void ss_engine_stop(ss_engine *e)
{
    e->stopping = true;
    uv_timer_stop(&e->timer);
    uv_idle_stop(&e->sweeper);
    /* A write already handed to Raft may still commit (it may even be
     * durable on a majority): its outcome is unknown, never "failed". */
    ss_pending_fail_all(e, RERR_SHUTDOWN_UNKNOWN, false);
}

/* ------------------------------------------------------------ dispatch */

static void reply_unknown(ss_buf *out, const ss_args *a)
{
    char args[512] = "";
    size_t used = 0;
    for (int i = 1; i < a->argc && used < 256; i++) {
        int n = snprintf(args + used, sizeof args - used, "'%.*s' ",
                         (int)(a->argvlen[i] > 128 ? 128 : a->argvlen[i]), a->argv[i]);
        if (n < 0 || (size_t)n >= sizeof args - used)
            break;
        used += (size_t)n;
    }
    ss_reply_err(out, RERR_UNKNOWN_CMD, a->argv[0], args);
}

static bool is_multi_control(const ss_command *cmd)
{
    return !strcmp(cmd->name, "exec") || !strcmp(cmd->name, "discard") ||
           !strcmp(cmd->name, "multi") || !strcmp(cmd->name, "watch") || !strcmp(cmd->name, "quit") ||
           !strcmp(cmd->name, "reset");
}

/* In redirect mode a follower answers data commands with the leader's address. */
static bool redirect(ss_engine *e, const ss_command *cmd, ss_buf *out)
{
    if (e->cfg->follower_mode != SS_FOLLOWER_REDIRECT || e->cluster == NULL ||
        ss_cluster_is_leader(e->cluster) || (cmd->flags & CMD_LOCAL_ONLY))
        return false;
    const char *addr = ss_cluster_leader_addr(e->cluster);
    if (addr)
        ss_reply_err(out, RERR_MOVED, addr);
    else
        ss_reply_err(out, RERR_NOLEADER);
    return true;
}

ss_dispatch_result ss_engine_dispatch(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    e->stats.commands_processed++;
    s->last_interaction_ms = ss_wall_ms();
    const ss_command *cmd = ss_command_lookup(a->argv[0], a->argvlen[0]);
    if (cmd == NULL || (cmd->flags & CMD_INTERNAL)) {
        if (s->in_multi)
            s->multi_dirty = true;
        reply_unknown(out, a);
        return SS_DISPATCH_DONE;
    }
    snprintf(s->last_cmd, sizeof s->last_cmd, "%s", cmd->name);
    if (!s->authenticated && !(cmd->flags & CMD_NOAUTH)) {
        if (s->in_multi)
            s->multi_dirty = true;
        ss_reply_err(out, RERR_NOAUTH);
        return SS_DISPATCH_DONE;
    }
    if (!ss_command_arity_ok(cmd, a->argc)) {
        if (s->in_multi)
            s->multi_dirty = true;
        ss_reply_err(out, RERR_ARITY, cmd->name);
        return SS_DISPATCH_DONE;
    }
    if (s->in_multi && !is_multi_control(cmd)) {
        if (cmd->flags & CMD_NOMULTI) {
            s->multi_dirty = true;
            ss_reply_err(out, RERR_NOT_IN_MULTI);
            return SS_DISPATCH_DONE;
        }
        return ss_multi_queue(e, s, cmd, a, out);
    }
    if (!strcmp(cmd->name, "exec"))
        return ss_multi_exec(e, s, out);
    if (cmd->local) {
        /* Connection commands still keep the pipeline's order: a SELECT must
         * not take effect before the reads queued ahead of it have run. */
        if (s->pending > 0 && s->pending_kind == KIND_READ && !strcmp(cmd->name, "select"))
            return SS_DISPATCH_BLOCKED;
        cmd->local(e, s, a, out);
        return SS_DISPATCH_DONE;
    }
    if (redirect(e, cmd, out))
        return SS_DISPATCH_DONE;
    if (cmd->flags & CMD_WRITE) {
        if (s->pending > 0 && s->pending_kind != KIND_WRITE)
            return SS_DISPATCH_BLOCKED;
        if (cmd->prepare && !cmd->prepare(s, a, out))
            return SS_DISPATCH_DONE;
        return ss_write_propose(e, s, a, 1, 0, out);
    }
    if (s->pending > 0 && s->pending_kind != KIND_READ)
        return SS_DISPATCH_BLOCKED;
    return ss_read_start(e, s, a, 1, false, out);
}

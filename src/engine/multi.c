/* MULTI / EXEC / DISCARD / WATCH / UNWATCH: the queued commands become one log entry, applied atomically. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/keyhelpers.h"
#include "commands/numbers.h"
#include "store/keyspace.h"

#include "commands/acl.h"
#include "engine/engine_internal.h"
#include "engine/entry.h"

/* UNWATCH: forgets every watched key. */
static void unwatch_all(ss_session *s)
{
    for (int i = 0; i < s->nwatched; i++)
        free(s->watched[i].key);
    free(s->watched);
    s->watched = NULL;
    s->nwatched = s->watched_cap = 0;
    s->watched_bytes = 0;
}

/* EXEC, DISCARD, RESET and a closing connection also unwatch, as in Redis. */
void ss_multi_discard(ss_session *s)
{
    unwatch_all(s);
    for (int i = 0; i < s->nqueued; i++)
        free(s->queued[i].a);
    s->nqueued = 0;
    s->queued_bytes = 0;
    s->in_multi = false;
    s->multi_dirty = false;
}

/* SUBSCRIBE PSUBSCRIBE SSUBSCRIBE and their UNSUBSCRIBEs: the connection's
 * own state, queued in MULTI (Redis 7.0 does) and run by EXEC here. */
static bool is_pubsub(const ss_command *cmd)
{
    static const char *const names[] = {"subscribe", "psubscribe", "ssubscribe",
                                        "unsubscribe", "punsubscribe", "sunsubscribe"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(cmd->name, names[i]))
            return true;
    return false;
}

/*
 * EXEC of a transaction with (un)subscribe commands. Redis runs them in
 * order with the others. Here the others are one log entry whose reply is
 * built in apply, so a transaction of only (un)subscribe commands runs on
 * this node at once, with Redis's replies (SSUBSCRIBE answers what Redis
 * answers a client that may not block); one that mixes them with other
 * commands or follows a WATCH is refused (README). True if it answered.
 */
static bool exec_pubsub(ss_engine *e, ss_session *s, ss_buf *out)
{
    int n = 0;
    for (int i = 0; i < s->nqueued; i++)
        n += is_pubsub(s->queued[i].cmd);
    if (n == 0)
        return false;
    if (n < s->nqueued || s->nwatched > 0) {
        ss_multi_discard(s);
        resp_add_error(out, "ERR sandstore runs (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE in a transaction only "
                            "with one another (no other command, no WATCH)");
        return true;
    }
    resp_add_array_len(out, (size_t)n);
    for (int i = 0; i < s->nqueued; i++) {
        const ss_command *cmd = s->queued[i].cmd;
        if (!ss_acl_exec_permit(&e->node, s->user, s->user_len, s, s->queued[i].a, out))
            continue; /* the rules changed since it was queued */
        if (!strcmp(cmd->name, "ssubscribe"))
            resp_add_error(out, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        else
            cmd->local(&e->node, s, s->queued[i].a, out);
    }
    ss_multi_discard(s);
    return true;
}

ss_dispatch_result ss_multi_queue(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                  ss_buf *out)
{
    /* Inside EXEC a command runs as part of one log entry, so it must be a
     * keyspace command (or PING/ECHO, which have an exec half too): what an
     * entry may hold, which apply checks again. The (un)subscribe commands
     * are queued as Redis queues them and run on this node at EXEC. */
    if (!ss_entry_allows(cmd, true) && !is_pubsub(cmd) && !(cmd->flags & CMD_ACL)) {
        s->multi_dirty = true;
        ss_reply_err(out, RERR_NOT_IN_MULTI);
        return SS_DISPATCH_DONE;
    }
    if (s->nqueued >= SS_MULTI_MAX_QUEUED) {
        s->multi_dirty = true;
        ss_reply_err(out, RERR_INTERNAL, "too many commands queued in this transaction");
        return SS_DISPATCH_DONE;
    }
    /* The queued commands become one log entry: the command that would make
     * it too big for the log is refused now, and EXEC aborts, as Redis does
     * for any error while queueing. */
    uint64_t bytes = ss_entry_cmd_size(a);
    if (SS_ENTRY_HEADER_SIZE + s->queued_bytes + bytes > e->max_entry) {
        s->multi_dirty = true;
        ss_reply_err(out, RERR_ENTRY_TOOBIG, (unsigned long long)e->max_entry);
        return SS_DISPATCH_DONE;
    }
    if (s->nqueued == s->queued_cap) {
        int cap = s->queued_cap ? s->queued_cap * 2 : 8;
        ss_queued_cmd *q = realloc(s->queued, sizeof *q * (size_t)cap);
        if (!q) {
            s->multi_dirty = true;
            ss_reply_err(out, RERR_INTERNAL, "out of memory");
            return SS_DISPATCH_DONE;
        }
        s->queued = q;
        s->queued_cap = cap;
    }
    ss_args *copy = ss_args_copy(a, 1);
    if (!copy) {
        s->multi_dirty = true;
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    s->queued[s->nqueued++] = (ss_queued_cmd){copy, cmd};
    s->queued_bytes += bytes;
    resp_add_shared(out, RESP_SH_QUEUED);
    return SS_DISPATCH_DONE;
}

/* "__watch" then (db, key, digest) per watched key: the first command of a
 * watched EXEC's entry. */
static ss_args *watch_check_args(const ss_session *s)
{
    int argc = 1 + 3 * s->nwatched;
    char **argv = malloc(sizeof *argv * (size_t)argc);
    size_t *lens = malloc(sizeof *lens * (size_t)argc);
    unsigned char *dbs = malloc((size_t)s->nwatched + 1);
    ss_args *copy = NULL;
    if (argv && lens && dbs) {
        argv[0] = (char *)"__watch";
        lens[0] = 7;
        for (int i = 0; i < s->nwatched; i++) {
            const ss_watched_key *w = &s->watched[i];
            dbs[i] = (unsigned char)w->db;
            argv[1 + 3 * i] = (char *)&dbs[i];
            lens[1 + 3 * i] = 1;
            argv[2 + 3 * i] = w->key;
            lens[2 + 3 * i] = w->klen;
            argv[3 + 3 * i] = (char *)w->digest;
            lens[3 + 3 * i] = SS_KEY_DIGEST_LEN;
        }
        ss_args a = {argc, argv, lens};
        copy = ss_args_copy(&a, 1);
    }
    free(argv);
    free(lens);
    free(dbs);
    return copy;
}

bool ss_multi_watch_holds(ss_exec_ctx *ctx, const ss_args *check)
{
    for (int i = 1; i + 2 < check->argc; i += 3) {
        int db = (unsigned char)check->argv[i][0];
        unsigned char now[SS_KEY_DIGEST_LEN];
        if (db >= SS_KS_DBS)
            return false;
        int rc = ss_key_digest(ctx->txn, db, check->argv[i + 1], check->argvlen[i + 1], ctx->now_ms, now);
        if (rc != SS_OK) {
            ss_exec_fail(ctx, rc);
            return false;
        }
        if (memcmp(now, check->argv[i + 2], SS_KEY_DIGEST_LEN) != 0)
            return false;
    }
    return true;
}

/*
 * SELECT in a transaction (Redis 7.0): the queued commands after it run in
 * the db it names, and the connection stays there after EXEC. Apply checks
 * the index against the store's range, the same on every node; one past this
 * node's databases directive is rewritten here to an index every node
 * refuses alike, so the reply is Redis's "DB index is out of range" and the
 * state machines never diverge. Returns the db the connection is in after
 * the transaction has run (s->db when no SELECT changes it).
 */
static int exec_selects(const ss_engine *e, ss_session *s)
{
    static char out_of_range[] = "-1";
    int db = s->db;
    for (int i = 0; i < s->nqueued; i++) {
        ss_args *a = s->queued[i].a;
        long long n;
        if (strcmp(s->queued[i].cmd->name, "select") != 0 || !ss_parse_ll(a->argv[1], a->argvlen[1], &n))
            continue;
        if (n < 0 || n >= e->cfg->databases) {
            a->argv[1] = out_of_range;
            a->argvlen[1] = sizeof out_of_range - 1;
            continue;
        }
        db = (int)n;
    }
    return db;
}

static ss_dispatch_result exec_queued(ss_engine *e, ss_session *s, ss_buf *out)
{
    if (!s->in_multi) {
        ss_reply_err(out, RERR_EXEC_NOMULTI);
        return SS_DISPATCH_DONE;
    }
    if (s->multi_dirty) {
        ss_multi_discard(s);
        ss_reply_err(out, RERR_EXECABORT);
        return SS_DISPATCH_DONE;
    }
    if (s->nqueued == 0 && s->nwatched == 0) {
        ss_multi_discard(s);
        resp_add_array_len(out, 0);
        return SS_DISPATCH_DONE;
    }
    if (exec_pubsub(e, s, out))
        return SS_DISPATCH_DONE;
    /* Watched keys are judged in apply, so a watched EXEC goes through the
     * log even when it only reads. */
    bool watched = s->nwatched > 0;
    bool writes = watched;
    int nacl = 0;
    for (int i = 0; i < s->nqueued; i++) {
        if (ss_command_writes(s->queued[i].cmd, s->queued[i].a))
            writes = true;
        if (s->queued[i].cmd->flags & CMD_ACL) {
            writes = true; /* ACL SETUSER, DELUSER, LOAD: their `__acl` form goes in the entry */
            nacl++;
        }
    }
    int kind = writes ? KIND_WRITE : KIND_READ;
    if (s->pending > 0 && s->pending_kind != kind)
        return SS_DISPATCH_BLOCKED;

    if (watched) {
        /* A WATCH whose read failed (or has not run: it cannot have, EXEC
         * waits behind it) knows no version: abort rather than guess. */
        for (int i = 0; i < s->nwatched; i++) {
            if (!s->watched[i].ready) {
                ss_multi_discard(s);
                resp_add_null_array(out, s->proto);
                return SS_DISPATCH_DONE;
            }
        }
        if (SS_ENTRY_HEADER_SIZE + s->queued_bytes + s->watched_bytes > e->max_entry) {
            ss_multi_discard(s);
            ss_reply_err(out, RERR_ENTRY_TOOBIG, (unsigned long long)e->max_entry);
            return SS_DISPATCH_DONE;
        }
    }
    int db_after = exec_selects(e, s);
    /* The user whose rules every node checks each command against again
     * when the entry is applied (SS_ENTRY_USER) */
    char *user_argv[2] = {(char *)"__user", s->user ? s->user : (char *)"default"};
    size_t user_lens[2] = {6, s->user ? s->user_len : 7};
    uint32_t first = (watched ? 1 : 0) + (writes ? 1 : 0);
    uint32_t n = (uint32_t)s->nqueued + first;
    ss_args *cmds = malloc(sizeof *cmds * (size_t)n);
    ss_args *check = watched ? watch_check_args(s) : NULL;
    ss_acl_entry *acl = nacl ? calloc((size_t)nacl, sizeof *acl) : NULL;
    if (!cmds || (watched && !check) || (nacl && !acl)) {
        free(cmds);
        free(check);
        free(acl);
        ss_multi_discard(s);
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        return SS_DISPATCH_DONE;
    }
    if (check)
        cmds[0] = *check;
    if (writes)
        cmds[first - 1] = (ss_args){2, user_argv, user_lens};
    int built = 0;
    for (int i = 0; i < s->nqueued; i++) {
        if (s->queued[i].cmd->flags & CMD_ACL) {
            /* checked and built now, as Redis runs it at EXEC: an error
             * goes in the entry to be answered in its place */
            ss_acl_entry_build_queued(&e->node, s->queued[i].cmd, s->queued[i].a, &acl[built]);
            cmds[first + (uint32_t)i] = acl[built++].args;
        } else {
            cmds[first + (uint32_t)i] = *s->queued[i].a;
        }
    }
    ss_dispatch_result r;
    /* MULTI state ends here whatever happens next: the entry (or the read's
     * copy) owns the commands from now on. */
    s->in_multi = false;
    if (writes)
        r = ss_write_propose(e, s, cmds, n, SS_ENTRY_MULTI | SS_ENTRY_USER | (watched ? SS_ENTRY_WATCH : 0), out);
    else
        r = ss_read_start(e, s, cmds, n, true, false, out);
    if (db_after != s->db && r == SS_DISPATCH_ASYNC) {
        /* The entry (or read) took the db it starts in; what the client sends
         * next runs where the transaction left it. Unless a WATCH may abort
         * it: then the reply decides (pending.c), and the next commands wait. */
        pending_write *p = watched ? ss_pending_find(e, e->next_seq) : NULL;
        if (p && !p->done) {
            p->exec_db = db_after;
            s->exec_db_wait = true;
        } else if (!watched) {
            s->db = db_after;
        }
    }
    free(cmds);
    free(check);
    for (int i = 0; i < built; i++)
        ss_acl_entry_release(&acl[i]);
    free(acl);
    ss_multi_discard(s);
    return r;
}

/*
 * WATCH is optimistic locking decided in apply, so every node decides alike:
 * WATCH reads (after the read barrier, so linearizably) the digest of each
 * key's type, expiry and value; EXEC's entry carries them, and apply runs the
 * transaction only if every digest is still the same at the EXEC's place in
 * the log. A change by any client on any node, an expiry, a flush, a delete
 * or a type change alters the digest; a write that leaves the key exactly as
 * it was does not (Redis would abort there: the README says so). Nothing is
 * tracked between WATCH and EXEC, so a leader change in between is harmless.
 */
static ss_watched_key *find_watched(ss_session *s, int db, const char *key, size_t klen)
{
    for (int i = 0; i < s->nwatched; i++) {
        ss_watched_key *w = &s->watched[i];
        if (w->db == db && w->klen == klen && !memcmp(w->key, key, klen))
            return w;
    }
    return NULL;
}

static ss_dispatch_result watch(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out)
{
    if (s->in_multi) {
        ss_reply_err(out, RERR_WATCH_IN_MULTI);
        return SS_DISPATCH_DONE;
    }
    if (s->pending > 0 && s->pending_kind != KIND_READ)
        return SS_DISPATCH_BLOCKED;
    for (int i = 1; i < a->argc; i++) {
        if (find_watched(s, s->db, a->argv[i], a->argvlen[i]))
            continue; /* watched already: the first version counts, as in Redis */
        if (s->nwatched >= SS_MULTI_MAX_QUEUED) {
            ss_reply_err(out, RERR_INTERNAL, "too many keys watched by this connection");
            return SS_DISPATCH_DONE;
        }
        if (s->nwatched == s->watched_cap) {
            int cap = s->watched_cap ? s->watched_cap * 2 : 4;
            ss_watched_key *w = realloc(s->watched, sizeof *w * (size_t)cap);
            if (!w) {
                ss_reply_err(out, RERR_INTERNAL, "out of memory");
                return SS_DISPATCH_DONE;
            }
            s->watched = w;
            s->watched_cap = cap;
        }
        char *key = malloc(a->argvlen[i] + 1);
        if (!key) {
            ss_reply_err(out, RERR_INTERNAL, "out of memory");
            return SS_DISPATCH_DONE;
        }
        memcpy(key, a->argv[i], a->argvlen[i]);
        /* not ready until the read below fills its digest in */
        s->watched[s->nwatched++] = (ss_watched_key){.db = s->db, .key = key, .klen = a->argvlen[i]};
        s->watched_bytes += 4 + 1 + 4 + a->argvlen[i] + 4 + SS_KEY_DIGEST_LEN;
    }
    return ss_read_start(e, s, a, 1, false, false, out);
}

void ss_multi_watch_read(ss_exec_ctx *ctx, ss_session *s, const ss_args *a)
{
    for (int i = 1; i < a->argc; i++) {
        ss_watched_key *w = find_watched(s, ctx->db, a->argv[i], a->argvlen[i]);
        if (!w || w->ready)
            continue;
        int rc = ss_key_digest(ctx->txn, ctx->db, w->key, w->klen, ctx->now_ms, w->digest);
        if (rc != SS_OK) {
            ss_reply_err(ctx->out, RERR_INTERNAL, ss_strerror(rc));
            return; /* left not ready: EXEC aborts */
        }
        w->ready = true;
    }
    resp_add_shared(ctx->out, RESP_SH_OK);
}

bool ss_multi_is_watch(const ss_args *a) { return a->argvlen[0] == 5 && !strncasecmp(a->argv[0], "watch", 5); }

ss_dispatch_result ss_multi_command(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                    ss_buf *out)
{
    if (!strcmp(cmd->name, "exec"))
        return exec_queued(e, s, out);
    if (!strcmp(cmd->name, "multi")) {
        if (s->in_multi) {
            ss_reply_err(out, RERR_MULTI_NESTED);
            return SS_DISPATCH_DONE;
        }
        s->in_multi = true;
        s->multi_dirty = false;
        resp_add_shared(out, RESP_SH_OK);
    } else if (!strcmp(cmd->name, "discard")) {
        if (!s->in_multi) {
            ss_reply_err(out, RERR_DISCARD_NOMULTI);
            return SS_DISPATCH_DONE;
        }
        ss_multi_discard(s);
        resp_add_shared(out, RESP_SH_OK);
    } else if (!strcmp(cmd->name, "watch")) {
        return watch(e, s, a, out);
    } else { /* unwatch */
        unwatch_all(s);
        resp_add_shared(out, RESP_SH_OK);
    }
    return SS_DISPATCH_DONE;
}

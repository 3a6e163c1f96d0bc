/* ACL SETUSER, DELUSER and LOAD: checked here, then an `__acl` log entry that every node applies; the users' table at engine start and after a snapshot. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/acl.h"
#include "common/log.h"
#include "engine/engine_internal.h"
#include "engine/script_run.h"
#include "store/txn.h"

/*
 * The users are cluster state (commands/acl.h): a change is checked on the
 * node that receives it (the errors a client hears never reach the log),
 * then proposed as one entry, so every node changes its users at the same
 * log index and a client that hears OK knows the change is committed. In
 * redirect mode a follower answers MOVED, as for any write.
 */
ss_dispatch_result ss_acl_dispatch(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a,
                                   ss_buf *out)
{
    ss_acl_entry ent;
    if (!ss_acl_entry_build(&e->node, cmd, a, out, &ent)) {
        ss_acl_entry_release(&ent);
        return SS_DISPATCH_DONE;
    }
    ss_dispatch_result r = ss_script_route(e, s, &ent.args, true, out);
    ss_acl_entry_release(&ent);
    return r;
}

int ss_engine_acl_reload(ss_engine *e)
{
    ss_txn *txn = ss_txn_begin(e->store);
    int rc = ss_acl_reload(&e->node, txn);
    ss_txn_abort(txn);
    if (rc != SS_OK)
        LOG_WARNING("engine: reading the ACL users from the store failed: %s", ss_strerror(rc));
    else if (e->node.ops && e->node.ops->acl_changed)
        e->node.ops->acl_changed(e, false); /* a snapshot's users: the same sweep as an entry's */
    return rc;
}

/*
 * A login is decided against the users as of a point after it arrived, as
 * a linearizable read is: otherwise a follower a few entries behind would
 * still let in a user that ACL DELUSER (or a new password) has removed
 * through the leader, after the client that removed it heard OK. AUTH and
 * HELLO ... AUTH therefore take the read path's barrier (ReadIndex,
 * cluster_wait.c) first: the command waits (SS_DISPATCH_BLOCKED, the
 * connection reads nothing more, so the replies keep their order and no
 * command runs under the old identity meanwhile), holding an empty reply
 * slot that keeps the session alive; when the barrier has passed this node
 * has applied at least up to the read index, and the command is dispatched
 * again and decides. Without a cluster, or with stale reads
 * configured, there is nothing to wait for; with no leader, nothing to
 * wait for that would come (see below).
 */
typedef struct {
    ss_engine *e;
    ss_session *s;
    void *cookie;
} login_wait;

static bool is_login(const ss_command *cmd, const ss_args *a)
{
    if (!strcmp(cmd->name, "auth"))
        return true;
    if (strcmp(cmd->name, "hello") != 0)
        return false;
    for (int i = 2; i < a->argc; i++)
        if (a->argvlen[i] == 4 && !strncasecmp(a->argv[i], "auth", 4))
            return true;
    return false;
}

static void login_barrier_passed(void *arg, int status)
{
    login_wait *w = arg;
    w->s->login_barrier_done = true;
    w->s->login_barrier_status = status;
    ss_engine_finish_async(w->e, w->s, w->cookie, "", 0); /* the slot holds no reply */
    free(w);
}

bool ss_acl_login_waits(ss_engine *e, ss_session *s, const ss_command *cmd, const ss_args *a, ss_buf *out,
                        ss_dispatch_result *r)
{
    if (e->cluster == NULL || e->cfg->read_consistency == SS_READ_STALE || !is_login(cmd, a))
        return false;
    /* With no leader known (a node not yet joined, a cluster without a
     * quorum) no barrier can pass: the login is decided on the users this
     * node has applied, as before the barrier, so that an operator can still
     * log in to repair the cluster (README, ACL users); so it is when a
     * barrier fails. */
    if (!s->login_barrier_done && ss_cluster_leader_id(e->cluster) == 0)
        return false;
    if (s->login_barrier_done) {
        s->login_barrier_done = false;
        /* A barrier that could not pass (no quorum, a leader change,
         * shutting down): decided on what this node applied, as below. */
        if (s->login_barrier_status != SS_OK)
            LOG_VERBOSE("engine: login of client %llu decided without a read barrier: %s",
                        (unsigned long long)s->id, ss_strerror(s->login_barrier_status));
        return false;
    }
    /* Behind the commands sent before it, as any command's reply. */
    *r = SS_DISPATCH_BLOCKED;
    if (s->pending > 0)
        return true;
    login_wait *w = malloc(sizeof *w);
    if (!w) {
        ss_reply_err(out, RERR_INTERNAL, "out of memory");
        *r = SS_DISPATCH_DONE;
        return true;
    }
    *w = (login_wait){.e = e, .s = s};
    w->cookie = ss_engine_begin_async(e, s, KIND_READ);
    ss_cluster_read_barrier(e->cluster, login_barrier_passed, w);
    return true;
}

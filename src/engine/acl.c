/* ACL SETUSER, DELUSER and LOAD: checked here, then an `__acl` log entry that every node applies; the users' table at engine start and after a snapshot. */
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
    return rc;
}

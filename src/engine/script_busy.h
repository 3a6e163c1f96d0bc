/* A read-only script on its own thread: the node keeps Raft running, holds or answers BUSY to other clients, and SCRIPT KILL stops it. */
#ifndef SS_SCRIPT_BUSY_H
#define SS_SCRIPT_BUSY_H

#include <stdbool.h>

#include "engine/engine_internal.h"

/*
 * Redis runs a script on its only thread and, past busy-reply-threshold,
 * serves events from inside the Lua hook (scriptInterrupt ->
 * processEventsWhileBlocked): other clients get -BUSY, SCRIPT KILL and
 * SHUTDOWN NOSAVE are obeyed. sandstore cannot re-enter its libuv loop from
 * a hook, and its loop also drives Raft: a leader whose loop stalls for the
 * script's length stops heartbeating and loses leadership. So a read-only
 * script (EVAL_RO, EVALSHA_RO, FCALL_RO, no-writes) that passed its read
 * barrier runs on a thread of its own, against a LevelDB view taken when it
 * starts (ss_txn_begin_view), in the read Lua environment, while the loop
 * thread goes on with Raft, apply, replies to writes already in flight,
 * pub/sub delivery and expiry. What the node does for clients meanwhile is
 * Redis's:
 *   - until busy-reply-threshold ms, every other client's next command waits
 *     (the dispatch answers SS_DISPATCH_BLOCKED and the connection reads no
 *     more, as Redis reads none), and so does every read whose barrier
 *     completes (nothing interleaves with a script);
 *   - from then on, Redis's allow-busy commands run (AUTH, HELLO, QUIT, RESET,
 *     MULTI, DISCARD, WATCH, UNWATCH, SCRIPT KILL, FUNCTION KILL, SHUTDOWN
 *     NOSAVE) and every other command is answered -BUSY with Redis's words;
 *   - the script's own connection waits for its reply.
 * Safety: the script's thread reads only through its view txn (LevelDB is
 * thread-safe; the txn is begun and ended on the loop), runs commands
 * against a private copy of ss_node (stats, commandstats, errorstats and
 * slowlog are merged back on the loop when it ends), raises no keyspace
 * events, and is the only user of the read Lua environment while it runs:
 * no other client command is dispatched, reads wait, and apply's changes to
 * that environment (SCRIPT FLUSH, FUNCTION DELETE/FLUSH) are deferred to the
 * script's end. Write scripts never come here: they run in apply under the
 * deterministic budget.
 */

/* Whether the read about to run (one command) is a read-only script that
 * should run on its own thread: __eval_ro / __fcall_ro with a cluster. */
bool ss_busy_wants(const ss_engine *e, const ss_args *a);
/* Starts it: the reply goes to (s, cookie) through ss_engine_finish_async
 * when it ends. Returns false (nothing started) if the thread could not be
 * made: the caller runs it inline. */
bool ss_busy_start(ss_engine *e, ss_session *s, void *cookie, const ss_args *a, int db, resp_proto proto);
/* A read-only script is running (its reply not yet delivered). */
bool ss_busy_running(const ss_engine *e);
/* While one runs: fn(arg) runs once it has ended (in the order deferred).
 * False if out of memory (the caller runs it now). */
bool ss_busy_defer(ss_engine *e, void (*fn)(void *arg), void *arg);
/* The hook's progress call-back for a script on its thread (the kill). */
void ss_busy_progress(ss_engine *e, ss_script_call *call);
/* At engine free. */
void ss_busy_release(ss_engine *e);
/* True on the script's thread: the read limits there have no instruction
 * budget (Redis's read-only scripts run until they end or are killed). */
bool ss_busy_in_worker(void);
/* MONITOR on the script's thread: the line of a command the script runs,
 * kept until the script ends (then shown by the loop). */
void ss_busy_monitor(ss_engine *e, int db, const ss_command *cmd, const ss_args *a);

/* Dispatch's gate: true when it answered (out, *r) or held the command. */
bool ss_busy_gate(ss_engine *e, ss_session *s, const ss_args *a, ss_buf *out, ss_dispatch_result *r);
/* SCRIPT KILL (is_eval) / FUNCTION KILL: Redis's replies. */
void ss_busy_kill(ss_engine *e, bool is_eval, ss_buf *out);
/* Stops a running script now (kill, wait for its thread, deliver its reply):
 * before a snapshot replaces the store, and at shutdown. What waited for it
 * stays queued until ss_busy_resume (after the store is replaced). */
void ss_busy_stop(ss_engine *e);
void ss_busy_resume(ss_engine *e);
/* A connection closing: it is no longer held. */
void ss_busy_forget(ss_engine *e, ss_session *s);

/* Apply's changes to the read Lua environment: at once, or at the end of
 * the running script. name NULL: every library. */
void ss_busy_read_env_flush(ss_engine *e);
void ss_busy_read_env_drop(ss_engine *e, const char *name, size_t len);

#endif

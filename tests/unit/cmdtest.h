/* A test bench for command semantics: runs commands against a real store, in process, as apply and read would. */
#ifndef SS_CMDTEST_H
#define SS_CMDTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/*
 * ct_setup() opens a fresh store in a temp dir and an engine over it;
 * ct_teardown() removes both. ct_run("SET k v EX 10") splits the line like
 * redis-cli (quotes and \x escapes work), runs it — a write as the apply
 * half at log index ct_next_index() with time ct_now, a read against the
 * applied state — and returns the RESP reply as a C string (valid until the
 * next ct_run). Binary-safe variant: ct_runv(argc, argv, argvlen).
 *
 * ct_now is the clock both halves see (ms since the epoch); tests move it to
 * exercise expiry. ct_seed feeds the entry's random seed (SPOP, RANDOMKEY...).
 */
extern int64_t ct_now;
extern uint64_t ct_seed;

void ct_setup(void);
/* ct_setup over a store opened with these options (NULL: the defaults). */
void ct_setup_with(const ss_store_options *opts);
void ct_teardown(void);
const char *ct_run(const char *line);
const char *ct_runv(int argc, const char **argv, const size_t *argvlen);
/* Several commands as one MULTI/EXEC entry: "SET a 1", "INCR a", NULL. */
const char *ct_exec(const char *first, ...);
/* Runs line through the engine's dispatch, as from a client connected to
 * this node: the table's lookup, arity and subcommand checks, then a command
 * answered at once (COMMAND, CONFIG, CLIENT...; not reads or writes). */
const char *ct_dispatch(const char *line);
/* Whether ct_dispatch's connection speaks RESP3 (it starts in RESP2). */
void ct_dispatch_resp3(bool on);
/* Whether ct_run/ct_runv/ct_exec speak RESP3 (they start in RESP2). */
void ct_resp3(bool on);
/* The keyspace events the last ct_run/ct_runv/ct_exec raised, in order,
 * space-separated: "modified:KEY", "CLASS:EVENT:KEY" (class zset, list,
 * set, hash, string, generic...), "ready:KEY", "flushed:DB"; "" if none.
 * Only a run holding a write records them (ct_events below has each kind
 * apart, and reads' keymiss). */
const char *ct_key_events(void);
/* Sets requirepass and starts ct_dispatch's connection afresh (so it must
 * authenticate). */
void ct_require_password(const char *pass);
/* ct_dispatch's connection, to look at what a command changed. */
const struct ss_session *ct_session(void);
/* INFO's keyspace_hits and keyspace_misses so far. */
void ct_keyspace_stats(uint64_t *hits, uint64_t *misses);
/* The number of bytes of the last reply (replies may hold NUL bytes). */
size_t ct_reply_len(void);
/* The store's applied index (each write advances it). */
uint64_t ct_applied_index(void);
/* Applies raw bytes as the next committed log entry, through the engine's
 * state machine as every replica would, and returns the replies the apply
 * produced (empty when the entry was skipped). */
const char *ct_apply(const void *entry, size_t len);
/* Applies n entries (bytes and lengths) as one committed batch; asserts the
 * apply did not stop the node. */
void ct_apply_batch(const void *const *entries, const size_t *lens, size_t n);
/*
 * What apply raised during the last ct_run / ct_exec (ss_exec_events), as
 * space-separated words in order:
 *   ct_events()   the keyspace events: "new:k set:k expire:k" ("move_to:k@2"
 *                 for db 2); every class is recorded, whatever
 *                 notify-keyspace-events says
 *   ct_modified() the keys signalModifiedKey would touch ("k", "k@2"), and
 *                 "*0" / "*all" for a flushed db / every db
 *   ct_ready()    the keys signaled ready for blocked clients
 */
const char *ct_events(void);
const char *ct_modified(void);
const char *ct_ready(void);

/* The engine under test (for tests that drive ss_engine_dispatch). */
struct ss_engine *ct_engine(void);

/* Expects line's reply to be exactly the literal reply, NUL bytes and all
 * (compared by length; for test files that include Criterion). */
#define CT_EXPECT(line, reply)                                                            \
    do {                                                                                  \
        const char *got_ = ct_run(line);                                                  \
        cr_expect(ct_reply_len() == sizeof(reply) - 1 && memcmp(got_, reply, sizeof(reply) - 1) == 0, \
                  "%s: got %s, want %s", line, got_, reply);                              \
    } while (0)

#endif

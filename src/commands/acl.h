/* ACL users as Redis 7.0 has them: the rules (ACL SETUSER's words), the check of a command line against a user, and the node's table of users. */
#ifndef SS_ACL_H
#define SS_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands/command.h"
#include "resp/buf.h"

/*
 * A user has flags (on/off, nopass, sanitize-payload), password hashes
 * (SHA-256, lowercase hex, as Redis stores them) and selectors: the root one
 * (the rules given outside parentheses) and any number of "(...)" ones. A
 * selector allows a set of commands (one bit per row of the command table,
 * subcommands included, plus a bit that only +@all sets: "future commands"),
 * first arguments of otherwise denied commands (+select|0), key patterns
 * (~ read and write, %R~ read, %W~ write) and channel patterns (&). A
 * command line is allowed when one selector allows it whole.
 *
 * The table of users is cluster state: engine/acl.c routes ACL SETUSER,
 * DELUSER and LOAD through the Raft log as `__acl` entries, whose apply half
 * (commands/cmd_acl.c) changes the table and the store's SS_AUX_ACL records
 * (one per user: its ACL LIST rules), so that every node holds the same users
 * at the same log index, in snapshots too. The log of denials (ACL LOG) is
 * the node's own.
 */

/* Why a check failed; the order is Redis's (the most relevant error wins). */
enum { SS_ACL_OK = 0, SS_ACL_DENIED_CMD = 1, SS_ACL_DENIED_KEY = 2, SS_ACL_DENIED_AUTH = 3, SS_ACL_DENIED_CHANNEL = 4 };

/* Where a denial happened (ACL LOG's context). */
enum { SS_ACL_CTX_TOPLEVEL = 0, SS_ACL_CTX_MULTI = 1, SS_ACL_CTX_LUA = 2 };

/* Why a rule was refused: ACL SETUSER's "Error in ACL SETUSER modifier". */
typedef enum {
    SS_ACLE_OK = 0,
    SS_ACLE_SYNTAX,            /* Redis's EINVAL */
    SS_ACLE_UNKNOWN,           /* ENOENT: no such command or category */
    SS_ACLE_KEY_AFTER_ALL,     /* EEXIST */
    SS_ACLE_CHANNEL_AFTER_ALL, /* EISDIR */
    SS_ACLE_NO_SUCH_PASS,      /* ENODEV */
    SS_ACLE_BAD_HASH,          /* EBADMSG */
    SS_ACLE_FIRSTARG_SUB,      /* ECHILD */
    SS_ACLE_TOO_MANY,          /* sandstore's bounds (SS_ACL_MAX_*) */
} ss_acl_err;

/* What one user may hold, so that input cannot grow it without end. */
#define SS_ACL_MAX_USERS 10000
#define SS_ACL_MAX_PASSWORDS 64
#define SS_ACL_MAX_SELECTORS 64
#define SS_ACL_MAX_PATTERNS 1024   /* key, channel patterns and first args, each, per selector */
#define SS_ACL_HASH_LEN 64         /* SHA-256 in hex */

typedef struct ss_acl_user ss_acl_user;
typedef struct ss_acl ss_acl;

/* Redis's text for err ("Syntax error", "Unknown command or category name in ACL"...). */
const char *ss_acl_err_text(ss_acl_err err);

/* ---------------------------------------------------------------- users */

/* A new user as ACL SETUSER creates one: off, no password, no permission. */
ss_acl_user *ss_acl_user_new(const char *name, size_t len);
ss_acl_user *ss_acl_user_copy(const ss_acl_user *u, const char *name, size_t len);
void ss_acl_user_free(ss_acl_user *u);
const char *ss_acl_user_name(const ss_acl_user *u, size_t *len);
/*
 * Applies one rule (ACL SETUSER's argument, a whole "(...)" selector
 * included). On error the user may have changed in part: apply the rules
 * of one command to a copy.
 */
ss_acl_err ss_acl_user_set(ss_acl_user *u, const char *op, size_t len);
/*
 * ACL SETUSER's arguments with selectors merged back together ("(~a" "+get)"
 * is one rule, as Redis accepts): *out (free with ss_acl_rules_free) holds
 * the rules, pointing into fresh memory. False (with *bad the argument that
 * opens the unmatched parenthesis) when a "(" is never closed.
 */
typedef struct ss_acl_rules {
    int n;
    char **op;
    size_t *len;
} ss_acl_rules;
bool ss_acl_rules_merge(int argc, char *const *argv, const size_t *argvlen, ss_acl_rules *out, int *bad);
void ss_acl_rules_free(ss_acl_rules *r);
/* ACL LIST's words after "user <name> ", appended to out. */
void ss_acl_user_describe(const ss_acl_user *u, ss_buf *out);
/* ACL GETUSER's map. */
void ss_acl_user_reply(const ss_acl_user *u, ss_buf *out, resp_proto proto);
/* Whether pass is one of the user's passwords (nopass: any), compared in
 * time that does not depend on where it differs; false for a user that is off. */
bool ss_acl_user_check_password(const ss_acl_user *u, const char *pass, size_t len);
bool ss_acl_user_nopass(const ss_acl_user *u);
bool ss_acl_user_enabled(const ss_acl_user *u);
/*
 * Whether the user may run the command line: SS_ACL_OK or why not, with *pos
 * the argument (key or channel) that was refused.
 */
int ss_acl_user_check(const ss_acl_user *u, const ss_command *cmd, const ss_args *a, int *pos);

/* Whether a subscription may stay once the user's channels changed, as
 * Redis 7.0's ACLKillPubsubClientsIfNeeded judges it: some selector allows
 * the channel (a pattern subscription: names the very pattern). */
bool ss_acl_user_channel_ok(const ss_acl_user *u, const char *ch, size_t len, bool pattern);

/* Hex SHA-256 of a password (SS_ACL_HASH_LEN bytes, no NUL). */
void ss_acl_hash_password(const char *pass, size_t len, char hex[SS_ACL_HASH_LEN]);
/* Equality of two byte strings in time independent of where they differ
 * (the length still shows): AUTH and the cluster secret. */
bool ss_secret_equal(const void *a, size_t alen, const void *b, size_t blen);

/* -------------------------------------------------------------- the table */

ss_acl *ss_acl_new(void);
void ss_acl_free(ss_acl *acl);
/* The user named so; NULL if none. "default" always exists. */
ss_acl_user *ss_acl_find(const ss_acl *acl, const char *name, size_t len);
/* Adds or replaces (takes u). False when the table is full. */
bool ss_acl_put(ss_acl *acl, ss_acl_user *u);
/* Removes and frees; false if there was none. */
bool ss_acl_del(ss_acl *acl, const char *name, size_t len);
/* Every user, in name order (Redis's rax order). */
size_t ss_acl_count(const ss_acl *acl);
const ss_acl_user *ss_acl_at(const ss_acl *acl, size_t i);
/* Drops every user but leaves the default one as a fresh server has it. */
void ss_acl_clear(ss_acl *acl);
/*
 * requirepass: while the cluster's ACL holds no "default" user of its own
 * (no ACL SETUSER default, no ACL LOAD naming it), the default user is Redis's
 * ("on nopass ~* &* +@all") with this node's requirepass as its password.
 * Called whenever the configured value may have changed; cheap when it has not.
 */
void ss_acl_set_requirepass(ss_acl *acl, const char *pass);
/* Whether the default user is the cluster's (recorded), not requirepass's. */
void ss_acl_set_default_recorded(ss_acl *acl, bool recorded);
bool ss_acl_default_recorded(const ss_acl *acl);

/* Takes from's users for acl's (frees from); without a default user among
 * them, the default is requirepass's again. */
void ss_acl_adopt(ss_acl *acl, ss_acl *from);

/*
 * An aclfile's text as ACL LOAD reads it ("user <name> rules..." lines):
 * the users it defines, into *out (a fresh table; free with ss_acl_free),
 * or false with Redis's list of errors in err (fname names the file).
 */
bool ss_acl_parse_file(const char *text, size_t len, const char *fname, ss_acl **out, ss_buf *err);

/* ---------------------------------------------------------------- ACL LOG */

/* Records a denial (merged with a like one of the last minute, as Redis). */
void ss_acl_log_add(ss_acl *acl, int reason, int context, const char *object, size_t olen, const char *user,
                    size_t ulen, const char *cinfo, int64_t now_ms, size_t max_len);
/* ACL LOG [count]: the newest count entries. */
void ss_acl_log_reply(const ss_acl *acl, long count, int64_t now_ms, ss_buf *out, resp_proto proto);
void ss_acl_log_reset(ss_acl *acl);

/* Redis's ACLStringHasSpaces: user names and patterns may hold none. */
bool ss_acl_has_spaces(const char *s, size_t len);

/* -------------------------------------------------- the node's side (cmd_acl.c) */

/* A new connection is the default user's, authenticated when that user
 * needs no password. */
void ss_acl_session_start(ss_node *node, ss_session *s);
/* The connection is now user name's. */
void ss_acl_session_login(ss_session *s, const char *name, size_t len);
/*
 * After the users changed (an `__acl` entry applied, or a snapshot's users
 * installed): whether the connection may stay, as Redis 7.0 decides: not
 * when its user is gone (DELUSER, ACL LOAD without it), nor, with
 * every_user (ACL LOAD: Redis 7.0 frees every user but the default one,
 * closing their connections), when its user is not the default one, nor
 * when one of its subscriptions is no longer allowed by its user's channels.
 */
bool ss_acl_session_keeps(ss_node *node, ss_session *s, bool every_user);
/* AUTH's and HELLO AUTH's check (user NULL: AUTH <password>, the default
 * user): true if right; else the error is replied and the failure logged
 * (ACL LOG, object cmdname). Logs nobody in: the caller does. */
bool ss_acl_authenticate(ss_node *node, ss_session *s, const char *cmdname, const char *user, size_t ulen,
                         const char *pass, size_t plen, ss_buf *out);
/* The check at dispatch: true if the connection's user may run the command
 * line; else NOPERM is replied and the denial logged. */
bool ss_acl_permit(ss_node *node, ss_session *s, const ss_command *cmd, const ss_args *a, ss_buf *out);
/* The check of a script's redis.call() (user NULL: the default user), in
 * apply on every node or in a read: false with the error Redis's scripts
 * hear in reply, and the denial logged (context "lua"). */
bool ss_acl_script_permit(ss_node *node, const char *user, size_t ulen, const ss_command *cmd, const ss_args *a,
                          ss_buf *reply);
/*
 * EXEC's check of one queued command against the rules of user (NULL: the
 * default user) as they stand when it runs (Redis 7.0 checks again at EXEC:
 * the rules may have changed since it was queued): false with Redis's
 * "ACLs rules changed..." NOPERM in out, the denial logged (context multi)
 * with s's client info when s is given. An unknown command passes (the
 * caller answers it).
 */
bool ss_acl_exec_permit(ss_node *node, const char *user, size_t ulen, ss_session *s, const ss_args *a,
                        ss_buf *out);
/* redis.acl_check_cmd's question: the same check, nothing replied or logged. */
bool ss_acl_script_allows(ss_node *node, const char *user, size_t ulen, const ss_command *cmd, const ss_args *a);
/* The users from the store's records (engine start, snapshot installed). */
int ss_acl_reload(ss_node *node, ss_txn *txn);

/* ACL SETUSER, DELUSER and LOAD as the `__acl` entry that makes the change
 * on every node, checked first on this node (false: the error is replied). */
typedef struct ss_acl_entry {
    ss_args args;
    char **argv;
    size_t *argvlen;
    ss_buf file; /* LOAD: the aclfile's text */
} ss_acl_entry;
bool ss_acl_entry_build(ss_node *node, const ss_command *cmd, const ss_args *a, ss_buf *out, ss_acl_entry *ent);
void ss_acl_entry_release(ss_acl_entry *ent);
/* The same for a command queued in MULTI, built at EXEC: always an entry's
 * command; where the check fails, "__acl fail SUB ERROR" whose apply
 * answers that error in the command's place in EXEC's reply (as Redis runs
 * the command, and fails it, at EXEC). False in that case. */
bool ss_acl_entry_build_queued(ss_node *node, const ss_command *cmd, const ss_args *a, ss_acl_entry *ent);

/* -------------------------------------------------------- command table */

/* ACL CAT category: the commands in category bit cat (subcommands too). */
void ss_acl_cat_reply(uint32_t cat, ss_buf *out);

#endif

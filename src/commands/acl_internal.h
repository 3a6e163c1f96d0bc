/* The insides of ACL users shared by commands/acl*.c: selectors, patterns and the command bits. */
#ifndef SS_ACL_INTERNAL_H
#define SS_ACL_INTERNAL_H

#include "commands/acl.h"

/* One bit per client-visible row, and the last for "future commands" (set by +@all only). */
#define SS_ACL_BITS 1024
#define SS_ACL_FUTURE_BIT (SS_ACL_BITS - 1)

enum { SS_ACL_PERM_READ = 1, SS_ACL_PERM_WRITE = 2, SS_ACL_PERM_ALL = 3 };
enum { SEL_ROOT = 1, SEL_ALLKEYS = 2, SEL_ALLCOMMANDS = 4, SEL_ALLCHANNELS = 8 };
/* In the order ACL LIST prints them. */
enum { USER_ENABLED = 1, USER_DISABLED = 2, USER_NOPASS = 4, USER_SANITIZE_SKIP = 8, USER_SANITIZE = 16 };

/* A row of the command table as the ACL sees it. */
typedef struct ss_acl_cmd {
    const ss_command *row;
    int id;                 /* its bit */
    int parent;             /* a subcommand's container's id, else -1 */
    int sub_first, sub_end; /* a container's subcommands' ids */
    uint32_t cats;          /* ss_command_acl */
} ss_acl_cmd;

/* A key pattern (flags SS_ACL_PERM_*), a channel pattern, or a first
 * argument allowed for command id. */
typedef struct acl_pat {
    char *s;
    size_t len;
    int flags;
    int id;
} acl_pat;

typedef struct acl_pats {
    acl_pat *p;
    int n, cap;
} acl_pats;

typedef struct acl_selector {
    uint32_t flags;
    uint64_t bits[SS_ACL_BITS / 64];
    acl_pats keys, channels, firstargs;
} acl_selector;

struct ss_acl_user {
    char *name;
    size_t name_len;
    uint32_t flags;
    char (*pass)[SS_ACL_HASH_LEN];
    int npass;
    acl_selector *sel; /* sel[0] is the root */
    int nsel;
};

/* Every row with its bit, in table order. */
const ss_acl_cmd *ss_acl_cmds(int *n);
/* The entry of a row; NULL for rows no client can name. */
const ss_acl_cmd *ss_acl_cmd_of(const ss_command *row);

/* Case-insensitive equality of op[0..len) and word. */
bool ss_acl_op_is(const char *op, size_t len, const char *word);
/* A NUL-terminated copy (aborts when memory is gone). */
char *ss_acl_dup(const char *p, size_t len);

void ss_acl_sel_init(acl_selector *sel, uint32_t flags);
void ss_acl_sel_release(acl_selector *sel);
void ss_acl_sel_copy(acl_selector *dst, const acl_selector *src);
ss_acl_err ss_acl_sel_set(acl_selector *sel, const char *op, size_t len);
bool ss_acl_sel_bit(const acl_selector *sel, int id);
void ss_acl_sel_change(acl_selector *sel, const ss_acl_cmd *c, bool allow);
void ss_acl_sel_category(acl_selector *sel, uint32_t cat, bool allow);
void ss_acl_sel_all(acl_selector *sel, bool allow);

#endif

/* OBJECT ENCODING/REFCOUNT/FREQ/IDLETIME/HELP: what Redis 7.0 would report for a value of this type and size. */
#include <string.h>

#include "commands/access.h"
#include "commands/collection.h"
#include "commands/families.h"
#include "commands/keyhelpers.h"
#include "commands/numbers.h"
#include "commands/zset.h"
#include "common/clock.h"
#include "store/keyspace.h"

/*
 * sandstore keeps every value in LevelDB, not in Redis's in-memory
 * encodings; OBJECT answers what Redis 7.0 would choose for the value as it
 * is now, with its default thresholds:
 *   string  int (an integer of at most 20 characters), embstr (at most 44
 *           bytes), raw;
 *   list    quicklist (7.0's only list encoding);
 *   set     intset (every member an integer, at most 512), hashtable;
 *   hash    listpack (at most 128 fields, fields and values at most 64
 *           bytes), hashtable;
 *   zset    listpack (at most 128 members of at most 64 bytes), skiplist;
 *   stream  stream.
 * Redis never converts back to the small encoding when a value shrinks;
 * sandstore has no history to remember, so a hash grown past 128 fields and
 * trimmed again reports listpack here, hashtable in Redis.
 *
 * REFCOUNT is Redis's: 2147483647 (its shared integers) for an integer
 * string from 0 to 9999, else 1. IDLETIME (under a non-LFU
 * maxmemory-policy) and FREQ (under an LFU one) are this node's: reads do
 * not go through the log, so each node keeps its own access table
 * (commands/access.h), as each Redis replica keeps its own LRU clocks.
 * OBJECT itself never counts as an access (LOOKUP_NOTOUCH).
 */

#define LISTPACK_ENTRIES 128 /* hash-max-listpack-entries, zset-max-listpack-entries */
#define LISTPACK_VALUE 64    /* hash-max-listpack-value, zset-max-listpack-value */
#define INTSET_ENTRIES 512   /* set-max-intset-entries */
#define SHARED_INTEGERS 10000
#define SHARED_REFCOUNT 2147483647LL

/* Redis's string2ll: an integer with no spaces, no '+', no leading zeros. */
static bool is_int_text(const char *p, size_t n, long long *v)
{
    if (n == 0 || n > 20 || !ss_parse_ll(p, n, v))
        return false;
    if (p[0] == '+' || (n > 1 && p[0] == '0') || (n > 1 && p[0] == '-' && p[1] == '0'))
        return false;
    return true;
}

typedef struct small_check {
    size_t max_len;
    bool ints;
    bool small;
} small_check;

static bool element_small(void *ud, ss_slice sub, ss_slice val)
{
    small_check *sc = ud;
    long long v;
    if (sc->ints)
        sc->small = is_int_text(sub.data, sub.len, &v);
    else
        sc->small = sub.len <= sc->max_len && val.len <= sc->max_len;
    return sc->small;
}

/* Whether the collection's elements all pass: members (sets, zsets) or
 * fields and values (hashes) at most max_len bytes (a zset's value is its
 * 8-byte score), or integers (ints). */
static int elements_small(ss_exec_ctx *ctx, const ss_key *k, size_t max_len, bool ints, bool *small)
{
    small_check sc = {.max_len = max_len, .ints = ints, .small = true};
    int rc = ss_coll_each(ctx, k, element_small, &sc);
    *small = sc.small;
    return rc;
}

static const char *encoding_of(ss_exec_ctx *ctx, const ss_key *k, int *rc)
{
    long long v;
    bool small = false;
    *rc = SS_OK;
    switch (k->meta.type) {
    case SS_TYPE_STRING: {
        uint64_t len = ss_key_strlen(k);
        if (len <= 20 && k->value.len == len && is_int_text(k->value.data, k->value.len, &v))
            return "int";
        return len <= 44 ? "embstr" : "raw";
    }
    case SS_TYPE_LIST:
        return "quicklist";
    case SS_TYPE_SET:
        if (k->meta.count <= INTSET_ENTRIES)
            *rc = elements_small(ctx, k, 0, true, &small);
        return small ? "intset" : "hashtable";
    case SS_TYPE_HASH:
        if (k->meta.count <= LISTPACK_ENTRIES)
            *rc = elements_small(ctx, k, LISTPACK_VALUE, false, &small);
        return small ? "listpack" : "hashtable";
    case SS_TYPE_ZSET:
        if (k->meta.count <= LISTPACK_ENTRIES)
            *rc = elements_small(ctx, k, LISTPACK_VALUE, false, &small);
        return small ? "listpack" : "skiplist";
    case SS_TYPE_STREAM:
        return "stream";
    default:
        return "unknown";
    }
}

/* The key, or Redis's null reply for a missing one (false). */
static bool open_or_null(ss_exec_ctx *ctx, const ss_args *a, ss_key *k)
{
    ss_lookup found = ss_key_open_probe(ctx, a, 2, SS_TYPE_NONE, k);
    if (found == SS_MISSING)
        resp_add_null_bulk(ctx->out, ctx->proto);
    return found == SS_FOUND;
}

static void objectEncodingExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    if (!open_or_null(ctx, a, &k))
        return;
    int rc;
    const char *enc = encoding_of(ctx, &k, &rc);
    if (rc != SS_OK)
        ss_exec_fail(ctx, rc);
    else
        resp_add_bulk_cstr(ctx->out, enc);
}

static long long refcount_of(const ss_key *k)
{
    long long v;
    bool shared = k->meta.type == SS_TYPE_STRING && ss_key_strlen(k) <= 20 &&
                  is_int_text(k->value.data, k->value.len, &v) && v >= 0 && v < SHARED_INTEGERS;
    return shared ? SHARED_REFCOUNT : 1;
}

static void objectRefcountExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    if (!open_or_null(ctx, a, &k))
        return;
    resp_add_int(ctx->out, refcount_of(&k));
}

const char *ss_object_describe(ss_exec_ctx *ctx, const ss_key *k, long long *refcount, int *rc)
{
    *refcount = refcount_of(k);
    return encoding_of(ctx, k, rc);
}

static void objectFreqExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    if (!open_or_null(ctx, a, &k))
        return;
    ss_access_policy p = ss_exec_access_policy(ctx->node);
    if (!p.lfu) {
        ss_reply_err(ctx->out, RERR_OBJECT_NO_LFU);
        return;
    }
    int freq = ctx->node->access ? ss_access_freq(ctx->node->access, k.db, k.name, k.len, ss_clock_wall_ms(), &p)
                                 : SS_ACCESS_LFU_INIT_VAL;
    resp_add_int(ctx->out, freq);
}

/* Seconds since this node's last access of the key (Redis's
 * estimateObjectIdleTime / 1000), on this node's clock. */
static void objectIdletimeExec(ss_exec_ctx *ctx, const ss_args *a)
{
    ss_key k;
    if (!open_or_null(ctx, a, &k))
        return;
    ss_access_policy p = ss_exec_access_policy(ctx->node);
    if (p.lfu) {
        ss_reply_err(ctx->out, RERR_OBJECT_LFU);
        return;
    }
    int64_t idle = 0;
    if (ctx->node->access)
        idle = ss_clock_wall_ms() - ss_access_time(ctx->node->access, k.db, k.name, k.len);
    resp_add_int(ctx->out, idle > 0 ? idle / 1000 : 0);
}

static void objectHelpCommand(ss_node *node, ss_session *s, const ss_args *a, ss_buf *out)
{
    (void)node;
    (void)s;
    (void)a;
    static const char *const lines[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };
    SS_REPLY_HELP(out, lines);
}

static const ss_command object_subcommands[] = {
    SS_READ("object|encoding", 3, 0, ACL_KEYSPACE, objectEncodingExec, .keys = {KEY(2, KS_RO)}),
    SS_READ("object|freq", 3, 0, ACL_KEYSPACE, objectFreqExec, .keys = {KEY(2, KS_RO)}),
    SS_READ("object|idletime", 3, 0, ACL_KEYSPACE, objectIdletimeExec, .keys = {KEY(2, KS_RO)}),
    SS_READ("object|refcount", 3, 0, ACL_KEYSPACE, objectRefcountExec, .keys = {KEY(2, KS_RO)}),
    SS_LOCAL("object|help", 2, CMD_LOADING | CMD_STALE, ACL_KEYSPACE, objectHelpCommand),
    SS_END,
};

const ss_command ss_cmds_object[] = {
    SS_CONTAINER("object", -2, 0, 0, object_subcommands),
};
SS_COUNT(ss_cmds_object);

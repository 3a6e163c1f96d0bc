/* What Redis derives from a command's row: implied ACL categories, movablekeys, the legacy key range, and the keys of a command line. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/command.h"
#include "common/crc16.h"

/* ---------------------------------------------------- ACL categories */

static const char *const acl_names[ACL_COUNT] = {
    "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
    "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
    "connection", "transaction", "scripting",
};

const char *ss_acl_category_name(int i)
{
    return i >= 0 && i < ACL_COUNT ? acl_names[i] : NULL;
}

uint32_t ss_acl_category(const char *name, size_t len)
{
    for (int i = 0; i < ACL_COUNT; i++)
        if (strlen(acl_names[i]) == len && strncasecmp(acl_names[i], name, len) == 0)
            return 1u << i;
    return 0;
}

/* Redis's setImplicitACLCategories. */
uint32_t ss_command_acl(const ss_command *c)
{
    uint32_t acl = c->acl;
    if (c->flags & CMD_WRITE)
        acl |= ACL_WRITE;
    if ((c->flags & CMD_READONLY) && !(acl & ACL_SCRIPTING))
        acl |= ACL_READ;
    if (c->flags & CMD_ADMIN)
        acl |= ACL_ADMIN | ACL_DANGEROUS;
    if (c->flags & CMD_PUBSUB)
        acl |= ACL_PUBSUB;
    if (c->flags & CMD_FAST)
        acl |= ACL_FAST;
    if (c->flags & CMD_BLOCKING)
        acl |= ACL_BLOCKING;
    if (!(acl & ACL_FAST))
        acl |= ACL_SLOW;
    return acl;
}

/* ------------------------------------------------- the legacy range */

int ss_command_nkeyspecs(const ss_command *c)
{
    int n = 0;
    while (n < SS_KEYSPECS_MAX && c->keys[n].begin != 0)
        n++;
    return n;
}

static bool plain_range(const ss_keyspec *k)
{
    return k->begin == SS_KS_INDEX && k->find == SS_KS_RANGE;
}

/*
 * Redis's populateCommandLegacyRangeSpec: the specs as one range of keys
 * (first, last, step; last -1: to the end) for clients that predate key
 * specs, and whether some keys fall outside it (*movable: a count, a
 * keyword, a step, a gap or an incomplete spec).
 */
static void legacy_range(const ss_command *c, int *first, int *last, int *step, bool *movable)
{
    *first = *last = *step = 0;
    *movable = false;
    int n = ss_command_nkeyspecs(c);
    if (n == 0)
        return;
    const ss_keyspec *k = c->keys;
    if (n == 1 && plain_range(k)) {
        *first = k->index;
        *last = k->lastkey >= 0 ? k->index + k->lastkey : k->lastkey;
        *step = k->keystep;
        *movable = (k->flags & KS_INCOMPLETE) != 0;
        return;
    }
    int lo = INT_MAX, hi = 0, prev_hi = 0;
    for (int i = 0; i < n; i++) {
        k = &c->keys[i];
        if (!plain_range(k) || k->keystep != 1 || (prev_hi && prev_hi != k->index - 1)) {
            *movable = true;
            continue;
        }
        if (k->flags & KS_INCOMPLETE)
            *movable = true;
        if (k->index < lo)
            lo = k->index;
        int abs_last = k->lastkey >= 0 ? k->index + k->lastkey : k->lastkey;
        /* Compared unsigned, as Redis does: "to the end" (-1) beats any index. */
        if ((unsigned)abs_last > (unsigned)hi)
            hi = abs_last;
        prev_hi = hi;
    }
    if (lo == INT_MAX) {
        *movable = true;
        return;
    }
    *first = lo;
    *last = hi;
    *step = 1;
}

void ss_command_key_range(const ss_command *c, int *first, int *last, int *step)
{
    bool movable;
    legacy_range(c, first, last, step, &movable);
}

uint32_t ss_command_flags(const ss_command *c)
{
    int first, last, step;
    bool movable;
    legacy_range(c, &first, &last, &step, &movable);
    return c->flags | (movable ? CMD_MOVABLE_KEYS : 0);
}

/* ------------------------------------------- keys of a command line */

bool ss_command_has_keys(const ss_command *c)
{
    if (c->getkeys)
        return true;
    for (int i = 0; i < ss_command_nkeyspecs(c); i++)
        if (!(c->keys[i].flags & KS_NOT_KEY))
            return true;
    return false;
}

/* Where spec k's search begins in a, or 0 when its keyword is absent. */
static int spec_begin(const ss_keyspec *k, const ss_args *a)
{
    if (k->begin == SS_KS_INDEX)
        return k->index;
    bool forward = k->startfrom > 0;
    int i = forward ? k->startfrom : a->argc + k->startfrom;
    size_t kwlen = strlen(k->keyword);
    for (; i >= 1 && i < a->argc; i += forward ? 1 : -1)
        if (a->argvlen[i] == kwlen && strncasecmp(a->argv[i], k->keyword, kwlen) == 0)
            return i + 1;
    return 0;
}

/* Redis's getKeysUsingKeySpecs: the keys the specs find, or -1 when the
 * arguments do not fit them (or a spec is incomplete). */
static int keys_from_specs(const ss_command *c, const ss_args *a, ss_keyref *keys)
{
    int n = 0;
    for (int s = 0; s < ss_command_nkeyspecs(c); s++) {
        const ss_keyspec *k = &c->keys[s];
        if (k->flags & KS_NOT_KEY)
            continue;
        if (k->begin == SS_KS_BEGIN_UNKNOWN)
            return -1; /* as Redis: the getkeys procedure must tell */
        int first = spec_begin(k, a), last;
        if (first == 0)
            continue; /* the keyword is absent: no keys from this spec */
        if (k->find == SS_KS_RANGE) {
            if (k->lastkey >= 0)
                last = first + k->lastkey;
            else if (k->limit == 0)
                last = a->argc + k->lastkey;
            else
                last = first + ((a->argc - first) / k->limit + k->lastkey);
        } else {
            long long numkeys;
            int at = first + k->keynumidx;
            if (at >= a->argc || !ss_parse_ll(a->argv[at], a->argvlen[at], &numkeys) || numkeys < 0 ||
                numkeys > a->argc)
                return -1;
            first += k->firstkey;
            last = first + (int)numkeys - 1;
        }
        if (last >= a->argc || last < first || first >= a->argc)
            return -1;
        for (int i = first; i <= last; i += k->keystep)
            keys[n++] = (ss_keyref){i, k->flags};
        if (k->flags & KS_INCOMPLETE)
            return -1;
    }
    return n;
}

int ss_command_getkeys(const ss_command *c, const ss_args *a, ss_keyref *keys)
{
    bool has_spec = false, variable = false;
    for (int s = 0; s < ss_command_nkeyspecs(c); s++) {
        has_spec |= !(c->keys[s].flags & KS_NOT_KEY);
        variable |= (c->keys[s].flags & KS_VARIABLE_FLAGS) != 0;
    }
    /* Key specs first, when their flags hold whatever the arguments. */
    if (has_spec && !variable) {
        int n = keys_from_specs(c, a, keys);
        if (n >= 0)
            return n;
    }
    return c->getkeys ? c->getkeys(a, keys) : 0;
}

int ss_command_slot(const ss_command *c, const ss_args *a)
{
    if (!ss_command_has_keys(c))
        return -1;
    ss_keyref *keys = malloc(sizeof *keys * SS_KEYSPECS_MAX * (size_t)a->argc);
    if (!keys)
        return -1;
    int n = ss_command_getkeys(c, a, keys);
    int slot = -1;
    if (n > 0) /* the first key found, as Redis's getNodeByQuery */
        slot = ss_key_slot(a->argv[keys[0].pos], a->argvlen[keys[0].pos]);
    free(keys);
    return slot;
}

int ss_getkeys_counted(const ss_args *a, int store, int count_at, int first, int step, ss_keyref *keys)
{
    /* atoi, as Redis: "02" and " 2" count, unlike in the key spec. */
    int num = (int)strtol(a->argv[count_at], NULL, 10);
    if (num < 1 || num > (a->argc - first) / step)
        return 0;
    int n = 0;
    for (int i = 0; i < num; i++)
        keys[n++] = (ss_keyref){first + i * step, 0};
    if (store)
        keys[n++] = (ss_keyref){store, 0};
    return n;
}

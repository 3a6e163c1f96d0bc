/* Fuzz target: arbitrary bytes decoded as a Raft configuration (the data of a RAFT_ENTRY_CONFIG entry, which a peer sends in AppendEntries); whatever decodes must encode, no longer than it came, and decode to the same configuration. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "raft/raft.h"

static void same_or_abort(const raft_conf *a, const raft_conf *b)
{
    bool same = a->n == b->n && a->n_removed == b->n_removed &&
                memcmp(a->removed, b->removed, a->n_removed * sizeof *a->removed) == 0;
    for (size_t i = 0; same && i < a->n; i++) {
        const raft_member *x = &a->members[i], *y = &b->members[i];
        same = x->id == y->id && x->role == y->role && x->promote == y->promote &&
               strcmp(x->addr, y->addr) == 0;
    }
    if (!same)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static raft_conf c, again;
    static uint8_t buf[RAFT_CONF_MAX_ENCODED];
    if (raft_conf_decode(data, size, &c) != SS_OK)
        return 0;
    size_t len = 0;
    if (raft_conf_encode(&c, buf, sizeof buf, &len) != SS_OK || len > size)
        abort(); /* varints may come longer than needed, never shorter */
    if (raft_conf_decode(buf, len, &again) != SS_OK)
        abort();
    same_or_abort(&c, &again);
    return 0;
}

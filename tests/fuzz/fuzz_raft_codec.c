/* Fuzz target: arbitrary bytes decoded as a Raft message; whatever decodes must re-encode and decode to exactly the same message, and re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "raft/raft.h"

static void same_or_abort(const raft_msg *a, const raft_msg *b)
{
    bool same = a->type == b->type && a->from == b->from && a->to == b->to &&
                a->term == b->term && a->prev_index == b->prev_index &&
                a->prev_term == b->prev_term && a->commit == b->commit &&
                a->n_entries == b->n_entries && a->index == b->index &&
                a->hint_index == b->hint_index && a->hint_term == b->hint_term &&
                a->read_seq == b->read_seq && a->last_index == b->last_index &&
                a->last_term == b->last_term && a->reject == b->reject &&
                a->pre_vote == b->pre_vote && a->transfer == b->transfer && a->ctx == b->ctx &&
                a->snap_index == b->snap_index && a->snap_term == b->snap_term &&
                a->offset == b->offset && a->len == b->len && a->done == b->done &&
                (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
    for (size_t i = 0; same && i < a->n_entries; i++) {
        const raft_entry *x = &a->entries[i], *y = &b->entries[i];
        same = x->index == y->index && x->term == y->term && x->type == y->type &&
               x->len == y->len && (x->len == 0 || memcmp(x->data, y->data, x->len) == 0);
    }
    if (!same)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    raft_msg m;
    if (raft_msg_decode(data, size, &m) != SS_OK)
        return 0;
    size_t cap = raft_msg_encoded_size(&m), len = 0;
    if (cap > size)
        abort(); /* the canonical form is never longer than what decoded */
    uint8_t *buf = malloc(cap ? cap : 1);
    if (buf == NULL || raft_msg_encode(&m, buf, cap, &len) != SS_OK || len != cap)
        abort();
    raft_msg again;
    if (raft_msg_decode(buf, len, &again) != SS_OK)
        abort();
    same_or_abort(&m, &again);
    /* Encoding is canonical: the decoded copy encodes to the same bytes. */
    uint8_t *buf2 = malloc(cap ? cap : 1);
    size_t len2 = 0;
    if (buf2 == NULL || raft_msg_encode(&again, buf2, cap, &len2) != SS_OK || len2 != len ||
        memcmp(buf, buf2, len) != 0)
        abort();
    raft_msg_release(&again);
    raft_msg_release(&m);
    free(buf2);
    free(buf);
    return 0;
}

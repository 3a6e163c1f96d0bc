/* Raft messages built byte by byte where raft_msg_encode would first need them in memory: an AppendEntries of millions of tiny entries (codec unit test, hostile-peer integration test). */
#ifndef SS_TEST_RAFT_CRAFT_H
#define SS_TEST_RAFT_CRAFT_H

#include <stdint.h>
#include <stdlib.h>

#include "common/error.h"
#include "raft/raft.h"

/* The header of m (an AppendEntries without entries), then n empty entries of
 * 3 bytes each (term 0, type no-op, length 0): the smallest entries the format
 * has, and a 40-byte raft_entry each once decoded. malloc'ed; NULL if out of memory. */
static inline uint8_t *raft_craft_tiny_append(const raft_msg *m, size_t n, size_t *len_out)
{
    size_t head = raft_msg_encoded_size(m) - 1; /* without the entry count */
    uint8_t *b = malloc(head + 10 + 3 * n);
    size_t len;
    if (b == NULL || raft_msg_encode(m, b, head + 1, &len) != SS_OK) {
        free(b);
        return NULL;
    }
    len = head;
    for (uint64_t v = n;; v >>= 7) { /* the count, as a varint */
        b[len++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80)
            break;
    }
    for (size_t i = 0; i < n; i++) {
        b[len++] = 0;               /* term */
        b[len++] = RAFT_ENTRY_NOOP; /* type */
        b[len++] = 0;               /* length */
    }
    *len_out = len;
    return b;
}

#endif

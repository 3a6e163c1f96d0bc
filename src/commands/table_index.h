/* A case-insensitive index from names to constant entries: built once, then read by any thread. */
#ifndef SS_TABLE_INDEX_H
#define SS_TABLE_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#define SS_NAME_INDEX_SLOTS 1024 /* a power of two; at most half of it is used */

typedef struct ss_name_index {
    struct {
        const char *name;
        const void *entry;
    } slots[SS_NAME_INDEX_SLOTS];
    size_t n;
} ss_name_index;

/* Adds entry under name (not copied). False when the index is half full. */
bool ss_name_index_add(ss_name_index *ix, const char *name, const void *entry);
/* The entry named name[0..len), compared case-insensitively; NULL if none. */
const void *ss_name_index_find(const ss_name_index *ix, const char *name, size_t len);

#endif

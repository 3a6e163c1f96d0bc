/* A case-insensitive index from names to constant entries (open addressing over FNV-1a). */
#include "commands/table_index.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static uint32_t hash_name(const char *s, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a over the lowercased name */
    for (size_t i = 0; i < len; i++) {
        h ^= (uint32_t)tolower((unsigned char)s[i]);
        h *= 16777619u;
    }
    return h;
}

bool ss_name_index_add(ss_name_index *ix, const char *name, const void *entry)
{
    if (ix->n >= SS_NAME_INDEX_SLOTS / 2)
        return false;
    uint32_t h = hash_name(name, strlen(name)) & (SS_NAME_INDEX_SLOTS - 1);
    while (ix->slots[h].name != NULL)
        h = (h + 1) & (SS_NAME_INDEX_SLOTS - 1);
    ix->slots[h].name = name;
    ix->slots[h].entry = entry;
    ix->n++;
    return true;
}

const void *ss_name_index_find(const ss_name_index *ix, const char *name, size_t len)
{
    if (len == 0 || len > 64)
        return NULL;
    uint32_t h = hash_name(name, len) & (SS_NAME_INDEX_SLOTS - 1);
    while (ix->slots[h].name != NULL) {
        const char *n = ix->slots[h].name;
        if (strlen(n) == len && strncasecmp(n, name, len) == 0)
            return ix->slots[h].entry;
        h = (h + 1) & (SS_NAME_INDEX_SLOTS - 1);
    }
    return NULL;
}

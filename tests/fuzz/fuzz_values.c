/* Fuzz target: string values a client can SET and then hand to the HyperLogLog and RESTORE parsers (commands/hll.c, commands/rdb.c, commands/rdb_load.c: strings, listpacks, intsets): any bytes are an error or a value, never a stray read or write. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands/hll.h"
#include "commands/rdb.h"

/* The first byte picks the parser; the rest is the value. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *v = data + 1;
    size_t n = size - 1;
    if (data[0] & 1) {
        /* RESTORE's loader, past the checksum (which random bytes fail). */
        ss_rdb_value val;
        (void)ss_rdb_load_value(v, n, 1 << 20, 1 << 20, &val);
        ss_rdb_value_release(&val);
        (void)ss_rdb_verify(v, n);
        return 0;
    }
    if (!ss_hll_is_hll(v, n))
        return 0;
    bool invalid;
    uint64_t card;
    (void)ss_hll_count(v, n, &invalid);
    (void)ss_hll_cached(v, &card);
    uint8_t *max = calloc(1, SS_HLL_REGISTERS);
    if (max) {
        (void)ss_hll_merge(max, v, n);
        free(max);
    }
    ss_hll h;
    if (!ss_hll_init_copy(&h, v, n))
        return 0;
    /* PFADD of a few elements, then PFMERGE's register writes. */
    int rc = SS_HLL_UNCHANGED;
    for (int i = 0; i < 64 && rc >= 0; i++) {
        char ele[8];
        memcpy(ele, &i, sizeof i);
        rc = ss_hll_add(&h, ele, sizeof i);
    }
    for (long j = 0; j < SS_HLL_REGISTERS && rc >= 0; j += 997)
        rc = ss_hll_set(&h, j, (uint8_t)(1 + j % 40));
    if (rc >= 0)
        rc = ss_hll_to_dense(&h);
    ss_hll_release(&h);
    return 0;
}

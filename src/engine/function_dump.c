/* FUNCTION DUMP / RESTORE payloads: RDB function records, RDB version and CRC64 as Redis 7.0 writes them, built from commands/rdb.h. */
#include <stdbool.h>
#include <stdlib.h>

#include "commands/rdb.h"
#include "common/error.h"
#include "engine/function_dump.h"

#define OPCODE_FUNCTION2 245

void ss_function_dump_add(ss_buf *out, const char *code, size_t len)
{
    unsigned char op = OPCODE_FUNCTION2;
    ss_buf_append(out, &op, 1);
    ss_rdb_put_string(out, code, len);
}

void ss_function_dump_finish(ss_buf *out) { ss_rdb_finish(out, 0); }

int ss_function_dump_walk(const char *payload, size_t len, size_t max_bytes, ss_function_dump_fn fn, void *ud,
                          const char **err)
{
    if (!ss_rdb_verify(payload, len)) {
        *err = "DUMP payload version or checksum are wrong";
        return SS_EINVAL;
    }
    ss_rdb_reader r = ss_rdb_reader_of(payload, len);
    while (r.p < r.end) {
        if (*r.p++ != OPCODE_FUNCTION2) {
            *err = "given type is not a function";
            return SS_EINVAL;
        }
        char *code;
        size_t clen;
        if (!ss_rdb_get_string(&r, max_bytes, &code, &clen)) {
            *err = "failed loading the given functions payload";
            return SS_EINVAL;
        }
        int rc = fn(ud, code, clen);
        free(code);
        if (rc != 0)
            return rc;
    }
    return SS_OK;
}

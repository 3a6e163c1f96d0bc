/* Fuzz target: client bytes through the RESP request parser in chunks the input chooses, checked against a one-piece parse of the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp/resp.h"

/*
 * Input layout:
 *   byte 0     flags: bit 0 unauthenticated limits, bits 1-2 proto-max-bulk-len
 *              (1 KiB, 64 KiB, 1 MiB, 4 MiB), bit 3 steal every other command
 *   byte 1     k: how many chunk sizes follow (k mod 16)
 *   k bytes    chunk sizes, used in turn: b < 128 gives b + 1 bytes,
 *              b >= 128 gives (b - 127) * 4096 bytes (big bulks straight into
 *              their own buffer)
 *   the rest   the bytes a client sent
 *
 * The whole stream is parsed twice: once fed in one piece, once read in the
 * chunks above through reserve/commit as the server reads a socket. Both must
 * yield the same commands and end the same way: framing never depends on how
 * the bytes were split into reads.
 */

#define MAX_RESULTS 4096

typedef struct run_result {
    uint64_t hashes[MAX_RESULTS]; /* one per command */
    size_t ncmds;
    resp_result last;
    int err;
} run_result;

static const long long max_bulks[] = {1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024};

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void check_cmd(const resp_cmd *cmd, long long max_bulk)
{
    if (cmd->argc <= 0 || cmd->argc > cmd->cap)
        abort(); /* empty commands are skipped, never returned */
    size_t bytes = 0;
    for (int i = 0; i < cmd->argc; i++) {
        if (cmd->argv[i] == NULL || cmd->argv[i][cmd->argvlen[i]] != '\0')
            abort();
        /* A bulk is at most proto-max-bulk-len, an inline token at most a line. */
        if ((long long)cmd->argvlen[i] > max_bulk && cmd->argvlen[i] > RESP_INLINE_MAX_SIZE)
            abort();
        bytes += cmd->argvlen[i];
    }
    if (bytes != cmd->bytes)
        abort();
}

/* The accounting the server's limits rest on, checked after every pull. */
static void check_memory(const resp_parser *p)
{
    resp_parser_usage u;
    resp_parser_get_usage(p, &u);
    size_t mem = resp_parser_memory(p);
    /* Sizes are unsigned: an accounting that went "negative" shows up huge. */
    if (mem > ((size_t)1 << 40) || u.total > ((size_t)1 << 40))
        abort();
    if (u.qbuf != resp_parser_buffered(p) || mem < u.qbuf || mem < u.argv_mem)
        abort();
    if (u.rbp < u.rbs || u.qbuf_free > u.rbs || u.total < u.argv_mem)
        abort();
}

static bool pull_all(resp_parser *p, long long max_bulk, bool steal, run_result *res)
{
    for (;;) {
        resp_cmd *cmd = NULL;
        resp_result r = resp_parser_next(p, &cmd);
        check_memory(p);
        res->last = r;
        if (r == RESP_ERROR) {
            int err = resp_parser_error(p);
            if (err == RESP_EOK || strncmp(resp_parser_errmsg(p), "Protocol error", 14) != 0)
                abort();
            /* The error stays set: every later pull says the same. */
            if (resp_parser_next(p, &cmd) != RESP_ERROR || resp_parser_error(p) != err)
                abort();
            ss_buf reply;
            ss_buf_init(&reply, 0);
            resp_parser_add_error(p, &reply);
            if (ss_buf_len(&reply) < 5 || memcmp(ss_buf_data(&reply), "-ERR ", 5) != 0)
                abort();
            ss_buf_release(&reply);
            res->err = err;
            return false;
        }
        if (r == RESP_NEED_MORE)
            return true;
        check_cmd(cmd, max_bulk);
        uint64_t h = 14695981039346656037ULL;
        for (int i = 0; i < cmd->argc; i++) {
            h = fnv(h, &cmd->argvlen[i], sizeof cmd->argvlen[i]);
            h = fnv(h, cmd->argv[i], cmd->argvlen[i]);
        }
        if (res->ncmds < MAX_RESULTS)
            res->hashes[res->ncmds] = h;
        res->ncmds++;
        if (steal && res->ncmds % 2 == 0) {
            resp_cmd *taken = resp_parser_steal(p);
            if (taken != cmd)
                abort();
            resp_cmd_free(taken);
        }
    }
}

static resp_parser *parser_for(uint8_t flags)
{
    resp_parser *p = resp_parser_new();
    if (!p)
        abort();
    resp_parser_set_max_bulk_len(p, max_bulks[(flags >> 1) & 3]);
    resp_parser_set_authenticated(p, !(flags & 1));
    return p;
}

static size_t chunk_size(uint8_t b)
{
    return b < 128 ? (size_t)b + 1 : (size_t)(b - 127) * 4096;
}

static run_result whole, chunked;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t flags = data[0];
    size_t k = data[1] % 16;
    if (size < 2 + k)
        return 0;
    const uint8_t *sizes = data + 2;
    const uint8_t *in = data + 2 + k;
    size_t n = size - 2 - k;
    long long max_bulk = max_bulks[(flags >> 1) & 3];
    bool steal = flags & 8;

    memset(&whole, 0, sizeof whole);
    resp_parser *p = parser_for(flags);
    if (resp_parser_feed(p, in, n) != 0)
        abort();
    pull_all(p, max_bulk, steal, &whole);
    resp_parser_free(p);

    memset(&chunked, 0, sizeof chunked);
    p = parser_for(flags);
    size_t off = 0, turn = 0;
    bool going = true;
    while (going && off < n) {
        char *ptr;
        size_t room;
        if (resp_parser_reserve(p, 0, &ptr, &room) != 0 || room == 0)
            abort();
        size_t want = k ? chunk_size(sizes[turn++ % k]) : n;
        if (want > room)
            want = room;
        if (want > n - off)
            want = n - off;
        memcpy(ptr, in + off, want);
        resp_parser_commit(p, want);
        off += want;
        going = pull_all(p, max_bulk, steal, &chunked);
    }
    if (n == 0)
        pull_all(p, max_bulk, steal, &chunked);
    resp_parser_free(p);

    /* The one-piece run saw everything; the chunked one may stop at an error
     * it met at the same place. */
    if (whole.ncmds != chunked.ncmds || whole.last != chunked.last || whole.err != chunked.err)
        abort();
    size_t m = whole.ncmds < MAX_RESULTS ? whole.ncmds : MAX_RESULTS;
    if (memcmp(whole.hashes, chunked.hashes, m * sizeof whole.hashes[0]) != 0)
        abort();
    return 0;
}

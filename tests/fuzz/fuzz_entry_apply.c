/* Fuzz target: committed log entries, raw bytes or commands built from the real table, applied by the engine against a scratch store. */
#include <ftw.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "engine/engine_internal.h"
#include "engine/entry.h"

/*
 * One input is one fresh store (in /dev/shm when there is one: a LevelDB
 * opens there in a fraction of a millisecond) and an engine without a cluster,
 * fed several entries in batches, as the cluster feeds apply_batch, so state
 * carries over from entry to entry. The first byte picks the mode:
 *
 *   even: raw records  {u8 ctl, u16 len (little-endian), len bytes}: the bytes
 *         are the entry, decoded by apply itself
 *   odd:  structured records: a header byte (MULTI, db, batch end) and
 *         commands chosen from the real command table, with arguments drawn
 *         from a dictionary of the words commands parse or from raw bytes,
 *         encoded with the real encoder, so every command's apply is reached
 *
 * In both, bit 0 of ctl ends the batch after the entry. What must hold:
 * nothing crashes or leaks (ASan, UBSan, LeakSanitizer); apply_batch never
 * fails (a failure stops every replica); the leader's door (ss_entry_valid)
 * agrees with apply's own verdict; and the reply apply produces for a client
 * of this node is exactly one complete RESP value.
 *
 * Legal but slow entries are left out: an argument that reads as a number
 * between 8 MiB and 2 GiB (SETRANGE k 536870911 x builds a 512 MB string,
 * several times over in ASan, and takes tens of seconds). Those sizes are
 * the unit tests' business (test_engine_apply's apply_limits).
 *
 * FUZZ_TRACE=1 in the environment prints each entry as it is applied, to
 * read what a crash file does.
 */

#define MAX_BATCH 16
#define MAX_ENTRIES 64

static char base[64];
static bool trace;
static const ss_command *table;
static size_t ntable;

/* ---------------------------------------------------------------- replies */

static int replies;

static void *begin_async(void *ctx, ss_session *s) { (void)ctx; (void)s; return NULL; }

static void on_complete(void *ctx, ss_session *s, void *cookie, const char *reply, size_t len)
{
    (void)ctx;
    (void)s;
    (void)cookie;
    redisReader *r = redisReaderCreate();
    void *obj = NULL;
    if (redisReaderFeed(r, reply, len) != REDIS_OK || redisReaderGetReply(r, &obj) != REDIS_OK || obj == NULL) {
        fprintf(stderr, "fuzz_entry_apply: apply replied %zu bytes that are not one RESP value: %.*s\n", len,
                (int)(len > 200 ? 200 : len), reply);
        abort();
    }
    freeReplyObject(obj);
    obj = NULL;
    if (redisReaderGetReply(r, &obj) != REDIS_OK || obj != NULL || r->len != r->pos) {
        fprintf(stderr, "fuzz_entry_apply: apply replied more than one RESP value: %.*s\n",
                (int)(len > 200 ? 200 : len), reply);
        abort();
    }
    redisReaderFree(r);
    replies++;
}

static void no_info(void *ctx, ss_buf *out) { (void)ctx; (void)out; }

/* ----------------------------------------------------------------- input */

typedef struct {
    const uint8_t *p;
    size_t left;
} input;

static uint8_t byte(input *in)
{
    if (in->left == 0)
        return 0;
    in->left--;
    return *in->p++;
}

/* Words the commands parse, so that the fuzzer reaches past syntax checks. */
static const char *const words[] = {
    "a", "b", "c", "k", "0", "1", "2", "-1", "3", "10", "100", "-100", "1000000", "4294967296",
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.5", "-0.5", "1e308",
    "inf", "-inf", "+inf", "nan", "(1", "(-inf", "[a", "(a", "-", "+", "EX", "PX", "EXAT", "PXAT",
    "NX", "XX", "GT", "LT", "CH", "INCR", "KEEPTTL", "GET", "PERSIST", "WITHSCORES", "LIMIT", "BYSCORE",
    "BYLEX", "REV", "COUNT", "MATCH", "TYPE", "RANK", "MAXLEN", "LEFT", "RIGHT", "BEFORE", "AFTER",
    "DB", "REPLACE", "ASYNC", "SYNC", "*", "a*", "", "536870911", "4194304", "2147483647", "-2147483649",
};

static void gen_arg(input *in, ss_buf *text, size_t *len)
{
    uint8_t b = byte(in);
    size_t before = ss_buf_len(text);
    if (b < 0xc0) {
        const char *w = words[b % (sizeof words / sizeof words[0])];
        ss_buf_append(text, w, strlen(w));
    } else {
        size_t n = byte(in) % 48;
        if (n > in->left)
            n = in->left;
        ss_buf_append(text, in->p, n);
        in->p += n;
        in->left -= n;
    }
    *len = ss_buf_len(text) - before;
}

/* One structured entry: ctl bit 1 MULTI, bits 2-3 its commands - 1, bits 4-7 the db (15: db 16, which does not exist). */
static void gen_entry(input *in, uint8_t ctl, uint64_t seq, const ss_engine *e, ss_buf *out)
{
    bool multi = ctl & 2;
    uint32_t ncmds = multi ? 1 + ((ctl >> 2) & 3) : 1;
    uint8_t db = (uint8_t)(ctl >> 4);
    ss_entry_header h = {
        .flags = multi ? SS_ENTRY_MULTI : 0,
        .origin_node = e->cfg->node_id,
        .origin_boot = e->boot_id,
        .seq = seq,
        .time_ms = 1700000000000LL + (int64_t)byte(in) * 1000,
        .seed = byte(in),
        .db = db == 15 ? 16 : db % 3,
    };
    ss_entry_begin(out, &h, ncmds);
    for (uint32_t c = 0; c < ncmds; c++) {
        uint8_t pick = byte(in);
        const ss_command *cmd = &table[pick % ntable];
        int extra = byte(in) % 8;
        ss_buf text;
        ss_buf_init(&text, 0);
        size_t lens[9];
        size_t offs[9];
        ss_buf_append(&text, cmd->name, strlen(cmd->name));
        lens[0] = strlen(cmd->name);
        offs[0] = 0;
        for (int i = 1; i <= extra; i++) {
            offs[i] = ss_buf_len(&text);
            gen_arg(in, &text, &lens[i]);
        }
        char *argv[9];
        for (int i = 0; i <= extra; i++)
            argv[i] = ss_buf_data(&text) + offs[i];
        ss_args a = {extra + 1, argv, lens};
        ss_entry_add_cmd(out, &a);
        ss_buf_release(&text);
    }
}

/* ------------------------------------------------------------- scratch store */

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_base(void) { nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    trace = getenv("FUZZ_TRACE") != NULL;
    ss_log_set_level(trace ? SS_LOG_WARNING : SS_LOG_NONE);
    struct stat st;
    snprintf(base, sizeof base, "%s/ss-fuzz-apply-XXXXXX", stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(base))
        abort();
    atexit(remove_base);
    table = ss_command_table(&ntable);
    return 0;
}

static void print_entry(const uint8_t *data, size_t len, uint64_t index)
{
    ss_entry entry;
    ss_errmsg err = "";
    if (ss_entry_decode(data, len, &entry, err) != SS_OK) {
        fprintf(stderr, "entry %llu: %zu bytes, %s\n", (unsigned long long)index, len, err);
        return;
    }
    fprintf(stderr, "entry %llu: %sdb %u, time %lld:", (unsigned long long)index,
            entry.h.flags & SS_ENTRY_MULTI ? "MULTI, " : "", entry.h.db, (long long)entry.h.time_ms);
    for (uint32_t c = 0; c < entry.ncmds; c++) {
        fprintf(stderr, c ? " |" : "");
        for (int i = 0; i < entry.cmds[c].argc; i++)
            fprintf(stderr, " \"%.*s\"", (int)(entry.cmds[c].argvlen[i] > 40 ? 40 : entry.cmds[c].argvlen[i]),
                    entry.cmds[c].argv[i]);
    }
    fprintf(stderr, "\n");
    ss_entry_release(&entry);
}

/* Whether an entry holds an argument that reads as a big size (see above). */
static bool too_costly(const uint8_t *data, size_t len)
{
    ss_entry entry;
    if (ss_entry_decode(data, len, &entry, NULL) != SS_OK)
        return false;
    bool costly = false;
    for (uint32_t c = 0; c < entry.ncmds && !costly; c++)
        for (int i = 1; i < entry.cmds[c].argc && !costly; i++) {
            long long v;
            if (ss_parse_ll(entry.cmds[c].argv[i], entry.cmds[c].argvlen[i], &v) && v != LLONG_MIN) {
                v = v < 0 ? -v : v;
                costly = v > (8LL << 20) && v < (2LL << 30);
            }
        }
    ss_entry_release(&entry);
    return costly;
}

/* The door and apply must give one verdict on the same bytes. */
static void check_door(const uint8_t *data, size_t len)
{
    ss_entry entry;
    bool applies = ss_entry_decode(data, len, &entry, NULL) == SS_OK;
    if (applies) {
        applies = ss_entry_check(&entry, NULL);
        ss_entry_release(&entry);
    }
    if (applies != ss_entry_valid(data, len)) {
        fprintf(stderr, "fuzz_entry_apply: the door says %d, apply says %d\n", !applies, applies);
        abort();
    }
}

static void apply(const ss_state_machine *sm, const ss_applied_entry *batch, ss_buf *bufs, size_t *n)
{
    if (*n == 0)
        return;
    if (sm->apply_batch(sm->ctx, batch, *n) != SS_OK) {
        fprintf(stderr, "fuzz_entry_apply: apply_batch failed: every replica would stop\n");
        abort();
    }
    for (size_t i = 0; i < *n; i++)
        ss_buf_release(&bufs[i]);
    *n = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    static unsigned run;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/%u", base, run++);
    ss_config cfg;
    ss_config_init(&cfg);
    ss_store *store;
    ss_engine *e;
    uv_loop_t loop;
    uv_loop_init(&loop);
    if (mkdir(dir, 0700) != 0 || ss_store_open(dir, NULL, &store, NULL) != SS_OK ||
        ss_engine_new(&loop, &cfg, store, &e, NULL) != SS_OK)
        abort();
    ss_engine_hooks hooks = {.begin_async = begin_async, .complete = on_complete, .client_list = no_info,
                             .info_clients = no_info, .info_server = no_info};
    ss_engine_set_hooks(e, &hooks);
    ss_state_machine sm = ss_engine_state_machine(e);
    ss_session client;
    ss_engine_session_init(e, &client, 1);

    input in = {data + 1, size - 1};
    bool structured = data[0] & 1;
    ss_buf bufs[MAX_BATCH];
    ss_applied_entry batch[MAX_BATCH];
    size_t n = 0;
    uint64_t index = 0;
    int expected = 0;
    replies = 0;
    for (int count = 0; count < MAX_ENTRIES && in.left > 0; count++) {
        uint8_t ctl = byte(&in);
        ss_buf_init(&bufs[n], 0);
        uint64_t seq = 0;
        if (structured) {
            seq = ++e->next_seq;
            gen_entry(&in, ctl, seq, e, &bufs[n]);
        } else {
            size_t len = byte(&in);
            len |= (size_t)byte(&in) << 8;
            if (len > in.left)
                len = in.left;
            ss_buf_append(&bufs[n], in.p, len);
            in.p += len;
            in.left -= len;
        }
        if (too_costly((const uint8_t *)ss_buf_data(&bufs[n]), ss_buf_len(&bufs[n]))) {
            ss_buf_release(&bufs[n]);
            continue;
        }
        if (structured) {
            /* A client of this node waits for it, as after a propose. */
            if (!ss_pending_add(e, seq, &client, INT64_MAX))
                abort();
            ss_pending_last(e)->cookie = ss_engine_begin_async(e, &client, KIND_WRITE);
            expected++;
        }
        check_door((const uint8_t *)ss_buf_data(&bufs[n]), ss_buf_len(&bufs[n]));
        if (trace)
            print_entry((const uint8_t *)ss_buf_data(&bufs[n]), ss_buf_len(&bufs[n]), index + 1);
        batch[n] = (ss_applied_entry){++index, 1, SS_ENTRY_COMMAND, ss_buf_data(&bufs[n]), ss_buf_len(&bufs[n])};
        n++;
        if ((ctl & 1) || n == MAX_BATCH)
            apply(&sm, batch, bufs, &n);
    }
    apply(&sm, batch, bufs, &n);
    if (replies != expected || client.pending != 0) {
        fprintf(stderr, "fuzz_entry_apply: %d replies for %d entries of this node\n", replies, expected);
        abort();
    }

    ss_engine_session_release(e, &client);
    ss_engine_free(e);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    ss_store_close(store);
    ss_config_release(&cfg);
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

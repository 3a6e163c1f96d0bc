/* The Raft log entry of a write: encoding and strict decoding. */
#include "engine/entry.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands/numbers.h"

#include "store/keyspace.h"

static int put_u8(ss_buf *b, uint8_t v) { return ss_buf_append(b, &v, 1); }

static int put_u32(ss_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return ss_buf_append(b, p, 4);
}

static int put_u64(ss_buf *b, uint64_t v)
{
    uint8_t p[8];
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return ss_buf_append(b, p, 8);
}

int ss_entry_begin(ss_buf *b, const ss_entry_header *h, uint32_t ncmds)
{
    put_u8(b, SS_ENTRY_VERSION);
    put_u8(b, h->flags);
    put_u64(b, h->origin_node);
    put_u64(b, h->origin_boot);
    put_u64(b, h->seq);
    put_u64(b, (uint64_t)h->time_ms);
    put_u64(b, h->seed);
    put_u8(b, h->db);
    return put_u32(b, ncmds);
}

int ss_entry_add_cmd(ss_buf *b, const ss_args *a)
{
    put_u32(b, (uint32_t)a->argc);
    for (int i = 0; i < a->argc; i++) {
        put_u32(b, (uint32_t)a->argvlen[i]);
        ss_buf_append(b, a->argv[i], a->argvlen[i]);
    }
    return ss_buf_error(b);
}

uint64_t ss_entry_cmd_size(const ss_args *a)
{
    uint64_t n = 4;
    for (int i = 0; i < a->argc; i++)
        n += 4 + (uint64_t)a->argvlen[i];
    return n;
}

uint64_t ss_entry_encoded_size(const ss_args *cmds, uint32_t ncmds)
{
    uint64_t n = SS_ENTRY_HEADER_SIZE;
    for (uint32_t i = 0; i < ncmds; i++)
        n += ss_entry_cmd_size(&cmds[i]);
    return n;
}

typedef struct {
    const uint8_t *p;
    size_t left;
} reader;

static bool get(reader *r, void *out, size_t n)
{
    if (r->left < n)
        return false;
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return true;
}

static bool get_u32(reader *r, uint32_t *v)
{
    uint8_t p[4];
    if (!get(r, p, 4))
        return false;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return true;
}

static bool get_u64(reader *r, uint64_t *v)
{
    uint8_t p[8];
    if (!get(r, p, 8))
        return false;
    *v = 0;
    for (int i = 0; i < 8; i++)
        *v |= (uint64_t)p[i] << (8 * i);
    return true;
}

/* First pass: validate the structure and count what the second pass needs,
 * so the decoded entry lives in one allocation. */
static int measure(reader r, uint32_t ncmds, size_t *nargs, size_t *bytes, char *errmsg)
{
    *nargs = 0;
    *bytes = 0;
    for (uint32_t c = 0; c < ncmds; c++) {
        uint32_t argc;
        if (!get_u32(&r, &argc) || argc == 0 || argc > SS_ENTRY_MAX_ARGS)
            return ss_errf(errmsg, SS_ECORRUPT, "entry command %u: bad argument count", c);
        for (uint32_t i = 0; i < argc; i++) {
            uint32_t len;
            if (!get_u32(&r, &len) || len > r.left)
                return ss_errf(errmsg, SS_ECORRUPT, "entry command %u argument %u: bad length", c, i);
            r.p += len;
            r.left -= len;
            *bytes += (size_t)len + 1;
        }
        *nargs += argc;
    }
    if (r.left != 0)
        return ss_errf(errmsg, SS_ECORRUPT, "entry has %zu trailing bytes", r.left);
    return SS_OK;
}

/* The header and the command count, checked; r is left at the first command. */
static int read_header(reader *r, ss_entry_header *h, uint32_t *ncmds, char *errmsg)
{
    uint8_t version, flags, db;
    uint64_t t;
    if (!get(r, &version, 1) || version != SS_ENTRY_VERSION)
        return ss_errf(errmsg, SS_ECORRUPT, "entry: unknown format version");
    if (!get(r, &flags, 1) || !get_u64(r, &h->origin_node) || !get_u64(r, &h->origin_boot) ||
        !get_u64(r, &h->seq) || !get_u64(r, &t) || !get_u64(r, &h->seed) || !get(r, &db, 1) ||
        !get_u32(r, ncmds))
        return ss_errf(errmsg, SS_ECORRUPT, "entry: truncated header");
    h->flags = flags;
    h->time_ms = (int64_t)t;
    h->db = db;
    if ((flags & ~(SS_ENTRY_MULTI | SS_ENTRY_WATCH | SS_ENTRY_USER)) ||
        ((flags & (SS_ENTRY_WATCH | SS_ENTRY_USER)) && !(flags & SS_ENTRY_MULTI)))
        return ss_errf(errmsg, SS_ECORRUPT, "entry: unknown flags 0x%02x", flags);
    if (h->time_ms < 0 || h->time_ms > SS_ENTRY_MAX_TIME_MS)
        return ss_errf(errmsg, SS_ECORRUPT, "entry: time %lld ms is no wall clock reading", (long long)h->time_ms);
    /* A command takes at least 8 bytes (its count and one length): a count the
     * bytes cannot hold is refused before anything is sized by it. */
    if (*ncmds == 0 || *ncmds > SS_ENTRY_MAX_ARGS || *ncmds > r->left / 8)
        return ss_errf(errmsg, SS_ECORRUPT, "entry: bad command count %u", *ncmds);
    if (*ncmds > 1 && !(flags & SS_ENTRY_MULTI))
        return ss_errf(errmsg, SS_ECORRUPT, "entry: %u commands outside MULTI", *ncmds);
    return SS_OK;
}

int ss_entry_decode(const void *data, size_t len, ss_entry *out, char *errmsg)
{
    memset(out, 0, sizeof *out);
    reader r = {data, len};
    size_t nargs, bytes;
    int rc = read_header(&r, &out->h, &out->ncmds, errmsg);
    if (rc != SS_OK || (rc = measure(r, out->ncmds, &nargs, &bytes, errmsg)) != SS_OK)
        return rc;
    /* Bounded by the input: a command costs at most 41 bytes for the 8 it
     * takes, an argument 17 for its 4. */
    size_t size = sizeof(ss_args) * out->ncmds + (sizeof(char *) + sizeof(size_t)) * nargs + bytes;
    char *mem = malloc(size ? size : 1);
    if (!mem)
        return ss_errf(errmsg, SS_ENOMEM, "entry: out of memory");
    out->mem = mem;
    out->cmds = (ss_args *)mem;
    char **argv = (char **)(out->cmds + out->ncmds);
    size_t *argvlen = (size_t *)(argv + nargs);
    char *text = (char *)(argvlen + nargs);
    for (uint32_t c = 0; c < out->ncmds; c++) {
        uint32_t argc;
        get_u32(&r, &argc);
        out->cmds[c] = (ss_args){(int)argc, argv, argvlen};
        for (uint32_t i = 0; i < argc; i++) {
            uint32_t alen;
            get_u32(&r, &alen);
            memcpy(text, r.p, alen);
            text[alen] = '\0';
            r.p += alen;
            r.left -= alen;
            argv[i] = text;
            argvlen[i] = alen;
            text += alen + 1;
        }
        argv += argc;
        argvlen += argc;
    }
    return SS_OK;
}

void ss_entry_release(ss_entry *e)
{
    free(e->mem);
    memset(e, 0, sizeof *e);
}

bool ss_entry_allows(const ss_command *cmd, bool multi)
{
    if (cmd->exec == NULL || (cmd->flags & (CMD_TXN | CMD_NOQUEUE | CMD_NOMULTI | CMD_NO_LOG)))
        return false;
    if (multi) /* clients can't queue those, but for ACL SETUSER/DELUSER/LOAD as EXEC builds them */
        return !(cmd->flags & CMD_INTERNAL) || !strcmp(cmd->name, "__acl");
    return SS_CMD_LOGGED(cmd);
}

uint32_t ss_entry_select_db(const ss_args *a, uint32_t db)
{
    long long n;
    if (a->argc == 2 && a->argvlen[0] == 6 && !strncasecmp(a->argv[0], "select", 6) &&
        ss_parse_ll(a->argv[1], a->argvlen[1], &n) && n >= 0 && n < SS_KS_DBS)
        return (uint32_t)n;
    return db;
}

/* Why one command can't be applied from an entry, or RERR_COUNT if it can. */
static ss_reply_err_code refusal(const ss_command *cmd, bool multi, uint32_t argc)
{
    if (cmd == NULL)
        return RERR_UNKNOWN_CMD;
    if (!ss_entry_allows(cmd, multi))
        return RERR_NOT_IN_ENTRY;
    if (!ss_command_arity_ok(cmd, (int)argc))
        return RERR_ARITY;
    return RERR_COUNT;
}

/* The watch check's shape: "__watch", then triples whose digest is 20 bytes. */
static bool watch_check_ok(int argc, const size_t *argvlen)
{
    if (argc < 1 || (argc - 1) % 3 != 0 || argvlen[0] != 7)
        return false;
    for (int i = 1; i < argc; i += 3)
        if (argvlen[i] != 1 || argvlen[i + 2] != SS_KEY_DIGEST_LEN)
            return false;
    return true;
}

/* The user's: "__user" and a name. */
static bool user_check_ok(int argc, char *const *argv, const size_t *argvlen)
{
    return argc == 2 && argvlen[0] == 6 && !memcmp(argv[0], "__user", 6);
}

bool ss_entry_check(const ss_entry *e, ss_buf *reply)
{
    if (e->h.db >= SS_KS_DBS) {
        if (reply)
            ss_reply_err(reply, RERR_DB_INDEX);
        return false;
    }
    bool multi = (e->h.flags & SS_ENTRY_MULTI) != 0;
    uint32_t first = 0;
    if (e->h.flags & SS_ENTRY_WATCH) {
        if (!watch_check_ok(e->cmds[0].argc, e->cmds[0].argvlen)) {
            if (reply)
                ss_reply_err(reply, RERR_NOT_IN_ENTRY, "__watch");
            return false;
        }
        first = 1;
    }
    if (e->h.flags & SS_ENTRY_USER) {
        if (first >= e->ncmds || !user_check_ok(e->cmds[first].argc, e->cmds[first].argv, e->cmds[first].argvlen)) {
            if (reply)
                ss_reply_err(reply, RERR_NOT_IN_ENTRY, "__user");
            return false;
        }
        first++;
    }
    for (uint32_t i = first; i < e->ncmds; i++) {
        const ss_args *a = &e->cmds[i];
        /* A container's subcommand (XGROUP CREATE) is the row that runs. */
        const ss_command *cmd = ss_command_find(a, NULL);
        ss_reply_err_code why = refusal(cmd, multi, (uint32_t)a->argc);
        if (why == RERR_COUNT)
            continue;
        if (reply == NULL)
            return false;
        if (why == RERR_UNKNOWN_CMD)
            ss_reply_err(reply, why, a->argv[0], "");
        else if (why == RERR_NOT_IN_ENTRY)
            ss_reply_err(reply, why, ss_command_lookup(a->argv[0], a->argvlen[0])->name);
        else
            ss_reply_err(reply, why, cmd->name);
        return false;
    }
    return true;
}

bool ss_entry_valid(const void *data, size_t len)
{
    reader r = {data, len};
    ss_entry_header h;
    uint32_t ncmds;
    size_t nargs, bytes;
    if (read_header(&r, &h, &ncmds, NULL) != SS_OK || measure(r, ncmds, &nargs, &bytes, NULL) != SS_OK ||
        h.db >= SS_KS_DBS)
        return false;
    if ((h.flags & SS_ENTRY_USER) && ncmds <= ((h.flags & SS_ENTRY_WATCH) ? 1u : 0u))
        return false; /* no room for the user */
    /* The structure is sound (measure): walk it without copying anything. */
    for (uint32_t c = 0; c < ncmds; c++) {
        uint32_t argc, alen;
        get_u32(&r, &argc);
        if (c == 0 && (h.flags & SS_ENTRY_WATCH)) {
            /* the watch check: "__watch" and (db, key, digest) triples */
            bool ok = argc >= 1 && (argc - 1) % 3 == 0;
            for (uint32_t i = 0; i < argc; i++) {
                get_u32(&r, &alen);
                if (i == 0)
                    ok = ok && alen == 7;
                else if ((i - 1) % 3 == 0)
                    ok = ok && alen == 1;
                else if ((i - 1) % 3 == 2)
                    ok = ok && alen == SS_KEY_DIGEST_LEN;
                r.p += alen;
                r.left -= alen;
            }
            if (!ok)
                return false;
            continue;
        }
        if (c == ((h.flags & SS_ENTRY_WATCH) ? 1u : 0u) && (h.flags & SS_ENTRY_USER)) {
            /* the user: "__user" and a name */
            bool ok = argc == 2;
            for (uint32_t i = 0; i < argc; i++) {
                get_u32(&r, &alen);
                if (i == 0)
                    ok = ok && alen == 6 && !memcmp(r.p, "__user", 6);
                r.p += alen;
                r.left -= alen;
            }
            if (!ok)
                return false;
            continue;
        }
        /* The name, and the subcommand of a container (ss_command_find). */
        char *names[2] = {NULL, NULL};
        size_t lens[2] = {0, 0};
        for (uint32_t i = 0; i < argc; i++) {
            get_u32(&r, &alen);
            if (i < 2) {
                names[i] = (char *)r.p;
                lens[i] = alen;
            }
            r.p += alen;
            r.left -= alen;
        }
        ss_args head = {argc < 2 ? (int)argc : 2, names, lens};
        const ss_command *cmd = ss_command_find(&head, NULL);
        if (refusal(cmd, (h.flags & SS_ENTRY_MULTI) != 0, argc) != RERR_COUNT)
            return false;
    }
    return true;
}

/* Stream IDs (parsed, compared, encoded and printed as Redis does) and the stream family's error words. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cmd_stream.h"

int sid_cmp(sid a, sid b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq)
        return a.seq < b.seq ? -1 : 1;
    return 0;
}

bool sid_incr(sid *id)
{
    if (id->seq != UINT64_MAX) {
        id->seq++;
        return true;
    }
    if (id->ms == UINT64_MAX) {
        *id = SID_MIN;
        return false;
    }
    id->ms++;
    id->seq = 0;
    return true;
}

bool sid_decr(sid *id)
{
    if (id->seq != 0) {
        id->seq--;
        return true;
    }
    if (id->ms == 0) {
        *id = SID_MAX;
        return false;
    }
    id->ms--;
    id->seq = UINT64_MAX;
    return true;
}

void sid_encode(sid id, unsigned char out[SID_LEN])
{
    ss_encode_u64_be(id.ms, out);
    ss_encode_u64_be(id.seq, out + 8);
}

sid sid_decode(const void *in)
{
    const unsigned char *p = in;
    return (sid){ss_decode_u64_be(p), ss_decode_u64_be(p + 8)};
}

size_t sid_format(sid id, char out[SID_STR_MAX])
{
    int n = snprintf(out, SID_STR_MAX, "%llu-%llu", (unsigned long long)id.ms, (unsigned long long)id.seq);
    return n > 0 ? (size_t)n : 0;
}

void sid_reply(ss_buf *out, sid id)
{
    char buf[SID_STR_MAX];
    size_t n = sid_format(id, buf);
    resp_add_bulk(out, buf, n);
}

/* Redis's string2ull: string2ll when it fits, else strtoull (which also takes
 * leading blanks, a '+', and wraps a '-' after blanks) over the whole C
 * string. */
static bool string2ull(const char *s, unsigned long long *v)
{
    long long ll;
    size_t len = strlen(s);
    if (ss_parse_ll(s, len, &ll)) {
        if (ll < 0)
            return false;
        *v = (unsigned long long)ll;
        return true;
    }
    errno = 0;
    char *end = NULL;
    *v = strtoull(s, &end, 10);
    return !(errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0'));
}

bool sid_parse(const ss_args *a, int i, uint64_t missing_seq, bool strict, bool *seq_given, sid *out)
{
    /* Redis copies the argument into a 128-byte C string: longer ones are
     * refused, and a NUL byte ends it. */
    char buf[128];
    if (a->argvlen[i] > sizeof buf - 1)
        return false;
    memcpy(buf, a->argv[i], a->argvlen[i]);
    buf[a->argvlen[i]] = '\0';
    if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0')
        return false;
    if (seq_given)
        *seq_given = true;
    if (buf[0] == '-' && buf[1] == '\0') {
        *out = SID_MIN;
        return true;
    }
    if (buf[0] == '+' && buf[1] == '\0') {
        *out = SID_MAX;
        return true;
    }
    unsigned long long ms, seq;
    char *dash = strchr(buf, '-');
    if (dash)
        *dash = '\0';
    if (!string2ull(buf, &ms))
        return false;
    if (!dash) {
        seq = missing_seq;
    } else if (seq_given && dash[1] == '*' && dash[2] == '\0') {
        seq = 0; /* "ms-*": XADD picks the sequence */
        *seq_given = false;
    } else if (!string2ull(dash + 1, &seq)) {
        return false;
    }
    *out = (sid){ms, seq};
    return true;
}

bool sid_parse_or_reply(ss_buf *out, const ss_args *a, int i, uint64_t missing_seq, bool strict, sid *id)
{
    if (sid_parse(a, i, missing_seq, strict, NULL, id))
        return true;
    stream_reply_err(out, SERR_INVALID_ID);
    return false;
}

bool sid_parse_range(ss_buf *out, const ss_args *a, int i, bool is_end, sid *id)
{
    uint64_t missing = is_end ? UINT64_MAX : 0;
    bool exclude = a->argvlen[i] > 1 && a->argv[i][0] == '(';
    bool ok;
    if (exclude) {
        char *p = a->argv[i] + 1;
        size_t len = a->argvlen[i] - 1;
        ss_args sub = {1, &p, &len};
        ok = sid_parse(&sub, 0, missing, true, NULL, id);
    } else {
        ok = sid_parse(a, i, missing, false, NULL, id);
    }
    if (!ok) {
        stream_reply_err(out, SERR_INVALID_ID);
        return false;
    }
    if (exclude && !(is_end ? sid_decr(id) : sid_incr(id))) {
        stream_reply_err(out, is_end ? SERR_END_INTERVAL : SERR_START_INTERVAL);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ errors */

#define STREAM_ERROR_TEXT(name, text) [name] = text,
static const char *const texts[] = {STREAM_ERRORS(STREAM_ERROR_TEXT)};
#undef STREAM_ERROR_TEXT

void stream_reply_err(ss_buf *out, stream_err code, ...)
{
    va_list ap;
    va_start(ap, code);
    ss_buf msg;
    ss_buf_init(&msg, 0);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    int rc = ss_buf_vappendf(&msg, texts[code], ap);
#pragma GCC diagnostic pop
    va_end(ap);
    if (rc == SS_OK)
        resp_add_error_len(out, ss_buf_data(&msg), ss_buf_len(&msg));
    else
        resp_add_error(out, "ERR out of memory");
    ss_buf_release(&msg);
}

bool stream_arg_ll(ss_buf *out, const ss_args *a, int i, long long *v)
{
    if (ss_parse_ll(a->argv[i], a->argvlen[i], v))
        return true;
    ss_reply_err(out, RERR_NOTINT);
    return false;
}

void sreply_begin(const ss_buf *out, ss_buf *body)
{
    size_t room = 0;
    if (out->max)
        room = out->max > out->len ? out->max - out->len : 1;
    ss_buf_init(body, room);
}

static void sreply_finish(ss_buf *out, ss_buf *body)
{
    if (ss_buf_error(body)) {
        if (!out->err)
            out->err = ss_buf_error(body);
    } else {
        ss_buf_append(out, ss_buf_data(body), ss_buf_len(body));
    }
    ss_buf_release(body);
}

void sreply_end(ss_buf *out, ss_buf *body, long long n)
{
    resp_add_array_len(out, n);
    sreply_finish(out, body);
}

void sreply_end_map(ss_buf *out, resp_proto proto, ss_buf *body, long long n)
{
    resp_add_map_len(out, proto, n);
    sreply_finish(out, body);
}

void stream_reply_subcommand_syntax(ss_buf *out, const ss_args *a)
{
    char up[32];
    size_t n = a->argvlen[0] < sizeof up - 1 ? a->argvlen[0] : sizeof up - 1;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)a->argv[0][i]);
    up[n] = '\0';
    stream_reply_err(out, SERR_SUBCMD_SYNTAX, a->argv[1], up);
}

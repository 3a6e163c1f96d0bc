/* A script's return value -> one RESP2/RESP3 reply, as Redis 7.0 converts it. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "scripting/script_internal.h"

/* Nested tables deeper than this answer Redis's "reached lua stack limit"
 * error in their place (a table that contains itself would otherwise recurse
 * until the stack ran out). */
#define CONV_MAX_DEPTH 1000

/* Redis casts the double to long long; on x86-64 a NaN or an out-of-range
 * value becomes LLONG_MIN (cvttsd2si's "integer indefinite"). C leaves that
 * undefined, so it is spelled out to give the same bytes on every node. */
static long long to_integer(lua_Number d)
{
    if (isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
        return LLONG_MIN;
    return (long long)d;
}

/* "-<msg>" with trailing line ends trimmed and CR/LF inside as spaces, as
 * addReplyErrorFormat("-%s") does (its trim starts at the '-', so leading
 * ones stay, as spaces); Redis adds no "ERR " after a '-'. */
static void add_error_text(ss_buf *out, const char *s, size_t len)
{
    while (len && (s[len - 1] == '\r' || s[len - 1] == '\n'))
        len--;
    ss_buf_append(out, "-", 1);
    if (ss_buf_reserve(out, len + 2) != 0)
        return;
    char *dst = ss_buf_tail(out);
    for (size_t i = 0; i < len; i++)
        dst[i] = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
    ss_buf_commit(out, len);
    ss_buf_append(out, "\r\n", 2);
}

/* Looks up t[name] raw (the table is on top); leaves it on the stack and
 * returns its type. */
static int field(lua_State *L, const char *name)
{
    lua_pushstring(L, name);
    lua_rawget(L, -2);
    return lua_type(L, -1);
}

static void convert(lua_State *L, ss_buf *out, resp_proto proto, int script_resp, int depth);

/* Keys of the table on top (maps and sets announce their length first). */
static long long count_keys(lua_State *L)
{
    long long n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        n++;
    }
    return n;
}

static void convert_table(lua_State *L, ss_buf *out, resp_proto proto, int script_resp,
                          int depth)
{
    size_t len;
    const char *s;

    if (field(L, "err") == LUA_TSTRING) {
        s = lua_tolstring(L, -1, &len);
        add_error_text(out, s, len);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (field(L, "ok") == LUA_TSTRING) {
        s = lua_tolstring(L, -1, &len);
        resp_add_simple_len(out, s, len);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (field(L, "double") == LUA_TNUMBER) {
        resp_add_double(out, proto, lua_tonumber(L, -1));
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (field(L, "big_number") == LUA_TSTRING) {
        /* CR and LF become spaces in both protocols, as Redis maps them. */
        s = lua_tolstring(L, -1, &len);
        if (proto == RESP3)
            ss_buf_append(out, "(", 1);
        else
            ss_buf_appendf(out, "$%zu\r\n", len);
        size_t at = ss_buf_len(out);
        ss_buf_append(out, s, len);
        if (!ss_buf_error(out))
            for (size_t i = at; i < ss_buf_len(out); i++)
                if (out->data[i] == '\r' || out->data[i] == '\n')
                    out->data[i] = ' ';
        ss_buf_append(out, "\r\n", 2);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (field(L, "verbatim_string") == LUA_TTABLE) {
        if (field(L, "format") == LUA_TSTRING) {
            size_t flen;
            const char *fmt = lua_tolstring(L, -1, &flen);
            lua_pushliteral(L, "string"); /* from the verbatim table, under fmt */
            lua_rawget(L, -3);
            if (lua_type(L, -1) == LUA_TSTRING) {
                s = lua_tolstring(L, -1, &len);
                if (proto == RESP3) {
                    char ext[3] = {0, 0, 0}; /* Redis copies 3 bytes */
                    memcpy(ext, fmt, flen < 3 ? flen + 1 : 3);
                    ss_buf_appendf(out, "=%zu\r\n", len + 4);
                    ss_buf_append(out, ext, 3);
                    ss_buf_append(out, ":", 1);
                    ss_buf_append(out, s, len);
                    ss_buf_append(out, "\r\n", 2);
                } else {
                    resp_add_bulk(out, s, len);
                }
                lua_pop(L, 3);
                return;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (field(L, "map") == LUA_TTABLE) {
        resp_add_map_len(out, proto, count_keys(L));
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2); /* converting must not touch the key lua_next uses */
            convert(L, out, proto, script_resp, depth + 1);
            convert(L, out, proto, script_resp, depth + 1);
        }
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (field(L, "set") == LUA_TTABLE) {
        resp_add_set_len(out, proto, count_keys(L));
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            convert(L, out, proto, script_resp, depth + 1);
        }
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);

    /* An array: t[1], t[2], ... up to the first nil. */
    long long n = 0;
    for (;;) {
        lua_rawgeti(L, -1, (int)(n + 1));
        bool end = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (end || n == INT_MAX - 1)
            break;
        n++;
    }
    resp_add_array_len(out, n);
    for (long long i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, (int)i);
        convert(L, out, proto, script_resp, depth + 1);
    }
}

/* Converts and pops the value on top. */
static void convert(lua_State *L, ss_buf *out, resp_proto proto, int script_resp, int depth)
{
    if (ss_buf_error(out)) {
        lua_pop(L, 1);
        return;
    }
    if (depth > CONV_MAX_DEPTH || !lua_checkstack(L, 6)) {
        resp_add_error(out, ss_script_strerror(SS_SCRIPT_ERR_REPLY_DEPTH));
        lua_pop(L, 1);
        return;
    }
    size_t len;
    const char *s;
    switch (lua_type(L, -1)) {
    case LUA_TSTRING:
        s = lua_tolstring(L, -1, &len);
        resp_add_bulk(out, s, len);
        break;
    case LUA_TBOOLEAN:
        /* A script that chose RESP3 returns real booleans; in RESP2 mode
         * true is 1 and false is the null reply. */
        if (script_resp == 2) {
            if (lua_toboolean(L, -1))
                resp_add_int(out, 1);
            else
                resp_add_null_bulk(out, proto);
        } else {
            resp_add_bool(out, proto, lua_toboolean(L, -1));
        }
        break;
    case LUA_TNUMBER:
        resp_add_int(out, to_integer(lua_tonumber(L, -1)));
        break;
    case LUA_TTABLE:
        convert_table(L, out, proto, script_resp, depth);
        break;
    default:
        resp_add_null_bulk(out, proto);
        break;
    }
    lua_pop(L, 1);
}

void script_lua_to_resp(lua_State *L, ss_buf *out, resp_proto proto, int script_resp)
{
    convert(L, out, proto, script_resp, 0);
}

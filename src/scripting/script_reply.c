/* redis.call's result: one RESP2/RESP3 reply read into a Lua value, as Redis 7.0 converts it. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scripting/script_internal.h"

/*
 * Our own small reader (the server does not link hiredis). The bytes come from
 * the engine's own commands, but they are still checked: a malformed reply is
 * an error, never a read past the end. Nesting is bounded so that neither the
 * C stack nor the Lua stack can run out.
 */
#define REPLY_MAX_DEPTH 128

typedef struct reader {
    const char *p;
    const char *end;
} reader;

/* The line after the type byte, without its CRLF. */
static bool read_line(reader *r, const char **s, size_t *len)
{
    const char *start = r->p;
    for (const char *q = start; q + 1 < r->end; q++) {
        if (q[0] == '\r' && q[1] == '\n') {
            *s = start;
            *len = (size_t)(q - start);
            r->p = q + 2;
            return true;
        }
    }
    return false;
}

static bool parse_ll(const char *s, size_t len, long long *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* "$<len>\r\n<bytes>\r\n" style payloads (bulk, verbatim, blob error). */
static bool read_blob(reader *r, const char **s, size_t *len)
{
    const char *line;
    size_t n;
    long long blen;
    if (!read_line(r, &line, &n) || !parse_ll(line, n, &blen))
        return false;
    if (blen < 0) {
        *s = NULL;
        return true;
    }
    if ((unsigned long long)blen > (size_t)(r->end - r->p) ||
        (size_t)(r->end - r->p) - (size_t)blen < 2)
        return false;
    *s = r->p;
    *len = (size_t)blen;
    if (r->p[blen] != '\r' || r->p[blen + 1] != '\n')
        return false;
    r->p += blen + 2;
    return true;
}

static bool read_count(reader *r, long long *n)
{
    const char *line;
    size_t len;
    return read_line(r, &line, &len) && parse_ll(line, len, n) && *n >= -1 &&
           *n <= (long long)(r->end - r->p); /* each element takes >= 1 byte */
}

static int read_value(lua_State *L, reader *r, int depth);

/* Reads n values, pushing each into the table on top as t[i] (array) or as
 * keys with true (set) or key/value pairs (map). push == false skips them
 * (attributes, which scripts do not see). */
enum agg { AGG_ARRAY, AGG_SET, AGG_MAP, AGG_SKIP };

static int read_aggregate(lua_State *L, reader *r, long long n, enum agg kind, int depth)
{
    for (long long i = 0; i < n; i++) {
        if (kind == AGG_ARRAY)
            lua_pushnumber(L, (lua_Number)(i + 1));
        if (read_value(L, r, depth + 1) < 0)
            return -1;
        if (kind == AGG_MAP || kind == AGG_SKIP) {
            if (read_value(L, r, depth + 1) < 0)
                return -1;
        }
        if (kind == AGG_SET)
            lua_pushboolean(L, 1);
        if (kind == AGG_SKIP)
            lua_pop(L, 2);
        else
            lua_settable(L, -3);
    }
    return 0;
}

/* Pushes one value; returns 1 for an error reply, 0 for others, -1 if malformed. */
static int read_value(lua_State *L, reader *r, int depth)
{
    if (depth > REPLY_MAX_DEPTH || r->p >= r->end || !lua_checkstack(L, 4))
        return -1;
    char type = *r->p++;
    const char *s;
    size_t len;
    long long n;
    switch (type) {
    case '+':
        if (!read_line(r, &s, &len))
            return -1;
        lua_newtable(L);
        lua_pushlstring(L, s, len);
        lua_setfield(L, -2, "ok");
        return 0;
    case '-':
        if (!read_line(r, &s, &len))
            return -1;
        lua_pushliteral(L, "-");
        lua_pushlstring(L, s, len);
        lua_concat(L, 2);
        s = lua_tolstring(L, -1, &len);
        script_push_error(L, s, len);
        lua_remove(L, -2);
        return 1;
    case ':':
        if (!read_line(r, &s, &len) || !parse_ll(s, len, &n))
            return -1;
        lua_pushnumber(L, (lua_Number)n);
        return 0;
    case '$':
        if (!read_blob(r, &s, &len))
            return -1;
        if (s)
            lua_pushlstring(L, s, len);
        else
            lua_pushboolean(L, 0); /* null bulk -> false */
        return 0;
    case '*':
        if (!read_count(r, &n))
            return -1;
        if (n < 0) {
            lua_pushboolean(L, 0); /* null array -> false */
            return 0;
        }
        lua_newtable(L);
        return read_aggregate(L, r, n, AGG_ARRAY, depth);
    case '%':
    case '~':
        if (!read_count(r, &n) || n < 0)
            return -1;
        lua_newtable(L);
        lua_pushstring(L, type == '%' ? "map" : "set");
        lua_newtable(L);
        if (read_aggregate(L, r, n, type == '%' ? AGG_MAP : AGG_SET, depth) < 0)
            return -1;
        lua_settable(L, -3);
        return 0;
    case '|': /* attribute: skipped, then the value it annotates */
        if (!read_count(r, &n) || n < 0 || read_aggregate(L, r, n, AGG_SKIP, depth) < 0)
            return -1;
        return read_value(L, r, depth + 1);
    case '_':
        if (!read_line(r, &s, &len) || len != 0)
            return -1;
        lua_pushnil(L);
        return 0;
    case '#':
        if (!read_line(r, &s, &len) || len != 1 || (s[0] != 't' && s[0] != 'f'))
            return -1;
        lua_pushboolean(L, s[0] == 't');
        return 0;
    case ',': {
        char buf[64];
        if (!read_line(r, &s, &len) || len == 0 || len >= sizeof(buf))
            return -1;
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *end;
        double d = strtod(buf, &end);
        if (*end)
            return -1;
        lua_newtable(L);
        lua_pushnumber(L, d);
        lua_setfield(L, -2, "double");
        return 0;
    }
    case '(':
        if (!read_line(r, &s, &len))
            return -1;
        lua_newtable(L);
        lua_pushlstring(L, s, len);
        lua_setfield(L, -2, "big_number");
        return 0;
    case '=':
        if (!read_blob(r, &s, &len) || !s || len < 4 || s[3] != ':')
            return -1;
        lua_newtable(L);
        lua_newtable(L);
        lua_pushlstring(L, s + 4, len - 4);
        lua_setfield(L, -2, "string");
        lua_pushlstring(L, s, 3);
        lua_setfield(L, -2, "format");
        lua_setfield(L, -2, "verbatim_string");
        return 0;
    default:
        return -1;
    }
}

int script_reply_to_lua(lua_State *L, const char *data, size_t len)
{
    reader r = {data, data + len};
    int top = lua_gettop(L);
    int rc = read_value(L, &r, 0);
    if (rc < 0 || r.p != r.end) {
        lua_settop(L, top);
        return -1;
    }
    return rc;
}

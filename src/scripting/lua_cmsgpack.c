/* cmsgpack: MessagePack for scripts, to the behaviour of the lua-cmsgpack 0.4.0 Redis ships. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scripting/script_internal.h"

/*
 * Written for sandstore from the MessagePack specification and from what
 * Redis 7.0 answers (tests/unit/test_script_cmsgpack.c holds both):
 *
 * pack(v1, v2, ...) concatenates one encoding per argument:
 *   nil, booleans          c0, c2/c3
 *   numbers                the smallest integer form when the number is an
 *                          integer in int64 range; else float 32 (ca) when
 *                          the value survives the round trip, else float 64
 *   strings                fixstr, str8 (d9), str16, str32
 *   tables                 an array when the keys are exactly 1..n, else a
 *                          map; nested tables past 16 levels become nil
 *   anything else          nil
 * unpack(s) returns every value in s; unpack_one(s [, offset]) one value and
 * unpack_limit(s, limit [, offset]) up to limit values, each preceded by the
 * offset to continue from (-1 once s is consumed). bin and ext types are not
 * decoded ("Bad data format in input."), as in Redis.
 */

#define MP_MAX_NESTING 16    /* encoding: deeper tables become nil */
#define MP_MAX_DECODE_DEPTH 1000

/* ----------------------------------------------------------- the buffer */

/* A growable buffer in a userdata whose __gc frees it: a Lua error (out of
 * memory, a bad argument) can unwind through the encoder at any point. Its
 * bytes come from the state's allocator, so the memory cap counts them. */
typedef struct mp_buf {
    char *data;
    size_t len, cap;
} mp_buf;

static int mp_buf_gc(lua_State *L)
{
    mp_buf *b = lua_touserdata(L, 1);
    void *ud;
    lua_Alloc alloc = lua_getallocf(L, &ud);
    if (b->data)
        alloc(ud, b->data, b->cap, 0);
    b->data = NULL;
    b->cap = b->len = 0;
    return 0;
}

static mp_buf *mp_buf_new(lua_State *L)
{
    mp_buf *b = lua_newuserdata(L, sizeof(*b));
    memset(b, 0, sizeof(*b));
    lua_newtable(L);
    lua_pushcfunction(L, mp_buf_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    return b;
}

static void mp_buf_append(lua_State *L, mp_buf *b, const void *p, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2)
                luaL_error(L, "not enough memory");
            cap *= 2;
        }
        void *ud;
        lua_Alloc alloc = lua_getallocf(L, &ud);
        char *d = alloc(ud, b->data, b->cap, cap);
        if (!d)
            luaL_error(L, "not enough memory");
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_be(lua_State *L, mp_buf *b, unsigned char tag, uint64_t v, int bytes)
{
    unsigned char out[9];
    out[0] = tag;
    for (int i = 0; i < bytes; i++)
        out[1 + i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    mp_buf_append(L, b, out, (size_t)bytes + 1);
}

/* ------------------------------------------------------------- encoding */

static void encode_int(lua_State *L, mp_buf *b, int64_t n)
{
    if (n >= 0) {
        if (n <= 127) {
            unsigned char c = (unsigned char)n;
            mp_buf_append(L, b, &c, 1);
        } else if (n <= 0xff) {
            put_be(L, b, 0xcc, (uint64_t)n, 1);
        } else if (n <= 0xffff) {
            put_be(L, b, 0xcd, (uint64_t)n, 2);
        } else if (n <= 0xffffffffLL) {
            put_be(L, b, 0xce, (uint64_t)n, 4);
        } else {
            put_be(L, b, 0xcf, (uint64_t)n, 8);
        }
    } else {
        if (n >= -32) {
            unsigned char c = (unsigned char)(0xe0 | (n & 0x1f));
            mp_buf_append(L, b, &c, 1);
        } else if (n >= -128) {
            put_be(L, b, 0xd0, (uint64_t)n, 1);
        } else if (n >= -32768) {
            put_be(L, b, 0xd1, (uint64_t)n, 2);
        } else if (n >= -2147483648LL) {
            put_be(L, b, 0xd2, (uint64_t)n, 4);
        } else {
            put_be(L, b, 0xd3, (uint64_t)n, 8);
        }
    }
}

static void encode_number(lua_State *L, mp_buf *b, lua_Number n)
{
    if (n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (lua_Number)(int64_t)n == n) {
        encode_int(L, b, (int64_t)n);
        return;
    }
    float f = (float)n; /* IEEE: out of range is inf, which reads back as inf */
    if ((lua_Number)f == n || (isinf(n) && isinf(f))) {
        uint32_t bits;
        memcpy(&bits, &f, sizeof(bits));
        put_be(L, b, 0xca, bits, 4);
    } else {
        uint64_t bits;
        memcpy(&bits, &n, sizeof(bits));
        put_be(L, b, 0xcb, bits, 8);
    }
}

static void encode_string(lua_State *L, mp_buf *b, const char *s, size_t len)
{
    if (len < 32) {
        unsigned char c = (unsigned char)(0xa0 | len);
        mp_buf_append(L, b, &c, 1);
    } else if (len <= 0xff) {
        put_be(L, b, 0xd9, len, 1);
    } else if (len <= 0xffff) {
        put_be(L, b, 0xda, len, 2);
    } else {
        if (len > 0xffffffffULL)
            luaL_error(L, "string too long for MessagePack");
        put_be(L, b, 0xdb, len, 4);
    }
    mp_buf_append(L, b, s, len);
}

static void encode_header(lua_State *L, mp_buf *b, size_t n, unsigned char fix, unsigned char t16,
                          unsigned char t32)
{
    if (n <= 15) {
        unsigned char c = (unsigned char)(fix | n);
        mp_buf_append(L, b, &c, 1);
    } else if (n <= 0xffff) {
        put_be(L, b, t16, n, 2);
    } else {
        put_be(L, b, t32, n, 4);
    }
}

/* The keys of the table on top are exactly 1..n (n may be 0). */
static bool is_array(lua_State *L)
{
    long long count = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        lua_Number k;
        if (lua_type(L, -1) != LUA_TNUMBER || (k = lua_tonumber(L, -1)) <= 0 ||
            k >= 2147483648.0 || (lua_Number)(int)k != k) {
            lua_pop(L, 1);
            return false;
        }
        if (k > max)
            max = (long long)k;
        count++;
    }
    return max == count;
}

static void encode_value(lua_State *L, mp_buf *b, int level);

static void encode_table(lua_State *L, mp_buf *b, int level)
{
    luaL_checkstack(L, 3, "in function mp_encode_lua_table");
    if (is_array(L)) {
        size_t n = lua_objlen(L, -1);
        encode_header(L, b, n, 0x90, 0xdc, 0xdd);
        for (size_t j = 1; j <= n; j++) {
            lua_rawgeti(L, -1, (int)j);
            encode_value(L, b, level + 1);
        }
        return;
    }
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        n++;
    }
    encode_header(L, b, n, 0x80, 0xde, 0xdf);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2); /* encode a copy: lua_next needs the key unchanged */
        encode_value(L, b, level + 1);
        encode_value(L, b, level + 1);
    }
}

/* Encodes and pops the value on top. */
static void encode_value(lua_State *L, mp_buf *b, int level)
{
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE && level == MP_MAX_NESTING)
        t = LUA_TNIL;
    switch (t) {
    case LUA_TBOOLEAN: {
        unsigned char c = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
        mp_buf_append(L, b, &c, 1);
        break;
    }
    case LUA_TNUMBER:
        encode_number(L, b, lua_tonumber(L, -1));
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        encode_string(L, b, s, len);
        break;
    }
    case LUA_TTABLE:
        encode_table(L, b, level);
        break;
    default: {
        unsigned char c = 0xc0;
        mp_buf_append(L, b, &c, 1);
        break;
    }
    }
    lua_pop(L, 1);
}

static int mp_pack(lua_State *L)
{
    int argc = lua_gettop(L);
    if (argc == 0)
        return luaL_argerror(L, 0, "MessagePack pack needs input.");
    mp_buf *b = mp_buf_new(L);
    lua_insert(L, 1);
    for (int i = 2; i <= argc + 1; i++) {
        lua_pushvalue(L, i);
        encode_value(L, b, 0);
    }
    lua_pushlstring(L, b->data ? b->data : "", b->len);
    return 1;
}

/* ------------------------------------------------------------- decoding */

typedef enum { MP_OK = 0, MP_EOF, MP_BADFMT } mp_err;

typedef struct mp_cur {
    const unsigned char *p;
    size_t left;
    mp_err err;
} mp_cur;

static bool need(mp_cur *c, size_t n)
{
    if (c->left < n) {
        c->err = MP_EOF;
        return false;
    }
    return true;
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    return v;
}

static void decode_value(lua_State *L, mp_cur *c, int depth);

static void decode_array(lua_State *L, mp_cur *c, uint64_t n, int depth)
{
    luaL_checkstack(L, 2, "in function mp_decode_to_lua_array");
    if (depth > MP_MAX_DECODE_DEPTH)
        luaL_error(L, "stack overflow (in function mp_decode_to_lua_array)");
    lua_newtable(L);
    for (uint64_t i = 1; i <= n && c->err == MP_OK; i++) {
        lua_pushnumber(L, (lua_Number)i);
        decode_value(L, c, depth + 1);
        if (c->err != MP_OK) {
            lua_pop(L, 1);
            break;
        }
        lua_settable(L, -3);
    }
}

static void decode_map(lua_State *L, mp_cur *c, uint64_t n, int depth)
{
    luaL_checkstack(L, 3, "in function mp_decode_to_lua_hash");
    if (depth > MP_MAX_DECODE_DEPTH)
        luaL_error(L, "stack overflow (in function mp_decode_to_lua_hash)");
    lua_newtable(L);
    for (uint64_t i = 0; i < n && c->err == MP_OK; i++) {
        decode_value(L, c, depth + 1);
        if (c->err != MP_OK)
            break;
        decode_value(L, c, depth + 1);
        if (c->err != MP_OK) {
            lua_pop(L, 1);
            break;
        }
        lua_settable(L, -3); /* a nil or NaN key raises Lua's own error, as in Redis */
    }
}

static void decode_str(lua_State *L, mp_cur *c, size_t hdr, int bytes)
{
    if (!need(c, hdr + (size_t)bytes))
        return;
    uint64_t len = get_be(c->p + hdr, bytes);
    c->p += hdr + (size_t)bytes;
    c->left -= hdr + (size_t)bytes;
    if (!need(c, len))
        return;
    lua_pushlstring(L, (const char *)c->p, (size_t)len);
    c->p += len;
    c->left -= len;
}

/* Pushes one value, or nothing with c->err set. */
static void decode_value(lua_State *L, mp_cur *c, int depth)
{
    if (!need(c, 1))
        return;
    luaL_checkstack(L, 1, "too many items to unpack");
    unsigned char t = c->p[0];
    if (t <= 0x7f || t >= 0xe0) { /* positive / negative fixint */
        lua_pushnumber(L, t <= 0x7f ? (lua_Number)t : (lua_Number)(int8_t)t);
        c->p++, c->left--;
        return;
    }
    if ((t & 0xe0) == 0xa0) { /* fixstr */
        size_t len = t & 0x1f;
        if (!need(c, 1 + len))
            return;
        lua_pushlstring(L, (const char *)c->p + 1, len);
        c->p += 1 + len, c->left -= 1 + len;
        return;
    }
    if ((t & 0xf0) == 0x90 || (t & 0xf0) == 0x80) { /* fixarray, fixmap */
        c->p++, c->left--;
        if ((t & 0xf0) == 0x90)
            decode_array(L, c, t & 0x0f, depth);
        else
            decode_map(L, c, t & 0x0f, depth);
        return;
    }
    static const signed char width[256] = {
        [0xc0] = 0, [0xc2] = 0, [0xc3] = 0, [0xca] = 4, [0xcb] = 8,
        [0xcc] = 1, [0xcd] = 2, [0xce] = 4, [0xcf] = 8,
        [0xd0] = 1, [0xd1] = 2, [0xd2] = 4, [0xd3] = 8,
    };
    switch (t) {
    case 0xc0: case 0xc2: case 0xc3:
    case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf:
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int w = width[t];
        if (!need(c, 1 + (size_t)w))
            return;
        uint64_t v = get_be(c->p + 1, w);
        c->p += 1 + w, c->left -= 1 + (size_t)w;
        switch (t) {
        case 0xc0: lua_pushnil(L); break;
        case 0xc2: lua_pushboolean(L, 0); break;
        case 0xc3: lua_pushboolean(L, 1); break;
        case 0xca: {
            uint32_t bits = (uint32_t)v;
            float f;
            memcpy(&f, &bits, sizeof(f));
            lua_pushnumber(L, f);
            break;
        }
        case 0xcb: {
            double d;
            memcpy(&d, &v, sizeof(d));
            lua_pushnumber(L, d);
            break;
        }
        case 0xcc: case 0xcd: case 0xce: lua_pushnumber(L, (lua_Number)v); break;
        /* Redis pushes uint 64 through lua_pushinteger: it reads back signed. */
        case 0xcf: lua_pushnumber(L, (lua_Number)(int64_t)v); break;
        case 0xd0: lua_pushnumber(L, (int8_t)v); break;
        case 0xd1: lua_pushnumber(L, (int16_t)v); break;
        case 0xd2: lua_pushnumber(L, (int32_t)v); break;
        case 0xd3: lua_pushnumber(L, (lua_Number)(int64_t)v); break;
        }
        return;
    }
    case 0xd9: decode_str(L, c, 1, 1); return;
    case 0xda: decode_str(L, c, 1, 2); return;
    case 0xdb: decode_str(L, c, 1, 4); return;
    case 0xdc: case 0xdd: case 0xde: case 0xdf: {
        int w = (t == 0xdc || t == 0xde) ? 2 : 4;
        if (!need(c, 1 + (size_t)w))
            return;
        uint64_t n = get_be(c->p + 1, w);
        c->p += 1 + w, c->left -= 1 + (size_t)w;
        if (t == 0xdc || t == 0xdd)
            decode_array(L, c, n, depth);
        else
            decode_map(L, c, n, depth);
        return;
    }
    default: /* c1, bin, ext */
        c->err = MP_BADFMT;
        return;
    }
}

static int unpack_full(lua_State *L, lua_Integer limit, lua_Integer offset)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    bool decode_all = limit == 0 && offset == 0;
    if (offset < 0 || limit < 0)
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                          (int)offset, (int)len);
    if ((size_t)offset > len)
        return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset,
                          (int)len);
    if (decode_all)
        limit = INT_MAX;
    mp_cur c = {(const unsigned char *)s + offset, len - (size_t)offset, MP_OK};
    int count = 0;
    for (; c.left > 0 && count < limit; count++) {
        decode_value(L, &c, 0);
        if (c.err == MP_EOF)
            return luaL_error(L, "Missing bytes in input.");
        if (c.err == MP_BADFMT)
            return luaL_error(L, "Bad data format in input.");
    }
    if (!decode_all) {
        luaL_checkstack(L, 1, "in function mp_unpack_full");
        lua_pushinteger(L, c.left == 0 ? -1 : (lua_Integer)(len - c.left));
        lua_insert(L, 2);
        count++;
    }
    return count;
}

static int mp_unpack(lua_State *L) { return unpack_full(L, 0, 0); }

static int mp_unpack_one(lua_State *L)
{
    lua_Integer offset = luaL_optinteger(L, 2, 0);
    lua_settop(L, 1);
    return unpack_full(L, 1, offset);
}

static int mp_unpack_limit(lua_State *L)
{
    lua_Integer limit = luaL_checkinteger(L, 2);
    lua_Integer offset = luaL_optinteger(L, 3, 0);
    lua_settop(L, 1);
    return unpack_full(L, limit, offset);
}

int luaopen_cmsgpack(lua_State *L)
{
    static const luaL_Reg fns[] = {{"pack", mp_pack},
                                   {"unpack", mp_unpack},
                                   {"unpack_one", mp_unpack_one},
                                   {"unpack_limit", mp_unpack_limit},
                                   {NULL, NULL}};
    lua_newtable(L);
    luaL_register(L, NULL, fns);
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
    lua_setfield(L, -2, "_COPYRIGHT");
    lua_pushliteral(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    return 1;
}

/* struct: binary packing as Redis ships it (Roberto Ierusalimschy's struct library, 0.2/1.4 format). */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "scripting/script_internal.h"

/*
 * Written for sandstore from the documented format and from what Redis 7.0
 * answers (tests/unit/test_script_struct.c holds both). The format string:
 *
 *   >  <      big / little endian for what follows (native: little)
 *   ![n]      maximum alignment n (a power of 2; default: the platform's, 8)
 *   b B       signed / unsigned char        h H   short (2 bytes)
 *   l L       long (8 bytes)                T     size_t (8 bytes)
 *   i[n] I[n] integer of n bytes (default 4, at most 32)
 *   f d       float / double (IEEE, in the chosen byte order)
 *   x         one byte of padding
 *   c[n]      n bytes of a string; pack: n == 0 takes the whole string;
 *             unpack: n == 0 takes the number unpacked just before as length
 *   s         a zero-terminated string
 *   ' '       ignored
 *
 * Integers wider than 8 bytes carry their 64-bit value in the low bytes (the
 * others are zero when packing, ignored when unpacking), as the original's
 * 64-bit arithmetic does; the conversions from Lua's double that C leaves
 * undefined are spelled out as x86-64 (where Redis runs) computes them.
 */

#define STRUCT_MAXINTSIZE 32
#define STRUCT_MAXALIGN 8 /* offsetof(struct { char c; double d; }, d) */
#define BIG 0
#define LITTLE 1
#define NATIVE LITTLE

typedef struct header {
    int endian;
    size_t align;
} header;

static int getnum(lua_State *L, const char **fmt, int df)
{
    if (!isdigit((unsigned char)**fmt))
        return df;
    int a = 0;
    do {
        int d = **fmt - '0';
        if (a > INT_MAX / 10 || a * 10 > INT_MAX - d)
            luaL_error(L, "integral size overflow");
        a = a * 10 + d;
        (*fmt)++;
    } while (isdigit((unsigned char)**fmt));
    return a;
}

/* Bytes an option takes (0 for controls and for options without a fixed size). */
static size_t optsize(lua_State *L, int opt, const char **fmt)
{
    switch (opt) {
    case 'b': case 'B': return 1;
    case 'h': case 'H': return 2;
    case 'l': case 'L': case 'T': return 8;
    case 'f': return 4;
    case 'd': return 8;
    case 'x': return 1;
    case 'c': return (size_t)getnum(L, fmt, 1);
    case 'i': case 'I': {
        int sz = getnum(L, fmt, 4);
        if (sz > STRUCT_MAXINTSIZE)
            luaL_error(L, "integral size %d is larger than limit of %d", sz, STRUCT_MAXINTSIZE);
        return (size_t)sz;
    }
    default: return 0;
    }
}

/* Padding before an item of this size at offset len (the original's formula,
 * sizes that are not powers of 2 included). */
static size_t gettoalign(size_t len, const header *h, int opt, size_t size)
{
    if (size == 0 || opt == 'c')
        return 0;
    if (size > h->align)
        size = h->align;
    return (size - (len & (size - 1))) & (size - 1);
}

static void controloptions(lua_State *L, int opt, const char **fmt, header *h)
{
    switch (opt) {
    case ' ': return;
    case '>': h->endian = BIG; return;
    case '<': h->endian = LITTLE; return;
    case '!': {
        int a = getnum(L, fmt, STRUCT_MAXALIGN);
        if (a <= 0 || (a & (a - 1)) != 0)
            luaL_error(L, "alignment %d is not a power of 2", a);
        h->align = (size_t)a;
        return;
    }
    default: {
        const char *msg = lua_pushfstring(L, "invalid format option '%c'", opt);
        luaL_argerror(L, 1, msg);
    }
    }
}

/* (uint64_t)(int64_t)n for negatives, (uint64_t)n otherwise, as x86-64 does
 * it where C does not say. */
static uint64_t to_bits(lua_Number n)
{
    if (isnan(n))
        return 0;
    if (n < 0)
        return n < -9223372036854775808.0 ? (uint64_t)INT64_MIN : (uint64_t)(int64_t)n;
    return n < 18446744073709551616.0 ? (uint64_t)n : 0;
}

static void putinteger(lua_State *L, luaL_Buffer *b, int arg, int endian, size_t size)
{
    uint64_t v = to_bits(luaL_checknumber(L, arg));
    char buf[STRUCT_MAXINTSIZE];
    for (size_t i = 0; i < size; i++) {
        size_t at = endian == LITTLE ? i : size - 1 - i;
        buf[at] = (char)(v & 0xff);
        v = i < 7 ? v >> 8 : 0;
    }
    luaL_addlstring(b, buf, size);
}

static void swap_if_needed(char *p, size_t size, int endian)
{
    if (endian == NATIVE)
        return;
    for (size_t i = 0, j = size - 1; i < j; i++, j--) {
        char t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
}

static int struct_pack(lua_State *L)
{
    const char *fmt = luaL_checkstring(L, 1);
    header h = {NATIVE, 1};
    int arg = 2;
    size_t total = 0;
    luaL_Buffer b;
    lua_pushnil(L); /* keeps the arguments below the buffer's stack use */
    luaL_buffinit(L, &b);
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optsize(L, opt, &fmt);
        size_t pad = gettoalign(total, &h, opt, size);
        total += pad;
        while (pad-- > 0)
            luaL_addchar(&b, '\0');
        switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
            putinteger(L, &b, arg++, h.endian, size);
            break;
        case 'x':
            luaL_addchar(&b, '\0');
            break;
        case 'f': {
            float f = (float)luaL_checknumber(L, arg++); /* IEEE: out of range is inf */
            swap_if_needed((char *)&f, sizeof(f), h.endian);
            luaL_addlstring(&b, (char *)&f, sizeof(f));
            break;
        }
        case 'd': {
            double d = luaL_checknumber(L, arg++);
            swap_if_needed((char *)&d, sizeof(d), h.endian);
            luaL_addlstring(&b, (char *)&d, sizeof(d));
            break;
        }
        case 'c': case 's': {
            size_t l;
            const char *s = luaL_checklstring(L, arg++, &l);
            if (size == 0)
                size = l;
            luaL_argcheck(L, l >= size, arg, "string too short");
            luaL_addlstring(&b, s, size);
            if (opt == 's') {
                luaL_addchar(&b, '\0');
                size++;
            }
            break;
        }
        default:
            controloptions(L, opt, &fmt, &h);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static lua_Number getinteger(const char *p, int endian, bool is_signed, size_t size)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) {
        size_t at = endian == BIG ? i : size - 1 - i;
        v = (v << 8) | (unsigned char)p[at];
    }
    if (!is_signed)
        return (lua_Number)v;
    /* The sign bit as the original's 64-bit shift finds it (x86 takes the
     * shift count modulo 64). */
    uint64_t mask = ~(uint64_t)0 << ((size * 8 - 1) & 63);
    if (v & mask)
        v |= mask;
    return (lua_Number)(int64_t)v;
}

static int struct_unpack(lua_State *L)
{
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld;
    const char *data = luaL_checklstring(L, 2, &ld);
    size_t pos = (size_t)luaL_optinteger(L, 3, 1);
    luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
    pos--;
    header h = {NATIVE, 1};
    int n = 0;
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optsize(L, opt, &fmt);
        pos += gettoalign(pos, &h, opt, size);
        luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        luaL_checkstack(L, 2, "too many results");
        switch (opt) {
        case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
            lua_pushnumber(L, getinteger(data + pos, h.endian, islower(opt), size));
            n++;
            break;
        case 'x':
            break;
        case 'f': {
            float f;
            memcpy(&f, data + pos, sizeof(f));
            swap_if_needed((char *)&f, sizeof(f), h.endian);
            lua_pushnumber(L, f);
            n++;
            break;
        }
        case 'd': {
            double d;
            memcpy(&d, data + pos, sizeof(d));
            swap_if_needed((char *)&d, sizeof(d), h.endian);
            lua_pushnumber(L, d);
            n++;
            break;
        }
        case 'c':
            if (size == 0) {
                if (n == 0 || !lua_isnumber(L, -1))
                    luaL_error(L, "format 'c0' needs a previous size");
                lua_Number len = lua_tonumber(L, -1);
                lua_pop(L, 1);
                n--;
                luaL_argcheck(L, len >= 0 && len <= (lua_Number)ld, 2, "data string too short");
                size = (size_t)len;
                luaL_argcheck(L, pos <= ld - size, 2, "data string too short");
            }
            lua_pushlstring(L, data + pos, size);
            n++;
            break;
        case 's': {
            const char *e = memchr(data + pos, '\0', ld - pos);
            if (!e)
                luaL_error(L, "unfinished string in data");
            size = (size_t)(e - (data + pos)) + 1;
            lua_pushlstring(L, data + pos, size - 1);
            n++;
            break;
        }
        default:
            controloptions(L, opt, &fmt, &h);
        }
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)(pos + 1));
    return n + 1;
}

static int struct_size(lua_State *L)
{
    const char *fmt = luaL_checkstring(L, 1);
    header h = {NATIVE, 1};
    size_t pos = 0;
    while (*fmt) {
        int opt = *fmt++;
        size_t size = optsize(L, opt, &fmt);
        pos += gettoalign(pos, &h, opt, size);
        if (opt == 's')
            luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0)
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        /* Unknown letters count for nothing here, as in the original. */
        if (!isalnum(opt))
            controloptions(L, opt, &fmt, &h);
        pos += size;
    }
    lua_pushinteger(L, (lua_Integer)pos);
    return 1;
}

int luaopen_struct(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"pack", struct_pack}, {"unpack", struct_unpack}, {"size", struct_size}, {NULL, NULL}};
    lua_newtable(L);
    luaL_register(L, NULL, fns);
    return 1;
}

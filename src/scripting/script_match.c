/* Lua 5.1's string patterns (string.find, match, gmatch, gsub) with every step of the matcher charged to the script's instruction budget. */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "scripting/script_internal.h"

/*
 * Lua's own matcher runs in C, beyond the count hook: "a*a*a*a*a*b" against
 * a long run of "a" backtracks for hours, on every node that applies the
 * script. This one has the same semantics as Lua 5.1's (the same results,
 * captures, errors and corner cases: patterns end at their first NUL, '^' is
 * an anchor for find/match/gsub only, "%" before a non-digit in a gsub
 * replacement is that character), but counts its steps (one per pattern item
 * tried, per character a repetition or %b scans) and charges them to the
 * budget as instructions, every STEP_CHARGE of them and at the end of each
 * call. The count depends only on the pattern and the subject, so a
 * pathological match fails with the budget error at the same step on every
 * node. Recursion stays bounded by the sandbox's pattern guard.
 */

#define MAXCAPTURES 32
#define CAP_UNFINISHED (-1)
#define CAP_POSITION (-2)
#define STEP_CHARGE 1000
#define SPECIALS "^$*+?.([%-"

typedef struct mstate {
    const char *src_init, *src_end;
    lua_State *L;
    int level;
    struct {
        const char *init;
        ptrdiff_t len;
    } capture[MAXCAPTURES];
    uint64_t steps; /* not yet charged */
} mstate;

static void step(mstate *ms)
{
    if (++ms->steps >= STEP_CHARGE) {
        ms->steps = 0;
        script_charge(ms->L, STEP_CHARGE);
    }
}

static void settle(mstate *ms)
{
    uint64_t n = ms->steps;
    ms->steps = 0;
    if (n)
        script_charge(ms->L, n);
}

static void ms_init(mstate *ms, lua_State *L, const char *s, size_t len)
{
    ms->L = L;
    ms->src_init = s;
    ms->src_end = s + len;
    ms->level = 0;
    ms->steps = 0;
}

static int check_capture(mstate *ms, int l)
{
    l -= '1';
    if (l < 0 || l >= ms->level || ms->capture[l].len == CAP_UNFINISHED)
        return luaL_error(ms->L, "invalid capture index");
    return l;
}

static int capture_to_close(mstate *ms)
{
    for (int level = ms->level - 1; level >= 0; level--)
        if (ms->capture[level].len == CAP_UNFINISHED)
            return level;
    return luaL_error(ms->L, "invalid pattern capture");
}

/* The end of the single-character class at p. */
static const char *class_end(mstate *ms, const char *p)
{
    char c = *p++;
    if (c == '%') {
        if (*p == '\0')
            luaL_error(ms->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (*p == '^')
            p++;
        do {
            if (*p == '\0')
                luaL_error(ms->L, "malformed pattern (missing ']')");
            if (*(p++) == '%' && *p != '\0')
                p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

static bool match_class(int c, int cl)
{
    bool res;
    switch (tolower(cl)) {
    case 'a': res = isalpha(c); break;
    case 'c': res = iscntrl(c); break;
    case 'd': res = isdigit(c); break;
    case 'l': res = islower(c); break;
    case 'p': res = ispunct(c); break;
    case 's': res = isspace(c); break;
    case 'u': res = isupper(c); break;
    case 'w': res = isalnum(c); break;
    case 'x': res = isxdigit(c); break;
    case 'z': res = (c == 0); break;
    default: return cl == c;
    }
    return islower(cl) ? res : !res;
}

/* p at '[', ec at its ']'. */
static bool match_bracket(int c, const char *p, const char *ec)
{
    bool sig = true;
    if (*(p + 1) == '^') {
        sig = false;
        p++;
    }
    while (++p < ec) {
        if (*p == '%') {
            p++;
            if (match_class(c, (unsigned char)*p))
                return sig;
        } else if (*(p + 1) == '-' && p + 2 < ec) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p)
                return sig;
        } else if ((unsigned char)*p == c) {
            return sig;
        }
    }
    return !sig;
}

static bool single_match(int c, const char *p, const char *ep)
{
    switch (*p) {
    case '.': return true;
    case '%': return match_class(c, (unsigned char)*(p + 1));
    case '[': return match_bracket(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match(mstate *ms, const char *s, const char *p);

static const char *match_balance(mstate *ms, const char *s, const char *p)
{
    if (*p == '\0' || *(p + 1) == '\0')
        luaL_error(ms->L, "unbalanced pattern");
    if (s >= ms->src_end || *s != *p)
        return NULL;
    char b = *p, e = *(p + 1);
    int cont = 1;
    while (++s < ms->src_end) {
        step(ms);
        if (*s == e) {
            if (--cont == 0)
                return s + 1;
        } else if (*s == b) {
            cont++;
        }
    }
    return NULL;
}

static const char *max_expand(mstate *ms, const char *s, const char *p, const char *ep)
{
    ptrdiff_t i = 0;
    while (s + i < ms->src_end && single_match((unsigned char)s[i], p, ep)) {
        step(ms);
        i++;
    }
    while (i >= 0) { /* try with the longest repetition first */
        const char *res = match(ms, s + i, ep + 1);
        if (res)
            return res;
        i--;
    }
    return NULL;
}

static const char *min_expand(mstate *ms, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *res = match(ms, s, ep + 1);
        if (res)
            return res;
        if (s < ms->src_end && single_match((unsigned char)*s, p, ep))
            s++;
        else
            return NULL;
    }
}

static const char *start_capture(mstate *ms, const char *s, const char *p, int what)
{
    int level = ms->level;
    if (level >= MAXCAPTURES)
        luaL_error(ms->L, "too many captures");
    ms->capture[level].init = s;
    ms->capture[level].len = what;
    ms->level = level + 1;
    const char *res = match(ms, s, p);
    if (res == NULL)
        ms->level--;
    return res;
}

static const char *end_capture(mstate *ms, const char *s, const char *p)
{
    int l = capture_to_close(ms);
    ms->capture[l].len = s - ms->capture[l].init;
    const char *res = match(ms, s, p);
    if (res == NULL)
        ms->capture[l].len = CAP_UNFINISHED;
    return res;
}

static const char *match_capture(mstate *ms, const char *s, int l)
{
    l = check_capture(ms, l);
    size_t len = (size_t)ms->capture[l].len;
    if ((size_t)(ms->src_end - s) >= len && memcmp(ms->capture[l].init, s, len) == 0)
        return s + len;
    return NULL;
}

static const char *match(mstate *ms, const char *s, const char *p)
{
    for (;;) {
        step(ms);
        switch (*p) {
        case '(':
            if (*(p + 1) == ')')
                return start_capture(ms, s, p + 2, CAP_POSITION);
            return start_capture(ms, s, p + 1, CAP_UNFINISHED);
        case ')':
            return end_capture(ms, s, p + 1);
        case '\0':
            return s;
        case '$':
            if (*(p + 1) == '\0')
                return s == ms->src_end ? s : NULL;
            break;
        case '%':
            if (*(p + 1) == 'b') {
                s = match_balance(ms, s, p + 2);
                if (s == NULL)
                    return NULL;
                p += 4;
                continue;
            }
            if (*(p + 1) == 'f') {
                p += 2;
                if (*p != '[')
                    luaL_error(ms->L, "missing '[' after '%%f' in pattern");
                const char *ep = class_end(ms, p);
                int prev = s == ms->src_init ? '\0' : (unsigned char)*(s - 1);
                int cur = s < ms->src_end ? (unsigned char)*s : '\0';
                if (match_bracket(prev, p, ep - 1) || !match_bracket(cur, p, ep - 1))
                    return NULL;
                p = ep;
                continue;
            }
            if (isdigit((unsigned char)*(p + 1))) {
                s = match_capture(ms, s, (unsigned char)*(p + 1));
                if (s == NULL)
                    return NULL;
                p += 2;
                continue;
            }
            break;
        default:
            break;
        }
        /* a single character class, maybe repeated */
        const char *ep = class_end(ms, p);
        bool m = s < ms->src_end && single_match((unsigned char)*s, p, ep);
        switch (*ep) {
        case '?': {
            const char *res;
            if (m && (res = match(ms, s + 1, ep + 1)) != NULL)
                return res;
            p = ep + 1;
            continue;
        }
        case '*':
            return max_expand(ms, s, p, ep);
        case '+':
            return m ? max_expand(ms, s + 1, p, ep) : NULL;
        case '-':
            return min_expand(ms, s, p, ep);
        default:
            if (!m)
                return NULL;
            s++;
            p = ep;
            continue;
        }
    }
}

/* ------------------------------------------------------------ captures */

static void push_onecapture(mstate *ms, int i, const char *s, const char *e)
{
    if (i >= ms->level) {
        if (i == 0)
            lua_pushlstring(ms->L, s, (size_t)(e - s)); /* the whole match */
        else
            luaL_error(ms->L, "invalid capture index");
        return;
    }
    ptrdiff_t l = ms->capture[i].len;
    if (l == CAP_UNFINISHED)
        luaL_error(ms->L, "unfinished capture");
    if (l == CAP_POSITION)
        lua_pushinteger(ms->L, ms->capture[i].init - ms->src_init + 1);
    else
        lua_pushlstring(ms->L, ms->capture[i].init, (size_t)l);
}

static int push_captures(mstate *ms, const char *s, const char *e)
{
    int n = (ms->level == 0 && s) ? 1 : ms->level;
    luaL_checkstack(ms->L, n, "too many captures");
    for (int i = 0; i < n; i++)
        push_onecapture(ms, i, s, e);
    return n;
}

/* ------------------------------------------------------------ the functions */

static ptrdiff_t posrelat(ptrdiff_t pos, size_t len)
{
    if (pos < 0)
        pos += (ptrdiff_t)len + 1;
    return pos >= 0 ? pos : 0;
}

static int find_aux(lua_State *L, bool find)
{
    size_t l1, l2;
    const char *s = luaL_checklstring(L, 1, &l1);
    const char *p = luaL_checklstring(L, 2, &l2);
    ptrdiff_t init = posrelat(luaL_optinteger(L, 3, 1), l1) - 1;
    if (init < 0)
        init = 0;
    else if ((size_t)init > l1)
        init = (ptrdiff_t)l1;
    if (find && (lua_toboolean(L, 4) || strpbrk(p, SPECIALS) == NULL)) {
        /* a plain search: linear (two-way), no budget to charge */
        const char *s2 = l2 == 0 ? s + init : memmem(s + init, l1 - (size_t)init, p, l2);
        if (s2) {
            lua_pushinteger(L, s2 - s + 1);
            lua_pushinteger(L, s2 - s + (ptrdiff_t)l2);
            return 2;
        }
    } else {
        mstate ms;
        ms_init(&ms, L, s, l1);
        bool anchor = *p == '^';
        if (anchor)
            p++;
        const char *s1 = s + init;
        do {
            ms.level = 0;
            const char *res = match(&ms, s1, p);
            if (res != NULL) {
                settle(&ms);
                if (find) {
                    lua_pushinteger(L, s1 - s + 1);
                    lua_pushinteger(L, res - s);
                    return push_captures(&ms, NULL, 0) + 2;
                }
                return push_captures(&ms, s1, res);
            }
        } while (s1++ < ms.src_end && !anchor);
        settle(&ms);
    }
    lua_pushnil(L);
    return 1;
}

static int str_find(lua_State *L) { return find_aux(L, true); }
static int str_match(lua_State *L) { return find_aux(L, false); }

static int gmatch_aux(lua_State *L)
{
    size_t ls;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tostring(L, lua_upvalueindex(2));
    mstate ms;
    ms_init(&ms, L, s, ls);
    for (const char *src = s + (size_t)lua_tointeger(L, lua_upvalueindex(3)); src <= ms.src_end; src++) {
        ms.level = 0;
        const char *e = match(&ms, src, p);
        if (e != NULL) {
            settle(&ms);
            lua_Integer next = e - s;
            if (e == src)
                next++; /* an empty match: go on at least one position */
            lua_pushinteger(L, next);
            lua_replace(L, lua_upvalueindex(3));
            return push_captures(&ms, src, e);
        }
    }
    settle(&ms);
    return 0;
}

static int str_gmatch(lua_State *L)
{
    luaL_checkstring(L, 1);
    luaL_checkstring(L, 2);
    lua_settop(L, 2);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, gmatch_aux, 3);
    return 1;
}

static void add_s(mstate *ms, luaL_Buffer *b, const char *s, const char *e)
{
    size_t l;
    const char *news = lua_tolstring(ms->L, 3, &l);
    for (size_t i = 0; i < l; i++) {
        if (news[i] != '%') {
            luaL_addchar(b, news[i]);
            continue;
        }
        i++;
        char c = i < l ? news[i] : '\0';
        if (!isdigit((unsigned char)c)) {
            luaL_addchar(b, c);
        } else if (c == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else {
            push_onecapture(ms, c - '1', s, e);
            luaL_addvalue(b);
        }
    }
}

static void add_value(mstate *ms, luaL_Buffer *b, const char *s, const char *e)
{
    lua_State *L = ms->L;
    switch (lua_type(L, 3)) {
    case LUA_TNUMBER:
    case LUA_TSTRING:
        add_s(ms, b, s, e);
        return;
    case LUA_TFUNCTION: {
        lua_pushvalue(L, 3);
        int n = push_captures(ms, s, e);
        lua_call(L, n, 1);
        break;
    }
    default: /* LUA_TTABLE */
        push_onecapture(ms, 0, s, e);
        lua_gettable(L, 3);
        break;
    }
    if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
        lua_pop(L, 1);
        lua_pushlstring(L, s, (size_t)(e - s));
    } else if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    }
    luaL_addvalue(b);
}

static int str_gsub(lua_State *L)
{
    size_t srcl;
    const char *src = luaL_checklstring(L, 1, &srcl);
    const char *p = luaL_checkstring(L, 2);
    int tr = lua_type(L, 3);
    int max_s = luaL_optint(L, 4, (int)srcl + 1);
    bool anchor = *p == '^';
    if (anchor)
        p++;
    luaL_argcheck(L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
                  "string/function/table expected");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    mstate ms;
    ms_init(&ms, L, src, srcl);
    int n = 0;
    while (n < max_s) {
        ms.level = 0;
        const char *e = match(&ms, src, p);
        if (e) {
            n++;
            add_value(&ms, &b, src, e);
        }
        if (e && e > src)
            src = e;
        else if (src < ms.src_end)
            luaL_addchar(&b, *src++);
        else
            break;
        if (anchor)
            break;
    }
    settle(&ms);
    luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
    luaL_pushresult(&b);
    lua_pushinteger(L, n);
    return 2;
}

void script_match_register(lua_State *L, int t)
{
    static const luaL_Reg fns[] = {
        {"find", str_find}, {"match", str_match}, {"gmatch", str_gmatch}, {"gsub", str_gsub}, {NULL, NULL},
    };
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, t, f->name);
    }
    /* Lua 5.1's deprecated alias, where the library has it */
    lua_getfield(L, t, "gfind");
    bool has_gfind = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (has_gfind) {
        lua_pushcfunction(L, str_gmatch);
        lua_setfield(L, t, "gfind");
    }
}

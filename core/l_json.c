/*
** l_json.c: sonde.json, reading a few values out of a JSON text without building Lua tables
** (over jsonpick.c), for protocols' per-event path. A document too large to pick from reads
** as composite everywhere, which sends the caller to a full decode.
**
**   local plan = json.plan{ {"choices", 0, "delta", "content"}, {"usage"}, ... }
**   local ok, v1, v2, ... = json.pick(plan, text)
** Each value is a string, number (an integer when integral), boolean, nil (absent or null),
** or json.composite (an object or array: decode the whole text when it is needed).
** ok is false, followed by a message with the byte offset, when text is not valid JSON.
*/
#include "host.h"
#include "jsonpick.h"
#include "l_util.h"

#include <lauxlib.h>
#include <string.h>

#define PLAN "sonde.json.Plan"

struct lplan {
    struct sd_jplan *p;
};

/* Returns 0, or -1 when the value at the top of the stack is not a path (left on the stack). */
static int fill_path(lua_State *L, struct sd_jplan *p, int i)
{
    int len = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
    if (len < 1 || len > SD_JPICK_DEPTH)
        return -1;
    for (int j = 0; j < len; j++) {
        lua_rawgeti(L, -1, j + 1);
        int ok = lua_type(L, -1) == LUA_TSTRING ? sd_jplan_set(p, i, j, lua_tostring(L, -1), 0) == 0
                 : lua_isinteger(L, -1)
                     ? sd_jplan_set(p, i, j, NULL, (int)lua_tointeger(L, -1)) == 0
                     : 0;
        lua_pop(L, 1);
        if (!ok)
            return -1;
    }
    return 0;
}

int sd_l_fillpaths(lua_State *L, int idx, struct sd_jplan *p, int at)
{
    int n = (int)luaL_len(L, idx);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, idx, i + 1);
        if (fill_path(L, p, at + i) != 0)
            return -(i + 1);
        lua_pop(L, 1);
    }
    return n;
}

int sd_l_fillpath(lua_State *L, int idx, struct sd_jplan *p, int at)
{
    lua_pushvalue(L, idx);
    int rc = fill_path(L, p, at);
    lua_pop(L, 1);
    return rc;
}

static int plan_gc(lua_State *L)
{
    struct lplan *lp = luaL_checkudata(L, 1, PLAN);
    sd_jplan_free(lp->p);
    lp->p = NULL;
    return 0;
}

static int l_plan(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    struct lplan *lp = lua_newuserdatauv(L, sizeof *lp, 0);
    lp->p = NULL;
    luaL_setmetatable(L, PLAN);
    lp->p = sd_jplan_new((int)luaL_len(L, 1));
    if (!lp->p)
        return luaL_error(L, "out of memory");
    int rc = sd_l_fillpaths(L, 1, lp->p, 0);
    if (rc < 0)
        return luaL_error(L, "json.plan: path %d must be a list of 1 to %d keys or indexes", -rc,
                          SD_JPICK_DEPTH);
    if (sd_jplan_compile(lp->p) != 0)
        return luaL_error(L, "json.plan: at most %d paths", SD_JPICK_PATHS);
    return 1;
}

static void push_value(lua_State *L, const struct sd_jdoc *d, int i)
{
    const struct sd_jtok *t = i >= 0 ? &d->tok[i] : NULL;
    switch (sd_jpick_type(d, i)) {
    case SD_J_STRING: {
        luaL_Buffer b;
        size_t n = sd_jpick_strlen(d, i);
        char *out = luaL_buffinitsize(L, &b, n + 1);
        sd_jpick_str(d, i, out, n + 1);
        luaL_pushresultsize(&b, n);
        break;
    }
    case SD_J_NUMBER: {
        /* the token was checked to be a JSON number; Lua reads it, as an integer when it is
           one */
        char buf[64];
        size_t n = (size_t)(t->end - t->start);
        if (n >= sizeof buf) {
            lua_pushnil(L);
            break;
        }
        memcpy(buf, d->text + t->start, n);
        buf[n] = '\0';
        if (lua_stringtonumber(L, buf) == 0)
            lua_pushnil(L);
        break;
    }
    case SD_J_BOOL:
        lua_pushboolean(L, d->text[t->start] == 't');
        break;
    case SD_J_COMPOSITE:
        lua_pushvalue(L, lua_upvalueindex(1));
        break;
    default:
        lua_pushnil(L);
    }
}

static int l_pick(lua_State *L)
{
    struct lplan *lp = luaL_checkudata(L, 1, PLAN);
    size_t len, at = 0;
    const char *text = luaL_checklstring(L, 2, &len);
    int n = lp->p->n;
    if (n > 64)
        return luaL_error(L, "at most 64 paths");
    luaL_checkstack(L, n + 2, "too many paths");
    static struct sd_jdoc doc; /* 4 KiB of tokens: not on the C stack */
    int rc = sd_jpick_parse(&doc, text, len, &at);
    if (rc == SD_JPICK_INVALID) {
        lua_pushboolean(L, 0);
        lua_pushfstring(L, "invalid JSON at byte %I of the event", (lua_Integer)at);
        return 2;
    }
    lua_pushboolean(L, 1);
    if (rc == SD_JPICK_TOO_BIG) {
        /* too many tokens to pick from: every value reads as composite, so the caller
           decodes the whole text */
        for (int i = 0; i < n; i++)
            lua_pushvalue(L, lua_upvalueindex(1));
        return n + 1;
    }
    int v[64];
    sd_jpick_get(lp->p, &doc, v);
    for (int i = 0; i < n; i++)
        push_value(L, &doc, v[i]);
    return n + 1;
}

int luaopen_sonde_json(lua_State *L)
{
    static const luaL_Reg metas[] = {{"__gc", plan_gc}, {NULL, NULL}};
    sd_l_newclass(L, PLAN, metas, NULL);
    lua_createtable(L, 0, 3);
    lua_newtable(L); /* json.composite: a unique value */
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "composite");
    lua_pushcclosure(L, l_pick, 1);
    lua_setfield(L, -2, "pick");
    lua_pushcfunction(L, l_plan);
    lua_setfield(L, -2, "plan");
    return 1;
}

/*
** l_util.c: option-table readers (see l_util.h). Values read with lua_to* stay valid while the
** table holds them, which the callers guarantee by keeping the table on the stack.
*/
#include "l_util.h"

#include <lauxlib.h>

static int field(lua_State *L, int idx, const char *k, int type)
{
    int t = lua_getfield(L, idx, k);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (t != type && !(type == LUA_TNUMBER && t == LUA_TSTRING && lua_isnumber(L, -1)))
        luaL_error(L, "option '%s' must be a %s, not a %s", k, lua_typename(L, type),
                   luaL_typename(L, -1));
    return 1;
}

lua_Integer sd_l_optint(lua_State *L, int idx, const char *k, lua_Integer def)
{
    if (!field(L, idx, k, LUA_TNUMBER))
        return def;
    int isint = 0;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (!isint) {
        double d = lua_tonumber(L, -1);
        v = (lua_Integer)d;
        if ((double)v != d)
            luaL_error(L, "option '%s' must be a whole number", k);
    }
    lua_pop(L, 1);
    return v;
}

double sd_l_optnum(lua_State *L, int idx, const char *k, double def)
{
    if (!field(L, idx, k, LUA_TNUMBER))
        return def;
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *sd_l_optstr(lua_State *L, int idx, const char *k, const char *def)
{
    if (!field(L, idx, k, LUA_TSTRING))
        return def;
    const char *v = lua_tostring(L, -1);
    lua_pop(L, 1);
    return v;
}

int sd_l_optbool(lua_State *L, int idx, const char *k, int def)
{
    int t = lua_getfield(L, idx, k);
    int v = t == LUA_TNIL ? def : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

void sd_l_newclass(lua_State *L, const char *name, const luaL_Reg *metas, const luaL_Reg *methods)
{
    luaL_newmetatable(L, name);
    luaL_setfuncs(L, metas, 0);
    if (methods) {
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
}

/*
** l_util.h: small helpers shared by the l_*.c bindings for reading option tables.
*/
#ifndef SONDE_L_UTIL_H
#define SONDE_L_UTIL_H

#include <lua.h>

/* Field k of the table at idx as an integer/number/string/boolean, or def when absent. A
   present field of the wrong type raises an argument error naming the field. */
lua_Integer sd_l_optint(lua_State *L, int idx, const char *k, lua_Integer def);
double sd_l_optnum(lua_State *L, int idx, const char *k, double def);
const char *sd_l_optstr(lua_State *L, int idx, const char *k, const char *def);
int sd_l_optbool(lua_State *L, int idx, const char *k, int def);

#include <lauxlib.h>

/* Create the metatable `name` (as liolib does): the metamethods, and the methods (may be
   NULL) as its __index. Leaves nothing on the stack. */
void sd_l_newclass(lua_State *L, const char *name, const luaL_Reg *metas, const luaL_Reg *methods);

struct sd_jplan;

/* Fill paths at..at+n-1 of p from the Lua list of paths at idx; returns n, or -(k) when the
   k-th path is not a list of keys and indexes (a value is then left on the stack). */
int sd_l_fillpaths(lua_State *L, int idx, struct sd_jplan *p, int at);
/* Fill path at of p from the one path at idx; 0 or -1. */
int sd_l_fillpath(lua_State *L, int idx, struct sd_jplan *p, int at);

#endif

/*
** host.h: the embedded Lua 5.4 runtime. The only header outside the l_*.c bindings that
** includes lua.h.
**
** The host creates the state under protection (as lua.c does), registers sonde's C modules in
** package.preload, sets the script search path, and runs the command-line front end
** (lua/sonde/cli.lua). It also provides sonde.sandbox, the one way sonde calls into user
** scripts: a protected call under a memory cap and an instruction deadline.
*/
#ifndef SONDE_HOST_H
#define SONDE_HOST_H

#include <lua.h>

/* Run sonde with the process arguments; returns the exit status (0, 1 runtime, 2 usage). */
int sd_host_main(int argc, char **argv);

/* Module openers registered in package.preload (defined in the l_*.c files and host.c). */
int luaopen_sonde_sse(lua_State *L);
int luaopen_sonde_probe(lua_State *L);
int luaopen_sonde_mock(lua_State *L);
int luaopen_sonde_sys(lua_State *L);
int luaopen_sonde_sandbox(lua_State *L);
int luaopen_sonde_json(lua_State *L);
int luaopen_sonde_stats_core(lua_State *L);
int luaopen_sonde_store_core(lua_State *L);

#endif

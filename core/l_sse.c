/*
** l_sse.c: sonde.sse, the SSE parser for Lua (specs replay recorded streams through it).
**
**   local p = sse.new{ max_event = N }   -- a parser; p:feed(s) -> { events... } | nil, msg, off
**   p:finish() -> unterminated (boolean); p:close()
**   sse.parse(s) -> events            -- the whole of s at once
** Each event: { kind = "event"|"comment", name, data, wire_bytes, offset, done }.
*/
#include "host.h"
#include "l_util.h"
#include "sse.h"

#include <lauxlib.h>
#include <string.h>

#define PARSER "sonde.sse.Parser"

struct lparser {
    struct sd_sse p;
    int closed;
};

struct collect {
    lua_State *L;
    int n;
};

static int collect_cb(void *ud, const struct sd_sse_event *ev)
{
    struct collect *c = ud;
    lua_State *L = c->L;
    lua_createtable(L, 0, 6);
    lua_pushstring(L, ev->kind == SD_SSE_EVENT ? "event" : "comment");
    lua_setfield(L, -2, "kind");
    lua_pushlstring(L, ev->name, ev->name_len);
    lua_setfield(L, -2, "name");
    lua_pushlstring(L, ev->data, ev->data_len);
    lua_setfield(L, -2, "data");
    lua_pushinteger(L, (lua_Integer)ev->wire_bytes);
    lua_setfield(L, -2, "wire_bytes");
    lua_pushinteger(L, (lua_Integer)ev->end_offset);
    lua_setfield(L, -2, "offset");
    lua_pushboolean(L, ev->done);
    lua_setfield(L, -2, "done");
    lua_rawseti(L, -2, ++c->n);
    return 0;
}

static struct lparser *check_parser(lua_State *L)
{
    struct lparser *lp = luaL_checkudata(L, 1, PARSER);
    if (lp->closed)
        luaL_error(L, "attempt to use a closed SSE parser");
    return lp;
}

/* Returns the events table, or nil, message, byte offset. Pushed values are the results. */
static int feed(lua_State *L, struct sd_sse *p, const char *s, size_t len)
{
    struct collect c = {L, 0};
    lua_newtable(L);
    int rc = sd_sse_feed(p, s, len, collect_cb, &c);
    if (rc) {
        lua_pushnil(L);
        lua_pushfstring(L, "SSE: %s at byte offset %I", sd_sse_strerror(rc),
                        (lua_Integer)p->err_offset);
        lua_pushinteger(L, (lua_Integer)p->err_offset);
        return 3;
    }
    return 1;
}

static int l_feed(lua_State *L)
{
    struct lparser *lp = check_parser(L);
    size_t len;
    const char *s = luaL_checklstring(L, 2, &len);
    return feed(L, &lp->p, s, len);
}

static int l_finish(lua_State *L)
{
    struct lparser *lp = check_parser(L);
    lua_pushboolean(L, sd_sse_finish(&lp->p));
    return 1;
}

static int l_close(lua_State *L)
{
    struct lparser *lp = luaL_checkudata(L, 1, PARSER);
    if (!lp->closed) {
        sd_sse_free(&lp->p);
        lp->closed = 1;
    }
    return 0;
}

static int l_new(lua_State *L)
{
    size_t max = 0;
    if (lua_istable(L, 1))
        max = (size_t)sd_l_optint(L, 1, "max_event", 0);
    struct lparser *lp = lua_newuserdatauv(L, sizeof *lp, 0);
    sd_sse_init(&lp->p, max);
    lp->closed = 0;
    luaL_setmetatable(L, PARSER);
    return 1;
}

static int l_parse(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    struct sd_sse p;
    sd_sse_init(&p, 0);
    int n = feed(L, &p, s, len);
    sd_sse_free(&p);
    return n;
}

int luaopen_sonde_sse(lua_State *L)
{
    static const luaL_Reg fns[] = {{"new", l_new}, {"parse", l_parse}, {NULL, NULL}};
    static const luaL_Reg methods[] = {
        {"feed", l_feed}, {"finish", l_finish}, {"close", l_close}, {NULL, NULL}};
    static const luaL_Reg metas[] = {{"__gc", l_close}, {"__close", l_close}, {NULL, NULL}};
    sd_l_newclass(L, PARSER, metas, methods);
    luaL_newlib(L, fns);
    return 1;
}

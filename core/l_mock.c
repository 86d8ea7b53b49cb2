/*
** l_mock.c: sonde.mock's C half. lua/sonde/mock.lua checks and normalises profiles; this file
** copies the normalised tables into C structs and starts the server.
**
**   local srv = mockc.start{ host, port, seed, threads, profiles = {...} }
**       -> server | nil, message
**   srv:port(), srv:stats() -> { requests, streams, events, late_over_1ms, max_late_ms,
**                                late_hist = { [i] = count of events late by [50(i-1), 50i) us } }
**   srv:stop()   (also on __gc / __close)
*/
#include "host.h"
#include "l_util.h"
#include "mock.h"

#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERVER "sonde.mock.Server"

struct lserver {
    struct sd_mock *m;
};

static void read_dist(lua_State *L, int idx, const char *k, struct sd_dist *d, double def)
{
    memset(d, 0, sizeof *d);
    d->kind = SD_DIST_FIXED;
    d->a = def;
    if (lua_getfield(L, idx, k) != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    int t = lua_gettop(L);
    const char *kind = sd_l_optstr(L, t, "kind", "fixed");
    if (strcmp(kind, "uniform") == 0)
        d->kind = SD_DIST_UNIFORM;
    else if (strcmp(kind, "normal") == 0)
        d->kind = SD_DIST_NORMAL;
    else if (strcmp(kind, "lognormal") == 0)
        d->kind = SD_DIST_LOGNORMAL;
    else if (strcmp(kind, "fixed") != 0)
        luaL_error(L, "distribution '%s': unknown kind '%s'", k, kind);
    d->a = sd_l_optnum(L, t, "a", def);
    d->b = sd_l_optnum(L, t, "b", 0);
    d->lo = sd_l_optnum(L, t, "lo", 0);
    d->hi = sd_l_optnum(L, t, "hi", 0);
    lua_pop(L, 1);
}

static const char *const fault_names[SD_FAULT_COUNT] = {"rate_limit",   "rate_limit_no_retry_after",
                                                        "server_error", "overloaded",
                                                        "stream_error", "event_error",
                                                        "malformed",    "stall",
                                                        "disconnect",   "slow_headers"};

static void read_profile(lua_State *L, int idx, struct sd_mock_profile *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", sd_l_optstr(L, idx, "name", "mock"));
    snprintf(p->model, sizeof p->model, "%s", sd_l_optstr(L, idx, "model", "mock-model"));
    read_dist(L, idx, "ttft_ms", &p->ttft_ms, 200);
    read_dist(L, idx, "itl_ms", &p->itl_ms, 20);
    read_dist(L, idx, "output_tokens", &p->output_tokens, 64);
    p->tokens_per_chunk = (int)sd_l_optint(L, idx, "tokens_per_chunk", 1);
    if (p->tokens_per_chunk < 1)
        p->tokens_per_chunk = 1;
    p->reasoning_tokens = (int)sd_l_optint(L, idx, "reasoning_tokens", 0);
    const char *rf = sd_l_optstr(L, idx, "reasoning_field", "reasoning_content");
    p->reasoning_field = strcmp(rf, "reasoning") == 0;
    const char *usage = sd_l_optstr(L, idx, "usage", "final");
    p->usage = strcmp(usage, "every") == 0  ? SD_USAGE_EVERY
               : strcmp(usage, "none") == 0 ? SD_USAGE_NONE
                                            : SD_USAGE_FINAL;
    p->context_limit = (int)sd_l_optint(L, idx, "context_limit", 0);
    if (lua_getfield(L, idx, "faults") == LUA_TTABLE) {
        int t = lua_gettop(L);
        for (int f = 0; f < SD_FAULT_COUNT; f++)
            p->fault_rate[f] = sd_l_optnum(L, t, fault_names[f], 0);
    }
    lua_pop(L, 1);
    p->fault_after_chunks = (int)sd_l_optint(L, idx, "fault_after_chunks", 3);
    p->retry_after_s = (int)sd_l_optint(L, idx, "retry_after", 1);
    p->keepalive_ms = sd_l_optnum(L, idx, "keepalive_ms", 0);
    p->slow_headers_ms = sd_l_optnum(L, idx, "slow_headers_ms", 1000);
    p->stall_ms = sd_l_optnum(L, idx, "stall_ms", 600000);
}

static int l_start(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    struct sd_mock_opts o;
    memset(&o, 0, sizeof o);
    o.host = sd_l_optstr(L, 1, "host", "127.0.0.1");
    o.port = (int)sd_l_optint(L, 1, "port", 0);
    o.seed = (uint64_t)sd_l_optint(L, 1, "seed", 1);
    o.threads = (int)sd_l_optint(L, 1, "threads", 1);
    if (lua_getfield(L, 1, "profiles") != LUA_TTABLE)
        return luaL_argerror(L, 1, "profiles must be a list");
    int n = (int)luaL_len(L, -1);
    if (n < 1)
        return luaL_argerror(L, 1, "at least one profile is needed");
    struct lserver *s = lua_newuserdatauv(L, sizeof *s, 0);
    s->m = NULL;
    luaL_setmetatable(L, SERVER);
    struct sd_mock_profile *prof = calloc((size_t)n, sizeof *prof);
    if (!prof)
        return luaL_error(L, "out of memory");
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, -2, i);
        read_profile(L, lua_gettop(L), &prof[i - 1]); /* on error: prof leaks once, rare */
        lua_pop(L, 1);
    }
    char err[256];
    s->m = sd_mock_start(&o, prof, n, err, sizeof err);
    free(prof);
    if (!s->m) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    return 1;
}

static struct sd_mock *check_server(lua_State *L)
{
    struct lserver *s = luaL_checkudata(L, 1, SERVER);
    if (!s->m)
        luaL_error(L, "attempt to use a stopped mock server");
    return s->m;
}

static int l_port(lua_State *L)
{
    lua_pushinteger(L, sd_mock_port(check_server(L)));
    return 1;
}

static int l_stats(lua_State *L)
{
    struct sd_mock_stats st;
    sd_mock_get_stats(check_server(L), &st);
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)st.requests);
    lua_setfield(L, -2, "requests");
    lua_pushinteger(L, (lua_Integer)st.streams);
    lua_setfield(L, -2, "streams");
    lua_pushinteger(L, (lua_Integer)st.events);
    lua_setfield(L, -2, "events");
    lua_pushinteger(L, (lua_Integer)st.late_over_1ms);
    lua_setfield(L, -2, "late_over_1ms");
    lua_pushnumber(L, (double)st.max_late_ns / 1e6);
    lua_setfield(L, -2, "max_late_ms");
    lua_createtable(L, 64, 0);
    for (int i = 0; i < 64; i++) {
        lua_pushinteger(L, (lua_Integer)st.late_hist[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "late_hist");
    return 1;
}

static int l_stop(lua_State *L)
{
    struct lserver *s = luaL_checkudata(L, 1, SERVER);
    sd_mock_stop(s->m);
    s->m = NULL;
    return 0;
}

int luaopen_sonde_mock(lua_State *L)
{
    static const luaL_Reg fns[] = {{"start", l_start}, {NULL, NULL}};
    static const luaL_Reg methods[] = {
        {"port", l_port}, {"stats", l_stats}, {"stop", l_stop}, {NULL, NULL}};
    static const luaL_Reg metas[] = {{"__gc", l_stop}, {"__close", l_stop}, {NULL, NULL}};
    sd_l_newclass(L, SERVER, metas, methods);
    luaL_newlib(L, fns);
    return 1;
}

/*
** l_probe.c: sonde.probe, the probe engine for Lua.
**
**   local eng = probe.new{ max_event = N, buffer_size = N }
**   eng:add{ url, body, headers = {...}, auth_env, auth_header, at = ns, timeout_connect,
**            timeout_first, timeout_idle, timeout_total (ms), max_response, http, insecure }
**       -> id | nil, message, "bad_request"
**   eng:step(wait_ms) -> n queued
**   for id, kind, t_ns, name, data, wire_bytes, done in eng:events() do ... end
**       kind: "event" | "comment" | "done"
**   eng:mark_output(id); eng:cancel(id, code); eng:take(id) -> result table (and forgets id)
**   eng:active(), eng:pending(), eng:close()
**   probe.now() -> monotonic ns
** Expected failures are values; misuse raises.
*/
#include "host.h"
#include "l_util.h"
#include "clock.h"
#include "probe.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE "sonde.probe.Engine"

struct lengine {
    struct sd_probe *p;
};

static struct sd_probe *check_engine(lua_State *L)
{
    struct lengine *e = luaL_checkudata(L, 1, ENGINE);
    if (!e->p)
        luaL_error(L, "attempt to use a closed probe engine");
    return e->p;
}

static int parse_http(lua_State *L, const char *v)
{
    if (!v)
        return 0;
    if (strcmp(v, "1.1") == 0)
        return 1;
    if (strcmp(v, "2") == 0)
        return 2;
    if (strcmp(v, "2-prior-knowledge") == 0)
        return 3;
    return luaL_error(L, "option 'http' must be \"1.1\", \"2\" or \"2-prior-knowledge\"");
}

static int l_add(lua_State *L)
{
    struct sd_probe *p = check_engine(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    struct sd_probe_req r;
    memset(&r, 0, sizeof r);
    r.url = sd_l_optstr(L, 2, "url", NULL);
    if (!r.url)
        return luaL_argerror(L, 2, "request needs a url");
    if (lua_getfield(L, 2, "body") == LUA_TSTRING)
        r.body = lua_tolstring(L, -1, &r.body_len);
    lua_pop(L, 1);
    const char *hdrs[64];
    if (lua_getfield(L, 2, "headers") == LUA_TTABLE) {
        int n = (int)luaL_len(L, -1);
        if (n > 64)
            return luaL_error(L, "at most 64 headers");
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            hdrs[i - 1] = lua_tostring(L, -1);
            if (!hdrs[i - 1])
                return luaL_error(L, "header %d is not a string", i);
            lua_pop(L, 1); /* still referenced by the headers table */
        }
        r.headers = hdrs;
        r.nheaders = n;
    }
    lua_pop(L, 1);
    r.auth_env = sd_l_optstr(L, 2, "auth_env", NULL);
    r.auth_header = sd_l_optstr(L, 2, "auth_header", "Authorization: Bearer ");
    r.t_intended = sd_l_optint(L, 2, "at", 0);
    r.timeout_connect_ms = (long)sd_l_optint(L, 2, "timeout_connect", 0);
    r.timeout_first_ms = (long)sd_l_optint(L, 2, "timeout_first", 0);
    r.timeout_idle_ms = (long)sd_l_optint(L, 2, "timeout_idle", 0);
    r.timeout_total_ms = (long)sd_l_optint(L, 2, "timeout_total", 0);
    r.max_response = (size_t)sd_l_optint(L, 2, "max_response", 0);
    r.http_version = parse_http(L, sd_l_optstr(L, 2, "http", NULL));
    r.insecure = sd_l_optbool(L, 2, "insecure", 0);
    char err[256];
    int id = sd_probe_add(p, &r, err, sizeof err);
    if (id < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        lua_pushstring(L, "bad_request");
        return 3;
    }
    lua_pushinteger(L, id);
    return 1;
}

static int l_step(lua_State *L)
{
    struct sd_probe *p = check_engine(L);
    double ms = luaL_optnumber(L, 2, 100);
    lua_pushinteger(L, sd_probe_step(p, (int64_t)(ms * 1e6)));
    return 1;
}

static int events_iter(lua_State *L)
{
    struct sd_probe *p = check_engine(L);
    const struct sd_probe_ev *ev = sd_probe_next(p);
    if (!ev)
        return 0;
    static const char *const kinds[] = {"?", "event", "comment", "done"};
    lua_pushinteger(L, ev->id);
    lua_pushstring(L, kinds[ev->kind]);
    lua_pushinteger(L, ev->t_ns);
    lua_pushlstring(L, ev->name, ev->name_len);
    lua_pushlstring(L, ev->data, ev->data_len);
    lua_pushinteger(L, (lua_Integer)ev->wire_bytes);
    lua_pushboolean(L, ev->done_marker);
    return 7;
}

static int l_events(lua_State *L)
{
    check_engine(L);
    lua_pushcfunction(L, events_iter);
    lua_pushvalue(L, 1);
    return 2;
}

static int l_mark_output(lua_State *L)
{
    sd_probe_mark_output(check_engine(L), (int)luaL_checkinteger(L, 2));
    return 0;
}

static int l_cancel(lua_State *L)
{
    struct sd_probe *p = check_engine(L);
    int id = (int)luaL_checkinteger(L, 2);
    const char *code = luaL_optstring(L, 3, "cancelled");
    /* the code must outlive the call: keep only static spellings */
    static const char *const known[] = {"cancelled", "script_error", "budget_stop",
                                        "protocol_violation", NULL};
    const char *c = NULL;
    for (int i = 0; known[i]; i++)
        if (strcmp(code, known[i]) == 0)
            c = known[i];
    if (!c)
        return luaL_argerror(L, 3, "unknown cancel code");
    sd_probe_cancel(p, id, c);
    return 0;
}

static void set_num(lua_State *L, const char *k, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static int l_take(lua_State *L)
{
    struct sd_probe *p = check_engine(L);
    int id = (int)luaL_checkinteger(L, 2);
    struct sd_probe_result r;
    if (sd_probe_result(p, id, &r) != 0)
        return luaL_argerror(L, 2, "no finished transfer with this id");
    lua_createtable(L, 0, 20);
    lua_pushstring(L, r.code);
    lua_setfield(L, -2, "code");
    lua_pushstring(L, r.message);
    lua_setfield(L, -2, "message");
    set_int(L, "http_status", r.http_status);
    set_int(L, "http_version", r.http_version);
    set_int(L, "t_intended", r.t_intended);
    set_int(L, "t_send", r.t_send);
    set_int(L, "t_end", r.t_end);
    set_int(L, "t_first_byte", r.t_first_byte);
    set_num(L, "dns_ms", r.dns_ms);
    set_num(L, "connect_ms", r.connect_ms);
    set_num(L, "tls_ms", r.tls_ms);
    set_num(L, "ttfb_ms", r.ttfb_ms);
    set_int(L, "bytes", (lua_Integer)r.bytes);
    lua_pushboolean(L, r.is_sse);
    lua_setfield(L, -2, "is_sse");
    lua_pushboolean(L, r.unterminated);
    lua_setfield(L, -2, "unterminated");
    lua_pushlstring(L, r.body, r.body_len);
    lua_setfield(L, -2, "body");
    lua_pushlstring(L, r.headers, r.headers_len);
    lua_setfield(L, -2, "headers");
    set_int(L, "sse_error_offset", (lua_Integer)r.sse_error_offset);
    sd_probe_release(p, id);
    return 1;
}

static int l_active(lua_State *L)
{
    lua_pushinteger(L, sd_probe_active(check_engine(L)));
    return 1;
}

static int l_pending(lua_State *L)
{
    lua_pushinteger(L, sd_probe_pending(check_engine(L)));
    return 1;
}

static int l_close(lua_State *L)
{
    struct lengine *e = luaL_checkudata(L, 1, ENGINE);
    sd_probe_free(e->p);
    e->p = NULL;
    return 0;
}

static int l_new(lua_State *L)
{
    struct sd_probe_opts o = {0, 0};
    if (lua_istable(L, 1)) {
        o.max_event = (size_t)sd_l_optint(L, 1, "max_event", 0);
        o.buffer_size = (long)sd_l_optint(L, 1, "buffer_size", 0);
    }
    struct lengine *e = lua_newuserdatauv(L, sizeof *e, 0);
    e->p = NULL;
    luaL_setmetatable(L, ENGINE);
    char err[256];
    e->p = sd_probe_new(&o, err, sizeof err);
    if (!e->p) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        lua_pushstring(L, "engine");
        return 3;
    }
    return 1;
}

static int l_now(lua_State *L)
{
    lua_pushinteger(L, sd_clock_ns());
    return 1;
}

int luaopen_sonde_probe(lua_State *L)
{
    static const luaL_Reg fns[] = {{"new", l_new}, {"now", l_now}, {NULL, NULL}};
    static const luaL_Reg methods[] = {{"add", l_add},       {"step", l_step},
                                       {"events", l_events}, {"mark_output", l_mark_output},
                                       {"cancel", l_cancel}, {"take", l_take},
                                       {"active", l_active}, {"pending", l_pending},
                                       {"close", l_close},   {NULL, NULL}};
    static const luaL_Reg metas[] = {
        {"__gc", l_close}, {"__close", l_close}, {"__index", NULL}, {NULL, NULL}};
    luaL_newmetatable(L, ENGINE);
    luaL_setfuncs(L, metas, 0);
    luaL_newlibtable(L, methods);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newlib(L, fns);
    return 1;
}

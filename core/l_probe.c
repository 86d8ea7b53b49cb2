/*
** l_probe.c: sonde.probe, the probe engine for Lua.
**
**   local eng = probe.new{ max_event = N, buffer_size = N }
**   eng:add{ url, body, headers = {...}, auth_env, auth_header, at = ns, timeout_connect,
**            timeout_first, timeout_idle, timeout_total (ms), max_response, http, insecure,
**            fresh_connection, fast }
**       -> id | nil, message, "bad_request"
**   eng:step(wait_ms) -> n queued
**   for id, kind, t_ns, name, data, wire_bytes, seq in eng:events() do ... end
**       kind: "event" (one the fast plan did not settle) | "done"; seq: its timeline place
**   probe.fast_plan{ answer, reasoning, bail = {paths}, finish = path, done = "[DONE]" }
**       -> plan for eng:add{ fast = plan } (see fast.h); probe.fast_apply(plan, name, data)
**   eng:mark_output(id); eng:cancel(id, code); eng:take(id) -> result table (and forgets id),
**       with timeline (a sonde.probe.Timeline, below) and fast = { ... }
**   eng:active(), eng:pending(), eng:close()
**   probe.now() -> monotonic ns
** Expected failures are values; misuse raises.
*/
#include "host.h"
#include "l_util.h"
#include "clock.h"
#include "probe.h"
#include "stats.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE "sonde.probe.Engine"
#define FAST "sonde.probe.Fast"
#define TIMELINE "sonde.probe.Timeline"

struct lengine {
    struct sd_probe *p;
};

struct lfast {
    struct sd_fast *f;
};

/* ---- timelines: every event of one response, kept in C ----
**   #tl; tl:kinds() -> "aac?d..."; tl:times() -> { ns... }; tl:bytes() -> { n... }
**   tl:set_kind(i, letter); tl:gaps(letters) -> { ms... } between consecutive events whose
**   kind letter is in letters (inter-token latency when letters = "art")
*/
struct ltimeline {
    int64_t *t;
    uint32_t *bytes;
    char *kind;
    size_t n;
};

static struct ltimeline *check_tl(lua_State *L)
{
    return luaL_checkudata(L, 1, TIMELINE);
}

static int tl_gc(lua_State *L)
{
    struct ltimeline *tl = check_tl(L);
    free(tl->t);
    free(tl->bytes);
    free(tl->kind);
    memset(tl, 0, sizeof *tl);
    return 0;
}

static int tl_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_tl(L)->n);
    return 1;
}

static int tl_kinds(lua_State *L)
{
    struct ltimeline *tl = check_tl(L);
    lua_pushlstring(L, tl->kind ? tl->kind : "", tl->n);
    return 1;
}

static int tl_times(lua_State *L)
{
    struct ltimeline *tl = check_tl(L);
    lua_createtable(L, (int)tl->n, 0);
    for (size_t i = 0; i < tl->n; i++) {
        lua_pushinteger(L, tl->t[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int tl_bytes(lua_State *L)
{
    struct ltimeline *tl = check_tl(L);
    lua_createtable(L, (int)tl->n, 0);
    for (size_t i = 0; i < tl->n; i++) {
        lua_pushinteger(L, tl->bytes[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int tl_set_kind(lua_State *L)
{
    struct ltimeline *tl = check_tl(L);
    lua_Integer i = luaL_checkinteger(L, 2);
    size_t len;
    const char *k = luaL_checklstring(L, 3, &len);
    luaL_argcheck(L, i >= 1 && (size_t)i <= tl->n, 2, "no such event");
    luaL_argcheck(L, len == 1, 3, "a kind is one letter");
    tl->kind[i - 1] = k[0];
    return 0;
}

/* tl:gap_median_max(letters) -> the median and the largest gap in ms (nil, nil if none),
   by selection rather than a sort: this runs for every stored request */
static int tl_gap_median_max(lua_State *L)
{
    struct ltimeline *tl = check_tl(L);
    const char *letters = luaL_checkstring(L, 2);
    double *g = lua_newuserdatauv(L, (tl->n ? tl->n : 1) * sizeof *g, 0);
    size_t n = 0;
    int64_t prev = -1;
    double max = 0;
    for (size_t i = 0; i < tl->n; i++) {
        if (!strchr(letters, tl->kind[i]))
            continue;
        if (prev >= 0) {
            g[n] = (double)(tl->t[i] - prev) / 1e6;
            if (g[n] > max)
                max = g[n];
            n++;
        }
        prev = tl->t[i];
    }
    if (n == 0) {
        lua_pushnil(L);
        lua_pushnil(L);
        return 2;
    }
    lua_pushnumber(L, sd_quantile_select(g, n, 0.5));
    lua_pushnumber(L, max);
    return 2;
}

static int tl_gaps(lua_State *L)
{
    struct ltimeline *tl = check_tl(L);
    const char *letters = luaL_checkstring(L, 2);
    lua_newtable(L);
    lua_Integer n = 0;
    int64_t prev = -1;
    for (size_t i = 0; i < tl->n; i++) {
        if (!strchr(letters, tl->kind[i]))
            continue;
        if (prev >= 0) {
            lua_pushnumber(L, (double)(tl->t[i] - prev) / 1e6);
            lua_rawseti(L, -2, ++n);
        }
        prev = tl->t[i];
    }
    return 1;
}

/* A timeline userdata from three arrays (owned from now on). */
static void push_timeline(lua_State *L, int64_t *t, uint32_t *bytes, char *kind, size_t n)
{
    struct ltimeline *tl = lua_newuserdatauv(L, sizeof *tl, 0);
    tl->t = t;
    tl->bytes = bytes;
    tl->kind = kind;
    tl->n = n;
    luaL_setmetatable(L, TIMELINE);
}

/* probe.timeline{ t = {...}, bytes = {...}, kind = "..." } -> a timeline (for whole bodies and
   for tests) */
static int l_timeline(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "t");
    lua_getfield(L, 1, "bytes");
    lua_getfield(L, 1, "kind");
    size_t n = (size_t)luaL_len(L, -3), kl;
    const char *k = luaL_checklstring(L, -1, &kl);
    luaL_argcheck(L, kl == n && (size_t)luaL_len(L, -2) == n, 1,
                  "t, bytes and kind differ in length");
    int64_t *t = malloc((n + 1) * sizeof *t);
    uint32_t *b = malloc((n + 1) * sizeof *b);
    char *kind = malloc(n + 1);
    if (!t || !b || !kind) {
        free(t);
        free(b);
        free(kind);
        return luaL_error(L, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, -3, (lua_Integer)i + 1);
        t[i] = lua_tointeger(L, -1);
        lua_rawgeti(L, -3, (lua_Integer)i + 1);
        b[i] = (uint32_t)lua_tointeger(L, -1);
        lua_pop(L, 2);
    }
    memcpy(kind, k, n + 1);
    push_timeline(L, t, b, kind, n);
    return 1;
}

/*
** The stored form of a timeline (requests' timelines.events column), "sonde timeline v1":
** for each event its kind letter (one byte), then the gap in ns since the previous event
** (the first: since t0, the request's t_send) and its byte count, each an unsigned LEB128
** varint. About 5 bytes an event; nothing is rounded.
**   tl:pack(t0) -> string;  probe.unpack_timeline(s, t0) -> timeline (raises on bad data)
*/
static char *put_varint(char *p, uint64_t v)
{
    do {
        unsigned char c = v & 0x7f;
        v >>= 7;
        *p++ = (char)(c | (v ? 0x80 : 0));
    } while (v);
    return p;
}

static int tl_pack(lua_State *L)
{
    struct ltimeline *tl = check_tl(L);
    int64_t prev = luaL_checkinteger(L, 2);
    luaL_Buffer b;
    /* at most 1 + 10 + 5 bytes an event */
    char *p = luaL_buffinitsize(L, &b, tl->n * 16 + 1), *start = p;
    for (size_t i = 0; i < tl->n; i++) {
        *p++ = tl->kind[i];
        int64_t gap = tl->t[i] - prev;
        p = put_varint(p, gap > 0 ? (uint64_t)gap : 0);
        p = put_varint(p, tl->bytes[i]);
        prev = tl->t[i];
    }
    luaL_pushresultsize(&b, (size_t)(p - start));
    return 1;
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return -1;
        unsigned char c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 0;
    }
    return -1;
}

static int l_unpack_timeline(lua_State *L)
{
    size_t len;
    const unsigned char *p = (const unsigned char *)luaL_checklstring(L, 1, &len);
    const unsigned char *start = p, *end = p + len;
    int64_t t = luaL_checkinteger(L, 2);
    size_t cap = len / 3 + 1; /* every event takes at least 3 bytes */
    int64_t *ts = malloc(cap * sizeof *ts);
    uint32_t *b = malloc(cap * sizeof *b);
    char *kind = malloc(cap + 1);
    size_t n = 0;
    if (!ts || !b || !kind)
        goto nomem;
    while (p < end) {
        uint64_t gap, bytes;
        char k = (char)*p++;
        if (get_varint(&p, end, &gap) != 0 || get_varint(&p, end, &bytes) != 0 ||
            bytes > UINT32_MAX || n >= cap) {
            free(ts);
            free(b);
            free(kind);
            return luaL_error(L, "timeline data is cut or corrupt at byte %d", (int)(p - start));
        }
        t += (int64_t)gap;
        ts[n] = t;
        b[n] = (uint32_t)bytes;
        kind[n] = k;
        n++;
    }
    kind[n] = 0;
    push_timeline(L, ts, b, kind, n);
    return 1;
nomem:
    free(ts);
    free(b);
    free(kind);
    return luaL_error(L, "out of memory");
}

/* ---- fast plans: probe.fast_plan{ answer, reasoning = {paths}, finish = path,
        bail = {paths}, done = "[DONE]" } ---- */

static int fast_gc(lua_State *L)
{
    struct lfast *lf = luaL_checkudata(L, 1, FAST);
    sd_fast_free(lf->f);
    lf->f = NULL;
    return 0;
}

static int group_len(lua_State *L, const char *k)
{
    int t = lua_getfield(L, 1, k);
    int n = t == LUA_TTABLE ? (int)luaL_len(L, -1) : 0;
    lua_pop(L, 1);
    if (t != LUA_TNIL && t != LUA_TTABLE)
        luaL_error(L, "fast plan: '%s' must be a list of paths", k);
    return n;
}

static int fill_group(lua_State *L, struct sd_fast *f, const char *k, int role, int at)
{
    if (lua_getfield(L, 1, k) != LUA_TTABLE) {
        lua_pop(L, 1);
        return at;
    }
    int n = sd_l_fillpaths(L, lua_gettop(L), f->plan, at);
    if (n < 0)
        luaL_error(L, "fast plan: %s path %d must be a list of keys and indexes", k, -n);
    for (int i = 0; i < n; i++)
        f->role[at + i] = (unsigned char)role;
    lua_pop(L, 1);
    return at + n;
}

static int l_fast_plan(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int na = group_len(L, "answer"), nr = group_len(L, "reasoning"), nb = group_len(L, "bail");
    int nf = lua_getfield(L, 1, "finish") == LUA_TTABLE;
    lua_pop(L, 1);
    struct lfast *lf = lua_newuserdatauv(L, sizeof *lf, 0);
    lf->f = NULL;
    luaL_setmetatable(L, FAST);
    lf->f = sd_fast_new(na + nr + nf + nb, sd_l_optstr(L, 1, "done", NULL));
    if (!lf->f)
        return luaL_error(L, "fast plan: too many paths (at most 32)");
    int at = fill_group(L, lf->f, "answer", SD_FAST_ANSWER, 0);
    at = fill_group(L, lf->f, "reasoning", SD_FAST_REASONING, at);
    if (nf) {
        lua_getfield(L, 1, "finish");
        if (sd_l_fillpath(L, lua_gettop(L), lf->f->plan, at) != 0)
            return luaL_error(L, "fast plan: finish must be a list of keys and indexes");
        lf->f->role[at++] = SD_FAST_FINISH;
        lua_pop(L, 1);
    }
    fill_group(L, lf->f, "bail", SD_FAST_BAIL, at);
    if (sd_jplan_compile(lf->f->plan) != 0)
        return luaL_error(L, "out of memory");
    return 1;
}

static void push_fast_state(lua_State *L, const struct sd_fast_state *st)
{
    lua_createtable(L, 0, 10);
    lua_pushinteger(L, (lua_Integer)st->answer_bytes);
    lua_setfield(L, -2, "answer_bytes");
    lua_pushinteger(L, (lua_Integer)st->reasoning_bytes);
    lua_setfield(L, -2, "reasoning_bytes");
    lua_pushinteger(L, st->out_events);
    lua_setfield(L, -2, "out_events");
    lua_pushinteger(L, st->events);
    lua_setfield(L, -2, "events");
    static const char *const times[] = {"t_first_out", "t_first_answer", "t_first_reasoning",
                                        "t_last_out", "t_finish"};
    const int64_t vals[] = {st->t_first_out, st->t_first_answer, st->t_first_reasoning,
                            st->t_last_out, st->t_finish};
    for (int i = 0; i < 5; i++) {
        if (vals[i]) {
            lua_pushinteger(L, vals[i]);
            lua_setfield(L, -2, times[i]);
        }
    }
    if (st->finish[0]) {
        lua_pushstring(L, st->finish);
        lua_setfield(L, -2, "finish");
    }
    lua_pushboolean(L, st->saw_done);
    lua_setfield(L, -2, "saw_done");
}

/* probe.fast_apply(plan, name, data) -> kind letter | nil, state: one event, for tests. */
static int l_fast_apply(lua_State *L)
{
    struct lfast *lf = luaL_checkudata(L, 1, FAST);
    size_t nl, dl;
    const char *name = luaL_checklstring(L, 2, &nl);
    const char *data = luaL_checklstring(L, 3, &dl);
    struct sd_fast_state st;
    memset(&st, 0, sizeof st);
    int k = sd_fast_apply(lf->f, name, nl, data, dl, 1, &st);
    if (!k) {
        lua_pushnil(L);
        return 1;
    }
    char c = (char)k;
    lua_pushlstring(L, &c, 1);
    push_fast_state(L, &st);
    return 2;
}

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
    r.fresh_connection = sd_l_optbool(L, 2, "fresh_connection", 0);
    if (lua_getfield(L, 2, "fast") != LUA_TNIL) {
        struct lfast *lf = luaL_checkudata(L, -1, FAST);
        r.fast = lf->f;
        /* the engine keeps the plan alive while transfers may use it */
        lua_getiuservalue(L, 1, 1);
        lua_pushvalue(L, -2);
        lua_pushboolean(L, 1);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
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
    lua_pushinteger(L, ev->id);
    lua_pushstring(L, ev->kind == SD_PEV_DONE ? "done" : "event");
    lua_pushinteger(L, ev->t_ns);
    lua_pushlstring(L, ev->name, ev->name_len);
    lua_pushlstring(L, ev->data, ev->data_len);
    lua_pushinteger(L, (lua_Integer)ev->wire_bytes);
    lua_pushinteger(L, ev->seq);
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
    set_num(L, "send_ms", r.send_ms);
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
    int64_t *tt;
    uint32_t *tb;
    char *tk;
    long n = sd_probe_take_timeline(p, id, &tt, &tb, &tk);
    push_timeline(L, tt, tb, tk, n > 0 ? (size_t)n : 0);
    lua_setfield(L, -2, "timeline");
    push_fast_state(L, r.fast);
    lua_setfield(L, -2, "fast");
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
    struct lengine *e = lua_newuserdatauv(L, sizeof *e, 1);
    e->p = NULL;
    luaL_setmetatable(L, ENGINE);
    lua_newtable(L); /* fast plans in use */
    lua_setiuservalue(L, -2, 1);
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
    static const luaL_Reg fns[] = {{"new", l_new},
                                   {"now", l_now},
                                   {"fast_plan", l_fast_plan},
                                   {"fast_apply", l_fast_apply},
                                   {"timeline", l_timeline},
                                   {"unpack_timeline", l_unpack_timeline},
                                   {NULL, NULL}};
    static const luaL_Reg methods[] = {{"add", l_add},       {"step", l_step},
                                       {"events", l_events}, {"mark_output", l_mark_output},
                                       {"cancel", l_cancel}, {"take", l_take},
                                       {"active", l_active}, {"pending", l_pending},
                                       {"close", l_close},   {NULL, NULL}};
    static const luaL_Reg metas[] = {{"__gc", l_close}, {"__close", l_close}, {NULL, NULL}};
    static const luaL_Reg fast_metas[] = {{"__gc", fast_gc}, {NULL, NULL}};
    static const luaL_Reg tl_metas[] = {{"__gc", tl_gc}, {"__len", tl_len}, {NULL, NULL}};
    static const luaL_Reg tl_methods[] = {{"kinds", tl_kinds},
                                          {"times", tl_times},
                                          {"bytes", tl_bytes},
                                          {"gaps", tl_gaps},
                                          {"set_kind", tl_set_kind},
                                          {"pack", tl_pack},
                                          {"gap_median_max", tl_gap_median_max},
                                          {NULL, NULL}};
    sd_l_newclass(L, FAST, fast_metas, NULL);
    sd_l_newclass(L, TIMELINE, tl_metas, tl_methods);
    sd_l_newclass(L, ENGINE, metas, methods);
    luaL_newlib(L, fns);
    return 1;
}

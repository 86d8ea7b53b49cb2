/*
** l_stats.c: the statistics library (stats.h) as the Lua module sonde.stats.core; the
** friendly layer is lua/sonde/stats.lua.
**
**   quantile(xs, p, ...) -> one value a p     linear interpolation (numpy's default)
**   quantiles(xs, {p...}) -> {values}
**   mean(xs), stdev(xs), cv(xs)               stdev is the sample one (n - 1)
**   gini(xs), topk_share(xs, k), hhi(xs), lorenz(xs, m) -> {m + 1 shares}
**   mann_whitney(a, b) -> {u =, z =, p =, cliffs_delta =}
**   bootstrap(xs, stat, opts) -> lo, hi     stat: "mean" | "stdev" | "quantile" | function
**                                           opts: p, b (1000), level (0.95), seed (string or
**                                           integer; 1)
**   sketch([alpha]) -> s; s:add(v), s:merge(other), s:quantile(p), s:count(), s:bytes()
** xs is a Lua sequence of numbers; NaN values are left out of every statistic.
*/
#include "host.h"
#include "l_util.h"
#include "rng.h"
#include "stats.h"

#include <errno.h>
#include <inttypes.h>
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdlib.h>

#define SKETCH_MT "sonde.stats.sketch"

/* The numbers of the sequence at idx in a new array (a userdata, so an error frees it). */
static double *numbers(lua_State *L, int idx, size_t *n)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_Integer len = luaL_len(L, idx);
    double *x = lua_newuserdatauv(L, (size_t)(len > 0 ? len : 1) * sizeof *x, 0);
    size_t k = 0;
    for (lua_Integer i = 1; i <= len; i++) {
        int isnum;
        lua_rawgeti(L, idx, i);
        double v = (double)lua_tonumberx(L, -1, &isnum);
        lua_pop(L, 1);
        if (!isnum)
            luaL_error(L, "value %d of the sample is not a number", (int)i);
        if (!isnan(v))
            x[k++] = v;
    }
    *n = k;
    return x;
}

/* quantile(xs, p [, p2, ...]) -> one value for each p, from one sort */
static int l_quantile(lua_State *L)
{
    int np = lua_gettop(L) - 1;
    luaL_checknumber(L, 2);
    size_t n;
    double *x = numbers(L, 1, &n);
    sd_sort(x, n);
    luaL_checkstack(L, np, "too many quantiles");
    for (int i = 0; i < np; i++) {
        double p = luaL_checknumber(L, 2 + i);
        luaL_argcheck(L, p >= 0 && p <= 1, 2 + i, "p must be in [0, 1]");
        lua_pushnumber(L, sd_quantile_sorted(x, n, p));
    }
    return np;
}

static int l_quantiles(lua_State *L)
{
    size_t n;
    double *x = numbers(L, 1, &n);
    luaL_checktype(L, 2, LUA_TTABLE);
    sd_sort(x, n);
    lua_Integer m = luaL_len(L, 2);
    lua_createtable(L, (int)m, 0);
    for (lua_Integer i = 1; i <= m; i++) {
        lua_rawgeti(L, 2, i);
        double p = luaL_checknumber(L, -1);
        lua_pop(L, 1);
        luaL_argcheck(L, p >= 0 && p <= 1, 2, "every p must be in [0, 1]");
        lua_pushnumber(L, sd_quantile_sorted(x, n, p));
        lua_rawseti(L, -2, i);
    }
    return 1;
}

static int l_mean(lua_State *L)
{
    size_t n;
    double *x = numbers(L, 1, &n);
    lua_pushnumber(L, sd_mean(x, n));
    return 1;
}

static int l_stdev(lua_State *L)
{
    size_t n;
    double *x = numbers(L, 1, &n);
    lua_pushnumber(L, sd_stdev(x, n));
    return 1;
}

static int l_cv(lua_State *L)
{
    size_t n;
    double *x = numbers(L, 1, &n);
    double m = sd_mean(x, n);
    lua_pushnumber(L, m != 0 ? sd_stdev(x, n) / m : NAN);
    return 1;
}

static int l_gini(lua_State *L)
{
    size_t n;
    double *x = numbers(L, 1, &n);
    lua_pushnumber(L, sd_gini(x, n));
    return 1;
}

static int l_topk(lua_State *L)
{
    size_t n;
    double *x = numbers(L, 1, &n);
    lua_Integer k = luaL_checkinteger(L, 2);
    luaL_argcheck(L, k >= 0, 2, "k must not be negative");
    lua_pushnumber(L, sd_topk_share(x, n, (size_t)k));
    return 1;
}

static int l_hhi(lua_State *L)
{
    size_t n;
    double *x = numbers(L, 1, &n);
    lua_pushnumber(L, sd_hhi(x, n));
    return 1;
}

static int l_lorenz(lua_State *L)
{
    size_t n;
    double *x = numbers(L, 1, &n);
    lua_Integer m = luaL_optinteger(L, 2, 10);
    luaL_argcheck(L, m >= 1 && m <= 100000, 2, "points must be in [1, 100000]");
    double *out = lua_newuserdatauv(L, (size_t)(m + 1) * sizeof *out, 0);
    sd_lorenz(x, n, out, (size_t)m);
    lua_createtable(L, (int)m + 1, 0);
    for (lua_Integer i = 0; i <= m; i++) {
        lua_pushnumber(L, out[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int l_mwu(lua_State *L)
{
    size_t na, nb;
    double *a = numbers(L, 1, &na);
    double *b = numbers(L, 2, &nb);
    struct sd_mwu r = sd_mann_whitney(a, na, b, nb);
    lua_createtable(L, 0, 4);
    lua_pushnumber(L, r.u);
    lua_setfield(L, -2, "u");
    lua_pushnumber(L, r.z);
    lua_setfield(L, -2, "z");
    lua_pushnumber(L, r.p);
    lua_setfield(L, -2, "p");
    lua_pushnumber(L, r.cliffs);
    lua_setfield(L, -2, "cliffs_delta");
    return 1;
}

/* A seed as an integer or a decimal string (large seeds do not survive a float). */
static uint64_t seed_arg(lua_State *L, int idx)
{
    lua_getfield(L, idx, "seed");
    uint64_t s = 1;
    if (lua_type(L, -1) == LUA_TSTRING) {
        const char *t = lua_tostring(L, -1);
        char *end;
        errno = 0;
        s = strtoull(t, &end, 10);
        if (errno || end == t || *end)
            luaL_error(L, "seed %s is not a decimal integer", t);
    } else if (!lua_isnil(L, -1)) {
        if (!lua_isinteger(L, -1))
            luaL_error(L, "seed must be an integer or a decimal string");
        s = (uint64_t)lua_tointeger(L, -1);
    }
    lua_pop(L, 1);
    return s;
}

/* bootstrap of a Lua function: each resample is a new sequence handed to it */
static void bootstrap_fn(lua_State *L, const double *x, size_t n, int fn, int b, double level,
                         uint64_t seed)
{
    double *est = lua_newuserdatauv(L, (size_t)b * sizeof *est, 0);
    struct sd_rng r;
    sd_rng_seed(&r, seed);
    int k = 0;
    for (int i = 0; i < b; i++) {
        lua_pushvalue(L, fn);
        lua_createtable(L, (int)n, 0);
        for (size_t j = 0; j < n; j++) {
            lua_pushnumber(L, x[sd_rng_next(&r) % n]);
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
        lua_call(L, 1, 1);
        int isnum;
        double e = lua_tonumberx(L, -1, &isnum);
        lua_pop(L, 1);
        if (isnum && !isnan(e))
            est[k++] = e;
    }
    sd_sort(est, (size_t)k);
    lua_pushnumber(L, sd_quantile_sorted(est, (size_t)k, (1.0 - level) / 2.0));
    lua_pushnumber(L, sd_quantile_sorted(est, (size_t)k, (1.0 + level) / 2.0));
}

static int l_bootstrap(lua_State *L)
{
    lua_settop(L, 3); /* the options are slot 3 even when left out */
    if (lua_isnil(L, 3)) {
        lua_newtable(L);
        lua_replace(L, 3);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    size_t n;
    double *x = numbers(L, 1, &n); /* its userdata, on the stack, keeps it alive */
    double p = sd_l_optnum(L, 3, "p", 0.5);
    lua_Integer b = sd_l_optint(L, 3, "b", 1000);
    double level = sd_l_optnum(L, 3, "level", 0.95);
    luaL_argcheck(L, b >= 1 && b <= 10000000, 3, "b must be in [1, 10^7]");
    luaL_argcheck(L, level > 0 && level < 1, 3, "level must be in (0, 1)");
    luaL_argcheck(L, p >= 0 && p <= 1, 3, "p must be in [0, 1]");
    uint64_t seed = seed_arg(L, 3);
    if (n == 0) {
        lua_pushnumber(L, NAN);
        lua_pushnumber(L, NAN);
        return 2;
    }
    if (lua_isfunction(L, 2)) {
        bootstrap_fn(L, x, n, 2, (int)b, level, seed);
        return 2;
    }
    static const char *const names[] = {"mean", "quantile", "stdev", NULL};
    static const enum sd_stat stats[] = {SD_STAT_MEAN, SD_STAT_QUANTILE, SD_STAT_STDEV};
    int which = luaL_checkoption(L, 2, NULL, names);
    double lo, hi;
    if (sd_bootstrap(x, n, stats[which], p, (int)b, level, seed, &lo, &hi) != 0)
        return luaL_error(L, "out of memory");
    lua_pushnumber(L, lo);
    lua_pushnumber(L, hi);
    return 2;
}

/* ---- sketch ---- */

static struct sd_sketch **check_sketch(lua_State *L, int idx)
{
    struct sd_sketch **s = luaL_checkudata(L, idx, SKETCH_MT);
    if (!*s)
        luaL_error(L, "sketch already freed");
    return s;
}

static int l_sketch(lua_State *L)
{
    double alpha = luaL_optnumber(L, 1, SD_SKETCH_ALPHA);
    luaL_argcheck(L, alpha > 0 && alpha < 1, 1, "alpha must be in (0, 1)");
    struct sd_sketch **s = lua_newuserdatauv(L, sizeof *s, 0);
    *s = NULL;
    luaL_setmetatable(L, SKETCH_MT);
    *s = sd_sketch_new(alpha);
    if (!*s)
        return luaL_error(L, "out of memory");
    return 1;
}

static int sk_add(lua_State *L)
{
    struct sd_sketch **s = check_sketch(L, 1);
    sd_sketch_add(*s, luaL_checknumber(L, 2));
    return 0;
}

static int sk_merge(lua_State *L)
{
    struct sd_sketch **s = check_sketch(L, 1), **o = check_sketch(L, 2);
    if (sd_sketch_merge(*s, *o) != 0)
        return luaL_error(L, "sketches with different alpha cannot be merged");
    return 0;
}

static int sk_quantile(lua_State *L)
{
    struct sd_sketch **s = check_sketch(L, 1);
    double p = luaL_checknumber(L, 2);
    luaL_argcheck(L, p >= 0 && p <= 1, 2, "p must be in [0, 1]");
    lua_pushnumber(L, sd_sketch_quantile(*s, p));
    return 1;
}

static int sk_count(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)sd_sketch_count(*check_sketch(L, 1)));
    return 1;
}

static int sk_bytes(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)sd_sketch_bytes(*check_sketch(L, 1)));
    return 1;
}

static int sk_gc(lua_State *L)
{
    struct sd_sketch **s = luaL_checkudata(L, 1, SKETCH_MT);
    sd_sketch_free(*s);
    *s = NULL;
    return 0;
}

int luaopen_sonde_stats_core(lua_State *L)
{
    static const luaL_Reg metas[] = {{"__gc", sk_gc}, {NULL, NULL}};
    static const luaL_Reg methods[] = {{"add", sk_add},           {"merge", sk_merge},
                                       {"quantile", sk_quantile}, {"count", sk_count},
                                       {"bytes", sk_bytes},       {NULL, NULL}};
    sd_l_newclass(L, SKETCH_MT, metas, methods);
    static const luaL_Reg fns[] = {
        {"quantile", l_quantile},
        {"quantiles", l_quantiles},
        {"mean", l_mean},
        {"stdev", l_stdev},
        {"cv", l_cv},
        {"gini", l_gini},
        {"topk_share", l_topk},
        {"hhi", l_hhi},
        {"lorenz", l_lorenz},
        {"mann_whitney", l_mwu},
        {"bootstrap", l_bootstrap},
        {"sketch", l_sketch},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    lua_pushnumber(L, SD_SKETCH_ALPHA);
    lua_setfield(L, -2, "sketch_alpha");
    return 1;
}

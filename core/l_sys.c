/*
** l_sys.c: sonde.sys, the few operating-system primitives the Lua front end needs and Lua's
** own os library lacks.
**
**   sys.now_ns()          monotonic clock, ns        sys.wall_ms()   Unix time, ms
**   sys.sleep_ms(ms)                                  sys.isatty(fd)
**   sys.usage() -> { cpu_s, user_s, sys_s, maxrss_kb }
**   sys.block_signals()   block SIGINT/SIGTERM in this thread and threads started later
**   sys.wait_signal()     wait for one of them; returns its name
**   sys.take_signal()     the name of one that is pending, without waiting, or nil
**   sys.nofile(want) -> soft limit in force after trying to raise it to want
*/
#include "host.h"
#include "clock.h"
#include "probe.h"

#include <lauxlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int l_now_ns(lua_State *L)
{
    lua_pushinteger(L, sd_clock_ns());
    return 1;
}

static int l_wall_ms(lua_State *L)
{
    lua_pushinteger(L, sd_clock_wall_ms());
    return 1;
}

static int l_sleep_ms(lua_State *L)
{
    double ms = luaL_checknumber(L, 1);
    struct timespec ts = {(time_t)(ms / 1000),
                          (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6)};
    while (nanosleep(&ts, &ts) != 0) {
    }
    return 0;
}

static int l_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_optinteger(L, 1, 1)));
    return 1;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int l_usage(lua_State *L)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    lua_createtable(L, 0, 4);
    lua_pushnumber(L, tv_s(ru.ru_utime) + tv_s(ru.ru_stime));
    lua_setfield(L, -2, "cpu_s");
    lua_pushnumber(L, tv_s(ru.ru_utime));
    lua_setfield(L, -2, "user_s");
    lua_pushnumber(L, tv_s(ru.ru_stime));
    lua_setfield(L, -2, "sys_s");
    lua_pushinteger(L, ru.ru_maxrss);
    lua_setfield(L, -2, "maxrss_kb");
    return 1;
}

static void term_set(sigset_t *s)
{
    sigemptyset(s);
    sigaddset(s, SIGINT);
    sigaddset(s, SIGTERM);
}

static int l_block_signals(lua_State *L)
{
    sigset_t s;
    term_set(&s);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    return 0;
}

static int l_wait_signal(lua_State *L)
{
    sigset_t s;
    int sig = 0;
    term_set(&s);
    sigwait(&s, &sig);
    lua_pushstring(L, sig == SIGINT ? "SIGINT" : "SIGTERM");
    return 1;
}

/* The name of a blocked SIGINT/SIGTERM that is pending (and now taken), or nil. */
static int l_take_signal(lua_State *L)
{
    sigset_t s;
    struct timespec zero = {0, 0};
    term_set(&s);
    int sig = sigtimedwait(&s, NULL, &zero);
    if (sig == SIGINT || sig == SIGTERM)
        lua_pushstring(L, sig == SIGINT ? "SIGINT" : "SIGTERM");
    else
        lua_pushnil(L);
    return 1;
}

static int l_nofile(lua_State *L)
{
    lua_pushinteger(L, sd_probe_raise_nofile((long)luaL_checkinteger(L, 1)));
    return 1;
}

int luaopen_sonde_sys(lua_State *L)
{
    static const luaL_Reg fns[] = {{"now_ns", l_now_ns},
                                   {"wall_ms", l_wall_ms},
                                   {"sleep_ms", l_sleep_ms},
                                   {"isatty", l_isatty},
                                   {"usage", l_usage},
                                   {"block_signals", l_block_signals},
                                   {"wait_signal", l_wait_signal},
                                   {"take_signal", l_take_signal},
                                   {"nofile", l_nofile},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

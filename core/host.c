/*
** host.c: Lua state creation, module registration, script path, and the sandboxed call
** (see host.h).
**
** Sandboxing follows Redis's scripting: the environment is an allow-list built in Lua
** (lua/sonde/sandbox.lua), and a count hook enforces an instruction budget and a wall-clock
** deadline. Once the budget is spent the hook re-arms itself to fire on every instruction, so
** a script's own pcall cannot swallow the kill. The memory cap is enforced by the allocator.
*/
#include "host.h"

#include "clock.h"

#include <lauxlib.h>
#include <lualib.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int luaopen_cjson(lua_State *L);

struct host {
    size_t used;          /* bytes the state holds now */
    size_t limit;         /* allocation fails above this; SIZE_MAX when no sandbox call runs */
    long long instr_left; /* instructions the running sandbox call may still execute */
    int64_t deadline_ns;  /* and the time by which it must finish */
    int killed;           /* the running sandbox call hit a limit */
    int in_sandbox;       /* a sandbox call is running */
    const char *kill_reason;
};

static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct host *h = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        h->used -= old;
        return NULL;
    }
    if (nsize > old && h->used - old + nsize > h->limit)
        return NULL;
    void *np = realloc(ptr, nsize);
    if (np)
        h->used = h->used - old + nsize;
    return np;
}

static struct host *host_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* ---- the message handler: error object to text with a traceback, and where it happened ---- */

static int msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* The first Lua function on the stack: where a script error happened. */
static void where(lua_State *L, char *src, size_t srclen, int *line)
{
    lua_Debug ar;
    src[0] = '\0';
    *line = 0;
    for (int level = 0; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            snprintf(src, srclen, "%s", ar.short_src);
            *line = ar.currentline;
            return;
        }
    }
}

/* Handler for sandbox calls: returns { message, traceback, source, line }. */
static int sandbox_msgh(lua_State *L)
{
    struct host *h = host_of(L);
    char src[256];
    int line;
    where(L, src, sizeof src, &line);
    const char *msg = lua_tostring(L, 1);
    if (!msg)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    if (h->killed)
        msg = lua_pushfstring(L, "%s:%d: %s", src, line, h->kill_reason);
    lua_createtable(L, 0, 4);
    lua_pushstring(L, msg);
    lua_setfield(L, -2, "message");
    luaL_traceback(L, L, NULL, 1);
    lua_setfield(L, -2, "traceback");
    lua_pushstring(L, src);
    lua_setfield(L, -2, "source");
    lua_pushinteger(L, line);
    lua_setfield(L, -2, "line");
    return 1;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    struct host *h = host_of(L);
    h->instr_left -= 1000;
    if (h->killed || h->instr_left <= 0 || sd_clock_ns() > h->deadline_ns) {
        if (!h->killed)
            h->kill_reason =
                h->instr_left <= 0 ? "instruction limit exceeded" : "time limit exceeded";
        h->killed = 1;
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1); /* every instruction from now on */
        luaL_error(L, "%s", h->kill_reason);
    }
}

/*
** sandbox.call(limits, fn, ...) -> true, results... | false, err
** limits: { instructions = N, memory = BYTES, ms = WALL_MS, name = "file" } (all optional).
** err: { message, source, line, traceback, kind = "error"|"memory"|"limit" }.
** Calls do not nest: a sandboxed function that calls sandbox.call gets an error.
*/
static int sandbox_call(lua_State *L)
{
    struct host *h = host_of(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    if (h->in_sandbox)
        return luaL_error(L, "sandbox calls do not nest");
    lua_getfield(L, 1, "instructions");
    long long instr = luaL_optinteger(L, -1, 10000000);
    lua_getfield(L, 1, "memory");
    lua_Integer mem = luaL_optinteger(L, -1, 64 << 20);
    lua_getfield(L, 1, "ms");
    lua_Integer ms = luaL_optinteger(L, -1, 5000);
    lua_getfield(L, 1, "name");
    const char *name = luaL_optstring(L, -1, "?");
    lua_pop(L, 4);

    int nargs = lua_gettop(L) - 2;
    lua_pushcfunction(L, sandbox_msgh);
    lua_insert(L, 2); /* under fn */
    h->instr_left = instr;
    h->deadline_ns = sd_clock_ns() + (int64_t)ms * 1000000;
    h->killed = 0;
    size_t old_limit = h->limit;
    h->limit = h->used + (size_t)mem;
    lua_Hook old_hook = lua_gethook(L);
    int old_mask = lua_gethookmask(L), old_count = lua_gethookcount(L);
    h->in_sandbox = 1;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1000);
    int st = lua_pcall(L, nargs, LUA_MULTRET, 2);
    lua_sethook(L, old_hook, old_mask, old_count); /* a debugger's or coverage tool's hook */
    h->in_sandbox = 0;
    h->limit = old_limit;
    int killed = h->killed;
    h->killed = 0;
    if (st == LUA_OK) {
        lua_pushboolean(L, 1);
        lua_replace(L, 2); /* the handler's slot becomes the leading true */
        return lua_gettop(L) - 1;
    }
    if (st == LUA_ERRMEM || !lua_istable(L, -1)) {
        /* Lua does not run the handler for memory errors */
        lua_createtable(L, 0, 4);
        lua_pushfstring(L, "%s: memory cap of %I bytes exceeded", name, mem);
        lua_setfield(L, -2, "message");
        lua_pushstring(L, name);
        lua_setfield(L, -2, "source");
        lua_pushinteger(L, 0);
        lua_setfield(L, -2, "line");
        lua_pushstring(L, "memory");
        lua_setfield(L, -2, "kind");
    } else {
        lua_pushstring(L, killed ? "limit" : "error");
        lua_setfield(L, -2, "kind");
    }
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

int luaopen_sonde_sandbox(lua_State *L)
{
    static const luaL_Reg fns[] = {{"call", sandbox_call}, {NULL, NULL}};
    luaL_newlib(L, fns);
    return 1;
}

/* ---- start-up ---- */

static int dir_exists(const char *path)
{
    return access(path, R_OK | X_OK) == 0;
}

#define MAX_ROOTS 16

struct roots {
    char *dir[MAX_ROOTS];
    int n;
};

static void add_root(struct roots *r, const char *dir)
{
    if (r->n < MAX_ROOTS)
        r->dir[r->n++] = strdup(dir);
}

/* Roots that hold lua/, providers/, policies/: SONDE_PATH entries, the source tree when
   the binary runs from its build directory, and the installed data directory. */
static void find_roots(struct roots *r)
{
    const char *env = getenv("SONDE_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
            add_root(r, tok);
        free(copy);
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        if (strcmp(exe, SONDE_BINARY_DIR) == 0 && dir_exists(SONDE_SOURCE_DIR "/lua"))
            add_root(r, SONDE_SOURCE_DIR);
    }
    if (dir_exists(SONDE_DATA_DIR "/lua"))
        add_root(r, SONDE_DATA_DIR);
}

/* package.path: each root's lua/ first, then Lua's defaults (for busted and friends). */
static void set_path(lua_State *L, const struct roots *r)
{
    luaL_Buffer b;
    lua_getglobal(L, "package");
    luaL_buffinit(L, &b);
    for (int i = 0; i < r->n; i++) {
        luaL_addstring(&b, r->dir[i]);
        luaL_addstring(&b, "/lua/?.lua;");
        luaL_addstring(&b, r->dir[i]);
        luaL_addstring(&b, "/lua/?/init.lua;");
    }
    lua_getfield(L, -2, "path");
    luaL_addvalue(&b);
    luaL_pushresult(&b);
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
}

static void preload(lua_State *L, const char *name, lua_CFunction f)
{
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, f);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

static int pmain(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);
    luaL_checkversion(L);
    luaL_openlibs(L);
    preload(L, "cjson", luaopen_cjson);
    preload(L, "sonde.sse", luaopen_sonde_sse);
    preload(L, "sonde.probe", luaopen_sonde_probe);
    preload(L, "sonde.mock.server", luaopen_sonde_mock);
    preload(L, "sonde.sys", luaopen_sonde_sys);
    preload(L, "sonde.sandbox", luaopen_sonde_sandbox);
    preload(L, "sonde.json", luaopen_sonde_json);
    preload(L, "sonde.stats.core", luaopen_sonde_stats_core);
    preload(L, "sonde.store.core", luaopen_sonde_store_core);

    /* sonde.config: what C knows that Lua cannot find out */
    struct roots r = {{0}, 0};
    find_roots(&r);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_createtable(L, 0, 4);
    lua_pushstring(L, SONDE_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushstring(L, SONDE_DATA_DIR);
    lua_setfield(L, -2, "data_dir");
    lua_createtable(L, r.n, 0);
    for (int i = 0; i < r.n; i++) {
        lua_pushstring(L, r.dir[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "roots");
    lua_setfield(L, -2, "sonde.config");
    lua_pop(L, 1);
    set_path(L, &r);
    for (int i = 0; i < r.n; i++)
        free(r.dir[i]);

    lua_getglobal(L, "require");
    lua_pushstring(L, "sonde.cli");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "main");
    lua_createtable(L, argc, 0);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_call(L, 1, 1);
    return 1;
}

int sd_host_main(int argc, char **argv)
{
    static struct host h;
    h.limit = SIZE_MAX;
    /* a peer that hangs up must be an error on that socket, not the end of the process: the
       mock server writes with libevent, which does not ask for MSG_NOSIGNAL */
    signal(SIGPIPE, SIG_IGN);
    lua_State *L = lua_newstate(host_alloc, &h);
    if (!L) {
        fprintf(stderr, "sonde: cannot create the Lua state: not enough memory\n");
        return 1;
    }
    lua_pushcfunction(L, msgh);
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    int st = lua_pcall(L, 2, 1, 1);
    int code = 1;
    if (st != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "sonde: %s\n", msg ? msg : "(error without a message)");
    } else if (lua_isinteger(L, -1)) {
        code = (int)lua_tointeger(L, -1);
    } else {
        code = lua_toboolean(L, -1) || lua_isnil(L, -1) ? 0 : 1;
    }
    lua_close(L);
    return code;
}

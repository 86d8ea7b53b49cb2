/*
** l_store.c: the store (store.h) as the Lua module sonde.store.core; the schema and the
** friendly API are lua/sonde/store.lua.
**
**   open(path, {readonly = false}) -> db            raises with the reason
**   db:exec(sql)                                    statements, outside the writer's batch
**   db:insert(sql, ...) -> rowid                    one row in the current batch
**   db:query(sql, ...) -> columns, rows             rows are arrays; SQL NULL is null
**   db:begin(), db:tick(), db:flush(), db:rollback(), db:counts() -> rows, commits
**   db:hold(on)                                     with on, one transaction until flush
**   db:path(), db:close()
**   null                                            the NULL value (lua-cjson's null too)
** Parameters: nil -> NULL, boolean -> 0/1, integer, number, string -> TEXT, {blob = s} -> BLOB.
*/
#include "host.h"
#include "l_util.h"
#include "store.h"

#include <lauxlib.h>
#include <lua.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define STORE "sonde.store.Db"

struct lstore {
    struct sd_store *s;
    char *path;
};

static struct lstore *check(lua_State *L)
{
    struct lstore *d = luaL_checkudata(L, 1, STORE);
    if (!d->s)
        luaL_error(L, "the database is closed");
    return d;
}

/* Errors carry no Lua position: they are about the file or the SQL, not the caller. */
static int fail(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return lua_error(L);
}

static int raise(lua_State *L, struct lstore *d, const char *err)
{
    return fail(L, "%s: %s", d->path ? d->path : "database", err);
}

static int l_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int ro = lua_istable(L, 2) ? sd_l_optbool(L, 2, "readonly", 0) : 0;
    struct lstore *d = lua_newuserdatauv(L, sizeof *d, 0);
    memset(d, 0, sizeof *d);
    luaL_setmetatable(L, STORE);
    char err[512];
    d->s = sd_store_open(path, ro, err, sizeof err);
    if (!d->s)
        return fail(L, "%s", err);
    d->path = strdup(path);
    return 1;
}

static int l_close(lua_State *L)
{
    struct lstore *d = luaL_checkudata(L, 1, STORE);
    if (d->s)
        sd_store_close(d->s);
    free(d->path);
    d->s = NULL;
    d->path = NULL;
    return 0;
}

static int l_exec(lua_State *L)
{
    struct lstore *d = check(L);
    char err[512];
    if (sd_store_exec(d->s, luaL_checkstring(L, 2), err, sizeof err) != 0)
        return raise(L, d, err);
    return 0;
}

/* Bind the values from stack index first on. Returns 0, or -1 with a message pushed (so
   that the caller can finalize a statement before raising). */
static int bind_args(lua_State *L, struct lstore *d, sqlite3_stmt *st, int first)
{
    int top = lua_gettop(L), want = sqlite3_bind_parameter_count(st);
    if (top - first + 1 != want) {
        lua_pushfstring(L, "%s: the statement takes %d values, %d given", d->path, want,
                        top - first + 1);
        return -1;
    }
    for (int i = first; i <= top; i++) {
        int k = i - first + 1, rc = SQLITE_OK;
        switch (lua_type(L, i)) {
        case LUA_TNIL:
        case LUA_TLIGHTUSERDATA:
            rc = sqlite3_bind_null(st, k);
            break;
        case LUA_TBOOLEAN:
            rc = sqlite3_bind_int(st, k, lua_toboolean(L, i));
            break;
        case LUA_TNUMBER:
            if (lua_isinteger(L, i))
                rc = sqlite3_bind_int64(st, k, lua_tointeger(L, i));
            else
                rc = sqlite3_bind_double(st, k, lua_tonumber(L, i));
            break;
        case LUA_TSTRING: {
            size_t len;
            const char *s = lua_tolstring(L, i, &len);
            /* static: the string stays on the Lua stack until the statement has run */
            rc = sqlite3_bind_text64(st, k, s, len, SQLITE_STATIC, SQLITE_UTF8);
            break;
        }
        case LUA_TTABLE: {
            lua_getfield(L, i, "blob");
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            if (s)
                rc = sqlite3_bind_blob64(st, k, s, len, SQLITE_STATIC); /* as above */
            lua_pop(L, 1);
            if (!s) {
                lua_pushfstring(L, "value %d: a table value must be {blob = string}", k);
                return -1;
            }
            break;
        }
        default:
            lua_pushfstring(L, "value %d: cannot store a %s", k, luaL_typename(L, i));
            return -1;
        }
        if (rc != SQLITE_OK) {
            lua_pushfstring(L, "%s: %s", d->path, sqlite3_errstr(rc));
            return -1;
        }
    }
    return 0;
}

static int l_insert(lua_State *L)
{
    struct lstore *d = check(L);
    const char *sql = luaL_checkstring(L, 2);
    char err[512];
    if (sd_store_begin(d->s, err, sizeof err) != 0)
        return raise(L, d, err);
    sqlite3_stmt *st = sd_store_stmt(d->s, sql, err, sizeof err);
    if (!st)
        return raise(L, d, err);
    if (bind_args(L, d, st, 3) != 0) {
        sqlite3_clear_bindings(st);
        return lua_error(L);
    }
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        const char *msg = sqlite3_errmsg(sd_store_db(d->s));
        lua_pushstring(L, msg);
        sqlite3_reset(st);
        return fail(L, "%s: %s", d->path, lua_tostring(L, -1));
    }
    sqlite3_reset(st);
    lua_pushinteger(L, sqlite3_last_insert_rowid(sd_store_db(d->s)));
    if (sd_store_row(d->s, err, sizeof err) != 0)
        return raise(L, d, err);
    return 1;
}

static void push_column(lua_State *L, sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        lua_pushinteger(L, sqlite3_column_int64(st, i));
        break;
    case SQLITE_FLOAT:
        lua_pushnumber(L, sqlite3_column_double(st, i));
        break;
    case SQLITE_NULL:
        lua_pushlightuserdata(L, NULL);
        break;
    default: /* text and blob: bytes */
        lua_pushlstring(L, (const char *)sqlite3_column_blob(st, i),
                        (size_t)sqlite3_column_bytes(st, i));
    }
}

static int l_query(lua_State *L)
{
    struct lstore *d = check(L);
    const char *sql = luaL_checkstring(L, 2);
    sqlite3_stmt *st;
    const char *tail;
    sqlite3 *db = sd_store_db(d->s);
    if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK)
        return fail(L, "%s", sqlite3_errmsg(db));
    if (!st)
        return fail(L, "no statement in the query");
    for (; *tail; tail++)
        if (!strchr(" \t\r\n;", *tail)) {
            sqlite3_finalize(st);
            return fail(L, "one statement at a time, please (extra text: %.40s)", tail);
        }
    if (bind_args(L, d, st, 3) != 0) {
        sqlite3_finalize(st);
        return lua_error(L);
    }
    int nc = sqlite3_column_count(st);
    lua_createtable(L, nc, 0);
    for (int i = 0; i < nc; i++) {
        lua_pushstring(L, sqlite3_column_name(st, i));
        lua_rawseti(L, -2, i + 1);
    }
    lua_newtable(L);
    lua_Integer n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        lua_createtable(L, nc, 0);
        for (int i = 0; i < nc; i++) {
            push_column(L, st, i);
            lua_rawseti(L, -2, i + 1);
        }
        lua_rawseti(L, -2, ++n);
    }
    if (rc != SQLITE_DONE) {
        lua_pushstring(L, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return fail(L, "%s", lua_tostring(L, -1));
    }
    sqlite3_finalize(st);
    return 2;
}

static int batch_op(lua_State *L, int (*op)(struct sd_store *, char *, size_t))
{
    struct lstore *d = check(L);
    char err[512];
    if (op(d->s, err, sizeof err) != 0)
        return raise(L, d, err);
    return 0;
}

static int l_begin(lua_State *L)
{
    return batch_op(L, sd_store_begin);
}

static int l_tick(lua_State *L)
{
    return batch_op(L, sd_store_tick);
}

static int l_flush(lua_State *L)
{
    return batch_op(L, sd_store_flush);
}

static int l_rollback(lua_State *L)
{
    return batch_op(L, sd_store_rollback);
}

static int l_hold(lua_State *L)
{
    sd_store_hold(check(L)->s, lua_toboolean(L, 2));
    return 0;
}

static int l_counts(lua_State *L)
{
    uint64_t rows, commits;
    sd_store_counts(check(L)->s, &rows, &commits);
    lua_pushinteger(L, (lua_Integer)rows);
    lua_pushinteger(L, (lua_Integer)commits);
    return 2;
}

static int l_path(lua_State *L)
{
    lua_pushstring(L, check(L)->path);
    return 1;
}

int luaopen_sonde_store_core(lua_State *L)
{
    static const luaL_Reg metas[] = {{"__gc", l_close}, {"__close", l_close}, {NULL, NULL}};
    static const luaL_Reg methods[] = {
        {"exec", l_exec}, {"insert", l_insert}, {"query", l_query},       {"begin", l_begin},
        {"tick", l_tick}, {"flush", l_flush},   {"rollback", l_rollback}, {"counts", l_counts},
        {"hold", l_hold}, {"path", l_path},     {"close", l_close},       {NULL, NULL},
    };
    sd_l_newclass(L, STORE, metas, methods);
    static const luaL_Reg fns[] = {{"open", l_open}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    return 1;
}

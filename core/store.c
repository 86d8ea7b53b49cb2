/*
** store.c: see store.h.
*/
#include "store.h"

#include "clock.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cached {
    char *sql;
    sqlite3_stmt *st;
    struct cached *next;
};

struct sd_store {
    sqlite3 *db;
    int in_batch;
    int hold; /* the batch is one transaction until flushed (imports) */
    int64_t batch_t0;
    unsigned batch_rows;
    uint64_t rows, commits;
    struct cached *stmts;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
** Look at the file before SQLite does: its first 100 bytes are the database header (magic
** string, page size, page count). Returns 1 when the file is absent or empty (a new
** database), 0 when it is an SQLite file of the size its header says (*size), -1 with err
** otherwise. Whose file it is is asked through SQLite (see sd_store_open).
*/
static int check_header(const char *path, int64_t *size, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return 1;
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    }
    if (!S_ISREG(sb.st_mode))
        return fail(err, errlen, "%s: not a regular file", path);
    if (sb.st_size == 0)
        return 1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    unsigned char h[100];
    size_t got = fread(h, 1, sizeof h, f);
    fclose(f);
    if (got < sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
        return fail(err, errlen, "%s: not a sonde database (not an SQLite file at all)", path);
    *size = (int64_t)sb.st_size;
    /* the page count in the header is valid when the change counter matches offset 92 */
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1)
        page = 65536;
    uint32_t pages = be32(h + 28);
    if (pages && be32(h + 24) == be32(h + 92) && (int64_t)pages * page > (int64_t)sb.st_size)
        return fail(err, errlen,
                    "%s: the database is cut short (%lld bytes, its header says "
                    "%lld)",
                    path, (long long)sb.st_size, (long long)pages * page);
    return 0;
}

/* The one integer sql returns; 0, or -1 (sqlite3_errmsg says why). */
static int one_int(sqlite3 *db, const char *sql, uint32_t *v)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        *v = (uint32_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* SQLite's side files (-wal, -shm) that opening a refused file made: removed, so that a
   refused file is left exactly as it was found */
static void side_files(const char *path, int remove_new, int *had)
{
    static const char *const ext[] = {"-wal", "-shm"};
    for (int i = 0; i < 2; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s%s", path, ext[i]);
        struct stat sb;
        int exists = stat(p, &sb) == 0;
        if (!remove_new)
            had[i] = exists;
        else if (exists && !had[i])
            unlink(p);
    }
}

static int quick_check(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(st, 0);
        if (!r || strcmp(r, "ok") != 0)
            rc = fail(err, errlen, "%s", r ? r : "quick_check failed");
        else
            rc = 0;
    } else {
        rc = fail(err, errlen, "%s", sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return rc;
}

static int open_db(const char *path, int flags, sqlite3 **db, char *err, size_t errlen)
{
    if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return fail(err, errlen, "%s: %s", path, *db ? sqlite3_errmsg(*db) : "cannot open");
    sqlite3_busy_timeout(*db, 10000); /* wait for another writer's commit */
    sqlite3_extended_result_codes(*db, 1);
    return 0;
}

struct sd_store *sd_store_open(const char *path, int readonly, char *err, size_t errlen)
{
    /* SQLite counts every allocation under a global mutex unless told not to: a tenth of
       the cost of an insert here. Only possible before SQLite starts; later calls fail
       harmlessly. */
    static int configured;
    if (!configured) {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        configured = 1;
    }
    int64_t size = 0;
    int fresh = check_header(path, &size, err, errlen);
    if (fresh < 0)
        return NULL;
    if (fresh && readonly) {
        fail(err, errlen, "%s: no such database", path);
        return NULL;
    }
    struct sd_store *s = calloc(1, sizeof *s);
    if (!s) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    /*
    ** A file that looks foreign or broken is first opened read-only, so that nothing (not even
    ** the switch to WAL, which rewrites the header) can change it before it has been checked.
    */
    int had[2] = {1, 1};
    if (!fresh)
        side_files(path, 0, had);
    if (open_db(path, fresh ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY,
                &s->db, err, errlen) != 0)
        goto bad;
    if (!fresh) {
        uint32_t app = 0, n = 0;
        /* read through SQLite, not from the file: in WAL mode the newest header may still
           be in the -wal file */
        if (one_int(s->db, "PRAGMA application_id", &app) != 0 ||
            one_int(s->db, "SELECT count(*) FROM sqlite_schema", &n) != 0) {
            fail(err, errlen, "%s: not a usable sonde database (%s)", path, sqlite3_errmsg(s->db));
            goto bad;
        }
        if (app != SD_STORE_APP_ID && app != 0) {
            fail(err, errlen, "%s: not a sonde database (application_id 0x%08x)", path, app);
            goto bad;
        }
        if (app == 0 && n > 0) {
            fail(err, errlen, "%s: not a sonde database (an SQLite file with other tables)", path);
            goto bad;
        }
        if (app == 0)
            fresh = 1; /* an empty SQLite file: made ours below */
        /*
        ** Before writing to a file, check its structure, so that a damaged one is refused
        ** rather than written around (a read-only use learns of damage from SQLite when it
        ** reads it). The check reads the whole file, so past SD_STORE_CHECK_MAX only the
        ** header is checked and SQLite's own detection is relied on.
        */
        if (!readonly && !fresh && size <= SD_STORE_CHECK_MAX &&
            quick_check(s->db, err, errlen) != 0) {
            char why[256];
            snprintf(why, sizeof why, "%s", err);
            fail(err, errlen, "%s: the database is damaged (%s); it was left as it is", path, why);
            goto bad;
        }
        if (!readonly) {
            sqlite3_close_v2(s->db);
            s->db = NULL;
            if (open_db(path, SQLITE_OPEN_READWRITE, &s->db, err, errlen) != 0)
                goto bad;
        }
    }
    /*
    ** WAL with synchronous=NORMAL: a commit is safe from a crash of sonde (kill -9), and
    ** fsync waits only at checkpoints, every ~40 MB of log. Foreign keys are declared in the
    ** schema but not enforced per row (SQLite's default): sonde writes the ids it just read,
    ** and the checks cost 10% of the ingest rate.
    */
    if (!readonly) {
        char sql[160];
        int n = snprintf(sql, sizeof sql,
                         "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                         "PRAGMA wal_autocheckpoint=10000;");
        if (fresh)
            snprintf(sql + n, sizeof sql - (size_t)n, " PRAGMA application_id=%d;",
                     SD_STORE_APP_ID);
        if (sd_store_exec(s, sql, err, errlen) != 0)
            goto bad;
    }
    if (sd_store_register_stats(s->db) != SQLITE_OK) {
        fail(err, errlen, "%s: cannot register the statistics functions", path);
        goto bad;
    }
    return s;
bad:
    sqlite3_close_v2(s->db);
    side_files(path, 1, had);
    free(s);
    return NULL;
}

static void free_stmts(struct sd_store *s)
{
    while (s->stmts) {
        struct cached *c = s->stmts;
        s->stmts = c->next;
        sqlite3_finalize(c->st);
        free(c->sql);
        free(c);
    }
}

void sd_store_close(struct sd_store *s)
{
    if (!s)
        return;
    sd_store_flush(s, NULL, 0);
    free_stmts(s);
    sqlite3_close_v2(s->db);
    free(s);
}

sqlite3 *sd_store_db(struct sd_store *s)
{
    return s->db;
}

int sd_store_exec(struct sd_store *s, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fail(err, errlen, "%s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

sqlite3_stmt *sd_store_stmt(struct sd_store *s, const char *sql, char *err, size_t errlen)
{
    /* a handful of distinct statements: a list, most recent first, is enough */
    for (struct cached *c = s->stmts; c; c = c->next)
        if (strcmp(c->sql, sql) == 0) {
            sqlite3_reset(c->st); /* callers bind every parameter each time */
            return c->st;
        }
    struct cached *c = calloc(1, sizeof *c);
    if (!c || !(c->sql = strdup(sql))) {
        free(c);
        fail(err, errlen, "out of memory");
        return NULL;
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->st, NULL) != SQLITE_OK) {
        fail(err, errlen, "%s", sqlite3_errmsg(s->db));
        free(c->sql);
        free(c);
        return NULL;
    }
    c->next = s->stmts;
    s->stmts = c;
    return c->st;
}

int sd_store_begin(struct sd_store *s, char *err, size_t errlen)
{
    if (s->in_batch)
        return 0;
    if (sd_store_exec(s, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    s->in_batch = 1;
    s->batch_t0 = sd_clock_ns();
    s->batch_rows = 0;
    return 0;
}

int sd_store_flush(struct sd_store *s, char *err, size_t errlen)
{
    if (!s->in_batch)
        return 0;
    if (sd_store_exec(s, "COMMIT", err, errlen) != 0)
        return -1;
    s->in_batch = 0;
    s->commits++;
    return 0;
}

int sd_store_rollback(struct sd_store *s, char *err, size_t errlen)
{
    if (!s->in_batch)
        return 0;
    s->in_batch = 0;
    return sd_store_exec(s, "ROLLBACK", err, errlen);
}

void sd_store_hold(struct sd_store *s, int on)
{
    s->hold = on;
}

int sd_store_tick(struct sd_store *s, char *err, size_t errlen)
{
    if (s->in_batch && !s->hold &&
        (s->batch_rows >= SD_STORE_BATCH || sd_clock_ns() - s->batch_t0 >= SD_STORE_COMMIT_NS))
        return sd_store_flush(s, err, errlen);
    return 0;
}

int sd_store_row(struct sd_store *s, char *err, size_t errlen)
{
    s->rows++;
    s->batch_rows++;
    return sd_store_tick(s, err, errlen);
}

void sd_store_counts(const struct sd_store *s, uint64_t *rows, uint64_t *commits)
{
    *rows = s->rows;
    *commits = s->commits;
}

/*
** store.h: sonde's SQLite file. The C side owns what must be right every time: that a file
** is a sonde database before anything touches it, WAL and the writer's batching (one
** BEGIN IMMEDIATE transaction committed at least every second or every SD_STORE_BATCH rows),
** prepared statements, and the statistics registered as SQL functions. The schema and its
** migrations are data, in lua/sonde/store.lua.
*/
#ifndef SONDE_STORE_H
#define SONDE_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* 'sond' in the header's application_id field: how sonde knows its own files */
#define SD_STORE_APP_ID 0x736f6e64
#define SD_STORE_BATCH 5000
#define SD_STORE_COMMIT_NS 1000000000LL
/* files up to this size get a structural check (PRAGMA quick_check) before being written */
#define SD_STORE_CHECK_MAX ((int64_t)1 << 30)

struct sd_store;

/*
** Open path. An existing file must be an SQLite database whose application_id is sonde's (or
** a database with nothing in it); anything else is refused, with the reason in err, before a
** byte of it is written. With readonly the file must exist and is never written. A new or
** empty file is made a sonde database (application_id, WAL). Returns NULL on failure.
*/
struct sd_store *sd_store_open(const char *path, int readonly, char *err, size_t errlen);
/* Commits what is pending and closes. */
void sd_store_close(struct sd_store *s);
sqlite3 *sd_store_db(struct sd_store *s);

/* Run one or more statements outside the writer's batch. 0, or -1 with err. */
int sd_store_exec(struct sd_store *s, const char *sql, char *err, size_t errlen);

/*
** The writer. sd_store_stmt returns the prepared statement for sql (prepared once, kept
** until close) reset; the caller binds every parameter. sd_store_row is called after each row
*written: it opens
** the batch's transaction when none is open (BEGIN IMMEDIATE, waiting for other writers)
** and commits when the batch is full or a second old. sd_store_tick commits a batch that is
** due without adding a row; sd_store_flush commits now.
*/
sqlite3_stmt *sd_store_stmt(struct sd_store *s, const char *sql, char *err, size_t errlen);
int sd_store_begin(struct sd_store *s, char *err, size_t errlen);
int sd_store_row(struct sd_store *s, char *err, size_t errlen);
int sd_store_tick(struct sd_store *s, char *err, size_t errlen);
int sd_store_flush(struct sd_store *s, char *err, size_t errlen);
/* With on, the batch is not committed by size or age: it is one transaction until
   sd_store_flush (or sd_store_rollback), so that an import is all or nothing. */
void sd_store_hold(struct sd_store *s, int on);
/* Roll the open batch back (an import that stops leaves nothing behind). */
int sd_store_rollback(struct sd_store *s, char *err, size_t errlen);
/* Rows written and commits made since open. */
void sd_store_counts(const struct sd_store *s, uint64_t *rows, uint64_t *commits);

/* The sonde.stats functions as SQL functions on db (done by sd_store_open). */
int sd_store_register_stats(sqlite3 *db);

#endif

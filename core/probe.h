/*
** probe.h: the streaming probe engine: many concurrent HTTP requests over one libcurl multi
** handle driven by epoll, each response either parsed as SSE (event by event, each stamped with
** its monotonic arrival time) or kept whole (JSON bodies, errors).
**
** It is not a protocol: it never looks inside an event. The caller reads events between steps
** (so no caller code runs inside a libcurl callback) and tells the engine when the first
** output-bearing event came (sd_probe_mark_output), which ends the first-token timer.
*/
#ifndef SONDE_PROBE_H
#define SONDE_PROBE_H

#include "fast.h"

#include <stddef.h>
#include <stdint.h>

struct sd_probe;

/* A request. The engine copies everything it keeps; the caller may free it after add. */
struct sd_probe_req {
    const char *url;
    const char *body; /* NULL: GET */
    size_t body_len;
    const char *const *headers; /* "Name: value" lines */
    int nheaders;
    const char *auth_env;    /* environment variable holding the key, or NULL */
    const char *auth_header; /* e.g. "Authorization: Bearer " (the key is appended) */
    int64_t t_intended;      /* monotonic ns; 0 = now. A later time is held until due. */
    long timeout_connect_ms, timeout_first_ms, timeout_idle_ms, timeout_total_ms; /* 0: none */
    size_t max_response;  /* cap on response bytes; 0: 64 MiB */
    int http_version;     /* 0: libcurl's default, 1: HTTP/1.1, 2: HTTP/2 (TLS), 3: HTTP/2 only */
    int insecure;         /* skip TLS verification (never the default) */
    int fresh_connection; /* never reuse a connection: time DNS, connect and TLS every time */
    const struct sd_fast *fast; /* settle plain events in C (see fast.h); NULL: queue them all */
};

/* Queued: SSE events the fast path did not settle, and one DONE per transfer. Comments and
   settled events go only to the transfer's timeline. */
enum sd_probe_ev_kind { SD_PEV_EVENT = 1, SD_PEV_DONE = 3 };

/* One queued item. Pointers are valid until the next sd_probe_step. */
struct sd_probe_ev {
    int id;
    enum sd_probe_ev_kind kind;
    uint32_t seq; /* its 1-based place in the transfer's timeline */
    int64_t t_ns;
    size_t wire_bytes;
    const char *name, *data;
    size_t name_len, data_len;
};

/* What a finished transfer came to; filled by sd_probe_result. */
struct sd_probe_result {
    const char *code; /* "ok" or a transport class: timeout_idle, connect_error, ... */
    const char *message;
    long http_status;
    long http_version; /* 11, 20, ... */
    int64_t t_intended, t_send, t_end, t_first_byte;
    double dns_ms, connect_ms, tls_ms, ttfb_ms; /* libcurl phases, from t_send */
    double send_ms; /* from t_send until libcurl began sending the request */
    uint64_t bytes;
    int is_sse, unterminated;
    const char *body; /* the whole body when the response was not SSE */
    size_t body_len;
    const char *headers; /* raw response header block */
    size_t headers_len;
    uint64_t sse_error_offset; /* byte offset of a malformed/oversize event, when code says so */
    /* every SSE event and comment in arrival order: time, wire bytes, kind letter ('c' comment,
       '?' queued to the caller, else the fast path's letter) */
    const int64_t *tl_t;
    const uint32_t *tl_bytes;
    const char *tl_kind;
    size_t tl_n;
    const struct sd_fast_state *fast; /* what the fast path settled */
};

struct sd_probe_opts {
    size_t max_event; /* SSE event cap; 0: 1 MiB */
    long buffer_size; /* libcurl receive buffer; 0: 16 KiB */
};

/* Create an engine. Returns NULL with a message in err on failure. */
struct sd_probe *sd_probe_new(const struct sd_probe_opts *o, char *err, size_t errlen);

/* Stop every transfer and free everything. NULL is allowed. */
void sd_probe_free(struct sd_probe *p);

/* Queue a request. Returns its id (>= 0) or -1 with a message in err (the engine is unchanged). */
int sd_probe_add(struct sd_probe *p, const struct sd_probe_req *r, char *err, size_t errlen);

/*
** Run the transfers until at least one item is queued, until wait_ns has passed, or until
** nothing is left to do. Returns the number of items queued (read them with sd_probe_next).
*/
int sd_probe_step(struct sd_probe *p, int64_t wait_ns);

/* The next queued item, or NULL. */
const struct sd_probe_ev *sd_probe_next(struct sd_probe *p);

/* The first output-bearing event of transfer id has been seen: stop its first-token timer. */
void sd_probe_mark_output(struct sd_probe *p, int id);

/* End transfer id now with the given code (e.g. "cancelled", "script_error"); a DONE follows. */
void sd_probe_cancel(struct sd_probe *p, int id, const char *code);

/* Fill res for a transfer whose DONE was delivered; 0 on success, -1 for an unknown id. */
int sd_probe_result(struct sd_probe *p, int id, struct sd_probe_result *res);

/*
** Hand the finished transfer's timeline to the caller, who frees the three arrays with free().
** Afterwards the result's tl_* fields are empty. Returns the number of entries, or -1.
*/
long sd_probe_take_timeline(struct sd_probe *p, int id, int64_t **t, uint32_t **bytes, char **kind);

/* Forget a finished transfer (after its result has been read). */
void sd_probe_release(struct sd_probe *p, int id);

/* Transfers started and not done; transfers waiting for their intended time. */
int sd_probe_active(const struct sd_probe *p);
int sd_probe_pending(const struct sd_probe *p);

/*
** Raise the open-files soft limit toward want (up to the hard limit) and size the
** descriptor table for that many now, so that it does not grow while streams run. Returns
** the limit in force afterwards.
*/
long sd_probe_raise_nofile(long want);

#endif

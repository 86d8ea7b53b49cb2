/*
** sse.h: an incremental parser for Server-Sent Events (text/event-stream).
**
** It follows the WHATWG event-stream rules: lines end in LF, CRLF or CR (a CRLF may be split
** across two feeds), a leading BOM is dropped, ':' starts a comment, "data:" lines are joined
** with '\n', "event:" names the event, a blank line dispatches. Input may arrive in chunks cut
** at any byte. It knows nothing of JSON or of any provider; it only reports a data payload of
** exactly "[DONE]" with a flag, since that terminator is shared by many streaming APIs.
**
** It is not a socket reader and does not time anything: the caller stamps arrival times.
*/
#ifndef SONDE_SSE_H
#define SONDE_SSE_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

enum sd_sse_kind { SD_SSE_EVENT = 1, SD_SSE_COMMENT = 2 };

enum sd_sse_err {
    SD_SSE_OK = 0,
    SD_SSE_EOVERSIZE = 1, /* one event (or comment line) exceeded max_event bytes */
    SD_SSE_ENOMEM = 2,
    SD_SSE_ESTOPPED = 3, /* the callback asked to stop */
};

/* One parsed event. Pointers are valid only during the callback. */
struct sd_sse_event {
    enum sd_sse_kind kind;
    const char *name; /* "event:" value; "" when absent */
    size_t name_len;
    const char *data; /* joined data lines, or the comment text after ':' */
    size_t data_len;
    size_t wire_bytes;   /* bytes of input this event (or comment line) took */
    uint64_t end_offset; /* stream offset just past the event's last byte */
    int done;            /* data is exactly "[DONE]" */
};

/* Return 0 to go on, nonzero to stop parsing (sd_sse_feed then returns SD_SSE_ESTOPPED). */
typedef int (*sd_sse_cb)(void *ud, const struct sd_sse_event *ev);

struct sd_sse {
    struct sd_buf line, data, name;
    size_t max_event;   /* cap on one event's size; 0 means 1 MiB */
    uint64_t offset;    /* bytes consumed so far */
    size_t event_bytes; /* wire bytes since the last dispatch */
    int after_cr;       /* the previous byte was CR: a following LF belongs to it */
    int have_data;      /* a data: line was seen since the last dispatch */
    int bom_checked;
    int err;             /* sticky: once set, feed does nothing */
    uint64_t err_offset; /* stream offset where the error was found */
};

/* Set up a parser. max_event caps one event's bytes (0: 1 MiB). Allocates nothing yet. */
void sd_sse_init(struct sd_sse *p, size_t max_event);

/* Free the parser's buffers. The struct may be initialised again afterwards. */
void sd_sse_free(struct sd_sse *p);

/*
** Feed len bytes. Calls cb once per dispatched event and once per comment line, in order.
** Returns SD_SSE_OK or an error; an error is sticky and p->err_offset names the byte.
*/
int sd_sse_feed(struct sd_sse *p, const char *buf, size_t len, sd_sse_cb cb, void *ud);

/*
** The stream ended. Returns 1 when an event was left unterminated (data seen but no blank
** line), which the spec says to discard and which callers may treat as a truncated stream.
*/
int sd_sse_finish(struct sd_sse *p);

const char *sd_sse_strerror(int err);

#endif

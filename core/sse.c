/*
** sse.c: incremental text/event-stream parser (see sse.h).
**
** Written by hand rather than taken from a library: the parser sits on the per-byte hot path,
** must accept any chunking, and must report byte offsets and per-event wire sizes, which the
** small SSE libraries available as Debian packages do not do.
*/
#include "sse.h"

#include <stdlib.h>
#include <string.h>

#define SD_SSE_DEFAULT_MAX (1u << 20)

static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};

void sd_sse_init(struct sd_sse *p, size_t max_event)
{
    memset(p, 0, sizeof *p);
    p->max_event = max_event ? max_event : SD_SSE_DEFAULT_MAX;
}

void sd_sse_free(struct sd_sse *p)
{
    sd_buf_free(&p->line);
    sd_buf_free(&p->data);
    sd_buf_free(&p->name);
}

static int fail(struct sd_sse *p, int err)
{
    p->err = err;
    p->err_offset = p->offset;
    return err;
}

static int dispatch(struct sd_sse *p, sd_sse_cb cb, void *ud)
{
    int rc = 0;
    if (p->have_data) {
        struct sd_sse_event ev;
        p->data.len--; /* the spec drops the final '\n' */
        p->data.p[p->data.len] = '\0';
        ev.kind = SD_SSE_EVENT;
        ev.name = p->name.p ? p->name.p : "";
        ev.name_len = p->name.len;
        ev.data = p->data.p;
        ev.data_len = p->data.len;
        ev.wire_bytes = p->event_bytes;
        ev.end_offset = p->offset;
        ev.done = p->data.len == 6 && memcmp(p->data.p, "[DONE]", 6) == 0;
        rc = cb(ud, &ev);
    }
    p->data.len = 0;
    p->name.len = 0;
    p->have_data = 0;
    p->event_bytes = 0;
    return rc ? fail(p, SD_SSE_ESTOPPED) : 0;
}

/* One complete line (without its terminator); wire is its length with the terminator. */
static int process_line(struct sd_sse *p, const char *s, size_t n, size_t wire, sd_sse_cb cb,
                        void *ud)
{
    if (n == 0) {
        p->event_bytes += wire;
        return dispatch(p, cb, ud);
    }
    if (s[0] == ':') {
        struct sd_sse_event ev = {0};
        size_t skip = (n > 1 && s[1] == ' ') ? 2 : 1;
        ev.kind = SD_SSE_COMMENT;
        ev.name = "";
        ev.data = s + skip;
        ev.data_len = n - skip;
        ev.wire_bytes = wire;
        ev.end_offset = p->offset;
        return cb(ud, &ev) ? fail(p, SD_SSE_ESTOPPED) : 0;
    }
    p->event_bytes += wire;
    const char *colon = memchr(s, ':', n);
    size_t flen = colon ? (size_t)(colon - s) : n;
    const char *v = colon ? colon + 1 : s + n;
    size_t vlen = colon ? n - flen - 1 : 0;
    if (vlen && v[0] == ' ') {
        v++;
        vlen--;
    }
    if (flen == 4 && memcmp(s, "data", 4) == 0) {
        if (p->data.len + vlen + 1 > p->max_event)
            return fail(p, SD_SSE_EOVERSIZE);
        if (sd_buf_add(&p->data, v, vlen) || sd_buf_add(&p->data, "\n", 1))
            return fail(p, SD_SSE_ENOMEM);
        p->have_data = 1;
    } else if (flen == 5 && memcmp(s, "event", 5) == 0) {
        p->name.len = 0;
        if (sd_buf_add(&p->name, v, vlen))
            return fail(p, SD_SSE_ENOMEM);
    }
    /* "id", "retry" and unknown fields are ignored, as the spec says. */
    return 0;
}

/* Returns the number of leading bytes of buf that belong to a BOM (or its start). */
static size_t skip_bom(struct sd_sse *p, const char *buf, size_t len)
{
    size_t i = 0;
    while (p->bom_checked < 3 && i < len) {
        if ((unsigned char)buf[i] != bom[p->bom_checked]) {
            /* Not a BOM after all: the bytes matched so far were content. */
            if (p->bom_checked > 0 && p->bom_checked < 3)
                sd_buf_add(&p->line, (const char *)bom, (size_t)p->bom_checked);
            p->bom_checked = 3;
            return i;
        }
        p->bom_checked++;
        i++;
    }
    return i;
}

int sd_sse_feed(struct sd_sse *p, const char *buf, size_t len, sd_sse_cb cb, void *ud)
{
    if (p->err)
        return p->err;
    size_t i = 0;
    if (p->bom_checked < 3) {
        i = skip_bom(p, buf, len);
        p->offset += i;
    }
    while (i < len) {
        if (p->after_cr) {
            p->after_cr = 0;
            if (buf[i] == '\n') {
                i++;
                p->offset++;
                continue;
            }
        }
        /* the next line end: memchr for LF, then for a CR before it (CR is rare) */
        const char *lf = memchr(buf + i, '\n', len - i);
        size_t lim = lf ? (size_t)(lf - buf) : len;
        const char *cr = memchr(buf + i, '\r', lim - i);
        size_t j = cr ? (size_t)(cr - buf) : lim;
        if (j == len) {
            if (p->line.len + (len - i) > p->max_event) {
                p->offset += len - i;
                return fail(p, SD_SSE_EOVERSIZE);
            }
            if (sd_buf_add(&p->line, buf + i, len - i))
                return fail(p, SD_SSE_ENOMEM);
            p->offset += len - i;
            return 0;
        }
        p->offset += j - i + 1;
        p->after_cr = buf[j] == '\r';
        int rc;
        if (p->line.len) {
            size_t wire = p->line.len + (j - i) + 1;
            if (sd_buf_add(&p->line, buf + i, j - i))
                return fail(p, SD_SSE_ENOMEM);
            rc = process_line(p, p->line.p, p->line.len, wire, cb, ud);
            p->line.len = 0;
        } else {
            rc = process_line(p, buf + i, j - i, j - i + 1, cb, ud);
        }
        if (rc)
            return rc;
        i = j + 1;
    }
    return 0;
}

int sd_sse_finish(struct sd_sse *p)
{
    return p->have_data || p->line.len > 0;
}

const char *sd_sse_strerror(int err)
{
    switch (err) {
    case SD_SSE_OK:
        return "ok";
    case SD_SSE_EOVERSIZE:
        return "event exceeds the size cap";
    case SD_SSE_ENOMEM:
        return "out of memory";
    case SD_SSE_ESTOPPED:
        return "stopped by the caller";
    }
    return "unknown error";
}

/*
** buf.h: a growable byte buffer, always NUL-terminated, for the core's own use.
*/
#ifndef SONDE_BUF_H
#define SONDE_BUF_H

#include <stdlib.h>
#include <string.h>

struct sd_buf {
    char *p;
    size_t len, cap;
};

/* Append n bytes of s (s may be NULL when n is 0). Returns 0, or -1 when out of memory. */
static inline int sd_buf_add(struct sd_buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static inline void sd_buf_free(struct sd_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

#endif

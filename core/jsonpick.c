/*
** jsonpick.c: fixed-path reads over an in-place tokenisation (see jsonpick.h).
**
** The tokeniser is written by hand: on the per-event path a tree-building parser (cJSON)
** spent most of its time allocating and converting, and jsmn, the small tokeniser Debian
** ships, about 23 instructions a byte in its character loop (callgrind). This one finds the
** end of a string with memchr and records where each subtree ends, so a walk skips a value
** in one step.
*/
#include "jsonpick.h"

#include <stdlib.h>
#include <string.h>

struct sd_jplan *sd_jplan_new(int n)
{
    struct sd_jplan *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = n;
    p->len = calloc((size_t)(n > 0 ? n : 1), sizeof *p->len);
    p->step = calloc((size_t)(n > 0 ? n : 1) * SD_JPICK_DEPTH, sizeof *p->step);
    if (!p->len || !p->step) {
        sd_jplan_free(p);
        return NULL;
    }
    return p;
}

int sd_jplan_set(struct sd_jplan *p, int i, int j, const char *key, int index)
{
    if (i < 0 || i >= p->n || j < 0 || j >= SD_JPICK_DEPTH)
        return -1;
    struct sd_jstep *s = &p->step[i * SD_JPICK_DEPTH + j];
    free(s->key);
    s->key = key ? strdup(key) : NULL;
    s->key_len = key ? strlen(key) : 0;
    s->index = index;
    if (key && !s->key)
        return -1;
    if (p->len[i] < j + 1)
        p->len[i] = j + 1;
    return 0;
}

void sd_jplan_free(struct sd_jplan *p)
{
    if (!p)
        return;
    if (p->step)
        for (int i = 0; i < p->n * SD_JPICK_DEPTH; i++)
            free(p->step[i].key);
    free(p->step);
    free(p->len);
    free(p->node);
    free(p->term);
    free(p);
}

static int same_step(const struct sd_jstep *a, const struct sd_jstep *b)
{
    if (a->key && b->key)
        return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
    return !a->key && !b->key && a->index == b->index;
}

/* Level by level and parent by parent, so that each node's children are contiguous. */
int sd_jplan_compile(struct sd_jplan *p)
{
    if (p->n > SD_JPICK_PATHS)
        return -1;
    free(p->node);
    free(p->term);
    p->node = calloc((size_t)(1 + p->n * SD_JPICK_DEPTH), sizeof *p->node);
    p->term = calloc((size_t)(p->n > 0 ? p->n : 1), sizeof *p->term);
    if (!p->node || !p->term)
        return -1;
    int *at = p->term; /* the node each path has reached; its end once done */
    p->nnode = 1;
    int level = 0, level_end = 1;
    for (int depth = 0; depth < SD_JPICK_DEPTH && level < level_end; depth++) {
        for (int parent = level; parent < level_end; parent++) {
            struct sd_jnode *pn = &p->node[parent];
            pn->first = p->nnode;
            for (int i = 0; i < p->n; i++) {
                if (at[i] != parent || p->len[i] <= depth)
                    continue;
                const struct sd_jstep *st = &p->step[i * SD_JPICK_DEPTH + depth];
                int found = -1;
                for (int c = pn->first; c < pn->first + pn->nchild && found < 0; c++)
                    if (same_step(p->node[c].edge, st))
                        found = c;
                if (found < 0) {
                    found = p->nnode++;
                    p->node[found].edge = st;
                    pn->nchild++;
                }
                at[i] = found;
            }
        }
        level = level_end;
        level_end = p->nnode;
    }
    return 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? starting at s[i]; returns the end or -1 */
static long scan_number(const char *s, size_t n, size_t i)
{
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || !is_digit(s[i]))
        return -1;
    if (s[i] == '0')
        i++;
    else
        while (i < n && is_digit(s[i]))
            i++;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !is_digit(s[i]))
            return -1;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i]))
            return -1;
        while (i < n && is_digit(s[i]))
            i++;
    }
    return (long)i;
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string whose opening quote is at s[i-1]; returns the index of its closing quote or -1. */
static long scan_string(const char *s, size_t n, size_t i)
{
    for (;;) {
        const char *q = memchr(s + i, '"', n - i);
        if (!q)
            return -1;
        size_t end = (size_t)(q - s);
        const char *bs = memchr(s + i, '\\', end - i);
        if (!bs)
            return (long)end;
        i = (size_t)(bs - s) + 1; /* at the escaped character */
        if (i >= n)
            return -1;
        char c = s[i];
        if (c == 'u') {
            if (i + 4 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) ||
                !is_hex(s[i + 4]))
                return -1;
            i += 5;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                   c == 'r' || c == 't') {
            i++;
        } else {
            return -1;
        }
    }
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

struct tokeniser {
    struct sd_jdoc *d;
    const char *s;
    size_t n, pos;
    int nest;
    int err; /* SD_JPICK_INVALID or SD_JPICK_TOO_BIG */
};

static int new_token(struct tokeniser *t, int type, size_t start)
{
    if (t->d->ntok >= SD_JPICK_TOKENS) {
        t->err = SD_JPICK_TOO_BIG;
        return -1;
    }
    int k = t->d->ntok++;
    struct sd_jtok *tk = &t->d->tok[k];
    tk->type = (unsigned char)type;
    tk->start = (int)start;
    tk->end = (int)start;
    tk->size = 0;
    tk->next = k + 1;
    return k;
}

static int value(struct tokeniser *t);

static int string_token(struct tokeniser *t)
{
    int k = new_token(t, SD_JT_STRING, t->pos + 1);
    if (k < 0)
        return -1;
    long q = scan_string(t->s, t->n, t->pos + 1);
    if (q < 0) {
        t->err = SD_JPICK_INVALID;
        return -1;
    }
    t->d->tok[k].end = (int)q;
    t->pos = (size_t)q + 1;
    return k;
}

/* An object or array whose opening bracket is at pos. */
static int container(struct tokeniser *t, int is_object)
{
    char close = is_object ? '}' : ']';
    if (++t->nest > SD_JPICK_NEST) {
        t->err = SD_JPICK_TOO_BIG;
        return -1;
    }
    int k = new_token(t, is_object ? SD_JT_OBJECT : SD_JT_ARRAY, t->pos);
    if (k < 0)
        return -1;
    t->pos = skip_ws(t->s, t->n, t->pos + 1);
    if (t->pos < t->n && t->s[t->pos] == close) {
        t->pos++;
    } else {
        for (;;) {
            if (is_object) {
                if (t->pos >= t->n || t->s[t->pos] != '"' || string_token(t) < 0)
                    goto bad;
                t->pos = skip_ws(t->s, t->n, t->pos);
                if (t->pos >= t->n || t->s[t->pos] != ':')
                    goto bad;
                t->pos = skip_ws(t->s, t->n, t->pos + 1);
            }
            if (value(t) < 0)
                return -1;
            t->d->tok[k].size++;
            t->pos = skip_ws(t->s, t->n, t->pos);
            if (t->pos < t->n && t->s[t->pos] == ',') {
                t->pos = skip_ws(t->s, t->n, t->pos + 1);
                continue;
            }
            if (t->pos < t->n && t->s[t->pos] == close) {
                t->pos++;
                break;
            }
            goto bad;
        }
    }
    t->nest--;
    t->d->tok[k].end = (int)t->pos;
    t->d->tok[k].next = t->d->ntok;
    return k;
bad:
    if (!t->err)
        t->err = SD_JPICK_INVALID;
    return -1;
}

static int literal(struct tokeniser *t, const char *word, size_t len)
{
    if (t->n - t->pos < len || memcmp(t->s + t->pos, word, len) != 0) {
        t->err = SD_JPICK_INVALID;
        return -1;
    }
    int k = new_token(t, SD_JT_PRIMITIVE, t->pos);
    if (k < 0)
        return -1;
    t->pos += len;
    t->d->tok[k].end = (int)t->pos;
    return k;
}

static int value(struct tokeniser *t)
{
    if (t->pos >= t->n) {
        t->err = SD_JPICK_INVALID;
        return -1;
    }
    switch (t->s[t->pos]) {
    case '{':
        return container(t, 1);
    case '[':
        return container(t, 0);
    case '"':
        return string_token(t);
    case 't':
        return literal(t, "true", 4);
    case 'f':
        return literal(t, "false", 5);
    case 'n':
        return literal(t, "null", 4);
    default: {
        long e = scan_number(t->s, t->n, t->pos);
        if (e < 0) {
            t->err = SD_JPICK_INVALID;
            return -1;
        }
        int k = new_token(t, SD_JT_PRIMITIVE, t->pos);
        if (k < 0)
            return -1;
        t->pos = (size_t)e;
        t->d->tok[k].end = (int)e;
        return k;
    }
    }
}

int sd_jpick_parse(struct sd_jdoc *d, const char *text, size_t len, size_t *err_at)
{
    struct tokeniser t = {d, text, len, 0, 0, 0};
    d->text = text;
    d->ntok = 0;
    t.pos = skip_ws(text, len, 0);
    if (t.pos < len && (text[t.pos] == '{' || text[t.pos] == '[') && value(&t) >= 0) {
        t.pos = skip_ws(text, len, t.pos);
        if (t.pos == len)
            return SD_JPICK_OK;
        t.err = SD_JPICK_INVALID;
    }
    if (!t.err)
        t.err = SD_JPICK_INVALID;
    if (err_at)
        *err_at = t.pos;
    d->ntok = 0;
    return t.err;
}

/* Record tok as node's value, then match its members or elements against node's children. */
static void visit(const struct sd_jplan *p, const struct sd_jdoc *d, int node, int tok, int *val)
{
    val[node] = tok;
    const struct sd_jnode *n = &p->node[node];
    if (n->nchild == 0)
        return;
    const struct sd_jtok *t = &d->tok[tok];
    if (t->type == SD_JT_OBJECT) {
        int k = tok + 1;
        for (int m = 0; m < t->size; m++) {
            const struct sd_jtok *key = &d->tok[k];
            size_t kl = (size_t)(key->end - key->start);
            for (int c = n->first; c < n->first + n->nchild; c++) {
                const struct sd_jstep *e = p->node[c].edge;
                /* keys with escapes are compared raw: a plan's keys have none */
                if (e->key && e->key_len == kl && memcmp(d->text + key->start, e->key, kl) == 0)
                    visit(p, d, c, k + 1, val);
            }
            k = d->tok[k + 1].next;
        }
    } else if (t->type == SD_JT_ARRAY) {
        int k = tok + 1;
        for (int m = 0; m < t->size; m++) {
            for (int c = n->first; c < n->first + n->nchild; c++) {
                const struct sd_jstep *e = p->node[c].edge;
                if (!e->key && e->index == m)
                    visit(p, d, c, k, val);
            }
            k = d->tok[k].next;
        }
    }
}

void sd_jpick_get(const struct sd_jplan *p, const struct sd_jdoc *d, int *out)
{
    int val[1 + SD_JPICK_PATHS * SD_JPICK_DEPTH];
    for (int i = 0; i < p->nnode; i++)
        val[i] = -1;
    if (d->ntok > 0)
        visit(p, d, 0, 0, val);
    for (int i = 0; i < p->n; i++)
        out[i] = val[p->term[i]];
}

enum sd_jtype sd_jpick_type(const struct sd_jdoc *d, int i)
{
    if (i < 0)
        return SD_J_ABSENT;
    const struct sd_jtok *t = &d->tok[i];
    switch (t->type) {
    case SD_JT_STRING:
        return SD_J_STRING;
    case SD_JT_OBJECT:
    case SD_JT_ARRAY:
        return SD_J_COMPOSITE;
    default: {
        char c = d->text[t->start];
        return c == 'n' ? SD_J_NULL : (c == 't' || c == 'f') ? SD_J_BOOL : SD_J_NUMBER;
    }
    }
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned h = (c >= '0' && c <= '9')   ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                     : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10)
                                              : 16u;
        if (h > 15)
            return -1;
        *v = *v * 16 + h;
    }
    return 0;
}

/* Decode the string token into out (when out is not NULL); returns the decoded length. */
static size_t decode(const struct sd_jdoc *d, int i, char *out)
{
    const char *s = d->text + d->tok[i].start;
    const char *e = d->text + d->tok[i].end;
    size_t n = 0;
    while (s < e) {
        if (*s != '\\') {
            if (out)
                out[n] = *s;
            n++;
            s++;
            continue;
        }
        char c = s[1];
        s += 2;
        if (c != 'u') {
            char v = c == 'n'   ? '\n'
                     : c == 't' ? '\t'
                     : c == 'r' ? '\r'
                     : c == 'b' ? '\b'
                     : c == 'f' ? '\f'
                                : c;
            if (out)
                out[n] = v;
            n++;
            continue;
        }
        unsigned cp = 0, lo = 0;
        hex4(s, &cp); /* the tokeniser has checked the four hex digits */
        s += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && e - s >= 6 && s[0] == '\\' && s[1] == 'u' &&
            hex4(s + 2, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            s += 6;
        }
        unsigned char b[4];
        size_t k;
        if (cp < 0x80) {
            b[0] = (unsigned char)cp;
            k = 1;
        } else if (cp < 0x800) {
            b[0] = (unsigned char)(0xC0 | (cp >> 6));
            b[1] = (unsigned char)(0x80 | (cp & 0x3F));
            k = 2;
        } else if (cp < 0x10000) {
            b[0] = (unsigned char)(0xE0 | (cp >> 12));
            b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp & 0x3F));
            k = 3;
        } else {
            b[0] = (unsigned char)(0xF0 | (cp >> 18));
            b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            b[3] = (unsigned char)(0x80 | (cp & 0x3F));
            k = 4;
        }
        if (out)
            memcpy(out + n, b, k);
        n += k;
    }
    return n;
}

size_t sd_jpick_strlen(const struct sd_jdoc *d, int i)
{
    const struct sd_jtok *t = &d->tok[i];
    if (!memchr(d->text + t->start, '\\', (size_t)(t->end - t->start)))
        return (size_t)(t->end - t->start);
    return decode(d, i, NULL);
}

long sd_jpick_str(const struct sd_jdoc *d, int i, char *out, size_t cap)
{
    size_t n = sd_jpick_strlen(d, i);
    if (n + 1 > cap)
        return -1;
    decode(d, i, out);
    out[n] = '\0';
    return (long)n;
}

/*
** test_sse.c: the SSE parser on hand-made streams with known answers, and on real recorded
** provider streams fed whole, byte by byte, and split at every offset: every way of cutting
** the input must give the same events.
*/
#include "sse.h"
#include "test.h"

#include <stdlib.h>

struct rec {
    char log[1 << 20]; /* every event serialised: kind, name, data */
    size_t len;
    int events, comments, done;
    size_t wire;
};

static int on_event(void *ud, const struct sd_sse_event *ev)
{
    struct rec *r = ud;
    int n = snprintf(r->log + r->len, sizeof r->log - r->len, "%c[%.*s]{%.*s}\n",
                     ev->kind == SD_SSE_EVENT ? 'E' : 'C', (int)ev->name_len, ev->name,
                     (int)ev->data_len, ev->data);
    if (n > 0 && r->len + (size_t)n < sizeof r->log)
        r->len += (size_t)n;
    if (ev->kind == SD_SSE_EVENT)
        r->events++;
    else
        r->comments++;
    r->done += ev->done;
    r->wire += ev->wire_bytes;
    return 0;
}

/* Parse s cut at the given offsets (ascending, within len); returns the parser error. */
static int parse_cuts(const char *s, size_t len, const size_t *cuts, int ncuts, struct rec *r)
{
    struct sd_sse p;
    memset(r, 0, sizeof *r);
    sd_sse_init(&p, 0);
    size_t at = 0;
    int rc = 0;
    for (int i = 0; i <= ncuts && !rc; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        rc = sd_sse_feed(&p, s + at, end - at, on_event, r);
        at = end;
    }
    sd_sse_free(&p);
    return rc;
}

static int parse_whole(const char *s, struct rec *r)
{
    return parse_cuts(s, strlen(s), NULL, 0, r);
}

static struct rec a, b;

static void test_basics(void)
{
    CHECK_INT(parse_whole("data: hello\n\n", &a), 0);
    CHECK_STR(a.log, "E[]{hello}\n");
    CHECK_INT(a.wire, 13);

    /* CRLF and lone CR endings, multi-line data joined with \n, one leading space dropped */
    parse_whole("data:one\r\ndata:  two\r\n\r\ndata: three\r\r", &a);
    CHECK_STR(a.log, "E[]{one\n two}\nE[]{three}\n");

    /* event names, comments, [DONE], unknown fields and id/retry ignored */
    parse_whole(": keep-alive\nevent: error\nid: 7\nretry: 10\nfoo: bar\ndata: {\"x\":1}\n\n"
                "data: [DONE]\n\n",
                &a);
    CHECK_STR(a.log, "C[]{keep-alive}\nE[error]{{\"x\":1}}\nE[]{[DONE]}\n");
    CHECK_INT(a.done, 1);
    CHECK_INT(a.comments, 1);

    /* a blank line with no data dispatches nothing and resets the event name */
    parse_whole("event: ping\n\ndata: x\n\n", &a);
    CHECK_STR(a.log, "E[]{x}\n");

    /* a field with no colon is a field name with an empty value: "data" alone is an empty line */
    parse_whole("data\n\n", &a);
    CHECK_STR(a.log, "E[]{}\n");

    /* a leading UTF-8 BOM is dropped, but only at the very start */
    parse_whole("\xEF\xBB\xBF"
                "data: a\n\n",
                &a);
    CHECK_STR(a.log, "E[]{a}\n");
    size_t cut1[] = {1, 2};
    parse_cuts("\xEF\xBB\xBF"
               "data: a\n\n",
               12, cut1, 2, &a);
    CHECK_STR(a.log, "E[]{a}\n");
}

static void test_unterminated_and_oversize(void)
{
    struct sd_sse p;
    struct rec r = {0};
    sd_sse_init(&p, 0);
    CHECK_INT(sd_sse_feed(&p, "data: a\n\ndata: partial", 22, on_event, &r), 0);
    CHECK_INT(r.events, 1);
    CHECK_INT(sd_sse_finish(&p), 1); /* a trailing event with no blank line */
    sd_sse_free(&p);

    sd_sse_init(&p, 64);
    memset(&r, 0, sizeof r);
    char big[200];
    memset(big, 'x', sizeof big);
    CHECK_INT(sd_sse_feed(&p, "data: ok\n\ndata: ", 16, on_event, &r), 0);
    CHECK_INT(sd_sse_feed(&p, big, sizeof big, on_event, &r), SD_SSE_EOVERSIZE);
    CHECK_INT(r.events, 1);
    CHECK(p.err_offset >= 64 && p.err_offset <= 16 + sizeof big);
    /* the error is sticky */
    CHECK_INT(sd_sse_feed(&p, "\n\n", 2, on_event, &r), SD_SSE_EOVERSIZE);
    sd_sse_free(&p);

    /* a stream made of many short data lines that add up past the cap */
    sd_sse_init(&p, 64);
    memset(&r, 0, sizeof r);
    int rc = 0;
    for (int i = 0; i < 20 && !rc; i++)
        rc = sd_sse_feed(&p, "data: 0123456789\n", 17, on_event, &r);
    CHECK_INT(rc, SD_SSE_EOVERSIZE);
    sd_sse_free(&p);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    *len = fread(s, 1, (size_t)n, f);
    s[*len] = '\0';
    fclose(f);
    return s;
}

struct fixture {
    const char *file;
    int events, comments, done; /* counted independently with grep -c '^data:' etc. */
};

static const struct fixture fixtures[] = {
    {"pydantic-ai__openrouter_stream_keepalive_comments_midstream_error.sse", 5, 18, 1},
    {"pydantic-ai__groq_gpt-oss-120b_stream_tool_use_failed_error.0.sse", 95, 1, 0},
    {"pydantic-ai__groq_gpt-oss-120b_stream_tool_use_failed_error.2.sse", 51, 1, 1},
    {"pydantic-ai__anthropic_messages_stream_thinking.sse", 118, 1, 0},
    {"pydantic-ai__openai_gpt-4o-mini_stream.0.sse", 9, 1, 1},
    {"pydantic-ai__crusoe_llama-3.3-70b_stream_usage_final_chunk.sse", 17, 1, 1},
    {"pydantic-ai__deepseek_reasoner_stream_reasoning_content.sse", 212, 1, 1},
    {"pydantic-ai__hf-router-together_deepseek-r1_stream_think_tags.sse", 956, 1, 1},
    {"pydantic-ai__openrouter_stream_reasoning_claude.sse", 15, 5, 1},
    {"pydantic-ai__zai_glm-4.7_stream_reasoning_content.sse", 94, 1, 1},
};

/* Replace every LF with CRLF (or CR), to check each line-ending style on real data. */
static char *reline(const char *s, size_t len, const char *eol, size_t *out_len)
{
    size_t el = strlen(eol), n = 0;
    char *o = malloc(len * el + 1);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            memcpy(o + n, eol, el);
            n += el;
        } else {
            o[n++] = s[i];
        }
    }
    o[n] = '\0';
    *out_len = n;
    return o;
}

static void check_all_splits(const char *name, const char *s, size_t len)
{
    /* the reference: whole */
    CHECK_INT(parse_cuts(s, len, NULL, 0, &a), 0);
    CHECK_INT(a.wire + 0 <= len, 1);
    /* every single cut for small inputs, a stride for large ones */
    size_t stride = len <= 24000 ? 1 : len / 4000;
    int bad = 0;
    for (size_t k = 1; k < len; k += stride) {
        parse_cuts(s, len, &k, 1, &b);
        if (b.len != a.len || memcmp(a.log, b.log, a.len) != 0) {
            if (!bad++)
                fprintf(stderr, "%s: split at byte %zu changes the events\n", name, k);
        }
    }
    CHECK_INT(bad, 0);
    /* byte by byte */
    size_t *cuts = malloc(len * sizeof *cuts);
    for (size_t k = 0; k + 1 < len; k++)
        cuts[k] = k + 1;
    parse_cuts(s, len, cuts, (int)len - 1, &b);
    free(cuts);
    CHECK(b.len == a.len && memcmp(a.log, b.log, a.len) == 0);
}

static void test_fixtures(const char *dir)
{
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        const struct fixture *fx = &fixtures[i];
        char path[1024];
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, fx->file);
        char *s = slurp(path, &len);
        CHECK(s != NULL);
        if (!s)
            continue;
        CHECK_INT(parse_cuts(s, len, NULL, 0, &a), 0);
        CHECK_INT(a.events, fx->events);
        CHECK_INT(a.comments, fx->comments);
        CHECK_INT(a.done, fx->done);
        check_all_splits(fx->file, s, len);

        static const char *eols[] = {"\r\n", "\r"};
        for (int e = 0; e < 2; e++) {
            size_t rl;
            char *r = reline(s, len, eols[e], &rl);
            static struct rec lf;
            parse_cuts(s, len, NULL, 0, &lf);
            parse_cuts(r, rl, NULL, 0, &b);
            CHECK(b.len == lf.len && memcmp(lf.log, b.log, lf.len) == 0);
            if (len < 24000)
                check_all_splits(fx->file, r, rl);
            free(r);
        }
        free(s);
    }
}

int main(int argc, char **argv)
{
    test_basics();
    test_unterminated_and_oversize();
    test_fixtures(argc > 1 ? argv[1] : "tests/fixtures/sse");
    return TEST_DONE();
}

/*
** mock_wire.c: the openai-chat wire format the mock speaks (see mock_wire.h). The shapes follow
** recorded provider streams (tests/fixtures/sse): chat.completion.chunk objects, a usage-only
** final chunk with empty choices, "[DONE]", and error bodies shaped like the quoted ones.
*/
#include "mock_wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const words[] = {
    " the",    " service", " object", " is",         " not",     " the",     " model",
    " name",   ";",        " each",   " endpoint",   " differs", " in",      " latency",
    ",",       " price",   " and",    " throughput", ".",        " measure", " it",
    " before", " you",     " route",  " to",         " it",
};
#define NWORDS (int)(sizeof words / sizeof words[0])

const char *sd_wire_word(int i)
{
    return words[(i < 0 ? -i : i) % NWORDS];
}

/* snprintf that reports overflow as -1 and advances a cursor */
struct out {
    char *p;
    size_t cap, len;
    int bad;
};

static void put(struct out *o, const char *fmt, ...)
{
    if (o->bad)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len)
        o->bad = 1;
    else
        o->len += (size_t)n;
}

static int done(struct out *o)
{
    return o->bad ? -1 : (int)o->len;
}

static void put_usage(struct out *o, const struct sd_wire_usage *u)
{
    put(o,
        "\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d,"
        "\"completion_tokens_details\":{\"reasoning_tokens\":%d}}",
        u->prompt, u->completion, u->prompt + u->completion, u->reasoning);
}

static void put_head(struct out *o, const struct sd_wire_ctx *c)
{
    put(o,
        "data: "
        "{\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"created\":%ld,\"model\":\"%s\",",
        c->id, c->created, c->model);
}

int sd_wire_delta(char *out, size_t cap, const struct sd_wire_ctx *c, enum sd_wire_part part,
                  int ntokens, int first_index, const struct sd_wire_usage *u)
{
    struct out o = {out, cap, 0, 0};
    const char *field = part == SD_WIRE_ANSWER    ? "content"
                        : c->reasoning_field == 1 ? "reasoning"
                                                  : "reasoning_content";
    put_head(&o, c);
    put(&o, "\"choices\":[{\"index\":0,\"delta\":{\"%s\":\"", field);
    for (int i = 0; i < ntokens; i++)
        put(&o, "%s", sd_wire_word(first_index + i));
    put(&o, "\"},\"finish_reason\":null}]");
    if (u) {
        put(&o, ",");
        put_usage(&o, u);
    }
    put(&o, "}\n\n");
    return done(&o);
}

int sd_wire_finish(char *out, size_t cap, const struct sd_wire_ctx *c, const char *reason,
                   const struct sd_wire_usage *u)
{
    struct out o = {out, cap, 0, 0};
    put_head(&o, c);
    put(&o, "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"%s\"}]", reason);
    if (u) {
        put(&o, ",");
        put_usage(&o, u);
    }
    put(&o, "}\n\n");
    return done(&o);
}

int sd_wire_usage_only(char *out, size_t cap, const struct sd_wire_ctx *c,
                       const struct sd_wire_usage *u)
{
    struct out o = {out, cap, 0, 0};
    put_head(&o, c);
    put(&o, "\"choices\":[],");
    put_usage(&o, u);
    put(&o, "}\n\n");
    return done(&o);
}

int sd_wire_done(char *out, size_t cap)
{
    struct out o = {out, cap, 0, 0};
    put(&o, "data: [DONE]\n\n");
    return done(&o);
}

int sd_wire_stream_error(char *out, size_t cap, int as_event)
{
    struct out o = {out, cap, 0, 0};
    if (as_event)
        put(&o, "event: error\n");
    put(&o, "data: {\"error\":{\"message\":\"The upstream model failed while generating.\","
            "\"type\":\"server_error\",\"code\":\"upstream_error\"}}\n\n");
    return done(&o);
}

int sd_wire_malformed(char *out, size_t cap, const struct sd_wire_ctx *c)
{
    struct out o = {out, cap, 0, 0};
    put(&o, "data: {\"id\":\"%s\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" bro\n\n",
        c->id);
    return done(&o);
}

int sd_wire_keepalive(char *out, size_t cap)
{
    struct out o = {out, cap, 0, 0};
    put(&o, ": keep-alive\n\n");
    return done(&o);
}

char *sd_wire_completion(const struct sd_wire_ctx *c, int reasoning_tokens, int answer_tokens,
                         const char *reason, const struct sd_wire_usage *u)
{
    size_t cap = 512 + (size_t)(reasoning_tokens + answer_tokens) * 16;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    struct out o = {buf, cap, 0, 0};
    put(&o,
        "{\"id\":\"%s\",\"object\":\"chat.completion\",\"created\":%ld,\"model\":\"%s\","
        "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"",
        c->id, c->created, c->model);
    for (int i = 0; i < answer_tokens; i++)
        put(&o, "%s", sd_wire_word(reasoning_tokens + i));
    put(&o, "\"");
    if (reasoning_tokens > 0) {
        put(&o, ",\"%s\":\"", c->reasoning_field == 1 ? "reasoning" : "reasoning_content");
        for (int i = 0; i < reasoning_tokens; i++)
            put(&o, "%s", sd_wire_word(i));
        put(&o, "\"");
    }
    put(&o, "},\"finish_reason\":\"%s\"}],", reason);
    put_usage(&o, u);
    put(&o, "}");
    if (o.bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

const char *sd_wire_error_body(int status)
{
    switch (status) {
    case 429:
        return "{\"error\":{\"message\":\"Rate limit reached for requests. Please try again "
               "later.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
    case 500:
        return "{\"error\":{\"message\":\"The server had an error while processing your "
               "request.\",\"type\":\"server_error\",\"code\":null}}";
    case 503:
        return "{\"error\":{\"message\":\"The engine is currently overloaded, please try again "
               "later.\",\"type\":\"server_error\",\"code\":\"overloaded\"}}";
    case 404:
        return "{\"error\":{\"message\":\"The model or path does not exist.\","
               "\"type\":\"invalid_request_error\",\"code\":\"model_not_found\"}}";
    case 405:
        return "{\"error\":{\"message\":\"Method not allowed.\",\"type\":"
               "\"invalid_request_error\",\"code\":null}}";
    default:
        return "{\"error\":{\"message\":\"The request body is not valid JSON.\","
               "\"type\":\"invalid_request_error\",\"code\":null}}";
    }
}

int sd_wire_context_error(char *out, size_t cap, int limit, int requested, int prompt,
                          int completion)
{
    struct out o = {out, cap, 0, 0};
    put(&o,
        "{\"error\":{\"message\":\"This model's maximum context length is %d tokens. However, "
        "you requested %d tokens (%d in the messages, %d in the completion). Please reduce the "
        "length of the messages or completion.\",\"type\":\"invalid_request_error\","
        "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}",
        limit, requested, prompt, completion);
    return done(&o);
}

char *sd_wire_models(const char *model, int context)
{
    size_t cap = 256 + strlen(model);
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    snprintf(buf, cap,
             "{\"object\":\"list\",\"data\":[{\"id\":\"%s\",\"object\":\"model\",\"created\":0,"
             "\"owned_by\":\"sonde-mock\",\"context_length\":%d}]}",
             model, context);
    return buf;
}

/*
** mock_wire.h: what the mock writes on the wire, in the openai-chat format: streaming chunks,
** whole responses and error bodies. Kept apart from the scheduling in mock.c so the server
** core stays format-free; a second wire format would be a second file like this one.
*/
#ifndef SONDE_MOCK_WIRE_H
#define SONDE_MOCK_WIRE_H

#include <stddef.h>

struct sd_wire_ctx {
    const char *id, *model;
    long created;
    int reasoning_field; /* 0: reasoning_content, 1: reasoning */
};

struct sd_wire_usage {
    int prompt, completion, reasoning;
};

enum sd_wire_part { SD_WIRE_REASONING, SD_WIRE_ANSWER };

/* Each writer returns the bytes written into out (at most cap), or -1 if it did not fit. */
int sd_wire_delta(char *out, size_t cap, const struct sd_wire_ctx *c, enum sd_wire_part part,
                  int ntokens, int first_index, const struct sd_wire_usage *u);
int sd_wire_finish(char *out, size_t cap, const struct sd_wire_ctx *c, const char *reason,
                   const struct sd_wire_usage *u);
int sd_wire_usage_only(char *out, size_t cap, const struct sd_wire_ctx *c,
                       const struct sd_wire_usage *u);
int sd_wire_done(char *out, size_t cap);
int sd_wire_stream_error(char *out, size_t cap, int as_event);
int sd_wire_malformed(char *out, size_t cap, const struct sd_wire_ctx *c);
int sd_wire_keepalive(char *out, size_t cap);

/* A non-streaming completion body of n tokens. Returns malloc'd text, or NULL. */
char *sd_wire_completion(const struct sd_wire_ctx *c, int reasoning_tokens, int answer_tokens,
                         const char *reason, const struct sd_wire_usage *u);

/* Error bodies: 429, 500, 503, 404 (unknown profile or path), 400 (context). */
const char *sd_wire_error_body(int status);
int sd_wire_context_error(char *out, size_t cap, int limit, int requested, int prompt,
                          int completion);

/* The /v1/models listing for one model. Returns malloc'd text. */
char *sd_wire_models(const char *model, int context);

/* The filler word for token index i (each carries its leading space). */
const char *sd_wire_word(int i);

#endif

/*
** mock.h: the built-in mock provider: an OpenAI-compatible HTTP server on loopback that hosts
** many provider profiles on one port, each under its own path prefix (/PROFILE/v1/...).
**
** Each profile sets the timing (TTFT and inter-token distributions, tokens per chunk, output
** length), the usage reporting mode, a context limit, and fault rates. Events are scheduled
** against the request's arrival time, not against the previous write, so lateness does not
** accumulate; the lateness of every event actually written is kept (sd_mock_stats).
**
** It is not a load generator and not a model: the text it streams is filler words.
** The process must ignore SIGPIPE (the sonde host does): a client that hangs up mid-write
** would otherwise end it.
*/
#ifndef SONDE_MOCK_H
#define SONDE_MOCK_H

#include "rng.h"

#include <stddef.h>
#include <stdint.h>

enum sd_mock_usage { SD_USAGE_FINAL, SD_USAGE_EVERY, SD_USAGE_NONE };

enum sd_mock_fault {
    SD_FAULT_RATE_LIMIT,    /* 429 with Retry-After */
    SD_FAULT_RATE_LIMIT_NH, /* 429 without Retry-After */
    SD_FAULT_SERVER_ERROR,  /* 500 */
    SD_FAULT_OVERLOADED,    /* 503 */
    SD_FAULT_STREAM_ERROR,  /* an error object inside the 200 stream */
    SD_FAULT_EVENT_ERROR,   /* an "event: error" SSE event inside the 200 stream */
    SD_FAULT_MALFORMED,     /* a chunk that is not valid JSON */
    SD_FAULT_STALL,         /* stops sending mid-stream and keeps the connection open */
    SD_FAULT_DISCONNECT,    /* closes the connection mid-stream */
    SD_FAULT_SLOW_HEADERS,  /* holds the response headers for slow_headers_ms */
    SD_FAULT_COUNT
};

struct sd_mock_profile {
    char name[64];   /* path prefix */
    char model[128]; /* model id reported and listed */
    struct sd_dist ttft_ms, itl_ms, output_tokens;
    int tokens_per_chunk;
    int reasoning_tokens; /* tokens of reasoning before the answer */
    int reasoning_field;  /* 0: delta.reasoning_content, 1: delta.reasoning */
    enum sd_mock_usage usage;
    int context_limit; /* prompt + max_tokens above this: 400; 0: none */
    double fault_rate[SD_FAULT_COUNT];
    int fault_after_chunks; /* mid-stream faults strike after this many chunks */
    int retry_after_s;
    double keepalive_ms; /* ": keep-alive" comments this often before the first token */
    double slow_headers_ms;
    double stall_ms; /* a stalled stream is closed after this long */
};

struct sd_mock_opts {
    const char *host; /* default 127.0.0.1 */
    int port;         /* 0: any free port */
    uint64_t seed;
    int threads; /* server threads (event loops sharing the port); 0: 1 */
};

struct sd_mock_stats {
    uint64_t requests, streams, events;
    uint64_t late_over_1ms;
    int64_t max_late_ns;
    uint64_t late_hist[64]; /* events by lateness: bucket i holds [i*50us, (i+1)*50us) */
};

struct sd_mock;

/* Start serving (the server runs on its own threads). NULL with a message on failure. */
struct sd_mock *sd_mock_start(const struct sd_mock_opts *o, const struct sd_mock_profile *prof,
                              int nprof, char *err, size_t errlen);
int sd_mock_port(const struct sd_mock *m);
void sd_mock_get_stats(struct sd_mock *m, struct sd_mock_stats *s);

/* Stop serving, close every connection and free everything. NULL is allowed. */
void sd_mock_stop(struct sd_mock *m);

#endif

/*
** mock.c: the mock provider's server core (see mock.h), on libevent's evhttp.
**
** Each server thread runs one event loop with its own listener on the shared port
** (SO_REUSEPORT). A streaming response is a timer: when it fires it writes every event that
** is due as one HTTP chunk and re-arms for the next planned time, so a stream costs nothing
** between events and there is no hand-off between threads. The wire format lives in
** mock_wire.c; request bodies are parsed with cJSON.
**
** libevent rather than libmicrohttpd: with libmicrohttpd a waiting stream must be suspended
** and resumed from a timer thread, and at 1,000 streams (50,000 events a second) that
** hand-off and the daemon's walk over its suspended connections left 25% of events more than
** 1 ms late; evhttp also notices a client hang-up while a stream waits.
*/
#include "mock.h"

#include "clock.h"
#include "mock_wire.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define MAX_LOOPS 8

enum route { R_CHAT, R_MODELS, R_NOT_FOUND, R_BAD_METHOD };

enum phase {
    P_WAIT,      /* headers not sent yet (slow headers, or a non-streaming answer) */
    P_KEEPALIVE, /* streaming, before the first token */
    P_TOKENS,
    P_TAIL,  /* finish chunk, usage, [DONE] */
    P_STALL, /* stopped writing; the connection is dropped at t_next */
    P_END,
    P_ABORT,
};

struct req;

struct loop {
    struct sd_mock *m;
    struct req *live; /* requests we hold, for shutting down cleanly */
    struct event_base *base;
    struct evhttp *http;
    struct evconnlistener *lis;
    pthread_t thr;
    int started;
};

struct sd_mock {
    int port;
    struct sd_mock_profile *prof;
    int nprof;
    uint64_t seed;
    struct loop loop[MAX_LOOPS];
    int nloop;
    atomic_uint_fast64_t next_req;
    atomic_uint_fast64_t requests, streams, events, late_over_1ms;
    atomic_int_fast64_t max_late_ns;
    atomic_uint_fast64_t late_hist[64];
};

struct req {
    struct sd_mock *m;
    struct loop *lp;
    struct req *prev, *next; /* in lp->live */
    struct evhttp_request *hr;
    struct evhttp_connection *conn;
    struct event *timer;
    struct evbuffer *chunk;
    const struct sd_mock_profile *p;
    enum phase phase;
    struct sd_rng rng;
    int64_t t0, t_next, t_wait_until;
    int stream, max_tokens, prompt_tokens;
    enum sd_mock_fault fault; /* SD_FAULT_COUNT: none */
    int reasoning, answer, emitted, chunks;
    int chunked; /* the body is sent in HTTP/1.1 chunks */
    const char *finish_reason;
    struct sd_wire_ctx wire;
    char id[48];
    char *out;
    size_t out_cap, out_len;
};

/* ---- lateness bookkeeping ---- */

static void note_event(struct sd_mock *m, int64_t planned, int64_t now)
{
    int64_t late = now - planned;
    if (late < 0)
        late = 0;
    atomic_fetch_add(&m->events, 1);
    size_t b = (size_t)(late / 50000);
    atomic_fetch_add(&m->late_hist[b < 63 ? b : 63], 1);
    if (late > 1000000)
        atomic_fetch_add(&m->late_over_1ms, 1);
    int64_t cur = atomic_load(&m->max_late_ns);
    while (late > cur && !atomic_compare_exchange_weak(&m->max_late_ns, &cur, late)) {
    }
}

/* ---- the stream ---- */

static int64_t ms_ns(double ms)
{
    return (int64_t)(ms * 1e6);
}

static int ensure_out(struct req *r, size_t need)
{
    if (need <= r->out_cap)
        return 0;
    char *n = realloc(r->out, need);
    if (!n)
        return -1;
    r->out = n;
    r->out_cap = need;
    return 0;
}

static struct sd_wire_usage usage_now(const struct req *r)
{
    struct sd_wire_usage u;
    u.prompt = r->prompt_tokens;
    u.completion = r->emitted;
    u.reasoning = r->emitted < r->reasoning ? r->emitted : r->reasoning;
    return u;
}

/* Render the next chunk of tokens into r->out and plan the one after it. */
static void next_chunk(struct req *r, int64_t now)
{
    const struct sd_mock_profile *p = r->p;
    int total = r->reasoning + r->answer;
    int in_reasoning = r->emitted < r->reasoning;
    int left = in_reasoning ? r->reasoning - r->emitted : total - r->emitted;
    int n = p->tokens_per_chunk < left ? p->tokens_per_chunk : left;
    note_event(r->m, r->t_next, now);
    if (r->fault == SD_FAULT_MALFORMED && r->chunks == p->fault_after_chunks) {
        r->out_len = (size_t)sd_wire_malformed(r->out, r->out_cap, &r->wire);
    } else {
        r->emitted += n;
        struct sd_wire_usage u = usage_now(r);
        int w = sd_wire_delta(r->out, r->out_cap, &r->wire,
                              in_reasoning ? SD_WIRE_REASONING : SD_WIRE_ANSWER, n, r->emitted - n,
                              p->usage == SD_USAGE_EVERY ? &u : NULL);
        r->out_len = w > 0 ? (size_t)w : 0;
    }
    r->chunks++;
    if (r->emitted >= total)
        r->phase = P_TAIL;
    else
        r->t_next += ms_ns(sd_dist_sample(&p->itl_ms, &r->rng) * n);
}

/* Render the finish chunk, the usage chunk and [DONE] together. */
static void tail(struct req *r)
{
    struct sd_wire_usage u = usage_now(r);
    int a = sd_wire_finish(r->out, r->out_cap, &r->wire, r->finish_reason,
                           r->p->usage == SD_USAGE_EVERY ? &u : NULL);
    size_t len = a > 0 ? (size_t)a : 0;
    if (r->p->usage == SD_USAGE_FINAL) {
        int b = sd_wire_usage_only(r->out + len, r->out_cap - len, &r->wire, &u);
        len += b > 0 ? (size_t)b : 0;
    }
    int c = sd_wire_done(r->out + len, r->out_cap - len);
    len += c > 0 ? (size_t)c : 0;
    r->out_len = len;
    r->phase = P_END;
}

/* A fault that strikes mid-stream, once fault_after_chunks chunks are out. */
static int mid_stream_fault(struct req *r, int64_t now)
{
    if (r->chunks < r->p->fault_after_chunks)
        return 0;
    switch (r->fault) {
    case SD_FAULT_STREAM_ERROR:
    case SD_FAULT_EVENT_ERROR: {
        int as_event = r->fault == SD_FAULT_EVENT_ERROR;
        int w = sd_wire_stream_error(r->out, r->out_cap, as_event);
        size_t len = w > 0 ? (size_t)w : 0;
        if (!as_event) {
            int d = sd_wire_done(r->out + len, r->out_cap - len);
            len += d > 0 ? (size_t)d : 0;
        }
        r->out_len = len;
        r->phase = P_END;
        return 1;
    }
    case SD_FAULT_STALL:
        r->phase = P_STALL;
        r->t_next = now + ms_ns(r->p->stall_ms > 0 ? r->p->stall_ms : 600000);
        return 1;
    case SD_FAULT_DISCONNECT:
        r->phase = P_ABORT;
        return 1;
    default:
        return 0;
    }
}

static int count_words(const char *s)
{
    int n = 0, in = 0;
    for (; *s; s++) {
        int sp = isspace((unsigned char)*s);
        if (!sp && !in)
            n++;
        in = !sp;
    }
    return n;
}

/* Prompt size in the mock's own token unit: whitespace-separated words of every message. */
static int prompt_tokens(const cJSON *msgs)
{
    int n = 0;
    const cJSON *msg;
    cJSON_ArrayForEach(msg, msgs)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(msg, "content");
        if (cJSON_IsString(c)) {
            n += count_words(c->valuestring);
        } else if (cJSON_IsArray(c)) {
            const cJSON *part;
            cJSON_ArrayForEach(part, c)
            {
                const cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "text");
                if (cJSON_IsString(t))
                    n += count_words(t->valuestring);
            }
        }
    }
    return n;
}

static enum sd_mock_fault draw_fault(struct req *r)
{
    double u = sd_rng_uniform(&r->rng), acc = 0;
    for (int f = 0; f < SD_FAULT_COUNT; f++) {
        acc += r->p->fault_rate[f];
        if (u < acc)
            return (enum sd_mock_fault)f;
    }
    return SD_FAULT_COUNT;
}

/* Parse the body and decide everything about the response. Returns an HTTP status. */
static unsigned plan(struct req *r, const char *body, size_t len, char *err, size_t errlen)
{
    const struct sd_mock_profile *p = r->p;
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return 400;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "stream");
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(j, "max_tokens");
    if (!cJSON_IsNumber(mt))
        mt = cJSON_GetObjectItemCaseSensitive(j, "max_completion_tokens");
    r->stream = cJSON_IsTrue(st);
    r->max_tokens = cJSON_IsNumber(mt) ? (int)mt->valuedouble : 0;
    r->prompt_tokens = prompt_tokens(cJSON_GetObjectItemCaseSensitive(j, "messages"));
    cJSON_Delete(j);

    if (p->context_limit > 0 && r->prompt_tokens + r->max_tokens > p->context_limit) {
        sd_wire_context_error(err, errlen, p->context_limit, r->prompt_tokens + r->max_tokens,
                              r->prompt_tokens, r->max_tokens);
        return 413; /* marker: a 400 with the context body in err */
    }
    r->fault = draw_fault(r);
    switch (r->fault) {
    case SD_FAULT_RATE_LIMIT:
    case SD_FAULT_RATE_LIMIT_NH:
        return 429;
    case SD_FAULT_SERVER_ERROR:
        return 500;
    case SD_FAULT_OVERLOADED:
        return 503;
    default:
        break;
    }
    r->answer = (int)(sd_dist_sample(&p->output_tokens, &r->rng) + 0.5);
    if (r->answer < 1)
        r->answer = 1;
    r->reasoning = p->reasoning_tokens;
    r->finish_reason = "stop";
    if (r->max_tokens > 0 && r->reasoning + r->answer > r->max_tokens) {
        r->finish_reason = "length";
        if (r->reasoning > r->max_tokens)
            r->reasoning = r->max_tokens;
        r->answer = r->max_tokens - r->reasoning;
    }
    r->t_next = r->t0 + ms_ns(sd_dist_sample(&p->ttft_ms, &r->rng));
    return 200;
}

static void req_free(struct req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else if (r->lp && r->lp->live == r)
        r->lp->live = r->next;
    if (r->next)
        r->next->prev = r->prev;
    if (r->conn)
        evhttp_connection_set_closecb(r->conn, NULL, NULL);
    if (r->timer)
        event_free(r->timer);
    if (r->chunk)
        evbuffer_free(r->chunk);
    free(r->out);
    free(r);
}

/*
** The connection closed while we held its request. When the client went away (end of file)
** libevent has detached the unfinished request from the connection and leaves freeing it to
** us; when the server is shutting down it is still attached and libevent frees it.
*/
static void on_close(struct evhttp_connection *conn, void *arg)
{
    struct req *r = arg;
    if (r->hr && !evhttp_request_get_connection(r->hr))
        evhttp_request_free(r->hr);
    r->conn = NULL;
    r->hr = NULL;
    req_free(r);
}

static void arm(struct req *r, int64_t t)
{
    int64_t dt = t - sd_clock_ns();
    if (dt < 0)
        dt = 0;
    struct timeval tv = {(time_t)(dt / 1000000000), (suseconds_t)(dt % 1000000000 / 1000)};
    evtimer_add(r->timer, &tv);
}

/*
** Drop the connection without ending the chunked body: the client sees a cut stream. The
** socket is shut down and libevent's own close path (and on_close) frees the request;
** freeing the connection here instead would leak the request it is in the middle of.
*/
static void abort_stream(struct req *r)
{
    struct bufferevent *bev = r->conn ? evhttp_connection_get_bufferevent(r->conn) : NULL;
    if (r->timer)
        evtimer_del(r->timer);
    r->phase = P_ABORT;
    if (bev && bufferevent_getfd(bev) >= 0) {
        shutdown(bufferevent_getfd(bev), SHUT_RDWR);
        bufferevent_enable(bev, EV_READ); /* so that the loop sees the end of the socket */
    } else {
        req_free(r);
    }
}

/* Produce every piece that is due into r->chunk; returns when nothing more is due. */
static void produce(struct req *r)
{
    for (;;) {
        if (r->out_len) {
            evbuffer_add(r->chunk, r->out, r->out_len);
            r->out_len = 0;
        }
        if (r->phase == P_END || r->phase == P_ABORT)
            return;
        int64_t now = sd_clock_ns();
        if (r->phase == P_TAIL) {
            tail(r);
            continue;
        }
        if (r->phase == P_KEEPALIVE && r->p->keepalive_ms > 0 && r->t_wait_until < r->t_next &&
            now >= r->t_wait_until) {
            int w = sd_wire_keepalive(r->out, r->out_cap);
            r->out_len = w > 0 ? (size_t)w : 0;
            r->t_wait_until += ms_ns(r->p->keepalive_ms);
            continue;
        }
        if (now < r->t_next)
            return;
        if (r->phase == P_STALL) {
            r->phase = P_ABORT;
            return;
        }
        r->phase = P_TOKENS;
        if (mid_stream_fault(r, now))
            continue;
        next_chunk(r, now);
    }
}

/*
** Send r->chunk as the next piece of the body. When the connection has nothing queued (the
** usual case once the headers are out), it is written to the socket at once, framed by hand
** as an HTTP/1.1 chunk when the response is chunked. Going through evhttp instead costs every
** event a trip round the loop (enable writing, wait for the socket, write, disable writing:
** two epoll_ctl and an epoll_wait beside the write): at 1,000 streams this took the mock
** from 24.5 to 20 us of CPU an event. Whatever the socket does not take now is queued on
** the connection's buffer, behind which libevent carries on as usual.
*/
static void emit(struct req *r)
{
    size_t len = evbuffer_get_length(r->chunk);
    struct bufferevent *bev = evhttp_connection_get_bufferevent(r->conn);
    int fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd < 0 || evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
        evhttp_send_reply_chunk(r->hr, r->chunk);
        return;
    }
    char head[24];
    int hn = r->chunked ? snprintf(head, sizeof head, "%zx\r\n", len) : 0;
    struct iovec iov[3] = {
        {head, (size_t)hn},
        {evbuffer_pullup(r->chunk, -1), len},
        {(void *)"\r\n", r->chunked ? 2u : 0u},
    };
    size_t total = iov[0].iov_len + iov[1].iov_len + iov[2].iov_len;
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 3};
    ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0)
        w = 0; /* would block, or the peer is gone: libevent finds out on its next write */
    size_t done = (size_t)w;
    if (done < total) {
        struct evbuffer *rest = bufferevent_get_output(bev);
        for (int i = 0; i < 3; i++) {
            if (done >= iov[i].iov_len) {
                done -= iov[i].iov_len;
                continue;
            }
            evbuffer_add(rest, (char *)iov[i].iov_base + done, iov[i].iov_len - done);
            done = 0;
        }
    }
    evbuffer_drain(r->chunk, len);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct req *r = arg;
    produce(r);
    if (evbuffer_get_length(r->chunk) > 0)
        emit(r);
    if (r->phase == P_ABORT) {
        abort_stream(r);
        return;
    }
    if (r->phase == P_END) {
        /* let go of r first: with nothing left to write, ending the reply can close the
           connection at once (HTTP/1.0), and its close callback would free r too */
        struct evhttp_request *hr = r->hr;
        req_free(r);
        evhttp_send_reply_end(hr);
        return;
    }
    int64_t wake = r->t_next;
    if (r->phase == P_KEEPALIVE && r->p->keepalive_ms > 0 && r->t_wait_until < wake)
        wake = r->t_wait_until;
    arm(r, wake);
}

static void send_json(struct evhttp_request *hr, int status, const char *body, int retry_after)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(hr);
    evhttp_add_header(h, "Content-Type", "application/json");
    if (retry_after > 0) {
        char v[16];
        snprintf(v, sizeof v, "%d", retry_after);
        evhttp_add_header(h, "Retry-After", v);
    }
    struct evbuffer *b = evbuffer_new();
    if (b)
        evbuffer_add(b, body, strlen(body));
    evhttp_send_reply(hr, status, status == 200 ? "OK" : "Error", b);
    if (b)
        evbuffer_free(b);
}

static void start_stream(struct req *r)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->hr);
    evhttp_add_header(h, "Content-Type", "text/event-stream");
    evhttp_add_header(h, "Cache-Control", "no-cache");
    /* when the request arrived, on the monotonic clock every process here shares: lets a
       client on the same machine split its TTFT into delivery and the mock's own delay */
    char t0[32];
    snprintf(t0, sizeof t0, "%lld", (long long)r->t0);
    evhttp_add_header(h, "X-Mock-Received-Ns", t0);
    atomic_fetch_add(&r->m->streams, 1);
    evhttp_send_reply_start(r->hr, 200, "OK");
    /* evhttp chose the framing (chunked for HTTP/1.1); emit() frames events the same way */
    const char *te = evhttp_find_header(h, "Transfer-Encoding");
    r->chunked = te && evutil_ascii_strcasecmp(te, "chunked") == 0;
    r->phase = P_KEEPALIVE;
    r->t_wait_until = r->t0 + ms_ns(r->p->keepalive_ms);
    on_timer(-1, 0, r);
}

static void send_completion(struct req *r)
{
    struct sd_wire_usage u = {r->prompt_tokens, r->reasoning + r->answer, r->reasoning};
    note_event(r->m, r->t_wait_until, sd_clock_ns());
    char *body = sd_wire_completion(&r->wire, r->reasoning, r->answer, r->finish_reason, &u);
    send_json(r->hr, 200, body ? body : sd_wire_error_body(500), 0);
    free(body);
    req_free(r);
}

/* Headers were held back (slow headers, or a whole answer being "generated"). */
static void on_ready(evutil_socket_t fd, short what, void *arg)
{
    struct req *r = arg;
    if (!r->stream) {
        send_completion(r);
        return;
    }
    event_free(r->timer);
    r->timer = evtimer_new(r->lp->base, on_timer, r);
    if (!r->timer) {
        abort_stream(r);
        return;
    }
    start_stream(r);
}

static void chat(struct loop *lp, struct evhttp_request *hr, const struct sd_mock_profile *p,
                 int64_t t0)
{
    struct sd_mock *m = lp->m;
    struct req *r = calloc(1, sizeof *r);
    if (!r) {
        send_json(hr, 500, sd_wire_error_body(500), 0);
        return;
    }
    r->m = m;
    r->lp = lp;
    r->hr = hr;
    r->p = p;
    r->t0 = t0;
    r->next = lp->live;
    if (lp->live)
        lp->live->prev = r;
    lp->live = r;
    uint64_t n = atomic_fetch_add(&m->next_req, 1);
    sd_rng_seed(&r->rng, m->seed ^ (n * 0x9E3779B97F4A7C15ull));
    snprintf(r->id, sizeof r->id, "chatcmpl-mock-%llu", (unsigned long long)n);
    r->wire.id = r->id;
    r->wire.model = p->model;
    r->wire.created = (long)(sd_clock_wall_ms() / 1000);
    r->wire.reasoning_field = p->reasoning_field;
    struct evbuffer *in = evhttp_request_get_input_buffer(hr);
    size_t len = evbuffer_get_length(in);
    const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
    char err[1024];
    unsigned status = ensure_out(r, 1024 + (size_t)p->tokens_per_chunk * 24) == 0
                          ? plan(r, body, len, err, sizeof err)
                          : 500;
    if (status != 200) {
        if (status == 413) {
            send_json(hr, 400, err, 0);
        } else {
            int ra =
                r->fault == SD_FAULT_RATE_LIMIT ? (p->retry_after_s > 0 ? p->retry_after_s : 1) : 0;
            send_json(hr, (int)status, sd_wire_error_body((int)status), ra);
        }
        req_free(r);
        return;
    }
    r->chunk = evbuffer_new();
    r->conn = evhttp_request_get_connection(hr);
    if (!r->chunk || !r->conn) {
        send_json(hr, 500, sd_wire_error_body(500), 0);
        req_free(r);
        return;
    }
    evhttp_connection_set_closecb(r->conn, on_close, r);
    /* no Nagle delay: each event is its own small write, and evhttp leaves Nagle on */
    struct bufferevent *bev = evhttp_connection_get_bufferevent(r->conn);
    int one = 1;
    if (bev)
        setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int64_t ready = t0;
    if (r->fault == SD_FAULT_SLOW_HEADERS)
        ready += ms_ns(p->slow_headers_ms);
    if (!r->stream) {
        /* the whole answer is ready when its last token would have been streamed */
        int64_t t = r->t_next;
        for (int i = 1; i < r->reasoning + r->answer; i++)
            t += ms_ns(sd_dist_sample(&p->itl_ms, &r->rng));
        if (t > ready)
            ready = t;
    }
    r->phase = P_WAIT;
    r->t_wait_until = ready;
    if (ready > sd_clock_ns() || !r->stream) {
        r->timer = evtimer_new(lp->base, on_ready, r);
        if (!r->timer) {
            abort_stream(r);
            return;
        }
        arm(r, ready);
        return;
    }
    r->timer = evtimer_new(lp->base, on_timer, r);
    if (!r->timer) {
        abort_stream(r);
        return;
    }
    start_stream(r);
}

static enum route route(struct sd_mock *m, const char *path, enum evhttp_cmd_type method,
                        const struct sd_mock_profile **prof)
{
    *prof = NULL;
    const char *rest = NULL;
    if (!path)
        return R_NOT_FOUND;
    if (strncmp(path, "/v1/", 4) == 0 && m->nprof == 1) {
        *prof = &m->prof[0];
        rest = path + 3;
    } else if (path[0] == '/') {
        const char *slash = strchr(path + 1, '/');
        size_t len = slash ? (size_t)(slash - path - 1) : 0;
        for (int i = 0; slash && i < m->nprof; i++) {
            if (strlen(m->prof[i].name) == len && memcmp(m->prof[i].name, path + 1, len) == 0) {
                *prof = &m->prof[i];
                rest = slash;
            }
        }
    }
    if (!*prof || !rest)
        return R_NOT_FOUND;
    if (strcmp(rest, "/v1/chat/completions") == 0)
        return method == EVHTTP_REQ_POST ? R_CHAT : R_BAD_METHOD;
    if (strcmp(rest, "/v1/models") == 0)
        return method == EVHTTP_REQ_GET ? R_MODELS : R_BAD_METHOD;
    return R_NOT_FOUND;
}

static void on_request(struct evhttp_request *hr, void *arg)
{
    struct loop *lp = arg;
    int64_t t0 = sd_clock_ns();
    atomic_fetch_add(&lp->m->requests, 1);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(hr);
    const struct sd_mock_profile *p;
    switch (
        route(lp->m, uri ? evhttp_uri_get_path(uri) : NULL, evhttp_request_get_command(hr), &p)) {
    case R_CHAT:
        chat(lp, hr, p, t0);
        return;
    case R_MODELS: {
        char *b = sd_wire_models(p->model, p->context_limit);
        send_json(hr, b ? 200 : 500, b ? b : sd_wire_error_body(500), 0);
        free(b);
        return;
    }
    case R_BAD_METHOD:
        send_json(hr, 405, sd_wire_error_body(405), 0);
        return;
    default:
        send_json(hr, 404, sd_wire_error_body(404), 0);
    }
}

/* ---- lifecycle ---- */

static void *loop_main(void *arg)
{
    struct loop *lp = arg;
    event_base_dispatch(lp->base);
    return NULL;
}

static int loop_open(struct loop *lp, struct sd_mock *m, struct sockaddr_in *sa, char *err,
                     size_t errlen)
{
    lp->m = m;
    struct event_config *cfg = event_config_new();
    if (cfg)
        /* timerfd rather than millisecond epoll timeouts; batched epoll_ctl changes */
        event_config_set_flag(cfg,
                              EVENT_BASE_FLAG_PRECISE_TIMER | EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    lp->base = cfg ? event_base_new_with_config(cfg) : NULL;
    if (cfg)
        event_config_free(cfg);
    lp->http = lp->base ? evhttp_new(lp->base) : NULL;
    if (!lp->http) {
        snprintf(err, errlen, "cannot create the event loop");
        return -1;
    }
    lp->lis = evconnlistener_new_bind(
        lp->base, NULL, NULL, LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE,
        4096, (struct sockaddr *)sa, sizeof *sa);
    if (!lp->lis || !evhttp_bind_listener(lp->http, lp->lis)) {
        snprintf(err, errlen, "cannot listen on port %d (in use, or not allowed)",
                 ntohs(sa->sin_port));
        return -1;
    }
    evhttp_set_gencb(lp->http, on_request, lp);
    evhttp_set_max_body_size(lp->http, 64u << 20);
    evhttp_set_timeout(lp->http, 3600);
    evhttp_set_allowed_methods(lp->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                             EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
    return 0;
}

struct sd_mock *sd_mock_start(const struct sd_mock_opts *o, const struct sd_mock_profile *prof,
                              int nprof, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, (void (*)(void))evthread_use_pthreads);
    struct sd_mock *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->prof = malloc(sizeof *prof * (size_t)(nprof > 0 ? nprof : 1));
    if (!m->prof) {
        free(m);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(m->prof, prof, sizeof *prof * (size_t)nprof);
    m->nprof = nprof;
    m->seed = o->seed;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o->port);
    if (inet_pton(AF_INET, o->host ? o->host : "127.0.0.1", &sa.sin_addr) != 1) {
        snprintf(err, errlen, "not an IPv4 address: %s", o->host);
        sd_mock_stop(m);
        return NULL;
    }
    int want = o->threads > 1 ? (o->threads < MAX_LOOPS ? o->threads : MAX_LOOPS) : 1;
    for (int i = 0; i < want; i++) {
        m->nloop = i + 1;
        if (loop_open(&m->loop[i], m, &sa, err, errlen) != 0) {
            sd_mock_stop(m);
            return NULL;
        }
        if (i == 0) {
            /* the other loops share the port the first one got */
            struct sockaddr_in got;
            socklen_t gl = sizeof got;
            getsockname(evconnlistener_get_fd(m->loop[0].lis), (struct sockaddr *)&got, &gl);
            sa.sin_port = got.sin_port;
            m->port = ntohs(got.sin_port);
        }
    }
    for (int i = 0; i < m->nloop; i++) {
        if (pthread_create(&m->loop[i].thr, NULL, loop_main, &m->loop[i]) != 0) {
            snprintf(err, errlen, "cannot start a server thread");
            sd_mock_stop(m);
            return NULL;
        }
        m->loop[i].started = 1;
    }
    return m;
}

int sd_mock_port(const struct sd_mock *m)
{
    return m->port;
}

void sd_mock_get_stats(struct sd_mock *m, struct sd_mock_stats *s)
{
    memset(s, 0, sizeof *s);
    s->requests = atomic_load(&m->requests);
    s->streams = atomic_load(&m->streams);
    s->events = atomic_load(&m->events);
    s->late_over_1ms = atomic_load(&m->late_over_1ms);
    s->max_late_ns = atomic_load(&m->max_late_ns);
    for (int i = 0; i < 64; i++)
        s->late_hist[i] = atomic_load(&m->late_hist[i]);
}

void sd_mock_stop(struct sd_mock *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->nloop; i++)
        if (m->loop[i].started)
            event_base_loopexit(m->loop[i].base, NULL);
    for (int i = 0; i < m->nloop; i++)
        if (m->loop[i].started)
            pthread_join(m->loop[i].thr, NULL);
    for (int i = 0; i < m->nloop; i++) {
        struct loop *lp = &m->loop[i];
        /* finish what we still hold (the loops have stopped), so that evhttp_free below
           finds only completed requests, which it frees with their connections */
        while (lp->live) {
            struct req *r = lp->live;
            struct evhttp_request *hr = r->hr;
            enum phase ph = r->phase;
            req_free(r); /* first, as in on_timer */
            if (hr && evhttp_request_get_connection(hr)) {
                if (ph == P_WAIT)
                    send_json(hr, 503, sd_wire_error_body(503), 0);
                else
                    evhttp_send_reply_end(hr);
            }
        }
        if (lp->http)
            evhttp_free(lp->http); /* closes every connection; their requests are freed */
        if (lp->base)
            event_base_free(lp->base);
    }
    free(m->prof);
    free(m);
}

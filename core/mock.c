/*
** mock.c: the mock provider's server core (see mock.h), on libmicrohttpd.
**
** One epoll thread (or a small pool) runs every connection. A streaming response is a content
** reader that writes whatever is due and otherwise suspends its connection; a timer thread holds
** a min-heap of wake-up times and resumes each connection when its next event is due. The wire
** format lives in mock_wire.c. Request bodies are parsed with cJSON.
*/
#include "mock.h"

#include "clock.h"
#include "mock_wire.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum route { R_CHAT, R_MODELS, R_NOT_FOUND, R_BAD_METHOD };

enum phase {
    P_NEW,       /* headers not yet answered */
    P_WAIT,      /* suspended in the access handler (slow headers, non-streaming wait) */
    P_KEEPALIVE, /* before the first token */
    P_TOKENS,
    P_TAIL, /* finish chunk, usage, [DONE] */
    P_STALL,
    P_END,
    P_ABORT,
};

struct timer_ent {
    int64_t t;
    struct MHD_Connection *conn;
};

struct sd_mock {
    struct MHD_Daemon *d;
    int port;
    struct sd_mock_profile *prof;
    int nprof;
    uint64_t seed;
    atomic_uint_fast64_t next_req;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t timer;
    int timer_started;
    struct timer_ent *heap;
    size_t nheap, cap_heap;
    atomic_int stopping;
    atomic_uint_fast64_t requests, streams, events, late_over_1ms;
    atomic_int_fast64_t max_late_ns;
    atomic_uint_fast64_t late_hist[64];
};

struct req {
    struct sd_mock *m;
    struct MHD_Connection *conn;
    const struct sd_mock_profile *p;
    enum route route;
    enum phase phase;
    char *body;
    size_t body_len;
    struct sd_rng rng;
    int64_t t0, t_next, t_wait_until;
    int stream, max_tokens, prompt_tokens;
    enum sd_mock_fault fault; /* SD_FAULT_COUNT: none */
    int reasoning, answer, emitted, chunks;
    const char *finish_reason;
    struct sd_wire_ctx wire;
    char id[48];
    char *out;
    size_t out_cap, out_len, out_off;
};

/* ---- timer thread ---- */

static void heap_push(struct sd_mock *m, int64_t t, struct MHD_Connection *c)
{
    pthread_mutex_lock(&m->mu);
    if (m->nheap == m->cap_heap) {
        size_t cap = m->cap_heap ? m->cap_heap * 2 : 1024;
        struct timer_ent *nh = realloc(m->heap, cap * sizeof *nh);
        if (!nh) {
            pthread_mutex_unlock(&m->mu);
            MHD_resume_connection(c); /* better early than never */
            return;
        }
        m->heap = nh;
        m->cap_heap = cap;
    }
    size_t i = m->nheap++;
    m->heap[i].t = t;
    m->heap[i].conn = c;
    while (i > 0 && m->heap[(i - 1) / 2].t > m->heap[i].t) {
        struct timer_ent tmp = m->heap[i];
        m->heap[i] = m->heap[(i - 1) / 2];
        m->heap[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
    if (i == 0)
        pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static struct timer_ent heap_pop(struct sd_mock *m)
{
    struct timer_ent top = m->heap[0];
    m->heap[0] = m->heap[--m->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < m->nheap && m->heap[l].t < m->heap[s].t)
            s = l;
        if (r < m->nheap && m->heap[r].t < m->heap[s].t)
            s = r;
        if (s == i)
            break;
        struct timer_ent tmp = m->heap[i];
        m->heap[i] = m->heap[s];
        m->heap[s] = tmp;
        i = s;
    }
    return top;
}

static void *timer_main(void *arg)
{
    struct sd_mock *m = arg;
    struct MHD_Connection *due[256];
    pthread_mutex_lock(&m->mu);
    while (!atomic_load(&m->stopping)) {
        if (m->nheap == 0) {
            pthread_cond_wait(&m->cv, &m->mu);
            continue;
        }
        int64_t now = sd_clock_ns();
        if (m->heap[0].t > now) {
            int64_t t = m->heap[0].t;
            struct timespec ts = {t / 1000000000, t % 1000000000};
            pthread_cond_timedwait(&m->cv, &m->mu, &ts);
            continue;
        }
        int n = 0;
        while (n < 256 && m->nheap > 0 && m->heap[0].t <= now)
            due[n++] = heap_pop(m).conn;
        pthread_mutex_unlock(&m->mu);
        for (int i = 0; i < n; i++)
            MHD_resume_connection(due[i]);
        pthread_mutex_lock(&m->mu);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* Park the connection until t. Suspend first so the resume can never come before it. */
static void sleep_until(struct req *r, int64_t t)
{
    MHD_suspend_connection(r->conn);
    heap_push(r->m, t, r->conn);
}

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
    r->out_off = 0;
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
    r->out_off = 0;
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
        r->out_off = 0;
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

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct req *r = cls;
    size_t n = 0;
    if (atomic_load(&r->m->stopping))
        return MHD_CONTENT_READER_END_WITH_ERROR;
    for (;;) {
        if (r->out_off < r->out_len) {
            size_t k = r->out_len - r->out_off;
            if (k > max - n)
                k = max - n;
            memcpy(buf + n, r->out + r->out_off, k);
            r->out_off += k;
            n += k;
            if (r->out_off < r->out_len)
                return (ssize_t)n;
        }
        if (r->phase == P_END)
            return n ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
        if (r->phase == P_ABORT)
            return n ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
        int64_t now = sd_clock_ns();
        if (r->phase == P_TAIL) {
            tail(r);
            continue;
        }
        if (r->phase == P_KEEPALIVE && r->p->keepalive_ms > 0) {
            int64_t ka = r->t_wait_until;
            if (ka < r->t_next && now >= ka) {
                r->out_len = (size_t)sd_wire_keepalive(r->out, r->out_cap);
                r->out_off = 0;
                r->t_wait_until += ms_ns(r->p->keepalive_ms);
                continue;
            }
        }
        if (now < r->t_next) {
            if (n)
                return (ssize_t)n;
            int64_t wake = r->t_next;
            if (r->phase == P_KEEPALIVE && r->p->keepalive_ms > 0 && r->t_wait_until < wake)
                wake = r->t_wait_until;
            sleep_until(r, wake);
            return 0;
        }
        if (r->phase == P_STALL) {
            r->phase = P_ABORT;
            continue;
        }
        r->phase = P_TOKENS;
        if (mid_stream_fault(r, now))
            continue;
        next_chunk(r, now);
    }
}

/* ---- requests ---- */

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

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, const char *body,
                                 int retry_after)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (retry_after > 0) {
        char v[16];
        snprintf(v, sizeof v, "%d", retry_after);
        MHD_add_response_header(resp, "Retry-After", v);
    }
    enum MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ok;
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
static unsigned plan(struct req *r, char *err, size_t errlen)
{
    const struct sd_mock_profile *p = r->p;
    cJSON *j = cJSON_ParseWithLength(r->body ? r->body : "", r->body_len);
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

static enum MHD_Result start_stream(struct req *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, r, NULL);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    /* when the request arrived, on the monotonic clock every process here shares: lets a
       client on the same machine split its TTFT into delivery and the mock's own delay */
    char t0[32];
    snprintf(t0, sizeof t0, "%lld", (long long)r->t0);
    MHD_add_response_header(resp, "X-Mock-Received-Ns", t0);
    atomic_fetch_add(&r->m->streams, 1);
    r->phase = P_KEEPALIVE;
    r->t_wait_until = r->t0 + ms_ns(r->p->keepalive_ms);
    enum MHD_Result ok = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result send_completion(struct req *r)
{
    struct sd_wire_usage u = {r->prompt_tokens, r->reasoning + r->answer, r->reasoning};
    note_event(r->m, r->t_wait_until, sd_clock_ns());
    char *body = sd_wire_completion(&r->wire, r->reasoning, r->answer, r->finish_reason, &u);
    if (!body)
        return MHD_NO;
    enum MHD_Result ok = send_json(r->conn, MHD_HTTP_OK, body, 0);
    free(body);
    return ok;
}

/* Headers go out now, or the connection waits (slow headers, or a non-streaming answer). */
static enum MHD_Result respond(struct req *r)
{
    if (r->phase == P_WAIT) {
        if (atomic_load(&r->m->stopping))
            return MHD_NO;
        if (!r->stream)
            return send_completion(r);
        return start_stream(r);
    }
    char err[1024];
    unsigned status = plan(r, err, sizeof err);
    if (status == 413)
        return send_json(r->conn, 400, err, 0);
    if (status != 200) {
        int ra = r->fault == SD_FAULT_RATE_LIMIT
                     ? (r->p->retry_after_s > 0 ? r->p->retry_after_s : 1)
                     : 0;
        return send_json(r->conn, status, sd_wire_error_body((int)status), ra);
    }
    int64_t ready = r->t0;
    if (r->fault == SD_FAULT_SLOW_HEADERS)
        ready += ms_ns(r->p->slow_headers_ms);
    if (!r->stream) {
        /* the whole answer is ready when its last token would have been streamed */
        int64_t t = r->t_next;
        int tokens = r->reasoning + r->answer;
        for (int i = 1; i < tokens; i++)
            t += ms_ns(sd_dist_sample(&r->p->itl_ms, &r->rng));
        if (t > ready)
            ready = t;
    }
    if (ready > sd_clock_ns()) {
        r->phase = P_WAIT;
        r->t_wait_until = ready;
        sleep_until(r, ready);
        return MHD_YES;
    }
    r->phase = P_WAIT;
    return respond(r);
}

static enum route route(struct sd_mock *m, const char *url, const char *method,
                        const struct sd_mock_profile **prof)
{
    *prof = NULL;
    const char *rest = NULL;
    if (strncmp(url, "/v1/", 4) == 0 && m->nprof == 1) {
        *prof = &m->prof[0];
        rest = url + 3;
    } else if (url[0] == '/') {
        const char *slash = strchr(url + 1, '/');
        size_t len = slash ? (size_t)(slash - url - 1) : 0;
        for (int i = 0; slash && i < m->nprof; i++) {
            if (strlen(m->prof[i].name) == len && memcmp(m->prof[i].name, url + 1, len) == 0) {
                *prof = &m->prof[i];
                rest = slash;
            }
        }
    }
    if (!*prof || !rest)
        return R_NOT_FOUND;
    if (strcmp(rest, "/v1/chat/completions") == 0)
        return strcmp(method, "POST") == 0 ? R_CHAT : R_BAD_METHOD;
    if (strcmp(rest, "/v1/models") == 0)
        return strcmp(method, "GET") == 0 ? R_MODELS : R_BAD_METHOD;
    return R_NOT_FOUND;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    struct sd_mock *m = cls;
    struct req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->m = m;
        r->conn = conn;
        r->t0 = sd_clock_ns();
        r->route = route(m, url, method, &r->p);
        uint64_t n = atomic_fetch_add(&m->requests, 1);
        sd_rng_seed(&r->rng, m->seed ^ (n * 0x9E3779B97F4A7C15ull));
        snprintf(r->id, sizeof r->id, "chatcmpl-mock-%llu", (unsigned long long)n);
        if (r->p) {
            r->wire.id = r->id;
            r->wire.model = r->p->model;
            r->wire.created = (long)(sd_clock_wall_ms() / 1000);
            r->wire.reasoning_field = r->p->reasoning_field;
            if (ensure_out(r, 1024 + (size_t)r->p->tokens_per_chunk * 24) != 0)
                return MHD_NO;
        }
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body_len + *upload_size > (64u << 20))
            return MHD_NO;
        char *nb = realloc(r->body, r->body_len + *upload_size + 1);
        if (!nb)
            return MHD_NO;
        memcpy(nb + r->body_len, upload, *upload_size);
        r->body = nb;
        r->body_len += *upload_size;
        r->body[r->body_len] = '\0';
        *upload_size = 0;
        return MHD_YES;
    }
    switch (r->route) {
    case R_CHAT:
        return respond(r);
    case R_MODELS: {
        char *b = sd_wire_models(r->p->model, r->p->context_limit);
        enum MHD_Result ok = b ? send_json(conn, MHD_HTTP_OK, b, 0) : MHD_NO;
        free(b);
        return ok;
    }
    case R_BAD_METHOD:
        return send_json(conn, 405, sd_wire_error_body(405), 0);
    default:
        return send_json(conn, MHD_HTTP_NOT_FOUND, sd_wire_error_body(404), 0);
    }
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct req *r = *con_cls;
    if (!r)
        return;
    free(r->body);
    free(r->out);
    free(r);
    *con_cls = NULL;
}

/* ---- lifecycle ---- */

struct sd_mock *sd_mock_start(const struct sd_mock_opts *o, const struct sd_mock_profile *prof,
                              int nprof, char *err, size_t errlen)
{
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
    pthread_mutex_init(&m->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->cv, &ca);
    pthread_condattr_destroy(&ca);

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o->port);
    if (inet_pton(AF_INET, o->host ? o->host : "127.0.0.1", &sa.sin_addr) != 1) {
        snprintf(err, errlen, "not an IPv4 address: %s", o->host);
        sd_mock_stop(m);
        return NULL;
    }
    if (pthread_create(&m->timer, NULL, timer_main, m) != 0) {
        snprintf(err, errlen, "cannot start the timer thread");
        sd_mock_stop(m);
        return NULL;
    }
    m->timer_started = 1;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
    unsigned threads = o->threads > 1 ? (unsigned)o->threads : 1;
    m->d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, m, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_CONNECTION_LIMIT,
        o->max_connections ? o->max_connections : 20000u, MHD_OPTION_CONNECTION_TIMEOUT, 0u,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_NOTIFY_COMPLETED, completed, m,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_END);
    if (!m->d) {
        snprintf(err, errlen, "cannot listen on %s:%d (in use, or not allowed)",
                 o->host ? o->host : "127.0.0.1", o->port);
        sd_mock_stop(m);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    m->port = di ? di->port : o->port;
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
    atomic_store(&m->stopping, 1);
    if (m->timer_started) {
        pthread_mutex_lock(&m->mu);
        pthread_cond_signal(&m->cv);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->timer, NULL);
    }
    /* every parked connection must be resumed so the daemon can close it */
    for (size_t i = 0; i < m->nheap; i++)
        MHD_resume_connection(m->heap[i].conn);
    m->nheap = 0;
    if (m->d)
        MHD_stop_daemon(m->d);
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
    free(m->heap);
    free(m->prof);
    free(m);
}

/*
** probe.c: the probe engine (see probe.h).
**
** One libcurl multi handle in socket mode with epoll, as in curl's ephiperfifo.c example: the
** socket callback keeps the epoll set in step with libcurl, the timer callback keeps one
** deadline. One struct xfer per transfer rides on CURLOPT_PRIVATE with its own error buffer.
** The write callback stamps arrival time and feeds the SSE parser; parsed events are copied to
** a queue that the caller reads after sd_probe_step returns, never inside a callback.
*/
#include "probe.h"

#include "clock.h"
#include "buf.h"
#include "sse.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#define DEFAULT_MAX_RESPONSE ((size_t)64 << 20)
#define MAX_HEADER_BYTES 32768

enum xstate { X_FREE, X_PENDING, X_ACTIVE, X_DONE };

/* Every event of a response: 13 bytes each, kept in C so that settled events cost no Lua. */
struct timeline {
    int64_t *t;
    uint32_t *bytes;
    char *kind;
    size_t n, cap;
};

struct xfer {
    struct sd_probe *eng;
    int id;
    enum xstate state;
    CURL *easy;
    struct curl_slist *hdrs;
    struct sd_sse sse;
    int content_checked, is_sse, marked, unterminated;
    int64_t t_intended, t_send, t_end, t_first_byte, t_last_byte, now;
    long to_first, to_idle;
    size_t max_response;
    uint64_t bytes, sse_err_off;
    struct sd_buf raw, head;
    const char *code;
    char msg[CURL_ERROR_SIZE];
    char errbuf[CURL_ERROR_SIZE];
    long status, httpver;
    double dns, conn, tls, ttfb, pre;
    size_t heap_idx;
    const struct sd_fast *fast;
    struct sd_fast_state fst;
    struct timeline tl;
};

/* A queued item; name/data are offsets into the arena so the arena may grow. */
struct qitem {
    struct sd_probe_ev ev;
    size_t name_off, data_off;
};

struct sd_probe {
    CURLM *multi;
    int epfd;
    int64_t curl_deadline; /* -1: none */
    struct xfer **slots;
    int nslots, cap_slots;
    int *free_ids;
    int nfree;
    struct xfer **heap; /* pending transfers, min-heap on t_intended */
    size_t nheap, cap_heap;
    int active;
    int64_t next_scan;
    struct qitem *q;
    size_t qlen, qhead, qcap;
    struct sd_buf arena;
    struct sd_probe_ev cur;
    size_t max_event;
    long buffer_size;
};

static int tl_push(struct timeline *tl, int64_t t, size_t bytes, int kind)
{
    if (tl->n == tl->cap) {
        size_t cap = tl->cap ? tl->cap * 2 : 32;
        int64_t *nt = realloc(tl->t, cap * sizeof *nt);
        if (nt)
            tl->t = nt;
        uint32_t *nb = realloc(tl->bytes, cap * sizeof *nb);
        if (nb)
            tl->bytes = nb;
        char *nk = realloc(tl->kind, cap + 1);
        if (nk)
            tl->kind = nk;
        if (!nt || !nb || !nk)
            return -1;
        tl->cap = cap;
    }
    tl->t[tl->n] = t;
    tl->bytes[tl->n] = (uint32_t)bytes;
    tl->kind[tl->n] = (char)kind;
    tl->n++;
    tl->kind[tl->n] = '\0';
    return 0;
}

static void tl_free(struct timeline *tl)
{
    free(tl->t);
    free(tl->bytes);
    free(tl->kind);
    memset(tl, 0, sizeof *tl);
}

/* ---- the queue the caller reads ---- */

static int queue_push(struct sd_probe *p, int id, enum sd_probe_ev_kind kind, int64_t t,
                      const struct sd_sse_event *sev, size_t seq)
{
    if (p->qlen == p->qcap) {
        size_t cap = p->qcap ? p->qcap * 2 : 256;
        struct qitem *nq = realloc(p->q, cap * sizeof *nq);
        if (!nq)
            return -1;
        p->q = nq;
        p->qcap = cap;
    }
    struct qitem *it = &p->q[p->qlen];
    memset(it, 0, sizeof *it);
    it->ev.id = id;
    it->ev.kind = kind;
    it->ev.t_ns = t;
    it->ev.seq = (uint32_t)seq;
    if (sev) {
        it->ev.wire_bytes = sev->wire_bytes;
        it->ev.name_len = sev->name_len;
        it->ev.data_len = sev->data_len;
        it->name_off = p->arena.len;
        if (sd_buf_add(&p->arena, sev->name, sev->name_len + 1))
            return -1;
        it->data_off = p->arena.len;
        if (sd_buf_add(&p->arena, sev->data, sev->data_len + 1))
            return -1;
    }
    p->qlen++;
    return 0;
}

const struct sd_probe_ev *sd_probe_next(struct sd_probe *p)
{
    if (p->qhead >= p->qlen)
        return NULL;
    struct qitem *it = &p->q[p->qhead++];
    p->cur = it->ev;
    p->cur.name = it->ev.kind == SD_PEV_DONE ? "" : p->arena.p + it->name_off;
    p->cur.data = it->ev.kind == SD_PEV_DONE ? "" : p->arena.p + it->data_off;
    return &p->cur;
}

/* ---- pending heap ---- */

static void heap_swap(struct sd_probe *p, size_t i, size_t j)
{
    struct xfer *t = p->heap[i];
    p->heap[i] = p->heap[j];
    p->heap[j] = t;
    p->heap[i]->heap_idx = i;
    p->heap[j]->heap_idx = j;
}

static void heap_up(struct sd_probe *p, size_t i)
{
    while (i > 0 && p->heap[(i - 1) / 2]->t_intended > p->heap[i]->t_intended) {
        heap_swap(p, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(struct sd_probe *p, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < p->nheap && p->heap[l]->t_intended < p->heap[m]->t_intended)
            m = l;
        if (r < p->nheap && p->heap[r]->t_intended < p->heap[m]->t_intended)
            m = r;
        if (m == i)
            return;
        heap_swap(p, i, m);
        i = m;
    }
}

static int heap_push(struct sd_probe *p, struct xfer *x)
{
    if (p->nheap == p->cap_heap) {
        size_t cap = p->cap_heap ? p->cap_heap * 2 : 64;
        struct xfer **nh = realloc(p->heap, cap * sizeof *nh);
        if (!nh)
            return -1;
        p->heap = nh;
        p->cap_heap = cap;
    }
    x->heap_idx = p->nheap;
    p->heap[p->nheap++] = x;
    heap_up(p, x->heap_idx);
    return 0;
}

static void heap_remove(struct sd_probe *p, struct xfer *x)
{
    size_t i = x->heap_idx;
    p->nheap--;
    if (i != p->nheap) {
        p->heap[i] = p->heap[p->nheap];
        p->heap[i]->heap_idx = i;
        heap_down(p, i);
        heap_up(p, i);
    }
}

/* ---- libcurl callbacks: no caller code runs here ---- */

static int on_sse(void *ud, const struct sd_sse_event *ev)
{
    struct xfer *x = ud;
    int kind = ev->kind == SD_SSE_COMMENT ? 'c' : '?';
    if (kind == '?' && x->fast) {
        int k =
            sd_fast_apply(x->fast, ev->name, ev->name_len, ev->data, ev->data_len, x->now, &x->fst);
        if (k) {
            kind = k;
            if (x->fst.out_events)
                x->marked = 1; /* first output seen: the first-token timer is done */
        }
    }
    if (tl_push(&x->tl, x->now, ev->wire_bytes, kind))
        return -1;
    if (kind != '?')
        return 0;
    return queue_push(x->eng, x->id, SD_PEV_EVENT, x->now, ev, x->tl.n);
}

static void check_content_type(struct xfer *x)
{
    char *ct = NULL;
    x->content_checked = 1;
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
    x->is_sse = ct && strncasecmp(ct, "text/event-stream", 17) == 0;
    if (x->is_sse)
        sd_sse_init(&x->sse, x->eng->max_event);
}

static size_t write_cb(char *ptr, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    int64_t now = sd_clock_ns();
    if (!x->t_first_byte)
        x->t_first_byte = now;
    x->t_last_byte = now;
    x->bytes += len;
    if (x->to_idle > 0 && now + (int64_t)x->to_idle * 1000000 < x->eng->next_scan)
        x->eng->next_scan = now + (int64_t)x->to_idle * 1000000; /* idle clock starts here */
    if (x->bytes > x->max_response) {
        x->code = "protocol_violation";
        snprintf(x->msg, sizeof x->msg, "response exceeds the cap of %zu bytes", x->max_response);
        return 0;
    }
    if (!x->content_checked)
        check_content_type(x);
    if (!x->is_sse)
        return sd_buf_add(&x->raw, ptr, len) ? 0 : len;
    x->now = now;
    int rc = sd_sse_feed(&x->sse, ptr, len, on_sse, x);
    if (rc) {
        x->code = "protocol_violation";
        x->sse_err_off = x->sse.err_offset;
        snprintf(x->msg, sizeof x->msg, "SSE: %s at byte offset %llu", sd_sse_strerror(rc),
                 (unsigned long long)x->sse.err_offset);
        return 0;
    }
    return len;
}

static size_t header_cb(char *ptr, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
        x->head.len = 0; /* a new response (after a 100 Continue or a redirect) */
    if (x->head.len + len <= MAX_HEADER_BYTES)
        sd_buf_add(&x->head, ptr, len);
    return len;
}

static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
    struct sd_probe *p = userp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    struct epoll_event ev = {0};
    ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    ev.data.fd = s;
    int op = socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(p->epfd, op, s, &ev) != 0) {
        op = (op == EPOLL_CTL_ADD) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        epoll_ctl(p->epfd, op, s, &ev);
    }
    if (!socketp)
        curl_multi_assign(p->multi, s, p);
    return 0;
}

static int timer_cb(CURLM *m, long ms, void *userp)
{
    struct sd_probe *p = userp;
    p->curl_deadline = ms < 0 ? -1 : sd_clock_ns() + (int64_t)ms * 1000000;
    return 0;
}

/* ---- finishing a transfer ---- */

static const char *code_for(CURLcode rc, struct xfer *x)
{
    switch (rc) {
    case CURLE_OK:
        return "ok";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "dns_error";
    case CURLE_COULDNT_CONNECT:
        return "connect_error";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        return "tls_error";
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connect = 0;
        curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &connect);
        return connect == 0 ? "timeout_connect" : "timeout_total";
    }
    case CURLE_ABORTED_BY_CALLBACK:
        return "cancelled";
    default:
        /* partial file, receive error, nothing received, HTTP/2 stream reset: the response
           did not end as its framing said it would */
        return "protocol_violation";
    }
}

static double us_to_ms(curl_off_t us)
{
    return (double)us / 1000.0;
}

static void collect_info(struct xfer *x)
{
    curl_off_t dns = 0, conn = 0, app = 0, start = 0, pre = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
    curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &x->httpver);
    curl_easy_getinfo(x->easy, CURLINFO_NAMELOOKUP_TIME_T, &dns);
    curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &conn);
    curl_easy_getinfo(x->easy, CURLINFO_APPCONNECT_TIME_T, &app);
    curl_easy_getinfo(x->easy, CURLINFO_STARTTRANSFER_TIME_T, &start);
    curl_easy_getinfo(x->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
    x->dns = us_to_ms(dns);
    x->conn = conn > dns ? us_to_ms(conn - dns) : 0;
    x->tls = app > conn ? us_to_ms(app - conn) : 0;
    x->ttfb = us_to_ms(start);
    x->pre = us_to_ms(pre);
}

static void wipe_slist(struct curl_slist *l)
{
    for (; l; l = l->next)
        explicit_bzero(l->data, strlen(l->data));
}

static void release_easy(struct xfer *x)
{
    if (x->easy) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    if (x->hdrs) {
        wipe_slist(x->hdrs); /* the auth header holds a key */
        curl_slist_free_all(x->hdrs);
        x->hdrs = NULL;
    }
}

static void finish(struct sd_probe *p, struct xfer *x, CURLcode rc)
{
    x->t_end = sd_clock_ns();
    if (x->state == X_ACTIVE) {
        collect_info(x);
        if (!x->code) {
            x->code = code_for(rc, x);
            if (rc != CURLE_OK)
                snprintf(x->msg, sizeof x->msg, "%s",
                         x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
        }
        curl_multi_remove_handle(p->multi, x->easy);
        p->active--;
    } else if (x->state == X_PENDING) {
        heap_remove(p, x);
    }
    if (x->is_sse)
        x->unterminated = sd_sse_finish(&x->sse);
    if (x->is_sse)
        sd_sse_free(&x->sse);
    release_easy(x);
    x->state = X_DONE;
    queue_push(p, x->id, SD_PEV_DONE, x->t_end, NULL, 0);
}

static void read_done(struct sd_probe *p)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(p->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x && x->state == X_ACTIVE)
            finish(p, x, m->data.result);
    }
}

/* ---- deadlines this engine keeps itself: first output, idle gap ---- */

static int64_t xfer_deadline(const struct xfer *x)
{
    int64_t d = INT64_MAX;
    if (x->to_first > 0 && !x->marked)
        d = x->t_send + (int64_t)x->to_first * 1000000;
    if (x->to_idle > 0 && x->t_first_byte) {
        int64_t i = x->t_last_byte + (int64_t)x->to_idle * 1000000;
        if (i < d)
            d = i;
    }
    return d;
}

static void scan_deadlines(struct sd_probe *p, int64_t now)
{
    if (now < p->next_scan)
        return;
    int64_t next = INT64_MAX;
    for (int i = 0; i < p->nslots; i++) {
        struct xfer *x = p->slots[i];
        if (!x || x->state != X_ACTIVE)
            continue;
        int64_t d = xfer_deadline(x);
        if (d > now) {
            if (d < next)
                next = d;
            continue;
        }
        int first =
            x->to_first > 0 && !x->marked && now >= x->t_send + (int64_t)x->to_first * 1000000;
        x->code = first ? "timeout_first_token" : "timeout_idle";
        snprintf(x->msg, sizeof x->msg, "%s after %ld ms", first ? "no output" : "no bytes",
                 first ? x->to_first : x->to_idle);
        finish(p, x, CURLE_OK);
    }
    p->next_scan = next;
}

/* Run libcurl's timer if it is due: this is what starts a newly added transfer. */
static void kick_timer(struct sd_probe *p)
{
    if (p->curl_deadline >= 0 && sd_clock_ns() >= p->curl_deadline) {
        int running = 0;
        p->curl_deadline = -1;
        curl_multi_socket_action(p->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
}

/*
** Start every transfer whose intended time has come, one at a time: each is stamped and then
** started by its own libcurl timer run, so that libcurl's per-transfer start-up (tens of
** microseconds with many connections to one host) is not charged to the transfers after it.
*/
static void start_due(struct sd_probe *p, int64_t now)
{
    while (p->nheap > 0 && p->heap[0]->t_intended <= now) {
        struct xfer *x = p->heap[0];
        heap_remove(p, x);
        x->t_send = sd_clock_ns();
        x->state = X_ACTIVE;
        p->active++;
        CURLMcode mc = curl_multi_add_handle(p->multi, x->easy);
        if (mc != CURLM_OK) {
            p->active--;
            x->state = X_PENDING; /* so finish() does not touch the multi handle */
            x->code = "connect_error";
            snprintf(x->msg, sizeof x->msg, "libcurl: %s", curl_multi_strerror(mc));
            heap_push(p, x);
            finish(p, x, CURLE_OK);
            continue;
        }
        int64_t d = xfer_deadline(x);
        if (d < p->next_scan)
            p->next_scan = d;
        /* send now, not after the sockets that are ready: their events can wait, a request's
           send time is what TTFT is measured from */
        kick_timer(p);
    }
}

/* ---- public API ---- */

struct sd_probe *sd_probe_new(const struct sd_probe_opts *o, char *err, size_t errlen)
{
    static int global_done;
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            snprintf(err, errlen, "libcurl global init failed");
            return NULL;
        }
        global_done = 1;
    }
    struct sd_probe *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    p->multi = curl_multi_init();
    if (p->epfd < 0 || !p->multi) {
        snprintf(err, errlen, "cannot create the event loop: %s", strerror(errno));
        sd_probe_free(p);
        return NULL;
    }
    p->curl_deadline = -1;
    p->next_scan = INT64_MAX;
    p->max_event = o ? o->max_event : 0;
    p->buffer_size = (o && o->buffer_size) ? o->buffer_size : 16384;
    curl_multi_setopt(p->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    curl_multi_setopt(p->multi, CURLMOPT_SOCKETDATA, p);
    curl_multi_setopt(p->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    curl_multi_setopt(p->multi, CURLMOPT_TIMERDATA, p);
    return p;
}

static void free_xfer(struct xfer *x)
{
    release_easy(x);
    if (x->is_sse && x->state != X_DONE)
        sd_sse_free(&x->sse);
    sd_buf_free(&x->raw);
    sd_buf_free(&x->head);
    tl_free(&x->tl);
    free(x);
}

void sd_probe_free(struct sd_probe *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nslots; i++) {
        struct xfer *x = p->slots[i];
        if (!x)
            continue;
        if (x->state == X_ACTIVE)
            curl_multi_remove_handle(p->multi, x->easy);
        free_xfer(x);
    }
    if (p->multi)
        curl_multi_cleanup(p->multi);
    if (p->epfd >= 0)
        close(p->epfd);
    free(p->slots);
    free(p->free_ids);
    free(p->heap);
    free(p->q);
    sd_buf_free(&p->arena);
    free(p);
}

static struct xfer *slot_new(struct sd_probe *p)
{
    struct xfer *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    if (p->nfree > 0) {
        x->id = p->free_ids[--p->nfree];
    } else {
        if (p->nslots == p->cap_slots) {
            int cap = p->cap_slots ? p->cap_slots * 2 : 64;
            struct xfer **ns = realloc(p->slots, (size_t)cap * sizeof *ns);
            int *nf = realloc(p->free_ids, (size_t)cap * sizeof *nf);
            if (ns)
                p->slots = ns;
            if (nf)
                p->free_ids = nf;
            if (!ns || !nf) {
                free(x);
                return NULL;
            }
            p->cap_slots = cap;
        }
        x->id = p->nslots++;
    }
    p->slots[x->id] = x;
    x->eng = p;
    return x;
}

static struct xfer *slot_get(struct sd_probe *p, int id)
{
    return (id >= 0 && id < p->nslots) ? p->slots[id] : NULL;
}

static int configure(struct sd_probe *p, struct xfer *x, const struct sd_probe_req *r, char *err,
                     size_t errlen)
{
    CURL *e = x->easy;
    for (int i = 0; i < r->nheaders; i++)
        x->hdrs = curl_slist_append(x->hdrs, r->headers[i]);
    /* libcurl waits up to a second for "100 Continue" on larger bodies; that would be timed
       as provider latency, so the header is suppressed. */
    x->hdrs = curl_slist_append(x->hdrs, "Expect:");
    if (r->auth_env) {
        const char *key = getenv(r->auth_env);
        if (!key || !*key) {
            snprintf(err, errlen, "environment variable %s is not set", r->auth_env);
            return -1;
        }
        size_t n = strlen(r->auth_header) + strlen(key) + 1;
        char *h = malloc(n);
        if (!h) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        snprintf(h, n, "%s%s", r->auth_header, key);
        x->hdrs = curl_slist_append(x->hdrs, h);
        explicit_bzero(h, n);
        free(h);
    }
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
    if (r->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, r->body);
    }
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, p->buffer_size);
    if (r->timeout_connect_ms > 0)
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->timeout_connect_ms);
    if (r->timeout_total_ms > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_total_ms);
    static const long versions[] = {CURL_HTTP_VERSION_NONE, CURL_HTTP_VERSION_1_1,
                                    CURL_HTTP_VERSION_2TLS, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE};
    if (r->http_version >= 0 && r->http_version <= 3)
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, versions[r->http_version]);
    /* libcurl 7.88.1 (Debian 12) breaks a reused prior-knowledge HTTP/2 connection with
       "Error in the HTTP2 framing layer" (curl issue #10634, fixed after 7.88.1 by pull
       #10643): such transfers get a connection of their own. */
    int h2c_bug =
        r->http_version == 3 && curl_version_info(CURLVERSION_NOW)->version_num < 0x080000;
    if (r->fresh_connection || h2c_bug) {
        curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    }
    if (r->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return 0;
}

int sd_probe_add(struct sd_probe *p, const struct sd_probe_req *r, char *err, size_t errlen)
{
    if (!r->url) {
        snprintf(err, errlen, "request has no url");
        return -1;
    }
    struct xfer *x = slot_new(p);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    x->easy = curl_easy_init();
    if (!x->easy || configure(p, x, r, err, errlen) != 0) {
        if (!x->easy)
            snprintf(err, errlen, "libcurl could not create a handle");
        sd_probe_release(p, x->id);
        return -1;
    }
    x->fast = r->fast;
    x->to_first = r->timeout_first_ms;
    x->to_idle = r->timeout_idle_ms;
    x->max_response = r->max_response ? r->max_response : DEFAULT_MAX_RESPONSE;
    x->t_intended = r->t_intended > 0 ? r->t_intended : sd_clock_ns();
    x->state = X_PENDING;
    if (heap_push(p, x) != 0) {
        snprintf(err, errlen, "out of memory");
        sd_probe_release(p, x->id);
        return -1;
    }
    return x->id;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void wait_and_dispatch(struct sd_probe *p, int64_t now, int64_t until)
{
    int64_t wake = until;
    if (p->curl_deadline >= 0)
        wake = min64(wake, p->curl_deadline);
    if (p->nheap > 0)
        wake = min64(wake, p->heap[0]->t_intended);
    wake = min64(wake, p->next_scan);
    int64_t dt = wake > now ? wake - now : 0;
    struct timespec ts = {dt / 1000000000, dt % 1000000000};
    struct epoll_event evs[256];
    int n = epoll_pwait2(p->epfd, evs, 256, &ts, NULL);
    if (n < 0 && errno == ENOSYS) {
        /* kernels before 5.11: millisecond resolution, rounded up */
        n = epoll_wait(p->epfd, evs, 256, (int)((dt + 999999) / 1000000));
    }
    int running = 0;
    /* stop once a few items wait for the caller: the other sockets stay ready
       (epoll is level-triggered) and are read on the next step, so the caller handles a few
       completions at a time rather than a burst while no socket is read */
    for (int i = 0; i < n && p->qlen < 8; i++) {
        int mask = 0;
        if (evs[i].events & (EPOLLIN | EPOLLHUP))
            mask |= CURL_CSELECT_IN;
        if (evs[i].events & EPOLLOUT)
            mask |= CURL_CSELECT_OUT;
        if (evs[i].events & EPOLLERR)
            mask |= CURL_CSELECT_ERR;
        curl_multi_socket_action(p->multi, evs[i].data.fd, mask, &running);
    }
    kick_timer(p);
    read_done(p);
}

int sd_probe_step(struct sd_probe *p, int64_t wait_ns)
{
    if (p->qhead < p->qlen)
        return (int)(p->qlen - p->qhead);
    p->qlen = p->qhead = 0;
    p->arena.len = 0;
    int64_t until = sd_clock_ns() + (wait_ns > 0 ? wait_ns : 0);
    for (;;) {
        int64_t now = sd_clock_ns();
        start_due(p, now);
        scan_deadlines(p, now);
        if (p->qlen > 0 || (p->active == 0 && p->nheap == 0) || now >= until)
            break;
        wait_and_dispatch(p, now, until);
    }
    return (int)p->qlen;
}

void sd_probe_mark_output(struct sd_probe *p, int id)
{
    struct xfer *x = slot_get(p, id);
    if (x)
        x->marked = 1;
}

void sd_probe_cancel(struct sd_probe *p, int id, const char *code)
{
    struct xfer *x = slot_get(p, id);
    if (!x || (x->state != X_ACTIVE && x->state != X_PENDING))
        return;
    x->code = code ? code : "cancelled";
    snprintf(x->msg, sizeof x->msg, "ended by the caller");
    finish(p, x, CURLE_OK);
}

int sd_probe_result(struct sd_probe *p, int id, struct sd_probe_result *res)
{
    struct xfer *x = slot_get(p, id);
    if (!x || x->state != X_DONE)
        return -1;
    memset(res, 0, sizeof *res);
    res->code = x->code ? x->code : "ok";
    res->message = x->msg;
    res->http_status = x->status;
    res->http_version = x->httpver == CURL_HTTP_VERSION_2_0   ? 20
                        : x->httpver == CURL_HTTP_VERSION_1_0 ? 10
                        : x->httpver == CURL_HTTP_VERSION_3   ? 30
                        : x->httpver                          ? 11
                                                              : 0;
    res->t_intended = x->t_intended;
    res->t_send = x->t_send;
    res->t_end = x->t_end;
    res->t_first_byte = x->t_first_byte;
    res->dns_ms = x->dns;
    res->connect_ms = x->conn;
    res->tls_ms = x->tls;
    res->ttfb_ms = x->ttfb;
    res->send_ms = x->pre;
    res->bytes = x->bytes;
    res->is_sse = x->is_sse;
    res->unterminated = x->unterminated;
    res->body = x->raw.p ? x->raw.p : "";
    res->body_len = x->raw.len;
    res->headers = x->head.p ? x->head.p : "";
    res->headers_len = x->head.len;
    res->sse_error_offset = x->sse_err_off;
    res->tl_t = x->tl.t;
    res->tl_bytes = x->tl.bytes;
    res->tl_kind = x->tl.kind ? x->tl.kind : "";
    res->tl_n = x->tl.n;
    res->fast = &x->fst;
    return 0;
}

long sd_probe_take_timeline(struct sd_probe *p, int id, int64_t **t, uint32_t **bytes, char **kind)
{
    struct xfer *x = slot_get(p, id);
    if (!x || x->state != X_DONE)
        return -1;
    long n = (long)x->tl.n;
    *t = x->tl.t;
    *bytes = x->tl.bytes;
    *kind = x->tl.kind;
    memset(&x->tl, 0, sizeof x->tl);
    return n;
}

void sd_probe_release(struct sd_probe *p, int id)
{
    struct xfer *x = slot_get(p, id);
    if (!x)
        return;
    if (x->state == X_ACTIVE || x->state == X_PENDING)
        sd_probe_cancel(p, id, "cancelled");
    p->slots[id] = NULL;
    p->free_ids[p->nfree++] = id;
    free_xfer(x);
}

int sd_probe_active(const struct sd_probe *p)
{
    return p->active;
}

int sd_probe_pending(const struct sd_probe *p)
{
    return (int)p->nheap;
}

/*
** Descriptors are numbered from the bottom, so holding one at number n-1 for a moment makes
** the kernel size the table for n now; the table never shrinks. Done by hand because a
** growing table is slow here: Linux grows the table of a multi-threaded process only after an
** RCU grace period (expand_fdtable waits in synchronize_rcu), 10 to 20 ms on this machine,
** and it doubles at 64, 128, 256... descriptors. The mock accepting its 512th connection
** under load stalled every stream it served that long (found with /proc/TID/wchan).
*/
static void reserve_fds(long n)
{
    int base = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (base < 0)
        return;
    int top = n > 1 ? fcntl(base, F_DUPFD_CLOEXEC, (int)(n - 1)) : -1;
    if (top >= 0)
        close(top);
    close(base);
}

long sd_probe_raise_nofile(long want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if ((rlim_t)want > rl.rlim_cur) {
        rlim_t target = (rlim_t)want;
        if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max)
            target = rl.rlim_max;
        rl.rlim_cur = target;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    long lim = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX ? INT_MAX : (long)rl.rlim_cur;
    reserve_fds(want < lim ? want : lim);
    return lim;
}

/*
** floor.c: the machine's own floor for the fidelity benchmark.
**
** The cheapest paced sender and receiver that can be written for the same load: one process
** sends small messages over loopback TCP on the fidelity schedule (streams arriving at a
** constant rate, a first event after TTFT, then one every ITL), with one clock_nanosleep and
** one send() per event; a second process reads them with epoll and recv() and stamps each
** on arrival. No HTTP, no JSON, no event loop library. Whatever error it shows is the
** machine's (scheduling, loopback delivery, the host's noise) at that moment, and it is
** printed beside the clients' in the same run. Not part of sonde; built for `make bench`.
**
** usage: floor N RATE TTFT_MS ITL_MS EVENTS OUT.json
** Writes {"events", "errors", "requests": [{"i", "ttft", "itl"}]} in ms, as the clients do,
** with "ttft" measured from each stream's planned start.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG 128 /* about one openai-chat delta event */

struct msg {
    int32_t stream, k;
    int64_t planned, start; /* ns: this event's due time, its stream's planned start */
    char pad[MSG - 24];
};

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

struct plan {
    int n, events;
    int64_t t0, gap, ttft, itl; /* ns */
};

static int64_t start_of(const struct plan *p, int s)
{
    return p->t0 + (int64_t)s * p->gap;
}

static int64_t due(const struct plan *p, int s, int k)
{
    return start_of(p, s) + p->ttft + (int64_t)k * p->itl;
}

struct ev {
    int64_t due;
    int32_t stream, k;
};

static int by_due(const void *a, const void *b)
{
    const struct ev *x = a, *y = b;
    return x->due < y->due ? -1 : x->due > y->due;
}

/* The whole schedule is known in advance: list it, sort it, walk it. */
static void send_all(const struct plan *p, const int *fd)
{
    size_t n = (size_t)p->n * (size_t)p->events;
    struct ev *e = malloc(n * sizeof *e);
    if (!e)
        die("malloc");
    for (int s = 0; s < p->n; s++)
        for (int k = 0; k < p->events; k++)
            e[(size_t)s * (size_t)p->events + (size_t)k] = (struct ev){due(p, s, k), s, k};
    qsort(e, n, sizeof *e, by_due);
    struct msg m;
    memset(&m, 'x', sizeof m);
    for (size_t i = 0; i < n; i++) {
        struct timespec ts = {(time_t)(e[i].due / 1000000000), (long)(e[i].due % 1000000000)};
        while (now_ns() < e[i].due &&
               clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
        m.stream = e[i].stream;
        m.k = e[i].k;
        m.planned = e[i].due;
        m.start = start_of(p, e[i].stream);
        if (send(fd[m.stream], &m, sizeof m, MSG_NOSIGNAL) != (ssize_t)sizeof m)
            die("send");
    }
    free(e);
}

static void receive_all(const struct plan *p, const int *fd, const char *out)
{
    int ep = epoll_create1(0);
    if (ep < 0)
        die("epoll_create1");
    for (int s = 0; s < p->n; s++) {
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)s};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd[s], &e) != 0)
            die("epoll_ctl");
    }
    int64_t *at = calloc((size_t)p->n * (size_t)p->events, sizeof *at);
    char(*part)[MSG] = calloc((size_t)p->n, MSG); /* a message split across reads */
    int *have = calloc((size_t)p->n, sizeof *have);
    int64_t *start = calloc((size_t)p->n, sizeof *start);
    if (!at || !part || !have || !start)
        die("calloc");
    long left = (long)p->n * p->events;
    struct epoll_event ev[256];
    char buf[1 << 16];
    while (left > 0) {
        int k = epoll_wait(ep, ev, 256, -1);
        for (int j = 0; j < k; j++) {
            int s = (int)ev[j].data.u32;
            ssize_t got = recv(fd[s], buf, sizeof buf, 0);
            int64_t t = now_ns();
            if (got <= 0)
                die("recv");
            for (ssize_t o = 0; o < got;) {
                size_t take = (size_t)(MSG - have[s]);
                if (take > (size_t)(got - o))
                    take = (size_t)(got - o);
                memcpy(part[s] + have[s], buf + o, take);
                have[s] += (int)take;
                o += (ssize_t)take;
                if (have[s] == MSG) {
                    struct msg m;
                    memcpy(&m, part[s], sizeof m);
                    at[(size_t)m.stream * (size_t)p->events + (size_t)m.k] = t;
                    start[m.stream] = m.start;
                    have[s] = 0;
                    left--;
                }
            }
        }
    }
    FILE *f = fopen(out, "w");
    if (!f)
        die(out);
    fprintf(f, "{\"events\":%ld,\"errors\":0,\"requests\":[", (long)p->n * p->events);
    for (int s = 0; s < p->n; s++) {
        const int64_t *a = at + (size_t)s * (size_t)p->events;
        fprintf(f, "%s{\"i\":%d,\"ttft\":%.6f,\"itl\":[", s ? "," : "", s,
                (double)(a[0] - start[s]) / 1e6);
        for (int k = 1; k < p->events; k++)
            fprintf(f, "%s%.6f", k > 1 ? "," : "", (double)(a[k] - a[k - 1]) / 1e6);
        fputs("]}", f);
    }
    fputs("]}\n", f);
    if (fclose(f) != 0)
        die(out);
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: floor N RATE TTFT_MS ITL_MS EVENTS OUT.json\n");
        return 2;
    }
    struct plan p = {.n = atoi(argv[1]), .events = atoi(argv[5])};
    double rate = atof(argv[2]);
    if (p.n < 1 || p.events < 1 || rate <= 0) {
        fprintf(stderr, "floor: N, RATE and EVENTS must be positive\n");
        return 2;
    }
    p.gap = (int64_t)(1e9 / rate);
    p.ttft = (int64_t)(atof(argv[3]) * 1e6);
    p.itl = (int64_t)(atof(argv[4]) * 1e6);

    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 4096) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0)
        die("listen");
    int *fd = calloc((size_t)p.n, sizeof *fd);
    if (!fd)
        die("calloc");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(ls);
        for (int s = 0; s < p.n; s++) {
            fd[s] = socket(AF_INET, SOCK_STREAM, 0);
            if (fd[s] < 0 || connect(fd[s], (struct sockaddr *)&a, sizeof a) != 0)
                die("connect");
            /* tell the sender which stream this connection is */
            if (send(fd[s], &s, sizeof s, 0) != (ssize_t)sizeof s)
                die("send");
        }
        receive_all(&p, fd, argv[6]);
        return 0;
    }
    int one = 1;
    for (int i = 0; i < p.n; i++) {
        int c = accept(ls, NULL, NULL);
        int s;
        if (c < 0 || recv(c, &s, sizeof s, MSG_WAITALL) != (ssize_t)sizeof s || s < 0 || s >= p.n)
            die("accept");
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fd[s] = c;
    }
    p.t0 = now_ns() + 100000000; /* both sides are ready well before this */
    send_all(&p, fd);
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 1;
    return 0;
}

/*
** fast.h: the per-event fast path. A protocol script declares, as data, which JSON paths of
** its stream events carry answer text, reasoning text and the finish reason, which paths
** mean "this event needs the script" (usage, errors, tool calls ...), and which data payload
** is the terminator. The engine applies that plan to each event in C; events it cannot
** settle go to the script as usual. It names no protocol and no field itself.
*/
#ifndef SONDE_FAST_H
#define SONDE_FAST_H

#include "jsonpick.h"

#include <stddef.h>
#include <stdint.h>

enum sd_fast_role { SD_FAST_ANSWER, SD_FAST_REASONING, SD_FAST_FINISH, SD_FAST_BAIL };

struct sd_fast {
    struct sd_jplan *plan;
    unsigned char *role; /* per path */
    char *done_data;     /* the terminator payload, or NULL */
};

/* What the fast path has seen of one response. */
struct sd_fast_state {
    uint64_t answer_bytes, reasoning_bytes;
    uint32_t out_events, events;
    int64_t t_first_out, t_first_answer, t_first_reasoning, t_last_out, t_finish;
    char finish[32];
    int saw_done;
};

/* A plan of n paths with their roles (filled by the caller through plan and role). */
struct sd_fast *sd_fast_new(int n, const char *done_data);
void sd_fast_free(struct sd_fast *f);

/*
** Apply the plan to one event that arrived at t. Returns its kind letter ('a' answer,
** 'r' reasoning, 'f' finish only, 'd' terminator, 'm' nothing of note) and updates st, or 0
** when the event must go to the script (an event name, a bail path present, a value of an
** unexpected type, or text that is not JSON). Nothing in st changes when it returns 0.
*/
int sd_fast_apply(const struct sd_fast *f, const char *name, size_t name_len, const char *data,
                  size_t len, int64_t t, struct sd_fast_state *st);

#endif

/*
** fast.c: the per-event fast path (see fast.h).
*/
#include "fast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATHS 32

struct sd_fast *sd_fast_new(int n, const char *done_data)
{
    if (n < 0 || n > MAX_PATHS)
        return NULL;
    struct sd_fast *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->plan = sd_jplan_new(n);
    f->role = calloc((size_t)(n > 0 ? n : 1), 1);
    f->done_data = done_data ? strdup(done_data) : NULL;
    if (!f->plan || !f->role || (done_data && !f->done_data)) {
        sd_fast_free(f);
        return NULL;
    }
    return f;
}

void sd_fast_free(struct sd_fast *f)
{
    if (!f)
        return;
    sd_jplan_free(f->plan);
    free(f->role);
    free(f->done_data);
    free(f);
}

int sd_fast_apply(const struct sd_fast *f, const char *name, size_t name_len, const char *data,
                  size_t len, int64_t t, struct sd_fast_state *st)
{
    if (name_len > 0 && !(name_len == 7 && memcmp(name, "message", 7) == 0))
        return 0;
    if (f->done_data && strlen(f->done_data) == len && memcmp(data, f->done_data, len) == 0) {
        st->saw_done = 1;
        st->events++;
        return 'd';
    }
    struct sd_jdoc doc;
    if (sd_jpick_parse(&doc, data, len, NULL) != SD_JPICK_OK)
        return 0;
    int v[MAX_PATHS];
    sd_jpick_get(f->plan, &doc, v);
    int answer = -1, reasoning = -1, finish = -1;
    for (int i = 0; i < f->plan->n; i++) {
        enum sd_jtype ty = sd_jpick_type(&doc, v[i]);
        if (ty == SD_J_ABSENT || ty == SD_J_NULL)
            continue;
        if (f->role[i] == SD_FAST_BAIL || ty != SD_J_STRING)
            return 0;
        /* the first path of a role that holds a string wins, as in the scripts */
        if (f->role[i] == SD_FAST_ANSWER && answer < 0)
            answer = v[i];
        else if (f->role[i] == SD_FAST_REASONING && reasoning < 0)
            reasoning = v[i];
        else if (f->role[i] == SD_FAST_FINISH && finish < 0)
            finish = v[i];
    }
    char fin[sizeof st->finish];
    if (finish >= 0 && sd_jpick_str(&doc, finish, fin, sizeof fin) < 0)
        return 0;
    size_t rl = reasoning >= 0 ? sd_jpick_strlen(&doc, reasoning) : 0;
    size_t al = answer >= 0 ? sd_jpick_strlen(&doc, answer) : 0;
    int kind = rl ? 'r' : al ? 'a' : finish >= 0 ? 'f' : 'm';
    if (rl && !st->t_first_reasoning)
        st->t_first_reasoning = t;
    if (al && !st->t_first_answer)
        st->t_first_answer = t;
    if (rl || al) {
        if (!st->t_first_out)
            st->t_first_out = t;
        st->t_last_out = t;
        st->out_events++;
    }
    st->reasoning_bytes += rl;
    st->answer_bytes += al;
    if (finish >= 0) {
        memcpy(st->finish, fin, sizeof fin);
        st->t_finish = t;
    }
    st->events++;
    return kind;
}

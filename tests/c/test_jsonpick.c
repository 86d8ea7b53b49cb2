/*
** test_jsonpick.c: the hand-written tokeniser accepts JSON and nothing else (RFC 8259
** grammar cases), decodes escapes to the bytes lua-cjson gives, and finds values at paths
** through the plan trie, including paths that share steps and absent ones.
*/
#include "fast.h"
#include "jsonpick.h"
#include "test.h"

#include <stdlib.h>

static struct sd_jdoc doc;

static int parses(const char *s)
{
    return sd_jpick_parse(&doc, s, strlen(s), NULL) == SD_JPICK_OK;
}

static void test_grammar(void)
{
    const char *good[] = {
        "{}",
        "[]",
        " { } ",
        "{\"a\":1}",
        "{\"a\":-0.5e+10,\"b\":[true,false,null]}",
        "[1,2,[3,[4]],{\"x\":{}}]",
        "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}",
        "[0,-1,1.25,1E3,2e-2]",
        "{\"a\" : [ 1 , 2 ] }\n",
    };
    const char *bad[] = {
        "",
        "1",
        "\"x\"",
        "{",
        "{\"a\":}",
        "{\"a\" 1}",
        "{\"a\":1,}",
        "[1,]",
        "[1 2]",
        "{a:1}",
        "{\"a\":tru}",
        "{\"a\":nul}",
        "{\"a\":01}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":-}",
        "{\"a\":1e}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12g4\"}",
        "{\"a\":\"open}",
        "{}{}",
        "{} x",
        "[1]]",
        "{\"a\":[1}",
        "{\"a\":+1}",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!parses(good[i]))
            fprintf(stderr, "rejected good JSON: %s\n", good[i]);
        CHECK(parses(good[i]));
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parses(bad[i]))
            fprintf(stderr, "accepted bad JSON: %s\n", bad[i]);
        CHECK(!parses(bad[i]));
    }
    /* nesting and size limits say TOO_BIG, not INVALID, so the caller decodes it elsewhere */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    CHECK_INT(sd_jpick_parse(&doc, deep, 200, NULL), SD_JPICK_TOO_BIG);
    char wide[4000];
    size_t n = 0;
    wide[n++] = '[';
    for (int i = 0; i < 400; i++)
        n += (size_t)snprintf(wide + n, sizeof wide - n, "%s1", i ? "," : "");
    wide[n++] = ']';
    CHECK_INT(sd_jpick_parse(&doc, wide, n, NULL), SD_JPICK_TOO_BIG);
    size_t at = 0;
    CHECK_INT(sd_jpick_parse(&doc, "{\"a\":[1,2 3]}", 13, &at), SD_JPICK_INVALID);
    CHECK_INT(at, 10);
}

static struct sd_jplan *plan(const char *const paths[][4], int n)
{
    struct sd_jplan *p = sd_jplan_new(n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < 4 && paths[i][j]; j++) {
            const char *s = paths[i][j];
            if (s[0] == '#')
                sd_jplan_set(p, i, j, NULL, atoi(s + 1));
            else
                sd_jplan_set(p, i, j, s, 0);
        }
    CHECK_INT(sd_jplan_compile(p), 0);
    return p;
}

static void test_paths(void)
{
    /* shared prefixes, interleaved parents, an index, absent paths, a duplicate */
    static const char *const paths[][4] = {
        {"choices", "#0", "delta", "content"},
        {"usage", NULL, NULL, NULL},
        {"choices", "#0", "finish_reason", NULL},
        {"meta", "id", NULL, NULL},
        {"choices", "#1", NULL, NULL},
        {"choices", "#0", "delta", "reasoning"},
        {"usage", "total", NULL, NULL},
        {"choices", "#0", "delta", "content"},
    };
    struct sd_jplan *p = plan(paths, 8);
    const char *s =
        "{\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"h\\u00e9\\n\","
        "\"reasoning\":null},\"finish_reason\":\"stop\"}],\"usage\":{\"total\":7},"
        "\"meta\":{\"id\":[1,{\"id\":2}]}}";
    CHECK_INT(sd_jpick_parse(&doc, s, strlen(s), NULL), SD_JPICK_OK);
    int v[8];
    sd_jpick_get(p, &doc, v);
    char buf[64];
    CHECK_INT(sd_jpick_type(&doc, v[0]), SD_J_STRING);
    CHECK_INT(sd_jpick_strlen(&doc, v[0]), 4); /* h, e-acute (2 bytes), newline */
    CHECK_INT(sd_jpick_str(&doc, v[0], buf, sizeof buf), 4);
    CHECK_STR(buf, "h\xc3\xa9\n");
    CHECK_INT(sd_jpick_type(&doc, v[1]), SD_J_COMPOSITE);
    CHECK_INT(sd_jpick_str(&doc, v[2], buf, sizeof buf), 4);
    CHECK_STR(buf, "stop");
    CHECK_INT(sd_jpick_type(&doc, v[3]), SD_J_COMPOSITE);
    CHECK_INT(sd_jpick_type(&doc, v[4]), SD_J_ABSENT);
    CHECK_INT(sd_jpick_type(&doc, v[5]), SD_J_NULL);
    CHECK_INT(sd_jpick_type(&doc, v[6]), SD_J_NUMBER);
    CHECK_INT(v[7], v[0]);
    CHECK_INT(sd_jpick_str(&doc, v[0], buf, 3), -1); /* does not fit */
    /* a surrogate pair is one 4-byte character */
    const char *e = "{\"choices\":[{\"delta\":{\"content\":\"\\ud83d\\ude0a\"}}]}";
    CHECK_INT(sd_jpick_parse(&doc, e, strlen(e), NULL), SD_JPICK_OK);
    sd_jpick_get(p, &doc, v);
    CHECK_INT(sd_jpick_str(&doc, v[0], buf, sizeof buf), 4);
    CHECK_STR(buf, "\xf0\x9f\x98\x8a");
    sd_jplan_free(p);
}

static void test_fast(void)
{
    struct sd_fast *f = sd_fast_new(4, "[DONE]");
    const char *steps[4][4] = {{"choices", NULL, "delta", "content"},
                               {"choices", NULL, "delta", "reasoning"},
                               {"choices", NULL, "finish_reason", NULL},
                               {"usage", NULL, NULL, NULL}};
    const int lens[4] = {4, 4, 3, 1}; /* a NULL step is index 0 */
    unsigned char roles[4] = {SD_FAST_ANSWER, SD_FAST_REASONING, SD_FAST_FINISH, SD_FAST_BAIL};
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < lens[i]; j++)
            sd_jplan_set(f->plan, i, j, steps[i][j], 0);
        f->role[i] = roles[i];
    }
    CHECK_INT(sd_jplan_compile(f->plan), 0);
    struct sd_fast_state st;
    memset(&st, 0, sizeof st);
    const char *a = "{\"choices\":[{\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}";
    const char *r = "{\"choices\":[{\"delta\":{\"reasoning\":\"hmm\"}}]}";
    const char *fin = "{\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}";
    const char *u = "{\"choices\":[],\"usage\":{\"completion_tokens\":3}}";
    CHECK_INT(sd_fast_apply(f, "", 0, r, strlen(r), 100, &st), 'r');
    CHECK_INT(sd_fast_apply(f, "", 0, a, strlen(a), 200, &st), 'a');
    CHECK_INT(sd_fast_apply(f, "", 0, fin, strlen(fin), 300, &st), 'f');
    CHECK_INT(sd_fast_apply(f, "", 0, u, strlen(u), 400, &st), 0);      /* bail: usage */
    CHECK_INT(sd_fast_apply(f, "error", 5, a, strlen(a), 400, &st), 0); /* bail: named */
    CHECK_INT(sd_fast_apply(f, "", 0, "{\"choices\":[", 12, 400, &st), 0);
    CHECK_INT(sd_fast_apply(f, "", 0, "[DONE]", 6, 500, &st), 'd');
    CHECK_INT(st.answer_bytes, 2);
    CHECK_INT(st.reasoning_bytes, 3);
    CHECK_INT(st.out_events, 2);
    CHECK_INT(st.t_first_out, 100);
    CHECK_INT(st.t_first_reasoning, 100);
    CHECK_INT(st.t_first_answer, 200);
    CHECK_INT(st.t_last_out, 200);
    CHECK_STR(st.finish, "length");
    CHECK_INT(st.saw_done, 1);
    sd_fast_free(f);
}

int main(void)
{
    test_grammar();
    test_paths();
    test_fast();
    return TEST_DONE();
}

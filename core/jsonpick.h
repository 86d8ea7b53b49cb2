/*
** jsonpick.h: read a few values at fixed paths out of a JSON text. The text is tokenised in
** place (no allocation, nothing converted, every token knows where its subtree ends), then
** each path is walked over the tokens; only the values asked for are decoded. A plan is a
** list of paths (object keys and 0-based array indexes) given by the caller; this module
** knows no field names.
**
** Not a general JSON library: documents over SD_JPICK_TOKENS tokens or nested deeper than
** SD_JPICK_NEST are refused with SD_JPICK_TOO_BIG so that the caller decodes them some other
** way. What it accepts is JSON (RFC 8259 grammar; strings are not checked for raw control
** characters or UTF-8, as lua-cjson does not check them either).
*/
#ifndef SONDE_JSONPICK_H
#define SONDE_JSONPICK_H

#include <stddef.h>

#define SD_JPICK_DEPTH 8
#define SD_JPICK_TOKENS 256
#define SD_JPICK_NEST 32
#define SD_JPICK_PATHS 64

enum sd_jtok_type { SD_JT_OBJECT, SD_JT_ARRAY, SD_JT_STRING, SD_JT_PRIMITIVE };

struct sd_jtok {
    unsigned char type;
    int start, end; /* bytes; a string's are inside its quotes */
    int size;       /* members of an object, elements of an array */
    int next;       /* the token after this one's whole subtree */
};

struct sd_jstep {
    char *key; /* NULL: an array index */
    size_t key_len;
    int index;
};

/* A plan compiled into a trie: children of a node are contiguous, in plan order. */
struct sd_jnode {
    const struct sd_jstep *edge; /* the step from the parent (NULL at the root) */
    int first, nchild;
};

struct sd_jplan {
    int n;
    int *len;
    struct sd_jstep *step; /* n * SD_JPICK_DEPTH */
    struct sd_jnode *node; /* built by sd_jplan_compile */
    int nnode;
    int *term; /* the node where path i ends */
};

struct sd_jdoc {
    const char *text;
    int ntok;
    struct sd_jtok tok[SD_JPICK_TOKENS];
};

enum sd_jpick_rc { SD_JPICK_OK = 0, SD_JPICK_INVALID = -1, SD_JPICK_TOO_BIG = -2 };

enum sd_jtype { SD_J_ABSENT, SD_J_NULL, SD_J_STRING, SD_J_NUMBER, SD_J_BOOL, SD_J_COMPOSITE };

/* A plan for n paths; fill it with sd_jplan_set. NULL when out of memory. */
struct sd_jplan *sd_jplan_new(int n);
/* Step j of path i: a key (copied) when key is not NULL, else the array index. 0 or -1. */
int sd_jplan_set(struct sd_jplan *p, int i, int j, const char *key, int index);
void sd_jplan_free(struct sd_jplan *p);
/* Build the trie once every path is set; 0, or -1 when out of memory or over
   SD_JPICK_PATHS paths. */
int sd_jplan_compile(struct sd_jplan *p);

/*
** Tokenise text (which must outlive d) as one JSON object or array. Returns SD_JPICK_OK,
** SD_JPICK_INVALID with *err_at near the offending byte, or SD_JPICK_TOO_BIG.
*/
int sd_jpick_parse(struct sd_jdoc *d, const char *text, size_t len, size_t *err_at);

/*
** The token of every path of the (compiled) plan into out[0..n-1] (-1 when absent), in one
** walk over the document: each object's members are matched against the trie's children.
*/
void sd_jpick_get(const struct sd_jplan *p, const struct sd_jdoc *d, int *out);

enum sd_jtype sd_jpick_type(const struct sd_jdoc *d, int tok);

/* A string token's length once its escapes are decoded (UTF-8 bytes). */
size_t sd_jpick_strlen(const struct sd_jdoc *d, int tok);

/* Decode a string token into out (cap bytes, NUL-terminated); returns its length, or -1 when
   it does not fit. */
long sd_jpick_str(const struct sd_jdoc *d, int tok, char *out, size_t cap);

#endif

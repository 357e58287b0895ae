/*
 * acr_json_read.h -- the schema reader's private state (internal, hidden).
 *
 * The reader is two files over one lexer (acr_json_lex.h):
 *  - acr_json_read.c: records.  The reader state and its errors, the
 *    readers of every field kind, nested records and lists, unknown
 *    members kept as minified text, skipping a value after a schema error;
 *    acr_json_validate.
 *  - acr_json_doc.c: documents.  What the text is (a run in any shape, a
 *    task run, a list, an ARM error body, not a run), Run objects and
 *    their "properties", run lists, acr_json_decode(_next).
 * Every arrow points from acr_json_doc.c to acr_json_read.c.
 *
 * Both pull tokens from the one acr_jlex in jr, from the first byte to the
 * last: nothing is read twice (the test counts the tokens).
 */
#ifndef ACR_JSON_READ_H
#define ACR_JSON_READ_H

#include "acr_json_lex.h"

#include <stdio.h>
#include <string.h>

#if defined(__GNUC__)
#  define ACR_JR_INLINE __inline__ __attribute__((always_inline))
/* A cold piece kept out of a recursive reader: its locals (messages) are
 * then not in the frame of every level. */
#  define ACR_JR_NOINLINE __attribute__((noinline))
#else
#  define ACR_JR_INLINE
#  define ACR_JR_NOINLINE
#endif

/* A step of the field path, on the C stack; key is raw text (esc: it has
 * escapes to undo), otherwise index (1-based) of an array item. */
typedef struct jframe {
  const struct jframe *up;
  const unsigned char *key;
  size_t keylen;
  size_t index;
  int esc;
} jframe;

typedef struct jerrstate {
  acr_status st;
  const unsigned char *pos;
  acr_path path;
  char msg[ACR_MSG_MAX];
} jerrstate;

/* The order in which members of records of type t came last (next[i]:
 * the field after the field with index i - 1, next[0] the first; at
 * first the spec's order): lists hold runs written alike, so after the
 * first one the name of nearly every member is found at the first
 * comparison.  Kept in the caller's acr_decode_memo, if given, from
 * decode to decode (the first run of a document then too). */
#define JR_ORDER_TYPES 16
typedef struct jorder {
  const acr_type *t;
  int where;   /* a Run object's own members (0) or its "properties" */
  unsigned char next[33];
} jorder;

/* acr_decode_memo: the member orders, kept from decode to decode. */
struct acr_decode_memo {
  jorder order[JR_ORDER_TYPES];
};

/* A member of the root object met before "value" (see acr_json_doc.c):
 * where its name and value are, in the text and in the capture. */
typedef struct jmember {
  size_t koff;            /* the name's quote */
  size_t rawklen;         /* the name's length as written */
  acr_jmark v;            /* the value's first byte (v.off), in jr.cap */
  size_t vend;            /* the byte after the value */
  acr_jtok vtok;          /* its first token */
  int kesc, vesc;         /* name, string value: with escapes */
} jmember;
#define JR_MEMBERS_SMALL 8

/* Strict mode: a member name that is no field of its object (see
 * acr_jr_name_once): at off in the text (copied: in jr.ncopy), len
 * bytes; next: the name noted before it with the same head, or
 * JR_NAME_NONE. */
typedef struct jname {
  size_t off, len;
  size_t next;
  uint32_t hash;
  int copied;
} jname;
#define JR_NAME_NONE ((size_t)-1)

/* The parts of a root member "error": {...} (an ARM error body, if it has
 * a string "code" or "message"), noted while it is read: the texts of
 * code, message and target (the last string of each, as written: esc,
 * escapes to undo) and the JSON texts of details and additionalInfo. */
enum { JSVC_CODE, JSVC_MESSAGE, JSVC_TARGET, JSVC_DETAILS, JSVC_INFO,
       JSVC_N };
typedef struct jsvc {
  const unsigned char *start; /* the object's '{' */
  const char *text[JSVC_N];   /* NULL: none */
  size_t len[JSVC_N];
  int esc[JSVC_N];
  int found;                  /* a string code or message */
} jsvc;

/* References to the pool a reader takes at once for the runs it makes. */
#define JR_POOL_REFS 1024

typedef struct jr {
  acr_jlex x;    /* the one lexer, over the whole text */
  const unsigned char *s, *e;
  const acr_allocator *a;
  int strict;
  int tasknest;  /* task runs open around the Run object being read */
  jerrstate es;  /* the fatal error: syntax, limit, memory */
  jerrstate pend; /* the first schema error, while reading goes on */
  jerrstate dup;  /* strict: the first duplicate key, wherever it is (a
                     task run drops its own members' errors, not this) */
  acr_buf errs;   /* error records kept while a Run object is read, a few
                     per task-run level (acr_json_doc.c), grown only when
                     there is an error to keep: off the C stack */
  int svc;       /* the root is an ARM error body: its "error" object */
  jsvc svcbody;  /* what that object holds, noted as it was read */
  acr_buf tmp;   /* minified unknown values */
  acr_buf key;   /* unescaped keys */
  acr_buf items; /* the items of the lists being read (void *), a stack */
  acr_buf sbuf;  /* unescaped enum / date-time text */
  acr_buf cap;   /* the capture's gaps (acr_jlex_capture): of the Run
                    object being read and those in it (acr_json_doc.c) */
  jmember msmall[JR_MEMBERS_SMALL]; /* its members so far: the first */
  acr_buf members; /* the others (jmember records) */
  size_t nmembers;
  /* strict: the names of the members that are no field, of the objects
   * being read (a stack: see acr_jr_name_once), hashed */
  acr_buf names;  /* jname records, the innermost object's last */
  acr_buf nheads; /* the chains' heads (size_t indexes; a power of two) */
  acr_buf ncopy;  /* the names written with escapes, unescaped */
  int names_ready; /* the three set up (names.len alone is before) */
  jorder *order;  /* the member orders learnt: own_order, or a memo's */
  jorder own_order[JR_ORDER_TYPES];
  acr_strpool *pool; /* texts of ACR_F_SHARED fields of a list's runs */
  size_t run_hint; /* inline arena for the next run (acr_run_new_decoding) */
  long pool_refs;  /* references to pool taken ahead for its runs, unused
                      (JR_POOL_REFS at a time; given back at the end) */
} jr;

#define jr_tokpos(J) ((J)->s + (J)->x.off)

/* The frame of an array's items (index 0: none yet) under up. */
static inline void jr_item_frame(jframe *item, const jframe *up) {
  item->up = up;
  item->key = NULL;
  item->index = 0;
  item->esc = 0;
}
/* mf names the member whose name (a KEY token) is current. */
static inline void jr_key_frame(const jr *J, jframe *mf) {
  mf->key = (const unsigned char *)J->x.text;
  mf->keylen = J->x.len;
  mf->esc = J->x.esc;
}
/* The next token where the reader knows what comes: a member name or '}',
 * a member's value, an item or ']' (the lexer's inline fast paths); or
 * anything (out of line). */
#define jr_member(J) acr_jlex_next_member(&(J)->x)
#define jr_value(J) acr_jlex_next_value(&(J)->x)
#define jr_item(J) acr_jlex_next_item(&(J)->x)

#define jr_next(J) acr_jlex_next(&(J)->x)

/* Starts reading text; memo: the member orders learnt so far (the
 * caller's acr_decode_memo), or NULL to learn them anew. */
ACR_HIDDEN void acr_jr_init(jr *J, const char *text, size_t len,
                            const acr_allocator *a, int strict,
                            int max_depth, unsigned lexflags,
                            jorder *memo);
ACR_HIDDEN void acr_jr_free(jr *J);

/* Records an error (see acr_json_read.c) and returns its kind, or the
 * fatal error already recorded. */
/* The document readers (acr_json_doc.c), for the entry points
 * (acr_json_decode.c).  acr_jr_doc_run reads the Run object whose '{' is
 * current (doc_top: the document's root, which may turn out to be a
 * RunListResult: *lout); acr_jr_doc_runs the array of runs whose '[' is
 * current into l; acr_jr_service_error fills err from the ARM error body
 * noted while reading (J->svc). */
ACR_HIDDEN int acr_jr_doc_run(jr *J, const jframe *fr, int doc_top,
                              acr_run **rout, acr_runlist **lout);
ACR_HIDDEN int acr_jr_doc_runs(jr *J, const jframe *fr, acr_runlist *l);
ACR_HIDDEN void acr_jr_service_error(const jr *J, acr_error *err);

/* Strict mode: a second member named name (a schema error, also kept in
 * J->dup so that no task run can drop it). */
ACR_HIDDEN int acr_jr_dupfail(jr *J, const jframe *fr, const unsigned char *pos,
                              const char *name);

/* Strict mode: duplicates among the members that are no field of their
 * object (the fields have their bits: acr_jr_member).  An object notes
 * where its names start (base = acr_jr_names_base(J)) and calls
 * acr_jr_name_once for each such member (mf: its frame; kp: its name's
 * quote; key, klen: its name, unescaped when mf->esc): ACR_ESCHEMA if the
 * object had one of that name already (recorded as acr_jr_dupfail
 * does, at this second one), else the name is noted (ACR_OK), or the
 * fatal error.  At its end (or where it turns into a list) the object
 * drops its names (acr_jr_names_pop), so the names noted are those of
 * the objects open around the reader, innermost last.  A hash of chains
 * (at most one name a head): each name is hashed once and compared with
 * the earlier names of its chain in the same object only, so n distinct
 * names take time linear in n and their length.  The hash is FNV-1a, not
 * keyed (as acr_unknown_dedupe's): names made to share a chain cost more
 * comparisons, a stored 32-bit hash and the length compared first. */
#define acr_jr_names_base(J) ((J)->names.len) /* in bytes */
ACR_HIDDEN int acr_jr_name_once(jr *J, size_t base, const jframe *mf,
                                const unsigned char *kp, const char *key,
                                size_t klen);
ACR_HIDDEN void acr_jr_names_pop_slow(jr *J, size_t base);
static inline void acr_jr_names_pop(jr *J, size_t base) {
  if (J->names.len > base) acr_jr_names_pop_slow(J, base);
}
ACR_HIDDEN int acr_jr_fail(jr *J, const jframe *fr, const unsigned char *pos,
                           acr_status kind, const char *fmt, ...)
    ACR_PRINTF(5, 6);
ACR_HIDDEN int acr_jr_nomem(jr *J, const jframe *fr,
                            const unsigned char *pos);
/* Copies J's error to err: kind, path, position and the reason. */
ACR_HIDDEN void acr_jr_report(const jr *J, acr_error *err);
ACR_HIDDEN extern const acr_allocator acr_jr_default_allocator;
/* The lexer's error (the current token is ACR_JT_ERROR) at fr. */
ACR_HIDDEN int acr_jr_lexfail(jr *J, const jframe *fr);
/* The lexer's error where a member name or '}' was due in the object at
 * fr; prev: the member before (NULL after '{'). */
ACR_HIDDEN int acr_jr_keyfail(jr *J, const jframe *fr, const jframe *prev);
/* The lexer's error where an item or ']' was due; item->index counts the
 * items read, first: none yet. */
ACR_HIDDEN int acr_jr_itemfail(jr *J, jframe *item, int first);
/* The current token (a value's first) is not what the schema wants. */
ACR_HIDDEN int acr_jr_type(jr *J, const jframe *fr, const char *want);
/* "a string", "an object", ... for the value starting with token t. */
ACR_HIDDEN const char *acr_jr_kind(acr_jtok t);
/* Quoted text s (n bytes) for a message, escaped and cut when long. */
ACR_HIDDEN const char *acr_jr_msgtext(const char *s, size_t n, char *buf,
                                      size_t cap);

/* After a schema error about the value whose first token is current: the
 * rest of it is skipped by reading on (a '{' or '[' to its close).
 * Returns the fatal error met on the way, or ACR_OK. */
ACR_HIDDEN int acr_jr_skip(jr *J, const jframe *fr);
#define JR_RECOVER(J, st, fr) \
  ((st) == ACR_ESCHEMA ? acr_jr_skip((J), (fr)) : (st))
/* The value whose first token is current, read to its end and, with out,
 * appended to it minified. */
ACR_HIDDEN int acr_jr_any(jr *J, acr_buf *out, const jframe *fr);

/* Text [q, q+raw) of a string body with escapes, unescaped into b. */
ACR_HIDDEN int acr_jr_unescaped(jr *J, acr_buf *b, const char *q, size_t raw,
                                const char **s, size_t *n, const jframe *fr);
/* The name of the KEY token: as it is, or unescaped into J->key. */
static inline int acr_jr_keytext(jr *J, const char **key, size_t *klen,
                                 const jframe *fr) {
  if (!J->x.esc) {
    *key = J->x.text;
    *klen = J->x.len;
    return ACR_OK;
  }
  return acr_jr_unescaped(J, &J->key, J->x.text, J->x.len, key, klen, fr);
}

#define acr_jr_bytes_eq acr_jbytes_eq

/* The member order learnt for type t (see jorder): its home slot, or
 * another (open addressing). */
#define JR_ORDER_HASH(t, where)                                          \
  (((unsigned)((uintptr_t)(t) >> 3) * 2654435761u >> 27) + (unsigned)(where))
ACR_HIDDEN jorder *acr_jr_order_slow(jr *J, const acr_type *t, int where);
static inline jorder *acr_jr_order(jr *J, const acr_type *t, int where) {
  jorder *o = &J->order[JR_ORDER_HASH(t, where) % JR_ORDER_TYPES];
  if (o->t == t && o->where == where) return o;
  return acr_jr_order_slow(J, t, where);
}
/* Field of t named k[0..n) (a name with escapes, undone), or NULL;
 * *last as for jr_member_field, the order learnt the same way. */
ACR_HIDDEN const acr_field *acr_jr_find_field_slow(jorder *o,
                                                   const acr_type *t,
                                                   const char *k, size_t n,
                                                   unsigned *last);
/* The field of t whose name is written as it is at p (a member name's
 * opening quote), searched from the field after the last (*last - 1) on,
 * or NULL; a match is learnt in o and moves *last. */
ACR_HIDDEN const acr_field *acr_jr_match_field(jr *J, jorder *o,
                                               const acr_type *t,
                                               const unsigned char *p,
                                               unsigned *last);

/* The next member name of a record of type t, or '}' (or the error).
 * *last: 1 + the index of the field of the member before (0 for the
 * first).  A name written as a field's name is taken without scanning it
 * (*f: that field, *last moved): first the field that came after the
 * last one in the record before of this type (o), then the others from
 * there on.  skip (skipn bytes, or NULL): a name that is no field but
 * common, tried before the search.  Any other name is lexed as usual,
 * *f NULL: it is no field's unless it has escapes (x.esc; then
 * acr_jr_find_field_slow on its text). */
static inline acr_jtok jr_member_field(jr *J, jorder *o, const acr_type *t,
                                       unsigned *last, const char *skip,
                                       size_t skipn, const acr_field **f) {
  const unsigned char *p = NULL;
  acr_jtok tk = acr_jlex_member_quote(&J->x, &p);
  unsigned g = o->next[*last];
  *f = NULL;
  if (tk != ACR_JT_KEY) return tk;
  if (g < t->nfields && acr_jlex_name_is(&J->x, p, t->fields[g].name,
                                         t->fields[g].namelen)) {
    *f = &t->fields[g];
    *last = g + 1;
    return acr_jlex_key_known(&J->x, p, t->fields[g].namelen);
  }
  if (skip != NULL && acr_jlex_name_is(&J->x, p, skip, skipn))
    return acr_jlex_key_known(&J->x, p, skipn);
  if ((*f = acr_jr_match_field(J, o, t, p, last)) != NULL)
    return acr_jlex_key_known(&J->x, p, (*f)->namelen);
  return acr_jlex_key_at(&J->x, p);
}
#define JR_MARK(rec, f) (((acr_rechdr *)(rec))->present |= 1u << (f)->index)

/* The current STRING token, written with escapes, into r's arena
 * (acr_jr_arena_str). */
ACR_HIDDEN acr_str *acr_jr_arena_str_esc(jr *J, acr_run *r,
                                         const jframe *fr);
/* The current STRING token into r's arena as an acr_str: one copy,
 * unescaping on the way (acr_jr_arena_str_esc). */
static inline acr_str *acr_jr_arena_str(jr *J, acr_run *r,
                                        const jframe *fr) {
  size_t raw = J->x.len;
  acr_str *s;
  if (J->x.esc || raw > UINT32_MAX - 16) return acr_jr_arena_str_esc(J, r, fr);
  s = (acr_str *)acr_run_alloc(r, offsetof(acr_str, s) + raw + 1);
  if (s == NULL) {
    acr_jr_nomem(J, fr, jr_tokpos(J));
    return NULL;
  }
  /* checked by the lexer: UTF-8, no control character */
  memcpy(s->s, J->x.text, raw);
  s->len = (uint32_t)raw;
  s->flags = ACR_STR_PLAIN;
  s->s[raw] = '\0';
  return s;
}

ACR_HIDDEN acr_str *acr_jr_pool_str(jr *J, acr_run *r, const acr_field *f,
                                    const jframe *fr);
/* The current STRING token as the value of field f for run r: in the
 * list's pool when f is ACR_F_SHARED or an enum (texts that repeat from
 * run to run; r then holds a reference to the pool), else in r's arena.
 * The one place the reader stores strings. */
static inline acr_str *acr_jr_field_str(jr *J, acr_run *r,
                                        const acr_field *f,
                                        const jframe *fr) {
  if (J->pool == NULL || (r->pool != NULL && r->pool != J->pool) ||
      !((f->flags & ACR_F_SHARED) || f->kind == ACR_K_ENUM))
    return acr_jr_arena_str(J, r, fr);
  return acr_jr_pool_str(J, r, f, fr);
}

/* Reads the value whose first token is current (not null) into field f
 * of rec.  A schema error about a scalar or about the kind of value is
 * returned with the value's first token current (the caller skips the
 * rest); containers are read whole. */
ACR_HIDDEN int acr_jr_field(jr *J, const jframe *fr, acr_run *run, void *rec,
                            const acr_field *f);

/* The value of d spelt s (n bytes) exactly as its canonical text, or -1
 * (ACR_ENUM_UNKNOWN is another spelling, or none: acr_enum_lookup). */
static inline int acr_jr_enum_exact(const acr_enum_def *d, const char *s,
                                    size_t n) {
  int i;
  for (i = 0; i < d->count; i++)
    if (d->lengths[i] == n && acr_jr_bytes_eq(s, d->values[i], n)) return i;
  return -1;
}

/* A member named by field f, its value's first token current: null
 * clears the field, anything else is read into it; strict mode refuses
 * a second one (seen: the fields met). */
static inline int acr_jr_member(jr *J, const jframe *mf,
                                const unsigned char *kp, acr_run *run,
                                void *rec, const acr_field *f,
                                uint32_t *seen) {
  uint32_t bit = 1u << f->index;
  int st, code;
  acr_datetime dt;
  if (J->strict && (*seen & bit))
    st = acr_jr_dupfail(J, mf, kp, f->name);
  else if (J->x.tok == ACR_JT_NULL) { /* null: absent */
    if (acr_rec_clear(run, rec, f) != ACR_OK) return acr_jr_nomem(J, mf, kp);
    st = ACR_OK;
  } else if (J->x.tok != ACR_JT_STRING || J->x.esc) {
    st = acr_jr_field(J, mf, run, rec, f);
  } else if (f->kind == ACR_K_STRING) { /* the most common */
    acr_str *s = acr_jr_field_str(J, run, f, mf);
    if (s == NULL) return J->es.st;
    *(acr_str **)ACR_SLOT(rec, f) = s;
    JR_MARK(rec, f);
    st = ACR_OK;
  } else if (f->kind == ACR_K_ENUM && /* the canonical spelling */
             (code = acr_jr_enum_exact(f->enumdef, J->x.text, J->x.len)) >=
                 0) {
    ((acr_enumval *)ACR_SLOT(rec, f))->code = code;
    ((acr_enumval *)ACR_SLOT(rec, f))->raw = NULL;
    JR_MARK(rec, f);
    st = ACR_OK;
  } else if (f->kind == ACR_K_DATETIME &&
             acr_datetime_parse(J->x.text, J->x.len, &dt, NULL) == ACR_OK) {
    *(acr_datetime *)ACR_SLOT(rec, f) = dt;
    JR_MARK(rec, f);
    st = ACR_OK;
  } else { /* (a bad date-time: parsed again for its message) */
    st = acr_jr_field(J, mf, run, rec, f);
  }
  *seen |= bit;
  return st;
}

/* An unknown member: its value kept, minified, in rec (env: in the run's
 * envelope) under key. */
ACR_HIDDEN int acr_jr_keep_unknown(jr *J, const jframe *mf, acr_run *run,
                                   void *rec, int env, const char *key,
                                   size_t klen, const unsigned char *kp);
/* Text of the current STRING token: as it is, or unescaped into b. */
static inline int acr_jr_strtext(jr *J, acr_buf *b, const char **s,
                                 size_t *n, const jframe *fr) {
  if (!J->x.esc) {
    *s = J->x.text;
    *n = J->x.len;
    return ACR_OK;
  }
  return acr_jr_unescaped(J, b, J->x.text, J->x.len, s, n, fr);
}

/* acr_json_decode that also says how many tokens it read, counting every
 * pass (the test that nothing is read twice). */
ACR_HIDDEN acr_status acr_json_decode_counted(
    const char *text, size_t len, const acr_decode_opts *opts,
    const acr_allocator *a, acr_run **run_out, acr_runlist **list_out,
    acr_error *err, unsigned long *ntok);

static inline int acr_jr_key_is(const char *k, size_t n, const char *lit,
                                size_t ln) {
  return n == ln && memcmp(k, lit, n) == 0;
}

#endif

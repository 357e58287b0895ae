/*
 * acr_internal.h -- helpers shared by the core's .c files; not installed.
 * Lua-free.  Symbols here are hidden (not part of the host API).
 */
#ifndef ACR_INTERNAL_H
#define ACR_INTERNAL_H

#include "acr.h"
#include <stdarg.h>
#include <string.h>

#if defined(__GNUC__)
#  define ACR_HIDDEN __attribute__((visibility("hidden")))
#  define ACR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#  define ACR_HIDDEN
#  define ACR_PRINTF(a, b)
#endif

#define ACR_DEFAULT_MAX_DEPTH ACR_MAX_DEPTH

/* Allocator shorthands (lua_Alloc contract). */
#define acr_malloc(A, n) ((A)->f((A)->ud, NULL, 0, (n)))
#define acr_free(A, p, n) ((void)((p) ? (A)->f((A)->ud, (p), (n), 0) : NULL))
#define acr_realloc(A, p, o, n) ((A)->f((A)->ud, (p), (o), (n)))

/* Fill err (if not NULL): kind and a printf-style message.  path, line,
 * column and offset are left as they are. Returns kind. */
ACR_HIDDEN acr_status acr_err(acr_error *err, acr_status kind,
                              const char *fmt, ...) ACR_PRINTF(3, 4);
/* Reset err to "ok" with empty path and zero position. */
ACR_HIDDEN void acr_err_clear(acr_error *err);
/* err->message = "not enough memory", kind ACR_EMEMORY. */
ACR_HIDDEN acr_status acr_err_nomem(acr_error *err);

/* A field path under construction, e.g. value[3].properties.status.
 * Pushing returns the previous length, to pop back to it. */
typedef struct acr_path {
  char buf[ACR_PATH_MAX];
  size_t len;
} acr_path;
ACR_HIDDEN void acr_path_init(acr_path *p);
ACR_HIDDEN size_t acr_path_key(acr_path *p, const char *name, size_t n);
ACR_HIDDEN size_t acr_path_index(acr_path *p, size_t i); /* 1-based [i] */
#define acr_path_pop(p, old) ((p)->len = (old), (p)->buf[(old)] = '\0')
/* ["key"] of a map entry (at most 64 bytes of the key); acr_request.c. */
ACR_HIDDEN size_t acr_path_mapkey(acr_path *p, const char *k, size_t n);

/* Comma-separated canonical values of an enum: "Windows, Linux". */
ACR_HIDDEN size_t acr_enum_list(const acr_enum_def *def, char *buf,
                                size_t size);

/* ---- small helpers: one of each for the whole core and binding -------- */

/* Value of the 4 hex digits at p (the XXXX of a \uXXXX escape), or -1 if
 * one is not a hex digit. */
ACR_HIDDEN long acr_hex4(const char *p);

/* Writes the UTF-8 form of code point cp (< 0x110000) at o (room for 4
 * bytes); returns its length. */
ACR_HIDDEN size_t acr_utf8_put(char *o, unsigned long cp);

/* ASCII lower case of the byte c (other bytes unchanged). */
static inline int acr_lower(int c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Bytes of an acr_list of capacity cap in an arena (8-aligned; room for
 * one item at least). */
#define ACR_LIST_SIZE(cap)                                                   \
  ((offsetof(acr_list, items) + sizeof(void *) * ((cap) ? (cap) : 1) + 7u) & \
   ~(size_t)7u)

/* Is field f of record rec set (its presence bit)?  acr_rec_has as an
 * expression, for hot loops. */
#define ACR_HAS(rec, f) \
  ((((const acr_rechdr *)(rec))->present >> (f)->index) & 1u)

/* FNV-1a hash of a string's bytes (unknown-field names: dedupe, equality). */
static inline uint32_t acr_str_hash(const acr_str *s) {
  uint32_t h = 2166136261u, i;
  for (i = 0; i < s->len; i++) h = (h ^ (unsigned char)s->s[i]) * 16777619u;
  return h;
}

static inline int acr_str_eq(const acr_str *a, const acr_str *b) {
  if (a == NULL || b == NULL) return a == b;
  return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

/* Optimal string alignment distance (insertions, deletions, changes and
 * swaps of neighbours, each 1), ASCII case-insensitive, for "did you
 * mean" hints; 99 when either name is longer than 32 bytes. */
ACR_HIDDEN size_t acr_edit_distance(const char *a, size_t an, const char *b,
                                    size_t bn);

/* ACR_OK when s[0..n) is valid UTF-8; else ACR_ESCHEMA with err->path set
 * to path and "invalid UTF-8 at byte N" (0-based) as the message.  Every
 * string that enters a run goes through this check (acr_utf8_check). */
ACR_HIDDEN acr_status acr_utf8_require(acr_error *err, const char *path,
                                       const char *s, size_t n);

/* ASCII case-insensitive equality of two byte strings. */
ACR_HIDDEN int acr_strieq(const char *a, size_t an, const char *b, size_t bn);

/* Buffer appends; ACR_EMEMORY on failure. */
ACR_HIDDEN acr_status acr_buf_reserve(acr_buf *b, size_t extra);
ACR_HIDDEN acr_status acr_buf_add(acr_buf *b, const char *s, size_t n);
#define acr_buf_addlit(b, lit) acr_buf_add((b), (lit), sizeof(lit) - 1)
ACR_HIDDEN acr_status acr_buf_addc(acr_buf *b, char c);

/* Value of an enum slot (canonical, or raw when unknown): what reads,
 * filters and sorts use; NULL if absent. */
ACR_HIDDEN const char *acr_enum_text(const acr_field *f,
                                     const acr_enumval *v, size_t *len);
/* Text of an enum slot as received (raw when set, else canonical): what
 * writers write; NULL if absent. */
ACR_HIDDEN const char *acr_enum_spelling(const acr_field *f,
                                         const acr_enumval *v, size_t *len);
/* Is s[0..n) exactly the canonical spelling of value code of def (never
 * for ACR_ENUM_UNKNOWN)? */
ACR_HIDDEN int acr_enum_is_canonical(const acr_enum_def *def, int code,
                                     const char *s, size_t n);

/* Semantic equality of two valid JSON texts: objects as unordered maps,
 * numbers by value (exactly, decimal), strings after unescaping.
 * (acr_json_equal.c) */
ACR_HIDDEN int acr_json_equal(const char *a, size_t an, const char *b,
                              size_t bn);

/* The flags of an acr_str of n bytes at s (ACR_STR_PLAIN when the JSON
 * writer would copy s unchanged), for whatever makes one: every acr_str
 * gets its flags from here or from a reader that knows them.
 * (acr_json_write.c) */
ACR_HIDDEN uint8_t acr_str_flags(const char *s, size_t n);

/* The compact JSON text of the value of field f of rec (present), or of
 * record rec of type t, as acr_json_encode_run writes it (full profile),
 * appended to out.  (acr_json_write.c) */
ACR_HIDDEN acr_status acr_json_write_field(acr_buf *out, const acr_field *f,
                                           const void *rec);
ACR_HIDDEN acr_status acr_json_write_record(acr_buf *out, const acr_type *t,
                                            const void *rec);

/* Unknown-field lists grow without the duplicate check past this many
 * items (name and text count one each): acr_rec_add_unknown then appends,
 * and the reader calls acr_unknown_dedupe once at the end of the object,
 * which keeps the first position and the last value of each name in
 * linear time (temporary memory from the run's allocator). */
#define ACR_UNKNOWN_SCAN_MAX 64
ACR_HIDDEN acr_status acr_unknown_dedupe(acr_run *r, acr_list *l);

/* A change counter shared by runs (implemented in acr_runlist_cols.c).  A list
 * query that keeps columns of its runs' values records the epochs of those
 * runs and their values; every change to a run bumps its epoch, so the list
 * sees that its columns are stale without reading the runs.  Runs and
 * column sets hold references (refs); the last release frees it. */
typedef struct acr_epoch {
  uint64_t value;
  size_t refs;
  acr_allocator alloc;
} acr_epoch;
#define acr_run_touch(r) ((r)->epoch ? (void)(r)->epoch->value++ : (void)0)
ACR_HIDDEN void acr_epoch_release(acr_epoch *e);

/* String pools (acr_strpool.c): texts of the fields flagged ACR_F_SHARED
 * stored once for the runs of one decoded list.  The reader makes a pool
 * (refcount 1, its own), interns into it while reading, gives every run
 * that points into it one reference (acr_run.pool) and seals it at the end
 * (the hash table is freed; the strings never change again).  Interning
 * returns the pool's copy of s, or NULL when out of memory or sealed; key
 * (the reader passes the field) names a memo of the last text interned
 * under it, checked first.
 * acr_strpool_owns: does s point into p's strings or records (NULL p:
 * no).
 * acr_strpool_share: the bytes of p charged to each of its references
 * (rounded up), so that the runs of a list count the pool once;
 * acr_strpool_bytes: all of them. */
ACR_HIDDEN acr_strpool *acr_strpool_new(const acr_allocator *a);
ACR_HIDDEN void acr_strpool_retain(acr_strpool *p);
/* n references at once (one atomic operation); n < 0 gives back -n of
 * them, which must leave one at least (the giver's own). */
ACR_HIDDEN void acr_strpool_retain_n(acr_strpool *p, long n);
ACR_HIDDEN void acr_strpool_release(acr_strpool *p); /* NULL is ignored */
ACR_HIDDEN void acr_strpool_seal(acr_strpool *p);
ACR_HIDDEN acr_str *acr_strpool_intern(acr_strpool *p, const void *key,
                                       const char *s, size_t n);
/* A record of type t stored once: img is its canonical image (t->size
 * bytes: the presence bits, no unknown fields, the slots of present fields
 * and zeros everywhere else, padding included, so equal records are equal
 * bytes); returns the pool's copy, or NULL when out of memory or sealed.
 * acr_model.c stores the records of fields flagged ACR_F_SHARED there. */
ACR_HIDDEN void *acr_strpool_intern_rec(acr_strpool *p, const acr_type *t,
                                        const void *img);
ACR_HIDDEN int acr_strpool_owns(const acr_strpool *p, const void *s);
ACR_HIDDEN size_t acr_strpool_share(const acr_strpool *p);
ACR_HIDDEN size_t acr_strpool_bytes(const acr_strpool *p);
/* The pool's allocator (the reader's): the runs of a list use it, so
 * that each does not keep a copy; such a run keeps its pool. */
ACR_HIDDEN const acr_allocator *acr_strpool_allocator(const acr_strpool *p);
/* A run's allocator: the copy kept after its header, or its pool's. */
ACR_HIDDEN const acr_allocator *acr_run_allocator(const acr_run *r);
/* A run being read: acr_run_new_decoding makes a new empty run in one
 * block holding its header, the allocator's slot (unless pool is given:
 * the run then takes over a reference to it that the caller holds, kept
 * by the caller when it fails, and uses its allocator) and an inline
 * arena of about hint bytes (a size learnt from the runs before,
 * bounded), which acr_run_alloc fills from its start; the reader gives
 * back there what it would abandon in the usual cases (acr_run_unwind).
 * acr_run_finish_decoded then shrinks the block to what was used, with
 * no copy: in place, or, when the allocator moves it, with the run's
 * pointers moved along (*rp is then the run's new address); a refused
 * shrink leaves the block as it was.  A run that outgrew its block is
 * compacted into a new one instead, and *hint raised so that the next
 * one fits.  ACR_EMEMORY leaves *rp unchanged (release it).  All with
 * the run's allocator. */
ACR_HIDDEN acr_run *acr_run_new_decoding(const acr_allocator *a,
                                         acr_strpool *pool, size_t hint);
ACR_HIDDEN acr_status acr_run_finish_decoded(acr_run **rp, size_t *hint);
/* A point in r's arena: acr_run_unwind gives back every byte allocated
 * after it (what was built there must be unreachable), when they are in
 * the same block; else it does nothing. */
typedef struct acr_arena_mark {
  struct acr_arena_chunk *chunk;
  size_t used;
} acr_arena_mark;
ACR_HIDDEN acr_arena_mark acr_run_mark(const acr_run *r);
ACR_HIDDEN void acr_run_unwind(acr_run *r, acr_arena_mark m);
/* p, the last allocation of r's arena (n bytes asked), keeps its first
 * keep bytes and gives back the rest; nothing when p is not the last. */
ACR_HIDDEN void acr_run_shrink_last(acr_run *r, void *p, size_t n,
                                    size_t keep);
/* After the reader has read the run's name or runId (field f): a name
 * equal to the runId is stored once (as compaction stores it). */
ACR_HIDDEN void acr_run_share_name(acr_run *run, const acr_field *f);
/* rec (in *slot), just read into a run of a list for a field of the Run
 * flagged ACR_F_SHARED: stored in pool (once for equal records), *slot
 * then pointing there; 1 when done, 0 when rec cannot go there (it holds
 * unknown fields or texts of its own), -1 when out of memory. */
ACR_HIDDEN int acr_rec_pool(acr_strpool *pool, const acr_field *f,
                            void **slot);

#endif

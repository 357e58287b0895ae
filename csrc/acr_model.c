/*
 * acr_model.c -- runs: their arena, life cycle, deep copy and compaction
 * (field setters, lists and unknown fields: acr_fields.c; equality and
 * problems: acr_check.c).
 *
 * A run owns an arena (a chain of chunks).  Everything reachable from the
 * run's root record -- strings, nested records, lists -- lives there, so a
 * change never frees piecemeal and an error half-way through building a
 * value leaks nothing: the abandoned bytes are reclaimed by compaction,
 * which copies the live graph into one exact-size chunk: records and lists
 * 8-aligned from its start, strings 4-aligned (all acr_str needs) from its
 * end, and a name equal to the runId (as the service writes runs) once.
 * A run read by the JSON reader is built where it will stay: one block
 * holding its header, the allocator's slot (unless its pool holds the
 * allocator) and an inline arena sized from the runs read before; the
 * reader gives back what it would abandon there (acr_run_unwind: shared
 * records, a name equal to the runId, the bytes escapes save; lists are
 * made exact), and the block is then shrunk to what was used, in place,
 * with no copy (acr_run_finish_decoded; a run that outgrew its block is
 * compacted instead).  What is still abandoned -- the growth of a list
 * of unknown members, a member given twice -- stays until a compaction.
 *
 * A run decoded in a list may also point into the list's string pool
 * (run->pool, acr_strpool.c): those strings are immutable and shared, and
 * so are the records of ACR_F_SHARED record fields (platform...), which
 * the reader stores there once for equal ones (acr_rec_pool).
 * Compaction leaves them where they are (and drops the pool when nothing
 * points there any more, unless the run's allocator is the pool's: a
 * decoded run's), a clone copies them, and setters never write
 * into them: they store new strings in the run's own arena, and change a
 * pooled record only after putting a copy of it in the run's place.
 */
#include "acr_internal.h"

#include <stdio.h>
#include <string.h>

#if defined(__GNUC__)
#  define INLINE __inline__ __attribute__((always_inline))
#else
#  define INLINE
#endif

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)
#define MIN_CHUNK 512u
/* The inline arena a run is read into: at least DECODE_MIN bytes, or as
 * large as the runs read before needed, up to DECODE_MAX. */
#define DECODE_MIN 1024u
#define DECODE_MAX 16384u
#define GC_FLOOR 4096u

typedef union acr_maxalign {
  void *p;
  double d;
  int64_t i;
} acr_maxalign;

struct acr_arena_chunk {
  struct acr_arena_chunk *next;
  size_t size, used;
  acr_maxalign data[1];
};

#define CHUNK_HDR offsetof(struct acr_arena_chunk, data)
#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)
#define STR_SIZE(n) ALIGN8(offsetof(acr_str, s) + (size_t)(n) + 1)
/* A string in an exact chunk made by compaction or clone, which packs the
 * strings at its end 4-aligned (acr_str needs no more). */
#define STR4_SIZE(n) ALIGN4(offsetof(acr_str, s) + (size_t)(n) + 1)
#define LIST_SIZE ACR_LIST_SIZE

/* ---- arena --------------------------------------------------------------- */

/* A run's header is in a block of its own, followed by the allocator's
 * slot when the run keeps one (acr_run.home & HOME_OWN_ALLOC; else the
 * allocator is its pool's) and by the inline arena of a decoded run
 * (inline_bytes).  HOME_DECODING: the reader is building the run; its
 * inline arena is then bump-allocated, arena_base bytes of it used
 * (acr_run_new_decoding). */
#define HOME_OWN_ALLOC 0x01u
#define HOME_DECODING 0x02u
#define ALLOC_SLOT ALIGN8(sizeof(acr_allocator))

static size_t block_size(const acr_run *r) {
  return sizeof *r + ((r->home & HOME_OWN_ALLOC) ? ALLOC_SLOT : 0) +
         r->inline_bytes;
}

/* The inline arena after r's header (and its allocator's slot). */
static char *inline_arena(const acr_run *r) {
  return (char *)r + sizeof *r + ((r->home & HOME_OWN_ALLOC) ? ALLOC_SLOT : 0);
}

/* The allocator's slot after r's header. */
static acr_allocator *alloc_slot(const acr_run *r) {
  return (acr_allocator *)(void *)((char *)r + sizeof *r);
}

const acr_allocator *acr_run_allocator(const acr_run *r) {
  return (r->home & HOME_OWN_ALLOC) ? alloc_slot(r)
                                    : acr_strpool_allocator(r->pool);
}

/* A new chunk of r's arena from a (r's allocator). */
static struct acr_arena_chunk *chunk_new_a(acr_run *r,
                                           const acr_allocator *a,
                                           size_t size) {
  struct acr_arena_chunk *c;
  if (size > UINT32_MAX - CHUNK_HDR - r->arena_bytes) return NULL; /* 4 GB */
  c = (struct acr_arena_chunk *)acr_malloc(a, CHUNK_HDR + size);
  if (c == NULL) return NULL;
  c->size = size;
  c->used = 0;
  c->next = r->chunks;
  r->chunks = c;
  r->arena_bytes += (uint32_t)(CHUNK_HDR + size);
  return c;
}

static struct acr_arena_chunk *chunk_new(acr_run *r, size_t size) {
  return chunk_new_a(r, acr_run_allocator(r), size);
}

static void chunks_free(const acr_allocator *a, struct acr_arena_chunk *c) {
  while (c) {
    struct acr_arena_chunk *next = c->next;
    acr_free(a, c, CHUNK_HDR + c->size);
    c = next;
  }
}

#if defined(__GNUC__)
#  define NOINLINE __attribute__((noinline))
#else
#  define NOINLINE
#endif

/* n bytes (a multiple of 8) from a new chunk: out of the hot path. */
static NOINLINE void *alloc_chunk(acr_run *r, size_t n) {
  struct acr_arena_chunk *c;
  size_t size = n < MIN_CHUNK ? MIN_CHUNK : n;
  /* Grow with the run so that appending many items stays linear. */
  if (size < r->arena_bytes / 2) size = ALIGN8(r->arena_bytes / 2);
  if (n > ((size_t)-1) / 2 || (c = chunk_new(r, size)) == NULL) return NULL;
  c->used = n;
  return c->data;
}

void *acr_run_alloc(acr_run *r, size_t n) {
  struct acr_arena_chunk *c = r->chunks;
  void *p;
  n = ALIGN8(n ? n : 1);
  if (c != NULL) {
    if (c->size - c->used < n) return alloc_chunk(r, n);
    p = (char *)c->data + c->used;
    c->used += n;
    return p;
  }
  /* the inline arena of a run being read; a full one otherwise */
  if (!(r->home & HOME_DECODING) || r->inline_bytes - r->arena_base < n)
    return alloc_chunk(r, n);
  p = inline_arena(r) + r->arena_base;
  r->arena_base += (uint32_t)n;
  return p;
}

acr_arena_mark acr_run_mark(const acr_run *r) {
  acr_arena_mark m;
  m.chunk = r->chunks;
  m.used = r->chunks != NULL ? r->chunks->used : r->arena_base;
  return m;
}

void acr_run_shrink_last(acr_run *r, void *p, size_t n, size_t keep) {
  struct acr_arena_chunk *c = r->chunks;
  char *top;
  uint32_t *used32 = NULL;
  size_t *used = NULL;
  if (c != NULL) {
    top = (char *)c->data + c->used;
    used = &c->used;
  } else if (r->home & HOME_DECODING) {
    top = inline_arena(r) + r->arena_base;
    used32 = &r->arena_base;
  } else {
    return;
  }
  n = ALIGN8(n ? n : 1);
  keep = keep ? ALIGN8(keep) : 0;
  if ((char *)p + n != top || keep >= n) return;
  if (used != NULL) *used -= n - keep;
  else *used32 -= (uint32_t)(n - keep);
}

void acr_run_unwind(acr_run *r, acr_arena_mark m) {
  if (r->chunks != m.chunk) return; /* a block was added since: kept */
  if (m.chunk != NULL) m.chunk->used = m.used;
  else if (r->home & HOME_DECODING) r->arena_base = (uint32_t)m.used;
}

/* A name equal to the runId (as the service writes runs) is stored once:
 * after the second of the two is read (field f), it points at the first,
 * and its copy is given back. */
void acr_run_share_name(acr_run *run, const acr_field *f) {
  acr_runrec *R = &run->rec;
  const uint32_t both = (1u << ACR_RUN_NAME) | (1u << ACR_RUN_RUNID);
  acr_str *copy;
  if ((R->h.present & both) != both || R->name == R->runId ||
      !acr_str_eq(R->name, R->runId))
    return;
  if (f->index == ACR_RUN_NAME) {
    copy = R->name;
    R->name = R->runId;
  } else {
    copy = R->runId;
    R->runId = R->name;
  }
  acr_run_shrink_last(run, copy, offsetof(acr_str, s) + copy->len + 1, 0);
}

acr_str *acr_run_str(acr_run *r, const char *s, size_t n) {
  acr_str *str;
  if (n > UINT32_MAX - 16) return NULL;
  str = (acr_str *)acr_run_alloc(r, offsetof(acr_str, s) + n + 1);
  if (str == NULL) return NULL;
  str->len = (uint32_t)n;
  str->flags = acr_str_flags(s, n);
  if (n) memcpy(str->s, s, n);
  str->s[n] = '\0';
  return str;
}

/* ---- life cycle ---------------------------------------------------------- */

/* The header of a new empty run at r, its allocator a kept after it
 * when home says so. */
static acr_run *run_init(acr_run *r, const acr_allocator *a, uint8_t home) {
  memset(r, 0, sizeof *r);
  r->refcount = 1;
  r->home = home;
  if (home & HOME_OWN_ALLOC) *alloc_slot(r) = *a;
  return r;
}

acr_run *acr_run_new(const acr_allocator *a) {
  acr_run *r = (acr_run *)acr_malloc(a, sizeof *r + ALLOC_SLOT);
  if (r == NULL) return NULL;
  return run_init(r, a, HOME_OWN_ALLOC);
}

acr_run *acr_run_new_decoding(const acr_allocator *a, acr_strpool *pool,
                              size_t hint) {
  size_t own = pool != NULL ? 0 : ALLOC_SLOT;
  size_t cap = hint < DECODE_MIN ? DECODE_MIN
               : hint > DECODE_MAX ? DECODE_MAX
                                   : ALIGN8(hint);
  acr_run *r = (acr_run *)acr_malloc(a, sizeof *r + own + cap);
  if (r == NULL) return NULL;
  run_init(r, a, (uint8_t)(HOME_DECODING | (own ? HOME_OWN_ALLOC : 0)));
  r->pool = pool; /* the caller's reference; its allocator is the pool's */
  r->inline_bytes = r->arena_bytes = (uint32_t)cap;
  r->arena_base = 0; /* used */
  return r;
}

void acr_run_retain(acr_run *r) { r->refcount++; }

void acr_run_release(acr_run *r) {
  acr_allocator a;
  acr_strpool *pool;
  size_t size;
  if (r == NULL || --r->refcount > 0) return;
  a = *acr_run_allocator(r); /* in r's block or its pool: both go below */
  pool = r->pool;
  size = block_size(r);
  acr_epoch_release(r->epoch);
  chunks_free(&a, r->chunks);
  acr_free(&a, r, size);
  acr_strpool_release(pool);
}

size_t acr_run_memsize(const acr_run *r) {
  return r->arena_bytes + acr_strpool_share(r->pool) + block_size(r) -
         r->inline_bytes;
}

/* ---- deep size and copy -------------------------------------------------- */

/* Which strings a copy leaves where they are: those of pool (NULL: none).
 * trust: the run is fresh from the reader, whose every string of an
 * ACR_F_SHARED field or an enum is in pool (acr_json_read.c field_str),
 * so the field says it without looking at the pointer. */
typedef struct keepset {
  acr_strpool *pool; /* records are stored there during a decode */
  int trust;
  uint32_t pooled; /* trust: the Run's fields whose record is pooled */
} keepset;

static INLINE int kept_str(const keepset *k, const acr_field *f,
                           const acr_str *s) {
  if (k == NULL || k->pool == NULL) return 0;
  if (k->trust) return (f->flags & ACR_F_SHARED) || f->kind == ACR_K_ENUM;
  return acr_strpool_owns(k->pool, s);
}

static size_t record_size(const acr_type *t, const void *rec,
                          const keepset *keep);

/* Records of the fields flagged ACR_F_SHARED (platform...) whose values
 * repeat from run to run are stored once in the pool too, as an image:
 * the presence bits, the slots of the present fields and zeros elsewhere
 * (no unknown fields, padding zeroed), so equal records are equal bytes. */
#define IMAGE_MAX 128

/* Does a copy leave rec (of field f) where it is, in the pool: fresh
 * from the reader (trust), when pool_records put it there (its bit in
 * k->pooled: only the Run's own fields are stored there); otherwise when
 * it is in the pool. */
static INLINE int kept_rec(const keepset *k, const acr_field *f,
                           const void *rec) {
  if (k == NULL || k->pool == NULL || !(f->flags & ACR_F_SHARED)) return 0;
  if (k->trust)
    return f == &acr_type_run.fields[f->index] &&
           ((k->pooled >> f->index) & 1u);
  return acr_strpool_owns(k->pool, rec);
}

/* The image of rec, the record of field f, in img (t->size bytes, whole
 * words): 0 when rec cannot go to the pool (unknown fields, a record or a
 * list in it, a string not kept). */
static int rec_image(const keepset *k, const acr_field *f, const void *rec,
                     acr_maxalign *img) {
  const acr_type *t = f->sub;
  const acr_rechdr *h = (const acr_rechdr *)rec;
  size_t w;
  uint8_t i;
  if (h->unknown != NULL || t->size > IMAGE_MAX) return 0;
  for (w = 0; w < (t->size + sizeof *img - 1) / sizeof *img; w++)
    img[w].i = 0;
  ((acr_rechdr *)img)->present = h->present;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *g = &t->fields[i];
    const char *from = (const char *)rec + g->offset;
    char *to = (char *)img + g->offset;
    if (!(h->present & (1u << i))) continue;
    switch (g->kind) {
    case ACR_K_STRING:
      if (!kept_str(k, g, *(acr_str *const *)from)) return 0;
      *(acr_str **)(void *)to = *(acr_str *const *)(const void *)from;
      break;
    case ACR_K_ENUM: { /* member by member: the struct has padding */
      const acr_enumval *v = (const acr_enumval *)from;
      if (v->raw != NULL && !kept_str(k, g, v->raw)) return 0;
      ((acr_enumval *)to)->code = v->code;
      ((acr_enumval *)to)->raw = v->raw;
      break;
    }
    case ACR_K_DATETIME: /* no padding (acr.h) */
      memcpy(to, from, sizeof(acr_datetime));
      break;
    case ACR_K_BOOL:
      memcpy(to, from, sizeof(uint8_t));
      break;
    case ACR_K_INT32:
      memcpy(to, from, sizeof(int32_t));
      break;
    default:
      return 0;
    }
  }
  return 1;
}

/* Bytes a copy of s (of field f) takes in an exact chunk: none when it
 * stays in the pool. */
static INLINE size_t str_size(const acr_str *s, const keepset *keep,
                              const acr_field *f) {
  return kept_str(keep, f, s) ? 0 : STR4_SIZE(s->len);
}

/* Sizes in an exact chunk (records and lists 8-aligned from its start,
 * strings 4-aligned from its end: the sum is what it takes). */
static size_t unknown_size(const acr_list *l) {
  size_t n;
  uint32_t i;
  if (l == NULL) return 0;
  n = LIST_SIZE(l->n);
  for (i = 0; i < l->n; i++) n += STR4_SIZE(((acr_str *)l->items[i])->len);
  return n;
}

/* The index of the lowest bit set in *bits (not 0), cleared: the next
 * field present in a record (a presence bit is only ever set for a field
 * of its type). */
static INLINE unsigned present_next(uint32_t *bits) {
  uint32_t b = *bits;
  unsigned i;
#if defined(__GNUC__)
  i = (unsigned)__builtin_ctz(b);
#else
  for (i = 0; !(b & (1u << i)); i++) {
  }
#endif
  *bits = b & (b - 1);
  return i;
}

/* Bytes of the arena objects hanging off rec (not rec itself), strings of
 * the pool keep left out. */
static size_t children_size(const acr_type *t, const void *rec,
                            const keepset *keep) {
  const acr_rechdr *h = (const acr_rechdr *)rec;
  size_t n = unknown_size(h->unknown);
  uint32_t j, bits = h->present;
  while (bits) { /* the fields present only */
    const acr_field *f = &t->fields[present_next(&bits)];
    const void *slot = (const char *)rec + f->offset;
    switch (f->kind) {
    case ACR_K_STRING:
      n += str_size(*(acr_str *const *)slot, keep, f);
      break;
    case ACR_K_ENUM: {
      const acr_enumval *v = (const acr_enumval *)slot;
      if (v->raw != NULL) n += str_size(v->raw, keep, f);
      break;
    }
    case ACR_K_RECORD: {
      const void *sub = *(void *const *)slot;
      if (!kept_rec(keep, f, sub)) n += record_size(f->sub, sub, keep);
      break;
    }
    case ACR_K_RECORD_LIST: {
      const acr_list *l = *(acr_list *const *)slot;
      n += LIST_SIZE(l->n);
      for (j = 0; j < l->n; j++) n += record_size(f->sub, l->items[j], keep);
      break;
    }
    case ACR_K_STRING_LIST: {
      const acr_list *l = *(acr_list *const *)slot;
      n += LIST_SIZE(l->n);
      for (j = 0; j < l->n; j++)
        n += str_size((const acr_str *)l->items[j], keep, f);
      break;
    }
    default:
      break;
    }
  }
  return n;
}

static size_t record_size(const acr_type *t, const void *rec,
                          const keepset *keep) {
  return ALIGN8(t->size) + children_size(t, rec, keep);
}

/* A deep copy into r's arena: strings of the pool keep are not copied (the
 * pointers stay; kept counts them), every other one is.  With lo set, the
 * copy fills one exact chunk: records and lists from lo up, strings from
 * hi down; else it allocates from r's arena. */
typedef struct copyctx {
  acr_run *r;
  const keepset *keep;
  size_t kept;
  char *lo, *hi;
} copyctx;

static INLINE void *copy_alloc(copyctx *c, size_t n) {
  void *p;
  if (c->lo == NULL) return acr_run_alloc(c->r, n);
  p = c->lo;
  c->lo += ALIGN8(n);
  return p;
}

static acr_list *copy_list_new(copyctx *c, uint32_t cap) {
  acr_list *l = (acr_list *)copy_alloc(c, LIST_SIZE(cap));
  if (l == NULL) return NULL;
  l->n = 0;
  l->cap = cap ? cap : 1;
  return l;
}

/* A copy of s, its flags included (they follow from the bytes, which are
 * the same). */
static INLINE acr_str *str_copy(copyctx *cc, const acr_str *s) {
  size_t n = offsetof(acr_str, s) + (size_t)s->len + 1;
  acr_str *c;
  if (cc->lo != NULL) {
    cc->hi -= ALIGN4(n);
    c = (acr_str *)cc->hi;
  } else if ((c = (acr_str *)acr_run_alloc(cc->r, n)) == NULL) {
    return NULL;
  }
  memcpy(c, s, n);
  return c;
}

/* f: the field s is (an item of) the value of; NULL for unknown fields,
 * which are never pooled. */
static INLINE acr_str *copy_str(copyctx *c, const acr_field *f,
                                acr_str *s) {
  if (f != NULL && kept_str(c->keep, f, s)) {
    c->kept++;
    return s;
  }
  return str_copy(c, s);
}

static acr_list *list_copy_strs(copyctx *cc, const acr_field *f,
                                const acr_list *l) {
  acr_list *c = copy_list_new(cc, l->n);
  uint32_t i;
  if (c == NULL) return NULL;
  for (i = 0; i < l->n; i++)
    if ((c->items[i] = copy_str(cc, f, (acr_str *)l->items[i])) == NULL)
      return NULL;
  c->n = l->n;
  return c;
}

static void *record_copy(copyctx *cc, const acr_type *t, const void *rec);

/* rec is a shallow copy of a record: replace each pointer it holds with a
 * deep copy in r's arena.  Returns 0 when out of memory. */
static int copy_children(copyctx *cc, const acr_type *t, void *rec) {
  acr_rechdr *h = (acr_rechdr *)rec;
  uint32_t j, bits = h->present;
  if (h->unknown &&
      (h->unknown = list_copy_strs(cc, NULL, h->unknown)) == NULL)
    return 0;
  while (bits) { /* the fields present only */
    const acr_field *f = &t->fields[present_next(&bits)];
    void *slot = (char *)rec + f->offset;
    switch (f->kind) {
    case ACR_K_STRING: {
      acr_str **sp = (acr_str **)slot;
      if ((*sp = copy_str(cc, f, *sp)) == NULL) return 0;
      break;
    }
    case ACR_K_ENUM: {
      acr_enumval *v = (acr_enumval *)slot;
      if (v->raw != NULL && (v->raw = copy_str(cc, f, v->raw)) == NULL)
        return 0;
      break;
    }
    case ACR_K_RECORD: {
      void **rp = (void **)slot;
      if (kept_rec(cc->keep, f, *rp)) {
        cc->kept++;
      } else if ((*rp = record_copy(cc, f->sub, *rp)) == NULL) {
        return 0;
      }
      break;
    }
    case ACR_K_RECORD_LIST: {
      acr_list **lp = (acr_list **)slot;
      const acr_list *src = *lp;
      acr_list *c = copy_list_new(cc, src->n);
      if (c == NULL) return 0;
      for (j = 0; j < src->n; j++)
        if ((c->items[j] = record_copy(cc, f->sub, src->items[j])) == NULL)
          return 0;
      c->n = src->n;
      *lp = c;
      break;
    }
    case ACR_K_STRING_LIST: {
      acr_list **lp = (acr_list **)slot;
      if ((*lp = list_copy_strs(cc, f, *lp)) == NULL) return 0;
      break;
    }
    default:
      break;
    }
  }
  return 1;
}

static void *record_copy(copyctx *cc, const acr_type *t, const void *rec) {
  void *c = copy_alloc(cc, t->size);
  if (c == NULL) return NULL;
  memcpy(c, rec, t->size);
  return copy_children(cc, t, c) ? c : NULL;
}

void *acr_record_copy(acr_run *r, const acr_type *t, const void *rec) {
  copyctx cc;
  cc.r = r;
  cc.keep = NULL; /* rec may come from another run: copy all of it */
  cc.kept = 0;
  cc.lo = cc.hi = NULL;
  return record_copy(&cc, t, rec);
}

/* A deep copy of src's graph for dst, in one exact block: graph_size
 * sets dst's root from src's and returns the bytes the rest takes;
 * graph_fill copies it into mem (need bytes).  Strings and records of the
 * pool keep stay shared (graph_fill counts them in *kept).  A name equal
 * to the runId (as the service writes runs) is stored once. */
static size_t graph_size(acr_run *dst, const acr_run *src,
                         const keepset *keep, int *one_name) {
  const uint32_t name_bit = 1u << ACR_RUN_NAME;
  const uint32_t runid_bit = 1u << ACR_RUN_RUNID;
  *one_name = (src->rec.h.present & (name_bit | runid_bit)) ==
                  (name_bit | runid_bit) &&
              acr_str_eq(src->rec.name, src->rec.runId);
  dst->rec = src->rec;
  dst->env_unknown = src->env_unknown;
  dst->taskrun = src->taskrun;
  if (*one_name) dst->rec.h.present &= ~name_bit;
  return ALIGN8(children_size(&acr_type_run, &dst->rec, keep) +
                unknown_size(src->env_unknown) + unknown_size(src->taskrun));
}

static int graph_fill(acr_run *dst, const keepset *keep, int one_name,
                      char *mem, size_t need, size_t *kept) {
  copyctx cc;
  cc.r = dst;
  cc.keep = keep;
  cc.kept = 0;
  cc.lo = cc.hi = NULL; /* need 0: nothing to copy (mem may be NULL) */
  if (need > 0) {
    cc.lo = mem;
    cc.hi = mem + need;
  }
  if (!copy_children(&cc, &acr_type_run, &dst->rec)) return 0;
  if (dst->env_unknown && (dst->env_unknown = list_copy_strs(
                               &cc, NULL, dst->env_unknown)) == NULL)
    return 0;
  if (dst->taskrun &&
      (dst->taskrun = list_copy_strs(&cc, NULL, dst->taskrun)) == NULL)
    return 0;
  if (one_name) {
    dst->rec.h.present |= 1u << ACR_RUN_NAME;
    dst->rec.name = dst->rec.runId;
  }
  *kept = cc.kept;
  return 1;
}

/* Deep-copies src's graph into dst, whose arena is empty: one exact
 * chunk, from a (dst's allocator). */
static int copy_run_graph(acr_run *dst, const acr_allocator *a,
                          const acr_run *src, const keepset *keep,
                          size_t *kept) {
  int one_name;
  size_t need = graph_size(dst, src, keep, &one_name);
  struct acr_arena_chunk *c = NULL;
  if (need > 0) {
    if ((c = chunk_new_a(dst, a, need)) == NULL) return 0;
    c->used = need; /* filled below, from both ends */
  }
  if (!graph_fill(dst, keep, one_name, c ? (char *)c->data : NULL, need,
                  kept))
    return 0;
  dst->arena_base = dst->arena_bytes;
  return 1;
}

acr_run *acr_run_clone(const acr_run *r, const acr_allocator *a) {
  acr_run *c = acr_run_new(a);
  size_t kept;
  if (c == NULL) return NULL;
  c->shape = r->shape;
  c->has_properties = r->has_properties;
  /* pooled strings are copied too: the clone may use another allocator */
  if (!copy_run_graph(c, a, r, NULL, &kept)) {
    acr_run_release(c);
    return NULL;
  }
  return c;
}

/* A run fresh from the reader: its records that can go to the pool are
 * stored there (once for equal ones) and its slots point there.  0 when
 * out of memory. */
#define X_SHARED_RECORD(R, s, ID, name, KIND, flags, arg)        \
  | ((ACR_K_##KIND == ACR_K_RECORD && ((flags) & ACR_F_SHARED)) \
         ? 1u << ACR_##R##_##ID                                 \
         : 0u)
/* The Run's record fields flagged ACR_F_SHARED, as presence bits. */
static const uint32_t shared_records =
    0u ACR_RUN_FIELDS(X_SHARED_RECORD, RUN, runrec);

#if defined(__GNUC__)
#  define LOWEST_BIT(m) ((unsigned)__builtin_ctz(m))
#else
static unsigned lowest_bit(uint32_t m) {
  unsigned i = 0;
  while (!(m & 1u)) m >>= 1, i++;
  return i;
}
#  define LOWEST_BIT(m) lowest_bit(m)
#endif

int acr_rec_pool(acr_strpool *pool, const acr_field *f, void **slot) {
  acr_maxalign img[IMAGE_MAX / sizeof(acr_maxalign)];
  keepset k; /* the reader's run: its shared texts are in pool */
  void *in;
  k.pool = pool;
  k.trust = 1;
  k.pooled = 0;
  if (!rec_image(&k, f, *slot, img)) return 0;
  if ((in = acr_strpool_intern_rec(pool, f->sub, img)) == NULL) return -1;
  *slot = in;
  return 1;
}

static int pool_records(acr_run *r, keepset *k) {
  uint32_t m = r->rec.h.present & shared_records;
  for (; m != 0; m &= m - 1) {
    unsigned i = LOWEST_BIT(m);
    int in = acr_rec_pool(k->pool, &acr_type_run.fields[i],
                          (void **)ACR_SLOT(&r->rec, &acr_type_run.fields[i]));
    if (in < 0) return 0;
    if (in > 0) k->pooled |= 1u << i;
  }
  return 1;
}

acr_status acr_run_compact(acr_run *r) {
  const acr_allocator *a = acr_run_allocator(r);
  acr_run tmp;
  size_t kept;
  keepset k;
  /* a run being read is finished by acr_run_finish_decoded only */
  if (r->home & HOME_DECODING) return ACR_EMISUSE;
  k.pool = r->pool;
  k.trust = 0;
  k.pooled = 0;
  memset(&tmp, 0, sizeof tmp);
  if (!copy_run_graph(&tmp, a, r, &k, &kept)) {
    chunks_free(a, tmp.chunks);
    return ACR_EMEMORY;
  }
  /* changed: nothing points into the pool (unless it holds the run's
   * allocator: it then stays with the run) */
  if (kept == 0 && r->pool != NULL && (r->home & HOME_OWN_ALLOC)) {
    acr_strpool_release(r->pool);
    r->pool = NULL;
  }
  chunks_free(a, r->chunks);
  acr_run_touch(r); /* columns may hold pointers into the old blocks */
  r->rec = tmp.rec;
  r->env_unknown = tmp.env_unknown;
  r->taskrun = tmp.taskrun;
  r->chunks = tmp.chunks;
  /* a decoded run's first arena stays in the header's block, unused */
  r->arena_bytes = tmp.arena_bytes + r->inline_bytes;
  r->arena_base = r->arena_bytes;
  return ACR_OK;
}

/* The pointers of a run's graph into the bytes [lo, lo + span) of its
 * block, which the allocator moved by delta (a shrink that moved):
 * corrected in place.  Pointers elsewhere (the pool's) are left, and what
 * they point to is not walked. */
typedef struct moved {
  uintptr_t lo, span, delta;
} moved;

#define MOVED_IN(m, p) ((uintptr_t)(p) - (m)->lo < (m)->span)
#define MOVE(m, p) ((void *)((uintptr_t)(p) + (m)->delta))

static void move_strs(const moved *m, acr_list **lp) {
  uint32_t i;
  if (*lp == NULL || !MOVED_IN(m, *lp)) return;
  *lp = (acr_list *)MOVE(m, *lp);
  for (i = 0; i < (*lp)->n; i++)
    if (MOVED_IN(m, (*lp)->items[i])) (*lp)->items[i] = MOVE(m, (*lp)->items[i]);
}

static void move_record(const moved *m, const acr_type *t, void *rec) {
  acr_rechdr *h = (acr_rechdr *)rec;
  uint32_t j, bits = h->present;
  move_strs(m, &h->unknown);
  while (bits) {
    const acr_field *f = &t->fields[present_next(&bits)];
    void **slot = (void **)((char *)rec + f->offset);
    switch (f->kind) {
    case ACR_K_STRING:
    case ACR_K_RECORD:
      if (!MOVED_IN(m, *slot)) break;
      *slot = MOVE(m, *slot);
      if (f->kind == ACR_K_RECORD) move_record(m, f->sub, *slot);
      break;
    case ACR_K_ENUM: {
      acr_enumval *v = (acr_enumval *)(void *)slot;
      if (v->raw != NULL && MOVED_IN(m, v->raw))
        v->raw = (acr_str *)MOVE(m, v->raw);
      break;
    }
    case ACR_K_RECORD_LIST: {
      acr_list *l;
      if (!MOVED_IN(m, *slot)) break;
      l = (acr_list *)(*slot = MOVE(m, *slot));
      for (j = 0; j < l->n; j++)
        if (MOVED_IN(m, l->items[j]))
          move_record(m, f->sub, l->items[j] = MOVE(m, l->items[j]));
      break;
    }
    case ACR_K_STRING_LIST:
      move_strs(m, (acr_list **)slot);
      break;
    default:
      break;
    }
  }
}

/* A run that outgrew its block: compacted into a new exact block (its
 * records of ACR_F_SHARED fields stored in the pool), the old blocks
 * freed.  ACR_EMEMORY leaves *rp unchanged. */
static acr_status finish_compacting(acr_run **rp) {
  acr_run *r = *rp, *n, tmp;
  /* r's allocator is in r's block or its pool's */
  acr_allocator a = *acr_run_allocator(r);
  size_t need, kept, own;
  int one_name;
  keepset k;
  k.pool = r->pool;
  k.trust = 1;
  k.pooled = 0;
  if (r->pool != NULL && !pool_records(r, &k)) return ACR_EMEMORY;
  memset(&tmp, 0, sizeof tmp);
  need = graph_size(&tmp, r, &k, &one_name);
  own = (r->home & HOME_OWN_ALLOC) ? ALLOC_SLOT : 0;
  if (need > UINT32_MAX - CHUNK_HDR ||
      (n = (acr_run *)acr_malloc(&a, sizeof *n + own + need)) == NULL)
    return ACR_EMEMORY;
  *n = tmp;
  n->refcount = r->refcount;
  n->shape = r->shape;
  n->has_properties = r->has_properties;
  n->pool = r->pool; /* r's references move to n */
  n->epoch = r->epoch;
  n->home = (uint8_t)(r->home & HOME_OWN_ALLOC);
  if (own) *alloc_slot(n) = a;
  n->inline_bytes = n->arena_bytes = n->arena_base = (uint32_t)need;
  if (!graph_fill(n, &k, one_name, inline_arena(n), need, &kept)) {
    acr_free(&a, n, sizeof *n + own + need); /* cannot happen: nothing */
    return ACR_EMEMORY;                       /* is allocated */
  }
  chunks_free(&a, r->chunks);
  acr_free(&a, r, block_size(r));
  *rp = n;
  return ACR_OK;
}

acr_status acr_run_finish_decoded(acr_run **rp, size_t *hint) {
  acr_run *r = *rp, *n;
  size_t size, used;
  if (r->chunks != NULL) { /* outgrown: the next run gets a larger block */
    size_t want = r->arena_bytes;
    if (want > *hint) *hint = want < DECODE_MAX ? want : DECODE_MAX;
    return finish_compacting(rp);
  }
  size = block_size(r);
  used = r->arena_base;
  if (used < r->inline_bytes) {
    acr_allocator a = *acr_run_allocator(r); /* may be in the block */
    uintptr_t lo = (uintptr_t)r;
    n = (acr_run *)acr_realloc(&a, r, size, size - (r->inline_bytes - used));
    if (n != NULL) { /* (a failed shrink leaves the block as it was) */
      if (n != r) { /* moved: the arena's pointers follow it */
        moved m;
        m.lo = lo;
        m.span = size;
        m.delta = (uintptr_t)n - lo;
        move_record(&m, &acr_type_run, &n->rec);
        move_strs(&m, &n->env_unknown);
        move_strs(&m, &n->taskrun);
      }
      r = n;
      r->inline_bytes = (uint32_t)used;
    }
  }
  /* the inline arena is full from now on (unused bytes left by a failed
   * shrink are counted, never used) */
  r->home = (uint8_t)(r->home & ~HOME_DECODING);
  r->arena_bytes = r->arena_base = r->inline_bytes;
  *rp = r;
  return ACR_OK;
}

void acr_run_pin(acr_run *r) { r->pins++; }

void acr_run_unpin(acr_run *r) {
  if (r->pins > 0) r->pins--;
}

void acr_run_gc(acr_run *r) {
  if (r->pins > 0) return;
  if (r->arena_bytes > GC_FLOOR && r->arena_bytes > 2 * r->arena_base + 1024)
    (void)acr_run_compact(r);
}

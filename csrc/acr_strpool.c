/*
 * acr_strpool.c -- string pools: texts that repeat across the runs of one
 * decoded list (the constant "type", registries, repositories, task names,
 * trigger texts: the fields flagged ACR_F_SHARED) stored once.
 *
 * A pool is made by the JSON reader for one decode of a list and interned
 * into while the list is read; the runs' slots then point into it.  When
 * the decode ends the pool is sealed: its hash table is freed and its
 * strings never change again, so any number of runs, on any threads, may
 * read them.  Each run that points into a pool holds one reference
 * (acr_run.pool); the last release frees the pool, so a run that outlives
 * its list, is moved to another list or is changed stays valid.  The
 * reference count is atomic where the compiler offers atomics (GCC, Clang,
 * C11): runs of one decode may be released by different threads at once,
 * as different objects may (acr.h).
 *
 * Strings are acr_str like any other, so every reader of a slot is
 * unaffected.  Setters never write into a pool (they store a new string in
 * the run's arena); compaction keeps the pointers into the run's pool and
 * copies the rest (acr_model.c), and drops the reference when nothing of
 * the run points into the pool any more (unless the run's allocator is
 * the pool's, acr_strpool_allocator: the runs of a decoded list do not
 * keep a copy each); a clone copies pooled strings into
 * its own arena (it may use another allocator, whose lifetime the pool's
 * does not follow).
 *
 * The pool also stores records (acr_strpool_intern_rec): the records of
 * the Run's ACR_F_SHARED record fields (platform, agentConfiguration,
 * timerTrigger) that hold only scalars and pooled texts, once for equal
 * ones, under the same rules (immutable, a setter copies the run's own
 * first: acr_model.c).
 */
#include "acr_json_lex.h" /* acr_jbytes_eq */

#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#  define REF_ADD(p, n) __atomic_add_fetch((p), (n), __ATOMIC_ACQ_REL)
#  define REF_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && \
    !defined(__STDC_NO_ATOMICS__)
#  include <stdatomic.h>
#  define ACR_POOL_C11_ATOMIC 1
#  define REF_ADD(p, n) (atomic_fetch_add((p), (n)) + (n))
#  define REF_LOAD(p) atomic_load(p)
#else
/* No atomics: runs of one decode must then be released on one thread. */
#  define REF_ADD(p, n) (*(p) += (n))
#  define REF_LOAD(p) (*(p))
#endif

#if defined(__GNUC__)
#  define INLINE __inline__ __attribute__((always_inline))
#else
#  define INLINE
#endif

#define POOL_ALIGN(n) (((n) + 7u) & ~(size_t)7u)
#define POOL_MIN_CHUNK 1024u
#define POOL_STR_SIZE(n) POOL_ALIGN(offsetof(acr_str, s) + (size_t)(n) + 1)

typedef struct pool_chunk {
  struct pool_chunk *next;
  size_t size, used; /* bytes of data */
  union {
    void *p;
    double d;
    int64_t i;
  } data[1];
} pool_chunk;
#define CHUNK_HDR offsetof(pool_chunk, data)

/* A hash table of what the pool holds, open addressing: texts (acr_str,
 * type NULL) or records of type (acr_strpool_intern_rec). */
typedef struct pool_slot {
  void *item; /* NULL: empty */
  const acr_type *type;
  uint32_t hash;
} pool_slot;

typedef struct pool_table {
  pool_slot *slots;
  size_t n, count;
} pool_table;

/* The last text interned under a key (the reader's key: the field). */
#define POOL_MEMO 32
typedef struct pool_memo {
  const void *key;
  acr_str *s;
} pool_memo;

struct acr_strpool {
#ifdef ACR_POOL_C11_ATOMIC
  _Atomic long refs;
#else
  long refs;
#endif
  acr_allocator alloc;
  pool_chunk *chunks; /* newest (largest) first */
  size_t bytes;       /* everything the pool holds, for memsize */
  pool_table strs, recs; /* emptied once sealed */
  int sealed;
  pool_memo memo[POOL_MEMO];
};

acr_strpool *acr_strpool_new(const acr_allocator *a) {
  acr_strpool *p = (acr_strpool *)acr_malloc(a, sizeof *p);
  if (p == NULL) return NULL;
  memset(p, 0, sizeof *p);
  p->refs = 1;
  p->alloc = *a;
  p->bytes = sizeof *p;
  return p;
}

void acr_strpool_retain(acr_strpool *p) { (void)REF_ADD(&p->refs, 1); }

void acr_strpool_retain_n(acr_strpool *p, long n) {
  (void)REF_ADD(&p->refs, n);
}

static void table_free(acr_strpool *p, pool_table *t) {
  if (t->slots == NULL) return;
  acr_free(&p->alloc, t->slots, t->n * sizeof *t->slots);
  p->bytes -= t->n * sizeof *t->slots;
  t->slots = NULL;
  t->n = t->count = 0;
}

void acr_strpool_release(acr_strpool *p) {
  acr_allocator a;
  pool_chunk *c;
  if (p == NULL || REF_ADD(&p->refs, -1) > 0) return;
  a = p->alloc;
  table_free(p, &p->strs);
  table_free(p, &p->recs);
  for (c = p->chunks; c != NULL;) {
    pool_chunk *next = c->next;
    acr_free(&a, c, CHUNK_HDR + c->size);
    c = next;
  }
  acr_free(&a, p, sizeof *p);
}

void acr_strpool_seal(acr_strpool *p) {
  if (p == NULL) return;
  table_free(p, &p->strs);
  table_free(p, &p->recs);
  p->sealed = 1;
}

int acr_strpool_owns(const acr_strpool *p, const void *s) {
  const pool_chunk *c;
  const char *q = (const char *)s;
  if (p == NULL) return 0;
  for (c = p->chunks; c != NULL; c = c->next) {
    const char *b = (const char *)c->data;
    if (q >= b && q < b + c->used) return 1;
  }
  return 0;
}

size_t acr_strpool_share(const acr_strpool *p) {
  long refs;
  if (p == NULL) return 0;
  refs = REF_LOAD(&p->refs);
  if (refs < 1) refs = 1;
  return (p->bytes + (size_t)refs - 1) / (size_t)refs;
}

const acr_allocator *acr_strpool_allocator(const acr_strpool *p) {
  return &p->alloc;
}

size_t acr_strpool_bytes(const acr_strpool *p) {
  return p ? p->bytes : 0;
}

/* A cheap hash of s[0..n): its length and three 8-byte words (first,
 * middle, last) for longer texts, all of it for shorter ones, so that it
 * costs the same for any length; texts that agree on those words collide
 * and are told apart by the comparison. */
static INLINE uint32_t text_hash(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)n, a = 0, b = 0, c = 0;
  if (n >= 8) {
    memcpy(&a, s, 8);
    memcpy(&b, s + (n - 8) / 2, 8);
    memcpy(&c, s + n - 8, 8);
  } else {
    memcpy(&a, s, n);
  }
  h = (h ^ a) * 0xFF51AFD7ED558CCDu;
  h = (h ^ b ^ (h >> 29)) * 0xC4CEB9FE1A85EC53u;
  h ^= c ^ (h >> 32);
  /* the table takes the low bits: mix the high ones (the last bytes of a
   * text) down (MurmurHash3's finalizer) */
  h = (h ^ (h >> 33)) * 0xFF51AFD7ED558CCDu;
  h = (h ^ (h >> 33)) * 0xC4CEB9FE1A85EC53u;
  return (uint32_t)(h ^ (h >> 33));
}

/* Doubles t (first: its first size), or 0 when out of memory. */
static int table_grow(acr_strpool *p, pool_table *t, size_t first) {
  size_t n = t->n ? t->n * 2 : first, i;
  pool_slot *to = (pool_slot *)acr_malloc(&p->alloc, n * sizeof *to);
  if (to == NULL) return 0;
  memset(to, 0, n * sizeof *to);
  for (i = 0; i < t->n; i++) {
    const pool_slot *o = &t->slots[i];
    size_t h;
    if (o->item == NULL) continue;
    for (h = o->hash & (n - 1); to[h].item != NULL; h = (h + 1) & (n - 1)) {}
    to[h] = *o;
  }
  if (t->slots) acr_free(&p->alloc, t->slots, t->n * sizeof *t->slots);
  p->bytes += (n - t->n) * sizeof *to;
  t->slots = to;
  t->n = n;
  return 1;
}

/* need (a multiple of 8) bytes from the pool's chunks, 8-aligned. */
static void *pool_alloc(acr_strpool *p, size_t need) {
  pool_chunk *c = p->chunks;
  void *q;
  if (c == NULL || c->size - c->used < need) {
    size_t size = c ? c->size * 2 : POOL_MIN_CHUNK;
    if (size < need) size = POOL_ALIGN(need);
    if ((c = (pool_chunk *)acr_malloc(&p->alloc, CHUNK_HDR + size)) == NULL)
      return NULL;
    c->size = size;
    c->used = 0;
    c->next = p->chunks;
    p->chunks = c;
    p->bytes += CHUNK_HDR + size;
  }
  q = (char *)c->data + c->used;
  c->used += need;
  return q;
}

static acr_str *pool_store(acr_strpool *p, const char *s, size_t n) {
  acr_str *str = (acr_str *)pool_alloc(p, POOL_STR_SIZE(n));
  if (str == NULL) return NULL;
  str->len = (uint32_t)n;
  str->flags = acr_str_flags(s, n);
  if (n) memcpy(str->s, s, n);
  str->s[n] = '\0';
  return str;
}

acr_str *acr_strpool_intern(acr_strpool *p, const void *key, const char *s,
                            size_t n) {
  uint32_t hash;
  size_t h;
  acr_str *str;
  pool_table *t = &p->strs;
  pool_memo *m = &p->memo[((uintptr_t)key >> 3) & (POOL_MEMO - 1)];
  /* the same text as the last one of this key: a run's images share a
   * registry, every run has the same type */
  if (m->key == key && m->s != NULL && m->s->len == n &&
      acr_jbytes_eq(m->s->s, s, n))
    return m->s;
  if (p->sealed || n > UINT32_MAX - 16) return NULL;
  if (2 * (t->count + 1) > t->n && !table_grow(p, t, 64)) return NULL;
  hash = text_hash(s, n);
  for (h = hash & (t->n - 1); (str = (acr_str *)t->slots[h].item) != NULL;
       h = (h + 1) & (t->n - 1))
    if (t->slots[h].hash == hash && str->len == n &&
        acr_jbytes_eq(str->s, s, n))
      goto found;
  if ((str = pool_store(p, s, n)) == NULL) return NULL;
  t->slots[h].item = str;
  t->slots[h].hash = hash;
  t->count++;
found:
  m->key = key;
  m->s = str;
  return str;
}

/* The hash of a record image: every 8-byte word of it (images are small
 * and differ anywhere). */
static uint32_t image_hash(const acr_type *t, const void *img) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)(uintptr_t)t, w;
  size_t i;
  for (i = 0; i + 8 <= t->size; i += 8) {
    memcpy(&w, (const char *)img + i, 8);
    h = (h ^ w ^ (h >> 29)) * 0xFF51AFD7ED558CCDu;
  }
  h = (h ^ (h >> 33)) * 0xC4CEB9FE1A85EC53u;
  return (uint32_t)(h ^ (h >> 33));
}

/* Equal images: word by word (t->size is a multiple of 8 in a record). */
static INLINE int image_eq(const void *a, const void *b, size_t n) {
  size_t i;
  for (i = 0; i + 8 <= n; i += 8) {
    uint64_t x, y;
    memcpy(&x, (const char *)a + i, 8);
    memcpy(&y, (const char *)b + i, 8);
    if (x != y) return 0;
  }
  return memcmp((const char *)a + i, (const char *)b + i, n - i) == 0;
}

void *acr_strpool_intern_rec(acr_strpool *p, const acr_type *t,
                             const void *img) {
  uint32_t hash;
  size_t h, size = POOL_ALIGN(t->size);
  pool_table *r = &p->recs;
  void *rec;
  if (p->sealed) return NULL;
  if (2 * (r->count + 1) > r->n && !table_grow(p, r, 32)) return NULL;
  hash = image_hash(t, img);
  for (h = hash & (r->n - 1); r->slots[h].item != NULL;
       h = (h + 1) & (r->n - 1))
    if (r->slots[h].hash == hash && r->slots[h].type == t &&
        image_eq(r->slots[h].item, img, t->size))
      return r->slots[h].item;
  if ((rec = pool_alloc(p, size)) == NULL) return NULL;
  memcpy(rec, img, t->size);
  r->slots[h].item = rec;
  r->slots[h].type = t;
  r->slots[h].hash = hash;
  r->count++;
  return rec;
}

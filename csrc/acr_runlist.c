/*
 * acr_runlist.c -- run lists (one page of Runs_List, or several joined) and
 * the queries over them: filter, sort, top, count_by, summary.
 *
 * Over 900 lines on purpose: the queries and the lazily built columns they
 * scan share the list's private state (epochs, column invalidation), which
 * stays static in this one file rather than becoming an internal API.
 *
 * A list holds one reference to each of its runs; derived lists (filter,
 * top) share the runs and take references of their own.  Queries walk the
 * acr_run * array and read the records in place: nothing is allocated per
 * run, and every allocation failure leaves the inputs as they were.
 *
 * Ordering (sort, top): stable merge sort; absent values last in both
 * directions; strings in byte order, enums by their text compared
 * case-insensitively (canonical spelling, or the raw text of an unknown
 * value), date-times by instant, false before true, int32 numerically.
 */
#include "acr_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSLOT(rec, f) ((const void *)((const char *)(rec) + (f)->offset))
#define INSERTION_MAX 12

static void cols_free(acr_runlist *l);

/* ---- the list ------------------------------------------------------------ */

acr_runlist *acr_runlist_new(const acr_allocator *a) {
  acr_runlist *l;
  if (a == NULL || a->f == NULL) return NULL;
  l = (acr_runlist *)acr_malloc(a, sizeof *l);
  if (l == NULL) return NULL;
  memset(l, 0, sizeof *l);
  l->alloc = *a;
  /* The meta run is the arena of nextLink and the unknown keys: made now
   * so that decoders and the binding may use it without checking. */
  l->meta = acr_run_new(a);
  if (l->meta == NULL) {
    acr_free(a, l, sizeof *l);
    return NULL;
  }
  return l;
}

void acr_runlist_free(acr_runlist *l) {
  acr_allocator a;
  size_t i;
  if (l == NULL) return;
  a = l->alloc;
  cols_free(l);
  for (i = 0; i < l->n; i++) acr_run_release(l->runs[i]);
  acr_free(&a, l->runs, l->cap * sizeof *l->runs);
  acr_run_release(l->meta);
  acr_free(&a, l, sizeof *l);
}

/* Makes room for at least want runs. */
static acr_status reserve(acr_runlist *l, size_t want) {
  size_t ncap;
  acr_run **nr;
  if (want <= l->cap) return ACR_OK;
  if (want > ((size_t)-1) / (2 * sizeof *nr)) return ACR_EMEMORY;
  ncap = l->cap ? l->cap : 8;
  while (ncap < want) ncap *= 2;
  nr = (acr_run **)acr_realloc(&l->alloc, l->runs, l->cap * sizeof *nr,
                               ncap * sizeof *nr);
  if (nr == NULL) return ACR_EMEMORY;
  l->runs = nr;
  l->cap = ncap;
  return ACR_OK;
}

acr_status acr_runlist_push(acr_runlist *l, acr_run *r) {
  if (l == NULL || r == NULL) return ACR_EMISUSE;
  if (l->n == l->cap && reserve(l, l->n + 1) != ACR_OK) return ACR_EMEMORY;
  cols_free(l);
  acr_run_retain(r);
  l->runs[l->n++] = r;
  return ACR_OK;
}

acr_status acr_runlist_set(acr_runlist *l, size_t i, acr_run *r) {
  acr_run *old;
  if (l == NULL || r == NULL || i >= l->n) return ACR_EMISUSE;
  cols_free(l);
  old = l->runs[i];
  acr_run_retain(r);
  l->runs[i] = r;
  acr_run_release(old);
  return ACR_OK;
}

/* s == NULL clears the nextLink.  The old text stays in the meta arena
 * until the list is freed (nextLink changes once per page). */
acr_status acr_runlist_set_nextlink(acr_runlist *l, const char *s,
                                    size_t n) {
  acr_str *str;
  if (l == NULL) return ACR_EMISUSE;
  if (s == NULL) {
    l->nextLink = NULL;
    return ACR_OK;
  }
  if (l->meta == NULL) return ACR_EMISUSE;
  if (acr_utf8_check(s, n) != n) return ACR_ESCHEMA;
  str = acr_run_str(l->meta, s, n);
  if (str == NULL) return ACR_EMEMORY;
  l->nextLink = str;
  return ACR_OK;
}

/* ---- epochs and columns ------------------------------------------------- */

/* Runs are separate blocks: a scan fetches a few ahead, or it is bound by
 * cache misses rather than by its work. */
#define PREFETCH_AHEAD 8
#if defined(__GNUC__)
static void prefetch_run(const acr_run *r) {
  const char *p = (const char *)r;
  size_t off;
  for (off = 0; off < sizeof *r; off += 64) __builtin_prefetch(p + off);
}
#else
#define prefetch_run(r) ((void)(r))
#endif

void acr_epoch_release(acr_epoch *e) {
  acr_allocator a;
  if (e == NULL || --e->refs > 0) return;
  a = e->alloc;
  acr_free(&a, e, sizeof *e);
}

/* Rows allocated for c (one at least, so that an empty list has columns). */
#define ROWS(c) ((c)->n ? (c)->n : 1)

static const acr_field *col_field(int c) {
  if (c < ACR_RUN_NFIELDS) return &acr_type_run.fields[c];
  return NULL; /* platform columns: read through platform */
}

/* Kind of column c (an acr_kind), or -1 when c has no column. */
static int col_kind(int c) {
  const acr_field *f;
  if (c == ACR_COL_OS || c == ACR_COL_ARCH) return ACR_K_ENUM;
  if (c < 0 || c >= ACR_RUN_NFIELDS) return -1;
  f = col_field(c);
  switch (f->kind) {
  case ACR_K_STRING: case ACR_K_ENUM: case ACR_K_DATETIME: case ACR_K_BOOL:
  case ACR_K_INT32:
    return f->kind;
  default:
    return -1;
  }
}

static size_t col_size(int c) {
  switch (col_kind(c)) {
  case ACR_K_STRING: return sizeof(const acr_str *);
  case ACR_K_ENUM: case ACR_K_INT32: return sizeof(int32_t);
  case ACR_K_DATETIME: return sizeof(acr_datetime);
  case ACR_K_BOOL: return 1;
  default: return 0;
  }
}

int acr_col_of(const acr_field *f, const acr_field *f2) {
  if (f == NULL || f < acr_type_run.fields ||
      f >= acr_type_run.fields + acr_type_run.nfields)
    return -1;
  if (f2 != NULL) {
    if (f->index != ACR_RUN_PLATFORM) return -1;
    if (f2 == acr_type_field(&acr_type_platform, "os", 2)) return ACR_COL_OS;
    if (f2 == acr_type_field(&acr_type_platform, "architecture", 12))
      return ACR_COL_ARCH;
    return -1;
  }
  return col_kind(f->index) < 0 ? -1 : (int)f->index;
}

/* Frees the column arrays and drops the epoch records (c->home stays). */
static void cols_drop(acr_runlist *l) {
  acr_cols *c = l->cols;
  size_t k;
  if (c == NULL) return;
  for (k = 0; k < ACR_COL_COUNT; k++) {
    acr_free(&l->alloc, c->col[k], ROWS(c) * col_size((int)k));
    c->col[k] = NULL;
  }
  acr_free(&l->alloc, c->present, ROWS(c) * sizeof *c->present);
  c->present = NULL;
  for (k = 0; k < c->nep; k++) acr_epoch_release(c->eps[k].e);
  c->nep = 0;
  c->built = 0;
  c->n = 0;
}

static void cols_free(acr_runlist *l) {
  if (l->cols == NULL) return;
  cols_drop(l);
  acr_epoch_release(l->cols->home);
  acr_free(&l->alloc, l->cols, sizeof *l->cols);
  l->cols = NULL;
}

static int cols_fresh(const acr_cols *c, size_t n) {
  size_t k;
  if (c->n != n || c->present == NULL) return 0;
  for (k = 0; k < c->nep; k++)
    if (c->eps[k].e->value != c->eps[k].value) return 0;
  return 1;
}

static size_t eps_find(const acr_cols *c, const acr_epoch *e) {
  size_t k;
  for (k = 0; k < c->nep; k++)
    if (c->eps[k].e == e) return k;
  return (size_t)-1;
}

static size_t eps_add(acr_cols *c, acr_epoch *e) {
  e->refs++;
  c->eps[c->nep].e = e;
  c->eps[c->nep].value = e->value;
  return c->nep++;
}

/* Gives r an epoch that c records, so that a change to r shows: its own
 * while c has room (other epochs take at most ACR_COLS_MAX_EPOCHS - 1
 * entries, keeping one for home), else c's home epoch; the old epoch is
 * bumped first, so every other list that recorded it rebuilds rather than
 * miss a later change.  The home epoch comes from the allocator of the
 * first run that takes it: it lives as long as any run holding it.
 * Returns 0 when out of memory. */
static int cols_adopt(acr_cols *c, acr_run *r, size_t *last) {
  acr_epoch *e = r->epoch;
  size_t k;
  if (e != NULL) {
    if (*last < c->nep && c->eps[*last].e == e) return 1;
    if ((k = eps_find(c, e)) != (size_t)-1) {
      *last = k;
      return 1;
    }
    if (e == c->home || c->nep < ACR_COLS_MAX_EPOCHS - 1) {
      *last = eps_add(c, e);
      return 1;
    }
  }
  if (c->home == NULL) {
    c->home = (acr_epoch *)acr_malloc(&r->alloc, sizeof *c->home);
    if (c->home == NULL) return 0;
    c->home->value = 0;
    c->home->refs = 1; /* c's own reference, dropped by cols_free */
    c->home->alloc = r->alloc;
  }
  if ((k = eps_find(c, c->home)) == (size_t)-1) k = eps_add(c, c->home);
  if (e != NULL) {
    e->value++;
    acr_epoch_release(e);
  }
  r->epoch = c->home;
  c->home->refs++;
  *last = k;
  return 1;
}

static void fill_row(acr_cols *c, size_t i, const acr_run *r,
                     uint32_t want) {
  const acr_runrec *rec = &r->rec;
  int k;
  c->present[i] = rec->h.present;
  for (k = 0; want >> k; k++) {
    const acr_field *f;
    const void *slot;
    int has;
    if (!((want >> k) & 1u)) continue;
    if (k == ACR_COL_OS || k == ACR_COL_ARCH) {
      const acr_platform *p =
          ACR_HAS(rec, &acr_type_run.fields[ACR_RUN_PLATFORM]) ? rec->platform
                                                            : NULL;
      const acr_field *pf = acr_type_field(
          &acr_type_platform, k == ACR_COL_OS ? "os" : "architecture",
          k == ACR_COL_OS ? 2 : 12);
      int32_t code = ACR_COL_ABSENT;
      if (p != NULL && pf != NULL && ACR_HAS(p, pf))
        code = ((const acr_enumval *)CSLOT(p, pf))->code;
      ((int32_t *)c->col[k])[i] = code;
      continue;
    }
    f = &acr_type_run.fields[k];
    slot = CSLOT(rec, f);
    has = (int)ACR_HAS(rec, f);
    switch (f->kind) {
    case ACR_K_STRING:
      ((const acr_str **)c->col[k])[i] =
          has ? *(acr_str *const *)slot : NULL;
      break;
    case ACR_K_ENUM:
      ((int32_t *)c->col[k])[i] =
          has ? ((const acr_enumval *)slot)->code : ACR_COL_ABSENT;
      break;
    case ACR_K_DATETIME:
      if (has) ((acr_datetime *)c->col[k])[i] = *(const acr_datetime *)slot;
      else memset(&((acr_datetime *)c->col[k])[i], 0, sizeof(acr_datetime));
      break;
    case ACR_K_BOOL:
      ((uint8_t *)c->col[k])[i] = has ? *(const uint8_t *)slot != 0 : 0;
      break;
    default: /* ACR_K_INT32 */
      ((int32_t *)c->col[k])[i] = has ? *(const int32_t *)slot : 0;
      break;
    }
  }
}

const acr_cols *acr_runlist_cols(const acr_runlist *cl, uint32_t need) {
  /* The columns are a cache: filling them does not change the list's
   * value, so const queries may build them. */
  acr_runlist *l = (acr_runlist *)cl;
  acr_cols *c;
  uint32_t want;
  size_t i, last = 0;
  int k;
  if (l == NULL) return NULL;
  for (k = 0; k < 32; k++)
    if (((need >> k) & 1u) && (k >= ACR_COL_COUNT || col_kind(k) < 0))
      return NULL;
  if (l->cols == NULL) {
    c = (acr_cols *)acr_malloc(&l->alloc, sizeof *c);
    if (c == NULL) return NULL;
    memset(c, 0, sizeof *c);
    l->cols = c;
  }
  c = l->cols;
  if (!cols_fresh(c, l->n)) cols_drop(l);
  want = need & ~c->built;
  if (want == 0 && c->present != NULL) return c;
  if (c->present == NULL) {
    c->n = l->n;
    c->present = (uint32_t *)acr_malloc(&l->alloc,
                                        ROWS(c) * sizeof *c->present);
    if (c->present == NULL) {
      c->n = 0;
      goto nomem;
    }
    for (i = 0; i < l->n; i++)
      if (!cols_adopt(c, l->runs[i], &last)) goto nomem;
    /* adopting bumps only epochs that are not recorded: values hold */
  }
  for (k = 0; k < ACR_COL_COUNT; k++)
    if ((want >> k) & 1u) {
      c->col[k] = acr_malloc(&l->alloc, ROWS(c) * col_size(k));
      if (c->col[k] == NULL) goto nomem;
    }
  for (i = 0; i < c->n; i++) {
    if (i + PREFETCH_AHEAD < c->n) prefetch_run(l->runs[i + PREFETCH_AHEAD]);
    fill_row(c, i, l->runs[i], want);
  }
  c->built |= want;
  return c;
nomem:
  cols_drop(l);
  return NULL;
}

size_t acr_runlist_memsize(const acr_runlist *l) {
  size_t n, i;
  if (l == NULL) return 0;
  n = sizeof *l + l->cap * sizeof *l->runs;
  if (l->cols) {
    const acr_cols *c = l->cols;
    int k;
    n += sizeof *c + (c->home ? sizeof *c->home : 0);
    if (c->present) n += ROWS(c) * sizeof *c->present;
    for (k = 0; k < ACR_COL_COUNT; k++)
      if (c->col[k]) n += ROWS(c) * col_size(k);
  }
  if (l->meta) n += acr_run_memsize(l->meta);
  for (i = 0; i < l->n; i++) n += acr_run_memsize(l->runs[i]);
  return n;
}

/* A new empty list with room for cap runs, or NULL. */
static acr_runlist *derived(const acr_runlist *l, size_t cap) {
  acr_runlist *d = acr_runlist_new(&l->alloc);
  if (d != NULL && cap > 0 && reserve(d, cap) != ACR_OK) {
    acr_runlist_free(d);
    return NULL;
  }
  return d;
}

/* ---- filter -------------------------------------------------------------- */


acr_runlist *acr_runlist_filter(const acr_runlist *l, const acr_filter *f) {
  acr_runlist *d;
  size_t i;
  const acr_cols *c = NULL;
  uint32_t need;
  if (l == NULL || f == NULL) return NULL;
  if ((d = derived(l, 0)) == NULL) return NULL;
  /* With columns, only the leaves that no column holds read the runs
   * (none for the usual filters); without (out of memory), read them all. */
  if ((need = acr_filter_columns(f)) != 0) c = acr_runlist_cols(l, need);
  for (i = 0; i < l->n; i++) {
    int hit;
    if (c != NULL) {
      hit = acr_filter_match_row(f, c, i, l->runs[i]);
    } else {
      if (i + PREFETCH_AHEAD < l->n)
        prefetch_run(l->runs[i + PREFETCH_AHEAD]);
      hit = acr_filter_match(f, l->runs[i]);
    }
    if (!hit) continue;
    /* Collected without a reference first: taking one touches the run, a
     * cache miss that the loop below overlaps by fetching ahead. */
    if (d->n == d->cap && reserve(d, d->n + 1) != ACR_OK) {
      d->n = 0; /* no reference taken yet */
      acr_runlist_free(d);
      return NULL;
    }
    d->runs[d->n++] = l->runs[i];
  }
  for (i = 0; i < d->n; i++) {
#if defined(__GNUC__)
    if (i + PREFETCH_AHEAD < d->n)
      __builtin_prefetch(&d->runs[i + PREFETCH_AHEAD]->refcount, 1);
#endif
    acr_run_retain(d->runs[i]);
  }
  return d;
}

/* ---- ordering ------------------------------------------------------------ */

static int is_run_scalar(const acr_field *f) {
  if (f == NULL || f < acr_type_run.fields ||
      f >= acr_type_run.fields + acr_type_run.nfields)
    return 0;
  switch (f->kind) {
  case ACR_K_STRING: case ACR_K_ENUM: case ACR_K_DATETIME: case ACR_K_BOOL:
  case ACR_K_INT32:
    return 1;
  default:
    return 0;
  }
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn,
                     int fold) {
  size_t i, m = an < bn ? an : bn;
  for (i = 0; i < m; i++) {
    int x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (fold) x = acr_lower(x), y = acr_lower(y);
    if (x != y) return x < y ? -1 : 1;
  }
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Does r have a value for f (a string field set to NULL counts as not)? */
static int has_value(const acr_field *f, const acr_run *r) {
  if (!ACR_HAS(&r->rec, f)) return 0;
  if (f->kind == ACR_K_STRING)
    return *(acr_str *const *)CSLOT(&r->rec, f) != NULL;
  return 1;
}

static const char *enum_text(const acr_field *f, const acr_run *r,
                             size_t *len) {
  const char *s = acr_enum_text(f, (const acr_enumval *)CSLOT(&r->rec, f),
                                len);
  if (s == NULL) s = "", *len = 0;
  return s;
}

/* Compares the values of f in a and b, both present. */
static int value_cmp(const acr_field *f, const acr_run *a, const acr_run *b) {
  const void *x = CSLOT(&a->rec, f), *y = CSLOT(&b->rec, f);
  switch (f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = *(acr_str *const *)x, *t = *(acr_str *const *)y;
    return cmp_bytes(s->s, s->len, t->s, t->len, 0);
  }
  case ACR_K_ENUM: {
    const acr_enumval *u = (const acr_enumval *)x;
    const acr_enumval *v = (const acr_enumval *)y;
    size_t un, vn;
    const char *us, *vs;
    if (u->code >= 0 && u->code == v->code) return 0;
    us = enum_text(f, a, &un);
    vs = enum_text(f, b, &vn);
    return cmp_bytes(us, un, vs, vn, 1);
  }
  case ACR_K_DATETIME: {
    int c = acr_datetime_cmp((const acr_datetime *)x,
                             (const acr_datetime *)y);
    return c < 0 ? -1 : c > 0;
  }
  case ACR_K_BOOL: {
    int p = *(const uint8_t *)x != 0, q = *(const uint8_t *)y != 0;
    return p - q;
  }
  case ACR_K_INT32: {
    int32_t p = *(const int32_t *)x, q = *(const int32_t *)y;
    return p < q ? -1 : p > q;
  }
  default:
    return 0;
  }
}

typedef struct sortkey {
  const acr_field *f;
  int desc;
} sortkey;

/* <0 when a goes before b: absent values last either way. */
static int key_cmp(const sortkey *k, const acr_run *a, const acr_run *b) {
  int pa = has_value(k->f, a), pb = has_value(k->f, b), c;
  if (!pa || !pb) return pa == pb ? 0 : pa ? -1 : 1;
  c = value_cmp(k->f, a, b);
  return k->desc ? -c : c;
}

/* Stable merge sort of a[0..n); tmp holds at least n / 2 runs. */
static void msort(acr_run **a, acr_run **tmp, size_t n, const sortkey *k) {
  size_t mid, i, j, o;
  if (n <= INSERTION_MAX) {
    for (i = 1; i < n; i++) {
      acr_run *x = a[i];
      for (j = i; j > 0 && key_cmp(k, a[j - 1], x) > 0; j--) a[j] = a[j - 1];
      a[j] = x;
    }
    return;
  }
  mid = n / 2;
  msort(a, tmp, mid, k);
  msort(a + mid, tmp, n - mid, k);
  if (key_cmp(k, a[mid - 1], a[mid]) <= 0) return; /* already in order */
  memcpy(tmp, a, mid * sizeof *a);
  i = 0, j = mid, o = 0;
  while (i < mid && j < n)
    a[o++] = key_cmp(k, a[j], tmp[i]) < 0 ? a[j++] : tmp[i++];
  while (i < mid) a[o++] = tmp[i++];
}

static acr_status sort_runs(const acr_allocator *al, acr_run **runs, size_t n,
                            const sortkey *k) {
  acr_run **tmp;
  size_t half = n / 2 + 1;
  if (n <= INSERTION_MAX) {
    msort(runs, NULL, n, k);
    return ACR_OK;
  }
  tmp = (acr_run **)acr_malloc(al, half * sizeof *tmp);
  if (tmp == NULL) return ACR_EMEMORY;
  msort(runs, tmp, n, k);
  acr_free(al, tmp, half * sizeof *tmp);
  return ACR_OK;
}

acr_status acr_runlist_sort(acr_runlist *l, const acr_field *f,
                            int descending) {
  sortkey k;
  if (l == NULL || !is_run_scalar(f)) return ACR_EMISUSE;
  k.f = f;
  k.desc = descending != 0;
  cols_free(l); /* rows follow the runs' order */
  return sort_runs(&l->alloc, l->runs, l->n, &k);
}

acr_runlist *acr_runlist_top(const acr_runlist *l, size_t n) {
  acr_runlist *d;
  sortkey k;
  size_t i;
  if (l == NULL) return NULL;
  if (n > l->n) n = l->n;
  if ((d = derived(l, l->n)) == NULL) return NULL;
  if (l->n) memcpy(d->runs, l->runs, l->n * sizeof *l->runs);
  k.f = &acr_type_run.fields[ACR_RUN_CREATETIME];
  k.desc = 1;
  if (sort_runs(&l->alloc, d->runs, l->n, &k) != ACR_OK) {
    acr_runlist_free(d); /* d->n is 0: releases nothing */
    return NULL;
  }
  for (i = 0; i < n; i++) acr_run_retain(d->runs[i]);
  d->n = n;
  return d;
}

/* ---- count_by ------------------------------------------------------------ */

void acr_groups_init(acr_groups *g, const acr_allocator *a) {
  memset(g, 0, sizeof *g);
  if (a) g->alloc = *a;
}

void acr_groups_free(acr_groups *g) {
  if (g == NULL) return;
  if (g->alloc.f) {
    acr_free(&g->alloc, g->items, g->cap * sizeof *g->items);
    acr_free(&g->alloc, g->slots, g->nslots * sizeof *g->slots);
  }
  g->items = NULL;
  g->slots = NULL;
  g->n = g->cap = g->nslots = g->absent = 0;
}

/* FNV-1a, ASCII-folded when fold. */
static uint64_t hash_bytes(uint64_t h, const char *s, size_t n, int fold) {
  size_t i;
  for (i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    h ^= (uint64_t)(fold ? acr_lower(c) : c);
    h *= 1099511628211u;
  }
  return h;
}

static uint64_t hash_value(const acr_field *f, const acr_run *r) {
  const void *x = CSLOT(&r->rec, f);
  uint64_t h = 14695981039346656037u;
  switch (f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = *(acr_str *const *)x;
    return hash_bytes(h, s->s, s->len, 0);
  }
  case ACR_K_ENUM: {
    size_t n;
    const char *s = enum_text(f, r, &n);
    return hash_bytes(h, s, n, 1);
  }
  case ACR_K_DATETIME: {
    const acr_datetime *d = (const acr_datetime *)x;
    char b[12];
    memcpy(b, &d->sec, 8);
    memcpy(b + 8, &d->nsec, 4);
    return hash_bytes(h, b, sizeof b, 0);
  }
  case ACR_K_BOOL:
    return *(const uint8_t *)x != 0;
  default:
    return hash_bytes(h, (const char *)x, sizeof(int32_t), 0);
  }
}

/* Makes the text of group i of a value of f (first is its first run). */
static void group_text(const acr_field *f, acr_group *g) {
  const void *x = CSLOT(&g->first->rec, f);
  switch (f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = *(acr_str *const *)x;
    g->text = s->s;
    g->len = s->len;
    break;
  }
  case ACR_K_ENUM:
    g->text = enum_text(f, g->first, &g->len);
    break;
  case ACR_K_DATETIME:
    g->len = acr_datetime_format((const acr_datetime *)x, g->buf);
    g->text = NULL; /* = buf, set once the array stops moving */
    break;
  case ACR_K_BOOL:
    g->text = *(const uint8_t *)x ? "true" : "false";
    g->len = strlen(g->text);
    break;
  default:
    g->len = (size_t)snprintf(g->buf, sizeof g->buf, "%ld",
                              (long)*(const int32_t *)x);
    g->text = NULL;
    break;
  }
}

static acr_status grow_slots(acr_groups *g, const acr_field *f) {
  size_t ns = g->nslots ? g->nslots * 2 : 64, i;
  uint32_t *s;
  if (ns > ((size_t)-1) / sizeof *s || ns > (size_t)UINT32_MAX)
    return ACR_EMEMORY;
  s = (uint32_t *)acr_malloc(&g->alloc, ns * sizeof *s);
  if (s == NULL) return ACR_EMEMORY;
  memset(s, 0, ns * sizeof *s);
  for (i = 0; i < g->n; i++) {
    size_t j = (size_t)hash_value(f, g->items[i].first) & (ns - 1);
    while (s[j]) j = (j + 1) & (ns - 1);
    s[j] = (uint32_t)(i + 1);
  }
  acr_free(&g->alloc, g->slots, g->nslots * sizeof *g->slots);
  g->slots = s;
  g->nslots = ns;
  return ACR_OK;
}

static int same_value(const acr_field *f, const acr_run *a,
                      const acr_run *b) {
  if (f->kind == ACR_K_ENUM) {
    size_t an, bn;
    const char *as = enum_text(f, a, &an), *bs = enum_text(f, b, &bn);
    return acr_strieq(as, an, bs, bn);
  }
  return value_cmp(f, a, b) == 0;
}

/* Groups the runs of l by f into g; map (if not NULL) gets each run's group
 * index, UINT32_MAX for absent. */
static acr_status group_runs(const acr_runlist *l, const acr_field *f,
                             acr_groups *g, uint32_t *map) {
  size_t i;
  for (i = 0; i < l->n; i++) {
    const acr_run *r = l->runs[i];
    size_t j;
    uint32_t gi;
    /* an absent bool reads as its default, false (its slot is 0), as the
     * filter reads it (issue 11) */
    if (f->kind != ACR_K_BOOL && !has_value(f, r)) {
      g->absent++;
      if (map) map[i] = UINT32_MAX;
      continue;
    }
    if ((g->n + 1) * 2 > g->nslots && grow_slots(g, f) != ACR_OK)
      return ACR_EMEMORY;
    j = (size_t)hash_value(f, r) & (g->nslots - 1);
    while ((gi = g->slots[j]) != 0 && !same_value(f, g->items[gi - 1].first, r))
      j = (j + 1) & (g->nslots - 1);
    if (gi == 0) {
      acr_group *ng;
      if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 8;
        ng = (acr_group *)acr_realloc(&g->alloc, g->items,
                                      g->cap * sizeof *ng, nc * sizeof *ng);
        if (ng == NULL) return ACR_EMEMORY;
        g->items = ng;
        g->cap = nc;
      }
      ng = &g->items[g->n];
      memset(ng, 0, sizeof *ng);
      ng->first = r;
      group_text(f, ng);
      gi = (uint32_t)++g->n;
      g->slots[j] = gi;
    }
    g->items[gi - 1].count++;
    if (map) map[i] = gi - 1;
  }
  acr_free(&g->alloc, g->slots, g->nslots * sizeof *g->slots);
  g->slots = NULL;
  g->nslots = 0;
  for (i = 0; i < g->n; i++)
    if (g->items[i].text == NULL) g->items[i].text = g->items[i].buf;
  return ACR_OK;
}

acr_status acr_runlist_count_by(const acr_runlist *l, const acr_field *f,
                                acr_groups *g) {
  acr_status st;
  if (g == NULL) return ACR_EMISUSE;
  acr_groups_free(g);
  if (l == NULL || !is_run_scalar(f) || g->alloc.f == NULL)
    return ACR_EMISUSE;
  if (l->n > (size_t)UINT32_MAX - 1) return ACR_ELIMIT;
  st = group_runs(l, f, g, NULL);
  if (st != ACR_OK) acr_groups_free(g);
  return st;
}

/* ---- summary ------------------------------------------------------------- */

void acr_summary_init(acr_summary *s, const acr_allocator *a) {
  memset(s, 0, sizeof *s);
  if (a) s->alloc = *a;
  acr_groups_init(&s->by_status, a);
}

void acr_summary_free(acr_summary *s) {
  if (s == NULL) return;
  acr_groups_free(&s->by_status);
  if (s->alloc.f) acr_free(&s->alloc, s->tasks, s->ntasks * sizeof *s->tasks);
  s->tasks = NULL;
  s->ntasks = 0;
  s->total = 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int is_failed(const acr_run *r) {
  if (!ACR_HAS(&r->rec, &acr_type_run.fields[ACR_RUN_STATUS])) return 0;
  switch (r->rec.status.code) {
  case ACR_RUNSTATUS_FAILED: case ACR_RUNSTATUS_ERROR:
  case ACR_RUNSTATUS_TIMEOUT:
    return 1;
  default:
    return 0;
  }
}

acr_status acr_runlist_summary(const acr_runlist *l, acr_summary *s) {
  const acr_field *task = &acr_type_run.fields[ACR_RUN_TASK];
  const acr_field *status = &acr_type_run.fields[ACR_RUN_STATUS];
  acr_groups tg;
  uint32_t *map = NULL;
  double *durs = NULL;
  size_t *pos = NULL;
  size_t i, nt = 0, notask, nfin = 0, ndurs = 0;
  acr_status st = ACR_EMEMORY;
  if (s == NULL) return ACR_EMISUSE;
  acr_summary_free(s);
  if (l == NULL || s->alloc.f == NULL) return ACR_EMISUSE;
  if (l->n > (size_t)UINT32_MAX - 1) return ACR_ELIMIT;
  acr_groups_init(&tg, &s->alloc);
  s->by_status.alloc = s->alloc;
  if (group_runs(l, status, &s->by_status, NULL) != ACR_OK) goto done;
  if (l->n &&
      (map = (uint32_t *)acr_malloc(&s->alloc, l->n * sizeof *map)) == NULL)
    goto done;
  if (group_runs(l, task, &tg, map) != ACR_OK) goto done;
  notask = tg.n;
  nt = tg.n + (tg.absent ? 1 : 0);
  if (nt) {
    if ((s->tasks = (acr_task_stats *)acr_malloc(
             &s->alloc, nt * sizeof *s->tasks)) == NULL)
      goto done;
    memset(s->tasks, 0, nt * sizeof *s->tasks);
    s->ntasks = nt;
    if ((pos = (size_t *)acr_malloc(&s->alloc, nt * sizeof *pos)) == NULL)
      goto done;
  }
  for (i = 0; i < tg.n; i++) {
    s->tasks[i].task = tg.items[i].text;
    s->tasks[i].len = tg.items[i].len;
  }
  for (i = 0; i < l->n; i++) {
    acr_task_stats *t = &s->tasks[map[i] == UINT32_MAX ? notask : map[i]];
    double d;
    t->runs++;
    if (is_failed(l->runs[i])) t->failed++;
    if (acr_run_duration(l->runs[i], &d)) t->finished++, nfin++;
  }
  if (nfin &&
      (durs = (double *)acr_malloc(&s->alloc, nfin * sizeof *durs)) == NULL)
    goto done;
  for (i = 0; i < nt; i++) {
    pos[i] = ndurs;
    ndurs += s->tasks[i].finished;
  }
  for (i = 0; i < l->n; i++) {
    double d;
    if (acr_run_duration(l->runs[i], &d))
      durs[pos[map[i] == UINT32_MAX ? notask : map[i]]++] = d;
  }
  for (i = 0, ndurs = 0; i < nt; i++) {
    acr_task_stats *t = &s->tasks[i];
    size_t k = t->finished;
    double *seg;
    if (k == 0) continue;
    seg = durs + ndurs;
    ndurs += k;
    qsort(seg, k, sizeof *seg, cmp_double);
    /* nearest rank: the ceil(q * k)-th smallest */
    t->p50 = seg[(k - k / 2) - 1];
    t->p95 = seg[(k - k / 20) - 1];
  }
  s->total = l->n;
  st = ACR_OK;
done:
  if (st != ACR_OK) acr_summary_free(s);
  acr_groups_free(&tg);
  acr_free(&s->alloc, map, l->n * sizeof *map);
  acr_free(&s->alloc, durs, nfin * sizeof *durs);
  acr_free(&s->alloc, pos, nt * sizeof *pos);
  return st;
}

/* ---- names --------------------------------------------------------------- */

const acr_field *acr_query_field(const char *name, size_t n) {
  const acr_field *f;
  uint8_t i;
  if (name == NULL) return NULL;
  f = acr_type_field(&acr_type_run, name, n);
  for (i = 0; f == NULL && i < acr_type_run.nfields; i++)
    if (acr_strieq(acr_type_run.fields[i].name, acr_type_run.fields[i].namelen,
                   name, n))
      f = &acr_type_run.fields[i];
  if (f == NULL && acr_strieq(name, n, "taskName", 8))
    f = &acr_type_run.fields[ACR_RUN_TASK];
  return is_run_scalar(f) ? f : NULL;
}

int acr_runlist_equal(const acr_runlist *a, const acr_runlist *b) {
  size_t i;
  uint32_t an, bn, k;
  if (a == NULL || b == NULL) return a == b;
  if (a->n != b->n || !acr_str_eq(a->nextLink, b->nextLink)) return 0;
  for (i = 0; i < a->n; i++)
    if (a->runs[i] != b->runs[i] && !acr_run_equal(a->runs[i], b->runs[i]))
      return 0;
  an = a->unknown ? a->unknown->n : 0;
  bn = b->unknown ? b->unknown->n : 0;
  if (an != bn) return 0;
  for (k = 0; k < an; k += 2) {
    const acr_str *na = (const acr_str *)a->unknown->items[k];
    const acr_str *ja = (const acr_str *)a->unknown->items[k + 1];
    const acr_str *nb = (const acr_str *)b->unknown->items[k];
    const acr_str *jb = (const acr_str *)b->unknown->items[k + 1];
    if (!acr_str_eq(na, nb) || !acr_json_equal(ja->s, ja->len, jb->s, jb->len))
      return 0;
  }
  return 1;
}

const acr_field *acr_runlist_key(const char *name, size_t n, acr_error *err) {
  char names[ACR_MSG_MAX];
  size_t len = 0;
  uint8_t i;
  const acr_field *f = acr_query_field(name, n), *s;
  if (f) return f;
  acr_err_clear(err);
  if (name == NULL) {
    acr_err(err, ACR_EMISUSE, "no key given");
    return NULL;
  }
  if (err) {
    size_t k = n < sizeof err->path - 1 ? n : sizeof err->path - 1;
    memcpy(err->path, name, k);
    err->path[k] = '\0';
  }
  f = acr_type_field(&acr_type_run, name, n);
  s = f ? NULL : acr_type_suggest(&acr_type_run, name, n);
  if (s && is_run_scalar(s)) {
    acr_err(err, ACR_ESCHEMA, "unknown field '%.*s' (did you mean '%s'?)",
            (int)(n < 64 ? n : 64), name, s->name);
    return NULL;
  }
  names[0] = '\0';
  for (i = 0; i < acr_type_run.nfields; i++) {
    const acr_field *g = &acr_type_run.fields[i];
    if (!is_run_scalar(g) || len + g->namelen + 3 >= sizeof names) continue;
    if (len) names[len++] = ',', names[len++] = ' ';
    memcpy(names + len, g->name, g->namelen);
    len += g->namelen;
    names[len] = '\0';
  }
  if (f)
    acr_err(err, ACR_ESCHEMA,
            "field '%s' is not a scalar field (scalar fields: %s)", f->name,
            names);
  else
    acr_err(err, ACR_ESCHEMA, "unknown field '%.*s' (scalar fields: %s)",
            (int)(n < 64 ? n : 64), name, names);
  return NULL;
}

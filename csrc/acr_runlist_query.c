/*
 * acr_runlist_query.c -- the queries over a run list that read one or a few
 * fields of every run: sort, top, count_by, summary.
 *
 * Each reads the list's columns (acr_runlist_cols.h), built or brought up
 * to date first, so it scans contiguous arrays instead of one block per
 * run; a run itself is read only for what a column does not hold (the raw
 * text of an unknown enum value, the text of a group's first value).  When
 * the columns cannot be built the query fails with ACR_EMEMORY, leaving
 * the list as it was.
 *
 * Ordering (sort, top): stable merge sort of row numbers; absent values
 * last in both directions; strings in byte order, enums by their text
 * compared case-insensitively (canonical spelling, or the raw text of an
 * unknown value), date-times by instant, false before true, int32
 * numerically.  sort reorders the columns with the runs, so they stay
 * valid.
 */
#include "acr_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSLOT(rec, f) ((const void *)((const char *)(rec) + (f)->offset))
#define INSERTION_MAX 12
/* Enums with at most this many values compare known codes by rank. */
#define RANKS_MAX 64
/* top(n) for n up to this keeps a sorted window instead of sorting all. */
#define TOP_WINDOW_MAX 256

/* ---- reading a row -------------------------------------------------------- */

/* One scalar Run field read from the columns: column k of c, rows are the
 * runs of runs[] (read only for unknown enum texts). */
typedef struct colkey {
  const acr_cols *c;
  int k;
  const acr_field *f;
  acr_run *const *runs;
  int desc;
  int ranked;                 /* rank[] holds the order of known codes */
  int16_t rank[RANKS_MAX];
  uint64_t hash[RANKS_MAX];   /* hash of each known code's folded text */
} colkey;

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn,
                     int fold) {
  size_t i, m = an < bn ? an : bn;
  if (!fold) {
    int c = m ? memcmp(a, b, m) : 0;
    if (c) return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
  }
  for (i = 0; i < m; i++) {
    int x = acr_lower((unsigned char)a[i]), y = acr_lower((unsigned char)b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return an < bn ? -1 : an > bn ? 1 : 0;
}

/* FNV-1a, ASCII-folded when fold. */
static uint64_t hash_bytes(const char *s, size_t n, int fold) {
  uint64_t h = 14695981039346656037u;
  size_t i;
  for (i = 0; i < n; i++) {
    int c = (unsigned char)s[i];
    h ^= (uint64_t)(fold ? acr_lower(c) : c);
    h *= 1099511628211u;
  }
  return h;
}

static int32_t code_at(const colkey *k, size_t i) {
  return ((const int32_t *)k->c->col[k->k])[i];
}

static int known(const colkey *k, int32_t code) {
  return code >= 0 && code < k->f->enumdef->count;
}

/* The text of the enum in row i (present): canonical, or read from the
 * run for an unknown value ("" when it has no text). */
static const char *enum_text_at(const colkey *k, size_t i, size_t *len) {
  int32_t code = code_at(k, i);
  const char *s;
  if (known(k, code)) {
    *len = k->f->enumdef->lengths[code];
    return k->f->enumdef->values[code];
  }
  s = acr_enum_text(k->f,
                    (const acr_enumval *)CSLOT(&k->runs[i]->rec, k->f), len);
  if (s == NULL) s = "", *len = 0;
  return s;
}

/* Sets up k for field f over the columns c of the runs runs[]. */
static void key_init(colkey *k, const acr_cols *c, const acr_field *f,
                     acr_run *const *runs, int desc) {
  const acr_enum_def *def = f->enumdef;
  int a, b;
  memset(k, 0, sizeof *k);
  k->c = c;
  k->k = (int)f->index;
  k->f = f;
  k->runs = runs;
  k->desc = desc != 0;
  if (f->kind != ACR_K_ENUM || def->count > RANKS_MAX) return;
  for (a = 0; a < def->count; a++) {
    k->rank[a] = 0;
    for (b = 0; b < def->count; b++)
      if (cmp_bytes(def->values[b], def->lengths[b], def->values[a],
                    def->lengths[a], 1) < 0)
        k->rank[a]++;
    k->hash[a] = hash_bytes(def->values[a], def->lengths[a], 1);
  }
  k->ranked = 1;
}

/* acr_datetime_cmp, without its normalising copies when both values are
 * normal (as every parsed or built value is). */
static int dt_cmp(const acr_datetime *a, const acr_datetime *b) {
  int c;
  if (a->nsec >= 0 && a->nsec < 1000000000 && b->nsec >= 0 &&
      b->nsec < 1000000000) {
    if (a->sec != b->sec) return a->sec < b->sec ? -1 : 1;
    return a->nsec < b->nsec ? -1 : a->nsec > b->nsec;
  }
  c = acr_datetime_cmp(a, b);
  return c < 0 ? -1 : c > 0;
}

/* Compares the values of rows i and j, both present. */
static int value_cmp(const colkey *k, size_t i, size_t j) {
  const void *col = k->c->col[k->k];
  switch (k->f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = ((const acr_str *const *)col)[i];
    const acr_str *t = ((const acr_str *const *)col)[j];
    return s == t ? 0 : cmp_bytes(s->s, s->len, t->s, t->len, 0);
  }
  case ACR_K_ENUM: {
    int32_t a = code_at(k, i), b = code_at(k, j);
    size_t an, bn;
    const char *as, *bs;
    if (known(k, a) && known(k, b)) {
      if (a == b) return 0;
      if (k->ranked) return k->rank[a] < k->rank[b] ? -1 : k->rank[a] > k->rank[b];
    }
    as = enum_text_at(k, i, &an);
    bs = enum_text_at(k, j, &bn);
    return cmp_bytes(as, an, bs, bn, 1);
  }
  case ACR_K_DATETIME:
    return dt_cmp(&((const acr_datetime *)col)[i],
                  &((const acr_datetime *)col)[j]);
  case ACR_K_BOOL:
    return (((const uint8_t *)col)[i] != 0) - (((const uint8_t *)col)[j] != 0);
  case ACR_K_INT32: {
    int32_t p = ((const int32_t *)col)[i], q = ((const int32_t *)col)[j];
    return p < q ? -1 : p > q;
  }
  default:
    return 0;
  }
}

/* ---- ordering ------------------------------------------------------------- */

/* <0 when row i goes before row j: absent values last either way. */
static int key_cmp(const colkey *k, uint32_t i, uint32_t j) {
  int pi = acr_col_has(k->c, k->k, i), pj = acr_col_has(k->c, k->k, j), c;
  if (!pi || !pj) return pi == pj ? 0 : pi ? -1 : 1;
  c = value_cmp(k, i, j);
  return k->desc ? -c : c;
}

/* Stable merge sort of the rows a[0..n); tmp holds at least n / 2. */
static void msort(uint32_t *a, uint32_t *tmp, size_t n, const colkey *k) {
  size_t mid, i, j, o;
  if (n <= INSERTION_MAX) {
    for (i = 1; i < n; i++) {
      uint32_t x = a[i];
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

/* The columns of l holding field f, or NULL (out of memory). */
static const acr_cols *key_cols(const acr_runlist *l, const acr_field *f) {
  return acr_runlist_cols(l, 1u << f->index);
}

acr_status acr_runlist_sort(acr_runlist *l, const acr_field *f,
                            int descending) {
  const acr_cols *c;
  colkey k;
  uint32_t *rows;
  acr_run **tmp;
  size_t i, n;
  if (l == NULL || !acr_run_scalar(f)) return ACR_EMISUSE;
  n = l->n;
  if (n < 2) return ACR_OK;
  if (n > (size_t)UINT32_MAX) return ACR_ELIMIT;
  if ((c = key_cols(l, f)) == NULL) return ACR_EMEMORY;
  rows = (uint32_t *)acr_malloc(&l->alloc, n * sizeof *rows);
  /* the merge buffer first, then the runs being gathered */
  tmp = (acr_run **)acr_malloc(&l->alloc, n * sizeof *tmp);
  if (rows == NULL || tmp == NULL) {
    acr_free(&l->alloc, rows, n * sizeof *rows);
    acr_free(&l->alloc, tmp, n * sizeof *tmp);
    return ACR_EMEMORY;
  }
  for (i = 0; i < n; i++) rows[i] = (uint32_t)i;
  key_init(&k, c, f, l->runs, descending);
  msort(rows, (uint32_t *)tmp, n, &k);
  for (i = 0; i < n && rows[i] == i; i++) {}
  if (i < n) {
    for (i = 0; i < n; i++) tmp[i] = l->runs[rows[i]];
    memcpy(l->runs, tmp, n * sizeof *tmp);
    acr_cols_reorder(l, rows); /* rows follow the runs' order */
  }
  acr_free(&l->alloc, rows, n * sizeof *rows);
  acr_free(&l->alloc, tmp, n * sizeof *tmp);
  return ACR_OK;
}

/* The first n rows of the stable order of k over rows 0..total into
 * out[0..n): a sorted window, each row placed after the equal ones kept
 * before it (n small, so the window stays in cache). */
static void top_window(const colkey *k, size_t total, uint32_t *out,
                       size_t n) {
  size_t i, used = 0, lo, hi;
  for (i = 0; i < total; i++) {
    if (used == n && key_cmp(k, (uint32_t)i, out[n - 1]) >= 0) continue;
    /* the first place whose row goes after row i */
    lo = 0, hi = used;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (key_cmp(k, (uint32_t)i, out[mid]) < 0) hi = mid;
      else lo = mid + 1;
    }
    if (used < n) used++;
    memmove(out + lo + 1, out + lo, (used - 1 - lo) * sizeof *out);
    out[lo] = (uint32_t)i;
  }
}

acr_runlist *acr_runlist_top(const acr_runlist *l, size_t n) {
  const acr_field *f = &acr_type_run.fields[ACR_RUN_CREATETIME];
  const acr_cols *c;
  acr_runlist *d;
  colkey k;
  uint32_t *rows, *tmp = NULL;
  size_t i, nrows;
  if (l == NULL) return NULL;
  if (n > l->n) n = l->n;
  if (l->n > (size_t)UINT32_MAX) return NULL;
  if ((d = acr_runlist_derived(l, n)) == NULL) return NULL;
  if (n == 0) return d;
  if ((c = key_cols(l, f)) == NULL) goto nomem;
  nrows = n <= TOP_WINDOW_MAX ? n : l->n;
  rows = (uint32_t *)acr_malloc(&l->alloc, nrows * sizeof *rows);
  if (rows == NULL) goto nomem;
  key_init(&k, c, f, l->runs, 1);
  if (n <= TOP_WINDOW_MAX) {
    top_window(&k, l->n, rows, n);
  } else {
    tmp = (uint32_t *)acr_malloc(&l->alloc, (nrows / 2 + 1) * sizeof *tmp);
    if (tmp == NULL) {
      acr_free(&l->alloc, rows, nrows * sizeof *rows);
      goto nomem;
    }
    for (i = 0; i < nrows; i++) rows[i] = (uint32_t)i;
    msort(rows, tmp, nrows, &k);
    acr_free(&l->alloc, tmp, (nrows / 2 + 1) * sizeof *tmp);
  }
  for (i = 0; i < n; i++) {
    d->runs[i] = l->runs[rows[i]];
    acr_run_retain(d->runs[i]);
  }
  d->n = n;
  acr_free(&l->alloc, rows, nrows * sizeof *rows);
  return d;
nomem:
  acr_runlist_free(d); /* d->n is 0: releases nothing */
  return NULL;
}

/* ---- count_by ------------------------------------------------------------- */

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

static uint64_t hash_row(const colkey *k, size_t i) {
  const void *col = k->c->col[k->k];
  switch (k->f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = ((const acr_str *const *)col)[i];
    return hash_bytes(s->s, s->len, 0);
  }
  case ACR_K_ENUM: {
    int32_t code = code_at(k, i);
    size_t n;
    const char *s;
    if (k->ranked && known(k, code)) return k->hash[code];
    s = enum_text_at(k, i, &n);
    return hash_bytes(s, n, 1);
  }
  case ACR_K_DATETIME: {
    const acr_datetime *d = &((const acr_datetime *)col)[i];
    char b[12];
    memcpy(b, &d->sec, 8);
    memcpy(b + 8, &d->nsec, 4);
    return hash_bytes(b, sizeof b, 0);
  }
  case ACR_K_BOOL:
    return ((const uint8_t *)col)[i] != 0;
  default:
    return hash_bytes((const char *)&((const int32_t *)col)[i],
                      sizeof(int32_t), 0);
  }
}

/* Do rows i and j (both present) hold the same value, as filters compare? */
static int same_row(const colkey *k, size_t i, size_t j) {
  if (k->f->kind == ACR_K_ENUM) {
    int32_t a = code_at(k, i), b = code_at(k, j);
    size_t an, bn;
    const char *as, *bs;
    if (known(k, a) && known(k, b)) return a == b;
    as = enum_text_at(k, i, &an);
    bs = enum_text_at(k, j, &bn);
    return acr_strieq(as, an, bs, bn);
  }
  return value_cmp(k, i, j) == 0;
}

/* Makes the text of group g, whose first value is in the run r. */
static void group_text(const acr_field *f, const acr_run *r, acr_group *g) {
  const void *x = CSLOT(&r->rec, f);
  switch (f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = *(acr_str *const *)x;
    g->text = s->s;
    g->len = s->len;
    break;
  }
  case ACR_K_ENUM:
    g->text = acr_enum_text(f, (const acr_enumval *)x, &g->len);
    if (g->text == NULL) g->text = "", g->len = 0;
    break;
  case ACR_K_DATETIME:
    g->len = acr_datetime_format((const acr_datetime *)x, g->buf);
    g->text = NULL; /* = buf, set once the array stops moving */
    break;
  case ACR_K_BOOL:
    g->text = ACR_HAS(&r->rec, f) && *(const uint8_t *)x ? "true" : "false";
    g->len = strlen(g->text);
    break;
  default:
    g->len = (size_t)snprintf(g->buf, sizeof g->buf, "%ld",
                              (long)*(const int32_t *)x);
    g->text = NULL;
    break;
  }
}

/* The hash index grown to twice its size (64 slots at first). */
static acr_status grow_slots(acr_groups *g) {
  size_t ns = g->nslots ? g->nslots * 2 : 64, i;
  uint32_t *s;
  if (ns > ((size_t)-1) / sizeof *s || ns > (size_t)UINT32_MAX)
    return ACR_EMEMORY;
  s = (uint32_t *)acr_malloc(&g->alloc, ns * sizeof *s);
  if (s == NULL) return ACR_EMEMORY;
  memset(s, 0, ns * sizeof *s);
  for (i = 0; i < g->n; i++) {
    size_t j = (size_t)g->items[i].hash & (ns - 1);
    while (s[j]) j = (j + 1) & (ns - 1);
    s[j] = (uint32_t)(i + 1);
  }
  acr_free(&g->alloc, g->slots, g->nslots * sizeof *g->slots);
  g->slots = s;
  g->nslots = ns;
  return ACR_OK;
}

/* Groups rows 0..n of k into g; map (if not NULL) gets each row's group
 * index, UINT32_MAX for absent. */
static acr_status group_rows(const colkey *k, size_t n, acr_groups *g,
                             uint32_t *map) {
  const acr_field *f = k->f;
  size_t i;
  for (i = 0; i < n; i++) {
    size_t j;
    uint32_t gi;
    uint64_t h;
    /* an absent bool reads as its default, false (its column holds 0), as
     * the filter reads it (issue 11) */
#if defined(__GNUC__)
    /* strings are read through their pointers: fetch ahead */
    if (f->kind == ACR_K_STRING && i + ACR_PREFETCH_AHEAD < n)
      __builtin_prefetch(
          ((const acr_str *const *)k->c->col[k->k])[i + ACR_PREFETCH_AHEAD]);
#endif
    if (f->kind != ACR_K_BOOL && !acr_col_has(k->c, k->k, i)) {
      g->absent++;
      if (map) map[i] = UINT32_MAX;
      continue;
    }
    if ((g->n + 1) * 2 > g->nslots && grow_slots(g) != ACR_OK)
      return ACR_EMEMORY;
    h = hash_row(k, i);
    j = (size_t)h & (g->nslots - 1);
    while ((gi = g->slots[j]) != 0 &&
           (g->items[gi - 1].hash != h || !same_row(k, g->items[gi - 1].row, i)))
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
      ng->first = k->runs[i];
      ng->row = i;
      ng->hash = h;
      group_text(f, ng->first, ng);
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
  const acr_cols *c;
  colkey k;
  acr_status st;
  if (g == NULL) return ACR_EMISUSE;
  acr_groups_free(g);
  if (l == NULL || !acr_run_scalar(f) || g->alloc.f == NULL)
    return ACR_EMISUSE;
  if (l->n > (size_t)UINT32_MAX - 1) return ACR_ELIMIT;
  if ((c = key_cols(l, f)) == NULL) return ACR_EMEMORY;
  key_init(&k, c, f, l->runs, 0);
  st = group_rows(&k, l->n, g, NULL);
  if (st != ACR_OK) acr_groups_free(g);
  return st;
}

/* ---- summary -------------------------------------------------------------- */

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

/* Moves the r-th smallest of a[0..n) to a[r], the smaller ones before it
 * and the others after (quickselect: median-of-three pivot, three-way
 * partition, so equal values cost one pass).  Past 4 n element moves it
 * sorts what is left instead, so it stays O(n log n) on any input. */
static void select_nth(double *a, size_t n, size_t r) {
  size_t lo = 0, hi = n, work = 0;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2, lt, i, gt;
    double x = a[mid], p = a[lo], q = a[hi - 1], t;
    if (work > 4 * n) {
      qsort(a + lo, hi - lo, sizeof *a, cmp_double);
      return;
    }
    /* x = the median of a[lo], a[mid], a[hi - 1] */
    if ((p <= x && x <= q) || (q <= x && x <= p)) {
    } else if ((x <= p && p <= q) || (q <= p && p <= x)) {
      x = p;
    } else {
      x = q;
    }
    /* a[lo..lt) < x, a[lt..i) == x, a[gt..hi) > x */
    for (lt = lo, i = lo, gt = hi; i < gt;) {
      if (a[i] < x) t = a[i], a[i++] = a[lt], a[lt++] = t;
      else if (a[i] > x) t = a[i], a[i] = a[--gt], a[gt] = t;
      else i++;
    }
    work += hi - lo;
    if (r < lt) hi = lt;
    else if (r >= gt) lo = gt;
    else return;
  }
}

static int is_failed(int32_t code) {
  switch (code) {
  case ACR_RUNSTATUS_FAILED: case ACR_RUNSTATUS_ERROR:
  case ACR_RUNSTATUS_TIMEOUT:
    return 1;
  default:
    return 0;
  }
}

/* finishTime - startTime of row i in seconds: 1 if it has both.  As
 * acr_datetime_diff computes it, without its normalising copies when both
 * values are normal and near (as parsed values are). */
static int row_duration(const acr_cols *c, size_t i, double *d) {
  uint32_t need = (1u << ACR_RUN_STARTTIME) | (1u << ACR_RUN_FINISHTIME);
  const acr_datetime *x, *y;
  if ((c->present[i] & need) != need) return 0;
  x = &((const acr_datetime *)c->col[ACR_RUN_STARTTIME])[i];
  y = &((const acr_datetime *)c->col[ACR_RUN_FINISHTIME])[i];
  if (x->nsec >= 0 && x->nsec < 1000000000 && y->nsec >= 0 &&
      y->nsec < 1000000000 && x->sec > -((int64_t)1 << 61) &&
      x->sec < ((int64_t)1 << 61) && y->sec > -((int64_t)1 << 61) &&
      y->sec < ((int64_t)1 << 61))
    *d = (double)(y->sec - x->sec) + (double)(y->nsec - x->nsec) / 1e9;
  else
    *d = acr_datetime_diff(x, y);
  return 1;
}

acr_status acr_runlist_summary(const acr_runlist *l, acr_summary *s) {
  const acr_field *task = &acr_type_run.fields[ACR_RUN_TASK];
  const acr_field *status = &acr_type_run.fields[ACR_RUN_STATUS];
  const acr_cols *c;
  const int32_t *codes;
  colkey kt, ks;
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
  c = acr_runlist_cols(l, (1u << ACR_RUN_TASK) | (1u << ACR_RUN_STATUS) |
                              (1u << ACR_RUN_STARTTIME) |
                              (1u << ACR_RUN_FINISHTIME));
  if (c == NULL) return ACR_EMEMORY;
  codes = (const int32_t *)c->col[ACR_RUN_STATUS];
  key_init(&ks, c, status, l->runs, 0);
  key_init(&kt, c, task, l->runs, 0);
  acr_groups_init(&tg, &s->alloc);
  s->by_status.alloc = s->alloc;
  if (group_rows(&ks, l->n, &s->by_status, NULL) != ACR_OK) goto done;
  if (l->n &&
      (map = (uint32_t *)acr_malloc(&s->alloc, l->n * sizeof *map)) == NULL)
    goto done;
  if (group_rows(&kt, l->n, &tg, map) != ACR_OK) goto done;
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
    if (is_failed(codes[i])) t->failed++;
    if (row_duration(c, i, &d)) t->finished++, nfin++;
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
    if (row_duration(c, i, &d))
      durs[pos[map[i] == UINT32_MAX ? notask : map[i]]++] = d;
  }
  for (i = 0, ndurs = 0; i < nt; i++) {
    acr_task_stats *t = &s->tasks[i];
    size_t k = t->finished;
    double *seg;
    if (k == 0) continue;
    seg = durs + ndurs;
    ndurs += k;
    /* nearest rank: the ceil(q * k)-th smallest; p50's is in the part
     * before p95's once that is selected */
    select_nth(seg, k, (k - k / 20) - 1);
    t->p95 = seg[(k - k / 20) - 1];
    select_nth(seg, (k - k / 20), (k - k / 2) - 1);
    t->p50 = seg[(k - k / 2) - 1];
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

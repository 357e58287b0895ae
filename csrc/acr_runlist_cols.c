/*
 * acr_runlist_cols.c -- the columns a run list keeps for its queries, and
 * the epochs (shared change counters of runs) that say when they are
 * stale.  See acr_runlist_cols.h for the layout and the validity rule.
 *
 * A column set records up to ACR_COLS_MAX_EPOCHS epochs with their values
 * when it is built; a run whose epoch it cannot record is moved to the
 * set's home epoch (its old epoch bumped, so every list that recorded the
 * old one rebuilds).  Any setter or compaction of a run bumps its epoch
 * (acr_run_touch), so a list finds its columns stale by comparing at most
 * ACR_COLS_MAX_EPOCHS numbers, without reading a run.
 */
#include "acr_query.h"

#include <string.h>

#define CSLOT(rec, f) ((const void *)((const char *)(rec) + (f)->offset))

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

void acr_cols_free(acr_runlist *l) {
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
    c->home = (acr_epoch *)acr_malloc(acr_run_allocator(r), sizeof *c->home);
    if (c->home == NULL) return 0;
    c->home->value = 0;
    c->home->refs = 1; /* c's own reference, dropped by cols_free */
    c->home->alloc = *acr_run_allocator(r);
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
    if (i + ACR_PREFETCH_AHEAD < c->n) acr_prefetch_run(l->runs[i + ACR_PREFETCH_AHEAD]);
    fill_row(c, i, l->runs[i], want);
  }
  c->built |= want;
  return c;
nomem:
  cols_drop(l);
  return NULL;
}

size_t acr_cols_memsize(const acr_runlist *l) {
  const acr_cols *c = l ? l->cols : NULL;
  size_t n;
  int k;
  if (c == NULL) return 0;
  n = sizeof *c + (c->home ? sizeof *c->home : 0);
  if (c->present) n += ROWS(c) * sizeof *c->present;
  for (k = 0; k < ACR_COL_COUNT; k++)
    if (c->col[k]) n += ROWS(c) * col_size(k);
  return n;
}

/* Gathers rows of the array a (n rows of size bytes) in the order perm into
 * a new array that replaces it; 0 when out of memory (a unchanged). */
static int gather(const acr_allocator *al, void **a, size_t n, size_t size,
                  const uint32_t *perm) {
  const char *from = (const char *)*a;
  char *to;
  size_t j;
  if (from == NULL) return 1;
  to = (char *)acr_malloc(al, (n ? n : 1) * size);
  if (to == NULL) return 0;
  switch (size) {
  case 1:
    for (j = 0; j < n; j++) to[j] = from[perm[j]];
    break;
  case 4:
    for (j = 0; j < n; j++) memcpy(to + j * 4, from + (size_t)perm[j] * 4, 4);
    break;
  case 8:
    for (j = 0; j < n; j++) memcpy(to + j * 8, from + (size_t)perm[j] * 8, 8);
    break;
  default:
    for (j = 0; j < n; j++)
      memcpy(to + j * size, from + (size_t)perm[j] * size, size);
    break;
  }
  acr_free(al, *a, (n ? n : 1) * size);
  *a = to;
  return 1;
}

void acr_cols_reorder(acr_runlist *l, const uint32_t *perm) {
  acr_cols *c = l->cols;
  int k;
  if (c == NULL || c->present == NULL) return;
  if (c->n != l->n) {
    cols_drop(l);
    return;
  }
  if (!gather(&l->alloc, (void **)&c->present, c->n, sizeof *c->present,
              perm))
    goto nomem;
  for (k = 0; k < ACR_COL_COUNT; k++)
    if (!gather(&l->alloc, &c->col[k], c->n, col_size(k), perm)) goto nomem;
  return;
nomem:
  cols_drop(l);
}

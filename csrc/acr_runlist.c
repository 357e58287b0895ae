/*
 * acr_runlist.c -- run lists (one page of Runs_List, or several joined):
 * building them, filter, equality and the names of query keys.  The other
 * queries are in acr_runlist_query.c, the columns they scan in
 * acr_runlist_cols.c.
 *
 * A list holds one reference to each of its runs; derived lists (filter,
 * top) share the runs and take references of their own.  Nothing is
 * allocated per run, and every allocation failure leaves the inputs as
 * they were.
 */
#include "acr_query.h"

#include <string.h>

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
  acr_cols_free(l);
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
  acr_cols_free(l);
  acr_run_retain(r);
  l->runs[l->n++] = r;
  return ACR_OK;
}

acr_status acr_runlist_set(acr_runlist *l, size_t i, acr_run *r) {
  acr_run *old;
  if (l == NULL || r == NULL || i >= l->n) return ACR_EMISUSE;
  acr_cols_free(l);
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
size_t acr_runlist_memsize(const acr_runlist *l) {
  size_t n, i;
  if (l == NULL) return 0;
  n = sizeof *l + l->cap * sizeof *l->runs + acr_cols_memsize(l);
  if (l->meta) n += acr_run_memsize(l->meta);
  for (i = 0; i < l->n; i++) n += acr_run_memsize(l->runs[i]);
  return n;
}

/* A new empty list with room for cap runs, or NULL. */
acr_runlist *acr_runlist_derived(const acr_runlist *l, size_t cap) {
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
  if ((d = acr_runlist_derived(l, 0)) == NULL) return NULL;
  /* With columns, only the leaves that no column holds read the runs
   * (none for the usual filters); without (out of memory), read them all. */
  if ((need = acr_filter_columns(f)) != 0) c = acr_runlist_cols(l, need);
  for (i = 0; i < l->n; i++) {
    int hit;
    if (c != NULL) {
      hit = acr_filter_match_row(f, c, i, l->runs[i]);
    } else {
      if (i + ACR_PREFETCH_AHEAD < l->n)
        acr_prefetch_run(l->runs[i + ACR_PREFETCH_AHEAD]);
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
    if (i + ACR_PREFETCH_AHEAD < d->n)
      __builtin_prefetch(&d->runs[i + ACR_PREFETCH_AHEAD]->refcount, 1);
#endif
    acr_run_retain(d->runs[i]);
  }
  return d;
}


int acr_run_scalar(const acr_field *f) {
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
  return acr_run_scalar(f) ? f : NULL;
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
  if (s && acr_run_scalar(s)) {
    acr_err(err, ACR_ESCHEMA, "unknown field '%.*s' (did you mean '%s'?)",
            (int)(n < 64 ? n : 64), name, s->name);
    return NULL;
  }
  names[0] = '\0';
  for (i = 0; i < acr_type_run.nfields; i++) {
    const acr_field *g = &acr_type_run.fields[i];
    if (!acr_run_scalar(g) || len + g->namelen + 3 >= sizeof names) continue;
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

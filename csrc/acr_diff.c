/*
 * acr_diff.c -- what changed from one run to another, beside
 * acr_run_problems: the domain logic of run:diff, in the core.
 *
 * The changes are written into one caller-owned acr_buf as a sequence of
 * entries (path, old JSON text or none, new JSON text or none) that
 * acr_diff_next reads back.  Once acr_run_diff returns, the buffer holds
 * no pointer into either run, so a binding may turn the entries into its
 * own values while any code runs (finalisers that change the runs
 * included), and a buffer kept in a garbage-collected box cannot leak.
 *
 * Entry layout (private; only acr_diff_next reads it): the path length as
 * a uint32_t, the path and a NUL; then for old and new each a presence
 * byte and, when present, the text length as a uint32_t, the text and a
 * NUL.  Lengths are copied with memcpy, so nothing needs alignment.
 */
#include "acr_internal.h"

typedef struct differ {
  acr_buf *out;
  acr_buf tmp;  /* one value's JSON text, reused */
  acr_path path;
} differ;

#define TRY(x)                              \
  do {                                      \
    acr_status st_ = (x);                   \
    if (st_ != ACR_OK) return st_;          \
  } while (0)

static acr_status put_text(acr_buf *b, const char *s, size_t n) {
  uint32_t len = (uint32_t)n;
  if (n > UINT32_MAX) return ACR_ELIMIT;
  TRY(acr_buf_reserve(b, sizeof len + n + 1));
  TRY(acr_buf_add(b, (const char *)&len, sizeof len));
  TRY(acr_buf_add(b, s, n));
  return acr_buf_addc(b, '\0');
}

static acr_status put_side(acr_buf *b, const char *s, size_t n) {
  if (s == NULL) return acr_buf_addc(b, 0);
  TRY(acr_buf_addc(b, 1));
  return put_text(b, s, n);
}

static acr_status emit(differ *d, const char *a, size_t an, const char *b,
                       size_t bn) {
  TRY(put_text(d->out, d->path.buf, d->path.len));
  TRY(put_side(d->out, a, an));
  return put_side(d->out, b, bn);
}

/* Old and new values of field f of a and b (either may be absent). */
static acr_status emit_field(differ *d, const acr_field *f, const void *a,
                             const void *b) {
  int ha = (int)ACR_HAS(a, f), hb = (int)ACR_HAS(b, f);
  size_t na;
  d->tmp.len = 0;
  if (ha) TRY(acr_json_write_field(&d->tmp, f, a));
  na = d->tmp.len;
  if (hb) TRY(acr_json_write_field(&d->tmp, f, b));
  return emit(d, ha ? d->tmp.p : NULL, na, hb ? d->tmp.p + na : NULL,
              d->tmp.len - na);
}

/* Old and new values of item j of list field f (either may be missing). */
static acr_status emit_item(differ *d, const acr_field *f, const acr_list *la,
                            const acr_list *lb, uint32_t j) {
  size_t start, len[2];
  int k, has[2];
  d->tmp.len = 0;
  for (k = 0; k < 2; k++) {
    const acr_list *l = k ? lb : la;
    start = d->tmp.len;
    has[k] = l != NULL && j < l->n;
    if (has[k] && f->kind == ACR_K_RECORD_LIST) {
      TRY(acr_json_write_record(&d->tmp, f->sub, l->items[j]));
    } else if (has[k]) {
      const acr_str *s = (const acr_str *)l->items[j];
      TRY(acr_json_write_string(&d->tmp, s->s, s->len));
    }
    len[k] = d->tmp.len - start;
  }
  return emit(d, has[0] ? d->tmp.p : NULL, len[0],
              has[1] ? d->tmp.p + len[0] : NULL, len[1]);
}

static const acr_str *find_unknown(const acr_list *l, const acr_str *name) {
  uint32_t i;
  if (l == NULL) return NULL;
  for (i = 0; i + 1 < l->n; i += 2)
    if (acr_str_eq((const acr_str *)l->items[i], name))
      return (const acr_str *)l->items[i + 1];
  return NULL;
}

/* Unknown fields: a's in its order (changed or gone), then b's new ones. */
static acr_status diff_unknown(differ *d, const acr_list *a,
                               const acr_list *b) {
  uint32_t i;
  for (i = 0; a != NULL && i + 1 < a->n; i += 2) {
    const acr_str *k = (const acr_str *)a->items[i];
    const acr_str *ja = (const acr_str *)a->items[i + 1];
    const acr_str *jb = find_unknown(b, k);
    size_t old;
    if (jb != NULL && acr_json_equal(ja->s, ja->len, jb->s, jb->len))
      continue;
    old = acr_path_key(&d->path, k->s, k->len);
    TRY(emit(d, ja->s, ja->len, jb ? jb->s : NULL, jb ? jb->len : 0));
    acr_path_pop(&d->path, old);
  }
  for (i = 0; b != NULL && i + 1 < b->n; i += 2) {
    const acr_str *k = (const acr_str *)b->items[i];
    const acr_str *jb = (const acr_str *)b->items[i + 1];
    size_t old;
    if (find_unknown(a, k) != NULL) continue;
    old = acr_path_key(&d->path, k->s, k->len);
    TRY(emit(d, NULL, 0, jb->s, jb->len));
    acr_path_pop(&d->path, old);
  }
  return ACR_OK;
}

/* Scalars are equal when their values are: enums by code (raw text when
 * unknown), date-times by their text. */
static int scalar_equal(const acr_field *f, const void *a, const void *b) {
  switch (f->kind) {
  case ACR_K_STRING:
    return acr_str_eq(*(acr_str *const *)a, *(acr_str *const *)b);
  case ACR_K_ENUM: {
    const acr_enumval *x = (const acr_enumval *)a, *y = (const acr_enumval *)b;
    if (x->code != y->code) return 0;
    return x->code != ACR_ENUM_UNKNOWN || acr_str_eq(x->raw, y->raw);
  }
  case ACR_K_DATETIME: {
    char p[ACR_DATETIME_TEXT_MAX], q[ACR_DATETIME_TEXT_MAX];
    size_t n = acr_datetime_format((const acr_datetime *)a, p);
    size_t m = acr_datetime_format((const acr_datetime *)b, q);
    return n == m && memcmp(p, q, n) == 0;
  }
  case ACR_K_BOOL:
    return *(const uint8_t *)a == *(const uint8_t *)b;
  case ACR_K_INT32:
    return *(const int32_t *)a == *(const int32_t *)b;
  default:
    return 0;
  }
}

/* Recursion follows the schema (records nest at most three deep). */
static acr_status diff_record(differ *d, const acr_type *t, const void *a,
                              const void *b) {
  uint8_t i;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    int ha = (int)ACR_HAS(a, f), hb = (int)ACR_HAS(b, f);
    const void *sa = (const char *)a + f->offset;
    const void *sb = (const char *)b + f->offset;
    size_t old;
    if (!ha && !hb) continue;
    old = acr_path_key(&d->path, f->name, f->namelen);
    if (ha && hb && f->kind == ACR_K_RECORD) {
      TRY(diff_record(d, f->sub, *(void *const *)sa, *(void *const *)sb));
    } else if (ha && hb && (f->kind == ACR_K_RECORD_LIST ||
                            f->kind == ACR_K_STRING_LIST)) {
      const acr_list *la = *(acr_list *const *)sa;
      const acr_list *lb = *(acr_list *const *)sb;
      uint32_t na = la ? la->n : 0, nb = lb ? lb->n : 0, j;
      for (j = 0; j < na || j < nb; j++) {
        size_t o2 = acr_path_index(&d->path, (size_t)j + 1);
        if (j < na && j < nb && f->kind == ACR_K_RECORD_LIST) {
          TRY(diff_record(d, f->sub, la->items[j], lb->items[j]));
        } else if (!(j < na && j < nb &&
                     acr_str_eq((const acr_str *)la->items[j],
                                (const acr_str *)lb->items[j]))) {
          TRY(emit_item(d, f, la, lb, j));
        }
        acr_path_pop(&d->path, o2);
      }
    } else if (!ha || !hb || !scalar_equal(f, sa, sb)) {
      TRY(emit_field(d, f, a, b));
    }
    acr_path_pop(&d->path, old);
  }
  return diff_unknown(d, ((const acr_rechdr *)a)->unknown,
                      ((const acr_rechdr *)b)->unknown);
}

acr_status acr_run_diff(const acr_run *a, const acr_run *b, acr_buf *out,
                        acr_error *err) {
  differ d;
  size_t start;
  acr_status st;
  acr_err_clear(err);
  if (a == NULL || b == NULL || out == NULL)
    return acr_err(err, ACR_EMISUSE, "acr_run_diff: NULL argument");
  start = out->len;
  d.out = out;
  acr_buf_init(&d.tmp, &out->alloc);
  acr_path_init(&d.path);
  st = diff_record(&d, &acr_type_run, &a->rec, &b->rec);
  if (st == ACR_OK) st = diff_unknown(&d, a->env_unknown, b->env_unknown);
  acr_buf_free(&d.tmp);
  if (st != ACR_OK) {
    out->len = start;
    if (st == ACR_EMEMORY) return acr_err_nomem(err);
    return acr_err(err, st, "a value too large to compare");
  }
  return ACR_OK;
}

static const char *get_text(const acr_buf *b, size_t *pos, size_t *n) {
  uint32_t len;
  const char *s;
  memcpy(&len, b->p + *pos, sizeof len);
  s = b->p + *pos + sizeof len;
  *pos += sizeof len + len + 1;
  *n = len;
  return s;
}

static const char *get_side(const acr_buf *b, size_t *pos, size_t *n) {
  if (b->p[(*pos)++] == 0) {
    *n = 0;
    return NULL;
  }
  return get_text(b, pos, n);
}

int acr_diff_next(const acr_buf *diff, size_t *pos, acr_diff_entry *e) {
  if (diff == NULL || diff->p == NULL || *pos >= diff->len) return 0;
  e->path = get_text(diff, pos, &e->path_len);
  e->old_json = get_side(diff, pos, &e->old_len);
  e->new_json = get_side(diff, pos, &e->new_len);
  return 1;
}

/*
 * acr_fields.c -- changing a run: the generic field setters, records and
 * lists made in its arena, unknown fields (the arena, life cycle and
 * compaction they rely on: acr_model.c).
 *
 * Every change writes into the run's own arena and never frees piecemeal.
 * A record the run shares with the other runs of its list (in the list's
 * pool: platform and the other ACR_F_SHARED record fields) is never
 * written: own_rec first puts a copy of it in the run's place.
 */
#include "acr_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- fields -------------------------------------------------------------- */

/* The record slot under rec (of type t) that holds sub, or NULL; *t_out
 * gets sub's type.  Records stored in the pool are in fields of kind
 * ACR_K_RECORD only. */
static void **find_rec_slot(const acr_type *t, void *rec, const void *sub,
                            const acr_type **t_out, int depth) {
  const acr_rechdr *h = (const acr_rechdr *)rec;
  uint8_t i;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    void **sp = (void **)ACR_SLOT(rec, f);
    if (f->kind != ACR_K_RECORD || !(h->present & (1u << i))) continue;
    if (*sp == sub) {
      *t_out = f->sub;
      return sp;
    }
    if (depth < 8) {
      void **in = find_rec_slot(f->sub, *sp, sub, t_out, depth + 1);
      if (in != NULL) return in;
    }
  }
  return NULL;
}

/* Where a change to rec goes: rec itself, or, when rec is a record the
 * run shares through its pool (immutable), a copy of it in the run's
 * arena that takes its place in the run (pointers into the run are
 * invalid after a change anyway: acr.h).  NULL when out of memory
 * (*st ACR_EMEMORY) or when rec is in the pool but not in this run
 * (ACR_EMISUSE); the run is then unchanged. */
static void *own_rec(acr_run *r, void *rec, acr_status *st) {
  const acr_type *t = NULL;
  void **sp, *c;
  if (!acr_strpool_owns(r->pool, rec)) return rec;
  sp = find_rec_slot(&acr_type_run, &r->rec, rec, &t, 0);
  if (sp == NULL) {
    *st = ACR_EMISUSE;
    return NULL;
  }
  if ((c = acr_run_alloc(r, t->size)) == NULL) {
    *st = ACR_EMEMORY;
    return NULL;
  }
  memcpy(c, rec, t->size);
  *sp = c;
  acr_run_touch(r);
  return c;
}

/* Can rec be a record r shares: the root never is (checked inline, the
 * reader adds records to roots). */
#define MAYBE_SHARED(r, rec) ((r)->pool != NULL && (rec) != (void *)&(r)->rec)

/* rec = own_rec(...), returning from the setter on failure. */
#define OWN(r, rec, err)                                              \
  do {                                                                \
    acr_status own_st_ = ACR_OK;                                      \
    if (MAYBE_SHARED(r, rec) &&                                       \
        ((rec) = own_rec((r), (rec), &own_st_)) == NULL)              \
      return own_st_ == ACR_EMEMORY                                   \
                 ? acr_err_nomem(err)                                 \
                 : acr_err((err), ACR_EMISUSE,                        \
                           "the record is not one of this run's");    \
  } while (0)

int acr_rec_has(const void *rec, const acr_field *f) {
  return (((const acr_rechdr *)rec)->present >> f->index) & 1u;
}

acr_status acr_rec_clear(acr_run *r, void *rec, const acr_field *f) {
  static const size_t slot_size[] = {
      sizeof(acr_str *), sizeof(acr_enumval), sizeof(acr_datetime),
      sizeof(uint8_t),   sizeof(int32_t),     sizeof(void *),
      sizeof(acr_list *), sizeof(acr_list *)};
  OWN(r, rec, NULL);
  acr_run_touch(r);
  ((acr_rechdr *)rec)->present &= ~(1u << f->index);
  memset(ACR_SLOT(rec, f), 0, slot_size[f->kind]);
  return ACR_OK;
}

static acr_status wrong_kind(acr_error *err, const acr_field *f,
                             const char *what) {
  return acr_err(err, ACR_EMISUSE, "field '%s' does not hold %s", f->name,
                 what);
}

#define MARK(rec, f) (((acr_rechdr *)(rec))->present |= 1u << (f)->index)

acr_str *acr_run_text(acr_run *r, const char *s, size_t n, acr_error *err) {
  acr_str *str;
  if (acr_utf8_require(err, "", s, n) != ACR_OK) return NULL;
  if ((str = acr_run_str(r, s, n)) == NULL) acr_err_nomem(err);
  return str;
}

acr_status acr_rec_set_string(acr_run *r, void *rec, const acr_field *f,
                              const char *s, size_t n, acr_error *err) {
  acr_str *str;
  if (f->kind != ACR_K_STRING) return wrong_kind(err, f, "a string");
  if (acr_utf8_require(err, f->name, s, n) != ACR_OK) return ACR_ESCHEMA;
  OWN(r, rec, err);
  if ((str = acr_run_str(r, s, n)) == NULL) return acr_err_nomem(err);
  *(acr_str **)ACR_SLOT(rec, f) = str;
  acr_run_touch(r);
  MARK(rec, f);
  return ACR_OK;
}

/* keep: store a known value's other spelling in raw. */
static acr_status set_enum(acr_run *r, void *rec, const acr_field *f,
                           const char *s, size_t n, int strict, int keep,
                           acr_error *err) {
  acr_enumval v;
  if (f->kind != ACR_K_ENUM) return wrong_kind(err, f, "an enum");
  if (acr_utf8_require(err, f->name, s, n) != ACR_OK) return ACR_ESCHEMA;
  v.code = acr_enum_lookup(f->enumdef, s, n);
  v.raw = NULL;
  if (v.code == ACR_ENUM_UNKNOWN && strict) {
    char list[256];
    acr_enum_list(f->enumdef, list, sizeof list);
    return acr_err(err, ACR_ESCHEMA,
                   "invalid value \"%.*s\" for %s (expected one of %s)",
                   n > 64 ? 64 : (int)n, s, f->enumdef->name, list);
  }
  OWN(r, rec, err);
  if ((v.code == ACR_ENUM_UNKNOWN ||
       (keep && !acr_enum_is_canonical(f->enumdef, v.code, s, n))) &&
      (v.raw = acr_run_str(r, s, n)) == NULL)
    return acr_err_nomem(err);
  *(acr_enumval *)ACR_SLOT(rec, f) = v;
  acr_run_touch(r);
  MARK(rec, f);
  return ACR_OK;
}

acr_status acr_rec_set_enum(acr_run *r, void *rec, const acr_field *f,
                            const char *s, size_t n, int strict,
                            acr_error *err) {
  return set_enum(r, rec, f, s, n, strict, 0, err);
}

acr_status acr_rec_set_enum_keep(acr_run *r, void *rec, const acr_field *f,
                                 const char *s, size_t n, int strict,
                                 acr_error *err) {
  return set_enum(r, rec, f, s, n, strict, 1, err);
}

acr_status acr_rec_set_datetime(acr_run *r, void *rec, const acr_field *f,
                                const acr_datetime *dt, acr_error *err) {
  if (f->kind != ACR_K_DATETIME) return wrong_kind(err, f, "a date-time");
  /* a hand-made struct beyond 9999 would be written as JSON nobody reads */
  if (acr_datetime_check(dt, err) != ACR_OK) return ACR_ESCHEMA;
  OWN(r, rec, err);
  *(acr_datetime *)ACR_SLOT(rec, f) = *dt;
  acr_run_touch(r);
  MARK(rec, f);
  return ACR_OK;
}

acr_status acr_rec_set_bool(acr_run *r, void *rec, const acr_field *f, int b,
                            acr_error *err) {
  if (f->kind != ACR_K_BOOL) return wrong_kind(err, f, "a boolean");
  OWN(r, rec, err);
  *(uint8_t *)ACR_SLOT(rec, f) = b ? 1 : 0;
  acr_run_touch(r);
  MARK(rec, f);
  return ACR_OK;
}

acr_status acr_rec_set_int32(acr_run *r, void *rec, const acr_field *f,
                             int32_t v, acr_error *err) {
  if (f->kind != ACR_K_INT32) return wrong_kind(err, f, "an integer");
  OWN(r, rec, err);
  *(int32_t *)ACR_SLOT(rec, f) = v;
  acr_run_touch(r);
  MARK(rec, f);
  return ACR_OK;
}

void *acr_record_new(acr_run *r, const acr_type *t) {
  void *rec = acr_run_alloc(r, t->size);
  if (rec) memset(rec, 0, t->size);
  return rec;
}

void *acr_rec_new_record(acr_run *r, void *rec, const acr_field *f) {
  void *sub;
  acr_status st;
  if (f->kind != ACR_K_RECORD) return NULL;
  if (MAYBE_SHARED(r, rec) && (rec = own_rec(r, rec, &st)) == NULL)
    return NULL;
  if ((sub = acr_record_new(r, f->sub)) == NULL) return NULL;
  *(void **)ACR_SLOT(rec, f) = sub;
  acr_run_touch(r);
  MARK(rec, f);
  return sub;
}

acr_status acr_rec_attach(acr_run *r, void *rec, const acr_field *f,
                          void *value) {
  if (f->kind != ACR_K_RECORD && f->kind != ACR_K_RECORD_LIST &&
      f->kind != ACR_K_STRING_LIST)
    return ACR_EMISUSE;
  if (value == NULL) return acr_rec_clear(r, rec, f);
  OWN(r, rec, NULL);
  *(void **)ACR_SLOT(rec, f) = value;
  acr_run_touch(r);
  MARK(rec, f);
  return ACR_OK;
}

/* ---- lists --------------------------------------------------------------- */

acr_list *acr_list_new(acr_run *r, uint32_t cap) {
  acr_list *l = (acr_list *)acr_run_alloc(r, ACR_LIST_SIZE(cap));
  if (l == NULL) return NULL;
  l->n = 0;
  l->cap = cap ? cap : 1;
  return l;
}

acr_status acr_list_push(acr_run *r, acr_list **lp, void *item) {
  acr_list *l = *lp;
  acr_run_touch(r);
  if (l == NULL) {
    if ((l = acr_list_new(r, 4)) == NULL) return ACR_EMEMORY;
    *lp = l;
  }
  if (l->n == l->cap) {
    acr_list *g;
    if (l->cap > UINT32_MAX / 2) return ACR_ELIMIT;
    if ((g = acr_list_new(r, l->cap * 2)) == NULL) return ACR_EMEMORY;
    memcpy(g->items, l->items, sizeof(void *) * l->n);
    g->n = l->n;
    *lp = l = g;
  }
  l->items[l->n++] = item;
  return ACR_OK;
}

void acr_list_remove(acr_list *l, uint32_t i) {
  if (i >= l->n) return;
  memmove(&l->items[i], &l->items[i + 1], sizeof(void *) * (l->n - i - 1));
  l->n--;
}

acr_status acr_rec_add_unknown(acr_run *r, void *rec, int env,
                               const char *name, size_t nn, const char *json,
                               size_t jn, acr_error *err) {
  acr_list **lp;
  acr_str *ns, *js;
  uint32_t i;
  if (!env) OWN(r, rec, err);
  lp = env ? &r->env_unknown : &((acr_rechdr *)rec)->unknown;
  acr_run_touch(r);
  if (acr_utf8_require(err, "", name, nn) != ACR_OK) return ACR_ESCHEMA;
  if (acr_utf8_check(json, jn) != jn) {
    /* the name is valid UTF-8 but may hold NULs: cut for the path only */
    acr_status st = acr_utf8_require(err, "", json, jn);
    if (err != NULL)
      snprintf(err->path, sizeof err->path, "%.*s",
               nn > 200 ? 200 : (int)nn, name);
    return st;
  }
  if ((js = acr_run_str(r, json, jn)) == NULL) return acr_err_nomem(err);
  if (*lp && (*lp)->n <= ACR_UNKNOWN_SCAN_MAX)
    for (i = 0; i < (*lp)->n; i += 2) {
      const acr_str *k = (const acr_str *)(*lp)->items[i];
      if (k->len == nn && memcmp(k->s, name, nn) == 0) {
        (*lp)->items[i + 1] = js; /* last wins, first position kept */
        return ACR_OK;
      }
    }
  if ((ns = acr_run_str(r, name, nn)) == NULL ||
      acr_list_push(r, lp, ns) != ACR_OK)
    return acr_err_nomem(err);
  if (acr_list_push(r, lp, js) != ACR_OK) {
    (*lp)->n--; /* keep the list in name/text pairs */
    return acr_err_nomem(err);
  }
  return ACR_OK;
}


acr_status acr_unknown_dedupe(acr_run *r, acr_list *l) {
  size_t nfields, nslots, size, i;
  uint32_t *slots, out = 0;
  if (l == NULL || l->n <= ACR_UNKNOWN_SCAN_MAX) return ACR_OK;
  nfields = l->n / 2;
  for (nslots = 16; nslots < nfields * 2; nslots *= 2) {}
  size = nslots * sizeof *slots;
  slots = (uint32_t *)acr_malloc(acr_run_allocator(r), size);
  if (slots == NULL) return ACR_EMEMORY;
  memset(slots, 0xff, size);
  /* slots hold the output position (in pairs) of each distinct name. */
  for (i = 0; i < nfields; i++) {
    acr_str *name = (acr_str *)l->items[2 * i];
    size_t h = acr_str_hash(name) & (nslots - 1);
    for (;;) {
      uint32_t k = slots[h];
      if (k == UINT32_MAX) {
        slots[h] = out;
        l->items[2 * out] = name;
        l->items[2 * out + 1] = l->items[2 * i + 1];
        out++;
        break;
      }
      if (acr_str_eq((const acr_str *)l->items[2 * k], name)) {
        l->items[2 * k + 1] = l->items[2 * i + 1]; /* last wins */
        break;
      }
      h = (h + 1) & (nslots - 1);
    }
  }
  l->n = 2 * out;
  acr_free(acr_run_allocator(r), slots, size);
  return ACR_OK;
}

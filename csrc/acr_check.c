/*
 * acr_check.c -- what is said of runs without changing them: deep
 * equality of records and runs (unknown fields compared as JSON values,
 * in any order, in linear time), the problems of a run that is accepted
 * but not valid for sending, terminal status and duration.
 */
#include "acr_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- equality ------------------------------------------------------------ */

/* Index of each name of b in a hash table (slots hold item positions), so
 * that comparing large unknown lists in another order stays linear.
 * Returns NULL (the caller falls back to scanning) when out of memory. */
static uint32_t *name_index(const acr_allocator *A, const acr_list *b,
                            size_t *nslots) {
  size_t n = 16, i;
  uint32_t *slots;
  while (n < b->n) n *= 2;
  if ((slots = (uint32_t *)acr_malloc(A, n * sizeof *slots)) == NULL)
    return NULL;
  memset(slots, 0xff, n * sizeof *slots);
  for (i = 0; i < b->n; i += 2) {
    size_t h = acr_str_hash((const acr_str *)b->items[i]) & (n - 1);
    while (slots[h] != UINT32_MAX) h = (h + 1) & (n - 1);
    slots[h] = (uint32_t)i;
  }
  *nslots = n;
  return slots;
}

static int text_equal(const acr_list *a, uint32_t i, const acr_list *b,
                      uint32_t j) {
  const acr_str *x = (const acr_str *)a->items[i + 1];
  const acr_str *y = (const acr_str *)b->items[j + 1];
  return acr_json_equal(x->s, x->len, y->s, y->len);
}

/* Unknown fields are compared as sets of name -> JSON value: a decoded run
 * and the same run built from a Lua table may list them in other orders.
 * A is used for a temporary index of large lists (may be NULL). */
static int unknown_equal(const acr_list *a, const acr_list *b,
                         const acr_allocator *A) {
  uint32_t an = a ? a->n : 0, bn = b ? b->n : 0, i, j;
  uint32_t *slots = NULL;
  size_t nslots = 0;
  int ok = 1;
  if (an != bn) return 0;
  /* Usual case, same order: linear; otherwise look each name up. */
  for (i = 0; i < an; i += 2)
    if (!acr_str_eq((const acr_str *)a->items[i],
                    (const acr_str *)b->items[i]))
      break;
  if (i == an) {
    for (i = 0; i < an; i += 2)
      if (!text_equal(a, i, b, i)) return 0;
    return 1;
  }
  if (A != NULL && an > ACR_UNKNOWN_SCAN_MAX)
    slots = name_index(A, b, &nslots);
  for (i = 0; i < an && ok; i += 2) {
    const acr_str *name = (const acr_str *)a->items[i];
    int found = 0;
    if (slots) {
      size_t h = acr_str_hash(name) & (nslots - 1);
      for (; slots[h] != UINT32_MAX && !found; h = (h + 1) & (nslots - 1))
        if (acr_str_eq(name, (const acr_str *)b->items[slots[h]])) {
          found = 1;
          ok = text_equal(a, i, b, slots[h]);
        }
    } else {
      for (j = 0; j < bn && !found; j += 2)
        if (acr_str_eq(name, (const acr_str *)b->items[j])) {
          found = 1;
          ok = text_equal(a, i, b, j);
        }
    }
    if (!found) ok = 0;
  }
  if (slots) acr_free(A, slots, nslots * sizeof *slots);
  return ok;
}

static int record_equal(const acr_type *t, const void *a, const void *b,
                        const acr_allocator *A);

int acr_record_equal(const acr_type *t, const void *a, const void *b) {
  return record_equal(t, a, b, NULL);
}

static int record_equal(const acr_type *t, const void *a, const void *b,
                        const acr_allocator *A) {
  const acr_rechdr *ha = (const acr_rechdr *)a, *hb = (const acr_rechdr *)b;
  uint8_t i;
  uint32_t j;
  if (ha->present != hb->present) return 0;
  if (!unknown_equal(ha->unknown, hb->unknown, A)) return 0;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    const void *sa = (const char *)a + f->offset;
    const void *sb = (const char *)b + f->offset;
    if (!(ha->present & (1u << i))) continue;
    switch (f->kind) {
    case ACR_K_STRING:
      if (!acr_str_eq(*(acr_str *const *)sa, *(acr_str *const *)sb)) return 0;
      break;
    case ACR_K_ENUM: {
      const acr_enumval *x = (const acr_enumval *)sa;
      const acr_enumval *y = (const acr_enumval *)sb;
      if (x->code != y->code) return 0;
      if (x->code == ACR_ENUM_UNKNOWN && !acr_str_eq(x->raw, y->raw)) return 0;
      break;
    }
    case ACR_K_DATETIME: {
      const acr_datetime *x = (const acr_datetime *)sa;
      const acr_datetime *y = (const acr_datetime *)sb;
      /* Same instant written the same way. */
      if (x->sec != y->sec || x->nsec != y->nsec || x->offset != y->offset ||
          x->digits != y->digits || x->flags != y->flags)
        return 0;
      break;
    }
    case ACR_K_BOOL:
      if (*(const uint8_t *)sa != *(const uint8_t *)sb) return 0;
      break;
    case ACR_K_INT32:
      if (*(const int32_t *)sa != *(const int32_t *)sb) return 0;
      break;
    case ACR_K_RECORD:
      if (!record_equal(f->sub, *(void *const *)sa, *(void *const *)sb, A))
        return 0;
      break;
    case ACR_K_RECORD_LIST: {
      const acr_list *x = *(acr_list *const *)sa, *y = *(acr_list *const *)sb;
      if (x->n != y->n) return 0;
      for (j = 0; j < x->n; j++)
        if (!record_equal(f->sub, x->items[j], y->items[j], A)) return 0;
      break;
    }
    case ACR_K_STRING_LIST: {
      const acr_list *x = *(acr_list *const *)sa, *y = *(acr_list *const *)sb;
      if (x->n != y->n) return 0;
      for (j = 0; j < x->n; j++)
        if (!acr_str_eq((const acr_str *)x->items[j], (const acr_str *)y->items[j]))
          return 0;
      break;
    }
    default:
      break;
    }
  }
  return 1;
}

int acr_run_equal(const acr_run *a, const acr_run *b) {
  if (a == b) return 1;
  return record_equal(&acr_type_run, &a->rec, &b->rec,
                      acr_run_allocator(a)) &&
         unknown_equal(a->env_unknown, b->env_unknown,
                       acr_run_allocator(a));
}

/* ---- problems and helpers ------------------------------------------------ */

static int enum_problems(const acr_type *t, const void *rec,
                         const char *prefix, acr_problem_cb cb, void *ud) {
  const acr_rechdr *h = (const acr_rechdr *)rec;
  int n = 0;
  uint8_t i;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    if (f->kind == ACR_K_ENUM && (h->present & (1u << i))) {
      const acr_enumval *v = (const acr_enumval *)ACR_SLOT(rec, f);
      if (v->code == ACR_ENUM_UNKNOWN) {
        char path[128], msg[400], list[256];
        acr_enum_list(f->enumdef, list, sizeof list);
        snprintf(path, sizeof path, "%s%s", prefix, f->name);
        snprintf(msg, sizeof msg,
                 "unknown %s value \"%.64s\" (known values: %s)",
                 f->enumdef->name, v->raw->s, list);
        if (cb) cb(ud, path, msg);
        n++;
      }
    }
  }
  return n;
}

int acr_run_problems(const acr_run *r, acr_problem_cb cb, void *ud) {
  const acr_runrec *rec = &r->rec;
  int n = 0;
  uint32_t present = rec->h.present;
  n += enum_problems(&acr_type_run, rec, "", cb, ud);
  if ((present & (1u << ACR_RUN_SYSTEMDATA)) && rec->systemData)
    n += enum_problems(&acr_type_systemdata, rec->systemData, "systemData.",
                       cb, ud);
  if ((present & (1u << ACR_RUN_PLATFORM)) && rec->platform) {
    n += enum_problems(&acr_type_platform, rec->platform, "platform.", cb, ud);
    if (!(rec->platform->h.present & (1u << ACR_PLATFORM_OS))) {
      if (cb) cb(ud, "platform.os", "platform is set without the required os");
      n++;
    }
  }
  if ((present & (1u << ACR_RUN_STARTTIME)) &&
      (present & (1u << ACR_RUN_FINISHTIME)) &&
      acr_datetime_cmp(&rec->startTime, &rec->finishTime) > 0) {
    if (cb) cb(ud, "startTime", "startTime is after finishTime");
    n++;
  }
  if ((present & (1u << ACR_RUN_CREATETIME)) &&
      (present & (1u << ACR_RUN_FINISHTIME)) &&
      acr_datetime_cmp(&rec->createTime, &rec->finishTime) > 0) {
    if (cb) cb(ud, "finishTime", "finishTime is before createTime");
    n++;
  }
  return n;
}

int acr_run_is_terminal(const acr_run *r) {
  if (!(r->rec.h.present & (1u << ACR_RUN_STATUS))) return 0;
  switch (r->rec.status.code) {
  case ACR_RUNSTATUS_SUCCEEDED: case ACR_RUNSTATUS_FAILED:
  case ACR_RUNSTATUS_CANCELED: case ACR_RUNSTATUS_ERROR:
  case ACR_RUNSTATUS_TIMEOUT:
    return 1;
  default:
    return 0;
  }
}

int acr_run_duration(const acr_run *r, double *secs) {
  uint32_t need = (1u << ACR_RUN_STARTTIME) | (1u << ACR_RUN_FINISHTIME);
  if ((r->rec.h.present & need) != need) return 0;
  *secs = acr_datetime_diff(&r->rec.startTime, &r->rec.finishTime);
  return 1;
}

/*
 * acr_schema.c -- the run model as static tables: one acr_type per record
 * type of run-model.md, its fields in spec (= JSON encode) order.
 * Generic code (JSON, Lua binding, copy, equality) walks these tables.
 */
#include "acr_internal.h"

#include <stddef.h>
#include <string.h>

/* The tables are generated from the field lists of acr.h (ACR_RECORDS):
 * nothing about a field is written twice. */
#define ENUMDEF_STRING(a) NULL
#define ENUMDEF_ENUM(a) &acr_enum_##a
#define ENUMDEF_DATETIME(a) NULL
#define ENUMDEF_BOOL(a) NULL
#define ENUMDEF_INT32(a) NULL
#define ENUMDEF_RECORD(a) NULL
#define ENUMDEF_RECORD_LIST(a) NULL
#define ENUMDEF_STRING_LIST(a) NULL
#define SUB_STRING(a) NULL
#define SUB_ENUM(a) NULL
#define SUB_DATETIME(a) NULL
#define SUB_BOOL(a) NULL
#define SUB_INT32(a) NULL
#define SUB_RECORD(a) &acr_type_##a
#define SUB_RECORD_LIST(a) &acr_type_##a
#define SUB_STRING_LIST(a) NULL

#define X_FIELD(R, s, ID, name, KIND, flags, arg)                           \
  {#name, (uint8_t)(sizeof #name - 1), ACR_K_##KIND, (uint8_t)(flags),      \
   ACR_##R##_##ID, (uint16_t)offsetof(acr_##s, name), ENUMDEF_##KIND(arg),  \
   SUB_##KIND(arg)},
#define X_TYPE(R, s, t, label, FIELDS)                                      \
  static const acr_field acr_type_##t##_fields[] = {                       \
      FIELDS(X_FIELD, R, s)};                                               \
  const acr_type acr_type_##t = {label, (uint16_t)sizeof(acr_##s),          \
                                 ACR_##R##_NFIELDS, acr_type_##t##_fields};
ACR_RECORDS(X_TYPE)
ACR_REQUEST_RECORDS(X_TYPE) /* acr_request.c */

/* Presence is one bit a field in a uint32_t. */
#define X_FITS(R, s, t, label, FIELDS) \
  typedef char acr_fits_##t[ACR_##R##_NFIELDS <= 32 ? 1 : -1];
ACR_RECORDS(X_FITS)
ACR_REQUEST_RECORDS(X_FITS)

const acr_field *acr_type_field(const acr_type *t, const char *name,
                                size_t n) {
  uint8_t i;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    if (f->namelen == n && memcmp(f->name, name, n) == 0) return f;
  }
  return NULL;
}

const acr_field *acr_type_suggest(const acr_type *t, const char *name,
                                  size_t n) {
  const acr_field *best = NULL;
  size_t bestd = (size_t)-1;
  uint8_t i;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    size_t d = acr_edit_distance(f->name, f->namelen, name, n);
    if (d < bestd) {
      bestd = d;
      best = f;
    }
  }
  /* A suggestion must be close relative to the word, not any field. */
  if (best == NULL || bestd > 3 || bestd * 2 > best->namelen) return NULL;
  return best;
}

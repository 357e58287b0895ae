/*
 * acr_util.c -- small shared pieces of the core: errors, field paths,
 * growing buffers, the default allocator and enum tables/lookup.
 */
#include "acr_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *acr_default_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

const char *acr_status_name(acr_status s) {
  switch (s) {
  case ACR_OK: return "ok";
  case ACR_ESYNTAX: return "syntax";
  case ACR_ESCHEMA: return "schema";
  case ACR_ELIMIT: return "limit";
  case ACR_EMEMORY: return "memory";
  case ACR_EMISUSE: return "misuse";
  case ACR_ESERVICE: return "service";
  case ACR_EWRITE: return "write";
  }
  return "unknown";
}

/* ---- errors -------------------------------------------------------------- */

acr_status acr_err(acr_error *err, acr_status kind, const char *fmt, ...) {
  va_list ap;
  if (err == NULL) return kind;
  err->kind = kind;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return kind;
}

size_t acr_error_format(const acr_error *err, char *buf, size_t size) {
  int n;
  const char *msg = err->kind == ACR_EMEMORY && !err->message[0]
                        ? "not enough memory"
                        : err->message;
  char pos[64] = "";
  if (err->kind == ACR_ESERVICE) {
    int k = snprintf(buf, size, "%s%s%s", err->code, err->code[0] ? ": " : "",
                     msg);
    return k < 0 ? 0 : (size_t)k;
  }
  if (err->line > 0)
    snprintf(pos, sizeof pos, " at line %ld, column %ld", err->line,
             err->column);
  n = snprintf(buf, size, "%s%s%s%s", err->path, err->path[0] ? ": " : "",
               msg, pos);
  return n < 0 ? 0 : (size_t)n;
}

void acr_err_clear(acr_error *err) {
  if (err == NULL) return;
  err->code[0] = err->target[0] = '\0';
  err->details = err->additional_info = NULL;
  err->details_len = err->additional_info_len = 0;
  err->kind = ACR_OK;
  err->path[0] = '\0';
  err->line = err->column = err->offset = 0;
  err->message[0] = '\0';
}

acr_status acr_err_nomem(acr_error *err) {
  return acr_err(err, ACR_EMEMORY, "not enough memory");
}

/* ---- paths --------------------------------------------------------------- */

void acr_path_init(acr_path *p) {
  p->len = 0;
  p->buf[0] = '\0';
}

/* Paths longer than the buffer are cut with "..." rather than failing: a
 * path is for messages only. */
static void path_append(acr_path *p, const char *s, size_t n) {
  size_t room = sizeof p->buf - 1 - p->len;
  if (n > room) {
    n = room;
    if (n >= 3) {
      memcpy(p->buf + p->len, s, n - 3);
      memcpy(p->buf + p->len + n - 3, "...", 3);
      p->len += n;
      p->buf[p->len] = '\0';
      return;
    }
  }
  memcpy(p->buf + p->len, s, n);
  p->len += n;
  p->buf[p->len] = '\0';
}

size_t acr_path_key(acr_path *p, const char *name, size_t n) {
  size_t old = p->len;
  if (p->len > 0) path_append(p, ".", 1);
  path_append(p, name, n);
  return old;
}

size_t acr_path_index(acr_path *p, size_t i) {
  char tmp[32];
  size_t old = p->len;
  int k = snprintf(tmp, sizeof tmp, "[%lu]", (unsigned long)i);
  path_append(p, tmp, (size_t)k);
  return old;
}

/* ---- enums --------------------------------------------------------------- */

#define ACR_X_NAME(id, s) s,
#define ACR_X_LEN(id, s) (uint8_t)(sizeof(s) - 1),
#define ACR_ENUM_DEF(var, label, LIST, COUNT)                              \
  static const char *const var##_values[] = {LIST(ACR_X_NAME)};            \
  static const uint8_t var##_lengths[] = {LIST(ACR_X_LEN)};                \
  const acr_enum_def var = {label, COUNT, var##_values, var##_lengths};

ACR_ENUM_DEF(acr_enum_runstatus, "RunStatus", ACR_RUNSTATUS,
             ACR_RUNSTATUS_COUNT)
ACR_ENUM_DEF(acr_enum_runtype, "RunType", ACR_RUNTYPE, ACR_RUNTYPE_COUNT)
ACR_ENUM_DEF(acr_enum_provisioningstate, "ProvisioningState",
             ACR_PROVISIONINGSTATE, ACR_PROVISIONINGSTATE_COUNT)
ACR_ENUM_DEF(acr_enum_os, "OS", ACR_OS, ACR_OS_COUNT)
ACR_ENUM_DEF(acr_enum_architecture, "Architecture", ACR_ARCHITECTURE,
             ACR_ARCHITECTURE_COUNT)
ACR_ENUM_DEF(acr_enum_variant, "Variant", ACR_VARIANT, ACR_VARIANT_COUNT)
ACR_ENUM_DEF(acr_enum_createdbytype, "CreatedByType", ACR_CREATEDBYTYPE,
             ACR_CREATEDBYTYPE_COUNT)
/* the request side (acr_request.c) */
ACR_ENUM_DEF(acr_enum_sourceregistryloginmode, "SourceRegistryLoginMode",
             ACR_SOURCEREGISTRYLOGINMODE, ACR_SOURCEREGISTRYLOGINMODE_COUNT)
ACR_ENUM_DEF(acr_enum_secretobjecttype, "SecretObjectType",
             ACR_SECRETOBJECTTYPE, ACR_SECRETOBJECTTYPE_COUNT)
ACR_ENUM_DEF(acr_enum_runrequesttype, "RunRequestType", ACR_RUNREQUESTTYPE,
             ACR_RUNREQUESTTYPE_COUNT)

long acr_hex4(const char *p) {
  long v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    char ch = p[i];
    v <<= 4;
    if (ch >= '0' && ch <= '9') v |= ch - '0';
    else if (ch >= 'a' && ch <= 'f') v |= ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') v |= ch - 'A' + 10;
    else return -1;
  }
  return v;
}

size_t acr_utf8_put(char *o, unsigned long cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Names are short (< 32) and a hint needs only small distances, so the
 * table is a fixed array. */
size_t acr_edit_distance(const char *a, size_t an, const char *b,
                         size_t bn) {
  size_t d[33][33];
  size_t i, j;
  if (an > 32 || bn > 32) return 99;
  for (i = 0; i <= an; i++) d[i][0] = i;
  for (j = 0; j <= bn; j++) d[0][j] = j;
  for (i = 1; i <= an; i++)
    for (j = 1; j <= bn; j++) {
      int x = acr_lower((unsigned char)a[i - 1]);
      int y = acr_lower((unsigned char)b[j - 1]);
      size_t best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + (x != y) < best) best = d[i - 1][j - 1] + (x != y);
      if (i > 1 && j > 1 && x == acr_lower((unsigned char)b[j - 2]) &&
          acr_lower((unsigned char)a[i - 2]) == y &&
          d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[an][bn];
}

int acr_strieq(const char *a, size_t an, const char *b, size_t bn) {
  size_t i;
  if (an != bn) return 0;
  for (i = 0; i < an; i++)
    if (acr_lower((unsigned char)a[i]) != acr_lower((unsigned char)b[i]))
      return 0;
  return 1;
}

/* RFC 3629 decoding rules: each lead byte allows a range for the second
 * byte (which excludes overlong forms, surrogates and code points beyond
 * U+10FFFF); the other continuation bytes are 0x80..0xBF.  ASCII, by far
 * the most common text, is skipped 8 bytes at a time. */
size_t acr_utf8_check(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  while (p < e) {
    unsigned char c = *p;
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    if (c < 0x80) {
      uint64_t v;
      while (e - p >= 8 && (memcpy(&v, p, 8), (v & 0x8080808080808080ull) == 0))
        p += 8;
      while (p < e && *p < 0x80) p++;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;      /* overlong */
      else if (c == 0xED) hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;      /* overlong */
      else if (c == 0xF4) hi = 0x8F; /* beyond U+10FFFF */
    } else {
      break;
    }
    if ((size_t)(e - p) < len || p[1] < lo || p[1] > hi ||
        (len > 2 && (p[2] & 0xC0) != 0x80) ||
        (len > 3 && (p[3] & 0xC0) != 0x80))
      break;
    p += len;
  }
  return (size_t)(p - (const unsigned char *)s);
}

acr_status acr_utf8_require(acr_error *err, const char *path, const char *s,
                            size_t n) {
  size_t ok = acr_utf8_check(s, n);
  if (ok == n) return ACR_OK;
  if (err != NULL) snprintf(err->path, sizeof err->path, "%s", path);
  return acr_err(err, ACR_ESCHEMA, "invalid UTF-8 at byte %lu",
                 (unsigned long)ok);
}

int acr_enum_lookup(const acr_enum_def *def, const char *s, size_t n) {
  int i;
  /* Exact spelling first: it is what servers send nearly always. */
  for (i = 0; i < def->count; i++)
    if (def->lengths[i] == n && memcmp(def->values[i], s, n) == 0) return i;
  for (i = 0; i < def->count; i++)
    if (acr_strieq(def->values[i], def->lengths[i], s, n)) return i;
  return ACR_ENUM_UNKNOWN;
}

size_t acr_enum_list(const acr_enum_def *def, char *buf, size_t size) {
  size_t len = 0;
  int i;
  if (size == 0) return 0;
  buf[0] = '\0';
  for (i = 0; i < def->count; i++) {
    size_t n = def->lengths[i];
    size_t sep = i ? 2 : 0;
    if (len + sep + n + 1 > size) break;
    if (sep) memcpy(buf + len, ", ", 2);
    memcpy(buf + len + sep, def->values[i], n);
    len += sep + n;
    buf[len] = '\0';
  }
  return len;
}

const char *acr_enum_text(const acr_field *f, const acr_enumval *v,
                          size_t *len) {
  if (v->code >= 0 && v->code < f->enumdef->count) {
    if (len) *len = f->enumdef->lengths[v->code];
    return f->enumdef->values[v->code];
  }
  if (v->code == ACR_ENUM_UNKNOWN && v->raw != NULL) {
    if (len) *len = v->raw->len;
    return v->raw->s;
  }
  if (len) *len = 0;
  return NULL;
}

const char *acr_enum_spelling(const acr_field *f, const acr_enumval *v,
                              size_t *len) {
  if (v->raw != NULL) {
    if (len) *len = v->raw->len;
    return v->raw->s;
  }
  return acr_enum_text(f, v, len);
}

int acr_enum_is_canonical(const acr_enum_def *def, int code, const char *s,
                          size_t n) {
  return code >= 0 && code < def->count && def->lengths[code] == n &&
         memcmp(def->values[code], s, n) == 0;
}

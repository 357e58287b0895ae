/*
 * acr_request.c -- RunRequest, the body of scheduleRun: its four kinds,
 * which fields each has (in spec order) and requires, the checks the field
 * tables cannot express (timeout's range, defaults, secrets), validation,
 * and JSON in and out.  The records themselves are declared once in acr.h
 * (ACR_REQUEST_RECORDS) and tabled by acr_schema.c like the run's, so
 * the generic setters, copy and equality of acr_model.c serve them too.
 *
 * Decoding first checks the text with acr_json_validate (the core's JSON
 * checker: syntax errors get their line and column there) into its
 * minified form, then walks that form, which has no white space and is
 * known to be well formed: the walk below only reads, it never has to
 * diagnose syntax.
 */
#include "acr_internal.h"

#include <stdio.h>
#include <string.h>

/* ---- the four kinds ------------------------------------------------------ */

#define F(ID) (&acr_type_runrequest.fields[ACR_RUNREQUEST_##ID])
#define I(ID) ACR_RUNREQUEST_##ID
#define BIT(ID) (1u << ACR_RUNREQUEST_##ID)
#define TAIL I(TIMEOUT), I(PLATFORM), I(AGENTCONFIGURATION), \
             I(SOURCELOCATION), I(CREDENTIALS)

typedef struct kinddef {
  uint8_t n;
  uint8_t fields[ACR_RUNREQUEST_NFIELDS]; /* field indexes, spec order */
  uint32_t required;                      /* a bit per field index */
} kinddef;

/* run-requests.md section 3: each kind's spec order and "required". */
static const kinddef kinds[ACR_RUNREQUESTTYPE_COUNT] = {
    {13,
     {I(TYPE), I(ISARCHIVEENABLED), I(IMAGENAMES), I(ISPUSHENABLED),
      I(NOCACHE), I(DOCKERFILEPATH), I(TARGET), I(ARGUMENTS), TAIL},
     BIT(TYPE) | BIT(DOCKERFILEPATH) | BIT(PLATFORM)},
    {10,
     {I(TYPE), I(ISARCHIVEENABLED), I(TASKFILEPATH), I(VALUESFILEPATH),
      I(VALUES), TAIL},
     BIT(TYPE) | BIT(TASKFILEPATH) | BIT(PLATFORM)},
    {4, {I(TYPE), I(ISARCHIVEENABLED), I(TASKNAME), I(VALUES)},
     BIT(TYPE) | BIT(TASKNAME)},
    {10,
     {I(TYPE), I(ISARCHIVEENABLED), I(ENCODEDTASKCONTENT),
      I(ENCODEDVALUESCONTENT), I(VALUES), TAIL},
     BIT(TYPE) | BIT(ENCODEDTASKCONTENT) | BIT(PLATFORM)},
};

static int kind_ok(int kind) {
  return kind >= 0 && kind < ACR_RUNREQUESTTYPE_COUNT;
}

size_t acr_request_nfields(int kind) {
  return kind_ok(kind) ? kinds[kind].n : 0;
}

const acr_field *acr_request_field_at(int kind, size_t i) {
  if (!kind_ok(kind) || i >= kinds[kind].n) return NULL;
  return &acr_type_runrequest.fields[kinds[kind].fields[i]];
}

static int kind_has(int kind, const acr_field *f) {
  uint8_t i;
  for (i = 0; i < kinds[kind].n; i++)
    if (kinds[kind].fields[i] == f->index) return 1;
  return 0;
}

const acr_field *acr_request_field(int kind, const char *name, size_t n) {
  const acr_field *f;
  if (!kind_ok(kind)) return NULL;
  f = acr_type_field(&acr_type_runrequest, name, n);
  return f != NULL && kind_has(kind, f) ? f : NULL;
}

int acr_request_required(int kind, const acr_field *f) {
  return kind_ok(kind) && ((kinds[kind].required >> f->index) & 1u);
}

/* Required in record type t (any depth; the request's own are per kind). */
static int required_in(const acr_type *t, int kind, const acr_field *f) {
  if (t == &acr_type_runrequest) return acr_request_required(kind, f);
  return (f->flags & ACR_F_REQUIRED) != 0;
}

acr_status acr_request_check_int(const acr_type *t, const acr_field *f,
                                  int32_t v, acr_error *err) {
  if (t == &acr_type_runrequest && f == F(TIMEOUT) &&
      (v < ACR_REQUEST_TIMEOUT_MIN || v > ACR_REQUEST_TIMEOUT_MAX))
    return acr_err(err, ACR_ESCHEMA, "%ld is out of range %d..%d",
                   (long)v, ACR_REQUEST_TIMEOUT_MIN, ACR_REQUEST_TIMEOUT_MAX);
  return ACR_OK;
}

int acr_request_default(const acr_type *t, const acr_field *f,
                        int32_t *out) {
  int32_t v;
  if (t == &acr_type_runrequest) {
    if (f == F(ISPUSHENABLED)) v = 1;
    else if (f == F(NOCACHE) || f == F(ISARCHIVEENABLED)) v = 0;
    else if (f == F(TIMEOUT)) v = 3600;
    else return 0;
  } else if ((t == &acr_type_argument || t == &acr_type_setvalue) &&
             f == &t->fields[ACR_ARGUMENT_ISSECRET]) {
    v = 0;
  } else {
    return 0;
  }
  *out = v;
  return 1;
}

int acr_request_is_secret(const acr_type *t, const void *rec,
                          const acr_field *f) {
  if (f->flags & ACR_F_SECRET) return 1;
  if ((t == &acr_type_argument || t == &acr_type_setvalue) &&
      f == &t->fields[ACR_ARGUMENT_VALUE]) {
    const acr_argument *a = (const acr_argument *)rec;
    return ACR_HAS(a, &t->fields[ACR_ARGUMENT_ISSECRET]) && a->isSecret;
  }
  return 0;
}

/* ---- lifetime ------------------------------------------------------------ */

acr_request *acr_request_new(const acr_allocator *a, int kind) {
  acr_request *q;
  acr_run *arena;
  acr_error e;
  if (!kind_ok(kind)) return NULL;
  if ((arena = acr_run_new(a)) == NULL) return NULL;
  q = (acr_request *)acr_run_alloc(arena, sizeof *q);
  if (q == NULL) {
    acr_run_release(arena);
    return NULL;
  }
  q->arena = arena;
  q->kind = kind;
  q->rec = (acr_runrequest *)acr_record_new(arena, &acr_type_runrequest);
  if (q->rec == NULL ||
      acr_rec_set_enum(arena, q->rec, F(TYPE), acr_enum_runrequesttype.values[kind],
                       acr_enum_runrequesttype.lengths[kind], 1, &e) != ACR_OK) {
    acr_run_release(arena);
    return NULL;
  }
  return q;
}

/* q itself lives in its arena: releasing the arena frees everything. */
void acr_request_free(acr_request *q) {
  if (q != NULL) acr_run_release(q->arena);
}

/* ---- validation ---------------------------------------------------------- */

size_t acr_path_mapkey(acr_path *p, const char *k, size_t n) {
  size_t old = p->len;
  char tmp[ACR_PATH_MAX];
  int len = snprintf(tmp, sizeof tmp, "[\"%.*s\"]", n > 64 ? 64 : (int)n, k);
  if (len > 0 && p->len + (size_t)len < sizeof p->buf) {
    memcpy(p->buf + p->len, tmp, (size_t)len);
    p->len += (size_t)len;
    p->buf[p->len] = '\0';
  }
  return old;
}

static const acr_str *entry_key(const void *entry) {
  return ((const acr_customregistry *)entry)->loginServer;
}

static acr_status missing(acr_error *err, const acr_path *p) {
  snprintf(err->path, sizeof err->path, "%s", p->buf);
  return acr_err(err, ACR_ESCHEMA, "%s: required field is missing", p->buf);
}

static acr_status validate_rec(const acr_type *t, const void *rec, int kind,
                               acr_path *p, acr_error *err, int depth) {
  uint8_t i;
  if (depth > 8) return ACR_OK; /* the schema is 4 deep */
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    size_t old;
    if (t == &acr_type_runrequest && !kind_has(kind, f)) continue;
    if (!ACR_HAS(rec, f)) {
      if (required_in(t, kind, f)) {
        old = acr_path_key(p, f->name, f->namelen);
        missing(err, p);
        acr_path_pop(p, old);
        return ACR_ESCHEMA;
      }
      continue;
    }
    if (f->kind == ACR_K_RECORD) {
      const void *sub = *(void *const *)ACR_SLOT(rec, f);
      old = acr_path_key(p, f->name, f->namelen);
      if (validate_rec(f->sub, sub, kind, p, err, depth + 1) != ACR_OK)
        return ACR_ESCHEMA;
      acr_path_pop(p, old);
    } else if (f->kind == ACR_K_RECORD_LIST) {
      const acr_list *l = *(acr_list *const *)ACR_SLOT(rec, f);
      uint32_t j;
      old = acr_path_key(p, f->name, f->namelen);
      for (j = 0; l != NULL && j < l->n; j++) {
        size_t o2;
        if (f->flags & ACR_F_MAP) {
          const acr_str *k = entry_key(l->items[j]);
          o2 = k ? acr_path_mapkey(p, k->s, k->len) : acr_path_index(p, j + 1);
        } else {
          o2 = acr_path_index(p, j + 1);
        }
        if (validate_rec(f->sub, l->items[j], kind, p, err, depth + 1) !=
            ACR_OK)
          return ACR_ESCHEMA;
        acr_path_pop(p, o2);
      }
      acr_path_pop(p, old);
    }
  }
  return ACR_OK;
}

acr_status acr_request_validate(const acr_request *q, acr_error *err) {
  acr_path p;
  acr_error scratch;
  if (err == NULL) err = &scratch;
  acr_err_clear(err);
  acr_path_init(&p);
  return validate_rec(&acr_type_runrequest, q->rec, q->kind, &p, err, 0);
}

/* ---- encode -------------------------------------------------------------- */

typedef struct rw {
  acr_buf *out;
  const char *indent;
  int level;
} rw;

static acr_status nl(rw *W) {
  int i;
  if (W->indent == NULL) return ACR_OK;
  if (acr_buf_addc(W->out, '\n')) return ACR_EMEMORY;
  for (i = 0; i < W->level; i++)
    if (acr_buf_add(W->out, W->indent, strlen(W->indent))) return ACR_EMEMORY;
  return ACR_OK;
}

static acr_status key(rw *W, int *first, const char *k, size_t n) {
  if (!*first && acr_buf_addc(W->out, ',')) return ACR_EMEMORY;
  *first = 0;
  if (nl(W) || acr_json_write_string(W->out, k, n) ||
      acr_buf_add(W->out, W->indent ? ": " : ":", W->indent ? 2 : 1))
    return ACR_EMEMORY;
  return ACR_OK;
}

static acr_status close_with(rw *W, char c, int empty) {
  W->level--;
  if (!empty && nl(W)) return ACR_EMEMORY;
  return acr_buf_addc(W->out, c);
}

static acr_status write_rec(rw *W, const acr_type *t, const void *rec,
                            int kind);

static acr_status write_field(rw *W, const acr_field *f, const void *rec) {
  const void *slot = ACR_SLOT(rec, f);
  char num[16];
  switch (f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = *(acr_str *const *)slot;
    return acr_json_write_string(W->out, s->s, s->len);
  }
  case ACR_K_ENUM: {
    size_t len;
    const char *s = acr_enum_text(f, (const acr_enumval *)slot, &len);
    return acr_json_write_string(W->out, s, len);
  }
  case ACR_K_BOOL:
    return *(const uint8_t *)slot ? acr_buf_addlit(W->out, "true")
                                  : acr_buf_addlit(W->out, "false");
  case ACR_K_INT32: {
    int k = snprintf(num, sizeof num, "%ld", (long)*(const int32_t *)slot);
    return acr_buf_add(W->out, num, (size_t)k);
  }
  case ACR_K_RECORD:
    return write_rec(W, f->sub, *(void *const *)slot, -1);
  case ACR_K_RECORD_LIST:
  case ACR_K_STRING_LIST: {
    const acr_list *l = *(acr_list *const *)slot;
    int map = (f->flags & ACR_F_MAP) != 0, first = 1;
    uint32_t i;
    if (acr_buf_addc(W->out, map ? '{' : '[')) return ACR_EMEMORY;
    W->level++;
    for (i = 0; l != NULL && i < l->n; i++) {
      if (map) {
        const acr_str *k = entry_key(l->items[i]);
        if (key(W, &first, k->s, k->len)) return ACR_EMEMORY;
      } else {
        if (!first && acr_buf_addc(W->out, ',')) return ACR_EMEMORY;
        first = 0;
        if (nl(W)) return ACR_EMEMORY;
      }
      if (f->kind == ACR_K_STRING_LIST) {
        const acr_str *s = (const acr_str *)l->items[i];
        if (acr_json_write_string(W->out, s->s, s->len)) return ACR_EMEMORY;
      } else if (write_rec(W, f->sub, l->items[i], -1)) {
        return ACR_EMEMORY;
      }
    }
    return close_with(W, map ? '}' : ']', first);
  }
  default:
    return ACR_EMISUSE; /* no date-times in requests */
  }
}

/* kind >= 0: the request itself, its kind's fields in their order. */
static acr_status write_rec(rw *W, const acr_type *t, const void *rec,
                            int kind) {
  size_t i, n = kind >= 0 ? acr_request_nfields(kind) : t->nfields;
  int first = 1;
  if (acr_buf_addc(W->out, '{')) return ACR_EMEMORY;
  W->level++;
  for (i = 0; i < n; i++) {
    const acr_field *f = kind >= 0 ? acr_request_field_at(kind, i)
                                   : &t->fields[i];
    if (!ACR_HAS(rec, f) || (f->flags & ACR_F_MAPKEY)) continue;
    if (key(W, &first, f->name, f->namelen) || write_field(W, f, rec))
      return ACR_EMEMORY;
  }
  return close_with(W, '}', first);
}

acr_status acr_json_encode_request(const acr_request *q,
                                   const acr_encode_opts *opts,
                                   acr_buf *out) {
  rw W;
  W.out = out;
  W.indent = opts ? opts->indent : NULL;
  W.level = 0;
  return write_rec(&W, &acr_type_runrequest, q->rec, q->kind);
}

/* ---- decode -------------------------------------------------------------- */

/* The walk over minified, valid JSON. */
typedef struct rd {
  const char *p, *end;
  acr_request *q;
  acr_path path;
  acr_error *err;
  acr_buf tmp; /* unescaped strings */
} rd;

static acr_status rfail(rd *R, acr_status kind, const char *fmt,
                        const char *detail) {
  snprintf(R->err->path, sizeof R->err->path, "%s", R->path.buf);
  if (R->path.len > 0)
    return acr_err(R->err, kind, "%s: %s%s", R->path.buf, fmt, detail);
  return acr_err(R->err, kind, "%s%s", fmt, detail);
}

/* Reads the string at R->p (at its quote) into R->tmp (unescaped). */
static acr_status rstring(rd *R) {
  const char *p = R->p + 1;
  R->tmp.len = 0;
  for (;;) {
    const char *s = p;
    while (*p != '"' && *p != '\\') p++;
    if (acr_buf_add(&R->tmp, s, (size_t)(p - s))) return acr_err_nomem(R->err);
    if (*p == '"') break;
    p++; /* the backslash */
    if (*p == 'u') {
      unsigned long cp = (unsigned long)acr_hex4(p + 1);
      char u8[4];
      p += 5;
      if (cp >= 0xD800 && cp <= 0xDBFF && p[0] == '\\' && p[1] == 'u') {
        long lo = acr_hex4(p + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
          p += 6;
        }
      }
      if (acr_buf_add(&R->tmp, u8, acr_utf8_put(u8, cp)))
        return acr_err_nomem(R->err);
    } else {
      static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
      const char *k = strchr(from, *p);
      if (acr_buf_addc(&R->tmp, k ? to[k - from] : *p))
        return acr_err_nomem(R->err);
      p++;
    }
  }
  R->p = p + 1;
  return ACR_OK;
}

static const char *json_type(char c) {
  switch (c) {
  case '{': return "an object";
  case '[': return "an array";
  case '"': return "a string";
  case 't': case 'f': return "a boolean";
  case 'n': return "null";
  default: return "a number";
  }
}

static acr_status wrong(rd *R, const char *want) {
  char detail[64];
  snprintf(detail, sizeof detail, ", got %s", json_type(*R->p));
  return rfail(R, ACR_ESCHEMA, want, detail);
}

/* A JSON number as an int32: integral (2, 2.0, 2e1, 20e-1) and in range.
 * The significant digits are kept (leading and trailing zeros become the
 * exponent), so the test is exact whatever the spelling. */
static acr_status rint32(rd *R, int32_t *out) {
  const char *p = R->p;
  char d[16];
  size_t nd = 0, i;
  long exp = 0, e = 0;
  int neg = 0, lost = 0, eneg = 0;
  long long v = 0;
  if (*p == '-') neg = 1, p++;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (nd == 0 && *p == '0') continue;
    if (nd < sizeof d) d[nd++] = *p;
    else exp++, lost |= *p != '0';
  }
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9'; p++) {
      if (nd == 0 && *p == '0') { exp--; continue; }
      if (nd < sizeof d) d[nd++] = *p, exp--;
      else lost |= *p != '0';
    }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') eneg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++)
      if (e < 100000) e = e * 10 + (*p - '0');
  }
  R->p = p;
  exp += eneg ? -e : e;
  while (nd > 0 && d[nd - 1] == '0') nd--, exp++;
  if (nd == 0) exp = 0;
  if (exp < 0 || lost) return rfail(R, ACR_ESCHEMA, "expected an integer", "");
  if ((long)nd + exp > 10) goto range;
  for (i = 0; i < nd; i++) v = v * 10 + (d[i] - '0');
  for (; exp > 0; exp--) v *= 10;
  if (v > (neg ? 2147483648LL : 2147483647LL)) goto range;
  *out = (int32_t)(neg ? -v : v);
  return ACR_OK;
range:
  return rfail(R, ACR_ESCHEMA,
               "out of the int32 range -2147483648..2147483647", "");
}

static acr_status rrecord(rd *R, const acr_type *t, void *rec, int depth);

static acr_status rvalue(rd *R, const acr_type *t, void *rec,
                         const acr_field *f, int depth) {
  acr_run *A = R->q->arena;
  acr_error e;
  acr_status st;
  char c = *R->p;
  acr_err_clear(&e);
  switch (f->kind) {
  case ACR_K_STRING:
  case ACR_K_ENUM:
    if (c != '"') return wrong(R, "expected a string");
    if ((st = rstring(R)) != ACR_OK) return st;
    if (f->kind == ACR_K_STRING)
      st = acr_rec_set_string(A, rec, f, R->tmp.p, R->tmp.len, &e);
    else
      st = acr_rec_set_enum(A, rec, f, R->tmp.p, R->tmp.len, 1, &e);
    if (st == ACR_EMEMORY) return acr_err_nomem(R->err);
    if (st != ACR_OK) return rfail(R, st, e.message, "");
    return ACR_OK;
  case ACR_K_BOOL:
    if (c != 't' && c != 'f') return wrong(R, "expected a boolean");
    R->p += c == 't' ? 4 : 5;
    acr_rec_set_bool(A, rec, f, c == 't', &e);
    return ACR_OK;
  case ACR_K_INT32: {
    int32_t v = 0;
    if (c != '-' && (c < '0' || c > '9')) return wrong(R, "expected an integer");
    if ((st = rint32(R, &v)) != ACR_OK) return st;
    if ((st = acr_request_check_int(t, f, v, &e)) != ACR_OK)
      return rfail(R, st, e.message, "");
    acr_rec_set_int32(A, rec, f, v, &e);
    return ACR_OK;
  }
  case ACR_K_RECORD: {
    void *sub;
    if (c != '{') return wrong(R, "expected an object");
    if ((sub = acr_rec_new_record(A, rec, f)) == NULL)
      return acr_err_nomem(R->err);
    return rrecord(R, f->sub, sub, depth + 1);
  }
  case ACR_K_RECORD_LIST:
  case ACR_K_STRING_LIST: {
    int map = (f->flags & ACR_F_MAP) != 0;
    acr_list *l = acr_list_new(A, 4);
    uint32_t i = 0;
    if (c != (map ? '{' : '[')) return wrong(R, map ? "expected an object" : "expected an array");
    if (l == NULL) return acr_err_nomem(R->err);
    R->p++;
    while (*R->p != (map ? '}' : ']')) {
      size_t old;
      void *item;
      if (i > 0) R->p++; /* , */
      i++;
      if (map) {
        const acr_field *kf = &f->sub->fields[ACR_CUSTOMREGISTRY_LOGINSERVER];
        if ((st = rstring(R)) != ACR_OK) return st;
        old = acr_path_mapkey(&R->path, R->tmp.p, R->tmp.len);
        R->p++; /* : */
        if (*R->p != '{') return wrong(R, "expected an object");
        if ((item = acr_record_new(A, f->sub)) == NULL) return acr_err_nomem(R->err);
        st = acr_rec_set_string(A, item, kf, R->tmp.p, R->tmp.len, &e);
        if (st == ACR_EMEMORY) return acr_err_nomem(R->err);
        if (st != ACR_OK) return rfail(R, st, e.message, "");
        if ((st = rrecord(R, f->sub, item, depth + 1)) != ACR_OK) return st;
      } else {
        old = acr_path_index(&R->path, i);
        if (f->kind == ACR_K_STRING_LIST) {
          if (*R->p != '"') return wrong(R, "expected a string");
          if ((st = rstring(R)) != ACR_OK) return st;
          item = acr_run_text(A, R->tmp.p, R->tmp.len, &e);
          if (item == NULL) return e.kind == ACR_EMEMORY ? acr_err_nomem(R->err)
                                                        : rfail(R, e.kind, e.message, "");
        } else {
          if (*R->p != '{') return wrong(R, "expected an object");
          if ((item = acr_record_new(A, f->sub)) == NULL) return acr_err_nomem(R->err);
          if ((st = rrecord(R, f->sub, item, depth + 1)) != ACR_OK) return st;
        }
      }
      acr_path_pop(&R->path, old);
      if (acr_list_push(A, &l, item) != ACR_OK) return acr_err_nomem(R->err);
    }
    R->p++;
    acr_rec_attach(A, rec, f, l);
    return ACR_OK;
  }
  default:
    return wrong(R, "unexpected value");
  }
}

static acr_status rrecord(rd *R, const acr_type *t, void *rec, int depth) {
  int first = 1;
  (void)depth;
  R->p++; /* { */
  while (*R->p != '}') {
    const acr_field *f;
    size_t old;
    acr_status st;
    if (!first) R->p++; /* , */
    first = 0;
    if ((st = rstring(R)) != ACR_OK) return st;
    R->p++; /* : */
    if (t == &acr_type_runrequest)
      f = acr_request_field(R->q->kind, R->tmp.p, R->tmp.len);
    else
      f = acr_type_field(t, R->tmp.p, R->tmp.len);
    if (f == NULL || (f->flags & ACR_F_MAPKEY)) {
      char name[80];
      snprintf(name, sizeof name, "%.*s' (%s has no such field)",
               R->tmp.len > 40 ? 40 : (int)R->tmp.len, R->tmp.p,
               t == &acr_type_runrequest
                   ? acr_enum_runrequesttype.values[R->q->kind]
                   : t->name);
      return rfail(R, ACR_ESCHEMA, "unknown field '", name);
    }
    old = acr_path_key(&R->path, f->name, f->namelen);
    if (*R->p == 'n') { /* null: absent */
      R->p += 4;
      acr_rec_clear(R->q->arena, rec, f);
    } else if (f == F(TYPE) && t == &acr_type_runrequest) {
      /* the discriminator: read before, must not change here */
      int k;
      if (*R->p != '"') return wrong(R, "expected a string");
      if ((st = rstring(R)) != ACR_OK) return st;
      k = acr_enum_lookup(&acr_enum_runrequesttype, R->tmp.p, R->tmp.len);
      if (k != R->q->kind)
        return rfail(R, ACR_ESCHEMA, "a second, different \"type\"", "");
    } else if ((st = rvalue(R, t, rec, f, depth)) != ACR_OK) {
      return st;
    }
    acr_path_pop(&R->path, old);
  }
  R->p++;
  return ACR_OK;
}

/* ---- the discriminator --------------------------------------------------- */

/* A light look at raw text (any text: bounds checked, nothing assumed
 * well formed) for the kind its top-level "type" names.  It stops at the
 * first top-level "type", and at "value" or "properties", which only a
 * run list or a run has: a list's runs are never scanned. */
static const char *ws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

/* Past the closing quote of the string at p, or NULL. */
static const char *str_end(const char *p, const char *e) {
  for (p++; p < e; p++) {
    if (*p == '\\') p++;
    else if (*p == '"') return p + 1;
  }
  return NULL;
}

/* Past the value at p, or NULL (brackets counted, not matched). */
static const char *skip_value(const char *p, const char *e) {
  size_t depth = 0;
  if (p < e && *p == '"') return str_end(p, e);
  if (p < e && (*p == '{' || *p == '[')) {
    for (; p < e; p++) {
      if (*p == '"') {
        if ((p = str_end(p, e)) == NULL) return NULL;
        p--;
      } else if (*p == '{' || *p == '[') {
        depth++;
      } else if ((*p == '}' || *p == ']') && --depth == 0) {
        return p + 1;
      }
    }
    return NULL;
  }
  while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
         *p != '\n' && *p != '\r' && *p != '\t')
    p++;
  return p;
}

static int kind_of(const char *p, const char *e) {
  p = ws(p, e);
  if (p == e || *p != '{') return -1;
  for (p++;;) {
    const char *k, *q;
    size_t kn;
    p = ws(p, e);
    if (p == e || *p != '"') return -1;
    k = p + 1;
    if ((q = str_end(p, e)) == NULL) return -1;
    kn = (size_t)(q - 1 - k);
    p = ws(q, e);
    if (p == e || *p != ':') return -1;
    p = ws(p + 1, e);
    if (kn == 4 && memcmp(k, "type", 4) == 0) {
      if (p == e || *p != '"' || (q = str_end(p, e)) == NULL) return -1;
      return acr_enum_lookup(&acr_enum_runrequesttype, p + 1,
                             (size_t)(q - 1 - (p + 1)));
    }
    if ((kn == 5 && memcmp(k, "value", 5) == 0) ||
        (kn == 10 && memcmp(k, "properties", 10) == 0))
      return -1;
    if ((p = skip_value(p, e)) == NULL) return -1;
    p = ws(p, e);
    if (p == e || *p != ',') return -1;
    p++;
  }
}

int acr_json_is_request(const char *text, size_t len) {
  return kind_of(text, text + len) >= 0;
}

acr_status acr_json_decode_request(const char *text, size_t len,
                                   const acr_decode_opts *opts,
                                   const acr_allocator *a, acr_request **out,
                                   acr_error *err) {
  acr_buf mini;
  acr_status st;
  rd R;
  int kind;
  acr_error scratch;
  if (err == NULL) err = &scratch;
  acr_err_clear(err);
  *out = NULL;
  acr_buf_init(&mini, a);
  st = acr_json_validate(text, len, opts && opts->max_depth ? opts->max_depth : 0,
                         &mini, err);
  if (st == ACR_OK && acr_buf_addc(&mini, '\0') != ACR_OK) st = acr_err_nomem(err);
  if (st != ACR_OK) {
    acr_buf_free(&mini);
    return st;
  }
  if (mini.p[0] != '{') {
    acr_buf_free(&mini);
    return acr_err(err, ACR_ESCHEMA, "expected a RunRequest object");
  }
  kind = kind_of(mini.p, mini.p + mini.len);
  if (kind < 0) {
    char list[160];
    acr_buf_free(&mini);
    acr_enum_list(&acr_enum_runrequesttype, list, sizeof list);
    snprintf(err->path, sizeof err->path, "type");
    return acr_err(err, ACR_ESCHEMA, "type: expected one of %s", list);
  }
  memset(&R, 0, sizeof R);
  if ((R.q = acr_request_new(a, kind)) == NULL) {
    acr_buf_free(&mini);
    return acr_err_nomem(err);
  }
  R.p = mini.p;
  R.end = mini.p + mini.len;
  R.err = err;
  acr_path_init(&R.path);
  acr_buf_init(&R.tmp, a);
  st = rrecord(&R, &acr_type_runrequest, R.q->rec, 0);
  if (st == ACR_OK) st = acr_request_validate(R.q, err);
  acr_buf_free(&R.tmp);
  acr_buf_free(&mini);
  if (st != ACR_OK) {
    acr_request_free(R.q);
    return st;
  }
  *out = R.q;
  return ACR_OK;
}

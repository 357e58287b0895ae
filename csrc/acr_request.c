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
 * minified form, then walks that form token by token with the library's
 * one lexer (acr_json_lex.h): the walk only reads, it never has to
 * diagnose syntax.  Request bodies are small; a run document is told
 * apart (acr_json_is_request) by a look at the root's member names that
 * stops at the first name only a Run has.
 */
#include "acr_internal.h"
#include "acr_json_lex.h"

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

/* The walk over the document's minified text (valid JSON: acr_json_validate
 * has read it once) with the library's one lexer, token by token. */
typedef struct rd {
  acr_jlex x;
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

/* The current STRING or KEY token's text, unescaped into R->tmp when it
 * has escapes. */
static acr_status rtext(rd *R, const char **s, size_t *n) {
  if (!R->x.esc) {
    *s = R->x.text;
    *n = R->x.len;
    return ACR_OK;
  }
  R->tmp.len = 0;
  if (acr_buf_reserve(&R->tmp, R->x.len + 1) != ACR_OK)
    return acr_err_nomem(R->err);
  *n = acr_junescape((const unsigned char *)R->x.text,
                     (const unsigned char *)R->x.text + R->x.len, R->tmp.p);
  *s = R->tmp.p;
  return ACR_OK;
}

static const char *json_type(acr_jtok t) {
  switch (t) {
  case ACR_JT_OBJECT: return "an object";
  case ACR_JT_ARRAY: return "an array";
  case ACR_JT_STRING: return "a string";
  case ACR_JT_TRUE: case ACR_JT_FALSE: return "a boolean";
  case ACR_JT_NULL: return "null";
  default: return "a number";
  }
}

static acr_status wrong(rd *R, const char *want) {
  char detail[64];
  snprintf(detail, sizeof detail, ", got %s", json_type(R->x.tok));
  return rfail(R, ACR_ESCHEMA, want, detail);
}

static acr_status rrecord(rd *R, const acr_type *t, void *rec);

/* The value of field f whose first token is current. */
static acr_status rvalue(rd *R, const acr_type *t, void *rec,
                         const acr_field *f) {
  acr_run *A = R->q->arena;
  acr_jtok tk = R->x.tok;
  const char *s;
  size_t n;
  acr_error e;
  acr_status st;
  acr_err_clear(&e);
  switch (f->kind) {
  case ACR_K_STRING:
  case ACR_K_ENUM:
    if (tk != ACR_JT_STRING) return wrong(R, "expected a string");
    if ((st = rtext(R, &s, &n)) != ACR_OK) return st;
    if (f->kind == ACR_K_STRING)
      st = acr_rec_set_string(A, rec, f, s, n, &e);
    else
      st = acr_rec_set_enum(A, rec, f, s, n, 1, &e);
    if (st == ACR_EMEMORY) return acr_err_nomem(R->err);
    if (st != ACR_OK) return rfail(R, st, e.message, "");
    return ACR_OK;
  case ACR_K_BOOL:
    if (tk != ACR_JT_TRUE && tk != ACR_JT_FALSE)
      return wrong(R, "expected a boolean");
    acr_rec_set_bool(A, rec, f, tk == ACR_JT_TRUE, &e);
    return ACR_OK;
  case ACR_K_INT32: {
    int32_t v = 0;
    int r;
    if (tk != ACR_JT_NUMBER) return wrong(R, "expected an integer");
    r = acr_jnum_int32((const unsigned char *)R->x.text,
                       (const unsigned char *)R->x.text + R->x.len, &v);
    if (r == 1) return rfail(R, ACR_ESCHEMA, "expected an integer", "");
    if (r == 2)
      return rfail(R, ACR_ESCHEMA,
                   "out of the int32 range -2147483648..2147483647", "");
    if ((st = acr_request_check_int(t, f, v, &e)) != ACR_OK)
      return rfail(R, st, e.message, "");
    acr_rec_set_int32(A, rec, f, v, &e);
    return ACR_OK;
  }
  case ACR_K_RECORD: {
    void *sub;
    if (tk != ACR_JT_OBJECT) return wrong(R, "expected an object");
    if ((sub = acr_rec_new_record(A, rec, f)) == NULL)
      return acr_err_nomem(R->err);
    return rrecord(R, f->sub, sub);
  }
  case ACR_K_RECORD_LIST:
  case ACR_K_STRING_LIST: {
    int map = (f->flags & ACR_F_MAP) != 0;
    acr_list *l;
    uint32_t i = 0;
    if (tk != (map ? ACR_JT_OBJECT : ACR_JT_ARRAY))
      return wrong(R, map ? "expected an object" : "expected an array");
    if ((l = acr_list_new(A, 4)) == NULL) return acr_err_nomem(R->err);
    for (;;) {
      size_t old;
      void *item;
      tk = acr_jlex_next(&R->x);
      if (tk == ACR_JT_OBJECT_END || tk == ACR_JT_ARRAY_END) break;
      i++;
      if (map) { /* "login.server": {credentials} */
        const acr_field *kf =
            &f->sub->fields[ACR_CUSTOMREGISTRY_LOGINSERVER];
        if ((st = rtext(R, &s, &n)) != ACR_OK) return st;
        old = acr_path_mapkey(&R->path, s, n);
        if ((item = acr_record_new(A, f->sub)) == NULL)
          return acr_err_nomem(R->err);
        st = acr_rec_set_string(A, item, kf, s, n, &e);
        if (st == ACR_EMEMORY) return acr_err_nomem(R->err);
        if (st != ACR_OK) return rfail(R, st, e.message, "");
        if (acr_jlex_next(&R->x) != ACR_JT_OBJECT)
          return wrong(R, "expected an object");
        if ((st = rrecord(R, f->sub, item)) != ACR_OK) return st;
      } else {
        old = acr_path_index(&R->path, i);
        if (f->kind == ACR_K_STRING_LIST) {
          if (tk != ACR_JT_STRING) return wrong(R, "expected a string");
          if ((st = rtext(R, &s, &n)) != ACR_OK) return st;
          if ((item = acr_run_text(A, s, n, &e)) == NULL)
            return e.kind == ACR_EMEMORY ? acr_err_nomem(R->err)
                                         : rfail(R, e.kind, e.message, "");
        } else {
          if (tk != ACR_JT_OBJECT) return wrong(R, "expected an object");
          if ((item = acr_record_new(A, f->sub)) == NULL)
            return acr_err_nomem(R->err);
          if ((st = rrecord(R, f->sub, item)) != ACR_OK) return st;
        }
      }
      acr_path_pop(&R->path, old);
      if (acr_list_push(A, &l, item) != ACR_OK) return acr_err_nomem(R->err);
    }
    acr_rec_attach(A, rec, f, l);
    return ACR_OK;
  }
  default:
    return wrong(R, "unexpected value");
  }
}

/* The object whose '{' is the current token, to its '}'. */
static acr_status rrecord(rd *R, const acr_type *t, void *rec) {
  for (;;) {
    const acr_field *f;
    const char *k;
    size_t kn, old;
    acr_status st;
    if (acr_jlex_next(&R->x) != ACR_JT_KEY) return ACR_OK; /* '}' */
    if ((st = rtext(R, &k, &kn)) != ACR_OK) return st;
    if (t == &acr_type_runrequest)
      f = acr_request_field(R->q->kind, k, kn);
    else
      f = acr_type_field(t, k, kn);
    if (f == NULL || (f->flags & ACR_F_MAPKEY)) {
      char name[80];
      snprintf(name, sizeof name, "%.*s' (%s has no such field)",
               kn > 40 ? 40 : (int)kn, k,
               t == &acr_type_runrequest
                   ? acr_enum_runrequesttype.values[R->q->kind]
                   : t->name);
      return rfail(R, ACR_ESCHEMA, "unknown field '", name);
    }
    old = acr_path_key(&R->path, f->name, f->namelen);
    if (acr_jlex_next(&R->x) == ACR_JT_NULL) { /* null: absent */
      acr_rec_clear(R->q->arena, rec, f);
    } else if (f == F(TYPE) && t == &acr_type_runrequest) {
      /* the discriminator: read before, must not change here */
      const char *s;
      size_t n;
      if (R->x.tok != ACR_JT_STRING) return wrong(R, "expected a string");
      if ((st = rtext(R, &s, &n)) != ACR_OK) return st;
      if (acr_enum_lookup(&acr_enum_runrequesttype, s, n) != R->q->kind)
        return rfail(R, ACR_ESCHEMA, "a second, different \"type\"", "");
    } else if ((st = rvalue(R, t, rec, f)) != ACR_OK) {
      return st;
    }
    acr_path_pop(&R->path, old);
  }
}

/* ---- the discriminator --------------------------------------------------- */

/* Whether the member name k belongs to a Run and to no kind of request: a
 * document that has one is a run, whatever follows. */
static int run_only(const char *k, size_t kn) {
  int kind;
  if (acr_type_field(&acr_type_run, k, kn) == NULL) return 0;
  for (kind = 0; kind < ACR_RUNREQUESTTYPE_COUNT; kind++)
    if (acr_request_field(kind, k, kn) != NULL) return 0;
  return 1;
}

/* A look at the root object's members, with the one lexer, for the kind its
 * "type" names, or -1.  It stops at that "type", at "value" or
 * "properties" (only a run list or a run has them) and at any other name
 * only a Run has, so a run's or a list's body is not read; the values
 * passed over before are skipped token by token. */
static int kind_of(const char *text, size_t len) {
  acr_jlex x;
  char buf[64];
  const unsigned char *p = (const unsigned char *)text, *e, *q;
  if (text == NULL) return -1;
  e = p + len;
  /* {"type":"...": a run's ARM envelope often starts so.  Its one string
   * is scanned as the lexer would (the lexer's scanner), without setting
   * a lexer up: the same answer as the walk below, for less. */
  p = acr_jskip_ws(p, e);
  if (p < e && *p == '{') {
    p = acr_jskip_ws(p + 1, e);
    if (e - p > 6 && memcmp(p, "\"type\"", 6) == 0 &&
        (p = acr_jskip_ws(p + 6, e)) < e && *p == ':' &&
        (p = acr_jskip_ws(p + 1, e)) < e && *p == '"' &&
        (q = acr_jscan_str(p, e, &x.esc, &x.serr)) != NULL) {
      /* no kind has the length of a run's "type" (the enum lookup is case
       * insensitive, of the same length) */
      const acr_enum_def *d = &acr_enum_runrequesttype;
      size_t n = (size_t)(q - p) - 2;
      int i;
      for (i = 0; i < d->count && d->lengths[i] != n; i++) {
      }
      return x.esc || i == d->count
                 ? -1
                 : acr_enum_lookup(d, (const char *)p + 1, n);
    }
  }
  acr_jlex_init(&x, text, len, 0, 0);
  if (acr_jlex_next(&x) != ACR_JT_OBJECT) return -1;
  while (acr_jlex_next(&x) == ACR_JT_KEY) {
    const char *k = x.text;
    size_t kn = x.len;
    if (x.esc) { /* no name the look stops at has escapes, nor any kind */
      if (kn >= sizeof buf) return -1;
      kn = acr_junescape((const unsigned char *)x.text,
                         (const unsigned char *)x.text + x.len, buf);
      k = buf;
    }
    if (kn == 4 && memcmp(k, "type", 4) == 0) {
      if (acr_jlex_next(&x) != ACR_JT_STRING || x.esc) return -1;
      return acr_enum_lookup(&acr_enum_runrequesttype, x.text, x.len);
    }
    if ((kn == 5 && memcmp(k, "value", 5) == 0) ||
        (kn == 10 && memcmp(k, "properties", 10) == 0) || run_only(k, kn))
      return -1;
    if (acr_jlex_next(&x) == ACR_JT_ERROR || acr_jlex_skip(&x) != ACR_OK)
      return -1;
  }
  return -1;
}

int acr_json_is_request(const char *text, size_t len) {
  return kind_of(text, len) >= 0;
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
  if (st != ACR_OK) {
    acr_buf_free(&mini);
    return st;
  }
  if (mini.len == 0 || mini.p[0] != '{') {
    acr_buf_free(&mini);
    return acr_err(err, ACR_ESCHEMA, "expected a RunRequest object");
  }
  kind = kind_of(mini.p, mini.len);
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
  acr_jlex_init(&R.x, mini.p, mini.len, 0, 0);
  acr_jlex_next(&R.x); /* '{' */
  R.err = err;
  acr_path_init(&R.path);
  acr_buf_init(&R.tmp, a);
  st = rrecord(&R, &acr_type_runrequest, R.q->rec);
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

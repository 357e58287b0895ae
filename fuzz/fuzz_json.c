/*
 * fuzz_json.c -- libFuzzer target for the JSON decoder and encoder.
 *
 * For each input, non-strict then strict:
 *  - acr_json_decode must not crash, leak or report an inconsistent
 *    result (exactly one of run/list on success, neither on failure; an
 *    error kind and a message; an offset within the text);
 *  - on success: encode -> decode gives an equal value (acr_run_equal on
 *    each run, nextLink and unknown list keys), and encoding that again
 *    gives the same bytes; the pretty form decodes to an equal value; the
 *    request and update profiles give text that decodes; what strict
 *    accepts, non-strict accepts and decodes equal; the text is valid
 *    JSON for acr_json_validate;
 *  - with one allocation refused (chosen from the input): ACR_EMEMORY and
 *    nothing leaked, or a result equal to the unrefused one.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -Icsrc fuzz/fuzz_json.c \
 *          csrc/acr_*.c
 * (or `make fuzz`, which runs every target FUZZ_SECONDS).
 */
#include "fuzz_common.h"

static int fj_str_eq(const acr_str *a, const acr_str *b) {
  if (a == NULL || b == NULL) return a == b;
  return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static int fj_unknown_eq(const acr_list *a, const acr_list *b) {
  uint32_t an = a ? a->n : 0, bn = b ? b->n : 0, i;
  if (an != bn) return 0;
  for (i = 0; i + 1 < an; i += 2) {
    const acr_str *ka = (const acr_str *)a->items[i];
    const acr_str *kb = (const acr_str *)b->items[i];
    const acr_str *va = (const acr_str *)a->items[i + 1];
    const acr_str *vb = (const acr_str *)b->items[i + 1];
    if (!fj_str_eq(ka, kb) || !acr_json_equal(va->s, va->len, vb->s, vb->len))
      return 0;
  }
  return 1;
}

/* Same runs (deep) in the same order, same nextLink and unknown keys.
 * On a difference, *at is the index of the first differing run or -1. */
static int fj_list_eq(const acr_runlist *a, const acr_runlist *b, long *at) {
  size_t i;
  *at = -1;
  if (a->n != b->n) return 0;
  for (i = 0; i < a->n; i++)
    if (!acr_run_equal(a->runs[i], b->runs[i])) {
      *at = (long)i;
      return 0;
    }
  return fj_str_eq(a->nextLink, b->nextLink) &&
         fj_unknown_eq(a->unknown, b->unknown);
}

/* The model's invariants, record by record: what is present is there
 * (strings, records, lists non-NULL; unknown enum values with their raw
 * text), and unknown field names are distinct ("last wins" on decode). */
static void fj_check_unknown(const acr_list *l, const char *where) {
  uint32_t i, j;
  if (l == NULL) return;
  if (l->n % 2 != 0) FUZZ_FAIL("%s: odd unknown list", where);
  if (l->n > 4000) return; /* the pairwise check below is for small ones */
  for (i = 0; i < l->n; i += 2) {
    if (l->items[i] == NULL || l->items[i + 1] == NULL)
      FUZZ_FAIL("%s: NULL in the unknown list", where);
    for (j = 0; j < i; j += 2)
      if (fj_str_eq((const acr_str *)l->items[i],
                    (const acr_str *)l->items[j]))
        FUZZ_FAIL("%s: unknown field \"%s\" kept twice", where,
                  ((const acr_str *)l->items[i])->s);
  }
}

static void fj_check_record(const acr_type *t, const void *rec) {
  const acr_rechdr *h = (const acr_rechdr *)rec;
  uint8_t i;
  uint32_t j;
  fj_check_unknown(h->unknown, t->name);
  if (t->nfields < 32 && (h->present >> t->nfields) != 0)
    FUZZ_FAIL("%s: presence bits beyond its fields", t->name);
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    const void *slot = (const char *)rec + f->offset;
    if (!(h->present & (1u << i))) continue;
    switch (f->kind) {
    case ACR_K_STRING:
      if (*(acr_str *const *)slot == NULL)
        FUZZ_FAIL("%s.%s present but NULL", t->name, f->name);
      break;
    case ACR_K_ENUM: {
      const acr_enumval *v = (const acr_enumval *)slot;
      if (v->code == ACR_ENUM_UNKNOWN ? v->raw == NULL
                                      : (v->code < 0 ||
                                         v->code >= f->enumdef->count))
        FUZZ_FAIL("%s.%s: bad enum slot", t->name, f->name);
      break;
    }
    case ACR_K_DATETIME: {
      const acr_datetime *d = (const acr_datetime *)slot;
      if (d->nsec < 0 || d->nsec > 999999999 || d->digits > 9)
        FUZZ_FAIL("%s.%s: bad date-time", t->name, f->name);
      break;
    }
    case ACR_K_RECORD:
      if (*(void *const *)slot == NULL)
        FUZZ_FAIL("%s.%s present but NULL", t->name, f->name);
      fj_check_record(f->sub, *(void *const *)slot);
      break;
    case ACR_K_RECORD_LIST:
    case ACR_K_STRING_LIST: {
      const acr_list *l = *(acr_list *const *)slot;
      if (l == NULL) FUZZ_FAIL("%s.%s present but NULL", t->name, f->name);
      for (j = 0; j < l->n; j++) {
        if (l->items[j] == NULL)
          FUZZ_FAIL("%s.%s[%u] is NULL", t->name, f->name, (unsigned)j);
        if (f->kind == ACR_K_RECORD_LIST) fj_check_record(f->sub, l->items[j]);
      }
      break;
    }
    default:
      break;
    }
  }
}

static void fj_check_run(const acr_run *r) {
  if (r->refcount != 1) FUZZ_FAIL("decoded run with refcount %d", r->refcount);
  fj_check_record(&acr_type_run, &r->rec);
  fj_check_unknown(r->env_unknown, "envelope");
}

typedef struct fj_value {
  acr_run *run;
  acr_runlist *list;
} fj_value;

static void fj_free(fj_value *v) {
  acr_run_release(v->run);
  acr_runlist_free(v->list);
  v->run = NULL;
  v->list = NULL;
}

static int fj_eq(const fj_value *a, const fj_value *b, const char **why) {
  long at;
  if ((a->run == NULL) != (b->run == NULL)) {
    *why = "a run became a list or a list a run";
    return 0;
  }
  if (a->run) {
    *why = "runs differ";
    return acr_run_equal(a->run, b->run);
  }
  *why = "lists differ";
  return fj_list_eq(a->list, b->list, &at);
}

static acr_status fj_decode(const char *text, size_t len, int strict,
                            const acr_allocator *a, fj_value *out,
                            acr_error *err) {
  acr_decode_opts o;
  acr_status st;
  o.strict = strict;
  o.max_depth = 0;
  out->run = NULL;
  out->list = NULL;
  memset(err, 0, sizeof *err);
  st = acr_json_decode(text, len, &o, a, &out->run, &out->list, err);
  if (st == ACR_OK) {
    size_t i;
    if ((out->run == NULL) == (out->list == NULL))
      FUZZ_FAIL("decode OK but run=%p list=%p", (void *)out->run,
                (void *)out->list);
    if (out->run) fj_check_run(out->run);
    if (out->list) {
      fj_check_unknown(out->list->unknown, "RunListResult");
      for (i = 0; i < out->list->n; i++) fj_check_run(out->list->runs[i]);
    }
  } else {
    if (out->run != NULL || out->list != NULL)
      FUZZ_FAIL("decode failed (%s) but left a result", acr_status_name(st));
    if (err->kind != st)
      FUZZ_FAIL("decode returned %s, err.kind is %s", acr_status_name(st),
                acr_status_name(err->kind));
    if (err->message[0] == '\0') FUZZ_FAIL("decode error without a message");
    if (memchr(err->message, '\0', sizeof err->message) == NULL ||
        memchr(err->path, '\0', sizeof err->path) == NULL)
      FUZZ_FAIL("error record not terminated");
    if (st != ACR_EMEMORY &&
        (err->offset < 0 || (size_t)err->offset > len))
      FUZZ_FAIL("error offset %ld outside the text (%lu bytes): %s",
                err->offset, (unsigned long)len, err->message);
  }
  return st;
}

static acr_status fj_encode(const fj_value *v, const acr_encode_opts *o,
                            acr_buf *b) {
  return v->run ? acr_json_encode_run(v->run, o, b)
                : acr_json_encode_list(v->list, o, b);
}

static void fj_round_trip(const fj_value *v, int strict,
                          const acr_allocator *a) {
  acr_buf b1, b2, bp;
  fj_value w, p;
  acr_error err;
  acr_encode_opts pretty, prof;
  const char *why;
  int k;
  acr_buf_init(&b1, a);
  acr_buf_init(&b2, a);
  acr_buf_init(&bp, a);
  if (fj_encode(v, NULL, &b1) != ACR_OK) FUZZ_FAIL("encode failed");
  if (acr_json_validate(b1.p, b1.len, 0, NULL, &err) != ACR_OK)
    FUZZ_FAIL("encode wrote invalid JSON (%s): %.*s", err.message,
              (int)(b1.len > 300 ? 300 : b1.len), b1.p);
  if (fj_decode(b1.p, b1.len, strict, a, &w, &err) != ACR_OK)
    FUZZ_FAIL("%s decode of the encoding failed: %s at %s: %.*s",
              strict ? "strict" : "plain", err.message, err.path,
              (int)(b1.len > 300 ? 300 : b1.len), b1.p);
  if (!fj_eq(v, &w, &why))
    FUZZ_FAIL("round trip: %s: %.*s", why,
              (int)(b1.len > 300 ? 300 : b1.len), b1.p);
  if (fj_encode(&w, NULL, &b2) != ACR_OK) FUZZ_FAIL("encode again failed");
  if (b1.len != b2.len || memcmp(b1.p, b2.p, b1.len) != 0)
    FUZZ_FAIL("encoding not stable:\n  %.*s\n  %.*s",
              (int)(b1.len > 300 ? 300 : b1.len), b1.p,
              (int)(b2.len > 300 ? 300 : b2.len), b2.p);
  fj_free(&w);

  pretty.profile = ACR_PROFILE_FULL;
  pretty.indent = "\t";
  pretty.shape = ACR_ENCODE_AS_READ;
  if (fj_encode(v, &pretty, &bp) != ACR_OK) FUZZ_FAIL("pretty encode failed");
  if (fj_decode(bp.p, bp.len, strict, a, &p, &err) != ACR_OK)
    FUZZ_FAIL("decode of the pretty encoding failed: %s", err.message);
  if (!fj_eq(v, &p, &why)) FUZZ_FAIL("pretty round trip: %s", why);
  fj_free(&p);

  for (k = ACR_PROFILE_REQUEST; k <= ACR_PROFILE_UPDATE; k++) {
    prof.profile = (acr_profile)k;
    prof.indent = NULL;
    prof.shape = ACR_ENCODE_AS_READ;
    bp.len = 0;
    if (fj_encode(v, &prof, &bp) != ACR_OK) FUZZ_FAIL("profile %d failed", k);
    if (acr_json_validate(bp.p, bp.len, 0, NULL, &err) != ACR_OK)
      FUZZ_FAIL("profile %d wrote invalid JSON: %s", k, err.message);
    if (fj_decode(bp.p, bp.len, 0, a, &p, &err) != ACR_OK)
      FUZZ_FAIL("profile %d: its text does not decode: %s: %.*s", k,
                err.message, (int)(bp.len > 300 ? 300 : bp.len), bp.p);
    fj_free(&p);
  }

  /* clone and compact keep the value */
  if (v->run) {
    acr_run *c = acr_run_clone(v->run, a);
    if (c == NULL) FUZZ_FAIL("clone failed");
    if (!acr_run_equal(c, v->run)) FUZZ_FAIL("clone differs");
    if (acr_run_compact(c) != ACR_OK || !acr_run_equal(c, v->run))
      FUZZ_FAIL("compact changed the run");
    acr_run_release(c);
  }
  acr_buf_free(&b1);
  acr_buf_free(&b2);
  acr_buf_free(&bp);
}

static void fuzz_json_one(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  fuzz_counter c;
  acr_allocator a = fuzz_allocator(&c, 0);
  fj_value v[2], m;
  acr_status st[2], sm;
  acr_error err;
  char msg[2][ACR_MSG_MAX];
  int strict;
  size_t bom;
  const char *why;

  for (strict = 0; strict <= 1; strict++) {
    st[strict] = fj_decode(text, size, strict, &a, &v[strict], &err);
    memcpy(msg[strict], err.message, ACR_MSG_MAX);
    if (st[strict] == ACR_EMEMORY) FUZZ_FAIL("out of memory without a cause");
    if (st[strict] == ACR_OK) fj_round_trip(&v[strict], strict, &a);
  }
  /* the decoders drop a UTF-8 byte-order mark at the very start;
   * acr_json_validate reads JSON alone: compared on what follows it */
  bom = size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
  if (st[0] == ACR_OK &&
      acr_json_validate(text + bom, size - bom, 0, NULL, &err) != ACR_OK)
    FUZZ_FAIL("decode accepted text that validate refuses: %s", err.message);
  if (st[1] == ACR_OK) {
    if (st[0] != ACR_OK) FUZZ_FAIL("strict accepted what non-strict refused");
    if (!fj_eq(&v[0], &v[1], &why)) FUZZ_FAIL("strict and plain: %s", why);
  }
  if (st[0] == ACR_ESYNTAX &&
      acr_json_validate(text + bom, size - bom, 0, NULL, &err) == ACR_OK)
    FUZZ_FAIL("decode reports a syntax error in text validate accepts");

  /* One allocation refused: a memory error and no leak, or the same
   * result as without the refusal. */
  {
    fuzz_counter cf;
    acr_allocator af;
    unsigned long h = fuzz_hash(data, size);
    strict = (int)(h & 1);
    af = fuzz_allocator(&cf, 1 + (h >> 1) % 48);
    sm = fj_decode(text, size, strict, &af, &m, &err);
    if (cf.refused) {
      /* A refusal the decoder recovered from is fine if the answer is the
       * one it gives with memory to spare. */
      if (sm == ACR_OK) {
        if (st[strict] != ACR_OK || !fj_eq(&v[strict], &m, &why))
          FUZZ_FAIL("a refused allocation changed the result");
      } else if (sm != ACR_EMEMORY &&
                 (sm != st[strict] || strcmp(err.message, msg[strict]) != 0)) {
        FUZZ_FAIL("a refused allocation gave %s: %s; with memory: %s: %s",
                  acr_status_name(sm), err.message,
                  acr_status_name(st[strict]), msg[strict]);
      } else if (sm == ACR_EMEMORY &&
                 strstr(err.message, "not enough memory") == NULL) {
        FUZZ_FAIL("memory error message: %s", err.message);
      }
    } else if (sm != st[strict]) {
      FUZZ_FAIL("the same decode gave %s then %s", acr_status_name(st[strict]),
                acr_status_name(sm));
    }
    fj_free(&m);
    if (cf.live != 0)
      FUZZ_FAIL("%lu bytes leaked after a refused allocation",
                (unsigned long)cf.live);
  }

  fj_free(&v[0]);
  fj_free(&v[1]);
  if (c.live != 0) FUZZ_FAIL("%lu bytes leaked", (unsigned long)c.live);
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_json_one(data, size);
  return 0;
}
#endif

/* test_limits.c -- the core at the limits: deep nesting, a huge string,
 * many unknown fields, a huge list.  Each either works or fails with a
 * clear ACR_ELIMIT error; never a stack overflow, a hang or a leak.
 *
 * Timings are printed (stderr); the growth check compares the time for n
 * and 2n unknown fields, so a decoder that goes quadratic fails here
 * rather than hanging on a hostile payload.
 *
 *   test_limits [-q]     (-q: skip the 1,000,000-run list)
 */
#include "test.h"

/* A growing text buffer for building inputs (plain malloc: not measured). */
typedef struct text {
  char *p;
  size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n) {
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + n + 1) cap *= 2;
    t->p = (char *)realloc(t->p, cap);
    if (t->p == NULL) {
      fprintf(stderr, "test_limits: out of memory building input\n");
      exit(2);
    }
    t->cap = cap;
  }
  memcpy(t->p + t->len, s, n);
  t->len += n;
  t->p[t->len] = '\0';
}
#define PUTS(t, s) put((t), (s), strlen(s))

static void rep(text *t, const char *s, size_t times) {
  size_t n = strlen(s), i;
  for (i = 0; i < times; i++) put(t, s, n);
}

static acr_status decode(const text *t, int max_depth, const acr_allocator *a,
                         acr_run **r, acr_runlist **l, acr_error *err) {
  acr_decode_opts o;
  o.strict = 0;
  o.max_depth = max_depth;
  *r = NULL;
  *l = NULL;
  memset(err, 0, sizeof *err);
  return acr_json_decode(t->p, t->len, &o, a, r, l, err);
}

/* ---- deep nesting ---------------------------------------------------------- */

static void test_nesting(void) {
  static const char *const open_close[][2] = {{"[", "]"}, {"{\"a\":", "}"}};
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  const size_t depth = 100000;
  int kind;
  for (kind = 0; kind < 2; kind++) {
    text t = {NULL, 0, 0};
    acr_run *r;
    acr_runlist *l;
    acr_error err;
    acr_status st;
    double t0;
    PUTS(&t, "{\"runId\": \"deep\", \"extra\": ");
    rep(&t, open_close[kind][0], depth);
    PUTS(&t, "0");
    rep(&t, open_close[kind][1], depth);
    PUTS(&t, "}");

    /* default limit: a clear limit error where the limit is crossed */
    st = decode(&t, 0, &a, &r, &l, &err);
    CHECKF(st == ACR_ELIMIT && err.kind == ACR_ELIMIT,
          "%s nesting: %s: %s", open_close[kind][0], acr_status_name(st),
          err.message);
    CHECKF(r == NULL && l == NULL, "result left on failure");
    CHECKF(strstr(err.path, "extra") != NULL, "path \"%s\"", err.path);
    CHECKF(err.line == 1 && err.offset > 512 && err.offset < 6 * 520,
          "position line %ld offset %ld", err.line, err.offset);
    CHECKF(strstr(err.message, "512") != NULL || strstr(err.message, "deep"),
          "message: %s", err.message);
    CHECKF(acr_json_validate(t.p, t.len, 0, NULL, &err) == ACR_ELIMIT,
          "validate: %s", err.message);

    /* a limit above the nesting: no stack overflow, whatever the answer */
    t0 = test_now();
    st = decode(&t, 1000000, &a, &r, &l, &err);
    CHECKF(st == ACR_OK || st == ACR_ELIMIT, "max_depth 1000000: %s: %s",
          acr_status_name(st), err.message);
    if (st == ACR_OK) {
      acr_buf b;
      CHECKF(r != NULL && r->rec.h.unknown != NULL &&
                r->rec.h.unknown->n == 2,
            "the deep value is kept as an unknown field");
      acr_buf_init(&b, &a);
      CHECKF(acr_json_encode_run(r, NULL, &b) == ACR_OK, "encode deep");
      CHECKF(b.len < t.len && b.len > 2 * depth,
            "deep encoding of %lu bytes", (unsigned long)b.len);
      acr_buf_free(&b);
    }
    acr_run_release(r);
    acr_runlist_free(l);
    /* one limit for the library (ACR_MAX_DEPTH): max_depth cannot raise
     * it */
    CHECKF(st == ACR_ELIMIT, "max_depth 1000000 raised the limit");
    CHECKF(acr_json_validate(t.p, t.len, 1000000, NULL, &err) == ACR_ELIMIT,
          "validate with max_depth 1000000: %s", err.message);
    fprintf(stderr, "  nesting %lu x %s, max_depth 1000000: %s (%.2f s)\n",
            (unsigned long)depth, open_close[kind][0], acr_status_name(st),
            test_now() - t0);

    /* at the top level, where a list or a run is expected */
    t.len = 0;
    rep(&t, open_close[kind][0], depth);
    st = decode(&t, 0, &a, &r, &l, &err);
    CHECKF(st != ACR_OK && r == NULL && l == NULL, "top-level nesting");
    st = decode(&t, 1000000, &a, &r, &l, &err);
    CHECKF(st != ACR_OK && r == NULL && l == NULL, "top-level nesting, "
          "max_depth 1000000");
    free(t.p);
  }
  CHECKF(c.live == 0, "%lu bytes leaked", (unsigned long)c.live);
}

/* ---- a 50 MB string ---------------------------------------------------------- */

static void test_big_string(void) {
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  const size_t size = 50u * 1024 * 1024, units = size / 45 + 1;
  text t = {NULL, 0, 0};
  acr_run *r, *r2;
  acr_runlist *l;
  acr_error err;
  acr_buf b;
  acr_status st;
  double t0 = test_now(), t1, t2;
  PUTS(&t, "{\"runId\": \"");
  /* 59 bytes of JSON, 45 of text: 26 letters, quote, e-acute (2 bytes),
   * newline, emoji (4), space, 10 digits */
  rep(&t, "abcdefghijklmnopqrstuvwxyz\\\"\\u00e9\\n\\ud83d\\ude00 0123456789",
      units);
  PUTS(&t, "\", \"extra\": \"");
  rep(&t, "xyzw", size / 4 / 4);
  PUTS(&t, "\", \"status\": \"Running\"}");

  st = decode(&t, 0, &a, &r, &l, &err);
  t1 = test_now();
  CHECKF(st == ACR_OK && r != NULL, "%s: %s", acr_status_name(st),
        err.message);
  if (st == ACR_OK && r != NULL) {
    CHECKF(r->rec.runId->len == units * 45, "runId of %lu bytes",
          (unsigned long)r->rec.runId->len);
    acr_buf_init(&b, &a);
    CHECKF(acr_json_encode_run(r, NULL, &b) == ACR_OK, "encode");
    t2 = test_now();
    st = acr_json_decode(b.p, b.len, NULL, &a, &r2, &l, &err);
    CHECKF(st == ACR_OK && r2 != NULL && acr_run_equal(r, r2),
          "round trip: %s", err.message);
    acr_run_release(r2);
    acr_buf_free(&b);
    fprintf(stderr, "  50 MB string: decode %.2f s, encode %.2f s, peak %lu MB\n",
            t1 - t0, t2 - t1, (unsigned long)(c.peak >> 20));
  }
  acr_run_release(r);
  free(t.p);
  CHECKF(c.live == 0, "%lu bytes leaked", (unsigned long)c.live);
}

/* ---- many unknown fields ------------------------------------------------------ */

/* Decodes a run with n distinct unknown fields (in scrambled order):
 * *decode_secs is the time decode took (-1 on failure), *equal_secs the
 * time acr_run_equal took against a clone.  With full, also encode,
 * decode again and compare the encodings byte for byte. */
static void unknown_fields(size_t n, int full, double *decode_secs,
                           double *equal_secs) {
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  text t = {NULL, 0, 0};
  acr_run *r = NULL, *r2 = NULL, *k;
  acr_runlist *l;
  acr_error err;
  acr_status st;
  char key[64];
  size_t i;
  double t0;
  *decode_secs = *equal_secs = -1;
  PUTS(&t, "{\"runId\": \"many\"");
  for (i = 0; i < n; i++) {
    int m = snprintf(key, sizeof key, ", \"field%07lu\": [%lu]",
                     (unsigned long)((i * 7919) % n), (unsigned long)i);
    put(&t, key, (size_t)m);
  }
  PUTS(&t, "}");
  t0 = test_now();
  st = decode(&t, 0, &a, &r, &l, &err);
  if (st == ACR_OK && r != NULL) *decode_secs = test_now() - t0;
  CHECKF(st == ACR_OK && r != NULL, "%lu unknown fields: %s",
        (unsigned long)n, err.message);
  if (st == ACR_OK && r != NULL) {
    CHECKF(r->rec.h.unknown != NULL && r->rec.h.unknown->n == 2 * n,
          "%lu unknown fields kept", (unsigned long)n);
    k = acr_run_clone(r, &a);
    CHECKF(k != NULL, "clone");
    if (k != NULL) {
      int eq;
      t0 = test_now();
      eq = acr_run_equal(r, k);
      *equal_secs = test_now() - t0;
      CHECKF(eq, "a clone is equal");
      acr_run_release(k);
    }
  }
  if (full && st == ACR_OK && r != NULL) {
    acr_buf b, b2;
    acr_buf_init(&b, &a);
    acr_buf_init(&b2, &a);
    CHECKF(acr_json_encode_run(r, NULL, &b) == ACR_OK, "encode");
    st = acr_json_decode(b.p, b.len, NULL, &a, &r2, &l, &err);
    CHECKF(st == ACR_OK && r2 != NULL, "decode again: %s", err.message);
    /* byte-equal re-encoding: the order and values came back */
    if (r2 != NULL)
      CHECKF(acr_json_encode_run(r2, NULL, &b2) == ACR_OK && b.len == b2.len &&
                memcmp(b.p, b2.p, b.len) == 0,
            "re-encoding differs");
    acr_buf_free(&b);
    acr_buf_free(&b2);
  }
  acr_run_release(r);
  acr_run_release(r2);
  free(t.p);
  CHECKF(c.live == 0, "%lu bytes leaked", (unsigned long)c.live);
}

/* Linear: doubling n about doubles the time; quadratic: 4x.  Small times
 * are noise: only judged when the larger takes over 0.1 s. */
static int grows_linearly(double t1, double t2) {
  return t2 < 0.1 || t2 < 3.0 * t1;
}

/* Seconds acr_run_equal takes on two runs holding the same n unknown
 * fields, one in order and one in reverse. */
static double unordered_equal(size_t n) {
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  acr_run *x = acr_run_new(&a), *y = acr_run_new(&a);
  char key[32];
  size_t i;
  double t0, secs = -1;
  int eq, ok = x != NULL && y != NULL;
  for (i = 0; ok && i < n; i++) {
    int k = snprintf(key, sizeof key, "f%07lu", (unsigned long)i);
    ok = acr_rec_add_unknown(x, &x->rec, 0, key, (size_t)k, "[1]", 3,
                             NULL) == ACR_OK;
    k = snprintf(key, sizeof key, "f%07lu", (unsigned long)(n - 1 - i));
    ok = ok && acr_rec_add_unknown(y, &y->rec, 0, key, (size_t)k, "[1]", 3,
                                   NULL) == ACR_OK;
  }
  CHECKF(ok, "building runs with %lu unknown fields", (unsigned long)n);
  if (ok) {
    t0 = test_now();
    eq = acr_run_equal(x, y);
    secs = test_now() - t0;
    CHECKF(eq, "same fields in another order are equal");
  }
  acr_run_release(x);
  acr_run_release(y);
  CHECKF(c.live == 0, "%lu bytes leaked", (unsigned long)c.live);
  return secs;
}

static void test_unknown_fields(void) {
  double d5, d10, d100, e5, e10, e100;
  int dlin, elin;
  unknown_fields(5000, 0, &d5, &e5);
  unknown_fields(10000, 0, &d10, &e10);
  fprintf(stderr, "  unknown fields: decode 5k %.3f s, 10k %.3f s; "
          "acr_run_equal 5k %.3f s, 10k %.3f s\n", d5, d10, e5, e10);
  dlin = grows_linearly(d5, d10);
  elin = grows_linearly(e5, e10);
  CHECKF(dlin, "decode time grows quadratically with the number of unknown "
        "fields: 5,000 %.3f s, 10,000 %.3f s", d5, d10);
  CHECKF(elin, "acr_run_equal time grows quadratically with the number of "
        "unknown fields: 5,000 %.3f s, 10,000 %.3f s", e5, e10);
  if (!dlin) {
    fprintf(stderr, "  100,000 unknown fields: skipped (quadratic)\n");
  } else {
    unknown_fields(100000, 1, &d100, &e100);
    fprintf(stderr, "  100,000 unknown fields: decode %.3f s, "
            "acr_run_equal %.3f s\n", d100, e100);
    CHECKF(d100 >= 0 && d100 < 5.0, "decode took %.1f s", d100);
    CHECKF(!elin || e100 < 5.0, "acr_run_equal took %.1f s", e100);
  }

  /* Two runs with the same unknown fields in other orders (a decoded run
   * and the same run from a Lua table): equal, in linear time too. */
  {
    double s5 = unordered_equal(2500), s10 = unordered_equal(5000);
    fprintf(stderr, "  acr_run_equal, unknown fields in another order: "
            "2.5k %.3f s, 5k %.3f s\n", s5, s10);
    CHECKF(grows_linearly(s5, s10), "acr_run_equal time grows quadratically "
          "when the unknown fields are in another order: 2,500 %.3f s, "
          "5,000 %.3f s", s5, s10);
  }

  /* Many distinct keys, then some again: still one field each, the last
   * value wins, in the first position. */
  {
    test_counter c = {0};
    acr_allocator a = {test_alloc, &c};
    text t = {NULL, 0, 0};
    acr_run *r;
    acr_runlist *l;
    acr_error err;
    acr_status st;
    size_t i;
    char item[64];
    PUTS(&t, "{\"runId\": \"dup\"");
    for (i = 0; i < 1000; i++) {
      int k = snprintf(item, sizeof item, ", \"k%04lu\": %lu",
                       (unsigned long)i, (unsigned long)i);
      put(&t, item, (size_t)k);
    }
    PUTS(&t, ", \"k0000\": \"last\", \"k0999\": \"last\"}");
    st = decode(&t, 0, &a, &r, &l, &err);
    CHECKF(st == ACR_OK && r != NULL && r->rec.h.unknown != NULL &&
              r->rec.h.unknown->n == 2000,
          "1000 distinct keys and 2 repeated: %lu fields kept",
          r && r->rec.h.unknown ? (unsigned long)r->rec.h.unknown->n / 2
                                : 0ul);
    if (st == ACR_OK && r && r->rec.h.unknown &&
        r->rec.h.unknown->n == 2000) {
      const acr_str *k0 = (const acr_str *)r->rec.h.unknown->items[0];
      const acr_str *v0 = (const acr_str *)r->rec.h.unknown->items[1];
      const acr_str *v9 = (const acr_str *)r->rec.h.unknown->items[1999];
      CHECKF(k0->len == 5 && memcmp(k0->s, "k0000", 5) == 0 &&
                v0->len == 6 && memcmp(v0->s, "\"last\"", 6) == 0 &&
                v9->len == 6 && memcmp(v9->s, "\"last\"", 6) == 0,
            "last wins in the first position");
    }
    acr_run_release(r);
    free(t.p);
    CHECKF(c.live == 0, "%lu bytes leaked", (unsigned long)c.live);
  }

  /* 100,000 times the same key: the last wins, one field left */
  {
    test_counter c = {0};
    acr_allocator a = {test_alloc, &c};
    text t = {NULL, 0, 0};
    acr_run *r;
    acr_runlist *l;
    acr_error err;
    acr_status st;
    size_t i;
    double t0 = test_now();
    char item[64];
    PUTS(&t, "{\"runId\": \"dup\"");
    for (i = 0; i < 100000; i++) {
      int k = snprintf(item, sizeof item, ", \"same\": %lu", (unsigned long)i);
      put(&t, item, (size_t)k);
    }
    PUTS(&t, "}");
    st = decode(&t, 0, &a, &r, &l, &err);
    CHECKF(st == ACR_OK && r != NULL && r->rec.h.unknown != NULL &&
              r->rec.h.unknown->n == 2,
          "duplicates: %s", err.message);
    if (st == ACR_OK && r && r->rec.h.unknown && r->rec.h.unknown->n == 2) {
      const acr_str *v = (const acr_str *)r->rec.h.unknown->items[1];
      CHECKF(v->len == 5 && memcmp(v->s, "99999", 5) == 0, "last wins");
    }
    fprintf(stderr, "  100k duplicate keys: %.3f s, arena %lu KB\n",
            test_now() - t0, r ? (unsigned long)(acr_run_memsize(r) >> 10) : 0ul);
    acr_run_release(r);
    /* strict: the duplicate is an error */
    {
      acr_decode_opts o = {1, 0};
      st = acr_json_decode(t.p, t.len, &o, &a, &r, &l, &err);
      CHECKF(st == ACR_ESCHEMA || st == ACR_ESYNTAX, "strict duplicates: %s",
            acr_status_name(st));
    }
    free(t.p);
    CHECKF(c.live == 0, "%lu bytes leaked", (unsigned long)c.live);
  }
}

/* ---- a huge list --------------------------------------------------------------- */

static void test_big_list(void) {
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  const size_t n = 1000000;
  text t = {NULL, 0, 0};
  acr_run *r;
  acr_runlist *l;
  acr_error err;
  acr_status st;
  double t0, t1, t2;
  PUTS(&t, "[{}");
  rep(&t, ",{}", n - 1);
  PUTS(&t, "]");
  t0 = test_now();
  st = decode(&t, 0, &a, &r, &l, &err);
  t1 = test_now();
  CHECKF(st == ACR_OK || st == ACR_ELIMIT, "%s: %s", acr_status_name(st),
        err.message);
  if (st == ACR_OK) {
    acr_buf b;
    CHECKF(l != NULL && l->n == n, "a list of %lu runs",
          l ? (unsigned long)l->n : 0ul);
    acr_buf_init(&b, &a);
    CHECKF(acr_json_encode_list(l, NULL, &b) == ACR_OK, "encode");
    t2 = test_now();
    CHECKF(b.len > 3 * n, "encoding of %lu bytes", (unsigned long)b.len);
    acr_buf_free(&b);
    fprintf(stderr,
            "  1,000,000 runs: decode %.2f s, encode %.2f s, peak %lu MB\n",
            t1 - t0, t2 - t1, (unsigned long)(c.peak >> 20));
  } else {
    fprintf(stderr, "  1,000,000 runs: %s (%.2f s)\n", err.message, t1 - t0);
  }
  acr_runlist_free(l);
  acr_run_release(r);
  free(t.p);
  CHECKF(c.live == 0, "%lu bytes leaked", (unsigned long)c.live);
}

int main(int argc, char **argv) {
  int quick = argc > 1 && strcmp(argv[1], "-q") == 0;
  double t0 = test_now();
  test_nesting();
  test_big_string();
  test_unknown_fields();
  if (!quick) test_big_list();
  fprintf(stderr, "  total %.1f s\n", test_now() - t0);
  return test_report("test_limits");
}

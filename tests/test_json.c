/* test_json.c -- the JSON reader and writer without Lua: every fixture,
 * round trips, JSONTestSuite conformance, error reports, shapes, profiles,
 * truncation at every byte, out-of-memory at every allocation.
 *
 *   test_json [FIXTURES_DIR]          (default tests/fixtures)
 */
#include "test.h"

#include "acr_internal.h"
#include "acr_json_lex.h"
#include "acr_json_read.h"

#include <dirent.h>

static test_counter CT;
static acr_allocator A = {test_alloc, &CT};

static void ct_reset(void) {
  CT.count = 0;
  CT.fail_at = 0;
}

/* ---- files --------------------------------------------------------------- */

static int cmpstr(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of dir ending in .json (caller frees). */
static char **list_dir(const char *dir, int *count) {
  DIR *d = opendir(dir);
  struct dirent *de;
  char **names = NULL;
  int n = 0, cap = 0;
  *count = 0;
  if (!d) return NULL;
  while ((de = readdir(d)) != NULL) {
    size_t l = strlen(de->d_name);
    if (l < 5 || strcmp(de->d_name + l - 5, ".json") != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      names = (char **)realloc(names, sizeof *names * (size_t)cap);
    }
    names[n] = (char *)malloc(l + 1);
    memcpy(names[n], de->d_name, l + 1);
    n++;
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmpstr);
  *count = n;
  return names;
}

static void free_names(char **names, int n) {
  int i;
  for (i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* ---- helpers ------------------------------------------------------------- */

static acr_status dec(const char *s, size_t n, int strict, acr_run **r,
                      acr_runlist **l, acr_error *e) {
  acr_decode_opts o;
  o.strict = strict;
  o.max_depth = 0;
  acr_err_clear(e);
  return acr_json_decode(s, n, &o, &A, r, l, e);
}

static acr_status decs(const char *s, int strict, acr_run **r,
                       acr_runlist **l, acr_error *e) {
  return dec(s, strlen(s), strict, r, l, e);
}

/* Encodes into a NUL-terminated malloc'd string (caller frees). */
static char *enc_run(const acr_run *r, acr_profile prof, const char *indent) {
  acr_buf b;
  acr_encode_opts o;
  char *s = NULL;
  o.profile = prof;
  o.indent = indent;
  o.shape = ACR_ENCODE_AS_READ;
  acr_buf_init(&b, &A);
  if (acr_json_encode_run(r, &o, &b) == ACR_OK) {
    s = (char *)malloc(b.len + 1);
    memcpy(s, b.p, b.len);
    s[b.len] = '\0';
  }
  acr_buf_free(&b);
  return s;
}

static char *enc_list(const acr_runlist *l, acr_profile prof,
                      const char *indent) {
  acr_buf b;
  acr_encode_opts o;
  char *s = NULL;
  o.profile = prof;
  o.indent = indent;
  o.shape = ACR_ENCODE_AS_READ;
  acr_buf_init(&b, &A);
  if (acr_json_encode_list(l, &o, &b) == ACR_OK) {
    s = (char *)malloc(b.len + 1);
    memcpy(s, b.p, b.len);
    s[b.len] = '\0';
  }
  acr_buf_free(&b);
  return s;
}

static const acr_field *F(const acr_type *t, const char *n) {
  return acr_type_field(t, n, strlen(n));
}

static int lists_equal(const acr_runlist *a, const acr_runlist *b) {
  size_t i;
  if (a->n != b->n) return 0;
  for (i = 0; i < a->n; i++)
    if (!acr_run_equal(a->runs[i], b->runs[i])) return 0;
  if (!a->nextLink != !b->nextLink) return 0;
  if (a->nextLink && (a->nextLink->len != b->nextLink->len ||
                      memcmp(a->nextLink->s, b->nextLink->s,
                             a->nextLink->len) != 0))
    return 0;
  return 1;
}

/* Every date-time of rec (recursively) formats to text found quoted in
 * src: the exact text survives decoding. */
static int datetimes_exact(const acr_type *t, const void *rec,
                           const char *src) {
  const acr_rechdr *h = (const acr_rechdr *)rec;
  uint8_t i;
  uint32_t j;
  for (i = 0; i < t->nfields; i++) {
    const acr_field *f = &t->fields[i];
    if (!(h->present & (1u << i))) continue;
    if (f->kind == ACR_K_DATETIME) {
      char buf[ACR_DATETIME_TEXT_MAX + 2];
      size_t n = acr_datetime_format((const acr_datetime *)ACR_SLOT(rec, f),
                                     buf + 1);
      buf[0] = '"';
      buf[n + 1] = '"';
      buf[n + 2] = '\0';
      if (!strstr(src, buf)) {
        fprintf(stderr, "date-time %s not in source\n", buf);
        return 0;
      }
    } else if (f->kind == ACR_K_RECORD) {
      if (!datetimes_exact(f->sub, *(void **)ACR_SLOT(rec, f), src)) return 0;
    } else if (f->kind == ACR_K_RECORD_LIST) {
      acr_list *l = *(acr_list **)ACR_SLOT(rec, f);
      for (j = 0; j < l->n; j++)
        if (!datetimes_exact(f->sub, l->items[j], src)) return 0;
    }
  }
  return 1;
}

static const char *unknown_get(const acr_list *u, const char *name) {
  uint32_t i;
  if (!u) return NULL;
  for (i = 0; i + 1 < u->n; i += 2)
    if (strcmp(((acr_str *)u->items[i])->s, name) == 0)
      return ((acr_str *)u->items[i + 1])->s;
  return NULL;
}

static char FIX[1024];

/* ---- fixtures: decode, round trip, exact date-times ---------------------- */

static void roundtrip_run(const char *name, const acr_run *r, const char *src) {
  static const char *const indents[] = {NULL, "  ", "\t"};
  int k;
  CHECKF(datetimes_exact(&acr_type_run, &r->rec, src), "%s", name);
  for (k = 0; k < 3; k++) {
    char *out = enc_run(r, ACR_PROFILE_FULL, indents[k]);
    acr_run *r2 = NULL;
    acr_runlist *l2 = NULL;
    acr_error e;
    CHECK(out != NULL);
    if (!out) continue;
    CHECKF(decs(out, 0, &r2, &l2, &e) == ACR_OK && r2 != NULL, "%s: %s", name,
           e.message);
    if (r2) {
      char *out2 = enc_run(r2, ACR_PROFILE_FULL, indents[k]);
      CHECKF(acr_run_equal(r, r2), "%s: round trip differs", name);
      CHECKF(r2->shape == (r->shape == ACR_SHAPE_BARE ? ACR_SHAPE_BARE
                                                      : ACR_SHAPE_ENVELOPE),
             "%s: shape", name);
      /* writing is deterministic: encode(decode(encode(x))) == encode(x) */
      CHECKF(out2 && strcmp(out, out2) == 0, "%s: second encode differs",
             name);
      free(out2);
    }
    acr_run_release(r2);
    acr_runlist_free(l2);
    free(out);
  }
}

static void test_fixture_dir(const char *sub) {
  char dir[1200], path[1400];
  char **names;
  int n, i;
  snprintf(dir, sizeof dir, "%s/%s", FIX, sub);
  names = list_dir(dir, &n);
  CHECKF(n > 0, "no fixtures in %s", dir);
  for (i = 0; i < n; i++) {
    size_t len;
    char *src;
    acr_run *r = NULL;
    acr_runlist *l = NULL;
    acr_error e;
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    src = test_read_text(path, &len);
    CHECK(src != NULL);
    if (!src) continue;
    CHECKF(dec(src, len, 0, &r, &l, &e) == ACR_OK, "%s: %s", names[i],
           e.message);
    CHECK((r != NULL) != (l != NULL));
    if (r) {
      roundtrip_run(names[i], r, src);
      /* every fixture run has a runId (task runs give their runResult) */
      CHECKF(r->rec.h.present & (1u << ACR_RUN_RUNID), "%s: no runId",
             names[i]);
    }
    if (l) {
      size_t j;
      char *out = enc_list(l, ACR_PROFILE_FULL, NULL);
      char *pretty = enc_list(l, ACR_PROFILE_FULL, "  ");
      acr_run *r2 = NULL;
      acr_runlist *l2 = NULL;
      CHECK(l->n > 0);
      for (j = 0; j < l->n; j++) {
        CHECKF(datetimes_exact(&acr_type_run, &l->runs[j]->rec, src), "%s",
               names[i]);
        CHECK(l->runs[j]->rec.h.present & (1u << ACR_RUN_RUNID));
      }
      CHECK(out && decs(out, 0, &r2, &l2, &e) == ACR_OK && l2 &&
            lists_equal(l, l2));
      acr_runlist_free(l2);
      l2 = NULL;
      CHECK(pretty && decs(pretty, 0, &r2, &l2, &e) == ACR_OK && l2 &&
            lists_equal(l, l2));
      acr_runlist_free(l2);
      free(out);
      free(pretty);
    }
    acr_run_release(r);
    acr_runlist_free(l);
    free(src);
  }
  free_names(names, n);
  CHECK(CT.live == 0);
}

/* Specific facts of some fixtures. */
static acr_run *load_run(const char *rel, int strict) {
  char path[1400];
  size_t len;
  char *src;
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  snprintf(path, sizeof path, "%s/%s", FIX, rel);
  src = test_read_text(path, &len);
  if (!src) return NULL;
  if (dec(src, len, strict, &r, &l, &e) != ACR_OK && !strict)
    fprintf(stderr, "%s: %s\n", rel, e.message);
  acr_runlist_free(l);
  free(src);
  return r;
}

static void test_fixture_facts(void) {
  acr_run *r;
  char *out;
  r = load_run("real-payloads/"
               "azure-cli_test_acr_task_2019-06-01-preview_get_run_queued_"
               "empty_platform.json",
               0);
  CHECK(r != NULL);
  if (r) {
    CHECK(r->rec.platform != NULL && r->rec.platform->h.present == 0);
    CHECK(r->rec.agentConfiguration != NULL);
    CHECK(r->shape == ACR_SHAPE_ENVELOPE && r->has_properties);
    out = enc_run(r, ACR_PROFILE_FULL, NULL);
    CHECK(out && strstr(out, "\"platform\":{}") &&
          strstr(out, "\"agentConfiguration\":{}"));
    free(out);
    out = enc_run(r, ACR_PROFILE_FULL, "  ");
    CHECK(out && strstr(out, "\"platform\": {}") &&
          strstr(out, "\"agentConfiguration\": {}"));
    free(out);
    acr_run_release(r);
  }
  /* task run, runResult inside properties (the schema's place) */
  r = load_run("real-payloads/"
               "azure-cli_test_acr_taskrun_2019-06-01-preview_get_taskrun_"
               "2020.json",
               0);
  CHECK(r && r->rec.runId && strcmp(r->rec.runId->s, "cf1") == 0);
  CHECK(r && r->rec.name && strcmp(r->rec.name->s, "cf1") == 0);
  CHECK(r && !(r->rec.h.present & (1u << ACR_RUN_SYSTEMDATA)));
  CHECK(r && r->env_unknown == NULL && r->rec.h.unknown == NULL);
  acr_run_release(r);
  /* the same in strict mode: the TaskRun's own keys are not errors */
  r = load_run("real-payloads/"
               "azure-cli_test_acr_taskrun_2019-06-01-preview_get_taskrun_"
               "2020.json",
               1);
  CHECK(r && r->rec.runId && strcmp(r->rec.runId->s, "cf1") == 0);
  acr_run_release(r);
  /* runResult beside properties (the 2019-06-01-preview quirk) */
  r = load_run("spec-examples/2019-06-01-preview_TaskRuns_Get.json", 0);
  CHECK(r && r->rec.runId && strcmp(r->rec.runId->s, "yd1") == 0);
  CHECK(r && r->rec.platform &&
        r->rec.platform->os.code == ACR_OS_LINUX); /* "linux" */
  acr_run_release(r);
  r = load_run("spec-examples/2019-06-01-preview_TaskRuns_Get.json", 1);
  CHECK(r && r->rec.runId && strcmp(r->rec.runId->s, "yd1") == 0);
  acr_run_release(r);
  /* osType quirk kept as unknown fields of platform */
  r = load_run("spec-examples/2018-09-01_Runs_Update_200.json", 0);
  CHECK(r && r->rec.platform &&
        unknown_get(r->rec.platform->h.unknown, "osType") &&
        strcmp(unknown_get(r->rec.platform->h.unknown, "osType"),
               "\"Linux\"") == 0);
  acr_run_release(r);
  r = load_run("spec-examples/2018-09-01_Runs_Update_200.json", 1);
  CHECK(r == NULL);
  /* explicit nulls: absent */
  r = load_run("real-payloads/"
               "azure-cli_test_acr_task_2018-09-01_scheduleRun_queued.json",
               0);
  CHECK(r && !(r->rec.h.present & (1u << ACR_RUN_RUNTYPE)) &&
        !(r->rec.h.present & (1u << ACR_RUN_PLATFORM)) &&
        (r->rec.h.present & (1u << ACR_RUN_ISARCHIVEENABLED)));
  acr_run_release(r);
  CHECK(CT.live == 0);
}

/* ---- JSONTestSuite ------------------------------------------------------- */

/* n_ files whose only fault is nesting beyond any sane limit: rejected as
 * ELIMIT before the (missing) end is reached. */
static int too_deep_file(const char *name) {
  return strcmp(name, "n_structure_100000_opening_arrays.json") == 0 ||
         strcmp(name, "n_structure_open_array_object.json") == 0;
}

static void test_jsontestsuite(void) {
  char dir[1200], path[1400];
  char **names;
  int n, i, ny = 0, nn = 0;
  snprintf(dir, sizeof dir, "%s/jsontestsuite", FIX);
  names = list_dir(dir, &n);
  CHECKF(n > 0, "no files in %s", dir);
  for (i = 0; i < n; i++) {
    size_t len, wlen;
    char *src, *w;
    acr_run *r = NULL;
    acr_runlist *l = NULL;
    acr_error e;
    acr_status st;
    acr_buf mini;
    static const char pre[] = "{\"runId\":\"x\",\"extra\": ";
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    src = test_read_text(path, &len);
    if (!src) continue;
    wlen = sizeof pre - 1 + len + 1;
    w = (char *)malloc(wlen);
    memcpy(w, pre, sizeof pre - 1);
    memcpy(w + sizeof pre - 1, src, len);
    w[wlen - 1] = '}';
    acr_buf_init(&mini, &A);
    if (names[i][0] == 'y') {
      ny++;
      st = acr_json_validate(src, len, 0, &mini, &e);
      CHECKF(st == ACR_OK, "%s: %s", names[i], e.message);
      st = dec(w, wlen, 0, &r, &l, &e);
      CHECKF(st == ACR_OK && r, "%s: %s", names[i], e.message);
      if (r) {
        const char *x = unknown_get(r->rec.h.unknown, "extra");
        char *out;
        acr_run *r2 = NULL;
        acr_runlist *l2 = NULL;
        CHECKF(x && strlen(x) <= mini.len && memcmp(x, mini.p, mini.len) == 0,
               "%s: stored %s", names[i], x ? x : "(none)");
        /* the minified text is valid JSON and a fixed point */
        {
          acr_buf m2;
          acr_buf_init(&m2, &A);
          CHECK(acr_json_validate(mini.p, mini.len, 0, &m2, &e) == ACR_OK &&
                m2.len == mini.len && memcmp(m2.p, mini.p, m2.len) == 0);
          acr_buf_free(&m2);
        }
        out = enc_run(r, ACR_PROFILE_FULL, "  ");
        CHECKF(out && decs(out, 0, &r2, &l2, &e) == ACR_OK && r2 &&
                   acr_run_equal(r, r2),
               "%s: pretty round trip", names[i]);
        acr_run_release(r2);
        free(out);
      }
      /* strict: an unknown field */
      acr_run_release(r);
      r = NULL;
      CHECK(dec(w, wlen, 1, &r, &l, &e) == ACR_ESCHEMA);
    } else if (names[i][0] == 'n') {
      acr_status want = too_deep_file(names[i]) ? ACR_ELIMIT : ACR_ESYNTAX;
      nn++;
      st = acr_json_validate(src, len, 0, &mini, &e);
      CHECKF(st == want, "%s: validate gave %d", names[i], st);
      st = dec(w, wlen, 0, &r, &l, &e);
      CHECKF(st == want && !r && !l, "%s: wrapped gave %d", names[i], st);
      st = dec(src, len, 0, &r, &l, &e);
      CHECKF(st == want && !r && !l, "%s: alone gave %d (%s)", names[i], st,
             e.message);
      if (too_deep_file(names[i])) { /* one limit: it cannot be raised */
        acr_decode_opts o;
        o.strict = 0;
        o.max_depth = 1000000;
        st = acr_json_decode(w, wlen, &o, &A, &r, &l, &e);
        CHECKF(st == ACR_ELIMIT, "%s: deep gave %d", names[i], st);
        CHECK(acr_json_validate(src, len, 1000000, NULL, &e) == ACR_ELIMIT);
      }
      CHECK(e.message[0] != '\0' && strchr(e.message, '\n') == NULL);
    }
    acr_run_release(r);
    acr_runlist_free(l);
    acr_buf_free(&mini);
    free(w);
    free(src);
  }
  CHECK(ny > 90 && nn > 100);
  free_names(names, n);
  CHECK(CT.live == 0);
}

/* ---- error reports ------------------------------------------------------- */

static void expect_err(const char *text, int strict, acr_status kind,
                       const char *path, long line, long col,
                       const char *msgpart) {
  acr_run *r = (acr_run *)1;
  acr_runlist *l = (acr_runlist *)1;
  acr_error e;
  acr_status st = decs(text, strict, &r, &l, &e);
  CHECKF(st == kind, "%s: got %d (%s)", text, st, e.message);
  CHECK(r == NULL && l == NULL);
  CHECK(e.kind == kind);
  if (path) CHECKF(strcmp(e.path, path) == 0, "path '%s' != '%s'", e.path, path);
  if (line) CHECKF(e.line == line && e.column == col,
                   "at %ld:%ld, want %ld:%ld (%s)", e.line, e.column, line,
                   col, e.message);
  if (msgpart) { /* the display text: path, reason, position */
    char shown[ACR_PATH_MAX + ACR_MSG_MAX + 64];
    acr_error_format(&e, shown, sizeof shown);
    CHECKF(strstr(shown, msgpart) != NULL, "message '%s' lacks '%s'", shown,
           msgpart);
  }
  /* errors are data: the message is the reason, the position beside it */
  CHECKF(strstr(e.message, " at line ") == NULL, "%s", e.message);
  CHECK(strchr(e.message, '\n') == NULL);
}

static void test_errors(void) {
  expect_err("{\n  \"properties\": {\n    \"runId\": \"a\",\n"
             "    \"status\": \"Bogus\"\n  }\n}",
             1, ACR_ESCHEMA, "properties.status", 4, 15,
             "properties.status: invalid value \"Bogus\" for RunStatus "
             "(expected one of Queued, Started, Running, Succeeded, Failed, "
             "Canceled, Error, Timeout) at line 4, column 15");
  expect_err("{\"value\":[{\"runId\":\"a\"},{\"runId\":\"b\"},\n"
             "{\"properties\":{\"status\":\"Bogus\"}}]}",
             1, ACR_ESCHEMA, "value[3].properties.status", 2, 25, NULL);
  expect_err("[{},{\"status\":\"Bogus\"}]", 1, ACR_ESCHEMA, "[2].status", 1,
             15, NULL);
  expect_err("{\"createTime\": \"2018-13-01T00:00:00Z\"}", 0, ACR_ESCHEMA,
             "createTime", 1, 16, "invalid date-time");
  expect_err("{\"createTime\": \"yesterday\"}", 0, ACR_ESCHEMA, "createTime",
             1, 16,
             "createTime: invalid date-time \"yesterday\": expected 4-digit "
             "year at character 1 at line 1, column 16");
  expect_err("{\"properties\":{\"imageUpdateTrigger\":{\"timestamp\":\"x\"}}}",
             0, ACR_ESCHEMA, "properties.imageUpdateTrigger.timestamp", 0, 0,
             NULL);
  expect_err("{\"runId\": 5}", 0, ACR_ESCHEMA, "runId", 1, 11,
             "runId: expected a string, found a number at line 1, column 11");
  expect_err("{\"isArchiveEnabled\": \"yes\"}", 0, ACR_ESCHEMA,
             "isArchiveEnabled", 1, 22, "expected a boolean, found a string");
  expect_err("{\"platform\": []}", 0, ACR_ESCHEMA, "platform", 1, 14,
             "expected an object, found an array");
  expect_err("{\"outputImages\": {}}", 0, ACR_ESCHEMA, "outputImages", 1, 18,
             "expected an array, found an object");
  expect_err("{\"outputImages\": [{}, 5]}", 0, ACR_ESCHEMA, "outputImages[2]",
             1, 23, "expected an object, found a number");
  expect_err("{\"customRegistries\": [\"a\", null]}", 0, ACR_ESCHEMA,
             "customRegistries[2]", 1, 28, "expected a string, found null");
  expect_err("{\"agentConfiguration\": {\"cpu\": 2.5}}", 0, ACR_ESCHEMA,
             "agentConfiguration.cpu", 1, 32,
             "expected an integer, found 2.5");
  expect_err("{\"agentConfiguration\": {\"cpu\": 1e10}}", 0, ACR_ESCHEMA,
             "agentConfiguration.cpu", 1, 32, "out of the int32 range");
  expect_err("{\"agentConfiguration\": {\"cpu\": -2147483649}}", 0,
             ACR_ESCHEMA, "agentConfiguration.cpu", 0, 0, NULL);
  expect_err("{\"agentConfiguration\": {\"cpu\": 2147483648}}", 0,
             ACR_ESCHEMA, "agentConfiguration.cpu", 0, 0, NULL);
  expect_err("{\"agentConfiguration\": {\"cpu\": \"2\"}}", 0, ACR_ESCHEMA,
             "agentConfiguration.cpu", 0, 0,
             "expected an integer, found a string");
  expect_err("{\"agentConfiguration\": {\"cpu\": 0.1e1000000000000}}", 0,
             ACR_ESCHEMA, "agentConfiguration.cpu", 0, 0, NULL);
  expect_err("{\"agentConfiguration\": {\"cpu\": 1e-1}}", 0, ACR_ESCHEMA,
             "agentConfiguration.cpu", 0, 0, NULL);
  expect_err("{\"runId\": \"\\uD800\"}", 0, ACR_ESYNTAX, "runId", 1, 12,
             "lone surrogate");
  expect_err("{\"runId\": \"\\uDC00\\uD800\"}", 0, ACR_ESYNTAX, NULL, 1, 12,
             "lone surrogate");
  expect_err("{\"runId\": \"ab\xC3\x28\"}", 0, ACR_ESYNTAX, "runId", 1, 14,
             "runId: invalid UTF-8 in string at line 1, column 14");
  expect_err("{\"runId\": \"\xC0\xAF\"}", 0, ACR_ESYNTAX, NULL, 1, 12,
             "invalid UTF-8"); /* overlong */
  expect_err("{\"runId\": \"\xED\xA0\x80\"}", 0, ACR_ESYNTAX, NULL, 1, 12,
             "invalid UTF-8"); /* surrogate in UTF-8 */
  expect_err("{\"runId\": \"\xF4\x90\x80\x80\"}", 0, ACR_ESYNTAX, NULL, 1, 12,
             "invalid UTF-8"); /* > U+10FFFF */
  expect_err("{\"runId\": \"\xE2\x82\"}", 0, ACR_ESYNTAX, NULL, 1, 12,
             "invalid UTF-8"); /* truncated */
  expect_err("{\"runId\": \"a\tb\"}", 0, ACR_ESYNTAX, NULL, 1, 13,
             "control character");
  expect_err("{\n  \"runId\": \"x\"\n  x}", 0, ACR_ESYNTAX, NULL, 3, 3,
             "runId: expected ',' or '}' after object member, found 'x' at "
             "line 3, column 3");
  /* a byte-order mark is dropped at the very start only */
  expect_err(" \xEF\xBB\xBF{}", 0, ACR_ESYNTAX, NULL, 1, 2, "byte 0xEF");
  {
    acr_run *r = NULL;
    acr_runlist *l = NULL;
    acr_error e;
    CHECK(decs("\xEF\xBB\xBF{\"runId\": \"a\"}", 0, &r, &l, &e) == ACR_OK);
    CHECK(r != NULL && l == NULL);
    acr_run_release(r);
  }
  /* several documents: each where the one before ended, then the end */
  {
    static const char text[] =
        "\xEF\xBB\xBF{\"runId\": \"a\"}[{\"runId\": \"b\"}]\n\n"
        "{\"runId\": 5}";
    size_t pos = 0, len = sizeof text - 1;
    acr_run *r = NULL;
    acr_runlist *l = NULL;
    acr_error e;
    CHECK(acr_json_decode_next(text, len, &pos, NULL, &A, &r, &l, &e) ==
          ACR_OK);
    CHECK(r != NULL && l == NULL && pos == 17);
    acr_run_release(r);
    CHECK(acr_json_decode_next(text, len, &pos, NULL, &A, &r, &l, &e) ==
          ACR_OK);
    CHECK(r == NULL && l != NULL && pos == 35);
    acr_runlist_free(l);
    CHECK(acr_json_decode_next(text, len, &pos, NULL, &A, &r, &l, &e) ==
          ACR_ESCHEMA);
    CHECK(r == NULL && l == NULL && pos == 35);
    CHECKF(e.line == 3 && e.column == 11 && e.offset == 45, "at %ld:%ld +%ld",
           e.line, e.column, e.offset);
    pos = 14; /* inside the first document: its tail is not JSON */
    CHECK(acr_json_decode_next(text, len, &pos, NULL, &A, &r, &l, &e) ==
          ACR_ESYNTAX);
    pos = len;
    CHECK(acr_json_decode_next(text, len, &pos, NULL, &A, &r, &l, &e) ==
          ACR_OK);
    CHECK(r == NULL && l == NULL && pos == len);
    pos = 0;
    CHECK(acr_json_decode_next(" \n\t", 3, &pos, NULL, &A, &r, &l, &e) ==
          ACR_OK);
    CHECK(r == NULL && l == NULL && pos == 3);
    CHECK(acr_json_decode_next(text, len, NULL, NULL, &A, &r, &l, &e) ==
          ACR_EMISUSE);
  }
  expect_err("", 0, ACR_ESYNTAX, "", 1, 1, "found end of input");
  expect_err("  \n ", 0, ACR_ESYNTAX, "", 2, 2, NULL);
  expect_err("5", 0, ACR_ESCHEMA, "", 1, 1, "found a number");
  expect_err("5 x", 0, ACR_ESYNTAX, "", 1, 3, NULL);
  expect_err("{} {}", 0, ACR_ESYNTAX, "", 1, 4, "end of input");
  /* a syntax error after a schema error wins */
  expect_err("{\"runId\": 5, \"x\": tru}", 0, ACR_ESYNTAX, NULL, 1, 19, NULL);
  expect_err("{\"runId\": 5, \"x\": 1}  ]", 0, ACR_ESYNTAX, NULL, 1, 23,
             NULL);
  /* strict: unknown fields and duplicates */
  expect_err("{\"runID\": \"a\"}", 1, ACR_ESCHEMA, "runID", 1, 2,
             "unknown field \"runID\" in Run (did you mean \"runId\"?)");
  expect_err("{\"properties\":{\"platform\":{\"osType\":\"Linux\"}}}", 1,
             ACR_ESCHEMA, "properties.platform.osType", 1, 28,
             "in PlatformProperties");
  expect_err("{\"runId\": \"a\", \"runId\": \"b\"}", 1, ACR_ESCHEMA, "runId",
             1, 16, "duplicate key \"runId\"");
  expect_err("{\"value\": [], \"nextLink\": \"a\", \"odata\": 1}", 1,
             ACR_ESCHEMA, "odata", 1, 32, "in RunListResult");
  expect_err("{\"nextLink\": 5, \"value\": []}", 0, ACR_ESCHEMA, "nextLink",
             1, 14, "expected a string");
  /* depth */
  {
    size_t n = 100000, i;
    char *deep = (char *)malloc(n * 2 + 64);
    char *q = deep;
    acr_run *r;
    acr_runlist *l;
    acr_error e;
    acr_decode_opts o;
    q += sprintf(q, "{\"runId\":\"x\",\"extra\":");
    for (i = 0; i < n; i++) *q++ = '[';
    for (i = 0; i < n; i++) *q++ = ']';
    *q++ = '}';
    CHECK(dec(deep, (size_t)(q - deep), 0, &r, &l, &e) == ACR_ELIMIT);
    CHECKF(strstr(e.message, "nesting deeper than 512") != NULL, "%s",
           e.message);
    CHECK(e.line == 1 && e.column == 21 + 512 && strcmp(e.path, "extra") == 0);
    /* one limit for the library: max_depth lowers it, never raises it */
    o.strict = 0;
    o.max_depth = 200000;
    CHECK(acr_json_decode(deep, (size_t)(q - deep), &o, &A, &r, &l, &e) ==
              ACR_ELIMIT && !r);
    CHECKF(strstr(e.message, "nesting deeper than 512") != NULL, "%s",
           e.message);
    CHECK(dec(deep + 21, n * 2, 0, &r, &l, &e) == ACR_ELIMIT);
    /* 511 arrays inside the run object: depth 512, allowed */
    q = deep;
    q += sprintf(q, "{\"runId\":\"d\",\"x\":");
    for (i = 0; i < 511; i++) *q++ = '[';
    for (i = 0; i < 511; i++) *q++ = ']';
    *q++ = '}';
    CHECK(dec(deep, (size_t)(q - deep), 0, &r, &l, &e) == ACR_OK);
    acr_run_release(r);
    deep[18] = '{'; /* "x":{[[... -> object at 2, arrays up to 513 */
    CHECK(dec(deep, (size_t)(q - deep), 0, &r, &l, &e) == ACR_ESYNTAX ||
          e.kind == ACR_ELIMIT);
    free(deep);
  }
  CHECK(CT.live == 0);
}

/* Every proper prefix of a document is an error, and never a crash. */
static void test_truncation(void) {
  static const char *const files[] = {
      "spec-examples/2019-06-01-preview_Runs_Get.json",
      "spec-examples/2019-06-01-preview_TaskRuns_List.json",
      ("real-payloads/azure-cli_test_acr_task_2019-06-01-preview_update_run_"
       "patch_2020.json"),
      "real-payloads/azure-cli_test_acr_task_2019-04-01_list_runs.json"};
  size_t k;
  for (k = 0; k < sizeof files / sizeof *files; k++) {
    char path[1400];
    size_t len, cut;
    char *src;
    int bad = 0;
    snprintf(path, sizeof path, "%s/%s", FIX, files[k]);
    src = test_read_text(path, &len);
    CHECK(src != NULL);
    if (!src) continue;
    while (len > 0 && (src[len - 1] == '\n' || src[len - 1] == ' ' ||
                       src[len - 1] == '\r'))
      len--;
    for (cut = 0; cut < len; cut++) {
      char *t = (char *)malloc(cut ? cut : 1); /* exact size: ASan sees overreads */
      acr_run *r;
      acr_runlist *l;
      acr_error e;
      acr_status st;
      memcpy(t, src, cut);
      st = dec(t, cut, 0, &r, &l, &e);
      if (st == ACR_OK || r || l || (st != ACR_ESYNTAX)) bad++;
      st = dec(t, cut, 1, &r, &l, &e);
      if (st == ACR_OK || r || l) bad++;
      free(t);
    }
    CHECKF(bad == 0, "%s: %d prefixes misjudged", files[k], bad);
    free(src);
  }
  CHECK(CT.live == 0);
}

/* ---- shapes -------------------------------------------------------------- */

static void test_shapes(void) {
  acr_run *r;
  acr_runlist *l;
  acr_error e;
  char *out;
  /* RunListResult with nextLink and an unknown key */
  CHECK(decs("{\"value\":[{\"runId\":\"a\"},{\"properties\":{\"runId\":\"b\"}}],"
             "\"nextLink\":\"https://x/runs?$skiptoken=1\",\"odata\":{\"a\": "
             "[1, 2]}}",
             0, &r, &l, &e) == ACR_OK);
  CHECK(r == NULL && l && l->n == 2);
  if (l) {
    CHECK(l->nextLink && strcmp(l->nextLink->s, "https://x/runs?$skiptoken=1") == 0);
    CHECK(unknown_get(l->unknown, "odata") &&
          strcmp(unknown_get(l->unknown, "odata"), "{\"a\":[1,2]}") == 0);
    CHECK(l->runs[0]->shape == ACR_SHAPE_BARE &&
          l->runs[1]->shape == ACR_SHAPE_ENVELOPE);
    out = enc_list(l, ACR_PROFILE_FULL, NULL);
    CHECKF(out && strcmp(out, "{\"value\":[{\"runId\":\"a\"},{\"properties\":{"
                             "\"runId\":\"b\"}}],\"nextLink\":\"https://x/"
                             "runs?$skiptoken=1\",\"odata\":{\"a\":[1,2]}}") ==
                      0,
           "%s", out);
    free(out);
    out = enc_list(l, ACR_PROFILE_FULL, "  ");
    CHECKF(out && strcmp(out, "{\n  \"value\": [\n    {\n      \"runId\": \"a\"\n"
                             "    },\n    {\n      \"properties\": {\n        "
                             "\"runId\": \"b\"\n      }\n    }\n  ],\n  "
                             "\"nextLink\": \"https://x/runs?$skiptoken=1\",\n"
                             "  \"odata\": {\n    \"a\": [\n      1,\n      2\n"
                             "    ]\n  }\n}") == 0,
           "%s", out);
    free(out);
    acr_runlist_free(l);
  }
  /* keys before "value": read again as a list */
  CHECK(decs("{\"nextLink\":\"n\",\"status\":\"Bogus\",\"value\":[{\"runId\":\"a\"}]}",
             0, &r, &l, &e) == ACR_OK && l && l->n == 1 && l->nextLink &&
        unknown_get(l->unknown, "status"));
  acr_runlist_free(l);
  CHECK(decs("{\"odata\":1,\"value\":[{\"runId\":\"a\"}]}", 1, &r, &l, &e) ==
        ACR_ESCHEMA && strcmp(e.path, "odata") == 0);
  CHECK(decs("{\"nextLink\":\"n\",\"value\":[]}", 1, &r, &l, &e) == ACR_OK &&
        l && l->n == 0);
  acr_runlist_free(l);
  /* "value" that is not an array: an unknown field of a run... */
  CHECK(decs("{\"runId\":\"a\",\"value\":5}", 0, &r, &l, &e) == ACR_OK &&
        r && unknown_get(r->rec.h.unknown, "value"));
  acr_run_release(r);
  /* ...and alone, not a run at all (issue 11) */
  CHECK(decs("{\"value\":5}", 0, &r, &l, &e) == ACR_ESCHEMA && !r && !l);
  /* bare array */
  CHECK(decs(" [ {\"runId\":\"a\"} , {\"runId\":\"b\",\"id\":\"/x\"} ] ", 0, &r,
             &l, &e) == ACR_OK && l && l->n == 2 && !l->nextLink);
  if (l) {
    CHECK(l->runs[1]->shape == ACR_SHAPE_FLAT);
    acr_runlist_free(l);
  }
  CHECK(decs("[]", 0, &r, &l, &e) == ACR_OK && l && l->n == 0);
  acr_runlist_free(l);
  /* task runs, both shapes, and in a list */
  CHECK(decs("{\"type\":\"t\",\"properties\":{\"provisioningState\":\"Succeeded\","
             "\"runRequest\":{\"type\":\"X\"}},\"runResult\":{\"properties\":{"
             "\"runId\":\"r1\"},\"name\":\"r1\"},\"location\":\"w\"}",
             1, &r, &l, &e) == ACR_OK && r && r->rec.runId &&
        strcmp(r->rec.runId->s, "r1") == 0 &&
        !(r->rec.h.present & (1u << ACR_RUN_PROVISIONINGSTATE)) &&
        !r->env_unknown);
  acr_run_release(r);
  CHECK(decs("{\"properties\":{\"runResult\":{\"runId\":\"r2\"},\"forceUpdateTag\":"
             "\"x\"},\"identity\":{\"type\":\"None\"}}",
             0, &r, &l, &e) == ACR_OK && r && r->rec.runId &&
        strcmp(r->rec.runId->s, "r2") == 0 && r->shape == ACR_SHAPE_BARE &&
        !r->rec.h.unknown);
  acr_run_release(r);
  CHECK(decs("{\"value\":[{\"runResult\":{\"runId\":\"a\"}},{\"runId\":\"b\"}]}",
             1, &r, &l, &e) == ACR_OK && l && l->n == 2 &&
        strcmp(l->runs[0]->rec.runId->s, "a") == 0);
  acr_runlist_free(l);
  /* errors inside runResult are reported with their path */
  expect_err("{\"x\":1,\"runResult\":{\"properties\":{\"status\":\"Bogus\"}}}", 1,
             ACR_ESCHEMA, "runResult.properties.status", 1, 44, NULL);
  /* a TaskRun's non-Run parts are only checked to be JSON */
  expect_err("{\"runRequest\":{\"a\":tru},\"runResult\":{}}", 1, ACR_ESYNTAX,
             NULL, 0, 0, NULL);
  /* runResult that is not an object: an ordinary unknown field */
  CHECK(decs("{\"runResult\":null,\"runId\":\"a\"}", 0, &r, &l, &e) == ACR_OK &&
        r && unknown_get(r->rec.h.unknown, "runResult"));
  acr_run_release(r);
  /* Azure CLI flat shape */
  CHECK(decs("{\"id\":\"/s/x\",\"name\":\"cf2\",\"runId\":\"cf2\",\"status\":"
             "\"succeeded\",\"resourceGroup\":\"rg\",\"type\":\"t\"}",
             0, &r, &l, &e) == ACR_OK && r);
  if (r) {
    CHECK(r->shape == ACR_SHAPE_FLAT && !r->has_properties);
    CHECK(r->rec.h.unknown == NULL &&
          strcmp(unknown_get(r->env_unknown, "resourceGroup"), "\"rg\"") == 0);
    CHECK(r->rec.status.code == ACR_RUNSTATUS_SUCCEEDED);
    /* written back in the shape it came in (issue 11) */
    out = enc_run(r, ACR_PROFILE_FULL, NULL);
    CHECKF(out && strcmp(out, "{\"id\":\"/s/x\",\"name\":\"cf2\",\"type\":\"t\","
                             "\"runId\":\"cf2\",\"status\":\"succeeded\","
                             "\"resourceGroup\":\"rg\"}") == 0,
           "%s", out);
    free(out);
    out = enc_run(r, ACR_PROFILE_REQUEST, NULL);
    CHECKF(out && strcmp(out, "{\"runId\":\"cf2\",\"status\":\"succeeded\"}") ==
                      0,
           "%s", out);
    free(out);
    acr_run_release(r);
  }
  /* envelope: unknown keys at both levels */
  CHECK(decs("{\"location\":\"w\",\"properties\":{\"runId\":\"a\",\"x\":[ 1 ,"
             "{ \"k\" : \"v \\\" \" } ]},\"id\":\"i\"}",
             0, &r, &l, &e) == ACR_OK && r);
  if (r) {
    CHECK(r->shape == ACR_SHAPE_ENVELOPE && r->has_properties);
    CHECK(strcmp(unknown_get(r->env_unknown, "location"), "\"w\"") == 0);
    CHECK(strcmp(unknown_get(r->rec.h.unknown, "x"),
                 "[1,{\"k\":\"v \\\" \"}]") == 0);
    out = enc_run(r, ACR_PROFILE_FULL, NULL);
    CHECKF(out && strcmp(out, "{\"id\":\"i\",\"properties\":{\"runId\":\"a\","
                             "\"x\":[1,{\"k\":\"v \\\" \"}]},\"location\":"
                             "\"w\"}") == 0,
           "%s", out);
    free(out);
    acr_run_release(r);
  }
  /* "properties": {} is a present, empty properties object */
  CHECK(decs("{\"properties\":{}}", 0, &r, &l, &e) == ACR_OK && r &&
        r->shape == ACR_SHAPE_ENVELOPE && r->has_properties);
  out = r ? enc_run(r, ACR_PROFILE_FULL, NULL) : NULL;
  CHECK(out && strcmp(out, "{\"properties\":{}}") == 0);
  free(out);
  acr_run_release(r);
  /* bare: unknown keys belong to the properties level */
  CHECK(decs("{\"runId\":\"a\",\"zzz\":true}", 0, &r, &l, &e) == ACR_OK && r &&
        r->shape == ACR_SHAPE_BARE && !r->env_unknown &&
        unknown_get(r->rec.h.unknown, "zzz"));
  acr_run_release(r);
  /* "properties" must be an object (or null: absent); the last one wins */
  expect_err("{\"properties\": \"x\"}", 0, ACR_ESCHEMA, "properties", 1, 16,
             "expected an object, found a string");
  CHECK(decs("{\"properties\":null,\"runId\":\"a\"}", 0, &r, &l, &e) ==
            ACR_OK &&
        r && r->shape == ACR_SHAPE_BARE && !r->has_properties);
  acr_run_release(r);
  CHECK(decs("{\"properties\":{\"runId\":\"a\",\"q\":1},\"properties\":{"
             "\"task\":\"t\"}}",
             0, &r, &l, &e) == ACR_OK &&
        r && !r->rec.runId && r->rec.task && !r->rec.h.unknown);
  acr_run_release(r);
  expect_err("{\"properties\":{},\"properties\":{}}", 1, ACR_ESCHEMA,
             "properties", 1, 18, "duplicate key");
  /* a task run drops the schema errors of its own members, never a
   * duplicate key (fuzz_json: strict kept the first runResult, plain the
   * last) */
  expect_err("{\"runResult\":{\"runId\":\"a\"},\"runResult\":{}}", 1,
             ACR_ESCHEMA, "runResult", 1, 28, "duplicate key \"runResult\"");
  expect_err("{\"properties\":{\"runResult\":{}},\"properties\":{}}", 1,
             ACR_ESCHEMA, "properties", 1, 32, "duplicate key \"properties\"");
  expect_err("{\"runResult\":{},\"provisioningState\":\"x\","
             "\"provisioningState\":\"y\"}",
             1, ACR_ESCHEMA, "provisioningState", 1, 41, "duplicate key");
  CHECK(decs("{}", 0, &r, &l, &e) == ACR_OK && r && r->shape == ACR_SHAPE_BARE);
  out = r ? enc_run(r, ACR_PROFILE_FULL, "  ") : NULL;
  CHECK(out && strcmp(out, "{}") == 0);
  free(out);
  acr_run_release(r);
  CHECK(CT.live == 0);
}

/* Strict mode: a duplicate among a task run's own members that are no
 * field of a Run (nor "properties", "runResult") was dropped with their
 * unknown-field errors; it is refused at its second occurrence, and only
 * within one object.  Plain decode keeps the task run's text as it came. */
static acr_status decode_once(const char *doc, int strict, acr_run **r,
                              acr_runlist **l, acr_error *e, int line);
static void test_strict_dup_taskrun(void) {
  static const struct {
    const char *doc;
    const char *path;
    long line, col;
    const char *msg;
  } dups[] = {
      {"{\"location\":\"a\",\"location\":\"b\",\"runResult\":{\"properties\":"
       "{\"runId\":\"x\",\"status\":\"Succeeded\"}}}",
       "location", 1, 17, "duplicate key \"location\""},
      /* after the runResult */
      {"{\"identity\":{},\"runResult\":{\"runId\":\"x\"},\"identity\":null}",
       "identity", 1, 42, "duplicate key \"identity\""},
      /* in the task run's "properties" (an envelope field's name is no
       * field there either) */
      {"{\"properties\":{\"runRequest\":1,\"forceUpdateTag\":\"t\","
       "\"runRequest\":2,\"runResult\":{\"runId\":\"x\"}}}",
       "properties.runRequest", 1, 52, "duplicate key \"runRequest\""},
      {"{\"properties\":{\"location\":1,\"runResult\":{},\"location\":2}}",
       "properties.location", 1, 44, "duplicate key \"location\""},
      /* the same name written with and without escapes */
      {"{\"zz\":1,\"z\\u007a\":2,\"runResult\":{}}", "zz", 1, 9,
       "duplicate key \"zz\""},
      /* in a field's record among the task run's own members */
      {"{\"platform\":{\"q\":1,\"os\":\"Linux\",\"q\":2},\"runResult\":{}}",
       "platform.q", 1, 33, "duplicate key \"q\""},
      /* a "runResult" that is no object, after the one that is */
      {"{\"runResult\":{\"runId\":\"x\"},\"runResult\":1}", "runResult", 1,
       28, "duplicate key \"runResult\""},
      /* the second one's line and column */
      {"{\"name\":\"t\",\n  \"x\":1,\n  \"runResult\":{},\n  \"x\":2}", "x",
       4, 3, "duplicate key \"x\""},
      /* a nested object's names are its own: gone when it ends, so the
       * second "b" is no duplicate and the second "a" is */
      {"{\"a\":1,\"runResult\":{\"b\":1,\"runResult\":{\"runId\":\"x\"}},"
       "\"b\":2,\"a\":3}",
       "a", 1, 60, "duplicate key \"a\""},
      {"{\"\\u0061\":1,\"runResult\":{\"\\u0062\":1,\"runResult\":{}},"
       "\"\\u0063\":2,\"a\":3}",
       "a", 1, 64, "duplicate key \"a\""},
  };
  static const char *const fine[] = {
      /* one of each name per object */
      "{\"a\":1,\"properties\":{\"a\":2,\"runResult\":{\"a\":3,\"runResult\":"
      "{\"runId\":\"x\"}}},\"b\":1}",
      "{\"a\":1,\"runResult\":{\"b\":1,\"runResult\":{\"runId\":\"x\"}},"
      "\"b\":2}",
      "{\"\":1,\"runResult\":{\"runId\":\"x\"},\"c\":{\"\":1,\"\":2}}",
  };
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  size_t i;
  for (i = 0; i < sizeof dups / sizeof dups[0]; i++) {
    char *out;
    expect_err(dups[i].doc, 1, ACR_ESCHEMA, dups[i].path, dups[i].line,
               dups[i].col, dups[i].msg);
    CHECKF(decode_once(dups[i].doc, 1, &r, &l, &e, __LINE__) ==
               ACR_ESCHEMA,
           "case %zu", i);
    CHECKF(e.offset >= 0 &&
               dups[i].doc[e.offset] == '"', /* the name's quote */
           "case %zu: offset %ld", i, e.offset);
    /* plain: the last wins, the task run's text as it came */
    CHECKF(decs(dups[i].doc, 0, &r, &l, &e) == ACR_OK && r && r->taskrun,
           "case %zu: %s", i, e.message);
    out = r ? enc_run(r, ACR_PROFILE_FULL, NULL) : NULL;
    if (strchr(dups[i].doc, '\n') == NULL)
      CHECKF(out && strcmp(out, dups[i].doc) == 0, "case %zu: %s", i, out);
    free(out);
    acr_run_release(r);
    r = NULL;
  }
  /* a "properties" that is no object, then one with a runResult: the
   * second is a duplicate, skipped, so the object is no task run and its
   * first error stands */
  expect_err("{\"properties\":1,\"properties\":{\"runResult\":{}}}", 1,
             ACR_ESCHEMA, "properties", 1, 15, "expected an object");
  CHECK(decs("{\"properties\":1,\"properties\":{\"runResult\":{}}}", 0, &r,
             &l, &e) == ACR_OK &&
        r && r->taskrun);
  acr_run_release(r);
  r = NULL;
  for (i = 0; i < sizeof fine / sizeof fine[0]; i++) {
    CHECKF(decode_once(fine[i], 1, &r, &l, &e, __LINE__) == ACR_OK && r &&
               r->taskrun,
           "fine %zu: %s", i, e.message);
    acr_run_release(r);
    r = NULL;
  }
  /* hostile: 50,000 distinct names (in the task run, its "properties"
   * and a record among its members) are read in linear time; the same
   * with the first name again at the end is refused there */
  {
    const size_t n = 50000;
    const char *const wraps[][2] = {
        {"{", "\"runResult\":{\"runId\":\"x\"}}"},
        {"{\"properties\":{", "\"runResult\":{\"runId\":\"x\"}}}"},
        {"{\"runResult\":{\"runId\":\"x\"},\"platform\":{", "\"os\":\"Linux\"}}"},
    };
    size_t w;
    for (w = 0; w < sizeof wraps / sizeof wraps[0]; w++) {
      acr_buf b;
      size_t at;
      int again;
      for (again = 0; again < 2; again++) {
        acr_buf_init(&b, &A);
        acr_buf_add(&b, wraps[w][0], strlen(wraps[w][0]));
        for (i = 0; i < n; i++) {
          char m[40];
          int k = sprintf(m, "\"m%zu\":%zu,", i, i);
          acr_buf_add(&b, m, (size_t)k);
        }
        at = b.len;
        if (again) acr_buf_addlit(&b, "\"m0\":0,");
        acr_buf_add(&b, wraps[w][1], strlen(wraps[w][1]));
        acr_buf_addc(&b, '\0');
        if (!again) {
          CHECKF(dec(b.p, b.len - 1, 1, &r, &l, &e) == ACR_OK && r &&
                     r->taskrun,
                 "wrap %zu: %s", w, e.message);
          acr_run_release(r);
          r = NULL;
        } else {
          CHECKF(dec(b.p, b.len - 1, 1, &r, &l, &e) == ACR_ESCHEMA && !r &&
                     e.offset == (long)at &&
                     strstr(e.message, "duplicate key \"m0\"") != NULL,
                 "wrap %zu: %ld %s", w, e.offset, e.message);
          CHECK(dec(b.p, b.len - 1, 0, &r, &l, &e) == ACR_OK && r);
          acr_run_release(r);
          r = NULL;
        }
        acr_buf_free(&b);
      }
    }
    /* out of memory at each allocation in turn (the names noted, their
     * copies, the heads grown): ACR_EMEMORY and nothing kept, until the
     * decode ends as it does with enough memory */
    for (w = 0; w < 2; w++) {
      acr_buf b;
      long fail;
      size_t held;
      int done = 0, bad = 0;
      acr_decode_opts o;
      acr_buf_init(&b, &A);
      acr_buf_addlit(&b, "{\"properties\":{\"p\":1,\"q\":2},");
      for (i = 0; i < 40; i++) {
        char m[40];
        int k = sprintf(m, i % 3 ? "\"n%zu\":1," : "\"\\u006e%zu\":1,", i);
        acr_buf_add(&b, m, (size_t)k);
      }
      acr_buf_addlit(&b, "\"runResult\":{\"a\":1,\"runResult\":{\"runId\":"
                         "\"x\"}}");
      if (w) acr_buf_addlit(&b, ",\"n39\":2}"); /* escaped the first time */
      else acr_buf_addlit(&b, ",\"n40\":2}");
      o.strict = 1;
      o.max_depth = 0;
      held = CT.live; /* the text's */
      for (fail = 1; fail < 10000 && !done; fail++) {
        acr_status st;
        r = (acr_run *)1;
        l = (acr_runlist *)1;
        ct_reset();
        CT.fail_at = fail;
        st = acr_json_decode(b.p, b.len, &o, &A, &r, &l, &e);
        CT.fail_at = 0;
        if (st == (w ? ACR_ESCHEMA : ACR_OK)) {
          done = 1;
          if (w) CHECKF(strstr(e.message, "duplicate key \"n39\"") != NULL,
                        "%s", e.message);
          else CHECK(r && r->taskrun && r->rec.runId);
          if (st == ACR_OK) acr_run_release(r);
        } else if (st != ACR_EMEMORY || r || l || e.kind != ACR_EMEMORY) {
          bad++;
        }
        if (CT.live != held) bad++;
      }
      CHECKF(done && bad == 0 && fail > 4, "oom %zu: done %d bad %d at %ld",
             w, done, bad, fail);
      ct_reset();
      acr_buf_free(&b);
    }
    /* all of them twice: the first repeated is reported */
    {
      acr_buf b;
      size_t at = 0;
      acr_buf_init(&b, &A);
      acr_buf_addlit(&b, "{");
      for (i = 0; i < 2 * n; i++) {
        char m[40];
        int k = sprintf(m, "\"m%zu\":1,", i % n);
        if (i == n) at = b.len;
        acr_buf_add(&b, m, (size_t)k);
      }
      acr_buf_addlit(&b, "\"runResult\":{}}");
      CHECKF(dec(b.p, b.len, 1, &r, &l, &e) == ACR_ESCHEMA &&
                 e.offset == (long)at && strcmp(e.path, "m0") == 0,
             "%ld %s", e.offset, e.message);
      acr_buf_free(&b);
    }
  }
  CHECK(CT.live == 0);
}

/* ---- values, duplicates, nulls, escapes ---------------------------------- */

static void test_values(void) {
  acr_run *r;
  acr_runlist *l;
  acr_error e;
  char *out;
  static const char *const cpus[] = {"2", "2.0", "2e0", "20e-1", "0.2E+1",
                                     "-0", "2147483647", "-2147483648",
                                     "0.0e-5", "214748364.7e1"};
  static const int32_t want[] = {2, 2, 2, 2, 2, 0, 2147483647,
                                 (-2147483647 - 1), 0, 2147483647};
  size_t i;
  for (i = 0; i < sizeof cpus / sizeof *cpus; i++) {
    char doc[128];
    snprintf(doc, sizeof doc, "{\"agentConfiguration\":{\"cpu\":%s}}", cpus[i]);
    CHECKF(decs(doc, 1, &r, &l, &e) == ACR_OK && r &&
               r->rec.agentConfiguration->cpu == want[i],
           "%s: %s", cpus[i], e.message);
    if (r) {
      out = enc_run(r, ACR_PROFILE_FULL, NULL);
      snprintf(doc, sizeof doc, "{\"agentConfiguration\":{\"cpu\":%ld}}",
               (long)want[i]);
      CHECKF(out && strcmp(out, doc) == 0, "%s", out);
      free(out);
    }
    acr_run_release(r);
  }
  /* nulls are absent; last key wins */
  CHECK(decs("{\"task\":\"t\",\"task\":null,\"status\":\"Queued\",\"status\":"
             "\"RUNNING\",\"x\":1,\"y\":2,\"x\":[3]}",
             0, &r, &l, &e) == ACR_OK && r);
  if (r) {
    CHECK(!(r->rec.h.present & (1u << ACR_RUN_TASK)));
    CHECK(r->rec.status.code == ACR_RUNSTATUS_RUNNING);
    CHECK(r->rec.h.unknown && r->rec.h.unknown->n == 4 &&
          strcmp(((acr_str *)r->rec.h.unknown->items[0])->s, "x") == 0 &&
          strcmp(((acr_str *)r->rec.h.unknown->items[1])->s, "[3]") == 0);
    out = enc_run(r, ACR_PROFILE_FULL, NULL);
    CHECKF(out && strcmp(out, "{\"status\":\"RUNNING\",\"x\":[3],\"y\":2}") == 0,
           "%s", out);
    free(out);
    acr_run_release(r);
  }
  /* unknown enum values kept raw; strict refuses */
  CHECK(decs("{\"platform\":{\"os\":\"Plan9\",\"architecture\":\"ARM64\"}}", 0,
             &r, &l, &e) == ACR_OK && r);
  if (r) {
    size_t n;
    CHECK(r->rec.platform->os.code == ACR_ENUM_UNKNOWN &&
          strcmp(acr_enum_text(F(&acr_type_platform, "os"),
                               &r->rec.platform->os, &n),
                 "Plan9") == 0);
    CHECK(r->rec.platform->architecture.code == ACR_ARCHITECTURE_ARM64);
    out = enc_run(r, ACR_PROFILE_FULL, NULL);
    CHECK(out && strcmp(out, "{\"platform\":{\"os\":\"Plan9\",\"architecture\":"
                             "\"ARM64\"}}") == 0);
    free(out);
    acr_run_release(r);
  }
  /* escapes: keys and values */
  CHECK(decs("{\"run\\u0049d\":\"a\\u00e9\\ud83d\\ude00\\n\\/\\\"\",\"task\":"
             "\"\\u0000x\",\"k\\ney\":1}",
             0, &r, &l, &e) == ACR_OK && r);
  if (r) {
    CHECK(r->rec.runId &&
          strcmp(r->rec.runId->s, "a\xC3\xA9\xF0\x9F\x98\x80\n/\"") == 0);
    CHECK(r->rec.task && r->rec.task->len == 2 && r->rec.task->s[0] == 0);
    CHECK(unknown_get(r->rec.h.unknown, "k\ney") != NULL);
    out = enc_run(r, ACR_PROFILE_FULL, NULL);
    CHECKF(out && strcmp(out, "{\"runId\":\"a\xC3\xA9\xF0\x9F\x98\x80\\n/"
                              "\\\"\",\"task\":\"\\u0000x\",\"k\\ney\":1}") ==
                      0,
           "%s", out);
    free(out);
    acr_run_release(r);
  }
  /* the path of an escaped key is unescaped */
  expect_err("{\"st\\u0061tus\":1}", 0, ACR_ESCHEMA, "status", 1, 16, NULL);
  /* a long string (SWAR scanning across every alignment) */
  {
    char doc[400];
    int k;
    for (k = 0; k < 40; k++) {
      int m;
      char *q = doc;
      q += sprintf(q, "{\"runId\":\"");
      for (m = 0; m < k; m++) *q++ = (char)('a' + m % 26);
      q += sprintf(q, "\xC3\xA9\\t%.*s\"}", k, "0123456789012345678901234567890123456789");
      CHECK(decs(doc, 0, &r, &l, &e) == ACR_OK && r &&
            r->rec.runId->len == (uint32_t)(2 * k + 3));
      acr_run_release(r);
    }
  }
  CHECK(CT.live == 0);
}

/* ---- writer -------------------------------------------------------------- */

static void test_writer(void) {
  acr_buf b;
  acr_run *r;
  acr_runlist *l;
  acr_error e;
  char *out;
  acr_buf_init(&b, &A);
  CHECK(acr_json_write_string(&b, "a\"b\\c\n\t\r\b\f\x01\x1f\x7f\xC3\xA9", 15) ==
        ACR_OK);
  {
    static const char want[] =
        "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\xC3\xA9\"";
    CHECKF(b.len == sizeof want - 1 && memcmp(b.p, want, b.len) == 0, "%.*s",
           (int)b.len, b.p);
  }
  b.len = 0;
  CHECK(acr_json_write_string(&b, "", 0) == ACR_OK && b.len == 2);
  acr_buf_free(&b);

  CHECK(decs("{\"properties\":{\"runId\":\"a\",\"runErrorMessage\":\"m\","
             "\"isArchiveEnabled\":true,\"logArtifact\":{\"tag\":\"t\"},"
             "\"platform\":{\"os\":\"linux\",\"q\":1},\"customRegistries\":[],"
             "\"outputImages\":[{}],\"zz\":null},\"systemData\":{\"createdBy\":"
             "\"u\"},\"name\":\"a\"}",
             0, &r, &l, &e) == ACR_OK && r);
  if (r) {
    out = enc_run(r, ACR_PROFILE_REQUEST, NULL);
    CHECKF(out && strcmp(out, "{\"runId\":\"a\",\"outputImages\":[{}],"
                             "\"platform\":{\"os\":\"linux\"},"
                             "\"customRegistries\":[],\"isArchiveEnabled\":"
                             "true}") == 0,
           "%s", out);
    free(out);
    out = enc_run(r, ACR_PROFILE_UPDATE, NULL);
    CHECK(out && strcmp(out, "{\"isArchiveEnabled\":true}") == 0);
    free(out);
    out = enc_run(r, ACR_PROFILE_UPDATE, "  ");
    CHECK(out && strcmp(out, "{\n  \"isArchiveEnabled\": true\n}") == 0);
    free(out);
    out = enc_run(r, ACR_PROFILE_FULL, NULL);
    CHECKF(out && strcmp(out, "{\"name\":\"a\",\"systemData\":{\"createdBy\":"
                             "\"u\"},\"properties\":{\"runId\":\"a\","
                             "\"outputImages\":[{}],\"platform\":{\"os\":"
                             "\"linux\",\"q\":1},\"customRegistries\":[],"
                             "\"runErrorMessage\":\"m\",\"logArtifact\":{"
                             "\"tag\":\"t\"},\"isArchiveEnabled\":true,\"zz\":"
                             "null}}") == 0,
           "%s", out);
    free(out);
    out = enc_run(r, ACR_PROFILE_FULL, "\t");
    CHECKF(out && strcmp(out, "{\n\t\"name\": \"a\",\n\t\"systemData\": {\n\t\t"
                             "\"createdBy\": \"u\"\n\t},\n\t\"properties\": "
                             "{\n\t\t\"runId\": \"a\",\n\t\t\"outputImages\": "
                             "[\n\t\t\t{}\n\t\t],\n\t\t\"platform\": {\n\t\t\t"
                             "\"os\": \"linux\",\n\t\t\t\"q\": 1\n\t\t},\n\t\t"
                             "\"customRegistries\": [],\n\t\t"
                             "\"runErrorMessage\": \"m\",\n\t\t\"logArtifact\":"
                             " {\n\t\t\t\"tag\": \"t\"\n\t\t},\n\t\t"
                             "\"isArchiveEnabled\": true,\n\t\t\"zz\": null\n"
                             "\t}\n}") == 0,
           "%s", out);
    free(out);
    acr_run_release(r);
  }
  CHECK(decs("{\"runId\":\"a\"}", 0, &r, &l, &e) == ACR_OK && r);
  out = r ? enc_run(r, ACR_PROFILE_UPDATE, NULL) : NULL;
  CHECK(out && strcmp(out, "{}") == 0);
  free(out);
  acr_run_release(r);
  /* date-times come back exactly as written */
  CHECK(decs("{\"createTime\":\"2019-08-28T20:20:52.8021125+00:00\","
             "\"startTime\":\"2018-12-03T17:36:00-08:00\",\"finishTime\":"
             "\"2018-01-25t05:13:51.618z\"}",
             0, &r, &l, &e) == ACR_OK && r);
  out = r ? enc_run(r, ACR_PROFILE_FULL, NULL) : NULL;
  CHECKF(out && strcmp(out, "{\"createTime\":\"2019-08-28T20:20:52.8021125+00:00\","
                           "\"startTime\":\"2018-12-03T17:36:00-08:00\","
                           "\"finishTime\":\"2018-01-25t05:13:51.618z\"}") == 0,
         "%s", out);
  free(out);
  acr_run_release(r);
  /* validate: minifies, keeps strings; appends; leaves out alone on error */
  acr_buf_init(&b, &A);
  acr_buf_add(&b, "X", 1);
  {
    static const char in[] = " { \"a b\" : [ 1 , -2.5e+3, \"\\u00e9 \" ] } ";
    static const char want[] = "X{\"a b\":[1,-2.5e+3,\"\\u00e9 \"]}";
    CHECK(acr_json_validate(in, sizeof in - 1, 0, &b, &e) == ACR_OK);
    CHECKF(b.len == sizeof want - 1 && memcmp(b.p, want, b.len) == 0, "%.*s",
           (int)b.len, b.p);
    CHECK(acr_json_validate("[1,]", 4, 0, &b, &e) == ACR_ESYNTAX &&
          b.len == sizeof want - 1);
  }
  CHECK(e.line == 1 && e.column == 4 && e.offset == 3);
  CHECK(acr_json_validate("[[[]]]", 6, 2, NULL, &e) == ACR_ELIMIT);
  CHECK(acr_json_validate("[[]]", 4, 2, NULL, &e) == ACR_OK);
  acr_buf_free(&b);
  CHECK(CT.live == 0);
}

/* ---- mutations: never a crash, a leak or an inconsistent answer --------- */

static unsigned long rng_state = 12345;
static unsigned long rng(void) {
  rng_state = rng_state * 6364136223846793005ul + 1442695040888963407ul;
  return (rng_state >> 33) & 0x7fffffff;
}

static void test_mutations(void) {
  static const char *const files[] = {
      "spec-examples/2019-06-01-preview_Runs_Get.json",
      "spec-examples/2019-06-01-preview_TaskRuns_List.json",
      ("real-payloads/azure-cli_test_acr_task_2019-06-01-preview_update_"
       "run_patch_2020.json")};
  static const char pieces[] = "{}[]\",:\\ntfu0-.eE+\x80\xC3\xFF\x00 ";
  size_t k;
  int bad = 0, ok = 0, n;
  for (k = 0; k < sizeof files / sizeof *files; k++) {
    char path[1400];
    size_t len;
    char *src = NULL;
    snprintf(path, sizeof path, "%s/%s", FIX, files[k]);
    src = test_read_text(path, &len);
    if (!src) continue;
    for (n = 0; n < 1500; n++) {
      char *t = (char *)malloc(len + 8);
      size_t tl = len, at = rng() % len, m;
      acr_run *r = NULL;
      acr_runlist *l = NULL;
      acr_error e;
      acr_status st;
      memcpy(t, src, len);
      for (m = 0; m < 1 + rng() % 3; m++) {
        at = rng() % tl;
        switch (rng() % 3) {
        case 0: t[at] = pieces[rng() % (sizeof pieces - 1)]; break;
        case 1: memmove(t + at, t + at + 1, tl - at - 1); tl--; break;
        default:
          memmove(t + at + 1, t + at, tl - at);
          t[at] = pieces[rng() % (sizeof pieces - 1)];
          tl++;
          break;
        }
      }
      st = dec(t, tl, (int)(n & 1), &r, &l, &e);
      if (st == ACR_OK) {
        char *out = r ? enc_run(r, ACR_PROFILE_FULL, NULL)
                      : enc_list(l, ACR_PROFILE_FULL, NULL);
        acr_run *r2 = NULL;
        acr_runlist *l2 = NULL;
        ok++;
        if (!(r != NULL) == !(l != NULL)) bad++;
        if (!out || decs(out, 0, &r2, &l2, &e) != ACR_OK) bad++;
        else if (r ? !(r2 && acr_run_equal(r, r2)) : !(l2 && lists_equal(l, l2)))
          bad++;
        acr_run_release(r2);
        acr_runlist_free(l2);
        free(out);
      } else if (r || l || e.kind != st || !e.message[0] ||
                 e.offset < 0 || (size_t)e.offset > tl) {
        bad++;
      }
      acr_run_release(r);
      acr_runlist_free(l);
      free(t);
    }
    free(src);
  }
  CHECKF(bad == 0, "%d mutants misjudged", bad);
  CHECK(ok > 0);
  CHECK(CT.live == 0);
}

/* ---- out of memory ------------------------------------------------------- */

static void test_oom(void) {
  static const char *const docs[] = {
      "{\"value\":[{\"properties\":{\"runId\":\"a\",\"status\":\"Bogus\","
      "\"outputImages\":[{\"tag\":\"x\",\"u\":1},{}],\"customRegistries\":"
      "[\"r\\n1\",\"r2\"],\"q\":[1,{\"a\":2}]},\"id\":\"i\",\"loc\":\"w\"},"
      "{\"runId\":\"b\",\"resourceGroup\":\"rg\",\"id\":\"/x\"},"
      "{\"properties\":{\"runResult\":{\"runId\":\"c\"}},\"x\":1}],"
      "\"nextLink\":\"n\",\"o\":{}}",
      "{\"nextLink\":\"n\",\"zz\":[1,2,3],\"value\":[{\"runId\":\"a\"}]}",
      ("{\"x\":1,\"runResult\":{\"runId\":\"c\",\"systemData\":{\"createdAt\":"
       "\"2020-01-01T00:00:00Z\"}}}"),
      "[{\"runId\":\"a\",\"platform\":{\"os\":\"Linux\",\"k\":\"v\"}}]"};
  size_t k;
  for (k = 0; k < sizeof docs / sizeof *docs; k++) {
    long n;
    int ok = 0, bad = 0;
    for (n = 1; n < 10000 && !ok; n++) {
      acr_run *r = (acr_run *)1;
      acr_runlist *l = (acr_runlist *)1;
      acr_error e;
      acr_status st;
      ct_reset();
      CT.fail_at = n;
      st = acr_json_decode(docs[k], strlen(docs[k]), NULL, &A, &r, &l, &e);
      if (st == ACR_OK) {
        char *out;
        ok = 1;
        CT.fail_at = 0;
        out = l ? enc_list(l, ACR_PROFILE_FULL, "  ")
                : enc_run(r, ACR_PROFILE_FULL, "  ");
        CHECK(out != NULL);
        free(out);
        acr_run_release(r);
        acr_runlist_free(l);
      } else if (st != ACR_EMEMORY || r || l || e.kind != ACR_EMEMORY ||
                 strcmp(e.message, "not enough memory") != 0) {
        bad++;
      }
      if (CT.live != 0) bad++;
    }
    CHECKF(ok && bad == 0, "doc %lu: ok %d bad %d after %ld", (unsigned long)k,
           ok, bad, n);
    CHECK(n > 3);
  }
  /* the writer: ACR_EMEMORY, and the buffer keeps what was written */
  {
    acr_run *r;
    acr_runlist *l;
    acr_error e;
    ct_reset();
    if (decs(docs[0], 0, &r, &l, &e) == ACR_OK) {
      long n;
      int ok = 0;
      for (n = 1; n < 100 && !ok; n++) {
        acr_buf b;
        acr_encode_opts o;
        acr_status st;
        o.profile = ACR_PROFILE_FULL;
        o.indent = " ";
        o.shape = ACR_ENCODE_AS_READ;
        acr_buf_init(&b, &A);
        ct_reset();
        CT.fail_at = n;
        st = acr_json_encode_list(l, &o, &b);
        CT.fail_at = 0;
        if (st == ACR_OK) ok = 1;
        else CHECK(st == ACR_EMEMORY);
        acr_buf_free(&b);
      }
      CHECK(ok);
      acr_runlist_free(l);
    }
  }
  ct_reset();
  CHECK(CT.live == 0);
}

/* ---- the lexer, the error formatter, the writers ---------------------- */

static void test_lexer(void) {
  static const char doc[] = " {\"a\" : [1, -2.5e3, true],\n \"b\\n\":{\"c\":null},"
                            "\"d\":\"x\\u00e9\" } ";
  static const acr_jtok want[] = {
      ACR_JT_OBJECT, ACR_JT_KEY,    ACR_JT_ARRAY,     ACR_JT_NUMBER,
      ACR_JT_NUMBER, ACR_JT_TRUE,   ACR_JT_ARRAY_END, ACR_JT_KEY,
      ACR_JT_OBJECT, ACR_JT_KEY,    ACR_JT_NULL,      ACR_JT_OBJECT_END,
      ACR_JT_KEY,    ACR_JT_STRING, ACR_JT_OBJECT_END, ACR_JT_END};
  acr_jlex x;
  size_t i;
  long line, col;
  char tmp[16];
  acr_jlex_init(&x, doc, sizeof doc - 1, 0, 0);
  for (i = 0; i < sizeof want / sizeof want[0]; i++)
    CHECKF(acr_jlex_next(&x) == want[i], "token %zu: %d", i, (int)x.tok);
  /* positions and texts */
  acr_jlex_init(&x, doc, sizeof doc - 1, 0, 0);
  acr_jlex_next(&x);
  CHECK(x.off == 1);
  acr_jlex_next(&x);
  CHECK(x.tok == ACR_JT_KEY && x.len == 1 && x.text[0] == 'a' && x.off == 2);
  acr_jlex_next(&x);
  acr_jlex_next(&x);
  acr_jlex_next(&x);
  CHECK(x.tok == ACR_JT_NUMBER && x.len == 6 &&
        memcmp(x.text, "-2.5e3", 6) == 0 && x.comma);
  acr_jlex_next(&x);
  acr_jlex_next(&x);
  acr_jlex_next(&x); /* "b\n" */
  CHECK(x.tok == ACR_JT_KEY && x.esc &&
        acr_junescape((const unsigned char *)x.text,
                      (const unsigned char *)x.text + x.len, tmp) == 2 &&
        tmp[1] == '\n');
  acr_jlex_locate(doc, sizeof doc - 1, x.off, &line, &col);
  CHECK(line == 2 && col == 2);
  acr_jlex_next(&x); /* { */
  CHECK(acr_jlex_skip(&x) == ACR_OK && x.tok == ACR_JT_OBJECT_END);
  CHECK(acr_jlex_next(&x) == ACR_JT_KEY);
  /* errors: reason, offset, sticky */
  acr_jlex_init(&x, "[1,]", 4, 0, 0);
  while (acr_jlex_next(&x) != ACR_JT_ERROR && x.tok != ACR_JT_END) {
  }
  CHECK(x.tok == ACR_JT_ERROR && x.st == ACR_ESYNTAX && x.err_off == 3 &&
        strcmp(x.msg, "expected a JSON value, found ']'") == 0);
  CHECK(acr_jlex_next(&x) == ACR_JT_ERROR);
  acr_jlex_init(&x, "1 2", 3, 0, 0);
  CHECK(acr_jlex_next(&x) == ACR_JT_NUMBER && acr_jlex_next(&x) == ACR_JT_ERROR);
  acr_jlex_init(&x, "1 2", 3, 0, ACR_JLEX_VALUE); /* one value, then stop */
  CHECK(acr_jlex_next(&x) == ACR_JT_NUMBER && acr_jlex_next(&x) == ACR_JT_END);
  acr_jlex_init(&x, "\"\xff\"", 3, 0, 0);
  CHECK(acr_jlex_next(&x) == ACR_JT_ERROR && x.err_off == 1);
  /* the one depth limit: max_depth above it does not raise it */
  {
    char deep[2 * ACR_MAX_DEPTH + 4];
    size_t d;
    for (d = 0; d <= ACR_MAX_DEPTH; d++) {
      deep[d] = '[';
      deep[2 * ACR_MAX_DEPTH + 1 - d] = ']';
    }
    acr_jlex_init(&x, deep, 2 * ACR_MAX_DEPTH + 2, 1000000, 0);
    while (acr_jlex_next(&x) != ACR_JT_ERROR && x.tok != ACR_JT_END) {
    }
    CHECK(x.tok == ACR_JT_ERROR && x.st == ACR_ELIMIT &&
          x.err_off == ACR_MAX_DEPTH);
    acr_jlex_init(&x, deep + 1, 2 * ACR_MAX_DEPTH, 0, 0);
    while (acr_jlex_next(&x) != ACR_JT_ERROR && x.tok != ACR_JT_END) {
    }
    CHECK(x.tok == ACR_JT_END);
    /* equality walks with the same lexer: within the limit, equal */
    CHECK(acr_json_equal(deep + 1, 2 * ACR_MAX_DEPTH, deep + 1,
                         2 * ACR_MAX_DEPTH));
  }
  {
    const char *a = "{\"a\":[1,{\"b\":\"\\u0041\"}],\"c\":2}",
               *b = " { \"c\" : 2.0 , \"a\" : [ 1 , { \"b\" : \"A\" } ] } ";
    CHECK(acr_json_equal(a, strlen(a), b, strlen(b)));
  }
  CHECK(!acr_json_equal("{\"a\":1,\"a\":1}", 13, "{\"a\":1}", 7));
}

static void test_error_format(void) {
  acr_error e;
  char buf[ACR_PATH_MAX + ACR_MSG_MAX + 64], small[8];
  acr_run *r;
  acr_runlist *l;
  CHECK(decs("{\"properties\":{\"status\":5}}", 0, &r, &l, &e) ==
        ACR_ESCHEMA);
  CHECK_STR(e.message, "expected a string, found a number");
  acr_error_format(&e, buf, sizeof buf);
  CHECK_STR(buf, "properties.status: expected a string, found a number at "
                 "line 1, column 25");
  CHECK(acr_error_format(&e, small, sizeof small) == strlen(buf) &&
        strlen(small) == sizeof small - 1);
  CHECK(decs("{\"runId\":", 0, &r, &l, &e) == ACR_ESYNTAX);
  acr_error_format(&e, buf, sizeof buf);
  CHECK_STR(buf, "runId: expected a JSON value, found end of input at line "
                 "1, column 10");
  acr_err_clear(&e);
  e.kind = ACR_ESCHEMA;
  strcpy(e.message, "no position, no path");
  acr_error_format(&e, buf, sizeof buf);
  CHECK_STR(buf, "no position, no path");
}

static void test_writers(void) {
  acr_buf b;
  char num[ACR_NUMBER_TEXT_MAX];
  acr_run *r;
  acr_runlist *l;
  acr_error e;
  acr_buf_init(&b, &A);
  /* never write what the reader refuses */
  CHECK(acr_json_write_string(&b, "ok\xc3\xa9", 4) == ACR_OK);
  CHECK(acr_json_write_string(&b, "\xff", 1) == ACR_ESCHEMA);
  CHECK(acr_json_write_string(&b, "a\xed\xa0\x80", 4) == ACR_ESCHEMA);
  CHECK(acr_json_write_string(&b, "\xf4\x90\x80\x80", 4) == ACR_ESCHEMA);
  CHECK(acr_json_write_string(&b, "\xc0\xaf", 2) == ACR_ESCHEMA);
  CHECK(b.len == 6 && memcmp(b.p, "\"ok\xc3\xa9\"", 6) == 0);
  /* strings are checked once for escapes: plain only when the writer
   * would copy every byte (both scan widths: 16 bytes and the tail) */
  CHECK(acr_str_flags("", 0) == ACR_STR_PLAIN);
  CHECK(acr_str_flags("ok\xc3\xa9\x7f/", 6) == ACR_STR_PLAIN);
  CHECK(acr_str_flags("a\"", 2) == 0 && acr_str_flags("a\\", 2) == 0);
  CHECK(acr_str_flags("\x01", 1) == 0 && acr_str_flags("a\0b", 3) == 0);
  CHECK(acr_str_flags("\xff", 1) == 0 && acr_str_flags("\xc3", 1) == 0);
  CHECK(acr_str_flags("0123456789abcdefghij", 20) == ACR_STR_PLAIN);
  CHECK(acr_str_flags("0123456789abcdefghi\n", 20) == 0);
  CHECK(acr_str_flags("0123456789abcdef\"hij", 20) == 0);
  CHECK(decs("{\"runId\":\"a\\u0041\",\"task\":\"a\\n\"}", 0, &r, &l, &e) ==
            ACR_OK && r);
  if (r) {
    CHECK(r->rec.runId->flags == ACR_STR_PLAIN); /* escapes undone: "aA" */
    CHECK(r->rec.task->flags == 0);
    acr_run_release(r);
  }
  /* a run whose string went bad behind the setters' back: whoever changes
   * bytes in place clears the flags (acr.h), and the writer checks again */
  CHECK(decs("{\"runId\":\"abc\"}", 0, &r, &l, &e) == ACR_OK && r);
  if (r) {
    CHECK(r->rec.runId->flags == ACR_STR_PLAIN);
    r->rec.runId->s[1] = '\xff';
    r->rec.runId->flags = 0;
    b.len = 0;
    CHECK(acr_json_encode_run(r, NULL, &b) == ACR_ESCHEMA);
    acr_run_release(r);
  }
  /* numbers */
  b.len = 0;
  CHECK(acr_json_write_int(&b, INT64_MIN) == ACR_OK &&
        b.len == 20 && memcmp(b.p, "-9223372036854775808", 20) == 0);
  CHECK(acr_json_format_double(0.1, num) == 3 && strcmp(num, "0.1") == 0);
  CHECK(acr_json_format_double(-2.5e-300, num) && strcmp(num, "-2.5e-300") == 0);
  CHECK(acr_json_format_double(1e15, num) && strcmp(num, "1e+15") == 0);
  CHECK(acr_json_format_double(123456789012345.0, num) &&
        strcmp(num, "123456789012345") == 0);
  CHECK(acr_json_format_double(0.1 + 0.2, num) &&
        strcmp(num, "0.30000000000000004") == 0);
  CHECK(acr_json_format_double(0.0 / 0.0, num) == 0);
  CHECK(acr_json_format_double(1.0 / 0.0, num) == 0);
  CHECK(acr_json_write_double(&b, -1.0 / 0.0) == ACR_ESCHEMA);
  acr_buf_free(&b);
}

/* ---- cost against nesting depth ----------------------------------------- */

/* A task run nested depth times: each level's runResult is the next level;
 * the innermost run ends in tail (e.g. a schema error).  after_result puts
 * a member after the runResult that strict mode refuses (a TaskRun key). */
static char *nested_taskruns(int depth, const char *tail, int after_result) {
  acr_buf b;
  int i;
  char *s;
  acr_buf_init(&b, &A);
  for (i = 0; i < depth; i++)
    acr_buf_addlit(&b, "{\"name\":\"t\",\"location\":\"westus\","
                       "\"properties\":{\"provisioningState\":\"Succeeded\","
                       "\"runResult\":");
  acr_buf_addlit(&b, "{\"properties\":{\"runId\":\"r1\"");
  acr_buf_add(&b, tail, strlen(tail));
  acr_buf_addlit(&b, "}}");
  for (i = 0; i < depth; i++) {
    if (after_result)
      acr_buf_addlit(&b, ",\"runRequest\":{\"type\":\"DockerBuildRequest\"}");
    acr_buf_addlit(&b, "}}");
  }
  s = (char *)malloc(b.len + 1);
  memcpy(s, b.p, b.len);
  s[b.len] = '\0';
  acr_buf_free(&b);
  return s;
}

/* Allocations made by one decode of doc: a deterministic measure of work
 * (every Run read is an allocation; a re-read is another). */
static long decode_cost(const char *doc, int strict, acr_status *st) {
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  ct_reset();
  *st = dec(doc, strlen(doc), strict, &r, &l, &e);
  acr_run_release(r);
  if (l) acr_runlist_free(l);
  return CT.count;
}

/* Decoding nested task runs costs in proportion to the depth: twice the
 * depth, about twice the work (it once doubled with every level, after a
 * schema error: issue 9). */
static void test_linear_nesting(void) {
  static const struct {
    const char *tail;
    int after, strict;
    acr_status want;
  } cases[] = {
      {",\"status\":5", 0, 0, ACR_ESCHEMA},        /* error at the bottom */
      {",\"status\":\"Running\"", 1, 1, ACR_OK},   /* strict, keys after */
      {",\"status\":\"Running\"", 1, 0, ACR_OK},   /* plain */
      {",\"status\":5", 1, 1, ACR_ESCHEMA},        /* both */
  };
  size_t i;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *d1 = nested_taskruns(8, cases[i].tail, cases[i].after);
    char *d2 = nested_taskruns(16, cases[i].tail, cases[i].after);
    acr_status s1, s2;
    long c1 = decode_cost(d1, cases[i].strict, &s1);
    long c2 = decode_cost(d2, cases[i].strict, &s2);
    CHECKF(s1 == cases[i].want && s2 == cases[i].want, "case %zu: %d %d",
           i, (int)s1, (int)s2);
    CHECKF(c2 <= 3 * c1, "case %zu: depth 8 costs %ld, depth 16 %ld", i, c1,
           c2);
    free(d1);
    free(d2);
  }
  {
    /* the error is the innermost one, with its path */
    char *d = nested_taskruns(3, ",\"status\":5", 1);
    acr_run *r = NULL;
    acr_runlist *l = NULL;
    acr_error e;
    CHECK(dec(d, strlen(d), 0, &r, &l, &e) == ACR_ESCHEMA && !r && !l);
    CHECKF(strcmp(e.path, "properties.runResult.properties.runResult."
                          "properties.runResult.properties.status") == 0,
           "%s", e.path);
    free(d);
  }
}

/* ---- issue 10: one depth limit, task runs too ----------------------------- */

/* n task runs, each the runResult of the one around it, beside its
 * "properties" (in: inside it), the innermost run bare. */
static char *deep_taskruns(int n, int in) {
  acr_buf b;
  int i;
  char *s;
  acr_buf_init(&b, &A);
  for (i = 0; i < n; i++) {
    if (in) acr_buf_addlit(&b, "{\"properties\":{\"runResult\":");
    else acr_buf_addlit(&b, "{\"runResult\":");
  }
  acr_buf_addlit(&b, "{\"runId\":\"r\"}");
  for (i = 0; i < n; i++) acr_buf_add(&b, "}}", in ? 2 : 1);
  s = (char *)malloc(b.len + 1);
  memcpy(s, b.p, b.len);
  s[b.len] = '\0';
  acr_buf_free(&b);
  return s;
}

/* Decodes doc with the nesting limit max (0: ACR_MAX_DEPTH): as deep as
 * the limit allows it decodes, task run levels and all, and encodes back
 * the same; one deeper is the limit error at the '{' too many. */
static void check_deep_taskruns(int n, int in, int max, int ok) {
  char *d = deep_taskruns(n, in);
  acr_decode_opts o;
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  acr_status st;
  o.strict = 0;
  o.max_depth = max;
  acr_err_clear(&e);
  st = acr_json_decode(d, strlen(d), &o, &A, &r, &l, &e);
  if (ok) {
    char *out;
    CHECKF(st == ACR_OK && r && r->taskrun &&
               r->taskrun->n == 2 * (uint32_t)n,
           "%d levels (%s), limit %d: %s", n, in ? "in" : "beside", max,
           e.message);
    out = r ? enc_run(r, ACR_PROFILE_FULL, NULL) : NULL;
    CHECKF(out && strcmp(out, d) == 0, "%d levels: encoded back differs",
           n);
    free(out);
    acr_run_release(r);
  } else {
    /* the '{' past the limit: the last level's runResult value */
    long at = (long)(strlen(d) - (in ? 2u : 1u) * (size_t)n) -
              (long)strlen("{\"runId\":\"r\"}");
    CHECKF(st == ACR_ELIMIT && !r && !l && e.offset == at &&
               strncmp(e.path, in ? "properties.runResult.properties."
                                  : "runResult.runResult.",
                       in ? 32 : 20) == 0,
           "%d levels: %d at %ld (want %ld) %s", n, (int)st, e.offset, at,
           e.path);
  }
  free(d);
}

/* How much C stack a decode of doc takes: it runs on a thread whose stack
 * is painted first; what is no longer paint was used. */
#include <pthread.h>
/* Valgrind marks a finished thread's stack unaddressable: made readable
 * again for the look at the paint (its bytes are what they are). */
#if defined(__has_include)
#  if __has_include(<valgrind/memcheck.h>)
#    include <valgrind/memcheck.h>
#  endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#  define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)(p), (void)(n))
#endif
typedef struct stack_job {
  const char *doc;
  acr_status st;
} stack_job;
static void *stack_job_run(void *arg) {
  stack_job *j = (stack_job *)arg;
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  j->st = acr_json_decode(j->doc, strlen(j->doc), NULL, &A, &r, &l, &e);
  acr_run_release(r);
  if (l) acr_runlist_free(l);
  return NULL;
}
static size_t decode_stack(const char *doc, acr_status *st) {
  size_t size = 8u << 20, used = 0, i;
  unsigned char *stack = (unsigned char *)malloc(size);
  pthread_attr_t at;
  pthread_t th;
  stack_job j;
  j.doc = doc;
  j.st = ACR_EMISUSE;
  *st = ACR_EMISUSE;
  if (stack == NULL) return 0;
  memset(stack, 0xA5, size);
  pthread_attr_init(&at);
  if (pthread_attr_setstack(&at, stack, size) == 0 &&
      pthread_create(&th, &at, stack_job_run, &j) == 0) {
    pthread_join(th, NULL);
    VALGRIND_MAKE_MEM_DEFINED(stack, size);
    for (i = 0; i < size && stack[i] == 0xA5; i++) {
    }
    used = size - i;
    *st = j.st;
  }
  pthread_attr_destroy(&at);
  free(stack);
  return used;
}

static void test_taskrun_depth(void) {
  int in;
  for (in = 0; in < 2; in++) {
    /* levels of 1 (beside) or 2 (in "properties") objects, the innermost
     * run 1 more */
    int full = in ? (ACR_MAX_DEPTH - 1) / 2 : ACR_MAX_DEPTH - 1;
    check_deep_taskruns(full, in, 0, 1);
    check_deep_taskruns(full + 1, in, 0, 0);
    check_deep_taskruns(in ? 4 : 9, in, 10, 1);
    check_deep_taskruns(in ? 5 : 10, in, 10, 0);
  }
  {
    /* schema errors at every level: a task run's own are dropped, the
     * innermost run's is the run's, one before the task run wins (the
     * records kept per level, 300 levels of them) */
    acr_buf b;
    int i, k;
    acr_run *r = NULL;
    acr_runlist *l = NULL;
    acr_error e;
    for (k = 0; k < 2; k++) {
      acr_buf_init(&b, &A);
      acr_buf_addlit(&b, "[");
      if (k) acr_buf_addlit(&b, "{\"runId\":1},");
      for (i = 0; i < 300; i++)
        acr_buf_addlit(&b, "{\"status\":5,\"runResult\":");
      acr_buf_addlit(&b, "{\"runId\":\"r\",\"task\":6}");
      for (i = 0; i < 300; i++) acr_buf_addlit(&b, ",\"task\":[]}");
      acr_buf_addlit(&b, "]");
      CHECK(dec(b.p, b.len, 0, &r, &l, &e) == ACR_ESCHEMA && !r && !l);
      /* (a path keeps its innermost 64 steps) */
      CHECKF(strncmp(e.path, k ? "[1].runId" : "runResult.runResult.",
                     k ? 10 : 20) == 0 &&
                 e.offset == (k ? 10 : 1 + 300 * 24 + 20),
             "%s at %ld", e.path, e.offset);
      acr_buf_free(&b);
    }
  }
  {
    /* the C stack at the deepest nesting: a task run per level */
    char *d = deep_taskruns(ACR_MAX_DEPTH - 1, 0);
    char *d1 = deep_taskruns(1, 0);
    acr_status st, st1;
    size_t used = decode_stack(d, &st), used1 = decode_stack(d1, &st1);
    CHECK(st == ACR_OK && st1 == ACR_OK);
    printf("decode stack: %zu bytes at %d task-run levels, %zu at 1\n", used,
           ACR_MAX_DEPTH - 1, used1);
#if defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#    define JSON_TEST_SANITIZED 1
#  endif
#endif
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && \
    !defined(JSON_TEST_SANITIZED)
    /* about 530 bytes a level built with -O2 (docs/embedding.md): a level
     * holds no error record (they were 3 of about 800 bytes each); ASan's
     * red zones take more, and so do TSan's instrumented frames at -O1
     * (1,040 bytes a level with clang 14, 1,022 before runs were read in
     * place) */
    CHECKF(used - used1 < 1024u * ACR_MAX_DEPTH, "%zu bytes", used);
#endif
    free(d);
    free(d1);
  }
  CHECK(CT.live == 0);
}

/* ---- issue 10: what one decode learns, for the next ---------------------- */

/* Encoded text of what doc decodes to (through memo, or none), or an
 * error line; the caller frees. */
static char *memo_decode_text(acr_decode_memo *memo, const char *doc,
                              size_t len, size_t *pos) {
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  acr_buf b;
  acr_encode_opts o;
  char *s;
  acr_status st;
  acr_err_clear(&e);
  st = memo || pos ? acr_json_decode_memo(memo, doc, len, pos, NULL, &A, &r,
                                          &l, &e)
                   : acr_json_decode(doc, len, NULL, &A, &r, &l, &e);
  acr_buf_init(&b, &A);
  o.profile = ACR_PROFILE_FULL;
  o.indent = NULL;
  o.shape = ACR_ENCODE_AS_READ;
  if (st != ACR_OK) {
    char m[ACR_MSG_MAX + 64];
    snprintf(m, sizeof m, "%d %ld %s", (int)st, e.offset, e.message);
    acr_buf_add(&b, m, strlen(m));
  } else if (r || l) {
    CHECK((r ? acr_json_encode_run(r, &o, &b)
             : acr_json_encode_list(l, &o, &b)) == ACR_OK);
  }
  acr_run_release(r);
  acr_runlist_free(l);
  s = (char *)malloc(b.len + 1);
  if (b.len) memcpy(s, b.p, b.len);
  s[b.len] = '\0';
  acr_buf_free(&b);
  return s;
}

/* Every fixture decoded with one memo, which has learnt the member orders
 * of all the others (and of documents written in another order), gives
 * what it gives without one; decode_next with a memo too. */
static void test_decode_memo(void) {
  static const char *const dirs[] = {"spec-examples", "real-payloads"};
  static const char *const odd[] = {
      /* the members in other orders, a field's name with an escape, an
       * unknown one among them */
      "{\"name\":\"n\",\"properties\":{\"status\":\"Running\","
      "\"runId\":\"a\",\"platform\":{\"architecture\":\"arm\","
      "\"os\":\"Linux\"}},\"id\":\"/i\"}",
      "{\"properties\":{\"isArchiveEnabled\":true,\"run\\u0049d\":\"b\","
      "\"x\":1,\"status\":\"Failed\"},\"type\":\"t\"}",
      "[{\"runId\":\"1\",\"status\":\"linux\"},{\"status\":\"Queued\","
      "\"runId\":\"2\"}] {\"status\":7}"};
  void *mem = malloc(acr_decode_memo_size());
  acr_decode_memo *memo = acr_decode_memo_init(mem);
  size_t d;
  int pass, i;
  CHECK(memo != NULL && acr_decode_memo_init(NULL) == NULL);
  for (pass = 0; pass < 2; pass++) /* the second: all learnt before */
    for (d = 0; d < sizeof dirs / sizeof dirs[0] + 1; d++) {
      char dir[1200];
      int n = (int)(sizeof odd / sizeof odd[0]);
      char **names = NULL;
      if (d < sizeof dirs / sizeof dirs[0]) {
        snprintf(dir, sizeof dir, "%s/%s", FIX, dirs[d]);
        names = list_dir(dir, &n);
      }
      for (i = 0; i < n; i++) {
        char path[1400];
        size_t len, pos = 0, pos2 = 0;
        char *src, *a, *b;
        if (names) {
          snprintf(path, sizeof path, "%s/%s", dir, names[i]);
          src = test_read_file(path, &len);
          if (src == NULL) continue;
        } else {
          len = strlen(odd[i]);
          src = (char *)malloc(len + 1);
          memcpy(src, odd[i], len + 1);
        }
        a = memo_decode_text(NULL, src, len, NULL);
        b = memo_decode_text(memo, src, len, NULL);
        CHECKF(strcmp(a, b) == 0, "%s: %s / %s",
               names ? names[i] : odd[i], a, b);
        free(a);
        free(b);
        a = memo_decode_text(NULL, src, len, &pos);
        b = memo_decode_text(memo, src, len, &pos2);
        CHECKF(strcmp(a, b) == 0 && pos == pos2, "%s (next)",
               names ? names[i] : odd[i]);
        free(a);
        free(b);
        free(src);
      }
      if (names) free_names(names, n);
    }
  free(mem);
  CHECK(CT.live == 0);
}

/* ---- issue 10: every byte read once ---------------------------------------- */

/* Tokens in doc, for one pass of the lexer. */
static unsigned long count_tokens(const char *doc, size_t n) {
  acr_jlex x;
  acr_jtok t;
  acr_jlex_init(&x, doc, n, 0, 0);
  do
    t = acr_jlex_next(&x);
  while (t != ACR_JT_END && t != ACR_JT_ERROR);
  return x.ntok;
}

/* Decodes doc counting the tokens read; checks they are the tokens of one
 * pass over it (a re-read would count its tokens again). */
static acr_status decode_once(const char *doc, int strict, acr_run **r,
                              acr_runlist **l, acr_error *e, int line) {
  acr_decode_opts o;
  unsigned long read = 0, once = count_tokens(doc, strlen(doc));
  acr_status st;
  o.strict = strict;
  o.max_depth = 0;
  st = acr_json_decode_counted(doc, strlen(doc), &o, &A, r, l, e, &read);
  CHECKF(read == once, "line %d: %lu tokens read for %lu in the text", line,
         read, once);
  return st;
}

/* A RunListResult whose "value" comes after many members: they are kept
 * as they were read (nextLink, unknown members minified, whitespace and
 * all), never read again as a list's. */
static void test_read_once_list(void) {
  acr_buf b;
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  int i;
  acr_buf_init(&b, &A);
  acr_buf_addlit(&b, "{\n  \"nextLink\" : \"https:\\/\\/next\",\n");
  for (i = 0; i < 300; i++) {
    char m[160];
    snprintf(m, sizeof m,
             "  \"m%d\" : { \"a\" : [ 1 , \"x y\" , { \"b\" : null } ] ,"
             " \"runId\" : %d },\n",
             i, i);
    acr_buf_add(&b, m, strlen(m));
  }
  acr_buf_addlit(&b, "  \"status\": \"Bogus\", \"properties\": {\"runId\": 7},\n"
                     "  \"value\" : [ {\"runId\":\"a\"}, {\"runId\":\"b\"} ],\n"
                     "  \"after\" : [true]\n}");
  acr_buf_addc(&b, '\0');
  CHECK(decode_once(b.p, 0, &r, &l, &e, __LINE__) == ACR_OK && !r && l);
  if (l) {
    CHECK(l->n == 2 && l->nextLink &&
          strcmp(l->nextLink->s, "https://next") == 0);
    CHECK(l->unknown && l->unknown->n == 2 * (300 + 3));
    CHECK_STR(unknown_get(l->unknown, "m0"),
              "{\"a\":[1,\"x y\",{\"b\":null}],\"runId\":0}");
    CHECK_STR(unknown_get(l->unknown, "m299"),
              "{\"a\":[1,\"x y\",{\"b\":null}],\"runId\":299}");
    CHECK_STR(unknown_get(l->unknown, "status"), "\"Bogus\"");
    CHECK_STR(unknown_get(l->unknown, "properties"), "{\"runId\":7}");
    CHECK_STR(unknown_get(l->unknown, "after"), "[true]");
    acr_runlist_free(l);
  }
  /* strict: the first member that is no RunListResult's is the error */
  CHECK(decode_once(b.p, 1, &r, &l, &e, __LINE__) == ACR_ESCHEMA && !l);
  CHECK_STR(e.path, "m0");
  acr_buf_free(&b);
  /* the rules of a RunListResult, for members met before "value" */
  CHECK(decode_once("{\"value\":5,\"value\":[]}", 0, &r, &l, &e, __LINE__) ==
            ACR_ESCHEMA &&
        strcmp(e.path, "value") == 0 && e.column == 10);
  CHECK(decode_once("{\"nextLink\":[],\"value\":[]}", 0, &r, &l, &e,
                    __LINE__) == ACR_ESCHEMA &&
        strcmp(e.path, "nextLink") == 0);
  CHECK(decode_once("{\"value\":null,\"value\":[]}", 1, &r, &l, &e,
                    __LINE__) == ACR_ESCHEMA &&
        strstr(e.message, "duplicate key \"value\"") && e.column == 15);
  CHECK(decode_once("{\"n\\u0065xtLink\":\"a\\u0062\",\"valu\\u0065\":[]}", 0,
                    &r, &l, &e, __LINE__) == ACR_OK &&
        l && l->nextLink && strcmp(l->nextLink->s, "ab") == 0);
  acr_runlist_free(l);
  l = NULL;
  CHECK(decode_once("{\"nextLink\":\"n\",\"nextLink\":null,\"value\":[]}", 0,
                    &r, &l, &e, __LINE__) == ACR_OK &&
        l && !l->nextLink);
  acr_runlist_free(l);
  l = NULL;
  CHECK(CT.live == 0);
}

/* After a schema error the rest of the value is skipped by reading on:
 * deep values in the wrong place, many of them, are read once. */
static void test_read_once_errors(void) {
  acr_buf b;
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  int i, k, strict;
  acr_buf_init(&b, &A);
  acr_buf_addlit(&b, "{\"value\":[");
  for (i = 0; i < 50; i++) {
    if (i) acr_buf_addc(&b, ',');
    acr_buf_addlit(&b, "{\"properties\":{\"runId\":5,\"platform\":");
    for (k = 0; k < 100; k++) acr_buf_addlit(&b, "[{\"a\":");
    acr_buf_addlit(&b, "1");
    for (k = 0; k < 100; k++) acr_buf_addlit(&b, "}]");
    acr_buf_addlit(&b, ",\"outputImages\":{\"x\":[[[{\"y\":[]}]]]},"
                       "\"status\":{\"deep\":[[[[[[\"Running\"]]]]]]},"
                       "\"timeout\":\"3600\",\"customRegistries\":"
                       "[\"a\",{\"b\":[1,2,3]},\"c\"]},\"runResult\":7}");
  }
  acr_buf_addlit(&b, "]}");
  acr_buf_addc(&b, '\0');
  for (strict = 0; strict < 2; strict++) {
    CHECK(decode_once(b.p, strict, &r, &l, &e, __LINE__) == ACR_ESCHEMA &&
          !r && !l);
    CHECK_STR(e.path, "value[1].properties.runId");
  }
  /* a syntax error after them still wins, found on the same one pass */
  b.len -= 3; /* "]}" and the NUL */
  acr_buf_addlit(&b, ",]}");
  acr_buf_addc(&b, '\0');
  CHECK(dec(b.p, strlen(b.p), 0, &r, &l, &e) == ACR_ESYNTAX);
  acr_buf_free(&b);
  CHECK(CT.live == 0);
}

/* Task runs keep their text around the runResult, and an ARM error body
 * gives its parts, from the one pass (captured as the lexer goes), the
 * whitespace dropped as a minifier would: what is kept is checked, and the
 * token count is one pass over the text. */
static void test_read_once_taskrun_error(void) {
  static const struct {
    const char *doc;
    const char *pre, *post; /* the outer level's parts */
    uint32_t levels;
  } trs[] = {
      /* runResult in "properties", members before and after */
      {"{ \"name\" : \"t\" , \"properties\" : { \"a\" : [ 1 , 2 ] ,\n"
       "  \"runResult\" : { \"runId\" : \"r\" } , \"x\" : { } } ,"
       " \"z\" : null }",
       "{\"name\":\"t\",\"properties\":{\"a\":[1,2],\"runResult\":",
       ",\"x\":{}},\"z\":null}", 1},
      /* runResult beside "properties", first member */
      {"{\"runResult\":\t{\"properties\":{\"runId\":\"r\"}},"
       "\"properties\": {\"provisioningState\":\"Succeeded\"}}",
       "{\"runResult\":", ",\"properties\":{\"provisioningState\":"
       "\"Succeeded\"}}", 1},
      /* nested: a runResult that is a task run, whitespace everywhere */
      {"{ \"name\":\"o\", \"runResult\" : { \"name\" : \"i\" , "
       "\"properties\" : { \"runResult\" : { \"runId\" : \"r\" } } } , "
       "\"y\" : [ ] }",
       "{\"name\":\"o\",\"runResult\":", ",\"y\":[]}", 2},
  };
  static const char body[] =
      "{ \"error\" : { \"code\" : \"Bad\" , \"details\" : [ { \"a\" : 1 } ] "
      ", \"message\" : \"No \\u0041 here\" , \"target\" : null ,"
      " \"additionalInfo\" : { } } }";
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  size_t i;
  int strict;
  for (i = 0; i < sizeof trs / sizeof trs[0]; i++) {
    for (strict = 0; strict < 2; strict++) {
      CHECKF(decode_once(trs[i].doc, strict, &r, &l, &e, __LINE__) ==
                     ACR_OK &&
                 r && r->taskrun && r->taskrun->n == 2 * trs[i].levels,
             "case %zu: %s", i, e.message);
      if (r && r->taskrun && r->taskrun->n == 2 * trs[i].levels) {
        const acr_str *pre = (const acr_str *)r->taskrun->items[0];
        const acr_str *post = (const acr_str *)r->taskrun->items[1];
        CHECK(r->rec.runId && strcmp(r->rec.runId->s, "r") == 0);
        CHECKF(strcmp(pre->s, trs[i].pre) == 0, "case %zu: %s", i, pre->s);
        CHECKF(strcmp(post->s, trs[i].post) == 0, "case %zu: %s", i,
               post->s);
        if (trs[i].levels == 2) {
          CHECK_STR(((const acr_str *)r->taskrun->items[2])->s,
                    "{\"name\":\"i\",\"properties\":{\"runResult\":");
          CHECK_STR(((const acr_str *)r->taskrun->items[3])->s, "}}");
        }
      }
      acr_run_release(r);
      r = NULL;
    }
  }
  /* a list of task runs: each keeps its own text */
  CHECK(decode_once("[{\"a\":1,\"runResult\":{\"runId\":\"1\"}}, "
                    "{\"b\" : 2 , \"runResult\" : {\"runId\":\"2\"}}]",
                    0, &r, &l, &e, __LINE__) == ACR_OK &&
        l && l->n == 2);
  if (l && l->n == 2) {
    CHECK_STR(((const acr_str *)l->runs[0]->taskrun->items[0])->s,
              "{\"a\":1,\"runResult\":");
    CHECK_STR(((const acr_str *)l->runs[1]->taskrun->items[0])->s,
              "{\"b\":2,\"runResult\":");
    CHECK_STR(((const acr_str *)l->runs[1]->taskrun->items[1])->s, "}");
  }
  if (l) acr_runlist_free(l);
  l = NULL;
  for (strict = 0; strict < 2; strict++) {
    CHECK(decode_once(body, strict, &r, &l, &e, __LINE__) == ACR_ESERVICE &&
          !r && !l);
    CHECK_STR(e.code, "Bad");
    CHECK_STR(e.message, "No A here");
    CHECK_STR(e.target, "");
    CHECK(e.details && e.details_len == 15 &&
          memcmp(e.details, "[ { \"a\" : 1 } ]", 15) == 0);
    CHECK(e.additional_info && e.additional_info_len == 3 &&
          memcmp(e.additional_info, "{ }", 3) == 0);
    CHECK(e.offset == 12 && strcmp(e.path, "error") == 0);
  }
  /* "error" without a string code or message: not an error body */
  CHECK(decode_once("{\"error\":{\"code\":1,\"x\":{\"message\":\"m\"}}}", 0,
                    &r, &l, &e, __LINE__) == ACR_ESCHEMA);
  CHECK(CT.live == 0);
}

/* ---- issue 11: what the service sends comes back exactly --------------- */

/* For every bundled real and example body: decode then encode gives the
 * same JSON value (nulls aside, which mean absent), so date-time and enum
 * texts (strings, compared exactly) come back byte for byte, and shapes
 * (envelope, Azure CLI, task run) are kept.  Also pretty. */
static void test_round_trip_exact(void) {
  static const char *const dirs[] = {"spec-examples", "real-payloads"};
  size_t d;
  int checked = 0;
  for (d = 0; d < 2; d++) {
    char dir[1200];
    int n, i;
    char **names;
    snprintf(dir, sizeof dir, "%s/%s", FIX, dirs[d]);
    names = list_dir(dir, &n);
    for (i = 0; i < n; i++) {
      char path[1400];
      size_t len;
      char *src;
      acr_run *r = NULL;
      acr_runlist *l = NULL;
      acr_error e;
      snprintf(path, sizeof path, "%s/%s", dir, names[i]);
      src = test_read_file(path, &len);
      if (src == NULL) continue;
      if (dec(src, len, 0, &r, &l, &e) == ACR_OK) {
        int k;
        for (k = 0; k < 2; k++) {
          acr_buf b;
          acr_encode_opts o;
          o.profile = ACR_PROFILE_FULL;
          o.indent = k ? "  " : NULL;
          o.shape = ACR_ENCODE_AS_READ;
          acr_buf_init(&b, &A);
          CHECK((r ? acr_json_encode_run(r, &o, &b)
                   : acr_json_encode_list(l, &o, &b)) == ACR_OK);
          CHECKF(acr_json_equal_ex(src, len, b.p, b.len, 1),
                 "%s: not the same value back%s: %.*s", names[i],
                 k ? " (pretty)" : "", (int)(b.len > 2000 ? 2000 : b.len),
                 b.p);
          acr_buf_free(&b);
        }
        checked++;
      } else {
        CHECKF(0, "%s: %s", names[i], e.message);
      }
      acr_run_release(r);
      acr_runlist_free(l);
      free(src);
    }
    free_names(names, n);
  }
  CHECKF(checked >= 60, "%d bodies", checked);
  /* the rule itself: nulls aside, every other difference counts */
  CHECK(acr_json_equal_ex("{\"a\":null,\"b\":1}", 16, "{\"b\":1}", 7, 1));
  CHECK(!acr_json_equal_ex("{\"a\":null,\"b\":1}", 16, "{\"b\":1}", 7, 0));
  CHECK(!acr_json_equal_ex("{\"os\":\"linux\"}", 14, "{\"os\":\"Linux\"}", 14,
                           1));
}

/* ARM error bodies, documents that are not runs, task runs kept whole,
 * shapes on request. */
static void test_service_and_shapes(void) {
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error e;
  char shown[ACR_PATH_MAX + ACR_MSG_MAX + 64];
  static const char body[] =
      "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"No "
      "access\\nto it\",\"target\":\"reg\",\"details\":[{\"code\":\"D\"}],"
      "\"additionalInfo\":[{\"type\":\"T\",\"info\":{}}]}}";
  int strict;
  for (strict = 0; strict < 2; strict++) {
    CHECK(decs(body, strict, &r, &l, &e) == ACR_ESERVICE && !r && !l);
    CHECK_STR(acr_status_name(e.kind), "service");
    CHECK_STR(e.code, "AuthorizationFailed");
    CHECK_STR(e.message, "No access to it");
    CHECK_STR(e.target, "reg");
    CHECK(e.details && e.details_len == 14 &&
          memcmp(e.details, "[{\"code\":\"D\"}]", 14) == 0);
    CHECK(e.additional_info && e.additional_info_len == 24);
    acr_error_format(&e, shown, sizeof shown);
    CHECK_STR(shown, "AuthorizationFailed: No access to it");
  }
  /* not a run, strict or not; {} is an empty run */
  for (strict = 0; strict < 2; strict++) {
    CHECK(decs("{\"foo\":1}", strict, &r, &l, &e) == ACR_ESCHEMA && !r);
    CHECK(decs("[{\"value\":[]}]", strict, &r, &l, &e) == ACR_ESCHEMA &&
          !l && strncmp(e.path, "[1]", 3) == 0);
    CHECK(decs("{\"error\":{\"x\":1}}", strict, &r, &l, &e) == ACR_ESCHEMA);
    CHECK(decs("{\"properties\":7}", strict, &r, &l, &e) == ACR_ESCHEMA &&
          strcmp(e.path, "properties") == 0);
    CHECK(decs("{}", strict, &r, &l, &e) == ACR_OK && r);
    acr_run_release(r);
  }
  CHECK(decs("{\"runId\":\"a\",\"error\":{\"code\":\"X\"}}", 0, &r, &l, &e) ==
            ACR_OK && r && unknown_get(r->rec.h.unknown, "error"));
  acr_run_release(r);
  CHECK(decs("{\"runId\":\"a\",\"error\":{\"code\":\"X\"}}", 1, &r, &l, &e) ==
            ACR_ESCHEMA && strcmp(e.path, "error") == 0);
  /* a RunListResult, "value" first (read on from there) or not */
  CHECK(decs("{\"value\":[{\"runId\":\"a\"}],\"nextLink\":\"n\",\"x\":1}", 0,
             &r, &l, &e) == ACR_OK && l && l->n == 1 && l->nextLink &&
        unknown_get(l->unknown, "x"));
  acr_runlist_free(l);
  CHECK(decs("{\"x\":1,\"nextLink\":\"n\",\"value\":[{\"runId\":\"a\"}]}", 0,
             &r, &l, &e) == ACR_OK && l && l->n == 1 && l->nextLink &&
        unknown_get(l->unknown, "x"));
  acr_runlist_free(l);
  CHECK(decs("{\"value\":[],\"value\":[]}", 1, &r, &l, &e) == ACR_ESCHEMA &&
        !l && e.line == 1 && e.column == 13);
  l = NULL;
  /* strict accepts the Azure CLI's resourceGroup in the CLI shape only */
  CHECK(decs("{\"id\":\"/i\",\"runId\":\"a\",\"resourceGroup\":\"rg\"}", 1, &r,
             &l, &e) == ACR_OK && r && r->shape == ACR_SHAPE_FLAT);
  acr_run_release(r);
  CHECK(decs("{\"runId\":\"a\",\"resourceGroup\":\"rg\"}", 1, &r, &l, &e) ==
            ACR_ESCHEMA && strcmp(e.path, "resourceGroup") == 0);
  /* a task run: everything kept, strict or not, nested too */
  for (strict = 0; strict < 2; strict++) {
    static const char tr[] =
        "{\"name\":\"tr\",\"location\":\"westus\",\"identity\":{\"type\":\"S\"},"
        "\"properties\":{\"provisioningState\":\"Succeeded\",\"runRequest\":"
        "{\"type\":\"E\"},\"runResult\":{\"id\":\"/x\",\"properties\":"
        "{\"runId\":\"cb1\"}},\"forceUpdateTag\":\"t\"}}";
    char *out;
    acr_buf b;
    acr_encode_opts o;
    CHECK(decs(tr, strict, &r, &l, &e) == ACR_OK && r && r->taskrun &&
          r->taskrun->n == 2);
    if (r == NULL) continue;
    out = enc_run(r, ACR_PROFILE_FULL, NULL);
    CHECKF(out && strcmp(out, tr) == 0, "%s", out);
    free(out);
    acr_buf_init(&b, &A);
    {
      /* The length is the text's own: a wrong count made the lexer read
       * past the literal (ASan). */
      static const char own[] =
          "{\"name\":\"tr\",\"location\":\"westus\","
          "\"identity\":{\"type\":\"S\"},\"properties\":{"
          "\"provisioningState\":\"Succeeded\","
          "\"runRequest\":{\"type\":\"E\"},"
          "\"forceUpdateTag\":\"t\"}}";
      CHECK(acr_run_taskrun_json(r, &b) == ACR_OK &&
            acr_json_equal_ex(b.p, b.len, own, sizeof own - 1, 1));
    }
    o.profile = ACR_PROFILE_FULL;
    o.indent = NULL;
    o.shape = ACR_ENCODE_ENVELOPE;
    b.len = 0;
    {
      static const char env[] = "{\"id\":\"/x\",\"properties\":{\"runId\":\"cb1\"}}";
      CHECK(acr_json_encode_run(r, &o, &b) == ACR_OK &&
            b.len == sizeof env - 1 && memcmp(b.p, env, b.len) == 0);
    }
    o.shape = ACR_ENCODE_BARE;
    b.len = 0;
    CHECK(acr_json_encode_run(r, &o, &b) == ACR_OK && b.len == 15);
    acr_run_release(r);
    /* shape taskrun for a run that is not one */
    CHECK(decs("{\"runId\":\"a\"}", 0, &r, &l, &e) == ACR_OK && r);
    o.shape = ACR_ENCODE_TASKRUN;
    CHECK(acr_json_encode_run(r, &o, &b) == ACR_EMISUSE);
    CHECK(acr_run_taskrun_json(r, &b) == ACR_EMISUSE);
    o.shape = ACR_ENCODE_CLI;
    b.len = 0;
    CHECK(acr_json_encode_run(r, &o, &b) == ACR_OK && b.len == 13);
    acr_run_release(r);
    acr_buf_free(&b);
  }
  {
    char *d = nested_taskruns(3, ",\"status\":\"Running\"", 1);
    char *out;
    CHECK(decs(d, 1, &r, &l, &e) == ACR_OK && r && r->taskrun &&
          r->taskrun->n == 6);
    out = r ? enc_run(r, ACR_PROFILE_FULL, NULL) : NULL;
    CHECKF(out && strcmp(out, d) == 0, "%s", out);
    free(out);
    acr_run_release(r);
    free(d);
  }
}

int main(int argc, char **argv) {
  snprintf(FIX, sizeof FIX, "%s", argc > 1 ? argv[1] : TEST_FIXTURES);
  test_fixture_dir("spec-examples");
  test_fixture_dir("real-payloads");
  test_fixture_facts();
  test_jsontestsuite();
  test_errors();
  test_truncation();
  test_shapes();
  test_strict_dup_taskrun();
  test_values();
  test_writer();
  test_mutations();
  test_oom();
  test_linear_nesting();
  test_read_once_list();
  test_read_once_errors();
  test_read_once_taskrun_error();
  test_taskrun_depth();
  test_decode_memo();
  test_lexer();
  test_error_format();
  test_writers();
  test_round_trip_exact();
  test_service_and_shapes();
  return test_report("test_json");
}

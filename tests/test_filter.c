/*
 * test_filter.c -- standalone tests of the $filter compiler/evaluator and
 * the run-list queries and their columns (acr_filter_parse.c,
 * acr_filter_match.c, acr_runlist*.c).
 *
 * Runs are built with the acr_rec_set_* API (not JSON).  Every allocation
 * goes through a counting allocator that can fail the N-th allocation; the
 * out-of-memory test runs a whole scenario failing each N in turn and
 * checks that nothing leaks and nothing half-done is returned.
 *
 *   cc -std=c99 -Icsrc tests/test_filter.c csrc/acr_filter_*.c \
 *      csrc/acr_runlist*.c csrc/acr_model.c csrc/acr_schema.c \
 *      csrc/acr_util.c csrc/acr_datetime.c csrc/acr_json_equal.c
 */
#include "test.h"

#include "acr_query.h"

static test_counter C;                  /* for the ordinary tests */
static acr_allocator A = {test_alloc, &C};

/* ---- building runs ------------------------------------------------------- */

static const acr_field *F(const char *name) {
  const acr_field *f = acr_type_field(&acr_type_run, name, strlen(name));
  if (f == NULL) {
    fprintf(stderr, "no field %s\n", name);
    exit(2);
  }
  return f;
}

static void add_image(acr_run *r, const char *spec) {
  /* "repo|tag|digest", empty parts absent */
  const acr_field *f = F("outputImages");
  acr_image *im = (acr_image *)acr_record_new(r, &acr_type_image);
  acr_list *l = r->rec.h.present & (1u << f->index) ? r->rec.outputImages
                                                      : NULL;
  const char *p = spec;
  int k;
  for (k = 0; k < 3; k++) {
    const char *e = strchr(p, '|');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    static const char *const names[] = {"repository", "tag", "digest"};
    if (n)
      acr_rec_set_string(r, im, acr_type_field(&acr_type_image, names[k],
                                               strlen(names[k])),
                         p, n, NULL);
    if (!e) break;
    p = e + 1;
  }
  acr_list_push(r, &l, im);
  acr_rec_attach(r, &r->rec, f, l);
}

static void set(acr_run *r, const char *name, const char *v) {
  const acr_field *f;
  void *rec = &r->rec;
  acr_error err;
  acr_status st = ACR_OK;
  if (strcmp(name, "image") == 0) {
    add_image(r, v);
    return;
  }
  if (strncmp(name, "platform/", 9) == 0) {
    const acr_field *pf = F("platform");
    if (!(r->rec.h.present & (1u << pf->index)))
      acr_rec_new_record(r, &r->rec, pf);
    rec = r->rec.platform;
    f = acr_type_field(&acr_type_platform, name + 9, strlen(name + 9));
  } else {
    f = F(name);
  }
  switch (f->kind) {
  case ACR_K_STRING: st = acr_rec_set_string(r, rec, f, v, strlen(v), &err); break;
  case ACR_K_ENUM: st = acr_rec_set_enum(r, rec, f, v, strlen(v), 0, &err); break;
  case ACR_K_BOOL: st = acr_rec_set_bool(r, rec, f, strcmp(v, "true") == 0, &err); break;
  case ACR_K_DATETIME: {
    acr_datetime dt;
    st = acr_datetime_parse(v, strlen(v), &dt, &err);
    if (st == ACR_OK) st = acr_rec_set_datetime(r, rec, f, &dt, &err);
    break;
  }
  default: st = ACR_EMISUSE; break;
  }
  if (st != ACR_OK) {
    fprintf(stderr, "cannot set %s = %s\n", name, v);
    exit(2);
  }
}

/* mk("runId", "r1", "status", "Failed", ..., NULL) */
static acr_run *mk(const char *name, ...) {
  acr_run *r = acr_run_new(&A);
  va_list ap;
  const char *k = name;
  va_start(ap, name);
  while (k) {
    const char *v = va_arg(ap, const char *);
    set(r, k, v);
    k = va_arg(ap, const char *);
  }
  va_end(ap);
  return r;
}

/* ---- filter helpers ------------------------------------------------------ */

static acr_filter *compile(const char *expr) {
  acr_error err;
  acr_filter *f = acr_filter_compile(expr, strlen(expr), &A, &err);
  if (f == NULL)
    fprintf(stderr, "compile failed: %s: column %ld: %s\n", expr, err.column,
            err.message);
  return f;
}

/* 1 match, 0 no match, -1 compile error */
static int M(const char *expr, const acr_run *r) {
  acr_filter *f = compile(expr);
  int m;
  if (f == NULL) return -1;
  m = acr_filter_match(f, r);
  acr_filter_free(f);
  return m;
}

static char tsbuf[4096];

/* Canonical text of expr, or "ERROR". */
static const char *canon(const char *expr) {
  acr_filter *f = compile(expr);
  acr_buf b;
  if (f == NULL) return "ERROR";
  memset(&b, 0, sizeof b);
  b.alloc = A;
  if (acr_filter_tostring(f, &b) != ACR_OK || b.len >= sizeof tsbuf) {
    strcpy(tsbuf, "TOSTRING FAILED");
  } else {
    memcpy(tsbuf, b.p, b.len);
    tsbuf[b.len] = '\0';
  }
  acr_free(&A, b.p, b.cap);
  acr_filter_free(f);
  return tsbuf;
}

/* Expects a compile error at column col with msg in the message. */
static void bad(const char *expr, long col, acr_status kind, const char *msg,
                int line) {
  acr_error err;
  acr_filter *f = acr_filter_compile(expr, strlen(expr), &A, &err);
  if (f != NULL) {
    failed++;
    fprintf(stderr, "%s:%d: \"%s\" compiled\n", __FILE__, line, expr);
    acr_filter_free(f);
    return;
  }
  if (err.kind != kind || (col && err.column != col) ||
      strstr(err.message, msg) == NULL ||
      err.offset < 0 || (size_t)err.offset > strlen(expr)) {
    failed++;
    fprintf(stderr,
            "%s:%d: \"%s\": expected %s at column %ld with \"%s\", got %s at "
            "column %ld (offset %ld): %s\n",
            __FILE__, line, expr, acr_status_name(kind), col, msg,
            acr_status_name(err.kind), err.column, err.offset, err.message);
    return;
  }
  passed++;
}
#define BAD(e, col, msg) bad((e), (col), ACR_ESYNTAX, (msg), __LINE__)

/* ---- tests --------------------------------------------------------------- */

static void test_properties(void) {
  acr_run *r = mk("runId", "cf1", "status", "Succeeded", "runType",
                  "QuickBuild", "task", "build-app", "createTime",
                  "2019-05-01T10:00:00Z", "finishTime",
                  "2019-05-01T10:05:30.5Z", "startTime",
                  "2019-05-01T10:01:00Z", "lastUpdatedTime",
                  "2019-05-01T10:05:31Z", "provisioningState", "Succeeded",
                  "agentPoolName", "pool1", "isArchiveEnabled", "true",
                  "platform/os", "linux", "platform/architecture", "amd64",
                  "image", "myimage|v1|sha256:abc", NULL);
  /* every property, eq */
  CHECK(M("runId eq 'cf1'", r) == 1);
  CHECK(M("runId eq 'cf2'", r) == 0);
  CHECK(M("runType eq 'QuickBuild'", r) == 1);
  CHECK(M("status eq 'Succeeded'", r) == 1);
  CHECK(M("createTime eq 2019-05-01T10:00:00Z", r) == 1);
  CHECK(M("finishTime eq 2019-05-01T10:05:30.500Z", r) == 1);
  CHECK(M("isArchiveEnabled eq true", r) == 1);
  CHECK(M("isArchiveEnabled eq false", r) == 0);
  CHECK(M("outputImageManifests eq 'myimage:v1,myimage@sha256:abc'", r) == 1);
  CHECK(M("taskName eq 'build-app'", r) == 1);
  CHECK(M("startTime eq 2019-05-01T10:01:00Z", r) == 1);
  CHECK(M("lastUpdatedTime gt 2019-05-01T10:05:30Z", r) == 1);
  CHECK(M("provisioningState eq 'succeeded'", r) == 1);
  CHECK(M("agentPoolName eq 'pool1'", r) == 1);
  CHECK(M("task eq 'build-app'", r) == 1);
  CHECK(M("platform/os eq 'Linux'", r) == 1);
  CHECK(M("platform/os eq 'Windows'", r) == 0);
  CHECK(M("platform/architecture eq 'AMD64'", r) == 1);
  /* every operator on strings (ordinal) */
  CHECK(M("runId ne 'cf1'", r) == 0);
  CHECK(M("runId ne 'cf0'", r) == 1);
  CHECK(M("runId gt 'cf0'", r) == 1);
  CHECK(M("runId gt 'cf1'", r) == 0);
  CHECK(M("runId ge 'cf1'", r) == 1);
  CHECK(M("runId lt 'cf2'", r) == 1);
  CHECK(M("runId lt 'cf1'", r) == 0);
  CHECK(M("runId le 'cf1'", r) == 1);
  CHECK(M("runId le 'CF9'", r) == 0); /* 'c' > 'C' in byte order */
  CHECK(M("runId eq 'CF1'", r) == 0); /* strings are exact */
  CHECK(M("runId gt 'cf'", r) == 1);  /* prefix sorts first */
  /* date-times */
  CHECK(M("createTime gt 2019-05-01T09:59:59.999999999Z", r) == 1);
  CHECK(M("createTime ge 2019-05-01T10:00:00Z", r) == 1);
  CHECK(M("createTime lt 2019-05-01T10:00:00.000000001Z", r) == 1);
  CHECK(M("createTime le 2019-05-01T10:00:00Z", r) == 1);
  CHECK(M("createTime ne 2019-05-01T10:00:00Z", r) == 0);
  CHECK(M("createTime gt 2019-05-01T10:00:00Z", r) == 0);
  /* across offsets: 12:00+02:00 is 10:00Z */
  CHECK(M("createTime eq 2019-05-01T12:00:00+02:00", r) == 1);
  CHECK(M("createTime eq 2019-05-01T05:30:00-04:30", r) == 1);
  CHECK(M("createTime lt 2019-05-01T12:00:01+02:00", r) == 1);
  CHECK(M("createTime gt 2019-05-01T11:59:59+02:00", r) == 1);
  CHECK(M("createTime eq 2019-05-01t10:00:00z", r) == 1);
  CHECK(M("createTime eq '2019-05-01T10:00:00Z'", r) == 1); /* quoted too */
  /* enums: case-insensitive, ordering by text */
  CHECK(M("status eq 'succeeded'", r) == 1);
  CHECK(M("status eq 'SUCCEEDED'", r) == 1);
  CHECK(M("status ne 'sUcCeEdEd'", r) == 0);
  CHECK(M("status gt 'running'", r) == 1);
  CHECK(M("status lt 'RUNNING'", r) == 0);
  CHECK(M("status ge 'succeeded'", r) == 1);
  CHECK(M("status le 'SUCCEEDED'", r) == 1);
  CHECK(M("status eq 'Unheard'", r) == 0);
  CHECK(M("status ne 'Unheard'", r) == 1);
  /* contains */
  CHECK(M("contains(runId, 'f')", r) == 1);
  CHECK(M("contains(runId, 'F')", r) == 0);
  CHECK(M("contains(taskName, 'app')", r) == 1);
  CHECK(M("contains(status, 'CEED')", r) == 1);
  CHECK(M("contains(agentPoolName, '')", r) == 1);
  CHECK(M("contains(runId, 'cf12')", r) == 0);
  /* case-insensitive names and keywords */
  CHECK(M("TaskName eq 'build-app' and Status eq 'Succeeded'", r) == 1);
  CHECK(M("RUNID EQ 'cf1' AND STATUS NE 'Failed'", r) == 1);
  CHECK(M("Contains(OutputImageManifests, 'myimage@sha256:abc')", r) == 1);
  CHECK(M("Platform/OS eq 'linux'", r) == 1);
  CHECK(M("isArchiveEnabled eq TRUE", r) == 1);
  /* literal op property is flipped */
  CHECK(M("'cf1' eq runId", r) == 1);
  CHECK(M("2019-05-01T11:00:00Z gt createTime", r) == 1);
  CHECK(M("2019-05-01T09:00:00Z gt createTime", r) == 0);
  CHECK(M("'a' lt runId", r) == 1);
  /* bare boolean */
  CHECK(M("isArchiveEnabled", r) == 1);
  CHECK(M("isArchiveEnabled and runId eq 'cf1'", r) == 1);
  /* null */
  CHECK(M("runId eq null", r) == 0);
  CHECK(M("runId ne null", r) == 1);
  CHECK(M("null ne runId", r) == 1);
  CHECK(M("createTime ne null", r) == 1);
  CHECK(M("outputImageManifests ne null", r) == 1);
  CHECK(M("platform/os ne null", r) == 1);
  acr_run_release(r);
}

static void test_absent(void) {
  acr_run *r = mk("runId", "x1", NULL);
  acr_run *w = mk("runId", "x2", "platform/os", "Windows", NULL);
  CHECK(M("status eq null", r) == 1);
  CHECK(M("status ne null", r) == 0);
  CHECK(M("status eq 'Failed'", r) == 0);
  CHECK(M("status ne 'Failed'", r) == 0); /* absent: only eq null holds */
  CHECK(M("status gt 'A'", r) == 0);
  CHECK(M("status lt 'z'", r) == 0);
  CHECK(M("status ge 'A'", r) == 0);
  CHECK(M("status le 'z'", r) == 0);
  CHECK(M("contains(status, '')", r) == 0);
  CHECK(M("taskName eq null", r) == 1);
  CHECK(M("contains(taskName, '')", r) == 0);
  CHECK(M("createTime lt 2100-01-01T00:00:00Z", r) == 0);
  CHECK(M("createTime gt 1900-01-01T00:00:00Z", r) == 0);
  CHECK(M("createTime eq null", r) == 1);
  CHECK(M("createTime ne 2019-01-01T00:00:00Z", r) == 0);
  CHECK(M("outputImageManifests eq null", r) == 1);
  CHECK(M("contains(outputImageManifests, '')", r) == 0);
  CHECK(M("outputImageManifests ne 'a'", r) == 0);
  CHECK(M("taskName ne 'x'", r) == 0);
  CHECK(M("platform/os ne 'Linux'", r) == 0);
  CHECK(M("platform/os ne null", r) == 0);
  CHECK(M("platform/os eq null", r) == 1);
  CHECK(M("platform/os eq 'Linux'", r) == 0);
  CHECK(M("platform/architecture eq null", w) == 1); /* platform, no arch */
  CHECK(M("platform/architecture ne 'amd64'", w) == 0);
  CHECK(M("platform/architecture ne null", w) == 0);
  CHECK(M("platform/os eq 'windows'", w) == 1);
  /* isArchiveEnabled absent reads as its default, false */
  CHECK(M("isArchiveEnabled eq false", r) == 1);
  CHECK(M("isArchiveEnabled eq true", r) == 0);
  CHECK(M("isArchiveEnabled ne true", r) == 1);
  CHECK(M("isArchiveEnabled eq null", r) == 0);
  CHECK(M("isArchiveEnabled ne null", r) == 1);
  CHECK(M("isArchiveEnabled", r) == 0);
  acr_run_release(r);
  acr_run_release(w);
}

static void test_enums_unknown(void) {
  acr_run *r = mk("status", "Paused", "runType", "autobuild", NULL);
  CHECK(M("status eq 'paused'", r) == 1);
  CHECK(M("status eq 'PAUSED'", r) == 1);
  CHECK(M("status ne 'Paused'", r) == 0);
  CHECK(M("status eq 'Running'", r) == 0);
  CHECK(M("status gt 'Failed'", r) == 1);
  CHECK(M("status lt 'queued'", r) == 1);
  CHECK(M("runType eq 'AutoBuild'", r) == 1); /* stored canonical */
  CHECK(M("contains(runType, 'build')", r) == 1);
  acr_run_release(r);
}

static void test_quotes(void) {
  acr_run *r = mk("runId", "it's", "task", "''", NULL);
  CHECK(M("runId eq 'it''s'", r) == 1);
  CHECK(M("runId eq 'its'", r) == 0);
  CHECK(M("taskName eq ''''''", r) == 1);
  CHECK(M("contains(runId, '''')", r) == 1);
  CHECK_STR(canon("runId eq 'it''s'"), "runId eq 'it''s'");
  CHECK_STR(canon("taskName eq ''''''"), "taskName eq ''''''");
  CHECK_STR(canon("runId eq ''"), "runId eq ''");
  CHECK_STR(canon("contains(runId,'''a''')"), "contains(runId, '''a''')");
  acr_run_release(r);
}

static void test_manifests(void) {
  acr_run *r = mk("image", "myimage|v1|sha256:abc", "image", "other|latest|",
                  "image", "|orphan|sha256:zz", "image", "digestonly||sha256:d",
                  "image", "bare||", NULL);
  const char *all =
      "myimage:v1,myimage@sha256:abc,other:latest,digestonly@sha256:d";
  char expr[256];
  snprintf(expr, sizeof expr, "outputImageManifests eq '%s'", all);
  CHECK(M(expr, r) == 1);
  CHECK(M("contains(outputImageManifests, 'myimage@sha256:abc')", r) == 1);
  CHECK(M("contains(outputImageManifests, 'myimage:v1')", r) == 1);
  CHECK(M("contains(outputImageManifests, 'v1,myimage@')", r) == 1);
  CHECK(M("contains(outputImageManifests, 'abc,other:l')", r) == 1);
  CHECK(M("contains(outputImageManifests, 'digestonly@sha256:d')", r) == 1);
  CHECK(M("contains(outputImageManifests, 'sha256:d,')", r) == 0);
  CHECK(M("contains(outputImageManifests, 'orphan')", r) == 0);
  CHECK(M("contains(outputImageManifests, 'bare')", r) == 0);
  CHECK(M("contains(outputImageManifests, 'MYIMAGE')", r) == 0);
  CHECK(M("contains(outputImageManifests, '')", r) == 1);
  CHECK(M("contains(outputImageManifests, 'myimage:v1,myimage@sha256:abc,"
          "other:latest,digestonly@sha256:d')", r) == 1);
  CHECK(M("contains(outputImageManifests, 'myimage:v1,myimage@sha256:abc,"
          "other:latest,digestonly@sha256:dx')", r) == 0);
  CHECK(M("outputImageManifests eq 'myimage:v1'", r) == 0);
  CHECK(M("outputImageManifests gt 'myimage:v1'", r) == 1);
  CHECK(M("outputImageManifests lt 'myimage:v1'", r) == 0);
  CHECK(M("outputImageManifests lt 'n'", r) == 1);
  snprintf(expr, sizeof expr, "outputImageManifests le '%s'", all);
  CHECK(M(expr, r) == 1);
  snprintf(expr, sizeof expr, "outputImageManifests lt '%s'", all);
  CHECK(M(expr, r) == 0);
  snprintf(expr, sizeof expr, "outputImageManifests lt '%s!'", all);
  CHECK(M(expr, r) == 1);
  acr_run_release(r);
  /* a long manifest list: no fixed buffer */
  {
    acr_run *big = acr_run_new(&A);
    char spec[64];
    int i;
    for (i = 0; i < 300; i++) {
      snprintf(spec, sizeof spec, "repo%03d|tag%03d|sha256:%03d", i, i, i);
      add_image(big, spec);
    }
    CHECK(M("contains(outputImageManifests, 'repo299@sha256:299')", big) == 1);
    CHECK(M("contains(outputImageManifests, 'sha256:298,repo299:')", big) == 1);
    CHECK(M("contains(outputImageManifests, 'repo300')", big) == 0);
    acr_run_release(big);
  }
}

static void test_logic(void) {
  acr_run *r = mk("runId", "a", "status", "Failed", "task", "t1", NULL);
  /* and binds tighter than or */
  CHECK(M("runId eq 'a' or runId eq 'b' and status eq 'Succeeded'", r) == 1);
  CHECK(M("(runId eq 'a' or runId eq 'b') and status eq 'Succeeded'", r) == 0);
  CHECK(M("runId eq 'z' or status eq 'Failed' and taskName eq 't1'", r) == 1);
  CHECK(M("runId eq 'z' or status eq 'Failed' and taskName eq 't2'", r) == 0);
  CHECK(M("runId eq 'a' and (taskName eq 'x' or taskName eq 't1')", r) == 1);
  CHECK(M("((((runId eq 'a'))))", r) == 1);
  CHECK(M("runId eq 'x' or runId eq 'y' or runId eq 'a'", r) == 1);
  CHECK(M("runId eq 'a' and runId eq 'a' and runId ne 'a'", r) == 0);
  CHECK(M("runId eq 'a'and(status eq 'Failed')", r) == 1);
  CHECK(M("\t runId eq 'a'\r\n", r) == 1);
  acr_run_release(r);
}

static void test_errors(void) {
  char deep[1200];
  int i;
  BAD("", 1, "expected a condition");
  BAD("   ", 4, "found end of expression");
  BAD("status eq", 10, "expected a literal after 'eq'");
  BAD("status eq and runId eq 'a'", 11, "expected a literal");
  BAD("(status eq 'a'", 15, "to close the '(' at column 1");
  BAD("((status eq 'a')", 17, "to close the '(' at column 1");
  BAD("status eq 'a')", 14, "without a matching '('");
  BAD(")", 1, "without a matching '('");
  BAD("()", 2, "expected a condition");
  BAD("status eq 'abc", 11, "unterminated string");
  BAD("status eq 'it''s", 11, "unterminated string");
  BAD("foo eq 'a'", 1, "unknown property 'foo'");
  BAD("foo eq 'a'", 1, "taskName");
  BAD("Stauts eq 'a'", 1, "did you mean 'status'?");
  BAD("status eq 'a' and properties/status eq 'b'", 19, "unknown property");
  BAD("not status eq 'a'", 1,
      "operator 'not' is not supported by the service ($filter allows eq, "
      "ne, gt, ge, lt, le, and, or, contains)");
  BAD("runId eq 'a' and not runId eq 'b'", 18, "operator 'not' is not");
  BAD("status has 'a'", 8, "operator 'has' is not supported by the service");
  BAD("outputImageManifests/all(x: x eq 'a')", 22,
      "operator 'all' is not supported");
  BAD("outputImageManifests/any(x: x eq 'a')", 22,
      "operator 'any' is not supported");
  BAD("runId in ('a', 'b')", 7, "operator 'in' is not supported");
  BAD("runId add 1 eq 2", 7, "arithmetic operator 'add' is not supported");
  BAD("runId eq 'a' mul 2", 14, "arithmetic operator 'mul'");
  BAD("runId eq 'a' mod 2", 14, "arithmetic operator 'mod'");
  BAD("createTime sub 1 gt 2", 12, "arithmetic operator 'sub'");
  BAD("runId eq 'a' + 'b'", 14, "arithmetic is not supported");
  BAD("status eq 'a' xyz", 15, "expected 'and', 'or' or end of expression");
  BAD("status eq 'a' 'b'", 15, "found string 'b'");
  BAD("status eq 'a' and", 18, "expected a condition");
  BAD("status eq 'a' or", 17, "expected a condition");
  BAD("status eq 'a' or or", 18, "expected a condition");
  BAD("status", 7, "expected a comparison operator after 'status'");
  BAD("status 'a'", 8, "comparison operator");
  BAD("status = 'a'", 8, "comparisons are written eq");
  BAD("status eq \"a\"", 11, "single quotes");
  BAD("runId eq 5", 10, "runId takes a string in single quotes");
  BAD("runId eq true", 10, "takes a string");
  BAD("status eq 2019-01-01T00:00:00Z", 11, "takes a string");
  BAD("createTime eq 'abc'", 0, "createTime takes a date-time");
  BAD("createTime eq 5", 0, "date-time");
  BAD("createTime eq true", 15, "createTime takes a date-time");
  BAD("createTime ge 2019-05-01", 0, "date-time");
  BAD("createTime ge 2019-13-01T00:00:00Z", 0, "date-time");
  BAD("createTime ge 2019-05-01T00:00:00", 0, "date-time");
  BAD("isArchiveEnabled gt true", 18, "eq or ne");
  BAD("isArchiveEnabled eq 'true'", 21, "isArchiveEnabled takes true, false");
  BAD("isArchiveEnabled eq 1", 21, "takes true, false or null");
  BAD("status gt null", 8, "null can only be compared with eq or ne");
  BAD("contains(createTime, 'x')", 10, "contains applies to text");
  BAD("contains(isArchiveEnabled, 'x')", 10, "contains applies to text");
  BAD("contains('x', runId)", 10, "contains takes the property first");
  BAD("contains(runId 'x')", 16, "expected ','");
  BAD("contains(runId, 5)", 17, "contains takes a string");
  BAD("contains(runId, null)", 17, "contains takes a string");
  BAD("contains(runId, 'x'", 20, "')' to close contains(");
  BAD("contains(nope, 'x')", 10, "unknown property 'nope'");
  BAD("startswith(runId, 'a')", 1, "function 'startswith' is not supported");
  BAD("tolower(runId) eq 'a'", 1, "function 'tolower'");
  BAD("status eq taskName", 11, "comparing two properties");
  BAD("'a' eq 'b'", 1, "two literals");
  BAD("and eq 'a'", 1, "expected a condition");
  BAD("status eq 'a' && runId eq 'b'", 15, "found '&'");
  BAD("runId eq 'é' and foo eq 'x'", 18, "unknown property 'foo'");
  BAD("runId eq 'x' !", 14, "operator 'not'");
  BAD("runId eq -x", 10, "arithmetic");
  BAD("runId eq 1.5", 10, "takes a string");
  /* depth */
  for (i = 0; i < 256; i++) deep[i] = '(';
  strcpy(deep + 256, "runId eq 'a'");
  for (i = 0; i < 256; i++) strcat(deep, ")");
  {
    acr_filter *f = compile(deep);
    CHECK(f != NULL);
    acr_filter_free(f);
  }
  for (i = 0; i < 257; i++) deep[i] = '(';
  strcpy(deep + 257, "runId eq 'a'");
  for (i = 0; i < 257; i++) strcat(deep, ")");
  bad(deep, 257, ACR_ELIMIT, "nested deeper than 256", __LINE__);
  /* the column points at the offending byte */
  {
    acr_error err;
    const char *e = "status eq 'a' and bogus eq 'b'";
    CHECK(acr_filter_compile(e, strlen(e), &A, &err) == NULL);
    CHECK(err.offset == 18 && err.column == 19 && err.kind == ACR_ESYNTAX);
    CHECK(err.line == 1);
    CHECK(strncmp(err.message, "column", 6) != 0); /* the binding adds it */
  }
  /* misuse */
  {
    acr_error err;
    CHECK(acr_filter_compile("x", 1, NULL, &err) == NULL);
    CHECK(err.kind == ACR_EMISUSE);
    CHECK(acr_filter_compile(NULL, 0, &A, &err) == NULL);
    CHECK(err.kind == ACR_ESYNTAX);
    {
      acr_filter *f = acr_filter_compile("runId eq 'a'", 12, &A, NULL);
      CHECK(f != NULL); /* NULL err allowed */
      acr_filter_free(f);
      CHECK(acr_filter_compile("runId eq", 8, &A, NULL) == NULL);
    }
  }
  /* embedded NUL: counted length */
  {
    acr_error err;
    const char e[] = "runId eq 'a'\0 or x";
    acr_filter *f = acr_filter_compile(e, sizeof e - 1, &A, &err);
    CHECK(f == NULL && err.offset == 12);
    f = acr_filter_compile(e, 12, &A, &err);
    CHECK(f != NULL);
    acr_filter_free(f);
  }
}

static void test_tostring(void) {
  static const char *const pairs[][2] = {
      {"runId eq 'a'", "runId eq 'a'"},
      {"  RUNID   EQ   'a'  ", "runId eq 'a'"},
      {"TaskName eq 'x' and Status eq 'succeeded'",
       "taskName eq 'x' and status eq 'Succeeded'"},
      {"task eq 'x'", "taskName eq 'x'"},
      {"status eq 'paused'", "status eq 'paused'"},
      {"platform/OS eq 'LINUX'", "platform/os eq 'Linux'"},
      {"Platform/Architecture eq 'ARM64'", "platform/architecture eq 'arm64'"},
      {"a" "gentPoolName ne null", "agentPoolName ne null"},
      {"createTime ge 2019-05-01T00:00:00.1230+02:00",
       "createTime ge 2019-05-01T00:00:00.1230+02:00"},
      {"createTime ge '2019-05-01T00:00:00Z'", "createTime ge 2019-05-01T00:00:00Z"},
      {"createTime ge 2019-05-01t00:00:00z", "createTime ge 2019-05-01t00:00:00z"},
      {"isArchiveEnabled", "isArchiveEnabled eq true"},
      {"isArchiveEnabled EQ FALSE", "isArchiveEnabled eq false"},
      {"'x' eq runId", "runId eq 'x'"},
      {"2019-01-01T00:00:00Z lt createTime", "createTime gt 2019-01-01T00:00:00Z"},
      {"2019-01-01T00:00:00Z ge finishTime", "finishTime le 2019-01-01T00:00:00Z"},
      {"null eq status", "status eq null"},
      {"contains( OutputImageManifests ,'a@sha256:1' )",
       "contains(outputImageManifests, 'a@sha256:1')"},
      {"((runId eq 'a'))", "runId eq 'a'"},
      {"runId eq 'a' or (runId eq 'b' or runId eq 'c')",
       "runId eq 'a' or runId eq 'b' or runId eq 'c'"},
      {"(runId eq 'a' and runId eq 'b') or runId eq 'c'",
       "runId eq 'a' and runId eq 'b' or runId eq 'c'"},
      {"(runId eq 'a' or runId eq 'b') and runId eq 'c'",
       "(runId eq 'a' or runId eq 'b') and runId eq 'c'"},
      {"runId eq 'a' and (runId eq 'b' and (runId eq 'c' or runId eq 'd'))",
       "runId eq 'a' and runId eq 'b' and (runId eq 'c' or runId eq 'd')"},
      {"(runId eq 'a' or (runId eq 'b' and (runId eq 'c' or runId eq 'd')))",
       "runId eq 'a' or runId eq 'b' and (runId eq 'c' or runId eq 'd')"},
      {"runId eq 'é'", "runId eq 'é'"},
  };
  size_t i;
  for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    char first[4096];
    CHECK_STR(canon(pairs[i][0]), pairs[i][1]);
    strcpy(first, canon(pairs[i][0]));
    CHECK_STR(canon(first), first); /* a fixed point */
  }
}

/* ---- lists --------------------------------------------------------------- */

static acr_runlist *list_of(acr_run **runs, size_t n) {
  acr_runlist *l = acr_runlist_new(&A);
  size_t i;
  for (i = 0; i < n; i++) acr_runlist_push(l, runs[i]);
  return l;
}

static const char *ids(const acr_runlist *l) {
  static char buf[1024];
  size_t i, o = 0;
  buf[0] = '\0';
  for (i = 0; i < l->n; i++) {
    const acr_str *s = l->runs[i]->rec.runId;
    o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "," : "",
                          s ? s->s : "?");
  }
  return buf;
}

/* ---- columns ------------------------------------------------------------- */

static const char *const COL_EXPRS[] = {
    "status eq 'Failed'", "status ne 'failed' and status ne null",
    "createTime ge 2019-05-01T10:00:00Z", "taskName eq 'b'",
    "contains(task, 'a')", "isArchiveEnabled eq false",
    "platform/os eq 'Linux'", "runId gt 'r2'", "status gt 'R'",
};

/* l and m (copies of the same runs) hold equal runs in the same order. */
static int same_runs(const acr_runlist *l, const acr_runlist *m) {
  size_t i;
  if (l == NULL || m == NULL || l->n != m->n) return 0;
  for (i = 0; i < l->n; i++)
    if (!acr_run_equal(l->runs[i], m->runs[i])) return 0;
  return 1;
}

static size_t index_of(const acr_runlist *l, const acr_run *r) {
  size_t i;
  for (i = 0; i < l->n; i++)
    if (l->runs[i] == r) return i;
  return (size_t)-1;
}

static int same_groups(const acr_runlist *l, const acr_groups *g,
                       const acr_runlist *m, const acr_groups *h) {
  size_t i;
  if (g->n != h->n || g->absent != h->absent) return 0;
  for (i = 0; i < g->n; i++) {
    const acr_group *a = &g->items[i], *b = &h->items[i];
    if (a->count != b->count || a->len != b->len ||
        memcmp(a->text, b->text, a->len) != 0 ||
        index_of(l, a->first) != index_of(m, b->first))
      return 0;
  }
  return 1;
}

static const char *const QUERY_KEYS[] = {"status", "createTime", "task",
                                         "isArchiveEnabled", "runId"};

/* sort, top, count_by and summary over l (which may have columns from
 * before a change) give what they give over fresh copies of its runs
 * (whose columns are new); l is left sorted by runId, descending. */
static int queries_agree(acr_runlist *l) {
  acr_runlist *m = acr_runlist_new(&A), *d, *e;
  acr_groups g, h;
  acr_summary s, t;
  size_t i, k;
  int ok = 1;
  for (i = 0; i < l->n; i++) {
    acr_run *c = acr_run_clone(l->runs[i], &A);
    acr_runlist_push(m, c);
    acr_run_release(c);
  }
  acr_groups_init(&g, &A);
  acr_groups_init(&h, &A);
  for (k = 0; k < sizeof QUERY_KEYS / sizeof *QUERY_KEYS; k++) {
    const acr_field *f = F(QUERY_KEYS[k]);
    if (acr_runlist_count_by(l, f, &g) != ACR_OK ||
        acr_runlist_count_by(m, f, &h) != ACR_OK || !same_groups(l, &g, m, &h)) {
      fprintf(stderr, "count_by %s stale\n", QUERY_KEYS[k]);
      ok = 0;
    }
  }
  acr_groups_free(&g);
  acr_groups_free(&h);
  acr_summary_init(&s, &A);
  acr_summary_init(&t, &A);
  if (acr_runlist_summary(l, &s) != ACR_OK ||
      acr_runlist_summary(m, &t) != ACR_OK || s.total != t.total ||
      s.ntasks != t.ntasks || !same_groups(l, &s.by_status, m, &t.by_status)) {
    fprintf(stderr, "summary stale\n");
    ok = 0;
  }
  for (i = 0; ok && i < s.ntasks; i++) {
    const acr_task_stats *a = &s.tasks[i], *b = &t.tasks[i];
    if (a->runs != b->runs || a->failed != b->failed ||
        a->finished != b->finished || a->p50 != b->p50 || a->p95 != b->p95 ||
        a->len != b->len || (a->task == NULL) != (b->task == NULL) ||
        (a->task && memcmp(a->task, b->task, a->len) != 0)) {
      fprintf(stderr, "summary task %u stale\n", (unsigned)i);
      ok = 0;
    }
  }
  acr_summary_free(&s);
  acr_summary_free(&t);
  for (k = 1; k < 4; k += 2) {
    d = acr_runlist_top(l, k);
    e = acr_runlist_top(m, k);
    if (!same_runs(d, e)) fprintf(stderr, "top %u stale\n", (unsigned)k), ok = 0;
    acr_runlist_free(d);
    acr_runlist_free(e);
  }
  for (k = 0; k < sizeof QUERY_KEYS / sizeof *QUERY_KEYS; k++) {
    const acr_field *f = F(QUERY_KEYS[k]);
    int desc;
    for (desc = 0; desc < 2; desc++)
      if (acr_runlist_sort(l, f, desc) != ACR_OK ||
          acr_runlist_sort(m, f, desc) != ACR_OK || !same_runs(l, m)) {
        fprintf(stderr, "sort %s%s stale\n", QUERY_KEYS[k], desc ? " desc" : "");
        ok = 0;
      }
  }
  acr_runlist_free(m);
  return ok;
}

/* Every expression gives over l what acr_filter_match gives run by run
 * (which reads the runs, never the columns); and the other queries agree
 * with fresh copies (queries_agree). */
static int agrees(acr_runlist *l) {
  size_t e, i;
  int ok = queries_agree(l);
  for (e = 0; e < sizeof COL_EXPRS / sizeof *COL_EXPRS; e++) {
    acr_filter *f = compile(COL_EXPRS[e]);
    acr_runlist *d = acr_runlist_filter(l, f);
    size_t k = 0;
    if (d == NULL) return 0;
    for (i = 0; i < l->n; i++)
      if (acr_filter_match(f, l->runs[i])) {
        if (k >= d->n || d->runs[k] != l->runs[i]) ok = 0;
        k++;
      }
    if (k != d->n) ok = 0;
    if (!ok) fprintf(stderr, "columns stale for %s\n", COL_EXPRS[e]);
    acr_runlist_free(d);
    acr_filter_free(f);
  }
  return ok;
}

static void test_columns(void) {
  acr_run *r[4], *x;
  acr_runlist *l, *m, *many[12];
  acr_filter *f;
  const acr_cols *c;
  size_t i;
  r[0] = mk("runId", "r0", "status", "Failed", "task", "a",
            "createTime", "2019-05-01T10:00:00Z", "platform/os", "linux", NULL);
  r[1] = mk("runId", "r1", "status", "Succeeded", "task", "b",
            "isArchiveEnabled", "true", NULL);
  r[2] = mk("runId", "r2", "task", "ab", "createTime",
            "2019-05-01T12:00:00+03:00", NULL);
  r[3] = mk("runId", "r3", "status", "weird", NULL);
  l = list_of(r, 4);
  CHECK(agrees(l));
  c = acr_runlist_cols(l, 1u << ACR_RUN_STATUS);
  CHECK(c != NULL && c->n == 4 && (c->built & (1u << ACR_RUN_STATUS)));
  /* agrees sorted l: its rows follow */
  CHECK(c && ((const int32_t *)c->col[ACR_RUN_STATUS])[index_of(l, r[2])] ==
                 ACR_COL_ABSENT);
  CHECK(c && ((const int32_t *)c->col[ACR_RUN_STATUS])[index_of(l, r[3])] ==
                 ACR_ENUM_UNKNOWN);
  CHECK(acr_runlist_cols(l, 1u << ACR_RUN_OUTPUTIMAGES) == NULL);
  CHECK(acr_runlist_memsize(l) > 4 * sizeof(acr_run) + 4 * sizeof(uint32_t));
  /* every setter shows */
  set(r[1], "status", "failed");
  CHECK(agrees(l));
  set(r[2], "createTime", "2018-01-01T00:00:00Z");
  CHECK(agrees(l));
  set(r[0], "task", "b");
  CHECK(agrees(l));
  set(r[3], "isArchiveEnabled", "true");
  CHECK(agrees(l));
  set(r[3], "platform/os", "Linux");
  CHECK(agrees(l));
  acr_rec_clear(r[0], &r[0]->rec, F("status"));
  CHECK(agrees(l));
  acr_rec_attach(r[3], &r[3]->rec, F("platform"), NULL);
  CHECK(agrees(l));
  CHECK(acr_run_compact(r[0]) == ACR_OK); /* string columns point into it */
  CHECK(agrees(l));
  /* the list's array: set, push, sort */
  x = mk("runId", "x", "status", "Failed", "task", "b", NULL);
  CHECK(acr_runlist_set(l, 1, x) == ACR_OK);
  CHECK(acr_runlist_set(l, 4, x) == ACR_EMISUSE);
  CHECK(agrees(l));
  CHECK(acr_runlist_push(l, r[1]) == ACR_OK);
  CHECK(agrees(l));
  CHECK(acr_runlist_sort(l, F("runId"), 1) == ACR_OK);
  CHECK(agrees(l));
  /* a run shared by two lists, changed while both have columns */
  m = list_of(r, 3);
  CHECK(agrees(m) && agrees(l));
  set(r[2], "status", "Failed");
  CHECK(agrees(m) && agrees(l));
  /* runs with more epochs than a list records */
  for (i = 0; i < 12; i++) {
    many[i] = list_of(&r[i % 4], 1);
    CHECK(agrees(many[i]));
  }
  acr_runlist_free(m);
  m = acr_runlist_new(&A);
  for (i = 0; i < 12; i++) acr_runlist_push(m, many[i]->runs[0]);
  CHECK(agrees(m));
  for (i = 0; i < 12; i++) {
    set(many[i]->runs[0], "status", i % 2 ? "Failed" : "Queued");
    CHECK(agrees(m) && agrees(many[i]) && agrees(l));
  }
  for (i = 0; i < 12; i++) acr_runlist_free(many[i]);
  /* the runs outlive the lists: their epochs stay valid */
  acr_runlist_free(m);
  acr_runlist_free(l);
  set(r[0], "status", "Running");
  set(x, "task", "z");
  f = compile("status eq 'Running'");
  CHECK(acr_filter_match(f, r[0]));
  acr_filter_free(f);
  for (i = 0; i < 4; i++) {
    CHECK(r[i]->refcount == 1);
    acr_run_release(r[i]);
  }
  acr_run_release(x);
}

/* ---- streamed encoding ---------------------------------------------------- */

typedef struct sink {
  acr_buf got;
  size_t pieces, fail_at;
} sink;

static int sink_write(void *ud, const char *p, size_t n) {
  sink *k = (sink *)ud;
  if (++k->pieces == k->fail_at) return 1;
  return acr_buf_add(&k->got, p, n) == ACR_OK ? 0 : 1;
}

static void test_encode_to(void) {
  enum { N = 12000 }; /* about 2.6 MB of JSON: three pieces of 1 MB */
  acr_runlist *l = acr_runlist_new(&A);
  acr_buf whole, scratch;
  acr_encode_opts pretty = {.profile = ACR_PROFILE_FULL, .indent = "  "};
  sink k;
  char id[32];
  size_t i;
  for (i = 0; i < N; i++) {
    acr_run *r;
    snprintf(id, sizeof id, "run-%u", (unsigned)i);
    r = mk("runId", id, "status", "Failed", "task", "build \"quoted\"",
           "createTime", "2019-05-01T10:00:00.123+02:00", "image",
           "base/alpine|v1|sha256:0123456789abcdef0123456789abcdef0123",
           NULL);
    acr_runlist_push(l, r);
    acr_run_release(r);
  }
  CHECK(acr_runlist_set_nextlink(l, "https://next?a=1", 16) == ACR_OK);
  acr_buf_init(&whole, &A);
  acr_buf_init(&scratch, &A);
  memset(&k, 0, sizeof k);
  acr_buf_init(&k.got, &A);
  CHECK(acr_json_encode_list(l, NULL, &whole) == ACR_OK);
  CHECK(acr_json_encode_list_to(l, NULL, &scratch, sink_write, &k) == ACR_OK);
  CHECK(k.pieces >= 2 && k.got.len == whole.len &&
        memcmp(k.got.p, whole.p, whole.len) == 0);
  CHECK(scratch.cap < whole.len); /* never the whole document at once */
  /* pretty output streams the same bytes too */
  whole.len = 0;
  k.got.len = 0;
  k.pieces = 0;
  CHECK(acr_json_encode_list(l, &pretty, &whole) == ACR_OK);
  CHECK(acr_json_encode_list_to(l, &pretty, &scratch, sink_write, &k) ==
        ACR_OK);
  CHECK(k.got.len == whole.len && memcmp(k.got.p, whole.p, whole.len) == 0);
  /* a refusing sink stops the encoding */
  k.got.len = 0;
  k.pieces = 0;
  k.fail_at = 2;
  CHECK(acr_json_encode_list_to(l, NULL, &scratch, sink_write, &k) ==
        ACR_EWRITE);
  CHECK(k.pieces == 2);
  CHECK(strcmp(acr_status_name(ACR_EWRITE), "write") == 0);
  CHECK(acr_json_encode_list_to(l, NULL, &scratch, NULL, &k) == ACR_EMISUSE);
  acr_buf_free(&k.got);
  acr_buf_free(&scratch);
  acr_buf_free(&whole);
  acr_runlist_free(l);
}

static void test_lists(void) {
  acr_run *r[6];
  acr_runlist *l, *d;
  acr_filter *f;
  r[0] = mk("runId", "r0", "status", "Succeeded", "task", "b",
            "createTime", "2019-05-01T10:00:00Z", NULL);
  r[1] = mk("runId", "r1", "status", "failed", "task", "a",
            "createTime", "2019-05-01T12:00:00+03:00", NULL); /* 09:00Z */
  r[2] = mk("runId", "r2", "task", "b",
            "createTime", "2019-05-01T11:00:00Z", NULL);
  r[3] = mk("runId", "r3", "status", "Running", NULL);
  r[4] = mk("runId", "r4", "status", "Succeeded", "task", "a",
            "createTime", "2019-05-01T06:00:00-04:00", NULL); /* 10:00Z */
  r[5] = mk("runId", "r5", "status", "Queued", "task", "c",
            "isArchiveEnabled", "true", NULL);
  l = list_of(r, 6);
  CHECK(l->n == 6 && r[0]->refcount == 2);
  CHECK(acr_runlist_set_nextlink(l, "https://next", 12) == ACR_OK);
  CHECK(l->nextLink && strcmp(l->nextLink->s, "https://next") == 0);
  CHECK(acr_runlist_set_nextlink(l, NULL, 0) == ACR_OK && !l->nextLink);
  CHECK(acr_runlist_memsize(l) > 6 * sizeof(acr_run));

  /* filter: order kept, runs shared */
  f = compile("status eq 'Succeeded' or taskName eq 'b'");
  d = acr_runlist_filter(l, f);
  CHECK_STR(ids(d), "r0,r2,r4");
  CHECK(r[0]->refcount == 3 && d->runs[0] == r[0]);
  acr_runlist_free(d);
  CHECK(r[0]->refcount == 2);
  acr_filter_free(f);
  f = compile("runId eq 'none'");
  d = acr_runlist_filter(l, f);
  CHECK(d && d->n == 0);
  acr_runlist_free(d);
  acr_filter_free(f);

  /* sort: stable, absent last both ways */
  CHECK(acr_runlist_sort(l, F("task"), 0) == ACR_OK);
  CHECK_STR(ids(l), "r1,r4,r0,r2,r5,r3");
  CHECK(acr_runlist_sort(l, F("task"), 1) == ACR_OK);
  CHECK_STR(ids(l), "r5,r0,r2,r1,r4,r3");
  CHECK(acr_runlist_sort(l, F("runId"), 0) == ACR_OK);
  CHECK_STR(ids(l), "r0,r1,r2,r3,r4,r5");
  CHECK(acr_runlist_sort(l, F("createTime"), 0) == ACR_OK);
  CHECK_STR(ids(l), "r1,r0,r4,r2,r3,r5"); /* by instant; r0 == r4 stable */
  CHECK(acr_runlist_sort(l, F("createTime"), 1) == ACR_OK);
  CHECK_STR(ids(l), "r2,r0,r4,r1,r3,r5");
  CHECK(acr_runlist_sort(l, F("runId"), 0) == ACR_OK);
  CHECK(acr_runlist_sort(l, F("status"), 0) == ACR_OK);
  /* text order, case-insensitive: failed, Queued, Running, Succeeded x2 */
  CHECK_STR(ids(l), "r1,r5,r3,r0,r4,r2");
  CHECK(acr_runlist_sort(l, F("status"), 1) == ACR_OK);
  CHECK_STR(ids(l), "r0,r4,r3,r5,r1,r2");
  CHECK(acr_runlist_sort(l, F("runId"), 0) == ACR_OK);
  CHECK(acr_runlist_sort(l, F("isArchiveEnabled"), 1) == ACR_OK);
  CHECK_STR(ids(l), "r5,r0,r1,r2,r3,r4");
  CHECK(acr_runlist_sort(l, F("outputImages"), 0) == ACR_EMISUSE);
  CHECK(acr_runlist_sort(l, F("platform"), 0) == ACR_EMISUSE);
  CHECK(acr_runlist_sort(l, acr_type_field(&acr_type_image, "tag", 3), 0) ==
        ACR_EMISUSE);
  CHECK(acr_runlist_sort(l, NULL, 0) == ACR_EMISUSE);

  /* top: newest first, absent createTime last */
  CHECK(acr_runlist_sort(l, F("runId"), 0) == ACR_OK);
  d = acr_runlist_top(l, 3);
  CHECK_STR(ids(d), "r2,r0,r4");
  CHECK(r[2]->refcount == 3 && r[1]->refcount == 2);
  acr_runlist_free(d);
  d = acr_runlist_top(l, 100);
  CHECK_STR(ids(d), "r2,r0,r4,r1,r3,r5");
  acr_runlist_free(d);
  d = acr_runlist_top(l, 0);
  CHECK(d && d->n == 0);
  acr_runlist_free(d);
  CHECK_STR(ids(l), "r0,r1,r2,r3,r4,r5"); /* top leaves l alone */

  /* count_by */
  {
    acr_groups g;
    acr_groups_init(&g, &A);
    CHECK(acr_runlist_count_by(l, F("status"), &g) == ACR_OK);
    CHECK(g.n == 4 && g.absent == 1);
    CHECK(g.n == 4 && g.items[0].count == 2 &&
          strcmp(g.items[0].text, "Succeeded") == 0);
    CHECK(g.n == 4 && g.items[1].count == 1 &&
          strcmp(g.items[1].text, "Failed") == 0 && g.items[1].len == 6);
    CHECK(g.n == 4 && strcmp(g.items[2].text, "Running") == 0);
    CHECK(g.n == 4 && strcmp(g.items[3].text, "Queued") == 0);
    CHECK(acr_runlist_count_by(l, F("task"), &g) == ACR_OK);
    CHECK(g.n == 3 && g.absent == 1);
    CHECK(g.n == 3 && strcmp(g.items[0].text, "b") == 0 &&
          g.items[0].count == 2 && g.items[0].first == r[0]);
    CHECK(acr_runlist_count_by(l, F("createTime"), &g) == ACR_OK);
    CHECK(g.n == 3 && g.absent == 2); /* r0 and r4: same instant */
    CHECK(g.n == 3 && strcmp(g.items[0].text, "2019-05-01T10:00:00Z") == 0 &&
          g.items[0].count == 2);
    CHECK(g.n == 3 && strcmp(g.items[1].text, "2019-05-01T12:00:00+03:00") ==
                          0);
    CHECK(acr_runlist_count_by(l, F("isArchiveEnabled"), &g) == ACR_OK);
    /* an absent bool counts as false, as the filter reads it (issue 11) */
    CHECK(g.n == 2 && g.absent == 0);
    if (g.n == 2) {
      size_t t = strcmp(g.items[0].text, "true") == 0 ? 0 : 1;
      CHECK(strcmp(g.items[t].text, "true") == 0 && g.items[t].count == 1);
      CHECK(strcmp(g.items[1 - t].text, "false") == 0 &&
            g.items[1 - t].count == 5);
    }
    CHECK(acr_runlist_count_by(l, F("outputImages"), &g) == ACR_EMISUSE);
    CHECK(g.n == 0);
    acr_groups_free(&g);
    acr_groups_free(&g); /* idempotent */
  }
  CHECK(acr_query_field("createTime", 10) == F("createTime"));
  CHECK(acr_query_field("CREATETIME", 10) == F("createTime"));
  CHECK(acr_query_field("taskName", 8) == F("task"));
  CHECK(acr_query_field("outputImages", 12) == NULL);
  CHECK(acr_query_field("nope", 4) == NULL);
  acr_runlist_free(l);
  {
    int i;
    for (i = 0; i < 6; i++) {
      CHECK(r[i]->refcount == 1);
      acr_run_release(r[i]);
    }
  }
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return x < y ? -1 : x > y;
}

static void test_summary(void) {
  acr_run *r[7];
  acr_runlist *l;
  acr_summary s;
  int i;
  r[0] = mk("task", "build", "status", "Succeeded", "startTime",
            "2019-05-01T10:00:00Z", "finishTime", "2019-05-01T10:00:10Z", NULL);
  r[1] = mk("task", "build", "status", "Failed", "startTime",
            "2019-05-01T10:00:00Z", "finishTime", "2019-05-01T10:00:30Z", NULL);
  r[2] = mk("task", "build", "status", "Running", "startTime",
            "2019-05-01T10:00:00Z", NULL);
  r[3] = mk("status", "Succeeded", "startTime", "2019-05-01T10:00:00Z",
            "finishTime", "2019-05-01T10:01:00+00:00", NULL);
  r[4] = mk("task", "test", "status", "Timeout", NULL);
  r[5] = mk("task", "build", "status", "Error", "startTime",
            "2019-05-01T12:00:00+02:00", "finishTime", "2019-05-01T10:00:20Z",
            NULL);
  r[6] = mk("task", "test", "status", "Canceled", "startTime",
            "2019-05-01T10:00:00Z", "finishTime", "2019-05-01T10:00:01.5Z",
            NULL);
  l = list_of(r, 7);
  acr_summary_init(&s, &A);
  CHECK(acr_runlist_summary(l, &s) == ACR_OK);
  CHECK(s.total == 7);
  CHECK(s.by_status.n == 6 && s.by_status.absent == 0);
  CHECK(s.ntasks == 3);
  if (s.ntasks == 3) {
    CHECK(s.tasks[0].len == 5 && memcmp(s.tasks[0].task, "build", 5) == 0);
    CHECK(s.tasks[0].runs == 4 && s.tasks[0].failed == 2);
    CHECK(s.tasks[0].finished == 3);
    /* durations 10, 30, 20: p50 = 20, p95 = 30 */
    CHECK(s.tasks[0].p50 == 20.0 && s.tasks[0].p95 == 30.0);
    CHECK(memcmp(s.tasks[1].task, "test", 4) == 0 && s.tasks[1].runs == 2 &&
          s.tasks[1].failed == 1 && s.tasks[1].finished == 1 &&
          s.tasks[1].p50 == 1.5 && s.tasks[1].p95 == 1.5);
    CHECK(s.tasks[2].task == NULL && s.tasks[2].runs == 1 &&
          s.tasks[2].failed == 0 && s.tasks[2].p50 == 60.0);
  }
  acr_summary_free(&s);
  acr_summary_free(&s);
  acr_runlist_free(l);
  /* empty list */
  l = acr_runlist_new(&A);
  acr_summary_init(&s, &A);
  CHECK(acr_runlist_summary(l, &s) == ACR_OK && s.total == 0 &&
        s.ntasks == 0 && s.by_status.n == 0);
  acr_summary_free(&s);
  acr_runlist_free(l);
  /* percentiles over 1..100 */
  {
    acr_run *many[100];
    char fin[40];
    for (i = 0; i < 100; i++) {
      snprintf(fin, sizeof fin, "2019-05-01T10:%02d:%02dZ", (i + 1) / 60,
               (i + 1) % 60);
      many[i] = mk("task", "t", "startTime", "2019-05-01T10:00:00Z",
                   "finishTime", fin, NULL);
    }
    l = list_of(many, 100);
    acr_summary_init(&s, &A);
    CHECK(acr_runlist_summary(l, &s) == ACR_OK);
    CHECK(s.ntasks == 1 && s.tasks[0].p50 == 50.0 && s.tasks[0].p95 == 95.0);
    CHECK(s.by_status.absent == 100);
    acr_summary_free(&s);
    acr_runlist_free(l);
    for (i = 0; i < 100; i++) acr_run_release(many[i]);
  }
  {
    /* the percentiles are selected, not sorted: check them against a sort
     * for sizes and value patterns (equal values, runs, descending) */
    static const size_t sizes[] = {1, 2, 3, 19, 20, 21, 100, 401, 1000};
    size_t z, pat, j;
    for (z = 0; z < sizeof sizes / sizeof *sizes; z++)
      for (pat = 0; pat < 4; pat++) {
        size_t n = sizes[z];
        acr_run **runs = (acr_run **)malloc(n * sizeof *runs);
        int *secs = (int *)malloc(n * sizeof *secs);
        unsigned seed = 7;
        char fin[40];
        for (j = 0; j < n; j++) {
          seed = seed * 1103515245u + 12345u;
          secs[j] = pat == 0 ? (int)(seed >> 16) % 3000
                  : pat == 1 ? 42
                  : pat == 2 ? (int)(n - j)
                             : (int)(j % 7);
          snprintf(fin, sizeof fin, "2019-05-01T%02d:%02d:%02dZ",
                   10 + secs[j] / 3600, secs[j] / 60 % 60, secs[j] % 60);
          runs[j] = mk("task", "t", "startTime", "2019-05-01T10:00:00Z",
                       "finishTime", fin, NULL);
        }
        qsort(secs, n, sizeof *secs, cmp_int);
        l = list_of(runs, n);
        acr_summary_init(&s, &A);
        CHECK(acr_runlist_summary(l, &s) == ACR_OK);
        CHECKF(s.ntasks == 1 && s.tasks[0].p50 == secs[(n - n / 2) - 1] &&
                   s.tasks[0].p95 == secs[(n - n / 20) - 1],
               "n %u pattern %u", (unsigned)n, (unsigned)pat);
        acr_summary_free(&s);
        acr_runlist_free(l);
        for (j = 0; j < n; j++) acr_run_release(runs[j]);
        free(runs);
        free(secs);
      }
  }
  for (i = 0; i < 7; i++) acr_run_release(r[i]);
}

/* Sort stability on a larger list (merge path) against a reference. */
static void test_sort_big(void) {
  enum { N = 1000 };
  acr_run *runs[N];
  acr_runlist *l;
  size_t i;
  int ok = 1;
  char id[16];
  static const char *const st[] = {"Queued", "running", "Succeeded", "FAILED",
                                   "Weird"};
  for (i = 0; i < N; i++) {
    snprintf(id, sizeof id, "%05u", (unsigned)i);
    runs[i] = (i % 7 == 3) ? mk("runId", id, NULL)
                           : mk("runId", id, "status", st[(i * 31) % 5], NULL);
  }
  l = list_of(runs, N);
  CHECK(acr_runlist_sort(l, F("status"), 0) == ACR_OK);
  for (i = 1; i < N; i++) {
    const acr_run *a = l->runs[i - 1], *b = l->runs[i];
    int ha = (a->rec.h.present >> ACR_RUN_STATUS) & 1;
    int hb = (b->rec.h.present >> ACR_RUN_STATUS) & 1;
    if (ha < hb) ok = 0;
    if (ha && hb) {
      size_t an, bn;
      const char *as = acr_enum_text(F("status"), &a->rec.status, &an);
      const char *bs = acr_enum_text(F("status"), &b->rec.status, &bn);
      char la[16] = {0}, lb[16] = {0};
      size_t k;
      int c;
      for (k = 0; k < an && k < 15; k++) la[k] = (char)((as[k] >= 'A' && as[k] <= 'Z') ? as[k] + 32 : as[k]);
      for (k = 0; k < bn && k < 15; k++) lb[k] = (char)((bs[k] >= 'A' && bs[k] <= 'Z') ? bs[k] + 32 : bs[k]);
      c = strcmp(la, lb);
      if (c > 0) ok = 0;
      if (c == 0 && strcmp(a->rec.runId->s, b->rec.runId->s) > 0) ok = 0;
    }
    if (!ha && !hb && strcmp(a->rec.runId->s, b->rec.runId->s) > 0) ok = 0;
  }
  CHECK(ok);
  acr_runlist_free(l);
  for (i = 0; i < N; i++) acr_run_release(runs[i]);
}

/* A chain of 100 000 'or' compiles, matches and prints without deep
 * recursion. */
static void test_long_chain(void) {
  size_t n = 100000, i, o = 0;
  const char *clause = "runId eq 'x' or ";
  size_t cl = strlen(clause);
  char *e = (char *)malloc(n * cl + 32);
  acr_filter *f;
  acr_error err;
  acr_run *r = mk("runId", "y", NULL);
  for (i = 0; i < n; i++) memcpy(e + o, clause, cl), o += cl;
  memcpy(e + o, "runId eq 'y'", 12), o += 12;
  f = acr_filter_compile(e, o, &A, &err);
  CHECK(f != NULL);
  if (f) {
    acr_buf b;
    CHECK(acr_filter_match(f, r) == 1);
    memset(&b, 0, sizeof b);
    b.alloc = A;
    CHECK(acr_filter_tostring(f, &b) == ACR_OK && b.len == o &&
          memcmp(b.p, e, o) == 0);
    acr_free(&A, b.p, b.cap);
    acr_filter_free(f);
  }
  free(e);
  acr_run_release(r);
}

/* 100 000 runs: filter, sort, top, count, summary. */
static void test_scale(void) {
  enum { N = 100000 };
  acr_runlist *l = acr_runlist_new(&A), *d;
  acr_filter *f;
  acr_groups g;
  acr_summary s;
  size_t i;
  char buf[64], ct[40];
  static const char *const st[] = {"Succeeded", "Failed", "Running", "Queued"};
  for (i = 0; i < N; i++) {
    acr_run *r;
    snprintf(buf, sizeof buf, "run%06u", (unsigned)i);
    snprintf(ct, sizeof ct, "2019-%02u-%02uT%02u:%02u:00Z",
             (unsigned)(1 + i % 12), (unsigned)(1 + i % 28),
             (unsigned)(i % 24), (unsigned)(i % 60));
    r = mk("runId", buf, "status", st[i % 4], "createTime", ct, NULL);
    snprintf(buf, sizeof buf, "task%u", (unsigned)(i % 50));
    set(r, "task", buf);
    set(r, "image", "repo|v1|sha256:0123456789");
    acr_runlist_push(l, r);
    acr_run_release(r);
  }
  f = compile("status eq 'failed' and createTime ge 2019-06-01T00:00:00Z "
              "and contains(outputImageManifests, 'repo@sha256:0123')");
  d = acr_runlist_filter(l, f);
  CHECK(d && d->n > 0);
  acr_runlist_free(d);
  acr_filter_free(f);
  CHECK(acr_runlist_sort(l, F("createTime"), 1) == ACR_OK);
  CHECK(acr_runlist_sort(l, F("runId"), 0) == ACR_OK);
  CHECK(strcmp(l->runs[0]->rec.runId->s, "run000000") == 0);
  {
    /* top keeps a window for small n and sorts all rows for large n: both
     * give the head of the stable descending sort */
    static const size_t tops[] = {15, 256, 257, 1000};
    acr_runlist *byc = acr_runlist_new(&A);
    size_t t, k;
    for (k = 0; k < l->n; k++) acr_runlist_push(byc, l->runs[k]);
    CHECK(acr_runlist_sort(byc, F("createTime"), 1) == ACR_OK);
    for (t = 0; t < sizeof tops / sizeof *tops; t++) {
      int same = 1;
      d = acr_runlist_top(l, tops[t]);
      CHECK(d && d->n == tops[t]);
      for (k = 0; d && k < d->n; k++)
        if (d->runs[k] != byc->runs[k]) same = 0;
      CHECKF(same, "top %u", (unsigned)tops[t]);
      acr_runlist_free(d);
    }
    acr_runlist_free(byc);
  }
  acr_groups_init(&g, &A);
  CHECK(acr_runlist_count_by(l, F("runId"), &g) == ACR_OK && g.n == N);
  CHECK(acr_runlist_count_by(l, F("status"), &g) == ACR_OK && g.n == 4);
  acr_groups_free(&g);
  acr_summary_init(&s, &A);
  CHECK(acr_runlist_summary(l, &s) == ACR_OK && s.ntasks == 50);
  acr_summary_free(&s);
  acr_runlist_free(l);
}

/* Token soup: whatever compiles prints a fixed point that matches the same
 * runs; whatever does not compile gives an error inside the text. */
static unsigned long rnd_state = 12345;
static unsigned rnd(unsigned n) {
  rnd_state = rnd_state * 6364136223846793005UL + 1442695040888963407UL;
  return (unsigned)((rnd_state >> 33) % n);
}

/* Appends a random well-formed expression (or, now and then, a broken
 * one) to e. */
static void gen(char *e, size_t *o, size_t cap, int depth) {
  static const char *const sprops[] = {"runId", "TaskName", "task",
                                       "outputImageManifests"};
  static const char *const eprops[] = {"Status", "runType", "platform/os"};
  static const char *const dprops[] = {"createTime", "finishTime"};
  static const char *const ops[] = {"eq", "ne", "gt", "ge", "lt", "le"};
  static const char *const strs[] = {"'a'", "'it''s'", "'r1'", "'b'", "''",
                                     "'img:v,img@sha256:1'", "'img@sha256:1'"};
  static const char *const enums[] = {"'Succeeded'", "'FAILED'", "'linux'",
                                      "'odd'", "null"};
  static const char *const dts[] = {"2019-05-01T10:00:00Z",
                                    "2019-05-01T12:00:00+02:00",
                                    "'2019-05-01T09:00:00.5Z'", "null"};
  static const char *const junk[] = {"not ", "(", ")", "'", "and ", "or ",
                                     "eq ", "x ", "5 ", ",", "has ", "é"};
  char t[200];
  size_t n;
  unsigned c = depth > 4 ? rnd(4) : rnd(7);
  switch (c) {
  case 0: snprintf(t, sizeof t, "%s %s %s", sprops[rnd(4)], ops[rnd(6)],
                   rnd(5) ? strs[rnd(7)] : "null"); break;
  case 1: snprintf(t, sizeof t, "%s %s %s", eprops[rnd(3)], ops[rnd(6)],
                   enums[rnd(5)]); break;
  case 2: snprintf(t, sizeof t, "%s %s %s", dprops[rnd(2)], ops[rnd(6)],
                   dts[rnd(4)]); break;
  case 3: snprintf(t, sizeof t, "contains(%s, %s)",
                   rnd(2) ? sprops[rnd(4)] : eprops[rnd(3)], strs[rnd(7)]);
    break;
  default: t[0] = '\0'; break;
  }
  if (rnd(25) == 0) { /* break it */
    const char *j = junk[rnd(sizeof junk / sizeof junk[0])];
    if (strlen(t) + strlen(j) < sizeof t) strcat(t, j);
  }
  if (c <= 3) {
    n = strlen(t);
    if (*o + n < cap) memcpy(e + *o, t, n), *o += n;
    return;
  }
  if (c == 4 && *o + 2 < cap) {
    e[(*o)++] = '(';
    gen(e, o, cap, depth + 1);
    if (*o + 1 < cap) e[(*o)++] = ')';
    return;
  }
  gen(e, o, cap, depth + 1);
  n = c == 5 ? 5 : 4;
  if (*o + n < cap) memcpy(e + *o, c == 5 ? " and " : " or ", n), *o += n;
  gen(e, o, cap, depth + 1);
}

static void test_random(void) {
  static const char *const vocab[] = {
      "runId", "Status", "taskName", "createTime", "isArchiveEnabled",
      "outputImageManifests", "platform/os", "task", "eq", "ne", "gt", "ge",
      "lt", "le", "and", "or", "(", ")", "contains(", ",", "'a'", "'it''s'",
      "'Succeeded'", "'img@sha256:1'", "2019-05-01T10:00:00Z",
      "2019-05-01T12:00:00+02:00", "true", "false", "null", "5", "not", "'",
      "has", "x", "  ", "'r1'", "'b'", "é", "-"};
  acr_run *runs[4];
  int iter, compiled = 0;
  runs[0] = mk("runId", "r1", "status", "Succeeded", "task", "b",
               "createTime", "2019-05-01T10:00:00Z", "image", "img|v|sha256:1",
               NULL);
  runs[1] = mk("runId", "it's", "status", "failed", "isArchiveEnabled", "true",
               "platform/os", "Linux", NULL);
  runs[2] = mk("runId", "a", NULL);
  runs[3] = mk("task", "a", "createTime", "2019-05-01T09:00:00Z", NULL);
  for (iter = 0; iter < 20000; iter++) {
    char expr[512], first[2048];
    size_t o = 0;
    int k, ntok = rnd(3) ? 0 : 1 + (int)rnd(12);
    acr_error err;
    acr_filter *f, *g;
    if (ntok == 0) gen(expr, &o, sizeof expr - 1, 0);
    for (k = 0; k < ntok; k++) {
      const char *w = vocab[rnd(sizeof vocab / sizeof vocab[0])];
      size_t wl = strlen(w);
      if (o + wl + 2 >= sizeof expr) break;
      memcpy(expr + o, w, wl);
      o += wl;
      if (rnd(4)) expr[o++] = ' ';
    }
    expr[o] = '\0';
    f = acr_filter_compile(expr, o, &A, &err);
    if (f == NULL) {
      if (err.kind == ACR_EMEMORY || err.offset < 0 || (size_t)err.offset > o ||
          err.column < 1 || err.message[0] == '\0') {
        failed++;
        fprintf(stderr, "random: bad error for \"%s\": %s\n", expr,
                err.message);
      }
      continue;
    }
    compiled++;
    strcpy(first, canon(expr));
    g = compile(first);
    if (g == NULL || strcmp(canon(first), first) != 0) {
      failed++;
      fprintf(stderr, "random: \"%s\" -> \"%s\" not a fixed point\n", expr,
              first);
    } else {
      for (k = 0; k < 4; k++)
        if (acr_filter_match(f, runs[k]) != acr_filter_match(g, runs[k])) {
          failed++;
          fprintf(stderr, "random: \"%s\" and \"%s\" differ on run %d\n",
                  expr, first, k);
        }
    }
    acr_filter_free(g);
    acr_filter_free(f);
  }
  CHECK(compiled > 5000);
  fprintf(stderr, "test_filter: random: %d of 20000 compiled\n", compiled);
  for (iter = 0; iter < 4; iter++) acr_run_release(runs[iter]);
}

/* ---- out of memory at every allocation ----------------------------------- */

static int scenario(const acr_allocator *a, acr_run **runs, size_t n) {
  static const char *expr =
      "(TaskName eq 'b' or contains(outputImageManifests, 'img@sha')) and "
      "status ne 'Failed' and createTime ge 2019-05-01T00:00:00+02:00 or "
      "runId eq 'it''s' or runId eq 'r1' or isArchiveEnabled or "
      "runId eq 'r2' or runId eq 'r3' or runId eq 'r4' or runId eq 'r5' or "
      "(runId eq 'r6' and platform/os ne 'Windows') or runId eq 'r7' or "
      "runId eq 'a long literal that makes the text pool grow twice at least' "
      "or runId eq 'r8' or runId eq 'r9' or runId eq 'r10'";
  acr_error err;
  acr_filter *f;
  acr_runlist *l, *d;
  acr_buf b;
  acr_groups g;
  acr_summary s;
  size_t i;
  int ok = 1;
  f = acr_filter_compile(expr, strlen(expr), a, &err);
  if (f == NULL) return err.kind == ACR_EMEMORY;
  memset(&b, 0, sizeof b);
  b.alloc = *a;
  if (acr_filter_tostring(f, &b) == ACR_OK)
    ok &= b.len > 0;
  acr_free(a, b.p, b.cap);
  l = acr_runlist_new(a);
  if (l == NULL) goto out_f;
  for (i = 0; i < n; i++)
    if (acr_runlist_push(l, runs[i]) != ACR_OK) goto out_l;
  if (acr_runlist_set_nextlink(l, "https://example/next", 20) != ACR_OK)
    goto out_l;
  d = acr_runlist_filter(l, f);
  if (d) {
    ok &= d->n > 0;
    acr_runlist_free(d);
  }
  {
    acr_run *before[64];
    if (n > 64) return 0;
    memcpy(before, l->runs, n * sizeof *before);
    if (acr_runlist_sort(l, F("createTime"), 1) != ACR_OK)
      ok &= memcmp(before, l->runs, n * sizeof *before) == 0;
  }
  d = acr_runlist_top(l, 5);
  if (d) {
    ok &= d->n == 5;
    acr_runlist_free(d);
  }
  acr_groups_init(&g, a);
  if (acr_runlist_count_by(l, F("status"), &g) != ACR_OK)
    ok &= g.n == 0 && g.items == NULL;
  if (acr_runlist_count_by(l, F("runId"), &g) != ACR_OK)
    ok &= g.n == 0 && g.items == NULL;
  else
    ok &= g.n == n;
  acr_groups_free(&g);
  acr_summary_init(&s, a);
  if (acr_runlist_summary(l, &s) != ACR_OK)
    ok &= s.ntasks == 0 && s.tasks == NULL && s.by_status.n == 0;
  else
    ok &= s.total == n;
  acr_summary_free(&s);
out_l:
  acr_runlist_free(l);
out_f:
  acr_filter_free(f);
  return ok;
}

static void test_oom(void) {
  enum { N = 60 };
  acr_run *runs[N];
  test_counter oc;
  acr_allocator oa = {test_alloc, &oc};
  size_t i;
  long at;
  int all_ok = 1, leaks = 0;
  char id[16], ct[40], tk[8], img[40];
  static const char *const st[] = {"Succeeded", "Failed", "Running", "x"};
  for (i = 0; i < N; i++) {
    snprintf(id, sizeof id, "r%u", (unsigned)i);
    snprintf(ct, sizeof ct, "2019-05-%02uT10:00:00Z", (unsigned)(1 + i % 9));
    snprintf(tk, sizeof tk, "%c", (char)('a' + i % 3));
    snprintf(img, sizeof img, "img|v%u|sha256:%u", (unsigned)i, (unsigned)i);
    runs[i] = mk("runId", id, "status", st[i % 4], "createTime", ct, "task",
                 tk, "startTime", "2019-05-01T10:00:00Z", "finishTime", ct,
                 "image", img, NULL);
  }
  for (at = 1;; at++) {
    memset(&oc, 0, sizeof oc);
    oc.fail_at = at;
    if (!scenario(&oa, runs, N)) {
      all_ok = 0;
      fprintf(stderr, "oom scenario wrong when failing allocation %ld\n", at);
    }
    if (oc.live != 0) {
      leaks++;
      fprintf(stderr, "oom: %lu bytes leaked when failing allocation %ld\n",
              (unsigned long)oc.live, at);
    }
    if (oc.failures == 0) break; /* ran to the end without a failure */
  }
  CHECK(all_ok);
  CHECK(leaks == 0);
  CHECK(at > 20);
  fprintf(stderr, "test_filter: out-of-memory checked at %ld allocations\n",
          at - 1);
  for (i = 0; i < N; i++) {
    CHECK(runs[i]->refcount == 1);
    acr_run_release(runs[i]);
  }
}

/* One check of a sort/count key, shared by the binding and the command. */
static void test_keys(void) {
  acr_error e;
  const acr_field *f = acr_runlist_key("createTime", 10, &e);
  CHECK(f && strcmp(f->name, "createTime") == 0);
  f = acr_runlist_key("STATUS", 6, &e);
  CHECK(f && strcmp(f->name, "status") == 0);
  f = acr_runlist_key("taskName", 8, &e);
  CHECK(f && strcmp(f->name, "task") == 0);
  CHECK(acr_runlist_key("createTim", 9, &e) == NULL);
  CHECK(e.kind == ACR_ESCHEMA && strcmp(e.path, "createTim") == 0);
  CHECK(strstr(e.message, "did you mean 'createTime'") != NULL);
  CHECK(acr_runlist_key("outputImages", 12, &e) == NULL);
  CHECK(e.kind == ACR_ESCHEMA &&
        strstr(e.message, "not a scalar field (scalar fields: ") != NULL &&
        strstr(e.message, "isArchiveEnabled") != NULL);
  CHECK(acr_runlist_key("zzzzzzzzzzzz", 12, &e) == NULL);
  CHECK(strstr(e.message, "unknown field 'zzzzzzzzzzzz' (scalar fields:") !=
        NULL);
  CHECK(acr_runlist_key("run\0Id", 6, &e) == NULL); /* the NUL counts */
  CHECK(acr_runlist_key(NULL, 0, &e) == NULL && e.kind == ACR_EMISUSE);
}

/* acr_runlist_equal: runs deep and in order, nextLink, unknown keys. */
static void test_list_equal(void) {
  static const char *const docs[] = {
      "{\"value\":[{\"runId\":\"a\"},{\"runId\":\"b\"}]}",
      "{\"value\":[{\"runId\":\"b\"},{\"runId\":\"a\"}]}",
      "{\"value\":[{\"runId\":\"a\"}]}",
      "{\"value\":[{\"runId\":\"a\"},{\"runId\":\"b\"}],\"nextLink\":\"n\"}",
      "{\"value\":[{\"runId\":\"a\"},{\"runId\":\"b\"}],\"x\":{\"p\":1,\"q\":2}}",
      "{\"value\":[{\"runId\":\"a\"},{\"runId\":\"b\"}],\"x\":{\"q\":2,\"p\":1.0}}",
      "{\"value\":[{\"runId\":\"a\"},{\"runId\":\"b\"}],\"x\":{\"q\":3}}",
  };
  enum { N = sizeof docs / sizeof docs[0] };
  acr_runlist *l[N], *again;
  acr_run *r;
  acr_error e;
  size_t i, j;
  for (i = 0; i < N; i++) {
    l[i] = NULL;
    r = NULL;
    CHECK(acr_json_decode(docs[i], strlen(docs[i]), NULL, &A, &r, &l[i], &e) ==
          ACR_OK && l[i] != NULL);
  }
  for (i = 0; i < N; i++)
    for (j = 0; j < N; j++) {
      /* 4 and 5 hold the same JSON value under x */
      int want = i == j || (i == 4 && j == 5) || (i == 5 && j == 4);
      CHECKF(acr_runlist_equal(l[i], l[j]) == want, "%u %u", (unsigned)i,
             (unsigned)j);
    }
  again = NULL;
  CHECK(acr_json_decode(docs[0], strlen(docs[0]), NULL, &A, &r, &again, &e) ==
        ACR_OK);
  CHECK(acr_runlist_equal(l[0], again));
  CHECK(acr_runlist_equal(NULL, NULL) && !acr_runlist_equal(l[0], NULL));
  acr_runlist_free(again);
  for (i = 0; i < N; i++) acr_runlist_free(l[i]);
}

int main(void) {
  test_keys();
  test_list_equal();
  test_properties();
  test_absent();
  test_enums_unknown();
  test_quotes();
  test_manifests();
  test_logic();
  test_errors();
  test_tostring();
  test_lists();
  test_columns();
  test_encode_to();
  test_summary();
  test_sort_big();
  test_long_chain();
  test_random();
  test_scale();
  test_oom();
  CHECK(C.live == 0);
  if (C.live != 0) fprintf(stderr, "leaked %lu bytes\n", (unsigned long)C.live);
  return test_report("test_filter");
}

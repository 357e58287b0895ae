/*
 * fuzz_filter.c -- libFuzzer target for the OData $filter compiler.
 *
 * For each input: acr_filter_compile must not crash or leak; on failure
 * the error is ESYNTAX (or ELIMIT) with a message and a column/offset
 * within the text; on success
 *  - tostring -> compile -> tostring gives the same text,
 *  - the original and the recompiled filter match the same runs of a
 *    sample list (absent fields, unknown enum values, offsets, images),
 *  - acr_runlist_filter agrees with acr_filter_match run by run;
 * and with one allocation refused (chosen from the input) compilation
 * fails with ACR_EMEMORY and leaks nothing, or gives the same filter.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -Icsrc \
 *          fuzz/fuzz_filter.c csrc/acr_*.c
 */
#include "fuzz_common.h"

static const char ff_sample_json[] =
    "[{\"runId\": \"a\", \"status\": \"Failed\", \"task\": \"t1\","
    "  \"runType\": \"QuickRun\", \"createTime\": \"2019-05-01T10:00:00Z\","
    "  \"startTime\": \"2019-05-01T10:00:05.5+02:00\","
    "  \"finishTime\": \"2019-05-01T10:01:05Z\", \"isArchiveEnabled\": true,"
    "  \"provisioningState\": \"Succeeded\", \"agentPoolName\": \"pool\","
    "  \"lastUpdatedTime\": \"2019-05-01T10:01:06.1234567+00:00\","
    "  \"platform\": {\"os\": \"Linux\", \"architecture\": \"arm64\"},"
    "  \"outputImages\": [{\"registry\": \"r.io\", \"repository\": \"app\","
    "    \"tag\": \"v1\", \"digest\": \"sha256:abc\"},"
    "    {\"repository\": \"it's\", \"tag\": \"q\"}]},"
    " {\"runId\": \"b\", \"status\": \"Cancelled\", \"runType\": \"Weird\","
    "  \"createTime\": \"2019-04-30T23:00:00-05:00\", \"task\": \"\","
    "  \"platform\": {\"architecture\": \"386\"}, \"isArchiveEnabled\": false},"
    " {},"
    " {\"runId\": \"it's\", \"status\": \"succeeded\", \"task\": \"t2\","
    "  \"createTime\": \"2019-05-01T10:00:00+00:00\","
    "  \"finishTime\": \"1990-12-31T23:59:60Z\", \"outputImages\": []}]";

static acr_runlist *ff_sample(void) {
  static acr_runlist *list;
  static acr_allocator a = {acr_default_alloc, NULL};
  if (list == NULL) {
    acr_run *r = NULL;
    acr_error err;
    if (acr_json_decode(ff_sample_json, sizeof ff_sample_json - 1, NULL, &a,
                        &r, &list, &err) != ACR_OK || list == NULL)
      FUZZ_FAIL("sample runs do not decode: %s", err.message);
  }
  return list;
}

static void fuzz_filter_one(const uint8_t *data, size_t size) {
  const char *expr = (const char *)data;
  const acr_runlist *sample = ff_sample();
  fuzz_counter c;
  acr_allocator a = fuzz_allocator(&c, 0);
  acr_filter *f, *g;
  acr_buf t1, t2;
  acr_error err;
  acr_runlist *m;
  size_t i, k;

  memset(&err, 0, sizeof err);
  f = acr_filter_compile(expr, size, &a, &err);
  if (f == NULL) {
    if (err.kind != ACR_ESYNTAX && err.kind != ACR_ELIMIT)
      FUZZ_FAIL("compile failed with %s: %s", acr_status_name(err.kind),
                err.message);
    if (err.message[0] == '\0') FUZZ_FAIL("no message");
    if (err.offset < 0 || (size_t)err.offset > size || err.column < 1 ||
        (size_t)err.column > size + 1)
      FUZZ_FAIL("position outside the text: offset %ld column %ld (%lu "
                "bytes)", err.offset, err.column, (unsigned long)size);
    if (c.live != 0) FUZZ_FAIL("%lu bytes leaked", (unsigned long)c.live);
    return;
  }
  acr_buf_init(&t1, &a);
  acr_buf_init(&t2, &a);
  if (acr_filter_tostring(f, &t1) != ACR_OK) FUZZ_FAIL("tostring failed");
  g = acr_filter_compile(t1.p, t1.len, &a, &err);
  if (g == NULL)
    FUZZ_FAIL("canonical text \"%.*s\" does not compile: %s",
              (int)(t1.len > 300 ? 300 : t1.len), t1.p, err.message);
  if (acr_filter_tostring(g, &t2) != ACR_OK) FUZZ_FAIL("tostring 2 failed");
  if (t1.len != t2.len || memcmp(t1.p, t2.p, t1.len) != 0)
    FUZZ_FAIL("canonical text not stable:\n  %.*s\n  %.*s",
              (int)(t1.len > 300 ? 300 : t1.len), t1.p,
              (int)(t2.len > 300 ? 300 : t2.len), t2.p);

  m = acr_runlist_filter(sample, f);
  if (m == NULL) FUZZ_FAIL("acr_runlist_filter failed");
  for (i = 0, k = 0; i < sample->n; i++) {
    int x = acr_filter_match(f, sample->runs[i]);
    int y = acr_filter_match(g, sample->runs[i]);
    if ((x != 0) != (y != 0))
      FUZZ_FAIL("run %lu: \"%.*s\" gives %d, its canonical text \"%.*s\" "
                "gives %d", (unsigned long)i, (int)(size > 200 ? 200 : size),
                expr, x, (int)(t1.len > 200 ? 200 : t1.len), t1.p, y);
    if (x) {
      if (k >= m->n || m->runs[k] != sample->runs[i])
        FUZZ_FAIL("acr_runlist_filter disagrees with acr_filter_match");
      k++;
    }
  }
  if (k != m->n) FUZZ_FAIL("acr_runlist_filter kept extra runs");
  acr_runlist_free(m);
  acr_filter_free(g);

  /* One allocation refused. */
  {
    fuzz_counter cf;
    acr_allocator af;
    acr_filter *h;
    acr_error e2;
    af = fuzz_allocator(&cf, 1 + fuzz_hash(data, size) % 16);
    h = acr_filter_compile(expr, size, &af, &e2);
    if (cf.refused) {
      if (h == NULL && e2.kind != ACR_EMEMORY)
        FUZZ_FAIL("a refused allocation gave %s: %s",
                  acr_status_name(e2.kind), e2.message);
    } else if (h == NULL) {
      FUZZ_FAIL("the same text failed to compile the second time");
    }
    if (h != NULL) {
      t2.len = 0;
      if (acr_filter_tostring(h, &t2) != ACR_OK || t1.len != t2.len ||
          memcmp(t1.p, t2.p, t1.len) != 0)
        FUZZ_FAIL("a refused allocation changed the filter");
    }
    acr_filter_free(h);
    if (cf.live != 0)
      FUZZ_FAIL("%lu bytes leaked after a refused allocation",
                (unsigned long)cf.live);
  }

  acr_buf_free(&t1);
  acr_buf_free(&t2);
  acr_filter_free(f);
  if (c.live != 0) FUZZ_FAIL("%lu bytes leaked", (unsigned long)c.live);
}

#ifndef FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_filter_one(data, size);
  return 0;
}
#endif

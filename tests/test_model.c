/* test_model.c -- the core run model without Lua: setters, lists, unknown
 * fields, clone/compact/equality, problems, and out-of-memory at every
 * allocation. */
#include "test.h"

#include "acr_internal.h"

#include <pthread.h>

static const acr_field *F(const acr_type *t, const char *n) {
  return acr_type_field(t, n, strlen(n));
}

static acr_datetime dt(const char *s) {
  acr_datetime d;
  memset(&d, 0, sizeof d);
  acr_datetime_parse(s, strlen(s), &d, NULL);
  return d;
}

/* Builds a run using every kind of field; returns 0 on out of memory. */
static int build(acr_run *r) {
  acr_runrec *rec = &r->rec;
  acr_platform *pl;
  acr_image *img;
  acr_list *imgs;
  acr_datetime t1 = dt("2019-08-28T20:20:52.8021125+00:00");
  acr_datetime t2 = dt("2019-08-28T20:21:00Z");
  acr_str *reg;
  if (acr_rec_set_string(r, rec, F(&acr_type_run, "runId"), "ca12", 4, NULL))
    return 0;
  if (acr_rec_set_enum(r, rec, F(&acr_type_run, "status"), "failed", 6, 0,
                       NULL))
    return 0;
  if (acr_rec_set_enum(r, rec, F(&acr_type_run, "runType"), "Weird", 5, 0,
                       NULL))
    return 0;
  if (acr_rec_set_datetime(r, rec, F(&acr_type_run, "startTime"), &t1, NULL) ||
      acr_rec_set_datetime(r, rec, F(&acr_type_run, "finishTime"), &t2, NULL))
    return 0;
  if (acr_rec_set_bool(r, rec, F(&acr_type_run, "isArchiveEnabled"), 1, NULL))
    return 0;
  pl = (acr_platform *)acr_rec_new_record(r, rec, F(&acr_type_run, "platform"));
  if (pl == NULL) return 0;
  if (acr_rec_set_enum(r, pl, F(&acr_type_platform, "architecture"), "AMD64",
                       5, 0, NULL))
    return 0;
  if ((imgs = acr_list_new(r, 0)) == NULL) return 0;
  if ((img = (acr_image *)acr_record_new(r, &acr_type_image)) == NULL) return 0;
  if (acr_rec_set_string(r, img, F(&acr_type_image, "tag"), "v1", 2, NULL))
    return 0;
  if (acr_list_push(r, &imgs, img)) return 0;
  if (acr_rec_attach(r, rec, F(&acr_type_run, "outputImages"), imgs)) return 0;
  if ((reg = acr_run_str(r, "a.azurecr.io", 12)) == NULL) return 0;
  if (acr_list_push(r, &rec->customRegistries, reg)) return 0;
  rec->h.present |= 1u << ACR_RUN_CUSTOMREGISTRIES;
  if (acr_rec_add_unknown(r, rec, 0, "extra", 5, "{\"a\":[1,2]}", 11, NULL))
    return 0;
  if (acr_rec_add_unknown(r, rec, 1, "resourceGroup", 13, "\"rg\"", 4, NULL))
    return 0;
  return 1;
}

static void collect(void *ud, const char *path, const char *msg) {
  char *buf = (char *)ud;
  strcat(buf, path);
  strcat(buf, ": ");
  strncat(buf, msg, 200);
  strcat(buf, "\n");
}

static void test_basic(void) {
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  acr_run *r = acr_run_new(&a), *k;
  char probs[4096] = "";
  double d;
  acr_error err;
  CHECK(r != NULL);
  CHECK(build(r));
  CHECK(r->rec.status.code == ACR_RUNSTATUS_FAILED);
  CHECK(r->rec.runType.code == ACR_ENUM_UNKNOWN &&
        strcmp(r->rec.runType.raw->s, "Weird") == 0);
  CHECK(r->rec.platform->architecture.code == ACR_ARCHITECTURE_AMD64);
  CHECK(acr_run_is_terminal(r));
  CHECK(acr_run_duration(r, &d) && d > 7.197 && d < 7.198);
  CHECK(acr_run_problems(r, collect, probs) == 2);
  CHECK(strstr(probs, "runType: unknown RunType value \"Weird\"") != NULL);
  CHECK(strstr(probs, "platform.os: platform is set without the required os"));
  /* strict enum refusal lists the valid values */
  CHECK(acr_rec_set_enum(r, &r->rec, F(&acr_type_run, "status"), "Bogus", 5, 1,
                         &err) == ACR_ESCHEMA);
  CHECK(strstr(err.message, "expected one of Queued, Started") != NULL);
  CHECK(r->rec.status.code == ACR_RUNSTATUS_FAILED); /* unchanged */
  /* wrong kind is misuse */
  CHECK(acr_rec_set_bool(r, &r->rec, F(&acr_type_run, "runId"), 1, &err) ==
        ACR_EMISUSE);

  k = acr_run_clone(r, &a);
  CHECK(k != NULL && acr_run_equal(r, k));
  CHECK(k->arena_bytes <= r->arena_bytes);
  acr_rec_set_string(k, &k->rec, F(&acr_type_run, "runId"), "zz", 2, NULL);
  CHECK(!acr_run_equal(r, k));
  CHECK(strcmp(r->rec.runId->s, "ca12") == 0); /* independent */
  acr_run_release(k);

  /* compaction keeps the model and packs the arena */
  k = acr_run_clone(r, &a);
  {
    int i;
    for (i = 0; i < 1000; i++)
      acr_rec_set_string(r, &r->rec, F(&acr_type_run, "task"), "taskname", 8,
                         NULL);
    acr_rec_set_string(k, &k->rec, F(&acr_type_run, "task"), "taskname", 8,
                       NULL);
    CHECK(r->arena_bytes > 8000);
    acr_run_pin(r); /* a pinned run is not compacted: pointers stay valid */
    acr_run_pin(r);
    {
      const acr_str *held = r->rec.task;
      acr_run_gc(r);
      acr_run_unpin(r);
      acr_run_gc(r);
      CHECK(r->arena_bytes > 8000 && r->rec.task == held);
    }
    acr_run_unpin(r);
    acr_run_gc(r);
    CHECK(r->arena_bytes < 2000);
    CHECK(acr_run_equal(r, k));
  }
  acr_run_release(k);

  /* unknown: last wins in place; semantic equality of JSON */
  CHECK(acr_rec_add_unknown(r, &r->rec, 0, "extra", 5, "{ \"a\" : [1, 2.0] }",
                            18, NULL) == ACR_OK);
  CHECK(r->rec.h.unknown->n == 2);
  k = acr_run_clone(r, &a);
  acr_rec_add_unknown(k, &k->rec, 0, "extra", 5, "{\"a\":[1,20e-1]}", 15,
                      NULL);
  CHECK(acr_run_equal(r, k));
  acr_rec_add_unknown(k, &k->rec, 0, "extra", 5, "{\"a\":[1,3]}", 11, NULL);
  CHECK(!acr_run_equal(r, k));
  acr_run_release(k);

  /* list remove */
  acr_list_remove(r->rec.outputImages, 0);
  CHECK(r->rec.outputImages->n == 0);
  acr_rec_clear(r, &r->rec, F(&acr_type_run, "outputImages"));
  CHECK(!acr_rec_has(&r->rec, F(&acr_type_run, "outputImages")));
  CHECK(acr_run_memsize(r) > sizeof(acr_run));
  acr_run_release(r);
  CHECK(c.live == 0);
}

static void test_json_equal(void) {
  CHECK(acr_json_equal("{\"a\":1,\"b\":[true,null]}", 23,
                       "{ \"b\" : [ true , null ] , \"a\" : 1.0 }", 37));
  CHECK(acr_json_equal("\"\\u00e9\"", 8, "\"\xc3\xa9\"", 4));
  CHECK(acr_json_equal("\"\\ud83d\\ude00\"", 14, "\"\xf0\x9f\x98\x80\"", 6));
  CHECK(!acr_json_equal("{\"a\":1}", 7, "{\"a\":1,\"b\":2}", 13));
  CHECK(!acr_json_equal("[1,2]", 5, "[2,1]", 5));
  CHECK(acr_json_equal("-0", 2, "0", 1));
  CHECK(acr_json_equal("1e2", 3, "100", 3));
  CHECK(acr_json_equal("0.00123", 7, "1.23e-3", 7));
  CHECK(!acr_json_equal("0.1", 3, "0.01", 4));
  CHECK(!acr_json_equal("true", 4, "false", 5));
  CHECK(!acr_json_equal("\"a\"", 3, "\"b\"", 3));
}

static void test_oom(void) {
  long n;
  int done = 0;
  for (n = 1; n < 500 && !done; n++) {
    test_counter c = {.fail_at = n};
    acr_allocator a = {test_alloc, &c};
    acr_run *r = acr_run_new(&a), *k = NULL;
    if (r != NULL && build(r)) {
      k = acr_run_clone(r, &a);
      if (k != NULL && acr_run_compact(k) == ACR_OK) {
        CHECK(acr_run_equal(r, k));
        done = 1;
      }
    }
    acr_run_release(k);
    acr_run_release(r);
    CHECK(c.live == 0);
  }
  CHECK(done);
}

static void test_schema(void) {
  const acr_field *f = acr_type_suggest(&acr_type_run, "stauts", 6);
  CHECK(f && strcmp(f->name, "status") == 0);
  CHECK(acr_type_suggest(&acr_type_run, "zzzzzzzzzz", 10) == NULL);
  f = acr_type_suggest(&acr_type_run, "RunID", 5);
  CHECK(f && strcmp(f->name, "runId") == 0);
  CHECK(acr_type_run.nfields == ACR_RUN_NFIELDS);
  CHECK(acr_enum_lookup(&acr_enum_os, "linux", 5) == ACR_OS_LINUX);
  CHECK(acr_enum_lookup(&acr_enum_architecture, "386", 3) ==
        ACR_ARCHITECTURE_I386);
  CHECK(acr_enum_lookup(&acr_enum_runstatus, "Cancelled", 9) ==
        ACR_ENUM_UNKNOWN);
  {
    /* the tables, index enums and structs come from one list per record */
    static const acr_type *const types[] = {
        &acr_type_run, &acr_type_systemdata, &acr_type_image,
        &acr_type_imageupdatetrigger, &acr_type_sourcetrigger,
        &acr_type_timertrigger, &acr_type_platform, &acr_type_agent};
    size_t k;
    uint8_t i;
    for (k = 0; k < sizeof types / sizeof types[0]; k++)
      for (i = 0; i < types[k]->nfields; i++) {
        const acr_field *g = &types[k]->fields[i];
        CHECK(g->index == i && g->namelen == strlen(g->name));
        CHECK(g->offset >= sizeof(acr_rechdr) && g->offset < types[k]->size);
        CHECK((g->kind == ACR_K_ENUM) == (g->enumdef != NULL));
        CHECK((g->kind == ACR_K_RECORD || g->kind == ACR_K_RECORD_LIST) ==
              (g->sub != NULL));
      }
    CHECK(acr_type_platform.nfields == ACR_PLATFORM_NFIELDS &&
          acr_type_image.nfields == ACR_IMAGE_NFIELDS &&
          acr_type_systemdata.nfields == ACR_SYSTEMDATA_NFIELDS);
    CHECK(acr_type_platform.fields[ACR_PLATFORM_OS].flags == ACR_F_REQUIRED);
    CHECK(acr_type_platform.fields[ACR_PLATFORM_VARIANT].enumdef ==
          &acr_enum_variant);
    CHECK(acr_type_run.fields[ACR_RUN_OUTPUTIMAGES].sub == &acr_type_image);
    CHECK(acr_type_run.fields[ACR_RUN_ID].flags ==
          (ACR_F_READONLY | ACR_F_ENVELOPE));
    CHECK(acr_type_run.fields[ACR_RUN_ISARCHIVEENABLED].offset ==
          offsetof(acr_runrec, isArchiveEnabled));
    CHECK(acr_type_run.size == sizeof(acr_runrec));
  }
  /* one edit distance: swaps of neighbours cost 1, case is ignored */
  CHECK(acr_edit_distance("status", 6, "stauts", 6) == 1);
  CHECK(acr_edit_distance("runId", 5, "RUNID", 5) == 0);
  CHECK(acr_edit_distance("abc", 3, "", 0) == 3);
  CHECK(acr_hex4("00e9") == 0xe9 && acr_hex4("D83D") == 0xd83d &&
        acr_hex4("12g4") == -1);
  {
    char u[4];
    CHECK(acr_utf8_put(u, 0x1F600) == 4 &&
          memcmp(u, "\xf0\x9f\x98\x80", 4) == 0);
    CHECK(acr_utf8_put(u, 0xE9) == 2 && acr_utf8_check(u, 2) == 2);
  }
}

/* Every way a string enters a run refuses invalid UTF-8 (issue 9): what
 * is accepted must encode to JSON that decodes again. */
static void test_utf8(void) {
  static const struct {
    const char *s;
    size_t n, bad; /* offset of the first bad byte, n if valid */
  } cases[] = {
      {"", 0, 0},
      {"plain ascii text, longer than eight", 35, 35},
      {"caf\xc3\xa9", 5, 5},
      {"\xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", 13, 13},
      {"nul\0inside", 10, 10},
      {"\xff", 1, 0},
      {"ok\xc3", 3, 2},                 /* cut sequence */
      {"\xc0\xaf", 2, 0},              /* overlong '/' */
      {"\xe0\x80\xaf", 3, 0},          /* overlong, 3 bytes */
      {"\xf0\x82\x82\xac", 4, 0},      /* overlong, 4 bytes */
      {"a\xed\xa0\x80", 4, 1},         /* encoded surrogate U+D800 */
      {"\xed\xbf\xbf", 3, 0},          /* U+DFFF */
      {"\xf4\x90\x80\x80", 4, 0},      /* U+110000 */
      {"\xf5\x80\x80\x80", 4, 0},
      {"12345678\x80", 9, 8},          /* lone continuation after ASCII */
      {"\xe2\x82x", 3, 0},
  };
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  acr_run *r = acr_run_new(&a);
  acr_platform *pl;
  acr_error err;
  size_t i;
  acr_buf out;
  for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
    CHECK(acr_utf8_check(cases[i].s, cases[i].n) == cases[i].bad);

  CHECK(acr_rec_set_string(r, &r->rec, F(&acr_type_run, "runId"), "r1", 2,
                           NULL) == ACR_OK);
  acr_err_clear(&err);
  CHECK(acr_rec_set_string(r, &r->rec, F(&acr_type_run, "runId"), "r\xff", 2,
                           &err) == ACR_ESCHEMA);
  CHECK(strcmp(err.path, "runId") == 0);
  CHECK(strcmp(err.message, "invalid UTF-8 at byte 1") == 0);
  CHECK(strcmp(r->rec.runId->s, "r1") == 0); /* unchanged */
  pl = (acr_platform *)acr_rec_new_record(r, &r->rec,
                                          F(&acr_type_run, "platform"));
  CHECK(pl != NULL);
  /* enum text, known or not, strict or not */
  CHECK(acr_rec_set_enum(r, pl, F(&acr_type_platform, "os"), "\xed\xa0\x80",
                         3, 0, &err) == ACR_ESCHEMA);
  CHECK(strcmp(err.path, "os") == 0 && !acr_rec_has(pl, F(&acr_type_platform,
                                                           "os")));
  CHECK(acr_rec_set_enum(r, pl, F(&acr_type_platform, "os"), "\xc0\xaf", 2, 1,
                         &err) == ACR_ESCHEMA);
  CHECK(strstr(err.message, "UTF-8") != NULL);
  CHECK(acr_rec_set_enum(r, pl, F(&acr_type_platform, "os"), "Plan9\xc3\xa9",
                         7, 0, &err) == ACR_OK);
  /* unknown fields: the name and the JSON text */
  CHECK(acr_rec_add_unknown(r, &r->rec, 0, "k\xff", 2, "1", 1, &err) ==
        ACR_ESCHEMA);
  CHECK(err.path[0] == '\0' && strstr(err.message, "byte 1") != NULL);
  CHECK(acr_rec_add_unknown(r, &r->rec, 1, "k", 1, "\"\xf4\x90\x80\x80\"", 6,
                            &err) == ACR_ESCHEMA);
  CHECK(strcmp(err.path, "k") == 0 && strstr(err.message, "byte 1"));
  CHECK(r->rec.h.unknown == NULL && r->env_unknown == NULL);
  CHECK(acr_rec_add_unknown(r, &r->rec, 0, "k\xc3\xa9", 3, "\"\xc3\xa9\"",
                            4, &err) == ACR_OK);
  CHECK(acr_rec_add_unknown(r, &r->rec, 0, "k", 1, "1", 1, NULL) == ACR_OK);
  CHECK(acr_rec_add_unknown(r, &r->rec, 0, "\xff", 1, "1", 1, NULL) ==
        ACR_ESCHEMA);
  CHECK(r->rec.h.unknown->n == 4);
  /* strings from outside (list items) */
  CHECK(acr_run_text(r, "\xe0\x80\xaf", 3, &err) == NULL &&
        err.kind == ACR_ESCHEMA);
  CHECK(acr_run_text(r, "x\xc3\xa9", 3, &err) != NULL);
  /* what was accepted encodes to JSON that decodes to an equal run */
  acr_buf_init(&out, &a);
  CHECK(acr_json_encode_run(r, NULL, &out) == ACR_OK);
  {
    acr_run *back = NULL;
    acr_runlist *bl = NULL;
    CHECK(acr_json_decode(out.p, out.len, NULL, &a, &back, &bl, &err) ==
          ACR_OK);
    CHECK(back != NULL && acr_run_equal(r, back));
    acr_run_release(back);
  }
  acr_buf_free(&out);
  acr_run_release(r);
  /* nextLink */
  {
    acr_runlist *l = acr_runlist_new(&a);
    CHECK(l != NULL);
    CHECK(acr_runlist_set_nextlink(l, "https://x/\xff", 11) == ACR_ESCHEMA);
    CHECK(l->nextLink == NULL);
    CHECK(acr_runlist_set_nextlink(l, "https://x/\xc3\xa9", 12) == ACR_OK);
    CHECK(l->nextLink != NULL && l->nextLink->len == 12);
    acr_runlist_free(l);
  }
  CHECK(c.live == 0);
}

/* Collects the entries of a diff as "path: old -> new" lines (absent: -). */
static void diff_lines(const acr_buf *b, char *out, size_t size) {
  acr_diff_entry e;
  size_t pos = 0, len = 0;
  out[0] = '\0';
  while (acr_diff_next(b, &pos, &e)) {
    int k = snprintf(out + len, size - len, "%s: %.*s -> %.*s\n", e.path,
                     e.old_json ? (int)e.old_len : 1,
                     e.old_json ? e.old_json : "-",
                     e.new_json ? (int)e.new_len : 1,
                     e.new_json ? e.new_json : "-");
    if (k < 0 || (size_t)k >= size - len) break;
    len += (size_t)k;
  }
}

static void test_diff(void) {
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  acr_run *r = acr_run_new(&a), *k;
  acr_buf b;
  acr_error err;
  char lines[4096];
  acr_image *img;
  acr_str *s;
  CHECK(build(r));
  k = acr_run_clone(r, &a);
  acr_buf_init(&b, &a);
  /* a run against itself: nothing */
  CHECK(acr_run_diff(r, k, &b, &err) == ACR_OK && b.len == 0);
  /* scalars, a nested record, list items, unknown fields */
  acr_rec_set_enum(k, &k->rec, F(&acr_type_run, "status"), "Succeeded", 9, 0,
                   NULL);
  acr_rec_clear(k, &k->rec, F(&acr_type_run, "runId"));
  acr_rec_set_string(k, &k->rec, F(&acr_type_run, "task"), "t\"1", 3, NULL);
  acr_rec_set_enum(k, k->rec.platform, F(&acr_type_platform, "architecture"),
                   "amd64", 5, 0, NULL); /* same value, other case */
  acr_rec_set_enum(k, k->rec.platform, F(&acr_type_platform, "os"), "linux",
                   5, 0, NULL);
  img = (acr_image *)acr_record_new(k, &acr_type_image);
  acr_rec_set_string(k, img, F(&acr_type_image, "repository"), "r", 1, NULL);
  acr_list_push(k, &k->rec.outputImages, img);
  acr_rec_set_string(k, k->rec.outputImages->items[0],
                     F(&acr_type_image, "tag"), "v2", 2, NULL);
  s = acr_run_str(k, "b.azurecr.io", 12);
  acr_list_push(k, &k->rec.customRegistries, s);
  acr_rec_add_unknown(k, &k->rec, 0, "extra", 5, "{\"a\":[1,2.0]}", 13, NULL);
  acr_rec_add_unknown(k, &k->rec, 0, "more", 4, "null", 4, NULL);
  acr_rec_add_unknown(k, &k->rec, 1, "resourceGroup", 13, "\"rg2\"", 5, NULL);
  CHECK(acr_run_diff(r, k, &b, &err) == ACR_OK);
  diff_lines(&b, lines, sizeof lines);
  CHECK_STR(lines,
            "runId: \"ca12\" -> -\n"
            "status: \"Failed\" -> \"Succeeded\"\n"
            "outputImages[1].tag: \"v1\" -> \"v2\"\n"
            "outputImages[2]: - -> {\"repository\":\"r\"}\n"
            "task: - -> \"t\\\"1\"\n"
            "platform.os: - -> \"Linux\"\n"
            "customRegistries[2]: - -> \"b.azurecr.io\"\n"
            "more: - -> null\n"
            "resourceGroup: \"rg\" -> \"rg2\"\n");
  /* appended after what out held; the other direction mirrors it */
  {
    size_t before = b.len;
    acr_diff_entry e;
    size_t pos = before;
    CHECK(acr_run_diff(k, r, &b, &err) == ACR_OK && b.len == 2 * before);
    CHECK(acr_diff_next(&b, &pos, &e) && strcmp(e.path, "runId") == 0 &&
          e.old_json == NULL && e.new_len == 6);
  }
  CHECK(acr_run_diff(NULL, k, &b, &err) == ACR_EMISUSE);
  acr_buf_free(&b);
  /* out of memory at every allocation: out unchanged, nothing leaked */
  {
    long n;
    int done = 0;
    for (n = 1; n < 200 && !done; n++) {
      test_counter fc = {0};
      acr_allocator fa = {test_alloc, &fc};
      acr_buf fb;
      acr_status st;
      fc.fail_at = n;
      acr_buf_init(&fb, &fa);
      st = acr_run_diff(r, k, &fb, &err);
      if (st == ACR_OK) {
        char again[4096];
        diff_lines(&fb, again, sizeof again);
        CHECK(strcmp(again, lines) == 0);
        done = 1;
      } else {
        CHECK(st == ACR_EMEMORY && err.kind == ACR_EMEMORY && fb.len == 0);
      }
      acr_buf_free(&fb);
      CHECK(fc.live == 0);
    }
    CHECK(done);
  }
  acr_run_release(k);
  acr_run_release(r);
  CHECK(c.live == 0);
}

/* Issue 11: a known enum value received in another case keeps its
 * spelling for writing; reads, equality and problems use the value. */
static void test_enum_spelling(void) {
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  const acr_field *os = F(&acr_type_platform, "os");
  const acr_field *arch = F(&acr_type_platform, "architecture");
  const acr_field *status = F(&acr_type_run, "status");
  static const char text[] =
      "{\"status\":\"succeeded\",\"platform\":{\"os\":\"linux\","
      "\"architecture\":\"AMD64\",\"variant\":\"v7\"}}";
  acr_run *r = NULL, *k, *canon = acr_run_new(&a);
  acr_runlist *l = NULL;
  acr_error err;
  acr_buf out;
  acr_platform *pl;
  size_t n;
  char probs[512] = "";
  CHECK(acr_json_decode(text, sizeof text - 1, NULL, &a, &r, &l, &err) ==
        ACR_OK && r != NULL);
  pl = r->rec.platform;
  CHECK(pl->os.code == ACR_OS_LINUX && pl->os.raw != NULL &&
        strcmp(pl->os.raw->s, "linux") == 0);
  CHECK(pl->variant.code == ACR_VARIANT_V7 && pl->variant.raw == NULL);
  CHECK(strcmp(acr_enum_text(os, &pl->os, &n), "Linux") == 0 && n == 5);
  CHECK(strcmp(acr_enum_spelling(os, &pl->os, &n), "linux") == 0);
  CHECK(acr_run_problems(r, collect, probs) == 0);
  /* written back unchanged, also after clone and compaction */
  acr_buf_init(&out, &a);
  CHECK(acr_json_encode_run(r, NULL, &out) == ACR_OK);
  CHECK(out.len == sizeof text - 1 && memcmp(out.p, text, out.len) == 0);
  k = acr_run_clone(r, &a);
  CHECK(k != NULL && acr_run_compact(k) == ACR_OK);
  out.len = 0;
  CHECK(acr_json_encode_run(k, NULL, &out) == ACR_OK);
  CHECK(out.len == sizeof text - 1 && memcmp(out.p, text, out.len) == 0);
  /* equal to the canonical spelling of the same values */
  CHECK(acr_rec_set_enum(canon, &canon->rec, status, "Succeeded", 9, 1,
                         NULL) == ACR_OK);
  pl = (acr_platform *)acr_rec_new_record(canon, &canon->rec,
                                          F(&acr_type_run, "platform"));
  CHECK(acr_rec_set_enum(canon, pl, os, "LINUX", 5, 1, NULL) == ACR_OK &&
        pl->os.raw == NULL); /* set from a program: canonical */
  CHECK(acr_rec_set_enum(canon, pl, arch, "amd64", 5, 1, NULL) == ACR_OK);
  CHECK(acr_rec_set_enum(canon, pl, F(&acr_type_platform, "variant"), "v7", 2,
                         1, NULL) == ACR_OK);
  CHECK(acr_run_equal(r, canon) && acr_run_equal(canon, r));
  /* the _keep setter: other spellings kept, the canonical one not stored */
  CHECK(acr_rec_set_enum_keep(canon, pl, os, "LiNuX", 5, 1, &err) == ACR_OK);
  CHECK(pl->os.code == ACR_OS_LINUX && strcmp(pl->os.raw->s, "LiNuX") == 0);
  CHECK(acr_rec_set_enum_keep(canon, pl, os, "Linux", 5, 1, &err) == ACR_OK &&
        pl->os.raw == NULL);
  CHECK(acr_rec_set_enum_keep(canon, pl, os, "Plan9", 5, 1, &err) ==
        ACR_ESCHEMA); /* strict still refuses unknown values */
  CHECK(acr_rec_set_enum_keep(canon, pl, os, "Plan9", 5, 0, &err) == ACR_OK &&
        pl->os.code == ACR_ENUM_UNKNOWN);
  /* assigning canonically drops the received spelling */
  pl = k->rec.platform;
  CHECK(acr_rec_set_enum(k, pl, os, "linux", 5, 1, NULL) == ACR_OK &&
        pl->os.raw == NULL);
  out.len = 0;
  CHECK(acr_json_encode_run(k, NULL, &out) == ACR_OK &&
        acr_buf_addc(&out, '\0') == ACR_OK);
  CHECK(strstr(out.p, "\"os\":\"Linux\"") != NULL);
  acr_buf_free(&out);
  acr_run_release(k);
  acr_run_release(canon);
  acr_run_release(r);
  CHECK(c.live == 0);
}

/* ---- string pools: texts of ACR_F_SHARED fields shared by a list -------- */

static const char pool_json[] =
    "{\"value\": ["
    "{\"id\": \"/r/runs/a\", \"name\": \"a\","
    " \"type\": \"Microsoft.ContainerRegistry/registries/runs\","
    " \"properties\": {\"runId\": \"a\", \"task\": \"build\", \"status\": \"Failed\","
    " \"platform\": {\"os\": \"linux\"},"
    " \"outputImages\": [{\"registry\": \"r.azurecr.io\", \"repository\": \"web\","
    "   \"tag\": \"v1\"}, {\"registry\": \"r.azurecr.io\", \"repository\": \"api\"}]}},"
    "{\"id\": \"/r/runs/b\", \"type\": \"Microsoft.ContainerRegistry/registries/runs\","
    " \"properties\": {\"runId\": \"b\", \"task\": \"build\","
    " \"platform\": {\"os\": \"linux\"},"
    " \"customRegistries\": [\"r.azurecr.io\"],"
    " \"outputImages\": [{\"registry\": \"r.azurecr.io\", \"repository\": \"web\"}]}},"
    "{\"id\": \"/r/runs/c\", \"type\": \"Microsoft.ContainerRegistry/registries/runs\","
    " \"properties\": {\"runId\": \"c\", \"task\": \"b\\u0075ild\"}}"
    "]}";

static const char pool_run_b[] =
    "{\"id\":\"/r/runs/b\",\"type\":\"Microsoft.ContainerRegistry/registries/"
    "runs\",\"properties\":{\"runId\":\"b\",\"outputImages\":[{\"registry\":"
    "\"r.azurecr.io\",\"repository\":\"web\"}],\"task\":\"build\","
    "\"platform\":{\"os\":\"linux\"},\"customRegistries\":[\"r.azurecr.io\"]}}";

static acr_runlist *pool_decode(const acr_allocator *a) {
  acr_runlist *l = NULL;
  acr_run *r = NULL;
  if (acr_json_decode(pool_json, sizeof pool_json - 1, NULL, a, &r, &l,
                      NULL) != ACR_OK)
    return NULL;
  return l;
}

/* run r written as JSON is want (unless memory ran out) */
static void check_json(const acr_run *r, const char *want) {
  acr_buf b;
  acr_status st;
  acr_buf_init(&b, acr_run_allocator(r));
  st = acr_json_encode_run(r, NULL, &b);
  CHECK(st == ACR_OK || st == ACR_EMEMORY); /* the failing allocator */
  if (st == ACR_OK)
    CHECKF(b.len == strlen(want) && memcmp(b.p, want, b.len) == 0, "%.*s",
           (int)b.len, b.p);
  acr_buf_free(&b);
}

static const acr_image *image_of(const acr_run *r, uint32_t i) {
  return (const acr_image *)r->rec.outputImages->items[i];
}

/* Each step on its own list: pointers shared, then the run outlives its
 * list, is moved, cloned, changed and compacted; everything freed. */
static void pool_lifetimes(const acr_allocator *a, test_counter *c) {
  acr_runlist *l = pool_decode(a), *m;
  acr_run *r0, *r1, *r2, *k;
  size_t own = 0, i;
  if (l == NULL) return;
  CHECK_INT(l->n, 3);
  r0 = l->runs[0];
  r1 = l->runs[1];
  r2 = l->runs[2];
  /* one copy of each repeated text, in one pool */
  CHECK(r0->pool != NULL && r0->pool == r1->pool && r1->pool == r2->pool);
  CHECK(r0->rec.type == r1->rec.type && r1->rec.type == r2->rec.type);
  CHECK(r0->rec.task == r1->rec.task && r1->rec.task == r2->rec.task);
  CHECK(image_of(r0, 0)->registry == image_of(r0, 1)->registry);
  CHECK(image_of(r0, 0)->registry == image_of(r1, 0)->registry);
  CHECK(image_of(r0, 0)->registry ==
        r1->rec.customRegistries->items[0]); /* across fields too */
  CHECK(image_of(r0, 0)->repository == image_of(r1, 0)->repository);
  CHECK(r0->rec.platform->os.raw == r1->rec.platform->os.raw);
  CHECK(acr_strpool_owns(r0->pool, r0->rec.type));
  CHECK(!acr_strpool_owns(r0->pool, r0->rec.id)); /* not shared: own arena */
  CHECK(!acr_strpool_owns(r0->pool, r0->rec.runId));
  CHECK(!acr_strpool_owns(r0->pool, image_of(r0, 0)->tag));
  /* a name equal to the runId is stored once in the run */
  CHECK(r0->rec.name == r0->rec.runId);
  /* each run one block: header and exact arena; its allocator the pool's */
  for (i = 0; i < l->n; i++) {
    const acr_run *ri = l->runs[i];
    CHECK(ri->chunks == NULL && ri->inline_bytes == ri->arena_bytes);
    CHECK(acr_run_allocator(ri) == acr_strpool_allocator(ri->pool));
    CHECK(acr_run_memsize(ri) == sizeof *ri + ri->arena_bytes +
                                     acr_strpool_share(ri->pool));
  }
  /* memsize: the pool once for the list, shared out between its runs */
  for (i = 0; i < l->n; i++)
    own += sizeof *l->runs[i] + l->runs[i]->arena_bytes;
  CHECK(acr_runlist_memsize(l) >= own + acr_strpool_bytes(r0->pool) +
                                      sizeof *l);
  CHECK(acr_runlist_memsize(l) <= own + acr_strpool_bytes(r0->pool) +
                                      l->n + sizeof *l + l->cap * sizeof(void *) +
                                      acr_run_memsize(l->meta));

  /* a run outlives its list; another moves to a new list */
  acr_run_retain(r0);
  m = acr_runlist_new(a);
  if (m == NULL || acr_runlist_push(m, r1) != ACR_OK) {
    acr_runlist_free(m);
    acr_run_release(r0);
    acr_runlist_free(l);
    return;
  }
  acr_runlist_free(l);
  CHECK_STR(r0->rec.type->s, "Microsoft.ContainerRegistry/registries/runs");
  CHECK_STR(image_of(r0, 1)->registry->s, "r.azurecr.io");
  check_json(r1, pool_run_b);

  /* a clone copies the pooled texts: it holds no pool */
  k = acr_run_clone(r1, a);
  if (k != NULL) {
    CHECK(k->pool == NULL);
    CHECK(acr_run_equal(k, r1));
    CHECK(k->rec.type != r1->rec.type);
  }
  acr_runlist_free(m); /* r1 gone: the clone stands alone */
  if (k != NULL) {
    check_json(k, pool_run_b);
    acr_run_release(k);
  }

  /* changed: the setter writes to the run's arena, the pool is untouched */
  if (acr_rec_set_string(r0, &r0->rec, F(&acr_type_run, "task"), "deploy", 6,
                         NULL) == ACR_OK) {
    CHECK(!acr_strpool_owns(r0->pool, r0->rec.task));
    CHECK_STR(r0->rec.task->s, "deploy");
    /* compaction keeps the pooled texts where they are */
    if (acr_run_compact(r0) == ACR_OK) {
      CHECK(r0->pool != NULL && acr_strpool_owns(r0->pool, r0->rec.type));
      CHECK_STR(r0->rec.task->s, "deploy");
      CHECK_STR(image_of(r0, 0)->repository->s, "web");
    }
    /* nothing of the run in the pool any more: compaction keeps it all
     * the same, as the home of the run's allocator */
    acr_rec_clear(r0, &r0->rec, F(&acr_type_run, "type"));
    acr_rec_clear(r0, &r0->rec, F(&acr_type_run, "outputImages"));
    acr_rec_clear(r0, &r0->rec, F(&acr_type_run, "platform"));
    if (acr_run_compact(r0) == ACR_OK)
      CHECK(r0->pool != NULL &&
            acr_run_allocator(r0) == acr_strpool_allocator(r0->pool));
    CHECK_STR(r0->rec.task->s, "deploy");
    CHECK_STR(r0->rec.runId->s, "a");
    /* the name stored once changes alone */
    if (acr_rec_set_string(r0, &r0->rec, F(&acr_type_run, "name"), "n", 1,
                           NULL) == ACR_OK) {
      CHECK_STR(r0->rec.name->s, "n");
      CHECK_STR(r0->rec.runId->s, "a");
    }
  }
  acr_run_release(r0);
  (void)c;
}

/* Records of ACR_F_SHARED fields (platform, agentConfiguration,
 * timerTrigger) stored once too; a change copies the run's own first. */
static const char rec_json[] =
    "{\"value\": ["
    "{\"runId\": \"a\", \"platform\": {\"os\": \"linux\", \"architecture\": \"amd64\"},"
    " \"agentConfiguration\": {\"cpu\": 2},"
    " \"timerTrigger\": {\"timerTriggerName\": \"t1\"}},"
    "{\"runId\": \"b\", \"platform\": {\"os\": \"linux\", \"architecture\": \"amd64\"},"
    " \"agentConfiguration\": {\"cpu\": 2},"
    " \"timerTrigger\": {\"timerTriggerName\": \"t1\"}},"
    "{\"runId\": \"c\", \"platform\": {\"os\": \"Linux\", \"architecture\": \"amd64\"},"
    " \"agentConfiguration\": {\"cpu\": 2, \"x\": 1},"
    " \"timerTrigger\": {\"timerTriggerName\": \"t1\","
    "  \"scheduleOccurrence\": \"s\"}}"
    "]}";

static void pool_records(const acr_allocator *a, test_counter *c) {
  acr_runlist *l = NULL;
  acr_run *r = NULL, *r0, *r1, *r2, *k;
  const acr_field *arch = F(&acr_type_platform, "architecture");
  const acr_field *os = F(&acr_type_platform, "os");
  acr_platform *shared;
  acr_error e;
  (void)c;
  if (acr_json_decode(rec_json, sizeof rec_json - 1, NULL, a, &r, &l, NULL) !=
      ACR_OK)
    return;
  r0 = l->runs[0];
  r1 = l->runs[1];
  r2 = l->runs[2];
  shared = r0->rec.platform;
  /* equal records once, in the pool; different ones apart */
  CHECK(r0->rec.platform == r1->rec.platform);
  CHECK(acr_strpool_owns(r0->pool, r0->rec.platform));
  CHECK(r0->rec.agentConfiguration == r1->rec.agentConfiguration);
  CHECK(r0->rec.timerTrigger == r1->rec.timerTrigger);
  CHECK(acr_strpool_owns(r0->pool, r0->rec.timerTrigger));
  CHECK(r2->rec.platform != r0->rec.platform); /* "Linux" is canonical */
  CHECK(acr_strpool_owns(r2->pool, r2->rec.platform));
  CHECK(r2->rec.platform->os.raw == NULL);
  CHECK(r2->rec.timerTrigger != r0->rec.timerTrigger);
  /* an unknown field keeps the record in the run's own arena */
  CHECK(!acr_strpool_owns(r2->pool, r2->rec.agentConfiguration));
  CHECK_INT(r0->rec.agentConfiguration->cpu, 2);
  CHECK(acr_run_equal(r0, r0));

  /* a change to a shared record: the run gets its own copy */
  if (acr_rec_set_enum(r1, r1->rec.platform, arch, "arm64", 5, 1, &e) ==
      ACR_OK) {
    CHECK(r1->rec.platform != shared);
    CHECK(!acr_strpool_owns(r1->pool, r1->rec.platform));
    CHECK_INT(r1->rec.platform->architecture.code, ACR_ARCHITECTURE_ARM64);
    CHECK(r1->rec.platform->os.raw == shared->os.raw); /* "linux" kept */
    CHECK(r0->rec.platform == shared); /* the other run sees no change */
    CHECK_INT(shared->architecture.code, ACR_ARCHITECTURE_AMD64);
    check_json(r1, "{\"runId\":\"b\",\"timerTrigger\":{\"timerTriggerName\""
                   ":\"t1\"},\"platform\":{\"os\":\"linux\",\"architecture\""
                   ":\"arm64\"},\"agentConfiguration\":{\"cpu\":2}}");
    /* a shared record this run no longer holds is refused, not written */
    CHECK(acr_rec_set_enum(r1, shared, arch, "x86", 3, 1, &e) ==
          ACR_EMISUSE);
    CHECK_INT(shared->architecture.code, ACR_ARCHITECTURE_AMD64);
  }
  /* every kind of change copies first */
  if (acr_rec_clear(r0, r0->rec.platform, os) == ACR_OK) {
    CHECK(r0->rec.platform != shared && !acr_rec_has(r0->rec.platform, os));
    CHECK(acr_rec_has(shared, os));
  }
  if (acr_rec_set_int32(r0, r0->rec.agentConfiguration,
                        F(&acr_type_agent, "cpu"), 4, NULL) == ACR_OK) {
    CHECK_INT(r0->rec.agentConfiguration->cpu, 4);
    CHECK_INT(r1->rec.agentConfiguration->cpu, 2);
  }
  if (acr_rec_add_unknown(r1, r1->rec.timerTrigger, 0, "y", 1, "2", 1,
                          NULL) == ACR_OK) {
    CHECK(r1->rec.timerTrigger != r0->rec.timerTrigger);
    CHECK(r0->rec.timerTrigger->h.unknown == NULL);
  }
  /* compaction keeps what is still shared; a clone copies it */
  if (acr_run_compact(r1) == ACR_OK)
    CHECK(acr_strpool_owns(r1->pool, r1->rec.agentConfiguration));
  k = acr_run_clone(r1, a);
  if (k != NULL) {
    CHECK(k->pool == NULL && acr_run_equal(k, r1));
    CHECK(k->rec.agentConfiguration != r1->rec.agentConfiguration);
    acr_run_release(k);
  }
  /* a run outlives its list and the runs that shared with it */
  acr_run_retain(r2);
  acr_runlist_free(l);
  CHECK_INT(r2->rec.agentConfiguration->cpu, 2);
  check_json(r2, "{\"runId\":\"c\",\"timerTrigger\":{\"timerTriggerName\""
                 ":\"t1\",\"scheduleOccurrence\":\"s\"},\"platform\":{\"os\":"
                 "\"Linux\",\"architecture\":\"amd64\"},\"agentConfiguration\":"
                 "{\"cpu\":2,\"x\":1}}");
  acr_run_release(r2);
}

static void test_pool(void) {
  long n;
  int done = 0;
  {
    test_counter c = {0};
    acr_allocator a = {test_alloc, &c};
    acr_run *r = NULL;
    acr_runlist *l = NULL;
    pool_lifetimes(&a, &c);
    CHECK(c.live == 0);
    pool_records(&a, &c);
    CHECK(c.live == 0);
    /* a single run (not a list) is decoded without a pool */
    CHECK(acr_json_decode(pool_run_b, sizeof pool_run_b - 1, NULL, &a, &r,
                          &l, NULL) == ACR_OK);
    CHECK(r != NULL && r->pool == NULL);
    /* one block too, its allocator kept with it */
    CHECK(r->chunks == NULL && acr_run_allocator(r)->f == test_alloc);
    CHECK(acr_run_memsize(r) ==
          sizeof *r + sizeof(acr_allocator) + r->arena_bytes);
    check_json(r, pool_run_b);
    /* changed and compacted: the first arena stays, counted, unused */
    if (acr_rec_set_string(r, &r->rec, F(&acr_type_run, "task"), "t", 1,
                           NULL) == ACR_OK &&
        acr_run_compact(r) == ACR_OK) {
      CHECK(r->arena_bytes > r->inline_bytes && r->chunks != NULL);
      CHECK_STR(r->rec.task->s, "t");
      CHECK_STR(r->rec.runId->s, "b");
    }
    acr_run_release(r);
    CHECK(c.live == 0);
  }
  /* out of memory at every allocation, in decoding and in every step */
  for (n = 1; n < 800 && !done; n++) {
    test_counter c = {0};
    acr_allocator a = {test_alloc, &c};
    acr_runlist *l;
    c.fail_at = n;
    l = pool_decode(&a);
    if (l != NULL) {
      acr_runlist_free(l);
      pool_lifetimes(&a, &c);
      pool_records(&a, &c);
      done = c.failures == 0;
    }
    CHECKF(c.live == 0, "fail_at %ld: %zu bytes left", n, c.live);
  }
  CHECK(done);
}

/* Compaction packs strings 4-aligned at the end of one exact block and
 * records 8-aligned at its start: strings of every length come back. */
static void test_packed(void) {
  test_counter c = {0};
  acr_allocator a = {test_alloc, &c};
  acr_run *r = acr_run_new(&a), *k = NULL;
  char text[64];
  acr_list *l = NULL;
  uint32_t i;
  int ok = r != NULL;
  memset(text, 'x', sizeof text);
  for (i = 0; ok && i < 40; i++) {
    acr_str *s = acr_run_str(r, text, i);
    ok = s != NULL && acr_list_push(r, &l, s) == ACR_OK;
  }
  ok = ok && acr_rec_attach(r, &r->rec, F(&acr_type_run, "customRegistries"),
                            l) == ACR_OK;
  ok = ok && acr_rec_set_string(r, &r->rec, F(&acr_type_run, "runId"), "a",
                                1, NULL) == ACR_OK;
  ok = ok && acr_rec_add_unknown(r, &r->rec, 0, "k", 1, "[1]", 3, NULL) ==
                 ACR_OK;
  ok = ok && (k = acr_run_clone(r, &a)) != NULL;
  CHECK(ok);
  if (ok) {
    size_t before = acr_run_memsize(r);
    CHECK(acr_run_compact(r) == ACR_OK);
    CHECK(acr_run_equal(r, k));
    CHECK(acr_run_memsize(r) <= before);
    CHECK(acr_run_memsize(r) == acr_run_memsize(k));
    for (i = 0; i < 40; i++) {
      const acr_str *s = (const acr_str *)r->rec.customRegistries->items[i];
      CHECK(s->len == i && s->s[i] == '\0' && memcmp(s->s, text, i) == 0);
      CHECK(((uintptr_t)s & 3u) == 0);
    }
    CHECK(((uintptr_t)r->rec.customRegistries & 7u) == 0);
  }
  acr_run_release(k);
  acr_run_release(r);
  CHECK(c.live == 0);
}

/* Runs of one decode released on different threads at once: the pool's
 * reference count is shared by them (make tsan checks it is atomic). */
typedef struct pool_half {
  acr_run **runs;
  size_t n;
  size_t bad;
} pool_half;

static void *pool_release_half(void *ud) {
  pool_half *h = (pool_half *)ud;
  size_t i;
  for (i = 0; i < h->n; i++) {
    if (strcmp(h->runs[i]->rec.type->s,
               "Microsoft.ContainerRegistry/registries/runs") != 0)
      h->bad++;
    acr_run_release(h->runs[i]);
  }
  return NULL;
}

static void test_pool_threads(void) {
  static const acr_allocator a = {acr_default_alloc, NULL};
  enum { NRUNS = 64 };
  acr_run *runs[NRUNS], *split[2][NRUNS / 2];
  pool_half half[2];
  pthread_t t[2];
  int round;
  for (round = 0; round < 20; round++) {
    size_t i, n = 0;
    int k;
    /* 3 runs a decode, one pool each: decode until there are 64 */
    while (n < NRUNS) {
      acr_runlist *m = pool_decode(&a);
      if (m == NULL) break;
      for (i = 0; i < m->n && n < NRUNS; i++) {
        acr_run_retain(m->runs[i]);
        runs[n++] = m->runs[i];
      }
      acr_runlist_free(m);
    }
    CHECK(n == NRUNS);
    if (n != NRUNS) {
      for (i = 0; i < n; i++) acr_run_release(runs[i]);
      return;
    }
    /* every other run to each thread: the runs of each pool on both */
    for (i = 0; i < NRUNS; i++) split[i % 2][i / 2] = runs[i];
    for (k = 0; k < 2; k++) {
      half[k].runs = split[k];
      half[k].n = NRUNS / 2;
      half[k].bad = 0;
      if (pthread_create(&t[k], NULL, pool_release_half, &half[k]) != 0)
        pool_release_half(&half[k]); /* no thread: release them here */
      else
        continue;
      t[k] = pthread_self();
    }
    for (k = 0; k < 2; k++) {
      if (!pthread_equal(t[k], pthread_self())) pthread_join(t[k], NULL);
      CHECK(half[k].bad == 0);
    }
  }
}

/* ---- runs read in place ---------------------------------------------------- */

/* An allocator that moves every block it resizes (the old one filled with
 * junk and kept aside until mover_flush, so that a pointer left into it
 * reads junk), or refuses every shrink (mode 2): a decoded run is shrunk
 * in place, and must come out whole either way. */
#define MOVER_KEEP 64
typedef struct mover {
  test_counter c;
  int mode; /* 0: test_alloc; 1: move on every resize; 2: refuse shrinking */
  long moved, refused;
  void *kept[MOVER_KEEP];
  size_t kept_size[MOVER_KEEP];
  int nkept;
} mover;

static void mover_flush(mover *m) {
  while (m->nkept > 0) {
    m->nkept--;
    test_alloc(&m->c, m->kept[m->nkept], m->kept_size[m->nkept], 0);
  }
}

static void *mover_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  mover *m = (mover *)ud;
  void *p;
  if (m->mode == 0 || ptr == NULL || nsize == 0 || nsize == osize)
    return test_alloc(&m->c, ptr, osize, nsize);
  if (m->mode == 2 && nsize < osize) {
    m->refused++;
    return NULL;
  }
  if ((p = test_alloc(&m->c, NULL, 0, nsize)) == NULL) return NULL;
  memcpy(p, ptr, osize < nsize ? osize : nsize);
  memset(ptr, 0xA5, osize);
  if (m->nkept < MOVER_KEEP) {
    m->kept[m->nkept] = ptr;
    m->kept_size[m->nkept++] = osize;
  } else {
    test_alloc(&m->c, ptr, osize, 0);
  }
  m->moved++;
  return p;
}

static char *encoded(const acr_run *r) {
  acr_buf b;
  char *s = NULL;
  acr_buf_init(&b, acr_run_allocator(r));
  if (acr_json_encode_run(r, NULL, &b) == ACR_OK &&
      (s = (char *)malloc(b.len + 1)) != NULL) {
    memcpy(s, b.p, b.len);
    s[b.len] = '\0';
  }
  acr_buf_free(&b);
  return s;
}

/* Each run of text decoded with a, against the same decoded with malloc:
 * equal, written back the same. */
static void same_as_plain(const char *text, size_t n, const acr_allocator *a) {
  acr_run *r = NULL, *p = NULL;
  acr_runlist *l = NULL, *pl = NULL;
  size_t i;
  CHECK(acr_json_decode(text, n, NULL, a, &r, &l, NULL) == ACR_OK);
  CHECK(acr_json_decode(text, n, NULL, NULL, &p, &pl, NULL) == ACR_OK);
  CHECK((r == NULL) == (p == NULL) && (l == NULL) == (pl == NULL));
  for (i = 0; l != NULL && pl != NULL && i < l->n && i < pl->n; i++) {
    char *x = encoded(l->runs[i]), *y = encoded(pl->runs[i]);
    CHECK(acr_run_equal(l->runs[i], pl->runs[i]));
    CHECK(x != NULL && y != NULL && strcmp(x, y) == 0);
    CHECK(l->runs[i]->chunks == NULL);
    free(x);
    free(y);
  }
  if (r != NULL && p != NULL) {
    char *x = encoded(r), *y = encoded(p);
    CHECK(acr_run_equal(r, p));
    CHECK(x != NULL && y != NULL && strcmp(x, y) == 0);
    free(x);
    free(y);
  }
  acr_run_release(r);
  acr_run_release(p);
  acr_runlist_free(l);
  acr_runlist_free(pl);
}

/* Two runs' arenas in one list, by index. */
static uint32_t arena_of(const acr_runlist *l, size_t i) {
  return l != NULL && i < l->n ? l->runs[i]->arena_bytes : 0;
}

static void test_in_place(void) {
  static const char *files[] = {
      "real-payloads/azure-cli_test_acr_task_2019-04-01_list_runs.json",
      ("real-payloads/azure-cli_test_acr_taskrun_2019-06-01-preview_get_"
       "taskrun_2020.json"),
      "real-payloads/azure-cli_test_acr_task_2019-04-01_get_run_succeeded.json"};
  /* the same run four times: plain; a name, a platform and an agent
   * configuration more (given back to the pool, or shared with the
   * runId); its texts written with escapes (the bytes they save given
   * back); its registries listed twice (lists made exact: one item
   * more, one pointer more) */
  static const char same[] =
      "{\"value\":["
      "{\"id\":\"/r/runs/cf1\",\"properties\":{\"runId\":\"cf1\","
      "\"outputImages\":[{\"tag\":\"v1\"}],\"customRegistries\":[\"a\"]}},"
      "{\"id\":\"/r/runs/cf1\",\"name\":\"cf1\",\"properties\":{\"runId\":"
      "\"cf1\",\"platform\":{\"os\":\"Linux\",\"architecture\":\"amd64\"},"
      "\"agentConfiguration\":{\"cpu\":2},\"outputImages\":[{\"tag\":"
      "\"v1\"}],\"customRegistries\":[\"a\"]}},"
      "{\"id\":\"\\/r\\/runs\\/\\u0063f1\",\"properties\":{\"runId\":"
      "\"\\u0063\\u0066\\u0031\",\"outputImages\":[{\"tag\":\"v\\u0031\"}],"
      "\"customRegistries\":[\"\\u0061\"]}},"
      "{\"id\":\"/r/runs/cf1\",\"properties\":{\"runId\":\"cf1\","
      "\"outputImages\":[{\"tag\":\"v1\"}],\"customRegistries\":[\"a\","
      "\"a\"]}}]}";
  mover m;
  acr_allocator a = {mover_alloc, &m};
  acr_runlist *l = NULL, *ref = NULL;
  acr_run *r = NULL;
  size_t i, n;
  char *big;
  for (i = 0; i < sizeof files / sizeof *files; i++) {
    char *text = test_read_file(test_fixture(files[i]), &n);
    CHECK(text != NULL);
    if (text == NULL) continue;
    test_context = files[i];
    memset(&m, 0, sizeof m);
    m.mode = 1;
    same_as_plain(text, n, &a);
    mover_flush(&m);
    CHECK(m.moved > 0 && m.c.live == 0);
    memset(&m, 0, sizeof m);
    m.mode = 2;
    same_as_plain(text, n, &a);
    mover_flush(&m);
    CHECK(m.refused > 0 && m.c.live == 0);
    free(text);
  }
  test_context = "";
  /* unknown members at every level, raw enum texts, string lists, a
   * single run (no pool): moved along too */
  for (i = 0; i < 2; i++) {
    static const char odd[] =
        "{\"value\":[{\"id\":\"/x\",\"zone\":[1,{\"a\":null}],"
        "\"properties\":{\"runId\":\"x1\",\"status\":\"succeeded\","
        "\"sourceTrigger\":{\"id\":\"s\",\"extra\":{\"k\":\"v\"}},"
        "\"platform\":{\"os\":\"linux\",\"more\":1},"
        "\"customRegistries\":[\"r1\",\"r2\"],\"note\":\"n\"}}],"
        "\"nextLink\":\"n\",\"count\":1}";
    static const char one[] =
        "{\"id\":\"/x\",\"zone\":[1],\"properties\":{\"runId\":\"x1\","
        "\"status\":\"succeeded\",\"outputImages\":[{\"tag\":\"t\","
        "\"u\":2}],\"customRegistries\":[\"r1\"],\"note\":\"n\"}}";
    memset(&m, 0, sizeof m);
    m.mode = 1;
    same_as_plain(i ? one : odd, strlen(i ? one : odd), &a);
    mover_flush(&m);
    CHECK(m.moved > 0 && m.c.live == 0);
  }
  /* no dead bytes left in a run read in place */
  for (i = 0; i < 2; i++) {
    memset(&m, 0, sizeof m);
    m.mode = (int)i; /* 0: malloc's realloc; 1: moved */
    CHECK(acr_json_decode(same, sizeof same - 1, NULL, &a, &r, &l, NULL) ==
          ACR_OK);
    CHECK(l != NULL && l->n == 4);
    CHECK(arena_of(l, 1) == arena_of(l, 0));
    CHECK(arena_of(l, 2) == arena_of(l, 0));
    CHECK(arena_of(l, 3) == arena_of(l, 0) + sizeof(void *));
    if (l != NULL && l->n == 4) {
      CHECK(l->runs[1]->rec.name == l->runs[1]->rec.runId);
      CHECK(acr_strpool_owns(l->runs[1]->pool, l->runs[1]->rec.platform));
      CHECK(l->runs[3]->rec.customRegistries->cap == 2);
      CHECK_STR(l->runs[2]->rec.runId->s, "cf1");
      CHECK(acr_run_equal(l->runs[0], l->runs[2]));
    }
    acr_runlist_free(l);
    l = NULL;
    mover_flush(&m);
    CHECK(m.c.live == 0);
  }
  /* a run larger than its block: compacted into one (and the next ones
   * read in a larger block) */
  n = 40000;
  big = (char *)malloc(n + 200);
  CHECK(big != NULL);
  if (big != NULL) {
    size_t k = (size_t)sprintf(big, "{\"value\":[{\"properties\":{\"runId\":"
                                    "\"a\",\"x\":\"");
    memset(big + k, 'y', n);
    k += n;
    k += (size_t)sprintf(big + k, "\"}},{\"properties\":{\"runId\":\"b\"}}]}");
    memset(&m, 0, sizeof m);
    CHECK(acr_json_decode(big, k, NULL, &a, &r, &l, NULL) == ACR_OK);
    CHECK(l != NULL && l->n == 2);
    if (l != NULL && l->n == 2) {
      CHECK(l->runs[0]->chunks == NULL && l->runs[1]->chunks == NULL);
      CHECK(l->runs[0]->arena_bytes > n);
      CHECK_STR(l->runs[1]->rec.runId->s, "b");
    }
    acr_runlist_free(l);
    CHECK(m.c.live == 0);
    free(big);
  }
  /* out of memory at each request: an error, or the same runs (a shrink
   * refused leaves a run larger) */
  CHECK(acr_json_decode(same, sizeof same - 1, NULL, NULL, &r, &ref, NULL) ==
        ACR_OK);
  for (i = 1; ref != NULL && i < 400; i++) {
    memset(&m, 0, sizeof m);
    m.mode = 1;
    m.c.fail_at = (long)i;
    l = NULL;
    if (acr_json_decode(same, sizeof same - 1, NULL, &a, &r, &l, NULL) ==
        ACR_OK) {
      size_t j;
      CHECK(l != NULL && l->n == ref->n);
      for (j = 0; l != NULL && j < l->n && j < ref->n; j++)
        CHECK(acr_run_equal(l->runs[j], ref->runs[j]));
      acr_runlist_free(l);
      mover_flush(&m);
      CHECK(m.c.live == 0);
      if (m.c.failures == 0) break;
    }
    mover_flush(&m);
    CHECK(m.c.live == 0);
  }
  acr_runlist_free(ref);
  CHECK(i > 1 && i < 400);
}

int main(void) {
  test_schema();
  test_basic();
  test_json_equal();
  test_oom();
  test_utf8();
  test_diff();
  test_enum_spelling();
  test_pool();
  test_packed();
  test_pool_threads();
  test_in_place();
  return test_report("test_model");
}

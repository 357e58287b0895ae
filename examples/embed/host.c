/*
 * host.c -- a C program that embeds Lua and acr-run: the complete example
 * of docs/embedding.md, built and run by `make test` (target `embed`).
 *
 * It opens a Lua state on a counting allocator of its own, preloads the
 * module from the static library (no shared object, no package.cpath),
 * builds a run and decodes a list of earlier runs in C, hands both to a Lua
 * script that finishes the run and filters the list, reads the results back
 * in C, closes the state, and checks that every byte went through its
 * allocator and that none is left.
 *
 * Build by hand, from the repository root after `make install`:
 *
 *   cc -std=c99 -o host examples/embed/host.c examples/embed/malloc_guard.c \
 *      $(pkg-config --cflags --libs acr-run-5.4)
 *
 * Output: "embed: ok" and exit status 0, or what went wrong and status 1.
 * With -v it also prints the finished run as JSON.
 */
#include "acr.h"

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if LUA_VERSION_NUM < 502 /* Lua 5.1 and LuaJIT: no luaL_requiref, LUA_OK */
#  define LUA_OK 0
static void luaL_requiref(lua_State *L, const char *name, lua_CFunction open,
                          int global) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, name); /* package.loaded[name] = module */
  lua_pop(L, 2);
  if (global) {
    lua_pushvalue(L, -1);
    lua_setglobal(L, name);
  }
}
#endif

/* ---- the host's allocator ------------------------------------------------ */

/* One allocator for everything: the Lua state and the runs built in C.
 * It has the lua_Alloc contract, which is also acr_allocf's. */
typedef struct counter {
  size_t live;         /* bytes held now */
  size_t peak;         /* most bytes held at once */
  unsigned long calls; /* calls that reached realloc() or free() */
} counter;

static void *count_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  counter *c = (counter *)ud;
  void *p;
  if (ptr == NULL) osize = 0; /* Lua passes a type tag in osize then */
  if (nsize == 0) {
    if (ptr != NULL) {
      c->calls++;
      c->live -= osize;
      free(ptr);
    }
    return NULL;
  }
  c->calls++;
  p = realloc(ptr, nsize);
  if (p == NULL) return NULL; /* ptr is untouched, as Lua expects */
  c->live = c->live - osize + nsize;
  if (c->live > c->peak) c->peak = c->live;
  return p;
}

/* malloc_guard.c: counts malloc/calloc/realloc/free calls made from this
 * program and the static library when linked with -Wl,--wrap=malloc,...;
 * returns 0 (and counts nothing) when it is not. */
int embed_malloc_guard(unsigned long *calls);

/* ---- the script ---------------------------------------------------------- */

/* Receives the host's run and a list of earlier runs; returns the run and
 * the failed runs of the list, newest first. */
static const char script[] =
    "local acr = require('acr.run')\n"
    "local run, history = ...\n"
    "-- every assignment is validated; enum text is stored canonical\n"
    "run.status = 'succeeded'\n"
    "run.finishTime = '2024-05-01T10:02:30Z'\n"
    "run.outputImages:append{registry = 'myregistry.azurecr.io',\n"
    "                        repository = 'app', tag = 'v2'}\n"
    "-- a bad value raises and changes nothing\n"
    "local ok = pcall(function() run.status = 'Finished' end)\n"
    "assert(not ok and run.status == 'Succeeded')\n"
    "-- the question is answered in C, without a Lua object per run\n"
    "local failed = history:filter(acr.filter(\"status eq 'Failed'\"))\n"
    "failed:sort('createTime', 'desc')\n"
    "return run, failed\n";

/* A page of Runs_List as the REST API returns it. */
static const char history_json[] =
    "{\"value\": ["
    "{\"properties\": {\"runId\": \"ca1\", \"status\": \"Failed\","
    " \"createTime\": \"2024-04-29T08:00:00Z\"}},"
    "{\"properties\": {\"runId\": \"ca2\", \"status\": \"Succeeded\","
    " \"createTime\": \"2024-04-30T08:00:00Z\"}},"
    "{\"properties\": {\"runId\": \"ca3\", \"status\": \"Failed\","
    " \"createTime\": \"2024-04-30T09:30:00+01:00\"}}"
    "], \"nextLink\": \"https://example/runs?$skipToken=3\"}";

/* ---- building a run in C -------------------------------------------------- */

static const acr_field *field(const acr_type *t, const char *name) {
  return acr_type_field(t, name, strlen(name));
}

/* A started QuickRun on linux/amd64 with one output image; NULL (and a
 * message in err) on failure. */
static acr_run *build_run(const acr_allocator *a, acr_error *err) {
  acr_run *r = acr_run_new(a);
  acr_runrec *rec;
  acr_platform *pl;
  acr_image *img;
  acr_list *images = NULL;
  acr_datetime t;
  err->kind = ACR_OK; /* the list and record calls report by return only */
  err->message[0] = '\0';
  if (r == NULL) return NULL;
  rec = &r->rec;
  if (acr_rec_set_string(r, rec, field(&acr_type_run, "runId"), "ca4", 3,
                         err) ||
      acr_rec_set_enum(r, rec, field(&acr_type_run, "status"), "Running", 7,
                       1, err) ||
      acr_rec_set_enum(r, rec, field(&acr_type_run, "runType"), "QuickRun", 8,
                       1, err) ||
      acr_datetime_parse("2024-05-01T10:00:00Z", 20, &t, err) ||
      acr_rec_set_datetime(r, rec, field(&acr_type_run, "createTime"), &t,
                           err) ||
      acr_rec_set_datetime(r, rec, field(&acr_type_run, "startTime"), &t,
                           err))
    goto fail;
  /* A nested record is created in place, then filled. */
  pl = (acr_platform *)acr_rec_new_record(r, rec,
                                          field(&acr_type_run, "platform"));
  if (pl == NULL ||
      acr_rec_set_enum(r, pl, field(&acr_type_platform, "os"), "linux", 5, 1,
                       err) ||
      acr_rec_set_enum(r, pl, field(&acr_type_platform, "architecture"),
                       "amd64", 5, 1, err))
    goto fail;
  /* A list is built apart and attached once complete. */
  img = (acr_image *)acr_record_new(r, &acr_type_image);
  if (img == NULL ||
      acr_rec_set_string(r, img, field(&acr_type_image, "registry"),
                         "myregistry.azurecr.io", 21, err) ||
      acr_rec_set_string(r, img, field(&acr_type_image, "repository"), "app",
                         3, err) ||
      acr_rec_set_string(r, img, field(&acr_type_image, "tag"), "v1", 2,
                         err) ||
      acr_list_push(r, &images, img) ||
      acr_rec_attach(r, rec, field(&acr_type_run, "outputImages"), images))
    goto fail;
  return r;
fail:
  if (err->kind == ACR_OK)
    snprintf(err->message, sizeof err->message, "not enough memory");
  acr_run_release(r);
  return NULL;
}

/* ---- the Lua part, run protected ----------------------------------------- */

typedef struct host {
  acr_run *run;          /* the host's run (one reference) */
  acr_runlist *history;  /* the host's list */
  acr_runlist *failed;   /* taken back from the script, or NULL */
} host;

/* Everything that can raise a Lua error (out of memory included) happens
 * in here, under lua_pcall, so the host never meets a panic. */
static int session(lua_State *L) {
  host *h = (host *)lua_touserdata(L, 1);
  acr_run *back;
  luaL_openlibs(L);
  luaL_requiref(L, "acr.run", luaopen_acr_run, 0); /* require finds it */
  lua_pop(L, 1);
  if (luaL_loadbuffer(L, script, sizeof script - 1, "=script") != LUA_OK)
    return lua_error(L);
  acr_lua_push_run(L, h->run);         /* the script shares the run */
  acr_lua_push_runlist(L, h->history); /* and the runs of the list */
  lua_call(L, 2, 2);
  back = acr_lua_to_run(L, -2);
  if (back != h->run) return luaL_error(L, "script returned another run");
  h->failed = acr_lua_to_runlist(L, -1); /* new list, the host's to free */
  if (h->failed == NULL) return luaL_error(L, "script returned no RunList");
  return 0;
}

/* ---- checks --------------------------------------------------------------- */

static int failures;
#define EXPECT(c)                                                     \
  do {                                                                \
    if (!(c)) {                                                       \
      failures++;                                                     \
      fprintf(stderr, "embed: %s:%d: expected %s\n", __FILE__,        \
              __LINE__, #c);                                          \
    }                                                                 \
  } while (0)

static int str_is(const acr_str *s, const char *want) {
  return s != NULL && s->len == strlen(want) && memcmp(s->s, want, s->len) == 0;
}

static void check_results(const host *h) {
  const acr_runrec *rec = &h->run->rec;
  const acr_image *img;
  double secs = 0;
  /* The script changed the host's run in place. */
  EXPECT(rec->status.code == ACR_RUNSTATUS_SUCCEEDED);
  EXPECT(acr_run_is_terminal(h->run));
  EXPECT(acr_run_duration(h->run, &secs) && secs == 150.0);
  EXPECT(acr_run_problems(h->run, NULL, NULL) == 0);
  EXPECT(rec->outputImages != NULL && rec->outputImages->n == 2);
  if (rec->outputImages != NULL && rec->outputImages->n == 2) {
    img = (const acr_image *)rec->outputImages->items[1];
    EXPECT(str_is(img->repository, "app") && str_is(img->tag, "v2"));
  }
  /* Failed runs, newest first: ca3 (08:30Z) after ca1. */
  EXPECT(h->failed->n == 2);
  if (h->failed->n == 2) {
    EXPECT(str_is(h->failed->runs[0]->rec.runId, "ca3"));
    EXPECT(str_is(h->failed->runs[1]->rec.runId, "ca1"));
    /* Shared, not copied: the same runs as the host's list. */
    EXPECT(h->failed->runs[0] == h->history->runs[2]);
  }
}

/* Error records: kind, path and position, and one line that says it all. */
static void check_error_record(const acr_allocator *a) {
  static const char bad[] = "{\"value\": [{\"properties\": {\"runId\": 5}}]}";
  acr_run *r = NULL;
  acr_runlist *l = NULL;
  acr_error err;
  acr_status st = acr_json_decode(bad, sizeof bad - 1, NULL, a, &r, &l, &err);
  EXPECT(st == ACR_ESCHEMA && err.kind == ACR_ESCHEMA);
  EXPECT(r == NULL && l == NULL);
  EXPECT(strstr(err.path, "runId") != NULL);
  EXPECT(err.line == 1 && err.column > 0 && err.message[0] != '\0');
}

int main(int argc, char **argv) {
  counter c = {0, 0, 0};
  acr_allocator a;
  host h = {NULL, NULL, NULL};
  acr_run *single = NULL;
  acr_error err;
  acr_buf json;
  lua_State *L;
  unsigned long mcalls0 = 0, mcalls1 = 0, calls0;
  int guarded, verbose = argc > 1 && strcmp(argv[1], "-v") == 0;

  a.f = count_alloc;
  a.ud = &c;
  guarded = embed_malloc_guard(&mcalls0);
  calls0 = c.calls;

  /* Runs made in C, from the same allocator as the state. */
  h.run = build_run(&a, &err);
  if (h.run == NULL) {
    fprintf(stderr, "embed: cannot build the run: %s\n",
            err.message[0] ? err.message : "not enough memory");
    return 1;
  }
  if (acr_json_decode(history_json, sizeof history_json - 1, NULL, &a,
                      &single, &h.history, &err) != ACR_OK) {
    fprintf(stderr, "embed: %s: %s (line %ld, column %ld)\n",
            acr_status_name(err.kind), err.message, err.line, err.column);
    acr_run_release(h.run);
    return 1;
  }
  EXPECT(single == NULL && h.history != NULL && h.history->n == 3);
  check_error_record(&a);

  L = lua_newstate(count_alloc, &c);
  if (L == NULL) {
    fprintf(stderr, "embed: cannot open a Lua state\n");
    return 1;
  }
  lua_pushcfunction(L, session);
  lua_pushlightuserdata(L, &h);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    fprintf(stderr, "embed: script failed: %s\n", lua_tostring(L, -1));
    failures++;
  }
  /* The state drops its references; the host's runs live on. */
  lua_close(L);

  if (h.failed != NULL) check_results(&h);
  acr_buf_init(&json, &a);
  EXPECT(acr_json_encode_run(h.run, NULL, &json) == ACR_OK);
  if (verbose) printf("%.*s\n", (int)json.len, json.p);
  acr_buf_free(&json);

  acr_runlist_free(h.failed);
  acr_runlist_free(h.history);
  acr_run_release(h.run);

  /* Every byte came from count_alloc and went back to it ... */
  EXPECT(c.live == 0);
  /* ... and nothing called malloc & co. behind its back. */
  if (guarded) {
    embed_malloc_guard(&mcalls1);
    EXPECT(mcalls1 - mcalls0 == c.calls - calls0);
  }
  if (verbose)
    printf("peak %lu bytes, %lu allocator calls, malloc guard %s\n",
           (unsigned long)c.peak, c.calls - calls0, guarded ? "on" : "off");
  if (failures) {
    printf("embed: %d check%s failed\n", failures, failures == 1 ? "" : "s");
    return 1;
  }
  printf("embed: ok\n");
  return 0;
}

/* test.h -- the one harness of the C tests in tests/test_*.c.
 *
 * Include it first (it sets _POSIX_C_SOURCE for dirent and clock_gettime).
 * It gives every test the same pieces:
 *   - checks that count: CHECK(c), CHECKF(c, fmt, ...), CHECK_INT, CHECK_STR;
 *     a failed check prints file, line, the expression and test_context (a
 *     name the test may set for the case it runs); test_report() prints
 *     "NAME: N passed, M failed" and gives the exit status;
 *   - a counting allocator with the lua_Alloc / acr_allocator contract that
 *     tracks live and peak bytes and can refuse the N-th growing request
 *     (and, sticky, every one after it): test_alloc over a test_counter;
 *   - fixture paths and file reading: test_fixture("real-payloads/x.json")
 *     names a file under TEST_FIXTURES (tests/fixtures: the tests run from
 *     the repository root and read nothing outside it); test_read_file()
 *     (exact size) and test_read_text() (NUL-terminated);
 *   - test_now(), a monotonic clock for tests that compare growth rates.
 * Everything is static and marked unused, so a test takes what it needs.
 */
#ifndef ACR_TEST_H
#define ACR_TEST_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "acr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__) || defined(__clang__)
#define TEST_UNUSED __attribute__((unused))
#else
#define TEST_UNUSED
#endif

/* ---- checks ---------------------------------------------------------------- */

static int passed TEST_UNUSED, failed TEST_UNUSED;
/* The case being run, printed with each failure ("" for none). */
static const char *test_context TEST_UNUSED = "";
/* Failures printed at most (the rest are only counted). */
#ifndef TEST_MAX_REPORTS
#define TEST_MAX_REPORTS 200
#endif

#define TEST_FAIL_HEAD(expr)                                              \
  (failed++ < TEST_MAX_REPORTS                                           \
       ? (fprintf(stderr, "%s:%d: %s%s%scheck failed: %s", __FILE__,      \
                  __LINE__, test_context[0] ? "[" : "", test_context,     \
                  test_context[0] ? "] " : "", expr),                     \
          1)                                                              \
       : 0)

#define CHECK(c)                                                          \
  do {                                                                    \
    if (c) passed++;                                                      \
    else if (TEST_FAIL_HEAD(#c)) fputc('\n', stderr);                     \
  } while (0)

/* CHECK with a printf-style explanation. */
#define CHECKF(c, ...)                                                    \
  do {                                                                    \
    if (c) passed++;                                                      \
    else if (TEST_FAIL_HEAD(#c)) {                                        \
      fputs(": ", stderr);                                                \
      fprintf(stderr, __VA_ARGS__);                                       \
      fputc('\n', stderr);                                                \
    }                                                                     \
  } while (0)

#define CHECK_INT(got, want)                                              \
  do {                                                                    \
    long long g_ = (long long)(got), w_ = (long long)(want);              \
    CHECKF(g_ == w_, "%s == %lld, want %lld", #got, g_, w_);              \
  } while (0)

/* NULL is a failure, not a crash. */
#define CHECK_STR(got, want)                                              \
  do {                                                                    \
    const char *g_ = (got), *w_ = (want);                                 \
    CHECKF(g_ && w_ && strcmp(g_, w_) == 0, "%s == \"%s\", want \"%s\"",  \
           #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");                 \
  } while (0)

/* Prints the totals line that tests/run-all.sh reads; the exit status. */
static TEST_UNUSED int test_report(const char *name) {
  printf("%s: %d passed, %d failed\n", name, passed, failed);
  return failed != 0;
}

/* ---- a counting, failing allocator ------------------------------------------ */

typedef struct test_counter {
  size_t live, peak; /* bytes held now, and at most */
  long count;        /* growing requests (new blocks, larger reallocs) */
  long fail_at;      /* refuse the fail_at-th growing request; 0: never */
  int sticky;        /* and, when set, every growing request after it */
  long failures;     /* requests refused */
} test_counter;

/* The lua_Alloc contract (acr_allocator's too): ud is a test_counter; a
 * NULL ptr's osize is a type tag, not a size; shrinking never fails (Lua
 * relies on that), so only growing requests are counted and refused. */
static TEST_UNUSED void *test_alloc(void *ud, void *ptr, size_t osize,
                                    size_t nsize) {
  test_counter *c = (test_counter *)ud;
  void *p;
  if (ptr == NULL) osize = 0;
  if (nsize == 0) {
    c->live -= osize;
    free(ptr);
    return NULL;
  }
  if (nsize > osize) {
    c->count++;
    if (c->fail_at != 0 &&
        (c->count == c->fail_at || (c->sticky && c->count > c->fail_at))) {
      c->failures++;
      return NULL;
    }
  }
  p = realloc(ptr, nsize);
  if (p == NULL) return NULL;
  c->live = c->live - osize + nsize;
  if (c->live > c->peak) c->peak = c->live;
  return p;
}

/* ---- fixtures, files, time ---------------------------------------------------- */

#ifndef TEST_FIXTURES
#define TEST_FIXTURES "tests/fixtures"
#endif

/* "TEST_FIXTURES/rel" in one of four rotating static buffers. */
static TEST_UNUSED const char *test_fixture(const char *rel) {
  static char buf[4][1024];
  static int k;
  char *b = buf[k++ & 3];
  snprintf(b, sizeof buf[0], "%s/%s", TEST_FIXTURES, rel);
  return b;
}

/* The whole file in a malloc'd buffer, its length in *n, NULL if it cannot
 * be read.  With nul, one more byte holds a terminating NUL; without, the
 * buffer is exactly the file's size (at least 1), so ASan sees any read
 * past the end. */
static TEST_UNUSED char *test_read(const char *path, size_t *n, int nul) {
  FILE *f = fopen(path, "rb");
  char *p = NULL;
  long len;
  *n = 0;
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0) {
    p = (char *)malloc((size_t)len + (nul || len == 0 ? 1 : 0));
    if (p != NULL && fread(p, 1, (size_t)len, f) != (size_t)len) {
      free(p);
      p = NULL;
    }
    if (p != NULL) {
      if (nul) p[len] = '\0';
      *n = (size_t)len;
    }
  }
  fclose(f);
  return p;
}
#define test_read_file(path, n) test_read((path), (n), 0)
#define test_read_text(path, n) test_read((path), (n), 1)

/* Seconds on a monotonic clock, for tests that compare growth rates. */
static TEST_UNUSED double test_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif

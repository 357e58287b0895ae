/*
 * fuzz_common.h -- what the fuzz targets share: a counting allocator that
 * can refuse an allocation, and how an oracle reports a broken property.
 *
 * Each fuzz/fuzz_<name>.c defines an oracle `fuzz_<name>_one(data, size)`
 * and, unless FUZZ_NO_MAIN is defined, libFuzzer's entry point calling it.
 * tests/test_regress.c defines FUZZ_NO_MAIN and FUZZ_FAIL, includes the
 * three targets, and replays tests/regress/<name>/ and fuzz/seeds/<name>/
 * through the same oracles.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include "acr.h"
#include "acr_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A broken property: print it and abort, so libFuzzer keeps the input. */
#ifndef FUZZ_FAIL
#  define FUZZ_FAIL(...)                                              \
    do {                                                              \
      fprintf(stderr, "oracle: ");                                    \
      fprintf(stderr, __VA_ARGS__);                                   \
      fputc('\n', stderr);                                            \
      abort();                                                        \
    } while (0)
#endif

#if defined(__GNUC__)
#  define FUZZ_UNUSED __attribute__((unused))
#else
#  define FUZZ_UNUSED
#endif

typedef struct fuzz_counter {
  size_t live;
  unsigned long count;   /* growing allocations */
  unsigned long fail_at; /* refuse this one (0: never) */
  int refused;
} fuzz_counter;

FUZZ_UNUSED static void *fuzz_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  fuzz_counter *c = (fuzz_counter *)ud;
  void *p;
  if (ptr == NULL) osize = 0;
  if (nsize == 0) {
    if (ptr != NULL) {
      c->live -= osize;
      free(ptr);
    }
    return NULL;
  }
  if (nsize > osize && ++c->count == c->fail_at) {
    c->refused = 1;
    return NULL;
  }
  p = realloc(ptr, nsize);
  if (p == NULL) return NULL;
  c->live = c->live - osize + nsize;
  return p;
}

FUZZ_UNUSED static acr_allocator fuzz_allocator(fuzz_counter *c, unsigned long fail_at) {
  acr_allocator a;
  memset(c, 0, sizeof *c);
  c->fail_at = fail_at;
  a.f = fuzz_alloc;
  a.ud = c;
  return a;
}

/* A small deterministic hash of the input, to pick which allocation to
 * refuse (the same input always refuses the same one). */
FUZZ_UNUSED static unsigned long fuzz_hash(const uint8_t *d, size_t n) {
  unsigned long h = 2166136261u;
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ d[i]) * 16777619u;
  return h;
}

#endif

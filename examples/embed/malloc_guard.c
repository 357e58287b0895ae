/*
 * malloc_guard.c -- proves that the library allocates only through the
 * allocator it is given.  Not part of the example proper (host.c).
 *
 * Linked with
 *   -Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc -Wl,--wrap=free
 * every call to these functions from the objects of this link (host.c and
 * the static library libacr-run.a; not liblua or libc, which are shared)
 * goes through the __wrap_ functions below, which count them.  host.c
 * compares that count with the calls its own allocator made: any more
 * means the library called malloc & co. itself.
 *
 * Without the flags the __real_ symbols are weak and undefined (NULL): the
 * guard reports itself off and the program links and runs all the same.
 */
#include <stddef.h>

#if defined(__GNUC__) && defined(__ELF__)
#  define GUARD_WEAK __attribute__((weak))
#else
#  define GUARD_WEAK
#  define GUARD_OFF 1
#endif

int embed_malloc_guard(unsigned long *calls);

#ifndef GUARD_OFF
extern void *__real_malloc(size_t n) GUARD_WEAK;
extern void *__real_calloc(size_t k, size_t n) GUARD_WEAK;
extern void *__real_realloc(void *p, size_t n) GUARD_WEAK;
extern void __real_free(void *p) GUARD_WEAK;

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

/* Single-threaded program: a plain counter is enough. */
static unsigned long guard_calls;

void *__wrap_malloc(size_t n) {
  guard_calls++;
  return __real_malloc(n);
}
void *__wrap_calloc(size_t k, size_t n) {
  guard_calls++;
  return __real_calloc(k, n);
}
void *__wrap_realloc(void *p, size_t n) {
  guard_calls++;
  return __real_realloc(p, n);
}
void __wrap_free(void *p) {
  guard_calls++;
  __real_free(p);
}

/* 1 and the count so far when the wrapping is in effect, else 0. */
int embed_malloc_guard(unsigned long *calls) {
  *calls = guard_calls;
  return __real_malloc != NULL && __real_free != NULL;
}
#else
int embed_malloc_guard(unsigned long *calls) {
  *calls = 0;
  return 0;
}
#endif

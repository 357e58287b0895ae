/*
 * acr_buf.c -- the growing byte buffer (acr_buf) every writer appends to:
 * JSON text, filter text, the binding's temporary output.  Memory comes
 * from the allocator given at init; growth doubles, so appends are
 * amortised O(1); a failed growth leaves the buffer as it was.
 */
#include "acr_internal.h"

#include <string.h>

static const acr_allocator default_allocator = {acr_default_alloc, NULL};

void acr_buf_init(acr_buf *b, const acr_allocator *a) {
  b->p = NULL;
  b->len = b->cap = 0;
  b->alloc = a ? *a : default_allocator;
}

void acr_buf_free(acr_buf *b) {
  if (b->p) acr_free(&b->alloc, b->p, b->cap);
  b->p = NULL;
  b->len = b->cap = 0;
}

acr_status acr_buf_reserve(acr_buf *b, size_t extra) {
  size_t need, ncap;
  char *np;
  if (extra <= b->cap - b->len) return ACR_OK;
  if (extra > ((size_t)-1) / 2 - b->len) return ACR_EMEMORY;
  need = b->len + extra;
  ncap = b->cap ? b->cap : 256;
  while (ncap < need) ncap *= 2;
  np = (char *)acr_realloc(&b->alloc, b->p, b->cap, ncap);
  if (np == NULL) return ACR_EMEMORY;
  b->p = np;
  b->cap = ncap;
  return ACR_OK;
}

acr_status acr_buf_add(acr_buf *b, const char *s, size_t n) {
  if (n > b->cap - b->len && acr_buf_reserve(b, n) != ACR_OK)
    return ACR_EMEMORY;
  if (n) memcpy(b->p + b->len, s, n);
  b->len += n;
  return ACR_OK;
}

acr_status acr_buf_addc(acr_buf *b, char c) {
  if (b->len == b->cap && acr_buf_reserve(b, 1) != ACR_OK) return ACR_EMEMORY;
  b->p[b->len++] = c;
  return ACR_OK;
}


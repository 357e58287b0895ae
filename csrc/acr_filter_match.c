/*
 * acr_filter_match.c -- evaluating a compiled $filter (acr_filter_int.h):
 * over one run (acr_filter_match) and over a row of a list's columns
 * (acr_filter_match_row, with the same answers), and which columns a
 * filter reads.  The compiler is acr_filter_parse.c.
 *
 * Matching never allocates: outputImageManifests is read through a cursor
 * over the pieces of each image (repository ':' tag ',' repository '@'
 * digest), not built as a string.
 *
 * Semantics (documented in the manual):
 *  - A comparison with an absent property is false except "eq null" (the
 *    issue's rule, as SQL treats NULL): absent ne 'x', absent ne null, gt,
 *    ge, lt, le and contains are all false.  So ne is not the complement of
 *    eq on absent values: "status ne 'Failed'" keeps only runs that have a
 *    status.
 *  - isArchiveEnabled absent reads as false, its spec default (the service
 *    always has a value), so "isArchiveEnabled eq false" matches runs that
 *    do not carry the flag, and "isArchiveEnabled eq null" matches nothing.
 *  - Enums (status, runType, provisioningState, platform/os,
 *    platform/architecture): eq/ne/ordering/contains case-insensitive on
 *    the text; literal values need not be known (the enums are open).
 *  - Strings: exact, ordinal byte order; contains is case-sensitive.
 *  - Date-times: by instant across offsets; ordering only.
 *  - isArchiveEnabled: eq/ne only.
 */
#include "acr_filter_int.h"

#include <string.h>

/* ---- matching ------------------------------------------------------------ */

#define CSLOT(rec, f) ((const void *)((const char *)(rec) + (f)->offset))

/* The record holding the node's field (the run, or its platform), and the
 * field; NULL when the value is absent. */
static const void *value_rec(const fnode *nd, const acr_run *r,
                             const acr_field **fld) {
  const void *rec = &r->rec;
  const acr_field *f = nd->f1;
  if (nd->f2) {
    if (!ACR_HAS(rec, f)) return NULL;
    rec = *(const void *const *)CSLOT(rec, f);
    if (rec == NULL) return NULL;
    f = nd->f2;
  }
  *fld = f;
  return ACR_HAS(rec, f) ? rec : NULL;
}

static const char *enum_text(const acr_field *f, const acr_enumval *v,
                             size_t *len) {
  const char *s = acr_enum_text(f, v, len);
  if (s == NULL) s = "", *len = 0;
  return s;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn) {
  size_t m = an < bn ? an : bn;
  int c = m ? memcmp(a, b, m) : 0;
  if (c) return c < 0 ? -1 : 1;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

static int cmp_ibytes(const char *a, size_t an, const char *b, size_t bn) {
  size_t i, m = an < bn ? an : bn;
  for (i = 0; i < m; i++) {
    int x = acr_lower((unsigned char)a[i]), y = acr_lower((unsigned char)b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return an < bn ? -1 : an > bn ? 1 : 0;
}

static int find_bytes(const char *h, size_t hn, const char *nd, size_t nn,
                      int fold) {
  size_t i, j;
  if (nn == 0) return 1;
  if (nn > hn) return 0;
  for (i = 0; i + nn <= hn; i++) {
    for (j = 0; j < nn; j++) {
      int x = (unsigned char)h[i + j], y = (unsigned char)nd[j];
      if (fold) x = acr_lower(x), y = acr_lower(y);
      if (x != y) break;
    }
    if (j == nn) return 1;
  }
  return 0;
}

/* Cursor over outputImageManifests: for each image, repository:tag and
 * repository@digest (each only when both parts are present), all joined
 * with ','. */
typedef struct mpiece {
  const char *p;
  size_t n;
} mpiece;

typedef struct mcur {
  const acr_filter *f;
  const acr_list *imgs;
  uint32_t img;
  int any;
  mpiece pc[8]; /* ",", repo ":" tag, ",", repo "@" digest */
  int npc, ipc;
  size_t off;
} mcur;

static const acr_str *img_str(const void *im, const acr_field *f) {
  return ACR_HAS(im, f) ? *(acr_str *const *)CSLOT(im, f) : NULL;
}

static int mcur_load(mcur *c) {
  while (c->imgs && c->img < c->imgs->n) {
    const void *im = c->imgs->items[c->img++];
    const acr_str *repo, *tag, *dig;
    int k = 0;
    if (im == NULL || (repo = img_str(im, c->f->img_repo)) == NULL) continue;
    tag = img_str(im, c->f->img_tag);
    dig = img_str(im, c->f->img_digest);
    if (tag == NULL && dig == NULL) continue;
    if (c->any) c->pc[k].p = ",", c->pc[k++].n = 1;
    if (tag) {
      c->pc[k].p = repo->s, c->pc[k++].n = repo->len;
      c->pc[k].p = ":", c->pc[k++].n = 1;
      c->pc[k].p = tag->s, c->pc[k++].n = tag->len;
    }
    if (dig) {
      if (tag) c->pc[k].p = ",", c->pc[k++].n = 1;
      c->pc[k].p = repo->s, c->pc[k++].n = repo->len;
      c->pc[k].p = "@", c->pc[k++].n = 1;
      c->pc[k].p = dig->s, c->pc[k++].n = dig->len;
    }
    c->npc = k;
    c->ipc = 0;
    c->off = 0;
    c->any = 1;
    return 1;
  }
  return 0;
}

/* Next byte, or -1 at the end. */
static int mcur_next(mcur *c) {
  for (;;) {
    while (c->ipc < c->npc) {
      if (c->off < c->pc[c->ipc].n)
        return (unsigned char)c->pc[c->ipc].p[c->off++];
      c->ipc++;
      c->off = 0;
    }
    if (!mcur_load(c)) return -1;
  }
}

static void mcur_init(mcur *c, const acr_filter *f, const acr_list *imgs) {
  memset(c, 0, sizeof *c);
  c->f = f;
  c->imgs = imgs;
}

static int mcur_cmp(mcur *c, const char *s, size_t n) {
  size_t i;
  for (i = 0;; i++) {
    int x = mcur_next(c);
    if (x < 0) return i < n ? -1 : 0;
    if (i == n) return 1;
    if (x != (unsigned char)s[i]) return x < (unsigned char)s[i] ? -1 : 1;
  }
}

static int mcur_find(mcur *c, const char *s, size_t n) {
  if (n == 0) return 1;
  for (;;) {
    mcur probe = *c;
    size_t i;
    for (i = 0; i < n; i++)
      if (mcur_next(&probe) != (unsigned char)s[i]) break;
    if (i == n) return 1;
    if (mcur_next(c) < 0) return 0;
  }
}

static int apply(int op, int c) {
  switch (op) {
  case OP_EQ: return c == 0;
  case OP_NE: return c != 0;
  case OP_GT: return c > 0;
  case OP_GE: return c >= 0;
  case OP_LT: return c < 0;
  default: return c <= 0;
  }
}

static int match_leaf(const acr_filter *f, const fnode *nd,
                      const acr_run *r) {
  const acr_field *fld = NULL;
  const void *rec = value_rec(nd, r, &fld);
    const char *lit = nd->lit == L_STRING ? f->text + nd->soff : NULL;
  int c = 0;
  if (nd->kind == PK_BOOL) {
    /* absent reads as the spec default, false */
    int v = rec ? *(const uint8_t *)CSLOT(rec, fld) != 0 : 0;
    if (nd->lit == L_NULL) return nd->op == OP_NE;
    return apply(nd->op, v != nd->code);
  }
  if (rec && nd->kind == PK_MANIFESTS) {
    const acr_list *l = *(acr_list *const *)CSLOT(rec, fld);
    mcur mc;
    if (l == NULL || l->n == 0) rec = NULL;
    else {
      if (nd->lit == L_NULL) return nd->op == OP_NE;
      mcur_init(&mc, f, l);
      if (nd->type == N_CONTAINS) return mcur_find(&mc, lit, nd->slen);
      return apply(nd->op, mcur_cmp(&mc, lit, nd->slen));
    }
  }
  if (rec && nd->kind == PK_STRING &&
      *(acr_str *const *)CSLOT(rec, fld) == NULL)
    rec = NULL;
  if (rec == NULL) /* absent: only "eq null" holds */
    return nd->type == N_CMP && nd->lit == L_NULL && nd->op == OP_EQ;
  if (nd->lit == L_NULL) return nd->op == OP_NE;
  switch (nd->kind) {
  case PK_STRING: {
    const acr_str *s = *(acr_str *const *)CSLOT(rec, fld);
    if (nd->type == N_CONTAINS)
      return find_bytes(s->s, s->len, lit, nd->slen, 0);
    c = cmp_bytes(s->s, s->len, lit, nd->slen);
    break;
  }
  case PK_ENUM: {
    const acr_enumval *v = (const acr_enumval *)CSLOT(rec, fld);
    size_t len;
    const char *s;
    if (nd->type != N_CONTAINS && (nd->op == OP_EQ || nd->op == OP_NE) &&
        v->code >= 0 && nd->code >= 0) {
      c = v->code != nd->code; /* both known: an int compare */
      break;
    }
    s = enum_text(fld, v, &len);
    if (nd->type == N_CONTAINS) return find_bytes(s, len, lit, nd->slen, 1);
    c = cmp_ibytes(s, len, lit, nd->slen);
    break;
  }
  case PK_DATETIME:
    c = acr_datetime_cmp((const acr_datetime *)CSLOT(rec, fld), &nd->dt);
    break;
  default:
    return 0;
  }
  return apply(nd->op, c);
}

static int match_node(const acr_filter *f, int32_t i, const acr_run *r) {
  const fnode *nd = &f->nodes[i];
  int32_t k;
  switch (nd->type) {
  case N_OR:
    for (k = nd->first; k >= 0; k = f->nodes[k].next)
      if (match_node(f, k, r)) return 1;
    return 0;
  case N_AND:
    for (k = nd->first; k >= 0; k = f->nodes[k].next)
      if (!match_node(f, k, r)) return 0;
    return 1;
  default:
    return match_leaf(f, nd, r);
  }
}

int acr_filter_match(const acr_filter *f, const acr_run *r) {
  if (f == NULL || r == NULL || f->root < 0) return 0;
  return match_node(f, f->root, r);
}

/* ---- matching on list columns -------------------------------------------- */

uint32_t acr_filter_columns(const acr_filter *f) {
  uint32_t m = 0;
  size_t i;
  if (f == NULL) return 0;
  for (i = 0; i < f->nnodes; i++) {
    const fnode *nd = &f->nodes[i];
    if ((nd->type == N_CMP || nd->type == N_CONTAINS) && nd->col >= 0)
      m |= 1u << nd->col;
  }
  return m;
}

/* match_leaf from the columns, with the same semantics; what a column does
 * not settle (unknown enum text, ordering of enums) reads the run. */
static int match_leaf_row(const acr_filter *f, const fnode *nd,
                          const acr_cols *c, size_t i, const acr_run *r) {
  const char *lit = nd->lit == L_STRING ? f->text + nd->soff : NULL;
  int absent = nd->type == N_CMP && nd->lit == L_NULL && nd->op == OP_EQ;
  int k = nd->col, cmp;
  if (k < 0 || !((c->built >> k) & 1u)) return match_leaf(f, nd, r);
  switch (nd->kind) {
  case PK_BOOL:
    if (nd->lit == L_NULL) return nd->op == OP_NE;
    return apply(nd->op, (((const uint8_t *)c->col[k])[i] != 0) != nd->code);
  case PK_ENUM: {
    int32_t code = ((const int32_t *)c->col[k])[i];
    if (code == ACR_COL_ABSENT) return absent;
    if (nd->lit == L_NULL) return nd->op == OP_NE;
    if (nd->type == N_CMP && (nd->op == OP_EQ || nd->op == OP_NE) &&
        code >= 0 && nd->code >= 0)
      return apply(nd->op, code != nd->code);
    return match_leaf(f, nd, r);
  }
  case PK_DATETIME:
    if (!((c->present[i] >> nd->f1->index) & 1u)) return absent;
    if (nd->lit == L_NULL) return nd->op == OP_NE;
    cmp = acr_datetime_cmp(&((const acr_datetime *)c->col[k])[i], &nd->dt);
    return apply(nd->op, cmp);
  case PK_STRING: {
    const acr_str *s = ((const acr_str *const *)c->col[k])[i];
    if (s == NULL) return absent;
    if (nd->lit == L_NULL) return nd->op == OP_NE;
    if (nd->type == N_CONTAINS)
      return find_bytes(s->s, s->len, lit, nd->slen, 0);
    return apply(nd->op, cmp_bytes(s->s, s->len, lit, nd->slen));
  }
  default:
    return match_leaf(f, nd, r);
  }
}

static int match_node_row(const acr_filter *f, int32_t k, const acr_cols *c,
                          size_t i, const acr_run *r) {
  const fnode *nd = &f->nodes[k];
  int32_t j;
  switch (nd->type) {
  case N_OR:
    for (j = nd->first; j >= 0; j = f->nodes[j].next)
      if (match_node_row(f, j, c, i, r)) return 1;
    return 0;
  case N_AND:
    for (j = nd->first; j >= 0; j = f->nodes[j].next)
      if (!match_node_row(f, j, c, i, r)) return 0;
    return 1;
  default:
    return match_leaf_row(f, nd, c, i, r);
  }
}

int acr_filter_match_row(const acr_filter *f, const acr_cols *c, size_t i,
                         const acr_run *r) {
  if (f == NULL || c == NULL || f->root < 0) return 0;
  return match_node_row(f, f->root, c, i, r);
}

/*
 * acr_runlist_cols.h -- the columns a run list keeps for its queries
 * (filter, sort, top, count_by, summary, list:column); hidden, Lua-free,
 * shared by the run-list files only.  Implemented in acr_runlist_cols.c.
 */
#ifndef ACR_RUNLIST_COLS_H
#define ACR_RUNLIST_COLS_H

#include "acr_internal.h"

/* A list keeps, lazily, compact arrays of the values its queries read, one
 * row per run in list order, so a query scans contiguous memory instead of
 * one block per run.  Column c < ACR_RUN_NFIELDS is the Run field with
 * index c (scalar fields only); ACR_COL_OS and ACR_COL_ARCH are platform's
 * os and architecture.  Element types by kind: string -> const acr_str *
 * (NULL when absent), enum -> int32_t code (ACR_COL_ABSENT when absent,
 * ACR_ENUM_UNKNOWN when the text is not a known value), date-time ->
 * acr_datetime (absence in the present column), bool -> uint8_t (0 when
 * absent), int32 -> int32_t.  present[i] is the presence bits of run i.
 *
 * Validity: the columns were built from the runs as they were when each
 * run's epoch (acr_internal.h) had the value recorded in eps; any change to
 * one of the runs bumps its epoch, and any change to the list's array
 * (push, set) drops the columns; sort reorders them with the runs.  acr_runlist_cols checks both and
 * rebuilds what is stale, so a caller never sees stale values; the string
 * pointers stay valid as long as the columns are (compaction bumps too). */
enum { ACR_COL_OS = ACR_RUN_NFIELDS, ACR_COL_ARCH, ACR_COL_COUNT };
#define ACR_COL_ABSENT INT32_MIN
#define ACR_COLS_MAX_EPOCHS 8

typedef struct acr_cols {
  size_t n;              /* rows (= the list's n when built) */
  uint32_t built;        /* bit c: column c is filled */
  uint32_t *present;     /* rec.h.present of each run */
  void *col[ACR_COL_COUNT];
  size_t nep;
  struct { acr_epoch *e; uint64_t value; } eps[ACR_COLS_MAX_EPOCHS];
  acr_epoch *home;       /* given to runs that have no epoch yet, or NULL */
} acr_cols;

/* The columns of l with at least the columns in need (bit c for column c)
 * up to date, building or rebuilding them (one pass over the runs); NULL
 * when out of memory or need names a column that does not exist (the
 * caller then reads the runs).  The list (its cache) and its runs' epoch
 * pointers change; their values do not. */
ACR_HIDDEN const acr_cols *acr_runlist_cols(const acr_runlist *l,
                                            uint32_t need);

/* Column of Run field f (or of platform's field f2 when f is platform),
 * or -1 when it has no column. */
ACR_HIDDEN int acr_col_of(const acr_field *f, const acr_field *f2);

/* Frees l's columns (push, set and free call it: rows follow the array). */
ACR_HIDDEN void acr_cols_free(acr_runlist *l);

/* After the list's runs were reordered so that new row j holds the run of
 * old row perm[j], reorders the columns alike, so they stay valid (the runs
 * and their epochs are the same); drops them when out of memory. */
ACR_HIDDEN void acr_cols_reorder(acr_runlist *l, const uint32_t *perm);

/* Bytes the columns of l hold (0 without columns). */
ACR_HIDDEN size_t acr_cols_memsize(const acr_runlist *l);

/* Is the value of column k present in row i?  (Strings: a NULL string
 * counts as absent, as queries read it.) */
static inline int acr_col_has(const acr_cols *c, int k, size_t i) {
  if (k == ACR_COL_OS || k == ACR_COL_ARCH)
    return ((const int32_t *)c->col[k])[i] != ACR_COL_ABSENT;
  if (acr_type_run.fields[k].kind == ACR_K_STRING)
    return ((const acr_str *const *)c->col[k])[i] != NULL;
  return (c->present[i] >> k) & 1u;
}

/* Runs are separate blocks: a scan over them fetches a few ahead, or it is
 * bound by cache misses rather than by its work. */
#define ACR_PREFETCH_AHEAD 8
#if defined(__GNUC__)
static inline void acr_prefetch_run(const acr_run *r) {
  const char *p = (const char *)r;
  size_t off;
  for (off = 0; off < sizeof *r; off += 64) __builtin_prefetch(p + off);
}
#else
#define acr_prefetch_run(r) ((void)(r))
#endif

#endif

/*
 * acr_query.h -- run-list aggregates for the Lua binding (list:count_by,
 * list:summary); hidden, Lua-free.  Implemented in acr_runlist.c.
 *
 * Results are plain structs that a caller declares (the binding keeps them
 * in a userdata whose __gc calls the *_free function), set up with *_init
 * into a safe empty state, filled by one call over the acr_run * array (no
 * per-run allocation) and freed idempotently.  Texts in the results point
 * into the runs of the list (or into static tables or the result itself):
 * use them while the list holds those runs unchanged.
 */
#ifndef ACR_QUERY_H
#define ACR_QUERY_H

#include "acr_internal.h"

/* One distinct value of a field and how many runs have it. */
typedef struct acr_group {
  const char *text;      /* the value as text (see acr_runlist_count_by) */
  size_t len;
  size_t count;          /* runs with this value */
  const acr_run *first;  /* the first run with this value */
  char buf[ACR_DATETIME_TEXT_MAX]; /* storage of text for date-times, int32 */
} acr_group;

/* Groups in first-seen order. */
typedef struct acr_groups {
  acr_group *items;
  size_t n, cap;
  size_t absent;         /* runs that do not have the field */
  acr_allocator alloc;
  uint32_t *slots;       /* private: hash index while counting */
  size_t nslots;
} acr_groups;

ACR_HIDDEN void acr_groups_init(acr_groups *g, const acr_allocator *a);
/* Frees the items; g is left empty (and may be freed again). */
ACR_HIDDEN void acr_groups_free(acr_groups *g);

/* Counts the runs of l by the value of f, a scalar field of acr_type_run
 * (string, enum, date-time, bool, int32), into g (emptied first).  Values
 * are grouped as the filter compares them: strings exactly, enums
 * case-insensitively (text: the canonical spelling, or the raw text first
 * seen), date-times by instant (text: the first-seen spelling), bools
 * ("true"/"false"), int32 (decimal).  Runs without the field are counted in
 * g->absent, except for bools: an absent bool counts as false, its spec
 * default, as filters read it.  ACR_EMISUSE if f is not such a field, ACR_EMEMORY (g empty)
 * when out of memory.  Linear in the number of runs (hashed). */
ACR_HIDDEN acr_status acr_runlist_count_by(const acr_runlist *l,
                                           const acr_field *f,
                                           acr_groups *g);

/* Per task: runs, failed ones and the spread of durations. */
typedef struct acr_task_stats {
  const char *task;      /* task name; NULL for the runs without a task */
  size_t len;
  size_t runs;           /* runs of this task */
  size_t failed;         /* status Failed, Error or Timeout */
  size_t finished;       /* runs with both startTime and finishTime */
  double p50, p95;       /* finishTime - startTime in seconds over the
                            finished runs (nearest rank); 0 if none */
} acr_task_stats;

typedef struct acr_summary {
  size_t total;          /* runs in the list */
  acr_groups by_status;  /* by_status.absent: runs without a status */
  acr_task_stats *tasks; /* first-seen order; the no-task entry last */
  size_t ntasks;
  acr_allocator alloc;
} acr_summary;

ACR_HIDDEN void acr_summary_init(acr_summary *s, const acr_allocator *a);
ACR_HIDDEN void acr_summary_free(acr_summary *s);
/* Fills s (emptied first).  ACR_EMEMORY (s empty) when out of memory. */
ACR_HIDDEN acr_status acr_runlist_summary(const acr_runlist *l,
                                          acr_summary *s);

/* ---- columns ----------------------------------------------------------------
 * A list keeps, lazily, compact arrays of the values its queries read, one
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
 * (push, set, sort) drops the columns.  acr_runlist_cols checks both and
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

/* The columns the leaves of f read (bit per column); 0 if none. */
ACR_HIDDEN uint32_t acr_filter_columns(const acr_filter *f);
/* acr_filter_match for row i of c, which holds the columns
 * acr_filter_columns(f) named; r is the run of row i (read for what no
 * column holds). */
ACR_HIDDEN int acr_filter_match_row(const acr_filter *f, const acr_cols *c,
                                    size_t i, const acr_run *r);

/* The scalar field of Run a sort or count key names: the exact JSON name,
 * else a case-insensitive match, else a RunFilter name (taskName = task).
 * NULL if none or if the field is not scalar. */
ACR_HIDDEN const acr_field *acr_query_field(const char *name, size_t n);

#endif

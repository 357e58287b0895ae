/*
 * acr_query.h -- run-list aggregates for the Lua binding (list:count_by,
 * list:summary) and what the run-list files share; hidden, Lua-free.
 * Implemented in acr_runlist_query.c (sort, top, count_by, summary) and
 * acr_runlist.c (the list, filter, keys); the columns the queries scan
 * are in acr_runlist_cols.h.
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

#include "acr_runlist_cols.h"

/* One distinct value of a field and how many runs have it. */
typedef struct acr_group {
  const char *text;      /* the value as text (see acr_runlist_count_by) */
  size_t len;
  size_t count;          /* runs with this value */
  const acr_run *first;  /* the first run with this value */
  size_t row;            /* private: first's row in the list */
  uint64_t hash;         /* private: hash of the value while counting */
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

/* A new empty list with the allocator of l and room for cap runs, or
 * NULL when out of memory (acr_runlist.c). */
ACR_HIDDEN acr_runlist *acr_runlist_derived(const acr_runlist *l, size_t cap);

/* Is f a scalar field of Run (string, enum, date-time, bool, int32): what
 * sort, top, count_by and column take? */
ACR_HIDDEN int acr_run_scalar(const acr_field *f);

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

/*
 * lacr.h -- internal interface between the Lua binding files (lacr_*.c).
 * Not installed.  Everything here is hidden; the exported symbols are only
 * luaopen_acr_run and the acr_lua_* functions of acr.h.
 */
#ifndef LACR_H
#define LACR_H

#include "acr.h"
#include "acr_internal.h"
#include "lacr_compat.h"

/* Metatable names (registry keys). */
#define LACR_RUN      "acr.run.Run"
#define LACR_RECORD   "acr.run.Record"    /* live view of a nested record */
#define LACR_FLIST    "acr.run.FieldList" /* live view of a list field */
#define LACR_DATETIME "acr.run.DateTime"
#define LACR_RUNLIST  "acr.run.RunList"
#define LACR_FILTER   "acr.run.Filter"
#define LACR_BOX      "acr.run.Box"       /* temporary C memory, freed by GC */
#define LACR_PINS     "acr.run.Pins"      /* pin guard (lacr_pin.c) */

/* Run userdata: one reference to the run. */
typedef struct lacr_Run {
  acr_run *run; /* NULL once collected/closed */
} lacr_Run;

/* Path from a run's root record to a nested record or list: each step is a
 * field index of the current type and, for an element of a record list,
 * the 1-based element index (0 when the step is the field itself). */
#define LACR_VIEW_MAXDEPTH 4
typedef struct lacr_View {
  acr_run *run; /* one reference */
  uint8_t depth;
  struct {
    uint8_t field;
    uint32_t index;
  } step[LACR_VIEW_MAXDEPTH];
} lacr_View;

/* RunList userdata (owns the list). */
typedef struct lacr_RunList {
  acr_runlist *list; /* NULL once collected */
} lacr_RunList;

/* Conversion modes for Lua value -> model. */
typedef enum lacr_mode {
  LACR_MODE_NEW,    /* acr.new: refuse read-only/unknown/bad enum, raise */
  LACR_MODE_FROM,   /* acr.from_table: accept read-only, keep unknown */
  LACR_MODE_STRICT  /* acr.from_table{strict=true}: like NEW but read-only ok */
} lacr_mode;

/* ---- lacr_module.c / shared helpers ----------------------------------- */
/* The state's allocator (lua_getallocf), for the core. */
void lacr_allocator(lua_State *L, acr_allocator *a);
/* Raise a Lua error with e->message (memory errors: "not enough memory"). */
int lacr_raise(lua_State *L, const acr_error *e);
/* Push {kind=, path=, line=, column=, offset=} (position keys only when
 * non-zero). */
void lacr_push_errtable(lua_State *L, const acr_error *e);
/* Push nil, message, errtable; returns 3 (for "return nil, msg, err"). */
int lacr_fail(lua_State *L, const acr_error *e);
/* Push a Box userdata holding an acr_buf initialised with the state's
 * allocator; the buffer is freed when the box is collected (so a Lua error
 * cannot leak it) or explicitly with lacr_box_free. */
acr_buf *lacr_newbox(lua_State *L);
void lacr_box_free(acr_buf *b);
/* Is the value at idx the string lit, all its bytes (an embedded NUL
 * never makes "value\0x" equal "value")? */
int lacr_streq(lua_State *L, int idx, const char *lit);

/* ---- lacr_pin.c: the re-entrancy rule (see the file's header) ----------- */
typedef struct lacr_Pins {
  size_t n, cap;
  acr_run *runs[1]; /* cap entries: each retained and pinned */
} lacr_Pins;
void lacr_open_pins(lua_State *L);
/* Push an empty guard with room for cap runs (may run Lua: call it before
 * taking pointers into any run). */
lacr_Pins *lacr_pins_new(lua_State *L, size_t cap);
/* Retain and pin r (no Lua). */
void lacr_pins_add(lacr_Pins *p, acr_run *r);
/* lacr_pins_new(L, 1) + lacr_pins_add: r must stay alive across the
 * allocation (it is reached from a userdata on the stack). */
lacr_Pins *lacr_pin(lua_State *L, acr_run *r);
/* Unpin, compact if due, release; idempotent (the guard stays pushed). */
void lacr_pins_release(lacr_Pins *p);

/* ---- lacr_datetime.c ----------------------------------------------------- */
void lacr_open_datetime(lua_State *L); /* module table at -1 */
void lacr_pushdatetime(lua_State *L, const acr_datetime *dt);
acr_datetime *lacr_testdatetime(lua_State *L, int idx);
/* DateTime, RFC 3339 string or number (epoch seconds) at idx -> *out.
 * Returns ACR_OK or fills err (kind schema, message says what was wrong).*/
acr_status lacr_todatetime(lua_State *L, int idx, acr_datetime *out,
                           acr_error *err);

/* ---- lacr_run.c ---------------------------------------------------------- */
void lacr_open_run(lua_State *L); /* module table at -1 */
/* Push a Run userdata for r, taking a new reference. */
void lacr_pushrun(lua_State *L, acr_run *r);
/* Push a new Run userdata that takes over the caller's reference to r
 * (use after lacr_newrun_slot for the safe order). */
lacr_Run *lacr_newrun_slot(lua_State *L); /* pushes an empty Run userdata */
lacr_Run *lacr_testrun(lua_State *L, int idx);
lacr_Run *lacr_checkrun(lua_State *L, int idx); /* raises if not a live Run */
/* Deep plain-table copy of a run (see run:to_table); amt is the stack
 * index of cjson.array_mt (lacr_array_mt) or 0.  The caller pins r. */
void lacr_run_to_table(lua_State *L, const acr_run *r, int amt);
/* Push cjson.array_mt (raw lookups) and return its index, or 0. */
int lacr_array_mt(lua_State *L);
/* Build a run from the Lua table at idx; pushes the Run userdata and
 * returns its run.  NEW/STRICT raise on bad values; FROM keeps unknowns. */
acr_run *lacr_run_from_table(lua_State *L, int idx, lacr_mode mode);

/* The Lua value at idx as JSON text, in a Box pushed on the stack (the
 * Lua-value -> JSON writer used for unknown fields); raises naming path for
 * what JSON cannot hold (functions, NaN, cycles). */
acr_buf *lacr_to_json(lua_State *L, int idx, const char *path);

/* ---- lacr_list.c --------------------------------------------------------- */
void lacr_open_list(lua_State *L); /* module table at -1 */
lacr_RunList *lacr_newlist_slot(lua_State *L); /* empty RunList userdata */
lacr_RunList *lacr_testlist(lua_State *L, int idx);
lacr_RunList *lacr_checklist(lua_State *L, int idx);
/* A guard (pushed) pinning every run of the RunList at idx, in order, then
 * (when meta) its meta run (nextLink, unknown keys): made before the list
 * is read, so the runs are those of the list after the allocation. */
lacr_Pins *lacr_pin_list(lua_State *L, int idx, int meta);

/* ---- lacr_filter.c ------------------------------------------------------- */
void lacr_open_filter(lua_State *L); /* module table at -1 */
/* Filter at idx: a Filter userdata or a string (compiled; a bad string
 * raises).  Returns the compiled filter (valid while the value at idx or
 * the pushed anchor lives). */
const acr_filter *lacr_checkfilter(lua_State *L, int idx);

/* ---- lacr_json.c --------------------------------------------------------- */
void lacr_open_json(lua_State *L); /* module table at -1 */
/* Encode the Run or RunList at idx with the options table at opts (0 for
 * none); pushes the JSON string.  Raises on bad options. */
int lacr_encode_value(lua_State *L, int idx, int opts);
/* Push the Lua value of a JSON text the core has validated (an unknown
 * field's text): objects and arrays as tables (arrays with lua-cjson's
 * array_mt when loaded), null as cjson.null (a NULL light userdata),
 * numbers as cjson.decode gives them.  Raises past 1000 nesting levels. */
void lacr_push_json(lua_State *L, const char *s, size_t n, int amt);

#endif

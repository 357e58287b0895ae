/*
 * lacr.h -- internal interface between the Lua binding files (lacr_*.c).
 * Not installed.  Everything here is hidden; the exported symbols are only
 * luaopen_acr_run and the acr_lua_* functions of acr.h.
 *
 * The binding in layers.  A file calls (and names in its comments) only
 * files below it; no arrow points up or sideways, so there is no circle:
 *
 *   lacr_module.c    luaopen_acr_run, the method tables, acr.type
 *        |
 *   lacr_json.c      acr.decode, acr.encode
 *        |
 *   lacr_request.c   RunRequest and its views (uses util only)
 *        |
 *   lacr_list.c      RunList: acr.list, indexing, conversion, methods
 *        |
 *   lacr_query.c     RunList basics and queries   (uses filter, run, conv)
 *        |
 *   lacr_filter.c    Filter                 (uses run)
 *        |
 *   lacr_run.c       Run                    (uses view, conv)
 *        |
 *   lacr_view.c      Record and FieldList views, reads and assignments
 *        |
 *   lacr_conv.c      Lua tables <-> model (acr.new, from_table, to_table)
 *        |
 *   lacr_jsonval.c   JSON text <-> Lua values (kept unknown fields), the
 *        |           encoder's options
 *   lacr_path.c      what a view's path leads to        lacr_datetime.c
 *        |                                                   |
 *   lacr_ctx.c       the per-state context (name tables, enum strings,
 *        |           metatables)
 *   lacr_pin.c       pin guards: the re-entrancy rule
 *   lacr_util.c      allocator, errors, boxes, string checks
 *
 * The per-state context is a table given as upvalue 1 to every function
 * the module registers (lacr_ctx.c); field reads find the name tables and
 * the enum strings there without a registry lookup.
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
#define LACR_GROUPS   "acr.run.Groups"    /* count_by results (lacr_query.c) */
#define LACR_SUMMARY  "acr.run.Summary"   /* summary results */
#define LACR_REQUEST  "acr.run.RunRequest"
#define LACR_REQVIEW  "acr.run.RequestView" /* nested record/list/map of one */

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
  int proxies;       /* its uservalue keeps list[i]'s Runs (acr.ffi) */
} lacr_RunList;

/* Filter userdata (owns the compiled filter). */
typedef struct lacr_Filter {
  acr_filter *f; /* NULL once collected/closed */
} lacr_Filter;

/* Conversion modes for Lua value -> model. */
typedef enum lacr_mode {
  LACR_MODE_NEW,    /* acr.new: refuse read-only/unknown/bad enum, raise */
  LACR_MODE_FROM,   /* acr.from_table: accept read-only, keep unknown */
  LACR_MODE_STRICT  /* acr.from_table{strict=true}: like NEW but read-only ok */
} lacr_mode;

/* ---- lacr_util.c -------------------------------------------------------- */
void lacr_open_util(lua_State *L); /* the Box metatable */
/* The state's allocator (lua_getallocf), for the core. */
void lacr_allocator(lua_State *L, acr_allocator *a);
/* Raise a Lua error with e->message (memory errors: "not enough memory"). */
int lacr_raise(lua_State *L, const acr_error *e);
int lacr_nomem(lua_State *L);
/* Push {kind=, path=, line=, column=, offset=} (position keys only when
 * non-zero); acr.decode adds a service error's parts (lacr_json.c). */
void lacr_push_errtable(lua_State *L, const acr_error *e);
/* Push nil, message, errtable; returns 3 (for "return nil, msg, err"). */
int lacr_fail(lua_State *L, const acr_error *e);
/* Raise "path: message" (just the message when path is empty). */
int lacr_errorat(lua_State *L, const char *path, const char *fmt, ...);
/* Length of the array at idx (keys exactly 1..n, n <= max), or raise
 * naming path. */
uint32_t lacr_check_array(lua_State *L, const char *path, int idx,
                          uint32_t max);
/* "unknown field 'stauts' (did you mean 'status'?)" for the key at kidx. */
int lacr_unknown_field(lua_State *L, const char *path, const acr_type *t,
                       int kidx);
/* Push a Box userdata holding an acr_buf initialised with the state's
 * allocator; the buffer is freed when the box is collected (so a Lua error
 * cannot leak it) or explicitly with lacr_box_free. */
acr_buf *lacr_newbox(lua_State *L);
void lacr_box_free(acr_buf *b);
/* Is the value at idx the string lit, all its bytes (an embedded NUL
 * never makes "value\0x" equal "value")? */
int lacr_streq(lua_State *L, int idx, const char *lit);
/* cjson.null (a NULL light userdata); nil, none or null. */
int lacr_is_null(lua_State *L, int idx);
int lacr_is_absent(lua_State *L, int idx);
/* "null" for cjson.null, else the Lua type name. */
const char *lacr_type_name(lua_State *L, int idx);
/* An integral index as text without a ".0" (pushed and returned). */
const char *lacr_push_index_text(lua_State *L, lua_Number d);
/* Push package.loaded.cjson[name] (raw lookups: no metamethod of a
 * stand-in module runs), or nil. */
void lacr_push_cjson_field(lua_State *L, const char *name);
/* Push cjson.array_mt and return its index, or 0 (nothing pushed).  Called
 * before a walk takes pointers into a run. */
int lacr_array_mt(lua_State *L);
/* Give the table at -1 the metatable at amt (0: none). */
void lacr_mark_array(lua_State *L, int amt);
/* Raise unless the options table at idx has only keys of valid (NULL
 * ended), so a misspelt option is not silently ignored. */
void lacr_check_option_names(lua_State *L, int idx,
                             const char *const *valid);

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
/* Unpin, compact if due, release; idempotent (the guard stays pushed). */
void lacr_pins_release(lacr_Pins *p);

/* ---- lacr_ctx.c: the per-state context ---------------------------------- */
/* Slots of the context table (upvalue 1 of every registered function). */
enum {
  LACR_CTX_RUNNAMES = 1, /* Run: name -> field (light userdata) or method:
                            the context itself (string keys) */
  LACR_CTX_TYPES,        /* [type id + 1] -> that type's name table */
                         /* (enum strings: lacr_push_enum_text) */
  LACR_CTX_RUNMT,        /* metatables: Run, Record view, FieldList view */
  LACR_CTX_RECMT,
  LACR_CTX_LISTMT,
  LACR_CTX_LISTMETH,     /* FieldList methods by name */
  LACR_CTX_DTMT,         /* the DateTime metatable (filled by
                            lacr_open_datetime) */
  LACR_CTX_NSLOTS = LACR_CTX_DTMT
};
#define LACR_CTX lua_upvalueindex(1)
/* Create the context (pushed): name tables, enum strings, the metatables
 * (also registered under their names), the registry entry. */
void lacr_ctx_new(lua_State *L);
/* Register r's functions as closures over the context (at ctx, an absolute
 * index) into the table at tbl. */
void lacr_ctx_setfuncs(lua_State *L, int ctx, int tbl, const luaL_Reg *r);
/* Push fn as a closure over the context (from a registered function). */
void lacr_push_closure(lua_State *L, lua_CFunction fn);
/* The userdata at idx if its metatable is context slot mtslot, else NULL. */
void *lacr_test_ctx(lua_State *L, int idx, int mtslot);
/* u (the Run at idx, or NULL) if it is a live Run; else raise "Run
 * expected" or "Run is closed" for argument idx. */
lacr_Run *lacr_run_arg(lua_State *L, int idx, lacr_Run *u);
/* The run of the Run at idx; raises for anything else or a closed Run. */
acr_run *lacr_check_run_ctx(lua_State *L, int idx);
/* The view at idx (metatable slot mtslot) or raise. */
lacr_View *lacr_check_view(lua_State *L, int idx, int mtslot);
/* Push the name table of record type t, the canonical text of an enum
 * value, or the metatable of slot mtslot. */
void lacr_push_type_names(lua_State *L, const acr_type *t);
void lacr_push_enum_text(lua_State *L, const acr_enum_def *d, int code);

/* ---- lacr_path.c: what a view's path leads to --------------------------- */
typedef struct lacr_target {
  void *rec;             /* record view: the record; list view: its owner */
  const acr_type *type;  /* type of rec */
  const acr_field *lf;   /* list view: the list field of rec; else NULL */
} lacr_target;
const acr_field *lacr_step_field(const lacr_View *v, int i);
/* Type of a record view, element type of a list view (NULL: strings). */
const acr_type *lacr_view_type(const lacr_View *v);
/* Resolve v's path in its run now; 0 when a step is no longer set. */
int lacr_resolve(const lacr_View *v, lacr_target *out);
acr_list *lacr_target_list(const lacr_target *tg);
/* "run.platform", "run.outputImages[2]" for the first nsteps steps. */
void lacr_view_path(const lacr_View *v, int nsteps, acr_path *p);
int lacr_no_longer_set(lua_State *L, const lacr_View *v, int is_list);
/* Raise for a write below a read-only field (systemData, logArtifact). */
void lacr_check_path_writable(lua_State *L, const lacr_View *v);

/* ---- lacr_datetime.c ----------------------------------------------------- */
void lacr_open_datetime(lua_State *L); /* module table at -1 */
void lacr_pushdatetime(lua_State *L, const acr_datetime *dt);
/* The same from a function registered over the context (LACR_CTX): the
 * metatable is one lua_rawgeti away instead of a registry lookup by name. */
void lacr_pushdatetime_ctx(lua_State *L, const acr_datetime *dt);
acr_datetime *lacr_testdatetime(lua_State *L, int idx);
/* DateTime, RFC 3339 string or number (epoch seconds) at idx -> *out.
 * Returns ACR_OK or fills err (kind schema, message says what was wrong).*/
acr_status lacr_todatetime(lua_State *L, int idx, acr_datetime *out,
                           acr_error *err);

/* ---- lacr_jsonval.c: JSON text <-> Lua values --------------------------- */
/* Deepest Lua table stored as an unknown field's JSON value (bounds the C
 * recursion; catches cycles): the library's one limit, ACR_MAX_DEPTH, less
 * the deepest place an unknown value can sit in a document (a RunList's
 * value array, a run in its envelope, imageUpdateTrigger.images[i]: 7
 * levels), so that whatever is accepted encodes to a document decode
 * accepts. */
#define LACR_LUA_MAX_DEPTH (ACR_MAX_DEPTH - 8)
/* Push the Lua value of a JSON text the core has validated (an unknown
 * field's text): objects and arrays as tables (arrays with the metatable at
 * amt, 0 for none), null as cjson.null (a NULL light userdata), numbers as
 * cjson.decode gives them.  Raises past ACR_MAX_DEPTH levels.  s may point
 * into a run: the caller pins it. */
void lacr_push_json(lua_State *L, const char *s, size_t n, int amt);
/* The Lua value at idx as JSON text, in a Box pushed on the stack (the
 * Lua-value -> JSON writer used for unknown fields); raises naming path for
 * what JSON cannot hold (functions, NaN, cycles). */
acr_buf *lacr_to_json(lua_State *L, int idx, const acr_path *path);
/* opts.shape of the options table at idx ("bare", "envelope", "cli",
 * "taskrun"; absent: ACR_ENCODE_AS_READ); raises for another value. */
acr_encode_shape lacr_shape_opt(lua_State *L, int idx);
/* Read the encode options table at idx (0 or nil: none) into *o; an indent
 * string stays on the stack.  Raises on bad options (may run Lua). */
void lacr_encode_opts(lua_State *L, int idx, acr_encode_opts *o);
/* The state's encode buffer, empty: a box kept in the registry from one
 * encode to the next, so that a big document is written into memory the
 * process already has instead of pages mapped afresh (which cost as much
 * as the encoding itself).  Call it before reading the value to encode:
 * the first call allocates (and may run Lua code). */
acr_buf *lacr_encbuf(lua_State *L);
/* Encode run or list into b (from lacr_encbuf, taken before: no Lua runs
 * here) and push the JSON text; raises on failure.  b keeps its memory
 * for the next call, unless this document used under a quarter of what an
 * earlier one had left in it. */
int lacr_push_encoded(lua_State *L, acr_buf *b, const acr_run *run,
                      const acr_runlist *list, const acr_encode_opts *o);

/* ---- lacr_conv.c: Lua tables <-> model ---------------------------------- */
typedef struct lacr_conv {
  acr_run *run;
  lacr_mode mode;
  acr_path path;
} lacr_conv;
/* A Lua value converted for a field: C values only (see lacr_to_cvalue). */
typedef struct lacr_cvalue {
  int absent;
  const char *s; /* string, enum text (anchored by the Lua value) */
  size_t n;
  acr_datetime dt;
  int b;
  int32_t i;
  void *ptr; /* detached record or list */
} lacr_cvalue;
/* The Lua value at v as a value of field f; raises on a bad value.  May run
 * Lua code when it builds a record or a list (detached, in c->run's arena:
 * the caller pins c->run when Lua code can reach it). */
void lacr_to_cvalue(lua_State *L, lacr_conv *c, const acr_field *f, int v,
                    lacr_cvalue *cv);
/* Store a converted value into field f of rec: no Lua runs before it
 * raises on a refused value, and then rec is unchanged. */
void lacr_store_cvalue(lua_State *L, lacr_conv *c, void *rec,
                       const acr_field *f, const lacr_cvalue *cv);
/* A detached record of type t / string from the value at v. */
void *lacr_build_record(lua_State *L, lacr_conv *c, const acr_type *t, int v);
acr_str *lacr_build_string(lua_State *L, lacr_conv *c, int v);
/* The string at v copied into arena (checked UTF-8), or raise "path: ..."
 * (used by runs and requests alike). */
acr_str *lacr_build_text(lua_State *L, acr_run *arena, const char *path,
                         int v);
/* A detached list in arena from the array at v (at most max items): each
 * item is built by item(L, ud, index of the item) with path extended by
 * [i]; raises on a bad array, a bad item or out of memory. */
typedef void *(*lacr_item_fn)(lua_State *L, void *ud, int v);
acr_list *lacr_build_array(lua_State *L, acr_run *arena, acr_path *path,
                           int v, uint32_t max, lacr_item_fn item, void *ud);
/* Build a run from the Lua table at idx; pushes the Run userdata and
 * returns its run.  NEW/STRICT raise on bad values; FROM keeps unknowns. */
acr_run *lacr_run_from_table(lua_State *L, int idx, lacr_mode mode);
/* Plain Lua values of a field, a record, a whole run (see run:to_table);
 * amt: the index of cjson.array_mt or 0.  The caller pins the run. */
void lacr_push_plain(lua_State *L, const acr_field *f, const void *rec,
                     int amt);
void lacr_push_plain_record(lua_State *L, const acr_type *t, const void *rec,
                            int amt);
void lacr_run_to_table(lua_State *L, const acr_run *r, int amt,
                       acr_encode_shape shape); /* AS_READ: as encode */
/* name = JSON text of unknown fields into the table at -1. */
void lacr_push_unknown_texts(lua_State *L, const acr_list *u);

/* ---- lacr_view.c: Record and FieldList views ---------------------------- */
/* What a read reads from: a Run userdata (u) or a view (v) at index ud. */
typedef struct lacr_src {
  int ud;
  lacr_Run *u;
  lacr_View *v;
} lacr_src;
/* The run of the Run or view userdata at ud now (NULL when closed);
 * lacr_live_run raises instead of NULL. */
acr_run *lacr_ud_run(lua_State *L, int ud);
acr_run *lacr_live_run(lua_State *L, int ud);
/* A pin guard (pushed) on the run of the Run or view at ud, made before
 * the run is taken from the userdata. */
acr_run *lacr_pin_ud(lua_State *L, int ud, lacr_Pins **pins);
/* Push field f of what sr shows (value, DateTime or a view; nil when
 * absent), copying out before calling Lua.  Called from functions
 * registered over the context. */
void lacr_push_field(lua_State *L, const lacr_src *sr, const acr_field *f);
/* Set field f of the record the Run or Record view at ud shows from the
 * value at v, as acr.new validates (recpath names the record). */
void lacr_assign(lua_State *L, int ud, const acr_field *f, int v,
                 const acr_path *recpath);
int lacr_fields(lua_State *L);      /* obj:fields(), __pairs */
int lacr_rec_index(lua_State *L);   /* Record view metamethods, methods */
int lacr_rec_newindex(lua_State *L);
int lacr_rec_eq(lua_State *L);
int lacr_rec_tostring(lua_State *L);
int lacr_rec_to_table(lua_State *L);
int lacr_rec_unknown(lua_State *L);
int lacr_view_gc(lua_State *L);
int lacr_flist_index(lua_State *L); /* FieldList metamethods, methods */
int lacr_flist_newindex(lua_State *L);
int lacr_flist_len(lua_State *L);
int lacr_flist_eq(lua_State *L);
int lacr_flist_tostring(lua_State *L);
int lacr_flist_append(lua_State *L);
int lacr_flist_remove(lua_State *L);
int lacr_flist_iter(lua_State *L);
int lacr_flist_to_table(lua_State *L);

/* ---- lacr_run.c: the Run ------------------------------------------------ */
/* Push a Run userdata for r, taking a new reference (r must survive the
 * allocation: reached from a userdata on the stack or pinned). */
void lacr_pushrun(lua_State *L, acr_run *r);
/* Push an empty Run userdata; the caller then sets u->run, owning one
 * reference (the safe order: userdata first, reference after). */
lacr_Run *lacr_newrun_slot(lua_State *L);
lacr_Run *lacr_testrun(lua_State *L, int idx);
lacr_Run *lacr_checkrun(lua_State *L, int idx); /* raises if not a live Run */
int lacr_run_index(lua_State *L);   /* Run metamethods and methods */
int lacr_run_newindex(lua_State *L);
int lacr_run_gc(lua_State *L);
int lacr_run_eq(lua_State *L);
int lacr_run_tostring(lua_State *L);
int lacr_run_to_table_m(lua_State *L);
int lacr_run_clone(lua_State *L);
int lacr_run_problems(lua_State *L);
int lacr_run_unknown(lua_State *L);
int lacr_run_is_terminal(lua_State *L);
int lacr_run_memsize(lua_State *L);
int lacr_run_duration(lua_State *L);
int lacr_run_trigger(lua_State *L);
int lacr_run_encode(lua_State *L);
int lacr_run_diff(lua_State *L);
int lacr_run_taskrun(lua_State *L);
int lacr_new(lua_State *L);         /* acr.new, acr.from_table */
int lacr_from_table(lua_State *L);

/* ---- lacr_filter.c: the Filter ------------------------------------------ */
lacr_Filter *lacr_testfilter(lua_State *L, int idx);
/* Filter at idx: a Filter userdata or a string (compiled; a bad string
 * raises).  Returns the compiled filter (valid while the value at idx or
 * the pushed anchor lives). */
const acr_filter *lacr_checkfilter(lua_State *L, int idx);
void lacr_open_filter(lua_State *L); /* module table at -1 */

/* ---- lacr_query.c: the RunList's basics and queries --------------------- */
lacr_RunList *lacr_newlist_slot(lua_State *L); /* empty RunList userdata */
lacr_RunList *lacr_testlist(lua_State *L, int idx);
lacr_RunList *lacr_checklist(lua_State *L, int idx);
acr_runlist *lacr_list_of(lua_State *L, int idx); /* checklist's list */
int lacr_list_nomem(lua_State *L);
/* A new RunList userdata (pushed) with its list allocated. */
acr_runlist *lacr_newlist(lua_State *L);
/* The run for the value at idx: a Run (shared) or a plain table read as
 * acr.from_table does (its Run pushed, anchoring it); raises naming arg. */
acr_run *lacr_torun(lua_State *L, int idx, int arg);
void lacr_list_push(lua_State *L, acr_runlist *l, acr_run *r);
/* Push element i (1-based) of the RunList at index 1 (checked by the
 * caller) as a Run, or nil: the userdata is made first, the run read
 * after. */
void lacr_list_push_element(lua_State *L, size_t i);
/* A guard (pushed) pinning every run of the RunList at idx, in order, then
 * (when meta) its meta run (nextLink, unknown keys): made before the list
 * is read, so the runs are those of the list after the allocation. */
lacr_Pins *lacr_pin_list(lua_State *L, int idx, int meta);
int lacr_list_filter(lua_State *L); /* RunList query methods */
int lacr_list_column(lua_State *L);
int lacr_list_sort(lua_State *L);
int lacr_list_top(lua_State *L);
int lacr_list_count_by(lua_State *L);
int lacr_list_summary(lua_State *L);
int lacr_list_memsize(lua_State *L);
int lacr_query_key(lua_State *L); /* acr.query_key */
int lacr_groups_gc(lua_State *L);
int lacr_summary_gc(lua_State *L);

/* ---- lacr_list.c: the RunList ------------------------------------------- */
void lacr_open_list(lua_State *L); /* module table at -1 */

/* ---- lacr_json.c: acr.decode, acr.encode -------------------------------- */
void lacr_open_json(lua_State *L); /* module table at -1 */

/* ---- lacr_request.c ------------------------------------------------------ */
void lacr_open_request(lua_State *L); /* module table at -1: acr.request */
/* acr.decode of a text acr_json_is_request accepted: pushes the RunRequest
 * (returns 1) or nil, message, err (returns 3). */
int lacr_request_decode(lua_State *L, const char *text, size_t len,
                        const acr_decode_opts *opts);
int lacr_testrequest(lua_State *L, int idx);

#endif

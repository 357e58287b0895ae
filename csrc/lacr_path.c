/*
 * lacr_path.c -- what a view's path leads to.  A view (lacr_View) holds a
 * reference to its run and a path of (field, element) steps from the root
 * record, never a pointer into the run: a change may compact the run's
 * memory, and a view must stay safe after its field is replaced or the
 * Run userdata is collected.  Every access resolves the path again here,
 * in plain C (no Lua call, so the result is valid until Lua runs).
 */
#include "lacr.h"

#define HAS(rec, f) ACR_HAS(rec, f)

/* The field of each step of v, from the schema alone. */
const acr_field *lacr_step_field(const lacr_View *v, int i) {
  const acr_type *t = &acr_type_run;
  const acr_field *f = NULL;
  int k;
  for (k = 0; k <= i; k++) {
    f = &t->fields[v->step[k].field];
    t = f->sub;
  }
  return f;
}

/* Static type of a record view, or the element type of a list view (NULL
 * for a list of strings). */
const acr_type *lacr_view_type(const lacr_View *v) {
  return lacr_step_field(v, v->depth - 1)->sub;
}

int lacr_resolve(const lacr_View *v, lacr_target *out) {
  void *rec = &v->run->rec;
  const acr_type *t = &acr_type_run;
  int i;
  for (i = 0; i < v->depth; i++) {
    const acr_field *f = &t->fields[v->step[i].field];
    void *slot = ACR_SLOT(rec, f);
    if (!HAS(rec, f)) return 0;
    if (f->kind == ACR_K_RECORD) {
      rec = *(void **)slot;
    } else if (f->kind == ACR_K_RECORD_LIST ||
               f->kind == ACR_K_STRING_LIST) {
      const acr_list *l = *(acr_list **)slot;
      uint32_t idx = v->step[i].index;
      if (idx == 0) {
        if (i != v->depth - 1) return 0;
        out->rec = rec;
        out->type = t;
        out->lf = f;
        return 1;
      }
      if (l == NULL || idx > l->n) return 0;
      rec = l->items[idx - 1];
    } else {
      return 0;
    }
    if (rec == NULL) return 0;
    t = f->sub;
  }
  out->rec = rec;
  out->type = t;
  out->lf = NULL;
  return 1;
}

/* The list of a resolved list view (NULL reads as empty). */
acr_list *lacr_target_list(const lacr_target *tg) {
  return *(acr_list **)ACR_SLOT(tg->rec, tg->lf);
}

/* "run.platform", "run.outputImages[2]" for the first nsteps steps. */
void lacr_view_path(const lacr_View *v, int nsteps, acr_path *p) {
  const acr_type *t = &acr_type_run;
  int i;
  acr_path_init(p);
  acr_path_key(p, "run", 3);
  for (i = 0; i < nsteps; i++) {
    const acr_field *f = &t->fields[v->step[i].field];
    acr_path_key(p, f->name, f->namelen);
    if (v->step[i].index) acr_path_index(p, v->step[i].index);
    t = f->sub;
  }
}

/* Name of what the view shows, for "record 'platform' is no longer set". */
static void view_name(const lacr_View *v, acr_path *p) {
  const acr_field *f = lacr_step_field(v, v->depth - 1);
  acr_path_init(p);
  acr_path_key(p, f->name, f->namelen);
  if (v->step[v->depth - 1].index)
    acr_path_index(p, v->step[v->depth - 1].index);
}

int lacr_no_longer_set(lua_State *L, const lacr_View *v, int is_list) {
  acr_path p, name;
  lacr_view_path(v, v->depth, &p);
  view_name(v, &name);
  return lacr_errorat(L, p.buf, "%s '%s' is no longer set",
                 is_list ? "list" : "record", name.buf);
}

/* Refuse writes below a read-only field (systemData, logArtifact). */
void lacr_check_path_writable(lua_State *L, const lacr_View *v) {
  int i;
  for (i = 0; i < v->depth; i++) {
    const acr_field *f = lacr_step_field(v, i);
    if (f->flags & ACR_F_READONLY) {
      acr_path p;
      lacr_view_path(v, i, &p);
      lacr_errorat(L, p.buf, "field '%s' is read-only", f->name);
    }
  }
}


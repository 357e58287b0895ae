/*
 * acr_json_doc.c -- the schema reader, documents: what the text is and the
 * Run objects, task runs and run lists in it; the entry points
 * acr_json_decode and acr_json_decode_next.  Records, field values and the
 * schema-less acr_json_validate are acr_json_read.c's (see
 * acr_json_read.h).
 *
 * One pass over the tokens, no intermediate tree.  The document root is
 * read as a Run; what the keys turn out to be decides the shape:
 *   - "properties": {...}            ARM envelope (ACR_SHAPE_ENVELOPE)
 *   - envelope keys beside run keys  Azure CLI flat shape (ACR_SHAPE_FLAT)
 *   - neither                        bare RunProperties (ACR_SHAPE_BARE)
 *   - "value": [...] at the root     RunListResult -> acr_runlist
 *   - a root array                   array of runs -> acr_runlist
 *   - "runResult": {...} in a Run object or in its "properties": a TaskRun.
 *     The runResult object is read as a Run and returned in place of the
 *     TaskRun.  Until the runResult is met the TaskRun's own members are
 *     read as a Run's (what they are cannot be known before); their schema
 *     errors then do not count.  This holds wherever a Run is expected
 *     (also the items of a list, so a TaskRuns list decodes to a list of
 *     their runs).
 * Meeting "value": [ at the root, the reading goes on as a RunListResult's.
 * The members met before it (rare: the service writes "value" first) were
 * read as a Run's, and also kept as they went by: the lexer captures the
 * root object minified while the reader notes where each member's name
 * and value are, so they become the list's nextLink and unknown members
 * without being read again.  An object with members but none of a run,
 * an envelope, a run list or a task run is not a run (a schema error),
 * except {"error": {...}} at the root, the ARM error body, which
 * acr_json_decode reports as ACR_ESERVICE.
 *
 * Two small texts are looked at again, both already checked, neither
 * more than once: the parts of a task run around its runResult, minified
 * to be kept beside the run (taskrun_keep), and the "error" object of an
 * ARM error body (service_body).  The token counts include them
 * (jr.side_tok).
 *
 * Recursion is bounded: Run objects nest through task runs at most
 * TASK_NEST_MAX times (each level holds three error records on the C
 * stack), every other nesting is within the lexer's ACR_MAX_DEPTH.
 */
#include "acr_json_read.h"

typedef unsigned char uchar;

#define TASK_NEST_MAX 32
#define J_SWITCH_LIST 100 /* internal: the root object is a RunListResult */

/* Parse modes of a Run object. */
enum { M_TOP, M_PROPS };

/* State of one Run object being read (shared by it and its "properties"). */
typedef struct runctx {
  acr_run *run;
  acr_run *result;  /* a TaskRun's runResult, read as a Run */
  int saw_result;   /* a "runResult" object: the object is a TaskRun */
  int doc_top;      /* the object is the document root */
  int saw_env;      /* an envelope field with a non-null value */
  int saw_props;    /* a "properties" object */
  int nknown;       /* members that make it a run: fields, "properties",
                       "runResult" */
  int nunknown;     /* other members of the object itself */
  const uchar *first_unknown; /* the name of the first, for a message */
  size_t first_unknown_len;
  const uchar *err_key, *err_start, *err_end; /* "error": {...} at the root */
  const uchar *rg_key; /* strict: "resourceGroup", the Azure CLI's field */
  const uchar *rr_start, *rr_end; /* the (last) runResult value */
  int rr_in_props;  /* it sits in "properties" */
  jframe value_key; /* "value": [ at the root: a RunListResult */
  jerrstate hard;   /* first schema error inside a runResult (last: the
                       rest is cleared for each object, this only set) */
} runctx;

/* "properties" given again: the last one wins, so forget the first. */
static void clear_props(acr_run *run) {
  uint8_t i;
  for (i = 0; i < acr_type_run.nfields; i++) {
    const acr_field *f = &acr_type_run.fields[i];
    if (!(f->flags & ACR_F_ENVELOPE)) acr_rec_clear(run, &run->rec, f);
  }
  run->rec.h.unknown = NULL;
}

/* Special member names of Run objects (bits above the field bits, for
 * duplicate detection in strict mode). */
#define SEEN_PROPERTIES (1u << 30)
#define SEEN_RUNRESULT (1u << 31)

#define key_is acr_jr_key_is

/* An unknown member of a Run object (mode M_TOP) is counted: a Run object
 * with members but none of a run is not a run.  "error": {...} at the
 * root may be an ARM error body: its place is kept. */
static void note_unknown(runctx *rc, const char *key, size_t klen,
                         const uchar *kp, const uchar *v, acr_jtok vt) {
  if (rc->doc_top && vt == ACR_JT_OBJECT && key_is(key, klen, "error", 5)) {
    rc->err_key = kp;
    rc->err_start = v;
    return;
  }
  if (rc->nunknown++ == 0) {
    rc->first_unknown = kp + 1;
    rc->first_unknown_len = klen;
  }
}

/* Strict mode keeps two unknown members of a Run object and decides at
 * its end: "error" at the root (an ARM error body, or else an error) and
 * "resourceGroup" (allowed in the Azure CLI shape only). */
static int unknown_allowed(runctx *rc, int mode, const char *key, size_t klen,
                           const uchar *kp, acr_jtok vt) {
  if (mode != M_TOP) return 0;
  if (rc->doc_top && vt == ACR_JT_OBJECT && key_is(key, klen, "error", 5))
    return 1;
  if (key_is(key, klen, "resourceGroup", 13)) {
    rc->rg_key = kp;
    return 1;
  }
  return 0;
}

/* The i-th member noted (i < J->nmembers). */
static jmember *noted(jr *J, size_t i) {
  if (i < JR_MEMBERS_SMALL) return &J->msmall[i];
  return (jmember *)(void *)(J->members.p +
                             (i - JR_MEMBERS_SMALL) * sizeof(jmember));
}

/* A member of the root object, its value's first token current: noted
 * so that it can become a RunListResult's. */
static int note_member(jr *J, const uchar *kp, const jframe *mf) {
  jmember m;
  m.koff = (size_t)(kp - J->s);
  m.voff = J->x.off;
  m.rawklen = mf->keylen;
  m.kesc = mf->esc;
  m.vstart = acr_jlex_capture_at(&J->x, jr_tokpos(J));
  m.vend = m.vstart;
  m.vtok = J->x.tok;
  m.vesc = J->x.esc;
  if (J->nmembers < JR_MEMBERS_SMALL)
    J->msmall[J->nmembers] = m;
  else if (acr_buf_add(&J->members, (const char *)&m, sizeof m) != ACR_OK)
    return acr_jr_nomem(J, mf, kp);
  J->nmembers++;
  return ACR_OK;
}

static int parse_run(jr *J, const jframe *fr, int doc_top, acr_run **rout,
                     acr_runlist **lout);

/* Reads the Run object whose '{' is current: mode M_TOP for the object,
 * M_PROPS for its "properties"; rc is the object's state. */
static int parse_run_obj(jr *J, const jframe *fr, runctx *rc, int mode) {
  acr_run *run = rc->run;
  void *rec = &run->rec;
  const acr_type *t = &acr_type_run;
  uint32_t seen = 0;
  unsigned hint = 0;
  jorder *order = acr_jr_order(J, t, mode);
  jframe mf;
  int first = 1, st;
  int noting = mode == M_TOP && rc->doc_top && J->x.cap != NULL;
  mf.up = fr;
  mf.index = 0;
  for (;;) {
    const uchar *kp, *vp;
    const char *key;
    size_t klen;
    const acr_field *f;
    acr_jtok vt, tk = jr_member_guess(J, order, t, hint, &f);
    if (tk == ACR_JT_OBJECT_END) break;
    if (tk != ACR_JT_KEY) return acr_jr_keyfail(J, fr, first ? NULL : &mf);
    first = 0;
    kp = jr_tokpos(J);
    jr_key_frame(J, &mf);
    if (f != NULL) { /* the name guessed */
      key = J->x.text;
      klen = J->x.len;
      hint = (unsigned)(f - t->fields) + 1;
    } else if (acr_jr_keytext(J, &key, &klen, fr) != ACR_OK) {
      return J->es.st;
    } else if (mode == M_TOP && key_is(key, klen, "properties", 10)) {
      f = NULL; /* in nearly every Run object, and no field */
    } else {
      f = acr_jr_find_field(order, t, key, klen, &hint);
    }
    if ((vt = jr_value(J)) == ACR_JT_ERROR) return acr_jr_lexfail(J, &mf);
    vp = jr_tokpos(J);
    if (noting && (st = note_member(J, kp, &mf)) != ACR_OK)
      return st;
    if (f && mode == M_PROPS && (f->flags & ACR_F_ENVELOPE)) f = NULL;
    if (f) {
      st = acr_jr_member(J, &mf, kp, run, rec, f, &seen);
      if (st == ACR_OK && vt != ACR_JT_NULL && mode == M_TOP &&
          (f->flags & ACR_F_ENVELOPE))
        rc->saw_env = 1;
      if (mode == M_TOP) rc->nknown++;
    } else if (mode == M_TOP && key_is(key, klen, "properties", 10)) {
      rc->nknown++;
      if (vt != ACR_JT_OBJECT && vt != ACR_JT_NULL) {
        st = acr_jr_type(J, &mf, "an object");
      } else if (J->strict && (seen & SEEN_PROPERTIES)) {
        st = acr_jr_dupfail(J, &mf, kp, "properties");
      } else {
        seen |= SEEN_PROPERTIES;
        if (rc->saw_props) clear_props(run);
        rc->saw_props = vt == ACR_JT_OBJECT;
        st = vt == ACR_JT_OBJECT ? parse_run_obj(J, &mf, rc, M_PROPS)
                                 : ACR_OK;
      }
    } else if (vt == ACR_JT_OBJECT && key_is(key, klen, "runResult", 9)) {
      if (J->strict && (seen & SEEN_RUNRESULT)) {
        st = acr_jr_dupfail(J, &mf, kp, "runResult");
      } else if (J->tasknest >= TASK_NEST_MAX) {
        return acr_jr_fail(J, &mf, vp, ACR_ELIMIT,
                           "task runs nested deeper than %d", TASK_NEST_MAX);
      } else {
        /* The object is a TaskRun: its runResult is the run.  The
         * schema errors of the runResult are the run's own; those of the
         * TaskRun's other members (read as a Run's so far) are not. */
        jerrstate own = J->pend;
        acr_run *res = NULL;
        seen |= SEEN_RUNRESULT;
        rc->saw_result = 1;
        if (mode == M_TOP) rc->nknown++;
        rc->rr_start = vp;
        rc->rr_in_props = mode == M_PROPS;
        J->pend.st = ACR_OK;
        J->tasknest++;
        st = parse_run(J, &mf, 0, &res, NULL);
        J->tasknest--;
        rc->rr_end = J->x.p;
        if (J->pend.st != ACR_OK && rc->hard.st == ACR_OK) rc->hard = J->pend;
        J->pend = own;
        if (st != ACR_OK) return st;
        acr_run_release(rc->result);
        rc->result = res;
      }
    } else if (mode == M_TOP && rc->doc_top && vt == ACR_JT_ARRAY &&
               key_is(key, klen, "value", 5)) {
      if (noting && --J->nmembers >= JR_MEMBERS_SMALL) /* the list reads */
        J->members.len -= sizeof(jmember);           /* this one itself */
      rc->value_key = mf;
      return J_SWITCH_LIST; /* the '[' is current */
    } else if (J->strict && !unknown_allowed(rc, mode, key, klen, kp, vt)) {
      const acr_field *g = acr_type_suggest(t, key, klen);
      char mt[128];
      st = acr_jr_fail(J, &mf, kp, ACR_ESCHEMA,
                       "unknown field \"%s\" in %s%s%s%s",
                       acr_jr_msgtext(key, klen, mt, sizeof mt),
                       mode == M_PROPS ? "RunProperties" : t->name,
                       g ? " (did you mean \"" : "", g ? g->name : "",
                       g ? "\"?)" : "");
    } else {
      if (mode == M_TOP) note_unknown(rc, key, klen, kp, vp, vt);
      /* unknown field: kept as minified JSON text, in order */
      st = acr_jr_keep_unknown(J, &mf, run, rec, mode == M_TOP, key, klen,
                               kp);
      if (st != ACR_OK) return st;
      if (rc->err_start == vp) rc->err_end = J->x.p;
    }
    if (st != ACR_OK && (st = JR_RECOVER(J, st, &mf)) != ACR_OK) return st;
    if (noting) { /* where the value ends, minified */
      jmember *m = noted(J, J->nmembers - 1);
      m->vend = acr_jlex_capture_at(&J->x, J->x.p);
    }
  }
  /* Past ACR_UNKNOWN_SCAN_MAX, acr_rec_add_unknown appends without looking
   * for an earlier field of the same name: settle "last wins" once here. */
  if (acr_unknown_dedupe(run, mode == M_TOP ? run->env_unknown
                                            : ((acr_rechdr *)rec)->unknown) !=
      ACR_OK)
    return acr_jr_nomem(J, &mf, jr_tokpos(J));
  return ACR_OK;
}

/* ------------------------------------------------------------------------ */
/* Run lists                                                                */
/* ------------------------------------------------------------------------ */

/* Reads the array of runs whose '[' is current into l. */
static int parse_runs_array(jr *J, const jframe *fr, acr_runlist *l) {
  jframe item;
  int st, first = 1;
  /* one pool for the runs of the document's lists */
  if (J->pool == NULL && (J->pool = acr_strpool_new(J->a)) == NULL)
    return acr_jr_nomem(J, fr, jr_tokpos(J));
  jr_item_frame(&item, fr);
  for (;;) {
    acr_run *r = NULL;
    acr_jtok t = jr_item(J);
    if (t == ACR_JT_ARRAY_END) break;
    if (t == ACR_JT_ERROR) return acr_jr_itemfail(J, &item, first);
    first = 0;
    item.index++;
    if (t != ACR_JT_OBJECT) {
      st = acr_jr_type(J, &item, "an object (a run)");
      if ((st = JR_RECOVER(J, st, &item)) != ACR_OK) return st;
    } else if ((st = parse_run(J, &item, 0, &r, NULL)) != ACR_OK) {
      return st;
    }
    if (r) { /* NULL after a schema error */
      st = acr_runlist_push(l, r);
      acr_run_release(r);
      if (st != ACR_OK) return acr_jr_nomem(J, &item, jr_tokpos(J));
    }
  }
  return ACR_OK;
}

static void list_clear_runs(acr_runlist *l) {
  size_t i;
  for (i = 0; i < l->n; i++) acr_run_release(l->runs[i]);
  l->n = 0;
}

/* Bits of a RunListResult's members, for duplicates in strict mode. */
#define SEEN_VALUE 1u
#define SEEN_NEXTLINK 2u

/* Strict mode: an unknown member of a RunListResult is a schema error. */
static int list_strict_unknown(jr *J, const jframe *mf, const char *key,
                               size_t klen, const uchar *kp) {
  char mt[128];
  return acr_jr_fail(J, mf, kp, ACR_ESCHEMA,
                     "unknown field \"%s\" in RunListResult",
                     acr_jr_msgtext(key, klen, mt, sizeof mt));
}

/* An unknown member of a RunListResult: its minified value text kept in
 * l->unknown (in l->meta's arena). */
static int list_unknown(jr *J, const jframe *mf, acr_runlist *l,
                        const char *key, size_t klen, const char *v,
                        size_t vn, const uchar *kp) {
  if (acr_rec_add_unknown(l->meta, &l->meta->rec, 1, key, klen, v, vn,
                          NULL) != ACR_OK)
    return acr_jr_nomem(J, mf, kp);
  l->unknown = l->meta->env_unknown;
  return ACR_OK;
}

/* The members of the root object met before "value", read as a Run's
 * (and noted in J->members, captured in J->cap), now taken as a
 * RunListResult's: the same rules as read_list_obj, from what was kept. */
static int list_noted(jr *J, const jframe *fr, acr_runlist *l,
                      unsigned *seen) {
  size_t i, n = J->nmembers;
  jframe mf;
  mf.up = fr;
  mf.index = 0;
  for (i = 0; i < n; i++) {
    jmember m;
    const char *key, *v;
    size_t klen;
    const uchar *kp, *vp;
    int st = ACR_OK;
    memcpy(&m, noted(J, i), sizeof m);
    kp = J->s + m.koff;
    key = (const char *)kp + 1;
    klen = m.rawklen;
    if (m.kesc && acr_jr_unescaped(J, &J->key, key, klen, &key, &klen,
                                   fr) != ACR_OK)
      return J->es.st;
    vp = J->s + m.voff;
    v = J->cap.p + m.vstart;
    mf.key = kp + 1; /* the name as written, for a path */
    mf.keylen = m.rawklen;
    mf.esc = m.kesc;
    if (key_is(key, klen, "value", 5) ||
        key_is(key, klen, "nextLink", 8)) {
      int isvalue = klen == 5;
      unsigned bit = isvalue ? SEEN_VALUE : SEEN_NEXTLINK;
      if (J->strict && (*seen & bit)) {
        st = acr_jr_dupfail(J, &mf, kp, isvalue ? "value" : "nextLink");
      } else if (m.vtok == ACR_JT_NULL) {
        if (!isvalue) l->nextLink = NULL;
      } else if (isvalue || m.vtok != ACR_JT_STRING) {
        /* an array "value" would have made the object a list there */
        st = acr_jr_fail(J, &mf, vp, ACR_ESCHEMA, "expected %s, found %s",
                         isvalue ? "an array" : "a string",
                         acr_jr_kind(m.vtok));
      } else {
        const char *s = v + 1;
        size_t sn = m.vend - m.vstart - 2;
        if (m.vesc) {
          J->sbuf.len = 0;
          if (acr_buf_reserve(&J->sbuf, sn + 1) != ACR_OK)
            return acr_jr_nomem(J, &mf, vp);
          sn = acr_junescape((const uchar *)s, (const uchar *)s + sn,
                             J->sbuf.p);
          s = J->sbuf.p;
        }
        if (acr_runlist_set_nextlink(l, s, sn) != ACR_OK)
          return acr_jr_nomem(J, &mf, vp);
      }
      *seen |= bit;
    } else if (J->strict) {
      st = list_strict_unknown(J, &mf, key, klen, kp);
    } else {
      st = list_unknown(J, &mf, l, key, klen, v, m.vend - m.vstart, kp);
    }
    if (st != ACR_OK && st != ACR_ESCHEMA) return st;
  }
  return ACR_OK;
}

/* A RunListResult object: "value" (runs), "nextLink", unknown keys kept in
 * l->unknown.  resumed: the object was read as a Run up to its "value"
 * (resumed names it), whose '[' is current (the members before are in
 * J->members); else (NULL) its '{' is current. */
static int parse_list_obj(jr *J, const jframe *fr, acr_runlist *l,
                          const jframe *resumed) {
  jframe mf;
  unsigned seen = 0;
  int first = 1, st;
  mf.up = fr;
  mf.index = 0;
  if (resumed != NULL && (st = list_noted(J, fr, l, &seen)) != ACR_OK)
    return st;
  for (;;) {
    const uchar *kp;
    const char *key;
    size_t klen;
    acr_jtok vt;
    if (resumed) { /* "value": [ is where the Run reading stopped */
      key = "value";
      klen = 5;
      mf = *resumed;
      kp = mf.key - 1;
      vt = J->x.tok;
      resumed = NULL;
      first = 0;
    } else {
      acr_jtok tk = jr_member(J);
      if (tk == ACR_JT_OBJECT_END) break;
      if (tk != ACR_JT_KEY) return acr_jr_keyfail(J, fr, first ? NULL : &mf);
      first = 0;
      kp = jr_tokpos(J);
      jr_key_frame(J, &mf);
      if (acr_jr_keytext(J, &key, &klen, fr) != ACR_OK) return J->es.st;
      if ((vt = jr_value(J)) == ACR_JT_ERROR) return acr_jr_lexfail(J, &mf);
    }
    if (key_is(key, klen, "value", 5) || key_is(key, klen, "nextLink", 8)) {
      int isvalue = klen == 5;
      unsigned bit = isvalue ? SEEN_VALUE : SEEN_NEXTLINK;
      if (J->strict && (seen & bit)) {
        st = acr_jr_dupfail(J, &mf, kp, isvalue ? "value" : "nextLink");
      } else if (vt == ACR_JT_NULL) {
        if (isvalue) list_clear_runs(l);
        else l->nextLink = NULL;
        st = ACR_OK;
      } else if (isvalue) {
        if (vt != ACR_JT_ARRAY) {
          st = acr_jr_type(J, &mf, "an array");
        } else {
          list_clear_runs(l);
          if ((st = parse_runs_array(J, &mf, l)) != ACR_OK) return st;
        }
      } else {
        const char *s;
        size_t n;
        if (vt != ACR_JT_STRING) {
          st = acr_jr_type(J, &mf, "a string");
        } else {
          if (acr_jr_strtext(J, &J->sbuf, &s, &n, &mf) != ACR_OK)
            return J->es.st;
          if (acr_runlist_set_nextlink(l, s, n) != ACR_OK)
            return acr_jr_nomem(J, &mf, jr_tokpos(J));
          st = ACR_OK;
        }
      }
      seen |= bit;
    } else if (J->strict) {
      st = list_strict_unknown(J, &mf, key, klen, kp);
    } else {
      J->tmp.len = 0;
      if ((st = acr_jr_any(J, &J->tmp, &mf)) != ACR_OK) return st;
      st = list_unknown(J, &mf, l, key, klen, J->tmp.p, J->tmp.len, kp);
      if (st != ACR_OK) return st;
    }
    if (st != ACR_OK && (st = JR_RECOVER(J, st, &mf)) != ACR_OK) return st;
  }
  if (acr_unknown_dedupe(l->meta, l->meta->env_unknown) != ACR_OK)
    return acr_jr_nomem(J, &mf, jr_tokpos(J));
  /* l->unknown is the list from now on (the binding appends to it) */
  l->meta->env_unknown = NULL;
  return ACR_OK;
}

/* ------------------------------------------------------------------------ */
/* Task runs and error bodies                                               */
/* ------------------------------------------------------------------------ */

/* Appends to out, minified, the JSON text [a, b): a piece of a task run
 * already read, either its start (nobj 0: from its '{' to a value that is
 * left out) or its end (after that value, inside nobj objects).  Returns
 * the tokens it took. */
static unsigned long minify_part(const uchar *a, const uchar *b, size_t nobj,
                                 acr_buf *out, acr_status *st) {
  acr_jlex x;
  acr_jtok t;
  if (nobj) acr_jlex_resume(&x, (const char *)a, (size_t)(b - a), nobj);
  else acr_jlex_init(&x, (const char *)a, (size_t)(b - a), 0, ACR_JLEX_VALUE);
  while ((t = acr_jlex_next(&x)) != ACR_JT_END && t != ACR_JT_ERROR)
    if (acr_jlex_append(&x, out) != ACR_OK) *st = ACR_EMEMORY;
  return x.ntok;
}

/* The task run [start, end) around rc->result is kept with it: its text
 * before and after the runResult, minified, in front of the levels the
 * result already has (a runResult that is itself a task run). */
static acr_status taskrun_keep(jr *J, const runctx *rc, const uchar *start,
                               const uchar *end) {
  acr_run *res = rc->result;
  const acr_list *old = res->taskrun;
  acr_list *l;
  acr_str *pre, *post;
  acr_status st = ACR_OK;
  uint32_t i, n = 2 + (old ? old->n : 0);
  J->tmp.len = 0;
  J->side_tok += minify_part(start, rc->rr_start, 0, &J->tmp, &st);
  if (st != ACR_OK ||
      (pre = acr_run_str(res, J->tmp.p ? J->tmp.p : "", J->tmp.len)) == NULL)
    return ACR_EMEMORY;
  J->tmp.len = 0;
  J->side_tok += minify_part(rc->rr_end, end, rc->rr_in_props ? 2 : 1,
                             &J->tmp, &st);
  if (st != ACR_OK ||
      (post = acr_run_str(res, J->tmp.p ? J->tmp.p : "", J->tmp.len)) == NULL)
    return ACR_EMEMORY;
  if ((l = acr_list_new(res, n)) == NULL ||
      acr_list_push(res, &l, pre) != ACR_OK ||
      acr_list_push(res, &l, post) != ACR_OK)
    return ACR_EMEMORY;
  for (i = 0; old && i < old->n; i++)
    if (acr_list_push(res, &l, old->items[i]) != ACR_OK) return ACR_EMEMORY;
  res->taskrun = l;
  return ACR_OK;
}

/* Is the object [s, e) the "error" of an ARM error body (a string "code"
 * or "message")?  With err, its parts are copied there: code, message and
 * target (cut to fit, one line), details and additionalInfo as pointers
 * to their JSON text. */
static int service_body(const uchar *s, const uchar *e, acr_error *err,
                        unsigned long *ntok) {
  acr_jlex x;
  int found = 0;
  acr_jlex_init(&x, (const char *)s, (size_t)(e - s), 0, ACR_JLEX_VALUE);
  if (acr_jlex_next(&x) != ACR_JT_OBJECT) {
    *ntok += x.ntok;
    return 0;
  }
  while (acr_jlex_next(&x) == ACR_JT_KEY) {
    const char *k = x.text;
    size_t kl = x.len, cap = 0;
    char *dst = NULL;
    const char **span = NULL;
    size_t *spanlen = NULL;
    acr_jtok t = acr_jlex_next(&x);
    const char *vstart = (const char *)x.s + x.off;
    if (key_is(k, kl, "code", 4) || key_is(k, kl, "message", 7)) {
      found |= t == ACR_JT_STRING;
      if (err) {
        dst = kl == 4 ? err->code : err->message;
        cap = kl == 4 ? sizeof err->code : sizeof err->message;
      }
    } else if (key_is(k, kl, "target", 6)) {
      if (err) {
        dst = err->target;
        cap = sizeof err->target;
      }
    } else if (err && key_is(k, kl, "details", 7)) {
      span = &err->details;
      spanlen = &err->details_len;
    } else if (err && key_is(k, kl, "additionalInfo", 14)) {
      span = &err->additional_info;
      spanlen = &err->additional_info_len;
    }
    if (dst && t == ACR_JT_STRING) {
      size_t raw = x.len < cap - 1 ? x.len : cap - 1, m, i;
      m = acr_junescape((const uchar *)x.text, (const uchar *)x.text + raw,
                        dst);
      while (m > 0 && ((uchar)dst[m - 1] & 0xC0) == 0x80 &&
             raw < x.len) /* cut on a character boundary */
        m--;
      if (m > 0 && raw < x.len && (uchar)dst[m - 1] >= 0xC0) m--;
      dst[m] = '\0';
      for (i = 0; i < m; i++) /* one line */
        if ((uchar)dst[i] < 0x20) dst[i] = ' ';
    }
    if (acr_jlex_skip(&x) != ACR_OK) {
      *ntok += x.ntok;
      return 0;
    }
    if (span && t != ACR_JT_NULL) {
      *span = vstart;
      *spanlen = (size_t)((const char *)x.p - vstart);
    }
  }
  *ntok += x.ntok;
  return found;
}

/* ------------------------------------------------------------------------ */
/* Run objects                                                              */
/* ------------------------------------------------------------------------ */

/* Reads the Run object whose '{' is current.  On success *rout is the run
 * (for a task run: its runResult), or, only when doc_top, *lout a list
 * (the object was a RunListResult: its "value" array turns the reading
 * into a list's, the members before it kept as they were read).  A schema
 * error in the object leaves *rout NULL (the error is in J->pend) and
 * ACR_OK returned: the object is read whole either way.  Only fatal errors
 * are returned, with nothing allocated. */
/* The schema errors are back to what they were before a Run object: had
 * one, or none. */
static void restore_outer(jr *J, int had, const jerrstate *outer) {
  if (had) J->pend = *outer;
  else J->pend.st = ACR_OK;
}

static int parse_run(jr *J, const jframe *fr, int doc_top, acr_run **rout,
                     acr_runlist **lout) {
  const uchar *start = jr_tokpos(J), *p;
  jerrstate outer; /* errors before this object, if any (copied then) */
  int had = J->pend.st != ACR_OK;
  runctx rc;
  int st, bad, capfail;
  if (had) outer = J->pend;
  memset(&rc, 0, offsetof(runctx, hard));
  rc.hard.st = ACR_OK;
  rc.doc_top = doc_top;
  *rout = NULL;
  if ((rc.run = acr_run_new(J->a)) == NULL) return acr_jr_nomem(J, fr, start);
  acr_run_adopt_chunk(rc.run, &J->spare);
  J->pend.st = ACR_OK;
  if (doc_top) acr_jlex_capture(&J->x, &J->cap);
  st = parse_run_obj(J, fr, &rc, M_TOP);
  capfail = doc_top && st == J_SWITCH_LIST &&
            acr_jlex_capture_end(&J->x) != ACR_OK;
  if (doc_top) acr_jlex_capture_drop(&J->x);
  if (st == J_SWITCH_LIST) {
    /* "value": [ : a RunListResult, read on from there */
    acr_runlist *l;
    acr_run_release(rc.run);
    acr_run_release(rc.result);
    restore_outer(J, had, &outer);
    if (capfail || (l = acr_runlist_new(J->a)) == NULL)
      return acr_jr_nomem(J, fr, start);
    if ((st = parse_list_obj(J, fr, l, &rc.value_key)) != ACR_OK ||
        J->pend.st != ACR_OK) {
      acr_runlist_free(l);
      l = NULL;
    }
    if (st == ACR_OK) *lout = l;
    return st;
  }
  if (st != ACR_OK) {
    acr_run_release(rc.run);
    acr_run_release(rc.result);
    restore_outer(J, had, &outer);
    return st;
  }
  p = J->x.p; /* after the '}' */
  /* a TaskRun answers for its runResult only */
  if (rc.saw_result) {
    J->pend = rc.hard;
  } else if (rc.nknown == 0 && (rc.nunknown > 0 || rc.err_start)) {
    char mt[128];
    if (doc_top && rc.nunknown == 0 && J->pend.st == ACR_OK &&
        service_body(rc.err_start, rc.err_end, NULL, &J->side_tok)) {
      /* an ARM error body: acr_json_decode reports it */
      acr_run_release(rc.run);
      J->svc_start = rc.err_start;
      J->svc_end = rc.err_end;
      restore_outer(J, had, &outer);
      return ACR_OK;
    }
    if (rc.nunknown == 0) {
      rc.first_unknown = rc.err_key + 1;
      rc.first_unknown_len = 5;
    }
    acr_jr_fail(J, fr, start, ACR_ESCHEMA,
                "not a run: none of its members (\"%s\"...) is a field of "
                "a run, an ARM envelope, a run list or a task run",
                acr_jr_msgtext((const char *)rc.first_unknown,
                               rc.first_unknown_len, mt, sizeof mt));
  } else if (J->strict) {
    jframe kf;
    kf.up = fr;
    kf.index = 0;
    kf.esc = 0;
    if (rc.err_key) {
      kf.key = rc.err_key + 1;
      kf.keylen = 5;
      acr_jr_fail(J, &kf, rc.err_key, ACR_ESCHEMA,
                  "unknown field \"error\" in Run");
    }
    if (rc.rg_key && !(rc.saw_env && !rc.saw_props)) {
      kf.key = rc.rg_key + 1;
      kf.keylen = 13;
      acr_jr_fail(J, &kf, rc.rg_key, ACR_ESCHEMA,
                  "unknown field \"resourceGroup\" in Run (the Azure CLI's "
                  "field: allowed where envelope and properties are side "
                  "by side)");
    }
  }
  bad = J->pend.st != ACR_OK;
  if (had) J->pend = outer; /* the first error is reported */
  if (bad || rc.saw_result) {
    acr_run_release(rc.run);
    if (!bad && (st = taskrun_keep(J, &rc, start, p)) != ACR_OK) {
      acr_run_release(rc.result);
      return acr_jr_nomem(J, fr, start);
    }
    if (bad) acr_run_release(rc.result);
    else *rout = rc.result;
    return ACR_OK;
  }
  if (rc.saw_props) {
    rc.run->shape = ACR_SHAPE_ENVELOPE;
    rc.run->has_properties = 1;
  } else if (rc.saw_env) {
    rc.run->shape = ACR_SHAPE_FLAT;
  } else {
    /* bare properties: the top-level unknown keys are properties keys */
    rc.run->shape = ACR_SHAPE_BARE;
    rc.run->rec.h.unknown = rc.run->env_unknown;
    rc.run->env_unknown = NULL;
  }
  if (acr_run_compact_decoded(rc.run, &J->spare) != ACR_OK) {
    acr_run_release(rc.run);
    return acr_jr_nomem(J, fr, p);
  }
  *rout = rc.run;
  return ACR_OK;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */
/* ------------------------------------------------------------------------ */

const acr_allocator acr_jr_default_allocator = {acr_default_alloc, NULL};

/* A UTF-8 byte-order mark (PowerShell writes one) before the first value
 * is dropped: it is not JSON text, but says nothing wrong about it. */
static size_t bom_len(const uchar *s, size_t len) {
  return len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF ? 3 : 0;
}

/* One JSON value of text from byte start on.  end == NULL: the value must
 * be the whole text (whitespace aside).  Else text after the value is
 * left for the next call: *end is set to where it starts (after the
 * value's trailing whitespace).  Positions in err count from text.
 * ntok, if given, gets the tokens read (the test of "read once"). */
static acr_status decode_at(const char *text, size_t len, size_t start,
                            size_t *end, const acr_decode_opts *opts,
                            const acr_allocator *a, acr_run **run_out,
                            acr_runlist **list_out, acr_error *err,
                            unsigned long *ntok) {
  jr J;
  acr_run *run = NULL;
  acr_runlist *list = NULL;
  acr_jtok t;
  int st;
  if (run_out) *run_out = NULL;
  if (list_out) *list_out = NULL;
  if (run_out == NULL || list_out == NULL) {
    if (err) {
      acr_err_clear(err);
      acr_err(err, ACR_EMISUSE, "acr_json_decode: run_out and list_out are "
                                "both required");
    }
    return ACR_EMISUSE;
  }
  if (a == NULL) a = &acr_jr_default_allocator;
  acr_jr_init(&J, text, len, a, opts ? opts->strict : 0,
              opts ? opts->max_depth : 0, end ? ACR_JLEX_VALUE : 0);
  J.x.p = start == 0 ? J.s + bom_len(J.s, len)
                     : J.s + (start < len ? start : len);
  t = jr_next(&J);
  if (t == ACR_JT_ERROR) {
    st = acr_jr_lexfail(&J, NULL);
  } else if (t == ACR_JT_OBJECT) {
    st = parse_run(&J, NULL, 1, &run, &list);
  } else if (t == ACR_JT_ARRAY) {
    if ((list = acr_runlist_new(a)) == NULL)
      st = acr_jr_nomem(&J, NULL, jr_tokpos(&J));
    else
      st = parse_runs_array(&J, NULL, list);
  } else {
    st = acr_jr_fail(&J, NULL, jr_tokpos(&J), ACR_ESCHEMA,
                     "expected an object (a run or a run list) or an array "
                     "of runs, found %s",
                     acr_jr_kind(t));
    if (st == ACR_ESCHEMA) st = ACR_OK; /* a scalar: nothing to skip */
  }
  /* the end of the value: only whitespace after it, or (end) the rest
   * for the next call */
  if (st == ACR_OK && jr_next(&J) == ACR_JT_ERROR)
    st = acr_jr_lexfail(&J, NULL);
  if (ntok) *ntok = J.x.ntok + J.side_tok;
  /* A syntax error (or nesting beyond the limit) anywhere wins over a
   * schema error: reading went on past the schema error to the end. */
  if (st == ACR_OK) st = J.pend.st;
  if (st == ACR_OK && J.dup.st != ACR_OK) { /* in a task run's own members */
    J.pend = J.dup;
    st = J.pend.st;
  }
  if (st == ACR_OK && J.svc_start != NULL) { /* an ARM error body */
    if (err) {
      acr_err_clear(err);
      err->kind = ACR_ESERVICE;
      memcpy(err->path, "error", 6);
      err->offset = (long)(J.svc_start - J.s);
      acr_jlex_locate(text, len, (size_t)err->offset, &err->line,
                      &err->column);
      service_body(J.svc_start, J.svc_end, err, &J.side_tok);
      if (!err->message[0])
        memcpy(err->message, "the service answered with an error", 35);
    }
    acr_jr_free(&J);
    return ACR_ESERVICE;
  }
  if (st != ACR_OK) {
    acr_run_release(run);
    if (list) acr_runlist_free(list);
    acr_jr_report(&J, err);
    acr_jr_free(&J);
    return (acr_status)st;
  }
  acr_jr_free(&J);
  *run_out = run;
  *list_out = list;
  if (end != NULL) *end = (size_t)(J.x.p - J.s); /* untouched on failure */
  if (err) acr_err_clear(err);
  return ACR_OK;
}

acr_status acr_json_decode(const char *text, size_t len,
                           const acr_decode_opts *opts, const acr_allocator *a,
                           acr_run **run_out, acr_runlist **list_out,
                           acr_error *err) {
  return decode_at(text, len, 0, NULL, opts, a, run_out, list_out, err, NULL);
}

acr_status acr_json_decode_counted(const char *text, size_t len,
                                   const acr_decode_opts *opts,
                                   const acr_allocator *a, acr_run **run_out,
                                   acr_runlist **list_out, acr_error *err,
                                   unsigned long *ntok) {
  return decode_at(text, len, 0, NULL, opts, a, run_out, list_out, err, ntok);
}

acr_status acr_json_decode_next(const char *text, size_t len, size_t *pos,
                                const acr_decode_opts *opts,
                                const acr_allocator *a, acr_run **run_out,
                                acr_runlist **list_out, acr_error *err) {
  size_t start;
  const uchar *p, *e;
  if (pos == NULL) {
    if (run_out) *run_out = NULL;
    if (list_out) *list_out = NULL;
    if (err) {
      acr_err_clear(err);
      acr_err(err, ACR_EMISUSE, "acr_json_decode_next: pos is required");
    }
    return ACR_EMISUSE;
  }
  /* Only whitespace (or a lone byte-order mark) left: the end, no error. */
  start = *pos < len ? *pos : len;
  p = (const uchar *)(text ? text : "") + start;
  /* text may be NULL only with len 0, which cppcheck cannot know. */
  /* cppcheck-suppress pointerOutOfBoundsCond */
  e = (const uchar *)(text ? text : "") + len;
  if (start == 0) p += bom_len(p, len);
  if (acr_jskip_ws(p, e) >= e) {
    if (run_out) *run_out = NULL;
    if (list_out) *list_out = NULL;
    *pos = len;
    if (err) acr_err_clear(err);
    return ACR_OK;
  }
  return decode_at(text, len, start, pos, opts, a, run_out, list_out, err,
                   NULL);
}

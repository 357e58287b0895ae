/*
 * acr_json_doc.c -- the schema reader, documents: what the text is and the
 * Run objects, task runs and run lists in it (the entry points
 * acr_json_decode, acr_json_decode_next and the memo: acr_json_decode.c).
 * Records, field values and the schema-less acr_json_validate are
 * acr_json_read.c's (see acr_json_read.h).
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
 * read as a Run's, and also kept as they went by: the lexer's capture
 * records where the whitespace between the root object's tokens was,
 * while the reader notes where each member's name and value are, so they
 * become the list's nextLink and unknown members, copied minified from
 * the text, without being lexed again.  An object with members but none of a run,
 * an envelope, a run list or a task run is not a run (a schema error),
 * except {"error": {...}} at the root, the ARM error body, which
 * acr_json_decode reports as ACR_ESERVICE.
 *
 * The same capture keeps what a task run is around its runResult: every
 * Run object is captured from its '{' (the outermost one starts the
 * capture, those inside it mark their places in the same one), so a task
 * run's text before and after its runResult is copied minified from the
 * text (taskrun_keep).  Recording a gap is two stores, and a text is
 * copied only for a task run, so a list of pretty-printed runs pays next
 * to nothing for it.  The "error" object of an ARM error body is kept as
 * an unknown member while its parts (code, message, target, details,
 * additionalInfo) are noted on the way (keep_error_obj, jsvc).  Nothing is
 * lexed twice: the token count of a decode is one pass over the text
 * (acr_json_decode_counted, tests/test_json.c test_read_once_*).
 *
 * Recursion: Run objects nest through task runs as deep as the lexer's
 * nesting limit lets them (ACR_MAX_DEPTH, or opts.max_depth; each level is
 * at least one object), no other bound.  A level is acr_jr_doc_run and one or
 * two parse_run_obj frames: about 530 bytes of C stack with gcc -O2 on
 * x86-64 (about 280 KB at 511 levels, measured by test_taskrun_depth and
 * stated in docs/embedding.md).  The error records a level may keep (the
 * schema errors before it, of its runResult, of its own members, each
 * about 800 bytes) live in J->errs on the heap (level_err), and the cold
 * paths with message buffers are out of line (ACR_JR_NOINLINE), so they
 * are not in every level's frame.
 *
 * Over 900 lines on purpose: the shapes, task runs, lists and ARM error
 * bodies are one reading of a Run object (parse_run_obj), which a split
 * would have to share through the reader's private state.
 *
 * Member names: see jr_member_field (acr_json_read.h).  The order learnt
 * lives in the caller's acr_decode_memo when there is one, so the first
 * run of a document reads as fast as the others; nothing learnt is kept
 * in a static.
 */
#include "acr_json_read.h"

typedef unsigned char uchar;

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
  const uchar *err_key, *err_start; /* "error": {...} at the root */
  const uchar *rg_key; /* strict: "resourceGroup", the Azure CLI's field */
  acr_jmark cap0;   /* where the object starts, in the capture (jr.cap) */
  size_t rr_from;   /* the (last) runResult value: its first byte */
  acr_jmark rr_to;  /* and the byte after it */
  jframe value_key; /* "value": [ at the root: a RunListResult */
  int has_hard;     /* a schema error inside a runResult: the first is
                       kept in level_err(J, ES_HARD) */
} runctx;

/* Error records of a task-run level, kept in J->errs (not on the C stack,
 * so that a level of recursion is small): the schema error met before a
 * Run object (ES_OUTER), the first inside its runResult (ES_HARD), the
 * one met before that runResult (ES_OWN).  The records of level k (k task
 * runs open, J->tasknest) are at 3k..3k+2: the levels nest, so a level
 * uses its own while the ones inside it come and go above them. */
enum { ES_OUTER, ES_HARD, ES_OWN, ES_PER_LEVEL };
#define ES_AT(J, which)                                                   \
  ((jerrstate *)(void *)(J)->errs.p +                                      \
   ((size_t)(J)->tasknest * ES_PER_LEVEL + (size_t)(which)))

/* The record which of the current level, made room for (NULL: out of
 * memory); then *ES_AT(J, which) until the level ends. */
static jerrstate *level_err(jr *J, int which) {
  size_t need = ((size_t)J->tasknest * ES_PER_LEVEL + (size_t)which + 1) *
                sizeof(jerrstate);
  if (need > J->errs.len) {
    if (acr_buf_reserve(&J->errs, need - J->errs.len) != ACR_OK) return NULL;
    J->errs.len = need;
  }
  return ES_AT(J, which);
}

/* Keeps J->pend (a schema error) in the record which (ACR_OK), or records
 * that memory ran out. */
static int keep_pend(jr *J, int which, const jframe *fr, const uchar *pos) {
  jerrstate *e = level_err(J, which);
  if (e == NULL) return acr_jr_nomem(J, fr, pos);
  *e = J->pend;
  return ACR_OK;
}

/* "properties" given again: the last one wins, so forget the first. */
static acr_status clear_props(acr_run *run) {
  uint8_t i;
  for (i = 0; i < acr_type_run.nfields; i++) {
    const acr_field *f = &acr_type_run.fields[i];
    if (!(f->flags & ACR_F_ENVELOPE) &&
        acr_rec_clear(run, &run->rec, f) != ACR_OK)
      return ACR_EMEMORY;
  }
  run->rec.h.unknown = NULL;
  return ACR_OK;
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
  jmember *m;
  if (J->nmembers < JR_MEMBERS_SMALL) {
    m = &J->msmall[J->nmembers];
  } else {
    if (acr_buf_reserve(&J->members, sizeof *m) != ACR_OK)
      return acr_jr_nomem(J, mf, kp);
    m = (jmember *)(void *)(J->members.p + J->members.len);
    J->members.len += sizeof *m;
  }
  m->koff = (size_t)(kp - J->s);
  m->rawklen = mf->keylen;
  m->kesc = mf->esc;
  m->v = acr_jlex_mark(&J->x, jr_tokpos(J));
  m->vend = m->v.off;
  m->vtok = J->x.tok;
  m->vesc = J->x.esc;
  J->nmembers++;
  return ACR_OK;
}

/* The root member "error" whose '{' is current: kept as an unknown
 * envelope member of run (minified, as acr_jr_keep_unknown does) and, on
 * the same pass, its parts noted in J->svcbody in case the document is an
 * ARM error body (see jsvc). */
static ACR_JR_NOINLINE int keep_error_obj(jr *J, const jframe *mf, acr_run *run,
                          const char *key, size_t klen, const uchar *kp) {
  acr_jlex *x = &J->x;
  jsvc *sv = &J->svcbody;
  size_t depth = x->depth; /* inside the object */
  int which = -1;          /* the member whose value is being read */
  const char *vstart = NULL;
  memset(sv, 0, sizeof *sv);
  sv->start = jr_tokpos(J);
  J->tmp.len = 0;
  if (acr_jlex_append(x, &J->tmp) != ACR_OK) return acr_jr_nomem(J, mf, kp);
  for (;;) {
    acr_jtok t = jr_next(J);
    if (t == ACR_JT_ERROR) return acr_jr_lexfail(J, mf);
    if (acr_jlex_append(x, &J->tmp) != ACR_OK)
      return acr_jr_nomem(J, mf, jr_tokpos(J));
    if (x->depth < depth) break; /* its '}' */
    if (t == ACR_JT_KEY && x->depth == depth) {
      const char *k = x->text; /* as written, as the service writes it */
      size_t kl = x->len;
      which = key_is(k, kl, "code", 4)             ? JSVC_CODE
              : key_is(k, kl, "message", 7)        ? JSVC_MESSAGE
              : key_is(k, kl, "target", 6)         ? JSVC_TARGET
              : key_is(k, kl, "details", 7)        ? JSVC_DETAILS
              : key_is(k, kl, "additionalInfo", 14) ? JSVC_INFO
                                                    : -1;
      vstart = NULL;
      continue;
    }
    if (which < 0) continue;
    if (vstart == NULL) { /* the value's first token */
      vstart = (const char *)jr_tokpos(J);
      if (which < JSVC_DETAILS) {
        if (t == ACR_JT_STRING) { /* the last string wins */
          sv->text[which] = x->text;
          sv->len[which] = x->len;
          sv->esc[which] = x->esc;
          sv->found |= which != JSVC_TARGET;
        }
        which = -1;
        continue;
      }
      if (t == ACR_JT_NULL) {
        which = -1;
        continue;
      }
    }
    if (x->depth == depth) { /* the value is complete: its JSON text */
      sv->text[which] = vstart;
      sv->len[which] = (size_t)((const char *)x->p - vstart);
      which = -1;
    }
  }
  if (acr_rec_add_unknown(run, &run->rec, 1, key, klen, J->tmp.p,
                          J->tmp.len, NULL) != ACR_OK)
    return acr_jr_nomem(J, mf, kp);
  return ACR_OK;
}

/* Strict mode: the member key (klen bytes, its name at kp) of a Run
 * object (mode) is no field: a schema error. */
static ACR_JR_NOINLINE int run_unknown_strict(jr *J, const jframe *mf,
                                              int mode, const char *key,
                                              size_t klen, const uchar *kp) {
  const acr_field *g;
  char mt[128];
  /* an error kept already: this one would not be (no "did you mean"
   * to work out: a task run's own unknown members come by the dozen) */
  if (J->es.st != ACR_OK) return J->es.st;
  if (J->pend.st != ACR_OK) return ACR_ESCHEMA;
  g = acr_type_suggest(&acr_type_run, key, klen);
  return acr_jr_fail(J, mf, kp, ACR_ESCHEMA,
                     "unknown field \"%s\" in %s%s%s%s",
                     acr_jr_msgtext(key, klen, mt, sizeof mt),
                     mode == M_PROPS ? "RunProperties" : acr_type_run.name,
                     g ? " (did you mean \"" : "", g ? g->name : "",
                     g ? "\"?)" : "");
}

/* Strict mode: the member key (klen bytes, its name at kp) of a Run
 * object whose names start at names (see acr_jr_name_once) is no field
 * (nor "properties" of the object itself): the second of its name is a
 * duplicate.  A "runResult" that is no object answers to the bit of the
 * one that is (seen). */
static int strict_name_once(jr *J, const jframe *mf, size_t names,
                            uint32_t *seen, const char *key, size_t klen,
                            const uchar *kp) {
  if (key_is(key, klen, "runResult", 9)) {
    if (*seen & SEEN_RUNRESULT)
      return acr_jr_dupfail(J, mf, kp, "runResult");
    *seen |= SEEN_RUNRESULT;
    return ACR_OK;
  }
  return acr_jr_name_once(J, names, mf, kp, key, klen);
}

/* Reads the Run object whose '{' is current: mode M_TOP for the object,
 * M_PROPS for its "properties"; rc is the object's state. */
static int parse_run_obj(jr *J, const jframe *fr, runctx *rc, int mode) {
  acr_run *run = rc->run;
  void *rec = &run->rec;
  const acr_type *t = &acr_type_run;
  uint32_t seen = 0;
  unsigned hint = 0;
  jorder *order = acr_jr_order(J, t, mode);
  size_t names = acr_jr_names_base(J); /* strict: its own from there */
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
    /* "properties": in nearly every Run object, and no field */
    acr_jtok vt, tk = jr_member_field(J, order, t, &hint,
                                      mode == M_TOP ? "properties" : NULL,
                                      10, &f);
    if (tk == ACR_JT_OBJECT_END) break;
    if (tk != ACR_JT_KEY) return acr_jr_keyfail(J, fr, first ? NULL : &mf);
    first = 0;
    kp = jr_tokpos(J);
    jr_key_frame(J, &mf);
    if (f != NULL || !J->x.esc) { /* a field's name as it is, or none's */
      key = J->x.text;
      klen = J->x.len;
    } else if (acr_jr_keytext(J, &key, &klen, fr) != ACR_OK) {
      return J->es.st;
    } else if (!(mode == M_TOP && key_is(key, klen, "properties", 10))) {
      f = acr_jr_find_field_slow(order, t, key, klen, &hint);
    }
    if ((vt = jr_value(J)) == ACR_JT_ERROR) return acr_jr_lexfail(J, &mf);
    vp = jr_tokpos(J);
    if (noting && (st = note_member(J, kp, &mf)) != ACR_OK)
      return st;
    if (f && mode == M_PROPS && (f->flags & ACR_F_ENVELOPE)) f = NULL;
    if (f) {
      st = acr_jr_member(J, &mf, kp, run, rec, f, &seen);
      if ((f->index == ACR_RUN_NAME || f->index == ACR_RUN_RUNID) &&
          st == ACR_OK)
        acr_run_share_name(run, f);
      if (st == ACR_OK && vt != ACR_JT_NULL && mode == M_TOP &&
          (f->flags & ACR_F_ENVELOPE))
        rc->saw_env = 1;
      if (mode == M_TOP) rc->nknown++;
    } else if (mode == M_TOP && key_is(key, klen, "properties", 10)) {
      rc->nknown++;
      if (J->strict && (seen & SEEN_PROPERTIES)) {
        st = acr_jr_dupfail(J, &mf, kp, "properties");
      } else if (vt != ACR_JT_OBJECT && vt != ACR_JT_NULL) {
        seen |= SEEN_PROPERTIES; /* a second one is a duplicate too */
        st = acr_jr_type(J, &mf, "an object");
      } else {
        seen |= SEEN_PROPERTIES;
        if (rc->saw_props && clear_props(run) != ACR_OK)
          return acr_jr_nomem(J, &mf, kp);
        rc->saw_props = vt == ACR_JT_OBJECT;
        st = vt == ACR_JT_OBJECT ? parse_run_obj(J, &mf, rc, M_PROPS)
                                 : ACR_OK;
      }
    } else if (vt == ACR_JT_OBJECT && key_is(key, klen, "runResult", 9)) {
      if (J->strict && (seen & SEEN_RUNRESULT)) {
        st = acr_jr_dupfail(J, &mf, kp, "runResult");
      } else {
        /* The object is a TaskRun: its runResult is the run.  The
         * schema errors of the runResult are the run's own; those of the
         * TaskRun's other members (read as a Run's so far) are not. */
        int own = J->pend.st != ACR_OK;
        acr_run *res = NULL;
        if (own && (st = keep_pend(J, ES_OWN, &mf, vp)) != ACR_OK) return st;
        seen |= SEEN_RUNRESULT;
        rc->saw_result = 1;
        if (mode == M_TOP) rc->nknown++;
        rc->rr_from = (size_t)(vp - J->s);
        J->pend.st = ACR_OK;
        J->tasknest++;
        st = acr_jr_doc_run(J, &mf, 0, &res, NULL);
        J->tasknest--;
        rc->rr_to = acr_jlex_mark(&J->x, J->x.p);
        if (st == ACR_OK && J->pend.st != ACR_OK && !rc->has_hard) {
          rc->has_hard = 1;
          st = keep_pend(J, ES_HARD, &mf, vp);
        }
        if (own) J->pend = *ES_AT(J, ES_OWN);
        else J->pend.st = ACR_OK;
        if (st != ACR_OK) {
          acr_run_release(res);
          return st;
        }
        acr_run_release(rc->result);
        rc->result = res;
      }
    } else if (mode == M_TOP && rc->doc_top && vt == ACR_JT_ARRAY &&
               key_is(key, klen, "value", 5)) {
      if (noting && --J->nmembers >= JR_MEMBERS_SMALL) /* the list reads */
        J->members.len -= sizeof(jmember);           /* this one itself */
      rc->value_key = mf;
      acr_jr_names_pop(J, names);
      return J_SWITCH_LIST; /* the '[' is current */
    } else if (J->strict &&
               (st = strict_name_once(J, &mf, names, &seen, key, klen, kp)) !=
                   ACR_OK) {
      /* a second member of that name: kept in J->dup (a task run drops
       * its members' other errors) */
    } else if (J->strict && !unknown_allowed(rc, mode, key, klen, kp, vt)) {
      st = run_unknown_strict(J, &mf, mode, key, klen, kp);
    } else {
      if (mode == M_TOP) note_unknown(rc, key, klen, kp, vp, vt);
      /* unknown field: kept as minified JSON text, in order */
      st = rc->err_start == vp
               ? keep_error_obj(J, &mf, run, key, klen, kp)
               : acr_jr_keep_unknown(J, &mf, run, rec, mode == M_TOP, key,
                                     klen, kp);
      if (st != ACR_OK) return st;
    }
    if (st != ACR_OK && (st = JR_RECOVER(J, st, &mf)) != ACR_OK) return st;
    if (noting) { /* where the value ends, minified */
      jmember *m = noted(J, J->nmembers - 1);
      m->vend = (size_t)(J->x.p - J->s);
    }
  }
  acr_jr_names_pop(J, names);
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
int acr_jr_doc_runs(jr *J, const jframe *fr, acr_runlist *l) {
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
    } else if ((st = acr_jr_doc_run(J, &item, 0, &r, NULL)) != ACR_OK) {
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
    vp = J->s + m.v.off;
    J->tmp.len = 0; /* the value, minified */
    if (acr_jlex_capture_copy(&J->x, &J->cap, m.v, m.vend, &J->tmp) !=
        ACR_OK)
      return acr_jr_nomem(J, &mf, vp);
    v = J->tmp.p;
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
        size_t sn = J->tmp.len - 2;
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
      st = list_unknown(J, &mf, l, key, klen, v, J->tmp.len, kp);
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
          if ((st = acr_jr_doc_runs(J, &mf, l)) != ACR_OK) return st;
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

/* The task run around rc->result, which ends at byte end, is kept with
 * it: its text before and after the runResult, minified as it was read
 * (the capture's gaps left out), in front of the levels the result
 * already has (a runResult that is itself a task run). */
static ACR_JR_NOINLINE acr_status taskrun_keep(jr *J, const runctx *rc,
                                               size_t end) {
  acr_run *res = rc->result;
  const acr_list *old = res->taskrun;
  acr_list *l;
  acr_str *pre, *post;
  uint32_t i, n = 2 + (old ? old->n : 0);
  J->tmp.len = 0;
  if (acr_jlex_capture_copy(&J->x, &J->cap, rc->cap0, rc->rr_from,
                            &J->tmp) != ACR_OK ||
      (pre = acr_run_str(res, J->tmp.p ? J->tmp.p : "", J->tmp.len)) == NULL)
    return ACR_EMEMORY;
  J->tmp.len = 0;
  if (acr_jlex_capture_copy(&J->x, &J->cap, rc->rr_to, end, &J->tmp) !=
          ACR_OK ||
      (post = acr_run_str(res, J->tmp.p ? J->tmp.p : "", J->tmp.len)) ==
          NULL)
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

/* Text t (n bytes as written, esc: with escapes) of an ARM error body into
 * dst (cap bytes): unescaped, cut on a character boundary to fit, one
 * line. */
static void service_text(char *dst, size_t cap, const char *t, size_t n) {
  size_t raw = n < cap - 1 ? n : cap - 1, m, i;
  m = acr_junescape((const uchar *)t, (const uchar *)t + raw, dst);
  while (m > 0 && ((uchar)dst[m - 1] & 0xC0) == 0x80 && raw < n)
    m--; /* cut on a character boundary */
  if (m > 0 && raw < n && (uchar)dst[m - 1] >= 0xC0) m--;
  dst[m] = '\0';
  for (i = 0; i < m; i++) /* one line */
    if ((uchar)dst[i] < 0x20) dst[i] = ' ';
}

/* err from the ARM error body noted in J->svcbody (see jsvc). */
void acr_jr_service_error(const jr *J, acr_error *err) {
  const jsvc *sv = &J->svcbody;
  acr_err_clear(err);
  err->kind = ACR_ESERVICE;
  memcpy(err->path, "error", 6);
  err->offset = (long)(sv->start - J->s);
  acr_jlex_locate((const char *)J->s, (size_t)(J->e - J->s),
                  (size_t)err->offset, &err->line, &err->column);
  if (sv->text[JSVC_CODE])
    service_text(err->code, sizeof err->code, sv->text[JSVC_CODE],
                 sv->len[JSVC_CODE]);
  if (sv->text[JSVC_MESSAGE])
    service_text(err->message, sizeof err->message, sv->text[JSVC_MESSAGE],
                 sv->len[JSVC_MESSAGE]);
  if (sv->text[JSVC_TARGET])
    service_text(err->target, sizeof err->target, sv->text[JSVC_TARGET],
                 sv->len[JSVC_TARGET]);
  err->details = sv->text[JSVC_DETAILS];
  err->details_len = sv->len[JSVC_DETAILS];
  err->additional_info = sv->text[JSVC_INFO];
  err->additional_info_len = sv->len[JSVC_INFO];
  if (!err->message[0])
    memcpy(err->message, "the service answered with an error", 35);
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
static void restore_outer(jr *J, int had) {
  if (had) J->pend = *ES_AT(J, ES_OUTER);
  else J->pend.st = ACR_OK;
}

/* The Run object at fr (its '{' at start) was read until the "value": [
 * at vk: it is a RunListResult, read on from there into *lout. */
static ACR_JR_NOINLINE int read_list_on(jr *J, const jframe *fr,
                                        const jframe *vk, const uchar *start,
                                        acr_runlist **lout) {
  acr_runlist *l;
  int st;
  if ((l = acr_runlist_new(J->a)) == NULL) return acr_jr_nomem(J, fr, start);
  if ((st = parse_list_obj(J, fr, l, vk)) != ACR_OK || J->pend.st != ACR_OK) {
    acr_runlist_free(l);
    l = NULL;
  }
  if (st == ACR_OK) *lout = l;
  return st;
}

/* The members of the Run object rc (at fr, its '{' at start), read, make
 * it no run, or (strict) hold what only some shapes may: the schema
 * error.  Returns 0 when the object is an ARM error body instead. */
static ACR_JR_NOINLINE int run_members_checked(jr *J, const jframe *fr,
                                               runctx *rc,
                                               const uchar *start) {
  jframe kf;
  if (rc->nknown == 0 && (rc->nunknown > 0 || rc->err_start)) {
    char mt[128];
    if (rc->doc_top && rc->nunknown == 0 && J->pend.st == ACR_OK &&
        J->svcbody.found)
      return 0;
    if (rc->nunknown == 0) {
      rc->first_unknown = rc->err_key + 1;
      rc->first_unknown_len = 5;
    }
    acr_jr_fail(J, fr, start, ACR_ESCHEMA,
                "not a run: none of its members (\"%s\"...) is a field of "
                "a run, an ARM envelope, a run list or a task run",
                acr_jr_msgtext((const char *)rc->first_unknown,
                               rc->first_unknown_len, mt, sizeof mt));
    return 1;
  }
  kf.up = fr;
  kf.index = 0;
  kf.esc = 0;
  if (rc->err_key) {
    kf.key = rc->err_key + 1;
    kf.keylen = 5;
    acr_jr_fail(J, &kf, rc->err_key, ACR_ESCHEMA,
                "unknown field \"error\" in Run");
  }
  if (rc->rg_key && !(rc->saw_env && !rc->saw_props)) {
    kf.key = rc->rg_key + 1;
    kf.keylen = 13;
    acr_jr_fail(J, &kf, rc->rg_key, ACR_ESCHEMA,
                "unknown field \"resourceGroup\" in Run (the Azure CLI's "
                "field: allowed where envelope and properties are side "
                "by side)");
  }
  return 1;
}

int acr_jr_doc_run(jr *J, const jframe *fr, int doc_top, acr_run **rout,
                     acr_runlist **lout) {
  const uchar *start = jr_tokpos(J), *p;
  int had = J->pend.st != ACR_OK; /* errors before this object: kept */
  runctx rc;
  int st, bad, capfail = 0;
  /* The object is captured as it is read (its first Run object from '{'
   * on, the ones inside it with it): a task run keeps its text around the
   * runResult, a RunListResult the members before "value". */
  int capture = J->x.cap == NULL;
  *rout = NULL;
  if (had && (st = keep_pend(J, ES_OUTER, fr, start)) != ACR_OK) return st;
  memset(&rc, 0, sizeof rc);
  rc.doc_top = doc_top;
  /* a list's runs hold its pool: references taken a batch at a time (an
   * atomic operation each run cost 5% of decoding) */
  if (J->pool != NULL && J->pool_refs == 0) {
    acr_strpool_retain_n(J->pool, JR_POOL_REFS);
    J->pool_refs = JR_POOL_REFS;
  }
  if ((rc.run = acr_run_new_decoding(J->a, J->pool, J->run_hint)) == NULL)
    return acr_jr_nomem(J, fr, start);
  if (J->pool != NULL) J->pool_refs--; /* the run's now */
  J->pend.st = ACR_OK;
  if (capture) {
    J->cap.len = 0;
    acr_jlex_capture(&J->x, &J->cap);
  }
  rc.cap0 = acr_jlex_mark(&J->x, start);
  st = parse_run_obj(J, fr, &rc, M_TOP);
  if (st == ACR_OK && rc.saw_result) { /* a gap missing: no text */
    capfail = J->x.cap_fail;
  } else if (st == J_SWITCH_LIST) {
    capfail = acr_jlex_capture_end(&J->x) != ACR_OK;
  }
  if (capture) acr_jlex_capture_drop(&J->x);
  if (st == J_SWITCH_LIST) {
    /* "value": [ : a RunListResult, read on from there */
    acr_run_release(rc.run);
    acr_run_release(rc.result);
    restore_outer(J, had);
    if (capfail) return acr_jr_nomem(J, fr, start);
    return read_list_on(J, fr, &rc.value_key, start, lout);
  }
  if (st != ACR_OK) {
    acr_run_release(rc.run);
    acr_run_release(rc.result);
    restore_outer(J, had);
    return st;
  }
  p = J->x.p; /* after the '}' */
  /* a TaskRun answers for its runResult only */
  if (rc.saw_result) {
    if (rc.has_hard) J->pend = *ES_AT(J, ES_HARD);
    else J->pend.st = ACR_OK;
  } else if ((rc.nknown == 0 && (rc.nunknown > 0 || rc.err_start)) ||
             J->strict) {
    if (!run_members_checked(J, fr, &rc, start)) { /* an ARM error body */
      acr_run_release(rc.run);
      J->svc = 1;
      restore_outer(J, had);
      return ACR_OK;
    }
  }
  bad = J->pend.st != ACR_OK;
  if (had) J->pend = *ES_AT(J, ES_OUTER); /* the first is reported */
  if (bad || rc.saw_result) {
    acr_run_release(rc.run);
    if (!bad && (capfail || taskrun_keep(J, &rc, (size_t)(p - J->s)) !=
                                ACR_OK)) {
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
  if (acr_run_finish_decoded(&rc.run, &J->run_hint) != ACR_OK) {
    acr_run_release(rc.run);
    return acr_jr_nomem(J, fr, p);
  }
  *rout = rc.run;
  return ACR_OK;
}

/*
 * acr_json_decode.c -- the entry points of the schema reader:
 * acr_json_decode, acr_json_decode_next (several documents in one text),
 * the caller-owned memo (what the reader learns about member order, kept
 * across decodes) and the test hook acr_json_decode_counted.  What the
 * text is and the Run objects, task runs and lists in it are read by
 * acr_json_doc.c; records and values by acr_json_read.c.
 */
#include "acr_json_read.h"

typedef unsigned char uchar;

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
static acr_status decode_at(acr_decode_memo *memo, const char *text,
                            size_t len, size_t start, size_t *end,
                            const acr_decode_opts *opts,
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
              opts ? opts->max_depth : 0, end ? ACR_JLEX_VALUE : 0,
              memo ? memo->order : NULL);
  J.x.p = start == 0 ? J.s + bom_len(J.s, len)
                     : J.s + (start < len ? start : len);
  t = acr_jlex_next_in(&J.x);
  if (t == ACR_JT_ERROR) {
    st = acr_jr_lexfail(&J, NULL);
  } else if (t == ACR_JT_OBJECT) {
    st = acr_jr_doc_run(&J, NULL, 1, &run, &list);
  } else if (t == ACR_JT_ARRAY) {
    if ((list = acr_runlist_new(a)) == NULL)
      st = acr_jr_nomem(&J, NULL, jr_tokpos(&J));
    else
      st = acr_jr_doc_runs(&J, NULL, list);
  } else {
    st = acr_jr_fail(&J, NULL, jr_tokpos(&J), ACR_ESCHEMA,
                     "expected an object (a run or a run list) or an array "
                     "of runs, found %s",
                     acr_jr_kind(t));
    if (st == ACR_ESCHEMA) st = ACR_OK; /* a scalar: nothing to skip */
  }
  /* the end of the value: only whitespace after it, or (end) the rest
   * for the next call */
  if (st == ACR_OK && acr_jlex_next_in(&J.x) == ACR_JT_ERROR)
    st = acr_jr_lexfail(&J, NULL);
  if (ntok) *ntok = J.x.ntok;
  /* A syntax error (or nesting beyond the limit) anywhere wins over a
   * schema error: reading went on past the schema error to the end. */
  if (st == ACR_OK) st = J.pend.st;
  if (st == ACR_OK && J.dup.st != ACR_OK) { /* in a task run's own members */
    J.pend = J.dup;
    st = J.pend.st;
  }
  if (st == ACR_OK && J.svc) { /* an ARM error body */
    if (err) acr_jr_service_error(&J, err);
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
  return decode_at(NULL, text, len, 0, NULL, opts, a, run_out, list_out, err,
                   NULL);
}

acr_status acr_json_decode_counted(const char *text, size_t len,
                                   const acr_decode_opts *opts,
                                   const acr_allocator *a, acr_run **run_out,
                                   acr_runlist **list_out, acr_error *err,
                                   unsigned long *ntok) {
  return decode_at(NULL, text, len, 0, NULL, opts, a, run_out, list_out, err,
                   ntok);
}

/* acr_json_decode_next, with a memo or none. */
static acr_status decode_next(acr_decode_memo *memo, const char *text,
                              size_t len, size_t *pos,
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
  return decode_at(memo, text, len, start, pos, opts, a, run_out, list_out,
                   err, NULL);
}

acr_status acr_json_decode_next(const char *text, size_t len, size_t *pos,
                                const acr_decode_opts *opts,
                                const acr_allocator *a, acr_run **run_out,
                                acr_runlist **list_out, acr_error *err) {
  return decode_next(NULL, text, len, pos, opts, a, run_out, list_out, err);
}

size_t acr_decode_memo_size(void) { return sizeof(acr_decode_memo); }

acr_decode_memo *acr_decode_memo_init(void *mem) {
  acr_decode_memo *m = (acr_decode_memo *)mem;
  size_t i;
  if (m == NULL) return NULL;
  for (i = 0; i < JR_ORDER_TYPES; i++) m->order[i].t = NULL;
  return m;
}

acr_status acr_json_decode_memo(acr_decode_memo *memo, const char *text,
                                size_t len, size_t *pos,
                                const acr_decode_opts *opts,
                                const acr_allocator *a, acr_run **run_out,
                                acr_runlist **list_out, acr_error *err) {
  if (pos != NULL)
    return decode_next(memo, text, len, pos, opts, a, run_out, list_out,
                       err);
  return decode_at(memo, text, len, 0, NULL, opts, a, run_out, list_out, err,
                   NULL);
}

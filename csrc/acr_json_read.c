/*
 * acr_json_read.c -- the JSON reader: schema-directed decoding of runs and
 * run lists straight into the model's C structures, and the RFC 8259
 * validator/minifier behind unknown fields and acr_json_validate.
 *
 * Over 900 lines on purpose: the shape detection, the schema-directed
 * readers of every field kind, the task-run keeping and the error bookkeeping
 * share one private reader state that a single pass threads through them;
 * split, that state would have to become an internal API.
 *
 * One pass, no intermediate tree.  The document root is read as a Run;
 * what the keys turn out to be decides the shape:
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
 * Meeting "value": [ at the root as the first member (as the service
 * writes lists), the reading goes on from there as a RunListResult's;
 * after other members (rare: what they mean depends on what the object
 * is), the object is read again from its '{' as a RunListResult, once.
 * An object with members but none of a run, an envelope, a run list or a
 * task run is not a run (a schema error), except {"error": {...}} at the
 * root, the ARM error body, which acr_json_decode reports as
 * ACR_ESERVICE.
 *
 * Values: null is absent for every known field; {} and [] are present and
 * empty.  Duplicate keys: the last wins (an unknown one keeps its first
 * position).  Unknown keys are kept, in order, as minified JSON text.
 * Strict mode refuses unknown keys, unknown enum values and duplicates.
 *
 * Speed: string bodies are scanned 16 (SSE2) or 8 (SWAR) bytes at a time
 * and copied once, straight into the run's arena; member names that are
 * field names verbatim are matched in place without a scan, starting at
 * the field after the last match; nothing is allocated per value besides
 * the arena blocks themselves.
 *
 * Errors: a schema error does not stop the reading.  The first one is
 * kept, the value that caused it is skipped (read once more, from its
 * start, at most) and the reading goes on to the end, so a syntax error
 * anywhere in the document wins over a schema error: "is it JSON at all"
 * never depends on where a schema problem happened to be.  Nothing is
 * read again after an error, so decoding takes time linear in the input
 * whatever it holds (nested task runs once took time doubling with each
 * level).  Paths are built from a chain of frames on the C stack only when
 * an error is recorded; line and column are counted from the offset only
 * when it is reported.
 *
 * Recursion is bounded: records nest as the schema does (a handful of
 * levels), task runs nest at most TASK_NEST_MAX times, and every
 * schema-less JSON value (unknown fields, validation) is walked
 * iteratively with an explicit container stack limited by max_depth.
 */
#include "acr_json_lex.h"

#include <stdio.h>
#include <string.h>

typedef unsigned char uchar;

#define TASK_NEST_MAX 32
#define J_SWITCH_LIST 100 /* internal: the root object is a RunListResult */

/* Parse modes of an object. */
enum { M_PLAIN, M_TOP, M_PROPS };

/* A step of the field path, on the C stack; key is raw text (esc: it has
 * escapes to undo), otherwise index (1-based) of an array item. */
typedef struct jframe {
  const struct jframe *up;
  const uchar *key;
  size_t keylen;
  size_t index;
  int esc;
} jframe;

typedef struct jerrstate {
  acr_status st;
  const uchar *pos;
  acr_path path;
  char msg[ACR_MSG_MAX];
} jerrstate;

typedef struct jr {
  const uchar *s, *e;
  const acr_allocator *a;
  int strict;
  size_t maxdepth, depth;
  int tasknest;
  jerrstate es;  /* the fatal error: syntax, limit, memory */
  jerrstate pend; /* the first schema error, while reading goes on */
  const uchar *svc_start, *svc_end; /* the root is an ARM error body: its
                                       "error" object */
  acr_buf tmp;   /* minified unknown values */
  acr_buf key;   /* unescaped keys */
  acr_buf sbuf;  /* unescaped enum / date-time text */
  acr_strpool *pool; /* texts of ACR_F_SHARED fields of a list's runs */
} jr;

/* State of one Run object being read (shared by it and its "properties"). */
typedef struct runctx {
  acr_run *run;
  acr_run *result;  /* a TaskRun's runResult, read as a Run */
  jerrstate hard;   /* first schema error inside a runResult */
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
  const uchar *value_key; /* "value": [ at the root: a RunListResult */
} runctx;

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

static void path_from_frames(acr_path *path, const jframe *fr) {
  const jframe *chain[64];
  int n = 0, i;
  acr_path_init(path);
  for (; fr && n < 64; fr = fr->up) chain[n++] = fr;
  for (i = n - 1; i >= 0; i--) {
    const jframe *f = chain[i];
    if (f->key) {
      if (f->esc) {
        /* unescaping never lengthens; a cut escape is dropped by
         * acr_junescape(), which checks its bounds */
        char tmp[ACR_PATH_MAX];
        size_t m;
        const uchar *end =
            f->key + (f->keylen < sizeof tmp ? f->keylen : sizeof tmp - 1);
        m = acr_junescape(f->key, end, tmp);
        acr_path_key(path, tmp, m);
      } else {
        acr_path_key(path, (const char *)f->key, f->keylen);
      }
    } else {
      acr_path_index(path, f->index);
    }
  }
  /* one line: no control characters in a path */
  for (i = 0; i < (int)path->len; i++)
    if ((uchar)path->buf[i] < 0x20) path->buf[i] = '?';
}

static int jfail(jr *J, const jframe *fr, const uchar *pos, acr_status kind,
                 const char *fmt, ...) ACR_PRINTF(5, 6);

/* Records an error.  A schema error does not stop the reading: the first
 * one is kept in J->pend, the value that caused it is skipped and reading
 * goes on, so a later syntax error still wins and every byte is read at
 * most twice (once by the failing reader, once by the skip).  Any other
 * kind stops the reading: the first is kept in J->es. */
static int jfail(jr *J, const jframe *fr, const uchar *pos, acr_status kind,
                 const char *fmt, ...) {
  va_list ap;
  jerrstate *es = kind == ACR_ESCHEMA ? &J->pend : &J->es;
  if (J->es.st != ACR_OK) return J->es.st;
  if (es->st != ACR_OK) return kind;
  es->st = kind;
  es->pos = pos;
  path_from_frames(&es->path, fr);
  va_start(ap, fmt);
  vsnprintf(es->msg, sizeof es->msg, fmt, ap);
  va_end(ap);
  return kind;
}

static int jnomem(jr *J, const jframe *fr, const uchar *pos) {
  return jfail(J, fr, pos, ACR_EMEMORY, "not enough memory");
}

static int jsyntax(jr *J, const jframe *fr, const uchar *p, const char *what) {
  char b[16];
  return jfail(J, fr, p, ACR_ESYNTAX, "expected %s, found %s", what,
               acr_jfound(p, J->e, b));
}

/* Text s (n bytes) for a message: quoted content with '"', '\' and control
 * characters escaped, cut (on a UTF-8 boundary) with "..." when long. */
static const char *msgtext(const char *s, size_t n, char *buf, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  size_t i, o = 0, lim = n;
  int cut = 0;
  if (lim > 60) {
    lim = 60;
    while (lim > 0 && ((uchar)s[lim] & 0xC0) == 0x80) lim--;
    cut = 1;
  }
  for (i = 0; i < lim && o + 8 < cap; i++) {
    uchar c = (uchar)s[i];
    if (c == '"' || c == '\\') {
      buf[o++] = '\\';
      buf[o++] = (char)c;
    } else if (c < 0x20 || c == 0x7f) {
      buf[o++] = '\\';
      buf[o++] = 'x';
      buf[o++] = hex[c >> 4];
      buf[o++] = hex[c & 15];
    } else {
      buf[o++] = (char)c;
    }
  }
  if (cut && o + 4 < cap) {
    memcpy(buf + o, "...", 3);
    o += 3;
  }
  buf[o] = '\0';
  return buf;
}

/* What the value starting at p is, for "expected X, found Y". */
static const char *kind_found(uchar c) {
  switch (c) {
  case '"': return "a string";
  case '{': return "an object";
  case '[': return "an array";
  case 't': case 'f': return "a boolean";
  case 'n': return "null";
  default: return "a number";
  }
}

static int is_value_start(uchar c) {
  return c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' ||
         c == 'n' || c == '-' || (c >= '0' && c <= '9');
}

/* Type mismatch at p (a value start), or a syntax error if p starts none. */
static int jtype(jr *J, const jframe *fr, const uchar *p, const char *want) {
  if (p >= J->e || !is_value_start(*p))
    return jsyntax(J, fr, p, "a JSON value");
  return jfail(J, fr, p, ACR_ESCHEMA, "expected %s, found %s", want,
               kind_found(*p));
}

/* ------------------------------------------------------------------------ */
/* Lexical scanning: the lexer's scanners, errors recorded with the path     */
/* ------------------------------------------------------------------------ */

#define skip_ws acr_jskip_ws
#define unescape acr_junescape

#if defined(__GNUC__)
#  define INLINE __inline__ __attribute__((always_inline))
#else
#  define INLINE
#endif

static int jscanfail(jr *J, const jframe *fr, const acr_jscan_err *err) {
  return jfail(J, fr, err->pos, ACR_ESYNTAX, "%s", err->msg);
}

/* The string whose opening quote is at p: the position after it, or NULL
 * (error recorded); *esc is set if the body has escapes. */
static INLINE const uchar *scan_str(jr *J, const uchar *p, int *esc,
                                    const jframe *fr) {
  acr_jscan_err err;
  const uchar *q = acr_jscan_str(p, J->e, esc, &err);
  if (q == NULL) jscanfail(J, fr, &err);
  return q;
}

static const uchar *scan_num(jr *J, const uchar *p, const jframe *fr) {
  acr_jscan_err err;
  const uchar *q = acr_jscan_num(p, J->e, &err);
  if (q == NULL) jscanfail(J, fr, &err);
  return q;
}

static const uchar *scan_lit(jr *J, const uchar *p, const jframe *fr) {
  acr_jscan_err err;
  const uchar *q = acr_jscan_lit(p, J->e, &err);
  if (q == NULL) jscanfail(J, fr, &err);
  return q;
}

/* ------------------------------------------------------------------------ */
/* Schema-less values: validation and minification, iterative               */
/* ------------------------------------------------------------------------ */

static int too_deep(jr *J, const jframe *fr, const uchar *p) {
  return jfail(J, fr, p, ACR_ELIMIT, "nesting deeper than %lu",
               (unsigned long)J->maxdepth);
}

/* Checks the JSON value at *pp (whitespace before it already skipped)
 * with the pull lexer and, with out, appends it minified (whitespace
 * outside strings dropped, every token byte for byte).  fr is the path of
 * the value, for errors. */
static int scan_any(jr *J, const uchar **pp, acr_buf *out, const jframe *fr) {
  acr_jlex x;
  acr_jtok t;
  const uchar *p = *pp;
  acr_jlex_init(&x, (const char *)p, (size_t)(J->e - p),
                J->maxdepth > J->depth ? J->maxdepth - J->depth : 0,
                ACR_JLEX_VALUE);
  while ((t = acr_jlex_next(&x)) != ACR_JT_END) {
    acr_status st = ACR_OK;
    if (t == ACR_JT_ERROR) {
      if (x.st == ACR_ELIMIT) return too_deep(J, fr, p + x.err_off);
      return jfail(J, fr, p + x.err_off, x.st, "%s", x.msg);
    }
    if (out != NULL && (st = acr_jlex_append(&x, out)) != ACR_OK)
      return jnomem(J, fr, p);
  }
  *pp = x.p;
  return ACR_OK;
}

/* After a schema error (recorded in J->pend) about the value at *pp, which
 * its reader left unread or read only in part: skip it whole, from its
 * start, with the nesting depth back to what it was there.  Returns the
 * fatal error met on the way, or ACR_OK. */
static int skip_bad(jr *J, const uchar **pp, const jframe *fr, size_t depth) {
  J->depth = depth;
  return scan_any(J, pp, NULL, fr);
}

/* st is what a reader returned for the value at *pp: a schema error is
 * recorded and the value skipped (reading goes on); other errors stop. */
#define RECOVER(st, pp, fr, depth)                                   \
  ((st) == ACR_ESCHEMA ? skip_bad(J, (pp), (fr), (depth)) : (st))

/* ------------------------------------------------------------------------ */
/* Schema-directed reading                                                  */
/* ------------------------------------------------------------------------ */

static void jr_init(jr *J, const char *text, size_t len,
                    const acr_allocator *a, int strict, int max_depth) {
  memset(J, 0, sizeof *J);
  if (text == NULL) { /* no arithmetic on NULL */
    text = "";
    len = 0;
  }
  J->s = (const uchar *)text;
  J->e = J->s + len;
  J->a = a;
  J->strict = strict;
  J->maxdepth = max_depth > 0 && max_depth < ACR_MAX_DEPTH ? (size_t)max_depth
                                                           : ACR_MAX_DEPTH;
  acr_buf_init(&J->tmp, a);
  acr_buf_init(&J->key, a);
  acr_buf_init(&J->sbuf, a);
}

static void jr_free(jr *J) {
  acr_strpool_seal(J->pool); /* the runs' pool is immutable from now on */
  acr_strpool_release(J->pool);
  acr_buf_free(&J->tmp);
  acr_buf_free(&J->key);
  acr_buf_free(&J->sbuf);
}

/* Text of a scanned string [p, q) (quotes included): straight from the
 * input when it has no escapes, else unescaped into b. */
static int str_text(jr *J, acr_buf *b, const uchar *p, const uchar *q, int esc,
                    const char **s, size_t *n, const jframe *fr) {
  size_t raw = (size_t)(q - p) - 2;
  if (!esc) {
    *s = (const char *)p + 1;
    *n = raw;
    return ACR_OK;
  }
  b->len = 0;
  if (acr_buf_reserve(b, raw + 1) != ACR_OK) return jnomem(J, fr, p);
  *n = unescape(p + 1, q - 1, b->p);
  *s = b->p;
  return ACR_OK;
}

/* Field of t named [k, k+n): tries *hint (the field after the last match:
 * payloads mostly follow the spec order) before a scan. */
static const acr_field *find_field(const acr_type *t, const char *k, size_t n,
                                   unsigned *hint) {
  const acr_field *f = t->fields;
  unsigned i, nf = t->nfields;
  if (*hint < nf) {
    const acr_field *h = &f[*hint];
    if (h->namelen == n && memcmp(h->name, k, n) == 0) {
      (*hint)++;
      return h;
    }
  }
  for (i = 0; i < nf; i++)
    if (f[i].namelen == n && f[i].name[0] == k[0] &&
        memcmp(f[i].name, k, n) == 0) {
      *hint = i + 1;
      return &f[i];
    }
  return NULL;
}

/* a[0..n) == b[0..n), by words that overlap at the end rather than a
 * byte loop: every read stays within the n bytes of both. */
static INLINE int bytes_eq(const uchar *a, const char *b, size_t n) {
  if (n >= 8) {
    uint64_t x, y;
    size_t k;
    for (k = 0; k + 8 < n; k += 8) {
      memcpy(&x, a + k, 8);
      memcpy(&y, b + k, 8);
      if (x != y) return 0;
    }
    memcpy(&x, a + n - 8, 8);
    memcpy(&y, b + n - 8, 8);
    return x == y;
  }
  if (n >= 4) {
    uint32_t x, y, z, w;
    memcpy(&x, a, 4);
    memcpy(&y, b, 4);
    memcpy(&z, a + n - 4, 4);
    memcpy(&w, b + n - 4, 4);
    return x == y && z == w;
  }
  if (n >= 2) {
    uint16_t x, y, z, w;
    memcpy(&x, a, 2);
    memcpy(&y, b, 2);
    memcpy(&z, a + n - 2, 2);
    memcpy(&w, b + n - 2, 2);
    return x == y && z == w;
  }
  return n == 0 || a[0] == (uchar)b[0];
}

/* The field of t whose name is the member name at p (at its opening
 * quote) written verbatim, or NULL.  Field names need no escaping, so the
 * text "name" followed by the closing quote is that name exactly: known
 * keys are matched without scanning them first.  The search starts at
 * *hint, the field after the last match (payloads mostly follow the spec
 * order), and wraps around. */
static INLINE const acr_field *match_key(const acr_type *t, const uchar *p,
                                         const uchar *e, unsigned *hint) {
  const acr_field *fl = t->fields;
  unsigned nf = t->nfields, i, j = *hint;
  size_t room = (size_t)(e - p);
  for (i = 0; i < nf; i++, j++) {
    const acr_field *f;
    size_t n;
    if (j >= nf) j = 0;
    f = &fl[j];
    n = f->namelen;
    if (n + 1 >= room || p[n + 1] != '"' || p[1] != (uchar)f->name[0])
      continue;
    if (bytes_eq(p + 1, f->name, n)) {
      *hint = j + 1;
      return f;
    }
  }
  return NULL;
}

#define MARK(rec, f) (((acr_rechdr *)(rec))->present |= 1u << (f)->index)

/* Reads a string value [p, q) into r's arena as an acr_str: one copy,
 * unescaping on the way (the block is sized for the raw text; the few
 * bytes escapes save are reclaimed by compaction). */
static acr_str *arena_str(jr *J, acr_run *r, const uchar *p, const uchar *q,
                          int esc, const jframe *fr) {
  size_t raw = (size_t)(q - p) - 2;
  acr_str *s;
  if (raw > UINT32_MAX - 16) {
    jfail(J, fr, p, ACR_ELIMIT, "string longer than 4 GiB");
    return NULL;
  }
  s = (acr_str *)acr_run_alloc(r, offsetof(acr_str, s) + raw + 1);
  if (s == NULL) {
    jnomem(J, fr, p);
    return NULL;
  }
  if (!esc) { /* checked by the scanner: UTF-8, no control character */
    memcpy(s->s, p + 1, raw);
    s->len = (uint32_t)raw;
    s->flags = ACR_STR_PLAIN;
  } else {
    s->len = (uint32_t)unescape(p + 1, q - 1, s->s);
    s->flags = acr_str_flags(s->s, s->len);
  }
  s->s[s->len] = '\0';
  return s;
}

/* The string value [p, q) of field f for run r: in the list's pool when f
 * is ACR_F_SHARED or an enum (texts that repeat from run to run; r then
 * holds a reference to the pool), else in r's arena.  The one place the
 * reader stores strings. */
static acr_str *field_str(jr *J, acr_run *r, const acr_field *f,
                          const uchar *p, const uchar *q, int esc,
                          const jframe *fr) {
  const char *t;
  size_t n;
  acr_str *s;
  if (J->pool == NULL || (r->pool != NULL && r->pool != J->pool) ||
      !((f->flags & ACR_F_SHARED) || f->kind == ACR_K_ENUM))
    return arena_str(J, r, p, q, esc, fr);
  if (!esc) {
    t = (const char *)p + 1;
    n = (size_t)(q - p) - 2;
  } else if (str_text(J, &J->sbuf, p, q, esc, &t, &n, fr) != ACR_OK) {
    return NULL;
  }
  if ((s = acr_strpool_intern(J->pool, f, t, n)) == NULL) {
    jnomem(J, fr, p);
    return NULL;
  }
  if (r->pool == NULL) {
    acr_strpool_retain(J->pool);
    r->pool = J->pool;
  }
  return s;
}

/* The int32 value of the number text [p, q), exactly: 2, 2.0, 20e-1 are 2;
 * 2.5 is not an integer; 1e10 is out of range.  Returns 0, or 1 (not an
 * integer) or 2 (out of range). */
static int num_int32(const uchar *p, const uchar *q, int32_t *out) {
  const uchar *ip, *ie, *fp = NULL, *fe = NULL, *c;
  int neg = 0;
  long ex = 0, exp10;
  size_t total, k, first = (size_t)-1, last = 0, nsig;
  int64_t v = 0;
  if (*p == '-') {
    neg = 1;
    p++;
  }
  ip = p;
  while (p < q && *p >= '0' && *p <= '9') p++;
  ie = p;
  if (p < q && *p == '.') {
    fp = ++p;
    while (p < q && *p >= '0' && *p <= '9') p++;
    fe = p;
  }
  if (p < q && (*p == 'e' || *p == 'E')) {
    int eneg = 0;
    p++;
    if (*p == '+' || *p == '-') eneg = (*p++ == '-');
    for (; p < q; p++)
      if (ex < 100000000L) ex = ex * 10 + (*p - '0');
    if (eneg) ex = -ex;
  }
  total = (size_t)(ie - ip) + (size_t)(fe - fp);
  for (k = 0; k < total; k++) {
    c = k < (size_t)(ie - ip) ? ip + k : fp + (k - (size_t)(ie - ip));
    if (*c != '0') {
      if (first == (size_t)-1) first = k;
      last = k;
    }
  }
  if (first == (size_t)-1) { /* zero, whatever the exponent */
    *out = 0;
    return 0;
  }
  nsig = last - first + 1;
  /* value = sig * 10^exp10 */
  exp10 = ex - (long)(fe - fp) + (long)(total - 1 - last);
  if (exp10 < 0) return 1;
  if ((long)nsig + exp10 > 10) return 2;
  for (k = first; k <= last; k++) {
    c = k < (size_t)(ie - ip) ? ip + k : fp + (k - (size_t)(ie - ip));
    v = v * 10 + (*c - '0');
  }
  for (; exp10 > 0; exp10--) v *= 10;
  if (neg) v = -v;
  if (v < INT32_MIN || v > INT32_MAX) return 2;
  *out = (int32_t)v;
  return 0;
}

static int parse_obj(jr *J, const uchar **pp, const jframe *fr, runctx *rc,
                     acr_run *run, void *rec, const acr_type *t, int mode);
static int parse_run(jr *J, const uchar **pp, const jframe *fr, int doc_top,
                     acr_run **rout, acr_runlist **lout);

/* Reads an array of records (f->sub) or strings into a new list.  Like
 * every reader of a container, it reads the whole value: schema errors
 * inside are recorded (J->pend) and only fatal errors are returned. */
static int parse_list_field(jr *J, const uchar **pp, const jframe *fr,
                            acr_run *run, void *rec, const acr_field *f) {
  const uchar *p = *pp, *e = J->e;
  acr_list *l;
  jframe item;
  int esc, st;
  if (++J->depth > J->maxdepth) return too_deep(J, fr, p);
  if ((l = acr_list_new(run, 4)) == NULL) return jnomem(J, fr, p);
  item.up = fr;
  item.key = NULL;
  item.index = 0;
  item.esc = 0;
  p = skip_ws(p + 1, e);
  if (p < e && *p == ']') {
    p++;
  } else {
    for (;;) {
      void *v = NULL;
      item.index++;
      if (f->kind == ACR_K_STRING_LIST) {
        const uchar *q;
        if (p >= e || *p != '"') {
          st = jtype(J, &item, p, "a string");
          if ((st = RECOVER(st, &p, &item, J->depth)) != ACR_OK) return st;
        } else {
          if ((q = scan_str(J, p, &esc, &item)) == NULL) return J->es.st;
          if ((v = field_str(J, run, f, p, q, esc, &item)) == NULL)
            return J->es.st;
          p = q;
        }
      } else if (p >= e || *p != '{') {
        st = jtype(J, &item, p, "an object");
        if ((st = RECOVER(st, &p, &item, J->depth)) != ACR_OK) return st;
      } else {
        if ((v = acr_record_new(run, f->sub)) == NULL)
          return jnomem(J, &item, p);
        if ((st = parse_obj(J, &p, &item, NULL, run, v, f->sub, M_PLAIN)) != 0)
          return st;
      }
      if (v && (st = acr_list_push(run, &l, v)) != ACR_OK)
        return st == ACR_EMEMORY ? jnomem(J, &item, p)
                                 : jfail(J, &item, p, ACR_ELIMIT,
                                         "too many items");
      p = skip_ws(p, e);
      if (p < e && *p == ',') {
        p = skip_ws(p + 1, e);
        continue;
      }
      if (p < e && *p == ']') {
        p++;
        break;
      }
      return jsyntax(J, &item, p, "',' or ']' after array element");
    }
  }
  J->depth--;
  *(acr_list **)ACR_SLOT(rec, f) = l;
  MARK(rec, f);
  *pp = p;
  return ACR_OK;
}

/* Reads the value at *pp (not null) into field f of rec.  A schema error
 * about a scalar or about the kind of value is returned with *pp left at
 * the value (the caller skips it); containers are read whole. */
static int parse_field(jr *J, const uchar **pp, const jframe *fr,
                       acr_run *run, void *rec, const acr_field *f) {
  const uchar *p = *pp, *q;
  int esc;
  switch (f->kind) {
  case ACR_K_STRING: {
    acr_str *s;
    if (*p != '"') return jtype(J, fr, p, "a string");
    if ((q = scan_str(J, p, &esc, fr)) == NULL) return J->es.st;
    if ((s = field_str(J, run, f, p, q, esc, fr)) == NULL) return J->es.st;
    *(acr_str **)ACR_SLOT(rec, f) = s;
    MARK(rec, f);
    *pp = q;
    return ACR_OK;
  }
  case ACR_K_ENUM: {
    const char *s;
    size_t n;
    acr_enumval v;
    if (*p != '"') return jtype(J, fr, p, "a string");
    if ((q = scan_str(J, p, &esc, fr)) == NULL) return J->es.st;
    if (str_text(J, &J->sbuf, p, q, esc, &s, &n, fr) != ACR_OK)
      return J->es.st;
    v.code = acr_enum_lookup(f->enumdef, s, n);
    v.raw = NULL;
    if (v.code == ACR_ENUM_UNKNOWN) {
      if (J->strict) {
        char list[256], mt[128];
        acr_enum_list(f->enumdef, list, sizeof list);
        return jfail(J, fr, p, ACR_ESCHEMA,
                     "invalid value \"%s\" for %s (expected one of %s)",
                     msgtext(s, n, mt, sizeof mt), f->enumdef->name, list);
      }
      if ((v.raw = field_str(J, run, f, p, q, esc, fr)) == NULL)
        return J->es.st;
    } else if (!acr_enum_is_canonical(f->enumdef, v.code, s, n) &&
               (v.raw = field_str(J, run, f, p, q, esc, fr)) == NULL) {
      return J->es.st; /* "linux": written back as received */
    }
    *(acr_enumval *)ACR_SLOT(rec, f) = v;
    MARK(rec, f);
    *pp = q;
    return ACR_OK;
  }
  case ACR_K_DATETIME: {
    const char *s;
    size_t n;
    acr_datetime dt;
    acr_error derr;
    if (*p != '"') return jtype(J, fr, p, "a date-time string");
    if ((q = scan_str(J, p, &esc, fr)) == NULL) return J->es.st;
    if (str_text(J, &J->sbuf, p, q, esc, &s, &n, fr) != ACR_OK)
      return J->es.st;
    derr.message[0] = '\0';
    if (acr_datetime_parse(s, n, &dt, &derr) != ACR_OK) {
      char mt[128];
      /* the date-time parser's message quotes the text already */
      if (derr.message[0])
        return jfail(J, fr, p, ACR_ESCHEMA, "%s", derr.message);
      return jfail(J, fr, p, ACR_ESCHEMA, "invalid date-time \"%s\"",
                   msgtext(s, n, mt, sizeof mt));
    }
    *(acr_datetime *)ACR_SLOT(rec, f) = dt;
    MARK(rec, f);
    *pp = q;
    return ACR_OK;
  }
  case ACR_K_BOOL:
    if (*p != 't' && *p != 'f') return jtype(J, fr, p, "a boolean");
    if ((q = scan_lit(J, p, fr)) == NULL) return J->es.st;
    *(uint8_t *)ACR_SLOT(rec, f) = (*p == 't');
    MARK(rec, f);
    *pp = q;
    return ACR_OK;
  case ACR_K_INT32: {
    int32_t v = 0;
    int r;
    if (*p != '-' && (*p < '0' || *p > '9'))
      return jtype(J, fr, p, "an integer");
    if ((q = scan_num(J, p, fr)) == NULL) return J->es.st;
    if ((r = num_int32(p, q, &v)) != 0) {
      char mt[128];
      msgtext((const char *)p, (size_t)(q - p), mt, sizeof mt);
      if (r == 1)
        return jfail(J, fr, p, ACR_ESCHEMA,
                     "expected an integer, found %s", mt);
      return jfail(J, fr, p, ACR_ESCHEMA,
                   "integer %s is out of the int32 range", mt);
    }
    *(int32_t *)ACR_SLOT(rec, f) = v;
    MARK(rec, f);
    *pp = q;
    return ACR_OK;
  }
  case ACR_K_RECORD: {
    void *sub;
    if (*p != '{') return jtype(J, fr, p, "an object");
    if ((sub = acr_rec_new_record(run, rec, f)) == NULL)
      return jnomem(J, fr, p);
    return parse_obj(J, pp, fr, NULL, run, sub, f->sub, M_PLAIN);
  }
  case ACR_K_RECORD_LIST:
  case ACR_K_STRING_LIST:
    if (*p != '[') return jtype(J, fr, p, "an array");
    return parse_list_field(J, pp, fr, run, rec, f);
  default:
    return jfail(J, fr, p, ACR_ESCHEMA, "field of an unknown kind");
  }
}

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

static int key_is(const char *k, size_t n, const char *lit, size_t ln) {
  return n == ln && memcmp(k, lit, n) == 0;
}

/* An unknown member of a Run object (mode M_TOP) is counted: a Run object
 * with members but none of a run is not a run.  "error": {...} at the
 * root may be an ARM error body: its place is kept. */
static void note_unknown(runctx *rc, const char *key, size_t klen,
                         const uchar *kp, const uchar *v) {
  if (rc->doc_top && *v == '{' && key_is(key, klen, "error", 5)) {
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
                           const uchar *kp, const uchar *v) {
  if (mode != M_TOP) return 0;
  if (rc->doc_top && *v == '{' && key_is(key, klen, "error", 5)) return 1;
  if (key_is(key, klen, "resourceGroup", 13)) {
    rc->rg_key = kp;
    return 1;
  }
  return 0;
}

/* Reads the object at *pp into rec (type t) of run.  mode: M_PLAIN for
 * nested records, M_TOP for a Run object, M_PROPS for its "properties";
 * rc is the Run object's state (NULL for M_PLAIN). */
static int parse_obj(jr *J, const uchar **pp, const jframe *fr, runctx *rc,
                     acr_run *run, void *rec, const acr_type *t, int mode) {
  const uchar *p = *pp, *e = J->e;
  uint32_t seen = 0;
  unsigned hint = 0;
  jframe mf;
  int first = 1, st = ACR_OK;
  size_t vdepth;
  if (++J->depth > J->maxdepth) return too_deep(J, fr, p);
  mf.up = fr;
  mf.index = 0;
  p = skip_ws(p + 1, e);
  if (p < e && *p == '}') {
    p++;
    goto done;
  }
  for (;;) {
    const uchar *kp, *q;
    const char *key;
    size_t klen;
    int kesc;
    const acr_field *f;
    if (p >= e || *p != '"')
      return jsyntax(J, fr, p,
                     first ? "'\"' or '}' after '{'"
                           : "'\"' (a member name) after ','");
    first = 0;
    kp = p;
    /* "properties" (in nearly every Run object) is no field: skip the
     * search that would only fail */
    if (mode == M_TOP && (size_t)(e - p) > 11 && p[11] == '"' &&
        memcmp(p + 1, "properties", 10) == 0)
      f = NULL;
    else
      f = match_key(t, p, e, &hint);
    if (f) { /* the name is a field's, verbatim */
      p += f->namelen + 2;
      kesc = 0;
    } else if ((p = scan_str(J, p, &kesc, fr)) == NULL) {
      return J->es.st;
    }
    mf.key = kp + 1;
    mf.keylen = (size_t)(p - kp) - 2;
    mf.esc = kesc;
    if (!kesc) {
      key = (const char *)kp + 1;
      klen = mf.keylen;
    } else if (str_text(J, &J->key, kp, p, 1, &key, &klen, fr) != ACR_OK) {
      return J->es.st;
    } else { /* "run\u0049d" is runId too */
      f = klen ? find_field(t, key, klen, &hint) : NULL;
    }
    p = skip_ws(p, e);
    if (p >= e || *p != ':')
      return jsyntax(J, &mf, p, "':' after object member name");
    p = skip_ws(p + 1, e);
    if (p >= e) return jsyntax(J, &mf, p, "a JSON value");

    if (f && mode == M_PROPS && (f->flags & ACR_F_ENVELOPE)) f = NULL;
    vdepth = J->depth;
    if (f) {
      uint32_t bit = 1u << f->index;
      if (J->strict && (seen & bit))
        st = jfail(J, &mf, kp, ACR_ESCHEMA, "duplicate key \"%s\"", f->name);
      else if (*p == 'n') { /* null: absent */
        if ((q = scan_lit(J, p, &mf)) == NULL) return J->es.st;
        acr_rec_clear(run, rec, f);
        p = q;
        st = ACR_OK;
      } else {
        st = parse_field(J, &p, &mf, run, rec, f);
        if (st == ACR_OK && mode == M_TOP && (f->flags & ACR_F_ENVELOPE))
          rc->saw_env = 1;
      }
      seen |= bit;
      if (mode == M_TOP) rc->nknown++;
    } else if (mode == M_TOP && key_is(key, klen, "properties", 10)) {
      rc->nknown++;
      if (*p != '{' && *p != 'n')
        st = jtype(J, &mf, p, "an object");
      else if (J->strict && (seen & SEEN_PROPERTIES))
        st = jfail(J, &mf, kp, ACR_ESCHEMA, "duplicate key \"properties\"");
      else {
        seen |= SEEN_PROPERTIES;
        if (rc->saw_props) clear_props(run);
        if (*p == 'n') {
          if ((q = scan_lit(J, p, &mf)) == NULL) return J->es.st;
          if (q - p != 4) return jtype(J, &mf, p, "an object");
          rc->saw_props = 0;
          p = q;
          st = ACR_OK;
        } else {
          rc->saw_props = 1;
          st = parse_obj(J, &p, &mf, rc, run, rec, t, M_PROPS);
        }
      }
    } else if (mode != M_PLAIN && *p == '{' &&
               key_is(key, klen, "runResult", 9)) {
      if (J->strict && (seen & SEEN_RUNRESULT))
        st = jfail(J, &mf, kp, ACR_ESCHEMA, "duplicate key \"runResult\"");
      else if (J->tasknest >= TASK_NEST_MAX)
        return jfail(J, &mf, p, ACR_ELIMIT, "task runs nested deeper than %d",
                     TASK_NEST_MAX);
      else {
        /* The object is a TaskRun: its runResult is the run.  The
         * schema errors of the runResult are the run's own; those of the
         * TaskRun's other members (read as a Run's so far) are not. */
        jerrstate own = J->pend;
        acr_run *res = NULL;
        seen |= SEEN_RUNRESULT;
        rc->saw_result = 1;
        if (mode == M_TOP) rc->nknown++;
        rc->rr_start = p;
        rc->rr_in_props = mode == M_PROPS;
        J->pend.st = ACR_OK;
        J->tasknest++;
        st = parse_run(J, &p, &mf, 0, &res, NULL);
        J->tasknest--;
        rc->rr_end = p;
        if (J->pend.st != ACR_OK && rc->hard.st == ACR_OK) rc->hard = J->pend;
        J->pend = own;
        if (st != ACR_OK) return st;
        acr_run_release(rc->result);
        rc->result = res;
      }
    } else if (mode == M_TOP && rc->doc_top && *p == '[' &&
               key_is(key, klen, "value", 5)) {
      rc->value_key = kp;
      return J_SWITCH_LIST;
    } else if (J->strict && !unknown_allowed(rc, mode, key, klen, kp, p)) {
      const acr_field *g = acr_type_suggest(t, key, klen);
      char mt[128];
      st = jfail(J, &mf, kp, ACR_ESCHEMA, "unknown field \"%s\" in %s%s%s%s",
                 msgtext(key, klen, mt, sizeof mt),
                 mode == M_PROPS ? "RunProperties" : t->name,
                 g ? " (did you mean \"" : "", g ? g->name : "",
                 g ? "\"?)" : "");
    } else {
      const uchar *v = p;
      if (mode == M_TOP) note_unknown(rc, key, klen, kp, p);
      /* unknown field: kept as minified JSON text, in order */
      J->tmp.len = 0;
      if ((st = scan_any(J, &p, &J->tmp, &mf)) != ACR_OK) return st;
      if (rc && rc->err_start == v) rc->err_end = p;
      /* a key with escapes lives in J->key, which scan_any leaves alone */
      if (acr_rec_add_unknown(run, rec, mode == M_TOP, key, klen, J->tmp.p,
                              J->tmp.len, NULL) != ACR_OK)
        return jnomem(J, &mf, kp);
    }
    if (st != ACR_OK && (st = RECOVER(st, &p, &mf, vdepth)) != ACR_OK)
      return st;
    p = skip_ws(p, e);
    if (p < e && *p == ',') {
      p = skip_ws(p + 1, e);
      continue;
    }
    if (p < e && *p == '}') {
      p++;
      break;
    }
    return jsyntax(J, &mf, p, "',' or '}' after object member");
  }
  /* Past ACR_UNKNOWN_SCAN_MAX, acr_rec_add_unknown appends without looking
   * for an earlier field of the same name: settle "last wins" once here. */
  if (acr_unknown_dedupe(run, mode == M_TOP ? run->env_unknown
                                            : ((acr_rechdr *)rec)->unknown) !=
      ACR_OK)
    return jnomem(J, &mf, p);
done:
  J->depth--;
  *pp = p;
  return ACR_OK;
}

/* ------------------------------------------------------------------------ */
/* Runs, task runs, lists                                                   */
/* ------------------------------------------------------------------------ */

/* Reads the array of runs at *pp into l. */
static int parse_runs_array(jr *J, const uchar **pp, const jframe *fr,
                            acr_runlist *l) {
  const uchar *p = *pp, *e = J->e;
  jframe item;
  int st;
  if (++J->depth > J->maxdepth) return too_deep(J, fr, p);
  /* one pool for the runs of the document's lists */
  if (J->pool == NULL && (J->pool = acr_strpool_new(J->a)) == NULL)
    return jnomem(J, fr, p);
  item.up = fr;
  item.key = NULL;
  item.index = 0;
  item.esc = 0;
  p = skip_ws(p + 1, e);
  if (p < e && *p == ']') {
    p++;
  } else {
    for (;;) {
      acr_run *r = NULL;
      item.index++;
      if (p >= e || *p != '{') {
        st = jtype(J, &item, p, "an object (a run)");
        if ((st = RECOVER(st, &p, &item, J->depth)) != ACR_OK) return st;
      } else if ((st = parse_run(J, &p, &item, 0, &r, NULL)) != ACR_OK) {
        return st;
      }
      if (r) { /* NULL after a schema error */
        st = acr_runlist_push(l, r);
        acr_run_release(r);
        if (st != ACR_OK) return jnomem(J, &item, p);
      }
      p = skip_ws(p, e);
      if (p < e && *p == ',') {
        p = skip_ws(p + 1, e);
        continue;
      }
      if (p < e && *p == ']') {
        p++;
        break;
      }
      return jsyntax(J, &item, p, "',' or ']' after array element");
    }
  }
  J->depth--;
  *pp = p;
  return ACR_OK;
}

static void list_clear_runs(acr_runlist *l) {
  size_t i;
  for (i = 0; i < l->n; i++) acr_run_release(l->runs[i]);
  l->n = 0;
}

/* A RunListResult object: "value" (runs), "nextLink", unknown keys kept in
 * l->unknown (in l->meta's arena). */
static int parse_list_obj(jr *J, const uchar **pp, const jframe *fr,
                          acr_runlist *l, const uchar *resume) {
  const uchar *p = *pp, *e = J->e;
  jframe mf;
  unsigned seen = 0;
  int first = 1, st, esc;
  size_t vdepth;
  mf.up = fr;
  mf.index = 0;
  if (resume != NULL) {
    /* the object was being read as a Run, which counted its depth; it
     * turned out a RunListResult at its first member, "value" */
    p = resume;
    first = 0;
  } else {
    if (++J->depth > J->maxdepth) return too_deep(J, fr, p);
    p = skip_ws(p + 1, e);
    if (p < e && *p == '}') {
      p++;
      goto done;
    }
  }
  for (;;) {
    const uchar *kp = p, *q;
    const char *key;
    size_t klen;
    if (p >= e || *p != '"')
      return jsyntax(J, fr, p,
                     first ? "'\"' or '}' after '{'"
                           : "'\"' (a member name) after ','");
    first = 0;
    if ((p = scan_str(J, p, &esc, fr)) == NULL) return J->es.st;
    mf.key = kp + 1;
    mf.keylen = (size_t)(p - kp) - 2;
    mf.esc = esc;
    if (str_text(J, &J->key, kp, p, esc, &key, &klen, fr) != ACR_OK)
      return J->es.st;
    p = skip_ws(p, e);
    if (p >= e || *p != ':')
      return jsyntax(J, &mf, p, "':' after object member name");
    p = skip_ws(p + 1, e);
    if (p >= e) return jsyntax(J, &mf, p, "a JSON value");
    vdepth = J->depth;
    if (key_is(key, klen, "value", 5) || key_is(key, klen, "nextLink", 8)) {
      int isvalue = klen == 5;
      unsigned bit = isvalue ? 1u : 2u;
      if (J->strict && (seen & bit)) {
        st = jfail(J, &mf, kp, ACR_ESCHEMA, "duplicate key \"%s\"",
                   isvalue ? "value" : "nextLink");
      } else if (*p == 'n') {
        if ((q = scan_lit(J, p, &mf)) == NULL) return J->es.st;
        if (q - p != 4)
          return jtype(J, &mf, p, isvalue ? "an array" : "a string");
        if (isvalue) list_clear_runs(l);
        else l->nextLink = NULL;
        p = q;
        st = ACR_OK;
      } else if (isvalue) {
        if (*p != '[') {
          st = jtype(J, &mf, p, "an array");
        } else {
          list_clear_runs(l);
          if ((st = parse_runs_array(J, &p, &mf, l)) != ACR_OK) return st;
        }
      } else {
        const char *s;
        size_t n;
        if (*p != '"') {
          st = jtype(J, &mf, p, "a string");
        } else {
          if ((q = scan_str(J, p, &esc, &mf)) == NULL) return J->es.st;
          if (str_text(J, &J->sbuf, p, q, esc, &s, &n, &mf) != ACR_OK)
            return J->es.st;
          if (acr_runlist_set_nextlink(l, s, n) != ACR_OK)
            return jnomem(J, &mf, p);
          p = q;
          st = ACR_OK;
        }
      }
      seen |= bit;
    } else if (J->strict) {
      char mt[128];
      st = jfail(J, &mf, kp, ACR_ESCHEMA,
                 "unknown field \"%s\" in RunListResult",
                 msgtext(key, klen, mt, sizeof mt));
    } else {
      J->tmp.len = 0;
      if ((st = scan_any(J, &p, &J->tmp, &mf)) != ACR_OK) return st;
      if (acr_rec_add_unknown(l->meta, &l->meta->rec, 1, key, klen, J->tmp.p,
                              J->tmp.len, NULL) != ACR_OK)
        return jnomem(J, &mf, kp);
      l->unknown = l->meta->env_unknown;
    }
    if (st != ACR_OK && (st = RECOVER(st, &p, &mf, vdepth)) != ACR_OK)
      return st;
    p = skip_ws(p, e);
    if (p < e && *p == ',') {
      p = skip_ws(p + 1, e);
      continue;
    }
    if (p < e && *p == '}') {
      p++;
      break;
    }
    return jsyntax(J, &mf, p, "',' or '}' after object member");
  }
  if (acr_unknown_dedupe(l->meta, l->meta->env_unknown) != ACR_OK)
    return jnomem(J, &mf, p);
done:
  /* l->unknown is the list from now on (the binding appends to it) */
  l->meta->env_unknown = NULL;
  J->depth--;
  *pp = p;
  return ACR_OK;
}

/* Appends to out, minified, the JSON text [a, b): a piece of a task run
 * already read, either its start (nobj 0: from its '{' to a value that is
 * left out) or its end (after that value, inside nobj objects). */
static acr_status minify_part(const uchar *a, const uchar *b, size_t nobj,
                              acr_buf *out) {
  acr_jlex x;
  acr_jtok t;
  if (nobj) acr_jlex_resume(&x, (const char *)a, (size_t)(b - a), nobj);
  else acr_jlex_init(&x, (const char *)a, (size_t)(b - a), 0, ACR_JLEX_VALUE);
  while ((t = acr_jlex_next(&x)) != ACR_JT_END && t != ACR_JT_ERROR)
    if (acr_jlex_append(&x, out) != ACR_OK) return ACR_EMEMORY;
  return ACR_OK;
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
  uint32_t i, n = 2 + (old ? old->n : 0);
  J->tmp.len = 0;
  if (minify_part(start, rc->rr_start, 0, &J->tmp) != ACR_OK ||
      (pre = acr_run_str(res, J->tmp.p ? J->tmp.p : "", J->tmp.len)) == NULL)
    return ACR_EMEMORY;
  J->tmp.len = 0;
  if (minify_part(rc->rr_end, end, rc->rr_in_props ? 2 : 1, &J->tmp) !=
          ACR_OK ||
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
static int service_body(const uchar *s, const uchar *e, acr_error *err) {
  acr_jlex x;
  int found = 0;
  acr_jlex_init(&x, (const char *)s, (size_t)(e - s), 0, ACR_JLEX_VALUE);
  if (acr_jlex_next(&x) != ACR_JT_OBJECT) return 0;
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
    if (acr_jlex_skip(&x) != ACR_OK) return 0;
    if (span && t != ACR_JT_NULL) {
      *span = vstart;
      *spanlen = (size_t)((const char *)x.p - vstart);
    }
  }
  return found;
}

/* Reads the Run object at *pp.  On success *rout is the run (for a task
 * run: its runResult), or, only when doc_top, *lout a list (the object was
 * a RunListResult: met first, its "value" array turns the reading into a
 * list's; after other members it sends the reading back to the '{' once).  A schema error in the object leaves *rout NULL
 * (the error is in J->pend) and ACR_OK returned: the object is read whole
 * either way.  Only fatal errors are returned, with nothing allocated. */
static int parse_run(jr *J, const uchar **pp, const jframe *fr, int doc_top,
                     acr_run **rout, acr_runlist **lout) {
  const uchar *start = *pp, *p = start;
  size_t depth0 = J->depth;
  jerrstate outer = J->pend; /* errors before this object */
  runctx rc;
  int st, bad;
  memset(&rc, 0, sizeof rc);
  rc.doc_top = doc_top;
  *rout = NULL;
  if ((rc.run = acr_run_new(J->a)) == NULL) return jnomem(J, fr, p);
  J->pend.st = ACR_OK;
  st = parse_obj(J, &p, fr, &rc, rc.run, &rc.run->rec, &acr_type_run,
                 M_TOP);
  if (st == J_SWITCH_LIST) {
    /* "value" first (as lists come): the reading goes on from there as a
     * RunListResult; after other members, it starts again from the '{'
     * (what they are depends on what the object is) */
    acr_runlist *l;
    const uchar *resume = NULL;
    if (rc.nknown == 0 && rc.nunknown == 0 && rc.err_start == NULL &&
        J->pend.st == ACR_OK)
      resume = rc.value_key;
    acr_run_release(rc.run);
    acr_run_release(rc.result);
    J->pend = outer;
    if (resume == NULL) J->depth = depth0;
    p = resume ? resume : start;
    if ((l = acr_runlist_new(J->a)) == NULL) return jnomem(J, fr, p);
    if ((st = parse_list_obj(J, &p, fr, l, resume)) != ACR_OK ||
        J->pend.st != ACR_OK) {
      acr_runlist_free(l);
      l = NULL;
    }
    if (st == ACR_OK) {
      *lout = l;
      *pp = p;
    }
    return st;
  }
  if (st != ACR_OK) {
    acr_run_release(rc.run);
    acr_run_release(rc.result);
    J->pend = outer;
    return st;
  }
  /* a TaskRun answers for its runResult only */
  if (rc.saw_result) {
    J->pend = rc.hard;
  } else if (rc.nknown == 0 && (rc.nunknown > 0 || rc.err_start)) {
    char mt[128];
    if (doc_top && rc.nunknown == 0 && J->pend.st == ACR_OK &&
        service_body(rc.err_start, rc.err_end, NULL)) {
      /* an ARM error body: acr_json_decode reports it */
      acr_run_release(rc.run);
      J->svc_start = rc.err_start;
      J->svc_end = rc.err_end;
      J->pend = outer;
      *pp = p;
      return ACR_OK;
    }
    if (rc.nunknown == 0) {
      rc.first_unknown = rc.err_key + 1;
      rc.first_unknown_len = 5;
    }
    jfail(J, fr, start, ACR_ESCHEMA,
          "not a run: none of its members (\"%s\"...) is a field of a run, "
          "an ARM envelope, a run list or a task run",
          msgtext((const char *)rc.first_unknown, rc.first_unknown_len, mt,
                  sizeof mt));
  } else if (J->strict) {
    jframe kf;
    kf.up = fr;
    kf.index = 0;
    kf.esc = 0;
    if (rc.err_key) {
      kf.key = rc.err_key + 1;
      kf.keylen = 5;
      jfail(J, &kf, rc.err_key, ACR_ESCHEMA,
            "unknown field \"error\" in Run");
    }
    if (rc.rg_key && !(rc.saw_env && !rc.saw_props)) {
      kf.key = rc.rg_key + 1;
      kf.keylen = 13;
      jfail(J, &kf, rc.rg_key, ACR_ESCHEMA,
            "unknown field \"resourceGroup\" in Run (the Azure CLI's field: "
            "allowed where envelope and properties are side by side)");
    }
  }
  bad = J->pend.st != ACR_OK;
  if (outer.st != ACR_OK) J->pend = outer; /* the first error is reported */
  *pp = p;
  if (bad || rc.saw_result) {
    acr_run_release(rc.run);
    if (!bad && (st = taskrun_keep(J, &rc, start, p)) != ACR_OK) {
      acr_run_release(rc.result);
      return jnomem(J, fr, start);
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
  if (acr_run_compact_decoded(rc.run) != ACR_OK) {
    acr_run_release(rc.run);
    return jnomem(J, fr, p);
  }
  *rout = rc.run;
  return ACR_OK;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */
/* ------------------------------------------------------------------------ */

/* Copies J's error to err: kind, path, position and the reason. */
static void report(const jr *J, acr_error *err) {
  const jerrstate *es = J->es.st != ACR_OK ? &J->es : &J->pend;
  const uchar *pos = es->pos ? es->pos : J->s;
  if (err == NULL) return;
  if (pos > J->e) pos = J->e;
  acr_jlex_locate((const char *)J->s, (size_t)(J->e - J->s),
                  (size_t)(pos - J->s), &err->line, &err->column);
  err->kind = es->st;
  memcpy(err->path, es->path.buf, es->path.len + 1);
  err->offset = (long)(pos - J->s);
  snprintf(err->message, sizeof err->message, "%s",
           es->st == ACR_EMEMORY ? "not enough memory" : es->msg);
}

static const acr_allocator default_allocator = {acr_default_alloc, NULL};

/* Exactly one JSON value with optional whitespace around it; minified to
 * out if given. */
static int validate_doc(jr *J, acr_buf *out) {
  const uchar *p = skip_ws(J->s, J->e);
  int st;
  if ((st = scan_any(J, &p, out, NULL)) != ACR_OK) return st;
  p = skip_ws(p, J->e);
  if (p < J->e) return jsyntax(J, NULL, p, "end of input after the JSON value");
  return ACR_OK;
}

/* A UTF-8 byte-order mark (PowerShell writes one) before the first value
 * is dropped: it is not JSON text, but says nothing wrong about it. */
static const uchar *skip_bom(const jr *J) {
  if (J->e - J->s >= 3 && J->s[0] == 0xEF && J->s[1] == 0xBB &&
      J->s[2] == 0xBF)
    return J->s + 3;
  return J->s;
}

/* One JSON value of text from byte start on.  end == NULL: the value must
 * be the whole text (whitespace aside).  Else text after the value is
 * left for the next call: *end is set to where it starts (after the
 * value's trailing whitespace).  Positions in err count from text. */
static acr_status decode_at(const char *text, size_t len, size_t start,
                            size_t *end, const acr_decode_opts *opts,
                            const acr_allocator *a, acr_run **run_out,
                            acr_runlist **list_out, acr_error *err) {
  jr J;
  acr_run *run = NULL;
  acr_runlist *list = NULL;
  const uchar *p;
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
  if (a == NULL) a = &default_allocator;
  jr_init(&J, text, len, a, opts ? opts->strict : 0,
          opts ? opts->max_depth : 0);
  p = start == 0 ? skip_bom(&J) : J.s + (start < len ? start : len);
  p = skip_ws(p, J.e);
  if (p >= J.e) {
    st = jsyntax(&J, NULL, p, "a JSON value");
  } else if (*p == '{') {
    st = parse_run(&J, &p, NULL, 1, &run, &list);
  } else if (*p == '[') {
    if ((list = acr_runlist_new(a)) == NULL) st = jnomem(&J, NULL, p);
    else st = parse_runs_array(&J, &p, NULL, list);
  } else if (!is_value_start(*p)) {
    st = jsyntax(&J, NULL, p, "a JSON value");
  } else {
    st = jfail(&J, NULL, p, ACR_ESCHEMA,
               "expected an object (a run or a run list) or an array of "
               "runs, found %s",
               kind_found(*p));
    if (st == ACR_ESCHEMA) st = skip_bad(&J, &p, NULL, 0);
  }
  if (st == ACR_OK) {
    p = skip_ws(p, J.e);
    if (end == NULL && p < J.e)
      st = jsyntax(&J, NULL, p, "end of input after the JSON value");
  }
  /* A syntax error (or nesting beyond the limit) anywhere wins over a
   * schema error: reading went on past the schema error to the end. */
  if (st == ACR_OK) st = J.pend.st;
  if (st == ACR_OK && J.svc_start != NULL) { /* an ARM error body */
    if (err) {
      acr_err_clear(err);
      err->kind = ACR_ESERVICE;
      memcpy(err->path, "error", 6);
      err->offset = (long)(J.svc_start - J.s);
      acr_jlex_locate(text, len, (size_t)err->offset, &err->line,
                      &err->column);
      service_body(J.svc_start, J.svc_end, err);
      if (!err->message[0])
        memcpy(err->message, "the service answered with an error", 35);
    }
    jr_free(&J);
    return ACR_ESERVICE;
  }
  if (st != ACR_OK) {
    acr_run_release(run);
    if (list) acr_runlist_free(list);
    report(&J, err);
    jr_free(&J);
    return (acr_status)st;
  }
  jr_free(&J);
  *run_out = run;
  *list_out = list;
  if (end != NULL) *end = (size_t)(p - J.s); /* untouched on failure */
  if (err) acr_err_clear(err);
  return ACR_OK;
}

acr_status acr_json_decode(const char *text, size_t len,
                           const acr_decode_opts *opts, const acr_allocator *a,
                           acr_run **run_out, acr_runlist **list_out,
                           acr_error *err) {
  return decode_at(text, len, 0, NULL, opts, a, run_out, list_out, err);
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
  if (start == 0 && len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
    p += 3;
  if (skip_ws(p, e) >= e) {
    if (run_out) *run_out = NULL;
    if (list_out) *list_out = NULL;
    *pos = len;
    if (err) acr_err_clear(err);
    return ACR_OK;
  }
  return decode_at(text, len, start, pos, opts, a, run_out, list_out, err);
}

acr_status acr_json_validate(const char *text, size_t len, int max_depth,
                             acr_buf *out, acr_error *err) {
  jr J;
  int st;
  size_t old = out ? out->len : 0;
  const acr_allocator *a = out ? &out->alloc : &default_allocator;
  jr_init(&J, text, len, a, 0, max_depth);
  st = validate_doc(&J, out);
  if (st != ACR_OK) {
    if (out) out->len = old;
    report(&J, err);
  } else if (err) {
    acr_err_clear(err);
  }
  jr_free(&J);
  return (acr_status)st;
}

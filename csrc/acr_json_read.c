/*
 * acr_json_read.c -- the JSON reader: schema-directed decoding of runs and
 * run lists straight into the model's C structures, and the RFC 8259
 * validator/minifier behind unknown fields and acr_json_validate.
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
 * Meeting "value": [ at the root, the object is read again from its '{'
 * as a RunListResult (the keys before it, usually none, are read twice).
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
#include "acr_internal.h"

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
  acr_buf tmp;   /* minified unknown values */
  acr_buf key;   /* unescaped keys */
  acr_buf sbuf;  /* unescaped enum / date-time text */
  uchar *stack;  /* container kinds of scan_any: 1 object, 0 array */
  size_t stackcap;
  uchar stack0[128];
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
} runctx;

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

static size_t unescape(const uchar *q, const uchar *end, char *out);

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
         * unescape(), which checks its bounds */
        char tmp[ACR_PATH_MAX];
        size_t m;
        const uchar *end =
            f->key + (f->keylen < sizeof tmp ? f->keylen : sizeof tmp - 1);
        m = unescape(f->key, end, tmp);
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

/* "'x'", "end of input" or "byte 0xNN" for the byte at p. */
static const char *found(const jr *J, const uchar *p, char *buf) {
  if (p >= J->e) return "end of input";
  if (*p > 0x20 && *p < 0x7f) {
    buf[0] = '\'';
    buf[1] = (char)*p;
    buf[2] = '\'';
    buf[3] = '\0';
  } else {
    static const char hex[] = "0123456789ABCDEF";
    memcpy(buf, "byte 0x", 7);
    buf[7] = hex[*p >> 4];
    buf[8] = hex[*p & 15];
    buf[9] = '\0';
  }
  return buf;
}

static int jsyntax(jr *J, const jframe *fr, const uchar *p, const char *what) {
  char b[16];
  return jfail(J, fr, p, ACR_ESYNTAX, "expected %s, found %s", what,
               found(J, p, b));
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
/* Lexical scanning                                                         */
/* ------------------------------------------------------------------------ */

#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')

static const uchar *skip_ws(const uchar *p, const uchar *e) {
  if (p < e && *p > ' ') return p;
  while (p < e && IS_WS(*p)) p++;
  return p;
}

/* Bytes that stop the fast scan of a string body: '"', '\\', controls and
 * everything >= 0x80 (which is then UTF-8-checked). */
static const uchar str_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
/* Non-zero iff some byte of x is zero (exact as a yes/no answer). */
#define HASZERO(x) (((x) - ONES) & ~(x) & HIGHS)

/* Code unit of \uXXXX at p (p at the backslash, 6 bytes available), or -1. */
#define hex4(p) acr_hex4((const char *)(p) + 2)

#if defined(__GNUC__)
#  define NOINLINE __attribute__((noinline))
#  define INLINE __inline__ __attribute__((always_inline))
#  define LIKELY(x) __builtin_expect(!!(x), 1)
#else
#  define NOINLINE
#  define INLINE
#  define LIKELY(x) (x)
#endif

/* Mask of the bytes of v that stop a string scan ('"', '\\', < 0x20,
 * >= 0x80): the lowest flagged byte is exact (borrows only run upwards). */
#define STOPMASK(v)                                                       \
  (((v) & HIGHS) | HASZERO((v) ^ (ONES * '"')) |                          \
   HASZERO((v) ^ (ONES * '\\')) | (((v) - ONES * 0x20) & ~(v) & HIGHS))

/* Where the first stop byte of an 8-byte word with stop mask m is: with
 * GCC/Clang on a little-endian machine by counting trailing zeros, else
 * left to the byte loop. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define FIRST_STOP(m) ((size_t)__builtin_ctzll(m) >> 3)
/* SSE2 (every x86-64): 16 bytes per step; as signed bytes, "< 0x20" also
 * catches everything >= 0x80. */
#  if defined(__SSE2__)
#    include <emmintrin.h>
#    define SCAN16(q, e, found)                                            \
  do {                                                                     \
    const __m128i q_ = _mm_set1_epi8('"'), b_ = _mm_set1_epi8('\\'),       \
                  c_ = _mm_set1_epi8(0x20);                                \
    while ((e) - (q) >= 16) {                                              \
      __m128i v_ = _mm_loadu_si128((const __m128i *)(const void *)(q));    \
      int m_ = _mm_movemask_epi8(                                          \
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v_, q_),                \
                                    _mm_cmpeq_epi8(v_, b_)),               \
                       _mm_cmplt_epi8(v_, c_)));                           \
      if (m_) {                                                            \
        (q) += __builtin_ctz((unsigned)m_);                                \
        goto found;                                                        \
      }                                                                    \
      (q) += 16;                                                           \
    }                                                                      \
  } while (0)
#  endif
#endif
#ifndef SCAN16
#  define SCAN16(q, e, found) ((void)0)
#endif

/* The rest of a string from q (a stop byte, or the end), where the fast
 * loop of scan_str gave up: escapes, UTF-8, errors. */
static NOINLINE const uchar *scan_str_slow(jr *J, const uchar *p,
                                           const uchar *q, int *esc,
                                           const jframe *fr) {
  const uchar *e = J->e;
  int has_esc = 0;
  for (;;) {
    uchar c;
    while (e - q >= 8) {
      uint64_t v;
      memcpy(&v, q, 8);
      if (STOPMASK(v) != 0) break;
      q += 8;
    }
    while (q < e && !str_stop[*q]) q++;
    if (q >= e) {
      jfail(J, fr, p, ACR_ESYNTAX, "unterminated string");
      return NULL;
    }
    c = *q;
    if (c == '"') break;
    if (c == '\\') {
      has_esc = 1;
      if (e - q < 2) {
        jfail(J, fr, p, ACR_ESYNTAX, "unterminated string");
        return NULL;
      }
      switch (q[1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r':
      case 't':
        q += 2;
        break;
      case 'u': {
        long cp;
        if (e - q < 6 || (cp = hex4(q)) < 0) {
          jfail(J, fr, q, ACR_ESYNTAX,
                "invalid \\u escape (expected 4 hexadecimal digits)");
          return NULL;
        }
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          jfail(J, fr, q, ACR_ESYNTAX,
                "lone surrogate \\u%04lX (a low surrogate without a high one)",
                (unsigned long)cp);
          return NULL;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          long lo = -1;
          if (e - q >= 12 && q[6] == '\\' && q[7] == 'u') lo = hex4(q + 6);
          if (lo < 0xDC00 || lo > 0xDFFF) {
            jfail(J, fr, q, ACR_ESYNTAX,
                  "lone surrogate \\u%04lX (not followed by a \\u escape of a "
                  "low surrogate)",
                  (unsigned long)cp);
            return NULL;
          }
          q += 6;
        }
        q += 6;
        break;
      }
      default: {
        char b[16];
        jfail(J, fr, q, ACR_ESYNTAX, "invalid escape \\ followed by %s",
              found(J, q + 1, b));
        return NULL;
      }
      }
      continue;
    }
    if (c < 0x20) {
      jfail(J, fr, q, ACR_ESYNTAX,
            "control character 0x%02X in string (must be escaped)", c);
      return NULL;
    }
    /* c >= 0x80: one UTF-8 sequence, shortest form, no surrogates,
     * at most U+10FFFF */
    {
      size_t n = (size_t)(e - q);
      uchar lo = 0x80, hi = 0xBF;
      int len;
      if (c >= 0xC2 && c <= 0xDF) len = 2;
      else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        else if (c == 0xED) hi = 0x9F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        else if (c == 0xF4) hi = 0x8F;
      } else len = 0;
      if (len == 0 || n < (size_t)len || q[1] < lo || q[1] > hi ||
          (len > 2 && (q[2] & 0xC0) != 0x80) ||
          (len > 3 && (q[3] & 0xC0) != 0x80)) {
        jfail(J, fr, q, ACR_ESYNTAX, "invalid UTF-8 in string");
        return NULL;
      }
      q += len;
    }
  }
  *esc = has_esc;
  return q + 1;
}

/* Scans the string whose opening quote is at p; returns the position after
 * the closing quote, or NULL (error recorded).  *esc is set if the body
 * has escapes.  Everything RFC 8259 asks is checked, so unescape() may
 * trust its input.  The common case (plain ASCII, no escapes) is this
 * inline loop, 8 bytes at a time. */
static INLINE const uchar *scan_str(jr *J, const uchar *p, int *esc,
                                    const jframe *fr) {
  const uchar *e = J->e, *q = p + 1;
  SCAN16(q, e, stop);
  while (e - q >= 8) {
    uint64_t v, m;
    memcpy(&v, q, 8);
    if ((m = STOPMASK(v)) != 0) {
#ifdef FIRST_STOP
      q += FIRST_STOP(m);
      goto stop;
#else
      break;
#endif
    }
    q += 8;
  }
  while (q < e && !str_stop[*q]) q++;
#ifdef FIRST_STOP
stop:
#endif
  if (LIKELY(q < e && *q == '"')) {
    *esc = 0;
    return q + 1;
  }
  return scan_str_slow(J, p, q, esc, fr);
}

/* Undoes the escapes of a string body [q, end) that scan_str accepted
 * (for path_from_frames: possibly cut, so it stays within bounds).
 * Writes at most end - q bytes; returns the length. */
static size_t unescape(const uchar *q, const uchar *end, char *out) {
  char *o = out;
  while (q < end) {
    const uchar *r = (const uchar *)memchr(q, '\\', (size_t)(end - q));
    if (r == NULL) r = end;
    memcpy(o, q, (size_t)(r - q));
    o += r - q;
    q = r;
    if (q >= end || end - q < 2) break;
    switch (q[1]) {
    case 'b': *o++ = '\b'; q += 2; break;
    case 'f': *o++ = '\f'; q += 2; break;
    case 'n': *o++ = '\n'; q += 2; break;
    case 'r': *o++ = '\r'; q += 2; break;
    case 't': *o++ = '\t'; q += 2; break;
    case 'u': {
      long cp;
      if (end - q < 6 || (cp = hex4(q)) < 0) return (size_t)(o - out);
      q += 6;
      if (cp >= 0xD800 && cp <= 0xDBFF && end - q >= 6) {
        long lo = hex4(q);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          q += 6;
        }
      }
      o += acr_utf8_put(o, (unsigned long)cp);
      break;
    }
    default: *o++ = (char)q[1]; q += 2; break;
    }
  }
  return (size_t)(o - out);
}

/* Scans a number per the RFC 8259 grammar; p at '-' or a digit. */
static const uchar *scan_num(jr *J, const uchar *p, const jframe *fr) {
  const uchar *e = J->e, *q = p;
  if (*q == '-') q++;
  if (q < e && *q == '0') q++;
  else if (q < e && *q >= '1' && *q <= '9') {
    q++;
    while (q < e && *q >= '0' && *q <= '9') q++;
  } else {
    jsyntax(J, fr, q, "a digit");
    return NULL;
  }
  if (q < e && *q == '.') {
    q++;
    if (q >= e || *q < '0' || *q > '9') {
      jsyntax(J, fr, q, "a digit after the decimal point");
      return NULL;
    }
    while (q < e && *q >= '0' && *q <= '9') q++;
  }
  if (q < e && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < e && (*q == '+' || *q == '-')) q++;
    if (q >= e || *q < '0' || *q > '9') {
      jsyntax(J, fr, q, "a digit in the exponent");
      return NULL;
    }
    while (q < e && *q >= '0' && *q <= '9') q++;
  }
  return q;
}

/* true / false / null at p (first letter already known to be t, f or n). */
static const uchar *scan_lit(jr *J, const uchar *p, const jframe *fr) {
  size_t n = (size_t)(J->e - p);
  if (*p == 't' && n >= 4 && memcmp(p, "true", 4) == 0) return p + 4;
  if (*p == 'f' && n >= 5 && memcmp(p, "false", 5) == 0) return p + 5;
  if (*p == 'n' && n >= 4 && memcmp(p, "null", 4) == 0) return p + 4;
  jfail(J, fr, p, ACR_ESYNTAX,
        "invalid literal (expected true, false or null)");
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Schema-less values: validation and minification, iterative               */
/* ------------------------------------------------------------------------ */

static int stack_grow(jr *J, const jframe *fr, const uchar *p) {
  size_t ncap = J->stackcap * 2;
  uchar *ns;
  if (ncap > J->maxdepth + 1) ncap = J->maxdepth + 1;
  ns = (uchar *)acr_malloc(J->a, ncap);
  if (ns == NULL) return jnomem(J, fr, p);
  memcpy(ns, J->stack, J->stackcap);
  if (J->stack != J->stack0) acr_free(J->a, J->stack, J->stackcap);
  J->stack = ns;
  J->stackcap = ncap;
  return ACR_OK;
}

static int too_deep(jr *J, const jframe *fr, const uchar *p) {
  return jfail(J, fr, p, ACR_ELIMIT, "nesting deeper than %lu",
               (unsigned long)J->maxdepth);
}

/* Appends [a, b) to out (if any). */
#define FLUSH(a, b)                                                         \
  do {                                                                      \
    if (out && (b) > (a) &&                                                 \
        acr_buf_add(out, (const char *)(a), (size_t)((b) - (a))) != ACR_OK) \
      return jnomem(J, fr, p);                                              \
  } while (0)

/* Skips whitespace; with out, what came before it is copied out. */
#define WS_FLUSH()                        \
  do {                                    \
    if (p < e && IS_WS(*p)) {             \
      FLUSH(seg, p);                      \
      while (p < e && IS_WS(*p)) p++;     \
      seg = p;                            \
    }                                     \
  } while (0)

/* Checks the JSON value at *pp (whitespace before it already skipped) and,
 * with out, appends it minified (whitespace outside strings dropped,
 * everything else byte for byte).  No recursion: containers are tracked on
 * J->stack.  fr is the path of the value, for errors. */
static int scan_any(jr *J, const uchar **pp, acr_buf *out, const jframe *fr) {
  const uchar *p = *pp, *e = J->e, *seg = p;
  size_t base = J->depth, rel = 0;
  int esc;
value:
  if (p >= e) return jsyntax(J, fr, p, "a JSON value");
  switch (*p) {
  case '{':
  case '[':
    if (base + rel + 1 > J->maxdepth) return too_deep(J, fr, p);
    if (rel >= J->stackcap && stack_grow(J, fr, p) != ACR_OK) return J->es.st;
    J->stack[rel++] = (uchar)(*p == '{');
    p++;
    WS_FLUSH();
    if (J->stack[rel - 1]) {
      if (p < e && *p == '}') {
        p++;
        rel--;
        goto after;
      }
      if (p >= e || *p != '"')
        return jsyntax(J, fr, p, "'\"' or '}' after '{'");
      goto key;
    }
    if (p < e && *p == ']') {
      p++;
      rel--;
      goto after;
    }
    goto value;
  case '"':
    if ((p = scan_str(J, p, &esc, fr)) == NULL) return J->es.st;
    goto after;
  case 't': case 'f': case 'n':
    if ((p = scan_lit(J, p, fr)) == NULL) return J->es.st;
    goto after;
  default:
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
      if ((p = scan_num(J, p, fr)) == NULL) return J->es.st;
      goto after;
    }
    return jsyntax(J, fr, p, "a JSON value");
  }
key: /* p at the opening quote of a member name */
  if ((p = scan_str(J, p, &esc, fr)) == NULL) return J->es.st;
  WS_FLUSH();
  if (p >= e || *p != ':')
    return jsyntax(J, fr, p, "':' after object member name");
  p++;
  WS_FLUSH();
  goto value;
after:
  if (rel == 0) {
    FLUSH(seg, p);
    *pp = p;
    return ACR_OK;
  }
  WS_FLUSH();
  if (J->stack[rel - 1]) {
    if (p < e && *p == ',') {
      p++;
      WS_FLUSH();
      if (p >= e || *p != '"')
        return jsyntax(J, fr, p, "'\"' (a member name) after ','");
      goto key;
    }
    if (p < e && *p == '}') {
      p++;
      rel--;
      goto after;
    }
    return jsyntax(J, fr, p, "',' or '}' after object member");
  }
  if (p < e && *p == ',') {
    p++;
    WS_FLUSH();
    goto value;
  }
  if (p < e && *p == ']') {
    p++;
    rel--;
    goto after;
  }
  return jsyntax(J, fr, p, "',' or ']' after array element");
}

#undef FLUSH
#undef WS_FLUSH

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
  J->maxdepth = max_depth > 0 ? (size_t)max_depth : ACR_DEFAULT_MAX_DEPTH;
  acr_buf_init(&J->tmp, a);
  acr_buf_init(&J->key, a);
  acr_buf_init(&J->sbuf, a);
  J->stack = J->stack0;
  J->stackcap = sizeof J->stack0;
}

static void jr_free(jr *J) {
  acr_buf_free(&J->tmp);
  acr_buf_free(&J->key);
  acr_buf_free(&J->sbuf);
  if (J->stack != J->stack0) acr_free(J->a, J->stack, J->stackcap);
  J->stack = J->stack0;
  J->stackcap = sizeof J->stack0;
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
  if (!esc) {
    memcpy(s->s, p + 1, raw);
    s->len = (uint32_t)raw;
  } else {
    s->len = (uint32_t)unescape(p + 1, q - 1, s->s);
  }
  s->s[s->len] = '\0';
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
          if ((v = arena_str(J, run, p, q, esc, &item)) == NULL)
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
    if ((s = arena_str(J, run, p, q, esc, fr)) == NULL) return J->es.st;
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
      if ((v.raw = arena_str(J, run, p, q, esc, fr)) == NULL)
        return J->es.st;
    } else if (!acr_enum_is_canonical(f->enumdef, v.code, s, n) &&
               (v.raw = arena_str(J, run, p, q, esc, fr)) == NULL) {
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
    } else if (mode == M_TOP && key_is(key, klen, "properties", 10)) {
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
        J->pend.st = ACR_OK;
        J->tasknest++;
        st = parse_run(J, &p, &mf, 0, &res, NULL);
        J->tasknest--;
        if (J->pend.st != ACR_OK && rc->hard.st == ACR_OK) rc->hard = J->pend;
        J->pend = own;
        if (st != ACR_OK) return st;
        acr_run_release(rc->result);
        rc->result = res;
      }
    } else if (mode == M_TOP && rc->doc_top && *p == '[' &&
               key_is(key, klen, "value", 5)) {
      return J_SWITCH_LIST;
    } else if (J->strict) {
      const acr_field *g = acr_type_suggest(t, key, klen);
      char mt[128];
      st = jfail(J, &mf, kp, ACR_ESCHEMA, "unknown field \"%s\" in %s%s%s%s",
                 msgtext(key, klen, mt, sizeof mt),
                 mode == M_PROPS ? "RunProperties" : t->name,
                 g ? " (did you mean \"" : "", g ? g->name : "",
                 g ? "\"?)" : "");
    } else {
      /* unknown field: kept as minified JSON text, in order */
      J->tmp.len = 0;
      if ((st = scan_any(J, &p, &J->tmp, &mf)) != ACR_OK) return st;
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
                          acr_runlist *l) {
  const uchar *p = *pp, *e = J->e;
  jframe mf;
  unsigned seen = 0;
  int first = 1, st, esc;
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

/* Reads the Run object at *pp.  On success *rout is the run (for a task
 * run: its runResult), or, only when doc_top, *lout a list (the object was
 * a RunListResult: its "value" array, met at the root, sends the reading
 * back to the '{' once).  A schema error in the object leaves *rout NULL
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
    acr_runlist *l;
    acr_run_release(rc.run);
    acr_run_release(rc.result);
    J->pend = outer;
    J->depth = depth0;
    p = start;
    if ((l = acr_runlist_new(J->a)) == NULL) return jnomem(J, fr, p);
    if ((st = parse_list_obj(J, &p, fr, l)) != ACR_OK ||
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
  if (rc.saw_result) J->pend = rc.hard;
  bad = J->pend.st != ACR_OK;
  if (outer.st != ACR_OK) J->pend = outer; /* the first error is reported */
  *pp = p;
  if (bad || rc.saw_result) {
    acr_run_release(rc.run);
    if (bad) acr_run_release(rc.result);
    else *rout = rc.result; /* already compacted */
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
  if (acr_run_compact(rc.run) != ACR_OK) {
    acr_run_release(rc.run);
    return jnomem(J, fr, p);
  }
  *rout = rc.run;
  return ACR_OK;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */
/* ------------------------------------------------------------------------ */

/* Appends s to the message buffer (ACR_MSG_MAX bytes) at o, cut to fit. */
static size_t cat(char *buf, size_t o, const char *s) {
  size_t n = strlen(s);
  if (o >= ACR_MSG_MAX - 1) return o;
  if (n > ACR_MSG_MAX - 1 - o) n = ACR_MSG_MAX - 1 - o;
  memcpy(buf + o, s, n);
  buf[o + n] = '\0';
  return o + n;
}

/* Copies J's error to err with line/column and the one-line message. */
static void report(const jr *J, acr_error *err) {
  const jerrstate *es = J->es.st != ACR_OK ? &J->es : &J->pend;
  const uchar *p = J->s, *pos = es->pos ? es->pos : J->s;
  long line = 1;
  const uchar *bol = J->s;
  if (err == NULL) return;
  if (pos > J->e) pos = J->e;
  while (p < pos) {
    const uchar *nl = (const uchar *)memchr(p, '\n', (size_t)(pos - p));
    if (nl == NULL) break;
    line++;
    bol = p = nl + 1;
  }
  err->kind = es->st;
  memcpy(err->path, es->path.buf, es->path.len + 1);
  err->line = line;
  err->column = (long)(pos - bol) + 1;
  err->offset = (long)(pos - J->s);
  {
    char num[64];
    size_t o = 0;
    snprintf(num, sizeof num, "line %ld, column %ld", err->line, err->column);
    switch (es->st) {
    case ACR_ESYNTAX:
      o = cat(err->message, o, "syntax error at ");
      o = cat(err->message, o, num);
      o = cat(err->message, o, ": ");
      o = cat(err->message, o, es->msg);
      break;
    case ACR_EMEMORY:
      o = cat(err->message, o, "not enough memory");
      break;
    default:
      if (err->path[0]) {
        o = cat(err->message, o, err->path);
        o = cat(err->message, o, ": ");
      }
      o = cat(err->message, o, es->msg);
      o = cat(err->message, o, " at ");
      o = cat(err->message, o, num);
      break;
    }
    (void)o;
  }
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

/*
 * acr_json_lex.c -- the one JSON lexer, out of line: the token scanners
 * slow paths (strings with their UTF-8 and escapes, numbers, literals) and
 * the pull lexer's entry points, error tokens and capture.  The pull
 * lexer's body is inline in acr_json_lex.h (the schema reader's hot loop);
 * see there for who uses which layer.
 *
 * Messages are reasons only ("expected ':' after object member name, found
 * '}'"); the position is the offset beside them, turned into a line and
 * column by acr_jlex_locate when an error is shown.
 */
#include "acr_json_lex.h"

#include <stdio.h>

typedef unsigned char uchar;

static const char hexdigits[] = "0123456789ABCDEF";

const char *acr_jfound(const uchar *p, const uchar *e, char *buf) {
  if (p >= e) return "end of input";
  if (*p > 0x20 && *p < 0x7f) {
    buf[0] = '\'';
    buf[1] = (char)*p;
    buf[2] = '\'';
    buf[3] = '\0';
  } else {
    memcpy(buf, "byte 0x", 7);
    buf[7] = hexdigits[*p >> 4];
    buf[8] = hexdigits[*p & 15];
    buf[9] = '\0';
  }
  return buf;
}

/* Code unit of \uXXXX at p (p at the backslash, 6 bytes available), or -1. */
#define hex4(p) acr_hex4((const char *)(p) + 2)

static const uchar *scan_fail(acr_jscan_err *err, const uchar *pos,
                              const char *fmt, ...) ACR_PRINTF(3, 4);
static const uchar *scan_fail(acr_jscan_err *err, const uchar *pos,
                              const char *fmt, ...) {
  va_list ap;
  err->pos = pos;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return NULL;
}

const uchar *acr_jscan_str_slow(const uchar *p, const uchar *q,
                                const uchar *e, int *esc,
                                acr_jscan_err *err) {
  int has_esc = 0;
  for (;;) {
    uchar c;
    q = acr_jscan_plain(q, e);
    if (q >= e) return scan_fail(err, p, "unterminated string");
    c = *q;
    if (c == '"') break;
    if (c == '\\') {
      has_esc = 1;
      if (e - q < 2) return scan_fail(err, p, "unterminated string");
      switch (q[1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r':
      case 't':
        q += 2;
        break;
      case 'u': {
        long cp;
        if (e - q < 6 || (cp = hex4(q)) < 0)
          return scan_fail(err, q,
                           "invalid \\u escape (expected 4 hexadecimal "
                           "digits)");
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return scan_fail(err, q,
                           "lone surrogate \\u%04lX (a low surrogate without "
                           "a high one)",
                           (unsigned long)cp);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          long lo = -1;
          if (e - q >= 12 && q[6] == '\\' && q[7] == 'u') lo = hex4(q + 6);
          if (lo < 0xDC00 || lo > 0xDFFF)
            return scan_fail(err, q,
                             "lone surrogate \\u%04lX (not followed by a \\u "
                             "escape of a low surrogate)",
                             (unsigned long)cp);
          q += 6;
        }
        q += 6;
        break;
      }
      default: {
        char b[16];
        return scan_fail(err, q, "invalid escape \\ followed by %s",
                         acr_jfound(q + 1, e, b));
      }
      }
      continue;
    }
    if (c < 0x20)
      return scan_fail(err, q,
                       "control character 0x%02X in string (must be escaped)",
                       c);
    /* c >= 0x80: one UTF-8 sequence */
    {
      size_t len = acr_jutf8_seq(q, e);
      if (len == 0) return scan_fail(err, q, "invalid UTF-8 in string");
      q += len;
    }
  }
  *esc = has_esc;
  return q + 1;
}

size_t acr_jutf8_seq(const uchar *q, const uchar *e) {
  /* the length the lead byte announces, checked by the model's one UTF-8
   * validator */
  size_t len = *q >= 0xF0 ? 4 : *q >= 0xE0 ? 3 : *q >= 0xC0 ? 2 : 1;
  if ((size_t)(e - q) < len) return 0;
  return acr_utf8_check((const char *)q, len) == len ? len : 0;
}

size_t acr_junescape(const uchar *q, const uchar *end, char *out) {
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

static const uchar *expected(acr_jscan_err *err, const uchar *q,
                             const uchar *e, const char *what) {
  char b[16];
  return scan_fail(err, q, "expected %s, found %s", what, acr_jfound(q, e, b));
}

const uchar *acr_jscan_num(const uchar *p, const uchar *e,
                           acr_jscan_err *err) {
  const uchar *q = p;
  if (*q == '-') q++;
  if (q < e && *q == '0') q++;
  else if (q < e && *q >= '1' && *q <= '9') {
    q++;
    while (q < e && *q >= '0' && *q <= '9') q++;
  } else {
    return expected(err, q, e, "a digit");
  }
  if (q < e && *q == '.') {
    q++;
    if (q >= e || *q < '0' || *q > '9')
      return expected(err, q, e, "a digit after the decimal point");
    while (q < e && *q >= '0' && *q <= '9') q++;
  }
  if (q < e && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < e && (*q == '+' || *q == '-')) q++;
    if (q >= e || *q < '0' || *q > '9')
      return expected(err, q, e, "a digit in the exponent");
    while (q < e && *q >= '0' && *q <= '9') q++;
  }
  return q;
}

const uchar *acr_jscan_lit(const uchar *p, const uchar *e,
                           acr_jscan_err *err) {
  size_t n = (size_t)(e - p);
  if (*p == 't' && n >= 4 && memcmp(p, "true", 4) == 0) return p + 4;
  if (*p == 'f' && n >= 5 && memcmp(p, "false", 5) == 0) return p + 5;
  if (*p == 'n' && n >= 4 && memcmp(p, "null", 4) == 0) return p + 4;
  return scan_fail(err, p, "invalid literal (expected true, false or null)");
}

/* ---- the pull lexer -------------------------------------------------------- */

void acr_jlex_init(acr_jlex *x, const char *text, size_t len,
                   size_t max_depth, unsigned flags) {
  if (text == NULL) { /* no arithmetic on NULL */
    text = "";
    len = 0;
  }
  x->s = x->p = (const uchar *)text;
  x->e = x->s + len;
  x->tok = ACR_JT_END;
  x->off = 0;
  x->text = text;
  x->len = 0;
  x->esc = x->comma = 0;
  x->ntok = 0;
  x->flags = flags;
  x->state = ACR_JS_VALUE;
  x->depth = 0;
  x->maxdepth =
      max_depth == 0 || max_depth > ACR_MAX_DEPTH ? ACR_MAX_DEPTH : max_depth;
  x->cap = NULL;
  x->cap_fail = 0;
  x->st = ACR_OK;
  x->err_off = 0;
  x->err_key = 0;
  x->msg[0] = '\0';
}

acr_status acr_jlex_append(const acr_jlex *x, acr_buf *out) {
  acr_status st = ACR_OK;
  if (x->comma) st = acr_buf_addc(out, ',');
  if (x->tok == ACR_JT_KEY || x->tok == ACR_JT_STRING) {
    if (st == ACR_OK) st = acr_buf_addc(out, '"');
    if (st == ACR_OK) st = acr_buf_add(out, x->text, x->len);
    if (st == ACR_OK) st = acr_buf_add(out, "\":", x->tok == ACR_JT_KEY ? 2 : 1);
  } else if (st == ACR_OK) {
    st = acr_buf_add(out, x->text, x->len);
  }
  return st;
}

acr_jtok acr_jlex_fail(acr_jlex *x, acr_status st, const uchar *pos,
                       const char *msg) {
  x->st = st;
  x->err_off = (size_t)(pos - x->s);
  x->err_key = 0;
  snprintf(x->msg, sizeof x->msg, "%s", msg);
  x->off = x->err_off;
  return x->tok = ACR_JT_ERROR;
}

acr_jtok acr_jlex_expected(acr_jlex *x, const uchar *p, const char *what) {
  char b[16], m[128];
  snprintf(m, sizeof m, "expected %s, found %s", what,
           acr_jfound(p, x->e, b));
  return acr_jlex_fail(x, ACR_ESYNTAX, p, m);
}

acr_jtok acr_jlex_too_deep(acr_jlex *x, const uchar *p) {
  char m[64];
  snprintf(m, sizeof m, "nesting deeper than %lu", (unsigned long)x->maxdepth);
  return acr_jlex_fail(x, ACR_ELIMIT, p, m);
}

acr_jtok acr_jlex_next(acr_jlex *x) { return acr_jlex_next_in(x); }

void acr_jlex_capture(acr_jlex *x, acr_buf *out) {
  x->cap = out;
  x->cap_fail = 0;
}

void acr_jlex_capture_grow(acr_jlex *x, const uchar *p, const uchar *q) {
  acr_jgap g;
  g.from = (size_t)(p - x->s);
  g.to = (size_t)(q - x->s);
  if (acr_buf_add(x->cap, (const char *)&g, sizeof g) != ACR_OK)
    x->cap_fail = 1;
}

acr_status acr_jlex_capture_end(acr_jlex *x) {
  if (x->cap == NULL) return ACR_OK;
  x->cap = NULL;
  return x->cap_fail ? ACR_EMEMORY : ACR_OK;
}

acr_status acr_jlex_capture_copy(const acr_jlex *x, const acr_buf *gaps,
                                 acr_jmark a, size_t end, acr_buf *out) {
  size_t i, n = gaps->len / sizeof(acr_jgap), from = a.off;
  const char *s = (const char *)x->s;
  for (i = a.gap; i < n; i++) {
    acr_jgap g;
    memcpy(&g, gaps->p + i * sizeof g, sizeof g);
    if (g.from >= end) break;
    if (g.from > from && acr_buf_add(out, s + from, g.from - from) != ACR_OK)
      return ACR_EMEMORY;
    from = g.to;
  }
  if (end > from && acr_buf_add(out, s + from, end - from) != ACR_OK)
    return ACR_EMEMORY;
  return ACR_OK;
}

acr_status acr_jlex_skip(acr_jlex *x) {
  size_t target;
  if (x->tok == ACR_JT_ERROR) return x->st;
  if (x->tok != ACR_JT_OBJECT && x->tok != ACR_JT_ARRAY) return ACR_OK;
  target = x->depth - 1;
  for (;;) {
    acr_jtok t = acr_jlex_next(x);
    if (t == ACR_JT_ERROR) return x->st;
    if ((t == ACR_JT_OBJECT_END || t == ACR_JT_ARRAY_END) &&
        x->depth == target)
      return ACR_OK;
  }
}

void acr_jlex_locate(const char *text, size_t len, size_t off, long *line,
                     long *column) {
  const char *p = text, *end = text + (off < len ? off : len), *bol = text;
  long l = 1;
  while (p < end) {
    const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) break;
    l++;
    bol = p = nl + 1;
  }
  *line = l;
  *column = (long)(end - bol) + 1;
}

/* The int32 value of the number text [p, q), exactly: 2, 2.0, 20e-1 are 2;
 * 2.5 is not an integer; 1e10 is out of range.  Returns 0, or 1 (not an
 * integer) or 2 (out of range). */
int acr_jnum_int32(const unsigned char *p, const unsigned char *q,
                   int32_t *out) {
  const unsigned char *ip, *ie, *fp = NULL, *fe = NULL, *c;
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

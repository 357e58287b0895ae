/*
 * acr_json_lex.h -- the one JSON lexer of the library (internal, hidden).
 *
 * Two layers, one file each side of this header (acr_json_lex.c):
 *  - scanners: one token's text at a time (string, number, literal,
 *    whitespace), with every check RFC 8259 asks (UTF-8, escapes,
 *    surrogates, number grammar).  Only the pull lexer calls them.
 *  - a pull lexer (acr_jlex): next token with its position, the grammar
 *    between tokens checked (',' and ':' consumed, containers matched,
 *    nesting within ACR_MAX_DEPTH), so a caller walks any JSON value
 *    token by token without a tree.  Every reader of JSON text is built on
 *    it: the schema reader (acr_json_read.c, acr_json_doc.c, through the
 *    inline fast paths acr_jlex_next_value/_member/_item: its hot loop),
 *    unknown fields (validation and minification), semantic equality
 *    (acr_json_equal.c) and the binding that turns kept JSON into Lua
 *    values.  A capture records where the whitespace between tokens was
 *    as the lexer passes it, so that a text passed over can be had
 *    minified without lexing it again (the reader keeps the members met
 *    before a RunListResult's "value" and a task run's text around its
 *    runResult that way).
 * Positions are byte offsets into the text; acr_jlex_locate turns one into
 * a line and column when an error is reported (never before).
 * Lua-free; nothing here allocates.
 */
#ifndef ACR_JSON_LEX_H
#define ACR_JSON_LEX_H

#include "acr_internal.h"

#include <string.h>
#if defined(__SSE2__) && defined(__GNUC__)
#  include <emmintrin.h>
#endif

/* ---- scanners ----------------------------------------------------------- */

/* Where a scanner failed: the byte it was at and why (a reason only). */
typedef struct acr_jscan_err {
  const unsigned char *pos;
  char msg[96];
} acr_jscan_err;

#define ACR_JWS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')

static inline const unsigned char *acr_jskip_ws(const unsigned char *p,
                                                const unsigned char *e) {
  if (p < e && *p > ' ') return p;
  while (p < e && ACR_JWS(*p)) p++;
  return p;
}

/* The rest of a string from q, where the fast loop stopped (a '\\', a
 * control character, a byte >= 0x80, or the end): escapes, UTF-8, errors.
 * p is the opening quote.  Returns the position after the closing quote
 * or NULL with *err filled. */
ACR_HIDDEN const unsigned char *acr_jscan_str_slow(const unsigned char *p,
                                                   const unsigned char *q,
                                                   const unsigned char *e,
                                                   int *esc,
                                                   acr_jscan_err *err);

#define ACR_J_ONES 0x0101010101010101ull
#define ACR_J_HIGHS 0x8080808080808080ull
#define ACR_J_HASZERO(x) (((x) - ACR_J_ONES) & ~(x) & ACR_J_HIGHS)
/* Bytes of v that stop a string scan ('"', '\\', < 0x20, >= 0x80). */
#define ACR_J_STOPMASK(v)                                               \
  (((v) & ACR_J_HIGHS) | ACR_J_HASZERO((v) ^ (ACR_J_ONES * '"')) |      \
   ACR_J_HASZERO((v) ^ (ACR_J_ONES * '\\')) |                           \
   (((v) - ACR_J_ONES * 0x20) & ~(v) & ACR_J_HIGHS))

/* Past the bytes of a string body from q that need no look (plain ASCII,
 * no quote, no backslash), 8 at a time. */
static inline const unsigned char *acr_jscan_plain(const unsigned char *q,
                                                   const unsigned char *e) {
  while (e - q >= 8) {
    uint64_t v;
    memcpy(&v, q, 8);
    if (ACR_J_STOPMASK(v) != 0) break;
    q += 8;
  }
  while (q < e && *q != '"' && *q != '\\' && *q >= 0x20 && *q < 0x80) q++;
  return q;
}

/* The string whose opening quote is at p: returns the position after its
 * closing quote (*esc set if the body has escapes), or NULL with *err
 * filled.  Plain ASCII without escapes stays in this loop, 8 bytes at a
 * time. */
static inline const unsigned char *acr_jscan_str(const unsigned char *p,
                                                 const unsigned char *e,
                                                 int *esc,
                                                 acr_jscan_err *err) {
  const unsigned char *q = p + 1;
#if defined(__SSE2__) && defined(__GNUC__)
  { /* 16 bytes per step; as signed bytes, "< 0x20" also catches >= 0x80 */
    const __m128i qt = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
                  sp = _mm_set1_epi8(0x20);
    while (e - q >= 16) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
      int m = _mm_movemask_epi8(_mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(v, qt), _mm_cmpeq_epi8(v, bs)),
          _mm_cmplt_epi8(v, sp)));
      if (m) {
        q += __builtin_ctz((unsigned)m);
        goto stop;
      }
      q += 16;
    }
  }
#endif
  q = acr_jscan_plain(q, e);
#if defined(__SSE2__) && defined(__GNUC__)
stop:
#endif
  if (q < e && *q == '"') {
    *esc = 0;
    return q + 1;
  }
  return acr_jscan_str_slow(p, q, e, esc, err);
}

/* A number per the RFC 8259 grammar at p ('-' or a digit): the position
 * after it, or NULL with *err filled. */
ACR_HIDDEN const unsigned char *acr_jscan_num(const unsigned char *p,
                                              const unsigned char *e,
                                              acr_jscan_err *err);
/* true / false / null at p: the position after it, or NULL. */
ACR_HIDDEN const unsigned char *acr_jscan_lit(const unsigned char *p,
                                              const unsigned char *e,
                                              acr_jscan_err *err);
/* Undoes the escapes of a string body [q, end) that the scanner accepted
 * (or a cut piece of one: it stays within bounds).  Writes at most
 * end - q bytes to out; returns the length. */
ACR_HIDDEN size_t acr_junescape(const unsigned char *q,
                                const unsigned char *end, char *out);
/* The int32 value of the number text [p, q), exactly (for the reader and
 * the request reader): 2, 2.0, 20e-1 are 2; 2.5 is not an integer; 1e10
 * is out of range.  Returns 0, or 1 (not an integer) or 2 (out of range). */
ACR_HIDDEN int acr_jnum_int32(const unsigned char *p, const unsigned char *q,
                              int32_t *out);
/* Length of the UTF-8 sequence at q (q < e): RFC 3629, shortest form, no
 * surrogates, at most U+10FFFF (acr_utf8_check); 0 if it is not one. */
ACR_HIDDEN size_t acr_jutf8_seq(const unsigned char *q,
                                const unsigned char *e);
/* "'x'", "end of input" or "byte 0xNN" for the byte at p (buf: 16 bytes). */
ACR_HIDDEN const char *acr_jfound(const unsigned char *p,
                                  const unsigned char *e, char *buf);

/* ---- the pull lexer ------------------------------------------------------- */

typedef enum acr_jtok {
  ACR_JT_END,       /* the value is complete (and, for a document, only
                       whitespace follows it) */
  ACR_JT_ERROR,     /* syntax error or nesting beyond the limit: see st,
                       msg and err_off; every later call returns it again */
  ACR_JT_OBJECT,    /* '{' */
  ACR_JT_OBJECT_END,/* '}' */
  ACR_JT_ARRAY,     /* '[' */
  ACR_JT_ARRAY_END, /* ']' */
  ACR_JT_KEY,       /* a member name (its ':' consumed) */
  ACR_JT_STRING,
  ACR_JT_NUMBER,
  ACR_JT_TRUE,
  ACR_JT_FALSE,
  ACR_JT_NULL
} acr_jtok;

/* Lexer flags. */
#define ACR_JLEX_VALUE 0x01u /* one value, whatever follows it (the reader
                                walks a value inside a larger text) */

/* Grammar states between tokens. */
enum {
  ACR_JS_VALUE,     /* a value must come */
  ACR_JS_ARR_FIRST, /* after '[': a value or ']' */
  ACR_JS_OBJ_FIRST, /* after '{': a member name or '}' */
  ACR_JS_KEY,       /* after ',' in an object: a member name */
  ACR_JS_AFTER,     /* after a value: ',' or the close, or the end */
  ACR_JS_DONE       /* the value is complete */
};

typedef struct acr_jlex {
  const unsigned char *s, *p, *e; /* the text, the position, its end */
  /* the current token */
  acr_jtok tok;
  size_t off;   /* offset of the token's first byte (a string's quote) */
  const char *text; /* its text: the body between the quotes for strings
                       and keys (escapes not undone), else the token */
  size_t len;
  int esc;      /* a string or key body with escapes (acr_junescape) */
  int comma;    /* a ',' came before the token (for minifiers) */
  unsigned long ntok; /* tokens produced so far (what a pass costs) */
  /* grammar */
  unsigned flags;
  int state;
  size_t depth, maxdepth;
  unsigned char kinds[ACR_MAX_DEPTH / 8 + 1]; /* bit set: an object */
  /* capture (acr_jlex_capture): the gaps passed over */
  acr_buf *cap;
  int cap_fail; /* cap could not grow: a gap is missing */
  /* the error, when tok == ACR_JT_ERROR */
  acr_status st; /* ACR_ESYNTAX or ACR_ELIMIT */
  size_t err_off;
  int err_key;   /* the error is the ':' after a member name, which text,
                    len and esc hold */
  char msg[128]; /* the reason only, no position */
  acr_jscan_err serr; /* a scanner's error (here, not on the stack of
                         every reader that inlines the lexer) */
} acr_jlex;

/* Starts lexing text[0..len).  max_depth: nesting limit, at most (and 0
 * means) ACR_MAX_DEPTH; flags: ACR_JLEX_*. */
ACR_HIDDEN void acr_jlex_init(acr_jlex *x, const char *text, size_t len,
                              size_t max_depth, unsigned flags);
/* Appends the current token to out as minified JSON: the ',' that came
 * before it, strings and keys quoted (escapes kept), ':' after a key.
 * ACR_OK or ACR_EMEMORY. */
ACR_HIDDEN acr_status acr_jlex_append(const acr_jlex *x, acr_buf *out);
/* The next token (also stored in x->tok): acr_jlex_next_in, out of line. */
ACR_HIDDEN acr_jtok acr_jlex_next(acr_jlex *x);
/* After a token that starts a value (x->tok), skips to its end: for '{' or
 * '[' to the matching close.  ACR_OK, or the lexer's error status. */
ACR_HIDDEN acr_status acr_jlex_skip(acr_jlex *x);
/* Line and column (1-based) of byte offset off in text. */
ACR_HIDDEN void acr_jlex_locate(const char *text, size_t len, size_t off,
                                long *line, long *column);

/* Capture: from now on, where the lexer passes over whitespace between
 * tokens is recorded in out (a gap record, two offsets, appended as each
 * gap is met: nothing is copied then).  A text passed over is later had
 * minified, as it was read, without a second lexing: a mark names a place
 * the lexer has reached (acr_jlex_mark), acr_jlex_capture_copy appends
 * the bytes from a mark to a later place, the recorded gaps left out.
 * acr_jlex_capture_end stops and says whether out could hold every
 * record. */
typedef struct acr_jgap {
  size_t from, to; /* whitespace [from, to), byte offsets in the text */
} acr_jgap;
typedef struct acr_jmark {
  size_t off; /* a byte offset the lexer has reached */
  size_t gap; /* the gaps recorded then */
} acr_jmark;
ACR_HIDDEN void acr_jlex_capture(acr_jlex *x, acr_buf *out);
ACR_HIDDEN acr_status acr_jlex_capture_end(acr_jlex *x);
/* Stops a capture whose records are not wanted. */
#define acr_jlex_capture_drop(x) ((x)->cap = NULL)
ACR_HIDDEN void acr_jlex_capture_grow(acr_jlex *x, const unsigned char *p,
                                      const unsigned char *q);
/* The gap [p, q) is recorded (out of line only when out must grow). */
static inline void acr_jlex_capture_gap(acr_jlex *x, const unsigned char *p,
                                        const unsigned char *q) {
  acr_buf *b = x->cap;
  if (b->cap - b->len >= sizeof(acr_jgap)) {
    acr_jgap g;
    g.from = (size_t)(p - x->s);
    g.to = (size_t)(q - x->s);
    memcpy(b->p + b->len, &g, sizeof g);
    b->len += sizeof g;
  } else {
    acr_jlex_capture_grow(x, p, q);
  }
}
/* The place pos (reached by the lexer, no gap recorded after it yet). */
static inline acr_jmark acr_jlex_mark(const acr_jlex *x,
                                      const unsigned char *pos) {
  acr_jmark m;
  m.off = (size_t)(pos - x->s);
  m.gap = x->cap->len / sizeof(acr_jgap);
  return m;
}
/* Appends to out the text from mark a to byte offset end (a place the
 * lexer has passed, the capture's gaps in gaps, which may have ended),
 * minified: the recorded gaps left out.  ACR_OK or ACR_EMEMORY. */
ACR_HIDDEN acr_status acr_jlex_capture_copy(const acr_jlex *x,
                                            const acr_buf *gaps, acr_jmark a,
                                            size_t end, acr_buf *out);

/* Cold paths of acr_jlex_next_in: the error token. */
ACR_HIDDEN acr_jtok acr_jlex_fail(acr_jlex *x, acr_status st,
                                  const unsigned char *pos, const char *msg);
ACR_HIDDEN acr_jtok acr_jlex_expected(acr_jlex *x, const unsigned char *p,
                                      const char *what);
ACR_HIDDEN acr_jtok acr_jlex_too_deep(acr_jlex *x, const unsigned char *p);

/* The one whitespace skipper of the lexer: a gap is reported to a
 * capture. */
static inline const unsigned char *acr_jlex_ws(acr_jlex *x,
                                               const unsigned char *p) {
  const unsigned char *q = acr_jskip_ws(p, x->e);
  if (x->cap != NULL && q != p) acr_jlex_capture_gap(x, p, q);
  return q;
}

#if defined(__GNUC__)
#  define ACR_JLEX_INLINE static __inline__ __attribute__((always_inline))
#else
#  define ACR_JLEX_INLINE static inline
#endif

/* The token [p, q) of kind t. */
ACR_JLEX_INLINE acr_jtok acr_jlex_token(acr_jlex *x, acr_jtok t,
                                        const unsigned char *p,
                                        const unsigned char *q) {
  x->tok = t;
  x->off = (size_t)(p - x->s);
  x->text = (const char *)p;
  x->len = (size_t)(q - p);
  x->p = q;
  x->ntok++;
  return t;
}

/* The pieces of acr_jlex_next, each from p (where a token starts, after
 * whitespace): the lexer's one implementation, put together by
 * acr_jlex_next_in and by the fast paths below. */

/* The member name [p, q) (its quotes included) is lexed: then ':'. */
ACR_JLEX_INLINE acr_jtok acr_jlex_key_colon(acr_jlex *x,
                                            const unsigned char *p,
                                            const unsigned char *q) {
  const unsigned char *c = acr_jlex_ws(x, q);
  x->text = (const char *)p + 1;
  x->len = (size_t)(q - p) - 2;
  if (c >= x->e || *c != ':') {
    acr_jlex_expected(x, c, "':' after object member name");
    x->err_key = 1;
    return ACR_JT_ERROR;
  }
  x->tok = ACR_JT_KEY;
  x->off = (size_t)(p - x->s);
  x->p = c + 1;
  x->ntok++;
  x->state = ACR_JS_VALUE;
  return ACR_JT_KEY;
}

/* A member name at p (its opening quote), then ':'. */
ACR_JLEX_INLINE acr_jtok acr_jlex_key_at(acr_jlex *x,
                                         const unsigned char *p) {
  const unsigned char *q;
  if ((q = acr_jscan_str(p, x->e, &x->esc, &x->serr)) == NULL)
    return acr_jlex_fail(x, ACR_ESYNTAX, x->serr.pos, x->serr.msg);
  return acr_jlex_key_colon(x, p, q);
}

/* The close at p ('}' or ']', matching the open container). */
ACR_JLEX_INLINE acr_jtok acr_jlex_close_at(acr_jlex *x,
                                           const unsigned char *p) {
  x->depth--;
  x->state = ACR_JS_AFTER;
  return acr_jlex_token(x, *p == '}' ? ACR_JT_OBJECT_END : ACR_JT_ARRAY_END,
                        p, p + 1);
}

/* A value at p. */
ACR_JLEX_INLINE acr_jtok acr_jlex_value_at(acr_jlex *x,
                                           const unsigned char *p) {
  const unsigned char *q, *e = x->e;
  if (p >= e) return acr_jlex_expected(x, p, "a JSON value");
  x->state = ACR_JS_AFTER;
  switch (*p) {
  case '"':
    if ((q = acr_jscan_str(p, e, &x->esc, &x->serr)) == NULL)
      return acr_jlex_fail(x, ACR_ESYNTAX, x->serr.pos, x->serr.msg);
    acr_jlex_token(x, ACR_JT_STRING, p, q);
    x->text = (const char *)p + 1;
    x->len = (size_t)(q - p) - 2;
    return ACR_JT_STRING;
  case '{':
  case '[': {
    int obj = *p == '{';
    size_t i = x->depth;
    if (i + 1 > x->maxdepth) return acr_jlex_too_deep(x, p);
    if (obj) x->kinds[i >> 3] |= (unsigned char)(1u << (i & 7));
    else x->kinds[i >> 3] &= (unsigned char)~(1u << (i & 7));
    x->depth++;
    x->state = obj ? ACR_JS_OBJ_FIRST : ACR_JS_ARR_FIRST;
    return acr_jlex_token(x, obj ? ACR_JT_OBJECT : ACR_JT_ARRAY, p, p + 1);
  }
  case 't':
    if (e - p >= 4 && memcmp(p, "true", 4) == 0)
      return acr_jlex_token(x, ACR_JT_TRUE, p, p + 4);
    break;
  case 'f':
    if (e - p >= 5 && memcmp(p, "false", 5) == 0)
      return acr_jlex_token(x, ACR_JT_FALSE, p, p + 5);
    break;
  case 'n':
    if (e - p >= 4 && memcmp(p, "null", 4) == 0)
      return acr_jlex_token(x, ACR_JT_NULL, p, p + 4);
    break;
  default:
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
      if ((q = acr_jscan_num(p, e, &x->serr)) == NULL)
        return acr_jlex_fail(x, ACR_ESYNTAX, x->serr.pos, x->serr.msg);
      return acr_jlex_token(x, ACR_JT_NUMBER, p, q);
    }
    return acr_jlex_expected(x, p, "a JSON value");
  }
  /* t, f or n that starts no literal */
  acr_jscan_lit(p, e, &x->serr);
  return acr_jlex_fail(x, ACR_ESYNTAX, x->serr.pos, x->serr.msg);
}

/* In an object (after its '{' or one of its members): ',' and the next
 * member name, or the close. */
ACR_JLEX_INLINE acr_jtok acr_jlex_member_at(acr_jlex *x,
                                            const unsigned char *p) {
  const unsigned char *e = x->e;
  if (x->state == ACR_JS_OBJ_FIRST) {
    if (p < e && *p == '}') return acr_jlex_close_at(x, p);
    if (p >= e || *p != '"')
      return acr_jlex_expected(x, p, "'\"' or '}' after '{'");
    return acr_jlex_key_at(x, p);
  }
  if (p < e && *p == ',') {
    p = acr_jlex_ws(x, p + 1);
    x->comma = 1;
    if (p >= e || *p != '"')
      return acr_jlex_expected(x, p, "'\"' (a member name) after ','");
    return acr_jlex_key_at(x, p);
  }
  if (p < e && *p == '}') return acr_jlex_close_at(x, p);
  return acr_jlex_expected(x, p, "',' or '}' after object member");
}

/* In an array (after its '[' or one of its items): ',' and the next item,
 * or the close. */
ACR_JLEX_INLINE acr_jtok acr_jlex_item_at(acr_jlex *x,
                                          const unsigned char *p) {
  const unsigned char *e = x->e;
  if (x->state == ACR_JS_ARR_FIRST) {
    if (p < e && *p == ']') return acr_jlex_close_at(x, p);
    return acr_jlex_value_at(x, p);
  }
  if (p < e && *p == ',') {
    p = acr_jlex_ws(x, p + 1);
    x->comma = 1;
    return acr_jlex_value_at(x, p);
  }
  if (p < e && *p == ']') return acr_jlex_close_at(x, p);
  return acr_jlex_expected(x, p, "',' or ']' after array element");
}

/* The next token: acr_jlex_next is this, out of line. */
ACR_JLEX_INLINE acr_jtok acr_jlex_next_in(acr_jlex *x) {
  const unsigned char *p;
  if (x->tok == ACR_JT_ERROR) return ACR_JT_ERROR;
  p = acr_jlex_ws(x, x->p);
  x->comma = 0;
  x->esc = 0;
  switch (x->state) {
  case ACR_JS_AFTER:
    if (x->depth == 0) break;
    {
      size_t i = x->depth - 1;
      if ((x->kinds[i >> 3] >> (i & 7)) & 1) return acr_jlex_member_at(x, p);
    }
    return acr_jlex_item_at(x, p);
  case ACR_JS_OBJ_FIRST:
    return acr_jlex_member_at(x, p);
  case ACR_JS_KEY:
    if (p >= x->e || *p != '"')
      return acr_jlex_expected(x, p, "'\"' (a member name) after ','");
    return acr_jlex_key_at(x, p);
  case ACR_JS_ARR_FIRST:
    return acr_jlex_item_at(x, p);
  case ACR_JS_VALUE:
    return acr_jlex_value_at(x, p);
  default:
    break;
  }
  /* the value is complete */
  x->state = ACR_JS_DONE;
  if (!(x->flags & ACR_JLEX_VALUE) && p < x->e)
    return acr_jlex_expected(x, p, "end of input after the JSON value");
  x->p = p;
  x->off = (size_t)(p - x->s);
  x->len = 0;
  return x->tok = ACR_JT_END;
}

/* Fast paths for a caller that knows where it is (the schema reader):
 * the same tokens as acr_jlex_next, without asking the state.
 *  - acr_jlex_next_value: after a member name (ACR_JT_KEY), its value;
 *  - acr_jlex_next_member: in an object, the next member name or '}';
 *  - acr_jlex_next_item: in an array, the next item or ']'.
 * None may follow an error token. */
ACR_JLEX_INLINE acr_jtok acr_jlex_next_value(acr_jlex *x) {
  const unsigned char *p = acr_jlex_ws(x, x->p);
  x->comma = 0;
  return acr_jlex_value_at(x, p);
}
ACR_JLEX_INLINE acr_jtok acr_jlex_next_member(acr_jlex *x) {
  const unsigned char *p = acr_jlex_ws(x, x->p);
  x->comma = 0;
  return acr_jlex_member_at(x, p);
}
/* a[0..n) == b[0..n), by words that overlap at the end rather than a
 * byte loop: every read stays within the n bytes of both. */
ACR_JLEX_INLINE int acr_jbytes_eq(const char *a, const char *b, size_t n) {
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
  return n == 0 || a[0] == b[0];
}

/* In an object: past the ',' (if any) to where the next member name is
 * due.  Returns ACR_JT_KEY with *at on its opening quote (nothing lexed
 * yet: the caller goes on with acr_jlex_key_at or acr_jlex_key_colon), or
 * the token met instead ('}' or the error). */
ACR_JLEX_INLINE acr_jtok acr_jlex_member_quote(acr_jlex *x,
                                               const unsigned char **at) {
  const unsigned char *p = acr_jlex_ws(x, x->p), *e = x->e;
  x->comma = 0;
  if (x->state != ACR_JS_OBJ_FIRST) {
    if (p >= e || *p != ',') return acr_jlex_member_at(x, p);
    p = acr_jlex_ws(x, p + 1);
    x->comma = 1;
    if (p >= e || *p != '"')
      return acr_jlex_expected(x, p, "'\"' (a member name) after ','");
  } else if (p >= e || *p != '"') {
    return acr_jlex_member_at(x, p);
  }
  *at = p;
  return ACR_JT_KEY;
}

/* Is the member name at p (its opening quote) name (n bytes of plain
 * ASCII: no quote, backslash or control character) written as it is? */
ACR_JLEX_INLINE int acr_jlex_name_is(const acr_jlex *x,
                                     const unsigned char *p,
                                     const char *name, size_t n) {
  return (size_t)(x->e - p) > n + 1 && p[n + 1] == '"' &&
         acr_jbytes_eq((const char *)p + 1, name, n);
}

/* The member name at p, known to be n bytes of plain ASCII written as it
 * is (acr_jlex_name_is): taken without scanning it, then ':'. */
ACR_JLEX_INLINE acr_jtok acr_jlex_key_known(acr_jlex *x,
                                            const unsigned char *p,
                                            size_t n) {
  x->esc = 0;
  return acr_jlex_key_colon(x, p, p + n + 2);
}

ACR_JLEX_INLINE acr_jtok acr_jlex_next_item(acr_jlex *x) {
  const unsigned char *p = acr_jlex_ws(x, x->p);
  x->comma = 0;
  return acr_jlex_item_at(x, p);
}

/* acr_json_equal, where with nulls_absent a member whose value is null
 * counts as absent (null means absent for the model): the round-trip rule
 * "decode then encode gives the same value, nulls aside". */
ACR_HIDDEN int acr_json_equal_ex(const char *a, size_t an, const char *b,
                                 size_t bn, int nulls_absent);

#endif

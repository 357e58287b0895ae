/*
 * acr_json_lex.h -- the one JSON lexer of the library (internal, hidden).
 *
 * Two layers, one file each side of this header (acr_json_lex.c):
 *  - scanners: one token's text at a time (string, number, literal,
 *    whitespace), with every check RFC 8259 asks (UTF-8, escapes,
 *    surrogates, number grammar).  The schema reader (acr_json_read.c)
 *    drives them directly: it knows what it expects at each step.  The
 *    string scanner's fast path is inline here: it is the reader's hot loop.
 *  - a pull lexer (acr_jlex): next token with its position, the grammar
 *    between tokens checked (',' and ':' consumed, containers matched,
 *    nesting within ACR_MAX_DEPTH), so a caller walks any JSON value
 *    token by token without a tree.  Used for schema-less values (unknown
 *    fields: validation and minification), for semantic equality
 *    (acr_json_equal.c) and by the binding to turn kept JSON into Lua
 *    values.
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
  /* grammar */
  unsigned flags;
  int state;
  size_t depth, maxdepth;
  unsigned char kinds[ACR_MAX_DEPTH / 8 + 1]; /* bit set: an object */
  /* the error, when tok == ACR_JT_ERROR */
  acr_status st; /* ACR_ESYNTAX or ACR_ELIMIT */
  size_t err_off;
  char msg[128]; /* the reason only, no position */
} acr_jlex;

/* Starts lexing text[0..len).  max_depth: nesting limit, at most (and 0
 * means) ACR_MAX_DEPTH; flags: ACR_JLEX_*. */
ACR_HIDDEN void acr_jlex_init(acr_jlex *x, const char *text, size_t len,
                              size_t max_depth, unsigned flags);
/* Lexing from text that starts after a complete value inside nobjects
 * open objects (at most ACR_MAX_DEPTH): the rest of a text whose start was
 * read elsewhere.  The next token is ',', a member name after it, or a
 * close; the lexer stops (ACR_JT_END) when the last object closes. */
ACR_HIDDEN void acr_jlex_resume(acr_jlex *x, const char *text, size_t len,
                                size_t nobjects);
/* Appends the current token to out as minified JSON: the ',' that came
 * before it, strings and keys quoted (escapes kept), ':' after a key.
 * ACR_OK or ACR_EMEMORY. */
ACR_HIDDEN acr_status acr_jlex_append(const acr_jlex *x, acr_buf *out);
/* The next token (also stored in x->tok). */
ACR_HIDDEN acr_jtok acr_jlex_next(acr_jlex *x);
/* After a token that starts a value (x->tok), skips to its end: for '{' or
 * '[' to the matching close.  ACR_OK, or the lexer's error status. */
ACR_HIDDEN acr_status acr_jlex_skip(acr_jlex *x);
/* Line and column (1-based) of byte offset off in text. */
ACR_HIDDEN void acr_jlex_locate(const char *text, size_t len, size_t off,
                                long *line, long *column);

/* acr_json_equal, where with nulls_absent a member whose value is null
 * counts as absent (null means absent for the model): the round-trip rule
 * "decode then encode gives the same value, nulls aside". */
ACR_HIDDEN int acr_json_equal_ex(const char *a, size_t an, const char *b,
                                 size_t bn, int nulls_absent);

#endif

/*
 * acr_json_equal.c -- semantic equality of two JSON texts.
 *
 * Unknown fields are kept as JSON text.  The same value can reach a run as
 * the server's text (decode) or as text written from a Lua table
 * (from_table), with other member order, escapes or number spelling, so
 * equality compares meaning: objects as unordered maps, numbers as exact
 * decimals, strings after unescaping.  The texts are walked with the
 * library's one lexer (acr_json_lex.h); nesting is bounded by ACR_MAX_DEPTH
 * like everywhere else (deeper values are unequal).
 */
#include "acr_json_lex.h"

#include <string.h>

/* A string body being read: [p, e), escapes not undone. */
typedef struct cur {
  const char *p, *e;
} cur;

/* Next code point of a string body; -1 at its end. Raw bytes are returned as they are. */
static long next_char(cur *c) {
  unsigned char ch;
  if (c->p >= c->e) return -1;
  ch = (unsigned char)*c->p;
  if (ch != '\\') {
    c->p++;
    return 0x100 + ch; /* raw byte, distinct from escaped code points */
  }
  c->p += 2;
  switch (c->p[-1]) {
  case 'b': return '\b';
  case 'f': return '\f';
  case 'n': return '\n';
  case 'r': return '\r';
  case 't': return '\t';
  case 'u': {
    unsigned u = acr_hex4(c->p);
    c->p += 4;
    if (u >= 0xD800 && u < 0xDC00 && c->e - c->p >= 6 && c->p[0] == '\\' &&
        c->p[1] == 'u') {
      unsigned lo = acr_hex4(c->p + 2);
      c->p += 6;
      u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
    }
    return (long)u;
  }
  default:
    return (unsigned char)c->p[-1];
  }
}

/* Compare characters as code points: a raw UTF-8 sequence and its \u
 * escape must be equal, so raw bytes are decoded here. */
static long next_cp(cur *c) {
  long ch = next_char(c);
  if (ch >= 0x100 && ch < 0x200) {
    unsigned b = (unsigned)(ch - 0x100);
    int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
    long cp = extra == 3 ? (b & 7) : extra == 2 ? (b & 15)
            : extra == 1 ? (b & 31) : (long)b;
    while (extra-- > 0 && c->p < c->e)
      cp = (cp << 6) | ((unsigned char)*c->p++ & 0x3F);
    return cp;
  }
  return ch;
}

static int string_equal(const acr_jlex *x, const acr_jlex *y) {
  cur a, b;
  if (!x->esc && !y->esc)
    return x->len == y->len && memcmp(x->text, y->text, x->len) == 0;
  a.p = x->text;
  a.e = x->text + x->len;
  b.p = y->text;
  b.e = y->text + y->len;
  for (;;) {
    long c1 = next_cp(&a), c2 = next_cp(&b);
    if (c1 != c2) return 0;
    if (c1 < 0) return 1;
  }
}

/* A number as sign, significant digits (no leading/trailing zeros) and the
 * decimal exponent of the first digit: exact comparison, no floats. */
typedef struct num {
  int neg;
  char digits[64];
  size_t nd;
  long exp;
  int overflow;
} num;

static void parse_num(const char *text, size_t len, num *n) {
  cur cc, *c = &cc;
  cc.p = text;
  cc.e = text + len;
  long intdigits = 0, e = 0;
  int esign = 1, seen_nonzero = 0;
  memset(n, 0, sizeof *n);
  if (c->p < c->e && *c->p == '-') {
    n->neg = 1;
    c->p++;
  }
  while (c->p < c->e && *c->p >= '0' && *c->p <= '9') {
    if (*c->p != '0' || seen_nonzero) {
      seen_nonzero = 1;
      if (n->nd < sizeof n->digits) n->digits[n->nd++] = *c->p;
      else n->overflow = 1;
      intdigits++;
    }
    c->p++;
  }
  if (c->p < c->e && *c->p == '.') {
    c->p++;
    while (c->p < c->e && *c->p >= '0' && *c->p <= '9') {
      if (*c->p != '0' || seen_nonzero) {
        seen_nonzero = 1;
        if (n->nd < sizeof n->digits) n->digits[n->nd++] = *c->p;
        else n->overflow = 1;
      } else {
        intdigits--; /* leading zeros after the point */
      }
      c->p++;
    }
  }
  if (c->p < c->e && (*c->p == 'e' || *c->p == 'E')) {
    c->p++;
    if (c->p < c->e && (*c->p == '+' || *c->p == '-')) {
      if (*c->p == '-') esign = -1;
      c->p++;
    }
    while (c->p < c->e && *c->p >= '0' && *c->p <= '9') {
      if (e < 100000000L) e = e * 10 + (*c->p - '0');
      c->p++;
    }
  }
  while (n->nd > 0 && n->digits[n->nd - 1] == '0') n->nd--;
  if (n->nd == 0) {
    n->neg = 0; /* -0 == 0 */
    n->exp = 0;
  } else {
    n->exp = intdigits + esign * e;
  }
}

static int number_equal(const acr_jlex *x, const acr_jlex *y) {
  num a, b;
  parse_num(x->text, x->len, &a);
  parse_num(y->text, y->len, &b);
  return !a.overflow && !b.overflow && a.neg == b.neg && a.nd == b.nd &&
         a.exp == b.exp && memcmp(a.digits, b.digits, a.nd) == 0;
}

static int value_equal(acr_jlex *x, acr_jlex *y, int depth, int nulls);

/* x and y at '{'.  Each member of x is looked up in y's object by a
 * second lexer over it (members are few: unknown fields are small). */
static int object_equal(acr_jlex *x, acr_jlex *y, int depth, int nulls) {
  const char *bobj = y->text;
  size_t blen = (size_t)((const char *)y->e - bobj), na = 0, nb = 0;
  acr_jtok t;
  /* y's members counted, y moved past its object */
  while ((t = acr_jlex_next(y)) == ACR_JT_KEY) {
    if (acr_jlex_next(y) != ACR_JT_NULL || !nulls) nb++;
    if (acr_jlex_skip(y) != ACR_OK) return 0;
  }
  if (t != ACR_JT_OBJECT_END) return 0;
  while ((t = acr_jlex_next(x)) == ACR_JT_KEY) {
    acr_jlex z, k = *x; /* k: the key token */
    int found = 0;
    if (acr_jlex_next(x) == ACR_JT_NULL && nulls) continue; /* absent */
    na++;
    acr_jlex_init(&z, bobj, blen, ACR_MAX_DEPTH, ACR_JLEX_VALUE);
    acr_jlex_next(&z); /* '{' */
    while (acr_jlex_next(&z) == ACR_JT_KEY) {
      int same = string_equal(&k, &z);
      acr_jlex_next(&z);
      if (same && !(nulls && z.tok == ACR_JT_NULL)) {
        if (!value_equal(x, &z, depth + 1, nulls)) return 0;
        found = 1;
        break;
      }
      if (acr_jlex_skip(&z) != ACR_OK) return 0;
    }
    if (!found) return 0;
  }
  return t == ACR_JT_OBJECT_END && na == nb;
}

/* x and y at the first token of a value each; on a true return, each is
 * at the last token of its value. */
static int value_equal(acr_jlex *x, acr_jlex *y, int depth, int nulls) {
  acr_jtok tx = x->tok, ty = y->tok;
  if (depth > ACR_MAX_DEPTH || tx == ACR_JT_ERROR || ty == ACR_JT_ERROR ||
      tx != ty)
    return 0;
  switch (tx) {
  case ACR_JT_NUMBER: return number_equal(x, y);
  case ACR_JT_STRING: return string_equal(x, y);
  case ACR_JT_OBJECT: return object_equal(x, y, depth, nulls);
  case ACR_JT_ARRAY:
    for (;;) {
      acr_jtok a = acr_jlex_next(x), b = acr_jlex_next(y);
      if (a == ACR_JT_ARRAY_END || b == ACR_JT_ARRAY_END) return a == b;
      if (!value_equal(x, y, depth + 1, nulls)) return 0;
    }
  case ACR_JT_TRUE: case ACR_JT_FALSE: case ACR_JT_NULL: return 1;
  default: return 0;
  }
}

int acr_json_equal_ex(const char *a, size_t an, const char *b, size_t bn,
                      int nulls_absent) {
  acr_jlex x, y;
  if (an == bn && memcmp(a, b, an) == 0) return 1;
  acr_jlex_init(&x, a, an, ACR_MAX_DEPTH, ACR_JLEX_VALUE);
  acr_jlex_init(&y, b, bn, ACR_MAX_DEPTH, ACR_JLEX_VALUE);
  acr_jlex_next(&x);
  acr_jlex_next(&y);
  return value_equal(&x, &y, 0, nulls_absent);
}

int acr_json_equal(const char *a, size_t an, const char *b, size_t bn) {
  return acr_json_equal_ex(a, an, b, bn, 0);
}

/*
 * acr_json_equal.c -- semantic equality of two JSON texts.
 *
 * Unknown fields are kept as JSON text.  The same value can reach a run as
 * the server's text (decode) or as text written from a Lua table
 * (from_table), with other member order, escapes or number spelling, so
 * equality compares meaning: objects as unordered maps, numbers as exact
 * decimals, strings after unescaping.  Inputs are already validated.
 */
#include "acr_internal.h"

#include <string.h>

#define MAX_DEPTH 1024

typedef struct cur {
  const char *p, *e;
} cur;

static void ws(cur *c) {
  while (c->p < c->e &&
         (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

/* Skip one value starting at c->p (after whitespace). */
static void skip_value(cur *c) {
  int depth = 0;
  do {
    ws(c);
    if (c->p >= c->e) return;
    switch (*c->p) {
    case '{': case '[':
      depth++;
      c->p++;
      break;
    case '}': case ']':
      depth--;
      c->p++;
      break;
    case ',': case ':':
      c->p++;
      break;
    case '"':
      c->p++;
      while (c->p < c->e && *c->p != '"') c->p += (*c->p == '\\') ? 2 : 1;
      c->p++;
      break;
    default:
      while (c->p < c->e && !strchr(",:]} \t\r\n", *c->p)) c->p++;
      break;
    }
  } while (depth > 0 && c->p < c->e);
}

/* Next code point of a string body (c->p after the opening quote); -1 at
 * the closing quote (consumed). Raw bytes are returned as they are. */
static long next_char(cur *c) {
  unsigned char ch;
  if (c->p >= c->e) return -1;
  ch = (unsigned char)*c->p;
  if (ch == '"') {
    c->p++;
    return -1;
  }
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

static int string_equal(cur *a, cur *b) {
  a->p++;
  b->p++;
  for (;;) {
    long x = next_cp(a), y = next_cp(b);
    if (x != y) return 0;
    if (x < 0) return 1;
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

static void parse_num(cur *c, num *n) {
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

static int value_equal(cur *a, cur *b, int depth);

static int object_equal(cur *a, cur *b, int depth) {
  cur as = *a, bs = *b;
  size_t na = 0, nb = 0;
  /* Count members of b, then look up each member of a in b. */
  skip_value(a);
  skip_value(b);
  {
    cur t = bs;
    t.p++;
    ws(&t);
    while (t.p < t.e && *t.p == '"') {
      nb++;
      skip_value(&t); /* key */
      ws(&t);
      t.p++;          /* : */
      skip_value(&t);
      ws(&t);
      if (t.p < t.e && *t.p == ',') t.p++;
      ws(&t);
    }
  }
  as.p++;
  ws(&as);
  while (as.p < as.e && *as.p == '"') {
    cur key = as, t = bs;
    int found = 0;
    na++;
    skip_value(&as);
    ws(&as);
    as.p++;
    ws(&as);
    t.p++;
    ws(&t);
    while (t.p < t.e && *t.p == '"' && !found) {
      cur k1 = key, k2 = t;
      int same = string_equal(&k1, &k2);
      skip_value(&t);
      ws(&t);
      t.p++;
      ws(&t);
      if (same) {
        cur v1 = as, v2 = t;
        if (!value_equal(&v1, &v2, depth + 1)) return 0;
        found = 1;
      }
      skip_value(&t);
      ws(&t);
      if (t.p < t.e && *t.p == ',') t.p++;
      ws(&t);
    }
    if (!found) return 0;
    skip_value(&as);
    ws(&as);
    if (as.p < as.e && *as.p == ',') as.p++;
    ws(&as);
  }
  return na == nb;
}

static int array_equal(cur *a, cur *b, int depth) {
  a->p++;
  b->p++;
  for (;;) {
    ws(a);
    ws(b);
    if (a->p >= a->e || b->p >= b->e) return 0;
    if (*a->p == ']' || *b->p == ']') {
      int ok = *a->p == ']' && *b->p == ']';
      a->p++;
      b->p++;
      return ok;
    }
    if (!value_equal(a, b, depth + 1)) return 0;
    ws(a);
    ws(b);
    if (a->p < a->e && *a->p == ',') a->p++;
    if (b->p < b->e && *b->p == ',') b->p++;
  }
}

static int value_equal(cur *a, cur *b, int depth) {
  char ta, tb;
  ws(a);
  ws(b);
  if (a->p >= a->e || b->p >= b->e || depth > MAX_DEPTH) return 0;
  ta = *a->p;
  tb = *b->p;
  if (ta == '-' || (ta >= '0' && ta <= '9')) {
    num x, y;
    if (!(tb == '-' || (tb >= '0' && tb <= '9'))) return 0;
    parse_num(a, &x);
    parse_num(b, &y);
    return !x.overflow && !y.overflow && x.neg == y.neg && x.nd == y.nd &&
           x.exp == y.exp && memcmp(x.digits, y.digits, x.nd) == 0;
  }
  if (ta != tb) return 0;
  switch (ta) {
  case '"': return string_equal(a, b);
  case '{': return object_equal(a, b, depth);
  case '[': return array_equal(a, b, depth);
  default: { /* true, false, null */
    size_t n = ta == 'f' ? 5 : 4;
    if ((size_t)(a->e - a->p) < n || (size_t)(b->e - b->p) < n) return 0;
    a->p += n;
    b->p += n;
    return 1;
  }
  }
}

int acr_json_equal(const char *a, size_t an, const char *b, size_t bn) {
  cur x, y;
  if (an == bn && memcmp(a, b, an) == 0) return 1;
  x.p = a;
  x.e = a + an;
  y.p = b;
  y.e = b + bn;
  return value_equal(&x, &y, 0);
}

/*
 * acr_json_write.c -- the JSON writer: runs and run lists to JSON text,
 * walking the schema tables, and the number and string writers every JSON
 * writer of the library uses.
 *
 * Output rules
 *  - Keys in the order of the acr_type tables (spec order); unset fields
 *    are omitted; unknown fields follow the known ones of the same object,
 *    in the order they were read, as their stored (minified) JSON text.
 *  - A run is written as an ARM envelope {"id","name","type","systemData",
 *    "properties":{...}, envelope-level unknown keys} when any envelope
 *    field is set, its shape is not bare (envelope or Azure CLI flat: flat
 *    input is written back as a proper envelope) or it has envelope-level
 *    unknown keys; otherwise as bare RunProperties.
 *  - Profiles: FULL writes everything; REQUEST writes bare properties
 *    without read-only fields (the envelope is read-only) and without
 *    unknown fields at any level; UPDATE writes RunUpdateParameters:
 *    {"isArchiveEnabled": b}, or {} when the run does not set it.
 *  - Strings: '"' and '\' escaped, control characters as \b \f \n \r \t
 *    when they have a short form and \u00XX otherwise (lower-case hex);
 *    every other byte (DEL, UTF-8) is copied unchanged, so the writer
 *    never alters text it cannot know to be wrong.
 *  - Integers in decimal by hand, date-times through acr_datetime_format,
 *    so nothing depends on the C locale.
 *  - indent != NULL: one member or element per line, nested levels
 *    indented by repeating the indent string, ": " after keys, empty
 *    containers as {} and [] (JSON.stringify's layout).  Unknown values
 *    are re-indented the same way; their strings are copied intact.
 */
#include "acr_json_lex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(x)                         \
  do {                                 \
    acr_status st_ = (x);              \
    if (st_ != ACR_OK) return st_;     \
  } while (0)

#if defined(__GNUC__)
#  define INLINE __inline__ __attribute__((always_inline))
#else
#  define INLINE
#endif

/* Room for n more bytes in b. */
#define ROOM(b, n) \
  ((b)->cap - (b)->len >= (n) || acr_buf_reserve((b), (n)) == ACR_OK)

static INLINE acr_status put(acr_buf *b, const char *s, size_t n) {
  if (!ROOM(b, n)) return ACR_EMEMORY;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  return ACR_OK;
}

static INLINE acr_status put1(acr_buf *b, char c) {
  if (!ROOM(b, 1)) return ACR_EMEMORY;
  b->p[b->len++] = c;
  return ACR_OK;
}

#define PUTLIT(b, lit) put((b), (lit), sizeof(lit) - 1)

/* memcpy for the short texts of a run (tags, names, digests): up to 32
 * bytes as two fixed-size moves that may overlap, reading and writing
 * only [s, s + n) and [d, d + n); longer ones through memcpy. */
static INLINE void copy_text(char *d, const char *s, size_t n) {
  if (n >= 8) {
    if (n <= 16) {
      memcpy(d, s, 8);
      memcpy(d + n - 8, s + n - 8, 8);
    } else if (n <= 32) {
      memcpy(d, s, 16);
      memcpy(d + n - 16, s + n - 16, 16);
    } else {
      memcpy(d, s, n);
    }
  } else if (n >= 4) {
    memcpy(d, s, 4);
    memcpy(d + n - 4, s + n - 4, 4);
  } else {
    size_t i;
    for (i = 0; i < n; i++) d[i] = s[i];
  }
}

/* ---- strings ------------------------------------------------------------- */

/* The escape letter of a control character ('u': \u00XX). */
static const char esc_of[32] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    'u', 'u', 'u', 'u'};

/* Bytes that stop the copy: '"', '\\' and < 0x20 (escaped), >= 0x80
 * (checked to be UTF-8), flagged exactly at the lowest such byte of a
 * word. */
#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define HASZERO(x) (((x) - ONES) & ~(x) & HIGHS)
#define ESCMASK(v)                                      \
  (HASZERO((v) ^ (ONES * '"')) | HASZERO((v) ^ (ONES * '\\')) | \
   (((v) - ONES * 0x20) & ~(v) & HIGHS) | ((v) & HIGHS))

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define FIRST_ESC(m) ((size_t)__builtin_ctzll(m) >> 3)
#  if defined(__SSE2__)
#    include <emmintrin.h>
#    define HAVE_SSE2_SCAN 1
#  endif
#endif

/* First byte in [p, e) that needs escaping or is not ASCII, or e. */
static INLINE const unsigned char *find_esc(const unsigned char *p,
                                            const unsigned char *e) {
#ifdef HAVE_SSE2_SCAN
  const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
                c = _mm_set1_epi8(0x1f);
  while (e - p >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    /* v <= 0x1f unsigned  <=>  max(v, 0x1f) == 0x1f */
    int m = _mm_movemask_epi8(_mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                _mm_cmpeq_epi8(_mm_max_epu8(v, c), c))) |
            _mm_movemask_epi8(v);
    if (m) return p + __builtin_ctz((unsigned)m);
    p += 16;
  }
#endif
  while (e - p >= 8) {
    uint64_t v, m;
    memcpy(&v, p, 8);
    if ((m = ESCMASK(v)) != 0) {
#ifdef FIRST_ESC
      return p + FIRST_ESC(m);
#else
      break;
#endif
    }
    p += 8;
  }
  while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
  return p;
}

acr_status acr_json_write_string(acr_buf *out, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  size_t start = out->len;
  if (!ROOM(out, n + 2)) return ACR_EMEMORY;
  out->p[out->len++] = '"';
  for (;;) {
    const unsigned char *q = find_esc(p, e);
    unsigned char c;
    char *o;
    /* room for the rest was reserved: copy the plain run */
    memcpy(out->p + out->len, p, (size_t)(q - p));
    out->len += (size_t)(q - p);
    if (q >= e) break;
    c = *q;
    if (c >= 0x80) { /* never write what the reader refuses */
      size_t len = acr_jutf8_seq(q, e);
      if (len == 0) {
        out->len = start; /* nothing written */
        return ACR_ESCHEMA;
      }
      memcpy(out->p + out->len, q, len);
      out->len += len;
      p = q + len;
      continue;
    }
    /* an escape: 6 bytes at most, then the rest and the closing quote */
    if (!ROOM(out, 6 + (size_t)(e - q))) return ACR_EMEMORY;
    o = out->p + out->len;
    o[0] = '\\';
    if (c == '"' || c == '\\') {
      o[1] = (char)c;
      out->len += 2;
    } else if (esc_of[c] != 'u') {
      o[1] = esc_of[c];
      out->len += 2;
    } else {
      o[1] = 'u';
      o[2] = '0';
      o[3] = '0';
      o[4] = hex[c >> 4];
      o[5] = hex[c & 15];
      out->len += 6;
    }
    p = q + 1;
  }
  out->p[out->len++] = '"';
  return ACR_OK;
}

uint8_t acr_str_flags(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *e = p + n;
  for (;;) {
    size_t len;
    p = find_esc(p, e);
    if (p >= e) return ACR_STR_PLAIN;
    if (*p < 0x80 || (len = acr_jutf8_seq(p, e)) == 0) return 0;
    p += len;
  }
}

/* "s": n bytes known to need no escape. */
static INLINE acr_status put_quoted(acr_buf *b, const char *s, size_t n) {
  char *o;
  if (!ROOM(b, n + 2)) return ACR_EMEMORY;
  o = b->p + b->len;
  o[0] = '"';
  copy_text(o + 1, s, n);
  o[n + 1] = '"';
  b->len += n + 2;
  return ACR_OK;
}

/* A stored string: copied whole when its flags say JSON needs no escape
 * in it (checked once, when it was made), else through the scan. */
static INLINE acr_status write_str(acr_buf *b, const acr_str *s) {
  if (s->flags & ACR_STR_PLAIN) return put_quoted(b, s->s, s->len);
  return acr_json_write_string(b, s->s, s->len);
}

/* ---- writer state -------------------------------------------------------- */

typedef struct jw {
  acr_buf *out;
  const char *indent;
  size_t indlen;
  acr_profile profile;
  acr_encode_shape shape;
  int level;
} jw;

static acr_status newline(jw *W, int level) {
  int i;
  TRY(put1(W->out, '\n'));
  for (i = 0; i < level; i++) TRY(put(W->out, W->indent, W->indlen));
  return ACR_OK;
}

/* Opens a container: '{' or '['; the level rises. */
static INLINE acr_status open_c(jw *W, char c) {
  W->level++;
  return put1(W->out, c);
}

/* Closes a container; empty ones stay on one line ({} / []). */
static INLINE acr_status close_c(jw *W, char c, int empty) {
  W->level--;
  if (W->indent && !empty) TRY(newline(W, W->level));
  return put1(W->out, c);
}

/* Separator before an element: ',' after the first, then the new line. */
static INLINE acr_status element(jw *W, int *first) {
  if (!*first) TRY(put1(W->out, ','));
  *first = 0;
  if (W->indent) TRY(newline(W, W->level));
  return ACR_OK;
}

/* A member name: escaped as any string (unknown keys may need it). */
static acr_status member(jw *W, int *first, const char *name, size_t n) {
  TRY(element(W, first));
  TRY(acr_json_write_string(W->out, name, n));
  return W->indent ? put(W->out, ": ", 2) : put1(W->out, ':');
}

acr_status acr_json_write_int(acr_buf *out, int64_t v) {
  char tmp[24];
  size_t i = sizeof tmp;
  uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
  do {
    tmp[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) tmp[--i] = '-';
  return put(out, tmp + i, sizeof tmp - i);
}

size_t acr_json_format_double(double d, char *buf) {
  int k = 0, prec, i;
  if (d != d || d - d != 0) return 0; /* NaN, infinities */
  if (d == floor(d) && fabs(d) < 1e15) {
    k = snprintf(buf, ACR_NUMBER_TEXT_MAX, "%.0f", d);
  } else {
    /* snprintf and strtod agree on the decimal point (the same locale),
     * so the round trip is tested before the point is made '.' */
    for (prec = 15; prec <= 17; prec++) {
      k = snprintf(buf, ACR_NUMBER_TEXT_MAX, "%.*g", prec, d);
      if (strtod(buf, NULL) == d) break;
    }
  }
  if (k <= 0 || k >= ACR_NUMBER_TEXT_MAX) return 0;
  /* the locale's decimal point (maybe several bytes) becomes '.' */
  for (i = 0; i < k; i++) {
    char c = buf[i];
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' ||
          c == 'E')) {
      int j = i + 1;
      while (j < k && !((buf[j] >= '0' && buf[j] <= '9') || buf[j] == 'e' ||
                        buf[j] == 'E'))
        j++;
      buf[i] = '.';
      memmove(buf + i + 1, buf + j, (size_t)(k - j) + 1);
      k -= j - i - 1;
    }
  }
  return (size_t)k;
}

acr_status acr_json_write_double(acr_buf *out, double d) {
  char tmp[ACR_NUMBER_TEXT_MAX];
  size_t n = acr_json_format_double(d, tmp);
  if (n == 0) return ACR_ESCHEMA;
  return put(out, tmp, n);
}

/* JSON text of an unknown field: as stored when compact; re-indented at
 * the current level when pretty (whitespace outside strings dropped). */
static acr_status write_json_text(jw *W, const char *s, size_t n) {
  size_t i = 0;
  int level = W->level;
  if (!W->indent) return put(W->out, s, n);
  while (i < n) {
    char c = s[i];
    size_t j;
    switch (c) {
    case '"':
      j = i + 1;
      while (j < n && s[j] != '"') j += (s[j] == '\\') ? 2 : 1;
      if (j < n) j++;
      if (j > n) j = n;
      TRY(put(W->out, s + i, j - i));
      i = j;
      break;
    case '{':
    case '[': {
      char close = c == '{' ? '}' : ']';
      j = i + 1;
      while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' ||
                       s[j] == '\r'))
        j++;
      if (j < n && s[j] == close) {
        TRY(put1(W->out, c));
        TRY(put1(W->out, close));
        i = j + 1;
      } else {
        TRY(put1(W->out, c));
        TRY(newline(W, ++level));
        i++;
      }
      break;
    }
    case '}':
    case ']':
      if (level > W->level) level--;
      TRY(newline(W, level));
      TRY(put1(W->out, c));
      i++;
      break;
    case ',':
      TRY(put1(W->out, ','));
      TRY(newline(W, level));
      i++;
      break;
    case ':':
      TRY(put(W->out, ": ", 2));
      i++;
      break;
    case ' ': case '\t': case '\n': case '\r':
      i++;
      break;
    default:
      j = i;
      while (j < n && !strchr("\"{}[],: \t\n\r", s[j])) j++;
      if (j == i) j++; /* a NUL byte: strchr matches the terminator */
      TRY(put(W->out, s + i, j - i));
      i = j;
      break;
    }
  }
  return ACR_OK;
}

static acr_status write_unknown(jw *W, const acr_list *u, int *first) {
  uint32_t i;
  if (u == NULL || W->profile == ACR_PROFILE_REQUEST) return ACR_OK;
  for (i = 0; i + 1 < u->n; i += 2) {
    const acr_str *k = (const acr_str *)u->items[i];
    const acr_str *v = (const acr_str *)u->items[i + 1];
    TRY(element(W, first));
    TRY(write_str(W->out, k));
    TRY(W->indent ? put(W->out, ": ", 2) : put1(W->out, ':'));
    TRY(write_json_text(W, v->s, v->len));
  }
  return ACR_OK;
}

static acr_status write_record(jw *W, const acr_type *t, const void *rec);

static acr_status write_value(jw *W, const acr_field *f, const void *rec) {
  const void *slot = (const char *)rec + f->offset;
  switch (f->kind) {
  case ACR_K_STRING: {
    const acr_str *s = *(acr_str *const *)slot;
    return s ? write_str(W->out, s) : PUTLIT(W->out, "\"\"");
  }
  case ACR_K_ENUM: {
    const acr_enumval *v = (const acr_enumval *)slot;
    if (v->raw != NULL) return write_str(W->out, v->raw);
    if (v->code >= 0 && v->code < f->enumdef->count) /* names: plain ASCII */
      return put_quoted(W->out, f->enumdef->values[v->code],
                        f->enumdef->lengths[v->code]);
    return PUTLIT(W->out, "\"\"");
  }
  case ACR_K_DATETIME: {
    char buf[ACR_DATETIME_TEXT_MAX + 2];
    size_t n = acr_datetime_format((const acr_datetime *)slot, buf + 1);
    buf[0] = '"';
    buf[n + 1] = '"';
    return put(W->out, buf, n + 2);
  }
  case ACR_K_BOOL:
    return *(const uint8_t *)slot ? PUTLIT(W->out, "true")
                                  : PUTLIT(W->out, "false");
  case ACR_K_INT32:
    return acr_json_write_int(W->out, *(const int32_t *)slot);
  case ACR_K_RECORD: {
    const void *sub = *(void *const *)slot;
    if (sub == NULL) return PUTLIT(W->out, "{}");
    return write_record(W, f->sub, sub);
  }
  case ACR_K_RECORD_LIST:
  case ACR_K_STRING_LIST: {
    const acr_list *l = *(acr_list *const *)slot;
    uint32_t i;
    int first = 1;
    TRY(open_c(W, '['));
    for (i = 0; l && i < l->n; i++) {
      TRY(element(W, &first));
      if (f->kind == ACR_K_RECORD_LIST) {
        TRY(write_record(W, f->sub, l->items[i]));
      } else {
        TRY(write_str(W->out, (const acr_str *)l->items[i]));
      }
    }
    return close_c(W, ']', first);
  }
  default:
    return PUTLIT(W->out, "null");
  }
}

/* The presence bits of the Run's envelope fields (ACR_F_ENVELOPE). */
#define ENVBIT(R, s, ID, name, KIND, flags, arg) \
  | (((flags) & ACR_F_ENVELOPE) ? 1u << ACR_##R##_##ID : 0u)
static const uint32_t run_envelope = 0u ACR_RUN_FIELDS(ENVBIT, RUN, runrec);
#undef ENVBIT

/* Index of the lowest bit set in m (m != 0). */
static INLINE unsigned low_bit(uint32_t m) {
#if defined(__GNUC__)
  return (unsigned)__builtin_ctz(m);
#else
  unsigned i = 0;
  while (!(m & 1u)) m >>= 1, i++;
  return i;
#endif
}

/* The member names of the records of acr.h as compact JSON text, "name":,
 * in KEYW bytes each (zero padded), so that one is copied with a fixed-size
 * move; the compiler refuses a name that does not fit. */
#define KEYW 32
#define X_KEY(R, s, ID, name, KIND, flags, arg) "\"" #name "\":",
#define X_KEYS(R, s, t, label, FIELDS) \
  static const char keys_##t[][KEYW] = {FIELDS(X_KEY, R, s)};
ACR_RECORDS(X_KEYS)
#undef X_KEYS
#undef X_KEY

/* The key table of t, or NULL (the request records: written by member). */
static const char (*keys_of(const acr_type *t))[KEYW] {
#define X_KEYOF(R, s, t_, label, FIELDS) \
  if (t == &acr_type_##t_) return keys_##t_;
  ACR_RECORDS(X_KEYOF)
#undef X_KEYOF
  return NULL;
}

/* Starts a compact member at the end of b, whose room for KEYW more
 * bytes than it keeps was reserved: the comma unless first, then key. */
static INLINE char *put_key(acr_buf *b, int *first, const char *key,
                            size_t keylen) {
  char *o = b->p + b->len;
  *o = ',';
  o += !*first;
  *first = 0;
  memcpy(o, key, KEYW);
  return o + keylen;
}

/* Writes the fields of rec whose presence bits are in m, in spec order,
 * honouring the profile.  Compact, a member name is one fixed-size copy,
 * and a plain string field, the commonest, one step: ,"name":"text". */
static acr_status write_fields(jw *W, const acr_type *t, const void *rec,
                               uint32_t m, int *first) {
  const char(*keys)[KEYW] = W->indent ? NULL : keys_of(t);
  acr_buf *b = W->out;
  while (m) {
    unsigned i = low_bit(m);
    const acr_field *f = &t->fields[i];
    size_t keylen = (size_t)f->namelen + 3;
    const acr_str *s =
        f->kind == ACR_K_STRING
            ? *(acr_str *const *)((const char *)rec + f->offset)
            : NULL;
    m &= m - 1;
    if (W->profile == ACR_PROFILE_REQUEST && (f->flags & ACR_F_READONLY))
      continue;
    if (keys == NULL) {
      TRY(member(W, first, f->name, f->namelen));
    } else if (s != NULL && (s->flags & ACR_STR_PLAIN)) {
      char *o;
      if (!ROOM(b, KEYW + 3 + (size_t)s->len)) return ACR_EMEMORY;
      o = put_key(b, first, keys[i], keylen);
      *o++ = '"';
      copy_text(o, s->s, s->len);
      o += s->len;
      *o++ = '"';
      b->len = (size_t)(o - b->p);
      continue;
    } else {
      if (!ROOM(b, KEYW + 1)) return ACR_EMEMORY;
      b->len = (size_t)(put_key(b, first, keys[i], keylen) - b->p);
    }
    TRY(write_value(W, f, rec));
  }
  return ACR_OK;
}

/* The presence bits of rec that name fields of t. */
static INLINE uint32_t present_of(const acr_type *t, const void *rec) {
  uint32_t all = t->nfields >= 32 ? ~0u : (1u << t->nfields) - 1u;
  return ((const acr_rechdr *)rec)->present & all;
}

static acr_status write_record(jw *W, const acr_type *t, const void *rec) {
  int first = 1;
  TRY(open_c(W, '{'));
  TRY(write_fields(W, t, rec, present_of(t, rec), &first));
  TRY(write_unknown(W, ((const acr_rechdr *)rec)->unknown, &first));
  return close_c(W, '}', first);
}

static int is_envelope(const acr_run *r) {
  return (r->rec.h.present & run_envelope) != 0 ||
         r->shape != ACR_SHAPE_BARE ||
         (r->env_unknown != NULL && r->env_unknown->n > 0);
}

/* The shape of r without its task run.  A run with unknown fields but no
 * field of a run is written as an envelope: bare, it would not be read
 * back as a run. */
static acr_encode_shape own_shape(const acr_run *r) {
  if (r->shape == ACR_SHAPE_FLAT) return ACR_ENCODE_CLI;
  if (is_envelope(r) || (r->rec.h.present == 0 && r->rec.h.unknown != NULL &&
                         r->rec.h.unknown->n > 0))
    return ACR_ENCODE_ENVELOPE;
  return ACR_ENCODE_BARE;
}

acr_encode_shape acr_run_written_shape(const acr_run *r) {
  if (r->taskrun != NULL && r->taskrun->n >= 2) return ACR_ENCODE_TASKRUN;
  return own_shape(r);
}

/* The shape r is written in (profile FULL). */
static acr_encode_shape shape_of(const jw *W, const acr_run *r) {
  if (W->shape != ACR_ENCODE_AS_READ) return W->shape;
  return acr_run_written_shape(r);
}

static acr_status write_run_as(jw *W, const acr_run *r,
                               acr_encode_shape shape);

/* The task run r came from, r in its own shape at the runResult: the
 * levels' texts are minified JSON, so pretty output is written compact
 * first and re-indented as a whole. */
static acr_status write_taskrun(jw *W, const acr_run *r) {
  const acr_list *t = r->taskrun;
  acr_encode_shape inner = own_shape(r);
  uint32_t i;
  if (t == NULL || t->n < 2) return ACR_EMISUSE;
  if (W->indent) {
    jw C = *W;
    acr_buf tmp;
    acr_status st;
    acr_buf_init(&tmp, &W->out->alloc);
    C.out = &tmp;
    C.indent = NULL;
    C.indlen = 0;
    C.level = 0;
    st = write_taskrun(&C, r);
    if (st == ACR_OK) st = write_json_text(W, tmp.p, tmp.len);
    acr_buf_free(&tmp);
    return st;
  }
  for (i = 0; i + 1 < t->n; i += 2) {
    const acr_str *pre = (const acr_str *)t->items[i];
    TRY(put(W->out, pre->s, pre->len));
  }
  TRY(write_run_as(W, r, inner));
  for (i = t->n; i >= 2; i -= 2) {
    const acr_str *post = (const acr_str *)t->items[i - 1];
    TRY(put(W->out, post->s, post->len));
  }
  return ACR_OK;
}

acr_status acr_run_taskrun_json(const acr_run *r, acr_buf *out) {
  const acr_list *t = r->taskrun;
  uint32_t i;
  if (t == NULL || t->n < 2) return ACR_EMISUSE;
  for (i = 0; i + 1 < t->n; i += 2) {
    const acr_str *pre = (const acr_str *)t->items[i];
    TRY(put(out, pre->s, pre->len));
  }
  TRY(PUTLIT(out, "null"));
  for (i = t->n; i >= 2; i -= 2) {
    const acr_str *post = (const acr_str *)t->items[i - 1];
    TRY(put(out, post->s, post->len));
  }
  return ACR_OK;
}

static acr_status write_run(jw *W, const acr_run *r) {
  if (W->profile == ACR_PROFILE_FULL)
    return write_run_as(W, r, shape_of(W, r));
  return write_run_as(W, r, ACR_ENCODE_BARE);
}

static acr_status write_run_as(jw *W, const acr_run *r,
                               acr_encode_shape shape) {
  int first = 1;
  uint32_t all = present_of(&acr_type_run, &r->rec);
  uint32_t env = all & run_envelope, props = all & ~run_envelope;
  if (W->profile == ACR_PROFILE_FULL && shape == ACR_ENCODE_TASKRUN)
    return write_taskrun(W, r);
  TRY(open_c(W, '{'));
  if (W->profile == ACR_PROFILE_UPDATE) {
    if (r->rec.h.present & (1u << ACR_RUN_ISARCHIVEENABLED)) {
      TRY(member(W, &first, "isArchiveEnabled", 16));
      TRY(r->rec.isArchiveEnabled ? PUTLIT(W->out, "true")
                                  : PUTLIT(W->out, "false"));
    }
  } else if (W->profile == ACR_PROFILE_FULL && shape == ACR_ENCODE_ENVELOPE) {
    int pfirst = 1;
    TRY(write_fields(W, &acr_type_run, &r->rec, env, &first));
    TRY(member(W, &first, "properties", 10));
    TRY(open_c(W, '{'));
    TRY(write_fields(W, &acr_type_run, &r->rec, props, &pfirst));
    TRY(write_unknown(W, r->rec.h.unknown, &pfirst));
    TRY(close_c(W, '}', pfirst));
    TRY(write_unknown(W, r->env_unknown, &first));
  } else if (W->profile == ACR_PROFILE_FULL && shape == ACR_ENCODE_CLI) {
    /* the Azure CLI's: envelope and properties side by side */
    TRY(write_fields(W, &acr_type_run, &r->rec, env, &first));
    TRY(write_fields(W, &acr_type_run, &r->rec, props, &first));
    TRY(write_unknown(W, r->rec.h.unknown, &first));
    TRY(write_unknown(W, r->env_unknown, &first));
  } else {
    TRY(write_fields(W, &acr_type_run, &r->rec, props, &first));
    TRY(write_unknown(W, r->rec.h.unknown, &first));
  }
  return close_c(W, '}', first);
}

static void jw_init(jw *W, const acr_encode_opts *opts, acr_buf *out) {
  W->out = out;
  W->profile = opts ? opts->profile : ACR_PROFILE_FULL;
  W->indent = opts ? opts->indent : NULL;
  W->indlen = W->indent ? strlen(W->indent) : 0;
  W->shape = opts ? opts->shape : ACR_ENCODE_AS_READ;
  W->level = 0;
}

acr_status acr_json_encode_run(const acr_run *r, const acr_encode_opts *opts,
                               acr_buf *out) {
  jw W;
  jw_init(&W, opts, out);
  return write_run(&W, r);
}

/* Hands what out holds to the sink and empties it. */
static acr_status flush_to(acr_buf *out, acr_write_fn write, void *ud) {
  if (out->len > 0 && write(ud, out->p, out->len) != 0) return ACR_EWRITE;
  out->len = 0;
  return ACR_OK;
}

/* What encode_to hands its sink at a time: written in pieces this big,
 * stdio passes most of each straight to one write(2), and the kernel fills
 * the page cache in large folios (64 KB pieces took 40% longer into an
 * ext4 file here: docs/performance.md). */
#define STREAM_PIECE ((size_t)1024 * 1024)

/* The memory of the runs ahead is asked for before the writer follows its
 * pointers: the header of the run three places on, then the rest of the
 * run two places on, whose header says where it is: a decoded run's exact
 * arena follows its header in the same block (inline_bytes, after the
 * allocator's slot when it has one), what was added later is in its chunks
 * (the newest first; at most PREFETCH_MAX bytes of either).  Waiting on
 * those loads was more than half the writer's time.  Only hints: a
 * prefetch reads nothing and cannot fault, and the addresses are computed
 * as integers, never as pointers past an object. */
#define PREFETCH_AHEAD 2
#define PREFETCH_MAX ((size_t)16 * 1024)
#define PREFETCH_SLOT 64 /* covers the allocator's slot after a header */

static INLINE void prefetch_bytes(uintptr_t a, size_t n) {
#if defined(__GNUC__)
  uintptr_t e = a + (n < PREFETCH_MAX ? n : PREFETCH_MAX);
  for (; a < e; a += 64) __builtin_prefetch((const void *)a, 0, 3);
#else
  (void)a;
  (void)n;
#endif
}

static INLINE void prefetch_run(const acr_runlist *l, size_t i) {
  const acr_run *r;
  if (i + PREFETCH_AHEAD + 1 < l->n)
    prefetch_bytes((uintptr_t)l->runs[i + PREFETCH_AHEAD + 1],
                   sizeof(acr_run));
  if (i + PREFETCH_AHEAD >= l->n) return;
  r = l->runs[i + PREFETCH_AHEAD]; /* its header was asked for before */
  prefetch_bytes((uintptr_t)r + sizeof(acr_run),
                 PREFETCH_SLOT + (size_t)r->inline_bytes);
  if (r->chunks != NULL)
    prefetch_bytes((uintptr_t)r->chunks,
                   (size_t)(r->arena_bytes - r->inline_bytes));
}

/* The RunListResult of l; with a sink (write not NULL), what is written is
 * handed to it between runs once a piece is full. */
static acr_status write_list(jw *W, const acr_runlist *l, acr_write_fn write,
                             void *ud) {
  int first = 1, vfirst = 1;
  size_t i;
  TRY(open_c(W, '{'));
  TRY(member(W, &first, "value", 5));
  TRY(open_c(W, '['));
  for (i = 0; i < l->n && i <= PREFETCH_AHEAD; i++)
    prefetch_bytes((uintptr_t)l->runs[i], sizeof(acr_run));
  for (i = 0; i < l->n; i++) {
    prefetch_run(l, i);
    TRY(element(W, &vfirst));
    TRY(write_run(W, l->runs[i]));
    if (write != NULL && W->out->len >= STREAM_PIECE)
      TRY(flush_to(W->out, write, ud));
  }
  TRY(close_c(W, ']', vfirst));
  if (l->nextLink) {
    TRY(member(W, &first, "nextLink", 8));
    TRY(write_str(W->out, l->nextLink));
  }
  TRY(write_unknown(W, l->unknown, &first));
  return close_c(W, '}', first);
}

acr_status acr_json_encode_list(const acr_runlist *l,
                                const acr_encode_opts *opts, acr_buf *out) {
  jw W;
  size_t i;
  size_t estimate = 64;
  jw_init(&W, opts, out);
  /* Compact JSON of a run is a little smaller than its arena: reserving
   * that much once spares the copies and page faults of growing a buffer of
   * a hundred megabytes by doubling.  Only a hint: failure is not an error
   * here, the writes below report it if memory really runs out. */
  for (i = 0; i < l->n; i++) estimate += l->runs[i]->arena_bytes;
  (void)acr_buf_reserve(out, estimate);
  return write_list(&W, l, NULL, NULL);
}

acr_status acr_json_encode_list_to(const acr_runlist *l,
                                   const acr_encode_opts *opts,
                                   acr_buf *out, acr_write_fn write,
                                   void *ud) {
  jw W;
  if (l == NULL || out == NULL || write == NULL) return ACR_EMISUSE;
  out->len = 0;
  jw_init(&W, opts, out);
  (void)acr_buf_reserve(out, STREAM_PIECE + STREAM_PIECE / 4); /* a hint */
  TRY(write_list(&W, l, write, ud));
  return flush_to(out, write, ud);
}

acr_status acr_json_write_field(acr_buf *out, const acr_field *f,
                                const void *rec) {
  jw W;
  jw_init(&W, NULL, out);
  return write_value(&W, f, rec);
}

acr_status acr_json_write_record(acr_buf *out, const acr_type *t,
                                 const void *rec) {
  jw W;
  jw_init(&W, NULL, out);
  return write_record(&W, t, rec);
}

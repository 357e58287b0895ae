/*
 * acr_json_read.c -- the schema reader, records: the readers of every
 * field kind straight into the model's C structures, nested records and
 * lists, unknown members kept as minified JSON text, the reader's errors,
 * and acr_json_validate (any JSON value, checked and minified).  What a document is (run, task run, list, error body) is
 * acr_json_doc.c's; both share the private state of acr_json_read.h.
 *
 * Tokens come from the one lexer (its inline fast paths), from the
 * first byte of the document to its last: each reader is handed the
 * current token (a value's first) and leaves the lexer after the value.
 * Nothing is read twice:
 *   - a schema error does not stop the reading.  The first one is kept,
 *     the rest of the value that caused it is skipped by reading on (its
 *     first token was already read; a '{' or '[' is read to its close),
 *     and reading goes on to the end, so a syntax error anywhere wins over
 *     a schema error: "is it JSON at all" never depends on where a schema
 *     problem happened to be;
 *   - an unknown member's value is minified as its tokens come.
 * So decoding takes time linear in the input whatever it holds.  Paths are
 * built from a chain of frames on the C stack only when an error is
 * recorded; line and column are counted from the offset only when it is
 * reported.
 *
 * Values: null is absent for every known field; {} and [] are present and
 * empty.  Duplicate keys: the last wins (an unknown one keeps its first
 * position).  Strict mode refuses unknown keys, unknown enum values and
 * duplicates.
 *
 * Speed: string bodies are scanned 16 (SSE2) or 8 (SWAR) bytes at a time
 * by the lexer and copied once, straight into the run's arena; a member
 * name written as a field's is matched in place, the field that came next
 * last time first (jorder), compared by words, and not scanned; enum
 * texts in their canonical spelling and date-times are read without a
 * call per value; nothing is allocated per value besides the arena
 * blocks.
 *
 * Recursion is bounded: records nest as the schema does (a handful of
 * levels); schema-less values are walked iteratively; the lexer holds
 * every value within ACR_MAX_DEPTH.
 */
#include "acr_json_read.h"

typedef unsigned char uchar;
#define INLINE ACR_JR_INLINE

/* ------------------------------------------------------------------------ */
/* State and errors                                                         */
/* ------------------------------------------------------------------------ */

void acr_jr_init(jr *J, const char *text, size_t len, const acr_allocator *a,
                 int strict, int max_depth, unsigned lexflags,
                 jorder *memo) {
  unsigned i;
  /* field by field: the error records are large and written only on an
   * error (a single-run decode would spend its time clearing them) */
  J->tasknest = 0;
  J->es.st = J->pend.st = J->dup.st = ACR_OK;
  J->es.pos = J->pend.pos = J->dup.pos = NULL;
  J->svc = 0;
  J->pool = NULL;
  J->run_hint = 0;
  J->pool_refs = 0;
  J->order = memo;
  if (memo == NULL) {
    J->order = J->own_order;
    for (i = 0; i < JR_ORDER_TYPES; i++) J->order[i].t = NULL;
  }
  if (text == NULL) { /* no arithmetic on NULL */
    text = "";
    len = 0;
  }
  J->s = (const uchar *)text;
  J->e = J->s + len;
  J->a = a;
  J->strict = strict;
  acr_jlex_init(&J->x, text, len,
                max_depth > 0 ? (size_t)max_depth : ACR_MAX_DEPTH, lexflags);
  /* the buffers: empty, no memory yet (most decodes need none of them) */
  acr_buf_init(&J->tmp, a);
  J->key = J->sbuf = J->cap = J->members = J->errs = J->items = J->tmp;
  J->names.len = 0; /* the rest on the first name noted (strict) */
  J->names_ready = 0;
  J->nmembers = 0;
}

#define JR_BUF_FREE(b)             \
  do {                             \
    if ((b).p) acr_buf_free(&(b)); \
  } while (0)

void acr_jr_free(jr *J) {
  if (J->pool) {
    if (J->pool_refs > 0) acr_strpool_retain_n(J->pool, -J->pool_refs);
    acr_strpool_seal(J->pool); /* the runs' pool is immutable from now on */
    acr_strpool_release(J->pool);
  }
  JR_BUF_FREE(J->tmp);
  JR_BUF_FREE(J->key);
  JR_BUF_FREE(J->sbuf);
  JR_BUF_FREE(J->cap);
  JR_BUF_FREE(J->members);
  JR_BUF_FREE(J->errs);
  JR_BUF_FREE(J->items);
  if (J->names_ready) {
    JR_BUF_FREE(J->names);
    JR_BUF_FREE(J->nheads);
    JR_BUF_FREE(J->ncopy);
  }
}

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

/* Records an error.  A schema error does not stop the reading: the first
 * one is kept in J->pend, the value that caused it is skipped and reading
 * goes on, so a later syntax error still wins.  Any other kind stops the
 * reading: the first is kept in J->es. */
int acr_jr_fail(jr *J, const jframe *fr, const uchar *pos, acr_status kind,
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

/* acr_jr_dupfail for the name (n bytes) of any member. */
static ACR_JR_NOINLINE int dupfail_text(jr *J, const jframe *fr,
                                        const uchar *pos, const char *name,
                                        size_t n) {
  jerrstate keep;
  char mt[128];
  int had = J->pend.st != ACR_OK, st;
  if (had) keep = J->pend;
  J->pend.st = ACR_OK;
  st = acr_jr_fail(J, fr, pos, ACR_ESCHEMA, "duplicate key \"%s\"",
                   acr_jr_msgtext(name, n, mt, sizeof mt));
  if (J->dup.st == ACR_OK && J->pend.st != ACR_OK) J->dup = J->pend;
  if (had) J->pend = keep;
  return st;
}

int acr_jr_dupfail(jr *J, const jframe *fr, const uchar *pos,
                   const char *name) {
  return dupfail_text(J, fr, pos, name, strlen(name));
}

/* The text of the name noted n. */
static const char *name_text(const jr *J, const jname *n) {
  return n->copied ? J->ncopy.p + n->off : (const char *)J->s + n->off;
}

/* The chains again, over twice as many heads (all the names noted, in
 * their order: each chain from the last noted to the first). */
static int names_rehash(jr *J) {
  size_t nh = J->nheads.len / sizeof(size_t), i, mask;
  size_t nn = J->names.len / sizeof(jname);
  size_t *heads;
  jname *names = (jname *)(void *)J->names.p;
  if (nh > ((size_t)-1) / (4 * sizeof(size_t))) return ACR_EMEMORY;
  nh = nh ? nh * 2 : 16;
  if (acr_buf_reserve(&J->nheads, nh * sizeof(size_t) - J->nheads.len) !=
      ACR_OK)
    return ACR_EMEMORY;
  J->nheads.len = nh * sizeof(size_t);
  heads = (size_t *)(void *)J->nheads.p;
  mask = nh - 1;
  for (i = 0; i < nh; i++) heads[i] = JR_NAME_NONE;
  for (i = 0; i < nn; i++) {
    size_t h = names[i].hash & mask;
    names[i].next = heads[h];
    heads[h] = i;
  }
  return ACR_OK;
}

int acr_jr_name_once(jr *J, size_t base, const jframe *mf, const uchar *kp,
                     const char *key, size_t klen) {
  uint32_t hash = 2166136261u; /* FNV-1a, as acr_str_hash */
  size_t i, nn = J->names.len / sizeof(jname), *heads, mask;
  jname *n;
  base /= sizeof(jname); /* an index from here on */
  if (!J->names_ready) { /* the first: no name noted yet */
    acr_buf_init(&J->names, J->a);
    J->nheads = J->ncopy = J->names;
    J->names_ready = 1;
  }
  for (i = 0; i < klen; i++) hash = (hash ^ (uchar)key[i]) * 16777619u;
  mask = J->nheads.len / sizeof(size_t);
  if (mask > 0) {
    mask--;
    heads = (size_t *)(void *)J->nheads.p;
    /* the chain holds the names of this object first (those of the
     * objects around it are older) */
    for (i = heads[hash & mask]; i != JR_NAME_NONE && i >= base;
         i = n->next) {
      n = (jname *)(void *)J->names.p + i;
      if (n->hash == hash && n->len == klen &&
          (klen == 0 || memcmp(name_text(J, n), key, klen) == 0))
        return dupfail_text(J, mf, kp, key, klen);
    }
  }
  /* noted: the name's place in the text, or (escapes) a copy */
  if (acr_buf_reserve(&J->names, sizeof(jname)) != ACR_OK)
    return acr_jr_nomem(J, mf, kp);
  n = (jname *)(void *)(J->names.p + J->names.len);
  n->len = klen;
  n->hash = hash;
  n->copied = mf->esc;
  if (mf->esc) {
    n->off = J->ncopy.len;
    if (acr_buf_add(&J->ncopy, key, klen) != ACR_OK)
      return acr_jr_nomem(J, mf, kp);
  } else {
    n->off = (size_t)((const uchar *)key - J->s);
  }
  J->names.len += sizeof(jname);
  if (nn + 1 > J->nheads.len / sizeof(size_t)) { /* at most one a head */
    if (names_rehash(J) != ACR_OK) { /* as it was: no name of n's */
      J->names.len -= sizeof(jname);
      if (n->copied) J->ncopy.len = n->off;
      return acr_jr_nomem(J, mf, kp);
    }
  } else {
    heads = (size_t *)(void *)J->nheads.p;
    mask = J->nheads.len / sizeof(size_t) - 1;
    n->next = heads[hash & mask];
    heads[hash & mask] = nn;
  }
  return ACR_OK;
}

void acr_jr_names_pop_slow(jr *J, size_t base) {
  size_t i = J->names.len / sizeof(jname);
  size_t *heads = (size_t *)(void *)J->nheads.p;
  size_t mask = J->nheads.len / sizeof(size_t) - 1;
  const jname *names = (const jname *)(void *)J->names.p;
  /* the last noted is at the head of its chain */
  while (i > base / sizeof(jname)) {
    const jname *n = &names[--i];
    heads[n->hash & mask] = n->next;
    if (n->copied) J->ncopy.len = n->off;
  }
  J->names.len = base;
}

int acr_jr_nomem(jr *J, const jframe *fr, const uchar *pos) {
  return acr_jr_fail(J, fr, pos, ACR_EMEMORY, "not enough memory");
}

int acr_jr_lexfail(jr *J, const jframe *fr) {
  return acr_jr_fail(J, fr, J->s + J->x.err_off, J->x.st, "%s", J->x.msg);
}

int acr_jr_keyfail(jr *J, const jframe *fr, const jframe *prev) {
  const acr_jlex *x = &J->x;
  if (x->err_key) { /* no ':' after the name: the path names it */
    jframe kf;
    kf.up = fr;
    kf.key = (const uchar *)x->text;
    kf.keylen = x->len;
    kf.esc = x->esc;
    kf.index = 0;
    return acr_jr_lexfail(J, &kf);
  }
  /* no ',' (or '}') after a member: the path names that member */
  return acr_jr_lexfail(J, prev != NULL && !x->comma ? prev : fr);
}

int acr_jr_itemfail(jr *J, jframe *item, int first) {
  /* no ',' (or ']') after an item: the path names that item; else the
   * next item, which did not lex */
  if (first || J->x.comma) item->index++;
  return acr_jr_lexfail(J, item);
}

/* Text s (n bytes) for a message: quoted content with '"', '\' and control
 * characters escaped, cut (on a UTF-8 boundary) with "..." when long. */
const char *acr_jr_msgtext(const char *s, size_t n, char *buf,
                           size_t cap) {
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

const char *acr_jr_kind(acr_jtok t) {
  switch (t) {
  case ACR_JT_STRING: return "a string";
  case ACR_JT_OBJECT: return "an object";
  case ACR_JT_ARRAY: return "an array";
  case ACR_JT_TRUE: case ACR_JT_FALSE: return "a boolean";
  case ACR_JT_NULL: return "null";
  default: return "a number";
  }
}

int acr_jr_type(jr *J, const jframe *fr, const char *want) {
  return acr_jr_fail(J, fr, jr_tokpos(J), ACR_ESCHEMA,
                     "expected %s, found %s", want, acr_jr_kind(J->x.tok));
}

/* ------------------------------------------------------------------------ */
/* Schema-less values: skipped or minified, token by token                  */
/* ------------------------------------------------------------------------ */

int acr_jr_skip(jr *J, const jframe *fr) {
  if (acr_jlex_skip(&J->x) != ACR_OK) return acr_jr_lexfail(J, fr);
  return ACR_OK;
}

int acr_jr_any(jr *J, acr_buf *out, const jframe *fr) {
  acr_jlex *x = &J->x;
  acr_jtok t = x->tok;
  size_t target;
  if (out != NULL && acr_jlex_append(x, out) != ACR_OK)
    return acr_jr_nomem(J, fr, jr_tokpos(J));
  if (t != ACR_JT_OBJECT && t != ACR_JT_ARRAY) return ACR_OK;
  target = x->depth - 1;
  for (;;) {
    t = jr_next(J);
    if (t == ACR_JT_ERROR) return acr_jr_lexfail(J, fr);
    if (out != NULL && acr_jlex_append(x, out) != ACR_OK)
      return acr_jr_nomem(J, fr, jr_tokpos(J));
    if ((t == ACR_JT_OBJECT_END || t == ACR_JT_ARRAY_END) &&
        x->depth == target)
      return ACR_OK;
  }
}

/* ------------------------------------------------------------------------ */
/* Names and texts                                                          */
/* ------------------------------------------------------------------------ */

int acr_jr_unescaped(jr *J, acr_buf *b, const char *q, size_t raw,
                     const char **s, size_t *n, const jframe *fr) {
  b->len = 0;
  if (acr_buf_reserve(b, raw + 1) != ACR_OK)
    return acr_jr_nomem(J, fr, jr_tokpos(J));
  *n = acr_junescape((const uchar *)q, (const uchar *)q + raw, b->p);
  *s = b->p;
  return ACR_OK;
}

static const unsigned char spec_order[33] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

jorder *acr_jr_order_slow(jr *J, const acr_type *t, int where) {
  /* open addressing by the type's address; with more types than slots
   * (never, with today's schema) the home slot learns anew */
  unsigned h = JR_ORDER_HASH(t, where), i;
  jorder *o;
  for (i = 1; i < JR_ORDER_TYPES; i++) {
    o = &J->order[(h + i) % JR_ORDER_TYPES];
    if (o->t == t && o->where == where) return o;
    if (o->t == NULL) break;
  }
  if (i == JR_ORDER_TYPES || J->order[h % JR_ORDER_TYPES].t == NULL)
    o = &J->order[h % JR_ORDER_TYPES];
  o->t = t;
  o->where = where;
  /* before anything is learnt: the field after the last (payloads mostly
   * follow the spec's order) */
  memcpy(o->next, spec_order, sizeof o->next);
  return o;
}

const acr_field *acr_jr_find_field_slow(jorder *o, const acr_type *t,
                                        const char *k, size_t n,
                                        unsigned *last) {
  const acr_field *fl = t->fields;
  unsigned nf = t->nfields, i, j = *last;
  if (n == 0) return NULL;
  for (i = 0; i < nf; i++, j++) { /* from the field after the last */
    const acr_field *f;
    if (j >= nf) j = 0;
    f = &fl[j];
    if (f->namelen == n && f->name[0] == k[0] &&
        acr_jr_bytes_eq(k, f->name, n)) {
      if (*last < sizeof o->next) o->next[*last] = (unsigned char)j;
      *last = j + 1;
      return f;
    }
  }
  return NULL;
}

const acr_field *acr_jr_match_field(jr *J, jorder *o, const acr_type *t,
                                    const uchar *p, unsigned *last) {
  const acr_field *fl = t->fields;
  unsigned nf = t->nfields, i, j = *last;
  size_t room = (size_t)(J->e - p);
  for (i = 0; i < nf; i++, j++) { /* from the field after the last */
    const acr_field *f;
    size_t n;
    if (j >= nf) j = 0;
    f = &fl[j];
    n = f->namelen;
    if (n + 1 >= room || p[n + 1] != '"' || p[1] != (uchar)f->name[0] ||
        !acr_jr_bytes_eq((const char *)p + 1, f->name, n))
      continue;
    if (*last < sizeof o->next) o->next[*last] = (unsigned char)j;
    *last = j + 1;
    return f;
  }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Field values                                                             */
/* ------------------------------------------------------------------------ */


acr_str *acr_jr_arena_str_esc(jr *J, acr_run *r, const jframe *fr) {
  size_t raw = J->x.len;
  acr_str *s;
  if (raw > UINT32_MAX - 16) {
    acr_jr_fail(J, fr, jr_tokpos(J), ACR_ELIMIT, "string longer than 4 GiB");
    return NULL;
  }
  s = (acr_str *)acr_run_alloc(r, offsetof(acr_str, s) + raw + 1);
  if (s == NULL) {
    acr_jr_nomem(J, fr, jr_tokpos(J));
    return NULL;
  }
  s->len = (uint32_t)acr_junescape((const uchar *)J->x.text,
                                   (const uchar *)J->x.text + raw, s->s);
  s->flags = acr_str_flags(s->s, s->len);
  s->s[s->len] = '\0';
  /* the bytes the escapes saved, given back */
  acr_run_shrink_last(r, s, offsetof(acr_str, s) + raw + 1,
                      offsetof(acr_str, s) + (size_t)s->len + 1);
  return s;
}

acr_str *acr_jr_pool_str(jr *J, acr_run *r, const acr_field *f,
                         const jframe *fr) {
  const char *t;
  size_t n;
  acr_str *s;
  if (acr_jr_strtext(J, &J->sbuf, &t, &n, fr) != ACR_OK) return NULL;
  if ((s = acr_strpool_intern(J->pool, f, t, n)) == NULL) {
    acr_jr_nomem(J, fr, jr_tokpos(J));
    return NULL;
  }
  if (r->pool == NULL) {
    acr_strpool_retain(J->pool);
    r->pool = J->pool;
  }
  return s;
}


static int parse_rec(jr *J, const jframe *fr, acr_run *run, void *rec,
                     const acr_type *t);

/* Reads an array of records (f->sub) or strings into a new list.  Like
 * every reader of a container, it reads the whole value: schema errors
 * inside are recorded (J->pend) and only fatal errors are returned.  The
 * items wait on J->items (a list inside an item stacks its own above
 * them), so that the list is made at the end, exactly as long. */
static int parse_list_field(jr *J, const jframe *fr, acr_run *run, void *rec,
                            const acr_field *f) {
  acr_list *l;
  jframe item;
  int st, first = 1;
  size_t base = J->items.len, n;
  jr_item_frame(&item, fr);
  for (;;) {
    void *v = NULL;
    acr_jtok t = jr_item(J);
    if (t == ACR_JT_ARRAY_END) break;
    if (t == ACR_JT_ERROR) return acr_jr_itemfail(J, &item, first);
    first = 0;
    item.index++;
    if (f->kind == ACR_K_STRING_LIST) {
      if (t != ACR_JT_STRING) {
        st = acr_jr_type(J, &item, "a string");
        if ((st = JR_RECOVER(J, st, &item)) != ACR_OK) return st;
      } else if ((v = acr_jr_field_str(J, run, f, &item)) == NULL) {
        return J->es.st;
      }
    } else if (t != ACR_JT_OBJECT) {
      st = acr_jr_type(J, &item, "an object");
      if ((st = JR_RECOVER(J, st, &item)) != ACR_OK) return st;
    } else {
      if ((v = acr_record_new(run, f->sub)) == NULL)
        return acr_jr_nomem(J, &item, jr_tokpos(J));
      if ((st = parse_rec(J, &item, run, v, f->sub)) != ACR_OK) return st;
    }
    if (v && acr_buf_add(&J->items, (const char *)&v, sizeof v) != ACR_OK)
      return acr_jr_nomem(J, &item, jr_tokpos(J));
  }
  n = (J->items.len - base) / sizeof(void *);
  if (n > UINT32_MAX / 2)
    return acr_jr_fail(J, &item, jr_tokpos(J), ACR_ELIMIT, "too many items");
  if ((l = acr_list_new(run, (uint32_t)n)) == NULL)
    return acr_jr_nomem(J, fr, jr_tokpos(J));
  if (n) memcpy(l->items, J->items.p + base, n * sizeof l->items[0]);
  l->n = (uint32_t)n;
  J->items.len = base;
  *(acr_list **)ACR_SLOT(rec, f) = l;
  JR_MARK(rec, f);
  return ACR_OK;
}

/* Reads the value whose first token is current (not null) into field f
 * of rec.  A schema error about a scalar or about the kind of value is
 * returned with the value's first token current (the caller skips the
 * rest); containers are read whole. */
int acr_jr_field(jr *J, const jframe *fr, acr_run *run, void *rec,
                 const acr_field *f) {
  acr_jtok t = J->x.tok;
  switch (f->kind) {
  case ACR_K_STRING: {
    acr_str *s;
    if (t != ACR_JT_STRING) return acr_jr_type(J, fr, "a string");
    if ((s = acr_jr_field_str(J, run, f, fr)) == NULL) return J->es.st;
    *(acr_str **)ACR_SLOT(rec, f) = s;
    JR_MARK(rec, f);
    return ACR_OK;
  }
  case ACR_K_ENUM: {
    const char *s;
    size_t n;
    acr_enumval v;
    if (t != ACR_JT_STRING) return acr_jr_type(J, fr, "a string");
    if (acr_jr_strtext(J, &J->sbuf, &s, &n, fr) != ACR_OK) return J->es.st;
    v.raw = NULL;
    /* the canonical spelling, nearly always: compared here, by words */
    if ((v.code = acr_jr_enum_exact(f->enumdef, s, n)) >= 0) {
      *(acr_enumval *)ACR_SLOT(rec, f) = v;
      JR_MARK(rec, f);
      return ACR_OK;
    }
    v.code = acr_enum_lookup(f->enumdef, s, n);
    if (v.code == ACR_ENUM_UNKNOWN) {
      if (J->strict) {
        char list[256], mt[128];
        acr_enum_list(f->enumdef, list, sizeof list);
        return acr_jr_fail(J, fr, jr_tokpos(J), ACR_ESCHEMA,
                           "invalid value \"%s\" for %s (expected one of %s)",
                           acr_jr_msgtext(s, n, mt, sizeof mt),
                           f->enumdef->name, list);
      }
      if ((v.raw = acr_jr_field_str(J, run, f, fr)) == NULL)
        return J->es.st;
    } else if ((v.raw = acr_jr_field_str(J, run, f, fr)) == NULL) {
      return J->es.st; /* "linux": written back as received */
    }
    *(acr_enumval *)ACR_SLOT(rec, f) = v;
    JR_MARK(rec, f);
    return ACR_OK;
  }
  case ACR_K_DATETIME: {
    const char *s;
    size_t n;
    acr_datetime dt;
    acr_error derr;
    if (t != ACR_JT_STRING) return acr_jr_type(J, fr, "a date-time string");
    if (acr_jr_strtext(J, &J->sbuf, &s, &n, fr) != ACR_OK) return J->es.st;
    derr.message[0] = '\0';
    if (acr_datetime_parse(s, n, &dt, &derr) != ACR_OK) {
      char mt[128];
      /* the date-time parser's message quotes the text already */
      if (derr.message[0])
        return acr_jr_fail(J, fr, jr_tokpos(J), ACR_ESCHEMA, "%s",
                           derr.message);
      return acr_jr_fail(J, fr, jr_tokpos(J), ACR_ESCHEMA,
                         "invalid date-time \"%s\"",
                         acr_jr_msgtext(s, n, mt, sizeof mt));
    }
    *(acr_datetime *)ACR_SLOT(rec, f) = dt;
    JR_MARK(rec, f);
    return ACR_OK;
  }
  case ACR_K_BOOL:
    if (t != ACR_JT_TRUE && t != ACR_JT_FALSE)
      return acr_jr_type(J, fr, "a boolean");
    *(uint8_t *)ACR_SLOT(rec, f) = (t == ACR_JT_TRUE);
    JR_MARK(rec, f);
    return ACR_OK;
  case ACR_K_INT32: {
    const uchar *p = (const uchar *)J->x.text;
    int32_t v = 0;
    int r;
    if (t != ACR_JT_NUMBER) return acr_jr_type(J, fr, "an integer");
    if ((r = acr_jnum_int32(p, p + J->x.len, &v)) != 0) {
      char mt[128];
      acr_jr_msgtext((const char *)p, J->x.len, mt, sizeof mt);
      if (r == 1)
        return acr_jr_fail(J, fr, p, ACR_ESCHEMA,
                           "expected an integer, found %s", mt);
      return acr_jr_fail(J, fr, p, ACR_ESCHEMA,
                         "integer %s is out of the int32 range", mt);
    }
    *(int32_t *)ACR_SLOT(rec, f) = v;
    JR_MARK(rec, f);
    return ACR_OK;
  }
  case ACR_K_RECORD: {
    void *sub;
    int st;
    acr_arena_mark m = acr_run_mark(run);
    if (t != ACR_JT_OBJECT) return acr_jr_type(J, fr, "an object");
    if ((sub = acr_rec_new_record(run, rec, f)) == NULL)
      return acr_jr_nomem(J, fr, jr_tokpos(J));
    if ((st = parse_rec(J, fr, run, sub, f->sub)) != ACR_OK) return st;
    /* the Run's records that repeat from run to run (platform...):
     * stored once in the list's pool, and their bytes here given back */
    if ((f->flags & ACR_F_SHARED) && rec == (void *)&run->rec &&
        J->pool != NULL && run->pool == J->pool) {
      int in = acr_rec_pool(J->pool, f, (void **)ACR_SLOT(rec, f));
      if (in < 0) return acr_jr_nomem(J, fr, jr_tokpos(J));
      if (in > 0) acr_run_unwind(run, m);
    }
    return ACR_OK;
  }
  case ACR_K_RECORD_LIST:
  case ACR_K_STRING_LIST:
    if (t != ACR_JT_ARRAY) return acr_jr_type(J, fr, "an array");
    return parse_list_field(J, fr, run, rec, f);
  default:
    return acr_jr_fail(J, fr, jr_tokpos(J), ACR_ESCHEMA,
                       "field of an unknown kind");
  }
}

int acr_jr_keep_unknown(jr *J, const jframe *mf, acr_run *run, void *rec,
                        int env, const char *key, size_t klen,
                        const uchar *kp) {
  int st;
  J->tmp.len = 0;
  if ((st = acr_jr_any(J, &J->tmp, mf)) != ACR_OK) return st;
  /* a key with escapes lives in J->key, which acr_jr_any leaves alone */
  if (acr_rec_add_unknown(run, rec, env, key, klen, J->tmp.p, J->tmp.len,
                          NULL) != ACR_OK)
    return acr_jr_nomem(J, mf, kp);
  return ACR_OK;
}

/* Reads the object whose '{' is current into rec (type t, a nested
 * record of run). */
static int parse_rec(jr *J, const jframe *fr, acr_run *run, void *rec,
                     const acr_type *t) {
  uint32_t seen = 0;
  unsigned hint = 0;
  jorder *order = acr_jr_order(J, t, 0);
  size_t names = acr_jr_names_base(J); /* strict: its own from there */
  jframe mf;
  int first = 1, st;
  mf.up = fr;
  mf.index = 0;
  for (;;) {
    const uchar *kp;
    const char *key;
    size_t klen;
    const acr_field *f;
    acr_jtok tk = jr_member_field(J, order, t, &hint, NULL, 0, &f);
    if (tk == ACR_JT_OBJECT_END) break;
    if (tk != ACR_JT_KEY) return acr_jr_keyfail(J, fr, first ? NULL : &mf);
    first = 0;
    kp = jr_tokpos(J);
    jr_key_frame(J, &mf);
    if (f != NULL) { /* a field's name, as it is */
      key = J->x.text;
      klen = J->x.len;
    } else if (!J->x.esc) { /* no field's */
      key = J->x.text;
      klen = J->x.len;
    } else {
      if (acr_jr_keytext(J, &key, &klen, fr) != ACR_OK) return J->es.st;
      f = acr_jr_find_field_slow(order, t, key, klen, &hint);
    }
    if (jr_value(J) == ACR_JT_ERROR) return acr_jr_lexfail(J, &mf);
    if (f) {
      st = acr_jr_member(J, &mf, kp, run, rec, f, &seen);
    } else if (J->strict &&
               (st = acr_jr_name_once(J, names, &mf, kp, key, klen)) !=
                   ACR_OK) {
      /* a second member of that name (a task run's own members drop
       * the unknown field error, never this) */
    } else if (J->strict && J->pend.st != ACR_OK) {
      st = ACR_ESCHEMA; /* an error kept already: not this one */
    } else if (J->strict) {
      const acr_field *g = acr_type_suggest(t, key, klen);
      char mt[128];
      st = acr_jr_fail(J, &mf, kp, ACR_ESCHEMA,
                       "unknown field \"%s\" in %s%s%s%s",
                       acr_jr_msgtext(key, klen, mt, sizeof mt), t->name,
                       g ? " (did you mean \"" : "", g ? g->name : "",
                       g ? "\"?)" : "");
    } else {
      st = acr_jr_keep_unknown(J, &mf, run, rec, 0, key, klen, kp);
    }
    if (st != ACR_OK && (st = JR_RECOVER(J, st, &mf)) != ACR_OK) return st;
  }
  acr_jr_names_pop(J, names);
  /* Past ACR_UNKNOWN_SCAN_MAX, acr_rec_add_unknown appends without looking
   * for an earlier field of the same name: settle "last wins" once here. */
  if (acr_unknown_dedupe(run, ((acr_rechdr *)rec)->unknown) != ACR_OK)
    return acr_jr_nomem(J, &mf, jr_tokpos(J));
  return ACR_OK;
}

/* ------------------------------------------------------------------------ */
/* Reports and the validator                                                */
/* ------------------------------------------------------------------------ */

/* Copies J's error to err: kind, path, position and the reason. */
void acr_jr_report(const jr *J, acr_error *err) {
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

acr_status acr_json_validate(const char *text, size_t len, int max_depth,
                             acr_buf *out, acr_error *err) {
  jr J;
  int st = ACR_OK;
  size_t old = out ? out->len : 0;
  const acr_allocator *a = out ? &out->alloc : &acr_jr_default_allocator;
  acr_jtok t;
  acr_jr_init(&J, text, len, a, 0, max_depth, 0, NULL);
  /* exactly one JSON value with optional whitespace around it; minified
   * to out if given */
  while ((t = jr_next(&J)) != ACR_JT_END) {
    if (t == ACR_JT_ERROR) {
      st = acr_jr_lexfail(&J, NULL);
      break;
    }
    if (out != NULL && acr_jlex_append(&J.x, out) != ACR_OK) {
      st = acr_jr_nomem(&J, NULL, jr_tokpos(&J));
      break;
    }
  }
  if (st != ACR_OK) {
    if (out) out->len = old;
    acr_jr_report(&J, err);
  } else if (err) {
    acr_err_clear(err);
  }
  acr_jr_free(&J);
  return (acr_status)st;
}

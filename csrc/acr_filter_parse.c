/*
 * acr_filter_parse.c -- OData $filter over RunFilter: the expression
 * lexer, the parser that builds the tree (acr_filter_int.h), and tostring,
 * which writes the tree back in canonical form.  The evaluators are in
 * acr_filter_match.c.
 *
 * The grammar is the part of OData v4 that Runs_List accepts:
 *
 *   expr       := and_expr { 'or' and_expr }
 *   and_expr   := primary { 'and' primary }
 *   primary    := '(' expr ')'
 *               | 'contains' '(' property ',' string ')'
 *               | operand cmpop operand      (one side a property, the
 *                                             other a literal)
 *               | boolean-property           (= property eq true)
 *   cmpop      := eq | ne | gt | ge | lt | le
 *   literal    := 'text' ('' is a quote) | true | false | null | integer
 *               | date-time (bare RFC 3339, or quoted: written bare)
 *
 * Integers are read but no filterable property takes one, so they only
 * ever produce a type error naming what the property takes.
 *
 * Keywords and property names are matched case-insensitively (the Azure CLI
 * sends "TaskName", "Status").  not, has, in, all/any, arithmetic and every
 * function but contains are refused with a message that says the service
 * refuses them too.  `literal op property` is accepted and flipped.
 *
 * The tree lives in two growing arrays of the filter (nodes, literal
 * text), addressed by index; and/or nodes are n-ary (a chain of siblings)
 * and a child with the same operator as its parent is spliced in, so a
 * chain of 100 000 "or" costs no recursion and recursion depth is bounded
 * by the parenthesis limit (ACR_FILTER_MAX_DEPTH).
 */
#include "acr_filter_int.h"

#include <stdio.h>
#include <string.h>

#define ACR_FILTER_MAX_DEPTH 256
#define ACR_FILTER_MAX_LEN ((size_t)1 << 30)

/* ---- properties ---------------------------------------------------------- */

typedef struct fprop {
  const char *name;  /* canonical spelling, written by tostring */
  uint8_t kind;      /* PK_* */
  uint8_t local;     /* not a RunFilter property: local-only */
  const char *field; /* the Run field it reads */
  const char *sub;   /* the PlatformProperties field, or NULL */
} fprop;

enum {
  P_RUNID, P_RUNTYPE, P_STATUS, P_CREATETIME, P_FINISHTIME,
  P_ISARCHIVEENABLED, P_MANIFESTS, P_TASKNAME, P_STARTTIME,
  P_LASTUPDATEDTIME, P_PROVISIONINGSTATE, P_AGENTPOOLNAME, P_TASK, P_OS,
  P_ARCH, P_COUNT
};

static const fprop props[P_COUNT] = {
    {"runId", PK_STRING, 0, "runId", NULL},
    {"runType", PK_ENUM, 0, "runType", NULL},
    {"status", PK_ENUM, 0, "status", NULL},
    {"createTime", PK_DATETIME, 0, "createTime", NULL},
    {"finishTime", PK_DATETIME, 0, "finishTime", NULL},
    {"isArchiveEnabled", PK_BOOL, 0, "isArchiveEnabled", NULL},
    {"outputImageManifests", PK_MANIFESTS, 0, "outputImages", NULL},
    {"taskName", PK_STRING, 0, "task", NULL},
    {"startTime", PK_DATETIME, 1, "startTime", NULL},
    {"lastUpdatedTime", PK_DATETIME, 1, "lastUpdatedTime", NULL},
    {"provisioningState", PK_ENUM, 1, "provisioningState", NULL},
    {"agentPoolName", PK_STRING, 1, "agentPoolName", NULL},
    {"task", PK_STRING, 1, "task", NULL},
    {"platform/os", PK_ENUM, 1, "platform", "os"},
    {"platform/architecture", PK_ENUM, 1, "platform", "architecture"},
};

static const char *const kind_names[] = {"a string", "an enum (string)",
                                         "a date-time", "a boolean",
                                         "a string"};

/* ---- the compiled filter (acr_filter_int.h) ------------------------------ */

static const char *const opnames[OP_COUNT] = {"eq", "ne", "gt",
                                              "ge", "lt", "le"};

void acr_filter_free(acr_filter *f) {
  acr_allocator a;
  if (f == NULL) return;
  a = f->alloc;
  acr_free(&a, f->nodes, f->capnodes * sizeof *f->nodes);
  acr_free(&a, f->text, f->captext);
  acr_free(&a, f, sizeof *f);
}

/* ---- lexer --------------------------------------------------------------- */

typedef enum ttype {
  T_EOF, T_LP, T_RP, T_COMMA, T_IDENT, T_STR, T_INT, T_NUM, T_DT, T_OTHER
} ttype;

typedef struct tok {
  ttype t;
  size_t off, len;
} tok;

typedef struct parser {
  const char *s;
  size_t n;
  acr_filter *f;
  acr_error *err;
  tok cur;
  int depth;
} parser;

static int is_alpha(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_space(int c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1-based column of byte offset off: one per UTF-8 character. */
static long column_of(const char *s, size_t n, size_t off) {
  long col = 1;
  size_t i;
  if (off > n) off = n;
  for (i = 0; i < off; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) col++;
  return col;
}

/* Error at byte offset off (kind is ACR_ESYNTAX or ACR_ELIMIT). */
static int perr(parser *P, size_t off, acr_status kind, const char *fmt, ...)
    ACR_PRINTF(4, 5);
static int perr(parser *P, size_t off, acr_status kind, const char *fmt,
                ...) {
  char msg[ACR_MSG_MAX];
  va_list ap;
  if (P->err == NULL) return -1;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  acr_err(P->err, kind, "%s", msg);
  P->err->line = 1;
  P->err->column = column_of(P->s, P->n, off);
  P->err->offset = (long)off;
  return -1;
}

static int nomem(parser *P) {
  acr_err_nomem(P->err);
  return -1;
}

/* Describe a token for "found ..." in messages. */
static const char *describe(const parser *P, const tok *t, char *buf,
                            size_t size) {
  size_t len = t->len;
  const char *dots = "";
  if (t->t == T_EOF) return "end of expression";
  if (len > 40) len = 37, dots = "...";
  snprintf(buf, size, "%s%s%.*s%s%s", t->t == T_STR ? "string " : "",
           t->t == T_STR ? "" : "'", (int)len, P->s + t->off, dots,
           t->t == T_STR ? "" : "'");
  return buf;
}

/* Scans the token at pos into *t; -1 (err filled) on an unterminated
 * string. */
static int lex(parser *P, size_t pos, tok *t) {
  const char *s = P->s;
  size_t n = P->n;
  while (pos < n && is_space((unsigned char)s[pos])) pos++;
  t->off = pos;
  t->len = 1;
  if (pos >= n) {
    t->t = T_EOF;
    t->len = 0;
    return 0;
  }
  switch (s[pos]) {
  case '(': t->t = T_LP; return 0;
  case ')': t->t = T_RP; return 0;
  case ',': t->t = T_COMMA; return 0;
  case '\'': {
    size_t i = pos + 1;
    for (;;) {
      if (i >= n)
        return perr(P, pos, ACR_ESYNTAX,
                    "unterminated string literal (a quote inside a string "
                    "is written '')");
      if (s[i] == '\'') {
        if (i + 1 < n && s[i + 1] == '\'') {
          i += 2;
          continue;
        }
        break;
      }
      i++;
    }
    t->t = T_STR;
    t->len = i + 1 - pos;
    return 0;
  }
  default: break;
  }
  if (is_alpha((unsigned char)s[pos])) {
    size_t i = pos + 1;
    for (;;) {
      while (i < n && (is_alpha((unsigned char)s[i]) ||
                       is_digit((unsigned char)s[i])))
        i++;
      /* a path: platform/os */
      if (i + 1 < n && s[i] == '/' && is_alpha((unsigned char)s[i + 1])) {
        i += 2;
        continue;
      }
      break;
    }
    t->t = T_IDENT;
    t->len = i - pos;
    return 0;
  }
  if (is_digit((unsigned char)s[pos]) ||
      (s[pos] == '-' && pos + 1 < n && is_digit((unsigned char)s[pos + 1]))) {
    size_t i = pos + 1, j;
    int digits = 1, dots = 0;
    while (i < n && (is_alpha((unsigned char)s[i]) ||
                     is_digit((unsigned char)s[i]) || s[i] == ':' ||
                     s[i] == '.' || s[i] == '+' || s[i] == '-'))
      i++;
    for (j = pos + (s[pos] == '-'); j < i; j++) {
      if (s[j] == '.') dots++;
      else if (!is_digit((unsigned char)s[j])) digits = 0;
    }
    t->len = i - pos;
    t->t = !digits ? T_DT : dots == 0 ? T_INT : dots == 1 ? T_NUM : T_DT;
    return 0;
  }
  /* anything else, one UTF-8 character */
  t->t = T_OTHER;
  if ((unsigned char)s[pos] >= 0xC0) {
    size_t i = pos + 1;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80 && i - pos < 4) i++;
    t->len = i - pos;
  }
  return 0;
}

static int advance(parser *P) {
  return lex(P, P->cur.off + P->cur.len, &P->cur);
}

static int tok_is(const parser *P, const tok *t, const char *kw) {
  return t->t == T_IDENT && acr_strieq(P->s + t->off, t->len, kw, strlen(kw));
}

static int cmp_op(const parser *P, const tok *t) {
  int i;
  if (t->t != T_IDENT || t->len != 2) return -1;
  for (i = 0; i < OP_COUNT; i++)
    if (tok_is(P, t, opnames[i])) return i;
  return -1;
}

#define ALLOWED "($filter allows eq, ne, gt, ge, lt, le, and, or, contains)"

/* If t is an operator word the service refuses, report it; else 0. */
static int refused_word(parser *P, const tok *t) {
  static const char *const logical[] = {"not", "has", "in", "all", "any"};
  static const char *const arith[] = {"add", "sub", "mul", "div", "divby",
                                      "mod", "negate"};
  size_t i, start = 0;
  const char *w;
  size_t wl;
  if (t->t != T_IDENT) return 0;
  /* a lambda on a path: outputImages/all(...) */
  for (i = 0; i < t->len; i++)
    if (P->s[t->off + i] == '/') start = i + 1;
  w = P->s + t->off + start;
  wl = t->len - start;
  for (i = 0; i < sizeof logical / sizeof *logical; i++)
    if (acr_strieq(w, wl, logical[i], strlen(logical[i])))
      return perr(P, t->off + start, ACR_ESYNTAX,
                  "operator '%s' is not supported by the service " ALLOWED,
                  logical[i]);
  if (start) return 0;
  for (i = 0; i < sizeof arith / sizeof *arith; i++)
    if (acr_strieq(w, wl, arith[i], strlen(arith[i])))
      return perr(P, t->off, ACR_ESYNTAX,
                  "arithmetic operator '%s' is not supported by the "
                  "service " ALLOWED,
                  arith[i]);
  return 0;
}

/* Some other token where an operator, and/or, ')' or the end belonged. */
static int unexpected(parser *P, const tok *t, const char *expected) {
  char buf[64];
  if (refused_word(P, t)) return -1;
  if (t->t == T_OTHER && (P->s[t->off] == '+' || P->s[t->off] == '-' ||
                          P->s[t->off] == '*' || P->s[t->off] == '/' ||
                          P->s[t->off] == '%'))
    return perr(P, t->off, ACR_ESYNTAX,
                "arithmetic is not supported by the service " ALLOWED);
  if (t->t == T_OTHER && P->s[t->off] == '!')
    return perr(P, t->off, ACR_ESYNTAX,
                "operator 'not' is not supported by the service " ALLOWED);
  if (t->t == T_OTHER && (P->s[t->off] == '=' || P->s[t->off] == '<' ||
                          P->s[t->off] == '>'))
    return perr(P, t->off, ACR_ESYNTAX,
                "expected %s, found '%c' (comparisons are written eq, ne, "
                "gt, ge, lt, le)",
                expected, P->s[t->off]);
  if (t->t == T_OTHER && P->s[t->off] == '"')
    return perr(P, t->off, ACR_ESYNTAX,
                "expected %s, found '\"' (strings are written in single "
                "quotes)",
                expected);
  return perr(P, t->off, ACR_ESYNTAX, "expected %s, found %s", expected,
              describe(P, t, buf, sizeof buf));
}

/* ---- tree building ------------------------------------------------------- */

static int32_t new_node(parser *P, int type) {
  acr_filter *f = P->f;
  fnode *nd;
  if (f->nnodes == f->capnodes) {
    size_t ncap = f->capnodes ? f->capnodes * 2 : 16;
    fnode *nn = (fnode *)acr_realloc(&f->alloc, f->nodes,
                                     f->capnodes * sizeof *nn,
                                     ncap * sizeof *nn);
    if (nn == NULL) return nomem(P);
    f->nodes = nn;
    f->capnodes = ncap;
  }
  nd = &f->nodes[f->nnodes];
  memset(nd, 0, sizeof *nd);
  nd->type = (uint8_t)type;
  nd->first = nd->last = nd->next = -1;
  return (int32_t)f->nnodes++;
}

/* Appends child c to and/or node p, splicing in c's children when c has
 * the same operator (a or (b or c) is a or b or c). */
static void add_child(acr_filter *f, int32_t p, int32_t c) {
  fnode *pn = &f->nodes[p], *cn = &f->nodes[c];
  int32_t first = c, last = c;
  if (cn->type == pn->type) first = cn->first, last = cn->last;
  if (pn->first < 0) pn->first = first;
  else f->nodes[pn->last].next = first;
  pn->last = last;
}

/* Copies the string literal t (quotes removed, '' undoubled) into the text
 * pool. */
static int store_string(parser *P, const tok *t, uint32_t *off,
                        uint32_t *len) {
  acr_filter *f = P->f;
  size_t i, need = t->len, o;
  if (f->captext - f->ntext < need) {
    size_t ncap = f->captext ? f->captext : 64;
    char *nt;
    while (ncap - f->ntext < need) ncap *= 2;
    nt = (char *)acr_realloc(&f->alloc, f->text, f->captext, ncap);
    if (nt == NULL) return nomem(P);
    f->text = nt;
    f->captext = ncap;
  }
  o = f->ntext;
  for (i = t->off + 1; i + 1 < t->off + t->len; i++) {
    f->text[f->ntext++] = P->s[i];
    if (P->s[i] == '\'') i++;
  }
  *off = (uint32_t)o;
  *len = (uint32_t)(f->ntext - o);
  return 0;
}

static const acr_field *find_field(const acr_type *t, const char *name) {
  return acr_type_field(t, name, strlen(name));
}

/* Looks up the property named by t (case-insensitive); -1 with an error
 * listing the valid names (and the closest one) when unknown. */
static int lookup_prop(parser *P, const tok *t) {
  char buf[64], hint[64] = "";
  size_t best = 3, d;
  int i;
  for (i = 0; i < P_COUNT; i++)
    if (acr_strieq(P->s + t->off, t->len, props[i].name,
                   strlen(props[i].name)))
      return i;
  for (i = 0; i < P_COUNT; i++) {
    d = acr_edit_distance(P->s + t->off, t->len, props[i].name,
                          strlen(props[i].name));
    if (d < best) {
      best = d;
      snprintf(hint, sizeof hint, "did you mean '%s'? ", props[i].name);
    }
  }
  return perr(P, t->off, ACR_ESYNTAX,
              "unknown property %s (%sfilterable: runId, runType, status, "
              "createTime, finishTime, isArchiveEnabled, "
              "outputImageManifests, taskName; local-only: startTime, "
              "lastUpdatedTime, provisioningState, agentPoolName, task, "
              "platform/os, platform/architecture)",
              describe(P, t, buf, sizeof buf), hint);
}

/* Sets the property of node i (task is an alias: written taskName). */
static int set_prop(parser *P, int32_t i, int prop) {
  fnode *nd = &P->f->nodes[i];
  const fprop *p = &props[prop];
  if (prop == P_TASK) prop = P_TASKNAME;
  nd->prop = (uint8_t)prop;
  nd->kind = p->kind;
  nd->f1 = find_field(&acr_type_run, p->field);
  nd->f2 = p->sub ? find_field(&acr_type_platform, p->sub) : NULL;
  if (nd->f1 == NULL || (p->sub && nd->f2 == NULL))
    return perr(P, 0, ACR_EMISUSE, "internal: the schema has no field '%s'",
                p->sub ? p->sub : p->field);
  nd->col = (int8_t)(p->kind == PK_MANIFESTS ? -1 : acr_col_of(nd->f1, nd->f2));
  return 0;
}

/* Type-checks literal token t against the property and operator of node i
 * and stores it.  optok is the operator token (for its position). */
static int set_literal(parser *P, int32_t i, const tok *t, const tok *optok) {
  char buf[64];
  fnode *nd = &P->f->nodes[i];
  const fprop *p = &props[nd->prop];
  int op = nd->op;
  if (tok_is(P, t, "null")) {
    if (op != OP_EQ && op != OP_NE)
      return perr(P, optok->off, ACR_ESYNTAX,
                  "null can only be compared with eq or ne, found '%s'",
                  opnames[op]);
    nd->lit = L_NULL;
    return 0;
  }
  switch (p->kind) {
  case PK_BOOL:
    if (op != OP_EQ && op != OP_NE)
      return perr(P, optok->off, ACR_ESYNTAX,
                  "%s is a boolean: it can only be compared with eq or ne, "
                  "found '%s'",
                  p->name, opnames[op]);
    if (tok_is(P, t, "true") || tok_is(P, t, "false")) {
      nd->lit = L_BOOL;
      nd->code = tok_is(P, t, "true");
      return 0;
    }
    return perr(P, t->off, ACR_ESYNTAX,
                "%s takes true, false or null, found %s", p->name,
                describe(P, t, buf, sizeof buf));
  case PK_DATETIME: {
    acr_error derr;
    size_t off = t->off, len = t->len;
    if (t->t == T_STR) off++, len -= 2;
    else if (t->t != T_DT && t->t != T_INT && t->t != T_NUM)
      return perr(P, t->off, ACR_ESYNTAX,
                  "%s takes a date-time like 2019-05-01T00:00:00Z, found %s",
                  p->name, describe(P, t, buf, sizeof buf));
    acr_err_clear(&derr);
    if (acr_datetime_parse(P->s + off, len, &nd->dt, &derr) != ACR_OK) {
      size_t at = (size_t)derr.offset;
      if (at > len) at = len;
      return perr(P, off + at, ACR_ESYNTAX,
                  "%s takes a date-time like 2019-05-01T00:00:00Z: %s",
                  p->name, derr.message);
    }
    nd->lit = L_DATETIME;
    return 0;
  }
  default: /* strings and enums */
    if (t->t != T_STR)
      return perr(P, t->off, ACR_ESYNTAX,
                  "%s takes a string in single quotes, found %s", p->name,
                  describe(P, t, buf, sizeof buf));
    if (store_string(P, t, &nd->soff, &nd->slen)) return -1;
    nd = &P->f->nodes[i];
    nd->lit = L_STRING;
    nd->code = ACR_ENUM_UNKNOWN;
    if (p->kind == PK_ENUM) {
      const acr_field *ef = nd->f2 ? nd->f2 : nd->f1;
      nd->code = acr_enum_lookup(ef->enumdef, P->f->text + nd->soff, nd->slen);
    }
    return 0;
  }
}

static int is_literal(const parser *P, const tok *t) {
  return t->t == T_STR || t->t == T_INT || t->t == T_NUM || t->t == T_DT ||
         tok_is(P, t, "true") || tok_is(P, t, "false") ||
         tok_is(P, t, "null");
}

static int is_keyword(const parser *P, const tok *t) {
  return cmp_op(P, t) >= 0 || tok_is(P, t, "and") || tok_is(P, t, "or");
}

static int32_t parse_or(parser *P);

/* contains(property, 'text'); cur is the name. */
static int32_t parse_contains(parser *P) {
  char buf[64];
  int prop;
  int32_t i;
  tok lit;
  if (advance(P) || advance(P)) return -1; /* name, '(' */
  if (P->cur.t != T_IDENT || is_literal(P, &P->cur) ||
      is_keyword(P, &P->cur)) {
    if (is_literal(P, &P->cur))
      return perr(P, P->cur.off, ACR_ESYNTAX,
                  "contains takes the property first: contains(property, "
                  "'text'), found %s",
                  describe(P, &P->cur, buf, sizeof buf));
    return unexpected(P, &P->cur, "a property in contains(property, 'text')");
  }
  if ((prop = lookup_prop(P, &P->cur)) < 0) return -1;
  if (props[prop].kind == PK_DATETIME || props[prop].kind == PK_BOOL)
    return perr(P, P->cur.off, ACR_ESYNTAX,
                "contains applies to text properties; %s is %s",
                props[prop].name, kind_names[props[prop].kind]);
  if ((i = new_node(P, N_CONTAINS)) < 0 || set_prop(P, i, prop)) return -1;
  if (advance(P)) return -1;
  if (P->cur.t != T_COMMA) return unexpected(P, &P->cur, "','");
  if (advance(P)) return -1;
  lit = P->cur;
  if (lit.t != T_STR)
    return perr(P, lit.off, ACR_ESYNTAX,
                "contains takes a string in single quotes, found %s",
                describe(P, &lit, buf, sizeof buf));
  if (store_string(P, &lit, &P->f->nodes[i].soff, &P->f->nodes[i].slen))
    return -1;
  P->f->nodes[i].lit = L_STRING;
  if (advance(P)) return -1;
  if (P->cur.t != T_RP)
    return unexpected(P, &P->cur, "')' to close contains(");
  if (advance(P)) return -1;
  return i;
}

#define CONDITION "a condition (property op literal, contains(...) or '(')"

/* A comparison (or a bare boolean property); cur is its first token. */
static int32_t parse_comparison(parser *P) {
  char buf[64];
  tok a = P->cur, b, optok;
  int aprop = -1, bprop = -1, op;
  int32_t i;
  if (a.t == T_IDENT && !is_literal(P, &a)) {
    if (is_keyword(P, &a)) return unexpected(P, &a, CONDITION);
    if ((aprop = lookup_prop(P, &a)) < 0) return -1;
  } else if (!is_literal(P, &a)) {
    if (a.t == T_RP && P->depth == 0)
      return perr(P, a.off, ACR_ESYNTAX,
                  "expected " CONDITION ", found ')' without a matching '('");
    return unexpected(P, &a, CONDITION);
  }
  if (advance(P)) return -1;
  optok = P->cur;
  op = cmp_op(P, &optok);
  if (op < 0) {
    if (aprop >= 0 && props[aprop].kind == PK_BOOL &&
        !refused_word(P, &optok)) {
      /* bare boolean property: isArchiveEnabled means eq true */
      if ((i = new_node(P, N_CMP)) < 0 || set_prop(P, i, aprop)) return -1;
      P->f->nodes[i].op = OP_EQ;
      P->f->nodes[i].lit = L_BOOL;
      P->f->nodes[i].code = 1;
      return i;
    }
    snprintf(buf, sizeof buf, "a comparison operator after '%.*s'",
             (int)(a.len > 30 ? 30 : a.len), P->s + a.off);
    return unexpected(P, &optok, buf);
  }
  if (advance(P)) return -1;
  b = P->cur;
  if (b.t == T_IDENT && !is_literal(P, &b)) {
    if (is_keyword(P, &b) || refused_word(P, &b))
      return unexpected(P, &b, "a literal ('text', true, false, null or a "
                               "date-time)");
    if ((bprop = lookup_prop(P, &b)) < 0) return -1;
  } else if (!is_literal(P, &b)) {
    snprintf(buf, sizeof buf,
             "a literal after '%s' ('text', true, false, null, a date-time)",
             opnames[op]);
    return unexpected(P, &b, buf);
  }
  if (aprop >= 0 && bprop >= 0)
    return perr(P, b.off, ACR_ESYNTAX,
                "comparing two properties is not supported; compare a "
                "property with a literal");
  if (aprop < 0 && bprop < 0)
    return perr(P, a.off, ACR_ESYNTAX,
                "a comparison needs a property on one side, found two "
                "literals");
  if ((i = new_node(P, N_CMP)) < 0) return -1;
  if (aprop < 0) {
    /* literal op property: flip to property op' literal */
    static const uint8_t flip[OP_COUNT] = {OP_EQ, OP_NE, OP_LT,
                                           OP_LE, OP_GT, OP_GE};
    if (set_prop(P, i, bprop)) return -1;
    P->f->nodes[i].op = flip[op];
    if (set_literal(P, i, &a, &optok)) return -1;
  } else {
    if (set_prop(P, i, aprop)) return -1;
    P->f->nodes[i].op = (uint8_t)op;
    if (set_literal(P, i, &b, &optok)) return -1;
  }
  if (advance(P)) return -1;
  return i;
}

static int32_t parse_primary(parser *P) {
  tok t = P->cur;
  if (t.t == T_LP) {
    int32_t i;
    if (P->depth >= ACR_FILTER_MAX_DEPTH)
      return perr(P, t.off, ACR_ELIMIT,
                  "parentheses nested deeper than %d", ACR_FILTER_MAX_DEPTH);
    P->depth++;
    if (advance(P) || (i = parse_or(P)) < 0) return -1;
    if (P->cur.t != T_RP) {
      char buf[80];
      snprintf(buf, sizeof buf, "'and', 'or' or ')' to close the '(' at "
               "column %ld", column_of(P->s, P->n, t.off));
      return unexpected(P, &P->cur, buf);
    }
    P->depth--;
    if (advance(P)) return -1;
    return i;
  }
  if (t.t == T_IDENT) {
    tok next;
    if (refused_word(P, &t)) return -1;
    if (lex(P, t.off + t.len, &next)) return -1;
    if (next.t == T_LP) {
      if (tok_is(P, &t, "contains")) return parse_contains(P);
      return perr(P, t.off, ACR_ESYNTAX,
                  "function '%.*s' is not supported by the service "
                  "(contains is the only function $filter allows)",
                  (int)(t.len > 40 ? 40 : t.len), P->s + t.off);
    }
  }
  return parse_comparison(P);
}

static int32_t parse_chain(parser *P, int type) {
  const char *word = type == N_OR ? "or" : "and";
  int32_t left = type == N_OR ? parse_chain(P, N_AND) : parse_primary(P);
  int32_t n;
  if (left < 0 || !tok_is(P, &P->cur, word)) return left;
  if ((n = new_node(P, type)) < 0) return -1;
  add_child(P->f, n, left);
  while (tok_is(P, &P->cur, word)) {
    int32_t right;
    if (advance(P)) return -1;
    right = type == N_OR ? parse_chain(P, N_AND) : parse_primary(P);
    if (right < 0) return -1;
    add_child(P->f, n, right);
  }
  return n;
}

static int32_t parse_or(parser *P) { return parse_chain(P, N_OR); }

acr_filter *acr_filter_compile(const char *expr, size_t n,
                               const acr_allocator *a, acr_error *err) {
  parser P;
  acr_filter *f;
  int32_t root;
  acr_err_clear(err);
  if (a == NULL || a->f == NULL || (expr == NULL && n > 0)) {
    acr_err(err, ACR_EMISUSE, "acr_filter_compile: bad arguments");
    return NULL;
  }
  if (n > ACR_FILTER_MAX_LEN) {
    acr_err(err, ACR_ELIMIT, "filter expression longer than %lu bytes",
            (unsigned long)ACR_FILTER_MAX_LEN);
    return NULL;
  }
  f = (acr_filter *)acr_malloc(a, sizeof *f);
  if (f == NULL) {
    acr_err_nomem(err);
    return NULL;
  }
  memset(f, 0, sizeof *f);
  f->alloc = *a;
  f->root = -1;
  f->img_repo = find_field(&acr_type_image, "repository");
  f->img_tag = find_field(&acr_type_image, "tag");
  f->img_digest = find_field(&acr_type_image, "digest");
  P.s = expr ? expr : "";
  P.n = n;
  P.f = f;
  P.err = err;
  P.depth = 0;
  if (f->img_repo == NULL || f->img_tag == NULL || f->img_digest == NULL) {
    perr(&P, 0, ACR_EMISUSE, "internal: ImageDescriptor fields missing");
    goto fail;
  }
  if (lex(&P, 0, &P.cur)) goto fail;
  if ((root = parse_or(&P)) < 0) goto fail;
  if (P.cur.t != T_EOF) {
    if (P.cur.t == T_RP)
      perr(&P, P.cur.off, ACR_ESYNTAX,
           "expected 'and', 'or' or end of expression, found ')' without a "
           "matching '('");
    else
      unexpected(&P, &P.cur, "'and', 'or' or end of expression");
    goto fail;
  }
  f->root = root;
  return f;
fail:
  acr_filter_free(f);
  return NULL;
}

/* ---- tostring ------------------------------------------------------------ */

static acr_status put_quoted(acr_buf *b, const char *s, size_t n) {
  size_t i, start = 0;
  if (acr_buf_addc(b, '\'')) return ACR_EMEMORY;
  for (i = 0; i < n; i++) {
    if (s[i] != '\'') continue;
    if (acr_buf_add(b, s + start, i + 1 - start)) return ACR_EMEMORY;
    start = i; /* the quote is written again: doubled */
  }
  if (acr_buf_add(b, s + start, n - start)) return ACR_EMEMORY;
  return acr_buf_addc(b, '\'');
}

static acr_status put_node(const acr_filter *f, int32_t i, int parent,
                           acr_buf *b) {
  const fnode *nd = &f->nodes[i];
  const char *name = props[nd->prop].name;
  const char *lit = f->text ? f->text + nd->soff : "";
  switch (nd->type) {
  case N_OR:
  case N_AND: {
    int paren = nd->type == N_OR && parent == N_AND;
    int32_t k;
    if (paren && acr_buf_addc(b, '(')) return ACR_EMEMORY;
    for (k = nd->first; k >= 0; k = f->nodes[k].next) {
      if (k != nd->first &&
          (nd->type == N_OR ? acr_buf_addlit(b, " or ")
                            : acr_buf_addlit(b, " and ")))
        return ACR_EMEMORY;
      if (put_node(f, k, nd->type, b)) return ACR_EMEMORY;
    }
    if (paren && acr_buf_addc(b, ')')) return ACR_EMEMORY;
    return ACR_OK;
  }
  case N_CONTAINS:
    if (acr_buf_addlit(b, "contains(") || acr_buf_add(b, name, strlen(name)) ||
        acr_buf_addlit(b, ", ") || put_quoted(b, lit, nd->slen) ||
        acr_buf_addc(b, ')'))
      return ACR_EMEMORY;
    return ACR_OK;
  default:
    break;
  }
  if (acr_buf_add(b, name, strlen(name)) || acr_buf_addc(b, ' ') ||
      acr_buf_add(b, opnames[nd->op], 2) || acr_buf_addc(b, ' '))
    return ACR_EMEMORY;
  switch (nd->lit) {
  case L_NULL: return acr_buf_addlit(b, "null");
  case L_BOOL:
    return nd->code ? acr_buf_addlit(b, "true") : acr_buf_addlit(b, "false");
  case L_DATETIME: {
    char text[ACR_DATETIME_TEXT_MAX];
    size_t n = acr_datetime_format(&nd->dt, text);
    return acr_buf_add(b, text, n);
  }
  default:
    if (props[nd->prop].kind == PK_ENUM && nd->code >= 0) {
      const acr_enum_def *def = (nd->f2 ? nd->f2 : nd->f1)->enumdef;
      return put_quoted(b, def->values[nd->code], def->lengths[nd->code]);
    }
    return put_quoted(b, lit, nd->slen);
  }
}

acr_status acr_filter_tostring(const acr_filter *f, acr_buf *out) {
  if (f == NULL || out == NULL || f->root < 0) return ACR_EMISUSE;
  return put_node(f, f->root, -1, out);
}

/*
 * acr_filter_int.h -- the compiled $filter, shared by its compiler
 * (acr_filter_parse.c: lexer, parser, tree, tostring) and its evaluators
 * (acr_filter_match.c: over a run, over a list's columns); hidden.
 *
 * The tree lives in two growing arrays of the filter (nodes, literal
 * text), addressed by index; and/or nodes are n-ary (a chain of siblings
 * from first to last through next).  A leaf names its property (prop, an
 * index into the compiler's table), the kind of value it reads (kind), the
 * Run field (f1) and, for platform/os and platform/architecture, the
 * platform field (f2), and the list column it can read instead (col).
 */
#ifndef ACR_FILTER_INT_H
#define ACR_FILTER_INT_H

#include "acr_query.h"

/* Kinds of property values. */
enum { PK_STRING, PK_ENUM, PK_DATETIME, PK_BOOL, PK_MANIFESTS };
/* Node types, comparison operators, literal types. */
enum { N_OR, N_AND, N_CMP, N_CONTAINS };
enum { OP_EQ, OP_NE, OP_GT, OP_GE, OP_LT, OP_LE, OP_COUNT };
enum { L_NULL, L_STRING, L_BOOL, L_DATETIME };

typedef struct fnode {
  uint8_t type; /* N_* */
  uint8_t op;   /* OP_*, N_CMP */
  uint8_t prop; /* property, N_CMP and N_CONTAINS (tostring writes it) */
  uint8_t kind; /* PK_* of the property */
  uint8_t lit;  /* L_*, N_CMP */
  int8_t col;   /* the list column (acr_runlist_cols.h) the leaf reads, or -1 */
  int32_t first, last, next; /* children of and/or; sibling link; -1 */
  const acr_field *f1;       /* Run field */
  const acr_field *f2;       /* field of the record f1 points to, or NULL */
  int32_t code;              /* enum code of a string literal; bool value */
  uint32_t soff, slen;       /* string literal in text */
  acr_datetime dt;
} fnode;

struct acr_filter {
  acr_allocator alloc;
  fnode *nodes;
  size_t nnodes, capnodes;
  char *text;
  size_t ntext, captext;
  int32_t root;
  const acr_field *img_repo, *img_tag, *img_digest; /* ImageDescriptor */
};

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter internals shared by filter_parse.c (lexer and recursive-descent
 * parser, which build the tree), filter_sets.c (lists of hosts, nets and
 * ports made into set predicates) and filter.c (normaliser and matcher,
 * which turn the tree into the rule set).  Not part of the API: callers
 * use filter.h.
 */
#ifndef FS_FILTER_INT_H
#define FS_FILTER_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "fs_shared.h"
#include "parse/filter.h"

enum node_kind { N_PRED, N_AND, N_OR, N_NOT };

/* A primitive's qualifiers, as written or taken from the one before. */
enum q_proto { QP_NONE, QP_IP, QP_IP6, QP_TCP, QP_UDP };
enum q_dir { QD_NONE, QD_SRC, QD_DST, QD_ANY, QD_BOTH };
enum q_type { QT_NONE, QT_HOST, QT_NET, QT_PORT, QT_PORTRANGE };

/* A tree node; l and r index filter_tree.nodes (-1: none). */
struct node {
	enum node_kind kind;
	int l, r;
	struct fs_pred pred;
	/* Where its text lies in the expression: [start, end) in bytes. */
	unsigned int start, end;
	bool paren; /* written in parentheses */
	bool prim; /* the node a primitive became ("tcp port 80": an AND) */
	bool bare; /* prim: a value alone, qualified by the one before */
	unsigned char qproto, qtype; /* prim: enum q_proto, enum q_type */
};

/* The parse tree of one expression, and where its messages go. */
struct filter_tree {
	struct node *nodes;
	int nnodes;
	int cap;
	char *err;
	size_t errlen;
};

/* Write a one-line message into tr->err (when given); returns ret. */
__attribute__((format(printf, 3, 4))) int
filter_fail(struct filter_tree *tr, int ret, const char *fmt, ...);

/*
 * Lex and parse expr into tr (the caller frees tr->nodes, also on
 * failure).  Returns the index of the root node, or -errno with a message.
 */
int filter_tree_parse(struct filter_tree *tr, const char *expr);

/*
 * filter_sets.c: rewrite the tree at root so that each list of hosts,
 * nets or ports (FILTER_SET_MIN or more alike primitives joined by "or",
 * or negated ones joined by "and") is one set predicate, whose members go
 * to out->sets; and write out->skeleton and out->parts (see filter.h).
 * Returns the new root, or -errno with a message.
 */
int filter_sets_form(struct filter_tree *tr, int root, const char *expr,
		     struct filter_rules *out);

/* A list is a set from this many members on. */
#define FILTER_SET_MIN 2

#endif /* FS_FILTER_INT_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * filter internals shared by filter_parse.c (lexer and recursive-descent
 * parser, which build the tree) and filter.c (normaliser and matcher,
 * which turn the tree into the rule set).  Not part of the API: callers
 * use filter.h.
 */
#ifndef FS_FILTER_INT_H
#define FS_FILTER_INT_H

#include <stddef.h>

#include "fs_shared.h"

enum node_kind { N_PRED, N_AND, N_OR, N_NOT };

/* A tree node; l and r index filter_tree.nodes (-1: none). */
struct node {
	enum node_kind kind;
	int l, r;
	struct fs_pred pred;
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

#endif /* FS_FILTER_INT_H */

/* ast.c: constructors for AST nodes, used by the parser's actions. */
#include "annealc_int.h"

Node *ast_new(Arena *a, NodeKind kind, Loc loc)
{
	Node *n = arena_alloc(a, sizeof *n);
	n->kind = kind;
	n->loc = loc;
	return n;
}

Node *ast_binary(Arena *a, NodeKind kind, Loc loc, Node *lhs, Node *rhs)
{
	Node *n = ast_new(a, kind, loc);
	n->lhs = lhs;
	n->rhs = rhs;
	return n;
}

Node *ast_append(Node *head, Node *item)
{
	if (!head) {
		item->tail = item;
		return item;
	}
	if (!head->tail) /* a list begun by a parser rule's single item */
		head->tail = head;
	head->tail->next = item;
	head->tail = item;
	return head;
}

int ast_length(const Node *list)
{
	int n = 0;
	for (; list; list = list->next)
		n++;
	return n;
}

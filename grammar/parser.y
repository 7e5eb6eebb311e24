/* parser.y: Bison grammar of the Anneal language; actions only build AST nodes with their locations. */
%require "3.8"
%define api.pure full
%define parse.error custom
%locations
%expect 0
%param {Lexer *lx}

%code requires {
#include "annealc_int.h"
}

%code provides {
int lex_next(YYSTYPE *lval, YYLTYPE *lloc, Lexer *lx);
}

%code {
#include <limits.h>
#include <string.h>

#define yylex lex_next
#define AR (lx->arena)

static void yyerror(YYLTYPE *l, Lexer *lx, const char *msg);

/* l underlined: on its first line, to the end of that line when it goes on. */
static Loc at(YYLTYPE l)
{
	return (Loc){ l.first_line, l.first_column, l.first_column,
		      l.last_line == l.first_line ? l.last_column : INT_MAX };
}

/* The caret at l (an operator, a call's name) and the range all of an
   expression covers underlined: clang's `~~~~^~~~~`. */
static Loc at_in(YYLTYPE l, YYLTYPE all)
{
	Loc c = at(all);
	c.line = l.first_line;
	c.col = l.first_column;
	if (l.first_line != all.first_line) /* an operator on a later line than its left operand */
		c.from = c.col, c.to = all.last_line == l.first_line ? all.last_column : INT_MAX;
	return c;
}

static Node *leaf(Lexer *lx, NodeKind kind, YYLTYPE l, const char *name)
{
	Node *n = ast_new(AR, kind, at(l));
	n->name = name;
	return n;
}

/* x steps | x epochs | x% */
static Node *unit(Lexer *lx, YYLTYPE l, Node *x, int unit)
{
	Node *n = ast_binary(AR, ND_UNIT, at(l), x, NULL);
	n->unit = unit;
	return n;
}

/* '(' seq ')': a parenthesised expression when the sequence is one bare
   expression phase (no label, no 'for'), else the sequence as an operand
   of the expression around it (lower.c combines their values), found at
   its brackets. */
static Node *paren_seq(Lexer *lx, Node *seq, YYLTYPE l)
{
	(void)lx;
	Node *ph = seq->phases;
	if (!ph->next && !ph->name && !ph->duration && ph->body->kind != ND_RESTARTS && ph->body->kind != ND_CYCLES)
		return ph->body;
	seq->loc = at(l);
	return seq;
}

/* NAME '{' seq '}' as a phase body: a list of cycles when NAME is `cycles`. */
static Node *cycles(Lexer *lx, const char *name, YYLTYPE l, Node *seq, YYLTYPE close)
{
	if (strcmp(name, "cycles") != 0)
		diag_error(lx->diag, at(l), "'%s { ... }' is not a phase: a list of cycles is written 'cycles { ... }'",
		           name);
	Node *n = ast_new(AR, ND_CYCLES, at(l));
	n->body = seq;
	n->end = at(close);
	return n;
}

/* A name and its value: a param, let, channel or named argument; a
   duration is one with no name (NULL). */
static Node *item(Lexer *lx, NodeKind kind, YYLTYPE l, const char *name, Node *value)
{
	Node *n = leaf(lx, kind, l, name);
	n->value = value;
	return n;
}

/* An event or an action, NAME and what follows it. */
static Node *with_arg(Lexer *lx, NodeKind kind, YYLTYPE l, const char *name, Node *arg)
{
	Node *n = leaf(lx, kind, l, name);
	n->arg = arg;
	return n;
}

/* [LABEL ':'] body ['for' duration], found at loc. */
static Node *phase(Lexer *lx, Loc loc, const char *label, Node *body, Node *duration)
{
	Node *n = ast_new(AR, ND_PHASE, loc);
	n->name = label;
	n->body = body;
	n->duration = duration;
	return n;
}
}

%union {
	double num;
	const char *str;
	Node *node;
}

%token <num> NUM "number"
%token <str> IDENT "name"
%token KW_SCHEDULE "schedule" KW_PARAM "param" KW_LET "let" KW_CHANNEL "channel"
%token KW_ON "on" KW_FOR "for" KW_THEN "then" KW_RESTARTS "restarts"
%token KW_STEPS "steps" KW_EPOCHS "epochs"
%token EQ "==" NE "!=" LE "<=" GE ">=" AND "&&" OR "||"
/* Never reaches the grammar: only a lexer that keeps comments (the formatter's) returns it. */
%token COMMENT "comment"

%type <node> schedules schedule items item actions action event
%type <node> seq phase body duration expr args arglist arg elems

%left OR
%left AND
%nonassoc EQ NE
%nonassoc '<' LE '>' GE
%left '+' '-'
%left '*' '/'
/* A unit takes the operand before it, as tightly as a product would not:
   2 * 5 epochs is 2 * (5 epochs), 100% - 90% is (100%) - (90%). */
%precedence KW_STEPS KW_EPOCHS '%'
%precedence UMINUS '!'
%right '^'

%%

/* file = schedule* */
file: schedules { lx->result = $1; }
    ;

/* schedule*, in source order */
schedules: %empty { $$ = NULL; }
    | schedules schedule { $$ = ast_append($1, $2); }
    ;

/* schedule = 'schedule' NAME '{' item* '}' */
schedule: KW_SCHEDULE IDENT '{' items '}' {
		$$ = leaf(lx, ND_SCHEDULE, @2, $2);
		$$->items = $4;
		$$->end = at(@5);
	}
    ;

/* item*, in source order; an item the parser recovered from (error) is left
   out, its message already given */
items: %empty { $$ = NULL; }
    | items item { $$ = $2 ? ast_append($1, $2) : $1; }
    ;

/* item = param | let | channel | custom channel | hook */
item: KW_PARAM IDENT '=' expr ';' { $$ = item(lx, ND_PARAM, @2, $2, $4); }
    | KW_LET IDENT '=' seq ';'    { $$ = item(lx, ND_LET, @2, $2, $4); }
    | IDENT '=' seq ';'           { $$ = item(lx, ND_CHANNEL, @1, $1, $3); }
    | KW_CHANNEL IDENT '=' seq ';' { $$ = item(lx, ND_CUSTOM, @2, $2, $4); }
    | KW_ON event '{' actions '}' { $$ = $2; $$->actions = $4; $$->end = at(@5); }
    | error ';' { $$ = NULL; }
    | error '}' { $$ = NULL; }
    ;

/* event = NAME [expr]   -- restart | every N | at N | enter LABEL */
event: IDENT      { $$ = leaf(lx, ND_HOOK, @1, $1); }
    | IDENT expr  { $$ = with_arg(lx, ND_HOOK, @1, $1, $2); }
    ;

/* action*, in source order; a malformed action is left out, as in items */
actions: %empty { $$ = NULL; }
    | actions action { $$ = $2 ? ast_append($1, $2) : $1; }
    ;

/* action = NAME [NAME] ';'   -- reset momentum | reset moments | snapshot | swa | call NAME */
action: IDENT ';'         { $$ = leaf(lx, ND_ACTION, @1, $1); }
    | IDENT IDENT ';'     { $$ = with_arg(lx, ND_ACTION, @1, $1, leaf(lx, ND_IDENT, @2, $2)); }
    | error ';'           { $$ = NULL; }
    ;

/* seq = phase ('then' phase)* */
seq: phase {
		$$ = ast_new(AR, ND_SEQ, $1->loc);
		$$->phases = ast_append(NULL, $1);
	}
    | seq KW_THEN phase { $$ = $1; ast_append($$->phases, $3); }
    ;

/* phase = [LABEL ':'] body ['for' duration] */
phase: body                         { $$ = phase(lx, $1->loc, NULL, $1, NULL); }
    | body KW_FOR duration          { $$ = phase(lx, $1->loc, NULL, $1, $3); }
    | IDENT ':' body                { $$ = phase(lx, at(@1), $1, $3, NULL); }
    | IDENT ':' body KW_FOR duration { $$ = phase(lx, at(@1), $1, $3, $5); }
    ;

/* body = expr | 'restarts' '(' args ')' '{' seq '}' | 'cycles' '{' seq '}'
   ('cycles' a name everywhere else, so a param or a schedule may be called so) */
body: expr
    | KW_RESTARTS '(' args ')' '{' seq '}' {
		$$ = ast_new(AR, ND_RESTARTS, at(@1));
		$$->args = $3;
		$$->body = $6;
		$$->end = at(@7);
	}
    | IDENT '{' seq '}'     { $$ = cycles(lx, $1, @1, $3, @4); }
    ;

/* duration = expr   -- a step count, its units inside it */
duration: expr          { $$ = item(lx, ND_DURATION, @1, NULL, $1); }
    ;

/* expr = NUM | NAME | NAME '(' args ')' | '(' seq ')' | '[' [elems] ']'
        | ('-' | '!') expr | expr OP expr | expr ('steps' | 'epochs' | '%')
   OP by precedence, loosest first: || && (== !=) (< <= > >=) (+ -) (* /),
   then the units, unary - and !, and ^ (right-associative): %left and friends above */
expr: NUM                  { $$ = ast_new(AR, ND_NUM, at(@1)); $$->num = $1; }
    | IDENT                { $$ = leaf(lx, ND_IDENT, @1, $1); }
    | IDENT '(' args ')'   { $$ = ast_new(AR, ND_CALL, at_in(@1, @$)); $$->name = $1; $$->args = $3; }
    | '(' seq ')'          { $$ = paren_seq(lx, $2, @$); }
    | '[' ']'              { $$ = ast_new(AR, ND_LIST, at_in(@1, @$)); }
    | '[' elems ']'        { $$ = ast_new(AR, ND_LIST, at_in(@1, @$)); $$->args = $2; }
    | '-' expr %prec UMINUS { $$ = ast_binary(AR, ND_NEG, at_in(@1, @$), $2, NULL); }
    | '!' expr             { $$ = ast_binary(AR, ND_NOT, at_in(@1, @$), $2, NULL); }
    | expr '^' expr        { $$ = ast_binary(AR, ND_POW, at_in(@2, @$), $1, $3); }
    | expr '*' expr        { $$ = ast_binary(AR, ND_MUL, at_in(@2, @$), $1, $3); }
    | expr '/' expr        { $$ = ast_binary(AR, ND_DIV, at_in(@2, @$), $1, $3); }
    | expr '+' expr        { $$ = ast_binary(AR, ND_ADD, at_in(@2, @$), $1, $3); }
    | expr '-' expr        { $$ = ast_binary(AR, ND_SUB, at_in(@2, @$), $1, $3); }
    | expr '<' expr        { $$ = ast_binary(AR, ND_LT, at_in(@2, @$), $1, $3); }
    | expr LE expr         { $$ = ast_binary(AR, ND_LE, at_in(@2, @$), $1, $3); }
    | expr '>' expr        { $$ = ast_binary(AR, ND_GT, at_in(@2, @$), $1, $3); }
    | expr GE expr         { $$ = ast_binary(AR, ND_GE, at_in(@2, @$), $1, $3); }
    | expr EQ expr         { $$ = ast_binary(AR, ND_EQ, at_in(@2, @$), $1, $3); }
    | expr NE expr         { $$ = ast_binary(AR, ND_NE, at_in(@2, @$), $1, $3); }
    | expr AND expr        { $$ = ast_binary(AR, ND_AND, at_in(@2, @$), $1, $3); }
    | expr OR expr         { $$ = ast_binary(AR, ND_OR, at_in(@2, @$), $1, $3); }
    | expr KW_STEPS        { $$ = unit(lx, @$, $1, DUR_STEPS); }
    | expr KW_EPOCHS       { $$ = unit(lx, @$, $1, DUR_EPOCHS); }
    | expr '%'             { $$ = unit(lx, @$, $1, DUR_PERCENT); }
    ;

/* args = [arg (',' arg)*] */
args: %empty  { $$ = NULL; }
    | arglist
    ;

arglist: arg            { $$ = $1; }
    | arglist ',' arg   { $$ = ast_append($1, $3); }
    ;

/* arg = expr | NAME '=' expr | expr ':' expr */
arg: expr
    | IDENT '=' expr    { $$ = item(lx, ND_NAMED, @1, $1, $3); }
    | expr ':' expr     { $$ = ast_binary(AR, ND_POINT, $1->loc, $1, $3); }
    ;

/* elems = expr (',' expr)*   -- a list's elements: multistep's milestones */
elems: expr             { $$ = $1; }
    | elems ',' expr    { $$ = ast_append($1, $3); }
    ;

%%

/* Bison's own failures: only its stack can overflow, on absurdly deep nesting. */
static void yyerror(YYLTYPE *l, Lexer *lx, const char *msg)
{
	(void)msg;
	diag_error(lx->diag, at(*l), "expression is nested too deeply for the parser (more than %d levels)",
	           YYMAXDEPTH / 2);
}

/* Keywords and punctuation quoted, token classes (name, number) as they are. */
static int token_name(char *buf, size_t size, yysymbol_kind_t sym)
{
	const char *name = yysymbol_name(sym);
	if (sym == YYSYMBOL_NUM || sym == YYSYMBOL_IDENT || name[0] == '\'')
		return snprintf(buf, size, "%s", name);
	return snprintf(buf, size, "'%s'", name);
}

/* Whether the parser would take the token spelt quoted (such as "')'") here. */
static int expects(const yypcontext_t *ctx, const char *quoted)
{
	yysymbol_kind_t expected[YYNTOKENS];
	int n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
	for (int i = 0; i < n; i++)
		if (strcmp(yysymbol_name(expected[i]), quoted) == 0)
			return 1;
	return 0;
}

/* "to close '(' opened here" after a syntax error at the end of the file,
   or where the innermost open bracket's closer would have been taken. The
   token that is the error has already moved the lexer's stack: a closer
   popped the bracket it failed to close, an opener pushed itself. */
static void unclosed_note(const yypcontext_t *ctx, Lexer *lx, yysymbol_kind_t got)
{
	int i = lx->nopen - 1 - lx->moved;
	if (i < 0 || i >= (int)(sizeof lx->open / sizeof lx->open[0]))
		return;
	char ch = lx->open[i].ch;
	char closer[] = { '\'', ch == '(' ? ')' : ch == '[' ? ']' : '}', '\'', 0 };
	if (got == YYSYMBOL_YYEOF || expects(ctx, closer))
		diag_note(lx->diag, lx->open[i].loc, "to close '%c' opened here", ch);
}

/* Where the token before the current one starts when it is `word`, on its
   line with only blanks between, else NULL: `cycles` is a name but where a
   '{' follows it. */
static const char *word_before(const Lexer *lx, const char *word)
{
	const char *p = lx->tok;
	size_t n = strlen(word);
	while (p > lx->line_start && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	if ((size_t)(p - lx->line_start) < n || memcmp(p - n, word, n) != 0)
		return NULL;
	p -= n;
	if (p == lx->line_start)
		return p;
	char c = p[-1];
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? NULL : p;
}

/* "expected A or B before X", or "unexpected X" when too many tokens could
   go there to list, at the offending token -- or, when one of the few that
   are missing belongs at the end of the previous line, there. */
static int yyreport_syntax_error(const yypcontext_t *ctx, Lexer *lx)
{
	enum { MAX_EXPECTED = 4 };
	yysymbol_kind_t expected[MAX_EXPECTED];
	int n = yypcontext_expected_tokens(ctx, expected, MAX_EXPECTED);
	yysymbol_kind_t got = yypcontext_token(ctx);
	const YYLTYPE *l = yypcontext_location(ctx);
	Loc loc = at(*l);
	if (n > 0 && got != YYSYMBOL_YYEOF && lx->prev_end.line > 0 && lx->prev_end.line < loc.line)
		loc = lx->prev_end;

	char msg[512];
	int len = 0;
	if (n > 0) {
		len += snprintf(msg + len, sizeof msg - (size_t)len, "expected ");
		for (int i = 0; i < n; i++) {
			const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
			len += snprintf(msg + len, sizeof msg - (size_t)len, "%s", sep);
			len += token_name(msg + len, sizeof msg - (size_t)len, expected[i]);
		}
		len += snprintf(msg + len, sizeof msg - (size_t)len, " ");
	} else {
		len += snprintf(msg + len, sizeof msg - (size_t)len, "unexpected ");
	}
	if (got == YYSYMBOL_YYEOF) {
		snprintf(msg + len, sizeof msg - (size_t)len, "%send of file", n > 0 ? "before " : "");
	} else {
		snprintf(msg + len, sizeof msg - (size_t)len, "%s'%.*s'", n > 0 ? "before " : "",
		         (int)(lx->cur - lx->tok), lx->tok);
	}
	diag_error(lx->diag, loc, "%s", msg);
	unclosed_note(ctx, lx, got);
	/* restarts or cycles where an operand goes: `2 * restarts(...) { ... }`,
	   the note at the word (for cycles, the token before the error's '{') */
	const char *form = NULL, *word = NULL;
	Loc at_word = at(*l);
	if (got == YYSYMBOL_KW_RESTARTS && expects(ctx, "number"))
		form = "restarts(...)";
	else if (strcmp(yysymbol_name(got), "'{'") == 0 && (word = word_before(lx, "cycles")) && expects(ctx, "then")) {
		form = "cycles";
		at_word = lex_loc(lx, word);
		at_word.from = at_word.col;
		at_word.to = at_word.col + (int)strlen("cycles");
	}
	if (form)
		diag_note(lx->diag, at_word, "'%s { ... }' is a sequence of phases: as an operand of an expression it goes "
		          "in brackets, '(%s { ... })'", form, form);
	return 0;
}

Node *parse_file(Arena *a, Diag *d)
{
	Lexer lx = { 0 };
	lx.cur = lx.line_start = d->src->text;
	lx.lim = d->src->text + d->src->len;
	lx.line = 1;
	lx.arena = a;
	lx.diag = d;
	int rc = yyparse(&lx);
	if (rc != 0 || d->nerror > 0)
		return NULL;
	if (!lx.result) {
		diag_error(d, (Loc){ .line = 1, .col = 1 }, "empty file: expected 'schedule NAME { ... }'");
		return NULL;
	}
	return lx.result;
}

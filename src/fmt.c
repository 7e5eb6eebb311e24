/* fmt.c: annealc fmt -- a schedule file's canonical layout, rebuilt from its
   tokens with every comment kept; the rules are doc/language.md's "Layout". */
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"
#include "parser.h"

enum {
	MAX_WIDTH = 100, /* the code of a line, comments not counted */
	INDENT = 2,      /* a block's items, a restarts block's phases */
	HANGING = 4      /* a line that goes on an expression broken in the source */
};

typedef struct Tok {
	int kind; /* the parser's token number, COMMENT, or 0 at the end */
	const char *text;
	int len;
	int line, col;
	int breaks; /* newlines between the previous token, comment or not, and this one */
	int gap;    /* for code: newlines since the previous code token, through comments */
} Tok;

typedef struct Line {
	size_t code, code_len; /* in Fmt.buf: the indentation and code */
	const Tok *comment;    /* the comment that ends the line, or NULL */
	int has_code;          /* more than indentation: a comment after it is aligned with others */
	int blank;
} Line;

/* Where a token goes: on the line under way, or at the start of a new one. */
typedef enum { SAME_LINE, NEW_LINE } Place;

enum { MAX_BRACKETS = 64 };

typedef struct Fmt {
	Arena *arena;
	Tok *tok;
	int ntok, pos;
	int *match; /* for an opening bracket's index, its closer's */
	Line *line;
	int nline;
	size_t line_cap;
	char *buf;
	size_t buf_len, buf_cap;
	/* the line under way */
	int open;        /* there is one: Fmt.line[nline - 1] */
	int col;         /* its width so far */
	int must_break;  /* a comment ended it: the next code starts a new line */
	int prev_kind;   /* the last code token written, 0 at a line's start */
	int prev_unary;  /* that token was a prefix '-' or '!' */
	int want_operand; /* the next token starts a value: a '-' there is negation */
	int blank_ok;    /* a blank line of the source before the next line is kept */
	/* the block comment written last within the line, when nothing came
	   after it: if the line ends there, it becomes the line's end comment */
	const Tok *last_comment;
	size_t last_comment_at; /* where in buf it (and the space before it) began */
	int code_before_comment; /* the line had code before it */
	/* an expression broken where the source broke it goes on just inside
	   its innermost open bracket, or else at cont */
	int cont;
	int depth;
	int bracket_col[MAX_BRACKETS];
	/* per '{' of a restarts or cycles block kept on one line: the line it
	   went on, for definition to find those on lines too wide */
	int *block_line;
	/* per such '{': definition's last resort, open this block and break
	   every 'then' in it */
	char *must_open;
} Fmt;

static void *grow(Fmt *f, void *old, size_t used, size_t *cap, size_t need)
{
	if (need <= *cap)
		return old;
	size_t n = *cap ? *cap : 4096;
	while (n < need)
		n *= 2;
	void *p = arena_alloc(f->arena, n);
	if (used)
		memcpy(p, old, used);
	*cap = n;
	return p;
}

/* ---- tokens ---- */

/* Every token and comment of the text; the text has parsed, so the lexer
   reports nothing here. */
static void tokenize(Fmt *f, const Src *src)
{
	Diag quiet = { .src = src };
	Lexer lx = { 0 };
	lx.cur = lx.line_start = src->text;
	lx.lim = src->text + src->len;
	lx.line = 1;
	lx.arena = f->arena;
	lx.diag = &quiet;
	lx.keep_comments = 1;
	size_t cap = 0;
	const char *prev_end = src->text, *prev_code_end = src->text;
	for (;;) {
		YYSTYPE val;
		YYLTYPE loc;
		int kind = lex_next(&val, &loc, &lx);
		f->tok = grow(f, f->tok, (size_t)f->ntok * sizeof *f->tok, &cap, (size_t)(f->ntok + 1) * sizeof *f->tok);
		Tok *t = &f->tok[f->ntok++];
		const char *start = kind ? lx.tok : lx.lim;
		*t = (Tok){ .kind = kind, .text = start, .len = (int)(lx.cur - start), .line = loc.first_line,
		            .col = loc.first_column };
		for (const char *p = prev_end; p < start; p++)
			t->breaks += *p == '\n';
		if (kind == COMMENT) {
			while (t->len > 0 && strchr(" \t\r\f\v", t->text[t->len - 1])) /* a '#' comment's trailing blanks */
				t->len--;
		} else {
			for (const char *p = prev_code_end; p < start; p++)
				t->gap += *p == '\n';
			prev_code_end = lx.cur;
		}
		prev_end = lx.cur;
		if (!kind)
			return;
	}
}

/* match[i] for every bracket; the text has parsed, so they pair. */
static void match_brackets(Fmt *f)
{
	f->match = arena_alloc(f->arena, (size_t)f->ntok * sizeof *f->match);
	f->block_line = arena_alloc(f->arena, (size_t)f->ntok * sizeof *f->block_line);
	f->must_open = arena_alloc(f->arena, (size_t)f->ntok);
	int *stack = arena_alloc(f->arena, (size_t)f->ntok * sizeof *stack);
	int n = 0;
	for (int i = 0; i < f->ntok; i++) {
		int k = f->tok[i].kind;
		if (k == '(' || k == '[' || k == '{')
			stack[n++] = i;
		else if ((k == ')' || k == ']' || k == '}') && n > 0)
			f->match[stack[--n]] = i;
	}
}

/* The index of the first code token at or after i. */
static int code_at(const Fmt *f, int i)
{
	while (f->tok[i].kind == COMMENT)
		i++;
	return i;
}

static int next_kind(const Fmt *f)
{
	return f->tok[code_at(f, f->pos)].kind;
}

/* ---- lines ---- */

static void append(Fmt *f, const char *s, size_t n)
{
	f->buf = grow(f, f->buf, f->buf_len, &f->buf_cap, f->buf_len + n);
	memcpy(f->buf + f->buf_len, s, n);
	f->buf_len += n;
	f->line[f->nline - 1].code_len += n;
	f->col += (int)n;
}

/* Whether line l opens a block: a blank line never follows it. */
static int opens_block(const Fmt *f, const Line *l)
{
	return l->code_len > 0 && f->buf[l->code + l->code_len - 1] == '{';
}

/* The line under way ends just after a block comment written within it:
   the comment moves to the line's end, as a comment that ended its line in
   the source is written, so that formatting the output again keeps it. */
static void end_with_comment(Fmt *f)
{
	Line *l = &f->line[f->nline - 1];
	f->buf_len = f->last_comment_at;
	while (f->code_before_comment && f->buf_len > l->code && f->buf[f->buf_len - 1] == ' ')
		f->buf_len--;
	l->code_len = f->buf_len - l->code;
	l->comment = f->last_comment;
	l->has_code = f->code_before_comment;
	f->last_comment = NULL;
}

/* A new line at column indent, after a blank one when the source had one
   here (breaks: its newlines before what starts the line) and blank lines
   are kept here. */
static void start_line(Fmt *f, int indent, int breaks)
{
	if (f->last_comment)
		end_with_comment(f);
	const Line *prev = f->nline > 0 ? &f->line[f->nline - 1] : NULL;
	int blank = breaks >= 2 && f->blank_ok && prev && !prev->blank && !opens_block(f, prev);
	for (int k = blank ? 0 : 1; k < 2; k++) {
		f->line = grow(f, f->line, (size_t)f->nline * sizeof *f->line, &f->line_cap,
		               (size_t)(f->nline + 1) * sizeof *f->line);
		f->line[f->nline++] = (Line){ .code = f->buf_len, .blank = k == 0 };
	}
	f->open = 1;
	f->col = 0;
	f->must_break = 0;
	f->prev_kind = 0;
	f->prev_unary = 0;
	for (int i = 0; i < indent; i++)
		append(f, " ", 1);
}

/* ---- spacing ---- */

/* A token after which a '-' is subtraction, not negation. */
static int ends_operand(int k)
{
	return k == NUM || k == IDENT || k == ')' || k == ']' || k == '}' || k == KW_STEPS || k == KW_EPOCHS ||
	       k == '%';
}

/* Whether a space goes between the last code token written and one of kind k. */
static int space_before(const Fmt *f, int k)
{
	int p = f->prev_kind;
	if (p == 0 || p == '(' || p == '[' || f->prev_unary)
		return 0;
	if (k == ',' || k == ';' || k == ')' || k == ']' || k == ':' || k == '%')
		return 0;
	if (k == '(' && (p == IDENT || p == KW_RESTARTS)) /* a call; restarts' options */
		return 0;
	return !(k == '}' && p == '{');
}

/* Tokens that stay on the line before them where the source broke it:
   they close, separate or qualify what precedes. */
static int attaches_left(int k)
{
	return k == ',' || k == ';' || k == ')' || k == ']' || k == ':' || k == '%' || k == KW_STEPS ||
	       k == KW_EPOCHS || k == '{';
}

/* The comment t where it was: after the code of the line under way (it
   followed code on its source line), on a line of its own at indent, or
   within the line (a block comment with code after it on its line). */
static void put_comment(Fmt *f, const Tok *t, int indent)
{
	int ends_line = t->text[0] == '#' || t[1].kind == 0 || t[1].breaks > 0;
	if (t->breaks > 0 || !f->open)
		start_line(f, indent, t->breaks);
	Line *l = &f->line[f->nline - 1];
	if (ends_line) {
		l->comment = t;
		f->must_break = 1;
		return;
	}
	f->code_before_comment = l->has_code;
	f->last_comment_at = f->buf_len;
	if (f->buf_len > l->code && f->buf[f->buf_len - 1] != ' ')
		append(f, " ", 1);
	append(f, t->text, (size_t)t->len);
	append(f, " ", 1);
	l->has_code = 1;
	f->last_comment = t;
	f->prev_kind = 0; /* the space after it is written */
}

/* Writes the next code token, after the comments before it. NEW_LINE
   starts it at column indent; SAME_LINE continues the line under way,
   unless a comment ended that line or the source broke it here: then it
   goes on at the expression's continuation column. */
static const Tok *take(Fmt *f, Place place, int indent)
{
	int at = code_at(f, f->pos);
	const Tok *t = &f->tok[at];
	int cont = f->depth > 0 ? f->bracket_col[(f->depth < MAX_BRACKETS ? f->depth : MAX_BRACKETS) - 1] : f->cont;
	int line_indent = place == NEW_LINE ? indent : cont;
	for (int i = f->pos; i < at; i++)
		put_comment(f, &f->tok[i], line_indent);
	int source_break = t->gap > 0 && !attaches_left(t->kind) && f->prev_kind != 0 && f->prev_kind != KW_THEN &&
	                   f->prev_kind != '=';
	if (place == NEW_LINE || f->must_break || source_break || !f->open)
		start_line(f, line_indent, place == NEW_LINE ? t->breaks : 0);
	else if (space_before(f, t->kind))
		append(f, " ", 1);
	int unary = (t->kind == '-' || t->kind == '!') && (f->want_operand || !ends_operand(f->prev_kind));
	f->last_comment = NULL;
	append(f, t->text, (size_t)t->len);
	f->line[f->nline - 1].has_code = 1;
	f->prev_kind = t->kind;
	f->prev_unary = unary;
	f->want_operand = 0;
	if (t->kind == '(' || t->kind == '[') {
		if (f->depth < MAX_BRACKETS)
			f->bracket_col[f->depth] = f->col;
		f->depth++;
	} else if ((t->kind == ')' || t->kind == ']') && f->depth > 0) {
		f->depth--;
	}
	f->pos = at + 1;
	return t;
}

/* The first token of an item (or an action) at indent, after a blank line
   if the source had one; none inside it. */
static const Tok *take_first(Fmt *f, int indent)
{
	f->blank_ok = 1;
	const Tok *t = take(f, NEW_LINE, indent);
	f->blank_ok = 0;
	f->depth = 0;
	f->cont = indent + HANGING;
	return t;
}

/* The comments before the next code token, on lines of their own at indent. */
static void comments_before(Fmt *f, int indent)
{
	int at = code_at(f, f->pos);
	for (; f->pos < at; f->pos++)
		put_comment(f, &f->tok[f->pos], indent);
}

/* ---- structure ---- */

/* Whether the source broke a line before or after a 'then' of the phases
   from i to end, nested restarts blocks and sequences in brackets aside. */
static int then_broken(const Fmt *f, int i, int end)
{
	for (i = code_at(f, i); i < end; i = code_at(f, i + 1)) {
		if (f->tok[i].kind == '{' || f->tok[i].kind == '(' || f->tok[i].kind == '[')
			i = f->match[i];
		else if (f->tok[i].kind == KW_THEN && (f->tok[i].gap > 0 || f->tok[code_at(f, i + 1)].gap > 0))
			return 1;
	}
	return 0;
}

/* Whether the source broke a line between tokens from i to end. */
static int any_break(const Fmt *f, int i, int end)
{
	for (i = code_at(f, i); i <= end; i = code_at(f, i + 1))
		if (f->tok[i].gap > 0)
			return 1;
	return 0;
}

static void seq(Fmt *f, int col, int end, int broken, Place first);

/* Whether the next tokens are `cycles {`: a name anywhere else. */
static int opens_cycles(const Fmt *f)
{
	int i = code_at(f, f->pos);
	const Tok *t = &f->tok[i];
	return t->kind == IDENT && t->len == 6 && memcmp(t->text, "cycles", 6) == 0 &&
	       f->tok[code_at(f, i + 1)].kind == '{';
}

/* restarts(options) { phases } or cycles { phases }: on the line, or, when
   the source broke a line inside the braces (or definition must), a block:
   its phases two columns in from col, the column of the sequence it is a
   phase of, and the '}' at col. */
static void block_body(Fmt *f, Place place, int col)
{
	int options = next_kind(f) == KW_RESTARTS;
	take(f, place, col);
	int rcol = col;
	int paren = code_at(f, f->pos);
	while (options && f->pos <= f->match[paren])
		take(f, SAME_LINE, 0);
	int brace = code_at(f, f->pos), close = f->match[brace];
	int block = f->must_open[brace] || any_break(f, brace + 1, close);
	take(f, SAME_LINE, 0);
	int cont = f->cont;
	if (block) {
		seq(f, rcol + INDENT, close, f->must_open[brace] || then_broken(f, brace + 1, close), NEW_LINE);
		comments_before(f, rcol + INDENT);
		take(f, NEW_LINE, rcol);
	} else {
		f->block_line[brace] = f->nline - 1;
		seq(f, f->col + 1, close, 0, SAME_LINE);
		take(f, SAME_LINE, 0);
	}
	f->cont = cont;
}

/* One phase: its tokens up to its 'then' or the end of its sequence, the
   first one placed as `first` says. A sequence in brackets, an operand of
   the phase's expression (`(a for 5 then b) * 2`), stays inside it: its
   'then's flow on the line instead of starting lines of their own. */
static void phase(Fmt *f, int col, int end, Place first)
{
	Place place = first;
	int depth = 0;
	while (code_at(f, f->pos) < end && (depth > 0 || next_kind(f) != KW_THEN)) {
		int k = next_kind(f);
		if (k == KW_RESTARTS || opens_cycles(f)) {
			block_body(f, place, col);
		} else {
			depth += k == '(' || k == '[';
			depth -= (k == ')' || k == ']') && depth > 0;
			take(f, place, col);
		}
		place = SAME_LINE;
	}
}

/* Phases joined by 'then', up to the token at end. Broken: every 'then'
   starts a line at col, the column of the first phase. */
static void seq(Fmt *f, int col, int end, int broken, Place first)
{
	f->cont = col + HANGING;
	phase(f, col, end, first);
	while (code_at(f, f->pos) < end) {
		take(f, broken ? NEW_LINE : SAME_LINE, col); /* then */
		f->cont = col + HANGING;
		phase(f, col, end, SAME_LINE);
	}
}

/* The widest code from line `first` on. */
static int widest(const Fmt *f, int first)
{
	int w = 0;
	for (int i = first; i < f->nline; i++)
		if ((int)f->line[i].code_len > w)
			w = (int)f->line[i].code_len;
	return w;
}

/* What was written since a mark can be taken back, to write it again
   another way: the arrays keep their growth, the rest is restored. */
typedef struct Mark {
	Fmt state;
	Line last; /* the line under way at the mark, as it was */
} Mark;

static Mark mark(const Fmt *f)
{
	return (Mark){ *f, f->nline > 0 ? f->line[f->nline - 1] : (Line){ 0 } };
}

static void rewind_to(Fmt *f, const Mark *m)
{
	Fmt now = *f;
	*f = m->state;
	f->tok = now.tok;
	f->line = now.line, f->line_cap = now.line_cap;
	f->buf = now.buf, f->buf_cap = now.buf_cap;
	if (f->nline > 0)
		f->line[f->nline - 1] = m->last;
}

/* on EVENT [value] { action; ... }: on one line when the source had it so
   and it fits, else one action a line. */
static void hook(Fmt *f, int indent)
{
	Mark m = mark(f);
	int brace = f->pos;
	while (f->tok[brace].kind != '{')
		brace++;
	int close = f->match[brace];
	for (int block = any_break(f, brace + 1, close);; block = 1) {
		take_first(f, indent); /* on */
		take(f, SAME_LINE, 0);           /* the event */
		f->want_operand = 1;
		while (next_kind(f) != '{')
			take(f, SAME_LINE, 0);
		take(f, SAME_LINE, 0);
		while (code_at(f, f->pos) < close) {
			const Tok *t = block ? take_first(f, indent + INDENT) : take(f, SAME_LINE, 0);
			while (t->kind != ';')
				t = take(f, SAME_LINE, 0);
		}
		if (block) {
			f->blank_ok = 1;
			comments_before(f, indent + INDENT);
			f->blank_ok = 0;
		}
		take(f, block ? NEW_LINE : SAME_LINE, indent);
		if (block || widest(f, m.state.nline) <= MAX_WIDTH)
			return;
		rewind_to(f, &m);
	}
}

/* After definition's try with every 'then' broken: marks each restarts or
   cycles block from token i to end that stayed on a line over MAX_WIDTH to
   be opened; whether there is one. */
static int open_wide_blocks(Fmt *f, int i, int end)
{
	int any = 0;
	for (i = code_at(f, i); i < end; i = code_at(f, i + 1))
		if (f->tok[i].kind == '{' && f->block_line[i] >= 0 && f->line[f->block_line[i]].code_len > MAX_WIDTH)
			any = f->must_open[i] = 1;
	return any;
}

/* param / let / channel / NAME = phases; -- the phases broken at every
   'then' when the source broke one, or when the line would be too wide;
   when a line is too wide even so, each restarts or cycles block on such a
   line opened as well, with every 'then' inside broken. */
static void definition(Fmt *f, int indent)
{
	Mark m = mark(f);
	int eq = code_at(f, f->pos);
	while (f->tok[eq].kind != '=')
		eq = code_at(f, eq + 1);
	int semi = code_at(f, eq + 1);
	while (f->tok[semi].kind != ';')
		semi = code_at(f, (f->tok[semi].kind == '(' || f->tok[semi].kind == '[' || f->tok[semi].kind == '{'
		                           ? f->match[semi]
		                           : semi) + 1);
	for (int attempt = then_broken(f, eq + 1, semi);; attempt++) {
		for (int i = eq; i < semi; i++)
			f->block_line[i] = -1;
		take_first(f, indent);
		while (f->pos <= eq)
			take(f, SAME_LINE, 0);
		seq(f, f->col + 1, semi, attempt >= 1, SAME_LINE);
		take(f, SAME_LINE, 0); /* ; */
		if (attempt == 2 || widest(f, m.state.nline) <= MAX_WIDTH ||
		    (attempt == 1 && !open_wide_blocks(f, eq + 1, semi)))
			return;
		rewind_to(f, &m);
	}
}

/* schedule NAME { item... } */
static void schedule(Fmt *f)
{
	take_first(f, 0); /* schedule */
	take(f, SAME_LINE, 0);
	int close = f->match[code_at(f, f->pos)];
	take(f, SAME_LINE, 0); /* { */
	while (code_at(f, f->pos) < close) {
		if (next_kind(f) == KW_ON)
			hook(f, INDENT);
		else
			definition(f, INDENT);
	}
	f->blank_ok = 1;
	comments_before(f, INDENT);
	f->blank_ok = 0;
	take(f, NEW_LINE, 0);
}

/* The file: comments and schedules, a blank line after each schedule but
   the last (before what follows it on lines of its own). */
static void file(Fmt *f)
{
	while (next_kind(f) == KW_SCHEDULE) {
		schedule(f);
		int i = f->pos;
		while (f->tok[i].kind == COMMENT && f->tok[i].breaks == 0)
			i++;
		if (f->tok[i].kind != 0 && f->tok[i].breaks < 2)
			f->tok[i].breaks = 2;
		f->blank_ok = 1;
	}
	comments_before(f, 0);
}

/* ---- output ---- */

static int single_line(const Tok *t)
{
	return t && !memchr(t->text, '\n', (size_t)t->len);
}

/* The lines as text: the comments ending a run of consecutive code lines
   aligned two columns past the run's widest code. */
static char *render(Fmt *f, size_t *len)
{
	size_t cap = 1;
	for (int i = 0; i < f->nline; i++)
		cap += f->line[i].code_len + (f->line[i].comment ? (size_t)f->line[i].comment->len : 0) + MAX_WIDTH + 4;
	char *out = malloc(cap);
	if (!out)
		arena_out_of_memory(f->arena);
	size_t n = 0;
	for (int i = 0; i < f->nline;) {
		int run_end = i, align = 0;
		while (run_end < f->nline && f->line[run_end].has_code && single_line(f->line[run_end].comment)) {
			if ((int)f->line[run_end].code_len > align)
				align = (int)f->line[run_end].code_len;
			run_end++;
		}
		if (run_end == i)
			run_end = i + 1, align = 0;
		for (; i < run_end; i++) {
			const Line *l = &f->line[i];
			memcpy(out + n, f->buf + l->code, l->code_len);
			n += l->code_len;
			if (l->comment) {
				int pad = !l->has_code ? 0 : align > 0 ? align + 2 - (int)l->code_len : 2;
				for (int k = 0; k < pad; k++)
					out[n++] = ' ';
				memcpy(out + n, l->comment->text, (size_t)l->comment->len);
				n += (size_t)l->comment->len;
			}
			out[n++] = '\n';
		}
	}
	out[n] = '\0';
	*len = n;
	return out;
}

/* The formatter's own proof that it changed nothing but layout: the
   output's tokens and comments are the input's, in order. */
static int same_tokens(Arena *a, const Fmt *in, const char *out, size_t len, Loc *where)
{
	Src src = { "<formatted>", out, len };
	Fmt again = { .arena = a };
	tokenize(&again, &src);
	for (int i = 0;; i++) {
		const Tok *x = &in->tok[i], *y = i < again.ntok ? &again.tok[i] : NULL;
		if (!y || x->kind != y->kind || x->len != y->len || memcmp(x->text, y->text, (size_t)x->len) != 0) {
			*where = (Loc){ .line = x->line, .col = x->col };
			return 0;
		}
		if (x->kind == 0)
			return 1;
	}
}

anneal_status fmt_text(Arena *a, const Src *src, Diag *d, char **out, size_t *len)
{
	Fmt f = { .arena = a };
	tokenize(&f, src);
	match_brackets(&f);
	file(&f);
	*out = render(&f, len);
	Loc where;
	if (!same_tokens(a, &f, *out, *len, &where)) {
		free(*out);
		*out = NULL;
		diag_error(d, where, "annealc fmt would change this token (a bug in annealc; the file is left as it is)");
		return ANNEAL_ERR_INTERNAL;
	}
	return ANNEAL_OK;
}

anneal_status annealc_format(const char *path, const char *text, size_t len, const annealc_sink *sink, char **out,
                             size_t *out_len)
{
	Src src = { path ? path : "<buffer>", NULL, 0 };
	Diag d = { .src = &src, .sink = sink };
	if (!out || !out_len || (!text && len > 0)) {
		d.src = NULL;
		diag_plain(&d, "annealc_format: %s is NULL", !out ? "out" : !out_len ? "out_len" : "text");
		return ANNEAL_ERR_INVALID;
	}
	*out = NULL;
	*out_len = 0;
	if (len > MAX_FILE_BYTES) { /* no text yet: the message shows no line */
		diag_error(&d, (Loc){ .line = 1, .col = 1 }, "file is larger than %d bytes", MAX_FILE_BYTES);
		return ANNEAL_ERR_INPUT;
	}
	Arena arena = { 0 };
	jmp_buf oom;
	if (setjmp(oom)) {
		arena_free(&arena);
		d.src = NULL;
		diag_plain(&d, "out of memory");
		return ANNEAL_ERR_NOMEM;
	}
	arena.oom = &oom;
	src.text = arena_strndup(&arena, text ? text : "", len);
	src.len = len;
	anneal_status st = parse_file(&arena, &d) ? fmt_text(&arena, &src, &d, out, out_len) : ANNEAL_ERR_INPUT;
	arena_free(&arena);
	return st;
}

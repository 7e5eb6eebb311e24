/* lexer.re: re2c lexer of the Anneal language -- numbers, names, keywords, operators, comments. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"
#include "parser.h"

Loc lex_loc(const Lexer *lx, const char *p)
{
	return (Loc){ .line = lx->line, .col = (int)(p - lx->line_start) + 1 };
}

/* The current token, underlined. */
static Loc token_loc(const Lexer *lx)
{
	Loc l = lex_loc(lx, lx->tok);
	l.from = l.col;
	l.to = l.col + (int)(lx->cur - lx->tok);
	return l;
}

static void set_loc(Lexer *lx, YYLTYPE *lloc)
{
	Loc b = lex_loc(lx, lx->tok);
	lloc->first_line = lloc->last_line = b.line;
	lloc->first_column = b.col;
	lloc->last_column = b.col + (int)(lx->cur - lx->tok);
	lx->prev_end = lx->last_end;
	lx->last_end = (Loc){ .line = b.line, .col = lloc->last_column };
}

static void newline(Lexer *lx, const char *after)
{
	lx->line++;
	lx->line_start = after;
}

static void push_open(Lexer *lx, char ch)
{
	/* Deeper nesting than the stack only loses the note, never the error. */
	if (lx->nopen < (int)(sizeof lx->open / sizeof lx->open[0])) {
		lx->open[lx->nopen].ch = ch;
		lx->open[lx->nopen].loc = lex_loc(lx, lx->tok);
	}
	lx->nopen++;
	lx->moved = 1;
}

static void pop_open(Lexer *lx)
{
	if (lx->nopen > 0) {
		lx->nopen--;
		lx->moved = -1;
	}
}

/* Skip a block comment opened at lx->tok; 0 if it never closes. */
static int block_comment(Lexer *lx)
{
	for (const char *p = lx->cur; p < lx->lim; p++) {
		if (*p == '\n')
			newline(lx, p + 1);
		else if (p[0] == '*' && p + 1 < lx->lim && p[1] == '/') {
			lx->cur = p + 2;
			return 1;
		}
	}
	return 0;
}

static int number(Lexer *lx, YYSTYPE *lval)
{
	char buf[128];
	size_t n = (size_t)(lx->cur - lx->tok);
	if (n >= sizeof buf) {
		diag_error(lx->diag, token_loc(lx), "number is too long (%zu characters)", n);
		lval->num = 0;
		return NUM;
	}
	/* Digit separators (1_000_000) are for the reader; strtod never sees them. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (lx->tok[i] != '_')
			buf[k++] = lx->tok[i];
	buf[k] = '\0';
	errno = 0;
	double v = strtod(buf, NULL);
	/* ERANGE also flags a subnormal result (1e-310), which is a double and
	   accepted: only an overflow to infinity, or an underflow to 0, is not. */
	if (errno == ERANGE && isinf(v))
		diag_error(lx->diag, token_loc(lx), "number '%s' does not fit in a double", buf);
	else if (errno == ERANGE && v == 0)
		diag_error(lx->diag, token_loc(lx), "number '%s' is too small for a double (it would be 0)", buf);
	lval->num = v;
	return NUM;
}

int lex_next(YYSTYPE *lval, YYLTYPE *lloc, Lexer *lx)
{
	lx->moved = 0;
	for (;;) {
		lx->tok = lx->cur;
/*!re2c
	re2c:api = custom;
	re2c:api:style = free-form;
	re2c:define:YYCTYPE = "unsigned char";
	re2c:define:YYPEEK = "(lx->cur < lx->lim ? (unsigned char)*lx->cur : 0)";
	re2c:define:YYSKIP = "++lx->cur;";
	re2c:define:YYBACKUP = "lx->marker = lx->cur;";
	re2c:define:YYRESTORE = "lx->cur = lx->marker;";
	re2c:define:YYLESSTHAN = "lx->lim - lx->cur < @@{len}";
	re2c:yyfill:enable = 0;
	re2c:eof = 0;

	digit  = [0-9];
	digits = digit+ ("_" digit+)*;
	exp    = [eE] [+-]? digit+;
	number = digits ("." digits?)? exp? | "." digits exp?;
	ident  = [a-zA-Z_] [a-zA-Z_0-9]*;
	space  = [ \t\r\f\v]+;

	$ {
		set_loc(lx, lloc);
		return 0;
	}
	space { continue; }
	"\n"  { newline(lx, lx->cur); continue; }
	"#" [^\n\x00]* {
		if (lx->keep_comments) {
			set_loc(lx, lloc);
			return COMMENT;
		}
		continue;
	}
	"/*" {
		Loc open = lex_loc(lx, lx->tok);
		if (!block_comment(lx)) {
			diag_error(lx->diag, open, "unterminated comment");
			lx->cur = lx->lim;
		}
		if (lx->keep_comments) {
			*lloc = (YYLTYPE){ open.line, open.col, lx->line, (int)(lx->cur - lx->line_start) + 1 };
			return COMMENT;
		}
		continue;
	}

	number { set_loc(lx, lloc); return number(lx, lval); }

	"schedule" { set_loc(lx, lloc); return KW_SCHEDULE; }
	"param"    { set_loc(lx, lloc); return KW_PARAM; }
	"let"      { set_loc(lx, lloc); return KW_LET; }
	"channel"  { set_loc(lx, lloc); return KW_CHANNEL; }
	"on"       { set_loc(lx, lloc); return KW_ON; }
	"for"      { set_loc(lx, lloc); return KW_FOR; }
	"then"     { set_loc(lx, lloc); return KW_THEN; }
	"restarts" { set_loc(lx, lloc); return KW_RESTARTS; }
	"steps"    { set_loc(lx, lloc); return KW_STEPS; }
	"epochs"   { set_loc(lx, lloc); return KW_EPOCHS; }

	ident {
		set_loc(lx, lloc);
		if (lx->cur - lx->tok > MAX_IDENT)
			diag_error(lx->diag, token_loc(lx), "name is longer than %d characters", MAX_IDENT);
		lval->str = arena_strndup(lx->arena, lx->tok, (size_t)(lx->cur - lx->tok));
		return IDENT;
	}

	"==" { set_loc(lx, lloc); return EQ; }
	"!=" { set_loc(lx, lloc); return NE; }
	"<=" { set_loc(lx, lloc); return LE; }
	">=" { set_loc(lx, lloc); return GE; }
	"&&" { set_loc(lx, lloc); return AND; }
	"||" { set_loc(lx, lloc); return OR; }
	[({[] {
		push_open(lx, (char)lx->tok[0]);
		set_loc(lx, lloc);
		return (unsigned char)lx->tok[0];
	}
	[)}\]] {
		pop_open(lx);
		set_loc(lx, lloc);
		return (unsigned char)lx->tok[0];
	}
	[-+*/^<>!=,;:%] { set_loc(lx, lloc); return (unsigned char)lx->tok[0]; }

	* {
		unsigned char c = (unsigned char)lx->tok[0];
		if (c >= 0x20 && c < 0x7f)
			diag_error(lx->diag, lex_loc(lx, lx->tok), "stray character '%c' in program", c);
		else
			diag_error(lx->diag, lex_loc(lx, lx->tok), "stray byte 0x%02x in program", c);
		continue;
	}
*/
	}
}

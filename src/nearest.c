/* nearest.c: "did you mean 'peak'?" -- the known name nearest a misspelt one, by edit distance. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "annealc_int.h"

/* Names longer than this are not compared (a user's name may reach
   MAX_IDENT, 128, but no misspelling that long is worth a guess), so the
   distance table stays on the stack. */
enum { NEAREST_MAX_LEN = 64 };

/* Optimal string alignment distance: insertions, deletions, substitutions
   and transpositions of neighbours each cost 1 ("pek" is 1 from "peak",
   "mometnum" 1 from "momentum"). */
static int distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	int d[NEAREST_MAX_LEN + 1][NEAREST_MAX_LEN + 1];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[n][m];
}

void nearest_init(Nearest *n, const char *word)
{
	*n = (Nearest){ .word = word };
}

/* A candidate is near when it differs only in case (counted as 0), or
   when its distance is at most a third of the longer name: 'momentum' is
   offered for 'moentum' and 'peak' for 'pek', but no one-letter name for
   another. The first of the nearest wins. */
void nearest_offer(Nearest *n, const char *candidate)
{
	size_t lw = strlen(n->word), lc = strlen(candidate);
	if (!candidate[0] || lw > NEAREST_MAX_LEN || lc > NEAREST_MAX_LEN || strcmp(n->word, candidate) == 0)
		return;
	int d = strcasecmp(n->word, candidate) == 0 ? 0 : distance(n->word, candidate);
	if (3 * (size_t)d > (lw > lc ? lw : lc))
		return;
	if (!n->best || d < n->dist) {
		n->best = candidate;
		n->dist = d;
	}
}

const char *nearest_text(Nearest *n)
{
	if (!n->best)
		return "";
	snprintf(n->text, sizeof n->text, "; did you mean '%s'?", n->best);
	return n->text;
}

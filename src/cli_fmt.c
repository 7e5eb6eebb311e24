/* cli_fmt.c: annealc fmt -- print, check or rewrite files in their canonical layout. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char fmt_help[] =
	"usage: annealc fmt [-i | --check] FILE...\n"
	"Print each file in the canonical layout: its tokens and comments kept, re-spaced,\n"
	"re-indented and broken into lines by fixed rules (doc/language.md, \"Layout\").\n"
	"A FILE of '-' is standard input. The files need only parse.\n"
	"\n"
	"  -i, --in-place  rewrite each file that is not in the layout, atomically; others are not touched\n"
	"      --check     print the name of each file that is not in the layout; change nothing\n"
	"  -h, --help      this text\n"
	"\n"
	"Exit status: 0 done (with --check: every file is in the layout), 1 a file does not\n"
	"parse, or with --check is not in the layout, 2 usage or system error.\n";

enum { MAX_FMT_BYTES = 16 << 20 }; /* annealc_format's own guard, reported by it */

/* The whole of a file (or of stdin for "-"), malloc'd; NULL after a message. */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "annealc: error: cannot read '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 64 * 1024, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fprintf(stderr, "annealc: error: out of memory reading '%s'\n", path);
			break;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || n > MAX_FMT_BYTES)
			break;
		char *bigger = realloc(buf, cap * 2);
		if (!bigger)
			free(buf);
		buf = bigger;
		cap *= 2;
	}
	/* fread's errno says why (a directory: EISDIR); EIO when it says nothing. */
	int err = ferror(f) ? (errno ? errno : EIO) : 0;
	if (f != stdin)
		fclose(f);
	if (buf && err) {
		fprintf(stderr, "annealc: error: cannot read '%s': %s\n", path, strerror(err));
		free(buf);
		buf = NULL;
	}
	*len = n;
	return buf;
}

/* Replaces path's contents by text: a temporary beside the file (its
   target, for a link) with the file's mode, renamed over it, so a failure
   at any point leaves the file as it was. 0 after a message. */
static int replace_file(const char *path, const char *text, size_t len)
{
	struct stat st;
	char *real = realpath(path, NULL);
	if (!real || stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "annealc fmt: error: cannot rewrite '%s': %s\n", path,
		        real ? "not a regular file" : strerror(errno));
		free(real);
		return 0;
	}
	size_t n = strlen(real) + sizeof ".fmt.XXXXXX";
	char *tmp = malloc(n);
	int fd = -1, made = 0, ok = 0;
	if (!tmp) {
		errno = ENOMEM;
		goto out;
	}
	snprintf(tmp, n, "%s.fmt.XXXXXX", real);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	made = 1;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno != EINTR)
			goto out;
		done += w > 0 ? (size_t)w : 0;
	}
	if (fchmod(fd, st.st_mode & 07777) != 0 || fsync(fd) != 0)
		goto out;
	int closed = close(fd);
	fd = -1;
	if (closed != 0 || rename(tmp, real) != 0)
		goto out;
	ok = 1;
out:
	if (!ok) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (made)
			unlink(tmp);
		fprintf(stderr, "annealc fmt: error: cannot rewrite '%s': %s (it is unchanged)\n", path, strerror(err));
	}
	free(tmp);
	free(real);
	return ok;
}

typedef enum { PRINT, CHECK, IN_PLACE } FmtMode;

/* One file in the given mode; its exit status. */
static int fmt_one(const char *path, FmtMode mode)
{
	size_t len, out_len;
	char *text = read_all(path, &len);
	if (!text)
		return EXIT_USAGE;
	char *out;
	anneal_status st = annealc_format(strcmp(path, "-") == 0 ? "<stdin>" : path, text, len, &cli_sink, &out,
	                                  &out_len);
	int status = cli_exit_code(st);
	if (st == ANNEAL_OK) {
		int same = out_len == len && memcmp(out, text, len) == 0;
		if (mode == PRINT)
			fwrite(out, 1, out_len, stdout);
		else if (mode == CHECK && !same)
			printf("%s\n", path), status = EXIT_DIAGNOSTICS;
		else if (mode == IN_PLACE && !same && !replace_file(path, out, out_len))
			status = EXIT_USAGE;
	}
	free(out);
	free(text);
	return status;
}

/* fmt [-i | --check] FILE... */
int cli_fmt(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "in-place", no_argument, NULL, 'i' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	FmtMode mode = PRINT;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+ih", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case 'c':
			if (mode != PRINT)
				return cli_usage_error("fmt", "-i and --check exclude each other");
			mode = c == 'i' ? IN_PLACE : CHECK;
			break;
		case 'h': fputs(fmt_help, stdout); return EXIT_OK;
		default: return cli_usage_error("fmt", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("fmt", "no input file");
	int worst = EXIT_OK;
	for (int i = optind; i < argc; i++) {
		if (mode == IN_PLACE && strcmp(argv[i], "-") == 0)
			return cli_usage_error("fmt", "-i cannot rewrite standard input");
	}
	for (int i = optind; i < argc; i++) {
		int status = fmt_one(argv[i], mode);
		if (status > worst)
			worst = status;
	}
	if (fflush(stdout) != 0)
		return cli_lib_error("cannot write the output");
	return worst;
}

/* cli_compile.c: `annealc compile` -- every schedule of a file into an object (or asm, IR, bitcode) and a C header. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char compile_help[] =
	"usage: annealc compile FILE -o OUT [options]\n"
	"Compile every schedule in FILE to NAME_eval, NAME_fill and NAME_desc.\n"
	"\n"
	"  -o OUT                 output file (required)\n"
	"  --header H             also write a C header declaring them\n"
	"  --emit obj|asm|llvm|bc what to write (default obj)\n"
	"  -O0 .. -O3             optimisation level (default -O2)\n"
	"  --target TRIPLE        target triple (default: this machine)\n"
	"  --param K=V            override a param's default (of the first schedule,\n"
	"                         or of --schedule NAME)\n"
	"  --schedule NAME        the schedule --param applies to\n"
	"  --bind-params          make params constants (the params argument is ignored)\n"
	"  --prefix PFX           prepend PFX to every symbol and header name\n"
	"  --self-contained       the header declares the ABI types itself\n"
	"                         (no #include \"anneal/schedule.h\")\n"
	"Targets: x86_64 and aarch64 Linux. OUT and H are replaced only when\n"
	"everything is written; a FIFO or device is written in place.\n"
	"Link the object with -lm -lmvec.\n";

int cli_compile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "header", required_argument, NULL, 'H' },  { "emit", required_argument, NULL, 'e' },
		{ "target", required_argument, NULL, 't' },  { "param", required_argument, NULL, 'p' },
		{ "schedule", required_argument, NULL, 's' }, { "bind-params", no_argument, NULL, 'b' },
		{ "prefix", required_argument, NULL, 'P' },  { "self-contained", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 },
	};
	static const char *const kinds[] = { [ANNEALC_EMIT_OBJ] = "obj", [ANNEALC_EMIT_ASM] = "asm",
		                             [ANNEALC_EMIT_LLVM] = "llvm", [ANNEALC_EMIT_BC] = "bc" };
	const char *out = NULL, *header = NULL, *schedule = NULL;
	annealc_options o = ANNEALC_OPTIONS_INIT;
	enum annealc_emit_kind kind = ANNEALC_EMIT_OBJ;
	CliParams ps = { 0 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:O:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'H': header = optarg; break;
		case 'e': {
			int k = -1;
			for (int i = 0; i < 4; i++)
				if (strcmp(kinds[i], optarg) == 0)
					k = i;
			if (k < 0)
				return cli_usage_error("compile", "--emit expects obj, asm, llvm or bc, got '%s'", optarg);
			kind = (enum annealc_emit_kind)k;
			break;
		}
		case 'O':
			if (optarg[0] < '0' || optarg[0] > '3' || optarg[1] != '\0')
				return cli_usage_error("compile", "-O expects 0, 1, 2 or 3, got '%s'", optarg);
			o.opt_level = optarg[0] - '0';
			break;
		case 't': o.target = optarg; break;
		case 'p':
			if (cli_add_param(&ps, optarg) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 's': schedule = optarg; break;
		case 'b': o.bind_params = 1; break;
		case 'P': o.prefix = optarg; break;
		case 'S': o.self_contained = 1; break;
		case 'h': fputs(compile_help, stdout); return EXIT_OK;
		default: return cli_usage_error("compile", "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("compile", optind >= argc ? "no input file" : "more than one input file");
	if (!out)
		return cli_usage_error("compile", "no output file: give -o OUT");

	int status, index;
	annealc_program *p = cli_load(argv[optind], schedule, &ps, &index, &status);
	if (!p)
		return status;
	anneal_status st = annealc_emit(p, &o, kind, out, header);
	if (st != ANNEAL_OK)
		cli_lib_error(annealc_errmsg(p));
	annealc_free(p);
	return st == ANNEAL_OK ? EXIT_OK : EXIT_USAGE;
}

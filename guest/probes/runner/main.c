/* vfslab-runner: command line. Runs a plan (docs/runner-protocol.md) and
 * writes the trace as JSON lines on stdout. Exit: 0 all scenarios ran, 1 some
 * had infrastructure errors, 2 bad usage or plan. */
#include "runner.h"

#include <unistd.h>

/* Set by a generated reproducer (src/repro) to run without a plan file. */
#ifdef VFSLAB_EMBEDDED_PLAN
const char *g_embedded_plan = VFSLAB_EMBEDDED_PLAN;
#else
const char *g_embedded_plan = NULL;
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: vfslab-runner [--plan FILE|-] [--base DIR] [--settle-ms N] [--watchdog-ms N] [--keep]\n"
		   "                     [--blocked-by-wchan]\n"
		   "  --plan FILE     plan to run ('-' or absent: stdin%s)\n"
		   "  --base DIR      scenario directories are DIR/s-<index> (default: .)\n"
		   "  --settle-ms N   a step not done after N ms is reported blocked (default 50)\n"
		   "  --watchdog-ms N longest wait for a busy process before the scenario is\n"
		   "                  abandoned as an infra error (default 5000)\n"
		   "  --keep          keep scenario directories\n"
		   "  --blocked-by-wchan  report a step blocked as soon as its process\n"
		   "                  sleeps in a known kernel wait (lease break, fanotify\n"
		   "                  permission or read), not only after the settle time\n",
		g_embedded_plan ? "; this reproducer has its plan built in" : "");
}

static char *read_all(int fd)
{
	size_t cap = 65536, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			b = realloc(b, cap);
			if (!b)
				abort();
		}
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	b[n] = 0;
	return b;
}

static int num_arg(const char *flag, const char *v, long *out)
{
	long long x;
	if (!v || parse_ll(v, &x) < 0 || x < 0) {
		fprintf(stderr, "vfslab-runner: %s needs a non-negative integer, got '%s'\n", flag, v ? v : "");
		return -1;
	}
	*out = (long)x;
	return 0;
}

int main(int argc, char **argv)
{
	struct runner_opts o = {.base = ".", .settle_ms = 50, .watchdog_ms = 5000, .keep = 0};
	const char *plan_file = NULL;
	if (argc >= 2 && strcmp(argv[1], "--resume") == 0) {
		proc_resume(argc, argv);
		return 6;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--plan") == 0 && v) {
			plan_file = v;
			i++;
		} else if (strcmp(a, "--base") == 0 && v) {
			o.base = v;
			i++;
		} else if (strcmp(a, "--settle-ms") == 0) {
			if (num_arg(a, v, &o.settle_ms) < 0)
				return 2;
			i++;
		} else if (strcmp(a, "--watchdog-ms") == 0) {
			if (num_arg(a, v, &o.watchdog_ms) < 0 || o.watchdog_ms == 0)
				return 2;
			i++;
		} else if (strcmp(a, "--keep") == 0) {
			o.keep = 1;
		} else if (strcmp(a, "--blocked-by-wchan") == 0) {
			o.wchan_blocked = 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "vfslab-runner: unknown or incomplete argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	/* Absolute, so traces and /proc/self/fd paths name the real place. */
	char *abs_base = realpath(o.base, NULL);
	if (!abs_base) {
		fprintf(stderr, "vfslab-runner: --base %s: %s\n", o.base, strerror(errno));
		return 2;
	}
	o.base = abs_base;
	char *text;
	if (plan_file && strcmp(plan_file, "-") != 0) {
		int fd = open(plan_file, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "vfslab-runner: --plan %s: %s\n", plan_file, strerror(errno));
			return 2;
		}
		text = read_all(fd);
		close(fd);
	} else if (!plan_file && g_embedded_plan) {
		text = strdup(g_embedded_plan);
	} else {
		text = read_all(0);
	}
	struct plan p;
	char msg[300];
	if (plan_parse(text, &p, msg, sizeof msg) < 0) {
		fprintf(stderr, "vfslab-runner: %s\n", msg);
		emit_infra(-1, "plan", msg, -1);
		return 2;
	}
	int ok = 0;
	int infra = coord_run(&p, &o, &ok);
	plan_free(&p);
	free(text);
	free(abs_base);
	return infra == 0 ? 0 : 1;
}

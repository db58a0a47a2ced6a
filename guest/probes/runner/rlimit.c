/* The setrlimit step: sets the soft RLIMIT_NOFILE of the acting process (the
 * hard limit stays), so fd allocation fails with EMFILE once the lowest free
 * fd reaches it (fs/file.c alloc_fd). Fds already open above it stay usable,
 * the control socket at CTL_FD among them; attach_to_coordinator raises the
 * soft limit for its own socket while a forked child attaches. */
#include "runner.h"

#include <sys/resource.h>

int op_rlimit(struct step *s, struct jb *out)
{
	if (strcmp(s->op, "setrlimit") != 0)
		return 0;
	long long res, soft;
	if (step_int(s, "resource", &res) < 0 || res != RLIMIT_NOFILE)
		proc_plan_error("setrlimit: resource= must be RLIMIT_NOFILE (7)");
	if (step_int(s, "soft", &soft) < 0 || soft < 0)
		proc_plan_error("setrlimit: soft= must be a non-negative integer");
	struct rlimit r;
	errno = 0;
	int ret = getrlimit(RLIMIT_NOFILE, &r);
	if (ret == 0) {
		r.rlim_cur = (rlim_t)soft;
		ret = setrlimit(RLIMIT_NOFILE, &r);
	}
	int e = errno;
	jb_kint(out, "ret", ret);
	jb_kint(out, "errno", ret < 0 ? e : 0);
	jb_kstr_or_null(out, "errname", ret < 0 && e ? errno_name(e) : NULL);
	return 1;
}

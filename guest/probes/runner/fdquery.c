/* Ops that ask an fd how much it holds without consuming it: ioctl(FIONREAD)
 * (a fanotify group answers with the bytes its queued events would take,
 * fanotify_ioctl) and poll(2) (fanotify_poll: POLLIN|POLLRDNORM while the
 * notification list is not empty). Neither generates fsnotify events. */
#include "runner.h"

#include <poll.h>
#include <sys/ioctl.h>

/* What poll asks for: every normal condition, so revents shows all the fd
 * offers (POLLERR/POLLHUP/POLLNVAL are reported regardless). */
#define FDQ_POLL_EVENTS (POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND | POLLWRNORM | POLLWRBAND)

static int fdq_fd(struct step *s)
{
	int fd;
	if (resolve_fd(step_get(s, "fd"), &fd) < 0) {
		char m[160];
		snprintf(m, sizeof m, "step %d (%s): fd operand fd= is not a known name or a number", s->seq, s->op);
		proc_plan_error(m);
	}
	return fd;
}

static void fdq_put(struct jb *out, long long ret, int err)
{
	jb_kint(out, "ret", ret);
	jb_kint(out, "errno", ret < 0 ? err : 0);
	jb_kstr_or_null(out, "errname", ret < 0 && err ? errno_name(err) : NULL);
}

int op_fdquery(struct step *s, struct jb *out)
{
	if (strcmp(s->op, "fionread") == 0) {
		/* ret: the int FIONREAD stored, or -1 with errno. */
		int fd = fdq_fd(s), n = -12345;
		errno = 0;
		int r = ioctl(fd, FIONREAD, &n);
		int e = errno;
		fdq_put(out, r < 0 ? -1 : n, e);
		return 1;
	}
	if (strcmp(s->op, "poll") == 0) {
		/* ret: revents of the one pollfd (0 when poll timed out), or -1 with errno. */
		int fd = fdq_fd(s);
		long long timeout;
		if (step_int(s, "timeout", &timeout) < 0 || timeout < 0 || timeout > 60000)
			proc_plan_error("poll: timeout= must be 0..60000 (ms)");
		struct pollfd pfd = {.fd = fd, .events = FDQ_POLL_EVENTS, .revents = 0};
		errno = 0;
		int r = poll(&pfd, 1, (int)timeout);
		int e = errno;
		fdq_put(out, r < 0 ? -1 : pfd.revents, e);
		return 1;
	}
	return 0;
}

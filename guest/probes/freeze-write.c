// freeze-write: provokes the kernel's hung-task detector from user space, or
// leaves a filesystem frozen so that the next writer never returns (the
// fault tests' "probe that never returns", harness/test-seams.ts).
//
//   freeze-write MOUNT --hung-secs N   set kernel.hung_task_timeout_secs=N,
//       FIFREEZE MOUNT, fork a writer (open O_CREAT in MOUNT: it sleeps
//       TASK_UNINTERRUPTIBLE in sb_start_write, via mnt_want_write), wait
//       3N+2 s for khungtaskd to report "blocked for more than N seconds",
//       FITHAW, reap the writer, remove its file, restore the sysctl.
//   freeze-write MOUNT --leave-frozen  FIFREEZE MOUNT and exit: every later
//       write to MOUNT blocks until someone thaws it (nobody will).
//
// Every syscall's result and errno is printed, one line each; exit 0 when all
// succeeded. Unbuffered stdout: the writer forks.
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HUNG_SYSCTL "/proc/sys/kernel/hung_task_timeout_secs"

static int failures;

static long report(const char *what, long ret)
{
	int e = errno;
	printf("freeze-write: %s = %ld%s%s\n", what, ret, ret < 0 ? " errno " : "", ret < 0 ? strerror(e) : "");
	if (ret < 0)
		failures++;
	errno = e;
	return ret;
}

static int write_sysctl(const char *value)
{
	int fd = (int)report("open(" HUNG_SYSCTL ", O_WRONLY)", open(HUNG_SYSCTL, O_WRONLY));
	if (fd < 0)
		return -1;
	char what[96];
	snprintf(what, sizeof what, "write(hung_task_timeout_secs, \"%s\")", value);
	long r = report(what, write(fd, value, strlen(value)));
	report("close(sysctl)", close(fd));
	return r < 0 ? -1 : 0;
}

static int read_sysctl(char *buf, size_t size)
{
	int fd = (int)report("open(" HUNG_SYSCTL ", O_RDONLY)", open(HUNG_SYSCTL, O_RDONLY));
	if (fd < 0)
		return -1;
	long n = report("read(hung_task_timeout_secs)", read(fd, buf, size - 1));
	report("close(sysctl)", close(fd));
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The writer's scheduler state from /proc/PID/stat: 'D' while it waits for the thaw. */
static char task_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = (int)report("open(/proc/PID/stat)", open(path, O_RDONLY));
	if (fd < 0)
		return '?';
	long n = report("read(/proc/PID/stat)", read(fd, buf, sizeof buf - 1));
	report("close(/proc/PID/stat)", close(fd));
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	char *paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : '?';
}

static void sleep_s(long s)
{
	struct timespec ts = {.tv_sec = s, .tv_nsec = 0};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int usage(void)
{
	fprintf(stderr, "usage: freeze-write MOUNT --hung-secs N | --leave-frozen\n");
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 3 && argc != 4)
		return usage();
	const char *mnt = argv[1];
	int leave = argc == 3 && strcmp(argv[2], "--leave-frozen") == 0;
	long secs = 0;
	if (!leave) {
		if (argc != 4 || strcmp(argv[2], "--hung-secs") != 0)
			return usage();
		char *end;
		secs = strtol(argv[3], &end, 10);
		if (*end || secs < 1 || secs > 60)
			return usage();
	}

	int dfd = (int)report("open(MOUNT, O_RDONLY|O_DIRECTORY)", open(mnt, O_RDONLY | O_DIRECTORY));
	if (dfd < 0)
		return 1;
	if (leave) {
		report("ioctl(FIFREEZE)", ioctl(dfd, FIFREEZE, 0));
		return failures ? 1 : 0;
	}

	char old[32] = "";
	char value[32];
	if (read_sysctl(old, sizeof old) < 0)
		return 1;
	snprintf(value, sizeof value, "%ld", secs);
	if (write_sysctl(value) < 0)
		return 1;
	if (report("ioctl(FIFREEZE)", ioctl(dfd, FIFREEZE, 0)) < 0) {
		write_sysctl(old);
		return 1;
	}
	pid_t pid = (pid_t)report("fork()", fork());
	if (pid == 0) {
		// The writer: blocks until the thaw, then reports and leaves.
		int fd = (int)report("writer: openat(MOUNT, \"freeze-write.tmp\", O_WRONLY|O_CREAT)",
				     openat(dfd, "freeze-write.tmp", O_WRONLY | O_CREAT, 0644));
		if (fd >= 0)
			report("writer: close", close(fd));
		_exit(failures ? 1 : 0);
	}
	if (pid > 0) {
		// khungtaskd checks every N s and reports a task not scheduled for more than N s.
		sleep_s(3 * secs + 2);
		char st = task_state(pid);
		printf("freeze-write: writer state %c%s\n", st, st == 'D' ? " (uninterruptible, as expected)" : "");
		if (st != 'D')
			failures++;
	}
	report("ioctl(FITHAW)", ioctl(dfd, FITHAW, 0));
	if (pid > 0) {
		int status = 0;
		report("waitpid(writer)", waitpid(pid, &status, 0));
		printf("freeze-write: writer exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failures++;
		report("unlinkat(MOUNT, \"freeze-write.tmp\")", unlinkat(dfd, "freeze-write.tmp", 0));
	}
	write_sysctl(old);
	report("close(MOUNT)", close(dfd));
	return failures ? 1 : 0;
}

/* The scenario process side: attach to the coordinator, take steps one at a
 * time, forward caught signals, fork (as a sibling the coordinator can reap)
 * and re-exec the runner. */
#include "runner.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

struct name_bind g_names[MAX_NAMES];
int g_nnames;
struct mapping g_maps[MAX_MAPS];
struct pid_entry g_pids[MAX_PROCS];
int g_npids;
char g_self_name[NAME_LEN];
volatile sig_atomic_t g_cur_seq = -1;
char g_dispo[65];
char g_sock_name[108];

static void proc_loop(void) __attribute__((noreturn));

struct name_bind *names_find(const char *name)
{
	for (int i = 0; i < g_nnames; i++)
		if (strcmp(g_names[i].name, name) == 0)
			return &g_names[i];
	return NULL;
}

void names_bind(const char *name, int num)
{
	struct name_bind *b = names_find(name);
	if (!b) {
		if (g_nnames == MAX_NAMES)
			return;
		b = &g_names[g_nnames++];
		snprintf(b->name, sizeof b->name, "%s", name);
	}
	b->num = num;
	b->open = 1;
}

void names_close_num(int num)
{
	for (int i = 0; i < g_nnames; i++)
		if (g_names[i].num == num)
			g_names[i].open = 0;
}

const char *pid_to_name(pid_t pid)
{
	for (int i = 0; i < g_npids; i++)
		if (g_pids[i].pid == pid)
			return g_pids[i].name;
	return NULL;
}

/* Forwards a caught signal to the coordinator: one atomic message on the
 * control socket; send(2) and clock_gettime(2) are async-signal-safe. */
static void sig_forward(int signo, siginfo_t *si, void *uc)
{
	(void)uc;
	int saved = errno;
	struct sigmsg m;
	memset(&m, 0, sizeof m);
	m.tag = 'S';
	m.signo = signo;
	m.code = si->si_code;
	m.fd = si->si_fd;
	m.band = si->si_band;
	m.sigpid = si->si_pid;
	m.in_seq = g_cur_seq;
	m.recv_pid = (int)syscall(SYS_getpid);
	m.t = now_us();
	send(CTL_FD, &m, sizeof m, MSG_DONTWAIT | MSG_NOSIGNAL);
	errno = saved;
}

/* No SA_RESTART: an interrupted syscall shows EINTR in the trace. */
int set_disposition(int signo, char d)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	if (d == 'c') {
		sa.sa_sigaction = sig_forward;
		sa.sa_flags = SA_SIGINFO;
	} else {
		sa.sa_handler = d == 'i' ? SIG_IGN : SIG_DFL;
	}
	int r = sigaction(signo, &sa, NULL);
	if (r == 0 && signo > 0 && signo <= 64)
		g_dispo[signo] = d;
	return r;
}

static void default_catch_set(void)
{
	set_disposition(SIGIO, 'c');
	set_disposition(SIGURG, 'c');
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		set_disposition(s, 'c');
}

static void send_msg(const char *p, size_t n)
{
	while (send(CTL_FD, p, n, MSG_NOSIGNAL) < 0) {
		if (errno == EINTR)
			continue;
		_exit(3); /* coordinator gone */
	}
}

static int attach_inner(const char *sock_name, const char *parent, int seq);

/* A setrlimit step may have lowered the soft RLIMIT_NOFILE below the fds the
 * runner needs here (a temporary socket, CTL_FD): raise it to the hard limit
 * meanwhile, then put the scenario's limit back. */
int attach_to_coordinator(const char *sock_name, const char *parent, int seq)
{
	struct rlimit saved, raised;
	int lowered = getrlimit(RLIMIT_NOFILE, &saved) == 0 && saved.rlim_cur < saved.rlim_max;
	if (lowered) {
		raised = saved;
		raised.rlim_cur = raised.rlim_max;
		setrlimit(RLIMIT_NOFILE, &raised);
	}
	int r = attach_inner(sock_name, parent, seq);
	if (lowered) {
		int e = errno;
		setrlimit(RLIMIT_NOFILE, &saved);
		errno = e;
	}
	return r;
}

static int attach_inner(const char *sock_name, const char *parent, int seq)
{
	struct sockaddr_un a;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	size_t n = strlen(sock_name);
	memcpy(a.sun_path + 1, sock_name, n); /* abstract namespace */
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (s < 0)
		return -1;
	if (connect(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0)
		return -1;
	/* Move it out of the scenario's fd range; the temporary low number is
	 * freed at once, so scenario fd numbering is unaffected. */
	if (s != CTL_FD) {
		if (dup2(s, CTL_FD) < 0)
			return -1;
		close(s);
	}
	/* A fork's child passes g_sock_name itself: an overlapping snprintf
	 * may clear it, and a grandchild could not attach any more. */
	if (sock_name != g_sock_name)
		snprintf(g_sock_name, sizeof g_sock_name, "%s", sock_name);
	char msg[256], en[3 * NAME_LEN + 1], ep[3 * NAME_LEN + 1];
	pct_encode(g_self_name, en, sizeof en);
	pct_encode(parent ? parent : "", ep, sizeof ep);
	int len = snprintf(msg, sizeof msg, "H %d %d %d %s %s", (int)getpid(), (int)getpgid(0), seq, en,
			   parent ? ep : "~");
	send_msg(msg, (size_t)len);
	return 0;
}

static void fatal_proc(const char *what)
{
	char msg[300];
	int n = snprintf(msg, sizeof msg, "X %d %s: %s", (int)g_cur_seq, what, strerror(errno));
	send(CTL_FD, msg, (size_t)n, MSG_NOSIGNAL);
	_exit(3);
}

void proc_plan_error(const char *msg)
{
	char buf[400];
	int n = snprintf(buf, sizeof buf, "X %d plan: %s", (int)g_cur_seq, msg);
	send(CTL_FD, buf, (size_t)n, MSG_NOSIGNAL);
	_exit(3);
}

void proc_start_initial(const char *name, const char *sock_name, const char *dir)
{
	sigset_t all;
	snprintf(g_self_name, sizeof g_self_name, "%s", name);
	for (int s = 1; s <= 64; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	memset(g_dispo, 0, sizeof g_dispo);
	/* Only 0,1,2 (/dev/null) below CTL_FD: the model numbers fds from 3. */
	syscall(SYS_close_range, 0U, ~0U, 0U);
	int nul = open("/dev/null", O_RDWR);
	if (nul != 0)
		_exit(4);
	if (dup2(0, 1) < 0 || dup2(0, 2) < 0)
		_exit(4);
	umask(022);
	setpgid(0, 0);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if (attach_to_coordinator(sock_name, NULL, -1) < 0)
		_exit(5);
	if (chdir(dir) < 0)
		fatal_proc("chdir");
	default_catch_set();
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	proc_loop();
}

/* fork step: clone with CLONE_PARENT so the coordinator is the parent of
 * every scenario process and can report exit statuses. Otherwise this is
 * fork(): the same fd table copy, mappings, dispositions and pgrp. */
long proc_fork(const char *child, int seq)
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	long pid = syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, 0UL);
	if (pid == 0) {
		char parent[NAME_LEN];
		snprintf(parent, sizeof parent, "%s", g_self_name);
		snprintf(g_self_name, sizeof g_self_name, "%s", child);
		g_cur_seq = -1;
		if (attach_to_coordinator(g_sock_name, parent, seq) < 0)
			_exit(5);
		sigprocmask(SIG_SETMASK, &old, NULL);
		proc_loop();
	}
	int e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return pid;
}

/* execve step: re-exec this binary; the name table and dispositions travel in
 * argv, the control socket as the inherited fd CTL_FD. Returns only on
 * failure. */
int proc_execve(int seq)
{
	static char args[6][8192];
	char *argv[8];
	char en[3 * NAME_LEN + 1];
	size_t n = 0;
	snprintf(args[0], sizeof args[0], "vfslab-runner");
	snprintf(args[1], sizeof args[1], "--resume");
	snprintf(args[2], sizeof args[2], "%s", g_sock_name);
	pct_encode(g_self_name, args[3], sizeof args[3]);
	snprintf(args[4], sizeof args[4], "%d", seq);
	args[5][0] = 0;
	for (int i = 0; i < g_nnames && n + 3 * NAME_LEN + 32 < sizeof args[5]; i++) {
		pct_encode(g_names[i].name, en, sizeof en);
		n += (size_t)snprintf(args[5] + n, sizeof args[5] - n, "%s%s:%d:%d", n ? "," : "", en, g_names[i].num,
				      g_names[i].open);
	}
	char dispo[80];
	for (int s = 1; s <= 64; s++)
		dispo[s - 1] = g_dispo[s] ? g_dispo[s] : '.';
	dispo[64] = 0;
	for (int i = 0; i < 6; i++)
		argv[i] = args[i];
	argv[6] = dispo;
	argv[7] = NULL;
	extern char **environ;
	execve("/proc/self/exe", argv, environ);
	return -1;
}

/* argv: --resume SOCK NAME SEQ NAMES DISPO */
void proc_resume(int argc, char **argv)
{
	if (argc < 7)
		_exit(6);
	snprintf(g_sock_name, sizeof g_sock_name, "%s", argv[2]);
	if (pct_decode(argv[3], g_self_name, sizeof g_self_name) < 0)
		_exit(6);
	int seq = atoi(argv[4]);
	for (char *tok = strtok(argv[5], ","); tok; tok = strtok(NULL, ",")) {
		char *c1 = strchr(tok, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = 0;
		char name[NAME_LEN];
		if (pct_decode(tok, name, sizeof name) < 0)
			continue;
		names_bind(name, atoi(c1 + 1));
		struct name_bind *b = names_find(name);
		/* close-on-exec was applied by the kernel: drop names whose fd is gone. */
		if (b)
			b->open = atoi(c2 + 1) && fcntl(b->num, F_GETFD) >= 0;
	}
	const char *dispo = argv[6];
	/* Caught signals were reset to default by execve; the runner catches them
	 * again, as the program would. Ignored ones stay ignored (kernel). */
	for (int s = 1; s <= 64 && dispo[s - 1]; s++) {
		if (dispo[s - 1] == 'c')
			set_disposition(s, 'c');
		else if (dispo[s - 1] == 'i' || dispo[s - 1] == 'd')
			g_dispo[s] = dispo[s - 1];
	}
	struct jb out;
	jb_init(&out);
	jb_fmt(&out, "R %d %lld ", seq, now_us());
	jb_raw(&out, "\"ret\":0,\"errno\":0,\"errname\":null,\"fds\":{");
	int first = 1;
	for (int i = 0; i < g_nnames; i++) {
		if (!g_names[i].open)
			continue;
		if (!first)
			jb_raw(&out, ",");
		first = 0;
		jb_str(&out, g_names[i].name);
		jb_fmt(&out, ":%d", g_names[i].num);
	}
	jb_raw(&out, "}");
	send_msg(out.p, out.n);
	jb_free(&out);
	proc_loop();
}

/* A step message: zero or more "P name pid pgid" lines (the pid table), then
 * the step line, or "quit". */
static void proc_loop(void)
{
	static char buf[MSG_MAX + 1];
	struct jb out, body;
	jb_init(&out);
	jb_init(&body);
	for (;;) {
		ssize_t n = recv(CTL_FD, buf, MSG_MAX, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(3);
		}
		if (n == 0)
			_exit(0);
		buf[n] = 0;
		if (strcmp(buf, "quit") == 0)
			_exit(0);
		char *line = buf;
		g_npids = 0;
		while (line[0] == 'P' && line[1] == ' ') {
			char *nl = strchr(line, '\n');
			if (!nl)
				break;
			*nl = 0;
			struct pid_entry *pe = &g_pids[g_npids];
			char en[3 * NAME_LEN + 1];
			int pid, pgid;
			if (g_npids < MAX_PROCS && sscanf(line + 2, "%192s %d %d", en, &pid, &pgid) == 3 &&
			    pct_decode(en, pe->name, sizeof pe->name) >= 0) {
				pe->pid = pid;
				pe->pgid = pgid;
				g_npids++;
			}
			line = nl + 1;
		}
		struct step st;
		char err[200];
		if (step_split(line, &st, err, sizeof err) < 0) {
			errno = EINVAL;
			fatal_proc(err);
		}
		jb_reset(&body);
		op_execute(&st, &body);
		jb_reset(&out);
		jb_fmt(&out, "R %d %lld ", st.seq, now_us());
		jb_mem(&out, body.p, body.n);
		if (out.n > MSG_MAX) {
			jb_reset(&out);
			jb_fmt(&out, "X %d result too large", st.seq);
		}
		send_msg(out.p, out.n);
	}
}

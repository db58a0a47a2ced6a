/* The coordinator: runs each scenario of the plan in its own directory with
 * its own processes, sends steps one at a time, reports each as done or, after
 * the settle time, blocked (and done again when it completes), forwards
 * signals and exits, and writes the trace as JSON lines on stdout. */
#include "runner.h"

#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct cproc {
	char name[NAME_LEN];
	pid_t pid, pgid;
	int sock;        /* -1 once closed */
	int alive;       /* not reaped yet */
	int busy_seq;    /* step in progress, -1 idle */
	int busy_blocked;
	char busy_op[32];
	char busy_old[64]; /* sysctl step: the value before it */
	int pend[64];    /* caught signals not yet consumed by wait_signal */
	int npend;
};

struct cmsg {
	long long t;
	int proc;
	size_t len;
	char *data;
};

static struct cproc cp[MAX_PROCS];
static int ncp;
static int hello_sock[MAX_PROCS];
static int nhello;
static int listen_fd = -1, chld_fd = -1;
static long long t0;
static int cur_scen = -1;
static int last_step = -1;
static int tearing_down;
static int scen_failed; /* an infra error ended the scenario */
static struct jb line;
static char sock_name[64];
static const struct runner_opts *opts;
static int fork_succeeded; /* the last fork step's result */

/* ---------- output ---------- */

/*
 * Observations are collected per scenario and written when it ends, when the
 * coordinator has waited FLUSH_IDLE_MS with nothing to do (so a stuck scenario
 * shows its trace so far), or past FLUSH_BYTES. Each write to stdout wakes
 * dropbear to encrypt and send a packet: a line per write cost ~30% of a small
 * scenario's time under TCG.
 */
#define FLUSH_IDLE_MS 20
#define FLUSH_BYTES 65536
static struct jb out;

static void obs_begin(const char *kind, long long t)
{
	/* emit_infra may run before coord_run (a plan that does not parse) */
	if (!line.p)
		jb_init(&line);
	if (!out.p)
		jb_init(&out);
	jb_reset(&line);
	jb_fmt(&line, "{\"kind\":\"%s\",\"scenario\":%d,\"t\":%lld", kind, cur_scen, t - t0);
}

static void flush_out(void)
{
	if (out.n == 0)
		return;
	if (write_all(1, out.p, out.n) < 0)
		_exit(1); /* the reader went away */
	jb_reset(&out);
}

static void obs_end(void)
{
	jb_raw(&line, "}\n");
	jb_mem(&out, line.p, line.n);
	if (out.n >= FLUSH_BYTES)
		flush_out();
}

void emit_infra(int scenario, const char *kind, const char *msg, int seq)
{
	int saved = cur_scen;
	cur_scen = scenario;
	obs_begin("infra", now_us());
	jb_kstr(&line, "error", kind);
	jb_kstr(&line, "message", msg);
	if (seq >= 0)
		jb_kint(&line, "seq", seq);
	obs_end();
	flush_out(); /* infrastructure trouble: the host should see it now */
	cur_scen = saved;
}

static void scen_infra(const char *kind, int seq, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void scen_infra(const char *kind, int seq, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	emit_infra(cur_scen, kind, msg, seq);
	scen_failed = 1;
}

static struct cproc *find_proc(const char *name)
{
	for (int i = 0; i < ncp; i++)
		if (strcmp(cp[i].name, name) == 0)
			return &cp[i];
	return NULL;
}

static const char *coord_pid_name(pid_t pid)
{
	for (int i = 0; i < ncp; i++)
		if (cp[i].pid == pid)
			return cp[i].name;
	return NULL;
}

static void emit_done_coord(const struct step *st, struct cproc *p, long long ret, int err, int late,
			    const char *extra)
{
	obs_begin("done", now_us());
	jb_kint(&line, "seq", st->seq);
	jb_kstr(&line, "proc", st->proc);
	jb_kint(&line, "pid", p ? p->pid : 0);
	jb_kstr(&line, "op", st->op);
	jb_kint(&line, "ret", ret);
	jb_kint(&line, "errno", err);
	jb_kstr_or_null(&line, "errname", err ? errno_name(err) : NULL);
	jb_raw(&line, late ? ",\"late\":true" : ",\"late\":false");
	if (extra)
		jb_raw(&line, extra);
	obs_end();
}

/* ---------- messages from processes ---------- */

static void handle_result(struct cproc *p, struct cmsg *m)
{
	/* "R seq t body" */
	int seq;
	long long t;
	int off = 0;
	if (sscanf(m->data, "R %d %lld %n", &seq, &t, &off) < 2 || off == 0) {
		scen_infra("protocol", -1, "bad result message from %s", p->name);
		return;
	}
	if (seq != p->busy_seq) {
		scen_infra("protocol", seq, "result for step %d from %s, which runs step %d", seq, p->name,
			   p->busy_seq);
		return;
	}
	int late = p->busy_blocked;
	if (strcmp(p->busy_op, "fork") == 0) {
		long long ret = -1;
		sscanf(m->data + off, "\"ret\":%lld", &ret);
		fork_succeeded = ret > 0;
	}
	p->busy_seq = -1;
	p->busy_blocked = 0;
	if (tearing_down)
		return;
	obs_begin("done", t);
	jb_kint(&line, "seq", seq);
	jb_kstr(&line, "proc", p->name);
	jb_kint(&line, "pid", p->pid);
	jb_kstr(&line, "op", p->busy_op);
	jb_raw(&line, late ? ",\"late\":true," : ",\"late\":false,");
	jb_raw(&line, m->data + off);
	if (strcmp(p->busy_op, "sysctl") == 0)
		jb_kstr(&line, "old", p->busy_old);
	/* fork: the child's pid, named */
	if (strcmp(p->busy_op, "fork") == 0) {
		const char *c = strstr(m->data + off, "\"child\":");
		long long ret = 0;
		sscanf(m->data + off, "\"ret\":%lld", &ret);
		if (c && ret > 0) {
			char child[NAME_LEN + 2] = "";
			sscanf(c + 8, "\"%65[^\"]\"", child);
			jb_kstr_or_null(&line, "retProc", child);
		}
	}
	obs_end();
}

static void handle_signal(struct cproc *p, struct cmsg *m)
{
	struct sigmsg s;
	char nm[32];
	if (m->len != sizeof s) {
		scen_infra("protocol", -1, "bad signal record from %s", p->name);
		return;
	}
	memcpy(&s, m->data, sizeof s);
	if (p->npend < 64)
		p->pend[p->npend++] = s.signo;
	if (tearing_down)
		return;
	obs_begin("signal", s.t);
	jb_kstr(&line, "proc", p->name);
	jb_kint(&line, "pid", s.recv_pid);
	jb_kint(&line, "signo", s.signo);
	jb_kstr(&line, "signame", signal_name(s.signo, nm, sizeof nm));
	jb_kint(&line, "code", s.code);
	/* siginfo is a union: si_fd/si_band (SIGPOLL layout) are meaningful for
	 * POLL_* and SI_SIGIO codes, si_pid for the others. */
	int poll_code = (s.code >= 1 && s.code <= 6) || s.code == -5;
	int sigpid = poll_code ? 0 : s.sigpid;
	jb_kint(&line, "fd", poll_code ? s.fd : 0);
	jb_kint(&line, "band", poll_code ? s.band : 0);
	jb_kint(&line, "sigPid", sigpid);
	jb_kstr_or_null(&line, "sigPidProc", sigpid ? coord_pid_name(sigpid) : NULL);
	jb_key(&line, "inStep");
	if (s.in_seq >= 0)
		jb_fmt(&line, "%d", s.in_seq);
	else
		jb_raw(&line, "null");
	jb_kint(&line, "atStep", last_step);
	obs_end();
}

static void handle_msg(struct cmsg *m)
{
	struct cproc *p = &cp[m->proc];
	switch (m->data[0]) {
	case 'R':
		handle_result(p, m);
		break;
	case 'S':
		handle_signal(p, m);
		break;
	case 'X':
		if (!tearing_down)
			scen_infra(strstr(m->data, " plan: ") ? "plan" : "runner-crash", p->busy_seq, "%s: %s",
				   p->name, m->data + 2);
		break;
	default:
		scen_infra("protocol", -1, "unknown message from %s", p->name);
	}
}

/* Reads every message waiting on p's socket into the batch. */
static void drain_sock(int idx, struct cmsg **batch, int *n, int *cap)
{
	static char buf[MSG_MAX + 1];
	struct cproc *p = &cp[idx];
	while (p->sock >= 0) {
		ssize_t r = recv(p->sock, buf, MSG_MAX, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				goto closed;
			return;
		}
		if (r == 0)
			goto closed;
		buf[r] = 0;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*batch = realloc(*batch, (size_t)*cap * sizeof **batch);
			if (!*batch)
				abort();
		}
		struct cmsg *m = &(*batch)[(*n)++];
		m->proc = idx;
		m->len = (size_t)r;
		m->data = malloc((size_t)r + 1);
		memcpy(m->data, buf, (size_t)r + 1);
		m->t = now_us();
		if (buf[0] == 'S' && (size_t)r == sizeof(struct sigmsg)) {
			struct sigmsg s;
			memcpy(&s, buf, sizeof s);
			m->t = s.t;
		} else if (buf[0] == 'R') {
			long long t;
			int seq;
			if (sscanf(buf, "R %d %lld", &seq, &t) == 2)
				m->t = t;
		}
	}
	return;
closed:
	close(p->sock);
	p->sock = -1;
}

static int cmsg_cmp(const void *a, const void *b)
{
	const struct cmsg *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return 0;
}

/* Messages of one pump are handled in the order they were generated (all
 * processes share CLOCK_MONOTONIC); ties keep per-socket order. */
static void handle_batch(struct cmsg *batch, int n)
{
	/* insertion sort: stable, and batches are small */
	for (int i = 1; i < n; i++) {
		struct cmsg k = batch[i];
		int j = i - 1;
		while (j >= 0 && cmsg_cmp(&batch[j], &k) > 0) {
			batch[j + 1] = batch[j];
			j--;
		}
		batch[j + 1] = k;
	}
	for (int i = 0; i < n; i++) {
		handle_msg(&batch[i]);
		free(batch[i].data);
	}
}

static void handle_hello(int fd)
{
	char buf[512];
	ssize_t r;
	do
		r = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r <= 0) {
		close(fd);
		return;
	}
	buf[r] = 0;
	int pid, pgid, seq;
	char en[200], ep[200];
	if (buf[0] != 'H' || sscanf(buf, "H %d %d %d %199s %199s", &pid, &pgid, &seq, en, ep) != 5 ||
	    ncp == MAX_PROCS) {
		scen_infra("protocol", -1, "bad hello message");
		close(fd);
		return;
	}
	struct cproc *p = &cp[ncp++];
	memset(p, 0, sizeof *p);
	pct_decode(en, p->name, sizeof p->name);
	p->pid = pid;
	p->pgid = pgid;
	p->sock = fd;
	p->alive = 1;
	p->busy_seq = -1;
	char parent[NAME_LEN] = "";
	if (strcmp(ep, "~") != 0)
		pct_decode(ep, parent, sizeof parent);
	obs_begin("process", now_us());
	jb_kstr(&line, "proc", p->name);
	jb_kint(&line, "pid", pid);
	jb_kint(&line, "pgid", pgid);
	jb_kstr_or_null(&line, "parent", parent[0] ? parent : NULL);
	jb_kint(&line, "seq", seq);
	obs_end();
}

static void reap(void)
{
	struct signalfd_siginfo si;
	while (read(chld_fd, &si, sizeof si) > 0)
		;
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			return;
		for (int i = 0; i < ncp; i++) {
			struct cproc *p = &cp[i];
			if (p->pid != pid || !p->alive)
				continue;
			/* Messages sent before dying come first. */
			struct cmsg *batch = NULL;
			int n = 0, cap = 0;
			drain_sock(i, &batch, &n, &cap);
			handle_batch(batch, n);
			free(batch);
			if (p->sock >= 0) {
				close(p->sock);
				p->sock = -1;
			}
			p->alive = 0;
			/* An exit step is done (ret 0) when its process is reaped
			 * with an exit status: reported here, just before the
			 * process's exit observation; late if it was reported
			 * blocked first. A process killed by a signal before it
			 * got to _exit has only its exit observation. */
			if (p->busy_seq >= 0 && strcmp(p->busy_op, "exit") == 0 && !tearing_down &&
			    WIFEXITED(st)) {
				struct step fake;
				memset(&fake, 0, sizeof fake);
				fake.seq = p->busy_seq;
				snprintf(fake.proc, sizeof fake.proc, "%.63s", p->name);
				snprintf(fake.op, sizeof fake.op, "exit");
				emit_done_coord(&fake, p, 0, 0, p->busy_blocked, NULL);
				p->busy_seq = -1;
				p->busy_blocked = 0;
			}
			obs_begin("exit", now_us());
			jb_kstr(&line, "proc", p->name);
			jb_kint(&line, "pid", pid);
			jb_key(&line, "status");
			if (WIFEXITED(st))
				jb_fmt(&line, "%d", WEXITSTATUS(st));
			else
				jb_raw(&line, "null");
			jb_key(&line, "signo");
			if (WIFSIGNALED(st))
				jb_fmt(&line, "%d", WTERMSIG(st));
			else
				jb_raw(&line, "null");
			jb_raw(&line, WIFSIGNALED(st) && WCOREDUMP(st) ? ",\"core\":true" : ",\"core\":false");
			jb_raw(&line, tearing_down ? ",\"teardown\":true" : ",\"teardown\":false");
			jb_kint(&line, "atStep", last_step);
			obs_end();
			if (WIFEXITED(st) && WEXITSTATUS(st) >= 3 && WEXITSTATUS(st) <= 6 && !tearing_down &&
			    p->busy_seq >= 0)
				scen_infra("runner-crash", p->busy_seq, "%s exited with runner status %d", p->name,
					   WEXITSTATUS(st));
		}
	}
}

/* Waits up to timeout_ms for anything from the processes and handles it. */
static void pump(long timeout_ms)
{
	struct pollfd pf[2 + 2 * MAX_PROCS];
	int who[2 + 2 * MAX_PROCS];
	int n = 0;
	pf[n].fd = listen_fd;
	pf[n].events = POLLIN;
	who[n++] = -1;
	pf[n].fd = chld_fd;
	pf[n].events = POLLIN;
	who[n++] = -2;
	for (int i = 0; i < nhello; i++) {
		pf[n].fd = hello_sock[i];
		pf[n].events = POLLIN;
		who[n++] = -3 - i;
	}
	for (int i = 0; i < ncp; i++)
		if (cp[i].sock >= 0) {
			pf[n].fd = cp[i].sock;
			pf[n].events = POLLIN;
			who[n++] = i;
		}
	int r;
	if (out.n > 0 && timeout_ms > FLUSH_IDLE_MS) {
		r = poll(pf, (nfds_t)n, FLUSH_IDLE_MS);
		if (r == 0) {
			flush_out();
			r = poll(pf, (nfds_t)n, (int)(timeout_ms - FLUSH_IDLE_MS));
		}
	} else {
		r = poll(pf, (nfds_t)n, (int)(timeout_ms < 0 ? 0 : timeout_ms));
	}
	if (r <= 0)
		return;
	struct cmsg *batch = NULL;
	int nb = 0, cap = 0;
	for (int i = 0; i < n; i++)
		if (who[i] >= 0 && pf[i].revents)
			drain_sock(who[i], &batch, &nb, &cap);
	handle_batch(batch, nb);
	free(batch);
	/* hellos after messages: a fork's result names the child first */
	int still[MAX_PROCS], ns = 0;
	for (int i = 0; i < n; i++)
		if (who[i] <= -3 && pf[i].revents)
			handle_hello(pf[i].fd);
	for (int i = 0; i < nhello; i++) {
		int handled = 0;
		for (int j = 0; j < n; j++)
			if (who[j] == -3 - i && pf[j].revents)
				handled = 1;
		if (!handled)
			still[ns++] = hello_sock[i];
	}
	memcpy(hello_sock, still, sizeof(int) * (size_t)ns);
	nhello = ns;
	if (pf[0].revents) {
		int fd;
		while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
			int fl = fcntl(fd, F_GETFL);
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
			if (nhello < MAX_PROCS)
				hello_sock[nhello++] = fd;
			else
				close(fd);
		}
	}
	if (pf[1].revents)
		reap();
}

/* Pumps until cond() holds or ms elapse; returns cond(). */
static int pump_until(int (*cond)(const void *), const void *arg, long ms)
{
	long long deadline = now_us() + ms * 1000LL;
	for (;;) {
		/* cond may consume what it finds (take_signal): call it once */
		int c = cond(arg);
		if (c || scen_failed)
			return c;
		long long left = deadline - now_us();
		if (left <= 0)
			return 0;
		pump((left + 999) / 1000);
	}
}

static int proc_idle(const void *a)
{
	const struct cproc *p = a;
	return p->busy_seq < 0 || !p->alive;
}

static int proc_exists(const void *a)
{
	return find_proc(a) != NULL;
}

static int never(const void *a)
{
	(void)a;
	return 0;
}

struct sigwait {
	struct cproc *p;
	int signo;
	int got;
};

static int take_signal(const void *a)
{
	struct sigwait *w = (struct sigwait *)a;
	for (int i = 0; i < w->p->npend; i++)
		if (w->signo <= 0 || w->p->pend[i] == w->signo) {
			w->got = w->p->pend[i];
			memmove(&w->p->pend[i], &w->p->pend[i + 1], sizeof(int) * (size_t)(w->p->npend - i - 1));
			w->p->npend--;
			return 1;
		}
	return 0;
}

/* ---------- sysctls ---------- */

struct saved_sysctl {
	char path[160];
	char old[64];
};
static struct saved_sysctl saved[MAX_SYSCTL * 4];
static int nsaved;

static void sysctl_path(const char *name, char *path, size_t cap)
{
	snprintf(path, cap, "/proc/sys/%s", name);
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
}

static int read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

/* Remembers the value before the scenario's first write of it. */
static int sysctl_save(const char *name)
{
	char path[160];
	sysctl_path(name, path, sizeof path);
	for (int i = 0; i < nsaved; i++)
		if (strcmp(saved[i].path, path) == 0)
			return 0;
	if (nsaved == (int)(sizeof saved / sizeof saved[0]))
		return -1;
	struct saved_sysctl *s = &saved[nsaved];
	snprintf(s->path, sizeof s->path, "%s", path);
	if (read_small(path, s->old, sizeof s->old) < 0)
		return -1;
	nsaved++;
	return 0;
}

static int write_str(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = write_all(fd, v, strlen(v));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static void sysctl_restore(void)
{
	for (int i = nsaved - 1; i >= 0; i--)
		if (write_str(saved[i].path, saved[i].old) < 0)
			emit_infra(cur_scen, "restore", saved[i].path, -1);
	nsaved = 0;
}

/* ---------- steps ---------- */

static void send_step(struct cproc *p, const struct step *st)
{
	struct jb m;
	jb_init(&m);
	char en[3 * NAME_LEN + 1];
	/* Every process of the scenario, live ones first (pid_to_name takes
	 * the first match). An exited one keeps the pid it had, like a stale
	 * fd name keeps its number: F_SETOWN of it then shows the kernel's
	 * answer (ESRCH) instead of a plan error. */
	for (int live = 1; live >= 0; live--)
		for (int i = 0; i < ncp; i++)
			if (cp[i].alive == live) {
				pct_encode(cp[i].name, en, sizeof en);
				jb_fmt(&m, "P %s %d %d\n", en, cp[i].pid, cp[i].pgid);
			}
	jb_raw(&m, st->text);
	while (send(p->sock, m.p, m.n, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
	jb_free(&m);
}

static int coord_op(const char *op)
{
	return strcmp(op, "sleep") == 0 || strcmp(op, "wait_signal") == 0 || strcmp(op, "expect_blocked") == 0 ||
	       strcmp(op, "await") == 0;
}

static void run_coord_step(const struct scenario *sc, struct step *st, struct cproc *p)
{
	long long v;
	(void)sc;
	if (strcmp(st->op, "sleep") == 0) {
		if (step_int(st, "ms", &v) < 0)
			v = 0;
		pump_until(never, NULL, (long)v);
		emit_done_coord(st, p, 0, 0, 0, NULL);
	} else if (strcmp(st->op, "wait_signal") == 0) {
		struct sigwait w = {p, 0, 0};
		long long to = 0;
		if (step_int(st, "signo", &v) == 0)
			w.signo = (int)v;
		step_int(st, "timeout", &to);
		if (pump_until(take_signal, &w, (long)to))
			emit_done_coord(st, p, w.got, 0, 0, NULL);
		else
			emit_done_coord(st, p, -1, EAGAIN, 0, NULL);
	} else {
		const char *tn = step_str(st, "proc");
		struct cproc *q = tn ? find_proc(tn) : NULL;
		if (!q) {
			scen_infra("plan", st->seq, "step %d: %s of unknown process '%s'", st->seq, st->op,
				   tn ? tn : "(missing proc=)");
			return;
		}
		if (strcmp(st->op, "expect_blocked") == 0) {
			/* ret 1 and blockedSeq = the step when q has a step that
			 * was reported blocked and has not completed, else ret 0
			 * and blockedSeq null. Results already sent count: read
			 * them first. */
			char extra[64];
			pump(0);
			int b = q->alive && q->busy_seq >= 0 && q->busy_blocked;
			if (b)
				snprintf(extra, sizeof extra, ",\"blockedSeq\":%d", q->busy_seq);
			else
				snprintf(extra, sizeof extra, ",\"blockedSeq\":null");
			emit_done_coord(st, p, b, 0, 0, extra);
		} else {
			long long to = 0;
			step_int(st, "timeout", &to);
			if (pump_until(proc_idle, q, (long)to))
				emit_done_coord(st, p, 0, 0, 0, NULL);
			else
				emit_done_coord(st, p, -1, ETIMEDOUT, 0, NULL);
		}
	}
}

/* A fork step still running (reported blocked: slower than the settle time). */
static int fork_in_progress(void)
{
	for (int i = 0; i < ncp; i++)
		if (cp[i].alive && cp[i].busy_seq >= 0 && strcmp(cp[i].busy_op, "fork") == 0)
			return 1;
	return 0;
}

static char fork_child[NAME_LEN]; /* the child the last fork step names */

/* The child exists, or will not: its fork is over and failed. */
static int child_attached_or_failed(const void *a)
{
	return find_proc(a) != NULL || (!fork_in_progress() && !fork_succeeded);
}

/*
 * Kernel waits a scenario step blocks in until another actor (a lease
 * holder, a fanotify listener, an event) moves: /proc/PID/wchan names the
 * function the task sleeps in (fanotify_get_response is inlined into
 * fanotify_handle_event on 6.1). Seen on the guest for lease breaks and
 * permission events.
 */
static const char *const known_waits[] = {"__break_lease", "fanotify_handle_event", "fanotify_get_response",
					  "fanotify_read", NULL};

static int in_known_wait(pid_t pid)
{
	char path[64], buf[128];
	snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
	if (read_small(path, buf, sizeof buf) < 0)
		return 0;
	for (int i = 0; known_waits[i]; i++)
		if (strcmp(buf, known_waits[i]) == 0)
			return 1;
	return 0;
}

/*
 * Waits for the step just sent to finish, up to the settle time; after that
 * it is reported blocked. With --blocked-by-wchan a step whose process has
 * slept in a known kernel wait at two looks 5 ms apart (and at least 10 ms
 * after the step began) is blocked at once: the settle time then only has
 * to cover steps that are merely slow, and a fuzz batch does not spend it on
 * every lease break.
 */
#define WCHAN_FIRST_LOOK_US 10000
#define WCHAN_LOOK_MS 5
static void wait_settle(struct cproc *p, long settle)
{
	if (!opts->wchan_blocked) {
		pump_until(proc_idle, p, settle);
		return;
	}
	long long start = now_us(), deadline = start + settle * 1000LL;
	int looks = 0;
	while (!proc_idle(p) && !scen_failed) {
		long long now = now_us();
		if (now >= deadline)
			return;
		if (now - start >= WCHAN_FIRST_LOOK_US) {
			looks = in_known_wait(p->pid) ? looks + 1 : 0;
			if (looks >= 2)
				return;
		}
		long left = (long)((deadline - now + 999) / 1000);
		pump(left < WCHAN_LOOK_MS ? left : WCHAN_LOOK_MS);
	}
}

static void run_step(const struct scenario *sc, struct step *st)
{
	long settle = sc->settle_ms >= 0 ? sc->settle_ms : opts->settle_ms;
	long watchdog = sc->watchdog_ms > 0 ? sc->watchdog_ms : opts->watchdog_ms;
	struct cproc *p = find_proc(st->proc);
	last_step = st->seq;
	/* Under load a fork can outlast the settle time (reported blocked, its
	 * child's hello not yet seen): the child's first step waits for the
	 * child, or for the fork to fail, instead of finding no process. */
	if (!p && strcmp(fork_child, st->proc) == 0 && (fork_in_progress() || fork_succeeded)) {
		pump_until(child_attached_or_failed, st->proc, watchdog);
		p = find_proc(st->proc);
	}
	if (!p) {
		scen_infra("plan", st->seq, "step %d (plan line %d): process '%s' does not exist", st->seq, st->line,
			   st->proc);
		return;
	}
	if (coord_op(st->op)) {
		run_coord_step(sc, st, p);
		return;
	}
	if (p->alive && p->busy_seq >= 0 && !pump_until(proc_idle, p, watchdog)) {
		scen_infra("watchdog", st->seq,
			   "step %d: process '%s' still busy in step %d after the watchdog time (%ld ms)", st->seq,
			   p->name, p->busy_seq, watchdog);
		return;
	}
	if (!p->alive || p->sock < 0) {
		obs_begin("skipped", now_us());
		jb_kint(&line, "seq", st->seq);
		jb_kstr(&line, "proc", st->proc);
		jb_kstr(&line, "op", st->op);
		jb_kstr(&line, "reason", "exited");
		obs_end();
		return;
	}
	if (strcmp(st->op, "sysctl") == 0) {
		const char *nm = step_str(st, "name");
		char path[160];
		/* A sysctl this kernel lacks is the step's outcome (ENOENT), not ours. */
		if (nm && sysctl_save(nm) < 0 && errno != ENOENT) {
			scen_infra("setup", st->seq, "cannot read sysctl %s before writing it", nm);
			return;
		}
		sysctl_path(nm ? nm : "", path, sizeof path);
		if (read_small(path, p->busy_old, sizeof p->busy_old) < 0)
			p->busy_old[0] = 0;
	}
	p->busy_seq = st->seq;
	p->busy_blocked = 0;
	snprintf(p->busy_op, sizeof p->busy_op, "%s", st->op);
	if (strcmp(st->op, "fork") == 0) {
		const char *c = step_str(st, "child");
		snprintf(fork_child, sizeof fork_child, "%s", c ? c : "");
		fork_succeeded = 0;
	}
	send_step(p, st);
	wait_settle(p, settle);
	if (scen_failed)
		return;
	if (p->alive && p->busy_seq == st->seq) {
		p->busy_blocked = 1;
		obs_begin("blocked", now_us());
		jb_kint(&line, "seq", st->seq);
		jb_kstr(&line, "proc", p->name);
		jb_kint(&line, "pid", p->pid);
		jb_kstr(&line, "op", st->op);
		obs_end();
		return;
	}
	if (strcmp(st->op, "fork") == 0 && p->busy_seq < 0) {
		const char *child = step_str(st, "child");
		/* Wait for the child's hello only if the fork succeeded: its
		 * done line says so; a failed fork has no child to wait for. */
		if (child && !find_proc(child) && fork_succeeded) {
			int ok = pump_until(proc_exists, child, watchdog);
			if (!ok && !scen_failed)
				scen_infra("watchdog", st->seq, "fork step %d: child '%s' never attached", st->seq,
					   child);
		}
	}
	pump(0); /* pick up what the step caused at once */
}

/* ---------- scenario lifecycle ---------- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int all_reaped(const void *a)
{
	(void)a;
	for (int i = 0; i < ncp; i++)
		if (cp[i].alive)
			return 0;
	return 1;
}

static void teardown(long watchdog)
{
	tearing_down = 1;
	for (int i = 0; i < ncp; i++) {
		struct cproc *p = &cp[i];
		if (!p->alive)
			continue;
		if (p->busy_seq >= 0 || p->sock < 0)
			kill(p->pid, SIGKILL);
		else
			send(p->sock, "quit", 4, MSG_NOSIGNAL);
	}
	int saved_failed = scen_failed;
	scen_failed = 0;
	if (!pump_until(all_reaped, NULL, 1000)) {
		for (int i = 0; i < ncp; i++)
			if (cp[i].alive)
				kill(cp[i].pid, SIGKILL);
		if (!pump_until(all_reaped, NULL, watchdog)) {
			for (int i = 0; i < ncp; i++)
				if (cp[i].alive)
					emit_infra(cur_scen, "watchdog", "a scenario process survived SIGKILL", -1);
			saved_failed = 1;
		}
	}
	scen_failed = saved_failed;
	for (int i = 0; i < nhello; i++)
		close(hello_sock[i]);
	nhello = 0;
	for (int i = 0; i < ncp; i++)
		if (cp[i].sock >= 0)
			close(cp[i].sock);
	tearing_down = 0;
}

static int run_scenario(struct scenario *sc)
{
	char dir[4096];
	long watchdog = sc->watchdog_ms > 0 ? sc->watchdog_ms : opts->watchdog_ms;
	cur_scen = sc->index;
	last_step = -1;
	scen_failed = 0;
	ncp = 0;
	nhello = 0;
	nsaved = 0;
	snprintf(dir, sizeof dir, "%s/s-%d", opts->base, sc->index);
	obs_begin("scenario-start", now_us());
	jb_kstr(&line, "name", sc->name);
	jb_kstr(&line, "dir", dir);
	jb_kint(&line, "settleMs", sc->settle_ms >= 0 ? sc->settle_ms : opts->settle_ms);
	jb_kint(&line, "watchdogMs", watchdog);
	obs_end();
	int started = 0;
	if (sc->error[0]) {
		scen_infra("plan", -1, "%s", sc->error);
		goto end;
	}
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (mkdir(dir, 0755) < 0) {
		scen_infra("setup", -1, "mkdir %s: %s", dir, strerror(errno));
		goto end;
	}
	for (int i = 0; i < sc->nsysctl; i++) {
		char path[160];
		sysctl_path(sc->sysctl[i].name, path, sizeof path);
		if (sysctl_save(sc->sysctl[i].name) < 0 || write_str(path, sc->sysctl[i].value) < 0) {
			scen_infra("setup", -1, "sysctl %s=%s: %s", sc->sysctl[i].name, sc->sysctl[i].value,
				   strerror(errno));
			goto cleanup;
		}
	}
	pid_t pid = fork();
	if (pid < 0) {
		scen_infra("setup", -1, "fork: %s", strerror(errno));
		goto cleanup;
	}
	if (pid == 0)
		proc_start_initial(sc->initial, sock_name, dir);
	if (!pump_until(proc_exists, sc->initial, watchdog)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (!scen_failed)
			scen_infra("setup", -1, "initial process '%s' never attached", sc->initial);
		goto cleanup;
	}
	for (int i = 0; i < sc->nsteps && !scen_failed; i++) {
		run_step(sc, &sc->steps[i]);
		started++;
	}
	teardown(watchdog);
cleanup:
	sysctl_restore();
	if (!opts->keep)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
end:
	obs_begin("scenario-end", now_us());
	jb_kstr(&line, "name", sc->name);
	jb_kstr(&line, "status", scen_failed ? "infra" : "ok");
	jb_kint(&line, "steps", started);
	obs_end();
	flush_out();
	return scen_failed;
}

int coord_run(struct plan *p, const struct runner_opts *o, int *ok_out)
{
	struct sockaddr_un a;
	sigset_t chld;
	int infra = 0, ok = 0;
	opts = o;
	t0 = now_us();
	if (!line.p)
		jb_init(&line);
	if (!out.p)
		jb_init(&out);
	snprintf(sock_name, sizeof sock_name, "vfslab-runner-%d", (int)getpid());
	listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path + 1, sock_name, strlen(sock_name));
	if (listen_fd < 0 ||
	    bind(listen_fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sock_name))) <
		    0 ||
	    listen(listen_fd, 64) < 0) {
		emit_infra(-1, "setup", "cannot create the control socket", -1);
		return -1;
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	chld_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	for (int i = 0; i < p->nscen; i++) {
		if (run_scenario(&p->scen[i]))
			infra++;
		else
			ok++;
	}
	cur_scen = -1;
	obs_begin("summary", now_us());
	jb_kint(&line, "scenarios", p->nscen);
	jb_kint(&line, "ok", ok);
	jb_kint(&line, "infra", infra);
	jb_kint(&line, "elapsedUs", now_us() - t0);
	obs_end();
	flush_out();
	*ok_out = ok;
	return infra;
}

/* The ops a scenario process executes: one syscall each (plus the reads that
 * decode its result), with the return value and errno recorded. */
#include "runner.h"

#include <grp.h>
#include <linux/fanotify.h>
#include <linux/fs.h> /* struct fsxattr, FS_IOC_FSGETXATTR */
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_IO (1 << 20)

struct res {
	long long ret;
	int err;
};

static const char *need_str(struct step *s, const char *key)
{
	const char *v = step_str(s, key);
	if (!v) {
		char m[120];
		snprintf(m, sizeof m, "step %d (%s): missing or bad string field %s='...", s->seq, s->op, key);
		proc_plan_error(m);
	}
	return v;
}

static long long need_int(struct step *s, const char *key)
{
	long long v;
	if (step_int(s, key, &v) < 0) {
		char m[120];
		snprintf(m, sizeof m, "step %d (%s): missing or bad integer field %s=", s->seq, s->op, key);
		proc_plan_error(m);
	}
	return v;
}

int resolve_fd(const char *v, int *num)
{
	long long n;
	char name[NAME_LEN];
	if (!v)
		return -1;
	if (v[0] == '@' || v[0] == '!') {
		if (pct_decode(v + 1, name, sizeof name) <= 0)
			return -1;
		struct name_bind *b = names_find(name);
		if (!b)
			return -1;
		/* A closed name still resolves to its last number: the model
		 * decides whether that is a stale use. */
		*num = b->num;
		return 0;
	}
	if (parse_ll(v, &n) < 0)
		return -1;
	*num = (int)n;
	return 0;
}

static int need_fd(struct step *s, const char *key)
{
	int fd;
	if (resolve_fd(step_get(s, key), &fd) < 0) {
		char m[160];
		snprintf(m, sizeof m, "step %d (%s): fd operand %s=%s is not a known name or a number", s->seq, s->op,
			 key, step_get(s, key) ? step_get(s, key) : "(missing)");
		proc_plan_error(m);
	}
	return fd;
}

/* dir=~ is the cwd; dir=@name an fd. */
static int need_dir(struct step *s)
{
	const char *v = step_get(s, "dir");
	if (!v || strcmp(v, "~") == 0)
		return AT_FDCWD;
	return need_fd(s, "dir");
}

static struct mapping *need_map(struct step *s)
{
	const char *name = need_str(s, "map");
	for (int i = 0; i < MAX_MAPS; i++)
		if (g_maps[i].name[0] && strcmp(g_maps[i].name, name) == 0)
			return &g_maps[i];
	char m[160];
	snprintf(m, sizeof m, "step %d (%s): unknown mapping '%s'", s->seq, s->op, name);
	proc_plan_error(m);
}

/* data='text' or fill=BYTE count=N; returns a malloc'ed buffer. */
static unsigned char *need_data(struct step *s, size_t *len)
{
	const char *v = step_get(s, "data");
	if (v) {
		if (v[0] != '\'')
			proc_plan_error("data= must be a string");
		unsigned char *b = malloc(strlen(v) + 1);
		long n = pct_decode(v + 1, (char *)b, strlen(v) + 1);
		if (n < 0)
			proc_plan_error("bad escape in data=");
		*len = (size_t)n;
		return b;
	}
	long long byte = need_int(s, "fill"), count = need_int(s, "count");
	if (count < 0 || count > MAX_IO)
		proc_plan_error("count= out of range (0..1048576)");
	unsigned char *b = malloc((size_t)count + 1);
	memset(b, (int)byte, (size_t)count);
	*len = (size_t)count;
	return b;
}

static void put_res(struct jb *out, struct res r)
{
	jb_kint(out, "ret", r.ret);
	jb_kint(out, "errno", r.ret < 0 ? r.err : 0);
	jb_kstr_or_null(out, "errname", r.ret < 0 && r.err ? errno_name(r.err) : NULL);
}

#define SYS(expr)                                                                                                      \
	do {                                                                                                           \
		errno = 0;                                                                                             \
		r.ret = (long long)(expr);                                                                             \
		r.err = errno;                                                                                         \
	} while (0)

static void op_statx(struct step *s, struct jb *out)
{
	struct statx sx;
	struct res r;
	unsigned mask = (unsigned)need_int(s, "mask");
	memset(&sx, 0, sizeof sx);
	if (step_get(s, "fd")) {
		int fd = need_fd(s, "fd");
		SYS(statx(fd, "", AT_EMPTY_PATH, mask, &sx));
	} else {
		const char *path = need_str(s, "path");
		SYS(statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, mask, &sx));
	}
	put_res(out, r);
	if (r.ret == 0) {
		jb_key(out, "statx");
		jb_fmt(out,
		       "{\"mask\":%u,\"attributes\":%llu,\"attributesMask\":%llu,\"mode\":%u,\"nlink\":%u,\"uid\":%u,"
		       "\"gid\":%u,\"ino\":%llu,\"size\":%llu,\"blocks\":%llu,\"blksize\":%u,\"devMajor\":%u,"
		       "\"devMinor\":%u}",
		       sx.stx_mask, (unsigned long long)sx.stx_attributes, (unsigned long long)sx.stx_attributes_mask,
		       sx.stx_mode, sx.stx_nlink, sx.stx_uid, sx.stx_gid, (unsigned long long)sx.stx_ino,
		       (unsigned long long)sx.stx_size, (unsigned long long)sx.stx_blocks, sx.stx_blksize,
		       sx.stx_dev_major, sx.stx_dev_minor);
	}
}

static void op_fcntl(struct step *s, struct jb *out)
{
	struct res r;
	int fd = need_fd(s, "fd");
	int cmd = (int)need_int(s, "cmd");
	const char *kind = step_get(s, "arg");
	if (!kind || strcmp(kind, "none") == 0) {
		if (cmd == F_GETOWN_EX) {
			struct f_owner_ex ex;
			memset(&ex, 0, sizeof ex);
			SYS(fcntl(fd, cmd, &ex));
			put_res(out, r);
			if (r.ret == 0) {
				/* jb_key adds the comma between fields itself. */
				jb_key(out, "owner");
				jb_fmt(out, "{\"type\":%d,\"pid\":%d", ex.type, (int)ex.pid);
				jb_kstr_or_null(out, "proc", pid_to_name(ex.pid));
				jb_raw(out, "}");
			}
			return;
		}
		SYS(fcntl(fd, cmd));
		put_res(out, r);
		if (cmd == F_GETOWN && r.ret != 0 && r.ret != -1) {
			long long p = r.ret < 0 ? -r.ret : r.ret;
			jb_kstr_or_null(out, "retProc", pid_to_name((pid_t)p));
		}
		return;
	}
	pid_t target = 0;
	const char *tv = step_get(s, "target");
	int pgrp = 0;
	long long pg;
	if (step_int(s, "pgrp", &pg) == 0)
		pgrp = pg != 0;
	if (tv && strcmp(tv, "~") != 0) {
		const char *tn = need_str(s, "target");
		int found = 0;
		for (int i = 0; i < g_npids; i++)
			if (strcmp(g_pids[i].name, tn) == 0) {
				target = pgrp ? g_pids[i].pgid : g_pids[i].pid;
				found = 1;
			}
		if (!found) {
			char m[160];
			snprintf(m, sizeof m, "step %d: fcntl owner '%s' is not a scenario process", s->seq, tn);
			proc_plan_error(m);
		}
	}
	if (strcmp(kind, "int") == 0) {
		long long v = need_int(s, "value");
		SYS(fcntl(fd, cmd, (long)v));
		put_res(out, r);
		const char *res = step_str(s, "result");
		if (res && r.ret >= 0) {
			names_bind(res, (int)r.ret);
			jb_kstr(out, "name", res);
		}
	} else if (strcmp(kind, "owner") == 0) {
		SYS(fcntl(fd, cmd, pgrp ? -(long)target : (long)target));
		put_res(out, r);
	} else if (strcmp(kind, "ownerex") == 0) {
		struct f_owner_ex ex;
		ex.type = (int)need_int(s, "type");
		ex.pid = target;
		SYS(fcntl(fd, cmd, &ex));
		put_res(out, r);
	} else {
		proc_plan_error("fcntl arg= must be none|int|owner|ownerex");
	}
}

/* SIGBUS/SIGSEGV during a load/store are outcomes: the handler jumps back. */
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_signo, fault_code;
static void *volatile fault_addr;

static void fault_handler(int signo, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_signo = signo;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(fault_jmp, 1);
}

static void op_mem(struct step *s, struct jb *out, int store)
{
	struct mapping *m = need_map(s);
	long long off = need_int(s, "offset");
	unsigned char value = store ? (unsigned char)need_int(s, "value") : 0;
	volatile unsigned char *p = m->addr + off;
	struct sigaction sa, obus, osegv;
	unsigned char got = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	fault_signo = 0;
	if (sigsetjmp(fault_jmp, 1) == 0) {
		if (store)
			*p = value;
		else
			got = *p;
	}
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
	if (fault_signo) {
		jb_raw(out, "\"ret\":-1,\"errno\":0,\"errname\":null");
		jb_kstr(out, "outcome", fault_signo == SIGBUS ? "SIGBUS" : "SIGSEGV");
		jb_key(out, "fault");
		jb_fmt(out, "{\"signo\":%d,\"code\":%d,\"offset\":%lld}", (int)fault_signo, (int)fault_code,
		       (long long)((unsigned char *)fault_addr - m->addr));
		return;
	}
	jb_fmt(out, "\"ret\":%d,\"errno\":0,\"errname\":null", store ? 0 : got);
	jb_kstr(out, "outcome", "ok");
	if (!store)
		jb_kbytes(out, &got, 1);
}

static void op_mmap(struct step *s, struct jb *out)
{
	const char *name = need_str(s, "map");
	const char *fv = step_get(s, "fd");
	int fd = (!fv || strcmp(fv, "~") == 0) ? -1 : need_fd(s, "fd");
	long long len = need_int(s, "length"), prot = need_int(s, "prot"), flags = need_int(s, "flags"),
		  off = need_int(s, "offset");
	errno = 0;
	void *a = mmap(NULL, (size_t)len, (int)prot, (int)flags, fd, (off_t)off);
	int e = errno;
	if (a == MAP_FAILED) {
		jb_fmt(out, "\"ret\":-1,\"errno\":%d,\"errname\":\"%s\"", e, errno_name(e));
		return;
	}
	jb_raw(out, "\"ret\":0,\"errno\":0,\"errname\":null");
	jb_key(out, "addr");
	jb_fmt(out, "\"%p\"", a);
	struct mapping *slot = NULL;
	for (int i = 0; i < MAX_MAPS && !slot; i++)
		if (strcmp(g_maps[i].name, name) == 0)
			slot = &g_maps[i];
	for (int i = 0; i < MAX_MAPS && !slot; i++)
		if (!g_maps[i].name[0])
			slot = &g_maps[i];
	if (!slot)
		proc_plan_error("too many mappings");
	snprintf(slot->name, sizeof slot->name, "%s", name);
	slot->addr = a;
	slot->len = (size_t)len;
	slot->used = 1;
}

static void op_io(struct step *s, struct jb *out, int positional)
{
	struct res r;
	int fd = need_fd(s, "fd");
	long long count = need_int(s, "count");
	long long off = positional ? need_int(s, "offset") : 0;
	if (count < 0 || count > MAX_IO)
		proc_plan_error("count= out of range (0..1048576)");
	unsigned char *buf = malloc((size_t)count + 1);
	if (positional)
		SYS(pread(fd, buf, (size_t)count, (off_t)off));
	else
		SYS(read(fd, buf, (size_t)count));
	put_res(out, r);
	if (r.ret >= 0)
		jb_kbytes(out, buf, (size_t)r.ret);
	free(buf);
}

static void op_fan_read(struct step *s, struct jb *out)
{
	struct res r;
	int fd = need_fd(s, "fd");
	long long count = need_int(s, "count");
	if (count < 0 || count > MAX_IO)
		proc_plan_error("count= out of range (0..1048576)");
	unsigned char *buf = malloc((size_t)count + 8);
	SYS(read(fd, buf, (size_t)count));
	put_res(out, r);
	if (r.ret > 0) {
		jb_key(out, "events");
		fan_decode(buf, (size_t)r.ret, step_str(s, "results"), out);
	}
	free(buf);
}

static void bind_result(struct step *s, struct jb *out, struct res r)
{
	put_res(out, r);
	const char *res = need_str(s, "result");
	if (r.ret >= 0) {
		names_bind(res, (int)r.ret);
		jb_kstr(out, "name", res);
	}
}

static void op_sysctl(struct step *s, struct jb *out)
{
	struct res r;
	char path[256];
	const char *name = need_str(s, "name");
	long long v = need_int(s, "value");
	snprintf(path, sizeof path, "/proc/sys/%s", name);
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	SYS(open(path, O_WRONLY | O_CLOEXEC));
	if (r.ret >= 0) {
		int fd = (int)r.ret;
		char val[32];
		int n = snprintf(val, sizeof val, "%lld\n", v);
		SYS(write(fd, val, (size_t)n));
		if (r.ret >= 0)
			r.ret = 0;
		close(fd);
	}
	put_res(out, r);
}

void op_execute(struct step *s, struct jb *out)
{
	struct res r = {0, 0};
	const char *op = s->op;
	g_cur_seq = s->seq;
	if (strcmp(op, "open") == 0) {
		const char *path = need_str(s, "path");
		int flags = (int)need_int(s, "flags"), mode = (int)need_int(s, "mode");
		long long at = 0;
		step_int(s, "at", &at);
		if (at) {
			int dir = need_dir(s);
			SYS(openat(dir, path, flags, mode));
		} else {
			SYS(open(path, flags, mode));
		}
		bind_result(s, out, r);
	} else if (strcmp(op, "close") == 0) {
		int fd = need_fd(s, "fd");
		SYS(close(fd));
		if (r.ret == 0 || r.err == EINTR)
			names_close_num(fd);
		put_res(out, r);
	} else if (strcmp(op, "dup") == 0) {
		int fd = need_fd(s, "fd");
		SYS(dup(fd));
		bind_result(s, out, r);
	} else if (strcmp(op, "dup2") == 0 || strcmp(op, "dup3") == 0) {
		int fd = need_fd(s, "fd"), nfd = need_fd(s, "newfd");
		if (op[3] == '3') {
			int fl = (int)need_int(s, "flags");
			SYS(dup3(fd, nfd, fl));
		} else {
			SYS(dup2(fd, nfd));
		}
		if (r.ret >= 0 && fd != nfd)
			names_close_num(nfd);
		bind_result(s, out, r);
	} else if (strcmp(op, "fork") == 0) {
		const char *child = need_str(s, "child");
		SYS(proc_fork(child, s->seq));
		put_res(out, r);
		jb_kstr(out, "child", child);
	} else if (strcmp(op, "execve") == 0) {
		SYS(proc_execve(s->seq));
		put_res(out, r);
	} else if (strcmp(op, "exit") == 0) {
		_exit((int)need_int(s, "code"));
	} else if (strcmp(op, "fcntl") == 0) {
		op_fcntl(s, out);
	} else if (strcmp(op, "read") == 0) {
		op_io(s, out, 0);
	} else if (strcmp(op, "pread") == 0) {
		op_io(s, out, 1);
	} else if (strcmp(op, "write") == 0 || strcmp(op, "pwrite") == 0) {
		int fd = need_fd(s, "fd");
		size_t len;
		unsigned char *d = need_data(s, &len);
		if (op[0] == 'p') {
			long long off = need_int(s, "offset");
			SYS(pwrite(fd, d, len, (off_t)off));
		} else {
			SYS(write(fd, d, len));
		}
		free(d);
		put_res(out, r);
	} else if (strcmp(op, "lseek") == 0) {
		int fd = need_fd(s, "fd");
		long long off = need_int(s, "offset"), wh = need_int(s, "whence");
		SYS(lseek(fd, (off_t)off, (int)wh));
		put_res(out, r);
	} else if (strcmp(op, "truncate") == 0) {
		const char *path = need_str(s, "path");
		SYS(truncate(path, (off_t)need_int(s, "length")));
		put_res(out, r);
	} else if (strcmp(op, "ftruncate") == 0) {
		int fd = need_fd(s, "fd");
		SYS(ftruncate(fd, (off_t)need_int(s, "length")));
		put_res(out, r);
	} else if (strcmp(op, "fallocate") == 0) {
		int fd = need_fd(s, "fd");
		long long mode = need_int(s, "mode"), off = need_int(s, "offset"), len = need_int(s, "length");
		SYS(fallocate(fd, (int)mode, (off_t)off, (off_t)len));
		put_res(out, r);
	} else if (strcmp(op, "unlink") == 0) {
		SYS(unlink(need_str(s, "path")));
		put_res(out, r);
	} else if (strcmp(op, "rename") == 0 || strcmp(op, "link") == 0) {
		const char *from = need_str(s, "from"), *to = need_str(s, "to");
		if (op[0] == 'r')
			SYS(rename(from, to));
		else
			SYS(link(from, to));
		put_res(out, r);
	} else if (strcmp(op, "mkdir") == 0) {
		const char *path = need_str(s, "path");
		SYS(mkdir(path, (mode_t)need_int(s, "mode")));
		put_res(out, r);
	} else if (strcmp(op, "rmdir") == 0) {
		SYS(rmdir(need_str(s, "path")));
		put_res(out, r);
	} else if (strcmp(op, "statx") == 0) {
		op_statx(s, out);
	} else if (strcmp(op, "mmap") == 0) {
		op_mmap(s, out);
	} else if (strcmp(op, "munmap") == 0) {
		struct mapping *m = need_map(s);
		long long off = need_int(s, "offset"), len;
		if (step_int(s, "length", &len) < 0)
			len = (long long)m->len - off;
		SYS(munmap(m->addr + off, (size_t)len));
		put_res(out, r);
	} else if (strcmp(op, "load") == 0) {
		op_mem(s, out, 0);
	} else if (strcmp(op, "store") == 0) {
		op_mem(s, out, 1);
	} else if (strcmp(op, "msync") == 0) {
		struct mapping *m = need_map(s);
		SYS(msync(m->addr, m->len, (int)need_int(s, "flags")));
		put_res(out, r);
	} else if (strcmp(op, "fsxattr") == 0) {
		/* FS_IOC_FSGETXATTR; with set=, FS_IOC_FSSETXATTR of what was read
		 * with fsx_xflags replaced. ret: the xflags (get) or 0 (set). */
		int fd = need_fd(s, "fd");
		struct fsxattr fa;
		long long set;
		memset(&fa, 0, sizeof fa);
		SYS(ioctl(fd, FS_IOC_FSGETXATTR, &fa));
		if (r.ret == 0 && step_int(s, "set", &set) == 0) {
			fa.fsx_xflags = (unsigned)set;
			SYS(ioctl(fd, FS_IOC_FSSETXATTR, &fa));
		} else if (r.ret == 0) {
			r.ret = (long long)fa.fsx_xflags;
		}
		put_res(out, r);
	} else if (strcmp(op, "fanotify_init") == 0) {
		unsigned fl = (unsigned)need_int(s, "flags"), ef = (unsigned)need_int(s, "eventflags");
		SYS(fanotify_init(fl, ef));
		bind_result(s, out, r);
	} else if (strcmp(op, "fanotify_mark") == 0) {
		int fd = need_fd(s, "fd");
		unsigned fl = (unsigned)need_int(s, "flags");
		unsigned long long mask = (unsigned long long)need_int(s, "mask");
		int dir = need_dir(s);
		const char *pv = step_get(s, "path");
		const char *path = (!pv || strcmp(pv, "~") == 0) ? NULL : need_str(s, "path");
		SYS(fanotify_mark(fd, fl, mask, dir, path));
		put_res(out, r);
	} else if (strcmp(op, "fanotify_read") == 0) {
		op_fan_read(s, out);
	} else if (strcmp(op, "fanotify_response") == 0) {
		int fd = need_fd(s, "fd"), efd = need_fd(s, "eventfd");
		struct fanotify_response resp = {.fd = efd, .response = (unsigned)need_int(s, "response")};
		SYS(write(fd, &resp, sizeof resp));
		put_res(out, r);
	} else if (strcmp(op, "readlink_fd") == 0) {
		int fd = need_fd(s, "fd");
		char path[64], link[4096];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		SYS(readlink(path, link, sizeof link - 1));
		put_res(out, r);
		if (r.ret >= 0) {
			jb_key(out, "link");
			jb_strn(out, link, (size_t)r.ret);
		}
	} else if (strcmp(op, "sysctl") == 0) {
		op_sysctl(s, out);
	} else if (strcmp(op, "setuid") == 0) {
		/* Groups first (needs CAP_SETGID), then all three uids: a non-zero
		 * uid clears the permitted/effective capabilities (CAP_LEASE). */
		long long uid = need_int(s, "uid");
		SYS(setgroups(0, NULL));
		if (r.ret == 0)
			SYS(setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid));
		if (r.ret == 0)
			SYS(setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid));
		put_res(out, r);
	} else if (strcmp(op, "signal") == 0) {
		int signo = (int)need_int(s, "signo");
		const char *d = need_str(s, "disposition");
		char c = strcmp(d, "catch") == 0 ? 'c' : strcmp(d, "ignore") == 0 ? 'i' : 'd';
		SYS(set_disposition(signo, c));
		put_res(out, r);
	} else if (!op_fdquery(s, out) && !op_rlimit(s, out)) {
		char m[120];
		snprintf(m, sizeof m, "step %d: unknown op '%s'", s->seq, op);
		proc_plan_error(m);
	}
	g_cur_seq = -1;
}

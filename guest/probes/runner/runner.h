/* vfslab-runner: shared declarations. The runner is one static program: a
 * coordinator (coord.c) that reads a plan (plan.c) and drives scenario
 * processes (proc.c, ops.c) in lockstep over SOCK_SEQPACKET sockets, and
 * writes the trace as JSON lines. See docs/runner-protocol.md.
 *
 * The sources are also amalgamated into one file by src/repro (this header
 * first, then the .c files in the order of RUNNER_SOURCES in that module), so
 * every non-static name is unique and no .c file includes anything local
 * except this header. */
#ifndef VFSLAB_RUNNER_H
#define VFSLAB_RUNNER_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

/* Control fds of scenario processes live here, above anything a scenario
 * opens (the model assumes only 0,1,2 below 100). */
#define CTL_FD 900

/*
 * MAP_DIRECT of guest/patches/0002 (include/uapi/asm-generic/mman-common.h
 * there): not in the host's glibc headers. Scenarios pass mmap flags as
 * numbers and the runner hands them to mmap(2) unchanged; this is the value
 * src/scenario/flags.ts MAP_FLAGS.MAP_DIRECT must have
 * (tests/unit/model-mapdirect-flag.test.ts checks the three agree).
 */
#define VFSLAB_MAP_DIRECT 0x200000

#define NAME_LEN 64
#define MAX_KV 32
#define MAX_PROCS 32
#define MAX_NAMES 256
#define MAX_MAPS 32
#define MAX_SYSCTL 16
#define MSG_MAX (160 * 1024)

/* ---- util.c ---- */
long long now_us(void);
const char *errno_name(int e);
/* Signal name into buf ("SIGIO", "SIGRTMIN+3"); returns buf. */
const char *signal_name(int signo, char *buf, size_t len);
int signal_from_name(const char *s);
/* Percent-decodes src into dst (at most cap-1 bytes, NUL-terminated);
 * returns the decoded length or -1 on a bad escape. */
long pct_decode(const char *src, char *dst, size_t cap);
/* Percent-encodes src (bytes outside [A-Za-z0-9._/+:-] become %XX). */
void pct_encode(const char *src, char *dst, size_t cap);
/* Writes all of buf to fd, retrying on EINTR/short writes. */
int write_all(int fd, const void *buf, size_t len);
/* Parses a decimal or 0x-hex integer token; returns 0 or -1. */
int parse_ll(const char *s, long long *out);

/* A growable JSON text buffer. */
struct jb {
	char *p;
	size_t n, cap;
};
void jb_init(struct jb *b);
void jb_free(struct jb *b);
void jb_reset(struct jb *b);
void jb_raw(struct jb *b, const char *s);
void jb_mem(struct jb *b, const char *s, size_t n);
void jb_fmt(struct jb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal (quotes included) of n bytes of s. */
void jb_strn(struct jb *b, const char *s, size_t n);
void jb_str(struct jb *b, const char *s);
/* ,"key": (leading comma unless the buffer ends with '{' or is empty). */
void jb_key(struct jb *b, const char *key);
void jb_kint(struct jb *b, const char *key, long long v);
void jb_kstr(struct jb *b, const char *key, const char *s);
/* "key":null when s is NULL. */
void jb_kstr_or_null(struct jb *b, const char *key, const char *s);
/* "data":"<hex>" and, when all printable, "text":"...". */
void jb_kbytes(struct jb *b, const unsigned char *d, size_t n);

/* A signal record, sent by a scenario process's handler to the coordinator
 * (one SOCK_SEQPACKET message, tag 'S'). */
struct sigmsg {
	char tag;
	int signo;
	int code;
	int fd;
	long band;
	int sigpid;
	int in_seq;
	int recv_pid;
	long long t;
};

/* ---- plan.c ---- */
struct step {
	int seq;
	int line;                 /* line in the plan text */
	char proc[NAME_LEN];
	char op[32];
	int nkv;
	char *key[MAX_KV];
	char *val[MAX_KV];        /* raw (still escaped) values */
	char *text;               /* the whole step line, for forwarding */
};

struct sysctl_set {
	char name[128];
	char value[64];
};

struct scenario {
	int index;
	int line;
	char name[256];
	long settle_ms;
	long watchdog_ms;
	char initial[NAME_LEN];
	int nsysctl;
	struct sysctl_set sysctl[MAX_SYSCTL];
	int nsteps;
	struct step *steps;
	char error[256];          /* non-empty: the scenario's plan is bad */
};

struct plan {
	int nscen;
	struct scenario *scen;
};

/* Parses the whole plan text (modified in place; kept alive by the caller).
 * A bad header returns -1 with msg; a bad scenario is kept with its error
 * set, so the batch goes on. */
int plan_parse(char *text, struct plan *p, char *msg, size_t msglen);
void plan_free(struct plan *p);
/* Splits one step line ("step SEQ PROC OP k=v ...") in place. */
int step_split(char *line, struct step *s, char *msg, size_t msglen);
const char *step_get(const struct step *s, const char *key);
/* Integer value of key; -1 if missing or not an integer. */
int step_int(const struct step *s, const char *key, long long *out);
/* Decoded string value (the value must start with '\''); NULL if missing/bad.
 * Returns a pointer to a static rotating buffer. */
const char *step_str(const struct step *s, const char *key);

/* ---- proc.c (scenario process side) ---- */
struct name_bind {
	char name[NAME_LEN];
	int num;
	int open;
};
struct mapping {
	char name[NAME_LEN];
	unsigned char *addr;
	size_t len;
	int used;
};
struct pid_entry {
	char name[NAME_LEN];
	pid_t pid;
	pid_t pgid;
};

extern struct name_bind g_names[MAX_NAMES];
extern int g_nnames;
extern struct mapping g_maps[MAX_MAPS];
extern struct pid_entry g_pids[MAX_PROCS];
extern int g_npids;
extern char g_self_name[NAME_LEN];
extern volatile sig_atomic_t g_cur_seq;
extern char g_dispo[65]; /* per signal: 'c' catch, 'd' default, 'i' ignore, 0 untouched */

/* Entry of a freshly forked initial process (never returns). */
void proc_start_initial(const char *name, const char *sock_name, const char *dir);
/* Entry after execve of the runner with --resume (never returns). */
void proc_resume(int argc, char **argv);
/* Binds name to fd number num (replacing an earlier binding of that name). */
void names_bind(const char *name, int num);
void names_close_num(int num);
struct name_bind *names_find(const char *name);
const char *pid_to_name(pid_t pid);
int set_disposition(int signo, char d);
/* fork step (returns in the parent only) and execve step (returns on failure). */
long proc_fork(const char *child, int seq);
int proc_execve(int seq);
/* A plan error found while executing a step: tell the coordinator, exit. */
void proc_plan_error(const char *msg) __attribute__((noreturn));
int attach_to_coordinator(const char *sock_name, const char *parent, int seq);
extern char g_sock_name[108];

/* ---- ops.c ---- */
/* Executes one step in the scenario process, appending the JSON fields of the
 * result (without braces) to out. */
void op_execute(struct step *s, struct jb *out);
/* Resolves an fd operand: "@name", "!name" (stale) or a number; -1 on error. */
int resolve_fd(const char *v, int *num);

/* ---- fanotify.c ---- */
/* Decodes n bytes of fanotify events into a JSON array value, binding event
 * fds to the names in the comma-separated list `names` (may be NULL). */
void fan_decode(const unsigned char *buf, size_t n, const char *names, struct jb *out);

/* ---- fdquery.c ---- */
/* fionread / poll steps: appends the result fields and returns 1, or 0 when
 * the op is neither. */
int op_fdquery(struct step *s, struct jb *out);

/* ---- rlimit.c ---- */
/* setrlimit step (soft RLIMIT_NOFILE): like op_fdquery. */
int op_rlimit(struct step *s, struct jb *out);

/* ---- coord.c ---- */
struct runner_opts {
	const char *base;
	long settle_ms;
	long watchdog_ms;
	int keep;
	int wchan_blocked; /* --blocked-by-wchan: see coord.c wait_settle */
};
/* Runs all scenarios of the plan; returns the number with infra errors. */
int coord_run(struct plan *p, const struct runner_opts *o, int *ok_out);
/* Emits an infra observation not tied to a scenario (scenario -1). */
void emit_infra(int scenario, const char *kind, const char *msg, int seq);

/* ---- main.c ---- */
extern const char *g_embedded_plan;

#endif

/* Small helpers: time, errno and signal names, escapes, the JSON buffer. */
#include "runner.h"

#include <stdarg.h>
#include <unistd.h>

long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* x86_64 / asm-generic numbering, from the kernel uapi headers. */
static const char *const errno_names[] = {
	[1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO", [6] = "ENXIO", [7] = 
	"E2BIG", [8] = "ENOEXEC", [9] = "EBADF", [10] = "ECHILD", [11] = "EAGAIN", [12] = "ENOMEM", [13] = 
	"EACCES", [14] = "EFAULT", [15] = "ENOTBLK", [16] = "EBUSY", [17] = "EEXIST", [18] = "EXDEV", [19] 
	= "ENODEV", [20] = "ENOTDIR", [21] = "EISDIR", [22] = "EINVAL", [23] = "ENFILE", [24] = "EMFILE", 
	[25] = "ENOTTY", [26] = "ETXTBSY", [27] = "EFBIG", [28] = "ENOSPC", [29] = "ESPIPE", [30] = 
	"EROFS", [31] = "EMLINK", [32] = "EPIPE", [33] = "EDOM", [34] = "ERANGE", [35] = "EDEADLK", [36] = 
	"ENAMETOOLONG", [37] = "ENOLCK", [38] = "ENOSYS", [39] = "ENOTEMPTY", [40] = "ELOOP", [42] = 
	"ENOMSG", [43] = "EIDRM", [44] = "ECHRNG", [45] = "EL2NSYNC", [46] = "EL3HLT", [47] = "EL3RST", 
	[48] = "ELNRNG", [49] = "EUNATCH", [50] = "ENOCSI", [51] = "EL2HLT", [52] = "EBADE", [53] = 
	"EBADR", [54] = "EXFULL", [55] = "ENOANO", [56] = "EBADRQC", [57] = "EBADSLT", [59] = "EBFONT", 
	[60] = "ENOSTR", [61] = "ENODATA", [62] = "ETIME", [63] = "ENOSR", [64] = "ENONET", [65] = 
	"ENOPKG", [66] = "EREMOTE", [67] = "ENOLINK", [68] = "EADV", [69] = "ESRMNT", [70] = "ECOMM", [71] 
	= "EPROTO", [72] = "EMULTIHOP", [73] = "EDOTDOT", [74] = "EBADMSG", [75] = "EOVERFLOW", [76] = 
	"ENOTUNIQ", [77] = "EBADFD", [78] = "EREMCHG", [79] = "ELIBACC", [80] = "ELIBBAD", [81] = 
	"ELIBSCN", [82] = "ELIBMAX", [83] = "ELIBEXEC", [84] = "EILSEQ", [85] = "ERESTART", [86] = 
	"ESTRPIPE", [87] = "EUSERS", [88] = "ENOTSOCK", [89] = "EDESTADDRREQ", [90] = "EMSGSIZE", [91] = 
	"EPROTOTYPE", [92] = "ENOPROTOOPT", [93] = "EPROTONOSUPPORT", [94] = "ESOCKTNOSUPPORT", [95] = 
	"EOPNOTSUPP", [96] = "EPFNOSUPPORT", [97] = "EAFNOSUPPORT", [98] = "EADDRINUSE", [99] = 
	"EADDRNOTAVAIL", [100] = "ENETDOWN", [101] = "ENETUNREACH", [102] = "ENETRESET", [103] = 
	"ECONNABORTED", [104] = "ECONNRESET", [105] = "ENOBUFS", [106] = "EISCONN", [107] = "ENOTCONN", 
	[108] = "ESHUTDOWN", [109] = "ETOOMANYREFS", [110] = "ETIMEDOUT", [111] = "ECONNREFUSED", [112] = 
	"EHOSTDOWN", [113] = "EHOSTUNREACH", [114] = "EALREADY", [115] = "EINPROGRESS", [116] = "ESTALE", 
	[117] = "EUCLEAN", [118] = "ENOTNAM", [119] = "ENAVAIL", [120] = "EISNAM", [121] = "EREMOTEIO", 
	[122] = "EDQUOT", [123] = "ENOMEDIUM", [124] = "EMEDIUMTYPE", [125] = "ECANCELED", [126] = 
	"ENOKEY", [127] = "EKEYEXPIRED", [128] = "EKEYREVOKED", [129] = "EKEYREJECTED", [130] = 
	"EOWNERDEAD", [131] = "ENOTRECOVERABLE", [132] = "ERFKILL", [133] = "EHWPOISON", };

const char *errno_name(int e)
{
	if (e > 0 && (size_t)e < sizeof(errno_names) / sizeof(errno_names[0]) && errno_names[e])
		return errno_names[e];
	return "E?";
}

static const char *const sig_names[32] = {
	[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP",
	[6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1",
	[11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",
	[16] = "SIGSTKFLT", [17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG", [24] = "SIGXCPU", [25] = "SIGXFSZ",
	[26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH", [29] = "SIGIO", [30] = "SIGPWR",
	[31] = "SIGSYS",
};

/* Real-time signals are named from the kernel's SIGRTMIN (32), as in
 * kill -l, so the names do not depend on the libc's reserved signals. */
const char *signal_name(int signo, char *buf, size_t len)
{
	if (signo > 0 && signo < 32 && sig_names[signo])
		snprintf(buf, len, "%s", sig_names[signo]);
	else if (signo == 32)
		snprintf(buf, len, "SIGRTMIN");
	else if (signo > 32 && signo <= 64)
		snprintf(buf, len, "SIGRTMIN+%d", signo - 32);
	else
		snprintf(buf, len, "SIG%d", signo);
	return buf;
}

int signal_from_name(const char *s)
{
	for (int i = 1; i < 32; i++)
		if (sig_names[i] && strcmp(sig_names[i], s) == 0)
			return i;
	return -1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long pct_decode(const char *src, char *dst, size_t cap)
{
	size_t n = 0;
	for (const char *p = src; *p; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);
			if (h < 0 || l < 0)
				return -1;
			c = h * 16 + l;
			p += 2;
		}
		if (n + 1 >= cap)
			return -1;
		dst[n++] = (char)c;
	}
	dst[n] = 0;
	return (long)n;
}

void pct_encode(const char *src, char *dst, size_t cap)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)src; *p && n + 4 < cap; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("._/+:-", *p)) {
			dst[n++] = (char)*p;
		} else {
			dst[n++] = '%';
			dst[n++] = hx[*p >> 4];
			dst[n++] = hx[*p & 15];
		}
	}
	dst[n] = 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int parse_ll(const char *s, long long *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

void jb_init(struct jb *b)
{
	b->cap = 1024;
	b->n = 0;
	b->p = malloc(b->cap);
	if (!b->p)
		abort();
	b->p[0] = 0;
}

void jb_free(struct jb *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

void jb_reset(struct jb *b)
{
	b->n = 0;
	b->p[0] = 0;
}

void jb_mem(struct jb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap *= 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

void jb_raw(struct jb *b, const char *s)
{
	jb_mem(b, s, strlen(s));
}

void jb_fmt(struct jb *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		jb_mem(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		abort();
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	jb_mem(b, big, (size_t)n);
	free(big);
}

void jb_strn(struct jb *b, const char *s, size_t n)
{
	jb_mem(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			jb_mem(b, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			/* Bytes, not UTF-8: each byte becomes one code point 0..255. */
			char e[8];
			snprintf(e, sizeof e, "\\u%04x", c);
			jb_mem(b, e, 6);
		} else {
			jb_mem(b, (const char *)&c, 1);
		}
	}
	jb_mem(b, "\"", 1);
}

void jb_str(struct jb *b, const char *s)
{
	jb_strn(b, s, strlen(s));
}

void jb_key(struct jb *b, const char *key)
{
	if (b->n > 0 && b->p[b->n - 1] != '{' && b->p[b->n - 1] != '[')
		jb_mem(b, ",", 1);
	jb_str(b, key);
	jb_mem(b, ":", 1);
}

void jb_kint(struct jb *b, const char *key, long long v)
{
	jb_key(b, key);
	jb_fmt(b, "%lld", v);
}

void jb_kstr(struct jb *b, const char *key, const char *s)
{
	jb_key(b, key);
	jb_str(b, s);
}

void jb_kstr_or_null(struct jb *b, const char *key, const char *s)
{
	jb_key(b, key);
	if (s)
		jb_str(b, s);
	else
		jb_raw(b, "null");
}

void jb_kbytes(struct jb *b, const unsigned char *d, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	int printable = 1;
	jb_key(b, "data");
	jb_mem(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		char h[2] = {hx[d[i] >> 4], hx[d[i] & 15]};
		jb_mem(b, h, 2);
		if ((d[i] < 0x20 && d[i] != '\n' && d[i] != '\t') || d[i] >= 0x7f)
			printable = 0;
	}
	jb_mem(b, "\"", 1);
	if (printable && n > 0) {
		jb_key(b, "text");
		jb_strn(b, (const char *)d, n);
	}
}

/*
 * smoke: one JSON object describing what this guest can do on its pmem
 * filesystem, for the foundation's VM tests. Every syscall's return value and
 * errno is reported, never interpreted here: the host decides what is right.
 *
 * usage: smoke [DIR]   (DIR defaults to /mnt/pmem)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

static void json_str(const char *key, const char *val, int comma)
{
	printf("\"%s\":\"", key);
	for (const char *p = val; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	printf("\"%s", comma ? "," : "");
}

/* {"ret":R,"errno":E,"err":"NAME"} for one syscall result. */
static void json_result(const char *key, long ret, int err, int comma)
{
	printf("\"%s\":{\"ret\":%ld,\"errno\":%d,\"err\":\"%s\"}%s", key, ret, ret < 0 ? err : 0,
	       ret < 0 ? strerrorname_np(err) : "", comma ? "," : "");
}

/* The /proc/mounts line for DIR: device and options. */
static void mount_of(const char *dir, char *dev, char *fstype, char *opts, size_t n)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[1024], d[256], m[256], t[64], o[512];

	dev[0] = fstype[0] = opts[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %255s %63s %511s", d, m, t, o) == 4 && strcmp(m, dir) == 0) {
			snprintf(dev, n, "%s", d);
			snprintf(fstype, n, "%s", t);
			snprintf(opts, n, "%s", o);
		}
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/mnt/pmem";
	char path[512], dev[512], fstype[512], opts[512];
	struct utsname u;
	struct statx stx;
	long ret;
	int fd, err;

	setvbuf(stdout, NULL, _IONBF, 0);
	uname(&u);
	mount_of(dir, dev, fstype, opts, sizeof(dev));
	printf("{");
	json_str("release", u.release, 1);
	json_str("dir", dir, 1);
	json_str("device", dev, 1);
	json_str("fstype", fstype, 1);
	json_str("options", opts, 1);

	snprintf(path, sizeof(path), "%s/smoke.%d", dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	err = errno;
	json_result("open", fd, err, 1);

	ret = fd < 0 ? -1 : ftruncate(fd, 2 * 1024 * 1024);
	err = fd < 0 ? EBADF : errno;
	json_result("ftruncate", ret, err, 1);

	ret = statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx);
	err = errno;
	json_result("statx", ret, err, 1);
	printf("\"statx_dax_supported\":%s,", ret == 0 && (stx.stx_attributes_mask & STATX_ATTR_DAX) ? "true" : "false");
	printf("\"statx_dax\":%s,", ret == 0 && (stx.stx_attributes & STATX_ATTR_DAX) ? "true" : "false");

	void *p = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);
	err = errno;
	json_result("mmap_sync", p == MAP_FAILED ? -1 : 0, err, 1);
	if (p != MAP_FAILED) {
		/* A store through a MAP_SYNC mapping must not fault on DAX. */
		((volatile char *)p)[0] = 'v';
		munmap(p, 4096);
	}

	/* F_RDLCK needs no writer: take it on a read-only open once ours is closed. */
	if (fd >= 0)
		close(fd);
	int rfd = open(path, O_RDONLY);
	err = errno;
	ret = rfd < 0 ? -1 : fcntl(rfd, F_SETLEASE, F_RDLCK);
	err = rfd < 0 ? err : errno;
	json_result("setlease_rdlck", ret, err, 1);
	ret = rfd < 0 ? -1 : fcntl(rfd, F_GETLEASE);
	err = errno;
	json_result("getlease", ret, err, 1);
	if (rfd >= 0) {
		fcntl(rfd, F_SETLEASE, F_UNLCK);
		close(rfd);
	}

	fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);
	err = errno;
	json_result("fanotify_init", fd, err, 1);
	if (fd >= 0) {
		ret = fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE, AT_FDCWD, dir);
		err = errno;
		json_result("fanotify_mark", ret, err, 1);
		close(fd);
	} else {
		json_result("fanotify_mark", -1, EBADF, 1);
	}
	ret = unlink(path);
	err = errno;
	json_result("unlink", ret, err, 0);
	printf("}\n");
	return 0;
}

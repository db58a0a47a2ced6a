/* Decodes a buffer of fanotify events: metadata, info records, and for each
 * event fd its path, flags and offset (none of which generate events). */
#include "runner.h"

#include <linux/fanotify.h>
#include <unistd.h>

static void fan_hex(struct jb *out, const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	jb_raw(out, "\"");
	for (size_t i = 0; i < n; i++) {
		char h[2] = {hx[p[i] >> 4], hx[p[i] & 15]};
		jb_mem(out, h, 2);
	}
	jb_raw(out, "\"");
}

static void fan_decode_info(const unsigned char *p, size_t n, struct jb *out)
{
	size_t off = 0;
	int first = 1;
	jb_raw(out, "[");
	while (off + sizeof(struct fanotify_event_info_header) <= n) {
		struct fanotify_event_info_header h;
		memcpy(&h, p + off, sizeof h);
		if (h.len < sizeof h || off + h.len > n)
			break;
		const unsigned char *rec = p + off;
		if (!first)
			jb_raw(out, ",");
		first = 0;
		jb_fmt(out, "{\"type\":%u,\"len\":%u", h.info_type, h.len);
		jb_key(out, "raw");
		fan_hex(out, rec, h.len);
		switch (h.info_type) {
		case FAN_EVENT_INFO_TYPE_FID:
		case FAN_EVENT_INFO_TYPE_DFID:
		case FAN_EVENT_INFO_TYPE_DFID_NAME:
		case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
		case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME: {
			size_t hoff = sizeof(struct fanotify_event_info_header) + 8; /* fsid */
			if (hoff + 8 > h.len)
				break;
			unsigned hb;
			int ht;
			memcpy(&hb, rec + hoff, 4);
			memcpy(&ht, rec + hoff + 4, 4);
			jb_key(out, "fsid");
			fan_hex(out, rec + sizeof(struct fanotify_event_info_header), 8);
			jb_kint(out, "handleType", ht);
			if (hoff + 8 + hb > h.len)
				break;
			jb_key(out, "handle");
			fan_hex(out, rec + hoff + 8, hb);
			if (h.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME ||
			    h.info_type == FAN_EVENT_INFO_TYPE_OLD_DFID_NAME ||
			    h.info_type == FAN_EVENT_INFO_TYPE_NEW_DFID_NAME) {
				const char *nm = (const char *)rec + hoff + 8 + hb;
				size_t max = h.len - (hoff + 8 + hb);
				jb_key(out, "name");
				jb_strn(out, nm, strnlen(nm, max));
			}
			break;
		}
		case FAN_EVENT_INFO_TYPE_PIDFD:
			if (h.len >= sizeof h + 4) {
				int pidfd;
				memcpy(&pidfd, rec + sizeof h, 4);
				jb_kint(out, "pidfd", pidfd);
			}
			break;
		case FAN_EVENT_INFO_TYPE_ERROR:
			if (h.len >= sizeof h + 8) {
				int e;
				unsigned cnt;
				memcpy(&e, rec + sizeof h, 4);
				memcpy(&cnt, rec + sizeof h + 4, 4);
				jb_kint(out, "error", e);
				jb_kint(out, "errorCount", cnt);
			}
			break;
		default:
			break;
		}
		jb_raw(out, "}");
		off += h.len;
	}
	jb_raw(out, "]");
}

static void fan_kint_or_null(struct jb *out, const char *key, long long v)
{
	jb_key(out, key);
	if (v >= 0)
		jb_fmt(out, "%lld", v);
	else
		jb_raw(out, "null");
}

/* Takes the next name from a comma-separated list. */
static int fan_next_name(const char **list, char *name, size_t cap)
{
	if (!*list || !**list)
		return 0;
	const char *c = strchr(*list, ',');
	size_t n = c ? (size_t)(c - *list) : strlen(*list);
	if (n >= cap)
		n = cap - 1;
	memcpy(name, *list, n);
	name[n] = 0;
	*list = c ? c + 1 : *list + strlen(*list);
	return n > 0;
}

void fan_decode(const unsigned char *buf, size_t n, const char *names, struct jb *out)
{
	const struct fanotify_event_metadata *m = (const void *)buf;
	size_t len = n;
	int first = 1;
	jb_raw(out, "[");
	while (FAN_EVENT_OK(m, len)) {
		char name[NAME_LEN];
		int named = 0;
		if (!first)
			jb_raw(out, ",");
		first = 0;
		jb_fmt(out, "{\"mask\":%llu,\"fd\":%d,\"pid\":%d", (unsigned long long)m->mask, m->fd, m->pid);
		jb_kstr_or_null(out, "pidProc", pid_to_name(m->pid));
		jb_fmt(out, ",\"vers\":%u,\"metadataLen\":%u,\"eventLen\":%u", m->vers, m->metadata_len, m->event_len);
		if (m->fd >= 0 && fan_next_name(&names, name, sizeof name)) {
			names_bind(name, m->fd);
			named = 1;
		}
		jb_kstr_or_null(out, "name", named ? name : NULL);
		if (m->fd >= 0) {
			char path[64], link[4096];
			snprintf(path, sizeof path, "/proc/self/fd/%d", m->fd);
			ssize_t l = readlink(path, link, sizeof link - 1);
			jb_key(out, "path");
			if (l >= 0)
				jb_strn(out, link, (size_t)l);
			else
				jb_raw(out, "null");
			int fl = fcntl(m->fd, F_GETFL), fdfl = fcntl(m->fd, F_GETFD);
			off_t off = lseek(m->fd, 0, SEEK_CUR);
			fan_kint_or_null(out, "flags", fl);
			fan_kint_or_null(out, "fdFlags", fdfl);
			fan_kint_or_null(out, "offset", (long long)off);
		} else {
			jb_raw(out, ",\"path\":null,\"flags\":null,\"fdFlags\":null,\"offset\":null");
		}
		jb_key(out, "info");
		if (m->event_len > m->metadata_len)
			fan_decode_info((const unsigned char *)m + m->metadata_len, m->event_len - m->metadata_len, out);
		else
			jb_raw(out, "[]");
		jb_raw(out, "}");
		m = FAN_EVENT_NEXT(m, len);
	}
	jb_raw(out, "]");
}

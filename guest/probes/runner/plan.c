/* The plan: a line-based description of a batch of scenarios (see
 * docs/runner-protocol.md). Parsed in place; steps keep pointers into the
 * text. */
#include "runner.h"

static char *next_line(char **cur)
{
	char *s = *cur;
	if (!s || !*s)
		return NULL;
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = 0;
		*cur = nl + 1;
	} else {
		*cur = s + strlen(s);
	}
	size_t n = strlen(s);
	if (n > 0 && s[n - 1] == '\r')
		s[n - 1] = 0;
	return s;
}

/* Splits at single spaces, in place. */
static int split_words(char *s, char **w, int max)
{
	int n = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			*s++ = 0;
		if (!*s)
			break;
		if (n == max)
			return -1;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	return n;
}

int step_split(char *line, struct step *s, char *msg, size_t msglen)
{
	char *w[MAX_KV + 4];
	memset(s, 0, sizeof *s);
	int n = split_words(line, w, MAX_KV + 4);
	if (n < 0) {
		snprintf(msg, msglen, "too many fields (max %d key=value pairs)", MAX_KV);
		return -1;
	}
	if (n < 4 || strcmp(w[0], "step") != 0) {
		snprintf(msg, msglen, "expected: step SEQ PROC OP [key=value ...]");
		return -1;
	}
	long long seq;
	if (parse_ll(w[1], &seq) || seq < 0) {
		snprintf(msg, msglen, "bad step number '%s'", w[1]);
		return -1;
	}
	s->seq = (int)seq;
	if (pct_decode(w[2], s->proc, sizeof s->proc) <= 0) {
		snprintf(msg, msglen, "bad process name '%s'", w[2]);
		return -1;
	}
	if (strlen(w[3]) >= sizeof s->op) {
		snprintf(msg, msglen, "op name too long");
		return -1;
	}
	strcpy(s->op, w[3]);
	for (int i = 4; i < n; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq || eq == w[i]) {
			snprintf(msg, msglen, "expected key=value, got '%s'", w[i]);
			return -1;
		}
		*eq = 0;
		s->key[s->nkv] = w[i];
		s->val[s->nkv] = eq + 1;
		s->nkv++;
	}
	return 0;
}

const char *step_get(const struct step *s, const char *key)
{
	for (int i = 0; i < s->nkv; i++)
		if (strcmp(s->key[i], key) == 0)
			return s->val[i];
	return NULL;
}

int step_int(const struct step *s, const char *key, long long *out)
{
	return parse_ll(step_get(s, key), out);
}

const char *step_str(const struct step *s, const char *key)
{
	static char bufs[4][4096];
	static int k;
	const char *v = step_get(s, key);
	if (!v || v[0] != '\'')
		return NULL;
	char *b = bufs[k++ & 3];
	if (pct_decode(v + 1, b, sizeof bufs[0]) < 0)
		return NULL;
	return b;
}

static int scen_error(struct scenario *sc, int line, const char *what)
{
	if (!sc->error[0])
		snprintf(sc->error, sizeof sc->error, "plan line %d: %s", line, what);
	return 0;
}

int plan_parse(char *text, struct plan *p, char *msg, size_t msglen)
{
	char *cur = text, *l;
	int lineno = 0, have_header = 0, cap = 0;
	struct scenario *sc = NULL;
	int stepcap = 0;
	memset(p, 0, sizeof *p);
	while ((l = next_line(&cur)) != NULL) {
		lineno++;
		while (*l == ' ' || *l == '\t')
			l++;
		if (!*l || *l == '#')
			continue;
		if (!have_header) {
			if (strcmp(l, "vfslab-plan 1") != 0) {
				snprintf(msg, msglen, "plan line %d: expected header 'vfslab-plan 1'", lineno);
				return -1;
			}
			have_header = 1;
			continue;
		}
		char *line_copy = l;
		if (strncmp(l, "step ", 5) == 0) {
			if (!sc) {
				snprintf(msg, msglen, "plan line %d: step outside a scenario", lineno);
				return -1;
			}
			if (sc->nsteps == stepcap) {
				stepcap = stepcap ? stepcap * 2 : 16;
				sc->steps = realloc(sc->steps, (size_t)stepcap * sizeof *sc->steps);
				if (!sc->steps)
					abort();
			}
			/* Keep a pristine copy to forward to the process. */
			char *fwd = strdup(line_copy);
			struct step *st = &sc->steps[sc->nsteps];
			char err[200];
			if (step_split(l, st, err, sizeof err) < 0) {
				free(fwd);
				scen_error(sc, lineno, err);
				continue;
			}
			st->text = fwd;
			st->line = lineno;
			if (st->seq != sc->nsteps)
				scen_error(sc, lineno, "step numbers must count up from 0");
			sc->nsteps++;
			continue;
		}
		char *w[4];
		int n = split_words(l, w, 4);
		if (n < 1)
			continue;
		if (strcmp(w[0], "scenario") == 0) {
			if (sc) {
				snprintf(msg, msglen, "plan line %d: scenario inside a scenario (missing 'end')", lineno);
				return -1;
			}
			if (p->nscen == cap) {
				cap = cap ? cap * 2 : 8;
				p->scen = realloc(p->scen, (size_t)cap * sizeof *p->scen);
				if (!p->scen)
					abort();
			}
			sc = &p->scen[p->nscen];
			memset(sc, 0, sizeof *sc);
			sc->index = p->nscen;
			sc->line = lineno;
			sc->settle_ms = -1;
			sc->watchdog_ms = -1;
			stepcap = 0;
			if (n != 2 || pct_decode(w[1], sc->name, sizeof sc->name) <= 0)
				scen_error(sc, lineno, "expected: scenario NAME");
			p->nscen++;
			continue;
		}
		if (!sc) {
			snprintf(msg, msglen, "plan line %d: '%s' outside a scenario", lineno, w[0]);
			return -1;
		}
		long long v;
		if (strcmp(w[0], "end") == 0) {
			if (!sc->initial[0])
				scen_error(sc, lineno, "no 'process NAME' line");
			sc = NULL;
		} else if (strcmp(w[0], "settle") == 0 && n == 2 && !parse_ll(w[1], &v) && v >= 0) {
			sc->settle_ms = (long)v;
		} else if (strcmp(w[0], "watchdog") == 0 && n == 2 && !parse_ll(w[1], &v) && v > 0) {
			sc->watchdog_ms = (long)v;
		} else if (strcmp(w[0], "process") == 0 && n == 2) {
			if (pct_decode(w[1], sc->initial, sizeof sc->initial) <= 0)
				scen_error(sc, lineno, "bad process name");
		} else if (strcmp(w[0], "sysctl") == 0 && n == 3) {
			if (sc->nsysctl == MAX_SYSCTL) {
				scen_error(sc, lineno, "too many sysctl lines");
				continue;
			}
			struct sysctl_set *ss = &sc->sysctl[sc->nsysctl++];
			if (pct_decode(w[1], ss->name, sizeof ss->name) <= 0 ||
			    pct_decode(w[2], ss->value, sizeof ss->value) < 0)
				scen_error(sc, lineno, "expected: sysctl NAME VALUE");
		} else {
			char e[160];
			snprintf(e, sizeof e, "unknown or malformed line '%.40s' (valid: settle, watchdog, process, sysctl, step, end)", w[0]);
			scen_error(sc, lineno, e);
		}
	}
	if (!have_header) {
		snprintf(msg, msglen, "plan: empty (expected header 'vfslab-plan 1')");
		return -1;
	}
	if (sc) {
		snprintf(msg, msglen, "plan: scenario '%s' has no 'end' line", sc->name);
		return -1;
	}
	return 0;
}

void plan_free(struct plan *p)
{
	for (int i = 0; i < p->nscen; i++) {
		for (int j = 0; j < p->scen[i].nsteps; j++)
			free(p->scen[i].steps[j].text);
		free(p->scen[i].steps);
	}
	free(p->scen);
	p->scen = NULL;
	p->nscen = 0;
}

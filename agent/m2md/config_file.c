// SPDX-License-Identifier: GPL-2.0
/*
 * The config file: "key = value" lines, '#' comments, blank lines and
 * the sections [network] and [gateway]. Keys before the first section
 * apply to both roles, keys in a section only to its role. The keys of
 * the other role's section are checked the same way but not applied, so
 * that a typo there fails at the start of either daemon.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define M2MD_LINE_MAX	2048

/*
 * The scope of a line is the role of its section, or M2MD_ROLE_NONE for
 * the part before the first section.
 */
#define M2MD_SCOPE_COUNT	(M2MD_ROLE_GATEWAY + 1)

struct m2md_file_reader {
	struct m2md_config *cfg;	/* settings of this daemon's role */
	struct m2md_config *other;	/* other role's section, checked only */
	bool role_fixed;		/* --role given: a role line is ignored */
	enum m2md_role scope;
	unsigned int *seen;		/* [scope][option]: line, 0 = not set */
	size_t nopts;
};

static char *m2md_file_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Name a scope in an error message: "[network]", for example. */
static void m2md_scope_name(enum m2md_role scope, char *buf, size_t len)
{
	if (scope == M2MD_ROLE_NONE)
		snprintf(buf, len, "the part before the first section");
	else
		snprintf(buf, len, "[%s]", m2md_role_name(scope));
}

/* Parse a "[name]" line and enter that section. */
static int m2md_file_section(struct m2md_file_reader *rd, char *line,
			     char *err, size_t errlen)
{
	size_t len = strlen(line);
	char *name;

	if (line[len - 1] != ']')
		return m2md_config_errf(err, errlen,
					"invalid section header '%s', expected [network] or [gateway]",
					line);
	line[len - 1] = '\0';
	name = m2md_file_trim(line + 1);
	if (m2md_role_parse(name, &rd->scope))
		return m2md_config_errf(err, errlen,
					"unknown section '[%s]', expected [network] or [gateway]",
					name);
	if (rd->cfg->role == M2MD_ROLE_NONE)
		return m2md_config_errf(err, errlen,
					"[%s]: the role is not known yet: pass --role or put a 'role = network|gateway' line before the first section",
					name);
	return 0;
}

/* Reject a key set twice in one scope, naming the line of the first. */
static int m2md_file_once(struct m2md_file_reader *rd, const char *key,
			  unsigned int lineno, char *err, size_t errlen)
{
	int idx = m2md_config_opt_index(key);
	unsigned int *first;
	char scope[64];

	if (idx < 0)
		return m2md_config_errf(err, errlen, "unknown option '%s'", key);
	first = &rd->seen[rd->scope * rd->nopts + (size_t)idx];
	if (*first) {
		m2md_scope_name(rd->scope, scope, sizeof(scope));
		return m2md_config_errf(err, errlen,
					"%s: set twice in %s, first on line %u",
					key, scope, *first);
	}
	*first = lineno;
	return 0;
}

/*
 * Set a role line. The command line's --role wins over the file, but the
 * value is still checked.
 */
static int m2md_file_role(struct m2md_file_reader *rd, const char *value,
			  char *err, size_t errlen)
{
	enum m2md_role fixed = rd->cfg->role;

	if (rd->scope != M2MD_ROLE_NONE)
		return m2md_config_errf(err, errlen,
					"role: not allowed in a section: put it before the first section or pass --role");
	if (m2md_config_set(rd->cfg, "role", value, err, errlen))
		return -1;
	if (rd->role_fixed)
		rd->cfg->role = fixed;
	return 0;
}

/* Apply key = value to the config of the line's scope. */
static int m2md_file_set(struct m2md_file_reader *rd, const char *key,
			 const char *value, char *err, size_t errlen)
{
	if (m2md_config_opt_index(key) == m2md_config_opt_index("role"))
		return m2md_file_role(rd, value, err, errlen);
	if (rd->scope == M2MD_ROLE_NONE || rd->scope == rd->cfg->role)
		return m2md_config_set(rd->cfg, key, value, err, errlen);
	return m2md_config_set(rd->other, key, value, err, errlen);
}

/* Parse one line. Returns 0 (also for blank and comment lines) or -1. */
static int m2md_file_line(struct m2md_file_reader *rd, char *line,
			  unsigned int lineno, char *err, size_t errlen)
{
	char *eq, *key, *value;

	line = m2md_file_trim(line);
	if (!*line || *line == '#')
		return 0;
	if (*line == '[')
		return m2md_file_section(rd, line, err, errlen);
	eq = strchr(line, '=');
	if (!eq)
		return m2md_config_errf(err, errlen,
					"expected 'key = value', found '%s'",
					line);
	*eq = '\0';
	key = m2md_file_trim(line);
	value = m2md_file_trim(eq + 1);
	if (!*key)
		return m2md_config_errf(err, errlen, "missing key before '='");
	if (!strcmp(key, "config"))
		return m2md_config_errf(err, errlen,
					"config: a config file cannot name another one");
	if (m2md_file_once(rd, key, lineno, err, errlen))
		return -1;
	if (!*value && !m2md_config_opt_may_be_empty(key))
		return m2md_config_errf(err, errlen, "%s: empty value", key);
	if (!strcmp(value, "\"\""))
		value = "";
	return m2md_file_set(rd, key, value, err, errlen);
}

/* Read every line of f. Returns 0, or -1 with "PATH:LINE: reason". */
static int m2md_file_read(struct m2md_file_reader *rd, FILE *f,
			  const char *path, char *err, size_t errlen)
{
	char line[M2MD_LINE_MAX], reason[512];
	unsigned int lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			return m2md_config_errf(err, errlen,
						"%s:%u: line longer than %zu bytes",
						path, lineno, sizeof(line) - 2);
		if (m2md_file_line(rd, line, lineno, reason, sizeof(reason)))
			return m2md_config_errf(err, errlen, "%s:%u: %s", path,
						lineno, reason);
	}
	if (ferror(f))
		return m2md_config_errf(err, errlen, "%s: read failed: %s",
					path, strerror(errno));
	return 0;
}

int m2md_config_load_file(struct m2md_config *cfg, const char *path,
			  char *err, size_t errlen)
{
	struct m2md_file_reader rd = {
		.cfg = cfg,
		.role_fixed = cfg->role != M2MD_ROLE_NONE,
		.scope = M2MD_ROLE_NONE,
		.nopts = m2md_config_opt_count(),
	};
	FILE *f;
	int ret;

	rd.other = malloc(sizeof(*rd.other));
	rd.seen = calloc(M2MD_SCOPE_COUNT * rd.nopts, sizeof(*rd.seen));
	if (!rd.other || !rd.seen) {
		free(rd.other);
		free(rd.seen);
		return m2md_config_errf(err, errlen, "%s: out of memory", path);
	}
	m2md_config_defaults(rd.other);
	f = fopen(path, "r");
	if (!f) {
		ret = m2md_config_errf(err, errlen, "%s: cannot open: %s", path,
				       strerror(errno));
	} else {
		ret = m2md_file_read(&rd, f, path, err, errlen);
		fclose(f);
	}
	free(rd.other);
	free(rd.seen);
	return ret;
}

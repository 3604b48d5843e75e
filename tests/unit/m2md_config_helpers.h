/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the m2md config, config file and reload tests:
 * write a config file, load it as a daemon of one role does, check that
 * a load fails on the expected line, and capture the --help text.
 */
#ifndef M2MD_CONFIG_HELPERS_H
#define M2MD_CONFIG_HELPERS_H

#include "config.h"
#include "m2md_test.h"

/* Write text to path, replacing the file. Exits when that fails. */
static inline void conf_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(2);
	}
	if (fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(2);
	}
}

/*
 * Write text to path and load it over the defaults as the config file
 * of a daemon of role (M2MD_ROLE_NONE: started without --role).
 */
static inline int conf_load(const char *path, const char *text,
			    enum m2md_role role, struct m2md_config *cfg,
			    char *err, size_t errlen)
{
	conf_write(path, text);
	m2md_config_defaults(cfg);
	cfg->role = role;
	err[0] = '\0';
	return m2md_config_load_file(cfg, path, err, errlen);
}

/*
 * Check that loading text fails with an error that starts with
 * "PATH:LINE: " and contains reason. name identifies the case in failure
 * messages.
 */
static inline void conf_expect_rejected(const char *path, const char *text,
					enum m2md_role role, unsigned int line,
					const char *reason, const char *name)
{
	struct m2md_config cfg;
	char err[512], where[256];

	CHECK(conf_load(path, text, role, &cfg, err, sizeof(err)) == -1,
	      "%s is rejected", name);
	snprintf(where, sizeof(where), "%s:%u: ", path, line);
	CHECK(!strncmp(err, where, strlen(where)),
	      "%s: error starts with '%s': %s", name, where, err);
	CHECK(strstr(err, reason) != NULL, "%s: reason '%s' in: %s", name,
	      reason, err);
}

/* Return the --help text of m2md in a string to free, or NULL. */
static inline char *conf_help_text(void)
{
	char *help = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&help, &len);

	if (!f)
		return NULL;
	m2md_config_usage(f);
	fclose(f);
	return help;
}

#endif /* M2MD_CONFIG_HELPERS_H */

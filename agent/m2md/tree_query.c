// SPDX-License-Identifier: GPL-2.0
/*
 * Query parameters of a retrieve and the conditional request headers.
 * Every GET accepts ifModifiedSince and ifNoneMatch as parameters too
 * (CoAP has no such headers); a contentInstances collection the
 * contentInstance filter; discovery its search parameters. A parameter
 * that the resource does not take, or a bad value, is a 400 that names
 * both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tree_priv.h"
#include "xml.h"

/* Largest maxSize of a discovery or a contentInstance listing. */
#define M2MD_QUERY_SIZE_MAX	10000
#define M2MD_QUERY_STRINGS_MAX	64

static const struct {
	const char *name;
	unsigned int set;
} m2md_params[] = {
	{ "ifModifiedSince", M2MD_QUERY_COND },
	{ "ifNoneMatch", M2MD_QUERY_COND },
	{ "metaDataOnly", M2MD_QUERY_META | M2MD_QUERY_FILTER },
	{ "createdAfter", M2MD_QUERY_FILTER },
	{ "createdBefore", M2MD_QUERY_FILTER },
	{ "contentType", M2MD_QUERY_FILTER },
	{ "sizeFrom", M2MD_QUERY_FILTER },
	{ "sizeUntil", M2MD_QUERY_FILTER },
	{ "maxSize", M2MD_QUERY_FILTER | M2MD_QUERY_DISCOVERY },
	{ "searchString", M2MD_QUERY_DISCOVERY },
	{ "searchPrefix", M2MD_QUERY_DISCOVERY },
};

#define M2MD_NPARAMS	(sizeof(m2md_params) / sizeof(m2md_params[0]))

int m2md_http_date_parse(const char *s, int64_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -EINVAL;
	*out = (int64_t)timegm(&tm);
	return 0;
}

/* One entity tag of a list: W/ prefix and quotes do not count. */
static bool m2md_etag_equal(const char *tag, size_t len, const char *etag)
{
	size_t elen = strlen(etag);

	if (len >= 2 && !strncmp(tag, "W/", 2)) {
		tag += 2;
		len -= 2;
	}
	if (elen >= 2 && etag[0] == '"') {
		etag++;
		elen -= 2;
	}
	if (len >= 2 && tag[0] == '"' && tag[len - 1] == '"') {
		tag++;
		len -= 2;
	}
	return len == elen && !strncmp(tag, etag, len);
}

bool m2md_etag_match(const char *list, const char *etag)
{
	const char *p = list, *end;
	size_t len;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		end = p + strcspn(p, ",");
		len = end - p;
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 1 && *p == '*')
			return true;
		if (len && m2md_etag_equal(p, len, etag))
			return true;
		p = end;
	}
	return false;
}

/* xsd:dateTime, or Unix seconds. */
static int m2md_query_time(const char *s, int64_t *out)
{
	if (s[0] >= '0' && s[0] <= '9' && !strchr(s, '-') && !strchr(s, ':'))
		return m2md_xml_parse_long(s, out) || *out < 0 ? -EINVAL : 0;
	return m2md_xml_parse_time(s, out);
}

static int m2md_query_range(const char *s, int64_t min, int64_t max,
			    int64_t *out)
{
	if (m2md_xml_parse_long(s, out) || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

static int m2md_query_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* Parse one parameter into q; returns 0 or -EINVAL with why filled. */
static int m2md_query_one(const struct m2md_arg *arg, struct m2md_query *q,
			  char *why, size_t len)
{
	const char *n = arg->name, *v = arg->value;
	struct m2md_ci_filter *f = &q->filter;
	int ret = 0;

	if (!strcmp(n, "ifModifiedSince")) {
		ret = m2md_query_time(v, &q->if_modified_since);
	} else if (!strcmp(n, "ifNoneMatch")) {
		ret = v[0] ? 0 : -EINVAL;
		q->if_none_match = v;
	} else if (!strcmp(n, "metaDataOnly")) {
		ret = m2md_query_bool(v, &q->metadata_only);
	} else if (!strcmp(n, "createdAfter")) {
		ret = m2md_query_time(v, &f->created_after);
	} else if (!strcmp(n, "createdBefore")) {
		ret = m2md_query_time(v, &f->created_before);
	} else if (!strcmp(n, "contentType")) {
		ret = v[0] && strlen(v) < M2MD_CTYPE_MAX ? 0 : -EINVAL;
		f->content_type = v;
	} else if (!strcmp(n, "sizeFrom")) {
		ret = m2md_query_range(v, 0, INT64_MAX, &f->size_from);
	} else if (!strcmp(n, "sizeUntil")) {
		ret = m2md_query_range(v, 1, INT64_MAX, &f->size_until);
	} else if (!strcmp(n, "maxSize")) {
		ret = m2md_query_range(v, 1, M2MD_QUERY_SIZE_MAX, &q->max_size);
	} else if (!strcmp(n, "searchString")) {
		if (q->nstrings >= M2MD_QUERY_STRINGS_MAX) {
			snprintf(why, len, "more than %d searchString parameters",
				 M2MD_QUERY_STRINGS_MAX);
			return -EINVAL;
		}
		ret = v[0] ? 0 : -EINVAL;
		q->strings[q->nstrings++] = v;
	} else if (!strcmp(n, "searchPrefix")) {
		ret = v[0] ? 0 : -EINVAL;
		q->prefix = v;
	}
	if (ret)
		snprintf(why, len, "invalid value '%s' of query parameter %s",
			 v, n);
	return ret;
}

/* The set of parameter name, 0 when unknown. */
static unsigned int m2md_param_set(const char *name)
{
	size_t i;

	for (i = 0; i < M2MD_NPARAMS; i++)
		if (!strcmp(m2md_params[i].name, name))
			return m2md_params[i].set;
	return 0;
}

/*
 * True when the parameter at index i was given before it. Only
 * searchString may repeat (all must match); for the others, two values
 * leave the client's meaning unclear, so neither is picked.
 */
static bool m2md_query_repeated(const struct m2md_request *req, size_t i)
{
	size_t j;

	if (!strcmp(req->args[i].name, "searchString"))
		return false;
	for (j = 0; j < i; j++)
		if (!strcmp(req->args[j].name, req->args[i].name))
			return true;
	return false;
}

static unsigned int m2md_query_args(const struct m2md_request *req,
				    unsigned int sets, struct m2md_query *q,
				    char *why, size_t len)
{
	const struct m2md_arg *arg;
	size_t i;

	for (i = 0; i < req->nargs && i < M2MD_ARGS_MAX; i++) {
		arg = &req->args[i];
		if (!(m2md_param_set(arg->name) & sets)) {
			snprintf(why, len,
				 "unknown query parameter '%.64s' for this resource",
				 arg->name);
			return 400;
		}
		if (m2md_query_repeated(req, i)) {
			snprintf(why, len,
				 "query parameter %s is given more than once",
				 arg->name);
			return 400;
		}
		if (strlen(arg->value) > M2MD_TREE_ARG_MAX) {
			snprintf(why, len,
				 "value of query parameter %s is longer than %d bytes",
				 arg->name, M2MD_TREE_ARG_MAX);
			return 400;
		}
		if (m2md_query_one(arg, q, why, len))
			return 400;
	}
	return 0;
}

unsigned int m2md_query_parse(const struct m2md_request *req,
			      unsigned int sets, struct m2md_query *q,
			      char *why, size_t len)
{
	struct m2md_ci_filter *f = &q->filter;
	unsigned int status;

	memset(q, 0, sizeof(*q));
	status = m2md_query_args(req, sets, q, why, len);
	if (status)
		return status;
	if (f->size_until && f->size_until <= f->size_from) {
		snprintf(why, len, "sizeUntil %lld is not above sizeFrom %lld",
			 (long long)f->size_until, (long long)f->size_from);
		return 400;
	}
	q->has_filter = f->created_after || f->created_before ||
			f->content_type || f->size_from || f->size_until;
	/* Headers count when the parameters do not say otherwise. */
	if (!q->if_none_match && req->if_none_match)
		q->if_none_match = req->if_none_match;
	/* An invalid If-Modified-Since is ignored (RFC 9110, 13.1.3). */
	if (!q->if_modified_since && req->if_modified_since &&
	    m2md_http_date_parse(req->if_modified_since,
				 &q->if_modified_since))
		q->if_modified_since = 0;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Representations of resources: strict parsing of a request body (ETSI
 * XML or JSON) into stored attributes, and rendering of a resource as
 * ETSI XML valid against the schema of its root element, or as JSON.
 *
 * Stored attributes are a json-c object keyed by element name, holding
 * only attributes that a client set and that are not kept in columns of
 * the store (expirationTime and accessRightID are columns, as are the
 * creation and modification times; searchStrings are both, the store
 * keeps an indexed copy). Values: LONG as int64, BOOL as boolean, TIME as
 * int64 Unix seconds, STRING as string, LIST as an array of strings,
 * COMPLEX as the JSON form of its XML (see Documentation/m2md-rest.md).
 */
#ifndef M2MD_REPR_H
#define M2MD_REPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <libxml/tree.h>

#include "rtype.h"
#include "store.h"

enum m2md_repr_op {
	M2MD_REPR_CREATE,
	M2MD_REPR_UPDATE,
};

/* What a body parsed into. */
struct m2md_parsed {
	struct json_object *attrs;	/* owned, never NULL on success */
	char id[256];			/* the id attribute, "" when absent */
	int64_t expires;		/* expirationTime, 0 = not given */
	char acl[M2MD_RES_PATH_MAX];	/* accessRightID, "" = not given */
	bool has_acl;			/* accessRightID was given */
	char **search;			/* searchStrings, NULL-terminated */
	size_t nsearch;
	bool has_search;
	/* An ETSI <contentInstance> document: its decoded <content>. */
	unsigned char *content;		/* malloc'ed, NULL when absent */
	size_t content_len;
	bool has_content;
};

/*
 * Parse body, of media type content_type (ETSI XML or application/json),
 * as a representation of type for op. Rejects a root element other than
 * type->name, unknown elements, RO attributes, WO attributes on update,
 * a missing required attribute on create, values not of the attribute's
 * kind or enumeration, and more than 64 searchStrings. Returns 0, or the
 * HTTP status (400 or 415) with a message in detail that names the
 * element and the value.
 */
unsigned int m2md_repr_parse(const struct m2md_rtype *type,
			     enum m2md_repr_op op, const char *content_type,
			     const void *body, size_t len,
			     struct m2md_parsed *out, char *detail,
			     size_t dlen);
void m2md_parsed_free(struct m2md_parsed *p);

/* Everything needed to render one resource. */
struct m2md_render {
	const struct m2md_resource *res;
	const struct m2md_rtype *type;
	struct json_object *attrs;	/* parsed res->data; NULL = none */
	const char *const *subs;	/* sub-collections to reference */
	/* Collections: the children to list, in order. */
	const struct m2md_resource *children;
	size_t nchildren;
	/* contentInstances: totals and edges (NULL when empty). */
	int64_t count, bytes;
	const struct m2md_resource *latest, *oldest;
	bool metadata_only;		/* contentInstance without content */
	/* group: currentNrOfMembers is counted from attrs. */
};

/* Render as an XML document; NULL on allocation failure. */
xmlDocPtr m2md_repr_xml(const struct m2md_render *r);
/*
 * Render as XML text (malloc'ed), the same bytes as m2md_xml_dump() of
 * m2md_repr_xml() but written directly, for replies. Returns 0, -EINVAL
 * for an unknown type or -ENOMEM.
 */
int m2md_repr_xml_text(const struct m2md_render *r, char **out, size_t *len);
/* Render as JSON text (malloc'ed). Returns 0 or -ENOMEM. */
int m2md_repr_json(const struct m2md_render *r, char **out, size_t *len);

/* A <discovery> result: matchSize, truncated, discoveryURI list. */
xmlDocPtr m2md_repr_discovery(const char *const *uris, size_t n,
			      int64_t match_size, bool truncated);
/* An <errorInfo> with ETSI statusCode (e.g. "STATUS_NOT_FOUND"). */
xmlDocPtr m2md_repr_error(const char *status_code, const char *info);
/* A <notify> carrying the XML of a resource as base64 representation. */
xmlDocPtr m2md_repr_notify(const char *status_code, const void *repr,
			   size_t len, const char *content_type,
			   const char *subscription);
/*
 * The JSON form of any document these functions built (the same
 * converter m2md_repr_json uses). Returns 0 or -ENOMEM.
 */
int m2md_repr_doc_json(xmlDocPtr doc, char **out, size_t *len);

/* Parse the JSON stored attributes of res (res->data); NULL when none. */
struct json_object *m2md_repr_attrs(const struct m2md_resource *res);

/*
 * The body the gateway sends to create a resource of type with id on the
 * NSCL (scl, application, container, applicationAnnc, containerAnnc,
 * accessRightAnnc, ...), valid against the schema. extra may add
 * attributes (link, searchStrings); NULL for none. Returns 0 or -errno.
 */
int m2md_repr_create_body(const char *type, const char *id,
			  struct json_object *extra, char **out, size_t *len);

#endif /* M2MD_REPR_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the representation files (repr_out.c, repr_xml.c,
 * repr_json.c, repr_parse.c, repr.c); not for other users.
 */
#ifndef M2MD_REPR_PRIV_H
#define M2MD_REPR_PRIV_H

#include <stdbool.h>

#include <json-c/json.h>
#include <libxml/tree.h>

#include "repr.h"
#include "rtype.h"

#define M2MD_OCTET_STREAM	"application/octet-stream"
/* Limits on searchStrings of one resource. */
#define M2MD_SEARCH_MAX		64
#define M2MD_SEARCH_LEN_MAX	256
/* Deepest element nesting that the renderer writes. */
#define M2MD_OUT_DEPTH		16

/* Namespace of an element or attribute that the renderer writes. */
enum m2md_out_ns {
	M2MD_NS_NONE,
	M2MD_NS_M2M,
	M2MD_NS_XMIME,
	M2MD_NS_XSI,
};

/*
 * Output of the renderer: a libxml2 tree, or XML text written directly
 * (the GET path, several times faster than serializing a tree). Both give
 * the same document, and the unit tests compare them.
 */
struct m2md_out {
	bool text;
	bool failed;			/* allocation failed */
	/* Tree. */
	xmlDocPtr doc;
	xmlNodePtr cur;
	/* Text. */
	char *buf;
	size_t len, cap;
	const char *open[M2MD_OUT_DEPTH];
	bool local[M2MD_OUT_DEPTH];
	int depth;
	bool tag_open;			/* start tag not closed with '>' */
};

/* Start a document whose root element is name, as a tree or as text. */
void m2md_out_start(struct m2md_out *o, bool text, const char *root);
void m2md_out_open(struct m2md_out *o, const char *name, bool local);
void m2md_out_attr(struct m2md_out *o, const char *name, const char *value,
		   enum m2md_out_ns ns);
void m2md_out_text(struct m2md_out *o, const char *text);
void m2md_out_close(struct m2md_out *o);
/* open, text (may be NULL), close. */
void m2md_out_leaf(struct m2md_out *o, const char *name, bool local,
		   const char *text);
/* The tree, or NULL after a failure. Ownership passes to the caller. */
xmlDocPtr m2md_out_doc(struct m2md_out *o);
/* The text, malloc'ed; 0 or -ENOMEM. */
int m2md_out_finish(struct m2md_out *o, char **out, size_t *len);

/*
 * Write the value v of attribute a, from the stored form (see repr.h) or
 * the JSON form of a nested value. Values of the wrong JSON type are
 * skipped: they cannot come from the parser.
 */
void m2md_repr_put_value(struct m2md_out *o, const struct m2md_attr *a,
			 struct json_object *v);

/* Element a of elems, an element or XML attribute table; NULL if none. */
const struct m2md_attr *m2md_repr_elem(const struct m2md_attr *elems,
				       const char *name);

#endif /* M2MD_REPR_PRIV_H */

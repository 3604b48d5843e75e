/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the representation files (repr_xml.c, repr_json.c,
 * repr_parse.c, repr.c); not for other users.
 */
#ifndef M2MD_REPR_PRIV_H
#define M2MD_REPR_PRIV_H

#include <json-c/json.h>
#include <libxml/tree.h>

#include "rtype.h"

#define M2MD_OCTET_STREAM	"application/octet-stream"
/* Limits on searchStrings of one resource. */
#define M2MD_SEARCH_MAX		64
#define M2MD_SEARCH_LEN_MAX	256

/*
 * Append the value v of attribute a under parent as XML, from the stored
 * form (see repr.h) or the JSON form of a nested value. Values of the
 * wrong JSON type are skipped: they cannot come from the parser.
 */
void m2md_repr_put_value(xmlNodePtr parent, const struct m2md_attr *a,
			 struct json_object *v);

/* Element a of elems, an element or XML attribute table; NULL if none. */
const struct m2md_attr *m2md_repr_elem(const struct m2md_attr *elems,
				       const char *name);

#endif /* M2MD_REPR_PRIV_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Bodies that m2md sends to create resources on another SCL (SCL
 * registration, application registration, announcement).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "repr.h"
#include "repr_priv.h"
#include "tree.h"
#include "xml.h"

/* Every key of extra is an attribute that a create may give. */
static int m2md_check_extra(const struct m2md_rtype *rtype,
			    struct json_object *extra)
{
	const struct m2md_attr *a;

	if (!extra)
		return 0;
	if (!json_object_is_type(extra, json_type_object))
		return -EINVAL;
	json_object_object_foreach(extra, key, v) {
		(void)v;
		a = m2md_rtype_attr(rtype, key);
		if (!a || a->access == M2MD_ACCESS_RO)
			return -EINVAL;
	}
	for (a = rtype->attrs; a->name; a++)
		if (a->required &&
		    !json_object_object_get_ex(extra, a->name, NULL))
			return -EINVAL;
	return 0;
}

int m2md_repr_create_body(const char *type, const char *id,
			  struct json_object *extra, char **out, size_t *len)
{
	const struct m2md_rtype *rtype = m2md_rtype_find(type);
	const struct m2md_attr *a;
	struct json_object *v;
	struct m2md_out o;

	if (!rtype || !rtype->id_attr || !id || !m2md_name_valid(id))
		return -EINVAL;
	if (!extra) {
		for (a = rtype->attrs; a->name; a++)
			if (a->required)
				return -EINVAL;
	} else if (m2md_check_extra(rtype, extra)) {
		return -EINVAL;
	}
	m2md_out_start(&o, true, rtype->name);
	m2md_out_attr(&o, rtype->id_attr, id, rtype->id_qualified ?
		      M2MD_NS_M2M : M2MD_NS_NONE);
	for (a = rtype->attrs; extra && a->name; a++)
		if (json_object_object_get_ex(extra, a->name, &v))
			m2md_repr_put_value(&o, a, v);
	return m2md_out_finish(&o, out, len);
}

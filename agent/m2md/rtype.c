// SPDX-License-Identifier: GPL-2.0
/*
 * Lookups in the resource type tables of rtype_table.c. The tables are
 * small (about 30 types of up to 25 attributes), so a linear search costs
 * less than building an index.
 */
#include <string.h>

#include "rtype.h"

const struct m2md_rtype *m2md_rtype_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < m2md_n_rtypes; i++)
		if (!strcmp(m2md_rtypes[i].name, name))
			return &m2md_rtypes[i];
	return NULL;
}

const struct m2md_rtype *m2md_rtype_doc(const char *root)
{
	const struct m2md_rtype *type = m2md_rtype_find(root);
	size_t i;

	if (type || !root)
		return type;
	for (i = 0; i < m2md_n_rtype_docs; i++)
		if (!strcmp(m2md_rtype_docs[i].name, root))
			return &m2md_rtype_docs[i];
	return NULL;
}

const struct m2md_attr *m2md_rtype_attr(const struct m2md_rtype *type,
					const char *name)
{
	const struct m2md_attr *a;

	if (!type || !type->attrs || !name)
		return NULL;
	for (a = type->attrs; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

bool m2md_rtype_may_hold(const struct m2md_rtype *coll, const char *child)
{
	const char *const *c;

	if (!coll || !coll->children || !child)
		return false;
	for (c = coll->children; *c; c++)
		if (!strcmp(*c, child))
			return true;
	return false;
}

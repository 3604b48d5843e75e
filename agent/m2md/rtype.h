/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ETSI M2M resource types (TS 102 921). Each type lists its
 * sub-collections, the type a POST to it creates and the attribute that
 * names it. Its attributes follow the order of its XML schema, each with
 * its kind and who may set it. scripts/gen-rtypes.py generates the tables
 * (rtype_table.c) from the ETSI schemas.
 */
#ifndef M2MD_RTYPE_H
#define M2MD_RTYPE_H

#include <stdbool.h>
#include <stddef.h>

enum m2md_attr_kind {
	M2MD_ATTR_STRING,	/* xsd:string, anyURI, enumerations */
	M2MD_ATTR_LONG,		/* xsd:long and friends */
	M2MD_ATTR_BOOL,
	M2MD_ATTR_TIME,		/* xsd:dateTime, kept as Unix seconds */
	M2MD_ATTR_LIST,		/* a list of item elements (searchStrings) */
	M2MD_ATTR_COMPLEX,	/* nested elements, stored as given */
	M2MD_ATTR_REFERENCE,	/* <xReference>: computed, never stored */
};

/* Access of an attribute, ETSI's RW, WO (create only) and RO. */
enum m2md_attr_access {
	M2MD_ACCESS_RW,		/* on create and on update */
	M2MD_ACCESS_WO,		/* on create only */
	M2MD_ACCESS_RO,		/* by the SCL only: a client sending it gets 400 */
};

struct m2md_attr {
	const char *name;		/* element name in the m2m namespace */
	enum m2md_attr_kind kind;
	enum m2md_attr_access access;
	bool required;			/* on create */
	const char *item;		/* LIST: name of the item element */
	const char *const *values;	/* STRING (LIST: item) enumeration,
					 * NULL-terminated */
	/* Nested content, for the parser and the renderer. */
	const struct m2md_attr *elems;	/* COMPLEX: its elements and XML
					 * attributes in schema order, NULL
					 * name ends */
	bool repeated;			/* may occur more than once */
	bool xml_attr;			/* an XML attribute, not an element */
	bool qualified;			/* xml_attr in the m2m namespace */
	bool local;			/* element declared inside its type,
					 * so in no namespace (the schemas
					 * leave elementFormDefault
					 * unqualified) */
	bool item_local;		/* LIST: the same for the item */
	unsigned char choice;		/* nonzero: at most one attribute of
					 * the same choice may be given */
};

struct m2md_rtype {
	const char *name;		/* root element name, e.g. "container" */
	const char *id_attr;		/* XML attribute naming it, or NULL */
	bool id_qualified;		/* id_attr is in the m2m namespace */
	const char *const *subs;	/* sub-collections, NULL-terminated */
	const char *child;		/* collection: type a POST creates */
	const char *const *children;	/* collection: every type it holds */
	const char *collection;		/* collection: list element name */
	const struct m2md_attr *attrs;	/* schema order, NULL name ends */
	bool virtual_res;		/* discovery, membersContent, latest ... */
};

/* The type named name, or NULL. */
const struct m2md_rtype *m2md_rtype_find(const char *name);
/* Attribute name of type, or NULL. */
const struct m2md_attr *m2md_rtype_attr(const struct m2md_rtype *type,
					const char *name);
/*
 * True when a POST to a collection of type coll may create a resource of
 * type child (containers contains container and locationContainer, an
 * applications collection of the NSCL contains applicationAnnc, ...).
 */
bool m2md_rtype_may_hold(const struct m2md_rtype *coll, const char *child);
/* Every type, for the tests. */
extern const struct m2md_rtype m2md_rtypes[];
extern const size_t m2md_n_rtypes;

/*
 * The description of a document's root element: a resource type, or one
 * of the documents that are not resources (errorInfo, notify,
 * responseNotify, membersContentResponses). NULL when unknown.
 */
const struct m2md_rtype *m2md_rtype_doc(const char *root);
extern const struct m2md_rtype m2md_rtype_docs[];
extern const size_t m2md_n_rtype_docs;

#endif /* M2MD_RTYPE_H */

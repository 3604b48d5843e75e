/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Schema validation for the unit tests: a document against one of the
 * ETSI schemas in tests/xsd, with libxml2.
 */
#ifndef M2MD_XSD_CHECK_H
#define M2MD_XSD_CHECK_H

#include <stdbool.h>
#include <stdio.h>

#include <libxml/xmlschemas.h>

static inline void xsd_check_ignore_error(void *ctx, const xmlError *error)
{
}

/*
 * Validate doc against <dir>/<schema_name>.xsd, without printing the
 * validator's errors when quiet (a failure the test expects). Returns 0
 * when valid, -1 when the schema cannot be loaded, else libxml2's code.
 */
static inline int xsd_check(xmlDocPtr doc, const char *dir,
			    const char *schema_name, bool quiet)
{
	xmlSchemaParserCtxtPtr pctx;
	xmlSchemaValidCtxtPtr vctx;
	xmlSchemaPtr schema;
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "%s/%s.xsd", dir, schema_name);
	pctx = xmlSchemaNewParserCtxt(path);
	schema = xmlSchemaParse(pctx);
	xmlSchemaFreeParserCtxt(pctx);
	if (!schema) {
		printf("cannot load schema %s\n", path);
		return -1;
	}
	vctx = xmlSchemaNewValidCtxt(schema);
	if (quiet)
		xmlSchemaSetValidStructuredErrors(vctx,
			(xmlStructuredErrorFunc)xsd_check_ignore_error, NULL);
	ret = xmlSchemaValidateDoc(vctx, doc);
	xmlSchemaFreeValidCtxt(vctx);
	xmlSchemaFree(schema);
	return ret;
}

#endif /* M2MD_XSD_CHECK_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the resource type tables: lookups, the access rules of
 * TS 102 690 that the generator adds to the schemas, the consistency of
 * sub-collections and collections, and that rtype_table.c is what
 * scripts/gen-rtypes.py makes of ../xsd today.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "rtype.h"

static const struct m2md_attr *attr(const char *type, const char *name)
{
	return m2md_rtype_attr(m2md_rtype_find(type), name);
}

static void check_access(const char *type, const char *name,
			 enum m2md_attr_access access, bool required)
{
	const struct m2md_attr *a = attr(type, name);

	CHECK(a != NULL, "<%s> has <%s>", type, name);
	if (!a)
		return;
	CHECK(a->access == access, "<%s> <%s> access is %d, expected %d",
	      type, name, a->access, access);
	CHECK(a->required == required, "<%s> <%s> required is %d",
	      type, name, a->required);
}

static void test_lookup(void)
{
	static const char *const hosted[] = {
		"sclBase", "scls", "scl", "applications", "application",
		"applicationAnnc", "containers", "container", "containerAnnc",
		"locationContainer", "locationContainerAnnc",
		"contentInstances", "contentInstance", "groups", "group",
		"groupAnnc", "membersContent", "accessRights", "accessRight",
		"accessRightAnnc", "subscriptions", "subscription",
		"notificationChannels", "notificationChannel", "discovery",
	};
	size_t i;

	for (i = 0; i < sizeof(hosted) / sizeof(hosted[0]); i++)
		CHECK(m2md_rtype_find(hosted[i]) != NULL, "<%s> is a type",
		      hosted[i]);
	CHECK(m2md_rtype_find("mgmtObj") == NULL, "mgmtObj is not hosted");
	CHECK(m2md_rtype_find(NULL) == NULL, "NULL is no type");
	CHECK(m2md_rtype_doc("errorInfo") != NULL, "errorInfo is a document");
	CHECK(m2md_rtype_doc("notify") != NULL, "notify is a document");
	CHECK(m2md_rtype_doc("container") == m2md_rtype_find("container"),
	      "a resource type is a document too");
	CHECK(m2md_rtype_find("errorInfo") == NULL,
	      "errorInfo is not a resource type");
	CHECK(attr("container", "nothing") == NULL, "unknown attribute");
}

static void test_ids(void)
{
	const struct m2md_rtype *t;

	t = m2md_rtype_find("application");
	CHECK(!strcmp(t->id_attr, "appId"), "application is named by appId");
	CHECK(!t->id_qualified, "appId is unqualified");
	t = m2md_rtype_find("scl");
	CHECK(!strcmp(t->id_attr, "sclId"), "scl is named by sclId");
	CHECK(!t->id_qualified, "sclId is unqualified");
	t = m2md_rtype_find("container");
	CHECK(!strcmp(t->id_attr, "id"), "container is named by id");
	CHECK(t->id_qualified, "container's id is m2m:id");
	t = m2md_rtype_find("applicationAnnc");
	CHECK(!strcmp(t->id_attr, "id"), "applicationAnnc is named by id");
	CHECK(!t->id_qualified,
	      "applicationAnnc's schema declares an unqualified id");
	CHECK(m2md_rtype_find("containers")->id_attr == NULL,
	      "a collection has no id attribute");
}

/* Attributes in the order of container.xsd's sequence. */
static void test_order(void)
{
	static const char *const want[] = {
		"expirationTime", "accessRightID", "searchStrings",
		"creationTime", "lastModifiedTime", "announceTo",
		"maxNrOfInstances", "maxByteSize", "maxInstanceAge",
		"contentInstancesReference", "subscriptionsReference", NULL,
	};
	const struct m2md_attr *a = m2md_rtype_find("container")->attrs;
	size_t i;

	for (i = 0; want[i]; i++)
		CHECK(a[i].name && !strcmp(a[i].name, want[i]),
		      "container attribute %zu is %s, not %s", i, want[i],
		      a[i].name ? a[i].name : "(end)");
	CHECK(a[i].name == NULL, "container has %zu attributes", i);
	/* locationContainer extends Container: its own element comes last. */
	a = m2md_rtype_find("locationContainer")->attrs;
	for (i = 0; a[i].name; i++)
		;
	CHECK(i && !strcmp(a[i - 1].name, "locationContainerType"),
	      "locationContainerType comes after Container's elements");
}

static void test_kinds(void)
{
	const struct m2md_attr *a;

	CHECK(attr("container", "maxNrOfInstances")->kind == M2MD_ATTR_LONG,
	      "maxNrOfInstances is a long");
	CHECK(attr("scl", "serverCapability")->kind == M2MD_ATTR_BOOL,
	      "serverCapability is a boolean");
	CHECK(attr("container", "expirationTime")->kind == M2MD_ATTR_TIME,
	      "expirationTime is a dateTime");
	a = attr("container", "searchStrings");
	CHECK(a->kind == M2MD_ATTR_LIST, "searchStrings is a list");
	CHECK(!strcmp(a->item, "searchString"), "of searchString");
	CHECK(!a->item_local, "searchString is a global element");
	a = attr("group", "members");
	CHECK(a->kind == M2MD_ATTR_LIST, "members is a list");
	CHECK(!strcmp(a->item, "reference"), "of reference");
	CHECK(a->item_local, "AnyURIList's reference is local");
	a = attr("scl", "pocs");
	CHECK(a->kind == M2MD_ATTR_LIST, "pocs is a list");
	a = attr("accessRight", "permissions");
	CHECK(a->kind == M2MD_ATTR_COMPLEX, "permissions is complex");
	CHECK(!strcmp(a->elems[0].name, "permission"),
	      "permissions contains permission elements");
	CHECK(a->elems[0].repeated, "permission repeats");
	a = &a->elems[0];
	CHECK(!strcmp(a->elems[0].name, "permissionFlags"),
	      "permission starts with permissionFlags");
	CHECK(a->elems[0].kind == M2MD_ATTR_LIST, "permissionFlags is a list");
	CHECK(!strcmp(a->elems[0].item, "flag"), "of flag");
	CHECK(a->elems[0].values && !strcmp(a->elems[0].values[4], "CREATE"),
	      "flags are READ .. CREATE");
	a = attr("application", "announceTo");
	CHECK(a->kind == M2MD_ATTR_COMPLEX, "announceTo is complex");
	a = attr("locationContainer", "locationContainerType");
	CHECK(a->values && !strcmp(a->values[1], "APPLICATION_GENERATED"),
	      "locationContainerType has APPLICATION_GENERATED");
	CHECK(a->values && !a->values[2], "locationContainerType has two values");
	CHECK(attr("container", "contentInstancesReference")->kind ==
	      M2MD_ATTR_REFERENCE, "references are computed");
	CHECK(attr("contentInstances", "latest")->kind == M2MD_ATTR_REFERENCE,
	      "latest is computed");
	a = attr("subscription", "minimalTimeBetweenNotifications");
	CHECK(a->choice != 0, "minimalTimeBetweenNotifications is in a choice");
	CHECK(a->choice == attr("subscription", "delayTolerance")->choice,
	      "with delayTolerance");
	a = attr("subscription", "filterCriteria");
	CHECK(a->elems && a->elems[0].local,
	      "filterCriteria's elements are local");
}

static void test_access(void)
{
	size_t i;

	for (i = 0; i < m2md_n_rtypes; i++) {
		const struct m2md_rtype *t = &m2md_rtypes[i];
		const struct m2md_attr *a;

		for (a = t->attrs; a->name; a++) {
			if (!strcmp(a->name, "creationTime") ||
			    !strcmp(a->name, "lastModifiedTime") ||
			    a->kind == M2MD_ATTR_REFERENCE)
				CHECK(a->access == M2MD_ACCESS_RO,
				      "<%s> <%s> is RO", t->name, a->name);
			if (!strcmp(a->name, "expirationTime") ||
			    !strcmp(a->name, "accessRightID") ||
			    !strcmp(a->name, "searchStrings"))
				CHECK(a->access == M2MD_ACCESS_RW &&
				      !a->required, "<%s> <%s> is RW",
				      t->name, a->name);
			if (strstr(t->name, "Annc") && !strcmp(a->name, "link"))
				CHECK(a->access == M2MD_ACCESS_WO &&
				      a->required, "<%s> link is WO, required",
				      t->name);
		}
	}
	check_access("contentInstances", "currentNrOfInstances",
		     M2MD_ACCESS_RO, false);
	check_access("contentInstances", "currentByteSize", M2MD_ACCESS_RO,
		     false);
	check_access("contentInstance", "contentSize", M2MD_ACCESS_RO, false);
	check_access("contentInstance", "content", M2MD_ACCESS_WO, false);
	check_access("contentInstances", "latest", M2MD_ACCESS_RO, false);
	check_access("discovery", "matchSize", M2MD_ACCESS_RO, false);
	check_access("group", "currentNrOfMembers", M2MD_ACCESS_RO, false);
	check_access("group", "members", M2MD_ACCESS_RW, false);
	check_access("container", "maxNrOfInstances", M2MD_ACCESS_RW, false);
	check_access("container", "maxByteSize", M2MD_ACCESS_RW, false);
	check_access("container", "maxInstanceAge", M2MD_ACCESS_RW, false);
	check_access("container", "announceTo", M2MD_ACCESS_RW, false);
	check_access("accessRight", "permissions", M2MD_ACCESS_RW, false);
	check_access("accessRight", "selfPermissions", M2MD_ACCESS_RW, true);
	check_access("subscription", "contact", M2MD_ACCESS_WO, true);
	check_access("subscription", "minimalTimeBetweenNotifications",
		     M2MD_ACCESS_RW, false);
	check_access("subscription", "filterCriteria", M2MD_ACCESS_WO, false);
	check_access("notificationChannel", "channelType", M2MD_ACCESS_WO,
		     true);
	check_access("notificationChannel", "contactURI", M2MD_ACCESS_WO,
		     false);
	check_access("scl", "link", M2MD_ACCESS_WO, false);
	check_access("locationContainer", "locationContainerType",
		     M2MD_ACCESS_WO, true);
}

static void test_structure(void)
{
	const struct m2md_rtype *t;
	const char *const *s;
	size_t i;

	for (i = 0; i < m2md_n_rtypes; i++) {
		t = &m2md_rtypes[i];
		for (s = t->subs; s && *s; s++)
			CHECK(m2md_rtype_find(*s) != NULL,
			      "sub-collection %s of <%s> is a type", *s,
			      t->name);
		if (!t->child)
			continue;
		CHECK(m2md_rtype_may_hold(t, t->child),
		      "<%s> holds its child type %s", t->name, t->child);
		for (s = t->children; s && *s; s++)
			CHECK(m2md_rtype_find(*s) != NULL,
			      "child %s of <%s> is a type", *s, t->name);
		CHECK(m2md_rtype_attr(t, t->collection) != NULL,
		      "<%s> lists children in <%s>", t->name, t->collection);
	}
	t = m2md_rtype_find("containers");
	CHECK(m2md_rtype_may_hold(t, "container"), "containers hold container");
	CHECK(m2md_rtype_may_hold(t, "locationContainer"),
	      "containers hold locationContainer");
	CHECK(m2md_rtype_may_hold(t, "containerAnnc"),
	      "containers hold containerAnnc");
	CHECK(!m2md_rtype_may_hold(t, "application"),
	      "containers do not hold application");
	CHECK(m2md_rtype_may_hold(m2md_rtype_find("applications"),
				  "applicationAnnc"),
	      "applications hold applicationAnnc");
	CHECK(m2md_rtype_may_hold(m2md_rtype_find("accessRights"),
				  "accessRightAnnc"),
	      "accessRights hold accessRightAnnc");
	CHECK(!m2md_rtype_may_hold(m2md_rtype_find("container"), "container"),
	      "a container is no collection");
	CHECK(!strcmp(m2md_rtype_find("contentInstances")->child,
		      "contentInstance"), "contentInstances make instances");
}

static bool has_sub(const char *type, const char *sub)
{
	const char *const *s;

	for (s = m2md_rtype_find(type)->subs; s && *s; s++)
		if (!strcmp(*s, sub))
			return true;
	return false;
}

static void test_subs(void)
{
	static const char *const base[] = {
		"scls", "applications", "containers", "groups",
		"accessRights", "subscriptions", "discovery",
		"notificationChannels",
	};
	size_t i;

	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		CHECK(has_sub("sclBase", base[i]), "sclBase has %s", base[i]);
	CHECK(has_sub("scl", "applications") &&
	      has_sub("scl", "notificationChannels") &&
	      !has_sub("scl", "mgmtObjs"), "scl sub-collections");
	CHECK(has_sub("application", "containers") &&
	      has_sub("application", "notificationChannels"),
	      "application sub-collections");
	CHECK(has_sub("container", "contentInstances") &&
	      has_sub("container", "subscriptions"),
	      "container sub-collections");
	CHECK(has_sub("locationContainer", "contentInstances"),
	      "locationContainer has contentInstances");
	CHECK(has_sub("contentInstances", "latest") &&
	      has_sub("contentInstances", "oldest") &&
	      has_sub("contentInstances", "subscriptions"),
	      "contentInstances has latest, oldest, subscriptions");
	CHECK(has_sub("group", "membersContent"), "group has membersContent");
	CHECK(has_sub("accessRight", "subscriptions"),
	      "accessRight has subscriptions");
	CHECK(!has_sub("containers", "subscriptions"),
	      "collections other than contentInstances have no subs");
	CHECK(m2md_rtype_find("discovery")->virtual_res &&
	      m2md_rtype_find("membersContent")->virtual_res &&
	      m2md_rtype_find("latest")->virtual_res &&
	      m2md_rtype_find("oldest")->virtual_res,
	      "discovery, membersContent, latest, oldest are virtual");
	CHECK(!m2md_rtype_find("containers")->virtual_res,
	      "containers is stored");
}

/* The committed table is what the generator writes from ../xsd now. */
static void test_generated(void)
{
	char out[] = "/tmp/m2md_rtype_table_XXXXXX", cmd[256];
	int fd = mkstemp(out), ret;

	CHECK(fd >= 0, "temporary file");
	if (fd < 0)
		return;
	close(fd);
	if (system("python3 --version >/dev/null 2>&1")) {
		printf("SKIP rtype_table.c freshness: no python3\n");
		unlink(out);
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "python3 ../../scripts/gen-rtypes.py ../xsd %s && cmp -s %s ../../agent/m2md/rtype_table.c",
		 out, out);
	ret = system(cmd);
	CHECK(ret == 0,
	      "agent/m2md/rtype_table.c is up to date: run scripts/gen-rtypes.py");
	unlink(out);
}

int main(void)
{
	test_lookup();
	test_ids();
	test_order();
	test_kinds();
	test_access();
	test_structure();
	test_subs();
	test_generated();
	printf("m2md_rtype_test: %d passed, %d failed\n", checks - failures,
	       failures);
	return failures ? 1 : 0;
}

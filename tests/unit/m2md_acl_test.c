// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of m2md's access rights: default rights, the effective
 * accessRight and its inheritance, each holder kind, selfPermissions,
 * missing and expired accessRights, and the JSON forms of permissions.
 */
#include <errno.h>
#include <time.h>

#include "acl.h"
#include "m2md_test.h"
#include "store.h"

#define BASE	"/gscl"

static char dir[64];
static struct m2md_store *st;

/* Permissions of ar1: one per holder kind, and CREATE for all. */
static const char ar1_attrs[] =
	"{\"permissions\": {\"permission\": ["
	"{\"id\": \"p1\", \"permissionFlags\": {\"flag\": [\"READ\", \"DISCOVER\"]},"
	" \"permissionHolders\": {\"applicationIDs\": {\"applicationID\": [\"reader\", \"other\"]}}},"
	"{\"id\": \"p2\", \"permissionFlags\": {\"flag\": [\"WRITE\"]},"
	" \"permissionHolders\": {\"sclIDs\": {\"sclID\": [\"gw1\"]}}},"
	"{\"id\": \"p3\", \"permissionFlags\": {\"flag\": [\"DELETE\"]},"
	" \"permissionHolders\": {\"holderRefs\": {\"holderRef\": [\"http://10.0.0.2:8181/gscl/applications/deleter/\"]}}},"
	"{\"id\": \"p4\", \"permissionFlags\": {\"flag\": [\"CREATE\"]},"
	" \"permissionHolders\": {\"all\": {}}}"
	"]},"
	"\"selfPermissions\": {\"permission\": ["
	"{\"permissionFlags\": {\"flag\": [\"READ\", \"WRITE\"]},"
	" \"permissionHolders\": {\"applicationIDs\": {\"applicationID\": [\"owner\"]}}}"
	"]}}";

/* READ for all, and nothing else. */
static const char ar2_attrs[] =
	"{\"permissions\": {\"permission\": [{\"permissionFlags\": "
	"{\"flag\": [\"READ\"]}, \"permissionHolders\": {\"all\": \"\"}}]},"
	" \"selfPermissions\": {}}";

/* The single-item form: one permission, one flag, one holder, as values. */
static const char ar3_attrs[] =
	"{\"permissions\": {\"permission\": {\"permissionFlags\": "
	"{\"flag\": \"WRITE\"}, \"permissionHolders\": {\"applicationIDs\": "
	"{\"applicationID\": \"solo\"}, \"holderRefs\": {\"holderRef\": "
	"\"/gscl/scls/gw2\"}}}}, \"selfPermissions\": {}}";

static void put(const char *path, const char *type, const char *acl,
		const char *data, int64_t expires)
{
	struct m2md_resource r;
	const char *slash = strrchr(path, '/');
	int ret;

	memset(&r, 0, sizeof(r));
	snprintf(r.path, sizeof(r.path), "%s", path);
	snprintf(r.type, sizeof(r.type), "%s", type);
	if (slash != path)
		snprintf(r.parent, sizeof(r.parent), "%.*s",
			 (int)(slash - path), path);
	snprintf(r.name, sizeof(r.name), "%s", slash + 1);
	snprintf(r.acl, sizeof(r.acl), "%s", acl ? acl : "");
	r.data = (unsigned char *)data;
	r.len = data ? strlen(data) : 0;
	r.created = r.modified = time(NULL);
	r.expires = expires;
	ret = m2md_store_res_create(st, &r, 1);
	CHECK(ret == 0, "create %s: %d", path, ret);
}

static void setup(void)
{
	char err[256] = "";
	int64_t past = time(NULL) - 60;

	m2md_test_tmpdir(dir, sizeof(dir));
	if (m2md_store_open(dir, &st, err, sizeof(err))) {
		printf("FAIL: store does not open: %s\n", err);
		exit(2);
	}
	put(BASE, "sclBase", NULL, NULL, 0);
	put(BASE "/applications", "applications", NULL, NULL, 0);
	put(BASE "/scls", "scls", NULL, NULL, 0);
	put(BASE "/groups", "groups", NULL, NULL, 0);
	put(BASE "/accessRights", "accessRights", NULL, NULL, 0);
	put(BASE "/accessRights/ar1", "accessRight", NULL, ar1_attrs, 0);
	put(BASE "/accessRights/ar2", "accessRight", NULL, ar2_attrs, 0);
	put(BASE "/accessRights/ar3", "accessRight", NULL, ar3_attrs, 0);
	put(BASE "/accessRights/old", "accessRight", NULL, ar2_attrs, past);
	put(BASE "/accessRights/broken", "accessRight", NULL, "{\"perm", 0);
	put(BASE "/applications/A", "application", BASE "/accessRights/ar1",
	    NULL, 0);
	put(BASE "/applications/A/containers", "containers", NULL, NULL, 0);
	put(BASE "/applications/A/containers/C", "container", NULL, NULL, 0);
	put(BASE "/applications/A/containers/C/contentInstances",
	    "contentInstances", NULL, NULL, 0);
	put(BASE "/applications/A/containers/C/contentInstances/ci1",
	    "contentInstance", NULL, "21.5", 0);
	/* D names ar2 by a URI of this host: the nearest accessRight wins. */
	put(BASE "/applications/A/containers/D", "container",
	    "http://gw.example:8181/gscl/accessRights/ar2", NULL, 0);
	put(BASE "/applications/A/containers/D/contentInstances",
	    "contentInstances", NULL, NULL, 0);
	put(BASE "/applications/B", "application", BASE "/accessRights/gone",
	    NULL, 0);
	put(BASE "/applications/E", "application", BASE "/accessRights/old",
	    NULL, 0);
	put(BASE "/applications/F", "application", "accessRights/ar3", NULL,
	    0);
	put(BASE "/applications/H", "application", BASE "/accessRights/broken",
	    NULL, 0);
	/* A resource that is not an accessRight grants nothing. */
	put(BASE "/applications/K", "application", BASE "/applications/A",
	    NULL, 0);
	put(BASE "/groups/G", "group", BASE "/accessRights/ar2", NULL, 0);
}

static struct m2md_principal app(const char *id)
{
	struct m2md_principal p = { .kind = M2MD_PRINCIPAL_APP };

	snprintf(p.id, sizeof(p.id), "%s", id);
	return p;
}

static struct m2md_principal scl(const char *id)
{
	struct m2md_principal p = { .kind = M2MD_PRINCIPAL_SCL };

	snprintf(p.id, sizeof(p.id), "%s", id);
	return p;
}

static const struct m2md_principal anon = { .kind = M2MD_PRINCIPAL_ANON };
static const struct m2md_principal admin = { .kind = M2MD_PRINCIPAL_ADMIN };

static int check(const struct m2md_principal *who, const char *path,
		 const char *name, enum m2md_perm perm)
{
	char why[512] = "";

	return m2md_acl_check(st, BASE, who, path, name, perm, why,
			      sizeof(why));
}

#define C_PATH	BASE "/applications/A/containers/C"
#define CI_PATH	C_PATH "/contentInstances/ci1"
#define D_PATH	BASE "/applications/A/containers/D"

static void test_names(void)
{
	char s[300];
	struct m2md_principal p = app("temp1");

	CHECK(m2md_perm_parse("DISCOVER") == M2MD_PERM_DISCOVER,
	      "DISCOVER parses");
	CHECK(m2md_perm_parse("read") == 0, "flags are upper case only");
	CHECK(m2md_perm_parse("EXECUTE") == 0, "unknown flag is 0");
	CHECK(!strcmp(m2md_perm_name(M2MD_PERM_CREATE), "CREATE"),
	      "CREATE name");
	m2md_principal_str(&p, s, sizeof(s));
	CHECK(!strcmp(s, "app 'temp1'"), "app string: %s", s);
	p = scl("gw1");
	m2md_principal_str(&p, s, sizeof(s));
	CHECK(!strcmp(s, "scl 'gw1'"), "scl string: %s", s);
	m2md_principal_str(&anon, s, sizeof(s));
	CHECK(!strcmp(s, "anonymous"), "anonymous string: %s", s);
	m2md_principal_str(&admin, s, sizeof(s));
	CHECK(!strcmp(s, "admin"), "admin string: %s", s);
}

static void test_admin(void)
{
	CHECK(check(&admin, CI_PATH, NULL, M2MD_PERM_DELETE) == 0,
	      "admin deletes anything");
	CHECK(check(&admin, BASE "/applications", "x", M2MD_PERM_CREATE) == 0,
	      "admin creates anything");
	CHECK(check(&admin, BASE "/applications/B", NULL, M2MD_PERM_WRITE) ==
	      0, "admin ignores a missing accessRight");
	CHECK(m2md_acl_rights(st, BASE, &admin, BASE) == 0x1f,
	      "admin has every right");
}

static void test_anonymous(void)
{
	char why[512] = "";
	int ret;

	ret = m2md_acl_check(st, BASE, &anon, C_PATH, NULL, M2MD_PERM_READ,
			     why, sizeof(why));
	CHECK(ret == -EACCES, "anonymous cannot READ C: %d", ret);
	CHECK(!strcmp(why, "anonymous has no READ right on " C_PATH),
	      "reason: %s", why);
	CHECK(check(&anon, BASE, NULL, M2MD_PERM_READ) == -EACCES,
	      "anonymous has no default READ on the sclBase");
	CHECK(check(&anon, BASE "/applications", "A", M2MD_PERM_CREATE) ==
	      -EACCES, "anonymous cannot register an application");
	CHECK(check(&anon, C_PATH "/contentInstances", NULL,
		    M2MD_PERM_CREATE) == 0,
	      "anonymous CREATEs where all may");
	CHECK(check(&anon, D_PATH "/contentInstances", NULL,
		    M2MD_PERM_READ) == 0, "anonymous READs where all may");
	CHECK(check(&anon, D_PATH "/contentInstances", NULL,
		    M2MD_PERM_WRITE) == -EACCES,
	      "anonymous gets only the flags granted");
}

static void test_defaults(void)
{
	struct m2md_principal a = app("A"), gw = scl("gw1");

	CHECK(check(&a, BASE "/applications/A", NULL, M2MD_PERM_DELETE) ==
	      0, "app deletes its own application");
	CHECK(check(&a, CI_PATH, NULL, M2MD_PERM_WRITE) == 0,
	      "app writes below its application");
	CHECK(check(&a, BASE "/applications", "A", M2MD_PERM_CREATE) == 0,
	      "app creates its own registration");
	CHECK(check(&a, BASE "/applications", "X", M2MD_PERM_CREATE) ==
	      -EACCES, "app cannot create another application");
	CHECK(check(&a, BASE "/applications", NULL, M2MD_PERM_CREATE) ==
	      -EACCES, "app cannot create an unnamed application");
	CHECK(check(&a, BASE, NULL, M2MD_PERM_READ) == 0,
	      "app READs the sclBase");
	CHECK(check(&a, BASE "/applications", NULL, M2MD_PERM_DISCOVER) == 0,
	      "app DISCOVERs a collection of the sclBase");
	CHECK(check(&a, BASE "/applications", NULL, M2MD_PERM_WRITE) ==
	      -EACCES, "app cannot WRITE a collection of the sclBase");
	CHECK(check(&a, BASE "/applications/AB", NULL, M2MD_PERM_READ) ==
	      -EACCES, "a longer id is not the app's own");
	CHECK(check(&a, BASE "/applications/B", NULL, M2MD_PERM_READ) ==
	      -EACCES, "app cannot READ another application");
	CHECK(check(&gw, BASE "/scls/gw1/applications/x", NULL,
		    M2MD_PERM_DELETE) == 0, "scl owns its scl subtree");
	CHECK(check(&gw, BASE "/scls", "gw1", M2MD_PERM_CREATE) == 0,
	      "scl registers itself");
	CHECK(check(&gw, BASE "/scls", "gw2", M2MD_PERM_CREATE) == -EACCES,
	      "scl cannot register another scl");
	CHECK(check(&gw, BASE "/applications/A/x", NULL, M2MD_PERM_DELETE) ==
	      -EACCES, "scl has no default right on an application");
	CHECK(check(&gw, BASE "/scls/gw1", NULL, M2MD_PERM_READ) == 0,
	      "scl READs its own scl");
	CHECK(check(&a, "/nscl/applications/A", NULL, M2MD_PERM_READ) ==
	      -EACCES, "a path of another tree grants nothing");
}

static void test_holders(void)
{
	struct m2md_principal reader = app("reader"), gw = scl("gw1");
	struct m2md_principal deleter = app("deleter");
	struct m2md_principal deleter_scl = scl("deleter");
	struct m2md_principal reader_scl = scl("reader");

	CHECK(check(&reader, C_PATH, NULL, M2MD_PERM_READ) == 0,
	      "applicationIDs holder READs");
	CHECK(check(&reader, C_PATH, NULL, M2MD_PERM_DISCOVER) == 0,
	      "applicationIDs holder DISCOVERs");
	CHECK(check(&reader, C_PATH, NULL, M2MD_PERM_WRITE) == -EACCES,
	      "applicationIDs holder cannot WRITE");
	CHECK(check(&reader_scl, C_PATH, NULL, M2MD_PERM_READ) == -EACCES,
	      "an scl is not matched by applicationIDs");
	CHECK(check(&gw, C_PATH, NULL, M2MD_PERM_WRITE) == 0,
	      "sclIDs holder WRITEs");
	CHECK(check(&gw, C_PATH, NULL, M2MD_PERM_READ) == -EACCES,
	      "sclIDs holder cannot READ");
	CHECK(check(&deleter, BASE "/applications/A", NULL,
		    M2MD_PERM_DELETE) == 0, "holderRefs holder DELETEs");
	CHECK(check(&deleter_scl, BASE "/applications/A", NULL,
		    M2MD_PERM_DELETE) == -EACCES,
	      "holderRef of an application does not match an scl");
	CHECK(check(&gw, C_PATH, NULL, M2MD_PERM_CREATE) == 0,
	      "all holder CREATEs");
	CHECK(m2md_acl_rights(st, BASE, &reader, CI_PATH) ==
	      (M2MD_PERM_READ | M2MD_PERM_DISCOVER | M2MD_PERM_CREATE),
	      "rights mask of reader: %d",
	      m2md_acl_rights(st, BASE, &reader, CI_PATH));
}

static void test_inheritance(void)
{
	struct m2md_principal reader = app("reader"), solo = app("solo");
	struct m2md_principal gw2 = scl("gw2");

	CHECK(check(&reader, CI_PATH, NULL, M2MD_PERM_READ) == 0,
	      "contentInstance inherits the application's accessRight");
	CHECK(check(&reader, D_PATH, NULL, M2MD_PERM_READ) == 0,
	      "D's own accessRight grants READ to all");
	CHECK(check(&reader, D_PATH "/contentInstances", NULL,
		    M2MD_PERM_DISCOVER) == -EACCES,
	      "the nearest accessRight replaces the application's");
	CHECK(check(&reader, BASE "/groups/G/membersContent/applications/A",
		    NULL, M2MD_PERM_READ) == 0,
	      "membersContent takes the group's accessRight");
	CHECK(check(&solo, BASE "/applications/F", NULL, M2MD_PERM_WRITE) ==
	      0, "relative accessRightID, single-item form");
	CHECK(check(&gw2, BASE "/applications/F", NULL, M2MD_PERM_WRITE) ==
	      0, "single holderRef of an scl");
	CHECK(check(&solo, BASE "/applications/F", NULL, M2MD_PERM_READ) ==
	      -EACCES, "single-item form grants only its flag");
}

static void test_self_permissions(void)
{
	struct m2md_principal owner = app("owner"), reader = app("reader");

	CHECK(check(&owner, BASE "/accessRights/ar1", NULL, M2MD_PERM_READ) ==
	      0, "selfPermissions grant READ to the owner");
	CHECK(check(&owner, BASE "/accessRights/ar1", NULL,
		    M2MD_PERM_WRITE) == 0,
	      "selfPermissions grant WRITE to the owner");
	CHECK(check(&owner, BASE "/accessRights/ar1", NULL,
		    M2MD_PERM_DELETE) == -EACCES,
	      "selfPermissions grant only their flags");
	CHECK(check(&owner, BASE "/accessRights/ar1/subscriptions", NULL,
		    M2MD_PERM_CREATE) == -EACCES,
	      "below the accessRight selfPermissions still apply");
	CHECK(check(&reader, BASE "/accessRights/ar1", NULL, M2MD_PERM_READ) ==
	      -EACCES, "permissions do not apply to the accessRight itself");
	CHECK(check(&owner, C_PATH, NULL, M2MD_PERM_WRITE) == -EACCES,
	      "selfPermissions do not apply to the resources it guards");
	CHECK(check(&reader, BASE "/accessRights/ar2", NULL, M2MD_PERM_READ) ==
	      -EACCES, "empty selfPermissions grant nothing");
}

/* CREATE on <subject>/subscriptions is not enough: READ on the subject. */
static void test_subscribe_needs_read(void)
{
	struct m2md_principal reader = app("reader"), gw1 = scl("gw1");
	struct m2md_principal owner = app("A");
	char why[512] = "";

	CHECK(check(&anon, C_PATH "/subscriptions", "s1", M2MD_PERM_CREATE) ==
	      -EACCES, "CREATE for all does not let anyone subscribe");
	m2md_acl_check(st, BASE, &anon, C_PATH "/subscriptions", "s1",
		       M2MD_PERM_CREATE, why, sizeof(why));
	CHECK(strstr(why, "anonymous has no READ right on " C_PATH) &&
	      !strstr(why, C_PATH "/"), "why names READ on the subject: %s",
	      why);
	CHECK(check(&gw1, C_PATH "/contentInstances/subscriptions", "s1",
		    M2MD_PERM_CREATE) == -EACCES,
	      "nor on contentInstances without READ");
	CHECK(check(&anon, C_PATH "/contentInstances", NULL,
		    M2MD_PERM_CREATE) == 0,
	      "CREATE for all still adds readings");
	CHECK(check(&reader, C_PATH "/subscriptions", "s1",
		    M2MD_PERM_CREATE) == 0, "READ and CREATE may subscribe");
	CHECK(check(&reader, C_PATH "/contentInstances/subscriptions", "s1",
		    M2MD_PERM_CREATE) == 0,
	      "READ and CREATE may subscribe to contentInstances");
	CHECK(check(&reader, BASE "/applications/A/subscriptions", NULL,
		    M2MD_PERM_CREATE) == 0, "the application's own");
	CHECK(check(&reader, BASE "/subscriptions", NULL,
		    M2MD_PERM_CREATE) == -EACCES,
	      "the sclBase's needs CREATE there");
	CHECK(check(&owner, BASE "/applications/A/subscriptions", NULL,
		    M2MD_PERM_CREATE) == 0, "the owner subscribes to itself");
}

static int change(const struct m2md_principal *who, const char *path)
{
	char why[512] = "";

	return m2md_acl_check_acl_change(st, BASE, who, path, why,
					 sizeof(why));
}

/* WRITE alone must not swap in an accessRight that grants more. */
static void test_acl_change(void)
{
	struct m2md_principal owner = app("owner"), gw1 = scl("gw1");
	struct m2md_principal app_a = app("A");
	char why[512] = "";

	CHECK(check(&gw1, C_PATH, NULL, M2MD_PERM_WRITE) == 0,
	      "gw1 may update C");
	CHECK(change(&gw1, C_PATH) == -EACCES,
	      "WRITE alone does not change accessRightID");
	m2md_acl_check_acl_change(st, BASE, &gw1, C_PATH, why, sizeof(why));
	CHECK(strstr(why, "scl 'gw1' may not change the accessRightID of "
		     C_PATH) != NULL, "why names principal and path: %s", why);
	CHECK(change(&owner, C_PATH) == 0,
	      "WRITE in the selfPermissions in effect allows it");
	CHECK(change(&app_a, C_PATH) == 0, "the owner application may");
	CHECK(change(&admin, C_PATH) == 0, "the administrator may");
	CHECK(change(&anon, D_PATH) == -EACCES,
	      "empty selfPermissions allow no one");
	CHECK(change(&owner, BASE "/applications/K") == -EACCES,
	      "no accessRight in effect allows no one");
	CHECK(change(&owner, BASE "/accessRights/ar1") == 0,
	      "an accessRight's own selfPermissions apply to it");
}

static void test_missing_and_expired(void)
{
	struct m2md_principal reader = app("reader");

	CHECK(m2md_acl_rights(st, BASE, &anon, BASE "/applications/B") == 0,
	      "a missing accessRight grants nothing");
	CHECK(check(&reader, BASE "/applications/B", NULL, M2MD_PERM_READ) ==
	      -EACCES, "missing accessRight: no READ");
	CHECK(m2md_acl_rights(st, BASE, &anon, BASE "/applications/E") == 0,
	      "an expired accessRight grants nothing");
	CHECK(m2md_acl_rights(st, BASE, &anon, BASE "/applications/H") == 0,
	      "an unreadable accessRight grants nothing");
	CHECK(m2md_acl_rights(st, BASE, &anon, BASE "/applications/K") == 0,
	      "an accessRightID naming an application grants nothing");
	CHECK(check(&reader, BASE "/applications/A/containers/none", NULL,
		    M2MD_PERM_READ) == 0,
	      "a missing resource inherits from its ancestors");
}

static void test_update_applies(void)
{
	struct m2md_principal reader = app("reader");
	struct m2md_resource r;
	int ret;

	CHECK(check(&reader, C_PATH, NULL, M2MD_PERM_READ) == 0,
	      "reader READs before the update");
	memset(&r, 0, sizeof(r));
	ret = m2md_store_res_get(st, BASE "/accessRights/ar1", &r);
	CHECK(ret == 0, "ar1 readable: %d", ret);
	free(r.data);
	r.data = (unsigned char *)ar2_attrs;
	r.len = strlen(ar2_attrs);
	r.modified = time(NULL);
	ret = m2md_store_res_update(st, &r);
	CHECK(ret == 0, "ar1 updated: %d", ret);
	CHECK(check(&reader, C_PATH, NULL, M2MD_PERM_DISCOVER) == -EACCES,
	      "reader lost DISCOVER with the update");
	CHECK(check(&anon, C_PATH, NULL, M2MD_PERM_READ) == 0,
	      "anonymous READs after the update");
}

int main(void)
{
	setup();
	test_names();
	test_admin();
	test_anonymous();
	test_defaults();
	test_holders();
	test_inheritance();
	test_self_permissions();
	test_subscribe_needs_read();
	test_acl_change();
	test_missing_and_expired();
	test_update_applies();
	m2md_store_close(st);
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_acl_test");
}

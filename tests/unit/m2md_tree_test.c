// SPDX-License-Identifier: GPL-2.0
/* Unit test of m2md's resource tree on a real state database. */
#include <errno.h>

#include "m2md_test.h"
#include "tree.h"

static const char *const subs[] = { "applications", NULL };

/*
 * A container keeps its newest M2MD_INSTANCES_MAX contentInstances, so
 * that a writer cannot grow the collection, and the memory a GET of it
 * takes, without bound.
 */
static void test_instances_capped(struct m2md_tree *tree)
{
	const char *coll =
		"/gscl/applications/app/containers/c/contentInstances";
	struct m2md_resource oldest, latest;
	int64_t count = 0, bytes = 0;
	char name[32];
	int i, failed = 0;

	CHECK(m2md_tree_create(tree, "/gscl/applications", "application",
			       "app", NULL, 0, NULL, NULL) == 0,
	      "application created");
	CHECK(m2md_tree_create(tree, "/gscl/applications/app/containers",
			       "container", "c", NULL, 0, NULL, NULL) == 0,
	      "container created");
	for (i = 0; i < M2MD_INSTANCES_MAX + 5; i++) {
		snprintf(name, sizeof(name), "ci%03d", i);
		failed += m2md_tree_create(tree, coll, "contentInstance", name,
					   "21.5", 4, "text/plain", NULL) != 0;
	}
	CHECK(failed == 0, "%d contentInstances not created", failed);
	CHECK(m2md_store_res_stats(tree->store, coll, &count, &bytes) == 0,
	      "collection stats read");
	CHECK(count == M2MD_INSTANCES_MAX,
	      "%lld contentInstances kept, expected %d", (long long)count,
	      M2MD_INSTANCES_MAX);
	CHECK(m2md_store_res_edge(tree->store, coll, false, &oldest) == 0,
	      "oldest found");
	CHECK(!strcmp(oldest.name, "ci005"), "oldest is %s, expected ci005",
	      oldest.name);
	CHECK(m2md_store_res_edge(tree->store, coll, true, &latest) == 0,
	      "latest found");
	snprintf(name, sizeof(name), "ci%03d", M2MD_INSTANCES_MAX + 4);
	CHECK(!strcmp(latest.name, name), "latest is %s, expected %s",
	      latest.name, name);
	m2md_resource_free(&oldest);
	m2md_resource_free(&latest);
}

int main(void)
{
	struct m2md_store *store;
	struct m2md_tree tree;
	char dir[64], err[256];

	m2md_test_tmpdir(dir, sizeof(dir));
	if (m2md_store_open(dir, &store, err, sizeof(err)) ||
	    m2md_tree_init(&tree, store, "/gscl", subs, NULL)) {
		printf("setup failed: %s\n", err);
		return 2;
	}
	test_instances_capped(&tree);
	m2md_store_close(store);
	m2md_test_rmdir(dir);
	return m2md_test_done("m2md_tree_test");
}

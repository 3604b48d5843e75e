/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Access rights (ETSI <accessRight>): who a request speaks for, and
 * whether it may do an operation on a resource.
 *
 * Effective rights of a principal on a resource are the union of
 *  - its default rights: an application has every right on
 *    <base>/applications/<its appId> and below, an SCL on
 *    <base>/scls/<its sclId> and below; both may CREATE their own
 *    registration in that collection and READ and DISCOVER the sclBase
 *    and its collections;
 *  - the permissions of the effective accessRight: the one named by the
 *    resource's accessRightID, else by its nearest ancestor's. A
 *    permission grants its flags to the holders it lists: applicationIDs,
 *    sclIDs, holderRefs (the path of the holder's own application or scl
 *    resource) and all. For the accessRight resource itself its
 *    selfPermissions apply instead.
 * The admin principal (root on the admin socket) may do everything;
 * anonymous requests get only what a permission grants to all.
 */
#ifndef M2MD_ACL_H
#define M2MD_ACL_H

#include <stddef.h>

#include "store.h"

enum m2md_principal_kind {
	M2MD_PRINCIPAL_ANON,
	M2MD_PRINCIPAL_APP,	/* authenticated by its Kma */
	M2MD_PRINCIPAL_SCL,	/* a gateway by its service connection */
	M2MD_PRINCIPAL_ADMIN,	/* root on the admin socket */
};

struct m2md_principal {
	enum m2md_principal_kind kind;
	char id[256];		/* appId or sclId; "" otherwise */
};

enum m2md_perm {
	M2MD_PERM_READ = 1 << 0,
	M2MD_PERM_WRITE = 1 << 1,
	M2MD_PERM_DISCOVER = 1 << 2,
	M2MD_PERM_DELETE = 1 << 3,
	M2MD_PERM_CREATE = 1 << 4,
};

/* "READ", "WRITE", ... for a single flag. */
const char *m2md_perm_name(enum m2md_perm perm);
/* Parse an ETSI permission flag name; 0 when unknown. */
enum m2md_perm m2md_perm_parse(const char *name);
/* "app 'temp1'", "scl 'gw1'", "admin" or "anonymous", for messages. */
void m2md_principal_str(const struct m2md_principal *who, char *out,
			size_t len);

/*
 * Decide whether who may do perm on the resource at path (of the tree
 * rooted at base, e.g. "/gscl"). For CREATE, path is the collection and
 * name the resource to be created. Returns 0 when allowed, -EACCES with
 * a reason in why (naming the principal, operation and path, never more)
 * when not, or -EIO on a database error.
 */
int m2md_acl_check(struct m2md_store *st, const char *base,
		   const struct m2md_principal *who, const char *path,
		   const char *name, enum m2md_perm perm, char *why,
		   size_t len);

/*
 * Decide whether who may change the accessRightID of the resource at
 * path, beyond the WRITE that any update needs: the administrator and the
 * owner (default rights) may, anyone else needs WRITE in the
 * selfPermissions of the accessRight now in effect on path, so that WRITE
 * alone cannot swap in an accessRight that grants more. Returns 0, or
 * -EACCES or -EIO with a reason in why.
 */
int m2md_acl_check_acl_change(struct m2md_store *st, const char *base,
			      const struct m2md_principal *who,
			      const char *path, char *why, size_t len);

/*
 * Rights of who on path as a mask of enum m2md_perm, for discovery
 * (a match is listed only with DISCOVER). Negative errno on error.
 */
int m2md_acl_rights(struct m2md_store *st, const char *base,
		    const struct m2md_principal *who, const char *path);

#endif /* M2MD_ACL_H */

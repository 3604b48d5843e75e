/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seam between m2md and the kernel's handshake commands, so that the
 * unit tests can replace the module with a double. Each call takes the
 * request and fills the reply as agent/common/nl.h describes, returning
 * 0 or a negative errno with the kernel's extended ack text in err.
 */
#ifndef M2MD_KOPS_H
#define M2MD_KOPS_H

#include "nl.h"

struct m2md_kops {
	int (*hs_init)(void *ctx, const struct m2m_hs *req,
		       struct m2m_hs *reply, struct m2m_nl_err *err);
	int (*hs_respond)(void *ctx, const struct m2m_hs *req,
			  struct m2m_hs *reply, struct m2m_nl_err *err);
	int (*hs_complete)(void *ctx, const struct m2m_hs *req,
			   struct m2m_hs *reply, struct m2m_nl_err *err);
	int (*hs_finish)(void *ctx, const struct m2m_hs *req,
			 struct m2m_hs *reply, struct m2m_nl_err *err);
	void *ctx;
};

/*
 * Fill ops with calls into the m2msec generic netlink family over nl,
 * serialized by a lock because one netlink socket carries one request at
 * a time. Returns 0 or -ENOMEM; free with m2md_kops_nl_free().
 */
int m2md_kops_nl(struct m2md_kops *ops, struct m2m_nl *nl);
void m2md_kops_nl_free(struct m2md_kops *ops);

#endif /* M2MD_KOPS_H */

// SPDX-License-Identifier: GPL-2.0
/* The real kernel calls behind struct m2md_kops, through nl.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "kops.h"

struct m2md_kops_nl {
	struct m2m_nl *nl;
	pthread_mutex_t lock;
};

#define M2MD_KOPS_CALL(name)						\
static int m2md_nl_##name(void *ctx, const struct m2m_hs *req,		\
			  struct m2m_hs *reply, struct m2m_nl_err *err)	\
{									\
	struct m2md_kops_nl *k = ctx;					\
	int ret;							\
									\
	pthread_mutex_lock(&k->lock);					\
	ret = m2m_nl_##name(k->nl, req, reply, err);			\
	pthread_mutex_unlock(&k->lock);					\
	return ret;							\
}

M2MD_KOPS_CALL(hs_init)
M2MD_KOPS_CALL(hs_respond)
M2MD_KOPS_CALL(hs_complete)
M2MD_KOPS_CALL(hs_finish)

int m2md_kops_nl(struct m2md_kops *ops, struct m2m_nl *nl)
{
	struct m2md_kops_nl *k = calloc(1, sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->nl = nl;
	pthread_mutex_init(&k->lock, NULL);
	ops->hs_init = m2md_nl_hs_init;
	ops->hs_respond = m2md_nl_hs_respond;
	ops->hs_complete = m2md_nl_hs_complete;
	ops->hs_finish = m2md_nl_hs_finish;
	ops->ctx = k;
	return 0;
}

void m2md_kops_nl_free(struct m2md_kops *ops)
{
	struct m2md_kops_nl *k = ops->ctx;

	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	free(k);
	ops->ctx = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Helper of m2msec_unload.sh (not a test itself): leaves module state
 * behind for an rmmod to clean up. It works in the caller's network
 * namespace and session keyring. It adds m2m_boot keys, runs a bootstrap
 * (m2m_root keys) and a connect (m2m_conn keys), derives a Kma key, and
 * leaves an initiator and a responder handshake half open. It prints the
 * serials of the two keyrings that contain the keys, both linked into the
 * session keyring and anchored in the user keyring.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "m2msec_test.h"

static int fail(const char *step, int err, const char *extack)
{
	fprintf(stderr, "m2msec_mkstate: %s failed: %s%s%s\n", step,
		strerror(err < 0 ? -err : err), extack ? ", " : "",
		extack ? extack : "");
	return 1;
}

static int run(struct m2msec_pair *p)
{
	struct m2msec_hs boot = { 0 }, conn = { 0 }, open = { 0 };
	struct m2msec_boot_fields bf;
	struct m2msec_conn_fields cf;
	struct m2msec_reply kma = { 0 };
	uint8_t psk[M2MSEC_KEY_LEN];
	const uint8_t *msg;
	char boot_id[32];
	size_t len;
	int err;

	snprintf(boot_id, sizeof(boot_id), "unload-%08x", getpid());
	m2msec_random(psk, sizeof(psk));
	err = m2msec_add_psk(p->gw.keyring, M2MSEC_KEY_TYPE_BOOT, boot_id, psk);
	if (err < 0)
		return fail("adding the gateway's m2m_boot key", err, NULL);
	err = m2msec_add_psk(p->nw.keyring, M2MSEC_KEY_TYPE_BOOT, boot_id, psk);
	if (err < 0)
		return fail("adding the network's m2m_boot key", err, NULL);

	m2msec_boot_fields_fill(&bf);
	err = m2msec_hs_run_boot(p, boot_id, &bf, &boot);
	if (err)
		return fail(boot.failed_step, err, NULL);

	m2msec_conn_fields_fill(&cf);
	cf.lifetime = 3600;
	err = m2msec_hs_run_conn(p, bf.node_id, 0, &cf, &conn);
	if (err)
		return fail(conn.failed_step, err, NULL);

	msg = m2msec_reply_data(&conn.fin, M2MSEC_A_KEY_ID, &len);
	if (!msg)
		return fail("HS_COMPLETE reply without KEY_ID", EBADMSG, NULL);
	err = m2msec_kma_derive(&p->gw, msg, "unload-app", getuid(), &kma);
	if (err)
		return fail("KMA_DERIVE", err, kma.extack);

	/* A responder waiting for FINISH and an initiator waiting for RESP. */
	err = m2msec_hs_init(&p->gw, M2MSEC_MODE_CONNECT, bf.node_id,
			     sizeof(bf.node_id), 0, &open.init);
	if (err)
		return fail("HS_INIT", err, open.init.extack);
	msg = m2msec_msg(&open.init, &len);
	err = m2msec_hs_respond_conn(&p->nw, msg, len, &cf, &open.resp);
	if (err)
		return fail("HS_RESPOND", err, open.resp.extack);
	m2msec_reply_free(&open.init);
	err = m2msec_hs_init(&p->gw, M2MSEC_MODE_CONNECT, bf.node_id,
			     sizeof(bf.node_id), 0, &open.init);
	if (err)
		return fail("HS_INIT", err, open.init.extack);

	err = m2msec_pair_enter_both(p);
	if (err)
		return fail("linking both keyrings", err, NULL);
	m2msec_hs_free(&boot);
	m2msec_hs_free(&conn);
	m2msec_hs_free(&open);
	m2msec_reply_free(&kma);
	return 0;
}

int main(void)
{
	struct m2msec_pair p;
	char why[256] = "";
	int err;

	err = m2msec_pair_setup(&p, 0, why, sizeof(why));
	if (err) {
		fprintf(stderr, "m2msec_mkstate: %s\n", why);
		return 1;
	}
	err = run(&p);
	m2msec_nl_close(&p.gw.nl);
	m2msec_nl_close(&p.nw.nl);
	if (!err)
		printf("%d %d\n", p.gw.keyring, p.nw.keyring);
	return err;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixture and assertion helpers shared by the m2msec selftest programs.
 * Include once per program, after nothing else of the harness.
 */
#ifndef M2MSEC_FIXTURE_H
#define M2MSEC_FIXTURE_H

#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "m2msec_test.h"

static inline const char *m2msec_errname(int err)
{
	const char *name;

	if (err < 0)
		err = -err;
	if (!err)
		return "success";
	name = strerrorname_np(err);
	return name ? name : "unknown errno";
}

/* Assert that a netlink step succeeded; on failure name errno and extack. */
#define ASSERT_STEP_OK(step, err, r)					\
	ASSERT_EQ(0, (err))						\
		TH_LOG("%s: expected success, got %s (extack \"%s\")",	\
		       (step), m2msec_errname(err), (r)->extack)

/* Assert that a step failed with errno expected and an extack message. */
#define ASSERT_STEP_FAILS(step, expected, err, r)			\
	do {								\
		ASSERT_EQ(-(expected), (err))				\
			TH_LOG("%s: expected %s, got %s (extack \"%s\")", \
			       (step), m2msec_errname(expected),	\
			       m2msec_errname(err), (r)->extack);	\
		ASSERT_NE((size_t)0, strlen((r)->extack))			\
			TH_LOG("%s: expected an extended ack message with %s", \
			       (step), m2msec_errname(expected));	\
	} while (0)

/* Assert that a whole handshake run by m2msec_hs_run_*() succeeded. */
#define ASSERT_HS_OK(err, hs)						\
	ASSERT_EQ(0, (err))						\
		TH_LOG("handshake failed at %s: %s", (hs)->failed_step,	\
		       m2msec_errname(err))

static inline void m2msec_fixture_setup(struct __test_metadata *_metadata,
					struct m2msec_pair *p)
{
	char why[256] = "";
	int err;

	err = m2msec_pair_setup(p, M2MSEC_PAIR_NEW_SESSION |
				   M2MSEC_PAIR_OWN_NETNS, why, sizeof(why));
	if (err)
		m2msec_pair_teardown(p);
	ASSERT_EQ(0, err) TH_LOG("%s", why);
	if (!p->own_netns)
		TH_LOG("both sides share the initial network namespace %s",
		       "because the family is not visible in a new one");
}

/* Add the same random 32-byte PSK of type to both sides' keyrings. */
static inline void m2msec_add_psk_both(struct __test_metadata *_metadata,
				       struct m2msec_pair *p, const char *type,
				       const char *desc, uint8_t *psk,
				       key_serial_t *gw_key,
				       key_serial_t *nw_key)
{
	key_serial_t g, n;

	m2msec_random(psk, M2MSEC_KEY_LEN);
	g = m2msec_add_psk(p->gw.keyring, type, desc, psk);
	ASSERT_LT(0, g) TH_LOG("adding %s key \"%s\" for the gateway failed: %s",
			       type, desc, strerror(-g));
	n = m2msec_add_psk(p->nw.keyring, type, desc, psk);
	ASSERT_LT(0, n) TH_LOG("adding %s key \"%s\" for the network failed: %s",
			       type, desc, strerror(-n));
	if (gw_key)
		*gw_key = g;
	if (nw_key)
		*nw_key = n;
}

/* Add the same Kmr for a new random node id to both sides. */
static inline void m2msec_add_kmr_both(struct __test_metadata *_metadata,
				       struct m2msec_pair *p, uint8_t *node_id,
				       uint8_t *kmr, key_serial_t *gw_key,
				       key_serial_t *nw_key)
{
	char hex[M2MSEC_HEX_ID_LEN + 1];

	m2msec_random(node_id, M2MSEC_NODE_ID_LEN);
	m2msec_hex(node_id, M2MSEC_NODE_ID_LEN, hex);
	m2msec_add_psk_both(_metadata, p, M2MSEC_KEY_TYPE_ROOT, hex, kmr,
			    gw_key, nw_key);
}

/* Number of keys linked into keyring, whatever their type. */
static inline int m2msec_keyring_size(struct __test_metadata *_metadata,
				      key_serial_t keyring)
{
	int n = m2msec_keyring_count(keyring, NULL, NULL, NULL);

	EXPECT_LE(0, n) TH_LOG("reading keyring %d failed: %s", keyring,
			       strerror(-n));
	return n;
}

/* Number of responder (or initiator) entries in a side's HS_GET dump. */
static inline int m2msec_count_role(struct __test_metadata *_metadata,
				    struct m2msec_side *s, uint8_t role)
{
	struct m2msec_dump d = { 0 };
	int i, n = 0, err;

	err = m2msec_hs_dump(s, &d);
	EXPECT_EQ(0, err) TH_LOG("HS_GET dump on the %s side failed: %s (extack \"%s\")",
				 s->name, m2msec_errname(err), d.extack);
	for (i = 0; i < d.count; i++)
		if (m2msec_reply_u8(&d.entries[i], M2MSEC_A_ROLE) == role)
			n++;
	m2msec_dump_free(&d);
	return n;
}

#endif /* M2MSEC_FIXTURE_H */

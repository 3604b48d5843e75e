// SPDX-License-Identifier: GPL-2.0
/*
 * m2msec_mkconn: a helper of the VM tests and the benchmark, not a test.
 * It makes one service connection in the caller's network namespace. It
 * finds or adds the m2m_root key (Kmr) of a node id in the session keyring.
 * Then it runs a connect handshake with both roles in this process, which
 * puts the initiator's and the responder's m2m_conn keys (Kmc) into their
 * keyrings, and prints "<initiator serial> <responder serial> <node id>".
 *
 * Both keys of a connection have the same type and description, and a
 * keyring keeps only one key per type and description, so each role needs
 * a keyring of its own.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m2msec_test.h"

/* Default keyrings, found or made in the session keyring. */
#define KEYRING_I_DESC	"m2msec_mkconn_initiator"
#define KEYRING_R_DESC	"m2msec_mkconn_responder"

struct m2msec_mkconn_opts {
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	bool has_node_id;
	uint8_t suite;			/* 0: both suites, the module picks */
	uint32_t lifetime;
	key_serial_t keyring_i;
	key_serial_t keyring_r;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: m2msec_mkconn [--node-id HEX] [--suite aes|chacha]\n"
		"                     [--lifetime SEC] [--keyring-i SERIAL] [--keyring-r SERIAL]\n"
		"Runs a connect handshake with both roles in this process and prints\n"
		"\"<initiator serial> <responder serial> <node id>\".\n"
		"  --node-id HEX       node id, 32 hex digits (default: random); its\n"
		"                      m2m_root key is reused if the session keyring has one\n"
		"  --suite NAME        offer only aes (AES-256-GCM) or chacha\n"
		"                      (ChaCha20-Poly1305); default: both\n"
		"  --lifetime SEC      lifetime of the Kmc in seconds (default 3600)\n"
		"  --keyring-i SERIAL  keyring of the initiator's m2m_conn key (default:\n"
		"                      keyring \"" KEYRING_I_DESC "\" in the session keyring)\n"
		"  --keyring-r SERIAL  keyring of the responder's m2m_conn key (default:\n"
		"                      keyring \"" KEYRING_R_DESC "\" in the session keyring)\n"
		"The two keyrings must differ, because both keys have the same description.\n"
		"A process without a session keyring gets a new one that ends with it,\n"
		"so run this under `keyctl session` or pass keyrings that outlive it.\n");
}

static int parse_hex_id(const char *s, uint8_t *out)
{
	unsigned int byte;
	size_t i;

	if (strlen(s) != 2 * M2MSEC_NODE_ID_LEN)
		return -1;
	for (i = 0; i < M2MSEC_NODE_ID_LEN; i++) {
		if (sscanf(s + 2 * i, "%2x", &byte) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return -1;
		out[i] = byte;
	}
	return 0;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct m2msec_mkconn_opts *o)
{
	static const struct option longopts[] = {
		{ "node-id", required_argument, NULL, 'n' },
		{ "suite", required_argument, NULL, 's' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "keyring-i", required_argument, NULL, 'i' },
		{ "keyring-r", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_hex_id(optarg, o->node_id)) {
				fprintf(stderr, "m2msec_mkconn: invalid --node-id \"%s\": expected 32 hex digits\n",
					optarg);
				return -1;
			}
			o->has_node_id = true;
			break;
		case 's':
			if (!strcmp(optarg, "aes")) {
				o->suite = M2MSEC_SUITE_AES256GCM;
			} else if (!strcmp(optarg, "chacha")) {
				o->suite = M2MSEC_SUITE_CHACHA20POLY1305;
			} else {
				fprintf(stderr, "m2msec_mkconn: invalid --suite \"%s\": expected aes or chacha\n",
					optarg);
				return -1;
			}
			break;
		case 'l':
			if (parse_long(optarg, 1, UINT32_MAX, &v)) {
				fprintf(stderr, "m2msec_mkconn: invalid --lifetime \"%s\": expected 1 to %u seconds\n",
					optarg, UINT32_MAX);
				return -1;
			}
			o->lifetime = v;
			break;
		case 'i':
		case 'r':
			if (parse_long(optarg, INT32_MIN, INT32_MAX, &v) || !v) {
				fprintf(stderr, "m2msec_mkconn: invalid --keyring-%c \"%s\": expected a key serial\n",
					c, optarg);
				return -1;
			}
			if (c == 'i')
				o->keyring_i = v;
			else
				o->keyring_r = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "m2msec_mkconn: unexpected argument \"%s\"\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

/* Finds or adds the keyring desc in the session keyring. */
static key_serial_t session_subring(const char *desc)
{
	key_serial_t id;

	id = keyctl_search(KEY_SPEC_SESSION_KEYRING, "keyring", desc, 0);
	if (id >= 0)
		return id;
	id = add_key("keyring", desc, NULL, 0, KEY_SPEC_SESSION_KEYRING);
	if (id < 0)
		fprintf(stderr, "m2msec_mkconn: adding keyring %s to the session keyring failed: %s\n",
			desc, strerror(errno));
	return id;
}

/* Fills in the default keyrings and checks that the two differ. */
static int resolve_keyrings(struct m2msec_mkconn_opts *o)
{
	key_serial_t ring_i, ring_r;

	if (!o->keyring_i)
		o->keyring_i = session_subring(KEYRING_I_DESC);
	if (!o->keyring_r)
		o->keyring_r = session_subring(KEYRING_R_DESC);
	if (o->keyring_i < 0 || o->keyring_r < 0)
		return -1;
	ring_i = keyctl_get_keyring_ID(o->keyring_i, 0);
	ring_r = keyctl_get_keyring_ID(o->keyring_r, 0);
	if (ring_i >= 0 && ring_i == ring_r) {
		fprintf(stderr, "m2msec_mkconn: --keyring-i and --keyring-r are both keyring %d, which can keep only one of the two keys: pass two keyrings\n",
			ring_i);
		return -1;
	}
	return 0;
}

/* Finds the node id's m2m_root key, or adds one with a random Kmr. */
static int ensure_kmr(const uint8_t *node_id)
{
	char hex[M2MSEC_HEX_ID_LEN + 1];
	uint8_t kmr[M2MSEC_KEY_LEN];
	key_serial_t id;

	m2msec_hex(node_id, M2MSEC_NODE_ID_LEN, hex);
	if (keyctl_search(KEY_SPEC_SESSION_KEYRING, M2MSEC_KEY_TYPE_ROOT, hex,
			  0) >= 0)
		return 0;
	m2msec_random(kmr, sizeof(kmr));
	id = m2msec_add_psk(KEY_SPEC_SESSION_KEYRING, M2MSEC_KEY_TYPE_ROOT, hex,
			    kmr);
	explicit_bzero(kmr, sizeof(kmr));
	if (id < 0) {
		fprintf(stderr, "m2msec_mkconn: adding the m2m_root key %s to the session keyring failed: %s\n",
			hex, strerror(-id));
		return -1;
	}
	return 0;
}

/* Both sides share this namespace, and the module finds the one Kmr. */
static int open_pair(struct m2msec_pair *p, const struct m2msec_mkconn_opts *o)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->gw.name = "initiator";
	p->nw.name = "responder";
	p->gw.other = &p->nw;
	p->nw.other = &p->gw;
	p->gw.keyring = o->keyring_i;
	p->nw.keyring = o->keyring_r;
	p->gw.fixed_keyrings = true;
	p->nw.fixed_keyrings = true;
	err = m2msec_nl_open(&p->gw.nl);
	if (!err)
		err = m2msec_nl_open(&p->nw.nl);
	if (err)
		fprintf(stderr, "m2msec_mkconn: opening the \"%s\" generic netlink family failed: %s (is m2msec.ko loaded?)\n",
			M2MSEC_GENL_NAME, strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	struct m2msec_mkconn_opts o = { .lifetime = 3600 };
	char hex[M2MSEC_HEX_ID_LEN + 1];
	key_serial_t serial_i, serial_r;
	struct m2msec_pair p;
	char why[512];
	int err;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (resolve_keyrings(&o))
		return 1;
	if (!o.has_node_id)
		m2msec_random(o.node_id, sizeof(o.node_id));
	if (ensure_kmr(o.node_id))
		return 1;
	err = open_pair(&p, &o);
	if (!err) {
		err = m2msec_conn_make(&p, o.node_id, o.suite, o.lifetime,
				       &serial_i, &serial_r, why, sizeof(why));
		if (err)
			fprintf(stderr, "m2msec_mkconn: %s\n", why);
	}
	m2msec_nl_close(&p.gw.nl);
	m2msec_nl_close(&p.nw.nl);
	if (err)
		return 1;
	m2msec_hex(o.node_id, M2MSEC_NODE_ID_LEN, hex);
	printf("%d %d %s\n", serial_i, serial_r, hex);
	return 0;
}

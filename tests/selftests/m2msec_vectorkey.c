// SPDX-License-Identifier: GPL-2.0
/*
 * m2msec_vectorkey: a helper of the VM tests, not a test. It requests an
 * m2m_conn key that holds the Kmc of a connect handshake of the test
 * vectors, as the given role made it, and prints the new key's serial. Only
 * a module built with test hooks (make module-test) has the command
 * M2MSEC_CMD_TEST_VECTOR_KEY, and with any other module the helper prints
 * the kernel's error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "m2msec_nl.h"
#include "m2msec_test.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: m2msec_vectorkey NAME initiator|responder [--keyring SERIAL]\n"
		"Creates the m2m_conn key of the connect test vector NAME as that role\n"
		"made it, in keyring SERIAL (default: the session keyring), and prints\n"
		"its serial. Needs the module built by make module-test.\n");
}

static int parse_args(int argc, char **argv, const char **name, uint8_t *role,
		      key_serial_t *keyring)
{
	static const struct option longopts[] = {
		{ "keyring", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			errno = 0;
			v = strtol(optarg, &end, 0);
			if (errno || end == optarg || *end || v < INT32_MIN ||
			    v > INT32_MAX) {
				fprintf(stderr, "m2msec_vectorkey: invalid --keyring \"%s\": expected a key serial\n",
					optarg);
				return -1;
			}
			*keyring = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return -1;
	}
	*name = argv[optind];
	if (!strcmp(argv[optind + 1], "initiator")) {
		*role = M2MSEC_ROLE_INITIATOR;
	} else if (!strcmp(argv[optind + 1], "responder")) {
		*role = M2MSEC_ROLE_RESPONDER;
	} else {
		fprintf(stderr, "m2msec_vectorkey: invalid role \"%s\": expected initiator or responder\n",
			argv[optind + 1]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	key_serial_t keyring = KEY_SPEC_SESSION_KEYRING;
	struct m2msec_reply r = { 0 };
	struct m2msec_nl nl;
	struct nl_msg *msg;
	const char *name;
	uint8_t role;
	int err;

	if (parse_args(argc, argv, &name, &role, &keyring))
		return 2;
	err = m2msec_nl_open(&nl);
	if (err) {
		fprintf(stderr, "m2msec_vectorkey: opening the \"%s\" generic netlink family failed: %s (is m2msec.ko loaded?)\n",
			M2MSEC_GENL_NAME, strerror(-err));
		return 1;
	}
	msg = m2msec_nl_request(&nl, M2MSEC_CMD_TEST_VECTOR_KEY, 0);
	if (msg) {
		nla_put(msg, M2MSEC_A_ID, strlen(name), name);
		nla_put_u8(msg, M2MSEC_A_ROLE, role);
		nla_put_s32(msg, M2MSEC_A_KEYRING, keyring);
	}
	err = m2msec_nl_transact(&nl, msg, &r);
	m2msec_nl_close(&nl);
	if (!err && !m2msec_reply_has(&r, M2MSEC_A_KEY_SERIAL)) {
		fprintf(stderr, "m2msec_vectorkey: the reply has no KEY_SERIAL\n");
		err = -EBADMSG;
	} else if (err) {
		fprintf(stderr, "m2msec_vectorkey: TEST_VECTOR_KEY %s as %s failed: %s%s%s\n",
			name, argv[optind + 1], strerror(-err),
			r.extack[0] ? ", " : "", r.extack);
	} else {
		printf("%d\n", (key_serial_t)m2msec_reply_u32(&r,
						M2MSEC_A_KEY_SERIAL));
	}
	m2msec_reply_free(&r);
	return err ? 1 : 0;
}

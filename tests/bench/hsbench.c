// SPDX-License-Identifier: GPL-2.0
/*
 * hsbench: the rate of full local handshakes through the m2msec generic
 * netlink family, for scripts/bench. Both roles run in this process, each
 * with its own socket (in its own network namespace) and keyring, as in
 * the selftests. One handshake is the four requests HS_INIT, HS_RESPOND,
 * HS_COMPLETE and HS_FINISH plus the keyring switches between the sides.
 * The keys it makes are unlinked again, so the keyrings stay small.
 *
 * Usage: hsbench [-n COUNT] [bootstrap|connect]...
 * Prints one line per mode: "<mode> <count> handshakes <seconds> s
 * <rate>/s".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "m2msec_test.h"

#define HSBENCH_DEFAULT_COUNT	200

static double hsbench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Unlink the keys that one handshake linked into both sides' keyrings. */
static void hsbench_unlink_keys(struct m2msec_pair *p, struct m2msec_hs *hs)
{
	if (m2msec_reply_has(&hs->fin, M2MSEC_A_KEY_SERIAL))
		keyctl_unlink(m2msec_reply_u32(&hs->fin, M2MSEC_A_KEY_SERIAL),
			      p->gw.keyring);
	if (m2msec_reply_has(&hs->done, M2MSEC_A_KEY_SERIAL))
		keyctl_unlink(m2msec_reply_u32(&hs->done, M2MSEC_A_KEY_SERIAL),
			      p->nw.keyring);
}

/* Add the same random PSK of type and description to both sides. */
static int hsbench_add_psk(struct m2msec_pair *p, const char *type,
			   const char *desc)
{
	uint8_t psk[M2MSEC_KEY_LEN];
	key_serial_t gw, nw;

	m2msec_random(psk, sizeof(psk));
	gw = m2msec_add_psk(p->gw.keyring, type, desc, psk);
	nw = m2msec_add_psk(p->nw.keyring, type, desc, psk);
	explicit_bzero(psk, sizeof(psk));
	if (gw < 0 || nw < 0) {
		fprintf(stderr, "hsbench: adding the %s key \"%s\" failed: %s\n",
			type, desc, strerror(-(gw < 0 ? gw : nw)));
		return -1;
	}
	return 0;
}

/* Run count handshakes of mode and print the rate; 0 or -1. */
static int hsbench_run(struct m2msec_pair *p, uint8_t mode, long count)
{
	const char *name = mode == M2MSEC_MODE_BOOTSTRAP ? "bootstrap" : "connect";
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	char hex[M2MSEC_HEX_ID_LEN + 1];
	char boot_id[32];
	struct m2msec_boot_fields bf;
	struct m2msec_conn_fields cf;
	double start, seconds;
	long i;
	int err;

	snprintf(boot_id, sizeof(boot_id), "hsbench-%d", getpid());
	m2msec_random(node_id, sizeof(node_id));
	m2msec_hex(node_id, sizeof(node_id), hex);
	if (mode == M2MSEC_MODE_BOOTSTRAP)
		err = hsbench_add_psk(p, M2MSEC_KEY_TYPE_BOOT, boot_id);
	else
		err = hsbench_add_psk(p, M2MSEC_KEY_TYPE_ROOT, hex);
	if (err)
		return -1;

	start = hsbench_now();
	for (i = 0; i < count; i++) {
		struct m2msec_hs hs = { 0 };

		if (mode == M2MSEC_MODE_BOOTSTRAP) {
			m2msec_boot_fields_fill(&bf);
			err = m2msec_hs_run_boot(p, boot_id, &bf, &hs);
		} else {
			m2msec_conn_fields_fill(&cf);
			err = m2msec_hs_run_conn(p, node_id, M2MSEC_SUITES_ALL,
						 &cf, &hs);
		}
		if (err) {
			fprintf(stderr,
				"hsbench: %s handshake %ld failed at %s: %s\n",
				name, i + 1, hs.failed_step, strerror(-err));
			m2msec_hs_free(&hs);
			return -1;
		}
		hsbench_unlink_keys(p, &hs);
		m2msec_hs_free(&hs);
	}
	seconds = hsbench_now() - start;
	printf("%s %ld handshakes %.3f s %.1f/s\n", name, count, seconds,
	       count / seconds);
	return 0;
}

static void hsbench_usage(FILE *out)
{
	fprintf(out,
		"usage: hsbench [-n COUNT] [bootstrap|connect]...\n"
		"Runs COUNT (default %d) full local handshakes of each mode named\n"
		"(default: both) and prints the rate per second.\n",
		HSBENCH_DEFAULT_COUNT);
}

int main(int argc, char **argv)
{
	long count = HSBENCH_DEFAULT_COUNT;
	uint8_t modes[2];
	int n_modes = 0, opt, i, err = 0;
	struct m2msec_pair p;
	char why[256] = "";
	char *end;

	while ((opt = getopt(argc, argv, "n:h")) != -1) {
		switch (opt) {
		case 'n':
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || *end || count < 1) {
				fprintf(stderr, "hsbench: invalid -n \"%s\": expected a count of at least 1\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			hsbench_usage(stdout);
			return 0;
		default:
			hsbench_usage(stderr);
			return 2;
		}
	}
	for (i = optind; i < argc && n_modes < 2; i++) {
		if (!strcmp(argv[i], "bootstrap")) {
			modes[n_modes++] = M2MSEC_MODE_BOOTSTRAP;
		} else if (!strcmp(argv[i], "connect")) {
			modes[n_modes++] = M2MSEC_MODE_CONNECT;
		} else {
			fprintf(stderr, "hsbench: unknown mode \"%s\": expected bootstrap or connect\n",
				argv[i]);
			return 2;
		}
	}
	if (!n_modes) {
		modes[n_modes++] = M2MSEC_MODE_BOOTSTRAP;
		modes[n_modes++] = M2MSEC_MODE_CONNECT;
	}

	err = m2msec_pair_setup(&p, M2MSEC_PAIR_NEW_SESSION |
				M2MSEC_PAIR_OWN_NETNS, why, sizeof(why));
	if (err) {
		fprintf(stderr, "hsbench: %s\n", why);
		m2msec_pair_teardown(&p);
		return 1;
	}
	for (i = 0; i < n_modes && !err; i++)
		err = hsbench_run(&p, modes[i], count);
	m2msec_pair_teardown(&p);
	return err ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the vector messages into a seed corpus for msg_fuzz: one file
 * per message, prefixed with the suites byte that msg_fuzz expects.
 */
#include <stdio.h>

#include "msg.h"
#include "selftest_vectors.h"

static int write_seed(const char *dir, const char *name, const char *kind,
		      u8 offered, const u8 *msg, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s-%s", dir, name, kind);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return 1;
	}
	fputc(offered, f);
	fwrite(msg, 1, len, f);
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	int err = 0;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < M2MSEC_TV_HANDSHAKES_COUNT; i++) {
		const struct m2msec_tv_handshake *tv = &m2msec_tv_handshakes[i];

		err |= write_seed(argv[1], tv->name, "init", tv->suites,
				  tv->msg_init, tv->msg_init_len);
		err |= write_seed(argv[1], tv->name, "resp", tv->suites,
				  tv->msg_resp, tv->msg_resp_len);
		err |= write_seed(argv[1], tv->name, "finish", tv->suites,
				  tv->msg_finish, tv->msg_finish_len);
	}
	return err;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Support code of the m2msec selftests: both sides of a handshake in one
 * process, their keyrings, the handshake steps as netlink requests, and
 * readers of /proc/keys and the module parameters.
 *
 * The gateway and the network side each have a socket in a network
 * namespace of their own (so each has its own half-open table) and a
 * keyring of their own. The module looks up a PSK in the caller's thread,
 * process and session keyrings, so before each step the acting side's
 * keyring is linked into the session keyring and the other side's keyring
 * is unlinked from it. A step thus finds only its own side's keys. Both
 * keyrings stay anchored in the user keyring, which a search does not
 * reach while a session keyring exists.
 */
#ifndef M2MSEC_TEST_H
#define M2MSEC_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <keyutils.h>

#include "m2msec_nl.h"

#define M2MSEC_HEX_ID_LEN	(2 * M2MSEC_NODE_ID_LEN)

struct m2msec_side {
	const char *name;		/* "gateway" or "network" */
	struct m2msec_nl nl;
	key_serial_t keyring;
	struct m2msec_side *other;
	/*
	 * The caller arranged which keys the module finds: the steps send
	 * KEYRING but link and unlink no keyring.
	 */
	bool fixed_keyrings;
};

struct m2msec_pair {
	struct m2msec_side gw;
	struct m2msec_side nw;
	bool own_netns;			/* each side has its own netns */
};

/* RESP fields of a bootstrap handshake, as given to HS_RESPOND. */
struct m2msec_boot_fields {
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	uint32_t kmr_index;
	uint32_t lifetime;
	char mas_fqdn[64];
	char scl_id[64];
};

/* RESP fields of a connect handshake, as given to HS_RESPOND. */
struct m2msec_conn_fields {
	uint64_t conn_id;
	uint32_t kmc_index;
	uint32_t lifetime;
	uint16_t mid_flags;
	char nscl_id[64];
	uint8_t suites;			/* responder's SUITES, 0 = leave out */
};

/* The four replies of one handshake, one per step. */
struct m2msec_hs {
	struct m2msec_reply init;	/* HS_INIT, on the gateway */
	struct m2msec_reply resp;	/* HS_RESPOND, on the network */
	struct m2msec_reply fin;	/* HS_COMPLETE, on the gateway */
	struct m2msec_reply done;	/* HS_FINISH, on the network */
	const char *failed_step;	/* name of the step that failed */
};

#define M2MSEC_PAIR_NEW_SESSION	0x1
#define M2MSEC_PAIR_OWN_NETNS	0x2

int m2msec_pair_setup(struct m2msec_pair *p, unsigned int flags, char *why,
		      size_t size);
void m2msec_pair_teardown(struct m2msec_pair *p);
int m2msec_side_enter(struct m2msec_side *s);
int m2msec_pair_enter_both(struct m2msec_pair *p);

/* Handshake steps. Each links its own side's keyring first. */
int m2msec_hs_init(struct m2msec_side *gw, uint8_t mode, const void *id,
		   size_t id_len, uint8_t suites, struct m2msec_reply *r);
int m2msec_hs_respond_boot(struct m2msec_side *nw, const void *init,
			   size_t init_len, const struct m2msec_boot_fields *f,
			   struct m2msec_reply *r);
int m2msec_hs_respond_conn(struct m2msec_side *nw, const void *init,
			   size_t init_len, const struct m2msec_conn_fields *f,
			   struct m2msec_reply *r);
int m2msec_hs_complete(struct m2msec_side *gw, uint32_t index,
		       const void *resp, size_t resp_len,
		       struct m2msec_reply *r);
int m2msec_hs_finish(struct m2msec_side *nw, const void *finish,
		     size_t finish_len, struct m2msec_reply *r);
int m2msec_hs_dump(struct m2msec_side *s, struct m2msec_dump *d);
int m2msec_kma_derive(struct m2msec_side *s, const uint8_t *key_id,
		      const char *app_id, uid_t uid, struct m2msec_reply *r);

int m2msec_hs_run_boot(struct m2msec_pair *p, const char *boot_id,
		       const struct m2msec_boot_fields *f,
		       struct m2msec_hs *hs);
int m2msec_hs_run_conn(struct m2msec_pair *p, const uint8_t *node_id,
		       uint8_t init_suites, const struct m2msec_conn_fields *f,
		       struct m2msec_hs *hs);
void m2msec_hs_free(struct m2msec_hs *hs);
int m2msec_conn_make(struct m2msec_pair *p, const uint8_t *node_id,
		     uint8_t suite, uint32_t lifetime,
		     key_serial_t *initiator, key_serial_t *responder,
		     char *why, size_t size);

const uint8_t *m2msec_msg(const struct m2msec_reply *r, size_t *len);
const struct m2msec_reply *m2msec_dump_find(const struct m2msec_dump *d,
					    uint32_t index);

void m2msec_boot_fields_fill(struct m2msec_boot_fields *f);
void m2msec_conn_fields_fill(struct m2msec_conn_fields *f);

void m2msec_random(void *buf, size_t len);
void m2msec_hex(const uint8_t *data, size_t len, char *out);
uint32_t m2msec_get_be32(const uint8_t *p);

key_serial_t m2msec_add_psk(key_serial_t keyring, const char *type,
			    const char *desc, const uint8_t *psk);
int m2msec_keyring_count(key_serial_t keyring, const char *type,
			 const char *desc, key_serial_t *found);
bool m2msec_proc_keys_line(key_serial_t serial, char *buf, size_t size);
long m2msec_key_timeout(key_serial_t serial);
ssize_t m2msec_read_key_as(key_serial_t serial, uid_t uid, void *buf,
			   size_t size);

int m2msec_param_read(const char *name, long *value);
int m2msec_param_write(const char *name, long value);
int m2msec_drop_net_admin(void);
int m2msec_become_net_admin_user(uid_t uid);

#endif /* M2MSEC_TEST_H */

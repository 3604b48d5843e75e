// SPDX-License-Identifier: GPL-2.0
/* Support code of the m2msec selftests (see m2msec_test.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <netlink/attr.h>

#include "m2msec_test.h"

#define M2MSEC_PARAM_DIR	"/sys/module/m2msec/parameters/"

static key_serial_t m2msec_side_keyring(const char *name)
{
	char desc[64];
	key_serial_t id;

	snprintf(desc, sizeof(desc), "m2msec-%s-%d", name, getpid());
	/* Made in the session keyring, so that it is possessed for setperm. */
	id = add_key("keyring", desc, NULL, 0, KEY_SPEC_SESSION_KEYRING);
	if (id < 0)
		return -errno;
	/*
	 * User permissions let the tests read, clear and write the keyring
	 * while it is not linked into the session keyring.
	 */
	if (keyctl_setperm(id, KEY_POS_ALL | KEY_USR_ALL) < 0 ||
	    keyctl_link(id, KEY_SPEC_USER_KEYRING) < 0)
		return -errno;
	return id;
}

/*
 * Open the side's socket in a new network namespace, or in the original
 * one when the family is not visible in a new namespace.
 */
static int m2msec_side_open(struct m2msec_side *s, int orig_netns,
			    bool *own_netns)
{
	int err;

	if (*own_netns && unshare(CLONE_NEWNET) == 0) {
		err = m2msec_nl_open(&s->nl);
		if (err != -ENOENT)
			return err;
		if (setns(orig_netns, CLONE_NEWNET) < 0)
			return -errno;
	}
	*own_netns = false;
	return m2msec_nl_open(&s->nl);
}

/**
 * m2msec_pair_setup() - make the gateway and the network side of a test
 * @p: the pair to fill
 * @flags: M2MSEC_PAIR_NEW_SESSION to join a new anonymous session keyring
 *	   first, so that no key of an earlier test is found;
 *	   M2MSEC_PAIR_OWN_NETNS to open each side's socket in a new network
 *	   namespace (when the family is visible there)
 * @why: buffer for a message saying what failed
 * @size: size of @why
 *
 * Return: 0 or a negative errno.
 */
int m2msec_pair_setup(struct m2msec_pair *p, unsigned int flags, char *why,
		      size_t size)
{
	int orig_netns, err;

	memset(p, 0, sizeof(*p));
	p->gw.name = "gateway";
	p->nw.name = "network";
	p->gw.other = &p->nw;
	p->nw.other = &p->gw;

	if ((flags & M2MSEC_PAIR_NEW_SESSION) &&
	    keyctl_join_session_keyring(NULL) < 0) {
		err = -errno;
		snprintf(why, size, "joining a new session keyring failed: %s",
			 strerror(errno));
		return err;
	}
	p->gw.keyring = m2msec_side_keyring(p->gw.name);
	p->nw.keyring = m2msec_side_keyring(p->nw.name);
	if (p->gw.keyring < 0 || p->nw.keyring < 0) {
		err = p->gw.keyring < 0 ? p->gw.keyring : p->nw.keyring;
		snprintf(why, size, "creating the side keyrings failed: %s",
			 strerror(-err));
		return err;
	}

	orig_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_netns < 0) {
		err = -errno;
		snprintf(why, size, "opening /proc/self/ns/net failed: %s",
			 strerror(errno));
		return err;
	}
	p->own_netns = flags & M2MSEC_PAIR_OWN_NETNS;
	err = m2msec_side_open(&p->gw, orig_netns, &p->own_netns);
	if (!err)
		err = m2msec_side_open(&p->nw, orig_netns, &p->own_netns);
	close(orig_netns);
	if (err)
		snprintf(why, size,
			 "opening the \"%s\" generic netlink family failed: %s (is m2msec.ko loaded?)",
			 M2MSEC_GENL_NAME, strerror(-err));
	return err;
}

void m2msec_pair_teardown(struct m2msec_pair *p)
{
	struct m2msec_side *sides[] = { &p->gw, &p->nw };
	size_t i;

	for (i = 0; i < 2; i++) {
		m2msec_nl_close(&sides[i]->nl);
		if (sides[i]->keyring <= 0)
			continue;
		keyctl_clear(sides[i]->keyring);
		keyctl_unlink(sides[i]->keyring, KEY_SPEC_SESSION_KEYRING);
		keyctl_unlink(sides[i]->keyring, KEY_SPEC_USER_KEYRING);
	}
}

/* Make s's keys, and only those, visible to the module's PSK lookup. */
int m2msec_side_enter(struct m2msec_side *s)
{
	if (keyctl_link(s->keyring, KEY_SPEC_SESSION_KEYRING) < 0)
		return -errno;
	if (keyctl_unlink(s->other->keyring, KEY_SPEC_SESSION_KEYRING) < 0 &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

/* Link both keyrings, so that every key of both sides is possessed. */
int m2msec_pair_enter_both(struct m2msec_pair *p)
{
	if (keyctl_link(p->gw.keyring, KEY_SPEC_SESSION_KEYRING) < 0 ||
	    keyctl_link(p->nw.keyring, KEY_SPEC_SESSION_KEYRING) < 0)
		return -errno;
	return 0;
}

static int m2msec_side_send(struct m2msec_side *s, struct nl_msg *msg,
			    struct m2msec_reply *r)
{
	int err = s->fixed_keyrings ? 0 : m2msec_side_enter(s);

	if (err) {
		nlmsg_free(msg);
		r->err = -err;
		snprintf(r->extack, sizeof(r->extack),
			 "linking the %s keyring failed", s->name);
		return err;
	}
	return m2msec_nl_transact(&s->nl, msg, r);
}

int m2msec_hs_init(struct m2msec_side *gw, uint8_t mode, const void *id,
		   size_t id_len, uint8_t suites, struct m2msec_reply *r)
{
	struct nl_msg *msg = m2msec_nl_request(&gw->nl, M2MSEC_CMD_HS_INIT, 0);

	if (!msg)
		return -ENOMEM;
	nla_put_u8(msg, M2MSEC_A_MODE, mode);
	nla_put(msg, M2MSEC_A_ID, id_len, id);
	if (suites)
		nla_put_u8(msg, M2MSEC_A_SUITES, suites);
	return m2msec_side_send(gw, msg, r);
}

int m2msec_hs_respond_boot(struct m2msec_side *nw, const void *init,
			   size_t init_len, const struct m2msec_boot_fields *f,
			   struct m2msec_reply *r)
{
	struct nl_msg *msg;

	msg = m2msec_nl_request(&nw->nl, M2MSEC_CMD_HS_RESPOND, 0);
	if (!msg)
		return -ENOMEM;
	nla_put(msg, M2MSEC_A_MSG, init_len, init);
	nla_put(msg, M2MSEC_A_NODE_ID, sizeof(f->node_id), f->node_id);
	nla_put_u32(msg, M2MSEC_A_KEY_INDEX, f->kmr_index);
	nla_put_u32(msg, M2MSEC_A_LIFETIME, f->lifetime);
	nla_put_string(msg, M2MSEC_A_MAS_FQDN, f->mas_fqdn);
	nla_put_string(msg, M2MSEC_A_SCL_ID, f->scl_id);
	return m2msec_side_send(nw, msg, r);
}

int m2msec_hs_respond_conn(struct m2msec_side *nw, const void *init,
			   size_t init_len, const struct m2msec_conn_fields *f,
			   struct m2msec_reply *r)
{
	struct nl_msg *msg;

	msg = m2msec_nl_request(&nw->nl, M2MSEC_CMD_HS_RESPOND, 0);
	if (!msg)
		return -ENOMEM;
	nla_put(msg, M2MSEC_A_MSG, init_len, init);
	nla_put_u64(msg, M2MSEC_A_CONN_ID, f->conn_id);
	nla_put_u32(msg, M2MSEC_A_KEY_INDEX, f->kmc_index);
	nla_put_u32(msg, M2MSEC_A_LIFETIME, f->lifetime);
	nla_put_u16(msg, M2MSEC_A_MID_FLAGS, f->mid_flags);
	nla_put_string(msg, M2MSEC_A_NSCL_ID, f->nscl_id);
	if (f->suites)
		nla_put_u8(msg, M2MSEC_A_SUITES, f->suites);
	return m2msec_side_send(nw, msg, r);
}

int m2msec_hs_complete(struct m2msec_side *gw, uint32_t index,
		       const void *resp, size_t resp_len,
		       struct m2msec_reply *r)
{
	struct nl_msg *msg;

	msg = m2msec_nl_request(&gw->nl, M2MSEC_CMD_HS_COMPLETE, 0);
	if (!msg)
		return -ENOMEM;
	nla_put_u32(msg, M2MSEC_A_INDEX, index);
	nla_put(msg, M2MSEC_A_MSG, resp_len, resp);
	nla_put_s32(msg, M2MSEC_A_KEYRING, gw->keyring);
	return m2msec_side_send(gw, msg, r);
}

int m2msec_hs_finish(struct m2msec_side *nw, const void *finish,
		     size_t finish_len, struct m2msec_reply *r)
{
	struct nl_msg *msg;

	msg = m2msec_nl_request(&nw->nl, M2MSEC_CMD_HS_FINISH, 0);
	if (!msg)
		return -ENOMEM;
	nla_put(msg, M2MSEC_A_MSG, finish_len, finish);
	nla_put_s32(msg, M2MSEC_A_KEYRING, nw->keyring);
	return m2msec_side_send(nw, msg, r);
}

int m2msec_hs_dump(struct m2msec_side *s, struct m2msec_dump *d)
{
	struct nl_msg *msg;

	msg = m2msec_nl_request(&s->nl, M2MSEC_CMD_HS_GET, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	return m2msec_nl_dump(&s->nl, msg, d);
}

int m2msec_kma_derive(struct m2msec_side *s, const uint8_t *key_id,
		      const char *app_id, uid_t uid, struct m2msec_reply *r)
{
	struct nl_msg *msg;

	msg = m2msec_nl_request(&s->nl, M2MSEC_CMD_KMA_DERIVE, 0);
	if (!msg)
		return -ENOMEM;
	nla_put(msg, M2MSEC_A_KEY_ID, M2MSEC_KEY_ID_LEN, key_id);
	nla_put_string(msg, M2MSEC_A_APP_ID, app_id);
	nla_put_s32(msg, M2MSEC_A_KEYRING, s->keyring);
	nla_put_u32(msg, M2MSEC_A_UID, uid);
	return m2msec_side_send(s, msg, r);
}

/* Return the MSG attribute of a reply, or NULL. */
const uint8_t *m2msec_msg(const struct m2msec_reply *r, size_t *len)
{
	return m2msec_reply_data(r, M2MSEC_A_MSG, len);
}

/* Run HS_COMPLETE and HS_FINISH of a handshake whose RESP is in hs. */
static int m2msec_hs_run_end(struct m2msec_pair *p, struct m2msec_hs *hs)
{
	const uint8_t *msg;
	size_t len;
	int err;

	msg = m2msec_msg(&hs->resp, &len);
	if (!msg) {
		hs->failed_step = "HS_RESPOND reply without MSG";
		return -EBADMSG;
	}
	err = m2msec_hs_complete(&p->gw,
				 m2msec_reply_u32(&hs->init, M2MSEC_A_INDEX),
				 msg, len, &hs->fin);
	if (err) {
		hs->failed_step = "HS_COMPLETE";
		return err;
	}
	msg = m2msec_msg(&hs->fin, &len);
	if (!msg) {
		hs->failed_step = "HS_COMPLETE reply without MSG";
		return -EBADMSG;
	}
	err = m2msec_hs_finish(&p->nw, msg, len, &hs->done);
	if (err)
		hs->failed_step = "HS_FINISH";
	return err;
}

/**
 * m2msec_hs_run_boot() - run a whole bootstrap handshake
 * @p: the sides; each needs an m2m_boot key described by @boot_id
 * @boot_id: the bootstrap id
 * @f: the RESP fields the network side assigns
 * @hs: zeroed replies to fill
 *
 * Return: 0, or the negative errno of the step named in @hs->failed_step.
 */
int m2msec_hs_run_boot(struct m2msec_pair *p, const char *boot_id,
		       const struct m2msec_boot_fields *f,
		       struct m2msec_hs *hs)
{
	const uint8_t *init;
	size_t len;
	int err;

	err = m2msec_hs_init(&p->gw, M2MSEC_MODE_BOOTSTRAP, boot_id,
			     strlen(boot_id), 0, &hs->init);
	if (err) {
		hs->failed_step = "HS_INIT";
		return err;
	}
	init = m2msec_msg(&hs->init, &len);
	if (!init) {
		hs->failed_step = "HS_INIT reply without MSG";
		return -EBADMSG;
	}
	err = m2msec_hs_respond_boot(&p->nw, init, len, f, &hs->resp);
	if (err) {
		hs->failed_step = "HS_RESPOND";
		return err;
	}
	return m2msec_hs_run_end(p, hs);
}

/**
 * m2msec_hs_run_conn() - run a whole connect handshake
 * @p: the sides; each needs an m2m_root key described by the hex node id
 * @node_id: the gateway's M2M-Node-ID
 * @init_suites: SUITES of HS_INIT, 0 to leave it out
 * @f: the RESP fields the network side assigns
 * @hs: zeroed replies to fill
 *
 * Return: 0, or the negative errno of the step named in @hs->failed_step.
 */
int m2msec_hs_run_conn(struct m2msec_pair *p, const uint8_t *node_id,
		       uint8_t init_suites, const struct m2msec_conn_fields *f,
		       struct m2msec_hs *hs)
{
	const uint8_t *init;
	size_t len;
	int err;

	err = m2msec_hs_init(&p->gw, M2MSEC_MODE_CONNECT, node_id,
			     M2MSEC_NODE_ID_LEN, init_suites, &hs->init);
	if (err) {
		hs->failed_step = "HS_INIT";
		return err;
	}
	init = m2msec_msg(&hs->init, &len);
	if (!init) {
		hs->failed_step = "HS_INIT reply without MSG";
		return -EBADMSG;
	}
	err = m2msec_hs_respond_conn(&p->nw, init, len, f, &hs->resp);
	if (err) {
		hs->failed_step = "HS_RESPOND";
		return err;
	}
	return m2msec_hs_run_end(p, hs);
}

void m2msec_hs_free(struct m2msec_hs *hs)
{
	m2msec_reply_free(&hs->init);
	m2msec_reply_free(&hs->resp);
	m2msec_reply_free(&hs->fin);
	m2msec_reply_free(&hs->done);
}

/**
 * m2msec_conn_make() - run a connect handshake and return both m2m_conn keys
 * @p: the sides; the module must find an m2m_root key for @node_id from
 *     each side
 * @node_id: the gateway's M2M-Node-ID
 * @suite: the one suite both sides offer, 0 for both suites
 * @lifetime: lifetime of the Kmc in seconds, nonzero
 * @initiator: set to the serial of the gateway's (initiator's) key
 * @responder: set to the serial of the network's (responder's) key
 * @why: buffer for a message naming the failed step, its errno and extack
 * @size: size of @why
 *
 * Return: 0 or the negative errno of the failed step.
 */
int m2msec_conn_make(struct m2msec_pair *p, const uint8_t *node_id,
		     uint8_t suite, uint32_t lifetime,
		     key_serial_t *initiator, key_serial_t *responder,
		     char *why, size_t size)
{
	const struct m2msec_reply *failed = NULL;
	struct m2msec_conn_fields cf;
	struct m2msec_hs hs = { 0 };
	uint8_t suites = suite ? M2MSEC_SUITE_MASK(suite) : 0;
	int err;

	m2msec_conn_fields_fill(&cf);
	cf.lifetime = lifetime;
	cf.suites = suites;
	err = m2msec_hs_run_conn(p, node_id, suites, &cf, &hs);
	if (!err && (!m2msec_reply_has(&hs.fin, M2MSEC_A_KEY_SERIAL) ||
		     !m2msec_reply_has(&hs.done, M2MSEC_A_KEY_SERIAL))) {
		hs.failed_step = "reading KEY_SERIAL of both replies";
		err = -EBADMSG;
	}
	if (err) {
		if (hs.done.err)
			failed = &hs.done;
		else if (hs.fin.err)
			failed = &hs.fin;
		else if (hs.resp.err)
			failed = &hs.resp;
		else if (hs.init.err)
			failed = &hs.init;
		snprintf(why, size, "%s failed: %s%s%s", hs.failed_step,
			 strerror(-err), failed ? ", " : "",
			 failed ? failed->extack : "");
	} else {
		*initiator = (key_serial_t)m2msec_reply_u32(&hs.fin,
							    M2MSEC_A_KEY_SERIAL);
		*responder = (key_serial_t)m2msec_reply_u32(&hs.done,
							    M2MSEC_A_KEY_SERIAL);
	}
	m2msec_hs_free(&hs);
	return err;
}

/* Return the dump entry whose INDEX is index, or NULL. */
const struct m2msec_reply *m2msec_dump_find(const struct m2msec_dump *d,
					    uint32_t index)
{
	int i;

	for (i = 0; i < d->count; i++)
		if (m2msec_reply_has(&d->entries[i], M2MSEC_A_INDEX) &&
		    m2msec_reply_u32(&d->entries[i], M2MSEC_A_INDEX) == index)
			return &d->entries[i];
	return NULL;
}

/* Random nonzero value, as a handshake index or key index must be. */
static uint32_t m2msec_random_u32(void)
{
	uint32_t v;

	do
		m2msec_random(&v, sizeof(v));
	while (!v);
	return v;
}

void m2msec_boot_fields_fill(struct m2msec_boot_fields *f)
{
	memset(f, 0, sizeof(*f));
	m2msec_random(f->node_id, sizeof(f->node_id));
	f->kmr_index = m2msec_random_u32();
	f->lifetime = 0;
	snprintf(f->mas_fqdn, sizeof(f->mas_fqdn), "mas.m2m.example.net");
	snprintf(f->scl_id, sizeof(f->scl_id), "gscl-%08x",
		 m2msec_random_u32());
}

void m2msec_conn_fields_fill(struct m2msec_conn_fields *f)
{
	memset(f, 0, sizeof(*f));
	m2msec_random(&f->conn_id, sizeof(f->conn_id));
	f->kmc_index = m2msec_random_u32();
	f->lifetime = 50;
	f->mid_flags = M2MSEC_MID_PROTECT;
	snprintf(f->nscl_id, sizeof(f->nscl_id), "nscl.m2m.example.net");
}

void m2msec_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("getrandom");
			abort();
		}
		p += n;
		len -= n;
	}
}

/* Write 2 * len lowercase hex digits and a NUL to out. */
void m2msec_hex(const uint8_t *data, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", data[i]);
	out[2 * len] = '\0';
}

uint32_t m2msec_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Add a 32-byte PSK key of type m2m_boot or m2m_root to keyring. */
key_serial_t m2msec_add_psk(key_serial_t keyring, const char *type,
			    const char *desc, const uint8_t *psk)
{
	key_serial_t id = add_key(type, desc, psk, M2MSEC_KEY_LEN, keyring);

	return id < 0 ? -errno : id;
}

/*
 * Split "type;uid;gid;perm;description" as keyctl_describe returns it.
 * Returns false when the string has fewer fields.
 */
static bool m2msec_split_describe(char *d, char **type, char **desc)
{
	char *p = d;
	int i;

	*type = d;
	for (i = 0; i < 4; i++) {
		p = strchr(p, ';');
		if (!p)
			return false;
		*p++ = '\0';
	}
	*desc = p;
	return true;
}

/*
 * An m2m_conn description starts with the key id, and the node id, index
 * and expiry follow after a space. A search by the key id alone finds it.
 */
static bool m2msec_desc_matches(const char *kdesc, const char *desc)
{
	size_t len = strlen(desc);

	return !strncmp(kdesc, desc, len) &&
	       (kdesc[len] == '\0' || kdesc[len] == ' ');
}

/**
 * m2msec_keyring_count() - count the keys linked into a keyring
 * @keyring: the keyring
 * @type: key type to count, or NULL for every key
 * @desc: description to count, or NULL for any
 * @found: set to the serial of the last key counted, if not NULL
 *
 * A key that cannot be described is counted only when @type is NULL.
 *
 * Return: the number of keys, or a negative errno.
 */
int m2msec_keyring_count(key_serial_t keyring, const char *type,
			 const char *desc, key_serial_t *found)
{
	key_serial_t *ids;
	char *d, *ktype, *kdesc;
	void *buf = NULL;
	int n, i, count = 0;

	n = keyctl_read_alloc(keyring, &buf);
	if (n < 0)
		return -errno;
	ids = buf;
	for (i = 0; i < n / (int)sizeof(*ids); i++) {
		if (!type) {
			count++;
			if (found)
				*found = ids[i];
			continue;
		}
		if (keyctl_describe_alloc(ids[i], &d) < 0)
			continue;
		if (m2msec_split_describe(d, &ktype, &kdesc) &&
		    !strcmp(ktype, type) &&
		    (!desc || m2msec_desc_matches(kdesc, desc))) {
			count++;
			if (found)
				*found = ids[i];
		}
		free(d);
	}
	free(buf);
	return count;
}

/* Copy the /proc/keys line of a key, without its newline, into buf. */
bool m2msec_proc_keys_line(key_serial_t serial, char *buf, size_t size)
{
	char line[1024];
	unsigned int id;
	bool found = false;
	FILE *f;

	f = fopen("/proc/keys", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%x", &id) != 1 || id != (unsigned int)serial)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, size, "%s", line);
		found = true;
	}
	fclose(f);
	return found;
}

/**
 * m2msec_key_timeout() - time left before a key expires, from /proc/keys
 * @serial: the key
 *
 * /proc/keys rounds down to the largest unit (s, m, h, d, w), so only a
 * key with less than a minute left is exact to the second.
 *
 * Return: seconds left, -1 for a key without expiry, -2 when the key is
 * not listed or the field cannot be parsed, 0 for an expired key.
 */
long m2msec_key_timeout(key_serial_t serial)
{
	static const struct {
		char unit;
		long seconds;
	} units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 604800 },
	};
	char line[1024], field[16], unit;
	unsigned long value;
	size_t i;

	if (!m2msec_proc_keys_line(serial, line, sizeof(line)))
		return -2;
	if (sscanf(line, "%*x %*s %*d %15s", field) != 1)
		return -2;
	if (!strcmp(field, "perm"))
		return -1;
	if (!strcmp(field, "expd"))
		return 0;
	if (sscanf(field, "%lu%c", &value, &unit) != 2)
		return -2;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (units[i].unit == unit)
			return (long)value * units[i].seconds;
	return -2;
}

/* Child of m2msec_read_key_as(): read the key and write the result. */
static void m2msec_read_key_child(int fd, key_serial_t serial, uid_t uid,
				  size_t size)
{
	char buf[512];
	long n;

	if (size > sizeof(buf))
		size = sizeof(buf);
	if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		n = -errno;
	} else if (keyctl_join_session_keyring(NULL) < 0) {
		n = -errno;
	} else {
		n = keyctl_read(serial, buf, size);
		if (n < 0)
			n = -errno;
	}
	if (write(fd, &n, sizeof(n)) != sizeof(n))
		_exit(1);
	if (n > 0 && write(fd, buf, n > (long)size ? size : (size_t)n) < 0)
		_exit(1);
	_exit(0);
}

/**
 * m2msec_read_key_as() - read a key's payload as another user
 * @serial: the key
 * @uid: the user (its gid is taken to be the same number)
 * @buf: buffer for the payload
 * @size: size of @buf, at most 512
 *
 * A child process switches to @uid and joins a new session keyring, so it
 * does not possess the key and only the key's user (or other) permissions
 * apply.
 *
 * Return: the payload length, or a negative errno of keyctl_read().
 */
ssize_t m2msec_read_key_as(key_serial_t serial, uid_t uid, void *buf,
			   size_t size)
{
	int fds[2], status;
	ssize_t got;
	long n = -EIO;
	pid_t pid;

	if (pipe(fds) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		close(fds[0]);
		m2msec_read_key_child(fds[1], serial, uid, size);
	}
	close(fds[1]);
	if (read(fds[0], &n, sizeof(n)) != sizeof(n))
		n = -EIO;
	if (n > 0) {
		got = read(fds[0], buf, n > (long)size ? size : (size_t)n);
		if (got < 0)
			n = -EIO;
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	return n;
}

int m2msec_param_read(const char *name, long *value)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), M2MSEC_PARAM_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%ld", value) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

int m2msec_param_write(const char *name, long value)
{
	char path[128];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), M2MSEC_PARAM_DIR "%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", value) < 0)
		err = -EIO;
	if (fclose(f) != 0 && !err)
		err = -errno;
	return err;
}

/* Remove CAP_NET_ADMIN from the calling thread's capability sets. */
int m2msec_drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	unsigned int word = CAP_TO_INDEX(CAP_NET_ADMIN);
	unsigned int bit = CAP_TO_MASK(CAP_NET_ADMIN);

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	data[word].effective &= ~bit;
	data[word].permitted &= ~bit;
	data[word].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

/**
 * m2msec_become_net_admin_user() - switch to another user that keeps
 * CAP_NET_ADMIN only
 * @uid: the user (its gid is taken to be the same number)
 *
 * Meant for a forked child: it becomes @uid with CAP_NET_ADMIN as its only
 * capability and joins a new session keyring, so it possesses none of the
 * parent's keys.
 *
 * Return: 0 or a negative errno.
 */
int m2msec_become_net_admin_user(uid_t uid)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };
	unsigned int word = CAP_TO_INDEX(CAP_NET_ADMIN);

	data[word].effective = CAP_TO_MASK(CAP_NET_ADMIN);
	data[word].permitted = CAP_TO_MASK(CAP_NET_ADMIN);
	if (prctl(PR_SET_KEEPCAPS, 1) < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0 ||
	    syscall(SYS_capset, &hdr, data) < 0 ||
	    keyctl_join_session_keyring(NULL) < 0)
		return -errno;
	return 0;
}

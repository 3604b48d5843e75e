/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Packets in flight through the module's padata instance. Each DATA
 * message to seal or open gets one m2msec_packet, which carries the AEAD
 * request, its nonce and its scatterlist from the parallel step (any CPU)
 * to the serial step (in submission order, on the peer's callback CPU).
 */
#ifndef _M2MSEC_QUEUEING_H
#define _M2MSEC_QUEUEING_H

#include <crypto/aead.h>
#include <linux/ipv6.h>
#include <linux/padata.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/udp.h>

#include "data.h"
#include "peer.h"

struct m2msec_device;

/*
 * Packets per device and direction between submission and the end of
 * their serial step. More are dropped: padata itself has no limit, and
 * forwarded traffic has no socket buffer that would hold it back.
 */
#define M2MSEC_MAX_INFLIGHT	4096

/* Headroom that the device requests: link layer, IPv6, UDP and DATA header. */
#define M2MSEC_TX_HEADROOM	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + \
				 sizeof(struct udphdr) + M2MSEC_DATA_HDR_LEN)

struct m2msec_packet {
	struct padata_priv padata;
	struct sk_buff *skb;
	struct m2msec_device *md;
	struct m2msec_peer *peer;	/* counted */
	struct m2msec_keypair *kp;	/* counted */
	atomic_t *inflight;		/* md->tx_inflight or md->rx_inflight */
	u64 counter;
	unsigned int inner_len;		/* TX: plaintext bytes */
	int err;			/* result of the AEAD */
	union m2msec_endpoint from;	/* RX: outer source address */
	u8 nonce[M2MSEC_DATA_NONCE_LEN];
	struct scatterlist *sg;		/* after the request */
	struct aead_request *req;	/* after this struct */
};

int m2msec_queueing_init(void);
void m2msec_queueing_exit(void);

struct padata_shell *m2msec_padata_shell_alloc(void);
void m2msec_padata_shell_free(struct padata_shell *ps);

struct m2msec_packet *m2msec_packet_alloc(struct crypto_aead *tfm, int nsg);
void m2msec_packet_free(struct m2msec_packet *pkt);

int m2msec_packet_setup(struct m2msec_packet *pkt, struct crypto_aead *tfm,
			unsigned int cryptlen, int nsg);
int m2msec_packet_submit(struct padata_shell *ps, struct m2msec_packet *pkt,
			 atomic_t *inflight);
void m2msec_packet_encrypt(struct padata_priv *padata);
void m2msec_packet_decrypt(struct padata_priv *padata);
void m2msec_packet_wait_idle(atomic_t *inflight);

#endif /* _M2MSEC_QUEUEING_H */

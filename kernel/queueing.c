// SPDX-License-Identifier: GPL-2.0
/*
 * The padata instance that spreads sealing and opening over the CPUs, and
 * the per-packet state that an asynchronous AEAD needs: the request, the
 * nonce and the scatterlist stay on the heap until the AEAD completes.
 */
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/wait_bit.h>

#include "device.h"
#include "msg.h"
#include "queueing.h"

static struct padata_instance *m2msec_padata;

int m2msec_queueing_init(void)
{
	m2msec_padata = padata_alloc("m2msec");
	return m2msec_padata ? 0 : -ENOMEM;
}

void m2msec_queueing_exit(void)
{
	padata_free(m2msec_padata);
	m2msec_padata = NULL;
}

struct padata_shell *m2msec_padata_shell_alloc(void)
{
	return padata_alloc_shell(m2msec_padata);
}

void m2msec_padata_shell_free(struct padata_shell *ps)
{
	padata_free_shell(ps);
}

static size_t m2msec_packet_req_offset(void)
{
	return ALIGN(sizeof(struct m2msec_packet), CRYPTO_MINALIGN);
}

static size_t m2msec_packet_sg_offset(struct crypto_aead *tfm)
{
	return ALIGN(m2msec_packet_req_offset() + sizeof(struct aead_request) +
		     crypto_aead_reqsize(tfm), __alignof__(struct scatterlist));
}

/**
 * m2msec_packet_alloc - allocate the state of one packet in flight
 * @tfm: the AEAD that will seal or open it, which sizes the request
 * @nsg: scatterlist entries that the packet's skb needs
 *
 * One allocation contains the packet state, the AEAD request with its
 * context, and the scatterlist.
 *
 * Return: the zeroed packet state, or NULL.
 */
struct m2msec_packet *m2msec_packet_alloc(struct crypto_aead *tfm, int nsg)
{
	size_t sg_offset = m2msec_packet_sg_offset(tfm);
	struct m2msec_packet *pkt;

	pkt = kmalloc(sg_offset + nsg * sizeof(struct scatterlist),
		      GFP_ATOMIC);
	if (!pkt)
		return NULL;
	memset(pkt, 0, sizeof(*pkt));
	pkt->req = (void *)pkt + m2msec_packet_req_offset();
	pkt->sg = (void *)pkt + sg_offset;
	return pkt;
}

/*
 * Releases everything a packet holds and then its slot in the in-flight
 * count. The skb is dropped if the serial step did not pass it on.
 */
void m2msec_packet_free(struct m2msec_packet *pkt)
{
	atomic_t *inflight = pkt->inflight;

	kfree_skb(pkt->skb);
	if (pkt->kp)
		m2msec_keypair_put(pkt->kp);
	if (pkt->peer)
		m2msec_peer_put(pkt->peer);
	/* The request context of an AEAD may hold per-packet key material. */
	kfree_sensitive(pkt);
	if (inflight && atomic_dec_and_test(inflight))
		wake_up_var(inflight);
}

static void m2msec_packet_crypt_done(struct m2msec_packet *pkt, int err)
{
	/* A backlogged request reports that it started; the end follows. */
	if (err == -EINPROGRESS)
		return;
	pkt->err = err;
	/* Completions of asynchronous drivers may run with BHs enabled. */
	local_bh_disable();
	padata_do_serial(&pkt->padata);
	local_bh_enable();
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static void m2msec_packet_crypt_complete(void *data, int err)
{
	m2msec_packet_crypt_done(data, err);
}
#else
static void m2msec_packet_crypt_complete(struct crypto_async_request *areq,
					 int err)
{
	m2msec_packet_crypt_done(areq->data, err);
}
#endif

/**
 * m2msec_packet_setup - prepare the AEAD request of a packet
 * @pkt: the packet, with skb (header and counter first) and counter set
 * @tfm: the AEAD transform
 * @cryptlen: bytes after the header to encrypt (the plaintext), or to
 *	decrypt (ciphertext and tag)
 * @nsg: scatterlist entries allocated with the packet
 *
 * Return: 0, or the error of skb_to_sgvec().
 */
int m2msec_packet_setup(struct m2msec_packet *pkt, struct crypto_aead *tfm,
			unsigned int cryptlen, int nsg)
{
	struct aead_request *req = pkt->req;
	int n;

	sg_init_table(pkt->sg, nsg);
	n = skb_to_sgvec(pkt->skb, pkt->sg, 0, pkt->skb->len);
	if (unlikely(n < 0))
		return n;

	memset(pkt->nonce, 0, 4);
	m2msec_put_be64(pkt->nonce + 4, pkt->counter);

	aead_request_set_tfm(req, tfm);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  m2msec_packet_crypt_complete, pkt);
	aead_request_set_ad(req, M2MSEC_DATA_HDR_LEN);
	aead_request_set_crypt(req, pkt->sg, pkt->sg, cryptlen, pkt->nonce);
	return 0;
}

/**
 * m2msec_packet_submit - hand a prepared packet to padata
 * @ps: the device's encrypt or decrypt shell
 * @pkt: the packet, with padata.parallel and padata.serial set
 * @inflight: the device's counter for this direction
 *
 * The serial step runs on a CPU chosen from the peer, so that the
 * packets of one peer leave in the order they were submitted.
 *
 * Return: 0 when padata owns the packet (it may be gone already), or
 * -ENOBUFS or padata's error, and then the caller still owns it.
 */
int m2msec_packet_submit(struct padata_shell *ps, struct m2msec_packet *pkt,
			 atomic_t *inflight)
{
	int cb_cpu = (int)(pkt->peer->seq % nr_cpu_ids);
	int err;

	if (atomic_inc_return(inflight) > M2MSEC_MAX_INFLIGHT) {
		atomic_dec(inflight);
		return -ENOBUFS;
	}
	pkt->inflight = inflight;
	err = padata_do_parallel(ps, &pkt->padata, &cb_cpu);
	if (unlikely(err)) {
		pkt->inflight = NULL;
		if (atomic_dec_and_test(inflight))
			wake_up_var(inflight);
	}
	return err;
}

static void m2msec_packet_crypt_result(struct m2msec_packet *pkt, int err)
{
	/* -EBUSY with MAY_BACKLOG: queued, and the callback will follow. */
	if (err == -EINPROGRESS || err == -EBUSY)
		return;
	m2msec_packet_crypt_done(pkt, err);
}

/* padata's parallel step of a packet to seal. */
void m2msec_packet_encrypt(struct padata_priv *padata)
{
	struct m2msec_packet *pkt;

	pkt = container_of(padata, struct m2msec_packet, padata);
	m2msec_packet_crypt_result(pkt, crypto_aead_encrypt(pkt->req));
}

/* padata's parallel step of a packet to open. */
void m2msec_packet_decrypt(struct padata_priv *padata)
{
	struct m2msec_packet *pkt;

	pkt = container_of(padata, struct m2msec_packet, padata);
	m2msec_packet_crypt_result(pkt, crypto_aead_decrypt(pkt->req));
}

/* Waits until every packet counted in inflight has been freed. */
void m2msec_packet_wait_idle(atomic_t *inflight)
{
	wait_var_event(inflight, !atomic_read(inflight));
}

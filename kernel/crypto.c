// SPDX-License-Identifier: GPL-2.0
/*
 * SHA-256, HMAC-SHA256 and HKDF (RFC 5869) through the kernel crypto API,
 * and X25519 (RFC 7748) through the curve25519 library.
 *
 * Concurrency: the unkeyed "sha256" transform is shared, because its
 * state lives in each caller's descriptor. A keyed "hmac(sha256)"
 * transform is allocated per HMAC or HKDF call instead, because setkey
 * on a shared transform would race between concurrent handshakes.
 * Freeing the transform also wipes its copy of the key (crypto_destroy_tfm
 * frees with kfree_sensitive), so no chaining key lingers in a
 * long-lived transform. Handshakes are rare, so the allocation costs
 * little.
 */
#include <crypto/curve25519.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "crypto.h"

static struct crypto_shash *m2msec_sha256_tfm;

/* One input of a hash computed over several buffers without a copy. */
struct m2msec_part {
	const u8 *data;
	size_t len;
};

/**
 * m2msec_crypto_init - allocate the shared SHA-256 transform
 *
 * Also allocates and frees one "hmac(sha256)" transform, so that a
 * missing algorithm fails the module load instead of the first
 * handshake.
 *
 * Return: 0 or a negative errno.
 */
int m2msec_crypto_init(void)
{
	struct crypto_shash *hmac;

	m2msec_sha256_tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(m2msec_sha256_tfm)) {
		int err = PTR_ERR(m2msec_sha256_tfm);

		pr_err("m2msec: cannot allocate sha256: %d\n", err);
		m2msec_sha256_tfm = NULL;
		return err;
	}
	hmac = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(hmac)) {
		pr_err("m2msec: cannot allocate hmac(sha256): %ld\n",
		       PTR_ERR(hmac));
		crypto_free_shash(m2msec_sha256_tfm);
		m2msec_sha256_tfm = NULL;
		return PTR_ERR(hmac);
	}
	crypto_free_shash(hmac);
	return 0;
}

void m2msec_crypto_exit(void)
{
	crypto_free_shash(m2msec_sha256_tfm);
	m2msec_sha256_tfm = NULL;
}

/* Hashes the parts in order with tfm, keyed or not. */
static int m2msec_shash_parts(struct crypto_shash *tfm,
			      const struct m2msec_part *parts,
			      unsigned int count, u8 out[M2MSEC_HASH_LEN])
{
	SHASH_DESC_ON_STACK(desc, tfm);
	unsigned int i;
	int err;

	desc->tfm = tfm;
	err = crypto_shash_init(desc);
	for (i = 0; !err && i < count; i++)
		err = crypto_shash_update(desc, parts[i].data, parts[i].len);
	if (!err)
		err = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return err;
}

int m2msec_sha256(const u8 *data, size_t len, u8 out[M2MSEC_HASH_LEN])
{
	const struct m2msec_part part = { data, len };

	return m2msec_shash_parts(m2msec_sha256_tfm, &part, 1, out);
}

int m2msec_sha256_2(const u8 *a, size_t a_len, const u8 *b, size_t b_len,
		    u8 out[M2MSEC_HASH_LEN])
{
	const struct m2msec_part parts[] = { { a, a_len }, { b, b_len } };

	return m2msec_shash_parts(m2msec_sha256_tfm, parts, ARRAY_SIZE(parts),
				  out);
}

/* Allocates an HMAC-SHA256 transform keyed with key; free it to wipe. */
static struct crypto_shash *m2msec_hmac_alloc(const u8 *key, size_t key_len)
{
	struct crypto_shash *tfm;
	int err;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	err = crypto_shash_setkey(tfm, key, key_len);
	if (err) {
		crypto_free_shash(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

int m2msec_hmac_sha256(const u8 *key, size_t key_len, const u8 *data,
		       size_t len, u8 out[M2MSEC_HASH_LEN])
{
	const struct m2msec_part part = { data, len };
	struct crypto_shash *tfm;
	int err;

	tfm = m2msec_hmac_alloc(key, key_len);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = m2msec_shash_parts(tfm, &part, 1, out);
	crypto_free_shash(tfm);
	return err;
}

int m2msec_hkdf_extract(const u8 salt[M2MSEC_HASH_LEN], const u8 *ikm,
			size_t ikm_len, u8 prk[M2MSEC_HASH_LEN])
{
	return m2msec_hmac_sha256(salt, M2MSEC_HASH_LEN, ikm, ikm_len, prk);
}

/*
 * HKDF-Expand with info = label || context: T(i) = HMAC(prk, T(i-1) ||
 * label || context || i), output = the first out_len bytes of T(1) T(2)...
 */
int m2msec_hkdf_expand_label(const u8 prk[M2MSEC_HASH_LEN], const char *label,
			     const u8 *context, size_t context_len,
			     u8 *out, size_t out_len)
{
	u8 block[M2MSEC_HASH_LEN];
	struct crypto_shash *tfm;
	size_t done = 0;
	u8 counter = 0;
	int err = 0;

	if (out_len > 255 * M2MSEC_HASH_LEN)
		return -EINVAL;
	tfm = m2msec_hmac_alloc(prk, M2MSEC_HASH_LEN);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);

	while (done < out_len) {
		const struct m2msec_part parts[] = {
			{ block, counter ? M2MSEC_HASH_LEN : 0 },
			{ (const u8 *)label, label ? strlen(label) : 0 },
			{ context, context_len },
			{ &counter, 1 },
		};
		size_t n = min_t(size_t, out_len - done, M2MSEC_HASH_LEN);

		counter++;
		err = m2msec_shash_parts(tfm, parts, ARRAY_SIZE(parts), block);
		if (err)
			break;
		memcpy(out + done, block, n);
		done += n;
	}
	memzero_explicit(block, sizeof(block));
	crypto_free_shash(tfm);
	if (err)
		memzero_explicit(out, out_len);
	return err;
}

int m2msec_hkdf_expand(const u8 prk[M2MSEC_HASH_LEN], const u8 *info,
		       size_t info_len, u8 *out, size_t out_len)
{
	return m2msec_hkdf_expand_label(prk, NULL, info, info_len, out,
					out_len);
}

int m2msec_x25519_public(const u8 private_key[M2MSEC_X25519_LEN],
			 u8 public_key[M2MSEC_X25519_LEN])
{
	if (!curve25519_generate_public(public_key, private_key))
		return -EINVAL;
	return 0;
}

int m2msec_x25519_generate(u8 private_key[M2MSEC_X25519_LEN],
			   u8 public_key[M2MSEC_X25519_LEN])
{
	int err;

	curve25519_generate_secret(private_key);
	err = m2msec_x25519_public(private_key, public_key);
	if (err)
		memzero_explicit(private_key, M2MSEC_X25519_LEN);
	return err;
}

/*
 * An all-zero result means the peer sent a low-order point; the protocol
 * treats it as an authentication failure.
 */
int m2msec_x25519(const u8 private_key[M2MSEC_X25519_LEN],
		  const u8 peer_public[M2MSEC_X25519_LEN],
		  u8 shared[M2MSEC_X25519_LEN])
{
	if (!curve25519(shared, private_key, peer_public)) {
		memzero_explicit(shared, M2MSEC_X25519_LEN);
		return -EKEYREJECTED;
	}
	return 0;
}

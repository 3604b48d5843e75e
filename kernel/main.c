// SPDX-License-Identifier: GPL-2.0
/*
 * m2msec module entry: brings up the crypto transforms, the key types, the
 * handshake tables, the data-plane devices and the generic netlink family,
 * in that order, and runs the known-answer self-tests when asked to.
 */

#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>

#include "crypto.h"
#include "device.h"
#include "handshake.h"
#include "keys.h"
#include "netlink.h"
#include "selftest.h"

#ifndef M2MSEC_SELFTEST_DEFAULT
#define M2MSEC_SELFTEST_DEFAULT 0
#endif

static bool selftest = M2MSEC_SELFTEST_DEFAULT;
module_param(selftest, bool, 0444);
MODULE_PARM_DESC(selftest,
		 "Run the known-answer self-tests at load time; a failure stops the load");

static int __init m2msec_init(void)
{
	int err;

	err = m2msec_crypto_init();
	if (err)
		return err;
	err = m2msec_keys_register();
	if (err)
		goto err_crypto;
	err = m2msec_handshake_init();
	if (err)
		goto err_keys;
	err = m2msec_device_init();
	if (err)
		goto err_handshake;
	err = m2msec_netlink_init();
	if (err)
		goto err_device;

	if (selftest) {
		err = m2msec_selftest_run();
		if (err)
			goto err_netlink;
	}
	return 0;

err_netlink:
	m2msec_netlink_exit();
err_device:
	m2msec_device_exit();
err_handshake:
	m2msec_handshake_exit();
err_keys:
	m2msec_keys_unregister();
err_crypto:
	m2msec_crypto_exit();
	return err;
}

static void __exit m2msec_exit(void)
{
	m2msec_netlink_exit();
	m2msec_device_exit();
	m2msec_handshake_exit();
	m2msec_keys_unregister();
	m2msec_crypto_exit();
}

module_init(m2msec_init);
module_exit(m2msec_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(M2MSEC_VERSION);
MODULE_DESCRIPTION("ETSI M2M key hierarchy and handshake in the kernel keyring, and per-packet protection on mId");
MODULE_ALIAS_RTNL_LINK("m2msec");
MODULE_ALIAS_GENL_FAMILY(M2MSEC_GENL_NAME);

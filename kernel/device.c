// SPDX-License-Identifier: GPL-2.0
/*
 * The m2msec network device: link kind "m2msec" with no attributes of its
 * own, its lifetime (sockets, padata shells, GRO cells, peers) and the
 * namespace rule: a device dies with the namespace that created it, since
 * its sockets live there.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <linux/version.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "data.h"
#include "device.h"
#include "netlink.h"
#include "queueing.h"
#include "socket.h"

#define M2MSEC_DEFAULT_MTU	1420

/* Every m2msec device of every namespace, under RTNL. */
static LIST_HEAD(m2msec_devices);

struct m2msec_device *m2msec_device_from_netdev(struct net_device *dev)
{
	if (!dev || dev->rtnl_link_ops != &m2msec_link_ops)
		return NULL;
	return netdev_priv(dev);
}

/* Swaps in new sockets; the old ones are released after RCU readers. */
static void m2msec_device_swap_sockets(struct m2msec_device *md,
				       struct socket *sock4,
				       struct socket *sock6)
{
	struct socket *old4, *old6;

	old4 = rcu_replace_pointer(md->sock4, sock4,
				   lockdep_is_held(&md->lock));
	old6 = rcu_replace_pointer(md->sock6, sock6,
				   lockdep_is_held(&md->lock));
	md->port = sock4 ? m2msec_socket_port(sock4) : 0;
	m2msec_socket_close(old4);
	m2msec_socket_close(old6);
}

int m2msec_device_set_port(struct m2msec_device *md, u16 port,
			   struct netlink_ext_ack *extack)
{
	struct socket *sock4, *sock6;
	int err;

	lockdep_assert_held(&md->lock);
	/* Binding the port again would collide with the sockets holding it. */
	if (port && port == md->port)
		return 0;
	err = m2msec_socket_open(md, port, &sock4, &sock6);
	if (err) {
		M2MSEC_NL_SET_ERR_MSG_FMT(extack,
					  "cannot bind UDP port %u of %s: error %d",
					  port, md->dev->name, err);
		return err;
	}
	m2msec_device_swap_sockets(md, sock4, sock6);
	return 0;
}

static int m2msec_device_open(struct net_device *dev)
{
	struct m2msec_device *md = netdev_priv(dev);

	/* A device without sockets (its namespace is going away) stays down. */
	if (!rcu_access_pointer(md->sock4))
		return -ENETDOWN;
	return 0;
}

static int m2msec_device_stop(struct net_device *dev)
{
	return 0;
}

static void m2msec_device_free_shells(struct m2msec_device *md)
{
	m2msec_padata_shell_free(md->encrypt_ps);
	m2msec_padata_shell_free(md->decrypt_ps);
	md->encrypt_ps = NULL;
	md->decrypt_ps = NULL;
}

/*
 * ndo_init: everything that the packet path needs, and the sockets on the
 * default port or, if that is taken, on any free port.
 */
static int m2msec_device_ndo_init(struct net_device *dev)
{
	struct m2msec_device *md = netdev_priv(dev);
	int err;

	md->encrypt_ps = m2msec_padata_shell_alloc();
	md->decrypt_ps = m2msec_padata_shell_alloc();
	if (!md->encrypt_ps || !md->decrypt_ps) {
		err = -ENOMEM;
		goto err_shells;
	}
	err = gro_cells_init(&md->gro_cells, dev);
	if (err)
		goto err_shells;
	m2msec_index_table_init(&md->indexes);
	m2msec_allowedips_init(&md->allowedips);

	mutex_lock(&md->lock);
	err = m2msec_device_set_port(md, M2MSEC_DEFAULT_PORT, NULL);
	if (err == -EADDRINUSE)
		err = m2msec_device_set_port(md, 0, NULL);
	mutex_unlock(&md->lock);
	if (err)
		goto err_gro;
	return 0;

err_gro:
	gro_cells_destroy(&md->gro_cells);
err_shells:
	m2msec_device_free_shells(md);
	return err;
}

/*
 * ndo_uninit, under RTNL once the device is down: no more transmits.
 * Closing the sockets stops receiving; removing the peers stops their
 * timers; then the packets still in padata drain before the shells go.
 */
static void m2msec_device_ndo_uninit(struct net_device *dev)
{
	struct m2msec_device *md = netdev_priv(dev);

	list_del_init(&md->device_list);

	mutex_lock(&md->lock);
	m2msec_device_swap_sockets(md, NULL, NULL);
	m2msec_peer_remove_all(md);
	mutex_unlock(&md->lock);

	m2msec_packet_wait_idle(&md->tx_inflight);
	m2msec_packet_wait_idle(&md->rx_inflight);
	m2msec_allowedips_free(&md->allowedips);
	gro_cells_destroy(&md->gro_cells);
	m2msec_device_free_shells(md);
}

static const struct net_device_ops m2msec_netdev_ops = {
	.ndo_init = m2msec_device_ndo_init,
	.ndo_uninit = m2msec_device_ndo_uninit,
	.ndo_open = m2msec_device_open,
	.ndo_stop = m2msec_device_stop,
	.ndo_start_xmit = m2msec_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void m2msec_device_destruct(struct net_device *dev)
{
	struct m2msec_device *md = netdev_priv(dev);

	mutex_destroy(&md->lock);
}

/* Features the packet path implements: see m2msec_xmit() for GSO. */
#define M2MSEC_FEATURES	(NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
			 NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

static void m2msec_device_setup(struct net_device *dev)
{
	struct m2msec_device *md = netdev_priv(dev);

	dev->netdev_ops = &m2msec_netdev_ops;
	dev->header_ops = NULL;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = M2MSEC_TX_HEADROOM;
	dev->needed_tailroom = M2MSEC_DATA_TAG_LEN;
	dev->mtu = M2MSEC_DEFAULT_MTU;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - M2MSEC_UNDERLAY_OVERHEAD_V4;
	dev->features |= M2MSEC_FEATURES;
	dev->hw_features |= M2MSEC_FEATURES;
	/* Transmits need no lock: all peer state is per peer and atomic. */
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->needs_free_netdev = true;
	dev->priv_destructor = m2msec_device_destruct;

	md->dev = dev;
	mutex_init(&md->lock);
	INIT_LIST_HEAD(&md->device_list);
	INIT_LIST_HEAD(&md->peers);
	atomic_set(&md->tx_inflight, 0);
	atomic_set(&md->rx_inflight, 0);
}

static int m2msec_device_newlink(struct net *src_net, struct net_device *dev,
				 struct nlattr *tb[], struct nlattr *data[],
				 struct netlink_ext_ack *extack)
{
	struct m2msec_device *md = netdev_priv(dev);
	int err;

	/*
	 * No reference: the device is deleted in that namespace's exit,
	 * before the namespace is freed.
	 */
	md->creating_net = src_net;
	err = register_netdevice(dev);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the m2msec device");
		return err;
	}
	list_add(&md->device_list, &m2msec_devices);
	return 0;
}

struct rtnl_link_ops m2msec_link_ops __read_mostly = {
	.kind = "m2msec",
	.priv_size = sizeof(struct m2msec_device),
	.setup = m2msec_device_setup,
	.newlink = m2msec_device_newlink,
};

/*
 * Deletes the devices whose sockets live in a namespace that goes away;
 * the devices that live in it are deleted by the core.
 */
static void m2msec_device_exit_batch_rtnl(struct list_head *net_exit_list,
					  struct list_head *dev_kill_list)
{
	struct m2msec_device *md;
	struct net *net;

	ASSERT_RTNL();
	list_for_each_entry(net, net_exit_list, exit_list) {
		list_for_each_entry(md, &m2msec_devices, device_list) {
			if (md->creating_net == net)
				unregister_netdevice_queue(md->dev,
							   dev_kill_list);
		}
	}
}

static struct pernet_operations m2msec_pernet_ops = {
	.exit_batch_rtnl = m2msec_device_exit_batch_rtnl,
};

/*
 * The first transform of an AEAD template instantiates it, which runs the
 * crypto self-tests and may load modules: several seconds under emulation.
 * Doing that once in the background at load keeps the delay out of the
 * first PEER_NEW, which an agent sends while its peer waits for a reply.
 */
static void m2msec_device_warm_crypto(struct work_struct *work)
{
	static const u8 suites[] = {
		M2MSEC_SUITE_AES256GCM, M2MSEC_SUITE_CHACHA20POLY1305,
	};
	struct crypto_aead *tfm;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suites); i++) {
		tfm = crypto_alloc_aead(m2msec_data_aead_name(suites[i]), 0, 0);
		if (!IS_ERR(tfm))
			crypto_free_aead(tfm);
	}
}

static DECLARE_WORK(m2msec_warm_work, m2msec_device_warm_crypto);

/**
 * m2msec_device_init - register the padata instance, link kind and
 * namespace hooks of the data plane
 *
 * Return: 0 or a negative errno, with nothing left registered.
 */
int m2msec_device_init(void)
{
	int err;

	err = m2msec_queueing_init();
	if (err)
		return err;
	err = rtnl_link_register(&m2msec_link_ops);
	if (err)
		goto err_queueing;
	err = register_pernet_device(&m2msec_pernet_ops);
	if (err)
		goto err_link;
	schedule_work(&m2msec_warm_work);
	return 0;

err_link:
	rtnl_link_unregister(&m2msec_link_ops);
err_queueing:
	m2msec_queueing_exit();
	return err;
}

void m2msec_device_exit(void)
{
	cancel_work_sync(&m2msec_warm_work);
	unregister_pernet_device(&m2msec_pernet_ops);
	rtnl_link_unregister(&m2msec_link_ops);
	m2msec_queueing_exit();
}

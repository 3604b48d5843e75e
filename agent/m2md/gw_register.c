// SPDX-License-Identifier: GPL-2.0
/*
 * SCL registration of the gateway role: its own <scl> in the NSCL's
 * scls collection, and the NSCL's <scl> in the local /gscl/scls, which
 * the gateway creates itself once it is connected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "client.h"
#include "gateway.h"
#include "hex.h"
#include "log.h"
#include "reload.h"
#include "repr.h"
#include "xml.h"

/* Stored attributes of an SCL that is online at base. */
static struct json_object *m2md_scl_attrs(const char *base)
{
	struct json_object *obj = json_object_new_object(), *pocs;

	if (!obj)
		return NULL;
	json_object_object_add(obj, "onlineStatus",
			       json_object_new_string("ONLINE"));
	pocs = json_object_new_array();
	json_object_array_add(pocs, json_object_new_string(base));
	json_object_object_add(obj, "pocs", pocs);
	return obj;
}

/* Fill ids with the node id and connection id that the gateway recorded. */
static void m2md_register_ids(struct m2md_gateway *gw,
			      uint8_t node_id[M2MSEC_NODE_ID_LEN],
			      struct m2m_log_ids *ids)
{
	char hex[M2M_NODE_ID_HEX_LEN + 1];
	uint8_t conn_id[8];

	memset(ids, 0, sizeof(*ids));
	if (!m2md_store_kv_get(gw->store, M2MD_GW_NODE_ID, hex, sizeof(hex)) &&
	    !m2m_hex_decode(hex, node_id, M2MSEC_NODE_ID_LEN))
		ids->node_id = node_id;
	if (!m2md_store_kv_get(gw->store, "conn_id", hex, sizeof(hex)) &&
	    !m2m_hex_decode(hex, conn_id, sizeof(conn_id))) {
		for (size_t i = 0; i < sizeof(conn_id); i++)
			ids->conn_id = ids->conn_id << 8 | conn_id[i];
		ids->has_conn_id = true;
	}
}

int m2md_gateway_register(struct m2md_gateway *gw)
{
	char scl_id[M2MSEC_STR_MAX + 1], url[M2MD_GW_BASE_MAX + 16], err[512];
	uint8_t node_id[M2MSEC_NODE_ID_LEN];
	char base[M2MD_GW_BASE_MAX];
	struct m2m_log_ids ids;
	char *body = NULL;
	size_t len = 0;
	long status;
	int ret;

	if (m2md_store_kv_get(gw->store, M2MD_GW_SCL_ID, scl_id,
			      sizeof(scl_id)))
		return -ENOENT;
	m2md_register_ids(gw, node_id, &ids);
	/* onlineStatus is set by the NSCL, which sees the registration. */
	ret = m2md_repr_create_body("scl", scl_id, NULL, &body, &len);
	if (ret) {
		m2m_log_ids(LOG_ERR, &ids,
			    "registration: cannot write an <scl> for scl id '%s': %s",
			    scl_id, strerror(-ret));
		return ret;
	}
	m2md_gateway_nscl_base(gw, base, sizeof(base));
	snprintf(url, sizeof(url), "%s/scls", base);
	status = m2md_client_post(url, M2MD_XML_TYPE, body, len,
				  m2md_live_http_timeout(gw->cfg->http_timeout_ms),
				  err, sizeof(err));
	free(body);
	if (status == 201) {
		m2m_log_ids(LOG_INFO, &ids,
			    "registration: scl %s registered at %s/%s", scl_id,
			    url, scl_id);
		return 0;
	}
	if (status == 409) {
		m2m_log_ids(LOG_INFO, &ids,
			    "registration: scl %s was already registered at %s/%s",
			    scl_id, url, scl_id);
		return 0;
	}
	m2m_log_ids(LOG_ERR, &ids, "registration of scl %s at %s failed: %s",
		    scl_id, url, err);
	return -EIO;
}

/* Point an existing NSCL <scl> at base when it moved (to the tunnel). */
static int m2md_nscl_refresh(struct m2md_gateway *gw, const char *path,
			     const char *text)
{
	struct m2md_resource res;
	int ret;

	ret = m2md_store_res_get(gw->store, path, &res);
	if (ret)
		return ret;
	if (res.len != strlen(text) || memcmp(res.data, text, res.len)) {
		free(res.data);
		res.data = (unsigned char *)strdup(text);
		res.len = res.data ? strlen(text) : 0;
		res.modified = time(NULL);
		ret = res.data ? m2md_store_res_update(gw->store, &res) :
		      -ENOMEM;
	}
	m2md_resource_free(&res);
	return ret;
}

int m2md_gateway_add_nscl(struct m2md_gateway *gw)
{
	char nscl_id[M2MSEC_STR_MAX + 1], base[M2MD_GW_BASE_MAX];
	char coll[sizeof(gw->tree.root) + 8], path[M2MD_RES_PATH_MAX];
	struct json_object *attrs;
	const char *text;
	int ret;

	if (m2md_store_kv_get(gw->store, "nscl_id", nscl_id, sizeof(nscl_id)))
		return -ENOENT;
	if (!m2md_name_valid(nscl_id)) {
		m2m_err("registration: the network's nscl id '%s' is not a valid resource name",
			nscl_id);
		return -EINVAL;
	}
	m2md_gateway_nscl_base(gw, base, sizeof(base));
	snprintf(coll, sizeof(coll), "%s/scls", gw->tree.root);
	snprintf(path, sizeof(path), "%s/%s", coll, nscl_id);
	attrs = m2md_scl_attrs(base);
	if (!attrs)
		return -ENOMEM;
	text = json_object_to_json_string_ext(attrs, JSON_C_TO_STRING_PLAIN);
	ret = m2md_tree_create(&gw->tree, coll, "scl", nscl_id, text,
			       strlen(text), NULL, NULL);
	if (!ret)
		m2m_info("registration: scl %s of the network created at %s",
			 nscl_id, path);
	else if (ret == -EEXIST)
		ret = m2md_nscl_refresh(gw, path, text);
	if (ret)
		m2m_err("registration: cannot record scl %s of the network at %s: %s",
			nscl_id, path, strerror(-ret));
	json_object_put(attrs);
	return ret;
}

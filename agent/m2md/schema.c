// SPDX-License-Identifier: GPL-2.0
/*
 * The SQLite schema of m2md's state database, all of it. Bump
 * M2MD_SCHEMA_VERSION (store.h) and add an upgrade step in store.c when
 * it changes.
 */
#include "store.h"

const char m2md_schema_sql[] =
	"CREATE TABLE schema_version (\n"
	"	version INTEGER NOT NULL\n"
	");\n"
	/* Network role: one row per device, keyed by its bootstrap id. */
	"CREATE TABLE nodes (\n"
	"	node_id TEXT PRIMARY KEY,	-- 32 lowercase hex digits\n"
	"	bootstrap_id TEXT UNIQUE,	-- NULL for a Kmr provisioned by hand\n"
	"	scl_id TEXT NOT NULL,\n"
	"	kmr_index INTEGER NOT NULL DEFAULT 0,\n"
	"	kmc_index INTEGER NOT NULL DEFAULT 0,\n"
	"	key_id TEXT,			-- of the current Kmr\n"
	"	key_serial INTEGER,\n"
	"	expiry INTEGER NOT NULL DEFAULT 0,	-- Unix time, 0 = none\n"
	"	created INTEGER NOT NULL,\n"
	"	updated INTEGER NOT NULL\n"
	");\n"
	/* Network role: one row per finished connect handshake. */
	"CREATE TABLE connections (\n"
	"	conn_id TEXT PRIMARY KEY,	-- 16 lowercase hex digits\n"
	"	node_id TEXT NOT NULL REFERENCES nodes(node_id),\n"
	"	scl_id TEXT NOT NULL,\n"
	"	kmc_index INTEGER NOT NULL,\n"
	"	key_id TEXT NOT NULL,\n"
	"	key_serial INTEGER NOT NULL,\n"
	"	expiry INTEGER NOT NULL,\n"
	"	created INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX connections_scl ON connections(scl_id, expiry);\n"
	/*
	 * Network role: RESP fields chosen for an INIT, by the responder
	 * index, until the FINISH arrives.
	 */
	"CREATE TABLE pending (\n"
	"	index_r INTEGER PRIMARY KEY,\n"
	"	mode INTEGER NOT NULL,\n"
	"	node_id TEXT NOT NULL,\n"
	"	scl_id TEXT NOT NULL,\n"
	"	key_index INTEGER NOT NULL,\n"
	"	lifetime INTEGER NOT NULL,\n"
	"	conn_id TEXT,\n"
	"	created INTEGER NOT NULL\n"
	");\n"
	/* Gateway role: its own identity and connection, as key and value. */
	"CREATE TABLE gateway (\n"
	"	key TEXT PRIMARY KEY,\n"
	"	value TEXT NOT NULL\n"
	");\n"
	/*
	 * Both roles: the resource tree. seq orders siblings by creation.
	 * representation contains the stored attributes (a JSON object) or,
	 * for a contentInstance, the content itself.
	 */
	"CREATE TABLE resources (\n"
	"	seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"	path TEXT NOT NULL UNIQUE,\n"
	"	type TEXT NOT NULL,\n"
	"	parent TEXT,\n"
	"	name TEXT NOT NULL,\n"
	"	representation BLOB,\n"
	"	content_type TEXT,\n"
	"	created INTEGER NOT NULL,\n"
	"	modified INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX resources_parent ON resources(parent, seq);\n";

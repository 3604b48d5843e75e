// SPDX-License-Identifier: GPL-2.0
/*
 * The SQLite schema of m2md's state database, all of it. Bump
 * M2MD_SCHEMA_VERSION (store.h) and add an upgrade step in store.c when
 * it changes.
 */
#include "store_priv.h"

/*
 * Tables and indexes added with version 2, in both the full schema and
 * the upgrade from version 1:
 *  - search_strings: the searchStrings of a resource, for discovery,
 *    deleted with their resource by a trigger, so that any writer (also
 *    the sqlite3 shell) keeps them consistent;
 *  - resources_created: contentInstance filters by creation time and
 *    maxInstanceAge;
 *  - resources_expires: the expiry sweeper, only rows that expire.
 * Discovery below a path uses the unique index on path as a range.
 */
#define M2MD_SCHEMA_V2_COMMON \
	"CREATE TABLE search_strings (\n" \
	"	seq INTEGER NOT NULL,	-- resources.seq\n" \
	"	value TEXT NOT NULL\n" \
	");\n" \
	"CREATE UNIQUE INDEX search_strings_seq ON search_strings(seq, value);\n" \
	"CREATE INDEX search_strings_value ON search_strings(value, seq);\n" \
	"CREATE TRIGGER resources_search_delete AFTER DELETE ON resources\n" \
	"BEGIN\n" \
	"	DELETE FROM search_strings WHERE seq = old.seq;\n" \
	"END;\n" \
	"CREATE INDEX resources_created ON resources(parent, created);\n" \
	"CREATE INDEX resources_expires ON resources(expires)\n" \
	"	WHERE expires != 0;\n"

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
	"	modified INTEGER NOT NULL,\n"
	"	expires INTEGER NOT NULL DEFAULT 0,	-- Unix time, 0 = never\n"
	"	acl TEXT NOT NULL DEFAULT '',	-- accessRightID\n"
	"	version INTEGER NOT NULL DEFAULT 1,	-- bumped by each change\n"
	"	size INTEGER NOT NULL DEFAULT 0	-- bytes of representation\n"
	");\n"
	"CREATE INDEX resources_parent ON resources(parent, seq);\n"
	M2MD_SCHEMA_V2_COMMON;

/*
 * Version 1 had the resources table without the last four columns and
 * nothing below it. Existing rows keep their values: size is computed,
 * the others take their defaults (no expiry, no accessRightID).
 */
const char m2md_schema_upgrade_v2_sql[] =
	"ALTER TABLE resources ADD COLUMN expires INTEGER NOT NULL DEFAULT 0;\n"
	"ALTER TABLE resources ADD COLUMN acl TEXT NOT NULL DEFAULT '';\n"
	"ALTER TABLE resources ADD COLUMN version INTEGER NOT NULL DEFAULT 1;\n"
	"ALTER TABLE resources ADD COLUMN size INTEGER NOT NULL DEFAULT 0;\n"
	"UPDATE resources SET size = coalesce(length(representation), 0);\n"
	M2MD_SCHEMA_V2_COMMON
	"UPDATE schema_version SET version = 2;\n";

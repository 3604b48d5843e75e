#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo scenario with asserted results: bootstrap, connect, SCL
# registration, an application's Kma, and a reading that the application
# posts signed with it, forwarded from the GSCL to the NSCL. The two
# agents run in separate network namespaces and session keyrings.
# Also checks that the bootstrap credential appears in no log, no state
# database and not in /proc/keys.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tap.bash
. "$here/tap.bash"
# shellcheck source=../../scripts/lib/demo-env.bash
. "$here/../../scripts/lib/demo-env.bash"

demo_require > /dev/null 2>&1 || skip_all "needs root, m2msec.ko and the agent (make)"
command -v curl > /dev/null || skip_all "curl is not installed"
# On a failure, show both sides' keys (metadata only) before cleaning up.
on_exit() {
	if [ "$tap_failed" -gt 0 ]; then
		echo "# gateway keys:"
		keys_of gw | sed 's/^/#   /'
		echo "# network keys:"
		keys_of net | sed 's/^/#   /'
	fi
	demo_down
}
trap on_exit EXIT

hex_id='^[0-9a-f]{32}$'
# An empty id would compare equal on both sides, so each id is also
# checked against this pattern.
boot_id=dev-test-$$

check "demo namespaces and veth" demo_netns_up

mkdir -p "$demo_dir"
credential=$demo_dir/test-credential
(umask 077 && head -c 32 /dev/urandom > "$credential")
credential_hex=$(od -An -tx1 -v "$credential" | tr -d ' \n')
check "demo agents start with m2m_boot keys" \
	demo_agents_up "$boot_id" "$credential"
check "demo credential file removed" test ! -e "$credential"

check "bootstrap gives gateway a Kmr" \
	wait_for "$demo_wait" has_key gw m2m_root
gw_kmr=$(key_serial gw m2m_root)
node_id=$(key_node_id gw m2m_root)
check_match "bootstrap node id is 32 hex digits" "$hex_id" "$node_id"
check_fails "bootstrap Kmr print rejected" in_gw keyctl print "$gw_kmr"
check_fails "bootstrap Kmr read rejected" in_gw keyctl read "$gw_kmr"
check "bootstrap network keeps the Kmr" \
	wait_for "$demo_wait" has_key net m2m_root
check_equal "bootstrap same node id on both sides" \
	"$node_id" "$(key_node_id net m2m_root)"
check "bootstrap keys are separate keys" \
	test "$(key_serial net m2m_root)" != "$gw_kmr"

check "connect gives gateway a Kmc" \
	wait_for "$demo_wait" has_key gw m2m_conn
check "connect gives network a Kmc" \
	wait_for "$demo_wait" has_key net m2m_conn
gw_kmc=$(key_key_id gw m2m_conn)
check_match "connect key id is 32 hex digits" "$hex_id" "$gw_kmc"
check_equal "connect same key id on both sides" \
	"$gw_kmc" "$(key_key_id net m2m_conn)"
check_fails "connect Kmc print rejected" \
	in_gw keyctl print "$(key_serial gw m2m_conn)"

check "registration scl appears" wait_for "$demo_wait" has_scl
scl=$(registered_scl)
check_equal "registration scl id from node id" "gscl-${node_id:0:8}" "$scl"
check "registration came over the tunnel" scl_over_tunnel "$scl"
check "tunnel interface on network" has_tunnel_if net
check "tunnel interface on gateway" has_tunnel_if gw
check_equal "tunnel peer is the gateway" "$node_id" "$(tunnel_field net 2)"
check_equal "tunnel peer key id" "$gw_kmc" "$(tunnel_field gw 6)"
check_equal "tunnel peer up on gateway" up "$(tunnel_field gw 24)"
gw_rx_before=$(tunnel_field gw 15)
net_rx_before=$(tunnel_field net 15)
check "tunnel capture starts" capture_start

kma=$(app_kma thermo "$gw_kmc")
check_match "kma key of thermo derived" '^[0-9]+$' "$kma"
check_match "kma key is owned by the application's uid" \
	"^user;$app_uid;.*;m2m_kma:thermo\$" "$(in_gw keyctl rdescribe "$kma")"
# Key contents go to /dev/null: the test must not print a Kma.
check "kma key readable by the application's uid" \
	as_uid "$app_uid" bash -c 'keyctl pipe "$1" > /dev/null' - "$kma"
check_fails "kma key unreadable by another uid" \
	as_uid 65533 bash -c 'keyctl pipe "$1" > /dev/null' - "$kma"

apps=/gscl/applications
check_equal "gscl application created, signed" 201 \
	"$(app_rest thermo "$kma" "$gw_kmc" POST "$apps" \
		'<application xmlns="http://uri.etsi.org/m2m" appId="thermo"/>')"
check_equal "gscl container created, signed" 201 \
	"$(app_rest thermo "$kma" "$gw_kmc" POST "$apps/thermo/containers" \
		'<m2m:container xmlns:m2m="http://uri.etsi.org/m2m" m2m:id="temperature"/>')"
reading=21.5
check_equal "gscl reading created, signed" 201 \
	"$(app_rest thermo "$kma" "$gw_kmc" POST \
		"$apps/thermo/containers/temperature/contentInstances" \
		"$reading" text/plain)"
check_equal "gscl unsigned reading refused" 403 \
	"$(gscl_post "$apps/thermo/containers/temperature/contentInstances" \
		text/plain 99.9)"
path=/nscl/scls/$scl/applications/thermo/containers/temperature/contentInstances/latest/content
check "nscl reading forwarded" wait_for "$demo_wait" nscl_get "$path"
check_equal "nscl reading value" "$reading" "$(nscl_get "$path")"
capture_stop
check "tunnel gateway rx bytes grew" \
	test "$(tunnel_field gw 15)" -gt "${gw_rx_before:-0}"
check "tunnel network rx bytes grew" \
	test "$(tunnel_field net 15)" -gt "${net_rx_before:-0}"
check "tunnel gateway tx bytes nonzero" test "$(tunnel_field gw 16)" -gt 0
check "capture has tunnel UDP" test "$(capture_tunnel_packets | wc -l)" -gt 0
check_fails "capture has no plaintext reading" capture_has_text "$reading"

# The credential is in the kernel only: not in the logs, the state
# databases, /proc/keys or m2mctl's output, as hex or as raw bytes.
leaks() {
	local file

	for file in "$demo_dir"/*.log "$demo_dir"/*/m2md.db* /proc/keys; do
		[ -f "$file" ] || continue
		grep -qi "$credential_hex" "$file" && return 0
		# Raw bytes: search the file's hex dump for the same digits.
		od -An -tx1 -v "$file" | tr -d ' \n' |
			grep -q "$credential_hex" && return 0
	done
	in_gw "$m2mctl" show --state-dir "$demo_dir/gw" |
		grep -qi "$credential_hex"
}
check_fails "credential found nowhere" leaks
credential_hex=
tap_done

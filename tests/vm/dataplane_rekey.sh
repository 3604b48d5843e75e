#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Rekey under load: while iperf3 sends TCP through the tunnel, a second
# connect handshake of the same node id makes a new key pair, which is
# bound with `m2mctl peer set ... key` on both sides. iperf3 must not see
# a one-second interval without data; its TCP retransmits are printed as
# the loss. Afterwards both sides use the new key and no packet on the
# wire carries an index of the old one.
#
# Order: the initiator side (a) binds first, then the responder side (b).
# A key bound on the initiator side only opens packets until the first
# packet under it arrives, while the responder side starts sending under
# its new key at once. Binding the responder first would thus send
# packets that the initiator cannot open yet (drop_unknown_index).

if [ -z "${M2MSEC_DP_SESSION:-}" ]; then
	export M2MSEC_DP_SESSION=1
	exec keyctl session - "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tap.bash
. "$here/tap.bash"
# shellcheck source=lib/dataplane.bash
. "$here/lib/dataplane.bash"

why=$(dp_require_tools iperf3 tcpdump ss) && why=
[ -z "$why" ] || skip_all "$why"
dp_init
trap 'dp_down; rm -rf "$dp_work"' EXIT

run_seconds=14
rekey_after=4

if ! dp_pair_up 4; then
	check "pair setup" false
	tap_done
fi
check "pair setup" true
old_key_i=$dp_key_i
old_key_r=$dp_key_r
old_key_id=$(dp_key_id "$old_key_i")
old_index_a=$(dp_peer_field a index)
old_index_b=$(dp_peer_field b index)
check_match "old key id" '^[0-9a-f]{32}$' "$old_key_id"
check "old indexes known" test -n "$old_index_a" -a -n "$old_index_b"
unknown_before=$(dp_dev_field a drop_unknown_index)

dp_events_start a events-a 60
dp_events_start b events-b 60
dp_iperf_start b "$dp_inner4_b"
check "iperf3 server listening" dp_iperf_listening b
dp_bg iperf-client in_a iperf3 -c "$dp_inner4_b" -t "$run_seconds" -i 1 -J
client=$dp_last_job

sleep "$rekey_after"
dp_mkconn --node-id "$dp_node"
check "second key pair made" test -n "$dp_key_i" -a "$dp_key_i" != "$old_key_i"
new_key_id=$(dp_key_id "$dp_key_i")
check "new key id differs" test -n "$new_key_id" -a "$new_key_id" != "$old_key_id"
check "peer set key on initiator side" \
	in_a "$dp_m2mctl" peer set "$dp_ifname" "$dp_node" key "$dp_key_i"
check "peer set key on responder side" \
	in_b "$dp_m2mctl" peer set "$dp_ifname" "$dp_node" key "$dp_key_r"

wait "$client"
check_equal "iperf3 exit status" 0 "$?"
json=$dp_work/iperf-client.out
intervals=$(dp_json "$json" 'len(j["intervals"])' 2> /dev/null)
min_bytes=$(dp_json "$json" \
	'min(int(i["sum"]["bytes"]) for i in j["intervals"])' 2> /dev/null)
retransmits=$(dp_json "$json" 'j["end"]["sum_sent"]["retransmits"]' \
	2> /dev/null)
check "iperf3 ran every interval" test "${intervals:-0}" -ge $((run_seconds - 1))
check "no interval without data" test "${min_bytes:-0}" -gt 0
echo "# rekey under load: $retransmits TCP retransmits," \
	"smallest interval $min_bytes bytes, $(dp_json "$json" \
	'round(j["end"]["sum_received"]["bits_per_second"] / 1e6, 1)' \
	2> /dev/null) Mbit/s"

check_equal "side a uses new key" "$dp_key_i" "$(dp_peer_field a key_serial)"
check_equal "side b uses new key" "$dp_key_r" "$(dp_peer_field b key_serial)"
check_equal "side a new key id" "$new_key_id" "$(dp_peer_field a key_id)"
check_equal "side b new key id" "$new_key_id" "$(dp_peer_field b key_id)"
check_equal "side a still up" up "$(dp_peer_field a state)"
check_equal "side b still up" up "$(dp_peer_field b state)"
check_equal "no unknown index on side a" "$unknown_before" \
	"$(dp_dev_field a drop_unknown_index)"
check "key-installed event on side a" \
	dp_wait_for 10 dp_event_seen events-a key-installed "$new_key_id"
check "key-installed event on side b" \
	dp_wait_for 10 dp_event_seen events-b key-installed "$new_key_id"

# Only the new key's indexes on the wire, in both directions.
new_index_a=$(dp_peer_field a index)
new_index_b=$(dp_peer_field b index)
check "side a index changed" test "$new_index_a" != "$old_index_a"
check "side b index changed" test "$new_index_b" != "$old_index_b"
port=$(dp_dev_field b port)
dp_capture_start a after-rekey udp
check "ping after rekey" dp_quiet in_a ping -c 5 -i 0.2 -W 5 "$dp_inner4_b"
dp_capture_stop
indexes=$(in_a "$dp_python" "$dp_lib/pcap_indexes.py" \
	"$dp_work/after-rekey.pcap" "$port" | sort -u | tr '\n' ' ')
check "DATA messages captured" test -n "$indexes"
check_match "only new indexes on the wire" \
	"^(($new_index_a|$new_index_b) )+\$" "$indexes"
check_fails "old indexes unused" \
	grep -qwE "$old_index_a|$old_index_b" <<< "$indexes"

keyctl unlink "$old_key_i" "$dp_ring_a" > /dev/null
keyctl unlink "$old_key_r" "$dp_ring_b" > /dev/null
tap_done

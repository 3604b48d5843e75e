#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The DATA packets of the protocol test vectors on the wire. The test
# build of the module (make module-test) replaces the normal one for the
# duration of the test. M2MSEC_CMD_TEST_VECTOR_KEY, through the helper
# m2msec_vectorkey, makes an m2m_conn key with a vector's Kmc, indexes
# and suite. The key is bound to a peer whose allowed prefix contains the
# vector's inner source 10.0.0.1. The packets are sent with a UDP socket
# from the other namespace. For each suite: the ICMP echo request is
# delivered once, a replay is dropped, and a forged, a truncated, a
# wrongly typed and a misaddressed packet are each dropped and counted.
#
# NOTE: the vectors' inner IPv4 header has checksum 0x7cdd where 0x66de
# is correct, so the IP stack drops the echo request as a header error
# and sends no echo reply. Delivery is therefore checked by the namespace's
# Ip InReceives and by a capture on the m2msec device, not by
# IcmpInEchos. The packets go over the IPv6 underlay, so InReceives
# counts only inner packets.

if [ -z "${M2MSEC_DP_SESSION:-}" ]; then
	export M2MSEC_DP_SESSION=1
	exec keyctl session - "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tap.bash
. "$here/tap.bash"
# shellcheck source=lib/dataplane.bash
. "$here/lib/dataplane.bash"

why=$(dp_require_tools tcpdump) && why=
[ -z "$why" ] || skip_all "$why"
[ -x "$dp_vectorkey" ] || skip_all "$dp_vectorkey is not built (make selftests)"

vectors=$here/data/data-vectors.tsv
test_ko=$dp_top/build/$(uname -r)/test/m2msec.ko
# The node id of the vectors' connect handshakes (the initiator id).
vector_node=0f062df374c2ddab6d229807ed52e1ff
# The inner addresses of the vectors' ICMP echo request.
inner_src=10.0.0.1
inner_dst=10.0.0.2

good=$(dp_find_module_file)
params=$(dp_module_params)
reload_good() {
	[ -d /sys/module/m2msec ] && rmmod m2msec
	# shellcheck disable=SC2086 # one parameter per word
	insmod "$good" $params
}

dp_init
cleanup() {
	dp_down
	rm -rf "$dp_work"
	[ -n "$good" ] && [ ! -d /sys/module/m2msec ] && insmod "$good" $params
}
trap cleanup EXIT

check "test module was built (make module-test)" test -f "$test_ko"
check "normal module file found" test -n "$good"
[ -f "$test_ko" ] && [ -n "$good" ] || tap_done
check "rmmod normal module" rmmod m2msec
check "insmod test module" insmod "$test_ko"
[ -d /sys/module/m2msec ] || tap_done

# packet VECTOR DIRECTION KIND: the packet of one line of the table.
packet() {
	awk -F '\t' -v v="$1" -v d="$2" -v k="$3" \
		'$1 == v && $3 == d && $6 == k { print $7; exit }' "$vectors"
}

# plaintext VECTOR DIRECTION KIND: the plaintext of one line.
plaintext() {
	awk -F '\t' -v v="$1" -v d="$2" -v k="$3" \
		'$1 == v && $3 == d && $6 == k { print $8; exit }' "$vectors"
}

# column VECTOR DIRECTION COLUMN: one column of the first matching line.
column() {
	awk -F '\t' -v v="$1" -v d="$2" -v c="$3" \
		'$1 == v && $3 == d { print $c; exit }' "$vectors"
}

# flip_byte HEX OFFSET: HEX with the lowest bit of byte OFFSET flipped.
flip_byte() {
	local hex=$1 at=$(($2 * 2))

	printf '%s%02x%s' "${hex:0:at}" $((0x${hex:at:2} ^ 1)) "${hex:at+2}"
}

declare -A base=() now=()
# read_counters SIDE ARRAY: fill the associative array named ARRAY with
# the side's peer and device counters from one dump, and ip_in with the
# namespace's Ip InReceives.
read_counters() {
	local side=$1 dump f
	local -n out=$2

	dump=$(dp_dump "$side")
	for f in rx_packets rx_bytes drop_auth drop_replay drop_source; do
		out[$f]=$(awk -F '\t' -v i="$(dp_field_index "$f" \
			"${dp_peer_fields[@]}")" 'NF == 24 { print $i; exit }' \
			<<< "$dump")
	done
	for f in drop_unknown_index drop_malformed; do
		out[$f]=$(awk -F '\t' -v i="$(dp_field_index "$f" \
			"${dp_dev_fields[@]}")" 'NF == 6 { print $i; exit }' \
			<<< "$dump")
	done
	out["ip_in"]=$(dp_snmp "$side" Ip InReceives)
}

# deltas_reached FIELD=DELTA...: whether every counter in now differs
# from base by its DELTA.
deltas_reached() {
	local pair field

	for pair in "$@"; do
		field=${pair%=*}
		[ $((${now[$field]:-0} - ${base[$field]:-0})) -eq "${pair#*=}" ] ||
			return 1
	done
}

# expect NAME SIDE FIELD=DELTA...: one check per counter. The receive
# path is asynchronous, so the counters are read again until all reach
# their deltas or 10 s pass.
expect() {
	local name=$1 side=$2 pair field deadline=$((SECONDS + 10))

	shift 2
	read_counters "$side" now
	until deltas_reached "$@" || [ "$SECONDS" -ge "$deadline" ]; do
		sleep 0.2
		read_counters "$side" now
	done
	for pair in "$@"; do
		field=${pair%=*}
		check_equal "$name: $field +${pair#*=}" "${pair#*=}" \
			$((${now[$field]:-0} - ${base[$field]:-0}))
	done
	for field in "${!now[@]}"; do
		base[$field]=${now[$field]}
	done
}

if dp_netns_up && dp_dev_up a "$inner_dst" fd6d:326d:6d32::2 &&
   dp_dev_up b "$inner_dst" fd6d:326d:6d32::2; then
	check "namespaces and devices" true
else
	check "namespaces and devices" false
	tap_done
fi
port_a=$(dp_dev_field a port)
port_b=$(dp_dev_field b port)

for vector in connect-aes256gcm connect-chachapoly; do
	t=${vector#connect-}
	suite=aes256gcm
	[ "$(column "$vector" i2r 2)" = 2 ] && suite=chacha20poly1305

	# Side b receives the initiator-to-responder packets as responder.
	key_r=$("$dp_vectorkey" "$vector" responder --keyring "$dp_ring_b")
	check_match "$t responder vector key" '^[0-9]+$' "$key_r"
	node=$(in_b "$dp_m2mctl" peer add "$dp_ifname" key "$key_r" \
		allowed-ips "$inner_src/32")
	check_equal "$t responder peer node id" "$vector_node" "$node"
	dp_node=$vector_node
	check_equal "$t responder index" "$(column "$vector" i2r 4)" \
		"$(dp_peer_field b index)"
	check_equal "$t responder peer index" "$(column "$vector" r2i 4)" \
		"$(dp_peer_field b peer_index)"
	check_equal "$t responder suite" "$suite" "$(dp_peer_field b suite)"
	check_equal "$t responder role" responder "$(dp_peer_field b role)"

	keepalive=$(packet "$vector" i2r keepalive)
	icmp=$(packet "$vector" i2r icmp)
	random=$(packet "$vector" i2r random)
	send() { dp_inject a "$dp_under6_a" "$dp_under6_b" "$port_b" "$@"; }
	dp_capture_start_dev b "$vector-inner"
	read_counters b base

	# A flipped ciphertext bit fails the tag and leaves the window, so
	# the genuine packet with that counter is still accepted after it.
	send "$(flip_byte "$icmp" 20)"
	expect "$t forged" b drop_auth=1 rx_packets=0 ip_in=0
	send "$keepalive"
	expect "$t keepalive" b rx_packets=1 rx_bytes=0 ip_in=0
	check_equal "$t endpoint learnt" "[$dp_under6_a]:40001" \
		"$(dp_peer_field b endpoint)"
	send "$icmp"
	expect "$t icmp" b rx_packets=1 rx_bytes=28 ip_in=1 drop_replay=0
	send "$icmp"
	expect "$t replay" b drop_replay=1 rx_packets=0 ip_in=0
	# Shorter than header, counter and tag: not a DATA message.
	send "${icmp:0:40}"
	expect "$t truncated header" b drop_malformed=1 rx_packets=0
	# Whole header, but the ciphertext cut short: the tag fails.
	send "${random:0:$((${#random} - 200))}"
	expect "$t truncated ciphertext" b drop_auth=1 rx_packets=0
	send "${icmp:0:2}05${icmp:4}"
	expect "$t wrong message type" b drop_malformed=1 rx_packets=0
	send "$(flip_byte "$icmp" 7)"
	expect "$t unknown index" b drop_unknown_index=1 drop_auth=0 \
		rx_packets=0
	dp_capture_stop
	delivered=$(dp_pcap_hex "$dp_work/$vector-inner.pcap" |
		grep -o "$(plaintext "$vector" i2r icmp)" | wc -l)
	check_equal "$t echo request delivered once" 1 "$delivered"

	# Side a receives the responder-to-initiator packet as initiator.
	key_i=$("$dp_vectorkey" "$vector" initiator --keyring "$dp_ring_a")
	check_match "$t initiator vector key" '^[0-9]+$' "$key_i"
	check "$t initiator peer add" dp_quiet in_a "$dp_m2mctl" peer add "$dp_ifname" \
		key "$key_i" allowed-ips "$inner_src/32"
	check_equal "$t initiator role" initiator "$(dp_peer_field a role)"
	read_counters a base
	dp_inject b "$dp_under6_b" "$dp_under6_a" "$port_a" \
		"$(packet "$vector" r2i icmp)"
	expect "$t initiator icmp" a rx_packets=1 rx_bytes=28 ip_in=1

	check "$t responder peer del" \
		in_b "$dp_m2mctl" peer del "$dp_ifname" "$vector_node"
	check "$t initiator peer del" \
		in_a "$dp_m2mctl" peer del "$dp_ifname" "$vector_node"
	keyctl unlink "$key_r" "$dp_ring_b" > /dev/null
	keyctl unlink "$key_i" "$dp_ring_a" > /dev/null
done

dp_down
check "normal module loads again" reload_good
tap_done

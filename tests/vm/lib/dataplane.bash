# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the data-plane VM tests and the benchmark, sourced
# and not run. They set up two network namespaces joined by a veth pair
# with one m2msec device in each, make connect keys with m2msec_mkconn
# and bind them with m2mctl. They also read `m2mctl show IFACE dump`,
# run background jobs and inject packets.
#
# Side A is the gateway with the initiator's m2m_conn key. Side B is the
# network with the responder's. Call dp_init first. It names the
# namespaces after the test's PID, so that runs do not collide.

dp_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
dp_top=$(cd "$dp_lib/../../.." && pwd -P)
dp_m2mctl=$dp_top/agent/m2mctl/m2mctl
dp_mkconn=$dp_top/tests/selftests/build/m2msec_mkconn
# shellcheck disable=SC2034 # used by the tests that source this file
dp_vectorkey=$dp_top/tests/selftests/build/m2msec_vectorkey
# The VM hides /root, so a python3 shim from a user's PATH may not run.
dp_python=/usr/bin/python3
dp_ifname=m2m0
dp_veth_a=m2mva
dp_veth_b=m2mvb

# Underlay addresses of the veth pair (documentation prefixes).
dp_under4_a=192.0.2.1
dp_under4_b=192.0.2.2
dp_under6_a=2001:db8:4d32::1
dp_under6_b=2001:db8:4d32::2
# Inner addresses on the m2msec devices. Each peer allows the other's.
dp_inner4_a=10.201.0.2
dp_inner4_b=10.201.0.1
dp_inner6_a=fd6d:326d:6d32::2
dp_inner6_b=fd6d:326d:6d32::1

dp_jobs=()

# dp_init: pick the namespace names, make a work directory and one
# keyring per side in the session keyring. The two m2m_conn keys of a
# handshake have the same description, so linking both into one keyring
# would make the second replace the first.
dp_init() {
	dp_ns_a=m2mtest-a-$$
	dp_ns_b=m2mtest-b-$$
	dp_work=$(mktemp -d "${TMPDIR:-/tmp}/m2msec-dp.XXXXXX")
	dp_ring_a=$(keyctl newring "m2mtest-a-$$" @s)
	dp_ring_b=$(keyctl newring "m2mtest-b-$$" @s)
}

# dp_require_tools: print why the test cannot run, or nothing. The
# binaries come from `make agent selftests`.
dp_require_tools() {
	local tool

	[ "$(id -u)" = 0 ] || { echo "needs root"; return 1; }
	[ -d /sys/module/m2msec ] || { echo "m2msec.ko is not loaded"; return 1; }
	for tool in "$dp_m2mctl" "$dp_mkconn"; do
		[ -x "$tool" ] || { echo "$tool is not built (make agent selftests)"; return 1; }
	done
	for tool in ip keyctl ping "$dp_python" "$@"; do
		command -v "$tool" > /dev/null ||
			{ echo "$tool is not installed (scripts/deps)"; return 1; }
	done
}

in_a() { ip netns exec "$dp_ns_a" "$@"; }
in_b() { ip netns exec "$dp_ns_b" "$@"; }
# in_ns SIDE CMD...: run CMD in side a or b.
in_ns() {
	local side=$1

	shift
	if [ "$side" = a ]; then in_a "$@"; else in_b "$@"; fi
}

# dp_quiet CMD...: run CMD without its output, for checks.
dp_quiet() {
	"$@" > /dev/null 2>&1
}

# dp_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
dp_wait_for() {
	local deadline=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# dp_netns_up: both namespaces, loopback up, the veth pair with IPv4 and
# IPv6 underlay addresses (no duplicate address detection, so that the
# addresses are usable at once).
dp_netns_up() {
	local a=(ip -n "$dp_ns_a") b=(ip -n "$dp_ns_b")

	ip netns add "$dp_ns_a" || return 1
	ip netns add "$dp_ns_b" || return 1
	"${a[@]}" link set lo up || return 1
	"${b[@]}" link set lo up || return 1
	ip link add "$dp_veth_a" netns "$dp_ns_a" type veth \
		peer name "$dp_veth_b" netns "$dp_ns_b" || return 1
	"${a[@]}" addr add "$dp_under4_a/24" dev "$dp_veth_a" || return 1
	"${b[@]}" addr add "$dp_under4_b/24" dev "$dp_veth_b" || return 1
	"${a[@]}" addr add "$dp_under6_a/64" dev "$dp_veth_a" nodad || return 1
	"${b[@]}" addr add "$dp_under6_b/64" dev "$dp_veth_b" nodad || return 1
	"${a[@]}" link set "$dp_veth_a" up || return 1
	"${b[@]}" link set "$dp_veth_b" up
}

# dp_dev_up SIDE INNER4 INNER6: create the m2msec device of a side with
# an IPv4 /24 and an IPv6 /64 inner address, and bring it up.
dp_dev_up() {
	local side=$1 inner4=$2 inner6=$3 ns=$dp_ns_a

	[ "$side" = b ] && ns=$dp_ns_b
	ip -n "$ns" link add "$dp_ifname" type m2msec || return 1
	ip -n "$ns" addr add "$inner4/24" dev "$dp_ifname" || return 1
	ip -n "$ns" addr add "$inner6/64" dev "$dp_ifname" nodad || return 1
	ip -n "$ns" link set "$dp_ifname" up
}

# dp_mkconn [ARG...]: run a local connect handshake and set dp_key_i,
# dp_key_r (the initiator's and the responder's m2m_conn serials, in
# dp_ring_a and dp_ring_b) and dp_node (the node id, 32 hex digits).
dp_mkconn() {
	local out

	out=$("$dp_mkconn" --keyring-i "$dp_ring_a" --keyring-r "$dp_ring_b" \
		"$@") || { echo "# m2msec_mkconn $* failed"; return 1; }
	read -r dp_key_i dp_key_r dp_node <<< "$out"
	[[ $dp_key_i =~ ^[0-9]+$ && $dp_key_r =~ ^[0-9]+$ &&
	   $dp_node =~ ^[0-9a-f]{32}$ ]] ||
		{ echo "# m2msec_mkconn printed '$out', expected two serials and a node id"; return 1; }
}

# dp_endpoint SIDE FAMILY: the underlay endpoint of a side's device,
# in the HOST:PORT form of m2mctl.
dp_endpoint() {
	local side=$1 family=$2 port

	port=$(dp_dev_field "$side" port)
	if [ "$family" = 6 ]; then
		if [ "$side" = a ]; then echo "[$dp_under6_a]:$port"; else echo "[$dp_under6_b]:$port"; fi
	else
		if [ "$side" = a ]; then echo "$dp_under4_a:$port"; else echo "$dp_under4_b:$port"; fi
	fi
}

# dp_pair_up FAMILY [MKCONN_ARG...]: namespaces, veth and both devices,
# then the peers of dp_peers_up.
dp_pair_up() {
	dp_netns_up || { echo "# setting up the namespaces failed"; return 1; }
	dp_dev_up a "$dp_inner4_a" "$dp_inner6_a" || return 1
	dp_dev_up b "$dp_inner4_b" "$dp_inner6_b" || return 1
	dp_peers_up "$@"
}

# dp_peers_up FAMILY [MKCONN_ARG...]: a connect key pair and a peer on
# each side that points at the other side's underlay address of FAMILY
# (4 or 6) and allows its inner addresses. The endpoints are read first,
# so that a key with a short lifetime is bound soon after it is made.
dp_peers_up() {
	local family=$1 endpoint_a endpoint_b

	shift
	endpoint_a=$(dp_endpoint a "$family")
	endpoint_b=$(dp_endpoint b "$family")
	dp_mkconn "$@" || return 1
	in_a "$dp_m2mctl" peer add "$dp_ifname" key "$dp_key_i" \
		endpoint "$endpoint_b" \
		allowed-ips "$dp_inner4_b/32,$dp_inner6_b/128" > /dev/null ||
		{ echo "# m2mctl peer add on side a failed"; return 1; }
	in_b "$dp_m2mctl" peer add "$dp_ifname" key "$dp_key_r" \
		endpoint "$endpoint_a" \
		allowed-ips "$dp_inner4_a/32,$dp_inner6_a/128" > /dev/null ||
		{ echo "# m2mctl peer add on side b failed"; return 1; }
}

# dp_dump SIDE: the tab-separated dump of the side's device.
dp_dump() {
	in_ns "$1" "$dp_m2mctl" show "$dp_ifname" dump
}

dp_peer_fields=(ifname node_id endpoint allowed_ips key_serial key_id suite
	role index peer_index key_expires last_handshake_ms last_rx_ms
	last_tx_ms rx_bytes tx_bytes rx_packets tx_packets drop_auth
	drop_replay drop_no_key drop_source keepalive state)
dp_dev_fields=(ifname port peers drop_unknown_index drop_malformed
	drop_no_peer)

# dp_field_index NAME LIST...: the 1-based position of NAME in LIST.
dp_field_index() {
	local name=$1 i=1 field

	shift
	for field in "$@"; do
		[ "$field" = "$name" ] && { echo "$i"; return 0; }
		i=$((i + 1))
	done
	echo "dp_field_index: unknown field $name" >&2
	return 1
}

# dp_peer_field SIDE FIELD [NODE_ID]: one field of the peer line with
# NODE_ID (default: the first peer line) of the side's device.
dp_peer_field() {
	local side=$1 index

	index=$(dp_field_index "$2" "${dp_peer_fields[@]}") || return 1
	dp_dump "$side" | awk -F '\t' -v i="$index" -v node="${3:-}" '
		NF == 24 && (node == "" || $2 == node) { print $i; exit }'
}

# dp_dev_field SIDE FIELD: one field of the side's interface line.
dp_dev_field() {
	local side=$1 index

	index=$(dp_field_index "$2" "${dp_dev_fields[@]}") || return 1
	dp_dump "$side" | awk -F '\t' -v i="$index" '
		NF == 6 { print $i; exit }'
}

# dp_key_id SERIAL: the key id (first word of the description) of an
# m2m_conn key.
dp_key_id() {
	keyctl rdescribe "$1" | awk -F ';' '{ split($5, w, " "); print w[1] }'
}

# dp_bg NAME CMD...: start CMD in the background with its output in
# $dp_work/NAME.out, and remember it for dp_down. A CMD that starts with
# in_a, in_b or in_ns runs as `ip netns exec` directly, so that the PID
# in dp_last_job is the command's own and killing it stops the command.
dp_bg() {
	local name=$1 ns

	shift
	case $1 in
	in_a)	shift; set -- ip netns exec "$dp_ns_a" "$@" ;;
	in_b)	shift; set -- ip netns exec "$dp_ns_b" "$@" ;;
	in_ns)	ns=$dp_ns_a
		[ "$2" = b ] && ns=$dp_ns_b
		shift 2
		set -- ip netns exec "$ns" "$@" ;;
	esac
	"$@" > "$dp_work/$name.out" 2>&1 &
	dp_jobs+=($!)
	dp_last_job=$!
}

# dp_events_start SIDE NAME [SECONDS]: record `m2mctl events` of a side
# in $dp_work/NAME.out until SECONDS pass (default 30).
dp_events_start() {
	dp_bg "$2" in_ns "$1" "$dp_m2mctl" events --timeout "${3:-30}"
	# Give the listener time to join the multicast group.
	sleep 0.5
}

# dp_event_seen NAME EVENT [KEY_ID]: whether the recorded events in
# $dp_work/NAME.out have an EVENT line for our node (and KEY_ID).
dp_event_seen() {
	local file=$dp_work/$1.out event=$2 key_id=${3:-}

	awk -v e="$event" -v n="$dp_node" -v k="$key_id" '
		$1 == e && $3 == n && (k == "" || $4 == k) { found = 1 }
		END { exit !found }' "$file"
}

# dp_inject SIDE SRC DST PORT HEX...: send each HEX string as one UDP
# datagram from SRC (an address of SIDE) to DST:PORT, in order.
dp_inject() {
	local side=$1

	shift
	in_ns "$side" "$dp_python" "$dp_lib/inject.py" "$@"
}

# dp_snmp SIDE GROUP FIELD: one counter of /proc/net/snmp in the side's
# namespace, e.g. dp_snmp b Ip InReceives.
dp_snmp() {
	in_ns "$1" awk -v g="$2:" -v f="$3" '
		$1 == g && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == g { print $col[f]; exit }' /proc/net/snmp
}

# dp_iperf_start SIDE ADDR: an iperf3 server on ADDR for one test.
dp_iperf_start() {
	dp_bg "iperf-server-$1" in_ns "$1" iperf3 -s -1 -B "$2"
	dp_wait_for 5 dp_iperf_listening "$1"
}

dp_iperf_listening() {
	[ -n "$(in_ns "$1" ss -Hltn 'sport = :5201')" ]
}

# dp_json FILE EXPR: evaluate a Python expression on the JSON in FILE,
# bound to j.
dp_json() {
	"$dp_python" -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

# dp_capture_start SIDE NAME [FILTER...]: capture the side's veth into
# $dp_work/NAME.pcap.
dp_capture_start() {
	local side=$1 dev=$dp_veth_a

	[ "$side" = b ] && dev=$dp_veth_b
	dp_capture_iface "$dev" "$@"
}

# dp_capture_start_dev SIDE NAME [FILTER...]: capture the side's m2msec
# device (inner packets, link type raw IP) into $dp_work/NAME.pcap.
dp_capture_start_dev() {
	dp_capture_iface "$dp_ifname" "$@"
}

# dp_capture_iface DEV SIDE NAME [FILTER...]: capture DEV of a side.
dp_capture_iface() {
	local dev=$1 side=$2 name=$3

	shift 3
	dp_bg "$name-tcpdump" in_ns "$side" tcpdump -i "$dev" -n -U -s 2048 \
		-w "$dp_work/$name.pcap" "$@"
	dp_capture_job=$dp_last_job
	# tcpdump prints "listening on" once the capture runs.
	dp_wait_for 10 grep -q 'listening on' "$dp_work/$name-tcpdump.out"
}

# dp_capture_stop: stop the capture that dp_capture_start began last.
dp_capture_stop() {
	sleep 0.5
	kill -INT "$dp_capture_job" 2> /dev/null
	wait "$dp_capture_job" 2> /dev/null
	return 0
}

# dp_pcap_hex FILE: the bytes of a capture file as one hex string.
dp_pcap_hex() {
	od -An -tx1 -v "$1" | tr -d ' \n'
}

# dp_down: stop the background jobs and delete both namespaces.
dp_down() {
	local pid

	for pid in "${dp_jobs[@]}"; do
		kill "$pid" 2> /dev/null
	done
	for pid in "${dp_jobs[@]}"; do
		wait "$pid" 2> /dev/null
	done
	dp_jobs=()
	ip netns del "$dp_ns_a" 2> /dev/null
	ip netns del "$dp_ns_b" 2> /dev/null
	return 0
}

# dp_find_module_file: the path of the normal m2msec.ko that vm-run
# loaded, for reloading it after a test replaced or removed it.
dp_find_module_file() {
	local ko

	for ko in "${M2MSEC_KO:-}" /run/m2msec-job/m2msec.ko \
		"$dp_top/build/$(uname -r)/m2msec.ko"; do
		if [ -n "$ko" ] && [ -f "$ko" ]; then
			echo "$ko"
			return 0
		fi
	done
	return 1
}

# dp_module_params: the parameters of the loaded module as insmod
# arguments, so that a reload keeps them.
dp_module_params() {
	local dir=/sys/module/m2msec/parameters p

	for p in max_half_open half_open_timeout_ms; do
		[ -r "$dir/$p" ] && printf '%s=%s ' "$p" "$(cat "$dir/$p")"
	done
	[ "$(cat "$dir/selftest" 2> /dev/null)" = Y ] && printf 'selftest=1'
	echo
}

# SPDX-License-Identifier: GPL-2.0
# The demo scenario, shared by scripts/demo and tests/vm/demo_test.sh
# (sourced, not run): a network namespace and a gateway namespace joined
# by veth, one bootstrap credential on both sides, and m2md in each.
#
# Both namespaces share the VM's kernel keyrings, and root's user keyring
# @u would hold both sides' keys: the network side's copy of a device's
# Kmr and the gateway's own Kmr have the same type and description, so
# the second would replace the first. Each agent therefore runs in a
# named session keyring of its own (m2m-net, m2m-gw) and puts its keys
# there (--keyring @s). A process that has a session keyring does not
# search @u, so neither side can find the other's keys. The agent's
# wrapper grants its uid search permission on that keyring (0x3f0b0000:
# possessor all, user view, read and search). With it, `keyctl session
# NAME CMD` joins the agent's keyring for inspection instead of making a
# new one. The keys in it stay unreadable whatever the keyring allows.

demo_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
m2md=$demo_top/agent/m2md/m2md
m2mctl=$demo_top/agent/m2mctl/m2mctl

ns_net=m2m-net
ns_gw=m2m-gw
net_addr=10.77.0.1
gw_addr=10.77.0.2
nscl_url=http://$net_addr:8080
gscl_url=http://127.0.0.1:8181
demo_dir=/tmp/m2msec-demo
# Each agent's admin socket: requests on it come from root, which may do
# anything, so the demo reads the NSCL's tree there.
net_admin=$demo_dir/net.sock
gw_admin=$demo_dir/gw.sock
# The demo's application runs as this user and reads only its own Kma.
app_uid=65534
# Readings are slow under TCG: every wait allows this many seconds.
demo_wait=${M2MSEC_DEMO_WAIT:-60}
# More m2md options for the network side, for example "--kmc-lifetime 40"
# to watch a rekey. Split at spaces.
demo_net_opts=${M2MSEC_DEMO_NET_OPTS:-}

net_pid=
gw_pid=

# Run CMD in a namespace, inside that side's session keyring, without
# keyctl's "Joined session keyring" notice.
in_side() {
	local ns=$1

	shift
	ip netns exec "$ns" keyctl session "$ns" "$@" \
		2> >(grep --line-buffered -v '^Joined session keyring' >&2)
}
in_net() { in_side "$ns_net" "$@"; }
in_gw() { in_side "$ns_gw" "$@"; }

demo_require() {
	local missing=

	[ "$(id -u)" = 0 ] || missing="root"
	[ -d /sys/module/m2msec ] || missing="$missing m2msec.ko"
	[ -x "$m2md" ] || missing="$missing $m2md"
	[ -x "$m2mctl" ] || missing="$missing $m2mctl"
	if [ -n "$missing" ]; then
		echo "demo: missing:$missing. Run it in a VM with 'make demo' or" \
			"'scripts/vm-run -- scripts/demo' after 'make'." >&2
		return 1
	fi
}

demo_netns_up() {
	ip netns add "$ns_net" &&
	ip netns add "$ns_gw" &&
	ip link add veth-net netns "$ns_net" type veth \
		peer name veth-gw netns "$ns_gw" &&
	ip -n "$ns_net" addr add "$net_addr/24" dev veth-net &&
	ip -n "$ns_gw" addr add "$gw_addr/24" dev veth-gw &&
	ip -n "$ns_net" link set lo up &&
	ip -n "$ns_gw" link set lo up &&
	ip -n "$ns_net" link set veth-net up &&
	ip -n "$ns_gw" link set veth-gw up
}

# demo_agents_up BOOT-ID [CREDENTIAL-FILE]: start both agents, each in
# its own session keyring holding the same bootstrap credential. Without
# a file, the credential is 32 random bytes in a file on the VM's tmpfs.
# The file is removed as soon as both keys exist.
demo_agents_up() {
	local boot_id=$1 credential=${2:-$demo_dir/credential}

	mkdir -p "$demo_dir/net" "$demo_dir/gw"
	if [ -z "${2:-}" ]; then
		(umask 077 && head -c 32 /dev/urandom > "$credential") ||
			return 1
	fi
	in_net bash -c 'keyctl setperm @s 0x3f0b0000 &&
		keyctl padd m2m_boot "$1" @s > /dev/null &&
		exec "$2" --role network --listen '"$net_addr"':8080 \
			--state-dir "$3" --keyring @s --admin-socket "$4" $5' \
		net-agent "$boot_id" "$m2md" "$demo_dir/net" "$net_admin" \
		"$demo_net_opts" \
		< "$credential" > "$demo_dir/net.log" 2>&1 &
	net_pid=$!
	in_gw bash -c 'keyctl setperm @s 0x3f0b0000 &&
		keyctl padd m2m_boot "$1" @s > /dev/null &&
		exec "$2" --role gateway --nscl '"$nscl_url"' \
			--bootstrap-id "$1" --state-dir "$3" --keyring @s \
			--retry-min 1 --retry-max 4 --admin-socket "$4"' \
		gw-agent "$boot_id" "$m2md" "$demo_dir/gw" "$gw_admin" \
		< "$credential" > "$demo_dir/gw.log" 2>&1 &
	gw_pid=$!
	wait_for "$demo_wait" has_key net m2m_boot &&
		wait_for "$demo_wait" has_key gw m2m_boot
	local rc=$?
	rm -f "$credential"
	return "$rc"
}

# demo_kill_netns NS: stop every process in NS (the agents run there
# under ip netns exec and keyctl session, which do not pass on a kill of
# the subshell whose pid demo_agents_up keeps) and wait up to 5 s.
demo_kill_netns() {
	local pids tries=50

	pids=$(ip netns pids "$1" 2> /dev/null) || return 0
	[ -n "$pids" ] || return 0
	kill $pids 2> /dev/null
	while [ "$tries" -gt 0 ] && [ -n "$(ip netns pids "$1" 2> /dev/null)" ]; do
		sleep 0.1
		tries=$((tries - 1))
	done
}

demo_down() {
	capture_stop
	[ -n "$gw_pid" ] && kill "$gw_pid" 2> /dev/null
	[ -n "$net_pid" ] && kill "$net_pid" 2> /dev/null
	demo_kill_netns "$ns_gw"
	demo_kill_netns "$ns_net"
	wait 2> /dev/null
	ip netns del "$ns_gw" 2> /dev/null
	ip netns del "$ns_net" 2> /dev/null
}

# wait_for SECONDS CMD...: poll CMD every half second until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))

	shift
	until "$@" > /dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.5
	done
}

# Print the "key" records of one side's session keyring, tab-separated:
# TYPE SERIAL DESCRIPTION NODE-ID KEY-ID KEY-INDEX EXPIRY SECONDS-LEFT
keys_of() {
	local side=$1

	"in_$side" "$m2mctl" show --dump --state-dir "$demo_dir/$side" |
		awk -F'\t' '$1 == "key" { $1 = ""; sub(/^\t/, ""); print }' OFS='\t'
}

# Print the serial of the first key of TYPE in one side's keyring.
key_serial() { keys_of "$1" | awk -F'\t' -v t="$2" '$1 == t { print $2; exit }'; }
# Print the node id of the first key of TYPE in one side's keyring.
key_node_id() { keys_of "$1" | awk -F'\t' -v t="$2" '$1 == t { print $4; exit }'; }
# Print the key id of the first key of TYPE in one side's keyring.
key_key_id() { keys_of "$1" | awk -F'\t' -v t="$2" '$1 == t { print $5; exit }'; }

has_key() { [ -n "$(key_serial "$1" "$2")" ]; }

# True when the NSCL logged that scl $1 registered over the tunnel.
scl_over_tunnel() {
	grep -q "registered scl $1 at .* over the tunnel" "$demo_dir/net.log"
}

# Print the sclId that the gateway registered, from the NSCL's <scls>.
registered_scl() {
	curl -sf --unix-socket "$net_admin" -H 'Accept: application/json' \
		http://localhost/nscl/scls |
		grep -o 'gscl-[0-9a-f]*' | head -n 1
}

has_scl() { [ -n "$(registered_scl)" ]; }

# gscl_post PATH CONTENT-TYPE BODY: POST on the gateway's local tree and
# print the HTTP status. The reply body is kept in $demo_dir/reply.
gscl_post() {
	ip netns exec "$ns_gw" curl -s -o "$demo_dir/reply" -w '%{http_code}' \
		-X POST -H "Content-Type: $2" --data-binary "$3" "$gscl_url$1"
}

# nscl_get PATH: GET from the NSCL on its admin socket.
nscl_get() {
	curl -sf --unix-socket "$net_admin" "http://localhost$1"
}

# app_kma APP KEY-ID: derive the Kma of application APP from the gateway's
# Kmc into a key that user $app_uid owns, and print the key's serial.
app_kma() {
	in_gw "$m2mctl" kma --key-id "$2" --app "$1" --uid "$app_uid" \
		--keyring @s
}

# as_uid UID CMD...: run CMD as user UID, outside the agents' session
# keyrings, so that it possesses none of their keys.
as_uid() {
	local uid=$1

	shift
	setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

# app_rest APP SERIAL KID METHOD PATH [BODY [CONTENT-TYPE]]: the
# application APP, running as user $app_uid in the gateway namespace,
# sends a request to the GSCL signed with its Kma (m2mctl rest). It
# reads the key as its owner, not as a possessor. Prints the HTTP
# status; m2mctl's output is kept in $demo_dir/reply.
app_rest() {
	local app=$1 serial=$2 kid=$3 method=$4 path=$5

	shift 5
	[ $# -ge 1 ] && set -- -H "Content-Type: ${2:-application/xml}" -- "$1"
	ip netns exec "$ns_gw" setpriv --reuid="$app_uid" --regid="$app_uid" \
		--clear-groups \
		"$m2mctl" rest --app "$app" --kma "$serial" --kid "$kid" \
		"$method" "$gscl_url$path" "$@" > "$demo_dir/reply" 2>&1
	awk 'NR == 1 && /^HTTP\// { print $2 }' "$demo_dir/reply"
}

# The tunnel: both agents create an m2msec interface of this name, and
# the gateway sends its mId traffic through it to the NSCL.
tunnel_if=m2m0
tunnel_port=5685
capture=$demo_dir/underlay.pcap
capture_pid=

# Print the tab-separated peer line of the tunnel interface on one side
# (see 'm2mctl show --help' for its 24 fields).
tunnel_peer() {
	"in_$1" "$m2mctl" show "$tunnel_if" dump | awk -F'\t' 'NF == 24'
}

# tunnel_field SIDE N: print field N of the side's peer line.
tunnel_field() { tunnel_peer "$1" | awk -F'\t' -v n="$2" '{ print $n; exit }'; }

# True when the side has the tunnel interface.
has_tunnel_if() { "in_$1" ip link show "$tunnel_if" > /dev/null 2>&1; }

# True when the side's peer sent and received inner bytes.
tunnel_counters_grew() {
	[ "$(tunnel_field "$1" 15)" -gt 0 ] 2> /dev/null &&
		[ "$(tunnel_field "$1" 16)" -gt 0 ] 2> /dev/null
}

# Record everything on the network side's veth into $capture.
capture_start() {
	mkdir -p "$demo_dir"
	ip netns exec "$ns_net" tcpdump -i veth-net -nn -U -Z root \
		-w "$capture" > "$demo_dir/tcpdump.log" 2>&1 &
	capture_pid=$!
	# tcpdump prints "listening on" once it captures.
	wait_for 10 grep -q 'listening on' "$demo_dir/tcpdump.log"
}

capture_stop() {
	[ -n "$capture_pid" ] || return 0
	kill -INT "$capture_pid" 2> /dev/null
	wait "$capture_pid" 2> /dev/null
	capture_pid=
}

# Print the UDP packets on the tunnel port from the capture.
capture_tunnel_packets() {
	tcpdump -r "$capture" -nn "udp port $tunnel_port" 2> /dev/null
}

# True when the capture contains the text $1 anywhere, in any packet.
capture_has_text() {
	grep -aqF -- "$1" "$capture"
}

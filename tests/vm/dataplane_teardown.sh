#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tearing down under traffic. First a namespace with a live m2msec device
# is deleted while a ping flood runs into it through the tunnel, then the
# other one. Then a new pair carries a flood and an iperf3 run while the
# module is removed with both devices still up. Neither may leave a
# kernel warning; rmmod must succeed, lsmod must no longer list m2msec,
# and /proc/keys must have no m2msec key left. The module that vm-run
# loaded is loaded again at the end.

if [ -z "${M2MSEC_DP_SESSION:-}" ]; then
	export M2MSEC_DP_SESSION=1
	exec keyctl session - "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tap.bash
. "$here/tap.bash"
# shellcheck source=lib/dataplane.bash
. "$here/lib/dataplane.bash"

why=$(dp_require_tools iperf3 ss lsmod) && why=
[ -z "$why" ] || skip_all "$why"

good=$(dp_find_module_file)
params=$(dp_module_params)
dp_init
cleanup() {
	dp_down
	rm -rf "$dp_work"
	# shellcheck disable=SC2086 # one parameter per word
	[ -n "$good" ] && [ ! -d /sys/module/m2msec ] && insmod "$good" $params
}
trap cleanup EXIT

warning_re='WARNING:|BUG:|Oops|KASAN|UBSAN|KFENCE|general protection|kernel BUG|refcount_t'
log_mark=$(dmesg | wc -l)
# new_warnings: kernel warning lines since the test began.
new_warnings() {
	dmesg | tail -n +"$((log_mark + 1))" | grep -cE "$warning_re"
}

# wait_net_cleanup: wait until the kernel has finished destroying the
# deleted namespaces (cleanup_net runs in a work queue). A namespace
# has no netns file once deleted, so the veth of the other side going
# away is the sign used here.
veth_gone() { ! in_a ip link show "$dp_veth_a" > /dev/null 2>&1; }

check "normal module file found" test -n "$good"

# 1. Namespace deletion with live devices and traffic.
if dp_pair_up 4; then
	check "netns pair setup" true
	check "netns ping before" dp_quiet in_a ping -c 2 -W 5 "$dp_inner4_b"
	dp_bg flood-a in_a ping -f -W 1 -c 1000000 "$dp_inner4_b"
	dp_bg flood-b in_b ping -6 -f -W 1 -c 1000000 "$dp_inner6_a"
	sleep 2
	check "netns flood reached side b" \
		test "$(dp_peer_field b rx_packets)" -gt 10
	# Side b's flood must stop first, or its ping keeps the netns alive.
	kill "$dp_last_job" 2> /dev/null
	wait "$dp_last_job" 2> /dev/null
	check "delete side b netns under traffic" ip netns del "$dp_ns_b"
	check "side a's veth goes with side b" dp_wait_for 10 veth_gone
	sleep 1
	check "side a device still listed" \
		dp_quiet in_a ip link show "$dp_ifname"
	dp_down
	check "delete side a netns" test ! -e "/run/netns/$dp_ns_a"
	sleep 2
	check_equal "netns deletion: no kernel warning" 0 "$(new_warnings)"
else
	check "netns pair setup" false
	dp_down
fi

# 2. rmmod with live devices and traffic.
dp_init
if dp_pair_up 6; then
	check "rmmod pair setup" true
	dp_iperf_start b "$dp_inner4_b"
	dp_bg iperf in_a iperf3 -c "$dp_inner4_b" -t 30
	dp_bg flood in_a ping -6 -f -W 1 -c 1000000 "$dp_inner6_b"
	sleep 3
	check "rmmod traffic flows" \
		test "$(dp_peer_field b rx_packets)" -gt 10
	check "rmmod with live devices" rmmod m2msec
	check_fails "lsmod lists no m2msec" grep -qw '^m2msec' <(lsmod)
	check "devices gone with the module" \
		dp_wait_for 5 bash -c "! ip -n $dp_ns_a link show $dp_ifname 2> /dev/null"
	dp_down
	# Keys of an unregistered type are destroyed by the key garbage
	# collector, which runs asynchronously.
	check "proc keys has no m2msec key" \
		dp_wait_for 10 bash -c "! grep -qE 'm2m_(conn|root|boot)' /proc/keys"
	sleep 2
	check_equal "rmmod: no kernel warning" 0 "$(new_warnings)"
else
	check "rmmod pair setup" false
	dp_down
fi

# shellcheck disable=SC2086 # one parameter per word
check "normal module loads again" insmod "$good" $params
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-run: --no-module --systemd --mem 1536
#
# Installs the Debian packages of make deb into the clean overlay root of
# a VM whose PID 1 is systemd, and operates m2md as the gateway service.
# It checks the DKMS build for the running kernel, m2msec-load.service,
# the man pages and the unit hardening. Then the gateway bootstraps and
# connects, reloads, restarts without a second bootstrap and rejects a
# config file with a bad line. Last, both packages are removed and
# purged.
#
# The gateway runs as m2md-gateway.service in the VM's own network
# namespace with its keys in root's user keyring (@u). The network side
# is a plain m2md in a network namespace of its own (veth 10.77.0.1 to
# 10.77.0.2) and a session keyring of its own. In one namespace both
# roles would create the tunnel interface m2m0. In one keyring the
# network's copy of the gateway's Kmr (same key type and description)
# would replace the gateway's own.
#
# Prints one "ok N what" or "not ok N what" line per check, "#" lines
# with measured times, and exits 0 only when every check passes.
#
# Usage (from the repository, after make deb):
#   scripts/vm-run --kernel 6.12 --no-module --systemd --mem 1536 \
#       -- tests/pkg/service.sh
# or tests/pkg/run 6.12, which reads the vm-run options above.
# Environment: M2MSEC_DEB_DIR, the directory of the .deb files
# (default build/deb); M2MSEC_PKG_WAIT, seconds allowed for each wait
# (default 90, for TCG).

set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
deb_dir=${M2MSEC_DEB_DIR:-$top/build/deb}
wait_sec=${M2MSEC_PKG_WAIT:-90}
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
release=$(uname -r)
conf=/etc/m2msec/m2md.conf
gw_unit=m2md-gateway.service
state_dir=/var/lib/m2msec/gateway
work=/tmp/m2msec-pkg
ns_net=m2m-net
net_addr=10.77.0.1
gw_addr=10.77.0.2
boot_id=pkg-service-gw
# CAP_NET_ADMIN is capability 12, so the capability masks are 1 << 12.
cap_net_admin_mask=0000000000001000
start_time=$SECONDS

# shellcheck source=../vm/tap.bash
. "$top/tests/vm/tap.bash"

# bail_out REASON: stop with a "Bail out!" line, after the cleanup and
# with the counts so far.
bail_out() {
	echo "Bail out! $*"
	finish
}

finish() {
	cleanup
	echo "1..$tap_count"
	echo "# service test: $((tap_count - tap_failed)) passed," \
		"$tap_failed failed, $((SECONDS - start_time)) s"
	[ "$tap_count" -gt 0 ] && [ "$tap_failed" -eq 0 ]
	exit $?
}

cleanup() {
	local pids

	pids=$(ip netns pids "$ns_net" 2> /dev/null)
	[ -n "$pids" ] && kill $pids 2> /dev/null
	sleep 0.5
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

main_pid() { systemctl show -P MainPID "$gw_unit"; }
invocation() { systemctl show -P InvocationID "$gw_unit"; }

# The journal lines of one run of the gateway service, as plain text.
journal_of() {
	journalctl --no-pager -o cat "_SYSTEMD_INVOCATION_ID=$1"
}

# count_lines INVOCATION PATTERN: journal lines of that run matching the
# extended regular expression PATTERN.
count_lines() {
	journal_of "$1" | grep -cE "$2"
}

has_line() { [ "$(count_lines "$1" "$2")" -gt 0 ]; }

# The status field NAME of process PID, such as CapEff.
proc_field() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

print_journal_tail() {
	journalctl --no-pager -o short-monotonic -u "$gw_unit" -n 30 |
		sed 's/^/# /'
}

write_gateway_conf() {
	mkdir -p /etc/m2msec
	cat > "$conf" <<-CONF
	# Written by tests/pkg/service.sh.
	log-level = info

	[gateway]
	nscl = http://$net_addr:8080
	bootstrap-id = $boot_id
	retry-min = 1
	retry-max = 4
	CONF
}

check_environment() {
	[ "$(id -u)" = 0 ] || bail_out "not root: run in a VM (scripts/vm-run)"
	[ "$(cat /proc/1/comm)" = systemd ] ||
		bail_out "PID 1 is not systemd: run with scripts/vm-run --systemd"
	touch /usr/src/.m2msec-pkg-probe 2> /dev/null ||
		bail_out "the root is read-only: run with scripts/vm-run --overlay"
	rm -f /usr/src/.m2msec-pkg-probe
	dkms_deb=$(ls "$deb_dir"/m2msec-dkms_"$version"-*_all.deb 2> /dev/null | tail -n 1)
	agent_deb=$(ls "$deb_dir"/m2msec-agent_"$version"-*_amd64.deb 2> /dev/null | tail -n 1)
	[ -n "$dkms_deb" ] && [ -n "$agent_deb" ] ||
		bail_out "m2msec-dkms or m2msec-agent $version not found in $deb_dir: run make deb"
	dpkg -s m2msec-dkms > /dev/null 2>&1 &&
		bail_out "m2msec-dkms is already installed in the VM's root"
	dkms_archive=$top/build/dkms/$release/m2msec-$version.dkms.tar.gz
	[ -s "$dkms_archive" ] ||
		bail_out "$dkms_archive not found: run scripts/lib/dkms-prebuild"
	mkdir -p "$work"
	echo "# VM uptime when the test started: $(cut -d' ' -f1 /proc/uptime) s"
}

# The DKMS postinst builds for the running kernel and for the newest
# installed one, and each build takes minutes under TCG. This test needs
# the running kernel only (tests/pkg/dkms.sh covers the others), so it
# hides the headers of the other kernels under an empty directory.
hide_other_kernel_headers() {
	local dir kernel build

	mkdir -p "$work/empty"
	for dir in /lib/modules/*; do
		kernel=${dir##*/}
		[ "$kernel" = "$release" ] && continue
		build=$(realpath -e "$dir/build" 2> /dev/null) || continue
		mount --bind "$work/empty" "$build" &&
			echo "# headers of $kernel hidden for the DKMS build"
	done
}

test_install() {
	local t0=$SECONDS rc ko

	# The host's root may come from a container image whose policy-rc.d
	# denies every service action, which a gateway does not have: the
	# prerm's stop of the units would then be skipped.
	rm -f /usr/sbin/policy-rc.d
	# The man-db trigger would index every man page of the host's root
	# over 9p, which takes minutes under TCG. man -w needs no index.
	rm -f /var/lib/man-db/auto-update
	export DEBIAN_FRONTEND=noninteractive
	hide_other_kernel_headers
	# One DKMS build takes more than 30 minutes under TCG, so the module
	# that scripts/lib/dkms-prebuild built through DKMS on the host is
	# put where the package's postinst looks for a DKMS archive of built
	# modules (dkms ldtarball); the postinst then installs it without a
	# build.
	mkdir -p /usr/share/m2msec-dkms
	cp "$dkms_archive" /usr/share/m2msec-dkms/ ||
		bail_out "copying $dkms_archive failed"
	dpkg -i "$dkms_deb" "$agent_deb" > "$work/dpkg-i.log" 2>&1
	rc=$?
	echo "# dpkg -i with the DKMS install: $((SECONDS - t0)) s"
	if [ "$rc" -eq 0 ]; then
		pass "dpkg -i m2msec-dkms m2msec-agent"
	else
		fail "dpkg -i m2msec-dkms m2msec-agent" "exit status $rc"
		tail -n 30 "$work/dpkg-i.log" | sed 's/^/# /'
	fi

	if dkms status m2msec 2> /dev/null |
	   grep -qxF "m2msec/$version, $release, x86_64: installed"; then
		pass "dkms status: installed for $release"
	else
		fail "dkms status: installed for $release" \
			"dkms status: $(dkms status m2msec 2>&1 | paste -sd ';')"
	fi
	ko=$(ls "/lib/modules/$release/updates/dkms/"m2msec.ko* 2> /dev/null)
	check "module in /lib/modules/$release/updates/dkms" test -n "$ko"
	check "m2md installed in /usr/sbin" test -x /usr/sbin/m2md
	check "sample config installed as $conf" test -f "$conf"
	check "man -w m2md" man -w m2md
	check "man -w m2mctl" man -w m2mctl
	check "man -w 7 m2msec" man -w 7 m2msec
}

test_units() {
	local out score

	out=$(systemd-analyze verify m2msec-load.service m2md-gateway.service \
		m2md-network.service 2>&1)
	if [ -z "$out" ]; then
		pass "systemd-analyze verify of the three units"
	else
		fail "systemd-analyze verify of the three units" \
			"$(echo "$out" | paste -sd ';')"
	fi
	out=$(systemd-analyze security --no-pager "$gw_unit" 2>&1)
	score=$(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "# systemd-analyze security $gw_unit: ${score:-none}"
	echo "$out" | grep -E '^✗' | sed 's/^/#   /' | head -n 20
	# The limit is this test's choice: the unit's current score plus a
	# margin, so that a lost hardening setting fails the check.
	if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s < 3.0) }'; then
		pass "exposure of $gw_unit below 3.0 ($score)"
	else
		fail "exposure of $gw_unit below 3.0" "score '${score:-none}'"
	fi
}

test_load() {
	check "systemctl start m2msec-load" systemctl start m2msec-load
	check "m2msec in lsmod" bash -c "lsmod | grep -q '^m2msec '"
	check "generic netlink family m2msec" genl ctrl get name m2msec
}

# The network side: its own namespace, session keyring and config.
start_network() {
	local cred=$work/credential

	ip netns add "$ns_net" &&
	ip link add veth-gw type veth peer name veth-net netns "$ns_net" &&
	ip addr add "$gw_addr/24" dev veth-gw &&
	ip link set veth-gw up &&
	ip -n "$ns_net" addr add "$net_addr/24" dev veth-net &&
	ip -n "$ns_net" link set lo up &&
	ip -n "$ns_net" link set veth-net up || return 1

	(umask 077 && head -c 32 /dev/urandom > "$cred") || return 1
	# The gateway service finds its credential in @u, which
	# KeyringMode=shared links into the service's session keyring.
	keyctl padd m2m_boot "$boot_id" @u < "$cred" > /dev/null || return 1
	mkdir -p "$work/net"
	printf 'listen = %s:8080\nstate-dir = %s\nkeyring = @s\nadmin-socket = %s\n' \
		"$net_addr" "$work/net" "$work/net/net.sock" > "$work/net.conf"
	ip netns exec "$ns_net" keyctl session m2m-net bash -c '
		keyctl padd m2m_boot "$1" @s > /dev/null &&
		exec /usr/sbin/m2md --role network --config "$2"' \
		net-side "$boot_id" "$work/net.conf" \
		< "$cred" > "$work/net.log" 2>&1 &
	wait_for 30 test -S "$work/net/net.sock"
	local rc=$?
	rm -f "$cred"
	return "$rc"
}

test_gateway_start() {
	local pid inv

	if start_network; then
		pass "network side started in namespace $ns_net"
	else
		fail "network side started in namespace $ns_net" \
			"$(tail -n 5 "$work/net.log" 2> /dev/null | paste -sd ';')"
	fi
	write_gateway_conf
	check "systemctl start $gw_unit" systemctl start "$gw_unit"
	inv=$(invocation)
	if wait_for "$wait_sec" has_line "$inv" 'connect: done'; then
		pass "gateway bootstraps and connects"
	else
		fail "gateway bootstraps and connects"
		print_journal_tail
		tail -n 10 "$work/net.log" | sed 's/^/# net: /'
	fi
	check "journal of the first start has the bootstrap" \
		has_line "$inv" 'bootstrap: done'
	check "journal JSON has NODE_ID" bash -c \
		"journalctl -o json _SYSTEMD_INVOCATION_ID=$inv |
		 grep -qE '\"NODE_ID\":\"[0-9a-f]{32}\"'"
	check "tunnel interface m2m0 exists" test -d /sys/class/net/m2m0
	check "Kmr in root's user keyring" \
		bash -c "keyctl rlist @u | xargs -r -n 1 keyctl rdescribe |
			 grep -q '^m2m_root;'"

	pid=$(main_pid)
	check_equal "CapEff is cap_net_admin only" "$cap_net_admin_mask" \
		"$(proc_field "$pid" CapEff)"
	check_equal "CapBnd is cap_net_admin only" "$cap_net_admin_mask" \
		"$(proc_field "$pid" CapBnd)"
	check_equal "NoNewPrivs is 1" 1 "$(proc_field "$pid" NoNewPrivs)"
	check "state database in $state_dir" test -f "$state_dir/m2md.db"
	check_equal "$state_dir mode 700" 700 "$(stat -c %a "$state_dir")"
	check "admin socket in /run/m2msec" test -S /run/m2msec/m2md-gateway.sock
}

test_reload() {
	local pid ifindex inv connects

	pid=$(main_pid)
	inv=$(invocation)
	ifindex=$(cat /sys/class/net/m2m0/ifindex 2> /dev/null)
	connects=$(count_lines "$inv" 'connect: done')
	check "systemctl reload $gw_unit" systemctl reload "$gw_unit"
	sleep 2
	check_equal "reload keeps the PID" "$pid" "$(main_pid)"
	check_equal "reload keeps the tunnel interface" "$ifindex" \
		"$(cat /sys/class/net/m2m0/ifindex 2> /dev/null)"
	check_equal "reload keeps the connection" "$connects" \
		"$(count_lines "$inv" 'connect: done')"
	check_equal "service active after reload" active \
		"$(systemctl is-active "$gw_unit")"
}

# Print the serials of the m2m_conn keys (Kmc) in root's user keyring.
conn_keys() {
	local id

	for id in $(keyctl rlist @u 2> /dev/null); do
		case $(keyctl rdescribe "$id" 2> /dev/null) in
		m2m_conn\;*) echo "$id" ;;
		esac
	done
}

# keys_gone SERIAL...: true when none of the serials is in @u any more.
keys_gone() {
	local id now

	now=$(conn_keys)
	for id in "$@"; do
		grep -qx "$id" <<< "$now" && return 1
	done
	return 0
}

test_restart() {
	local pid inv old_keys

	old_keys=$(conn_keys)
	check "gateway holds a Kmc before restart" test -n "$old_keys"
	pid=$(main_pid)
	check "systemctl restart $gw_unit" systemctl restart "$gw_unit"
	inv=$(invocation)
	if [ "$(main_pid)" != "$pid" ]; then
		pass "restart starts a new process"
	else
		fail "restart starts a new process" "MainPID still $pid"
	fi
	if wait_for "$wait_sec" has_line "$inv" 'connect: done'; then
		pass "gateway connects again after restart"
	else
		fail "gateway connects again after restart"
		print_journal_tail
	fi
	check_equal "no bootstrap after restart" 0 \
		"$(count_lines "$inv" 'bootstrapping|bootstrap: done')"
	# The new Kmc replaces the one the tunnel peer kept from the previous
	# run, which is unlinked once its grace of 10 s has passed.
	# shellcheck disable=SC2086
	if wait_for "$wait_sec" keys_gone $old_keys; then
		pass "Kmc of the previous run unlinked"
	else
		fail "Kmc of the previous run unlinked" \
			"before: $(echo $old_keys), now: $(echo $(conn_keys))"
	fi
	check_equal "one Kmc in @u after restart" 1 "$(conn_keys | wc -l)"
}

test_bad_config() {
	local bad_line

	systemctl stop "$gw_unit"
	write_gateway_conf
	echo "no-such-option = 1" >> "$conf"
	bad_line=$(wc -l < "$conf")
	if systemctl start "$gw_unit" 2> /dev/null; then
		fail "start with a bad config line fails" "systemctl start succeeded"
	else
		pass "start with a bad config line fails"
	fi
	check_equal "exit status 2 on a bad config" 2 \
		"$(systemctl show -P ExecMainStatus "$gw_unit")"
	check "journal names $conf:$bad_line" bash -c \
		"journalctl --no-pager -o cat -u $gw_unit | grep -qF '$conf:$bad_line:'"
	check_equal "no restart after a bad config" 0 \
		"$(systemctl show -P NRestarts "$gw_unit")"
	systemctl reset-failed "$gw_unit"

	write_gateway_conf
	check "start again with a good config" systemctl start "$gw_unit"
}

test_remove() {
	local rc pid

	pid=$(main_pid)
	dpkg -r m2msec-agent m2msec-dkms > "$work/dpkg-r.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "dpkg -r m2msec-agent m2msec-dkms"
	else
		fail "dpkg -r m2msec-agent m2msec-dkms" "exit status $rc"
		tail -n 20 "$work/dpkg-r.log" | sed 's/^/# /'
	fi
	check "gateway service stopped" \
		bash -c "! systemctl is-active -q $gw_unit"
	check "gateway process $pid ended" bash -c "! kill -0 $pid 2> /dev/null"
	check "module source removed from /usr/src" \
		test ! -e "/usr/src/m2msec-$version"
	check_equal "dkms status empty" "" "$(dkms status m2msec 2> /dev/null)"
	check "module removed from /lib/modules/$release" bash -c \
		"! ls /lib/modules/$release/updates/dkms/m2msec.ko* 2> /dev/null"
	check "m2md removed" test ! -e /usr/sbin/m2md
	check "edited config kept by dpkg -r" test -f "$conf"

	dpkg -P m2msec-agent m2msec-dkms > "$work/dpkg-p.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "dpkg -P m2msec-agent m2msec-dkms"
	else
		fail "dpkg -P m2msec-agent m2msec-dkms" "exit status $rc"
		tail -n 20 "$work/dpkg-p.log" | sed 's/^/# /'
	fi
	check "config removed by dpkg -P" test ! -e "$conf"
	check "packages purged" bash -c \
		"! dpkg -s m2msec-agent > /dev/null 2>&1 &&
		 ! dpkg -s m2msec-dkms > /dev/null 2>&1"
}

check_environment
test_install
test_units
test_load
test_gateway_start
test_reload
test_restart
test_bad_config
test_remove
finish

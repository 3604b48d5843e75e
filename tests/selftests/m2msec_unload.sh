#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unload safety of m2msec.ko: with keys of all three m2msec types, a Kma
# key and half-open handshakes alive, rmmod must succeed, leave no m2m_
# key in /proc/keys and log no kernel warning. The module is loaded again
# afterwards, with the same parameter values, so that later tests run.
#
# The module file is $M2MSEC_KO, else the copy that scripts/vm-run loaded
# (/run/m2msec-job/m2msec.ko), else build/$(uname -r)/m2msec.ko.
# Output is TAP; the exit status follows kselftest (0 pass, 1 fail,
# 4 skip).

set -u

# Run in a session keyring of our own, shared with the helper, so that
# this shell possesses the keys the helper leaves behind.
if [ -z "${M2MSEC_UNLOAD_SESSION:-}" ]; then
	export M2MSEC_UNLOAD_SESSION=1
	exec keyctl session - "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ksft_skip=4
ntest=0
failed=0

ok() {
	ntest=$((ntest + 1))
	echo "ok $ntest $1"
}

not_ok() {
	ntest=$((ntest + 1))
	failed=1
	echo "not ok $ntest $1"
	shift
	for line in "$@"; do
		echo "# $line"
	done
}

find_module() {
	local ko

	for ko in "${M2MSEC_KO:-}" /run/m2msec-job/m2msec.ko \
		"$top/build/$(uname -r)/m2msec.ko"; do
		if [ -n "$ko" ] && [ -f "$ko" ]; then
			echo "$ko"
			return 0
		fi
	done
	return 1
}

# Print the module's current parameters as name=value words for insmod.
module_params() {
	local p

	for p in /sys/module/m2msec/parameters/*; do
		[ -r "$p" ] || continue
		printf '%s=%s ' "$(basename "$p")" "$(cat "$p")"
	done
}

# Print the /proc/keys lines of every key of an m2msec type.
m2m_keys() {
	grep -E ' m2m_(boot|root|conn) ' /proc/keys
}

echo "TAP version 13"
echo "1..6"

if [ "$(id -u)" -ne 0 ] || [ ! -d /sys/module/m2msec ]; then
	echo "# SKIP m2msec.ko is not loaded or this is not root"
	exit $ksft_skip
fi
ko=$(find_module)
if [ -z "$ko" ]; then
	echo "# SKIP m2msec.ko not found: set M2MSEC_KO to its path"
	exit $ksft_skip
fi
params=$(module_params)
marker="m2msec_unload: start $$"
echo "$marker" > /dev/kmsg

# 1: state to clean up
if rings=$("$here/build/m2msec_mkstate"); then
	ok "state with keys and half-open handshakes created"
else
	not_ok "state with keys and half-open handshakes created" \
		"m2msec_mkstate failed"
	rings=""
fi

# 2: the keys are visible before the unload, so check 4 can fail
before=$(m2m_keys)
missing=""
for type in m2m_boot m2m_root m2m_conn; do
	grep -q " $type " <<< "$before" || missing="$missing $type"
done
if [ -z "$missing" ]; then
	ok "/proc/keys lists keys of all three types before rmmod"
else
	not_ok "/proc/keys lists keys of all three types before rmmod" \
		"missing:$missing"
fi

# 3: rmmod
if out=$(rmmod m2msec 2>&1) && [ ! -d /sys/module/m2msec ]; then
	ok "rmmod m2msec with live keys and handshakes"
else
	not_ok "rmmod m2msec with live keys and handshakes" \
		"rmmod output: $out"
fi

# 4: no key of an m2msec type survives
left=$(m2m_keys)
if [ -z "$left" ]; then
	ok "no m2m_ key in /proc/keys after rmmod"
else
	not_ok "no m2m_ key in /proc/keys after rmmod" "$left"
fi

# 5: a clean kernel log since the marker
klog=$(dmesg --color=never | sed -n "/$marker/,\$p" |
	grep -E 'WARNING|BUG|Oops|Call Trace|KASAN')
if [ -z "$klog" ]; then
	ok "no kernel warning during rmmod"
else
	not_ok "no kernel warning during rmmod" "$klog"
fi

# 6: load the module again for the tests that follow
# shellcheck disable=SC2086 # the parameters are meant to split
if [ -d /sys/module/m2msec ]; then
	ok "m2msec.ko loaded again"
elif out=$(insmod "$ko" $params 2>&1); then
	ok "m2msec.ko loaded again"
else
	not_ok "m2msec.ko loaded again" "insmod $ko $params: $out"
fi

for ring in $rings; do
	keyctl unlink "$ring" @u > /dev/null 2>&1
done
exit $failed

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Load-time self-test of m2msec.ko: loaded with selftest=1, the module
# prints one "m2msec: selftest: <group>: pass" line for every group and
# no failure line.

here=$(dirname "$0")
# shellcheck source=tap.bash
. "$here/tap.bash"

groups=(hkdf x25519 handshake kma data replay negative)
param=/sys/module/m2msec/parameters/selftest

[ -r "$param" ] || skip_all "m2msec.ko is not loaded"
[ "$(cat "$param")" = Y ] || skip_all "m2msec.ko was loaded without selftest=1"

log=$(dmesg)
for group in "${groups[@]}"; do
	check "selftest $group pass line" \
		grep -q "m2msec: selftest: $group: pass" <<< "$log"
done
check_fails "selftest has no FAIL line" \
	grep -q "m2msec: selftest: .*FAIL" <<< "$log"
# The groups run in a fixed order, so the lines must follow it.
order=$(grep -o 'm2msec: selftest: [a-z0-9]*: pass' <<< "$log" |
	awk '{ print $3 }' | tr -d : | head -n "${#groups[@]}" | tr '\n' ' ')
check "selftest groups in order" \
	test "$order" = "${groups[*]} "
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A module whose load-time self-test fails must refuse to load. The test
# build from `make module-broken` corrupts one Kma result; loading it with
# selftest=1 must fail with a FAIL line for that group and leave no
# m2msec module behind. The good module is loaded again at the end.

here=$(dirname "$0")
# shellcheck source=tap.bash
. "$here/tap.bash"

top=$(cd "$here/../.." && pwd -P)
broken=$top/build/$(uname -r)/broken/m2msec.ko
good=
for ko in "${M2MSEC_KO:-}" /run/m2msec-job/m2msec.ko \
	"$top/build/$(uname -r)/m2msec.ko"; do
	if [ -n "$ko" ] && [ -f "$ko" ]; then
		good=$ko
		break
	fi
done

[ -d /sys/module/m2msec ] || skip_all "m2msec.ko is not loaded"
check "broken test module was built (make module-broken)" test -f "$broken"
check "good module file found" test -n "$good"

params=()
for p in max_half_open half_open_timeout_ms; do
	params+=("$p=$(cat /sys/module/m2msec/parameters/$p)")
done

before=$(dmesg | wc -l)
check "rmmod m2msec" rmmod m2msec
check_fails "insmod of the broken module with selftest=1" \
	insmod "$broken" selftest=1
new_log=$(dmesg | tail -n +"$((before + 1))")
check "the kma group printed a FAIL line" \
	grep -q "m2msec: selftest: kma: .*FAIL" <<< "$new_log"
check_fails "no pass line after the failed group" \
	grep -q "m2msec: selftest: data: pass" <<< "$new_log"
check "no m2msec module is left loaded" test ! -d /sys/module/m2msec
check "the good module loads again" insmod "$good" selftest=1 "${params[@]}"
tap_done

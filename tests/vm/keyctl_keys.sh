#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The m2msec key types seen from keyctl: user space can add m2m_boot and
# m2m_root keys of exactly 32 bytes, never read any key back, and never
# add an m2m_conn key. /proc/keys shows metadata, not the payload.

# Work in a session keyring of our own, so nothing outlives the test.
if [ -z "${M2MSEC_KEYCTL_SESSION:-}" ]; then
	export M2MSEC_KEYCTL_SESSION=1
	exec keyctl session - "$0" "$@"
fi

here=$(dirname "$0")
# shellcheck source=tap.bash
. "$here/tap.bash"

[ -d /sys/module/m2msec ] || skip_all "m2msec.ko is not loaded"

node_id=00112233445566778899aabbccddeeff
secret=$(mktemp)
head -c 32 /dev/urandom > "$secret"
secret_hex=$(od -An -tx1 -v "$secret" | tr -d ' \n')

root=$(keyctl padd m2m_root "$node_id" @s < "$secret")
check "m2m_root add 32 bytes" test -n "$root"
check_fails "m2m_root print rejected" keyctl print "$root"
check_fails "m2m_root read rejected" keyctl read "$root"
check_fails "m2m_root pipe rejected" keyctl pipe "$root"
check "m2m_root describe type" \
	bash -c "keyctl describe $root | grep -q 'm2m_root'"
check "proc keys lists m2m_root" grep -q "m2m_root.*$node_id" /proc/keys
check_fails "proc keys hides payload" grep -qi "${secret_hex:0:16}" /proc/keys

check_fails "m2m_root 31 bytes rejected" \
	bash -c "head -c 31 /dev/urandom | keyctl padd m2m_root 0123456789abcdef0123456789abcdef @s"
check_fails "m2m_root 33 bytes rejected" \
	bash -c "head -c 33 /dev/urandom | keyctl padd m2m_root 0123456789abcdef0123456789abcdef @s"
check_fails "m2m_root non-hex description rejected" \
	bash -c "keyctl padd m2m_root not-a-node-id @s < $secret"
check_fails "m2m_root short description rejected" \
	bash -c "keyctl padd m2m_root 0011 @s < $secret"

boot=$(keyctl padd m2m_boot boot-test-1 @s < "$secret")
check "m2m_boot add 32 bytes" test -n "$boot"
check_fails "m2m_boot print rejected" keyctl print "$boot"
check_fails "m2m_boot 16 bytes rejected" \
	bash -c "head -c 16 /dev/urandom | keyctl padd m2m_boot boot-test-2 @s"

check_fails "m2m_conn add from user space rejected" \
	bash -c "keyctl padd m2m_conn 00112233445566778899aabbccddeeff @s < $secret"

check "m2m_root revoke" keyctl revoke "$root"
check_fails "revoked m2m_root describe fails" keyctl describe "$root"

rm -f "$secret"
tap_done

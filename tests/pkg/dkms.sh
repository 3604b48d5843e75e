#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-run: --no-module --overlay
#
# DKMS installs and removes m2msec.ko on a writable VM root. make
# dkms-src puts the sources in /usr/src/m2msec-<version>. One DKMS build
# takes more than 30 minutes under TCG here, so the build runs on the
# host: scripts/lib/dkms-prebuild runs dkms build for each installed
# kernel and packs the result with dkms mktarball. This test loads the
# running kernel's archive with dkms ldtarball, then runs dkms install,
# and modprobe loads the module from updates/dkms, after which the
# generic netlink family appears. modprobe -r and dkms remove --all
# leave no m2msec module behind.
#
# Usage: scripts/vm-run --no-module --overlay -- tests/pkg/dkms.sh
# (tests/pkg/run does this, after scripts/lib/dkms-prebuild). Prints TAP
# and exits 0 only when every check passes.

set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source=../vm/tap.bash
. "$top/tests/vm/tap.bash"

release=$(uname -r)
# The release in a regular expression: 6.12 releases contain a '+'.
release_re=$(sed 's/[.+]/\\&/g' <<< "$release")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
module=m2msec/$version
src=/usr/src/m2msec-$version

# This must run where installing is harmless: a VM root with an overlay.
if [ ! -d /sys/module/9pnet_virtio ] || ! touch /usr/src/.m2msec-probe \
	2> /dev/null; then
	echo "# not a VM with a writable root: run it with scripts/vm-run" \
		"--no-module --overlay"
	check "writable VM root" false
	tap_done
fi
rm -f /usr/src/.m2msec-probe

# Sign with a key made for this run, never with a key of the host that
# the overlay shows in /var/lib/dkms.
work=$(mktemp -d /var/tmp/m2msec-dkms.XXXXXX)
mkdir -p /etc/dkms/framework.conf.d
cat > /etc/dkms/framework.conf.d/m2msec-test.conf << EOF
mok_signing_key=$work/mok.key
mok_certificate=$work/mok.pub
EOF

# timed NAME CMD...: a check that also prints how long CMD took, with
# CMD's output kept in $work/NAME.log and shown when it fails.
timed() {
	local name=$1 start=$SECONDS rc

	shift
	"$@" > "$work/$name.log" 2>&1
	rc=$?
	echo "# $name: $((SECONDS - start)) s"
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$work/$name.log"
	check "$name" test "$rc" -eq 0
}

# file_build_id KO: the GNU build id of a module file, plain or .xz.
file_build_id() {
	local ko=$1

	if [[ $ko == *.xz ]]; then
		xz -dc "$ko" > "$work/build-id.ko" || return
		ko=$work/build-id.ko
	fi
	readelf -n "$ko" 2> /dev/null | awk '/Build ID:/ { print $3 }'
}

check_equal "dkms.conf version" 0.4.0 "$version"
check "dkms.conf autoinstall" grep -qx 'AUTOINSTALL="yes"' "$top/dkms.conf"
check_fails "no m2msec module before" modinfo m2msec

timed "make dkms-src" make -C "$top" --no-print-directory dkms-src
check "sources dkms.conf" test -f "$src/dkms.conf"
check "sources Kbuild" test -f "$src/Kbuild"
check "sources uapi header" test -f "$src/uapi/linux/m2msec.h"
check_equal "sources kernel files" \
	"$(cd "$top/kernel" && ls ./*.c ./*.h | wc -l)" \
	"$(cd "$src/kernel" && ls ./*.c ./*.h | wc -l)"

# Print the status lines only. The 6.12 headers contain a vmlinux without a
# .comment section, so dkms also prints readelf's warnings on stderr.
dkms_status()
{
	dkms status "$module" "$@" 2> "$work/dkms-status.err"
	sed 's/^/# dkms status: /' "$work/dkms-status.err" >&2
}

archive=$top/build/dkms/$release/m2msec-$version.dkms.tar.gz
if [ ! -s "$archive" ]; then
	echo "# $archive missing: run scripts/lib/dkms-prebuild on the host first"
fi
timed "dkms ldtarball" dkms ldtarball --archive "$archive"
check_match "dkms status built" \
	"^m2msec/$version, $release_re, [^:]*: built" \
	"$(dkms_status -k "$release")"
check "dkms source is make dkms-src tree" \
	test "$(readlink -f "/var/lib/dkms/m2msec/$version/source")" = "$src"
timed "dkms install $release" dkms install "$module" -k "$release"
check_match "dkms status installed" \
	"^m2msec/$version, $release_re, [^:]*: installed" \
	"$(dkms_status -k "$release")"

file=$(modinfo -n m2msec 2> /dev/null)
check_match "modinfo file in updates/dkms" \
	"^/lib/modules/$release_re/updates/dkms/m2msec\\.ko(\\.xz)?$" "$file"
check "modprobe m2msec" modprobe m2msec
vermagic=$(modinfo -F vermagic "$file" 2> /dev/null)
check_equal "modinfo vermagic" "$release" "${vermagic%% *}"
check_equal "modinfo version is dkms.conf's" "$version" \
	"$(modinfo -F version "$file" 2> /dev/null)"
check_equal "loaded module version" "$version" \
	"$(cat /sys/module/m2msec/version 2> /dev/null)"
# With MODULE_VERSION, modpost adds a srcversion, a digest of the
# sources. The loaded module must be the DKMS-built file.
check_match "dkms module has srcversion" '^[0-9A-F]{16,}$' \
	"$(modinfo -F srcversion "$file" 2> /dev/null)"
check_equal "loaded srcversion is dkms one" \
	"$(modinfo -F srcversion "$file" 2> /dev/null)" \
	"$(cat /sys/module/m2msec/srcversion 2> /dev/null)"
file_id=$(file_build_id "$file")
check_match "dkms module has build id" '^[0-9a-f]{40}$' "$file_id"
check_equal "loaded module is dkms one" "$file_id" \
	"$(od -An -tx1 -v -j 16 /sys/module/m2msec/notes/.note.gnu.build-id \
	   2> /dev/null | tr -d ' \n')"
check "genl family m2msec exists" genl ctrl get name m2msec
check "modprobe -r m2msec" modprobe -r m2msec
check_fails "module unloaded" test -d /sys/module/m2msec

timed "dkms remove all" dkms remove "$module" --all
check_equal "dkms status empty" "" "$(dkms_status)"
check_equal "no m2msec module file left" "" \
	"$(find /lib/modules -name 'm2msec.ko*' 2> /dev/null)"
check_fails "modinfo m2msec fails" modinfo m2msec

rm -rf "$work" /etc/dkms/framework.conf.d/m2msec-test.conf
tap_done

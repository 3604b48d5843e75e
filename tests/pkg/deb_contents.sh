#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Checks, on this host and without installing anything, the Debian
# packages that make deb builds: names, versions, architectures,
# dependencies, the exact file list of each package, conffiles and the
# maintainer scripts. Then checks that make install and make uninstall
# with DESTDIR place and remove the files of the install contract and
# keep an edited m2md.conf. Runs lintian when it is installed.
#
# Prints one "ok N what" or "not ok N what" line per check and
# exits 0 only when every check passes.
#
# Usage: tests/pkg/deb_contents.sh   (from anywhere in the repository)

set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$top" || exit 1

# shellcheck source=../vm/tap.bash
. "$top/tests/vm/tap.bash"

# check_depends WHAT DEPENDS PACKAGE: passes when the Depends value
# names PACKAGE, with or without a version.
check_depends() {
	if grep -qE "(^|, )$3( \(|,|\$)" <<< "$2"; then
		pass "$1"
	else
		fail "$1" "Depends: $2"
	fi
}

# check_files WHAT EXPECTED_FILE ACTUAL_FILE: passes when both sorted
# lists are equal. Otherwise it prints the lines that only one contains.
check_files() {
	local missing extra

	missing=$(comm -23 "$2" "$3")
	extra=$(comm -13 "$2" "$3")
	if [ -z "$missing" ] && [ -z "$extra" ]; then
		pass "$1"
		return
	fi
	fail "$1" ${missing:+"missing: $(echo $missing)"} \
		${extra:+"unexpected: $(echo $extra)"}
}

work=$(mktemp -d "${TMPDIR:-/tmp}/m2msec-deb.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
deb_version=$(sed -n '1s/^m2msec (\([^)]*\)).*/\1/p' scripts/debian/changelog)
arch=$(dpkg --print-architecture)
dkms_deb=build/deb/m2msec-dkms_${deb_version}_all.deb
agent_deb=build/deb/m2msec-agent_${deb_version}_$arch.deb

check_equal "changelog version is the dkms.conf version" \
	"$version" "${deb_version%-*}"

# make deb runs when a package is missing or older than a file that it
# stages (tracked, or untracked and not ignored).
needs_build() {
	local deb newest

	newest=$(git ls-files -z --cached --others --exclude-standard |
		xargs -0 stat -c %Y 2> /dev/null |
		sort -n | tail -n 1)
	for deb in "$dkms_deb" "$agent_deb"; do
		[ -f "$deb" ] || return 0
		[ "$(stat -c %Y "$deb")" -ge "$newest" ] || return 0
	done
	return 1
}

if needs_build; then
	if make --no-print-directory deb > "$work/deb.log" 2>&1; then
		pass "make deb builds the packages"
	else
		fail "make deb builds the packages" \
			"$(tail -n 20 "$work/deb.log")"
	fi
fi
for deb in "$dkms_deb" "$agent_deb"; do
	if [ ! -f "$deb" ]; then
		bail_out "$deb missing after make deb"
	fi
done

field() {
	dpkg-deb -f "$1" "$2"
}

# Package fields.
check_equal "dkms package name" m2msec-dkms "$(field "$dkms_deb" Package)"
check_equal "dkms package version" "$deb_version" \
	"$(field "$dkms_deb" Version)"
check_equal "dkms package architecture" all \
	"$(field "$dkms_deb" Architecture)"
dkms_depends=$(field "$dkms_deb" Depends)
for package in dkms kmod; do
	check_depends "dkms package depends on $package" "$dkms_depends" \
		"$package"
done

check_equal "agent package name" m2msec-agent \
	"$(field "$agent_deb" Package)"
check_equal "agent package version" "$deb_version" \
	"$(field "$agent_deb" Version)"
check_equal "agent package architecture" "$arch" \
	"$(field "$agent_deb" Architecture)"
agent_depends=$(field "$agent_deb" Depends)
# keyutils is named in debian/control. The libraries come from the
# shared library dependencies of m2md and m2mctl.
for package in keyutils libc6 libmnl0 libmicrohttpd12 libsqlite3-0 \
	libcoap3 libsystemd0 libkeyutils1 libjson-c5 libcurl4 libxml2 \
	libssl3; do
	check_depends "agent package depends on $package" "$agent_depends" \
		"$package"
done
check_equal "agent package recommends m2msec-dkms" m2msec-dkms \
	"$(field "$agent_deb" Recommends)"

# The files of each package, without directories, as sorted lists.
list_files() {
	dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $6 }' |
		sed 's|^\./|/|' | sort
}

list_files "$dkms_deb" > "$work/dkms.files"
list_files "$agent_deb" > "$work/agent.files"

src=/usr/src/m2msec-$version
{
	echo "$src/dkms.conf"
	echo "$src/Kbuild"
	git ls-files 'kernel/*.c' 'kernel/*.h' | sed "s|^|$src/|"
	echo "$src/uapi/linux/m2msec.h"
	echo /lib/systemd/system/m2msec-load.service
	echo /usr/share/man/man7/m2msec.7.gz
	echo /usr/share/doc/m2msec-dkms/changelog.Debian.gz
	echo /usr/share/doc/m2msec-dkms/copyright
} | sort > "$work/dkms.expected"
check_files "dkms package has exactly its files" \
	"$work/dkms.expected" "$work/dkms.files"

{
	echo /usr/sbin/m2md
	echo /usr/sbin/m2mctl
	echo /lib/systemd/system/m2md-network.service
	echo /lib/systemd/system/m2md-gateway.service
	echo /etc/m2msec/m2md.conf
	echo /usr/share/man/man8/m2md.8.gz
	echo /usr/share/man/man8/m2mctl.8.gz
	echo /usr/share/doc/m2msec-agent/changelog.Debian.gz
	echo /usr/share/doc/m2msec-agent/copyright
} | sort > "$work/agent.expected"
check_files "agent package has exactly its files" \
	"$work/agent.expected" "$work/agent.files"

# File modes in the packages: the programs are 0755, the conffile, the
# units and the man pages 0644, and no entry is setuid, setgid, sticky
# or world-writable (symbolic links, always rwxrwxrwx, aside). Every
# entry belongs to root/root. The modes come from dpkg-deb -c, whose first
# column is "ls -l" style, converted to octal ("-rwsr-xr-x" is 4755).
list_modes() {
	dpkg-deb -c "$1" | awk '
		{
			perm = $1
			special = 0
			mode = 0
			for (i = 0; i < 3; i++) {
				digit = 0
				if (substr(perm, 2 + 3 * i, 1) == "r")
					digit += 4
				if (substr(perm, 3 + 3 * i, 1) == "w")
					digit += 2
				x = substr(perm, 4 + 3 * i, 1)
				if (x ~ /[xst]/)
					digit += 1
				if (x ~ /[sStT]/)
					special += 2 ^ (2 - i)
				mode = mode * 10 + digit
			}
			path = $6
			sub(/^\./, "", path)
			sub(/\/$/, "", path)
			if (path == "")
				path = "/"
			printf "%s %d%03d %s %s\n", substr(perm, 1, 1), special,
			       mode, $2, path
		}
	'
}

list_modes "$dkms_deb" > "$work/dkms.modes"
list_modes "$agent_deb" > "$work/agent.modes"

# deb_mode LIST PATH: the octal mode of PATH in the listing of LIST.
deb_mode() {
	awk -v p="$2" '$4 == p { print $2 }' "$work/$1.modes"
}

for path in /usr/sbin/m2md /usr/sbin/m2mctl; do
	check_equal "agent package installs $path 0755" 0755 \
		"$(deb_mode agent "$path")"
done
for path in /etc/m2msec/m2md.conf \
	/lib/systemd/system/m2md-network.service \
	/lib/systemd/system/m2md-gateway.service \
	/usr/share/man/man8/m2md.8.gz /usr/share/man/man8/m2mctl.8.gz; do
	check_equal "agent package installs $path 0644" 0644 \
		"$(deb_mode agent "$path")"
done
for path in /lib/systemd/system/m2msec-load.service \
	/usr/share/man/man7/m2msec.7.gz; do
	check_equal "dkms package installs $path 0644" 0644 \
		"$(deb_mode dkms "$path")"
done
for list in dkms agent; do
	# A first digit other than 0 is setuid, setgid or sticky, and a
	# last digit of 2, 3, 6 or 7 is writable by others.
	unsafe=$(awk '$1 != "l" && ($2 !~ /^0/ || $2 ~ /[2367]$/) {
		print $2, $4 }' "$work/$list.modes")
	check_equal "$list package has no setuid or world-writable entry" \
		"" "$(echo $unsafe)"
	others=$(awk '$3 != "root/root" { print $3, $4 }' "$work/$list.modes")
	check_equal "$list package entries belong to root/root" "" \
		"$(echo $others)"
done

# A separate check for build outputs, so that its failure names them.
build_outputs='\.(o|a|ko|mod|cmd)$|/build/|_test$|/tests/'
for list in dkms agent; do
	outputs=$(grep -E "$build_outputs" "$work/$list.files")
	check_equal "$list package has no build outputs or tests" "" \
		"$outputs"
done

# Contents: dkms.conf, sources, units and config equal the tree's.
mkdir -p "$work/dkms" "$work/agent"
dpkg-deb -x "$dkms_deb" "$work/dkms"
dpkg-deb -x "$agent_deb" "$work/agent"
dpkg-deb -e "$dkms_deb" "$work/dkms/DEBIAN"
dpkg-deb -e "$agent_deb" "$work/agent/DEBIAN"
check "dkms.conf in the package equals the tree's" \
	cmp -s dkms.conf "$work/dkms$src/dkms.conf"
check "kernel sources in the package equal the tree's" \
	diff -r kernel "$work/dkms$src/kernel"
check "sample config in the package equals agent/m2md.conf" \
	cmp -s agent/m2md.conf "$work/agent/etc/m2msec/m2md.conf"
for unit in m2md-network m2md-gateway; do
	check "$unit.service in the package equals the tree's" \
		cmp -s "agent/systemd/$unit.service" \
		"$work/agent/lib/systemd/system/$unit.service"
done
check "m2msec-load.service in the package equals the tree's" \
	cmp -s agent/systemd/m2msec-load.service \
	"$work/dkms/lib/systemd/system/m2msec-load.service"
check "packaged m2mctl runs" \
	bash -c "'$work/agent/usr/sbin/m2mctl' --help > /dev/null"
check "packaged m2md runs" \
	bash -c "'$work/agent/usr/sbin/m2md' --help > /dev/null"
check_equal "packaged m2md has dkms.conf's version" "m2md $version" \
	"$("$work/agent/usr/sbin/m2md" --version 2>&1)"
check_equal "packaged m2mctl has dkms.conf's version" "m2mctl $version" \
	"$("$work/agent/usr/sbin/m2mctl" --version 2>&1)"

# Conffiles: the sample config, and nothing in the dkms package.
check_equal "agent conffiles list m2md.conf" /etc/m2msec/m2md.conf \
	"$(cat "$work/agent/DEBIAN/conffiles" 2> /dev/null)"
check "dkms package has no conffiles" \
	test ! -e "$work/dkms/DEBIAN/conffiles"

# Maintainer scripts: DKMS builds on configure and removes on remove.
# Only m2msec-load.service is enabled on installation, and no unit is
# started. An upgrade restarts only the m2md units that run.
script() {
	cat "$work/$1/DEBIAN/$2" 2> /dev/null
}

check "dkms postinst runs the DKMS common postinst" \
	grep -q '/usr/lib/dkms/common.postinst' <<< "$(script dkms postinst)"
check "dkms postinst names m2msec $version" \
	grep -q "DKMS_VERSION=$version" <<< "$(script dkms postinst)"
check "dkms prerm runs dkms remove" \
	grep -qF 'dkms remove -m $DKMS_NAME -v $DKMS_VERSION --all' \
	<<< "$(script dkms prerm)"
check "dkms postinst enables m2msec-load.service" \
	grep -q "deb-systemd-helper enable 'm2msec-load.service'" \
	<<< "$(script dkms postinst)"
for name in preinst postinst prerm; do
	invokes=$(grep -c 'deb-systemd-invoke' <<< "$(script dkms $name)")
	check_equal "dkms $name starts or stops no unit" 0 "$invokes"
done

# dh_installsystemd --no-enable wraps each enable line of the agent in
# "if deb-systemd-helper debian-installed UNIT", so that an upgrade only
# re-enables a unit that the operator had enabled.
agent_postinst=$(script agent postinst)
for unit in m2md-network m2md-gateway; do
	check "agent postinst registers $unit.service" \
		grep -q "update-state '$unit.service'" <<< "$agent_postinst"
done
enables=$(grep -c 'deb-systemd-helper enable' <<< "$agent_postinst")
guards=$(grep -c 'deb-systemd-helper debian-installed' <<< "$agent_postinst")
check_equal "agent postinst enables only units enabled before" \
	"$guards" "$enables"
invokes=$(grep 'deb-systemd-invoke' <<< "$agent_postinst" |
	sed 's/ *>.*//; s/^[[:space:]]*//')
check_equal "agent postinst only try-restarts on upgrade" \
	"deb-systemd-invoke try-restart 'm2md-gateway.service' 'm2md-network.service'" \
	"$invokes"
check "agent postinst try-restarts only on upgrade" \
	grep -q '^[[:space:]]*if \[ -n "\$2" \]; then' <<< "$agent_postinst"
check "agent prerm stops both m2md units" \
	grep -q 'deb-systemd-invoke stop m2md-network.service m2md-gateway.service' \
	<<< "$(script agent prerm)"
check "agent postrm removes the state on purge" \
	grep -q 'rm -rf /var/lib/m2msec$' <<< "$(script agent postrm)"

# make install and make uninstall with DESTDIR, default paths.
dest=$work/dest
contract=(
	/usr/sbin/m2md
	/usr/sbin/m2mctl
	/usr/share/man/man8/m2md.8
	/usr/share/man/man8/m2mctl.8
	/usr/share/man/man7/m2msec.7
	/usr/lib/systemd/system/m2md-network.service
	/usr/lib/systemd/system/m2md-gateway.service
	/usr/lib/systemd/system/m2msec-load.service
	/etc/m2msec/m2md.conf
)
make_quiet() {
	make --no-print-directory "$@" > "$work/make.log" 2>&1 || {
		sed 's/^/# /' "$work/make.log" | tail -n 20
		return 1
	}
}

check "make install DESTDIR succeeds" make_quiet install DESTDIR="$dest"
for path in "${contract[@]}"; do
	check "make install places $path" test -f "$dest$path"
done
printf '%s\n' "${contract[@]}" | sort > "$work/install.expected"
(cd "$dest" && find . ! -type d | sed 's|^\.||' | sort) \
	> "$work/install.files"
check_files "make install places nothing else" \
	"$work/install.expected" "$work/install.files"
check "m2md is installed executable" test -x "$dest/usr/sbin/m2md"

# File modes of make install, as in the packages.
for path in /usr/sbin/m2md /usr/sbin/m2mctl; do
	check_equal "make install installs $path 0755" 755 \
		"$(stat -c %a "$dest$path" 2> /dev/null)"
done
for path in /etc/m2msec/m2md.conf /usr/share/man/man8/m2md.8 \
	/usr/share/man/man8/m2mctl.8 /usr/share/man/man7/m2msec.7 \
	/usr/lib/systemd/system/m2md-network.service \
	/usr/lib/systemd/system/m2md-gateway.service \
	/usr/lib/systemd/system/m2msec-load.service; do
	check_equal "make install installs $path 0644" 644 \
		"$(stat -c %a "$dest$path" 2> /dev/null)"
done
# -perm /6002: setuid, setgid or writable by others.
unsafe=$(cd "$dest" && find . ! -type l -perm /6002 -printf '%m %p\n')
check_equal "make install makes nothing setuid or world-writable" "" \
	"$(echo $unsafe)"

echo "# edited by deb_contents.sh" >> "$dest/etc/m2msec/m2md.conf"
cp "$dest/etc/m2msec/m2md.conf" "$work/edited.conf"
check "make install again succeeds" make_quiet install DESTDIR="$dest"
check "make install keeps an edited m2md.conf" \
	cmp -s "$work/edited.conf" "$dest/etc/m2msec/m2md.conf"
check "make uninstall DESTDIR succeeds" \
	make_quiet uninstall DESTDIR="$dest"
left=$(cd "$dest" && find . ! -type d | sed 's|^\.||')
check_equal "make uninstall leaves only the edited m2md.conf" \
	/etc/m2msec/m2md.conf "$left"
check "make uninstall keeps the edited m2md.conf" \
	cmp -s "$work/edited.conf" "$dest/etc/m2msec/m2md.conf"

rm -rf "$dest"
check "make install into an empty DESTDIR again" \
	make_quiet install DESTDIR="$dest"
check "make uninstall removes an unedited m2md.conf" \
	make_quiet uninstall DESTDIR="$dest"
left=$(cd "$dest" && find . ! -type d)
check_equal "make uninstall leaves only directories" "" "$left"

# Other install directories are honored.
dest=$work/dest-vars
check "make install with PREFIX, SYSCONFDIR and UNITDIR" \
	make_quiet install DESTDIR="$dest" PREFIX=/opt/m2msec \
	SYSCONFDIR=/opt/m2msec/etc UNITDIR=/etc/systemd/system
for path in /opt/m2msec/sbin/m2md /opt/m2msec/share/man/man8/m2md.8 \
	/opt/m2msec/etc/m2msec/m2md.conf \
	/etc/systemd/system/m2md-gateway.service; do
	check "make install with variables places $path" test -f "$dest$path"
done

# make install-dkms with DESTDIR places the sources and runs no dkms.
dest=$work/dest-dkms
check "make install-dkms DESTDIR succeeds" \
	make_quiet install-dkms DESTDIR="$dest"
check "make install-dkms places dkms.conf" \
	cmp -s dkms.conf "$dest$src/dkms.conf"
check "make install-dkms places Kbuild" test -f "$dest$src/Kbuild"
check "make install-dkms places the uapi header" \
	test -f "$dest$src/uapi/linux/m2msec.h"
check "make install-dkms places the kernel sources" \
	diff -r kernel "$dest$src/kernel"
check "make install-dkms prints the dkms commands" \
	grep -q "dkms add m2msec/$version" "$work/make.log"

# lintian: an error fails the check. Warnings are printed only.
if command -v lintian > /dev/null; then
	lintian --tag-display-limit 0 "$dkms_deb" "$agent_deb" \
		> "$work/lintian.log" 2>&1
	sed 's/^/# lintian: /' "$work/lintian.log"
	errors=$(grep -c '^E: ' "$work/lintian.log")
	check_equal "lintian reports no errors" 0 "$errors"
else
	echo "# lintian is not installed: skipped"
fi

tap_done

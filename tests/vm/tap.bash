# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the test scripts that run in the VM or on the host
# (sourced, not run). Exit statuses follow kselftest: 0 pass, 1 fail,
# 4 skip.

tap_count=0
tap_failed=0

# pass NAME: one passed TAP result.
pass() {
	tap_count=$((tap_count + 1))
	echo "ok $tap_count $1"
}

# fail NAME [DETAIL...]: one failed TAP result, each DETAIL as a "#" line.
fail() {
	local line

	tap_count=$((tap_count + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_count $1"
	shift
	for line in "$@"; do
		echo "# $line"
	done
}

# check NAME CMD...: one TAP result from the exit status of CMD.
check() {
	local name=$1

	shift
	if "$@"; then
		pass "$name"
	else
		fail "$name" "command failed: $*"
	fi
}

# check_fails NAME CMD...: passes when CMD exits nonzero.
check_fails() {
	local name=$1

	shift
	if "$@" > /dev/null 2>&1; then
		fail "$name (unexpected success)"
	else
		pass "$name"
	fi
}

# check_equal NAME EXPECTED ACTUAL: passes when both strings are equal.
check_equal() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# check_match NAME REGEX VALUE: passes when VALUE matches the extended
# regular expression REGEX.
check_match() {
	if [[ $3 =~ $2 ]]; then
		pass "$1"
	else
		fail "$1" "'$3' does not match '$2'"
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

# bail_out REASON: stop the whole test with a TAP "Bail out!" line.
bail_out() {
	echo "Bail out! $*"
	exit 1
}

# Print the plan and exit with the kselftest status.
tap_done() {
	echo "1..$tap_count"
	[ "$tap_failed" -eq 0 ] || exit 1
	exit 0
}

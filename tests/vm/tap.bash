# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the in-VM test scripts (sourced, not run). Exit
# statuses follow kselftest: 0 pass, 1 fail, 4 skip.

tap_count=0
tap_failed=0

# check NAME CMD...: one TAP result from the exit status of CMD.
check() {
	local name=$1

	shift
	tap_count=$((tap_count + 1))
	if "$@"; then
		echo "ok $tap_count $name"
	else
		echo "not ok $tap_count $name"
		tap_failed=$((tap_failed + 1))
	fi
}

# check_fails NAME CMD...: passes when CMD exits nonzero.
check_fails() {
	local name=$1

	shift
	tap_count=$((tap_count + 1))
	if "$@" > /dev/null 2>&1; then
		echo "not ok $tap_count $name (unexpected success)"
		tap_failed=$((tap_failed + 1))
	else
		echo "ok $tap_count $name"
	fi
}

# check_equal NAME EXPECTED ACTUAL: passes when both strings are equal.
check_equal() {
	tap_count=$((tap_count + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $tap_count $1"
	else
		echo "not ok $tap_count $1"
		echo "# expected '$2', got '$3'"
		tap_failed=$((tap_failed + 1))
	fi
}

# check_match NAME REGEX VALUE: passes when VALUE matches the extended
# regular expression REGEX.
check_match() {
	tap_count=$((tap_count + 1))
	if [[ $3 =~ $2 ]]; then
		echo "ok $tap_count $1"
	else
		echo "not ok $tap_count $1"
		echo "# '$3' does not match '$2'"
		tap_failed=$((tap_failed + 1))
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

# Print the plan and exit with the kselftest status.
tap_done() {
	echo "1..$tap_count"
	[ "$tap_failed" -eq 0 ] || exit 1
	exit 0
}

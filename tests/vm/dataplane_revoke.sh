#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The end of a key stops its traffic. While a ping runs through the
# tunnel every 0.2 s, the initiator side's bound key is revoked, or
# unlinked from its only keyring, or reaches its expiry time (lifetime
# 15 s). No reply arrives afterwards (for unlink and expiry: after one
# second of grace for the key garbage collector and the timer), the
# side's drop_no_key grows, its peer goes down and `m2mctl events`
# shows peer-down, and key-expired for the expiry.

if [ -z "${M2MSEC_DP_SESSION:-}" ]; then
	export M2MSEC_DP_SESSION=1
	exec keyctl session - "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tap.bash
. "$here/tap.bash"
# shellcheck source=lib/dataplane.bash
. "$here/lib/dataplane.bash"

why=$(dp_require_tools) && why=
[ -z "$why" ] || skip_all "$why"
dp_init
trap 'dp_down; rm -rf "$dp_work"' EXIT

# replies NAME [AFTER]: ping replies in $dp_work/NAME.out, only those
# received after Unix time AFTER (ping -D timestamps) if given.
replies() {
	awk -v after="${2:-0}" '
		/bytes from/ { t = substr($1, 2, length($1) - 2); if (t + 0 > after + 0) n++ }
		END { print n + 0 }' "$dp_work/$1.out"
}

# has_replies NAME COUNT: whether more than COUNT replies arrived.
has_replies() {
	[ "$(replies "$1")" -gt "$2" ]
}

# start_ping NAME SECONDS: ping side b's inner address from side a.
start_ping() {
	dp_bg "$1" in_a ping -D -n -i 0.2 -W 1 -c $(($2 * 5)) "$dp_inner4_b"
}

# end_of_key NAME ACTION: the checks of one way to end the key; ACTION
# is run with the initiator key's serial and must end it.
end_of_key() {
	local name=$1 action=$2 nokey_before t_end grace=0

	if ! dp_pair_up 4; then
		check "$name pair setup" false
		dp_down
		return
	fi
	check "$name pair setup" true
	dp_events_start a "$name-events" 30
	start_ping "$name-ping" 8
	check "$name replies before" dp_wait_for 5 has_replies "$name-ping" 2
	nokey_before=$(dp_peer_field a drop_no_key)

	"$action" "$dp_key_i"
	t_end=$(date +%s.%N)
	[ "$action" = unlink_key ] && grace=1
	sleep 3
	check_equal "$name no reply after" 0 \
		"$(replies "$name-ping" "$(awk -v t="$t_end" -v g="$grace" \
			'BEGIN { printf "%.6f", t + g }')")"
	check "$name drop_no_key grew" \
		test "$(dp_peer_field a drop_no_key)" -gt "${nokey_before:-0}"
	check_equal "$name peer down" down "$(dp_peer_field a state)"
	check "$name peer-down event" \
		dp_wait_for 10 dp_event_seen "$name-events" peer-down
	dp_down
}

revoke_key() { keyctl revoke "$1"; }
unlink_key() { keyctl unlink "$1" "$dp_ring_a" > /dev/null; }

end_of_key revoke revoke_key
end_of_key unlink unlink_key

# Expiry: the key's own lifetime ends it. The namespaces, devices, event
# listeners and the ping come first, so that the key's lifetime is not
# spent on them on a slow guest. The ping gets replies once the peers
# are bound. A 5 s lifetime was too short on a host with load average
# 10: the key expired before the second peer add.
name=expiry
lifetime=15
if dp_netns_up && dp_dev_up a "$dp_inner4_a" "$dp_inner6_a" &&
   dp_dev_up b "$dp_inner4_b" "$dp_inner6_b"; then
	dp_events_start a "$name-events-a" $((lifetime + 40))
	dp_events_start b "$name-events-b" $((lifetime + 40))
	start_ping "$name-ping" $((lifetime + 15))
	if dp_peers_up 4 --lifetime "$lifetime"; then
		check "$name pair setup" true
	else
		check "$name pair setup" false
	fi
	# The description ends with "expires <Unix seconds>".
	expires=$(keyctl rdescribe "$dp_key_i" 2> /dev/null |
		sed -n 's/.* expires \([0-9]*\)$/\1/p')
	check_match "$name key expiry known" '^[0-9]+$' "$expires"
	check "$name replies before expiry" \
		dp_wait_for 5 has_replies "$name-ping" 0
	while [ "$(date +%s)" -le $((${expires:-0} + 3)) ]; do
		sleep 0.5
	done
	check_equal "$name no reply a second after expiry" 0 \
		"$(replies "$name-ping" $((${expires:-0} + 1)))"
	check "$name drop_no_key counted" \
		test "$(dp_peer_field a drop_no_key)" -gt 0
	check_equal "$name side a down" down "$(dp_peer_field a state)"
	check "$name key-expired event on side a" \
		dp_wait_for 10 dp_event_seen "$name-events-a" key-expired
	check "$name key-expired event on side b" \
		dp_wait_for 10 dp_event_seen "$name-events-b" key-expired
	check "$name peer-down event on side a" \
		dp_wait_for 10 dp_event_seen "$name-events-a" peer-down
else
	check "$name namespaces and devices" false
fi
tap_done

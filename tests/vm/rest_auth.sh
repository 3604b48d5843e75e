#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Kma authentication of an application at its GSCL: after bootstrap and
# connect, the kernel derives the application's Kma (m2mctl kma); the
# application signs its requests with it (m2mctl rest, and a signer
# that reads the key as the application would). It may create under its
# own application, gets 403 under another one, and 401 with a forged
# MAC, a replayed request or another application's name.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tap.bash
. "$here/tap.bash"
# shellcheck source=rest_env.bash
. "$here/rest_env.bash"

rest_require
on_exit() {
	[ "$tap_failed" -gt 0 ] && rest_show_logs
	rest_down
}
trap on_exit EXIT

check "agents bootstrap, connect and register" rest_up
kid=$(key_key_id gw m2m_conn)
check_match "gateway Kmc key id" '^[0-9a-f]{32}$' "$kid"

app=thermo
kma=$(in_gw "$m2mctl" kma --key-id "$kid" --app "$app" --keyring @s)
check_match "m2mctl kma prints the serial of the Kma key" '^[0-9]+$' "$kma"
check_match "the Kma key is a user key described m2m_kma:$app" \
	"^user;.*;m2m_kma:$app\$" "$(in_gw keyctl rdescribe "$kma")"

gscl=http://127.0.0.1:8181/gscl
apps=$gscl/applications
body='<m2m:application xmlns:m2m="http://uri.etsi.org/m2m" appId="thermo"/>'
check "m2mctl rest: the application registers itself" \
	in_gw "$m2mctl" rest --app "$app" --kma "$kma" --kid "$kid" \
		POST "$apps" "$body"
check_equal "its registration exists" 200 \
	"$(admin_req gw GET /gscl/applications/$app)"
check "its registration validates" reply_valid

cont='<m2m:container xmlns:m2m="http://uri.etsi.org/m2m" m2m:id="temperature"/>'
check_equal "signed create under its own application is 201" 201 \
	"$(kma_req "$app" "$kma" "$kid" good POST "$apps/$app/containers" "$cont")"
check "the created container validates" reply_valid
check_equal "signed create of a reading is 201" 201 \
	"$(kma_req "$app" "$kma" "$kid" good POST \
		"$apps/$app/containers/temperature/contentInstances" 21.5)"
check_equal "signed read of its own reading" 200 \
	"$(kma_req "$app" "$kma" "$kid" good GET \
		"$apps/$app/containers/temperature/contentInstances/latest/content")"
check_equal "the reading read back" 21.5 "$(cat "$demo_dir/reply")"

# Another application, registered by the administrator.
check_equal "admin registers another application" 201 \
	"$(admin_req gw POST /gscl/applications \
		'<m2m:application xmlns:m2m="http://uri.etsi.org/m2m" appId="other"/>')"
before=$(admin_req gw GET /gscl/applications/other/containers; cat "$demo_dir/reply")
check_equal "signed create under another application is 403" 403 \
	"$(kma_req "$app" "$kma" "$kid" good POST "$apps/other/containers" "$cont")"
check "the 403 is an errorInfo" reply_valid
check_match "the 403 names the application" "thermo" "$(reply_field additionalInfo)"
check_equal "the other application is unchanged" "$before" \
	"$(admin_req gw GET /gscl/applications/other/containers; cat "$demo_dir/reply")"
check_equal "signed delete of another application is 403" 403 \
	"$(kma_req "$app" "$kma" "$kid" good DELETE "$apps/other")"

cis=$apps/$app/containers/temperature/contentInstances
count() {
	admin_req gw GET "${cis#http://127.0.0.1:8181}" > /dev/null
	reply_field currentNrOfInstances
}
n=$(count)
check_equal "a forged MAC is 401" 401 \
	"$(kma_req "$app" "$kma" "$kid" forged POST "$cis" 30.0)"
check "the 401 is an errorInfo" reply_valid
check "the 401 has a WWW-Authenticate M2M-Kma challenge" \
	grep -qi '^www-authenticate: *M2M-Kma' "$demo_dir/reply.headers"
check_equal "a forged MAC changes nothing" "$n" "$(count)"
check_equal "a replay: first 201, then 401" "201 401" \
	"$(kma_req "$app" "$kma" "$kid" replay POST "$cis" 31.0 | xargs)"
check_equal "a replay creates once" "$((n + 1))" "$(count)"
check_equal "another application's name with this Kma is 401" 401 \
	"$(kma_req "$app" "$kma" "$kid" app=other POST "$apps/other/containers" "$cont")"
check_equal "a signature an hour old is 401" 401 \
	"$(kma_req "$app" "$kma" "$kid" stale GET "$cis")"
check_equal "a wrong key id is 401" 401 \
	"$(kma_req "$app" "$kma" 00000000000000000000000000000000 good GET "$cis")"
check_equal "an unsigned request to its application is 403" 403 \
	"$(side_req gw GET "$apps/$app")"
tap_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A gateway at the NSCL: both SCL registrations exist (the gateway's scl
# in nscl/scls, the NSCL's in gscl/scls); over the tunnel the gateway
# speaks for its sclId, so it may create under its own scl and gets 403
# under another gateway's; the same request over the underlay is
# anonymous. An application with announceTo is announced at the NSCL as
# applicationAnnc and de-announced when it is deleted.

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
scl=$(registered_scl)
check_match "the gateway's sclId" '^gscl-[0-9a-f]{8}$' "$scl"

# Both registrations.
check_equal "gateway's scl in nscl/scls" 200 \
	"$(admin_req net GET "/nscl/scls/$scl")"
check "the NSCL's scl resource validates" reply_valid
check_equal "it is an scl with the gateway's sclId" "$scl" \
	"$(xmllint --xpath 'string(/*/@sclId)' "$demo_dir/reply" 2> /dev/null)"
check_equal "NSCL's scl in gscl/scls" 200 "$(admin_req gw GET /gscl/scls/nscl)"
check "the GSCL's scl resource validates" reply_valid
check_equal "gscl/scls lists nscl" 200 "$(admin_req gw GET /gscl/scls)"
check "gscl/scls validates" reply_valid
check_match "gscl/scls names nscl" 'nscl' "$(cat "$demo_dir/reply")"

# Identity over the tunnel.
mine=/nscl/scls/$scl/applications
app_body='<m2m:application xmlns:m2m="http://uri.etsi.org/m2m" appId="viatunnel"/>'
check_equal "over the tunnel: create under its own scl is 201" 201 \
	"$(side_req gw POST "$nscl_tunnel_url$mine" "$app_body")"
check "the created application validates" reply_valid
check_equal "admin registers another gateway's scl" 201 \
	"$(admin_req net POST /nscl/scls \
		'<m2m:scl xmlns:m2m="http://uri.etsi.org/m2m" sclId="gscl-other"><m2m:link>http://127.0.0.1:9/gscl</m2m:link></m2m:scl>')"
admin_req net GET /nscl/scls/gscl-other/applications > /dev/null
before=$(cat "$demo_dir/reply")
check_equal "over the tunnel: create under another gateway's scl is 403" 403 \
	"$(side_req gw POST "$nscl_tunnel_url/nscl/scls/gscl-other/applications" "$app_body")"
check "the 403 is an errorInfo" reply_valid
check_match "the 403 names the gateway's scl" "$scl" "$(reply_field additionalInfo)"
admin_req net GET /nscl/scls/gscl-other/applications > /dev/null
check_equal "the other gateway's applications are unchanged" "$before" \
	"$(cat "$demo_dir/reply")"
check_equal "over the tunnel: delete of another gateway's scl is 403" 403 \
	"$(side_req gw DELETE "$nscl_tunnel_url/nscl/scls/gscl-other")"
check_equal "over the underlay the same create is anonymous (403)" 403 \
	"$(side_req gw POST "$nscl_url$mine" \
		'<m2m:application xmlns:m2m="http://uri.etsi.org/m2m" appId="underlay"/>')"
check_equal "the underlay create left nothing" 404 \
	"$(admin_req net GET "$mine/underlay")"

# Announcement.
announce='<m2m:application xmlns:m2m="http://uri.etsi.org/m2m" appId="announced"><m2m:searchStrings><m2m:searchString>room/kitchen</m2m:searchString></m2m:searchStrings><m2m:announceTo><m2m:activated>true</m2m:activated><m2m:sclList><reference>nscl</reference></m2m:sclList></m2m:announceTo></m2m:application>'
check_equal "gateway application with announceTo is 201" 201 \
	"$(admin_req gw POST /gscl/applications "$announce")"
annc=$mine/announced
announced() { [ "$(admin_req net GET "$annc")" = 200 ]; }
check "applicationAnnc appears at the NSCL" wait_for "$demo_wait" announced
was_announced=$(announced && echo yes)
admin_req net GET "$annc" > /dev/null
check_equal "it is an applicationAnnc" applicationAnnc \
	"$(xmllint --xpath 'local-name(/*)' "$demo_dir/reply" 2> /dev/null)"
check "the applicationAnnc validates" reply_valid
check_match "its link points back to the gateway's application" \
	'/gscl/applications/announced$' "$(reply_field link)"
check_match "its searchStrings are copied" 'room/kitchen' \
	"$(reply_field searchString)"
check_equal "gateway deletes the application" 204 \
	"$(admin_req gw DELETE /gscl/applications/announced)"
gone() { [ "$(admin_req net GET "$annc")" = 404 ]; }
# De-announcement means something only after an announcement.
check "applicationAnnc is de-announced" \
	test "$was_announced" = yes -a "$(wait_for "$demo_wait" gone && echo gone)" = gone
tap_done

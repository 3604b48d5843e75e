# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the REST VM tests (tests/vm/rest_*.sh; sourced, not
# run): the demo's two namespaces and agents, each agent with an admin
# socket of its own, requests on either side, Kma-signed requests made
# with the application's key, and schema checks of the replies.

# shellcheck source=../../scripts/lib/demo-env.bash
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/demo-env.bash"

# Names of our own: an agent that an earlier test left running keeps its
# namespace's session keyring (named after the namespace) and its admin
# socket, which the demo's fixed names would share.
ns_net=rest-net-$$
ns_gw=rest-gw-$$
demo_dir=/tmp/m2msec-rest-$$
rest_python=/usr/bin/python3
rest_xsd=$demo_top/tests/xsd
net_admin=$demo_dir/net.sock
gw_admin=$demo_dir/gw.sock
# The NSCL as the gateway reaches it through the tunnel.
nscl_tunnel_url=http://[fd6d:326d:6d32::1]:8080

rest_require() {
	demo_require > /dev/null 2>&1 ||
		skip_all "needs root, m2msec.ko and the agent (make)"
	command -v curl > /dev/null || skip_all "curl is not installed"
	command -v xmllint > /dev/null || skip_all "xmllint is not installed"
	[ -x "$rest_python" ] || skip_all "$rest_python is not installed"
}

# rest_agents_up BOOT-ID: demo_agents_up with an admin socket for each
# agent in $demo_dir. Both sides bootstrap from 32 random bytes.
rest_agents_up() {
	local boot_id=$1 credential=$demo_dir/credential

	mkdir -p "$demo_dir/net" "$demo_dir/gw"
	(umask 077 && head -c 32 /dev/urandom > "$credential") || return 1
	# Each bash writes its pid, which m2md keeps through exec, so that
	# rest_down can stop m2md itself and not only its parent.
	in_net bash -c 'keyctl setperm @s 0x3f0b0000 &&
		keyctl padd m2m_boot "$1" @s > /dev/null &&
		echo $$ > "$3.pid" &&
		exec "$2" --role network --listen '"$net_addr"':8080 \
			--state-dir "$3" --keyring @s --admin-socket "$4"' \
		net-agent "$boot_id" "$m2md" "$demo_dir/net" "$net_admin" \
		< "$credential" > "$demo_dir/net.log" 2>&1 &
	net_pid=$!
	in_gw bash -c 'keyctl setperm @s 0x3f0b0000 &&
		keyctl padd m2m_boot "$1" @s > /dev/null &&
		echo $$ > "$3.pid" &&
		exec "$2" --role gateway --nscl '"$nscl_url"' \
			--bootstrap-id "$1" --state-dir "$3" --keyring @s \
			--retry-min 1 --retry-max 4 --admin-socket "$4"' \
		gw-agent "$boot_id" "$m2md" "$demo_dir/gw" "$gw_admin" \
		< "$credential" > "$demo_dir/gw.log" 2>&1 &
	gw_pid=$!
	wait_for "$demo_wait" has_key net m2m_boot &&
		wait_for "$demo_wait" has_key gw m2m_boot
	local rc=$?
	rm -f "$credential"
	return "$rc"
}

# rest_down: stop both m2md by the pids they wrote (SIGTERM, then
# SIGKILL after 10 s), then remove the namespaces and the work directory.
rest_down() {
	local side pid i

	for side in net gw; do
		pid=$(cat "$demo_dir/$side.pid" 2> /dev/null) || continue
		kill "$pid" 2> /dev/null || continue
		for i in $(seq 100); do
			[ -d "/proc/$pid" ] || break
			sleep 0.1
		done
		kill -KILL "$pid" 2> /dev/null
	done
	demo_down
	rm -rf "$demo_dir"
}

# rest_up: namespaces, agents, bootstrap, connect and registration.
rest_up() {
	demo_netns_up &&
	rest_agents_up "rest-$$" &&
	wait_for "$demo_wait" has_key gw m2m_conn &&
	wait_for "$demo_wait" has_scl
}

# rest_show_logs: the last lines of both agents' logs, as TAP comments.
rest_show_logs() {
	local side

	for side in net gw; do
		echo "# ---- last lines of the $side agent's log:"
		tail -n 20 "$demo_dir/$side.log" 2> /dev/null | sed 's/^/#   /'
	done
}

# side_req SIDE METHOD URL [BODY [CONTENT-TYPE [EXTRA CURL ARGS...]]]:
# a request from SIDE's namespace; prints the HTTP status and keeps the
# reply in $demo_dir/reply (headers in $demo_dir/headers).
side_req() {
	local side=$1 method=$2 url=$3 body=${4-} ctype=${5:-application/xml}
	local ns=$ns_net

	shift 5 2> /dev/null || shift $#
	[ "$side" = gw ] && ns=$ns_gw
	if [ -n "$body" ]; then
		set -- -H "Content-Type: $ctype" --data-binary "$body" "$@"
	fi
	ip netns exec "$ns" curl -s -g -o "$demo_dir/reply" \
		-D "$demo_dir/headers" -w '%{http_code}' -X "$method" "$@" "$url"
}

# admin_req SIDE METHOD PATH [BODY]: a request on SIDE's admin socket
# (as root: every right); prints the status, reply in $demo_dir/reply.
admin_req() {
	local side=$1 method=$2 path=$3 body=${4-} sock=$net_admin

	[ "$side" = gw ] && sock=$gw_admin
	if [ -n "$body" ]; then
		curl -s -o "$demo_dir/reply" -w '%{http_code}' -X "$method" \
			--unix-socket "$sock" -H 'Content-Type: application/xml' \
			--data-binary "$body" "http://localhost$path"
	else
		curl -s -o "$demo_dir/reply" -w '%{http_code}' -X "$method" \
			--unix-socket "$sock" "http://localhost$path"
	fi
}

# reply_valid: the last reply validates against the schema of its root.
reply_valid() {
	local root

	root=$(xmllint --xpath 'local-name(/*)' "$demo_dir/reply" 2> /dev/null)
	[ -n "$root" ] || return 1
	xmllint --nonet --noout --schema "$rest_xsd/$root.xsd" \
		"$demo_dir/reply" 2> "$demo_dir/xsd.err"
}

# reply_field NAME: text of the first element NAME of the last reply.
reply_field() {
	xmllint --xpath "string(//*[local-name()='$1'][1])" \
		"$demo_dir/reply" 2> /dev/null
}

# kma_req APP SERIAL KID MODE METHOD URL [BODY]: a request from the
# gateway namespace signed with the Kma in user key SERIAL, read with
# keyctl pipe as the application would. MODE: good, forged (a wrong
# MAC), stale (signed an hour ago), replay (the same signed request
# twice) or app=OTHER (the header names OTHER). Prints the status (two for replay), reply in
# $demo_dir/reply.
kma_req() {
	in_gw "$rest_python" - "$@" "$demo_dir/reply" <<'PY'
import hashlib, hmac, http.client, os, subprocess, sys, time, urllib.parse

app, serial, kid, mode, method, url = sys.argv[1:7]
body = sys.argv[7].encode() if len(sys.argv) > 8 else b''
out = sys.argv[-1]
kma = subprocess.run(['keyctl', 'pipe', serial], capture_output=True,
                     check=True).stdout
u = urllib.parse.urlsplit(url)
target = u.path + ('?' + u.query if u.query else '')
ts = str(int(time.time()) - (3600 if mode == 'stale' else 0))
nonce = os.urandom(16).hex()
canonical = '\n'.join(['m2msec-kma-v1', method, target, app, kid, ts, nonce,
                       hashlib.sha256(body).hexdigest()]).encode()
mac = hmac.new(kma, hashlib.sha256(canonical).digest(),
               hashlib.sha256).hexdigest()
kma = None
if mode == 'forged':
    mac = ('0' if mac[0] != '0' else '1') + mac[1:]
named = mode[4:] if mode.startswith('app=') else app
auth = ('M2M-Kma app="%s", kid="%s", ts="%s", nonce="%s", mac="%s"'
        % (named, kid, ts, nonce, mac))
for _ in range(2 if mode == 'replay' else 1):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    headers = {'Authorization': auth}
    if body:
        headers['Content-Type'] = ('application/xml' if body.startswith(b'<')
                                   else 'text/plain')
    conn.request(method, target, body if body else None, headers)
    resp = conn.getresponse()
    data = resp.read()
    print(resp.status)
    with open(out, 'wb') as f:
        f.write(data)
    with open(out + '.headers', 'w') as f:
        f.write(''.join('%s: %s\n' % kv for kv in resp.getheaders()))
PY
}

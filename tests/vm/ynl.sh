#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel's YNL CLI (tools/net/ynl/cli.py of Linux 6.12) drives the
# m2msec family from Documentation/netlink/specs/m2msec.yaml alone. The
# spec validates against the genetlink-legacy schema. hs-init starts a
# bootstrap handshake, which the hs-get dump lists as m2mctl does.
# dev-get (do and dump) and the peer-get dump show what m2mctl shows, no
# reply carries the PSK, and bad requests fail with the kernel's
# extended ack message. lib/ynl_handshakes.py finishes that handshake,
# runs a connect handshake and adds a peer with the CLI's library in one
# process, because each cli.py call costs seconds under QEMU TCG.
# The CLI comes from build/ynl/, which scripts/lib/ynl-extract fills on
# the host (the VM sees the repository read-only).

# Work in a session keyring of our own, so no key outlives the test.
if [ -z "${M2MSEC_YNL_SESSION:-}" ]; then
	export M2MSEC_YNL_SESSION=1
	exec keyctl session - "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tap.bash
. "$here/tap.bash"

ynl_dir=${M2MSEC_YNL_DIR:-$top/build/ynl}
cli=$ynl_dir/tools/net/ynl/cli.py
schema=$ynl_dir/Documentation/netlink/genetlink-legacy.yaml
spec=$top/Documentation/netlink/specs/m2msec.yaml
m2mctl=$top/agent/m2mctl/m2mctl
ifname=m2mynl0
export PYTHONDONTWRITEBYTECODE=1

# A missing CLI is a failure, not a skip: make check extracts it first.
if [ ! -f "$cli" ] || [ ! -f "$schema" ]; then
	echo "# $cli or $schema is missing:" \
		"run scripts/lib/ynl-extract on the host first"
	check "ynl cli present" false
	tap_done
fi
if [ ! -x "$m2mctl" ]; then
	echo "# $m2mctl is missing: run make -C agent on the host first"
	check "m2mctl present" false
	tap_done
fi

[ -d /sys/module/m2msec ] || skip_all "m2msec.ko is not loaded"

# A half-open handshake times out after half_open_timeout_ms (30 s by
# default), and each CLI call takes seconds under TCG, so give the
# handshakes of this test 10 minutes.
timeout_param=/sys/module/m2msec/parameters/half_open_timeout_ms
old_timeout=$(cat "$timeout_param")
echo 600000 > "$timeout_param"

work=$(mktemp -d)
cleanup() {
	ip link del "$ifname" 2> /dev/null
	echo "$old_timeout" > "$timeout_param"
	rm -rf "$work"
}
trap cleanup EXIT

# ynl ARGS...: run the CLI with the spec, JSON output on stdout, errors
# on stdout too (the CLI prints an NlError there). The checks below
# validate the spec against the schema once; doing it on every call
# would double the time of each call under TCG.
ynl() {
	python3 "$cli" --spec "$spec" --no-schema --output-json "$@"
}

# jget EXPR JSON: print the Python expression EXPR over the decoded JSON
# value r; prints nothing when EXPR fails. It needs only the standard
# library, so -S skips the site packages, which take seconds under TCG.
jget() {
	python3 -S -c 'import json, sys
r = json.loads(sys.argv[2])
try:
    v = eval(sys.argv[1])
except Exception:
    sys.exit(1)
print(v)' "$1" "$2" 2> /dev/null
}

# hexstr STRING: the bytes of STRING as lowercase hex digits.
hexstr() {
	printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'
}

# no_secret NAME JSON HEX: passes when HEX (a secret) is not in JSON.
no_secret() {
	check "$1" bash -c '[[ $1 != *"$2"* ]]' _ "$2" "$3"
}

# --- The spec itself ---------------------------------------------------

check "spec validates against schema" python3 -c '
import json, sys, yaml, jsonschema
with open(sys.argv[1]) as f:
    spec = yaml.safe_load(f)
with open(sys.argv[2]) as f:
    schema = yaml.safe_load(f)
jsonschema.validate(spec, schema)' "$spec" "$schema"

# The CLI validates the spec against the schema given before it lists.
ops=$(python3 "$cli" --spec "$spec" --schema "$schema" --list-ops 2>&1)
check_match "list-ops names hs-init" '(^|[[:space:]])hs-init  \[ do \]' "$ops"
check_match "list-ops names hs-get dump" 'hs-get  \[ dump \]' "$ops"
check_match "list-ops names dev-get do dump" \
	'dev-get  \[ (do, dump|dump, do) \]' "$ops"

# --- Bootstrap handshake -----------------------------------------------

boot_id=ynl-boot-1
boot_id_hex=$(hexstr "$boot_id")
node_id=0f1e2d3c4b5a69788796a5b4c3d2e1f0
head -c 32 /dev/urandom > "$work/boot.key"
boot_secret=$(od -An -tx1 -v "$work/boot.key" | tr -d ' \n')
keyctl padd m2m_boot "$boot_id" @s < "$work/boot.key" > /dev/null
ring_i=$(keyctl newring ynl-initiator @s)
ring_r=$(keyctl newring ynl-responder @s)

init=$(ynl --do hs-init --json \
	"{\"mode\": \"bootstrap\", \"id\": \"$boot_id_hex\"}" 2>&1)
echo "# hs-init: $init"
index_i=$(jget 'r["index"]' "$init")
init_msg=$(jget 'r["msg"]' "$init")
check_match "hs-init reply index" '^[1-9][0-9]*$' "$index_i"
# INIT = 8-byte header, nonce (32), ephemeral (32), id (2 + length).
check_equal "hs-init msg length" $((8 + 32 + 32 + 2 + ${#boot_id})) \
	"$(( ${#init_msg} / 2 ))"
check_equal "hs-init msg index" "$(printf '%08x' "$index_i")" \
	"${init_msg:8:8}"
check_equal "hs-init reply attributes" "['index', 'msg']" \
	"$(jget 'sorted(r)' "$init")"
no_secret "hs-init reply has no psk" "$init" "$boot_secret"

hs_dump=$(ynl --dump hs-get 2>&1)
echo "# hs-get: $hs_dump"
check_equal "hs-get dump lists initiator" "bootstrap initiator init-sent" \
	"$(jget "' '.join(h['mode'] + ' ' + h['role'] + ' ' + h['state']
	   for h in r if h['index'] == $index_i)" "$hs_dump")"
check_equal "hs-get dump matches m2mctl" \
	"$(jget "' '.join(str(h[k]) for h in r if h['index'] == $index_i
	   for k in ['index', 'peer-index', 'mode', 'role', 'state'])" \
	   "$hs_dump")" \
	"$("$m2mctl" show --dump 2>/dev/null | awk -v i="$index_i" \
	   '$1 == "handshake" && $2 == i { print $2, $3, $4, $5, $6 }')"

# --- The rest of both handshakes, in one process ------------------------

ip link add "$ifname" type m2msec
ifindex=$(cat "/sys/class/net/$ifname/ifindex" 2> /dev/null)
hs=$(python3 "$here/lib/ynl_handshakes.py" "$ynl_dir" "$spec" "$ifname" \
	"$index_i" "$init_msg" "$ring_i" "$ring_r" 2>&1)
echo "# ynl_handshakes.py: $hs"

# sel STEP EXPR: EXPR over the reply d of STEP, hex without spaces.
sel() {
	jget "(lambda d: $2)(r['$1'])" "$hs" | tr -d ' '
}

check_equal "hs-respond peer-index" "$index_i" \
	"$(sel boot-respond 'd["peer-index"]')"
check_equal "hs-respond id" "$boot_id_hex" "$(sel boot-respond 'd["id"]')"
check_equal "hs-complete node-id" "$node_id" \
	"$(sel boot-complete 'd["node-id"]')"
check_equal "hs-complete mas-fqdn" mas.example.net \
	"$(sel boot-complete 'd["mas-fqdn"]')"
check_equal "hs-complete key-index" 7 "$(sel boot-complete 'd["key-index"]')"
check_equal "hs-complete finish length" 40 \
	"$(sel boot-complete 'len(d["msg"]) // 2')"
kmr_i=$(sel boot-complete 'd["key-serial"]')
check_equal "hs-complete key is m2m_root" "m2m_root;$node_id" \
	"$(keyctl rdescribe "$kmr_i" 2> /dev/null |
	   awk -F';' '{ print $1 ";" $5 }')"
check_equal "hs-get dump lists responder" "responder resp-sent" \
	"$(jget "' '.join(h['role'] + ' ' + h['state'] for h in r['boot-hs-get']
	   if h['index'] == r['boot-respond']['index'])" "$hs")"
check_equal "hs-finish key-id equals initiator's" \
	"$(sel boot-complete 'd["key-id"]')" "$(sel boot-finish 'd["key-id"]')"
check_equal "hs-finish reply attributes" \
	"['id','index','key-id','key-serial','mode','node-id','peer-index']" \
	"$(sel boot-finish 'sorted(d)')"
for step in boot-respond boot-complete boot-finish; do
	no_secret "$step reply has no psk" "$(jget "r['$step']" "$hs")" \
		"$boot_secret"
done

check_equal "connect hs-respond suite" aes256gcm \
	"$(sel conn-respond 'd["suite"]')"
check_equal "connect hs-complete mid-flags" "['protect']" \
	"$(sel conn-complete 'd["mid-flags"]')"
check_equal "connect hs-complete conn-id" 4660 \
	"$(sel conn-complete 'd["conn-id"]')"
kmc_id=$(sel conn-complete 'd["key-id"]')
check_equal "connect hs-finish key-id" "$kmc_id" \
	"$(sel conn-finish 'd["key-id"]')"
check_equal "peer-new node-id" "$node_id" "$(sel peer-new 'd["node-id"]')"

# --- Devices and peers through the CLI ----------------------------------

dev=$(ynl --do dev-get --json "{\"ifname\": \"$ifname\"}" 2>&1)
echo "# dev-get: $dev"
check_equal "dev-get ifindex" "$ifindex" "$(jget 'r["ifindex"]' "$dev")"
check_equal "dev-get peers" 1 "$(jget 'r["peers"]' "$dev")"
mline=$("$m2mctl" show "$ifname" dump 2> /dev/null | awk -F'\t' 'NR == 1')
check_equal "dev-get matches m2mctl" "$mline" "$(jget "'\t'.join(str(x)
	for x in [r['ifname'], r['port'], r['peers'],
	r['drop-unknown-index'], r['drop-malformed'], r['drop-no-peer']])" \
	"$dev")"

devs=$(ynl --dump dev-get 2>&1)
check_equal "dev-get dump lists the device" "$ifname" \
	"$(jget "' '.join(d['ifname'] for d in r if d['ifindex'] == $ifindex)" \
		"$devs")"

peers=$(ynl --dump peer-get --json "{\"ifname\": \"$ifname\"}" 2>&1)
echo "# peer-get dump: $peers"
check_equal "peer-get dump count" 1 "$(jget 'len(r)' "$peers")"
check_equal "peer-get dump key-id" "$kmc_id" \
	"$(jget 'r[0]["key-id"]' "$peers" | tr -d ' ')"
check_equal "peer-get dump endpoint" 02008ca10a4d00020000000000000000 \
	"$(jget 'r[0]["endpoint"]' "$peers")"
check_equal "peer-get dump allowed-ips" "2/32 10/64" \
	"$(jget "' '.join('%d/%d' % (a['family'], a['cidr'])
	   for a in r[0]['allowed-ips']['allowed-ip'])" "$peers")"
check_equal "peer-get dump equals do" \
	"$(jget 'r[0]["key-serial"], r[0]["role"], r[0]["suite"]' "$peers")" \
	"$(jget "(lambda d: (d['key-serial'], d['role'], d['suite']))(
	   r['peer-get'])" "$hs")"
# The peer line of m2mctl: IFNAME NODE-ID ENDPOINT ALLOWED-IPS KEY-SERIAL
# KEY-ID SUITE ROLE INDEX PEER-INDEX KEY-EXPIRES ... KEEPALIVE STATE.
mline=$("$m2mctl" show "$ifname" dump 2> /dev/null | awk -F'\t' 'NR == 2 {
	print $2, $5, $6, $9, $10, $11, $(NF - 1) }')
check_equal "peer-get dump matches m2mctl" "$mline" \
	"$(jget "' '.join(str(r[0][k]).replace(' ', '') for k in
	   ['node-id', 'key-serial', 'key-id', 'index', 'peer-index',
	    'key-expires', 'keepalive'])" "$peers")"
check_match "m2mctl peer endpoint" '^10\.77\.0\.2:36001$' \
	"$("$m2mctl" show "$ifname" dump 2> /dev/null |
	   awk -F'\t' 'NR == 2 { print $3 }')"

# --- Bad requests: the CLI shows the kernel's extended ack --------------

bad=$(ynl --do dev-get --json '{"ifname": "nosuchm2m0"}' 2>&1)
rc=$?
echo "# dev-get of a missing device: $bad"
check_equal "bad dev-get exit status" 1 "$rc"
check_match "bad dev-get extack message" \
	"'msg': 'no device named nosuchm2m0'" "$bad"

bad=$(ynl --do peer-del --json "{\"ifname\": \"$ifname\",
	\"node-id\": \"00000000000000000000000000000001\"}" 2>&1)
rc=$?
echo "# peer-del of an unknown node id: $bad"
check_equal "bad peer-del exit status" 1 "$rc"
check_match "bad peer-del error ENOENT" 'error: (-2|2)' "$bad"
check_match "bad peer-del extack message" "'msg': '[^']+'" "$bad"


tap_done

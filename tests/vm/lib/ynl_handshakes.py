#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Finish a bootstrap handshake and run a connect handshake through YNL.

tests/vm/ynl.sh starts the bootstrap handshake with cli.py (hs-init) and
hands its index and INIT message to this script, which sends RESP and
completes both sides, then runs a connect handshake with the new Kmr and
adds the initiator's Kmc as a peer of a device. It uses the library of
the kernel's YNL CLI (tools/net/ynl/lib), loaded once, because each
cli.py call spends several seconds starting Python under QEMU TCG.

Usage: ynl_handshakes.py YNL_DIR SPEC IFNAME INDEX INIT_HEX RING_I RING_R
Prints one JSON object: the reply of each request, by step name. A
request that fails ends the script with exit status 1 and the error.
"""

import json
import os
import sys


def run(argv):
    ynl_dir, spec, ifname = argv[1:4]
    index_i = int(argv[4])
    init_msg = argv[5]
    ring_i, ring_r = int(argv[6]), int(argv[7])

    sys.path.insert(0, os.path.join(ynl_dir, "tools/net/ynl"))
    from lib import YnlFamily  # pylint: disable=import-outside-toplevel

    ynl = YnlFamily(spec, "")
    out = {}

    out["boot-respond"] = ynl.do("hs-respond", {
        "msg": init_msg, "node-id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "key-index": 7, "lifetime": 0, "mas-fqdn": "mas.example.net",
        "scl-id": "gscl-ynl"})
    out["boot-complete"] = ynl.do("hs-complete", {
        "index": index_i, "msg": out["boot-respond"]["msg"],
        "keyring": ring_i})
    out["boot-hs-get"] = ynl.dump("hs-get", {})
    out["boot-finish"] = ynl.do("hs-finish", {
        "msg": out["boot-complete"]["msg"], "keyring": ring_r})

    node_id = out["boot-complete"]["node-id"].replace(" ", "")
    out["conn-init"] = ynl.do("hs-init", {
        "mode": "connect", "id": node_id, "suites": 3})
    out["conn-respond"] = ynl.do("hs-respond", {
        "msg": out["conn-init"]["msg"], "conn-id": 4660, "key-index": 1,
        "lifetime": 3600, "mid-flags": ["protect"], "nscl-id": "nscl-ynl",
        "suites": 3})
    out["conn-complete"] = ynl.do("hs-complete", {
        "index": out["conn-init"]["index"],
        "msg": out["conn-respond"]["msg"], "keyring": ring_i})
    out["conn-finish"] = ynl.do("hs-finish", {
        "msg": out["conn-complete"]["msg"], "keyring": ring_r})

    # sockaddr_in of 10.77.0.2:36001: the family in host order, port and
    # address in network order, then 8 zero bytes.
    endpoint = "0200" + "%04x" % 36001 + "0a4d0002" + "00" * 8
    out["peer-new"] = ynl.do("peer-new", {
        "ifname": ifname, "key-serial": out["conn-complete"]["key-serial"],
        "endpoint": endpoint, "keepalive": 25,
        "allowed-ips": {"allowed-ip": [
            {"family": 2, "addr": "0a4e0002", "cidr": 32},
            {"family": 10, "addr": "fd00004e" + "00" * 12, "cidr": 64}]}})
    out["peer-get"] = ynl.do("peer-get", {
        "ifname": ifname, "node-id": node_id})
    return out


def main():
    try:
        out = run(sys.argv)
    except Exception as err:  # pylint: disable=broad-except
        print(f"ynl_handshakes: {err}")
        return 1
    print(json.dumps(out, default=lambda v: v.hex() if isinstance(v, bytes)
                     else sorted(v)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print the receiver index of each m2msec DATA message in a capture.

Usage: pcap_indexes.py FILE PORT

FILE is a classic pcap file of an Ethernet link (tcpdump -w). Every UDP
datagram to or from PORT over IPv4 or IPv6 whose payload has the DATA
header (version 1, type 4) gives one line: the receiver index, a
decimal u32 read big-endian from payload bytes 4 to 7.
"""

import struct
import sys

ETH_LEN = 14
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
IPPROTO_UDP = 17


def udp_payload(frame, port):
    """Return the UDP payload of an Ethernet frame to or from port."""
    if len(frame) < ETH_LEN:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[ETH_LEN:]
    if ethertype == ETHERTYPE_IPV4 and len(ip) >= 20:
        if ip[9] != IPPROTO_UDP:
            return None
        udp = ip[(ip[0] & 0x0F) * 4:]
    elif ethertype == ETHERTYPE_IPV6 and len(ip) >= 40:
        # Extension headers do not occur in these captures.
        if ip[6] != IPPROTO_UDP:
            return None
        udp = ip[40:]
    else:
        return None
    if len(udp) < 8:
        return None
    sport, dport = struct.unpack("!HH", udp[:4])
    if port not in (sport, dport):
        return None
    return udp[8:]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pcap_indexes.py FILE PORT")
    port = int(sys.argv[2])
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        order = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        order = ">"
    else:
        sys.exit(f"pcap_indexes.py: {sys.argv[1]} is not a pcap file")
    offset = 24
    while offset + 16 <= len(data):
        caplen = struct.unpack(order + "I", data[offset + 8:offset + 12])[0]
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        payload = udp_payload(frame, port)
        if payload and len(payload) >= 8 and payload[0] == 1 and \
                payload[1] == 4:
            print(struct.unpack("!I", payload[4:8])[0])


if __name__ == "__main__":
    main()

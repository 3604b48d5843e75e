#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send raw UDP payloads to an m2msec device, one datagram each.

Usage: inject.py SRC DST PORT HEX [HEX...]

SRC is the local address to send from. The source port is fixed at
SOURCE_PORT, so a test can predict the endpoint that the receiver learns.
DST and PORT are the device's underlay address and UDP port. Each HEX argument
is one datagram. A short pause after each datagram lets the receiver
count it before the next one arrives.
"""

import socket
import sys
import time

SOURCE_PORT = 40001


def main():
    if len(sys.argv) < 5:
        sys.exit("usage: inject.py SRC DST PORT HEX [HEX...]")
    src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    family = socket.AF_INET6 if ":" in dst else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((src, SOURCE_PORT))
        for text in sys.argv[4:]:
            try:
                payload = bytes.fromhex(text)
            except ValueError:
                sys.exit(f"inject.py: invalid hex payload '{text[:40]}'")
            sock.sendto(payload, (dst, port))
            time.sleep(0.2)


if __name__ == "__main__":
    main()

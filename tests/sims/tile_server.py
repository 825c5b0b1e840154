#!/usr/bin/env python3
"""A map tile server for the 政务地图's tests, run as its own process: answers any
/{z}/{x}/{y}.png of the XYZ scheme with a 256×256 PNG (a pale tile with a darker border, so a
screenshot shows the grid) and records each tile asked for, one line "z/x/y" per request, in
the log file. Anything else is 404.

    tile_server.py LOG

Prints "LISTENING <port>" once it serves on 127.0.0.1.
"""
import re
import struct
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = sys.argv[1]
lock = threading.Lock()
TILE = re.compile(r"^/(\d{1,2})/(\d+)/(\d+)\.png$")


def png(size=256):
    """A valid RGB PNG (signature, IHDR, IDAT, IEND), drawn with the standard library only."""
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            edge = x in (0, size - 1) or y in (0, size - 1)
            row += bytes((200, 210, 220) if edge else (233, 238, 228))
        rows.append(bytes(row))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


BODY = png()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        m = TILE.match(self.path)
        if not m:
            self.send_response(404)
            self.end_headers()
            return
        with lock, open(LOG, "a", encoding="utf-8") as f:
            f.write("/".join(m.groups()) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"LISTENING {server.server_address[1]}", flush=True)
server.serve_forever()

#!/usr/bin/env python3
"""A webhook subscriber for the relay's tests, run as its own process: checks each delivery's
signature (HMAC-SHA256 or HMAC-SM3 over "<timestamp>.<body>", timestamp within five minutes)
and records what it took, one JSON line per request, in the log file.

    webhook_receiver.py SECRET ALGORITHM LOG [--fail-first N] [--refuse-topic T] [--healed FILE]
                        [--tls CERT KEY]

Prints "LISTENING <port>" once it serves on 127.0.0.1. Answers 401 to a bad signature, 503
to the first N requests, 422 to events of topic T until FILE exists, else 204. With --tls it
serves HTTPS with that certificate and key (tests/sims/tls).
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("secret")
p.add_argument("algorithm", choices=["hmac-sha256", "hmac-sm3"])
p.add_argument("log")
p.add_argument("--fail-first", type=int, default=0)
p.add_argument("--refuse-topic", default="")
p.add_argument("--healed", default="")
p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
args = p.parse_args()
digest = "sha256" if args.algorithm == "hmac-sha256" else "sm3"
lock = threading.Lock()
state = {"requests": 0}


def record(entry):
    with lock, open(args.log, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        ts = self.headers.get("x-onewindow-timestamp", "")
        given = self.headers.get("x-onewindow-signature", "")
        key = self.headers.get("idempotency-key", "")
        with lock:
            state["requests"] += 1
            n = state["requests"]
        expected = args.algorithm + "=" + hmac.new(
            args.secret.encode(), ts.encode() + b"." + body, digest
        ).hexdigest()
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
        event = json.loads(body or b"{}")
        if not (fresh and hmac.compare_digest(expected, given)):
            record({"status": 401, "id": key, "why": "bad signature"})
            return self.answer(401)
        if event.get("id") != key:
            record({"status": 400, "id": key, "why": "idempotency key differs from the event id"})
            return self.answer(400)
        if n <= args.fail_first:
            record({"status": 503, "id": key})
            return self.answer(503)
        healed = args.healed and os.path.exists(args.healed)
        if event.get("topic") == args.refuse_topic and not healed:
            record({"status": 422, "id": key})
            return self.answer(422)
        record({"status": 204, "id": key, "topic": event.get("topic"), "seq": event.get("seq")})
        return self.answer(204)

    def answer(self, status):
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if args.tls:
    import ssl

    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(*args.tls)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
print("LISTENING", server.server_address[1], flush=True)
sys.stdout.close()
server.serve_forever()

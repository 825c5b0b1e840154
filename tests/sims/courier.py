#!/usr/bin/env python3
"""A courier (快递公司) for tests and the demo, run as its own process, speaking OneWindow's
courier protocol (docs/INTEGRATION.md): orders POSTed to /orders signed like OneWindow's
webhooks (HMAC over "<timestamp>.<body>", timestamp within five minutes), answered
{"waybill"}; the same out_order_id again gets the same waybill, never a second parcel. An
address containing --refuse is refused with 422 {"message"}.

Tracking is driven from outside, as a depot's scanner would: POST /control/scan
{"waybill", "status", "description", "signer"} sends the next scan of that waybill, signed, to
--callback (else to the order's callback_url), and answers {"status", "body"} of OneWindow's reply; {"waybill", "again": true}
sends the last scan once more (a courier's retry). GET /orders/<waybill> shows an order.

    courier.py SECRET ALGORITHM [--callback URL] [--refuse WORD] [--port P]

Prints "LISTENING <port>".
"""
import argparse
import hmac
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("secret")
p.add_argument("algorithm", choices=["hmac-sha256", "hmac-sm3"])
p.add_argument("--callback", default="")
p.add_argument("--refuse", default="无法派送")
p.add_argument("--port", type=int, default=0)
args = p.parse_args()
digest = "sha256" if args.algorithm == "hmac-sha256" else "sm3"
lock = threading.Lock()
state = {"orders": {}, "by_waybill": {}, "scans": {}, "next": 1}


def sign(ts, body):
    return args.algorithm + "=" + hmac.new(
        args.secret.encode(), str(ts).encode() + b"." + body, digest
    ).hexdigest()


def send_scan(scan, url):
    body = json.dumps(scan, ensure_ascii=False).encode()
    ts = int(time.time())
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "content-type": "application/json",
            "x-onewindow-timestamp": str(ts),
            "x-onewindow-signature": sign(ts, body),
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        waybill = self.path.rsplit("/", 1)[-1]
        with lock:
            order = state["by_waybill"].get(waybill)
            scans = state["scans"].get(waybill, [])
        if order is None:
            return self.answer(404, {"message": "no such waybill"})
        return self.answer(200, dict(order, scans=scans))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/control/scan":
            return self.scan(json.loads(body))
        if self.path != "/orders":
            return self.answer(404, {"message": "not found"})
        ts = self.headers.get("x-onewindow-timestamp", "")
        given = self.headers.get("x-onewindow-signature", "")
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
        if not (fresh and hmac.compare_digest(sign(ts, body), given)):
            return self.answer(401, {"message": "签名无效"})
        order = json.loads(body)
        out_id = order.get("out_order_id", "")
        with lock:
            if out_id in state["orders"]:
                return self.answer(200, {"waybill": state["orders"][out_id]["waybill"]})
        if args.refuse and args.refuse in order.get("recipient", {}).get("address", ""):
            return self.answer(422, {"message": "地址超出派送范围"})
        with lock:
            waybill = "EMS%010d" % state["next"]
            state["next"] += 1
            order["waybill"] = waybill
            state["orders"][out_id] = order
            state["by_waybill"][waybill] = order
        return self.answer(200, {"waybill": waybill})

    def scan(self, ask):
        waybill = ask.get("waybill", "")
        with lock:
            scans = state["scans"].setdefault(waybill, [])
            if ask.get("again") and scans:
                scan = scans[-1]
            else:
                scan = {
                    "waybill": waybill,
                    "seq": len(scans) + 1,
                    "status": ask.get("status", "in_transit"),
                    "at_ms": int(time.time() * 1000),
                    "description": ask.get("description", ""),
                    "signer": ask.get("signer", ""),
                }
                scans.append(scan)
        with lock:
            order = state["by_waybill"].get(waybill, {})
        status, reply = send_scan(scan, args.callback or order.get("callback_url", ""))
        return self.answer(200, {"status": status, "body": reply})

    def answer(self, status, obj):
        data = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
print("LISTENING", server.server_address[1], flush=True)
sys.stdout.close()
server.serve_forever()

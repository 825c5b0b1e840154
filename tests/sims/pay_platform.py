#!/usr/bin/env python3
"""A public payment platform (统一公共支付平台) for tests and the demo, run as its own process,
speaking OneWindow's payment protocol (docs/INTEGRATION.md). Every request to it is signed like
OneWindow's webhooks (HMAC over "<timestamp>.<body>", timestamp within five minutes):

  POST /orders     {"order_id", "merchant", "amount_fen", "subject", "payer", "notify_url",
                    "return_url"} -> {"pay_url"}; the same order_id again -> the same pay_url
  POST /refunds    {"order_id", "amount_fen", "reason"} -> {"refund_no"} (paid orders only)
  GET  /statements?merchant=M&date=YYYY-MM-DD -> [{"order_id", "amount_fen", "state"}], the
                    orders paid that day (China time)

The payer's side, unsigned, as a browser sees it: GET /pay/<order> shows the amount and a
button; POST /pay/<order> pays, sends the signed notice {"order_id", "trade_no", "amount_fen",
"paid_at_ms", "receipt_no", "receipt_url"} to notify_url and redirects to return_url.
POST /control/notify {"order_id", "amount_fen"?, "again"?} sends the notice (again, or with
another amount) and answers {"status", "body"} of OneWindow's reply, for tests.

    pay_platform.py SECRET ALGORITHM [--port P]

Prints "LISTENING <port>".
"""
import argparse
import datetime
import hmac
import html
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("secret")
p.add_argument("algorithm", choices=["hmac-sha256", "hmac-sm3"])
p.add_argument("--port", type=int, default=0)
args = p.parse_args()
digest = "sha256" if args.algorithm == "hmac-sha256" else "sm3"
lock = threading.Lock()
orders = {}
port = None
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def sign(ts, body):
    return args.algorithm + "=" + hmac.new(
        args.secret.encode(), str(ts).encode() + b"." + body, digest
    ).hexdigest()


def notice(o, amount=None):
    body = json.dumps(
        {
            "order_id": o["order_id"],
            "trade_no": o["trade_no"],
            "amount_fen": o["amount_fen"] if amount is None else amount,
            "paid_at_ms": o["paid_at_ms"],
            "receipt_no": o["receipt_no"],
            "receipt_url": f"http://127.0.0.1:{port}/receipts/{o['receipt_no']}",
        },
        ensure_ascii=False,
    ).encode()
    ts = int(time.time())
    req = urllib.request.Request(
        o["notify_url"],
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
    except OSError as e:
        return 0, str(e)


def pay(o):
    with lock:
        if o["state"] == "created":
            o["state"] = "paid"
            o["trade_no"] = "T%013d" % (int(time.time() * 1000) % 10**13)
            o["paid_at_ms"] = int(time.time() * 1000)
            o["receipt_no"] = "51%014d" % (len([x for x in orders.values() if x["state"] != "created"]))


class Handler(BaseHTTPRequestHandler):
    def signed(self, body):
        ts = self.headers.get("x-onewindow-timestamp", "")
        given = self.headers.get("x-onewindow-signature", "")
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
        return fresh and hmac.compare_digest(sign(ts, body), given)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/statements":
            if not self.signed(b""):
                return self.answer(401, {"message": "签名无效"})
            q = urllib.parse.parse_qs(url.query)
            day = q.get("date", [""])[0]
            with lock:
                lines = [
                    {"order_id": o["order_id"], "amount_fen": o["amount_fen"], "state": o["state"]}
                    for o in orders.values()
                    if o["state"] != "created"
                    and datetime.datetime.fromtimestamp(o["paid_at_ms"] / 1000, CHINA).date().isoformat() == day
                ]
            return self.answer(200, sorted(lines, key=lambda x: x["order_id"]))
        if url.path.startswith("/pay/"):
            o = orders.get(url.path[5:])
            if o is None:
                return self.answer(404, {"message": "no such order"})
            page = (
                "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>统一公共支付</title>"
                f"<h1>统一公共支付平台</h1><p id=subject>{html.escape(o['subject'])}</p>"
                f"<p>应付金额 <strong id=amount>{o['amount_fen'] / 100:.2f}</strong> 元</p>"
                f"<form method=post action=/pay/{o['order_id']}><button id=confirm>确认支付</button></form>"
            )
            return self.raw(200, page.encode(), "text/html; charset=utf-8")
        return self.answer(404, {"message": "not found"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        path = urllib.parse.urlparse(self.path).path
        if path.startswith("/pay/"):
            o = orders.get(path[5:])
            if o is None:
                return self.answer(404, {"message": "no such order"})
            pay(o)
            notice(o)
            self.send_response(303)
            self.send_header("location", o["return_url"])
            self.send_header("content-length", "0")
            self.end_headers()
            return
        if path == "/control/notify":
            ask = json.loads(body)
            o = orders.get(ask.get("order_id", ""))
            if o is None:
                return self.answer(404, {"message": "no such order"})
            pay(o)
            status, reply = notice(o, ask.get("amount_fen"))
            return self.answer(200, {"status": status, "body": reply})
        if not self.signed(body):
            return self.answer(401, {"message": "签名无效"})
        req = json.loads(body)
        if path == "/orders":
            with lock:
                o = orders.get(req["order_id"])
                if o is None:
                    o = dict(req, state="created", trade_no="", paid_at_ms=0, receipt_no="")
                    orders[req["order_id"]] = o
            return self.answer(200, {"pay_url": f"http://127.0.0.1:{port}/pay/{o['order_id']}"})
        if path == "/refunds":
            with lock:
                o = orders.get(req.get("order_id", ""))
                if o is None or o["state"] != "paid" or o["amount_fen"] != req.get("amount_fen"):
                    return self.answer(409, {"message": "该订单不能退款"})
                o["state"] = "refunded"
            return self.answer(200, {"refund_no": "R" + o["trade_no"]})
        return self.answer(404, {"message": "not found"})

    def answer(self, status, obj):
        self.raw(status, json.dumps(obj, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def raw(self, status, data, kind):
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
port = server.server_address[1]
print("LISTENING", port, flush=True)
sys.stdout.close()
server.serve_forever()

#!/usr/bin/env python3
"""An SMS gateway for tests and the demo, run as its own process, shaped like the carriers'
HTTP gateways: POST a JSON {"out_id", "phone", "sign_name", "template_code", "params"} signed
like OneWindow's webhooks (HMAC over "<timestamp>.<body>", timestamp within five minutes);
the answer is {"code": "OK", "biz_id"} or a refusal code. Each text it takes is one JSON line
in the log; a repeated out_id is answered OK with the first biz_id and not sent twice.

    sms_gateway.py SECRET ALGORITHM LOG [--templates T1,T2] [--slow-first N] [--port P]

Prints "LISTENING <port>". Refuses a template not in --templates (isv.TEMPLATE_MISSING), a
phone that is not 11 digits (isv.MOBILE_NUMBER_ILLEGAL); --slow-first N: the first N requests
get no answer for 30 s (a timeout).
"""
import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("secret")
p.add_argument("algorithm", choices=["hmac-sha256", "hmac-sm3"])
p.add_argument("log")
p.add_argument("--templates", default="")
p.add_argument("--slow-first", type=int, default=0)
p.add_argument("--port", type=int, default=0)
args = p.parse_args()
digest = "sha256" if args.algorithm == "hmac-sha256" else "sm3"
templates = set(t for t in args.templates.split(",") if t)
lock = threading.Lock()
state = {"requests": 0, "sent": {}}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        ts = self.headers.get("x-onewindow-timestamp", "")
        given = self.headers.get("x-onewindow-signature", "")
        expected = args.algorithm + "=" + hmac.new(
            args.secret.encode(), ts.encode() + b"." + body, digest
        ).hexdigest()
        if not (ts.isdigit() and abs(time.time() - int(ts)) < 300 and hmac.compare_digest(expected, given)):
            return self.answer(401, {"code": "isv.SIGNATURE_INVALID", "message": "签名无效"})
        with lock:
            state["requests"] += 1
            slow = state["requests"] <= args.slow_first
        if slow:
            time.sleep(30)
            return
        sms = json.loads(body)
        out_id = sms.get("out_id", "")
        with lock:
            if out_id in state["sent"]:
                return self.answer(200, {"code": "OK", "biz_id": state["sent"][out_id]})
        phone = sms.get("phone", "")
        if not (len(phone) == 11 and phone.isdigit()):
            return self.answer(200, {"code": "isv.MOBILE_NUMBER_ILLEGAL", "message": "号码格式错误"})
        if templates and sms.get("template_code") not in templates:
            return self.answer(200, {"code": "isv.TEMPLATE_MISSING", "message": "模板不存在"})
        biz = uuid.uuid4().hex[:16]
        with lock:
            state["sent"][out_id] = biz
            with open(args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(dict(sms, biz_id=biz), ensure_ascii=False) + "\n")
        return self.answer(200, {"code": "OK", "biz_id": biz})

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

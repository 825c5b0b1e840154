#!/usr/bin/env python3
"""An upper-level platform (省级政务服务平台, 数据汇聚) for tests and the demo, run as its own
process. It speaks OneWindow's push protocol (docs/INTEGRATION.md):

  POST /records     signed like a webhook (HMAC-SHA256 or HMAC-SM3 over "<timestamp>.<body>",
                    timestamp within five minutes); body {"id", "topic", "source", "records"}.
                    A repeated id is answered 200 and not stored twice. Records are checked:
                    case_basic / case_result replace by case number, case_process is kept by
                    (case number, seq), rating by rating id. A record without its keys: 422.
  GET /holdings?since=YYYY-MM-DD
                    signed (empty body); what it holds of the cases numbered from that day on:
                    {"cases": [{"case_number", "basic", "steps", "result"}]}.
  GET /records?case=NUMBER   (unsigned, for tests) every record of a case; without `case`,
                    the case numbers, the ratings and how many batches were taken or refused.

    upper_platform.py SECRET ALGORITHM STATE [--fail-first N] [--port P]

STATE is a JSON file: what was taken survives a restart. Prints "LISTENING <port>" once it
serves on 127.0.0.1. The first N POSTs are answered 503 (an outage).
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
from urllib.parse import parse_qs, urlparse

p = argparse.ArgumentParser()
p.add_argument("secret")
p.add_argument("algorithm", choices=["hmac-sha256", "hmac-sm3"])
p.add_argument("state")
p.add_argument("--fail-first", type=int, default=0)
p.add_argument("--port", type=int, default=0)
args = p.parse_args()
digest = "sha256" if args.algorithm == "hmac-sha256" else "sm3"
lock = threading.Lock()
counter = {"posts": 0}

if os.path.exists(args.state):
    with open(args.state, encoding="utf-8") as f:
        db = json.load(f)
else:
    db = {"ids": [], "basic": {}, "process": {}, "result": {}, "rating": {}, "refused": 0}
seen = set(db["ids"])


def save():
    tmp = args.state + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(db, f, ensure_ascii=False)
    os.replace(tmp, args.state)


REQUIRED = {
    "case_basic": ["case_number", "item_code", "applicant_name", "applicant_id", "state"],
    "case_process": ["case_number", "seq", "step", "at"],
    "case_result": ["case_number", "result", "concluded_at"],
    "rating": ["rating_id", "case_number", "level", "channel", "rated_at"],
}


def problem(records):
    """Why a batch cannot be taken, or None."""
    if not isinstance(records, list) or not records:
        return "records 应为非空数组"
    for i, r in enumerate(records):
        kind = r.get("record")
        if kind not in REQUIRED:
            return f"records[{i}].record 未知：{kind}"
        for k in REQUIRED[kind]:
            if r.get(k) in (None, ""):
                return f"records[{i}]（{kind}）缺少 {k}"
        if kind == "rating" and r["level"] not in (1, 2, 3, 4, 5):
            return f"records[{i}].level 应为 1–5"
    return None


def store(r):
    kind, number = r["record"], r["case_number"]
    if kind == "case_basic":
        db["basic"][number] = r
    elif kind == "case_process":
        db["process"].setdefault(number, {})[str(r["seq"])] = r
    elif kind == "case_result":
        db["result"][number] = r
    else:
        db["rating"][r["rating_id"]] = r


def day_of(number):
    # 办件编号: 6-digit region code + YYYYMMDD + 5-digit sequence.
    d = number[-13:-5]
    return f"{d[:4]}-{d[4:6]}-{d[6:]}"


class Handler(BaseHTTPRequestHandler):
    def signed(self, body):
        ts = self.headers.get("x-onewindow-timestamp", "")
        given = self.headers.get("x-onewindow-signature", "")
        expected = args.algorithm + "=" + hmac.new(
            args.secret.encode(), ts.encode() + b"." + body, digest
        ).hexdigest()
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
        return fresh and hmac.compare_digest(expected, given)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if urlparse(self.path).path != "/records":
            return self.answer(404, {"error": "not found"})
        if not self.signed(body):
            return self.answer(401, {"error": "签名无效或已过期"})
        with lock:
            counter["posts"] += 1
            if counter["posts"] <= args.fail_first:
                return self.answer(503, {"error": "维护中"})
        try:
            batch = json.loads(body)
        except ValueError:
            return self.answer(400, {"error": "不是 JSON"})
        key = self.headers.get("idempotency-key", "")
        if batch.get("id") != key:
            return self.answer(400, {"error": "idempotency-key 与 id 不一致"})
        why = problem(batch.get("records"))
        with lock:
            if key in seen:
                return self.answer(200, {"duplicate": True})
            if why:
                db["refused"] += 1
                save()
                return self.answer(422, {"error": why})
            for r in batch["records"]:
                store(r)
            seen.add(key)
            db["ids"].append(key)
            save()
        return self.answer(200, {"stored": len(batch["records"])})

    def do_GET(self):
        url = urlparse(self.path)
        q = parse_qs(url.query)
        if url.path == "/holdings":
            if not self.signed(b""):
                return self.answer(401, {"error": "签名无效或已过期"})
            since = q.get("since", ["0000-00-00"])[0]
            with lock:
                numbers = set(db["basic"]) | set(db["process"]) | set(db["result"])
                cases = [
                    {
                        "case_number": n,
                        "basic": n in db["basic"],
                        "steps": sorted(int(s) for s in db["process"].get(n, {})),
                        "result": n in db["result"],
                    }
                    for n in sorted(numbers)
                    if day_of(n) >= since
                ]
            return self.answer(200, {"cases": cases})
        if url.path == "/records":
            with lock:
                if "case" in q:
                    n = q["case"][0]
                    steps = db["process"].get(n, {})
                    return self.answer(200, {
                        "basic": db["basic"].get(n),
                        "process": [steps[k] for k in sorted(steps, key=int)],
                        "result": db["result"].get(n),
                        "ratings": [r for r in db["rating"].values() if r["case_number"] == n],
                    })
                return self.answer(200, {
                    "batches": len(db["ids"]),
                    "cases": sorted(db["basic"]),
                    "ratings": list(db["rating"].values()),
                    "refused": db["refused"],
                })
        return self.answer(404, {"error": "not found"})

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

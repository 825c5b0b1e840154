#!/usr/bin/env python3
"""A real SMTP server for tests and the demo (aiosmtpd, from PyPI), run as its own process.
Every message it takes is one JSON line in the log: envelope sender, recipients, subject and
the decoded text body. Mail to a recipient whose local part is "nobody" is refused with 550
(a permanent failure).

    smtp_sink.py LOG [--port P]

Prints "LISTENING <port>" once it accepts connections on 127.0.0.1.
"""
import argparse
import asyncio
import email
import email.policy
import json
import socket
import sys
import threading

from aiosmtpd.controller import Controller

p = argparse.ArgumentParser()
p.add_argument("log")
p.add_argument("--port", type=int, default=0)
args = p.parse_args()
lock = threading.Lock()


class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0] == "nobody":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        entry = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "message_id": str(msg["message-id"]),
            "text": body.get_content() if body else "",
        }
        with lock, open(args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return "250 Message accepted"


port = args.port
if port == 0:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
controller = Controller(Sink(), hostname="127.0.0.1", port=port)
controller.start()
sys.stdout.write(f"LISTENING {port}\n")
sys.stdout.flush()
sys.stdout.close()
threading.Event().wait()

#!/usr/bin/env python3
"""A real S3-compatible server for tests and the demo: moto in server mode (PyPI
`moto[server]`), run as its own process, with the named buckets made empty at start.

    s3_server.py [--port P] BUCKET...

Prints "LISTENING <port>" once it answers on 127.0.0.1. moto accepts any access key; a
bucket not named here does not exist, so a store pointed at another bucket is refused with
NoSuchBucket, as a real service refuses a wrong bucket.
"""
import argparse
import logging
import socket
import sys
import threading

import boto3
from moto.server import ThreadedMotoServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("buckets", nargs="*")
args = p.parse_args()

port = args.port
if port == 0:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
# Request lines would bury the test output.
logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
client = boto3.client(
    "s3",
    endpoint_url=f"http://127.0.0.1:{port}",
    aws_access_key_id="onewindow",
    aws_secret_access_key="onewindow-secret",
    region_name="us-east-1",
)
for bucket in args.buckets:
    client.create_bucket(Bucket=bucket)
sys.stdout.write(f"LISTENING {port}\n")
sys.stdout.flush()
sys.stdout.close()
threading.Event().wait()

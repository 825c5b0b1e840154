#!/usr/bin/env bash
# Makes sure a NATS server with JetStream listens on 127.0.0.1:4222 (the lifecycle benchmark's
# event sink): leaves a running one alone, else starts Debian's nats-server in the background
# with its store under target/. The relay's own tests start servers of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
if (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then
  exit 0
fi
bin=$(command -v nats-server || ls /usr/sbin/nats-server 2>/dev/null || true)
if [ -z "$bin" ]; then
  echo "nats-server is not installed (apt-get install nats-server)" >&2
  exit 1
fi
mkdir -p target/nats
nohup "$bin" -a 127.0.0.1 -p 4222 -js -sd target/nats/store >target/nats/server.log 2>&1 &
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; then exit 0; fi
  sleep 0.1
done
echo "nats-server did not start (target/nats/server.log)" >&2
exit 1

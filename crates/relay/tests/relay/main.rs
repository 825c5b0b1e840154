//! The relay against real peers started by the tests: a `nats-server` with JetStream of its
//! own (so it can be stopped and started again) and a webhook subscriber in Python
//! (`tests/sims/webhook_receiver.py`) and an upper-level platform in Python
//! (`tests/sims/upper_platform.py`), on SQLite and on PostgreSQL.

mod nats;
mod notify;
mod push;
mod support;
mod webhook;

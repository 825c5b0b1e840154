//! Several concurrent one-query commands in one SQLite transaction.
//!
//! Writers take SQLite's one writer connection in turn, and every turn costs hand-offs
//! between threads (the waiting task, the connection's thread, the next task) and a commit of
//! its own, which writes every page it changed to the log again. Under load most of a
//! command's time is spent waiting for that turn. So a batch that must wait leaves itself in
//! a queue, and whoever gets the turn next runs every queued batch as one transaction, from
//! `BEGIN` to `COMMIT`, and answers each: one hand-off and one commit for the lot.
//!
//! Each batch keeps its own checks (the version trigger, the audit chain's sequence numbers,
//! foreign keys). When any statement of a group fails, the group is rolled back and its
//! batches run again one by one, so that only the batch at fault fails (the writer's thread
//! does both, see `lite`). The group runs in a task of its own, so that a caller that goes
//! away (a cancelled request) cannot leave the others without an answer; a batch whose caller
//! went away before a turn took it is withdrawn, not run later.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::command::Batch;
use crate::write::{WriterSlot, WriterTurn};
use crate::{Result, StoreError};

/// At most this many batches go in one transaction, so that it stays short.
const MAX_GROUP: usize = 32;

/// Batches waiting for the writer's turn.
#[derive(Default)]
pub(crate) struct Queue {
    waiting: Mutex<Vec<Waiting>>,
    next_id: AtomicU64,
}

struct Waiting {
    id: u64,
    batch: Batch<'static>,
    answer: oneshot::Sender<Result<Vec<i64>>>,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The oldest waiting batches, at most [`MAX_GROUP`].
    fn take(&self) -> Vec<Waiting> {
        let mut q = self.lock();
        let n = q.len().min(MAX_GROUP);
        q.drain(..n).collect()
    }
}

/// Withdraws a batch that no turn has taken yet when its caller goes away (a cancelled
/// request): it is not run later, behind the caller's back.
struct Withdraw<'q> {
    queue: &'q Queue,
    id: u64,
}

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        self.queue.lock().retain(|w| w.id != self.id);
    }
}

/// Runs `b` as a transaction of its own, alone or with batches that wait beside it; returns
/// the rows its statements returned. Not yet durable: the caller waits for the flush.
pub(crate) async fn run(slot: &WriterSlot, queue: &Arc<Queue>, b: Batch<'_>) -> Result<Vec<i64>> {
    let (answer, mut answered) = oneshot::channel();
    let id = queue.next_id.fetch_add(1, Ordering::Relaxed);
    queue.lock().push(Waiting {
        id,
        batch: b.into_owned(),
        answer,
    });
    let _withdraw = Withdraw { queue, id };
    let gone = |_| StoreError::State("写入任务意外中止".into());
    loop {
        tokio::select! {
            // A turn (this caller's or another's) may have run this batch already. A group
            // answers before it gives up the turn, so the answer is seen first.
            biased;
            a = &mut answered => return a.map_err(gone)?,
            turn = crate::write::writer_turn(slot) => {
                // Detached: see the module's comment. When more than a group's worth wait,
                // this batch may not be among the oldest taken: the loop then waits for the
                // next turn.
                tokio::spawn(run_group(turn?, queue.take()));
            }
        }
    }
}

async fn run_group(turn: WriterTurn, group: Vec<Waiting>) {
    let (batches, answers): (Vec<_>, Vec<_>) =
        group.into_iter().map(|w| (w.batch, w.answer)).unzip();
    if batches.len() > 1 {
        tracing::debug!(batches = batches.len(), "waiting writes in one transaction");
    }
    // Answered before the turn is given up (see `run`).
    for (a, r) in answers.into_iter().zip(turn.lite.run(batches).await) {
        let _ = a.send(r);
    }
    drop(turn);
}

//! Several concurrent one-query commands in one SQLite transaction.
//!
//! Writers take SQLite's one writer connection in turn, and every turn costs hand-offs
//! between threads (the waiting task, the connection's thread, the next task) and a commit of
//! its own, which writes every page it changed to the log again. Under load most of a
//! command's time is spent waiting for that turn. So a batch that must wait leaves itself in
//! a queue, and whoever gets the turn next runs every queued batch as one query from `BEGIN`
//! to `COMMIT` and answers each: one hand-off and one commit for the lot.
//!
//! Each batch keeps its own checks (the version trigger, the audit chain's sequence numbers,
//! foreign keys). When any statement of a group fails, the group is rolled back and its
//! batches run again one by one, so that only the batch at fault fails. The group runs in a
//! task of its own: a caller that goes away (a cancelled request) cannot leave the others
//! without an answer, and its own batch still runs, as it would have a moment later.

use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::command::Batch;
use crate::write::{WriterSlot, WriterTurn, commit_batches};
use crate::{Result, StoreError};

/// At most this many batches go in one transaction, so that one query stays small.
const MAX_GROUP: usize = 32;

/// Batches waiting for the writer's turn.
#[derive(Default)]
pub(crate) struct Queue {
    waiting: Mutex<Vec<Waiting>>,
}

struct Waiting {
    batch: Batch<'static>,
    answer: oneshot::Sender<Result<usize>>,
}

impl Queue {
    fn push(&self, w: Waiting) {
        self.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(w);
    }

    /// The oldest waiting batches, at most [`MAX_GROUP`].
    fn take(&self) -> Vec<Waiting> {
        let mut q = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        let n = q.len().min(MAX_GROUP);
        q.drain(..n).collect()
    }
}

/// Runs `b` as a transaction of its own, alone or with batches that wait beside it; returns
/// how many rows its statements returned. Not yet durable: the caller waits for the flush.
pub(crate) async fn run(slot: &WriterSlot, queue: &Arc<Queue>, b: Batch<'_>) -> Result<usize> {
    let (answer, mut answered) = oneshot::channel();
    queue.push(Waiting {
        batch: b.into_owned(),
        answer,
    });
    let gone = |_| StoreError::State("写入任务意外中止".into());
    tokio::select! {
        // An earlier turn may have run this batch already.
        biased;
        a = &mut answered => a.map_err(gone)?,
        turn = crate::write::writer_turn(slot) => {
            let turn = turn?;
            let group = queue.take();
            // Detached: see the module's comment. It answers before it gives up the turn.
            tokio::spawn(run_group(turn, group));
            answered.await.map_err(gone)?
        }
    }
}

async fn run_group(mut turn: WriterTurn, group: Vec<Waiting>) {
    let (batches, answers): (Vec<_>, Vec<_>) =
        group.into_iter().map(|w| (w.batch, w.answer)).unzip();
    if batches.len() > 1 {
        tracing::debug!(batches = batches.len(), "waiting writes in one transaction");
        let expected: Vec<usize> = batches.iter().map(Batch::returning).collect();
        match commit_batches(&mut turn, &batches, false).await {
            // Each `RETURNING` statement (a case's update by key) returns its row when the
            // batch found its case, so as many rows as such statements means every batch did.
            Ok(rows) if rows == expected.iter().sum::<usize>() => {
                for (a, n) in answers.into_iter().zip(expected) {
                    let _ = a.send(Ok(n));
                }
            }
            // Committed, yet some batch found no case: not expected (a command's events need
            // their case), and its rows cannot be told apart, so no batch is told it succeeded.
            Ok(_) => {
                tracing::error!("a grouped write returned fewer rows than it has updates");
                for a in answers {
                    let _ = a.send(Err(StoreError::State(
                        "写入结果无法确认，请刷新后查看最新状态".into(),
                    )));
                }
            }
            // Rolled back: run them one by one, so that only the batch at fault fails.
            Err(_) => alone(&mut turn, batches, answers).await,
        }
        return;
    }
    alone(&mut turn, batches, answers).await;
}

async fn alone(
    turn: &mut WriterTurn,
    batches: Vec<Batch<'static>>,
    answers: Vec<oneshot::Sender<Result<usize>>>,
) {
    for (b, a) in batches.into_iter().zip(answers) {
        let _ = a.send(commit_batches(turn, std::slice::from_ref(&b), true).await);
    }
}

//! Committed case events, delivered in process right after the command's transaction commits:
//! the seed of the outbox a later change will make durable. A capability that reacts to cases
//! (bundles start the members waiting on an approved one) subscribes here, so the case use
//! cases never call it and the two do not import each other.

use std::future::Future;
use std::pin::Pin;

use domain::case::Case;

use crate::{App, Result};

/// A case as a command left it, with what the command read beside it.
pub struct CommittedCase<'a> {
    pub case: &'a Case,
    /// The bundle application the case is a member of (read with the case by the command,
    /// `store::cases::CaseForCommand::bundle`; a case's membership is set when it starts).
    pub bundle: Option<&'a str>,
}

/// A reaction to a committed case. Boxed, because a reaction may run case commands, which
/// announce their own commits in turn.
pub type Reaction = for<'a> fn(
    &'a App,
    &'a CommittedCase<'a>,
) -> Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// Announces a committed case to every subscriber. The command itself has committed, so a
/// failed reaction is logged, not returned; housekeeping retries what it left undone.
pub(crate) async fn case_committed(app: &App, committed: &CommittedCase<'_>) {
    let case = committed.case;
    for (name, react) in crate::CASE_SUBSCRIBERS {
        if let Err(e) = react(app, committed).await {
            tracing::warn!(case = %case.id, subscriber = name, "reaction to a committed case failed: {e:?}");
        }
    }
}

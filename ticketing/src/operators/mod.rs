//! The operator queue of the phone channel: operator positions, their states, escalated calls
//! waiting for a person, the distribution of calls, callbacks and the phone indicators.
//!
//! An operator position is a station of the same core that counters use, serving *phone
//! lines*: dedicated lines (`[[phone_queue.lines]]`) with their own numbering, hours (the
//! operator hours) and queue, never served by a counter. An escalated call is a ticket of a
//! phone line issued on the phone channel, with a `phone_calls` row that carries the caller's
//! context ([`CallContext`]), the callback request and the call's times.
//!
//! - [`state`]: the position states and their transitions (pure).
//! - [`dispatch`]: which waiting call rings which operator (pure).
//! - [`indicators`]: offered, answered, abandoned, service level... per interval (pure).
//! - [`context`]: what the operator sees of the caller.
//! - `service`: the operations on [`crate::Ticketing`], each one transaction under the
//!   office lock (ring outcomes in `service/calls.rs`, callbacks in `service/callbacks.rs`,
//!   views and indicators in `service/views.rs`); `service/liveness.rs` takes back positions
//!   whose call was lost with its node ([`spawn_recovery`]).
//! - [`callback`]: the callback dialler trait the gateway implements, and the task that hands
//!   reached callback tickets to it.
//! - [`outcomes`]: how each call to the phone dialog ended, written in groups.

pub mod callback;
pub mod context;
pub mod dispatch;
pub mod indicators;
pub mod outcomes;
mod service;
pub mod state;

use std::future::Future;
use std::time::Duration;

use jiff::SignedDuration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::queue::{LineId, ServiceLine, StationId};

pub use callback::{CallbackDialler, CallbackOutcome, spawn_callback_dialler};
pub use context::CallContext;
pub use indicators::{DialogOutcome, IndicatorRules, IntervalIndicators};
pub use outcomes::OutcomeRow;
pub use service::{
    CallParty, CallbackRequest, Escalated, EscalationError, EscalationRefusal, OperatorError,
    OperatorView, PhoneCallView, PhoneLineQueue, PhoneQueueOverview, QueueCallback, QueuePosition,
    RECOVERY_EVERY, RingOutcome, spawn_recovery,
};
pub use state::{InvalidOperatorTransition, OperatorEvent, OperatorState};

/// A configured operator position (`[[operators]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorPosition {
    pub id: StationId,
    /// Shown on the console and the supervisor page ("Postazione operatore 1").
    pub name: String,
    /// The SIP user the position's phone registers as (the gateway rings it).
    pub sip_user: String,
    /// The phone lines it serves.
    pub lines: Vec<LineId>,
    /// The staff account that may sign in at this position.
    pub staff: String,
}

/// The configured phone queue (`[phone_queue]` and `[[operators]]`). Without lines or
/// operators there is no operator queue: the dialog leaves callback requests instead.
#[derive(Debug, Clone)]
pub struct PhoneQueueRules {
    /// Phone lines; each line's hours are its operator hours.
    pub lines: Vec<ServiceLine>,
    pub operators: Vec<OperatorPosition>,
    /// After-call work before the position is ready again by itself.
    pub wrap_up: SignedDuration,
    /// How long an operator's phone rings before the call goes to the next operator.
    pub ring_timeout: SignedDuration,
    /// Consecutive unanswered rings after which the position is paused "non risponde".
    pub missed_rings_before_pause: u32,
    /// How often a waiting caller hears position and estimated wait again.
    pub announce_every: SignedDuration,
    /// A caller who waited this long is offered a callback or a booking.
    pub max_wait: SignedDuration,
    /// Callers allowed to wait at once per line; beyond it callers are offered a callback
    /// or a booking instead of joining the queue.
    pub max_waiting: u32,
    /// A waiting caller not heard of for this long (the dialog polls its place) is gone: the
    /// call is counted abandoned and never rings an operator.
    pub heartbeat_timeout: SignedDuration,
    pub indicators: IndicatorRules,
}

impl Default for PhoneQueueRules {
    fn default() -> Self {
        PhoneQueueRules {
            lines: Vec::new(),
            operators: Vec::new(),
            wrap_up: SignedDuration::from_secs(30),
            ring_timeout: SignedDuration::from_secs(20),
            missed_rings_before_pause: 2,
            announce_every: SignedDuration::from_secs(60),
            max_wait: SignedDuration::from_mins(10),
            max_waiting: 20,
            heartbeat_timeout: SignedDuration::from_secs(90),
            indicators: IndicatorRules {
                interval: SignedDuration::from_mins(15),
                short_abandon: SignedDuration::from_secs(5),
                service_level_threshold: SignedDuration::from_secs(20),
            },
        }
    }
}

impl PhoneQueueRules {
    /// How often the holder of a call at an operator says it is still there
    /// ([`crate::Ticketing::keep_call_alive`]): a third of the heartbeat timeout.
    pub fn keep_alive_every(&self) -> std::time::Duration {
        (self.heartbeat_timeout.unsigned_abs() / 3).max(std::time::Duration::from_secs(1))
    }

    /// Whether an operator queue is configured at all.
    pub fn is_enabled(&self) -> bool {
        !self.lines.is_empty() && !self.operators.is_empty()
    }

    pub fn line(&self, id: &str) -> Option<&ServiceLine> {
        self.lines.iter().find(|l| l.id.as_str() == id)
    }

    pub fn operator(&self, id: &str) -> Option<&OperatorPosition> {
        self.operators.iter().find(|o| o.id.as_str() == id)
    }

    /// The positions a staff member may sign in at.
    pub fn operators_of(&self, staff: &str) -> impl Iterator<Item = &OperatorPosition> {
        self.operators.iter().filter(move |o| o.staff == staff)
    }
}

/// Spawns on `tracker` a task that runs `round` at once and then every `every` until
/// `shutdown` (a late round delays the next one instead of bunching them): the callback
/// dialler's and the liveness recovery's rhythm.
fn spawn_every<F, Fut>(
    tracker: &TaskTracker,
    every: Duration,
    shutdown: CancellationToken,
    mut round: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tracker.spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = tick.tick() => {}
            }
            round().await;
        }
    });
}

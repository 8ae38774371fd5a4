//! The queue domain: lines, tickets, stations, the call-next policy and wait estimates.

mod line;
mod policy;
mod station;
mod ticket;
mod wait;

pub use line::{InvalidId, IssueRefusal, IssuingCutoff, LineId, Prefix, ServiceLine};
pub use policy::{Candidate, Choice, QueuePolicy};
pub use station::{Station, StationId, StationKind, StationState};
pub use ticket::{
    InvalidTicketCode, InvalidTransition, IssueChannel, PriorityClass, TicketAction, TicketCode,
    TicketStatus,
};
pub use wait::{RECENT_SERVICES, WaitEstimate, estimate_wait};

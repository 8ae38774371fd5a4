//! The states of an operator position and the rules between them (pure).
//!
//! ```text
//!  logged out ──login──► ready ◄──────── ready / wrap-up over ─── wrap-up ◄── end ── busy
//!      ▲                 │  ▲ ▲                                                     ▲
//!      └──── logout ─────┤  │ └── no answer (below the miss limit) ── ringing ─answer┘
//!                        │  └──── ready ── paused ◄── pause / no answer (limit) / unreachable
//!                        └── assign ──► ringing
//! ```
//!
//! A position is *ready* (waiting for a call), *ringing* (a call was assigned and its phone
//! rings), *busy* (talking), in *wrap-up* (after-call work for a configured time, then ready by
//! itself), *paused* with a reason, or *logged out*. Any other move is refused with an
//! [`InvalidOperatorTransition`] that names both ends.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an operator position is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorState {
    LoggedOut,
    Ready,
    Ringing,
    Busy,
    WrapUp,
    Paused,
}

impl OperatorState {
    pub const ALL: [OperatorState; 6] = [
        OperatorState::LoggedOut,
        OperatorState::Ready,
        OperatorState::Ringing,
        OperatorState::Busy,
        OperatorState::WrapUp,
        OperatorState::Paused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OperatorState::LoggedOut => "logged_out",
            OperatorState::Ready => "ready",
            OperatorState::Ringing => "ringing",
            OperatorState::Busy => "busy",
            OperatorState::WrapUp => "wrap_up",
            OperatorState::Paused => "paused",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        OperatorState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The Italian name on the console and the supervisor page.
    pub fn italian(self) -> &'static str {
        match self {
            OperatorState::LoggedOut => "non collegato",
            OperatorState::Ready => "pronto",
            OperatorState::Ringing => "squilla",
            OperatorState::Busy => "in conversazione",
            OperatorState::WrapUp => "chiusura della chiamata",
            OperatorState::Paused => "in pausa",
        }
    }

    /// Signed in and serving the line (counted by the wait estimate): everything but paused
    /// and logged out.
    pub fn is_serving(self) -> bool {
        matches!(
            self,
            OperatorState::Ready
                | OperatorState::Ringing
                | OperatorState::Busy
                | OperatorState::WrapUp
        )
    }

    /// Holding a call (ringing or talking): the position cannot be paused or left now.
    pub fn holds_call(self) -> bool {
        matches!(self, OperatorState::Ringing | OperatorState::Busy)
    }
}

impl fmt::Display for OperatorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to a position: the operator's buttons and the call's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorEvent {
    /// The operator signs in at the position.
    LogIn,
    /// "Pronto": ready for the next call (also ends a pause or a wrap-up early).
    Ready,
    /// "Pausa" with a reason.
    Pause,
    /// "Esci".
    LogOut,
    /// The queue assigned a call: the phone rings.
    Assign,
    /// The operator answered.
    Answer,
    /// The phone rang for the whole ring timeout; `limit_reached` when this was the
    /// configured number of consecutive misses (the position is paused "non risponde").
    NoAnswer { limit_reached: bool },
    /// The phone could not be reached (not registered, refused, failed).
    Unreachable,
    /// The caller hung up (or the callback could not reach the citizen) while the phone
    /// rang: the operator is ready again, no miss counted.
    CallerLeft,
    /// The conversation ended (either side hung up).
    End,
    /// The wrap-up time is over.
    WrapUpOver,
}

/// A move the rules do not allow, e.g. pausing while the phone rings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an operator position that is {from} cannot take '{event:?}'")]
pub struct InvalidOperatorTransition {
    pub from: OperatorState,
    pub event: OperatorEvent,
}

impl OperatorState {
    /// The state after `event`, or why it is not allowed.
    pub fn apply(self, event: OperatorEvent) -> Result<OperatorState, InvalidOperatorTransition> {
        use OperatorEvent as E;
        use OperatorState as S;
        let next = match (self, event) {
            (S::LoggedOut, E::LogIn) => S::Ready,
            (S::Ready | S::Paused | S::WrapUp, E::Ready) => S::Ready,
            (S::Ready | S::WrapUp | S::Paused, E::Pause) => S::Paused,
            (S::Ready | S::Paused | S::WrapUp, E::LogOut) => S::LoggedOut,
            (S::Ready, E::Assign) => S::Ringing,
            (S::Ringing, E::Answer) => S::Busy,
            (S::Ringing, E::NoAnswer { limit_reached }) => {
                if limit_reached {
                    S::Paused
                } else {
                    S::Ready
                }
            }
            (S::Ringing, E::Unreachable) => S::Paused,
            (S::Ringing, E::CallerLeft) => S::Ready,
            (S::Busy, E::End) => S::WrapUp,
            (S::WrapUp, E::WrapUpOver) => S::Ready,
            _ => return Err(InvalidOperatorTransition { from: self, event }),
        };
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_table() {
        use OperatorEvent as E;
        use OperatorState as S;
        let allowed = [
            (S::LoggedOut, E::LogIn, S::Ready),
            (S::Ready, E::Ready, S::Ready),
            (S::Paused, E::Ready, S::Ready),
            (S::WrapUp, E::Ready, S::Ready),
            (S::Ready, E::Pause, S::Paused),
            (S::WrapUp, E::Pause, S::Paused),
            (S::Paused, E::Pause, S::Paused),
            (S::Ready, E::LogOut, S::LoggedOut),
            (S::Paused, E::LogOut, S::LoggedOut),
            (S::WrapUp, E::LogOut, S::LoggedOut),
            (S::Ready, E::Assign, S::Ringing),
            (S::Ringing, E::Answer, S::Busy),
            (
                S::Ringing,
                E::NoAnswer {
                    limit_reached: false,
                },
                S::Ready,
            ),
            (
                S::Ringing,
                E::NoAnswer {
                    limit_reached: true,
                },
                S::Paused,
            ),
            (S::Ringing, E::Unreachable, S::Paused),
            (S::Ringing, E::CallerLeft, S::Ready),
            (S::Busy, E::End, S::WrapUp),
            (S::WrapUp, E::WrapUpOver, S::Ready),
        ];
        let events = [
            E::LogIn,
            E::Ready,
            E::Pause,
            E::LogOut,
            E::Assign,
            E::Answer,
            E::NoAnswer {
                limit_reached: false,
            },
            E::NoAnswer {
                limit_reached: true,
            },
            E::Unreachable,
            E::CallerLeft,
            E::End,
            E::WrapUpOver,
        ];
        for from in S::ALL {
            for event in events {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == from && *e == event)
                    .map(|(_, _, to)| *to);
                assert_eq!(from.apply(event).ok(), expected, "{from:?} + {event:?}");
            }
        }
        let err = S::Busy.apply(E::Pause).unwrap_err();
        assert_eq!(
            err.to_string(),
            "an operator position that is busy cannot take 'Pause'"
        );
    }

    #[test]
    fn names_round_trip() {
        for s in OperatorState::ALL {
            assert_eq!(OperatorState::parse(s.as_str()), Some(s));
        }
        assert!(OperatorState::Busy.holds_call());
        assert!(!OperatorState::Paused.is_serving());
    }
}

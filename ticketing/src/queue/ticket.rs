//! Tickets: their code, channel, priority and the lifecycle rules.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::line::Prefix;

/// The printed and announced code of a ticket: the line prefix and the day's number ("A 12").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct TicketCode {
    prefix: char,
    number: u32,
}

/// Why a text is not a ticket code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a ticket code like A12")]
pub struct InvalidTicketCode(pub String);

impl TicketCode {
    pub fn new(prefix: Prefix, number: u32) -> Self {
        TicketCode {
            prefix: prefix.as_char(),
            number,
        }
    }

    /// Parses "A12", "A 12" or "a012".
    pub fn parse(text: &str) -> Result<Self, InvalidTicketCode> {
        let err = || InvalidTicketCode(text.to_string());
        let text = text.trim();
        let mut chars = text.chars();
        let prefix = chars.next().ok_or_else(err)?.to_ascii_uppercase();
        if !prefix.is_ascii_uppercase() {
            return Err(err());
        }
        let digits = chars.as_str().trim_start();
        if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let number: u32 = digits.parse().map_err(|_| err())?;
        if number == 0 {
            return Err(err());
        }
        Ok(TicketCode { prefix, number })
    }

    pub fn prefix(&self) -> char {
        self.prefix
    }

    pub fn number(&self) -> u32 {
        self.number
    }

    /// The way it is printed on a display: "A 12".
    pub fn spaced(&self) -> String {
        format!("{} {}", self.prefix, self.number)
    }
}

impl fmt::Display for TicketCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:03}", self.prefix, self.number)
    }
}

/// How the ticket was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueChannel {
    Kiosk,
    Phone,
    Web,
    /// An appointment checked in at the kiosk or counter.
    Appointment,
}

impl IssueChannel {
    pub const ALL: [IssueChannel; 4] = [
        IssueChannel::Kiosk,
        IssueChannel::Phone,
        IssueChannel::Web,
        IssueChannel::Appointment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IssueChannel::Kiosk => "kiosk",
            IssueChannel::Phone => "phone",
            IssueChannel::Web => "web",
            IssueChannel::Appointment => "appointment",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        IssueChannel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called,
    InService,
    Done,
    NoShow,
    Cancelled,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::Waiting,
        TicketStatus::Called,
        TicketStatus::InService,
        TicketStatus::Done,
        TicketStatus::NoShow,
        TicketStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called => "called",
            TicketStatus::InService => "in_service",
            TicketStatus::Done => "done",
            TicketStatus::NoShow => "no_show",
            TicketStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        TicketStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Still in the hall: waiting, called or being served.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            TicketStatus::Waiting | TicketStatus::Called | TicketStatus::InService
        )
    }

    /// Held by a station (called or being served).
    pub fn is_at_station(self) -> bool {
        matches!(self, TicketStatus::Called | TicketStatus::InService)
    }
}

/// What a clerk or a channel does to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketAction {
    Call,
    Recall,
    StartService,
    Finish,
    NoShow,
    Transfer,
    Cancel,
}

/// A lifecycle rule was broken (e.g. finishing a ticket nobody called).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a ticket that is {} cannot be {}", .from.as_str(), action_word(*.action))]
pub struct InvalidTransition {
    pub from: TicketStatus,
    pub action: TicketAction,
}

fn action_word(action: TicketAction) -> &'static str {
    match action {
        TicketAction::Call => "called",
        TicketAction::Recall => "recalled",
        TicketAction::StartService => "put in service",
        TicketAction::Finish => "finished",
        TicketAction::NoShow => "marked as no-show",
        TicketAction::Transfer => "transferred",
        TicketAction::Cancel => "cancelled",
    }
}

impl TicketStatus {
    /// The lifecycle: waiting → called → in service → done; a called ticket can be recalled,
    /// marked no-show, finished directly, or transferred (back to waiting on another line);
    /// waiting or called tickets can be cancelled.
    pub fn apply(self, action: TicketAction) -> Result<TicketStatus, InvalidTransition> {
        use TicketAction as A;
        use TicketStatus as S;
        let next = match (self, action) {
            (S::Waiting, A::Call) => S::Called,
            (S::Called, A::Recall) => S::Called,
            (S::Called, A::StartService) => S::InService,
            (S::Called | S::InService, A::Finish) => S::Done,
            (S::Called, A::NoShow) => S::NoShow,
            (S::Called | S::InService, A::Transfer) => S::Waiting,
            (S::Waiting | S::Called, A::Cancel) => S::Cancelled,
            _ => return Err(InvalidTransition { from: self, action }),
        };
        Ok(next)
    }
}

/// A priority class (e.g. people with disabilities, pregnant women, the elderly), configured per
/// office.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PriorityClass(String);

impl PriorityClass {
    pub fn new(id: &str) -> Result<Self, super::line::InvalidId> {
        if super::line::is_identifier(id) {
            Ok(PriorityClass(id.to_string()))
        } else {
            Err(super::line::InvalidId(id.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_and_print() {
        let c = TicketCode::parse("A12").unwrap();
        assert_eq!((c.prefix(), c.number()), ('A', 12));
        assert_eq!(c.to_string(), "A012");
        assert_eq!(c.spaced(), "A 12");
        assert_eq!(TicketCode::parse("a 012").unwrap(), c);
        for bad in ["", "12", "A", "A0", "AB12", "A-1", "A1234567", "Ä1"] {
            assert!(TicketCode::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lifecycle_table() {
        use TicketAction as A;
        use TicketStatus as S;
        let allowed = [
            (S::Waiting, A::Call, S::Called),
            (S::Called, A::Recall, S::Called),
            (S::Called, A::StartService, S::InService),
            (S::Called, A::Finish, S::Done),
            (S::InService, A::Finish, S::Done),
            (S::Called, A::NoShow, S::NoShow),
            (S::Called, A::Transfer, S::Waiting),
            (S::InService, A::Transfer, S::Waiting),
            (S::Waiting, A::Cancel, S::Cancelled),
            (S::Called, A::Cancel, S::Cancelled),
        ];
        let actions = [
            A::Call,
            A::Recall,
            A::StartService,
            A::Finish,
            A::NoShow,
            A::Transfer,
            A::Cancel,
        ];
        for from in S::ALL {
            for action in actions {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(from.apply(action).ok(), expected, "{from:?} + {action:?}");
            }
        }
        let err = S::Done.apply(A::Finish).unwrap_err();
        assert_eq!(err.to_string(), "a ticket that is done cannot be finished");
    }

    #[test]
    fn channel_and_status_names_round_trip() {
        for c in IssueChannel::ALL {
            assert_eq!(IssueChannel::parse(c.as_str()), Some(c));
        }
        for s in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(s.as_str()), Some(s));
        }
    }
}

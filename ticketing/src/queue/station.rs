//! Stations: counters in the hall now, phone operator positions later. A station serves a
//! chosen set of lines.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::line::{InvalidId, LineId, is_identifier};

/// Identifier of a station, e.g. `sportello-3`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct StationId(String);

impl StationId {
    pub fn parse(text: &str) -> Result<Self, InvalidId> {
        if is_identifier(text) {
            Ok(StationId(text.to_string()))
        } else {
            Err(InvalidId(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of place serves the tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StationKind {
    Counter,
    PhonePosition,
}

/// Whether a station takes tickets right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StationState {
    Closed,
    Open,
    Paused,
}

impl StationState {
    pub fn as_str(self) -> &'static str {
        match self {
            StationState::Closed => "closed",
            StationState::Open => "open",
            StationState::Paused => "paused",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            StationState::Closed,
            StationState::Open,
            StationState::Paused,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A configured station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Station {
    pub id: StationId,
    /// The name shown and announced ("Sportello 3").
    pub name: String,
    /// The number said on the display call-out ("sportello 3").
    pub number: u32,
    pub kind: StationKind,
    /// Lines this station may serve (a counter may be restricted to some lines).
    pub lines: Vec<LineId>,
}

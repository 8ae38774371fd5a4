//! Estimated waiting time per line.
//!
//! `people ahead × average handling time ÷ stations open for the line`, where the average is
//! taken over the most recent services of the day on that line (or the line's configured
//! default before the first one). With no open station serving the line the wait is unknown:
//! the citizen is told so rather than given a made-up figure.

use jiff::SignedDuration;
use serde::Serialize;

/// How many recent services feed the average.
pub const RECENT_SERVICES: usize = 20;

/// An estimate of the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WaitEstimate {
    /// Whole minutes, rounded up.
    Minutes { minutes: u32 },
    /// No station is open for the line: nobody can say.
    Unknown,
}

impl WaitEstimate {
    /// Italian wording for a ticket or a display ("circa 12 minuti").
    pub fn italian(&self) -> String {
        match self {
            WaitEstimate::Minutes { minutes: 0 } => "nessuna attesa".to_string(),
            WaitEstimate::Minutes { minutes: 1 } => "circa 1 minuto".to_string(),
            WaitEstimate::Minutes { minutes } => format!("circa {minutes} minuti"),
            WaitEstimate::Unknown => {
                "non disponibile, nessuno sportello è ancora aperto per questo servizio".to_string()
            }
        }
    }
}

/// Estimates the wait of someone with `people_ahead` tickets before them.
pub fn estimate_wait(
    people_ahead: u32,
    recent_handling: &[SignedDuration],
    default_handling: SignedDuration,
    open_stations: u32,
) -> WaitEstimate {
    if open_stations == 0 {
        return WaitEstimate::Unknown;
    }
    let average = if recent_handling.is_empty() {
        default_handling
    } else {
        let total: i64 = recent_handling.iter().map(|d| d.as_secs().max(0)).sum();
        SignedDuration::from_secs(total / recent_handling.len() as i64)
    };
    let seconds = i64::from(people_ahead) * average.as_secs().max(0) / i64::from(open_stations);
    let minutes = (seconds + 59) / 60;
    WaitEstimate::Minutes {
        minutes: u32::try_from(minutes).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_table() {
        let m = SignedDuration::from_mins;
        let s = SignedDuration::from_secs;
        let cases = [
            // (ahead, recent, default, open, expected)
            (0, vec![], m(8), 1, WaitEstimate::Minutes { minutes: 0 }),
            (3, vec![], m(8), 1, WaitEstimate::Minutes { minutes: 24 }),
            (3, vec![], m(8), 2, WaitEstimate::Minutes { minutes: 12 }),
            (
                4,
                vec![m(4), m(6)],
                m(8),
                1,
                WaitEstimate::Minutes { minutes: 20 },
            ),
            (
                1,
                vec![s(90)],
                m(8),
                2,
                WaitEstimate::Minutes { minutes: 1 },
            ),
            (5, vec![m(5)], m(8), 0, WaitEstimate::Unknown),
        ];
        for (ahead, recent, default, open, expected) in cases {
            assert_eq!(
                estimate_wait(ahead, &recent, default, open),
                expected,
                "{ahead} ahead, {recent:?}, {open} open"
            );
        }
    }

    #[test]
    fn italian_wording() {
        assert_eq!(
            WaitEstimate::Minutes { minutes: 12 }.italian(),
            "circa 12 minuti"
        );
        assert!(
            WaitEstimate::Unknown
                .italian()
                .starts_with("non disponibile")
        );
    }
}

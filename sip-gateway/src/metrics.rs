//! The SIP gateway's figures in `/metrics` (added to the ticketing core's through
//! [`ticketing::http::MetricsSources`]): whether the trunk is registered, how many operator
//! phones are registered, the legs this node carries, and how steadily it paces the outgoing
//! audio. Unlike the ticketing figures, these are the node's own.

use std::fmt::Write;

use crate::telephony::TelephonyHandle;
use crate::telephony::pacer::{LATENESS_BOUNDS_US, PacingFigures};

/// A snapshot of the gateway's figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayFigures {
    /// The trunk's registrar (as configured) and whether the last REGISTER succeeded.
    pub trunk: Option<(String, bool)>,
    /// Operator accounts with a live registration.
    pub registered_phones: usize,
    /// Incoming calls in progress.
    pub incoming_calls: usize,
    /// Legs the gateway placed that are in progress (operator legs, callbacks).
    pub outgoing_legs: usize,
    /// Incoming INVITEs refused with 503 since start: (`max_calls` reached, new-call rate
    /// exceeded).
    pub refused_invites: (u64, u64),
    /// The pacing threads of the outgoing RTP.
    pub pacing: PacingFigures,
}

impl GatewayFigures {
    pub fn of(handle: &TelephonyHandle) -> Self {
        GatewayFigures {
            trunk: handle
                .trunk_registrar()
                .zip(handle.trunk())
                .map(|(registrar, status)| (registrar.to_owned(), status.registered())),
            registered_phones: handle.registered_operators(),
            incoming_calls: handle.live_calls(),
            outgoing_legs: handle.outgoing_legs(),
            refused_invites: handle.refused_calls(),
            pacing: handle.pacing(),
        }
    }

    /// Appends the Prometheus text.
    pub fn write(&self, out: &mut String) {
        let mut gauge = |name: &str, help: &str, samples: &[(String, usize)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        if let Some((registrar, registered)) = &self.trunk {
            gauge(
                "sportello_sip_trunk_registered",
                "Whether the last registration to the trunk succeeded (1) or not (0).",
                &[(
                    format!("{{trunk=\"{}\"}}", label(registrar)),
                    usize::from(*registered),
                )],
            );
        }
        gauge(
            "sportello_sip_registered_phones",
            "Operator accounts whose phone is registered.",
            &[(String::new(), self.registered_phones)],
        );
        gauge(
            "sportello_sip_calls",
            "SIP legs this node carries, by direction (both count toward max_calls).",
            &[
                ("{direction=\"incoming\"}".to_owned(), self.incoming_calls),
                ("{direction=\"outgoing\"}".to_owned(), self.outgoing_legs),
            ],
        );
        gauge(
            "sportello_rtp_paced_streams",
            "Outgoing RTP streams the pacing threads send (prompts, ringback, silence).",
            &[(String::new(), self.pacing.streams)],
        );
        self.write_refused(out);
        self.write_pacing(out);
    }

    /// The INVITEs refused with 503, by reason.
    fn write_refused(&self, out: &mut String) {
        let name = "sportello_sip_invites_refused_total";
        let (full, rate) = self.refused_invites;
        let _ = writeln!(
            out,
            "# HELP {name} New calls answered 503 (Retry-After): max_calls legs were up, or more \
             new calls a second than max_new_calls_per_second.\n# TYPE {name} counter\n\
             {name}{{reason=\"max_calls\"}} {full}\n{name}{{reason=\"rate\"}} {rate}"
        );
    }

    /// The pacing threads' lateness histogram and stalls.
    fn write_pacing(&self, out: &mut String) {
        let pacing = &self.pacing;
        let name = "sportello_rtp_pacing_lateness_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} How late a pacing thread woke for the packets of a 1 ms phase \
             (each stream gets one packet every 20 ms).\n# TYPE {name} histogram"
        );
        let mut cumulative = 0;
        for (bound, count) in LATENESS_BOUNDS_US.iter().zip(&pacing.lateness) {
            cumulative += count;
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{}\"}} {cumulative}",
                *bound as f64 / 1e6
            );
        }
        let total: u64 = pacing.lateness.iter().sum();
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {total}");
        let _ = writeln!(
            out,
            "{name}_sum {}\n{name}_count {total}",
            pacing.lateness_sum_us as f64 / 1e6
        );
        let name = "sportello_rtp_pacing_stalled_intervals_total";
        let _ = writeln!(
            out,
            "# HELP {name} Packet intervals (20 ms) a pacing thread could not run and skipped: \
             a gap in the audio of its streams.\n# TYPE {name} counter\n{name} {}",
            pacing.stalled_intervals
        );
    }
}

/// A Prometheus label value: backslash, double quote and newline escaped.
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// The running gateway as a source of `/metrics`.
#[derive(Debug, Clone)]
pub struct GatewayMetrics(pub TelephonyHandle);

impl ticketing::http::MetricsSource for GatewayMetrics {
    fn write_metrics(&self, out: &mut String) {
        GatewayFigures::of(&self.0).write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_as_prometheus_text() {
        let mut out = String::new();
        GatewayFigures {
            trunk: Some(("sip:pbx.example.it:5060".to_owned(), true)),
            registered_phones: 2,
            incoming_calls: 3,
            outgoing_legs: 1,
            refused_invites: (4, 7),
            pacing: PacingFigures {
                streams: 3,
                lateness: [900, 80, 15, 4, 1, 0, 0],
                lateness_sum_us: 250_000,
                stalled_intervals: 2,
            },
        }
        .write(&mut out);
        for line in [
            "# TYPE sportello_sip_trunk_registered gauge",
            "sportello_sip_trunk_registered{trunk=\"sip:pbx.example.it:5060\"} 1",
            "# TYPE sportello_sip_registered_phones gauge",
            "sportello_sip_registered_phones 2",
            "sportello_sip_calls{direction=\"incoming\"} 3",
            "sportello_sip_calls{direction=\"outgoing\"} 1",
            "# TYPE sportello_sip_invites_refused_total counter",
            "sportello_sip_invites_refused_total{reason=\"max_calls\"} 4",
            "sportello_sip_invites_refused_total{reason=\"rate\"} 7",
            "sportello_rtp_paced_streams 3",
            "# TYPE sportello_rtp_pacing_lateness_seconds histogram",
            "sportello_rtp_pacing_lateness_seconds_bucket{le=\"0.0005\"} 900",
            "sportello_rtp_pacing_lateness_seconds_bucket{le=\"0.001\"} 980",
            "sportello_rtp_pacing_lateness_seconds_bucket{le=\"0.005\"} 999",
            "sportello_rtp_pacing_lateness_seconds_bucket{le=\"0.02\"} 1000",
            "sportello_rtp_pacing_lateness_seconds_bucket{le=\"+Inf\"} 1000",
            "sportello_rtp_pacing_lateness_seconds_sum 0.25",
            "sportello_rtp_pacing_lateness_seconds_count 1000",
            "# TYPE sportello_rtp_pacing_stalled_intervals_total counter",
            "sportello_rtp_pacing_stalled_intervals_total 2",
        ] {
            assert!(out.lines().any(|l| l == line), "{line:?} missing in\n{out}");
        }

        // No trunk configured: no trunk line; a failed registration reads 0.
        let mut without = String::new();
        GatewayFigures::default().write(&mut without);
        assert!(!without.contains("sportello_sip_trunk_registered"));
        assert!(without.contains("sportello_sip_registered_phones 0\n"));
        let mut down = String::new();
        GatewayFigures {
            trunk: Some(("sip:\"odd\"\\host".to_owned(), false)),
            ..GatewayFigures::default()
        }
        .write(&mut down);
        assert!(
            down.contains("sportello_sip_trunk_registered{trunk=\"sip:\\\"odd\\\"\\\\host\"} 0\n"),
            "{down}"
        );
    }
}

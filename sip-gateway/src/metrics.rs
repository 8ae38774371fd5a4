//! The SIP gateway's figures in `/metrics` (added to the ticketing core's through
//! [`ticketing::http::MetricsSources`]): whether the trunk is registered, how many operator
//! phones are registered, and the legs this node carries. Unlike the ticketing figures, these
//! are the node's own.

use std::fmt::Write;

use crate::telephony::TelephonyHandle;

/// A snapshot of the gateway's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayFigures {
    /// The trunk's registrar (as configured) and whether the last REGISTER succeeded.
    pub trunk: Option<(String, bool)>,
    /// Operator accounts with a live registration.
    pub registered_phones: usize,
    /// Incoming calls in progress.
    pub incoming_calls: usize,
    /// Legs the gateway placed that are in progress (operator legs, callbacks).
    pub outgoing_legs: usize,
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
        }
        .write(&mut out);
        for line in [
            "# TYPE sportello_sip_trunk_registered gauge",
            "sportello_sip_trunk_registered{trunk=\"sip:pbx.example.it:5060\"} 1",
            "# TYPE sportello_sip_registered_phones gauge",
            "sportello_sip_registered_phones 2",
            "sportello_sip_calls{direction=\"incoming\"} 3",
            "sportello_sip_calls{direction=\"outgoing\"} 1",
        ] {
            assert!(out.lines().any(|l| l == line), "{line:?} missing in\n{out}");
        }

        // No trunk configured: no trunk line; a failed registration reads 0.
        let mut without = String::new();
        GatewayFigures {
            trunk: None,
            registered_phones: 0,
            incoming_calls: 0,
            outgoing_legs: 0,
        }
        .write(&mut without);
        assert!(!without.contains("sportello_sip_trunk_registered"));
        assert!(without.contains("sportello_sip_registered_phones 0\n"));
        let mut down = String::new();
        GatewayFigures {
            trunk: Some(("sip:\"odd\"\\host".to_owned(), false)),
            registered_phones: 0,
            incoming_calls: 0,
            outgoing_legs: 0,
        }
        .write(&mut down);
        assert!(
            down.contains("sportello_sip_trunk_registered{trunk=\"sip:\\\"odd\\\"\\\\host\"} 0\n"),
            "{down}"
        );
    }
}

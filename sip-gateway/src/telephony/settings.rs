//! `[sip]` settings: read once from the configuration file, validated, passed down.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// Upper bound of timer settings in seconds (one day): larger values overflow `Instant`
/// arithmetic on some platforms and mean nothing for a call.
const MAX_TIMER_SECS: u64 = 86_400;

/// Upper bound of a source ban in seconds (thirty days).
const MAX_BAN_SECS: u64 = 30 * 86_400;

/// The `[sip]` section of `sportello.toml`. Every key has a default.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SipSettings {
    /// Address the SIP and RTP sockets bind to.
    pub listen_address: IpAddr,
    /// SIP over UDP port (0 = any free port, for tests).
    pub udp_port: u16,
    /// SIP over TCP port (0 = any free port); `None` disables TCP.
    pub tcp_port: Option<u16>,
    /// Address written in SDP and Contact; defaults to `listen_address` (must then be
    /// specific, not 0.0.0.0).
    pub public_address: Option<IpAddr>,
    /// First and last RTP port (inclusive); one even port per call.
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    /// Request-URI users (service numbers) that take calls; others get 404.
    pub service_users: Vec<String>,
    /// Above this many calls, new INVITEs get 503 with Retry-After.
    pub max_calls: usize,
    /// New incoming calls accepted per second (a burst of one second's worth); beyond it new
    /// INVITEs get 503 with Retry-After at once.
    pub max_new_calls_per_second: u32,
    /// How long the gateway rings (180) before answering, in milliseconds.
    pub ring_ms: u64,
    /// Seconds a 503 asks the caller to wait.
    pub retry_after_secs: u32,
    /// A call with no RTP and no SIP from the caller for this long is hung up (BYE).
    pub inactivity_timeout_secs: u64,
    /// Messages per second allowed per source address (sustained) ...
    pub rate_limit_per_second: u32,
    /// ... and in a burst.
    pub rate_limit_burst: u32,
    /// How long a source that exceeds the limit is ignored.
    pub ban_secs: u64,
    /// Sources never rate-limited (e.g. the Kamailio dispatcher in front of the nodes).
    pub rate_limit_exempt: Vec<IpAddr>,
    /// User-Agent substrings (case-insensitive) of SIP scanners; their messages are dropped
    /// silently.
    pub scanner_user_agents: Vec<String>,
    /// Larger messages are dropped.
    pub max_message_size: usize,
    /// SIP over TLS: the certificate chain (PEM). TLS listens only when both the certificate
    /// and the private key are set.
    pub tls_certificate: Option<PathBuf>,
    /// The private key of the certificate (PEM, PKCS#8, PKCS#1 or SEC1).
    pub tls_private_key: Option<PathBuf>,
    /// The TLS port (default 5061).
    pub tls_port: u16,
    /// Operator phones that REGISTER with digest authentication (`[[sip.accounts]]`); the
    /// registrar answers REGISTER only when there is at least one.
    pub accounts: Vec<super::operator_settings::AccountSettings>,
    /// `[sip.registrar]`: realm, expiry limits, nonce lifetime, bans after failures.
    pub registrar: super::operator_settings::RegistrarSettings,
    /// `[sip.trunk]`: the upstream trunk or PBX the gateway registers with.
    pub trunk: Option<super::operator_settings::TrunkSettings>,
    /// `[sip.callback]`: the route callbacks are dialled through (none: no callbacks).
    pub callback: Option<super::operator_settings::CallbackSettings>,
    /// Benchmarks only: calls to these users skip the dialog and are bridged at once to the
    /// operator account named `bench_operator` (off unless both are set).
    pub bench_bridge_users: Vec<String>,
    pub bench_operator: Option<String>,
    /// Where the registrar keeps its bindings across restarts (the data directory; set by the
    /// binary, not read from the file). `None`: kept in memory only.
    #[serde(skip)]
    pub state_dir: Option<PathBuf>,
}

impl Default for SipSettings {
    fn default() -> Self {
        SipSettings {
            listen_address: IpAddr::from([127, 0, 0, 1]),
            udp_port: 5060,
            tcp_port: Some(5060),
            public_address: None,
            rtp_port_min: 20000,
            rtp_port_max: 29999,
            service_users: vec!["sportello".to_owned()],
            max_calls: 2500,
            max_new_calls_per_second: 1000,
            ring_ms: 0,
            retry_after_secs: 30,
            inactivity_timeout_secs: 30,
            rate_limit_per_second: 50,
            rate_limit_burst: 200,
            ban_secs: 600,
            rate_limit_exempt: Vec::new(),
            scanner_user_agents: [
                "friendly-scanner",
                "sipvicious",
                "sipcli",
                "vaxsipuseragent",
                "sip-scan",
                "sipsak",
                "sundayddr",
                "iwar",
                "cseq",
                "pplsip",
                "sipptk",
                "smap",
            ]
            .map(str::to_owned)
            .to_vec(),
            max_message_size: 8192,
            tls_certificate: None,
            tls_private_key: None,
            tls_port: 5061,
            accounts: Vec::new(),
            registrar: super::operator_settings::RegistrarSettings::default(),
            trunk: None,
            callback: None,
            bench_bridge_users: Vec::new(),
            bench_operator: None,
            state_dir: None,
        }
    }
}

/// A setting that cannot work, named by its key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sip.{key}: {problem}")]
pub struct SettingsError {
    pub key: &'static str,
    pub problem: String,
}

fn err(key: &'static str, problem: impl Into<String>) -> SettingsError {
    SettingsError {
        key,
        problem: problem.into(),
    }
}

/// Environment variables that override `[sip]` keys: (variable, key). A port of `0` binds any
/// free port (tests run several gateways side by side this way).
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("SPORTELLO_SIP_UDP_PORT", "sip.udp_port"),
    ("SPORTELLO_SIP_TCP_PORT", "sip.tcp_port"),
    ("SPORTELLO_SIP_TLS_PORT", "sip.tls_port"),
    ("SPORTELLO_SIP_TLS_CERTIFICATE", "sip.tls_certificate"),
    ("SPORTELLO_SIP_TLS_PRIVATE_KEY", "sip.tls_private_key"),
];

impl SipSettings {
    /// Reads the `[sip]` table, applies the environment overrides ([`ENV_OVERRIDES`], looked
    /// up with `env`) and validates the result; returns every problem found.
    pub fn load(
        table: &toml::Table,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<SipSettings, Vec<SettingsError>> {
        let mut settings: SipSettings =
            toml::Value::Table(table.clone())
                .try_into()
                .map_err(|e: toml::de::Error| {
                    vec![err("section", e.to_string().trim().replace('\n', " "))]
                })?;
        let mut errors = Vec::new();
        let mut port = |variable: &str, key: &'static str| -> Option<u16> {
            let text = env(variable)?;
            match text.trim().parse::<u16>() {
                Ok(p) => Some(p),
                Err(_) => {
                    errors.push(err(
                        key,
                        format!("{variable}='{text}' is not a port number (0-65535)"),
                    ));
                    None
                }
            }
        };
        if let Some(p) = port("SPORTELLO_SIP_UDP_PORT", "udp_port") {
            settings.udp_port = p;
        }
        if let Some(p) = port("SPORTELLO_SIP_TCP_PORT", "tcp_port") {
            settings.tcp_port = Some(p);
        }
        if let Some(p) = port("SPORTELLO_SIP_TLS_PORT", "tls_port") {
            settings.tls_port = p;
        }
        if let Some(path) = env("SPORTELLO_SIP_TLS_CERTIFICATE") {
            settings.tls_certificate = Some(PathBuf::from(path));
        }
        if let Some(path) = env("SPORTELLO_SIP_TLS_PRIVATE_KEY") {
            settings.tls_private_key = Some(PathBuf::from(path));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the settings together; returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<SettingsError>> {
        let mut errors = Vec::new();
        if self.public_address.is_none() && self.listen_address.is_unspecified() {
            errors.push(err(
                "public_address",
                "must be set when listen_address is 0.0.0.0 or :: (it goes into SDP and Contact)",
            ));
        }
        if self.public_address.is_some_and(|a| a.is_unspecified()) {
            errors.push(err("public_address", "must be a specific address"));
        }
        // RTP uses even ports (RTCP would take the odd one above): count from the first even
        // port of the range, as the allocator does.
        let first_even = self.rtp_port_min.checked_add(self.rtp_port_min % 2);
        if self.rtp_port_min == 0
            || self.rtp_port_min > self.rtp_port_max
            || self.rtp_port_min > 65534
        {
            errors.push(err(
                "rtp_port_min",
                format!(
                    "the range {}..={} is empty, starts at 0 or holds no even port below 65535",
                    self.rtp_port_min, self.rtp_port_max
                ),
            ));
        } else if first_even.is_none_or(|first| {
            first > self.rtp_port_max
                || usize::from((self.rtp_port_max - first) / 2 + 1) < self.max_calls
        }) {
            errors.push(err(
                "rtp_port_max",
                format!(
                    "the RTP range holds fewer even ports than max_calls ({})",
                    self.max_calls
                ),
            ));
        }
        if self.service_users.is_empty() || self.service_users.iter().any(|u| u.trim().is_empty()) {
            errors.push(err("service_users", "needs at least one non-empty user"));
        }
        if self.max_calls == 0 {
            errors.push(err("max_calls", "must be at least 1"));
        }
        if !(1..=100_000).contains(&self.max_new_calls_per_second) {
            errors.push(err(
                "max_new_calls_per_second",
                "must be between 1 and 100000",
            ));
        }
        if !(1..=MAX_TIMER_SECS).contains(&self.inactivity_timeout_secs) {
            errors.push(err(
                "inactivity_timeout_secs",
                format!("must be between 1 and {MAX_TIMER_SECS} (one day)"),
            ));
        }
        if self.ban_secs > MAX_BAN_SECS {
            errors.push(err(
                "ban_secs",
                format!("must be at most {MAX_BAN_SECS} (thirty days)"),
            ));
        }
        if self.rate_limit_per_second == 0 || self.rate_limit_burst < self.rate_limit_per_second {
            errors.push(err(
                "rate_limit_burst",
                "rate_limit_per_second must be at least 1 and the burst at least the rate",
            ));
        }
        if !(1024..=65507).contains(&self.max_message_size) {
            errors.push(err("max_message_size", "must be between 1024 and 65507"));
        }
        if self.tls_certificate.is_some() != self.tls_private_key.is_some() {
            errors.push(err(
                "tls_private_key",
                "set both tls_certificate and tls_private_key to enable TLS, or neither",
            ));
        }
        super::operator_settings::validate(
            &self.accounts,
            &self.registrar,
            self.trunk.as_ref(),
            self.callback.as_ref(),
            &self.service_users,
            &mut errors,
        );
        if let Some(op) = &self.bench_operator
            && !self.accounts.iter().any(|a| &a.user == op)
        {
            errors.push(err("bench_operator", "must name one of [[sip.accounts]]"));
        }
        if !self.bench_bridge_users.is_empty() && self.bench_operator.is_none() {
            errors.push(err("bench_bridge_users", "need bench_operator"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The address for SDP and Contact.
    pub fn advertised_address(&self) -> IpAddr {
        self.public_address.unwrap_or(self.listen_address)
    }

    pub fn inactivity_timeout(&self) -> Duration {
        Duration::from_secs(self.inactivity_timeout_secs)
    }
}

#[cfg(test)]
#[allow(clippy::type_complexity)] // data-driven test tables
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_toml_reads() {
        assert_eq!(SipSettings::default().validate(), Ok(()));
        let s: SipSettings = toml::from_str(
            "udp_port = 0\ntcp_port = 0\nservice_users = [\"ivr\"]\nrate_limit_exempt = [\"127.0.0.1\"]\n",
        )
        .unwrap();
        assert_eq!(s.udp_port, 0);
        assert_eq!(s.service_users, vec!["ivr"]);
        assert!(toml::from_str::<SipSettings>("bogus = 1").is_err());
    }

    #[test]
    fn the_sample_configuration_takes_calls_on_loopback() {
        let sample: toml::Table = toml::from_str(include_str!("../../../sportello.toml")).unwrap();
        let Some(toml::Value::Table(sip)) = sample.get("sip") else {
            panic!("sportello.toml has no [sip] section")
        };
        let s = SipSettings::load(sip, |_| None).unwrap();
        assert_eq!(s.listen_address, IpAddr::from([127, 0, 0, 1]));
        assert_eq!((s.udp_port, s.tcp_port), (5060, Some(5060)));
        assert!(s.service_users.iter().any(|u| u == "sportello"));
    }

    #[test]
    fn environment_overrides_the_ports() {
        let table: toml::Table =
            toml::from_str("udp_port = 5060\ntcp_port = 5061\nservice_users = [\"ivr\"]").unwrap();
        let none = |_: &str| None;
        let s = SipSettings::load(&table, none).unwrap();
        assert_eq!((s.udp_port, s.tcp_port), (5060, Some(5061)));
        let zero = |k: &str| k.starts_with("SPORTELLO_SIP_").then(|| "0".to_owned());
        let s = SipSettings::load(&table, zero).unwrap();
        assert_eq!((s.udp_port, s.tcp_port), (0, Some(0)));
        let bad = |k: &str| (k == "SPORTELLO_SIP_TCP_PORT").then(|| "tcp".to_owned());
        let errors = SipSettings::load(&table, bad).unwrap_err();
        assert_eq!(errors[0].key, "tcp_port");
        assert!(
            errors[0]
                .to_string()
                .contains("SPORTELLO_SIP_TCP_PORT='tcp'")
        );
        let unknown: toml::Table = toml::from_str("bogus = 1").unwrap();
        let errors = SipSettings::load(&unknown, none).unwrap_err();
        assert!(errors[0].to_string().contains("bogus"), "{errors:?}");
        let invalid: toml::Table = toml::from_str("max_calls = 0").unwrap();
        assert_eq!(
            SipSettings::load(&invalid, none).unwrap_err()[0].key,
            "max_calls"
        );
    }

    #[test]
    fn errors_name_the_key() {
        let table: Vec<(SipSettings, &str)> = vec![
            (
                SipSettings {
                    listen_address: "0.0.0.0".parse().unwrap(),
                    ..Default::default()
                },
                "public_address",
            ),
            (
                SipSettings {
                    rtp_port_min: 30000,
                    rtp_port_max: 20000,
                    ..Default::default()
                },
                "rtp_port_min",
            ),
            (
                SipSettings {
                    rtp_port_min: 20000,
                    rtp_port_max: 20010,
                    ..Default::default()
                },
                "rtp_port_max",
            ),
            (
                SipSettings {
                    service_users: vec![],
                    ..Default::default()
                },
                "service_users",
            ),
            (
                SipSettings {
                    max_calls: 0,
                    ..Default::default()
                },
                "max_calls",
            ),
            (
                SipSettings {
                    rate_limit_burst: 1,
                    ..Default::default()
                },
                "rate_limit_burst",
            ),
            (
                SipSettings {
                    max_message_size: 10,
                    ..Default::default()
                },
                "max_message_size",
            ),
            (
                SipSettings {
                    tls_certificate: Some("c.pem".into()),
                    ..Default::default()
                },
                "tls_private_key",
            ),
        ];
        for (s, key) in table {
            let errors = s.validate().unwrap_err();
            assert_eq!(errors[0].key, key, "{errors:?}");
            assert!(errors[0].to_string().starts_with(&format!("sip.{key}: ")));
        }
    }
}

//! The office as configured: raw TOML sections, checked once at start-up into an [`Office`].
//!
//! Every problem is reported with the key it concerns (`lines[2].prefix: ...`) and all problems
//! are reported together, so an administrator fixes the file in one pass.

use std::collections::{BTreeMap, HashSet};

use jiff::SignedDuration;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Deserialize;

use crate::agenda::{AgendaRules, MeetingPoint};
use crate::auth::{PasswordHash, Role, StaffAccount};
use crate::calendar::{
    DayHours, OfficeCalendar, PatronSaint, TimeRange, WeeklyHours, parse_time, parse_weekday,
};
use crate::operators::{IndicatorRules, OperatorPosition, PhoneQueueRules};
use crate::queue::{
    IssuingCutoff, LineId, Prefix, PriorityClass, QueuePolicy, ServiceLine, Station, StationId,
    StationKind,
};

/// `[office]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOffice {
    pub id: String,
    pub name: String,
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub pec: String,
    #[serde(default)]
    pub website: String,
    /// Weekday name → list of "HH:MM-HH:MM".
    pub hours: BTreeMap<String, Vec<String>>,
    pub patron_saint: Option<RawPatronSaint>,
    #[serde(default)]
    pub closures: Vec<RawClosure>,
    #[serde(default)]
    pub special_hours: Vec<RawSpecialHours>,
}

fn default_time_zone() -> String {
    "Europe/Rome".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPatronSaint {
    /// "MM-DD".
    pub date: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClosure {
    /// "YYYY-MM-DD".
    pub date: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpecialHours {
    pub date: String,
    pub hours: Vec<String>,
}

/// `[queue]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    pub priority_head_start_minutes: Option<i64>,
    pub max_consecutive_priority: Option<u32>,
    #[serde(default)]
    pub priority_classes: Vec<RawPriorityClass>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPriorityClass {
    pub id: String,
    pub name: String,
}

/// `[[lines]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLine {
    pub id: String,
    pub name: String,
    pub prefix: String,
    #[serde(default)]
    pub fast_lane: bool,
    pub cutoff_minutes: Option<i64>,
    pub last_ticket: Option<String>,
    pub hours: Option<BTreeMap<String, Vec<String>>>,
    pub default_handling_minutes: Option<i64>,
}

/// `[[counters]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCounter {
    pub id: String,
    pub name: String,
    pub number: u32,
    /// Lines the counter may serve; empty or missing means every line.
    #[serde(default)]
    pub lines: Vec<String>,
}

/// `[agenda]`.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawAgenda {
    /// Days ahead that can be booked (default 30).
    pub horizon_days: Option<i32>,
    /// Minimum minutes between booking and slot start (default 60).
    pub min_notice_minutes: Option<i64>,
    /// Default consultation hours of every meeting point (default Monday-Thursday
    /// 13:30-15:30).
    pub hours: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    pub meeting_points: Vec<RawMeetingPoint>,
    /// Secret that opens the iCalendar feeds (`/agenda/{meeting point}.ics?key=...`) to
    /// calendar programs; without it the feeds need a staff login.
    pub calendar_feed_key: Option<String>,
}

/// `[[agenda.meeting_points]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeetingPoint {
    pub id: String,
    pub name: String,
    pub line: String,
    /// Slot length in minutes (default 20).
    pub slot_minutes: Option<i64>,
    /// Own hours; default the agenda's hours.
    pub hours: Option<BTreeMap<String, Vec<String>>>,
}

/// `[[staff]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStaff {
    pub username: String,
    pub name: String,
    pub role: String,
    /// An Argon2 PHC string (`sportello hash-password` makes one).
    pub password_hash: String,
}

/// `[phone_queue]`: the operator queue of the phone channel.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawPhoneQueue {
    /// Operator hours of every phone line (weekday → "HH:MM-HH:MM"); default the office
    /// hours.
    pub hours: Option<BTreeMap<String, Vec<String>>>,
    /// After-call work before a position is ready again (default 30).
    pub wrap_up_seconds: Option<i64>,
    /// How long an operator's phone rings before the next operator is tried (default 20).
    pub ring_timeout_seconds: Option<i64>,
    /// Unanswered rings in a row that pause a position "non risponde" (default 2).
    pub missed_rings_before_pause: Option<u32>,
    /// How often a waiting caller hears position and wait again (default 60).
    pub announce_every_seconds: Option<i64>,
    /// Wait after which a caller is offered a callback or a booking (default 10).
    pub max_wait_minutes: Option<i64>,
    /// Callers who may wait at once per line (default 20).
    pub max_waiting: Option<u32>,
    /// Hang-ups sooner than this count as short abandons (default 5).
    pub short_abandon_seconds: Option<i64>,
    /// The T of the service level: answered within T seconds (default 20).
    pub service_level_seconds: Option<i64>,
    /// Indicator interval: 15 or 30 minutes (default 15).
    pub interval_minutes: Option<i64>,
    /// Handling time assumed before any call of the day was handled (default 5).
    pub default_handling_minutes: Option<i64>,
    #[serde(default)]
    pub lines: Vec<RawPhoneLine>,
}

/// `[[phone_queue.lines]]`: a phone line served by operators.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhoneLine {
    pub id: String,
    pub name: String,
    /// Letter of the line's numbering, distinct from the counters' lines.
    pub prefix: String,
}

/// `[[operators]]`: an operator position.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    pub id: String,
    pub name: String,
    /// The SIP user its phone registers as.
    pub sip_user: String,
    /// Phone lines served; empty or missing means every phone line.
    #[serde(default)]
    pub lines: Vec<String>,
    /// The staff account (role operator, supervisor or admin) that signs in here.
    pub staff: String,
}

/// The sections of the configuration file the ticketing core reads.
#[derive(Debug, Clone, Copy)]
pub struct RawTicketing<'a> {
    pub office: &'a RawOffice,
    pub queue: &'a RawQueue,
    pub lines: &'a [RawLine],
    pub counters: &'a [RawCounter],
    pub staff: &'a [RawStaff],
    pub agenda: &'a RawAgenda,
}

/// Contact details said on the phone and printed on tickets.
#[derive(Debug, Clone, Default)]
pub struct Contacts {
    pub address: String,
    pub phone: String,
    pub email: String,
    pub pec: String,
    pub website: String,
}

/// The validated office.
#[derive(Debug, Clone)]
pub struct Office {
    pub id: String,
    pub name: String,
    pub contacts: Contacts,
    pub calendar: OfficeCalendar,
    pub lines: Vec<ServiceLine>,
    pub stations: Vec<Station>,
    pub policy: QueuePolicy,
    pub priority_classes: Vec<(PriorityClass, String)>,
    pub staff: Vec<StaffAccount>,
    pub agenda: AgendaRules,
    /// The operator queue of the phone channel; empty until [`build_phone_queue`] fills it.
    pub phone_queue: PhoneQueueRules,
}

impl Office {
    pub fn line(&self, id: &str) -> Option<&ServiceLine> {
        self.lines.iter().find(|l| l.id.as_str() == id)
    }

    pub fn station(&self, id: &str) -> Option<&Station> {
        self.stations.iter().find(|s| s.id.as_str() == id)
    }

    pub fn priority_class(&self, id: &str) -> Option<&PriorityClass> {
        self.priority_classes
            .iter()
            .map(|(c, _)| c)
            .find(|c| c.as_str() == id)
    }

    pub fn staff_account(&self, username: &str) -> Option<&StaffAccount> {
        self.staff.iter().find(|s| s.username == username)
    }
}

/// One problem in the configuration, with the key it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {problem}")]
pub struct ConfigProblem {
    pub key: String,
    pub problem: String,
}

/// Collects problems while checking.
#[derive(Debug, Default)]
struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn add(&mut self, key: impl Into<String>, problem: impl Into<String>) {
        self.0.push(ConfigProblem {
            key: key.into(),
            problem: problem.into(),
        });
    }
}

fn weekly_hours(
    key: &str,
    raw: &BTreeMap<String, Vec<String>>,
    problems: &mut Problems,
) -> WeeklyHours {
    let mut weekly = WeeklyHours::default();
    for (day, ranges) in raw {
        let Some(weekday) = parse_weekday(day) else {
            problems.add(
                format!("{key}.{day}"),
                "not a weekday (use monday ... sunday)",
            );
            continue;
        };
        if let Some(hours) = day_hours(&format!("{key}.{day}"), ranges, problems) {
            weekly.set(weekday, hours);
        }
    }
    weekly
}

fn day_hours(key: &str, ranges: &[String], problems: &mut Problems) -> Option<DayHours> {
    let mut parsed = Vec::new();
    for (i, text) in ranges.iter().enumerate() {
        match TimeRange::parse(text) {
            Ok(r) => parsed.push(r),
            Err(e) => problems.add(format!("{key}[{i}]"), e.to_string()),
        }
    }
    match DayHours::new(parsed) {
        Ok(h) => Some(h),
        Err(e) => {
            problems.add(key, e.to_string());
            None
        }
    }
}

fn positive_minutes(
    key: String,
    value: Option<i64>,
    default: i64,
    problems: &mut Problems,
) -> SignedDuration {
    let minutes = value.unwrap_or(default);
    if !(0..=24 * 60).contains(&minutes) {
        problems.add(key, format!("{minutes} is not between 0 and 1440 minutes"));
        return SignedDuration::from_mins(default);
    }
    SignedDuration::from_mins(minutes)
}

/// Checks the raw sections and builds the office, or lists every problem found.
pub fn build_office(raw: RawTicketing<'_>) -> Result<Office, Vec<ConfigProblem>> {
    let mut p = Problems::default();
    let o = raw.office;
    if crate::queue::LineId::parse(&o.id).is_err() {
        p.add("office.id", "use 1-32 lowercase letters, digits or '-'");
    }
    if o.name.trim().is_empty() {
        p.add("office.name", "must not be empty");
    }
    let time_zone = match TimeZone::get(&o.time_zone) {
        Ok(tz) => tz,
        Err(_) => {
            p.add(
                "office.time_zone",
                format!("unknown time zone '{}'", o.time_zone),
            );
            TimeZone::UTC
        }
    };
    let weekly = weekly_hours("office.hours", &o.hours, &mut p);
    if weekly.is_always_closed() {
        p.add(
            "office.hours",
            "the office is never open: give at least one day",
        );
    }
    let mut calendar = OfficeCalendar::new(time_zone, weekly);
    if let Some(saint) = &o.patron_saint {
        let parsed = saint.date.split_once('-').and_then(|(m, d)| {
            let (m, d): (i8, i8) = (m.parse().ok()?, d.parse().ok()?);
            jiff::civil::Date::new(2024, m, d).ok().map(|_| (m, d))
        });
        match parsed {
            Some((month, day)) => {
                calendar = calendar.with_patron_saint(PatronSaint {
                    month,
                    day,
                    name: saint.name.clone(),
                })
            }
            None => p.add(
                "office.patron_saint.date",
                format!("'{}' is not a day like 06-24", saint.date),
            ),
        }
    }
    for (i, c) in o.closures.iter().enumerate() {
        match c.date.parse::<Date>() {
            Ok(d) => calendar = calendar.with_closure(d, c.reason.clone()),
            Err(_) => p.add(
                format!("office.closures[{i}].date"),
                format!("'{}' is not a date like 2026-12-24", c.date),
            ),
        }
    }
    for (i, s) in o.special_hours.iter().enumerate() {
        let key = format!("office.special_hours[{i}]");
        let date = s.date.parse::<Date>();
        let hours = day_hours(&format!("{key}.hours"), &s.hours, &mut p);
        match (date, hours) {
            (Ok(d), Some(h)) => calendar = calendar.with_special_hours(d, h),
            (Err(_), _) => p.add(
                format!("{key}.date"),
                format!("'{}' is not a date like 2026-12-31", s.date),
            ),
            _ => {}
        }
    }

    let mut lines = Vec::new();
    let mut seen_ids = HashSet::new();
    let mut seen_prefixes = HashSet::new();
    if raw.lines.is_empty() {
        p.add("lines", "define at least one service line");
    }
    for (i, l) in raw.lines.iter().enumerate() {
        let key = format!("lines[{i}]");
        let id = match LineId::parse(&l.id) {
            Ok(id) => id,
            Err(e) => {
                p.add(format!("{key}.id"), e.to_string());
                continue;
            }
        };
        if !seen_ids.insert(l.id.clone()) {
            p.add(
                format!("{key}.id"),
                format!("line '{}' is defined twice", l.id),
            );
        }
        let Some(prefix) = Prefix::parse(&l.prefix) else {
            p.add(
                format!("{key}.prefix"),
                "must be one uppercase letter, like A",
            );
            continue;
        };
        if !seen_prefixes.insert(l.prefix.clone()) {
            p.add(
                format!("{key}.prefix"),
                format!("prefix {} is already used by another line", l.prefix),
            );
        }
        let last_ticket = match l.last_ticket.as_deref().map(parse_time).transpose() {
            Ok(t) => t,
            Err(e) => {
                p.add(format!("{key}.last_ticket"), e.to_string());
                None
            }
        };
        let hours = l
            .hours
            .as_ref()
            .map(|h| weekly_hours(&format!("{key}.hours"), h, &mut p));
        lines.push(ServiceLine {
            id,
            name: l.name.clone(),
            prefix,
            hours,
            cutoff: IssuingCutoff {
                before_closing: positive_minutes(
                    format!("{key}.cutoff_minutes"),
                    l.cutoff_minutes,
                    30,
                    &mut p,
                ),
                last_ticket,
            },
            fast_lane: l.fast_lane,
            default_handling: positive_minutes(
                format!("{key}.default_handling_minutes"),
                l.default_handling_minutes,
                8,
                &mut p,
            ),
        });
    }

    let mut stations = Vec::new();
    let mut seen_stations = HashSet::new();
    for (i, c) in raw.counters.iter().enumerate() {
        let key = format!("counters[{i}]");
        let id = match StationId::parse(&c.id) {
            Ok(id) => id,
            Err(e) => {
                p.add(format!("{key}.id"), e.to_string());
                continue;
            }
        };
        if !seen_stations.insert(c.id.clone()) {
            p.add(
                format!("{key}.id"),
                format!("counter '{}' is defined twice", c.id),
            );
        }
        let mut served = Vec::new();
        for (j, line) in c.lines.iter().enumerate() {
            match lines.iter().find(|l| l.id.as_str() == line) {
                Some(l) => served.push(l.id.clone()),
                None => p.add(
                    format!("{key}.lines[{j}]"),
                    format!("unknown line '{line}'"),
                ),
            }
        }
        if c.lines.is_empty() {
            served = lines.iter().map(|l| l.id.clone()).collect();
        }
        stations.push(Station {
            id,
            name: c.name.clone(),
            number: c.number,
            kind: StationKind::Counter,
            lines: served,
        });
    }
    if raw.counters.is_empty() {
        p.add("counters", "define at least one counter");
    }

    let mut priority_classes = Vec::new();
    for (i, c) in raw.queue.priority_classes.iter().enumerate() {
        match PriorityClass::new(&c.id) {
            Ok(class) => priority_classes.push((class, c.name.clone())),
            Err(e) => p.add(format!("queue.priority_classes[{i}].id"), e.to_string()),
        }
    }
    let policy = QueuePolicy {
        priority_head_start: positive_minutes(
            "queue.priority_head_start_minutes".into(),
            raw.queue.priority_head_start_minutes,
            20,
            &mut p,
        ),
        max_consecutive_priority: raw.queue.max_consecutive_priority.unwrap_or(3),
    };
    if policy.max_consecutive_priority == 0 {
        p.add(
            "queue.max_consecutive_priority",
            "must be at least 1 (0 would disable priority classes)",
        );
    }

    let mut staff = Vec::new();
    let mut seen_users = HashSet::new();
    for (i, s) in raw.staff.iter().enumerate() {
        let key = format!("staff[{i}]");
        if s.username.trim().is_empty() {
            p.add(format!("{key}.username"), "must not be empty");
        }
        if !seen_users.insert(s.username.clone()) {
            p.add(
                format!("{key}.username"),
                format!("'{}' is defined twice", s.username),
            );
        }
        let Some(role) = Role::parse(&s.role) else {
            p.add(
                format!("{key}.role"),
                format!(
                    "'{}' is not one of clerk, operator, supervisor, admin",
                    s.role
                ),
            );
            continue;
        };
        match PasswordHash::parse(&s.password_hash) {
            Ok(hash) => staff.push(StaffAccount {
                username: s.username.clone(),
                display_name: s.name.clone(),
                role,
                password_hash: hash,
            }),
            Err(e) => p.add(format!("{key}.password_hash"), e.to_string()),
        }
    }

    let agenda = build_agenda(raw.agenda, &lines, &mut p);

    if p.0.is_empty() {
        Ok(Office {
            id: o.id.clone(),
            name: o.name.clone(),
            contacts: Contacts {
                address: o.address.clone(),
                phone: o.phone.clone(),
                email: o.email.clone(),
                pec: o.pec.clone(),
                website: o.website.clone(),
            },
            calendar,
            lines,
            stations,
            policy,
            priority_classes,
            staff,
            agenda,
            phone_queue: PhoneQueueRules::default(),
        })
    } else {
        Err(p.0)
    }
}

fn seconds_between(
    key: &str,
    value: Option<i64>,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
    problems: &mut Problems,
) -> SignedDuration {
    let seconds = value.unwrap_or(default);
    if !range.contains(&seconds) {
        problems.add(
            key,
            format!(
                "{seconds} is not between {} and {}",
                range.start(),
                range.end()
            ),
        );
        return SignedDuration::from_secs(default);
    }
    SignedDuration::from_secs(seconds)
}

/// Checks `[phone_queue]` and `[[operators]]` against the built office and returns the office
/// with its operator queue, or every problem found. Phone lines are dedicated: their ids and
/// prefixes must differ from the counters' lines, and no counter serves them.
pub fn build_phone_queue(
    mut office: Office,
    queue: &RawPhoneQueue,
    operators: &[RawOperator],
) -> Result<Office, Vec<ConfigProblem>> {
    let mut p = Problems::default();
    let hours = queue
        .hours
        .as_ref()
        .map(|h| weekly_hours("phone_queue.hours", h, &mut p));
    let default_handling = positive_minutes(
        "phone_queue.default_handling_minutes".into(),
        queue.default_handling_minutes,
        5,
        &mut p,
    );
    let mut lines: Vec<ServiceLine> = Vec::new();
    for (i, l) in queue.lines.iter().enumerate() {
        let key = format!("phone_queue.lines[{i}]");
        let id = match LineId::parse(&l.id) {
            Ok(id) => id,
            Err(e) => {
                p.add(format!("{key}.id"), e.to_string());
                continue;
            }
        };
        if office.line(&l.id).is_some() || lines.iter().any(|x| x.id == id) {
            p.add(
                format!("{key}.id"),
                format!("line '{}' is already defined", l.id),
            );
        }
        let Some(prefix) = Prefix::parse(&l.prefix) else {
            p.add(
                format!("{key}.prefix"),
                "must be one uppercase letter, like O",
            );
            continue;
        };
        if office
            .lines
            .iter()
            .chain(&lines)
            .any(|x| x.prefix == prefix)
        {
            p.add(
                format!("{key}.prefix"),
                format!("prefix {} is already used by another line", l.prefix),
            );
        }
        lines.push(ServiceLine {
            id,
            name: l.name.clone(),
            prefix,
            hours: hours.clone(),
            cutoff: IssuingCutoff {
                before_closing: SignedDuration::ZERO,
                last_ticket: None,
            },
            fast_lane: false,
            default_handling,
        });
    }
    let mut positions: Vec<OperatorPosition> = Vec::new();
    for (i, o) in operators.iter().enumerate() {
        let key = format!("operators[{i}]");
        let id = match StationId::parse(&o.id) {
            Ok(id) => id,
            Err(e) => {
                p.add(format!("{key}.id"), e.to_string());
                continue;
            }
        };
        if office.station(&o.id).is_some() || positions.iter().any(|x| x.id == id) {
            p.add(
                format!("{key}.id"),
                format!("station '{}' is already defined", o.id),
            );
        }
        let sip_user_ok = !o.sip_user.is_empty()
            && o.sip_user.len() <= 64
            && o.sip_user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !sip_user_ok {
            p.add(
                format!("{key}.sip_user"),
                "use 1-64 letters, digits, '-', '_' or '.'",
            );
        } else if positions.iter().any(|x| x.sip_user == o.sip_user) {
            p.add(
                format!("{key}.sip_user"),
                format!("'{}' is used by another position", o.sip_user),
            );
        }
        let mut served = Vec::new();
        for (j, line) in o.lines.iter().enumerate() {
            match lines.iter().find(|l| l.id.as_str() == line) {
                Some(l) => served.push(l.id.clone()),
                None if office.line(line).is_some() => p.add(
                    format!("{key}.lines[{j}]"),
                    format!("'{line}' is a counter line; operators serve phone lines"),
                ),
                None => p.add(
                    format!("{key}.lines[{j}]"),
                    format!("unknown phone line '{line}'"),
                ),
            }
        }
        if o.lines.is_empty() {
            served = lines.iter().map(|l| l.id.clone()).collect();
        }
        match office.staff_account(&o.staff) {
            Some(account) if account.role.allows(Role::Operator) => {}
            Some(_) => p.add(
                format!("{key}.staff"),
                format!("'{}' has no operator role", o.staff),
            ),
            None => p.add(
                format!("{key}.staff"),
                format!("unknown staff account '{}'", o.staff),
            ),
        }
        positions.push(OperatorPosition {
            id,
            name: o.name.clone(),
            sip_user: o.sip_user.clone(),
            lines: served,
            staff: o.staff.clone(),
        });
    }
    if !operators.is_empty() && lines.is_empty() {
        p.add(
            "phone_queue.lines",
            "operators need at least one phone line to serve",
        );
    }
    let interval = queue.interval_minutes.unwrap_or(15);
    if interval != 15 && interval != 30 {
        p.add("phone_queue.interval_minutes", "use 15 or 30");
    }
    let missed = queue.missed_rings_before_pause.unwrap_or(2);
    if missed == 0 {
        p.add(
            "phone_queue.missed_rings_before_pause",
            "must be at least 1",
        );
    }
    let max_waiting = queue.max_waiting.unwrap_or(20);
    if max_waiting == 0 {
        p.add("phone_queue.max_waiting", "must be at least 1");
    }
    let rules = PhoneQueueRules {
        lines,
        operators: positions,
        wrap_up: seconds_between(
            "phone_queue.wrap_up_seconds",
            queue.wrap_up_seconds,
            30,
            0..=3600,
            &mut p,
        ),
        ring_timeout: seconds_between(
            "phone_queue.ring_timeout_seconds",
            queue.ring_timeout_seconds,
            20,
            5..=120,
            &mut p,
        ),
        missed_rings_before_pause: missed.max(1),
        announce_every: seconds_between(
            "phone_queue.announce_every_seconds",
            queue.announce_every_seconds,
            60,
            15..=600,
            &mut p,
        ),
        max_wait: positive_minutes(
            "phone_queue.max_wait_minutes".into(),
            queue.max_wait_minutes,
            10,
            &mut p,
        ),
        max_waiting: max_waiting.max(1),
        heartbeat_timeout: SignedDuration::from_secs(90),
        indicators: IndicatorRules {
            interval: SignedDuration::from_mins(if interval == 30 { 30 } else { 15 }),
            short_abandon: seconds_between(
                "phone_queue.short_abandon_seconds",
                queue.short_abandon_seconds,
                5,
                0..=120,
                &mut p,
            ),
            service_level_threshold: seconds_between(
                "phone_queue.service_level_seconds",
                queue.service_level_seconds,
                20,
                1..=600,
                &mut p,
            ),
        },
    };
    if p.0.is_empty() {
        office.phone_queue = rules;
        Ok(office)
    } else {
        Err(p.0)
    }
}

fn default_agenda_hours() -> BTreeMap<String, Vec<String>> {
    ["monday", "tuesday", "wednesday", "thursday"]
        .into_iter()
        .map(|d| (d.to_string(), vec!["13:30-15:30".to_string()]))
        .collect()
}

fn build_agenda(raw: &RawAgenda, lines: &[ServiceLine], p: &mut Problems) -> AgendaRules {
    let horizon_days = raw.horizon_days.unwrap_or(30);
    if !(1..=366).contains(&horizon_days) {
        p.add("agenda.horizon_days", "must be between 1 and 366");
    }
    let min_notice = positive_minutes(
        "agenda.min_notice_minutes".into(),
        raw.min_notice_minutes,
        60,
        p,
    );
    let default_hours = raw.hours.clone().unwrap_or_else(default_agenda_hours);
    let default_weekly = weekly_hours("agenda.hours", &default_hours, p);
    let mut meeting_points = Vec::new();
    let mut seen = HashSet::new();
    for (i, m) in raw.meeting_points.iter().enumerate() {
        let key = format!("agenda.meeting_points[{i}]");
        let id = match StationId::parse(&m.id) {
            Ok(id) => id,
            Err(e) => {
                p.add(format!("{key}.id"), e.to_string());
                continue;
            }
        };
        if !seen.insert(m.id.clone()) {
            p.add(
                format!("{key}.id"),
                format!("meeting point '{}' is defined twice", m.id),
            );
        }
        let Some(line) = lines.iter().find(|l| l.id.as_str() == m.line) else {
            p.add(format!("{key}.line"), format!("unknown line '{}'", m.line));
            continue;
        };
        let slot = m.slot_minutes.unwrap_or(20);
        if !(5..=240).contains(&slot) {
            p.add(format!("{key}.slot_minutes"), "must be between 5 and 240");
            continue;
        }
        let hours = match &m.hours {
            Some(h) => weekly_hours(&format!("{key}.hours"), h, p),
            None => default_weekly.clone(),
        };
        meeting_points.push(MeetingPoint {
            id,
            name: m.name.clone(),
            line: line.id.clone(),
            slot_length: SignedDuration::from_mins(slot),
            hours,
        });
    }
    if let Some(key) = &raw.calendar_feed_key
        && key.len() < 16
    {
        p.add("agenda.calendar_feed_key", "use at least 16 characters");
    }
    AgendaRules {
        horizon_days,
        min_notice,
        meeting_points,
        hours: default_weekly,
        calendar_feed_key: raw.calendar_feed_key.clone().map(crate::auth::Secret::new),
    }
}

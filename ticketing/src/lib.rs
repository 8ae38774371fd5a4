//! The front-office core shared by counters, kiosks, displays and the phone channel.
//!
//! - [`calendar`]: opening hours, holidays and closures (pure logic).
//! - [`queue`]: lines, tickets, stations, the call-next policy and wait estimates (pure logic).
//! - [`store`]: SQLite/PostgreSQL persistence with atomic numbering.
//! - [`service`]: the rules applied over the store, publishing [`events`].
//! - [`http`]: the JSON API, the Italian web pages (kiosk, counter console, display board) and
//!   the ESC/POS printer.
//! - [`agenda`]: consultation slots, bookings by code, escalations, check-in into the queue.
//! - [`operators`]: the phone channel's operator queue: positions and states, escalated
//!   calls with the caller's context, distribution, callbacks, indicators.
//! - [`settings`]: the office as configured, validated at start-up.
//!
//! Nothing here knows about calls, SIP or audio.

pub mod agenda;
pub mod auth;
pub mod calendar;
pub mod clock;
pub mod contact;
pub mod events;
pub mod http;
pub mod italian;
pub mod operators;
pub mod queue;
pub mod service;
pub mod settings;
pub mod store;

pub use clock::{Clock, ManualClock, ShiftedClock, SystemClock};
pub use service::Ticketing;

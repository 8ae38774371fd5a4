//! The telephony edge of Sportello and the wiring of the `sportello` binary.
pub mod app;
pub mod config;
pub mod metrics;
pub mod operator_queue;
pub mod speech;
pub mod telephony;

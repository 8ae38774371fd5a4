//! Appointment reminders. Sending is behind [`ReminderSender`] (an SMS gateway, an e-mail
//! relay, a call-back); the default only logs, with the phone number masked.

use std::future::Future;
use std::pin::Pin;

use jiff::civil::DateTime;

use super::BookingCode;
use crate::italian;

/// What a reminder says.
#[derive(Debug, Clone)]
pub struct Reminder {
    pub office_name: String,
    pub code: BookingCode,
    /// The citizen's phone number.
    pub contact: String,
    pub start: DateTime,
    pub meeting_point: String,
}

impl Reminder {
    /// The Italian text of the reminder.
    pub fn text(&self) -> String {
        format!(
            "{}: Le ricordiamo l'appuntamento di {} alle {}, {}. Codice di prenotazione {}. \
             Per annullare chiami il numero dello sportello.",
            self.office_name,
            italian::date(self.start.date()),
            italian::time(self.start.time()),
            self.meeting_point,
            self.code.grouped()
        )
    }
}

/// A reminder that could not be sent (it is retried on the next round).
#[derive(Debug, thiserror::Error)]
#[error("reminder not delivered: {0}")]
pub struct ReminderError(pub String);

/// Delivers reminders.
pub trait ReminderSender: Send + Sync {
    fn send<'a>(
        &'a self,
        reminder: &'a Reminder,
    ) -> Pin<Box<dyn Future<Output = Result<(), ReminderError>> + Send + 'a>>;
}

/// Logs reminders instead of sending them (the default until a gateway is configured).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogReminderSender;

impl ReminderSender for LogReminderSender {
    fn send<'a>(
        &'a self,
        reminder: &'a Reminder,
    ) -> Pin<Box<dyn Future<Output = Result<(), ReminderError>> + Send + 'a>> {
        Box::pin(async move {
            let contact = crate::contact::PhoneNumber::parse(&reminder.contact)
                .map(|n| n.masked())
                .unwrap_or_else(|_| "***".to_string());
            tracing::info!(code = %reminder.code, %contact, text = %reminder.text(), "reminder (log only)");
            Ok(())
        })
    }
}

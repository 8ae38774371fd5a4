//! A keypad menu and how a caller's answer is taken: the prompt (which a key may interrupt),
//! then a wait for one key. Silence or a wrong key: first a reprompt with the hint (examples
//! of what to press), then the whole menu again; a third failure ends the menu without a
//! choice, and the flow hands the caller to the operator (or says goodbye).
//!
//! "Non ho ricevuto nessuna scelta. Prema 1 per informazioni, ..." then "Il tasto 7 non
//! corrisponde a nessuna scelta. Le ripeto le scelte." and the menu.

use crate::channel::{Channel, Key};

use super::conversation::{Conversation, Stop};

/// Failures allowed before the menu gives up.
pub(crate) const ATTEMPTS: u32 = 3;

/// A menu known at compile time: what is said, the shorter hint said after a failure, and
/// the keys it accepts.
#[derive(Debug)]
pub(crate) struct Menu<T: 'static> {
    pub prompt: &'static str,
    pub hint: &'static str,
    pub options: &'static [(Key, T)],
}

/// Why an answer was not a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    NoInput,
    WrongKey(Key),
}

impl Failure {
    /// The sentence that tells the caller what went wrong.
    pub(crate) fn sentence(self) -> String {
        match self {
            Failure::NoInput => "Non ho ricevuto nessuna scelta.".to_string(),
            Failure::WrongKey(key) => {
                format!(
                    "Il tasto {} non corrisponde a nessuna scelta.",
                    key.italian_name()
                )
            }
        }
    }
}

/// What the menu produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer<T> {
    Chosen(T),
    /// Three failures in a row; the last one is kept to say goodbye accordingly.
    GaveUp(Failure),
}

/// What is said after the first failure: what went wrong and the hint.
pub(crate) fn reprompt(hint: &str, failure: Failure) -> String {
    format!("{} {hint}", failure.sentence())
}

/// What is said after the second failure, before the whole menu again (a prompt of its own,
/// so the menu's audio is the one already cached).
pub(crate) fn before_repeating(failure: Failure) -> String {
    format!("{} Le ripeto le scelte.", failure.sentence())
}

/// Every failure a menu accepting `accepted` can meet: silence and each other key.
pub(crate) fn possible_failures(accepted: impl Fn(Key) -> bool) -> Vec<Failure> {
    let keys = (0..=9).filter_map(Key::digit).chain([Key::Star, Key::Hash]);
    std::iter::once(Failure::NoInput)
        .chain(keys.filter(|k| !accepted(*k)).map(Failure::WrongKey))
        .collect()
}

impl<T: Copy> Menu<T> {
    /// Every reprompt this menu can say.
    pub(crate) fn reprompts(&self) -> Vec<String> {
        let failures = possible_failures(|k| self.options.iter().any(|(o, _)| *o == k));
        failures
            .into_iter()
            .flat_map(|f| [reprompt(self.hint, f), before_repeating(f)])
            .collect()
    }

    /// Every failure this menu can meet.
    pub(crate) fn possible_failures(&self) -> Vec<Failure> {
        possible_failures(|k| self.options.iter().any(|(o, _)| *o == k))
    }
}

impl<C: Channel> Conversation<'_, C> {
    /// Asks `menu`. `early_key` is a key the caller already pressed (during the welcome):
    /// it is taken as the first answer without saying the menu.
    pub(crate) async fn ask<T: Copy>(
        &mut self,
        menu: &Menu<T>,
        early_key: Option<Key>,
    ) -> Result<Answer<T>, Stop> {
        self.choose(menu.prompt, menu.hint, menu.options, early_key)
            .await
    }

    /// Asks a menu made during the call: `prompt`, `hint` after a first failure, `options`.
    pub(crate) async fn choose<T: Clone>(
        &mut self,
        prompt: &str,
        hint: &str,
        options: &[(Key, T)],
        early_key: Option<Key>,
    ) -> Result<Answer<T>, Stop> {
        let timeout = self.context().settings.no_input_timeout;
        let mut text = prompt.to_string();
        let mut preface: Option<String> = None;
        let mut pending = early_key;
        let mut failures = 0;
        loop {
            if pending.is_none()
                && let Some(preface) = preface.take()
            {
                pending = self.say_or_key(&preface).await?;
            }
            let key = match pending.take() {
                Some(key) => Some(key),
                None => match self.say_or_key(&text).await? {
                    Some(key) => Some(key),
                    None => self.wait_for_key(timeout).await?,
                },
            };
            let failure = match key {
                Some(key) => match options.iter().find(|(k, _)| *k == key) {
                    Some((_, choice)) => return Ok(Answer::Chosen(choice.clone())),
                    None => Failure::WrongKey(key),
                },
                None => Failure::NoInput,
            };
            failures += 1;
            tracing::debug!(?failure, failures, "no valid choice");
            if failures >= ATTEMPTS {
                return Ok(Answer::GaveUp(failure));
            }
            if failures == 1 {
                text = reprompt(hint, failure);
            } else {
                preface = Some(before_repeating(failure));
                text = prompt.to_string();
            }
        }
    }
}

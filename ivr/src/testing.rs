//! Test support: a fake caller on a fake channel, and a fake voice, for dialog tests in
//! virtual time (`#[tokio::test(start_paused = true)]`).
//!
//! The test body plays the caller, so a test reads like the call:
//!
//! ```
//! # use ivr::testing::fake_call;
//! # use ivr::{BargeIn, Channel};
//! # use ivr::speech::Prompt;
//! # use std::{sync::Arc, time::Duration};
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let (mut channel, mut caller) = fake_call();
//! let dialog = tokio::spawn(async move {
//!     let hello = Arc::new(Prompt::silence(Duration::from_secs(2), "Buongiorno."));
//!     channel.play(hello, BargeIn::Allowed).await
//! });
//! caller.hears("Buongiorno.").await;
//! caller.press("1");
//! assert!(dialog.await.unwrap().is_ok());
//! assert_eq!(caller.transcript(), ["ivr: Buongiorno.", "caller presses 1 (barge-in)"]);
//! # }
//! ```
//!
//! [`FakeChannel`] plays a prompt for its real duration (in virtual time), follows the key
//! model of [`crate::channel`] and records every event; [`FakeCaller`] presses keys, hangs up,
//! and waits for what the dialog says. [`FakeVoice`] "synthesises" silence as long as the text
//! would take to say, labelled with the text as written.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::time::{Instant, sleep_until};

use crate::channel::{
    BargeIn, Channel, ChannelError, Key, KeyCollection, KeyCollector, KeyRequest, Playback,
};
use crate::speech::{Prompt, SpeechSynthesizer, SynthesisError, SynthesisFuture};

/// Keys the fake caller can press ahead of the dialog.
const KEY_BUFFER: usize = 64;

/// What happened on the fake call, with the time since the call started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The dialog started a prompt.
    Prompt {
        label: String,
        at: Duration,
        length: Duration,
        barge_in: BargeIn,
    },
    /// A key stopped the prompt.
    Interrupted { key: Key, at: Duration },
    /// Keys pressed during a prompt that does not allow barge-in.
    Discarded { keys: Vec<Key>, at: Duration },
    /// A key collection ended.
    Collected { result: KeyCollection, at: Duration },
    /// The dialog hung up.
    GatewayHungUp { at: Duration },
    /// The caller's hang-up reached the dialog.
    CallerHungUp { at: Duration },
}

impl Event {
    /// One line of the human-readable transcript.
    pub fn line(&self) -> String {
        let keys = |keys: &[Key]| keys.iter().map(|k| k.as_char()).collect::<String>();
        match self {
            Event::Prompt { label, .. } => format!("ivr: {label}"),
            Event::Interrupted { key, .. } => format!("caller presses {key} (barge-in)"),
            Event::Discarded { keys: k, .. } => format!("caller presses {} (ignored)", keys(k)),
            Event::Collected {
                result: KeyCollection::Keys(k),
                ..
            } => format!("caller presses {}", keys(k)),
            Event::Collected {
                result: KeyCollection::NoInput,
                ..
            } => "caller: (silence)".to_string(),
            Event::GatewayHungUp { .. } => "ivr hangs up".to_string(),
            Event::CallerHungUp { .. } => "caller hangs up".to_string(),
        }
    }
}

#[derive(Debug)]
enum Input {
    Key(Key),
    HangUp,
}

#[derive(Debug, Default)]
struct Log {
    events: Mutex<Vec<Event>>,
    changed: Notify,
}

impl Log {
    fn push(&self, event: Event) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
        self.changed.notify_waiters();
    }

    fn snapshot(&self) -> Vec<Event> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A fake call: the dialog's side ([`FakeChannel`]) and the caller's side ([`FakeCaller`]).
pub fn fake_call() -> (FakeChannel, FakeCaller) {
    let (keys, inputs) = mpsc::channel(KEY_BUFFER);
    let log = Arc::new(Log::default());
    let start = Instant::now();
    (
        FakeChannel {
            inputs,
            log: log.clone(),
            start,
            caller_gone: false,
            hung_up: false,
        },
        FakeCaller {
            keys,
            log,
            cursor: 0,
            start,
        },
    )
}

/// The dialog's side of a fake call.
#[derive(Debug)]
pub struct FakeChannel {
    inputs: mpsc::Receiver<Input>,
    log: Arc<Log>,
    start: Instant,
    caller_gone: bool,
    hung_up: bool,
}

impl FakeChannel {
    fn since_start(&self) -> Duration {
        Instant::now() - self.start
    }

    fn live(&self) -> Result<(), ChannelError> {
        if self.caller_gone {
            return Err(ChannelError::HungUp);
        }
        if self.hung_up {
            return Err(ChannelError::TornDown {
                reason: "the dialog already hung up",
            });
        }
        Ok(())
    }

    fn caller_hung_up(&mut self) -> ChannelError {
        self.caller_gone = true;
        self.log.push(Event::CallerHungUp {
            at: self.since_start(),
        });
        ChannelError::HungUp
    }
}

impl Channel for FakeChannel {
    async fn play(
        &mut self,
        prompt: Arc<Prompt>,
        barge_in: BargeIn,
    ) -> Result<Playback, ChannelError> {
        self.live()?;
        let length = prompt.duration();
        self.log.push(Event::Prompt {
            label: prompt.label().to_string(),
            at: self.since_start(),
            length,
            barge_in,
        });
        let end = Instant::now() + length;
        let mut discarded = Vec::new();
        loop {
            tokio::select! {
                biased;
                input = self.inputs.recv() => match input {
                    Some(Input::Key(key)) if barge_in == BargeIn::Allowed => {
                        self.log.push(Event::Interrupted { key, at: self.since_start() });
                        return Ok(Playback::Interrupted(key));
                    }
                    Some(Input::Key(key)) => discarded.push(key),
                    Some(Input::HangUp) | None => return Err(self.caller_hung_up()),
                },
                () = sleep_until(end) => break,
            }
        }
        if !discarded.is_empty() {
            self.log.push(Event::Discarded {
                keys: discarded,
                at: self.since_start(),
            });
        }
        Ok(Playback::Finished)
    }

    async fn collect_keys(&mut self, request: &KeyRequest) -> Result<KeyCollection, ChannelError> {
        self.live()?;
        let mut collector = KeyCollector::new(request, Instant::now());
        let result = loop {
            tokio::select! {
                biased;
                input = self.inputs.recv() => match input {
                    Some(Input::Key(key)) => {
                        if let Some(result) = collector.push(key, Instant::now()) {
                            break result;
                        }
                    }
                    Some(Input::HangUp) | None => return Err(self.caller_hung_up()),
                },
                () = sleep_until(collector.deadline()) => break collector.expire(),
            }
        };
        self.log.push(Event::Collected {
            result: result.clone(),
            at: self.since_start(),
        });
        Ok(result)
    }

    async fn hang_up(&mut self) {
        if !self.hung_up && !self.caller_gone {
            self.hung_up = true;
            self.log.push(Event::GatewayHungUp {
                at: self.since_start(),
            });
        }
    }
}

/// What the caller heard: a prompt's start time and length since the call started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heard {
    pub at: Duration,
    pub length: Duration,
}

impl Heard {
    /// When the prompt ended (if it was not interrupted).
    pub fn end(&self) -> Duration {
        self.at + self.length
    }
}

/// The caller's side of a fake call.
#[derive(Debug)]
pub struct FakeCaller {
    keys: mpsc::Sender<Input>,
    log: Arc<Log>,
    cursor: usize,
    start: Instant,
}

impl FakeCaller {
    /// Presses keys (`"1"`, `"12#"`), now.
    ///
    /// # Panics
    /// On a character that is not a keypad key, or when more than 64 keys are waiting.
    pub fn press(&self, keys: &str) {
        for c in keys.chars() {
            let key = Key::from_char(c).unwrap_or_else(|| panic!("{c:?} is not a keypad key"));
            // A dialog that ended no longer listens: pressing then is harmless.
            if let Err(mpsc::error::TrySendError::Full(_)) = self.keys.try_send(Input::Key(key)) {
                panic!("the fake caller pressed more than {KEY_BUFFER} keys ahead of the dialog");
            }
        }
    }

    /// Hangs up, now.
    pub fn hang_up(&self) {
        let _ = self.keys.try_send(Input::HangUp);
    }

    /// Time since the call started.
    pub fn elapsed(&self) -> Duration {
        Instant::now() - self.start
    }

    /// Waits for the next prompt (skipping other events); `None` when the dialog hangs up
    /// or the caller's own hang-up reached it.
    pub async fn next_prompt(&mut self) -> Option<(String, Heard)> {
        loop {
            let notified = self.log.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let events = self.log.snapshot();
            while let Some(event) = events.get(self.cursor) {
                self.cursor += 1;
                match event {
                    Event::Prompt {
                        label, at, length, ..
                    } => {
                        return Some((
                            label.clone(),
                            Heard {
                                at: *at,
                                length: *length,
                            },
                        ));
                    }
                    Event::GatewayHungUp { .. } | Event::CallerHungUp { .. } => return None,
                    _ => {}
                }
            }
            notified.await;
        }
    }

    /// Waits for the next prompt and checks what it says.
    ///
    /// # Panics
    /// When the dialog says something else or hangs up, with the transcript so far.
    #[track_caller]
    pub fn hears(&mut self, expected: &str) -> impl Future<Output = Heard> + '_ {
        let location = std::panic::Location::caller();
        let expected = expected.to_string();
        async move {
            match self.next_prompt().await {
                Some((label, heard)) if label == expected => heard,
                Some((label, _)) => panic!(
                    "at {location}: the caller expected to hear\n  {expected:?}\nbut heard\n  {label:?}\ntranscript:\n{}",
                    self.transcript().join("\n")
                ),
                None => panic!(
                    "at {location}: the caller expected to hear\n  {expected:?}\nbut the call ended\ntranscript:\n{}",
                    self.transcript().join("\n")
                ),
            }
        }
    }

    /// Waits until the dialog hangs up.
    ///
    /// # Panics
    /// When the dialog says something else first.
    #[track_caller]
    pub fn is_hung_up_on(&mut self) -> impl Future<Output = Duration> + '_ {
        let location = std::panic::Location::caller();
        async move {
            if let Some((label, _)) = self.next_prompt().await {
                panic!(
                    "at {location}: expected the dialog to hang up, but it said {label:?}\ntranscript:\n{}",
                    self.transcript().join("\n")
                );
            }
            match self.log.snapshot().last() {
                Some(Event::GatewayHungUp { at }) => *at,
                _ => panic!(
                    "at {location}: the call ended without the dialog hanging up\ntranscript:\n{}",
                    self.transcript().join("\n")
                ),
            }
        }
    }

    /// Everything that happened so far.
    pub fn events(&self) -> Vec<Event> {
        self.log.snapshot()
    }

    /// The call so far, one line per event ("ivr: ...", "caller presses 2", ...).
    pub fn transcript(&self) -> Vec<String> {
        self.log.snapshot().iter().map(Event::line).collect()
    }
}

/// A voice for tests: silence as long as the text would take to say (60 ms a character,
/// 1 s at least), labelled with the text as written, so that tests read the dialog's own
/// sentences. It can be told to fail.
#[derive(Debug, Default)]
pub struct FakeVoice {
    failing: bool,
    said: Mutex<VecDeque<String>>,
}

impl FakeVoice {
    /// Time a character takes to say.
    pub const PER_CHARACTER: Duration = Duration::from_millis(60);

    pub fn new() -> Self {
        FakeVoice::default()
    }

    /// A voice whose every synthesis fails as if espeak-ng were not installed.
    pub fn failing() -> Self {
        FakeVoice {
            failing: true,
            said: Mutex::default(),
        }
    }

    /// How long `text` lasts when said.
    pub fn length_of(text: &str) -> Duration {
        (Self::PER_CHARACTER * text.chars().count() as u32).max(Duration::from_secs(1))
    }

    /// Every text synthesised so far.
    pub fn synthesised(&self) -> Vec<String> {
        self.said
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}

impl SpeechSynthesizer for FakeVoice {
    fn synthesize<'a>(&'a self, text: &'a str) -> SynthesisFuture<'a> {
        Box::pin(async move {
            if self.failing {
                return Err(SynthesisError::Unavailable {
                    program: "fake".to_string(),
                    reason: "told to fail".to_string(),
                });
            }
            self.said
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_back(text.to_string());
            Ok(Arc::new(Prompt::silence(FakeVoice::length_of(text), text)))
        })
    }
}
